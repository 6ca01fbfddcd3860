//! `[web3auth]`: Web3Auth (web3auth.io). ES256 identity tokens, a key set per issuer or the
//! project's SPKI key.

use std::collections::HashMap;
use std::sync::Arc;

use claims_core::providers::web3auth::{EXTERNAL_WALLET_ISSUER, ISSUER};
use claims_core::{Algorithm, EcCurve, Policy, ProviderId, VerifyingKey};
use serde_json::json;

use super::{DevToken, DevValues, KeyContext, Provider, RuleSettings};
use crate::config::ConfigError;
use crate::key_source::KeySource;

super::provider_table! {
    /// `[web3auth]`
    pub struct Web3AuthConfig {
        /// Expected `aud` (the project's client id).
        pub client_id: String,
        /// Accepted issuers (default `["https://api-auth.web3auth.io"]`).
        pub issuers: Option<Vec<String>>,
        /// Override the key set of every issuer.
        pub jwks_url: Option<String>,
        /// The project's SPKI verification key (PEM) instead of JWKS.
        pub verification_key_pem: Option<String>,
    }
}

/// Web3Auth's key set for an issuer.
pub fn web3auth_jwks_url(issuer: &str) -> Option<&'static str> {
    match issuer {
        ISSUER | "https://api.openlogin.com" => Some("https://api-auth.web3auth.io/jwks"),
        EXTERNAL_WALLET_ISSUER => Some("https://authjs.web3auth.io/jwks"),
        _ => None,
    }
}

impl Provider for Web3AuthConfig {
    fn id(&self) -> ProviderId {
        ProviderId::WEB3AUTH
    }

    fn policy(&self) -> Result<Policy, ConfigError> {
        let p = Policy::web3auth(self.client_id.clone())
            .map_err(|e| ConfigError::new("web3auth.client_id", e))?;
        match &self.issuers {
            Some(issuers) => p
                .with_issuers(issuers.clone())
                .map_err(|e| ConfigError::new("web3auth.issuers", e)),
            None => Ok(p),
        }
    }

    fn key_source(&self, keys: &KeyContext<'_>) -> Result<KeySource, ConfigError> {
        if let Some(pem) = &self.verification_key_pem {
            return VerifyingKey::from_pem(pem)
                .ok()
                .filter(|k| k.curve() == Some(EcCurve::P256))
                .map(|k| KeySource::Static(Arc::new(k)))
                .ok_or_else(|| {
                    ConfigError::new(
                        "web3auth.verification_key_pem",
                        "not a PEM P-256 public key",
                    )
                });
        }
        let default_issuers = [ISSUER.to_owned()];
        let issuers = self
            .issuers
            .iter()
            .flatten()
            .chain(&self.extra_issuers)
            .chain(
                self.issuers
                    .is_none()
                    .then_some(&default_issuers)
                    .into_iter()
                    .flatten(),
            );
        let mut by_issuer = HashMap::new();
        for iss in issuers {
            let url = match (&self.jwks_url, web3auth_jwks_url(iss)) {
                (Some(url), _) => url.clone(),
                (None, Some(url)) => url.to_owned(),
                (None, None) => {
                    return Err(ConfigError::new(
                        "web3auth.jwks_url",
                        format!("no known key set for issuer {iss:?}; set jwks_url"),
                    ));
                }
            };
            by_issuer.insert(iss.clone(), keys.jwks_source("web3auth.jwks_url", &url)?);
        }
        Ok(KeySource::JwksByIssuer(Arc::new(by_issuer)))
    }

    fn verifiable_algorithms(&self) -> &'static [Algorithm] {
        if self.verification_key_pem.is_some() {
            &[Algorithm::ES256]
        } else {
            Algorithm::public_key()
        }
    }

    fn rules(&self) -> RuleSettings<'_> {
        self.table_rules()
    }

    fn dev_token(&self, dev: &DevValues<'_>) -> Option<DevToken> {
        let iss = self
            .issuers
            .as_ref()
            .and_then(|i| i.first())
            .map_or(ISSUER, String::as_str);
        Some(DevToken::new(
            Algorithm::ES256,
            json!({
                "iat": dev.now,
                "aud": self.client_id,
                "nonce": "03a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9",
                "iss": iss,
                "wallets": [{
                    "public_key": dev.wallet_public_key,
                    "type": "web3auth_app_key",
                    "curve": "secp256k1",
                }],
                "email": dev.email,
                "name": "Dev User",
                "verifier": "web3auth",
                "verifierId": dev.email,
                "aggregateVerifier": "w3a-google",
                "userId": dev.user_id,
                "exp": dev.now.saturating_add(86_400),
            }),
        ))
    }
}
