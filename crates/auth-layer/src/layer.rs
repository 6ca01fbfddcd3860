//! The Tower [`Layer`]: one line on an axum router or a tonic server.

use std::sync::Arc;
use std::time::Duration;

use http::header::HeaderName;
use tower_layer::Layer;

use crate::rejection::DefaultRejection;
use crate::service::AuthService;
use crate::token_source::TokenSource;
use crate::verifier::Verifier;

/// Whether a request without a token may pass.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Mode {
    /// Refuse requests without a valid token (default).
    #[default]
    Required,
    /// Let requests without a token through (handlers see `Option<…>`). A request *with* a token
    /// that is not valid is refused all the same: optional means "may be absent", not "may be
    /// forged".
    Optional,
}

/// Verifies the request's token and attaches [`crate::Authenticated`] as a request extension.
///
/// ```no_run
/// use auth_layer::{AuthConfig, AuthLayer, Claims};
/// use axum::{Router, routing::get};
/// use claims_core::DynamicClaims;
///
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// let config = AuthConfig::from_toml_str(r#"
///     [dynamic]
///     environment_id = "fb6dd9d1-09f5-43c3-8a8c-eab6e44c37f9"
/// "#)?;
/// let app: Router = Router::new()
///     .route("/me", get(|Claims(c): Claims<DynamicClaims>| async move { c.sub.clone().unwrap_or_default() }))
///     .layer(AuthLayer::from_config(&config)?);
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct AuthLayer<R = DefaultRejection> {
    pub(crate) verifier: Verifier,
    pub(crate) sources: Arc<[TokenSource]>,
    pub(crate) mode: Mode,
    pub(crate) on_rejection: R,
    pub(crate) retry_after_secs: u64,
}

impl AuthLayer {
    /// A layer that verifies with `verifier`, reading `Authorization: Bearer`, in required mode.
    pub fn new(verifier: Verifier) -> Self {
        AuthLayer {
            verifier,
            sources: Arc::from([TokenSource::Bearer]),
            mode: Mode::Required,
            on_rejection: DefaultRejection,
            retry_after_secs: 5,
        }
    }
}

impl<R> AuthLayer<R> {
    /// Let requests without a token through (see [`Mode::Optional`]).
    pub fn optional(mut self) -> Self {
        self.mode = Mode::Optional;
        self
    }

    /// Set the mode.
    pub fn mode(mut self, mode: Mode) -> Self {
        self.mode = mode;
        self
    }

    /// Replace the token sources (default: `Authorization: Bearer` only).
    pub fn token_sources(mut self, sources: impl IntoIterator<Item = TokenSource>) -> Self {
        self.sources = sources.into_iter().collect();
        self
    }

    /// Also read the token from the cookie `name` (Dynamic's cookie mode).
    pub fn with_cookie(mut self, name: impl Into<String>) -> Self {
        let mut v = self.sources.to_vec();
        v.push(TokenSource::Cookie(name.into()));
        self.sources = v.into();
        self
    }

    /// Also read the token from the header `name` (whole value).
    pub fn with_header(mut self, name: HeaderName) -> Self {
        let mut v = self.sources.to_vec();
        v.push(TokenSource::Header(name));
        self.sources = v.into();
        self
    }

    /// The `Retry-After` sent with 503 answers (default 5 s).
    pub fn retry_after(mut self, after: Duration) -> Self {
        self.retry_after_secs = after.as_secs().max(1);
        self
    }

    /// Replace the rejection format with a closure or an [`crate::OnRejection`] type.
    pub fn on_rejection<R2>(self, on_rejection: R2) -> AuthLayer<R2> {
        AuthLayer {
            verifier: self.verifier,
            sources: self.sources,
            mode: self.mode,
            on_rejection,
            retry_after_secs: self.retry_after_secs,
        }
    }

    /// The verifier.
    pub fn verifier(&self) -> &Verifier {
        &self.verifier
    }
}

impl<S, R: Clone> Layer<S> for AuthLayer<R> {
    type Service = AuthService<S, R>;

    fn layer(&self, inner: S) -> Self::Service {
        AuthService::new(inner, self.clone())
    }
}
