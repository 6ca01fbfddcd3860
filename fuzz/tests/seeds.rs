//! The committed seed corpus still means what its file names say (`cargo test` in `fuzz/`, stable
//! toolchain, no libFuzzer): `claims_verify` seeds named `accept-*` verify and `reject-*` are
//! refused; `config_toml` seeds named `built-*` build a layer, `build-error-*` parse but do not
//! build, `parse-error-*` do not parse. Every invariant of the targets is checked on the way.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};

use wallet_auth_fuzz::config_toml::Outcome;

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
