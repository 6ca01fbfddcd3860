//! Counters the caller can read.

use std::ops::Add;
use std::sync::atomic::{AtomicU64, Ordering};

/// A snapshot of a source's (or, from [`JwksCache::stats`](crate::JwksCache::stats), all sources') counters.
///
/// ```
/// let cache = jwks_cache::JwksCache::builder().build()?;
/// assert_eq!(cache.stats(), jwks_cache::Stats::default());
/// # Ok::<(), jwks_cache::ConfigError>(())
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Stats {
    /// HTTP fetches started (successful or not).
    pub fetches: u64,
    /// Fetches that failed (transport, timeout, status, oversize, unparseable body).
    pub fetch_failures: u64,
    /// Fetches started because a token named a key that was not in the set.
    pub unknown_kid_refreshes: u64,
    /// Unknown-kid lookups refused without fetching because a fetch happened within the cooldown (or a retry
    /// was not yet due after a failure).
    pub cooldown_rejections: u64,
    /// Lookups answered from the negative cache (a kid still unknown after a recent refetch).
    pub negative_hits: u64,
    /// Lookups that returned a key.
    pub hits: u64,
    /// Lookups that returned a key from a set past its TTL (inside the stale window).
    pub stale_hits: u64,
    /// Lookups that failed with `KeysUnavailable`.
    pub unavailable: u64,
    /// Background refreshes started (refresh-ahead and retries after a failure).
    pub background_refreshes: u64,
    /// JWKs skipped while parsing, summed over all successful fetches.
    pub skipped_keys: u64,
}

impl Add for Stats {
    type Output = Stats;
    fn add(self, o: Stats) -> Stats {
        Stats {
            fetches: self.fetches + o.fetches,
            fetch_failures: self.fetch_failures + o.fetch_failures,
            unknown_kid_refreshes: self.unknown_kid_refreshes + o.unknown_kid_refreshes,
            cooldown_rejections: self.cooldown_rejections + o.cooldown_rejections,
            negative_hits: self.negative_hits + o.negative_hits,
            hits: self.hits + o.hits,
            stale_hits: self.stale_hits + o.stale_hits,
            unavailable: self.unavailable + o.unavailable,
            background_refreshes: self.background_refreshes + o.background_refreshes,
            skipped_keys: self.skipped_keys + o.skipped_keys,
        }
    }
}

/// The live counters of one source.
#[derive(Debug, Default)]
pub(crate) struct Counters {
    pub(crate) fetches: AtomicU64,
    pub(crate) fetch_failures: AtomicU64,
    pub(crate) unknown_kid_refreshes: AtomicU64,
    pub(crate) cooldown_rejections: AtomicU64,
    pub(crate) negative_hits: AtomicU64,
    pub(crate) hits: AtomicU64,
    pub(crate) stale_hits: AtomicU64,
    pub(crate) unavailable: AtomicU64,
    pub(crate) background_refreshes: AtomicU64,
    pub(crate) skipped_keys: AtomicU64,
}

pub(crate) fn bump(counter: &AtomicU64) {
    counter.fetch_add(1, Ordering::Relaxed);
}

impl Counters {
    pub(crate) fn snapshot(&self) -> Stats {
        let get = |c: &AtomicU64| c.load(Ordering::Relaxed);
        Stats {
            fetches: get(&self.fetches),
            fetch_failures: get(&self.fetch_failures),
            unknown_kid_refreshes: get(&self.unknown_kid_refreshes),
            cooldown_rejections: get(&self.cooldown_rejections),
            negative_hits: get(&self.negative_hits),
            hits: get(&self.hits),
            stale_hits: get(&self.stale_hits),
            unavailable: get(&self.unavailable),
            background_refreshes: get(&self.background_refreshes),
            skipped_keys: get(&self.skipped_keys),
        }
    }
}
