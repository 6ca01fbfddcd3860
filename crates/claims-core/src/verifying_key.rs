//! Verification keys, parsed once: [`VerifyingKey`], and the [`SignatureKey`] trait that the
//! verification step uses.
//!
//! A [`VerifyingKey`] builds the aws-lc-rs key object once (when a JWKS is
//! fetched or a configured key is loaded) and only verifies on the request path: an RSA key is
//! parsed once per algorithm it is used with, an EC or Ed25519 key once, and an HMAC key is
//! prepared once per hash.

use std::sync::OnceLock;

use aws_lc_rs::signature::{self, ParsedPublicKey, RsaParameters, RsaPublicKeyComponents};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{DecodingKey, DecodingKeyKind};

use crate::algorithm::{Algorithm, AlgorithmFamily};
use crate::error::{Malformed, Part, VerifyError};

/// A key that can check a JWS signature.
pub trait SignatureKey {
    /// The algorithm family the key belongs to.
    fn family(&self) -> AlgorithmFamily;

    /// Check `signature` (still base64url, as in the token) over `message` under `alg`. The caller
    /// has already checked that `alg` belongs to [`SignatureKey::family`].
    fn verify_signature(
        &self,
        alg: Algorithm,
        message: &[u8],
        signature: &str,
    ) -> Result<(), VerifyError>;
}

impl<K: SignatureKey + ?Sized> SignatureKey for &K {
    fn family(&self) -> AlgorithmFamily {
        (**self).family()
    }
    fn verify_signature(
        &self,
        alg: Algorithm,
        message: &[u8],
        signature: &str,
    ) -> Result<(), VerifyError> {
        (**self).verify_signature(alg, message, signature)
    }
}

/// Why a key could not be loaded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum KeyLoadError {
    /// The key material is not a valid key of its kind (bad RSA components, a point not on the
    /// curve, a PEM that does not parse, an empty secret).
    #[error("invalid {0} key")]
    Invalid(&'static str),
}

/// The elliptic curves of ECDSA keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum EcCurve {
    /// P-256 (ES256).
    P256,
    /// P-384 (ES384).
    P384,
}

/// A public key (or HMAC secret) prepared for verification.
///
/// ```
/// use claims_core::{SignatureKey, VerifyingKey};
/// let key = VerifyingKey::hmac(b"secret").unwrap();
/// assert_eq!(key.family(), claims_core::AlgorithmFamily::Hmac);
/// ```
pub struct VerifyingKey {
    kind: Kind,
}

enum Kind {
    Rsa {
        n: Vec<u8>,
        e: Vec<u8>,
        /// One parsed key per RSA algorithm, built on first use (RS256 at load time).
        parsed: Box<[OnceLock<Option<ParsedPublicKey>>; 6]>,
    },
    Ec {
        curve: EcCurve,
        parsed: ParsedPublicKey,
    },
    Ed(ParsedPublicKey),
    Hmac(Box<[aws_lc_rs::hmac::Key; 3]>),
}

impl std::fmt::Debug for VerifyingKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let kind = match &self.kind {
            Kind::Rsa { n, .. } => format!("Rsa({} bits)", rsa_bits(n)),
            Kind::Ec { curve, .. } => format!("Ec({curve:?})"),
            Kind::Ed(_) => "Ed25519".to_owned(),
            Kind::Hmac(_) => "Hmac(<redacted>)".to_owned(),
        };
        f.debug_tuple("VerifyingKey")
            .field(&format_args!("{kind}"))
            .finish()
    }
}

fn rsa_params(alg: Algorithm) -> Option<(usize, &'static RsaParameters)> {
    Some(match alg {
        Algorithm::RS256 => (0, &signature::RSA_PKCS1_2048_8192_SHA256),
        Algorithm::RS384 => (1, &signature::RSA_PKCS1_2048_8192_SHA384),
        Algorithm::RS512 => (2, &signature::RSA_PKCS1_2048_8192_SHA512),
        Algorithm::PS256 => (3, &signature::RSA_PSS_2048_8192_SHA256),
        Algorithm::PS384 => (4, &signature::RSA_PSS_2048_8192_SHA384),
        Algorithm::PS512 => (5, &signature::RSA_PSS_2048_8192_SHA512),
        _ => return None,
    })
}

fn rsa_bits(n: &[u8]) -> usize {
    let n = match n.iter().position(|b| *b != 0) {
        Some(i) => n.get(i..).unwrap_or_default(),
        None => return 0,
    };
    n.first()
        .map_or(0, |b| n.len() * 8 - b.leading_zeros() as usize)
}

impl VerifyingKey {
    /// An RSA public key from its modulus and exponent (big-endian bytes). Refuses moduli outside
    /// 2048–8192 bits, exponents that are 1, even or over 64 bits, and components the crypto
    /// library rejects.
    pub fn rsa(n: &[u8], e: &[u8]) -> Result<Self, KeyLoadError> {
        // Moduli of 2048 to 8192 bits; an odd exponent above 1 (e = 1 makes every "signature" of
        // the message itself valid).
        let bits = rsa_bits(n);
        let e_value = e.iter().skip_while(|b| **b == 0).try_fold(0u64, |acc, b| {
            acc.checked_mul(256).map(|v| v | u64::from(*b))
        });
        if !(2048..=8192).contains(&bits) || !e_value.is_some_and(|e| e > 1 && e % 2 == 1) {
            return Err(KeyLoadError::Invalid("RSA"));
        }
        let key = VerifyingKey {
            kind: Kind::Rsa {
                n: n.to_vec(),
                e: e.to_vec(),
                parsed: Box::default(),
            },
        };
        // Parse for RS256 now: validates the components and warms the common case.
        key.rsa_parsed(Algorithm::RS256)
            .ok_or(KeyLoadError::Invalid("RSA"))?;
        Ok(key)
    }

    /// An ECDSA public key from its affine coordinates. Refuses points not on the curve.
    pub fn ec(curve: EcCurve, x: &[u8], y: &[u8]) -> Result<Self, KeyLoadError> {
        let mut point = Vec::with_capacity(1 + x.len() + y.len());
        point.push(4);
        point.extend_from_slice(x);
        point.extend_from_slice(y);
        Self::ec_from_bytes(curve, &point)
    }

    /// An ECDSA public key from an uncompressed point or a SubjectPublicKeyInfo DER.
    pub fn ec_from_bytes(curve: EcCurve, bytes: &[u8]) -> Result<Self, KeyLoadError> {
        let alg = match curve {
            EcCurve::P256 => &signature::ECDSA_P256_SHA256_FIXED,
            EcCurve::P384 => &signature::ECDSA_P384_SHA384_FIXED,
        };
        let parsed = ParsedPublicKey::new(alg, bytes).map_err(|_| KeyLoadError::Invalid("EC"))?;
        Ok(VerifyingKey {
            kind: Kind::Ec { curve, parsed },
        })
    }

    /// An Ed25519 public key (32 bytes, or a SubjectPublicKeyInfo DER).
    pub fn ed25519(bytes: &[u8]) -> Result<Self, KeyLoadError> {
        ParsedPublicKey::new(&signature::ED25519, bytes)
            .map(|p| VerifyingKey { kind: Kind::Ed(p) })
            .map_err(|_| KeyLoadError::Invalid("Ed25519"))
    }

    /// An HMAC secret (HS256/HS384/HS512). Refuses an empty secret.
    pub fn hmac(secret: &[u8]) -> Result<Self, KeyLoadError> {
        if secret.is_empty() {
            return Err(KeyLoadError::Invalid("HMAC"));
        }
        use aws_lc_rs::hmac::{HMAC_SHA256, HMAC_SHA384, HMAC_SHA512, Key};
        Ok(VerifyingKey {
            kind: Kind::Hmac(Box::new([
                Key::new(HMAC_SHA256, secret),
                Key::new(HMAC_SHA384, secret),
                Key::new(HMAC_SHA512, secret),
            ])),
        })
    }

    /// A key from the PEM parsing of jsonwebtoken (kept private: its types are not ours).
    fn from_decoding_key(key: &DecodingKey) -> Result<Self, KeyLoadError> {
        use jsonwebtoken::AlgorithmFamily as Family;
        match (key.family(), key.kind()) {
            (Family::Rsa, DecodingKeyKind::RsaModulusExponent { n, e }) => Self::rsa(n, e),
            (Family::Rsa, DecodingKeyKind::SecretOrDer(der)) => {
                let public = aws_lc_rs::rsa::PublicKey::from_der(der)
                    .map_err(|_| KeyLoadError::Invalid("RSA"))?;
                let components = RsaPublicKeyComponents::<Vec<u8>>::from(&public);
                Self::rsa(&components.n, &components.e)
            }
            (Family::Ec, DecodingKeyKind::SecretOrDer(bytes)) => {
                Self::ec_from_bytes(EcCurve::P256, bytes)
                    .or_else(|_| Self::ec_from_bytes(EcCurve::P384, bytes))
            }
            _ => Err(KeyLoadError::Invalid("unsupported")),
        }
    }

    /// A SubjectPublicKeyInfo PEM (`-----BEGIN PUBLIC KEY-----`) of an RSA or P-256/P-384 key,
    /// or an RSA PKCS#1 PEM (`-----BEGIN RSA PUBLIC KEY-----`).
    pub fn from_pem(pem: &str) -> Result<Self, KeyLoadError> {
        if let Ok(k) = DecodingKey::from_rsa_pem(pem.as_bytes())
            && let Ok(k) = Self::from_decoding_key(&k)
        {
            return Ok(k);
        }
        let k =
            DecodingKey::from_ec_pem(pem.as_bytes()).map_err(|_| KeyLoadError::Invalid("PEM"))?;
        Self::from_decoding_key(&k)
    }

    /// The curve of an EC key.
    pub fn curve(&self) -> Option<EcCurve> {
        match &self.kind {
            Kind::Ec { curve, .. } => Some(*curve),
            _ => None,
        }
    }

    /// The modulus size of an RSA key, in bits.
    pub fn rsa_bits(&self) -> Option<usize> {
        match &self.kind {
            Kind::Rsa { n, .. } => Some(rsa_bits(n)),
            _ => None,
        }
    }

    fn rsa_parsed(&self, alg: Algorithm) -> Option<&ParsedPublicKey> {
        let Kind::Rsa { n, e, parsed } = &self.kind else {
            return None;
        };
        let (index, params) = rsa_params(alg)?;
        parsed
            .get(index)?
            .get_or_init(|| {
                RsaPublicKeyComponents {
                    n: n.as_slice(),
                    e: e.as_slice(),
                }
                .to_parsed_public_key(params)
                .ok()
            })
            .as_ref()
    }

    /// Parse the key for every RSA algorithm now (no effect on other keys).
    pub fn prepare_all(&self) {
        for alg in AlgorithmFamily::Rsa.algorithms().iter().copied() {
            let _ = self.rsa_parsed(alg);
        }
    }
}

impl SignatureKey for VerifyingKey {
    fn family(&self) -> AlgorithmFamily {
        match self.kind {
            Kind::Rsa { .. } => AlgorithmFamily::Rsa,
            Kind::Ec { .. } => AlgorithmFamily::Ec,
            Kind::Ed(_) => AlgorithmFamily::Ed,
            Kind::Hmac(_) => AlgorithmFamily::Hmac,
        }
    }

    fn verify_signature(
        &self,
        alg: Algorithm,
        message: &[u8],
        signature: &str,
    ) -> Result<(), VerifyError> {
        // Signatures are at most 1024 bytes (RSA-8192); decode on the stack.
        let mut buf = [0u8; 1024];
        let len = URL_SAFE_NO_PAD
            .decode_slice(signature, &mut buf)
            .map_err(|e| match e {
                base64::DecodeSliceError::OutputSliceTooSmall => VerifyError::InvalidSignature,
                base64::DecodeSliceError::DecodeError(_) => {
                    Malformed::Base64(Part::Signature).into()
                }
            })?;
        let sig = buf.get(..len).ok_or(VerifyError::InvalidSignature)?;
        let ok = match (&self.kind, alg) {
            (Kind::Rsa { .. }, _) => self
                .rsa_parsed(alg)
                .ok_or(VerifyError::KeyMismatch(alg))?
                .verify_sig(message, sig)
                .is_ok(),
            (
                Kind::Ec {
                    curve: EcCurve::P256,
                    parsed,
                },
                Algorithm::ES256,
            )
            | (
                Kind::Ec {
                    curve: EcCurve::P384,
                    parsed,
                },
                Algorithm::ES384,
            )
            | (Kind::Ed(parsed), Algorithm::EdDSA) => parsed.verify_sig(message, sig).is_ok(),
            (Kind::Hmac(keys), alg) => {
                let [k256, k384, k512] = &**keys;
                let key = match alg {
                    Algorithm::HS256 => k256,
                    Algorithm::HS384 => k384,
                    Algorithm::HS512 => k512,
                    _ => return Err(VerifyError::KeyMismatch(alg)),
                };
                aws_lc_rs::hmac::verify(key, message, sig).is_ok()
            }
            _ => return Err(VerifyError::KeyMismatch(alg)),
        };
        if ok {
            Ok(())
        } else {
            Err(VerifyError::InvalidSignature)
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn pem_keys_load_and_bad_material_is_refused() {
        let rsa = aws_lc_rs::rsa::KeyPair::generate(aws_lc_rs::rsa::KeySize::Rsa2048).unwrap();
        use aws_lc_rs::encoding::AsDer;
        use aws_lc_rs::signature::KeyPair as _;
        let spki = rsa.public_key().as_der().unwrap();
        let b64 = base64::engine::general_purpose::STANDARD.encode(spki.as_ref());
        let pem = format!("-----BEGIN PUBLIC KEY-----\n{b64}\n-----END PUBLIC KEY-----\n");
        let key = VerifyingKey::from_pem(&pem).unwrap();
        assert_eq!(key.family(), AlgorithmFamily::Rsa);
        assert_eq!(key.rsa_bits(), Some(2048));

        let ec = aws_lc_rs::signature::EcdsaKeyPair::generate(
            &signature::ECDSA_P256_SHA256_FIXED_SIGNING,
        )
        .unwrap();
        let spki = ec.public_key().as_der().unwrap();
        let b64 = base64::engine::general_purpose::STANDARD.encode(spki.as_ref());
        let pem = format!("-----BEGIN PUBLIC KEY-----\n{b64}\n-----END PUBLIC KEY-----\n");
        let key = VerifyingKey::from_pem(&pem).unwrap();
        assert_eq!(key.curve(), Some(EcCurve::P256));

        assert_eq!(
            VerifyingKey::from_pem("not a pem").unwrap_err(),
            KeyLoadError::Invalid("PEM")
        );
        assert_eq!(
            VerifyingKey::hmac(b"").unwrap_err(),
            KeyLoadError::Invalid("HMAC")
        );
        assert_eq!(
            VerifyingKey::ec(EcCurve::P256, &[1; 32], &[2; 32]).unwrap_err(),
            KeyLoadError::Invalid("EC")
        );
        assert_eq!(
            VerifyingKey::rsa(&[0xff; 128], &[1, 0, 1]).unwrap_err(),
            KeyLoadError::Invalid("RSA")
        );
        let c = RsaPublicKeyComponents::<Vec<u8>>::from(rsa.public_key());
        assert!(VerifyingKey::rsa(&c.n, &c.e).is_ok());
        assert_eq!(
            VerifyingKey::rsa(&c.n, &[1]).unwrap_err(),
            KeyLoadError::Invalid("RSA")
        );
        assert_eq!(
            VerifyingKey::rsa(&c.n, &[1, 0, 0]).unwrap_err(),
            KeyLoadError::Invalid("RSA")
        );
    }

    #[test]
    fn a_key_of_another_family_or_curve_never_verifies() {
        let hmac = VerifyingKey::hmac(b"k").unwrap();
        assert_eq!(
            hmac.verify_signature(Algorithm::RS256, b"m", "AAAA")
                .unwrap_err(),
            VerifyError::KeyMismatch(Algorithm::RS256)
        );
        let ec = aws_lc_rs::signature::EcdsaKeyPair::generate(
            &signature::ECDSA_P256_SHA256_FIXED_SIGNING,
        )
        .unwrap();
        use aws_lc_rs::signature::KeyPair as _;
        let key = VerifyingKey::ec_from_bytes(EcCurve::P256, ec.public_key().as_ref()).unwrap();
        assert_eq!(
            key.verify_signature(Algorithm::ES384, b"m", "AAAA")
                .unwrap_err(),
            VerifyError::KeyMismatch(Algorithm::ES384)
        );
        assert_eq!(
            key.verify_signature(Algorithm::ES256, b"m", "A")
                .unwrap_err(),
            VerifyError::Malformed(Malformed::Base64(Part::Signature))
        );
    }
}
