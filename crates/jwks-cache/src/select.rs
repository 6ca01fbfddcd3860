//! Key selection, following panva/jose.
//!
//! For a token with header `alg` and (optionally) `kid`, a key qualifies when:
//!
//! 1. its `kid` equals the token's `kid` exactly (byte-for-byte, case-sensitive), when the token has one;
//! 2. its `kty` is the one the algorithm requires — `RS*`/`PS*` → `RSA`, `ES256` → `EC` `P-256`,
//!    `ES384` → `EC` `P-384`, `EdDSA` → `OKP` `Ed25519`;
//! 3. its `alg` is absent or equal to the token's `alg`;
//! 4. its `use` is absent or `sig`;
//! 5. its `key_ops`, if present, contains `verify`.
//!
//! Exactly one qualifying key is a match. None is [`KeyError::NoMatchingKey`]; several is
//! [`KeyError::AmbiguousKey`] — a token without `kid` therefore only matches when exactly one key qualifies.
//! HMAC algorithms are refused with [`KeyError::UnsupportedAlgorithm`]: a remote set never holds shared secrets.

use std::sync::Arc;

use claims_core::Algorithm;

use crate::error::KeyError;
use crate::parse::{Curve, JwksKey, KeyType, ParsedJwks};

/// The JOSE name of an algorithm (the same as [`Algorithm::name`]).
pub fn alg_name(alg: Algorithm) -> &'static str {
    alg.name()
}

/// The key type (and curve) a token algorithm requires, or `None` for algorithms never served from a JWKS.
pub(crate) fn required_key(alg: Algorithm) -> Option<(KeyType, Option<Curve>)> {
    match alg {
        Algorithm::RS256
        | Algorithm::RS384
        | Algorithm::RS512
        | Algorithm::PS256
        | Algorithm::PS384
        | Algorithm::PS512 => Some((KeyType::Rsa, None)),
        Algorithm::ES256 => Some((KeyType::Ec, Some(Curve::P256))),
        Algorithm::ES384 => Some((KeyType::Ec, Some(Curve::P384))),
        Algorithm::EdDSA => Some((KeyType::Okp, Some(Curve::Ed25519))),
        _ => None,
    }
}

fn qualifies(key: &JwksKey, alg: Algorithm, kty: KeyType, crv: Option<Curve>) -> bool {
    key.kty() == kty
        && (crv.is_none() || key.crv() == crv)
        && key.alg().is_none_or(|a| a == alg_name(alg))
        && key.key_use().is_none_or(|u| u == "sig")
        && key
            .key_ops()
            .is_none_or(|ops| ops.iter().any(|op| op == "verify"))
}

impl ParsedJwks {
    /// Selects the one key that may verify a token with this `kid` and `alg`.
    ///
    /// A key qualifies when its `kid` equals the token's exactly (when the token has one), its `kty`/`crv` is the
    /// one `alg` requires (`RS*`/`PS*` → RSA, `ES256` → EC P-256, `ES384` → EC P-384, `EdDSA` → OKP Ed25519), its
    /// `alg` is absent or equal to the token's, its `use` is absent or `sig`, and its `key_ops` (if present)
    /// contains `verify`. Exactly one qualifying key is a match; a token without `kid` therefore only matches when
    /// exactly one key in the whole set qualifies.
    ///
    /// # Errors
    ///
    /// [`KeyError::NoMatchingKey`], [`KeyError::AmbiguousKey`] or [`KeyError::UnsupportedAlgorithm`].
    pub fn select(&self, kid: Option<&str>, alg: Algorithm) -> Result<&Arc<JwksKey>, KeyError> {
        let (kty, crv) = required_key(alg).ok_or(KeyError::UnsupportedAlgorithm(alg))?;
        let pool: &[Arc<JwksKey>] = match kid {
            Some(kid) => self.by_kid(kid),
            None => self.keys(),
        };
        let mut found = None;
        let mut count = 0usize;
        for key in pool.iter().filter(|k| qualifies(k, alg, kty, crv)) {
            count += 1;
            found.get_or_insert(key);
        }
        match (count, found) {
            (1, Some(key)) => Ok(key),
            (0, _) | (_, None) => Err(KeyError::NoMatchingKey {
                kid: kid.map(str::to_owned),
            }),
            (candidates, Some(_)) => Err(KeyError::AmbiguousKey {
                kid: kid.map(str::to_owned),
                candidates,
            }),
        }
    }
}
