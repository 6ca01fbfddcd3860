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
//!   cold verification; an entry found expired is dropped then, and
//!   [`TokenCache::run_pending_tasks`] (run at every metrics scrape) drops every expired entry.
//! - **Key retirement**: an entry verified with a JWKS key keeps that key's
//!   `Arc<JwksKey>`. When a later fetch of the provider's JWKS no longer contains the key
//!   (rotation or revocation), [`JwksKey::is_retired`] turns true and every entry verified
//!   with it stops answering at once: the next use of such a token is verified from scratch
//!   against the current key set (and refused when its key is gone).
//! - Only accepted tokens are cached (never refusals), and only tokens of at most
//!   [`MAX_CACHED_TOKEN_BYTES`].
//!
//! The cache is a [`quick_cache`] (S3-FIFO eviction, sharded): about 25 bytes of bookkeeping per
//! entry besides the 32-byte key and the entry itself, where moka's per-entry expiry costs about
//! 340 (`cargo bench -p wallet-auth-layer --bench token_cache_memory` measures both).

use std::sync::Arc;

use aws_lc_rs::digest;
use claims_core::ProviderId;
use jwks_cache::JwksKey;

use crate::authenticated::Authenticated;
use crate::error::AuthError;

/// The default number of cached tokens.
///
/// Size the capacity by memory: an entry costs about 1.2 KB (Para) to 2.5 KB (Dynamic) of resident
/// memory with realistic tokens — the typed claims a hit hands out, and about 100 bytes of key
/// and bookkeeping (`cargo bench -p wallet-auth-layer --bench token_cache_memory`). 10,000
/// entries are therefore roughly 12–25 MB.
pub const DEFAULT_TOKEN_CACHE_CAPACITY: u64 = 10_000;

/// Valid range of the verified-token cache's capacity: 0 (off) to 1,000,000 tokens (about 1 to
/// 2.5 KiB each, see [`DEFAULT_TOKEN_CACHE_CAPACITY`]).
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
    /// `nbf`, or `i64::MIN` when the token has none (the same answer: valid from any time).
    nbf: i64,
    /// The provider's leeway, in seconds.
    leeway: u64,
}

impl Entry {
    /// True when the token has expired as of `now` (`exp` + leeway is past).
    fn expired(&self, now: i64) -> bool {
        claims_core::check_validity_window(self.exp, None, self.leeway, now).is_err()
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
    cache: Arc<quick_cache::sync::Cache<TokenDigest, Entry>>,
}

impl std::fmt::Debug for TokenCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenCache")
            .field("entries", &self.cache.len())
            .field("capacity", &self.cache.capacity())
            .finish()
    }
}

impl TokenCache {
    /// A cache of at most `capacity` tokens (0 is taken as 1).
    pub fn new(capacity: u64) -> Self {
        let capacity = usize::try_from(capacity).unwrap_or(usize::MAX).max(1);
        TokenCache {
            cache: Arc::new(quick_cache::sync::Cache::new(capacity)),
        }
    }

    /// The number of cached tokens (expired ones included until they are dropped).
    pub fn entry_count(&self) -> u64 {
        u64::try_from(self.cache.len()).unwrap_or(u64::MAX)
    }

    /// Drop every expired token now (the metrics scrape runs this; so can a timer).
    pub fn run_pending_tasks(&self) {
        let now = claims_core::now();
        self.cache.retain(|_, entry| !entry.expired(now));
    }

    /// Drop every cached token.
    pub fn clear(&self) {
        self.cache.clear();
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
            self.cache.remove(&digest);
            return Lookup::Miss(Some(digest));
        }
        if entry.expired(now) {
            // Answered below as a full verification would; nothing will use the entry again.
            self.cache.remove(&digest);
        }
        Lookup::Hit {
            provider: entry.auth.provider().clone(),
            result: claims_core::check_validity_window(
                entry.exp,
                Some(entry.nbf),
                entry.leeway,
                now,
            )
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
        let nbf = registered.nbf.map_or(i64::MIN, |n| n.0);
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
