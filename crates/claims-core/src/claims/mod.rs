//! Step 5: typed claims. The [`ProviderClaims`] trait every claims type implements, the
//! type-erased [`AnyClaims`] the pipeline hands on, and the registered claims they share. Each
//! provider's own type lives in its module under [`crate::providers`].
//!
//! Every type keeps the members it does not model in an `extra` map, accepts absent, empty and
//! `null` optional members, and round-trips through serde.

pub(crate) mod de;
mod registered;

pub use registered::{Audience, Extra, NumericDate, Registered};

use std::any::Any;
use std::sync::Arc;

use serde::de::DeserializeOwned;
use serde::{Serialize, Serializer};

use crate::{Identity, ProviderId, VerifyError};

/// What a claims type offers to the policy and to handlers: the built-in providers' types, the
/// generic [`OidcClaims`](crate::OidcClaims), or a type of your own.
///
/// Only [`ProviderClaims::registered`], [`ProviderClaims::identity`] and
/// [`ProviderClaims::extra`] are required. Every rule a [`Policy`](crate::Policy) can hold reads
/// its claim through these methods, so every rule holds for every claims type: a claim the type
/// does not model is read from [`ProviderClaims::extra`].
pub trait ProviderClaims:
    Serialize + DeserializeOwned + Clone + std::fmt::Debug + Send + Sync + 'static
{
    /// The registered claims (`iss`, `sub`, `aud`, `exp`, `nbf`, `iat`).
    fn registered(&self) -> Registered<'_>;

    /// The provider-neutral identity. Fails with [`VerifyError::MissingClaim`] when the token
    /// carries no user id under the provider's rule. The verifier sets
    /// [`Identity::provider`] to the id of the policy that verified the token.
    fn identity(&self) -> Result<Identity, VerifyError>;

    /// The space-separated `scope` claim, when the type models one (otherwise it is read from
    /// [`ProviderClaims::extra`]).
    fn scope(&self) -> Option<&str> {
        None
    }

    /// The top-level members the type does not model.
    fn extra(&self) -> &Extra;

    /// True when the token grants `scope`: listed in `scope` (space-separated, as modelled by
    /// the type or kept in [`ProviderClaims::extra`]) or in `scp` (an array of strings).
    fn has_granted_scope(&self, scope: &str) -> bool {
        let listed = |value: &str| value.split_ascii_whitespace().any(|s| s == scope);
        let extra = self.extra();
        self.scope().is_some_and(listed)
            || extra
                .get("scope")
                .and_then(serde_json::Value::as_str)
                .is_some_and(listed)
            || extra
                .get("scp")
                .and_then(serde_json::Value::as_array)
                .is_some_and(|scp| scp.iter().any(|s| s.as_str() == Some(scope)))
    }

    /// Every granted scope: the words of `scope` (modelled or in [`ProviderClaims::extra`]) and
    /// the strings of `scp`.
    fn granted_scopes(&self) -> Vec<&str> {
        let extra = self.extra();
        let scope = self
            .scope()
            .or_else(|| extra.get("scope").and_then(serde_json::Value::as_str))
            .unwrap_or_default();
        let scp = extra
            .get("scp")
            .and_then(serde_json::Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(serde_json::Value::as_str);
        scope.split_ascii_whitespace().chain(scp).collect()
    }

    /// The token-type claim (`typ` in the payload): modelled by the type, or read from
    /// [`ProviderClaims::extra`].
    fn token_type(&self) -> Option<&str> {
        self.extra().get("typ").and_then(serde_json::Value::as_str)
    }

    /// True when the token carries the claim `name` with a value other than `null`: a
    /// registered one, one kept in [`ProviderClaims::extra`], or one the type models (found by
    /// serializing the claims, so only for rules, not for every request's hot path).
    fn has_claim(&self, name: &str) -> bool {
        if self.extra().get(name).is_some_and(|v| !v.is_null()) {
            return true;
        }
        let reg = self.registered();
        match name {
            "iss" => reg.iss.is_some(),
            "sub" => reg.sub.is_some(),
            "aud" => reg.aud.is_some(),
            "exp" => reg.exp.is_some(),
            "nbf" => reg.nbf.is_some(),
            "iat" => reg.iat.is_some(),
            _ => serde_json::to_value(self)
                .ok()
                .and_then(|v| v.get(name).map(|v| !v.is_null()))
                .unwrap_or(false),
        }
    }

    /// A string claim by name: a registered one, or one kept in [`ProviderClaims::extra`]. Used
    /// by policies that take the user id or email from a configured claim.
    fn string_claim(&self, name: &str) -> Option<&str> {
        let reg = self.registered();
        match name {
            "iss" => reg.iss,
            "sub" => reg.sub,
            _ => self.extra().get(name).and_then(serde_json::Value::as_str),
        }
    }
}

/// The verified claims of any provider, typed behind a shared pointer: handing them to every
/// handler of a request (or to every request that reuses a cached verification) never copies
/// them. Read them as their own type with [`AnyClaims::get`].
///
/// ```
/// use claims_core::{AnyClaims, ProviderId, SophonClaims};
/// let claims: SophonClaims = serde_json::from_str(r#"{"sub":"0xabc","exp":2}"#).unwrap();
/// let any = AnyClaims::new(ProviderId::SOPHON, claims);
/// assert_eq!(any.provider(), &ProviderId::SOPHON);
/// assert_eq!(any.get::<SophonClaims>().unwrap().sub.as_deref(), Some("0xabc"));
/// assert_eq!(any.to_json()["sub"], "0xabc");
/// ```
#[derive(Clone)]
pub struct AnyClaims {
    provider: ProviderId,
    claims: Arc<dyn ErasedClaims>,
}

/// [`ProviderClaims`] without its type, for [`AnyClaims`].
trait ErasedClaims: Any + Send + Sync + std::fmt::Debug {
    fn to_json(&self) -> serde_json::Value;
    fn registered(&self) -> Registered<'_>;
    fn granted_scopes(&self) -> Vec<&str>;
    fn has_granted_scope(&self, scope: &str) -> bool;
    fn as_any(&self) -> &dyn Any;
    fn into_any(self: Arc<Self>) -> Arc<dyn Any + Send + Sync>;
}

impl<C: ProviderClaims> ErasedClaims for C {
    fn to_json(&self) -> serde_json::Value {
        serde_json::to_value(self).unwrap_or(serde_json::Value::Null)
    }
    fn registered(&self) -> Registered<'_> {
        ProviderClaims::registered(self)
    }
    fn granted_scopes(&self) -> Vec<&str> {
        ProviderClaims::granted_scopes(self)
    }
    fn has_granted_scope(&self, scope: &str) -> bool {
        ProviderClaims::has_granted_scope(self, scope)
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
    fn into_any(self: Arc<Self>) -> Arc<dyn Any + Send + Sync> {
        self
    }
}

impl AnyClaims {
    /// Wrap one provider's claims.
    pub fn new<C: ProviderClaims>(provider: ProviderId, claims: C) -> Self {
        AnyClaims {
            provider,
            claims: Arc::new(claims),
        }
    }

    /// The provider that issued these claims.
    pub fn provider(&self) -> &ProviderId {
        &self.provider
    }

    /// Borrow as `C`, when these claims are of that type.
    pub fn get<C: ProviderClaims>(&self) -> Option<&C> {
        self.claims.as_any().downcast_ref::<C>()
    }

    /// The shared claims as `C`, when they are of that type (no copy).
    pub fn get_arc<C: ProviderClaims>(&self) -> Option<Arc<C>> {
        Arc::clone(&self.claims).into_any().downcast::<C>().ok()
    }

    /// The claims as a JSON value (the provider's own shape).
    pub fn to_json(&self) -> serde_json::Value {
        self.claims.to_json()
    }

    /// The registered claims.
    pub fn registered(&self) -> Registered<'_> {
        self.claims.registered()
    }

    /// Every granted scope (`scope` and `scp`), see [`ProviderClaims::granted_scopes`].
    pub fn granted_scopes(&self) -> Vec<&str> {
        self.claims.granted_scopes()
    }

    /// True when the token grants `scope`, see [`ProviderClaims::has_granted_scope`].
    pub fn has_granted_scope(&self, scope: &str) -> bool {
        self.claims.has_granted_scope(scope)
    }
}

impl std::fmt::Debug for AnyClaims {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AnyClaims")
            .field("provider", &self.provider)
            .field("claims", &self.claims)
            .finish()
    }
}

/// Equal when the provider and the claims' JSON are.
impl PartialEq for AnyClaims {
    fn eq(&self, other: &Self) -> bool {
        self.provider == other.provider && self.to_json() == other.to_json()
    }
}

/// `{"provider": "<id>", "claims": {…}}`.
impl Serialize for AnyClaims {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct as _;
        let mut st = s.serialize_struct("AnyClaims", 2)?;
        st.serialize_field("provider", &self.provider)?;
        st.serialize_field("claims", &self.to_json())?;
        st.end()
    }
}

/// The registered claims read straight from fields of the same names.
macro_rules! registered_fields {
    () => {
        fn registered(&self) -> $crate::claims::Registered<'_> {
            $crate::claims::Registered {
                iss: self.iss.as_deref(),
                sub: self.sub.as_deref(),
                aud: self.aud.as_ref(),
                exp: self.exp,
                nbf: self.nbf,
                iat: self.iat,
            }
        }
    };
}
pub(crate) use registered_fields;

/// The user id: the first candidate that is present and not empty.
pub(crate) fn user_id(
    candidates: &[Option<&str>],
    claim: &'static str,
) -> Result<String, VerifyError> {
    candidates
        .iter()
        .copied()
        .find_map(crate::identity::non_empty)
        .map(str::to_owned)
        .ok_or(VerifyError::MissingClaim(claim))
}

/// `exp` as required by every policy; the policy has already checked it is present.
pub(crate) fn expiry(exp: Option<NumericDate>) -> Result<i64, VerifyError> {
    exp.map(|d| d.0).ok_or(VerifyError::MissingClaim("exp"))
}
