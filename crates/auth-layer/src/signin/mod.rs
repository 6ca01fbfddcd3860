//! Wallet sign-in: verify a Sign-In with Ethereum or Sign In With Solana message and its
//! signature, consume its nonce once, and issue a session token that the layer (as the
//! provider `signin`), other replicas and other services (through the published JWKS) accept.
//!
//! The steps of one sign-in, in [`SigninService::sign_in`]:
//! 1. parse the message strictly ([`signin_core`]), keeping the exact bytes received;
//! 2. the binding rules: domain, URI, chain, version, time window;
//! 3. the nonce is one we issued and is still live (looked at, not consumed);
//! 4. the signature, over the exact bytes received;
//! 5. the nonce is consumed, atomically: of N concurrent submissions exactly one goes on;
//! 6. the session token.
//!
//! An outage of the store is [`SigninFailure::Unavailable`] (503), never "invalid".
//!
//! ```
//! use auth_layer::AuthConfig;
//! use auth_layer::signin::{SessionKeys, SigninService};
//!
//! let config = AuthConfig::from_toml_str(r#"
//!     [signin]
//!     domain = "app.example.com"
//!     uri = "https://app.example.com"
//!     issuer = "https://api.example.com"
//!     [signin.ethereum]
//!     chain_ids = [1]
//! "#)?;
//! let table = config.signin.clone().unwrap().with_session_keys(SessionKeys::generate()?);
//! let service = SigninService::from_config(&table, &config.jwks)?;
//! assert_eq!(service.issuer(), "https://api.example.com");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub mod chain_rpc;
mod contract_wallets;
mod nonce_store;
pub mod redis_store;
mod revocation_feed;
mod revocation_list;
#[cfg(feature = "axum")]
mod routes;
mod session_keys;
mod setup;

use std::sync::Arc;
use std::time::Duration;

use aws_lc_rs::rand::{SecureRandom as _, SystemRandom};
use claims_core::SessionClaims;
use serde_json::json;
use signin_core::{ChainRef, EvmSignature, MessageKind, SignInMessage, SigninError, SigninRules};

pub use chain_rpc::{CallOutcome, ChainRpc, JsonRpc, RpcError};
pub use contract_wallets::{ContractWallets, EvmRefusal};
pub use nonce_store::{DEFAULT_MAX_NONCES, MemoryStore, SigninStore, StoreError};
pub use redis_store::RedisStore;
pub use revocation_list::RevocationList;
#[cfg(feature = "axum")]
pub use routes::{MAX_BODY_BYTES, SigninRoutes};
pub use session_keys::{SessionKeyError, SessionKeys};

use crate::config::ConfigError;
use crate::error::AuthError;
use crate::verifier::Verifier;

/// Why a sign-in did not start a session.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SigninFailure {
    /// The request or the message was refused (400 or 401, by [`SigninError::is_bad_request`]).
    #[error(transparent)]
    Refused(#[from] SigninError),
    /// This kind of sign-in is not configured (`[signin.solana]` absent): 404.
    #[error("{0} sign-in is not configured")]
    NotConfigured(&'static str),
    /// The store (or a chain's RPC) could not answer: 503 with `Retry-After`.
    #[error(transparent)]
    Unavailable(#[from] StoreError),
    /// The chain's RPC could not answer (contract wallets): 503 with `Retry-After`.
    #[error(transparent)]
    ChainUnavailable(#[from] RpcError),
    /// Signing the session failed (a broken crypto library): 500.
    #[error("the session could not be signed")]
    Internal,
}

/// A started session.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Session {
    /// The session token (a JWT).
    pub token: String,
    /// When it expires, seconds since the epoch.
    pub expires_at: i64,
    /// The CAIP-10 account id (`eip155:1:0xAb…`).
    pub account: String,
    /// The session id (`sid`).
    pub sid: String,
}

/// Issues nonces and sessions for one `[signin]` configuration. Cheap to clone.
#[derive(Clone, Debug)]
pub struct SigninService {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    ethereum: Option<SigninRules>,
    solana: Option<SigninRules>,
    store: Arc<dyn SigninStore>,
    keys: Arc<SessionKeys>,
    wallets: ContractWallets,
    sessions: Verifier,
    revoked: RevocationList,
    leeway_secs: i64,
    issuer: String,
    audience: String,
    session_ttl: Duration,
    nonce_ttl: Duration,
    cookie: Option<String>,
    rng: SystemRandom,
}

impl SigninService {
    /// `iss` of the sessions.
    pub fn issuer(&self) -> &str {
        &self.inner.issuer
    }

    /// The session keys (their JWKS is [`SessionKeys::jwks`]).
    pub fn keys(&self) -> &SessionKeys {
        &self.inner.keys
    }

    /// The session cookie's name, when configured.
    pub fn cookie(&self) -> Option<&str> {
        self.inner.cookie.as_deref()
    }

    /// 16 random bytes as 32 lower-case hex digits (nonces, session ids).
    fn random_hex(&self) -> Option<String> {
        use std::fmt::Write as _;
        let mut bytes = [0u8; 16];
        self.inner.rng.fill(&mut bytes).ok()?;
        Some(bytes.iter().fold(String::with_capacity(32), |mut out, b| {
            let _ = write!(out, "{b:02x}");
            out
        }))
    }

    /// A fresh nonce (32 alphanumerics) and when it expires, remembered by the store.
    pub async fn nonce(&self) -> Result<(String, i64), StoreError> {
        let nonce = self
            .random_hex()
            .ok_or_else(|| StoreError("no randomness".into()))?;
        self.inner
            .store
            .issue_nonce(&nonce, self.inner.nonce_ttl)
            .await?;
        let ttl = i64::try_from(self.inner.nonce_ttl.as_secs()).unwrap_or(i64::MAX);
        Ok((nonce, claims_core::now().saturating_add(ttl)))
    }

    /// Sign in with `message` and its `signature` (as sent: `0x…` hex for SIWE, base58 or
    /// base64 for SIWS), as of `now`.
    pub async fn sign_in(
        &self,
        kind: MessageKind,
        message: &str,
        signature: &str,
        now: i64,
    ) -> Result<Session, SigninFailure> {
        let inner = &self.inner;
        let (parsed, rules) = match kind {
            MessageKind::Siws => (
                signin_core::parse_siws(message)?,
                inner
                    .solana
                    .as_ref()
                    .ok_or(SigninFailure::NotConfigured("Solana"))?,
            ),
            _ => (
                signin_core::parse_siwe(message)?,
                inner
                    .ethereum
                    .as_ref()
                    .ok_or(SigninFailure::NotConfigured("Ethereum"))?,
            ),
        };
        let decoded = DecodedSignature::decode(kind, signature)?;
        rules.check(&parsed, now)?;
        let nonce = parsed
            .nonce
            .as_deref()
            .ok_or(SigninError::MissingField("Nonce"))?;
        if !inner.store.nonce_is_live(nonce).await? {
            return Err(SigninError::Nonce.into());
        }
        self.check_signature(&parsed, decoded).await?;
        if !inner.store.consume_nonce(nonce).await? {
            return Err(SigninError::Nonce.into());
        }
        self.session(&parsed, now)
    }

    /// The signature over the exact bytes received: ERC-6492's order for Ethereum accounts
    /// (contract wallets on chains with an RPC), Ed25519 for Solana.
    async fn check_signature(
        &self,
        message: &SignInMessage,
        signature: DecodedSignature,
    ) -> Result<(), SigninFailure> {
        match signature {
            DecodedSignature::Evm(sig) => {
                let (Some(address), Some(ChainRef::Eip155(chain))) =
                    (evm_address(message), message.chain.as_ref())
                else {
                    return Err(
                        SigninError::Malformed("no Ethereum address or chain".into()).into(),
                    );
                };
                self.inner
                    .wallets
                    .verify(*chain, &address, message.raw.as_bytes(), sig.as_bytes())
                    .await
                    .map_err(|refusal| match refusal {
                        EvmRefusal::Unavailable(e) => SigninFailure::ChainUnavailable(e),
                        EvmRefusal::Invalid(e) => SigninFailure::Refused(e),
                    })
            }
            DecodedSignature::Solana(sig) => {
                signin_core::verify_solana(message.raw.as_bytes(), &message.address, &sig)
                    .map_err(|e| SigninFailure::Refused(e.into()))
            }
        }
    }

    fn session(&self, message: &SignInMessage, now: i64) -> Result<Session, SigninFailure> {
        let inner = &self.inner;
        let chain = message
            .chain
            .as_ref()
            .ok_or(SigninError::MissingField("Chain ID"))?;
        // One account, one id: an Ethereum address in its EIP-55 form whatever case was signed.
        let address = match evm_address(message) {
            Some(bytes) if message.kind == MessageKind::Siwe => signin_core::eip55(&bytes),
            _ => message.address.clone(),
        };
        let account = format!("{}:{}", chain.caip2(), address);
        let sid = self.random_hex().ok_or(SigninFailure::Internal)?;
        let ttl = i64::try_from(inner.session_ttl.as_secs()).unwrap_or(i64::MAX);
        let expires_at = now.saturating_add(ttl);
        let claims = json!({
            "iss": inner.issuer,
            "aud": inner.audience,
            "sub": account,
            "iat": now,
            "exp": expires_at,
            "sid": sid,
            "address": address,
            "chain": chain.caip2(),
        });
        let token = inner
            .keys
            .sign(&claims)
            .map_err(|_| SigninFailure::Internal)?;
        Ok(Session {
            token,
            expires_at,
            account,
            sid,
        })
    }

    /// Verify a session token of ours (not revoked).
    pub async fn verify_session(&self, token: &str) -> Result<Arc<SessionClaims>, AuthError> {
        let claims = self.signed_session(token).await?;
        if claims
            .sid
            .as_deref()
            .is_none_or(|sid| self.inner.revoked.contains(sid))
        {
            return Err(AuthError::Revoked);
        }
        Ok(claims)
    }

    /// A session token of ours, revoked or not.
    async fn signed_session(&self, token: &str) -> Result<Arc<SessionClaims>, AuthError> {
        let auth = self.inner.sessions.verify(token).await?;
        auth.claims_as::<SessionClaims>()
            .ok_or(AuthError::Unreadable)
    }

    /// Revoke the session `token` (its signature and lifetime verified first): every verifier
    /// sharing this configuration's revocations refuses it from now on. Idempotent: a session
    /// already revoked is revoked again (a logout retried after a store outage reaches the
    /// store this time).
    pub async fn logout(&self, token: &str) -> Result<(), LogoutFailure> {
        let claims = self
            .signed_session(token)
            .await
            .map_err(LogoutFailure::Token)?;
        let (Some(sid), Some(exp)) = (claims.sid.as_deref(), claims.exp) else {
            return Err(LogoutFailure::Token(AuthError::Unreadable));
        };
        // Verifiers accept a token until `exp` + leeway: the revocation must outlive that.
        let until = exp.0.saturating_add(self.inner.leeway_secs);
        self.inner
            .store
            .revoke(sid, until)
            .await
            .map_err(LogoutFailure::Unavailable)
    }
}

impl crate::AuthConfig {
    /// The sign-in service of `[signin]`, when configured (sharing its revocations with the
    /// verifiers built from this configuration). The in-memory store only: a Redis store needs
    /// [`AuthConfig::signin_service_connect`](crate::AuthConfig::signin_service_connect).
    pub fn signin_service(&self) -> Result<Option<SigninService>, ConfigError> {
        self.signin
            .as_ref()
            .map(|table| SigninService::from_config(table, &self.jwks))
            .transpose()
    }

    /// [`AuthConfig::signin_service`](crate::AuthConfig::signin_service) for every store,
    /// Redis included ([`SigninService::connect`]): async, inside a Tokio runtime.
    pub async fn signin_service_connect(&self) -> Result<Option<SigninService>, ConfigError> {
        match &self.signin {
            Some(table) => SigninService::connect(table, &self.jwks).await.map(Some),
            None => Ok(None),
        }
    }
}

/// Why a logout failed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum LogoutFailure {
    /// Not a valid session token of ours (401).
    #[error(transparent)]
    Token(AuthError),
    /// The store could not answer (503).
    #[error(transparent)]
    Unavailable(StoreError),
}

/// A signature as sent, decoded before anything else (a bad encoding is a 400).
enum DecodedSignature {
    Evm(EvmSignature),
    Solana([u8; 64]),
}

impl DecodedSignature {
    fn decode(kind: MessageKind, signature: &str) -> Result<Self, SigninError> {
        Ok(match kind {
            MessageKind::Siws => {
                DecodedSignature::Solana(signin_core::decode_solana_signature(signature)?)
            }
            _ => DecodedSignature::Evm(EvmSignature::from_hex(signature)?),
        })
    }
}

/// A SIWE message's address as bytes.
fn evm_address(message: &SignInMessage) -> Option<[u8; 20]> {
    signin_core::evm_signature::parse_address(&message.address)
}
