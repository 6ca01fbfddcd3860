//! Resident memory of 100,000 cached tokens (Linux: reads `VmRSS` from `/proc/self/status`).
//!
//! ```sh
//! cargo bench -p wallet-auth-layer --bench token_cache_memory
//! ```
//!
//! For each of three realistic token shapes (Para, Web3Auth, Dynamic), each token distinct per
//! user, a child process signs and verifies 100,000 tokens 1,000 at a time and drops them, so what
//! stays resident is the cache: 32-byte keys, the shared `Authenticated` (typed claims; the
//! identity is derived on demand) and the store's own bookkeeping. Target: at most 1,500 resident
//! bytes per Web3Auth-shaped entry, divided by the tokens actually kept (the store may keep a
//! little under its capacity).
//!
//! More measurements split that figure, each in its own process too:
//! - `floor-quick`: the token cache's store (`quick_cache`, capacity 100,000) holding a 16-byte
//!   value under the same 32-byte key: what the store itself costs per entry, whatever the claims;
//! - `floor-moka`: the same for moka with per-entry expiry, the store the cache used before;
//! - `MEM_MODE=vec`: the verified tokens held in a `Vec` with no cache: the claims alone.
//!
//! The tokens are signed with ES256 whatever the provider's usual algorithm (RS256 signing is
//! ~1 ms a token); the signature is not kept, so the algorithm does not change what is measured.
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
use test_support::proc_stats::rss_kib;
use test_support::{EcKey, sign};

const ENTRIES: u64 = 100_000;
/// Resident bytes per cached Web3Auth-shaped token, at most.
const WEB3AUTH_TARGET: u64 = 1_500;

const CLIENT_ID: &str =
    "BPi5PB_UiIZ-cPz1GtV5i1I2iOSOHuimiXBI0e-Oe_u6X3oVAbCiAZOTEBtTXw4tsluTITPqA8zMsfxIKMjiqNQ";

fn ready<F: Future>(f: F) -> F::Output {
    match pin!(f).poll(&mut Context::from_waker(Waker::noop())) {
        Poll::Ready(v) => v,
        Poll::Pending => panic!("waited"),
    }
}

const DYNAMIC_ENV: &str = "2762a57b-faa4-41ce-9f16-abff9300e2c9";

/// The claims of user `i`'s token for `shape`, and the policy that accepts them.
fn shape(shape: &str, i: u64, now: i64) -> (Policy, serde_json::Value) {
    let es256 = [claims_core::Algorithm::ES256];
    match shape {
        "para" => (
            Policy::para().with_algorithms(&es256).unwrap(),
            json!({
                "sub": format!("{i:08x}-8a5c-4a53-9a59-1c1f3f0b2a77"), "iat": now, "exp": now + 3600,
                "data": {
                    "userId": format!("{i:08x}-8a5c-4a53-9a59-1c1f3f0b2a77"),
                    "email": format!("user{i}@example.com"), "authType": "email",
                    "identifier": format!("user{i}@example.com"),
                    "wallets": [{"id": format!("{i:08x}-1d2c-4f9a-b6a5-0f4f0e2d2e11"), "type": "EVM",
                                 "address": format!("0x{i:040x}")}]
                }
            }),
        ),
        "web3auth" => (
            Policy::web3auth(CLIENT_ID)
                .unwrap()
                .with_algorithms(&es256)
                .unwrap(),
            json!({
                "iat": now, "exp": now + 3600, "aud": CLIENT_ID,
                "iss": "https://api-auth.web3auth.io",
                "nonce": format!("{i:064x}"),
                "wallets": [{"public_key": format!("03{i:064x}"), "type": "web3auth_app_key", "curve": "secp256k1"}],
                "email": format!("user{i}@example.com"), "name": format!("User {i}"),
                "profileImage": format!("https://lh3.googleusercontent.com/a/{i:032x}=s96-c"),
                "verifier": "web3auth", "verifierId": format!("user{i}@example.com"),
                "aggregateVerifier": "w3a-google", "typeOfLogin": "google"
            }),
        ),
        "dynamic" => (
            Policy::dynamic(DYNAMIC_ENV)
                .unwrap()
                .with_algorithms(&es256)
                .unwrap(),
            json!({
                "kid": "dyn-1", "aud": "https://app.example.com",
                "iss": format!("app.dynamicauth.com/{DYNAMIC_ENV}"),
                "sub": format!("{i:08x}-8ea0-4949-b8bb-b6ab4f712a49"), "sid": format!("{i:08x}-1b0e-4e0b-8d55-6c2b3b8a0f1e"),
                "environment_id": DYNAMIC_ENV, "iat": now, "exp": now + 3600,
                "email": format!("user{i}@example.com"), "lists": [], "missing_fields": [], "new_user": false,
                "scope": "user:basic",
                "verified_credentials": [
                    {"address": format!("0x{i:040x}"), "chain": "eip155", "id": format!("{i:08x}-0d0e-4b8e-9f44-2b1a4f0c5d6e"),
                     "format": "blockchain", "wallet_name": "metamask", "wallet_provider": "browserExtension",
                     "public_identifier": format!("0x{i:040x}")},
                    {"id": format!("{i:08x}-c2"), "format": "email", "email": format!("user{i}@example.com"),
                     "public_identifier": format!("user{i}@example.com")}
                ],
                "last_verified_credential_id": format!("{i:08x}-0d0e-4b8e-9f44-2b1a4f0c5d6e"),
                "metadata": {}
            }),
        ),
        other => panic!("unknown token shape {other}"),
    }
}

/// The key of entry `i` of a floor measurement: spread like a digest's bytes.
fn floor_key(i: u64) -> [u8; 32] {
    let mut key = [0u8; 32];
    key[..8].copy_from_slice(&i.to_le_bytes());
    key[8..16].copy_from_slice(&i.wrapping_mul(0x9E37_79B9_7F4A_7C15).to_le_bytes());
    key
}

/// Print the resident growth since `before` for `entries` entries of `what`.
fn report_floor(what: &str, before: u64, entries: u64) {
    let delta = rss_kib("self").expect("VmRSS in /proc/self/status (Linux)") - before;
    println!(
        "  {what}: +{:.1} MiB ({} bytes per entry)",
        delta as f64 / 1024.0,
        delta * 1024 / entries.max(1)
    );
}

/// The store alone, holding a 16-byte value under the token cache's 32-byte key: what it costs
/// per entry, whatever the claims. `quick`: the cache the token cache uses; `moka`: moka with
/// per-entry expiry, which it used before (measured as the alternative).
fn floor(store: &str) {
    let before = rss_kib("self").expect("VmRSS in /proc/self/status (Linux)");
    if store == "quick" {
        let cache: quick_cache::sync::Cache<[u8; 32], [u64; 2]> =
            quick_cache::sync::Cache::new(ENTRIES as usize);
        for i in 0..ENTRIES {
            cache.insert(floor_key(i), [i; 2]);
        }
        let n = cache.len() as u64;
        assert!(n >= ENTRIES * 99 / 100, "only {n} entries kept");
        report_floor(
            "quick_cache alone (32-byte key, 16-byte value; the token cache's store)",
            before,
            n,
        );
        return;
    }
    struct Ttl;
    impl moka::Expiry<[u8; 32], [u64; 2]> for Ttl {
        fn expire_after_create(
            &self,
            _: &[u8; 32],
            _: &[u64; 2],
            _: std::time::Instant,
        ) -> Option<std::time::Duration> {
            Some(std::time::Duration::from_secs(3600))
        }
    }
    let cache: moka::sync::Cache<[u8; 32], [u64; 2]> = moka::sync::Cache::builder()
        .max_capacity(ENTRIES)
        .expire_after(Ttl)
        .build();
    for i in 0..ENTRIES {
        cache.insert(floor_key(i), [i; 2]);
        if i % 1_000 == 0 {
            cache.run_pending_tasks();
        }
    }
    cache.run_pending_tasks();
    assert_eq!(cache.entry_count(), ENTRIES);
    report_floor(
        "moka alone (32-byte key, 16-byte value, per-entry expiry; the alternative)",
        before,
        ENTRIES,
    );
}

fn main() {
    let Ok(which) = std::env::var("MEM_SHAPE") else {
        // Parent: one child process per measurement, so no run inherits another's freed memory.
        println!(
            "{ENTRIES} distinct cached tokens per shape; target: Web3Auth <= {WEB3AUTH_TARGET} bytes per entry"
        );
        let exe = std::env::current_exe().unwrap();
        for shape in ["floor-quick", "floor-moka", "para", "web3auth", "dynamic"] {
            let status = std::process::Command::new(&exe)
                .env("MEM_SHAPE", shape)
                .status()
                .unwrap();
            assert!(status.success());
        }
        return;
    };
    if let Some(store) = which.strip_prefix("floor-") {
        floor(store);
        return;
    }
    let key = EcKey::generate("mem-1");
    let now = claims_core::now();
    let (policy, _) = shape(&which, 0, now);
    let verifier = Verifier::builder()
        .provider(
            policy,
            KeySource::Static(std::sync::Arc::new(
                key.decoding_key().verifying_key().unwrap(),
            )),
        )
        .token_cache_capacity(ENTRIES)
        .build()
        .unwrap();
    let token = |i: u64| sign(&key, &shape(&which, i, now).1);
    let sample = token(u64::MAX >> 8);
    ready(verifier.verify_at(&sample, now)).unwrap();
    let tokens = verifier.token_cache().unwrap();
    tokens.clear();
    tokens.run_pending_tasks();
    let before = rss_kib("self").expect("VmRSS in /proc/self/status (Linux)");
    let mut held = Vec::new();
    let vec_mode = std::env::var("MEM_MODE").is_ok_and(|m| m == "vec");
    for chunk in 0..ENTRIES / 1_000 {
        let batch: Vec<String> = (0..1_000).map(|i| token(chunk * 1_000 + i)).collect();
        for t in &batch {
            let a = ready(verifier.verify_at(t, now)).unwrap();
            if vec_mode {
                held.push(a);
                tokens.clear();
            }
        }
        tokens.run_pending_tasks();
    }
    tokens.run_pending_tasks();
    let after = rss_kib("self").expect("VmRSS in /proc/self/status (Linux)");
    let delta_kib = after.saturating_sub(before);
    let mib = delta_kib as f64 / 1024.0;
    // The cache may keep a little under its capacity (its shards fill unevenly).
    let kept = if vec_mode {
        ENTRIES
    } else {
        tokens.entry_count()
    };
    let per_entry = delta_kib * 1024 / kept.max(1);
    if vec_mode {
        println!(
            "  {which:<8} token of {} bytes: held in a Vec, no cache: +{mib:.1} MiB ({per_entry} bytes per entry)",
            sample.len()
        );
        return;
    }
    assert!(kept >= ENTRIES * 99 / 100, "only {kept} tokens cached");
    println!(
        "  {which:<8} token of {} bytes: {kept} cached, +{mib:.1} MiB ({per_entry} bytes per entry){}",
        sample.len(),
        match (which.as_str(), per_entry <= WEB3AUTH_TARGET) {
            ("web3auth", true) => "; target met",
            ("web3auth", false) => "; target MISSED",
            _ => "",
        }
    );
}
