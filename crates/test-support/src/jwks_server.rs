//! A real JWKS HTTP server on loopback for end-to-end tests (feature `server`).
//!
//! An axum app bound to `127.0.0.1:0` that serves a switchable JSON Web Key Set on every path
//! (`GET /.well-known/jwks.json` is the conventional one, see [`JwksServer::url`]), counts the
//! requests it answers, and can be switched to another key set (rotation), to an error status
//! (outage) or shut down (connection refused).
//!
//! ```no_run
//! # async fn run() {
//! use test_support::{EcKey, jwks, jwks_server::JwksServer};
//! let key = EcKey::generate("k1");
//! let server = JwksServer::start(jwks(&[key.jwk()])).await;
//! let url = server.url(); // http://127.0.0.1:<port>/.well-known/jwks.json
//! server.fail_with(500);  // outage
//! server.recover();
//! assert!(server.requests() == 0);
//! server.shutdown().await; // connection refused from now on
//! # let _ = url;
//! # }
//! ```

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU16, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::Value;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// The path [`JwksServer::url`] points at.
pub const JWKS_PATH: &str = "/.well-known/jwks.json";

#[derive(Default)]
struct Shared {
    jwks: Mutex<Value>,
    cache_control: Mutex<Option<String>>,
    /// 0: serve the key set; otherwise answer with this status.
    fail_status: AtomicU16,
    /// Milliseconds to wait (real time, on the server's runtime) before answering.
    delay_ms: AtomicU64,
    /// While set, requests wait (after being counted) until [`JwksServer::release`].
    held: std::sync::atomic::AtomicBool,
    requests: AtomicUsize,
    /// The path of every request answered, in order.
    paths: Mutex<Vec<String>>,
}

/// A running JWKS server. Dropping it stops accepting new connections.
pub struct JwksServer {
    addr: SocketAddr,
    shared: Arc<Shared>,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for JwksServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JwksServer")
            .field("addr", &self.addr)
            .finish()
    }
}

impl JwksServer {
    /// Start serving `jwks` (a `{"keys": [...]}` document) on `127.0.0.1:0`.
    pub async fn start(jwks: Value) -> Self {
        let shared = Arc::new(Shared {
            jwks: Mutex::new(jwks),
            ..Shared::default()
        });
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (tx, rx) = oneshot::channel::<()>();
        let task = tokio::spawn(run(listener, Arc::clone(&shared), rx));
        JwksServer {
            addr,
            shared,
            shutdown: Some(tx),
            task: Some(task),
        }
    }

    /// Like [`JwksServer::start`], but on a thread and runtime of its own, so that a test may
    /// pause its clock (and [`JwksServer::delay`] is real time whatever the test's clock does).
    pub fn start_on_own_thread(jwks: Value) -> Self {
        let shared = Arc::new(Shared {
            jwks: Mutex::new(jwks),
            ..Shared::default()
        });
        let (tx, rx) = oneshot::channel::<()>();
        let (addr_tx, addr_rx) = std::sync::mpsc::channel();
        let state = Arc::clone(&shared);
        std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async move {
                let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
                addr_tx.send(listener.local_addr().unwrap()).unwrap();
                run(listener, state, rx).await;
            });
        });
        JwksServer {
            addr: addr_rx.recv().unwrap(),
            shared,
            shutdown: Some(tx),
            task: None,
        }
    }

    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:<port>`.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// `http://127.0.0.1:<port>/.well-known/jwks.json`.
    pub fn url(&self) -> String {
        self.url_for(JWKS_PATH)
    }

    /// The URL of `path` on this server (every path serves the same key set).
    pub fn url_for(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// Serve `jwks` from now on (key rotation).
    pub fn set_jwks(&self, jwks: Value) {
        *self.shared.jwks.lock().unwrap() = jwks;
    }

    /// Serve these JWKs from now on.
    pub fn set_keys(&self, keys: &[Value]) {
        self.set_jwks(crate::jwks(keys));
    }

    /// The key set currently served.
    pub fn current_jwks(&self) -> Value {
        self.shared.jwks.lock().unwrap().clone()
    }

    /// Send this `Cache-Control` value with the key set (`None`: no header, the default).
    pub fn set_cache_control(&self, value: Option<&str>) {
        *self.shared.cache_control.lock().unwrap() = value.map(str::to_owned);
    }

    /// Answer every request with `status` (for example 500) until [`JwksServer::recover`].
    pub fn fail_with(&self, status: u16) {
        assert!(status >= 400, "fail_with needs an error status");
        self.shared.fail_status.store(status, Ordering::SeqCst);
    }

    /// Serve the key set again.
    pub fn recover(&self) {
        self.shared.fail_status.store(0, Ordering::SeqCst);
    }

    /// Hold every request from now on (counted, not answered) until [`JwksServer::release`].
    pub fn hold(&self) {
        self.shared.held.store(true, Ordering::SeqCst);
    }

    /// Answer the held requests (with the key set current now) and stop holding.
    pub fn release(&self) {
        self.shared.held.store(false, Ordering::SeqCst);
    }

    /// Wait this long before answering each request from now on (a slow or hanging endpoint);
    /// the answer is the key set (or failure) current when the wait ends. `Duration::ZERO`: answer
    /// at once again.
    pub fn delay(&self, delay: Duration) {
        let ms = u64::try_from(delay.as_millis()).unwrap_or(u64::MAX);
        self.shared.delay_ms.store(ms, Ordering::SeqCst);
    }

    /// How many requests the server has answered (key set or error).
    pub fn requests(&self) -> usize {
        self.shared.requests.load(Ordering::SeqCst)
    }

    /// The paths of the requests counted by [`JwksServer::requests`], in order.
    pub fn paths(&self) -> Vec<String> {
        self.shared.paths.lock().unwrap().clone()
    }

    /// Stop the server: the listener is closed and open connections are shut down, so later
    /// fetches see "connection refused".
    pub async fn shutdown(mut self) {
        self.stop().await;
    }

    async fn stop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(task) = self.task.take() {
            // Idle keep-alive connections close at once; give in-flight ones a moment.
            if tokio::time::timeout(Duration::from_secs(5), task)
                .await
                .is_err()
            {
                panic!("the JWKS server did not shut down within 5 s");
            }
        }
    }
}

impl Drop for JwksServer {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

async fn run(listener: tokio::net::TcpListener, shared: Arc<Shared>, stop: oneshot::Receiver<()>) {
    let app = Router::new().fallback(serve).with_state(shared);
    axum::serve(listener, app)
        .with_graceful_shutdown(async {
            let _ = stop.await;
        })
        .await
        .unwrap();
}

async fn serve(State(shared): State<Arc<Shared>>, uri: axum::http::Uri) -> Response {
    shared.requests.fetch_add(1, Ordering::SeqCst);
    shared.paths.lock().unwrap().push(uri.path().to_owned());
    while shared.held.load(Ordering::SeqCst) {
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    let delay = shared.delay_ms.load(Ordering::SeqCst);
    if delay > 0 {
        tokio::time::sleep(Duration::from_millis(delay)).await;
    }
    let fail = shared.fail_status.load(Ordering::SeqCst);
    if fail != 0 {
        let status = StatusCode::from_u16(fail).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        return (status, "unavailable").into_response();
    }
    let body = shared.jwks.lock().unwrap().to_string();
    let mut response = (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        body,
    )
        .into_response();
    if let Some(cc) = shared.cache_control.lock().unwrap().clone() {
        response
            .headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_str(&cc).unwrap());
    }
    response
}

/// A loopback URL where nothing listens (a port bound then released): fetching it is refused.
pub async fn closed_url() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    format!("http://{addr}{JWKS_PATH}")
}
