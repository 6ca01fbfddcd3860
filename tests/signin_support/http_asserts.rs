//! What the HTTP sign-in tests share: the wallets, the exact refusal and session checks.
#![allow(dead_code)]

use reqwest::StatusCode;
use serde_json::{Value, json};

use super::{SCALAR_ONE, decode_jwt, now, refusal};

/// The wallet signing in, and another one.
pub const ALICE: [u8; 32] = SCALAR_ONE;
pub const MALLORY: [u8; 32] = [0x42; 32];
pub const SOL_SEED: [u8; 32] = [9; 32];

/// A refusal, exactly: status, `error` and `error_description`.
pub async fn assert_refused(
    res: reqwest::Response,
    status: StatusCode,
    code: &str,
    description: &str,
) {
    assert_eq!(
        refusal(res).await,
        (status, code.to_owned(), description.to_owned())
    );
}

pub const INVALID_NONCE: &str = "the nonce is unknown, expired or already used";
pub const ANOTHER_ACCOUNT: &str = "the signature does not match the message's account: signed by \
                               another account (a contract wallet needs an RPC for its chain)";

/// The `/me` answer for a session whose claims are `claims`.
pub fn expected_me(claims: &Value, chain: &str) -> Value {
    json!({
        "provider": "signin",
        "user_id": claims["sub"],
        "email": null,
        "wallets": [{"chain": chain, "address": claims["address"], "public_key": null}],
        "claims": claims,
    })
}

/// A 200 sign-in answer: its exact members, and the token's claims and header.
pub async fn session_of(res: reqwest::Response, account: &str, ttl: i64) -> (String, Value, Value) {
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["cache-control"], "no-store");
    let body: Value = res.json().await.unwrap();
    let token = body["token"].as_str().unwrap().to_owned();
    let (header, claims) = decode_jwt(&token);
    let iat = claims["iat"].as_i64().unwrap();
    assert!((iat - now()).abs() <= 2, "iat {iat}");
    assert_eq!(
        body,
        json!({
            "token": token,
            "token_type": "Bearer",
            "expires_at": iat + ttl,
            "account": account,
        })
    );
    (token, header, claims)
}
