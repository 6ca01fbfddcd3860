//! The command line follows the provider registry: `verify --config` with `[privy]` and `[[oidc]]`
//! (jwks_url and discovery), `dev-token --provider` for every built-in provider, and `inspect`
//! naming built-in and generic providers. Run as a process; key sets and discovery documents are
//! served by a real axum server on 127.0.0.1.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod cli_support;

use std::net::SocketAddr;

use axum::Router;
use axum::routing::get;
use cli_support::*;
use serde_json::{Value, json};
use test_support::{EcKey, Provider, RsaKey, jwks, now, sign};

/// Serve `GET /jwks` (`jwks`) and `GET /.well-known/openid-configuration` (a discovery document
/// naming `issuer_override`, or this server itself, as the issuer) from a background thread.
fn serve_issuer(jwks: Value, issuer_override: Option<&str>) -> (SocketAddr, String) {
    // The document names the server itself, known only once it is bound: the handler reads the
    // address from the request's `Host`.
    let issuer_override = issuer_override.map(str::to_owned);
    let app = Router::new()
        .route(
            "/jwks",
            get(move || async move { axum::Json(jwks.clone()) }),
        )
        .route(
            "/.well-known/openid-configuration",
            get(move |headers: axum::http::HeaderMap| async move {
                let host = headers["host"].to_str().unwrap();
                let issuer = format!("http://{host}");
                axum::Json(json!({
                    "issuer": issuer_override.clone().unwrap_or(issuer.clone()),
                    "jwks_uri": format!("{issuer}/jwks"),
                }))
            }),
        );
    let addr = serve_router(app);
    (addr, format!("http://{addr}"))
}

#[test]
fn verify_with_a_config_handles_privy_and_oidc() {
    let privy_key = EcKey::generate("privy-1");
    let oidc_key = RsaKey::generate("oidc-1");
    let (privy, _) = serve_issuer(jwks(&[privy_key.jwk()]), None);
    let (_, issuer) = serve_issuer(jwks(&[oidc_key.jwk()]), None);
    let dir = scratch("cli-providers");
    let config = write(
        &dir,
        "auth.toml",
        format!(
            r#"
[jwks]
allow_http = true

[privy]
app_id = "app-1"
jwks_url = "http://{privy}/jwks"

[[oidc]]
name = "acme"
issuer = "{issuer}"
audience = "api"
discovery = true
"#
        ),
    );
    let privy_token = sign(
        &privy_key,
        &json!({"iss": "privy.io", "aud": "app-1", "sub": "did:privy:u1", "sid": "s1",
                "iat": now(), "exp": now() + 600}),
    );
    let v = json_out(&run(&["verify", "--config", &config, &privy_token]));
    assert_eq!(v["provider"], "privy");
    assert_eq!(
        v["identity"],
        json!({"user_id": "did:privy:u1", "email": null, "wallets": []})
    );
    assert_eq!(v["claims"]["sid"], "s1");

    let oidc_token = sign(
        &oidc_key,
        &json!({"iss": issuer, "aud": "api", "sub": "acme|7", "email": "a@example.com",
                "exp": now() + 600, "tenant": "t1"}),
    );
    let v = json_out(&run(&["verify", "--config", &config, &oidc_token]));
    assert_eq!(v["provider"], "acme");
    assert_eq!(
        v["identity"],
        json!({"user_id": "acme|7", "email": "a@example.com", "wallets": []})
    );
    assert_eq!(v["claims"]["tenant"], "t1");

    // Privy's key cannot sign for the oidc issuer: routed by iss, checked with that issuer's keys.
    let forged = sign(
        &privy_key,
        &json!({"iss": issuer, "aud": "api", "sub": "acme|7", "exp": now() + 600}),
    );
    assert_eq!(
        failed(&run(&["verify", "--config", &config, &forged])),
        (
            1,
            "error: algorithm ES256 is not allowed for this provider".into()
        )
    );
}

#[test]
fn verify_refuses_a_discovery_document_for_another_issuer() {
    let key = RsaKey::generate("oidc-1");
    let (addr, _) = serve_issuer(jwks(&[key.jwk()]), Some("https://evil.example"));
    let issuer = format!("http://{addr}");
    let dir = scratch("cli-discovery");
    let config = write(
        &dir,
        "auth.toml",
        format!(
            "[jwks]\nallow_http = true\n\n[[oidc]]\nname = \"acme\"\nissuer = \"{issuer}\"\naudience = \"api\"\ndiscovery = true\n"
        ),
    );
    let token = sign(
        &key,
        &json!({"iss": issuer, "aud": "api", "sub": "u", "exp": now() + 600}),
    );
    assert_eq!(
        failed(&run(&["verify", "--config", &config, &token])),
        (
            2,
            format!(
                "error: config: {issuer} ({issuer}/.well-known/openid-configuration): discovery document names issuer \"https://evil.example\", not the configured \"{issuer}\""
            )
        )
    );
}

#[test]
fn dev_token_mints_every_builtin_provider() {
    let dir = scratch("cli-dev-every");
    let state = dir.join("state.json");
    let state = state.to_str().unwrap();
    for provider in Provider::ALL {
        let o = run(&[
            "dev-token",
            "--provider",
            provider.as_str(),
            "--state",
            state,
        ]);
        assert_eq!(o.status.code(), Some(0), "{provider}: {}", err(&o));
        let token = out(&o).trim().to_owned();
        let s = out(&run(&["inspect", &token]));
        assert!(
            s.contains(&format!("provider: {provider} (")),
            "{provider}: {s}"
        );
    }
}

#[test]
fn inspect_names_generic_issuers() {
    let key = RsaKey::generate("k");
    let token = sign(
        &key,
        &json!({"iss": "https://example.eu.auth0.com/", "sub": "u", "exp": now() + 60}),
    );
    let s = out(&run(&["inspect", &token]));
    assert!(
        s.contains("provider: generic issuer (iss \"https://example.eu.auth0.com/\" matches no built-in provider: an [[oidc]] issuer, a parra API key id, or your own provider)"),
        "{s}"
    );
    let privy = sign(
        &key,
        &json!({"iss": "privy.io", "sub": "u", "exp": now() + 60}),
    );
    assert!(out(&run(&["inspect", &privy])).contains("provider: privy (iss \"privy.io\")"));
}
