//! The valid range of every numeric key, in one table: the start-up check, the error messages
//! and the configuration table of `docs/configuration.md` all read it.

use std::ops::RangeInclusive;
use std::time::Duration;

use jwks_cache::{
    COOLDOWN_RANGE, DEFAULT_MAX_TTL, DEFAULT_MIN_TTL, STALE_WINDOW_RANGE, TIMEOUT_RANGE,
};

use super::{AuthConfig, ConfigError};
use crate::token_cache::TOKEN_CACHE_CAPACITY_RANGE;
use crate::verifier::MAX_TOKEN_BYTES_RANGE;

/// Valid range of `jwks.leeway_secs`: 0 to 300 seconds of clock skew.
pub const LEEWAY_RANGE: RangeInclusive<u64> = 0..=300;
/// Valid range of `parra_issuer.ttl_secs`: 60 seconds to 1 day.
pub const PARRA_ISSUER_TTL_RANGE: RangeInclusive<u64> = 60..=86_400;

/// A numeric key of the format and its valid range (inclusive, in the key's own unit).
#[derive(Debug, Clone, Copy)]
pub struct NumericKey {
    /// `table.key`, as written in the file.
    pub key: &'static str,
    /// The smallest valid value.
    pub min: u64,
    /// The largest valid value.
    pub max: u64,
    /// Its value in a configuration (`None`: its table is absent).
    get: fn(&AuthConfig) -> Option<u64>,
}

const fn secs(
    key: &'static str,
    range: RangeInclusive<Duration>,
    get: fn(&AuthConfig) -> Option<u64>,
) -> NumericKey {
    // A range that starts below one second (the builder's `timeout`) starts at 1 in whole seconds.
    let min = range.start().as_secs();
    NumericKey {
        key,
        min: if min == 0 && !range.start().is_zero() {
            1
        } else {
            min
        },
        max: range.end().as_secs(),
        get,
    }
}

const fn count(
    key: &'static str,
    range: RangeInclusive<u64>,
    get: fn(&AuthConfig) -> Option<u64>,
) -> NumericKey {
    NumericKey {
        key,
        min: *range.start(),
        max: *range.end(),
        get,
    }
}

fn as_u64(v: usize) -> u64 {
    u64::try_from(v).unwrap_or(u64::MAX)
}

/// `MAX_TOKEN_BYTES_RANGE` in `u64` (lossless: `usize` is at most 64 bits).
const MAX_BYTES: RangeInclusive<u64> =
    *MAX_TOKEN_BYTES_RANGE.start() as u64..=*MAX_TOKEN_BYTES_RANGE.end() as u64;

/// Every numeric key of the format, with its valid range: the one table the start-up check,
/// the error messages and the table in `docs/configuration.md` use.
pub const NUMERIC_KEYS: &[NumericKey] = &[
    secs("jwks.ttl_secs", DEFAULT_MIN_TTL..=DEFAULT_MAX_TTL, |c| {
        Some(c.jwks.ttl_secs)
    }),
    secs("jwks.cooldown_secs", COOLDOWN_RANGE, |c| {
        Some(c.jwks.cooldown_secs)
    }),
    secs("jwks.timeout_secs", TIMEOUT_RANGE, |c| {
        Some(c.jwks.timeout_secs)
    }),
    count("jwks.leeway_secs", LEEWAY_RANGE, |c| {
        Some(c.jwks.leeway_secs)
    }),
    secs("jwks.stale_secs", STALE_WINDOW_RANGE, |c| {
        Some(c.jwks.stale_secs)
    }),
    count("token.max_bytes", MAX_BYTES, |c| {
        Some(as_u64(c.token.max_bytes))
    }),
    count("token.cache_capacity", TOKEN_CACHE_CAPACITY_RANGE, |c| {
        Some(c.token.cache_capacity)
    }),
    count("parra_issuer.ttl_secs", PARRA_ISSUER_TTL_RANGE, |c| {
        c.parra_issuer.as_ref().map(|p| p.ttl_secs)
    }),
    count("serve.max_header_bytes", SERVE_HEADER_BYTES_RANGE, |c| {
        Some(as_u64(c.serve.max_header_bytes))
    }),
    count("signin.session_ttl_secs", SESSION_TTL_RANGE, |c| {
        c.signin.as_ref().map(|s| s.session_ttl_secs)
    }),
    count("signin.nonce_ttl_secs", NONCE_TTL_RANGE, |c| {
        c.signin.as_ref().map(|s| s.nonce_ttl_secs)
    }),
    count("signin.max_message_age_secs", MESSAGE_AGE_RANGE, |c| {
        c.signin.as_ref().map(|s| s.max_message_age_secs)
    }),
];

/// Valid range of `signin.session_ttl_secs`: 5 minutes to 30 days.
pub const SESSION_TTL_RANGE: RangeInclusive<u64> = 300..=2_592_000;
/// Valid range of `signin.nonce_ttl_secs`: 30 seconds to 1 hour.
pub const NONCE_TTL_RANGE: RangeInclusive<u64> = 30..=3_600;
/// Valid range of `signin.max_message_age_secs`: 30 seconds to 1 day.
pub const MESSAGE_AGE_RANGE: RangeInclusive<u64> = 30..=86_400;

/// Valid range of `serve.max_header_bytes`: 256 bytes to 16 KiB (proxies' own header limits).
pub const SERVE_HEADER_BYTES_RANGE: std::ops::RangeInclusive<u64> = 256..=16_384;

/// The entry of `key` (`jwks.ttl_secs`).
pub(crate) fn numeric_key(key: &str) -> Option<&'static NumericKey> {
    NUMERIC_KEYS.iter().find(|k| k.key == key)
}

impl NumericKey {
    /// `1..=3600`
    pub(crate) fn valid(&self) -> String {
        format!("{}..={}", self.min, self.max)
    }
}

impl AuthConfig {
    /// Checks every numeric key against its valid range ([`NUMERIC_KEYS`]). Parsing calls it;
    /// building a verifier calls it again, for configurations built or changed in code.
    ///
    /// # Errors
    ///
    /// The first key outside its range: `jwks.cooldown_secs: 0 is outside its valid range 1..=3600`.
    pub fn check_ranges(&self) -> Result<(), ConfigError> {
        for limits in NUMERIC_KEYS {
            if let Some(value) = (limits.get)(self) {
                check_range(limits.key, value, limits.min..=limits.max)?;
            }
        }
        Ok(())
    }
}

/// `value` of `key` within `range`, or the one-line error naming both.
pub(crate) fn check_range(
    key: &str,
    value: u64,
    range: RangeInclusive<u64>,
) -> Result<(), ConfigError> {
    if range.contains(&value) {
        return Ok(());
    }
    Err(ConfigError::new(
        key,
        format!(
            "{value} is outside its valid range {}..={}",
            range.start(),
            range.end()
        ),
    ))
}
