//! How a refusal is answered: HTTP per RFC 6750, or a trailers-only gRPC response.
//!
//! | refusal | HTTP | gRPC |
//! |---|---|---|
//! | no token (required mode) | 401, `WWW-Authenticate: Bearer` (no error code) | 16 UNAUTHENTICATED |
//! | two different tokens | 400, `error="invalid_request"` | 16 UNAUTHENTICATED |
//! | invalid token | 401, `error="invalid_token"` | 16 UNAUTHENTICATED |
//! | policy refusal (scope) | 403, `error="insufficient_scope"` | 7 PERMISSION_DENIED |
//! | keys unavailable | 503, `Retry-After` | 14 UNAVAILABLE |
//!
//! HTTP bodies are `{"error": ..., "error_description": ...}`. Descriptions are fixed strings
//! ([`AuthError::public_description`]): never the token, key material or values from the token.
//! Replace the format with [`crate::AuthLayer::on_rejection`].

use bytes::Bytes;
use http::header::{CACHE_CONTROL, CONTENT_TYPE, HeaderValue, RETRY_AFTER, WWW_AUTHENTICATE};
use http::{HeaderMap, Response, StatusCode};
use percent_encoding::{AsciiSet, CONTROLS, utf8_percent_encode};

use crate::error::{AuthError, RejectionClass};

/// A response body the default rejection can build.
pub trait RejectionBody {
    /// A body holding `bytes`.
    fn from_bytes(bytes: Bytes) -> Self;
    /// An empty body.
    fn empty() -> Self;
}

#[cfg(feature = "axum")]
impl RejectionBody for axum::body::Body {
    fn from_bytes(bytes: Bytes) -> Self {
        axum::body::Body::from(bytes)
    }
    fn empty() -> Self {
        axum::body::Body::empty()
    }
}

#[cfg(feature = "tonic")]
impl RejectionBody for tonic::body::Body {
    fn from_bytes(bytes: Bytes) -> Self {
        tonic::body::Body::new(http_body_util::Full::new(bytes))
    }
    fn empty() -> Self {
        tonic::body::Body::empty()
    }
}

impl RejectionBody for http_body_util::Full<Bytes> {
    fn from_bytes(bytes: Bytes) -> Self {
        http_body_util::Full::new(bytes)
    }
    fn empty() -> Self {
        http_body_util::Full::default()
    }
}

/// A refusal, with what is needed to answer it.
#[derive(Debug, Clone)]
pub struct Rejection {
    error: AuthError,
    grpc: bool,
    retry_after_secs: u64,
}

/// gRPC status codes used for refusals.
pub mod grpc_status {
    /// PERMISSION_DENIED
    pub const PERMISSION_DENIED: u16 = 7;
    /// UNAVAILABLE
    pub const UNAVAILABLE: u16 = 14;
    /// UNAUTHENTICATED
    pub const UNAUTHENTICATED: u16 = 16;
}

/// The characters gRPC requires percent-encoded in `grpc-message` (as tonic encodes them).
const GRPC_MESSAGE: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'%')
    .add(b'<')
    .add(b'>')
    .add(b'`')
    .add(b'?')
    .add(b'{')
    .add(b'}');

impl Rejection {
    /// A refusal for `error`; `grpc` when the request was gRPC (`content-type: application/grpc*`).
    pub fn new(error: AuthError, grpc: bool, retry_after_secs: u64) -> Self {
        Rejection {
            error,
            grpc,
            retry_after_secs,
        }
    }

    /// Why the request was refused.
    pub fn error(&self) -> &AuthError {
        &self.error
    }

    /// True when the request was a gRPC request.
    pub fn is_grpc(&self) -> bool {
        self.grpc
    }

    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        match self.error.class() {
            RejectionClass::MissingToken | RejectionClass::InvalidToken => StatusCode::UNAUTHORIZED,
            RejectionClass::InvalidRequest => StatusCode::BAD_REQUEST,
            RejectionClass::InsufficientScope => StatusCode::FORBIDDEN,
            RejectionClass::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
        }
    }

    /// The gRPC status code.
    pub fn grpc_code(&self) -> u16 {
        self.error.class().grpc_code()
    }

    /// The RFC 6750 error code; `None` when no token was sent.
    pub fn error_code(&self) -> Option<&'static str> {
        match self.error.class() {
            RejectionClass::MissingToken | RejectionClass::Unavailable => None,
            RejectionClass::InvalidRequest => Some("invalid_request"),
            RejectionClass::InvalidToken => Some("invalid_token"),
            RejectionClass::InsufficientScope => Some("insufficient_scope"),
        }
    }

    /// The `WWW-Authenticate` value, when the answer carries one.
    pub fn www_authenticate(&self) -> Option<String> {
        match self.error.class() {
            RejectionClass::Unavailable => None,
            RejectionClass::MissingToken => Some("Bearer".to_owned()),
            _ => Some(format!(
                "Bearer error=\"{}\", error_description=\"{}\"",
                self.error_code().unwrap_or("invalid_token"),
                self.error.public_description()
            )),
        }
    }

    /// The JSON body's `error` member.
    pub fn json_error(&self) -> &'static str {
        match self.error.class() {
            RejectionClass::MissingToken => "missing_token",
            RejectionClass::Unavailable => "temporarily_unavailable",
            _ => self.error_code().unwrap_or("invalid_token"),
        }
    }

    /// The default answer: HTTP with a JSON body, or trailers-only gRPC.
    pub fn to_response<B: RejectionBody>(&self) -> Response<B> {
        let mut response = if self.grpc {
            Response::new(B::empty())
        } else {
            let body = serde_json::json!({
                "error": self.json_error(),
                "error_description": self.error.public_description(),
            });
            Response::new(B::from_bytes(Bytes::from(body.to_string())))
        };
        if !self.grpc {
            *response.status_mut() = self.status();
        }
        let headers = response.headers_mut();
        if self.grpc {
            headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/grpc"));
            headers.insert("grpc-status", HeaderValue::from(self.grpc_code()));
            let message =
                utf8_percent_encode(self.error.public_description(), GRPC_MESSAGE).to_string();
            if let Ok(v) = HeaderValue::from_str(&message) {
                headers.insert("grpc-message", v);
            }
        } else {
            headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
            headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
            if let Some(v) = self
                .www_authenticate()
                .and_then(|v| HeaderValue::from_str(&v).ok())
            {
                headers.insert(WWW_AUTHENTICATE, v);
            }
            if self.error.class() == RejectionClass::Unavailable {
                headers.insert(RETRY_AFTER, HeaderValue::from(self.retry_after_secs));
            }
        }
        response
    }
}

/// Turns a refusal into a response. Implemented by [`DefaultRejection`] and by any
/// `Fn(&Rejection) -> Response<B> + Clone + Send + Sync + 'static`.
pub trait OnRejection<B>: Clone + Send + Sync + 'static {
    /// The response for `rejection`.
    fn on_rejection(&self, rejection: &Rejection) -> Response<B>;
}

/// The default answers (see the module docs).
#[derive(Debug, Clone, Copy, Default)]
pub struct DefaultRejection;

impl<B: RejectionBody> OnRejection<B> for DefaultRejection {
    fn on_rejection(&self, rejection: &Rejection) -> Response<B> {
        rejection.to_response()
    }
}

impl<B, F> OnRejection<B> for F
where
    F: Fn(&Rejection) -> Response<B> + Clone + Send + Sync + 'static,
{
    fn on_rejection(&self, rejection: &Rejection) -> Response<B> {
        self(rejection)
    }
}

/// True when the request is gRPC (`content-type: application/grpc` or `application/grpc+…`).
pub fn is_grpc(headers: &HeaderMap) -> bool {
    headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| {
            ct.strip_prefix("application/grpc").is_some_and(|rest| {
                rest.is_empty() || rest.starts_with('+') || rest.starts_with(';')
            })
        })
}
