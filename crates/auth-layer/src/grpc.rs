//! tonic (gRPC) support: the same [`crate::AuthLayer`] on a tonic server, the verified claims in
//! the handler, and refusals as [`tonic::Status`].
//!
//! The layer needs no change for tonic: put it on the server with
//! `Server::builder().layer(layer)`. For gRPC requests (`content-type: application/grpc*`) it
//! reads the token from the `authorization` metadata (`Bearer <token>`, as over HTTP) and answers
//! refusals as trailers-only gRPC responses (HTTP 200, `content-type: application/grpc`,
//! `grpc-status` and a percent-encoded `grpc-message`), so a tonic client sees:
//!
//! | refusal | [`tonic::Code`] | message |
//! |---|---|---|
//! | no token | `Unauthenticated` (16) | `authentication required` |
//! | invalid token (expired, wrong key, `alg: none`, …) | `Unauthenticated` (16) | e.g. `the token has expired` |
//! | policy refusal (Dynamic `requiresAdditionalAuth`, missing scope) | `PermissionDenied` (7) | `the token does not grant this access` |
//! | keys unavailable (JWKS never fetched) | `Unavailable` (14) | `the token cannot be verified right now; try again later` |
//!
//! Messages are the fixed strings of [`crate::AuthError::public_description`]: never the token,
//! key material or values from the token.
//!
//! ```no_run
//! use auth_layer::{AuthConfig, AuthLayer};
//! use tonic::service::Routes;
//!
//! # async fn run(routes: Routes) -> Result<(), Box<dyn std::error::Error>> {
//! // `routes` holds your services, e.g. `Routes::new(GreeterServer::new(MyGreeter))`.
//! let config = AuthConfig::from_file("auth.toml")?;
//! let layer = AuthLayer::from_config(&config)?;
//! layer.verifier().prefetch().await;
//! tonic::transport::Server::builder()
//!     .layer(layer)
//!     .add_routes(routes)
//!     .serve("127.0.0.1:50051".parse()?)
//!     .await?;
//! # Ok(()) }
//! ```
//!
//! In a handler, read the verified token with [`AuthenticatedRequest`] (or directly with
//! `request.extensions().get::<Authenticated>()`):
//!
//! ```
//! use auth_layer::grpc::AuthenticatedRequest as _;
//!
//! fn user_id<T>(request: &tonic::Request<T>) -> Result<String, tonic::Status> {
//!     Ok(request.require_authenticated()?.identity().user_id.clone())
//! }
//!
//! // Not behind the layer: a server bug, reported as INTERNAL rather than a silent refusal.
//! let status = user_id(&tonic::Request::new(())).unwrap_err();
//! assert_eq!(status.code(), tonic::Code::Internal);
//! ```

use tonic::{Code, Request, Status};

use crate::authenticated::{AuthLayerPresent, Authenticated};
use crate::error::{AuthError, RejectionClass};
use crate::rejection::Rejection;

/// The [`tonic::Code`] for a refusal of class `class` (see the module docs).
pub fn code_for(class: RejectionClass) -> Code {
    Code::from(i32::from(class.grpc_code()))
}

/// The status a tonic client sees for this refusal: the same code and message as the layer's
/// trailers-only answer.
impl From<&AuthError> for Status {
    fn from(error: &AuthError) -> Self {
        Status::new(code_for(error.class()), error.public_description())
    }
}

/// See `From<&AuthError>`.
impl From<AuthError> for Status {
    fn from(error: AuthError) -> Self {
        Status::from(&error)
    }
}

/// The status a tonic client sees for this refusal (useful in a custom
/// [`crate::OnRejection`]: `Status::from(rejection).into_http()`).
impl From<&Rejection> for Status {
    fn from(rejection: &Rejection) -> Self {
        Status::from(rejection.error())
    }
}

/// See `From<&Rejection>`.
impl From<Rejection> for Status {
    fn from(rejection: Rejection) -> Self {
        Status::from(rejection.error())
    }
}

/// The message of the status for a request that is behind the layer in optional mode and carries
/// no token.
pub const MISSING_TOKEN_MESSAGE: &str = "authentication required";

/// The message of the status for a request that did not pass through the layer.
pub const LAYER_MISSING_MESSAGE: &str = "AuthLayer is not installed on this server";

/// Reads what [`crate::AuthLayer`] attached to a tonic request.
pub trait AuthenticatedRequest {
    /// The verified token; `None` when the request carried none (optional mode) or did not pass
    /// through the layer.
    fn authenticated(&self) -> Option<&Authenticated>;

    /// The verified token, or the status to answer with: `Unauthenticated` when the layer let the
    /// request through without a token (optional mode), `Internal` when the layer is not
    /// installed (a server bug, not the client's fault).
    fn require_authenticated(&self) -> Result<&Authenticated, Status>;
}

impl<T> AuthenticatedRequest for Request<T> {
    fn authenticated(&self) -> Option<&Authenticated> {
        self.extensions().get::<Authenticated>()
    }

    fn require_authenticated(&self) -> Result<&Authenticated, Status> {
        if let Some(auth) = self.extensions().get::<Authenticated>() {
            return Ok(auth);
        }
        if self.extensions().get::<AuthLayerPresent>().is_some() {
            Err(Status::unauthenticated(MISSING_TOKEN_MESSAGE))
        } else {
            Err(Status::internal(LAYER_MISSING_MESSAGE))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_match_the_trailers_only_answers() {
        let missing = Rejection::new(AuthError::MissingToken, true, 5);
        let status = Status::from(&missing);
        assert_eq!(status.code(), Code::Unauthenticated);
        assert_eq!(status.message(), MISSING_TOKEN_MESSAGE);
        assert_eq!(
            u16::try_from(status.code() as i32).ok(),
            Some(missing.grpc_code())
        );

        let unavailable = AuthError::Key(jwks_cache::KeyError::KeysUnavailable);
        let status = Status::from(&unavailable);
        assert_eq!(status.code(), Code::Unavailable);
        assert_eq!(
            status.message(),
            "the token cannot be verified right now; try again later"
        );

        let conflicting = Status::from(AuthError::ConflictingTokens);
        assert_eq!(conflicting.code(), Code::Unauthenticated);
        assert_eq!(conflicting.message(), "more than one token in the request");
    }

    #[test]
    fn optional_mode_without_token_is_unauthenticated() {
        let mut request = Request::new(());
        request.extensions_mut().insert(AuthLayerPresent);
        assert!(request.authenticated().is_none());
        let status = request.require_authenticated().err();
        assert_eq!(
            status.as_ref().map(Status::code),
            Some(Code::Unauthenticated)
        );
        assert_eq!(
            status.as_ref().map(Status::message),
            Some(MISSING_TOKEN_MESSAGE)
        );
    }
}
