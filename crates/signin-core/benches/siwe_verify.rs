//! Verifying a plain account's SIWE sign-in (parse + EIP-191 recovery + address check) against
//! `signinwithethereum`'s own `Message::from_str` + `verify_eip191` on the same message and
//! signature; then a SIWS sign-in (parse + Ed25519). After the runs, the ratio is printed.
//!
//! ```sh
//! cargo bench -p wallet-auth-signin --bench siwe_verify -- --warm-up-time 1 --measurement-time 5
//! ```
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    missing_docs
)]

use std::hint::black_box;
use std::str::FromStr as _;
use std::time::Duration;

use criterion::Criterion;
use k256::ecdsa::SigningKey;
use signin_core::evm_signature::{address_of, parse_address};
use signin_core::{EvmSignature, eip55, eip191_hash, parse_siwe, recover_eip191};

fn signed_message() -> (String, String) {
    let key = SigningKey::from_bytes(&[0x42u8; 32].into()).unwrap();
    let address = eip55(&address_of(key.verifying_key()));
    let text = format!(
        "app.example.com wants you to sign in with your Ethereum account:\n{address}\n\n\
         Sign in to Example.\n\nURI: https://app.example.com/login\nVersion: 1\nChain ID: 1\n\
         Nonce: 3f9a8b7c6d5e4f30\nIssued At: 2026-12-04T12:00:00.000Z\n\
         Expiration Time: 2026-12-04T12:10:00.000Z"
    );
    let (sig, recovery) = key
        .sign_prehash_recoverable(&eip191_hash(text.as_bytes()))
        .unwrap();
    let mut bytes = sig.to_bytes().to_vec();
    bytes.push(27 + recovery.to_byte());
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    (text, format!("0x{hex}"))
}

/// Ours: what `SigninService::sign_in` does for a plain account, minus the nonce store.
fn ours(text: &str, signature: &str) -> bool {
    let Ok(message) = parse_siwe(text) else {
        return false;
    };
    let Ok(sig) = EvmSignature::from_hex(signature) else {
        return false;
    };
    let expected = parse_address(&message.address);
    recover_eip191(message.raw.as_bytes(), sig.as_bytes()).ok() == expected
}

/// `signinwithethereum` 0.8: parse, then `verify_eip191` (which re-serialises the message).
fn theirs(text: &str, signature: &str) -> bool {
    let Ok(message) = signinwithethereum::Message::from_str(text) else {
        return false;
    };
    let Some(hex) = signature.strip_prefix("0x") else {
        return false;
    };
    let mut sig = [0u8; 65];
    if hex::decode_to_slice(hex, &mut sig).is_err() {
        return false;
    }
    message.verify_eip191(&sig).is_ok()
}

fn main() {
    let (text, signature) = signed_message();
    assert!(ours(&text, &signature));
    assert!(theirs(&text, &signature));
    let mut c = Criterion::default()
        .configure_from_args()
        .warm_up_time(Duration::from_secs(1));
    let mut group = c.benchmark_group("siwe_eoa");
    group.bench_function("ours_parse_and_recover", |b| {
        b.iter(|| black_box(ours(black_box(&text), black_box(&signature))))
    });
    group.bench_function("signinwithethereum_verify_eip191", |b| {
        b.iter(|| black_box(theirs(black_box(&text), black_box(&signature))))
    });
    group.finish();
    c.final_summary();
    print_ratio();
}

/// ours / theirs from criterion's saved estimates (medians).
fn print_ratio() {
    let median = |bench| test_support::criterion_median_ns("siwe_eoa", bench);
    if let (Some(ours), Some(theirs)) = (
        median("ours_parse_and_recover"),
        median("signinwithethereum_verify_eip191"),
    ) {
        println!(
            "SIWE EOA sign-in: ours {:.1} µs, signinwithethereum {:.1} µs, ratio {:.3}×",
            ours / 1000.0,
            theirs / 1000.0,
            ours / theirs
        );
    }
}
