//! Step 3: find the key that may verify a token, for the provider routing picked.

use std::collections::HashMap;
use std::sync::Arc;

use claims_core::{Algorithm, KeyLoadError, ParraKeyring, VerifyError, VerifyingKey};
use jwks_cache::{DiscoveredJwks, JwksKey, JwksSource, KeyError};

use crate::error::AuthError;

/// Where one provider's verification keys come from.
#[derive(Clone)]
#[non_exhaustive]
pub enum KeySource {
    /// A remote JSON Web Key Set.
    Jwks(JwksSource),
    /// One key set per issuer (Web3Auth: social logins and external wallets have their own sets).
    JwksByIssuer(Arc<HashMap<String, JwksSource>>),
    /// The key set of an OpenID Connect issuer, found through discovery.
    Discovered(DiscoveredJwks),
    /// One static public key (Dynamic's PEM, Web3Auth's SPKI verification key).
    Static(Arc<VerifyingKey>),
    /// HMAC secrets chosen by the token's `iss` (Parra API keys).
    Parra(Arc<ParraKeyring>),
    /// Public keys of this service's own, chosen by the token's `kid` (wallet sign-in sessions:
    /// the current key and the ones it rotated from).
    ByKid(Arc<HashMap<String, VerifyingKey>>),
    /// Nothing to look up: the provider's [signature scheme](claims_core::SignatureScheme)
    /// holds its key (Turnkey's notarizer key, thirdweb's admin address) or the token names its
    /// signer (Magic).
    InScheme,
}

impl std::fmt::Debug for KeySource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            KeySource::Jwks(s) => f.debug_tuple("Jwks").field(&s.url()).finish(),
            KeySource::JwksByIssuer(m) => f
                .debug_tuple("JwksByIssuer")
                .field(&m.iter().map(|(i, s)| (i, s.url())).collect::<Vec<_>>())
                .finish(),
            KeySource::Discovered(d) => f.debug_tuple("Discovered").field(&d.url()).finish(),
            KeySource::Static(_) => f.write_str("Static(<public key>)"),
            KeySource::Parra(k) => f.debug_tuple("Parra").field(k).finish(),
            KeySource::ByKid(keys) => f
                .debug_tuple("ByKid")
                .field(&keys.keys().collect::<Vec<_>>())
                .finish(),
            KeySource::InScheme => f.write_str("InScheme"),
        }
    }
}

/// A key found for a token.
#[non_exhaustive]
pub enum FoundKey<'a> {
    /// From a JWKS: also identifies the key, so cached verifications can be dropped when the key
    /// leaves the set.
    Jwks(Arc<JwksKey>),
    /// A configured key.
    Configured(&'a VerifyingKey),
}

impl FoundKey<'_> {
    /// The key to verify with (parsed once, when its set was fetched or its config loaded).
    pub fn verifying_key(&self) -> &VerifyingKey {
        match self {
            FoundKey::Jwks(k) => k.verifying_key(),
            FoundKey::Configured(k) => k,
        }
    }

    /// The JWKS key, when the key came from one.
    pub fn jwks_key(&self) -> Option<&Arc<JwksKey>> {
        match self {
            FoundKey::Jwks(k) => Some(k),
            FoundKey::Configured(_) => None,
        }
    }
}

impl KeySource {
    /// A static key from a PEM (SPKI RSA or P-256/P-384, or PKCS#1 RSA), prepared once here.
    pub fn from_pem(pem: &str) -> Result<Self, KeyLoadError> {
        VerifyingKey::from_pem(pem).map(|k| KeySource::Static(Arc::new(k)))
    }

    /// The JWKS sources behind this key source (for discovery: the one found, if any).
    pub fn jwks_sources(&self) -> Vec<JwksSource> {
        match self {
            KeySource::Jwks(s) => vec![s.clone()],
            KeySource::JwksByIssuer(m) => m.values().cloned().collect(),
            KeySource::Discovered(d) => d.jwks().into_iter().collect(),
            KeySource::Static(_)
            | KeySource::Parra(_)
            | KeySource::ByKid(_)
            | KeySource::InScheme => Vec::new(),
        }
    }

    /// True when every key set behind this source has been fetched (configured keys always are).
    pub fn is_ready(&self) -> bool {
        match self {
            KeySource::Discovered(d) => d.is_ready(),
            other => other.jwks_sources().iter().all(JwksSource::is_ready),
        }
    }

    /// Find the key for a token with `kid`, `alg` and (unverified) `iss`.
    pub async fn resolve(
        &self,
        kid: Option<&str>,
        alg: Algorithm,
        iss: Option<&str>,
    ) -> Result<FoundKey<'_>, AuthError> {
        match self {
            KeySource::Jwks(source) => Ok(FoundKey::Jwks(source.key(kid, alg).await?)),
            KeySource::JwksByIssuer(by_issuer) => {
                let source = iss
                    .and_then(|iss| by_issuer.get(iss))
                    .ok_or_else(|| VerifyError::KeyNotFound("no key set for this issuer".into()))?;
                Ok(FoundKey::Jwks(source.key(kid, alg).await?))
            }
            KeySource::Discovered(discovered) => {
                let source = discovered.source().await.map_err(|error| {
                    tracing::debug!(issuer = discovered.issuer(), %error, "no key set yet");
                    KeyError::KeysUnavailable
                })?;
                Ok(FoundKey::Jwks(source.key(kid, alg).await?))
            }
            KeySource::Static(key) => Ok(FoundKey::Configured(key)),
            KeySource::ByKid(keys) => kid
                .and_then(|kid| keys.get(kid))
                .map(FoundKey::Configured)
                .ok_or_else(|| VerifyError::KeyNotFound("no key with this kid".into()).into()),
            KeySource::InScheme => Err(VerifyError::KeyNotFound(
                "this provider's signature scheme holds its key".into(),
            )
            .into()),
            KeySource::Parra(keyring) => iss
                .and_then(|iss| keyring.get(iss))
                .map(FoundKey::Configured)
                .ok_or_else(|| {
                    VerifyError::WrongIssuer {
                        found: iss.map(claims_core::error::shorten),
                        expected: "a configured Parra API key id".into(),
                    }
                    .into()
                }),
        }
    }
}
