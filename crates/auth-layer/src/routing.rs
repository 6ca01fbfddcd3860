//! Step 2: the configured providers, and picking one for a token by its unverified `iss`.

use claims_core::{IssuerIndex, Malformed, Policy, PolicyError, UnverifiedToken, VerifyError};

use crate::provider::ProviderEntry;

/// The providers one layer accepts, with the router that picks among them.
#[derive(Debug, Clone)]
pub struct ProviderSet {
    entries: Vec<ProviderEntry>,
    router: IssuerIndex,
}

/// The provider picked for a token, and its unverified `iss` when it was read.
#[non_exhaustive]
pub struct Route<'s, 't> {
    /// The provider's entry.
    pub entry: &'s ProviderEntry,
    /// The unverified `iss`, read when routing or key choice needed it.
    pub issuer: Option<std::borrow::Cow<'t, str>>,
}

impl ProviderSet {
    /// Build the set. Fails when two providers share a name or an issuer, or two have none.
    pub fn new(entries: Vec<ProviderEntry>) -> Result<Self, PolicyError> {
        let mut names = std::collections::HashSet::new();
        if let Some(twice) = entries
            .iter()
            .map(|e| e.policy.provider())
            .find(|id| !names.insert(*id))
        {
            return Err(PolicyError::DuplicateProvider(twice.to_string()));
        }
        let policies: Vec<Policy> = entries.iter().map(|e| e.policy.clone()).collect();
        let router = IssuerIndex::new(&policies)?;
        Ok(ProviderSet { entries, router })
    }

    /// The configured providers.
    pub fn entries(&self) -> &[ProviderEntry] {
        &self.entries
    }

    /// Pick the provider for `token` from its unverified `iss`. The issuer is always read, even
    /// with one provider, so an unknown issuer is refused before any key is looked up.
    pub fn route<'s, 't>(
        &'s self,
        token: &'t UnverifiedToken<'_>,
    ) -> Result<Route<'s, 't>, VerifyError> {
        let issuer = token.issuer()?;
        let index = match issuer.as_deref() {
            None => self.router.route_issuerless(token)?,
            iss => self.router.route_issuer(iss)?,
        };
        let entry = self
            .entries
            .get(index)
            .ok_or(VerifyError::UnknownIssuer(None))?;
        Ok(Route { entry, issuer })
    }

    /// The provider for a token that is not a compact JWS (no `.` in it): the first whose
    /// signature scheme opens such tokens (Magic's DID token), if any.
    pub fn route_opaque(&self) -> Option<&ProviderEntry> {
        self.entries.iter().find(|e| {
            e.policy
                .signature_scheme()
                .is_some_and(|scheme| scheme.opens_opaque())
        })
    }

    /// The provider `token` claims to come from, unverified (for logs and metrics of refusals):
    /// routed exactly as the verifier routes it, opaque tokens included.
    pub fn claimed(&self, token: &str, max_token_bytes: usize) -> Option<&ProviderEntry> {
        match UnverifiedToken::parse(token, max_token_bytes) {
            Ok(parsed) => self.route(&parsed).ok().map(|route| route.entry),
            Err(e) if is_opaque(token, &e) => self.route_opaque(),
            Err(_) => None,
        }
    }
}

/// True when `token`, refused by [`UnverifiedToken::parse`] with `error`, has the shape of a
/// token that is not a compact JWS at all (no `.`), for [`ProviderSet::route_opaque`].
pub(crate) fn is_opaque(token: &str, error: &VerifyError) -> bool {
    matches!(error, VerifyError::Malformed(Malformed::SegmentCount)) && !token.contains('.')
}
