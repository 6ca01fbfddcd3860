//! Step 3: what each provider's tokens must satisfy.
//!
//! A [`Policy`] is built once at start-up from the provider's constructor and a few `with_*`
//! settings; verifying only reads it. The algorithm allow-list always comes from the policy, never
//! from the token, and one policy never mixes HMAC with public-key algorithms.

use std::collections::HashMap;
use std::time::Duration;

use crate::algorithm::{Algorithm, AlgorithmFamily};

use crate::Provider;

/// The default clock leeway: 60 seconds.
pub const DEFAULT_LEEWAY: Duration = Duration::from_secs(60);
/// Sophon's issuer.
pub const SOPHON_ISSUER: &str = "https://auth.sophon.xyz";
/// Web3Auth's issuer for social logins (the default).
pub const WEB3AUTH_ISSUER: &str = "https://api-auth.web3auth.io";
/// Web3Auth's issuer for external wallets.
pub const WEB3AUTH_EXTERNAL_WALLET_ISSUER: &str = "https://authjs.web3auth.io";
/// The hosts Dynamic issues from (`iss` = `<host>/<environment id>`, no scheme).
pub const DYNAMIC_ISSUER_HOSTS: [&str; 2] = ["app.dynamicauth.com", "app.dynamic.xyz"];
/// Parra's `cty` header.
pub const PARRA_CONTENT_TYPE: &str = "parra-fpa;v=1";
/// Dynamic's scope meaning "MFA still pending".
pub const DYNAMIC_ADDITIONAL_AUTH_SCOPE: &str = "requiresAdditionalAuth";

/// A policy that cannot be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PolicyError {
    /// The algorithm list is empty or mixes HMAC with public-key algorithms.
    #[error(
        "the allowed algorithms must be non-empty and must not mix HMAC with public-key algorithms"
    )]
    Algorithms,
    /// A required setting is empty (names it).
    #[error("{0} must not be empty")]
    Empty(&'static str),
    /// Two providers claim the same issuer (names it).
    #[error("two providers are configured with the issuer {0:?}")]
    DuplicateIssuer(String),
    /// More than one provider without an issuer.
    #[error("at most one provider without an issuer (para) can be configured")]
    SeveralIssuerless,
    /// A setting is outside its documented valid range.
    #[error("{setting} = {value} is outside its valid range {valid}")]
    OutOfRange {
        /// The setting (`max_token_bytes`).
        setting: &'static str,
        /// The value given.
        value: u64,
        /// The valid range (`256..=65536`).
        valid: String,
    },
}

/// What a provider's tokens must satisfy. See the constructors for each provider's rules.
///
/// ```
/// use claims_core::Policy;
/// let p = Policy::dynamic("env-1").unwrap().with_required_scopes(["user:basic"]);
/// assert_eq!(p.issuers(), ["app.dynamicauth.com/env-1", "app.dynamic.xyz/env-1"]);
/// ```
#[derive(Debug, Clone)]
pub struct Policy {
    pub(crate) provider: Provider,
    pub(crate) algorithms: Vec<Algorithm>,
    /// Empty means "not checked" (Para).
    pub(crate) issuers: Vec<String>,
    pub(crate) issuers_text: String,
    pub(crate) audiences: Vec<String>,
    pub(crate) audiences_text: String,
    /// Parra: the tenant id (`sub`) expected for each API key id (`iss`).
    pub(crate) subject_by_issuer: HashMap<String, String>,
    pub(crate) leeway: u64,
    pub(crate) max_token_bytes: usize,
    pub(crate) iat_in_past: bool,
    pub(crate) content_type: Option<&'static str>,
    pub(crate) access_tokens_only: bool,
    /// Scopes every token must carry (any provider).
    pub(crate) required_scopes: Vec<String>,
    /// Dynamic: `Some(allowed)` — whether `requiresAdditionalAuth` in `scope` is accepted.
    pub(crate) additional_auth: Option<bool>,
}

impl Policy {
    fn new(provider: Provider, algorithms: Vec<Algorithm>, issuers: Vec<String>) -> Self {
        let mut p = Policy {
            provider,
            algorithms,
            issuers: Vec::new(),
            issuers_text: String::new(),
            audiences: Vec::new(),
            audiences_text: String::new(),
            subject_by_issuer: HashMap::new(),
            leeway: DEFAULT_LEEWAY.as_secs(),
            max_token_bytes: crate::DEFAULT_MAX_TOKEN_BYTES,
            iat_in_past: false,
            content_type: None,
            access_tokens_only: false,
            required_scopes: Vec::new(),
            additional_auth: None,
        };
        p.set_issuers(issuers);
        p
    }

    fn set_issuers(&mut self, issuers: Vec<String>) {
        self.issuers_text = one_of(&issuers);
        self.issuers = issuers;
    }

    /// Para: RS256 or ES256, the key's type deciding (Para's docs name no algorithm; its one
    /// public key set is RS256, and some integrations sign ES256); no `iss` is documented, so
    /// none is required; `aud` checked only when configured ([`Policy::with_audiences`]: the
    /// API key id).
    pub fn para() -> Self {
        Policy::new(
            Provider::Para,
            vec![Algorithm::RS256, Algorithm::ES256],
            Vec::new(),
        )
    }

    /// Parra: HS256 (see [`Policy::with_algorithms`] for HS384/HS512); `cty` must be
    /// `parra-fpa;v=1`; `iss` must be one of the API key ids and `sub` that key's tenant id.
    /// `keys` yields `(api_key_id, tenant_id)`.
    pub fn parra<I, K, T>(keys: I) -> Result<Self, PolicyError>
    where
        I: IntoIterator<Item = (K, T)>,
        K: Into<String>,
        T: Into<String>,
    {
        let subject_by_issuer: HashMap<String, String> = keys
            .into_iter()
            .map(|(k, t)| (k.into(), t.into()))
            .collect();
        if subject_by_issuer.is_empty() || subject_by_issuer.keys().any(String::is_empty) {
            return Err(PolicyError::Empty("parra.keys"));
        }
        let mut issuers: Vec<String> = subject_by_issuer.keys().cloned().collect();
        issuers.sort();
        let mut p = Policy::new(Provider::Parra, vec![Algorithm::HS256], issuers);
        p.subject_by_issuer = subject_by_issuer;
        p.content_type = Some(PARRA_CONTENT_TYPE);
        Ok(p)
    }

    /// Sophon: RS256; `iss` `https://auth.sophon.xyz` (see [`Policy::with_issuers`]); `aud` must be
    /// `partner_id`; refresh tokens (`typ` other than `access`) are refused.
    pub fn sophon(partner_id: impl Into<String>) -> Result<Self, PolicyError> {
        let partner_id = non_empty(partner_id.into(), "sophon.partner_id")?;
        let mut p = Policy::new(
            Provider::Sophon,
            vec![Algorithm::RS256],
            vec![SOPHON_ISSUER.to_owned()],
        );
        p.access_tokens_only = true;
        Ok(p.with_audiences([partner_id]))
    }

    /// Dynamic: RS256; `iss` must be `app.dynamicauth.com/<environment_id>` or
    /// `app.dynamic.xyz/<environment_id>`; `aud` checked when configured; `requiresAdditionalAuth`
    /// in `scope` is refused (see [`Policy::allow_additional_auth`]).
    pub fn dynamic(environment_id: impl Into<String>) -> Result<Self, PolicyError> {
        let env = non_empty(environment_id.into(), "dynamic.environment_id")?;
        let issuers = DYNAMIC_ISSUER_HOSTS
            .iter()
            .map(|host| format!("{host}/{env}"))
            .collect();
        let mut p = Policy::new(Provider::Dynamic, vec![Algorithm::RS256], issuers);
        p.additional_auth = Some(false);
        Ok(p)
    }

    /// Web3Auth: ES256; `iss` `https://api-auth.web3auth.io` by default (see
    /// [`Policy::with_issuers`]); `aud` must be `client_id`; `iat` required and not in the future.
    pub fn web3auth(client_id: impl Into<String>) -> Result<Self, PolicyError> {
        let client_id = non_empty(client_id.into(), "web3auth.client_id")?;
        let mut p = Policy::new(
            Provider::Web3Auth,
            vec![Algorithm::ES256],
            vec![WEB3AUTH_ISSUER.to_owned()],
        );
        p.iat_in_past = true;
        Ok(p.with_audiences([client_id]))
    }

    /// Replace the accepted issuers (Sophon: another issuer; Web3Auth: the issuer list, e.g. adding
    /// `https://authjs.web3auth.io` for external wallets).
    pub fn with_issuers<I: IntoIterator<Item = S>, S: Into<String>>(
        mut self,
        issuers: I,
    ) -> Result<Self, PolicyError> {
        let issuers: Vec<String> = issuers.into_iter().map(Into::into).collect();
        if issuers.is_empty() || issuers.iter().any(String::is_empty) {
            return Err(PolicyError::Empty("issuers"));
        }
        self.set_issuers(issuers);
        Ok(self)
    }

    /// Accept tokens whose `aud` contains any of `audiences`. An empty list turns the check off.
    pub fn with_audiences<I: IntoIterator<Item = S>, S: Into<String>>(
        mut self,
        audiences: I,
    ) -> Self {
        self.audiences = audiences.into_iter().map(Into::into).collect();
        self.audiences_text = one_of(&self.audiences);
        self
    }

    /// Replace the allowed algorithms. HMAC algorithms never mix with public-key ones, so a
    /// public key can never be used as an HMAC secret (public-key families may mix: the token's
    /// algorithm decides which key type is looked up, and a key of another type is refused).
    pub fn with_algorithms(mut self, algorithms: &[Algorithm]) -> Result<Self, PolicyError> {
        let hmac = |a: &Algorithm| a.family() == AlgorithmFamily::Hmac;
        if algorithms.is_empty() || (algorithms.iter().any(hmac) && !algorithms.iter().all(hmac)) {
            return Err(PolicyError::Algorithms);
        }
        self.algorithms = algorithms.to_vec();
        Ok(self)
    }

    /// The clock leeway for `exp`, `nbf` and `iat` (default 60 s).
    pub fn with_leeway(mut self, leeway: Duration) -> Self {
        self.leeway = leeway.as_secs();
        self
    }

    /// The largest token accepted, in bytes (default 8 KiB).
    pub fn with_max_token_bytes(mut self, max: usize) -> Self {
        self.max_token_bytes = max;
        self
    }

    /// Dynamic: accept tokens whose `scope` contains `requiresAdditionalAuth` (MFA pending).
    /// Off by default. Other providers have no such refusal, so there is nothing to relax: no
    /// effect on them.
    pub fn allow_additional_auth(mut self, allow: bool) -> Self {
        if let Some(allowed) = &mut self.additional_auth {
            *allowed = allow;
        }
        self
    }

    /// Scopes every token must carry (e.g. `user:basic`), for every provider: read from
    /// `scope` (space-separated) or `scp` (an array of strings). A token without one of them is
    /// refused with [`VerifyError::InsufficientScope`](crate::VerifyError::InsufficientScope).
    pub fn with_required_scopes<I: IntoIterator<Item = S>, S: Into<String>>(
        mut self,
        scopes: I,
    ) -> Self {
        self.required_scopes = scopes.into_iter().map(Into::into).collect();
        self
    }

    /// The scopes every token must carry.
    pub fn required_scopes(&self) -> &[String] {
        &self.required_scopes
    }

    /// The provider this policy is for.
    pub fn provider(&self) -> Provider {
        self.provider
    }

    /// The allowed algorithms.
    pub fn algorithms(&self) -> &[Algorithm] {
        &self.algorithms
    }

    /// True when `alg` is allowed.
    pub fn allows(&self, alg: Algorithm) -> bool {
        self.algorithms.contains(&alg)
    }

    /// The algorithm family of this policy's keys, when all its algorithms share one.
    pub fn family(&self) -> Option<AlgorithmFamily> {
        let first = self.algorithms.first()?.family();
        self.algorithms
            .iter()
            .all(|a| a.family() == first)
            .then_some(first)
    }

    /// The accepted issuers; empty when `iss` is not checked (Para).
    pub fn issuers(&self) -> &[String] {
        &self.issuers
    }

    /// The accepted audiences; empty when `aud` is not checked.
    pub fn audiences(&self) -> &[String] {
        &self.audiences
    }

    /// The clock leeway in seconds.
    pub fn leeway(&self) -> u64 {
        self.leeway
    }

    /// The largest token accepted, in bytes.
    pub fn max_token_bytes(&self) -> usize {
        self.max_token_bytes
    }
}

fn non_empty(s: String, field: &'static str) -> Result<String, PolicyError> {
    if s.is_empty() {
        Err(PolicyError::Empty(field))
    } else {
        Ok(s)
    }
}

fn one_of(values: &[String]) -> String {
    match values {
        [] => "absent".to_owned(),
        [one] => format!("{one:?}"),
        many => format!("one of {many:?}"),
    }
}
