//! One module per provider, behind the [`Provider`] trait.
//!
//! A provider is everything that makes it: its id, its configuration table, its default policy
//! (claims type, algorithms, issuers, audience rule, extra claim rules — from
//! [`claims_core::providers`]), where its keys come from, and the claims of its development
//! tokens. The pipeline ([`crate::routing`], [`crate::key_source`], [`crate::verifier`]) only
//! sees the [`ProviderEntry`] a provider sets up, and names none.
//!
//! The rules every provider table accepts — `required_scopes`, `algorithms`, `extra_issuers` —
//! are applied here, once, by [`set_up`]: a rule that cannot apply to a provider is refused at
//! start-up, naming the key, never ignored.
//!
//! # Writing your own provider
//!
//! Implement [`Provider`] for a type of yours (its settings), with a claims type of yours
//! implementing [`claims_core::ProviderClaims`], and register it with
//! [`AuthConfig::with_provider`](crate::AuthConfig::with_provider). See
//! `examples/custom_provider.rs`.
//!
//! ```
//! use auth_layer::provider::{KeyContext, Provider, RuleSettings};
//! use auth_layer::{AuthConfig, ConfigError, KeySource};
//! use claims_core::{Algorithm, OidcClaims, Policy, ProviderId};
//!
//! #[derive(Debug)]
//! struct Acme { jwks_url: String }
//!
//! impl Provider for Acme {
//!     fn id(&self) -> ProviderId { ProviderId::from_static("acme") }
//!     fn policy(&self) -> Result<Policy, ConfigError> {
//!         Policy::new::<OidcClaims>(self.id(), &[Algorithm::ES256])
//!             .and_then(|p| p.with_issuers(["https://id.acme.example"]))
//!             .map(|p| p.with_audiences(["api"]))
//!             .map_err(|e| ConfigError::new("acme", e))
//!     }
//!     fn key_source(&self, keys: &KeyContext<'_>) -> Result<KeySource, ConfigError> {
//!         keys.jwks("acme.jwks_url", &self.jwks_url)
//!     }
//! }
//!
//! let config = AuthConfig::from_toml_str("[jwks]\nallow_http = true\n")?
//!     .with_provider(Acme { jwks_url: "http://127.0.0.1:9/jwks.json".into() });
//! let verifier = config.build_verifier()?;
//! assert_eq!(verifier.providers().entries()[0].policy.provider(), "acme");
//! # Ok::<(), ConfigError>(())
//! ```

pub mod dynamic;
pub mod farcaster;
pub mod magic;
pub mod oidc;
pub mod para;
pub mod parra;
pub mod privy;
mod rules;
pub mod signin;
pub mod sophon;
pub mod thirdweb;
pub mod turnkey;
pub mod web3auth;

use std::sync::Arc;

use claims_core::{Algorithm, AnyClaims, Policy, ProviderId};
use jwks_cache::{JwksCache, JwksSource};

use crate::config::ConfigError;
use crate::key_source::KeySource;

pub use rules::{ExtraIssuers, RuleSettings, set_up};
pub use signin::SigninConfig;

/// One configured provider, ready for the pipeline: its policy and where its keys come from.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ProviderEntry {
    /// What its tokens must satisfy (it names the provider and its claims type).
    pub policy: Policy,
    /// Where its keys come from.
    pub keys: KeySource,
    /// Tokens revoked before they expire (sessions after a logout), when the provider has any.
    pub revocations: Option<Arc<dyn Revocations>>,
}

impl ProviderEntry {
    /// A provider's policy and key source.
    pub fn new(policy: Policy, keys: KeySource) -> Self {
        ProviderEntry {
            policy,
            keys,
            revocations: None,
        }
    }

    /// Also refuse the tokens `revocations` lists.
    pub fn with_revocations(mut self, revocations: Arc<dyn Revocations>) -> Self {
        self.revocations = Some(revocations);
        self
    }
}

/// Valid tokens that must be refused anyway: checked after every verification, on a cached
/// token too, so it must answer from memory (no I/O per request).
pub trait Revocations: Send + Sync + std::fmt::Debug {
    /// True when `claims` (verified) belong to a revoked token.
    fn is_revoked(&self, claims: &AnyClaims) -> bool;
}

/// Everything that makes a provider. Built-in providers implement it on their configuration
/// table; implement it on a type of yours to add a provider without forking.
pub trait Provider: Send + Sync + std::fmt::Debug {
    /// The provider id: `Identity.provider`, metrics label, log field, command-line output.
    fn id(&self) -> ProviderId;

    /// Where this provider is configured, for error messages (`privy`, `oidc[0]`). Defaults to
    /// the id.
    fn table(&self) -> String {
        self.id().to_string()
    }

    /// The provider's policy, before the common rules and the `[jwks]`/`[token]` settings are
    /// added.
    fn policy(&self) -> Result<Policy, ConfigError>;

    /// Where the provider's keys come from.
    fn key_source(&self, keys: &KeyContext<'_>) -> Result<KeySource, ConfigError>;

    /// The algorithms this provider's keys can verify: `algorithms` in the table must be a
    /// subset (default: every public-key algorithm).
    fn verifiable_algorithms(&self) -> &'static [Algorithm] {
        Algorithm::public_key()
    }

    /// Whether `extra_issuers` can apply (default: yes, any exact string).
    fn extra_issuers_rule(&self) -> ExtraIssuers {
        ExtraIssuers::Any
    }

    /// The common rules set in this provider's table (default: none).
    fn rules(&self) -> RuleSettings<'_> {
        RuleSettings::default()
    }

    /// The tokens to refuse although valid (default: none).
    fn revocations(&self) -> Option<Arc<dyn Revocations>> {
        None
    }

    /// The claims of a development token in this provider's shape (for `wallet-auth dev-token`
    /// and the example server), or `None` when the provider has none.
    fn dev_token(&self, _dev: &DevValues<'_>) -> Option<DevToken> {
        None
    }
}

/// Creates the key sources a provider needs, with errors naming the configuration key.
pub struct KeyContext<'a> {
    pub(crate) cache: &'a JwksCache,
}

impl KeyContext<'_> {
    /// A remote key set at `url`, configured under `field` (`privy.jwks_url`).
    pub fn jwks(&self, field: &str, url: &str) -> Result<KeySource, ConfigError> {
        self.jwks_source(field, url).map(KeySource::Jwks)
    }

    /// The cache's source for the key set at `url`, configured under `field`.
    pub fn jwks_source(&self, field: &str, url: &str) -> Result<JwksSource, ConfigError> {
        self.cache.source(url).map_err(|e| url_error(field, url, e))
    }

    /// The key set of `issuer`, found through OpenID Connect discovery.
    pub fn discovered(&self, field: &str, issuer: &str) -> Result<KeySource, ConfigError> {
        self.cache
            .discovered(issuer)
            .map(KeySource::Discovered)
            .map_err(|e| url_error(field, issuer, e))
    }

    /// The JWKS cache itself, for a key source of your own.
    pub fn cache(&self) -> &JwksCache {
        self.cache
    }
}

fn url_error(field: &str, url: &str, e: jwks_cache::ConfigError) -> ConfigError {
    match e {
        jwks_cache::ConfigError::InsecureUrl { .. } => ConfigError::new(
            field,
            format!("{url:?} is not https:// (set jwks.allow_http = true for loopback tests)"),
        ),
        e => ConfigError::new(field, e),
    }
}

/// The made-up values a development token carries.
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub struct DevValues<'a> {
    /// The user id.
    pub user_id: &'a str,
    /// The email.
    pub email: &'a str,
    /// An EVM wallet address (checksummed).
    pub wallet_address: &'a str,
    /// A compressed secp256k1 public key (hex).
    pub wallet_public_key: &'a str,
    /// The `kid` of the development RSA key (Dynamic repeats it in the payload).
    pub rsa_kid: &'a str,
    /// Issued at, seconds since the epoch.
    pub now: i64,
    /// The address of the development secp256k1 key (checksummed): the signer of tokens that
    /// carry an EIP-191 signature (Magic's wallet, thirdweb's admin).
    pub signer_address: &'a str,
}

impl<'a> DevValues<'a> {
    /// Values for a development token issued at `now`.
    pub fn new(
        user_id: &'a str,
        email: &'a str,
        wallet_address: &'a str,
        wallet_public_key: &'a str,
        rsa_kid: &'a str,
        now: i64,
    ) -> Self {
        DevValues {
            user_id,
            email,
            wallet_address,
            wallet_public_key,
            rsa_kid,
            now,
            signer_address: "",
        }
    }

    /// The address of the development secp256k1 key, for providers whose tokens it signs.
    pub fn with_signer_address(mut self, address: &'a str) -> Self {
        self.signer_address = address;
        self
    }
}

/// How a development token is signed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum DevSignature {
    /// A compact JWS under [`DevToken::alg`].
    #[default]
    Jws,
    /// A compact token whose fixed ES256 header hides an EIP-191 signature of the payload by the
    /// development secp256k1 key, as base64url of its `0x` hex (thirdweb).
    Eip191Payload,
    /// `base64([proof, claim])`: the claims as a JSON string, signed with EIP-191 by the
    /// development secp256k1 key (Magic's DID token).
    Eip191DidToken,
    /// A compact ES256 JWS whose signature covers SHA-256 of the signing input (Turnkey).
    Es256OverSha256,
}

/// A development token to sign: its algorithm, header content type and claims.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct DevToken {
    /// RS256 (the development RSA key), ES256 (the P-256 key) or HS256 (the Parra secret).
    pub alg: Algorithm,
    /// The header's `cty`, when the provider requires one.
    pub content_type: Option<&'static str>,
    /// The claims.
    pub claims: serde_json::Value,
    /// How it is signed (default: a JWS under `alg`).
    pub signature: DevSignature,
}

impl DevToken {
    /// A development token.
    pub fn new(alg: Algorithm, claims: serde_json::Value) -> Self {
        DevToken {
            alg,
            content_type: None,
            claims,
            signature: DevSignature::Jws,
        }
    }
}

/// A built-in provider's table: the struct with its own settings plus the common rules every
/// table accepts (`required_scopes`, `algorithms`, `extra_issuers`), and `rules()` reading them.
macro_rules! provider_table {
    (
        $(#[$meta:meta])*
        pub struct $name:ident {
            $($(#[$fmeta:meta])* pub $field:ident : $ty:ty,)*
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, serde::Deserialize)]
        #[serde(deny_unknown_fields)]
        #[non_exhaustive]
        pub struct $name {
            $($(#[$fmeta])* pub $field: $ty,)*
            /// Scopes every token must carry (read from `scope` or `scp`; e.g. `["read:me"]`).
            #[serde(default)]
            pub required_scopes: Vec<String>,
            /// Accepted algorithms, a subset of what the provider's keys can verify (default: the
            /// provider's own).
            #[serde(default)]
            pub algorithms: Option<Vec<String>>,
            /// Issuers accepted besides the provider's own (exact strings).
            #[serde(default)]
            pub extra_issuers: Vec<String>,
            /// Claims every token must carry, with any value but `null` (e.g. `["auth_time"]`).
            #[serde(default)]
            pub required_claims: Vec<String>,
        }

        impl $name {
            fn table_rules(&self) -> $crate::provider::RuleSettings<'_> {
                $crate::provider::RuleSettings {
                    required_scopes: &self.required_scopes,
                    algorithms: self.algorithms.as_deref(),
                    extra_issuers: &self.extra_issuers,
                    required_claims: &self.required_claims,
                }
            }
        }
    };
}
pub(crate) use provider_table;
