//! Step 4: check a token under a policy with the key found for it.
//!
//! The order is fixed: header rules and the algorithm allow-list, the key's family, the signature
//! over the raw signing input, then the claims, parsed once into the provider's type and checked
//! on that struct. Nothing is parsed twice and nothing from the token is trusted before the
//! signature is.

use std::any::TypeId;

use crate::algorithm::Algorithm;
use serde_json::Value;

use crate::claims::rule_members::{RuleMembers, named_members};
use crate::claims::{AnyClaims, ProviderClaims};
use crate::error::{Malformed, Part, VerifyError, shorten};
use crate::policy::Policy;
use crate::verifying_key::SignatureKey;
use crate::{Identity, UnverifiedToken};

/// A verified token's claims and the identity derived from them.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Verified<C> {
    /// The provider's typed claims.
    pub claims: C,
    /// The provider-neutral identity.
    pub identity: Identity,
    /// The granted scopes: the words of `scope` and the strings of `scp`, read from the payload
    /// whatever the claims type models.
    pub scopes: Vec<String>,
}

/// The current time in seconds since the Unix epoch.
pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

/// Verify `token` under `policy`, with the key `key_for` returns for the token's header and
/// algorithm, as of `now` (seconds since the epoch).
///
/// ```
/// use claims_core::{Policy, ParraClaims, ParraIssuer, VerifyingKey, verify};
/// let issuer = ParraIssuer::new("key-1", b"a long and random secret".to_vec(), "tenant-1").unwrap();
/// let token = issuer.issue("user|1", 1_700_000_000).unwrap();
/// let policy = Policy::parra([("key-1", "tenant-1")]).unwrap();
/// let key = VerifyingKey::hmac(b"a long and random secret").unwrap();
/// let v = verify::<ParraClaims, _>(&token, &policy, |_, _| Ok(&key), 1_700_000_100).unwrap();
/// assert_eq!(v.identity.user_id, "user|1");
/// ```
pub fn verify<C, K>(
    token: &str,
    policy: &Policy,
    key_for: impl FnOnce(&crate::Header, Algorithm) -> Result<K, VerifyError>,
    now: i64,
) -> Result<Verified<C>, VerifyError>
where
    C: ProviderClaims,
    K: SignatureKey,
{
    let token = UnverifiedToken::parse(token, policy.max_token_bytes)?;
    let alg = policy.check_header(&token)?;
    let key = key_for(token.header(), alg)?;
    policy.verify_parsed(&token, alg, &key, now)
}

impl Policy {
    /// Apply the header rules: the common ones ([`crate::Header::check`]), the allow-list, and the
    /// provider's (`cty` for Parra). Returns the algorithm to verify with.
    pub fn check_header(&self, token: &UnverifiedToken<'_>) -> Result<Algorithm, VerifyError> {
        let header = token.header();
        let alg = header.check()?;
        if !self.allows(alg) {
            return Err(VerifyError::AlgorithmNotAllowed(alg));
        }
        if let Some(expected) = self.content_type
            && header.cty() != Some(expected)
        {
            return Err(VerifyError::WrongContentType {
                found: header.cty().map(shorten),
                expected,
            });
        }
        Ok(alg)
    }

    /// Verify a token whose header already passed [`Policy::check_header`] (which returned `alg`)
    /// with `key`, and return the typed claims.
    pub fn verify_parsed<C: ProviderClaims>(
        &self,
        token: &UnverifiedToken<'_>,
        alg: Algorithm,
        key: &(impl SignatureKey + ?Sized),
        now: i64,
    ) -> Result<Verified<C>, VerifyError> {
        if !self.allows(alg) {
            return Err(VerifyError::AlgorithmNotAllowed(alg));
        }
        match &self.scheme {
            Some(scheme) => scheme.verify_compact(token)?,
            None => verify_signature(token, alg, key)?,
        }
        self.verify_payload(token.payload(), now)
    }

    /// Check the claims of a token whose signature is already verified (by the policy's
    /// [`SignatureScheme`](crate::SignatureScheme) or a JWS key) and return them typed: every
    /// claims rule of the policy, in the order of [`Policy::check_claims`].
    pub fn verify_payload<C: ProviderClaims>(
        &self,
        payload: &[u8],
        now: i64,
    ) -> Result<Verified<C>, VerifyError> {
        if TypeId::of::<C>() != self.claims.id {
            return Err(VerifyError::ProviderMismatch {
                policy: self.claims.name,
                claims: std::any::type_name::<C>(),
            });
        }
        let claims: C = parse_claims(payload)?;
        let members = RuleMembers::read(payload)?;
        self.check_members(&claims, &members, payload, now)?;
        let identity = self.identity_of(&claims, payload)?;
        Ok(Verified {
            claims,
            identity,
            scopes: members.granted_scopes(),
        })
    }

    /// The identity of verified `claims`: the claims type's own rule, or the configured user id
    /// and email claims ([`Policy::with_identity_claims`]), which then make `sub` optional.
    fn identity_of<C: ProviderClaims>(
        &self,
        claims: &C,
        payload: &[u8],
    ) -> Result<Identity, VerifyError> {
        let Some(names) = &self.identity_claims else {
            let mut identity = claims.identity()?;
            identity.provider = self.provider.clone();
            return Ok(identity);
        };
        let mut named = named_members(payload, &[&names.user_id, &names.email])?.into_iter();
        let text = |v: Option<Value>| match v {
            Some(Value::String(s)) if !s.is_empty() => Some(s),
            Some(Value::Number(n)) => integer_text(&n),
            _ => None,
        };
        let user_id = text(named.next().flatten())
            .ok_or_else(|| VerifyError::MissingConfiguredClaim(shorten(&names.user_id)))?;
        let email = text(named.next().flatten());
        // The type's own rule may need `sub`, which the configured claim replaces; every other
        // refusal of the type stands.
        let wallets = match claims.identity() {
            Ok(identity) => identity.wallets,
            Err(VerifyError::MissingClaim("sub")) => Vec::new(),
            Err(e) => return Err(e),
        };
        let reg = claims.registered();
        Ok(Identity {
            provider: self.provider.clone(),
            user_id,
            email,
            wallets,
            issued_at: reg.iat.map(|d| d.0),
            expires_at: reg.exp.ok_or(VerifyError::MissingClaim("exp"))?.0,
        })
    }

    /// A token of a provider with its own signature scheme
    /// ([`Policy::with_signature_scheme`]) that is not a compact JWS (Magic's DID token): opened
    /// and its signature checked by the scheme, then its claims checked, type-erased. Refused as
    /// malformed when the policy has no scheme that opens such tokens.
    pub fn verify_opaque_any(
        &self,
        token: &str,
        now: i64,
    ) -> Result<Verified<AnyClaims>, VerifyError> {
        if token.len() > self.max_token_bytes {
            return Err(VerifyError::TokenTooLarge {
                max: self.max_token_bytes,
            });
        }
        let scheme = self
            .scheme
            .as_ref()
            .filter(|s| s.opens_opaque())
            .ok_or(Malformed::SegmentCount)?;
        let payload = scheme.open(token)?;
        (self.claims.check_as)(self, &payload, now)
    }

    /// [`Policy::verify_parsed`] as the claims type this policy was built for, type-erased.
    pub fn verify_parsed_any(
        &self,
        token: &UnverifiedToken<'_>,
        alg: Algorithm,
        key: &dyn SignatureKey,
        now: i64,
    ) -> Result<Verified<AnyClaims>, VerifyError> {
        (self.claims.verify_as)(self, token, alg, key, now)
    }

    /// Check the claims of an already signature-verified token, in this order: `exp` (required),
    /// `nbf`, `iat` (where required), `iss`, `aud`, `sub` by issuer, required claims, token type,
    /// forbidden scopes, required scopes. `claims` is `payload` read as its claims type; the
    /// rules on members a type may not model (`scope`, `scp`, `typ`, named claims) read
    /// `payload` itself, so they hold for every claims type.
    pub fn check_claims<C: ProviderClaims>(
        &self,
        claims: &C,
        payload: &[u8],
        now: i64,
    ) -> Result<(), VerifyError> {
        self.check_members(claims, &RuleMembers::read(payload)?, payload, now)
    }

    fn check_members<C: ProviderClaims>(
        &self,
        claims: &C,
        members: &RuleMembers,
        payload: &[u8],
        now: i64,
    ) -> Result<(), VerifyError> {
        let reg = claims.registered();
        let leeway = i64::try_from(self.leeway).unwrap_or(i64::MAX);

        let exp = reg.exp.ok_or(VerifyError::MissingClaim("exp"))?.0;
        check_validity_window(exp, reg.nbf.map(|n| n.0), self.leeway, now)?;
        if self.iat_required {
            let iat = reg.iat.ok_or(VerifyError::MissingClaim("iat"))?.0;
            if iat > now.saturating_add(leeway) {
                return Err(VerifyError::IssuedInFuture { iat, now });
            }
        }
        if !self.issuers.is_empty()
            && !reg
                .iss
                .is_some_and(|iss| self.issuers.iter().any(|i| i == iss))
        {
            return Err(VerifyError::WrongIssuer {
                found: reg.iss.map(shorten),
                expected: self.issuers_text.clone(),
            });
        }
        if !self.audiences.is_empty()
            && !reg
                .aud
                .is_some_and(|aud| aud.iter().any(|a| self.audiences.iter().any(|x| x == a)))
        {
            return Err(VerifyError::WrongAudience {
                found: reg
                    .aud
                    .map(|a| a.iter().take(4).map(shorten).collect())
                    .unwrap_or_default(),
                expected: self.audiences_text.clone(),
            });
        }
        if !self.subject_by_issuer.is_empty() {
            let expected = reg.iss.and_then(|iss| self.subject_by_issuer.get(iss));
            if expected.is_none() || expected.map(String::as_str) != reg.sub {
                return Err(VerifyError::WrongSubject {
                    found: reg.sub.map(shorten),
                });
            }
        }
        if let Some(auth_time) = members.auth_time()?
            && auth_time > now.saturating_add(leeway)
        {
            return Err(VerifyError::AuthenticatedInFuture { auth_time, now });
        }
        self.check_claim_values(payload)?;
        if !self.required_claims.is_empty() {
            let names: Vec<&str> = self.required_claims.iter().map(String::as_str).collect();
            let values = named_members(payload, &names)?;
            if let Some((name, _)) = names
                .iter()
                .zip(values)
                .find(|(_, v)| v.as_ref().is_none_or(Value::is_null))
            {
                return Err(VerifyError::MissingConfiguredClaim(shorten(name)));
            }
        }
        if let Some(expected) = self.token_type
            && let Some(typ) = members.token_type().filter(|t| *t != expected)
        {
            return Err(VerifyError::WrongTokenType(shorten(typ)));
        }
        if self.forbidden_scopes.is_empty() && self.required_scopes.is_empty() {
            return Ok(());
        }
        let granted = members.granted_scopes();
        let grants = |scope: &String| granted.iter().any(|g| g == scope);
        if let Some(forbidden) = self.forbidden_scopes.iter().find(|s| grants(s)) {
            return Err(VerifyError::InsufficientScope(forbidden.clone()));
        }
        if let Some(missing) = self.required_scopes.iter().find(|r| !grants(r)) {
            return Err(VerifyError::InsufficientScope(format!("missing {missing}")));
        }
        Ok(())
    }
}

impl Policy {
    /// The [`Policy::with_claim_values`] rules: each claim present as a string (or a number, by
    /// its decimal text) among its values.
    fn check_claim_values(&self, payload: &[u8]) -> Result<(), VerifyError> {
        if self.claim_values.is_empty() {
            return Ok(());
        }
        let names: Vec<&str> = self.claim_values.iter().map(|c| c.claim.as_str()).collect();
        let values = named_members(payload, &names)?;
        for (rule, value) in self.claim_values.iter().zip(values) {
            let found = match value {
                Some(Value::String(s)) => Some(s),
                Some(Value::Number(n)) => Some(integer_text(&n).unwrap_or_default()),
                Some(Value::Null) | None => None,
                Some(_) => Some(String::new()),
            };
            if !found.as_ref().is_some_and(|f| rule.values.contains(f)) {
                return Err(VerifyError::ClaimNotAccepted {
                    claim: shorten(&rule.claim),
                    found: found.as_deref().map(shorten),
                });
            }
        }
        Ok(())
    }
}

/// The decimal text of a JSON number that is a 64-bit integer (an id sent as a number); `None`
/// for a fraction or a larger number, which serde_json reads as a float that two ids could share.
fn integer_text(n: &serde_json::Number) -> Option<String> {
    (n.is_i64() || n.is_u64()).then(|| n.to_string())
}

/// The `exp` and `nbf` rules, with `leeway` seconds of clock skew: expired when
/// `now >= exp + leeway`, not yet valid when `nbf > now + leeway`. Used by
/// [`Policy::check_claims`] and by caches of verified tokens, which re-check on every hit.
pub fn check_validity_window(
    exp: i64,
    nbf: Option<i64>,
    leeway: u64,
    now: i64,
) -> Result<(), VerifyError> {
    let skew = i64::try_from(leeway).unwrap_or(i64::MAX);
    if now >= exp.saturating_add(skew) {
        return Err(VerifyError::Expired { exp, now, leeway });
    }
    if let Some(nbf) = nbf
        && nbf > now.saturating_add(skew)
    {
        return Err(VerifyError::NotYetValid { nbf, now });
    }
    Ok(())
}

/// Verify the signature of `token` with `key` under `alg`, over the raw signing input.
///
/// The key must belong to `alg`'s family: an RSA or EC public key is never used as an HMAC secret.
pub fn verify_signature(
    token: &UnverifiedToken<'_>,
    alg: Algorithm,
    key: &(impl SignatureKey + ?Sized),
) -> Result<(), VerifyError> {
    if key.family() != alg.family() {
        return Err(VerifyError::KeyMismatch(alg));
    }
    key.verify_signature(alg, token.signing_input().as_bytes(), token.signature())
}

/// Parse the payload into the provider's claims type, once. On failure, parse again only to name
/// the claim at fault.
pub fn parse_claims<C: ProviderClaims>(payload: &[u8]) -> Result<C, VerifyError> {
    serde_json::from_slice(payload).map_err(|e| {
        if e.is_data() {
            let mut de = serde_json::Deserializer::from_slice(payload);
            match serde_path_to_error::deserialize::<_, C>(&mut de) {
                Err(err) if !err.path().to_string().is_empty() && err.path().to_string() != "." => {
                    VerifyError::InvalidClaim {
                        path: shorten(&err.path().to_string()),
                    }
                }
                _ => Malformed::Json(Part::Payload).into(),
            }
        } else {
            Malformed::Json(Part::Payload).into()
        }
    })
}
