//! A tonic gRPC service behind `AuthLayer`, and a client calling it with and without a token.
//!
//! ```sh
//! cargo run --example grpc
//! ```
//!
//! No provider account needed: the example makes up a Parra API key (id + random HS256 secret),
//! mints a Parra access token with `ParraIssuer`, starts the `walletauth.whoami.WhoAmI` service on
//! 127.0.0.1 (a free port) behind the layer, then calls it twice with a real tonic client:
//! with the token (the handler answers with the identity the layer verified) and without one
//! (`UNAUTHENTICATED`, answered by the layer before the handler runs). It exits 0 when both
//! behave as expected.
//!
//! The service's messages and server/client glue are in `tests/grpc_support/whoami.rs`, written
//! in the shape tonic-build generates from `whoami.proto`; in your project that module is
//! generated. What matters here is `main` and `Handler`.

use std::error::Error;
use std::sync::Arc;

use aws_lc_rs::rand::{SecureRandom as _, SystemRandom};
use tonic::transport::Server;
use tonic::transport::server::TcpIncoming;
use wallet_auth::claims::{ParraIssuer, ParraKeyring, Policy};
use wallet_auth::layer::grpc::AuthenticatedRequest as _;
use wallet_auth::layer::{AuthLayer, KeySource, Verifier};

#[path = "../tests/grpc_support/whoami.rs"]
mod whoami;

use whoami::{WhoAmI, WhoAmIClient, WhoAmIReply, WhoAmIRequest, WhoAmIServer};

const API_KEY_ID: &str = "pk_example_grpc";
const TENANT_ID: &str = "tenant-example";

/// The service: it only runs for calls the layer let through, and reads what the layer verified
/// from the request's extensions.
struct Handler;

impl WhoAmI for Handler {
    async fn who_am_i(
        &self,
        request: tonic::Request<WhoAmIRequest>,
    ) -> Result<tonic::Response<WhoAmIReply>, tonic::Status> {
        // Same as `request.extensions().get::<wallet_auth::layer::Authenticated>()`, with the
        // right status when it is absent.
        let auth = request.require_authenticated()?.clone();
        println!(
            "server: call from {} user {:?}",
            auth.provider(),
            auth.identity().user_id
        );
        let note = request.into_inner().note;
        Ok(tonic::Response::new(WhoAmIReply::describe(
            Some(&auth),
            note,
        )))
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    // 1. A Parra API key: its id is the tokens' `iss`, its secret signs them (HS256).
    let mut secret = vec![0u8; 32];
    SystemRandom::new()
        .fill(&mut secret)
        .map_err(|_| "no randomness")?;
    let mut keyring = ParraKeyring::new();
    keyring.insert(API_KEY_ID, &secret)?;
    let verifier = Verifier::builder()
        .provider(
            Policy::parra([(API_KEY_ID, TENANT_ID)])?,
            KeySource::Parra(Arc::new(keyring)),
        )
        .build()?;
    let issuer = ParraIssuer::new(API_KEY_ID, secret, TENANT_ID)?;
    let token = issuer.issue("user|1337", wallet_auth::claims::now())?;

    // 2. The server: the layer goes on the tonic server unchanged.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(
        Server::builder()
            .layer(AuthLayer::new(verifier))
            .add_service(WhoAmIServer::new(Handler))
            .serve_with_incoming_shutdown(TcpIncoming::from(listener), async {
                stopped.await.ok();
            }),
    );
    println!("server: walletauth.whoami.WhoAmI on http://{addr}, behind AuthLayer (Parra)");

    // 3. A client call with the token in the `authorization` metadata.
    let mut client = WhoAmIClient::connect(format!("http://{addr}")).await?;
    let mut request = tonic::Request::new(WhoAmIRequest {
        note: "with a token".into(),
    });
    request
        .metadata_mut()
        .insert("authorization", format!("Bearer {token}").parse()?);
    let reply = client.who_am_i(request).await?.into_inner();
    println!(
        "client: OK — the server saw provider={} user_id={:?} expires_at={}",
        reply.provider, reply.user_id, reply.expires_at
    );
    println!("client: claims {}", reply.claims_json);

    // 4. The same call without a token: refused by the layer, before the handler.
    let request = tonic::Request::new(WhoAmIRequest {
        note: "without a token".into(),
    });
    let refused = match client.who_am_i(request).await {
        Ok(_) => return Err("the call without a token was accepted".into()),
        Err(status) => status,
    };
    println!(
        "client: refused without a token — code={:?} ({}) message={:?}",
        refused.code(),
        refused.code() as i32,
        refused.message()
    );

    stop.send(()).ok();
    server.await??;
    if reply.user_id != "user|1337" || refused.code() != tonic::Code::Unauthenticated {
        return Err("unexpected outcome".into());
    }
    Ok(())
}
