//! **Development only.** A built-in token issuer for trying the library without a provider account.
//!
//! # ⚠️ Never use this in production
//!
//! [`DevIssuer`] generates its own keys and signs tokens *in the shape* of every built-in
//! provider's tokens (Para, Parra, Sophon, Dynamic, Web3Auth, Privy, Magic, thirdweb, Turnkey, Farcaster; each provider module supplies
//! its shape, [`auth_layer::provider::Provider::dev_token`]), with made-up dev values ([`DEV_ENVIRONMENT_ID`], …). A server
//! configured with [`DevIssuer::config`] trusts **only these local keys**: it accepts tokens
//! anyone holding the state file can mint, and none of the providers' real tokens. The private
//! keys are written to a file in the temporary directory ([`DevIssuer::default_state_path`]) so
//! that `wallet-auth dev-token` can mint tokens for the running example server. Use it for
//! `cargo run --example server`, demos and tests; configure real providers with
//! [`crate::layer::AuthConfig`] everywhere else.
//!
//! ```
//! use wallet_auth::claims::ProviderId;
//! use wallet_auth::dev::{DevIssuer, DEV_USER_ID};
//! use wallet_auth::layer::AuthLayer;
//!
//! let dev = DevIssuer::generate();
//! let config = dev.config("http://127.0.0.1:3000")?;
//! let layer = AuthLayer::from_config(&config)?;
//! let token = dev.token(ProviderId::DYNAMIC, None, wallet_auth::claims::now())?;
//! assert_eq!(token.split('.').count(), 3);
//! let _app: axum::Router = dev.jwks_router(); // serves GET /.well-known/jwks.json
//! # let _ = (layer, DEV_USER_ID);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::path::PathBuf;

use auth_layer::config::AuthConfig;
use auth_layer::provider::{DevSignature, DevToken, DevValues};
use auth_layer::signin::SessionKeys;
use aws_lc_rs::encoding::AsDer as _;
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::rsa::KeySize;
use aws_lc_rs::signature::{
    ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, KeyPair as _, RSA_PKCS1_SHA256,
    RsaPublicKeyComponents,
};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use claims_core::Algorithm;
use serde_json::{Value, json};

/// The Dynamic environment id of dev tokens (`iss` = `app.dynamicauth.com/<this>`).
pub const DEV_ENVIRONMENT_ID: &str = "de000000-0000-4000-8000-000000000001";
/// The Sophon partner id of dev tokens (their `aud`).
pub const DEV_PARTNER_ID: &str = "dev-sophon-partner";
/// The Web3Auth client id of dev tokens (their `aud`).
pub const DEV_CLIENT_ID: &str = "dev-web3auth-client-id";
/// The Privy app id of the development configuration.
pub const DEV_PRIVY_APP_ID: &str = "dev-privy-app-id";
/// The Parra API key id of dev tokens (their `iss`).
pub const DEV_PARRA_KEY_ID: &str = "dev-parra-api-key";
/// The Parra tenant id of dev tokens (their `sub`).
pub const DEV_PARRA_TENANT_ID: &str = "dev-parra-tenant";
/// The user id every dev token speaks for (the `Identity`'s `user_id`, whatever the provider).
pub const DEV_USER_ID: &str = "3f1c2a9e-7b4d-4e8a-9c21-5d6e7f8a9b0c";
/// The dev user's email (Para, Dynamic, Web3Auth tokens).
pub const DEV_USER_EMAIL: &str = "dev@example.com";
/// The dev user's EVM wallet address (Para, Dynamic; lower-cased as Sophon's `sub`).
pub const DEV_WALLET_ADDRESS: &str = "0x8ba1f109551bD432803012645Ac136ddd64DBA72";
/// The dev user's Web3Auth app key (compressed secp256k1, hex).
pub const DEV_WALLET_PUBLIC_KEY: &str =
    "0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798";
/// The Magic client id (`aud`) of development DID tokens.
pub const DEV_MAGIC_CLIENT_ID: &str = "did:magic:de000000-0000-4000-8000-00000000000a";
/// The Turnkey organization of development tokens.
pub const DEV_TURNKEY_ORGANIZATION_ID: &str = "de000000-0000-4000-8000-00000000000b";
/// `iss` (and `aud`) of the development sign-in sessions.
pub const DEV_SIGNIN_ISSUER: &str = "wallet-auth-dev-signin";
/// The path the dev JWKS is served at by [`DevIssuer::jwks_router`].
pub const DEV_JWKS_PATH: &str = "/.well-known/jwks.json";

mod non_jws_tokens;
mod state_file;
mod wallet_signer;

pub use wallet_signer::{
    DEV_SIWE_PRIVATE_KEY, DEV_SIWS_SEED, DevMessage, dev_siwe_address, dev_siwe_body,
    dev_siws_address, dev_siws_body,
};

/// Why the development issuer failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DevError {
    /// Reading or writing the state file failed.
    #[error("{path}: {source}")]
    Io {
        /// The state file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The state file is not a dev issuer state (or was written by another version).
    #[error("{path}: not a development issuer state file ({reason})")]
    BadState {
        /// The state file.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
    /// `extra` claims must be a JSON object.
    #[error("extra claims must be a JSON object")]
    ExtraNotObject,
    /// Key generation or signing failed in the crypto library.
    #[error("crypto failure: {0}")]
    Crypto(&'static str),
    /// No built-in provider has this name.
    #[error(
        "no development tokens for provider {0:?} (expected para, parra, sophon, dynamic, web3auth, privy, signin, magic, thirdweb, turnkey or farcaster)"
    )]
    UnknownProvider(String),
    /// The development configuration was refused (a base URL that is not a URL).
    #[error("development configuration: {0}")]
    Config(auth_layer::ConfigError),
    /// A provider's development token uses an algorithm the issuer has no key for.
    #[error("no development key for {0}")]
    UnsupportedAlgorithm(Algorithm),
}

/// **Development only** (see the [module docs](self)): an RSA-2048 key (RS256: Para, Sophon,
/// Dynamic), a P-256 key (ES256: Web3Auth) and a Parra HMAC secret, all generated locally, that
/// sign tokens shaped like each provider's and publish the matching JWKS.
pub struct DevIssuer {
    rsa: aws_lc_rs::rsa::KeyPair,
    rsa_pkcs8: Vec<u8>,
    rsa_kid: String,
    ec: EcdsaKeyPair,
    ec_pkcs8: Vec<u8>,
    ec_kid: String,
    parra_secret: String,
}

impl std::fmt::Debug for DevIssuer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DevIssuer")
            .field("rsa_kid", &self.rsa_kid)
            .field("ec_kid", &self.ec_kid)
            .field("keys", &"<redacted>")
            .finish()
    }
}

impl DevIssuer {
    /// Fresh keys. Generation fails only if the system's crypto library is broken: that panics.
    #[allow(clippy::expect_used)]
    pub fn generate() -> Self {
        Self::try_generate().expect("generating development keys with aws-lc-rs")
    }

    /// Fresh keys, reporting a crypto failure as an error.
    pub fn try_generate() -> Result<Self, DevError> {
        let rsa = aws_lc_rs::rsa::KeyPair::generate(KeySize::Rsa2048)
            .map_err(|_| DevError::Crypto("RSA key generation"))?;
        let rsa_pkcs8 = rsa
            .as_der()
            .map_err(|_| DevError::Crypto("RSA key encoding"))?
            .as_ref()
            .to_vec();
        let ec_doc = EcdsaKeyPair::generate(&ECDSA_P256_SHA256_FIXED_SIGNING)
            .and_then(|k| k.to_pkcs8v1())
            .map_err(|_| DevError::Crypto("P-256 key generation"))?;
        let mut secret = [0u8; 32];
        aws_lc_rs::rand::fill(&mut secret).map_err(|_| DevError::Crypto("random secret"))?;
        Self::from_parts(
            rsa_pkcs8,
            ec_doc.as_ref().to_vec(),
            URL_SAFE_NO_PAD.encode(secret),
        )
        .map_err(|_| DevError::Crypto("key decoding"))
    }

    fn from_parts(
        rsa_pkcs8: Vec<u8>,
        ec_pkcs8: Vec<u8>,
        parra_secret: String,
    ) -> Result<Self, String> {
        let rsa =
            aws_lc_rs::rsa::KeyPair::from_pkcs8(&rsa_pkcs8).map_err(|e| format!("RSA key: {e}"))?;
        let ec = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &ec_pkcs8)
            .map_err(|e| format!("P-256 key: {e}"))?;
        if parra_secret.is_empty() {
            return Err("empty Parra secret".to_owned());
        }
        let (n, e) = rsa_components(&rsa);
        let rsa_kid = thumbprint(&json!({"e": e, "kty": "RSA", "n": n}));
        let (x, y) = ec_components(&ec).ok_or("P-256 public key is not uncompressed")?;
        let ec_kid = thumbprint(&json!({"crv": "P-256", "kty": "EC", "x": x, "y": y}));
        Ok(DevIssuer {
            rsa,
            rsa_pkcs8,
            rsa_kid,
            ec,
            ec_pkcs8,
            ec_kid,
            parra_secret,
        })
    }

    /// The `kid` of the RSA key (its RFC 7638 thumbprint).
    pub fn rsa_kid(&self) -> &str {
        &self.rsa_kid
    }

    /// The `kid` of the P-256 key (its RFC 7638 thumbprint).
    pub fn ec_kid(&self) -> &str {
        &self.ec_kid
    }

    /// The Parra API key secret (HS256).
    pub fn parra_secret(&self) -> &str {
        &self.parra_secret
    }

    /// The public JWKS: the RSA key (RS256) and the P-256 key (ES256).
    pub fn jwks(&self) -> Value {
        let (n, e) = rsa_components(&self.rsa);
        let mut keys = vec![json!({
            "kty": "RSA", "kid": self.rsa_kid, "use": "sig", "alg": "RS256", "n": n, "e": e,
        })];
        if let Some((x, y)) = ec_components(&self.ec) {
            keys.push(json!({
                "kty": "EC", "kid": self.ec_kid, "use": "sig", "alg": "ES256",
                "crv": "P-256", "x": x, "y": y,
            }));
        }
        json!({ "keys": keys })
    }

    /// A router serving [`DevIssuer::jwks`] at `GET /.well-known/jwks.json` (no auth). Merge it
    /// into your app *outside* the auth layer.
    pub fn jwks_router<S: Clone + Send + Sync + 'static>(&self) -> axum::Router<S> {
        let body = self.jwks().to_string();
        axum::Router::new().route(
            DEV_JWKS_PATH,
            axum::routing::get(move || {
                let body = body.clone();
                async move {
                    (
                        [
                            (axum::http::header::CONTENT_TYPE, "application/json"),
                            (axum::http::header::CACHE_CONTROL, "public, max-age=300"),
                        ],
                        body,
                    )
                }
            }),
        )
    }

    /// A configuration with every built-in provider (and `[parra_issuer]`) trusting only this
    /// issuer: every key set is `<base_url>/.well-known/jwks.json` and `jwks.allow_http` is on.
    ///
    /// # Errors
    ///
    /// [`DevError::Config`] when `base_url` makes a key set URL the configuration refuses.
    pub fn config(&self, base_url: &str) -> Result<AuthConfig, DevError> {
        let url = format!("{}{DEV_JWKS_PATH}", base_url.trim_end_matches('/'));
        let text = format!(
            r#"
[jwks]
allow_http = true

[para]
environment = "sandbox"
jwks_url = "{url}"

[[parra.keys]]
id = "{DEV_PARRA_KEY_ID}"
secret = "{secret}"
tenant_id = "{DEV_PARRA_TENANT_ID}"

[sophon]
partner_id = "{DEV_PARTNER_ID}"
network = "testnet"
jwks_url = "{url}"

[dynamic]
environment_id = "{DEV_ENVIRONMENT_ID}"
jwks_url = "{url}"

[web3auth]
client_id = "{DEV_CLIENT_ID}"
jwks_url = "{url}"

[privy]
app_id = "{DEV_PRIVY_APP_ID}"
jwks_url = "{url}"

[magic]
client_id = "{DEV_MAGIC_CLIENT_ID}"

[thirdweb]
admin_address = "{signer}"
domain = "{domain}"

[turnkey]
organization_ids = ["{DEV_TURNKEY_ORGANIZATION_ID}"]
notarizer_public_key = "{notarizer}"

[farcaster]
domain = "{domain}"
jwks_url = "{url}"

[parra_issuer]
api_key_id = "{DEV_PARRA_KEY_ID}"
secret = "{secret}"
tenant_id = "{DEV_PARRA_TENANT_ID}"

[signin]
domain = "{domain}"
uri = "{origin}"
issuer = "{DEV_SIGNIN_ISSUER}"

[signin.ethereum]
chain_ids = [1]

[signin.solana]
chain_ids = ["mainnet"]
"#,
            url = toml_string(&url),
            secret = toml_string(&self.parra_secret),
            origin = toml_string(base_url.trim_end_matches('/')),
            domain = toml_string(&dev_domain(base_url)),
            signer = wallet_signer::dev_siwe_address()?,
            notarizer = hex_of(self.ec.public_key().as_ref()),
        );
        let mut config = AuthConfig::from_toml_str(&text).map_err(DevError::Config)?;
        // Sessions are signed with the P-256 key, whose JWK (same thumbprint `kid`) the dev JWKS
        // already publishes; `localhost` is accepted beside `127.0.0.1`.
        let keys = SessionKeys::from_pkcs8(&[&self.ec_pkcs8])
            .map_err(|_| DevError::Crypto("session key"))?;
        config.signin = config.signin.take().map(|signin| {
            let localhost = dev_domain(base_url).replacen("127.0.0.1", "localhost", 1);
            let origin = base_url
                .trim_end_matches('/')
                .replacen("127.0.0.1", "localhost", 1);
            signin
                .with_session_keys(keys)
                .with_origin(localhost, origin)
        });
        Ok(config)
    }

    /// The default claims of a dev token for `provider`, issued at `now` (see
    /// [`DevIssuer::token`]), with the header's algorithm and content type.
    pub fn default_token(&self, provider: &str, now: i64) -> Result<DevToken, DevError> {
        let config = self.config("http://127.0.0.1")?;
        let signer = wallet_signer::dev_siwe_address()?;
        let values = DevValues::new(
            DEV_USER_ID,
            DEV_USER_EMAIL,
            DEV_WALLET_ADDRESS,
            DEV_WALLET_PUBLIC_KEY,
            &self.rsa_kid,
            now,
        )
        .with_signer_address(&signer);
        config
            .providers()
            .into_iter()
            .find(|p| p.id().as_str().eq_ignore_ascii_case(provider))
            .and_then(|p| p.dev_token(&values))
            .ok_or_else(|| DevError::UnknownProvider(provider.to_owned()))
    }

    /// The default claims of a dev token for `provider`, issued at `now`.
    pub fn default_claims(&self, provider: &str, now: i64) -> Result<Value, DevError> {
        self.default_token(provider, now).map(|t| t.claims)
    }

    /// A token in `provider`'s exact shape (header and claims, see the provider notes), signed
    /// with this issuer's key for that provider's algorithm (RS256: the RSA key, ES256: the
    /// P-256 key, HS256: the Parra secret) and issued at `now` (seconds since the epoch).
    /// `provider` is a built-in provider's name (`privy`, …).
    ///
    /// `extra`, a JSON object, is merged over the default claims ([`DevIssuer::default_claims`]):
    /// each member replaces the default one, and a `null` member removes it.
    pub fn token(
        &self,
        provider: impl AsRef<str>,
        extra: Option<&Value>,
        now: i64,
    ) -> Result<String, DevError> {
        let DevToken {
            alg,
            content_type,
            mut claims,
            signature,
            ..
        } = self.default_token(provider.as_ref(), now)?;
        if let Some(extra) = extra {
            let extra = extra.as_object().ok_or(DevError::ExtraNotObject)?;
            if let Some(claims) = claims.as_object_mut() {
                for (name, value) in extra {
                    if value.is_null() {
                        claims.remove(name);
                    } else {
                        claims.insert(name.clone(), value.clone());
                    }
                }
            }
        }
        match signature {
            DevSignature::Jws => self.sign(alg, content_type, &claims),
            other => self.sign_non_jws(other, &claims),
        }
    }

    /// Sign any `claims` with this issuer's key for `alg` (RS256: the RSA key, ES256: the
    /// P-256 key, HS256: the Parra secret), with `cty` in the header when given: tokens of a
    /// provider of your own for a development server trusting [`DevIssuer::jwks`].
    pub fn sign(
        &self,
        alg: Algorithm,
        content_type: Option<&str>,
        claims: &Value,
    ) -> Result<String, DevError> {
        let mut header = match alg {
            Algorithm::RS256 => json!({"alg": "RS256", "typ": "JWT", "kid": self.rsa_kid}),
            Algorithm::ES256 => json!({"alg": "ES256", "typ": "JWT", "kid": self.ec_kid}),
            Algorithm::HS256 => json!({"alg": "HS256", "typ": "JWT"}),
            other => return Err(DevError::UnsupportedAlgorithm(other)),
        };
        if let (Some(cty), Some(h)) = (content_type, header.as_object_mut()) {
            h.insert("cty".into(), cty.into());
        }
        let input = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(header.to_string()),
            URL_SAFE_NO_PAD.encode(claims.to_string())
        );
        let signature = match alg {
            Algorithm::RS256 => {
                let mut sig = vec![0; self.rsa.public_modulus_len()];
                self.rsa
                    .sign(
                        &RSA_PKCS1_SHA256,
                        &SystemRandom::new(),
                        input.as_bytes(),
                        &mut sig,
                    )
                    .map_err(|_| DevError::Crypto("RS256 signing"))?;
                sig
            }
            Algorithm::ES256 => self
                .ec
                .sign(&SystemRandom::new(), input.as_bytes())
                .map_err(|_| DevError::Crypto("ES256 signing"))?
                .as_ref()
                .to_vec(),
            _ => {
                let key = aws_lc_rs::hmac::Key::new(
                    aws_lc_rs::hmac::HMAC_SHA256,
                    self.parra_secret.as_bytes(),
                );
                aws_lc_rs::hmac::sign(&key, input.as_bytes())
                    .as_ref()
                    .to_vec()
            }
        };
        Ok(format!("{input}.{}", URL_SAFE_NO_PAD.encode(signature)))
    }
}

/// Lower-case hex of `bytes`.
fn hex_of(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The authority of `base_url` (`127.0.0.1:3000`).
fn dev_domain(base_url: &str) -> String {
    let rest = base_url
        .split_once("://")
        .map_or(base_url, |(_, rest)| rest);
    rest.split('/').next().unwrap_or(rest).to_owned()
}

/// `s` as the inside of a TOML basic string: `\`, `"` and every control character escaped.
fn toml_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", u32::from(c))),
            c => out.push(c),
        }
    }
    out
}

/// (n, e) of an RSA key, base64url.
fn rsa_components(pair: &aws_lc_rs::rsa::KeyPair) -> (String, String) {
    let c = RsaPublicKeyComponents::<Vec<u8>>::from(pair.public_key());
    (URL_SAFE_NO_PAD.encode(c.n), URL_SAFE_NO_PAD.encode(c.e))
}

/// (x, y) of a P-256 key, base64url.
fn ec_components(pair: &EcdsaKeyPair) -> Option<(String, String)> {
    let point = pair.public_key().as_ref();
    match (point.first(), point.get(1..33), point.get(33..65)) {
        (Some(4), Some(x), Some(y)) if point.len() == 65 => {
            Some((URL_SAFE_NO_PAD.encode(x), URL_SAFE_NO_PAD.encode(y)))
        }
        _ => None,
    }
}

/// The RFC 7638 thumbprint of a JWK given with exactly its required members (serde_json sorts
/// object keys, as the RFC requires).
fn thumbprint(required: &Value) -> String {
    let digest =
        aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, required.to_string().as_bytes());
    URL_SAFE_NO_PAD.encode(digest.as_ref())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]
    use super::*;

    #[test]
    fn thumbprint_matches_rfc7638_example() {
        // RFC 7638 §3.1.
        let n = "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw";
        let tp = thumbprint(&json!({"e": "AQAB", "kty": "RSA", "n": n}));
        assert_eq!(tp, "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs");
    }

    #[test]
    fn save_then_load_keeps_the_keys() {
        let dev = DevIssuer::generate();
        let path =
            std::env::temp_dir().join(format!("wallet-auth-dev-test-{}.json", std::process::id()));
        dev.save(&path).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let loaded = DevIssuer::load(&path).unwrap();
        std::fs::remove_file(&path).unwrap();
        assert_eq!(loaded.jwks(), dev.jwks());
        assert_eq!(loaded.parra_secret(), dev.parra_secret());
        assert_eq!(loaded.rsa_kid(), dev.rsa_kid());
    }

    #[test]
    fn load_refuses_a_foreign_file() {
        let path =
            std::env::temp_dir().join(format!("wallet-auth-dev-bad-{}.json", std::process::id()));
        std::fs::write(&path, "{\"version\": 7}").unwrap();
        let err = DevIssuer::load(&path).unwrap_err();
        std::fs::remove_file(&path).unwrap();
        assert!(
            matches!(err, DevError::BadState { ref reason, .. } if reason == "expected version 1")
        );
    }

    #[test]
    fn a_secret_from_the_state_file_cannot_break_the_configuration() {
        let dev = DevIssuer::generate();
        let odd = DevIssuer::from_parts(
            dev.rsa_pkcs8.clone(),
            dev.ec_pkcs8.clone(),
            "a\"b\\c\nd\u{7f}e".to_owned(),
        )
        .unwrap();
        let config = odd.config("http://127.0.0.1:3000").unwrap();
        let keys = &config.parra.as_ref().unwrap().keys;
        assert_eq!(keys[0].secret.as_deref(), Some("a\"b\\c\nd\u{7f}e"));
        assert!(odd.token("parra", None, 100).is_ok());
    }

    #[test]
    fn extra_merges_and_null_removes() {
        let dev = DevIssuer::generate();
        let token = dev
            .token("sophon", Some(&json!({"scope": "", "sid": null})), 100)
            .unwrap();
        let payload = token.split('.').nth(1).unwrap();
        let claims: Value =
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap();
        assert_eq!(claims["scope"], "");
        assert!(claims.get("sid").is_none());
        assert_eq!(claims["exp"], 86_500);
        assert!(matches!(
            dev.token("para", Some(&json!([1])), 0),
            Err(DevError::ExtraNotObject)
        ));
    }
}
