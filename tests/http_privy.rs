//! Privy over HTTP: tokens read from the `privy-token` cookie through `[token] cookie`, and
//! `[privy] access_tokens_only` refusing identity tokens. Real parts: a JWKS server on loopback,
//! real keys, tokens signed with them, the app served over HTTP.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod rules_support;
mod support;

use reqwest::StatusCode;
use rules_support::*;
use serde_json::{Value, json};
use support::{claims, expected_me, now, status_and_challenge};
use test_support::Provider;
use wallet_auth::layer::AuthConfig;

/// Privy's client SDK keeps the access token in the `privy-token` cookie: with
/// `[token] cookie = "privy-token"` the layer reads it there.
#[tokio::test]
async fn privy_tokens_are_read_from_the_privy_token_cookie() {
    assert_eq!(
        wallet_auth::claims::providers::privy::ACCESS_TOKEN_COOKIE,
        "privy-token"
    );
    let h = start(|c| {
        c.token = AuthConfig::from_toml_str("[token]\ncookie = \"privy-token\"\n")
            .unwrap()
            .token;
    })
    .await;
    let with_cookie = |cookie: String| {
        h.client
            .get(format!("{}/me", h.base))
            .header("cookie", cookie)
            .send()
    };

    // An identity token: the exact identity.
    let identity_claims = claims(Provider::Privy, now());
    let identity_token = h.keys.token(Provider::Privy, &identity_claims);
    let res = with_cookie(format!("privy-session=t; privy-token={identity_token}"))
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(
        res.json::<Value>().await.unwrap(),
        expected_me(Provider::Privy, &identity_claims)
    );

    // An access token (sid, no linked accounts): the user, no email, no wallets.
    let now = now();
    let access_claims = json!({
        "sid": "cm3session00000000000001",
        "iss": "privy.io",
        "iat": now,
        "aud": support::PRIVY_APP,
        "sub": "did:privy:cm3user0000000000000001",
        "exp": now + 3600,
    });
    let access_token = h.keys.token(Provider::Privy, &access_claims);
    let res = with_cookie(format!("privy-token={access_token}"))
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(
        res.json::<Value>().await.unwrap(),
        json!({
            "provider": "privy",
            "user_id": "did:privy:cm3user0000000000000001",
            "email": null,
            "wallets": [],
            "claims": access_claims,
        })
    );

    // The identity token's own cookie is not read; an expired token in the cookie is refused.
    let res = with_cookie(format!("privy-id-token={identity_token}"))
        .await
        .unwrap();
    assert_eq!(
        status_and_challenge(&res),
        (StatusCode::UNAUTHORIZED, Some("Bearer".to_owned()))
    );
    let mut expired = access_claims.clone();
    expired["exp"] = json!(now - 3600);
    let res = with_cookie(format!(
        "privy-token={}",
        h.keys.token(Provider::Privy, &expired)
    ))
    .await
    .unwrap();
    assert_eq!(
        status_and_challenge(&res),
        (
            StatusCode::UNAUTHORIZED,
            Some(support::invalid_token("the token has expired"))
        )
    );

    // The cookie and a bearer token that differ: refused as ambiguous.
    let res = h
        .client
        .get(format!("{}/me", h.base))
        .header("cookie", format!("privy-token={access_token}"))
        .bearer_auth(&identity_token)
        .send()
        .await
        .unwrap();
    assert_eq!(
        status_and_challenge(&res),
        (
            StatusCode::BAD_REQUEST,
            Some(
                "Bearer error=\"invalid_request\", error_description=\"more than one token in the request\""
                    .to_owned()
            )
        )
    );
}

#[tokio::test]
async fn privy_access_tokens_only_refuses_identity_tokens() {
    let h = start(|c| c.privy.as_mut().unwrap().access_tokens_only = true).await;
    let identity = claims(Provider::Privy, now());
    let res = h
        .get("/me", Some(&h.keys.token(Provider::Privy, &identity)))
        .await;
    assert_eq!(
        status_and_challenge(&res),
        (
            StatusCode::UNAUTHORIZED,
            Some(
                "Bearer error=\"invalid_token\", error_description=\"the token's claims are invalid\""
                    .to_owned()
            )
        )
    );
    let mut access = identity.clone();
    access["sid"] = json!("cm3session0000000000001");
    access.as_object_mut().unwrap().remove("linked_accounts");
    let res = h
        .get("/me", Some(&h.keys.token(Provider::Privy, &access)))
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["claims"]["sid"], "cm3session0000000000001");
    assert_eq!(body["user_id"], "did:privy:cm3user0000000000000001");
}
