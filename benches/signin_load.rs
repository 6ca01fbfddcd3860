//! Wallet sign-ins per second through HTTP, with the in-memory store and with Redis: clients on
//! loopback each loop `GET /signin/nonce` → sign a SIWE message (k256, in the client) →
//! `POST /signin/siwe` (200 asserted), against the sign-in routes served by this process.
//!
//! ```sh
//! cargo bench --bench signin_load                 # -- --seconds 5 --clients 8 --rounds 3
//! ```
//!
//! Everything shares the machine (2 cores here): the server's runtime (2 workers), the clients
//! (their signing included) and, for the second store, `redis-server` (started from a temp dir,
//! skipped when not installed). The report gives, per store and round, sign-ins per second and
//! the p50/p99 latency of the two requests of one sign-in; the ratio Redis / memory is of rounds
//! run one after the other.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    missing_docs,
    dead_code
)]

#[path = "../tests/redis_support/mod.rs"]
mod redis_support;

use std::time::{Duration, Instant};

use axum::Router;
use serde_json::Value;
use wallet_auth::dev::{DevMessage, dev_siwe_body};
use wallet_auth::layer::AuthConfig;
use wallet_auth::layer::signin::{SessionKeys, SigninRoutes};

struct Args {
    seconds: u64,
    clients: usize,
    rounds: usize,
}

fn args() -> Args {
    let mut args = Args {
        seconds: 5,
        clients: 8,
        rounds: 3,
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        let mut value = || it.next().and_then(|v| v.parse::<u64>().ok()).unwrap();
        match arg.as_str() {
            "--seconds" => args.seconds = value(),
            "--clients" => args.clients = usize::try_from(value()).unwrap(),
            "--rounds" => args.rounds = usize::try_from(value()).unwrap(),
            "--bench" => {}
            other => panic!("unknown option {other:?} (--seconds, --clients, --rounds)"),
        }
    }
    args
}

/// Serve the sign-in routes for `store` on 127.0.0.1; the base URL.
async fn serve(store: &str) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let domain = listener.local_addr().unwrap().to_string();
    let mut config = AuthConfig::from_toml_str(&format!(
        "[signin]\ndomain = \"{domain}\"\nuri = \"http://{domain}\"\nissuer = \"bench\"\n\
         store = \"{store}\"\n[signin.ethereum]\nchain_ids = [1]\n"
    ))
    .unwrap();
    config.signin = config
        .signin
        .take()
        .map(|s| s.with_session_keys(SessionKeys::generate().unwrap()));
    let service = config.signin_service_connect().await.unwrap().unwrap();
    let app: Router = SigninRoutes::new(service).router();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    format!("http://{domain}")
}

/// One round: `clients` loops for `seconds`; (sign-ins, latencies of one sign-in).
async fn round(base: &str, clients: usize, seconds: u64) -> (usize, Vec<Duration>) {
    let domain = base.trim_start_matches("http://").to_owned();
    let until = Instant::now() + Duration::from_secs(seconds);
    let tasks: Vec<_> = (0..clients)
        .map(|_| {
            let (base, domain) = (base.to_owned(), domain.clone());
            tokio::spawn(async move {
                let client = reqwest::Client::new();
                let mut latencies = Vec::new();
                while Instant::now() < until {
                    let started = Instant::now();
                    let nonce: Value = client
                        .get(format!("{base}/signin/nonce"))
                        .send()
                        .await
                        .unwrap()
                        .json()
                        .await
                        .unwrap();
                    let nonce = nonce["nonce"].as_str().unwrap();
                    let body = dev_siwe_body(&DevMessage::new(
                        &domain,
                        &base,
                        "1",
                        nonce,
                        wallet_auth::claims::now(),
                    ))
                    .unwrap();
                    let res = client
                        .post(format!("{base}/signin/siwe"))
                        .json(&body)
                        .send()
                        .await
                        .unwrap();
                    assert_eq!(res.status(), 200);
                    let _ = res.bytes().await.unwrap();
                    latencies.push(started.elapsed());
                }
                latencies
            })
        })
        .collect();
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await.unwrap());
    }
    all.sort();
    (all.len(), all)
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() - 1) as f64 * p).round() as usize;
    sorted[i].as_secs_f64() * 1000.0
}

fn main() {
    let args = args();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let redis = redis_support::RedisServer::start("signin_load");
        let memory = serve("memory").await;
        let shared = match &redis {
            Some(r) => Some(serve(&r.url()).await),
            None => None,
        };
        // Warm-up.
        round(&memory, args.clients, 1).await;
        if let Some(shared) = &shared {
            round(shared, args.clients, 1).await;
        }
        println!(
            "sign-ins through HTTP: {} clients, {} s per run, {} rounds",
            args.clients, args.seconds, args.rounds
        );
        let mut ratios = Vec::new();
        for r in 1..=args.rounds {
            let (n, lat) = round(&memory, args.clients, args.seconds).await;
            let mem_rate = n as f64 / args.seconds as f64;
            println!(
                "round {r} memory: {mem_rate:>8.0} sign-ins/s  p50 {:.2} ms  p99 {:.2} ms",
                percentile(&lat, 0.5),
                percentile(&lat, 0.99)
            );
            if let Some(shared) = &shared {
                let (n, lat) = round(shared, args.clients, args.seconds).await;
                let rate = n as f64 / args.seconds as f64;
                ratios.push(rate / mem_rate);
                println!(
                    "round {r} redis:  {rate:>8.0} sign-ins/s  p50 {:.2} ms  p99 {:.2} ms  ({:.2}x memory)",
                    percentile(&lat, 0.5),
                    percentile(&lat, 0.99),
                    rate / mem_rate
                );
            }
        }
        if !ratios.is_empty() {
            ratios.sort_by(f64::total_cmp);
            println!("median redis / memory: {:.2}x", ratios[ratios.len() / 2]);
        }
    });
}
