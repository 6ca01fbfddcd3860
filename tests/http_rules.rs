//! Rules that hold for every provider: `required_scopes` in each provider's table is enforced for
//! that provider (read from `scope`, space-separated, or `scp`, an array), and Para accepts RS256
//! and ES256, the key's type deciding. Real parts: a JWKS server on loopback, real keys, tokens
//! signed with them, the app served over HTTP.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod support;

use reqwest::StatusCode;
use serde_json::{Value, json};
use support::{Harness, claims, now, status_and_challenge};
use test_support::Provider;

const INSUFFICIENT: &str = "Bearer error=\"insufficient_scope\", error_description=\"the token does not grant this access\"";

const PROVIDERS: [Provider; 5] = [
    Provider::Para,
    Provider::Parra,
    Provider::Sophon,
    Provider::Dynamic,
    Provider::Web3Auth,
];

/// `claims` of `provider` with its `scope`/`scp` members replaced by `grant`'s.
fn with_grant(provider: Provider, grant: &Value) -> Value {
    let mut c = claims(provider, now());
    let object = c.as_object_mut().unwrap();
    object.remove("scope");
    object.remove("scp");
    for (k, v) in grant.as_object().unwrap() {
        object.insert(k.clone(), v.clone());
    }
    c
}

#[tokio::test]
async fn required_scopes_hold_for_every_provider() {
    let scopes = vec!["read:me".to_owned()];
    let h = Harness::start_with(|c| {
        c.para.as_mut().unwrap().required_scopes = scopes.clone();
        c.parra.as_mut().unwrap().required_scopes = scopes.clone();
        c.sophon.as_mut().unwrap().required_scopes = scopes.clone();
        c.dynamic.as_mut().unwrap().required_scopes = scopes.clone();
        c.web3auth.as_mut().unwrap().required_scopes = scopes.clone();
    })
    .await;
    for provider in PROVIDERS {
        let cases = [
            (json!({}), StatusCode::FORBIDDEN),
            (json!({"scope": "openid read:mine"}), StatusCode::FORBIDDEN),
            (
                json!({"scp": ["read:mine", "write:me"]}),
                StatusCode::FORBIDDEN,
            ),
            (json!({"scope": ["read:me"]}), StatusCode::FORBIDDEN),
            (json!({"scope": "openid read:me"}), StatusCode::OK),
            (json!({"scp": ["openid", "read:me"]}), StatusCode::OK),
        ];
        for (grant, expected) in cases {
            let token = h.keys.token(provider, &with_grant(provider, &grant));
            let res = h.get("/me", Some(&token)).await;
            let (status, challenge) = status_and_challenge(&res);
            // Dynamic and Sophon model `scope` as a string: an array there is a malformed claim.
            let typed_scope = matches!(provider, Provider::Dynamic | Provider::Sophon);
            if grant.get("scope").is_some_and(Value::is_array) && typed_scope {
                assert_eq!(status, StatusCode::UNAUTHORIZED, "{provider:?} {grant}");
                continue;
            }
            assert_eq!(status, expected, "{provider:?} {grant}");
            if expected == StatusCode::FORBIDDEN {
                assert_eq!(challenge.as_deref(), Some(INSUFFICIENT), "{provider:?}");
                let body: Value = res.json().await.unwrap();
                assert_eq!(body["error"], "insufficient_scope");
            }
        }
    }
}

#[tokio::test]
async fn without_required_scopes_no_scope_is_needed() {
    let h = Harness::start().await;
    for provider in PROVIDERS {
        let token = h.keys.token(provider, &with_grant(provider, &json!({})));
        assert_eq!(
            h.get("/me", Some(&token)).await.status(),
            StatusCode::OK,
            "{provider:?}"
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

/// `algorithms` in a provider's table narrows what it accepts; a name its keys cannot verify is
/// a configuration error naming the key.
#[tokio::test]
async fn algorithms_narrow_each_provider_and_unverifiable_ones_are_refused_at_start() {
    let h = Harness::start_with(|c| {
        c.para.as_mut().unwrap().algorithms = Some(vec!["ES256".to_owned()]);
    })
    .await;
    let para = claims(Provider::Para, now());
    let es256 = test_support::sign(&h.keys.ec, &para);
    assert_eq!(h.get("/me", Some(&es256)).await.status(), StatusCode::OK);
    let rs256 = test_support::sign(&h.keys.rsa, &para);
    let res = h.get("/me", Some(&rs256)).await;
    assert_eq!(
        status_and_challenge(&res),
        (
            StatusCode::UNAUTHORIZED,
            Some(support::invalid_token(
                "the token's algorithm is not accepted"
            ))
        )
    );

    let refused = |table: &str| {
        wallet_auth::layer::AuthConfig::from_toml_str(table)
            .and_then(|c| c.build_verifier().map(|_| ()))
            .unwrap_err()
            .to_string()
    };
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
        refused("[para]\nalgorithms = []\n"),
        "para.algorithms: the allowed algorithms must be non-empty and must not mix HMAC with public-key algorithms"
    );
}

/// `extra_issuers` adds exact issuers to the fixed-issuer providers (for Dynamic, each must end in
/// `/<environment_id>`: a custom domain); other issuers stay refused.
#[tokio::test]
async fn extra_issuers_are_accepted_and_nothing_else() {
    let custom = format!("auth.example.com/{}", support::DYNAMIC_ENV);
    let h = Harness::start_with(|c| {
        c.dynamic.as_mut().unwrap().extra_issuers = vec![custom.clone()];
        c.sophon.as_mut().unwrap().extra_issuers = vec!["https://auth.staging.example".to_owned()];
    })
    .await;
    for (provider, iss, expected) in [
        (Provider::Dynamic, custom.as_str(), StatusCode::OK),
        (
            Provider::Sophon,
            "https://auth.staging.example",
            StatusCode::OK,
        ),
        (
            Provider::Sophon,
            "https://auth.other.example",
            StatusCode::UNAUTHORIZED,
        ),
    ] {
        let mut c = claims(provider, now());
        c["iss"] = json!(iss);
        let res = h.get("/me", Some(&h.keys.token(provider, &c))).await;
        assert_eq!(res.status(), expected, "{provider:?} {iss}");
        if expected == StatusCode::OK {
            let body: Value = res.json().await.unwrap();
            assert_eq!(body["provider"], format!("{provider:?}").to_lowercase());
        }
    }
    let e = wallet_auth::layer::AuthConfig::from_toml_str(
        "[dynamic]\nenvironment_id = \"env-1\"\nextra_issuers = [\"auth.example.com/env-2\"]\n",
    )
    .and_then(|c| c.build_verifier().map(|_| ()))
    .unwrap_err();
    assert_eq!(
        e.to_string(),
        "dynamic.extra_issuers: \"auth.example.com/env-2\" must end in \"/env-1\""
    );
}
