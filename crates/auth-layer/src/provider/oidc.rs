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
use std::sync::Arc;

use claims_core::{Algorithm, Audience, OidcClaims, Policy, ProviderId, VerifyingKey};

use super::{DevToken, DevValues, KeyContext, Provider, RuleSettings};
use crate::config::ConfigError;
use crate::key_source::KeySource;

/// The shortest HMAC secret accepted (RFC 7518 §3.2: at least the hash's size, 256 bits).
const MIN_SECRET_BYTES: usize = 32;

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
        /// `aud` must contain one of these (a string or a list, read as `aud` is). Required
        /// unless `authorized_parties` is set.
        pub audience: Option<Audience>,
        /// `azp` must be one of these (Clerk's session tokens have no `aud`; Clerk documents
        /// this check against your app's origins). At least one of `audience` and
        /// `authorized_parties` is required.
        #[serde(default)]
        pub authorized_parties: Vec<String>,
        /// The key set's URL (or set `discovery = true`, or `secret_env`).
        pub jwks_url: Option<String>,
        /// The environment variable holding a shared secret, for issuers that sign with HMAC
        /// (legacy Supabase projects): only with `algorithms = ["HS256"]` (or HS384/HS512), and
        /// never with `jwks_url` or `discovery`.
        pub secret_env: Option<String>,
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

impl OidcConfig {
    /// `secret_env` only with HMAC `algorithms`, and never with a key set.
    fn check_secret(&self) -> Result<(), ConfigError> {
        let table = self.table();
        let Some(_) = &self.secret_env else {
            return Ok(());
        };
        if self.jwks_url.is_some() || self.discovery {
            return Err(ConfigError::new(
                format!("{table}.secret_env"),
                "set secret_env or a key set (jwks_url, discovery), not both",
            ));
        }
        let hmac = |names: &[String]| {
            !names.is_empty()
                && names.iter().all(|n| {
                    n.parse::<Algorithm>()
                        .is_ok_and(|a| a.family() == claims_core::AlgorithmFamily::Hmac)
                })
        };
        if !self.algorithms.as_deref().is_some_and(hmac) {
            return Err(ConfigError::new(
                format!("{table}.algorithms"),
                "with secret_env, set algorithms = [\"HS256\"] (HS256, HS384 or HS512)",
            ));
        }
        Ok(())
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
        self.check_secret()?;
        let audiences: Vec<&str> = self.audience.iter().flat_map(Audience::iter).collect();
        if audiences.is_empty() && self.authorized_parties.is_empty() {
            return Err(ConfigError::new(
                field("audience"),
                "missing (set audience, or authorized_parties for issuers whose tokens have no aud)",
            ));
        }
        let policy = if audiences.is_empty() {
            if self.issuer.is_empty() {
                return Err(ConfigError::new(field("issuer"), "must not be empty"));
            }
            Policy::new::<OidcClaims>(self.id(), DEFAULT_ALGORITHMS)
                .and_then(|p| p.with_issuers([self.issuer.clone()]))
                .map_err(|e| ConfigError::new(field("issuer"), e))?
        } else {
            Policy::oidc(self.id(), self.issuer.clone(), audiences).map_err(|e| match e {
                claims_core::PolicyError::Empty("oidc.issuer") => {
                    ConfigError::new(field("issuer"), "must not be empty")
                }
                e => ConfigError::new(field("audience"), e),
            })?
        };
        let policy = if self.authorized_parties.is_empty() {
            policy
        } else {
            policy
                .with_claim_values("azp", self.authorized_parties.iter().cloned())
                .map_err(|_| {
                    ConfigError::new(field("authorized_parties"), "must not contain \"\"")
                })?
        };
        let policy = match &self.secret_env {
            // The allow-list of `algorithms` (HMAC only, checked above) replaces RS256.
            Some(_) => policy
                .with_algorithms(&[Algorithm::HS256])
                .map_err(|e| ConfigError::new(field("algorithms"), e))?,
            None => policy,
        };
        policy
            .with_identity_claims(self.user_id_claim.clone(), self.email_claim.clone())
            .map_err(|e| ConfigError::new(field("user_id_claim"), e))
    }

    fn verifiable_algorithms(&self) -> &'static [Algorithm] {
        if self.secret_env.is_some() {
            &[Algorithm::HS256, Algorithm::HS384, Algorithm::HS512]
        } else {
            Algorithm::public_key()
        }
    }

    fn key_source(&self, keys: &KeyContext<'_>) -> Result<KeySource, ConfigError> {
        let table = self.table();
        if let Some(var) = &self.secret_env {
            let secret = crate::config::build::secret(&table, None, Some(var))?;
            if secret.len() < MIN_SECRET_BYTES {
                return Err(ConfigError::new(
                    format!("{table}.secret_env"),
                    format!(
                        "the secret in {var} is {} bytes; an HMAC key needs at least {MIN_SECRET_BYTES} (RFC 7518 §3.2)",
                        secret.len()
                    ),
                ));
            }
            return VerifyingKey::hmac(secret.as_bytes())
                .map(|k| KeySource::Static(Arc::new(k)))
                .map_err(|e| ConfigError::new(format!("{table}.secret_env"), e));
        }
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
            "aud": self.audience.as_ref().and_then(|a| a.iter().next()),
            "azp": self.authorized_parties.first(),
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
