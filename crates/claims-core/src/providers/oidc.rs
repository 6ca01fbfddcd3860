//! Any OpenID Connect or JWKS issuer: generic claims and policy.
//!
//! The registered claims are typed; every other member is kept as it came, in
//! [`OidcClaims::extra`]. The user id is `sub` and the email `email` unless the policy names
//! other claims ([`Policy::with_identity_claims`]).

use serde::Serialize;

use crate::ClaimsDeserialize;
use crate::claims::{Audience, Extra, NumericDate, ProviderClaims};
use crate::policy::required_setting;
use crate::{Algorithm, Identity, Policy, PolicyError, ProviderId, VerifyError};

/// The default algorithm of an OIDC issuer (RS256, as OpenID Connect Discovery requires every
/// provider to support).
pub const DEFAULT_ALGORITHMS: &[Algorithm] = &[Algorithm::RS256];

/// The claims of a token from any issuer: registered claims typed, everything else kept.
///
/// ```
/// use claims_core::{OidcClaims, ProviderClaims};
/// let c: OidcClaims = serde_json::from_str(r#"{"iss":"https://example.eu.auth0.com/",
///   "sub":"auth0|42","aud":["https://api.example.com"],"exp":2,"email":"a@example.com",
///   "permissions":["read:me"]}"#).unwrap();
/// assert_eq!(c.identity().unwrap().user_id, "auth0|42");
/// assert_eq!(c.identity().unwrap().email.as_deref(), Some("a@example.com"));
/// assert_eq!(c.extra.get("permissions").unwrap()[0], "read:me");
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, ClaimsDeserialize)]
pub struct OidcClaims {
    /// `iss`
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iss: Option<Box<str>>,
    /// `sub` (a JSON number, as Farcaster sends, is kept as its decimal text).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[claims(string_or_number)]
    pub sub: Option<Box<str>>,
    /// `aud`
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
    /// `jti`
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jti: Option<Box<str>>,
    /// Every other member (`email`, `scope`, `scp`, `azp`, custom claims…).
    #[serde(flatten)]
    pub extra: Extra,
}

impl ProviderClaims for OidcClaims {
    crate::claims::registered_fields!();

    fn extra(&self) -> &Extra {
        &self.extra
    }

    fn identity(&self) -> Result<Identity, VerifyError> {
        Ok(Identity {
            provider: ProviderId::from_static("oidc"),
            user_id: crate::claims::user_id(&[self.sub.as_deref()], "sub")?,
            email: self
                .extra
                .get("email")
                .and_then(serde_json::Value::as_str)
                .map(str::to_owned),
            wallets: Vec::new(),
            issued_at: self.iat.map(|d| d.0),
            expires_at: crate::claims::expiry(self.exp)?,
        })
    }
}

impl Policy {
    /// A standard issuer named `provider`: `iss` must equal `issuer`, `aud` must contain one of
    /// `audiences` (required: a token for another API of the same issuer is refused), RS256
    /// unless [`Policy::with_algorithms`] says otherwise; tokens are read as [`OidcClaims`].
    pub fn oidc<I, S>(
        provider: impl Into<ProviderId>,
        issuer: impl Into<String>,
        audiences: I,
    ) -> Result<Self, PolicyError>
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let issuer = required_setting(issuer.into(), "oidc.issuer")?;
        let audiences: Vec<String> = audiences.into_iter().map(Into::into).collect();
        if audiences.is_empty() || audiences.iter().any(String::is_empty) {
            return Err(PolicyError::Empty("oidc.audience"));
        }
        Ok(Policy::new::<OidcClaims>(provider, DEFAULT_ALGORITHMS)?
            .with_issuers([issuer])?
            .with_audiences(audiences))
    }
}
