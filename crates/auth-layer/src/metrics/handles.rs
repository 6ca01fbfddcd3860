//! The handles the verifier records into on every request, resolved once per recorder.
//!
//! Resolving a handle (`metrics::counter!` and friends) asks the recorder to hash the metric's
//! name and labels and find it in its registry: over a microsecond for the three metrics of a
//! cache hit. [`Recording`] resolves them the first time a recorder is seen and keeps them. A
//! recorder installed after the verifier was built (or a local recorder entered later) is a
//! different recorder: the handles are resolved again for it, so nothing is recorded into a
//! recorder that is no longer the current one.
//!
//! A recorder is known by its address. The global recorder lives for the rest of the process,
//! so its address cannot be reused; a local recorder (`metrics::with_local_recorder`, tests)
//! dropped while the verifier lives and replaced by a new one at the same address would be
//! taken for the old one.

use std::sync::RwLock;
use std::time::Instant;

use claims_core::ProviderId;
use metrics::{Counter, Histogram, Recorder};

use super::{TOKEN_CACHE_HITS, TOKEN_CACHE_MISSES, VERIFICATION_SECONDS, verification_counter};

/// The hot-path handles of one verifier.
#[derive(Debug)]
pub(crate) struct Recording {
    /// The configured providers, in the order of [`Handles::accepted`].
    providers: Box<[ProviderId]>,
    resolved: RwLock<Option<Handles>>,
}

/// The handles resolved from one recorder.
#[derive(Debug)]
struct Handles {
    /// The address of the recorder they came from.
    recorder: usize,
    hits: Counter,
    hit_seconds: Histogram,
    misses: Counter,
    miss_seconds: Histogram,
    /// `wallet_auth_verifications_total{provider, outcome="accepted", reason="none"}`, per
    /// configured provider.
    accepted: Box<[Counter]>,
}

/// The address of `recorder` (its data pointer).
fn recorder_id(recorder: &dyn Recorder) -> usize {
    std::ptr::from_ref(recorder).cast::<()>() as usize
}

impl Recording {
    /// Handles for a verifier of `providers` (resolved on first use).
    pub(crate) fn new(providers: impl IntoIterator<Item = ProviderId>) -> Self {
        Recording {
            providers: providers.into_iter().collect(),
            resolved: RwLock::new(None),
        }
    }

    /// Run `f` with the current recorder's handles, resolving them when that recorder is new.
    fn with<T>(&self, f: impl FnOnce(&Handles) -> T) -> T {
        let id = metrics::with_recorder(recorder_id);
        if let Ok(guard) = self.resolved.read()
            && let Some(handles) = guard.as_ref()
            && handles.recorder == id
        {
            return f(handles);
        }
        let handles = Handles::resolve(id, &self.providers);
        let out = f(&handles);
        if let Ok(mut guard) = self.resolved.write() {
            *guard = Some(handles);
        }
        out
    }

    /// A verified-token cache hit of `provider`'s token, looked up since `started`, and its
    /// outcome (refusals: expired since, revoked).
    pub(crate) fn cache_hit(
        &self,
        provider: &ProviderId,
        started: Instant,
        outcome: Result<(), &'static str>,
    ) {
        self.with(|h| {
            h.hits.increment(1);
            h.hit_seconds.record(started.elapsed());
            self.verification(h, provider, outcome);
        });
    }

    /// A verified-token cache miss (the token is verified in full next).
    pub(crate) fn cache_miss(&self) {
        self.with(|h| h.misses.increment(1));
    }

    /// A full verification, started at `started`, of `provider`'s token, and its outcome.
    pub(crate) fn full_verification(
        &self,
        provider: &ProviderId,
        started: Instant,
        outcome: Result<(), &'static str>,
    ) {
        self.with(|h| {
            h.miss_seconds.record(started.elapsed());
            self.verification(h, provider, outcome);
        });
    }

    /// Count one verification: accepted tokens of a configured provider through its handle,
    /// anything else (refusals, whose reasons are many) resolved now.
    fn verification(&self, h: &Handles, provider: &ProviderId, outcome: Result<(), &'static str>) {
        let handle = outcome.ok().and_then(|()| {
            let at = self.providers.iter().position(|p| p == provider)?;
            h.accepted.get(at)
        });
        match handle {
            Some(accepted) => accepted.increment(1),
            None => verification_counter(provider, outcome).increment(1),
        }
    }
}

impl Handles {
    /// Resolve every handle from the current recorder (whose address is `recorder`).
    fn resolve(recorder: usize, providers: &[ProviderId]) -> Self {
        Handles {
            recorder,
            hits: metrics::counter!(TOKEN_CACHE_HITS),
            hit_seconds: metrics::histogram!(VERIFICATION_SECONDS, "cache" => "hit"),
            misses: metrics::counter!(TOKEN_CACHE_MISSES),
            miss_seconds: metrics::histogram!(VERIFICATION_SECONDS, "cache" => "miss"),
            accepted: providers
                .iter()
                .map(|p| verification_counter(p, Ok(())))
                .collect(),
        }
    }
}
