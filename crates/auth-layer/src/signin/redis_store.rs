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

use futures_util::StreamExt as _;
use futures_util::future::BoxFuture;
use redis::aio::{ConnectionManager, ConnectionManagerConfig, PubSub};
use redis::{Client, Cmd, IntoConnectionInfo as _, Value};

use super::nonce_store::{SigninStore, StoreError};
use super::revocation_list::RevocationList;

/// The prefix of every key and channel this store uses.
pub const KEY_PREFIX: &str = "wallet-auth:";
const NONCE_PREFIX: &str = "wallet-auth:nonce:";
const REVOKED_PREFIX: &str = "wallet-auth:revoked:";
/// The sorted set of live revocations: member the session id, score its expiry.
const REVOKED_SET: &str = "wallet-auth:revoked-sessions";
/// The channel revocations are published on (`<sid> <exp>`).
pub const REVOCATIONS_CHANNEL: &str = "wallet-auth:revocations";

/// The longest one Redis command (or one connection attempt) may take before the request is
/// answered 503.
pub const COMMAND_TIMEOUT: Duration = Duration::from_secs(2);
/// The longest [`RedisStore::connect`] waits for the first connection.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Revocations read per `ZRANGEBYSCORE` page when reloading.
pub const RELOAD_PAGE: usize = 10_000;
/// How often the subscription is checked with a `PING` (a server that stopped answering without
/// closing the connection).
const SUBSCRIPTION_PING_INTERVAL: Duration = Duration::from_secs(5);
/// The first and the longest wait between two attempts to subscribe again.
const RESUBSCRIBE_MIN_DELAY: Duration = Duration::from_millis(100);
const RESUBSCRIBE_MAX_DELAY: Duration = Duration::from_secs(1);
/// The longest session id accepted from a message or a key.
const MAX_SID_LEN: usize = 128;

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
async fn within<T>(
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
async fn query(manager: &ConnectionManager, what: &str, cmd: &Cmd) -> Result<Value, StoreError> {
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

/// Subscribe to [`REVOCATIONS_CHANNEL`], then load every current revocation into `revoked`.
async fn subscribe_and_reload(
    client: &Client,
    manager: &ConnectionManager,
    revoked: &RevocationList,
) -> Result<PubSub, StoreError> {
    let mut pubsub = within("SUBSCRIBE (connect)", client.get_async_pubsub()).await?;
    within("SUBSCRIBE", pubsub.subscribe(REVOCATIONS_CHANNEL)).await?;
    let loaded = reload(manager, revoked).await?;
    tracing::debug!(loaded, "sign-in store: subscribed, revocations reloaded");
    Ok(pubsub)
}

/// Every live revocation of the sorted set, into `revoked`: how many were loaded. All or an
/// error: a replica must not serve with part of the logouts.
async fn reload(
    manager: &ConnectionManager,
    revoked: &RevocationList,
) -> Result<usize, StoreError> {
    let now = claims_core::now();
    let mut loaded = 0usize;
    loop {
        let answer = query(
            manager,
            "ZRANGEBYSCORE",
            redis::cmd("ZRANGEBYSCORE")
                .arg(REVOKED_SET)
                .arg(format!("({now}"))
                .arg("+inf")
                .arg("WITHSCORES")
                .arg("LIMIT")
                .arg(loaded)
                .arg(RELOAD_PAGE),
        )
        .await?;
        let page = scored_members(answer).ok_or_else(|| {
            tracing::warn!("sign-in store: ZRANGEBYSCORE gave an unexpected answer");
            StoreError("Redis ZRANGEBYSCORE gave an unexpected answer".into())
        })?;
        let count = page.len();
        for (sid, expires_at) in page {
            if valid_sid(&sid) {
                revoked.insert(&sid, expires_at);
            }
        }
        loaded = loaded.saturating_add(count);
        if count < RELOAD_PAGE {
            return Ok(loaded);
        }
    }
}

/// A `ZRANGEBYSCORE … WITHSCORES` answer as (member, score) pairs: a flat array (RESP2) or an
/// array of pairs (RESP3). `None` for anything else.
fn scored_members(answer: Value) -> Option<Vec<(String, i64)>> {
    let Value::Array(items) = answer else {
        return None;
    };
    let text = |v: Value| match v {
        Value::BulkString(bytes) => String::from_utf8(bytes).ok(),
        Value::SimpleString(s) => Some(s),
        _ => None,
    };
    let score = |v: Value| match v {
        Value::Double(d) if d.is_finite() => Some(d as i64),
        Value::Int(n) => Some(n),
        other => text(other)?
            .parse::<f64>()
            .ok()
            .filter(|d| d.is_finite())
            .map(|d| d as i64),
    };
    let mut out = Vec::with_capacity(items.len() / 2);
    let mut items = items.into_iter();
    while let Some(first) = items.next() {
        let (member, value) = match first {
            Value::Array(pair) => {
                let mut pair = pair.into_iter();
                (pair.next()?, pair.next()?)
            }
            member => (member, items.next()?),
        };
        out.push((text(member)?, score(value)?));
    }
    Some(out)
}

fn valid_sid(sid: &str) -> bool {
    !sid.is_empty() && sid.len() <= MAX_SID_LEN && sid.bytes().all(|b| b.is_ascii_graphic())
}

/// A revocation message: `<sid> <exp>`.
fn parse_revocation(payload: &[u8]) -> Option<(&str, i64)> {
    let text = std::str::from_utf8(payload).ok()?;
    let (sid, exp) = text.split_once(' ')?;
    let exp = exp.trim().parse::<i64>().ok()?;
    valid_sid(sid).then_some((sid, exp))
}

/// The subscription task: listen on `pubsub` until the connection is lost, then subscribe and
/// reload again (waiting 100 ms, doubling up to 1 s, between attempts), for as long as the
/// store lives.
async fn keep_subscribed(
    pubsub: PubSub,
    client: Client,
    manager: ConnectionManager,
    revoked: RevocationList,
    subscribed: Arc<AtomicBool>,
) {
    let mut pubsub = Some(pubsub);
    let mut delay = RESUBSCRIBE_MIN_DELAY;
    loop {
        let current = match pubsub.take() {
            Some(current) => Ok(current),
            None => subscribe_and_reload(&client, &manager, &revoked).await,
        };
        match current {
            Ok(current) => {
                subscribed.store(true, Ordering::Relaxed);
                delay = RESUBSCRIBE_MIN_DELAY;
                listen(current, &revoked).await;
                subscribed.store(false, Ordering::Relaxed);
                tracing::warn!("sign-in store: the revocation subscription was lost; reconnecting");
            }
            Err(e) => {
                tracing::warn!(error = %e, "sign-in store: cannot subscribe to revocations yet");
            }
        }
        tokio::time::sleep(delay).await;
        delay = delay.saturating_mul(2).min(RESUBSCRIBE_MAX_DELAY);
    }
}

/// Insert every revocation message into `revoked` until the connection ends or stops answering
/// `PING`.
async fn listen(pubsub: PubSub, revoked: &RevocationList) {
    let (mut sink, mut stream) = pubsub.split();
    let mut ping = tokio::time::interval(SUBSCRIPTION_PING_INTERVAL);
    ping.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    // The first tick is immediate: the subscription was just confirmed.
    ping.tick().await;
    loop {
        tokio::select! {
            message = stream.next() => {
                let Some(message) = message else {
                    return;
                };
                if message.get_channel_name() != REVOCATIONS_CHANNEL {
                    continue;
                }
                match parse_revocation(message.get_payload_bytes()) {
                    Some((sid, exp)) => revoked.insert(sid, exp),
                    None => tracing::warn!("sign-in store: ignored a malformed revocation message"),
                }
            }
            _ = ping.tick() => {
                if within("PING", sink.ping::<Value>()).await.is_err() {
                    return;
                }
            }
        }
    }
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

    #[test]
    fn revocation_messages() {
        assert_eq!(parse_revocation(b"abc 17"), Some(("abc", 17)));
        assert_eq!(parse_revocation(b"abc"), None);
        assert_eq!(parse_revocation(b" 17"), None);
        assert_eq!(parse_revocation(b"abc x"), None);
        assert_eq!(parse_revocation(&[0xff, b' ', b'1']), None);
        assert_eq!(parse_revocation(&[b'a'; 200]), None);
    }

    #[test]
    fn scored_member_answers() {
        let flat = Value::Array(vec![
            Value::BulkString(b"a".to_vec()),
            Value::BulkString(b"1796485363".to_vec()),
            Value::BulkString(b"b".to_vec()),
            Value::Double(1796485364.0),
        ]);
        assert_eq!(
            scored_members(flat),
            Some(vec![("a".into(), 1796485363), ("b".into(), 1796485364)])
        );
        let pairs = Value::Array(vec![Value::Array(vec![
            Value::BulkString(b"c".to_vec()),
            Value::Double(7.0),
        ])]);
        assert_eq!(scored_members(pairs), Some(vec![("c".into(), 7)]));
        assert_eq!(scored_members(Value::Array(vec![])), Some(vec![]));
        assert_eq!(scored_members(Value::Nil), None);
        assert_eq!(
            scored_members(Value::Array(vec![Value::BulkString(b"odd".to_vec())])),
            None
        );
        assert_eq!(
            scored_members(Value::Array(vec![
                Value::BulkString(b"a".to_vec()),
                Value::BulkString(b"nan".to_vec()),
            ])),
            None
        );
    }
}
