//! End to end over HTTP: key rotation and outages of the real JWKS server, modes, token sources,
//! per-route requirements, wallet proof, and the Parra token endpoint.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod support;

use reqwest::StatusCode;
use serde_json::{Value, json};
use support::{
    DYNAMIC_WALLET, Harness, PARA_WALLET, PARRA_KEY_ID, PARRA_SECRET, PARRA_TENANT, claims,
    expected_me, invalid_token, now, status_and_challenge,
};
use test_support::Provider;
use test_support::jwks_server::closed_url;
use test_support::{RsaKey, sign};
use wallet_auth::layer::AuthConfig;

const INSUFFICIENT: &str = "Bearer error=\"insufficient_scope\", error_description=\"the token does not grant this access\"";

async fn user_id(res: reqwest::Response) -> (StatusCode, Value) {
    let status = res.status();
    let body: Value = res.json().await.unwrap();
    (status, body["user_id"].clone())
}

#[tokio::test]
async fn key_rotation_through_the_running_server() {
    let h = Harness::start().await;
    let warm = h.jwks.requests();
    assert_eq!(warm, 1, "prefetch fetched the shared key set once");
    let res = h.get("/me", Some(&h.keys.valid(Provider::Sophon))).await;
    assert_eq!(res.status(), StatusCode::OK);

    // The provider rotates: a new RSA key replaces the old one. An unknown kid refetches at
    // most once per cooldown (1 s in the test config, its minimum), counted from the prefetch.
    let new = RsaKey::generate("rsa-key-2");
    h.jwks.set_keys(&[new.jwk(), h.keys.ec.jwk()]);
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;

    // A token with the new kid works on first sight (one refetch)...
    let token = sign(&new, &claims(Provider::Sophon, now()));
    let (status, user) = user_id(h.get("/me", Some(&token)).await).await;
    assert_eq!((status, user), (StatusCode::OK, json!("sophon-user-1")));
    assert_eq!(h.jwks.requests(), warm + 1);

    // ... and Dynamic tokens signed with it too, without another fetch.
    let mut dynamic = claims(Provider::Dynamic, now());
    dynamic["kid"] = json!("rsa-key-2");
    let (status, user) = user_id(h.get("/me", Some(&sign(&new, &dynamic))).await).await;
    assert_eq!((status, user), (StatusCode::OK, json!("dyn-user-1")));
    assert_eq!(h.jwks.requests(), warm + 1);

    // The removed kid is refused after the refresh.
    let res = h.get("/me", Some(&h.keys.valid(Provider::Sophon))).await;
    assert_eq!(
        status_and_challenge(&res),
        (
            StatusCode::UNAUTHORIZED,
            Some(invalid_token("no key for this token"))
        )
    );
}

#[tokio::test]
async fn jwks_down_after_warm_up_still_serves_cached_keys() {
    let h = Harness::start().await;
    let res = h.get("/me", Some(&h.keys.valid(Provider::Para))).await;
    assert_eq!(res.status(), StatusCode::OK);

    // An outage: errors first, then the server is gone entirely.
    h.jwks.fail_with(500);
    for provider in [Provider::Para, Provider::Sophon, Provider::Web3Auth] {
        let res = h.get("/me", Some(&h.keys.valid(provider))).await;
        assert_eq!(
            res.status(),
            StatusCode::OK,
            "{provider} during a 500 outage"
        );
    }
    let Harness {
        jwks, keys, base, ..
    } = h;
    jwks.shutdown().await;
    let client = support::client();
    for provider in [Provider::Dynamic, Provider::Web3Auth] {
        let res = client
            .get(format!("{base}/me"))
            .bearer_auth(keys.valid(provider))
            .send()
            .await
            .unwrap();
        assert_eq!(
            res.status(),
            StatusCode::OK,
            "{provider} with the JWKS down"
        );
    }
}

#[tokio::test]
async fn jwks_never_reachable_is_503_with_retry_after() {
    let closed = closed_url().await;
    let h = Harness::start_with(|c| {
        for url in [
            &mut c.para.as_mut().unwrap().jwks_url,
            &mut c.sophon.as_mut().unwrap().jwks_url,
            &mut c.dynamic.as_mut().unwrap().jwks_url,
            &mut c.web3auth.as_mut().unwrap().jwks_url,
        ] {
            *url = Some(closed.clone());
        }
    })
    .await;
    assert!(!h.layer.verifier().is_ready());
    for provider in [
        Provider::Para,
        Provider::Sophon,
        Provider::Dynamic,
        Provider::Web3Auth,
    ] {
        let res = h.get("/me", Some(&h.keys.valid(provider))).await;
        assert_eq!(res.status(), StatusCode::SERVICE_UNAVAILABLE, "{provider}");
        assert_eq!(res.headers()["retry-after"], "5", "{provider}");
        assert!(
            res.headers().get("www-authenticate").is_none(),
            "{provider}"
        );
        let body: Value = res.json().await.unwrap();
        assert_eq!(
            body,
            json!({
                "error": "temporarily_unavailable",
                "error_description": "the token cannot be verified right now; try again later"
            })
        );
    }
    // Parra needs no JWKS: it still works.
    let res = h.get("/me", Some(&h.keys.valid(Provider::Parra))).await;
    assert_eq!(res.status(), StatusCode::OK);
}

#[tokio::test]
async fn dynamic_additional_auth_is_403_insufficient_scope() {
    let h = Harness::start().await;
    let mut c = claims(Provider::Dynamic, now());
    c["scope"] = json!("user:basic requiresAdditionalAuth");
    let res = h
        .get("/me", Some(&h.keys.token(Provider::Dynamic, &c)))
        .await;
    assert_eq!(
        status_and_challenge(&res),
        (StatusCode::FORBIDDEN, Some(INSUFFICIENT.to_owned()))
    );
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["error"], "insufficient_scope");

    // Allowed when configured.
    let h = Harness::start_with(|c| c.dynamic.as_mut().unwrap().allow_additional_auth = true).await;
    let res = h
        .get("/me", Some(&h.keys.token(Provider::Dynamic, &c)))
        .await;
    assert_eq!(res.status(), StatusCode::OK);
}

#[tokio::test]
async fn optional_mode_lets_absent_tokens_through_but_not_bad_ones() {
    let h = Harness::start_with(|c| c.token.optional = true).await;
    let res = h.get("/optional", None).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.text().await.unwrap(), "anonymous");

    let res = h
        .get("/optional", Some(&h.keys.valid(Provider::Web3Auth)))
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.text().await.unwrap(), "user w3a-user-1");

    let mut expired = claims(Provider::Web3Auth, now() - 7200);
    expired["exp"] = json!(now() - 3600);
    let res = h
        .get(
            "/optional",
            Some(&h.keys.token(Provider::Web3Auth, &expired)),
        )
        .await;
    assert_eq!(
        status_and_challenge(&res),
        (
            StatusCode::UNAUTHORIZED,
            Some(invalid_token("the token has expired"))
        )
    );

    // A handler that needs the identity still refuses the anonymous request.
    let res = h.get("/me", None).await;
    assert_eq!(
        status_and_challenge(&res),
        (StatusCode::UNAUTHORIZED, Some("Bearer".to_owned()))
    );
}

#[tokio::test]
async fn cookie_source_and_two_different_tokens() {
    let h = Harness::start_with(|c| c.token.cookie = Some("DYNAMIC_JWT_TOKEN".to_owned())).await;
    let dynamic = h.keys.valid(Provider::Dynamic);
    let url = format!("{}/me", h.base);

    // Dynamic's cookie mode.
    let res = h
        .client
        .get(&url)
        .header("cookie", format!("theme=dark; DYNAMIC_JWT_TOKEN={dynamic}"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["provider"], "dynamic");
    assert_eq!(body["user_id"], "dyn-user-1");

    // The same token in both places is one token.
    let res = h
        .client
        .get(&url)
        .bearer_auth(&dynamic)
        .header("cookie", format!("DYNAMIC_JWT_TOKEN={dynamic}"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);

    // Two different tokens: 400 invalid_request.
    let res = h
        .client
        .get(&url)
        .bearer_auth(h.keys.valid(Provider::Sophon))
        .header("cookie", format!("DYNAMIC_JWT_TOKEN={dynamic}"))
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
async fn extractor_without_the_layer_is_a_500() {
    let h = Harness::start().await;
    let res = h
        .get("/no-layer/me", Some(&h.keys.valid(Provider::Sophon)))
        .await;
    assert_eq!(res.status(), StatusCode::INTERNAL_SERVER_ERROR);
    assert!(res.headers().get("www-authenticate").is_none());
    let body: Value = res.json().await.unwrap();
    assert_eq!(
        body,
        json!({"error": "server_error", "error_description": "AuthLayer is not installed on this route"})
    );
}

#[tokio::test]
async fn require_scope_per_route() {
    let h = Harness::start().await;
    let with_email = claims(Provider::Sophon, now());
    let res = h
        .get("/email", Some(&h.keys.token(Provider::Sophon, &with_email)))
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body, expected_me(Provider::Sophon, &with_email));

    for scope in ["", "x discord"] {
        let mut c = claims(Provider::Sophon, now());
        c["scope"] = json!(scope);
        let res = h
            .get("/email", Some(&h.keys.token(Provider::Sophon, &c)))
            .await;
        assert_eq!(
            status_and_challenge(&res),
            (StatusCode::FORBIDDEN, Some(INSUFFICIENT.to_owned())),
            "scope {scope:?}"
        );
        // The same token is fine where no scope is required.
        let res = h
            .get("/me", Some(&h.keys.token(Provider::Sophon, &c)))
            .await;
        assert_eq!(res.status(), StatusCode::OK);
    }
}

#[tokio::test]
async fn wallet_proof_header() {
    let h = Harness::start().await;
    let url = format!("{}/wallet", h.base);
    let para = h.keys.valid(Provider::Para);
    let send = |wallet: Option<&str>, token: &str| {
        let mut req = h.client.get(&url).bearer_auth(token);
        if let Some(w) = wallet {
            req = req.header("x-wallet", w);
        }
        req.send()
    };

    // Hex compares case-insensitively.
    let lower = PARA_WALLET.to_ascii_lowercase();
    let res = send(Some(&lower), &para).await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.text().await.unwrap(), format!("wallet {lower}"));

    // Another user's wallet: 403.
    let res = send(Some(DYNAMIC_WALLET), &para).await.unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["error"], "wallet_mismatch");

    // No wallet named: 400.
    let res = send(None, &para).await.unwrap();
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["error"], "invalid_request");

    // Web3Auth: the app public key.
    let w3a = h.keys.valid(Provider::Web3Auth);
    let res = send(Some(&support::W3A_APP_KEY.to_ascii_uppercase()), &w3a)
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
}

#[tokio::test]
async fn parra_endpoint_mints_a_token_that_verifies() {
    let h = Harness::start_with(|c| {
        c.parra_issuer = AuthConfig::from_toml_str(&format!(
            "[parra_issuer]\napi_key_id = \"{PARRA_KEY_ID}\"\nsecret = \"{PARRA_SECRET}\"\ntenant_id = \"{PARRA_TENANT}\"\nttl_secs = 3600\n"
        ))
        .unwrap()
        .parra_issuer;
    })
    .await;
    let url = format!("{}/v1/parra/auth/token", h.base);

    // Not signed in: refused by the layer.
    let res = h.client.post(&url).send().await.unwrap();
    assert_eq!(
        status_and_challenge(&res),
        (StatusCode::UNAUTHORIZED, Some("Bearer".to_owned()))
    );

    // Signed in through Dynamic: a Parra token for that user.
    let res = h
        .client
        .post(&url)
        .bearer_auth(h.keys.valid(Provider::Dynamic))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["cache-control"], "no-store");
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["expires_in"], 3600);
    let access = body["access_token"].as_str().unwrap();

    let res = h.get("/me", Some(access)).await;
    assert_eq!(res.status(), StatusCode::OK);
    let me: Value = res.json().await.unwrap();
    assert_eq!(me["provider"], "parra");
    assert_eq!(me["user_id"], "dyn-user-1");
    assert_eq!(me["claims"]["grants"]["identity"], "dyn-user-1");
    assert_eq!(me["claims"]["iss"], PARRA_KEY_ID);
    assert_eq!(me["claims"]["sub"], PARRA_TENANT);
    let iat = me["claims"]["iat"].as_i64().unwrap();
    assert_eq!(me["claims"]["exp"].as_i64().unwrap(), iat + 3600);
}
