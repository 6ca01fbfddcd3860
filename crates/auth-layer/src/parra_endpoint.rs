//! The Parra token endpoint: `POST /v1/parra/auth/token`, as in Parra's docs.
//!
//! For a request the layer already authenticated (through any provider), mint a Parra access
//! token whose `grants.identity` is the `Identity`'s user id (or what your mapping returns) and
//! answer `{"access_token": "...", "expires_in": 3600}`.

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use claims_core::{ParraIssuer, TokenResponse};
use http::StatusCode;

use crate::authenticated::Authenticated;

/// The path Parra's guides use.
pub const PARRA_TOKEN_PATH: &str = "/v1/parra/auth/token";

type Mapping = Arc<dyn Fn(&Authenticated) -> Option<String> + Send + Sync>;

/// Serves [`PARRA_TOKEN_PATH`]; mount its [`ParraTokenEndpoint::router`] behind the auth layer.
///
/// ```no_run
/// use auth_layer::ParraTokenEndpoint;
/// use claims_core::ParraIssuer;
/// let issuer = ParraIssuer::new("api-key-id", b"api-key-secret".to_vec(), "tenant-id").unwrap();
/// let endpoint = ParraTokenEndpoint::new(issuer)
///     .with_identity(|auth| Some(format!("user|{}", auth.identity().user_id)));
/// let routes: axum::Router = endpoint.router();
/// ```
#[derive(Clone)]
pub struct ParraTokenEndpoint {
    issuer: Arc<ParraIssuer>,
    mapping: Mapping,
}

impl std::fmt::Debug for ParraTokenEndpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ParraTokenEndpoint")
            .field("issuer", &self.issuer)
            .finish()
    }
}

impl ParraTokenEndpoint {
    /// Mint with `issuer`; `grants.identity` is the user id of the request's identity.
    pub fn new(issuer: ParraIssuer) -> Self {
        ParraTokenEndpoint {
            issuer: Arc::new(issuer),
            mapping: Arc::new(|auth| Some(auth.identity().user_id.clone())),
        }
    }

    /// Choose `grants.identity` yourself; `None` refuses the request (403).
    pub fn with_identity(
        mut self,
        mapping: impl Fn(&Authenticated) -> Option<String> + Send + Sync + 'static,
    ) -> Self {
        self.mapping = Arc::new(mapping);
        self
    }

    /// A router with `POST` [`PARRA_TOKEN_PATH`].
    pub fn router<S: Clone + Send + Sync + 'static>(self) -> axum::Router<S> {
        axum::Router::new()
            .route(PARRA_TOKEN_PATH, post(mint))
            .with_state(self)
    }

    /// Mint the answer for `auth` as of `now`.
    pub fn respond(&self, auth: &Authenticated, now: i64) -> Result<TokenResponse, StatusCode> {
        let identity = (self.mapping)(auth).ok_or(StatusCode::FORBIDDEN)?;
        self.issuer
            .token_response(&identity, now)
            .map_err(|_| StatusCode::FORBIDDEN)
    }
}

async fn mint(State(endpoint): State<ParraTokenEndpoint>, auth: Authenticated) -> Response {
    match endpoint.respond(&auth, claims_core::now()) {
        Ok(body) => (
            [(http::header::CACHE_CONTROL, "no-store")],
            Json(body),
        )
            .into_response(),
        Err(status) => (
            status,
            Json(serde_json::json!({"error": "access_denied", "error_description": "no Parra identity for this user"})),
        )
            .into_response(),
    }
}
