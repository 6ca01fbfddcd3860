//! Soak: the example server's stack under steady load while its JWKS endpoint misbehaves; memory
//! must stay flat and every request must succeed.
//!
//! ```sh
//! cargo bench -p wallet-auth-layer --bench soak -- --connections 64 --seconds 60
//! cargo bench -p wallet-auth-layer --bench soak -- --no-upkeep     # the same without the upkeep timer
//! ```
//!
//! Two processes, all traffic on 127.0.0.1:
//! - the **server** (this binary re-run with `SOAK_ROLE=server`): the example server's stack —
//!   `AuthLayer` built from an `AuthConfig` (Web3Auth provider whose keys come from the JWKS below,
//!   verified-token cache on, capacity `--cache-capacity`), `GET /me` answering the identity and
//!   claims as JSON, the Prometheus recorder with `/metrics` and its upkeep timer
//!   (`auth_layer::metrics::spawn_upkeep`, every 5 s; off with `--no-upkeep`). Nobody scrapes
//!   `/metrics` during the run. Its JWKS cache is the configuration's with a 2 s TTL (the
//!   configuration file's floor is 60 s), a 1 s fetch timeout and a 2 s retry cap, so the key set
//!   is refetched in every phase;
//! - the **driver** (this process): a JWKS server (`test_support::jwks_server::JwksServer`) that
//!   cycles through phases `ok` → `500` → `hang` (answers after 10 s, past the fetch timeout) →
//!   `garbage` (a body that is not a key set), `--phase-secs` each (the first `ok` half a phase
//!   longer, so that the reports fall mid-phase); `--tokens` distinct ES256
//!   tokens signed with the published key before the run; `--connections` keep-alive connections
//!   sending `GET /me` for `--seconds`, each with a token picked at random — half from a hot set
//!   of a fifth of the cache's capacity, half from all the tokens, so the cache stays full and
//!   churns at its capacity.
//!
//! The driver reads the server's `VmRSS` from `/proc/<pid>/status`, so the driver's own memory
//! (50,000 tokens alone are ~45 MiB) is not counted. Every 5 s it prints elapsed time, requests,
//! errors by kind (status codes other than 200, I/O errors, 10 s timeouts), the JWKS phase and the
//! fetches each phase saw, the server's token-cache entries and RSS. The RSS after warm-up is
//! taken at `--warmup-secs` (default 10 s; the cache is full by the first report). The expected
//! result is 0 errors (the stale window serves the last good key set through every failure) and a
//! final RSS within 15 % of the RSS after warm-up. With the upkeep timer RSS still rises a little
//! during the first minute (the recorder's quantile summaries keep a 60 s rolling window), then
//! stays flat; without it, it grows by ~22 bytes per request for as long as the run lasts.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    missing_docs
)]

use std::collections::BTreeMap;
use std::io::{BufRead as _, BufReader, Write as _};
use std::net::SocketAddr;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU8, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use test_support::jwks_server::JwksServer;
use test_support::proc_stats::rss_kib;
use test_support::{EcKey, jwks, sign};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpStream;

#[path = "soak/server.rs"]
mod server;

const USAGE: &str = "usage: soak [--connections N (64)] [--seconds N (60)] [--tokens N (50000)] \
     [--cache-capacity N (10000)] [--phase-secs N (5)] [--warmup-secs N (10)] [--no-upkeep]";
const CLIENT_ID: &str =
    "BPi5PB_UiIZ-cPz1GtV5i1I2iOSOHuimiXBI0e-Oe_u6X3oVAbCiAZOTEBtTXw4tsluTITPqA8zMsfxIKMjiqNQ";
const REPORT_EVERY: Duration = Duration::from_secs(5);
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);
const PHASES: [&str; 4] = ["ok", "500", "hang", "garbage"];

struct Options {
    connections: usize,
    seconds: u64,
    tokens: usize,
    cache_capacity: u64,
    phase_secs: u64,
    warmup_secs: u64,
    upkeep: bool,
}

fn options() -> Options {
    let mut o = Options {
        connections: 64,
        seconds: 60,
        tokens: 50_000,
        cache_capacity: 10_000,
        phase_secs: 5,
        warmup_secs: 10,
        upkeep: true,
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((f, v)) => (f.to_owned(), Some(v.to_owned())),
            None => (arg.clone(), None),
        };
        let mut number = || -> u64 {
            let v = inline.clone().or_else(|| args.next());
            v.and_then(|v| v.parse().ok())
                .unwrap_or_else(|| panic!("{flag} needs a number\n{USAGE}"))
        };
        match flag.as_str() {
            "--connections" => o.connections = number().max(1) as usize,
            "--seconds" => o.seconds = number().max(1),
            "--tokens" => o.tokens = number().max(1) as usize,
            "--cache-capacity" => o.cache_capacity = number().max(5),
            "--phase-secs" => o.phase_secs = number().max(1),
            "--warmup-secs" => o.warmup_secs = number(),
            "--no-upkeep" => o.upkeep = false,
            "--bench" => {} // added by `cargo bench`
            "-h" | "--help" => {
                println!("{USAGE}");
                std::process::exit(0);
            }
            other => panic!("unknown argument {other:?}\n{USAGE}"),
        }
    }
    // The warm-up RSS is read at the first report (every 5 s) at or after `--warmup-secs`.
    let first_report = o.warmup_secs.max(1).div_ceil(5) * 5;
    assert!(
        first_report < o.seconds,
        "--seconds must be above --warmup-secs rounded up to a multiple of 5 s"
    );
    o
}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    if std::env::var("SOAK_ROLE").is_ok_and(|r| r == "server") {
        rt.block_on(server::run());
    } else {
        rt.block_on(driver(options()));
    }
}

/// Web3Auth-shaped claims of user `i` (the same shape as the `token_cache_memory` bench's).
fn claims(i: usize, now: i64) -> Value {
    json!({
        "iat": now, "exp": now + 3600, "aud": CLIENT_ID, "iss": "https://api-auth.web3auth.io",
        "nonce": format!("{i:064x}"),
        "wallets": [{"public_key": format!("03{i:064x}"), "type": "web3auth_app_key", "curve": "secp256k1"}],
        "email": format!("user{i}@example.com"), "name": format!("User {i}"),
        "verifier": "web3auth", "verifierId": format!("user{i}@example.com"),
        "aggregateVerifier": "w3a-google", "typeOfLogin": "google"
    })
}

#[derive(Default)]
struct Counters {
    requests: AtomicU64,
    io_errors: AtomicU64,
    timeouts: AtomicU64,
    statuses: Mutex<BTreeMap<u16, u64>>,
}

impl Counters {
    fn errors(&self) -> (u64, String) {
        let statuses = self.statuses.lock().unwrap();
        let (io, timeouts) = (
            self.io_errors.load(Ordering::Relaxed),
            self.timeouts.load(Ordering::Relaxed),
        );
        let mut text = format!("io {io}, timeouts {timeouts}");
        for (status, n) in statuses.iter() {
            text.push_str(&format!(", {status}: {n}"));
        }
        (io + timeouts + statuses.values().sum::<u64>(), text)
    }
}

fn mib(kib: u64) -> f64 {
    kib as f64 / 1024.0
}

/// A splitmix64 step.
fn next(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

async fn driver(o: Options) {
    let key = EcKey::generate("soak-1");
    let good = jwks(&[key.jwk()]);
    let jwks_server = Arc::new(JwksServer::start(good.clone()).await);
    let now = test_support::now();
    let started = Instant::now();
    let tokens: Arc<Vec<String>> =
        Arc::new((0..o.tokens).map(|i| sign(&key, &claims(i, now))).collect());
    println!(
        "signed {} distinct ES256 Web3Auth tokens of ~{} bytes in {:.1?}",
        tokens.len(),
        tokens[0].len(),
        started.elapsed()
    );

    let mut child = Command::new(std::env::current_exe().expect("this executable"))
        .env("SOAK_ROLE", "server")
        .env("SOAK_JWKS_URL", jwks_server.url())
        .env("SOAK_CACHE_CAPACITY", o.cache_capacity.to_string())
        .env("SOAK_UPKEEP", if o.upkeep { "1" } else { "0" })
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("start the server process");
    let pid = child.id();
    let mut lines = BufReader::new(child.stdout.take().expect("the server's stdout")).lines();
    let addr: SocketAddr = lines
        .next()
        .and_then(Result::ok)
        .and_then(|l| l.strip_prefix("listening ")?.parse().ok())
        .expect("the server's address");
    let entries = Arc::new(AtomicU64::new(0));
    let seen = entries.clone();
    std::thread::spawn(move || {
        for line in lines.map_while(Result::ok) {
            if let Some(n) = line.strip_prefix("entries ").and_then(|n| n.parse().ok()) {
                seen.store(n, Ordering::Relaxed);
            }
        }
    });
    println!(
        "server pid {pid} on {addr}: cache capacity {}, upkeep {}; {} connections for {} s; JWKS \
         phases ok/500/hang/garbage, {} s each; RSS at start {:.1} MiB",
        o.cache_capacity,
        if o.upkeep { "every 5 s" } else { "OFF" },
        o.connections,
        o.seconds,
        o.phase_secs,
        mib(rss_kib(pid).expect("VmRSS in /proc/<pid>/status (Linux)"))
    );

    // The load.
    let counters = Arc::new(Counters::default());
    let started = Instant::now();
    let deadline = started + Duration::from_secs(o.seconds);
    let hot = (o.cache_capacity as usize / 5).min(tokens.len());
    let connections: Vec<_> = (0..o.connections)
        .map(|c| {
            let (tokens, counters) = (tokens.clone(), counters.clone());
            tokio::spawn(connection(addr, tokens, hot, c as u64, deadline, counters))
        })
        .collect();

    // The JWKS phases, and how many fetches each one saw. The first `ok` phase lasts half a phase
    // longer, so that the 5 s reports fall mid-phase.
    let phase = Arc::new(AtomicU8::new(0));
    let fetches: Arc<[AtomicU64; 4]> = Arc::new(Default::default());
    let phases = {
        let (server, phase, fetches) = (jwks_server.clone(), phase.clone(), fetches.clone());
        let every = Duration::from_secs(o.phase_secs);
        let mut phase_end = started + every / 2;
        let mut seen = server.requests();
        tokio::spawn(async move {
            for p in (0u8..4).cycle() {
                match p {
                    0 => {
                        server.delay(Duration::ZERO);
                        server.set_jwks(good.clone());
                    }
                    1 => server.fail_with(500),
                    2 => {
                        server.delay(Duration::from_secs(10));
                        server.recover();
                    }
                    _ => {
                        server.delay(Duration::ZERO);
                        server.set_jwks(json!("<html>not a key set</html>"));
                    }
                }
                phase.store(p, Ordering::Relaxed);
                phase_end += every;
                while Instant::now() < phase_end {
                    let wait = phase_end.saturating_duration_since(Instant::now());
                    tokio::time::sleep(wait.min(Duration::from_millis(100))).await;
                    let now = server.requests();
                    fetches[usize::from(p)].fetch_add((now - seen) as u64, Ordering::Relaxed);
                    seen = now;
                }
            }
        })
    };

    // Progress every 5 s.
    let mut warm: Option<(u64, u64)> = None; // (RSS KiB, requests) at the end of warm-up
    let mut peak = 0;
    let mut tick = started;
    while tick + REPORT_EVERY <= deadline {
        tick += REPORT_EVERY;
        tokio::time::sleep_until(tick.into()).await;
        let elapsed = started.elapsed().as_secs();
        let requests = counters.requests.load(Ordering::Relaxed);
        let rss = rss_kib(pid).expect("VmRSS in /proc/<pid>/status (Linux)");
        peak = peak.max(rss);
        if warm.is_none() && elapsed >= o.warmup_secs {
            warm = Some((rss, requests));
        }
        let (errors, kinds) = counters.errors();
        let f: Vec<u64> = fetches.iter().map(|f| f.load(Ordering::Relaxed)).collect();
        println!(
            "{elapsed:>4} s  requests {requests:>9}  errors {errors} ({kinds})  jwks {:<7} \
             (fetches seen ok/500/hang/garbage {}/{}/{}/{})  cache {:>6}  RSS {:.1} MiB",
            PHASES[usize::from(phase.load(Ordering::Relaxed))],
            f[0],
            f[1],
            f[2],
            f[3],
            entries.load(Ordering::Relaxed),
            mib(rss)
        );
    }
    for c in connections {
        c.await.expect("a client connection");
    }
    let elapsed = started.elapsed();
    phases.abort();
    let final_rss = rss_kib(pid).expect("VmRSS in /proc/<pid>/status (Linux)");
    let requests = counters.requests.load(Ordering::Relaxed);
    let (errors, kinds) = counters.errors();

    // One scrape, after the measurement: the server's own view of the run.
    let metrics = scrape(addr).await;
    let wanted = [
        "wallet_auth_token_cache_entries",
        "wallet_auth_token_cache_hits_total",
        "wallet_auth_token_cache_misses_total",
        "wallet_auth_jwks_fetches_total",
        "wallet_auth_jwks_fetch_failures_total",
        "wallet_auth_jwks_stale_hits_total",
        "wallet_auth_jwks_unavailable_total",
    ];
    // `name{url="…"} value` → `name value`: there is one JWKS URL.
    let server_view: Vec<String> = wanted
        .iter()
        .filter_map(|w| {
            let line = metrics.lines().find(|l| l.starts_with(*w))?;
            Some(format!("{w} {}", line.rsplit(' ').next()?))
        })
        .collect();
    drop(child.stdin.take());
    let _ = child.kill();
    let _ = child.wait();

    let (warm_rss, warm_requests) = warm.expect("a report after warm-up");
    let ratio = final_rss as f64 / warm_rss as f64;
    let grown = final_rss as i64 - warm_rss as i64;
    let after_warmup = requests.saturating_sub(warm_requests).max(1);
    println!(
        "\nsummary ({:.1?}, upkeep {}):",
        elapsed,
        if o.upkeep { "on" } else { "OFF" }
    );
    println!(
        "  requests {requests} ({:.0}/s), errors {errors} ({kinds}): {}",
        requests as f64 / elapsed.as_secs_f64(),
        if errors == 0 {
            "target 0 met"
        } else {
            "target 0 MISSED"
        }
    );
    println!(
        "  server RSS: after warm-up ({} s) {:.1} MiB, final {:.1} MiB, peak {:.1} MiB; final / \
         warm-up = {ratio:.3} (target <= 1.15: {}); {:+.1} MiB over {after_warmup} requests = {:.1} \
         bytes per request",
        o.warmup_secs,
        mib(warm_rss),
        mib(final_rss),
        mib(peak.max(final_rss)),
        if ratio <= 1.15 { "met" } else { "MISSED" },
        grown as f64 / 1024.0,
        grown as f64 * 1024.0 / after_warmup as f64
    );
    println!("  server's /metrics, scraped once at the end:");
    for line in server_view {
        println!("    {line}");
    }
}

/// One keep-alive connection sending `GET /me` with random tokens until `deadline`.
async fn connection(
    addr: SocketAddr,
    tokens: Arc<Vec<String>>,
    hot: usize,
    seed: u64,
    deadline: Instant,
    counters: Arc<Counters>,
) {
    let mut rng = seed.wrapping_mul(0x2545_F491_4F6C_DD1D);
    let (mut request, mut buf) = (Vec::with_capacity(2048), Vec::with_capacity(8192));
    let mut stream: Option<TcpStream> = None;
    while Instant::now() < deadline {
        if stream.is_none() {
            match TcpStream::connect(addr).await {
                Ok(s) => {
                    let _ = s.set_nodelay(true);
                    buf.clear();
                    stream = Some(s);
                }
                Err(_) => {
                    counters.io_errors.fetch_add(1, Ordering::Relaxed);
                    tokio::time::sleep(Duration::from_millis(10)).await;
                    continue;
                }
            }
        }
        let s = stream.as_mut().expect("connected above");
        let r = next(&mut rng);
        let pick = (r >> 1) as usize % if r & 1 == 0 { hot } else { tokens.len() };
        request.clear();
        write!(
            request,
            "GET /me HTTP/1.1\r\nhost: {addr}\r\nauthorization: Bearer {}\r\n\r\n",
            tokens[pick]
        )
        .expect("write to a Vec");
        match tokio::time::timeout(REQUEST_TIMEOUT, exchange(s, &request, &mut buf)).await {
            Ok(Ok(status)) => {
                counters.requests.fetch_add(1, Ordering::Relaxed);
                if status != 200 {
                    *counters.statuses.lock().unwrap().entry(status).or_default() += 1;
                }
                continue;
            }
            Ok(Err(_)) => counters.io_errors.fetch_add(1, Ordering::Relaxed),
            Err(_) => counters.timeouts.fetch_add(1, Ordering::Relaxed),
        };
        stream = None;
    }
}

/// Writes `request`, reads one response with a `content-length` body; returns its status. Bytes of
/// a next response already read stay in `buf`.
async fn exchange(
    stream: &mut TcpStream,
    request: &[u8],
    buf: &mut Vec<u8>,
) -> std::io::Result<u16> {
    stream.write_all(request).await?;
    loop {
        let mut headers = [httparse::EMPTY_HEADER; 16];
        let mut res = httparse::Response::new(&mut headers);
        if let httparse::Status::Complete(head) = res.parse(buf).map_err(std::io::Error::other)? {
            let status = res.code.unwrap_or(0);
            let body: usize = res
                .headers
                .iter()
                .find(|h| h.name.eq_ignore_ascii_case("content-length"))
                .and_then(|h| std::str::from_utf8(h.value).ok()?.parse().ok())
                .ok_or_else(|| std::io::Error::other("no content-length"))?;
            while buf.len() < head + body {
                read_more(stream, buf).await?;
            }
            buf.drain(..head + body);
            return Ok(status);
        }
        read_more(stream, buf).await?;
    }
}

async fn read_more(stream: &mut TcpStream, buf: &mut Vec<u8>) -> std::io::Result<()> {
    if stream.read_buf(buf).await? == 0 {
        return Err(std::io::ErrorKind::UnexpectedEof.into());
    }
    Ok(())
}

/// `GET /metrics` on a new connection: the Prometheus text.
async fn scrape(addr: SocketAddr) -> String {
    let mut stream = TcpStream::connect(addr)
        .await
        .expect("connect for /metrics");
    let request = format!("GET /metrics HTTP/1.1\r\nhost: {addr}\r\nconnection: close\r\n\r\n");
    stream
        .write_all(request.as_bytes())
        .await
        .expect("send /metrics");
    let mut response = Vec::new();
    stream
        .read_to_end(&mut response)
        .await
        .expect("read /metrics");
    String::from_utf8_lossy(&response).into_owned()
}
