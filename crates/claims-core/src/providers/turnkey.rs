//! Turnkey (turnkey.com): session JWTs signed by Turnkey's notarizer.
//!
//! The header says ES256, but the signature (raw `r ‖ s`) is P-256 ECDSA over
//! **SHA-256(SHA-256(header.payload))**: a standard ES256 check fails on real tokens, and a
//! standard ES256 signature over the same token is refused here. The key is Turnkey's
//! notarizer key ([`NOTARIZER_PUBLIC_KEY`]; no `kid`, no key set). Tokens carry no `iss` and no
//! `aud`: every Turnkey customer's token verifies with the same key, so the policy requires
//! `organization_id` to be one of the sub-organizations that are yours. Issuer-less tokens that
//! carry `organization_id` are routed here.

use std::sync::Arc;

use serde::Serialize;

use crate::claims::{Extra, NumericDate, ProviderClaims, Registered};
use crate::verifying_key::{EcCurve, SignatureKey, VerifyingKey};
use crate::{
    Algorithm, ClaimsDeserialize, Identity, Policy, PolicyError, ProviderId, SignatureScheme,
    UnverifiedToken, VerifyError,
};

/// Turnkey's production notarizer public key (uncompressed P-256, hex), from Turnkey's SDK
/// (`tkhq/sdk`, `packages/crypto/src/constants.ts`).
pub const NOTARIZER_PUBLIC_KEY: &str = "04d498aa87ac3bf982ac2b5dd9604d0074905cfbda5d62727c5a237b895e6749205e9f7cd566909c4387f6ca25c308445c60884b788560b785f4a96ac33702a469";

/// The member that routes issuer-less tokens to Turnkey.
pub const ROUTING_MEMBER: &str = "organization_id";

/// The claims of a Turnkey session JWT.
///
/// ```
/// use claims_core::{ProviderClaims, TurnkeyClaims};
/// let c: TurnkeyClaims = serde_json::from_str(r#"{"exp":1900000000,"public_key":"02ab",
///   "session_type":"SESSION_TYPE_READ_WRITE","user_id":"u-1","organization_id":"org-1"}"#).unwrap();
/// assert_eq!(c.identity().unwrap().user_id, "u-1");
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, ClaimsDeserialize)]
pub struct TurnkeyClaims {
    /// `exp`
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exp: Option<NumericDate>,
    /// `public_key`: the session's compressed P-256 key (hex).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub public_key: Option<Box<str>>,
    /// `session_type`: `SESSION_TYPE_READ_WRITE` or `SESSION_TYPE_READ_ONLY`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session_type: Option<Box<str>>,
    /// `user_id`: the Turnkey user.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<Box<str>>,
    /// `organization_id`: the (sub-)organization the session belongs to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organization_id: Option<Box<str>>,
    /// Members not modelled above (`session_profile_id`, `scope`, …).
    #[serde(flatten)]
    pub extra: Extra,
}

impl ProviderClaims for TurnkeyClaims {
    fn registered(&self) -> Registered<'_> {
        Registered {
            iss: None,
            sub: None,
            aud: None,
            exp: self.exp,
            nbf: None,
            iat: None,
        }
    }

    fn extra(&self) -> &Extra {
        &self.extra
    }

    fn identity(&self) -> Result<Identity, VerifyError> {
        Ok(Identity::new(
            ProviderId::TURNKEY,
            crate::claims::user_id(&[self.user_id.as_deref()], "user_id")?,
            crate::claims::expiry(self.exp)?,
        ))
    }
}

/// P-256 over SHA-256(SHA-256(signing input)) with the notarizer key.
#[derive(Debug)]
pub struct TurnkeySignature {
    key: VerifyingKey,
}

impl TurnkeySignature {
    /// The scheme with a notarizer key (uncompressed P-256, hex).
    pub fn new(notarizer_public_key_hex: &str) -> Result<Self, PolicyError> {
        let digits = notarizer_public_key_hex
            .strip_prefix("0x")
            .unwrap_or(notarizer_public_key_hex);
        let bytes = hex::decode(digits)
            .map_err(|_| PolicyError::Empty("a P-256 public key (hex, uncompressed)"))?;
        VerifyingKey::ec_from_bytes(EcCurve::P256, &bytes)
            .map(|key| TurnkeySignature { key })
            .map_err(|_| PolicyError::Empty("a P-256 public key (hex, uncompressed)"))
    }
}

impl SignatureScheme for TurnkeySignature {
    fn verify_compact(&self, token: &UnverifiedToken<'_>) -> Result<(), VerifyError> {
        let once =
            aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, token.signing_input().as_bytes());
        // ES256 hashes once more: the signature covers SHA-256(SHA-256(input)).
        self.key
            .verify_signature(Algorithm::ES256, once.as_ref(), token.signature())
    }
}

impl Policy {
    /// Turnkey: ES256 header, double-SHA-256 signature by `notarizer_public_key_hex` (use
    /// [`NOTARIZER_PUBLIC_KEY`]), `organization_id` one of `organization_ids` (required, non-empty:
    /// the token has no audience), `exp` required.
    pub fn turnkey<I, S>(
        organization_ids: I,
        notarizer_public_key_hex: &str,
    ) -> Result<Self, PolicyError>
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let scheme = TurnkeySignature::new(notarizer_public_key_hex)?;
        Policy::with_fixed_algorithms::<TurnkeyClaims>(ProviderId::TURNKEY, &[Algorithm::ES256])
            .with_routing_member(ROUTING_MEMBER)?
            .with_claim_values(ROUTING_MEMBER, organization_ids)
            .map_err(|_| PolicyError::Empty("turnkey.organization_ids"))
            .map(|p| p.with_signature_scheme(Arc::new(scheme)))
    }
}

/// A description when a token looks like Turnkey's (no `iss`, `organization_id` present).
pub fn recognise_payload(payload: &serde_json::Map<String, serde_json::Value>) -> Option<String> {
    (payload.get("iss").is_none() && payload.get(ROUTING_MEMBER).is_some())
        .then(|| "no iss, organization_id present: a Turnkey session".to_owned())
}
