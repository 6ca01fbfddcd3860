//! Why a sign-in was refused. Each variant has a stable [`SigninError::code`] that the HTTP
//! routes answer with.

/// Why a signature could not be checked or did not hold.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SignatureError {
    /// Not hex / base58 / base64, or not the right length: a bad request (400).
    #[error("signature encoding: {0}")]
    Encoding(&'static str),
    /// Well-formed but not a valid signature by this account (401).
    #[error("{0}")]
    Invalid(&'static str),
}

/// Why a sign-in was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SigninError {
    /// The message does not follow its grammar (400 `invalid_request`).
    #[error("the message is not a valid sign-in message: {0}")]
    Malformed(String),
    /// The signature is not hex/base58/base64 of the right length (400 `invalid_request`).
    #[error("{0}")]
    SignatureEncoding(SignatureError),
    /// The signature does not hold for the message's account (401 `invalid_signature`).
    #[error("the signature does not match the message's account: {0}")]
    BadSignature(String),
    /// The nonce was not issued by us, has expired or was already used (401 `invalid_nonce`).
    #[error("the nonce is unknown, expired or already used")]
    Nonce,
    /// The message (or its `Issued At` age) has expired (401 `expired`).
    #[error("the message has expired")]
    Expired,
    /// `Not Before` (or `Issued At`) is in the future (401 `not_yet_valid`).
    #[error("the message is not valid yet")]
    NotYetValid,
    /// `domain` or scheme is not ours (401 `domain_mismatch`).
    #[error("the message is for another domain")]
    Domain,
    /// `URI` does not start with our origin (401 `uri_mismatch`).
    #[error("the message's URI is not ours")]
    Uri,
    /// `Chain ID` is not in the allow-list (401 `chain_not_allowed`).
    #[error("the message's chain is not allowed")]
    Chain,
    /// `Version` is not `1` (401 `unsupported_version`).
    #[error("the message's version is not 1")]
    Version,
    /// A field we require is missing (SIWS: nonce, URI, Issued At) (401 `missing_field`).
    #[error("the message has no {0}, which this service requires")]
    MissingField(&'static str),
}

impl SigninError {
    /// The stable `error` code of the HTTP answer.
    pub fn code(&self) -> &'static str {
        match self {
            SigninError::Malformed(_) | SigninError::SignatureEncoding(_) => "invalid_request",
            SigninError::BadSignature(_) => "invalid_signature",
            SigninError::Nonce => "invalid_nonce",
            SigninError::Expired => "expired",
            SigninError::NotYetValid => "not_yet_valid",
            SigninError::Domain => "domain_mismatch",
            SigninError::Uri => "uri_mismatch",
            SigninError::Chain => "chain_not_allowed",
            SigninError::Version => "unsupported_version",
            SigninError::MissingField(_) => "missing_field",
        }
    }

    /// True for a bad request (400) rather than a refused sign-in (401).
    pub fn is_bad_request(&self) -> bool {
        matches!(
            self,
            SigninError::Malformed(_) | SigninError::SignatureEncoding(_)
        )
    }
}

impl From<SignatureError> for SigninError {
    fn from(e: SignatureError) -> Self {
        match e {
            SignatureError::Encoding(_) => SigninError::SignatureEncoding(e),
            SignatureError::Invalid(why) => SigninError::BadSignature(why.to_owned()),
        }
    }
}
