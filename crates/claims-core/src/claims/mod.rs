//! Typed claims, one type per provider, exactly as real tokens carry them.
//!
//! Every type keeps the members it does not model in an `extra` map, accepts absent, empty and
//! `null` optional members, and round-trips through serde.

mod de;
mod dynamic;
mod para;
mod parra;
mod registered;
mod sophon;
mod web3auth;

pub use dynamic::{DynamicClaims, DynamicCredential};
pub use para::{ParaClaims, ParaData, ParaWallet};
pub use parra::{ParraClaims, ParraGrants};
pub use registered::{Audience, Extra, NumericDate, Registered};
pub use sophon::SophonClaims;
pub use web3auth::{Web3AuthClaims, Web3AuthWallet};

use std::sync::Arc;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::{Identity, Provider, VerifyError};

/// What every provider's claims type offers to the policy and to handlers.
pub trait ProviderClaims:
    Serialize + DeserializeOwned + Clone + std::fmt::Debug + Send + Sync + 'static
{
    /// The provider whose tokens carry these claims.
    const PROVIDER: Provider;

    /// The registered claims (`iss`, `sub`, `aud`, `exp`, `nbf`, `iat`).
    fn registered(&self) -> Registered<'_>;

    /// The provider-neutral identity. Fails with [`VerifyError::MissingClaim`] when the token
    /// carries no user id under the provider's rule.
    fn identity(&self) -> Result<Identity, VerifyError>;

    /// The space-separated `scope` claim, for providers that model one.
    fn scope(&self) -> Option<&str> {
        None
    }

    /// The top-level members the type does not model.
    fn extra(&self) -> &Extra;

    /// True when the token grants `scope`: listed in `scope` (space-separated, as modelled by
    /// the provider or kept in [`ProviderClaims::extra`]) or in `scp` (an array of strings).
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

    /// The token-type claim (`typ` in the payload), for providers that have one.
    fn token_type(&self) -> Option<&str> {
        None
    }

    /// Wrap into [`AnyClaims`].
    fn into_any(self) -> AnyClaims;

    /// Borrow from [`AnyClaims`] when it holds this provider's claims.
    fn from_any(any: &AnyClaims) -> Option<&Arc<Self>>;
}

/// The verified claims of any provider. Each variant holds its claims behind an `Arc`, so handing
/// them to every handler of a request (or to every request that reuses a cached verification)
/// never copies them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "provider", content = "claims", rename_all = "lowercase")]
pub enum AnyClaims {
    /// Para
    Para(Arc<ParaClaims>),
    /// Parra
    Parra(Arc<ParraClaims>),
    /// Sophon
    Sophon(Arc<SophonClaims>),
    /// Dynamic
    Dynamic(Arc<DynamicClaims>),
    /// Web3Auth
    Web3Auth(Arc<Web3AuthClaims>),
}

impl AnyClaims {
    /// The provider of these claims.
    pub fn provider(&self) -> Provider {
        match self {
            AnyClaims::Para(_) => Provider::Para,
            AnyClaims::Parra(_) => Provider::Parra,
            AnyClaims::Sophon(_) => Provider::Sophon,
            AnyClaims::Dynamic(_) => Provider::Dynamic,
            AnyClaims::Web3Auth(_) => Provider::Web3Auth,
        }
    }

    /// Borrow as one provider's claims type.
    pub fn get<C: ProviderClaims>(&self) -> Option<&C> {
        C::from_any(self).map(|c| &**c)
    }

    /// The shared claims of one provider's type.
    pub fn get_arc<C: ProviderClaims>(&self) -> Option<&Arc<C>> {
        C::from_any(self)
    }

    /// The claims as a JSON value (the provider's own shape).
    pub fn to_json(&self) -> serde_json::Value {
        let v = match self {
            AnyClaims::Para(c) => serde_json::to_value(c),
            AnyClaims::Parra(c) => serde_json::to_value(c),
            AnyClaims::Sophon(c) => serde_json::to_value(c),
            AnyClaims::Dynamic(c) => serde_json::to_value(c),
            AnyClaims::Web3Auth(c) => serde_json::to_value(c),
        };
        v.unwrap_or(serde_json::Value::Null)
    }

    /// The registered claims.
    pub fn registered(&self) -> Registered<'_> {
        match self {
            AnyClaims::Para(c) => c.registered(),
            AnyClaims::Parra(c) => c.registered(),
            AnyClaims::Sophon(c) => c.registered(),
            AnyClaims::Dynamic(c) => c.registered(),
            AnyClaims::Web3Auth(c) => c.registered(),
        }
    }
}

/// Implements the `AnyClaims` conversions of [`ProviderClaims`] for one variant.
macro_rules! any_conversions {
    ($variant:ident) => {
        fn into_any(self) -> $crate::claims::AnyClaims {
            $crate::claims::AnyClaims::$variant(std::sync::Arc::new(self))
        }
        fn from_any(any: &$crate::claims::AnyClaims) -> Option<&std::sync::Arc<Self>> {
            match any {
                $crate::claims::AnyClaims::$variant(c) => Some(c),
                _ => None,
            }
        }
    };
}
pub(crate) use any_conversions;

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
