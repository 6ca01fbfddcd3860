//! `[turnkey]`: Turnkey session JWTs (P-256 over a double SHA-256, by Turnkey's notarizer).
//!
//! ```toml
//! [turnkey]
//! organization_ids = ["7f2b1a3c-…"]
//! session_types = ["SESSION_TYPE_READ_WRITE"]
//! ```

use claims_core::providers::turnkey::NOTARIZER_PUBLIC_KEY;
use claims_core::{Algorithm, Policy, ProviderId};
use serde_json::json;

use super::{DevSignature, DevToken, DevValues, ExtraIssuers, KeyContext, Provider, RuleSettings};
use crate::config::ConfigError;
use crate::key_source::KeySource;

super::provider_table! {
    /// `[turnkey]`
    pub struct TurnkeyConfig {
        /// The (sub-)organizations that are yours (required, non-empty): the token has no
        /// audience, so without this list any Turnkey customer's token would pass.
        pub organization_ids: Vec<String>,
        /// Accepted `session_type` values (default: any), e.g. `["SESSION_TYPE_READ_WRITE"]`.
        #[serde(default)]
        pub session_types: Vec<String>,
        /// The notarizer key, uncompressed P-256 in hex (default: Turnkey's production key).
        pub notarizer_public_key: Option<String>,
    }
}

impl TurnkeyConfig {
    fn notarizer(&self) -> &str {
        self.notarizer_public_key
            .as_deref()
            .unwrap_or(NOTARIZER_PUBLIC_KEY)
    }
}

impl Provider for TurnkeyConfig {
    fn id(&self) -> ProviderId {
        ProviderId::TURNKEY
    }

    fn policy(&self) -> Result<Policy, ConfigError> {
        if self.organization_ids.is_empty() || self.organization_ids.iter().any(String::is_empty) {
            return Err(ConfigError::new(
                "turnkey.organization_ids",
                "must list your organization ids (non-empty strings): Turnkey tokens have no audience",
            ));
        }
        if claims_core::providers::turnkey::TurnkeySignature::new(self.notarizer()).is_err() {
            return Err(ConfigError::new(
                "turnkey.notarizer_public_key",
                "not an uncompressed P-256 public key in hex (04 and 128 hex digits)",
            ));
        }
        let policy = Policy::turnkey(self.organization_ids.iter().cloned(), self.notarizer())
            .map_err(|e| ConfigError::new("turnkey.organization_ids", e))?;
        if self.session_types.is_empty() {
            return Ok(policy);
        }
        policy
            .with_claim_values("session_type", self.session_types.iter().cloned())
            .map_err(|_| ConfigError::new("turnkey.session_types", "must not contain \"\""))
    }

    fn key_source(&self, _keys: &KeyContext<'_>) -> Result<KeySource, ConfigError> {
        Ok(KeySource::InScheme)
    }

    fn verifiable_algorithms(&self) -> &'static [Algorithm] {
        &[Algorithm::ES256]
    }

    fn extra_issuers_rule(&self) -> ExtraIssuers {
        ExtraIssuers::Refused("Turnkey tokens carry no iss")
    }

    fn rules(&self) -> RuleSettings<'_> {
        self.table_rules()
    }

    fn dev_token(&self, dev: &DevValues<'_>) -> Option<DevToken> {
        let mut token = DevToken::new(
            Algorithm::ES256,
            json!({
                "exp": dev.now.saturating_add(900),
                "public_key": dev.wallet_public_key,
                "session_type": self.session_types.first().map_or("SESSION_TYPE_READ_WRITE", String::as_str),
                "user_id": dev.user_id,
                "organization_id": self.organization_ids.first(),
            }),
        );
        token.signature = DevSignature::Es256OverSha256;
        Some(token)
    }
}
