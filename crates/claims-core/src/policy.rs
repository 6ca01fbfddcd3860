//! Step 3: what a provider's tokens must satisfy.
//!
//! A [`Policy`] is a set of rules built once at start-up — by a provider's constructor (in
//! [`crate::providers`]) or by [`Policy::new`] for a provider of your own — and then only read.
//! It names no provider: every rule reads its claim through [`ProviderClaims`], so it holds for
//! every claims type. The algorithm allow-list always comes from the policy, never from the token,
//! and one policy never mixes HMAC with public-key algorithms.

use std::any::TypeId;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use crate::algorithm::{Algorithm, AlgorithmFamily};
use crate::claims::{AnyClaims, ProviderClaims};
use crate::error::VerifyError;
use crate::signature_scheme::SignatureScheme;
use crate::token_checks::Verified;
use crate::verifying_key::SignatureKey;
use crate::{ProviderId, UnverifiedToken};

/// The default clock leeway: 60 seconds.
pub const DEFAULT_LEEWAY: Duration = Duration::from_secs(60);

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
    /// Two providers have the same name.
    #[error("two providers are named {0:?}")]
    DuplicateProvider(String),
    /// A policy with issuers cannot also be routed by a member (issuer-less tokens only).
    #[error("a policy routed by a member has no issuers")]
    RoutedTwice,
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

/// Verifies a parsed token as the policy's claims type and erases the type.
type VerifyAs = fn(
    &Policy,
    &UnverifiedToken<'_>,
    Algorithm,
    &dyn SignatureKey,
    i64,
) -> Result<Verified<AnyClaims>, VerifyError>;

/// Checks the claims of a token whose signature is verified, as the policy's claims type, and
/// erases the type.
type CheckAs = fn(&Policy, &[u8], i64) -> Result<Verified<AnyClaims>, VerifyError>;

/// The claims type a policy verifies into.
#[derive(Clone, Copy)]
pub(crate) struct ClaimsType {
    pub(crate) id: TypeId,
    pub(crate) name: &'static str,
    pub(crate) verify_as: VerifyAs,
    pub(crate) check_as: CheckAs,
}

impl ClaimsType {
    fn of<C: ProviderClaims>() -> Self {
        ClaimsType {
            id: TypeId::of::<C>(),
            name: std::any::type_name::<C>(),
            verify_as: |policy, token, alg, key, now| {
                policy
                    .verify_parsed::<C>(token, alg, key, now)
                    .map(|v| v.erased(&policy.provider))
            },
            check_as: |policy, payload, now| {
                policy
                    .verify_payload::<C>(payload, now)
                    .map(|v| v.erased(&policy.provider))
            },
        }
    }
}

impl<C: ProviderClaims> Verified<C> {
    /// The same, with the claims behind [`AnyClaims`].
    fn erased(self, provider: &ProviderId) -> Verified<AnyClaims> {
        let claims = AnyClaims::new(provider.clone(), self.claims).with_scopes(self.scopes.clone());
        Verified {
            claims,
            identity: self.identity,
            scopes: self.scopes,
        }
    }
}

/// Where the user id and email come from, when not from the claims type's own rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct IdentityClaims {
    pub(crate) user_id: String,
    pub(crate) email: String,
}

/// What a provider's tokens must satisfy.
///
/// The built-in providers' constructors ([`Policy::para`], [`Policy::privy`], …) set their
/// documented rules; [`Policy::new`] starts an empty policy for a provider of your own.
///
/// ```
/// use claims_core::{Algorithm, OidcClaims, Policy};
/// let p = Policy::dynamic("env-1").unwrap().with_required_scopes(["user:basic"]);
/// assert_eq!(p.issuers(), ["app.dynamicauth.com/env-1", "app.dynamic.xyz/env-1"]);
///
/// let mine = Policy::new::<OidcClaims>("acme", &[Algorithm::ES256])
///     .unwrap()
///     .with_issuers(["https://id.acme.example"])
///     .unwrap()
///     .with_audiences(["api"]);
/// assert_eq!(mine.provider(), "acme");
/// ```
#[derive(Clone)]
pub struct Policy {
    pub(crate) provider: ProviderId,
    pub(crate) claims: ClaimsType,
    pub(crate) algorithms: Vec<Algorithm>,
    /// Empty means "not checked" (Para).
    pub(crate) issuers: Vec<String>,
    pub(crate) issuers_text: String,
    pub(crate) audiences: Vec<String>,
    pub(crate) audiences_text: String,
    /// The `sub` expected for each `iss` (Parra: the tenant id of each API key id).
    pub(crate) subject_by_issuer: HashMap<String, String>,
    pub(crate) leeway: u64,
    pub(crate) max_token_bytes: usize,
    pub(crate) iat_required: bool,
    pub(crate) content_type: Option<&'static str>,
    /// When `typ` is present it must be this (Sophon: `access`).
    pub(crate) token_type: Option<&'static str>,
    /// Scopes every token must carry.
    pub(crate) required_scopes: Vec<String>,
    /// Scopes no accepted token may carry (Dynamic: `requiresAdditionalAuth`).
    pub(crate) forbidden_scopes: Vec<String>,
    /// Claims every accepted token must carry (Privy access tokens only: `sid`).
    pub(crate) required_claims: Vec<String>,
    pub(crate) identity_claims: Option<IdentityClaims>,
    /// Claims whose value must be one of a list (Turnkey: `organization_id`; `azp`).
    pub(crate) claim_values: Vec<ClaimValues>,
    /// The provider's own signature scheme, when its tokens are not plain JWS.
    pub(crate) scheme: Option<Arc<dyn SignatureScheme>>,
    /// Tokens without `iss` that carry this member are routed here (Turnkey: `organization_id`).
    pub(crate) routing_member: Option<String>,
}

/// One claim that must hold one of the listed values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ClaimValues {
    pub(crate) claim: String,
    pub(crate) values: Vec<String>,
}

impl std::fmt::Debug for Policy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Policy")
            .field("provider", &self.provider)
            .field("claims", &self.claims.name)
            .field("algorithms", &self.algorithms)
            .field("issuers", &self.issuers)
            .field("audiences", &self.audiences)
            .field("leeway", &self.leeway)
            .field("max_token_bytes", &self.max_token_bytes)
            .field("iat_required", &self.iat_required)
            .field("content_type", &self.content_type)
            .field("token_type", &self.token_type)
            .field("required_scopes", &self.required_scopes)
            .field("forbidden_scopes", &self.forbidden_scopes)
            .field("required_claims", &self.required_claims)
            .field("claim_values", &self.claim_values)
            .field("scheme", &self.scheme)
            .field("routing_member", &self.routing_member)
            .finish_non_exhaustive()
    }
}

impl Policy {
    /// An empty policy for `provider`, whose tokens are read as `C`, signed with one of
    /// `algorithms` (non-empty, never HMAC mixed with public-key algorithms). It checks `exp`
    /// and `nbf` only: add issuers, audiences and the other rules with the `with_*` methods.
    pub fn new<C: ProviderClaims>(
        provider: impl Into<ProviderId>,
        algorithms: &[Algorithm],
    ) -> Result<Self, PolicyError> {
        Policy::with_fixed_algorithms::<C>(provider.into(), algorithms).with_algorithms(algorithms)
    }

    /// [`Policy::new`] for a built-in provider, whose algorithm list is a known-good constant.
    pub(crate) fn with_fixed_algorithms<C: ProviderClaims>(
        provider: ProviderId,
        algorithms: &[Algorithm],
    ) -> Self {
        Policy {
            provider,
            claims: ClaimsType::of::<C>(),
            algorithms: algorithms.to_vec(),
            issuers: Vec::new(),
            issuers_text: one_of(&[]),
            audiences: Vec::new(),
            audiences_text: one_of(&[]),
            subject_by_issuer: HashMap::new(),
            leeway: DEFAULT_LEEWAY.as_secs(),
            max_token_bytes: crate::DEFAULT_MAX_TOKEN_BYTES,
            iat_required: false,
            content_type: None,
            token_type: None,
            required_scopes: Vec::new(),
            forbidden_scopes: Vec::new(),
            required_claims: Vec::new(),
            identity_claims: None,
            claim_values: Vec::new(),
            scheme: None,
            routing_member: None,
        }
    }

    /// Replace the accepted issuers (`iss` must equal one of them exactly).
    pub fn with_issuers<I: IntoIterator<Item = S>, S: Into<String>>(
        mut self,
        issuers: I,
    ) -> Result<Self, PolicyError> {
        let issuers: Vec<String> = issuers.into_iter().map(Into::into).collect();
        if issuers.is_empty() || issuers.iter().any(String::is_empty) {
            return Err(PolicyError::Empty("issuers"));
        }
        self.issuers_text = one_of(&issuers);
        self.issuers = issuers;
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

    /// Require `sub` to be the value given for the token's `iss` (and `iss` to be one of the
    /// keys): Parra's API key id → tenant id. The issuers become the keys of `subjects`.
    pub fn with_subjects_by_issuer(
        mut self,
        subjects: HashMap<String, String>,
    ) -> Result<Self, PolicyError> {
        let mut issuers: Vec<String> = subjects.keys().cloned().collect();
        issuers.sort();
        self = self.with_issuers(issuers)?;
        self.subject_by_issuer = subjects;
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

    /// Require `iat`, and refuse it when it is in the future (beyond the leeway).
    pub fn with_iat_required(mut self, required: bool) -> Self {
        self.iat_required = required;
        self
    }

    /// Require the header's `cty` to be `content_type` (Parra: `parra-fpa;v=1`).
    pub fn with_content_type(mut self, content_type: &'static str) -> Self {
        self.content_type = Some(content_type);
        self
    }

    /// Refuse tokens whose `typ` claim is present and is not `token_type` (Sophon: `access`, so
    /// refresh tokens are refused).
    pub fn with_token_type(mut self, token_type: &'static str) -> Self {
        self.token_type = Some(token_type);
        self
    }

    /// Scopes every token must carry (e.g. `user:basic`): read from `scope` (space-separated)
    /// or `scp` (an array of strings). A token without one of them is refused with
    /// [`VerifyError::InsufficientScope`].
    pub fn with_required_scopes<I: IntoIterator<Item = S>, S: Into<String>>(
        mut self,
        scopes: I,
    ) -> Self {
        self.required_scopes = scopes.into_iter().map(Into::into).collect();
        self
    }

    /// Scopes no accepted token may carry (Dynamic: `requiresAdditionalAuth`, MFA pending). A
    /// token with one of them is refused with [`VerifyError::InsufficientScope`].
    pub fn with_forbidden_scopes<I: IntoIterator<Item = S>, S: Into<String>>(
        mut self,
        scopes: I,
    ) -> Self {
        self.forbidden_scopes = scopes.into_iter().map(Into::into).collect();
        self
    }

    /// Claims every accepted token must carry, with any value but `null` (Privy: `sid`, which only
    /// access tokens have). A token without one is refused with
    /// [`VerifyError::MissingConfiguredClaim`].
    pub fn with_required_claims<I: IntoIterator<Item = S>, S: Into<String>>(
        mut self,
        claims: I,
    ) -> Self {
        self.required_claims = claims.into_iter().map(Into::into).collect();
        self
    }

    /// Take the user id and email from these claims (string claims, registered or not) instead
    /// of the claims type's own rule. A token without the user id claim is refused.
    pub fn with_identity_claims(
        mut self,
        user_id: impl Into<String>,
        email: impl Into<String>,
    ) -> Result<Self, PolicyError> {
        let (user_id, email) = (user_id.into(), email.into());
        if user_id.is_empty() {
            return Err(PolicyError::Empty("user_id_claim"));
        }
        if email.is_empty() {
            return Err(PolicyError::Empty("email_claim"));
        }
        self.identity_claims = Some(IdentityClaims { user_id, email });
        Ok(self)
    }

    /// Require the claim `claim` to be one of `values` (a string; a number is compared by its
    /// decimal text): Turnkey's `organization_id` among the organizations that are yours, `azp`
    /// among the authorized parties (Clerk). A token without it, or with another value, is
    /// refused with [`VerifyError::ClaimNotAccepted`]. Rules on the same claim add up.
    pub fn with_claim_values<I: IntoIterator<Item = S>, S: Into<String>>(
        mut self,
        claim: impl Into<String>,
        values: I,
    ) -> Result<Self, PolicyError> {
        let claim = claim.into();
        let values: Vec<String> = values.into_iter().map(Into::into).collect();
        if claim.is_empty() {
            return Err(PolicyError::Empty("claim name"));
        }
        if values.is_empty() || values.iter().any(String::is_empty) {
            return Err(PolicyError::Empty("claim values"));
        }
        self.claim_values.push(ClaimValues { claim, values });
        Ok(self)
    }

    /// Check every token's signature with `scheme` instead of a JWS key (see
    /// [`crate::signature_scheme`]).
    pub fn with_signature_scheme(mut self, scheme: Arc<dyn SignatureScheme>) -> Self {
        self.scheme = Some(scheme);
        self
    }

    /// Route tokens that have no `iss` but carry the member `name` to this policy (Turnkey's
    /// tokens carry `organization_id` and no issuer). Such a policy must have no issuers, and
    /// does not count as the one issuer-less provider (Para).
    pub fn with_routing_member(mut self, name: impl Into<String>) -> Result<Self, PolicyError> {
        let name = name.into();
        if name.is_empty() {
            return Err(PolicyError::Empty("routing member"));
        }
        if !self.issuers.is_empty() {
            return Err(PolicyError::RoutedTwice);
        }
        self.routing_member = Some(name);
        Ok(self)
    }

    /// The provider's own signature scheme, when its tokens are not plain JWS.
    pub fn signature_scheme(&self) -> Option<&Arc<dyn SignatureScheme>> {
        self.scheme.as_ref()
    }

    /// The member that routes issuer-less tokens here, if any.
    pub fn routing_member(&self) -> Option<&str> {
        self.routing_member.as_deref()
    }

    /// The claims required by name ([`Policy::with_required_claims`]).
    pub fn required_claims(&self) -> &[String] {
        &self.required_claims
    }

    /// The scopes every token must carry.
    pub fn required_scopes(&self) -> &[String] {
        &self.required_scopes
    }

    /// The scopes no accepted token may carry.
    pub fn forbidden_scopes(&self) -> &[String] {
        &self.forbidden_scopes
    }

    /// The provider this policy is for.
    pub fn provider(&self) -> &ProviderId {
        &self.provider
    }

    /// The name of the claims type tokens are read as.
    pub fn claims_type_name(&self) -> &'static str {
        self.claims.name
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

/// `s`, or [`PolicyError::Empty`] naming `field` when it is empty.
pub(crate) fn required_setting(s: String, field: &'static str) -> Result<String, PolicyError> {
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
