//! Step 3: find the key that may verify a token, for the provider routing picked.

use std::collections::HashMap;
use std::sync::Arc;

use claims_core::{Algorithm, KeyLoadError, ParraKeyring, VerifyError, VerifyingKey};
use jwks_cache::{JwksSource, VerificationKey};

use crate::error::AuthError;

/// Where one provider's verification keys come from.
#[derive(Clone)]
pub enum KeySource {
    /// A remote JSON Web Key Set.
    Jwks(JwksSource),
    /// One key set per issuer (Web3Auth: social logins and external wallets have their own sets).
    JwksByIssuer(Arc<HashMap<String, JwksSource>>),
    /// One static public key (Dynamic's PEM, Web3Auth's SPKI verification key).
    Static(Arc<VerifyingKey>),
    /// HMAC secrets chosen by the token's `iss` (Parra API keys).
    Parra(Arc<ParraKeyring>),
}

impl std::fmt::Debug for KeySource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            KeySource::Jwks(s) => f.debug_tuple("Jwks").field(&s.url()).finish(),
            KeySource::JwksByIssuer(m) => f
                .debug_tuple("JwksByIssuer")
                .field(&m.iter().map(|(i, s)| (i, s.url())).collect::<Vec<_>>())
                .finish(),
            KeySource::Static(_) => f.write_str("Static(<public key>)"),
            KeySource::Parra(k) => f.debug_tuple("Parra").field(k).finish(),
        }
    }
}

/// A key found for a token.
pub enum ResolvedKey<'a> {
    /// From a JWKS: also identifies the key, so cached verifications can be dropped when the key
    /// leaves the set.
    Jwks(Arc<VerificationKey>),
    /// A configured key.
    Configured(&'a VerifyingKey),
}

impl ResolvedKey<'_> {
    /// The key to verify with (parsed once, when its set was fetched or its config loaded).
    pub fn verifying_key(&self) -> &VerifyingKey {
        match self {
            ResolvedKey::Jwks(k) => k.verifying_key(),
            ResolvedKey::Configured(k) => k,
        }
    }

    /// The JWKS key, when the key came from one.
    pub fn jwks_key(&self) -> Option<&Arc<VerificationKey>> {
        match self {
            ResolvedKey::Jwks(k) => Some(k),
            ResolvedKey::Configured(_) => None,
        }
    }
}

impl KeySource {
    /// A static key from a PEM (SPKI RSA or P-256/P-384, or PKCS#1 RSA), prepared once here.
    pub fn from_pem(pem: &str) -> Result<Self, KeyLoadError> {
        VerifyingKey::from_pem(pem).map(|k| KeySource::Static(Arc::new(k)))
    }

    /// The JWKS sources behind this key source.
    pub fn jwks_sources(&self) -> Vec<JwksSource> {
        match self {
            KeySource::Jwks(s) => vec![s.clone()],
            KeySource::JwksByIssuer(m) => m.values().cloned().collect(),
            KeySource::Static(_) | KeySource::Parra(_) => Vec::new(),
        }
    }

    /// Find the key for a token with `kid`, `alg` and (unverified) `iss`.
    pub async fn resolve(
        &self,
        kid: Option<&str>,
        alg: Algorithm,
        iss: Option<&str>,
    ) -> Result<ResolvedKey<'_>, AuthError> {
        match self {
            KeySource::Jwks(source) => Ok(ResolvedKey::Jwks(source.key(kid, alg).await?)),
            KeySource::JwksByIssuer(by_issuer) => {
                let source = iss
                    .and_then(|iss| by_issuer.get(iss))
                    .ok_or_else(|| VerifyError::KeyNotFound("no key set for this issuer".into()))?;
                Ok(ResolvedKey::Jwks(source.key(kid, alg).await?))
            }
            KeySource::Static(key) => Ok(ResolvedKey::Configured(key)),
            KeySource::Parra(keyring) => iss
                .and_then(|iss| keyring.get(iss))
                .map(ResolvedKey::Configured)
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
