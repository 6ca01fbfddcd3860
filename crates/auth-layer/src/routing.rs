//! Step 2: the configured providers, and picking one for a token by its unverified `iss`.

use claims_core::{IssuerIndex, Policy, PolicyError, UnverifiedToken, VerifyError};

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
        let index = self.router.route_issuer(issuer.as_deref())?;
        let entry = self
            .entries
            .get(index)
            .ok_or(VerifyError::UnknownIssuer(None))?;
        Ok(Route { entry, issuer })
    }
}
