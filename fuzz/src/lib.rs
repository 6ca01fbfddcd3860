//! Code shared by the fuzz targets (the `fuzz_targets/*.rs` binaries are thin wrappers), so the
//! seed corpus can also be checked by `cargo test` on a stable toolchain (`tests/seeds.rs`).
//!
//! - [`policies`]: every provider's policy, with the identifiers of the test fixtures
//!   (`crates/claims-core/tests/providers.rs`), so the seed payloads verify;
//! - [`runtime`]: the current-thread tokio runtime the layer-level targets drive;
//! - [`claims_verify`] and [`config_toml`]: the logic of the targets of the same names;
//! - [`signin_messages`]: the logic of `siwe_message` and `siws_message`;
//! - [`provider_schemes`]: the logic of `provider_schemes` (Magic, thirdweb and Turnkey, the
//!   providers with their own signature schemes).

pub mod claims_verify;
pub mod config_toml;
pub mod provider_schemes;
pub mod signin_messages;

use claims_core::{Policy, ProviderId};

/// The providers these targets cover, in [`policies`] order (the library names providers by
/// [`ProviderId`]; the targets match on this).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Provider {
    /// Para
    Para,
    /// Parra
    Parra,
    /// Sophon
    Sophon,
    /// Dynamic
    Dynamic,
    /// Web3Auth
    Web3Auth,
}

impl Provider {
    /// The provider of a policy built by [`policies`].
    ///
    /// # Panics
    ///
    /// For a provider [`policies`] does not build.
    #[allow(clippy::panic)]
    pub fn of(id: &ProviderId) -> Self {
        match id.as_str() {
            "para" => Provider::Para,
            "parra" => Provider::Parra,
            "sophon" => Provider::Sophon,
            "dynamic" => Provider::Dynamic,
            "web3auth" => Provider::Web3Auth,
            other => panic!("no fuzz policy for {other}"),
        }
    }
}

/// The verification time of the claims fixtures (`NOW` in `claims-core/tests/providers.rs`).
pub const NOW: i64 = 1_750_000_000;
/// Parra: the API key ids (`iss`) and their tenant ids (`sub`).
pub const PARRA_KEYS: [(&str, &str); 2] = [("key-1", "tenant-1"), ("key-2", "tenant-2")];
/// Sophon: the partner id (`aud`).
pub const SOPHON_PARTNER: &str = "partner-123";
/// Dynamic: the environment id (in `iss`).
pub const DYNAMIC_ENV: &str = "fb6dd9d1-09f5-43c3-8a8c-eab6e44c37f9";
/// Web3Auth: the client id (`aud`).
pub const WEB3AUTH_CLIENT: &str = "BJp5VGbuhg_mUA-client";

/// Five providers' production policies (default settings), in [`Provider`] order: Para, Parra,
/// Sophon, Dynamic, Web3Auth. (Privy and `[[oidc]]` issuers use the same rules as Web3Auth and
/// Sophon: a fixed issuer, a required audience, a public-key algorithm.)
///
/// # Panics
///
/// Never with these constants (the constructors only refuse empty identifiers).
#[allow(clippy::expect_used)]
pub fn policies() -> [Policy; 5] {
    [
        Policy::para(),
        Policy::parra(PARRA_KEYS).expect("parra policy"),
        Policy::sophon(SOPHON_PARTNER).expect("sophon policy"),
        Policy::dynamic(DYNAMIC_ENV).expect("dynamic policy"),
        Policy::web3auth(WEB3AUTH_CLIENT).expect("web3auth policy"),
    ]
}

/// A current-thread tokio runtime with every driver enabled.
///
/// # Panics
///
/// When tokio cannot build a runtime (no fuzzing is possible then).
#[allow(clippy::expect_used)]
pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio runtime")
}
