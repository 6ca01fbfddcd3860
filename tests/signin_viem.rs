//! A real front-end client: Node runs `tests/viem/signin.mjs`, which signs in with viem
//! (`createSiweMessage`, `signMessage` with a private key, as RainbowKit / wagmi apps do) against
//! the example server in development mode, then calls `/me` with the session and replays the
//! sign-in. viem is installed by `.ci/run` (`npm ci --prefix tests/viem`); without it the test
//! prints SKIPPED, and under `CI=true` it fails.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::io::{BufRead as _, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use serde_json::Value;

/// The example server, built by `cargo test` next to this test's own binary.
fn example_server() -> PathBuf {
    test_support::example_binary("server")
}

struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn viem_ready(dir: &Path) -> bool {
    let node = Command::new("node")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    let ready = node && dir.join("node_modules/viem/package.json").is_file();
    if !ready {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "node or viem missing (npm ci --prefix tests/viem); CI=true requires them"
        );
        eprintln!("SKIPPED: node or viem missing (npm ci --prefix tests/viem)");
    }
    ready
}

#[test]
fn viem_signs_in_at_the_example_server() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/viem");
    if !viem_ready(&dir) {
        return;
    }
    let server = example_server();
    let state = test_support::temp_dir("viem");
    let mut child = Command::new(&server)
        .args(["--listen", "127.0.0.1:0"])
        .env("TMPDIR", &state)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let _running = Running(child);
    let mut lines = BufReader::new(stdout).lines();
    let first = lines.next().unwrap().unwrap();
    // Keep reading: a closed pipe would end the server at its next line of output.
    std::thread::spawn(move || lines.map_while(Result::ok).for_each(drop));
    let base = first
        .strip_prefix("wallet-auth example server listening on ")
        .unwrap_or_else(|| panic!("unexpected first line: {first}"))
        .to_owned();

    let out = Command::new("node")
        .arg(dir.join("signin.mjs"))
        .env("BASE", &base)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "node failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let result: Value = serde_json::from_slice(&out.stdout).unwrap();
    let address = result["address"].as_str().unwrap();
    // viem's account for this key, as published with Hardhat's and anvil's development accounts.
    assert_eq!(address, "0x70997970C51812dc3A010C7d01b50e0d17dc79C8");
    let account = format!("eip155:1:{address}");
    assert_eq!(result["signin"]["status"], 200, "{result}");
    assert_eq!(result["signin"]["body"]["account"], account);
    assert_eq!(result["signin"]["body"]["token_type"], "Bearer");
    assert_eq!(result["me"]["status"], 200);
    assert_eq!(result["me"]["body"]["provider"], "signin");
    assert_eq!(result["me"]["body"]["user_id"], account);
    assert_eq!(result["me"]["body"]["wallets"][0]["chain"], "evm");
    assert_eq!(result["me"]["body"]["wallets"][0]["address"], address);
    assert_eq!(result["replay"]["status"], 401);
    assert_eq!(result["replay"]["body"]["error"], "invalid_nonce");
}
