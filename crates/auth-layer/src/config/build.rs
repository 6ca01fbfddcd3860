//! From the parsed configuration to the verifier, the JWKS cache, the Parra issuer and the
//! token sources.

use std::collections::HashMap;
use std::time::Duration;

use claims_core::ParraIssuer;
use jwks_cache::JwksCache;

use super::{AuthConfig, ConfigError};
use crate::provider::{KeyContext, set_up};
use crate::verifier::Verifier;

impl AuthConfig {
    /// True when no provider is configured.
    pub fn is_empty(&self) -> bool {
        self.providers().is_empty()
    }

    /// Build the JWKS cache these settings describe (shared by every provider).
    pub fn jwks_cache(&self) -> Result<JwksCache, ConfigError> {
        self.check_ranges()?;
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
        self.check_ranges()?;
        if self.is_empty() {
            let tables: Vec<String> = claims_core::ProviderId::BUILTIN
                .iter()
                .map(|p| format!("[{p}]"))
                .collect();
            return Err(ConfigError::new(
                "config",
                format!(
                    "no provider configured (add {} or [[oidc]])",
                    tables.join(", ")
                ),
            ));
        }
        let leeway = Duration::from_secs(self.jwks.leeway_secs);
        let max = self.token.max_bytes;
        let keys = KeyContext { cache: &cache };
        let mut b = Verifier::builder()
            .max_token_bytes(max)
            .token_cache_capacity(if self.token.cache {
                self.token.cache_capacity
            } else {
                0
            });
        // Which table holds each provider name and issuer, so a clash names both tables.
        let mut names: HashMap<String, String> = HashMap::new();
        let mut issuers: HashMap<String, String> = HashMap::new();
        let mut issuerless: Option<String> = None;
        // The table of each routing member, and of the provider of tokens that are not JWS.
        let mut members: HashMap<String, String> = HashMap::new();
        let mut opaque: Option<String> = None;
        for provider in self.providers() {
            let entry = set_up(provider, &keys, leeway, max)?;
            let table = provider.table();
            let name = entry.policy.provider().to_string();
            // Names differing only in case would be one label in metrics and logs.
            if let Some(other) = names.insert(name.to_ascii_lowercase(), table.clone()) {
                return Err(ConfigError::new(
                    table,
                    format!("the provider name {name:?} is already [{other}]'s"),
                ));
            }
            for iss in entry.policy.issuers() {
                if let Some(other) = issuers.insert(iss.clone(), table.clone()) {
                    return Err(ConfigError::new(
                        table,
                        format!(
                            "the issuer {iss:?} is already [{other}]'s: each issuer routes to one provider"
                        ),
                    ));
                }
            }
            // Routed by shape (Magic) or by a member (Turnkey), not as the issuer-less one.
            let opens_opaque = entry
                .policy
                .signature_scheme()
                .is_some_and(|s| s.opens_opaque());
            if opens_opaque && let Some(other) = opaque.replace(table.clone()) {
                return Err(ConfigError::new(
                    table,
                    format!("[{other}] is already the provider of tokens that are not JWS"),
                ));
            }
            if let Some(member) = entry.policy.routing_member()
                && let Some(other) = members.insert(member.to_owned(), table.clone())
            {
                return Err(ConfigError::new(
                    table,
                    format!("[{other}] already routes tokens without iss that carry {member:?}"),
                ));
            }
            let routed_otherwise = entry.policy.routing_member().is_some() || opens_opaque;
            if entry.policy.issuers().is_empty()
                && !routed_otherwise
                && let Some(other) = issuerless.replace(table.clone())
            {
                return Err(ConfigError::new(
                    table,
                    format!("[{other}] is already the provider of tokens without iss"),
                ));
            }
            b = b.entry(entry);
        }
        b.jwks_cache(cache)
            .build()
            .map_err(|e| ConfigError::new("config", e))
    }

    /// The Parra issuer of `[parra_issuer]`, when configured.
    pub fn parra_issuer(&self) -> Result<Option<ParraIssuer>, ConfigError> {
        self.check_ranges()?;
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

/// A secret given inline or by the name of an environment variable (never both).
pub(crate) fn secret(
    field: &str,
    value: Option<&str>,
    env: Option<&str>,
) -> Result<String, ConfigError> {
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
