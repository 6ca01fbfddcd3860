//! The README's "three-line router setup for each provider", kept compiling and working: each
//! provider's lines (with the key set pointed at a loopback JWKS server) serve `/me` to a real
//! client with that provider's token.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod support;

use axum::{Router, routing::get};
use reqwest::StatusCode;
use support::{Keys, client, now, serve};
use test_support::Provider;
use test_support::jwks_server::JwksServer;
use wallet_auth::claims::{
    DynamicClaims, OidcClaims, ParaClaims, ParraClaims, PrivyClaims, SophonClaims, Web3AuthClaims,
};
use wallet_auth::layer::{AuthConfig, AuthLayer, Claims, Identity};

/// `[jwks]` for loopback, prepended to each README table; `jwks_url` appended to it.
fn loopback(jwks: &JwksServer, table: &str) -> String {
    let url = jwks.url();
    let mut lines = table.lines();
    let head = lines.next().unwrap();
    let rest: Vec<&str> = lines.collect();
    format!(
        "[jwks]\nallow_http = true\n\n{head}\njwks_url = \"{url}\"\n{}",
        rest.join("\n")
    )
}

async fn get_me(app: Router, token: &str) -> (StatusCode, String) {
    let base = serve(app).await;
    let res = client()
        .get(format!("{base}/me"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    (res.status(), res.text().await.unwrap())
}

#[tokio::test]
async fn readme_setups_work() -> Result<(), Box<dyn std::error::Error>> {
    let keys = Keys::generate();
    let jwks = JwksServer::start(keys.jwks()).await;

    // Para
    let config = AuthConfig::from_toml_str(&loopback(
        &jwks,
        &format!(
            "[para]\nenvironment = \"prod\"\naudience = \"{}\"",
            support::PARA_AUD
        ),
    ))?;
    let layer = AuthLayer::from_config(&config)?;
    let app: Router = Router::new()
        .route(
            "/me",
            get(|Claims(c): Claims<ParaClaims>| async move { format!("{:?}", c.data.user_id) }),
        )
        .layer(layer);
    assert_eq!(
        get_me(app, &keys.valid(Provider::Para)).await,
        (StatusCode::OK, "Some(\"para-user-1\")".to_owned())
    );

    // Parra: the README's secret_env names the missing variable...
    let err = AuthLayer::from_config(&AuthConfig::from_toml_str(
        "[[parra.keys]]\nid = \"api-key-id\"\nsecret_env = \"PARRA_API_KEY_SECRET_UNSET_IN_TESTS\"\ntenant_id = \"tenant-id\"",
    )?)
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "parra.keys[0].secret_env: environment variable PARRA_API_KEY_SECRET_UNSET_IN_TESTS is not set"
    );
    // ... and with the secret given the same lines serve.
    let config = AuthConfig::from_toml_str(&format!(
        "[[parra.keys]]\nid = \"{}\"\nsecret = \"{}\"\ntenant_id = \"{}\"",
        support::PARRA_KEY_ID,
        support::PARRA_SECRET,
        support::PARRA_TENANT
    ))?;
    let layer = AuthLayer::from_config(&config)?;
    let app: Router = Router::new()
        .route(
            "/me",
            get(|Claims(c): Claims<ParraClaims>| async move { format!("{:?}", c.grants.identity) }),
        )
        .layer(layer);
    assert_eq!(
        get_me(app, &keys.valid(Provider::Parra)).await,
        (StatusCode::OK, "Some(\"user|42\")".to_owned())
    );

    // Sophon
    let config = AuthConfig::from_toml_str(&loopback(
        &jwks,
        &format!(
            "[sophon]\npartner_id = \"{}\"\nnetwork = \"mainnet\"",
            support::SOPHON_PARTNER
        ),
    ))?;
    let layer = AuthLayer::from_config(&config)?;
    let app: Router =
        Router::new()
            .route(
                "/me",
                get(|Claims(c): Claims<SophonClaims>| async move {
                    format!("{:?} {:?}", c.user_id, c.sub)
                }),
            )
            .layer(layer);
    assert_eq!(
        get_me(app, &keys.valid(Provider::Sophon)).await,
        (
            StatusCode::OK,
            format!(
                "Some(\"sophon-user-1\") Some(\"{}\")",
                support::SOPHON_WALLET
            )
        )
    );

    // Dynamic (with the cookie source)
    let config = AuthConfig::from_toml_str(&loopback(
        &jwks,
        &format!(
            "[dynamic]\nenvironment_id = \"{}\"\naudience = [\"{}\"]",
            support::DYNAMIC_ENV,
            support::DYNAMIC_ORIGIN
        ),
    ))?;
    let layer = AuthLayer::from_config(&config)?.with_cookie("DYNAMIC_JWT_TOKEN");
    let app: Router = Router::new()
        .route(
            "/me",
            get(|Claims(c): Claims<DynamicClaims>| async move { format!("{:?}", c.sub) }),
        )
        .layer(layer);
    assert_eq!(
        get_me(app, &keys.valid(Provider::Dynamic)).await,
        (StatusCode::OK, "Some(\"dyn-user-1\")".to_owned())
    );

    // Web3Auth
    let config = AuthConfig::from_toml_str(&loopback(
        &jwks,
        &format!("[web3auth]\nclient_id = \"{}\"", support::W3A_CLIENT),
    ))?;
    let layer = AuthLayer::from_config(&config)?;
    let app: Router = Router::new()
        .route(
            "/me",
            get(|Claims(c): Claims<Web3AuthClaims>| async move { format!("{:?}", c.user_id) }),
        )
        .layer(layer);
    assert_eq!(
        get_me(app, &keys.valid(Provider::Web3Auth)).await,
        (StatusCode::OK, "Some(\"w3a-user-1\")".to_owned())
    );

    // Privy
    let config = AuthConfig::from_toml_str(&loopback(
        &jwks,
        &format!("[privy]\napp_id = \"{}\"", support::PRIVY_APP),
    ))?;
    let layer = AuthLayer::from_config(&config)?;
    let app: Router = Router::new()
        .route(
            "/me",
            get(|Claims(c): Claims<PrivyClaims>| async move { format!("{:?}", c.sub) }),
        )
        .layer(layer);
    assert_eq!(
        get_me(app, &keys.valid(Provider::Privy)).await,
        (
            StatusCode::OK,
            "Some(\"did:privy:cm3user0000000000000001\")".to_owned()
        )
    );

    // Any OpenID Connect issuer, with discovery: the README's table with the issuer moved to
    // loopback, where a discovery document names the key set.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let issuer = format!("http://{}/", listener.local_addr()?);
    let doc = serde_json::json!({"issuer": issuer, "jwks_uri": jwks.url()});
    let issuer_app = Router::new().route(
        "/.well-known/openid-configuration",
        get(move || {
            let doc = doc.clone();
            async move { axum::Json(doc) }
        }),
    );
    tokio::spawn(async move { axum::serve(listener, issuer_app).await });
    let readme = "[[oidc]]\nname = \"auth0\"\nissuer = \"https://example.eu.auth0.com/\"\naudience = \"https://api.example.com\"\ndiscovery = true";
    let table = readme.replace("https://example.eu.auth0.com/", &issuer);
    let config = AuthConfig::from_toml_str(&format!("[jwks]\nallow_http = true\n\n{table}"))?;
    let layer = AuthLayer::from_config(&config)?;
    let app: Router = Router::new()
        .route(
            "/me",
            get(|Claims(c): Claims<OidcClaims>| async move { format!("{:?}", c.sub) }),
        )
        .layer(layer);
    let token = test_support::sign(
        &keys.rsa,
        &serde_json::json!({"iss": issuer, "aud": "https://api.example.com", "sub": "auth0|42", "exp": now() + 600}),
    );
    assert_eq!(
        get_me(app, &token).await,
        (StatusCode::OK, "Some(\"auth0|42\")".to_owned())
    );

    // Any of them, from a file.
    let path = std::env::temp_dir().join(format!("wallet-auth-readme-{}.toml", std::process::id()));
    std::fs::write(&path, support::config_toml(&jwks.url()))?;
    let layer = AuthLayer::from_config(&AuthConfig::from_file(&path)?)?;
    std::fs::remove_file(&path)?;
    layer.verifier().prefetch().await;
    let app: Router = Router::new()
        .route("/me", get(|id: Identity| async move { id.user_id.clone() }))
        .layer(layer);
    let base = serve(app).await;
    for (provider, user) in [
        (Provider::Para, "para-user-1"),
        (Provider::Parra, "user|42"),
        (Provider::Sophon, "sophon-user-1"),
        (Provider::Dynamic, "dyn-user-1"),
        (Provider::Web3Auth, "w3a-user-1"),
        (Provider::Privy, "did:privy:cm3user0000000000000001"),
    ] {
        let res = client()
            .get(format!("{base}/me"))
            .bearer_auth(keys.token(provider, &support::claims(provider, now())))
            .send()
            .await?;
        assert_eq!(res.status(), StatusCode::OK, "{provider}");
        assert_eq!(res.text().await?, user, "{provider}");
    }
    Ok(())
}

/// The text of `doc` after its heading line `heading` (the whole line, e.g. `# Configuration`).
fn after_heading<'a>(doc: &'a str, heading: &str) -> &'a str {
    let line = format!("{heading}\n");
    let at = doc
        .match_indices(&line)
        .map(|(i, _)| i)
        .find(|&i| i == 0 || doc.as_bytes()[i - 1] == b'\n')
        .unwrap_or_else(|| panic!("no `{heading}` heading"));
    &doc[at + line.len()..]
}

/// The `# Configuration` block of `docs/configuration.md` (moved there from the README), exactly
/// as written, is a valid configuration.
#[test]
fn readme_configuration_block_parses_as_written() {
    let doc = include_str!("../docs/configuration.md");
    let section = after_heading(doc, "# Configuration");
    let block = section
        .split("```toml\n")
        .nth(1)
        .unwrap()
        .split("\n```")
        .next()
        .unwrap();
    let config = AuthConfig::from_toml_str(block).unwrap();
    assert_eq!(config.jwks.ttl_secs, 600);
    assert_eq!(config.token.cookie.as_deref(), Some("DYNAMIC_JWT_TOKEN"));
    assert_eq!(config.privy.as_ref().unwrap().app_id, "...");
    let signin = config.signin.as_ref().unwrap();
    assert_eq!(signin.domain, "app.example.com");
    assert_eq!(signin.ethereum.as_ref().unwrap().chain_ids, [1, 8453]);
    assert_eq!(signin.solana.as_ref().unwrap().chain_ids, ["mainnet"]);
    assert_eq!(signin.session_ttl_secs, 86_400);
    let oidc = &config.oidc[0];
    assert_eq!(oidc.name, "auth0");
    assert_eq!(oidc.issuer, "https://example.eu.auth0.com/");
    assert_eq!(oidc.required_scopes, ["read:me"]);
    assert_eq!(oidc.algorithms.as_deref(), Some(&["RS256".to_owned()][..]));
    assert!(!oidc.discovery);
    assert_eq!(
        config.para.as_ref().unwrap().algorithms.as_deref(),
        Some(&["RS256".to_owned(), "ES256".to_owned()][..])
    );
    assert_eq!(
        config
            .providers()
            .iter()
            .map(|p| p.id().to_string())
            .collect::<Vec<_>>(),
        [
            "para",
            "parra",
            "sophon",
            "dynamic",
            "web3auth",
            "privy",
            "signin",
            "magic",
            "thirdweb",
            "turnkey",
            "farcaster",
            "auth0"
        ]
    );
    assert_eq!(
        config.turnkey.as_ref().unwrap().organization_ids,
        ["7f2b1a3c-0000-4000-8000-000000000000"]
    );
}

/// The "Sign in with a wallet" setup of `docs/signin.md`, with the configuration read from a
/// string and a generated session key instead of `auth.toml` and its key file: a development
/// wallet signs in and `/me` answers with its CAIP-10 account.
#[tokio::test]
async fn readme_signin_setup_works() -> Result<(), Box<dyn std::error::Error>> {
    use wallet_auth::dev::{DevMessage, dev_siwe_address, dev_siwe_body};
    use wallet_auth::layer::signin::{SessionKeys, SigninRoutes};

    let mut config = AuthConfig::from_toml_str(
        "[signin]\ndomain = \"app.example.com\"\nuri = \"https://app.example.com\"\n\
         issuer = \"https://api.example.com\"\n[signin.ethereum]\nchain_ids = [1, 8453]\n",
    )?;
    config.signin = config
        .signin
        .take()
        .map(|s| s.with_session_keys(SessionKeys::generate().unwrap()));
    // As in docs/signin.md:
    let layer = AuthLayer::from_config(&config)?;
    let signin = SigninRoutes::new(config.signin_service()?.expect("[signin]"));
    let app: Router = Router::new()
        .route("/me", get(|id: Identity| async move { id.user_id.clone() }))
        .layer(layer)
        .merge(signin.router());

    let base = serve(app).await;
    let nonce: serde_json::Value = client()
        .get(format!("{base}/signin/nonce"))
        .send()
        .await?
        .json()
        .await?;
    let nonce = nonce["nonce"].as_str().unwrap();
    let body = dev_siwe_body(&DevMessage::new(
        "app.example.com",
        "https://app.example.com",
        "8453",
        nonce,
        now(),
    ))?;
    let session: serde_json::Value = client()
        .post(format!("{base}/signin/siwe"))
        .json(&body)
        .send()
        .await?
        .json()
        .await?;
    let res = client()
        .get(format!("{base}/me"))
        .bearer_auth(session["token"].as_str().unwrap())
        .send()
        .await?;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(
        res.text().await?,
        format!("eip155:8453:{}", dev_siwe_address()?)
    );
    Ok(())
}
