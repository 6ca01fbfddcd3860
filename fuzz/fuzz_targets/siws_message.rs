//! Sign In With Solana messages (text, then optionally a NUL and a base58/base64 signature):
//! `parse_siws`, `SigninRules::check` at several times, `decode_solana_signature` and
//! `verify_solana` over the exact bytes. The invariants are in `src/signin_messages.rs`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use wallet_auth_fuzz::signin_messages::{Kind, run};

fuzz_target!(|data: &[u8]| {
    let _ = run(Kind::Siws, data);
});
