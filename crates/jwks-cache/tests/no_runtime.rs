//! Without a tokio runtime (a lookup driven by another executor), fetches run inside the lookups
//! that await them: a cold lookup fetches, and once the set has expired the next lookup refreshes
//! it, so a rotation still takes effect within the TTL. The fetcher is a real `JwksFetcher`
//! serving documents the test switches (the built-in HTTP fetcher needs a tokio runtime).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod support;

use std::future::Future;
use std::pin::pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Wake, Waker};
use std::time::Duration;

use futures_util::future::BoxFuture;
use jwks_cache::{FetchError, FetchedJwks, JwksCache, JwksFetcher, KeyError};
use support::{TestKey, jwks};

/// Serves the document the test sets, counting fetches; each answer takes one extra poll (like
/// a real request), so a waiter can be dropped while the fetch is in progress.
struct Documents {
    body: Mutex<String>,
    fetches: AtomicUsize,
}

impl JwksFetcher for Documents {
    fn fetch<'a>(&'a self, _url: &'a str) -> BoxFuture<'a, Result<FetchedJwks, FetchError>> {
        self.fetches.fetch_add(1, Ordering::SeqCst);
        Box::pin(async move {
            YieldOnce(false).await;
            let body = self.body.lock().unwrap().clone().into_bytes();
            Ok(FetchedJwks {
                body,
                max_age: None,
            })
        })
    }
}

/// Pending once (waking itself), then ready.
struct YieldOnce(bool);

impl Future for YieldOnce {
    type Output = ();
    fn poll(mut self: std::pin::Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.0 {
            Poll::Ready(())
        } else {
            self.0 = true;
            cx.waker().wake_by_ref();
            Poll::Pending
        }
    }
}

/// Polls `future` once, then drops it: a waiter that gives up mid-fetch.
fn poll_once_and_drop<F: Future>(future: F) {
    let mut future = pin!(future);
    let mut cx = Context::from_waker(Waker::noop());
    assert!(future.as_mut().poll(&mut cx).is_pending());
}

/// A minimal executor: polls on this thread, parking until woken. No tokio anywhere.
fn block_on<F: Future>(future: F) -> F::Output {
    struct Unpark(std::thread::Thread);
    impl Wake for Unpark {
        fn wake(self: Arc<Self>) {
            self.0.unpark();
        }
    }
    let waker = Waker::from(Arc::new(Unpark(std::thread::current())));
    let mut cx = Context::from_waker(&waker);
    let mut future = pin!(future);
    loop {
        if let Poll::Ready(out) = future.as_mut().poll(&mut cx) {
            return out;
        }
        std::thread::park();
    }
}

/// Keys a and b, a fetcher serving a set with only a, and a source with a 1 s TTL reading it.
fn setup(timeout: Option<Duration>) -> (TestKey, TestKey, Arc<Documents>, jwks_cache::JwksSource) {
    let (a, b) = (TestKey::ed("a"), TestKey::ed("b"));
    let documents = Arc::new(Documents {
        body: Mutex::new(jwks(&[&a.jwk])),
        fetches: AtomicUsize::new(0),
    });
    let mut builder = JwksCache::builder()
        .fetcher(documents.clone())
        .ttl(Duration::from_secs(1))
        .min_ttl(Duration::from_secs(1));
    if let Some(timeout) = timeout {
        builder = builder.timeout(timeout);
    }
    let source = builder
        .build()
        .unwrap()
        .source("https://issuer.example/jwks.json")
        .unwrap();
    (a, b, documents, source)
}

#[test]
fn without_a_runtime_lookups_fetch_and_an_expired_set_is_refreshed() {
    let (a, b, documents, source) = setup(None);
    assert!(tokio::runtime::Handle::try_current().is_err());

    let key_a = block_on(source.key(Some("a"), a.alg)).unwrap();
    assert_eq!(documents.fetches.load(Ordering::SeqCst), 1);
    // Inside the TTL: no fetch (no runtime for a background refresh either).
    *documents.body.lock().unwrap() = jwks(&[&b.jwk]);
    block_on(source.key(Some("a"), a.alg)).unwrap();
    assert_eq!(documents.fetches.load(Ordering::SeqCst), 1);

    // Past the TTL the lookup refreshes the set itself: a has been rotated out.
    std::thread::sleep(Duration::from_millis(1100));
    assert_eq!(
        block_on(source.key(Some("a"), a.alg)).unwrap_err(),
        KeyError::NoMatchingKey {
            kid: Some("a".into())
        }
    );
    assert!(key_a.is_retired());
    assert_eq!(documents.fetches.load(Ordering::SeqCst), 2);
    assert_eq!(
        block_on(source.key(Some("b"), b.alg)).unwrap().kid(),
        Some("b")
    );
}

#[test]
fn without_a_runtime_a_dropped_waiter_leaves_the_fetch_to_the_next_lookup() {
    let (a, b, documents, source) = setup(None);

    // A cold lookup gives up mid-fetch; the next one finishes that same fetch.
    poll_once_and_drop(source.key(Some("a"), a.alg));
    assert_eq!(
        block_on(source.key(Some("a"), a.alg)).unwrap().kid(),
        Some("a")
    );
    assert_eq!(documents.fetches.load(Ordering::SeqCst), 1);

    // The set expires; the lookup that starts its refresh gives up; the next lookup completes
    // the refresh and sees the rotation.
    *documents.body.lock().unwrap() = jwks(&[&b.jwk]);
    std::thread::sleep(Duration::from_millis(1100));
    poll_once_and_drop(source.key(Some("a"), a.alg));
    assert_eq!(
        block_on(source.key(Some("a"), a.alg)).unwrap_err(),
        KeyError::NoMatchingKey {
            kid: Some("a".into())
        }
    );
    assert_eq!(documents.fetches.load(Ordering::SeqCst), 2);
    assert_eq!(
        block_on(source.key(Some("b"), b.alg)).unwrap().kid(),
        Some("b")
    );
}

/// A refresh spawned on a runtime that is then dropped before the task ever ran (a `block_on` per
/// call, a test runtime per test) is picked up on the next runtime: the rotation is still seen.
#[test]
fn a_refresh_whose_runtime_went_away_is_driven_on_the_next_one() {
    let (a, b, documents, source) = setup(Some(Duration::from_millis(100)));
    let runtime = || {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
    };
    runtime().block_on(source.key(Some("a"), a.alg)).unwrap();

    // Expired: this lookup starts a background refresh on its runtime, is answered from the old
    // set, and the runtime is dropped before the refresh task ever runs.
    *documents.body.lock().unwrap() = jwks(&[&b.jwk]);
    std::thread::sleep(Duration::from_millis(1100));
    runtime().block_on(source.key(Some("a"), a.alg)).unwrap();
    assert_eq!(source.stats().fetches, 2, "the refresh was started");
    assert_eq!(
        documents.fetches.load(Ordering::SeqCst),
        1,
        "its task never ran"
    );

    // Once that fetch's timeout (100 ms, plus 1 s) has passed, the next lookup notices its task
    // is gone and drives the same fetch on a new task: a is refused, b verifies.
    std::thread::sleep(Duration::from_millis(1200));
    runtime().block_on(async {
        let _ = source.key(Some("a"), a.alg).await;
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        while source
            .current()
            .unwrap()
            .keys()
            .iter()
            .any(|k| k.kid() == Some("a"))
        {
            assert!(
                std::time::Instant::now() < deadline,
                "the refresh never completed"
            );
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    });
    assert_eq!(
        documents.fetches.load(Ordering::SeqCst),
        2,
        "the same fetch, not a new one"
    );
    assert_eq!(
        block_on(source.key(Some("a"), a.alg)).unwrap_err(),
        KeyError::NoMatchingKey {
            kid: Some("a".into())
        }
    );
    assert_eq!(
        block_on(source.key(Some("b"), b.alg)).unwrap().kid(),
        Some("b")
    );
}
