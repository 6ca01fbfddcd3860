//! Shared by the tests of tokens that are not plain JWTs: the published vectors, EIP-191 signing
//! with keys generated in the test, and the Magic DID token shape.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    dead_code
)]

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use k256::ecdsa::SigningKey;
use serde_json::{Value, json};
use wallet_auth::claims::{AnyClaims, MagicClaims, Policy, VerifyError};
use wallet_auth::layer::{AuthError, KeySource, Verifier};

pub fn vectors(name: &str) -> Value {
    let path = format!("{}/tests/vectors/{name}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

pub fn magic(client_id: &str, token: &str, now: i64) -> Result<MagicClaims, VerifyError> {
    let policy = Policy::magic(client_id).unwrap();
    let v = policy.verify_opaque_any(token, now)?;
    Ok(v.claims.get::<MagicClaims>().unwrap().clone())
}

/// A DID token: `base64([proof, claim])`, signed by `key` (v 27/28 unless `v` says otherwise).
pub fn did_token(key: &SigningKey, claim: &str, v: Option<u8>) -> String {
    let proof = eip191_hex(key, claim.as_bytes(), v);
    STANDARD.encode(json!([proof, claim]).to_string())
}

pub fn eip191_hex(key: &SigningKey, message: &[u8], v: Option<u8>) -> String {
    let hash = wallet_auth::signin::eip191_hash(message);
    let (sig, rec) = key.sign_prehash_recoverable(&hash).unwrap();
    let mut bytes = sig.to_bytes().to_vec();
    bytes.push(v.unwrap_or(27 + rec.to_byte()));
    format!(
        "0x{}",
        bytes.iter().map(|b| format!("{b:02x}")).collect::<String>()
    )
}

pub fn address(key: &SigningKey) -> String {
    wallet_auth::signin::eip55(&wallet_auth::signin::evm_signature::address_of(
        key.verifying_key(),
    ))
}

pub fn magic_claim(key: &SigningKey, now: i64) -> Value {
    json!({"iat": now, "ext": now + 900, "nbf": now, "iss": format!("did:ethr:{}", address(key)),
        "sub": "user-1", "aud": "did:magic:app", "tid": "t-1", "add": "none"})
}

/// A secp256k1 key from 32 random bytes.
pub fn random_key() -> SigningKey {
    loop {
        let mut bytes = [0u8; 32];
        aws_lc_rs::rand::fill(&mut bytes).unwrap();
        if let Ok(key) = SigningKey::from_bytes(&bytes.into()) {
            return key;
        }
    }
}

pub async fn verifier(policy: Policy) -> Verifier {
    Verifier::builder()
        .provider(policy, KeySource::InScheme)
        .build()
        .unwrap()
}

pub async fn check(verifier: &Verifier, token: &str, now: i64) -> Result<AnyClaims, AuthError> {
    verifier
        .verify_at(token, now)
        .await
        .map(|a| a.claims().clone())
}
