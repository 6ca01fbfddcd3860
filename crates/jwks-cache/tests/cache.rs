//! The cache against a real JWKS server on 127.0.0.1: single-flight, cooldown, rotation, TTL, configuration.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod support;

use std::sync::Arc;
use std::time::Duration;

use jwks_cache::Algorithm::{ES256, EdDSA, RS256};
use jwks_cache::{ConfigError, FetchError, JwksCache, KeyError};
use serde_json::json;
use support::{Behaviour, JwksServer, TestKey, jwks, paused_builder, until, verify};
use tokio::time::advance;

const COOLDOWN: Duration = Duration::from_secs(30);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn thousand_concurrent_lookups_of_a_new_kid_on_a_cold_cache_make_one_fetch() {
    let k = TestKey::rsa("new");
    let server = JwksServer::start(jwks(&[&k.jwk]));
    let cache = JwksCache::builder().allow_http(true).build().unwrap();
    let source = cache.source(&server.url()).unwrap();
    let tasks: Vec<_> = (0..1000)
        .map(|_| {
            let source = source.clone();
            tokio::spawn(async move { source.key(Some("new"), RS256).await })
        })
        .collect();
    for task in tasks {
        let key = task.await.unwrap().unwrap();
        assert_eq!(key.kid(), Some("new"));
    }
    assert_eq!(server.hits(), 1);
    let stats = source.stats();
    assert_eq!(
        (stats.fetches, stats.hits, stats.fetch_failures),
        (1, 1000, 0)
    );
    assert_eq!(
        verify(&k.token(), &source.key(Some("new"), RS256).await.unwrap()).unwrap(),
        "alice"
    );
}

#[tokio::test(start_paused = true)]
async fn thousand_concurrent_lookups_of_a_rotated_in_kid_make_one_fetch() {
    let (old, new) = (TestKey::ec("old"), TestKey::ec("new"));
    let server = JwksServer::start(jwks(&[&old.jwk]));
    let cache = paused_builder().build().unwrap();
    let source = cache.source(&server.url()).unwrap();
    source.refresh().await.unwrap();
    advance(COOLDOWN).await;
    server.set_body(jwks(&[&old.jwk, &new.jwk]));
    let tasks: Vec<_> = (0..1000)
        .map(|_| {
            let source = source.clone();
            tokio::spawn(async move { source.key(Some("new"), ES256).await })
        })
        .collect();
    for task in tasks {
        let key = task.await.unwrap().unwrap();
        assert_eq!(verify(&new.token(), &key).unwrap(), "alice");
    }
    assert_eq!(server.hits(), 2);
    let stats = source.stats();
    assert_eq!(
        (stats.fetches, stats.unknown_kid_refreshes, stats.hits),
        (2, 1, 1000)
    );
}

#[tokio::test(start_paused = true)]
async fn unknown_kid_flood_fetches_at_most_once_per_cooldown_window() {
    let k = TestKey::ed("real");
    let server = JwksServer::start(jwks(&[&k.jwk]));
    let cache = paused_builder().build().unwrap();
    let source = cache.source(&server.url()).unwrap();
    source.refresh().await.unwrap(); // t = 0
    // 10,000 lookups of random kids, 10 ms apart: t = 0 .. 100 s.
    for _ in 0..10_000 {
        let kid = format!("attacker-{:016x}", rand::random::<u64>());
        let err = source.key(Some(&kid), EdDSA).await.unwrap_err();
        assert_eq!(err, KeyError::NoMatchingKey { kid: Some(kid) });
        advance(Duration::from_millis(10)).await;
    }
    // One refetch is allowed at t = 30, 60 and 90 s; every other lookup failed fast.
    assert_eq!(server.hits(), 1 + 3);
    let stats = source.stats();
    assert_eq!(stats.unknown_kid_refreshes, 3);
    assert_eq!(stats.cooldown_rejections, 10_000 - 3);
    assert_eq!(stats.hits, 0);
    // The real key is unaffected.
    assert!(source.key(Some("real"), EdDSA).await.is_ok());
}

#[tokio::test(start_paused = true)]
async fn a_kid_unknown_after_a_refetch_is_remembered_in_the_negative_cache() {
    let k = TestKey::ed("real");
    let server = JwksServer::start(jwks(&[&k.jwk]));
    let cache = paused_builder().build().unwrap();
    let source = cache.source(&server.url()).unwrap();
    source.refresh().await.unwrap();
    advance(COOLDOWN).await;
    assert!(matches!(
        source.key(Some("ghost"), EdDSA).await,
        Err(KeyError::NoMatchingKey { .. })
    ));
    assert_eq!(server.hits(), 2);
    assert!(matches!(
        source.key(Some("ghost"), EdDSA).await,
        Err(KeyError::NoMatchingKey { .. })
    ));
    assert!(matches!(
        source.key(Some("other"), EdDSA).await,
        Err(KeyError::NoMatchingKey { .. })
    ));
    let stats = source.stats();
    assert_eq!(
        (
            stats.unknown_kid_refreshes,
            stats.negative_hits,
            stats.cooldown_rejections
        ),
        (1, 1, 1)
    );
    assert_eq!(server.hits(), 2);
}

#[tokio::test(start_paused = true)]
async fn rotation_finds_new_kids_at_once_and_retires_removed_ones() {
    let (k1, k2, k3) = (TestKey::rsa("k1"), TestKey::ec("k2"), TestKey::ed("k3"));
    let server = JwksServer::start(jwks(&[&k1.jwk, &k2.jwk]));
    let cache = paused_builder().build().unwrap();
    let source = cache.source(&server.url()).unwrap();
    let old_k1 = source.key(Some("k1"), RS256).await.unwrap();
    let old_k2 = source.key(Some("k2"), ES256).await.unwrap();
    assert_eq!(server.hits(), 1);

    advance(COOLDOWN).await;
    server.set_body(jwks(&[&k2.jwk, &k3.jwk]));
    // First sight of k3: one refetch, and the token verifies.
    let new_k3 = source.key(Some("k3"), EdDSA).await.unwrap();
    assert_eq!(verify(&k3.token(), &new_k3).unwrap(), "alice");
    assert_eq!(server.hits(), 2);
    // k1 left the set: it fails now, and its old Arc reports retirement.
    assert_eq!(
        source.key(Some("k1"), RS256).await.unwrap_err(),
        KeyError::NoMatchingKey {
            kid: Some("k1".into())
        }
    );
    assert!(old_k1.is_retired());
    // k2 stayed: same Arc, same id, not retired.
    let new_k2 = source.key(Some("k2"), ES256).await.unwrap();
    assert!(Arc::ptr_eq(&old_k2, &new_k2));
    assert_eq!(old_k2.id(), new_k2.id());
    assert!(!new_k2.is_retired() && !new_k3.is_retired());
    assert_eq!(server.hits(), 2);
}

#[tokio::test(start_paused = true)]
async fn a_changed_jwk_under_the_same_kid_is_a_new_key_and_retires_the_old_one() {
    let (a, a2) = (TestKey::ec("a"), TestKey::ec("a"));
    let b = TestKey::ed("b");
    let server = JwksServer::start(jwks(&[&a.jwk, &b.jwk]));
    let cache = paused_builder().build().unwrap();
    let source = cache.source(&server.url()).unwrap();
    let old_a = source.key(Some("a"), ES256).await.unwrap();
    let old_b = source.key(Some("b"), EdDSA).await.unwrap();
    // Same kid, new material; same material, new metadata.
    server.set_body(jwks(&[&a2.jwk, &b.jwk_with(json!({"use": "sig"}))]));
    source.refresh().await.unwrap();
    let new_a = source.key(Some("a"), ES256).await.unwrap();
    let new_b = source.key(Some("b"), EdDSA).await.unwrap();
    assert!(old_a.is_retired() && old_b.is_retired());
    assert!(!Arc::ptr_eq(&old_a, &new_a) && !Arc::ptr_eq(&old_b, &new_b));
    assert_eq!(verify(&a2.token(), &new_a).unwrap(), "alice");
    assert_eq!(
        verify(&a.token(), &new_a).unwrap_err(),
        claims_core::VerifyError::InvalidSignature
    );
}

#[tokio::test(start_paused = true)]
async fn refresh_ahead_happens_in_the_background() {
    let (k1, k2) = (TestKey::ed("k1"), TestKey::ed("k2"));
    let server = JwksServer::start(jwks(&[&k1.jwk]));
    server.set_max_age(Some(100));
    let cache = paused_builder().build().unwrap();
    let source = cache.source(&server.url()).unwrap();
    source.refresh().await.unwrap();
    assert_eq!(source.current().unwrap().ttl(), Duration::from_secs(100));
    server.set_body(jwks(&[&k1.jwk, &k2.jwk]));
    advance(Duration::from_secs(89)).await; // before the last 10 % of the TTL: no refresh
    source.key(Some("k1"), EdDSA).await.unwrap();
    assert_eq!(source.stats().background_refreshes, 0);
    advance(Duration::from_secs(2)).await; // t = 91 s: inside the refresh-ahead window
    for _ in 0..100 {
        // Served from the current set at once; exactly one background refresh is started.
        source.key(Some("k1"), EdDSA).await.unwrap();
    }
    until(|| source.current().unwrap().keys().len() == 2).await;
    assert_eq!(server.hits(), 2);
    let stats = source.stats();
    assert_eq!(
        (
            stats.background_refreshes,
            stats.unknown_kid_refreshes,
            stats.stale_hits
        ),
        (1, 0, 0)
    );
    source.key(Some("k2"), EdDSA).await.unwrap();
    assert_eq!(server.hits(), 2);
}

#[tokio::test(start_paused = true)]
async fn max_age_is_honoured_and_clamped() {
    let k = TestKey::ed("k");
    let server = JwksServer::start(jwks(&[&k.jwk]));
    let cache = paused_builder()
        .ttl(Duration::from_secs(300))
        .min_ttl(Duration::from_secs(60))
        .max_ttl(Duration::from_secs(3600))
        .build()
        .unwrap();
    let source = cache.source(&server.url()).unwrap();
    for (max_age, ttl) in [
        (None, 300),
        (Some(120), 120),
        (Some(5), 60),
        (Some(0), 60),
        (Some(86_400), 3600),
    ] {
        server.set_max_age(max_age);
        source.refresh().await.unwrap();
        let set = source.current().unwrap();
        assert_eq!(set.ttl(), Duration::from_secs(ttl), "max-age {max_age:?}");
        assert_eq!(
            set.expires_at() - set.fetched_at(),
            Duration::from_secs(ttl)
        );
    }
}

#[tokio::test(start_paused = true)]
async fn one_malformed_key_does_not_empty_the_set() {
    let good = TestKey::rsa("good");
    let bad = json!({"kty": "RSA", "kid": "bad", "n": "%%%", "e": "AQAB"});
    let server = JwksServer::start(jwks(&[&bad, &good.jwk]));
    let cache = paused_builder().build().unwrap();
    let source = cache.source(&server.url()).unwrap();
    let key = source.key(Some("good"), RS256).await.unwrap();
    assert_eq!(verify(&good.token(), &key).unwrap(), "alice");
    assert_eq!(source.stats().skipped_keys, 1);
    let set = source.current().unwrap();
    assert_eq!((set.keys().len(), set.skipped().len()), (1, 1));
    assert_eq!(set.skipped()[0].kid.as_deref(), Some("bad"));
}

#[tokio::test(start_paused = true)]
async fn a_set_whose_keys_are_all_unusable_keeps_the_last_good_set() {
    let good = TestKey::rsa("good");
    let server = JwksServer::start(jwks(&[&good.jwk]));
    let cache = paused_builder().build().unwrap();
    let source = cache.source(&server.url()).unwrap();
    let key = source.key(Some("good"), RS256).await.unwrap();
    // The provider now serves only keys we cannot use: a failed fetch, not a new (empty) set.
    let bad = json!({"kty": "RSA", "kid": "bad", "n": "%%%", "e": "AQAB"});
    server.set_body(jwks(&[
        &bad,
        &json!({"kty": "oct", "kid": "sym", "k": "c2VjcmV0"}),
    ]));
    let err = source.refresh().await.unwrap_err();
    assert_eq!(
        err,
        FetchError::Parse(jwks_cache::ParseError::NoUsableKeys { skipped: 2 })
    );
    assert!(!key.is_retired());
    let again = source.key(Some("good"), RS256).await.unwrap();
    assert!(Arc::ptr_eq(&key, &again));
    // An explicitly empty set is the provider revoking every key.
    server.set_body(jwks(&[]));
    source.refresh().await.unwrap();
    assert!(key.is_retired());
}

#[tokio::test]
async fn redirects_are_not_followed() {
    let k = TestKey::ed("k");
    let server = JwksServer::start(jwks(&[&k.jwk]));
    server.set_behaviour(Behaviour::Redirect);
    let cache = JwksCache::builder().allow_http(true).build().unwrap();
    let source = cache.source(&server.url()).unwrap();
    assert_eq!(
        source.refresh().await.unwrap_err(),
        FetchError::Redirect { status: 302 }
    );
    assert_eq!(
        source.key(Some("k"), EdDSA).await.unwrap_err(),
        KeyError::KeysUnavailable
    );
    assert_eq!((server.hits(), server.moved_hits()), (1, 0));
}

#[test]
fn urls_are_checked_when_a_source_is_registered() {
    let cache = JwksCache::builder().build().unwrap();
    let err = cache.source("http://127.0.0.1:1/jwks").unwrap_err();
    assert_eq!(
        err,
        ConfigError::InsecureUrl {
            url: "http://127.0.0.1:1/jwks".into()
        }
    );
    assert!(err.to_string().contains("allow_http"));
    assert!(matches!(
        cache.source("ftp://example.com/jwks"),
        Err(ConfigError::UnsupportedScheme { .. })
    ));
    assert!(matches!(
        cache.source("not a url"),
        Err(ConfigError::InvalidUrl { .. })
    ));
    assert!(cache.source("https://example.com/jwks").is_ok());
    let open = JwksCache::builder().allow_http(true).build().unwrap();
    assert!(open.source("http://127.0.0.1:1/jwks").is_ok());
    assert_eq!(open.sources().len(), 1);
    assert_eq!(
        open.source("http://127.0.0.1:1/jwks").unwrap().url(),
        "http://127.0.0.1:1/jwks"
    );
    assert_eq!(open.sources().len(), 1, "the same URL is one source");
}

#[test]
fn settings_outside_their_range_are_refused_naming_the_setting() {
    let secs = Duration::from_secs;
    let refused = |b: jwks_cache::JwksCacheBuilder| match b.build() {
        Err(ConfigError::OutOfRange { setting, valid, .. }) => (setting, valid),
        other => panic!("expected OutOfRange, got {other:?}"),
    };
    let b = JwksCache::builder;
    assert_eq!(
        refused(b().min_ttl(secs(10)).max_ttl(secs(5))),
        ("max_ttl", "10s..=604800s".to_owned())
    );
    assert_eq!(
        refused(b().ttl(Duration::ZERO)),
        ("ttl", "60s..=86400s".to_owned())
    );
    assert_eq!(
        refused(b().max_keys(0)),
        ("max_keys", "1..=1000".to_owned())
    );
    assert_eq!(
        refused(b().backoff_initial(Duration::ZERO)),
        ("backoff_initial", "100ms..=3600s".to_owned())
    );
    assert_eq!(
        refused(b().timeout(Duration::ZERO)),
        ("timeout", "100ms..=60s".to_owned())
    );
    assert_eq!(
        refused(b().cooldown(secs(99_999_999_999_999))),
        ("cooldown", "1s..=3600s".to_owned())
    );
    assert_eq!(
        refused(b().stale_window(Duration::MAX)),
        ("stale_window", "0ns..=604800s".to_owned())
    );
    let err = b().cooldown(Duration::ZERO).build().unwrap_err();
    assert_eq!(
        err.to_string(),
        "cooldown = 0ns is outside its valid range 1s..=3600s"
    );
    // The ends of every range are accepted.
    b().timeout(*jwks_cache::TIMEOUT_RANGE.end())
        .cooldown(*jwks_cache::COOLDOWN_RANGE.start())
        .stale_window(*jwks_cache::STALE_WINDOW_RANGE.end())
        .max_ttl(*jwks_cache::TTL_RANGE.end())
        .max_keys(*jwks_cache::MAX_KEYS_RANGE.end())
        .build()
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn prefetch_warms_every_source_and_never_fails() {
    let (a, b) = (TestKey::rsa("a"), TestKey::ec("b"));
    let good = JwksServer::start(jwks(&[&a.jwk]));
    let also_good = JwksServer::start(jwks(&[&b.jwk]));
    let broken = JwksServer::start(jwks(&[]));
    broken.set_behaviour(Behaviour::Status(500));
    let cache = JwksCache::builder().allow_http(true).build().unwrap();
    let sources = [good.url(), also_good.url(), broken.url()].map(|u| cache.source(&u).unwrap());
    assert!(!cache.is_ready());
    cache.prefetch().await;
    assert_eq!(
        sources.each_ref().map(|s| s.is_ready()),
        [true, true, false]
    );
    assert!(!cache.is_ready());
    assert_eq!((good.hits(), also_good.hits(), broken.hits()), (1, 1, 1));
    let stats = cache.stats();
    assert_eq!((stats.fetches, stats.fetch_failures), (3, 1));
    // Each source has its own keys.
    assert!(sources[0].key(Some("a"), RS256).await.is_ok());
    assert!(sources[1].key(Some("b"), ES256).await.is_ok());
    assert_eq!(cache.stats().hits, 2);
}
