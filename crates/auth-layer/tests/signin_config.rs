//! `[signin]` configurations that cannot work are refused at start-up with one line naming the
//! key: at parse time (`AuthConfig::from_toml_str`: TOML shape, numeric ranges) or when the
//! verifier, the layer or the sign-in service is built (`SigninConfig::validate`, the session key
//! files), and the three builders give the same message.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::sync::OnceLock;

use auth_layer::{AuthConfig, AuthLayer};
use aws_lc_rs::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, Ed25519KeyPair};

/// A directory of session key files for these tests: a P-256 key, an Ed25519 key, an RSA key
/// (PKCS#8, but not a supported curve), a SEC1 EC key and a file of garbage.
fn keys_dir() -> &'static std::path::Path {
    static DIR: OnceLock<std::path::PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let rng = aws_lc_rs::rand::SystemRandom::new();
        let dir = test_support::temp_dir("signin-config");
        let p256 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &rng).unwrap();
        std::fs::write(
            dir.join("p256.pem"),
            test_support::pem("PRIVATE KEY", p256.as_ref()),
        )
        .unwrap();
        let ed = Ed25519KeyPair::generate_pkcs8(&rng).unwrap();
        std::fs::write(
            dir.join("ed25519.pem"),
            test_support::pem("PRIVATE KEY", ed.as_ref()),
        )
        .unwrap();
        let rsa = {
            use aws_lc_rs::encoding::AsDer as _;
            aws_lc_rs::rsa::KeyPair::generate(aws_lc_rs::rsa::KeySize::Rsa2048)
                .unwrap()
                .as_der()
                .unwrap()
                .as_ref()
                .to_vec()
        };
        std::fs::write(dir.join("rsa.pem"), test_support::pem("PRIVATE KEY", &rsa)).unwrap();
        // The right DER under the SEC1 label: not a `PRIVATE KEY` block.
        std::fs::write(
            dir.join("sec1-label.pem"),
            test_support::pem("EC PRIVATE KEY", p256.as_ref()),
        )
        .unwrap();
        std::fs::write(dir.join("garbage.pem"), "hello, not a key\n").unwrap();
        std::fs::write(
            dir.join("bad-base64.pem"),
            "-----BEGIN PRIVATE KEY-----\n!!!!\n-----END PRIVATE KEY-----\n",
        )
        .unwrap();
        dir
    })
}

fn key(name: &str) -> String {
    keys_dir().join(name).to_str().unwrap().to_owned()
}

/// A valid `[signin]` table (domain, URI, issuer, a P-256 key file: lines 2 to 5) with `lines`
/// after it (line 6 on), replacing the defaults they set, and `[signin.ethereum] chain_ids = [1]`
/// unless `lines` sets chains itself.
fn signin(lines: &str) -> String {
    let sets = |key: &str| lines.lines().any(|l| l.starts_with(&format!("{key} =")));
    let files = format!("[{:?}]", key("p256.pem"));
    let mut text = "[signin]\n".to_owned();
    for (name, value) in [
        ("domain", "\"app.example.com\""),
        ("uri", "\"https://app.example.com\""),
        ("issuer", "\"https://api.example.com\""),
        ("signing_key_files", files.as_str()),
    ] {
        if !sets(name) {
            text.push_str(&format!("{name} = {value}\n"));
        }
    }
    text.push_str(lines);
    text.push('\n');
    if !lines.contains("[signin.ethereum]") && !lines.contains("[signin.solana]") {
        text.push_str("[signin.ethereum]\nchain_ids = [1]\n");
    }
    text
}

/// The one-line error of a configuration refused when parsed.
fn refused_at_parse(text: &str) -> String {
    AuthConfig::from_toml_str(text).unwrap_err().to_string()
}

/// The one-line error of a configuration that parses but is refused by every builder: the
/// verifier, the layer and the sign-in service, with the same message.
fn refused_at_build(text: &str) -> String {
    let config = AuthConfig::from_toml_str(text).unwrap_or_else(|e| panic!("{e}\n{text}"));
    let verifier = config.build_verifier().unwrap_err().to_string();
    let fresh = AuthConfig::from_toml_str(text).unwrap();
    let layer = AuthLayer::from_config(&fresh).unwrap_err().to_string();
    let fresh = AuthConfig::from_toml_str(text).unwrap();
    let service = fresh.signin_service().unwrap_err().to_string();
    assert_eq!(layer, verifier, "{text}");
    assert_eq!(service, verifier, "{text}");
    verifier
}

#[test]
fn the_base_configuration_is_valid() {
    let config = AuthConfig::from_toml_str(&signin("")).unwrap();
    config.build_verifier().unwrap();
    let service = config.signin_service().unwrap().unwrap();
    assert_eq!(service.issuer(), "https://api.example.com");
    assert_eq!(service.cookie(), None);
    let ed = AuthConfig::from_toml_str(&signin(&format!(
        "signing_key_files = [{:?}, {:?}]",
        key("ed25519.pem"),
        key("p256.pem")
    )))
    .unwrap();
    let service = ed.signin_service().unwrap().unwrap();
    assert_eq!(service.keys().jwks()["keys"].as_array().unwrap().len(), 2);
    assert_eq!(
        service.keys().signing_algorithm(),
        claims_core::Algorithm::EdDSA
    );
    // No [signin]: no service.
    assert!(
        AuthConfig::from_toml_str("")
            .unwrap()
            .signin_service()
            .unwrap()
            .is_none()
    );
}

#[test]
fn numeric_keys_outside_their_range() {
    for (line, expected) in [
        (
            "session_ttl_secs = 0",
            "signin.session_ttl_secs: 0 is outside its valid range 300..=2592000",
        ),
        (
            "session_ttl_secs = 299",
            "signin.session_ttl_secs: 299 is outside its valid range 300..=2592000",
        ),
        (
            "session_ttl_secs = 2592001",
            "signin.session_ttl_secs: 2592001 is outside its valid range 300..=2592000",
        ),
        (
            "session_ttl_secs = -1",
            "signin.session_ttl_secs (line 6): invalid value: integer `-1`, expected u64 \
             (valid: a whole number in 300..=2592000)",
        ),
        (
            "session_ttl_secs = \"3600\"",
            "signin.session_ttl_secs (line 6): invalid type: string \"3600\", expected u64 \
             (valid: a whole number in 300..=2592000)",
        ),
        (
            "nonce_ttl_secs = 29",
            "signin.nonce_ttl_secs: 29 is outside its valid range 30..=3600",
        ),
        (
            "nonce_ttl_secs = 3601",
            "signin.nonce_ttl_secs: 3601 is outside its valid range 30..=3600",
        ),
        (
            "max_message_age_secs = 86401",
            "signin.max_message_age_secs: 86401 is outside its valid range 30..=86400",
        ),
        (
            "max_message_age_secs = 29",
            "signin.max_message_age_secs: 29 is outside its valid range 30..=86400",
        ),
    ] {
        assert_eq!(refused_at_parse(&signin(line)), expected, "{line}");
    }
    // The limits themselves are valid.
    for line in [
        "session_ttl_secs = 300",
        "session_ttl_secs = 2592000",
        "nonce_ttl_secs = 30",
        "nonce_ttl_secs = 3600",
        "max_message_age_secs = 30",
        "max_message_age_secs = 86400",
    ] {
        let config = AuthConfig::from_toml_str(&signin(line)).unwrap();
        assert!(config.signin_service().unwrap().is_some(), "{line}");
    }
}

#[test]
fn the_table_shape() {
    // Missing `domain`: a TOML error naming the table and line.
    assert_eq!(
        refused_at_parse(
            "[signin]\nuri = \"https://app.example.com\"\nissuer = \"https://api.example.com\"\n\
             [signin.ethereum]\nchain_ids = [1]\n"
        ),
        "signin (line 1): missing field `domain`"
    );
    assert_eq!(
        refused_at_parse(
            "[signin]\ndomain = \"app.example.com\"\nuri = \"https://app.example.com\"\n\
             [signin.ethereum]\nchain_ids = [1]\n"
        ),
        "signin (line 1): missing field `issuer`"
    );
    // An unknown key.
    assert_eq!(
        refused_at_parse(&signin("foo = 1")),
        "signin (line 6): unknown field `foo`, expected one of `domain`, `uri`, `issuer`, \
         `audience`, `signing_key_files`, `session_ttl_secs`, `nonce_ttl_secs`, \
         `max_message_age_secs`, `store`, `cookie`, `ethereum`, `solana`, `required_scopes`, \
         `algorithms`, `extra_issuers`, `required_claims`"
    );
    assert_eq!(
        refused_at_parse(&signin("[signin.ethereum]\nchain_ids = [1]\nchains = [1]")),
        "signin.ethereum (line 8): unknown field `chains`, expected `chain_ids` or `rpc`"
    );
    // `[signin.ethereum]` without chain_ids.
    assert_eq!(
        refused_at_parse(&signin("[signin.ethereum]")),
        "signin.ethereum (line 6): missing field `chain_ids`"
    );
    // A chain id that is not a number.
    assert_eq!(
        refused_at_parse(&signin("[signin.ethereum]\nchain_ids = [\"1\"]")),
        "signin.ethereum (line 7): invalid type: string \"1\", expected u64"
    );
}

#[test]
fn origins_and_chains() {
    for (lines, expected) in [
        (
            "domain = \"https://app.example.com\"",
            "signin.domain: \"https://app.example.com\" is not a host[:port] (no scheme, no path)",
        ),
        (
            "domain = \"app.example.com/login\"",
            "signin.domain: \"app.example.com/login\" is not a host[:port] (no scheme, no path)",
        ),
        (
            "domain = \"\"",
            "signin.domain: \"\" is not a host[:port] (no scheme, no path)",
        ),
        (
            "domain = \"exаmple.com\"",
            "signin.domain: \"exаmple.com\" is not a host[:port] (no scheme, no path)",
        ),
        (
            "uri = \"app.example.com\"",
            "signin.uri: \"app.example.com\" is not an http(s) origin like https://app.example.com",
        ),
        (
            "uri = \"https://\"",
            "signin.uri: \"https://\" is not an http(s) origin like https://app.example.com",
        ),
        (
            "uri = \"ftp://app.example.com\"",
            "signin.uri: \"ftp://app.example.com\" is not an http(s) origin like https://app.example.com",
        ),
        (
            "[signin.ethereum]\nchain_ids = []",
            "signin.ethereum.chain_ids: must list at least one chain id",
        ),
        (
            "[signin.ethereum]\nchain_ids = [1]\n[signin.ethereum.rpc]\n\"5\" = \"https://rpc\"",
            "signin.ethereum.rpc.5: the key must be one of signin.ethereum.chain_ids",
        ),
        (
            "[signin.solana]\nchain_ids = [\"mainnet-beta\"]",
            "signin.solana.chain_ids: \"mainnet-beta\" is not mainnet, devnet, testnet, \
             localnet or solana:<reference>",
        ),
        (
            "[signin.solana]\nchain_ids = [\"mainnet\", \"solana:\"]",
            "signin.solana.chain_ids: \"solana:\" is not mainnet, devnet, testnet, localnet or \
             solana:<reference>",
        ),
        (
            "[signin.solana]\nchain_ids = []",
            "signin.solana.chain_ids: must list at least one cluster",
        ),
        (
            "cookie = \"a b\"",
            "signin.cookie: \"a b\" is not a cookie name (ASCII letters, digits, - or _)",
        ),
        (
            "cookie = \"\"",
            "signin.cookie: \"\" is not a cookie name (ASCII letters, digits, - or _)",
        ),
        (
            "cookie = \"session;Domain=evil.io\"",
            "signin.cookie: \"session;Domain=evil.io\" is not a cookie name (ASCII letters, \
             digits, - or _)",
        ),
    ] {
        assert_eq!(refused_at_build(&signin(lines)), expected, "{lines}");
    }
    // Neither chain table: a `[signin]` that can sign no one in.
    let text = format!(
        "[signin]\ndomain = \"app.example.com\"\nuri = \"https://app.example.com\"\n\
         issuer = \"https://api.example.com\"\nsigning_key_files = [{:?}]\n",
        key("p256.pem")
    );
    assert_eq!(
        refused_at_build(&text),
        "signin: set [signin.ethereum] chain_ids or [signin.solana] chain_ids"
    );
    // Every valid spelling of a cluster; Solana alone is enough.
    let config = AuthConfig::from_toml_str(&signin(
        "[signin.solana]\nchain_ids = [\"mainnet\", \"devnet\", \"testnet\", \"localnet\", \
         \"solana:5eykt4UsFv8P8NJdTREpY1vzqKqZKvdp\"]",
    ))
    .unwrap();
    config.build_verifier().unwrap();
    assert!(config.signin_service().unwrap().is_some());
}

#[test]
fn session_key_files() {
    // None given (and none set in code).
    assert_eq!(
        refused_at_build(&signin("signing_key_files = []")),
        "signin.signing_key_files: required: PKCS#8 PEM files of P-256 or Ed25519 keys (the \
         first signs)"
    );
    let missing = keys_dir().join("missing.pem");
    assert_eq!(
        refused_at_build(&signin(&format!("signing_key_files = [{missing:?}]"))),
        format!(
            "signin.signing_key_files[0]: {}: No such file or directory (os error 2)",
            missing.display()
        )
    );
    for (file, why) in [
        ("rsa.pem", "not a P-256 or Ed25519 PKCS#8 private key"),
        (
            "garbage.pem",
            "not a PKCS#8 PEM (-----BEGIN PRIVATE KEY-----)",
        ),
        (
            "sec1-label.pem",
            "not a PKCS#8 PEM (-----BEGIN PRIVATE KEY-----)",
        ),
        (
            "bad-base64.pem",
            "not a PKCS#8 PEM (-----BEGIN PRIVATE KEY-----)",
        ),
    ] {
        assert_eq!(
            refused_at_build(&signin(&format!("signing_key_files = [{:?}]", key(file)))),
            format!("signin.signing_key_files[0]: {why}"),
            "{file}"
        );
    }
    // The index names the file at fault.
    assert_eq!(
        refused_at_build(&signin(&format!(
            "signing_key_files = [{:?}, {:?}]",
            key("p256.pem"),
            key("rsa.pem")
        ))),
        "signin.signing_key_files[1]: not a P-256 or Ed25519 PKCS#8 private key"
    );
    assert_eq!(
        refused_at_build(&signin(&format!(
            "signing_key_files = [{:?}, {:?}]",
            key("ed25519.pem"),
            keys_dir().join("missing.pem")
        ))),
        format!(
            "signin.signing_key_files[1]: {}: No such file or directory (os error 2)",
            keys_dir().join("missing.pem").display()
        )
    );
}

/// A table built in code skips the parser's range checks: `validate` checks them again, so a
/// nonce lifetime of u64::MAX is one line naming the key, never a panic in the nonce cache.
#[test]
fn ranges_hold_for_tables_built_in_code() {
    use auth_layer::config::{JwksConfig, SigninConfig};
    use auth_layer::signin::{SessionKeys, SigninService};
    let mut table = SigninConfig::new("app.example.com", "https://app.example.com", "api")
        .with_ethereum([1])
        .with_session_keys(SessionKeys::generate().unwrap());
    table.nonce_ttl_secs = u64::MAX;
    let err = SigninService::from_config(&table, &JwksConfig::default()).unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "signin.nonce_ttl_secs: {} is outside its valid range 30..=3600",
            u64::MAX
        )
    );
    table.nonce_ttl_secs = 300;
    table.session_ttl_secs = 0;
    let err = SigninService::from_config(&table, &JwksConfig::default()).unwrap_err();
    assert_eq!(
        err.to_string(),
        "signin.session_ttl_secs: 0 is outside its valid range 300..=2592000"
    );
}
