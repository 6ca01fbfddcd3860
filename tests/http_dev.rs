//! The development issuer end to end, wired as the example server wires it: its JWKS served by the
//! same axum server as the protected routes, the layer built from `DevIssuer::config`, a real
//! HTTP client. Every provider's dev token verifies; the Parra endpoint works; a saved and
//! reloaded issuer mints tokens the running server accepts.
#![cfg(feature = "dev")]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod support;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use reqwest::StatusCode;
use serde_json::{Value, json};
use support::{app, client, now};
use test_support::Provider;
use wallet_auth::dev::{
    DEV_PARRA_KEY_ID, DEV_USER_EMAIL, DEV_USER_ID, DEV_WALLET_ADDRESS, DEV_WALLET_PUBLIC_KEY,
    DevIssuer,
};
use wallet_auth::layer::{AuthLayer, ParraTokenEndpoint};

/// Start the dev server for `dev` on 127.0.0.1:0; returns its base URL.
async fn start(dev: &DevIssuer) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let config = dev.config(&base).unwrap();
    let layer = AuthLayer::from_config(&config).unwrap();
    let parra = config.parra_issuer().unwrap().map(ParraTokenEndpoint::new);
    let router = app(layer.clone(), parra).merge(dev.jwks_router());
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    // As the example server does: warm up only once the server serves its own keys.
    layer.verifier().prefetch().await;
    assert!(layer.verifier().is_ready());
    base
}

fn payload(token: &str) -> Value {
    let part = token.split('.').nth(1).unwrap();
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(part).unwrap()).unwrap()
}

async fn me(base: &str, token: &str) -> reqwest::Response {
    client()
        .get(format!("{base}/me"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn every_dev_token_verifies_with_the_dev_identity() {
    let dev = DevIssuer::generate();
    let base = start(&dev).await;

    let jwks: Value = client()
        .get(format!("{base}/.well-known/jwks.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(jwks, dev.jwks());

    for provider in Provider::ALL {
        let token = dev.token(provider, None, now()).unwrap();
        let res = me(&base, &token).await;
        assert_eq!(res.status(), StatusCode::OK, "{provider}");
        let body: Value = res.json().await.unwrap();
        assert_eq!(body["provider"], provider.as_str());
        let user_id = match provider {
            // Privy's user ids are DIDs.
            Provider::Privy => format!("did:privy:{DEV_USER_ID}"),
            _ => DEV_USER_ID.to_owned(),
        };
        assert_eq!(body["user_id"], user_id, "{provider}");
        assert_eq!(body["claims"], payload(&token), "{provider}");
        let (email, wallets) = match provider {
            Provider::Parra => (Value::Null, json!([])),
            Provider::Sophon => (
                Value::Null,
                json!([{"chain": "evm", "address": DEV_WALLET_ADDRESS.to_ascii_lowercase(), "public_key": null}]),
            ),
            Provider::Web3Auth => (
                json!(DEV_USER_EMAIL),
                json!([{"chain": "secp256k1", "address": null, "public_key": DEV_WALLET_PUBLIC_KEY}]),
            ),
            Provider::Para | Provider::Dynamic | Provider::Privy => (
                json!(DEV_USER_EMAIL),
                json!([{"chain": "evm", "address": DEV_WALLET_ADDRESS, "public_key": null}]),
            ),
        };
        assert_eq!(body["email"], email, "{provider}");
        assert_eq!(body["wallets"], wallets, "{provider}");
    }
}

#[tokio::test]
async fn extra_claims_are_merged_and_checked() {
    let dev = DevIssuer::generate();
    let base = start(&dev).await;

    let token = dev
        .token(
            Provider::Sophon,
            Some(&json!({"scope": "email x", "userId": "someone"})),
            now(),
        )
        .unwrap();
    let body: Value = me(&base, &token).await.json().await.unwrap();
    assert_eq!(body["user_id"], "someone");
    assert_eq!(body["claims"]["scope"], "email x");

    let expired = dev
        .token(Provider::Web3Auth, None, now() - 2 * 86_400)
        .unwrap();
    let res = me(&base, &expired).await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        res.headers()["www-authenticate"],
        "Bearer error=\"invalid_token\", error_description=\"the token has expired\""
    );

    let mfa = dev
        .token(
            Provider::Dynamic,
            Some(&json!({"scope": "user:basic requiresAdditionalAuth"})),
            now(),
        )
        .unwrap();
    assert_eq!(me(&base, &mfa).await.status(), StatusCode::FORBIDDEN);

    // Another issuer's tokens are not trusted.
    let other = DevIssuer::generate();
    let res = me(&base, &other.token(Provider::Dynamic, None, now()).unwrap()).await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn dev_parra_endpoint_and_a_reloaded_issuer() {
    let dev = DevIssuer::generate();
    let base = start(&dev).await;

    let res = client()
        .post(format!("{base}/v1/parra/auth/token"))
        .bearer_auth(dev.token(Provider::Web3Auth, None, now()).unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let body: Value = res.json().await.unwrap();
    let access = body["access_token"].as_str().unwrap();
    let me_body: Value = me(&base, access).await.json().await.unwrap();
    assert_eq!(me_body["provider"], "parra");
    assert_eq!(me_body["claims"]["iss"], DEV_PARRA_KEY_ID);
    assert_eq!(me_body["claims"]["grants"]["identity"], DEV_USER_ID);

    // What `wallet-auth dev-token` does: load the saved issuer and mint.
    let path =
        std::env::temp_dir().join(format!("wallet-auth-http-dev-{}.json", std::process::id()));
    dev.save(&path).unwrap();
    let loaded = DevIssuer::load(&path).unwrap();
    std::fs::remove_file(&path).unwrap();
    for provider in Provider::ALL {
        let token = loaded.token(provider, None, now()).unwrap();
        assert_eq!(
            me(&base, &token).await.status(),
            StatusCode::OK,
            "{provider}"
        );
    }
}
