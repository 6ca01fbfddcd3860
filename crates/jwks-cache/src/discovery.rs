//! OpenID Connect discovery: find an issuer's key set URL in its
//! `<issuer>/.well-known/openid-configuration` document.
//!
//! The document is fetched with the same fetcher and rules as key sets (the cache's timeout, body
//! cap, `https://` unless plain http was allowed, no redirects), on a task of its own so that no
//! dropped waiter can stall it, one fetch at a time. Its `issuer` must equal the configured
//! issuer exactly and its `jwks_uri` must pass the same URL checks as a configured one. The last
//! good document stays in service through outages; it is fetched again once it is older than the
//! cache's TTL, in the background while a good copy is there.

use std::sync::{Arc, Mutex, MutexGuard};

use arc_swap::ArcSwapOption;
use futures_util::FutureExt as _;
use futures_util::future::{BoxFuture, Shared};
use tokio::time::Instant;

use crate::cache::JwksCache;
use crate::error::{ConfigError, DiscoveryError};
use crate::source::{JwksSource, keep_driven, spawn_driver};

/// The path of the discovery document under the issuer.
pub const DISCOVERY_PATH: &str = "/.well-known/openid-configuration";

type SharedDiscovery = Shared<BoxFuture<'static, Result<JwksSource, DiscoveryError>>>;

/// An issuer whose key set is found through OpenID Connect discovery. Cheap to clone. Get it
/// from [`JwksCache::discovered`].
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let cache = jwks_cache::JwksCache::builder().build()?;
/// let issuer = cache.discovered("https://example.eu.auth0.com/")?;
/// assert_eq!(issuer.url(), "https://example.eu.auth0.com/.well-known/openid-configuration");
/// assert!(issuer.jwks().is_none()); // nothing fetched yet
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct DiscoveredJwks {
    inner: Arc<Inner>,
}

struct Inner {
    issuer: String,
    url: String,
    cache: JwksCache,
    current: ArcSwapOption<Found>,
    state: Mutex<State>,
}

struct Found {
    source: JwksSource,
    fetched_at: Instant,
}

#[derive(Default)]
struct State {
    inflight: Option<SharedDiscovery>,
    task: Option<tokio::task::JoinHandle<()>>,
    /// The last failure, refused again until the cooldown has passed.
    failed: Option<(Instant, DiscoveryError)>,
}

impl std::fmt::Debug for DiscoveredJwks {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DiscoveredJwks")
            .field("issuer", &self.inner.issuer)
            .field("jwks", &self.jwks().map(|s| s.url().to_owned()))
            .finish()
    }
}

impl JwksCache {
    /// The issuer `issuer`, whose key set URL is read from its discovery document
    /// (`<issuer without trailing slash>/.well-known/openid-configuration`). No fetch happens here.
    ///
    /// # Errors
    ///
    /// The URL errors of [`JwksCache::source`] for the discovery URL.
    pub fn discovered(&self, issuer: &str) -> Result<DiscoveredJwks, ConfigError> {
        let url = format!("{}{DISCOVERY_PATH}", issuer.trim_end_matches('/'));
        self.check_url(&url)?;
        Ok(DiscoveredJwks {
            inner: Arc::new(Inner {
                issuer: issuer.to_owned(),
                url,
                cache: self.clone(),
                current: ArcSwapOption::empty(),
                state: Mutex::new(State::default()),
            }),
        })
    }
}

impl DiscoveredJwks {
    /// The configured issuer.
    pub fn issuer(&self) -> &str {
        &self.inner.issuer
    }

    /// The discovery document's URL.
    pub fn url(&self) -> &str {
        &self.inner.url
    }

    /// The key set found by the last good discovery, if any.
    pub fn jwks(&self) -> Option<JwksSource> {
        self.inner.current.load().as_ref().map(|f| f.source.clone())
    }

    /// True when a discovery succeeded and its key set is ready.
    pub fn is_ready(&self) -> bool {
        self.jwks().is_some_and(|s| s.is_ready())
    }

    /// The issuer's key set: the last good discovery's (refreshed in the background once older
    /// than the TTL), or a discovery now (joining one in progress) when there is none yet.
    ///
    /// # Errors
    ///
    /// The [`DiscoveryError`] of the fetch, while no discovery has succeeded yet.
    pub async fn source(&self) -> Result<JwksSource, DiscoveryError> {
        let now = Instant::now();
        if let Some(found) = self.inner.current.load_full() {
            if now.saturating_duration_since(found.fetched_at) >= self.inner.cache.inner.cfg.ttl {
                // Stale: refresh on its own task; keep answering with the last good copy.
                let _ = self.inner.start(now, false);
            }
            return Ok(found.source.clone());
        }
        match self.inner.start(now, false) {
            Ok(fetch) => fetch.await,
            Err(e) => Err(e),
        }
    }

    /// Fetch the discovery document now (joining a fetch in progress), ignoring the cooldown.
    /// For start-up: an `issuer` mismatch is reported here. The key set it names is registered
    /// with the cache ([`JwksCache::prefetch`] fetches it) but not fetched here.
    ///
    /// # Errors
    ///
    /// The [`DiscoveryError`] of the fetch. A previous good discovery stays in service.
    pub async fn refresh(&self) -> Result<JwksSource, DiscoveryError> {
        self.inner.start(Instant::now(), true)?.await
    }
}

impl Inner {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Join the fetch in progress or start one; a recent failure is answered from memory unless
    /// `forced`.
    fn start(
        self: &Arc<Self>,
        now: Instant,
        forced: bool,
    ) -> Result<SharedDiscovery, DiscoveryError> {
        let mut s = self.lock();
        if let Some(fetch) = s.inflight.clone() {
            keep_driven(&mut s.task, &fetch);
            return Ok(fetch);
        }
        let cooldown = self.cache.inner.cfg.cooldown;
        if !forced
            && let Some((at, error)) = &s.failed
            && now.saturating_duration_since(*at) < cooldown
        {
            return Err(error.clone());
        }
        let me = Arc::clone(self);
        let fetch = async move { me.run().await }.boxed().shared();
        s.inflight = Some(fetch.clone());
        s.task = spawn_driver(&fetch);
        Ok(fetch)
    }

    async fn run(self: Arc<Self>) -> Result<JwksSource, DiscoveryError> {
        let result = std::panic::AssertUnwindSafe(self.discover())
            .catch_unwind()
            .await
            .unwrap_or(Err(DiscoveryError::Fetch(crate::FetchError::Cancelled)));
        let now = Instant::now();
        let mut s = self.lock();
        s.inflight = None;
        s.task = None;
        match &result {
            Ok(source) => {
                s.failed = None;
                let previous = self.current.swap(Some(Arc::new(Found {
                    source: source.clone(),
                    fetched_at: now,
                })));
                // The issuer moved its key set: the old set's keys no longer vouch for anything,
                // so tokens verified with them (and cached) are refused from now on.
                if let Some(previous) = previous
                    && previous.source.url() != source.url()
                {
                    tracing::info!(issuer = %self.issuer, from = previous.source.url(), to = source.url(), "jwks_uri changed; the old keys are retired");
                    for key in previous.source.current().iter().flat_map(|set| set.keys()) {
                        key.retire();
                    }
                }
            }
            Err(error) => {
                tracing::warn!(url = %self.url, %error, "OpenID discovery failed");
                s.failed = Some((now, error.clone()));
            }
        }
        result
    }

    async fn discover(&self) -> Result<JwksSource, DiscoveryError> {
        #[derive(serde::Deserialize)]
        struct Document {
            issuer: String,
            jwks_uri: String,
        }
        let cfg = &self.cache.inner.cfg;
        let fetched =
            crate::fetch::fetch_bounded(cfg, &*self.cache.inner.fetcher, &self.url).await?;
        let doc: Document = serde_json::from_slice(&fetched.body)
            .map_err(|e| DiscoveryError::Malformed(e.to_string()))?;
        if doc.issuer != self.issuer {
            return Err(DiscoveryError::IssuerMismatch {
                expected: self.issuer.clone(),
                found: shorten(&doc.issuer),
            });
        }
        self.cache
            .source(&doc.jwks_uri)
            .map_err(DiscoveryError::JwksUri)
    }
}

fn shorten(s: &str) -> String {
    claims_core::error::shorten(s)
}
