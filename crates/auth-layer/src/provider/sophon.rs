//! `[sophon]`: Sophon (sophon.xyz). RS256 access tokens from Sophon's JWKS.

use claims_core::providers::sophon::ISSUER;
use claims_core::{Algorithm, Policy, ProviderId};
use serde::Deserialize;
use serde_json::json;

use super::{DevToken, DevValues, KeyContext, Provider, RuleSettings};
use crate::config::ConfigError;
use crate::key_source::KeySource;

/// Sophon's networks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum SophonNetwork {
    /// `https://api.my.sophon.xyz/.well-known/jwks.json`
    #[default]
    Mainnet,
    /// `https://api.my.staging.sophon.xyz/.well-known/jwks.json`
    Testnet,
}

impl SophonNetwork {
    /// The JWKS URL from Sophon's SDK.
    pub fn jwks_url(self) -> &'static str {
        match self {
            SophonNetwork::Mainnet => "https://api.my.sophon.xyz/.well-known/jwks.json",
            SophonNetwork::Testnet => "https://api.my.staging.sophon.xyz/.well-known/jwks.json",
        }
    }
}

super::provider_table! {
    /// `[sophon]`
    pub struct SophonConfig {
        /// Expected `aud`.
        pub partner_id: String,
        /// `mainnet` (default) or `testnet`.
        #[serde(default)]
        pub network: SophonNetwork,
        /// Override the JWKS URL.
        pub jwks_url: Option<String>,
        /// Override the issuer (default `https://auth.sophon.xyz`).
        pub issuer: Option<String>,
    }
}

impl Provider for SophonConfig {
    fn id(&self) -> ProviderId {
        ProviderId::SOPHON
    }

    fn policy(&self) -> Result<Policy, ConfigError> {
        let p = Policy::sophon(self.partner_id.clone())
            .map_err(|e| ConfigError::new("sophon.partner_id", e))?;
        match &self.issuer {
            Some(iss) => p
                .with_issuers([iss.clone()])
                .map_err(|e| ConfigError::new("sophon.issuer", e)),
            None => Ok(p),
        }
    }

    fn key_source(&self, keys: &KeyContext<'_>) -> Result<KeySource, ConfigError> {
        let url = self.jwks_url.as_deref().unwrap_or(self.network.jwks_url());
        keys.jwks("sophon.jwks_url", url)
    }

    fn rules(&self) -> RuleSettings<'_> {
        self.table_rules()
    }

    fn dev_token(&self, dev: &DevValues<'_>) -> Option<DevToken> {
        Some(DevToken::new(
            Algorithm::RS256,
            json!({
                "iss": self.issuer.as_deref().unwrap_or(ISSUER),
                "aud": self.partner_id,
                "sub": dev.wallet_address.to_ascii_lowercase(),
                "userId": dev.user_id,
                "scope": "email",
                "sid": "5b7e9c1d-3f2a-4e6b-8c0d-1a2b3c4d5e6f",
                "typ": "access",
                "iat": dev.now,
                "exp": dev.now.saturating_add(86_400),
            }),
        ))
    }
}
