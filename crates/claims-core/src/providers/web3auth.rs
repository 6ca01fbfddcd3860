//! Web3Auth (web3auth.io): identity-token claims and policy.
//!
//! ES256, `iss` `https://api-auth.web3auth.io` (social logins) or `https://authjs.web3auth.io`
//! (external wallets), `aud` the client id, `iat` required.

use crate::policy::required_setting;
use crate::{Algorithm, Policy, PolicyError};
use serde::Serialize;

use crate::ClaimsDeserialize;
use crate::claims::{Audience, Extra, NumericDate, ProviderClaims};
use crate::identity::non_empty;
use crate::{Identity, ProviderId, VerifyError, Wallet};

/// The claims of a Web3Auth identity token. There is no `sub`: the user is `userId` (newer
/// tokens) or `verifierId`. PII (`email`, `name`, `profileImage`) may be switched off.
///
/// ```
/// use claims_core::{ProviderClaims, Web3AuthClaims};
/// let c: Web3AuthClaims = serde_json::from_str(r#"{"iss":"https://api-auth.web3auth.io","aud":"client",
///   "iat":1,"exp":2,"verifierId":"v@x.io",
///   "wallets":[{"public_key":"02ab","type":"web3auth_app_key","curve":"secp256k1"}]}"#).unwrap();
/// assert_eq!(c.identity().unwrap().user_id, "v@x.io");
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, ClaimsDeserialize)]
#[serde(rename_all = "camelCase")]
pub struct Web3AuthClaims {
    /// `iss`: `https://api-auth.web3auth.io`, `https://authjs.web3auth.io`, …
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iss: Option<Box<str>>,
    /// `aud`: your project's client id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aud: Option<Audience>,
    /// `sub` (Web3Auth sends none; kept if present).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sub: Option<Box<str>>,
    /// `iat`
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iat: Option<NumericDate>,
    /// `exp`
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exp: Option<NumericDate>,
    /// `nbf`
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nbf: Option<NumericDate>,
    /// `userId` (newer tokens)
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<Box<str>>,
    /// `verifierId`
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verifier_id: Option<Box<str>>,
    /// `verifier`
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verifier: Option<Box<str>>,
    /// `aggregateVerifier`
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aggregate_verifier: Option<Box<str>>,
    /// `authConnection`
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auth_connection: Option<Box<str>>,
    /// `authConnectionId`
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auth_connection_id: Option<Box<str>>,
    /// `groupedAuthConnectionId`
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grouped_auth_connection_id: Option<Box<str>>,
    /// `nonce`
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nonce: Option<Box<str>>,
    /// `email` (PII, may be off)
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<Box<str>>,
    /// `name` (PII, may be off)
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<Box<str>>,
    /// `profileImage` (PII, may be off)
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile_image: Option<Box<str>>,
    /// `wallets`
    #[serde(default)]
    #[claims(null_as_default)]
    pub wallets: Vec<Web3AuthWallet>,
    /// Members not modelled above.
    #[serde(flatten)]
    pub extra: Extra,
}

/// One entry of Web3Auth's `wallets`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, ClaimsDeserialize)]
pub struct Web3AuthWallet {
    /// `public_key` (social logins; hex, compressed secp256k1 or ed25519).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub public_key: Option<Box<str>>,
    /// `address` (external wallets).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<Box<str>>,
    /// `type`: `web3auth_app_key`, `web3auth_threshold_key`, `ethereum`, …
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub wallet_type: Option<Box<str>>,
    /// `curve`: `secp256k1` or `ed25519`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub curve: Option<Box<str>>,
    /// Members not modelled above.
    #[serde(flatten)]
    pub extra: Extra,
}

impl ProviderClaims for Web3AuthClaims {
    fn extra(&self) -> &Extra {
        &self.extra
    }

    crate::claims::registered_fields!();

    fn identity(&self) -> Result<Identity, VerifyError> {
        Ok(Identity {
            provider: ProviderId::WEB3AUTH,
            user_id: crate::claims::user_id(
                &[self.user_id.as_deref(), self.verifier_id.as_deref()],
                "userId",
            )?,
            email: non_empty(self.email.as_deref()).map(str::to_owned),
            wallets: self
                .wallets
                .iter()
                .map(|w| {
                    // External wallets name their chain in `type`; app keys name their curve.
                    let chain = match w.wallet_type.as_deref() {
                        Some("ethereum") => Some("ethereum"),
                        _ => w.curve.as_deref().or(w.wallet_type.as_deref()),
                    };
                    Wallet::new(chain, w.address.as_deref(), w.public_key.as_deref())
                })
                .collect(),
            issued_at: self.iat.map(|d| d.0),
            expires_at: crate::claims::expiry(self.exp)?,
        })
    }
}

/// Web3Auth's issuer for social logins (the default).
pub const ISSUER: &str = "https://api-auth.web3auth.io";
/// Web3Auth's issuer for external wallets.
pub const EXTERNAL_WALLET_ISSUER: &str = "https://authjs.web3auth.io";

impl Policy {
    /// Web3Auth: ES256; `iss` `https://api-auth.web3auth.io` by default (see
    /// [`Policy::with_issuers`]); `aud` must be `client_id`; `iat` required and not in the future.
    pub fn web3auth(client_id: impl Into<String>) -> Result<Self, PolicyError> {
        let client_id = required_setting(client_id.into(), "web3auth.client_id")?;
        Ok(
            Policy::new::<Web3AuthClaims>(ProviderId::WEB3AUTH, &[Algorithm::ES256])?
                .with_issuers([ISSUER])?
                .with_audiences([client_id])
                .with_iat_required(true),
        )
    }
}

/// A description when a token looks like Web3Auth's (one of its issuers).
pub fn recognise(iss: Option<&str>, _cty: Option<&str>) -> Option<String> {
    let iss = iss.filter(|i| *i == ISSUER || *i == EXTERNAL_WALLET_ISSUER)?;
    Some(format!("iss {iss:?}"))
}
