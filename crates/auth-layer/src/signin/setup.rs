//! Building a [`SigninService`] from its `[signin]` table: the rules of each chain family, the
//! store (memory, or Redis connected before the service answers), the contract wallets' RPCs
//! (their chain ids asked once, at start-up) and the verifier of its own sessions.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use aws_lc_rs::rand::SystemRandom;
use claims_core::Policy;
use signin_core::{ChainRef, SigninRules};

use super::{
    ChainRpc, ContractWallets, DEFAULT_MAX_NONCES, Inner, JsonRpc, MemoryStore, RedisStore,
    SessionKeys, SigninService, SigninStore,
};
use crate::config::{ConfigError, JwksConfig};
use crate::key_source::KeySource;
use crate::provider::{ProviderEntry, SigninConfig};
use crate::verifier::Verifier;

impl SigninService {
    /// The service of a `[signin]` table with the in-memory store (`store = "memory"`, the
    /// default), with `leeway_secs` of clock skew (`[jwks]`'s). Refuses, naming the key,
    /// whatever it cannot enforce.
    ///
    /// A Redis store (`store = "redis://…"`) connects, subscribes and loads the current
    /// revocations before the service may answer, which is asynchronous: this refuses it
    /// (naming `signin.store`); use [`SigninService::connect`].
    pub fn from_config(config: &SigninConfig, jwks: &JwksConfig) -> Result<Self, ConfigError> {
        config.validate()?;
        if config.store != "memory" {
            return Err(ConfigError::new(
                "signin.store",
                "a Redis store connects asynchronously: build the service with \
                 SigninService::connect (or AuthConfig::signin_service_connect) inside a Tokio \
                 runtime",
            ));
        }
        if let Some(chain) = config.ethereum.as_ref().and_then(|e| e.rpc.keys().next()) {
            return Err(ConfigError::new(
                format!("signin.ethereum.rpc.{chain}"),
                "each RPC's chain id is checked at start-up, asynchronously: build the service \
                 with SigninService::connect (or AuthConfig::signin_service_connect) inside a \
                 Tokio runtime",
            ));
        }
        Self::with_store(
            config,
            jwks,
            config.session_keys()?,
            Arc::new(Self::memory_store(config)),
        )
    }

    /// The service of a `[signin]` table with the store it names: `"memory"` (default), or
    /// `"redis://host:port/db"` / `"rediss://…"` (shared by every replica using that Redis).
    ///
    /// A Redis store is connected before this returns: the first connection, a `GETDEL` probe
    /// (Redis ≥ 6.2), the subscription to revocations and the load of the current ones, each
    /// within [`COMMAND_TIMEOUT`](super::redis_store::COMMAND_TIMEOUT); any failure is a [`ConfigError`] naming
    /// `signin.store` (start-up fails rather than serving 503s). Later outages are 503s, and the
    /// store reconnects by itself. Must run inside a Tokio runtime.
    ///
    /// Each `[signin.ethereum] rpc` endpoint is asked its `eth_chainId` here, once: a different
    /// chain, or no answer, is a [`ConfigError`] naming `signin.ethereum.rpc.<chain id>`.
    pub async fn connect(config: &SigninConfig, jwks: &JwksConfig) -> Result<Self, ConfigError> {
        config.validate()?;
        // Keys first: a bad key file is reported without touching Redis.
        let keys = config.session_keys()?;
        let store: Arc<dyn SigninStore> = if config.store == "memory" {
            Arc::new(Self::memory_store(config))
        } else {
            let store = RedisStore::connect(&config.store, config.shared.revoked.clone())
                .await
                .map_err(|e| ConfigError::new("signin.store", e.0))?;
            Arc::new(store)
        };
        let service = Self::with_store(config, jwks, keys, store)?;
        service.check_chain_ids().await?;
        Ok(service)
    }

    /// Ask every configured RPC its chain id; refuse one that answers another, or none.
    async fn check_chain_ids(&self) -> Result<(), ConfigError> {
        for (chain, rpc) in self.inner.wallets.rpcs() {
            let field = format!("signin.ethereum.rpc.{chain}");
            match rpc.chain_id().await {
                Ok(id) if id == *chain => {}
                Ok(id) => {
                    return Err(ConfigError::new(
                        field,
                        format!("the endpoint is on chain {id}, not {chain}"),
                    ));
                }
                Err(e) => return Err(ConfigError::new(field, e)),
            }
        }
        Ok(())
    }

    fn memory_store(config: &SigninConfig) -> MemoryStore {
        MemoryStore::new(
            DEFAULT_MAX_NONCES,
            Duration::from_secs(config.nonce_ttl_secs),
            config.shared.revoked.clone(),
        )
    }

    /// [`SigninService::from_config`] with a store of your own.
    /// Chain ids of `[signin.ethereum] rpc` are not checked here ([`SigninService::connect`]
    /// does).
    pub fn with_store(
        config: &SigninConfig,
        jwks: &JwksConfig,
        keys: Arc<SessionKeys>,
        store: Arc<dyn SigninStore>,
    ) -> Result<Self, ConfigError> {
        config.validate()?;
        let leeway_secs = jwks.leeway_secs;
        let mut rpcs: HashMap<u64, Arc<dyn ChainRpc>> = HashMap::new();
        for (chain, url) in config.ethereum.iter().flat_map(|e| &e.rpc) {
            let field = format!("signin.ethereum.rpc.{chain}");
            let id = chain.parse::<u64>().map_err(|_| {
                ConfigError::new(field.clone(), "the key must be a chain id (\"8453\")")
            })?;
            let rpc = JsonRpc::new(url, Duration::from_secs(jwks.timeout_secs), jwks.allow_http)
                .map_err(|e| ConfigError::new(field, e))?;
            rpcs.insert(id, Arc::new(rpc));
        }
        let mut origins = vec![(config.domain.clone(), config.uri.clone())];
        origins.extend(config.shared.more_origins.iter().cloned());
        let rules = |chains: Vec<ChainRef>| {
            let mut rules = SigninRules::new(
                origins.iter().map(|(d, _)| d.clone()),
                config.uri.clone(),
                chains,
            );
            rules.uri_prefixes = origins.iter().map(|(_, u)| u.clone()).collect();
            rules.max_message_age_secs = config.max_message_age_secs;
            rules.leeway_secs = leeway_secs;
            rules
        };
        let ethereum = config.ethereum.as_ref().map(|eth| {
            rules(
                eth.chain_ids
                    .iter()
                    .copied()
                    .map(ChainRef::Eip155)
                    .collect(),
            )
        });
        let solana = config
            .solana
            .as_ref()
            .map(|sol| rules(sol.chain_ids.iter().map(|c| ChainRef::solana(c)).collect()));
        let policy = Policy::signin(config.issuer.clone(), config.audience().to_owned())
            .map_err(|e| ConfigError::new("signin.issuer", e))?;
        // Revocations are checked by `verify_session`, not here: a logout must verify a revoked
        // session too, to retry its write to the store.
        let sessions = Verifier::builder()
            .entry(ProviderEntry::new(
                policy,
                KeySource::ByKid(keys.verifying_keys()),
            ))
            .token_cache(false)
            .build()
            .map_err(|e| ConfigError::new("signin", e))?;
        Ok(SigninService {
            inner: Arc::new(Inner {
                ethereum,
                solana,
                store,
                keys,
                wallets: ContractWallets::new(rpcs),
                sessions,
                revoked: config.shared.revoked.clone(),
                leeway_secs: i64::try_from(leeway_secs).unwrap_or(i64::MAX),
                issuer: config.issuer.clone(),
                audience: config.audience().to_owned(),
                session_ttl: Duration::from_secs(config.session_ttl_secs),
                nonce_ttl: Duration::from_secs(config.nonce_ttl_secs),
                cookie: config.cookie.clone(),
                rng: SystemRandom::new(),
            }),
        })
    }
}
