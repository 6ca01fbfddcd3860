//! Bad configuration fails at start-up with one message naming the field.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use auth_layer::{AuthConfig, ConfigError};

fn err(toml: &str) -> ConfigError {
    AuthConfig::from_toml_and_env(toml, Vec::new())
        .and_then(|c| c.build_verifier().map(|_| c))
        .unwrap_err()
}

#[test]
fn unknown_key_names_the_key_its_table_and_line() {
    let e = err("[jwks]\nttl_secs = 600\n\n[sophon]\npartner_idd = \"x\"\n");
    assert_eq!(e.field, "sophon (line 5)");
    assert!(e.message.starts_with("unknown field `partner_idd`"), "{e}");
}

#[test]
fn missing_field_names_the_field_and_table() {
    let e = err("[sophon]\nnetwork = \"mainnet\"\n");
    assert_eq!(e.field, "sophon (line 1)");
    assert_eq!(e.message, "missing field `partner_id`");
    let e = err("[[parra.keys]]\nid = \"k\"\nsecret = \"s\"\n");
    assert_eq!(e.field, "parra.keys (line 1)");
    assert_eq!(e.message, "missing field `tenant_id`");
}

#[test]
fn http_jwks_url_needs_allow_http() {
    let e = err("[para]\njwks_url = \"http://127.0.0.1:1/jwks\"\n");
    assert_eq!(e.field, "para.jwks_url");
    assert_eq!(
        e.message,
        "\"http://127.0.0.1:1/jwks\" is not https:// (set jwks.allow_http = true for loopback tests)"
    );
    let ok = AuthConfig::from_toml_str(
        "[jwks]\nallow_http = true\n[para]\njwks_url = \"http://127.0.0.1:1/jwks\"\n",
    )
    .unwrap();
    assert!(ok.build_verifier().is_ok());
}

#[test]
fn pems_that_do_not_parse_name_their_field() {
    let e = err("[dynamic]\nenvironment_id = \"e\"\npublic_key_pem = \"nope\"\n");
    assert_eq!(
        e.to_string(),
        "dynamic.public_key_pem: not a PEM RSA public key"
    );
    let e = err("[web3auth]\nclient_id = \"c\"\nverification_key_pem = \"nope\"\n");
    assert_eq!(
        e.to_string(),
        "web3auth.verification_key_pem: not a PEM P-256 public key"
    );
}

#[test]
fn secrets_from_the_environment_and_overrides() {
    let e = err(
        "[[parra.keys]]\nid = \"k\"\nsecret_env = \"WALLET_AUTH_TEST_UNSET_VARIABLE\"\ntenant_id = \"t\"\n",
    );
    assert_eq!(
        e.to_string(),
        "parra.keys[0].secret_env: environment variable WALLET_AUTH_TEST_UNSET_VARIABLE is not set"
    );
    let c = AuthConfig::from_toml_and_env(
        "[sophon]\npartner_id = \"file\"\n",
        vec![
            (
                "WALLET_AUTH__SOPHON__PARTNER_ID".to_owned(),
                "env".to_owned(),
            ),
            (
                "WALLET_AUTH__JWKS__COOLDOWN_SECS".to_owned(),
                "7".to_owned(),
            ),
        ],
    )
    .unwrap();
    assert_eq!(c.sophon.unwrap().partner_id, "env");
    assert_eq!(c.jwks.cooldown_secs, 7);
}

#[test]
fn no_provider_is_an_error() {
    assert_eq!(
        err("[jwks]\nttl_secs = 60\n").to_string(),
        "config: no provider configured (add [para], [parra], [sophon], [dynamic], [web3auth], [privy], [signin], [magic], [thirdweb], [turnkey], [farcaster] or [[oidc]])"
    );
}

/// The tables of the providers whose tokens are not plain JWTs: every bad value is one line
/// naming the key.
#[test]
fn token_provider_tables_name_the_bad_key() {
    let cases = [
        (
            "[magic]\nclient_id = \"\"\n",
            "magic.client_id",
            "magic.client_id must not be empty",
        ),
        (
            "[magic]\nclient_id = \"did:magic:x\"\nextra_issuers = [\"did:ethr:0x1\"]\n",
            "magic.extra_issuers",
            "a Magic token's iss is the user's own did:ethr: it is not configured",
        ),
        (
            "[thirdweb]\nadmin_address = \"0x12\"\ndomain = \"example.com\"\n",
            "thirdweb.admin_address",
            "\"0x12\" is not an address (0x and 40 hex digits)",
        ),
        (
            "[thirdweb]\nadmin_address = \"0x5B38Da6a701c568545dCfcB03FcB875f56beddC4\"\ndomain = \"\"\n",
            "thirdweb.domain",
            "thirdweb.domain must not be empty",
        ),
        (
            "[turnkey]\norganization_ids = []\n",
            "turnkey.organization_ids",
            "must list your organization ids (non-empty strings): Turnkey tokens have no audience",
        ),
        (
            "[turnkey]\norganization_ids = [\"o\"]\nnotarizer_public_key = \"04zz\"\n",
            "turnkey.notarizer_public_key",
            "not an uncompressed P-256 public key in hex (04 and 128 hex digits)",
        ),
        (
            "[turnkey]\norganization_ids = [\"o\"]\nsession_types = [\"\"]\n",
            "turnkey.session_types",
            "must not contain \"\"",
        ),
        (
            "[turnkey]\norganization_ids = [\"o\"]\nalgorithms = [\"RS256\"]\n",
            "turnkey.algorithms",
            "\"RS256\" is not ES256",
        ),
        (
            "[farcaster]\ndomain = \"https://app.example.com\"\n",
            "farcaster.domain",
            "\"https://app.example.com\" is not a bare domain (no scheme, no path)",
        ),
        (
            "[farcaster]\ndomain = \"app.example.com\"\nissuer = \"\"\n",
            "farcaster.issuer",
            "must not be empty",
        ),
        (
            "[magic]\nclient_id = \"did:magic:x\"\nrequired_claims = [\"\"]\n",
            "magic.required_claims",
            "\"\" is not a claim name",
        ),
    ];
    for (toml, field, message) in cases {
        let e = err(toml);
        assert_eq!(
            (e.field.as_str(), e.message.as_str()),
            (field, message),
            "{toml}"
        );
    }
}
