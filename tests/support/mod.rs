//! Shared helpers for the top-level end-to-end tests: real keys (test-support), hand-written
//! claims in each provider's shape, a config pointing at a real JWKS server on loopback, the axum
//! app under test (the example server's routes plus a few test routes), and a real HTTP client.
#![allow(
    dead_code,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use axum::Json;
use axum::Router;
use axum::routing::get;
use reqwest::StatusCode;
use serde_json::{Value, json};
use test_support::Provider;
use test_support::jwks_server::JwksServer;
use test_support::{EcKey, Hmac, RsaKey, Signer};
use wallet_auth::layer::{
    AuthConfig, AuthLayer, Authenticated, Identity, ParraTokenEndpoint, WalletProof, require,
};

pub use test_support::now;

/// `[para] audience` (Para's newer tokens carry the API key id as `aud`).
pub const PARA_AUD: &str = "para-api-key-id";
/// `[[parra.keys]] id`.
pub const PARRA_KEY_ID: &str = "parra-key-1";
/// `[[parra.keys]] secret`.
pub const PARRA_SECRET: &str = "parra-secret-0123456789abcdef0123456789abcdef";
/// `[[parra.keys]] tenant_id`.
pub const PARRA_TENANT: &str = "tenant-1";
/// `[sophon] partner_id`.
pub const SOPHON_PARTNER: &str = "sophon-partner-1";
/// `[dynamic] environment_id`.
pub const DYNAMIC_ENV: &str = "2762a57b-faa4-41ce-9f16-abff9300e2c9";
/// `[dynamic] audience`.
pub const DYNAMIC_ORIGIN: &str = "https://app.example.com";
/// `[web3auth] client_id`.
pub const W3A_CLIENT: &str = "w3a-client-1";
/// `[privy] app_id`.
pub const PRIVY_APP: &str = "cm3privyapp0000000000001";
pub const PRIVY_WALLET: &str = "0x3333333333333333333333333333333333333333";

pub const PARA_WALLET: &str = "0xAbCdEf0123456789abcdef0123456789ABCDEF01";
pub const SOPHON_WALLET: &str = "0x1111111111111111111111111111111111111111";
pub const DYNAMIC_WALLET: &str = "0x2222222222222222222222222222222222222222";
pub const W3A_APP_KEY: &str = "03b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4";

/// The expected `WWW-Authenticate` value for an `invalid_token` refusal.
pub fn invalid_token(description: &str) -> String {
    format!("Bearer error=\"invalid_token\", error_description=\"{description}\"")
}

/// The keys the providers' tokens are signed with: one RSA key (Para, Sophon, Dynamic), one
/// P-256 key (Web3Auth, Privy), the Parra secret.
pub struct Keys {
    pub rsa: RsaKey,
    pub ec: EcKey,
    pub parra: Hmac,
}

impl Keys {
    pub fn generate() -> Self {
        Keys {
            rsa: RsaKey::generate("rsa-key-1"),
            ec: EcKey::generate("ec-key-1"),
            parra: Hmac::hs256(PARRA_SECRET.as_bytes()),
        }
    }

    /// The JWKS document publishing the RSA and EC keys.
    pub fn jwks(&self) -> Value {
        test_support::jwks(&[self.rsa.jwk(), self.ec.jwk()])
    }

    /// The key that signs `provider`'s tokens.
    pub fn signer(&self, provider: Provider) -> &dyn Signer {
        match provider {
            Provider::Para | Provider::Sophon | Provider::Dynamic => &self.rsa,
            Provider::Web3Auth | Provider::Privy => &self.ec,
            Provider::Parra => &self.parra,
        }
    }

    /// The provider's exact header: `{alg, typ, kid}` (Parra: `{alg, typ, cty}`, no kid).
    pub fn header(&self, provider: Provider) -> Value {
        match provider {
            Provider::Parra => json!({"alg": "HS256", "typ": "JWT", "cty": "parra-fpa;v=1"}),
            p => test_support::header_for(self.signer(p)),
        }
    }

    /// Sign `claims` as `provider` under its exact header.
    pub fn token(&self, provider: Provider, claims: &Value) -> String {
        test_support::sign_with_header(self.signer(provider), &self.header(provider), claims)
    }

    /// A valid token of `provider`, issued now.
    pub fn valid(&self, provider: Provider) -> String {
        self.token(provider, &claims(provider, now()))
    }
}

/// Realistic claims in `provider`'s shape, issued at `now`.
pub fn claims(provider: Provider, now: i64) -> Value {
    match provider {
        Provider::Para => json!({
            "sub": "para-user-1",
            "aud": PARA_AUD,
            "iat": now,
            "exp": now + 1800,
            "data": {
                "userId": "para-user-1",
                "wallets": [{"id": "w-1", "type": "EVM", "address": PARA_WALLET, "publicKey": ""}],
                "email": "para@example.com",
                "authType": "email",
                "identifier": "para@example.com",
            },
        }),
        Provider::Parra => json!({
            "iss": PARRA_KEY_ID,
            "sub": PARRA_TENANT,
            "iat": now,
            "exp": now + 3600,
            "jti": format!("{PARRA_KEY_ID}-{now}"),
            "grants": {"identity": "user|42"},
        }),
        Provider::Sophon => json!({
            "iss": "https://auth.sophon.xyz",
            "aud": SOPHON_PARTNER,
            "sub": SOPHON_WALLET,
            "userId": "sophon-user-1",
            "scope": "email",
            "sid": "sophon-session-1",
            "typ": "access",
            "iat": now,
            "exp": now + 86_400,
        }),
        Provider::Dynamic => json!({
            "kid": "rsa-key-1",
            "iss": format!("app.dynamicauth.com/{DYNAMIC_ENV}"),
            "aud": DYNAMIC_ORIGIN,
            "sub": "dyn-user-1",
            "sid": "dyn-session-1",
            "environment_id": DYNAMIC_ENV,
            "iat": now,
            "exp": now + 7200,
            "scope": "user:basic",
            "email": "dyn@example.com",
            "verified_credentials": [{
                "id": "vc-1", "format": "blockchain", "address": DYNAMIC_WALLET,
                "chain": "eip155", "wallet_name": "metamask",
            }],
            "lists": ["VIP"],
            "missing_fields": [],
        }),
        Provider::Web3Auth => json!({
            "iss": "https://api-auth.web3auth.io",
            "aud": W3A_CLIENT,
            "iat": now,
            "exp": now + 3600,
            "userId": "w3a-user-1",
            "verifierId": "w3a@example.com",
            "verifier": "web3auth",
            "email": "w3a@example.com",
            "wallets": [{"public_key": W3A_APP_KEY, "type": "web3auth_app_key", "curve": "secp256k1"}],
        }),
        // An identity token: `linked_accounts` is a string holding a JSON array.
        Provider::Privy => json!({
            "iss": "privy.io",
            "aud": PRIVY_APP,
            "sub": "did:privy:cm3user0000000000000001",
            "iat": now,
            "exp": now + 3600,
            "linked_accounts": json!([
                {"type": "email", "address": "privy@example.com", "lv": now},
                {"type": "wallet", "address": PRIVY_WALLET, "chain_type": "ethereum",
                 "wallet_client_type": "privy", "lv": now},
            ]).to_string(),
        }),
    }
}

/// The `/me` body expected for the token with [`claims`] of `provider`.
pub fn expected_me(provider: Provider, claims: &Value) -> Value {
    let (user_id, email, wallets) = match provider {
        Provider::Para => (
            "para-user-1",
            json!("para@example.com"),
            json!([{"chain": "evm", "address": PARA_WALLET, "public_key": null}]),
        ),
        Provider::Parra => ("user|42", Value::Null, json!([])),
        Provider::Sophon => (
            "sophon-user-1",
            Value::Null,
            json!([{"chain": "evm", "address": SOPHON_WALLET, "public_key": null}]),
        ),
        Provider::Dynamic => (
            "dyn-user-1",
            json!("dyn@example.com"),
            json!([{"chain": "evm", "address": DYNAMIC_WALLET, "public_key": null}]),
        ),
        Provider::Web3Auth => (
            "w3a-user-1",
            json!("w3a@example.com"),
            json!([{"chain": "secp256k1", "address": null, "public_key": W3A_APP_KEY}]),
        ),
        Provider::Privy => (
            "did:privy:cm3user0000000000000001",
            json!("privy@example.com"),
            json!([{"chain": "evm", "address": PRIVY_WALLET, "public_key": null}]),
        ),
    };
    json!({
        "provider": provider.as_str(),
        "user_id": user_id,
        "email": email,
        "wallets": wallets,
        "claims": claims,
    })
}

/// The test configuration: all six built-in providers, every key set at `jwks_url`.
pub fn config(jwks_url: &str) -> AuthConfig {
    AuthConfig::from_toml_str(&config_toml(jwks_url)).unwrap()
}

/// The TOML of [`config`].
pub fn config_toml(jwks_url: &str) -> String {
    format!(
        r#"
        [jwks]
        allow_http = true
        cooldown_secs = 1
        timeout_secs = 2

        [para]
        environment = "sandbox"
        jwks_url = "{jwks_url}"
        audience = "{PARA_AUD}"

        [[parra.keys]]
        id = "{PARRA_KEY_ID}"
        secret = "{PARRA_SECRET}"
        tenant_id = "{PARRA_TENANT}"

        [sophon]
        partner_id = "{SOPHON_PARTNER}"
        jwks_url = "{jwks_url}"

        [dynamic]
        environment_id = "{DYNAMIC_ENV}"
        jwks_url = "{jwks_url}"
        audience = ["{DYNAMIC_ORIGIN}"]

        [web3auth]
        client_id = "{W3A_CLIENT}"
        jwks_url = "{jwks_url}"

        [privy]
        app_id = "{PRIVY_APP}"
        jwks_url = "{jwks_url}"
        "#
    )
}

/// `GET /me` (auth required): the example server's answer.
pub async fn me(auth: Authenticated) -> Json<Value> {
    Json(auth.to_json())
}

async fn optional(id: Option<Identity>) -> String {
    match id {
        Some(id) => format!("user {}", id.user_id),
        None => "anonymous".to_owned(),
    }
}

async fn wallet(proof: WalletProof) -> String {
    format!("wallet {}", proof.wallet)
}

/// The app under test: `/healthz` (no auth), behind the layer `/me`, `/optional`
/// (`Option<Identity>`), `/email` (`require::scope("email")`), `/wallet` (`WalletProof`) and the
/// Parra endpoint when given; `/no-layer/me` uses an extractor without the layer.
pub fn app(layer: AuthLayer, parra: Option<ParraTokenEndpoint>) -> Router {
    let mut protected = Router::new()
        .route("/me", get(me))
        .route("/optional", get(optional))
        .route("/email", get(me).route_layer(require::scope("email")))
        .route("/wallet", get(wallet));
    if let Some(parra) = parra {
        protected = protected.merge(parra.router());
    }
    Router::new()
        .route("/healthz", get(|| async { "ok" }))
        .merge(protected.layer(layer))
        .route("/no-layer/me", get(me))
}

/// Serve `app` on `127.0.0.1:0`; returns `http://127.0.0.1:<port>`.
pub async fn serve(app: Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    format!("http://{addr}")
}

/// A real HTTP client that never goes through a proxy.
pub fn client() -> reqwest::Client {
    reqwest::Client::builder().no_proxy().build().unwrap()
}

/// A running JWKS server, the app behind a layer built from a config, and a client.
pub struct Harness {
    pub keys: Keys,
    pub jwks: JwksServer,
    pub base: String,
    pub client: reqwest::Client,
    pub layer: AuthLayer,
}

impl Harness {
    /// The default: all six built-in providers, required mode, keys prefetched.
    pub async fn start() -> Self {
        Self::start_with(|_| {}).await
    }

    /// Like [`Harness::start`], with `edit` applied to the config first.
    pub async fn start_with(edit: impl FnOnce(&mut AuthConfig)) -> Self {
        let keys = Keys::generate();
        let jwks = JwksServer::start(keys.jwks()).await;
        let mut config = config(&jwks.url());
        edit(&mut config);
        let layer = AuthLayer::from_config(&config).unwrap();
        layer.verifier().prefetch().await;
        let parra = config.parra_issuer().unwrap().map(ParraTokenEndpoint::new);
        let base = serve(app(layer.clone(), parra)).await;
        Harness {
            keys,
            jwks,
            base,
            client: client(),
            layer,
        }
    }

    /// `GET path` with `Authorization: Bearer token` when given.
    pub async fn get(&self, path: &str, token: Option<&str>) -> reqwest::Response {
        let mut req = self.client.get(format!("{}{path}", self.base));
        if let Some(token) = token {
            req = req.bearer_auth(token);
        }
        req.send().await.unwrap()
    }
}

/// The status and `WWW-Authenticate` of a response.
pub fn status_and_challenge(res: &reqwest::Response) -> (StatusCode, Option<String>) {
    let www = res
        .headers()
        .get("www-authenticate")
        .map(|v| v.to_str().unwrap().to_owned());
    (res.status(), www)
}
