//! The example server: an axum app behind the wallet-auth layer.
//!
//! ```text
//! cargo run --example server                                # built-in development issuer, 127.0.0.1:3000
//! cargo run --example server -- --config auth.toml          # your providers (see docs/configuration.md)
//! cargo run --example server -- --listen 0.0.0.0:8080
//! ```
//!
//! Routes: `GET /healthz` (no auth) → `ok`; `GET /me` (auth required) → the verified identity and
//! claims as JSON; `POST /v1/parra/auth/token` (auth required) when `[parra_issuer]` is configured;
//! wallet sign-in (`GET /signin/nonce`, `POST /signin/siwe`, `POST /signin/siws`,
//! `POST /signin/logout`) when `[signin]` is configured, and always in development mode;
//! `GET /.well-known/jwks.json` with the session keys (in development mode: the development
//! issuer's public keys, the session key among them).
//!
//! Without `--config` the server trusts only a **development issuer** whose keys are generated at
//! start (and saved to a temp file so `wallet-auth dev-token` can mint more tokens): never expose
//! it beyond your machine.

use std::net::SocketAddr;
use std::process::ExitCode;

use axum::Json;
use axum::Router;
use axum::routing::get;
use serde_json::Value;
use wallet_auth::claims::ProviderId;
use wallet_auth::dev::DevIssuer;
use wallet_auth::layer::signin::SigninRoutes;
use wallet_auth::layer::{AuthConfig, AuthLayer, Authenticated, ParraTokenEndpoint};

const DEFAULT_LISTEN: &str = "127.0.0.1:3000";
const USAGE: &str = "usage: server [--config FILE] [--listen ADDR]";

struct Args {
    config: Option<String>,
    listen: String,
}

fn parse_args() -> Result<Option<Args>, String> {
    let mut args = Args {
        config: None,
        listen: DEFAULT_LISTEN.to_owned(),
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f.to_owned(), Some(v.to_owned())),
            _ => (arg.clone(), None),
        };
        let mut value = |name: &str| {
            inline
                .clone()
                .or_else(|| it.next())
                .ok_or_else(|| format!("{name} needs a value"))
        };
        match flag.as_str() {
            "--config" => args.config = Some(value("--config")?),
            "--listen" => args.listen = value("--listen")?,
            "-h" | "--help" => return Ok(None),
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    Ok(Some(args))
}

/// `GET /me`: who the verified token speaks for, and the provider's claims.
async fn me(auth: Authenticated) -> Json<Value> {
    Json(auth.to_json())
}

/// The app: `/healthz` open, everything else behind `layer`.
fn app(layer: AuthLayer, parra: Option<ParraTokenEndpoint>) -> Router {
    let mut protected = Router::new().route("/me", get(me));
    if let Some(parra) = parra {
        protected = protected.merge(parra.router());
    }
    Router::new()
        .route("/healthz", get(|| async { "ok" }))
        .merge(protected.layer(layer))
}

/// Exit 2 with one readable line.
fn config_error(message: impl std::fmt::Display) -> ExitCode {
    eprintln!("server: bad configuration: {message}");
    ExitCode::from(2)
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(Some(args)) => args,
        Ok(None) => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            eprintln!("server: {e}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let Ok(listen) = args.listen.parse::<SocketAddr>() else {
        eprintln!(
            "server: --listen {:?} is not an address like 127.0.0.1:3000",
            args.listen
        );
        return ExitCode::from(2);
    };

    // With --config, read it before binding so a bad file fails fast.
    let file_config = match &args.config {
        Some(path) => match AuthConfig::from_file(path) {
            Ok(config) => Some(config),
            Err(e) => return config_error(e),
        },
        None => None,
    };

    let listener = match tokio::net::TcpListener::bind(listen).await {
        Ok(listener) => listener,
        Err(e) => {
            eprintln!("server: cannot listen on {listen}: {e}");
            return ExitCode::FAILURE;
        }
    };
    let addr = match listener.local_addr() {
        Ok(addr) => addr,
        Err(e) => {
            eprintln!("server: {e}");
            return ExitCode::FAILURE;
        }
    };
    let base_url = format!("http://{addr}");

    // Development mode: a fresh issuer whose JWKS this very server publishes.
    let (config, dev) = match file_config {
        Some(config) => (config, None),
        None => {
            let dev = DevIssuer::generate();
            match dev.config(&base_url) {
                Ok(config) => (config, Some(dev)),
                Err(e) => return config_error(e),
            }
        }
    };
    let layer = match AuthLayer::from_config(&config) {
        Ok(layer) => layer,
        Err(e) => return config_error(e),
    };
    let parra = match config.parra_issuer() {
        Ok(issuer) => issuer.map(ParraTokenEndpoint::new),
        Err(e) => return config_error(e),
    };
    let has_parra = parra.is_some();
    // Wallet sign-in: its sessions are verified by `layer` as the provider `signin`.
    let signin = match config.signin_service_connect().await {
        Ok(signin) => signin.map(SigninRoutes::new),
        Err(e) => return config_error(e),
    };

    let mut router = app(layer.clone(), parra);
    // `/metrics`: Prometheus text (verifications, token cache, JWKS fetches), outside the layer.
    match metrics_exporter_prometheus::PrometheusBuilder::new().install_recorder() {
        Ok(handle) => {
            wallet_auth::layer::metrics::describe();
            // `install_recorder` runs no upkeep: without this timer every verification's histogram
            // sample stays in memory until someone scrapes `/metrics`.
            let upkeep = handle.clone();
            wallet_auth::layer::metrics::spawn_upkeep(
                wallet_auth::layer::metrics::UPKEEP_INTERVAL,
                move || upkeep.run_upkeep(),
            );
            let verifier = layer.verifier().clone();
            router = router.route(
                "/metrics",
                get(move || {
                    wallet_auth::layer::metrics::record_verifier_stats(&verifier);
                    std::future::ready(handle.render())
                }),
            );
        }
        Err(e) => eprintln!("server: warning: no /metrics: {e}"),
    }
    match (&signin, &dev) {
        // The development JWKS already publishes the session key (the P-256 key).
        (Some(signin), Some(_)) => router = router.merge(signin.router_without_jwks()),
        (Some(signin), None) => router = router.merge(signin.router()),
        (None, _) => {}
    }
    if let Some(dev) = &dev {
        router = router.merge(dev.jwks_router());
        let state = DevIssuer::default_state_path();
        if let Err(e) = dev.save(&state) {
            eprintln!("server: warning: could not save the development issuer: {e}");
        }
    }

    let server = tokio::spawn(async move { axum::serve(listener, router).await });

    // Warm the key cache only now: in development mode the keys are served by this server.
    if config.jwks.prefetch {
        // A discovery document naming another issuer is a configuration error: refuse to start.
        if let Err(e) = layer.verifier().start().await {
            server.abort();
            return config_error(e);
        }
        if !layer.verifier().is_ready() {
            eprintln!(
                "server: warning: some key sets could not be fetched yet; their tokens get 503 until they can"
            );
        }
    }

    println!("wallet-auth example server listening on {base_url}");
    println!("  GET  {base_url}/healthz");
    println!("  GET  {base_url}/me            (token required)");
    if has_parra {
        println!("  POST {base_url}/v1/parra/auth/token   (token required)");
    }
    if signin.is_some() {
        println!("  GET  {base_url}/signin/nonce");
        println!("  POST {base_url}/signin/siwe  /signin/siws  /signin/logout");
    }
    if let Some(dev) = &dev {
        println!();
        println!("DEVELOPMENT MODE: trusting only a development issuer generated at start.");
        println!(
            "  keys saved to {}",
            DevIssuer::default_state_path().display()
        );
        println!("  JWKS at {base_url}/.well-known/jwks.json");
        match dev.token(ProviderId::DYNAMIC, None, wallet_auth::claims::now()) {
            Ok(token) => {
                println!("  a Dynamic-shaped token, valid for 2 hours:");
                println!();
                println!("TOKEN={token}");
                println!("curl -s -H \"Authorization: Bearer $TOKEN\" {base_url}/me");
                println!();
                println!(
                    "More tokens (para, parra, sophon, dynamic, web3auth): cargo run -- dev-token --help"
                );
                println!();
                println!("Sign in with a development wallet (SIWE; dev-siws for Solana):");
                println!(
                    "NONCE=$(curl -s {base_url}/signin/nonce | sed 's/.*\"nonce\":\"\\([^\"]*\\)\".*/\\1/')"
                );
                println!(
                    "cargo run -q -- dev-siwe --nonce $NONCE --domain {addr} | curl -s -H 'content-type: application/json' -d @- {base_url}/signin/siwe"
                );
            }
            Err(e) => eprintln!("server: could not mint a development token: {e}"),
        }
    }

    match server.await {
        Ok(Ok(())) => ExitCode::SUCCESS,
        Ok(Err(e)) => {
            eprintln!("server: {e}");
            ExitCode::FAILURE
        }
        Err(e) => {
            eprintln!("server: {e}");
            ExitCode::FAILURE
        }
    }
}
