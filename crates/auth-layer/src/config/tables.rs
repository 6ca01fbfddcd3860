//! The tables of the format: `[jwks]`, `[token]`, one per provider, `[parra_issuer]`.

use serde::Deserialize;

/// `[jwks]`
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct JwksConfig {
    /// Max age when the server sends no `Cache-Control` (default 600).
    pub ttl_secs: u64,
    /// Min time between unknown-kid refetches of one URL (default 30).
    pub cooldown_secs: u64,
    /// Fetch timeout (default 5).
    pub timeout_secs: u64,
    /// Must be true for `http://` JWKS URLs (loopback tests). Default false.
    pub allow_http: bool,
    /// Clock leeway for `exp`/`nbf`/`iat` (default 60).
    pub leeway_secs: u64,
    /// How long the last good key set is served while the endpoint fails (default 86400).
    pub stale_secs: u64,
    /// Fetch every key set at start-up (default true).
    pub prefetch: bool,
}

impl Default for JwksConfig {
    fn default() -> Self {
        JwksConfig {
            ttl_secs: 600,
            cooldown_secs: 30,
            timeout_secs: 5,
            allow_http: false,
            leeway_secs: 60,
            stale_secs: 86_400,
            prefetch: true,
        }
    }
}

/// `[token]`
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TokenConfig {
    /// Largest token accepted, in bytes (default 8192).
    pub max_bytes: usize,
    /// Also read the token from this cookie (Dynamic cookie mode: `DYNAMIC_JWT_TOKEN`).
    pub cookie: Option<String>,
    /// Also read the token from this header.
    pub header: Option<String>,
    /// Let requests without a token through (default false).
    pub optional: bool,
    /// Remember verified tokens so repeated requests skip the signature check (default true).
    pub cache: bool,
    /// How many verified tokens to remember (default 10000).
    pub cache_capacity: u64,
}

impl Default for TokenConfig {
    fn default() -> Self {
        TokenConfig {
            max_bytes: claims_core::DEFAULT_MAX_TOKEN_BYTES,
            cookie: None,
            header: None,
            optional: false,
            cache: true,
            cache_capacity: crate::token_cache::DEFAULT_TOKEN_CACHE_CAPACITY,
        }
    }
}

/// Para's environments.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum ParaEnvironment {
    /// `https://api.sandbox.getpara.com/.well-known/jwks.json`
    Sandbox,
    /// `https://api.beta.getpara.com/.well-known/jwks.json`
    Beta,
    /// `https://api.getpara.com/.well-known/jwks.json`
    #[default]
    Prod,
}

impl ParaEnvironment {
    /// The documented JWKS URL.
    pub fn jwks_url(self) -> &'static str {
        match self {
            ParaEnvironment::Sandbox => "https://api.sandbox.getpara.com/.well-known/jwks.json",
            ParaEnvironment::Beta => "https://api.beta.getpara.com/.well-known/jwks.json",
            ParaEnvironment::Prod => "https://api.getpara.com/.well-known/jwks.json",
        }
    }
}

/// `[para]`
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ParaConfig {
    /// `sandbox`, `beta` or `prod` (default `prod`; ignored when `jwks_url` is set).
    #[serde(default)]
    pub environment: ParaEnvironment,
    /// Override the JWKS URL.
    pub jwks_url: Option<String>,
    /// Expected `aud` (the API key id), when set.
    pub audience: Option<String>,
    /// Scopes every token must carry (read from `scope` or `scp`; e.g. `["read:me"]`).
    #[serde(default)]
    pub required_scopes: Vec<String>,
    /// Accepted algorithms, a subset of what the provider's keys can verify (default: the
    /// provider's own).
    #[serde(default)]
    pub algorithms: Option<Vec<String>>,
}

/// `[parra]`
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ParraConfig {
    /// One entry per API key.
    pub keys: Vec<ParraKeyConfig>,
    /// Allowed algorithms (default `["HS256"]`; `HS384`, `HS512` may be added).
    #[serde(default)]
    pub algorithms: Option<Vec<String>>,
    /// Scopes every token must carry (read from `scope` or `scp`; e.g. `["read:me"]`).
    #[serde(default)]
    pub required_scopes: Vec<String>,
}

/// `[[parra.keys]]`
#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ParraKeyConfig {
    /// API Key ID (the token's `iss`).
    pub id: String,
    /// API Key Secret.
    pub secret: Option<String>,
    /// Name of an environment variable holding the secret.
    pub secret_env: Option<String>,
    /// Expected `sub`.
    pub tenant_id: String,
}

impl std::fmt::Debug for ParraKeyConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ParraKeyConfig")
            .field("id", &self.id)
            .field("secret", &self.secret.as_ref().map(|_| "<redacted>"))
            .field("secret_env", &self.secret_env)
            .field("tenant_id", &self.tenant_id)
            .finish()
    }
}

/// Sophon's networks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum SophonNetwork {
    /// `https://api.my.sophon.xyz/.well-known/jwks.json`
    #[default]
    Mainnet,
    /// `https://api.my.staging.sophon.xyz/.well-known/jwks.json`
    Testnet,
}

impl SophonNetwork {
    /// The JWKS URL from Sophon's SDK.
    pub fn jwks_url(self) -> &'static str {
        match self {
            SophonNetwork::Mainnet => "https://api.my.sophon.xyz/.well-known/jwks.json",
            SophonNetwork::Testnet => "https://api.my.staging.sophon.xyz/.well-known/jwks.json",
        }
    }
}

/// `[sophon]`
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SophonConfig {
    /// Expected `aud`.
    pub partner_id: String,
    /// `mainnet` (default) or `testnet`.
    #[serde(default)]
    pub network: SophonNetwork,
    /// Override the JWKS URL.
    pub jwks_url: Option<String>,
    /// Override the issuer (default `https://auth.sophon.xyz`).
    pub issuer: Option<String>,
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
}

/// `[dynamic]`
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DynamicConfig {
    /// The environment id (in `iss` and the default JWKS URL).
    pub environment_id: String,
    /// Override the JWKS URL.
    pub jwks_url: Option<String>,
    /// The environment's static public key (PEM) instead of the JWKS.
    pub public_key_pem: Option<String>,
    /// Accepted `aud` values (page origins); empty: not checked.
    #[serde(default)]
    pub audience: Vec<String>,
    /// Scopes every token must carry (e.g. `["user:basic"]`).
    #[serde(default)]
    pub required_scopes: Vec<String>,
    /// Accepted algorithms, a subset of what the provider's keys can verify (default: the
    /// provider's own).
    #[serde(default)]
    pub algorithms: Option<Vec<String>>,
    /// Issuers accepted besides the provider's own (exact strings, each ending in `/<environment_id>`: a custom domain).
    #[serde(default)]
    pub extra_issuers: Vec<String>,
    /// Accept tokens that still require additional auth (MFA pending). Default false.
    #[serde(default)]
    pub allow_additional_auth: bool,
}

/// `[web3auth]`
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Web3AuthConfig {
    /// Expected `aud` (the project's client id).
    pub client_id: String,
    /// Accepted issuers (default `["https://api-auth.web3auth.io"]`).
    pub issuers: Option<Vec<String>>,
    /// Override the key set of every issuer.
    pub jwks_url: Option<String>,
    /// The project's SPKI verification key (PEM) instead of JWKS.
    pub verification_key_pem: Option<String>,
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
}

/// `[parra_issuer]`
#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ParraIssuerConfig {
    /// API Key ID.
    pub api_key_id: String,
    /// API Key Secret.
    pub secret: Option<String>,
    /// Name of an environment variable holding the secret.
    pub secret_env: Option<String>,
    /// Tenant ID.
    pub tenant_id: String,
    /// Token lifetime (default 3600).
    #[serde(default = "default_parra_ttl")]
    pub ttl_secs: u64,
}

fn default_parra_ttl() -> u64 {
    3600
}

impl std::fmt::Debug for ParraIssuerConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ParraIssuerConfig")
            .field("api_key_id", &self.api_key_id)
            .field("secret", &self.secret.as_ref().map(|_| "<redacted>"))
            .field("secret_env", &self.secret_env)
            .field("tenant_id", &self.tenant_id)
            .field("ttl_secs", &self.ttl_secs)
            .finish()
    }
}

/// Dynamic's JWKS URL for an environment.
pub fn dynamic_jwks_url(environment_id: &str) -> String {
    format!("https://app.dynamic.xyz/api/v0/sdk/{environment_id}/.well-known/jwks")
}

/// Web3Auth's key set for an issuer.
pub fn web3auth_jwks_url(issuer: &str) -> Option<&'static str> {
    match issuer {
        "https://api-auth.web3auth.io" | "https://api.openlogin.com" => {
            Some("https://api-auth.web3auth.io/jwks")
        }
        "https://authjs.web3auth.io" => Some("https://authjs.web3auth.io/jwks"),
        _ => None,
    }
}
