//! Shared by `tests/http_rules.rs` and `tests/http_privy.rs`: the providers the rules are tested
//! on (the six built-in ones and an `[[oidc]]` issuer), their tokens, and their tables' rules.
#![allow(
    dead_code,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use crate::support::{Harness, Keys, PARRA_SECRET, claims, now};
use serde_json::{Value, json};
use test_support::{Hmac, Provider};
use wallet_auth::layer::AuthConfig;

pub const INSUFFICIENT: &str = "Bearer error=\"insufficient_scope\", error_description=\"the token does not grant this access\"";

/// The `[[oidc]]` issuer added to the harness's six built-in providers.
pub const OIDC_NAME: &str = "corp-sso";
pub const OIDC_ISSUER: &str = "https://sso.corp.example/";
pub const OIDC_AUD: &str = "api://orders";

/// A provider the rules are tested on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    Builtin(Provider),
    /// The `[[oidc]]` table [`OIDC_NAME`] (RS256 by default).
    Oidc,
}

pub const TARGETS: [Target; 7] = [
    Target::Builtin(Provider::Para),
    Target::Builtin(Provider::Parra),
    Target::Builtin(Provider::Sophon),
    Target::Builtin(Provider::Dynamic),
    Target::Builtin(Provider::Web3Auth),
    Target::Builtin(Provider::Privy),
    Target::Oidc,
];

/// The common rules of one provider's table, to edit.
pub struct Rules<'a> {
    pub required_scopes: &'a mut Vec<String>,
    pub algorithms: &'a mut Option<Vec<String>>,
    pub extra_issuers: &'a mut Vec<String>,
}

impl Target {
    /// The provider id (`Identity.provider`, the `/me` answer's `provider`).
    pub fn name(self) -> &'static str {
        match self {
            Target::Builtin(p) => p.as_str(),
            Target::Oidc => OIDC_NAME,
        }
    }

    /// Realistic claims of this provider, issued at `now`.
    pub fn claims(self, now: i64) -> Value {
        match self {
            Target::Builtin(p) => claims(p, now),
            Target::Oidc => json!({
                "iss": OIDC_ISSUER,
                "aud": [OIDC_AUD, "https://sso.corp.example/userinfo"],
                "sub": "corp|8d1f",
                "email": "ada@corp.example",
                "azp": "orders-web",
                "iat": now,
                "exp": now + 900,
            }),
        }
    }

    /// `claims` signed as this provider signs them.
    pub fn token(self, keys: &Keys, claims: &Value) -> String {
        match self {
            Target::Builtin(p) => keys.token(p, claims),
            Target::Oidc => test_support::sign(&keys.rsa, claims),
        }
    }

    /// `claims` signed with `alg` (RS256: the RSA key, ES256: the P-256 key, HS*: the Parra
    /// secret under Parra's header), whatever the provider's own algorithm.
    pub fn token_with(self, keys: &Keys, alg: &'static str, claims: &Value) -> String {
        match alg {
            "RS256" => test_support::sign(&keys.rsa, claims),
            "ES256" => test_support::sign(&keys.ec, claims),
            hs => {
                let hmac = Hmac {
                    alg: hs,
                    secret: PARRA_SECRET.as_bytes().to_vec(),
                };
                let header = json!({"alg": hs, "typ": "JWT", "cty": "parra-fpa;v=1"});
                test_support::sign_with_header(&hmac, &header, claims)
            }
        }
    }

    /// This provider's table's common rules in `c`.
    pub fn rules(self, c: &mut AuthConfig) -> Rules<'_> {
        macro_rules! rules_of {
            ($table:expr) => {{
                let t = $table.unwrap();
                Rules {
                    required_scopes: &mut t.required_scopes,
                    algorithms: &mut t.algorithms,
                    extra_issuers: &mut t.extra_issuers,
                }
            }};
        }
        match self {
            Target::Builtin(Provider::Para) => rules_of!(c.para.as_mut()),
            Target::Builtin(Provider::Parra) => rules_of!(c.parra.as_mut()),
            Target::Builtin(Provider::Sophon) => rules_of!(c.sophon.as_mut()),
            Target::Builtin(Provider::Dynamic) => rules_of!(c.dynamic.as_mut()),
            Target::Builtin(Provider::Web3Auth) => rules_of!(c.web3auth.as_mut()),
            Target::Builtin(Provider::Privy) => rules_of!(c.privy.as_mut()),
            Target::Oidc => rules_of!(c.oidc.first_mut()),
        }
    }
}

/// The harness's six built-in providers plus the `[[oidc]]` table (its key set on the same JWKS
/// server), with `edit` applied.
pub async fn start(edit: impl FnOnce(&mut AuthConfig)) -> Harness {
    Harness::start_with(|c| {
        let jwks_url = c.privy.as_ref().unwrap().jwks_url.clone().unwrap();
        let oidc = format!(
            "[[oidc]]\nname = \"{OIDC_NAME}\"\nissuer = \"{OIDC_ISSUER}\"\n\
             audience = \"{OIDC_AUD}\"\njwks_url = \"{jwks_url}\"\n"
        );
        c.oidc = AuthConfig::from_toml_str(&oidc).unwrap().oidc;
        edit(c);
    })
    .await
}

/// `claims` of `target` with its `scope`/`scp` members replaced by `grant`'s.
pub fn with_grant(target: Target, grant: &Value) -> Value {
    let mut c = target.claims(now());
    let object = c.as_object_mut().unwrap();
    object.remove("scope");
    object.remove("scp");
    for (k, v) in grant.as_object().unwrap() {
        object.insert(k.clone(), v.clone());
    }
    c
}

/// `build_verifier`'s error for `c`, as text.
pub fn build_error(c: &AuthConfig) -> String {
    c.build_verifier().map(|_| ()).unwrap_err().to_string()
}

/// `refused(table)`: the error of building a verifier from the TOML `table`.
pub fn refused(table: &str) -> String {
    AuthConfig::from_toml_str(table)
        .and_then(|c| c.build_verifier().map(|_| ()))
        .unwrap_err()
        .to_string()
}
