//! A chain's JSON-RPC endpoint, for contract wallets' signatures: `eth_chainId`, `eth_getCode`
//! and `eth_call`, behind [`ChainRpc`] so tests and other clients can stand in.
//!
//! [`JsonRpc`] keeps one client per endpoint and follows the JWKS fetch rules: one timeout over
//! the whole exchange, a capped body, `https://` unless `allow_http`, no redirects. A revert is an
//! answer (the signature is invalid); a timeout, a transport error, a non-200 status or any other
//! JSON-RPC error is an [`RpcError`] — the sign-in is then 503, never "invalid".

use std::time::Duration;

use futures_util::future::BoxFuture;
use serde_json::{Value, json};

/// The chain could not be asked.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the chain's RPC is unavailable: {0}")]
pub struct RpcError(pub String);

/// What an `eth_call` gave.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum CallOutcome {
    /// The call returned these bytes.
    Returned(Vec<u8>),
    /// The call reverted (an answer: the contract refused).
    Reverted,
}

/// One chain's RPC.
pub trait ChainRpc: Send + Sync + std::fmt::Debug {
    /// `eth_chainId`.
    fn chain_id(&self) -> BoxFuture<'_, Result<u64, RpcError>>;
    /// True when `address` has code (`eth_getCode` at `latest` is not empty).
    fn has_code<'a>(&'a self, address: &'a [u8; 20]) -> BoxFuture<'a, Result<bool, RpcError>>;
    /// `eth_call` at `latest` of `data`, to `to` (none: a contract creation).
    fn call<'a>(
        &'a self,
        to: Option<&'a [u8; 20]>,
        data: &'a [u8],
    ) -> BoxFuture<'a, Result<CallOutcome, RpcError>>;
}

/// The gas an `eth_call` may use (10 M: a smart wallet's deployment and check fit well within).
const CALL_GAS: &str = "0x989680";

/// The largest JSON-RPC answer read (1 MiB).
const MAX_BODY_BYTES: usize = 1024 * 1024;

/// A JSON-RPC endpoint over HTTP(S).
#[derive(Debug, Clone)]
pub struct JsonRpc {
    url: String,
    client: reqwest::Client,
}

impl JsonRpc {
    /// A client for `url`, with `timeout` over each exchange; `http://` only with `allow_http`.
    pub fn new(url: &str, timeout: Duration, allow_http: bool) -> Result<Self, String> {
        let https = url
            .get(..8)
            .is_some_and(|s| s.eq_ignore_ascii_case("https://"));
        let http = url
            .get(..7)
            .is_some_and(|s| s.eq_ignore_ascii_case("http://"));
        if !(https || (http && allow_http)) {
            return Err(format!(
                "{url:?} is not https:// (set jwks.allow_http = true for loopback tests)"
            ));
        }
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(timeout)
            .https_only(!allow_http)
            .user_agent(concat!("auth-layer/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| e.to_string())?;
        Ok(JsonRpc {
            url: url.to_owned(),
            client,
        })
    }

    /// The endpoint.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// One JSON-RPC exchange: the `result`, or the error object.
    async fn request(&self, method: &str, params: Value) -> Result<Result<Value, Value>, RpcError> {
        let body = json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params});
        let mut response = self
            .client
            .post(&self.url)
            .json(&body)
            .send()
            .await
            .map_err(transport)?;
        let status = response.status();
        if status != reqwest::StatusCode::OK {
            return Err(RpcError(format!(
                "{method}: HTTP status {}",
                status.as_u16()
            )));
        }
        if response
            .content_length()
            .is_some_and(|len| len > MAX_BODY_BYTES as u64)
        {
            return Err(RpcError(format!(
                "{method}: answer over {MAX_BODY_BYTES} bytes"
            )));
        }
        let mut bytes = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(transport)? {
            if bytes.len().saturating_add(chunk.len()) > MAX_BODY_BYTES {
                return Err(RpcError(format!(
                    "{method}: answer over {MAX_BODY_BYTES} bytes"
                )));
            }
            bytes.extend_from_slice(&chunk);
        }
        let mut answer: Value = serde_json::from_slice(&bytes)
            .map_err(|_| RpcError(format!("{method}: the answer is not JSON")))?;
        match (
            answer.get_mut("result").map(Value::take),
            answer.get_mut("error").map(Value::take),
        ) {
            (_, Some(error)) if !error.is_null() => Ok(Err(error)),
            (Some(result), _) => Ok(Ok(result)),
            _ => Err(RpcError(format!("{method}: neither result nor error"))),
        }
    }

    async fn call_inner(
        &self,
        to: Option<&[u8; 20]>,
        data: &[u8],
    ) -> Result<CallOutcome, RpcError> {
        // A gas cap: a 6492 signature makes the node run a factory call of the sender's choosing.
        let mut tx = json!({ "data": hex0x(data), "gas": CALL_GAS });
        if let (Some(to), Some(obj)) = (to, tx.as_object_mut()) {
            obj.insert("to".into(), hex0x(to).into());
        }
        match self.request("eth_call", json!([tx, "latest"])).await? {
            Ok(result) => result
                .as_str()
                .and_then(from_hex0x)
                .map(CallOutcome::Returned)
                .ok_or_else(|| RpcError("eth_call: the result is not hex".into())),
            Err(error) if is_revert(&error) => Ok(CallOutcome::Reverted),
            Err(error) => Err(RpcError(format!("eth_call: {}", short(&error)))),
        }
    }
}

impl ChainRpc for JsonRpc {
    fn chain_id(&self) -> BoxFuture<'_, Result<u64, RpcError>> {
        Box::pin(async move {
            match self.request("eth_chainId", json!([])).await? {
                Ok(result) => result
                    .as_str()
                    .and_then(|s| s.strip_prefix("0x"))
                    .and_then(|s| u64::from_str_radix(s, 16).ok())
                    .ok_or_else(|| RpcError("eth_chainId: not a hex quantity".into())),
                Err(error) => Err(RpcError(format!("eth_chainId: {}", short(&error)))),
            }
        })
    }

    fn has_code<'a>(&'a self, address: &'a [u8; 20]) -> BoxFuture<'a, Result<bool, RpcError>> {
        Box::pin(async move {
            match self
                .request("eth_getCode", json!([hex0x(address), "latest"]))
                .await?
            {
                Ok(result) => result
                    .as_str()
                    .and_then(from_hex0x)
                    .map(|code| !code.is_empty())
                    .ok_or_else(|| RpcError("eth_getCode: the result is not hex".into())),
                Err(error) => Err(RpcError(format!("eth_getCode: {}", short(&error)))),
            }
        })
    }

    fn call<'a>(
        &'a self,
        to: Option<&'a [u8; 20]>,
        data: &'a [u8],
    ) -> BoxFuture<'a, Result<CallOutcome, RpcError>> {
        Box::pin(self.call_inner(to, data))
    }
}

/// A JSON-RPC error that says the call reverted (geth, anvil, erigon: code 3 or a message
/// naming the revert).
fn is_revert(error: &Value) -> bool {
    error.get("code").and_then(Value::as_i64) == Some(3)
        || error
            .get("message")
            .and_then(Value::as_str)
            .is_some_and(|m| m.to_ascii_lowercase().contains("revert"))
}

/// An error object's code and message, shortened for a log line.
fn short(error: &Value) -> String {
    let code = error
        .get("code")
        .and_then(Value::as_i64)
        .unwrap_or_default();
    let message = error.get("message").and_then(Value::as_str).unwrap_or("");
    let message: String = message.chars().take(120).collect();
    format!("error {code}: {message}")
}

/// A transport failure, without the endpoint's URL (it may carry an API key).
fn transport(e: reqwest::Error) -> RpcError {
    if e.is_timeout() {
        return RpcError("timed out".to_owned());
    }
    let e = e.without_url();
    let mut out = e.to_string();
    let mut source = std::error::Error::source(&e);
    while let Some(s) = source {
        out.push_str(": ");
        out.push_str(&s.to_string());
        source = s.source();
    }
    RpcError(out)
}

fn hex0x(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    let mut out = String::with_capacity(2 + bytes.len().saturating_mul(2));
    out.push_str("0x");
    for b in bytes {
        let _ = write!(out, "{b:02x}");
    }
    out
}

fn from_hex0x(text: &str) -> Option<Vec<u8>> {
    let digits = text.strip_prefix("0x")?;
    if digits.len() % 2 != 0 {
        return None;
    }
    (0..digits.len())
        .step_by(2)
        .map(|i| {
            digits
                .get(i..i + 2)
                .and_then(|d| u8::from_str_radix(d, 16).ok())
        })
        .collect()
}
