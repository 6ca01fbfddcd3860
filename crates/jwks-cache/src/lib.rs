//! A JSON Web Key Set cache that stays correct under key rotation, unknown-kid floods and outages.
//!
//! One [`JwksCache`] serves many JWKS URLs; each URL is a [`JwksSource`] with its own state. A fetched set is parsed
//! once into [`JwksKey`]s (the crypto library's key object, built once, plus `kid`, `kty`, `crv`, `alg`,
//! `use`, `key_ops`); the request path is a lock-free `ArcSwap` load and a `HashMap` lookup.
//!
//! The pipeline, one module per step:
//!
//! | step | what |
//! | --- | --- |
//! | [`fetch`](JwksFetcher) | hardened reqwest [`HttpFetcher`] (timeout, streamed body cap, no redirects, https only), or your own [`JwksFetcher`] |
//! | [`parse`](parse_jwks) | JSON → [`ParsedJwks`]; bad JWKs are [skipped](SkippedKey), never the whole set |
//! | [`select`](ParsedJwks::select) | panva/jose rules: exact `kid`, `alg` → `kty`/`crv`, JWK `alg`, `use`, `key_ops` |
//! | [`source`](JwksSource) | TTL from `Cache-Control` (clamped), refresh-ahead, single-flight, cooldown, negative cache, backoff, stale window |
//! | [`discovery`](DiscoveredJwks) | OpenID Connect discovery: the `jwks_uri` of an issuer's `/.well-known/openid-configuration`, checked against the issuer |
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")] async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use jwks_cache::{JwksCache, KeyError};
//!
//! let cache = JwksCache::builder().build()?;
//! let google = cache.source("https://www.googleapis.com/oauth2/v3/certs")?;
//! // At startup: `cache.prefetch().await` warms every source; the service starts even if it fails.
//! // On each request, with the token header's kid and alg:
//! //     let key = google.key(header.kid(), alg).await?;
//! //     claims_core::verify_signature(&token, alg, key.verifying_key())?;
//! # let _ = google;
//! # Ok(()) }
//! ```
//!
//! Timing uses [`tokio::time::Instant`], so tests can run on tokio's paused clock.
//!
//! # Fetches and dropped waiters
//!
//! Every fetch (cold, unknown `kid`, background, [`JwksSource::refresh`]) runs on a tokio task
//! of its own; the lookups that wait for it only await its outcome. A waiter dropped at any
//! `.await` — the client went away, a `tower_http::timeout::TimeoutLayer` fired, a gRPC deadline
//! passed — changes nothing: the fetch completes, stores the set, retires the keys that left it
//! (so caches of tokens verified with them drop those tokens) and frees the single-flight slot.
//! A fetch that never answers is cut at the [timeout](JwksCacheBuilder::timeout), whatever the
//! fetcher does.
//!
//! Without a tokio runtime (a lookup polled by another executor, with a custom [`JwksFetcher`]:
//! the built-in one needs tokio), there is nothing to spawn on: a fetch runs inside the lookups
//! that await it and is driven by whoever awaits it (a fetch all of whose waiters are dropped
//! resumes with the next lookup that joins it); no background refresh runs, so once a set has
//! expired the next lookup refreshes it before answering, and a rotation still takes effect
//! within the TTL. The cache's own fetch timeout needs tokio's timer and does not apply there.

mod cache;
mod config;
mod discovery;
mod error;
mod fetch;
mod parse;
mod select;
mod source;
mod stats;

pub use cache::JwksCache;
pub use claims_core::Algorithm;
pub use config::{
    BACKOFF_RANGE, COOLDOWN_RANGE, DEFAULT_BACKOFF_INITIAL, DEFAULT_BACKOFF_MAX, DEFAULT_COOLDOWN,
    DEFAULT_MAX_BODY_BYTES, DEFAULT_MAX_KEYS, DEFAULT_MAX_TTL, DEFAULT_MIN_TTL,
    DEFAULT_NEGATIVE_CACHE_CAPACITY, DEFAULT_STALE_WINDOW, DEFAULT_TIMEOUT, DEFAULT_TTL,
    JwksCacheBuilder, MAX_BODY_BYTES_RANGE, MAX_KEYS_RANGE, NEGATIVE_CACHE_CAPACITY_RANGE,
    REFRESH_AHEAD, STALE_WINDOW_RANGE, TIMEOUT_RANGE, TTL_RANGE,
};
pub use discovery::{DISCOVERY_PATH, DiscoveredJwks};
pub use error::{ConfigError, DiscoveryError, FetchError, KeyError, ParseError};
pub use fetch::{FetchedJwks, HttpFetcher, HttpFetcherBuilder, JwksFetcher};
pub use parse::{
    Curve, JwksKey, KeyType, MAX_RSA_BITS, MIN_RSA_BITS, ParsedJwks, SkipReason, SkippedKey,
    parse_jwks,
};
pub use select::alg_name;
pub use source::{JwksSource, KeySet};
pub use stats::Stats;
