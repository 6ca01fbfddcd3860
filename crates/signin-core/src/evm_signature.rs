//! Step 3 (Ethereum): EIP-191 `personal_sign` signatures of plain accounts, recovered with
//! secp256k1 (k256).
//!
//! A signature is 65 bytes, `r ‖ s ‖ v`, sent as `0x` and 130 hex digits. `v` is 27 or 28 (or
//! 0 or 1, as some wallets send it); anything else is refused, unlike implementations that take
//! `v % 27`. A high-`s` signature is accepted as the chain's `ecrecover` accepts it: `s` is
//! replaced by `n − s` and the parity flipped, which recovers the same key (EIP-2 forbids high
//! `s` in transactions, not in `ecrecover`; viem and ethers accept both). `r` or `s` zero, or not
//! below the curve order, is refused.

use k256::ecdsa::{RecoveryId, Signature, VerifyingKey};
use sha3::{Digest as _, Keccak256};

use crate::error::SignatureError;

/// The EIP-191 hash of a message: `keccak256("\x19Ethereum Signed Message:\n" ‖ len ‖ bytes)`,
/// with the length in decimal. This is the hash EIP-1271 wallets are asked about too.
pub fn eip191_hash(message: &[u8]) -> [u8; 32] {
    let mut hasher = Keccak256::new();
    hasher.update(b"\x19Ethereum Signed Message:\n");
    hasher.update(message.len().to_string().as_bytes());
    hasher.update(message);
    hasher.finalize().into()
}

/// The EIP-55 checksummed form of an address (`0xAb…`).
pub fn eip55(address: &[u8; 20]) -> String {
    signinwithethereum::eip55(address)
}

/// An address written `0x` + 40 hex digits (any case) as bytes.
pub fn parse_address(text: &str) -> Option<[u8; 20]> {
    let hex_digits = text.strip_prefix("0x")?;
    let mut out = [0u8; 20];
    hex::decode_to_slice(hex_digits, &mut out).ok()?;
    Some(out)
}

/// A signature as sent: `0x` and hex digits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EvmSignature {
    bytes: Vec<u8>,
}

impl EvmSignature {
    /// Decode `0x…` hex (any length: contract wallets' signatures are not 65 bytes). Empty,
    /// missing `0x`, odd length or non-hex is an encoding error.
    pub fn from_hex(text: &str) -> Result<Self, SignatureError> {
        let digits = text
            .strip_prefix("0x")
            .ok_or(SignatureError::Encoding("a signature is 0x and hex digits"))?;
        if digits.is_empty() {
            return Err(SignatureError::Encoding("the signature is empty"));
        }
        hex::decode(digits)
            .map(|bytes| EvmSignature { bytes })
            .map_err(|_| SignatureError::Encoding("the signature is not hex of whole bytes"))
    }

    /// The signature bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }
}

/// Recover the address that signed `message` (the exact bytes received) with EIP-191.
pub fn recover_eip191(message: &[u8], signature: &[u8]) -> Result<[u8; 20], SignatureError> {
    let Ok(rsv) = <&[u8; 65]>::try_from(signature) else {
        return Err(SignatureError::Invalid(
            "not a 65-byte account signature (a contract wallet's needs an RPC for its chain)",
        ));
    };
    let (rs, v) = rsv.split_at(64);
    let parity = match v.first() {
        Some(0 | 27) => false,
        Some(1 | 28) => true,
        _ => return Err(SignatureError::Invalid("v is not 0, 1, 27 or 28")),
    };
    let signature = Signature::from_slice(rs)
        .map_err(|_| SignatureError::Invalid("r or s is zero or not below the curve order"))?;
    // Low-s form of the same signature, as `ecrecover` would treat it.
    let (signature, parity) = match signature.normalize_s() {
        Some(low) => (low, !parity),
        None => (signature, parity),
    };
    let recovery = RecoveryId::new(parity, false);
    let key = VerifyingKey::recover_from_prehash(&eip191_hash(message), &signature, recovery)
        .map_err(|_| SignatureError::Invalid("no public key recovers from this signature"))?;
    Ok(address_of(&key))
}

/// The address of a public key: the last 20 bytes of keccak256 of its uncompressed point.
pub fn address_of(key: &VerifyingKey) -> [u8; 20] {
    let point = key.to_encoded_point(false);
    let hash: [u8; 32] = Keccak256::digest(point.as_bytes().get(1..).unwrap_or_default()).into();
    let mut out = [0u8; 20];
    out.copy_from_slice(hash.get(12..).unwrap_or(&[0u8; 20]));
    out
}
