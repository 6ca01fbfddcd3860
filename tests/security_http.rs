//! The security suite through the HTTP layer: a real axum app behind `AuthLayer` on 127.0.0.1, a
//! real JWKS server (an axum app in this file), real keys and tokens, reqwest as the client. Each
//! forgery gets the exact status and `WWW-Authenticate`, and no answer echoes the token.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::routing::get;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};
use test_support::{Hmac, RsaKey, b64, jwks, now, sign, sign_with_header, unsigned};
use wallet_auth::layer::{AuthConfig, AuthLayer, Identity};

const ENV: &str = "env-1";

/// Serve `app` on 127.0.0.1:0 and return its address.
async fn spawn(app: Router) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    addr
}

struct World {
    app: SocketAddr,
    client: reqwest::Client,
    para: RsaKey,
    dynamic: RsaKey,
    oct_secret: Vec<u8>,
}

async fn world() -> World {
    let para = RsaKey::generate("para-1");
    let dynamic = RsaKey::generate("dyn-1");
    let oct_secret = b"a shared secret that must never be served".to_vec();
    let oct = json!({"kty": "oct", "kid": "hmac", "k": b64(&oct_secret), "alg": "HS256"});
    let para_body = Arc::new(jwks(&[para.jwk(), oct]).to_string());
    let dynamic_body = Arc::new(jwks(&[dynamic.jwk()]).to_string());
    let jwks_app = Router::new()
        .route("/para", get(move || async move { (*para_body).clone() }))
        .route(
            "/dynamic",
            get(move || async move { (*dynamic_body).clone() }),
        );
    let jwks_addr = spawn(jwks_app).await;

    let config = AuthConfig::from_toml_str(&format!(
        r#"
        [jwks]
        allow_http = true

        [para]
        environment = "sandbox"
        jwks_url = "http://{jwks_addr}/para"

        [dynamic]
        environment_id = "{ENV}"
        jwks_url = "http://{jwks_addr}/dynamic"
        "#
    ))
    .unwrap();
    let layer = AuthLayer::from_config(&config).unwrap();
    layer.verifier().prefetch().await;
    let app = Router::new()
        .route("/me", get(|id: Identity| async move { id.user_id.clone() }))
        .layer(layer);
    World {
        app: spawn(app).await,
        client: reqwest::Client::new(),
        para,
        dynamic,
        oct_secret,
    }
}

impl World {
    async fn call(&self, token: &str) -> (u16, Option<String>, String) {
        let response = self
            .client
            .get(format!("http://{}/me", self.app))
            .header("authorization", format!("Bearer {token}"))
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        let www = response
            .headers()
            .get("www-authenticate")
            .map(|v| v.to_str().unwrap().to_owned());
        let headers = format!("{:?}", response.headers());
        let body = response.text().await.unwrap();
        // Never echo the token (or any part of its signature) back.
        if status != 200 && token.len() > 20 {
            let tail = &token[token.len() - 20..];
            assert!(
                !body.contains(tail) && !headers.contains(tail),
                "the answer leaks the token"
            );
        }
        (status, www, body)
    }

    async fn refused(&self, token: &str, description: &str) {
        let (status, www, body) = self.call(token).await;
        assert_eq!(status, 401, "body: {body}");
        assert_eq!(
            www.as_deref(),
            Some(
                format!("Bearer error=\"invalid_token\", error_description=\"{description}\"")
                    .as_str()
            )
        );
        assert_eq!(
            serde_json::from_str::<Value>(&body).unwrap(),
            json!({"error": "invalid_token", "error_description": description})
        );
    }
}

fn para_claims() -> Value {
    json!({"sub": "u1", "iat": now() - 10, "exp": now() + 600, "data": {"userId": "u1"}})
}

const ALG: &str = "the token's algorithm is not accepted";
const HEADER: &str = "the token's header is not accepted";
const SIGNATURE: &str = "the token's signature is invalid";
const NO_KEY: &str = "no key for this token";
const MALFORMED: &str = "the token is malformed";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forged_tokens_are_refused_over_http() {
    let w = world().await;

    // Baseline: a genuine token passes.
    let (status, _, body) = w.call(&sign(&w.para, &para_claims())).await;
    assert_eq!((status, body.as_str()), (200, "u1"));

    // alg none, any spelling, with and without a signature.
    for alg in ["none", "None", "NONE"] {
        for sig in ["", "c2ln"] {
            w.refused(
                &unsigned(&json!({"alg": alg, "kid": "para-1"}), &para_claims(), sig),
                ALG,
            )
            .await;
        }
    }

    // Algorithm confusion: HS256 keyed with the provider's public key (PEM, DER, JWK).
    for secret in [
        w.para.spki_pem().into_bytes(),
        w.para.spki_der(),
        w.para.jwk().to_string().into_bytes(),
    ] {
        let hs = Hmac {
            alg: "HS256",
            secret,
        };
        let t = sign_with_header(
            &hs,
            &json!({"alg": "HS256", "kid": "para-1"}),
            &para_claims(),
        );
        w.refused(&t, ALG).await;
    }
    // An HS256 token keyed with the symmetric key the JWKS (wrongly) serves.
    let hs = Hmac {
        alg: "HS256",
        secret: w.oct_secret.clone(),
    };
    let t = sign_with_header(&hs, &json!({"alg": "HS256", "kid": "hmac"}), &para_claims());
    w.refused(&t, ALG).await;

    // The attacker's key in the header (CVE-2018-0114) or by reference.
    let attacker = RsaKey::generate("attacker");
    for (name, value) in [
        ("jwk", attacker.jwk()),
        ("jku", json!("http://127.0.0.1:9/jwks")),
        ("x5u", json!("http://127.0.0.1:9/cert")),
        (
            "x5c",
            json!([base64::engine::general_purpose::STANDARD.encode(attacker.spki_der())]),
        ),
    ] {
        let mut header = json!({"alg": "RS256", "kid": "attacker"});
        header[name] = value;
        w.refused(
            &sign_with_header(&attacker, &header, &para_claims()),
            HEADER,
        )
        .await;
    }
    let t = sign_with_header(
        &w.para,
        &json!({"alg": "RS256", "kid": "para-1", "crit": ["exp"]}),
        &para_claims(),
    );
    w.refused(&t, HEADER).await;

    // Signatures: empty, zero, wrong length, or from another key with the provider's kid.
    let good = sign(&w.para, &para_claims());
    let (input, sig) = good.rsplit_once('.').unwrap();
    let sig = URL_SAFE_NO_PAD.decode(sig).unwrap();
    for bad in [vec![], vec![0u8; 256], sig[..255].to_vec()] {
        w.refused(&format!("{input}.{}", b64(bad)), SIGNATURE).await;
    }
    let impostor = RsaKey::generate("para-1");
    w.refused(&sign(&impostor, &para_claims()), SIGNATURE).await;

    // Hostile kids find no key.
    for kid in ["../../../../etc/passwd", "para-1' OR '1'='1", "PARA-1"] {
        let t = sign_with_header(
            &w.para,
            &json!({"alg": "RS256", "kid": kid}),
            &para_claims(),
        );
        w.refused(&t, NO_KEY).await;
    }

    // Encoding and size.
    w.refused(&format!("{good}=="), MALFORMED).await;
    w.refused(&format!("{good}.x"), MALFORMED).await;
    w.refused(&format!("{good}{}", ".".repeat(1000)), MALFORMED)
        .await;
    w.refused(
        &format!("{good}{}", "A".repeat(16 * 1024)),
        "the token is too large",
    )
    .await;

    // Claims.
    let mut c = para_claims();
    c["exp"] = json!(now() - 120);
    w.refused(&sign(&w.para, &c), "the token has expired").await;
    let mut c = para_claims();
    c["nbf"] = json!(now() + 600);
    w.refused(&sign(&w.para, &c), "the token is not valid yet")
        .await;
    let mut c = para_claims();
    c.as_object_mut().unwrap().remove("exp");
    w.refused(&sign(&w.para, &c), "the token's claims are invalid")
        .await;
    let mut c = para_claims();
    c["exp"] = json!("tomorrow");
    w.refused(&sign(&w.para, &c), "the token's claims are invalid")
        .await;

    // A Para-signed token that claims Dynamic's issuer is checked with Dynamic's keys.
    let c = json!({"iss": format!("app.dynamicauth.com/{ENV}"), "sub": "u", "iat": now(), "exp": now() + 600});
    let t = sign_with_header(&w.para, &json!({"alg": "RS256", "kid": "dyn-1"}), &c);
    w.refused(&t, SIGNATURE).await;
    let c = json!({"iss": "https://evil.example", "exp": now() + 600});
    w.refused(&sign(&w.para, &c), "the token's issuer is not accepted")
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dynamic_tokens_demanding_additional_auth_are_forbidden() {
    let w = world().await;
    let claims = |scope: &str| {
        json!({"iss": format!("app.dynamicauth.com/{ENV}"), "sub": "d-1", "iat": now(), "exp": now() + 600,
               "environment_id": ENV, "scope": scope})
    };
    let (status, _, body) = w.call(&sign(&w.dynamic, &claims("user:basic"))).await;
    assert_eq!((status, body.as_str()), (200, "d-1"));
    let (status, www, body) = w
        .call(&sign(
            &w.dynamic,
            &claims("user:basic requiresAdditionalAuth"),
        ))
        .await;
    assert_eq!(status, 403);
    assert_eq!(
        www.as_deref(),
        Some(
            "Bearer error=\"insufficient_scope\", error_description=\"the token does not grant this access\""
        )
    );
    assert_eq!(
        serde_json::from_str::<Value>(&body).unwrap()["error"],
        "insufficient_scope"
    );
}
