//! Tokens that are not plain JWTs, signed in the test with generated keys: thirdweb (which
//! publishes no token: its exact shape, a fixed header and base64url of the `0x` hex of an EIP-191
//! signature by the admin wallet), and Magic DID tokens built to probe bad input.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod non_jwt_support;

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use k256::ecdsa::SigningKey;
use non_jwt_support::{
    address, check, did_token, eip191_hex, magic, magic_claim, random_key, verifier,
};
use serde_json::{Value, json};
use wallet_auth::claims::providers::thirdweb::HEADER_SEGMENT;
use wallet_auth::claims::{Malformed, Part, Policy, VerifyError};
use wallet_auth::layer::AuthError;

#[test]
fn magic_generated_tokens_and_bad_input() {
    let key = random_key();
    let now = 1_800_000_000;
    let claim = magic_claim(&key, now).to_string();
    // Accepted in either alphabet, padded or not; the iss address in lower case too.
    let token = did_token(&key, &claim, None);
    magic("did:magic:app", &token, now).unwrap();
    let url_safe = token.replace('+', "-").replace('/', "_").replace('=', "");
    magic("did:magic:app", &url_safe, now).unwrap();
    let lower = claim.replace(&address(&key), &address(&key).to_lowercase());
    magic("did:magic:app", &did_token(&key, &lower, None), now).unwrap();
    // The claim as signed, never re-serialised: same members, other spacing, still valid...
    let spaced = claim.replace(",", ", ");
    magic("did:magic:app", &did_token(&key, &spaced, None), now).unwrap();
    // ... but a proof over other bytes is not.
    let swapped =
        STANDARD.encode(json!([eip191_hex(&key, claim.as_bytes(), None), spaced]).to_string());
    assert_eq!(
        magic("did:magic:app", &swapped, now).unwrap_err(),
        VerifyError::InvalidSignature
    );
    // Anyone can sign a claim with the client id: the user is the signer's `iss`, whatever `sub`
    // claims.
    let mut c = magic_claim(&key, now);
    c["sub"] = json!("someone-else");
    let v = Policy::magic("did:magic:app")
        .unwrap()
        .verify_opaque_any(&did_token(&key, &c.to_string(), None), now)
        .unwrap();
    assert_eq!(v.identity.user_id, format!("did:ethr:{}", address(&key)));
    // v other than 27/28 (0/1 as some wallets send it) is refused, as Magic's SDK does.
    for v in [0u8, 1, 29] {
        let t = did_token(&key, &claim, Some(v));
        assert_eq!(
            magic("did:magic:app", &t, now).unwrap_err(),
            VerifyError::InvalidSignature,
            "v {v}"
        );
    }
    // Signed by another wallet than iss.
    let other = random_key();
    let forged =
        STANDARD.encode(json!([eip191_hex(&other, claim.as_bytes(), None), claim]).to_string());
    assert_eq!(
        magic("did:magic:app", &forged, now).unwrap_err(),
        VerifyError::InvalidSignature
    );
    // An `aud` list is refused, even one holding the client id (Magic compares one string).
    let mut c = magic_claim(&key, now);
    c["aud"] = json!(["did:magic:app"]);
    let err = magic("did:magic:app", &did_token(&key, &c.to_string(), None), now).unwrap_err();
    assert_eq!(err, VerifyError::InvalidClaim { path: "aud".into() });
    // Missing tid, sub, iat.
    for member in ["tid", "sub"] {
        let mut c = magic_claim(&key, now);
        c.as_object_mut().unwrap().remove(member);
        let err = magic("did:magic:app", &did_token(&key, &c.to_string(), None), now).unwrap_err();
        assert_eq!(err, VerifyError::MissingConfiguredClaim(member.into()));
    }
    let mut c = magic_claim(&key, now);
    c.as_object_mut().unwrap().remove("iat");
    let err = magic("did:magic:app", &did_token(&key, &c.to_string(), None), now).unwrap_err();
    assert_eq!(err, VerifyError::MissingClaim("iat"));
    // Huge and fractional numbers: saturate, never panic.
    for ext in ["1e400", "-1e400"] {
        let c = claim.replace(&format!("\"ext\":{}", now + 900), &format!("\"ext\":{ext}"));
        let err = magic("did:magic:app", &did_token(&key, &c, None), now).unwrap_err();
        assert_eq!(
            err,
            VerifyError::Malformed(Malformed::Json(Part::Payload)),
            "{ext}"
        );
    }
    let c = claim.replace(&format!("\"ext\":{}", now + 900), "\"ext\":-1.5e300");
    let err = magic("did:magic:app", &did_token(&key, &c, None), now).unwrap_err();
    assert!(
        matches!(err, VerifyError::Expired { exp: i64::MIN, .. }),
        "{err:?}"
    );
    // Not base64; not JSON; not a 2-array of strings; the claim not an object.
    let malformed = VerifyError::Malformed(Malformed::Base64(Part::Payload));
    assert_eq!(
        magic("did:magic:app", "not base64!", now).unwrap_err(),
        malformed
    );
    let json_err = VerifyError::Malformed(Malformed::Json(Part::Payload));
    for bad in [
        json!({"proof": "0x", "claim": claim}),
        json!(["0x00", claim, "third"]),
        json!(["0x00"]),
        json!(["0x00", {"iss": "x"}]),
        json!([1, claim]),
        json!(["0x00", "[1,2]"]),
    ] {
        let t = STANDARD.encode(bad.to_string());
        assert_eq!(
            magic("did:magic:app", &t, now).unwrap_err(),
            json_err,
            "{bad}"
        );
    }
    // A proof that is not hex.
    let t = STANDARD.encode(json!(["zz", claim]).to_string());
    assert_eq!(
        magic("did:magic:app", &t, now).unwrap_err(),
        VerifyError::Malformed(Malformed::Base64(Part::Signature))
    );
    // The size cap comes first.
    let huge = "A".repeat(10 * 1024 * 1024);
    assert_eq!(
        magic("did:magic:app", &huge, now).unwrap_err(),
        VerifyError::TokenTooLarge { max: 8192 }
    );
}

/// A thirdweb token: the fixed header, the payload, and base64url of the `0x` hex of the
/// admin's EIP-191 signature over the payload.
fn thirdweb_token(admin: &SigningKey, payload: &Value) -> String {
    let payload = payload.to_string();
    let sig = eip191_hex(admin, payload.as_bytes(), None);
    format!(
        "{HEADER_SEGMENT}.{}.{}",
        URL_SAFE_NO_PAD.encode(&payload),
        URL_SAFE_NO_PAD.encode(sig)
    )
}

fn thirdweb_payload(admin: &SigningKey, now: i64) -> Value {
    json!({"iss": address(admin), "sub": "0xAb8483F64d9C6d1EcF9b849Ae677dD3315835cb2",
        "aud": "example.com", "exp": now + 86_400, "nbf": now - 600, "iat": now,
        "jti": "j-1", "ctx": {}})
}

#[tokio::test]
async fn thirdweb_tokens_signed_by_the_admin() {
    let admin = random_key();
    let now = 1_800_000_000;
    let policy = Policy::thirdweb(&address(&admin).to_lowercase(), "example.com").unwrap();
    let v = verifier(policy).await;
    let token = thirdweb_token(&admin, &thirdweb_payload(&admin, now));
    let auth = v.verify_at(&token, now).await.unwrap();
    assert_eq!(
        auth.identity().user_id,
        "0xAb8483F64d9C6d1EcF9b849Ae677dD3315835cb2"
    );
    assert_eq!(auth.identity().wallets[0].chain.as_deref(), Some("evm"));

    // Signed by another key, iss still the admin: invalid signature.
    let other = random_key();
    let mut p = thirdweb_payload(&admin, now);
    let forged = thirdweb_token(&other, &p);
    assert_eq!(
        check(&v, &forged, now).await.unwrap_err(),
        AuthError::Token(VerifyError::InvalidSignature)
    );
    // Whose admin is another address: routed nowhere.
    let foreign = thirdweb_token(&other, &thirdweb_payload(&other, now));
    assert!(matches!(
        check(&v, &foreign, now).await.unwrap_err(),
        AuthError::Token(VerifyError::UnknownIssuer(Some(_)))
    ));
    // Another domain.
    p["aud"] = json!("evil.example");
    let t = thirdweb_token(&admin, &p);
    assert!(matches!(
        check(&v, &t, now).await.unwrap_err(),
        AuthError::Token(VerifyError::WrongAudience { .. })
    ));
    // An `aud` list is refused, even one holding the domain (thirdweb compares one string).
    p["aud"] = json!(["example.com"]);
    let t = thirdweb_token(&admin, &p);
    assert_eq!(
        check(&v, &t, now).await.unwrap_err(),
        AuthError::Token(VerifyError::InvalidClaim { path: "aud".into() })
    );
    // Expired, not yet valid, no iat.
    let t = thirdweb_token(&admin, &thirdweb_payload(&admin, now - 200_000));
    assert!(matches!(
        check(&v, &t, now).await.unwrap_err(),
        AuthError::Token(VerifyError::Expired { .. })
    ));
    let mut p = thirdweb_payload(&admin, now);
    p["nbf"] = json!(now + 3600);
    let t = thirdweb_token(&admin, &p);
    assert!(matches!(
        check(&v, &t, now).await.unwrap_err(),
        AuthError::Token(VerifyError::NotYetValid { .. })
    ));
    let mut p = thirdweb_payload(&admin, now);
    p.as_object_mut().unwrap().remove("iat");
    let t = thirdweb_token(&admin, &p);
    assert_eq!(
        check(&v, &t, now).await.unwrap_err(),
        AuthError::Token(VerifyError::MissingClaim("iat"))
    );

    // Any other header is refused, even one that means the same.
    let good = thirdweb_token(&admin, &thirdweb_payload(&admin, now));
    let rest = good.split_once('.').unwrap().1;
    let other_header = URL_SAFE_NO_PAD.encode(r#"{"typ":"JWT","alg":"ES256"}"#);
    let t = format!("{other_header}.{rest}");
    assert_eq!(
        check(&v, &t, now).await.unwrap_err(),
        AuthError::Token(VerifyError::Malformed(Malformed::Json(Part::Header)))
    );
    // A real ES256 signature (not thirdweb's) over the same input is refused.
    let input = good.rsplit_once('.').unwrap().0;
    let p256 = aws_lc_rs::signature::EcdsaKeyPair::generate(
        &aws_lc_rs::signature::ECDSA_P256_SHA256_FIXED_SIGNING,
    )
    .unwrap();
    let sig = p256
        .sign(&aws_lc_rs::rand::SystemRandom::new(), input.as_bytes())
        .unwrap();
    let t = format!("{input}.{}", URL_SAFE_NO_PAD.encode(sig.as_ref()));
    assert_eq!(
        check(&v, &t, now).await.unwrap_err(),
        AuthError::Token(VerifyError::Malformed(Malformed::Base64(Part::Signature)))
    );
    // The signature segment must be the hex text: raw signature bytes are refused.
    let raw = wallet_auth::signin::EvmSignature::from_hex(&eip191_hex(&admin, b"x", None)).unwrap();
    let t = format!("{input}.{}", URL_SAFE_NO_PAD.encode(raw.as_bytes()));
    assert_eq!(
        check(&v, &t, now).await.unwrap_err(),
        AuthError::Token(VerifyError::Malformed(Malformed::Base64(Part::Signature)))
    );
    // A Magic token where only thirdweb is configured: not a compact JWS.
    let magic_key = random_key();
    let did = did_token(&magic_key, &magic_claim(&magic_key, now).to_string(), None);
    assert_eq!(
        check(&v, &did, now).await.unwrap_err(),
        AuthError::Token(VerifyError::Malformed(Malformed::SegmentCount))
    );
}

/// A claim required twice (by the provider and again in its table) is found both times.
#[tokio::test]
async fn a_claim_required_twice_is_still_found() {
    let key = random_key();
    let now = wallet_auth::claims::now();
    let config = wallet_auth::layer::AuthConfig::from_toml_str(
        "[magic]\nclient_id = \"did:magic:app\"\nrequired_claims = [\"sub\", \"tid\", \"tid\"]\n",
    )
    .unwrap();
    let v = config.build_verifier().unwrap();
    let token = did_token(&key, &magic_claim(&key, now).to_string(), None);
    let auth = v.verify_at(&token, now).await.unwrap();
    assert_eq!(
        auth.identity().user_id,
        format!("did:ethr:{}", address(&key))
    );
    let mut c = magic_claim(&key, now);
    c.as_object_mut().unwrap().remove("tid");
    let token = did_token(&key, &c.to_string(), None);
    assert_eq!(
        v.verify_at(&token, now).await.unwrap_err(),
        AuthError::Token(VerifyError::MissingConfiguredClaim("tid".into()))
    );
}
