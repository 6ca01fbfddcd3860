//! gRPC end to end: a real tonic 0.14 server on 127.0.0.1 behind `AuthLayer`, a real tonic client,
//! real keys generated here, real tokens signed with them (crates/test-support), and a real JWKS
//! served over HTTP by a small axum app on loopback.
//!
//! The service is `walletauth.whoami.WhoAmI` (tests/grpc_support/): its handler answers with what
//! the layer attached to the request (`request.extensions().get::<Authenticated>()`).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

#[path = "grpc_support/whoami.rs"]
mod whoami;

use std::net::SocketAddr;

use auth_layer::grpc::AuthenticatedRequest as _;
use auth_layer::{AuthConfig, AuthLayer, Authenticated};
use serde_json::{Value, json};
use test_support::{EcKey, Hmac, RsaKey, jwks, now, sign, sign_with_header, unsigned};
use tonic::Code;
use whoami::{Wallet, WhoAmI, WhoAmIClient, WhoAmIReply, WhoAmIRequest, WhoAmIServer};

const PARRA_KEY_ID: &str = "pk_grpc_test_1";
const PARRA_SECRET: &[u8] = b"parra-api-key-secret-for-the-grpc-tests";
const PARRA_TENANT: &str = "tenant-grpc-7";
const DYNAMIC_ENV: &str = "5c0a8e44-2f7e-4c1b-9d55-grpc00000001";
const DYNAMIC_USER: &str = "d261ee91-6f4e-4a4c-b0a7-2f1b6f0c9a11";
const DYNAMIC_WALLET: &str = "0x8BdC4A1c3E2E4D6d3E36E1f6A2f0b1c2D3e4F5a6";
const W3A_CLIENT: &str =
    "BPi5PB_UiIZ-cPz1GtV5i1I2iOSOHuimiXBI0e-Oe_u6X3oVAbCiAZOTEBtTXw4tsluTITPqA8zMsfxIKMjiqNQ";
const W3A_PUBLIC_KEY: &str = "03a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90";

const MSG_MISSING: &str = "authentication required";
const MSG_EXPIRED: &str = "the token has expired";
const MSG_BAD_SIGNATURE: &str = "the token's signature is invalid";
const MSG_BAD_ALG: &str = "the token's algorithm is not accepted";
const MSG_NO_KEY: &str = "no key for this token";
const MSG_MALFORMED: &str = "the token is malformed";
const MSG_SCOPE: &str = "the token does not grant this access";
const MSG_UNAVAILABLE: &str = "the token cannot be verified right now; try again later";

// ---- the service -------------------------------------------------------------------------------

/// Answers with what the layer verified. With the note `require`, insists on a token through
/// `AuthenticatedRequest::require_authenticated` (matters in optional mode).
struct Handler;

impl WhoAmI for Handler {
    async fn who_am_i(
        &self,
        request: tonic::Request<WhoAmIRequest>,
    ) -> Result<tonic::Response<WhoAmIReply>, tonic::Status> {
        if request.get_ref().note == "require" {
            request.require_authenticated()?;
        }
        let auth = request.extensions().get::<Authenticated>().cloned();
        let note = request.into_inner().note;
        Ok(tonic::Response::new(WhoAmIReply::describe(
            auth.as_ref(),
            note,
        )))
    }
}

// ---- fixtures ----------------------------------------------------------------------------------

/// A real JWKS endpoint: an axum app on 127.0.0.1:0 serving `jwks` at `/jwks`.
async fn serve_jwks(jwks: Value) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = axum::Router::new().route(
        "/jwks",
        axum::routing::get(move || {
            let jwks = jwks.clone();
            async move { axum::Json(jwks) }
        }),
    );
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    format!("http://{addr}/jwks")
}

/// A loopback URL nobody listens on (the port was bound, then released).
async fn closed_url() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    format!("http://{addr}/jwks")
}

/// The layer's configuration: Parra (HS256 API key), Dynamic (RS256 from the JWKS at
/// `dynamic_jwks_url`) and Web3Auth (ES256, the project's static SPKI key).
fn config(dynamic_jwks_url: &str, web3auth_key: &EcKey, optional: bool) -> AuthConfig {
    let secret = std::str::from_utf8(PARRA_SECRET).unwrap();
    let pem = web3auth_key.spki_pem();
    AuthConfig::from_toml_str(&format!(
        r#"
[jwks]
allow_http = true
timeout_secs = 2
prefetch = false

[token]
optional = {optional}

[[parra.keys]]
id = "{PARRA_KEY_ID}"
secret = "{secret}"
tenant_id = "{PARRA_TENANT}"

[dynamic]
environment_id = "{DYNAMIC_ENV}"
jwks_url = "{dynamic_jwks_url}"

[web3auth]
client_id = "{W3A_CLIENT}"
verification_key_pem = """{pem}"""
"#
    ))
    .unwrap()
}

/// A real tonic server on 127.0.0.1:0 (tokio listener + `serve_with_incoming`) with `layer`
/// installed exactly as users do: `Server::builder().layer(layer).add_service(...)`.
async fn serve_grpc(layer: AuthLayer) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let incoming = tonic::transport::server::TcpIncoming::from(listener);
    tokio::spawn(async move {
        tonic::transport::Server::builder()
            .layer(layer)
            .add_service(WhoAmIServer::new(Handler))
            .serve_with_incoming(incoming)
            .await
            .unwrap();
    });
    addr
}

async fn client(addr: SocketAddr) -> WhoAmIClient {
    WhoAmIClient::connect(format!("http://{addr}"))
        .await
        .unwrap()
}

/// A `WhoAmI` call carrying `token` in the `authorization` metadata.
fn call(token: Option<&str>, note: &str) -> tonic::Request<WhoAmIRequest> {
    let mut request = tonic::Request::new(WhoAmIRequest {
        note: note.to_owned(),
    });
    if let Some(token) = token {
        request
            .metadata_mut()
            .insert("authorization", format!("Bearer {token}").parse().unwrap());
    }
    request
}

/// Keys and a running server, as most tests want them.
struct World {
    addr: SocketAddr,
    dynamic_key: RsaKey,
    web3auth_key: EcKey,
}

async fn world(optional: bool) -> World {
    let dynamic_key = RsaKey::generate("dyn-grpc-1");
    let web3auth_key = EcKey::generate("w3a-grpc-1");
    let jwks_url = serve_jwks(jwks(&[dynamic_key.jwk()])).await;
    let layer = AuthLayer::from_config(&config(&jwks_url, &web3auth_key, optional)).unwrap();
    layer.verifier().prefetch().await;
    assert!(layer.verifier().is_ready());
    World {
        addr: serve_grpc(layer).await,
        dynamic_key,
        web3auth_key,
    }
}

fn parra_claims(iat: i64, exp: i64) -> Value {
    json!({
        "iss": PARRA_KEY_ID,
        "sub": PARRA_TENANT,
        "iat": iat,
        "exp": exp,
        "jti": "pk_grpc_test_1-1",
        "grants": {"identity": "user|42"},
    })
}

fn parra_token_signed_with(secret: &[u8], claims: &Value) -> String {
    let header = json!({"alg": "HS256", "typ": "JWT", "cty": "parra-fpa;v=1"});
    sign_with_header(&Hmac::hs256(secret), &header, claims)
}

fn dynamic_claims(scope: &str) -> Value {
    let now = now();
    json!({
        "iss": format!("app.dynamicauth.com/{DYNAMIC_ENV}"),
        "sub": DYNAMIC_USER,
        "sid": "9f3c1d2e-session",
        "environment_id": DYNAMIC_ENV,
        "iat": now - 10,
        "exp": now + 900,
        "scope": scope,
        "email": "ada@example.com",
        "verified_credentials": [{
            "id": "vc-1",
            "format": "blockchain",
            "chain": "eip155",
            "address": DYNAMIC_WALLET,
            "wallet_name": "metamask",
        }],
    })
}

fn web3auth_claims() -> Value {
    let now = now();
    json!({
        "iss": "https://api-auth.web3auth.io",
        "aud": W3A_CLIENT,
        "iat": now - 5,
        "exp": now + 3600,
        "userId": "w3a-user-0042",
        "verifierId": "grace@example.com",
        "verifier": "web3auth",
        "email": "grace@example.com",
        "wallets": [{"public_key": W3A_PUBLIC_KEY, "type": "web3auth_app_key", "curve": "secp256k1"}],
    })
}

/// Call with `token` and expect the refusal `code` with `message`.
async fn assert_refused(addr: SocketAddr, token: Option<&str>, code: Code, message: &str) {
    let status = client(addr)
        .await
        .who_am_i(call(token, "hello"))
        .await
        .expect_err("the call must be refused");
    assert_eq!(status.code(), code, "status: {status:?}");
    assert_eq!(status.message(), message, "status: {status:?}");
}

// ---- tests -------------------------------------------------------------------------------------

#[tokio::test]
async fn valid_tokens_reach_the_handler_with_their_exact_identity() {
    let w = world(false).await;
    let mut client = client(w.addr).await;

    // Parra: HS256 with the API key secret.
    let now = now();
    let claims = parra_claims(now - 5, now + 3600);
    let token = parra_token_signed_with(PARRA_SECRET, &claims);
    let reply = client
        .who_am_i(call(Some(&token), "parra"))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        reply,
        WhoAmIReply {
            authenticated: true,
            provider: "parra".into(),
            user_id: "user|42".into(),
            email: None,
            wallets: vec![],
            expires_at: now + 3600,
            claims_json: reply.claims_json.clone(),
            note: "parra".into(),
        }
    );
    let seen: Value = serde_json::from_str(&reply.claims_json).unwrap();
    assert_eq!(seen, json!({"provider": "parra", "claims": claims}));

    // Dynamic: RS256, key from the JWKS served over HTTP.
    let claims = dynamic_claims("user:basic");
    let token = sign(&w.dynamic_key, &claims);
    let reply = client
        .who_am_i(call(Some(&token), "dynamic"))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        reply,
        WhoAmIReply {
            authenticated: true,
            provider: "dynamic".into(),
            user_id: DYNAMIC_USER.into(),
            email: Some("ada@example.com".into()),
            wallets: vec![Wallet {
                chain: Some("evm".into()),
                address: Some(DYNAMIC_WALLET.into()),
                public_key: None,
            }],
            expires_at: claims["exp"].as_i64().unwrap(),
            claims_json: reply.claims_json.clone(),
            note: "dynamic".into(),
        }
    );
    let seen: Value = serde_json::from_str(&reply.claims_json).unwrap();
    assert_eq!(seen["provider"], "dynamic");
    for member in [
        "iss",
        "sub",
        "sid",
        "environment_id",
        "scope",
        "email",
        "iat",
        "exp",
    ] {
        assert_eq!(seen["claims"][member], claims[member], "claim {member}");
    }
    assert_eq!(
        seen["claims"]["verified_credentials"][0]["address"],
        DYNAMIC_WALLET
    );

    // Web3Auth: ES256 with the project's static verification key.
    let claims = web3auth_claims();
    let token = sign(&w.web3auth_key, &claims);
    let reply = client
        .who_am_i(call(Some(&token), "web3auth"))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        reply,
        WhoAmIReply {
            authenticated: true,
            provider: "web3auth".into(),
            user_id: "w3a-user-0042".into(),
            email: Some("grace@example.com".into()),
            wallets: vec![Wallet {
                chain: Some("secp256k1".into()),
                address: None,
                public_key: Some(W3A_PUBLIC_KEY.into()),
            }],
            expires_at: claims["exp"].as_i64().unwrap(),
            claims_json: reply.claims_json.clone(),
            note: "web3auth".into(),
        }
    );
    let seen: Value = serde_json::from_str(&reply.claims_json).unwrap();
    assert_eq!(seen["provider"], "web3auth");
    assert_eq!(seen["claims"]["userId"], "w3a-user-0042");
    assert_eq!(seen["claims"]["aud"], W3A_CLIENT);
}

#[tokio::test]
async fn no_token_is_unauthenticated() {
    let w = world(false).await;
    assert_refused(w.addr, None, Code::Unauthenticated, MSG_MISSING).await;
}

#[tokio::test]
async fn invalid_tokens_are_unauthenticated() {
    let w = world(false).await;
    let now = now();

    // Expired (an hour ago, well past the 60 s leeway).
    let expired = parra_token_signed_with(PARRA_SECRET, &parra_claims(now - 7200, now - 3600));
    assert_refused(w.addr, Some(&expired), Code::Unauthenticated, MSG_EXPIRED).await;

    // Wrong key: Parra signed with another secret; Dynamic signed with another RSA key under the
    // JWKS key's kid; Web3Auth signed with another P-256 key.
    let forged = parra_token_signed_with(
        b"not-the-api-key-secret-at-all-000",
        &parra_claims(now, now + 600),
    );
    assert_refused(
        w.addr,
        Some(&forged),
        Code::Unauthenticated,
        MSG_BAD_SIGNATURE,
    )
    .await;
    let impostor = RsaKey::generate(&w.dynamic_key.kid);
    let forged = sign(&impostor, &dynamic_claims("user:basic"));
    assert_refused(
        w.addr,
        Some(&forged),
        Code::Unauthenticated,
        MSG_BAD_SIGNATURE,
    )
    .await;
    let forged = sign(&EcKey::generate("w3a-grpc-1"), &web3auth_claims());
    assert_refused(
        w.addr,
        Some(&forged),
        Code::Unauthenticated,
        MSG_BAD_SIGNATURE,
    )
    .await;

    // A kid the JWKS does not list.
    let stranger = sign(
        &RsaKey::generate("dyn-unknown-kid"),
        &dynamic_claims("user:basic"),
    );
    assert_refused(w.addr, Some(&stranger), Code::Unauthenticated, MSG_NO_KEY).await;

    // alg none, with and without a signature part.
    let none = unsigned(
        &json!({"alg": "none", "typ": "JWT"}),
        &dynamic_claims("user:basic"),
        "",
    );
    assert_refused(w.addr, Some(&none), Code::Unauthenticated, MSG_BAD_ALG).await;
    let none = unsigned(
        &json!({"alg": "none", "typ": "JWT", "cty": "parra-fpa;v=1"}),
        &parra_claims(now, now + 600),
        "c2lnbmF0dXJl",
    );
    assert_refused(w.addr, Some(&none), Code::Unauthenticated, MSG_BAD_ALG).await;

    // Not a JWT at all.
    assert_refused(
        w.addr,
        Some("definitely-not-a-jwt"),
        Code::Unauthenticated,
        MSG_MALFORMED,
    )
    .await;
}

#[tokio::test]
async fn dynamic_requires_additional_auth_is_permission_denied() {
    let w = world(false).await;
    let token = sign(
        &w.dynamic_key,
        &dynamic_claims("user:basic requiresAdditionalAuth"),
    );
    assert_refused(w.addr, Some(&token), Code::PermissionDenied, MSG_SCOPE).await;
}

#[tokio::test]
async fn jwks_never_reachable_is_unavailable() {
    let dynamic_key = RsaKey::generate("dyn-grpc-1");
    let web3auth_key = EcKey::generate("w3a-grpc-1");
    let url = closed_url().await;
    let layer = AuthLayer::from_config(&config(&url, &web3auth_key, false)).unwrap();
    layer.verifier().prefetch().await;
    assert!(!layer.verifier().is_ready());
    let addr = serve_grpc(layer).await;

    let token = sign(&dynamic_key, &dynamic_claims("user:basic"));
    assert_refused(addr, Some(&token), Code::Unavailable, MSG_UNAVAILABLE).await;
    // Providers that need no JWKS keep working meanwhile.
    let now = now();
    let parra = parra_token_signed_with(PARRA_SECRET, &parra_claims(now, now + 600));
    let reply = client(addr)
        .await
        .who_am_i(call(Some(&parra), "still up"))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(reply.user_id, "user|42");
    assert_eq!(reply.provider, "parra");
}

#[tokio::test]
async fn optional_mode_lets_anonymous_calls_through_but_never_forged_ones() {
    let w = world(true).await;
    let mut client = client(w.addr).await;

    let reply = client
        .who_am_i(call(None, "anonymous"))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        reply,
        WhoAmIReply {
            authenticated: false,
            note: "anonymous".into(),
            ..WhoAmIReply::default()
        }
    );

    // A handler that insists gets the same answer the layer gives in required mode.
    let status = client.who_am_i(call(None, "require")).await.unwrap_err();
    assert_eq!(status.code(), Code::Unauthenticated);
    assert_eq!(status.message(), MSG_MISSING);

    // Optional means "may be absent", not "may be forged".
    let forged = sign(
        &RsaKey::generate(&w.dynamic_key.kid),
        &dynamic_claims("user:basic"),
    );
    let status = client
        .who_am_i(call(Some(&forged), "forged"))
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::Unauthenticated);
    assert_eq!(status.message(), MSG_BAD_SIGNATURE);

    let token = sign(&w.dynamic_key, &dynamic_claims("user:basic"));
    let reply = client
        .who_am_i(call(Some(&token), "require"))
        .await
        .unwrap()
        .into_inner();
    assert!(reply.authenticated);
    assert_eq!(reply.user_id, DYNAMIC_USER);
}

/// The answer on the wire, read with a plain HTTP/2 client: trailers-only (HTTP 200, the status in
/// the response headers, no body), `content-type: application/grpc`, a percent-encoded
/// `grpc-message`, and no HTTP-only headers.
#[tokio::test]
async fn refusals_are_trailers_only_grpc_responses() {
    let w = world(false).await;
    let http = reqwest::Client::builder()
        .http2_prior_knowledge()
        .build()
        .unwrap();
    let url = format!("http://{}{}", w.addr, whoami::WHO_AM_I_PATH);
    // One gRPC frame: uncompressed, length 0 (an empty WhoAmIRequest).
    let frame = vec![0u8, 0, 0, 0, 0];
    let grpc_call = |token: Option<String>| {
        let mut request = http
            .post(&url)
            .header("content-type", "application/grpc")
            .header("te", "trailers")
            .body(frame.clone());
        if let Some(token) = token {
            request = request.header("authorization", format!("Bearer {token}"));
        }
        request.send()
    };

    let cases = [
        (None, "16", "authentication%20required"),
        (
            Some(sign(
                &RsaKey::generate(&w.dynamic_key.kid),
                &dynamic_claims(""),
            )),
            "16",
            "the%20token's%20signature%20is%20invalid",
        ),
        (
            Some(sign(
                &w.dynamic_key,
                &dynamic_claims("requiresAdditionalAuth"),
            )),
            "7",
            "the%20token%20does%20not%20grant%20this%20access",
        ),
    ];
    for (token, status, message) in cases {
        let response = grpc_call(token).await.unwrap();
        assert_eq!(response.version(), reqwest::Version::HTTP_2);
        assert_eq!(response.status(), reqwest::StatusCode::OK);
        let headers = response.headers().clone();
        assert_eq!(headers["content-type"], "application/grpc");
        assert_eq!(headers["grpc-status"], status);
        assert_eq!(headers["grpc-message"], message);
        assert!(headers.get("www-authenticate").is_none());
        assert!(headers.get("retry-after").is_none());
        assert_eq!(response.bytes().await.unwrap().len(), 0);
    }

    // The same request with a valid token reaches the service: grpc-status 0 in the trailers,
    // a non-empty reply frame in the body.
    let token = sign(&w.dynamic_key, &dynamic_claims("user:basic"));
    let response = grpc_call(Some(token)).await.unwrap();
    assert_eq!(response.status(), reqwest::StatusCode::OK);
    assert!(response.headers().get("grpc-status").is_none());
    let body = response.bytes().await.unwrap();
    assert_eq!(body[0], 0, "uncompressed frame");
    assert!(body.len() > 5);
}
