//! Envoy's `ext_authz` gRPC service, `envoy.service.auth.v3.Authorization/Check`, on the same
//! decisions as `/auth` (types from the `envoy-types` crate: no `protoc` at build time).
//!
//! The request's headers and path come from `attributes.request.http` (as Envoy sends them); the
//! path's query narrows like `/auth`'s (`?scope=…`, `?provider=…`: set it on the route with
//! Envoy's `check_settings`, or leave it out). Accepted: `OkHttpResponse` with the identity
//! headers to set on the upstream request (replacing a client's own), and the client's own
//! identity headers the token does not fill removed. Refused: `DeniedHttpResponse` with the
//! layer's status, `WWW-Authenticate`, `Retry-After` and JSON body, and the gRPC status
//! (`UNAUTHENTICATED`, `PERMISSION_DENIED`, `UNAVAILABLE`, `INVALID_ARGUMENT`).

use axum::body::Body;
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use envoy_types::ext_authz::v3::pb::{
    Authorization, AuthorizationServer, CheckRequest, CheckResponse, HeaderAppendAction,
    HttpStatusCode,
};
use envoy_types::ext_authz::v3::{
    CheckResponseExt, DeniedHttpResponseBuilder, OkHttpResponseBuilder,
};
use tonic::{Request, Response, Status};

use super::{Decision, Gateway, bad_query};

/// The largest body of a refusal read back into a `DeniedHttpResponse`.
const MAX_DENIED_BODY: usize = 4096;

/// The `Authorization` service over a [`Gateway`]. Serve it with
/// `tonic::transport::Server::builder().add_service(EnvoyCheck::new(gateway).into_server())`.
#[derive(Clone, Debug)]
pub struct EnvoyCheck {
    gateway: Gateway,
}

impl EnvoyCheck {
    /// The service answering for `gateway`.
    pub fn new(gateway: Gateway) -> Self {
        EnvoyCheck { gateway }
    }

    /// As a tonic service.
    pub fn into_server(self) -> AuthorizationServer<Self> {
        AuthorizationServer::new(self)
    }
}

#[tonic::async_trait]
impl Authorization for EnvoyCheck {
    async fn check(
        &self,
        request: Request<CheckRequest>,
    ) -> Result<Response<CheckResponse>, Status> {
        let http = request
            .into_inner()
            .attributes
            .and_then(|a| a.request)
            .and_then(|r| r.http)
            .ok_or_else(|| Status::invalid_argument("attributes.request.http is missing"))?;
        // Envoy lower-cases names; a header that is not valid HTTP cannot carry a token.
        let mut headers = HeaderMap::new();
        for (name, value) in &http.headers {
            if name.starts_with(':') {
                continue;
            }
            if let (Ok(name), Ok(value)) = (
                HeaderName::from_bytes(name.as_bytes()),
                HeaderValue::from_str(value),
            ) {
                headers.append(name, value);
            }
        }
        let path = if http.path.is_empty() {
            http.headers.get(":path").cloned().unwrap_or_default()
        } else {
            http.path.clone()
        };
        let query = path.split_once('?').map(|(_, q)| q);
        let decision = self.gateway.decide(query, &headers).await;
        Ok(Response::new(self.respond(decision).await))
    }
}

impl EnvoyCheck {
    async fn respond(&self, decision: Decision) -> CheckResponse {
        match decision {
            Decision::Allow(identity) => {
                let mut ok = OkHttpResponseBuilder::new();
                for name in self.gateway.identity_headers().names() {
                    match identity.get(name).and_then(|v| v.to_str().ok()) {
                        Some(value) => {
                            // Replace a client's own header of that name, never add beside it.
                            ok.add_header(
                                name.as_str(),
                                value,
                                Some(HeaderAppendAction::OverwriteIfExistsOrAdd),
                                false,
                            );
                        }
                        None => {
                            ok.remove_header(name.as_str());
                        }
                    }
                }
                let mut response = CheckResponse::with_status(Status::ok("accepted"));
                response.set_http_response(ok);
                response
            }
            Decision::Refuse(rejection) => {
                denied(
                    rejection.to_response::<Body>(),
                    rejection.error().public_description(),
                )
                .await
            }
            Decision::BadQuery => denied(bad_query(), "bad query").await,
        }
    }
}

/// A `DeniedHttpResponse` carrying `answer` (status, headers, body) and the matching gRPC status.
async fn denied(answer: axum::response::Response, message: &str) -> CheckResponse {
    let (parts, body) = answer.into_parts();
    let status = match parts.status {
        StatusCode::UNAUTHORIZED => Status::unauthenticated(message),
        StatusCode::FORBIDDEN => Status::permission_denied(message),
        StatusCode::SERVICE_UNAVAILABLE => Status::unavailable(message),
        _ => Status::invalid_argument(message),
    };
    let code = HttpStatusCode::try_from(i32::from(parts.status.as_u16()))
        .unwrap_or(HttpStatusCode::Unauthorized);
    let mut denied = DeniedHttpResponseBuilder::new();
    denied.set_http_status(code);
    for (name, value) in &parts.headers {
        if let Ok(value) = value.to_str() {
            denied.add_header(name.as_str(), value, None, false);
        }
    }
    let body = axum::body::to_bytes(body, MAX_DENIED_BODY)
        .await
        .map(|b| String::from_utf8_lossy(&b).into_owned())
        .unwrap_or_default();
    denied.set_body(body);
    let mut response = CheckResponse::with_status(status);
    response.set_http_response(denied);
    response
}
