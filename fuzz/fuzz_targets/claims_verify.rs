//! Every provider's claims deserializer, claim rules and identity mapping, over payloads the target
//! signs itself so the whole verification path runs (see `wallet_auth_fuzz::claims_verify` for the
//! input format, the signing choice and the invariants).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = wallet_auth_fuzz::claims_verify::run(data);
});
