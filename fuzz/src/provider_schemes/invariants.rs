//! The checks of the `provider_schemes` target (the parent module's documentation lists the
//! invariants): each provider's tokens verified through claims-core's public API at the pinned
//! time and, when the target's own check finds the signature good, at the edges of the validity
//! window, every result held against the target's own reading of the token. Magic ([`magic`])
//! through [`split_did_token`] and [`Policy::verify_opaque_any`]; thirdweb ([`thirdweb`]) and
//! Turnkey ([`turnkey`]) through [`verify`].

use base64::Engine as _;
use base64::alphabet;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use claims_core::providers::magic::split_did_token;
use claims_core::providers::thirdweb::HEADER_SEGMENT;
use claims_core::{
    Identity, MagicClaims, Policy, ProviderId, ThirdwebClaims, TurnkeyClaims, VerifyError,
    check_validity_window, verify,
};
use serde_json::{Map, Value};
use signin_core::evm_signature::parse_address;
use signin_core::{EvmSignature, eip55, recover_eip191};

use super::{
    MAGIC_NBF_ALLOWANCE, MAGIC_NOW, TEST_ADDRESS, THIRDWEB_DOMAIN, THIRDWEB_NOW, TURNKEY_NOW,
    TURNKEY_ORG, check_error, leeway_of, numeric_date, saturating_seconds, times, world,
};

// ---------------------------------------------------------------------------------------------
// Magic

/// Padding optional, trailing bits allowed: how the library documents Magic's decoding.
const LENIENT: GeneralPurposeConfig = GeneralPurposeConfig::new()
    .with_decode_padding_mode(DecodePaddingMode::Indifferent)
    .with_decode_allow_trailing_bits(true);
const LENIENT_STANDARD: GeneralPurpose = GeneralPurpose::new(&alphabet::STANDARD, LENIENT);
const LENIENT_URL_SAFE: GeneralPurpose = GeneralPurpose::new(&alphabet::URL_SAFE, LENIENT);

/// A DID token taken apart by the target: base64 in either alphabet of a JSON array of exactly
/// two strings.
fn own_split(token: &str) -> Option<(String, String)> {
    let bytes = LENIENT_STANDARD
        .decode(token)
        .or_else(|_| LENIENT_URL_SAFE.decode(token))
        .ok()?;
    match serde_json::from_slice::<Value>(&bytes).ok()? {
        Value::Array(items) => match <[Value; 2]>::try_from(items).ok()? {
            [Value::String(proof), Value::String(claim)] => Some((proof, claim)),
            _ => None,
        },
        _ => None,
    }
}

/// A claim whose proof the target found good: the claim object and the signer.
struct SignedClaim {
    claim: Map<String, Value>,
    signer: [u8; 20],
}

/// The target's own proof check: `0x` hex of 65 bytes, `v` 27 or 28, recovering over the claim's
/// exact bytes to the address of its `iss`.
fn own_proof_check(proof: &str, claim_text: &str) -> Option<SignedClaim> {
    let sig = EvmSignature::from_hex(proof).ok()?;
    let bytes = sig.as_bytes();
    if bytes.len() != 65 || !matches!(bytes.get(64), Some(27 | 28)) {
        return None;
    }
    let signer = recover_eip191(claim_text.as_bytes(), bytes).ok()?;
    let Value::Object(claim) = serde_json::from_str::<Value>(claim_text).ok()? else {
        return None;
    };
    let address = magic_issuer_address(claim.get("iss")?.as_str()?)?;
    (address == signer).then_some(SignedClaim { claim, signer })
}

/// The address of `did:ethr:0x…` (prefix in any case).
fn magic_issuer_address(iss: &str) -> Option<[u8; 20]> {
    const PREFIX: &str = "did:ethr:";
    let (prefix, rest) = (iss.get(..PREFIX.len())?, iss.get(PREFIX.len()..)?);
    if !prefix.eq_ignore_ascii_case(PREFIX) {
        return None;
    }
    parse_address(rest)
}

/// Mode 0 and 3: split, verify under every client id at [`MAGIC_NOW`], and under the first at
/// other times when the proof is good.
pub(super) fn magic(token: &str) -> Result<Identity, VerifyError> {
    let w = world();
    let split = split_did_token(token);
    let own = own_split(token);
    match &split {
        Ok(parts) => assert_eq!(Some(parts), own.as_ref(), "split_did_token"),
        Err(e) => {
            assert_eq!(own, None, "split_did_token refused a DID token: {e:?}");
            assert!(matches!(e, VerifyError::Malformed(_)), "{e:?}");
            check_error(e, false);
        }
    }
    let signed = own.and_then(|(proof, claim)| own_proof_check(&proof, &claim));
    let mut pinned = None;
    for (client, policy) in &w.magic {
        let result = magic_once(policy, client, token, signed.as_ref(), MAGIC_NOW);
        if pinned
            .as_ref()
            .is_none_or(|p: &Result<_, _>| p.is_err() && result.is_ok())
        {
            pinned = Some(result);
        }
    }
    if let (Some(s), Some((client, policy))) = (&signed, w.magic.first())
        && token.len() <= policy.max_token_bytes()
    {
        let secs = |name: &str| {
            s.claim
                .get(name)
                .and_then(Value::as_number)
                .map(saturating_seconds)
        };
        let closes: Vec<i64> = secs("ext").into_iter().collect();
        let opens: Vec<i64> = [
            secs("nbf").map(|n| n.saturating_sub(MAGIC_NBF_ALLOWANCE)),
            secs("iat"),
        ]
        .into_iter()
        .flatten()
        .collect();
        for now in times(MAGIC_NOW, leeway_of(policy), &closes, &opens) {
            let _ = magic_once(policy, client, token, Some(s), now);
        }
    }
    pinned.unwrap_or_else(|| unreachable!("at least one Magic policy"))
}

fn magic_once(
    policy: &Policy,
    client: &str,
    token: &str,
    signed: Option<&SignedClaim>,
    now: i64,
) -> Result<Identity, VerifyError> {
    let result = policy.verify_opaque_any(token, now);
    let cap = policy.max_token_bytes();
    if token.len() > cap {
        assert_eq!(
            result.as_ref().err(),
            Some(&VerifyError::TokenTooLarge { max: cap })
        );
    }
    match result {
        Ok(verified) => {
            let s = signed.unwrap_or_else(|| panic!("accepted without a good proof at {now}"));
            assert_eq!(verified.claims.provider(), &ProviderId::MAGIC);
            assert!(
                verified.claims.get::<MagicClaims>().is_some(),
                "not MagicClaims"
            );
            magic_accepted(policy, client, s, &verified.identity, now);
            Ok(verified.identity)
        }
        Err(e) => {
            check_error(&e, signed.is_some());
            if signed.is_none() {
                assert!(
                    !matches!(
                        e,
                        VerifyError::Expired { .. }
                            | VerifyError::NotYetValid { .. }
                            | VerifyError::IssuedInFuture { .. }
                            | VerifyError::WrongAudience { .. }
                    ),
                    "claims checked before the proof: {e:?}"
                );
            }
            Err(e)
        }
    }
}

/// Everything an accepted Magic token satisfies.
#[allow(clippy::expect_used)]
fn magic_accepted(policy: &Policy, client: &str, s: &SignedClaim, identity: &Identity, now: i64) {
    let c = &s.claim;
    assert_eq!(
        c.get("aud"),
        Some(&Value::from(client)),
        "aud is not the client id"
    );
    let seconds = |name: &str| {
        c.get(name)
            .map(|v| saturating_seconds(v.as_number().expect("a time is a number")))
    };
    let ext = seconds("ext").expect("ext is required");
    let nbf = seconds("nbf").map(|n| n.saturating_sub(MAGIC_NBF_ALLOWANCE));
    check_validity_window(ext, nbf, policy.leeway(), now).expect("accepted outside its window");
    let iat = seconds("iat").expect("iat is required");
    assert!(
        iat <= now.saturating_add(leeway_of(policy)),
        "iat after now"
    );
    let sub = c
        .get("sub")
        .and_then(Value::as_str)
        .expect("sub is a string");
    assert!(
        c.get("tid").is_some_and(|t| !t.is_null()),
        "tid is required"
    );

    assert_eq!(identity.provider, ProviderId::MAGIC);
    // The user is the issuer the proof recovers to; `sub` is the signer's word.
    assert_eq!(
        Some(identity.user_id.as_str()),
        c.get("iss").and_then(Value::as_str)
    );
    assert!(!sub.is_empty());
    assert_eq!(identity.expires_at, ext);
    assert_eq!(identity.issued_at, Some(iat));
    let signer = eip55(&s.signer);
    assert!(
        matches!(identity.wallets.as_slice(), [w] if w.chain.as_deref() == Some("evm")
            && w.address.as_deref() == Some(signer.as_str())),
        "{:?}",
        identity.wallets
    );
}

// ---------------------------------------------------------------------------------------------
// thirdweb

/// The target's own thirdweb signature check: three segments, base64url payload, a signature
/// segment that is base64url of `0x` hex recovering over the decoded payload to the admin.
fn own_thirdweb_check(token: &str) -> Option<Map<String, Value>> {
    let mut parts = token.split('.');
    let (Some(_), Some(payload), Some(signature), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return None;
    };
    let payload = URL_SAFE_NO_PAD.decode(payload).ok()?;
    let text = URL_SAFE_NO_PAD.decode(signature).ok()?;
    let sig = EvmSignature::from_hex(std::str::from_utf8(&text).ok()?).ok()?;
    if recover_eip191(&payload, sig.as_bytes()).ok()? != world().admin {
        return None;
    }
    match serde_json::from_slice(&payload) {
        Ok(Value::Object(claims)) => Some(claims),
        _ => Some(Map::new()),
    }
}

pub(super) fn thirdweb(token: &str) -> Result<Identity, VerifyError> {
    let w = world();
    let signed = own_thirdweb_check(token);
    let pinned = thirdweb_once(token, signed.as_ref(), THIRDWEB_NOW);
    if let Some(claims) = &signed
        && token.len() <= w.thirdweb.max_token_bytes()
    {
        let closes: Vec<i64> = numeric_date(claims.get("exp")).into_iter().collect();
        let opens: Vec<i64> = [
            numeric_date(claims.get("nbf")),
            numeric_date(claims.get("iat")),
        ]
        .into_iter()
        .flatten()
        .collect();
        for now in times(THIRDWEB_NOW, leeway_of(&w.thirdweb), &closes, &opens) {
            let _ = thirdweb_once(token, signed.as_ref(), now);
        }
    }
    pinned
}

#[allow(clippy::expect_used)]
fn thirdweb_once(
    token: &str,
    signed: Option<&Map<String, Value>>,
    now: i64,
) -> Result<Identity, VerifyError> {
    let w = world();
    let policy = &w.thirdweb;
    let result = verify::<ThirdwebClaims, _>(token, policy, |_, _| Ok(&w.unused_key), now);
    let cap = policy.max_token_bytes();
    if token.len() > cap {
        assert_eq!(
            result.as_ref().err(),
            Some(&VerifyError::TokenTooLarge { max: cap })
        );
    }
    match result {
        Ok(verified) => {
            assert_eq!(
                token.split('.').next(),
                Some(HEADER_SEGMENT),
                "accepted with another header"
            );
            let c = signed.unwrap_or_else(|| panic!("accepted without the admin's signature"));
            let iss = c
                .get("iss")
                .and_then(Value::as_str)
                .expect("iss is a string");
            assert!(iss.eq_ignore_ascii_case(TEST_ADDRESS), "iss {iss}");
            assert_eq!(
                c.get("aud"),
                Some(&Value::from(THIRDWEB_DOMAIN)),
                "aud is not the domain"
            );
            let exp = numeric_date(c.get("exp")).expect("exp is required");
            let nbf = numeric_date(c.get("nbf"));
            check_validity_window(exp, nbf, policy.leeway(), now)
                .expect("accepted outside its window");
            let iat = numeric_date(c.get("iat")).expect("iat is required");
            assert!(
                iat <= now.saturating_add(leeway_of(policy)),
                "iat after now"
            );
            let id = &verified.identity;
            assert_eq!(id.provider, ProviderId::THIRDWEB);
            assert_eq!(
                Some(id.user_id.as_str()),
                c.get("sub").and_then(Value::as_str)
            );
            assert!(!id.user_id.is_empty());
            assert_eq!(id.expires_at, exp);
            assert_eq!(verified.claims.sub.as_deref(), Some(id.user_id.as_str()));
            Ok(verified.identity)
        }
        Err(e) => {
            check_error(&e, signed.is_some());
            Err(e)
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Turnkey

/// The target's own Turnkey signature check (aws-lc-rs: ECDSA P-256 with SHA-256 over
/// SHA-256(signing input), fixed-size `r ‖ s`), and the decoded header and payload.
fn own_turnkey_check(token: &str) -> Option<(Value, Map<String, Value>)> {
    use aws_lc_rs::digest::{SHA256, digest};
    use aws_lc_rs::signature::{ECDSA_P256_SHA256_FIXED, UnparsedPublicKey};
    let mut parts = token.split('.');
    let (Some(header), Some(payload), Some(signature), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return None;
    };
    let signing_input = token.get(..header.len() + 1 + payload.len())?;
    let signature = URL_SAFE_NO_PAD.decode(signature).ok()?;
    let once = digest(&SHA256, signing_input.as_bytes());
    UnparsedPublicKey::new(&ECDSA_P256_SHA256_FIXED, &world().notarizer)
        .verify(once.as_ref(), &signature)
        .ok()?;
    let header = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(header).ok()?).ok()?;
    match serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).ok()?).ok()? {
        Value::Object(claims) => Some((header, claims)),
        _ => Some((header, Map::new())),
    }
}

pub(super) fn turnkey(token: &str) -> Result<Identity, VerifyError> {
    let w = world();
    let signed = own_turnkey_check(token);
    let pinned = turnkey_once(token, signed.as_ref(), TURNKEY_NOW);
    if let Some((_, claims)) = &signed
        && token.len() <= w.turnkey.max_token_bytes()
    {
        let closes: Vec<i64> = numeric_date(claims.get("exp")).into_iter().collect();
        for now in times(TURNKEY_NOW, leeway_of(&w.turnkey), &closes, &[]) {
            let _ = turnkey_once(token, signed.as_ref(), now);
        }
    }
    pinned
}

#[allow(clippy::expect_used)]
fn turnkey_once(
    token: &str,
    signed: Option<&(Value, Map<String, Value>)>,
    now: i64,
) -> Result<Identity, VerifyError> {
    let w = world();
    let policy = &w.turnkey;
    let result = verify::<TurnkeyClaims, _>(token, policy, |_, _| Ok(&w.unused_key), now);
    let cap = policy.max_token_bytes();
    if token.len() > cap {
        assert_eq!(
            result.as_ref().err(),
            Some(&VerifyError::TokenTooLarge { max: cap })
        );
    }
    match result {
        Ok(verified) => {
            let (header, c) =
                signed.unwrap_or_else(|| panic!("accepted without the notarizer's signature"));
            assert_eq!(header.get("alg"), Some(&Value::from("ES256")));
            assert_eq!(c.get("organization_id"), Some(&Value::from(TURNKEY_ORG)));
            let exp = numeric_date(c.get("exp")).expect("exp is required");
            check_validity_window(exp, None, policy.leeway(), now).expect("accepted after exp");
            let id = &verified.identity;
            assert_eq!(id.provider, ProviderId::TURNKEY);
            assert_eq!(
                Some(id.user_id.as_str()),
                c.get("user_id").and_then(Value::as_str)
            );
            assert!(!id.user_id.is_empty());
            assert_eq!(id.expires_at, exp);
            Ok(verified.identity)
        }
        Err(e) => {
            check_error(&e, signed.is_some());
            Err(e)
        }
    }
}
