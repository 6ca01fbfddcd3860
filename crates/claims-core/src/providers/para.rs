//! Para (getpara.com): claims and policy.
//!
//! RS256 or ES256 (the key's type deciding), a JWKS per environment, no `iss`, `aud` only when
//! configured.

use crate::{Algorithm, Policy};
use serde::Serialize;

use crate::ClaimsDeserialize;
use crate::claims::{Audience, Extra, NumericDate, ProviderClaims};
use crate::identity::non_empty;
use crate::{Identity, ProviderId, VerifyError, Wallet};

/// The claims of a Para token (`issueJwt()`).
///
/// ```
/// use claims_core::{ParaClaims, ProviderClaims};
/// let c: ParaClaims = serde_json::from_str(r#"{"sub":"u1","iat":1,"exp":2,
///   "data":{"userId":"u1","wallets":[{"id":"w","type":"EVM","address":"0xab","publicKey":""}]}}"#).unwrap();
/// let id = c.identity().unwrap();
/// assert_eq!(id.user_id, "u1");
/// assert_eq!(id.wallets[0].public_key, None);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, ClaimsDeserialize)]
pub struct ParaClaims {
    /// `sub` (= `data.userId`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sub: Option<Box<str>>,
    /// `iss` (Para documents none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iss: Option<Box<str>>,
    /// `aud` (newer tokens: the API key id).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aud: Option<Audience>,
    /// `iat`
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iat: Option<NumericDate>,
    /// `exp`
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exp: Option<NumericDate>,
    /// `nbf`
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nbf: Option<NumericDate>,
    /// `data`: the user and their wallets.
    #[serde(default)]
    pub data: ParaData,
    /// Members not modelled above.
    #[serde(flatten)]
    pub extra: Extra,
}

/// Para's `data` claim.
#[derive(Debug, Clone, Default, PartialEq, Serialize, ClaimsDeserialize)]
#[serde(rename_all = "camelCase")]
pub struct ParaData {
    /// `userId`
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<Box<str>>,
    /// `wallets`
    #[serde(default)]
    #[claims(null_as_default)]
    pub wallets: Vec<ParaWallet>,
    /// `email`
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<Box<str>>,
    /// `phone`
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<Box<str>>,
    /// `telegramUserId`
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub telegram_user_id: Option<Box<str>>,
    /// `farcasterUsername`
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub farcaster_username: Option<Box<str>>,
    /// `externalWallet` (shape varies).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_wallet: Option<serde_json::Value>,
    /// `authType`
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auth_type: Option<Box<str>>,
    /// `identifier`
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identifier: Option<Box<str>>,
    /// `oAuthMethod` (`google`, `x`, `discord`, `facebook`, `apple`, or absent).
    #[serde(
        default,
        rename = "oAuthMethod",
        skip_serializing_if = "Option::is_none"
    )]
    pub oauth_method: Option<Box<str>>,
    /// Members not modelled above.
    #[serde(flatten)]
    pub extra: Extra,
}

/// One wallet in Para's `data.wallets`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, ClaimsDeserialize)]
#[serde(rename_all = "camelCase")]
pub struct ParaWallet {
    /// `id`
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<Box<str>>,
    /// `type`: `EVM`, `SOLANA`, `COSMOS`, …
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub wallet_type: Option<Box<str>>,
    /// `address`
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<Box<str>>,
    /// `publicKey` (may be empty).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub public_key: Option<Box<str>>,
    /// Members not modelled above.
    #[serde(flatten)]
    pub extra: Extra,
}

impl ProviderClaims for ParaClaims {
    fn extra(&self) -> &Extra {
        &self.extra
    }

    crate::claims::registered_fields!();

    fn identity(&self) -> Result<Identity, VerifyError> {
        Ok(Identity {
            provider: ProviderId::PARA,
            user_id: crate::claims::user_id(
                &[self.data.user_id.as_deref(), self.sub.as_deref()],
                "sub",
            )?,
            email: non_empty(self.data.email.as_deref()).map(str::to_owned),
            wallets: self
                .data
                .wallets
                .iter()
                .map(|w| {
                    Wallet::new(
                        w.wallet_type.as_deref(),
                        w.address.as_deref(),
                        w.public_key.as_deref(),
                    )
                })
                .collect(),
            issued_at: self.iat.map(|d| d.0),
            expires_at: crate::claims::expiry(self.exp)?,
        })
    }
}

impl Policy {
    /// Para: RS256 or ES256, the key's type deciding (Para's docs name no algorithm; its one
    /// public key set is RS256, and some integrations sign ES256); no `iss` is documented, so
    /// none is required; `aud` checked only when configured ([`Policy::with_audiences`]: the
    /// API key id).
    pub fn para() -> Self {
        Policy::with_fixed_algorithms::<ParaClaims>(ProviderId::PARA, ALGORITHMS)
    }
}

/// Para's default algorithms.
pub const ALGORITHMS: &[Algorithm] = &[Algorithm::RS256, Algorithm::ES256];

/// A description when a token looks like Para's (no `iss`: Para is the issuer-less provider).
pub fn recognise(iss: Option<&str>, _cty: Option<&str>) -> Option<String> {
    iss.is_none()
        .then(|| "no iss; para is the issuer-less provider".to_owned())
}
