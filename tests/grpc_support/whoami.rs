//! The `walletauth.whoami.WhoAmI` gRPC service (see `whoami.proto` beside this file), written by
//! hand in the shape tonic-build generates, so that neither the build nor CI needs protoc: the
//! messages derive `prost::Message`, the server routes the method path to a
//! `tonic::server::Grpc` with `tonic_prost::ProstCodec`, and the client calls it through a
//! `tonic::client::Grpc` over a `tonic::transport::Channel`.
//!
//! Shared by `examples/grpc.rs` and `tests/grpc.rs`.

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use auth_layer::Authenticated;
use tonic::codegen::{Body, Service, StdError, http};

/// The service name (`package.Service`).
pub const SERVICE_NAME: &str = "walletauth.whoami.WhoAmI";
/// The one method's path.
pub const WHO_AM_I_PATH: &str = "/walletauth.whoami.WhoAmI/WhoAmI";

type BoxFuture<T, E> = Pin<Box<dyn Future<Output = Result<T, E>> + Send + 'static>>;

// ---- messages ----------------------------------------------------------------------------------

/// `WhoAmIRequest`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct WhoAmIRequest {
    /// Echoed back in the reply.
    #[prost(string, tag = "1")]
    pub note: String,
}

/// `Wallet`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct Wallet {
    /// The normalized chain family.
    #[prost(string, optional, tag = "1")]
    pub chain: Option<String>,
    /// The address.
    #[prost(string, optional, tag = "2")]
    pub address: Option<String>,
    /// The public key.
    #[prost(string, optional, tag = "3")]
    pub public_key: Option<String>,
}

/// `WhoAmIReply`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct WhoAmIReply {
    /// False when the layer let the call through without a token (optional mode).
    #[prost(bool, tag = "1")]
    pub authenticated: bool,
    /// `dynamic`, `parra`, …
    #[prost(string, tag = "2")]
    pub provider: String,
    /// The identity's user id.
    #[prost(string, tag = "3")]
    pub user_id: String,
    /// The identity's email.
    #[prost(string, optional, tag = "4")]
    pub email: Option<String>,
    /// The identity's wallets.
    #[prost(message, repeated, tag = "5")]
    pub wallets: Vec<Wallet>,
    /// `exp`.
    #[prost(int64, tag = "6")]
    pub expires_at: i64,
    /// The typed claims as JSON.
    #[prost(string, tag = "7")]
    pub claims_json: String,
    /// The request's note.
    #[prost(string, tag = "8")]
    pub note: String,
}

impl WhoAmIReply {
    /// The reply describing what the layer verified (`None`: no token, optional mode).
    pub fn describe(auth: Option<&Authenticated>, note: String) -> Self {
        let Some(auth) = auth else {
            return WhoAmIReply {
                authenticated: false,
                note,
                ..WhoAmIReply::default()
            };
        };
        let identity = auth.identity();
        WhoAmIReply {
            authenticated: true,
            provider: auth.provider().as_str().to_owned(),
            user_id: identity.user_id.clone(),
            email: identity.email.clone(),
            wallets: identity
                .wallets
                .iter()
                .map(|w| Wallet {
                    chain: w.chain.clone(),
                    address: w.address.clone(),
                    public_key: w.public_key.clone(),
                })
                .collect(),
            expires_at: identity.expires_at,
            claims_json: serde_json::to_string(auth.claims()).unwrap_or_default(),
            note,
        }
    }
}

// ---- server ------------------------------------------------------------------------------------

/// What a `WhoAmI` server does (the trait tonic-build generates for the service).
pub trait WhoAmI: Send + Sync + 'static {
    /// The `WhoAmI` method.
    fn who_am_i(
        &self,
        request: tonic::Request<WhoAmIRequest>,
    ) -> impl Future<Output = Result<tonic::Response<WhoAmIReply>, tonic::Status>> + Send;
}

/// The tonic service for a [`WhoAmI`] implementation: add it with `Server::add_service`.
#[derive(Debug)]
pub struct WhoAmIServer<T> {
    inner: Arc<T>,
}

impl<T> WhoAmIServer<T> {
    /// Serve `inner`.
    pub fn new(inner: T) -> Self {
        WhoAmIServer {
            inner: Arc::new(inner),
        }
    }
}

impl<T> Clone for WhoAmIServer<T> {
    fn clone(&self) -> Self {
        WhoAmIServer {
            inner: Arc::clone(&self.inner),
        }
    }
}

impl<T> tonic::server::NamedService for WhoAmIServer<T> {
    const NAME: &'static str = SERVICE_NAME;
}

impl<T, B> Service<http::Request<B>> for WhoAmIServer<T>
where
    T: WhoAmI,
    B: Body + Send + 'static,
    B::Error: Into<StdError> + Send + 'static,
{
    type Response = http::Response<tonic::body::Body>;
    type Error = Infallible;
    type Future = BoxFuture<Self::Response, Self::Error>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, req: http::Request<B>) -> Self::Future {
        if req.uri().path() != WHO_AM_I_PATH {
            return Box::pin(async { Ok(tonic::Status::unimplemented("").into_http()) });
        }

        struct UnarySvc<T>(Arc<T>);
        impl<T: WhoAmI> tonic::server::UnaryService<WhoAmIRequest> for UnarySvc<T> {
            type Response = WhoAmIReply;
            type Future = BoxFuture<tonic::Response<WhoAmIReply>, tonic::Status>;
            fn call(&mut self, request: tonic::Request<WhoAmIRequest>) -> Self::Future {
                let inner = Arc::clone(&self.0);
                Box::pin(async move { inner.who_am_i(request).await })
            }
        }

        let inner = Arc::clone(&self.inner);
        Box::pin(async move {
            let mut grpc = tonic::server::Grpc::new(tonic_prost::ProstCodec::default());
            Ok(grpc.unary(UnarySvc(inner), req).await)
        })
    }
}

// ---- client ------------------------------------------------------------------------------------

/// A `WhoAmI` client.
#[derive(Debug, Clone)]
pub struct WhoAmIClient {
    inner: tonic::client::Grpc<tonic::transport::Channel>,
}

impl WhoAmIClient {
    /// Connect to `dst` (`http://127.0.0.1:PORT`).
    pub async fn connect(dst: String) -> Result<Self, tonic::transport::Error> {
        let channel = tonic::transport::Endpoint::from_shared(dst)?
            .connect()
            .await?;
        Ok(WhoAmIClient {
            inner: tonic::client::Grpc::new(channel),
        })
    }

    /// Call `WhoAmI`.
    pub async fn who_am_i(
        &mut self,
        request: impl tonic::IntoRequest<WhoAmIRequest>,
    ) -> Result<tonic::Response<WhoAmIReply>, tonic::Status> {
        self.inner.ready().await.map_err(|e| {
            tonic::Status::unknown(format!(
                "Service was not ready: {}",
                Into::<StdError>::into(e)
            ))
        })?;
        let path = http::uri::PathAndQuery::from_static(WHO_AM_I_PATH);
        self.inner
            .unary(
                request.into_request(),
                path,
                tonic_prost::ProstCodec::default(),
            )
            .await
    }
}
