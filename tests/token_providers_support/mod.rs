//! Helpers for `tests/http_token_providers.rs`: the example server run as a process from a
//! configuration written to a temp dir, its `/me` and `/metrics` answers, the claims a token
//! carries (decoded by hand), and tokens signed by keys the development issuer does not hold.
#![allow(
    dead_code,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::io::{BufRead as _, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use k256::ecdsa::SigningKey;
use reqwest::StatusCode;
use serde_json::{Value, json};
use wallet_auth::dev::DevIssuer;
use wallet_auth::signin::eip191_hash;
use wallet_auth::signin::evm_signature::{address_of, eip55};

/// A running example server (`target/<profile>/examples/server --config FILE`), killed on drop.
pub struct ExampleServer {
    child: Child,
    /// `http://127.0.0.1:<port>`.
    pub base: String,
}

impl Drop for ExampleServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl ExampleServer {
    /// Write `toml` to `auth.toml` in a fresh temp dir and start the example server with
    /// `--config` on it, listening on `127.0.0.1:0`; returns once it prints its address.
    pub fn start(toml: &str) -> Self {
        let dir = test_support::temp_dir("token-providers");
        let config = dir.join("auth.toml");
        std::fs::write(&config, toml).unwrap();
        let stderr_path = dir.join("stderr.log");
        let mut child = Command::new(test_support::example_binary("server"))
            .arg("--config")
            .arg(&config)
            .args(["--listen", "127.0.0.1:0"])
            // No `WALLET_AUTH__…` override from the environment reaches the configuration.
            .env_clear()
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(&stderr_path).unwrap())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let mut lines = BufReader::new(stdout).lines();
        let Some(Ok(first)) = lines.next() else {
            let status = child.wait().unwrap();
            panic!(
                "the example server stopped ({status}) before listening: {}",
                read(&stderr_path)
            );
        };
        // Keep reading: a closed pipe would end the server at its next line of output.
        std::thread::spawn(move || lines.map_while(Result::ok).for_each(drop));
        let base = first
            .strip_prefix("wallet-auth example server listening on ")
            .unwrap_or_else(|| panic!("unexpected first line: {first}"))
            .to_owned();
        ExampleServer { child, base }
    }

    /// `GET /me` with `token`: the status, the JSON body and `WWW-Authenticate`.
    pub async fn me(&self, token: &str) -> (StatusCode, Value, Option<String>) {
        let res = client()
            .get(format!("{}/me", self.base))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        let status = res.status();
        let www = res
            .headers()
            .get("www-authenticate")
            .map(|v| v.to_str().unwrap().to_owned());
        let body = res.json().await.unwrap();
        (status, body, www)
    }

    /// The `wallet_auth_verifications_total` samples of its `/metrics` ([`verifications`]).
    pub async fn verifications(&self) -> Vec<String> {
        verifications(&self.base).await
    }
}

/// The `wallet_auth_verifications_total` samples of `<base>/metrics` (the example server's and
/// `wallet-auth serve`'s), sorted: `provider=… outcome=… reason=… <count>`.
pub async fn verifications(base: &str) -> Vec<String> {
    let text = client()
        .get(format!("{base}/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let mut samples: Vec<String> = text
        .lines()
        .filter_map(|l| l.strip_prefix("wallet_auth_verifications_total{"))
        .map(|l| {
            let (labels, count) = l.split_once("} ").unwrap();
            let labels: Vec<String> = labels.split(',').map(|kv| kv.replace('"', "")).collect();
            format!("{} {count}", labels.join(" "))
        })
        .collect();
    samples.sort();
    samples
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_default()
}

/// A client that never goes through a proxy from the environment.
pub fn client() -> reqwest::Client {
    reqwest::Client::builder().no_proxy().build().unwrap()
}

/// The claims a token carries, decoded by hand: the payload segment of a compact token, or the
/// claim string of a Magic DID token (base64 of `[proof, claim]`).
pub fn claims_of(token: &str) -> Value {
    if let Some(payload) = token.split('.').nth(1) {
        return serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap();
    }
    let pair: (String, String) = serde_json::from_slice(&STANDARD.decode(token).unwrap()).unwrap();
    serde_json::from_str(&pair.1).unwrap()
}

/// The wallet JSON of the example server's `/me` (`Identity::wallets`) for an EVM address.
pub fn evm_wallet(address: &str) -> Value {
    json!({"chain": "evm", "address": address, "public_key": null})
}

/// The development P-256 key (the Turnkey notarizer of the development issuer), uncompressed
/// hex (`04 ‖ x ‖ y`), read from the issuer's public JWKS.
pub fn dev_p256_public_hex(dev: &DevIssuer) -> String {
    let jwks = dev.jwks();
    let key = jwks["keys"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["kty"] == "EC")
        .unwrap();
    let mut point = vec![4u8];
    for c in ["x", "y"] {
        let bytes = URL_SAFE_NO_PAD.decode(key[c].as_str().unwrap()).unwrap();
        assert_eq!(bytes.len(), 32);
        point.extend(bytes);
    }
    hex(&point)
}

/// Lower-case hex.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A fresh secp256k1 key (random bytes from aws-lc-rs).
pub fn generate_secp256k1() -> SigningKey {
    loop {
        let mut bytes = [0u8; 32];
        aws_lc_rs::rand::fill(&mut bytes).unwrap();
        if let Ok(key) = SigningKey::from_bytes(&bytes.into()) {
            return key;
        }
    }
}

/// The EIP-55 address of `key`.
pub fn address(key: &SigningKey) -> String {
    eip55(&address_of(key.verifying_key()))
}

/// The EIP-191 (`personal_sign`) signature of `message` by `key`: `0x` and 130 hex digits,
/// `v` 27 or 28.
pub fn eip191_sign(key: &SigningKey, message: &[u8]) -> String {
    let (signature, recovery) = key.sign_prehash_recoverable(&eip191_hash(message)).unwrap();
    let mut bytes = signature.to_bytes().to_vec();
    bytes.push(27 + recovery.to_byte());
    format!("0x{}", hex(&bytes))
}

/// A thirdweb Auth token built by hand: thirdweb's fixed header, the payload JSON, and the
/// base64url of the text of `key`'s EIP-191 signature over that exact payload.
pub fn thirdweb_token(key: &SigningKey, claims: &Value) -> String {
    let payload = claims.to_string();
    let signature = eip191_sign(key, payload.as_bytes());
    format!(
        "{}.{}.{}",
        URL_SAFE_NO_PAD.encode(r#"{"alg":"ES256","typ":"JWT"}"#),
        URL_SAFE_NO_PAD.encode(&payload),
        URL_SAFE_NO_PAD.encode(signature)
    )
}
