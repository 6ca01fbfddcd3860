//! The Tower [`Service`] the layer wraps around yours.

use std::task::{Context, Poll};

use http::{Request, Response};
use tower_service::Service;

use crate::authenticated::AuthLayerPresent;
use crate::error::AuthError;
use crate::future::ResponseFuture;
use crate::layer::{AuthLayer, Mode};
use crate::rejection::{DefaultRejection, OnRejection, Rejection, is_grpc};
use crate::token_cache::Lookup;
use crate::token_source::find_token;

/// Verifies each request's token before calling the inner service. See [`AuthLayer`].
#[derive(Debug, Clone)]
pub struct AuthService<S, R = DefaultRejection> {
    inner: S,
    layer: AuthLayer<R>,
}

impl<S, R> AuthService<S, R> {
    /// Wrap `inner`.
    pub fn new(inner: S, layer: AuthLayer<R>) -> Self {
        AuthService { inner, layer }
    }

    /// The inner service.
    pub fn get_ref(&self) -> &S {
        &self.inner
    }
}

impl<S, R, ReqBody, ResBody> Service<Request<ReqBody>> for AuthService<S, R>
where
    S: Service<Request<ReqBody>, Response = Response<ResBody>> + Clone + Send + 'static,
    S::Future: Send,
    ReqBody: Send + 'static,
    R: OnRejection<ResBody>,
{
    type Response = Response<ResBody>;
    type Error = S::Error;
    type Future = ResponseFuture<S, Request<ReqBody>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut req: Request<ReqBody>) -> Self::Future {
        let grpc = is_grpc(req.headers());
        let reject = |layer: &AuthLayer<R>, error: AuthError| {
            let rejection = Rejection::new(error, grpc, layer.retry_after_secs);
            ResponseFuture::rejected(layer.on_rejection.on_rejection(&rejection))
        };
        let token = match find_token(req.headers(), &self.layer.sources) {
            Err(e) => return reject(&self.layer, e),
            Ok(None) => match self.layer.mode {
                Mode::Required => return reject(&self.layer, AuthError::MissingToken),
                Mode::Optional => {
                    req.extensions_mut().insert(AuthLayerPresent);
                    return ResponseFuture::calling(self.inner.call(req));
                }
            },
            Ok(Some(token)) => token,
        };
        let max = self.layer.verifier.max_token_bytes();
        if token.len() > max {
            return reject(
                &self.layer,
                claims_core::VerifyError::TokenTooLarge { max }.into(),
            );
        }
        // Fast path: a token verified before answers from the verified-token cache, synchronously,
        // with no boxed verification future.
        let now = claims_core::now();
        let digest = match self.layer.verifier.lookup(token, now) {
            Lookup::Hit {
                result: Ok(auth), ..
            } => {
                req.extensions_mut().insert(AuthLayerPresent);
                req.extensions_mut().insert(auth);
                return ResponseFuture::calling(self.inner.call(req));
            }
            Lookup::Hit { result: Err(e), .. } => return reject(&self.layer, e),
            Lookup::Miss(digest) => digest,
        };
        let token = token.to_owned();
        let verifier = self.layer.verifier.clone();
        // The inner service was driven to readiness; take it and leave a fresh clone behind.
        let clone = self.inner.clone();
        let inner = std::mem::replace(&mut self.inner, clone);
        let on_rejection = self.layer.on_rejection.clone();
        let retry_after = self.layer.retry_after_secs;
        ResponseFuture::verifying(
            Box::pin(async move { verifier.verify_uncached(&token, now, digest).await }),
            req,
            inner,
            Box::new(move |error: AuthError| {
                on_rejection.on_rejection(&Rejection::new(error, grpc, retry_after))
            }),
        )
    }
}
