//! Per-URL state: the current set, TTL and refresh-ahead, single-flight fetches, cooldown, the negative cache,
//! backoff and the stale window.
//!
//! The request path ([`JwksSource::key`] for a kid in a warm set) is an `ArcSwap` load, one `HashMap` lookup and the
//! selection checks: no I/O, no parsing, no lock held across an await.

use std::collections::HashSet;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use arc_swap::ArcSwapOption;
use claims_core::Algorithm;
use futures_util::FutureExt as _;
use futures_util::future::{BoxFuture, Shared};
use rand::Rng as _;
use tokio::time::Instant;

use crate::config::{Config, REFRESH_AHEAD};
use crate::error::ParseError;
use crate::error::{FetchError, KeyError};
use crate::fetch::JwksFetcher;
use crate::parse::{JwksKey, ParsedJwks, SkippedKey, parse_jwks_reusing};
use crate::select::required_key;
use crate::stats::{Counters, Stats, bump};

/// One successfully fetched and parsed key set, with its timing.
#[derive(Debug)]
pub struct KeySet {
    parsed: ParsedJwks,
    fetched_at: Instant,
    expires_at: Instant,
}

impl KeySet {
    /// The usable keys, in document order.
    pub fn keys(&self) -> &[Arc<JwksKey>] {
        self.parsed.keys()
    }
    /// The JWKs that were skipped, with reasons.
    pub fn skipped(&self) -> &[SkippedKey] {
        self.parsed.skipped()
    }
    /// The parsed document (for [`ParsedJwks::select`]).
    pub fn parsed(&self) -> &ParsedJwks {
        &self.parsed
    }
    /// When the fetch completed (tokio clock).
    pub fn fetched_at(&self) -> Instant {
        self.fetched_at
    }
    /// When the set expires: after this it is served only while refreshes fail, up to the stale window.
    pub fn expires_at(&self) -> Instant {
        self.expires_at
    }
    /// The TTL this set got (server `max-age` or the default, clamped).
    pub fn ttl(&self) -> Duration {
        self.expires_at.saturating_duration_since(self.fetched_at)
    }
    fn refresh_at(&self) -> Instant {
        let ahead = (self.ttl() / 10).min(REFRESH_AHEAD);
        self.expires_at
            .checked_sub(ahead)
            .unwrap_or(self.fetched_at)
    }
}

type SharedFetch = Shared<BoxFuture<'static, Result<(), FetchError>>>;

/// Fetch bookkeeping; only touched off the hot path, never held across an await.
#[derive(Default)]
struct Schedule {
    /// Start of the last fetch attempt (any reason).
    last_attempt: Option<Instant>,
    /// Consecutive failed fetches.
    failures: u32,
    /// After a failure: no automatic fetch before this.
    retry_at: Option<Instant>,
    /// The fetch in progress, shared by every waiter.
    inflight: Option<SharedFetch>,
    /// The task driving `inflight` (none without a runtime). A task that ended while `inflight`
    /// is still set died with its runtime: the next caller drives the fetch on a new task.
    task: Option<tokio::task::JoinHandle<()>>,
}

#[derive(Clone, Copy)]
enum Reason {
    Cold,
    UnknownKid,
    Background,
    /// The set has expired and no tokio runtime can run a background refresh: the lookup drives it.
    Expired,
    Explicit,
}

pub(crate) struct SourceInner {
    url: String,
    cfg: Arc<Config>,
    fetcher: Arc<dyn JwksFetcher>,
    current: ArcSwapOption<KeySet>,
    schedule: Mutex<Schedule>,
    /// Nanoseconds since `epoch` before which no background refresh may start (`u64::MAX` while one runs).
    /// Lets the hot path skip the mutex in the refresh window and during outages.
    background_gate: AtomicU64,
    epoch: Instant,
    negative: Option<moka::sync::Cache<Option<String>, Instant>>,
    counters: Counters,
}

/// A cheap, cloneable handle to one JWKS URL's state. Get it from [`JwksCache::source`](crate::JwksCache::source).
///
/// ```
/// # use jwks_cache::{JwksCache, KeyError};
/// # #[tokio::main(flavor = "current_thread")] async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let cache = JwksCache::builder().build()?;
/// let source = cache.source("https://issuer.example/jwks.json")?;
/// assert_eq!(source.url(), "https://issuer.example/jwks.json");
/// assert!(!source.is_ready());
/// assert!(source.current().is_none());
/// // HMAC is never served from a remote set, whatever the set holds.
/// let err = source.key(Some("k1"), jwks_cache::Algorithm::HS256).await.unwrap_err();
/// assert!(matches!(err, KeyError::UnsupportedAlgorithm(_)));
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct JwksSource {
    inner: Arc<SourceInner>,
}

impl std::fmt::Debug for JwksSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JwksSource")
            .field("url", &self.inner.url)
            .field("ready", &self.is_ready())
            .finish()
    }
}

impl JwksSource {
    pub(crate) fn new(url: String, cfg: Arc<Config>, fetcher: Arc<dyn JwksFetcher>) -> Self {
        let negative = (cfg.negative_cache_capacity > 0 && !cfg.cooldown.is_zero()).then(|| {
            moka::sync::Cache::builder()
                .max_capacity(cfg.negative_cache_capacity)
                .time_to_live(cfg.cooldown)
                .build()
        });
        Self {
            inner: Arc::new(SourceInner {
                url,
                cfg,
                fetcher,
                current: ArcSwapOption::empty(),
                schedule: Mutex::new(Schedule::default()),
                background_gate: AtomicU64::new(0),
                epoch: Instant::now(),
                negative,
                counters: Counters::default(),
            }),
        }
    }

    /// The (normalised) JWKS URL.
    pub fn url(&self) -> &str {
        &self.inner.url
    }

    /// `true` when a good set has been loaded and is still servable (not older than the stale window).
    pub fn is_ready(&self) -> bool {
        self.inner
            .current
            .load()
            .as_ref()
            .is_some_and(|set| self.inner.servable(set, Instant::now()))
    }

    /// The current parsed set, if any good fetch has happened (even if it is now past the stale window).
    pub fn current(&self) -> Option<Arc<KeySet>> {
        self.inner.current.load_full()
    }

    /// This source's counters.
    pub fn stats(&self) -> Stats {
        self.inner.counters.snapshot()
    }

    /// Fetches the set now (joining a fetch already in progress), ignoring cooldown and backoff.
    ///
    /// # Errors
    ///
    /// The [`FetchError`] of the fetch; the previous set stays in service.
    pub async fn refresh(&self) -> Result<(), FetchError> {
        match self
            .inner
            .fetch_if(Instant::now(), Reason::Explicit, |_| true)
        {
            Some(fetch) => fetch.await,
            None => Ok(()),
        }
    }

    /// The key to verify a token with this `kid` and `alg`.
    ///
    /// Warm path: no I/O. When the set is close to expiry (last 10 % of its TTL, at most 30 s), one background
    /// refresh is spawned (if a tokio runtime is present). When no key qualifies, one refetch is made for all
    /// concurrent callers, unless the URL was fetched within the cooldown or the kid is in the negative cache:
    /// then the call fails at once with [`KeyError::NoMatchingKey`]. Selection rules: [`ParsedJwks::select`].
    ///
    /// # Errors
    ///
    /// [`KeyError::NoMatchingKey`] / [`KeyError::AmbiguousKey`] (reject the token), [`KeyError::KeysUnavailable`]
    /// (no good set, or too stale: answer 503), [`KeyError::UnsupportedAlgorithm`] (HMAC and unknown algorithms).
    pub async fn key(&self, kid: Option<&str>, alg: Algorithm) -> Result<Arc<JwksKey>, KeyError> {
        let inner = &self.inner;
        if required_key(alg).is_none() {
            return Err(KeyError::UnsupportedAlgorithm(alg));
        }
        let now = Instant::now();
        let had_set = {
            let guard = inner.current.load();
            match guard.as_ref() {
                Some(set) if inner.servable(set, now) => {
                    if now >= set.refresh_at()
                        && !inner.refresh_in_background(now)
                        && now >= set.expires_at
                    {
                        // No tokio runtime to refresh in the background: an expired set is
                        // refreshed by the lookups themselves, so a rotation still takes effect.
                        drop(guard);
                        return inner.expired_without_runtime(kid, alg, now).await;
                    }
                    match set.parsed.select(kid, alg) {
                        Ok(key) => {
                            inner.count_hit(set, now);
                            return Ok(Arc::clone(key));
                        }
                        Err(KeyError::NoMatchingKey { .. }) => true,
                        Err(e) => return Err(e),
                    }
                }
                _ => false,
            }
        };
        if had_set {
            inner.unknown_kid(kid, alg, now).await
        } else {
            inner.cold(kid, alg, now).await
        }
    }
}

impl SourceInner {
    fn lock(&self) -> MutexGuard<'_, Schedule> {
        self.schedule
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn servable(&self, set: &KeySet, now: Instant) -> bool {
        // A window too large for the clock never ends.
        set.expires_at
            .checked_add(self.cfg.stale_window)
            .is_none_or(|end| now < end)
    }

    fn nanos(&self, at: Instant) -> u64 {
        u64::try_from(at.saturating_duration_since(self.epoch).as_nanos()).unwrap_or(u64::MAX)
    }

    fn count_hit(&self, set: &KeySet, now: Instant) {
        bump(&self.counters.hits);
        if now >= set.expires_at {
            bump(&self.counters.stale_hits);
        }
    }

    /// Selects from the current set after a fetch (or a refused fetch).
    fn select_now(&self, kid: Option<&str>, alg: Algorithm) -> Result<Arc<JwksKey>, KeyError> {
        let now = Instant::now();
        let guard = self.current.load();
        match guard.as_ref() {
            Some(set) if self.servable(set, now) => {
                let key = set.parsed.select(kid, alg)?;
                self.count_hit(set, now);
                Ok(Arc::clone(key))
            }
            _ => {
                bump(&self.counters.unavailable);
                Err(KeyError::KeysUnavailable)
            }
        }
    }

    /// No servable set: fetch (or join the fetch in progress) unless a retry is not yet due.
    async fn cold(
        self: &Arc<Self>,
        kid: Option<&str>,
        alg: Algorithm,
        now: Instant,
    ) -> Result<Arc<JwksKey>, KeyError> {
        // Under the schedule lock: a fetch that finished between our look at `current` and now has
        // already stored its set (it stores before it clears `inflight`), so re-check before
        // starting another one — otherwise a late caller of a cold burst would fetch twice.
        let allowed = |s: &Schedule| {
            s.retry_at.is_none_or(|at| now >= at)
                && !self
                    .current
                    .load()
                    .as_ref()
                    .is_some_and(|set| self.servable(set, now))
        };
        if let Some(fetch) = self.fetch_if(now, Reason::Cold, allowed) {
            // The outcome is read from `current`; the error was logged and counted by the fetch itself.
            let _ = fetch.await;
        }
        // A set that arrived meanwhile is used; with none (retry not yet due), KeysUnavailable.
        self.select_now(kid, alg)
    }

    /// No key qualifies in a servable set: negative cache, then cooldown, then one shared refetch.
    async fn unknown_kid(
        self: &Arc<Self>,
        kid: Option<&str>,
        alg: Algorithm,
        now: Instant,
    ) -> Result<Arc<JwksKey>, KeyError> {
        let no_match = || KeyError::NoMatchingKey {
            kid: kid.map(str::to_owned),
        };
        let neg_key = kid.map(str::to_owned);
        if let Some(negative) = &self.negative
            && negative
                .get(&neg_key)
                .is_some_and(|at| now.saturating_duration_since(at) < self.cfg.cooldown)
        {
            bump(&self.counters.negative_hits);
            return Err(no_match());
        }
        let cooldown = self.cfg.cooldown;
        let allowed = |s: &Schedule| {
            s.last_attempt
                .is_none_or(|at| now.saturating_duration_since(at) >= cooldown)
                && s.retry_at.is_none_or(|at| now >= at)
        };
        let Some(fetch) = self.fetch_if(now, Reason::UnknownKid, allowed) else {
            bump(&self.counters.cooldown_rejections);
            tracing::debug!(url = %self.url, kid = ?kid, "unknown kid; fetched within cooldown, not refetching");
            return Err(no_match());
        };
        let _ = fetch.await;
        let result = self.select_now(kid, alg);
        if let (Err(KeyError::NoMatchingKey { .. }), Some(negative)) = (&result, &self.negative) {
            negative.insert(neg_key, Instant::now());
        }
        result
    }

    /// Starts one background refresh if none runs and no retry delay is pending. `false` when
    /// there is no tokio runtime to run it on.
    fn refresh_in_background(self: &Arc<Self>, now: Instant) -> bool {
        if tokio::runtime::Handle::try_current().is_err() {
            return false;
        }
        if self.nanos(now) < self.background_gate.load(Ordering::Acquire) {
            return true;
        }
        // The fetch runs on its own task (see `fetch_if`); nobody needs to await it.
        let _ = self.fetch_if(now, Reason::Background, |s| {
            s.retry_at.is_none_or(|at| now >= at)
        });
        true
    }

    /// Without a runtime, an expired set: refresh it (or join the refresh in progress) unless a
    /// retry is not yet due, then select as usual.
    async fn expired_without_runtime(
        self: &Arc<Self>,
        kid: Option<&str>,
        alg: Algorithm,
        now: Instant,
    ) -> Result<Arc<JwksKey>, KeyError> {
        if let Some(fetch) = self.fetch_if(now, Reason::Expired, |s| {
            s.retry_at.is_none_or(|at| now >= at)
        }) {
            let _ = fetch.await;
        }
        match self.select_now(kid, alg) {
            Err(KeyError::NoMatchingKey { .. }) => self.unknown_kid(kid, alg, Instant::now()).await,
            other => other,
        }
    }

    /// Joins the fetch in progress, or starts one when `allowed`; `None` when refused.
    ///
    /// The fetch is one shared future, driven by a tokio task of its own and by whoever awaits
    /// it: a waiter dropped at any point (client gone, `TimeoutLayer`, gRPC deadline) changes
    /// nothing — the task completes the fetch, stores the set, retires removed keys and frees the
    /// slot. A task that died with its runtime is replaced by the next caller. Without a runtime
    /// the waiters alone drive it.
    fn fetch_if(
        self: &Arc<Self>,
        now: Instant,
        reason: Reason,
        allowed: impl FnOnce(&Schedule) -> bool,
    ) -> Option<SharedFetch> {
        let mut s = self.lock();
        if let Some(fetch) = s.inflight.clone() {
            keep_driven(&mut s.task, &fetch);
            return (!matches!(reason, Reason::Background)).then_some(fetch);
        }
        if !allowed(&s) {
            return None;
        }
        s.last_attempt = Some(now);
        // Closed while the fetch runs, and at the latest reopened once its timeout has passed (so
        // a fetch whose task died is noticed by the next lookup in the refresh window).
        let busy_until = self
            .cfg
            .fetch_timeout
            .and_then(|t| now.checked_add(t.saturating_add(Duration::from_secs(1))))
            .map_or(u64::MAX, |at| self.nanos(at));
        self.background_gate.store(busy_until, Ordering::Release);
        bump(&self.counters.fetches);
        match reason {
            Reason::UnknownKid => bump(&self.counters.unknown_kid_refreshes),
            Reason::Background | Reason::Expired => bump(&self.counters.background_refreshes),
            Reason::Cold | Reason::Explicit => {}
        }
        let me = Arc::clone(self);
        let fetch = async move { me.run_fetch().await }.boxed().shared();
        s.inflight = Some(fetch.clone());
        s.task = spawn_driver(&fetch);
        Some(fetch)
    }

    async fn run_fetch(self: Arc<Self>) -> Result<(), FetchError> {
        tracing::debug!(url = %self.url, "fetching JWKS");
        // A panic (a custom fetcher's, or a timer polled without its runtime) is a failed fetch
        // like any other: backoff, and the slot is freed.
        let result = std::panic::AssertUnwindSafe(self.fetch_and_store())
            .catch_unwind()
            .await
            .unwrap_or(Err(FetchError::Cancelled));
        let now = Instant::now();
        let mut s = self.lock();
        s.inflight = None;
        s.task = None;
        match &result {
            Ok(()) => {
                s.failures = 0;
                s.retry_at = None;
                self.background_gate.store(0, Ordering::Release);
            }
            Err(error) => {
                s.failures = s.failures.saturating_add(1);
                let delay = self.backoff(s.failures);
                let retry_at = now.checked_add(delay).unwrap_or(now);
                s.retry_at = Some(retry_at);
                self.background_gate
                    .store(self.nanos(retry_at), Ordering::Release);
                bump(&self.counters.fetch_failures);
                tracing::warn!(url = %self.url, %error, failures = s.failures, retry_in = ?delay, "JWKS fetch failed; keeping the last good set");
            }
        }
        result
    }

    /// Exponential backoff with equal jitter: `d = min(initial * 2^(n-1), max)`, delay uniform in `[d/2, d]`.
    fn backoff(&self, failures: u32) -> Duration {
        let exp = failures.saturating_sub(1).min(31);
        let base = self
            .cfg
            .backoff_initial
            .saturating_mul(1u32 << exp)
            .min(self.cfg.backoff_max);
        base.mul_f64(0.5 + 0.5 * rand::rng().random::<f64>())
    }

    /// The fetcher's answer, bounded by the fetch timeout whatever the fetcher does (on a runtime
    /// with timers; without a runtime the fetcher's own timeout is all there is).
    async fn fetch_and_store(&self) -> Result<(), FetchError> {
        let fetched = crate::fetch::fetch_bounded(&self.cfg, &*self.fetcher, &self.url).await?;
        let previous = self.current.load_full();
        let parsed = parse_jwks_reusing(
            &fetched.body,
            self.cfg.max_keys,
            previous.as_deref().map(|p| &p.parsed),
        )?;
        if parsed.keys().is_empty() && !parsed.skipped().is_empty() {
            return Err(ParseError::NoUsableKeys {
                skipped: parsed.skipped().len(),
            }
            .into());
        }
        for skipped in parsed.skipped() {
            tracing::warn!(url = %self.url, kid = ?skipped.kid, reason = %skipped.reason, "skipped JWK");
        }
        self.counters
            .skipped_keys
            .fetch_add(parsed.skipped().len() as u64, Ordering::Relaxed);
        let now = Instant::now();
        let ttl = self.cfg.ttl_for(fetched.max_age);
        let set = Arc::new(KeySet {
            parsed,
            fetched_at: now,
            expires_at: now.checked_add(ttl).unwrap_or(now),
        });
        tracing::info!(url = %self.url, keys = set.keys().len(), skipped = set.skipped().len(), ttl = ?ttl, "JWKS fetched");
        let retired = previous.map(|previous| {
            let kept: HashSet<u64> = set.keys().iter().map(|k| k.id()).collect();
            previous
                .keys()
                .iter()
                .filter(|k| !kept.contains(&k.id()))
                .cloned()
                .collect::<Vec<_>>()
        });
        self.current.store(Some(set));
        for key in retired.into_iter().flatten() {
            tracing::info!(url = %self.url, kid = ?key.kid(), "JWK retired");
            key.retire();
        }
        Ok(())
    }
}

/// Joining a fetch in progress: when the task driving it has ended while the fetch is still in
/// progress (it died with its runtime), drive it on a new task.
pub(crate) fn keep_driven<T: Clone + Send + Sync + 'static>(
    task: &mut Option<tokio::task::JoinHandle<()>>,
    fetch: &Shared<BoxFuture<'static, T>>,
) {
    if task
        .as_ref()
        .is_none_or(tokio::task::JoinHandle::is_finished)
    {
        *task = spawn_driver(fetch);
    }
}

/// Drives `fetch` on a task of its own when a tokio runtime is present (used for key sets and
/// discovery documents alike).
pub(crate) fn spawn_driver<T: Clone + Send + Sync + 'static>(
    fetch: &Shared<BoxFuture<'static, T>>,
) -> Option<tokio::task::JoinHandle<()>> {
    let handle = tokio::runtime::Handle::try_current().ok()?;
    let fetch = fetch.clone();
    Some(handle.spawn(async move {
        let _ = fetch.await;
    }))
}
