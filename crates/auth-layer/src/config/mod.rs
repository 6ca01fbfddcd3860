//! The configuration format: one TOML table per provider (`[[oidc]]` tables for any standard
//! issuer), plus `[jwks]`, `[token]` and `[parra_issuer]`.
//!
//! Only the providers present are enabled; providers of your own are added with
//! [`AuthConfig::with_provider`]. Unknown keys, missing fields, `http://` JWKS URLs
//! without `jwks.allow_http`, and PEMs that do not parse fail at start-up with a message naming
//! the field. Environment variables override the file: `WALLET_AUTH__<TABLE>__<KEY>=value` (for
//! example `WALLET_AUTH__SOPHON__PARTNER_ID=abc`); the value is read as TOML when it parses
//! (`true`, `30`, `["a"]`) and as a string otherwise.
//!
//! ```
//! use auth_layer::AuthConfig;
//! let config = AuthConfig::from_toml_str(r#"
//!     [jwks]
//!     cooldown_secs = 30
//!
//!     [sophon]
//!     partner_id = "my-partner-id"
//!     network = "testnet"
//! "#).unwrap();
//! assert_eq!(config.sophon.unwrap().partner_id, "my-partner-id");
//! ```

pub(crate) mod build;
mod limits;
mod tables;

use std::path::Path;

use serde::Deserialize;

pub(crate) use build::secret;
pub(crate) use limits::check_range;
pub use limits::{
    LEEWAY_RANGE, MESSAGE_AGE_RANGE, NONCE_TTL_RANGE, NUMERIC_KEYS, NumericKey,
    PARRA_ISSUER_TTL_RANGE, SERVE_HEADER_BYTES_RANGE, SESSION_TTL_RANGE,
};
pub use tables::{JwksConfig, ParraIssuerConfig, ServeConfig, TokenConfig};

pub use crate::provider::dynamic::{DynamicConfig, dynamic_jwks_url};
pub use crate::provider::farcaster::FarcasterConfig;
pub use crate::provider::magic::MagicConfig;
pub use crate::provider::oidc::OidcConfig;
pub use crate::provider::para::{ParaConfig, ParaEnvironment};
pub use crate::provider::parra::{ParraConfig, ParraKeyConfig};
pub use crate::provider::privy::{PrivyConfig, privy_jwks_url};
pub use crate::provider::signin::{SigninConfig, SigninEthereumConfig, SigninSolanaConfig};
pub use crate::provider::sophon::{SophonConfig, SophonNetwork};
pub use crate::provider::thirdweb::ThirdwebConfig;
pub use crate::provider::turnkey::TurnkeyConfig;
pub use crate::provider::web3auth::{Web3AuthConfig, web3auth_jwks_url};

use std::sync::Arc;

use crate::provider::Provider;

/// A configuration error, naming the field at fault.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct ConfigError {
    /// The field (`dynamic.public_key_pem`), or the file.
    pub field: String,
    /// What is wrong.
    pub message: String,
}

impl ConfigError {
    /// An error for `field` (`privy.app_id`, or a table: `oidc[0]`).
    pub fn new(field: impl Into<String>, message: impl std::fmt::Display) -> Self {
        ConfigError {
            field: field.into(),
            message: message.to_string(),
        }
    }
}

/// The whole configuration.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct AuthConfig {
    /// `[jwks]`: key fetching and clock leeway.
    #[serde(default)]
    pub jwks: JwksConfig,
    /// `[token]`: where tokens are read from.
    #[serde(default)]
    pub token: TokenConfig,
    /// `[para]`
    pub para: Option<ParaConfig>,
    /// `[parra]` with `[[parra.keys]]`
    pub parra: Option<ParraConfig>,
    /// `[sophon]`
    pub sophon: Option<SophonConfig>,
    /// `[dynamic]`
    pub dynamic: Option<DynamicConfig>,
    /// `[web3auth]`
    pub web3auth: Option<Web3AuthConfig>,
    /// `[privy]`
    pub privy: Option<PrivyConfig>,
    /// `[signin]`: wallet sign-in (SIWE, SIWS) and the sessions it issues.
    pub signin: Option<SigninConfig>,
    /// `[magic]`: Magic DID tokens.
    pub magic: Option<MagicConfig>,
    /// `[thirdweb]`: thirdweb Auth tokens.
    pub thirdweb: Option<ThirdwebConfig>,
    /// `[turnkey]`: Turnkey session JWTs.
    pub turnkey: Option<TurnkeyConfig>,
    /// `[farcaster]`: Farcaster Quick Auth.
    pub farcaster: Option<FarcasterConfig>,
    /// `[[oidc]]`: any standard issuer, one table each.
    #[serde(default)]
    pub oidc: Vec<OidcConfig>,
    /// `[parra_issuer]`: mint Parra tokens at `POST /v1/parra/auth/token`.
    pub parra_issuer: Option<ParraIssuerConfig>,
    /// `[serve]`: the identity headers of the forward-auth service (`wallet-auth serve`).
    #[serde(default)]
    pub serve: ServeConfig,
    /// Providers of your own ([`AuthConfig::with_provider`]).
    #[serde(skip)]
    pub custom: Vec<Arc<dyn Provider>>,
}

const ENV_PREFIX: &str = "WALLET_AUTH__";

impl AuthConfig {
    /// Parse TOML and check every numeric key against its range ([`NUMERIC_KEYS`]).
    pub fn from_toml_str(text: &str) -> Result<Self, ConfigError> {
        let de = toml::de::Deserializer::parse(text).map_err(|e| toml_error(text, "", &e))?;
        let config: Self = serde_path_to_error::deserialize(de)
            .map_err(|e| toml_error(text, &e.path().to_string(), e.inner()))?;
        config.finish()
    }

    /// Read a TOML file, then apply `WALLET_AUTH__…` environment overrides.
    pub fn from_file(path: impl AsRef<Path>) -> Result<Self, ConfigError> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path)
            .map_err(|e| ConfigError::new(path.display().to_string(), e))?;
        // `vars_os`: a variable that is not UTF-8 is skipped, never a panic; ours must be UTF-8.
        let env = std::env::vars_os()
            .filter_map(|(name, value)| Some((name.into_string().ok()?, value)))
            .filter(|(name, _)| name.starts_with(ENV_PREFIX))
            .map(|(name, value)| match value.into_string() {
                Ok(value) => Ok((name, value)),
                Err(_) => Err(ConfigError::new(name, "the value is not UTF-8")),
            })
            .collect::<Result<Vec<_>, _>>()?;
        Self::from_toml_and_env(&text, env)
    }

    /// Parse TOML, then apply the `WALLET_AUTH__<TABLE>__<KEY>` overrides found in `env`.
    pub fn from_toml_and_env(
        text: &str,
        env: impl IntoIterator<Item = (String, String)>,
    ) -> Result<Self, ConfigError> {
        let overrides: Vec<(String, String)> = env
            .into_iter()
            .filter(|(name, _)| name.starts_with(ENV_PREFIX))
            .collect();
        if overrides.is_empty() {
            // Straight from the text, so errors can say where (table and line).
            return Self::from_toml_str(text);
        }
        let mut doc: toml::Table = toml::from_str(text).map_err(|e| toml_error(text, "", &e))?;
        for (name, value) in overrides {
            let Some(path) = name.strip_prefix(ENV_PREFIX) else {
                continue;
            };
            let keys: Vec<String> = path.split("__").map(str::to_ascii_lowercase).collect();
            let Some((last, tables)) = keys.split_last() else {
                continue;
            };
            let mut table = &mut doc;
            for key in tables {
                let entry = table
                    .entry(key.clone())
                    .or_insert_with(|| toml::Value::Table(toml::Table::new()));
                table = entry.as_table_mut().ok_or_else(|| {
                    ConfigError::new(name.clone(), format!("{key} is not a table"))
                })?;
            }
            let parsed = format!("v = {value}")
                .parse::<toml::Table>()
                .ok()
                .and_then(|mut t| t.remove("v"))
                .unwrap_or(toml::Value::String(value));
            table.insert(last.clone(), parsed);
        }
        let config: Self =
            serde_path_to_error::deserialize(serde::de::IntoDeserializer::into_deserializer(doc))
                .map_err(|e| {
                let path = e.path().to_string();
                match limits::numeric_key(&path) {
                    Some(key) => numeric_error(key, path.clone(), e.inner()),
                    None if path.is_empty() || path == "." => {
                        ConfigError::new("config", e.inner().message().trim())
                    }
                    None => ConfigError::new(path, e.inner().message().trim()),
                }
            })?;
        config.finish()
    }

    /// After parsing: number the `[[oidc]]` tables and check the numeric ranges.
    fn finish(mut self) -> Result<Self, ConfigError> {
        for (i, oidc) in self.oidc.iter_mut().enumerate() {
            oidc.position = i;
        }
        self.check_ranges()?;
        Ok(self)
    }

    /// Add a provider of your own (see [`crate::provider`]); its rules and keys are set up with
    /// the others when the verifier is built.
    pub fn with_provider(mut self, provider: impl Provider + 'static) -> Self {
        self.custom.push(Arc::new(provider));
        self
    }

    /// Every configured provider, built-in tables first, then `[[oidc]]`, then your own.
    pub fn providers(&self) -> Vec<&dyn Provider> {
        let mut all: Vec<&dyn Provider> = Vec::new();
        all.extend(self.para.as_ref().map(|p| p as &dyn Provider));
        all.extend(self.parra.as_ref().map(|p| p as &dyn Provider));
        all.extend(self.sophon.as_ref().map(|p| p as &dyn Provider));
        all.extend(self.dynamic.as_ref().map(|p| p as &dyn Provider));
        all.extend(self.web3auth.as_ref().map(|p| p as &dyn Provider));
        all.extend(self.privy.as_ref().map(|p| p as &dyn Provider));
        all.extend(self.signin.as_ref().map(|p| p as &dyn Provider));
        all.extend(self.magic.as_ref().map(|p| p as &dyn Provider));
        all.extend(self.thirdweb.as_ref().map(|p| p as &dyn Provider));
        all.extend(self.turnkey.as_ref().map(|p| p as &dyn Provider));
        all.extend(self.farcaster.as_ref().map(|p| p as &dyn Provider));
        all.extend(self.oidc.iter().map(|p| p as &dyn Provider));
        all.extend(self.custom.iter().map(|p| &**p));
        all
    }
}

/// A TOML error, naming the table and line it points at (`sophon (line 2)`), and for a numeric
/// key the key and its valid range (`token.cache_capacity (line 4): … (valid: 0..=1000000)`).
fn toml_error(text: &str, path: &str, e: &toml::de::Error) -> ConfigError {
    let line = e
        .span()
        .and_then(|span| Some(text.get(..span.start)?.matches('\n').count() + 1));
    // A value the TOML parser itself refused (an integer beyond i64) has no path: read the key
    // from the error's line.
    let path = match (path, e.span()) {
        ("", Some(span)) => key_at(text, span.start).unwrap_or_default(),
        _ => path.to_owned(),
    };
    if let Some(key) = limits::numeric_key(&path) {
        let field = match line {
            Some(line) => format!("{path} (line {line})"),
            None => path,
        };
        return numeric_error(key, field, e);
    }
    let field = e
        .span()
        .and_then(|span| {
            let line = text.get(..span.start)?.matches('\n').count() + 1;
            // Up to the end of the error's line, so a table header on that line counts.
            let end = text
                .get(span.start..)?
                .find('\n')
                .map_or(text.len(), |i| span.start + i);
            Some((line, text.get(..end)?))
        })
        .map(|(line, before)| {
            let table = before
                .lines()
                .rev()
                .map(str::trim)
                .find(|l| l.starts_with('['))
                .map(|l| l.trim_matches(|c| c == '[' || c == ']').trim().to_owned());
            match table {
                Some(table) => format!("{table} (line {line})"),
                None => format!("line {line}"),
            }
        })
        .unwrap_or_else(|| "config".to_owned());
    ConfigError::new(field, e.message().trim())
}

/// `table.key` of the `key = value` line at byte `at`, under the nearest `[table]` header above.
fn key_at(text: &str, at: usize) -> Option<String> {
    let before = text.get(..at)?;
    let start = before.rfind('\n').map_or(0, |i| i + 1);
    let (name, _) = text.get(start..)?.split_once('=')?;
    let table = before
        .lines()
        .rev()
        .map(str::trim)
        .find(|l| l.starts_with('['))?
        .trim_matches(|c| c == '[' || c == ']')
        .trim();
    Some(format!("{table}.{}", name.trim()))
}

/// A value of a numeric key that is not a number in range (negative, float, string, too large).
fn numeric_error(key: &NumericKey, field: String, e: &toml::de::Error) -> ConfigError {
    ConfigError::new(
        field,
        format!(
            "{} (valid: a whole number in {})",
            e.message().trim(),
            key.valid()
        ),
    )
}
