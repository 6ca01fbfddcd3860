//! The revoked sessions this process knows of, read by the verifier on every session token
//! (cached or not) without I/O.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use claims_core::{AnyClaims, SessionClaims};

use crate::provider::Revocations;

/// Revoked session ids, each until its token would have expired anyway. Cheap to clone
/// (shared). Expired entries are dropped as new ones arrive, so it holds at most the sessions
/// revoked within one session lifetime.
#[derive(Debug, Clone, Default)]
pub struct RevocationList {
    inner: Arc<RwLock<HashMap<String, i64>>>,
}

impl RevocationList {
    /// An empty list.
    pub fn new() -> Self {
        Self::default()
    }

    /// Revoke `sid` until `expires_at` (seconds since the epoch).
    pub fn insert(&self, sid: &str, expires_at: i64) {
        let now = claims_core::now();
        if let Ok(mut map) = self.inner.write() {
            if map.len() >= 1024 && map.len().is_power_of_two() {
                map.retain(|_, exp| *exp > now);
            }
            map.insert(sid.to_owned(), expires_at);
        }
    }

    /// True when `sid` is revoked and its token has not expired yet.
    pub fn contains(&self, sid: &str) -> bool {
        self.inner
            .read()
            .map(|map| map.get(sid).is_some_and(|exp| *exp > claims_core::now()))
            // A poisoned lock: refuse rather than accept a possibly revoked session.
            .unwrap_or(true)
    }

    /// Until when `sid` is revoked (seconds since the epoch), if it is.
    pub fn revoked_until(&self, sid: &str) -> Option<i64> {
        self.inner.read().ok()?.get(sid).copied()
    }

    /// How many entries are held.
    pub fn len(&self) -> usize {
        self.inner.read().map(|m| m.len()).unwrap_or(0)
    }

    /// True when nothing is revoked.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl Revocations for RevocationList {
    fn is_revoked(&self, claims: &AnyClaims) -> bool {
        match claims.get::<SessionClaims>() {
            Some(session) => session.sid.as_deref().is_none_or(|sid| self.contains(sid)),
            // Only session tokens are listed here.
            None => false,
        }
    }
}
