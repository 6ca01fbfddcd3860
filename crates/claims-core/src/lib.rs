//! Typed claims, provider-neutral identities, verification policies and verification for the
//! tokens of Para, Parra, Sophon, Dynamic and Web3Auth. No I/O, no async.
//!
//! The pipeline, one module per step:
//! 1. [`token`]: take the compact token apart once (size cap, strict base64url, header parse);
//! 2. [`route`]: pick the provider from the unverified `iss`;
//! 3. [`policy`]: what that provider's tokens must satisfy;
//! 4. [`mod@verify`]: check header rules, the signature with a resolved key ([`key`]: keys parsed
//!    once), then the claims;
//! 5. [`claims`] and [`identity`]: the typed result and its provider-neutral view.
//!
//! [`parra_issuer`] mints Parra access tokens.
//!
//! ```
//! use claims_core::{ParraClaims, ParraIssuer, Policy, VerifyingKey, verify};
//!
//! let secret = b"the API key secret".to_vec();
//! let token = ParraIssuer::new("key-1", secret.clone(), "tenant-1")?.issue("user|7", 1_700_000_000)?;
//! let policy = Policy::parra([("key-1", "tenant-1")])?;
//! let key = VerifyingKey::hmac(&secret)?;
//! let verified = verify::<ParraClaims, _>(&token, &policy, |_, _| Ok(&key), 1_700_000_060)?;
//! assert_eq!(verified.identity.user_id, "user|7");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub mod algorithm;
pub mod claims;
pub mod error;
pub mod header;
pub mod identity;
pub mod key;
pub mod parra_issuer;
pub mod policy;
pub mod provider;
pub mod route;
pub mod token;
pub mod verify;

pub use algorithm::{Algorithm, AlgorithmFamily, UnknownAlgorithm};
pub use claims::{
    AnyClaims, Audience, DynamicClaims, DynamicCredential, NumericDate, ParaClaims, ParaData,
    ParaWallet, ParraClaims, ParraGrants, ProviderClaims, Registered, SophonClaims, Web3AuthClaims,
    Web3AuthWallet,
};
pub use error::{Malformed, Part, VerifyError};
pub use header::{Header, MAX_KID_LEN};
pub use identity::{Identity, Wallet, wallet_value_eq};
pub use key::{EcCurve, KeyLoadError, SignatureKey, VerifyingKey};
pub use parra_issuer::{ParraError, ParraIssuer, ParraKeyring, TokenResponse};
pub use policy::{DEFAULT_LEEWAY, Policy, PolicyError};
pub use provider::{Provider, UnknownProvider};
pub use route::Router;
pub use token::{DEFAULT_MAX_TOKEN_BYTES, UnverifiedToken};
pub use verify::{Verified, check_validity_window, now, verify, verify_signature};
