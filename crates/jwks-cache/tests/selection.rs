//! Parsing and key-selection rules, on real generated keys. Each rule has a test that fails if the rule is removed.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod support;

use jwks_cache::Algorithm::{self, ES256, ES384, EdDSA, HS256, PS256, RS256, RS384};
use jwks_cache::{KeyError, KeyType, ParsedJwks, SkipReason, parse_jwks};
use serde_json::{Value, json};
use support::{TestKey, jwks, verify};

fn parse(keys: &[&Value]) -> ParsedJwks {
    parse_jwks(jwks(keys).as_bytes(), 100).unwrap()
}

fn no_match(kid: Option<&str>) -> KeyError {
    KeyError::NoMatchingKey {
        kid: kid.map(str::to_owned),
    }
}

fn skip_reason(jwk: &Value) -> SkipReason {
    let parsed = parse(&[jwk]);
    assert!(
        parsed.keys().is_empty(),
        "key should have been skipped: {jwk}"
    );
    assert_eq!(parsed.skipped().len(), 1);
    parsed.skipped()[0].reason.clone()
}

fn select_err(parsed: &ParsedJwks, kid: Option<&str>, alg: Algorithm) -> KeyError {
    parsed.select(kid, alg).unwrap_err()
}

#[test]
fn real_rsa_ec_and_ed25519_keys_parse_select_and_verify() {
    let (rsa, ec, ed) = (TestKey::rsa("r"), TestKey::ec("e"), TestKey::ed("o"));
    let parsed = parse(&[&rsa.jwk, &ec.jwk, &ed.jwk]);
    assert_eq!(parsed.keys().len(), 3);
    assert!(parsed.skipped().is_empty());
    for k in [&rsa, &ec, &ed] {
        let key = parsed.select(Some(&k.kid), k.alg).unwrap();
        assert_eq!(verify(&k.token(), key).unwrap(), "alice");
    }
    let r = parsed.select(Some("r"), RS256).unwrap();
    assert_eq!(
        (r.kty(), r.rsa_bits(), r.crv()),
        (KeyType::Rsa, Some(2048), None)
    );
    // A token signed by one key does not verify with another.
    assert_eq!(
        verify(&ec.token(), parsed.select(Some("o"), EdDSA).unwrap()).unwrap_err(),
        claims_core::VerifyError::KeyMismatch(ES256)
    );
}

#[test]
fn kid_must_match_exactly() {
    let k = TestKey::rsa("Key-1");
    let parsed = parse(&[&k.jwk]);
    assert!(parsed.select(Some("Key-1"), RS256).is_ok());
    assert_eq!(
        select_err(&parsed, Some("key-1"), RS256),
        no_match(Some("key-1"))
    );
    assert_eq!(
        select_err(&parsed, Some("Key-1 "), RS256),
        no_match(Some("Key-1 "))
    );
}

#[test]
fn kty_must_match_the_algorithm() {
    let (rsa, ec) = (TestKey::rsa("k"), TestKey::ec("e"));
    let parsed = parse(&[&rsa.jwk, &ec.jwk]);
    assert_eq!(select_err(&parsed, Some("k"), ES256), no_match(Some("k")));
    assert_eq!(select_err(&parsed, Some("k"), EdDSA), no_match(Some("k")));
    assert_eq!(select_err(&parsed, Some("e"), RS256), no_match(Some("e")));
    assert!(
        parsed.select(Some("k"), PS256).is_ok(),
        "PS* uses RSA keys too"
    );
}

#[test]
fn crv_must_match_the_algorithm() {
    let ec = TestKey::ec("p256");
    let parsed = parse(&[&ec.jwk]);
    assert!(parsed.select(Some("p256"), ES256).is_ok());
    assert_eq!(
        select_err(&parsed, Some("p256"), ES384),
        no_match(Some("p256"))
    );
}

#[test]
fn jwk_alg_must_be_absent_or_equal() {
    let k = TestKey::rsa("k");
    let parsed = parse(&[&k.jwk_with(json!({"alg": "RS384"}))]);
    assert_eq!(select_err(&parsed, Some("k"), RS256), no_match(Some("k")));
    assert!(parsed.select(Some("k"), RS384).is_ok());
    let parsed = parse(&[&k.jwk]);
    assert!(parsed.select(Some("k"), RS256).is_ok() && parsed.select(Some("k"), RS384).is_ok());
}

#[test]
fn use_must_be_absent_or_sig() {
    let k = TestKey::ec("k");
    let parsed = parse(&[&k.jwk_with(json!({"use": "enc"}))]);
    assert_eq!(select_err(&parsed, Some("k"), ES256), no_match(Some("k")));
    let parsed = parse(&[&k.jwk_with(json!({"use": "sig"}))]);
    assert!(parsed.select(Some("k"), ES256).is_ok());
}

#[test]
fn key_ops_if_present_must_contain_verify() {
    let k = TestKey::ed("k");
    for ops in [json!(["encrypt"]), json!([]), json!(["sign"])] {
        let parsed = parse(&[&k.jwk_with(json!({ "key_ops": ops }))]);
        assert_eq!(
            select_err(&parsed, Some("k"), EdDSA),
            no_match(Some("k")),
            "key_ops {ops}"
        );
    }
    let parsed = parse(&[&k.jwk_with(json!({"key_ops": ["sign", "verify"]}))]);
    assert!(parsed.select(Some("k"), EdDSA).is_ok());
}

#[test]
fn symmetric_keys_and_hmac_are_refused() {
    let oct = json!({"kty": "oct", "kid": "h", "k": "c2VjcmV0LXNlY3JldC1zZWNyZXQ"});
    assert_eq!(skip_reason(&oct), SkipReason::SymmetricKey);
    let k = TestKey::rsa("h");
    let parsed = parse(&[&oct, &k.jwk]);
    assert_eq!(
        select_err(&parsed, Some("h"), HS256),
        KeyError::UnsupportedAlgorithm(HS256)
    );
}

#[test]
fn private_keys_are_refused() {
    let rsa = TestKey::rsa("r");
    assert_eq!(
        skip_reason(&rsa.jwk_with(json!({"d": "AQAB"}))),
        SkipReason::PrivateKeyMaterial("d")
    );
    assert_eq!(
        skip_reason(&rsa.jwk_with(json!({"qi": "AQAB"}))),
        SkipReason::PrivateKeyMaterial("qi")
    );
    let ec = TestKey::ec("e");
    assert_eq!(
        skip_reason(&ec.jwk_with(json!({"d": "AQAB"}))),
        SkipReason::PrivateKeyMaterial("d")
    );
    let ed = TestKey::ed("o");
    assert_eq!(
        skip_reason(&ed.jwk_with(json!({"d": "AQAB"}))),
        SkipReason::PrivateKeyMaterial("d")
    );
}

fn modulus(bytes: usize, top: u8) -> String {
    let mut n = vec![0xa5u8; bytes];
    n[0] = top;
    support_b64(&n)
}

fn support_b64(bytes: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

#[test]
fn small_rsa_keys_are_refused() {
    let k1024 = json!({"kty": "RSA", "kid": "small", "n": modulus(128, 0xc1), "e": "AQAB"});
    assert_eq!(
        skip_reason(&k1024),
        SkipReason::RsaKeyTooSmall { bits: 1024 }
    );
    let k2047 = json!({"kty": "RSA", "kid": "small", "n": modulus(256, 0x7f), "e": "AQAB"});
    assert_eq!(
        skip_reason(&k2047),
        SkipReason::RsaKeyTooSmall { bits: 2047 }
    );
    // Leading zero bytes do not count.
    let padded = json!({"kty": "RSA", "kid": "p", "n": support_b64(&[&[0u8][..], &[0x80; 256][..]].concat()), "e": "AQAB"});
    assert_eq!(parse(&[&padded]).keys()[0].rsa_bits(), Some(2048));
}

#[test]
fn bad_rsa_exponents_are_refused() {
    let k = TestKey::rsa("r");
    for e in ["AQ", "AAE", "Ag", "AA", "AQAA", "AQAAAAAB"] {
        // 1, 1 with a leading zero, 2, 0, 256 (even), 2^56 + 1 (too large)
        assert_eq!(
            skip_reason(&k.jwk_with(json!({ "e": e }))),
            SkipReason::RsaBadExponent,
            "e = {e}"
        );
    }
    assert_eq!(
        parse(&[&k.jwk_with(json!({"e": "Aw"}))]).keys().len(),
        1,
        "e = 3 is fine"
    );
}

#[test]
fn ec_points_off_the_curve_are_refused() {
    let k = TestKey::ec("e");
    use base64::Engine as _;
    let mut y = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(k.jwk["y"].as_str().unwrap())
        .unwrap();
    y[31] ^= 1;
    assert_eq!(
        skip_reason(&k.jwk_with(json!({"y": support_b64(&y)}))),
        SkipReason::InvalidEcPoint
    );
    assert_eq!(
        skip_reason(&k.jwk_with(json!({"y": support_b64(&y[1..])}))),
        SkipReason::InvalidEcPoint
    );
    assert_eq!(
        skip_reason(&k.jwk_with(json!({"crv": "P-384"}))),
        SkipReason::InvalidEcPoint
    );
}

#[test]
fn unsupported_and_malformed_keys_are_skipped_individually() {
    let good = TestKey::ed("good");
    let cases: Vec<(Value, SkipReason)> = vec![
        (
            json!({"kty": "RSA", "kid": "x", "n": "!!!", "e": "AQAB"}),
            SkipReason::InvalidBase64("n"),
        ),
        (
            json!({"kty": "RSA", "kid": "x", "e": "AQAB"}),
            SkipReason::MissingMember("n"),
        ),
        (
            json!({"kty": "EC", "kid": "x", "crv": "P-521", "x": "AA", "y": "AA"}),
            SkipReason::UnsupportedCurve("P-521".into()),
        ),
        (
            json!({"kty": "OKP", "kid": "x", "crv": "X25519", "x": "AA"}),
            SkipReason::UnsupportedCurve("X25519".into()),
        ),
        (
            json!({"kty": "OKP", "kid": "x", "crv": "Ed25519", "x": "AAAA"}),
            SkipReason::InvalidOkpKey,
        ),
        (
            json!({"kty": "PQC", "kid": "x"}),
            SkipReason::UnsupportedKeyType("PQC".into()),
        ),
        (json!({"kid": "x"}), SkipReason::MissingMember("kty")),
        (
            json!("not an object"),
            SkipReason::Malformed("entry is not an object".into()),
        ),
        (
            json!({"kty": "EC", "kid": 7}),
            SkipReason::Malformed("\"kid\" is not a string".into()),
        ),
    ];
    for (bad, reason) in cases {
        let parsed = parse(&[&bad, &good.jwk]);
        assert_eq!(parsed.keys().len(), 1, "{bad}");
        assert_eq!(parsed.skipped()[0].reason, reason, "{bad}");
        assert_eq!(
            verify(&good.token(), parsed.select(Some("good"), EdDSA).unwrap()).unwrap(),
            "alice"
        );
    }
}

#[test]
fn documents_that_are_not_key_sets_are_errors() {
    assert!(matches!(
        parse_jwks(b"<html>", 100),
        Err(jwks_cache::ParseError::InvalidJson(_))
    ));
    assert_eq!(
        parse_jwks(b"{\"nokeys\":[]}", 100).unwrap_err(),
        jwks_cache::ParseError::MissingKeys
    );
    assert_eq!(
        parse_jwks(b"{\"keys\":{}}", 100).unwrap_err(),
        jwks_cache::ParseError::MissingKeys
    );
    assert!(parse_jwks(b"{\"keys\":[]}", 100).unwrap().keys().is_empty());
}

#[test]
fn keys_past_max_keys_are_skipped() {
    let ks: Vec<TestKey> = (0..3).map(|i| TestKey::ed(&format!("k{i}"))).collect();
    let parsed = parse_jwks(jwks(&[&ks[0].jwk, &ks[1].jwk, &ks[2].jwk]).as_bytes(), 2).unwrap();
    assert_eq!(parsed.keys().len(), 2);
    assert_eq!(parsed.skipped()[0].kid.as_deref(), Some("k2"));
    assert_eq!(
        parsed.skipped()[0].reason,
        SkipReason::TooManyKeys { max_keys: 2 }
    );
}

#[test]
fn token_without_kid_needs_exactly_one_candidate() {
    let (a, b, e) = (TestKey::rsa("a"), TestKey::rsa("b"), TestKey::ec("e"));
    let one = parse(&[&a.jwk, &e.jwk]);
    assert_eq!(one.select(None, RS256).unwrap().kid(), Some("a"));
    assert_eq!(one.select(None, ES256).unwrap().kid(), Some("e"));
    let two = parse(&[&a.jwk, &b.jwk, &e.jwk]);
    assert_eq!(
        select_err(&two, None, RS256),
        KeyError::AmbiguousKey {
            kid: None,
            candidates: 2
        }
    );
    assert_eq!(select_err(&two, None, EdDSA), no_match(None));
    // Only candidates that pass the other rules count.
    let filtered = parse(&[&a.jwk, &b.jwk_with(json!({"use": "enc"}))]);
    assert_eq!(filtered.select(None, RS256).unwrap().kid(), Some("a"));
}

#[test]
fn duplicate_kids_are_ambiguous() {
    let (a, b) = (TestKey::rsa("dup"), TestKey::rsa("dup"));
    let parsed = parse(&[&a.jwk, &b.jwk]);
    assert_eq!(parsed.keys().len(), 2);
    assert_eq!(
        select_err(&parsed, Some("dup"), RS256),
        KeyError::AmbiguousKey {
            kid: Some("dup".into()),
            candidates: 2
        }
    );
    // The exact same JWK listed twice is still two candidates.
    let twice = parse(&[&a.jwk, &a.jwk]);
    assert_eq!(
        select_err(&twice, Some("dup"), RS256),
        KeyError::AmbiguousKey {
            kid: Some("dup".into()),
            candidates: 2
        }
    );
    // When the rules leave one, it is chosen.
    let parsed = parse(&[&a.jwk, &b.jwk_with(json!({"alg": "RS512"}))]);
    let key = parsed.select(Some("dup"), RS256).unwrap();
    assert_eq!(verify(&a.token(), key).unwrap(), "alice");
}

#[test]
fn errors_do_not_leak_key_material() {
    let k = TestKey::rsa("r");
    let skipped = parse(&[&k.jwk_with(json!({"d": "c2VjcmV0"}))]).skipped()[0].to_string();
    assert!(!skipped.contains("c2VjcmV0") && !skipped.contains(k.jwk["n"].as_str().unwrap()));
    let key = parse(&[&k.jwk]).keys()[0].clone();
    assert!(!format!("{key:?}").contains(&k.jwk["n"].as_str().unwrap()[..20]));
}
