//! [`DecodingKey`]: jsonwebtoken's key and crypto behind claims-core's [`SignatureKey`], so tests
//! can check signatures with an implementation independent of the product's [`VerifyingKey`]
//! (claims_core::VerifyingKey). jsonwebtoken's types stay out of the product's API; here, in a
//! dev-only crate, they are a second opinion.

use claims_core::{
    Algorithm, AlgorithmFamily, EcCurve, KeyLoadError, Malformed, Part, SignatureKey, VerifyError,
    VerifyingKey,
};
use jsonwebtoken::errors::ErrorKind;

/// A jsonwebtoken `DecodingKey` that verifies through `jsonwebtoken::crypto::verify`.
#[derive(Clone)]
pub struct DecodingKey(pub jsonwebtoken::DecodingKey);

impl DecodingKey {
    /// An HMAC secret (panics on an empty one, which jsonwebtoken 12 refuses).
    pub fn from_secret(secret: &[u8]) -> Self {
        DecodingKey(jsonwebtoken::DecodingKey::from_secret(secret).unwrap())
    }
    /// RSA from base64url `n` and `e`.
    pub fn from_rsa_components(n: &str, e: &str) -> jsonwebtoken::errors::Result<Self> {
        jsonwebtoken::DecodingKey::from_rsa_components(n, e).map(DecodingKey)
    }
    /// RSA from big-endian `n` and `e`.
    pub fn from_rsa_raw_components(n: &[u8], e: &[u8]) -> Self {
        DecodingKey(jsonwebtoken::DecodingKey::from_rsa_raw_components(n, e))
    }
    /// EC from base64url `x` and `y`.
    pub fn from_ec_components(x: &str, y: &str) -> jsonwebtoken::errors::Result<Self> {
        jsonwebtoken::DecodingKey::from_ec_components(x, y).map(DecodingKey)
    }
    /// Ed25519 from base64url `x`.
    pub fn from_ed_components(x: &str) -> jsonwebtoken::errors::Result<Self> {
        jsonwebtoken::DecodingKey::from_ed_components(x).map(DecodingKey)
    }
    /// An RSA key from a PEM.
    pub fn from_rsa_pem(pem: &[u8]) -> jsonwebtoken::errors::Result<Self> {
        jsonwebtoken::DecodingKey::from_rsa_pem(pem).map(DecodingKey)
    }
    /// An EC key from a PEM.
    pub fn from_ec_pem(pem: &[u8]) -> jsonwebtoken::errors::Result<Self> {
        jsonwebtoken::DecodingKey::from_ec_pem(pem).map(DecodingKey)
    }

    /// The same key as the product prepares it (for tests that compare both paths).
    pub fn verifying_key(&self) -> Result<VerifyingKey, KeyLoadError> {
        use jsonwebtoken::DecodingKeyKind::{RsaModulusExponent, SecretOrDer};
        match (self.family(), self.0.kind()) {
            (AlgorithmFamily::Hmac, SecretOrDer(secret)) => VerifyingKey::hmac(secret),
            (AlgorithmFamily::Rsa, RsaModulusExponent { n, e }) => VerifyingKey::rsa(n, e),
            (AlgorithmFamily::Ec, SecretOrDer(point)) => {
                VerifyingKey::ec_from_bytes(EcCurve::P256, point)
                    .or_else(|_| VerifyingKey::ec_from_bytes(EcCurve::P384, point))
            }
            (AlgorithmFamily::Ed, SecretOrDer(x)) => VerifyingKey::ed25519(x),
            _ => Err(KeyLoadError::Invalid("unsupported")),
        }
    }
}

/// jsonwebtoken's algorithm of the same name.
pub fn jwt_algorithm(alg: Algorithm) -> jsonwebtoken::Algorithm {
    alg.name().parse().unwrap()
}

impl SignatureKey for DecodingKey {
    fn family(&self) -> AlgorithmFamily {
        match self.0.family() {
            jsonwebtoken::AlgorithmFamily::Hmac => AlgorithmFamily::Hmac,
            jsonwebtoken::AlgorithmFamily::Rsa => AlgorithmFamily::Rsa,
            jsonwebtoken::AlgorithmFamily::Ec => AlgorithmFamily::Ec,
            _ => AlgorithmFamily::Ed,
        }
    }

    fn verify_signature(
        &self,
        alg: Algorithm,
        message: &[u8],
        signature: &str,
    ) -> Result<(), VerifyError> {
        match jsonwebtoken::crypto::verify(signature, message, &self.0, jwt_algorithm(alg)) {
            Ok(true) => Ok(()),
            Ok(false) => Err(VerifyError::InvalidSignature),
            Err(e) => Err(match e.kind() {
                ErrorKind::Base64(_) => Malformed::Base64(Part::Signature).into(),
                ErrorKind::InvalidKeyFormat
                | ErrorKind::InvalidAlgorithm
                | ErrorKind::InvalidRsaKey(_)
                | ErrorKind::InvalidEcdsaKey
                | ErrorKind::InvalidEddsaKey => VerifyError::KeyMismatch(alg),
                _ => VerifyError::InvalidSignature,
            }),
        }
    }
}
