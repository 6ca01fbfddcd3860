//! `[parra]`: Parra (parra.io). HS256 access tokens signed with API key secrets.

use std::sync::Arc;

use claims_core::providers::parra::CONTENT_TYPE;
use claims_core::{Algorithm, AlgorithmFamily, ParraKeyring, Policy, ProviderId};
use serde::Deserialize;
use serde_json::json;

use super::{DevToken, DevValues, ExtraIssuers, KeyContext, Provider, RuleSettings};
use crate::config::{ConfigError, secret};
use crate::key_source::KeySource;

super::provider_table! {
    /// `[parra]` with `[[parra.keys]]`
    pub struct ParraConfig {
        /// One entry per API key.
        pub keys: Vec<ParraKeyConfig>,
    }
}

/// `[[parra.keys]]`
#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct ParraKeyConfig {
    /// API Key ID (the token's `iss`).
    pub id: String,
    /// API Key Secret.
    pub secret: Option<String>,
    /// Name of an environment variable holding the secret.
    pub secret_env: Option<String>,
    /// Expected `sub`.
    pub tenant_id: String,
}

impl std::fmt::Debug for ParraKeyConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ParraKeyConfig")
            .field("id", &self.id)
            .field("secret", &self.secret.as_ref().map(|_| "<redacted>"))
            .field("secret_env", &self.secret_env)
            .field("tenant_id", &self.tenant_id)
            .finish()
    }
}

impl Provider for ParraConfig {
    fn id(&self) -> ProviderId {
        ProviderId::PARRA
    }

    fn policy(&self) -> Result<Policy, ConfigError> {
        if self.keys.is_empty() {
            return Err(ConfigError::new(
                "parra.keys",
                "at least one key is required",
            ));
        }
        Policy::parra(
            self.keys
                .iter()
                .map(|k| (k.id.clone(), k.tenant_id.clone())),
        )
        .map_err(|e| ConfigError::new("parra.keys", e))
    }

    fn key_source(&self, _keys: &KeyContext<'_>) -> Result<KeySource, ConfigError> {
        let mut keyring = ParraKeyring::new();
        for (i, k) in self.keys.iter().enumerate() {
            let field = format!("parra.keys[{i}]");
            let secret = secret(&field, k.secret.as_deref(), k.secret_env.as_deref())?;
            keyring
                .insert(k.id.clone(), secret.as_bytes())
                .map_err(|e| ConfigError::new(format!("{field}.secret"), e))?;
        }
        Ok(KeySource::Parra(Arc::new(keyring)))
    }

    fn verifiable_algorithms(&self) -> &'static [Algorithm] {
        AlgorithmFamily::Hmac.algorithms()
    }

    fn extra_issuers_rule(&self) -> ExtraIssuers {
        ExtraIssuers::Refused(
            "Parra's issuers are its API key ids: add a [[parra.keys]] entry instead",
        )
    }

    fn rules(&self) -> RuleSettings<'_> {
        self.table_rules()
    }

    fn dev_token(&self, dev: &DevValues<'_>) -> Option<DevToken> {
        let key = self.keys.first()?;
        let mut token = DevToken::new(
            Algorithm::HS256,
            json!({
                "iss": key.id,
                "sub": key.tenant_id,
                "iat": dev.now,
                "exp": dev.now.saturating_add(3600),
                "jti": format!("{}-{}", key.id, dev.now),
                "grants": { "identity": dev.user_id },
            }),
        );
        token.content_type = Some(CONTENT_TYPE);
        Some(token)
    }
}
