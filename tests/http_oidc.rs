//! End to end over HTTP for `[[oidc]]` issuers: a real OpenID discovery server and real JWKS
//! servers on loopback, the real axum app behind the layer, a real HTTP client, real keys and
//! hand-signed tokens. Covers discovery (issuer checks, outages, dropped waiters), routing by `iss`
//! among several providers with their own keys (one key lookup per request), and the exact
//! configuration errors of `[[oidc]]` tables.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod support;

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{Value, json};
use support::{
    DYNAMIC_ORIGIN, PRIVY_APP, app, claims, client, expected_me, invalid_token, now, serve,
    status_and_challenge,
};
use test_support::discovery_server::DiscoveryServer;
use test_support::jwks_server::JwksServer;
use test_support::{EcKey, Provider, RsaKey, jwks, sign, sign_with_header};
use wallet_auth::jwks::{JwksCache, Stats};
use wallet_auth::layer::{AuthConfig, AuthLayer, KeySource, Verifier};

/// The audience the `[[oidc]]` issuers below require.
const API_AUD: &str = "api://acme";

/// The body of a 503 (keys unavailable).
fn unavailable_body() -> Value {
    json!({
        "error": "temporarily_unavailable",
        "error_description": "the token cannot be verified right now; try again later",
    })
}

/// Claims of a standard issuer: registered claims plus `email` and custom members.
fn oidc_claims(issuer: &str, now: i64) -> Value {
    json!({
        "iss": issuer,
        "sub": "acme|user-1",
        "aud": API_AUD,
        "iat": now,
        "exp": now + 3600,
        "jti": format!("jti-{now}-{}", rand_suffix()),
        "email": "user1@acme.example",
        "org_id": "org-42",
        "roles": ["admin", "reader"],
        "profile": {"locale": "fr-FR", "tier": 3},
    })
}

/// A distinct suffix per call, so that no two tokens are the same (no verified-token cache hit).
fn rand_suffix() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    N.fetch_add(1, Ordering::SeqCst)
}

/// `claims` with `patch` applied: a `null` member removes the claim.
fn with(mut claims: Value, patch: Value) -> Value {
    for (k, v) in patch.as_object().unwrap() {
        if v.is_null() {
            claims.as_object_mut().unwrap().remove(k);
        } else {
            claims[k] = v.clone();
        }
    }
    claims
}

/// `GET base + path` with the bearer token.
async fn get(base: &str, path: &str, token: &str) -> reqwest::Response {
    client()
        .get(format!("{base}{path}"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
}

/// Assert `res` is a 200 whose `/me` body is `expected`.
async fn assert_me(res: reqwest::Response, expected: &Value) {
    assert_eq!(res.status(), StatusCode::OK);
    let body: Value = res.json().await.unwrap();
    assert_eq!(&body, expected);
}

/// Assert `res` is a 401 with `invalid_token` and `description`, header and body.
async fn assert_invalid(res: reqwest::Response, description: &str) {
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
async fn assert_unavailable(res: reqwest::Response) {
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
async fn eventually(what: &str, done: impl Fn() -> bool) {
    for _ in 0..2000 {
        if done() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    panic!("never happened: {what}");
}

/// The entry of `provider` in the verifier.
fn key_source<'v>(verifier: &'v Verifier, provider: &str) -> &'v KeySource {
    &verifier
        .providers()
        .entries()
        .iter()
        .find(|e| e.policy.provider().as_str() == provider)
        .unwrap_or_else(|| panic!("no provider {provider}"))
        .keys
}

/// The counters of `provider`'s key set(s).
fn stats_of(verifier: &Verifier, provider: &str) -> Stats {
    key_source(verifier, provider)
        .jwks_sources()
        .iter()
        .map(|s| s.stats())
        .fold(Stats::default(), |a, b| a + b)
}

/// The counters that changed from `before` to `after`, with their increase.
fn diff(before: Stats, after: Stats) -> Vec<(&'static str, u64)> {
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
fn expected_oidc_me(provider: &str, user_id: &str, email: Option<&str>, claims: &Value) -> Value {
    json!({
        "provider": provider,
        "user_id": user_id,
        "email": email,
        "wallets": [],
        "claims": claims,
    })
}

/// An issuer `acme` found through discovery: its JWKS server, its discovery server, its key.
struct Discovered {
    key: RsaKey,
    jwks: JwksServer,
    discovery: DiscoveryServer,
    /// The configured issuer (with a path and a trailing slash).
    issuer: String,
}

impl Discovered {
    async fn start() -> Self {
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

    fn toml(&self) -> String {
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

    fn token(&self, claims: &Value) -> String {
        sign(&self.key, claims)
    }
}

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
        let claims = with(oidc_claims(&idp.issuer, now()), json!({ "aud": aud }));
        let res = get(&base, "/me", &idp.token(&claims)).await;
        assert_me(
            res,
            &expected_oidc_me("acme", "acme|user-1", Some("user1@acme.example"), &claims),
        )
        .await;
    }
    // No `email`: `email` is null.
    let claims = with(oidc_claims(&idp.issuer, now()), json!({"email": null}));
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
        let claims = with(oidc_claims(&idp.issuer, now()), patch.clone());
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

// 1b. `user_id_claim` / `email_claim` naming other claims; a token without the configured user id
//     claim is refused.
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

    let claims = with(
        oidc_claims(issuer, now()),
        json!({"uid": "corp-user-7", "mail": "u7@corp.example"}),
    );
    let res = get(&base, "/me", &sign(&key, &claims)).await;
    assert_me(
        res,
        &expected_oidc_me("corp", "corp-user-7", Some("u7@corp.example"), &claims),
    )
    .await;

    // `mail` absent: no email, even though `email` is there.
    let claims = with(oidc_claims(issuer, now()), json!({"uid": "corp-user-7"}));
    let res = get(&base, "/me", &sign(&key, &claims)).await;
    assert_me(res, &expected_oidc_me("corp", "corp-user-7", None, &claims)).await;

    // Without `uid` (only `sub`), with an empty `uid`, with a non-string `uid`: refused.
    for patch in [json!({}), json!({"uid": ""}), json!({"uid": 7})] {
        let claims = with(oidc_claims(issuer, now()), patch);
        let res = get(&base, "/me", &sign(&key, &claims)).await;
        assert_invalid(res, "the token's claims are invalid").await;
    }
}

// 1c. The configured user id claim is there but `sub` is not: the user id comes from the
//     configured claim, so `sub` should not be required.
#[tokio::test]
async fn oidc_custom_user_id_claim_without_sub() {
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
        "#,
        keys.url()
    ))
    .unwrap();
    let layer = AuthLayer::from_config(&config).unwrap();
    layer.verifier().start().await.unwrap();
    let base = serve(app(layer, None)).await;
    let claims = with(
        oidc_claims(issuer, now()),
        json!({"uid": "corp-user-7", "sub": null}),
    );
    let res = get(&base, "/me", &sign(&key, &claims)).await;
    assert_me(
        res,
        &expected_oidc_me("corp", "corp-user-7", Some("user1@acme.example"), &claims),
    )
    .await;
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
    let url = format!(
        "{}/tenant-1/.well-known/openid-configuration",
        idp.discovery.base_url()
    );
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
    let url = format!(
        "{}/tenant-1/.well-known/openid-configuration",
        idp.discovery.base_url()
    );
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
    let config = AuthConfig::from_toml_str(&idp.toml()).unwrap();
    let cache = JwksCache::builder()
        .min_ttl(Duration::from_secs(1))
        .ttl(Duration::from_secs(1))
        .cooldown(Duration::from_secs(30))
        .allow_http(true)
        .build()
        .unwrap();
    let layer = AuthLayer::new(config.build_verifier_with(cache).unwrap());
    layer.verifier().start().await.unwrap();
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
struct Three {
    dynamic_key: RsaKey,
    privy_key: EcKey,
    idp: Discovered,
    dynamic_jwks: JwksServer,
    privy_jwks: JwksServer,
    base: String,
    layer: AuthLayer,
}

impl Three {
    async fn start() -> Self {
        let dynamic_key = RsaKey::generate("dyn-key-1");
        let privy_key = EcKey::generate("privy-key-1");
        let dynamic_jwks = JwksServer::start(jwks(&[dynamic_key.jwk()])).await;
        let privy_jwks = JwksServer::start(jwks(&[privy_key.jwk()])).await;
        let idp = Discovered::start().await;
        let toml = format!(
            r#"
            [jwks]
            allow_http = true
            cooldown_secs = 30

            [token]
            cache = false

            [dynamic]
            environment_id = "{env}"
            jwks_url = "{dyn_url}"
            audience = ["{DYNAMIC_ORIGIN}"]

            [privy]
            app_id = "{PRIVY_APP}"
            jwks_url = "{privy_url}"

            [[oidc]]
            name = "acme"
            issuer = "{issuer}"
            audience = "{API_AUD}"
            discovery = true
            "#,
            env = support::DYNAMIC_ENV,
            dyn_url = dynamic_jwks.url(),
            privy_url = privy_jwks.url(),
            issuer = idp.issuer,
        );
        let config = AuthConfig::from_toml_str(&toml).unwrap();
        let layer = AuthLayer::from_config(&config).unwrap();
        layer.verifier().start().await.unwrap();
        assert!(layer.verifier().is_ready());
        let base = serve(app(layer.clone(), None)).await;
        Three {
            dynamic_key,
            privy_key,
            idp,
            dynamic_jwks,
            privy_jwks,
            base,
            layer,
        }
    }

    fn dynamic_claims(&self) -> Value {
        with(
            claims(Provider::Dynamic, now()),
            json!({"kid": "dyn-key-1"}),
        )
    }

    fn stats(&self) -> [Stats; 3] {
        let v = self.layer.verifier();
        [
            stats_of(v, "dynamic"),
            stats_of(v, "privy"),
            stats_of(v, "acme"),
        ]
    }

    /// Key-set requests seen by the three JWKS servers, and discovery requests.
    fn requests(&self) -> [usize; 4] {
        [
            self.dynamic_jwks.requests(),
            self.privy_jwks.requests(),
            self.idp.jwks.requests(),
            self.idp.discovery.requests(),
        ]
    }

    /// `GET /me` with `token`, returning what changed in each provider's key-set counters.
    async fn send(&self, token: &str) -> (reqwest::Response, [Vec<(&'static str, u64)>; 3]) {
        let before = self.stats();
        let res = get(&self.base, "/me", token).await;
        let after = self.stats();
        let d = [
            diff(before[0], after[0]),
            diff(before[1], after[1]),
            diff(before[2], after[2]),
        ];
        (res, d)
    }
}

// 4. Three providers in one layer, routed by `iss`: each valid token gets 200 with its provider,
//    and exactly one key lookup, in its own provider's key set only.
#[tokio::test]
async fn three_providers_route_by_issuer_with_one_key_lookup_each() {
    let t = Three::start().await;
    assert_eq!(t.requests(), [1, 1, 1, 1]);
    let hit = vec![("hits", 1)];
    let none: Vec<(&str, u64)> = vec![];

    for round in 0..2 {
        let c = t.dynamic_claims();
        let (res, d) = t.send(&sign(&t.dynamic_key, &c)).await;
        assert_me(res, &expected_me(Provider::Dynamic, &c)).await;
        assert_eq!(
            d,
            [hit.clone(), none.clone(), none.clone()],
            "round {round}"
        );

        let c = claims(Provider::Privy, now());
        let (res, d) = t.send(&sign(&t.privy_key, &c)).await;
        assert_me(res, &expected_me(Provider::Privy, &c)).await;
        assert_eq!(
            d,
            [none.clone(), hit.clone(), none.clone()],
            "round {round}"
        );

        let c = oidc_claims(&t.idp.issuer, now());
        let (res, d) = t.send(&t.idp.token(&c)).await;
        assert_me(
            res,
            &expected_oidc_me("acme", "acme|user-1", Some("user1@acme.example"), &c),
        )
        .await;
        assert_eq!(
            d,
            [none.clone(), none.clone(), hit.clone()],
            "round {round}"
        );
    }
    // No fetch beyond start-up.
    assert_eq!(t.requests(), [1, 1, 1, 1]);
}

// 4b. Tokens signed with one provider's key claiming another provider's issuer are verified under
//     the provider they name, with its keys only, and refused.
#[tokio::test]
async fn cross_provider_tokens_are_refused_under_the_issuer_they_name() {
    let t = Three::start().await;
    let none: Vec<(&str, u64)> = vec![];

    // Privy's key (ES256) claiming Dynamic's issuer: Dynamic accepts RS256 only; no key lookup.
    let header = json!({"alg": "ES256", "typ": "JWT", "kid": "privy-key-1"});
    let token = sign_with_header(&t.privy_key, &header, &t.dynamic_claims());
    let (res, d) = t.send(&token).await;
    assert_invalid(res, "the token's algorithm is not accepted").await;
    assert_eq!(d, [none.clone(), none.clone(), none.clone()]);

    // Privy's key under Dynamic's kid and RS256 label: Dynamic's key is looked up, the signature
    // fails.
    let header = json!({"alg": "RS256", "typ": "JWT", "kid": "dyn-key-1"});
    let token = sign_with_header(&t.privy_key, &header, &t.dynamic_claims());
    let (res, d) = t.send(&token).await;
    assert_invalid(res, "the token's signature is invalid").await;
    assert_eq!(d, [vec![("hits", 1)], none.clone(), none.clone()]);

    // The oidc key (RS256) claiming privy.io: Privy accepts ES256 only; no key lookup.
    let token = t.idp.token(&claims(Provider::Privy, now()));
    let (res, d) = t.send(&token).await;
    assert_invalid(res, "the token's algorithm is not accepted").await;
    assert_eq!(d, [none.clone(), none.clone(), none.clone()]);

    // The oidc key claiming Dynamic's issuer under its own kid: Dynamic's set has no such key; a
    // refetch is refused inside the cooldown (start-up fetched it); the oidc set is not consulted.
    let token = t.idp.token(&t.dynamic_claims());
    let (res, d) = t.send(&token).await;
    assert_invalid(res, "no key for this token").await;
    assert_eq!(
        d,
        [vec![("cooldown_rejections", 1)], none.clone(), none.clone()]
    );

    // The oidc key under Dynamic's kid: Dynamic's key is found, the signature fails.
    let header = json!({"alg": "RS256", "typ": "JWT", "kid": "dyn-key-1"});
    let token = sign_with_header(&t.idp.key, &header, &t.dynamic_claims());
    let (res, d) = t.send(&token).await;
    assert_invalid(res, "the token's signature is invalid").await;
    assert_eq!(d, [vec![("hits", 1)], none.clone(), none.clone()]);

    // Dynamic's key claiming the oidc issuer under the oidc kid: refused with the oidc key only.
    let header = json!({"alg": "RS256", "typ": "JWT", "kid": "acme-key-1"});
    let token = sign_with_header(&t.dynamic_key, &header, &oidc_claims(&t.idp.issuer, now()));
    let (res, d) = t.send(&token).await;
    assert_invalid(res, "the token's signature is invalid").await;
    assert_eq!(d, [none.clone(), none.clone(), vec![("hits", 1)]]);

    // Nothing was fetched for any of these.
    assert_eq!(t.requests(), [1, 1, 1, 1]);
}

/// `config.build_verifier()`'s error for `toml`.
fn build_error(toml: &str) -> String {
    AuthConfig::from_toml_str(toml)
        .unwrap()
        .build_verifier()
        .unwrap_err()
        .to_string()
}

/// `AuthConfig::from_toml_str`'s error for `toml`.
fn parse_error(toml: &str) -> String {
    AuthConfig::from_toml_str(toml).unwrap_err().to_string()
}

const JWKS_URL: &str = "http://127.0.0.1:9/jwks.json";

// 5. Two providers claiming the same issuer, or two `[[oidc]]` tables with the same name.
#[test]
fn providers_sharing_an_issuer_or_a_name_are_refused() {
    let privy = format!(
        r#"
        [jwks]
        allow_http = true

        [privy]
        app_id = "{PRIVY_APP}"
        jwks_url = "{JWKS_URL}"
        "#
    );
    let oidc = |name: &str, issuer: &str| {
        format!(
            r#"
            [[oidc]]
            name = "{name}"
            issuer = "{issuer}"
            audience = "{API_AUD}"
            jwks_url = "{JWKS_URL}"
            "#
        )
    };
    assert_eq!(
        build_error(&format!("{privy}{}", oidc("acme", "privy.io"))),
        "config: two providers are configured with the issuer \"privy.io\""
    );
    assert_eq!(
        build_error(&format!(
            "{privy}{}{}",
            oidc("acme", "https://id.example/"),
            oidc("other", "https://id.example/")
        )),
        "config: two providers are configured with the issuer \"https://id.example/\""
    );
    assert_eq!(
        build_error(&format!(
            "{privy}{}{}",
            oidc("acme", "https://a.example/"),
            oidc("acme", "https://b.example/")
        )),
        "config: two providers are named \"acme\""
    );
    // `extra_issuers` count too.
    let extra = format!(
        "{privy}{}extra_issuers = [\"privy.io\"]\n",
        oidc("acme", "https://a.example/")
    );
    assert_eq!(
        build_error(&extra),
        "config: two providers are configured with the issuer \"privy.io\""
    );
    // Distinct names and issuers are fine.
    AuthConfig::from_toml_str(&format!(
        "{privy}{}{}",
        oidc("acme", "https://a.example/"),
        oidc("other", "https://b.example/")
    ))
    .unwrap()
    .build_verifier()
    .unwrap();
}

// 6. `[[oidc]]` configuration errors, each naming the key.
#[test]
fn oidc_config_errors_are_exact() {
    let head = "[jwks]\nallow_http = true\n\n[[oidc]]\n";
    let table = |body: &str| format!("{head}{body}");
    let ok_body = format!(
        "name = \"acme\"\nissuer = \"https://id.example/\"\naudience = \"{API_AUD}\"\njwks_url = \"{JWKS_URL}\"\n"
    );
    // Missing audience: a parse error.
    assert_eq!(
        parse_error(&table(&format!(
            "name = \"acme\"\nissuer = \"https://id.example/\"\njwks_url = \"{JWKS_URL}\"\n"
        ))),
        "oidc (line 4): missing field `audience`"
    );
    assert_eq!(
        build_error(&table(
            &ok_body.replace(&format!("audience = \"{API_AUD}\""), "audience = []")
        )),
        "oidc[0].audience: oidc.audience must not be empty"
    );
    assert_eq!(
        build_error(&table(&format!("{ok_body}discovery = true\n"))),
        "oidc[0].discovery: set jwks_url or discovery = true, not both"
    );
    assert_eq!(
        build_error(&table(
            &ok_body.replace(&format!("jwks_url = \"{JWKS_URL}\"\n"), "")
        )),
        "oidc[0].jwks_url: missing (set jwks_url, or discovery = true)"
    );
    for builtin in ["privy", "Dynamic"] {
        assert_eq!(
            build_error(&table(
                &ok_body.replace("name = \"acme\"", &format!("name = \"{builtin}\""))
            )),
            format!("oidc[0].name: \"{builtin}\" is a built-in provider: use its own table")
        );
    }
    assert_eq!(
        build_error(&table(
            &ok_body.replace("name = \"acme\"", "name = \"my idp\"")
        )),
        "oidc[0].name: \"my idp\" is not 1 to 64 ASCII letters, digits, - or _"
    );
    assert_eq!(
        build_error(&table(&format!("{ok_body}algorithms = [\"HS256\"]\n"))),
        "oidc[0].algorithms: \"HS256\" is not RS256, RS384, RS512, PS256, PS384, PS512, ES256, ES384 or EdDSA"
    );
    assert_eq!(
        build_error(&table(
            &ok_body.replace("issuer = \"https://id.example/\"", "issuer = \"\"")
        )),
        "oidc[0].issuer: must not be empty"
    );
    // The second table is named by its position.
    let second = ok_body
        .replace("acme", "second")
        .replace("https://id.example/", "https://id2.example/")
        .replace(&format!("jwks_url = \"{JWKS_URL}\"\n"), "");
    assert_eq!(
        build_error(&format!("{}\n[[oidc]]\n{second}", table(&ok_body))),
        "oidc[1].jwks_url: missing (set jwks_url, or discovery = true)"
    );
    // A plain-http discovery issuer without allow_http.
    assert_eq!(
        build_error(&format!(
            "[[oidc]]\nname = \"acme\"\nissuer = \"http://127.0.0.1:9/\"\naudience = \"{API_AUD}\"\ndiscovery = true\n"
        )),
        "oidc[0].issuer: \"http://127.0.0.1:9/\" is not https:// (set jwks.allow_http = true for loopback tests)"
    );
    // The table itself is fine.
    AuthConfig::from_toml_str(&table(&ok_body))
        .unwrap()
        .build_verifier()
        .unwrap();
}

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
