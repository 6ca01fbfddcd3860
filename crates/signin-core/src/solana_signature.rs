//! Step 3 (Solana): Ed25519 signatures over the raw message bytes.
//!
//! A signature is 64 bytes, sent as base58 (as Solana tools write it) or base64 (standard or
//! URL-safe alphabet, padding optional). A string in the base58 alphabet that decodes to 64 bytes
//! is taken as base58; anything else is tried as base64. The account is base58 of a 32-byte
//! Ed25519 public key; the signature is checked with aws-lc-rs over the exact message bytes.

use aws_lc_rs::signature::{ED25519, UnparsedPublicKey};
use base64::Engine as _;
use base64::alphabet;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};

use crate::error::SignatureError;

/// No encoding of 64 bytes is longer (base64 with padding: 88 characters).
const MAX_ENCODED_LEN: usize = 128;

/// Decoding config: padding optional.
const PADDING_OPTIONAL: GeneralPurposeConfig =
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent);

/// Standard base64, padding optional.
const STANDARD: GeneralPurpose = GeneralPurpose::new(&alphabet::STANDARD, PADDING_OPTIONAL);

/// URL-safe base64, padding optional.
const URL_SAFE: GeneralPurpose = GeneralPurpose::new(&alphabet::URL_SAFE, PADDING_OPTIONAL);

/// Decode a signature sent as base58 or base64 of 64 bytes. Anything else (empty, too long,
/// another alphabet, another length) is an encoding error.
pub fn decode_solana_signature(text: &str) -> Result<[u8; 64], SignatureError> {
    if text.is_empty() {
        return Err(SignatureError::Encoding("the signature is empty"));
    }
    if text.len() > MAX_ENCODED_LEN {
        return Err(SignatureError::Encoding(
            "the signature is too long for 64 bytes",
        ));
    }
    let sixty_four = |bytes: Vec<u8>| <[u8; 64]>::try_from(bytes).ok();
    if let Some(signature) = bs58::decode(text).into_vec().ok().and_then(sixty_four) {
        return Ok(signature);
    }
    [STANDARD, URL_SAFE]
        .iter()
        .find_map(|engine| engine.decode(text).ok().and_then(sixty_four))
        .ok_or(SignatureError::Encoding(
            "the signature is not base58 or base64 of 64 bytes",
        ))
}

/// Check `signature` over `message` (the exact bytes received) by the base58 account
/// `address`. An address that is not base58 of 32 bytes is [`SignatureError::Invalid`].
pub fn verify_solana(
    message: &[u8],
    address: &str,
    signature: &[u8; 64],
) -> Result<(), SignatureError> {
    let key = bs58::decode(address)
        .into_vec()
        .ok()
        .filter(|key| key.len() == 32)
        .ok_or(SignatureError::Invalid(
            "the address is not base58 of a 32-byte Ed25519 public key",
        ))?;
    UnparsedPublicKey::new(&ED25519, key)
        .verify(message, signature)
        .map_err(|_| SignatureError::Invalid("the Ed25519 signature does not hold"))
}
