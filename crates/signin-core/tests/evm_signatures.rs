//! EIP-191 `personal_sign` signatures: hashing against known vectors, recovery of keys made
//! here (fixed scalars, RFC 6979 deterministic signing, so every outcome is reproducible), the
//! accepted and refused forms of `v`, `r` and `s`, the signature's encoding and length, EIP-55
//! checksums, and the address case rules of a SIWE message.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use k256::ecdsa::{Signature, SigningKey};
use signin_core::evm_signature::{address_of, parse_address};
use signin_core::{
    EvmSignature, SignatureError, SigninError, eip55, eip191_hash, parse_siwe, recover_eip191,
};

const WRONG_V: SignatureError = SignatureError::Invalid("v is not 0, 1, 27 or 28");
const WRONG_LENGTH: SignatureError = SignatureError::Invalid(
    "not a 65-byte account signature (a contract wallet's needs an RPC for its chain)",
);
const OUT_OF_RANGE: SignatureError =
    SignatureError::Invalid("r or s is zero or not below the curve order");
const NO_KEY: SignatureError =
    SignatureError::Invalid("no public key recovers from this signature");

/// secp256k1's group order n.
const ORDER: [u8; 32] = hex32("fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141");

const fn hex32(text: &str) -> [u8; 32] {
    let bytes = text.as_bytes();
    let mut out = [0u8; 32];
    let mut i = 0;
    while i < 32 {
        out[i] = (nibble(bytes[2 * i]) << 4) | nibble(bytes[2 * i + 1]);
        i += 1;
    }
    out
}

const fn nibble(c: u8) -> u8 {
    match c {
        b'0'..=b'9' => c - b'0',
        b'a'..=b'f' => c - b'a' + 10,
        _ => panic!("not a lowercase hex digit"),
    }
}

fn key(scalar: [u8; 32]) -> SigningKey {
    SigningKey::from_slice(&scalar).unwrap()
}

fn key_from_u8(n: u8) -> SigningKey {
    let mut scalar = [0u8; 32];
    scalar[31] = n;
    key(scalar)
}

/// A few keys from fixed scalars.
fn keys() -> Vec<SigningKey> {
    vec![
        key([0x11; 32]),
        key([0x22; 32]),
        key(hex32(
            "4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318",
        )),
        key_from_u8(1),
        key_from_u8(2),
    ]
}

fn address(key: &SigningKey) -> [u8; 20] {
    address_of(key.verifying_key())
}

/// `personal_sign`: the EIP-191 hash signed, as `r ‖ s ‖ v` with `v` 27 or 28.
fn sign(key: &SigningKey, message: &[u8]) -> [u8; 65] {
    let (signature, recovery) = key.sign_prehash_recoverable(&eip191_hash(message)).unwrap();
    assert!(!recovery.is_x_reduced());
    let mut out = [0u8; 65];
    out[..64].copy_from_slice(&signature.to_bytes());
    out[64] = 27 + recovery.to_byte();
    out
}

fn messages() -> Vec<Vec<u8>> {
    let mut messages: Vec<Vec<u8>> = vec![
        Vec::new(),
        b"hello world".to_vec(),
        "é – ü, not ASCII".as_bytes().to_vec(),
        vec![0xff, 0x00, 0x19, 0x80],
        vec![b'a'; 1000],
        SIWE_EXAMPLE.as_bytes().to_vec(),
    ];
    for i in 0..10u8 {
        messages.push(format!("message number {i}").into_bytes());
    }
    messages
}

/// The example of the `signinwithethereum` crate's documentation, and its signature.
const SIWE_EXAMPLE: &str = "localhost:4361 wants you to sign in with your Ethereum account:
0x6Da01670d8fc844e736095918bbE11fE8D564163

SIWE Notepad Example

URI: http://localhost:4361
Version: 1
Chain ID: 1
Nonce: kEWepMt9knR6lWJ6A
Issued At: 2021-12-07T18:28:18.807Z";
const SIWE_EXAMPLE_SIGNATURE: &str = "0x6228b3ecd7bf2df018183aeab6b6f1db1e9f4e3cbe24560404112e25363540eb679934908143224d746bbb5e1aa65ab435684081f4dbb74a0fec57f98f40f5051c";

// ---------------------------------------------------------------------------------------------
// Hash, addresses, checksums: known answers
// ---------------------------------------------------------------------------------------------

/// Hashes published by alloy ("hello_world") and tevm ("Hello world"), the well-known
/// `personal_sign` hashes of "hello world" and "Hello World" (ethers), and the length prefix
/// counting bytes in decimal ("é" is 2 bytes, 1000 bytes is "1000"); all cross-checked with an
/// independent Keccak-256.
#[test]
fn eip191_hash_known_answers() {
    let cases: [(&[u8], &str); 8] = [
        (
            b"hello_world",
            "d52de6e039c023a7c77752126e4d9d99e2a7dacea3d19e97e9c2ebcb3ecf1c00",
        ),
        (
            b"Hello world",
            "8144a6fa26be252b86456491fbcd43c1de7e022241845ffea1c3df066f7cfede",
        ),
        (
            b"hello world",
            "d9eba16ed0ecae432b71fe008c98cc872bb4cc214d3220a36f365326cf807d68",
        ),
        (
            b"Hello World",
            "a1de988600a42c4b4ab089b619297c17d53cffae5d5120d82d8a92d0bb3b78f2",
        ),
        (
            b"",
            "5f35dce98ba4fba25530a026ed80b2cecdaa31091ba4958b99b52ea1d068adad",
        ),
        (
            "é".as_bytes(),
            "ba8cc708d7c0ceccba0ed21ddc61b53a0db963cffb45659d761ff24f520f0a99",
        ),
        (
            &[b'a'; 1000],
            "646dfe80977f3cb244f566d96cd3aabb891d47b9ba5159076d78e9999835e0d6",
        ),
        (
            SIWE_EXAMPLE.as_bytes(),
            "a681b9fb151eacf86839fdcb12c773b9ca715140e8c3656f43c7e76dee29f887",
        ),
    ];
    for (message, hash) in cases {
        assert_eq!(
            hex::encode(eip191_hash(message)),
            hash,
            "{:?}",
            String::from_utf8_lossy(message)
        );
    }
}

/// A signature made by a wallet: the `signinwithethereum` documentation's example recovers
/// its address (so the hash and the recovery agree with the wallets that signed it).
#[test]
fn a_wallet_signature_recovers_its_address() {
    let signature = EvmSignature::from_hex(SIWE_EXAMPLE_SIGNATURE).unwrap();
    let signer = recover_eip191(SIWE_EXAMPLE.as_bytes(), signature.as_bytes()).unwrap();
    assert_eq!(eip55(&signer), "0x6Da01670d8fc844e736095918bbE11fE8D564163");
    let msg = parse_siwe(SIWE_EXAMPLE).unwrap();
    assert_eq!(parse_address(&msg.address), Some(signer));
}

/// Private keys 1 and 2 have well-known addresses.
#[test]
fn known_private_keys_have_known_addresses() {
    assert_eq!(
        eip55(&address(&key_from_u8(1))),
        "0x7E5F4552091A69125d5DfCb7b8C2659029395Bdf"
    );
    assert_eq!(
        eip55(&address(&key_from_u8(2))),
        "0x2B5AD5c4795c026514f8317c7a215E218DcCD6cF"
    );
}

/// EIP-55's own examples (all-caps and all-lower ones included: their checksum happens to be
/// uniform).
#[test]
fn eip55_examples_from_the_eip() {
    let examples = [
        "0x52908400098527886E0F7030069857D2E4169EE7",
        "0x8617E340B3D01FA5F11F306F4090FD50E238070D",
        "0xde709f2102306220921060314715629080e2fb77",
        "0x27b1fdb04752bbc536007a920d24acb045561c26",
        "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
        "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359",
        "0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB",
        "0xD1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDb",
    ];
    for example in examples {
        let lower = example.to_ascii_lowercase();
        let bytes = parse_address(&lower).unwrap();
        assert_eq!(eip55(&bytes), example);
        assert_eq!(parse_address(example), Some(bytes));
        assert_eq!(
            parse_address(&format!("0x{}", example[2..].to_ascii_uppercase())),
            Some(bytes)
        );
    }
}

#[test]
fn parse_address_takes_0x_and_40_hex_digits_only() {
    let good = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed";
    assert!(parse_address(good).is_some());
    for bad in [
        "5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
        "0X5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
        "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAe",
        "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed0",
        "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeg",
        " 0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
        "0x",
        "",
    ] {
        assert_eq!(parse_address(bad), None, "{bad:?}");
    }
}

// ---------------------------------------------------------------------------------------------
// Recovery: v, r, s
// ---------------------------------------------------------------------------------------------

#[test]
fn v_27_28_and_0_1_recover_the_signer() {
    let mut parities = [0usize; 2];
    for key in keys() {
        let signer = address(&key);
        for message in messages() {
            let mut signature = sign(&key, &message);
            assert_eq!(recover_eip191(&message, &signature), Ok(signer));
            let v = signature[64];
            assert!(v == 27 || v == 28, "{v}");
            parities[usize::from(v - 27)] += 1;
            signature[64] = v - 27;
            assert_eq!(recover_eip191(&message, &signature), Ok(signer));
        }
    }
    // Both parities were exercised.
    assert!(parities[0] > 0 && parities[1] > 0, "{parities:?}");
    assert_eq!(parities[0] + parities[1], 5 * 16);
}

#[test]
fn other_v_values_are_refused() {
    let key = key([0x11; 32]);
    let message = b"hello world";
    let signature = sign(&key, message);
    for v in [2u8, 3, 25, 26, 29, 30, 35, 36, 37, 38, 127, 128, 254, 255] {
        let mut changed = signature;
        changed[64] = v;
        assert_eq!(recover_eip191(message, &changed), Err(WRONG_V), "v = {v}");
    }
}

/// `s' = n − s` with the parity flipped is the same signature (as `ecrecover` takes it); with
/// the parity not flipped it is another key's.
#[test]
fn high_s_recovers_the_same_address() {
    for key in keys() {
        let signer = address(&key);
        for message in messages() {
            let low = sign(&key, &message);
            let parsed = Signature::from_slice(&low[..64]).unwrap();
            assert!(parsed.normalize_s().is_none(), "k256 signs low-s");
            let high_s: k256::Scalar = -*parsed.s();
            let high = Signature::from_scalars(parsed.r().to_bytes(), high_s.to_bytes()).unwrap();
            assert!(high.normalize_s().is_some(), "n − s is high");

            let mut flipped = [0u8; 65];
            flipped[..64].copy_from_slice(&high.to_bytes());
            flipped[64] = if low[64] == 27 { 28 } else { 27 };
            assert_eq!(recover_eip191(&message, &flipped), Ok(signer));
            flipped[64] -= 27;
            assert_eq!(recover_eip191(&message, &flipped), Ok(signer));

            let mut unflipped = flipped;
            unflipped[64] = low[64];
            let other = recover_eip191(&message, &unflipped).unwrap();
            assert_ne!(other, signer);
        }
    }
}

#[test]
fn zero_or_out_of_range_r_or_s_is_refused() {
    let key = key([0x22; 32]);
    let message = b"hello world";
    let signature = sign(&key, message);
    let (r, s) = (&signature[..32], &signature[32..64]);
    let zero = [0u8; 32];
    let all_ones = [0xffu8; 32];
    let mut order_plus_one = ORDER;
    order_plus_one[31] += 1;
    let cases: [(&[u8], &[u8], &str); 8] = [
        (&zero, s, "r = 0"),
        (r, &zero, "s = 0"),
        (&zero, &zero, "r = s = 0"),
        (&ORDER, s, "r = n"),
        (r, &ORDER, "s = n"),
        (&order_plus_one, s, "r = n + 1"),
        (r, &all_ones, "s = 2^256 − 1"),
        (&all_ones, &all_ones, "r = s = 2^256 − 1"),
    ];
    for (r, s, what) in cases {
        for v in [0, 1, 27, 28] {
            let mut changed = [0u8; 65];
            changed[..32].copy_from_slice(r);
            changed[32..64].copy_from_slice(s);
            changed[64] = v;
            assert_eq!(
                recover_eip191(message, &changed),
                Err(OUT_OF_RANGE),
                "{what}, v = {v}"
            );
        }
    }
}

/// `r = 5` is in range but no point has x = 5 (5³ + 7 is not a square mod p): nothing
/// recovers.
#[test]
fn r_not_on_the_curve_recovers_nothing() {
    let message = b"hello world";
    let signature = sign(&key([0x11; 32]), message);
    let mut changed = signature;
    changed[..32].copy_from_slice(&[0u8; 32]);
    changed[31] = 5;
    for v in [27, 28] {
        changed[64] = v;
        assert_eq!(recover_eip191(message, &changed), Err(NO_KEY), "v = {v}");
    }
}

/// Any byte of the message changed, one added or one removed: the signature recovers another
/// address.
#[test]
fn a_changed_message_recovers_another_address() {
    let key = key([0x11; 32]);
    let signer = address(&key);
    let message = SIWE_EXAMPLE.as_bytes();
    let signature = sign(&key, message);
    assert_eq!(recover_eip191(message, &signature), Ok(signer));
    let mut variants: Vec<Vec<u8>> = Vec::new();
    for i in 0..message.len() {
        let mut changed = message.to_vec();
        changed[i] ^= 0x01;
        variants.push(changed);
    }
    variants.push([message, b"\n"].concat());
    variants.push(message[..message.len() - 1].to_vec());
    variants.push(SIWE_EXAMPLE.replace('\n', "\r\n").into_bytes());
    for changed in &variants {
        let other = recover_eip191(changed, &signature).unwrap();
        assert_ne!(other, signer, "{:?}", String::from_utf8_lossy(changed));
    }
    assert_eq!(variants.len(), message.len() + 3);
}

// ---------------------------------------------------------------------------------------------
// Encoding and length
// ---------------------------------------------------------------------------------------------

#[test]
fn signature_lengths_other_than_65_are_refused() {
    let message = b"hello world";
    let signature = sign(&key([0x11; 32]), message);
    let mut with_extra = signature.to_vec();
    with_extra.push(0);
    // 64 bytes is also EIP-2098's compact form: not accepted either.
    let cases: [Vec<u8>; 6] = [
        Vec::new(),
        vec![27],
        signature[..64].to_vec(),
        with_extra,
        vec![0u8; 130],
        vec![0x1b; 1000],
    ];
    for bytes in &cases {
        assert_eq!(
            recover_eip191(message, bytes),
            Err(WRONG_LENGTH),
            "{} bytes",
            bytes.len()
        );
        if !bytes.is_empty() {
            // Any whole number of bytes decodes (contract wallets' signatures are longer);
            // the length is refused at recovery.
            let decoded = EvmSignature::from_hex(&format!("0x{}", hex::encode(bytes))).unwrap();
            assert_eq!(decoded.as_bytes(), bytes.as_slice());
            assert_eq!(
                recover_eip191(message, decoded.as_bytes()),
                Err(WRONG_LENGTH)
            );
        }
    }
    assert_eq!(
        EvmSignature::from_hex("0x"),
        Err(SignatureError::Encoding("the signature is empty"))
    );
}

#[test]
fn signature_hex_encoding() {
    let message = b"hello world";
    let key = key([0x11; 32]);
    let signature = sign(&key, message);
    let lower = format!("0x{}", hex::encode(signature));
    let upper = format!("0x{}", hex::encode_upper(signature));
    for text in [&lower, &upper] {
        let decoded = EvmSignature::from_hex(text).unwrap();
        assert_eq!(decoded.as_bytes(), signature.as_slice());
        assert_eq!(
            recover_eip191(message, decoded.as_bytes()),
            Ok(address(&key))
        );
    }

    let no_prefix = SignatureError::Encoding("a signature is 0x and hex digits");
    let not_hex = SignatureError::Encoding("the signature is not hex of whole bytes");
    let cases: [(String, &SignatureError); 10] = [
        (lower[2..].to_owned(), &no_prefix),
        (format!("0X{}", &lower[2..]), &no_prefix),
        (format!(" {lower}"), &no_prefix),
        (String::new(), &no_prefix),
        (lower[..lower.len() - 1].to_owned(), &not_hex),
        (format!("{lower}0"), &not_hex),
        (format!("0x{}zz", &lower[2..lower.len() - 2]), &not_hex),
        (format!("{lower}\n"), &not_hex),
        (format!("0x0x{}", &lower[2..]), &not_hex),
        ("0x 1b".to_owned(), &not_hex),
    ];
    for (text, expected) in &cases {
        assert_eq!(
            EvmSignature::from_hex(text),
            Err((*expected).clone()),
            "{text:?}"
        );
    }
    assert_eq!(
        EvmSignature::from_hex("0x"),
        Err(SignatureError::Encoding("the signature is empty"))
    );
}

// ---------------------------------------------------------------------------------------------
// The address in a SIWE message
// ---------------------------------------------------------------------------------------------

fn siwe_message(address: &str) -> String {
    format!(
        "app.example.com wants you to sign in with your Ethereum account:\n{address}\n\n\
         Sign in to the app.\n\nURI: https://app.example.com/login\nVersion: 1\nChain ID: 1\n\
         Nonce: 8a7sd9f8a7sdf98a\nIssued At: 2024-05-01T10:00:00Z"
    )
}

#[test]
fn siwe_address_case() {
    let checksummed = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed";
    // Checksummed, all-lowercase, all-uppercase: accepted, kept as written.
    let lower = checksummed.to_ascii_lowercase();
    let upper = format!("0x{}", checksummed[2..].to_ascii_uppercase());
    for address in [checksummed, lower.as_str(), upper.as_str()] {
        let msg = parse_siwe(&siwe_message(address)).unwrap();
        assert_eq!(msg.address, address);
    }
    // Mixed case with a wrong checksum: one letter's case swapped, or the whole case inverted.
    let one_swapped = checksummed.replacen('a', "A", 1);
    let inverted: String = checksummed
        .chars()
        .enumerate()
        .map(|(i, c)| {
            if i < 2 {
                c
            } else if c.is_ascii_uppercase() {
                c.to_ascii_lowercase()
            } else {
                c.to_ascii_uppercase()
            }
        })
        .collect();
    for address in [one_swapped.as_str(), inverted.as_str()] {
        assert_ne!(address, checksummed);
        assert_eq!(
            parse_siwe(&siwe_message(address)),
            Err(SigninError::Malformed(
                "Formatting Error: Address is not in EIP-55 format".to_owned()
            )),
            "{address}"
        );
    }
}

/// A message written for a generated key, signed by it: the address it names is the one the
/// signature recovers, whether the message writes it checksummed or in lowercase (the signed
/// bytes are the message as written).
#[test]
fn a_signed_siwe_message_recovers_the_address_it_names() {
    for key in keys() {
        let signer = address(&key);
        for written in [eip55(&signer), format!("0x{}", hex::encode(signer))] {
            let text = siwe_message(&written);
            let msg = parse_siwe(&text).unwrap();
            assert_eq!(msg.address, written);
            let signature = sign(&key, msg.raw.as_bytes());
            let hex_signature = format!("0x{}", hex::encode(signature));
            let decoded = EvmSignature::from_hex(&hex_signature).unwrap();
            let recovered = recover_eip191(msg.raw.as_bytes(), decoded.as_bytes()).unwrap();
            assert_eq!(Some(recovered), parse_address(&msg.address));
            // Another key's signature of the same message names someone else.
            let other = sign(&key_from_u8(3), msg.raw.as_bytes());
            assert_ne!(recover_eip191(msg.raw.as_bytes(), &other), Ok(recovered));
        }
    }
}
