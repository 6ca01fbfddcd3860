//! Shared by `tests/http_oidc.rs` and `tests/http_routing.rs`: an `[[oidc]]` issuer found through
//! a real discovery server on loopback, exact-answer assertions, and key-set counters.
#![allow(
    dead_code,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::time::Duration;

use crate::support::{client, invalid_token, status_and_challenge};
use reqwest::StatusCode;
use serde_json::{Value, json};
use test_support::discovery_server::DiscoveryServer;
use test_support::jwks_server::JwksServer;
pub use test_support::patched;
use test_support::{RsaKey, jwks, sign};
use wallet_auth::jwks::{JwksCache, Stats};
use wallet_auth::layer::{AuthConfig, AuthLayer, KeySource, Verifier};

/// The audience the `[[oidc]]` issuers below require.
pub const API_AUD: &str = "api://acme";

/// The body of a 503 (keys unavailable).
pub fn unavailable_body() -> Value {
    json!({
        "error": "temporarily_unavailable",
        "error_description": "the token cannot be verified right now; try again later",
    })
}

/// Claims of a standard issuer: registered claims plus `email` and custom members.
pub fn oidc_claims(issuer: &str, now: i64) -> Value {
    json!({
        "iss": issuer,
        "sub": "acme|user-1",
        "aud": API_AUD,
        "iat": now,
        "exp": now + 3600,
        "jti": format!("jti-{now}-{}", test_support::unique()),
        "email": "user1@acme.example",
        "org_id": "org-42",
        "roles": ["admin", "reader"],
        "profile": {"locale": "fr-FR", "tier": 3},
    })
}

/// A distinct suffix per call, so that no two tokens are the same (no verified-token cache hit).
/// `GET base + path` with the bearer token.
pub async fn get(base: &str, path: &str, token: &str) -> reqwest::Response {
    client()
        .get(format!("{base}{path}"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
}

/// Assert `res` is a 200 whose `/me` body is `expected`.
pub async fn assert_me(res: reqwest::Response, expected: &Value) {
    assert_eq!(res.status(), StatusCode::OK);
    let body: Value = res.json().await.unwrap();
    assert_eq!(&body, expected);
}

/// Assert `res` is a 401 with `invalid_token` and `description`, header and body.
pub async fn assert_invalid(res: reqwest::Response, description: &str) {
    assert_eq!(
        status_and_challenge(&res),
        (StatusCode::UNAUTHORIZED, Some(invalid_token(description)))
    );
    let body: Value = res.json().await.unwrap();
    assert_eq!(
        body,
        json!({"error": "invalid_token", "error_description": description})
    );
}

/// Assert `res` is a 503 (keys unavailable): no challenge, `Retry-After: 5`, the fixed body.
pub async fn assert_unavailable(res: reqwest::Response) {
    assert_eq!(
        status_and_challenge(&res),
        (StatusCode::SERVICE_UNAVAILABLE, None)
    );
    assert_eq!(res.headers()["retry-after"], "5");
    let body: Value = res.json().await.unwrap();
    assert_eq!(body, unavailable_body());
}

/// Wait (up to 10 s) until `done` holds; panics naming `what` otherwise. Not a timing assertion:
/// only a bound so a broken build fails instead of hanging.
pub async fn eventually(what: &str, done: impl Fn() -> bool) {
    for _ in 0..2000 {
        if done() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    panic!("never happened: {what}");
}

/// The entry of `provider` in the verifier.
pub fn key_source<'v>(verifier: &'v Verifier, provider: &str) -> &'v KeySource {
    &verifier
        .providers()
        .entries()
        .iter()
        .find(|e| e.policy.provider().as_str() == provider)
        .unwrap_or_else(|| panic!("no provider {provider}"))
        .keys
}

/// The counters of `provider`'s key set(s).
pub fn stats_of(verifier: &Verifier, provider: &str) -> Stats {
    key_source(verifier, provider)
        .jwks_sources()
        .iter()
        .map(|s| s.stats())
        .fold(Stats::default(), |a, b| a + b)
}

/// The counters that changed from `before` to `after`, with their increase.
pub fn diff(before: Stats, after: Stats) -> Vec<(&'static str, u64)> {
    let pairs = [
        ("fetches", before.fetches, after.fetches),
        (
            "fetch_failures",
            before.fetch_failures,
            after.fetch_failures,
        ),
        (
            "unknown_kid_refreshes",
            before.unknown_kid_refreshes,
            after.unknown_kid_refreshes,
        ),
        (
            "cooldown_rejections",
            before.cooldown_rejections,
            after.cooldown_rejections,
        ),
        ("negative_hits", before.negative_hits, after.negative_hits),
        ("hits", before.hits, after.hits),
        ("stale_hits", before.stale_hits, after.stale_hits),
        ("unavailable", before.unavailable, after.unavailable),
        (
            "background_refreshes",
            before.background_refreshes,
            after.background_refreshes,
        ),
        ("skipped_keys", before.skipped_keys, after.skipped_keys),
    ];
    pairs
        .into_iter()
        .filter(|(_, b, a)| a != b)
        .map(|(name, b, a)| (name, a - b))
        .collect()
}

/// The `/me` body of an `[[oidc]]` token: provider, identity, no wallets, the claims as sent.
pub fn expected_oidc_me(
    provider: &str,
    user_id: &str,
    email: Option<&str>,
    claims: &Value,
) -> Value {
    json!({
        "provider": provider,
        "user_id": user_id,
        "email": email,
        "wallets": [],
        "claims": claims,
    })
}

/// An issuer `acme` found through discovery: its JWKS server, its discovery server, its key.
pub struct Discovered {
    pub key: RsaKey,
    pub jwks: JwksServer,
    pub discovery: DiscoveryServer,
    /// The configured issuer (with a path and a trailing slash).
    pub issuer: String,
}

impl Discovered {
    pub async fn start() -> Self {
        let key = RsaKey::generate("acme-key-1");
        let jwks = JwksServer::start(jwks(&[key.jwk()])).await;
        let discovery = DiscoveryServer::start(&jwks.url()).await;
        let issuer = format!("{}/tenant-1/", discovery.base_url());
        discovery.set_issuer(&issuer);
        Discovered {
            key,
            jwks,
            discovery,
            issuer,
        }
    }

    pub fn toml(&self) -> String {
        format!(
            r#"
            [jwks]
            allow_http = true

            [[oidc]]
            name = "acme"
            issuer = "{}"
            audience = ["{API_AUD}", "api://acme-admin"]
            discovery = true
            "#,
            self.issuer
        )
    }

    /// A started layer for this issuer whose discovery and key sets live 1 s (the configuration's
    /// minimum is 60 s), with a 30 s cooldown after a failure.
    pub async fn short_ttl_layer(&self) -> AuthLayer {
        let config = AuthConfig::from_toml_str(&self.toml()).unwrap();
        let cache = JwksCache::builder()
            .min_ttl(Duration::from_secs(1))
            .ttl(Duration::from_secs(1))
            .cooldown(Duration::from_secs(30))
            .allow_http(true)
            .build()
            .unwrap();
        let layer = AuthLayer::new(config.build_verifier_with(cache).unwrap());
        layer.verifier().start().await.unwrap();
        layer
    }

    /// The URL of the discovery document (under the issuer's path).
    pub fn discovery_url(&self) -> String {
        format!("{}.well-known/openid-configuration", self.issuer)
    }

    pub fn token(&self, claims: &Value) -> String {
        sign(&self.key, claims)
    }
}
