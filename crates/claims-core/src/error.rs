//! Why a token was refused.
//!
//! Every refusal is one variant of [`VerifyError`]. The `Display` text is meant for logs and for the
//! command line; it never contains the token, a signature or key material. Values taken from the
//! token (an issuer, an audience) are shortened before they are shown.

use crate::algorithm::Algorithm;

/// The part of a compact token that could not be decoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    /// The JOSE header (first segment).
    Header,
    /// The claims (second segment).
    Payload,
    /// The signature (third segment).
    Signature,
}

impl std::fmt::Display for Part {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Part::Header => "header",
            Part::Payload => "payload",
            Part::Signature => "signature",
        })
    }
}

/// Why a token is not a well-formed compact JWS.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Malformed {
    /// The token is empty.
    #[error("the token is empty")]
    Empty,
    /// The token does not have exactly three dot-separated segments.
    #[error("a compact JWS has exactly 3 segments")]
    SegmentCount,
    /// A segment is not unpadded base64url (RFC 7515 §2), or has non-zero trailing bits.
    #[error("the {0} is not unpadded base64url")]
    Base64(Part),
    /// A segment is not valid JSON, is not an object, or has a member of the wrong type or a
    /// duplicated member.
    #[error("the {0} is not a valid JSON object")]
    Json(Part),
    /// The `kid` header is longer than [`crate::MAX_KID_LEN`] bytes.
    #[error("the kid header is too long")]
    KidTooLong,
    /// The `crit` header is present but empty or not a list of strings (RFC 7515 §4.1.11).
    #[error("the crit header is invalid")]
    InvalidCrit,
}

/// Why a token was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum VerifyError {
    /// The token is larger than the configured cap; nothing was decoded.
    #[error("the token is larger than {max} bytes")]
    TokenTooLarge {
        /// The cap in bytes.
        max: usize,
    },
    /// The token is not a well-formed compact JWS.
    #[error("malformed token: {0}")]
    Malformed(Malformed),
    /// The `alg` header names no algorithm this library implements (this includes `none`).
    #[error("unsupported algorithm {0:?}")]
    UnsupportedAlgorithm(String),
    /// The algorithm exists but the provider's policy does not allow it.
    #[error("algorithm {0:?} is not allowed for this provider")]
    AlgorithmNotAllowed(Algorithm),
    /// A header that would let the token choose its own key (`jwk`, `jku`, `x5u`, `x5c`) or change
    /// how it is processed (`b64`) is present.
    #[error("the {0} header is not accepted")]
    ForbiddenHeader(&'static str),
    /// The `crit` header lists an extension this library does not understand.
    #[error("unknown critical header extension {0:?}")]
    UnknownCritical(String),
    /// The key given for verification belongs to another algorithm family than the token's `alg`.
    #[error("the key does not fit algorithm {0:?}")]
    KeyMismatch(Algorithm),
    /// No key is known for this token.
    #[error("no key for this token: {0}")]
    KeyNotFound(String),
    /// The signature does not verify.
    #[error("the signature is invalid")]
    InvalidSignature,
    /// A claim has the wrong JSON type (for example `exp` as a string).
    #[error("claim {path} has the wrong type")]
    InvalidClaim {
        /// Where in the claims the bad value is (`exp`, `data.wallets[0].address`, …).
        path: String,
    },
    /// A required claim is absent.
    #[error("the {0} claim is required")]
    MissingClaim(&'static str),
    /// `exp` is in the past, beyond the leeway.
    #[error("expired at {exp} (now {now}, leeway {leeway}s)")]
    Expired {
        /// The token's `exp`.
        exp: i64,
        /// The time of verification.
        now: i64,
        /// The leeway that was allowed.
        leeway: u64,
    },
    /// `nbf` is in the future, beyond the leeway.
    #[error("not valid before {nbf} (now {now})")]
    NotYetValid {
        /// The token's `nbf`.
        nbf: i64,
        /// The time of verification.
        now: i64,
    },
    /// `iat` is in the future, beyond the leeway (checked where the provider requires it).
    #[error("issued in the future at {iat} (now {now})")]
    IssuedInFuture {
        /// The token's `iat`.
        iat: i64,
        /// The time of verification.
        now: i64,
    },
    /// `iss` is not one of the provider's expected issuers.
    #[error("issuer {found:?} is not {expected}")]
    WrongIssuer {
        /// The token's issuer (shortened), or `None` when absent.
        found: Option<String>,
        /// What was expected, for humans.
        expected: String,
    },
    /// `aud` does not contain any configured audience.
    #[error("audience {found:?} is not {expected}")]
    WrongAudience {
        /// The token's audiences (shortened).
        found: Vec<String>,
        /// What was expected, for humans.
        expected: String,
    },
    /// `sub` is not the expected subject (Parra: the tenant id of the API key).
    #[error("subject {found:?} is not the expected one")]
    WrongSubject {
        /// The token's subject (shortened), or `None` when absent.
        found: Option<String>,
    },
    /// The `cty` header is not the provider's (Parra: `parra-fpa;v=1`).
    #[error("content type {found:?} is not {expected:?}")]
    WrongContentType {
        /// The token's `cty` (shortened), or `None` when absent.
        found: Option<String>,
        /// The expected content type.
        expected: &'static str,
    },
    /// The token is not an access token (for example a Sophon refresh token).
    #[error("token type {0:?} is not accepted")]
    WrongTokenType(String),
    /// The token's scopes do not allow this request (Dynamic: `requiresAdditionalAuth`, or a required
    /// scope missing).
    #[error("insufficient scope: {0}")]
    InsufficientScope(String),
    /// The token's issuer belongs to no configured provider (from routing).
    #[error("no configured provider issues tokens with issuer {0:?}")]
    UnknownIssuer(Option<String>),
    /// The claims were asked for as another type than the policy reads them as.
    #[error("the policy reads claims as {policy}, not as {claims}")]
    ProviderMismatch {
        /// The policy's claims type.
        policy: &'static str,
        /// The claims type asked for.
        claims: &'static str,
    },
    /// `auth_time` is in the future, beyond the leeway (OpenID Connect; Firebase documents the
    /// check).
    #[error("authenticated in the future at {auth_time} (now {now})")]
    AuthenticatedInFuture {
        /// The token's `auth_time`.
        auth_time: i64,
        /// The time of verification.
        now: i64,
    },
    /// A claim is not one of the values the policy accepts for it (Turnkey's `organization_id`,
    /// `azp`: see [`crate::Policy::with_claim_values`]).
    #[error("claim {claim} = {found:?} is not accepted")]
    ClaimNotAccepted {
        /// The claim's name.
        claim: String,
        /// Its value (shortened), or `None` when absent.
        found: Option<String>,
    },
    /// A claim the policy requires by name (the configured user id claim, or a required claim
    /// such as Privy's `sid`) is absent, `null` or empty.
    #[error("missing claim {0:?}")]
    MissingConfiguredClaim(String),
}

impl From<Malformed> for VerifyError {
    fn from(m: Malformed) -> Self {
        VerifyError::Malformed(m)
    }
}

impl VerifyError {
    /// A short, stable, machine-readable name for the reason (for metrics labels and logs).
    pub fn reason(&self) -> &'static str {
        match self {
            VerifyError::TokenTooLarge { .. } => "token_too_large",
            VerifyError::Malformed(_) => "malformed",
            VerifyError::UnsupportedAlgorithm(_) => "unsupported_algorithm",
            VerifyError::AlgorithmNotAllowed(_) => "algorithm_not_allowed",
            VerifyError::ForbiddenHeader(_) => "forbidden_header",
            VerifyError::UnknownCritical(_) => "unknown_critical",
            VerifyError::KeyMismatch(_) => "key_mismatch",
            VerifyError::KeyNotFound(_) => "key_not_found",
            VerifyError::InvalidSignature => "invalid_signature",
            VerifyError::InvalidClaim { .. } => "invalid_claim",
            VerifyError::MissingClaim(_) | VerifyError::MissingConfiguredClaim(_) => {
                "missing_claim"
            }
            VerifyError::Expired { .. } => "expired",
            VerifyError::NotYetValid { .. } => "not_yet_valid",
            VerifyError::IssuedInFuture { .. } => "issued_in_future",
            VerifyError::AuthenticatedInFuture { .. } => "authenticated_in_future",
            VerifyError::ClaimNotAccepted { .. } => "claim_not_accepted",
            VerifyError::WrongIssuer { .. } => "wrong_issuer",
            VerifyError::WrongAudience { .. } => "wrong_audience",
            VerifyError::WrongSubject { .. } => "wrong_subject",
            VerifyError::WrongContentType { .. } => "wrong_content_type",
            VerifyError::WrongTokenType(_) => "wrong_token_type",
            VerifyError::InsufficientScope(_) => "insufficient_scope",
            VerifyError::UnknownIssuer(_) => "unknown_issuer",
            VerifyError::ProviderMismatch { .. } => "provider_mismatch",
        }
    }

    /// True for refusals that mean "valid token, not allowed here" (RFC 6750 `insufficient_scope`,
    /// HTTP 403) rather than "not a valid token" (HTTP 401).
    pub fn is_insufficient_scope(&self) -> bool {
        matches!(self, VerifyError::InsufficientScope(_))
    }
}

/// Shorten a value taken from a token (to 64 bytes) before it goes into an error message.
pub fn shorten(s: &str) -> String {
    const MAX: usize = 64;
    if s.len() <= MAX {
        return s.to_owned();
    }
    let mut end = MAX;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", s.get(..end).unwrap_or_default())
}
