//! Sign-In with Ethereum messages (text, then optionally a NUL and a `0x` signature):
//! `parse_siwe`, `SigninRules::check` at several times, `EvmSignature::from_hex` and
//! `recover_eip191` over the exact bytes. The invariants are in `src/signin_messages.rs`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use wallet_auth_fuzz::signin_messages::{Kind, run};

fuzz_target!(|data: &[u8]| {
    let _ = run(Kind::Siwe, data);
});
