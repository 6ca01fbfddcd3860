//! `wallet-auth serve` with `[signin]`: the sign-in routes on the gateway's listener, and the
//! sessions they issue answered by `/auth` with identity headers until a logout revokes them.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod gateway_support;

use aws_lc_rs::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use gateway_support::*;
use reqwest::StatusCode;
use serde_json::{Value, json};
use test_support::jwks_server::JwksServer;
use test_support::{jwks, now};
use wallet_auth::dev::{DevMessage, dev_siwe_address, dev_siwe_body};

#[tokio::test]
async fn serve_issues_sessions_and_answers_them_until_logout() {
    let keys = JwksServer::start_on_own_thread(jwks(&[]));
    let dir = test_support::temp_dir("serve-signin");
    let der = EcdsaKeyPair::generate_pkcs8(
        &ECDSA_P256_SHA256_FIXED_SIGNING,
        &aws_lc_rs::rand::SystemRandom::new(),
    )
    .unwrap();
    let key_file = dir.join("session.pem");
    std::fs::write(&key_file, test_support::pem("PRIVATE KEY", der.as_ref())).unwrap();
    let signin = format!(
        "\n[signin]\ndomain = \"app.example.com\"\nuri = \"https://app.example.com\"\n\
         issuer = \"https://api.example.com\"\nsigning_key_files = [{:?}]\n\
         [signin.ethereum]\nchain_ids = [1]\n",
        key_file.display().to_string()
    );
    let served = serve(&config(&keys.url(), &signin), "text");
    let base = &served.base;
    let client = reqwest::Client::new();

    let nonce: Value = client
        .get(format!("{base}/signin/nonce"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let nonce = nonce["nonce"].as_str().unwrap().to_owned();
    let message = DevMessage::new(
        "app.example.com",
        "https://app.example.com",
        "1",
        &nonce,
        now(),
    );
    let body = dev_siwe_body(&message).unwrap();
    let res = client
        .post(format!("{base}/signin/siwe"))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let session: Value = res.json().await.unwrap();
    let address = dev_siwe_address().unwrap();
    assert_eq!(session["account"], json!(format!("eip155:1:{address}")));
    let token = session["token"].as_str().unwrap().to_owned();

    // The gateway answers the session like any provider's token.
    let res = auth(base, "/auth", Some(&token)).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(header(&res, "x-auth-provider").as_deref(), Some("signin"));
    assert_eq!(
        header(&res, "x-auth-user-id"),
        Some(format!("eip155:1:{address}"))
    );
    assert_eq!(
        header(&res, "x-auth-wallets"),
        Some(format!("evm:{address}"))
    );

    // The session key is published under the token's kid.
    let header_json: Value = serde_json::from_slice(
        &URL_SAFE_NO_PAD
            .decode(token.split('.').next().unwrap())
            .unwrap(),
    )
    .unwrap();
    let published: Value = client
        .get(format!("{base}/.well-known/jwks.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(published["keys"].as_array().unwrap().len(), 1);
    assert_eq!(published["keys"][0]["kid"], header_json["kid"]);
    assert_eq!(header_json["alg"], "ES256");

    // Logout: the gateway refuses the session from then on.
    let res = client
        .post(format!("{base}/signin/logout"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    let res = auth(base, "/auth", Some(&token)).await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        header(&res, "www-authenticate").as_deref(),
        Some("Bearer error=\"invalid_token\", error_description=\"the session has been revoked\"")
    );
}
