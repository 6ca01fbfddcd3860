//! The committed seed corpus still means what its file names say (`cargo test` in `fuzz/`, stable
//! toolchain, no libFuzzer): `claims_verify` seeds named `accept-*` verify and `reject-*` are
//! refused; `config_toml` seeds named `built-*` build a layer, `build-error-*` parse but do not
//! build, `parse-error-*` do not parse; `siwe_message` and `siws_message` seeds named `accept-*`
//! parse and `reject-*` do not, and among the accepted ones `accept-signed-*` carry a signature
//! that holds for the message's account and `accept-badsig-*` one that does not. Every invariant
//! of the targets is checked on the way.
//!
//! The signed seeds: SIWE, two cases of the official `verification_positive.json` vectors
//! (`example message`, `recovery byte starting at 0`), rendered as the library's
//! `tests/siwe_vectors.rs` renders them; SIWS, signed once (reproducibly: Ed25519 is
//! deterministic) with the key whose 32-byte seed is 0x00, 0x01, …, 0x1f (address
//! `FAe4sisG95oZ42w7buUn5qEE4TAnfTTFPiguZUHmhiF`).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};

use wallet_auth_fuzz::config_toml::Outcome;
use wallet_auth_fuzz::signin_messages::{self, Kind};

fn seeds(target: &str) -> Vec<(String, Vec<u8>)> {
    let dir: PathBuf = [env!("CARGO_MANIFEST_DIR"), "seeds", target]
        .iter()
        .collect();
    let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| {
            let path = entry.unwrap().path();
            let name = Path::new(&path)
                .file_name()
                .unwrap()
                .to_string_lossy()
                .into_owned();
            (name, std::fs::read(&path).unwrap())
        })
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no seeds in {}", dir.display());
    files
}

#[test]
fn claims_verify_seeds() {
    for (name, data) in seeds("claims_verify") {
        let outcome = wallet_auth_fuzz::claims_verify::run(&data).expect("non-empty seed");
        if name.starts_with("accept-") {
            let identity = outcome.unwrap_or_else(|e| panic!("{name}: {e}"));
            assert!(!identity.user_id.is_empty(), "{name}");
        } else {
            assert!(name.starts_with("reject-"), "{name}: unexpected name");
            assert!(outcome.is_err(), "{name}: accepted");
        }
    }
}

#[test]
fn config_toml_seeds() {
    for (name, data) in seeds("config_toml") {
        let expected = if name.starts_with("built-") {
            Outcome::Built
        } else if name.starts_with("build-error-") {
            Outcome::BuildError
        } else if name.starts_with("parse-error-") {
            Outcome::ParseError
        } else {
            panic!("{name}: unexpected name")
        };
        assert_eq!(
            wallet_auth_fuzz::config_toml::run(&data),
            expected,
            "{name}"
        );
    }
}

fn signin_seeds(kind: Kind, target: &str) {
    let (mut accepted, mut signed) = (0, 0);
    for (name, data) in seeds(target) {
        let outcome = signin_messages::run(kind, &data).expect("UTF-8 seed");
        if name.starts_with("accept-") {
            let message = outcome.message.unwrap_or_else(|e| panic!("{name}: {e}"));
            accepted += 1;
            if name.starts_with("accept-signed-") {
                let signature = outcome.signature.expect("a signature part");
                signature.unwrap_or_else(|e| panic!("{name}: {e}"));
                signed += 1;
            } else if name.starts_with("accept-badsig-") {
                let signature = outcome.signature.expect("a signature part");
                assert!(signature.is_err(), "{name}: the signature holds");
            } else {
                assert!(outcome.signature.is_none(), "{name}: unexpected signature part");
            }
            let chain = message.chain.as_ref().map(|c| c.caip2());
            assert!(chain.is_none_or(|c| !c.is_empty()), "{name}");
        } else {
            assert!(name.starts_with("reject-"), "{name}: unexpected name");
            assert!(outcome.message.is_err(), "{name}: parsed");
        }
    }
    assert!(accepted > 0 && signed > 0, "{target}: no accepted or no signed seed");
}

#[test]
fn siwe_message_seeds() {
    signin_seeds(Kind::Siwe, "siwe_message");
}

#[test]
fn siws_message_seeds() {
    signin_seeds(Kind::Siws, "siws_message");
}
