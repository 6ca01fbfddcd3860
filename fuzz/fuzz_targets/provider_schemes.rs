//! Magic DID tokens, thirdweb Auth tokens and Turnkey session JWTs (first byte: the mode; mode 3
//! builds and signs a DID token from `proof NUL claim`): `split_did_token`, `verify_opaque_any`
//! and `verify` at several times. The input format and the invariants are in
//! `src/provider_schemes.rs`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = wallet_auth_fuzz::provider_schemes::run(data);
});
