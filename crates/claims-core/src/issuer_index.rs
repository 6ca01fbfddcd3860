//! Step 2: pick the provider a token claims to come from, by its issuer, trusting nothing else in it.
//!
//! The choice uses only the unverified `iss`: an exact match against the issuers of the configured
//! policies. A token without `iss` goes to the one configured provider that issues none (Para).
//! The chosen policy then verifies the token strictly, so routing can never widen what is
//! accepted: a token that lies about its issuer is verified under the policy of the issuer it
//! names, with that provider's keys, and fails there.

use std::collections::HashMap;

use crate::UnverifiedToken;
use crate::error::{VerifyError, shorten};
use crate::policy::{Policy, PolicyError};

/// Picks the policy (by index) for a token.
///
/// ```
/// use claims_core::{IssuerIndex, Policy};
/// let policies = [Policy::para(), Policy::sophon("partner").unwrap()];
/// let router = IssuerIndex::new(&policies).unwrap();
/// assert_eq!(router.route_issuer(Some("https://auth.sophon.xyz")).unwrap(), 1);
/// assert_eq!(router.route_issuer(None).unwrap(), 0);
/// assert!(router.route_issuer(Some("https://evil.example")).is_err());
/// ```
#[derive(Debug, Clone)]
pub struct IssuerIndex {
    by_issuer: HashMap<String, usize>,
    issuerless: Option<usize>,
    /// Issuer-less policies picked by a member the token carries (Turnkey: `organization_id`).
    by_member: Vec<(String, usize)>,
}

impl IssuerIndex {
    /// Build the routing table. Two policies may not share an issuer, and at most one policy may
    /// be issuer-less.
    pub fn new(policies: &[Policy]) -> Result<Self, PolicyError> {
        let mut by_issuer = HashMap::new();
        let mut issuerless = None;
        let mut by_member = Vec::new();
        for (i, p) in policies.iter().enumerate() {
            if p.signature_scheme().is_some_and(|s| s.opens_opaque()) {
                // Routed by the token's shape (not a compact JWS), never by `iss`.
                continue;
            }
            if let Some(member) = p.routing_member() {
                if by_member.iter().any(|(m, _)| m == member) {
                    return Err(PolicyError::DuplicateIssuer(format!("(no iss, {member})")));
                }
                by_member.push((member.to_owned(), i));
            } else if p.issuers().is_empty() && issuerless.replace(i).is_some() {
                return Err(PolicyError::SeveralIssuerless);
            }
            for iss in p.issuers() {
                if by_issuer.insert(iss.clone(), i).is_some() {
                    return Err(PolicyError::DuplicateIssuer(iss.clone()));
                }
            }
        }
        Ok(IssuerIndex {
            by_issuer,
            issuerless,
            by_member,
        })
    }

    /// The policy index for a token. Always reads the unverified `iss` (even with one policy), so
    /// a token from an unknown issuer is refused before any key is looked up or fetched.
    pub fn route(&self, token: &UnverifiedToken<'_>) -> Result<usize, VerifyError> {
        let iss = token.issuer()?;
        match iss {
            None => self.route_issuerless(token),
            Some(iss) => self.route_issuer(Some(&iss)),
        }
    }

    /// The policy index for a token without `iss`: the first policy whose routing member
    /// ([`Policy::with_routing_member`]) the token carries, else the issuer-less policy.
    pub fn route_issuerless(&self, token: &UnverifiedToken<'_>) -> Result<usize, VerifyError> {
        for (member, index) in &self.by_member {
            if token.has_member(member)? {
                return Ok(*index);
            }
        }
        self.route_issuer(None)
    }

    /// The policy index for an issuer (`None`: the token has no `iss`).
    pub fn route_issuer(&self, iss: Option<&str>) -> Result<usize, VerifyError> {
        match iss {
            Some(iss) => self.by_issuer.get(iss).copied(),
            None => self.issuerless,
        }
        .ok_or_else(|| VerifyError::UnknownIssuer(iss.map(shorten)))
    }

    /// The index of the issuer-less policy (Para), if one is configured.
    pub fn issuerless(&self) -> Option<usize> {
        self.issuerless
    }
}
