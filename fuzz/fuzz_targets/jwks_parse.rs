//! JWKS parsing with arbitrary JSON (`jwks_cache::parse_jwks`), then key selection for every
//! algorithm with and without a kid. Must never panic.
#![no_main]

use jwks_cache::{Algorithm, parse_jwks};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(set) = parse_jwks(data, 100) else {
        return;
    };
    for skipped in set.skipped() {
        let _ = skipped.to_string();
    }
    let kids: Vec<Option<String>> = set
        .keys()
        .iter()
        .map(|k| k.kid().map(str::to_owned))
        .chain([None, Some(String::new())])
        .collect();
    for kid in kids.iter().flatten() {
        let _ = set.by_kid(kid).len();
    }
    for kid in &kids {
        for alg in Algorithm::ALL {
            if let Ok(key) = set.select(kid.as_deref(), alg) {
                let _ = (key.kty(), key.crv(), key.rsa_bits(), key.verifying_key());
                let _ = (key.alg(), key.key_use(), key.key_ops(), key.id());
            }
        }
    }
});
