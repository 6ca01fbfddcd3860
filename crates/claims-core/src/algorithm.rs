//! The JWS algorithms this library verifies, as its own types: a jsonwebtoken major release is
//! never a breaking change of ours.

use std::fmt;
use std::str::FromStr;

/// A JWS signature algorithm (RFC 7518, RFC 8037). Names are case-sensitive; `none` is not one.
///
/// ```
/// use claims_core::{Algorithm, AlgorithmFamily};
/// let alg: Algorithm = "ES256".parse().unwrap();
/// assert_eq!(alg, Algorithm::ES256);
/// assert_eq!(alg.family(), AlgorithmFamily::Ec);
/// assert_eq!(alg.to_string(), "ES256");
/// assert!("none".parse::<Algorithm>().is_err());
/// assert!("es256".parse::<Algorithm>().is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Algorithm {
    /// HMAC with SHA-256.
    HS256,
    /// HMAC with SHA-384.
    HS384,
    /// HMAC with SHA-512.
    HS512,
    /// RSASSA-PKCS1-v1_5 with SHA-256.
    RS256,
    /// RSASSA-PKCS1-v1_5 with SHA-384.
    RS384,
    /// RSASSA-PKCS1-v1_5 with SHA-512.
    RS512,
    /// RSASSA-PSS with SHA-256.
    PS256,
    /// RSASSA-PSS with SHA-384.
    PS384,
    /// RSASSA-PSS with SHA-512.
    PS512,
    /// ECDSA on P-256 with SHA-256.
    ES256,
    /// ECDSA on P-384 with SHA-384.
    ES384,
    /// Ed25519.
    EdDSA,
}

/// The kind of key an [`Algorithm`] needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum AlgorithmFamily {
    /// A shared secret (HS*).
    Hmac,
    /// An RSA public key (RS*, PS*).
    Rsa,
    /// An EC public key (ES*).
    Ec,
    /// An Ed25519 public key (EdDSA).
    Ed,
}

impl Algorithm {
    /// Every algorithm, HMAC first.
    pub const ALL: [Algorithm; 12] = [
        Algorithm::HS256,
        Algorithm::HS384,
        Algorithm::HS512,
        Algorithm::RS256,
        Algorithm::RS384,
        Algorithm::RS512,
        Algorithm::PS256,
        Algorithm::PS384,
        Algorithm::PS512,
        Algorithm::ES256,
        Algorithm::ES384,
        Algorithm::EdDSA,
    ];

    /// Every public-key algorithm (all but HMAC): what a key set (JWKS) can serve keys for.
    ///
    /// ```
    /// use claims_core::{Algorithm, AlgorithmFamily};
    /// assert!(Algorithm::public_key().iter().all(|a| a.family() != AlgorithmFamily::Hmac));
    /// assert_eq!(Algorithm::public_key().len(), 9);
    /// ```
    pub fn public_key() -> &'static [Algorithm] {
        Algorithm::ALL
            .get(AlgorithmFamily::Hmac.algorithms().len()..)
            .unwrap_or_default()
    }

    /// The JOSE name (`"RS256"`).
    pub fn name(self) -> &'static str {
        match self {
            Algorithm::HS256 => "HS256",
            Algorithm::HS384 => "HS384",
            Algorithm::HS512 => "HS512",
            Algorithm::RS256 => "RS256",
            Algorithm::RS384 => "RS384",
            Algorithm::RS512 => "RS512",
            Algorithm::PS256 => "PS256",
            Algorithm::PS384 => "PS384",
            Algorithm::PS512 => "PS512",
            Algorithm::ES256 => "ES256",
            Algorithm::ES384 => "ES384",
            Algorithm::EdDSA => "EdDSA",
        }
    }

    /// The kind of key it needs.
    pub fn family(self) -> AlgorithmFamily {
        match self {
            Algorithm::HS256 | Algorithm::HS384 | Algorithm::HS512 => AlgorithmFamily::Hmac,
            Algorithm::RS256
            | Algorithm::RS384
            | Algorithm::RS512
            | Algorithm::PS256
            | Algorithm::PS384
            | Algorithm::PS512 => AlgorithmFamily::Rsa,
            Algorithm::ES256 | Algorithm::ES384 => AlgorithmFamily::Ec,
            Algorithm::EdDSA => AlgorithmFamily::Ed,
        }
    }
}

impl AlgorithmFamily {
    /// The algorithms of this family, in [`Algorithm::ALL`] order.
    ///
    /// ```
    /// use claims_core::{Algorithm, AlgorithmFamily};
    /// assert_eq!(AlgorithmFamily::Ec.algorithms(), [Algorithm::ES256, Algorithm::ES384]);
    /// ```
    pub fn algorithms(self) -> &'static [Algorithm] {
        let (start, len) = match self {
            AlgorithmFamily::Hmac => (0, 3),
            AlgorithmFamily::Rsa => (3, 6),
            AlgorithmFamily::Ec => (9, 2),
            AlgorithmFamily::Ed => (11, 1),
        };
        Algorithm::ALL.get(start..start + len).unwrap_or_default()
    }
}

impl fmt::Display for Algorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A name that is not an [`Algorithm`] (`none`, a lowercase name, an algorithm we do not verify).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unsupported algorithm {0:?}")]
pub struct UnknownAlgorithm(pub String);

impl FromStr for Algorithm {
    type Err = UnknownAlgorithm;

    /// Exactly a JOSE name; the error keeps at most the first 64 bytes of what it was given.
    fn from_str(name: &str) -> Result<Self, Self::Err> {
        Algorithm::ALL
            .into_iter()
            .find(|alg| alg.name() == name)
            .ok_or_else(|| UnknownAlgorithm(crate::error::shorten(name)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_families_and_slices_agree() {
        for alg in Algorithm::ALL {
            assert_eq!(alg.name().parse::<Algorithm>(), Ok(alg));
            assert_eq!(alg.to_string(), alg.name());
        }
        for family in [
            AlgorithmFamily::Hmac,
            AlgorithmFamily::Rsa,
            AlgorithmFamily::Ec,
            AlgorithmFamily::Ed,
        ] {
            let expected: Vec<_> = Algorithm::ALL
                .into_iter()
                .filter(|a| a.family() == family)
                .collect();
            assert_eq!(family.algorithms(), expected.as_slice());
        }
        for bad in ["none", "None", "NONE", "rs256", "ES512", "", "HS256 "] {
            assert_eq!(
                bad.parse::<Algorithm>(),
                Err(UnknownAlgorithm(bad.to_owned()))
            );
        }
    }
}
