//! A real EVM node for the tests: `anvil` (npm `@foundry-rs/anvil`, installed by `.ci/run`)
//! started on loopback from a temp dir, and the JSON-RPC calls that deploy the test contracts of
//! `tests/contracts/` (bytecode committed; `tests/contracts/build.sh` regenerates it).
#![allow(dead_code)]

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

/// A running anvil, killed on drop.
pub struct Anvil {
    child: Child,
    pub url: String,
    pub port: u16,
}

impl Drop for Anvil {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `anvil` from `$ANVIL`, else the PATH. Without it: `None` (the test prints SKIPPED), unless
/// `CI=true`, where a missing node is a failure.
///
/// npm's `anvil` is a Node script that starts the platform binary shipped in
/// `@foundry-rs/anvil-linux-amd64`; the tests run that binary itself, so that killing the
/// process stops the node.
pub fn anvil_binary() -> Option<String> {
    let candidate = std::env::var("ANVIL").unwrap_or_else(|_| native_anvil());
    let found = Command::new(&candidate)
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if found {
        return Some(candidate);
    }
    assert!(
        std::env::var("CI").as_deref() != Ok("true"),
        "anvil is not installed (npm install -g @foundry-rs/anvil); CI=true requires it"
    );
    eprintln!("SKIPPED: anvil is not installed (npm install -g @foundry-rs/anvil)");
    None
}

/// The native binary behind npm's `anvil` on the PATH, else `anvil`.
fn native_anvil() -> String {
    let path = std::env::var_os("PATH").unwrap_or_default();
    for dir in std::env::split_paths(&path) {
        let Ok(script) = std::fs::canonicalize(dir.join("anvil")) else {
            continue;
        };
        let Some(package) = script.parent() else {
            continue;
        };
        for native in [
            package.join("node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil"),
            package.join("../anvil-linux-amd64/bin/anvil"),
        ] {
            if native.is_file() {
                return native.display().to_string();
            }
        }
        return script.display().to_string();
    }
    "anvil".to_owned()
}

impl Anvil {
    /// Start anvil with `chain_id` on a free loopback port (or `port`), and wait until it answers.
    pub async fn start(binary: &str, chain_id: u64, port: Option<u16>) -> Anvil {
        let port = port.unwrap_or_else(|| {
            let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            listener.local_addr().unwrap().port()
        });
        let dir = test_support::temp_dir("anvil");
        let child = Command::new(binary)
            .args(["--host", "127.0.0.1", "--port", &port.to_string()])
            .args(["--chain-id", &chain_id.to_string(), "--silent"])
            .current_dir(&dir)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let anvil = Anvil {
            child,
            url: format!("http://127.0.0.1:{port}"),
            port,
        };
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Ok(v) = anvil.try_rpc("eth_chainId", json!([])).await {
                assert_eq!(v, json!(format!("0x{chain_id:x}")));
                break;
            }
            assert!(Instant::now() < deadline, "anvil did not start on {port}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        anvil
    }

    async fn try_rpc(&self, method: &str, params: Value) -> Result<Value, String> {
        let body = json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params});
        let res = reqwest::Client::new()
            .post(&self.url)
            .json(&body)
            .send()
            .await
            .map_err(|e| e.to_string())?;
        let mut v: Value = res.json().await.map_err(|e| e.to_string())?;
        match v.get("error") {
            Some(e) => Err(e.to_string()),
            None => Ok(v["result"].take()),
        }
    }

    /// One JSON-RPC call; panics on an error answer.
    pub async fn rpc(&self, method: &str, params: Value) -> Value {
        self.try_rpc(method, params)
            .await
            .unwrap_or_else(|e| panic!("{method}: {e}"))
    }

    /// Deploy `creation` (hex, no 0x) followed by `args` from anvil's first (unlocked) account;
    /// the new contract's address.
    pub async fn deploy(&self, creation: &str, args: &[u8]) -> [u8; 20] {
        let from = self.rpc("eth_accounts", json!([])).await[0].clone();
        let data = format!("0x{}{}", creation.trim(), hex(args));
        let tx = self
            .rpc("eth_sendTransaction", json!([{"from": from, "data": data}]))
            .await;
        let receipt = self.rpc("eth_getTransactionReceipt", json!([tx])).await;
        assert_eq!(receipt["status"], "0x1", "deployment failed: {receipt}");
        address(receipt["contractAddress"].as_str().unwrap())
    }

    /// `eth_call` of `data` to `to`: the returned bytes.
    pub async fn call(&self, to: &[u8; 20], data: &[u8]) -> Vec<u8> {
        let v = self
            .rpc(
                "eth_call",
                json!([{"to": format!("0x{}", hex(to)), "data": format!("0x{}", hex(data))}, "latest"]),
            )
            .await;
        unhex(v.as_str().unwrap())
    }

    /// True when `address` has code.
    pub async fn has_code(&self, address: &[u8; 20]) -> bool {
        let v = self
            .rpc(
                "eth_getCode",
                json!([format!("0x{}", hex(address)), "latest"]),
            )
            .await;
        v.as_str().unwrap() != "0x"
    }
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

pub fn unhex(text: &str) -> Vec<u8> {
    let digits = text.trim_start_matches("0x");
    (0..digits.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&digits[i..i + 2], 16).unwrap())
        .collect()
}

pub fn address(text: &str) -> [u8; 20] {
    unhex(text).try_into().unwrap()
}

/// An ABI word holding `address`.
pub fn address_word(address: &[u8; 20]) -> [u8; 32] {
    let mut word = [0u8; 32];
    word[12..].copy_from_slice(address);
    word
}

/// An ABI word holding `n`.
pub fn word(n: usize) -> [u8; 32] {
    let mut word = [0u8; 32];
    word[24..].copy_from_slice(&(n as u64).to_be_bytes());
    word
}

/// `bytes` ABI-encoded in the tail: length, then content padded to whole words.
pub fn tail_bytes(bytes: &[u8]) -> Vec<u8> {
    let mut out = word(bytes.len()).to_vec();
    out.extend_from_slice(bytes);
    out.resize(out.len() + (32 - bytes.len() % 32) % 32, 0);
    out
}

/// `abi.encode(address, bytes, bytes)`.
pub fn encode_address_bytes_bytes(a: &[u8; 20], b: &[u8], c: &[u8]) -> Vec<u8> {
    let first = tail_bytes(b);
    let mut out = address_word(a).to_vec();
    out.extend_from_slice(&word(0x60));
    out.extend_from_slice(&word(0x60 + first.len()));
    out.extend_from_slice(&first);
    out.extend_from_slice(&tail_bytes(c));
    out
}

/// The test contracts' creation code (hex).
pub fn contract(name: &str) -> String {
    let path = format!("{}/tests/contracts/{name}.hex", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// `WalletFactory.deploy(owner, salt)` call data.
pub fn factory_deploy_call(owner: &[u8; 20], salt: [u8; 32]) -> Vec<u8> {
    let mut data = vec![0x32, 0xc0, 0x2a, 0x14];
    data.extend_from_slice(&address_word(owner));
    data.extend_from_slice(&salt);
    data
}

/// `WalletFactory.addressOf(owner, salt)` call data.
pub fn factory_address_of_call(owner: &[u8; 20], salt: [u8; 32]) -> Vec<u8> {
    let mut data = vec![0xe9, 0x97, 0x18, 0xd8];
    data.extend_from_slice(&address_word(owner));
    data.extend_from_slice(&salt);
    data
}
