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

/// Serves the document the test sets, counting fetches.
struct Documents {
    body: Mutex<String>,
    fetches: AtomicUsize,
}

impl JwksFetcher for Documents {
    fn fetch<'a>(&'a self, _url: &'a str) -> BoxFuture<'a, Result<FetchedJwks, FetchError>> {
        self.fetches.fetch_add(1, Ordering::SeqCst);
        let body = self.body.lock().unwrap().clone().into_bytes();
        Box::pin(async move {
            Ok(FetchedJwks {
                body,
                max_age: None,
            })
        })
    }
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

#[test]
fn without_a_runtime_lookups_fetch_and_an_expired_set_is_refreshed() {
    let (a, b) = (TestKey::ed("a"), TestKey::ed("b"));
    let documents = Arc::new(Documents {
        body: Mutex::new(jwks(&[&a.jwk])),
        fetches: AtomicUsize::new(0),
    });
    let cache = JwksCache::builder()
        .fetcher(documents.clone())
        .ttl(Duration::from_secs(1))
        .min_ttl(Duration::from_secs(1))
        .build()
        .unwrap();
    let source = cache.source("https://issuer.example/jwks.json").unwrap();
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
    assert!(block_on(source.key(Some("b"), b.alg)).is_ok());
}
