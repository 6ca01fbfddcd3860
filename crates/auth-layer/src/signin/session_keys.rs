//! The service's own session keys: the first signs, all are published (rotation) and verify.
//!
//! PKCS#8 PEM files of a P-256 (ES256) or Ed25519 (EdDSA) private key, as
//! `openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256` or
//! `openssl genpkey -algorithm ed25519` write them. Each key's `kid` is its RFC 7638 JWK
//! thumbprint.

use std::collections::HashMap;
use std::sync::Arc;

use aws_lc_rs::digest::{SHA256, digest};
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{
    ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, Ed25519KeyPair, KeyPair as _,
};
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use claims_core::{Algorithm, EcCurve, VerifyingKey};
use serde_json::{Value, json};

/// Why a session key could not be loaded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SessionKeyError {
    /// Not a PEM `PRIVATE KEY` block.
    #[error("not a PKCS#8 PEM (-----BEGIN PRIVATE KEY-----)")]
    NotPem,
    /// A PKCS#8 key that is neither P-256 nor Ed25519.
    #[error("not a P-256 or Ed25519 PKCS#8 private key")]
    UnsupportedKey,
    /// No key at all.
    #[error("no session key")]
    Empty,
}

enum Signer {
    Es256(EcdsaKeyPair),
    EdDsa(Ed25519KeyPair),
}

/// One key: its signer and its published JWK.
struct SessionKey {
    kid: String,
    signer: Signer,
    jwk: Value,
}

/// The session keys: sign with the first, verify with any.
pub struct SessionKeys {
    keys: Vec<SessionKey>,
    verifying: Arc<HashMap<String, VerifyingKey>>,
    rng: SystemRandom,
}

impl std::fmt::Debug for SessionKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SessionKeys")
            .field(
                "kids",
                &self.keys.iter().map(|k| &k.kid).collect::<Vec<_>>(),
            )
            .finish()
    }
}

impl SessionKeys {
    /// Keys from PKCS#8 PEM texts, the signing key first.
    pub fn from_pems<S: AsRef<str>>(pems: &[S]) -> Result<Self, (usize, SessionKeyError)> {
        let keys = pems
            .iter()
            .enumerate()
            .map(|(i, pem)| {
                let der = pem_der(pem.as_ref()).ok_or((i, SessionKeyError::NotPem))?;
                SessionKey::from_pkcs8(&der).map_err(|e| (i, e))
            })
            .collect::<Result<Vec<_>, _>>()?;
        Self::from_keys(keys).map_err(|e| (0, e))
    }

    /// Keys from PKCS#8 DER documents, the signing key first.
    pub fn from_pkcs8(ders: &[&[u8]]) -> Result<Self, SessionKeyError> {
        let keys = ders
            .iter()
            .map(|der| SessionKey::from_pkcs8(der))
            .collect::<Result<Vec<_>, _>>()?;
        Self::from_keys(keys)
    }

    fn from_keys(keys: Vec<(SessionKey, VerifyingKey)>) -> Result<Self, SessionKeyError> {
        if keys.is_empty() {
            return Err(SessionKeyError::Empty);
        }
        let (keys, verifying): (Vec<_>, Vec<_>) = keys.into_iter().unzip();
        let verifying = keys.iter().map(|k| k.kid.clone()).zip(verifying).collect();
        Ok(SessionKeys {
            keys,
            verifying: Arc::new(verifying),
            rng: SystemRandom::new(),
        })
    }

    /// A fresh P-256 key (development mode).
    pub fn generate() -> Result<Self, SessionKeyError> {
        let rng = SystemRandom::new();
        let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &rng)
            .map_err(|_| SessionKeyError::UnsupportedKey)?;
        Self::from_pkcs8(&[pkcs8.as_ref()])
    }

    /// The `kid` of the signing key.
    pub fn signing_kid(&self) -> &str {
        self.keys.first().map_or("", |k| k.kid.as_str())
    }

    /// The public keys as a JSON Web Key Set (`{"keys": […]}`).
    pub fn jwks(&self) -> Value {
        json!({ "keys": self.keys.iter().map(|k| k.jwk.clone()).collect::<Vec<_>>() })
    }

    /// The verifying keys by `kid`.
    pub fn verifying_keys(&self) -> Arc<HashMap<String, VerifyingKey>> {
        self.verifying.clone()
    }

    /// A compact JWS of `claims`, signed with the first key.
    pub fn sign(&self, claims: &Value) -> Result<String, SessionKeyError> {
        let key = self.keys.first().ok_or(SessionKeyError::Empty)?;
        let alg = match key.signer {
            Signer::Es256(_) => "ES256",
            Signer::EdDsa(_) => "EdDSA",
        };
        let header = json!({ "alg": alg, "typ": "JWT", "kid": key.kid });
        let mut token = URL_SAFE_NO_PAD.encode(header.to_string());
        token.push('.');
        token.push_str(&URL_SAFE_NO_PAD.encode(claims.to_string()));
        let signature = match &key.signer {
            Signer::Es256(pair) => pair
                .sign(&self.rng, token.as_bytes())
                .map_err(|_| SessionKeyError::UnsupportedKey)?
                .as_ref()
                .to_vec(),
            Signer::EdDsa(pair) => pair.sign(token.as_bytes()).as_ref().to_vec(),
        };
        token.push('.');
        token.push_str(&URL_SAFE_NO_PAD.encode(signature));
        Ok(token)
    }

    /// The algorithm of the signing key.
    pub fn signing_algorithm(&self) -> Algorithm {
        match self.keys.first().map(|k| &k.signer) {
            Some(Signer::EdDsa(_)) => Algorithm::EdDSA,
            _ => Algorithm::ES256,
        }
    }
}

impl SessionKey {
    fn from_pkcs8(der: &[u8]) -> Result<(Self, VerifyingKey), SessionKeyError> {
        if let Ok(pair) = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, der) {
            // Uncompressed point: 0x04 ‖ x ‖ y.
            let point = pair.public_key().as_ref();
            let (x, y) = point
                .get(1..33)
                .zip(point.get(33..65))
                .ok_or(SessionKeyError::UnsupportedKey)?;
            let (x, y) = (URL_SAFE_NO_PAD.encode(x), URL_SAFE_NO_PAD.encode(y));
            // RFC 7638: the required members, in lexicographic order, no spaces.
            let kid = thumbprint(&format!(
                r#"{{"crv":"P-256","kty":"EC","x":"{x}","y":"{y}"}}"#
            ));
            let verifying = VerifyingKey::ec_from_bytes(EcCurve::P256, point)
                .map_err(|_| SessionKeyError::UnsupportedKey)?;
            let key = SessionKey {
                jwk: json!({"kty": "EC", "crv": "P-256", "x": x, "y": y,
                    "kid": kid, "alg": "ES256", "use": "sig"}),
                kid,
                signer: Signer::Es256(pair),
            };
            return Ok((key, verifying));
        }
        let pair = Ed25519KeyPair::from_pkcs8_maybe_unchecked(der)
            .map_err(|_| SessionKeyError::UnsupportedKey)?;
        let public = pair.public_key().as_ref().to_vec();
        let x = URL_SAFE_NO_PAD.encode(&public);
        let kid = thumbprint(&format!(r#"{{"crv":"Ed25519","kty":"OKP","x":"{x}"}}"#));
        let verifying =
            VerifyingKey::ed25519(&public).map_err(|_| SessionKeyError::UnsupportedKey)?;
        let key = SessionKey {
            jwk: json!({"kty": "OKP", "crv": "Ed25519", "x": x,
                "kid": kid, "alg": "EdDSA", "use": "sig"}),
            kid,
            signer: Signer::EdDsa(pair),
        };
        Ok((key, verifying))
    }
}

/// base64url(SHA-256(canonical JWK)).
fn thumbprint(canonical: &str) -> String {
    URL_SAFE_NO_PAD.encode(digest(&SHA256, canonical.as_bytes()))
}

/// The DER inside a `PRIVATE KEY` PEM block.
fn pem_der(pem: &str) -> Option<Vec<u8>> {
    let body = pem
        .split_once("-----BEGIN PRIVATE KEY-----")?
        .1
        .split_once("-----END PRIVATE KEY-----")?
        .0;
    let b64: String = body.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    STANDARD.decode(b64).ok()
}
