//! A provider of your own: "Acme", an identity service this library knows nothing about, next to
//! the providers a TOML file configures.
//!
//! ```text
//! cargo run --example custom_provider                    # 127.0.0.1:3001, prints a token
//! cargo run --example custom_provider -- 127.0.0.1:8080
//! ```
//!
//! What to copy for your provider:
//! 1. **Its claims** ([`AcmeClaims`]): a serde struct with the registered claims, your claims, and
//!    `#[serde(flatten)] extra: Extra` (everything else). Implement
//!    [`ProviderClaims`]: `registered`, `identity` (refusing a token there refuses it: 401) and
//!    `extra`. Every policy rule (`required_scopes` …) then holds for it.
//! 2. **Its settings** ([`Acme`]), implementing [`Provider`]: an id, a [`Policy`] built with
//!    [`Policy::new`] (claims type, algorithms, issuer, audience), where the keys come from (a
//!    JWKS URL), and optionally the common rules ([`RuleSettings`]) the built-in tables accept.
//! 3. **Register it** with [`AuthConfig::with_provider`] and build the layer as usual ([`app`]).
//! 4. **Read it** in handlers: [`Claims<AcmeClaims>`](Claims) for your typed claims,
//!    [`Identity`] for the provider-neutral view.
//!
//! `main` also plays Acme, **for this demo only**: it generates a development key pair, publishes
//! its public half at `/.well-known/jwks.json` and prints a token signed with it.

use std::error::Error;

use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use wallet_auth::claims::{
    Algorithm, Audience, Extra, NumericDate, Policy, ProviderClaims, ProviderId, Registered,
    VerifyError,
};
use wallet_auth::dev::{DEV_JWKS_PATH, DevIssuer};
use wallet_auth::layer::provider::{KeyContext, Provider, RuleSettings};
use wallet_auth::layer::{AuthConfig, AuthLayer, Claims, ConfigError, Identity, KeySource};

/// Acme's issuer: `iss` must be exactly this.
pub const ISSUER: &str = "https://id.acme.example";
/// The audience Acme issues this API's tokens for.
pub const AUDIENCE: &str = "acme-orders-api";

/// The settings the provider-neutral part comes from: `[jwks]` and `[token]` (and any built-in
/// provider's table). `allow_http` only because this demo serves its keys over loopback http.
pub const CONFIG: &str = r#"
[jwks]
allow_http = true

[token]
cookie = "acme_session"
"#;

/// The claims of an Acme access token.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AcmeClaims {
    /// `iss`
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iss: Option<String>,
    /// `sub`: the user id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sub: Option<String>,
    /// `aud`
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aud: Option<Audience>,
    /// `exp`
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exp: Option<NumericDate>,
    /// `nbf`
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nbf: Option<NumericDate>,
    /// `iat`
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iat: Option<NumericDate>,
    /// `email`
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// `tenant`: the customer the user belongs to. Required (see `identity`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tenant: Option<String>,
    /// `roles`
    #[serde(default)]
    pub roles: Vec<String>,
    /// Everything else (`scope`, …): the rules read what they need from here.
    #[serde(flatten)]
    pub extra: Extra,
}

impl ProviderClaims for AcmeClaims {
    fn registered(&self) -> Registered<'_> {
        Registered::new(
            self.iss.as_deref(),
            self.sub.as_deref(),
            self.aud.as_ref(),
            self.exp,
            self.nbf,
            self.iat,
        )
    }

    fn identity(&self) -> Result<wallet_auth::claims::Identity, VerifyError> {
        let present = |v: &Option<String>| v.as_deref().is_some_and(|s| !s.is_empty());
        if !present(&self.tenant) {
            return Err(VerifyError::MissingClaim("tenant"));
        }
        let user_id = self
            .sub
            .clone()
            .filter(|s| !s.is_empty())
            .ok_or(VerifyError::MissingClaim("sub"))?;
        let expires_at = self.exp.ok_or(VerifyError::MissingClaim("exp"))?.0;
        // The verifier sets the provider to the policy's id.
        let mut identity = wallet_auth::claims::Identity::new(
            ProviderId::from_static("acme"),
            user_id,
            expires_at,
        );
        identity.email = self.email.clone();
        identity.issued_at = self.iat.map(|d| d.0);
        Ok(identity)
    }

    fn extra(&self) -> &Extra {
        &self.extra
    }
}

/// Acme's settings.
#[derive(Debug, Clone)]
pub struct Acme {
    /// Where Acme publishes its keys.
    pub jwks_url: String,
    /// Scopes every token must carry (the `required_scopes` rule of the built-in tables).
    pub required_scopes: Vec<String>,
}

impl Acme {
    /// Keys from `jwks_url`, no scope required.
    pub fn new(jwks_url: impl Into<String>) -> Self {
        Acme {
            jwks_url: jwks_url.into(),
            required_scopes: Vec::new(),
        }
    }
}

impl Provider for Acme {
    fn id(&self) -> ProviderId {
        ProviderId::from_static("acme")
    }

    fn policy(&self) -> Result<Policy, ConfigError> {
        Policy::new::<AcmeClaims>(self.id(), &[Algorithm::ES256])
            .and_then(|p| p.with_issuers([ISSUER]))
            .map(|p| p.with_audiences([AUDIENCE]))
            .map_err(|e| ConfigError::new("acme", e))
    }

    fn key_source(&self, keys: &KeyContext<'_>) -> Result<KeySource, ConfigError> {
        keys.jwks("acme.jwks_url", &self.jwks_url)
    }

    fn rules(&self) -> RuleSettings<'_> {
        RuleSettings::new(&self.required_scopes, None, &[])
    }
}

/// `GET /whoami`: the typed claims and the provider-neutral identity of the same token.
async fn whoami(Claims(acme): Claims<AcmeClaims>, id: Identity) -> Json<Value> {
    Json(json!({
        "provider": id.provider,
        "user_id": id.user_id,
        "email": id.email,
        "tenant": acme.tenant,
        "roles": acme.roles,
    }))
}

/// `GET /admin`: only for tokens with the `admin` role (your rule, in your handler).
async fn admin(Claims(acme): Claims<AcmeClaims>) -> Result<String, StatusCode> {
    if acme.roles.iter().any(|r| r == "admin") {
        Ok(format!(
            "admin of {}",
            acme.tenant.as_deref().unwrap_or_default()
        ))
    } else {
        Err(StatusCode::FORBIDDEN)
    }
}

/// The app: [`CONFIG`] with Acme registered, `/whoami` and `/admin` behind the layer.
pub fn app(acme: Acme) -> Result<Router, ConfigError> {
    let config = AuthConfig::from_toml_str(CONFIG)?.with_provider(acme);
    let layer = AuthLayer::from_config(&config)?;
    Ok(Router::new()
        .route("/whoami", get(whoami))
        .route("/admin", get(admin))
        .layer(layer))
}

/// The demo served at `base_url`: the app trusting a development key set served by the same
/// router (standing in for Acme's JWKS), and a token signed with it.
pub fn demo(base_url: &str) -> Result<(Router, String), Box<dyn Error>> {
    let keys = DevIssuer::generate();
    let router = app(Acme::new(format!("{base_url}{DEV_JWKS_PATH}")))?.merge(keys.jwks_router());
    let now = wallet_auth::claims::now();
    let claims = json!({
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": "user-7",
        "email": "dev@acme.example",
        "tenant": "tenant-42",
        "roles": ["admin"],
        "iat": now,
        "exp": now + 3600,
    });
    let token = keys.sign(Algorithm::ES256, None, &claims)?;
    Ok((router, token))
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    let listen = std::env::args().nth(1);
    let listener =
        tokio::net::TcpListener::bind(listen.as_deref().unwrap_or("127.0.0.1:3001")).await?;
    let base = format!("http://{}", listener.local_addr()?);
    let (router, token) = demo(&base)?;
    println!("custom provider example listening on {base}");
    println!("TOKEN={token}");
    println!("curl -s -H \"Authorization: Bearer $TOKEN\" {base}/whoami");
    axum::serve(listener, router).await?;
    Ok(())
}
