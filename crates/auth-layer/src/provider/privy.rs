//! `[privy]`: Privy (privy.io). ES256 access and identity tokens, from the app's JWKS or the
//! dashboard's verification key.

use std::sync::Arc;

use claims_core::providers::privy::ISSUER;
use claims_core::{Algorithm, EcCurve, Policy, ProviderId, VerifyingKey};
use serde_json::json;

use super::{DevToken, DevValues, KeyContext, Provider, RuleSettings};
use crate::config::ConfigError;
use crate::key_source::KeySource;

super::provider_table! {
    /// `[privy]`
    pub struct PrivyConfig {
        /// Your Privy app id: the expected `aud`, and part of the default JWKS URL.
        pub app_id: String,
        /// Override the JWKS URL (default
        /// `https://auth.privy.io/api/v1/apps/<app_id>/jwks.json`).
        pub jwks_url: Option<String>,
        /// The dashboard's verification key (SPKI PEM, P-256) instead of the JWKS.
        pub verification_key_pem: Option<String>,
        /// Accept access tokens only (they carry `sid`; identity tokens do not). Default false:
        /// identity tokens are accepted too, and their `linked_accounts` fill the identity.
        #[serde(default)]
        pub access_tokens_only: bool,
    }
}

/// Privy's JWKS URL for an app.
pub fn privy_jwks_url(app_id: &str) -> String {
    format!("https://auth.privy.io/api/v1/apps/{app_id}/jwks.json")
}

impl Provider for PrivyConfig {
    fn id(&self) -> ProviderId {
        ProviderId::PRIVY
    }

    fn policy(&self) -> Result<Policy, ConfigError> {
        let policy =
            Policy::privy(self.app_id.clone()).map_err(|e| ConfigError::new("privy.app_id", e))?;
        Ok(if self.access_tokens_only {
            policy.with_required_claims(["sid"])
        } else {
            policy
        })
    }

    fn key_source(&self, keys: &KeyContext<'_>) -> Result<KeySource, ConfigError> {
        if self.jwks_url.is_some() && self.verification_key_pem.is_some() {
            return Err(ConfigError::new(
                "privy.verification_key_pem",
                "set jwks_url or verification_key_pem, not both",
            ));
        }
        match &self.verification_key_pem {
            Some(pem) => VerifyingKey::from_pem(pem)
                .ok()
                .filter(|k| k.curve() == Some(EcCurve::P256))
                .map(|k| KeySource::Static(Arc::new(k)))
                .ok_or_else(|| {
                    ConfigError::new("privy.verification_key_pem", "not a PEM P-256 public key")
                }),
            None => {
                let url = match &self.jwks_url {
                    Some(url) => url.clone(),
                    None => privy_jwks_url(&self.app_id),
                };
                keys.jwks("privy.jwks_url", &url)
            }
        }
    }

    fn verifiable_algorithms(&self) -> &'static [Algorithm] {
        &[Algorithm::ES256]
    }

    fn rules(&self) -> RuleSettings<'_> {
        self.table_rules()
    }

    fn dev_token(&self, dev: &DevValues<'_>) -> Option<DevToken> {
        let linked = json!([
            {"type": "email", "address": dev.email, "lv": dev.now},
            {
                "type": "wallet",
                "address": dev.wallet_address,
                "chain_type": "ethereum",
                "wallet_client_type": "privy",
                "lv": dev.now,
            },
        ]);
        Some(DevToken::new(
            Algorithm::ES256,
            json!({
                "iss": ISSUER,
                "iat": dev.now,
                "aud": self.app_id,
                "sub": format!("did:privy:{}", dev.user_id),
                "exp": dev.now.saturating_add(3600),
                "linked_accounts": linked.to_string(),
            }),
        ))
    }
}
