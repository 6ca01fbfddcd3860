//! Step 4: verify a token end to end — parse once, route, find the key, verify.
//!
//! [`Verifier`] is what the layer, the CLI and your own code share. It is built once (from
//! [`crate::AuthConfig`] or by hand with [`Verifier::builder`]) and is cheap to clone.

use std::sync::Arc;

use claims_core::{DEFAULT_MAX_TOKEN_BYTES, Policy, PolicyError, UnverifiedToken};
use jwks_cache::JwksCache;
use tracing::Instrument as _;

use crate::authenticated::Authenticated;
use crate::error::AuthError;
use crate::keys::KeySource;
use crate::providers::{ProviderEntry, ProviderSet};

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
}

/// Builds a [`Verifier`].
#[derive(Debug, Default)]
pub struct VerifierBuilder {
    entries: Vec<ProviderEntry>,
    max_token_bytes: Option<usize>,
    jwks: Option<JwksCache>,
}

impl VerifierBuilder {
    /// Accept tokens of the provider `policy` is for, verified with keys from `keys`.
    pub fn provider(mut self, policy: Policy, keys: KeySource) -> Self {
        self.entries.push(ProviderEntry { policy, keys });
        self
    }

    /// The largest token accepted, in bytes, before anything is decoded (default 8 KiB).
    pub fn max_token_bytes(mut self, max: usize) -> Self {
        self.max_token_bytes = Some(max);
        self
    }

    /// The JWKS cache the key sources use (for [`Verifier::prefetch`], readiness and stats).
    pub fn jwks_cache(mut self, cache: JwksCache) -> Self {
        self.jwks = Some(cache);
        self
    }

    /// Build. Fails when two providers share an issuer or two are issuer-less.
    pub fn build(self) -> Result<Verifier, PolicyError> {
        Ok(Verifier {
            inner: Arc::new(Inner {
                providers: ProviderSet::new(self.entries)?,
                max_token_bytes: self.max_token_bytes.unwrap_or(DEFAULT_MAX_TOKEN_BYTES),
                jwks: self.jwks,
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

    /// Fetch every JWKS now (warm-up). Never fails: a provider whose keys cannot be fetched yet
    /// answers 503 until they can.
    pub async fn prefetch(&self) {
        if let Some(cache) = &self.inner.jwks {
            cache.prefetch().await;
        }
    }

    /// True when every JWKS-backed provider has a good key set.
    pub fn is_ready(&self) -> bool {
        self.inner
            .providers
            .entries()
            .iter()
            .flat_map(|e| e.keys.jwks_sources())
            .all(|s| s.is_ready())
    }

    /// Verify `token` now.
    pub async fn verify(&self, token: &str) -> Result<Authenticated, AuthError> {
        self.verify_at(token, claims_core::now()).await
    }

    /// Verify `token` as of `now` (seconds since the epoch).
    pub async fn verify_at(&self, token: &str, now: i64) -> Result<Authenticated, AuthError> {
        let span = tracing::debug_span!(
            "verify_token",
            provider = tracing::field::Empty,
            outcome = tracing::field::Empty,
            reason = tracing::field::Empty,
        );
        let result = self
            .verify_inner(token, now, &span)
            .instrument(span.clone())
            .await;
        match &result {
            Ok(_) => {
                span.record("outcome", "accepted");
            }
            Err(e) => {
                span.record("outcome", "refused");
                span.record("reason", e.reason());
                tracing::debug!(parent: &span, reason = e.reason(), error = %e, "token refused");
            }
        }
        result
    }

    async fn verify_inner(
        &self,
        token: &str,
        now: i64,
        span: &tracing::Span,
    ) -> Result<Authenticated, AuthError> {
        let token = UnverifiedToken::parse(token, self.inner.max_token_bytes)?;
        let route = self.inner.providers.route(&token)?;
        let policy = &route.entry.policy;
        span.record("provider", policy.provider().as_str());
        let alg = policy.check_header(&token)?;
        let key = route
            .entry
            .keys
            .resolve(token.header().kid(), alg, route.issuer.as_deref())
            .await?;
        let verified = policy.verify_parsed_any(&token, alg, key.decoding_key(), now)?;
        Ok(Authenticated::new(verified.claims, verified.identity))
    }
}
