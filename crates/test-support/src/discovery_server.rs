//! A real OpenID Connect discovery server on loopback for end-to-end tests (feature `server`).
//!
//! A [`JwksServer`] serving a discovery document `{"issuer": ..., "jwks_uri": ...}` instead of a
//! key set (by default the issuer is [`DiscoveryServer::base_url`]): it counts requests and
//! remembers their paths, and can be switched to another document, to an error status (outage),
//! held (the answer waits until [`DiscoveryServer::release`]) or shut down (connection refused).
//!
//! ```no_run
//! # async fn run() {
//! use test_support::discovery_server::DiscoveryServer;
//! let server = DiscoveryServer::start("http://127.0.0.1:1/.well-known/jwks.json").await;
//! let issuer = server.base_url(); // http://127.0.0.1:<port>
//! server.fail_with(500); // outage
//! server.recover();
//! server.hold(); // requests wait (counted) until release()
//! server.release();
//! assert_eq!(server.requests(), 0);
//! server.shutdown().await; // connection refused from now on
//! # let _ = issuer;
//! # }
//! ```

use std::sync::Mutex;

use serde_json::{Value, json};

use crate::jwks_server::JwksServer;

/// The path (under the issuer) a discovery document is served at.
pub const DISCOVERY_PATH: &str = "/.well-known/openid-configuration";

/// A running discovery server. Dropping it stops accepting new connections.
#[derive(Debug)]
pub struct DiscoveryServer {
    server: JwksServer,
    document: Mutex<Value>,
}

impl DiscoveryServer {
    /// Start on `127.0.0.1:0`, serving `{"issuer": <base_url>, "jwks_uri": jwks_uri}`.
    pub async fn start(jwks_uri: &str) -> Self {
        let server = JwksServer::start(Value::Null).await;
        let document = json!({"issuer": server.base_url(), "jwks_uri": jwks_uri});
        server.set_jwks(document.clone());
        DiscoveryServer {
            server,
            document: Mutex::new(document),
        }
    }

    /// `http://127.0.0.1:<port>` (the default issuer).
    pub fn base_url(&self) -> String {
        self.server.base_url()
    }

    /// Set one member of the document and serve it.
    fn set(&self, member: &str, value: &str) {
        let mut document = self.document.lock().unwrap();
        document[member] = json!(value);
        self.server.set_jwks(document.clone());
    }

    /// Serve `issuer` as the document's `issuer`.
    pub fn set_issuer(&self, issuer: &str) {
        self.set("issuer", issuer);
    }

    /// Serve `jwks_uri` as the document's `jwks_uri`.
    pub fn set_jwks_uri(&self, jwks_uri: &str) {
        self.set("jwks_uri", jwks_uri);
    }

    /// Answer every request with `status` (an outage) until [`DiscoveryServer::recover`].
    pub fn fail_with(&self, status: u16) {
        self.server.fail_with(status);
    }

    /// Serve the document again.
    pub fn recover(&self) {
        self.server.recover();
    }

    /// Hold every answer until [`DiscoveryServer::release`] (requests are counted on arrival).
    pub fn hold(&self) {
        self.server.hold();
    }

    /// Let held and later requests through.
    pub fn release(&self) {
        self.server.release();
    }

    /// How many requests the server has received (answered, failed or held).
    pub fn requests(&self) -> usize {
        self.server.requests()
    }

    /// The paths of those requests, in order.
    pub fn paths(&self) -> Vec<String> {
        self.server.paths()
    }

    /// Stop the server: the listener is closed and open connections are shut down, so later
    /// fetches see "connection refused".
    pub async fn shutdown(self) {
        self.server.shutdown().await;
    }
}
