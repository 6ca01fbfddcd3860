//! `[[oidc]]`: any OpenID Connect or JWKS issuer, one table per issuer.
//!
//! ```toml
//! [[oidc]]
//! name = "auth0"
//! issuer = "https://example.eu.auth0.com/"
//! audience = ["https://api.example.com"]
//! discovery = true
//! ```

use claims_core::provider_id::is_valid_name;
use claims_core::providers::oidc::DEFAULT_ALGORITHMS;
use claims_core::{Algorithm, Audience, Policy, ProviderId};

use super::{DevToken, DevValues, KeyContext, Provider, RuleSettings};
use crate::config::ConfigError;
use crate::key_source::KeySource;

fn default_user_id_claim() -> String {
    "sub".to_owned()
}

fn default_email_claim() -> String {
    "email".to_owned()
}

super::provider_table! {
    /// One `[[oidc]]` table: a standard issuer.
    pub struct OidcConfig {
        /// The provider id (metrics label, `Identity.provider`, command-line output): 1 to 64
        /// ASCII letters, digits, `-` or `_`, and not a built-in provider's name.
        pub name: String,
        /// The issuer: `iss` must equal it exactly.
        pub issuer: String,
        /// Required: `aud` must contain one of these (a string or a list, read as `aud` is).
        pub audience: Audience,
        /// The key set's URL (or set `discovery = true`).
        pub jwks_url: Option<String>,
        /// Read `jwks_uri` from `<issuer>/.well-known/openid-configuration` (default false).
        #[serde(default)]
        pub discovery: bool,
        /// The claim holding the user id (default `sub`).
        #[serde(default = "default_user_id_claim")]
        pub user_id_claim: String,
        /// The claim holding the email (default `email`).
        #[serde(default = "default_email_claim")]
        pub email_claim: String,
        #[serde(skip)]
        /// Where the table sits in the file (`oidc[1]`), for error messages.
        pub position: usize,
    }
}

impl Provider for OidcConfig {
    fn id(&self) -> ProviderId {
        ProviderId::new(&self.name)
    }

    fn table(&self) -> String {
        format!("oidc[{}]", self.position)
    }

    fn policy(&self) -> Result<Policy, ConfigError> {
        let table = self.table();
        if !is_valid_name(&self.name) {
            return Err(ConfigError::new(
                format!("{table}.name"),
                format!(
                    "{:?} is not 1 to 64 ASCII letters, digits, - or _",
                    self.name
                ),
            ));
        }
        if ProviderId::builtin(&self.name).is_some() {
            return Err(ConfigError::new(
                format!("{table}.name"),
                format!("{:?} is a built-in provider: use its own table", self.name),
            ));
        }
        let field = |key: &str| format!("{table}.{key}");
        let policy = Policy::oidc(self.id(), self.issuer.clone(), self.audience.iter()).map_err(
            |e| match e {
                claims_core::PolicyError::Empty("oidc.issuer") => {
                    ConfigError::new(field("issuer"), "must not be empty")
                }
                e => ConfigError::new(field("audience"), e),
            },
        )?;
        policy
            .with_identity_claims(self.user_id_claim.clone(), self.email_claim.clone())
            .map_err(|e| ConfigError::new(field("user_id_claim"), e))
    }

    fn key_source(&self, keys: &KeyContext<'_>) -> Result<KeySource, ConfigError> {
        let table = self.table();
        match (&self.jwks_url, self.discovery) {
            (Some(url), false) => keys.jwks(&format!("{table}.jwks_url"), url),
            (None, true) => keys.discovered(&format!("{table}.issuer"), &self.issuer),
            (Some(_), true) => Err(ConfigError::new(
                format!("{table}.discovery"),
                "set jwks_url or discovery = true, not both",
            )),
            (None, false) => Err(ConfigError::new(
                format!("{table}.jwks_url"),
                "missing (set jwks_url, or discovery = true)",
            )),
        }
    }

    fn rules(&self) -> RuleSettings<'_> {
        self.table_rules()
    }

    fn dev_token(&self, dev: &DevValues<'_>) -> Option<DevToken> {
        let alg = self
            .algorithms
            .as_ref()
            .and_then(|a| a.first())
            .and_then(|a| a.parse::<Algorithm>().ok())
            .or(DEFAULT_ALGORITHMS.first().copied())?;
        let mut claims = serde_json::json!({
            "iss": self.issuer,
            "aud": self.audience.iter().next(),
            "iat": dev.now,
            "exp": dev.now.saturating_add(3600),
        });
        if let Some(c) = claims.as_object_mut() {
            c.insert(self.user_id_claim.clone(), dev.user_id.into());
            c.insert(self.email_claim.clone(), dev.email.into());
        }
        Some(DevToken::new(alg, claims))
    }
}
