//! `[farcaster]`: Farcaster Quick Auth (Farcaster and Base mini apps), RS256 from
//! `https://auth.farcaster.xyz`; the user id is the FID.
//!
//! ```toml
//! [farcaster]
//! domain = "miniapp.example.com"
//! ```

use claims_core::providers::farcaster::{ISSUER, JWKS_URL};
use claims_core::{Algorithm, Policy, ProviderId};
use serde_json::json;

use super::{DevToken, DevValues, KeyContext, Provider, RuleSettings};
use crate::config::ConfigError;
use crate::key_source::KeySource;

super::provider_table! {
    /// `[farcaster]`
    pub struct FarcasterConfig {
        /// Your mini app's bare domain (no scheme): the expected `aud` (required).
        pub domain: String,
        /// Override the issuer (default `https://auth.farcaster.xyz`).
        pub issuer: Option<String>,
        /// Override the JWKS URL (default `https://auth.farcaster.xyz/.well-known/jwks.json`).
        pub jwks_url: Option<String>,
    }
}

impl Provider for FarcasterConfig {
    fn id(&self) -> ProviderId {
        ProviderId::FARCASTER
    }

    fn policy(&self) -> Result<Policy, ConfigError> {
        if self.domain.contains("://") || self.domain.contains('/') {
            return Err(ConfigError::new(
                "farcaster.domain",
                format!(
                    "{:?} is not a bare domain (no scheme, no path)",
                    self.domain
                ),
            ));
        }
        let issuer = self.issuer.clone().unwrap_or_else(|| ISSUER.to_owned());
        Policy::farcaster(self.domain.clone(), issuer).map_err(|e| match e {
            claims_core::PolicyError::Empty("farcaster.issuer") => {
                ConfigError::new("farcaster.issuer", "must not be empty")
            }
            e => ConfigError::new("farcaster.domain", e),
        })
    }

    fn key_source(&self, keys: &KeyContext<'_>) -> Result<KeySource, ConfigError> {
        keys.jwks(
            "farcaster.jwks_url",
            self.jwks_url.as_deref().unwrap_or(JWKS_URL),
        )
    }

    fn verifiable_algorithms(&self) -> &'static [Algorithm] {
        &[Algorithm::RS256]
    }

    fn rules(&self) -> RuleSettings<'_> {
        self.table_rules()
    }

    fn dev_token(&self, dev: &DevValues<'_>) -> Option<DevToken> {
        let fid: u64 = 6841;
        Some(DevToken::new(
            Algorithm::RS256,
            json!({
                "iss": self.issuer.as_deref().unwrap_or(ISSUER),
                "sub": fid,
                "aud": self.domain,
                "iat": dev.now,
                "exp": dev.now.saturating_add(3600),
            }),
        ))
    }
}
