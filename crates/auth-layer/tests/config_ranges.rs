//! Every numeric key of the configuration format has a valid range, checked at start-up with one
//! line naming the key and the range; no value, however large, negative or mistyped, panics or is
//! silently accepted. Accepted values give a layer that answers requests.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use auth_layer::config::NUMERIC_KEYS;
use auth_layer::{AuthConfig, AuthLayer};
use axum::Router;
use axum::body::Body;
use axum::routing::get;
use http::{Request, StatusCode, header};
use proptest::prelude::*;
use tower::ServiceExt as _;

const SECRET: &str = "parra-secret-0123456789abcdef0123456789abcdef";

/// A loopback URL where nothing listens (a port bound, then released).
fn closed_url() -> &'static str {
    static URL: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    URL.get_or_init(|| {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://{}/jwks", listener.local_addr().unwrap())
    })
}

/// A Parra provider (static HMAC key: no network) and a Para provider whose key set is at a closed
/// loopback port, so a lookup runs through the JWKS cache and answers 503.
fn provider_tables() -> String {
    format!(
        "[[parra.keys]]\nid = \"key-1\"\nsecret = \"{SECRET}\"\ntenant_id = \"tenant-1\"\n\n\
         [para]\njwks_url = \"{}\"\n",
        closed_url()
    )
}

/// A P-256 session key (PKCS#8 PEM) in a temporary file, for `[signin]`.
fn session_key_file() -> &'static str {
    static PATH: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    PATH.get_or_init(|| {
        use aws_lc_rs::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair};
        let rng = aws_lc_rs::rand::SystemRandom::new();
        let der = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &rng).unwrap();
        let pem = test_support::pem("PRIVATE KEY", der.as_ref());
        let dir = test_support::temp_dir("config-ranges");
        let path = dir.join("session.pem");
        std::fs::write(&path, pem).unwrap();
        path.display().to_string()
    })
}

/// The TOML with `key = value` in its table, after the provider tables.
fn with_value(key: &str, value: &str) -> String {
    let (table, name) = key.split_once('.').unwrap();
    let extra = if table == "parra_issuer" {
        format!("api_key_id = \"key-1\"\nsecret = \"{SECRET}\"\ntenant_id = \"tenant-1\"\n")
    } else if table == "jwks" {
        "allow_http = true\n".to_owned()
    } else if table == "signin" {
        format!(
            "domain = \"app.example.com\"\nuri = \"https://app.example.com\"\n\
             issuer = \"https://api.example.com\"\nsigning_key_files = [{:?}]\n\
             [signin.ethereum]\nchain_ids = [1]\n",
            session_key_file()
        )
    } else {
        String::new()
    };
    let jwks = if table == "jwks" {
        String::new()
    } else {
        "[jwks]\nallow_http = true\n\n".to_owned()
    };
    format!(
        "{jwks}[{table}]\n{name} = {value}\n{extra}\n{}",
        provider_tables()
    )
}

fn parra_token() -> String {
    claims_core::ParraIssuer::new("key-1", SECRET.as_bytes().to_vec(), "tenant-1")
        .unwrap()
        .issue("user-1", claims_core::now())
        .unwrap()
}

/// Status of `GET /me` with `token` through the layer built from `config`.
async fn status(config: &AuthConfig, token: &str) -> StatusCode {
    let layer = AuthLayer::from_config(config).unwrap();
    let app: Router = Router::new()
        .route("/me", get(|| async { "ok" }))
        .layer(layer);
    let request = Request::get("/me")
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .body(Body::empty())
        .unwrap();
    app.oneshot(request).await.unwrap().status()
}

#[tokio::test]
async fn every_numeric_key_at_and_beyond_its_limits() {
    let token = parra_token();
    for key in NUMERIC_KEYS {
        let line = if key.key.starts_with("jwks.") { 2 } else { 5 };
        let at = format!("{} (line {line})", key.key);
        let valid = format!("{}..={}", key.min, key.max);
        let candidates = [
            "0".to_owned(),
            "1".to_owned(),
            key.min.saturating_sub(1).to_string(),
            key.min.to_string(),
            key.max.to_string(),
            (key.max + 1).to_string(),
            u64::MAX.to_string(),
            "-1".to_owned(),
            "1.5".to_owned(),
            "\"7\"".to_owned(),
        ];
        for value in candidates {
            let text = with_value(key.key, &value);
            let result = AuthConfig::from_toml_str(&text);
            let number = value.parse::<u64>().ok();
            match number {
                Some(n) if n >= key.min && n <= key.max => {
                    let config = result.unwrap_or_else(|e| panic!("{} = {value}: {e}", key.key));
                    let expected = if token.len() <= config.token.max_bytes {
                        StatusCode::OK
                    } else {
                        StatusCode::UNAUTHORIZED // max_bytes = 256: the token is longer
                    };
                    assert_eq!(
                        status(&config, &token).await,
                        expected,
                        "{} = {value}",
                        key.key
                    );
                    if key.key.starts_with("parra_issuer.") {
                        assert!(config.parra_issuer().unwrap().is_some());
                    }
                    if key.key.starts_with("signin.") {
                        assert!(config.signin_service().unwrap().is_some());
                    }
                }
                Some(n) => {
                    let e = result.unwrap_err();
                    assert_eq!(
                        e.to_string(),
                        format!("{}: {n} is outside its valid range {valid}", key.key),
                    );
                }
                _ => {
                    let e = result.unwrap_err();
                    let what = match value.as_str() {
                        "-1" => "invalid value: integer `-1`, expected u64".to_owned(),
                        "1.5" => "invalid type: floating point `1.5`, expected u64".to_owned(),
                        _ => "invalid type: string \"7\", expected u64".to_owned(),
                    };
                    let what = if ["token.max_bytes", "serve.max_header_bytes"].contains(&key.key) {
                        what.replace("u64", "usize")
                    } else {
                        what
                    };
                    assert_eq!(
                        e.to_string(),
                        format!("{at}: {what} (valid: a whole number in {valid})"),
                        "{} = {value}",
                        key.key
                    );
                }
            }
        }
    }
}

#[test]
fn environment_overrides_are_checked_the_same_way() {
    let env = |k: &str, v: &str| vec![(k.to_owned(), v.to_owned())];
    let text = provider_tables() + "\n[jwks]\nallow_http = true\n";
    let e = AuthConfig::from_toml_and_env(
        &text,
        env("WALLET_AUTH__JWKS__STALE_SECS", "9223372036854775807"),
    )
    .unwrap_err();
    assert_eq!(
        e.to_string(),
        "jwks.stale_secs: 9223372036854775807 is outside its valid range 0..=604800"
    );
    let e = AuthConfig::from_toml_and_env(&text, env("WALLET_AUTH__TOKEN__CACHE_CAPACITY", "lots"))
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        "token.cache_capacity: invalid type: string \"lots\", expected u64 (valid: a whole number in 0..=1000000)"
    );
    let ok = AuthConfig::from_toml_and_env(&text, env("WALLET_AUTH__JWKS__COOLDOWN_SECS", "3600"))
        .unwrap();
    assert_eq!(ok.jwks.cooldown_secs, 3600);
}

#[test]
fn a_configuration_built_in_code_is_checked_when_the_layer_is_built() {
    let mut config = AuthConfig::from_toml_str(&with_value("jwks.timeout_secs", "5")).unwrap();
    config.jwks.timeout_secs = 0;
    assert_eq!(
        AuthLayer::from_config(&config).unwrap_err().to_string(),
        "jwks.timeout_secs: 0 is outside its valid range 1..=60"
    );
    config.jwks.timeout_secs = 5;
    config.jwks.cooldown_secs = 99_999_999_999_999;
    assert_eq!(
        config.build_verifier().unwrap_err().to_string(),
        "jwks.cooldown_secs: 99999999999999 is outside its valid range 1..=3600"
    );
}

/// A value for a numeric key: any integer, or a value of another type.
fn any_value() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => any::<i64>().prop_map(|n| n.to_string()),
        4 => (0u64..100_000).prop_map(|n| n.to_string()),
        1 => any::<f64>().prop_filter("finite", |f| f.is_finite()).prop_map(|f| format!("{f:?}")),
        1 => "[a-z0-9]{0,6}".prop_map(|s| format!("{s:?}")),
        1 => any::<bool>().prop_map(|b| b.to_string()),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Whole random `[jwks]` and `[token]` tables: building fails with a `ConfigError`, or the
    /// layer answers a request (Parra, verified with a static key) and a JWKS lookup (Para, at a
    /// closed port) without panicking.
    #[test]
    fn random_jwks_and_token_tables_never_panic(
        jwks in proptest::collection::vec(any_value(), 5),
        token in proptest::collection::vec(any_value(), 2),
        cache in any::<bool>(),
    ) {
        let text = format!(
            "[jwks]\nallow_http = true\nprefetch = false\nttl_secs = {}\ncooldown_secs = {}\n\
             timeout_secs = {}\nleeway_secs = {}\nstale_secs = {}\n\n\
             [token]\nmax_bytes = {}\ncache_capacity = {}\ncache = {cache}\n\n{}",
            jwks[0], jwks[1], jwks[2], jwks[3], jwks[4], token[0], token[1], provider_tables()
        );
        let Ok(config) = AuthConfig::from_toml_str(&text) else { return Ok(()); };
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        rt.block_on(async {
            // Exact outcomes: the Parra token passes when it fits `max_bytes`; the Para token
            // (shorter than any valid `max_bytes`) needs keys from a closed port: 503.
            let token = parra_token();
            let expected = if token.len() <= config.token.max_bytes {
                StatusCode::OK
            } else {
                StatusCode::UNAUTHORIZED
            };
            prop_assert_eq!(status(&config, &token).await, expected);
            let para_token = "eyJhbGciOiJSUzI1NiIsImtpZCI6ImsifQ.eyJzdWIiOiJ4In0.c2ln";
            prop_assert_eq!(status(&config, para_token).await, StatusCode::SERVICE_UNAVAILABLE);
            Ok(())
        })?;
    }
}
