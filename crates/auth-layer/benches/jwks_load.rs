//! JWKS load: how many fetches the provider sees when tokens name keys the cache does not have.
//!
//! ```sh
//! cargo bench -p wallet-auth-layer --bench jwks_load
//! ```
//!
//! A real JWKS server on 127.0.0.1 counts the fetches it answers. After the start-up fetch:
//! 1. the provider publishes a new key and 1,000 requests with that new `kid` arrive at once:
//!    target 1 fetch (single flight), every request accepted;
//! 2. 10,000 requests with random unknown `kid`s arrive over a few seconds: target at most one
//!    fetch per cooldown window (cooldown 1 s here, to show several windows; default 30 s).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    missing_docs
)]

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use auth_layer::{AuthError, KeySource, Verifier};
use axum::extract::State;
use claims_core::Policy;
use jwks_cache::{JwksCache, KeyError};
use serde_json::{Value, json};
use test_support::{RsaKey, jwks, sign, unsigned};

#[derive(Clone)]
struct Jwks {
    keys: Arc<Mutex<Value>>,
    fetches: Arc<AtomicUsize>,
}

fn claims(now: i64) -> Value {
    json!({"sub": "user-1", "iat": now, "exp": now + 3600, "data": {"userId": "user-1"}})
}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(run());
}

async fn run() {
    let cooldown = Duration::from_secs(1);
    let k1 = RsaKey::generate("k1");
    let k2 = RsaKey::generate("k2");
    let state = Jwks {
        keys: Arc::new(Mutex::new(jwks(&[k1.jwk()]))),
        fetches: Arc::new(AtomicUsize::new(0)),
    };
    let app = axum::Router::new()
        .route(
            "/jwks.json",
            axum::routing::get(|State(s): State<Jwks>| async move {
                s.fetches.fetch_add(1, Ordering::SeqCst);
                let body = s.keys.lock().unwrap().to_string();
                ([(http::header::CONTENT_TYPE, "application/json")], body)
            }),
        )
        .with_state(state.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/jwks.json", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });

    let cache = JwksCache::builder()
        .allow_http(true)
        .cooldown(cooldown)
        .build()
        .unwrap();
    let verifier = Verifier::builder()
        .provider(Policy::para(), KeySource::Jwks(cache.source(&url).unwrap()))
        .jwks_cache(cache.clone())
        .token_cache(false)
        .build()
        .unwrap();
    verifier.prefetch().await;
    let fetches = || state.fetches.load(Ordering::SeqCst);
    println!("start-up fetch: {} fetch(es)", fetches());

    // 1. A new key, 1,000 concurrent requests naming it.
    tokio::time::sleep(cooldown + Duration::from_millis(100)).await;
    *state.keys.lock().unwrap() = jwks(&[k1.jwk(), k2.jwk()]);
    let before = fetches();
    let token = Arc::new(sign(&k2, &claims(claims_core::now())));
    let started = Instant::now();
    let tasks: Vec<_> = (0..1_000)
        .map(|_| {
            let (verifier, token) = (verifier.clone(), token.clone());
            tokio::spawn(async move { verifier.verify(&token).await.is_ok() })
        })
        .collect();
    let mut accepted = 0;
    for t in tasks {
        accepted += usize::from(t.await.unwrap());
    }
    let new_kid_fetches = fetches() - before;
    println!(
        "1,000 concurrent requests with one new kid: {new_kid_fetches} fetch(es) (target 1), {accepted}/1000 accepted, {:?}",
        started.elapsed()
    );

    // 2. 10,000 requests with random unknown kids, in 10 bursts of 1,000 over ~3 s.
    tokio::time::sleep(cooldown + Duration::from_millis(100)).await;
    let before = fetches();
    let now = claims_core::now();
    let started = Instant::now();
    let mut refused = 0;
    for burst in 0..10u32 {
        let tasks: Vec<_> = (0..1_000u32)
            .map(|i| {
                let kid = format!("{:016x}", rand_u64(burst * 1_000 + i));
                let token = unsigned(
                    &json!({"alg": "RS256", "typ": "JWT", "kid": kid}),
                    &claims(now),
                    "c2lnbmF0dXJl",
                );
                let verifier = verifier.clone();
                tokio::spawn(async move {
                    matches!(
                        verifier.verify(&token).await,
                        Err(AuthError::Key(KeyError::NoMatchingKey { .. }))
                    )
                })
            })
            .collect();
        for t in tasks {
            refused += usize::from(t.await.unwrap());
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    let elapsed = started.elapsed();
    let random_fetches = fetches() - before;
    let windows = elapsed.as_secs_f64() / cooldown.as_secs_f64();
    let allowed = windows.ceil() as usize;
    println!(
        "10,000 requests with random unknown kids over {elapsed:.2?}: {random_fetches} fetch(es) \
         (target <= 1 per {cooldown:?} cooldown: <= {allowed}), {refused}/10000 refused as unknown kid"
    );
    let stats = cache.stats();
    println!(
        "jwks-cache stats: fetches {}, unknown-kid refreshes {}, cooldown refusals {}, negative-cache hits {}",
        stats.fetches, stats.unknown_kid_refreshes, stats.cooldown_rejections, stats.negative_hits
    );
    println!(
        "provider saw {} fetch(es) in total; new-kid target {}, random-kid target {}",
        fetches(),
        if new_kid_fetches == 1 && accepted == 1000 {
            "met"
        } else {
            "MISSED"
        },
        if random_fetches <= allowed {
            "met"
        } else {
            "MISSED"
        },
    );
}

/// A splitmix64 step: distinct, unpredictable-looking kids without a random-number dependency.
fn rand_u64(i: u32) -> u64 {
    let mut z = u64::from(i).wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}
