//! auth-layer
