//! End to end over HTTP for `[[oidc]]` issuers found through discovery: a real OpenID discovery
//! server and a real JWKS server on loopback, the real axum app behind the layer, a real HTTP
//! client, real keys and hand-signed tokens. Covers the identity and claims of a discovered
//! issuer, configured identity claims, the discovery document's issuer check at start-up,
//! outages after a good fetch, and waiters dropped while a discovery is in flight. Routing among
//! several providers and `[[oidc]]` configuration errors are in `tests/http_routing.rs`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod oidc_support;
mod support;

use oidc_support::*;
use std::time::Duration;

use reqwest::StatusCode;

use serde_json::{Value, json};
use support::{app, client, now, serve};
use test_support::jwks_server::JwksServer;
use test_support::{EcKey, RsaKey, jwks, sign};
use wallet_auth::layer::{AuthConfig, AuthLayer, KeySource};

// 1. A discovered issuer: the token of its key is accepted, the identity and claims come out
//    exactly; the discovery and the key set were each fetched once.
#[tokio::test]
async fn oidc_discovery_token_is_accepted_with_exact_identity_and_claims() {
    let idp = Discovered::start().await;
    let config = AuthConfig::from_toml_str(&idp.toml()).unwrap();
    let layer = AuthLayer::from_config(&config).unwrap();
    assert!(!layer.verifier().is_ready());
    layer.verifier().start().await.unwrap();
    assert!(layer.verifier().is_ready());
    // `<issuer without trailing slash>/.well-known/openid-configuration`.
    assert_eq!(
        idp.discovery.paths(),
        ["/tenant-1/.well-known/openid-configuration"]
    );
    assert_eq!(idp.jwks.requests(), 1);
    let base = serve(app(layer.clone(), None)).await;

    let claims = oidc_claims(&idp.issuer, now());
    let res = get(&base, "/me", &idp.token(&claims)).await;
    assert_me(
        res,
        &expected_oidc_me("acme", "acme|user-1", Some("user1@acme.example"), &claims),
    )
    .await;

    // `aud` as a list holding one of the configured audiences; the second audience alone.
    for aud in [json!(["other-api", API_AUD]), json!("api://acme-admin")] {
        let claims = patched(oidc_claims(&idp.issuer, now()), json!({ "aud": aud }));
        let res = get(&base, "/me", &idp.token(&claims)).await;
        assert_me(
            res,
            &expected_oidc_me("acme", "acme|user-1", Some("user1@acme.example"), &claims),
        )
        .await;
    }
    // No `email`: `email` is null.
    let claims = patched(oidc_claims(&idp.issuer, now()), json!({"email": null}));
    let res = get(&base, "/me", &idp.token(&claims)).await;
    assert_me(res, &expected_oidc_me("acme", "acme|user-1", None, &claims)).await;

    // Refusals, each exact.
    let refused = [
        (
            json!({"aud": "api://someone-else"}),
            "the token is not meant for this service",
        ),
        (
            json!({"aud": null}),
            "the token is not meant for this service",
        ),
        (json!({"sub": null}), "the token's claims are invalid"),
        (
            // The issuer without its trailing slash is another issuer.
            json!({"iss": idp.issuer.trim_end_matches('/')}),
            "the token's issuer is not accepted",
        ),
        (
            json!({"iat": now() - 7200, "exp": now() - 3600}),
            "the token has expired",
        ),
    ];
    for (patch, description) in refused {
        let claims = patched(oidc_claims(&idp.issuer, now()), patch.clone());
        let res = get(&base, "/me", &idp.token(&claims)).await;
        assert_invalid(res, description).await;
    }
    // Signed by another key under the same kid.
    let forged = sign(
        &RsaKey::generate("acme-key-1"),
        &oidc_claims(&idp.issuer, now()),
    );
    assert_invalid(
        get(&base, "/me", &forged).await,
        "the token's signature is invalid",
    )
    .await;
    // ES256 is not in the default algorithms (RS256).
    let ec = EcKey::generate("acme-key-1");
    assert_invalid(
        get(&base, "/me", &sign(&ec, &oidc_claims(&idp.issuer, now()))).await,
        "the token's algorithm is not accepted",
    )
    .await;

    // Still one discovery and one key-set fetch (the forged kid was known, nothing unknown asked).
    assert_eq!(idp.discovery.requests(), 1);
    assert_eq!(idp.jwks.requests(), 1);
}

// 1b. `user_id_claim` / `email_claim` naming other claims (`sub` then not needed); a token without
//     the configured user id claim is refused.
#[tokio::test]
async fn oidc_custom_identity_claims() {
    let key = RsaKey::generate("corp-key-1");
    let keys = JwksServer::start(jwks(&[key.jwk()])).await;
    let issuer = "https://login.corp.example";
    let config = AuthConfig::from_toml_str(&format!(
        r#"
        [jwks]
        allow_http = true

        [[oidc]]
        name = "corp"
        issuer = "{issuer}"
        audience = "{API_AUD}"
        jwks_url = "{}"
        user_id_claim = "uid"
        email_claim = "mail"
        "#,
        keys.url()
    ))
    .unwrap();
    let layer = AuthLayer::from_config(&config).unwrap();
    layer.verifier().start().await.unwrap();
    let base = serve(app(layer, None)).await;

    let claims = patched(
        oidc_claims(issuer, now()),
        json!({"uid": "corp-user-7", "mail": "u7@corp.example"}),
    );
    let res = get(&base, "/me", &sign(&key, &claims)).await;
    assert_me(
        res,
        &expected_oidc_me("corp", "corp-user-7", Some("u7@corp.example"), &claims),
    )
    .await;

    // No `sub` at all: the user id comes from the configured claim, so `sub` is not required.
    let claims = patched(
        oidc_claims(issuer, now()),
        json!({"uid": "corp-user-7", "mail": "u7@corp.example", "sub": null}),
    );
    let res = get(&base, "/me", &sign(&key, &claims)).await;
    assert_me(
        res,
        &expected_oidc_me("corp", "corp-user-7", Some("u7@corp.example"), &claims),
    )
    .await;

    // `mail` absent: no email, even though `email` is there.
    let claims = patched(oidc_claims(issuer, now()), json!({"uid": "corp-user-7"}));
    let res = get(&base, "/me", &sign(&key, &claims)).await;
    assert_me(res, &expected_oidc_me("corp", "corp-user-7", None, &claims)).await;

    // A numeric `uid` is the user id as decimal text (issuers such as Farcaster send numbers).
    let claims = patched(oidc_claims(issuer, now()), json!({"uid": 7}));
    let res = get(&base, "/me", &sign(&key, &claims)).await;
    assert_me(res, &expected_oidc_me("corp", "7", None, &claims)).await;

    // Without `uid` (only `sub`), with an empty `uid`, with a `uid` neither string nor number:
    // refused.
    for patch in [json!({}), json!({"uid": ""}), json!({"uid": true})] {
        let claims = patched(oidc_claims(issuer, now()), patch);
        let res = get(&base, "/me", &sign(&key, &claims)).await;
        assert_invalid(res, "the token's claims are invalid").await;
    }
}

// 2. A discovery document naming another issuer: `start()` fails naming both issuers, and
//    tokens get 503 (no key set was ever found), without refetching inside the cooldown.
#[tokio::test]
async fn discovery_issuer_mismatch_fails_start_and_requests_get_503() {
    let idp = Discovered::start().await;
    idp.discovery.set_issuer("https://evil.example/");
    let config = AuthConfig::from_toml_str(&idp.toml()).unwrap();
    let layer = AuthLayer::from_config(&config).unwrap();
    let err = layer.verifier().start().await.unwrap_err();
    let url = idp.discovery_url();
    assert_eq!(
        err.to_string(),
        format!(
            "acme ({url}): discovery document names issuer \"https://evil.example/\", not the configured {:?}",
            idp.issuer
        )
    );
    assert_eq!(err.field, format!("acme ({url})"));
    assert!(!layer.verifier().is_ready());
    assert_eq!(idp.discovery.requests(), 1);
    assert_eq!(idp.jwks.requests(), 0);

    let base = serve(app(layer.clone(), None)).await;
    let token = idp.token(&oidc_claims(&idp.issuer, now()));
    assert_unavailable(get(&base, "/me", &token).await).await;
    // A token of an unknown issuer is still a 401: routing happens before any key lookup.
    let stranger = idp.token(&oidc_claims("https://evil.example/", now()));
    assert_invalid(
        get(&base, "/me", &stranger).await,
        "the token's issuer is not accepted",
    )
    .await;
    // The failure is remembered for the cooldown (30 s): no second discovery, no key-set fetch.
    assert_unavailable(get(&base, "/me", &token).await).await;
    assert_eq!(idp.discovery.requests(), 1);
    assert_eq!(idp.jwks.requests(), 0);

    // `prefetch()` swallows the same error.
    let layer = AuthLayer::from_config(&config).unwrap();
    layer.verifier().prefetch().await;
    assert!(!layer.verifier().is_ready());
    assert_eq!(idp.discovery.requests(), 2);
}

// 2b. A refused `jwks_uri` is a start-up error too; an unreachable discovery endpoint is not.
#[tokio::test]
async fn discovery_refused_jwks_uri_fails_start_and_outage_does_not() {
    let idp = Discovered::start().await;
    idp.discovery.set_jwks_uri("ftp://127.0.0.1/jwks.json");
    let config = AuthConfig::from_toml_str(&idp.toml()).unwrap();
    let layer = AuthLayer::from_config(&config).unwrap();
    let err = layer.verifier().start().await.unwrap_err();
    let url = idp.discovery_url();
    assert_eq!(
        err.to_string(),
        format!(
            "acme ({url}): discovery document's jwks_uri: JWKS URL \"ftp://127.0.0.1/jwks.json\" has unsupported scheme \"ftp\" (expected https)"
        )
    );

    // Endpoint answering 500: start() is Ok, the provider is not ready and answers 503.
    idp.discovery.fail_with(500);
    let layer = AuthLayer::from_config(&config).unwrap();
    layer.verifier().start().await.unwrap();
    assert!(!layer.verifier().is_ready());
    assert_eq!(idp.discovery.requests(), 2);
    let base = serve(app(layer, None)).await;
    let token = idp.token(&oidc_claims(&idp.issuer, now()));
    assert_unavailable(get(&base, "/me", &token).await).await;
    assert_eq!(idp.discovery.requests(), 2);
    assert_eq!(idp.jwks.requests(), 0);
}

// 3. The discovery endpoint goes down after a good fetch: tokens keep passing on the last good
//    discovery, before and after its TTL (the background refetch fails and is not retried inside
//    the cooldown), and after the server is gone entirely.
#[tokio::test]
async fn discovery_outage_after_good_fetch_keeps_tokens_passing() {
    let idp = Discovered::start().await;
    let layer = idp.short_ttl_layer().await;
    assert_eq!(idp.discovery.requests(), 1);
    let base = serve(app(layer.clone(), None)).await;

    let pass = |claims: Value| {
        let base = base.clone();
        let token = sign(&idp.key, &claims);
        async move {
            assert_me(
                get(&base, "/me", &token).await,
                &expected_oidc_me("acme", "acme|user-1", Some("user1@acme.example"), &claims),
            )
            .await;
        }
    };
    pass(oidc_claims(&idp.issuer, now())).await;

    idp.discovery.fail_with(500);

    // Past the TTL: the request is answered from the last good discovery and a refetch starts in
    // the background; it fails (500).
    tokio::time::sleep(Duration::from_millis(1100)).await;
    pass(oidc_claims(&idp.issuer, now())).await;
    eventually("the background rediscovery", || {
        idp.discovery.requests() == 2
    })
    .await;
    // Let the failed refetch settle, then more tokens pass; the failure is in its cooldown, so
    // no third request.
    tokio::time::sleep(Duration::from_millis(50)).await;
    for _ in 0..3 {
        pass(oidc_claims(&idp.issuer, now())).await;
    }
    assert_eq!(idp.discovery.requests(), 2);
    assert!(layer.verifier().is_ready());

    // The server gone entirely (connection refused): still served.
    idp.discovery.shutdown().await;
    pass(oidc_claims(&idp.issuer, now())).await;
    assert!(layer.verifier().is_ready());
}

// 3a. The issuer moves its key set (a new `jwks_uri`, a new key): once the discovery is refreshed,
//     a token verified (and cached) with the old key is refused, and the new key's tokens pass.
#[tokio::test]
async fn a_moved_key_set_retires_the_old_keys() {
    let idp = Discovered::start().await;
    let layer = idp.short_ttl_layer().await;
    let base = serve(app(layer.clone(), None)).await;
    let old = sign(&idp.key, &oidc_claims(&idp.issuer, now()));
    assert_eq!(get(&base, "/me", &old).await.status(), StatusCode::OK);

    let new_key = RsaKey::generate("acme-key-2");
    let new_jwks = JwksServer::start(jwks(&[new_key.jwk()])).await;
    idp.discovery.set_jwks_uri(&new_jwks.url());
    tokio::time::sleep(Duration::from_millis(1100)).await;
    // Past the TTL: a token not seen before needs a key, is answered from the last good
    // discovery, and starts the rediscovery in the background.
    let mut other = oidc_claims(&idp.issuer, now());
    other["jti"] = json!("another-token");
    let other = sign(&idp.key, &other);
    assert_eq!(get(&base, "/me", &other).await.status(), StatusCode::OK);
    let KeySource::Discovered(discovered) = key_source(layer.verifier(), "acme") else {
        panic!("acme is discovered");
    };
    let new_url = new_jwks.url();
    eventually("the rediscovery", || {
        discovered.jwks().is_some_and(|s| s.url() == new_url)
    })
    .await;
    assert_eq!(idp.discovery.requests(), 2);
    // Both old-key tokens, one of them cached: refused.
    assert_invalid(get(&base, "/me", &old).await, "no key for this token").await;
    assert_invalid(get(&base, "/me", &other).await, "no key for this token").await;
    let fresh = sign(&new_key, &oidc_claims(&idp.issuer, now()));
    assert_eq!(get(&base, "/me", &fresh).await.status(), StatusCode::OK);
}

// 3b. With the configuration's own TTL (10 minutes): the discovery document is fetched once at
//     start-up and never again while the endpoint is down.
#[tokio::test]
async fn discovery_fetched_once_then_endpoint_down() {
    let idp = Discovered::start().await;
    let config = AuthConfig::from_toml_str(&idp.toml()).unwrap();
    let layer = AuthLayer::from_config(&config).unwrap();
    layer.verifier().start().await.unwrap();
    let base = serve(app(layer, None)).await;
    let Discovered {
        key,
        jwks: _jwks,
        discovery,
        issuer,
    } = idp;
    assert_eq!(discovery.requests(), 1);
    discovery.shutdown().await;
    for _ in 0..3 {
        let claims = oidc_claims(&issuer, now());
        let res = get(&base, "/me", &sign(&key, &claims)).await;
        assert_me(
            res,
            &expected_oidc_me("acme", "acme|user-1", Some("user1@acme.example"), &claims),
        )
        .await;
    }
}

/// `[dynamic]`, `[privy]` and an `[[oidc]]` issuer, each with its own key and JWKS server.

// 7. A waiter dropped while discovery is in flight: the discovery completes anyway, once, and the
//    next verification uses it without a second discovery request.
#[tokio::test]
async fn dropped_waiter_does_not_cancel_discovery() {
    let idp = Discovered::start().await;
    let config = AuthConfig::from_toml_str(&idp.toml()).unwrap();
    let verifier = config.build_verifier().unwrap();
    let KeySource::Discovered(discovered) = key_source(&verifier, "acme").clone() else {
        panic!("acme is not discovered");
    };
    idp.discovery.hold();

    let claims = oidc_claims(&idp.issuer, now());
    let token = idp.token(&claims);
    let waited = tokio::time::timeout(Duration::from_millis(100), verifier.verify(&token)).await;
    assert!(waited.is_err(), "the held discovery cannot have answered");
    // The fetch goes on without any waiter.
    eventually("the discovery request", || idp.discovery.requests() == 1).await;
    assert!(discovered.jwks().is_none());
    idp.discovery.release();
    eventually("the discovery to complete", || discovered.jwks().is_some()).await;
    assert_eq!(discovered.jwks().unwrap().url(), idp.jwks.url());

    let auth = verifier.verify(&token).await.unwrap();
    assert_eq!(
        auth.to_json(),
        expected_oidc_me("acme", "acme|user-1", Some("user1@acme.example"), &claims)
    );
    assert_eq!(idp.discovery.requests(), 1);
    assert_eq!(idp.jwks.requests(), 1);

    // Same over HTTP: the client gives up while discovery is held, a later request passes.
    let idp = Discovered::start().await;
    let config = AuthConfig::from_toml_str(&idp.toml()).unwrap();
    let layer = AuthLayer::from_config(&config).unwrap();
    let base = serve(app(layer.clone(), None)).await;
    idp.discovery.hold();
    let claims = oidc_claims(&idp.issuer, now());
    let token = idp.token(&claims);
    let gave_up = client()
        .get(format!("{base}/me"))
        .bearer_auth(&token)
        .timeout(Duration::from_millis(200))
        .send()
        .await
        .unwrap_err();
    assert!(gave_up.is_timeout(), "{gave_up}");
    eventually("the discovery request", || idp.discovery.requests() == 1).await;
    idp.discovery.release();
    let KeySource::Discovered(discovered) = key_source(layer.verifier(), "acme").clone() else {
        panic!("acme is not discovered");
    };
    eventually("the discovery to complete", || discovered.jwks().is_some()).await;
    assert_me(
        get(&base, "/me", &token).await,
        &expected_oidc_me("acme", "acme|user-1", Some("user1@acme.example"), &claims),
    )
    .await;
    assert_eq!(idp.discovery.requests(), 1);
    assert_eq!(idp.jwks.requests(), 1);
}
