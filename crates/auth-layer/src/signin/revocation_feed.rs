//! The revocation feed of the Redis store: the task that keeps `SUBSCRIBE`d to
//! [`REVOCATIONS_CHANNEL`] and inserts every logout into this process's [`RevocationList`], and
//! the full reload from the sorted set of live revocations on every (re)connection. It runs on a
//! task of its own, so no dropped request can stall it; dropping the store stops it.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use futures_util::StreamExt as _;
use redis::aio::{ConnectionManager, PubSub};
use redis::{Client, Value};

use super::nonce_store::StoreError;
use super::redis_store::{REVOCATIONS_CHANNEL, REVOKED_SET, query, within};
use super::revocation_list::RevocationList;

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

/// Subscribe to [`REVOCATIONS_CHANNEL`], then load every current revocation into `revoked`.
pub(super) async fn subscribe_and_reload(
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
pub(super) async fn keep_subscribed(
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
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;

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
