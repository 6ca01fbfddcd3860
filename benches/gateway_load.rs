//! Gateway load: nginx → upstream with no auth, against nginx `auth_request` → `wallet-auth serve`
//! → upstream with one cached token, driven by `wrk`; then the gRPC `Check` service alone.
//!
//! ```sh
//! sudo apt-get install -y wrk nginx-light       # once (nginx is also what the tests use)
//! cargo bench --bench gateway_load              # -- --seconds 5 --connections 64 --rounds 5
//! ```
//!
//! Everything runs on 127.0.0.1, each part its own process except the JWKS server and the gRPC
//! client, which are this one:
//! - `wallet-auth serve` (the release binary of this package) from the tests' configuration
//!   (Privy and Dynamic, both over a JWKS server in this process; the token is Privy's); the
//!   verified-token cache is on (the default), so after the first request every check is a
//!   cache hit (the report ends with the service's hit and miss counts);
//! - nginx from the configuration of `docs/gateway.md` (`tests/gateway_configs/nginx.conf`, one
//!   worker): its `/public/` location is the no-auth path, `/` the `auth_request` path;
//! - the upstream: a second nginx (one worker) answering `200 upstream` to everything;
//! - `wrk` (one thread, `--connections` keep-alive connections), 2 s of warm-up on each path:
//!   **no auth** and **auth_request** (every request with `Authorization: Bearer <token>`),
//!   then **refused: no token** (`/` without a token: 401 from the service, never the upstream),
//!   and **auth_request → /readyz**: a second nginx from the same configuration but asking the
//!   service's `/readyz` instead of `/auth` — the same exchanges with no token work at all, the
//!   floor that nginx, HTTP and the runtime set;
//!
//! The paths alternate for `--rounds` rounds; each ratio compares runs made one after the other,
//! and the report gives the median (a noisy machine slows whole rounds). CPU per request is each
//! process's user+system time (`/proc/<pid>/stat`) over the run divided by its requests: where
//! the time goes on a 2-core machine shared by all of them. Then the gRPC `Check` service: a
//! tonic client in this process (one thread, `--connections` concurrent checks over 4 HTTP/2
//! connections) sends Envoy's request shape with the same token for `--seconds`. The `serve`
//! process's `VmRSS` is read after the warm-up, after each round and at the end (nobody scrapes
//! `/metrics`). The report is printed and written to `target/gateway-load.md`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    missing_docs
)]

#[path = "../tests/gateway_support/mod.rs"]
mod gateway_support;

use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use envoy_types::pb::envoy::service::auth::v3::authorization_client::AuthorizationClient;
use envoy_types::pb::envoy::service::auth::v3::{
    AttributeContext, CheckRequest, attribute_context,
};
use gateway_support::proxies::{NGINX_CONF, Proxy, nginx, nginx_from, proxy};
use gateway_support::{client, config, privy_claims, serve_with};
use serde_json::json;
use test_support::jwks_server::JwksServer;
use test_support::proc_stats::{TICKS_PER_SECOND, cpu_ticks, rss_kib};
use test_support::{EcKey, jwks, now, sign, temp_dir};
use wallet_auth::layer::metrics::{TOKEN_CACHE_HITS, TOKEN_CACHE_MISSES};

/// The upstream: one nginx worker answering every request itself.
const UPSTREAM_CONF: &str = "daemon off;
master_process off;
worker_processes 1;
pid {dir}/nginx.pid;
error_log {dir}/error.log;
events {}
http {
    access_log off;
    client_body_temp_path {dir}/client_body;
    proxy_temp_path {dir}/proxy;
    fastcgi_temp_path {dir}/fastcgi;
    uwsgi_temp_path {dir}/uwsgi;
    scgi_temp_path {dir}/scgi;
    server {
        listen 127.0.0.1:{port};
        location / { return 200 \"upstream\\n\"; }
    }
}
";

/// The wrk script: one line with requests, answers with a status ≥ 400, socket errors, the
/// duration, p50 and p99 (µs).
const WRK_REPORT: &str = r#"done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("REPORT %d %d %d %d %d %d\n", summary.requests, e.status,
    e.connect + e.read + e.write + e.timeout, summary.duration,
    latency:percentile(50), latency:percentile(99)))
end
"#;

/// The paths measured, in each round's order: name, path, whether requests carry the token, and
/// whether they go to the second nginx, whose `auth_request` asks `/readyz` instead of `/auth`.
const PATHS: [(&str, &str, bool, bool); 4] = [
    ("no auth", "/public/app", true, false),
    ("auth_request", "/app", true, false),
    ("refused: no token", "/app", false, false),
    ("auth_request → /readyz", "/app", true, true),
];

/// Microseconds of CPU time in one clock tick.
const US_PER_TICK: f64 = 1e6 / TICKS_PER_SECOND as f64;

struct Options {
    seconds: u64,
    connections: u32,
    rounds: u32,
}

const USAGE: &str = "usage: gateway_load [--seconds N (5)] [--connections N (64, at most the \
     configuration's keepalive 64)] [--rounds N (5)]";

fn options() -> Options {
    let mut o = Options {
        seconds: 5,
        connections: 64,
        rounds: 5,
    };
    // cargo bench passes `--bench`; every other argument is a flag and its number.
    let mut args = std::env::args().skip(1).filter(|a| a != "--bench");
    while let Some(flag) = args.next() {
        let value: u64 = args
            .next()
            .and_then(|v| v.parse().ok())
            .unwrap_or_else(|| panic!("{flag} needs a number\n{USAGE}"));
        match flag.as_str() {
            "--seconds" => o.seconds = value,
            "--connections" => o.connections = u32::try_from(value).unwrap(),
            "--rounds" => o.rounds = u32::try_from(value).unwrap(),
            _ => panic!("unknown option {flag}\n{USAGE}"),
        }
    }
    // More connections than nginx keeps open to the service would measure reconnections.
    assert!(
        o.connections <= 64 && o.rounds > 0 && o.seconds > 0,
        "{USAGE}"
    );
    o
}

/// The CPU ticks of a process this bench started (and keeps running).
fn ticks(pid: u32) -> u64 {
    cpu_ticks(pid).expect("/proc/<pid>/stat (Linux)")
}

/// The `VmRSS` of a process this bench started (and keeps running), in KiB.
fn rss(pid: u32) -> u64 {
    rss_kib(pid).expect("/proc/<pid>/status (Linux)")
}

/// One wrk run's figures.
struct Run {
    requests: u64,
    non_2xx: u64,
    socket_errors: u64,
    per_second: f64,
    p50_us: u64,
    p99_us: u64,
    /// CPU µs per request of each watched process, and of wrk.
    cpu_us: Vec<f64>,
}

/// `wrk` against `url` for `seconds`, watching the CPU time of `pids`.
fn wrk(
    url: &str,
    token: Option<&str>,
    seconds: u64,
    connections: u32,
    script: &Path,
    pids: &[u32],
) -> Run {
    let before: Vec<u64> = pids.iter().map(|&p| ticks(p)).collect();
    let mut command = Command::new("wrk");
    command
        .args(["-t1", &format!("-c{connections}"), &format!("-d{seconds}s")])
        .arg("-s")
        .arg(script);
    if let Some(token) = token {
        command.args(["-H", &format!("Authorization: Bearer {token}")]);
    }
    let mut child = command
        .arg(url)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("wrk (apt-get install wrk)");
    // wrk's own CPU: its last reading before it exits (polled; at most 50 ms short).
    let mut wrk_ticks = 0;
    while child.try_wait().unwrap().is_none() {
        wrk_ticks = wrk_ticks.max(cpu_ticks(child.id()).unwrap_or(0));
        std::thread::sleep(Duration::from_millis(50));
    }
    let out = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let line = stdout
        .lines()
        .find_map(|l| l.strip_prefix("REPORT "))
        .unwrap_or_else(|| panic!("no report from wrk: {stdout}"));
    let n: Vec<u64> = line.split(' ').map(|f| f.parse().unwrap()).collect();
    let (requests, duration_us) = (n[0], n[3]);
    let per_request_us = |ticks: u64| ticks as f64 * US_PER_TICK / requests.max(1) as f64;
    let mut cpu_us: Vec<f64> = pids
        .iter()
        .zip(before)
        .map(|(&p, b)| per_request_us(ticks(p).saturating_sub(b)))
        .collect();
    cpu_us.push(per_request_us(wrk_ticks));
    Run {
        requests,
        non_2xx: n[1],
        socket_errors: n[2],
        per_second: requests as f64 * 1e6 / duration_us.max(1) as f64,
        p50_us: n[4],
        p99_us: n[5],
        cpu_us,
    }
}

/// The request Envoy sends for `GET /app` with the token.
fn envoy_check(token: &str) -> CheckRequest {
    let headers = HashMap::from([
        (":path".to_owned(), "/app".to_owned()),
        (":method".to_owned(), "GET".to_owned()),
        (":authority".to_owned(), "app.example.com".to_owned()),
        ("authorization".to_owned(), format!("Bearer {token}")),
    ]);
    CheckRequest {
        attributes: Some(AttributeContext {
            request: Some(attribute_context::Request {
                http: Some(attribute_context::HttpRequest {
                    method: "GET".into(),
                    path: "/app".into(),
                    host: "app.example.com".into(),
                    headers,
                    ..Default::default()
                }),
                ..Default::default()
            }),
            ..Default::default()
        }),
    }
}

/// One gRPC run's figures.
struct GrpcRun {
    checks: usize,
    per_second: f64,
    p50_us: u64,
    p99_us: u64,
    refused: u64,
}

/// Envoy's `Check` with the token for `seconds`, `concurrency` in flight over 4 connections.
async fn grpc_load(grpc: &str, token: &str, seconds: u64, concurrency: u32) -> GrpcRun {
    let mut channels = Vec::new();
    for _ in 0..4 {
        channels.push(
            AuthorizationClient::connect(format!("http://{grpc}"))
                .await
                .unwrap(),
        );
    }
    let request = envoy_check(token);
    let start = Instant::now();
    let deadline = start + Duration::from_secs(seconds);
    let mut tasks = Vec::new();
    for i in 0..concurrency {
        let mut client = channels[i as usize % channels.len()].clone();
        let request = request.clone();
        tasks.push(tokio::spawn(async move {
            let (mut latencies, mut refused) = (Vec::new(), 0u64);
            while Instant::now() < deadline {
                let sent = Instant::now();
                let answer = client.check(request.clone()).await.unwrap().into_inner();
                latencies.push(u64::try_from(sent.elapsed().as_micros()).unwrap());
                if answer.status.is_none_or(|s| s.code != 0) {
                    refused += 1;
                }
            }
            (latencies, refused)
        }));
    }
    let (mut all, mut refused) = (Vec::new(), 0);
    for task in tasks {
        let (latencies, r) = task.await.unwrap();
        all.extend(latencies);
        refused += r;
    }
    let elapsed = start.elapsed().as_secs_f64();
    all.sort_unstable();
    let pct = |p: usize| all[(all.len() * p / 100).min(all.len() - 1)];
    GrpcRun {
        checks: all.len(),
        per_second: all.len() as f64 / elapsed,
        p50_us: pct(50),
        p99_us: pct(99),
        refused,
    }
}

/// The service's token-cache hits and misses, from `/metrics`.
async fn token_cache_counts(base: &str) -> String {
    let text = client()
        .get(format!("{base}/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let count = |name: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(name)?.trim().parse::<u64>().ok())
            .unwrap_or(0)
    };
    format!(
        "{} token-cache hits, {} misses",
        count(TOKEN_CACHE_HITS),
        count(TOKEN_CACHE_MISSES)
    )
}

fn main() {
    let o = options();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(run(o));
}

async fn run(o: Options) {
    let missing = "missing: sudo apt-get install -y wrk nginx-light";
    let wrk_found = Command::new("wrk").arg("-v").stdout(Stdio::null()).status();
    assert!(wrk_found.is_ok(), "wrk {missing}");
    assert!(proxy("nginx").is_some(), "nginx {missing}");
    let ec = EcKey::generate("privy-1");
    let keys = JwksServer::start_on_own_thread(jwks(&[ec.jwk()]));
    let mut claims = privy_claims();
    // Valid for the whole run: warm-ups, rounds, the gRPC run, and a margin.
    let planned = PATHS.len() as u64 * (2 + u64::from(o.rounds) * o.seconds) + o.seconds;
    claims["exp"] = json!(now().saturating_add(i64::try_from(planned).unwrap() + 600));
    let token = sign(&ec, &claims);
    let mut served = serve_with(
        &config(&keys.url(), ""),
        "text",
        &["--grpc-listen", "127.0.0.1:0"],
    );
    // Its refusal lines are not read: dropping the receiver keeps them out of memory.
    drop(std::mem::replace(
        &mut served.stderr,
        std::sync::mpsc::channel().1,
    ));
    let auth = served.base.trim_start_matches("http://").to_owned();
    let upstream: Proxy = nginx_from(UPSTREAM_CONF, "", "").await.expect("nginx");
    let upstream_addr = upstream.base.trim_start_matches("http://").to_owned();
    let front: Proxy = nginx(&auth, &upstream_addr).await.expect("nginx");
    // The floor: the same nginx and HTTP exchange, but the service answers from `/readyz`
    // (HEAD, no body, no headers): no token read, no verification, no identity headers.
    let ask = "proxy_pass http://wallet_auth/auth;";
    assert!(NGINX_CONF.contains(ask));
    let floor_conf = NGINX_CONF.replace(ask, "proxy_pass http://wallet_auth/readyz;");
    let floor: Proxy = nginx_from(&floor_conf, &auth, &upstream_addr)
        .await
        .expect("nginx");
    let script = temp_dir("wrk").join("report.lua");
    std::fs::write(&script, WRK_REPORT).unwrap();

    let pids = |floored: bool| {
        let nginx = if floored { &floor } else { &front };
        [nginx.child.id(), served.child.id(), upstream.child.id()]
    };
    let url = |floored: bool, path: &str| {
        format!("{}{path}", if floored { &floor.base } else { &front.base })
    };
    for (name, path, with_token, floored) in PATHS {
        let url = url(floored, path);
        let token = with_token.then_some(token.as_str());
        let warm = wrk(&url, token, 2, o.connections, &script, &pids(floored));
        let refused = if with_token { 0 } else { warm.requests };
        assert_eq!((warm.socket_errors, warm.non_2xx), (0, refused), "{name}");
    }
    let rss_warm = rss(served.child.id());
    let mut report = String::new();
    writeln!(
        report,
        "wrk -t1 -c{} -d{}s, {} rounds; CPU µs per request: nginx / serve / upstream / wrk\n\n\
         | round | path | requests/s | p50 | p99 | status ≥ 400 | CPU µs/request | / no auth | serve's RSS |\n\
         |---|---|---|---|---|---|---|---|---|",
        o.connections, o.seconds, o.rounds
    )
    .unwrap();
    let (mut checked, mut ratios) = (0, Vec::new());
    for round in 1..=o.rounds {
        let mut no_auth = 0.0;
        for (i, (name, path, with_token, floored)) in PATHS.into_iter().enumerate() {
            let url = url(floored, path);
            let token = with_token.then_some(token.as_str());
            let r = wrk(
                &url,
                token,
                o.seconds,
                o.connections,
                &script,
                &pids(floored),
            );
            let refused = if with_token { 0 } else { r.requests };
            assert_eq!((r.socket_errors, r.non_2xx), (0, refused), "{name}");
            let cpu: Vec<String> = r.cpu_us.iter().map(|c| format!("{c:.1}")).collect();
            let (ratio, rss) = if i == 0 {
                no_auth = r.per_second;
                (String::new(), String::new())
            } else {
                if !floored {
                    checked += r.requests;
                }
                if i == 1 {
                    ratios.push(r.per_second / no_auth);
                }
                let rss = rss(served.child.id()) as f64 / 1024.0;
                (
                    format!("{:.2}×", r.per_second / no_auth),
                    format!("{rss:.1} MiB"),
                )
            };
            writeln!(
                report,
                "| {round} | {name} | {:.0} | {:.2} ms | {:.2} ms | {} | {} | {ratio} | {rss} |",
                r.per_second,
                r.p50_us as f64 / 1000.0,
                r.p99_us as f64 / 1000.0,
                r.non_2xx,
                cpu.join(" / "),
            )
            .unwrap();
            println!("round {round}, {name}: {:.0} requests/s", r.per_second);
        }
    }
    ratios.sort_by(f64::total_cmp);
    writeln!(
        report,
        "\nauth_request / no auth, median of {} rounds: **{:.2}×**",
        ratios.len(),
        ratios[ratios.len() / 2]
    )
    .unwrap();

    let grpc = served.grpc.clone().expect("the gRPC address");
    let serve_before = ticks(served.child.id());
    let g = grpc_load(&grpc, &token, o.seconds, o.connections).await;
    let serve_cpu = ticks(served.child.id()).saturating_sub(serve_before) as f64 * US_PER_TICK
        / g.checks.max(1) as f64;
    writeln!(
        report,
        "\ngRPC Check, {} in flight over 4 connections, {} s: **{:.0} checks/s**, p50 {:.2} ms, \
         p99 {:.2} ms, {} refused; serve's CPU {serve_cpu:.1} µs per check",
        o.connections,
        o.seconds,
        g.per_second,
        g.p50_us as f64 / 1000.0,
        g.p99_us as f64 / 1000.0,
        g.refused,
    )
    .unwrap();
    writeln!(
        report,
        "\nserve's VmRSS: {:.1} MiB after the warm-up, {:.1} MiB at the end ({} HTTP checks and \
         {} gRPC checks measured; nobody scraped /metrics until now: {})",
        rss_warm as f64 / 1024.0,
        rss(served.child.id()) as f64 / 1024.0,
        checked,
        g.checks,
        token_cache_counts(&served.base).await,
    )
    .unwrap();
    println!("\n{report}");
    let out = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/gateway-load.md");
    std::fs::write(&out, &report).unwrap();
    println!("written to {}", out.display());
}
