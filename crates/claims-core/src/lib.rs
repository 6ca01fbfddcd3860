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

// The code `#[derive(ClaimsDeserialize)]` writes names `::claims_core::…`, here as elsewhere.
extern crate self as claims_core;

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
pub mod signature_scheme;
pub mod token;
pub mod token_checks;
pub mod verifying_key;

pub use algorithm::{Algorithm, AlgorithmFamily, UnknownAlgorithm};
/// What the code of `#[derive(ClaimsDeserialize)]` names. Not part of the API.
#[doc(hidden)]
pub use claims::de::__private;
pub use claims::{AnyClaims, Audience, Extra, NumericDate, ProviderClaims, Registered};
/// Derives the one-pass `serde::Deserialize` of a claims type: each member the struct models
/// goes straight into its field, every other member into its `#[serde(flatten)]` [`Extra`],
/// with no intermediate buffer (serde's own `flatten` buffers the whole object first).
///
/// The JSON name of a field is the one its `#[serde(rename = "...")]` or the container's
/// `#[serde(rename_all = "...")]` gives, as for `Serialize`. Absent members take their
/// `Default`, a repeated known member is an error, and two field attributes change how a value
/// is read:
/// * `#[claims(null_as_default)]`: `null` reads as the type's default (an empty `Vec`);
/// * `#[claims(string_or_number)]` (on an `Option<String>` or `Option<Box<str>>`): a JSON number is kept as its
///   decimal text, so `"sub": 6841` reads as `Some("6841")`.
///
/// ```
/// use claims_core::{ClaimsDeserialize, Extra, NumericDate};
/// use serde::Serialize;
///
/// #[derive(Debug, Clone, Serialize, ClaimsDeserialize)]
/// struct MyClaims {
///     #[serde(default, skip_serializing_if = "Option::is_none")]
///     #[claims(string_or_number)]
///     sub: Option<String>,
///     #[serde(default, skip_serializing_if = "Option::is_none")]
///     exp: Option<NumericDate>,
///     #[serde(default, rename = "walletAddresses")]
///     #[claims(null_as_default)]
///     wallets: Vec<String>,
///     /// Members not modelled above.
///     #[serde(flatten)]
///     extra: Extra,
/// }
///
/// let c: MyClaims = serde_json::from_str(
///     r#"{"sub": 6841, "exp": 2, "walletAddresses": null, "tier": "gold"}"#,
/// )?;
/// assert_eq!(c.sub.as_deref(), Some("6841"));
/// assert!(c.wallets.is_empty());
/// assert_eq!(c.extra.get("tier"), Some(&serde_json::json!("gold")));
/// assert!(serde_json::from_str::<MyClaims>(r#"{"sub": 1, "sub": 2}"#).is_err());
/// # Ok::<(), serde_json::Error>(())
/// ```
pub use claims_derive::ClaimsDeserialize;
pub use error::{Malformed, Part, VerifyError};
pub use header::{Header, MAX_KID_LEN};
pub use identity::{Identity, Wallet, wallet_value_eq};
pub use issuer_index::IssuerIndex;
pub use parra_issuer::{ParraError, ParraIssuer, ParraKeyring, TokenResponse};
pub use policy::{DEFAULT_LEEWAY, Policy, PolicyError};
pub use provider_id::{ProviderId, UnknownProvider};
pub use providers::{
    DynamicClaims, DynamicCredential, FarcasterClaims, MagicClaims, OidcClaims, ParaClaims,
    ParaData, ParaWallet, ParraClaims, ParraGrants, PrivyClaims, PrivyLinkedAccount, SessionClaims,
    SophonClaims, ThirdwebClaims, TurnkeyClaims, Web3AuthClaims, Web3AuthWallet,
};
pub use signature_scheme::SignatureScheme;
pub use token::{DEFAULT_MAX_TOKEN_BYTES, UnverifiedToken};
pub use token_checks::{Verified, check_validity_window, now, verify, verify_signature};
pub use verifying_key::{EcCurve, KeyLoadError, SignatureKey, VerifyingKey};
