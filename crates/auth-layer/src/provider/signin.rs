//! `[signin]`: sessions this service issues after a wallet sign-in (SIWE, SIWS), verified with
//! its own keys (no fetch) as the built-in provider `signin`.
//!
//! ```toml
//! [signin]
//! domain = "app.example.com"
//! uri = "https://app.example.com"
//! issuer = "https://api.example.com"
//! signing_key_files = ["session.pem"]
//! [signin.ethereum]
//! chain_ids = [1, 8453]
//! ```
//!
//! The sign-in routes themselves are [`crate::signin::SigninRoutes`].

use std::collections::BTreeMap;
use std::sync::{Arc, OnceLock};

use claims_core::providers::signin::ALGORITHMS;
use claims_core::{Algorithm, Policy, ProviderId};

use super::{DevToken, DevValues, KeyContext, Provider, Revocations, RuleSettings};
use crate::config::{ConfigError, MESSAGE_AGE_RANGE, NONCE_TTL_RANGE, SESSION_TTL_RANGE};
use crate::key_source::KeySource;
use crate::signin::{RevocationList, SessionKeys};

fn default_session_ttl() -> u64 {
    86_400
}
fn default_nonce_ttl() -> u64 {
    300
}
fn default_max_message_age() -> u64 {
    signin_core::DEFAULT_MAX_MESSAGE_AGE_SECS
}
fn default_store() -> String {
    "memory".to_owned()
}

/// `[signin.ethereum]`: Sign-In with Ethereum.
#[derive(Debug, Clone, serde::Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct SigninEthereumConfig {
    /// Accepted EIP-155 chain ids (`[1, 8453]`), at least one.
    pub chain_ids: Vec<u64>,
    /// JSON-RPC endpoints per chain id, for contract wallets (EIP-1271, ERC-6492).
    #[serde(default)]
    pub rpc: BTreeMap<String, String>,
}

/// `[signin.solana]`: Sign In With Solana.
#[derive(Debug, Clone, serde::Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct SigninSolanaConfig {
    /// Accepted clusters: `mainnet`, `devnet`, `testnet`, `localnet`, or `solana:<reference>`.
    pub chain_ids: Vec<String>,
}

/// What one `[signin]` configuration shares between the routes that issue sessions and the
/// verifier that accepts them: the keys (loaded once) and the revoked sessions.
#[derive(Clone, Default)]
pub struct SigninShared {
    keys: Arc<OnceLock<Result<Arc<SessionKeys>, ConfigError>>>,
    pub(crate) revoked: RevocationList,
    /// More accepted (domain, URI origin) pairs, set in code (development mode).
    pub(crate) more_origins: Vec<(String, String)>,
}

impl std::fmt::Debug for SigninShared {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigninShared")
            .field("keys", &self.keys.get())
            .field("revoked", &self.revoked.len())
            .finish()
    }
}

super::provider_table! {
    /// `[signin]`
    pub struct SigninConfig {
        /// The domain (RFC 3986 authority, `app.example.com` or `127.0.0.1:3000`) messages must
        /// name.
        pub domain: String,
        /// The origin every message's `URI` must start with (`https://app.example.com`).
        pub uri: String,
        /// `iss` of session tokens (`https://api.example.com`).
        pub issuer: String,
        /// `aud` of session tokens (default: the issuer).
        #[serde(default)]
        pub audience: Option<String>,
        /// PKCS#8 PEM files of P-256 or Ed25519 keys: the first signs, all are published.
        #[serde(default)]
        pub signing_key_files: Vec<String>,
        /// Session lifetime (300–2592000 s, default 86400).
        #[serde(default = "default_session_ttl")]
        pub session_ttl_secs: u64,
        /// Nonce lifetime (30–3600 s, default 300).
        #[serde(default = "default_nonce_ttl")]
        pub nonce_ttl_secs: u64,
        /// Messages issued longer ago are refused (30–86400 s, default 600).
        #[serde(default = "default_max_message_age")]
        pub max_message_age_secs: u64,
        /// Where nonces and revocations live: `memory` (default; one process), or
        /// `redis://host:port/db` / `rediss://host:port/db` (TLS), shared by every replica using
        /// that Redis (≥ 6.2; see [`crate::signin::RedisStore`], built by
        /// [`crate::signin::SigninService::connect`]).
        #[serde(default = "default_store")]
        pub store: String,
        /// Also set the session as this `HttpOnly; Secure; SameSite=Lax` cookie.
        #[serde(default)]
        pub cookie: Option<String>,
        /// `[signin.ethereum]`: Sign-In with Ethereum.
        #[serde(default)]
        pub ethereum: Option<SigninEthereumConfig>,
        /// `[signin.solana]`: Sign In With Solana.
        #[serde(default)]
        pub solana: Option<SigninSolanaConfig>,
        #[serde(skip)]
        /// Keys and revocations shared by the routes and the verifier of this configuration.
        pub shared: SigninShared,
    }
}

impl SigninConfig {
    /// A configuration for `domain`, `uri` and `issuer` with the defaults and no chain (set
    /// [`SigninConfig::ethereum`] or [`SigninConfig::solana`]).
    pub fn new(
        domain: impl Into<String>,
        uri: impl Into<String>,
        issuer: impl Into<String>,
    ) -> Self {
        SigninConfig {
            domain: domain.into(),
            uri: uri.into(),
            issuer: issuer.into(),
            audience: None,
            signing_key_files: Vec::new(),
            session_ttl_secs: default_session_ttl(),
            nonce_ttl_secs: default_nonce_ttl(),
            max_message_age_secs: default_max_message_age(),
            store: default_store(),
            cookie: None,
            ethereum: None,
            solana: None,
            shared: SigninShared::default(),
            required_scopes: Vec::new(),
            algorithms: None,
            extra_issuers: Vec::new(),
            required_claims: Vec::new(),
        }
    }

    /// Accept SIWE messages for these chain ids.
    pub fn with_ethereum(mut self, chain_ids: impl IntoIterator<Item = u64>) -> Self {
        self.ethereum = Some(SigninEthereumConfig {
            chain_ids: chain_ids.into_iter().collect(),
            rpc: BTreeMap::new(),
        });
        self
    }

    /// Accept SIWS messages for these clusters.
    pub fn with_solana(mut self, chain_ids: impl IntoIterator<Item = impl Into<String>>) -> Self {
        self.solana = Some(SigninSolanaConfig {
            chain_ids: chain_ids.into_iter().map(Into::into).collect(),
        });
        self
    }

    /// Also accept messages for `domain` whose `URI` starts with `uri` (development mode:
    /// `localhost:3000` beside `127.0.0.1:3000`).
    pub fn with_origin(mut self, domain: impl Into<String>, uri: impl Into<String>) -> Self {
        self.shared.more_origins.push((domain.into(), uri.into()));
        self
    }

    /// Use these keys instead of `signing_key_files` (keys generated in code). Has no effect
    /// once the keys were loaded.
    pub fn with_session_keys(self, keys: SessionKeys) -> Self {
        let _ = self.shared.keys.set(Ok(Arc::new(keys)));
        self
    }

    /// The `aud` of session tokens.
    pub fn audience(&self) -> &str {
        self.audience.as_deref().unwrap_or(&self.issuer)
    }

    /// The session keys: given in code, or read from `signing_key_files` once (every clone of
    /// this configuration shares them).
    pub fn session_keys(&self) -> Result<Arc<SessionKeys>, ConfigError> {
        self.shared
            .keys
            .get_or_init(|| self.load_keys().map(Arc::new))
            .clone()
    }

    fn load_keys(&self) -> Result<SessionKeys, ConfigError> {
        if self.signing_key_files.is_empty() {
            return Err(ConfigError::new(
                "signin.signing_key_files",
                "required: PKCS#8 PEM files of P-256 or Ed25519 keys (the first signs)",
            ));
        }
        let pems = self
            .signing_key_files
            .iter()
            .enumerate()
            .map(|(i, path)| {
                std::fs::read_to_string(path).map_err(|e| {
                    ConfigError::new(
                        format!("signin.signing_key_files[{i}]"),
                        format!("{path}: {e}"),
                    )
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        SessionKeys::from_pems(&pems)
            .map_err(|(i, e)| ConfigError::new(format!("signin.signing_key_files[{i}]"), e))
    }

    /// Check every setting the sign-in routes and the verifier rely on; the error names the key.
    pub fn validate(&self) -> Result<(), ConfigError> {
        // The ranges of the format (checked at parsing too), for tables built in code.
        for (key, value, range) in [
            (
                "signin.session_ttl_secs",
                self.session_ttl_secs,
                SESSION_TTL_RANGE,
            ),
            (
                "signin.nonce_ttl_secs",
                self.nonce_ttl_secs,
                NONCE_TTL_RANGE,
            ),
            (
                "signin.max_message_age_secs",
                self.max_message_age_secs,
                MESSAGE_AGE_RANGE,
            ),
        ] {
            crate::config::check_range(key, value, range)?;
        }
        let authority_ok = !self.domain.is_empty()
            && self.domain.bytes().all(|b| {
                b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b':' | b'[' | b']')
            });
        if !authority_ok {
            return Err(ConfigError::new(
                "signin.domain",
                format!(
                    "{:?} is not a host[:port] (no scheme, no path)",
                    self.domain
                ),
            ));
        }
        let origin_ok = ["https://", "http://"].iter().any(|scheme| {
            self.uri
                .strip_prefix(scheme)
                .is_some_and(|rest| !rest.is_empty() && !rest.contains(char::is_whitespace))
        });
        if !origin_ok {
            return Err(ConfigError::new(
                "signin.uri",
                format!(
                    "{:?} is not an http(s) origin like https://app.example.com",
                    self.uri
                ),
            ));
        }
        if self.store != "memory" {
            let valid = "valid: \"memory\", \"redis://host:port/db\", \"rediss://host:port/db\"";
            if self.store.starts_with("redis://") || self.store.starts_with("rediss://") {
                crate::signin::redis_store::check_url(&self.store)
                    .map_err(|e| ConfigError::new("signin.store", format!("{e} ({valid})")))?;
            } else {
                return Err(ConfigError::new(
                    "signin.store",
                    format!(
                        "{:?} is not supported ({valid})",
                        crate::signin::redis_store::redacted(&self.store)
                    ),
                ));
            }
        }
        if let Some(cookie) = &self.cookie
            && (cookie.is_empty()
                || !cookie
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'))
        {
            return Err(ConfigError::new(
                "signin.cookie",
                format!("{cookie:?} is not a cookie name (ASCII letters, digits, - or _)"),
            ));
        }
        if let Some(eth) = &self.ethereum {
            if eth.chain_ids.is_empty() {
                return Err(ConfigError::new(
                    "signin.ethereum.chain_ids",
                    "must list at least one chain id",
                ));
            }
            if let Some(chain) = eth
                .rpc
                .keys()
                .find(|c| !c.parse::<u64>().is_ok_and(|id| eth.chain_ids.contains(&id)))
            {
                return Err(ConfigError::new(
                    format!("signin.ethereum.rpc.{chain}"),
                    "the key must be one of signin.ethereum.chain_ids",
                ));
            }
        }
        if let Some(sol) = &self.solana {
            let valid = |c: &String| {
                matches!(c.as_str(), "mainnet" | "devnet" | "testnet" | "localnet")
                    || c.strip_prefix("solana:").is_some_and(|r| {
                        (1..=32).contains(&r.len()) && r.bytes().all(|b| b.is_ascii_alphanumeric())
                    })
            };
            if sol.chain_ids.is_empty() {
                return Err(ConfigError::new(
                    "signin.solana.chain_ids",
                    "must list at least one cluster",
                ));
            }
            if let Some(bad) = sol.chain_ids.iter().find(|c| !valid(c)) {
                return Err(ConfigError::new(
                    "signin.solana.chain_ids",
                    format!(
                        "{bad:?} is not mainnet, devnet, testnet, localnet or solana:<reference>"
                    ),
                ));
            }
        }
        if self.ethereum.is_none() && self.solana.is_none() {
            return Err(ConfigError::new(
                "signin",
                "set [signin.ethereum] chain_ids or [signin.solana] chain_ids",
            ));
        }
        Ok(())
    }

    /// The revoked sessions of this configuration.
    pub fn revocations(&self) -> &RevocationList {
        &self.shared.revoked
    }
}

impl Provider for SigninConfig {
    fn id(&self) -> ProviderId {
        ProviderId::SIGNIN
    }

    fn policy(&self) -> Result<Policy, ConfigError> {
        self.validate()?;
        Policy::signin(self.issuer.clone(), self.audience().to_owned()).map_err(|e| {
            let field = if self.issuer.is_empty() {
                "signin.issuer"
            } else {
                "signin.audience"
            };
            ConfigError::new(field, e)
        })
    }

    fn key_source(&self, _keys: &KeyContext<'_>) -> Result<KeySource, ConfigError> {
        Ok(KeySource::ByKid(self.session_keys()?.verifying_keys()))
    }

    fn verifiable_algorithms(&self) -> &'static [Algorithm] {
        ALGORITHMS
    }

    fn rules(&self) -> RuleSettings<'_> {
        self.table_rules()
    }

    fn revocations(&self) -> Option<Arc<dyn Revocations>> {
        Some(Arc::new(self.shared.revoked.clone()))
    }

    fn dev_token(&self, dev: &DevValues<'_>) -> Option<DevToken> {
        let chain = "eip155:1";
        Some(DevToken::new(
            self.session_keys().ok()?.signing_algorithm(),
            serde_json::json!({
                "iss": self.issuer,
                "aud": self.audience(),
                "sub": format!("{chain}:{}", dev.wallet_address),
                "iat": dev.now,
                "exp": dev.now.saturating_add(3600),
                "sid": "dev-session",
                "address": dev.wallet_address,
                "chain": chain,
            }),
        ))
    }
}
