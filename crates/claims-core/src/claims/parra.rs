//! Parra (parra.io) access-token claims.

use serde::Serialize;

use super::de::claims_deserialize;
use super::{Audience, Extra, NumericDate, ProviderClaims};
use crate::{Identity, Provider, VerifyError};

/// The claims of a Parra access token.
///
/// ```
/// use claims_core::{ParraClaims, ProviderClaims};
/// let c: ParraClaims = serde_json::from_str(r#"{"iss":"key-1","sub":"tenant","iat":1,"exp":2,
///   "jti":"key-1-1","grants":{"identity":"user|123"}}"#).unwrap();
/// assert_eq!(c.identity().unwrap().user_id, "user|123");
/// ```
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ParraClaims {
    /// `iss`: the API key id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iss: Option<String>,
    /// `sub`: the tenant id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sub: Option<String>,
    /// `aud`
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
    /// `jti`: `<apiKeyId>-<unixtime>` in Parra's library.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jti: Option<String>,
    /// `grants`
    #[serde(default)]
    pub grants: ParraGrants,
    /// Members not modelled above.
    #[serde(flatten)]
    pub extra: Extra,
}

/// Parra's `grants` claim.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ParraGrants {
    /// `identity`: the user's id in your system, as a string.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identity: Option<String>,
    /// Members not modelled above.
    #[serde(flatten)]
    pub extra: Extra,
}

claims_deserialize!(ParraClaims {
    "iss" => iss: Option<String>,
    "sub" => sub: Option<String>,
    "aud" => aud: Option<Audience>,
    "iat" => iat: Option<NumericDate>,
    "exp" => exp: Option<NumericDate>,
    "nbf" => nbf: Option<NumericDate>,
    "jti" => jti: Option<String>,
    "grants" => grants: ParraGrants,
});

claims_deserialize!(ParraGrants {
    "identity" => identity: Option<String>,
});

impl ProviderClaims for ParraClaims {
    fn extra(&self) -> &Extra {
        &self.extra
    }

    const PROVIDER: Provider = Provider::Parra;
    super::registered_fields!();
    super::any_conversions!(Parra);

    fn identity(&self) -> Result<Identity, VerifyError> {
        Ok(Identity {
            provider: Provider::Parra,
            user_id: super::user_id(&[self.grants.identity.as_deref()], "grants.identity")?,
            email: None,
            wallets: Vec::new(),
            issued_at: self.iat.map(|d| d.0),
            expires_at: super::expiry(self.exp)?,
        })
    }
}
