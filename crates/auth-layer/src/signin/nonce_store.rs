//! Nonces (issued, unexpired, consumed once) and revoked sessions, behind [`SigninStore`]: in
//! memory by default, or in Redis so that replicas share them.
//!
//! A nonce is consumed **after** the signature holds ([`SigninStore::consume_nonce`] is one
//! atomic step: of N concurrent consumers exactly one gets `true`), and is only looked at
//! before ([`SigninStore::nonce_is_live`]), so a bad signature never burns a user's nonce.

use std::time::Duration;

use futures_util::future::BoxFuture;

use super::revocation_list::RevocationList;

/// The store could not answer: sign-in is 503, never accepted and never "invalid".
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the sign-in store is unavailable: {0}")]
pub struct StoreError(pub String);

/// Where nonces and revocations live.
pub trait SigninStore: Send + Sync + std::fmt::Debug {
    /// Remember `nonce` as issued for `ttl`.
    fn issue_nonce<'a>(
        &'a self,
        nonce: &'a str,
        ttl: Duration,
    ) -> BoxFuture<'a, Result<(), StoreError>>;

    /// True when `nonce` was issued and is neither expired nor used (does not consume it).
    fn nonce_is_live<'a>(&'a self, nonce: &'a str) -> BoxFuture<'a, Result<bool, StoreError>>;

    /// Consume `nonce` atomically: true for exactly one caller, while it is live.
    fn consume_nonce<'a>(&'a self, nonce: &'a str) -> BoxFuture<'a, Result<bool, StoreError>>;

    /// Revoke session `sid` until `expires_at` (seconds since the epoch), everywhere the store
    /// reaches; the local [`RevocationList`] learns it before this returns.
    fn revoke<'a>(&'a self, sid: &'a str, expires_at: i64)
    -> BoxFuture<'a, Result<(), StoreError>>;
}

/// Default bound on live nonces in memory: a flood of nonce requests evicts the least recently
/// issued or looked-at ones instead of growing memory (LRU: moka's default admission policy would
/// refuse new nonces once full, locking real users out).
pub const DEFAULT_MAX_NONCES: u64 = 100_000;

/// The in-memory store (one process): bounded nonces, local revocations.
#[derive(Debug, Clone)]
pub struct MemoryStore {
    /// Nonce → when it expires (seconds since the epoch).
    nonces: moka::sync::Cache<String, i64>,
    revoked: RevocationList,
}

impl MemoryStore {
    /// A store keeping at most `max_nonces` live nonces (each for at most `max_ttl`), revoking
    /// into `revoked`.
    pub fn new(max_nonces: u64, max_ttl: Duration, revoked: RevocationList) -> Self {
        MemoryStore {
            nonces: moka::sync::Cache::builder()
                .max_capacity(max_nonces)
                .eviction_policy(moka::policy::EvictionPolicy::lru())
                .time_to_live(max_ttl)
                .build(),
            revoked,
        }
    }

    /// How many nonces are held now (approximate, for tests and metrics).
    pub fn nonce_count(&self) -> u64 {
        self.nonces.run_pending_tasks();
        self.nonces.entry_count()
    }
}

fn expires(ttl: Duration) -> i64 {
    claims_core::now().saturating_add(i64::try_from(ttl.as_secs()).unwrap_or(i64::MAX))
}

impl SigninStore for MemoryStore {
    fn issue_nonce<'a>(
        &'a self,
        nonce: &'a str,
        ttl: Duration,
    ) -> BoxFuture<'a, Result<(), StoreError>> {
        self.nonces.insert(nonce.to_owned(), expires(ttl));
        Box::pin(std::future::ready(Ok(())))
    }

    fn nonce_is_live<'a>(&'a self, nonce: &'a str) -> BoxFuture<'a, Result<bool, StoreError>> {
        let live = self
            .nonces
            .get(nonce)
            .is_some_and(|exp| claims_core::now() < exp);
        Box::pin(std::future::ready(Ok(live)))
    }

    fn consume_nonce<'a>(&'a self, nonce: &'a str) -> BoxFuture<'a, Result<bool, StoreError>> {
        // `remove` hands the value to one caller only.
        let consumed = self
            .nonces
            .remove(nonce)
            .is_some_and(|exp| claims_core::now() < exp);
        Box::pin(std::future::ready(Ok(consumed)))
    }

    fn revoke<'a>(
        &'a self,
        sid: &'a str,
        expires_at: i64,
    ) -> BoxFuture<'a, Result<(), StoreError>> {
        self.revoked.insert(sid, expires_at);
        Box::pin(std::future::ready(Ok(())))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    /// A flood beyond the bound evicts old nonces: the newest stays usable (moka's default
    /// admission policy would have refused it and locked the real user out).
    #[test]
    fn a_flood_keeps_the_newest_nonces() {
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let store = MemoryStore::new(10, Duration::from_secs(60), RevocationList::new());
        rt.block_on(async {
            for i in 0..200 {
                store
                    .issue_nonce(&format!("flood{i:08}"), Duration::from_secs(60))
                    .await
                    .unwrap();
            }
            store
                .issue_nonce("realuser0001", Duration::from_secs(60))
                .await
                .unwrap();
            store.nonces.run_pending_tasks();
            assert!(store.nonce_count() <= 10);
            assert!(store.nonce_is_live("realuser0001").await.unwrap());
            assert!(store.consume_nonce("realuser0001").await.unwrap());
            assert!(!store.consume_nonce("realuser0001").await.unwrap());
        });
    }
}
