//! The JOSE header, and the rules every token's header must pass whatever its provider.
//!
//! Refused outright: `alg` values we do not implement (including `none` in any spelling), headers
//! that let a token pick its own key (`jwk`, `jku`, `x5u`, `x5c`), `b64` (RFC 7797 unencoded
//! payloads), any `crit` extension (we understand none), duplicate members, and a `kid` longer
//! than [`MAX_KID_LEN`].

use crate::algorithm::Algorithm;
use serde::{Deserialize, Deserializer};

use crate::error::{Malformed, Part, VerifyError};

/// The longest `kid` accepted, in bytes.
pub const MAX_KID_LEN: usize = 256;

/// The parsed JOSE header of an unverified token.
#[derive(Debug, Clone, Deserialize)]
pub struct Header {
    alg: String,
    #[serde(default)]
    kid: Option<String>,
    #[serde(default)]
    typ: Option<String>,
    #[serde(default)]
    cty: Option<String>,
    #[serde(default)]
    crit: Option<Vec<String>>,
    #[serde(default, deserialize_with = "present")]
    jwk: bool,
    #[serde(default, deserialize_with = "present")]
    jku: bool,
    #[serde(default, deserialize_with = "present")]
    x5u: bool,
    #[serde(default, deserialize_with = "present")]
    x5c: bool,
    #[serde(default, deserialize_with = "present")]
    b64: bool,
}

/// True when the member is present, whatever its value (even `null`).
fn present<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    serde::de::IgnoredAny::deserialize(d).map(|_| true)
}

impl Header {
    /// Parse a header from its JSON bytes. Duplicate members and members of the wrong type are
    /// refused as [`Malformed::Json`].
    pub fn from_json(json: &[u8]) -> Result<Self, VerifyError> {
        // serde's derived struct visitor also accepts a JSON array (fields by position): refuse
        // anything but an object up front.
        if json.trim_ascii_start().first() != Some(&b'{') {
            return Err(Malformed::Json(Part::Header).into());
        }
        let header: Header =
            serde_json::from_slice(json).map_err(|_| Malformed::Json(Part::Header))?;
        if header.kid.as_ref().is_some_and(|k| k.len() > MAX_KID_LEN) {
            return Err(Malformed::KidTooLong.into());
        }
        Ok(header)
    }

    /// The `alg` member as written in the token.
    pub fn alg_str(&self) -> &str {
        &self.alg
    }

    /// The `kid` member.
    pub fn kid(&self) -> Option<&str> {
        self.kid.as_deref()
    }

    /// The `typ` member.
    pub fn typ(&self) -> Option<&str> {
        self.typ.as_deref()
    }

    /// The `cty` member.
    pub fn cty(&self) -> Option<&str> {
        self.cty.as_deref()
    }

    /// The algorithm, when it is one this library implements. `none`, `None`, `NONE` and every
    /// unknown name are [`VerifyError::UnsupportedAlgorithm`]. Names are case-sensitive (RFC 7518).
    pub fn algorithm(&self) -> Result<Algorithm, VerifyError> {
        parse_algorithm(&self.alg)
    }

    /// Apply the rules every header must pass (see the module docs) and return the algorithm.
    pub fn check(&self) -> Result<Algorithm, VerifyError> {
        let alg = self.algorithm()?;
        for (present, name) in [
            (self.jwk, "jwk"),
            (self.jku, "jku"),
            (self.x5u, "x5u"),
            (self.x5c, "x5c"),
            (self.b64, "b64"),
        ] {
            if present {
                return Err(VerifyError::ForbiddenHeader(name));
            }
        }
        if let Some(crit) = &self.crit {
            match crit.first() {
                None => return Err(Malformed::InvalidCrit.into()),
                Some(ext) => return Err(VerifyError::UnknownCritical(crate::error::shorten(ext))),
            }
        }
        Ok(alg)
    }
}

/// Map a JOSE `alg` name to an [`Algorithm`], exactly (case-sensitive).
pub fn parse_algorithm(name: &str) -> Result<Algorithm, VerifyError> {
    name.parse()
        .map_err(|_| VerifyError::UnsupportedAlgorithm(crate::error::shorten(name)))
}

/// The JOSE name of an algorithm.
pub fn algorithm_name(alg: Algorithm) -> &'static str {
    alg.name()
}
