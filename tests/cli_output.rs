//! The `wallet-auth` binary's output, run as a process: `inspect` (exact text, times read as the
//! verifier reads them), and a closed or unwritable stdout (`wallet-auth inspect TOKEN | head -1`
//! ends quietly, never with a panic).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod cli_support;

use std::io::Write as _;
use std::process::{Command, Stdio};

use cli_support::*;
use serde_json::json;
use test_support::{Hmac, RsaKey, jwks, now, sign, sign_with_header, unsigned};

#[test]
fn inspect_decodes_without_verifying() {
    let o = run(&["inspect", RFC7515_A1, "--at", "1300819200"]);
    assert_eq!(o.status.code(), Some(0));
    let s = out(&o);
    assert!(s.starts_with(
        "UNVERIFIED: decoded only. The signature and the claims have NOT been checked.\n"
    ));
    assert!(
        s.contains("header:\n{\n  \"alg\": \"HS256\",\n  \"typ\": \"JWT\"\n}\n"),
        "{s}"
    );
    assert!(s.contains("  \"iss\": \"joe\"\n"), "{s}");
    assert!(s.contains("header rules: pass (alg HS256)\n"));
    assert!(
        s.contains("exp: 1300819380 (2011-03-22T18:43:00Z, expires in 3 min)\n"),
        "{s}"
    );
    let o = run(&["inspect", RFC7515_A1, "--at", "1300819560"]);
    assert!(out(&o).contains("exp: 1300819380 (2011-03-22T18:43:00Z, expired 3 min ago)\n"));

    // Routing guesses, and stdin.
    let key = RsaKey::generate("k");
    let para = sign(&key, &para_claims());
    let o = run_stdin(&["inspect", "-"], &format!("{para}\n"));
    assert!(out(&o).contains("provider: para (no iss; para is the issuer-less provider)\n"));
    let sophon = sign(
        &key,
        &json!({"iss": "https://auth.sophon.xyz", "exp": now() + 60}),
    );
    assert!(
        out(&run(&["inspect", &sophon]))
            .contains("provider: sophon (iss \"https://auth.sophon.xyz\")\n")
    );
    let dynamic = sign(
        &key,
        &json!({"iss": "app.dynamic.xyz/env-9", "exp": now() + 60}),
    );
    assert!(
        out(&run(&["inspect", &dynamic])).contains("provider: dynamic (environment \"env-9\")\n")
    );
    let web3auth = sign(
        &key,
        &json!({"iss": "https://api-auth.web3auth.io", "exp": now() + 60}),
    );
    assert!(
        out(&run(&["inspect", &web3auth]))
            .contains("provider: web3auth (iss \"https://api-auth.web3auth.io\")\n")
    );
    let parra = sign_with_header(
        &Hmac::hs256(b"s"),
        &json!({"alg": "HS256", "cty": "parra-fpa;v=1"}),
        &json!({"iss": "key-1", "exp": now() + 60}),
    );
    assert!(out(&run(&["inspect", &parra])).contains("provider: parra (cty \"parra-fpa;v=1\")\n"));

    // A header that would be refused is shown, and said to be refused.
    let t = unsigned(&json!({"alg": "none"}), &json!({"exp": 1}), "");
    let s = out(&run(&["inspect", &t]));
    assert!(
        s.contains("header rules: would be refused: unsupported algorithm \"none\"\n"),
        "{s}"
    );
}

#[test]
fn inspect_reads_times_as_the_verifier_does() {
    // Fractions are floored, numbers outside i64 and strings would be refused: the library's
    // NumericDate decides, as it does for the layer and `verify`.
    let hs = Hmac::hs256(b"s");
    let t = test_support::sign_raw(
        &hs,
        br#"{"alg":"HS256"}"#,
        br#"{"exp":1700000000.5,"nbf":1e300,"iat":"1700000000"}"#,
    );
    let s = out(&run(&["inspect", &t, "--at", "1699999000"]));
    assert!(
        s.ends_with(
            "now: 1699999000 (2023-11-14T21:56:40Z)\n\
             iat: \"1700000000\" (would be refused: invalid type: string \"1700000000\", expected a NumericDate (seconds since the epoch))\n\
             nbf: 1e+300 (would be refused: NumericDate out of range)\n\
             exp: 1700000000.5 (read as 1700000000: 2023-11-14T22:13:20Z, expires in 16 min)\n"
        ),
        "{s}"
    );
    let t = test_support::sign_raw(
        &hs,
        br#"{"alg":"HS256"}"#,
        br#"{"exp":18446744073709551615,"nbf":-0.5,"iat":9.3e18}"#,
    );
    let s = out(&run(&["inspect", &t, "--at", "1699999000"]));
    assert!(
        s.ends_with(
            "iat: 9.3e+18 (would be refused: NumericDate out of range)\n\
             nbf: -0.5 (read as -1: 1969-12-31T23:59:59Z, valid since 19675 days ago)\n\
             exp: 18446744073709551615 (would be refused: NumericDate out of range)\n"
        ),
        "{s}"
    );
    let t = test_support::sign_raw(&hs, br#"{"alg":"HS256"}"#, br#"{"exp":null}"#);
    let s = out(&run(&["inspect", &t, "--at", "1699999000"]));
    assert!(
        s.ends_with("exp: missing (every provider requires it)\n"),
        "{s}"
    );
}

#[test]
fn inspect_of_garbage_is_one_error_line() {
    let o = run(&["inspect", "not-a-token"]);
    assert_eq!(
        failed(&o),
        (
            1,
            "error: cannot decode the token: malformed token: a compact JWS has exactly 3 segments"
                .into()
        )
    );
    let o = run_stdin(&["inspect", "-"], "  \n");
    assert_eq!(failed(&o), (2, "error: no token on stdin".into()));
}

// --- a closed stdout --------------------------------------------------------------------------------

/// Run with stdout a pipe whose reading end is already closed (as after `| head -0`): every write
/// to stdout fails with EPIPE. Returns the exit status and stderr.
fn run_closed_stdout(args: &[&str], stdin: Option<&str>) -> (Option<i32>, String) {
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let mut child = Command::new(BIN)
        .args(args)
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(writer)
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    if let Some(input) = stdin {
        child
            .stdin
            .take()
            .unwrap()
            .write_all(input.as_bytes())
            .unwrap();
    }
    let o = child.wait_with_output().unwrap();
    (o.status.code(), err(&o))
}

/// A real token whose `inspect` output is far larger than a pipe's buffer (64 KiB on Linux).
fn large_token() -> String {
    let items: Vec<String> = (0..20_000).map(|i| format!("item-{i:05}")).collect();
    sign(
        &Hmac::hs256(b"secret"),
        &json!({"sub": "u1", "exp": now() + 600, "items": items}),
    )
}

#[test]
fn a_closed_stdout_ends_every_command_quietly() {
    let dir = scratch("closed-stdout");
    let secret = write(&dir, "secret", URL_SAFE_NO_PAD_decode(RFC7515_A1_K));
    let key = RsaKey::generate("k1");
    let jwks_file = write(&dir, "jwks.json", jwks(&[key.jwk()]).to_string());
    let url = format!("http://{}/jwks", serve_jwks(jwks(&[key.jwk()]).to_string()));
    let para = sign(&key, &para_claims());
    let state = dir.join("state.json");
    let state = state.to_str().unwrap();
    let big = large_token();

    for (args, stdin) in [
        (vec!["inspect", RFC7515_A1], None),
        (vec!["inspect", "-"], Some(big.as_str())),
        (
            vec![
                "verify",
                "--secret-file",
                &secret,
                "--at",
                "1300819000",
                RFC7515_A1,
            ],
            None,
        ),
        (vec!["verify", "--jwks", &jwks_file, &para], None),
        (vec!["verify", "--jwks", &url, "--allow-http", &para], None),
        (vec!["keys", &url, "--allow-http"], None),
        (
            vec!["dev-token", "--provider", "para", "--state", state],
            None,
        ),
        (vec!["--help"], None),
        (vec!["--version"], None),
    ] {
        assert_eq!(
            run_closed_stdout(&args, stdin),
            (Some(0), String::new()),
            "{args:?}"
        );
    }
    // Warnings still reach stderr, and the exit status is still the command's.
    assert_eq!(
        run_closed_stdout(
            &["verify", "--secret-file", &secret, "--signature-only", RFC7515_A1],
            None
        ),
        (
            Some(0),
            "warning: --signature-only: the signature is valid, but NO claim was checked (exp, nbf, iss, aud were ignored)\n".into()
        )
    );
    let (code, stderr) = run_closed_stdout(&["verify", "--secret-file", &secret, RFC7515_A1], None);
    assert_eq!(code, Some(1));
    assert!(
        stderr.starts_with("error: expired at 1300819380 (now "),
        "{stderr}"
    );
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
}

#[test]
fn inspect_piped_into_head_stops_quietly() {
    // `wallet-auth inspect - | head -1`: read one line, then close the pipe.
    use std::io::BufRead as _;
    let big = large_token();
    let mut child = spawn_stdin(&["inspect", "-"], &big);
    let mut first = String::new();
    std::io::BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    assert_eq!(
        first,
        "UNVERIFIED: decoded only. The signature and the claims have NOT been checked.\n"
    );
    let o = child.wait_with_output().unwrap();
    assert_eq!(o.status.code(), Some(0));
    let stderr = err(&o);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(!stderr.contains("Broken pipe"), "{stderr}");
    assert_eq!(stderr, "");
}

#[cfg(target_os = "linux")]
#[test]
fn a_stdout_that_cannot_be_written_is_one_error_line() {
    let o = Command::new(BIN)
        .args(["inspect", RFC7515_A1])
        .stdout(std::fs::File::create("/dev/full").unwrap())
        .stderr(Stdio::piped())
        .output()
        .unwrap();
    assert_eq!(
        failed(&o),
        (
            2,
            "error: cannot write to stdout: No space left on device (os error 28)".into()
        )
    );
}
