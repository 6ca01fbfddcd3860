//! Rules that hold for every provider — the six built-in ones and an `[[oidc]]` issuer: the
//! common table rules `required_scopes` (read from `scope`, space-separated, or `scp`, an array),
//! `algorithms` (a subset of what the provider's keys verify) and `extra_issuers` (where the
//! provider has an issuer to add to), plus Para's RS256-or-ES256. Privy's cookie and
//! access-token rule are in `tests/http_privy.rs`. Real parts: a JWKS server on loopback, real
//! keys, tokens signed with them, the app served over HTTP.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod rules_support;
mod support;

use reqwest::StatusCode;
use rules_support::*;
use serde_json::{Value, json};
use support::{Harness, claims, now, status_and_challenge};
use test_support::Provider;
use wallet_auth::layer::AuthConfig;

#[tokio::test]
async fn every_provider_answers_its_valid_token() {
    let h = start(|_| {}).await;
    for target in TARGETS {
        let res = h
            .get("/me", Some(&target.token(&h.keys, &target.claims(now()))))
            .await;
        assert_eq!(res.status(), StatusCode::OK, "{target:?}");
        let body: Value = res.json().await.unwrap();
        assert_eq!(body["provider"], target.name(), "{target:?}");
    }
}

#[tokio::test]
async fn required_scopes_hold_for_every_provider() {
    let h = start(|c| {
        for target in TARGETS {
            *target.rules(c).required_scopes = vec!["read:me".to_owned()];
        }
    })
    .await;
    for target in TARGETS {
        let cases = [
            (json!({}), StatusCode::FORBIDDEN),
            (json!({"scope": "openid read:mine"}), StatusCode::FORBIDDEN),
            (
                json!({"scp": ["read:mine", "write:me"]}),
                StatusCode::FORBIDDEN,
            ),
            (json!({"scope": ["read:me"]}), StatusCode::FORBIDDEN),
            (json!({"scp": "read:me"}), StatusCode::FORBIDDEN),
            (json!({"scope": "openid read:me"}), StatusCode::OK),
            (json!({"scp": ["openid", "read:me"]}), StatusCode::OK),
        ];
        for (grant, expected) in cases {
            let token = target.token(&h.keys, &with_grant(target, &grant));
            let res = h.get("/me", Some(&token)).await;
            let (status, challenge) = status_and_challenge(&res);
            // Dynamic and Sophon model `scope` as a string: an array there is a malformed claim.
            let typed_scope = matches!(
                target,
                Target::Builtin(Provider::Dynamic | Provider::Sophon)
            );
            if grant.get("scope").is_some_and(Value::is_array) && typed_scope {
                assert_eq!(
                    (status, challenge),
                    (
                        StatusCode::UNAUTHORIZED,
                        Some(support::invalid_token("the token's claims are invalid"))
                    ),
                    "{target:?} {grant}"
                );
                continue;
            }
            assert_eq!(status, expected, "{target:?} {grant}");
            if expected == StatusCode::FORBIDDEN {
                assert_eq!(challenge.as_deref(), Some(INSUFFICIENT), "{target:?}");
                let body: Value = res.json().await.unwrap();
                assert_eq!(
                    body,
                    json!({"error": "insufficient_scope", "error_description": "the token does not grant this access"}),
                    "{target:?}"
                );
            } else {
                let body: Value = res.json().await.unwrap();
                assert_eq!(body["provider"], target.name(), "{target:?}");
            }
        }
    }
}

#[tokio::test]
async fn without_required_scopes_no_scope_is_needed() {
    let h = start(|_| {}).await;
    for target in TARGETS {
        let token = target.token(&h.keys, &with_grant(target, &json!({})));
        assert_eq!(
            h.get("/me", Some(&token)).await.status(),
            StatusCode::OK,
            "{target:?}"
        );
    }
}

#[tokio::test]
async fn required_scopes_must_be_single_words() {
    for target in TARGETS {
        let mut c = support::config("http://127.0.0.1:9/jwks.json");
        c.oidc = AuthConfig::from_toml_str(&format!(
            "[[oidc]]\nname = \"{OIDC_NAME}\"\nissuer = \"{OIDC_ISSUER}\"\n\
             audience = \"{OIDC_AUD}\"\njwks_url = \"http://127.0.0.1:9/jwks.json\"\n"
        ))
        .unwrap()
        .oidc;
        *target.rules(&mut c).required_scopes = vec!["read me".to_owned()];
        let table = match target {
            Target::Builtin(p) => p.as_str().to_owned(),
            Target::Oidc => "oidc[0]".to_owned(),
        };
        assert_eq!(
            build_error(&c),
            format!(
                "{table}.required_scopes: \"read me\" is not a scope (one non-empty word each)"
            )
        );
    }
}

#[tokio::test]
async fn para_accepts_rs256_and_es256_the_key_type_deciding() {
    let h = Harness::start().await;
    let para = claims(Provider::Para, now());
    let rs256 = test_support::sign(&h.keys.rsa, &para);
    let es256 = test_support::sign(&h.keys.ec, &para);
    for token in [&rs256, &es256] {
        let res = h.get("/me", Some(token)).await;
        assert_eq!(res.status(), StatusCode::OK);
        let body: Value = res.json().await.unwrap();
        assert_eq!(body["provider"], "para");
    }
    // An ES256 header naming the RSA key's kid finds no key of the right type.
    let header = json!({"alg": "ES256", "typ": "JWT", "kid": "rsa-key-1"});
    let confused = test_support::sign_with_header(&h.keys.ec, &header, &para);
    let res = h.get("/me", Some(&confused)).await;
    assert_eq!(
        status_and_challenge(&res),
        (
            StatusCode::UNAUTHORIZED,
            Some(support::invalid_token("no key for this token"))
        )
    );
    // HS256 stays refused for Para.
    let hs = test_support::sign(&h.keys.parra, &para);
    assert_eq!(
        h.get("/me", Some(&hs)).await.status(),
        StatusCode::UNAUTHORIZED
    );
}

/// `algorithms` in each provider's table replaces what it accepts (a subset of what its keys can
/// verify): a token signed with an algorithm in the list passes, one outside it is refused.
#[tokio::test]
async fn algorithms_narrow_every_provider() {
    // (target, `algorithms`, a token algorithm outside it that the provider accepts by default).
    let cases = [
        (Target::Builtin(Provider::Para), "ES256", "RS256"),
        (Target::Builtin(Provider::Parra), "HS512", "HS256"),
        (Target::Builtin(Provider::Sophon), "ES256", "RS256"),
        (Target::Builtin(Provider::Dynamic), "ES256", "RS256"),
        (Target::Builtin(Provider::Web3Auth), "RS256", "ES256"),
        // Privy's keys verify ES256 only: the one subset is ES256 itself.
        (Target::Builtin(Provider::Privy), "ES256", "RS256"),
        (Target::Oidc, "ES256", "RS256"),
    ];
    let h = start(|c| {
        for (target, alg, _) in cases {
            *target.rules(c).algorithms = Some(vec![alg.to_owned()]);
        }
    })
    .await;
    for (target, alg, outside) in cases {
        let c = target.claims(now());
        let res = h
            .get("/me", Some(&target.token_with(&h.keys, alg, &c)))
            .await;
        assert_eq!(res.status(), StatusCode::OK, "{target:?} {alg}");
        let body: Value = res.json().await.unwrap();
        assert_eq!(body["provider"], target.name(), "{target:?}");

        let res = h
            .get("/me", Some(&target.token_with(&h.keys, outside, &c)))
            .await;
        assert_eq!(
            status_and_challenge(&res),
            (
                StatusCode::UNAUTHORIZED,
                Some(support::invalid_token(
                    "the token's algorithm is not accepted"
                ))
            ),
            "{target:?} {outside}"
        );
    }
}

/// An algorithm a provider's keys cannot verify is a configuration error naming the key.
#[tokio::test]
async fn algorithms_a_provider_cannot_verify_are_refused_at_start() {
    let public_key = "RS256, RS384, RS512, PS256, PS384, PS512, ES256, ES384 or EdDSA";
    assert_eq!(
        refused("[para]\nalgorithms = [\"HS256\"]\n"),
        format!("para.algorithms: \"HS256\" is not {public_key}")
    );
    assert_eq!(
        refused("[sophon]\npartner_id = \"p\"\nalgorithms = [\"none\"]\n"),
        format!("sophon.algorithms: \"none\" is not {public_key}")
    );
    assert_eq!(
        refused(
            "[[parra.keys]]\nid = \"k\"\nsecret = \"s\"\ntenant_id = \"t\"\n\
             [parra]\nalgorithms = [\"RS256\"]\n"
        ),
        "parra.algorithms: \"RS256\" is not HS256, HS384 or HS512"
    );
    let pem = test_support::RsaKey::generate("k").spki_pem();
    assert_eq!(
        refused(&format!(
            "[dynamic]\nenvironment_id = \"e\"\npublic_key_pem = \"\"\"{pem}\"\"\"\nalgorithms = [\"ES256\"]\n"
        )),
        "dynamic.algorithms: \"ES256\" is not RS256, RS384, RS512, PS256, PS384 or PS512"
    );
    assert_eq!(
        refused("[web3auth]\nclient_id = \"c\"\nalgorithms = [\"HS256\"]\n"),
        format!("web3auth.algorithms: \"HS256\" is not {public_key}")
    );
    assert_eq!(
        refused("[privy]\napp_id = \"a\"\nalgorithms = [\"RS256\"]\n"),
        "privy.algorithms: \"RS256\" is not ES256"
    );
    assert_eq!(
        refused(
            "[[oidc]]\nname = \"corp\"\nissuer = \"https://sso.corp.example/\"\naudience = \"api\"\n\
             jwks_url = \"https://sso.corp.example/jwks\"\nalgorithms = [\"HS256\"]\n"
        ),
        format!("oidc[0].algorithms: \"HS256\" is not {public_key}")
    );
    assert_eq!(
        refused("[para]\nalgorithms = []\n"),
        "para.algorithms: the allowed algorithms must be non-empty and must not mix HMAC with public-key algorithms"
    );
}

/// `extra_issuers` adds exact issuers to every provider with a fixed issuer (for Dynamic, each
/// must end in `/<environment_id>`: a custom domain); the provider's own issuer still passes and
/// any other issuer stays refused.
#[tokio::test]
async fn extra_issuers_are_accepted_and_nothing_else() {
    let dynamic_custom = format!("auth.example.com/{}", support::DYNAMIC_ENV);
    let extra = [
        (
            Target::Builtin(Provider::Sophon),
            "https://auth.staging.example",
        ),
        (Target::Builtin(Provider::Dynamic), dynamic_custom.as_str()),
        (
            Target::Builtin(Provider::Web3Auth),
            "https://auth.w3a.staging.example",
        ),
        (
            Target::Builtin(Provider::Privy),
            "auth.privy.staging.example",
        ),
        (Target::Oidc, "https://sso2.corp.example/"),
    ];
    let h = start(|c| {
        for (target, iss) in extra {
            *target.rules(c).extra_issuers = vec![iss.to_owned()];
        }
    })
    .await;
    for (target, iss) in extra {
        let own = target.claims(now())["iss"].clone();
        for (iss, expected) in [
            (json!(iss), StatusCode::OK),
            (own, StatusCode::OK),
            (json!(format!("{iss}.other")), StatusCode::UNAUTHORIZED),
        ] {
            let mut c = target.claims(now());
            c["iss"] = iss.clone();
            let res = h.get("/me", Some(&target.token(&h.keys, &c))).await;
            if expected == StatusCode::OK {
                assert_eq!(res.status(), expected, "{target:?} {iss}");
                let body: Value = res.json().await.unwrap();
                assert_eq!(body["provider"], target.name(), "{target:?} {iss}");
                assert_eq!(body["claims"]["iss"], iss, "{target:?}");
            } else {
                assert_eq!(
                    status_and_challenge(&res),
                    (
                        StatusCode::UNAUTHORIZED,
                        Some(support::invalid_token("the token's issuer is not accepted"))
                    ),
                    "{target:?} {iss}"
                );
            }
        }
    }
    // One provider's extra issuer is not another's: a Privy token naming Sophon's extra issuer
    // is verified under Sophon's policy (RS256), and fails there.
    let mut c = claims(Provider::Privy, now());
    c["iss"] = json!("https://auth.staging.example");
    let res = h.get("/me", Some(&h.keys.token(Provider::Privy, &c))).await;
    assert_eq!(
        status_and_challenge(&res),
        (
            StatusCode::UNAUTHORIZED,
            Some(support::invalid_token(
                "the token's algorithm is not accepted"
            ))
        )
    );
}

/// Para has no issuer and Parra's issuers are its API key ids: `extra_issuers` is refused there
/// at start-up, with the reason. Dynamic's must end in `/<environment_id>`; none may be empty.
#[tokio::test]
async fn extra_issuers_are_refused_where_they_cannot_apply() {
    let jwks_url = "http://127.0.0.1:9/jwks.json";
    let cases = [
        (
            Target::Builtin(Provider::Para),
            "https://auth.para.example",
            "para.extra_issuers: Para's tokens carry no iss, so there is no issuer to add to",
        ),
        (
            Target::Builtin(Provider::Parra),
            "parra-key-2",
            "parra.extra_issuers: Parra's issuers are its API key ids: add a [[parra.keys]] entry instead",
        ),
        (
            Target::Builtin(Provider::Dynamic),
            "auth.example.com/another-env",
            "dynamic.extra_issuers: \"auth.example.com/another-env\" must end in \"/2762a57b-faa4-41ce-9f16-abff9300e2c9\"",
        ),
        (
            Target::Builtin(Provider::Privy),
            "",
            "privy.extra_issuers: \"\" must not be empty",
        ),
        (
            Target::Builtin(Provider::Sophon),
            "",
            "sophon.extra_issuers: \"\" must not be empty",
        ),
    ];
    for (target, iss, message) in cases {
        let mut c = support::config(jwks_url);
        *target.rules(&mut c).extra_issuers = vec![iss.to_owned()];
        assert_eq!(build_error(&c), message, "{target:?}");
    }
    // An extra issuer another provider already has.
    let mut c = support::config(jwks_url);
    *Target::Builtin(Provider::Privy).rules(&mut c).extra_issuers =
        vec!["https://auth.sophon.xyz".to_owned()];
    assert_eq!(
        build_error(&c),
        "privy: the issuer \"https://auth.sophon.xyz\" is already [sophon]'s: each issuer routes to one provider"
    );
    let e = AuthConfig::from_toml_str(
        "[dynamic]\nenvironment_id = \"env-1\"\nextra_issuers = [\"auth.example.com/env-2\"]\n",
    )
    .and_then(|c| c.build_verifier().map(|_| ()))
    .unwrap_err();
    assert_eq!(
        e.to_string(),
        "dynamic.extra_issuers: \"auth.example.com/env-2\" must end in \"/env-1\""
    );
}
