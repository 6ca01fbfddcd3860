//! The HTTP routes of wallet sign-in (axum).
//!
//! | route | answer |
//! |---|---|
//! | `GET /signin/nonce` | 200 `{"nonce", "expires_at"}`, `Cache-Control: no-store` |
//! | `POST /signin/siwe` `{"message", "signature"}` | 200 `{"token", "token_type": "Bearer", "expires_at", "account"}` |
//! | `POST /signin/siws` `{"message", "signature"}` | the same, for Solana |
//! | `POST /signin/logout` (session as bearer) | 204 |
//! | `GET /.well-known/jwks.json` | the session keys |
//!
//! Refusals are JSON `{"error", "error_description"}`: 400 `invalid_request` (bad JSON, an
//! unparsable message, a bad signature encoding), 401 with the rule that failed
//! ([`signin_core::SigninError::code`]), 404 `not_configured`, 413 `invalid_request` (body over
//! [`MAX_BODY_BYTES`]), 503 `temporarily_unavailable` with `Retry-After` (store down).

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::{Value, json};
use signin_core::MessageKind;

use super::{LogoutFailure, SigninFailure, SigninService};

/// The largest sign-in request body accepted (16 KiB); larger is 413.
pub const MAX_BODY_BYTES: usize = 16 * 1024;
/// `Retry-After` of a 503, in seconds.
const RETRY_AFTER_SECS: &str = "5";

/// The sign-in routes of a [`SigninService`]. Mount them outside the auth layer.
///
/// ```
/// use auth_layer::AuthConfig;
/// use auth_layer::signin::{SessionKeys, SigninRoutes, SigninService};
///
/// let config = AuthConfig::from_toml_str(r#"
///     [signin]
///     domain = "app.example.com"
///     uri = "https://app.example.com"
///     issuer = "https://api.example.com"
///     [signin.ethereum]
///     chain_ids = [1]
/// "#)?;
/// let table = config.signin.clone().unwrap().with_session_keys(SessionKeys::generate()?);
/// let service = SigninService::from_config(&table, &config.jwks)?;
/// let app: axum::Router = SigninRoutes::new(service).router();
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct SigninRoutes {
    service: SigninService,
}

impl SigninRoutes {
    /// The routes of `service`.
    pub fn new(service: SigninService) -> Self {
        SigninRoutes { service }
    }

    /// Every route, `GET /.well-known/jwks.json` included.
    pub fn router<S: Clone + Send + Sync + 'static>(&self) -> Router<S> {
        let jwks = self.service.keys().jwks().to_string();
        self.router_without_jwks().route(
            "/.well-known/jwks.json",
            get(move || {
                let body = jwks.clone();
                async move {
                    (
                        [
                            (header::CONTENT_TYPE, "application/json"),
                            (header::CACHE_CONTROL, "public, max-age=300"),
                        ],
                        body,
                    )
                }
            }),
        )
    }

    /// The sign-in routes without the JWKS (when another router already serves
    /// `/.well-known/jwks.json`: add [`super::SessionKeys::jwks`] to its keys).
    pub fn router_without_jwks<S: Clone + Send + Sync + 'static>(&self) -> Router<S> {
        Router::new()
            .route("/signin/nonce", get(nonce))
            .route("/signin/siwe", post(siwe))
            .route("/signin/siws", post(siws))
            .route("/signin/logout", post(logout))
            .with_state(self.service.clone())
    }
}

async fn nonce(State(service): State<SigninService>) -> Response {
    match service.nonce().await {
        Ok((nonce, expires_at)) => no_store(
            StatusCode::OK,
            json!({ "nonce": nonce, "expires_at": expires_at }),
        ),
        Err(e) => unavailable(&e.to_string()),
    }
}

async fn siwe(State(service): State<SigninService>, request: Request) -> Response {
    sign_in(service, MessageKind::Siwe, request).await
}

async fn siws(State(service): State<SigninService>, request: Request) -> Response {
    sign_in(service, MessageKind::Siws, request).await
}

#[derive(serde::Deserialize)]
struct SigninBody {
    message: String,
    signature: String,
}

async fn sign_in(service: SigninService, kind: MessageKind, request: Request) -> Response {
    let body = match read_body(request.into_body()).await {
        Ok(body) => body,
        Err(response) => return response,
    };
    let body: SigninBody = match serde_json::from_slice(&body) {
        Ok(body) => body,
        Err(e) => {
            return error(
                StatusCode::BAD_REQUEST,
                "invalid_request",
                &format!(
                    "the body must be JSON {{\"message\": \"…\", \"signature\": \"…\"}}: {}",
                    e
                ),
            );
        }
    };
    match service
        .sign_in(kind, &body.message, &body.signature, claims_core::now())
        .await
    {
        Ok(session) => {
            let mut response = no_store(
                StatusCode::OK,
                json!({
                    "token": session.token,
                    "token_type": "Bearer",
                    "expires_at": session.expires_at,
                    "account": session.account,
                }),
            );
            if let Some(name) = service.cookie() {
                let max_age = session.expires_at.saturating_sub(claims_core::now()).max(0);
                let cookie = format!(
                    "{name}={}; HttpOnly; Secure; SameSite=Lax; Path=/; Max-Age={max_age}",
                    session.token
                );
                if let Ok(value) = HeaderValue::from_str(&cookie) {
                    response.headers_mut().append(header::SET_COOKIE, value);
                }
            }
            response
        }
        Err(SigninFailure::Refused(e)) if e.is_bad_request() => {
            error(StatusCode::BAD_REQUEST, e.code(), &e.to_string())
        }
        Err(SigninFailure::Refused(e)) => error(StatusCode::UNAUTHORIZED, e.code(), &e.to_string()),
        Err(e @ SigninFailure::NotConfigured(_)) => {
            error(StatusCode::NOT_FOUND, "not_configured", &e.to_string())
        }
        Err(SigninFailure::Unavailable(e)) => unavailable(&e.to_string()),
        Err(SigninFailure::ChainUnavailable(e)) => {
            // The details (which may name the endpoint) go to the log, not to the client.
            tracing::warn!(error = %e, "sign-in: chain RPC unavailable");
            unavailable("the chain's RPC is unavailable; try again later")
        }
        Err(e) => error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "server_error",
            &e.to_string(),
        ),
    }
}

async fn logout(State(service): State<SigninService>, headers: HeaderMap) -> Response {
    // The bearer token, else (with `[signin] cookie`) the session cookie, which page scripts
    // cannot read (HttpOnly); SameSite=Lax keeps other sites' forms from sending it.
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            let (scheme, token) = v.split_once(' ')?;
            scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
        })
        .filter(|t| !t.is_empty());
    let cookie = || {
        let name = service.cookie()?;
        headers
            .get_all(header::COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(';'))
            .filter_map(|pair| pair.trim().split_once('='))
            .find(|(n, _)| *n == name)
            .map(|(_, value)| value.trim())
            .filter(|t| !t.is_empty())
    };
    let token = bearer.or_else(cookie);
    let Some(token) = token else {
        let mut response = error(
            StatusCode::UNAUTHORIZED,
            "invalid_token",
            "send the session token as Authorization: Bearer",
        );
        response
            .headers_mut()
            .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        return response;
    };
    match service.logout(token).await {
        Ok(()) => {
            let mut response = StatusCode::NO_CONTENT.into_response();
            if let Some(name) = service.cookie()
                && let Ok(value) = HeaderValue::from_str(&format!(
                    "{name}=; HttpOnly; Secure; SameSite=Lax; Path=/; Max-Age=0"
                ))
            {
                response.headers_mut().append(header::SET_COOKIE, value);
            }
            response
        }
        Err(LogoutFailure::Token(e)) if e.class() == crate::RejectionClass::Unavailable => {
            unavailable(e.public_description())
        }
        Err(LogoutFailure::Token(e)) => {
            let mut response = error(
                StatusCode::UNAUTHORIZED,
                "invalid_token",
                e.public_description(),
            );
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer error=\"invalid_token\""),
            );
            response
        }
        Err(LogoutFailure::Unavailable(e)) => unavailable(&e.to_string()),
    }
}

/// The body, at most [`MAX_BODY_BYTES`]: 413 beyond.
async fn read_body(body: Body) -> Result<axum::body::Bytes, Response> {
    axum::body::to_bytes(body, MAX_BODY_BYTES)
        .await
        .map_err(|e| {
            let too_large = std::error::Error::source(&e)
                .is_some_and(|s| s.is::<http_body_util::LengthLimitError>());
            if too_large {
                error(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "invalid_request",
                    &format!("the body is larger than {MAX_BODY_BYTES} bytes"),
                )
            } else {
                error(
                    StatusCode::BAD_REQUEST,
                    "invalid_request",
                    "the body could not be read",
                )
            }
        })
}

fn no_store(status: StatusCode, body: Value) -> Response {
    (
        status,
        [(header::CACHE_CONTROL, "no-store")],
        axum::Json(body),
    )
        .into_response()
}

fn error(status: StatusCode, code: &str, description: &str) -> Response {
    no_store(
        status,
        json!({ "error": code, "error_description": description }),
    )
}

fn unavailable(description: &str) -> Response {
    let mut response = error(
        StatusCode::SERVICE_UNAVAILABLE,
        "temporarily_unavailable",
        description,
    );
    response.headers_mut().insert(
        header::RETRY_AFTER,
        HeaderValue::from_static(RETRY_AFTER_SECS),
    );
    response
}
