//! The claim checks of `verify --jwks` / `--secret-file`: the library's own, not a copy.
//!
//! The layer decides with [`Policy::check_claims`] on claims parsed by
//! [`parse_claims`](wallet_auth::claims::verify::parse_claims) (`exp` required and read as a
//! `NumericDate`, the validity window with the leeway, then `iss` and `aud` when configured). A
//! token checked here belongs to no provider, so it is parsed into [`RegisteredClaims`] — the
//! registered claims only, with the library's `NumericDate` and `Audience` — and checked by the
//! policy the layer uses for issuer-less tokens ([`Policy::para`]: no `iss` required, `aud` only
//! when configured, no `iat`/`cty`/`typ`/scope rule), given the command line's issuers,
//! audiences and leeway.

use std::sync::Arc;
use std::time::Duration;

use serde::de::value::MapAccessDeserializer;
use serde::de::{Deserializer, MapAccess, Visitor};
use serde::{Deserialize, Serialize};
use wallet_auth::claims::claims::Extra;
use wallet_auth::claims::verify::parse_claims;
use wallet_auth::claims::{
    AnyClaims, Audience, Identity, NumericDate, ParaClaims, ParaData, Policy, Provider,
    ProviderClaims, Registered, VerifyError,
};

use crate::output::{Failure, usage};

/// The registered claims (RFC 7519 §4.1) of a token of no particular provider. Members of other
/// names are not read (the command prints the payload as it came). Only a JSON object is accepted,
/// as for every provider's claims type (serde's derive alone would also take an array).
#[derive(Debug, Clone, Serialize)]
pub(crate) struct RegisteredClaims(Fields);

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Fields {
    /// `iss`
    #[serde(default, skip_serializing_if = "Option::is_none")]
    iss: Option<String>,
    /// `sub`
    #[serde(default, skip_serializing_if = "Option::is_none")]
    sub: Option<String>,
    /// `aud`
    #[serde(default, skip_serializing_if = "Option::is_none")]
    aud: Option<Audience>,
    /// `exp`
    #[serde(default, skip_serializing_if = "Option::is_none")]
    exp: Option<NumericDate>,
    /// `nbf`
    #[serde(default, skip_serializing_if = "Option::is_none")]
    nbf: Option<NumericDate>,
    /// `iat`
    #[serde(default, skip_serializing_if = "Option::is_none")]
    iat: Option<NumericDate>,
    /// Other members are not read: no rule of this command looks at them.
    #[serde(skip)]
    extra: Extra,
}

impl<'de> Deserialize<'de> for RegisteredClaims {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct ObjectOnly;
        impl<'de> Visitor<'de> for ObjectOnly {
            type Value = RegisteredClaims;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a JSON object (the claims)")
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<RegisteredClaims, A::Error> {
                Fields::deserialize(MapAccessDeserializer::new(map)).map(RegisteredClaims)
            }
        }
        d.deserialize_map(ObjectOnly)
    }
}

/// Only [`ProviderClaims::registered`] is used (by [`Policy::check_claims`]); the rest exists
/// because the trait requires it. The provider is Para's because the policy is Para's: the
/// issuer-less one.
impl ProviderClaims for RegisteredClaims {
    const PROVIDER: Provider = Provider::Para;

    fn registered(&self) -> Registered<'_> {
        Registered {
            iss: self.0.iss.as_deref(),
            sub: self.0.sub.as_deref(),
            aud: self.0.aud.as_ref(),
            exp: self.0.exp,
            nbf: self.0.nbf,
            iat: self.0.iat,
        }
    }

    fn extra(&self) -> &Extra {
        &self.0.extra
    }

    fn identity(&self) -> Result<Identity, VerifyError> {
        Ok(Identity {
            provider: Provider::Para,
            user_id: self.0.sub.clone().ok_or(VerifyError::MissingClaim("sub"))?,
            email: None,
            wallets: Vec::new(),
            issued_at: self.0.iat.map(|d| d.0),
            expires_at: self.0.exp.ok_or(VerifyError::MissingClaim("exp"))?.0,
        })
    }

    fn into_any(self) -> AnyClaims {
        AnyClaims::Para(Arc::new(ParaClaims {
            sub: self.0.sub,
            iss: self.0.iss,
            aud: self.0.aud,
            iat: self.0.iat,
            exp: self.0.exp,
            nbf: self.0.nbf,
            data: ParaData::default(),
            extra: Extra::default(),
        }))
    }

    fn from_any(_: &AnyClaims) -> Option<&Arc<Self>> {
        None
    }
}

/// The policy for `verify --jwks` / `--secret-file`: the issuer-less provider's, with the
/// accepted issuers and audiences (none: not checked) and the leeway. Its algorithm list is not
/// used: the command line's `--alg` allow-list is applied before the signature is checked, and
/// [`Policy::check_claims`] does not read it.
pub(crate) fn policy(
    issuers: &[String],
    audiences: &[String],
    leeway: u64,
) -> Result<Policy, Failure> {
    let policy = Policy::para()
        .with_audiences(audiences.iter().cloned())
        .with_leeway(Duration::from_secs(leeway));
    if issuers.is_empty() {
        return Ok(policy);
    }
    policy
        .with_issuers(issuers.iter().cloned())
        .map_err(|e| usage(format!("--iss: {e}")))
}

/// Parse the (signature-verified) payload and check its claims under `policy` as of `now`,
/// exactly as the layer does.
pub(crate) fn check(policy: &Policy, payload: &[u8], now: i64) -> Result<(), VerifyError> {
    let claims: RegisteredClaims = parse_claims(payload)?;
    policy.check_claims(&claims, now)
}
