//! Parra (parra.io): access-token claims and policy.
//!
//! HS256 with API key secrets; `cty` `parra-fpa;v=1`; `iss` is the API key id and `sub` its
//! tenant id. [`crate::parra_issuer`] mints these tokens.

use serde::Serialize;
use std::collections::HashMap;

use crate::{Algorithm, Policy, PolicyError};

use crate::ClaimsDeserialize;
use crate::claims::{Audience, Extra, NumericDate, ProviderClaims};
use crate::{Identity, ProviderId, VerifyError};

/// The claims of a Parra access token.
///
/// ```
/// use claims_core::{ParraClaims, ProviderClaims};
/// let c: ParraClaims = serde_json::from_str(r#"{"iss":"key-1","sub":"tenant","iat":1,"exp":2,
///   "jti":"key-1-1","grants":{"identity":"user|123"}}"#).unwrap();
/// assert_eq!(c.identity().unwrap().user_id, "user|123");
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, ClaimsDeserialize)]
pub struct ParraClaims {
    /// `iss`: the API key id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iss: Option<Box<str>>,
    /// `sub`: the tenant id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sub: Option<Box<str>>,
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
    pub jti: Option<Box<str>>,
    /// `grants`
    #[serde(default)]
    pub grants: ParraGrants,
    /// Members not modelled above.
    #[serde(flatten)]
    pub extra: Extra,
}

/// Parra's `grants` claim.
#[derive(Debug, Clone, Default, PartialEq, Serialize, ClaimsDeserialize)]
pub struct ParraGrants {
    /// `identity`: the user's id in your system, as a string.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identity: Option<Box<str>>,
    /// Members not modelled above.
    #[serde(flatten)]
    pub extra: Extra,
}

impl ProviderClaims for ParraClaims {
    fn extra(&self) -> &Extra {
        &self.extra
    }

    crate::claims::registered_fields!();

    fn identity(&self) -> Result<Identity, VerifyError> {
        Ok(Identity {
            provider: ProviderId::PARRA,
            user_id: crate::claims::user_id(&[self.grants.identity.as_deref()], "grants.identity")?,
            email: None,
            wallets: Vec::new(),
            issued_at: self.iat.map(|d| d.0),
            expires_at: crate::claims::expiry(self.exp)?,
        })
    }
}

/// Parra's `cty` header.
pub const CONTENT_TYPE: &str = "parra-fpa;v=1";

impl Policy {
    /// Parra: HS256 (see [`Policy::with_algorithms`] for HS384/HS512); `cty` must be
    /// `parra-fpa;v=1`; `iss` must be one of the API key ids and `sub` that key's tenant id.
    /// `keys` yields `(api_key_id, tenant_id)`.
    pub fn parra<I, K, T>(keys: I) -> Result<Self, PolicyError>
    where
        I: IntoIterator<Item = (K, T)>,
        K: Into<String>,
        T: Into<String>,
    {
        let subjects: HashMap<String, String> = keys
            .into_iter()
            .map(|(k, t)| (k.into(), t.into()))
            .collect();
        if subjects.is_empty() || subjects.keys().any(String::is_empty) {
            return Err(PolicyError::Empty("parra.keys"));
        }
        Ok(
            Policy::new::<ParraClaims>(ProviderId::PARRA, &[Algorithm::HS256])?
                .with_subjects_by_issuer(subjects)?
                .with_content_type(CONTENT_TYPE),
        )
    }
}

/// A description when a token looks like Parra's (its `cty`).
pub fn recognise(_iss: Option<&str>, cty: Option<&str>) -> Option<String> {
    (cty == Some(CONTENT_TYPE)).then(|| format!("cty {CONTENT_TYPE:?}"))
}
