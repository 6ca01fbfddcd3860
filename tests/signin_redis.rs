//! `[signin] store = "redis://…"`: two replicas (two configurations parsed separately, the same
//! Redis, the same session key file) share nonces and logouts, against a real `redis-server`
//! started by the test (skipped with a notice when it is not installed, failed under `CI=true`).
//! An outage, a hung server and a cut-off replica are 503s and catch-ups, never "invalid" and
//! never a session.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod redis_support;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use aws_lc_rs::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair};
use axum::routing::get;
use axum::{Json, Router};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use redis_support::{CutProxy, RedisServer, free_port};
use reqwest::StatusCode;
use serde_json::Value;
use test_support::now;
use wallet_auth::dev::{DevMessage, dev_siwe_body};
use wallet_auth::layer::signin::{SigninRoutes, SigninService};
use wallet_auth::layer::{AuthConfig, AuthLayer, Authenticated};

/// Both replicas' `[signin] domain` and `uri`: the messages name these, not a port.
const DOMAIN: &str = "app.example.com";
const URI: &str = "https://app.example.com";

/// A P-256 PKCS#8 PEM session key written to `dir`: both replicas sign and verify with it.
fn session_key_file(dir: &Path) -> PathBuf {
    let der = EcdsaKeyPair::generate_pkcs8(
        &ECDSA_P256_SHA256_FIXED_SIGNING,
        &aws_lc_rs::rand::SystemRandom::new(),
    )
    .unwrap();
    let path = dir.join("session.pem");
    std::fs::write(&path, test_support::pem("PRIVATE KEY", der.as_ref())).unwrap();
    path
}

fn config_toml(store: &str, key_file: &Path) -> String {
    format!(
        "[signin]\ndomain = \"{DOMAIN}\"\nuri = \"{URI}\"\nissuer = \"https://api.example.com\"\n\
         signing_key_files = [{:?}]\nstore = \"{store}\"\n[signin.ethereum]\nchain_ids = [1]\n",
        key_file.display().to_string()
    )
}

/// `GET /me`: who the layer says the token speaks for.
async fn me(auth: Authenticated) -> Json<Value> {
    Json(auth.to_json())
}

/// One replica: its own parsed configuration, sign-in routes and `/me` behind its own layer,
/// served on its own port.
struct Replica {
    base: String,
    client: reqwest::Client,
}

impl Replica {
    async fn start(store: &str, key_file: &Path) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let config = AuthConfig::from_toml_str(&config_toml(store, key_file)).unwrap();
        // One configuration for both: the layer refuses what this replica's store revokes.
        let layer = AuthLayer::from_config(&config).unwrap();
        let service = config.signin_service_connect().await.unwrap().unwrap();
        let app: Router = SigninRoutes::new(service)
            .router()
            .merge(Router::new().route("/me", get(me)).layer(layer));
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        Replica {
            base,
            client: reqwest::Client::builder()
                .no_proxy()
                .timeout(Duration::from_secs(30))
                .build()
                .unwrap(),
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    async fn get_nonce(&self) -> reqwest::Response {
        self.client
            .get(self.url("/signin/nonce"))
            .send()
            .await
            .unwrap()
    }

    async fn nonce(&self) -> String {
        let res = self.get_nonce().await;
        assert_eq!(res.status(), StatusCode::OK);
        let body: Value = res.json().await.unwrap();
        body["nonce"].as_str().unwrap().to_owned()
    }

    async fn siwe(&self, body: &Value) -> reqwest::Response {
        self.client
            .post(self.url("/signin/siwe"))
            .json(body)
            .send()
            .await
            .unwrap()
    }

    async fn me(&self, token: &str) -> StatusCode {
        self.client
            .get(self.url("/me"))
            .bearer_auth(token)
            .send()
            .await
            .unwrap()
            .status()
    }

    async fn logout(&self, token: &str) -> StatusCode {
        self.client
            .post(self.url("/signin/logout"))
            .bearer_auth(token)
            .send()
            .await
            .unwrap()
            .status()
    }
}

/// A SIWE body by the development account for `nonce`, issued now.
fn body(nonce: &str) -> Value {
    dev_siwe_body(&DevMessage::new(DOMAIN, URI, "1", nonce, now())).unwrap()
}

/// Sign in: nonce at `issuer`, message posted to `consumer`; the session token.
async fn sign_in(issuer: &Replica, consumer: &Replica) -> String {
    let res = consumer.siwe(&body(&issuer.nonce().await)).await;
    assert_eq!(res.status(), StatusCode::OK);
    let session: Value = res.json().await.unwrap();
    session["token"].as_str().unwrap().to_owned()
}

/// The `sid` claim of a session token.
fn sid(token: &str) -> String {
    let payload = token.split('.').nth(1).unwrap();
    let claims: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap();
    claims["sid"].as_str().unwrap().to_owned()
}

/// `(status, error code)` of a refusal.
async fn refusal(res: reqwest::Response) -> (StatusCode, String) {
    let status = res.status();
    let body: Value = res.json().await.unwrap_or(Value::Null);
    (
        status,
        body["error"].as_str().unwrap_or_default().to_owned(),
    )
}

/// Poll `/me` at `replica` every 50 ms until it refuses `token` (at most `limit`): how long it
/// took.
async fn refused_within(replica: &Replica, token: &str, limit: Duration) -> Duration {
    let start = Instant::now();
    loop {
        match replica.me(token).await {
            StatusCode::UNAUTHORIZED => return start.elapsed(),
            StatusCode::OK => {}
            other => panic!("/me answered {other} while waiting for the revocation"),
        }
        assert!(
            start.elapsed() < limit,
            "the logout did not reach the replica within {limit:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Wait (at most 10 s) until `n` connections are subscribed to the revocations channel.
async fn wait_for_subscribers(redis: &RedisServer, n: usize) {
    let expected = format!("wallet-auth:revocations {n}");
    let start = Instant::now();
    while redis.command(&["PUBSUB", "NUMSUB", "wallet-auth:revocations"]) != expected {
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "{n} subscribers expected, Redis says {:?}",
            redis.command(&["PUBSUB", "NUMSUB", "wallet-auth:revocations"])
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// A 503 with `Retry-After`, answered within the command timeout (2 s) and some slack.
async fn assert_unavailable(what: &str, started: Instant, res: reqwest::Response) {
    let elapsed = started.elapsed();
    let retry_after = res.headers().get("retry-after").cloned();
    let (status, code) = refusal(res).await;
    assert_eq!(
        status,
        StatusCode::SERVICE_UNAVAILABLE,
        "{what}: {status} {code} (never 200 or 401 while Redis is down)"
    );
    assert_eq!(code, "temporarily_unavailable", "{what}");
    assert!(retry_after.is_some(), "{what}: no Retry-After");
    assert!(
        elapsed < Duration::from_millis(3500),
        "{what}: the 503 took {elapsed:?} (the command timeout is 2 s)"
    );
    eprintln!("{what}: 503 in {} ms", elapsed.as_millis());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_replicas_share_nonces_and_logouts() {
    let Some(redis) = RedisServer::start("two_replicas_share_nonces_and_logouts") else {
        return;
    };
    let dir = test_support::temp_dir("signin-redis");
    let key_file = session_key_file(&dir);
    let a = Replica::start(&redis.url(), &key_file).await;
    let b = Replica::start(&redis.url(), &key_file).await;

    // A nonce issued at A is a key in Redis, with the nonce lifetime.
    let nonce = a.nonce().await;
    let key = format!("wallet-auth:nonce:{nonce}");
    assert_eq!(redis.command(&["EXISTS", &key]), "1");
    let ttl: i64 = redis.command(&["TTL", &key]).parse().unwrap();
    assert!((1..=300).contains(&ttl), "nonce TTL {ttl}");

    // ... consumed at B.
    let signed = body(&nonce);
    let res = b.siwe(&signed).await;
    assert_eq!(res.status(), StatusCode::OK);
    let session: Value = res.json().await.unwrap();
    let token = session["token"].as_str().unwrap().to_owned();
    assert_eq!(redis.command(&["EXISTS", &key]), "0");

    // Replayed at either replica: the nonce is gone.
    for (name, replica) in [("A", &a), ("B", &b)] {
        let (status, code) = refusal(replica.siwe(&signed).await).await;
        assert_eq!(
            (status, code.as_str()),
            (StatusCode::UNAUTHORIZED, "invalid_nonce"),
            "replay at {name}"
        );
    }

    // Both replicas accept the session (same key file).
    assert_eq!(a.me(&token).await, StatusCode::OK);
    assert_eq!(b.me(&token).await, StatusCode::OK);

    // Logout at A: A refuses at once, B within 1 s (its local list, fed by the subscription).
    let sid = sid(&token);
    assert_eq!(a.logout(&token).await, StatusCode::NO_CONTENT);
    let logged_out = Instant::now();
    assert_eq!(a.me(&token).await, StatusCode::UNAUTHORIZED);
    let propagation = refused_within(&b, &token, Duration::from_secs(5)).await;
    let since_logout = logged_out.elapsed();
    eprintln!(
        "logout at A refused at B after {} ms (first refused /me answered {} ms after the \
         logout's 204)",
        propagation.as_millis(),
        since_logout.as_millis()
    );
    assert!(
        since_logout < Duration::from_secs(1),
        "logout propagation took {since_logout:?}"
    );
    let revoked_ttl: i64 = redis
        .command(&["TTL", &format!("wallet-auth:revoked:{sid}")])
        .parse()
        .unwrap();
    // The session's lifetime plus the leeway (60 s) verifiers allow past `exp`.
    assert!(
        (86_400..=86_460).contains(&revoked_ttl),
        "revocation TTL {revoked_ttl}"
    );
    // The sorted set a reloading replica reads holds it, scored by its expiry (exp + leeway).
    let score: i64 = redis
        .command(&["ZSCORE", "wallet-auth:revoked-sessions", &sid])
        .parse()
        .unwrap();
    let now = test_support::now();
    assert!(
        (now + 86_400 - 5..=now + 86_460).contains(&score),
        "score {score}, now {now}"
    );

    // 16 concurrent submissions of one signed message, split across A and B: exactly one session.
    let signed = body(&a.nonce().await);
    let a = std::sync::Arc::new(a);
    let b = std::sync::Arc::new(b);
    let tasks: Vec<_> = (0..16)
        .map(|i| {
            let replica = if i % 2 == 0 { a.clone() } else { b.clone() };
            let signed = signed.clone();
            tokio::spawn(async move { refusal(replica.siwe(&signed).await).await })
        })
        .collect();
    let mut outcomes = Vec::new();
    for task in tasks {
        outcomes.push(task.await.unwrap());
    }
    let ok = outcomes
        .iter()
        .filter(|(status, _)| *status == StatusCode::OK)
        .count();
    assert_eq!(ok, 1, "{outcomes:?}");
    assert!(
        outcomes
            .iter()
            .all(|(status, code)| *status == StatusCode::OK
                || (*status == StatusCode::UNAUTHORIZED && code == "invalid_nonce")),
        "{outcomes:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_down_is_503_and_a_restart_recovers() {
    let Some(mut redis) = RedisServer::start("redis_down_is_503_and_a_restart_recovers") else {
        return;
    };
    let dir = test_support::temp_dir("signin-redis");
    let key_file = session_key_file(&dir);
    let a = Replica::start(&redis.url(), &key_file).await;
    let b = Replica::start(&redis.url(), &key_file).await;
    // A signed message whose nonce is live, to submit during the outage.
    let pending = body(&a.nonce().await);

    redis.stop();
    // Twice each: the first command sees the connection drop, the next waits on the reconnection.
    for round in 0..2 {
        for (name, replica) in [("A", &a), ("B", &b)] {
            let started = Instant::now();
            let res = replica.get_nonce().await;
            assert_unavailable(
                &format!("GET /signin/nonce at {name}, round {round}"),
                started,
                res,
            )
            .await;
            let started = Instant::now();
            let res = replica.siwe(&pending).await;
            assert_unavailable(
                &format!("POST /signin/siwe at {name}, round {round}"),
                started,
                res,
            )
            .await;
        }
    }

    // Restarted on the same port (empty): the connection managers reconnect by themselves.
    redis.restart();
    let restarted = Instant::now();
    loop {
        let res = a.get_nonce().await;
        if res.status() == StatusCode::OK {
            let nonce: Value = res.json().await.unwrap();
            let (status, code) =
                refusal(b.siwe(&body(nonce["nonce"].as_str().unwrap())).await).await;
            if status == StatusCode::OK {
                break;
            }
            assert_eq!(
                status,
                StatusCode::SERVICE_UNAVAILABLE,
                "sign-in at B while it reconnects: {code}"
            );
        } else {
            assert_eq!(res.status(), StatusCode::SERVICE_UNAVAILABLE);
        }
        assert!(
            restarted.elapsed() < Duration::from_secs(20),
            "sign-in did not work again within 20 s of the restart"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    eprintln!(
        "sign-in (nonce at A, message at B) worked again {} ms after the restart",
        restarted.elapsed().as_millis()
    );
    // The other way round, and logouts propagate again once both have subscribed anew.
    let token = sign_in(&b, &a).await;
    wait_for_subscribers(&redis, 2).await;
    assert_eq!(b.me(&token).await, StatusCode::OK);
    assert_eq!(b.logout(&token).await, StatusCode::NO_CONTENT);
    let propagation = refused_within(&a, &token, Duration::from_secs(5)).await;
    eprintln!(
        "after the restart, logout at B refused at A after {} ms",
        propagation.as_millis()
    );
    assert!(propagation < Duration::from_secs(1), "{propagation:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hung_redis_is_503_within_the_command_timeout() {
    let Some(redis) = RedisServer::start("a_hung_redis_is_503_within_the_command_timeout") else {
        return;
    };
    let dir = test_support::temp_dir("signin-redis");
    let key_file = session_key_file(&dir);
    let a = Replica::start(&redis.url(), &key_file).await;
    let pending = body(&a.nonce().await);

    redis.freeze();
    let started = Instant::now();
    let res = a.get_nonce().await;
    assert_unavailable("GET /signin/nonce, Redis frozen", started, res).await;
    let started = Instant::now();
    let res = a.siwe(&pending).await;
    assert_unavailable("POST /signin/siwe, Redis frozen", started, res).await;

    redis.thaw();
    let thawed = Instant::now();
    loop {
        let res = a.get_nonce().await;
        if res.status() == StatusCode::OK {
            let nonce: Value = res.json().await.unwrap();
            let res = a.siwe(&body(nonce["nonce"].as_str().unwrap())).await;
            if res.status() == StatusCode::OK {
                break;
            }
            assert_eq!(res.status(), StatusCode::SERVICE_UNAVAILABLE);
        } else {
            assert_eq!(res.status(), StatusCode::SERVICE_UNAVAILABLE);
        }
        assert!(
            thawed.elapsed() < Duration::from_secs(20),
            "sign-in did not work again within 20 s of the thaw"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // The pending message's nonce was never consumed by the failed attempts.
    assert_eq!(a.siwe(&pending).await.status(), StatusCode::OK);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_replica_cut_off_catches_up_on_reconnect() {
    let Some(redis) = RedisServer::start("a_replica_cut_off_catches_up_on_reconnect") else {
        return;
    };
    let dir = test_support::temp_dir("signin-redis");
    let key_file = session_key_file(&dir);
    // B reaches the same Redis through a proxy the test can cut.
    let proxy = CutProxy::start(redis.port);
    let a = Replica::start(&redis.url(), &key_file).await;
    let b = Replica::start(&proxy.url(), &key_file).await;
    let token = sign_in(&a, &b).await;
    assert_eq!(b.me(&token).await, StatusCode::OK);

    // B is cut off; the logout at A is stored and published, and B cannot hear it.
    proxy.cut();
    assert_eq!(a.logout(&token).await, StatusCode::NO_CONTENT);
    assert_eq!(
        redis.command(&["EXISTS", &format!("wallet-auth:revoked:{}", sid(&token))]),
        "1"
    );
    let deaf = Instant::now();
    while deaf.elapsed() < Duration::from_millis(300) {
        assert_eq!(b.me(&token).await, StatusCode::OK, "B cannot know yet");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    // Reconnected, B subscribes and reloads the revocations it missed (SCAN).
    proxy.restore();
    let caught_up = refused_within(&b, &token, Duration::from_secs(10)).await;
    eprintln!(
        "B refused the session revoked while it was cut off {} ms after the reconnection",
        caught_up.as_millis()
    );
}

/// The ids of the connections subscribed to a channel (`CLIENT LIST`, `sub=1`).
fn subscriber_ids(redis: &RedisServer) -> Vec<String> {
    let mut ids: Vec<String> = redis
        .command(&["CLIENT", "LIST"])
        .lines()
        .filter(|line| line.split(' ').any(|field| field == "sub=1"))
        .filter_map(|line| {
            line.split(' ')
                .find_map(|field| field.strip_prefix("id="))
                .map(str::to_owned)
        })
        .collect();
    ids.sort();
    ids
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_subscription_survives_its_keepalive_ping() {
    let Some(redis) = RedisServer::start("the_subscription_survives_its_keepalive_ping") else {
        return;
    };
    let dir = test_support::temp_dir("signin-redis");
    let key_file = session_key_file(&dir);
    let a = Replica::start(&redis.url(), &key_file).await;
    let b = Replica::start(&redis.url(), &key_file).await;
    let before = subscriber_ids(&redis);
    assert_eq!(before.len(), 2, "{before:?}");
    // The subscription task PINGs every 5 s: past one PING, the same connections, still working.
    tokio::time::sleep(Duration::from_millis(6500)).await;
    assert_eq!(subscriber_ids(&redis), before);
    let token = sign_in(&a, &b).await;
    assert_eq!(a.logout(&token).await, StatusCode::NO_CONTENT);
    let propagation = refused_within(&b, &token, Duration::from_secs(5)).await;
    assert!(propagation < Duration::from_secs(1), "{propagation:?}");
}

#[tokio::test]
async fn store_settings_are_checked() {
    let dir = test_support::temp_dir("signin-redis");
    let key_file = session_key_file(&dir);

    for bad in [
        "postgres://127.0.0.1/db",
        "redis://127.0.0.1:6379/notadb",
        "rediss://cache.example.com/0#insecure",
        "",
    ] {
        let err = AuthConfig::from_toml_str(&config_toml(bad, &key_file))
            .and_then(|config| config.signin_service())
            .unwrap_err();
        assert_eq!(err.field, "signin.store", "{bad:?}: {err}");
        assert!(
            err.message.contains("\"memory\", \"redis://host:port/db\""),
            "{bad:?}: {err}"
        );
    }
    // A password is never repeated.
    let err = AuthConfig::from_toml_str(&config_toml("mysql://user:hunter2@db/x", &key_file))
        .and_then(|config| config.signin_service())
        .unwrap_err();
    assert!(!err.to_string().contains("hunter2"), "{err}");

    // The synchronous constructor refuses Redis (it cannot connect), pointing to `connect`.
    let config =
        AuthConfig::from_toml_str(&config_toml("redis://127.0.0.1:6379/0", &key_file)).unwrap();
    let err = config.signin_service().unwrap_err();
    assert_eq!(err.field, "signin.store");
    assert!(err.message.contains("SigninService::connect"), "{err}");
    // ... while `memory` works with both.
    let config = AuthConfig::from_toml_str(&config_toml("memory", &key_file)).unwrap();
    assert!(config.signin_service().unwrap().is_some());
    let service: SigninService = config.signin_service_connect().await.unwrap().unwrap();
    assert_eq!(service.issuer(), "https://api.example.com");

    // Nothing listening: start-up fails naming `signin.store`, without the password.
    let url = format!("redis://:hunter2@127.0.0.1:{}/0", free_port());
    let config = AuthConfig::from_toml_str(&config_toml(&url, &key_file)).unwrap();
    let started = Instant::now();
    let err = config.signin_service_connect().await.unwrap_err();
    assert_eq!(err.field, "signin.store", "{err}");
    assert!(!err.to_string().contains("hunter2"), "{err}");
    assert!(
        started.elapsed() < Duration::from_secs(11),
        "{:?}",
        started.elapsed()
    );
    eprintln!(
        "connect to a closed port: {err} ({} ms)",
        started.elapsed().as_millis()
    );

    // rediss:// goes through TLS (rustls): a server that hangs up during the handshake is a
    // start-up error too.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            drop(stream);
        }
    });
    let url = format!("rediss://127.0.0.1:{port}/0");
    let config = AuthConfig::from_toml_str(&config_toml(&url, &key_file)).unwrap();
    let err = config.signin_service_connect().await.unwrap_err();
    assert_eq!(err.field, "signin.store", "{err}");
    eprintln!("rediss:// to a server that hangs up: {err}");
}
