//! Outages against a real JWKS server: 500, garbage, oversize bodies, redirects, a stopped server and timeouts.
//! Known keys keep working, fetches follow the backoff schedule, and a cold cache answers `KeysUnavailable`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod support;

use std::time::Duration;

use jsonwebtoken::Algorithm::EdDSA;
use jwks_cache::{FetchError, JwksCache, JwksSource, KeyError, ParseError};
use support::{Behaviour, JwksServer, TestKey, jwks, paused_builder, until};
use tokio::time::{Instant, advance};

const MIB: usize = 1024 * 1024;

#[derive(Clone, Copy, Debug)]
enum Outage {
    Status500,
    Garbage,
    HugeWithLength,
    HugeChunked,
    Redirect,
    Down,
}

const OUTAGES: [Outage; 6] = [
    Outage::Status500,
    Outage::Garbage,
    Outage::HugeWithLength,
    Outage::HugeChunked,
    Outage::Redirect,
    Outage::Down,
];

fn start(outage: Outage, server: &JwksServer) {
    match outage {
        Outage::Status500 => server.set_behaviour(Behaviour::Status(500)),
        Outage::Garbage => server.set_behaviour(Behaviour::Garbage),
        Outage::HugeWithLength => server.set_behaviour(Behaviour::HugeWithLength),
        Outage::HugeChunked => server.set_behaviour(Behaviour::HugeChunked),
        Outage::Redirect => server.set_behaviour(Behaviour::Redirect),
        Outage::Down => server.stop(),
    }
}

fn expected_error(outage: Outage, err: &FetchError) -> bool {
    match outage {
        Outage::Status500 => *err == FetchError::Status { status: 500 },
        Outage::Garbage => matches!(err, FetchError::Parse(ParseError::InvalidJson(_))),
        Outage::HugeWithLength | Outage::HugeChunked => {
            *err == FetchError::BodyTooLarge { limit: MIB }
        }
        Outage::Redirect => *err == FetchError::Redirect { status: 302 },
        Outage::Down => matches!(err, FetchError::Transport(_)),
    }
}

/// Waits until no fetch is in flight, given that only the first fetch succeeded.
async fn settle(source: &JwksSource) {
    until(|| {
        let s = source.stats();
        s.fetches == 1 + s.fetch_failures
    })
    .await;
}

#[tokio::test(start_paused = true)]
async fn after_a_good_fetch_known_keys_keep_working_and_retries_follow_the_backoff_schedule() {
    for outage in OUTAGES {
        let k = TestKey::ed("k");
        let server = JwksServer::start(jwks(&[&k.jwk]));
        let cache = paused_builder()
            .ttl(Duration::from_secs(60))
            .build()
            .unwrap();
        let source = cache.source(&server.url()).unwrap();
        source.refresh().await.unwrap();
        let t0 = Instant::now();
        start(outage, &server);
        let err = source.refresh().await.unwrap_err(); // an explicit refresh reports the error ...
        assert!(expected_error(outage, &err), "{outage:?}: {err:?}");
        assert!(
            source.is_ready(),
            "{outage:?}: ... and keeps the last good set"
        );
        advance(Duration::from_secs(60)).await; // let that explicit failure's backoff pass

        // Ten minutes of traffic, one lookup every 100 ms: every lookup succeeds from the stale set.
        let mut attempts = Vec::new();
        let mut failures = source.stats().fetch_failures;
        for _ in 0..6000 {
            let key = source.key(Some("k"), EdDSA).await;
            assert!(key.is_ok(), "{outage:?}: {key:?}");
            settle(&source).await;
            let now_failures = source.stats().fetch_failures;
            if now_failures > failures {
                assert_eq!(now_failures, failures + 1);
                attempts.push(Instant::now() - t0);
                failures = now_failures;
            }
            advance(Duration::from_millis(100)).await;
        }
        // The set expired at 60 s; with the explicit failure at 0 s pending until ≤ 1 s, the first background
        // attempt is the first lookup at or after 60 s, then gaps follow d = min(2^(n-1) s, 60 s), delay in [d/2, d].
        assert_eq!(attempts[0], Duration::from_secs(60), "{outage:?}");
        for (n, pair) in attempts.windows(2).enumerate() {
            let d = Duration::from_secs(1u64 << (n + 1).min(6)).min(Duration::from_secs(60));
            let gap = pair[1] - pair[0];
            assert!(
                gap >= d / 2 && gap <= d + Duration::from_millis(100),
                "{outage:?}: attempt {n}: gap {gap:?}, d {d:?}"
            );
        }
        // 6000 lookups, a bounded number of fetches: at most 1 + 1 + 2 + 4 + ... with full-length delays halved.
        assert!(
            (8..=25).contains(&attempts.len()),
            "{outage:?}: {} attempts",
            attempts.len()
        );
        let stats = source.stats();
        assert_eq!(stats.fetches, 2 + attempts.len() as u64, "{outage:?}");
        assert_eq!(stats.hits, 6000);
        assert!(stats.stale_hits >= 5400, "{outage:?}: {stats:?}");
        if !matches!(outage, Outage::Down) {
            assert_eq!(
                server.hits(),
                stats.fetches,
                "{outage:?}: server saw exactly the fetches"
            );
        }
        assert_eq!(server.moved_hits(), 0);
    }
}

#[tokio::test(start_paused = true)]
async fn before_any_good_fetch_callers_get_keys_unavailable_without_a_fetch_per_request() {
    for outage in OUTAGES {
        let k = TestKey::ed("k");
        let server = JwksServer::start(jwks(&[&k.jwk]));
        start(outage, &server);
        let cache = paused_builder().build().unwrap();
        let source = cache.source(&server.url()).unwrap();
        for _ in 0..100 {
            assert_eq!(
                source.key(Some("k"), EdDSA).await.unwrap_err(),
                KeyError::KeysUnavailable,
                "{outage:?}"
            );
        }
        assert_eq!(
            source.stats().fetches,
            1,
            "{outage:?}: one fetch, then backoff"
        );
        assert!(!source.is_ready());
        advance(Duration::from_secs(1)).await; // first retry delay is in [0.5 s, 1 s]
        assert_eq!(
            source.key(Some("k"), EdDSA).await.unwrap_err(),
            KeyError::KeysUnavailable
        );
        assert_eq!(source.stats().fetches, 2, "{outage:?}");
        assert_eq!(source.stats().fetch_failures, 2, "{outage:?}");
        if matches!(outage, Outage::Down) {
            continue;
        }
        assert_eq!(server.hits(), 2);
        server.set_behaviour(Behaviour::Keys);
        assert_eq!(
            source.key(Some("k"), EdDSA).await.unwrap_err(),
            KeyError::KeysUnavailable,
            "still backing off"
        );
        advance(Duration::from_secs(2)).await; // second delay is in [1 s, 2 s]
        assert!(source.key(Some("k"), EdDSA).await.is_ok(), "{outage:?}");
        assert!(source.is_ready());
        assert_eq!(server.hits(), 3);
    }
}

#[tokio::test(start_paused = true)]
async fn the_last_good_set_is_served_only_within_the_stale_window() {
    let k = TestKey::ed("k");
    let server = JwksServer::start(jwks(&[&k.jwk]));
    let cache = paused_builder()
        .ttl(Duration::from_secs(60))
        .stale_window(Duration::from_secs(120))
        .build()
        .unwrap();
    let source = cache.source(&server.url()).unwrap();
    source.refresh().await.unwrap();
    server.set_behaviour(Behaviour::Status(503));
    advance(Duration::from_secs(179)).await;
    assert!(
        source.key(Some("k"), EdDSA).await.is_ok(),
        "60 s TTL + 120 s stale window not yet over"
    );
    settle(&source).await;
    advance(Duration::from_secs(1)).await;
    assert!(!source.is_ready());
    assert_eq!(
        source.key(Some("k"), EdDSA).await.unwrap_err(),
        KeyError::KeysUnavailable
    );
    assert!(source.current().is_some(), "the old set is still listed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hanging_endpoint_times_out_and_known_keys_keep_working() {
    let k = TestKey::ed("k");
    let server = JwksServer::start(jwks(&[&k.jwk]));
    let cache = JwksCache::builder()
        .allow_http(true)
        .timeout(Duration::from_millis(200))
        .ttl(Duration::from_secs(1))
        .min_ttl(Duration::from_secs(1))
        .backoff_initial(Duration::from_millis(400))
        .backoff_max(Duration::from_millis(800))
        .build()
        .unwrap();
    let source = cache.source(&server.url()).unwrap();
    source.refresh().await.unwrap();
    server.set_behaviour(Behaviour::Hang(Duration::from_secs(3)));
    let started = std::time::Instant::now();
    assert_eq!(
        source.refresh().await.unwrap_err(),
        FetchError::Timeout(Duration::from_millis(200))
    );
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "the timeout cut the request short"
    );
    // 2.5 s of lookups every 10 ms across the expiry: all succeed, fetches follow the (short) backoff.
    let mut lookups = 0;
    while started.elapsed() < Duration::from_millis(2500) {
        assert!(source.key(Some("k"), EdDSA).await.is_ok());
        lookups += 1;
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert!(lookups > 100);
    let fetches = source.stats().fetches;
    // ≥ 200 ms per attempt + ≥ 200 ms delay: at most ~7 attempts in 2.5 s, never one per lookup.
    assert!(
        (3..=10).contains(&fetches),
        "{fetches} fetches for {lookups} lookups"
    );
    assert!(server.hits() <= fetches);
}

#[tokio::test]
async fn a_hanging_endpoint_before_any_good_fetch_is_keys_unavailable() {
    let k = TestKey::ed("k");
    let server = JwksServer::start(jwks(&[&k.jwk]));
    server.set_behaviour(Behaviour::Hang(Duration::from_secs(3)));
    let cache = JwksCache::builder()
        .allow_http(true)
        .timeout(Duration::from_millis(200))
        .build()
        .unwrap();
    let source = cache.source(&server.url()).unwrap();
    assert_eq!(
        source.key(Some("k"), EdDSA).await.unwrap_err(),
        KeyError::KeysUnavailable
    );
    assert_eq!(
        source.key(Some("k"), EdDSA).await.unwrap_err(),
        KeyError::KeysUnavailable
    );
    assert_eq!(source.stats().fetches, 1);
    assert_eq!(source.stats().unavailable, 2);
}
