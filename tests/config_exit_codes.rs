//! A configuration value out of range stops the example server and the CLI at start-up with exit
//! code 2 and one line naming the key and its valid range — never a panic, never a server that
//! answers 503 forever. The values are the ones that used to panic or be accepted silently.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::path::PathBuf;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

/// The example server, built by `cargo test` next to this test's own binary.
fn example_server() -> PathBuf {
    test_support::example_binary("server")
}

/// Runs `command` with an empty environment (no `WALLET_AUTH__…` override leaks in); a child
/// still running after 30 s is killed and fails the test instead of hanging the suite.
fn run(command: &mut Command) -> Output {
    let mut child = command
        .env_clear()
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    while child.try_wait().unwrap().is_none() {
        if Instant::now() > deadline {
            child.kill().unwrap();
            panic!("still running after 30 s: {command:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.wait_with_output().unwrap()
}

const CASES: [(&str, &str); 5] = [
    (
        "[jwks]\nstale_secs = 9223372036854775807\n",
        "jwks.stale_secs: 9223372036854775807 is outside its valid range 0..=604800",
    ),
    (
        "[jwks]\ncooldown_secs = 99999999999999\n",
        "jwks.cooldown_secs: 99999999999999 is outside its valid range 1..=3600",
    ),
    (
        "[jwks]\ntimeout_secs = 0\n",
        "jwks.timeout_secs: 0 is outside its valid range 1..=60",
    ),
    (
        "[jwks]\nttl_secs = 0\n",
        "jwks.ttl_secs: 0 is outside its valid range 60..=86400",
    ),
    (
        "[token]\ncache_capacity = 18446744073709551615\n",
        "token.cache_capacity: 18446744073709551615 is outside its valid range 0..=1000000",
    ),
];

#[test]
fn out_of_range_values_stop_the_server_and_the_cli_with_one_line() {
    let dir = std::env::temp_dir().join(format!("wallet-auth-config-exit-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let server = example_server();
    for (i, (table, expected)) in CASES.iter().enumerate() {
        let path = dir.join(format!("auth-{i}.toml"));
        std::fs::write(
            &path,
            format!("{table}\n[sophon]\npartner_id = \"partner\"\n"),
        )
        .unwrap();
        let out = run(Command::new(&server).args([
            "--config",
            path.to_str().unwrap(),
            "--listen",
            "127.0.0.1:0",
        ]));
        assert_eq!(out.status.code(), Some(2), "server, {expected}");
        assert_eq!(
            String::from_utf8_lossy(&out.stderr),
            format!("server: bad configuration: {expected}\n")
        );
        let out = run(Command::new(env!("CARGO_BIN_EXE_wallet-auth")).args([
            "verify",
            "--config",
            path.to_str().unwrap(),
            "a.b.c",
        ]));
        assert_eq!(out.status.code(), Some(2), "cli, {expected}");
        assert_eq!(
            String::from_utf8_lossy(&out.stderr),
            format!("error: config: {expected}\n")
        );
    }
    std::fs::remove_dir_all(&dir).unwrap();
}
