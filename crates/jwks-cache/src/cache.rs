//! The cache: one [`JwksSource`] per URL.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use crate::config::{Config, JwksCacheBuilder};
use crate::error::ConfigError;
use crate::fetch::JwksFetcher;
use crate::source::JwksSource;
use crate::stats::Stats;

/// A JWKS cache serving many URLs, each with its own state. Cheap to clone (an `Arc` inside).
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() -> Result<(), jwks_cache::ConfigError> {
/// let cache = jwks_cache::JwksCache::builder().build()?;
/// let a = cache.source("https://a.example/jwks.json")?;
/// let again = cache.source("https://a.example/jwks.json")?;
/// assert_eq!(a.url(), again.url());
/// assert!(cache.source("http://a.example/jwks.json").is_err()); // https only unless allow_http(true)
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct JwksCache {
    pub(crate) inner: Arc<CacheInner>,
}

pub(crate) struct CacheInner {
    pub(crate) cfg: Arc<Config>,
    pub(crate) fetcher: Arc<dyn JwksFetcher>,
    pub(crate) sources: RwLock<HashMap<String, JwksSource>>,
}

impl std::fmt::Debug for JwksCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JwksCache")
            .field("sources", &self.sources())
            .finish_non_exhaustive()
    }
}

impl JwksCache {
    /// A builder with the defaults.
    pub fn builder() -> JwksCacheBuilder {
        JwksCacheBuilder::default()
    }

    /// Registers `url` (or returns the source already registered for it). No fetch happens here.
    ///
    /// # Errors
    ///
    /// [`ConfigError::InvalidUrl`], [`ConfigError::InsecureUrl`] (plain http without `allow_http`) or
    /// [`ConfigError::UnsupportedScheme`].
    pub fn source(&self, url: &str) -> Result<JwksSource, ConfigError> {
        let parsed = self.check_url(url)?;
        let key = parsed.as_str();
        if let Some(source) = self.read().get(key) {
            return Ok(source.clone());
        }
        let mut sources = self
            .inner
            .sources
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let source = sources.entry(key.to_owned()).or_insert_with(|| {
            JwksSource::new(
                key.to_owned(),
                Arc::clone(&self.inner.cfg),
                Arc::clone(&self.inner.fetcher),
            )
        });
        Ok(source.clone())
    }

    /// Parse `url` and check it may be fetched: `https://` (or `http://` when allowed), a host.
    pub(crate) fn check_url(&self, url: &str) -> Result<reqwest::Url, ConfigError> {
        let parsed = reqwest::Url::parse(url).map_err(|e| ConfigError::InvalidUrl {
            url: url.to_owned(),
            reason: e.to_string(),
        })?;
        match parsed.scheme() {
            "https" => {}
            "http" if self.inner.cfg.allow_http => {}
            "http" => {
                return Err(ConfigError::InsecureUrl {
                    url: url.to_owned(),
                });
            }
            other => {
                return Err(ConfigError::UnsupportedScheme {
                    url: url.to_owned(),
                    scheme: other.to_owned(),
                });
            }
        }
        if parsed.host_str().is_none_or(str::is_empty) {
            return Err(ConfigError::InvalidUrl {
                url: url.to_owned(),
                reason: "no host".into(),
            });
        }
        Ok(parsed)
    }

    /// Every registered source.
    pub fn sources(&self) -> Vec<JwksSource> {
        self.read().values().cloned().collect()
    }

    /// Fetches every registered source concurrently. Never fails: errors are logged and counted, and a source
    /// whose first fetch failed is simply not [ready](JwksSource::is_ready) yet.
    pub async fn prefetch(&self) {
        let sources = self.sources();
        let results = futures_util::future::join_all(sources.iter().map(JwksSource::refresh)).await;
        for (source, result) in sources.iter().zip(results) {
            if let Err(error) = result {
                tracing::warn!(url = source.url(), %error, "JWKS prefetch failed; the source will retry on demand");
            }
        }
    }

    /// `true` when every registered source is ready.
    pub fn is_ready(&self) -> bool {
        self.read().values().all(JwksSource::is_ready)
    }

    /// Counters summed over all sources.
    pub fn stats(&self) -> Stats {
        self.read()
            .values()
            .map(JwksSource::stats)
            .fold(Stats::default(), |a, b| a + b)
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, HashMap<String, JwksSource>> {
        self.inner
            .sources
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}
