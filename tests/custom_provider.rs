//! `examples/custom_provider.rs` run for real: its app (a provider of its own, "acme", registered
//! next to a TOML config) behind a real HTTP server on loopback, Acme's keys on a real JWKS server,
//! tokens signed with real keys. Valid tokens reach the handlers with their typed claims; every
//! refusal has its exact answer; the common rules of the built-in tables hold for Acme too.
#![cfg(feature = "dev")]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

#[path = "../examples/custom_provider.rs"]
#[allow(dead_code)]
mod example;
mod support;

use example::{AUDIENCE, Acme, ISSUER};
use reqwest::StatusCode;
use serde_json::{Value, json};
use support::{client, invalid_token, now, serve, status_and_challenge};
use test_support::jwks_server::JwksServer;
use test_support::{EcKey, RsaKey, jwks, sign};

const INSUFFICIENT: &str = "Bearer error=\"insufficient_scope\", error_description=\"the token does not grant this access\"";

/// Acme's claims for `user-7` of `tenant-42`.
fn acme_claims() -> Value {
    let now = now();
    json!({
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": "user-7",
        "email": "ada@acme.example",
        "tenant": "tenant-42",
        "roles": ["orders:viewer"],
        "iat": now,
        "exp": now + 600,
    })
}

/// Acme's key set on a JWKS server, the example's app for `acme` (from `Acme::new(url)`, edited by
/// `edit`) on an HTTP server.
struct Running {
    key: EcKey,
    _jwks: JwksServer,
    base: String,
    client: reqwest::Client,
}

impl Running {
    async fn start(edit: impl FnOnce(&mut Acme)) -> Self {
        let key = EcKey::generate("acme-key-1");
        let jwks = JwksServer::start(jwks(&[key.jwk()])).await;
        let mut acme = Acme::new(jwks.url());
        edit(&mut acme);
        let base = serve(example::app(acme).unwrap()).await;
        Running {
            key,
            _jwks: jwks,
            base,
            client: client(),
        }
    }

    async fn get(&self, path: &str, token: &str) -> reqwest::Response {
        self.client
            .get(format!("{}{path}", self.base))
            .bearer_auth(token)
            .send()
            .await
            .unwrap()
    }

    /// `GET path` with `token`: status and `WWW-Authenticate`.
    async fn answer(&self, path: &str, token: &str) -> (StatusCode, Option<String>) {
        status_and_challenge(&self.get(path, token).await)
    }
}

fn refused(description: &str) -> (StatusCode, Option<String>) {
    (StatusCode::UNAUTHORIZED, Some(invalid_token(description)))
}

#[tokio::test]
async fn a_valid_token_reaches_the_handler_with_its_typed_claims() {
    let r = Running::start(|_| {}).await;
    let token = sign(&r.key, &acme_claims());
    let res = r.get("/whoami", &token).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(
        res.json::<Value>().await.unwrap(),
        json!({
            "provider": "acme",
            "user_id": "user-7",
            "email": "ada@acme.example",
            "tenant": "tenant-42",
            "roles": ["orders:viewer"],
        })
    );
    // The handler's own rule, on the typed claims.
    assert_eq!(
        r.get("/admin", &token).await.status(),
        StatusCode::FORBIDDEN
    );
    let mut admin = acme_claims();
    admin["roles"] = json!(["orders:viewer", "admin"]);
    let res = r.get("/admin", &sign(&r.key, &admin)).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.text().await.unwrap(), "admin of tenant-42");
}

#[tokio::test]
async fn the_cookie_of_the_toml_config_carries_acme_tokens_too() {
    let r = Running::start(|_| {}).await;
    let token = sign(&r.key, &acme_claims());
    let res = r
        .client
        .get(format!("{}/whoami", r.base))
        .header("cookie", format!("theme=dark; acme_session={token}"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.json::<Value>().await.unwrap()["user_id"], "user-7");
    // And without any token: the bare challenge.
    let res = r
        .client
        .get(format!("{}/whoami", r.base))
        .send()
        .await
        .unwrap();
    assert_eq!(
        status_and_challenge(&res),
        (StatusCode::UNAUTHORIZED, Some("Bearer".to_owned()))
    );
}

#[tokio::test]
async fn a_token_missing_a_required_claim_is_refused() {
    let r = Running::start(|_| {}).await;
    for (claim, value) in [
        ("tenant", Value::Null),
        ("tenant", json!("")),
        ("sub", Value::Null),
        ("exp", Value::Null),
    ] {
        let mut c = acme_claims();
        match value {
            Value::Null => c.as_object_mut().unwrap().remove(claim),
            v => c.as_object_mut().unwrap().insert(claim.to_owned(), v),
        };
        assert_eq!(
            r.answer("/whoami", &sign(&r.key, &c)).await,
            refused("the token's claims are invalid"),
            "{claim}"
        );
    }
    // A claim of the wrong type.
    let mut c = acme_claims();
    c["roles"] = json!("admin");
    assert_eq!(
        r.answer("/whoami", &sign(&r.key, &c)).await,
        refused("the token's claims are invalid")
    );
}

#[tokio::test]
async fn another_issuer_audience_or_expired_token_is_refused() {
    let r = Running::start(|_| {}).await;
    let cases = [
        (
            "iss",
            json!("https://id.acme.example/"),
            "the token's issuer is not accepted",
        ),
        (
            "iss",
            json!("https://evil.example"),
            "the token's issuer is not accepted",
        ),
        (
            "aud",
            json!("acme-billing-api"),
            "the token is not meant for this service",
        ),
        ("exp", json!(now() - 3600), "the token has expired"),
    ];
    for (claim, value, description) in cases {
        let mut c = acme_claims();
        c[claim] = value.clone();
        assert_eq!(
            r.answer("/whoami", &sign(&r.key, &c)).await,
            refused(description),
            "{claim} {value}"
        );
    }
}

#[tokio::test]
async fn forged_tokens_are_refused() {
    let r = Running::start(|_| {}).await;
    // Another key under Acme's kid.
    let attacker = EcKey::generate("acme-key-1");
    assert_eq!(
        r.answer("/whoami", &sign(&attacker, &acme_claims())).await,
        refused("the token's signature is invalid")
    );
    // Acme's token with the payload changed to another tenant.
    let token = sign(&r.key, &acme_claims());
    let mut parts: Vec<String> = token.split('.').map(str::to_owned).collect();
    let mut other = acme_claims();
    other["tenant"] = json!("tenant-1");
    parts[1] = test_support::b64(other.to_string());
    assert_eq!(
        r.answer("/whoami", &parts.join(".")).await,
        refused("the token's signature is invalid")
    );
    // An algorithm outside Acme's policy (ES256 only).
    let rsa = RsaKey::generate("acme-key-1");
    assert_eq!(
        r.answer("/whoami", &sign(&rsa, &acme_claims())).await,
        refused("the token's algorithm is not accepted")
    );
    // A key id Acme does not publish.
    let unknown = EcKey::generate("acme-key-2");
    assert_eq!(
        r.answer("/whoami", &sign(&unknown, &acme_claims())).await,
        refused("no key for this token")
    );
}

/// `required_scopes`, the common rule of every built-in table, set through `RuleSettings` by the
/// example's provider: enforced exactly as for the built-in ones.
#[tokio::test]
async fn required_scopes_hold_for_the_custom_provider() {
    let r = Running::start(|acme| acme.required_scopes = vec!["orders:read".to_owned()]).await;
    for (grant, expected) in [
        (json!({}), StatusCode::FORBIDDEN),
        (json!({"scope": "orders:write"}), StatusCode::FORBIDDEN),
        (json!({"scp": ["orders:readonly"]}), StatusCode::FORBIDDEN),
        (json!({"scope": "openid orders:read"}), StatusCode::OK),
        (json!({"scp": ["orders:read"]}), StatusCode::OK),
    ] {
        let mut c = acme_claims();
        for (k, v) in grant.as_object().unwrap() {
            c[k] = v.clone();
        }
        let res = r.get("/whoami", &sign(&r.key, &c)).await;
        let (status, challenge) = status_and_challenge(&res);
        assert_eq!(status, expected, "{grant}");
        if expected == StatusCode::FORBIDDEN {
            assert_eq!(challenge.as_deref(), Some(INSUFFICIENT), "{grant}");
            let body: Value = res.json().await.unwrap();
            assert_eq!(
                body,
                json!({"error": "insufficient_scope", "error_description": "the token does not grant this access"})
            );
        }
    }
}

#[tokio::test]
async fn the_common_rules_are_checked_at_start_for_the_custom_provider() {
    let jwks_url = "http://127.0.0.1:9/.well-known/jwks.json";
    let mut acme = Acme::new(jwks_url);
    acme.required_scopes = vec!["orders read".to_owned()];
    assert_eq!(
        example::app(acme).unwrap_err().to_string(),
        "acme.required_scopes: \"orders read\" is not a scope (one non-empty word each)"
    );
    // An https-only cache refuses Acme's http:// key set, naming Acme's own key.
    let config = wallet_auth::layer::AuthConfig::default().with_provider(Acme::new(jwks_url));
    assert_eq!(
        config.build_verifier().unwrap_err().to_string(),
        format!(
            "acme.jwks_url: {jwks_url:?} is not https:// (set jwks.allow_http = true for loopback tests)"
        )
    );
    // Acme next to a built-in provider claiming the same issuer.
    let config = wallet_auth::layer::AuthConfig::from_toml_str(&format!(
        "[jwks]\nallow_http = true\n[[oidc]]\nname = \"acme-oidc\"\nissuer = \"{ISSUER}\"\naudience = \"x\"\njwks_url = \"{jwks_url}\"\n"
    ))
    .unwrap()
    .with_provider(Acme::new(jwks_url));
    assert_eq!(
        config.build_verifier().unwrap_err().to_string(),
        format!(
            "acme: the issuer {ISSUER:?} is already [oidc[0]]'s: each issuer routes to one provider"
        )
    );
}

/// The example's own `main` path: the development key set served by the app's router, and the
/// token it prints.
#[tokio::test]
async fn the_demo_token_main_prints_works() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let (router, token) = example::demo(&base).unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    let res = client()
        .get(format!("{base}/whoami"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(
        res.json::<Value>().await.unwrap(),
        json!({
            "provider": "acme",
            "user_id": "user-7",
            "email": "dev@acme.example",
            "tenant": "tenant-42",
            "roles": ["admin"],
        })
    );
}
