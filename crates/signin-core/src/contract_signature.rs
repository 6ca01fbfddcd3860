//! Contract wallets' signatures (EIP-1271, ERC-6492): recognising the ERC-6492 wrapper and
//! building the `eth_call` data that asks a chain, and reading its answers. No I/O: the calls are
//! made by the caller's RPC client.
//!
//! The order a verifier must follow (ERC-6492): a signature ending in [`ERC6492_SUFFIX`] is
//! checked by one deployless `eth_call` (no `to`; [`deployless_call_data`]); else, when the
//! address has code, by EIP-1271 `isValidSignature` ([`is_valid_signature_call_data`]); only
//! then by `ecrecover`.

/// The 32 bytes that end an ERC-6492 signature (`0x6492…6492`).
pub const ERC6492_SUFFIX: [u8; 32] = [
    0x64, 0x92, 0x64, 0x92, 0x64, 0x92, 0x64, 0x92, 0x64, 0x92, 0x64, 0x92, 0x64, 0x92, 0x64, 0x92,
    0x64, 0x92, 0x64, 0x92, 0x64, 0x92, 0x64, 0x92, 0x64, 0x92, 0x64, 0x92, 0x64, 0x92, 0x64, 0x92,
];

/// EIP-1271's magic value, `isValidSignature(bytes32,bytes)`'s selector and its "valid" answer.
pub const ERC1271_MAGIC: [u8; 4] = [0x16, 0x26, 0xba, 0x7e];

/// True when `signature` is wrapped for a wallet that may not be deployed yet (ERC-6492).
pub fn is_erc6492(signature: &[u8]) -> bool {
    signature.len() >= ERC6492_SUFFIX.len() && signature.ends_with(&ERC6492_SUFFIX)
}

/// `isValidSignature(hash, signature)` call data (EIP-1271).
pub fn is_valid_signature_call_data(hash: &[u8; 32], signature: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(4 + 32 * 3 + padded_len(signature.len()));
    out.extend_from_slice(&ERC1271_MAGIC);
    out.extend_from_slice(hash);
    out.extend_from_slice(&word(0x40));
    push_bytes(&mut out, signature);
    out
}

/// A deployless validator's creation code followed by `abi.encode(signer, hash, signature)`:
/// the data of an `eth_call` with no `to`, answered by one byte (`0x01` valid, `0x00` invalid).
pub fn deployless_call_data(
    creation_code: &[u8],
    signer: &[u8; 20],
    hash: &[u8; 32],
    signature: &[u8],
) -> Vec<u8> {
    let mut out = Vec::with_capacity(creation_code.len() + 32 * 4 + padded_len(signature.len()));
    out.extend_from_slice(creation_code);
    let mut address = [0u8; 32];
    if let Some(tail) = address.get_mut(12..) {
        tail.copy_from_slice(signer);
    }
    out.extend_from_slice(&address);
    out.extend_from_slice(hash);
    out.extend_from_slice(&word(0x60));
    push_bytes(&mut out, signature);
    out
}

/// An EIP-1271 answer is "valid": an ABI word starting with the magic value.
pub fn erc1271_says_valid(answer: &[u8]) -> bool {
    answer.len() >= 32 && answer.starts_with(&ERC1271_MAGIC)
}

/// A deployless validator's answer is "valid": exactly the byte `0x01`.
pub fn deployless_says_valid(answer: &[u8]) -> bool {
    answer == [0x01]
}

fn padded_len(len: usize) -> usize {
    len.div_ceil(32).saturating_mul(32)
}

fn word(value: u64) -> [u8; 32] {
    let mut out = [0u8; 32];
    if let Some(tail) = out.get_mut(24..) {
        tail.copy_from_slice(&value.to_be_bytes());
    }
    out
}

/// `bytes` in ABI encoding: its length, then its content padded to whole words.
fn push_bytes(out: &mut Vec<u8>, bytes: &[u8]) {
    out.extend_from_slice(&word(u64::try_from(bytes.len()).unwrap_or(u64::MAX)));
    out.extend_from_slice(bytes);
    out.resize(out.len() + (padded_len(bytes.len()) - bytes.len()), 0);
}

#[cfg(test)]
mod tests {
    #![allow(clippy::indexing_slicing)]
    use super::*;

    #[test]
    fn call_data_is_abi_encoded() {
        let data = is_valid_signature_call_data(&[0xaa; 32], &[0xbb; 65]);
        assert_eq!(data.len(), 4 + 32 + 32 + 32 + 96);
        assert_eq!(&data[..4], &ERC1271_MAGIC);
        assert_eq!(data[4 + 32 + 31], 0x40);
        assert_eq!(data[4 + 64 + 31], 65);
        assert!(data[4 + 96 + 65..].iter().all(|b| *b == 0));
        let deployless = deployless_call_data(&[0xfe, 0xed], &[0x11; 20], &[0xaa; 32], &[]);
        assert_eq!(deployless.len(), 2 + 32 * 4);
        assert_eq!(&deployless[2 + 12..2 + 32], &[0x11; 20]);
        assert_eq!(deployless[2 + 64 + 31], 0x60);
    }

    #[test]
    fn answers() {
        let mut word = [0u8; 32];
        word[..4].copy_from_slice(&ERC1271_MAGIC);
        assert!(erc1271_says_valid(&word));
        assert!(!erc1271_says_valid(&ERC1271_MAGIC));
        assert!(!erc1271_says_valid(&[0xff; 32]));
        assert!(deployless_says_valid(&[1]));
        assert!(!deployless_says_valid(&[0]));
        assert!(!deployless_says_valid(&[1, 0]));
        let mut wrapped = vec![0u8; 10];
        wrapped.extend_from_slice(&ERC6492_SUFFIX);
        assert!(is_erc6492(&wrapped));
        assert!(!is_erc6492(&ERC6492_SUFFIX[1..]));
    }
}
