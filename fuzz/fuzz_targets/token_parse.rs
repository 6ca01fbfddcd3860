//! Token parsing and routing with arbitrary bytes: `UnverifiedToken::parse`, `Header::check`,
//! the unverified `iss`, and the `IssuerIndex` over every provider's policy. Must never panic.
#![no_main]

use std::sync::OnceLock;

use claims_core::{IssuerIndex, UnverifiedToken};
use libfuzzer_sys::fuzz_target;

fn router() -> &'static IssuerIndex {
    static ROUTER: OnceLock<IssuerIndex> = OnceLock::new();
    ROUTER.get_or_init(|| IssuerIndex::new(&wallet_auth_fuzz::policies()).expect("router"))
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    // A large cap so the fuzzer explores decoding, not just the size check.
    for cap in [64 * 1024, 8 * 1024] {
        if let Ok(token) = UnverifiedToken::parse(text, cap) {
            let _ = token.header().check();
            let _ = token.header().kid();
            let _ = token.issuer();
            let _ = router().route(&token);
            let _ = token.signing_input().len() + token.signature().len() + token.payload().len();
        }
    }
});
