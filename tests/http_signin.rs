//! Wallet sign-in over HTTP with real parts: the sign-in routes and a `/me` route behind the
//! layer, served on 127.0.0.1 from one configuration; SIWE and SIWS messages written by hand and
//! signed with real secp256k1 and Ed25519 keys; session keys generated in code or read from PEM
//! files; a real HTTP client. Every case asserts the exact status, `error` code and claims.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod signin_support;

use reqwest::StatusCode;
use serde_json::{Value, json};
use signin_support::*;
use wallet_auth::layer::AuthError;
use wallet_auth::layer::signin::{MAX_BODY_BYTES, SessionKeys};

/// The wallet signing in, and another one.
const ALICE: [u8; 32] = SCALAR_ONE;
const MALLORY: [u8; 32] = [0x42; 32];
const SOL_SEED: [u8; 32] = [9; 32];

/// A refusal, exactly: status, `error` and `error_description`.
async fn assert_refused(res: reqwest::Response, status: StatusCode, code: &str, description: &str) {
    assert_eq!(
        refusal(res).await,
        (status, code.to_owned(), description.to_owned())
    );
}

const INVALID_NONCE: &str = "the nonce is unknown, expired or already used";
const ANOTHER_ACCOUNT: &str = "the signature does not match the message's account: signed by \
                               another account (a contract wallet needs an RPC for its chain)";

/// The `/me` answer for a session whose claims are `claims`.
fn expected_me(claims: &Value, chain: &str) -> Value {
    json!({
        "provider": "signin",
        "user_id": claims["sub"],
        "email": null,
        "wallets": [{"chain": chain, "address": claims["address"], "public_key": null}],
        "claims": claims,
    })
}

/// A 200 sign-in answer: its exact members, and the token's claims and header.
async fn session_of(res: reqwest::Response, account: &str, ttl: i64) -> (String, Value, Value) {
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["cache-control"], "no-store");
    let body: Value = res.json().await.unwrap();
    let token = body["token"].as_str().unwrap().to_owned();
    let (header, claims) = decode_jwt(&token);
    let iat = claims["iat"].as_i64().unwrap();
    assert!((iat - now()).abs() <= 2, "iat {iat}");
    assert_eq!(
        body,
        json!({
            "token": token,
            "token_type": "Bearer",
            "expires_at": iat + ttl,
            "account": account,
        })
    );
    (token, header, claims)
}

#[test]
fn helpers_derive_the_well_known_address_of_key_one() {
    // Independent of the library: private key 1's address is published everywhere.
    assert_eq!(
        EvmWallet::from_scalar(SCALAR_ONE).address(),
        SCALAR_ONE_ADDRESS
    );
    assert_eq!(MAX_BODY_BYTES, 16 * 1024);
}

#[tokio::test]
async fn nonce_is_fresh_lowercase_hex_and_not_cached() {
    let s = Server::start(Setup {
        signin_lines: "nonce_ttl_secs = 90".into(),
        ..Setup::default()
    })
    .await;
    let mut seen = Vec::new();
    for _ in 0..3 {
        let res = s.client.get(s.url("/signin/nonce")).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        assert_eq!(res.headers()["cache-control"], "no-store");
        assert_eq!(res.headers()["content-type"], "application/json");
        let body: Value = res.json().await.unwrap();
        assert_eq!(body.as_object().unwrap().len(), 2, "{body}");
        let nonce = body["nonce"].as_str().unwrap().to_owned();
        assert_eq!(nonce.len(), 32, "{nonce}");
        assert!(
            nonce
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)),
            "{nonce}"
        );
        let expires_at = body["expires_at"].as_i64().unwrap();
        assert!(
            (expires_at - (now() + 90)).abs() <= 2,
            "expires_at {expires_at}"
        );
        assert!(!seen.contains(&nonce));
        seen.push(nonce);
    }
}

#[tokio::test]
async fn siwe_happy_path_session_me_and_jwks() {
    let s = Server::start(Setup::default()).await;
    let alice = EvmWallet::from_scalar(ALICE);
    let account = format!("eip155:1:{SCALAR_ONE_ADDRESS}");
    let nonce = s.nonce().await;
    let res = s
        .post(
            "/signin/siwe",
            &Siwe::new(&s, SCALAR_ONE_ADDRESS, &nonce).body(&alice),
        )
        .await;
    assert_eq!(res.headers().get("set-cookie"), None);
    let (token, header, claims) = session_of(res, &account, 86_400).await;
    let sid = claims["sid"].as_str().unwrap().to_owned();
    assert_eq!(sid.len(), 32);
    assert_eq!(
        claims,
        json!({
            "iss": ISSUER,
            "aud": ISSUER,
            "sub": account,
            "iat": claims["iat"],
            "exp": claims["iat"].as_i64().unwrap() + 86_400,
            "sid": sid,
            "address": SCALAR_ONE_ADDRESS,
            "chain": "eip155:1",
        })
    );

    // The JWKS: the one session key, whose kid the token names.
    let res = s
        .client
        .get(s.url("/.well-known/jwks.json"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["content-type"], "application/json");
    let jwks: Value = res.json().await.unwrap();
    let keys = jwks["keys"].as_array().unwrap();
    assert_eq!(keys.len(), 1, "{jwks}");
    let key = &keys[0];
    assert_eq!(
        (&key["kty"], &key["crv"], &key["alg"], &key["use"]),
        (
            &json!("EC"),
            &json!("P-256"),
            &json!("ES256"),
            &json!("sig")
        )
    );
    assert_eq!(
        header,
        json!({"alg": "ES256", "typ": "JWT", "kid": key["kid"]})
    );
    assert_eq!(key["kid"], s.service.keys().signing_kid());

    // The layer accepts the session as the provider `signin`.
    let res = s.me(&token).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(
        res.json::<Value>().await.unwrap(),
        expected_me(&claims, "evm")
    );
}

#[tokio::test]
async fn siwe_on_chain_8453() {
    let s = Server::start(Setup::default()).await;
    let alice = EvmWallet::from_scalar(ALICE);
    let nonce = s.nonce().await;
    let mut message = Siwe::new(&s, &alice.address(), &nonce);
    message.chain_id = "8453".into();
    let account = format!("eip155:8453:{SCALAR_ONE_ADDRESS}");
    let (token, _, claims) = session_of(
        s.post("/signin/siwe", &message.body(&alice)).await,
        &account,
        86_400,
    )
    .await;
    assert_eq!(
        (&claims["sub"], &claims["chain"]),
        (&json!(account), &json!("eip155:8453"))
    );
    let res = s.me(&token).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(
        res.json::<Value>().await.unwrap(),
        expected_me(&claims, "evm")
    );
}

#[tokio::test]
async fn replayed_and_unknown_nonces_are_refused() {
    let s = Server::start(Setup::default()).await;
    let alice = EvmWallet::from_scalar(ALICE);
    let nonce = s.nonce().await;
    let body = Siwe::new(&s, &alice.address(), &nonce).body(&alice);
    assert_eq!(s.post("/signin/siwe", &body).await.status(), StatusCode::OK);
    assert_refused(
        s.post("/signin/siwe", &body).await,
        StatusCode::UNAUTHORIZED,
        "invalid_nonce",
        INVALID_NONCE,
    )
    .await;
    // Well-formed, signed, never issued.
    let never = Siwe::new(&s, &alice.address(), "0123456789abcdef0123456789abcdef").body(&alice);
    assert_refused(
        s.post("/signin/siwe", &never).await,
        StatusCode::UNAUTHORIZED,
        "invalid_nonce",
        INVALID_NONCE,
    )
    .await;
}

#[tokio::test]
async fn a_bad_signature_never_burns_the_nonce() {
    let s = Server::start(Setup::default()).await;
    let alice = EvmWallet::from_scalar(ALICE);
    let mallory = EvmWallet::from_scalar(MALLORY);
    let nonce = s.nonce().await;
    let message = Siwe::new(&s, &alice.address(), &nonce);
    // Mallory signs Alice's message: refused, twice, and the nonce survives.
    for _ in 0..2 {
        assert_refused(
            s.post("/signin/siwe", &message.body(&mallory)).await,
            StatusCode::UNAUTHORIZED,
            "invalid_signature",
            ANOTHER_ACCOUNT,
        )
        .await;
    }
    let (_, _, claims) = session_of(
        s.post("/signin/siwe", &message.body(&alice)).await,
        &format!("eip155:1:{SCALAR_ONE_ADDRESS}"),
        86_400,
    )
    .await;
    assert_eq!(claims["address"], SCALAR_ONE_ADDRESS);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sixteen_concurrent_submissions_start_exactly_one_session() {
    let s = Server::start(Setup::default()).await;
    let alice = EvmWallet::from_scalar(ALICE);
    let nonce = s.nonce().await;
    let body = Siwe::new(&s, &alice.address(), &nonce)
        .body(&alice)
        .to_string();
    let tasks: Vec<_> = (0..16)
        .map(|_| {
            let client = s.client.clone();
            let url = s.url("/signin/siwe");
            let body = body.clone();
            tokio::spawn(async move {
                let res = client
                    .post(url)
                    .header("content-type", "application/json")
                    .body(body)
                    .send()
                    .await
                    .unwrap();
                let status = res.status();
                let json: Value = res.json().await.unwrap();
                (status, json)
            })
        })
        .collect();
    let mut ok = 0;
    let mut replayed = 0;
    for task in tasks {
        let (status, json) = task.await.unwrap();
        match status {
            StatusCode::OK => {
                assert_eq!(json["account"], format!("eip155:1:{SCALAR_ONE_ADDRESS}"));
                ok += 1;
            }
            StatusCode::UNAUTHORIZED => {
                assert_eq!(
                    json,
                    json!({"error": "invalid_nonce", "error_description": INVALID_NONCE})
                );
                replayed += 1;
            }
            other => panic!("{other}: {json}"),
        }
    }
    assert_eq!((ok, replayed), (1, 15));
}

#[tokio::test]
async fn binding_rules_refuse_with_their_code_before_the_nonce_is_looked_at() {
    let s = Server::start(Setup::default()).await;
    let alice = EvmWallet::from_scalar(ALICE);
    let port = s.domain.rsplit_once(':').unwrap().1.to_owned();
    // A nonce never issued: each rule answers first (sign_in checks the rules, then the nonce).
    let never = "abcdef0123456789abcdef0123456789";
    let base = Siwe::new(&s, &alice.address(), never);
    let t = now();
    type Edit = Box<dyn Fn(&mut Siwe)>;
    let cases: Vec<(&str, Edit, &str, &str)> = vec![
        (
            "another domain",
            Box::new(|m| m.domain = "app.example.com".into()),
            "domain_mismatch",
            "the message is for another domain",
        ),
        (
            "another port",
            Box::new(|m| m.domain = "127.0.0.1:1".into()),
            "domain_mismatch",
            "the message is for another domain",
        ),
        (
            "https:// while the service is http",
            Box::new(|m| m.scheme = Some("https".into())),
            "domain_mismatch",
            "the message is for another domain",
        ),
        (
            "a URI of another origin",
            Box::new(|m| m.uri = "https://app.example.com/login".into()),
            "uri_mismatch",
            "the message's URI is not ours",
        ),
        (
            "a URI of another port",
            Box::new(|m| m.uri = "http://127.0.0.1:1/".into()),
            "uri_mismatch",
            "the message's URI is not ours",
        ),
        (
            "our origin as user info",
            Box::new({
                let port = port.clone();
                move |m| m.uri = format!("http://127.0.0.1:{port}@evil.io/")
            }),
            "uri_mismatch",
            "the message's URI is not ours",
        ),
        (
            "our port followed by a digit",
            Box::new({
                let port = port.clone();
                move |m| m.uri = format!("http://127.0.0.1:{port}0/")
            }),
            "uri_mismatch",
            "the message's URI is not ours",
        ),
        (
            "https URI of our host",
            Box::new({
                let port = port.clone();
                move |m| m.uri = format!("https://127.0.0.1:{port}/")
            }),
            "uri_mismatch",
            "the message's URI is not ours",
        ),
        (
            "chain 5",
            Box::new(|m| m.chain_id = "5".into()),
            "chain_not_allowed",
            "the message's chain is not allowed",
        ),
        (
            "issued an hour ago",
            Box::new(move |m| m.issued_at = rfc3339(t - 3600)),
            "expired",
            "the message has expired",
        ),
        (
            "issued 10 minutes from now",
            Box::new(move |m| m.issued_at = rfc3339(t + 600)),
            "not_yet_valid",
            "the message is not valid yet",
        ),
        (
            "expired 2 minutes ago",
            Box::new(move |m| m.expiration_time = Some(rfc3339(t - 120))),
            "expired",
            "the message has expired",
        ),
        (
            "not before 10 minutes from now",
            Box::new(move |m| m.not_before = Some(rfc3339(t + 600))),
            "not_yet_valid",
            "the message is not valid yet",
        ),
    ];
    for (what, edit, code, description) in &cases {
        let mut message = base.clone();
        edit(&mut message);
        let res = s.post("/signin/siwe", &message.body(&alice)).await;
        assert_eq!(
            refusal(res).await,
            (
                StatusCode::UNAUTHORIZED,
                (*code).to_owned(),
                (*description).to_owned()
            ),
            "{what}"
        );
    }

    // `http://127.0.0.1:PORT.evil.io` is not a URI (a port is digits): the SIWE grammar refuses
    // it before any rule (400); SIWS reads URIs loosely, so there the URI rule refuses it.
    let mut message = base.clone();
    message.uri = format!("{}.evil.io", s.base);
    assert_refused(
        s.post("/signin/siwe", &message.body(&alice)).await,
        StatusCode::BAD_REQUEST,
        "invalid_request",
        "the message is not a valid sign-in message: Invalid URI: invalid IRI: invalid host",
    )
    .await;
    let sol = SolanaWallet::from_seed(SOL_SEED);
    let mut siws = Siws::new(&s, &sol.address(), never);
    siws.uri = Some(format!("{}.evil.io", s.base));
    assert_refused(
        s.post("/signin/siws", &siws.body(&sol)).await,
        StatusCode::UNAUTHORIZED,
        "uri_mismatch",
        "the message's URI is not ours",
    )
    .await;

    // With an issued nonce: every rule refusal leaves it live, and the `http` scheme (ours)
    // before the domain is accepted.
    let nonce = s.nonce().await;
    let base = Siwe::new(&s, &alice.address(), &nonce);
    for (what, edit, want, _) in &cases {
        let mut message = base.clone();
        edit(&mut message);
        let res = s.post("/signin/siwe", &message.body(&alice)).await;
        assert_eq!(
            code(res).await,
            (StatusCode::UNAUTHORIZED, (*want).to_owned()),
            "{what}"
        );
    }
    let mut message = base.clone();
    message.scheme = Some("http".into());
    message.uri = format!("{}/login?next=/", s.base);
    message.expiration_time = Some(rfc3339(t + 300));
    message.not_before = Some(rfc3339(t - 5));
    message.request_id = Some("req-1".into());
    message.resources = vec!["https://example.com/terms".into()];
    session_of(
        s.post("/signin/siwe", &message.body(&alice)).await,
        &format!("eip155:1:{SCALAR_ONE_ADDRESS}"),
        86_400,
    )
    .await;
}

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

#[tokio::test]
async fn siws_happy_path_in_base58_and_base64() {
    let s = Server::start(Setup::default()).await;
    let sol = SolanaWallet::from_seed(SOL_SEED);
    let address = sol.address();
    let account = format!("{SOLANA_MAINNET}:{address}");

    let nonce = s.nonce().await;
    let (token, header, claims) = session_of(
        s.post("/signin/siws", &Siws::new(&s, &address, &nonce).body(&sol))
            .await,
        &account,
        86_400,
    )
    .await;
    assert_eq!(header["alg"], "ES256");
    assert_eq!(
        (&claims["address"], &claims["chain"], &claims["sub"]),
        (&json!(address), &json!(SOLANA_MAINNET), &json!(account))
    );
    let res = s.me(&token).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(
        res.json::<Value>().await.unwrap(),
        expected_me(&claims, "solana")
    );

    // Base64, standard and URL-safe without padding.
    for encode in [
        |sol: &SolanaWallet, text: &str| sol.sign_base64(text),
        |sol: &SolanaWallet, text: &str| {
            use base64::Engine as _;
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(sol.sign(text))
        },
    ] {
        let nonce = s.nonce().await;
        let text = Siws::new(&s, &address, &nonce).text();
        let body = json!({"message": text, "signature": encode(&sol, &text)});
        session_of(s.post("/signin/siws", &body).await, &account, 86_400).await;
    }
}

#[tokio::test]
async fn siws_refusals() {
    let s = Server::start(Setup::default()).await;
    let sol = SolanaWallet::from_seed(SOL_SEED);
    let other = SolanaWallet::from_seed([10; 32]);
    let nonce = s.nonce().await;
    let message = Siws::new(&s, &sol.address(), &nonce);

    // Signed by another key: 401, nonce kept.
    assert_refused(
        s.post("/signin/siws", &message.body(&other)).await,
        StatusCode::UNAUTHORIZED,
        "invalid_signature",
        "the signature does not match the message's account: the Ed25519 signature does not hold",
    )
    .await;
    // No Nonce line: the grammar allows it, the service does not.
    let mut no_nonce = message.clone();
    no_nonce.nonce = None;
    assert_refused(
        s.post("/signin/siws", &no_nonce.body(&sol)).await,
        StatusCode::UNAUTHORIZED,
        "missing_field",
        "the message has no Nonce, which this service requires",
    )
    .await;
    let mut no_uri = message.clone();
    no_uri.uri = None;
    assert_refused(
        s.post("/signin/siws", &no_uri.body(&sol)).await,
        StatusCode::UNAUTHORIZED,
        "missing_field",
        "the message has no URI, which this service requires",
    )
    .await;
    let mut devnet = message.clone();
    devnet.chain_id = Some("devnet".into());
    assert_eq!(
        code(s.post("/signin/siws", &devnet.body(&sol)).await).await,
        expect(StatusCode::UNAUTHORIZED, "chain_not_allowed")
    );
    // Bad signature encodings: 400.
    let text = message.text();
    for signature in [
        String::new(),
        "not a signature!".to_owned(),
        bs58::encode([1u8; 63]).into_string(),
        "A".repeat(200),
        hex0x(&sol.sign(&text)),
    ] {
        assert_refused(
            s.post(
                "/signin/siws",
                &json!({"message": text, "signature": signature}),
            )
            .await,
            StatusCode::BAD_REQUEST,
            "invalid_request",
            if signature.is_empty() {
                "signature encoding: the signature is empty"
            } else if signature.len() > 128 {
                "signature encoding: the signature is too long for 64 bytes"
            } else {
                "signature encoding: the signature is not base58 or base64 of 64 bytes"
            },
        )
        .await;
    }
    // A statement broken by LF, and a look-alike domain, in a SIWS message.
    let mut broken = message.clone();
    broken.statement = Some("Sign in\nto the tests".into());
    assert_refused(
        s.post("/signin/siws", &broken.body(&sol)).await,
        StatusCode::BAD_REQUEST,
        "invalid_request",
        "the message is not a valid sign-in message: the statement spans several lines",
    )
    .await;
    let mut lookalike = message.clone();
    lookalike.domain = "exаmple.com".into();
    assert_eq!(
        code(s.post("/signin/siws", &lookalike.body(&sol)).await).await,
        expect(StatusCode::BAD_REQUEST, "invalid_request")
    );
    // The nonce survived every refusal.
    session_of(
        s.post("/signin/siws", &message.body(&sol)).await,
        &format!("{SOLANA_MAINNET}:{}", sol.address()),
        86_400,
    )
    .await;
}

#[tokio::test]
async fn unconfigured_kinds_are_404_not_configured() {
    let s = Server::start(Setup {
        solana: false,
        ..Setup::default()
    })
    .await;
    let sol = SolanaWallet::from_seed(SOL_SEED);
    let nonce = s.nonce().await;
    assert_refused(
        s.post(
            "/signin/siws",
            &Siws::new(&s, &sol.address(), &nonce).body(&sol),
        )
        .await,
        StatusCode::NOT_FOUND,
        "not_configured",
        "Solana sign-in is not configured",
    )
    .await;

    let s = Server::start(Setup {
        ethereum: false,
        ..Setup::default()
    })
    .await;
    let alice = EvmWallet::from_scalar(ALICE);
    let nonce = s.nonce().await;
    assert_refused(
        s.post(
            "/signin/siwe",
            &Siwe::new(&s, &alice.address(), &nonce).body(&alice),
        )
        .await,
        StatusCode::NOT_FOUND,
        "not_configured",
        "Ethereum sign-in is not configured",
    )
    .await;
}

#[tokio::test]
async fn logout_revokes_the_session_for_the_layer() {
    let s = Server::start(Setup::default()).await;
    let alice = EvmWallet::from_scalar(ALICE);
    let first = s.sign_in(&alice).await["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let second = s.sign_in(&alice).await["token"]
        .as_str()
        .unwrap()
        .to_owned();
    // Verified (and cached by the layer) before the logout.
    assert_eq!(s.me(&first).await.status(), StatusCode::OK);
    assert_eq!(s.config.signin.as_ref().unwrap().revocations().len(), 0);

    let res = s.logout(&first).await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert_eq!(res.headers().get("set-cookie"), None);
    assert_eq!(res.bytes().await.unwrap().len(), 0);
    assert_eq!(s.config.signin.as_ref().unwrap().revocations().len(), 1);
    // Revoked until exp + the leeway (60 s): verifiers accept a token that long.
    let (_, first_claims) = decode_jwt(&first);
    assert_eq!(
        s.config
            .signin
            .as_ref()
            .unwrap()
            .revocations()
            .revoked_until(first_claims["sid"].as_str().unwrap()),
        Some(first_claims["exp"].as_i64().unwrap() + 60)
    );

    let res = s.me(&first).await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        res.headers()["www-authenticate"],
        "Bearer error=\"invalid_token\", error_description=\"the session has been revoked\""
    );
    assert_eq!(
        s.service.verify_session(&first).await.unwrap_err(),
        AuthError::Revoked
    );

    // A second logout of the same session: idempotent (a retry after a store outage must
    // reach the store), and the session stays revoked.
    let res = s.logout(&first).await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert_eq!(s.me(&first).await.status(), StatusCode::UNAUTHORIZED);

    // The other session of the same wallet is untouched.
    let res = s.me(&second).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(
        res.json::<Value>().await.unwrap()["claims"]["sid"],
        decode_jwt(&second).1["sid"]
    );
}

#[tokio::test]
async fn logout_refusals() {
    let s = Server::start(Setup::default()).await;
    // No bearer at all, another scheme, an empty bearer.
    for authorization in [
        None,
        Some("Basic dXNlcjpwYXNz"),
        Some("Bearer "),
        Some("Bearer"),
    ] {
        let mut req = s.client.post(s.url("/signin/logout"));
        if let Some(value) = authorization {
            req = req.header("authorization", value);
        }
        let res = req.send().await.unwrap();
        assert_eq!(
            res.headers()["www-authenticate"],
            "Bearer",
            "{authorization:?}"
        );
        assert_refused(
            res,
            StatusCode::UNAUTHORIZED,
            "invalid_token",
            "send the session token as Authorization: Bearer",
        )
        .await;
    }
    // A garbage token, and a session signed by keys this service does not have.
    let foreign = SessionKeys::generate()
        .unwrap()
        .sign(
            &json!({"iss": ISSUER, "aud": ISSUER, "sub": "eip155:1:0x00", "sid": "s",
            "iat": now(), "exp": now() + 600}),
        )
        .unwrap();
    for (token, description) in [
        ("garbage", "the token is malformed"),
        (foreign.as_str(), "no key for this token"),
    ] {
        let res = s.logout(token).await;
        assert_eq!(
            res.headers()["www-authenticate"],
            "Bearer error=\"invalid_token\""
        );
        assert_refused(res, StatusCode::UNAUTHORIZED, "invalid_token", description).await;
    }
    assert_eq!(s.config.signin.as_ref().unwrap().revocations().len(), 0);
}

#[tokio::test]
async fn the_session_cookie_is_set_and_read_by_the_layer() {
    let s = Server::start(Setup {
        signin_lines: "cookie = \"wallet_session\"\nsession_ttl_secs = 3600".into(),
        tables: "[token]\ncookie = \"wallet_session\"\n".into(),
        ..Setup::default()
    })
    .await;
    let alice = EvmWallet::from_scalar(ALICE);
    let nonce = s.nonce().await;
    let res = s
        .post(
            "/signin/siwe",
            &Siwe::new(&s, &alice.address(), &nonce).body(&alice),
        )
        .await;
    let cookies: Vec<String> = res
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .collect();
    let (token, _, claims) = session_of(res, &format!("eip155:1:{SCALAR_ONE_ADDRESS}"), 3600).await;
    assert_eq!(cookies.len(), 1, "{cookies:?}");
    // Max-Age is what is left of the session when the answer is written: 3600, or 3599 when a
    // second ticked in between.
    let exact = |max_age: i64| {
        format!("wallet_session={token}; HttpOnly; Secure; SameSite=Lax; Path=/; Max-Age={max_age}")
    };
    assert!(
        cookies[0] == exact(3600) || cookies[0] == exact(3599),
        "{}",
        cookies[0]
    );

    // The cookie alone authenticates through `[token] cookie`.
    let res = s
        .client
        .get(s.url("/me"))
        .header("cookie", format!("theme=dark; wallet_session={token}"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(
        res.json::<Value>().await.unwrap(),
        expected_me(&claims, "evm")
    );

    // Logout clears it.
    let res = s.logout(&token).await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        res.headers()["set-cookie"],
        "wallet_session=; HttpOnly; Secure; SameSite=Lax; Path=/; Max-Age=0"
    );
    let res = s
        .client
        .get(s.url("/me"))
        .header("cookie", format!("wallet_session={token}"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn session_keys_from_a_p256_key_file() {
    let dir = test_support::temp_dir("signin-p256");
    let der = p256_pkcs8();
    let path = write_pem(&dir, "session.pem", &der);
    let s = Server::start(Setup {
        key_files: vec![path],
        ..Setup::default()
    })
    .await;
    let kid = p256_thumbprint(&der);
    let alice = EvmWallet::from_scalar(ALICE);
    let token = s.sign_in(&alice).await["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let (header, claims) = decode_jwt(&token);
    assert_eq!(header, json!({"alg": "ES256", "typ": "JWT", "kid": kid}));

    let jwks: Value = s.jwks().await;
    let key = &jwks["keys"][0];
    assert_eq!(jwks["keys"].as_array().unwrap().len(), 1);
    assert_eq!(
        key.as_object().unwrap().keys().collect::<Vec<_>>(),
        ["alg", "crv", "kid", "kty", "use", "x", "y"]
    );
    assert_eq!(
        (&key["kid"], &key["kty"], &key["crv"], &key["alg"]),
        (&json!(kid), &json!("EC"), &json!("P-256"), &json!("ES256"))
    );
    let res = s.me(&token).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(
        res.json::<Value>().await.unwrap(),
        expected_me(&claims, "evm")
    );
}

#[tokio::test]
async fn session_keys_from_an_ed25519_key_file() {
    let dir = test_support::temp_dir("signin-ed25519");
    let der = ed25519_pkcs8();
    let path = write_pem(&dir, "session.pem", &der);
    let s = Server::start(Setup {
        key_files: vec![path],
        ..Setup::default()
    })
    .await;
    let kid = ed25519_thumbprint(&der);
    let alice = EvmWallet::from_scalar(ALICE);
    let token = s.sign_in(&alice).await["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let (header, claims) = decode_jwt(&token);
    assert_eq!(header, json!({"alg": "EdDSA", "typ": "JWT", "kid": kid}));
    let jwks: Value = s.jwks().await;
    assert_eq!(jwks["keys"].as_array().unwrap().len(), 1);
    let key = &jwks["keys"][0];
    assert_eq!(
        (&key["kid"], &key["kty"], &key["crv"], &key["alg"]),
        (
            &json!(kid),
            &json!("OKP"),
            &json!("Ed25519"),
            &json!("EdDSA")
        )
    );
    let res = s.me(&token).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(
        res.json::<Value>().await.unwrap(),
        expected_me(&claims, "evm")
    );
    // Logout works the same with EdDSA sessions.
    assert_eq!(s.logout(&token).await.status(), StatusCode::NO_CONTENT);
    assert_eq!(s.me(&token).await.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn rotation_signs_with_the_first_key_and_accepts_both() {
    let dir = test_support::temp_dir("signin-rotation");
    let new = p256_pkcs8();
    let old = p256_pkcs8();
    let new_path = write_pem(&dir, "new.pem", &new);
    let old_path = write_pem(&dir, "old.pem", &old);
    let s = Server::start(Setup {
        key_files: vec![new_path, old_path.clone()],
        ..Setup::default()
    })
    .await;
    let (new_kid, old_kid) = (p256_thumbprint(&new), p256_thumbprint(&old));
    assert_ne!(new_kid, old_kid);

    let alice = EvmWallet::from_scalar(ALICE);
    let token = s.sign_in(&alice).await["token"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(decode_jwt(&token).0["kid"], new_kid);

    let jwks: Value = s.jwks().await;
    let kids: Vec<&str> = jwks["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["kid"].as_str().unwrap())
        .collect();
    assert_eq!(kids, [new_kid.as_str(), old_kid.as_str()]);

    // A session the old key signed (before the rotation) still verifies and can log out.
    let old_keys = SessionKeys::from_pems(&[std::fs::read_to_string(&old_path).unwrap()]).unwrap();
    assert_eq!(old_keys.signing_kid(), old_kid);
    let t = now();
    let claims = json!({"iss": ISSUER, "aud": ISSUER, "sub": format!("eip155:1:{SCALAR_ONE_ADDRESS}"),
        "iat": t, "exp": t + 600, "sid": "old-session-1", "address": SCALAR_ONE_ADDRESS,
        "chain": "eip155:1"});
    let old_token = old_keys.sign(&claims).unwrap();
    let res = s.me(&old_token).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(
        res.json::<Value>().await.unwrap(),
        expected_me(&claims, "evm")
    );
    assert_eq!(s.logout(&old_token).await.status(), StatusCode::NO_CONTENT);
    assert_eq!(s.me(&old_token).await.status(), StatusCode::UNAUTHORIZED);

    // A third key, not configured: refused.
    let stranger = SessionKeys::from_pkcs8(&[&p256_pkcs8()]).unwrap();
    let res = s.me(&stranger.sign(&claims).unwrap()).await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        res.headers()["www-authenticate"],
        "Bearer error=\"invalid_token\", error_description=\"no key for this token\""
    );
}

#[tokio::test]
async fn siws_solana_mainnet_names_the_mainnet_cluster() {
    let s = Server::start(Setup::default()).await;
    let sol = SolanaWallet::from_seed(SOL_SEED);
    let nonce = s.nonce().await;
    let mut message = Siws::new(&s, &sol.address(), &nonce);
    message.chain_id = Some("solana:mainnet".into());
    let (_, _, claims) = session_of(
        s.post("/signin/siws", &message.body(&sol)).await,
        &format!("{SOLANA_MAINNET}:{}", sol.address()),
        86_400,
    )
    .await;
    assert_eq!(claims["chain"], SOLANA_MAINNET);
}

/// One cluster, two spellings: `mainnet` and its CAIP-2 id `solana:5eykt4Us…` are the same chain
/// (the session's `chain` claim is the CAIP-2 id either way), so the allow-list should accept
/// either spelling for either configuration.
#[tokio::test]
async fn siws_cluster_name_and_caip2_id_are_the_same_chain() {
    for (configured, written) in [
        ("mainnet", SOLANA_MAINNET),
        (SOLANA_MAINNET, "mainnet"),
        ("solana:mainnet", "mainnet"),
        ("solana:mainnet", SOLANA_MAINNET),
    ] {
        let s = Server::start(Setup {
            solana_chain_ids: format!("{configured:?}"),
            ..Setup::default()
        })
        .await;
        let sol = SolanaWallet::from_seed(SOL_SEED);
        let nonce = s.nonce().await;
        let mut message = Siws::new(&s, &sol.address(), &nonce);
        message.chain_id = Some(written.into());
        let res = s.post("/signin/siws", &message.body(&sol)).await;
        assert_eq!(
            res.status(),
            StatusCode::OK,
            "configured {configured}, message says {written}: {}",
            res.text().await.unwrap()
        );
    }
}

/// With `[signin] cookie`, the session lives in an `HttpOnly` cookie that page scripts cannot
/// read; logout clears that cookie, but only reads the session from `Authorization`.
#[tokio::test]
async fn logout_with_only_the_session_cookie() {
    let s = Server::start(Setup {
        signin_lines: "cookie = \"wallet_session\"".into(),
        tables: "[token]\ncookie = \"wallet_session\"\n".into(),
        ..Setup::default()
    })
    .await;
    let alice = EvmWallet::from_scalar(ALICE);
    let token = s.sign_in(&alice).await["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let res = s
        .client
        .post(s.url("/signin/logout"))
        .header("cookie", format!("wallet_session={token}"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert_eq!(s.me(&token).await.status(), StatusCode::UNAUTHORIZED);
}
