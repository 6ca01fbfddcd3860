//! Sophon (sophon.xyz): claims and policy.
//!
//! RS256, `iss` `https://auth.sophon.xyz`, `aud` the partner id, refresh tokens refused.

use crate::policy::required_setting;
use crate::{Algorithm, Policy, PolicyError};
use serde::Serialize;

use crate::ClaimsDeserialize;
use crate::claims::{Audience, Extra, NumericDate, ProviderClaims};
use crate::{Identity, ProviderId, VerifyError, Wallet};

/// The claims of a Sophon access token.
///
/// ```
/// use claims_core::{ProviderClaims, SophonClaims};
/// let c: SophonClaims = serde_json::from_str(r#"{"iss":"https://auth.sophon.xyz","aud":"partner",
///   "sub":"0xabc","userId":"u-1","scope":"email x","iat":1,"exp":2}"#).unwrap();
/// assert!(c.has_scope("email"));
/// assert_eq!(c.identity().unwrap().user_id, "u-1");
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, ClaimsDeserialize)]
pub struct SophonClaims {
    /// `iss`: `https://auth.sophon.xyz`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iss: Option<Box<str>>,
    /// `aud`: your partner id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aud: Option<Audience>,
    /// `sub`: the user's smart-wallet address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sub: Option<Box<str>>,
    /// `userId`
    #[serde(default, rename = "userId", skip_serializing_if = "Option::is_none")]
    pub user_id: Option<Box<str>>,
    /// `iat`
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iat: Option<NumericDate>,
    /// `exp`
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exp: Option<NumericDate>,
    /// `nbf`
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nbf: Option<NumericDate>,
    /// `scope`: space-separated, may be empty.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<Box<str>>,
    /// `sid`
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sid: Option<Box<str>>,
    /// `typ`: `access` on access tokens, `refresh` on refresh tokens (refused).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub typ: Option<Box<str>>,
    /// `jti` (refresh tokens).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jti: Option<Box<str>>,
    /// `c`: consent timestamps.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub c: Option<serde_json::Value>,
    /// Members not modelled above.
    #[serde(flatten)]
    pub extra: Extra,
}

impl SophonClaims {
    /// The granted scopes.
    pub fn scopes(&self) -> impl Iterator<Item = &str> {
        self.scope
            .as_deref()
            .unwrap_or_default()
            .split_ascii_whitespace()
    }

    /// True when `scope` was granted.
    pub fn has_scope(&self, scope: &str) -> bool {
        self.scopes().any(|s| s == scope)
    }
}

impl ProviderClaims for SophonClaims {
    fn extra(&self) -> &Extra {
        &self.extra
    }

    crate::claims::registered_fields!();

    fn identity(&self) -> Result<Identity, VerifyError> {
        Ok(Identity {
            provider: ProviderId::SOPHON,
            user_id: crate::claims::user_id(
                &[self.user_id.as_deref(), self.sub.as_deref()],
                "sub",
            )?,
            email: None,
            wallets: self
                .sub
                .as_deref()
                .filter(|s| !s.is_empty())
                .map(|a| Wallet::new(Some("evm"), Some(a), None))
                .into_iter()
                .collect(),
            issued_at: self.iat.map(|d| d.0),
            expires_at: crate::claims::expiry(self.exp)?,
        })
    }
}

/// Sophon's issuer.
pub const ISSUER: &str = "https://auth.sophon.xyz";

impl Policy {
    /// Sophon: RS256; `iss` `https://auth.sophon.xyz` (see [`Policy::with_issuers`]); `aud` must be
    /// `partner_id`; refresh tokens (`typ` other than `access`) are refused.
    pub fn sophon(partner_id: impl Into<String>) -> Result<Self, PolicyError> {
        let partner_id = required_setting(partner_id.into(), "sophon.partner_id")?;
        Ok(
            Policy::new::<SophonClaims>(ProviderId::SOPHON, &[Algorithm::RS256])?
                .with_issuers([ISSUER])?
                .with_audiences([partner_id])
                .with_token_type("access"),
        )
    }
}

/// A description when a token looks like Sophon's (its issuer).
pub fn recognise(iss: Option<&str>, _cty: Option<&str>) -> Option<String> {
    (iss == Some(ISSUER)).then(|| format!("iss {ISSUER:?}"))
}
