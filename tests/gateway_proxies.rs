//! Real proxies in front of `wallet-auth serve`: nginx (`auth_request`) and Caddy
//! (`forward_auth`), each started by the test on loopback from a configuration written to a temp
//! dir (the ones in `docs/gateway.md`, "Gateway mode"), in front of an upstream that records the
//! headers it receives. Under `CI=true` a missing proxy is a failure; elsewhere the test says so
//! and skips that proxy.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod gateway_support;

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::http::{HeaderMap, Uri};
use gateway_support::proxies::*;
use gateway_support::*;
use reqwest::StatusCode;
use serde_json::{Value, json};
use test_support::jwks_server::{JwksServer, closed_url};
use test_support::{EcKey, jwks, now, sign};

/// What each upstream request carried, in order: its path as received (`path`) and its
/// `x-auth-*` headers.
type Seen = Arc<Mutex<Vec<Value>>>;

async fn upstream() -> (String, Seen) {
    let seen: Seen = Arc::default();
    let record = seen.clone();
    let app = Router::new().fallback(move |uri: Uri, headers: HeaderMap| {
        let record = record.clone();
        async move {
            let mut auth: serde_json::Map<String, Value> = headers
                .iter()
                .filter(|(name, _)| name.as_str().starts_with("x-auth-"))
                .map(|(name, value)| (name.to_string(), json!(value.to_str().unwrap())))
                .collect();
            auth.insert("path".into(), json!(uri.path()));
            record.lock().unwrap().push(Value::Object(auth));
            "upstream"
        }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (addr.to_string(), seen)
}

async fn get(
    base: &str,
    path: &str,
    token: Option<&str>,
    user_id: Option<&str>,
) -> reqwest::Response {
    let mut req = client().get(format!("{base}{path}"));
    if let Some(token) = token {
        req = req.bearer_auth(token);
    }
    if let Some(user) = user_id {
        req = req.header("X-Auth-User-Id", user);
    }
    req.send().await.unwrap()
}

/// What every proxy must do with the service's answers.
async fn check(proxy: &Proxy, seen: &Seen, ec: &EcKey) {
    let base = &proxy.base;
    let token = sign(ec, &privy_claims());

    // A valid token reaches the upstream with the identity headers.
    let res = get(base, "/app", Some(&token), None).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.text().await.unwrap(), "upstream");
    assert_eq!(
        seen.lock().unwrap().pop().unwrap(),
        json!({
            "path": "/app",
            "x-auth-provider": "privy",
            "x-auth-user-id": "did:privy:cm3user1",
            "x-auth-email": "ada@example.com",
            "x-auth-wallets": "evm:0xAbC0000000000000000000000000000000000001",
        })
    );
    // A client's own X-Auth-User-Id never reaches the upstream, with a valid token...
    let res = get(base, "/app", Some(&token), Some("admin")).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(
        seen.lock().unwrap().pop().unwrap()["x-auth-user-id"],
        "did:privy:cm3user1"
    );

    // ... or without one; no token, expired, forged: 401, the upstream never sees them.
    let mut expired = privy_claims();
    expired["exp"] = json!(now() - 3600);
    let forged = sign(&EcKey::generate("privy-1"), &privy_claims());
    for (token, challenge) in [
        (None, "Bearer".to_owned()),
        (
            Some(sign(ec, &expired)),
            "Bearer error=\"invalid_token\", error_description=\"the token has expired\"".to_owned(),
        ),
        (
            Some(forged),
            "Bearer error=\"invalid_token\", error_description=\"the token's signature is invalid\"".to_owned(),
        ),
    ] {
        let res = get(base, "/app", token.as_deref(), Some("admin")).await;
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED, "{challenge}");
        assert_eq!(res.headers()["www-authenticate"], challenge.as_str());
    }
    // A scope the location requires and the token lacks: 403.
    let res = get(base, "/scoped", Some(&token), None).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert!(
        seen.lock().unwrap().is_empty(),
        "a refused request reached the upstream"
    );
}

/// The status of `GET target` sent as written (no client-side cleaning of `..` or `%2F`).
async fn raw_get(base: &str, target: &str, token: Option<&str>) -> u16 {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    let mut stream = tokio::net::TcpStream::connect(base.trim_start_matches("http://"))
        .await
        .unwrap();
    let auth = token.map_or(String::new(), |t| format!("Authorization: Bearer {t}\r\n"));
    let request =
        format!("GET {target} HTTP/1.1\r\nHost: 127.0.0.1\r\n{auth}Connection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).await.unwrap();
    answer
        .split(' ')
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap_or_else(|| panic!("no status in {answer:?}"))
}

/// Paths written to be matched as one location and routed as another: the proxy decides on the
/// cleaned path (`..` resolved, `%2F` decoded), so it must either send the upstream that same
/// path (nginx, `proxy_pass` with a path) or refuse paths that cleaning changes (Caddy, 400): a
/// location's check is never skipped by the spelling of its path.
async fn check_path_tricks(proxy: &Proxy, seen: &Seen, token: &str, refuses: bool) {
    // Target, with the token (which lacks read:me)?, and nginx's answer: its status and the
    // path the upstream saw (Caddy answers 400 to each).
    let tricks = [
        // Cleaned to /app: the token is checked there, the upstream sees /app, never a path
        // its router would take for /scoped.
        ("/scoped/..%2Fapp", true, 200, Some("/app")),
        ("/scoped/%2E%2E/app", true, 200, Some("/app")),
        ("/scoped/../app", true, 200, Some("/app")),
        // `\` is no separator for nginx: still /scoped, which needs the scope.
        ("/scoped/..%5Capp", true, 403, None),
        // Cleaned to /public/x: public, and the upstream sees /public/x.
        ("/app/..%2Fpublic/x", false, 200, Some("/public/x")),
        ("/app/../public/x", false, 200, Some("/public/x")),
        ("//public/x", false, 200, Some("/public/x")),
    ];
    for (target, with_token, status, path) in tricks {
        let token = with_token.then_some(token);
        let got = raw_get(&proxy.base, target, token).await;
        if refuses {
            assert_eq!(got, 400, "{target}");
            continue;
        }
        assert_eq!(got, status, "{target}");
        let seen = seen.lock().unwrap().pop().map(|s| s["path"].clone());
        assert_eq!(seen, path.map(|p| json!(p)), "{target}");
    }
}

fn config_for(jwks_url: &str) -> PathBuf {
    config(jwks_url, "")
}

#[tokio::test]
async fn nginx_and_caddy_in_front_of_the_service() {
    let ec = EcKey::generate("privy-1");
    let keys = JwksServer::start_on_own_thread(jwks(&[ec.jwk()]));
    let served = serve(&config_for(&keys.url()), "text");
    let auth = served.base.trim_start_matches("http://").to_owned();
    let (upstream, seen) = upstream().await;
    let token = sign(&ec, &privy_claims());
    if let Some(nginx) = nginx(&auth, &upstream).await {
        check(&nginx, &seen, &ec).await;
        // The public location needs no token, and a client's own identity headers never pass it.
        let res = get(&nginx.base, "/public/app", None, Some("admin")).await;
        assert_eq!(res.status(), StatusCode::OK);
        assert_eq!(
            seen.lock().unwrap().pop().unwrap(),
            json!({"path": "/public/app"})
        );
        check_path_tricks(&nginx, &seen, &token, false).await;
    }
    if let Some(caddy) = caddy(&auth, &upstream).await {
        check(&caddy, &seen, &ec).await;
        check_path_tricks(&caddy, &seen, &token, true).await;
    }
}

#[tokio::test]
async fn key_set_down_before_the_first_fetch_is_503_with_retry_after() {
    let ec = EcKey::generate("privy-1");
    let down = closed_url().await;
    let served = serve(&config_for(&down), "text");
    let auth = served.base.trim_start_matches("http://").to_owned();
    let (upstream, seen) = upstream().await;
    let token = sign(&ec, &privy_claims());
    if let Some(nginx) = nginx(&auth, &upstream).await {
        // auth_request turns the 503 into a 500; the configuration's error_page gives 503.
        let res = get(&nginx.base, "/app", Some(&token), None).await;
        assert_eq!(res.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(res.headers()["retry-after"], "5");
    }
    // Without the error_page recipe: what auth_request itself does with the 503.
    let recipe = "error_page 500 = @auth_unavailable;";
    assert!(NGINX_CONF.contains(recipe));
    if let Some(nginx) = nginx_from(&NGINX_CONF.replace(recipe, ""), &auth, &upstream).await {
        let res = get(&nginx.base, "/app", Some(&token), None).await;
        assert_eq!(res.status(), StatusCode::INTERNAL_SERVER_ERROR);
    }
    if let Some(caddy) = caddy(&auth, &upstream).await {
        let res = get(&caddy.base, "/app", Some(&token), None).await;
        assert_eq!(res.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(res.headers()["retry-after"], "5");
    }
    assert!(seen.lock().unwrap().is_empty());
}

#[test]
fn the_gateway_docs_show_these_configurations_as_they_are() {
    let doc = include_str!("../docs/gateway.md");
    assert!(
        doc.contains(NGINX_CONF),
        "docs/gateway.md's nginx configuration differs"
    );
    assert!(
        doc.contains(CADDYFILE),
        "docs/gateway.md's Caddyfile differs"
    );
}
