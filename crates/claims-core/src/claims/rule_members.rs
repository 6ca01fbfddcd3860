//! The members a policy's rules read, taken straight from the verified payload: whatever claims
//! type the token is read as (a built-in one, [`OidcClaims`](crate::OidcClaims), or one of
//! yours) and whatever it models, every rule sees the same `scope`, `scp`, `typ` and named claims.

use serde::Deserialize;
use serde_json::Value;

use crate::error::{Malformed, Part, VerifyError};

/// `scope`, `scp` and `typ` of a payload, the other members skipped unread.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct RuleMembers {
    #[serde(default)]
    scope: Option<Value>,
    #[serde(default)]
    scp: Option<Value>,
    #[serde(default)]
    typ: Option<Value>,
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
    let mut object: serde_json::Map<String, Value> =
        serde_json::from_slice(payload).map_err(|_| Malformed::Json(Part::Payload))?;
    Ok(names.iter().map(|name| object.remove(*name)).collect())
}
