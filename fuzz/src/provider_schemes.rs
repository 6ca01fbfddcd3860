//! The `provider_schemes` target: the providers whose tokens are not checked with a JWS key but
//! with their own signature scheme, end to end through claims-core's public API: Magic DID tokens
//! ([`split_did_token`], [`Policy::verify_opaque_any`]), thirdweb Auth tokens and Turnkey session
//! JWTs ([`claims_core::verify`] with [`ThirdwebClaims`] / [`TurnkeyClaims`]; their policies'
//! schemes ignore the key the resolver returns).
//!
//! Input: the first byte picks the mode (`byte % 4`); the rest must be UTF-8 (anything else is
//! skipped):
//! - 0, [`Mode::MagicToken`]: the rest is a Magic DID token, as a client sends it;
//! - 1, [`Mode::Thirdweb`]: the rest is a thirdweb token. When it is `header.payload.` (three
//!   segments, the last empty) and the payload segment is unpadded base64url, the target signs the
//!   decoded payload with the test key ([`TEST_SECRET`], thirdweb's admin here) and fills in the
//!   signature segment, so that the fuzzer reaches the claims parser and rules;
//! - 2, [`Mode::Turnkey`]: the rest is a Turnkey session JWT (the notarizer's key is Turnkey's: the
//!   fuzzer reaches the signature, the published vector the claims);
//! - 3, [`Mode::MagicParts`]: the target builds the DID token. The rest is `proof NUL claim`
//!   (without a NUL, all of it is the claim); an empty proof is filled in by the target, the
//!   EIP-191 signature of the claim's exact bytes by the test key (`v` 27 or 28), so that the
//!   fuzzer reaches the claim parser and its number handling. The token is base64 of the JSON
//!   array `[proof, claim]`; bits 2 and 3 of the first byte pick the URL-safe alphabet and drop
//!   the padding.
//!
//! Each token is verified at the provider's pinned time ([`MAGIC_NOW`], [`THIRDWEB_NOW`],
//! [`TURNKEY_NOW`]): Magic under three client ids (the test one, [`MAGIC_CLIENT`], and the
//! audiences of the two published vectors that verify), the others under one policy. When the
//! target's own check finds the signature good, the token is verified again, under the first
//! policy, at the extreme times and on both sides of every edge of its validity window.
//!
//! Invariants (what the library documents), a violation panics:
//! - nothing panics; a token over the size cap is refused as too large;
//! - every refusal is a [`VerifyError`] whose `reason()` and `Display` are non-empty;
//! - Magic: [`split_did_token`] succeeds exactly when the token is base64 (either alphabet,
//!   padding optional) of a JSON array of two strings, and returns them; a refusal is
//!   `Malformed`. An accepted token's proof is `0x` and 65 bytes with `v` 27 or 28 and recovers
//!   ([`recover_eip191`] over the claim's exact bytes) to the address of the claim's `iss`
//!   (`did:ethr:0x…`, prefix in any case); `aud` is the client id (a JSON string, as Magic's SDK
//!   compares it); `sub` and `tid` are present, `ext` and `iat` are numbers, and at `now`,
//!   with whole seconds saturating (`1e21` is `i64::MAX`): `now < ext + leeway`,
//!   `nbf - 300 <= now + leeway`, `iat <= now + leeway`; the identity's user is `iss` (the
//!   proven signer; `sub` is self-asserted), the expiry `ext`, issued at `iat`, one EVM wallet at the signer's EIP-55 address;
//! - thirdweb: an accepted token's header segment is [`HEADER_SEGMENT`], its signature segment is
//!   base64url of `0x` hex that recovers over the decoded payload to the admin; `iss` is the admin
//!   address (any case), `aud` the domain (a JSON string: thirdweb compares with `!==`), and the
//!   validity window and `iat` hold; the identity's user is `sub`;
//! - Turnkey: an accepted token's signature is P-256 over SHA-256(SHA-256(signing input)) by
//!   [`NOTARIZER_PUBLIC_KEY`], its header says ES256, `organization_id` is the configured one,
//!   `exp` holds; the identity's user is `user_id`;
//! - a signature the target's own check finds good is never refused as `InvalidSignature`.
//!
//! An `aud` array (`"aud":["did:magic:fuzz-client"]`, `"aud":["example.com"]`) is refused with
//! `invalid_claim` for Magic and thirdweb, as both SDKs compare `aud` with one string; the `aud`
//! assertions above hold for it.
//!
//! This file holds the input handling (the modes, the tokens the target builds and signs) and the
//! helpers every check shares; the verification of each provider's tokens and the checks of
//! their invariants are in `provider_schemes/invariants.rs`.
//!
//! [`split_did_token`]: claims_core::providers::magic::split_did_token
//! [`ThirdwebClaims`]: claims_core::ThirdwebClaims
//! [`TurnkeyClaims`]: claims_core::TurnkeyClaims
//! [`recover_eip191`]: signin_core::recover_eip191
//! [`HEADER_SEGMENT`]: claims_core::providers::thirdweb::HEADER_SEGMENT

mod invariants;

use std::sync::OnceLock;

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};
use claims_core::providers::turnkey::NOTARIZER_PUBLIC_KEY;
use claims_core::{Identity, Policy, VerifyError, VerifyingKey};
use invariants::{magic, thirdweb, turnkey};
use k256::ecdsa::SigningKey;
use serde_json::Value;
use signin_core::evm_signature::address_of;
use signin_core::{eip55, eip191_hash};

/// The test secp256k1 key: the first account of the Anvil / Hardhat development mnemonic, public
/// everywhere. It signs the Magic claims (as the user's wallet) and the thirdweb tokens (as the
/// app's admin wallet).
pub const TEST_SECRET: [u8; 32] = [
    0xac, 0x09, 0x74, 0xbe, 0xc3, 0x9a, 0x17, 0xe3, 0x6b, 0xa4, 0xa6, 0xb4, 0xd2, 0x38, 0xff, 0x94,
    0x4b, 0xac, 0xb4, 0x78, 0xcb, 0xed, 0x5e, 0xfc, 0xae, 0x78, 0x4d, 0x7b, 0xf4, 0xf2, 0xff, 0x80,
];
/// The address of [`TEST_SECRET`] (EIP-55).
pub const TEST_ADDRESS: &str = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266";

/// Magic: the verification time (the published vectors' recommended pinned time).
pub const MAGIC_NOW: i64 = 1_700_000_000;
/// Magic: the client id of the target's own tokens.
pub const MAGIC_CLIENT: &str = "did:magic:fuzz-client";
/// Magic: the audiences of the published `VALID_DIDT` and `VALID_ATTACHMENT_DIDT`
/// (`tests/vectors/magic_admin_js.json`).
pub const MAGIC_VECTOR_CLIENTS: [&str; 2] = [
    "did:magic:f54168e9-9ce9-47f2-81c8-7cb2a96b26ba",
    "3w_mzVi-h3mS77pVxo_rvRaZ4vYzNgEnvm9dg0Zy3c8=",
];
/// Magic's `nbf` allowance (seconds), on top of the policy's leeway.
pub const MAGIC_NBF_ALLOWANCE: i64 = 300;

/// thirdweb: the verification time.
pub const THIRDWEB_NOW: i64 = MAGIC_NOW;
/// thirdweb: the app's domain (`aud`).
pub const THIRDWEB_DOMAIN: &str = "example.com";

/// Turnkey: the verification time (before the published session JWT's `exp`, 1748876837).
pub const TURNKEY_NOW: i64 = 1_748_876_000;
/// Turnkey: the organization of the published session JWT (`tests/vectors/turnkey_session_jwt.json`).
pub const TURNKEY_ORG: &str = "c75ecb07-c84a-4dd5-932c-539dfafc6864";

/// A distance in seconds far beyond any window (about 34,800 years).
const BIG: i64 = 1 << 40;

/// What the first byte selects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// A Magic DID token as sent.
    MagicToken,
    /// A thirdweb token (the target signs an empty signature segment).
    Thirdweb,
    /// A Turnkey session JWT.
    Turnkey,
    /// A Magic DID token built from `proof NUL claim` (the target signs an empty proof).
    MagicParts,
}

impl Mode {
    /// `byte % 4`.
    pub fn from_byte(byte: u8) -> Self {
        match byte % 4 {
            0 => Mode::MagicToken,
            1 => Mode::Thirdweb,
            2 => Mode::Turnkey,
            _ => Mode::MagicParts,
        }
    }
}

/// What one input gave, after every invariant was checked.
#[derive(Debug)]
pub struct Outcome {
    /// The mode of the first byte.
    pub mode: Mode,
    /// The token verified (as built or filled in by the target).
    pub token: String,
    /// At the pinned time: the identity (Magic: under the first client id that accepts), else
    /// why not (Magic: under [`MAGIC_CLIENT`]).
    pub pinned: Result<Identity, VerifyError>,
}

struct World {
    /// Magic, by client id: [`MAGIC_CLIENT`], then [`MAGIC_VECTOR_CLIENTS`].
    magic: Vec<(&'static str, Policy)>,
    thirdweb: Policy,
    turnkey: Policy,
    /// Returned by the key resolver; the thirdweb and Turnkey schemes never use it.
    unused_key: VerifyingKey,
    signer: SigningKey,
    admin: [u8; 20],
    notarizer: Vec<u8>,
}

#[allow(clippy::expect_used)]
fn world() -> &'static World {
    static WORLD: OnceLock<World> = OnceLock::new();
    WORLD.get_or_init(|| {
        let signer = SigningKey::from_bytes(&TEST_SECRET.into()).expect("a secp256k1 key");
        let admin = address_of(signer.verifying_key());
        assert_eq!(eip55(&admin), TEST_ADDRESS);
        let clients = std::iter::once(MAGIC_CLIENT).chain(MAGIC_VECTOR_CLIENTS);
        World {
            magic: clients
                .map(|c| (c, Policy::magic(c).expect("magic policy")))
                .collect(),
            thirdweb: Policy::thirdweb(TEST_ADDRESS, THIRDWEB_DOMAIN).expect("thirdweb policy"),
            turnkey: Policy::turnkey([TURNKEY_ORG], NOTARIZER_PUBLIC_KEY).expect("turnkey policy"),
            unused_key: VerifyingKey::hmac(b"never used by these schemes").expect("hmac key"),
            signer,
            admin,
            notarizer: hex_decode(NOTARIZER_PUBLIC_KEY).expect("notarizer key hex"),
        }
    })
}

fn hex_decode(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
        .collect()
}

/// The `0x` hex of the test key's EIP-191 signature of `message`, `v` 27 or 28 unless `v` says
/// otherwise (RFC 6979: deterministic).
///
/// # Panics
///
/// Never (signing a 32-byte prehash does not fail).
#[allow(clippy::expect_used)]
pub fn eip191_proof(message: &[u8], v: Option<u8>) -> String {
    let (sig, recovery) = world()
        .signer
        .sign_prehash_recoverable(&eip191_hash(message))
        .expect("sign a prehash");
    let mut bytes = sig.to_bytes().to_vec();
    bytes.push(v.unwrap_or(27 + recovery.to_byte()));
    let mut out = String::with_capacity(132);
    out.push_str("0x");
    for b in bytes {
        out.push_str(&format!("{b:02x}"));
    }
    out
}

/// A DID token: base64 (standard, padded) of the JSON array `[proof, claim]`.
pub fn did_token(proof: &str, claim: &str) -> String {
    STANDARD.encode(Value::from(vec![proof, claim]).to_string())
}

/// A thirdweb token over `payload` signed by the test key, with the `v` byte given (or the real
/// one).
pub fn thirdweb_token(header_segment: &str, payload: &str, v: Option<u8>) -> String {
    let signature = eip191_proof(payload.as_bytes(), v);
    format!(
        "{header_segment}.{}.{}",
        URL_SAFE_NO_PAD.encode(payload),
        URL_SAFE_NO_PAD.encode(signature)
    )
}

/// Run one input: `None` when it is empty or not UTF-8, else the outcome (a broken invariant
/// panics).
pub fn run(data: &[u8]) -> Option<Outcome> {
    let (&first, rest) = data.split_first()?;
    let text = std::str::from_utf8(rest).ok()?;
    let mode = Mode::from_byte(first);
    Some(match mode {
        Mode::MagicToken => {
            let pinned = magic(text);
            Outcome {
                mode,
                token: text.to_owned(),
                pinned,
            }
        }
        Mode::MagicParts => {
            let token = magic_parts(first, text);
            let pinned = magic(&token);
            Outcome {
                mode,
                token,
                pinned,
            }
        }
        Mode::Thirdweb => {
            let token = fill_thirdweb_signature(text);
            let pinned = thirdweb(&token);
            Outcome {
                mode,
                token,
                pinned,
            }
        }
        Mode::Turnkey => Outcome {
            mode,
            token: text.to_owned(),
            pinned: turnkey(text),
        },
    })
}

/// Mode 3: the DID token of `proof NUL claim`.
fn magic_parts(first: u8, text: &str) -> String {
    let (proof, claim) = text.split_once('\0').unwrap_or(("", text));
    let signed;
    let proof = if proof.is_empty() {
        signed = eip191_proof(claim.as_bytes(), None);
        signed.as_str()
    } else {
        proof
    };
    let json = Value::from(vec![proof, claim]).to_string();
    let engine = match (first >> 2) & 3 {
        0 => &STANDARD,
        1 => &URL_SAFE,
        2 => &STANDARD_NO_PAD,
        _ => &URL_SAFE_NO_PAD,
    };
    engine.encode(json)
}

/// Mode 1: `header.payload.` gets the test key's signature of the decoded payload.
fn fill_thirdweb_signature(text: &str) -> String {
    let Some(signing_input) = text.strip_suffix('.') else {
        return text.to_owned();
    };
    let mut parts = signing_input.split('.');
    let (Some(_), Some(payload), None) = (parts.next(), parts.next(), parts.next()) else {
        return text.to_owned();
    };
    match URL_SAFE_NO_PAD.decode(payload) {
        Ok(payload) => {
            let signature = eip191_proof(&payload, None);
            format!("{text}{}", URL_SAFE_NO_PAD.encode(signature))
        }
        Err(_) => text.to_owned(),
    }
}

// ---------------------------------------------------------------------------------------------
// Shared by the checks of `invariants`

/// The checks every result gets.
fn check_error(e: &VerifyError, signed: bool) {
    assert!(!e.reason().is_empty(), "{e:?}: an empty reason");
    assert!(!e.to_string().is_empty(), "{e:?}: an empty message");
    assert!(
        !(signed && *e == VerifyError::InvalidSignature),
        "a good signature refused as invalid"
    );
}

/// Whole seconds of a JSON number, saturating at the bounds of `i64` (Magic's rule).
fn saturating_seconds(n: &serde_json::Number) -> i64 {
    if let Some(i) = n.as_i64() {
        return i;
    }
    if n.as_u64().is_some() {
        return i64::MAX;
    }
    let f = n.as_f64().unwrap_or(f64::INFINITY).floor();
    // 2^63 is exactly representable; everything below it (and above -2^63) fits.
    if f >= 9_223_372_036_854_775_808.0 {
        i64::MAX
    } else if f < -9_223_372_036_854_775_808.0 {
        i64::MIN
    } else {
        #[allow(clippy::cast_possible_truncation)]
        let s = f as i64;
        s
    }
}

/// A NumericDate of a JSON number (thirdweb, Turnkey): an integer in `i64`, or a float inside it,
/// floored; `None` for anything else.
fn numeric_date(v: Option<&Value>) -> Option<i64> {
    let n = v?.as_number()?;
    if let Some(i) = n.as_i64() {
        return Some(i);
    }
    if n.as_u64().is_some() {
        return None;
    }
    let f = n.as_f64()?;
    #[allow(clippy::cast_possible_truncation, clippy::cast_precision_loss)]
    let inside = f.is_finite() && f >= i64::MIN as f64 && f < i64::MAX as f64;
    #[allow(clippy::cast_possible_truncation)]
    inside.then(|| f.floor() as i64)
}

/// The times a token with a good signature is checked at: the extremes, and both sides of each
/// edge (an instant the window opens or closes, before the leeway).
fn times(pinned: i64, leeway: i64, closes: &[i64], opens: &[i64]) -> Vec<i64> {
    let mut out = vec![
        pinned,
        0,
        i64::MIN,
        i64::MAX,
        pinned.saturating_sub(BIG),
        pinned.saturating_add(BIG),
    ];
    for &c in closes {
        let edge = c.saturating_add(leeway);
        out.extend([edge.saturating_sub(1), edge]);
    }
    for &o in opens {
        let edge = o.saturating_sub(leeway);
        out.extend([edge.saturating_sub(1), edge]);
    }
    out.sort_unstable();
    out.dedup();
    out
}

fn leeway_of(policy: &Policy) -> i64 {
    i64::try_from(policy.leeway()).unwrap_or(i64::MAX)
}
