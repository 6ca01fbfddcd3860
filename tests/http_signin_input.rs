//! Wallet sign-in over HTTP: requests that are not sign-ins (bodies, malformed messages field by
//! field, signature encodings and values), each with its exact status and `error` code, and no
//! nonce burnt by any of them.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod signin_support;

use reqwest::StatusCode;
use serde_json::json;
use signin_support::http_asserts::*;
use signin_support::*;
use wallet_auth::layer::signin::MAX_BODY_BYTES;

#[tokio::test]
async fn bodies_that_are_not_sign_in_requests() {
    let s = Server::start(Setup::default()).await;
    let alice = EvmWallet::from_scalar(ALICE);
    let nonce = s.nonce().await;
    let body = Siwe::new(&s, &alice.address(), &nonce).body(&alice);
    let json_prefix = "the body must be JSON {\"message\": \"…\", \"signature\": \"…\"}: ";

    for (what, bytes) in [
        ("not JSON", b"message=hello&signature=0x00".to_vec()),
        ("empty", Vec::new()),
        (
            "no signature",
            json!({"message": body["message"]}).to_string().into_bytes(),
        ),
        (
            "signature not a string",
            json!({"message": body["message"], "signature": 7})
                .to_string()
                .into_bytes(),
        ),
        (
            "not UTF-8",
            b"{\"message\": \"\xff\xfe\", \"signature\": \"0x00\"}".to_vec(),
        ),
    ] {
        let (status, code, description) = refusal(s.post_bytes("/signin/siwe", bytes).await).await;
        assert_eq!(
            (status, code.as_str()),
            (StatusCode::BAD_REQUEST, "invalid_request"),
            "{what}"
        );
        assert!(
            description.starts_with(json_prefix),
            "{what}: {description}"
        );
    }
    let (_, _, description) = refusal(
        s.post_bytes(
            "/signin/siwe",
            json!({"message": "m"}).to_string().into_bytes(),
        )
        .await,
    )
    .await;
    assert_eq!(
        description,
        format!("{json_prefix}missing field `signature` at line 1 column 15")
    );
    // serde reads a two-element array as the struct, positionally: the message is then parsed
    // (and refused) like any other.
    assert_refused(
        s.post_bytes("/signin/siwe", b"[\"m\", \"0x00\"]".to_vec())
            .await,
        StatusCode::BAD_REQUEST,
        "invalid_request",
        "the message is not a valid sign-in message: Formatting Error: Missing Preamble Line",
    )
    .await;

    // The limit: one byte over is 413 (and the nonce survives), exactly 16 KiB is read.
    let mut padded = body.to_string().into_bytes();
    padded.resize(MAX_BODY_BYTES + 1, b' ');
    assert_refused(
        s.post_bytes("/signin/siwe", padded.clone()).await,
        StatusCode::PAYLOAD_TOO_LARGE,
        "invalid_request",
        "the body is larger than 16384 bytes",
    )
    .await;
    padded.truncate(MAX_BODY_BYTES);
    session_of(
        s.post_bytes("/signin/siwe", padded).await,
        &format!("eip155:1:{SCALAR_ONE_ADDRESS}"),
        86_400,
    )
    .await;
    // Much larger, and on /signin/siws too.
    assert_eq!(
        code(s.post_bytes("/signin/siws", vec![b'x'; 1 << 20]).await).await,
        expect(StatusCode::PAYLOAD_TOO_LARGE, "invalid_request")
    );
}

#[tokio::test]
async fn malformed_siwe_messages_are_400_invalid_request() {
    let s = Server::start(Setup::default()).await;
    let alice = EvmWallet::from_scalar(ALICE);
    let nonce = s.nonce().await;
    let base = Siwe::new(&s, &alice.address(), &nonce);
    let lower = alice.address().to_lowercase();
    let mut bad_case = alice.address();
    // Flip the case of the first letter of the EIP-55 address: mixed case, wrong checksum.
    let i = bad_case[2..]
        .find(|c: char| c.is_ascii_alphabetic())
        .unwrap()
        + 2;
    let flipped: String = bad_case[i..=i]
        .chars()
        .map(|c| {
            if c.is_ascii_uppercase() {
                c.to_ascii_lowercase()
            } else {
                c.to_ascii_uppercase()
            }
        })
        .collect();
    bad_case.replace_range(i..=i, &flipped);
    assert_ne!(bad_case, lower);

    type Edit = Box<dyn Fn(&mut Siwe)>;
    let cases: Vec<(&str, Edit)> = vec![
        (
            "statement broken by LF",
            Box::new(|m| m.statement = Some("Sign in\nto the tests".into())),
        ),
        (
            "statement with a quote",
            Box::new(|m| m.statement = Some("Sign \"in\"".into())),
        ),
        (
            "statement with non-ASCII",
            Box::new(|m| m.statement = Some("Sign in ✓".into())),
        ),
        (
            "Cyrillic a in the domain",
            Box::new(|m| m.domain = "exаmple.com".into()),
        ),
        (
            "Cyrillic o in localhost",
            Box::new(|m| m.domain = "lоcalhost:3000".into()),
        ),
        (
            "address too short",
            Box::new(|m| m.address = m.address[..40].to_owned()),
        ),
        (
            "address without 0x",
            Box::new(|m| m.address = m.address[2..].to_owned()),
        ),
        ("address with a bad EIP-55 checksum", {
            let bad_case = bad_case.clone();
            Box::new(move |m| m.address = bad_case.clone())
        }),
        ("nonce of 7", Box::new(|m| m.nonce = "abcdef1".into())),
        (
            "nonce not alphanumeric",
            Box::new(|m| m.nonce = "abcdef12-3456".into()),
        ),
        (
            "issued at not RFC 3339",
            Box::new(|m| m.issued_at = "2026-12-04 15:10:36".into()),
        ),
        (
            "expiration not RFC 3339",
            Box::new(|m| m.expiration_time = Some("tomorrow".into())),
        ),
        ("chain id x", Box::new(|m| m.chain_id = "x".into())),
        ("chain id negative", Box::new(|m| m.chain_id = "-1".into())),
        ("no Version line", Box::new(|m| m.version = None)),
        ("version 2", Box::new(|m| m.version = Some("2".into()))),
        ("URI not a URI", Box::new(|m| m.uri = "not a uri".into())),
    ];
    for (what, edit) in &cases {
        let mut message = base.clone();
        edit(&mut message);
        let (status, code, description) =
            refusal(s.post("/signin/siwe", &message.body(&alice)).await).await;
        assert_eq!(
            (status, code.as_str()),
            (StatusCode::BAD_REQUEST, "invalid_request"),
            "{what}: {description}"
        );
        assert!(
            description.starts_with("the message is not a valid sign-in message: "),
            "{what}: {description}"
        );
    }
    // Whole-text damage: CR LF line ends, a trailing LF, a SIWS message at the SIWE route.
    let text = base.text();
    for (what, text) in [
        ("CR LF", text.replace('\n', "\r\n")),
        ("Solana preamble", text.replace("Ethereum", "Solana")),
        ("empty", String::new()),
    ] {
        let body = json!({"message": text, "signature": alice.sign_hex(&text)});
        assert_eq!(
            code(s.post("/signin/siwe", &body).await).await,
            expect(StatusCode::BAD_REQUEST, "invalid_request"),
            "{what}"
        );
    }
    // A lower-case address is valid, and the account is the wallet's one id, in EIP-55 form
    // whatever case was signed; the nonce was never burnt by the refusals above.
    let mut message = base.clone();
    message.address = lower.clone();
    session_of(
        s.post("/signin/siwe", &message.body(&alice)).await,
        &format!("eip155:1:{}", alice.address()),
        86_400,
    )
    .await;
}

#[tokio::test]
async fn siwe_signature_encodings_and_values() {
    let s = Server::start(Setup::default()).await;
    let alice = EvmWallet::from_scalar(ALICE);
    let nonce = s.nonce().await;
    let text = Siwe::new(&s, &alice.address(), &nonce).text();
    let good = alice.sign(&text);
    let with = |signature: String| json!({"message": text, "signature": signature});

    // Not `0x` and whole bytes of hex: 400, whatever the nonce.
    for (signature, description) in [
        (
            "0x".to_owned(),
            "signature encoding: the signature is empty",
        ),
        (
            hex0x(&good)[2..].to_owned(),
            "signature encoding: a signature is 0x and hex digits",
        ),
        (
            hex0x(&good)[..131].to_owned(),
            "signature encoding: the signature is not hex of whole bytes",
        ),
        (
            format!("0x{}zz", &hex0x(&good)[4..]),
            "signature encoding: the signature is not hex of whole bytes",
        ),
        (
            String::new(),
            "signature encoding: a signature is 0x and hex digits",
        ),
        (
            hex0x(&good).replace("0x", "0X"),
            "signature encoding: a signature is 0x and hex digits",
        ),
    ] {
        assert_refused(
            s.post("/signin/siwe", &with(signature.clone())).await,
            StatusCode::BAD_REQUEST,
            "invalid_request",
            description,
        )
        .await;
    }

    // Well-encoded but not a signature by Alice: 401, and the nonce stays live.
    let not_65 = "the signature does not match the message's account: not a 65-byte account \
                  signature (a contract wallet's needs an RPC for its chain)";
    let mut v29 = good;
    v29[64] = 29;
    let mut r0 = good;
    r0[..32].fill(0);
    let mut s_n = good;
    s_n[32..64].copy_from_slice(&SECP256K1_N);
    for (signature, description) in [
        (hex0x(&good[..64]), not_65),
        (hex0x(&[good.as_slice(), &[0]].concat()), not_65),
        (hex0x(&[7u8; 1000]), not_65),
        (
            hex0x(&v29),
            "the signature does not match the message's account: v is not 0, 1, 27 or 28",
        ),
        (
            hex0x(&r0),
            "the signature does not match the message's account: r or s is zero or not below \
             the curve order",
        ),
        (
            hex0x(&s_n),
            "the signature does not match the message's account: r or s is zero or not below \
             the curve order",
        ),
    ] {
        assert_refused(
            s.post("/signin/siwe", &with(signature)).await,
            StatusCode::UNAUTHORIZED,
            "invalid_signature",
            description,
        )
        .await;
    }

    // The high-s twin of the signature (s' = n − s, parity flipped) recovers Alice, as
    // `ecrecover` does: accepted.
    let twin = high_s(&good);
    assert_ne!(twin[32..], good[32..]);
    session_of(
        s.post("/signin/siwe", &with(hex0x(&twin))).await,
        &format!("eip155:1:{SCALAR_ONE_ADDRESS}"),
        86_400,
    )
    .await;

    // v as 0/1 (some wallets) and upper-case hex digits are accepted too.
    let nonce = s.nonce().await;
    let text = Siwe::new(&s, &alice.address(), &nonce).text();
    let mut raw_v = alice.sign(&text);
    raw_v[64] -= 27;
    let upper = format!("0x{}", hex0x(&raw_v)[2..].to_uppercase());
    let body = json!({"message": text, "signature": upper});
    assert_eq!(s.post("/signin/siwe", &body).await.status(), StatusCode::OK);
}
