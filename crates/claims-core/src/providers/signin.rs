//! Sessions started by wallet sign-in (SIWE, SIWS): the session tokens this service issues.
//!
//! ES256 or EdDSA, signed with the service's own keys; `iss` and `aud` are configured;
//! `sub` is the CAIP-10 account id (`eip155:1:0xAb…`, `solana:<reference>:<address>`), `sid` the
//! session (what a logout revokes), `address` and `chain` the wallet.

use serde::Serialize;

use crate::ClaimsDeserialize;
use crate::claims::{Audience, Extra, NumericDate, ProviderClaims};
use crate::policy::required_setting;
use crate::{Algorithm, Identity, Policy, PolicyError, ProviderId, VerifyError, Wallet};

/// The algorithms of session keys.
pub const ALGORITHMS: &[Algorithm] = &[Algorithm::ES256, Algorithm::EdDSA];

/// The claims of a session token.
///
/// ```
/// use claims_core::{ProviderClaims, SessionClaims};
/// let c: SessionClaims = serde_json::from_str(r#"{"iss":"https://api.example.com",
///   "aud":"https://api.example.com","sub":"eip155:1:0xAb5801a7D398351b8bE11C439e05C5B3259aeC9B",
///   "iat":1,"exp":2,"sid":"s1","address":"0xAb5801a7D398351b8bE11C439e05C5B3259aeC9B",
///   "chain":"eip155:1"}"#).unwrap();
/// let id = c.identity().unwrap();
/// assert_eq!(id.user_id, "eip155:1:0xAb5801a7D398351b8bE11C439e05C5B3259aeC9B");
/// assert_eq!(id.wallets[0].chain.as_deref(), Some("evm"));
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, ClaimsDeserialize)]
pub struct SessionClaims {
    /// `iss`: the configured issuer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iss: Option<Box<str>>,
    /// `sub`: the CAIP-10 account id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sub: Option<Box<str>>,
    /// `aud`: the configured audience.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aud: Option<Audience>,
    /// `sid`: the session id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sid: Option<Box<str>>,
    /// `iat`
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iat: Option<NumericDate>,
    /// `exp`
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exp: Option<NumericDate>,
    /// `nbf`
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nbf: Option<NumericDate>,
    /// `address`: the wallet's address as signed (EIP-55 or base58).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<Box<str>>,
    /// `chain`: the CAIP-2 chain id (`eip155:1`, `solana:5eykt4UsFv8P8NJdTREpY1vzqKqZKvdp`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chain: Option<Box<str>>,
    /// Members not modelled above.
    #[serde(flatten)]
    pub extra: Extra,
}

impl ProviderClaims for SessionClaims {
    crate::claims::registered_fields!();

    fn extra(&self) -> &Extra {
        &self.extra
    }

    fn identity(&self) -> Result<Identity, VerifyError> {
        let namespace = self
            .chain
            .as_deref()
            .and_then(|c| c.split_once(':'))
            .map(|(namespace, _)| namespace);
        let wallets = self
            .address
            .as_deref()
            .map(|address| Wallet::new(namespace, Some(address), None))
            .into_iter()
            .collect();
        Ok(Identity {
            provider: ProviderId::SIGNIN,
            user_id: crate::claims::user_id(&[self.sub.as_deref()], "sub")?,
            email: None,
            wallets,
            issued_at: self.iat.map(|d| d.0),
            expires_at: crate::claims::expiry(self.exp)?,
        })
    }
}

impl Policy {
    /// Sessions from wallet sign-in: ES256 or EdDSA; `iss` must be `issuer`, `aud` must be
    /// `audience`; `sid` required.
    pub fn signin(
        issuer: impl Into<String>,
        audience: impl Into<String>,
    ) -> Result<Self, PolicyError> {
        let issuer = required_setting(issuer.into(), "signin.issuer")?;
        let audience = required_setting(audience.into(), "signin.audience")?;
        Ok(
            Policy::with_fixed_algorithms::<SessionClaims>(ProviderId::SIGNIN, ALGORITHMS)
                .with_issuers([issuer])?
                .with_audiences([audience])
                .with_required_claims(["sid"]),
        )
    }
}
