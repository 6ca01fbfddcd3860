//! Farcaster Quick Auth (Farcaster and Base mini apps): RS256 JWTs from
//! `https://auth.farcaster.xyz`, `aud` the app's bare domain, and `sub` the user's FID as a
//! JSON number (a string FID is accepted too).

use serde::Serialize;

use crate::claims::{Audience, Extra, NumericDate, ProviderClaims};
use crate::{Algorithm, ClaimsDeserialize, Identity, Policy, PolicyError, ProviderId, VerifyError};

/// Quick Auth's issuer.
pub const ISSUER: &str = "https://auth.farcaster.xyz";
/// Quick Auth's key set.
pub const JWKS_URL: &str = "https://auth.farcaster.xyz/.well-known/jwks.json";

/// The claims of a Quick Auth token.
///
/// ```
/// use claims_core::{FarcasterClaims, ProviderClaims};
/// let c: FarcasterClaims = serde_json::from_str(r#"{"iss":"https://auth.farcaster.xyz",
///   "sub":6841,"aud":"miniapp.example.com","exp":2,"iat":1}"#).unwrap();
/// assert_eq!(c.sub.as_deref(), Some("6841"));
/// assert_eq!(c.identity().unwrap().user_id, "6841");
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, ClaimsDeserialize)]
pub struct FarcasterClaims {
    /// `iss`
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iss: Option<Box<str>>,
    /// `sub`: the FID, as decimal text (the token sends a number).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[claims(string_or_number)]
    pub sub: Option<Box<str>>,
    /// `aud`: the app's domain.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aud: Option<Audience>,
    /// `exp`
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exp: Option<NumericDate>,
    /// `nbf`
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nbf: Option<NumericDate>,
    /// `iat`
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iat: Option<NumericDate>,
    /// Members not modelled above.
    #[serde(flatten)]
    pub extra: Extra,
}

impl ProviderClaims for FarcasterClaims {
    crate::claims::registered_fields!();

    fn extra(&self) -> &Extra {
        &self.extra
    }

    fn identity(&self) -> Result<Identity, VerifyError> {
        let mut identity = Identity::new(
            ProviderId::FARCASTER,
            crate::claims::user_id(&[self.sub.as_deref()], "sub")?,
            crate::claims::expiry(self.exp)?,
        );
        identity.issued_at = self.iat.map(|d| d.0);
        Ok(identity)
    }
}

impl Policy {
    /// Farcaster Quick Auth: RS256, `iss` = `issuer` ([`ISSUER`]), `aud` = `domain` (the app's
    /// bare domain, required).
    pub fn farcaster(
        domain: impl Into<String>,
        issuer: impl Into<String>,
    ) -> Result<Self, PolicyError> {
        let domain = crate::policy::required_setting(domain.into(), "farcaster.domain")?;
        let issuer = crate::policy::required_setting(issuer.into(), "farcaster.issuer")?;
        Ok(Policy::with_fixed_algorithms::<FarcasterClaims>(
            ProviderId::FARCASTER,
            &[Algorithm::RS256],
        )
        .with_issuers([issuer])?
        .with_audiences([domain]))
    }
}

/// A description when a token looks like Quick Auth's.
pub fn recognise(iss: Option<&str>, _cty: Option<&str>) -> Option<String> {
    (iss == Some(ISSUER)).then(|| format!("iss {ISSUER:?}"))
}
