//! Registered claims (RFC 7519 §4.1) shared by every provider: `NumericDate`, `aud` as one string
//! or a list, and lenient handling of `null` for optional lists.

use serde::de::{self, Deserializer, SeqAccess, Visitor};
use serde::{Deserialize, Serialize, Serializer};

/// Seconds since the Unix epoch (RFC 7519 NumericDate). Accepts integers and fractional numbers
/// (truncated towards negative infinity); refuses strings and every other type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct NumericDate(pub i64);

impl Serialize for NumericDate {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_i64(self.0)
    }
}

impl<'de> Deserialize<'de> for NumericDate {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = NumericDate;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a NumericDate (seconds since the epoch)")
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<NumericDate, E> {
                Ok(NumericDate(v))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<NumericDate, E> {
                i64::try_from(v)
                    .map(NumericDate)
                    .map_err(|_| E::custom("NumericDate out of range"))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<NumericDate, E> {
                // `as` saturates; refuse NaN and values outside i64 instead of saturating.
                if v.is_finite() && v >= i64::MIN as f64 && v < i64::MAX as f64 {
                    #[allow(clippy::cast_possible_truncation)]
                    Ok(NumericDate(v.floor() as i64))
                } else {
                    Err(E::custom("NumericDate out of range"))
                }
            }
        }
        d.deserialize_any(V)
    }
}

/// The `aud` claim: one string or a list of strings (RFC 7519 §4.1.3). Serializes back in the
/// shape it was read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Audience {
    /// `"aud": "x"`
    One(String),
    /// `"aud": ["x", "y"]`
    Many(Vec<String>),
}

impl Audience {
    /// Every audience value.
    pub fn iter(&self) -> impl Iterator<Item = &str> {
        let (one, many) = match self {
            Audience::One(s) => (Some(s.as_str()), &[][..]),
            Audience::Many(v) => (None, v.as_slice()),
        };
        one.into_iter().chain(many.iter().map(String::as_str))
    }

    /// True when `value` is one of the audiences.
    pub fn contains(&self, value: &str) -> bool {
        self.iter().any(|a| a == value)
    }
}

impl Serialize for Audience {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Audience::One(a) => s.serialize_str(a),
            Audience::Many(v) => v.serialize(s),
        }
    }
}

impl<'de> Deserialize<'de> for Audience {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Audience;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a string or a list of strings")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Audience, E> {
                Ok(Audience::One(v.to_owned()))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Audience, E> {
                Ok(Audience::One(v))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Audience, A::Error> {
                let mut v = Vec::with_capacity(seq.size_hint().unwrap_or(1).min(16));
                while let Some(a) = seq.next_element::<String>()? {
                    v.push(a);
                }
                Ok(Audience::Many(v))
            }
        }
        d.deserialize_any(V)
    }
}

/// Deserialize `null` as the type's default (an empty list), for optional list claims that some
/// tokens send as `null`.
pub(crate) fn null_as_default<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

/// The registered claims every provider's type exposes, borrowed from the typed claims.
#[derive(Debug, Clone, Copy, Default)]
pub struct Registered<'a> {
    /// `iss`
    pub iss: Option<&'a str>,
    /// `sub`
    pub sub: Option<&'a str>,
    /// `aud`
    pub aud: Option<&'a Audience>,
    /// `exp`
    pub exp: Option<NumericDate>,
    /// `nbf`
    pub nbf: Option<NumericDate>,
    /// `iat`
    pub iat: Option<NumericDate>,
}

/// A map of the members a claims type does not model, kept so nothing in the token is lost.
pub type Extra = serde_json::Map<String, serde_json::Value>;
