//! Step 4 for providers whose tokens are not plain JWS: the provider's own signature scheme.
//!
//! Most providers sign compact JWS with a key from a key set, and [`crate::verify_signature`]
//! checks them. Some do not: Turnkey's session JWT says ES256 but signs a double SHA-256,
//! thirdweb's token carries an EIP-191 signature by the app's wallet, and Magic's DID token is
//! not a JWS at all. Such a provider gives its [`Policy`](crate::Policy) a [`SignatureScheme`]
//! ([`Policy::with_signature_scheme`](crate::Policy::with_signature_scheme)); the policy then
//! checks every token with the scheme and never with a JWS key, so a token signed the standard
//! way is refused. The claims rules that follow are the same for every provider.

use crate::{UnverifiedToken, VerifyError};

/// How a provider's tokens are signed, when not as plain JWS.
///
/// ```
/// use claims_core::{SignatureScheme, UnverifiedToken, VerifyError};
///
/// /// Accepts nothing: every signature is refused.
/// #[derive(Debug)]
/// struct RefuseAll;
///
/// impl SignatureScheme for RefuseAll {
///     fn verify_compact(&self, _token: &UnverifiedToken<'_>) -> Result<(), VerifyError> {
///         Err(VerifyError::InvalidSignature)
///     }
/// }
/// let token = "eyJhbGciOiJFUzI1NiJ9.e30.c2ln";
/// let parsed = UnverifiedToken::parse(token, 8192).unwrap();
/// assert_eq!(RefuseAll.verify_compact(&parsed), Err(VerifyError::InvalidSignature));
/// assert!(!RefuseAll.opens_opaque());
/// ```
pub trait SignatureScheme: Send + Sync + std::fmt::Debug {
    /// Check the signature of a compact token routed to this provider, whose header already
    /// passed the common rules and the policy's algorithm allow-list. Everything the signature
    /// covers is read from the token's exact bytes ([`UnverifiedToken::signing_input`],
    /// [`UnverifiedToken::payload`]), never from a re-serialised copy.
    fn verify_compact(&self, token: &UnverifiedToken<'_>) -> Result<(), VerifyError>;

    /// True when this provider's tokens are not compact JWS (no `.` in them): the verifier
    /// then hands such tokens to [`SignatureScheme::open`]. Default: false.
    fn opens_opaque(&self) -> bool {
        false
    }

    /// Take apart a token that is not a compact JWS, check its signature, and return the
    /// signed claims (a JSON object's bytes). The caller has already checked the size cap.
    /// Default: refused as malformed.
    fn open(&self, token: &str) -> Result<Vec<u8>, VerifyError> {
        let _ = token;
        Err(crate::Malformed::SegmentCount.into())
    }
}
