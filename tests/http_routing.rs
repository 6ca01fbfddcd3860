//! One layer with several providers, each with its own keys: routing by `iss` (one key lookup
//! per request, a token signed with one provider's key claiming another's issuer refused), two
//! providers claiming one issuer or one name refused at start-up, and the exact configuration
//! errors of `[[oidc]]` tables. Real JWKS and discovery servers on loopback, real keys.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod oidc_support;
mod support;

use oidc_support::*;

use serde_json::{Value, json};
use support::{DYNAMIC_ORIGIN, PRIVY_APP, app, claims, expected_me, now, serve};
use test_support::jwks_server::JwksServer;
use test_support::{EcKey, Provider, RsaKey, jwks, sign, sign_with_header};
use wallet_auth::jwks::Stats;
use wallet_auth::layer::{AuthConfig, AuthLayer};

struct Three {
    dynamic_key: RsaKey,
    privy_key: EcKey,
    idp: Discovered,
    dynamic_jwks: JwksServer,
    privy_jwks: JwksServer,
    base: String,
    layer: AuthLayer,
}

impl Three {
    async fn start() -> Self {
        let dynamic_key = RsaKey::generate("dyn-key-1");
        let privy_key = EcKey::generate("privy-key-1");
        let dynamic_jwks = JwksServer::start(jwks(&[dynamic_key.jwk()])).await;
        let privy_jwks = JwksServer::start(jwks(&[privy_key.jwk()])).await;
        let idp = Discovered::start().await;
        let toml = format!(
            r#"
            [jwks]
            allow_http = true
            cooldown_secs = 30

            [token]
            cache = false

            [dynamic]
            environment_id = "{env}"
            jwks_url = "{dyn_url}"
            audience = ["{DYNAMIC_ORIGIN}"]

            [privy]
            app_id = "{PRIVY_APP}"
            jwks_url = "{privy_url}"

            [[oidc]]
            name = "acme"
            issuer = "{issuer}"
            audience = "{API_AUD}"
            discovery = true
            "#,
            env = support::DYNAMIC_ENV,
            dyn_url = dynamic_jwks.url(),
            privy_url = privy_jwks.url(),
            issuer = idp.issuer,
        );
        let config = AuthConfig::from_toml_str(&toml).unwrap();
        let layer = AuthLayer::from_config(&config).unwrap();
        layer.verifier().start().await.unwrap();
        assert!(layer.verifier().is_ready());
        let base = serve(app(layer.clone(), None)).await;
        Three {
            dynamic_key,
            privy_key,
            idp,
            dynamic_jwks,
            privy_jwks,
            base,
            layer,
        }
    }

    fn dynamic_claims(&self) -> Value {
        patched(
            claims(Provider::Dynamic, now()),
            json!({"kid": "dyn-key-1"}),
        )
    }

    fn stats(&self) -> [Stats; 3] {
        let v = self.layer.verifier();
        [
            stats_of(v, "dynamic"),
            stats_of(v, "privy"),
            stats_of(v, "acme"),
        ]
    }

    /// Key-set requests seen by the three JWKS servers, and discovery requests.
    fn requests(&self) -> [usize; 4] {
        [
            self.dynamic_jwks.requests(),
            self.privy_jwks.requests(),
            self.idp.jwks.requests(),
            self.idp.discovery.requests(),
        ]
    }

    /// `GET /me` with `token`, returning what changed in each provider's key-set counters.
    async fn send(&self, token: &str) -> (reqwest::Response, [Vec<(&'static str, u64)>; 3]) {
        let before = self.stats();
        let res = get(&self.base, "/me", token).await;
        let after = self.stats();
        let d = [
            diff(before[0], after[0]),
            diff(before[1], after[1]),
            diff(before[2], after[2]),
        ];
        (res, d)
    }
}

// 4. Three providers in one layer, routed by `iss`: each valid token gets 200 with its provider,
//    and exactly one key lookup, in its own provider's key set only.
#[tokio::test]
async fn three_providers_route_by_issuer_with_one_key_lookup_each() {
    let t = Three::start().await;
    assert_eq!(t.requests(), [1, 1, 1, 1]);
    let hit = vec![("hits", 1)];
    let none: Vec<(&str, u64)> = vec![];

    for round in 0..2 {
        let c = t.dynamic_claims();
        let (res, d) = t.send(&sign(&t.dynamic_key, &c)).await;
        assert_me(res, &expected_me(Provider::Dynamic, &c)).await;
        assert_eq!(
            d,
            [hit.clone(), none.clone(), none.clone()],
            "round {round}"
        );

        let c = claims(Provider::Privy, now());
        let (res, d) = t.send(&sign(&t.privy_key, &c)).await;
        assert_me(res, &expected_me(Provider::Privy, &c)).await;
        assert_eq!(
            d,
            [none.clone(), hit.clone(), none.clone()],
            "round {round}"
        );

        let c = oidc_claims(&t.idp.issuer, now());
        let (res, d) = t.send(&t.idp.token(&c)).await;
        assert_me(
            res,
            &expected_oidc_me("acme", "acme|user-1", Some("user1@acme.example"), &c),
        )
        .await;
        assert_eq!(
            d,
            [none.clone(), none.clone(), hit.clone()],
            "round {round}"
        );
    }
    // No fetch beyond start-up.
    assert_eq!(t.requests(), [1, 1, 1, 1]);
}

// 4b. Tokens signed with one provider's key claiming another provider's issuer are verified under
//     the provider they name, with its keys only, and refused.
#[tokio::test]
async fn cross_provider_tokens_are_refused_under_the_issuer_they_name() {
    let t = Three::start().await;
    let none: Vec<(&str, u64)> = vec![];

    // Privy's key (ES256) claiming Dynamic's issuer: Dynamic accepts RS256 only; no key lookup.
    let header = json!({"alg": "ES256", "typ": "JWT", "kid": "privy-key-1"});
    let token = sign_with_header(&t.privy_key, &header, &t.dynamic_claims());
    let (res, d) = t.send(&token).await;
    assert_invalid(res, "the token's algorithm is not accepted").await;
    assert_eq!(d, [none.clone(), none.clone(), none.clone()]);

    // Privy's key under Dynamic's kid and RS256 label: Dynamic's key is looked up, the signature
    // fails.
    let header = json!({"alg": "RS256", "typ": "JWT", "kid": "dyn-key-1"});
    let token = sign_with_header(&t.privy_key, &header, &t.dynamic_claims());
    let (res, d) = t.send(&token).await;
    assert_invalid(res, "the token's signature is invalid").await;
    assert_eq!(d, [vec![("hits", 1)], none.clone(), none.clone()]);

    // The oidc key (RS256) claiming privy.io: Privy accepts ES256 only; no key lookup.
    let token = t.idp.token(&claims(Provider::Privy, now()));
    let (res, d) = t.send(&token).await;
    assert_invalid(res, "the token's algorithm is not accepted").await;
    assert_eq!(d, [none.clone(), none.clone(), none.clone()]);

    // The oidc key claiming Dynamic's issuer under its own kid: Dynamic's set has no such key; a
    // refetch is refused inside the cooldown (start-up fetched it); the oidc set is not consulted.
    let token = t.idp.token(&t.dynamic_claims());
    let (res, d) = t.send(&token).await;
    assert_invalid(res, "no key for this token").await;
    assert_eq!(
        d,
        [vec![("cooldown_rejections", 1)], none.clone(), none.clone()]
    );

    // The oidc key under Dynamic's kid: Dynamic's key is found, the signature fails.
    let header = json!({"alg": "RS256", "typ": "JWT", "kid": "dyn-key-1"});
    let token = sign_with_header(&t.idp.key, &header, &t.dynamic_claims());
    let (res, d) = t.send(&token).await;
    assert_invalid(res, "the token's signature is invalid").await;
    assert_eq!(d, [vec![("hits", 1)], none.clone(), none.clone()]);

    // Dynamic's key claiming the oidc issuer under the oidc kid: refused with the oidc key only.
    let header = json!({"alg": "RS256", "typ": "JWT", "kid": "acme-key-1"});
    let token = sign_with_header(&t.dynamic_key, &header, &oidc_claims(&t.idp.issuer, now()));
    let (res, d) = t.send(&token).await;
    assert_invalid(res, "the token's signature is invalid").await;
    assert_eq!(d, [none.clone(), none.clone(), vec![("hits", 1)]]);

    // Nothing was fetched for any of these.
    assert_eq!(t.requests(), [1, 1, 1, 1]);
}

/// `config.build_verifier()`'s error for `toml`.
fn build_error(toml: &str) -> String {
    AuthConfig::from_toml_str(toml)
        .unwrap()
        .build_verifier()
        .unwrap_err()
        .to_string()
}

const JWKS_URL: &str = "http://127.0.0.1:9/jwks.json";

// 5. Two providers claiming the same issuer, or two `[[oidc]]` tables with the same name.
#[test]
fn providers_sharing_an_issuer_or_a_name_are_refused() {
    let privy = format!(
        r#"
        [jwks]
        allow_http = true

        [privy]
        app_id = "{PRIVY_APP}"
        jwks_url = "{JWKS_URL}"
        "#
    );
    let oidc = |name: &str, issuer: &str| {
        format!(
            r#"
            [[oidc]]
            name = "{name}"
            issuer = "{issuer}"
            audience = "{API_AUD}"
            jwks_url = "{JWKS_URL}"
            "#
        )
    };
    assert_eq!(
        build_error(&format!("{privy}{}", oidc("acme", "privy.io"))),
        "oidc[0]: the issuer \"privy.io\" is already [privy]'s: each issuer routes to one provider"
    );
    assert_eq!(
        build_error(&format!(
            "{privy}{}{}",
            oidc("acme", "https://id.example/"),
            oidc("other", "https://id.example/")
        )),
        "oidc[1]: the issuer \"https://id.example/\" is already [oidc[0]]'s: each issuer routes to one provider"
    );
    assert_eq!(
        build_error(&format!(
            "{privy}{}{}",
            oidc("acme", "https://a.example/"),
            oidc("acme", "https://b.example/")
        )),
        "oidc[1]: the provider name \"acme\" is already [oidc[0]]'s"
    );
    // `extra_issuers` count too.
    let extra = format!(
        "{privy}{}extra_issuers = [\"privy.io\"]\n",
        oidc("acme", "https://a.example/")
    );
    assert_eq!(
        build_error(&extra),
        "oidc[0]: the issuer \"privy.io\" is already [privy]'s: each issuer routes to one provider"
    );
    // Distinct names and issuers are fine.
    AuthConfig::from_toml_str(&format!(
        "{privy}{}{}",
        oidc("acme", "https://a.example/"),
        oidc("other", "https://b.example/")
    ))
    .unwrap()
    .build_verifier()
    .unwrap();
}

// 6. `[[oidc]]` configuration errors, each naming the key.
#[test]
fn oidc_config_errors_are_exact() {
    let head = "[jwks]\nallow_http = true\n\n[[oidc]]\n";
    let table = |body: &str| format!("{head}{body}");
    let ok_body = format!(
        "name = \"acme\"\nissuer = \"https://id.example/\"\naudience = \"{API_AUD}\"\njwks_url = \"{JWKS_URL}\"\n"
    );
    // Missing or empty audience, without authorized_parties either.
    let no_audience = "oidc[0].audience: missing (set audience, or authorized_parties for issuers whose tokens have no aud)";
    assert_eq!(
        build_error(&table(&format!(
            "name = \"acme\"\nissuer = \"https://id.example/\"\njwks_url = \"{JWKS_URL}\"\n"
        ))),
        no_audience
    );
    assert_eq!(
        build_error(&table(
            &ok_body.replace(&format!("audience = \"{API_AUD}\""), "audience = []")
        )),
        no_audience
    );
    assert_eq!(
        build_error(&table(
            &ok_body.replace(&format!("audience = \"{API_AUD}\""), "audience = [\"\"]")
        )),
        "oidc[0].audience: oidc.audience must not be empty"
    );
    assert_eq!(
        build_error(&table(&format!("{ok_body}discovery = true\n"))),
        "oidc[0].discovery: set jwks_url or discovery = true, not both"
    );
    assert_eq!(
        build_error(&table(
            &ok_body.replace(&format!("jwks_url = \"{JWKS_URL}\"\n"), "")
        )),
        "oidc[0].jwks_url: missing (set jwks_url, or discovery = true)"
    );
    for builtin in ["privy", "Dynamic"] {
        assert_eq!(
            build_error(&table(
                &ok_body.replace("name = \"acme\"", &format!("name = \"{builtin}\""))
            )),
            format!("oidc[0].name: \"{builtin}\" is a built-in provider: use its own table")
        );
    }
    assert_eq!(
        build_error(&table(
            &ok_body.replace("name = \"acme\"", "name = \"my idp\"")
        )),
        "oidc[0].name: \"my idp\" is not 1 to 64 ASCII letters, digits, - or _"
    );
    assert_eq!(
        build_error(&table(&format!("{ok_body}algorithms = [\"HS256\"]\n"))),
        "oidc[0].algorithms: \"HS256\" is not RS256, RS384, RS512, PS256, PS384, PS512, ES256, ES384 or EdDSA"
    );
    assert_eq!(
        build_error(&table(
            &ok_body.replace("issuer = \"https://id.example/\"", "issuer = \"\"")
        )),
        "oidc[0].issuer: must not be empty"
    );
    // The second table is named by its position.
    let second = ok_body
        .replace("acme", "second")
        .replace("https://id.example/", "https://id2.example/")
        .replace(&format!("jwks_url = \"{JWKS_URL}\"\n"), "");
    assert_eq!(
        build_error(&format!("{}\n[[oidc]]\n{second}", table(&ok_body))),
        "oidc[1].jwks_url: missing (set jwks_url, or discovery = true)"
    );
    // A plain-http discovery issuer without allow_http.
    assert_eq!(
        build_error(&format!(
            "[[oidc]]\nname = \"acme\"\nissuer = \"http://127.0.0.1:9/\"\naudience = \"{API_AUD}\"\ndiscovery = true\n"
        )),
        "oidc[0].issuer: \"http://127.0.0.1:9/\" is not https:// (set jwks.allow_http = true for loopback tests)"
    );
    // The table itself is fine.
    AuthConfig::from_toml_str(&table(&ok_body))
        .unwrap()
        .build_verifier()
        .unwrap();
}
