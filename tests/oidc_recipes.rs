//! The recipes of `docs/oidc-recipes.md`, checked as written: each ```toml block is taken from
//! under its heading, only its key source is swapped (`jwks_url` for a real loopback JWKS server,
//! `secret_env` for a variable of this test's own), and tokens shaped as each issuer really
//! issues them, signed here by keys generated here, are verified with `verify_at`: accepted with
//! the exact user id, and refused with the exact `VerifyError` the recipe exists for. Then the
//! `[[oidc]]` configuration errors around `secret_env` and `authorized_parties`, each one line.
//!
//! Environment variables: edition 2024 makes `std::env::set_var` unsafe and the workspace forbids
//! unsafe code, so the tests that need a secret in the environment run themselves again as a
//! child process of this test binary with the variable set ([`in_child_with_env`]).
//!
//! The helpers (reading the recipes, verifying, the tokens as the issuers issue them) are in
//! `tests/recipe_support/mod.rs`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod recipe_support;

use auth_layer::{AuthConfig, AuthError, ConfigError, TokenSource};
use claims_core::{Algorithm, VerifyError};
use recipe_support::{
    AUTH0_API, CROSSMINT_PROJECT, RECIPES, SHORT_SECRET_VAR, SUPABASE_SECRET_VAR, accepted,
    assert_user, auth0_claims, builds_as_written, clerk_claims, crossmint_claims, firebase_claims,
    in_child_with_env, localized, random_secret, recipe, refused, supabase_api_key_claims,
    supabase_user_claims, token_sources, verifier,
};
use serde_json::json;
use test_support::jwks_server::JwksServer;
use test_support::{EcKey, Hmac, RsaKey, jwks, now, patched, sign, sign_with_header};

// ---------------------------------------------------------------------------------------------
// The recipes.

#[tokio::test]
async fn auth0_recipe_accepts_aud_arrays_and_needs_the_trailing_slash() {
    builds_as_written("Auth0");
    let key = RsaKey::generate("auth0-key-1");
    let keys = JwksServer::start(jwks(&[key.jwk()])).await;
    let v = verifier(&localized(&recipe("Auth0"), Some(&keys.url()), None));

    // `aud` as Auth0 sends it to an API: an array.
    let token = sign(&key, &auth0_claims(now()));
    assert_user(&v, &token, "auth0", "auth0|6512f0c2a1b3c4d5e6f70812").await;
    // A numeric `sub`: the user id is its decimal text.
    let token = sign(&key, &patched(auth0_claims(now()), json!({"sub": 6841})));
    assert_user(&v, &token, "auth0", "6841").await;

    // The issuer without its trailing slash is nobody's.
    let token = sign(
        &key,
        &patched(
            auth0_claims(now()),
            json!({"iss": "https://example-tenant.us.auth0.com"}),
        ),
    );
    assert_eq!(
        refused(&v, &token).await,
        VerifyError::UnknownIssuer(Some("https://example-tenant.us.auth0.com".into()))
    );
    // Only the userinfo audience: not for this API.
    let token = sign(
        &key,
        &patched(
            auth0_claims(now()),
            json!({"aud": ["https://example-tenant.us.auth0.com/userinfo"]}),
        ),
    );
    assert_eq!(
        refused(&v, &token).await,
        VerifyError::WrongAudience {
            found: vec!["https://example-tenant.us.auth0.com/userinfo".into()],
            expected: format!("{AUTH0_API:?}"),
        }
    );
}

#[tokio::test]
async fn clerk_recipe_checks_azp_instead_of_aud() {
    builds_as_written("Clerk");
    assert_eq!(
        token_sources("Clerk"),
        [TokenSource::Bearer, TokenSource::Cookie("__session".into())]
    );
    let key = RsaKey::generate("ins_2abcClerkKey");
    let keys = JwksServer::start(jwks(&[key.jwk()])).await;
    let v = verifier(&localized(&recipe("Clerk"), Some(&keys.url()), None));

    // No `aud`, an allowed `azp` (either configured origin).
    let token = sign(&key, &clerk_claims(now()));
    assert_user(&v, &token, "clerk", "user_2NNEqL2nrIRdJ194ndJqAHwEfxC").await;
    let token = sign(
        &key,
        &patched(clerk_claims(now()), json!({"azp": "http://localhost:3000"})),
    );
    assert_user(&v, &token, "clerk", "user_2NNEqL2nrIRdJ194ndJqAHwEfxC").await;

    // Another origin's token (a leaked subdomain cookie).
    let token = sign(
        &key,
        &patched(
            clerk_claims(now()),
            json!({"azp": "https://evil.example.com"}),
        ),
    );
    assert_eq!(
        refused(&v, &token).await,
        VerifyError::ClaimNotAccepted {
            claim: "azp".into(),
            found: Some("https://evil.example.com".into()),
        }
    );
    // No `azp` at all.
    let token = sign(&key, &patched(clerk_claims(now()), json!({"azp": null})));
    assert_eq!(
        refused(&v, &token).await,
        VerifyError::ClaimNotAccepted {
            claim: "azp".into(),
            found: None,
        }
    );
}

#[tokio::test]
async fn supabase_signing_keys_recipe_accepts_users_not_api_keys() {
    builds_as_written("Supabase (signing keys, ES256)");
    let key = EcKey::generate("b9a1c3d5-e7f9-4a2b-8c4d-6e8f0a1b2c3d");
    let keys = JwksServer::start(jwks(&[key.jwk()])).await;
    let v = verifier(&localized(
        &recipe("Supabase (signing keys, ES256)"),
        Some(&keys.url()),
        None,
    ));

    let token = sign(&key, &supabase_user_claims(now()));
    let auth = accepted(&v, &token).await;
    assert_eq!(auth.provider().as_str(), "supabase");
    assert_eq!(
        auth.identity().user_id,
        "8c5d0b2e-7f4a-4c1b-9e3d-2a6f8b1c0d9e"
    );
    assert_eq!(auth.identity().email.as_deref(), Some("user@example.com"));

    // The project's API keys, HS256 with the (legacy) project secret.
    let secret = Hmac::hs256(random_secret(40).as_bytes());
    for role in ["anon", "service_role"] {
        let token = sign(&secret, &supabase_api_key_claims(role));
        assert_eq!(
            refused(&v, &token).await,
            VerifyError::UnknownIssuer(Some("supabase".into())),
            "{role}"
        );
    }
}

const SUPABASE_LEGACY_TEST: &str =
    "supabase_legacy_recipe_verifies_with_the_secret_from_secret_env";

#[tokio::test]
async fn supabase_legacy_recipe_verifies_with_the_secret_from_secret_env() {
    let Ok(secret) = std::env::var(SUPABASE_SECRET_VAR) else {
        return in_child_with_env(
            SUPABASE_LEGACY_TEST,
            &[(SUPABASE_SECRET_VAR, &random_secret(40))],
        );
    };
    let v = verifier(&localized(
        &recipe("Supabase (legacy JWT secret, HS256)"),
        None,
        Some(SUPABASE_SECRET_VAR),
    ));
    let project = Hmac::hs256(secret.as_bytes());

    let token = sign(&project, &supabase_user_claims(now()));
    assert_user(
        &v,
        &token,
        "supabase",
        "8c5d0b2e-7f4a-4c1b-9e3d-2a6f8b1c0d9e",
    )
    .await;
    // Newer Supabase versions put a `kid` in HS256 headers too.
    let token = sign_with_header(
        &project,
        &json!({"alg": "HS256", "kid": "hQ2c0dXQ1NvEJ7ma", "typ": "JWT"}),
        &supabase_user_claims(now()),
    );
    assert_user(
        &v,
        &token,
        "supabase",
        "8c5d0b2e-7f4a-4c1b-9e3d-2a6f8b1c0d9e",
    )
    .await;

    // Signed with another secret.
    let other = Hmac::hs256(random_secret(40).as_bytes());
    let token = sign(&other, &supabase_user_claims(now()));
    assert_eq!(refused(&v, &token).await, VerifyError::InvalidSignature);
    // RS256 is not in `algorithms`.
    let token = sign(&RsaKey::generate("rsa-1"), &supabase_user_claims(now()));
    assert_eq!(
        refused(&v, &token).await,
        VerifyError::AlgorithmNotAllowed(Algorithm::RS256)
    );
    // The API keys, signed with the very same secret, are no user.
    for role in ["anon", "service_role"] {
        let token = sign(&project, &supabase_api_key_claims(role));
        assert_eq!(
            refused(&v, &token).await,
            VerifyError::UnknownIssuer(Some("supabase".into())),
            "{role}"
        );
    }
}

#[tokio::test]
async fn firebase_recipe_requires_auth_time_in_the_past() {
    builds_as_written("Firebase");
    let key = RsaKey::generate("a1b2c3d4e5f60718293a4b5c6d7e8f9012345678");
    let keys = JwksServer::start(jwks(&[key.jwk()])).await;
    let v = verifier(&localized(&recipe("Firebase"), Some(&keys.url()), None));

    let token = sign(&key, &firebase_claims(now()));
    assert_user(&v, &token, "firebase", "kXq0Rbq3bDQ7nWm1uS2TzV9yAaB1").await;
    // Within the 60 s leeway.
    let token = sign(
        &key,
        &patched(firebase_claims(now()), json!({"auth_time": now() + 30})),
    );
    assert_user(&v, &token, "firebase", "kXq0Rbq3bDQ7nWm1uS2TzV9yAaB1").await;

    let now = now();
    let token = sign(
        &key,
        &patched(firebase_claims(now), json!({"auth_time": now + 3600})),
    );
    match v.verify_at(&token, now).await {
        Err(AuthError::Token(e)) => assert_eq!(
            e,
            VerifyError::AuthenticatedInFuture {
                auth_time: now + 3600,
                now,
            }
        ),
        other => panic!("expected AuthenticatedInFuture, got {other:?}"),
    }
    let token = sign(
        &key,
        &patched(firebase_claims(now), json!({"auth_time": null})),
    );
    assert_eq!(
        refused(&v, &token).await,
        VerifyError::MissingConfiguredClaim("auth_time".into())
    );
}

#[tokio::test]
async fn crossmint_recipe_accepts_only_its_project() {
    builds_as_written("Crossmint");
    assert_eq!(
        token_sources("Crossmint"),
        [
            TokenSource::Bearer,
            TokenSource::Cookie("crossmint-jwt".into())
        ]
    );
    let key = RsaKey::generate("crossmint-key-1");
    let keys = JwksServer::start(jwks(&[key.jwk()])).await;
    let v = verifier(&localized(&recipe("Crossmint"), Some(&keys.url()), None));

    let token = sign(&key, &crossmint_claims(now()));
    assert_user(
        &v,
        &token,
        "crossmint",
        "c2f1d8a4-3b6e-4f9a-8d7c-0e1b2a3c4d5f",
    )
    .await;

    // Same key, same issuer, another project.
    let token = sign(
        &key,
        &patched(
            crossmint_claims(now()),
            json!({"aud": "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"}),
        ),
    );
    assert_eq!(
        refused(&v, &token).await,
        VerifyError::WrongAudience {
            found: vec!["0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d".into()],
            expected: format!("{CROSSMINT_PROJECT:?}"),
        }
    );
}

// ---------------------------------------------------------------------------------------------
// Configuration errors: one line naming the key.

fn err(toml: &str) -> ConfigError {
    AuthConfig::from_toml_str(toml)
        .and_then(|c| c.build_verifier().map(|_| c))
        .unwrap_err()
}

/// The message of `toml`'s error, checked to be one line.
fn one_line(toml: &str) -> String {
    let message = err(toml).to_string();
    assert!(!message.contains('\n'), "{message}");
    message
}

const HEAD: &str = "[jwks]\nallow_http = true\n\n[[oidc]]\nname = \"supabase\"\nissuer = \"https://abcdefghijklmnopqrst.supabase.co/auth/v1\"\naudience = \"authenticated\"\n";

#[test]
fn oidc_secret_and_audience_errors_are_exact() {
    assert_eq!(
        one_line(&format!(
            "{HEAD}algorithms = [\"HS256\"]\nsecret_env = \"{SUPABASE_SECRET_VAR}\"\njwks_url = \"http://127.0.0.1:1/jwks\"\n"
        )),
        "oidc[0].secret_env: set secret_env or a key set (jwks_url, discovery), not both"
    );
    assert_eq!(
        one_line(&format!(
            "{HEAD}algorithms = [\"HS256\"]\nsecret_env = \"{SUPABASE_SECRET_VAR}\"\ndiscovery = true\n"
        )),
        "oidc[0].secret_env: set secret_env or a key set (jwks_url, discovery), not both"
    );
    assert_eq!(
        one_line(&format!("{HEAD}secret_env = \"{SUPABASE_SECRET_VAR}\"\n")),
        "oidc[0].algorithms: with secret_env, set algorithms = [\"HS256\"] (HS256, HS384 or HS512)"
    );
    assert_eq!(
        one_line(&format!(
            "{HEAD}algorithms = [\"ES256\"]\nsecret_env = \"{SUPABASE_SECRET_VAR}\"\n"
        )),
        "oidc[0].algorithms: with secret_env, set algorithms = [\"HS256\"] (HS256, HS384 or HS512)"
    );
    assert_eq!(
        one_line(&format!(
            "{HEAD}algorithms = [\"HS256\"]\njwks_url = \"http://127.0.0.1:1/jwks\"\n"
        )),
        "oidc[0].algorithms: \"HS256\" is not RS256, RS384, RS512, PS256, PS384, PS512, ES256, ES384 or EdDSA"
    );
    assert_eq!(
        one_line(
            "[[oidc]]\nname = \"clerk\"\nissuer = \"https://clerk.example.com\"\njwks_url = \"https://clerk.example.com/.well-known/jwks.json\"\n"
        ),
        "oidc[0].audience: missing (set audience, or authorized_parties for issuers whose tokens have no aud)"
    );
    assert_eq!(
        one_line(
            "[[oidc]]\nname = \"clerk\"\nissuer = \"https://clerk.example.com\"\nauthorized_parties = []\njwks_url = \"https://clerk.example.com/.well-known/jwks.json\"\n"
        ),
        "oidc[0].audience: missing (set audience, or authorized_parties for issuers whose tokens have no aud)"
    );
    // A variable that is not set.
    assert_eq!(
        one_line(&format!(
            "{HEAD}algorithms = [\"HS256\"]\nsecret_env = \"OIDC_RECIPES_TEST_UNSET_VARIABLE\"\n"
        )),
        "oidc[0].secret_env: environment variable OIDC_RECIPES_TEST_UNSET_VARIABLE is not set"
    );
}

const SHORT_SECRET_TEST: &str = "oidc_secret_shorter_than_32_bytes_is_refused";

#[test]
fn oidc_secret_shorter_than_32_bytes_is_refused() {
    if std::env::var(SHORT_SECRET_VAR).is_err() {
        return in_child_with_env(SHORT_SECRET_TEST, &[(SHORT_SECRET_VAR, "0123456789")]);
    }
    assert_eq!(
        one_line(&format!(
            "{HEAD}algorithms = [\"HS256\"]\nsecret_env = \"{SHORT_SECRET_VAR}\"\n"
        )),
        format!(
            "oidc[0].secret_env: the secret in {SHORT_SECRET_VAR} is 10 bytes; an HMAC key needs at least 32 (RFC 7518 §3.2)"
        )
    );
}

/// The recipe file's shape: every recipe heading has its one block (checked by [`recipe`]).
#[test]
fn every_recipe_has_one_complete_toml_block() {
    let headings: Vec<&str> = RECIPES
        .lines()
        .filter_map(|l| l.strip_prefix("## "))
        .collect();
    assert_eq!(
        headings,
        [
            "Auth0",
            "Clerk",
            "Supabase (signing keys, ES256)",
            "Supabase (legacy JWT secret, HS256)",
            "Firebase",
            "Crossmint",
        ]
    );
    for heading in headings {
        let block = recipe(heading);
        AuthConfig::from_toml_str(&block).unwrap_or_else(|e| panic!("{heading}: {e}"));
        assert!(block.contains("[[oidc]]"), "{heading}");
    }
}
