//! Wallet sign-in over HTTP with real parts: the sign-in routes and a `/me` route behind the
//! layer, served on 127.0.0.1 from one configuration; SIWE messages written by hand and signed
//! with real secp256k1 keys; a real HTTP client. Nonces, sessions, concurrency and the binding
//! rules; every case asserts the exact status, `error` code and claims. Bad input is in
//! `http_signin_input.rs`, Solana in `http_signin_siws.rs`, logout, cookies and session keys in
//! `http_signin_sessions.rs`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod signin_support;

use reqwest::StatusCode;
use serde_json::{Value, json};
use signin_support::http_asserts::*;
use signin_support::*;
use wallet_auth::layer::signin::MAX_BODY_BYTES;

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
