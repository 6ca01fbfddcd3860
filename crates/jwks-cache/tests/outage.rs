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

use jwks_cache::Algorithm::EdDSA;
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

/// On the paused clock (after a first good fetch in real time): the endpoint hangs for 3 s of real
/// time, so every fetch ends at its 200 ms timeout of virtual time, and the schedule below does not
/// depend on how the machine schedules threads.
#[tokio::test]
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
    // The first good fetch in real time: on a loaded machine it may miss the 200 ms timeout once.
    for attempt in 1.. {
        match source.refresh().await {
            Ok(()) => break,
            Err(e) if attempt < 10 => eprintln!("first fetch, attempt {attempt}: {e}"),
            Err(e) => panic!("no good fetch in 10 attempts: {e}"),
        }
    }
    tokio::time::pause();
    let good = source.stats().fetches;
    server.set_behaviour(Behaviour::Hang(Duration::from_secs(3)));
    let started = Instant::now();
    assert_eq!(
        source.refresh().await.unwrap_err(),
        FetchError::Timeout(Duration::from_millis(200))
    );
    // Virtual time: the timeout to the timer wheel's millisecond, not the 3 s hang.
    let took = started.elapsed();
    assert!(
        (Duration::from_millis(200)..=Duration::from_millis(202)).contains(&took),
        "cut short at the timeout: {took:?}"
    );
    // 2.5 s of lookups every 10 ms across the expiry (at 1 s): all succeed from the last good set,
    // and fetches follow the backoff: each attempt takes its 200 ms timeout, then waits 200–800 ms.
    let mut lookups = 0;
    while started.elapsed() < Duration::from_millis(2500) {
        assert!(source.key(Some("k"), EdDSA).await.is_ok());
        lookups += 1;
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    // 2.3 s of virtual time in steps of 10 ms (11 ms where the timer wheel rounds a sleep up).
    assert!((200..=230).contains(&lookups), "{lookups} lookups");
    // The explicit refresh fails at 0.2 s; background attempts start at the refresh-ahead point
    // (0.9 s) and fail at 1.1 s; the next waits 400–800 ms (1.5–1.9 s, failing at 1.7–2.1 s), the
    // one after another 400–800 ms (2.1–2.9 s): 3 or 4 failed fetches, never one per lookup.
    let failed = source.stats().fetches - good;
    assert!(
        (3..=4).contains(&failed),
        "{failed} failed fetches for {lookups} lookups"
    );
    // Every attempt failed, but the last may still be waiting for its timeout.
    let failures = source.stats().fetch_failures;
    assert!(
        (failed - 1..=failed).contains(&failures),
        "{failures} of {failed}"
    );
    assert!(server.hits() <= source.stats().fetches);
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

/// A fetcher that never answers (no timeout of its own) is cut at the cache's timeout, and the
/// single-flight slot is free again for the next fetch.
#[tokio::test(start_paused = true)]
async fn a_fetch_that_never_answers_is_cut_at_the_timeout_and_frees_the_slot() {
    struct Never;
    impl jwks_cache::JwksFetcher for Never {
        fn fetch<'a>(
            &'a self,
            _url: &'a str,
        ) -> futures_util::future::BoxFuture<'a, Result<jwks_cache::FetchedJwks, FetchError>>
        {
            Box::pin(std::future::pending())
        }
    }
    let cache = JwksCache::builder()
        .fetcher(std::sync::Arc::new(Never))
        .timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    let source = cache.source("https://issuer.example/jwks.json").unwrap();
    let started = Instant::now();
    assert_eq!(
        source.refresh().await.unwrap_err(),
        FetchError::Timeout(Duration::from_millis(300))
    );
    assert!(started.elapsed() >= Duration::from_millis(300));
    assert_eq!(
        source.key(Some("k"), EdDSA).await.unwrap_err(),
        KeyError::KeysUnavailable,
        "within the backoff: no new fetch"
    );
    assert_eq!(source.stats().fetches, 1);
    assert_eq!(
        source.refresh().await.unwrap_err(),
        FetchError::Timeout(Duration::from_millis(300)),
        "the slot is free: an explicit refresh fetches again"
    );
    assert_eq!(source.stats().fetches, 2);
}
