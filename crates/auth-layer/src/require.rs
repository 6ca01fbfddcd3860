//! Per-route requirements on a verified token: a scope, a provider, an access list, any
//! predicate.
//!
//! Put [`RequireLayer`] on a route (axum `route_layer`) behind [`crate::AuthLayer`]. A token that
//! fails the predicate gets 403 `insufficient_scope` (gRPC 7 PERMISSION_DENIED); a request with no
//! verified token (optional mode) gets 401.
//!
//! ```no_run
//! use auth_layer::{AuthLayer, require};
//! use axum::{Router, routing::get};
//! # fn layer() -> AuthLayer { unimplemented!() }
//! let app: Router = Router::new()
//!     .route("/email", get(|| async { "ok" }).route_layer(require::scope("email")))
//!     .route("/vip", get(|| async { "ok" }).route_layer(require::dynamic_list("VIP")))
//!     .route("/partners", get(|| async { "ok" }).route_layer(require::provider("partner-sso")))
//!     .layer(layer());
//! ```

use std::sync::Arc;
use std::task::{Context, Poll};

use claims_core::{DynamicClaims, VerifyError};
use http::{Request, Response};
use tower_layer::Layer;
use tower_service::Service;

use crate::authenticated::Authenticated;
use crate::error::AuthError;
use crate::future::ResponseFuture;
use crate::rejection::{DefaultRejection, OnRejection, Rejection, is_grpc};

/// A predicate over a verified token.
pub type Predicate = Arc<dyn Fn(&Authenticated) -> bool + Send + Sync>;

/// Refuses requests whose verified token fails a predicate.
#[derive(Clone)]
pub struct RequireLayer<R = DefaultRejection> {
    predicate: Predicate,
    what: Arc<str>,
    on_rejection: R,
}

impl std::fmt::Debug for RequireLayer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RequireLayer")
            .field("what", &self.what)
            .finish()
    }
}

/// Require `predicate`; `what` names the requirement in logs.
pub fn predicate(
    what: impl Into<String>,
    predicate: impl Fn(&Authenticated) -> bool + Send + Sync + 'static,
) -> RequireLayer {
    RequireLayer {
        predicate: Arc::new(predicate),
        what: Arc::from(what.into()),
        on_rejection: DefaultRejection,
    }
}

/// Require the scope `scope`, granted in `scope` (space-separated) or `scp` (an array), for
/// every provider.
pub fn scope(scope: &str) -> RequireLayer {
    let s = scope.to_owned();
    predicate(format!("scope {scope}"), move |a| a.has_scope(&s))
}

/// Require a token from the provider `id` (`"privy"`, an `[[oidc]]` table's name): the route of
/// one issuer in a layer that accepts several, for example when two `[[oidc]]` issuers share the
/// claims type [`claims_core::OidcClaims`] and a handler's `Claims<OidcClaims>` alone would take
/// either's tokens.
pub fn provider(id: &str) -> RequireLayer {
    let id = id.to_owned();
    predicate(format!("provider {id}"), move |a| {
        a.provider().as_str() == id
    })
}

/// Require membership of the Dynamic access list `list`.
pub fn dynamic_list(list: &str) -> RequireLayer {
    let l = list.to_owned();
    predicate(format!("dynamic list {list}"), move |a| {
        a.claims_as::<DynamicClaims>()
            .is_some_and(|c| c.in_list(&l))
    })
}

impl<R> RequireLayer<R> {
    /// Replace the rejection format.
    pub fn on_rejection<R2>(self, on_rejection: R2) -> RequireLayer<R2> {
        RequireLayer {
            predicate: self.predicate,
            what: self.what,
            on_rejection,
        }
    }
}

impl<S, R: Clone> Layer<S> for RequireLayer<R> {
    type Service = RequireService<S, R>;
    fn layer(&self, inner: S) -> Self::Service {
        RequireService {
            inner,
            layer: self.clone(),
        }
    }
}

/// The service of [`RequireLayer`].
#[derive(Clone)]
pub struct RequireService<S, R = DefaultRejection> {
    inner: S,
    layer: RequireLayer<R>,
}

impl<S, R, ReqBody, ResBody> Service<Request<ReqBody>> for RequireService<S, R>
where
    S: Service<Request<ReqBody>, Response = Response<ResBody>>,
    R: OnRejection<ResBody>,
{
    type Response = Response<ResBody>;
    type Error = S::Error;
    type Future = ResponseFuture<S, Request<ReqBody>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: Request<ReqBody>) -> Self::Future {
        let error = match req.extensions().get::<Authenticated>() {
            Some(auth) if (self.layer.predicate)(auth) => {
                return ResponseFuture::calling(self.inner.call(req));
            }
            Some(_) => {
                tracing::debug!(requirement = %self.layer.what, "requirement not met");
                AuthError::Token(VerifyError::InsufficientScope(self.layer.what.to_string()))
            }
            None => AuthError::MissingToken,
        };
        let rejection = Rejection::new(error, is_grpc(req.headers()), 5);
        ResponseFuture::rejected(self.layer.on_rejection.on_rejection(&rejection))
    }
}
