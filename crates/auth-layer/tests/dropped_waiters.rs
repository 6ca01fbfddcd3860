//! A JWKS fetch runs on its own task: a request that gives up while it waits for the fetch (client
//! gone, `TimeoutLayer`, gRPC deadline) changes nothing. The fetch completes, stores the set,
//! retires the keys that left it (and so the tokens cached with them) and frees the single-flight
//! slot, so the next rotation is seen on time. Real parts: a JWKS server on 127.0.0.1 (its own
//! thread, so the tests may pause their clock), real RSA keys, real signed tokens.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::future::Future as _;
use std::sync::Arc;
use std::task::{Context, Waker};
use std::time::Duration;

use auth_layer::{AuthError, AuthLayer, KeySource, Verifier};
use axum::Router;
use axum::body::Body;
use axum::routing::get;
use claims_core::Policy;
use http::{Request, StatusCode, header};
use jwks_cache::{HttpFetcher, JwksCache, JwksSource, KeyError, REFRESH_AHEAD};
use serde_json::json;
use test_support::jwks_server::JwksServer;
use test_support::{RsaKey, sign};
use tokio::time::advance;
use tower::ServiceExt as _;

const TTL: Duration = Duration::from_secs(600);
const COOLDOWN: Duration = Duration::from_secs(30);
/// How long the endpoint takes to answer while a waiter gives up (real time).
const SLOW: Duration = Duration::from_millis(400);

/// A Para verifier (RS256 from the JWKS at `url`) with the verified-token cache on. No timer in
/// the fetch path: on a paused clock a pending timer would jump while the real request is in flight.
fn para_verifier(url: &str) -> (Verifier, JwksSource) {
    let fetcher = HttpFetcher::builder()
        .timeout(None)
        .allow_http(true)
        .build()
        .unwrap();
    let cache = JwksCache::builder()
        .allow_http(true)
        .fetcher(Arc::new(fetcher))
        .without_fetch_timeout()
        .ttl(TTL)
        .cooldown(COOLDOWN)
        .build()
        .unwrap();
    let source = cache.source(url).unwrap();
    let verifier = Verifier::builder()
        .provider(Policy::para(), KeySource::Jwks(source.clone()))
        .jwks_cache(cache)
        .token_cache(true)
        .build()
        .unwrap();
    (verifier, source)
}

fn token(key: &RsaKey, user: &str) -> String {
    let now = test_support::now();
    sign(
        key,
        &json!({"sub": user, "iat": now - 10, "exp": now + 3600, "data": {"userId": user}}),
    )
}

fn no_key(kid: &str) -> AuthError {
    AuthError::Key(KeyError::NoMatchingKey {
        kid: Some(kid.into()),
    })
}

/// Drives the runtime without touching the clock until `pred` holds; panics after 10 s real time.
async fn until(what: &str, mut pred: impl FnMut() -> bool) {
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while !pred() {
        assert!(
            std::time::Instant::now() < deadline,
            "{what}: not within 10 s"
        );
        tokio::task::yield_now().await;
    }
}

/// The set currently held, as the list of its kids.
fn kids(source: &JwksSource) -> Vec<String> {
    source.current().map_or_else(Vec::new, |set| {
        set.keys()
            .iter()
            .filter_map(|k| k.kid().map(str::to_owned))
            .collect()
    })
}

#[derive(Debug, Clone, Copy)]
enum Fetch {
    Cold,
    UnknownKid,
    Refresh,
}

/// For each kind of fetch: its only waiter gives up while the endpoint is slow; the fetch still
/// completes and frees its slot; then a rotation removes a key, and within the TTL (at the
/// refresh-ahead point) that key and every token cached with it are refused.
#[tokio::test(start_paused = true)]
async fn a_dropped_waiter_neither_stalls_the_fetch_nor_delays_the_next_rotation() {
    for kind in [Fetch::Cold, Fetch::UnknownKid, Fetch::Refresh] {
        let a = RsaKey::generate("a");
        let b = RsaKey::generate("b");
        let c = RsaKey::generate("c");
        let server = JwksServer::start_on_own_thread(test_support::jwks(&[a.jwk()]));
        let (verifier, source) = para_verifier(&server.url());
        let (token_a, token_b) = (token(&a, "user-a"), token(&b, "user-b"));

        if !matches!(kind, Fetch::Cold) {
            verifier.verify(&token_a).await.unwrap();
            advance(COOLDOWN).await;
        }
        // The endpoint turns slow; for the unknown-kid case it now also lists b.
        server.delay(SLOW);
        if matches!(kind, Fetch::UnknownKid) {
            server.set_keys(&[a.jwk(), b.jwk()]);
        }
        let before = source.current();
        let gave_up = match kind {
            Fetch::Cold => tokio::time::timeout(SLOW / 4, verifier.verify(&token_a))
                .await
                .is_err(),
            Fetch::UnknownKid => tokio::time::timeout(SLOW / 4, verifier.verify(&token_b))
                .await
                .is_err(),
            Fetch::Refresh => tokio::time::timeout(SLOW / 4, source.refresh())
                .await
                .is_err(),
        };
        assert!(gave_up, "{kind:?}: the waiter gave up before the answer");
        let expected = if matches!(kind, Fetch::UnknownKid) {
            vec!["a", "b"]
        } else {
            vec!["a"]
        };
        let fetches = if matches!(kind, Fetch::Cold) { 1 } else { 2 };
        until(&format!("{kind:?}: the abandoned fetch completes"), || {
            source
                .current()
                .is_some_and(|set| before.as_ref().is_none_or(|b| !Arc::ptr_eq(b, &set)))
        })
        .await;
        assert_eq!(kids(&source), expected, "{kind:?}");
        assert_eq!(source.stats().fetches, fetches, "{kind:?}");
        assert_eq!(source.stats().fetch_failures, 0, "{kind:?}");
        assert_eq!(server.requests(), fetches as usize, "{kind:?}");
        server.delay(Duration::ZERO);

        // Tokens verify (and are cached) with the set the abandoned fetch stored.
        let cached_a = verifier.verify(&token_a).await.unwrap();
        assert!(verifier.verify(&token_a).await.unwrap().ptr_eq(&cached_a));

        // Rotation: a leaves the set. At the refresh-ahead point of the set's TTL a lookup starts
        // the background refresh (the slot is free, the gate open) ...
        server.set_keys(&[c.jwk()]);
        let set = source.current().unwrap();
        let ahead = (set.ttl() / 10).min(REFRESH_AHEAD);
        advance(set.ttl() - ahead).await;
        let _ = verifier.verify(&token(&c, "trigger")).await;
        until(&format!("{kind:?}: the rotation is fetched"), || {
            kids(&source) == ["c"]
        })
        .await;
        // ... and a, and the token cached with it, are refused before the set would expire.
        assert_eq!(
            verifier.verify(&token_a).await.unwrap_err(),
            no_key("a"),
            "{kind:?}"
        );
        assert!(
            verifier
                .verify_cached(&token_a, claims_core::now())
                .is_none(),
            "{kind:?}"
        );
        verifier.verify(&token(&c, "user-c")).await.unwrap();
        assert_eq!(source.stats().fetches, fetches + 1, "{kind:?}");
    }
}

/// 1,000 requests wait for one new kid (each polled once, so each has joined the fetch); 999
/// give up while the endpoint holds its answer. Exactly one fetch, and the last waiter gets its key.
#[tokio::test(start_paused = true)]
async fn one_fetch_for_a_thousand_waiters_of_which_all_but_one_give_up() {
    let a = RsaKey::generate("a");
    let b = RsaKey::generate("b");
    let server = JwksServer::start_on_own_thread(test_support::jwks(&[a.jwk()]));
    let (verifier, source) = para_verifier(&server.url());
    verifier.verify(&token(&a, "user-a")).await.unwrap();
    advance(COOLDOWN).await;
    server.hold();
    server.set_keys(&[a.jwk(), b.jwk()]);
    let token_b = token(&b, "user-b");

    let mut waiters: Vec<_> = (0..1000)
        .map(|_| Box::pin(verifier.verify(&token_b)))
        .collect();
    let mut cx = Context::from_waker(Waker::noop());
    for waiter in &mut waiters {
        assert!(waiter.as_mut().poll(&mut cx).is_pending());
    }
    assert_eq!(source.stats().fetches, 2, "one fetch for all 1,000");
    until("the held request arrived", || server.requests() == 2).await;
    let last = waiters.pop().unwrap();
    drop(waiters);
    server.release();
    let verified = last.await.unwrap();
    assert_eq!(verified.identity().user_id, "user-b");
    assert_eq!(source.stats().fetches, 2);
    assert_eq!(server.requests(), 2);
}

/// The same through HTTP: the layer behind `tower_http`'s `TimeoutLayer` answers 408 while the
/// endpoint is slow; the fetch completes anyway and the next request is answered from its set.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_timeout_layer_in_front_does_not_stall_the_fetch() {
    let a = RsaKey::generate("a");
    let server = JwksServer::start_on_own_thread(test_support::jwks(&[a.jwk()]));
    let cache = JwksCache::builder()
        .allow_http(true)
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap();
    let source = cache.source(&server.url()).unwrap();
    let verifier = Verifier::builder()
        .provider(Policy::para(), KeySource::Jwks(source.clone()))
        .jwks_cache(cache)
        .build()
        .unwrap();
    let app: Router = Router::new()
        .route("/me", get(|| async { "ok" }))
        .layer(AuthLayer::new(verifier))
        .layer(tower_http::timeout::TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            Duration::from_millis(100),
        ));
    let request = |token: &str| {
        Request::get("/me")
            .header(header::AUTHORIZATION, format!("Bearer {token}"))
            .body(Body::empty())
            .unwrap()
    };
    let token_a = token(&a, "user-a");

    server.delay(Duration::from_millis(600));
    let response = app.clone().oneshot(request(&token_a)).await.unwrap();
    assert_eq!(response.status(), StatusCode::REQUEST_TIMEOUT);
    // Nobody waits any more; the fetch finishes on its own within the endpoint's delay.
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while !source.is_ready() {
        assert!(
            std::time::Instant::now() < deadline,
            "the fetch never completed"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    server.delay(Duration::ZERO);
    let response = app.clone().oneshot(request(&token_a)).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(source.stats().fetches, 1);
    assert_eq!(server.requests(), 1);
}
