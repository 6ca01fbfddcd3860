//! Typed claims, provider-neutral identities, verification policies and verification for the
//! tokens of Para, Parra, Sophon, Dynamic, Web3Auth, Privy, any OpenID Connect issuer, and
//! providers of your own. No I/O, no async.
//!
//! The pipeline, one module per step; none of them names a provider:
//! 1. [`token`]: take the compact token apart once (size cap, strict base64url, header parse);
//! 2. [`issuer_index`]: pick the provider from the unverified `iss`;
//! 3. [`policy`]: what that provider's tokens must satisfy;
//! 4. [`token_checks`]: check header rules, the signature with a key found for the token
//!    ([`verifying_key`]: keys parsed once), then the claims;
//! 5. [`claims`] and [`identity`]: the typed result and its provider-neutral view.
//!
//! [`providers`] holds one module per provider (claims type, policy constructor, constants);
//! [`provider_id`] names them. [`parra_issuer`] mints Parra access tokens.
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
pub mod issuer_index;
pub mod parra_issuer;
pub mod policy;
pub mod provider_id;
pub mod providers;
pub mod token;
pub mod token_checks;
pub mod verifying_key;

pub use algorithm::{Algorithm, AlgorithmFamily, UnknownAlgorithm};
pub use claims::{AnyClaims, Audience, Extra, NumericDate, ProviderClaims, Registered};
pub use error::{Malformed, Part, VerifyError};
pub use header::{Header, MAX_KID_LEN};
pub use identity::{Identity, Wallet, wallet_value_eq};
pub use issuer_index::IssuerIndex;
pub use parra_issuer::{ParraError, ParraIssuer, ParraKeyring, TokenResponse};
pub use policy::{DEFAULT_LEEWAY, Policy, PolicyError};
pub use provider_id::{ProviderId, UnknownProvider};
pub use providers::{
    DynamicClaims, DynamicCredential, OidcClaims, ParaClaims, ParaData, ParaWallet, ParraClaims,
    ParraGrants, PrivyClaims, PrivyLinkedAccount, SessionClaims, SophonClaims, Web3AuthClaims,
    Web3AuthWallet,
};
pub use token::{DEFAULT_MAX_TOKEN_BYTES, UnverifiedToken};
pub use token_checks::{Verified, check_validity_window, now, verify, verify_signature};
pub use verifying_key::{EcCurve, KeyLoadError, SignatureKey, VerifyingKey};
