//! `[thirdweb]`: thirdweb Auth tokens, signed by your app's admin wallet (EIP-191, not ES256).
//!
//! ```toml
//! [thirdweb]
//! admin_address = "0x5B38Da6a701c568545dCfcB03FcB875f56beddC4"
//! domain = "example.com"
//! ```

use claims_core::{Algorithm, Policy, ProviderId};
use serde_json::json;

use super::{DevSignature, DevToken, DevValues, ExtraIssuers, KeyContext, Provider, RuleSettings};
use crate::config::ConfigError;
use crate::key_source::KeySource;

super::provider_table! {
    /// `[thirdweb]`
    pub struct ThirdwebConfig {
        /// The app's signing wallet (`0x` + 40 hex digits): the signer and `iss` (required).
        pub admin_address: String,
        /// The app's domain: the expected `aud` (required).
        pub domain: String,
    }
}

impl Provider for ThirdwebConfig {
    fn id(&self) -> ProviderId {
        ProviderId::THIRDWEB
    }

    fn policy(&self) -> Result<Policy, ConfigError> {
        if signin_core::evm_signature::parse_address(&self.admin_address).is_none() {
            return Err(ConfigError::new(
                "thirdweb.admin_address",
                format!(
                    "{:?} is not an address (0x and 40 hex digits)",
                    self.admin_address
                ),
            ));
        }
        Policy::thirdweb(&self.admin_address, self.domain.clone())
            .map_err(|e| ConfigError::new("thirdweb.domain", e))
    }

    fn key_source(&self, _keys: &KeyContext<'_>) -> Result<KeySource, ConfigError> {
        Ok(KeySource::InScheme)
    }

    fn verifiable_algorithms(&self) -> &'static [Algorithm] {
        &[Algorithm::ES256]
    }

    fn extra_issuers_rule(&self) -> ExtraIssuers {
        ExtraIssuers::Refused("the issuer is the admin address, which signs the tokens")
    }

    fn rules(&self) -> RuleSettings<'_> {
        self.table_rules()
    }

    fn dev_token(&self, dev: &DevValues<'_>) -> Option<DevToken> {
        let mut token = DevToken::new(
            Algorithm::ES256,
            json!({
                "iss": self.admin_address,
                "sub": dev.wallet_address,
                "aud": self.domain,
                "exp": dev.now.saturating_add(86_400),
                "nbf": dev.now,
                "iat": dev.now,
                "jti": format!("dev-{}", dev.now),
                "ctx": {},
            }),
        );
        token.signature = DevSignature::Eip191Payload;
        Some(token)
    }
}
