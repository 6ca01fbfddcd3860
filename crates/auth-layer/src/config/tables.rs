//! The tables of the format that are not providers: `[jwks]`, `[token]`, `[parra_issuer]`.
//! Each provider's table lives in its module under [`crate::provider`].

use serde::Deserialize;

/// `[jwks]`
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
#[non_exhaustive]
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
#[non_exhaustive]
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

/// `[parra_issuer]`
#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
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

/// `[serve]`: the forward-auth service (`wallet-auth serve`): the identity headers it answers
/// with.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
#[non_exhaustive]
pub struct ServeConfig {
    /// The provider's id (default `X-Auth-Provider`).
    pub provider_header: String,
    /// The user id (default `X-Auth-User-Id`).
    pub user_id_header: String,
    /// The email, when the token carries one (default `X-Auth-Email`).
    pub email_header: String,
    /// The wallets, comma-separated `chain:address` (default `X-Auth-Wallets`).
    pub wallets_header: String,
    /// Also send the claims, base64url JSON, in `claims_header_name` (default false).
    pub claims_header: bool,
    /// The claims header (default `X-Auth-Claims`).
    pub claims_header_name: String,
    /// The longest header value sent; a token whose value would be longer is refused, never
    /// truncated (default 4096).
    pub max_header_bytes: usize,
}

impl Default for ServeConfig {
    fn default() -> Self {
        ServeConfig {
            provider_header: "X-Auth-Provider".to_owned(),
            user_id_header: "X-Auth-User-Id".to_owned(),
            email_header: "X-Auth-Email".to_owned(),
            wallets_header: "X-Auth-Wallets".to_owned(),
            claims_header: false,
            claims_header_name: "X-Auth-Claims".to_owned(),
            max_header_bytes: 4096,
        }
    }
}
