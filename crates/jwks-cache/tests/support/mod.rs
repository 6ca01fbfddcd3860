//! A real JWKS server (axum on 127.0.0.1, port 0, on its own thread and runtime so tests may pause their clock)
//! and real keys generated with aws-lc-rs.
#![allow(
    dead_code,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{
    ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, Ed25519KeyPair, KeyPair as _, RSA_PKCS1_SHA256,
    RsaKeyPair, RsaPublicKeyComponents,
};
use axum::Router;
use axum::body::Body;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use jwks_cache::{HttpFetcher, JwksCache, JwksCacheBuilder};
use serde_json::{Value, json};

/// What the `/jwks` endpoint does.
#[derive(Debug, Clone)]
pub enum Behaviour {
    /// 200 with the current keys body.
    Keys,
    /// Answer with this status and an empty body.
    Status(u16),
    /// Sleep this long (real time) before answering with the keys.
    Hang(Duration),
    /// 200 with a body that is not JSON.
    Garbage,
    /// 200 with 5 MiB, with a Content-Length header.
    HugeWithLength,
    /// 200 with 5 MiB streamed in chunks, no Content-Length.
    HugeChunked,
    /// 302 to `/moved`, which serves the keys.
    Redirect,
}

struct ServerState {
    hits: AtomicU64,
    moved_hits: AtomicU64,
    behaviour: Mutex<Behaviour>,
    body: Mutex<String>,
    max_age: Mutex<Option<u64>>,
}

/// A running JWKS server.
pub struct JwksServer {
    addr: SocketAddr,
    state: Arc<ServerState>,
    shutdown: Mutex<Option<tokio::sync::oneshot::Sender<()>>>,
    stopped: Mutex<Option<std::sync::mpsc::Receiver<()>>>,
}

const HUGE: usize = 5 * 1024 * 1024;

async fn jwks_handler(State(s): State<Arc<ServerState>>) -> Response {
    s.hits.fetch_add(1, Ordering::SeqCst);
    let behaviour = s.behaviour.lock().unwrap().clone();
    match behaviour {
        Behaviour::Keys => keys_response(&s),
        Behaviour::Status(code) => StatusCode::from_u16(code).unwrap().into_response(),
        Behaviour::Hang(d) => {
            tokio::time::sleep(d).await;
            keys_response(&s)
        }
        Behaviour::Garbage => {
            (StatusCode::OK, "<html>this is not a key set</html>").into_response()
        }
        Behaviour::HugeWithLength => {
            let mut body = String::from("{\"keys\":[],\"pad\":\"");
            body.push_str(&"a".repeat(HUGE));
            body.push_str("\"}");
            (StatusCode::OK, body).into_response()
        }
        Behaviour::HugeChunked => {
            let chunks = (0..HUGE / 65536).map(|_| Ok::<_, Infallible>(vec![b' '; 65536]));
            Response::new(Body::from_stream(futures_util::stream::iter(chunks)))
        }
        Behaviour::Redirect => (StatusCode::FOUND, [(header::LOCATION, "/moved")]).into_response(),
    }
}

async fn moved(State(s): State<Arc<ServerState>>) -> Response {
    s.moved_hits.fetch_add(1, Ordering::SeqCst);
    keys_response(&s)
}

fn keys_response(s: &ServerState) -> Response {
    let body = s.body.lock().unwrap().clone();
    let mut response = (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "application/jwk-set+json")],
        body,
    )
        .into_response();
    if let Some(age) = *s.max_age.lock().unwrap() {
        response.headers_mut().insert(
            header::CACHE_CONTROL,
            format!("public, max-age={age}").parse().unwrap(),
        );
    }
    response
}

impl JwksServer {
    /// Starts a server that serves `body` at `/jwks`.
    pub fn start(body: String) -> Self {
        let state = Arc::new(ServerState {
            hits: AtomicU64::new(0),
            moved_hits: AtomicU64::new(0),
            behaviour: Mutex::new(Behaviour::Keys),
            body: Mutex::new(body),
            max_age: Mutex::new(None),
        });
        let app = Router::new()
            .route("/jwks", get(jwks_handler))
            .route("/moved", get(moved))
            .with_state(Arc::clone(&state));
        let (tx, rx) = std::sync::mpsc::channel();
        let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
        let (done_tx, done_rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async move {
                let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
                tx.send(listener.local_addr().unwrap()).unwrap();
                axum::serve(listener, app)
                    .with_graceful_shutdown(async move {
                        let _ = stop_rx.await;
                    })
                    .await
                    .unwrap();
            });
            let _ = done_tx.send(());
        });
        let addr = rx.recv().unwrap();
        Self {
            addr,
            state,
            shutdown: Mutex::new(Some(stop_tx)),
            stopped: Mutex::new(Some(done_rx)),
        }
    }

    /// Stops listening: from now on connections are refused ("endpoint down").
    pub fn stop(&self) {
        if let Some(tx) = self.shutdown.lock().unwrap().take() {
            let _ = tx.send(());
        }
        if let Some(rx) = self.stopped.lock().unwrap().take() {
            rx.recv_timeout(Duration::from_secs(10)).unwrap();
        }
    }

    /// `http://127.0.0.1:PORT/jwks`
    pub fn url(&self) -> String {
        format!("http://{}/jwks", self.addr)
    }
    /// Requests received at `/jwks`.
    pub fn hits(&self) -> u64 {
        self.state.hits.load(Ordering::SeqCst)
    }
    /// Requests received at `/moved` (the redirect target).
    pub fn moved_hits(&self) -> u64 {
        self.state.moved_hits.load(Ordering::SeqCst)
    }
    /// Serve this body from now on.
    pub fn set_body(&self, body: String) {
        *self.state.body.lock().unwrap() = body;
    }
    /// Switch behaviour.
    pub fn set_behaviour(&self, b: Behaviour) {
        *self.state.behaviour.lock().unwrap() = b;
    }
    /// Send `Cache-Control: public, max-age=N` (or nothing).
    pub fn set_max_age(&self, age: Option<u64>) {
        *self.state.max_age.lock().unwrap() = age;
    }
}

enum Signer {
    Rsa(RsaKeyPair),
    Ec(EcdsaKeyPair),
    Ed(Ed25519KeyPair),
}

/// A freshly generated key pair and its public JWK.
pub struct TestKey {
    pub kid: String,
    pub alg: jwks_cache::Algorithm,
    pub jwk: Value,
    signer: Signer,
}

fn b64(bytes: &[u8]) -> String {
    B64.encode(bytes)
}

impl TestKey {
    /// RSA-2048, RS256, `{"kty":"RSA","kid":..,"n":..,"e":..}` (no alg/use).
    pub fn rsa(kid: &str) -> Self {
        let kp = RsaKeyPair::generate(aws_lc_rs::rsa::KeySize::Rsa2048).unwrap();
        let c = RsaPublicKeyComponents::<Vec<u8>>::from(kp.public_key());
        let jwk = json!({"kty": "RSA", "kid": kid, "n": b64(&c.n), "e": b64(&c.e)});
        Self {
            kid: kid.into(),
            alg: jwks_cache::Algorithm::RS256,
            jwk,
            signer: Signer::Rsa(kp),
        }
    }
    /// P-256, ES256.
    pub fn ec(kid: &str) -> Self {
        let kp = EcdsaKeyPair::generate(&ECDSA_P256_SHA256_FIXED_SIGNING).unwrap();
        let point = kp.public_key().as_ref().to_vec();
        assert_eq!(point.len(), 65);
        let jwk = json!({"kty": "EC", "crv": "P-256", "kid": kid, "x": b64(&point[1..33]), "y": b64(&point[33..])});
        Self {
            kid: kid.into(),
            alg: jwks_cache::Algorithm::ES256,
            jwk,
            signer: Signer::Ec(kp),
        }
    }
    /// Ed25519, EdDSA.
    pub fn ed(kid: &str) -> Self {
        let kp = Ed25519KeyPair::generate().unwrap();
        let jwk =
            json!({"kty": "OKP", "crv": "Ed25519", "kid": kid, "x": b64(kp.public_key().as_ref())});
        Self {
            kid: kid.into(),
            alg: jwks_cache::Algorithm::EdDSA,
            jwk,
            signer: Signer::Ed(kp),
        }
    }
    /// The JWK with extra members merged in (or removed when the value is null).
    pub fn jwk_with(&self, extra: Value) -> Value {
        test_support::patched(self.jwk.clone(), extra)
    }
    /// A compact JWS over `{"sub":"alice"}` with this key's kid and alg.
    pub fn token(&self) -> String {
        let alg = jwks_cache::alg_name(self.alg);
        let header = b64(json!({"alg": alg, "kid": self.kid, "typ": "JWT"})
            .to_string()
            .as_bytes());
        let claims = b64(json!({"sub": "alice"}).to_string().as_bytes());
        let input = format!("{header}.{claims}");
        let sig = match &self.signer {
            Signer::Rsa(kp) => {
                let mut sig = vec![0; kp.public_modulus_len()];
                kp.sign(
                    &RSA_PKCS1_SHA256,
                    &SystemRandom::new(),
                    input.as_bytes(),
                    &mut sig,
                )
                .unwrap();
                sig
            }
            Signer::Ec(kp) => kp
                .sign(&SystemRandom::new(), input.as_bytes())
                .unwrap()
                .as_ref()
                .to_vec(),
            Signer::Ed(kp) => kp.sign(input.as_bytes()).as_ref().to_vec(),
        };
        format!("{input}.{}", b64(&sig))
    }
}

/// `{"keys":[...]}`
pub fn jwks(keys: &[&Value]) -> String {
    json!({ "keys": keys }).to_string()
}

/// Verifies `token` with `key` through jsonwebtoken; returns the `sub` claim.
pub fn verify(token: &str, key: &jwks_cache::JwksKey) -> Result<String, claims_core::VerifyError> {
    // The product's path: header rules, then the signature with the key object built at fetch time.
    let parsed = claims_core::UnverifiedToken::parse(token, claims_core::DEFAULT_MAX_TOKEN_BYTES)?;
    let alg = parsed.header().check()?;
    claims_core::verify_signature(&parsed, alg, key.verifying_key())?;
    let claims: Value = serde_json::from_slice(parsed.payload()).unwrap();
    Ok(claims["sub"].as_str().unwrap_or_default().to_owned())
}

/// A builder for paused-clock tests: loopback http allowed, and a fetcher without a timeout (a pending timer would
/// make tokio's paused clock jump while a real request is in flight).
pub fn paused_builder() -> JwksCacheBuilder {
    let fetcher = HttpFetcher::builder()
        .timeout(None)
        .allow_http(true)
        .build()
        .unwrap();
    JwksCache::builder()
        .allow_http(true)
        .fetcher(Arc::new(fetcher))
        .without_fetch_timeout()
}

/// Drives the runtime (without touching the clock) until `pred` holds; panics after 10 s of real time.
pub async fn until(mut pred: impl FnMut() -> bool) {
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while !pred() {
        assert!(
            std::time::Instant::now() < deadline,
            "condition not reached within 10 s"
        );
        tokio::task::yield_now().await;
    }
}
