//! Shared helpers of the wallet sign-in tests (`tests/http_signin.rs`, `tests/cli_signin.rs`):
//! Sign-In with Ethereum and Sign In With Solana messages written by hand (EIP-4361 and Phantom's
//! format, every field chosen by the test), signed with real keys from fixed secrets (k256 for
//! EIP-191, aws-lc-rs for Ed25519), and the sign-in routes plus a `/me` route behind the layer,
//! served for real on 127.0.0.1 from one `AuthConfig` value (so the routes and the layer share
//! the session keys and the revocation list).
#![allow(
    dead_code,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

pub mod http_asserts;
use std::path::Path;

use aws_lc_rs::signature::{Ed25519KeyPair, KeyPair as _};
use axum::Json;
use axum::Router;
use axum::routing::get;
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use k256::ecdsa::SigningKey;
use reqwest::StatusCode;
use serde_json::{Value, json};
use wallet_auth::layer::signin::{SessionKeys, SigninRoutes, SigninService};
use wallet_auth::layer::{AuthConfig, AuthLayer, Authenticated};

pub use test_support::now;

/// `[signin] issuer` (and so the sessions' `iss` and `aud`).
pub const ISSUER: &str = "https://api.wallet-auth.test";
/// The CAIP-2 chain of Solana mainnet.
pub const SOLANA_MAINNET: &str = "solana:5eykt4UsFv8P8NJdTREpY1vzqKqZKvdp";
/// The secp256k1 private key 1 and its well-known address (every Ethereum tutorial's first key):
/// an independent check of the address the helpers derive.
pub const SCALAR_ONE: [u8; 32] = {
    let mut k = [0u8; 32];
    k[31] = 1;
    k
};
pub const SCALAR_ONE_ADDRESS: &str = "0x7E5F4552091A69125d5DfCb7b8C2659029395Bdf";
/// The order n of secp256k1, big-endian.
pub const SECP256K1_N: [u8; 32] = [
    0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFE,
    0xBA, 0xAE, 0xDC, 0xE6, 0xAF, 0x48, 0xA0, 0x3B, 0xBF, 0xD2, 0x5E, 0x8C, 0xD0, 0x36, 0x41, 0x41,
];

/// `secs` (since the epoch) as RFC 3339 (`2026-12-04T15:10:36Z`).
pub fn rfc3339(secs: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(secs)
        .unwrap()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap()
}

// --- Ethereum -----------------------------------------------------------------------------------

/// An Ethereum account from a fixed 32-byte secp256k1 scalar.
pub struct EvmWallet {
    key: SigningKey,
}

impl EvmWallet {
    pub fn from_scalar(scalar: [u8; 32]) -> Self {
        EvmWallet {
            key: SigningKey::from_bytes(&scalar.into()).unwrap(),
        }
    }

    /// The EIP-55 address.
    pub fn address(&self) -> String {
        wallet_auth::signin::eip55(&wallet_auth::signin::evm_signature::address_of(
            self.key.verifying_key(),
        ))
    }

    /// The 65-byte `personal_sign` signature of `text`: `r ‖ s ‖ v`, v = 27 + recovery id.
    pub fn sign(&self, text: &str) -> [u8; 65] {
        let hash = wallet_auth::signin::eip191_hash(text.as_bytes());
        let (signature, recovery) = self.key.sign_prehash_recoverable(&hash).unwrap();
        let mut out = [0u8; 65];
        out[..64].copy_from_slice(&signature.to_bytes());
        out[64] = 27 + recovery.to_byte();
        out
    }

    /// [`EvmWallet::sign`] as `0x` and hex.
    pub fn sign_hex(&self, text: &str) -> String {
        hex0x(&self.sign(text))
    }
}

/// `0x` and lower-case hex.
pub fn hex0x(bytes: &[u8]) -> String {
    let digits: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!("0x{digits}")
}

/// The high-s twin of a (low-s) signature: s' = n − s and the parity flipped.
pub fn high_s(signature: &[u8; 65]) -> [u8; 65] {
    let mut out = *signature;
    let mut borrow = 0i16;
    for i in (0..32).rev() {
        let mut d = i16::from(SECP256K1_N[i]) - i16::from(signature[32 + i]) - borrow;
        borrow = if d < 0 {
            d += 256;
            1
        } else {
            0
        };
        out[32 + i] = u8::try_from(d).unwrap();
    }
    assert_eq!(borrow, 0, "s is below n");
    out[64] = if signature[64] == 27 { 28 } else { 27 };
    out
}

/// A Sign-In with Ethereum message, field by field (EIP-4361); `None` leaves a line out.
#[derive(Clone, Debug)]
pub struct Siwe {
    pub scheme: Option<String>,
    pub domain: String,
    pub address: String,
    pub statement: Option<String>,
    pub uri: String,
    pub version: Option<String>,
    pub chain_id: String,
    pub nonce: String,
    pub issued_at: String,
    pub expiration_time: Option<String>,
    pub not_before: Option<String>,
    pub request_id: Option<String>,
    pub resources: Vec<String>,
}

impl Siwe {
    /// A message for `server`'s domain and URI, by `address`, on chain 1, issued now.
    pub fn new(server: &Server, address: &str, nonce: &str) -> Self {
        Siwe {
            scheme: None,
            domain: server.domain.clone(),
            address: address.to_owned(),
            statement: Some("Sign in to the wallet-auth tests.".to_owned()),
            uri: server.base.clone(),
            version: Some("1".to_owned()),
            chain_id: "1".to_owned(),
            nonce: nonce.to_owned(),
            issued_at: rfc3339(now()),
            expiration_time: None,
            not_before: None,
            request_id: None,
            resources: Vec::new(),
        }
    }

    /// The message text, lines separated by LF.
    pub fn text(&self) -> String {
        let mut out = String::new();
        if let Some(scheme) = &self.scheme {
            out.push_str(&format!("{scheme}://"));
        }
        out.push_str(&format!(
            "{} wants you to sign in with your Ethereum account:\n{}\n\n",
            self.domain, self.address
        ));
        if let Some(statement) = &self.statement {
            out.push_str(&format!("{statement}\n"));
        }
        out.push_str(&format!("\nURI: {}\n", self.uri));
        if let Some(version) = &self.version {
            out.push_str(&format!("Version: {version}\n"));
        }
        out.push_str(&format!(
            "Chain ID: {}\nNonce: {}\nIssued At: {}",
            self.chain_id, self.nonce, self.issued_at
        ));
        if let Some(exp) = &self.expiration_time {
            out.push_str(&format!("\nExpiration Time: {exp}"));
        }
        if let Some(nbf) = &self.not_before {
            out.push_str(&format!("\nNot Before: {nbf}"));
        }
        if let Some(id) = &self.request_id {
            out.push_str(&format!("\nRequest ID: {id}"));
        }
        if !self.resources.is_empty() {
            out.push_str("\nResources:");
            for r in &self.resources {
                out.push_str(&format!("\n- {r}"));
            }
        }
        out
    }

    /// The body of `POST /signin/siwe`: this message signed by `wallet`.
    pub fn body(&self, wallet: &EvmWallet) -> Value {
        let text = self.text();
        json!({ "message": text, "signature": wallet.sign_hex(&text) })
    }
}

// --- Solana -------------------------------------------------------------------------------------

/// A Solana account from a fixed Ed25519 seed.
pub struct SolanaWallet {
    pair: Ed25519KeyPair,
}

impl SolanaWallet {
    pub fn from_seed(seed: [u8; 32]) -> Self {
        SolanaWallet {
            pair: Ed25519KeyPair::from_seed_unchecked(&seed).unwrap(),
        }
    }

    /// The base58 address (the public key).
    pub fn address(&self) -> String {
        bs58::encode(self.pair.public_key().as_ref()).into_string()
    }

    /// The 64-byte Ed25519 signature of `text`.
    pub fn sign(&self, text: &str) -> Vec<u8> {
        self.pair.sign(text.as_bytes()).as_ref().to_vec()
    }

    pub fn sign_base58(&self, text: &str) -> String {
        bs58::encode(self.sign(text)).into_string()
    }

    pub fn sign_base64(&self, text: &str) -> String {
        STANDARD.encode(self.sign(text))
    }
}

/// A Sign In With Solana message, field by field (Phantom's format); `None` leaves a line out.
#[derive(Clone, Debug)]
pub struct Siws {
    pub domain: String,
    pub address: String,
    pub statement: Option<String>,
    pub uri: Option<String>,
    pub version: Option<String>,
    pub chain_id: Option<String>,
    pub nonce: Option<String>,
    pub issued_at: Option<String>,
}

impl Siws {
    /// A message for `server`'s domain and URI, by `address`, on mainnet, issued now.
    pub fn new(server: &Server, address: &str, nonce: &str) -> Self {
        Siws {
            domain: server.domain.clone(),
            address: address.to_owned(),
            statement: Some("Sign in to the wallet-auth tests.".to_owned()),
            uri: Some(server.base.clone()),
            version: Some("1".to_owned()),
            chain_id: Some("mainnet".to_owned()),
            nonce: Some(nonce.to_owned()),
            issued_at: Some(rfc3339(now())),
        }
    }

    pub fn text(&self) -> String {
        let mut out = format!(
            "{} wants you to sign in with your Solana account:\n{}",
            self.domain, self.address
        );
        if let Some(statement) = &self.statement {
            out.push_str(&format!("\n\n{statement}"));
        }
        let fields: Vec<String> = [
            ("URI", &self.uri),
            ("Version", &self.version),
            ("Chain ID", &self.chain_id),
            ("Nonce", &self.nonce),
            ("Issued At", &self.issued_at),
        ]
        .iter()
        .filter_map(|(key, value)| value.as_ref().map(|v| format!("{key}: {v}")))
        .collect();
        if !fields.is_empty() {
            out.push_str("\n\n");
            out.push_str(&fields.join("\n"));
        }
        out
    }

    /// The body of `POST /signin/siws`: this message signed by `wallet` (base58).
    pub fn body(&self, wallet: &SolanaWallet) -> Value {
        let text = self.text();
        json!({ "message": text, "signature": wallet.sign_base58(&text) })
    }
}

// --- session keys on disk -----------------------------------------------------------------------

/// A fresh P-256 key as PKCS#8 DER.
pub fn p256_pkcs8() -> Vec<u8> {
    use aws_lc_rs::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair};
    let rng = aws_lc_rs::rand::SystemRandom::new();
    EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &rng)
        .unwrap()
        .as_ref()
        .to_vec()
}

/// A fresh Ed25519 key as PKCS#8 DER.
pub fn ed25519_pkcs8() -> Vec<u8> {
    let rng = aws_lc_rs::rand::SystemRandom::new();
    Ed25519KeyPair::generate_pkcs8(&rng)
        .unwrap()
        .as_ref()
        .to_vec()
}

/// Write `der` as a `PRIVATE KEY` PEM file in `dir`; returns its path.
pub fn write_pem(dir: &Path, name: &str, der: &[u8]) -> String {
    let path = dir.join(name);
    std::fs::write(&path, test_support::pem("PRIVATE KEY", der)).unwrap();
    path.to_str().unwrap().to_owned()
}

/// The RFC 7638 thumbprint of a P-256 PKCS#8 key, computed here from its public point.
pub fn p256_thumbprint(pkcs8: &[u8]) -> String {
    use aws_lc_rs::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair};
    let pair = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, pkcs8).unwrap();
    let point = pair.public_key().as_ref();
    assert_eq!((point.len(), point[0]), (65, 4));
    let canonical = format!(
        r#"{{"crv":"P-256","kty":"EC","x":"{}","y":"{}"}}"#,
        URL_SAFE_NO_PAD.encode(&point[1..33]),
        URL_SAFE_NO_PAD.encode(&point[33..65])
    );
    URL_SAFE_NO_PAD.encode(aws_lc_rs::digest::digest(
        &aws_lc_rs::digest::SHA256,
        canonical.as_bytes(),
    ))
}

/// The RFC 7638 thumbprint of an Ed25519 PKCS#8 key.
pub fn ed25519_thumbprint(pkcs8: &[u8]) -> String {
    let pair = Ed25519KeyPair::from_pkcs8(pkcs8).unwrap();
    let canonical = format!(
        r#"{{"crv":"Ed25519","kty":"OKP","x":"{}"}}"#,
        URL_SAFE_NO_PAD.encode(pair.public_key().as_ref())
    );
    URL_SAFE_NO_PAD.encode(aws_lc_rs::digest::digest(
        &aws_lc_rs::digest::SHA256,
        canonical.as_bytes(),
    ))
}

/// The decoded header and claims of a JWT.
pub fn decode_jwt(token: &str) -> (Value, Value) {
    let parts: Vec<&str> = token.split('.').collect();
    assert_eq!(parts.len(), 3, "{token}");
    let part = |p: &str| serde_json::from_slice(&URL_SAFE_NO_PAD.decode(p).unwrap()).unwrap();
    (part(parts[0]), part(parts[1]))
}

// --- the server ---------------------------------------------------------------------------------

/// What the served configuration says beyond the defaults.
#[derive(Clone, Debug)]
pub struct Setup {
    /// `[signin.solana] chain_ids = ["mainnet"]`.
    pub solana: bool,
    /// The inside of `[signin.solana] chain_ids = [...]` (default `"mainnet"`).
    pub solana_chain_ids: String,
    /// `[signin.ethereum] chain_ids = [1, 8453]`.
    pub ethereum: bool,
    /// More lines of `[signin]` (`cookie = "…"`, `session_ttl_secs = …`).
    pub signin_lines: String,
    /// More tables before `[signin]` (`[token]`).
    pub tables: String,
    /// `signing_key_files`; empty: keys generated in code.
    pub key_files: Vec<String>,
    /// `[signin.ethereum.rpc]` entries: chain id → URL (with `[jwks] allow_http` in `tables`
    /// for loopback).
    pub ethereum_rpc: Vec<(u64, String)>,
}

impl Default for Setup {
    fn default() -> Self {
        Setup {
            solana: true,
            solana_chain_ids: "\"mainnet\"".to_owned(),
            ethereum: true,
            signin_lines: String::new(),
            tables: String::new(),
            key_files: Vec::new(),
            ethereum_rpc: Vec::new(),
        }
    }
}

/// The sign-in routes and `/me` (behind the layer) served on 127.0.0.1.
pub struct Server {
    /// `http://127.0.0.1:<port>`.
    pub base: String,
    /// `127.0.0.1:<port>`.
    pub domain: String,
    pub client: reqwest::Client,
    pub service: SigninService,
    pub config: AuthConfig,
}

/// `GET /me`: who the layer says the token speaks for.
async fn me(auth: Authenticated) -> Json<Value> {
    Json(auth.to_json())
}

/// The TOML served for `domain` with `setup`.
pub fn config_toml(domain: &str, setup: &Setup) -> String {
    let mut text = format!(
        "{}\n[signin]\ndomain = \"{domain}\"\nuri = \"http://{domain}\"\nissuer = \"{ISSUER}\"\n{}\n",
        setup.tables, setup.signin_lines
    );
    if !setup.key_files.is_empty() {
        let files: Vec<String> = setup.key_files.iter().map(|f| format!("{f:?}")).collect();
        text.push_str(&format!("signing_key_files = [{}]\n", files.join(", ")));
    }
    if setup.ethereum {
        text.push_str("[signin.ethereum]\nchain_ids = [1, 8453]\n");
        if !setup.ethereum_rpc.is_empty() {
            text.push_str("[signin.ethereum.rpc]\n");
            for (chain, url) in &setup.ethereum_rpc {
                text.push_str(&format!("\"{chain}\" = \"{url}\"\n"));
            }
        }
    }
    if setup.solana {
        text.push_str(&format!(
            "[signin.solana]\nchain_ids = [{}]\n",
            setup.solana_chain_ids
        ));
    }
    text
}

impl Server {
    /// Bind, then configure for the bound address, then serve.
    pub async fn start(setup: Setup) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let domain = listener.local_addr().unwrap().to_string();
        let mut config = AuthConfig::from_toml_str(&config_toml(&domain, &setup)).unwrap();
        if setup.key_files.is_empty() {
            config.signin = config
                .signin
                .take()
                .map(|s| s.with_session_keys(SessionKeys::generate().unwrap()));
        }
        // One configuration for both: the layer refuses what the routes revoke.
        let layer = AuthLayer::from_config(&config).unwrap();
        let service = config.signin_service_connect().await.unwrap().unwrap();
        let app: Router = SigninRoutes::new(service.clone())
            .router()
            .merge(Router::new().route("/me", get(me)).layer(layer));
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        Server {
            base: format!("http://{domain}"),
            domain,
            client: reqwest::Client::builder().no_proxy().build().unwrap(),
            service,
            config,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// `GET /signin/nonce`'s nonce.
    pub async fn nonce(&self) -> String {
        let res = self
            .client
            .get(self.url("/signin/nonce"))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        let body: Value = res.json().await.unwrap();
        body["nonce"].as_str().unwrap().to_owned()
    }

    /// `POST path` with a JSON body.
    pub async fn post(&self, path: &str, body: &Value) -> reqwest::Response {
        self.client
            .post(self.url(path))
            .header("content-type", "application/json")
            .body(body.to_string())
            .send()
            .await
            .unwrap()
    }

    /// `POST path` with these exact bytes.
    pub async fn post_bytes(&self, path: &str, body: Vec<u8>) -> reqwest::Response {
        self.client
            .post(self.url(path))
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .unwrap()
    }

    /// `GET /.well-known/jwks.json`: the published session keys.
    pub async fn jwks(&self) -> Value {
        self.client
            .get(self.url("/.well-known/jwks.json"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }

    /// `GET /me` with `Authorization: Bearer token`.
    pub async fn me(&self, token: &str) -> reqwest::Response {
        self.client
            .get(self.url("/me"))
            .bearer_auth(token)
            .send()
            .await
            .unwrap()
    }

    /// `POST /signin/logout` with the session as bearer.
    pub async fn logout(&self, token: &str) -> reqwest::Response {
        self.client
            .post(self.url("/signin/logout"))
            .bearer_auth(token)
            .send()
            .await
            .unwrap()
    }

    /// A signed-in session of `wallet` on chain 1: the success body.
    pub async fn sign_in(&self, wallet: &EvmWallet) -> Value {
        let nonce = self.nonce().await;
        let body = Siwe::new(self, &wallet.address(), &nonce).body(wallet);
        let res = self.post("/signin/siwe", &body).await;
        assert_eq!(res.status(), StatusCode::OK);
        res.json().await.unwrap()
    }
}

/// A refusal's status, `error` and `error_description` (the body must be exactly these two, and
/// `Cache-Control: no-store`).
pub async fn refusal(res: reqwest::Response) -> (StatusCode, String, String) {
    let status = res.status();
    assert_eq!(
        res.headers()
            .get("cache-control")
            .map(|v| v.to_str().unwrap()),
        Some("no-store")
    );
    let body: Value = res.json().await.unwrap();
    let object = body.as_object().unwrap();
    assert_eq!(object.len(), 2, "{body}");
    (
        status,
        body["error"].as_str().unwrap().to_owned(),
        body["error_description"].as_str().unwrap().to_owned(),
    )
}

/// A refusal's status and `error` code.
pub async fn code(res: reqwest::Response) -> (StatusCode, String) {
    let (status, code, _) = refusal(res).await;
    (status, code)
}

/// `(status, code)` expected of a refusal.
pub fn expect(status: StatusCode, code: &str) -> (StatusCode, String) {
    (status, code.to_owned())
}
