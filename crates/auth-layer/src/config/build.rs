//! From the parsed configuration to the verifier, the JWKS cache, the Parra issuer and the
//! token sources.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use claims_core::{
    Algorithm, AlgorithmFamily, EcCurve, ParraIssuer, ParraKeyring, Policy, SignatureKey,
    VerifyingKey,
};
use jwks_cache::{JwksCache, JwksSource};

use super::{AuthConfig, ConfigError, dynamic_jwks_url, web3auth_jwks_url};
use crate::keys::KeySource;
use crate::verifier::Verifier;

impl AuthConfig {
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
        let finish = |p: Policy, scopes: &[String]| {
            p.with_leeway(leeway)
                .with_max_token_bytes(max)
                .with_required_scopes(scopes.iter().cloned())
        };
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
            p = algorithms("para", c.algorithms.as_deref(), Algorithm::public_key(), p)?;
            b = b.provider(
                finish(p, &c.required_scopes),
                KeySource::Jwks(source("para.jwks_url", url)?),
            );
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
            p = algorithms(
                "parra",
                c.algorithms.as_deref(),
                AlgorithmFamily::Hmac.algorithms(),
                p,
            )?;
            b = b.provider(
                finish(p, &c.required_scopes),
                KeySource::Parra(Arc::new(keyring)),
            );
        }
        if let Some(c) = &self.sophon {
            let mut p = Policy::sophon(c.partner_id.clone())
                .map_err(|e| ConfigError::new("sophon.partner_id", e))?;
            if let Some(iss) = &c.issuer {
                p = p
                    .with_issuers([iss.clone()])
                    .map_err(|e| ConfigError::new("sophon.issuer", e))?;
            }
            p = extra_issuers("sophon", &c.extra_issuers, None, p)?;
            p = algorithms(
                "sophon",
                c.algorithms.as_deref(),
                Algorithm::public_key(),
                p,
            )?;
            let url = c.jwks_url.as_deref().unwrap_or(c.network.jwks_url());
            b = b.provider(
                finish(p, &c.required_scopes),
                KeySource::Jwks(source("sophon.jwks_url", url)?),
            );
        }
        if let Some(c) = &self.dynamic {
            let mut p = Policy::dynamic(c.environment_id.clone())
                .map_err(|e| ConfigError::new("dynamic.environment_id", e))?
                .with_audiences(c.audience.clone())
                .allow_additional_auth(c.allow_additional_auth);
            let suffix = format!("/{}", c.environment_id);
            p = extra_issuers("dynamic", &c.extra_issuers, Some(&suffix), p)?;
            let verifiable = if c.public_key_pem.is_some() {
                AlgorithmFamily::Rsa.algorithms()
            } else {
                Algorithm::public_key()
            };
            p = algorithms("dynamic", c.algorithms.as_deref(), verifiable, p)?;
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
            b = b.provider(finish(p, &c.required_scopes), keys);
        }
        if let Some(c) = &self.web3auth {
            let mut p = Policy::web3auth(c.client_id.clone())
                .map_err(|e| ConfigError::new("web3auth.client_id", e))?;
            if let Some(issuers) = &c.issuers {
                p = p
                    .with_issuers(issuers.clone())
                    .map_err(|e| ConfigError::new("web3auth.issuers", e))?;
            }
            p = extra_issuers("web3auth", &c.extra_issuers, None, p)?;
            let verifiable: &[Algorithm] = if c.verification_key_pem.is_some() {
                &[Algorithm::ES256]
            } else {
                Algorithm::public_key()
            };
            p = algorithms("web3auth", c.algorithms.as_deref(), verifiable, p)?;
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
            b = b.provider(finish(p, &c.required_scopes), keys);
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

/// `<table>.algorithms`, when set: each a JOSE name the provider's keys can verify (`verifiable`).
fn algorithms(
    table: &str,
    names: Option<&[String]>,
    verifiable: &[Algorithm],
    policy: Policy,
) -> Result<Policy, ConfigError> {
    let Some(names) = names else {
        return Ok(policy);
    };
    let field = format!("{table}.algorithms");
    let algs = names
        .iter()
        .map(|name| {
            claims_core::header::parse_algorithm(name)
                .ok()
                .filter(|alg| verifiable.contains(alg))
                .ok_or_else(|| {
                    ConfigError::new(&field, format!("{name:?} is not {}", either(verifiable)))
                })
        })
        .collect::<Result<Vec<_>, _>>()?;
    policy
        .with_algorithms(&algs)
        .map_err(|e| ConfigError::new(&field, e))
}

/// `HS256, HS384 or HS512`
fn either(algs: &[Algorithm]) -> String {
    let names: Vec<&str> = algs.iter().map(|a| a.name()).collect();
    match names.split_last() {
        Some((last, [])) => (*last).to_owned(),
        Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
        None => "any algorithm".to_owned(),
    }
}

/// `<table>.extra_issuers`: added to the provider's issuers; with `suffix`, each must end in it.
fn extra_issuers(
    table: &str,
    extra: &[String],
    suffix: Option<&str>,
    policy: Policy,
) -> Result<Policy, ConfigError> {
    if extra.is_empty() {
        return Ok(policy);
    }
    let field = format!("{table}.extra_issuers");
    if let Some(bad) = extra
        .iter()
        .find(|iss| iss.is_empty() || suffix.is_some_and(|s| !iss.ends_with(s)))
    {
        let rule = suffix.map_or("must not be empty".to_owned(), |s| {
            format!("must end in {s:?}")
        });
        return Err(ConfigError::new(field, format!("{bad:?} {rule}")));
    }
    let issuers: Vec<String> = policy.issuers().iter().chain(extra).cloned().collect();
    policy
        .with_issuers(issuers)
        .map_err(|e| ConfigError::new(field, e))
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
