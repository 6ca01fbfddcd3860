//! The claim checks of `verify --jwks` / `--secret-file`: the library's own, not a copy.
//!
//! The layer decides with [`Policy::check_claims`] on claims parsed by
//! [`parse_claims`] (`exp` required and read as a `NumericDate`, the validity window with the
//! leeway, then `iss` and `aud` when configured). A token checked here belongs to no configured
//! provider, so it is parsed into the generic [`OidcClaims`] (registered claims typed, the rest
//! kept) and checked by a policy of the generic provider `jwks`, with no rule but the command
//! line's issuers, audiences and leeway (no `iat`/`cty`/`typ`/scope rule).

use std::time::Duration;

use wallet_auth::claims::token_checks::parse_claims;
use wallet_auth::claims::{Algorithm, OidcClaims, Policy, ProviderId, VerifyError};

use crate::output::{Failure, usage};

/// The policy for `verify --jwks` / `--secret-file`: the generic provider's, with the accepted
/// issuers and audiences (none: not checked) and the leeway. Its algorithm list is not used: the
/// command line's `--alg` allow-list is applied before the signature is checked, and
/// [`Policy::check_claims`] does not read it.
pub(crate) fn policy(
    issuers: &[String],
    audiences: &[String],
    leeway: u64,
) -> Result<Policy, Failure> {
    let policy = Policy::new::<OidcClaims>(ProviderId::from_static("jwks"), &[Algorithm::RS256])
        .map_err(usage)?
        .with_audiences(audiences.iter().cloned())
        .with_leeway(Duration::from_secs(leeway));
    if issuers.is_empty() {
        return Ok(policy);
    }
    policy
        .with_issuers(issuers.iter().cloned())
        .map_err(|e| usage(format!("--iss: {e}")))
}

/// Parse the (signature-verified) payload and check its claims under `policy` as of `now`,
/// exactly as the layer does.
pub(crate) fn check(policy: &Policy, payload: &[u8], now: i64) -> Result<(), VerifyError> {
    let claims: OidcClaims = parse_claims(payload)?;
    policy.check_claims(&claims, payload, now)
}
