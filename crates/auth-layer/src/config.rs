//! The configuration format: one TOML table per provider, plus `[jwks]` and `[token]`.
//!
//! Only the providers present are enabled. Unknown keys, missing fields, `http://` JWKS URLs
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

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use claims_core::{
    Algorithm, AlgorithmFamily, EcCurve, ParraIssuer, ParraKeyring, Policy, SignatureKey,
    VerifyingKey,
};
use jwks_cache::{JwksCache, JwksSource};
use serde::Deserialize;

use crate::keys::KeySource;
use crate::verifier::Verifier;

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
    fn new(field: impl Into<String>, message: impl std::fmt::Display) -> Self {
        ConfigError {
            field: field.into(),
            message: message.to_string(),
        }
    }
}

/// The whole configuration.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
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
    /// `[parra_issuer]`: mint Parra tokens at `POST /v1/parra/auth/token`.
    pub parra_issuer: Option<ParraIssuerConfig>,
}

/// `[jwks]`
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct JwksConfig {
    /// Max age when the server sends no `Cache-Control` (default 600).
    pub ttl_secs: u64,
    /// Min time between unknown-kid refetches of one URL (default 30).
    pub cooldown_secs: u64,
    /// Fetch timeout (default 5).
    pub timeout_secs: u64,
    /// Must be true for `http://` JWKS URLs (loopback tests). Default false.
    pub allow_http: bool,
    /// Clock leeway for `exp`/`nbf`/`iat` (default 60).
    pub leeway_secs: u64,
    /// How long the last good key set is served while the endpoint fails (default 86400).
    pub stale_secs: u64,
    /// Fetch every key set at start-up (default true).
    pub prefetch: bool,
}

impl Default for JwksConfig {
    fn default() -> Self {
        JwksConfig {
            ttl_secs: 600,
            cooldown_secs: 30,
            timeout_secs: 5,
            allow_http: false,
            leeway_secs: 60,
            stale_secs: 86_400,
            prefetch: true,
        }
    }
}

/// `[token]`
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TokenConfig {
    /// Largest token accepted, in bytes (default 8192).
    pub max_bytes: usize,
    /// Also read the token from this cookie (Dynamic cookie mode: `DYNAMIC_JWT_TOKEN`).
    pub cookie: Option<String>,
    /// Also read the token from this header.
    pub header: Option<String>,
    /// Let requests without a token through (default false).
    pub optional: bool,
    /// Remember verified tokens so repeated requests skip the signature check (default true).
    pub cache: bool,
    /// How many verified tokens to remember (default 10000).
    pub cache_capacity: u64,
}

impl Default for TokenConfig {
    fn default() -> Self {
        TokenConfig {
            max_bytes: claims_core::DEFAULT_MAX_TOKEN_BYTES,
            cookie: None,
            header: None,
            optional: false,
            cache: true,
            cache_capacity: crate::token_cache::DEFAULT_TOKEN_CACHE_CAPACITY,
        }
    }
}

/// Para's environments.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum ParaEnvironment {
    /// `https://api.sandbox.getpara.com/.well-known/jwks.json`
    Sandbox,
    /// `https://api.beta.getpara.com/.well-known/jwks.json`
    Beta,
    /// `https://api.getpara.com/.well-known/jwks.json`
    #[default]
    Prod,
}

impl ParaEnvironment {
    /// The documented JWKS URL.
    pub fn jwks_url(self) -> &'static str {
        match self {
            ParaEnvironment::Sandbox => "https://api.sandbox.getpara.com/.well-known/jwks.json",
            ParaEnvironment::Beta => "https://api.beta.getpara.com/.well-known/jwks.json",
            ParaEnvironment::Prod => "https://api.getpara.com/.well-known/jwks.json",
        }
    }
}

/// `[para]`
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ParaConfig {
    /// `sandbox`, `beta` or `prod` (default `prod`; ignored when `jwks_url` is set).
    #[serde(default)]
    pub environment: ParaEnvironment,
    /// Override the JWKS URL.
    pub jwks_url: Option<String>,
    /// Expected `aud` (the API key id), when set.
    pub audience: Option<String>,
}

/// `[parra]`
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ParraConfig {
    /// One entry per API key.
    pub keys: Vec<ParraKeyConfig>,
    /// Allowed algorithms (default `["HS256"]`; `HS384`, `HS512` may be added).
    #[serde(default)]
    pub algorithms: Option<Vec<String>>,
}

/// `[[parra.keys]]`
#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields)]
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

/// Sophon's networks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum SophonNetwork {
    /// `https://api.my.sophon.xyz/.well-known/jwks.json`
    #[default]
    Mainnet,
    /// `https://api.my.staging.sophon.xyz/.well-known/jwks.json`
    Testnet,
}

impl SophonNetwork {
    /// The JWKS URL from Sophon's SDK.
    pub fn jwks_url(self) -> &'static str {
        match self {
            SophonNetwork::Mainnet => "https://api.my.sophon.xyz/.well-known/jwks.json",
            SophonNetwork::Testnet => "https://api.my.staging.sophon.xyz/.well-known/jwks.json",
        }
    }
}

/// `[sophon]`
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SophonConfig {
    /// Expected `aud`.
    pub partner_id: String,
    /// `mainnet` (default) or `testnet`.
    #[serde(default)]
    pub network: SophonNetwork,
    /// Override the JWKS URL.
    pub jwks_url: Option<String>,
    /// Override the issuer (default `https://auth.sophon.xyz`).
    pub issuer: Option<String>,
}

/// `[dynamic]`
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
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
    /// Scopes every token must carry (e.g. `["user:basic"]`).
    #[serde(default)]
    pub required_scopes: Vec<String>,
    /// Accept tokens that still require additional auth (MFA pending). Default false.
    #[serde(default)]
    pub allow_additional_auth: bool,
}

/// `[web3auth]`
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
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

/// `[parra_issuer]`
#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ParraIssuerConfig {
    /// API Key ID.
    pub api_key_id: String,
    /// API Key Secret.
    pub secret: Option<String>,
    /// Name of an environment variable holding the secret.
    pub secret_env: Option<String>,
    /// Tenant ID.
    pub tenant_id: String,
    /// Token lifetime (default 3600).
    #[serde(default = "default_parra_ttl")]
    pub ttl_secs: u64,
}

fn default_parra_ttl() -> u64 {
    3600
}

impl std::fmt::Debug for ParraIssuerConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ParraIssuerConfig")
            .field("api_key_id", &self.api_key_id)
            .field("secret", &self.secret.as_ref().map(|_| "<redacted>"))
            .field("secret_env", &self.secret_env)
            .field("tenant_id", &self.tenant_id)
            .field("ttl_secs", &self.ttl_secs)
            .finish()
    }
}

/// Dynamic's JWKS URL for an environment.
pub fn dynamic_jwks_url(environment_id: &str) -> String {
    format!("https://app.dynamic.xyz/api/v0/sdk/{environment_id}/.well-known/jwks")
}

/// Web3Auth's key set for an issuer.
pub fn web3auth_jwks_url(issuer: &str) -> Option<&'static str> {
    match issuer {
        "https://api-auth.web3auth.io" | "https://api.openlogin.com" => {
            Some("https://api-auth.web3auth.io/jwks")
        }
        "https://authjs.web3auth.io" => Some("https://authjs.web3auth.io/jwks"),
        _ => None,
    }
}

const ENV_PREFIX: &str = "WALLET_AUTH__";

impl AuthConfig {
    /// Parse TOML.
    pub fn from_toml_str(text: &str) -> Result<Self, ConfigError> {
        toml::from_str(text).map_err(|e| toml_error(text, &e))
    }

    /// Read a TOML file, then apply `WALLET_AUTH__…` environment overrides.
    pub fn from_file(path: impl AsRef<Path>) -> Result<Self, ConfigError> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path)
            .map_err(|e| ConfigError::new(path.display().to_string(), e))?;
        Self::from_toml_and_env(&text, std::env::vars())
    }

    /// Parse TOML, then apply the `WALLET_AUTH__<TABLE>__<KEY>` overrides found in `env`.
    pub fn from_toml_and_env(
        text: &str,
        env: impl IntoIterator<Item = (String, String)>,
    ) -> Result<Self, ConfigError> {
        let mut doc: toml::Table = toml::from_str(text).map_err(|e| toml_error(text, &e))?;
        let mut overridden = false;
        for (name, value) in env {
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
            overridden = true;
        }
        if !overridden {
            // Straight from the text, so errors can say where (table and line).
            return Self::from_toml_str(text);
        }
        doc.try_into()
            .map_err(|e: toml::de::Error| ConfigError::new("config", e.message().trim()))
    }

    /// True when no provider is configured.
    pub fn is_empty(&self) -> bool {
        self.para.is_none()
            && self.parra.is_none()
            && self.sophon.is_none()
            && self.dynamic.is_none()
            && self.web3auth.is_none()
    }

    /// Build the JWKS cache these settings describe (shared by every provider).
    pub fn jwks_cache(&self) -> Result<JwksCache, ConfigError> {
        let j = &self.jwks;
        JwksCache::builder()
            .ttl(Duration::from_secs(j.ttl_secs))
            .cooldown(Duration::from_secs(j.cooldown_secs))
            .timeout(Duration::from_secs(j.timeout_secs))
            .allow_http(j.allow_http)
            .stale_window(Duration::from_secs(j.stale_secs))
            .build()
            .map_err(|e| ConfigError::new("jwks", e))
    }

    /// Build the verifier for the configured providers, with a new JWKS cache.
    pub fn build_verifier(&self) -> Result<Verifier, ConfigError> {
        self.build_verifier_with(self.jwks_cache()?)
    }

    /// Build the verifier for the configured providers, fetching keys through `cache`.
    pub fn build_verifier_with(&self, cache: JwksCache) -> Result<Verifier, ConfigError> {
        if self.is_empty() {
            return Err(ConfigError::new(
                "config",
                "no provider configured (add [para], [parra], [sophon], [dynamic] or [web3auth])",
            ));
        }
        let leeway = Duration::from_secs(self.jwks.leeway_secs);
        let max = self.token.max_bytes;
        let source = |field: &str, url: &str| -> Result<JwksSource, ConfigError> {
            cache.source(url).map_err(|e| match e {
                jwks_cache::ConfigError::InsecureUrl { .. } => ConfigError::new(
                    field,
                    format!(
                        "{url:?} is not https:// (set jwks.allow_http = true for loopback tests)"
                    ),
                ),
                e => ConfigError::new(field, e),
            })
        };
        let finish = |p: Policy| p.with_leeway(leeway).with_max_token_bytes(max);
        let mut b = Verifier::builder()
            .max_token_bytes(max)
            .token_cache_capacity(if self.token.cache {
                self.token.cache_capacity
            } else {
                0
            });

        if let Some(c) = &self.para {
            let url = c.jwks_url.as_deref().unwrap_or(c.environment.jwks_url());
            let mut p = Policy::para();
            if let Some(aud) = &c.audience {
                p = p.with_audiences([aud.clone()]);
            }
            b = b.provider(finish(p), KeySource::Jwks(source("para.jwks_url", url)?));
        }
        if let Some(c) = &self.parra {
            if c.keys.is_empty() {
                return Err(ConfigError::new(
                    "parra.keys",
                    "at least one key is required",
                ));
            }
            let mut keyring = ParraKeyring::new();
            for (i, k) in c.keys.iter().enumerate() {
                let field = format!("parra.keys[{i}]");
                let secret = secret(&field, k.secret.as_deref(), k.secret_env.as_deref())?;
                keyring
                    .insert(k.id.clone(), secret.as_bytes())
                    .map_err(|e| ConfigError::new(format!("{field}.secret"), e))?;
            }
            let mut p = Policy::parra(c.keys.iter().map(|k| (k.id.clone(), k.tenant_id.clone())))
                .map_err(|e| ConfigError::new("parra.keys", e))?;
            if let Some(algs) = &c.algorithms {
                let algs = algs
                    .iter()
                    .map(|a| match claims_core::header::parse_algorithm(a) {
                        Ok(alg @ (Algorithm::HS256 | Algorithm::HS384 | Algorithm::HS512)) => {
                            Ok(alg)
                        }
                        _ => Err(ConfigError::new(
                            "parra.algorithms",
                            format!("{a:?} is not HS256, HS384 or HS512"),
                        )),
                    })
                    .collect::<Result<Vec<_>, _>>()?;
                p = p
                    .with_algorithms(&algs)
                    .map_err(|e| ConfigError::new("parra.algorithms", e))?;
            }
            b = b.provider(finish(p), KeySource::Parra(Arc::new(keyring)));
        }
        if let Some(c) = &self.sophon {
            let mut p = Policy::sophon(c.partner_id.clone())
                .map_err(|e| ConfigError::new("sophon.partner_id", e))?;
            if let Some(iss) = &c.issuer {
                p = p
                    .with_issuers([iss.clone()])
                    .map_err(|e| ConfigError::new("sophon.issuer", e))?;
            }
            let url = c.jwks_url.as_deref().unwrap_or(c.network.jwks_url());
            b = b.provider(finish(p), KeySource::Jwks(source("sophon.jwks_url", url)?));
        }
        if let Some(c) = &self.dynamic {
            let p = Policy::dynamic(c.environment_id.clone())
                .map_err(|e| ConfigError::new("dynamic.environment_id", e))?
                .with_audiences(c.audience.clone())
                .with_required_scopes(c.required_scopes.clone())
                .allow_additional_auth(c.allow_additional_auth);
            let keys = match &c.public_key_pem {
                Some(pem) => KeySource::Static(Arc::new(
                    VerifyingKey::from_pem(pem)
                        .ok()
                        .filter(|k| k.family() == AlgorithmFamily::Rsa)
                        .ok_or_else(|| {
                            ConfigError::new("dynamic.public_key_pem", "not a PEM RSA public key")
                        })?,
                )),
                None => {
                    let url = c
                        .jwks_url
                        .clone()
                        .unwrap_or_else(|| dynamic_jwks_url(&c.environment_id));
                    KeySource::Jwks(source("dynamic.jwks_url", &url)?)
                }
            };
            b = b.provider(finish(p), keys);
        }
        if let Some(c) = &self.web3auth {
            let mut p = Policy::web3auth(c.client_id.clone())
                .map_err(|e| ConfigError::new("web3auth.client_id", e))?;
            if let Some(issuers) = &c.issuers {
                p = p
                    .with_issuers(issuers.clone())
                    .map_err(|e| ConfigError::new("web3auth.issuers", e))?;
            }
            let keys = if let Some(pem) = &c.verification_key_pem {
                KeySource::Static(Arc::new(
                    VerifyingKey::from_pem(pem)
                        .ok()
                        .filter(|k| k.curve() == Some(EcCurve::P256))
                        .ok_or_else(|| {
                            ConfigError::new(
                                "web3auth.verification_key_pem",
                                "not a PEM P-256 public key",
                            )
                        })?,
                ))
            } else {
                let mut by_issuer = HashMap::new();
                for iss in p.issuers() {
                    let url = match (&c.jwks_url, web3auth_jwks_url(iss)) {
                        (Some(url), _) => url.clone(),
                        (None, Some(url)) => url.to_owned(),
                        (None, None) => {
                            return Err(ConfigError::new(
                                "web3auth.jwks_url",
                                format!("no known key set for issuer {iss:?}; set jwks_url"),
                            ));
                        }
                    };
                    by_issuer.insert(iss.clone(), source("web3auth.jwks_url", &url)?);
                }
                KeySource::JwksByIssuer(Arc::new(by_issuer))
            };
            b = b.provider(finish(p), keys);
        }
        b.jwks_cache(cache)
            .build()
            .map_err(|e| ConfigError::new("config", e))
    }

    /// The Parra issuer of `[parra_issuer]`, when configured.
    pub fn parra_issuer(&self) -> Result<Option<ParraIssuer>, ConfigError> {
        let Some(c) = &self.parra_issuer else {
            return Ok(None);
        };
        let secret = secret("parra_issuer", c.secret.as_deref(), c.secret_env.as_deref())?;
        ParraIssuer::new(
            c.api_key_id.clone(),
            secret.into_bytes(),
            c.tenant_id.clone(),
        )
        .map(|i| Some(i.with_ttl(Duration::from_secs(c.ttl_secs))))
        .map_err(|e| ConfigError::new("parra_issuer", e))
    }

    /// The token sources of `[token]`.
    pub fn token_sources(&self) -> Result<Vec<crate::TokenSource>, ConfigError> {
        let mut sources = vec![crate::TokenSource::Bearer];
        if let Some(cookie) = &self.token.cookie {
            sources.push(crate::TokenSource::Cookie(cookie.clone()));
        }
        if let Some(header) = &self.token.header {
            let name = http::HeaderName::from_bytes(header.as_bytes())
                .map_err(|_| ConfigError::new("token.header", "not a valid header name"))?;
            sources.push(crate::TokenSource::Header(name));
        }
        Ok(sources)
    }
}

/// A TOML error, naming the table and line it points at (`sophon (line 2)`).
fn toml_error(text: &str, e: &toml::de::Error) -> ConfigError {
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

fn secret(field: &str, value: Option<&str>, env: Option<&str>) -> Result<String, ConfigError> {
    match (value, env) {
        (Some(_), Some(_)) => Err(ConfigError::new(
            field,
            "set secret or secret_env, not both",
        )),
        (Some(s), None) => Ok(s.to_owned()),
        (None, Some(var)) => std::env::var(var).map_err(|_| {
            ConfigError::new(
                format!("{field}.secret_env"),
                format!("environment variable {var} is not set"),
            )
        }),
        (None, None) => Err(ConfigError::new(
            format!("{field}.secret"),
            "missing (set secret or secret_env)",
        )),
    }
}

impl crate::AuthLayer {
    /// Build the whole layer from a configuration: verifier, token sources, mode. Keys are not
    /// fetched here; call [`crate::Verifier::prefetch`] (the example server does) to warm up.
    pub fn from_config(config: &AuthConfig) -> Result<Self, ConfigError> {
        let layer =
            crate::AuthLayer::new(config.build_verifier()?).token_sources(config.token_sources()?);
        Ok(if config.token.optional {
            layer.optional()
        } else {
            layer
        })
    }
}
