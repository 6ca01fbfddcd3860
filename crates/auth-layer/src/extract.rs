//! axum 0.8 extractors: [`Claims<T>`], [`Identity`], [`Authenticated`] and [`WalletProof`], each
//! also as `Option<…>`.
//!
//! A handler behind a route without the layer gets a 500 with a clear message (a server bug), not
//! a silent 401.

use std::ops::Deref;
use std::sync::Arc;

use axum::extract::{FromRequestParts, OptionalFromRequestParts};
use axum::response::{IntoResponse, Response};
use claims_core::ProviderClaims;
use http::StatusCode;
use http::request::Parts;

use crate::authenticated::{AuthLayerPresent, Authenticated};

/// Why an extractor could not produce its value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ExtractRejection {
    /// The route is not behind [`crate::AuthLayer`]: 500.
    #[error("AuthLayer is not installed on this route")]
    LayerMissing,
    /// Optional mode and no token: 401.
    #[error("authentication required")]
    NotAuthenticated,
    /// The token's claims are not the type the route reads (a token from another provider): 403.
    /// Holds the token's provider.
    #[error("tokens from {0} are not accepted on this route")]
    WrongProvider(claims_core::ProviderId),
    /// The request names no wallet to check: 400.
    #[error("the request names no wallet (header {header})")]
    WalletMissing {
        /// The header that should name it.
        header: &'static str,
    },
    /// The token does not list the wallet the request names: 403.
    #[error("the wallet is not one of the token's wallets")]
    WalletMismatch,
}

impl IntoResponse for ExtractRejection {
    fn into_response(self) -> Response {
        let (status, error, www) = match &self {
            ExtractRejection::LayerMissing => {
                (StatusCode::INTERNAL_SERVER_ERROR, "server_error", None)
            }
            ExtractRejection::NotAuthenticated => {
                (StatusCode::UNAUTHORIZED, "missing_token", Some("Bearer"))
            }
            ExtractRejection::WrongProvider(_) => (
                StatusCode::FORBIDDEN,
                "insufficient_scope",
                Some(
                    "Bearer error=\"insufficient_scope\", error_description=\"the token is not from the provider this route needs\"",
                ),
            ),
            ExtractRejection::WalletMissing { .. } => {
                (StatusCode::BAD_REQUEST, "invalid_request", None)
            }
            ExtractRejection::WalletMismatch => (StatusCode::FORBIDDEN, "wallet_mismatch", None),
        };
        let body = serde_json::json!({"error": error, "error_description": self.to_string()});
        let mut response = (status, axum::Json(body)).into_response();
        if let Some(www) = www {
            response.headers_mut().insert(
                http::header::WWW_AUTHENTICATE,
                http::HeaderValue::from_static(www),
            );
        }
        response
    }
}

fn authenticated(parts: &Parts) -> Result<Option<&Authenticated>, ExtractRejection> {
    if parts.extensions.get::<AuthLayerPresent>().is_none() {
        tracing::error!("an auth extractor was used on a route without AuthLayer");
        return Err(ExtractRejection::LayerMissing);
    }
    Ok(parts.extensions.get::<Authenticated>())
}

impl<S: Send + Sync> FromRequestParts<S> for Authenticated {
    type Rejection = ExtractRejection;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        authenticated(parts)?
            .cloned()
            .ok_or(ExtractRejection::NotAuthenticated)
    }
}

impl<S: Send + Sync> OptionalFromRequestParts<S> for Authenticated {
    type Rejection = ExtractRejection;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Option<Self>, Self::Rejection> {
        Ok(authenticated(parts)?.cloned())
    }
}

/// The verified token's typed claims, shared (no copy per request). A token whose claims are of
/// another type is refused with 403 ([`ExtractRejection::WrongProvider`]). Each built-in provider
/// has a claims type of its own; [`claims_core::OidcClaims`] is shared by every `[[oidc]]`
/// issuer, so a route for one of them adds [`crate::require::provider`].
///
/// ```no_run
/// use auth_layer::Claims;
/// use claims_core::SophonClaims;
/// async fn handler(Claims(claims): Claims<SophonClaims>) -> String {
///     claims.user_id.as_deref().unwrap_or_default().to_owned()
/// }
/// ```
#[derive(Debug, Clone)]
pub struct Claims<T>(pub Arc<T>);

impl<T> Deref for Claims<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

fn claims_of<T: ProviderClaims>(auth: &Authenticated) -> Result<Claims<T>, ExtractRejection> {
    auth.claims_as::<T>()
        .map(Claims)
        .ok_or_else(|| ExtractRejection::WrongProvider(auth.provider().clone()))
}

impl<T: ProviderClaims, S: Send + Sync> FromRequestParts<S> for Claims<T> {
    type Rejection = ExtractRejection;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        claims_of(authenticated(parts)?.ok_or(ExtractRejection::NotAuthenticated)?)
    }
}

impl<T: ProviderClaims, S: Send + Sync> OptionalFromRequestParts<S> for Claims<T> {
    type Rejection = ExtractRejection;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Option<Self>, Self::Rejection> {
        Ok(authenticated(parts)?.and_then(|a| claims_of(a).ok()))
    }
}

/// The provider-neutral identity of the verified token (derefs to [`claims_core::Identity`]),
/// derived from its claims when the handler asks for it.
///
/// ```no_run
/// use auth_layer::Identity;
/// async fn handler(id: Identity) -> String {
///     format!("{} via {}", id.user_id, id.provider)
/// }
/// ```
#[derive(Debug, Clone)]
pub struct Identity(pub claims_core::Identity);

impl Deref for Identity {
    type Target = claims_core::Identity;
    fn deref(&self) -> &claims_core::Identity {
        &self.0
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Identity {
    type Rejection = ExtractRejection;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        authenticated(parts)?
            .map(|auth| Identity(auth.identity().into_owned()))
            .ok_or(ExtractRejection::NotAuthenticated)
    }
}

impl<S: Send + Sync> OptionalFromRequestParts<S> for Identity {
    type Rejection = ExtractRejection;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Option<Self>, Self::Rejection> {
        Ok(authenticated(parts)?.map(|auth| Identity(auth.identity().into_owned())))
    }
}

/// Proof that the wallet the request names (header [`WalletProof::HEADER`], an address or a
/// public key) is one of the verified token's wallets: hex compared case-insensitively, base58
/// exactly. Web3Auth documents this check; it works for every provider.
///
/// ```no_run
/// use auth_layer::WalletProof;
/// async fn transfer(proof: WalletProof) -> String {
///     format!("acting for wallet {}", proof.wallet)
/// }
/// ```
#[derive(Debug, Clone)]
pub struct WalletProof {
    /// The wallet value the request named, as sent.
    pub wallet: String,
    /// The verified token.
    pub auth: Authenticated,
}

impl WalletProof {
    /// The header that names the wallet.
    pub const HEADER: &'static str = "x-wallet";
}

impl<S: Send + Sync> FromRequestParts<S> for WalletProof {
    type Rejection = ExtractRejection;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let auth = authenticated(parts)?
            .cloned()
            .ok_or(ExtractRejection::NotAuthenticated)?;
        let wallet = parts
            .headers
            .get(Self::HEADER)
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .ok_or(ExtractRejection::WalletMissing {
                header: Self::HEADER,
            })?;
        if !auth.identity().has_wallet(wallet) {
            return Err(ExtractRejection::WalletMismatch);
        }
        Ok(WalletProof {
            wallet: wallet.to_owned(),
            auth,
        })
    }
}
