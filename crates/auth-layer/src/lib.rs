//! The Tower layer that verifies Para, Parra, Sophon, Dynamic, Web3Auth, Privy, any OpenID
//! Connect issuer and providers of your own, with axum extractors and gRPC-correct rejections for
//! tonic.
//!
//! The pipeline, one module per step; none names a provider:
//! 1. [`token_source`]: take the token from the request (bearer, cookie, custom header);
//! 2. [`routing`]: pick the provider from the unverified `iss`;
//! 3. [`key_source`]: find the key (JWKS cache, discovery, static key, HMAC secrets);
//! 4. [`verifier`]: verify under the provider's policy (`claims_core`);
//! 5. [`authenticated`]: expose the claims as a request extension; [`extract`] reads them in axum.
//!
//! [`provider`] holds one module per provider behind the [`provider::Provider`] trait: its
//! configuration table, policy, key source and development tokens.
//!
//! Around it: [`layer`], [`service`], [`future`] (tower-http style), [`rejection`] (401/403/503 or
//! gRPC status), [`require`] (per-route predicates), [`config`] (the TOML format), and
//! [`parra_endpoint`].
//!
//! ```no_run
//! use auth_layer::{AuthConfig, AuthLayer, Identity};
//! use axum::{Router, routing::get};
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let config = AuthConfig::from_file("auth.toml")?;
//! let layer = AuthLayer::from_config(&config)?;
//! layer.verifier().prefetch().await;
//! let app: Router = Router::new()
//!     .route("/me", get(|id: Identity| async move { id.user_id.clone() }))
//!     .layer(layer);
//! # Ok(()) }
//! ```

pub mod authenticated;
pub mod config;
pub mod error;
#[cfg(feature = "axum")]
pub mod extract;
pub mod future;
#[cfg(feature = "tonic")]
pub mod grpc;
pub mod key_source;
pub mod layer;
pub mod metrics;
#[cfg(feature = "axum")]
pub mod parra_endpoint;
pub mod provider;
pub mod rejection;
pub mod require;
pub mod routing;
pub mod service;
pub mod signin;
pub mod token_cache;
pub mod token_source;
pub mod verifier;

pub use authenticated::{AuthLayerPresent, Authenticated, DerivedKey};
pub use config::{AuthConfig, ConfigError};
pub use error::{AuthError, RejectionClass};
#[cfg(feature = "axum")]
pub use extract::{Claims, ExtractRejection, Identity, WalletProof};
pub use key_source::{FoundKey, KeySource};
pub use layer::{AuthLayer, Mode};
#[cfg(feature = "axum")]
pub use parra_endpoint::{PARRA_TOKEN_PATH, ParraTokenEndpoint};
pub use provider::{Provider, ProviderEntry};
pub use rejection::{DefaultRejection, OnRejection, Rejection, RejectionBody};
pub use require::RequireLayer;
pub use service::AuthService;
pub use token_source::TokenSource;
pub use verifier::{Verifier, VerifierBuilder};
