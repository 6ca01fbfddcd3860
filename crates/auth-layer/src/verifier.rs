//! Step 4: verify a token end to end — parse once, route, find the key, verify.
//!
//! [`Verifier`] is what the layer, the CLI and your own code share. It is built once (from
//! [`crate::AuthConfig`] or by hand with [`Verifier::builder`]) and is cheap to clone.
//!
//! Every token it accepts is remembered in its [verified-token cache](crate::token_cache) (on by
//! default, [`VerifierBuilder::token_cache_capacity`] entries): the next request with the same
//! token skips the signature check and the claims parsing, and the handler gets the same
//! `Arc`-shared [`Authenticated`].

use std::sync::Arc;
use std::time::Instant;

use claims_core::{
    DEFAULT_MAX_TOKEN_BYTES, Malformed, Policy, PolicyError, ProviderId, UnverifiedToken,
    VerifyError,
};
use jwks_cache::JwksCache;
use tracing::Instrument as _;

use crate::authenticated::Authenticated;
use crate::config::ConfigError;
use crate::error::AuthError;
use crate::key_source::KeySource;
use crate::metrics::Recording;
use crate::provider::{ProviderEntry, Revocations};
use crate::routing::ProviderSet;
use crate::token_cache::{
    DEFAULT_TOKEN_CACHE_CAPACITY, Lookup, TOKEN_CACHE_CAPACITY_RANGE, TokenCache, TokenDigest,
};

/// Verifies tokens for a set of providers.
///
/// ```
/// use auth_layer::{KeySource, Verifier};
/// use claims_core::{ParraIssuer, ParraKeyring, Policy};
/// use std::sync::Arc;
///
/// # tokio_test_block(async {
/// let mut keyring = ParraKeyring::new();
/// keyring.insert("key-1", b"secret").unwrap();
/// let verifier = Verifier::builder()
///     .provider(Policy::parra([("key-1", "tenant")]).unwrap(), KeySource::Parra(Arc::new(keyring)))
///     .build()
///     .unwrap();
/// let token = ParraIssuer::new("key-1", b"secret".to_vec(), "tenant").unwrap()
///     .issue("user-1", claims_core::now()).unwrap();
/// let auth = verifier.verify(&token).await.unwrap();
/// assert_eq!(auth.identity().user_id, "user-1");
/// # });
/// # fn tokio_test_block(f: impl std::future::Future<Output = ()>) {
/// #     tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(f)
/// # }
/// ```
#[derive(Clone, Debug)]
pub struct Verifier {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    providers: ProviderSet,
    max_token_bytes: usize,
    jwks: Option<JwksCache>,
    tokens: Option<TokenCache>,
    /// The providers whose valid tokens may be revoked (usually none: no cost per request).
    revocations: Vec<(ProviderId, Arc<dyn Revocations>)>,
    /// The metric handles of the hot path.
    recording: Recording,
}

/// Valid range of [`VerifierBuilder::max_token_bytes`]: 256 bytes to 64 KiB.
pub const MAX_TOKEN_BYTES_RANGE: std::ops::RangeInclusive<usize> = 256..=65_536;

/// Builds a [`Verifier`].
#[derive(Debug, Default)]
pub struct VerifierBuilder {
    entries: Vec<ProviderEntry>,
    max_token_bytes: Option<usize>,
    jwks: Option<JwksCache>,
    token_cache_capacity: Option<u64>,
}

impl VerifierBuilder {
    /// Accept tokens of the provider `policy` is for, verified with keys from `keys`.
    pub fn provider(mut self, policy: Policy, keys: KeySource) -> Self {
        self.entries.push(ProviderEntry::new(policy, keys));
        self
    }

    /// Accept tokens of a provider entry (policy, keys and revocations).
    pub fn entry(mut self, entry: ProviderEntry) -> Self {
        self.entries.push(entry);
        self
    }

    /// The largest token accepted, in bytes, before anything is decoded (default 8 KiB; valid:
    /// [`MAX_TOKEN_BYTES_RANGE`]).
    pub fn max_token_bytes(mut self, max: usize) -> Self {
        self.max_token_bytes = Some(max);
        self
    }

    /// The JWKS cache the key sources use (for [`Verifier::prefetch`], readiness and stats).
    pub fn jwks_cache(mut self, cache: JwksCache) -> Self {
        self.jwks = Some(cache);
        self
    }

    /// How many verified tokens to remember (default
    /// [`DEFAULT_TOKEN_CACHE_CAPACITY`]; valid: [`TOKEN_CACHE_CAPACITY_RANGE`]); 0 turns the
    /// verified-token cache off.
    pub fn token_cache_capacity(mut self, capacity: u64) -> Self {
        self.token_cache_capacity = Some(capacity);
        self
    }

    /// Turn the verified-token cache on (the default) or off.
    pub fn token_cache(mut self, enabled: bool) -> Self {
        self.token_cache_capacity = Some(if enabled {
            DEFAULT_TOKEN_CACHE_CAPACITY
        } else {
            0
        });
        self
    }

    /// Build. Fails when two providers share an issuer or two are issuer-less, or a setting is
    /// outside its range ([`PolicyError::OutOfRange`]).
    pub fn build(self) -> Result<Verifier, PolicyError> {
        let capacity = self
            .token_cache_capacity
            .unwrap_or(DEFAULT_TOKEN_CACHE_CAPACITY);
        let max_token_bytes = self.max_token_bytes.unwrap_or(DEFAULT_MAX_TOKEN_BYTES);
        let as_u64 = |v: usize| u64::try_from(v).unwrap_or(u64::MAX);
        let checks = [
            (
                "max_token_bytes",
                as_u64(max_token_bytes),
                as_u64(*MAX_TOKEN_BYTES_RANGE.start())..=as_u64(*MAX_TOKEN_BYTES_RANGE.end()),
            ),
            ("token_cache_capacity", capacity, TOKEN_CACHE_CAPACITY_RANGE),
        ];
        for (setting, value, valid) in checks {
            if !valid.contains(&value) {
                return Err(PolicyError::OutOfRange {
                    setting,
                    value,
                    valid: format!("{}..={}", valid.start(), valid.end()),
                });
            }
        }
        let revocations = self
            .entries
            .iter()
            .filter_map(|e| Some((e.policy.provider().clone(), e.revocations.clone()?)))
            .collect();
        let recording = Recording::new(self.entries.iter().map(|e| e.policy.provider().clone()));
        Ok(Verifier {
            inner: Arc::new(Inner {
                revocations,
                recording,
                providers: ProviderSet::new(self.entries)?,
                max_token_bytes,
                jwks: self.jwks,
                tokens: (capacity > 0).then(|| TokenCache::new(capacity)),
            }),
        })
    }
}

impl Verifier {
    /// Start building a verifier.
    pub fn builder() -> VerifierBuilder {
        VerifierBuilder::default()
    }

    /// The configured providers.
    pub fn providers(&self) -> &ProviderSet {
        &self.inner.providers
    }

    /// The largest token accepted, in bytes.
    pub fn max_token_bytes(&self) -> usize {
        self.inner.max_token_bytes
    }

    /// The JWKS cache, when one was given.
    pub fn jwks_cache(&self) -> Option<&JwksCache> {
        self.inner.jwks.as_ref()
    }

    /// The verified-token cache, unless it was turned off.
    pub fn token_cache(&self) -> Option<&TokenCache> {
        self.inner.tokens.as_ref()
    }

    /// Fetch every key set and discovery document now (warm-up). Never fails: a provider whose
    /// keys cannot be fetched yet answers 503 until they can. See [`Verifier::start`] to also
    /// refuse to start on a discovery document that contradicts the configuration.
    pub async fn prefetch(&self) {
        let _ = self.start().await;
    }

    /// [`Verifier::prefetch`], failing on a configuration error a fetch revealed: a discovery
    /// document whose `issuer` is not the configured one, or whose `jwks_uri` is refused. An
    /// endpoint that is merely down is not an error (its provider answers 503 until it is back).
    pub async fn start(&self) -> Result<(), ConfigError> {
        let discovered: Vec<(String, jwks_cache::DiscoveredJwks)> = self
            .inner
            .providers
            .entries()
            .iter()
            .filter_map(|e| match &e.keys {
                KeySource::Discovered(d) => Some((e.policy.provider().to_string(), d.clone())),
                _ => None,
            })
            .collect();
        // Discovery first: it registers the key sets the prefetch then fetches.
        let results =
            futures_util::future::join_all(discovered.iter().map(|(_, d)| d.refresh())).await;
        if let Some(cache) = &self.inner.jwks {
            cache.prefetch().await;
        }
        for ((provider, d), result) in discovered.iter().zip(results) {
            match result {
                Err(
                    e @ (jwks_cache::DiscoveryError::IssuerMismatch { .. }
                    | jwks_cache::DiscoveryError::JwksUri(_)),
                ) => {
                    return Err(ConfigError::new(format!("{provider} ({})", d.url()), e));
                }
                Err(error) => {
                    tracing::warn!(provider, url = d.url(), %error, "OpenID discovery failed; will retry on demand");
                }
                Ok(_) => {}
            }
        }
        Ok(())
    }

    /// True when every JWKS-backed provider has a good key set.
    pub fn is_ready(&self) -> bool {
        self.inner
            .providers
            .entries()
            .iter()
            .all(|e| e.keys.is_ready())
    }

    /// Verify `token` now.
    pub async fn verify(&self, token: &str) -> Result<Authenticated, AuthError> {
        self.verify_at(token, claims_core::now()).await
    }

    /// Verify `token` as of `now` (seconds since the epoch).
    pub async fn verify_at(&self, token: &str, now: i64) -> Result<Authenticated, AuthError> {
        match self.lookup(token, now) {
            Lookup::Hit { result, .. } => result,
            Lookup::Miss(digest) => self.verify_uncached(token, now, digest).await,
        }
    }

    /// Refuse a verified token whose provider lists it as revoked.
    fn unless_revoked(
        &self,
        result: Result<Authenticated, AuthError>,
    ) -> Result<Authenticated, AuthError> {
        match &result {
            Ok(auth) if !self.inner.revocations.is_empty() => {
                let revoked = self
                    .inner
                    .revocations
                    .iter()
                    .any(|(id, r)| id == auth.provider() && r.is_revoked(auth.claims()));
                if revoked {
                    return Err(AuthError::Revoked);
                }
                result
            }
            _ => result,
        }
    }

    /// The answer of the verified-token cache for `token` as of `now`, without any I/O: `None`
    /// when the token must be verified in full (not cached, cache off, or its key was retired).
    /// A cached token that has expired since gives the same error as a full verification.
    pub fn verify_cached(&self, token: &str, now: i64) -> Option<Result<Authenticated, AuthError>> {
        match self.lookup(token, now) {
            Lookup::Hit { result, .. } => Some(result),
            Lookup::Miss(_) => None,
        }
    }

    /// Look `token` up in the verified-token cache, counting the hit or miss.
    pub(crate) fn lookup(&self, token: &str, now: i64) -> Lookup {
        let Some(tokens) = &self.inner.tokens else {
            return Lookup::Miss(None);
        };
        let started = Instant::now();
        let found = match tokens.lookup(token, now) {
            Lookup::Hit { provider, result } => Lookup::Hit {
                provider,
                result: self.unless_revoked(result),
            },
            miss => miss,
        };
        let recording = &self.inner.recording;
        match &found {
            Lookup::Hit { provider, result } => {
                let outcome = result.as_ref().map(|_| ()).map_err(AuthError::reason);
                recording.cache_hit(provider, started, outcome);
            }
            Lookup::Miss(_) => recording.cache_miss(),
        }
        found
    }

    /// Verify `token` in full (after a cache miss) and cache it under `digest` when accepted.
    pub(crate) async fn verify_uncached(
        &self,
        token: &str,
        now: i64,
        digest: Option<TokenDigest>,
    ) -> Result<Authenticated, AuthError> {
        let started = Instant::now();
        let span = tracing::debug_span!(
            "verify_token",
            provider = tracing::field::Empty,
            outcome = tracing::field::Empty,
            reason = tracing::field::Empty,
        );
        let mut provider = None;
        let result = self
            .verify_inner(token, now, digest, &mut provider, &span)
            .instrument(span.clone())
            .await;
        let provider = provider.unwrap_or(ProviderId::from_static("unknown"));
        let outcome = match &result {
            Ok(_) => {
                span.record("outcome", "accepted");
                Ok(())
            }
            Err(e) => {
                span.record("outcome", "refused");
                span.record("reason", e.reason());
                tracing::debug!(parent: &span, reason = e.reason(), error = %e, "token refused");
                Err(e.reason())
            }
        };
        self.inner
            .recording
            .full_verification(&provider, started, outcome);
        result
    }

    async fn verify_inner(
        &self,
        token: &str,
        now: i64,
        digest: Option<TokenDigest>,
        provider: &mut Option<ProviderId>,
        span: &tracing::Span,
    ) -> Result<Authenticated, AuthError> {
        let parsed = match UnverifiedToken::parse(token, self.inner.max_token_bytes) {
            Err(e) if crate::routing::is_opaque(token, &e) => {
                return self.verify_opaque(token, now, digest, provider, span);
            }
            parsed => parsed?,
        };
        let route = self.inner.providers.route(&parsed)?;
        let policy = &route.entry.policy;
        *provider = Some(policy.provider().clone());
        span.record("provider", policy.provider().as_str());
        let alg = policy.check_header(&parsed)?;
        let (verified, jwks_key) = match &route.entry.keys {
            KeySource::InScheme if policy.signature_scheme().is_some() => {
                (policy.verify_parsed_any(&parsed, alg, &NoKey, now)?, None)
            }
            keys => {
                let key = keys
                    .resolve(parsed.header().kid(), alg, route.issuer.as_deref())
                    .await?;
                let verified = policy.verify_parsed_any(&parsed, alg, key.verifying_key(), now)?;
                (verified, key.jwks_key().cloned())
            }
        };
        self.accept(verified, digest, jwks_key, policy.leeway())
    }

    /// A token that is not a compact JWS, for the provider whose scheme opens such tokens
    /// (Magic's DID token); refused as malformed when none is configured.
    fn verify_opaque(
        &self,
        token: &str,
        now: i64,
        digest: Option<TokenDigest>,
        provider: &mut Option<ProviderId>,
        span: &tracing::Span,
    ) -> Result<Authenticated, AuthError> {
        let entry = self
            .inner
            .providers
            .route_opaque()
            .ok_or(VerifyError::Malformed(Malformed::SegmentCount))?;
        let policy = &entry.policy;
        *provider = Some(policy.provider().clone());
        span.record("provider", policy.provider().as_str());
        let verified = policy.verify_opaque_any(token, now)?;
        self.accept(verified, digest, None, policy.leeway())
    }

    /// Remember an accepted token (unless revoked) and hand it on.
    fn accept(
        &self,
        verified: claims_core::Verified<claims_core::AnyClaims>,
        digest: Option<TokenDigest>,
        jwks_key: Option<Arc<jwks_cache::JwksKey>>,
        leeway: u64,
    ) -> Result<Authenticated, AuthError> {
        let auth = Authenticated::new(verified.claims, verified.identity);
        if let (Some(tokens), Some(digest)) = (&self.inner.tokens, digest) {
            tokens.insert(digest, &auth, jwks_key, leeway);
        }
        self.unless_revoked(Ok(auth))
    }
}

/// The key handed to a policy whose signature scheme holds its own: it verifies nothing (the
/// policy never uses it, and would refuse every signature if it did).
struct NoKey;

impl claims_core::SignatureKey for NoKey {
    fn family(&self) -> claims_core::AlgorithmFamily {
        claims_core::AlgorithmFamily::Hmac
    }
    fn verify_signature(
        &self,
        _alg: claims_core::Algorithm,
        _message: &[u8],
        _signature: &str,
    ) -> Result<(), VerifyError> {
        Err(VerifyError::InvalidSignature)
    }
}
