//! The `config_toml` target: the TOML configuration with its environment overlay, then the layer
//! built from it.
//!
//! Input: UTF-8 text. Up to the first NUL byte it is the TOML file; after it, each line
//! `KEY=VALUE` is one environment variable `WALLET_AUTH__KEY=VALUE` (the prefix is added, so the
//! fuzzer spends its time on table and key names; at most [`MAX_ENV`] lines). The target calls
//! [`AuthConfig::from_toml_and_env`], which takes the environment as an explicit iterator (the
//! process environment is never modified; `from_file` passes its `WALLET_AUTH__` variables to the same
//! function), and when the configuration parses, [`AuthLayer::from_config`] on a current-thread
//! tokio runtime. Building fetches nothing (keys are fetched by `prefetch` or on demand, and the
//! target never verifies a token), so no network is used. `secret_env` still reads the process
//! environment, read-only.
//!
//! Invariants: nothing panics (parsing, the overlay, the range checks, building the JWKS cache, the
//! policies, the keys from PEMs, the token sources, the token cache, the Parra issuer); a parsed
//! configuration passes [`AuthConfig::check_ranges`]; a configuration without
//! a provider never builds; a layer that builds has exactly the configured providers, each with
//! the configured leeway and size cap, and a token cache exactly when `[token] cache` is on with a
//! non-zero capacity; every error names a field.

use std::sync::OnceLock;

use auth_layer::{AuthConfig, AuthLayer};
use crate::Provider;

/// The most environment variables one input sets.
pub const MAX_ENV: usize = 8;
/// The prefix of the overriding variables.
const ENV_PREFIX: &str = "WALLET_AUTH__";

/// Split an input into the TOML text and the environment variables.
pub fn split_input(text: &str) -> (&str, Vec<(String, String)>) {
    let (toml, env) = text.split_once('\0').unwrap_or((text, ""));
    let env = env
        .lines()
        .filter_map(|line| line.split_once('='))
        .take(MAX_ENV)
        .map(|(k, v)| (format!("{ENV_PREFIX}{k}"), v.to_owned()))
        .collect();
    (toml, env)
}

fn runtime() -> &'static tokio::runtime::Runtime {
    static RT: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RT.get_or_init(crate::runtime)
}

/// What one input came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Not UTF-8.
    NotText,
    /// `AuthConfig::from_toml_and_env` refused it.
    ParseError,
    /// It parsed but `AuthLayer::from_config` refused it.
    BuildError,
    /// The layer was built.
    Built,
}

/// Run one input (a broken invariant panics).
pub fn run(data: &[u8]) -> Outcome {
    let Ok(text) = std::str::from_utf8(data) else {
        return Outcome::NotText;
    };
    let (toml, env) = split_input(text);
    let config = match AuthConfig::from_toml_and_env(toml, env) {
        Ok(config) => config,
        Err(e) => {
            assert!(!e.field.is_empty(), "{e:?}");
            return Outcome::ParseError;
        }
    };
    // Every numeric key was checked against its range by the parser.
    assert_eq!(config.check_ranges(), Ok(()));
    let _ = format!("{config:?}");
    let _guard = runtime().enter();
    let _ = config.token_sources();
    let _ = config.parra_issuer();
    let layer = match AuthLayer::from_config(&config) {
        Ok(layer) => layer,
        Err(e) => {
            assert!(!e.field.is_empty(), "{e:?}");
            let _ = e.to_string();
            return Outcome::BuildError;
        }
    };
    assert!(!config.is_empty(), "a layer without providers was built");
    let verifier = layer.verifier();
    let configured = [
        config.para.is_some(),
        config.parra.is_some(),
        config.sophon.is_some(),
        config.dynamic.is_some(),
        config.web3auth.is_some(),
    ];
    let mut built = [false; 5];
    for entry in verifier.providers().entries() {
        let i = match Provider::of(entry.policy.provider()) {
            Provider::Para => 0,
            Provider::Parra => 1,
            Provider::Sophon => 2,
            Provider::Dynamic => 3,
            Provider::Web3Auth => 4,
        };
        assert!(!built[i], "{:?} built twice", entry.policy.provider());
        built[i] = true;
        assert_eq!(entry.policy.leeway(), config.jwks.leeway_secs);
        assert_eq!(entry.policy.max_token_bytes(), config.token.max_bytes);
    }
    assert_eq!(built, configured);
    assert_eq!(verifier.max_token_bytes(), config.token.max_bytes);
    assert_eq!(
        verifier.token_cache().is_some(),
        config.token.cache && config.token.cache_capacity > 0
    );
    Outcome::Built
}
