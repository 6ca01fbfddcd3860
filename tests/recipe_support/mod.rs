//! Shared by `tests/oidc_recipes.rs`: reading the ```toml blocks of `docs/oidc-recipes.md`
//! ([`recipe`]) and swapping their key source for the test's own ([`localized`]), building and
//! asking the verifier, random HMAC secrets, running a test again in a child process with
//! environment variables set ([`in_child_with_env`]), and the claims each issuer really puts in
//! its tokens.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use auth_layer::{AuthConfig, AuthError, Authenticated, TokenSource, Verifier};
use claims_core::VerifyError;
use serde_json::{Value, json};
use test_support::{b64, now};

/// The recipes, as the reader sees them.
pub const RECIPES: &str = include_str!("../../docs/oidc-recipes.md");

const AUTH0_ISS: &str = "https://example-tenant.us.auth0.com/";
pub const AUTH0_API: &str = "https://api.example.com";
const CLERK_ISS: &str = "https://clerk.example.com";
const CLERK_ORIGIN: &str = "https://app.example.com";
const SUPABASE_REF: &str = "abcdefghijklmnopqrst";
const SUPABASE_ISS: &str = "https://abcdefghijklmnopqrst.supabase.co/auth/v1";
const FIREBASE_PROJECT: &str = "example-project-1234";
const CROSSMINT_ISS: &str = "https://www.crossmint.com";
pub const CROSSMINT_PROJECT: &str = "3f9a6c1e-5b2d-4e8f-9a7c-1d2e3f4a5b6c";

/// This test's own variable for the legacy Supabase secret (not the recipe's
/// `SUPABASE_JWT_SECRET`, which a developer's shell may hold).
pub const SUPABASE_SECRET_VAR: &str = "OIDC_RECIPES_TEST_SUPABASE_JWT_SECRET";
/// The variable holding a 10-byte secret, for the too-short-secret error.
pub const SHORT_SECRET_VAR: &str = "OIDC_RECIPES_TEST_SHORT_SECRET";

// ---------------------------------------------------------------------------------------------
// Reading the recipes.

/// The one ```toml block of the section `## {heading}` (panics unless there is exactly one).
pub fn recipe(heading: &str) -> String {
    let start = RECIPES
        .lines()
        .position(|l| l.trim_end() == format!("## {heading}"))
        .unwrap_or_else(|| panic!("docs/oidc-recipes.md has no section `## {heading}`"));
    let section: Vec<&str> = RECIPES
        .lines()
        .skip(start + 1)
        .take_while(|l| !l.starts_with("## "))
        .collect();
    let mut blocks = Vec::new();
    let mut current: Option<Vec<&str>> = None;
    for line in section {
        match (&mut current, line.trim_end()) {
            (None, "```toml") => current = Some(Vec::new()),
            (Some(block), "```") => {
                blocks.push(block.join("\n") + "\n");
                current = None;
            }
            (Some(block), _) => block.push(line),
            (None, _) => {}
        }
    }
    assert!(current.is_none(), "## {heading}: unclosed ```toml block");
    assert_eq!(
        blocks.len(),
        1,
        "## {heading}: expected exactly one ```toml block"
    );
    blocks.pop().unwrap()
}

/// `block` with its key source swapped: every `jwks_url` line for `jwks_url` (when given), every
/// `secret_env` line for `secret_env` (when given), and `[jwks] allow_http = true` for loopback.
pub fn localized(block: &str, jwks_url: Option<&str>, secret_env: Option<&str>) -> String {
    let mut swapped = 0;
    let lines: Vec<String> = block
        .lines()
        .map(|line| {
            let key = line.split('=').next().unwrap_or_default().trim();
            match (key, jwks_url, secret_env) {
                ("jwks_url", Some(url), _) => {
                    swapped += 1;
                    format!("jwks_url = \"{url}\"")
                }
                ("secret_env", _, Some(var)) => {
                    swapped += 1;
                    format!("secret_env = \"{var}\"")
                }
                _ => line.to_owned(),
            }
        })
        .collect();
    assert_eq!(swapped, 1, "expected one key-source line in:\n{block}");
    assert!(!block.contains("[jwks]"), "the recipe sets [jwks] itself");
    format!("[jwks]\nallow_http = true\n\n{}\n", lines.join("\n"))
}

/// The verifier of `toml`, built as the server builds it.
pub fn verifier(toml: &str) -> Verifier {
    AuthConfig::from_toml_str(toml)
        .unwrap_or_else(|e| panic!("{e}\n{toml}"))
        .build_verifier()
        .unwrap_or_else(|e| panic!("{e}\n{toml}"))
}

/// The recipe as written (real https URLs) builds without fetching anything.
pub fn builds_as_written(heading: &str) {
    verifier(&recipe(heading));
}

/// The token sources the recipe configures.
pub fn token_sources(heading: &str) -> Vec<TokenSource> {
    AuthConfig::from_toml_str(&recipe(heading))
        .unwrap()
        .token_sources()
        .unwrap()
}

// ---------------------------------------------------------------------------------------------
// Verifying.

pub async fn accepted(verifier: &Verifier, token: &str) -> Authenticated {
    match verifier.verify_at(token, now()).await {
        Ok(auth) => auth,
        Err(e) => panic!("refused ({e:?}): {token}"),
    }
}

/// Accepted as `provider`'s user `user_id`.
pub async fn assert_user(verifier: &Verifier, token: &str, provider: &str, user_id: &str) {
    let auth = accepted(verifier, token).await;
    assert_eq!(auth.provider().as_str(), provider);
    assert_eq!(auth.identity().user_id, user_id);
}

pub async fn refused(verifier: &Verifier, token: &str) -> VerifyError {
    match verifier.verify_at(token, now()).await {
        Err(AuthError::Token(e)) => e,
        other => panic!("expected a token error, got {other:?}"),
    }
}

/// A fresh random secret of `len` printable bytes (as dashboards show them).
pub fn random_secret(len: usize) -> String {
    let mut bytes = vec![0u8; len];
    aws_lc_rs::rand::fill(&mut bytes).unwrap();
    b64(bytes).chars().take(len).collect()
}

/// Run the test `name` of this binary (`oidc_recipes`, the test that includes this module) again
/// in a child process with `env` set, and require that it ran and passed.
pub fn in_child_with_env(name: &str, env: &[(&str, &str)]) {
    let out = std::process::Command::new(std::env::current_exe().unwrap())
        .args([name, "--exact", "--nocapture", "--test-threads=1"])
        .envs(env.iter().copied())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && stdout.contains("1 passed"),
        "{name} in a child process:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

// ---------------------------------------------------------------------------------------------
// Tokens as the issuers issue them.

pub fn auth0_claims(now: i64) -> Value {
    json!({
        "iss": AUTH0_ISS,
        "sub": "auth0|6512f0c2a1b3c4d5e6f70812",
        "aud": [AUTH0_API, "https://example-tenant.us.auth0.com/userinfo"],
        "iat": now,
        "exp": now + 86400,
        "azp": "Xk3nT8qLw2VbR5sYc9PzJ1mHf4Gd7aE0",
        "scope": "openid profile email",
    })
}

pub fn clerk_claims(now: i64) -> Value {
    json!({
        "azp": CLERK_ORIGIN,
        "exp": now + 60,
        "fva": [0, -1],
        "iat": now,
        "iss": CLERK_ISS,
        "nbf": now - 10,
        "sid": "sess_2fQJ0mZ8vK3xT9bW1yR4uN6pL7s",
        "sub": "user_2NNEqL2nrIRdJ194ndJqAHwEfxC",
        "v": 2,
    })
}

pub fn supabase_user_claims(now: i64) -> Value {
    json!({
        "iss": SUPABASE_ISS,
        "sub": "8c5d0b2e-7f4a-4c1b-9e3d-2a6f8b1c0d9e",
        "aud": "authenticated",
        "exp": now + 3600,
        "iat": now,
        "email": "user@example.com",
        "phone": "",
        "app_metadata": {"provider": "email", "providers": ["email"]},
        "user_metadata": {"email_verified": true},
        "role": "authenticated",
        "aal": "aal1",
        "amr": [{"method": "password", "timestamp": now}],
        "session_id": "4b1e7c2a-9d3f-4e8b-a1c6-5f2d0e9b7a34",
        "is_anonymous": false,
    })
}

/// A project's API key (`anon` or `service_role`): long-lived, `iss` `supabase`, no `sub`.
pub fn supabase_api_key_claims(role: &str) -> Value {
    json!({
        "iss": "supabase",
        "ref": SUPABASE_REF,
        "role": role,
        "iat": 1_700_000_000,
        "exp": 2_015_576_000,
    })
}

pub fn firebase_claims(now: i64) -> Value {
    let uid = "kXq0Rbq3bDQ7nWm1uS2TzV9yAaB1";
    json!({
        "iss": format!("https://securetoken.google.com/{FIREBASE_PROJECT}"),
        "aud": FIREBASE_PROJECT,
        "auth_time": now - 600,
        "user_id": uid,
        "sub": uid,
        "iat": now,
        "exp": now + 3600,
        "email": "user@example.com",
        "email_verified": true,
        "firebase": {"identities": {"email": ["user@example.com"]}, "sign_in_provider": "password"},
    })
}

pub fn crossmint_claims(now: i64) -> Value {
    json!({
        "iss": CROSSMINT_ISS,
        "sub": "c2f1d8a4-3b6e-4f9a-8d7c-0e1b2a3c4d5f",
        "aud": CROSSMINT_PROJECT,
        "iat": now,
        "exp": now + 3600,
    })
}
