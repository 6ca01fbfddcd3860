//! Dynamic (dynamic.xyz): claims (full and minified) and policy.
//!
//! RS256, `iss` `app.dynamic(auth).xyz/<environment id>`, MFA-pending tokens refused.

use crate::policy::required_setting;
use crate::{Algorithm, Policy, PolicyError};
use serde::Serialize;

use crate::ClaimsDeserialize;
use crate::claims::{Audience, Extra, NumericDate, ProviderClaims};
use crate::identity::non_empty;
use crate::{Identity, ProviderId, VerifyError, Wallet};

/// The claims of a Dynamic token. Full tokens carry `verified_credentials` and the user's
/// profile; minified tokens carry only ids and `verifiedCredentialsHashes`. Every optional member
/// may be absent, empty or `null`.
///
/// ```
/// use claims_core::{DynamicClaims, ProviderClaims};
/// let c: DynamicClaims = serde_json::from_str(r#"{"iss":"app.dynamicauth.com/env","sub":"u",
///   "iat":1,"exp":2,"scope":"","lists":null,
///   "verified_credentials":[{"id":"c","format":"blockchain","chain":"eip155","address":"0xAB"}]}"#).unwrap();
/// let id = c.identity().unwrap();
/// assert_eq!(id.wallets[0].chain.as_deref(), Some("evm"));
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, ClaimsDeserialize)]
pub struct DynamicClaims {
    /// `iss`: `app.dynamicauth.com/<environment id>` (or `app.dynamic.xyz/…`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iss: Option<Box<str>>,
    /// `aud`: the page origin.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aud: Option<Audience>,
    /// `sub`: the Dynamic user id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sub: Option<Box<str>>,
    /// `sid`
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sid: Option<Box<str>>,
    /// `kid` (repeated from the header).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kid: Option<Box<str>>,
    /// `environment_id`
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub environment_id: Option<Box<str>>,
    /// `iat`
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iat: Option<NumericDate>,
    /// `exp`
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exp: Option<NumericDate>,
    /// `nbf`
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nbf: Option<NumericDate>,
    /// `scope`: space-separated (`user:basic`, `requiresAdditionalAuth`, …); may be empty.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<Box<str>>,
    /// `verified_credentials`
    #[serde(default)]
    #[claims(null_as_default)]
    pub verified_credentials: Vec<DynamicCredential>,
    /// `verified_account`: the most recently signed and verified account.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verified_account: Option<DynamicCredential>,
    /// `last_verified_credential_id`
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_verified_credential_id: Option<Box<str>>,
    /// `lists`: access lists the user is on.
    #[serde(default)]
    #[claims(null_as_default)]
    pub lists: Vec<String>,
    /// `missing_fields`
    #[serde(default)]
    #[claims(null_as_default)]
    pub missing_fields: Vec<serde_json::Value>,
    /// `alias`
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alias: Option<Box<str>>,
    /// `email`
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<Box<str>>,
    /// `given_name`
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub given_name: Option<Box<str>>,
    /// `family_name`
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub family_name: Option<Box<str>>,
    /// `first_visit`
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_visit: Option<Box<str>>,
    /// `new_user`
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub new_user: Option<bool>,
    /// `metadata`
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<serde_json::Value>,
    /// `verifiedCredentialsHashes` (minified tokens).
    #[serde(
        default,
        rename = "verifiedCredentialsHashes",
        skip_serializing_if = "Option::is_none"
    )]
    pub verified_credentials_hashes: Option<serde_json::Value>,
    /// Members not modelled above.
    #[serde(flatten)]
    pub extra: Extra,
}

/// One entry of Dynamic's `verified_credentials` (or `verified_account`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, ClaimsDeserialize)]
pub struct DynamicCredential {
    /// `id`
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<Box<str>>,
    /// `format`: `blockchain`, `email`, `oauth`, …
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub format: Option<Box<str>>,
    /// `address` (wallets)
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<Box<str>>,
    /// `chain`: `eip155`, `solana`, … (wallets)
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chain: Option<Box<str>>,
    /// `wallet_name`
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wallet_name: Option<Box<str>>,
    /// `wallet_provider`
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wallet_provider: Option<Box<str>>,
    /// `public_identifier`
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub public_identifier: Option<Box<str>>,
    /// `email` (email credentials)
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<Box<str>>,
    /// `oauth_provider`
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub oauth_provider: Option<Box<str>>,
    /// `oauth_username`
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub oauth_username: Option<Box<str>>,
    /// Members not modelled above.
    #[serde(flatten)]
    pub extra: Extra,
}

impl DynamicClaims {
    /// The granted scopes.
    pub fn scopes(&self) -> impl Iterator<Item = &str> {
        self.scope
            .as_deref()
            .unwrap_or_default()
            .split_ascii_whitespace()
    }

    /// True when `scope` was granted.
    pub fn has_scope(&self, scope: &str) -> bool {
        self.scopes().any(|s| s == scope)
    }

    /// True when the user is on the access list `list`.
    pub fn in_list(&self, list: &str) -> bool {
        self.lists.iter().any(|l| l == list)
    }
}

impl ProviderClaims for DynamicClaims {
    fn extra(&self) -> &Extra {
        &self.extra
    }

    crate::claims::registered_fields!();

    fn identity(&self) -> Result<Identity, VerifyError> {
        let mut wallets: Vec<Wallet> = self
            .verified_credentials
            .iter()
            .filter(|c| non_empty(c.address.as_deref()).is_some())
            .map(|c| Wallet::new(c.chain.as_deref(), c.address.as_deref(), None))
            .collect();
        if wallets.is_empty()
            && let Some(acct) = self
                .verified_account
                .as_ref()
                .filter(|a| non_empty(a.address.as_deref()).is_some())
        {
            wallets.push(Wallet::new(
                acct.chain.as_deref(),
                acct.address.as_deref(),
                None,
            ));
        }
        let email = non_empty(self.email.as_deref()).or_else(|| {
            self.verified_credentials
                .iter()
                .find(|c| c.format.as_deref() == Some("email"))
                .and_then(|c| non_empty(c.email.as_deref()))
        });
        Ok(Identity {
            provider: ProviderId::DYNAMIC,
            user_id: crate::claims::user_id(&[self.sub.as_deref()], "sub")?,
            email: email.map(str::to_owned),
            wallets,
            issued_at: self.iat.map(|d| d.0),
            expires_at: crate::claims::expiry(self.exp)?,
        })
    }
}

/// The hosts Dynamic issues from (`iss` = `<host>/<environment id>`, no scheme).
pub const ISSUER_HOSTS: [&str; 2] = ["app.dynamicauth.com", "app.dynamic.xyz"];
/// Dynamic's scope meaning "MFA still pending".
pub const ADDITIONAL_AUTH_SCOPE: &str = "requiresAdditionalAuth";

impl Policy {
    /// Dynamic: RS256; `iss` must be `app.dynamicauth.com/<environment_id>` or
    /// `app.dynamic.xyz/<environment_id>`; `aud` checked when configured; `requiresAdditionalAuth`
    /// in `scope` is refused (see [`Policy::allow_additional_auth`]).
    pub fn dynamic(environment_id: impl Into<String>) -> Result<Self, PolicyError> {
        let env = required_setting(environment_id.into(), "dynamic.environment_id")?;
        Ok(
            Policy::new::<DynamicClaims>(ProviderId::DYNAMIC, &[Algorithm::RS256])?
                .with_issuers(ISSUER_HOSTS.iter().map(|host| format!("{host}/{env}")))?
                .with_forbidden_scopes([ADDITIONAL_AUTH_SCOPE]),
        )
    }

    /// Accept (`true`) or refuse (`false`, Dynamic's default) tokens whose `scope` contains
    /// `requiresAdditionalAuth` (Dynamic: MFA pending). Refusing works for every provider.
    pub fn allow_additional_auth(self, allow: bool) -> Self {
        let mut forbidden: Vec<String> = self
            .forbidden_scopes()
            .iter()
            .filter(|s| *s != ADDITIONAL_AUTH_SCOPE)
            .cloned()
            .collect();
        if !allow {
            forbidden.push(ADDITIONAL_AUTH_SCOPE.to_owned());
        }
        self.with_forbidden_scopes(forbidden)
    }
}

/// A description when a token looks like Dynamic's (`iss` `<host>/<environment id>`).
pub fn recognise(iss: Option<&str>, _cty: Option<&str>) -> Option<String> {
    let iss = iss?;
    ISSUER_HOSTS
        .iter()
        .find_map(|host| iss.strip_prefix(host)?.strip_prefix('/'))
        .map(|env| format!("environment {:?}", crate::error::shorten(env)))
}
