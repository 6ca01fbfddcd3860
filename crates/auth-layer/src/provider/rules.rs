//! The rules every provider table accepts, applied once for every provider.

use std::time::Duration;

use claims_core::Algorithm;

use super::{KeyContext, Provider, ProviderEntry};
use crate::config::ConfigError;

/// The common rules set in a provider's table.
#[derive(Debug, Clone, Copy, Default)]
#[non_exhaustive]
pub struct RuleSettings<'a> {
    /// `required_scopes`: scopes every token must carry (`scope` or `scp`).
    pub required_scopes: &'a [String],
    /// `algorithms`: accepted algorithms (JOSE names), when set.
    pub algorithms: Option<&'a [String]>,
    /// `extra_issuers`: issuers accepted besides the provider's own.
    pub extra_issuers: &'a [String],
    /// `required_claims`: claims every token must carry (any value but `null`).
    pub required_claims: &'a [String],
}

impl<'a> RuleSettings<'a> {
    /// Rules from their values (for a provider of your own that reads them from its settings).
    pub fn new(
        required_scopes: &'a [String],
        algorithms: Option<&'a [String]>,
        extra_issuers: &'a [String],
    ) -> Self {
        RuleSettings {
            required_scopes,
            algorithms,
            extra_issuers,
            required_claims: &[],
        }
    }

    /// Also require these claims (`required_claims`).
    pub fn with_required_claims(mut self, required_claims: &'a [String]) -> Self {
        self.required_claims = required_claims;
        self
    }
}

/// Whether a provider's `extra_issuers` can apply.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ExtraIssuers {
    /// Any exact, non-empty string.
    Any,
    /// Each must end in this suffix (Dynamic: `/<environment_id>`).
    EndingIn(String),
    /// Not for this provider; the reason says why.
    Refused(&'static str),
}

/// Set `provider` up: its policy with the common rules of its table and the `[jwks]`/`[token]`
/// settings (`leeway`, `max_token_bytes`), and its key source.
pub fn set_up(
    provider: &dyn Provider,
    keys: &KeyContext<'_>,
    leeway: Duration,
    max_token_bytes: usize,
) -> Result<ProviderEntry, ConfigError> {
    let table = provider.table();
    let rules = provider.rules();
    let mut policy = provider.policy()?;
    if policy.provider() != &provider.id() {
        return Err(ConfigError::new(
            table,
            format!(
                "the policy is for {:?}, not for {:?}",
                policy.provider().as_str(),
                provider.id().as_str()
            ),
        ));
    }
    if !rules.extra_issuers.is_empty() {
        let field = format!("{table}.extra_issuers");
        let suffix = match provider.extra_issuers_rule() {
            ExtraIssuers::Refused(why) => return Err(ConfigError::new(field, why)),
            ExtraIssuers::EndingIn(suffix) => Some(suffix),
            ExtraIssuers::Any => None,
        };
        if let Some(bad) = rules
            .extra_issuers
            .iter()
            .find(|iss| iss.is_empty() || suffix.as_deref().is_some_and(|s| !iss.ends_with(s)))
        {
            let rule = suffix.map_or("must not be empty".to_owned(), |s| {
                format!("must end in {s:?}")
            });
            return Err(ConfigError::new(field, format!("{bad:?} {rule}")));
        }
        let issuers: Vec<String> = policy
            .issuers()
            .iter()
            .chain(rules.extra_issuers)
            .cloned()
            .collect();
        policy = policy
            .with_issuers(issuers)
            .map_err(|e| ConfigError::new(field, e))?;
    }
    if let Some(names) = rules.algorithms {
        let field = format!("{table}.algorithms");
        let verifiable = provider.verifiable_algorithms();
        let algs = names
            .iter()
            .map(|name| {
                name.parse::<Algorithm>()
                    .ok()
                    .filter(|alg| verifiable.contains(alg))
                    .ok_or_else(|| {
                        ConfigError::new(&field, format!("{name:?} is not {}", either(verifiable)))
                    })
            })
            .collect::<Result<Vec<_>, _>>()?;
        policy = policy
            .with_algorithms(&algs)
            .map_err(|e| ConfigError::new(&field, e))?;
    }
    let scopes: Vec<String> = policy
        .required_scopes()
        .iter()
        .chain(rules.required_scopes)
        .cloned()
        .collect();
    if let Some(empty) = scopes
        .iter()
        .find(|s| s.is_empty() || s.contains(char::is_whitespace))
    {
        return Err(ConfigError::new(
            format!("{table}.required_scopes"),
            format!("{empty:?} is not a scope (one non-empty word each)"),
        ));
    }
    if let Some(empty) = rules.required_claims.iter().find(|c| c.is_empty()) {
        return Err(ConfigError::new(
            format!("{table}.required_claims"),
            format!("{empty:?} is not a claim name"),
        ));
    }
    let claims: Vec<String> = policy
        .required_claims()
        .iter()
        .chain(rules.required_claims)
        .cloned()
        .collect();
    let policy = policy
        .with_required_claims(claims)
        .with_required_scopes(scopes)
        .with_leeway(leeway)
        .with_max_token_bytes(max_token_bytes);
    let keys = provider.key_source(keys)?;
    let entry = ProviderEntry::new(policy, keys);
    Ok(match provider.revocations() {
        Some(revocations) => entry.with_revocations(revocations),
        None => entry,
    })
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
