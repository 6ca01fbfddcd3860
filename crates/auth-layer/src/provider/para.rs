//! `[para]`: Para (getpara.com). RS256 or ES256 from a JWKS per environment; no `iss`.

use claims_core::{Algorithm, Policy, ProviderId};
use serde::Deserialize;
use serde_json::json;

use super::{DevToken, DevValues, ExtraIssuers, KeyContext, Provider, RuleSettings};
use crate::config::ConfigError;
use crate::key_source::KeySource;

/// Para's environments.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum ParaEnvironment {
    /// `https://api.sandbox.getpara.com/.well-known/jwks.json`
    Sandbox,
    /// `https://api.beta.getpara.com/.well-known/jwks.json`
    Beta,
    /// `https://api.getpara.com/.well-known/jwks.json`
    #[default]
    Prod,
}

impl ParaEnvironment {
    /// The documented JWKS URL.
    pub fn jwks_url(self) -> &'static str {
        match self {
            ParaEnvironment::Sandbox => "https://api.sandbox.getpara.com/.well-known/jwks.json",
            ParaEnvironment::Beta => "https://api.beta.getpara.com/.well-known/jwks.json",
            ParaEnvironment::Prod => "https://api.getpara.com/.well-known/jwks.json",
        }
    }
}

super::provider_table! {
    /// `[para]`
    pub struct ParaConfig {
        /// `sandbox`, `beta` or `prod` (default `prod`; ignored when `jwks_url` is set).
        #[serde(default)]
        pub environment: ParaEnvironment,
        /// Override the JWKS URL.
        pub jwks_url: Option<String>,
        /// Expected `aud` (the API key id), when set.
        pub audience: Option<String>,
    }
}

impl Provider for ParaConfig {
    fn id(&self) -> ProviderId {
        ProviderId::PARA
    }

    fn policy(&self) -> Result<Policy, ConfigError> {
        Ok(Policy::para().with_audiences(self.audience.clone()))
    }

    fn key_source(&self, keys: &KeyContext<'_>) -> Result<KeySource, ConfigError> {
        let url = self
            .jwks_url
            .as_deref()
            .unwrap_or(self.environment.jwks_url());
        keys.jwks("para.jwks_url", url)
    }

    fn extra_issuers_rule(&self) -> ExtraIssuers {
        ExtraIssuers::Refused("Para's tokens carry no iss, so there is no issuer to add to")
    }

    fn rules(&self) -> RuleSettings<'_> {
        self.table_rules()
    }

    fn dev_token(&self, dev: &DevValues<'_>) -> Option<DevToken> {
        let mut claims = json!({
            "sub": dev.user_id,
            "iat": dev.now,
            "exp": dev.now.saturating_add(1800),
            "data": {
                "userId": dev.user_id,
                "wallets": [{
                    "id": "0d6f4c1e-2b3a-4f5e-8d7c-9a0b1c2d3e4f",
                    "type": "EVM",
                    "address": dev.wallet_address,
                    "publicKey": "",
                }],
                "email": dev.email,
                "authType": "email",
                "identifier": dev.email,
            },
        });
        if let (Some(aud), Some(c)) = (&self.audience, claims.as_object_mut()) {
            c.insert("aud".into(), json!(aud));
        }
        Some(DevToken::new(Algorithm::RS256, claims))
    }
}
