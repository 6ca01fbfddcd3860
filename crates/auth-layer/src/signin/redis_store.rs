//! The Redis store (`[signin] store = "redis://host:port/db"` or `rediss://…`): every replica
//! shares the nonces, and learns every logout without a round trip per request.
//!
//! | what | Redis |
//! |---|---|
//! | issue a nonce | `SET wallet-auth:nonce:<nonce> 1 NX EX <ttl>` |
//! | is it live | `EXISTS wallet-auth:nonce:<nonce>` |
//! | consume it | `GETDEL wallet-auth:nonce:<nonce>` (one atomic step: one caller gets the value) |
//! | revoke a session | `SET wallet-auth:revoked:<sid> <exp> EX <exp − now, ≥ 1>`, `ZADD wallet-auth:revoked-sessions <exp> <sid>` (and `ZREMRANGEBYSCORE … -inf <now>`: expired ones leave), then `PUBLISH wallet-auth:revocations "<sid> <exp>"` |
//!
//! The verifier never asks Redis: it reads this process's [`RevocationList`]. A task of its own
//! (so that no dropped request can stall it) `SUBSCRIBE`s to `wallet-auth:revocations` and inserts
//! every message into that list; on every (re)connection it first subscribes, then reloads every
//! live revocation from the sorted set `wallet-auth:revoked-sessions` (`ZRANGEBYSCORE <now> +inf`,
//! in pages of [`RELOAD_PAGE`]; only live revocations are in it, so the reload reads exactly
//! them, however many nonces share the keyspace), so that a replica that was cut off catches up
//! on the logouts it missed; a reload that fails is an error, never a partial list. Subscribing before the reload leaves no gap: a logout published during the reload
//! arrives as a message too (twice is harmless).
//!
//! Every Redis error, and every command that takes longer than [`COMMAND_TIMEOUT`] (a hung
//! server, a reconnection in progress), is a [`StoreError`]: 503 with `Retry-After` at the routes,
//! never "invalid nonce" and never a session. The connection is a [`redis::aio::ConnectionManager`]:
//! after an outage it reconnects by itself.
//!
//! Needs Redis ≥ 6.2 (`GETDEL`); [`RedisStore::connect`] checks it.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use futures_util::future::BoxFuture;
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::{Client, Cmd, IntoConnectionInfo as _, Value};

use super::nonce_store::{SigninStore, StoreError};
pub use super::revocation_feed::RELOAD_PAGE;
use super::revocation_feed::{keep_subscribed, subscribe_and_reload};
use super::revocation_list::RevocationList;

/// The prefix of every key and channel this store uses.
pub const KEY_PREFIX: &str = "wallet-auth:";
const NONCE_PREFIX: &str = "wallet-auth:nonce:";
const REVOKED_PREFIX: &str = "wallet-auth:revoked:";
/// The sorted set of live revocations: member the session id, score its expiry.
pub(super) const REVOKED_SET: &str = "wallet-auth:revoked-sessions";
/// The channel revocations are published on (`<sid> <exp>`).
pub const REVOCATIONS_CHANNEL: &str = "wallet-auth:revocations";

/// The longest one Redis command (or one connection attempt) may take before the request is
/// answered 503.
pub const COMMAND_TIMEOUT: Duration = Duration::from_secs(2);
/// The longest [`RedisStore::connect`] waits for the first connection.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// The Redis store: nonces and revocations shared by every replica using the same Redis.
///
/// Build it with [`RedisStore::connect`] (inside a Tokio runtime); dropping it stops its
/// subscription task.
pub struct RedisStore {
    manager: ConnectionManager,
    revoked: RevocationList,
    /// `host:port/db`, never the password.
    address: String,
    subscribed: Arc<AtomicBool>,
    subscriber: tokio::task::AbortHandle,
}

impl std::fmt::Debug for RedisStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisStore")
            .field("address", &self.address)
            .field("subscribed", &self.is_subscribed())
            .finish_non_exhaustive()
    }
}

impl Drop for RedisStore {
    fn drop(&mut self) {
        self.subscriber.abort();
    }
}

/// Check that `url` is a Redis URL this store accepts (`redis://` or `rediss://`, no
/// `#insecure`), without connecting. The error never repeats a password.
pub fn check_url(url: &str) -> Result<(), String> {
    if !(url.starts_with("redis://") || url.starts_with("rediss://")) {
        return Err(format!(
            "{} is not a redis:// or rediss:// URL",
            redacted(url)
        ));
    }
    if url.contains('#') {
        return Err(format!(
            "{}: a URL fragment (#insecure turns certificate checks off) is refused",
            redacted(url)
        ));
    }
    url.into_connection_info()
        .map(|_| ())
        .map_err(|e| format!("{} is not a usable Redis URL: {e}", redacted(url)))
}

/// `url` with its user and password (`user:password@`) replaced by `***@`.
pub(crate) fn redacted(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let (scheme, _) = url.split_at(scheme_end + 3);
            let (_, rest) = url.split_at(at);
            format!("{scheme}***{rest}")
        }
        _ => url.to_owned(),
    }
}

impl RedisStore {
    /// Connect to the Redis of `url` (`redis://host:port/db`, `rediss://…` for TLS), check that
    /// it answers `GETDEL` (Redis ≥ 6.2), subscribe to the revocations and load the current ones
    /// into `revoked`, then keep that subscription in a task of its own.
    ///
    /// Must run inside a Tokio runtime (the connection and the subscription live there).
    pub async fn connect(url: &str, revoked: RevocationList) -> Result<Self, StoreError> {
        check_url(url).map_err(StoreError)?;
        let client = Client::open(url)
            .map_err(|e| StoreError(format!("{} is not a usable Redis URL: {e}", redacted(url))))?;
        let info = client.get_connection_info();
        let address = format!("{}/{}", info.addr(), info.redis_settings().db());
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(COMMAND_TIMEOUT))
            .set_response_timeout(Some(COMMAND_TIMEOUT))
            .set_min_delay(Duration::from_millis(100))
            .set_max_delay(Duration::from_secs(1))
            .set_number_of_retries(5);
        // The first connection retries a few times (about 3 s) before giving up with the cause.
        let manager = bounded(
            "connect",
            CONNECT_TIMEOUT,
            true,
            ConnectionManager::new_with_config(client.clone(), config),
        )
        .await
        .map_err(|e| StoreError(format!("{address}: {}", e.0)))?;
        // GETDEL is Redis 6.2: refuse an older server at start-up rather than at the first sign-in.
        let probe = format!("{KEY_PREFIX}probe");
        let mut connection = manager.clone();
        bounded(
            "GETDEL",
            COMMAND_TIMEOUT,
            true,
            redis::cmd("GETDEL")
                .arg(&probe)
                .query_async::<Value>(&mut connection),
        )
        .await
        .map_err(|e| StoreError(format!("{address}: {} (Redis ≥ 6.2 is needed)", e.0)))?;
        let pubsub = subscribe_and_reload(&client, &manager, &revoked)
            .await
            .map_err(|e| StoreError(format!("{address}: {}", e.0)))?;
        let subscribed = Arc::new(AtomicBool::new(true));
        let task = tokio::spawn(keep_subscribed(
            pubsub,
            client,
            manager.clone(),
            revoked.clone(),
            subscribed.clone(),
        ));
        Ok(RedisStore {
            manager,
            revoked,
            address,
            subscribed,
            subscriber: task.abort_handle(),
        })
    }

    /// True while the revocation subscription is up (this replica hears other replicas' logouts
    /// as they happen); false while it reconnects (it catches up once reconnected). For health
    /// checks.
    pub fn is_subscribed(&self) -> bool {
        self.subscribed.load(Ordering::Relaxed)
    }

    /// `host:port/db` of the server (never the password).
    pub fn address(&self) -> &str {
        &self.address
    }
}

impl SigninStore for RedisStore {
    fn issue_nonce<'a>(
        &'a self,
        nonce: &'a str,
        ttl: Duration,
    ) -> BoxFuture<'a, Result<(), StoreError>> {
        Box::pin(async move {
            let key = format!("{NONCE_PREFIX}{nonce}");
            let answer = query(
                &self.manager,
                "SET",
                redis::cmd("SET")
                    .arg(&key)
                    .arg(1)
                    .arg("NX")
                    .arg("EX")
                    .arg(secs(ttl).max(1)),
            )
            .await?;
            match answer {
                Value::Okay => Ok(()),
                Value::SimpleString(s) if s.eq_ignore_ascii_case("OK") => Ok(()),
                // NX refused: the nonce already exists (128 random bits: never in practice).
                // Never hand out a nonce that this call did not store.
                Value::Nil => Err(StoreError("the nonce already exists".into())),
                other => Err(unexpected("SET", &other)),
            }
        })
    }

    fn nonce_is_live<'a>(&'a self, nonce: &'a str) -> BoxFuture<'a, Result<bool, StoreError>> {
        Box::pin(async move {
            let key = format!("{NONCE_PREFIX}{nonce}");
            match query(&self.manager, "EXISTS", redis::cmd("EXISTS").arg(&key)).await? {
                Value::Int(n) => Ok(n > 0),
                Value::Boolean(b) => Ok(b),
                other => Err(unexpected("EXISTS", &other)),
            }
        })
    }

    fn consume_nonce<'a>(&'a self, nonce: &'a str) -> BoxFuture<'a, Result<bool, StoreError>> {
        Box::pin(async move {
            let key = format!("{NONCE_PREFIX}{nonce}");
            // One atomic step: of N concurrent GETDELs of a live key exactly one gets the value.
            match query(&self.manager, "GETDEL", redis::cmd("GETDEL").arg(&key)).await? {
                Value::Nil => Ok(false),
                Value::BulkString(_) | Value::SimpleString(_) | Value::Int(_) => Ok(true),
                other => Err(unexpected("GETDEL", &other)),
            }
        })
    }

    fn revoke<'a>(
        &'a self,
        sid: &'a str,
        expires_at: i64,
    ) -> BoxFuture<'a, Result<(), StoreError>> {
        Box::pin(async move {
            // This replica refuses the session at once, whatever Redis answers. A failure is a
            // 503: the client logs out again, and a logout verifies the session's signature
            // and lifetime only (not whether it is revoked), so the retry reaches Redis.
            self.revoked.insert(sid, expires_at);
            let ttl = expires_at.saturating_sub(claims_core::now()).max(1);
            let key = format!("{REVOKED_PREFIX}{sid}");
            match query(
                &self.manager,
                "SET",
                redis::cmd("SET")
                    .arg(&key)
                    .arg(expires_at)
                    .arg("EX")
                    .arg(ttl),
            )
            .await?
            {
                Value::Okay => {}
                Value::SimpleString(s) if s.eq_ignore_ascii_case("OK") => {}
                other => return Err(unexpected("SET", &other)),
            }
            // The set a reloading replica reads: only live revocations stay in it.
            match query(
                &self.manager,
                "ZADD",
                redis::cmd("ZADD").arg(REVOKED_SET).arg(expires_at).arg(sid),
            )
            .await?
            {
                Value::Int(_) => {}
                other => return Err(unexpected("ZADD", &other)),
            }
            match query(
                &self.manager,
                "ZREMRANGEBYSCORE",
                redis::cmd("ZREMRANGEBYSCORE")
                    .arg(REVOKED_SET)
                    .arg("-inf")
                    .arg(claims_core::now()),
            )
            .await?
            {
                Value::Int(_) => {}
                other => return Err(unexpected("ZREMRANGEBYSCORE", &other)),
            }
            match query(
                &self.manager,
                "PUBLISH",
                redis::cmd("PUBLISH")
                    .arg(REVOCATIONS_CHANNEL)
                    .arg(format!("{sid} {expires_at}")),
            )
            .await?
            {
                Value::Int(_) => Ok(()),
                other => Err(unexpected("PUBLISH", &other)),
            }
        })
    }
}

/// `future`, or a [`StoreError`] after [`COMMAND_TIMEOUT`]. The error's text (sent to clients
/// in 503s) names the command, not the server's words; those are logged.
pub(super) async fn within<T>(
    what: &str,
    future: impl Future<Output = redis::RedisResult<T>>,
) -> Result<T, StoreError> {
    bounded(what, COMMAND_TIMEOUT, false, future).await
}

/// `future` within `limit`; `detailed`: the error's text includes Redis's (start-up errors,
/// read by the operator).
async fn bounded<T>(
    what: &str,
    limit: Duration,
    detailed: bool,
    future: impl Future<Output = redis::RedisResult<T>>,
) -> Result<T, StoreError> {
    match tokio::time::timeout(limit, future).await {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(e)) => {
            tracing::warn!(error = %e, command = what, "sign-in store: Redis failed");
            Err(StoreError(if detailed {
                format!("Redis {what} failed: {e}")
            } else {
                format!("Redis {what} failed ({:?})", e.kind())
            }))
        }
        Err(_) => {
            tracing::warn!(
                command = what,
                "sign-in store: Redis did not answer in time"
            );
            Err(StoreError(format!(
                "Redis {what} did not answer within {} s",
                limit.as_secs()
            )))
        }
    }
}

/// Run `cmd` on `manager` within [`COMMAND_TIMEOUT`]; a server error is a [`StoreError`].
pub(super) async fn query(
    manager: &ConnectionManager,
    what: &str,
    cmd: &Cmd,
) -> Result<Value, StoreError> {
    let mut connection = manager.clone();
    within(what, cmd.query_async::<Value>(&mut connection)).await
}

fn unexpected(what: &str, answer: &Value) -> StoreError {
    tracing::warn!(command = what, answer = ?answer, "sign-in store: unexpected Redis answer");
    StoreError(format!("Redis {what} gave an unexpected answer"))
}

fn secs(duration: Duration) -> i64 {
    i64::try_from(duration.as_secs()).unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn urls() {
        assert!(check_url("redis://127.0.0.1:6379/0").is_ok());
        assert!(check_url("redis://localhost").is_ok());
        assert!(check_url("rediss://cache.example.com:6380/2").is_ok());
        assert!(check_url("redis://:secret@127.0.0.1:6379/0").is_ok());
        let err = check_url("rediss://u:secret@cache.example.com/0#insecure").unwrap_err();
        assert!(err.contains("#insecure"), "{err}");
        assert!(!err.contains("secret"), "{err}");
        let err = check_url("redis://u:secret@127.0.0.1:6379/notanumber").unwrap_err();
        assert!(!err.contains("secret"), "{err}");
        assert!(check_url("memcached://127.0.0.1").is_err());
        assert!(check_url("redis+unix:///tmp/redis.sock").is_err());
    }

    #[test]
    fn redaction() {
        assert_eq!(redacted("redis://user:pw@host:1/0"), "redis://***@host:1/0");
        assert_eq!(redacted("redis://host:1/0"), "redis://host:1/0");
        assert_eq!(redacted("nonsense@x"), "nonsense@x");
    }
}
