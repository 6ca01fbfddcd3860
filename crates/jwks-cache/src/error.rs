//! Error types, one per pipeline step.
//!
//! None of them carries key material: `Display` names the problem, the URL or the `kid`, never `n`, `x` or a secret.

use std::time::Duration;

use claims_core::Algorithm;

/// The configuration or a JWKS URL was refused when the cache or a source was set up.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// The JWKS URL could not be parsed as an absolute URL.
    #[error("JWKS URL {url:?} is not a valid absolute URL: {reason}")]
    InvalidUrl {
        /// The URL as given.
        url: String,
        /// Why it was refused.
        reason: String,
    },
    /// The JWKS URL is `http://` and `allow_http` was not set.
    #[error("JWKS URL {url:?} is not https:// (plain http is only allowed with allow_http(true))")]
    InsecureUrl {
        /// The URL as given.
        url: String,
    },
    /// The JWKS URL has a scheme other than `https` or `http`.
    #[error("JWKS URL {url:?} has unsupported scheme {scheme:?} (expected https)")]
    UnsupportedScheme {
        /// The URL as given.
        url: String,
        /// The scheme found.
        scheme: String,
    },
    /// Two settings contradict each other. (No longer produced: every setting is checked
    /// against its range, see [`ConfigError::OutOfRange`].)
    #[error("invalid jwks-cache setting: {0}")]
    InvalidSetting(String),
    /// A setting is outside its documented valid range.
    #[error("{setting} = {value} is outside its valid range {valid}")]
    OutOfRange {
        /// The builder setting (`cooldown`).
        setting: &'static str,
        /// The value given.
        value: String,
        /// The valid range (`1s..=3600s`).
        valid: String,
    },
    /// The HTTP client could not be built (for example, no TLS roots).
    #[error("cannot build the JWKS HTTP client: {0}")]
    HttpClient(String),
}

/// A JWKS document could not be read at all.
///
/// A document that parses but contains individual bad keys is *not* an error: those keys are skipped
/// (see [`SkippedKey`](crate::SkippedKey)) and the rest load.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ParseError {
    /// The body is not JSON.
    #[error("JWKS body is not valid JSON: {0}")]
    InvalidJson(String),
    /// The body is JSON but not an object with a `keys` array.
    #[error("JWKS body has no \"keys\" array")]
    MissingKeys,
    /// The set lists keys but none of them is usable (all were skipped). Treated as a failed
    /// fetch, so one bad document never empties a working set. (`{"keys": []}` is accepted: an
    /// explicitly empty set is the provider revoking every key.)
    #[error("none of the JWKS's {skipped} keys is usable")]
    NoUsableKeys {
        /// How many keys were skipped.
        skipped: usize,
    },
}

/// Fetching a JWKS failed. The last good set (if any) stays in service.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum FetchError {
    /// The URL is not `https://` and plain http was not allowed.
    #[error("refusing to fetch JWKS over plain http from {url:?}")]
    InsecureUrl {
        /// The URL.
        url: String,
    },
    /// The request (connect, headers and body) did not finish within the timeout.
    #[error("JWKS fetch timed out after {0:?}")]
    Timeout(Duration),
    /// Connecting or talking to the server failed.
    #[error("JWKS fetch failed: {0}")]
    Transport(String),
    /// The server answered with a redirect, which is never followed.
    #[error("JWKS endpoint answered with redirect {status}; redirects are not followed")]
    Redirect {
        /// The 3xx status code.
        status: u16,
    },
    /// The server answered with a status other than 200.
    #[error("JWKS endpoint answered with HTTP status {status}")]
    Status {
        /// The status code.
        status: u16,
    },
    /// The body is larger than `max_body_bytes`; reading stopped at the cap.
    #[error("JWKS body exceeds the {limit}-byte cap")]
    BodyTooLarge {
        /// The configured cap in bytes.
        limit: usize,
    },
    /// The body was read but is not a JWKS document.
    #[error(transparent)]
    Parse(#[from] ParseError),
    /// The fetch panicked (a custom fetcher's panic, or a timer polled after its runtime shut
    /// down); it counts as a failed fetch.
    #[error("JWKS fetch panicked before it finished")]
    Cancelled,
}

/// No verification key could be handed out for a token.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum KeyError {
    /// No key in the current set qualifies for this `kid` and algorithm (the token should be rejected: 401).
    #[error("no matching key for kid {kid:?}")]
    NoMatchingKey {
        /// The token's `kid`, if it had one.
        kid: Option<String>,
    },
    /// More than one key qualifies, so the choice would be a guess (the token should be rejected: 401).
    #[error("{candidates} keys match kid {kid:?}; refusing to guess")]
    AmbiguousKey {
        /// The token's `kid`, if it had one.
        kid: Option<String>,
        /// How many keys qualified.
        candidates: usize,
    },
    /// No good key set has been fetched yet, or the last good one is older than the stale window
    /// (the service should answer 503, not 401).
    #[error("JWKS keys are unavailable (no good key set fetched, or the last one is too stale)")]
    KeysUnavailable,
    /// The token's algorithm is never served from a remote JWKS (HMAC, or unknown to this crate).
    #[error("algorithm {0:?} is not supported for keys from a JWKS")]
    UnsupportedAlgorithm(Algorithm),
}

/// OpenID Connect discovery failed. A previous good discovery stays in service.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DiscoveryError {
    /// Fetching the discovery document failed.
    #[error("discovery document: {0}")]
    Fetch(#[from] FetchError),
    /// The document is not JSON with string members `issuer` and `jwks_uri`.
    #[error("discovery document is malformed: {0}")]
    Malformed(String),
    /// The document's `issuer` is not the configured issuer.
    #[error("discovery document names issuer {found:?}, not the configured {expected:?}")]
    IssuerMismatch {
        /// The configured issuer.
        expected: String,
        /// The document's `issuer` (shortened).
        found: String,
    },
    /// The document's `jwks_uri` is refused (not https, not a URL).
    #[error("discovery document's jwks_uri: {0}")]
    JwksUri(ConfigError),
}
