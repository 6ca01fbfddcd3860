//! The members a policy's rules read, taken straight from the verified payload: whatever claims
//! type the token is read as (a built-in one, [`OidcClaims`](crate::OidcClaims), or one of
//! yours) and whatever it models, every rule sees the same `scope`, `scp`, `typ`, `auth_time` and
//! named claims.

use serde::Deserialize;
use serde_json::Value;

use crate::error::{Malformed, Part, VerifyError};

/// `scope`, `scp`, `typ` and `auth_time` of a payload, the other members skipped unread.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct RuleMembers {
    #[serde(default)]
    scope: Option<Value>,
    #[serde(default)]
    scp: Option<Value>,
    #[serde(default)]
    typ: Option<Value>,
    #[serde(default)]
    auth_time: Option<Value>,
}

impl RuleMembers {
    /// Read them from `payload` (a JSON object that already parsed as the claims type).
    ///
    /// A payload without a backslash spells every key literally, so one in which none of
    /// `"scope"`, `"scp"`, `"typ"` occurs has none of them: it is not parsed again.
    pub(crate) fn read(payload: &[u8]) -> Result<Self, VerifyError> {
        let may_hold = memchr::memchr(b'\\', payload).is_some()
            || memchr::memchr_iter(b'"', payload).any(|quote| {
                let rest = payload.get(quote.saturating_add(1)..).unwrap_or_default();
                rest.starts_with(b"scope\"")
                    || rest.starts_with(b"scp\"")
                    || rest.starts_with(b"typ\"")
                    || rest.starts_with(b"auth_time\"")
            });
        if !may_hold {
            return Ok(RuleMembers::default());
        }
        serde_json::from_slice(payload).map_err(|_| Malformed::Json(Part::Payload).into())
    }

    /// Every granted scope: the words of `scope` (a space-separated string) and the strings of
    /// `scp` (an array). A `scope` of another type grants nothing.
    pub(crate) fn granted_scopes(&self) -> Vec<String> {
        let words = self
            .scope
            .as_ref()
            .and_then(Value::as_str)
            .unwrap_or_default()
            .split_ascii_whitespace();
        let listed = self
            .scp
            .as_ref()
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str);
        words.chain(listed).map(str::to_owned).collect()
    }

    /// `auth_time` (OpenID Connect: when the user authenticated), when present: a number of
    /// seconds (fractions dropped); any other JSON type is refused as an invalid claim.
    pub(crate) fn auth_time(&self) -> Result<Option<i64>, VerifyError> {
        match &self.auth_time {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Number(n)) => n
                .as_i64()
                .or_else(|| n.as_f64().filter(|f| f.is_finite()).map(|f| f as i64))
                .map(Some)
                .ok_or_else(|| VerifyError::InvalidClaim {
                    path: "auth_time".into(),
                }),
            Some(_) => Err(VerifyError::InvalidClaim {
                path: "auth_time".into(),
            }),
        }
    }

    /// `typ`, when it is a string (`Some("")` for any other JSON type, so that a rule on it
    /// refuses rather than ignores it).
    pub(crate) fn token_type(&self) -> Option<&str> {
        self.typ.as_ref().map(|t| t.as_str().unwrap_or(""))
    }
}

/// The members named `names` of `payload`, for rules that name claims (required claims, the
/// configured user id and email). Read only when a policy has such a rule.
pub(crate) fn named_members(
    payload: &[u8],
    names: &[&str],
) -> Result<Vec<Option<Value>>, VerifyError> {
    let object: serde_json::Map<String, Value> =
        serde_json::from_slice(payload).map_err(|_| Malformed::Json(Part::Payload))?;
    // `get`, not `remove`: a name listed twice (a rule of the provider's and the same one in
    // its table) must find its value both times.
    Ok(names
        .iter()
        .map(|name| object.get(*name).cloned())
        .collect())
}
