//! `wallet-auth`: verify the identity tokens of Web3 wallet and auth providers in Tower services.
//!
//! This facade re-exports the workspace crates:
//! - [`claims`]: typed claims, the provider-neutral [`claims::Identity`], policies and verification (no I/O);
//! - [`jwks`]: the JSON Web Key Set cache;
//! - [`layer`]: the Tower layer, axum extractors and tonic support, and wallet sign-in's
//!   routes and sessions ([`layer::signin`]);
//! - [`signin`]: Sign-In with Ethereum and Sign In With Solana messages and signatures (no I/O);
//!
//! and owns [`gateway`], the forward-auth service of `wallet-auth serve` (feature `cli`), and
//! [`dev`], the development issuer (feature `dev`).

#[cfg(feature = "dev")]
pub mod dev;
#[cfg(feature = "cli")]
pub mod gateway;

pub use auth_layer as layer;
pub use claims_core as claims;
pub use jwks_cache as jwks;
pub use signin_core as signin;
