//! Why a request was not authenticated.

use claims_core::VerifyError;
use jwks_cache::KeyError;

/// Why the layer refused a request. [`AuthError::class`] says which HTTP/gRPC answer it gets.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum AuthError {
    /// No token was sent (required mode only).
    #[error("no token in the request")]
    MissingToken,
    /// Two different tokens were sent (for example a bearer token and a cookie).
    #[error("the request carries more than one token")]
    ConflictingTokens,
    /// A token source held something that is not a token (not visible ASCII, `Bearer` without a
    /// token).
    #[error("the token is not readable")]
    Unreadable,
    /// The token is not valid.
    #[error(transparent)]
    Token(#[from] VerifyError),
    /// No usable key for the token.
    #[error(transparent)]
    Key(#[from] KeyError),
    /// The token is valid but its session was revoked (a wallet sign-in session after logout).
    #[error("the session has been revoked")]
    Revoked,
}

/// The kind of answer a refusal gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum RejectionClass {
    /// No token: 401 with a bare `WWW-Authenticate: Bearer` (RFC 6750 §3.1: no error code).
    MissingToken,
    /// Malformed request (two tokens): 400 `invalid_request`.
    InvalidRequest,
    /// Not a valid token: 401 `invalid_token`.
    InvalidToken,
    /// Valid token, not allowed: 403 `insufficient_scope`.
    InsufficientScope,
    /// Keys could not be obtained: 503 with `Retry-After`.
    Unavailable,
}

impl RejectionClass {
    /// The gRPC status code of this class: 7 PERMISSION_DENIED for scope refusals, 14 UNAVAILABLE
    /// when keys are unavailable, 16 UNAUTHENTICATED otherwise.
    pub fn grpc_code(self) -> u16 {
        match self {
            RejectionClass::InsufficientScope => crate::rejection::grpc_status::PERMISSION_DENIED,
            RejectionClass::Unavailable => crate::rejection::grpc_status::UNAVAILABLE,
            RejectionClass::MissingToken
            | RejectionClass::InvalidToken
            | RejectionClass::InvalidRequest => crate::rejection::grpc_status::UNAUTHENTICATED,
        }
    }
}

impl AuthError {
    /// Which answer this refusal gets.
    pub fn class(&self) -> RejectionClass {
        match self {
            AuthError::MissingToken => RejectionClass::MissingToken,
            AuthError::ConflictingTokens => RejectionClass::InvalidRequest,
            AuthError::Token(e) if e.is_insufficient_scope() => RejectionClass::InsufficientScope,
            AuthError::Key(KeyError::KeysUnavailable) => RejectionClass::Unavailable,
            AuthError::Unreadable
            | AuthError::Token(_)
            | AuthError::Key(_)
            | AuthError::Revoked => RejectionClass::InvalidToken,
        }
    }

    /// A short, stable, machine-readable reason (metrics label, log field).
    pub fn reason(&self) -> &'static str {
        match self {
            AuthError::MissingToken => "missing_token",
            AuthError::ConflictingTokens => "conflicting_tokens",
            AuthError::Unreadable => "unreadable_token",
            AuthError::Token(e) => e.reason(),
            AuthError::Key(KeyError::NoMatchingKey { .. }) => "no_matching_key",
            AuthError::Key(KeyError::AmbiguousKey { .. }) => "ambiguous_key",
            AuthError::Key(KeyError::KeysUnavailable) => "keys_unavailable",
            AuthError::Key(_) => "key_error",
            AuthError::Revoked => "revoked",
        }
    }

    /// A short description safe to send to the client: it never contains the token, key
    /// material, URLs or values taken from the token.
    pub fn public_description(&self) -> &'static str {
        match self {
            AuthError::MissingToken => "authentication required",
            AuthError::ConflictingTokens => "more than one token in the request",
            AuthError::Unreadable => "the token is not readable",
            AuthError::Key(KeyError::KeysUnavailable) => {
                "the token cannot be verified right now; try again later"
            }
            AuthError::Key(_) => "no key for this token",
            AuthError::Revoked => "the session has been revoked",
            AuthError::Token(e) => match e {
                VerifyError::TokenTooLarge { .. } => "the token is too large",
                VerifyError::Malformed(_) => "the token is malformed",
                VerifyError::UnsupportedAlgorithm(_) | VerifyError::AlgorithmNotAllowed(_) => {
                    "the token's algorithm is not accepted"
                }
                VerifyError::ForbiddenHeader(_) | VerifyError::UnknownCritical(_) => {
                    "the token's header is not accepted"
                }
                VerifyError::KeyMismatch(_) | VerifyError::KeyNotFound(_) => {
                    "no key for this token"
                }
                VerifyError::InvalidSignature => "the token's signature is invalid",
                VerifyError::InvalidClaim { .. }
                | VerifyError::MissingClaim(_)
                | VerifyError::MissingConfiguredClaim(_) => "the token's claims are invalid",
                VerifyError::Expired { .. } => "the token has expired",
                VerifyError::NotYetValid { .. } => "the token is not valid yet",
                VerifyError::IssuedInFuture { .. } => "the token was issued in the future",
                VerifyError::AuthenticatedInFuture { .. } => {
                    "the token's authentication time is in the future"
                }
                VerifyError::ClaimNotAccepted { .. } => "the token's claims are not accepted here",
                VerifyError::WrongIssuer { .. } | VerifyError::UnknownIssuer(_) => {
                    "the token's issuer is not accepted"
                }
                VerifyError::WrongAudience { .. } => "the token is not meant for this service",
                VerifyError::WrongSubject { .. } => "the token's subject is not accepted",
                VerifyError::WrongContentType { .. } => "the token's content type is not accepted",
                VerifyError::WrongTokenType(_) => "the token is not an access token",
                VerifyError::InsufficientScope(_) => "the token does not grant this access",
                _ => "the token is invalid",
            },
        }
    }
}
