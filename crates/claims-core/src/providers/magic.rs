//! Magic (magic.link): DID tokens.
//!
//! Not a JWT: `base64(JSON [proof, claim])`, standard or URL-safe alphabet, padding optional,
//! where `claim` is a JSON **string** (itself a JSON object) and `proof` the `0x`-hex 65-byte
//! EIP-191 (`personal_sign`) signature of that string, exactly as it appears (never
//! re-serialised), by the user's wallet whose address is in `iss` (`did:ethr:0x…`, compared
//! case-insensitively); `v` must be 27 or 28. Magic's own SDK then checks `ext` (expiry) and
//! `nbf` with a 300-second leeway, and the audience (`aud`, your client id) when it knows it; here
//! `aud` is always checked.
//!
//! The token names no provider key: the signature proves control of the key of the address in
//! `iss`, nothing more. Anyone can make a key and sign a claim with your (public) client id and
//! any `sub`, so the user is **`iss`** (the `did:ethr` DID, Magic's "issuer", which its admin API
//! looks users up by), never the self-asserted `sub`; every other member is chosen by the signer
//! too. To know that the issuer is a Magic user of your app, ask Magic's admin API
//! (`getMetadataByIssuer`) once, when you first see it. Magic does not track `tid`: a stolen token
//! replays until `ext`. Attachments (`add`) are not checked.

use std::sync::Arc;

use base64::Engine as _;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use serde::{Deserialize, Serialize};
use signin_core::evm_signature::{EvmSignature, eip55, parse_address, recover_eip191};

use crate::claims::{Audience, Extra, NumericDate, ProviderClaims, Registered};
use crate::error::{Malformed, Part};
use crate::{
    Algorithm, ClaimsDeserialize, Identity, Policy, PolicyError, ProviderId, SignatureScheme,
    UnverifiedToken, VerifyError, Wallet,
};

/// How early a token may be used before its `nbf`, as Magic's SDK allows (seconds); the policy's
/// clock leeway is added on top.
pub const NBF_LEEWAY_SECS: i64 = 300;

/// The prefix of `iss`.
pub const ISSUER_PREFIX: &str = "did:ethr:";

/// The claims of a Magic DID token.
///
/// ```
/// use claims_core::{MagicClaims, ProviderClaims};
/// let c: MagicClaims = serde_json::from_str(r#"{"iat":1,"ext":1.0000000000016881e+21,"nbf":1,
///   "iss":"did:ethr:0x4B73C58370AEfcEf86A6021afCDe5673511376B2","sub":"user-1",
///   "aud":"did:magic:app","tid":"t-1","add":"0x"}"#).unwrap();
/// let id = c.identity().unwrap();
/// assert_eq!(id.user_id, "did:ethr:0x4B73C58370AEfcEf86A6021afCDe5673511376B2");
/// assert_eq!(id.wallets[0].address.as_deref(), Some("0x4B73C58370AEfcEf86A6021afCDe5673511376B2"));
/// assert_eq!(id.expires_at, i64::MAX);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, ClaimsDeserialize)]
pub struct MagicClaims {
    /// `iat`, in seconds (Magic may send floats; kept as sent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iat: Option<serde_json::Number>,
    /// `ext`: the expiry, in seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ext: Option<serde_json::Number>,
    /// `nbf`, in seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nbf: Option<serde_json::Number>,
    /// `iss`: `did:ethr:0x<the user's wallet address>`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iss: Option<Box<str>>,
    /// `sub`: a user id chosen by the signer (not verified: the user is `iss`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sub: Option<Box<str>>,
    /// `aud`: your client id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aud: Option<Audience>,
    /// `tid`: the token id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tid: Option<Box<str>>,
    /// `add`: the signature of an attachment, when one was signed (not checked).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub add: Option<Box<str>>,
    /// Members not modelled above.
    #[serde(flatten)]
    pub extra: Extra,
}

/// Whole seconds of a time as sent, saturating (`1e21` is `i64::MAX`).
fn seconds(t: Option<&serde_json::Number>) -> Option<NumericDate> {
    t.map(|t| {
        // `as` saturates at the bounds of i64, and a JSON number is never NaN.
        #[allow(clippy::cast_possible_truncation)]
        let floored = t
            .as_i64()
            .unwrap_or_else(|| t.as_f64().map_or(i64::MAX, |f| f.floor() as i64));
        NumericDate(floored)
    })
}

impl MagicClaims {
    /// The wallet address of `iss`, in its EIP-55 form.
    pub fn wallet_address(&self) -> Option<String> {
        issuer_address(self.iss.as_deref()?).map(|a| eip55(&a))
    }
}

impl ProviderClaims for MagicClaims {
    fn registered(&self) -> Registered<'_> {
        Registered {
            iss: self.iss.as_deref(),
            sub: self.sub.as_deref(),
            aud: self.aud.as_ref(),
            exp: seconds(self.ext.as_ref()),
            // Magic allows `nbf` 300 s early.
            nbf: seconds(self.nbf.as_ref())
                .map(|n| NumericDate(n.0.saturating_sub(NBF_LEEWAY_SECS))),
            iat: seconds(self.iat.as_ref()),
        }
    }

    fn extra(&self) -> &Extra {
        &self.extra
    }

    fn identity(&self) -> Result<Identity, VerifyError> {
        // The SDK compares `aud` with one string: a list is refused, never searched.
        if matches!(self.aud, Some(Audience::Many(_))) {
            return Err(VerifyError::InvalidClaim { path: "aud".into() });
        }
        let mut identity = Identity::new(
            ProviderId::MAGIC,
            // `iss`, verified by the signature; `sub` is whatever the signer wrote.
            crate::claims::user_id(&[self.iss.as_deref()], "iss")?,
            seconds(self.ext.as_ref())
                .ok_or(VerifyError::MissingClaim("ext"))?
                .0,
        );
        identity.issued_at = seconds(self.iat.as_ref()).map(|d| d.0);
        let address = self.wallet_address();
        identity.wallets = vec![Wallet::new(Some("evm"), address.as_deref(), None)];
        Ok(identity)
    }
}

/// The address in `did:ethr:0x…` (any case).
fn issuer_address(iss: &str) -> Option<[u8; 20]> {
    let rest = iss.get(..ISSUER_PREFIX.len())?;
    if !rest.eq_ignore_ascii_case(ISSUER_PREFIX) {
        return None;
    }
    parse_address(iss.get(ISSUER_PREFIX.len()..)?)
}

/// `[proof, claim]`: the proof recovers to the address in the claim's `iss`.
#[derive(Debug)]
pub struct MagicSignature;

/// Base64 in either alphabet, padding optional (as Magic's JS SDK decodes).
const LENIENT: GeneralPurposeConfig = GeneralPurposeConfig::new()
    .with_decode_padding_mode(DecodePaddingMode::Indifferent)
    .with_decode_allow_trailing_bits(true);

impl SignatureScheme for MagicSignature {
    fn verify_compact(&self, _token: &UnverifiedToken<'_>) -> Result<(), VerifyError> {
        // A Magic token is never a compact JWS.
        Err(Malformed::SegmentCount.into())
    }

    fn opens_opaque(&self) -> bool {
        true
    }

    fn open(&self, token: &str) -> Result<Vec<u8>, VerifyError> {
        let (proof, claim) = split_did_token(token)?;
        #[derive(Deserialize)]
        struct Issuer {
            iss: Option<String>,
        }
        let issuer: Issuer =
            serde_json::from_str(&claim).map_err(|_| Malformed::Json(Part::Payload))?;
        let iss = issuer.iss.ok_or(VerifyError::MissingClaim("iss"))?;
        let expected = issuer_address(&iss).ok_or_else(|| VerifyError::WrongIssuer {
            found: Some(crate::error::shorten(&iss)),
            expected: "did:ethr:0x<address>".into(),
        })?;
        let proof =
            EvmSignature::from_hex(&proof).map_err(|_| Malformed::Base64(Part::Signature))?;
        if !matches!(proof.as_bytes().get(64), Some(27 | 28)) || proof.as_bytes().len() != 65 {
            return Err(VerifyError::InvalidSignature);
        }
        let signer = recover_eip191(claim.as_bytes(), proof.as_bytes())
            .map_err(|_| VerifyError::InvalidSignature)?;
        if signer != expected {
            return Err(VerifyError::InvalidSignature);
        }
        Ok(claim.into_bytes())
    }
}

/// Take a DID token apart, unverified: `(proof, claim)`, the claim exactly as it was signed.
/// Refuses what is not base64 (either alphabet, padding optional) of a JSON array of two
/// strings.
pub fn split_did_token(token: &str) -> Result<(String, String), VerifyError> {
    let standard = GeneralPurpose::new(&base64::alphabet::STANDARD, LENIENT);
    let url_safe = GeneralPurpose::new(&base64::alphabet::URL_SAFE, LENIENT);
    let bytes = standard
        .decode(token)
        .or_else(|_| url_safe.decode(token))
        .map_err(|_| Malformed::Base64(Part::Payload))?;
    serde_json::from_slice(&bytes).map_err(|_| Malformed::Json(Part::Payload).into())
}

impl Policy {
    /// Magic: DID tokens whose proof recovers to the address in `iss`, `aud` = `client_id`
    /// (required), `ext` in the future, `nbf` at most 300 s (plus the clock leeway) ahead, `iat`,
    /// `tid` and `sub` present.
    pub fn magic(client_id: impl Into<String>) -> Result<Self, PolicyError> {
        let client_id = crate::policy::required_setting(client_id.into(), "magic.client_id")?;
        Ok(
            // The algorithm list is unused (no JOSE header); ES256 stands for "a signature".
            Policy::with_fixed_algorithms::<MagicClaims>(ProviderId::MAGIC, &[Algorithm::ES256])
                .with_audiences([client_id])
                .with_iat_required(true)
                .with_required_claims(["tid", "sub"])
                .with_signature_scheme(Arc::new(MagicSignature)),
        )
    }
}
