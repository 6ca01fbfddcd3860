//! End to end over HTTP, for each of the six built-in providers: a real JWKS server on loopback, the real
//! axum app behind the layer, a real HTTP client. A valid token gets 200 and the exact identity and
//! claims in `/me`; every kind of bad token gets the exact status and `WWW-Authenticate` value.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod support;

use reqwest::StatusCode;
use serde_json::{Value, json};
use support::{Harness, Keys, claims, expected_me, invalid_token, now, status_and_challenge};
use test_support::Provider;
use test_support::{EcKey, Hmac, RsaKey, Signer, b64, patched, sign_with_header, unsigned};

/// One refusal case: a name, the token, the expected `error_description`.
struct Case {
    name: &'static str,
    token: String,
    description: &'static str,
}

/// An attacker's key of the same type as `provider`'s, with the same kid.
fn attacker(keys: &Keys, provider: Provider) -> Box<dyn Signer> {
    match provider {
        Provider::Para | Provider::Sophon | Provider::Dynamic => {
            Box::new(RsaKey::generate(&keys.rsa.kid))
        }
        Provider::Web3Auth | Provider::Privy => Box::new(EcKey::generate(&keys.ec.kid)),
        Provider::Parra => Box::new(Hmac::hs256(b"not-the-parra-secret-0123456789abcdef")),
    }
}

/// The JWK an attacker would embed (its public key).
fn attacker_jwk(provider: Provider) -> Value {
    match provider {
        Provider::Web3Auth | Provider::Privy => EcKey::generate("attacker").jwk(),
        _ => RsaKey::generate("attacker").jwk(),
    }
}

fn cases(keys: &Keys, provider: Provider) -> Vec<Case> {
    let now = now();
    let good = claims(provider, now);
    let header = keys.header(provider);
    let mut cases = Vec::new();

    cases.push(Case {
        name: "expired",
        token: keys.token(
            provider,
            &patched(good.clone(), json!({"iat": now - 7200, "exp": now - 3600})),
        ),
        description: "the token has expired",
    });

    // Wrong audience; Parra has no `aud`: its counterpart is the tenant (`sub`).
    let (patch, description) = match provider {
        Provider::Para | Provider::Sophon | Provider::Web3Auth | Provider::Privy => (
            json!({"aud": "someone-else"}),
            "the token is not meant for this service",
        ),
        Provider::Dynamic => (
            json!({"aud": "https://evil.example"}),
            "the token is not meant for this service",
        ),
        Provider::Parra => (
            json!({"sub": "another-tenant"}),
            "the token's subject is not accepted",
        ),
    };
    cases.push(Case {
        name: "wrong aud",
        token: keys.token(provider, &patched(good.clone(), patch)),
        description,
    });

    let wrong_iss = match provider {
        Provider::Dynamic => json!({"iss": "app.dynamicauth.com/another-environment"}),
        Provider::Parra => json!({"iss": "another-parra-key"}),
        _ => json!({"iss": "https://evil.example"}),
    };
    cases.push(Case {
        name: "wrong iss",
        token: keys.token(provider, &patched(good.clone(), wrong_iss)),
        description: "the token's issuer is not accepted",
    });

    cases.push(Case {
        name: "wrong key",
        token: sign_with_header(attacker(keys, provider).as_ref(), &header, &good),
        description: "the token's signature is invalid",
    });

    let mut none_header = header.clone();
    none_header["alg"] = json!("none");
    cases.push(Case {
        name: "alg none",
        token: unsigned(&none_header, &good, ""),
        description: "the token's algorithm is not accepted",
    });

    // HS256 keyed with the provider's public key (the classic RS/ES → HS confusion). Parra is
    // HS256 already: its confusion is the other way, an RS256 token with the Parra header.
    let confused = match provider {
        Provider::Para | Provider::Sophon | Provider::Dynamic => {
            let mut h = header.clone();
            h["alg"] = json!("HS256");
            sign_with_header(&Hmac::hs256(keys.rsa.spki_pem().as_bytes()), &h, &good)
        }
        Provider::Web3Auth | Provider::Privy => {
            let mut h = header.clone();
            h["alg"] = json!("HS256");
            sign_with_header(&Hmac::hs256(keys.ec.spki_pem().as_bytes()), &h, &good)
        }
        Provider::Parra => {
            let mut h = header.clone();
            h["alg"] = json!("RS256");
            sign_with_header(&keys.rsa, &h, &good)
        }
    };
    cases.push(Case {
        name: "alg confusion (HS256 with the public key)",
        token: confused,
        description: "the token's algorithm is not accepted",
    });

    // Key-carrying headers, signed with the attacker's key they point to.
    let evil = attacker(keys, provider);
    for (member, value) in [
        ("jwk", attacker_jwk(provider)),
        ("jku", json!("https://evil.example/jwks.json")),
        ("x5u", json!("https://evil.example/cert.pem")),
    ] {
        let mut h = header.clone();
        h[member] = value;
        cases.push(Case {
            name: match member {
                "jwk" => "embedded jwk",
                "jku" => "embedded jku",
                _ => "embedded x5u",
            },
            token: sign_with_header(evil.as_ref(), &h, &good),
            description: "the token's header is not accepted",
        });
    }

    cases.push(Case {
        name: "oversized",
        token: keys.token(
            provider,
            &patched(good.clone(), json!({"padding": "x".repeat(9 * 1024)})),
        ),
        description: "the token is too large",
    });

    // Malformed: the provider's valid header, a payload that is not base64url JSON.
    let valid = keys.token(provider, &good);
    let parts: Vec<&str> = valid.split('.').collect();
    cases.push(Case {
        name: "malformed payload",
        token: format!("{}.{}.{}", parts[0], b64("{not json"), parts[2]),
        description: "the token is malformed",
    });
    cases.push(Case {
        name: "malformed (two parts)",
        token: format!("{}.{}", parts[0], parts[1]),
        description: "the token is malformed",
    });
    cases
}

async fn check_provider(provider: Provider) {
    let h = Harness::start().await;

    // Valid: 200, the exact identity and claims.
    let good = claims(provider, now());
    let res = h.get("/me", Some(&h.keys.token(provider, &good))).await;
    assert_eq!(res.status(), StatusCode::OK, "{provider}: valid token");
    let body: Value = res.json().await.unwrap();
    assert_eq!(body, expected_me(provider, &good), "{provider}: /me body");

    for case in cases(&h.keys, provider) {
        let res = h.get("/me", Some(&case.token)).await;
        let (status, www) = status_and_challenge(&res);
        assert_eq!(
            (status, www.as_deref()),
            (
                StatusCode::UNAUTHORIZED,
                Some(invalid_token(case.description).as_str())
            ),
            "{provider}: {}",
            case.name
        );
        let body: Value = res.json().await.unwrap();
        assert_eq!(
            body,
            json!({"error": "invalid_token", "error_description": case.description}),
            "{provider}: {} body",
            case.name
        );
        assert!(
            !body.to_string().contains(&case.token),
            "{provider}: the token is echoed"
        );
    }
}

#[tokio::test]
async fn para() {
    check_provider(Provider::Para).await;
}

#[tokio::test]
async fn parra() {
    check_provider(Provider::Parra).await;
}

#[tokio::test]
async fn sophon() {
    check_provider(Provider::Sophon).await;
}

#[tokio::test]
async fn dynamic() {
    check_provider(Provider::Dynamic).await;
}

#[tokio::test]
async fn web3auth() {
    check_provider(Provider::Web3Auth).await;
}

#[tokio::test]
async fn privy() {
    check_provider(Provider::Privy).await;
}

#[tokio::test]
async fn missing_token_is_a_bare_bearer_challenge() {
    let h = Harness::start().await;
    let res = h.get("/me", None).await;
    let (status, www) = status_and_challenge(&res);
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(www.as_deref(), Some("Bearer"));
    let body: Value = res.json().await.unwrap();
    assert_eq!(
        body,
        json!({"error": "missing_token", "error_description": "authentication required"})
    );

    // `Authorization: Bearer` with nothing after it, and a non-JWT string.
    let res = h
        .client
        .get(format!("{}/me", h.base))
        .header("authorization", "Bearer not-a-jwt")
        .send()
        .await
        .unwrap();
    assert_eq!(
        status_and_challenge(&res),
        (
            StatusCode::UNAUTHORIZED,
            Some(invalid_token("the token is malformed"))
        )
    );

    // /healthz needs no token.
    let res = h.get("/healthz", None).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.text().await.unwrap(), "ok");
}
