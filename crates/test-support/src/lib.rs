//! Test helpers shared by the workspace's tests: real keys generated with aws-lc-rs and tokens
//! signed by hand (header + payload + signature), independently of the code under test.
//!
//! Not part of the product; only ever a dev-dependency.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

#[cfg(feature = "server")]
pub mod discovery_server;
#[cfg(feature = "server")]
pub mod jwks_server;
mod jwt_key;
pub mod proc_stats;

pub use jwt_key::{DecodingKey, jwt_algorithm};

/// An example of the root package (`server`), built by `cargo test` next to the running test's
/// own binary (`target/<profile>/examples/`).
pub fn example_binary(name: &str) -> std::path::PathBuf {
    let path = std::env::current_exe()
        .ok()
        .and_then(|exe| Some(exe.parent()?.parent()?.join("examples")))
        .unwrap_or_default()
        .join(format!("{name}{}", std::env::consts::EXE_SUFFIX));
    assert!(
        path.exists(),
        "{} is missing: run the whole suite (`cargo test --workspace --all-features`), which builds the examples",
        path.display()
    );
    path
}

/// criterion's median estimate for `group/bench` of the last run, in nanoseconds (from
/// `$CRITERION_HOME`, else `$CARGO_TARGET_DIR/criterion`, else the workspace's `target/criterion`).
pub fn criterion_median_ns(group: &str, bench: &str) -> Option<f64> {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target"));
    let criterion = std::env::var_os("CRITERION_HOME")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| target.join("criterion"));
    let path = criterion.join(group).join(bench).join("new/estimates.json");
    let json: serde_json::Value = serde_json::from_slice(&std::fs::read(path).ok()?).ok()?;
    json["median"]["point_estimate"].as_f64()
}

use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::rsa::KeySize;
use aws_lc_rs::signature::{
    ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, Ed25519KeyPair, KeyPair as _, RSA_PKCS1_SHA256,
    RsaPublicKeyComponents,
};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};

/// base64url without padding.
pub fn b64(bytes: impl AsRef<[u8]>) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// The current time in seconds since the epoch.
pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

/// A number this process never hands out twice (unique temp dirs, `jti`s).
pub fn unique() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    N.fetch_add(1, Ordering::Relaxed)
}

/// A new, empty directory `wallet-auth-<name>-<pid>-<n>` under the system's temp dir.
pub fn temp_dir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "wallet-auth-{name}-{}-{}",
        std::process::id(),
        unique()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// `value` (a JSON object) with `patch` merged in: each member of `patch` replaces the member of
/// that name, and a `null` member removes it.
pub fn patched(mut value: Value, patch: Value) -> Value {
    for (k, v) in patch.as_object().unwrap() {
        if v.is_null() {
            value.as_object_mut().unwrap().remove(k);
        } else {
            value[k] = v.clone();
        }
    }
    value
}

/// Something that signs a JWS signing input.
pub trait Signer {
    /// The JOSE `alg`.
    fn alg(&self) -> &'static str;
    /// The key id, if any.
    fn kid(&self) -> Option<&str>;
    /// Sign `msg`.
    fn sign(&self, msg: &[u8]) -> Vec<u8>;
}

/// An RSA-2048 key pair signing RS256.
pub struct RsaKey {
    /// The key id.
    pub kid: String,
    pair: aws_lc_rs::rsa::KeyPair,
}

impl RsaKey {
    /// A fresh RSA-2048 key with `kid`.
    pub fn generate(kid: &str) -> Self {
        Self::generate_size(kid, KeySize::Rsa2048)
    }
    /// A fresh RSA key of another size.
    pub fn generate_size(kid: &str, size: KeySize) -> Self {
        RsaKey {
            kid: kid.to_owned(),
            pair: aws_lc_rs::rsa::KeyPair::generate(size).unwrap(),
        }
    }
    /// (n, e) big-endian.
    pub fn components(&self) -> (Vec<u8>, Vec<u8>) {
        let c = RsaPublicKeyComponents::<Vec<u8>>::from(self.pair.public_key());
        (c.n, c.e)
    }
    /// The verification key.
    pub fn decoding_key(&self) -> DecodingKey {
        let (n, e) = self.components();
        DecodingKey::from_rsa_raw_components(&n, &e)
    }
    /// The public JWK (`kty`, `kid`, `n`, `e`, `alg`, `use`).
    pub fn jwk(&self) -> Value {
        let (n, e) = self.components();
        json!({"kty": "RSA", "kid": self.kid, "n": b64(n), "e": b64(e), "alg": "RS256", "use": "sig"})
    }
    /// SubjectPublicKeyInfo DER.
    pub fn spki_der(&self) -> Vec<u8> {
        self.pair.public_key().as_der().unwrap().as_ref().to_vec()
    }
    /// SubjectPublicKeyInfo PEM.
    pub fn spki_pem(&self) -> String {
        pem("PUBLIC KEY", &self.spki_der())
    }
}

impl Signer for RsaKey {
    fn alg(&self) -> &'static str {
        "RS256"
    }
    fn kid(&self) -> Option<&str> {
        Some(&self.kid)
    }
    fn sign(&self, msg: &[u8]) -> Vec<u8> {
        let mut sig = vec![0; self.pair.public_modulus_len()];
        self.pair
            .sign(&RSA_PKCS1_SHA256, &SystemRandom::new(), msg, &mut sig)
            .unwrap();
        sig
    }
}

/// A P-256 key pair signing ES256.
pub struct EcKey {
    /// The key id.
    pub kid: String,
    pair: EcdsaKeyPair,
}

impl EcKey {
    /// A fresh P-256 key with `kid`.
    pub fn generate(kid: &str) -> Self {
        EcKey {
            kid: kid.to_owned(),
            pair: EcdsaKeyPair::generate(&ECDSA_P256_SHA256_FIXED_SIGNING).unwrap(),
        }
    }
    /// (x, y).
    pub fn components(&self) -> (Vec<u8>, Vec<u8>) {
        let p = self.pair.public_key().as_ref();
        (p[1..33].to_vec(), p[33..65].to_vec())
    }
    /// The verification key.
    pub fn decoding_key(&self) -> DecodingKey {
        let (x, y) = self.components();
        DecodingKey::from_ec_components(&b64(x), &b64(y)).unwrap()
    }
    /// The public JWK.
    pub fn jwk(&self) -> Value {
        let (x, y) = self.components();
        json!({"kty": "EC", "crv": "P-256", "kid": self.kid, "x": b64(x), "y": b64(y), "alg": "ES256", "use": "sig"})
    }
    /// SubjectPublicKeyInfo DER.
    pub fn spki_der(&self) -> Vec<u8> {
        self.pair.public_key().as_der().unwrap().as_ref().to_vec()
    }
    /// SubjectPublicKeyInfo PEM.
    pub fn spki_pem(&self) -> String {
        pem("PUBLIC KEY", &self.spki_der())
    }
}

impl Signer for EcKey {
    fn alg(&self) -> &'static str {
        "ES256"
    }
    fn kid(&self) -> Option<&str> {
        Some(&self.kid)
    }
    fn sign(&self, msg: &[u8]) -> Vec<u8> {
        self.pair
            .sign(&SystemRandom::new(), msg)
            .unwrap()
            .as_ref()
            .to_vec()
    }
}

/// An Ed25519 key pair signing EdDSA.
pub struct EdKey {
    /// The key id.
    pub kid: String,
    pair: Ed25519KeyPair,
}

impl EdKey {
    /// A fresh Ed25519 key with `kid`.
    pub fn generate(kid: &str) -> Self {
        EdKey {
            kid: kid.to_owned(),
            pair: Ed25519KeyPair::generate().unwrap(),
        }
    }
    /// The 32-byte public key.
    pub fn public(&self) -> Vec<u8> {
        self.pair.public_key().as_ref().to_vec()
    }
    /// The verification key.
    pub fn decoding_key(&self) -> DecodingKey {
        DecodingKey::from_ed_components(&b64(self.public())).unwrap()
    }
    /// The public JWK.
    pub fn jwk(&self) -> Value {
        json!({"kty": "OKP", "crv": "Ed25519", "kid": self.kid, "x": b64(self.public()), "alg": "EdDSA", "use": "sig"})
    }
}

impl Signer for EdKey {
    fn alg(&self) -> &'static str {
        "EdDSA"
    }
    fn kid(&self) -> Option<&str> {
        Some(&self.kid)
    }
    fn sign(&self, msg: &[u8]) -> Vec<u8> {
        self.pair.sign(msg).as_ref().to_vec()
    }
}

/// An HMAC secret signing HS256, HS384 or HS512.
pub struct Hmac {
    /// The JOSE alg: `HS256`, `HS384` or `HS512`.
    pub alg: &'static str,
    /// The secret bytes.
    pub secret: Vec<u8>,
}

impl Hmac {
    /// HS256 with `secret`.
    pub fn hs256(secret: &[u8]) -> Self {
        Hmac {
            alg: "HS256",
            secret: secret.to_vec(),
        }
    }
}

impl Signer for Hmac {
    fn alg(&self) -> &'static str {
        self.alg
    }
    fn kid(&self) -> Option<&str> {
        None
    }
    fn sign(&self, msg: &[u8]) -> Vec<u8> {
        let algorithm = match self.alg {
            "HS256" => aws_lc_rs::hmac::HMAC_SHA256,
            "HS384" => aws_lc_rs::hmac::HMAC_SHA384,
            "HS512" => aws_lc_rs::hmac::HMAC_SHA512,
            other => panic!("not an HMAC alg: {other}"),
        };
        let key = aws_lc_rs::hmac::Key::new(algorithm, &self.secret);
        aws_lc_rs::hmac::sign(&key, msg).as_ref().to_vec()
    }
}

/// The default header for `signer`: `{"alg": ..., "typ": "JWT", "kid": ...}`.
pub fn header_for(signer: &dyn Signer) -> Value {
    let mut h = json!({"alg": signer.alg(), "typ": "JWT"});
    if let Some(kid) = signer.kid() {
        h["kid"] = json!(kid);
    }
    h
}

/// Sign `claims` with `signer` under its default header.
pub fn sign(signer: &dyn Signer, claims: &Value) -> String {
    sign_with_header(signer, &header_for(signer), claims)
}

/// Sign `claims` with `signer` under `header` exactly as given.
pub fn sign_with_header(signer: &dyn Signer, header: &Value, claims: &Value) -> String {
    sign_raw(
        signer,
        header.to_string().as_bytes(),
        claims.to_string().as_bytes(),
    )
}

/// Sign raw header and payload bytes (for malformed-JSON cases).
pub fn sign_raw(signer: &dyn Signer, header: &[u8], payload: &[u8]) -> String {
    let input = format!("{}.{}", b64(header), b64(payload));
    let sig = signer.sign(input.as_bytes());
    format!("{input}.{}", b64(sig))
}

/// An unsigned token `header.payload.` (or with `signature` appended).
pub fn unsigned(header: &Value, claims: &Value, signature: &str) -> String {
    format!(
        "{}.{}.{signature}",
        b64(header.to_string()),
        b64(claims.to_string())
    )
}

/// A JWKS document of the given JWKs.
pub fn jwks(keys: &[Value]) -> Value {
    json!({ "keys": keys })
}

/// PEM-encode DER.
pub fn pem(label: &str, der: &[u8]) -> String {
    let b = base64::engine::general_purpose::STANDARD.encode(der);
    let mut out = format!("-----BEGIN {label}-----\n");
    for chunk in b.as_bytes().chunks(64) {
        out.push_str(std::str::from_utf8(chunk).unwrap());
        out.push('\n');
    }
    out.push_str(&format!("-----END {label}-----\n"));
    out
}

/// The built-in providers as an enum, for tests that go through each of them (`match`, loops).
/// The library names providers by [`claims_core::ProviderId`]; this converts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Provider {
    /// Para
    Para,
    /// Parra
    Parra,
    /// Sophon
    Sophon,
    /// Dynamic
    Dynamic,
    /// Web3Auth
    Web3Auth,
    /// Privy
    Privy,
}

impl Provider {
    /// Every built-in provider.
    pub const ALL: [Provider; 6] = [
        Provider::Para,
        Provider::Parra,
        Provider::Sophon,
        Provider::Dynamic,
        Provider::Web3Auth,
        Provider::Privy,
    ];

    /// The library's id.
    pub fn id(self) -> claims_core::ProviderId {
        use claims_core::ProviderId;
        match self {
            Provider::Para => ProviderId::PARA,
            Provider::Parra => ProviderId::PARRA,
            Provider::Sophon => ProviderId::SOPHON,
            Provider::Dynamic => ProviderId::DYNAMIC,
            Provider::Web3Auth => ProviderId::WEB3AUTH,
            Provider::Privy => ProviderId::PRIVY,
        }
    }

    /// The name (`web3auth`).
    pub fn as_str(self) -> &'static str {
        match self {
            Provider::Para => "para",
            Provider::Parra => "parra",
            Provider::Sophon => "sophon",
            Provider::Dynamic => "dynamic",
            Provider::Web3Auth => "web3auth",
            Provider::Privy => "privy",
        }
    }
}

impl AsRef<str> for Provider {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl std::fmt::Display for Provider {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl From<Provider> for claims_core::ProviderId {
    fn from(p: Provider) -> Self {
        p.id()
    }
}

impl PartialEq<Provider> for claims_core::ProviderId {
    fn eq(&self, other: &Provider) -> bool {
        self.as_str() == other.as_str()
    }
}

/// A [`claims_core::Identity`] from all its members (the type is `#[non_exhaustive]`), to compare
/// a verification's identity with.
pub fn identity(
    provider: claims_core::ProviderId,
    user_id: String,
    email: Option<String>,
    wallets: Vec<claims_core::Wallet>,
    issued_at: Option<i64>,
    expires_at: i64,
) -> claims_core::Identity {
    let mut id = claims_core::Identity::new(provider, user_id, expires_at);
    id.email = email;
    id.wallets = wallets;
    id.issued_at = issued_at;
    id
}
