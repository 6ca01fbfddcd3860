//! Shared helpers of the `wallet-auth` command-line tests (`tests/cli.rs`, `tests/cli_output.rs`):
//! run the built binary as a process, read its exact output, scratch files, and a real JWKS server
//! on 127.0.0.1.
#![allow(
    dead_code,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::io::Write as _;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

use axum::Router;
use axum::routing::get;
use serde_json::{Value, json};
use test_support::now;

pub const BIN: &str = env!("CARGO_BIN_EXE_wallet-auth");

pub fn run(args: &[&str]) -> Output {
    Command::new(BIN).args(args).output().unwrap()
}

/// The CLI started with `args`, `stdin` written to it and closed, stdout and stderr piped.
pub fn spawn_stdin(args: &[&str], stdin: &str) -> std::process::Child {
    let mut child = Command::new(BIN)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child
}

pub fn run_stdin(args: &[&str], stdin: &str) -> Output {
    spawn_stdin(args, stdin).wait_with_output().unwrap()
}

pub fn out(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).unwrap()
}

pub fn err(o: &Output) -> String {
    String::from_utf8(o.stderr.clone()).unwrap()
}

/// Exit code, and the one stderr line of a failure.
pub fn failed(o: &Output) -> (i32, String) {
    let e = err(o);
    assert_eq!(e.lines().count(), 1, "one line on stderr: {e:?}");
    assert!(!e.contains("panicked"), "{e}");
    (o.status.code().unwrap(), e.trim_end().to_owned())
}

pub fn json_out(o: &Output) -> Value {
    assert_eq!(o.status.code(), Some(0), "stderr: {}", err(o));
    serde_json::from_str(&out(o)).unwrap()
}

/// A scratch directory for this test.
pub fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("wallet-auth-cli-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

pub fn write(dir: &std::path::Path, name: &str, bytes: impl AsRef<[u8]>) -> String {
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path.to_str().unwrap().to_owned()
}

/// Serve `GET /jwks` with `body` on 127.0.0.1 from a background thread.
pub fn serve_jwks(body: String) -> SocketAddr {
    serve_router(Router::new().route("/jwks", get(move || async move { body.clone() })))
}

/// Serve `app` on 127.0.0.1 from a background thread with a runtime of its own (the tests that
/// use it run the CLI as a blocking process).
pub fn serve_router(app: Router) -> SocketAddr {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async move {
            let listener = tokio::net::TcpListener::from_std(listener).unwrap();
            axum::serve(listener, app).await.unwrap();
        });
    });
    addr
}

pub fn para_claims() -> Value {
    json!({"sub": "u1", "iat": now() - 10, "exp": now() + 600,
           "data": {"userId": "u1", "email": "u1@example.com", "wallets": [
               {"id": "w", "type": "EVM", "address": "0xabc", "publicKey": ""}]}})
}

pub const RFC7515_A1: &str = "eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9.eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ.dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
pub const RFC7515_A1_K: &str =
    "AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow";

#[allow(non_snake_case)]
pub fn URL_SAFE_NO_PAD_decode(s: &str) -> Vec<u8> {
    use base64::Engine as _;
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(s)
        .unwrap()
}
