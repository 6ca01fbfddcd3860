//! Step 5: typed claims. The [`ProviderClaims`] trait every claims type implements, the
//! type-erased [`AnyClaims`] the pipeline hands on, and the registered claims they share. Each
//! provider's own type lives in its module under [`crate::providers`].
//!
//! Every type keeps the members it does not model in an `extra` map, accepts absent, empty and
//! `null` optional members, and round-trips through serde.

pub(crate) mod de;
mod registered;
pub(crate) mod rule_members;

pub use registered::{Audience, Extra, NumericDate, Registered};

use std::any::Any;
use std::sync::Arc;

use serde::de::DeserializeOwned;
use serde::{Serialize, Serializer};

use crate::{Identity, ProviderId, VerifyError};

/// What a claims type offers to the policy and to handlers: the built-in providers' types, the
/// generic [`OidcClaims`](crate::OidcClaims), or a type of your own.
///
/// The policy's rules on registered claims read [`ProviderClaims::registered`]; its rules on
/// other members (`scope`, `scp`, `typ`, required or configured claims) read the verified payload
/// itself, so every rule holds for every claims type, whatever it models. Keep the members your
/// type does not model in a flattened [`Extra`] so they round-trip.
pub trait ProviderClaims:
    Serialize + DeserializeOwned + Clone + std::fmt::Debug + Send + Sync + 'static
{
    /// The registered claims (`iss`, `sub`, `aud`, `exp`, `nbf`, `iat`).
    fn registered(&self) -> Registered<'_>;

    /// The provider-neutral identity. Fails with [`VerifyError::MissingClaim`] when the token
    /// carries no user id under the provider's rule. The verifier sets
    /// [`Identity::provider`] to the id of the policy that verified the token.
    fn identity(&self) -> Result<Identity, VerifyError>;

    /// The top-level members the type does not model.
    fn extra(&self) -> &Extra;
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
    scopes: Box<[String]>,
}

/// [`ProviderClaims`] without its type, for [`AnyClaims`].
trait ErasedClaims: Any + Send + Sync + std::fmt::Debug {
    fn to_json(&self) -> serde_json::Value;
    fn registered(&self) -> Registered<'_>;
    fn identity(&self) -> Result<Identity, VerifyError>;
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
    fn identity(&self) -> Result<Identity, VerifyError> {
        ProviderClaims::identity(self)
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
    fn into_any(self: Arc<Self>) -> Arc<dyn Any + Send + Sync> {
        self
    }
}

impl AnyClaims {
    /// Wrap one provider's claims (with no granted scopes: see [`AnyClaims::with_scopes`]).
    pub fn new<C: ProviderClaims>(provider: ProviderId, claims: C) -> Self {
        AnyClaims {
            provider,
            claims: Arc::new(claims),
            scopes: Box::default(),
        }
    }

    /// The scopes the token grants (verification sets them from `scope` and `scp`).
    pub fn with_scopes(mut self, scopes: Vec<String>) -> Self {
        self.scopes = scopes.into();
        self
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

    /// The provider-neutral identity, by the claims type's own rule
    /// ([`ProviderClaims::identity`]), with [`Identity::provider`] set to [`AnyClaims::provider`].
    /// Derived anew on each call: nothing is kept twice.
    pub fn identity(&self) -> Result<Identity, VerifyError> {
        let mut identity = self.claims.identity()?;
        identity.provider = self.provider.clone();
        Ok(identity)
    }

    /// Every granted scope: the words of `scope` and the strings of `scp`.
    pub fn granted_scopes(&self) -> &[String] {
        &self.scopes
    }

    /// True when the token grants `scope` (in `scope` or `scp`).
    pub fn has_granted_scope(&self, scope: &str) -> bool {
        self.scopes.iter().any(|s| s == scope)
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
