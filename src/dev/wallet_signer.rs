//! **Development only.** Well-known wallet keys that sign Sign-In with Ethereum and Sign In With
//! Solana messages, so that `wallet-auth dev-siwe` / `dev-siws` and the curl lines of `docs/signin.md` can
//! sign in without a wallet.
//!
//! Both keys are fixed and published here: anyone can sign as these accounts. Never fund them,
//! never trust them outside development.

use aws_lc_rs::signature::{Ed25519KeyPair, KeyPair as _};
use k256::ecdsa::SigningKey;
use serde_json::{Value, json};
use time::format_description::well_known::Rfc3339;

use super::DevError;

/// The development Ethereum account's private key (secp256k1).
pub const DEV_SIWE_PRIVATE_KEY: [u8; 32] = [0x5e; 32];
/// The seed of the development Solana key.
pub const DEV_SIWS_SEED: [u8; 32] = [7; 32];

/// What a development sign-in message says.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct DevMessage<'a> {
    /// The domain (`127.0.0.1:3000`).
    pub domain: &'a str,
    /// The URI (`http://127.0.0.1:3000`).
    pub uri: &'a str,
    /// The chain: an EIP-155 id (`1`) or a Solana cluster (`mainnet`).
    pub chain: &'a str,
    /// The nonce from `GET /signin/nonce`.
    pub nonce: &'a str,
    /// Issued at, seconds since the epoch.
    pub issued_at: i64,
}

impl<'a> DevMessage<'a> {
    /// A message for `domain`, `uri`, `chain` and `nonce`, issued at `issued_at`.
    pub fn new(
        domain: &'a str,
        uri: &'a str,
        chain: &'a str,
        nonce: &'a str,
        issued_at: i64,
    ) -> Self {
        DevMessage {
            domain,
            uri,
            chain,
            nonce,
            issued_at,
        }
    }

    fn fields(&self) -> Result<String, DevError> {
        let issued_at = time::OffsetDateTime::from_unix_timestamp(self.issued_at)
            .ok()
            .and_then(|t| t.format(&Rfc3339).ok())
            .ok_or(DevError::Crypto("issued-at time"))?;
        Ok(format!(
            "URI: {}\nVersion: 1\nChain ID: {}\nNonce: {}\nIssued At: {issued_at}",
            self.uri, self.chain, self.nonce
        ))
    }
}

const STATEMENT: &str = "Sign in to the wallet-auth example server (development key).";

fn dev_siwe_key() -> Result<SigningKey, DevError> {
    SigningKey::from_bytes(&DEV_SIWE_PRIVATE_KEY.into())
        .map_err(|_| DevError::Crypto("secp256k1 key"))
}

/// The development Ethereum account's address (EIP-55).
pub fn dev_siwe_address() -> Result<String, DevError> {
    let key = dev_siwe_key()?;
    Ok(signin_core::eip55(&signin_core::evm_signature::address_of(
        key.verifying_key(),
    )))
}

/// The JSON body of `POST /signin/siwe`: an EIP-4361 message by the development Ethereum
/// account and its EIP-191 signature.
pub fn dev_siwe_body(message: &DevMessage<'_>) -> Result<Value, DevError> {
    let key = dev_siwe_key()?;
    let address = signin_core::eip55(&signin_core::evm_signature::address_of(key.verifying_key()));
    let text = format!(
        "{} wants you to sign in with your Ethereum account:\n{address}\n\n{STATEMENT}\n\n{}",
        message.domain,
        message.fields()?
    );
    let signature = dev_eip191_signature(text.as_bytes())?;
    Ok(json!({ "message": text, "signature": signature }))
}

/// The EIP-191 (`personal_sign`) signature of `message` by the development Ethereum account:
/// `0x` and 130 hex digits, `v` 27 or 28.
pub fn dev_eip191_signature(message: &[u8]) -> Result<String, DevError> {
    let key = dev_siwe_key()?;
    let hash = signin_core::eip191_hash(message);
    let (signature, recovery) = key
        .sign_prehash_recoverable(&hash)
        .map_err(|_| DevError::Crypto("secp256k1 signing"))?;
    let mut bytes = signature.to_bytes().to_vec();
    bytes.push(27 + recovery.to_byte());
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    Ok(format!("0x{hex}"))
}

/// The development Solana account's address (base58).
pub fn dev_siws_address() -> Result<String, DevError> {
    let pair = Ed25519KeyPair::from_seed_unchecked(&DEV_SIWS_SEED)
        .map_err(|_| DevError::Crypto("Ed25519 key"))?;
    Ok(bs58::encode(pair.public_key().as_ref()).into_string())
}

/// The JSON body of `POST /signin/siws`: a Sign In With Solana message by the development
/// Solana account and its Ed25519 signature (base58).
pub fn dev_siws_body(message: &DevMessage<'_>) -> Result<Value, DevError> {
    let pair = Ed25519KeyPair::from_seed_unchecked(&DEV_SIWS_SEED)
        .map_err(|_| DevError::Crypto("Ed25519 key"))?;
    let address = bs58::encode(pair.public_key().as_ref()).into_string();
    let text = format!(
        "{} wants you to sign in with your Solana account:\n{address}\n\n{STATEMENT}\n\n{}",
        message.domain,
        message.fields()?
    );
    let signature = pair.sign(text.as_bytes());
    Ok(json!({
        "message": text,
        "signature": bs58::encode(signature.as_ref()).into_string(),
    }))
}
