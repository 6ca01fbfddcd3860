//! Every policy rule holds whatever the claims type models: a type of your own that has its own
//! `scope` and `typ` fields (so nothing of them is left in `extra`), a built-in type whose
//! modelled member is a list, and the configured identity claims. Real keys, real tokens.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use claims_core::*;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use test_support::{RsaKey, sign};

const NOW: i64 = 1_750_000_000;

/// A claims type that models `scope` and `typ` itself.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Modelled {
    iss: Option<String>,
    sub: Option<String>,
    exp: Option<NumericDate>,
    scope: Option<String>,
    typ: Option<String>,
    #[serde(flatten)]
    extra: Extra,
}

impl ProviderClaims for Modelled {
    fn registered(&self) -> Registered<'_> {
        Registered::new(
            self.iss.as_deref(),
            self.sub.as_deref(),
            None,
            self.exp,
            None,
            None,
        )
    }
    fn identity(&self) -> Result<Identity, VerifyError> {
        let sub = self.sub.clone().ok_or(VerifyError::MissingClaim("sub"))?;
        Ok(Identity::new(
            ProviderId::from_static("mine"),
            sub,
            self.exp.map_or(0, |e| e.0),
        ))
    }
    fn extra(&self) -> &Extra {
        &self.extra
    }
}

fn verify_as<C: ProviderClaims>(
    policy: &Policy,
    key: &RsaKey,
    claims: &Value,
) -> Result<Verified<C>, VerifyError> {
    let dk = key.decoding_key();
    verify::<C, _>(&sign(key, claims), policy, |_, _| Ok(&dk), NOW)
}

fn mine() -> Policy {
    Policy::new::<Modelled>("mine", &[Algorithm::RS256])
        .unwrap()
        .with_issuers(["https://id.mine.example"])
        .unwrap()
        .with_token_type("access")
        .with_forbidden_scopes(["mfa_pending"])
        .with_required_scopes(["read"])
}

fn token(patch: Value) -> Value {
    let mut c = json!({"iss": "https://id.mine.example", "sub": "u1", "exp": NOW + 60,
                       "scope": "read", "typ": "access"});
    for (k, v) in patch.as_object().unwrap() {
        c[k] = v.clone();
    }
    c
}

#[test]
fn rules_on_members_the_type_models_are_enforced() {
    let key = RsaKey::generate("k");
    let v = verify_as::<Modelled>(&mine(), &key, &token(json!({}))).unwrap();
    assert_eq!(v.identity.provider, "mine");
    assert_eq!(v.scopes, ["read"]);
    assert_eq!(
        verify_as::<Modelled>(&mine(), &key, &token(json!({"typ": "refresh"}))).unwrap_err(),
        VerifyError::WrongTokenType("refresh".into())
    );
    assert_eq!(
        verify_as::<Modelled>(&mine(), &key, &token(json!({"scope": "read mfa_pending"})))
            .unwrap_err(),
        VerifyError::InsufficientScope("mfa_pending".into())
    );
    assert_eq!(
        verify_as::<Modelled>(&mine(), &key, &token(json!({"scope": "write"}))).unwrap_err(),
        VerifyError::InsufficientScope("missing read".into())
    );
    // `scp` counts too, though the type does not model it.
    let v = verify_as::<Modelled>(
        &mine(),
        &key,
        &token(json!({"scope": null, "scp": ["read", "write"]})),
    )
    .unwrap();
    assert_eq!(v.scopes, ["read", "write"]);
    // A `typ` that is not a string is refused, not ignored, also where no type models it.
    let generic = Policy::oidc("corp", "https://id.mine.example", ["api"])
        .unwrap()
        .with_token_type("access");
    assert_eq!(
        verify_as::<OidcClaims>(&generic, &key, &token(json!({"typ": 7, "aud": "api"})))
            .unwrap_err(),
        VerifyError::WrongTokenType(String::new())
    );
}

#[test]
fn required_claims_read_the_payload_not_the_type() {
    // Para's type models `data` as a struct that is always there once parsed: the rule must
    // still see a token without it.
    let key = RsaKey::generate("k");
    let policy = Policy::para().with_required_claims(["data"]);
    let without = json!({"sub": "u1", "exp": NOW + 60});
    assert_eq!(
        verify_as::<ParaClaims>(&policy, &key, &without).unwrap_err(),
        VerifyError::MissingConfiguredClaim("data".into())
    );
    let generic = Policy::oidc("corp", "https://id.corp.example", ["api"])
        .unwrap()
        .with_required_claims(["sid"]);
    let null = json!({"iss": "https://id.corp.example", "aud": "api", "sub": "u1",
                      "exp": NOW + 60, "sid": null});
    assert_eq!(
        verify_as::<OidcClaims>(&generic, &key, &null).unwrap_err(),
        VerifyError::MissingConfiguredClaim("sid".into())
    );
    let with = json!({"sub": "u1", "exp": NOW + 60, "data": {"userId": "u1"}});
    assert_eq!(
        verify_as::<ParaClaims>(&policy, &key, &with)
            .unwrap()
            .identity
            .user_id,
        "u1"
    );
}

#[test]
fn configured_identity_claims_make_sub_optional_but_keep_other_refusals() {
    let key = RsaKey::generate("k");
    let policy = Policy::oidc("corp", "https://id.corp.example", ["api"])
        .unwrap()
        .with_identity_claims("uid", "mail")
        .unwrap();
    let claims = json!({"iss": "https://id.corp.example", "aud": "api", "exp": NOW + 60,
                        "uid": "u-7", "mail": "u7@corp.example"});
    let v = verify_as::<OidcClaims>(&policy, &key, &claims).unwrap();
    assert_eq!(v.identity.user_id, "u-7");
    assert_eq!(v.identity.email.as_deref(), Some("u7@corp.example"));
    assert_eq!(v.identity.provider, "corp");

    // A type whose identity refuses for another reason still refuses.
    let policy = mine().with_identity_claims("uid", "mail").unwrap();
    let claims = token(json!({"uid": "u-7"}));
    assert_eq!(
        verify_as::<Modelled>(&policy, &key, &claims)
            .unwrap()
            .identity
            .user_id,
        "u-7"
    );
    let no_exp_rule = Policy::new::<Modelled>("mine", &[Algorithm::RS256])
        .unwrap()
        .with_identity_claims("uid", "mail")
        .unwrap();
    assert_eq!(
        verify_as::<Modelled>(&no_exp_rule, &key, &json!({"uid": "u-7", "exp": NOW + 60}))
            .unwrap()
            .identity
            .user_id,
        "u-7"
    );
}

#[test]
fn a_key_spelled_with_escapes_is_still_read() {
    // `sc\u006fpe` is `scope` to every JSON parser: the rules must see it too.
    let key = RsaKey::generate("k");
    let header = serde_json::to_vec(&test_support::header_for(&key)).unwrap();
    let payload = format!(
        r#"{{"iss":"https://id.mine.example","sub":"u1","exp":{},"sc\u006fpe":"read mfa_pending","typ":"access"}}"#,
        NOW + 60
    );
    let token = test_support::sign_raw(&key, &header, payload.as_bytes());
    let dk = key.decoding_key();
    assert_eq!(
        verify::<Modelled, _>(&token, &mine(), |_, _| Ok(&dk), NOW).unwrap_err(),
        VerifyError::InsufficientScope("mfa_pending".into())
    );
    let payload = format!(
        r#"{{"iss":"https://id.mine.example","sub":"u1","exp":{},"scope":"read","t\u0079p":"refresh"}}"#,
        NOW + 60
    );
    let token = test_support::sign_raw(&key, &header, payload.as_bytes());
    assert_eq!(
        verify::<Modelled, _>(&token, &mine(), |_, _| Ok(&dk), NOW).unwrap_err(),
        VerifyError::WrongTokenType("refresh".into())
    );
}
