//! Shared by `tests/serve.rs` and `tests/gateway_proxies.rs`: `wallet-auth serve` run as a
//! process from a configuration in a temp dir, Privy-shaped tokens, a client.
#![allow(
    dead_code,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

pub mod proxies;

use std::io::{BufRead as _, BufReader};
use std::process::{Child, Command, Stdio};

use serde_json::{Value, json};
use test_support::now;

pub const BIN: &str = env!("CARGO_BIN_EXE_wallet-auth");
pub const PRIVY_APP: &str = "cm3privyapp0000000000001";
pub const DYNAMIC_ENV: &str = "2762a57b-faa4-41ce-9f16-abff9300e2c9";

/// A running `wallet-auth serve`, its base URL, and its stderr lines after "listening".
pub struct Served {
    pub child: Child,
    pub base: String,
    /// The gRPC `Check` service's address, when `--grpc-listen` was given.
    pub grpc: Option<String>,
    pub stderr: std::sync::mpsc::Receiver<String>,
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn config(jwks_url: &str, extra: &str) -> std::path::PathBuf {
    let path = test_support::temp_dir("serve").join("auth.toml");
    std::fs::write(
        &path,
        format!(
            "[jwks]\nallow_http = true\n\n[privy]\napp_id = \"{PRIVY_APP}\"\njwks_url = \"{jwks_url}\"\n\n\
             [dynamic]\nenvironment_id = \"{DYNAMIC_ENV}\"\njwks_url = \"{jwks_url}\"\n{extra}"
        ),
    )
    .unwrap();
    path
}

pub fn serve(config: &std::path::Path, log_format: &str) -> Served {
    serve_with(config, log_format, &[])
}

/// [`serve`] with more arguments (`--grpc-listen 127.0.0.1:0`).
pub fn serve_with(config: &std::path::Path, log_format: &str, more: &[&str]) -> Served {
    let mut child = Command::new(BIN)
        .args(["serve", "--config"])
        .arg(config)
        .args(["--listen", "127.0.0.1:0", "--log-format", log_format])
        .args(more)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let first = lines.next().unwrap().unwrap();
    let base = first
        .strip_prefix("wallet-auth serve: listening on ")
        .and_then(|rest| rest.split(' ').next())
        .unwrap_or_else(|| panic!("unexpected first line: {first}"))
        .to_owned();
    let grpc = first
        .split_once("), grpc ")
        .and_then(|(_, rest)| rest.split(' ').next())
        .map(str::to_owned);
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in lines.map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    Served {
        child,
        base,
        grpc,
        stderr: rx,
    }
}

pub fn privy_claims() -> Value {
    json!({
        "iss": "privy.io", "aud": PRIVY_APP, "sub": "did:privy:cm3user1", "sid": "s-1",
        "iat": now(), "exp": now() + 600,
        "linked_accounts": json!([
            {"type": "email", "address": "ada@example.com"},
            {"type": "wallet", "address": "0xAbC0000000000000000000000000000000000001", "chain_type": "ethereum"},
        ]).to_string(),
    })
}

/// A client that never goes through a proxy from the environment.
pub fn client() -> reqwest::Client {
    reqwest::Client::builder().no_proxy().build().unwrap()
}

pub async fn auth(base: &str, path: &str, token: Option<&str>) -> reqwest::Response {
    let mut req = client().get(format!("{base}{path}"));
    if let Some(token) = token {
        req = req.bearer_auth(token);
    }
    req.send().await.unwrap()
}

pub fn header(res: &reqwest::Response, name: &str) -> Option<String> {
    res.headers()
        .get(name)
        .map(|v| v.to_str().unwrap().to_owned())
}
