//! Parra access tokens: minting them ([`ParraIssuer`]) and the secrets that verify them
//! ([`ParraKeyring`]).
//!
//! Minting follows Parra's documentation exactly: header `{"alg":"HS256","typ":"JWT",
//! "cty":"parra-fpa;v=1"}`; claims `iss` (API key id), `sub` (tenant id), `iat`, `exp` (`iat` +
//! ttl, 3600 s by default), `jti` (`<apiKeyId>-<iat>`), and `grants.identity`. The secret is
//! zeroized on drop and never shown by `Debug`.

use std::collections::HashMap;
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Serialize;
use zeroize::Zeroizing;

use crate::providers::parra::CONTENT_TYPE as PARRA_CONTENT_TYPE;
use crate::verifying_key::VerifyingKey;

/// The default lifetime of a minted Parra token: one hour.
pub const PARRA_DEFAULT_TTL: Duration = Duration::from_secs(3600);

/// Why a Parra token could not be minted, or a key not built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ParraError {
    /// A required value is empty (names it).
    #[error("{0} must not be empty")]
    Empty(&'static str),
    /// The claims could not be encoded (never expected).
    #[error("the token could not be encoded")]
    Encode,
}

/// Mints Parra access tokens for your users.
///
/// ```
/// use claims_core::ParraIssuer;
/// let issuer = ParraIssuer::new("key-id", b"secret".to_vec(), "tenant").unwrap();
/// let response = issuer.token_response("user|42", 1_700_000_000).unwrap();
/// assert_eq!(response.expires_in, 3600);
/// assert!(!format!("{issuer:?}").contains("secret\""));
/// ```
pub struct ParraIssuer {
    api_key_id: String,
    tenant_id: String,
    secret: Zeroizing<Vec<u8>>,
    ttl: Duration,
}

impl std::fmt::Debug for ParraIssuer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ParraIssuer")
            .field("api_key_id", &self.api_key_id)
            .field("tenant_id", &self.tenant_id)
            .field("secret", &"<redacted>")
            .field("ttl", &self.ttl)
            .finish()
    }
}

/// The body the token endpoint answers with: `{"access_token": "...", "expires_in": 3600}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct TokenResponse {
    /// The minted Parra access token.
    pub access_token: String,
    /// Its lifetime in seconds.
    pub expires_in: u64,
}

#[derive(Serialize)]
struct ParraHeader {
    alg: &'static str,
    typ: &'static str,
    cty: &'static str,
}

#[derive(Serialize)]
struct Grants<'a> {
    identity: &'a str,
}

#[derive(Serialize)]
struct MintClaims<'a> {
    iss: &'a str,
    sub: &'a str,
    iat: i64,
    exp: i64,
    jti: String,
    grants: Grants<'a>,
}

impl ParraIssuer {
    /// An issuer for one API key: its id, its secret (the raw bytes of the API Key Secret) and the
    /// tenant id.
    pub fn new(
        api_key_id: impl Into<String>,
        secret: impl Into<Vec<u8>>,
        tenant_id: impl Into<String>,
    ) -> Result<Self, ParraError> {
        let (api_key_id, tenant_id) = (api_key_id.into(), tenant_id.into());
        let secret = Zeroizing::new(secret.into());
        if api_key_id.is_empty() {
            return Err(ParraError::Empty("api_key_id"));
        }
        if tenant_id.is_empty() {
            return Err(ParraError::Empty("tenant_id"));
        }
        if secret.is_empty() {
            return Err(ParraError::Empty("secret"));
        }
        Ok(ParraIssuer {
            api_key_id,
            tenant_id,
            secret,
            ttl: PARRA_DEFAULT_TTL,
        })
    }

    /// Set the token lifetime (default one hour).
    pub fn with_ttl(mut self, ttl: Duration) -> Self {
        self.ttl = ttl;
        self
    }

    /// The API key id (the tokens' `iss`).
    pub fn api_key_id(&self) -> &str {
        &self.api_key_id
    }

    /// The tenant id (the tokens' `sub`).
    pub fn tenant_id(&self) -> &str {
        &self.tenant_id
    }

    /// The token lifetime.
    pub fn ttl(&self) -> Duration {
        self.ttl
    }

    /// Mint an access token for `identity` (your user's id as a string) issued at `now`.
    pub fn issue(&self, identity: &str, now: i64) -> Result<String, ParraError> {
        if identity.is_empty() {
            return Err(ParraError::Empty("identity"));
        }
        let ttl = i64::try_from(self.ttl.as_secs()).unwrap_or(i64::MAX);
        let header = ParraHeader {
            alg: "HS256",
            typ: "JWT",
            cty: PARRA_CONTENT_TYPE,
        };
        let claims = MintClaims {
            iss: &self.api_key_id,
            sub: &self.tenant_id,
            iat: now,
            exp: now.saturating_add(ttl),
            jti: format!("{}-{now}", self.api_key_id),
            grants: Grants { identity },
        };
        let header = serde_json::to_vec(&header).map_err(|_| ParraError::Encode)?;
        let claims = serde_json::to_vec(&claims).map_err(|_| ParraError::Encode)?;
        let mut token = URL_SAFE_NO_PAD.encode(header);
        token.push('.');
        URL_SAFE_NO_PAD.encode_string(claims, &mut token);
        let key = aws_lc_rs::hmac::Key::new(aws_lc_rs::hmac::HMAC_SHA256, &self.secret);
        let tag = aws_lc_rs::hmac::sign(&key, token.as_bytes());
        token.push('.');
        URL_SAFE_NO_PAD.encode_string(tag.as_ref(), &mut token);
        Ok(token)
    }

    /// The token endpoint's answer for `identity` (axum-independent; serialize it as JSON).
    pub fn token_response(&self, identity: &str, now: i64) -> Result<TokenResponse, ParraError> {
        Ok(TokenResponse {
            access_token: self.issue(identity, now)?,
            expires_in: self.ttl.as_secs(),
        })
    }
}

/// The HMAC keys that verify Parra tokens, chosen by the token's `iss` (the API key id).
///
/// Built once from the configured API keys, each prepared for HS256/HS384/HS512 (the crypto
/// library's HMAC keys, which clear their state on drop); `Debug` never shows them.
#[derive(Default)]
pub struct ParraKeyring {
    keys: HashMap<String, VerifyingKey>,
}

impl std::fmt::Debug for ParraKeyring {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ParraKeyring")
            .field("key_ids", &self.keys.keys().collect::<Vec<_>>())
            .finish()
    }
}

impl ParraKeyring {
    /// An empty keyring.
    pub fn new() -> Self {
        Self::default()
    }

    /// Add the secret of API key `id`.
    pub fn insert(&mut self, id: impl Into<String>, secret: &[u8]) -> Result<(), ParraError> {
        let key = VerifyingKey::hmac(secret).map_err(|_| ParraError::Empty("secret"))?;
        self.keys.insert(id.into(), key);
        Ok(())
    }

    /// The key for the API key id `iss`.
    pub fn get(&self, iss: &str) -> Option<&VerifyingKey> {
        self.keys.get(iss)
    }

    /// The number of keys.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// True when no key is configured.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }
}
