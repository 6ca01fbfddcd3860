//! The `claims_verify` target: every provider's claims deserializer, claim rules and identity
//! mapping, over payloads the fuzzer writes and the target signs.
//!
//! A fuzzer cannot forge a signature, and the payload is parsed only after the signature checks,
//! so `token_parse` and `service_headers` never get past the signature. Here the target holds the
//! key: it builds the compact token (`base64url(header).base64url(payload).base64url(signature)`)
//! around the fuzzer's payload bytes, signs it, and calls claims-core's public
//! [`claims_core::verify`] with the provider's claims type, its policy, a key resolver and a fixed
//! `now`. The whole path runs for every input: size cap, base64url, header rules and the
//! algorithm allow-list, content type, the signature, the claims parse, every claim rule, and the
//! [`claims_core::Identity`] mapping.
//!
//! Input: the first byte picks the provider (`byte & 7`, modulo 5: Para, Parra, Sophon, Dynamic,
//! Web3Auth) and a header or policy variation (`byte >> 3`, see [`Variant::from_byte`]; most
//! values give the provider's normal header and policy); the rest is the payload, as is (JSON or
//! not).
//!
//! Signing cost. Parra is verified exactly as deployed: HS256, its own policy, a
//! [`claims_core::VerifyingKey::hmac`] key. The other providers sign with RS256 (Para, Sophon,
//! Dynamic) or ES256 (Web3Auth, and Para's alternative): RSA-2048 signing costs about 1 ms per
//! input, ECDSA P-256 signing plus verification tens of µs, which would keep a run far below 10
//! million executions. Their production policies (the constructors' defaults, the fixtures'
//! identifiers) are therefore used with one change, made through the public API:
//! [`claims_core::Policy::with_algorithms`] replaces the allow-list by `[HS256]`, and tokens are
//! HMAC-signed and verified with a real [`claims_core::VerifyingKey`]. Nothing in the claim rules,
//! the claims types or the identity mapping depends on the algorithm (the policy reads it only in
//! the allow-list and key-family checks, which still run), so everything after the signature check
//! is the production code. Not covered here: RSA and ECDSA verification itself, which no
//! attacker-chosen byte reaches beyond the signature segment (fuzzed by `token_parse` and
//! `service_headers`) and which `claims-core/tests` exercise with real keys. One variation puts
//! the provider's real algorithm in the header, which the substituted allow-list must refuse.
//!
//! Invariants checked (only what the library documents): nothing panics; a token over the size
//! cap is refused as too large and a token under it never is; a correctly signed token with an
//! allowed header is refused only by a claims-stage rule, and a header variation is refused with
//! exactly its error; an accepted token satisfies every rule of its policy (validity window,
//! issuer, audience, Parra's tenant, Sophon's token type, Dynamic's pending MFA, Web3Auth's `iat`,
//! required scopes) and its [`claims_core::Identity`] follows the documented mapping (provider,
//! non-empty user id by the provider's rule, `exp`/`iat`, non-empty email and wallet fields,
//! normalized chains); accepted claims round-trip through serde to the same JSON and identity.

use std::sync::OnceLock;

use aws_lc_rs::hmac;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use claims_core::{
    Algorithm, DynamicClaims, Identity, Malformed, ParaClaims, ParraClaims, Part, Policy,
    ProviderClaims, SophonClaims, VerifyError, VerifyingKey, Web3AuthClaims, check_validity_window,
    verify,
};

use crate::{NOW, PARRA_KEYS, Provider, policies};

/// The HMAC secret every token of this target is signed with.
pub const SECRET: &[u8] = b"claims_verify fuzz secret, not a real key";
/// Dynamic's scope meaning "MFA pending", refused by the default policy.
const ADDITIONAL_AUTH: &str = "requiresAdditionalAuth";
/// The scope [`Variant::RequiredScope`] requires (in `scope`, or in `scp` as an array).
pub const REQUIRED_SCOPE: &str = "user:basic";

/// A header variation, picked by the input's first byte.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Variant {
    /// The provider's header: `{"alg":"HS256","typ":"JWT"}` (Parra: plus its `cty`).
    Normal,
    /// Without `typ`.
    NoTyp,
    /// With a `kid`.
    Kid,
    /// `HS384`, signed with HS384: not in the allow-list.
    Hs384,
    /// Parra without its `cty`; the other providers with Parra's `cty` (ignored).
    CtyToggled,
    /// `crit: ["exp"]`: an extension nobody understands.
    Crit,
    /// A `jku` header: a token may never pick its own key.
    Jku,
    /// `alg: none`.
    AlgNone,
    /// The provider's real algorithm (RS256/ES256; RS256 for Parra): not in the allow-list.
    RealAlg,
    /// A correct header, a signature with one bit flipped.
    BadSignature,
    /// The normal header, verified under the policy with a required scope ([`REQUIRED_SCOPE`]).
    RequiredScope,
}

impl Variant {
    const SPECIAL: [Variant; 10] = [
        Variant::NoTyp,
        Variant::Kid,
        Variant::Hs384,
        Variant::CtyToggled,
        Variant::Crit,
        Variant::Jku,
        Variant::AlgNone,
        Variant::RealAlg,
        Variant::BadSignature,
        Variant::RequiredScope,
    ];

    /// `byte >> 3`: 1 to 10 pick a variation, everything else (22 values in 32) the normal header.
    pub fn from_byte(byte: u8) -> Self {
        usize::from(byte >> 3)
            .checked_sub(1)
            .and_then(|i| Self::SPECIAL.get(i).copied())
            .unwrap_or(Variant::Normal)
    }

    fn index(self) -> usize {
        Self::SPECIAL
            .iter()
            .position(|v| *v == self)
            .map_or(0, |i| i + 1)
    }
}

/// The provider of the first byte (`byte & 7`, modulo 5).
pub fn provider_index(byte: u8) -> usize {
    usize::from(byte & 7) % 5
}

struct World {
    policies: [Policy; 5],
    /// The same policies, with [`REQUIRED_SCOPE`] required.
    scoped: [Policy; 5],
    key: VerifyingKey,
    hs256: hmac::Key,
    hs384: hmac::Key,
    /// base64url headers, by provider and variant index.
    headers: Vec<Vec<String>>,
}

#[allow(clippy::expect_used)]
fn world() -> &'static World {
    static WORLD: OnceLock<World> = OnceLock::new();
    WORLD.get_or_init(|| {
        let policies = policies().map(|p| {
            if Provider::of(p.provider()) == Provider::Parra {
                p
            } else {
                p.with_algorithms(&[Algorithm::HS256])
                    .expect("one algorithm")
            }
        });
        let headers = policies
            .iter()
            .map(|p| {
                std::iter::once(Variant::Normal)
                    .chain(Variant::SPECIAL)
                    .map(|v| URL_SAFE_NO_PAD.encode(header_json(Provider::of(p.provider()), v)))
                    .collect()
            })
            .collect();
        World {
            scoped: policies
                .clone()
                .map(|p| p.with_required_scopes([REQUIRED_SCOPE])),
            policies,
            key: VerifyingKey::hmac(SECRET).expect("non-empty secret"),
            hs256: hmac::Key::new(hmac::HMAC_SHA256, SECRET),
            hs384: hmac::Key::new(hmac::HMAC_SHA384, SECRET),
            headers,
        }
    })
}

fn real_alg(provider: Provider) -> &'static str {
    match provider {
        Provider::Web3Auth => "ES256",
        _ => "RS256",
    }
}

fn header_json(provider: Provider, v: Variant) -> String {
    let alg = match v {
        Variant::Hs384 => "HS384",
        Variant::AlgNone => "none",
        Variant::RealAlg => real_alg(provider),
        _ => "HS256",
    };
    let mut h = format!(r#"{{"alg":"{alg}""#);
    if v != Variant::NoTyp {
        h.push_str(r#","typ":"JWT""#);
    }
    if (provider == Provider::Parra) != (v == Variant::CtyToggled) {
        h.push_str(r#","cty":"parra-fpa;v=1""#);
    }
    h.push_str(match v {
        Variant::Kid => r#","kid":"k1""#,
        Variant::Crit => r#","crit":["exp"]"#,
        Variant::Jku => r#","jku":"https://attacker.example/jwks""#,
        _ => "",
    });
    h.push('}');
    h
}

/// Build and sign the token for `payload` under provider `p`'s header variation `v`.
fn token(w: &World, p: usize, v: Variant, payload: &[u8]) -> String {
    let header = w
        .headers
        .get(p)
        .and_then(|h| h.get(v.index()))
        .map_or("", String::as_str);
    let mut t = String::with_capacity(header.len() + payload.len() * 4 / 3 + 96);
    t.push_str(header);
    t.push('.');
    URL_SAFE_NO_PAD.encode_string(payload, &mut t);
    let key = if v == Variant::Hs384 {
        &w.hs384
    } else {
        &w.hs256
    };
    let tag = hmac::sign(key, t.as_bytes());
    let mut sig = tag.as_ref().to_vec();
    if v == Variant::BadSignature
        && let Some(b) = sig.first_mut()
    {
        *b ^= 1;
    }
    t.push('.');
    URL_SAFE_NO_PAD.encode_string(&sig, &mut t);
    t
}

/// Run one input: `None` for an empty input, else the verification outcome (after every
/// invariant has been checked; a broken invariant panics).
pub fn run(data: &[u8]) -> Option<Result<Identity, VerifyError>> {
    let (&first, payload) = data.split_first()?;
    let w = world();
    let p = provider_index(first);
    let v = Variant::from_byte(first);
    let policies = if v == Variant::RequiredScope {
        &w.scoped
    } else {
        &w.policies
    };
    let policy = policies.get(p)?;
    let token = token(w, p, v, payload);
    Some(match Provider::of(policy.provider()) {
        Provider::Para => check::<ParaClaims>(w, policy, v, &token),
        Provider::Parra => check::<ParraClaims>(w, policy, v, &token),
        Provider::Sophon => check::<SophonClaims>(w, policy, v, &token),
        Provider::Dynamic => check::<DynamicClaims>(w, policy, v, &token),
        Provider::Web3Auth => check::<Web3AuthClaims>(w, policy, v, &token),
    })
}

/// The documented user-id rule of each provider: the first non-empty candidate.
trait UserIdRule {
    /// The provider whose tokens these claims are.
    const PROVIDER: Provider;
    fn user_id_candidates(&self) -> [Option<&str>; 2];
}

impl UserIdRule for ParaClaims {
    const PROVIDER: Provider = Provider::Para;
    fn user_id_candidates(&self) -> [Option<&str>; 2] {
        [self.data.user_id.as_deref(), self.sub.as_deref()]
    }
}
impl UserIdRule for ParraClaims {
    const PROVIDER: Provider = Provider::Parra;
    fn user_id_candidates(&self) -> [Option<&str>; 2] {
        [self.grants.identity.as_deref(), None]
    }
}
impl UserIdRule for SophonClaims {
    const PROVIDER: Provider = Provider::Sophon;
    fn user_id_candidates(&self) -> [Option<&str>; 2] {
        [self.user_id.as_deref(), self.sub.as_deref()]
    }
}
impl UserIdRule for DynamicClaims {
    const PROVIDER: Provider = Provider::Dynamic;
    fn user_id_candidates(&self) -> [Option<&str>; 2] {
        [self.sub.as_deref(), None]
    }
}
impl UserIdRule for Web3AuthClaims {
    const PROVIDER: Provider = Provider::Web3Auth;
    fn user_id_candidates(&self) -> [Option<&str>; 2] {
        [self.user_id.as_deref(), self.verifier_id.as_deref()]
    }
}

fn check<C>(w: &World, policy: &Policy, v: Variant, token: &str) -> Result<Identity, VerifyError>
where
    C: ProviderClaims + PartialEq + UserIdRule,
{
    let result = verify::<C, _>(token, policy, |_, _| Ok(&w.key), NOW);
    let cap = policy.max_token_bytes();
    if token.len() > cap {
        assert_eq!(result, Err(VerifyError::TokenTooLarge { max: cap }));
        return Err(VerifyError::TokenTooLarge { max: cap });
    }
    let result = result.map(|verified| {
        assert!(
            matches!(
                v,
                Variant::Normal | Variant::NoTyp | Variant::Kid | Variant::RequiredScope
            ) || (v == Variant::CtyToggled && C::PROVIDER != Provider::Parra),
            "{v:?} accepted"
        );
        accepted(policy, &verified.claims, &verified.identity, &verified.scopes);
        verified.identity
    });
    if let Err(e) = &result {
        refused::<C>(policy, v, e);
    }
    result
}

/// A refusal must be the variation's own error, or a claims-stage error for a good header.
fn refused<C: ProviderClaims + UserIdRule>(policy: &Policy, v: Variant, e: &VerifyError) {
    let _ = (e.to_string(), e.reason());
    let expected = match v {
        Variant::Hs384 => Some(VerifyError::AlgorithmNotAllowed(Algorithm::HS384)),
        Variant::CtyToggled if C::PROVIDER == Provider::Parra => {
            Some(VerifyError::WrongContentType {
                found: None,
                expected: "parra-fpa;v=1",
            })
        }
        Variant::Crit => Some(VerifyError::UnknownCritical("exp".into())),
        Variant::Jku => Some(VerifyError::ForbiddenHeader("jku")),
        Variant::AlgNone => Some(VerifyError::UnsupportedAlgorithm("none".into())),
        Variant::RealAlg => Some(VerifyError::AlgorithmNotAllowed(
            if C::PROVIDER == Provider::Web3Auth {
                Algorithm::ES256
            } else {
                Algorithm::RS256
            },
        )),
        Variant::BadSignature => Some(VerifyError::InvalidSignature),
        _ => None,
    };
    if let Some(expected) = expected {
        assert_eq!(*e, expected, "{v:?}");
        return;
    }
    let leeway = i64::try_from(policy.leeway()).unwrap_or(i64::MAX);
    match e {
        VerifyError::Malformed(Malformed::Json(Part::Payload))
        | VerifyError::InvalidClaim { .. }
        | VerifyError::MissingClaim(_)
        | VerifyError::WrongIssuer { .. }
        | VerifyError::WrongAudience { .. }
        | VerifyError::WrongSubject { .. }
        | VerifyError::WrongTokenType(_)
        | VerifyError::InsufficientScope(_) => {}
        VerifyError::Expired {
            exp,
            now,
            leeway: l,
        } => {
            assert!(*now == NOW && *l == policy.leeway() && NOW >= exp.saturating_add(leeway));
        }
        VerifyError::NotYetValid { nbf, now } => {
            assert!(*now == NOW && *nbf > NOW.saturating_add(leeway));
        }
        VerifyError::IssuedInFuture { iat, now } => {
            assert!(*now == NOW && *iat > NOW.saturating_add(leeway));
        }
        other => panic!("a correctly signed token refused before its claims: {other:?}"),
    }
}

/// Everything an accepted token's claims and identity must satisfy.
#[allow(clippy::expect_used)]
fn accepted<C: ProviderClaims + PartialEq + UserIdRule>(
    policy: &Policy,
    claims: &C,
    identity: &Identity,
    scopes: &[String],
) {
    let json = serde_json::to_value(claims).expect("claims serialize");
    let reg = claims.registered();
    let exp = reg.exp.expect("exp is required").0;
    check_validity_window(exp, reg.nbf.map(|n| n.0), policy.leeway(), NOW)
        .expect("accepted inside its validity window");
    if !policy.issuers().is_empty() {
        assert!(
            reg.iss
                .is_some_and(|i| policy.issuers().iter().any(|x| x == i))
        );
    }
    if !policy.audiences().is_empty() {
        let aud = reg.aud.expect("aud is required when configured");
        assert!(policy.audiences().iter().any(|a| aud.contains(a)));
    }
    let leeway = i64::try_from(policy.leeway()).unwrap_or(i64::MAX);
    match C::PROVIDER {
        Provider::Parra => {
            let (_, tenant) = PARRA_KEYS
                .iter()
                .find(|(k, _)| Some(*k) == reg.iss)
                .expect("iss is an API key id");
            assert_eq!(reg.sub, Some(*tenant));
        }
        Provider::Sophon => assert!(json.get("typ").is_none_or(|t| t == "access")),
        Provider::Dynamic => assert!(!scopes.iter().any(|s| s == ADDITIONAL_AUTH)),
        Provider::Web3Auth => {
            let iat = reg.iat.expect("iat is required").0;
            assert!(iat <= NOW.saturating_add(leeway));
        }
        Provider::Para => {}
    }
    for scope in policy.required_scopes() {
        assert!(scopes.iter().any(|s| s == scope), "{scope} not granted");
    }

    assert_eq!(Provider::of(&identity.provider), C::PROVIDER);
    let user_id = claims
        .user_id_candidates()
        .into_iter()
        .flatten()
        .find(|s| !s.is_empty());
    assert_eq!(Some(identity.user_id.as_str()), user_id);
    assert_eq!(identity.expires_at, exp);
    assert_eq!(identity.issued_at, reg.iat.map(|d| d.0));
    assert!(identity.email.as_ref().is_none_or(|e| !e.is_empty()));
    for wallet in &identity.wallets {
        let fields = [&wallet.chain, &wallet.address, &wallet.public_key];
        assert!(
            fields
                .iter()
                .all(|f| f.as_ref().is_none_or(|s| !s.is_empty()))
        );
        if let Some(chain) = &wallet.chain {
            assert_eq!(*chain, chain.to_ascii_lowercase());
        }
    }

    // Claims round-trip through serde (documented on `claims_core::claims`). Compared as JSON
    // values: a `serde_json::Value` object sorts its keys, so the unmodelled members (`extra`,
    // kept in token order) come back sorted; through a `Value`, floats are exact.
    let value = serde_json::to_value(claims).expect("claims serialize");
    let back: C = serde_json::from_value(value.clone()).expect("serialized claims parse back");
    assert_eq!(serde_json::to_value(&back).ok(), Some(value));
    assert_eq!(back.identity().as_ref(), Ok(identity));
}
