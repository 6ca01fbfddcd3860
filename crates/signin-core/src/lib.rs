//! Wallet sign-in without I/O: Sign-In with Ethereum (EIP-4361) and Sign In With Solana
//! (Phantom's format) messages, their signatures, and the rules binding a message to a relying
//! party.
//!
//! The pipeline, one module per step:
//! 1. [`siwe_message`] / [`siws_message`]: parse the message text strictly, keeping the exact
//!    bytes received (signatures are checked over them, never over a re-serialised copy);
//! 2. [`binding_rules`]: domain, scheme, URI, chain, version and time window against
//!    [`SigninRules`];
//! 3. [`evm_signature`] / [`solana_signature`]: EIP-191 `personal_sign` recovery (secp256k1) and
//!    Ed25519 verification.
//!
//! [`contract_signature`] builds and reads the chain calls that check contract wallets'
//! signatures (EIP-1271, ERC-6492); making them, and nonces (issued, unexpired, consumed once
//! after the signature holds), need I/O and state: they live in `auth_layer` (package
//! `wallet-auth-layer`).

pub mod binding_rules;
pub mod contract_signature;
pub mod error;
pub mod evm_signature;
pub mod message;
pub mod siwe_message;
pub mod siws_message;
pub mod solana_signature;

pub use binding_rules::{DEFAULT_MAX_MESSAGE_AGE_SECS, SigninRules};
pub use error::{SignatureError, SigninError};
pub use evm_signature::{EvmSignature, eip55, eip191_hash, recover_eip191};
pub use message::{ChainRef, MessageKind, SignInMessage};
pub use siwe_message::parse_siwe;
pub use siws_message::parse_siws;
pub use solana_signature::{decode_solana_signature, verify_solana};
