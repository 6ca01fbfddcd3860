//! Load benchmark on loopback, in one process and one run:
//!
//! 1. `bare`: an axum route with no authentication;
//! 2. `ours (cache on)`: the same route behind `wallet_auth::layer::AuthLayer` (verified-token cache on);
//! 3. `ours (cache off)`: the same, every request verified in full (RS256 signature + claims);
//! 4. `jwt-authorizer`: the same route behind jwt-authorizer 0.15 (axum 0.7), from crates.io.
//!
//! Both authenticators read the same RS256 key from the same JWKS server (loopback) and get the same
//! token, deserialize the same claims type (`ParaClaims`) and check `exp`/`nbf` with 60 s leeway.
//! A wrk-style client (32 keep-alive connections by default, pre-built request bytes, answers read
//! with `httparse`) drives each server with a fixed number of requests at a fixed concurrency; each
//! target is run in several interleaved rounds and the median round is reported, with requests/s,
//! p50/p99 latency and the process's CPU time per request (client + servers share this process).
//!
//! ```sh
//! cd benches/peers && cargo run --release -- [requests per round, default 20000] [concurrency, default 32] [rounds, default 3]
//! ```
//!
//! `PEERS_CLIENT=hyper` uses hyper-util's pooled client instead of the wrk-style one;
//! `PEERS_ONLY=<part of a target's name>` runs only the matching targets (to profile one).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt as _, Empty};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use serde_json::json;
use test_support::{RsaKey, jwks, sign};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use wallet_auth::claims::{ParaClaims, Policy};
use wallet_auth::jwks::JwksCache;
use wallet_auth::layer::{AuthLayer, Authenticated, KeySource, Verifier};

async fn serve(app: axum::Router) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    addr
}

async fn serve07(app: axum07::Router) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum07::serve(listener, app).await.unwrap() });
    addr
}

async fn ours(jwks_url: &str, cache: bool) -> SocketAddr {
    let jwks = JwksCache::builder().allow_http(true).build().unwrap();
    let source = jwks.source(jwks_url).unwrap();
    let verifier = Verifier::builder()
        .provider(Policy::para(), KeySource::Jwks(source))
        .jwks_cache(jwks)
        .token_cache(cache)
        .build()
        .unwrap();
    verifier.prefetch().await;
    assert!(verifier.is_ready());
    let app = axum::Router::new()
        .route(
            "/me",
            axum::routing::get(
                |axum::Extension(auth): axum::Extension<Authenticated>| async move {
                    auth.identity().user_id.clone()
                },
            ),
        )
        .layer(AuthLayer::new(verifier));
    serve(app).await
}

async fn jwt_authorizer(jwks_url: &str) -> SocketAddr {
    use jwt_authorizer::{IntoLayer as _, JwtAuthorizer, JwtClaims, Validation};
    let authorizer = JwtAuthorizer::<ParaClaims>::from_jwks_url(jwks_url)
        .validation(Validation::new().exp(true).nbf(true).leeway(60))
        .build()
        .await
        .unwrap();
    let app = axum07::Router::new()
        .route(
            "/me",
            axum07::routing::get(|JwtClaims(c): JwtClaims<ParaClaims>| async move {
                c.data.user_id.unwrap_or_default()
            }),
        )
        .layer(authorizer.into_layer());
    serve07(app).await
}

type HttpClient = Client<HttpConnector, Empty<Bytes>>;

/// Which load generator drives the servers.
enum LoadClient {
    /// [`drive`]: raw keep-alive connections and pre-built requests (the default).
    Wrk,
    /// [`drive_hyper`]: hyper-util's pooled client.
    Hyper(Box<HttpClient>),
}

impl LoadClient {
    async fn run(
        &self,
        addr: SocketAddr,
        token: Option<&str>,
        requests: usize,
        concurrency: usize,
    ) -> Outcome {
        let cpu_before = process_cpu();
        let mut outcome = match self {
            LoadClient::Wrk => drive(addr, token, requests, concurrency).await,
            LoadClient::Hyper(client) => {
                let url = format!("http://{addr}/me");
                drive_hyper(client, &url, token, requests, concurrency).await
            }
        };
        outcome.cpu_per_request = (process_cpu() - cpu_before) / requests as u32;
        outcome
    }
}

/// CPU time (user + system) this process has used so far, from `/proc/self/stat` (Linux; zero
/// elsewhere). Client and servers run in this process, so per request it is the whole cost of one
/// request on this machine.
fn process_cpu() -> Duration {
    let Ok(stat) = std::fs::read_to_string("/proc/self/stat") else {
        return Duration::ZERO;
    };
    // Fields after the command name (which is in parentheses): state is field 3; utime and stime
    // are fields 14 and 15, in clock ticks (100 per second on Linux).
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks: u64 = fields[11].parse::<u64>().unwrap() + fields[12].parse::<u64>().unwrap();
    Duration::from_millis(ticks * 10)
}

struct Outcome {
    rps: f64,
    p50: Duration,
    p99: Duration,
    cpu_per_request: Duration,
}

/// `requests` GETs of `/me` on `addr` with `token`, `concurrency` at a time; every answer must be
/// 200.
///
/// A wrk-style client: each of `concurrency` tasks owns one keep-alive connection and writes the
/// same pre-built request bytes again and again, reading each answer with `httparse` (the parser
/// hyper uses). It costs a fraction of a full HTTP client per request, so more of the machine's two
/// cores go to the servers under test and the ratios between them are less diluted.
async fn drive(
    addr: SocketAddr,
    token: Option<&str>,
    requests: usize,
    concurrency: usize,
) -> Outcome {
    let mut request = format!("GET /me HTTP/1.1\r\nhost: {addr}\r\n");
    if let Some(t) = token {
        request.push_str(&format!("authorization: Bearer {t}\r\n"));
    }
    request.push_str("\r\n");
    let request: std::sync::Arc<[u8]> = request.into_bytes().into();
    let per_task = requests / concurrency;
    let mut connections = Vec::with_capacity(concurrency);
    for _ in 0..concurrency {
        let stream = tokio::net::TcpStream::connect(addr).await.unwrap();
        stream.set_nodelay(true).unwrap();
        connections.push(stream);
    }
    let started = Instant::now();
    let tasks: Vec<_> = connections
        .into_iter()
        .map(|mut stream| {
            let request = request.clone();
            tokio::spawn(async move {
                let mut latencies = Vec::with_capacity(per_task);
                let mut buf = Vec::with_capacity(4096);
                for _ in 0..per_task {
                    let t = Instant::now();
                    stream.write_all(&request).await.unwrap();
                    let status = read_response(&mut stream, &mut buf).await;
                    latencies.push(t.elapsed());
                    assert_eq!(status, 200);
                }
                latencies
            })
        })
        .collect();
    outcome(tasks, started, requests).await
}

/// Waits for the client tasks started at `started` and summarizes their latencies.
async fn outcome(
    tasks: Vec<tokio::task::JoinHandle<Vec<Duration>>>,
    started: Instant,
    requests: usize,
) -> Outcome {
    let mut all = Vec::with_capacity(requests);
    for t in tasks {
        all.extend(t.await.unwrap());
    }
    let elapsed = started.elapsed();
    all.sort_unstable();
    let pick = |q: f64| all[((all.len() as f64 * q) as usize).min(all.len() - 1)];
    Outcome {
        rps: all.len() as f64 / elapsed.as_secs_f64(),
        p50: pick(0.50),
        p99: pick(0.99),
        cpu_per_request: Duration::ZERO,
    }
}

/// Reads one HTTP/1.1 response (with a `content-length` body) from `stream`; returns its status.
/// Bytes of a next response already read stay in `buf`.
async fn read_response(stream: &mut tokio::net::TcpStream, buf: &mut Vec<u8>) -> u16 {
    loop {
        let mut headers = [httparse::EMPTY_HEADER; 16];
        let mut res = httparse::Response::new(&mut headers);
        if let httparse::Status::Complete(head) = res.parse(buf).unwrap() {
            let status = res.code.unwrap();
            let body: usize = res
                .headers
                .iter()
                .find(|h| h.name.eq_ignore_ascii_case("content-length"))
                .map(|h| std::str::from_utf8(h.value).unwrap().parse().unwrap())
                .unwrap();
            while buf.len() < head + body {
                read_more(stream, buf).await;
            }
            buf.drain(..head + body);
            return status;
        }
        read_more(stream, buf).await;
    }
}

async fn read_more(stream: &mut tokio::net::TcpStream, buf: &mut Vec<u8>) {
    let n = stream.read_buf(buf).await.unwrap();
    assert!(n > 0, "the server closed the connection");
}

/// The same load from hyper-util's pooled HTTP client (`PEERS_CLIENT=hyper`): a realistic client,
/// but it spends about as much CPU per request as the bare server does, on the same two cores.
async fn drive_hyper(
    client: &HttpClient,
    url: &str,
    token: Option<&str>,
    requests: usize,
    concurrency: usize,
) -> Outcome {
    let uri: hyper::Uri = url.parse().unwrap();
    let auth = token.map(|t| format!("Bearer {t}"));
    let per_task = requests / concurrency;
    let started = Instant::now();
    let tasks: Vec<_> = (0..concurrency)
        .map(|_| {
            let (client, uri, auth) = (client.clone(), uri.clone(), auth.clone());
            tokio::spawn(async move {
                let mut latencies = Vec::with_capacity(per_task);
                for _ in 0..per_task {
                    let mut req = hyper::Request::get(uri.clone());
                    if let Some(a) = &auth {
                        req = req.header(hyper::header::AUTHORIZATION, a);
                    }
                    let req = req.body(Empty::<Bytes>::new()).unwrap();
                    let t = Instant::now();
                    let res = client.request(req).await.unwrap();
                    let status = res.status();
                    let body = res.into_body().collect().await.unwrap().to_bytes();
                    latencies.push(t.elapsed());
                    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
                }
                latencies
            })
        })
        .collect();
    outcome(tasks, started, requests).await
}

fn arg(n: usize, default: usize) -> usize {
    std::env::args()
        .nth(n)
        .and_then(|a| a.parse().ok())
        .unwrap_or(default)
}

#[tokio::main]
async fn main() {
    let requests = arg(1, 20_000);
    let concurrency = arg(2, 32);
    let rounds = arg(3, 3);

    let key = RsaKey::generate("bench-rs256");
    let jwks_app = {
        let body = jwks(&[key.jwk()]).to_string();
        axum::Router::new().route(
            "/jwks.json",
            axum::routing::get(move || {
                let body = body.clone();
                async move {
                    (
                        [(axum::http::header::CONTENT_TYPE, "application/json")],
                        body,
                    )
                }
            }),
        )
    };
    let jwks_url = format!("http://{}/jwks.json", serve(jwks_app).await);
    let now = test_support::now();
    let token = sign(
        &key,
        &json!({
            "sub": "6d1f0f1e-8a5c-4a53-9a59-1c1f3f0b2a77",
            "iat": now,
            "exp": now + 3600,
            "data": {
                "userId": "6d1f0f1e-8a5c-4a53-9a59-1c1f3f0b2a77",
                "email": "alice@example.com",
                "authType": "email",
                "wallets": [{"id": "8f8e0a51-1d2c-4f9a-b6a5-0f4f0e2d2e11", "type": "EVM",
                             "address": "0x71C7656EC7ab88b098defB751B7401B5f6d8976F"}]
            }
        }),
    );

    let bare = serve(axum::Router::new().route(
        "/me",
        axum::routing::get(|| async { "6d1f0f1e-8a5c-4a53-9a59-1c1f3f0b2a77" }),
    ))
    .await;
    let targets: Vec<(&str, SocketAddr, Option<&str>)> = vec![
        // Every target gets the identical request (token header included; the bare route ignores
        // it), so the differences are the middleware alone.
        ("bare axum (no auth)", bare, Some(&token)),
        ("ours, cache on", ours(&jwks_url, true).await, Some(&token)),
        (
            "ours, cache off",
            ours(&jwks_url, false).await,
            Some(&token),
        ),
        (
            "jwt-authorizer 0.15",
            jwt_authorizer(&jwks_url).await,
            Some(&token),
        ),
    ];

    // `PEERS_ONLY=<part of a name>` keeps only the matching targets (for profiling one of them).
    let targets: Vec<_> = match std::env::var("PEERS_ONLY") {
        Ok(only) => targets
            .into_iter()
            .filter(|(name, _, _)| name.contains(only.as_str()))
            .collect(),
        Err(_) => targets,
    };
    let client = match std::env::var("PEERS_CLIENT").as_deref() {
        Ok("hyper") => LoadClient::Hyper(Box::new(
            Client::builder(TokioExecutor::new())
                .pool_max_idle_per_host(concurrency)
                .build_http(),
        )),
        _ => LoadClient::Wrk,
    };
    println!(
        "client: {}",
        match client {
            LoadClient::Wrk => "wrk-style (raw keep-alive connections, pre-built requests)",
            LoadClient::Hyper(_) => "hyper-util pooled client (PEERS_CLIENT=hyper)",
        }
    );
    println!(
        "load: {requests} requests per round, concurrency {concurrency}, {rounds} rounds, RS256 token of {} bytes, {} worker threads",
        token.len(),
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );
    // Warm up every target (connections, JWKS, token cache).
    for (_, addr, token) in &targets {
        client
            .run(*addr, *token, 2_000.min(requests), concurrency)
            .await;
    }
    let mut results: Vec<Vec<Outcome>> = targets.iter().map(|_| Vec::new()).collect();
    for round in 0..rounds {
        for (i, (name, addr, token)) in targets.iter().enumerate() {
            let o = client.run(*addr, *token, requests, concurrency).await;
            println!(
                "  round {} {name:<22} {:>9.0} req/s  p50 {:>7.1} µs  p99 {:>7.1} µs  cpu {:>5.1} µs/req",
                round + 1,
                o.rps,
                o.p50.as_secs_f64() * 1e6,
                o.p99.as_secs_f64() * 1e6,
                o.cpu_per_request.as_secs_f64() * 1e6
            );
            results[i].push(o);
        }
    }
    let median: Vec<&Outcome> = results
        .iter_mut()
        .map(|r| {
            r.sort_by(|a, b| a.rps.total_cmp(&b.rps));
            &r[r.len() / 2]
        })
        .collect();
    println!("\nmedian round:");
    for ((name, _, _), o) in targets.iter().zip(&median) {
        println!(
            "  {name:<22} {:>9.0} req/s  p50 {:>7.1} µs  p99 {:>7.1} µs  cpu {:>5.1} µs/req",
            o.rps,
            o.p50.as_secs_f64() * 1e6,
            o.p99.as_secs_f64() * 1e6,
            o.cpu_per_request.as_secs_f64() * 1e6
        );
    }
    if median.len() < 4 {
        return;
    }
    let (bare, on, off, peer) = (median[0].rps, median[1].rps, median[2].rps, median[3].rps);
    println!("\nratios (requests/s, median rounds of this run):");
    println!(
        "  ours cache off / jwt-authorizer = {:.2}x  (target >= 1.2x)",
        off / peer
    );
    println!(
        "  ours cache on  / bare axum      = {:.2}x  (target >= 0.8x)",
        on / bare
    );
    println!("  ours cache on  / jwt-authorizer = {:.2}x", on / peer);
    println!("  ours cache off / bare axum      = {:.2}x", off / bare);
    println!("  jwt-authorizer / bare axum      = {:.2}x", peer / bare);
    let cpu = |o: &Outcome| o.cpu_per_request.as_secs_f64();
    if cpu(median[2]) > 0.0 {
        println!("\nCPU per request (client + server, median rounds; lower is better):");
        println!(
            "  jwt-authorizer / ours cache off = {:.2}x  (how much more CPU the peer spends per cold request)",
            cpu(median[3]) / cpu(median[2])
        );
        println!(
            "  ours cache on  / bare axum      = {:.2}x",
            cpu(median[1]) / cpu(median[0])
        );
    }
}
