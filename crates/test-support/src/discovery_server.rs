//! A real OpenID Connect discovery server on loopback for end-to-end tests (feature `server`).
//!
//! An axum app bound to `127.0.0.1:0` that answers `GET <any path>/.well-known/openid-configuration`
//! with a discovery document `{"issuer": ..., "jwks_uri": ...}` (by default the issuer is
//! [`DiscoveryServer::base_url`]), counts those requests and remembers their paths, and can be
//! switched to another document, to an error status (outage), held (the answer waits until
//! [`DiscoveryServer::release`]) or shut down (connection refused). Every other path is a 404
//! and is not counted.
//!
//! ```no_run
//! # async fn run() {
//! use test_support::discovery_server::DiscoveryServer;
//! let server = DiscoveryServer::start("http://127.0.0.1:1/.well-known/jwks.json").await;
//! let issuer = server.issuer(); // http://127.0.0.1:<port>
//! server.fail_with(500); // outage
//! server.recover();
//! server.hold(); // requests wait (counted) until release()
//! server.release();
//! assert_eq!(server.requests(), 0);
//! server.shutdown().await; // connection refused from now on
//! # let _ = issuer;
//! # }
//! ```

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU16, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// The path (under the issuer) a discovery document is served at.
pub const DISCOVERY_PATH: &str = "/.well-known/openid-configuration";

struct Shared {
    document: Mutex<Value>,
    /// 0: serve the document; otherwise answer with this status.
    fail_status: AtomicU16,
    /// While set, requests wait (after being counted) until [`DiscoveryServer::release`].
    held: AtomicBool,
    requests: AtomicUsize,
    paths: Mutex<Vec<String>>,
}

/// A running discovery server. Dropping it stops accepting new connections.
pub struct DiscoveryServer {
    addr: SocketAddr,
    shared: Arc<Shared>,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for DiscoveryServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DiscoveryServer")
            .field("addr", &self.addr)
            .finish()
    }
}

impl DiscoveryServer {
    /// Start on `127.0.0.1:0`, serving `{"issuer": <base_url>, "jwks_uri": jwks_uri}`.
    pub async fn start(jwks_uri: &str) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let shared = Arc::new(Shared {
            document: Mutex::new(json!({
                "issuer": format!("http://{addr}"),
                "jwks_uri": jwks_uri,
            })),
            fail_status: AtomicU16::new(0),
            held: AtomicBool::new(false),
            requests: AtomicUsize::new(0),
            paths: Mutex::new(Vec::new()),
        });
        let (tx, rx) = oneshot::channel::<()>();
        let task = tokio::spawn(run(listener, Arc::clone(&shared), rx));
        DiscoveryServer {
            addr,
            shared,
            shutdown: Some(tx),
            task: Some(task),
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

    /// The issuer the document names by default: [`DiscoveryServer::base_url`].
    pub fn issuer(&self) -> String {
        self.base_url()
    }

    /// `http://127.0.0.1:<port>/.well-known/openid-configuration`.
    pub fn url(&self) -> String {
        format!("http://{}{DISCOVERY_PATH}", self.addr)
    }

    /// Name this `issuer` in the document from now on (keeping its `jwks_uri`).
    pub fn set_issuer(&self, issuer: &str) {
        self.shared.document.lock().unwrap()["issuer"] = json!(issuer);
    }

    /// Name this `jwks_uri` in the document from now on (keeping its `issuer`).
    pub fn set_jwks_uri(&self, jwks_uri: &str) {
        self.shared.document.lock().unwrap()["jwks_uri"] = json!(jwks_uri);
    }

    /// Serve exactly this document from now on.
    pub fn set_document(&self, document: Value) {
        *self.shared.document.lock().unwrap() = document;
    }

    /// The document currently served.
    pub fn document(&self) -> Value {
        self.shared.document.lock().unwrap().clone()
    }

    /// Answer every request with `status` (for example 500) until [`DiscoveryServer::recover`].
    pub fn fail_with(&self, status: u16) {
        assert!(status >= 400, "fail_with needs an error status");
        self.shared.fail_status.store(status, Ordering::SeqCst);
    }

    /// Serve the document again.
    pub fn recover(&self) {
        self.shared.fail_status.store(0, Ordering::SeqCst);
    }

    /// Hold every request from now on (counted, not answered) until [`DiscoveryServer::release`].
    pub fn hold(&self) {
        self.shared.held.store(true, Ordering::SeqCst);
    }

    /// Answer the held requests (with the document current now) and stop holding.
    pub fn release(&self) {
        self.shared.held.store(false, Ordering::SeqCst);
    }

    /// How many discovery requests the server has received (answered, failed or held).
    pub fn requests(&self) -> usize {
        self.shared.requests.load(Ordering::SeqCst)
    }

    /// The paths of those requests, in order.
    pub fn paths(&self) -> Vec<String> {
        self.shared.paths.lock().unwrap().clone()
    }

    /// Stop the server: the listener is closed and open connections are shut down, so later
    /// fetches see "connection refused".
    pub async fn shutdown(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(task) = self.task.take()
            && tokio::time::timeout(Duration::from_secs(5), task)
                .await
                .is_err()
        {
            panic!("the discovery server did not shut down within 5 s");
        }
    }
}

impl Drop for DiscoveryServer {
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

async fn serve(State(shared): State<Arc<Shared>>, request: Request) -> Response {
    let path = request.uri().path().to_owned();
    if !path.ends_with(DISCOVERY_PATH) {
        return (StatusCode::NOT_FOUND, "not found").into_response();
    }
    shared.requests.fetch_add(1, Ordering::SeqCst);
    shared.paths.lock().unwrap().push(path);
    while shared.held.load(Ordering::SeqCst) {
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    let fail = shared.fail_status.load(Ordering::SeqCst);
    if fail != 0 {
        let status = StatusCode::from_u16(fail).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        return (status, "unavailable").into_response();
    }
    let body = shared.document.lock().unwrap().to_string();
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        body,
    )
        .into_response()
}
