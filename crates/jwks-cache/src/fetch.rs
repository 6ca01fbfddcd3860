//! The fetch step: the [`JwksFetcher`] trait and the hardened reqwest [`HttpFetcher`].

use std::time::Duration;

use futures_util::future::BoxFuture;
use http::header::{ACCEPT, CACHE_CONTROL};

use crate::error::{ConfigError, FetchError};

/// A fetched JWKS body, before parsing.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FetchedJwks {
    /// The response body (at most the fetcher's body cap).
    pub body: Vec<u8>,
    /// The `Cache-Control: max-age` the server sent, if any (`no-store`/`no-cache` count as zero).
    /// The cache clamps it to its `[min_ttl, max_ttl]`.
    pub max_age: Option<Duration>,
}

/// Fetches a JWKS document. Implement this to plug in your own HTTP client.
///
/// A custom fetcher is responsible for its own timeout, body cap, redirect and scheme policy; the cache adds the
/// caching, single-flight, cooldown and backoff around it.
///
/// ```
/// use jwks_cache::{FetchError, FetchedJwks, JwksFetcher};
/// use futures_util::future::BoxFuture;
///
/// struct Static(&'static str);
/// impl JwksFetcher for Static {
///     fn fetch<'a>(&'a self, _url: &'a str) -> BoxFuture<'a, Result<FetchedJwks, FetchError>> {
///         Box::pin(async move { Ok(FetchedJwks { body: self.0.as_bytes().to_vec(), max_age: None }) })
///     }
/// }
/// let cache = jwks_cache::JwksCache::builder()
///     .fetcher(std::sync::Arc::new(Static(r#"{"keys":[]}"#)))
///     .build()?;
/// # Ok::<(), jwks_cache::ConfigError>(())
/// ```
pub trait JwksFetcher: Send + Sync + 'static {
    /// Fetches the JWKS at `url`.
    fn fetch<'a>(&'a self, url: &'a str) -> BoxFuture<'a, Result<FetchedJwks, FetchError>>;
}

/// The hardened reqwest (rustls) fetcher used by default.
///
/// - one timeout over connect, headers and body (5 s by default);
/// - the body is capped while streaming (1 MiB by default): reading stops as soon as the cap is passed, and a
///   `Content-Length` over the cap is refused before reading;
/// - redirects are never followed (a 3xx is a [`FetchError::Redirect`]);
/// - only status 200 is accepted;
/// - `Accept: application/json, application/jwk-set+json`;
/// - `https://` only, unless plain http was explicitly allowed;
/// - no idle connection pool: fetches are minutes apart, and the fetcher keeps no background timers.
///
/// ```
/// let fetcher = jwks_cache::HttpFetcher::builder()
///     .timeout(Some(std::time::Duration::from_secs(2)))
///     .max_body_bytes(256 * 1024)
///     .build()?;
/// # Ok::<(), jwks_cache::ConfigError>(())
/// ```
#[derive(Debug, Clone)]
pub struct HttpFetcher {
    client: reqwest::Client,
    timeout: Option<Duration>,
    max_body_bytes: usize,
    allow_http: bool,
}

/// Builder for [`HttpFetcher`].
#[derive(Debug, Clone)]
pub struct HttpFetcherBuilder {
    timeout: Option<Duration>,
    max_body_bytes: usize,
    allow_http: bool,
}

impl Default for HttpFetcherBuilder {
    fn default() -> Self {
        Self {
            timeout: Some(crate::config::DEFAULT_TIMEOUT),
            max_body_bytes: crate::config::DEFAULT_MAX_BODY_BYTES,
            allow_http: false,
        }
    }
}

impl HttpFetcherBuilder {
    /// Timeout over the whole request, body included (default 5 s; valid: [`TIMEOUT_RANGE`](crate::TIMEOUT_RANGE)).
    /// `None` disables it: only for tests that run on tokio's paused clock, where any pending timer makes the clock
    /// jump.
    pub fn timeout(mut self, timeout: Option<Duration>) -> Self {
        self.timeout = timeout;
        self
    }
    /// Body cap in bytes (default 1 MiB; valid: [`MAX_BODY_BYTES_RANGE`](crate::MAX_BODY_BYTES_RANGE)).
    pub fn max_body_bytes(mut self, max: usize) -> Self {
        self.max_body_bytes = max;
        self
    }
    /// Allow plain `http://` URLs (default `false`; for loopback tests).
    pub fn allow_http(mut self, allow: bool) -> Self {
        self.allow_http = allow;
        self
    }
    /// Builds the fetcher.
    ///
    /// # Errors
    ///
    /// [`ConfigError::OutOfRange`] for a timeout or body cap outside its range, [`ConfigError::HttpClient`] when
    /// reqwest cannot build a client (for example, TLS setup failed).
    pub fn build(self) -> Result<HttpFetcher, ConfigError> {
        if let Some(timeout) = &self.timeout {
            crate::config::check_range("timeout", timeout, &crate::config::TIMEOUT_RANGE)?;
        }
        crate::config::check_range(
            "max_body_bytes",
            &self.max_body_bytes,
            &crate::config::MAX_BODY_BYTES_RANGE,
        )?;
        let mut headers = http::HeaderMap::new();
        headers.insert(
            ACCEPT,
            http::HeaderValue::from_static("application/json, application/jwk-set+json"),
        );
        let mut builder = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .default_headers(headers)
            .user_agent(concat!("jwks-cache/", env!("CARGO_PKG_VERSION")))
            .pool_max_idle_per_host(0)
            .https_only(!self.allow_http);
        if let Some(timeout) = self.timeout {
            builder = builder.timeout(timeout);
        }
        let client = builder
            .build()
            .map_err(|e| ConfigError::HttpClient(error_chain(&e)))?;
        Ok(HttpFetcher {
            client,
            timeout: self.timeout,
            max_body_bytes: self.max_body_bytes,
            allow_http: self.allow_http,
        })
    }
}

impl HttpFetcher {
    /// A builder with the defaults (5 s timeout, 1 MiB cap, https only).
    pub fn builder() -> HttpFetcherBuilder {
        HttpFetcherBuilder::default()
    }

    async fn fetch_inner(&self, url: &str) -> Result<FetchedJwks, FetchError> {
        if !self.allow_http
            && !url
                .get(..8)
                .is_some_and(|s| s.eq_ignore_ascii_case("https://"))
        {
            return Err(FetchError::InsecureUrl {
                url: url.to_owned(),
            });
        }
        let mut response = self
            .client
            .get(url)
            .send()
            .await
            .map_err(|e| self.map_err(&e))?;
        let status = response.status();
        if status.is_redirection() {
            return Err(FetchError::Redirect {
                status: status.as_u16(),
            });
        }
        if status != reqwest::StatusCode::OK {
            return Err(FetchError::Status {
                status: status.as_u16(),
            });
        }
        let limit = self.max_body_bytes;
        if response
            .content_length()
            .is_some_and(|len| len > limit as u64)
        {
            return Err(FetchError::BodyTooLarge { limit });
        }
        let max_age = response
            .headers()
            .get_all(CACHE_CONTROL)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find_map(parse_max_age);
        // Pre-allocate what the server announces, but never more than 64 KiB up front.
        let announced = response
            .content_length()
            .and_then(|l| usize::try_from(l).ok())
            .unwrap_or(8 * 1024);
        let mut body = Vec::with_capacity(announced.min(limit).min(64 * 1024));
        while let Some(chunk) = response.chunk().await.map_err(|e| self.map_err(&e))? {
            if body.len().saturating_add(chunk.len()) > limit {
                return Err(FetchError::BodyTooLarge { limit });
            }
            body.extend_from_slice(&chunk);
        }
        Ok(FetchedJwks { body, max_age })
    }

    fn map_err(&self, e: &reqwest::Error) -> FetchError {
        if e.is_timeout() {
            FetchError::Timeout(self.timeout.unwrap_or_default())
        } else {
            FetchError::Transport(error_chain(e))
        }
    }
}

impl JwksFetcher for HttpFetcher {
    fn fetch<'a>(&'a self, url: &'a str) -> BoxFuture<'a, Result<FetchedJwks, FetchError>> {
        Box::pin(self.fetch_inner(url))
    }
}

/// Fetch `url` with `fetcher`, cut at the cache's fetch timeout whatever the fetcher does (when a
/// tokio runtime is there to time it).
pub(crate) async fn fetch_bounded(
    cfg: &crate::config::Config,
    fetcher: &dyn JwksFetcher,
    url: &str,
) -> Result<FetchedJwks, FetchError> {
    let fetch = fetcher.fetch(url);
    match cfg.fetch_timeout {
        Some(limit) if tokio::runtime::Handle::try_current().is_ok() => {
            tokio::time::timeout(limit, fetch)
                .await
                .unwrap_or(Err(FetchError::Timeout(limit)))
        }
        _ => fetch.await,
    }
}

/// `Display` of an error and its sources, joined by ": ".
fn error_chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut out = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        out.push_str(": ");
        out.push_str(&s.to_string());
        source = s.source();
    }
    out
}

/// Reads `max-age` from one `Cache-Control` header value; `no-store`/`no-cache` mean zero.
pub(crate) fn parse_max_age(value: &str) -> Option<Duration> {
    let mut max_age = None;
    for directive in value.split(',').map(str::trim) {
        if directive.eq_ignore_ascii_case("no-store") || directive.eq_ignore_ascii_case("no-cache")
        {
            return Some(Duration::ZERO);
        }
        if let Some((name, secs)) = directive.split_once('=')
            && name.trim().eq_ignore_ascii_case("max-age")
        {
            max_age = secs
                .trim()
                .trim_matches('"')
                .parse::<u64>()
                .ok()
                .map(Duration::from_secs);
        }
    }
    max_age
}

#[cfg(test)]
mod tests {
    #![allow(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::indexing_slicing,
        clippy::panic
    )]
    use super::*;

    #[test]
    fn max_age_directives() {
        assert_eq!(
            parse_max_age("public, max-age=300"),
            Some(Duration::from_secs(300))
        );
        assert_eq!(
            parse_max_age("Max-Age = 7 , must-revalidate"),
            Some(Duration::from_secs(7))
        );
        assert_eq!(parse_max_age("no-store"), Some(Duration::ZERO));
        assert_eq!(parse_max_age("public"), None);
        assert_eq!(parse_max_age("max-age=abc"), None);
    }
}
