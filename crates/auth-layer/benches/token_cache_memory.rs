//! Resident memory of 100,000 cached tokens (Linux: reads `VmRSS` from `/proc/self/status`).
//!
//! ```sh
//! cargo bench -p auth-layer --bench token_cache_memory
//! ```
//!
//! Realistic Web3Auth ES256 tokens (≈ 850 bytes: wallets, email, name, picture, verifier ids),
//! each distinct, are signed and verified 1,000 at a time and dropped, so what stays resident is
//! the cache: 32-byte keys, the shared `Authenticated` (typed claims + identity) and moka's own
//! bookkeeping. Target: ≤ 64 MiB for 100,000 entries.
//!
//! `MEM_MODE=vec` holds the same verified tokens in a `Vec` instead (cache cleared as it goes),
//! to separate the cost of the typed claims + identity from the cache's own.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    missing_docs
)]

use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

use auth_layer::{KeySource, Verifier};
use claims_core::Policy;
use serde_json::json;
use test_support::{EcKey, sign};

const ENTRIES: u64 = 100_000;
const CLIENT_ID: &str =
    "BPi5PB_UiIZ-cPz1GtV5i1I2iOSOHuimiXBI0e-Oe_u6X3oVAbCiAZOTEBtTXw4tsluTITPqA8zMsfxIKMjiqNQ";

fn ready<F: Future>(f: F) -> F::Output {
    match pin!(f).poll(&mut Context::from_waker(Waker::noop())) {
        Poll::Ready(v) => v,
        Poll::Pending => panic!("waited"),
    }
}

fn rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap()
}

fn main() {
    let key = EcKey::generate("w3a-1");
    let verifier = Verifier::builder()
        .provider(
            Policy::web3auth(CLIENT_ID).unwrap(),
            KeySource::from_decoding_key(&key.decoding_key()).unwrap(),
        )
        .token_cache_capacity(ENTRIES)
        .build()
        .unwrap();
    let now = claims_core::now();
    let token = |i: u64| {
        sign(
            &key,
            &json!({
                "iat": now, "exp": now + 3600, "aud": CLIENT_ID,
                "iss": "https://api-auth.web3auth.io",
                "nonce": format!("{i:064x}"),
                "wallets": [{"public_key": format!("03{i:064x}"), "type": "web3auth_app_key", "curve": "secp256k1"}],
                "email": format!("user{i}@example.com"), "name": format!("User {i}"),
                "profileImage": format!("https://lh3.googleusercontent.com/a/{i:032x}=s96-c"),
                "verifier": "web3auth", "verifierId": format!("user{i}@example.com"),
                "aggregateVerifier": "w3a-google", "typeOfLogin": "google"
            }),
        )
    };
    let sample = token(u64::MAX);
    ready(verifier.verify_at(&sample, now)).unwrap();
    let tokens = verifier.token_cache().unwrap();
    tokens.clear();
    tokens.run_pending_tasks();
    let before = rss_kib();
    let mut held = Vec::new();
    let mode = std::env::var("MEM_MODE").unwrap_or_default();
    for chunk in 0..ENTRIES / 1_000 {
        let batch: Vec<String> = (0..1_000).map(|i| token(chunk * 1_000 + i)).collect();
        for t in &batch {
            let a = ready(verifier.verify_at(t, now)).unwrap();
            if mode == "vec" {
                held.push(a);
                tokens.clear();
            }
        }
        tokens.run_pending_tasks();
    }
    if mode == "vec" {
        let after = rss_kib();
        println!(
            "MEM_MODE=vec: {ENTRIES} verified tokens held in a Vec, no cache: +{:.1} MiB ({} bytes per entry)",
            (after - before) as f64 / 1024.0,
            (after - before) * 1024 / ENTRIES
        );
        return;
    }
    tokens.run_pending_tasks();
    let after = rss_kib();
    let entries = tokens.entry_count();
    assert_eq!(entries, ENTRIES, "every token must be cached");
    let delta_kib = after.saturating_sub(before);
    let mib = delta_kib as f64 / 1024.0;
    println!(
        "token of {} bytes; {entries} cached tokens: VmRSS {before} kB -> {after} kB, +{mib:.1} MiB \
         ({:.0} bytes per entry); target <= 64 MiB: {}",
        sample.len(),
        delta_kib as f64 * 1024.0 / entries as f64,
        if mib <= 64.0 { "met" } else { "MISSED" }
    );
}
