//! The response future of [`crate::AuthService`].

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use http::Request;
use pin_project_lite::pin_project;
use tower_service::Service;

use crate::authenticated::{AuthLayerPresent, Authenticated};
use crate::error::AuthError;

type Verification = Pin<Box<dyn Future<Output = Result<Authenticated, AuthError>> + Send>>;
type Reject<Res> = Box<dyn FnOnce(AuthError) -> Res + Send>;

pin_project! {
    /// Verifies the token, then calls the inner service; or answers a refusal.
    pub struct ResponseFuture<S, Req>
    where
        S: Service<Req>,
    {
        #[pin]
        state: State<S, Req>,
    }
}

pin_project! {
    #[project = StateProj]
    enum State<S, Req>
    where
        S: Service<Req>,
    {
        Verifying {
            verification: Verification,
            request: Option<Req>,
            inner: Option<S>,
            reject: Option<Reject<S::Response>>,
        },
        Calling {
            #[pin]
            future: S::Future,
        },
        Rejected {
            response: Option<S::Response>,
        },
    }
}

impl<S, B> ResponseFuture<S, Request<B>>
where
    S: Service<Request<B>>,
{
    pub(crate) fn verifying(
        verification: Verification,
        request: Request<B>,
        inner: S,
        reject: Reject<S::Response>,
    ) -> Self {
        ResponseFuture {
            state: State::Verifying {
                verification,
                request: Some(request),
                inner: Some(inner),
                reject: Some(reject),
            },
        }
    }

    pub(crate) fn calling(future: S::Future) -> Self {
        ResponseFuture {
            state: State::Calling { future },
        }
    }

    pub(crate) fn rejected(response: S::Response) -> Self {
        ResponseFuture {
            state: State::Rejected {
                response: Some(response),
            },
        }
    }
}

impl<S, B> Future for ResponseFuture<S, Request<B>>
where
    S: Service<Request<B>>,
{
    type Output = Result<S::Response, S::Error>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut this = self.project();
        loop {
            match this.state.as_mut().project() {
                StateProj::Verifying {
                    verification,
                    request,
                    inner,
                    reject,
                } => {
                    let outcome = ready!(verification.as_mut().poll(cx));
                    let (Some(mut req), Some(mut svc), Some(reject)) =
                        (request.take(), inner.take(), reject.take())
                    else {
                        // Polled again after completion: nothing sensible to return but pending.
                        return Poll::Pending;
                    };
                    match outcome {
                        Ok(auth) => {
                            req.extensions_mut().insert(AuthLayerPresent);
                            req.extensions_mut().insert(auth);
                            let future = svc.call(req);
                            this.state.set(State::Calling { future });
                        }
                        Err(error) => return Poll::Ready(Ok(reject(error))),
                    }
                }
                StateProj::Calling { future } => return future.poll(cx),
                StateProj::Rejected { response } => {
                    return match response.take() {
                        Some(r) => Poll::Ready(Ok(r)),
                        None => Poll::Pending,
                    };
                }
            }
        }
    }
}
