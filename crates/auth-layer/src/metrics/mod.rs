//! Metrics, through the [`metrics`] facade: install any recorder (Prometheus, StatsD, …) and the
//! layer reports to it; without one, recording costs next to nothing.
//!
//! Recorded as requests happen:
//!
//! | name | kind | labels |
//! | --- | --- | --- |
//! | [`VERIFICATIONS`] | counter | `provider`, `outcome` (`accepted`/`refused`), `reason` |
//! | [`TOKEN_CACHE_HITS`], [`TOKEN_CACHE_MISSES`] | counter | — |
//! | [`VERIFICATION_SECONDS`] | histogram | `cache` (`hit`/`miss`) |
//!
//! Exported at scrape time by [`record_verifier_stats`] / [`record_jwks_stats`] (call them from
//! your `/metrics` handler just before rendering), from the counters the JWKS cache keeps itself:
//! [`JWKS_FETCHES`], [`JWKS_FETCH_FAILURES`], [`JWKS_UNKNOWN_KID_REFRESHES`],
//! [`JWKS_COOLDOWN_REJECTIONS`] and the others below, per JWKS `url`; [`JWKS_READY`] and
//! [`TOKEN_CACHE_ENTRIES`] are gauges.
//!
//! ```
//! // With no recorder installed this records nothing and never fails.
//! let cache = jwks_cache::JwksCache::builder().build().unwrap();
//! auth_layer::metrics::describe();
//! auth_layer::metrics::record_jwks_stats(&cache);
//! ```
//!
//! # Memory: run your recorder's upkeep
//!
//! Every verification records one [`VERIFICATION_SECONDS`] sample. A recorder that buffers
//! histogram samples until something drains them grows with every request while nothing does:
//! whoever installs the recorder must make sure it is drained periodically, whether or not
//! anybody scrapes.
//!
//! With `metrics-exporter-prometheus` (0.18), samples wait in memory until
//! `PrometheusHandle::render` (every scrape) or `PrometheusHandle::run_upkeep` folds them into the
//! histogram's summary:
//! - `PrometheusBuilder::install` / `build` (its `http-listener` or `push-gateway` features) spawn
//!   an upkeep task themselves, every `upkeep_timeout` (default 5 s);
//! - `PrometheusBuilder::install_recorder` / `build_recorder` (what you use to serve `/metrics`
//!   from your own router) spawn nothing — `upkeep_timeout` has no effect there. Call
//!   `run_upkeep` on a timer, for example with [`spawn_upkeep`] every [`UPKEEP_INTERVAL`], as the
//!   example server does. Relying on scrapes alone is not enough: when the scraper stops, memory
//!   grows (measured: about 21 bytes per request; the "Soak" section of `docs/performance.md` has the figures).
//!
//! Other recorders: check how they hold histograms between exports.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! use auth_layer::metrics::{UPKEEP_INTERVAL, spawn_upkeep};
//! use metrics_exporter_prometheus::PrometheusBuilder;
//!
//! let Ok(handle) = PrometheusBuilder::new().install_recorder() else {
//!     return eprintln!("no /metrics: a recorder is already installed");
//! };
//! auth_layer::metrics::describe();
//! let upkeep = handle.clone();
//! let timer = spawn_upkeep(UPKEEP_INTERVAL, move || upkeep.run_upkeep());
//! // ... serve `handle.render()` on `/metrics` (after `record_verifier_stats`) ...
//! # let _ = handle.render();
//! # timer.abort();
//! # }
//! ```

mod handles;

use std::time::Duration;

use claims_core::ProviderId;
use jwks_cache::JwksCache;
use metrics::Counter;

pub(crate) use handles::Recording;

use crate::verifier::Verifier;

/// Verifications, by `provider`, `outcome` and `reason` (counter).
pub const VERIFICATIONS: &str = "wallet_auth_verifications_total";
/// Verified-token cache hits (counter).
pub const TOKEN_CACHE_HITS: &str = "wallet_auth_token_cache_hits_total";
/// Verified-token cache misses (counter): tokens verified in full while the cache is on.
pub const TOKEN_CACHE_MISSES: &str = "wallet_auth_token_cache_misses_total";
/// Tokens in the verified-token cache (gauge, set at scrape time).
pub const TOKEN_CACHE_ENTRIES: &str = "wallet_auth_token_cache_entries";
/// Time to verify a token, in seconds, by `cache` (`hit` or `miss`) (histogram).
pub const VERIFICATION_SECONDS: &str = "wallet_auth_verification_duration_seconds";
/// JWKS HTTP fetches started, by `url` (counter, set at scrape time).
pub const JWKS_FETCHES: &str = "wallet_auth_jwks_fetches_total";
/// JWKS fetches that failed, by `url` (counter, set at scrape time).
pub const JWKS_FETCH_FAILURES: &str = "wallet_auth_jwks_fetch_failures_total";
/// JWKS fetches caused by an unknown `kid`, by `url` (counter, set at scrape time).
pub const JWKS_UNKNOWN_KID_REFRESHES: &str = "wallet_auth_jwks_unknown_kid_refreshes_total";
/// Unknown-`kid` lookups refused without fetching (cooldown), by `url` (counter).
pub const JWKS_COOLDOWN_REJECTIONS: &str = "wallet_auth_jwks_cooldown_rejections_total";
/// Lookups answered from the negative cache, by `url` (counter, set at scrape time).
pub const JWKS_NEGATIVE_HITS: &str = "wallet_auth_jwks_negative_hits_total";
/// Key lookups that found a key, by `url` (counter, set at scrape time).
pub const JWKS_KEY_HITS: &str = "wallet_auth_jwks_key_hits_total";
/// Key lookups served from a set past its TTL, by `url` (counter, set at scrape time).
pub const JWKS_STALE_HITS: &str = "wallet_auth_jwks_stale_hits_total";
/// Key lookups that failed because no good set was available, by `url` (counter).
pub const JWKS_UNAVAILABLE: &str = "wallet_auth_jwks_unavailable_total";
/// Background refreshes started, by `url` (counter, set at scrape time).
pub const JWKS_BACKGROUND_REFRESHES: &str = "wallet_auth_jwks_background_refreshes_total";
/// JWKs skipped while parsing, by `url` (counter, set at scrape time).
pub const JWKS_SKIPPED_KEYS: &str = "wallet_auth_jwks_skipped_keys_total";
/// 1 when the JWKS source has a servable key set, else 0, by `url` (gauge).
pub const JWKS_READY: &str = "wallet_auth_jwks_ready";

/// How often the example server runs its recorder's upkeep: the same as
/// `metrics-exporter-prometheus`'s own upkeep task (`PrometheusBuilder::upkeep_timeout`).
pub const UPKEEP_INTERVAL: Duration = Duration::from_secs(5);

/// Call `upkeep` every `every` (clamped to 1 ms – 1 day) on a new tokio task, for as long as the runtime
/// runs or until the returned handle is aborted; the first call comes one period after this one.
/// For recorders that must be drained periodically, such as a Prometheus recorder installed with
/// `install_recorder` (see [the module docs](self#memory-run-your-recorders-upkeep)).
///
/// # Panics
///
/// Outside a tokio runtime, like `tokio::spawn`.
pub fn spawn_upkeep<F>(every: Duration, upkeep: F) -> tokio::task::JoinHandle<()>
where
    F: Fn() + Send + 'static,
{
    // Between 1 ms and 1 day, so the first deadline can never overflow the clock.
    let every = every.clamp(Duration::from_millis(1), Duration::from_secs(24 * 3600));
    tokio::spawn(async move {
        let start = tokio::time::Instant::now();
        let mut timer = tokio::time::interval_at(start.checked_add(every).unwrap_or(start), every);
        timer.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            timer.tick().await;
            upkeep();
        }
    })
}

/// Register the descriptions of every metric with the installed recorder (optional; call once
/// after installing it).
pub fn describe() {
    use metrics::{Unit, describe_counter, describe_gauge, describe_histogram};
    describe_counter!(
        VERIFICATIONS,
        "Token verifications by provider, outcome and reason."
    );
    describe_counter!(TOKEN_CACHE_HITS, "Verified-token cache hits.");
    describe_counter!(TOKEN_CACHE_MISSES, "Verified-token cache misses.");
    describe_gauge!(TOKEN_CACHE_ENTRIES, "Tokens in the verified-token cache.");
    describe_histogram!(
        VERIFICATION_SECONDS,
        Unit::Seconds,
        "Time to verify a token (cache hit or full verification)."
    );
    describe_counter!(JWKS_FETCHES, "JWKS HTTP fetches started.");
    describe_counter!(JWKS_FETCH_FAILURES, "JWKS fetches that failed.");
    describe_counter!(
        JWKS_UNKNOWN_KID_REFRESHES,
        "JWKS fetches caused by a token naming an unknown kid."
    );
    describe_counter!(
        JWKS_COOLDOWN_REJECTIONS,
        "Unknown-kid lookups refused without fetching (cooldown)."
    );
    describe_counter!(
        JWKS_NEGATIVE_HITS,
        "Lookups answered from the unknown-kid negative cache."
    );
    describe_counter!(JWKS_KEY_HITS, "JWKS key lookups that found a key.");
    describe_counter!(JWKS_STALE_HITS, "JWKS key lookups served from a stale set.");
    describe_counter!(JWKS_UNAVAILABLE, "JWKS key lookups with no usable set.");
    describe_counter!(JWKS_BACKGROUND_REFRESHES, "JWKS background refreshes.");
    describe_counter!(JWKS_SKIPPED_KEYS, "JWKs skipped while parsing.");
    describe_gauge!(JWKS_READY, "1 when the JWKS source has a servable key set.");
}

/// Export the JWKS cache's counters (per source `url`) to the installed recorder. Call it from
/// the `/metrics` handler before rendering: the values are absolute, so calling it often is
/// harmless.
pub fn record_jwks_stats(cache: &JwksCache) {
    for source in cache.sources() {
        let s = source.stats();
        let url = source.url().to_owned();
        let set = |name: &'static str, value: u64| {
            metrics::counter!(name, "url" => url.clone()).absolute(value);
        };
        set(JWKS_FETCHES, s.fetches);
        set(JWKS_FETCH_FAILURES, s.fetch_failures);
        set(JWKS_UNKNOWN_KID_REFRESHES, s.unknown_kid_refreshes);
        set(JWKS_COOLDOWN_REJECTIONS, s.cooldown_rejections);
        set(JWKS_NEGATIVE_HITS, s.negative_hits);
        set(JWKS_KEY_HITS, s.hits);
        set(JWKS_STALE_HITS, s.stale_hits);
        set(JWKS_UNAVAILABLE, s.unavailable);
        set(JWKS_BACKGROUND_REFRESHES, s.background_refreshes);
        set(JWKS_SKIPPED_KEYS, s.skipped_keys);
        metrics::gauge!(JWKS_READY, "url" => url).set(if source.is_ready() { 1.0 } else { 0.0 });
    }
}

/// [`record_jwks_stats`] for the verifier's JWKS cache, plus the size of its token cache.
pub fn record_verifier_stats(verifier: &Verifier) {
    if let Some(cache) = verifier.jwks_cache() {
        record_jwks_stats(cache);
    }
    if let Some(tokens) = verifier.token_cache() {
        tokens.run_pending_tasks();
        // u64 → f64 loses precision only above 2^53 entries.
        #[allow(clippy::cast_precision_loss)]
        metrics::gauge!(TOKEN_CACHE_ENTRIES).set(tokens.entry_count() as f64);
    }
}

/// The `wallet_auth_verifications_total` handle for `provider` and `outcome` (refusal reason).
fn verification_counter(provider: &ProviderId, outcome: Result<(), &'static str>) -> Counter {
    let provider = match provider.as_static() {
        Some(name) => metrics::SharedString::const_str(name),
        None => metrics::SharedString::from_shared(provider.to_shared()),
    };
    match outcome {
        Ok(()) => metrics::counter!(
            VERIFICATIONS,
            "provider" => provider,
            "outcome" => "accepted",
            "reason" => "none"
        ),
        Err(reason) => metrics::counter!(
            VERIFICATIONS,
            "provider" => provider,
            "outcome" => "refused",
            "reason" => reason
        ),
    }
}
