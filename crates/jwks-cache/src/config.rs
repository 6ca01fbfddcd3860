//! The cache builder and its defaults.

use std::collections::HashMap;
use std::ops::RangeInclusive;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use crate::cache::{CacheInner, JwksCache};
use crate::error::ConfigError;
use crate::fetch::{HttpFetcher, JwksFetcher};

/// Default TTL when the server sends no `Cache-Control: max-age`: 10 minutes.
pub const DEFAULT_TTL: Duration = Duration::from_secs(600);
/// Default lower clamp for a server's `max-age`: 60 s.
pub const DEFAULT_MIN_TTL: Duration = Duration::from_secs(60);
/// Default upper clamp for a server's `max-age`: 24 h.
pub const DEFAULT_MAX_TTL: Duration = Duration::from_secs(24 * 3600);
/// Default minimum time between two unknown-kid refetches of one URL: 30 s.
pub const DEFAULT_COOLDOWN: Duration = Duration::from_secs(30);
/// Default time an expired set keeps being served while the endpoint fails: 24 h.
pub const DEFAULT_STALE_WINDOW: Duration = Duration::from_secs(24 * 3600);
/// Default HTTP timeout: 5 s.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(5);
/// Default body cap: 1 MiB.
pub const DEFAULT_MAX_BODY_BYTES: usize = 1024 * 1024;
/// Default maximum number of JWKs read from one set: 100.
pub const DEFAULT_MAX_KEYS: usize = 100;
/// Default first retry delay after a failed fetch: 1 s.
pub const DEFAULT_BACKOFF_INITIAL: Duration = Duration::from_secs(1);
/// Default cap of the retry delay: 60 s.
pub const DEFAULT_BACKOFF_MAX: Duration = Duration::from_secs(60);
/// Default capacity of each source's negative (unknown-kid) cache: 1024 kids.
pub const DEFAULT_NEGATIVE_CACHE_CAPACITY: u64 = 1024;
/// Refresh ahead when less than this much of the TTL is left (capped at 10 % of the TTL).
pub const REFRESH_AHEAD: Duration = Duration::from_secs(30);

const DAY: u64 = 24 * 3600;
/// Valid range of [`JwksCacheBuilder::timeout`]: 100 ms to 60 s.
pub const TIMEOUT_RANGE: RangeInclusive<Duration> =
    Duration::from_millis(100)..=Duration::from_secs(60);
/// Valid range of [`JwksCacheBuilder::cooldown`]: 1 s to 1 h.
pub const COOLDOWN_RANGE: RangeInclusive<Duration> =
    Duration::from_secs(1)..=Duration::from_secs(3600);
/// Valid range of [`JwksCacheBuilder::min_ttl`] and [`JwksCacheBuilder::max_ttl`]: 1 s to 7 days
/// (and `min_ttl <= max_ttl`; [`JwksCacheBuilder::ttl`] must lie between the two).
pub const TTL_RANGE: RangeInclusive<Duration> =
    Duration::from_secs(1)..=Duration::from_secs(7 * DAY);
/// Valid range of [`JwksCacheBuilder::stale_window`]: 0 (never serve an expired set) to 7 days.
pub const STALE_WINDOW_RANGE: RangeInclusive<Duration> =
    Duration::ZERO..=Duration::from_secs(7 * DAY);
/// Valid range of [`JwksCacheBuilder::backoff_initial`] and [`JwksCacheBuilder::backoff_max`]:
/// 100 ms to 1 h (and `backoff_initial <= backoff_max`).
pub const BACKOFF_RANGE: RangeInclusive<Duration> =
    Duration::from_millis(100)..=Duration::from_secs(3600);
/// Valid range of [`JwksCacheBuilder::max_keys`]: 1 to 1,000.
pub const MAX_KEYS_RANGE: RangeInclusive<usize> = 1..=1000;
/// Valid range of [`JwksCacheBuilder::max_body_bytes`]: 1 KiB to 16 MiB.
pub const MAX_BODY_BYTES_RANGE: RangeInclusive<usize> = 1024..=16 * 1024 * 1024;
/// Valid range of [`JwksCacheBuilder::negative_cache_capacity`]: 0 (off) to 1,000,000.
pub const NEGATIVE_CACHE_CAPACITY_RANGE: RangeInclusive<u64> = 0..=1_000_000;

/// `Err` naming `setting` and its valid range when `value` is outside `range`.
pub(crate) fn check_range<T: PartialOrd + std::fmt::Debug>(
    setting: &'static str,
    value: &T,
    range: &RangeInclusive<T>,
) -> Result<(), ConfigError> {
    if range.contains(value) {
        Ok(())
    } else {
        Err(ConfigError::OutOfRange {
            setting,
            value: format!("{value:?}"),
            valid: format!("{:?}..={:?}", range.start(), range.end()),
        })
    }
}

/// The settings shared by every source of one cache.
#[derive(Debug, Clone)]
pub(crate) struct Config {
    pub(crate) ttl: Duration,
    pub(crate) min_ttl: Duration,
    pub(crate) max_ttl: Duration,
    pub(crate) cooldown: Duration,
    pub(crate) stale_window: Duration,
    pub(crate) max_keys: usize,
    pub(crate) allow_http: bool,
    pub(crate) backoff_initial: Duration,
    pub(crate) backoff_max: Duration,
    pub(crate) negative_cache_capacity: u64,
    /// Bound on every fetch, whatever the fetcher (`None`: only for tests on a paused clock).
    pub(crate) fetch_timeout: Option<Duration>,
}

impl Config {
    /// The TTL for a fetched set: the server's max-age (or the default), clamped to `[min_ttl, max_ttl]`.
    pub(crate) fn ttl_for(&self, max_age: Option<Duration>) -> Duration {
        max_age
            .unwrap_or(self.ttl)
            .clamp(self.min_ttl, self.max_ttl)
    }
}

/// Builder for [`JwksCache`]. Every setting has a default; see the crate README for the table.
///
/// ```
/// use std::time::Duration;
/// let cache = jwks_cache::JwksCache::builder()
///     .ttl(Duration::from_secs(300))
///     .cooldown(Duration::from_secs(10))
///     .build()?;
/// let source = cache.source("https://issuer.example/.well-known/jwks.json")?;
/// assert!(!source.is_ready());
/// # Ok::<(), jwks_cache::ConfigError>(())
/// ```
#[derive(Clone)]
#[must_use]
pub struct JwksCacheBuilder {
    cfg: Config,
    timeout: Duration,
    max_body_bytes: usize,
    fetcher: Option<Arc<dyn JwksFetcher>>,
}

impl std::fmt::Debug for JwksCacheBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JwksCacheBuilder")
            .field("cfg", &self.cfg)
            .field("timeout", &self.timeout)
            .field("max_body_bytes", &self.max_body_bytes)
            .field("custom_fetcher", &self.fetcher.is_some())
            .finish()
    }
}

impl Default for JwksCacheBuilder {
    fn default() -> Self {
        Self {
            cfg: Config {
                ttl: DEFAULT_TTL,
                min_ttl: DEFAULT_MIN_TTL,
                max_ttl: DEFAULT_MAX_TTL,
                cooldown: DEFAULT_COOLDOWN,
                stale_window: DEFAULT_STALE_WINDOW,
                max_keys: DEFAULT_MAX_KEYS,
                allow_http: false,
                backoff_initial: DEFAULT_BACKOFF_INITIAL,
                backoff_max: DEFAULT_BACKOFF_MAX,
                negative_cache_capacity: DEFAULT_NEGATIVE_CACHE_CAPACITY,
                fetch_timeout: Some(DEFAULT_TIMEOUT),
            },
            timeout: DEFAULT_TIMEOUT,
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
            fetcher: None,
        }
    }
}

impl JwksCacheBuilder {
    /// TTL used when the server sends no `Cache-Control: max-age` (default 600 s). Must lie in
    /// `[min_ttl, max_ttl]`; a server's `max-age` is clamped to that range.
    pub fn ttl(mut self, ttl: Duration) -> Self {
        self.cfg.ttl = ttl;
        self
    }
    /// Lower clamp for the TTL (default 60 s; valid: [`TTL_RANGE`], at most `max_ttl`).
    pub fn min_ttl(mut self, min: Duration) -> Self {
        self.cfg.min_ttl = min;
        self
    }
    /// Upper clamp for the TTL (default 24 h; valid: [`TTL_RANGE`]).
    pub fn max_ttl(mut self, max: Duration) -> Self {
        self.cfg.max_ttl = max;
        self
    }
    /// Minimum time between a fetch of a URL and an unknown-kid refetch of it (default 30 s). Also the
    /// lifetime of negative-cache entries. Valid: [`COOLDOWN_RANGE`] (1 s to 1 h).
    pub fn cooldown(mut self, cooldown: Duration) -> Self {
        self.cfg.cooldown = cooldown;
        self
    }
    /// How long after its expiry the last good set is still served while fetches fail (default 24 h;
    /// valid: [`STALE_WINDOW_RANGE`], 0 to 7 days).
    pub fn stale_window(mut self, window: Duration) -> Self {
        self.cfg.stale_window = window;
        self
    }
    /// Timeout of one fetch (default 5 s): the default fetcher's HTTP timeout, and a bound the
    /// cache puts on every fetch, a custom [`fetcher`](Self::fetcher)'s too, so a fetch that never
    /// answers frees its single-flight slot after this long. Valid: [`TIMEOUT_RANGE`] (100 ms to 60 s).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self.cfg.fetch_timeout = Some(timeout);
        self
    }
    /// Removes the cache's bound on fetches, leaving only the fetcher's own timeout. Only for tests
    /// on tokio's paused clock, where any pending timer makes the clock jump while a real request
    /// is in flight; pair it with a fetcher built with `timeout(None)`. A fetch that never answers
    /// then holds the single-flight slot forever.
    pub fn without_fetch_timeout(mut self) -> Self {
        self.cfg.fetch_timeout = None;
        self
    }
    /// Body cap of the default fetcher (default 1 MiB; valid: [`MAX_BODY_BYTES_RANGE`]). Ignored
    /// with a custom [`fetcher`](Self::fetcher).
    pub fn max_body_bytes(mut self, max: usize) -> Self {
        self.max_body_bytes = max;
        self
    }
    /// Maximum number of JWKs read from one set (default 100; valid: [`MAX_KEYS_RANGE`]); further
    /// entries are skipped.
    pub fn max_keys(mut self, max: usize) -> Self {
        self.cfg.max_keys = max;
        self
    }
    /// Accept `http://` JWKS URLs (default `false`; meant for loopback tests).
    pub fn allow_http(mut self, allow: bool) -> Self {
        self.cfg.allow_http = allow;
        self
    }
    /// First retry delay after a failed fetch (default 1 s; valid: [`BACKOFF_RANGE`]); doubles per
    /// consecutive failure.
    pub fn backoff_initial(mut self, initial: Duration) -> Self {
        self.cfg.backoff_initial = initial;
        self
    }
    /// Cap of the retry delay (default 60 s; valid: [`BACKOFF_RANGE`], at least `backoff_initial`).
    pub fn backoff_max(mut self, max: Duration) -> Self {
        self.cfg.backoff_max = max;
        self
    }
    /// Capacity of each source's negative cache of unknown kids (default 1024; valid:
    /// [`NEGATIVE_CACHE_CAPACITY_RANGE`], 0 turns it off).
    pub fn negative_cache_capacity(mut self, capacity: u64) -> Self {
        self.cfg.negative_cache_capacity = capacity;
        self
    }
    /// Use this fetcher instead of the built-in [`HttpFetcher`].
    pub fn fetcher(mut self, fetcher: Arc<dyn JwksFetcher>) -> Self {
        self.fetcher = Some(fetcher);
        self
    }

    /// Builds the cache. No fetch happens here.
    ///
    /// # Errors
    ///
    /// [`ConfigError::OutOfRange`] for a setting outside its documented range (`ttl` outside
    /// `[min_ttl, max_ttl]`, `backoff_initial > backoff_max` included), [`ConfigError::HttpClient`]
    /// if the HTTP client cannot be built.
    pub fn build(self) -> Result<JwksCache, ConfigError> {
        let c = &self.cfg;
        check_range("timeout", &self.timeout, &TIMEOUT_RANGE)?;
        check_range("cooldown", &c.cooldown, &COOLDOWN_RANGE)?;
        check_range("min_ttl", &c.min_ttl, &TTL_RANGE)?;
        check_range("max_ttl", &c.max_ttl, &(c.min_ttl..=*TTL_RANGE.end()))?;
        check_range("ttl", &c.ttl, &(c.min_ttl..=c.max_ttl))?;
        check_range("stale_window", &c.stale_window, &STALE_WINDOW_RANGE)?;
        check_range("backoff_initial", &c.backoff_initial, &BACKOFF_RANGE)?;
        check_range(
            "backoff_max",
            &c.backoff_max,
            &(c.backoff_initial..=*BACKOFF_RANGE.end()),
        )?;
        check_range("max_keys", &c.max_keys, &MAX_KEYS_RANGE)?;
        check_range(
            "max_body_bytes",
            &self.max_body_bytes,
            &MAX_BODY_BYTES_RANGE,
        )?;
        check_range(
            "negative_cache_capacity",
            &c.negative_cache_capacity,
            &NEGATIVE_CACHE_CAPACITY_RANGE,
        )?;
        let fetcher = match self.fetcher {
            Some(f) => f,
            None => Arc::new(
                HttpFetcher::builder()
                    .timeout(Some(self.timeout))
                    .max_body_bytes(self.max_body_bytes)
                    .allow_http(c.allow_http)
                    .build()?,
            ),
        };
        Ok(JwksCache {
            inner: Arc::new(CacheInner {
                cfg: Arc::new(self.cfg),
                fetcher,
                sources: RwLock::new(HashMap::new()),
            }),
        })
    }
}
