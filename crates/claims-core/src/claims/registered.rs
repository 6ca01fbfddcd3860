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

/// The registered claims every provider's type exposes, borrowed from the typed claims.
#[derive(Debug, Clone, Copy, Default)]
#[non_exhaustive]
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

/// The members a claims type does not model, kept (in token order) so nothing is lost.
///
/// Stored compactly — one exactly-sized allocation — because verified claims may be cached for
/// many tokens at once; (de)serializes as a JSON object, so `#[serde(flatten)]` round-trips.
///
/// ```
/// use claims_core::ParaClaims;
/// let c: ParaClaims = serde_json::from_str(r#"{"exp": 1, "future": {"x": 1}}"#).unwrap();
/// assert_eq!(c.extra.get("future").unwrap()["x"], 1);
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Extra(Vec<(String, serde_json::Value)>);

impl Extra {
    /// The value of member `key`.
    pub fn get(&self, key: &str) -> Option<&serde_json::Value> {
        self.0.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    /// Every member, in token order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &serde_json::Value)> {
        self.0.iter().map(|(k, v)| (k.as_str(), v))
    }

    /// The number of members.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// True when there are none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Set member `key`, returning its previous value.
    pub fn insert(&mut self, key: String, value: serde_json::Value) -> Option<serde_json::Value> {
        match self.0.iter_mut().find(|(k, _)| *k == key) {
            Some((_, v)) => Some(std::mem::replace(v, value)),
            None => {
                self.0.push((key, value));
                None
            }
        }
    }
}

impl Extra {
    /// Drops spare capacity once the object has been read.
    pub(crate) fn shrink(&mut self) {
        self.0.shrink_to_fit();
    }
}

impl Serialize for Extra {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = s.serialize_map(Some(self.0.len()))?;
        for (k, v) in &self.0 {
            map.serialize_entry(k, v)?;
        }
        map.end()
    }
}

impl<'de> Deserialize<'de> for Extra {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Extra;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: de::MapAccess<'de>>(self, mut map: A) -> Result<Extra, A::Error> {
                let mut extra = Extra::default();
                while let Some((k, v)) = map.next_entry::<String, serde_json::Value>()? {
                    // A repeated member keeps its last value, as `serde_json::Map` would.
                    extra.insert(k, v);
                }
                extra.shrink();
                Ok(extra)
            }
        }
        d.deserialize_map(V)
    }
}

impl<'a> Registered<'a> {
    /// The registered claims from their values (for a claims type of your own).
    pub fn new(
        iss: Option<&'a str>,
        sub: Option<&'a str>,
        aud: Option<&'a Audience>,
        exp: Option<NumericDate>,
        nbf: Option<NumericDate>,
        iat: Option<NumericDate>,
    ) -> Self {
        Registered {
            iss,
            sub,
            aud,
            exp,
            nbf,
            iat,
        }
    }
}
