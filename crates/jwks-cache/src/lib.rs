//! A JSON Web Key Set cache that stays correct under key rotation, unknown-kid floods and outages.
//!
//! One [`JwksCache`] serves many JWKS URLs; each URL is a [`JwksSource`] with its own state. A fetched set is parsed
//! once into [`VerificationKey`]s (a ready [`jsonwebtoken::DecodingKey`] plus `kid`, `kty`, `crv`, `alg`, `use`,
//! `key_ops`); the request path is a lock-free `ArcSwap` load and a `HashMap` lookup.
//!
//! The pipeline, one module per step:
//!
//! | step | what |
//! | --- | --- |
//! | [`fetch`](JwksFetcher) | hardened reqwest [`HttpFetcher`] (timeout, streamed body cap, no redirects, https only), or your own [`JwksFetcher`] |
//! | [`parse`](parse_jwks) | JSON → [`ParsedJwks`]; bad JWKs are [skipped](SkippedKey), never the whole set |
//! | [`select`](ParsedJwks::select) | panva/jose rules: exact `kid`, `alg` → `kty`/`crv`, JWK `alg`, `use`, `key_ops` |
//! | [`source`](JwksSource) | TTL from `Cache-Control` (clamped), refresh-ahead, single-flight, cooldown, negative cache, backoff, stale window |
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")] async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use jwks_cache::{JwksCache, KeyError};
//!
//! let cache = JwksCache::builder().build()?;
//! let google = cache.source("https://www.googleapis.com/oauth2/v3/certs")?;
//! // At startup: `cache.prefetch().await` warms every source; the service starts even if it fails.
//! // On each request, with the token header's kid and alg:
//! //     let key = google.key(header.kid.as_deref(), header.alg).await?;
//! //     jsonwebtoken::decode::<Claims>(token, key.decoding_key(), &validation)?;
//! # let _ = google;
//! # Ok(()) }
//! ```
//!
//! Timing uses [`tokio::time::Instant`], so tests can run on tokio's paused clock.

mod cache;
mod config;
mod error;
mod fetch;
mod parse;
mod select;
mod source;
mod stats;

pub use cache::JwksCache;
pub use config::{
    DEFAULT_BACKOFF_INITIAL, DEFAULT_BACKOFF_MAX, DEFAULT_COOLDOWN, DEFAULT_MAX_BODY_BYTES,
    DEFAULT_MAX_KEYS, DEFAULT_MAX_TTL, DEFAULT_MIN_TTL, DEFAULT_NEGATIVE_CACHE_CAPACITY,
    DEFAULT_STALE_WINDOW, DEFAULT_TIMEOUT, DEFAULT_TTL, JwksCacheBuilder, REFRESH_AHEAD,
};
pub use error::{ConfigError, FetchError, KeyError, ParseError};
pub use fetch::{FetchedJwks, HttpFetcher, HttpFetcherBuilder, JwksFetcher};
pub use jsonwebtoken::Algorithm;
pub use parse::{
    Curve, KeyType, MAX_RSA_BITS, MIN_RSA_BITS, ParsedJwks, SkipReason, SkippedKey,
    VerificationKey, parse_jwks,
};
pub use select::alg_name;
pub use source::{JwksSource, KeySet};
pub use stats::Stats;
