//! The verified-token cache: hits share the verification, expiry is re-checked, a key leaving the
//! JWKS drops every token it verified, and the layer answers hits without a verification future.
//! Real parts throughout: an axum JWKS server on 127.0.0.1, real RSA keys, real signed tokens.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use auth_layer::{AuthConfig, AuthError, AuthLayer, Authenticated, KeySource, Verifier};
use axum::Router;
use axum::body::Body;
use axum::extract::{Extension, State};
use axum::routing::get;
use claims_core::{Policy, VerifyError};
use http::{Request, StatusCode, header};
use jwks_cache::{JwksCache, JwksSource, KeyError};
use serde_json::{Value, json};
use test_support::{RsaKey, jwks, sign};
use tower::ServiceExt as _;

/// A JWKS endpoint whose key set the test switches, counting the fetches it answers.
struct JwksServer {
    url: String,
    keys: Arc<Mutex<Value>>,
    fetches: Arc<AtomicUsize>,
}

#[derive(Clone)]
struct ServerState {
    keys: Arc<Mutex<Value>>,
    fetches: Arc<AtomicUsize>,
}

impl JwksServer {
    async fn start(keys: Value) -> Self {
        let state = ServerState {
            keys: Arc::new(Mutex::new(keys)),
            fetches: Arc::new(AtomicUsize::new(0)),
        };
        let app = Router::new()
            .route(
                "/jwks.json",
                get(|State(s): State<ServerState>| async move {
                    s.fetches.fetch_add(1, Ordering::SeqCst);
                    let body = s.keys.lock().unwrap().to_string();
                    ([(header::CONTENT_TYPE, "application/json")], body)
                }),
            )
            .with_state(state.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        JwksServer {
            url: format!("http://{addr}/jwks.json"),
            keys: state.keys,
            fetches: state.fetches,
        }
    }

    fn set_keys(&self, keys: Value) {
        *self.keys.lock().unwrap() = keys;
    }
}

/// A Para verifier (RS256 from a JWKS) reading keys from `server`.
fn para_verifier(server: &JwksServer, cache_on: bool) -> (Verifier, JwksSource) {
    let cache = JwksCache::builder()
        .allow_http(true)
        .cooldown(std::time::Duration::from_secs(1))
        .build()
        .unwrap();
    let source = cache.source(&server.url).unwrap();
    let verifier = Verifier::builder()
        .provider(Policy::para(), KeySource::Jwks(source.clone()))
        .jwks_cache(cache)
        .token_cache(cache_on)
        .build()
        .unwrap();
    (verifier, source)
}

fn para_claims(user: &str, exp: i64) -> Value {
    json!({
        "sub": user,
        "iat": test_support::now() - 10,
        "exp": exp,
        "data": {"userId": user, "email": format!("{user}@example.com")},
    })
}

#[tokio::test]
async fn a_hit_returns_the_same_verification() {
    let k1 = RsaKey::generate("k1");
    let server = JwksServer::start(jwks(&[k1.jwk()])).await;
    let (verifier, _) = para_verifier(&server, true);
    let token = sign(&k1, &para_claims("user-1", test_support::now() + 3600));

    let first = verifier.verify(&token).await.unwrap();
    let second = verifier.verify(&token).await.unwrap();
    assert!(first.ptr_eq(&second), "a hit must share the cached Arc");
    assert_eq!(second.identity().user_id, "user-1");
    assert_eq!(
        verifier
            .verify_cached(&token, claims_core::now())
            .unwrap()
            .unwrap()
            .identity()
            .user_id,
        "user-1"
    );
    let tokens = verifier.token_cache().unwrap();
    tokens.run_pending_tasks();
    assert_eq!(tokens.entry_count(), 1);
    assert_eq!(server.fetches.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn with_the_cache_off_every_request_is_verified() {
    let k1 = RsaKey::generate("k1");
    let server = JwksServer::start(jwks(&[k1.jwk()])).await;
    let (verifier, _) = para_verifier(&server, false);
    let token = sign(&k1, &para_claims("user-1", test_support::now() + 3600));
    let first = verifier.verify(&token).await.unwrap();
    let second = verifier.verify(&token).await.unwrap();
    assert!(!first.ptr_eq(&second));
    assert!(verifier.token_cache().is_none());
    assert!(verifier.verify_cached(&token, claims_core::now()).is_none());
}

#[tokio::test]
async fn an_expired_hit_gives_the_cold_error() {
    let k1 = RsaKey::generate("k1");
    let server = JwksServer::start(jwks(&[k1.jwk()])).await;
    let (cached, _) = para_verifier(&server, true);
    let (cold, _) = para_verifier(&server, false);
    let now = test_support::now();
    let exp = now + 600;
    let token = sign(&k1, &para_claims("user-1", exp));
    cached.verify_at(&token, now).await.unwrap();
    assert!(cached.verify_cached(&token, now).is_some(), "cached");

    // Still inside the 60 s leeway: accepted from the cache.
    let inside = cached.verify_at(&token, exp + 59).await.unwrap();
    assert_eq!(inside.identity().user_id, "user-1");

    let later = exp + 60;
    let hit = cached.verify_at(&token, later).await.unwrap_err();
    let full = cold.verify_at(&token, later).await.unwrap_err();
    assert_eq!(
        hit,
        AuthError::Token(VerifyError::Expired {
            exp,
            now: later,
            leeway: 60
        })
    );
    assert_eq!(hit, full);
}

#[tokio::test]
async fn a_not_yet_valid_hit_gives_the_cold_error() {
    let k1 = RsaKey::generate("k1");
    let server = JwksServer::start(jwks(&[k1.jwk()])).await;
    let (cached, _) = para_verifier(&server, true);
    let (cold, _) = para_verifier(&server, false);
    let now = test_support::now();
    let mut claims = para_claims("user-1", now + 3600);
    claims["nbf"] = json!(now);
    let token = sign(&k1, &claims);
    cached.verify_at(&token, now).await.unwrap();
    let early = now - 61;
    let hit = cached.verify_at(&token, early).await.unwrap_err();
    assert_eq!(
        hit,
        AuthError::Token(VerifyError::NotYetValid {
            nbf: now,
            now: early
        })
    );
    assert_eq!(hit, cold.verify_at(&token, early).await.unwrap_err());
}

#[tokio::test]
async fn a_key_leaving_the_jwks_invalidates_its_cached_tokens_at_once() {
    let k1 = RsaKey::generate("k1");
    let k2 = RsaKey::generate("k2");
    let server = JwksServer::start(jwks(&[k1.jwk()])).await;
    let (verifier, source) = para_verifier(&server, true);
    let exp = test_support::now() + 3600;
    let old = sign(&k1, &para_claims("user-1", exp));
    let other = sign(&k1, &para_claims("user-2", exp));
    let first = verifier.verify(&old).await.unwrap();
    verifier.verify(&other).await.unwrap();

    // A refresh that keeps k1 keeps its cached tokens.
    server.set_keys(jwks(&[k1.jwk(), k2.jwk()]));
    source.refresh().await.unwrap();
    assert!(verifier.verify(&old).await.unwrap().ptr_eq(&first));

    // k1 leaves the set (rotation): every token it verified is refused on its next use, an hour
    // before its expiry.
    server.set_keys(jwks(&[k2.jwk()]));
    source.refresh().await.unwrap();
    assert_eq!(server.fetches.load(Ordering::SeqCst), 3);
    let no_key = AuthError::Key(KeyError::NoMatchingKey {
        kid: Some("k1".into()),
    });
    assert!(verifier.verify_cached(&old, claims_core::now()).is_none());
    assert_eq!(verifier.verify(&old).await.unwrap_err(), no_key);
    assert_eq!(verifier.verify(&other).await.unwrap_err(), no_key);

    // The new key's tokens verify and are cached.
    let new = sign(&k2, &para_claims("user-1", exp));
    let a = verifier.verify(&new).await.unwrap();
    assert!(verifier.verify(&new).await.unwrap().ptr_eq(&a));
}

#[tokio::test]
async fn large_tokens_and_refusals_are_not_cached() {
    let k1 = RsaKey::generate("k1");
    let other = RsaKey::generate("k1");
    let server = JwksServer::start(jwks(&[k1.jwk()])).await;
    let (verifier, _) = para_verifier(&server, true);
    let exp = test_support::now() + 3600;

    let mut claims = para_claims("user-1", exp);
    claims["padding"] = json!("x".repeat(4 * 1024));
    let large = sign(&k1, &claims);
    assert!(large.len() > auth_layer::token_cache::MAX_CACHED_TOKEN_BYTES);
    assert!(large.len() <= verifier.max_token_bytes());
    let a = verifier.verify(&large).await.unwrap();
    let b = verifier.verify(&large).await.unwrap();
    assert!(!a.ptr_eq(&b));

    let forged = sign(&other, &para_claims("user-1", exp));
    for _ in 0..2 {
        assert_eq!(
            verifier.verify(&forged).await.unwrap_err(),
            AuthError::Token(VerifyError::InvalidSignature)
        );
    }
    let tokens = verifier.token_cache().unwrap();
    tokens.run_pending_tasks();
    assert_eq!(tokens.entry_count(), 0);
}

#[tokio::test]
async fn the_layer_hands_the_cached_verification_to_the_handler() {
    let k1 = RsaKey::generate("k1");
    let server = JwksServer::start(jwks(&[k1.jwk()])).await;
    let (verifier, source) = para_verifier(&server, true);
    let seen: Arc<Mutex<Vec<Authenticated>>> = Arc::default();
    let app = Router::new()
        .route(
            "/me",
            get(
                |State(seen): State<Arc<Mutex<Vec<Authenticated>>>>,
                 Extension(auth): Extension<Authenticated>| async move {
                    let id = auth.identity().user_id.clone();
                    seen.lock().unwrap().push(auth);
                    id
                },
            ),
        )
        .with_state(seen.clone())
        .layer(AuthLayer::new(verifier.clone()));
    let token = sign(&k1, &para_claims("user-1", test_support::now() + 3600));
    let request = || {
        Request::get("/me")
            .header(header::AUTHORIZATION, format!("Bearer {token}"))
            .body(Body::empty())
            .unwrap()
    };
    for _ in 0..3 {
        let response = app.clone().oneshot(request()).await.unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        let body = axum::body::to_bytes(response.into_body(), 1024)
            .await
            .unwrap();
        assert_eq!(&body[..], b"user-1");
    }
    {
        let seen = seen.lock().unwrap();
        assert_eq!(seen.len(), 3);
        assert!(seen[0].ptr_eq(&seen[1]) && seen[1].ptr_eq(&seen[2]));
    }

    // Rotation through the layer: the cached token is refused with 401 on its next request.
    server.set_keys(jwks(&[RsaKey::generate("k2").jwk()]));
    source.refresh().await.unwrap();
    let response = app.clone().oneshot(request()).await.unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        response.headers()[header::WWW_AUTHENTICATE],
        "Bearer error=\"invalid_token\", error_description=\"no key for this token\""
    );
}

#[test]
fn the_config_turns_the_cache_off_and_sizes_it() {
    let on = AuthConfig::from_toml_str("[para]\nenvironment = \"sandbox\"\n").unwrap();
    assert!(on.token.cache);
    assert_eq!(on.token.cache_capacity, 10_000);
    let verifier = on.build_verifier().unwrap();
    assert!(verifier.token_cache().is_some());

    let off =
        AuthConfig::from_toml_str("[para]\nenvironment = \"sandbox\"\n[token]\ncache = false\n")
            .unwrap();
    assert!(off.build_verifier().unwrap().token_cache().is_none());

    let sized = AuthConfig::from_toml_str(
        "[para]\nenvironment = \"sandbox\"\n[token]\ncache_capacity = 5\n",
    )
    .unwrap();
    assert_eq!(sized.token.cache_capacity, 5);
    assert!(sized.build_verifier().unwrap().token_cache().is_some());
}

#[test]
fn metrics_count_verifications_cache_hits_and_jwks_fetches() {
    let recorder = metrics_exporter_prometheus::PrometheusBuilder::new().build_recorder();
    let handle = recorder.handle();
    metrics::with_local_recorder(&recorder, || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async {
            let k1 = RsaKey::generate("k1");
            let server = JwksServer::start(jwks(&[k1.jwk()])).await;
            let (verifier, _) = para_verifier(&server, true);
            let token = sign(&k1, &para_claims("user-1", test_support::now() + 3600));
            verifier.verify(&token).await.unwrap();
            verifier.verify(&token).await.unwrap();
            let forged = sign(
                &RsaKey::generate("k1"),
                &para_claims("user-1", test_support::now() + 3600),
            );
            verifier.verify(&forged).await.unwrap_err();
            auth_layer::metrics::record_verifier_stats(&verifier);
            let text = handle.render();
            let url = &server.url;
            for line in [
                "wallet_auth_token_cache_hits_total 1".to_owned(),
                "wallet_auth_token_cache_misses_total 2".to_owned(),
                "wallet_auth_token_cache_entries 1".to_owned(),
                "wallet_auth_verifications_total{provider=\"para\",outcome=\"accepted\",reason=\"none\"} 2".to_owned(),
                "wallet_auth_verifications_total{provider=\"para\",outcome=\"refused\",reason=\"invalid_signature\"} 1".to_owned(),
                format!("wallet_auth_jwks_fetches_total{{url=\"{url}\"}} 1"),
                format!("wallet_auth_jwks_fetch_failures_total{{url=\"{url}\"}} 0"),
                format!("wallet_auth_jwks_ready{{url=\"{url}\"}} 1"),
                "wallet_auth_verification_duration_seconds_count{cache=\"hit\"} 1".to_owned(),
                "wallet_auth_verification_duration_seconds_count{cache=\"miss\"} 2".to_owned(),
            ] {
                assert!(text.lines().any(|l| l == line), "missing {line:?} in\n{text}");
            }
        });
    });
}

/// The hot path resolves its metric handles once per recorder: a recorder that becomes current
/// after the verifier was built (and after it has already counted into the no-op recorder) gets
/// every later hit, and stops getting them once it is no longer current.
#[test]
fn a_recorder_installed_after_the_verifier_counts_every_later_hit() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let k1 = RsaKey::generate("k1");
    let token = sign(&k1, &para_claims("user-1", test_support::now() + 3600));
    let (server, verifier) = rt.block_on(async {
        let server = JwksServer::start(jwks(&[k1.jwk()])).await;
        let (verifier, _) = para_verifier(&server, true);
        // A miss and a hit with no recorder: both resolve handles from the no-op recorder.
        verifier.verify(&token).await.unwrap();
        verifier.verify(&token).await.unwrap();
        (server, verifier)
    });

    let recorder = metrics_exporter_prometheus::PrometheusBuilder::new().build_recorder();
    let handle = recorder.handle();
    metrics::with_local_recorder(&recorder, || {
        rt.block_on(async {
            for _ in 0..3 {
                verifier.verify(&token).await.unwrap();
            }
        });
    });
    // No longer current: this hit goes to the no-op recorder again, not to `recorder`.
    rt.block_on(verifier.verify(&token)).unwrap();

    let text = handle.render();
    for line in [
        "wallet_auth_token_cache_hits_total 3",
        "wallet_auth_verifications_total{provider=\"para\",outcome=\"accepted\",reason=\"none\"} 3",
        "wallet_auth_verification_duration_seconds_count{cache=\"hit\"} 3",
        // Resolved with the others, never counted into.
        "wallet_auth_token_cache_misses_total 0",
    ] {
        assert!(
            text.lines().any(|l| l == line),
            "missing {line:?} in\n{text}"
        );
    }
    drop(server);
}
