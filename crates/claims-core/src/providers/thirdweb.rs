//! thirdweb Auth: tokens signed by the app's admin wallet.
//!
//! They look like ES256 JWTs but are not: the header is always thirdweb's fixed bytes
//! ([`HEADER_SEGMENT`], `{"alg":"ES256","typ":"JWT"}`, any other header is refused), and the third
//! segment is base64url of the ASCII text `0x…` of a 65-byte EIP-191 (`personal_sign`) signature
//! by the app's admin wallet over the payload JSON, the exact bytes the payload segment decodes
//! to. The signer must be the configured admin address, which is also `iss`; `sub` is the
//! user's wallet address, `aud` the app's domain.

use std::sync::Arc;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Serialize;
use signin_core::evm_signature::{EvmSignature, eip55, parse_address, recover_eip191};

use crate::claims::{Audience, Extra, NumericDate, ProviderClaims};
use crate::error::{Malformed, Part};
use crate::{
    Algorithm, ClaimsDeserialize, Identity, Policy, PolicyError, ProviderId, SignatureScheme,
    UnverifiedToken, VerifyError, Wallet,
};

/// The only header thirdweb issues, as its base64url segment.
pub const HEADER_SEGMENT: &str = "eyJhbGciOiJFUzI1NiIsInR5cCI6IkpXVCJ9";

/// The claims of a thirdweb Auth token.
///
/// ```
/// use claims_core::{ProviderClaims, ThirdwebClaims};
/// let c: ThirdwebClaims = serde_json::from_str(r#"{"iss":"0x5B38Da6a701c568545dCfcB03FcB875f56beddC4",
///   "sub":"0xAb8483F64d9C6d1EcF9b849Ae677dD3315835cb2","aud":"example.com","exp":2,"nbf":0,"iat":0,
///   "jti":"j","ctx":{}}"#).unwrap();
/// let id = c.identity().unwrap();
/// assert_eq!(id.user_id, "0xAb8483F64d9C6d1EcF9b849Ae677dD3315835cb2");
/// assert_eq!(id.wallets[0].chain.as_deref(), Some("evm"));
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, ClaimsDeserialize)]
pub struct ThirdwebClaims {
    /// `iss`: the app's admin wallet address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iss: Option<Box<str>>,
    /// `sub`: the user's wallet address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
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
    /// `jti`
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jti: Option<Box<str>>,
    /// `ctx`: the app's context object, as sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ctx: Option<serde_json::Value>,
    /// Members not modelled above.
    #[serde(flatten)]
    pub extra: Extra,
}

impl ProviderClaims for ThirdwebClaims {
    crate::claims::registered_fields!();

    fn extra(&self) -> &Extra {
        &self.extra
    }

    fn identity(&self) -> Result<Identity, VerifyError> {
        // The SDK compares `aud` with one string: a list is refused, never searched.
        if matches!(self.aud, Some(Audience::Many(_))) {
            return Err(VerifyError::InvalidClaim { path: "aud".into() });
        }
        let wallet = crate::claims::user_id(&[self.sub.as_deref()], "sub")?;
        let mut identity = Identity::new(
            ProviderId::THIRDWEB,
            wallet.clone(),
            crate::claims::expiry(self.exp)?,
        );
        identity.issued_at = self.iat.map(|d| d.0);
        identity.wallets = vec![Wallet::new(Some("evm"), Some(&wallet), None)];
        Ok(identity)
    }
}

/// The admin wallet's EIP-191 signature over the payload.
#[derive(Debug)]
pub struct ThirdwebSignature {
    admin: [u8; 20],
}

impl SignatureScheme for ThirdwebSignature {
    fn verify_compact(&self, token: &UnverifiedToken<'_>) -> Result<(), VerifyError> {
        let header = token.signing_input().split('.').next().unwrap_or_default();
        if header != HEADER_SEGMENT {
            return Err(Malformed::Json(Part::Header).into());
        }
        let text = URL_SAFE_NO_PAD
            .decode(token.signature())
            .map_err(|_| Malformed::Base64(Part::Signature))?;
        let text = std::str::from_utf8(&text).map_err(|_| Malformed::Base64(Part::Signature))?;
        let signature =
            EvmSignature::from_hex(text).map_err(|_| Malformed::Base64(Part::Signature))?;
        let signer = recover_eip191(token.payload(), signature.as_bytes())
            .map_err(|_| VerifyError::InvalidSignature)?;
        if signer != self.admin {
            return Err(VerifyError::InvalidSignature);
        }
        Ok(())
    }
}

impl Policy {
    /// thirdweb Auth: tokens signed by `admin_address` (the app's wallet; `iss` must be it, in
    /// its configured, lower-case or EIP-55 spelling), `aud` = `domain`, `exp`, `nbf` and `iat`
    /// checked.
    pub fn thirdweb(admin_address: &str, domain: impl Into<String>) -> Result<Self, PolicyError> {
        let admin =
            parse_address(admin_address).ok_or(PolicyError::Empty("thirdweb.admin_address"))?;
        let domain = crate::policy::required_setting(domain.into(), "thirdweb.domain")?;
        let mut issuers = vec![admin_address.to_owned()];
        for spelling in [admin_address.to_ascii_lowercase(), eip55(&admin)] {
            if !issuers.contains(&spelling) {
                issuers.push(spelling);
            }
        }
        Ok(Policy::with_fixed_algorithms::<ThirdwebClaims>(
            ProviderId::THIRDWEB,
            &[Algorithm::ES256],
        )
        .with_issuers(issuers)?
        .with_audiences([domain])
        .with_iat_required(true)
        .with_signature_scheme(Arc::new(ThirdwebSignature { admin })))
    }
}

/// A description when a token looks like thirdweb's (the `iss` is a wallet address).
pub fn recognise(iss: Option<&str>, _cty: Option<&str>) -> Option<String> {
    iss.and_then(parse_address)
        .map(|_| "iss is a wallet address: a thirdweb Auth token".to_owned())
}
