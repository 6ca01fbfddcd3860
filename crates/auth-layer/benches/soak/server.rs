//! The soak benchmark's server process: the example server's stack (`examples/server.rs`), set up
//! from the environment the driver passes (`SOAK_JWKS_URL`, `SOAK_CACHE_CAPACITY`, `SOAK_UPKEEP`).

use std::time::Duration;

use auth_layer::metrics::{UPKEEP_INTERVAL, spawn_upkeep};
use auth_layer::{AuthConfig, AuthLayer, Authenticated};
use axum::Json;
use axum::routing::get;
use jwks_cache::JwksCache;
use serde_json::Value;

use super::CLIENT_ID;

/// `GET /me`, as in the example server.
async fn me(auth: Authenticated) -> Json<Value> {
    Json(auth.to_json())
}

fn env(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| panic!("{name} is not set (run the soak driver)"))
}

/// Serve the example server's stack on 127.0.0.1 until stdin closes; prints `listening <addr>`
/// once ready, then `entries <n>` (the token cache's size) every second.
pub async fn run() {
    // Exit when the driver goes away (it holds our stdin).
    std::thread::spawn(|| {
        let _ = std::io::copy(&mut std::io::stdin(), &mut std::io::sink());
        std::process::exit(0);
    });
    let config = AuthConfig::from_toml_str(&format!(
        "[jwks]\nallow_http = true\n[token]\ncache_capacity = {}\n\
         [web3auth]\nclient_id = \"{CLIENT_ID}\"\njwks_url = \"{}\"\n",
        env("SOAK_CACHE_CAPACITY"),
        env("SOAK_JWKS_URL"),
    ))
    .expect("the soak configuration");
    // `AuthLayer::from_config`, with a JWKS cache that refetches every 2 s instead of every 60 s.
    let j = &config.jwks;
    let cache = JwksCache::builder()
        .allow_http(j.allow_http)
        .cooldown(Duration::from_secs(j.cooldown_secs))
        .stale_window(Duration::from_secs(j.stale_secs))
        .ttl(Duration::from_secs(2))
        .min_ttl(Duration::from_secs(1))
        .timeout(Duration::from_secs(1))
        .backoff_initial(Duration::from_millis(500))
        .backoff_max(Duration::from_secs(2))
        .build()
        .expect("the JWKS cache");
    let verifier = config.build_verifier_with(cache).expect("the verifier");
    let layer = AuthLayer::new(verifier.clone())
        .token_sources(config.token_sources().expect("the token sources"));

    // The example server's app and `/metrics`.
    let mut router = axum::Router::new()
        .route("/healthz", get(|| async { "ok" }))
        .merge(axum::Router::new().route("/me", get(me)).layer(layer));
    let handle = metrics_exporter_prometheus::PrometheusBuilder::new()
        .install_recorder()
        .expect("the Prometheus recorder");
    auth_layer::metrics::describe();
    if env("SOAK_UPKEEP") == "1" {
        let upkeep = handle.clone();
        spawn_upkeep(UPKEEP_INTERVAL, move || upkeep.run_upkeep());
    }
    let stats = verifier.clone();
    router = router.route(
        "/metrics",
        get(move || {
            auth_layer::metrics::record_verifier_stats(&stats);
            std::future::ready(handle.render())
        }),
    );

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind 127.0.0.1");
    let addr = listener.local_addr().expect("the server's address");
    tokio::spawn(async move { axum::serve(listener, router).await });
    verifier.prefetch().await;
    assert!(verifier.is_ready(), "the first JWKS fetch failed");
    println!("listening {addr}");
    let tokens = verifier.token_cache().expect("the token cache is on");
    loop {
        tokio::time::sleep(Duration::from_secs(1)).await;
        tokens.run_pending_tasks();
        println!("entries {}", tokens.entry_count());
    }
}
