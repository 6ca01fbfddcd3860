//! The security suite, token side: every known way to get a forged token accepted, each refused
//! with its exact `VerifyError`. Real keys (test-support, aws-lc-rs), real signatures, the public
//! API only. The JWKS side lives in `crates/jwks-cache/tests/security_jwks.rs`, the HTTP side in
//! the root package's `tests/security_http.rs`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::cell::Cell;

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use claims_core::*;
use serde_json::{Value, json};
use test_support::{
    DecodingKey, EcKey, EdKey, Hmac, RsaKey, Signer, b64, sign, sign_raw, sign_with_header,
    unsigned,
};

const NOW: i64 = 1_750_000_000;

fn para_claims() -> Value {
    json!({"sub": "u1", "iat": NOW - 10, "exp": NOW + 600, "data": {"userId": "u1"}})
}

fn para(token: &str, key: &DecodingKey) -> Result<Verified<ParaClaims>, VerifyError> {
    verify::<ParaClaims, _>(token, &Policy::para(), |_, _| Ok(key), NOW)
}

/// Verify under Para, recording whether a key was ever asked for.
fn para_key_asked(
    token: &str,
    key: &DecodingKey,
) -> (Result<Verified<ParaClaims>, VerifyError>, bool) {
    let asked = Cell::new(false);
    let r = verify::<ParaClaims, _>(
        token,
        &Policy::para(),
        |_, _| {
            asked.set(true);
            Ok(key)
        },
        NOW,
    );
    (r, asked.get())
}

fn err<T: std::fmt::Debug>(r: Result<T, VerifyError>) -> VerifyError {
    r.expect_err("the token must be refused")
}

fn malformed(m: Malformed) -> VerifyError {
    VerifyError::Malformed(m)
}

// --- baseline: the suite's forgeries differ from a token that verifies by one thing only -------

#[test]
fn baseline_tokens_verify() {
    let rsa = RsaKey::generate("k1");
    let v = para(&sign(&rsa, &para_claims()), &rsa.decoding_key()).unwrap();
    assert_eq!(v.identity.user_id, "u1");

    let ec = EcKey::generate("e1");
    let policy = Policy::web3auth("client").unwrap();
    let token = sign(&ec, &web3auth_claims());
    let v =
        verify::<Web3AuthClaims, _>(&token, &policy, |_, _| Ok(ec.decoding_key()), NOW).unwrap();
    assert_eq!(v.identity.user_id, "user@example.com");
}

// --- alg none ---------------------------------------------------------------------------------

#[test]
fn alg_none_in_every_spelling_with_and_without_signature_is_refused() {
    let rsa = RsaKey::generate("k1");
    let real_sig = sign(&rsa, &para_claims())
        .rsplit('.')
        .next()
        .unwrap()
        .to_owned();
    for alg in ["none", "None", "NONE", "nOnE", ""] {
        for sig in ["", "c2lnbmF0dXJl", real_sig.as_str()] {
            let token = unsigned(&json!({"alg": alg, "typ": "JWT"}), &para_claims(), sig);
            let (r, asked) = para_key_asked(&token, &rsa.decoding_key());
            assert_eq!(
                err(r),
                VerifyError::UnsupportedAlgorithm(alg.into()),
                "alg {alg:?} sig {sig:?}"
            );
            assert!(!asked, "no key may be looked up for alg {alg:?}");
        }
    }
}

#[test]
fn empty_and_wrong_length_signatures_are_invalid() {
    let rsa = RsaKey::generate("k1");
    let token = sign(&rsa, &para_claims());
    let (input, sig) = token.rsplit_once('.').unwrap();
    let sig = URL_SAFE_NO_PAD.decode(sig).unwrap();
    let key = rsa.decoding_key();
    assert_eq!(
        err(para(&format!("{input}."), &key)),
        VerifyError::InvalidSignature
    );
    for bad in [
        &sig[..sig.len() - 1],
        &sig[1..],
        &[&sig[..], &[0u8]].concat()[..],
        &sig[..32],
    ] {
        let t = format!("{input}.{}", b64(bad));
        assert_eq!(
            err(para(&t, &key)),
            VerifyError::InvalidSignature,
            "len {}",
            bad.len()
        );
    }

    // HMAC: a truncated tag is not a shorter valid tag.
    let secret = b"tenant secret of the parra api key".to_vec();
    let policy = Policy::parra([("key-1", "tenant-1")]).unwrap();
    let hs = Hmac::hs256(&secret);
    let token = sign_with_header(&hs, &parra_header(), &parra_claims());
    let hkey = DecodingKey::from_secret(&secret);
    verify::<ParraClaims, _>(&token, &policy, |_, _| Ok(&hkey), NOW).unwrap();
    let (input, sig) = token.rsplit_once('.').unwrap();
    let sig = URL_SAFE_NO_PAD.decode(sig).unwrap();
    for bad in [
        &[][..],
        &sig[..16],
        &sig[..31],
        &[&sig[..], &[0u8]].concat()[..],
    ] {
        let t = format!("{input}.{}", b64(bad));
        assert_eq!(
            err(verify::<ParraClaims, _>(&t, &policy, |_, _| Ok(&hkey), NOW)),
            VerifyError::InvalidSignature,
            "HMAC tag of {} bytes",
            bad.len()
        );
    }
}

// --- algorithm confusion ----------------------------------------------------------------------

#[test]
fn hmac_signed_with_the_public_key_is_refused_by_the_allow_list() {
    let rsa = RsaKey::generate("k1");
    let ec = EcKey::generate("e1");
    let mut secrets: Vec<(&str, Vec<u8>)> = vec![
        ("rsa pem", rsa.spki_pem().into_bytes()),
        ("rsa der", rsa.spki_der()),
        ("rsa jwk", rsa.jwk().to_string().into_bytes()),
        ("rsa n", rsa.components().0),
    ];
    for alg in ["HS256", "HS384", "HS512"] {
        for (what, secret) in &secrets {
            let hs = Hmac {
                alg,
                secret: secret.clone(),
            };
            let token = sign_with_header(&hs, &json!({"alg": alg, "kid": "k1"}), &para_claims());
            let (r, asked) = para_key_asked(&token, &rsa.decoding_key());
            let expected = VerifyError::AlgorithmNotAllowed(header::parse_algorithm(alg).unwrap());
            assert_eq!(err(r), expected, "{alg} with {what}");
            assert!(!asked);
        }
    }
    secrets = vec![
        ("ec pem", ec.spki_pem().into_bytes()),
        ("ec der", ec.spki_der()),
        ("ec jwk", ec.jwk().to_string().into_bytes()),
    ];
    let policy = Policy::web3auth("client").unwrap();
    for (what, secret) in &secrets {
        let hs = Hmac {
            alg: "HS256",
            secret: secret.clone(),
        };
        let token = sign_with_header(
            &hs,
            &json!({"alg": "HS256", "kid": "e1"}),
            &web3auth_claims(),
        );
        let r = verify::<Web3AuthClaims, _>(&token, &policy, |_, _| Ok(ec.decoding_key()), NOW);
        assert_eq!(
            err(r),
            VerifyError::AlgorithmNotAllowed(Algorithm::HS256),
            "{what}"
        );
    }
}

#[test]
fn a_public_key_is_never_used_as_an_hmac_secret_even_where_hmac_is_allowed() {
    // Parra allows HS256; hand it an RSA public key (a misconfigured key source): the key family
    // check refuses before any MAC is computed.
    let rsa = RsaKey::generate("k1");
    let hs = Hmac {
        alg: "HS256",
        secret: rsa.spki_pem().into_bytes(),
    };
    let token = sign_with_header(&hs, &parra_header(), &parra_claims());
    let policy = Policy::parra([("key-1", "tenant-1")]).unwrap();
    let r = verify::<ParraClaims, _>(&token, &policy, |_, _| Ok(rsa.decoding_key()), NOW);
    assert_eq!(err(r), VerifyError::KeyMismatch(Algorithm::HS256));

    // And the other way round: an RS256 token checked with an HMAC secret.
    let t = sign(&rsa, &para_claims());
    let parsed = UnverifiedToken::parse(&t, 8192).unwrap();
    assert_eq!(
        verify_signature(
            &parsed,
            Algorithm::RS256,
            &DecodingKey::from_secret(b"secret")
        )
        .unwrap_err(),
        VerifyError::KeyMismatch(Algorithm::RS256)
    );
}

// --- key-carrying and processing headers --------------------------------------------------------

#[test]
fn key_carrying_headers_are_ignored_for_key_choice_and_refused() {
    let attacker = RsaKey::generate("attacker");
    let victim = RsaKey::generate("k1");
    let cases = [
        ("jwk", attacker.jwk()),
        ("jku", json!("https://attacker.example/jwks.json")),
        ("x5u", json!("https://attacker.example/cert.pem")),
        ("x5c", json!([STANDARD.encode(attacker.spki_der())])),
        ("jwk", Value::Null),
    ];
    for (name, value) in cases {
        let mut header = json!({"alg": "RS256", "typ": "JWT", "kid": "attacker"});
        header[name] = value;
        let token = sign_with_header(&attacker, &header, &para_claims());
        // Even if the verifier were handed the attacker's own key, the header is refused first.
        let (r, asked) = para_key_asked(&token, &attacker.decoding_key());
        assert_eq!(err(r), VerifyError::ForbiddenHeader(name), "{name}");
        assert!(!asked, "{name}: no key may be looked up");
        let (r, _) = para_key_asked(&token, &victim.decoding_key());
        assert_eq!(err(r), VerifyError::ForbiddenHeader(name));
    }
}

#[test]
fn crit_b64_and_duplicate_or_mistyped_header_members_are_refused() {
    let rsa = RsaKey::generate("k1");
    let key = rsa.decoding_key();
    let with = |extra: Value| {
        let mut h = json!({"alg": "RS256", "kid": "k1"});
        for (k, v) in extra.as_object().unwrap() {
            h[k] = v.clone();
        }
        sign_with_header(&rsa, &h, &para_claims())
    };
    assert_eq!(
        err(para(&with(json!({"crit": ["exp"], "exp": 1})), &key)),
        VerifyError::UnknownCritical("exp".into())
    );
    assert_eq!(
        err(para(&with(json!({"crit": []})), &key)),
        malformed(Malformed::InvalidCrit)
    );
    assert_eq!(
        err(para(&with(json!({"crit": "b64"})), &key)),
        malformed(Malformed::Json(Part::Header))
    );
    for b in [json!(false), json!(true)] {
        assert_eq!(
            err(para(&with(json!({"b64": b, "crit": ["b64"]})), &key)),
            VerifyError::ForbiddenHeader("b64")
        );
    }

    let raw = |header: &str| {
        sign_raw(
            &rsa,
            header.as_bytes(),
            para_claims().to_string().as_bytes(),
        )
    };
    let bad_headers = [
        r#"{"alg":"RS256","alg":"none"}"#,
        r#"{"alg":"none","alg":"RS256"}"#,
        r#"{"alg":"RS256","kid":"k1","kid":"k2"}"#,
        r#"{"alg":"RS256","jku":"a","jku":"b"}"#,
        r#"["alg","RS256"]"#,
        r#""RS256""#,
        "null",
        "",
        r#"{"alg":256}"#,
        r#"{"alg":["RS256"]}"#,
        r#"{"alg":null}"#,
        r#"{"kid":"k1"}"#,
        r#"{"alg":"RS256","kid":1}"#,
        r#"{"alg":"RS256","kid":{"k":"k1"}}"#,
        r#"{"alg":"RS256","typ":7}"#,
        r#"{"alg":"RS256"} trailing"#,
        "{\"alg\":\"RS256\",\"kid\":\"\\ud800\"}",
    ];
    for h in bad_headers {
        assert_eq!(
            err(para(&raw(h), &key)),
            malformed(Malformed::Json(Part::Header)),
            "{h}"
        );
    }
}

#[test]
fn long_and_hostile_kids() {
    let rsa = RsaKey::generate("k1");
    let key = rsa.decoding_key();
    let long = "k".repeat(10 * 1024);
    let token = sign_with_header(&rsa, &json!({"alg": "RS256", "kid": long}), &para_claims());
    // Under the default 8 KiB cap the token is refused before anything is decoded …
    assert_eq!(
        err(para(&token, &key)),
        VerifyError::TokenTooLarge { max: 8192 }
    );
    // … and with a raised cap the kid itself is too long.
    let policy = Policy::para().with_max_token_bytes(64 * 1024);
    assert_eq!(
        err(verify::<ParaClaims, _>(
            &token,
            &policy,
            |_, _| Ok(&key),
            NOW
        )),
        malformed(Malformed::KidTooLong)
    );
    let just_over = "k".repeat(MAX_KID_LEN + 1);
    let token = sign_with_header(
        &rsa,
        &json!({"alg": "RS256", "kid": just_over}),
        &para_claims(),
    );
    assert_eq!(err(para(&token, &key)), malformed(Malformed::KidTooLong));

    // Path, SQL and control characters are only ever compared byte for byte: the key lookup gets
    // the kid exactly as sent, and an exact-match lookup finds nothing.
    for kid in [
        "../../../../etc/passwd",
        "k1' OR '1'='1",
        "k1; DROP TABLE keys;--",
        "k1\u{0}",
        "K1",
        "k1 ",
    ] {
        let token = sign_with_header(&rsa, &json!({"alg": "RS256", "kid": kid}), &para_claims());
        let seen = std::cell::RefCell::new(None);
        let r = verify::<ParaClaims, &DecodingKey>(
            &token,
            &Policy::para(),
            |h, _| {
                *seen.borrow_mut() = h.kid().map(str::to_owned);
                if h.kid() == Some("k1") {
                    Ok(&key)
                } else {
                    Err(VerifyError::KeyNotFound(format!(
                        "no key with kid {:?}",
                        h.kid().unwrap_or_default()
                    )))
                }
            },
            NOW,
        );
        assert!(matches!(err(r), VerifyError::KeyNotFound(_)), "{kid:?}");
        assert_eq!(seen.borrow().as_deref(), Some(kid));
    }
}

// --- ECDSA: psychic signatures and DER ----------------------------------------------------------

/// The order of the P-256 group.
const P256_N: [u8; 32] = [
    0xFF, 0xFF, 0xFF, 0xFF, 0x00, 0x00, 0x00, 0x00, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
    0xBC, 0xE6, 0xFA, 0xAD, 0xA7, 0x17, 0x9E, 0x84, 0xF3, 0xB9, 0xCA, 0xC2, 0xFC, 0x63, 0x25, 0x51,
];

fn web3auth_claims() -> Value {
    json!({"iss": "https://api-auth.web3auth.io", "aud": "client", "iat": NOW - 5, "exp": NOW + 600,
           "userId": "user@example.com", "email": "user@example.com", "wallets": []})
}

fn web3auth(token: &str, key: &DecodingKey) -> Result<Verified<Web3AuthClaims>, VerifyError> {
    verify::<Web3AuthClaims, _>(
        token,
        &Policy::web3auth("client").unwrap(),
        |_, _| Ok(key),
        NOW,
    )
}

fn der_integer(v: &[u8]) -> Vec<u8> {
    let mut v: Vec<u8> = v.iter().copied().skip_while(|b| *b == 0).collect();
    if v.first().is_none_or(|b| *b & 0x80 != 0) {
        v.insert(0, 0);
    }
    let mut out = vec![0x02, v.len() as u8];
    out.extend(v);
    out
}

#[test]
fn psychic_and_der_ecdsa_signatures_are_invalid() {
    let ec = EcKey::generate("e1");
    let key = ec.decoding_key();
    let token = sign(&ec, &web3auth_claims());
    web3auth(&token, &key).unwrap();
    let (input, sig) = token.rsplit_once('.').unwrap();
    let sig = URL_SAFE_NO_PAD.decode(sig).unwrap();
    let zero = [0u8; 32];
    let mut one = [0u8; 32];
    one[31] = 1;
    let psychic: Vec<(&str, Vec<u8>)> = vec![
        ("r = s = 0", [zero, zero].concat()),
        ("r = 0, s = 1", [zero, one].concat()),
        ("r = 1, s = 0", [one, zero].concat()),
        ("r = s = n", [P256_N, P256_N].concat()),
        ("r = 0, s = n", [zero, P256_N].concat()),
        ("r = n, s = 0", [P256_N, zero].concat()),
        ("all ones", vec![0xFF; 64]),
        ("r ok, s = 0", [&sig[..32], &zero[..]].concat()),
    ];
    for (what, bad) in psychic {
        let t = format!("{input}.{}", b64(bad));
        assert_eq!(
            err(web3auth(&t, &key)),
            VerifyError::InvalidSignature,
            "{what}"
        );
    }
    // The same valid (r, s) in ASN.1 DER instead of the JOSE fixed-width form.
    let mut body = der_integer(&sig[..32]);
    body.extend(der_integer(&sig[32..]));
    let mut der = vec![0x30, body.len() as u8];
    der.extend(body);
    let t = format!("{input}.{}", b64(&der));
    assert_eq!(
        err(web3auth(&t, &key)),
        VerifyError::InvalidSignature,
        "DER"
    );
    // An all-zero DER sequence (r = s = 0).
    let t = format!(
        "{input}.{}",
        b64([0x30, 0x06, 0x02, 0x01, 0x00, 0x02, 0x01, 0x00])
    );
    assert_eq!(
        err(web3auth(&t, &key)),
        VerifyError::InvalidSignature,
        "DER zero"
    );
}

// --- encoding and shape ---------------------------------------------------------------------------

/// Flip the lowest bit of the last base64url character of `segment` (the trailing bits).
fn flip_trailing_bit(segment: &str) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let last = *segment.as_bytes().last().unwrap();
    let idx = ALPHABET.iter().position(|c| *c == last).unwrap();
    let mut s = segment[..segment.len() - 1].to_owned();
    s.push(ALPHABET[idx ^ 1] as char);
    s
}

#[test]
fn non_canonical_base64url_is_malformed() {
    let rsa = RsaKey::generate("k1");
    let key = rsa.decoding_key();
    let token = sign(&rsa, &para_claims());
    let parts: Vec<&str> = token.split('.').collect();
    let (h, p, s) = (parts[0], parts[1], parts[2]);
    let b64err = |part| malformed(Malformed::Base64(part));

    // Padding.
    assert_eq!(
        s.len() % 4,
        2,
        "a 256-byte RSA signature has two pad characters"
    );
    assert_eq!(
        err(para(&format!("{h}.{p}.{s}=="), &key)),
        b64err(Part::Signature)
    );
    let padded_payload = STANDARD
        .encode(para_claims().to_string())
        .replace('+', "-")
        .replace('/', "_");
    if padded_payload.ends_with('=') {
        assert_eq!(
            err(para(&format!("{h}.{padded_payload}.{s}"), &key)),
            b64err(Part::Payload)
        );
    }
    assert_eq!(
        err(para(&format!("{h}=.{p}.{s}"), &key)),
        b64err(Part::Header)
    );

    // The standard alphabet (`+`, `/`) instead of the URL-safe one.
    let std_sig = STANDARD.encode(URL_SAFE_NO_PAD.decode(s).unwrap());
    let std_sig = std_sig.trim_end_matches('=');
    if std_sig.contains(['+', '/']) {
        assert_eq!(
            err(para(&format!("{h}.{p}.{std_sig}"), &key)),
            b64err(Part::Signature)
        );
    }
    assert_eq!(
        err(para(&format!("{h}.{p}+.{s}"), &key)),
        b64err(Part::Payload)
    );
    assert_eq!(
        err(para(&format!("{h}/.{p}.{s}"), &key)),
        b64err(Part::Header)
    );

    // Whitespace anywhere.
    let mid = p.len() / 2;
    assert_eq!(
        err(para(&format!("{h}.{} {}.{s}", &p[..mid], &p[mid..]), &key)),
        b64err(Part::Payload)
    );
    assert_eq!(
        err(para(&format!("{h}.{p}.{s}\n"), &key)),
        b64err(Part::Signature)
    );
    assert_eq!(
        err(para(&format!(" {h}.{p}.{s}"), &key)),
        b64err(Part::Header)
    );
    assert_eq!(
        err(para(&format!("{h}.{p}\t.{s}"), &key)),
        b64err(Part::Payload)
    );

    // Non-zero trailing bits: the same bytes, a different string.
    assert_eq!(
        err(para(&format!("{h}.{p}.{}", flip_trailing_bit(s)), &key)),
        b64err(Part::Signature)
    );
    let header = json!({"alg": "RS256", "kid": "k1"}).to_string();
    assert_ne!(b64(&header).len() % 4, 0);
    let t = sign(&rsa, &para_claims());
    let hh = t.split('.').next().unwrap();
    assert_ne!(hh.len() % 4, 0);
    let rest = &t[hh.len()..];
    assert_eq!(
        err(para(&format!("{}{rest}", flip_trailing_bit(hh)), &key)),
        b64err(Part::Header)
    );
    if p.len() % 4 != 0 {
        assert_eq!(
            err(para(&format!("{h}.{}.{s}", flip_trailing_bit(p)), &key)),
            b64err(Part::Payload)
        );
    }
}

#[test]
fn wrong_segment_counts_empty_and_huge_tokens_are_refused() {
    let rsa = RsaKey::generate("k1");
    let key = rsa.decoding_key();
    let token = sign(&rsa, &para_claims());
    let (h, rest) = token.split_once('.').unwrap();
    let seg = malformed(Malformed::SegmentCount);
    assert_eq!(err(para(h, &key)), seg);
    assert_eq!(
        err(para(
            &format!("{h}.{}", rest.split('.').next().unwrap()),
            &key
        )),
        seg
    );
    assert_eq!(err(para(&format!("{token}.{}", b64("x")), &key)), seg);
    assert_eq!(err(para(&format!("{token}.a.b"), &key)), seg);
    assert_eq!(
        err(para(&format!("{token}{}", ".".repeat(1000)), &key)),
        seg
    );
    assert_eq!(err(para(&".".repeat(1000), &key)), seg);
    assert_eq!(
        err(para("..", &key)),
        malformed(Malformed::Json(Part::Header))
    );
    assert_eq!(err(para("", &key)), malformed(Malformed::Empty));
    let huge = format!("{token}{}", "A".repeat(1024 * 1024));
    assert_eq!(
        err(para(&huge, &key)),
        VerifyError::TokenTooLarge { max: 8192 }
    );
    assert_eq!(
        err(para(&"a".repeat(8193), &key)),
        VerifyError::TokenTooLarge { max: 8192 }
    );
}

#[test]
fn deeply_nested_claims_are_malformed_not_a_stack_overflow() {
    let rsa = RsaKey::generate("k1");
    let depth = 2000;
    let payload = format!(
        r#"{{"sub":"u1","exp":{},"data":{{"userId":"u1"}},"deep":{}{}}}"#,
        NOW + 600,
        "[".repeat(depth),
        "]".repeat(depth)
    );
    let token = sign_raw(
        &rsa,
        json!({"alg": "RS256"}).to_string().as_bytes(),
        payload.as_bytes(),
    );
    assert!(token.len() < 8192);
    assert_eq!(
        err(para(&token, &rsa.decoding_key())),
        malformed(Malformed::Json(Part::Payload))
    );
    // Routing reads only `iss` and skips the rest without recursing: no iss found, no crash.
    let t = UnverifiedToken::parse(&token, 8192).unwrap();
    assert_eq!(t.issuer().unwrap(), None);
}

#[test]
fn header_and_payload_must_be_json_objects_not_arrays() {
    // serde's derived visitors accept a JSON array as a struct (fields by position); neither the
    // header nor the claims may take that shape.
    let rsa = RsaKey::generate("k1");
    let key = rsa.decoding_key();
    let claims = para_claims().to_string();
    for header in [
        r#"["RS256"]"#,
        r#" ["RS256","k1"]"#,
        r#"["RS256",null,null,null,null,null]"#,
    ] {
        let token = sign_raw(&rsa, header.as_bytes(), claims.as_bytes());
        assert_eq!(
            err(para(&token, &key)),
            malformed(Malformed::Json(Part::Header)),
            "{header}"
        );
    }
    let header = json!({"alg": "RS256"}).to_string();
    for payload in [r#"["u1"]"#, "[]", "null", "1", r#""exp""#] {
        let token = sign_raw(&rsa, header.as_bytes(), payload.as_bytes());
        assert_eq!(
            err(para(&token, &key)),
            malformed(Malformed::Json(Part::Payload)),
            "{payload}"
        );
    }
}

#[test]
fn repeated_claim_members_are_refused_even_when_signed() {
    // Two parsers reading `{"exp": later, "exp": earlier}` may disagree on which one counts (first
    // wins in some, last in others). RFC 7519 §4 lets a parser refuse such a token; we do, for
    // every member a claims type models, at any depth.
    let rsa = RsaKey::generate("k1");
    let key = rsa.decoding_key();
    let header = json!({"alg": "RS256"}).to_string();
    let exp = NOW + 600;
    let top = malformed(Malformed::Json(Part::Payload));
    let nested = VerifyError::InvalidClaim {
        path: "data".into(),
    };
    for (payload, expected) in [
        (
            format!(
                r#"{{"sub":"u1","exp":{exp},"exp":{},"data":{{"userId":"u1"}}}}"#,
                NOW - 600
            ),
            top.clone(),
        ),
        (
            format!(r#"{{"sub":"u1","sub":"admin","exp":{exp},"data":{{"userId":"u1"}}}}"#),
            top,
        ),
        (
            format!(r#"{{"sub":"u1","exp":{exp},"data":{{"userId":"u1","userId":"u2"}}}}"#),
            nested,
        ),
    ] {
        let token = sign_raw(&rsa, header.as_bytes(), payload.as_bytes());
        assert_eq!(err(para(&token, &key)), expected, "{payload}");
    }
}

// --- claims -------------------------------------------------------------------------------------

#[test]
fn time_claims_are_enforced() {
    let rsa = RsaKey::generate("k1");
    let key = rsa.decoding_key();
    let with = |f: &dyn Fn(&mut Value)| {
        let mut c = para_claims();
        f(&mut c);
        sign(&rsa, &c)
    };
    // Inside the 60 s leeway: accepted; beyond: refused.
    para(&with(&|c| c["exp"] = json!(NOW - 59)), &key).unwrap();
    assert_eq!(
        err(para(&with(&|c| c["exp"] = json!(NOW - 61)), &key)),
        VerifyError::Expired {
            exp: NOW - 61,
            now: NOW,
            leeway: 60
        }
    );
    assert_eq!(
        err(para(&with(&|c| c["nbf"] = json!(NOW + 120)), &key)),
        VerifyError::NotYetValid {
            nbf: NOW + 120,
            now: NOW
        }
    );
    assert_eq!(
        err(para(
            &with(&|c| {
                c.as_object_mut().unwrap().remove("exp");
            }),
            &key
        )),
        VerifyError::MissingClaim("exp")
    );
    for bad in [
        json!("1750000600"),
        json!(null),
        json!(true),
        json!([NOW + 600]),
        json!({"v": 1}),
    ] {
        let r = para(&with(&|c| c["exp"] = bad.clone()), &key);
        let e = err(r);
        assert!(
            e == VerifyError::InvalidClaim { path: "exp".into() }
                || e == VerifyError::MissingClaim("exp"),
            "exp = {bad}: {e:?}"
        );
        if bad.is_string() {
            assert_eq!(e, VerifyError::InvalidClaim { path: "exp".into() });
        }
    }

    // Web3Auth: iat in the future is refused.
    let ec = EcKey::generate("e1");
    let mut c = web3auth_claims();
    c["iat"] = json!(NOW + 120);
    assert_eq!(
        err(web3auth(&sign(&ec, &c), &ec.decoding_key())),
        VerifyError::IssuedInFuture {
            iat: NOW + 120,
            now: NOW
        }
    );
}

#[test]
fn wrong_issuer_audience_subject_content_type_and_scopes_are_refused() {
    // Sophon: issuer and audience.
    let rsa = RsaKey::generate("k1");
    let key = rsa.decoding_key();
    let sophon = Policy::sophon("partner-123").unwrap();
    let claims = json!({"iss": "https://auth.sophon.xyz", "aud": "partner-123", "sub": "0xabc", "userId": "u",
                        "iat": NOW, "exp": NOW + 600, "scope": "", "typ": "access"});
    let run = |c: &Value| verify::<SophonClaims, _>(&sign(&rsa, c), &sophon, |_, _| Ok(&key), NOW);
    run(&claims).unwrap();
    let mut c = claims.clone();
    c["iss"] = json!("https://auth.sophon.xyz.evil.example");
    assert!(
        matches!(err(run(&c)), VerifyError::WrongIssuer { found: Some(f), .. } if f == "https://auth.sophon.xyz.evil.example")
    );
    let mut c = claims.clone();
    c.as_object_mut().unwrap().remove("iss");
    assert!(matches!(
        err(run(&c)),
        VerifyError::WrongIssuer { found: None, .. }
    ));
    let mut c = claims.clone();
    c["aud"] = json!(["other-partner"]);
    assert!(
        matches!(err(run(&c)), VerifyError::WrongAudience { found, .. } if found == ["other-partner"])
    );
    let mut c = claims.clone();
    c["typ"] = json!("refresh");
    assert_eq!(err(run(&c)), VerifyError::WrongTokenType("refresh".into()));

    // Parra: subject and content type.
    let secret = b"tenant secret of the parra api key".to_vec();
    let hs = Hmac::hs256(&secret);
    let hkey = DecodingKey::from_secret(&secret);
    let parra = Policy::parra([("key-1", "tenant-1")]).unwrap();
    let run = |h: &Value, c: &Value| {
        verify::<ParraClaims, _>(&sign_with_header(&hs, h, c), &parra, |_, _| Ok(&hkey), NOW)
    };
    run(&parra_header(), &parra_claims()).unwrap();
    let mut c = parra_claims();
    c["sub"] = json!("tenant-2");
    assert_eq!(
        err(run(&parra_header(), &c)),
        VerifyError::WrongSubject {
            found: Some("tenant-2".into())
        }
    );
    assert_eq!(
        err(run(
            &json!({"alg": "HS256", "typ": "JWT", "cty": "JWT"}),
            &parra_claims()
        )),
        VerifyError::WrongContentType {
            found: Some("JWT".into()),
            expected: "parra-fpa;v=1"
        }
    );
    assert_eq!(
        err(run(&json!({"alg": "HS256", "typ": "JWT"}), &parra_claims())),
        VerifyError::WrongContentType {
            found: None,
            expected: "parra-fpa;v=1"
        }
    );

    // Dynamic: a token whose scopes demand additional auth.
    let dynamic = Policy::dynamic("env-1").unwrap();
    let claims = json!({"iss": "app.dynamicauth.com/env-1", "sub": "u-1", "iat": NOW, "exp": NOW + 600,
                        "environment_id": "env-1", "scope": "user:basic requiresAdditionalAuth"});
    assert_eq!(
        err(verify::<DynamicClaims, _>(
            &sign(&rsa, &claims),
            &dynamic,
            |_, _| Ok(&key),
            NOW
        )),
        VerifyError::InsufficientScope("requiresAdditionalAuth".into())
    );
}

fn parra_header() -> Value {
    json!({"alg": "HS256", "typ": "JWT", "cty": "parra-fpa;v=1"})
}

fn parra_claims() -> Value {
    json!({"iss": "key-1", "sub": "tenant-1", "iat": NOW, "exp": NOW + 600, "grants": {"identity": "u"}})
}

#[test]
fn routing_never_widens_what_is_accepted() {
    // A Sophon-signed token that claims Dynamic's issuer routes to Dynamic, where Sophon's key is
    // not Dynamic's key: the signature fails.
    let sophon_key = RsaKey::generate("s1");
    let dynamic_key = RsaKey::generate("d1");
    let policies = [
        Policy::sophon("p").unwrap(),
        Policy::dynamic("env-1").unwrap(),
    ];
    let router = IssuerIndex::new(&policies).unwrap();
    let claims =
        json!({"iss": "app.dynamicauth.com/env-1", "sub": "u", "iat": NOW, "exp": NOW + 600});
    let token = sign(&sophon_key, &claims);
    let parsed = UnverifiedToken::parse(&token, 8192).unwrap();
    assert_eq!(router.route(&parsed).unwrap(), 1);
    let r = verify::<DynamicClaims, _>(
        &token,
        &policies[1],
        |_, _| Ok(dynamic_key.decoding_key()),
        NOW,
    );
    assert_eq!(err(r), VerifyError::InvalidSignature);
    // An issuer nobody configured is refused by routing.
    let claims = json!({"iss": "https://evil.example", "exp": NOW + 600});
    let token = sign(&sophon_key, &claims);
    let parsed = UnverifiedToken::parse(&token, 8192).unwrap();
    assert_eq!(
        router.route(&parsed).unwrap_err(),
        VerifyError::UnknownIssuer(Some("https://evil.example".into()))
    );
}

// --- RFC vectors ---------------------------------------------------------------------------------

/// RFC 7515 Appendix A.1 (HS256).
const RFC7515_A1: &str = "eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9.eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ.dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
const RFC7515_A1_K: &str =
    "AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow";
/// RFC 7515 Appendix A.2 (RS256).
const RFC7515_A2: &str = "eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ.cC4hiUPoj9Eetdgtv3hF80EGrhuB__dzERat0XF9g2VtQgr9PJbu3XOiZj5RZmh7AAuHIm4Bh-0Qc_lF5YKt_O8W2Fp5jujGbds9uJdbF9CUAr7t1dnZcAcQjbKBYNX4BAynRFdiuB--f_nZLgrnbyTyWzO75vRK5h6xBArLIARNPvkSjtQBMHlb1L07Qe7K0GarZRmB_eSN9383LcOLn6_dO--xi12jzDwusC-eOkHWEsqtFZESc6BfI7noOPqvhJ1phCnvWh6IeYI2w9QOYEUipUTI8np6LbgGY9Fs98rqVt5AXLIhWkWywlVmtVrBp0igcN_IoypGlUPQGe77Rw";
const RFC7515_A2_N: &str = "ofgWCuLjybRlzo0tZWJjNiuSfb4p4fAkd_wWJcyQoTbji9k0l8W26mPddxHmfHQp-Vaw-4qPCJrcS2mJPMEzP1Pt0Bm4d4QlL-yRT-SFd2lZS-pCgNMsD1W_YpRPEwOWvG6b32690r2jZ47soMZo9wGzjb_7OMg0LOL-bSf63kpaSHSXndS5z5rexMdbBYUsLA9e-KXBdQOS-UTo7WTBEMa2R2CapHg665xsmtdVMTBQY4uDZlxvb3qCo5ZwKh9kG4LT6_I5IhlJH7aGhyxXFvUK-DWNmoudF8NAco9_h9iaGNj8q2ethFkMLs91kzk2PAcDTW9gb54h4FRWyuXpoQ";
const RFC7515_A2_E: &str = "AQAB";
/// RFC 7515 Appendix A.3 (ES256).
const RFC7515_A3: &str = "eyJhbGciOiJFUzI1NiJ9.eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ.DtEhU3ljbEg8L38VWAfUAqOyKAM6-Xx-F4GawxaepmXFCgfTjDxw5djxLa8ISlSApmWQxfKTUJqPP3-Kg6NU1Q";
const RFC7515_A3_X: &str = "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU";
const RFC7515_A3_Y: &str = "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0";
/// RFC 7515 Appendix A.4 (ES512, not supported here).
const RFC7515_A4: &str = "eyJhbGciOiJFUzUxMiJ9.UGF5bG9hZA.AdwMgeerwtHoh-l192l60hp9wAHZFVJbLfD_UxMi70cwnZOYaRI1bKPWROc-mZZqwqT2SI-KGDKB34XO0aw_7XdtAG8GaSwFKdCAPZgoXD2YBJZCPEX3xKpRwcdOO8KpEHwJjyqOgzDO7iKvU8vcnwNrmxYbSW9ERBXukOXolLzeO_Jn";
/// RFC 7515 Appendix A.5 (unsecured JWS).
const RFC7515_A5: &str = "eyJhbGciOiJub25lIn0.eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ.";
/// RFC 8037 Appendix A.4 (Ed25519), with the A.2 public key.
const RFC8037_A4: &str = "eyJhbGciOiJFZERTQSJ9.RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc.hgyY0il_MGCjP0JzlnLWG1PPOt7-09PGcvMg3AIbQR6dWbhijcNR4ki4iylGjg5BhVsPt9g7sVvpAr_MuM0KAg";
const RFC8037_X: &str = "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo";

fn vector(token: &str, key: &DecodingKey) -> Result<(), VerifyError> {
    let t = UnverifiedToken::parse(token, 8192)?;
    let alg = t.header().check()?;
    verify_signature(&t, alg, key)
}

/// The same token with one signature byte changed.
fn tampered(token: &str) -> String {
    let (input, sig) = token.rsplit_once('.').unwrap();
    let mut bytes = URL_SAFE_NO_PAD.decode(sig).unwrap();
    bytes[5] ^= 0x01;
    format!("{input}.{}", b64(bytes))
}

#[test]
fn rfc7515_appendix_a_vectors() {
    let a1 = DecodingKey::from_secret(&URL_SAFE_NO_PAD.decode(RFC7515_A1_K).unwrap());
    vector(RFC7515_A1, &a1).unwrap();
    assert_eq!(
        vector(&tampered(RFC7515_A1), &a1),
        Err(VerifyError::InvalidSignature)
    );

    let a2 = DecodingKey::from_rsa_components(RFC7515_A2_N, RFC7515_A2_E).unwrap();
    vector(RFC7515_A2, &a2).unwrap();
    assert_eq!(
        vector(&tampered(RFC7515_A2), &a2),
        Err(VerifyError::InvalidSignature)
    );
    // The A.2 token is expired (exp 1300819380): full verification refuses it for that reason.
    assert_eq!(
        err(verify::<ParaClaims, _>(
            RFC7515_A2,
            &Policy::para(),
            |_, _| Ok(&a2),
            NOW
        )),
        VerifyError::Expired {
            exp: 1_300_819_380,
            now: NOW,
            leeway: 60
        }
    );

    let a3 = DecodingKey::from_ec_components(RFC7515_A3_X, RFC7515_A3_Y).unwrap();
    vector(RFC7515_A3, &a3).unwrap();
    assert_eq!(
        vector(&tampered(RFC7515_A3), &a3),
        Err(VerifyError::InvalidSignature)
    );
    // A.2's RSA key cannot verify A.3's ES256 token, nor A.1's HMAC key: family mismatch.
    assert_eq!(
        vector(RFC7515_A3, &a2),
        Err(VerifyError::KeyMismatch(Algorithm::ES256))
    );
    assert_eq!(
        vector(RFC7515_A1, &a2),
        Err(VerifyError::KeyMismatch(Algorithm::HS256))
    );

    assert_eq!(
        vector(RFC7515_A4, &a3),
        Err(VerifyError::UnsupportedAlgorithm("ES512".into()))
    );
    assert_eq!(
        vector(RFC7515_A5, &a1),
        Err(VerifyError::UnsupportedAlgorithm("none".into()))
    );
    assert_eq!(
        err(verify::<ParaClaims, _>(
            RFC7515_A5,
            &Policy::para(),
            |_, _| Ok(&a2),
            1_300_819_000
        )),
        VerifyError::UnsupportedAlgorithm("none".into())
    );
}

#[test]
fn rfc8037_ed25519_vector() {
    let key = DecodingKey::from_ed_components(RFC8037_X).unwrap();
    vector(RFC8037_A4, &key).unwrap();
    assert_eq!(
        vector(&tampered(RFC8037_A4), &key),
        Err(VerifyError::InvalidSignature)
    );
    let other = EdKey::generate("x");
    assert_eq!(
        vector(RFC8037_A4, &other.decoding_key()),
        Err(VerifyError::InvalidSignature)
    );
    let _ = other.alg();
}
