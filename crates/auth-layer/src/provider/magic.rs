//! `[magic]`: Magic (magic.link) DID tokens, verified offline: the proof recovers to the
//! wallet in `iss`, and `aud` must be your client id.
//!
//! ```toml
//! [magic]
//! client_id = "did:magic:2a5a6f3e-…"
//! ```

use claims_core::{Algorithm, Policy, ProviderId};
use serde_json::json;

use super::{DevSignature, DevToken, DevValues, ExtraIssuers, KeyContext, Provider, RuleSettings};
use crate::config::ConfigError;
use crate::key_source::KeySource;

super::provider_table! {
    /// `[magic]`
    pub struct MagicConfig {
        /// Your Magic client id: the expected `aud` (required).
        pub client_id: String,
    }
}

impl Provider for MagicConfig {
    fn id(&self) -> ProviderId {
        ProviderId::MAGIC
    }

    fn policy(&self) -> Result<Policy, ConfigError> {
        Policy::magic(self.client_id.clone()).map_err(|e| ConfigError::new("magic.client_id", e))
    }

    fn key_source(&self, _keys: &KeyContext<'_>) -> Result<KeySource, ConfigError> {
        Ok(KeySource::InScheme)
    }

    fn verifiable_algorithms(&self) -> &'static [Algorithm] {
        &[Algorithm::ES256]
    }

    fn extra_issuers_rule(&self) -> ExtraIssuers {
        ExtraIssuers::Refused(
            "a Magic token's iss is the user's own did:ethr: it is not configured",
        )
    }

    fn rules(&self) -> RuleSettings<'_> {
        self.table_rules()
    }

    fn dev_token(&self, dev: &DevValues<'_>) -> Option<DevToken> {
        let mut token = DevToken::new(
            Algorithm::ES256,
            json!({
                "iat": dev.now,
                "ext": dev.now.saturating_add(900),
                "nbf": dev.now,
                "iss": format!("did:ethr:{}", dev.signer_address),
                "sub": dev.user_id,
                "aud": self.client_id,
                "tid": format!("dev-{}", dev.now),
                "add": "none",
            }),
        );
        token.signature = DevSignature::Eip191DidToken;
        Some(token)
    }
}
