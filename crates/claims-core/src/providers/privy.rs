//! Privy (privy.io): access- and identity-token claims and policy.
//!
//! ES256 only; `iss` `privy.io`; `aud` the app id; `exp` required; `sub` is the user's Privy DID
//! and `sid` the session. Identity tokens also carry `linked_accounts` (a JSON array, which
//! Privy sends as a string), whose wallets and email become the [`Identity`]'s.

use serde::Serialize;

use crate::ClaimsDeserialize;
use crate::claims::{Audience, Extra, NumericDate, ProviderClaims};
use crate::identity::non_empty;
use crate::policy::required_setting;
use crate::{Algorithm, Identity, Policy, PolicyError, ProviderId, VerifyError, Wallet};

/// Privy's issuer.
pub const ISSUER: &str = "privy.io";
/// The cookie Privy's client SDK keeps the access token in.
pub const ACCESS_TOKEN_COOKIE: &str = "privy-token";
/// The cookie Privy's client SDK keeps the identity token in.
pub const IDENTITY_TOKEN_COOKIE: &str = "privy-id-token";

/// The claims of a Privy access token or identity token.
///
/// ```
/// use claims_core::{PrivyClaims, ProviderClaims};
/// let c: PrivyClaims = serde_json::from_str(r#"{"sid":"cm0session","iss":"privy.io",
///   "iat":1,"aud":"cm0appid","sub":"did:privy:cm0user","exp":2,
///   "linked_accounts":"[{\"type\":\"wallet\",\"address\":\"0xAbC\",\"chain_type\":\"ethereum\"},{\"type\":\"email\",\"address\":\"a@example.com\"}]"}"#).unwrap();
/// let id = c.identity().unwrap();
/// assert_eq!(id.user_id, "did:privy:cm0user");
/// assert_eq!(id.email.as_deref(), Some("a@example.com"));
/// assert_eq!(id.wallets[0].chain.as_deref(), Some("evm"));
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, ClaimsDeserialize)]
pub struct PrivyClaims {
    /// `iss`: `privy.io`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iss: Option<Box<str>>,
    /// `sub`: the user's Privy DID (`did:privy:…`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sub: Option<Box<str>>,
    /// `aud`: your Privy app id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aud: Option<Audience>,
    /// `sid`: the session id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sid: Option<Box<str>>,
    /// `iat`
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iat: Option<NumericDate>,
    /// `exp`
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exp: Option<NumericDate>,
    /// `nbf`
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nbf: Option<NumericDate>,
    /// `linked_accounts` (identity tokens), as Privy sent it: usually a string holding a JSON
    /// array. Read it with [`PrivyClaims::linked_accounts`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub linked_accounts: Option<serde_json::Value>,
    /// Members not modelled above (`custom_metadata`, …).
    #[serde(flatten)]
    pub extra: Extra,
}

/// One entry of an identity token's `linked_accounts`.
#[derive(Debug, Clone, PartialEq, Default)]
#[non_exhaustive]
pub struct PrivyLinkedAccount {
    /// `type`: `wallet`, `smart_wallet`, `email`, `phone`, `google_oauth`, …
    pub kind: String,
    /// `address`: a wallet address or an email address, by `type`.
    pub address: Option<String>,
    /// `chain_type` of a wallet: `ethereum`, `solana`, …
    pub chain_type: Option<String>,
    /// `email` of an OAuth account (`google_oauth`, `apple_oauth`, …).
    pub email: Option<String>,
}

/// At most this many linked accounts are read from one token.
const MAX_LINKED_ACCOUNTS: usize = 64;

impl PrivyClaims {
    /// The linked accounts of an identity token (empty for access tokens). Entries that are not
    /// objects are skipped; a `linked_accounts` that is neither an array nor a string holding one
    /// reads as empty.
    pub fn linked_accounts(&self) -> Vec<PrivyLinkedAccount> {
        let parsed;
        let array = match &self.linked_accounts {
            Some(serde_json::Value::Array(a)) => a,
            Some(serde_json::Value::String(s)) => {
                parsed = serde_json::from_str::<Vec<serde_json::Value>>(s).unwrap_or_default();
                &parsed
            }
            _ => return Vec::new(),
        };
        let text = |v: &serde_json::Value, k: &str| {
            v.get(k)
                .and_then(serde_json::Value::as_str)
                .and_then(|s| non_empty(Some(s)))
                .map(str::to_owned)
        };
        array
            .iter()
            .filter(|v| v.is_object())
            .take(MAX_LINKED_ACCOUNTS)
            .map(|v| PrivyLinkedAccount {
                kind: text(v, "type").unwrap_or_default(),
                address: text(v, "address"),
                chain_type: text(v, "chain_type"),
                email: text(v, "email"),
            })
            .collect()
    }
}

impl ProviderClaims for PrivyClaims {
    crate::claims::registered_fields!();

    fn extra(&self) -> &Extra {
        &self.extra
    }

    fn identity(&self) -> Result<Identity, VerifyError> {
        let accounts = self.linked_accounts();
        let email = accounts
            .iter()
            .find(|a| a.kind == "email")
            .and_then(|a| a.address.clone())
            .or_else(|| {
                accounts
                    .iter()
                    .filter(|a| a.kind == "google_oauth" || a.kind == "apple_oauth")
                    .find_map(|a| a.email.clone())
            });
        let wallets = accounts
            .iter()
            .filter(|a| a.kind == "wallet" || a.kind == "smart_wallet")
            .filter(|a| a.address.is_some())
            .map(|a| {
                // A smart wallet names no chain: Privy's smart wallets are EVM contracts.
                let chain = a
                    .chain_type
                    .as_deref()
                    .or_else(|| (a.kind == "smart_wallet").then_some("ethereum"));
                Wallet::new(chain, a.address.as_deref(), None)
            })
            .collect();
        Ok(Identity {
            provider: ProviderId::PRIVY,
            user_id: crate::claims::user_id(&[self.sub.as_deref()], "sub")?,
            email,
            wallets,
            issued_at: self.iat.map(|d| d.0),
            expires_at: crate::claims::expiry(self.exp)?,
        })
    }
}

impl Policy {
    /// Privy: ES256; `iss` must be `privy.io`; `aud` must be `app_id`; `exp` required (as for
    /// every policy).
    pub fn privy(app_id: impl Into<String>) -> Result<Self, PolicyError> {
        let app_id = required_setting(app_id.into(), "privy.app_id")?;
        Ok(
            Policy::new::<PrivyClaims>(ProviderId::PRIVY, &[Algorithm::ES256])?
                .with_issuers([ISSUER])?
                .with_audiences([app_id]),
        )
    }
}

/// A description when a token looks like Privy's (its issuer).
pub fn recognise(iss: Option<&str>, _cty: Option<&str>) -> Option<String> {
    (iss == Some(ISSUER)).then(|| format!("iss {ISSUER:?}"))
}
