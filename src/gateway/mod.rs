//! The forward-auth service behind `wallet-auth serve`: the verifier of the layer, answering the
//! question nginx (`auth_request`), Caddy (`forward_auth`), Traefik (ForwardAuth) and Envoy
//! (`ext_authz`, HTTP mode) ask before letting a request through.
//!
//! Routes:
//! - `/auth` and every path under it, any method: reads the token from the forwarded headers
//!   (`Authorization: Bearer`, or the `[token]` cookie or header) and answers `200` with the
//!   identity headers ([`identity_headers`]), or the layer's own refusal (401, 403
//!   `insufficient_scope`, 503 with `Retry-After`; same `WWW-Authenticate` and JSON body).
//!   Query parameters narrow what passes for one location: `?scope=a&scope=b` (every scope
//!   required), `?provider=privy` (only that provider's tokens).
//! - `/healthz`: alive. `/readyz`: 200 once every JWKS-backed provider has a good key set.
//! - `/metrics`: Prometheus text, when a recorder was given.
//!
//! ```no_run
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! use wallet_auth::gateway::{Gateway, RefusalLog};
//! use wallet_auth::layer::AuthConfig;
//!
//! let config = AuthConfig::from_file("auth.toml")?;
//! let gateway = Gateway::from_config(&config, RefusalLog::Text)?;
//! gateway.verifier().start().await?;
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:8089").await?;
//! axum::serve(listener, gateway.router(None)).await?;
//! # Ok(()) }
//! ```

pub mod envoy_check;
pub mod identity_headers;

use std::io::Write as _;
use std::sync::Arc;

use auth_layer::config::ConfigError;
use auth_layer::token_source::find_token;
use auth_layer::{AuthConfig, AuthError, Authenticated, Rejection, TokenSource, Verifier};
use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get};

use crate::claims::{ProviderId, VerifyError};
use identity_headers::IdentityHeaders;

/// `Retry-After` of a 503, in seconds (as the layer's default).
const RETRY_AFTER_SECS: u64 = 5;
/// At most this many `scope` parameters are read from one query.
const MAX_SCOPES: usize = 32;

/// How refusals are logged: one line each on standard error, never with the token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum RefusalLog {
    /// `wallet-auth serve: refused status=401 reason=expired provider=privy`
    Text,
    /// `{"level":"info","message":"refused","status":401,"reason":"expired","provider":"privy"}`
    Json,
    /// Nothing.
    Off,
}

/// The forward-auth service: a verifier, where tokens are read from, and the identity headers.
#[derive(Clone, Debug)]
pub struct Gateway {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    verifier: Verifier,
    sources: Vec<TokenSource>,
    headers: IdentityHeaders,
    log: RefusalLog,
}

/// What one location asks beyond a valid token (`?scope=…&provider=…`).
#[derive(Debug, Default, PartialEq, Eq)]
struct Narrowing {
    scopes: Vec<String>,
    provider: Option<String>,
}

impl Gateway {
    /// The service for `config`: its providers, `[token]` sources and `[serve]` headers. Keys
    /// are not fetched here: call [`Verifier::start`] before serving.
    ///
    /// # Errors
    ///
    /// The configuration's own errors, and a `[serve]` header name that is not one.
    pub fn from_config(config: &AuthConfig, log: RefusalLog) -> Result<Self, ConfigError> {
        Ok(Gateway {
            inner: Arc::new(Inner {
                verifier: config.build_verifier()?,
                sources: config.token_sources()?,
                headers: IdentityHeaders::from_config(&config.serve)?,
                log,
            }),
        })
    }

    /// The verifier (for [`Verifier::start`], readiness and stats).
    pub fn verifier(&self) -> &Verifier {
        &self.inner.verifier
    }

    /// The routes; `metrics` renders the Prometheus text of `/metrics` (absent: 404).
    pub fn router(&self, metrics: Option<Arc<dyn Fn() -> String + Send + Sync>>) -> Router {
        let mut router = Router::new()
            .route("/auth", any(check))
            .route("/auth/", any(check))
            .route("/auth/{*rest}", any(check))
            .route("/healthz", get(|| async { "ok" }))
            .route("/readyz", get(ready));
        if let Some(render) = metrics {
            router = router.route("/metrics", get(move || std::future::ready(render())));
        }
        router.with_state(self.clone())
    }

    /// The answer for one forwarded request, as HTTP.
    async fn answer(&self, uri: &Uri, headers: &HeaderMap) -> Response {
        match self.decide(uri.query(), headers).await {
            Decision::Allow(identity) => (StatusCode::OK, identity).into_response(),
            Decision::Refuse(rejection) => rejection.to_response::<Body>(),
            Decision::BadQuery => bad_query(),
        }
    }

    /// The decision for one forwarded request: its query (`scope`, `provider`) and headers.
    pub(crate) async fn decide(&self, query: Option<&str>, headers: &HeaderMap) -> Decision {
        let Some(narrowing) = Narrowing::from_query(query) else {
            return Decision::BadQuery;
        };
        let token = match find_token(headers, &self.inner.sources) {
            Ok(Some(token)) => token,
            Ok(None) => return self.refuse(AuthError::MissingToken, None),
            Err(e) => return self.refuse(e, None),
        };
        let auth = match self.inner.verifier.verify(token).await {
            Ok(auth) => auth,
            Err(e) => return self.refuse(e, self.claimed_provider(token)),
        };
        if let Err(e) = narrowing.check(&auth) {
            return self.refuse(e, Some(auth.provider().clone()));
        }
        match self.inner.headers.for_identity(&auth) {
            Ok(identity) => Decision::Allow(identity),
            Err(e) => self.refuse(e, Some(auth.provider().clone())),
        }
    }

    /// The identity headers' configuration (their names, for removing a client's own: Envoy).
    pub(crate) fn identity_headers(&self) -> &IdentityHeaders {
        &self.inner.headers
    }

    /// The provider a refused token names (unverified: for the log line only).
    fn claimed_provider(&self, token: &str) -> Option<ProviderId> {
        let verifier = &self.inner.verifier;
        let entry = verifier
            .providers()
            .claimed(token, verifier.max_token_bytes())?;
        Some(entry.policy.provider().clone())
    }

    /// The layer's refusal for `error`, logged.
    fn refuse(&self, error: AuthError, provider: Option<ProviderId>) -> Decision {
        let rejection = Rejection::new(error, false, RETRY_AFTER_SECS);
        let status = rejection.status().as_u16();
        let reason = rejection.error().reason();
        let provider = provider.as_ref().map_or("unknown", ProviderId::as_str);
        let line = match self.inner.log {
            RefusalLog::Text => format!(
                "wallet-auth serve: refused status={status} reason={reason} provider={provider}\n"
            ),
            RefusalLog::Json => {
                let mut line = serde_json::json!({
                    "level": "info",
                    "message": "refused",
                    "status": status,
                    "reason": reason,
                    "provider": provider,
                })
                .to_string();
                line.push('\n');
                line
            }
            RefusalLog::Off => String::new(),
        };
        if !line.is_empty() {
            // One write per line (stderr is unbuffered: `eprintln!` writes each piece apart);
            // an error writing it (stderr closed) is ignored.
            let _ = std::io::stderr().write_all(line.as_bytes());
        }
        Decision::Refuse(rejection)
    }
}

/// The decision on a forwarded request.
pub(crate) enum Decision {
    /// Let it through, with these identity headers.
    Allow(HeaderMap),
    /// The layer's refusal.
    Refuse(Rejection),
    /// The location's query is not `scope`/`provider` (a proxy misconfiguration): 400.
    BadQuery,
}

/// The answer to a query the service does not understand: the proxy's location is
/// misconfigured, not the client's token.
pub(crate) fn bad_query() -> Response {
    let body = serde_json::json!({
        "error": "invalid_request",
        "error_description": "unknown or repeated query parameter (scope, provider)",
    });
    (StatusCode::BAD_REQUEST, axum::Json(body)).into_response()
}

/// The forwarded request is taken whole (not its headers and URI as copies).
async fn check(State(gateway): State<Gateway>, request: Request) -> Response {
    gateway.answer(request.uri(), request.headers()).await
}

async fn ready(State(gateway): State<Gateway>) -> (StatusCode, &'static str) {
    if gateway.verifier().is_ready() {
        (StatusCode::OK, "ready")
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, "not ready")
    }
}

impl Narrowing {
    /// `scope` (repeatable) and `provider` from a query string; `None` for any other parameter
    /// (or a second `provider`, an empty value, too many scopes), so a typo cannot silently widen
    /// a location.
    fn from_query(query: Option<&str>) -> Option<Self> {
        let mut narrowing = Narrowing::default();
        for (name, value) in form_urlencoded::parse(query.unwrap_or_default().as_bytes()) {
            match &*name {
                "scope" if narrowing.scopes.len() < MAX_SCOPES && !value.is_empty() => {
                    narrowing.scopes.push(value.into_owned());
                }
                "provider" if narrowing.provider.is_none() && !value.is_empty() => {
                    narrowing.provider = Some(value.into_owned());
                }
                _ => return None,
            }
        }
        Some(narrowing)
    }

    /// 403 `insufficient_scope` when the token is from another provider or lacks a scope.
    fn check(&self, auth: &Authenticated) -> Result<(), AuthError> {
        if let Some(provider) = &self.provider
            && auth.provider().as_str() != provider
        {
            return Err(VerifyError::InsufficientScope(format!("provider {provider}")).into());
        }
        match self.scopes.iter().find(|s| !auth.has_scope(s)) {
            Some(missing) => {
                Err(VerifyError::InsufficientScope(format!("missing {missing}")).into())
            }
            None => Ok(()),
        }
    }
}
