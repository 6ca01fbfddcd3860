//! The verified-token cache: a token verified once is not verified again while it stays valid.
//!
//! A client sends the same token for up to its whole lifetime (often 30 minutes or more); a
//! signature check costs 5–65 µs. The cache keeps, per token, the [`Authenticated`] it verified
//! to, so a hit costs one SHA-256 of the token and one hash-map lookup: no signature check, no
//! JSON parsing, and the handler gets the very same `Arc`-shared claims
//! ([`Authenticated::ptr_eq`]).
//!
//! What makes a hit safe:
//! - **Keyed by SHA-256 of the whole token**, so an entry is only ever found by the exact token
//!   that was verified (a second preimage of SHA-256 cannot be forced), and 32 bytes per key keep
//!   100,000 entries small.
//! - **`exp` and `nbf` are checked again on every hit**, with the provider's leeway, giving the
//!   same [`claims_core::VerifyError::Expired`] / [`claims_core::VerifyError::NotYetValid`] as a
//!   cold verification; each
//!   entry also leaves the cache on its own at `exp` + leeway (moka per-entry expiry).
//! - **Key retirement**: an entry verified with a JWKS key keeps that key's
//!   `Arc<JwksKey>`. When a later fetch of the provider's JWKS no longer contains the key
//!   (rotation or revocation), [`JwksKey::is_retired`] turns true and every entry verified
//!   with it stops answering at once: the next use of such a token is verified from scratch
//!   against the current key set (and refused when its key is gone).
//! - Only accepted tokens are cached (never refusals), and only tokens of at most
//!   [`MAX_CACHED_TOKEN_BYTES`].

use std::sync::Arc;
use std::time::{Duration, Instant};

use aws_lc_rs::digest;
use claims_core::ProviderId;
use jwks_cache::JwksKey;

use crate::authenticated::Authenticated;
use crate::error::AuthError;

/// The default number of cached tokens.
///
/// Size the capacity by memory: an entry costs about 2.1 KB (Para) to 3.8 KB (Dynamic) of resident
/// memory with realistic tokens — about 390 bytes of moka bookkeeping plus the typed claims and
/// identity a hit hands out (`cargo bench -p wallet-auth-layer --bench token_cache_memory`).
/// 10,000 entries are therefore roughly 20–40 MB.
pub const DEFAULT_TOKEN_CACHE_CAPACITY: u64 = 10_000;

/// Valid range of the verified-token cache's capacity: 0 (off) to 1,000,000 tokens (about 2 to
/// 4 KiB each, see [`DEFAULT_TOKEN_CACHE_CAPACITY`]).
pub const TOKEN_CACHE_CAPACITY_RANGE: std::ops::RangeInclusive<u64> = 0..=1_000_000;

/// Tokens longer than this (in bytes) are verified every time and never cached.
pub const MAX_CACHED_TOKEN_BYTES: usize = 4 * 1024;

/// The cache key: SHA-256 of the full compact token.
pub(crate) type TokenDigest = [u8; 32];

/// SHA-256 of `token`.
pub(crate) fn token_digest(token: &str) -> TokenDigest {
    let d = digest::digest(&digest::SHA256, token.as_bytes());
    let mut out = [0u8; 32];
    out.copy_from_slice(d.as_ref());
    out
}

/// One verified token.
#[derive(Clone)]
struct Entry {
    auth: Authenticated,
    /// The JWKS key the signature was checked with (`None` for configured keys and secrets,
    /// which do not rotate under the cache).
    key: Option<Arc<JwksKey>>,
    /// `exp`.
    exp: i64,
    /// `nbf`, when the token has one.
    nbf: Option<i64>,
    /// The provider's leeway, in seconds.
    leeway: u64,
}

/// Removes each entry at its token's `exp` + leeway.
struct ExpireAtExp;

impl moka::Expiry<TokenDigest, Entry> for ExpireAtExp {
    fn expire_after_create(
        &self,
        _key: &TokenDigest,
        value: &Entry,
        _created_at: Instant,
    ) -> Option<Duration> {
        let leeway = i64::try_from(value.leeway).unwrap_or(i64::MAX);
        let until = value
            .exp
            .saturating_add(leeway)
            .saturating_sub(claims_core::now());
        Some(Duration::from_secs(u64::try_from(until).unwrap_or(0)))
    }
}

/// What a cache lookup found.
pub(crate) enum Lookup {
    /// The token was verified before and is still acceptable as of `now`, or it was verified
    /// before and has now expired (or is not valid yet): the same answer a cold verification
    /// would give.
    Hit {
        /// The provider that issued the token.
        provider: ProviderId,
        /// The answer.
        result: Result<Authenticated, AuthError>,
    },
    /// Verify the token in full; insert it under this digest when cacheable.
    Miss(Option<TokenDigest>),
}

/// A bounded cache of verified tokens. Cheap to clone (shared).
#[derive(Clone)]
pub struct TokenCache {
    cache: moka::sync::Cache<TokenDigest, Entry>,
}

impl std::fmt::Debug for TokenCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenCache")
            .field("entries", &self.cache.entry_count())
            .field("capacity", &self.cache.policy().max_capacity())
            .finish()
    }
}

impl TokenCache {
    /// A cache of at most `capacity` tokens.
    pub fn new(capacity: u64) -> Self {
        TokenCache {
            cache: moka::sync::Cache::builder()
                .max_capacity(capacity)
                .expire_after(ExpireAtExp)
                .build(),
        }
    }

    /// The number of cached tokens (approximate: moka applies writes in batches).
    pub fn entry_count(&self) -> u64 {
        self.cache.entry_count()
    }

    /// Apply pending inserts, evictions and expirations now (tests and measurements).
    pub fn run_pending_tasks(&self) {
        self.cache.run_pending_tasks();
    }

    /// Drop every cached token.
    pub fn clear(&self) {
        self.cache.invalidate_all();
    }

    /// Look `token` up as of `now`.
    pub(crate) fn lookup(&self, token: &str, now: i64) -> Lookup {
        if token.len() > MAX_CACHED_TOKEN_BYTES {
            return Lookup::Miss(None);
        }
        let digest = token_digest(token);
        let Some(entry) = self.cache.get(&digest) else {
            return Lookup::Miss(Some(digest));
        };
        if entry.key.as_ref().is_some_and(|k| k.is_retired()) {
            // The key left the provider's set: forget every use of it, verify from scratch.
            self.cache.invalidate(&digest);
            return Lookup::Miss(Some(digest));
        }
        Lookup::Hit {
            provider: entry.auth.provider().clone(),
            result: claims_core::check_validity_window(entry.exp, entry.nbf, entry.leeway, now)
                .map(|()| entry.auth)
                .map_err(AuthError::from),
        }
    }

    /// Remember a token that was just verified.
    pub(crate) fn insert(
        &self,
        digest: TokenDigest,
        auth: &Authenticated,
        key: Option<Arc<JwksKey>>,
        leeway: u64,
    ) {
        let registered = auth.claims().registered();
        let exp = registered.exp.map_or(auth.expires_at(), |e| e.0);
        let nbf = registered.nbf.map(|n| n.0);
        self.cache.insert(
            digest,
            Entry {
                auth: auth.clone(),
                key,
                exp,
                nbf,
                leeway,
            },
        );
    }
}
