//! `[dynamic]`: Dynamic (dynamic.xyz). RS256 from the environment's JWKS or its static PEM.

use std::sync::Arc;

use claims_core::providers::dynamic::ISSUER_HOSTS;
use claims_core::{Algorithm, AlgorithmFamily, Policy, ProviderId, SignatureKey, VerifyingKey};
use serde_json::json;

use super::{DevToken, DevValues, ExtraIssuers, KeyContext, Provider, RuleSettings};
use crate::config::ConfigError;
use crate::key_source::KeySource;

super::provider_table! {
    /// `[dynamic]`
    pub struct DynamicConfig {
        /// The environment id (in `iss` and the default JWKS URL).
        pub environment_id: String,
        /// Override the JWKS URL.
        pub jwks_url: Option<String>,
        /// The environment's static public key (PEM) instead of the JWKS.
        pub public_key_pem: Option<String>,
        /// Accepted `aud` values (page origins); empty: not checked.
        #[serde(default)]
        pub audience: Vec<String>,
        /// Accept tokens that still require additional auth (MFA pending). Default false.
        #[serde(default)]
        pub allow_additional_auth: bool,
    }
}

/// Dynamic's JWKS URL for an environment.
pub fn dynamic_jwks_url(environment_id: &str) -> String {
    format!("https://app.dynamic.xyz/api/v0/sdk/{environment_id}/.well-known/jwks")
}

impl Provider for DynamicConfig {
    fn id(&self) -> ProviderId {
        ProviderId::DYNAMIC
    }

    fn policy(&self) -> Result<Policy, ConfigError> {
        Ok(Policy::dynamic(self.environment_id.clone())
            .map_err(|e| ConfigError::new("dynamic.environment_id", e))?
            .with_audiences(self.audience.clone())
            .allow_additional_auth(self.allow_additional_auth))
    }

    fn key_source(&self, keys: &KeyContext<'_>) -> Result<KeySource, ConfigError> {
        match &self.public_key_pem {
            Some(pem) => VerifyingKey::from_pem(pem)
                .ok()
                .filter(|k| k.family() == AlgorithmFamily::Rsa)
                .map(|k| KeySource::Static(Arc::new(k)))
                .ok_or_else(|| {
                    ConfigError::new("dynamic.public_key_pem", "not a PEM RSA public key")
                }),
            None => {
                let url = self
                    .jwks_url
                    .clone()
                    .unwrap_or_else(|| dynamic_jwks_url(&self.environment_id));
                keys.jwks("dynamic.jwks_url", &url)
            }
        }
    }

    fn verifiable_algorithms(&self) -> &'static [Algorithm] {
        if self.public_key_pem.is_some() {
            AlgorithmFamily::Rsa.algorithms()
        } else {
            Algorithm::public_key()
        }
    }

    fn extra_issuers_rule(&self) -> ExtraIssuers {
        ExtraIssuers::EndingIn(format!("/{}", self.environment_id))
    }

    fn rules(&self) -> RuleSettings<'_> {
        self.table_rules()
    }

    fn dev_token(&self, dev: &DevValues<'_>) -> Option<DevToken> {
        let env = &self.environment_id;
        let host = ISSUER_HOSTS.first()?;
        Some(DevToken::new(
            Algorithm::RS256,
            json!({
                "kid": dev.rsa_kid,
                "aud": self.audience.first().map_or("http://localhost:3000", String::as_str),
                "iss": format!("{host}/{env}"),
                "sub": dev.user_id,
                "sid": "7c1a9e3b-5d2f-4a6c-8e0b-2c3d4e5f6a7b",
                "environment_id": env,
                "iat": dev.now,
                "exp": dev.now.saturating_add(7200),
                "scope": "user:basic",
                "alias": "dev",
                "email": dev.email,
                "given_name": "Dev",
                "family_name": "User",
                "lists": [],
                "missing_fields": [],
                "new_user": false,
                "first_visit": "2024-01-01T00:00:00.000Z",
                "last_verified_credential_id": "c1a2b3c4-d5e6-4f70-8192-a3b4c5d6e7f8",
                "verified_credentials": [
                    {
                        "id": "c1a2b3c4-d5e6-4f70-8192-a3b4c5d6e7f8",
                        "format": "blockchain",
                        "address": dev.wallet_address,
                        "chain": "eip155",
                        "public_identifier": dev.wallet_address,
                        "wallet_name": "metamask",
                        "wallet_provider": "browserExtension",
                    },
                    {
                        "id": "e1f2a3b4-c5d6-4e7f-8091-b2c3d4e5f6a7",
                        "format": "email",
                        "email": dev.email,
                        "public_identifier": dev.email,
                    },
                ],
                "metadata": {},
            }),
        ))
    }
}
