//! The TOML configuration with `WALLET_AUTH__…` environment overrides, then the layer built from
//! it (see `wallet_auth_fuzz::config_toml` for the input format and the invariants).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = wallet_auth_fuzz::config_toml::run(data);
});
