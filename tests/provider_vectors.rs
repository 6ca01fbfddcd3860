//! Providers whose tokens are not plain JWTs, on the real tokens their vendors publish.
//!
//! - Magic: the official admin SDK's test tokens, magiclabs/magic-admin-js @
//!   6578a1ab24e21d0b97790650a97fc22ddda49912, `test/lib/constants.ts` with the outcomes of
//!   `test/spec/modules/token/validate.spec.ts` (copied as data into
//!   `tests/vectors/magic_admin_js.json`). Their tests read the real clock; `now` is pinned here.
//! - Turnkey: the session JWT of tkhq/sdk @ aaede6f31d9afd414d6f63a4c4195ee749727d60,
//!   `packages/crypto/src/__tests__/crypto-test.ts` (lines 452–462), also in tkhq/go-sdk
//!   `pkg/crypto/jwt_test.go` @ c663b21ff0af53d21bf4ff33a5c31df15d0355c4
//!   (`tests/vectors/turnkey_session_jwt.json`). Signed by the production notarizer key; its `s`
//!   is high, which ECDSA verification accepts.
//!
//! Tokens signed here (thirdweb, which publishes none, and bad input) are in `non_jwt_tokens.rs`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod non_jwt_support;

use std::sync::Arc;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use non_jwt_support::{magic, vectors};
use serde_json::Value;
use wallet_auth::claims::providers::turnkey::NOTARIZER_PUBLIC_KEY;
use wallet_auth::claims::{Policy, TurnkeyClaims, VerifyError, VerifyingKey, verify};
use wallet_auth::layer::{KeySource, Verifier};

fn magic_token(name: &str) -> (String, Value) {
    let all = vectors("magic_admin_js.json");
    let t = all["tokens"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == name)
        .unwrap();
    (
        t["token"].as_str().unwrap().to_owned(),
        t["decoded_claim"].clone(),
    )
}

/// 2023-11-14: after every `iat` of the official tokens, before `VALID_DIDT`'s `ext`.
const MAGIC_NOW: i64 = 1_700_000_000;

#[test]
fn magic_official_valid_token() {
    let (token, claim) = magic_token("VALID_DIDT");
    let aud = claim["aud"].as_str().unwrap();
    let c = magic(aud, &token, MAGIC_NOW).unwrap();
    assert_eq!(c.iss.as_deref(), claim["iss"].as_str());
    assert_eq!(c.sub.as_deref(), claim["sub"].as_str());
    let v = Policy::magic(aud)
        .unwrap()
        .verify_opaque_any(&token, MAGIC_NOW)
        .unwrap();
    // The user is the issuer the proof recovers to, not the self-asserted `sub`.
    assert_eq!(v.identity.user_id, claim["iss"].as_str().unwrap());
    assert_eq!(
        v.identity.wallets[0].address.as_deref(),
        Some("0xB2ec9b61699762491b6542278E9dFEC9050f8089")
    );
}

#[test]
fn magic_official_token_for_another_client_is_refused() {
    // The SDK: ERROR_AUDIENCE_MISMATCH.
    let (token, _) = magic_token("VALID_DIDT");
    let err = magic("different", &token, MAGIC_NOW).unwrap_err();
    assert!(
        matches!(&err, VerifyError::WrongAudience { expected, .. } if expected == "\"different\""),
        "{err:?}"
    );
}

#[test]
fn magic_official_attachment_token_with_float_ext_and_no_padding() {
    // The SDK: valid (with its attachment, which we do not check: `add` is kept, unchecked).
    let (token, claim) = magic_token("VALID_ATTACHMENT_DIDT");
    assert!(!token.ends_with('='), "the official token has no padding");
    let c = magic(claim["aud"].as_str().unwrap(), &token, MAGIC_NOW).unwrap();
    assert!(c.ext.as_ref().unwrap().as_f64().unwrap() > 1e21);
    let identity = wallet_auth::claims::ProviderClaims::identity(&c).unwrap();
    assert_eq!(identity.expires_at, i64::MAX);
}

#[test]
fn magic_official_refusals() {
    // INVALID_SIGNER_DIDT: the SDK says ERROR_INCORRECT_SIGNER_ADDR; its `iss` is
    // `"did:ethr:0x000…"` with literal quotes, which is no did:ethr address at all here.
    let (token, claim) = magic_token("INVALID_SIGNER_DIDT");
    let err = magic(claim["aud"].as_str().unwrap(), &token, MAGIC_NOW).unwrap_err();
    assert!(
        matches!(&err, VerifyError::WrongIssuer { found: Some(f), .. } if f.starts_with("\"did:ethr:0x0000")),
        "{err:?}"
    );
    // EXPIRED_DIDT: ERROR_DIDT_EXPIRED.
    let (token, claim) = magic_token("EXPIRED_DIDT");
    let err = magic(claim["aud"].as_str().unwrap(), &token, MAGIC_NOW).unwrap_err();
    assert!(
        matches!(
            err,
            VerifyError::Expired {
                exp: 1_585_010_836,
                ..
            }
        ),
        "{err:?}"
    );
    // VALID_FUTURE_MARKED_DIDT: ERROR_DIDT_CANNOT_BE_USED_YET (nbf 1907314582, minus Magic's
    // 300 s).
    let (token, claim) = magic_token("VALID_FUTURE_MARKED_DIDT");
    let err = magic(claim["aud"].as_str().unwrap(), &token, MAGIC_NOW).unwrap_err();
    assert!(
        matches!(
            err,
            VerifyError::NotYetValid {
                nbf: 1_907_314_282,
                ..
            }
        ),
        "{err:?}"
    );
    // ... and accepted once within 300 s (plus the leeway) of its nbf.
    magic(claim["aud"].as_str().unwrap(), &token, 1_907_314_582 - 300).unwrap();
    // VALID_DIDT_WITH_INVALID_RECOVERY_BIT: ERROR_FAILED_RECOVERING_PROOF.
    let (token, claim) = magic_token("VALID_DIDT_WITH_INVALID_RECOVERY_BIT");
    let err = magic(claim["aud"].as_str().unwrap(), &token, MAGIC_NOW).unwrap_err();
    assert_eq!(err, VerifyError::InvalidSignature);
    // INVALID_DIDT_MALFORMED_CLAIM: ERROR_MALFORMED_TOKEN (its claim is JSON without any of
    // Magic's members); refused here before the signature, for want of `iss`.
    let (token, _) = magic_token("INVALID_DIDT_MALFORMED_CLAIM");
    let err = magic("did:magic:any", &token, MAGIC_NOW).unwrap_err();
    assert_eq!(err, VerifyError::MissingClaim("iss"));
}

fn turnkey_vector() -> (String, Value) {
    let v = vectors("turnkey_session_jwt.json");
    let t = &v["tokens"][0];
    (
        t["token"].as_str().unwrap().to_owned(),
        t["decoded_claims"].clone(),
    )
}

/// Before the published token's `exp` (2025-06-02T15:07:17Z).
const TURNKEY_NOW: i64 = 1_748_876_000;

#[test]
fn turnkey_published_session_jwt() {
    let (token, claims) = turnkey_vector();
    let org = claims["organization_id"].as_str().unwrap();
    let policy = Policy::turnkey([org], NOTARIZER_PUBLIC_KEY).unwrap();
    let unused = VerifyingKey::hmac(b"unused: the scheme holds its key").unwrap();
    let v = verify::<TurnkeyClaims, _>(&token, &policy, |_, _| Ok(&unused), TURNKEY_NOW).unwrap();
    assert_eq!(v.identity.user_id, claims["user_id"].as_str().unwrap());
    assert_eq!(
        v.claims.session_type.as_deref(),
        Some("SESSION_TYPE_READ_WRITE")
    );
    // Expired in real time: refused after its exp.
    let err =
        verify::<TurnkeyClaims, _>(&token, &policy, |_, _| Ok(&unused), 1_748_877_000).unwrap_err();
    assert!(
        matches!(
            err,
            VerifyError::Expired {
                exp: 1_748_876_837,
                ..
            }
        ),
        "{err:?}"
    );
    // Another organization list: refused with the organization named.
    let policy = Policy::turnkey(["someone-else"], NOTARIZER_PUBLIC_KEY).unwrap();
    let err =
        verify::<TurnkeyClaims, _>(&token, &policy, |_, _| Ok(&unused), TURNKEY_NOW).unwrap_err();
    assert_eq!(
        err,
        VerifyError::ClaimNotAccepted {
            claim: "organization_id".into(),
            found: Some(org.into())
        }
    );
}

#[test]
fn turnkey_token_is_not_plain_es256() {
    let (token, _) = turnkey_vector();
    let key_bytes: Vec<u8> = (0..NOTARIZER_PUBLIC_KEY.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&NOTARIZER_PUBLIC_KEY[i..i + 2], 16).unwrap())
        .collect();
    let key = VerifyingKey::ec_from_bytes(wallet_auth::claims::EcCurve::P256, &key_bytes).unwrap();
    // The real token does not verify as standard ES256 with the same key...
    let plain =
        Policy::new::<TurnkeyClaims>("plain", &[wallet_auth::claims::Algorithm::ES256]).unwrap();
    let err = verify::<TurnkeyClaims, _>(&token, &plain, |_, _| Ok(&key), TURNKEY_NOW).unwrap_err();
    assert_eq!(err, VerifyError::InvalidSignature);
    // ... and a standard ES256 signature over it is refused by the Turnkey policy.
    let pair = aws_lc_rs::signature::EcdsaKeyPair::generate(
        &aws_lc_rs::signature::ECDSA_P256_SHA256_FIXED_SIGNING,
    )
    .unwrap();
    let public = aws_lc_rs::signature::KeyPair::public_key(&pair)
        .as_ref()
        .to_vec();
    let hex: String = public.iter().map(|b| format!("{b:02x}")).collect();
    let input = token.rsplit_once('.').unwrap().0;
    let sig = pair
        .sign(&aws_lc_rs::rand::SystemRandom::new(), input.as_bytes())
        .unwrap();
    let plain_token = format!("{input}.{}", URL_SAFE_NO_PAD.encode(sig.as_ref()));
    let org = turnkey_vector().1["organization_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let policy = Policy::turnkey([org.as_str()], &hex).unwrap();
    let unused = VerifyingKey::hmac(b"unused").unwrap();
    let err = verify::<TurnkeyClaims, _>(&plain_token, &policy, |_, _| Ok(&unused), TURNKEY_NOW)
        .unwrap_err();
    assert_eq!(err, VerifyError::InvalidSignature);
    // The same key, signing SHA-256 of the input the Turnkey way, is accepted.
    let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, input.as_bytes());
    let sig = pair
        .sign(&aws_lc_rs::rand::SystemRandom::new(), digest.as_ref())
        .unwrap();
    let turnkey_token = format!("{input}.{}", URL_SAFE_NO_PAD.encode(sig.as_ref()));
    verify::<TurnkeyClaims, _>(&turnkey_token, &policy, |_, _| Ok(&unused), TURNKEY_NOW).unwrap();
}

#[tokio::test]
async fn turnkey_and_para_share_issuerless_tokens_by_routing_member() {
    let (token, claims) = turnkey_vector();
    let org = claims["organization_id"].as_str().unwrap();
    let v = Verifier::builder()
        .provider(
            Policy::para(),
            KeySource::Static(Arc::new(VerifyingKey::hmac(b"k").unwrap())),
        )
        .provider(
            Policy::turnkey([org], NOTARIZER_PUBLIC_KEY).unwrap(),
            KeySource::InScheme,
        )
        .build()
        .unwrap();
    let auth = v.verify_at(&token, TURNKEY_NOW).await.unwrap();
    assert_eq!(auth.provider().as_str(), "turnkey");
}
