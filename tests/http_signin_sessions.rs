//! Sessions over HTTP: logout (revocation seen by the layer, idempotent, by bearer or cookie),
//! the session cookie, and session keys from P-256 and Ed25519 PEM files with rotation.
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
use wallet_auth::layer::AuthError;
use wallet_auth::layer::signin::SessionKeys;

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

/// A server whose one session key is `der` (PKCS#8) in a PEM file, and ALICE's session there:
/// the server, the token and its header and claims.
async fn signed_in_with_key_file(name: &str, der: &[u8]) -> (Server, String, Value, Value) {
    let path = write_pem(&test_support::temp_dir(name), "session.pem", der);
    let s = Server::start(Setup {
        key_files: vec![path],
        ..Setup::default()
    })
    .await;
    let token = s.sign_in(&EvmWallet::from_scalar(ALICE)).await["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let (header, claims) = decode_jwt(&token);
    (s, token, header, claims)
}

#[tokio::test]
async fn session_keys_from_a_p256_key_file() {
    let der = p256_pkcs8();
    let kid = p256_thumbprint(&der);
    let (s, token, header, claims) = signed_in_with_key_file("signin-p256", &der).await;
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
    let der = ed25519_pkcs8();
    let kid = ed25519_thumbprint(&der);
    let (s, token, header, claims) = signed_in_with_key_file("signin-ed25519", &der).await;
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
