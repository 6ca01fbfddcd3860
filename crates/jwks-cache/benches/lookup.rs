//! Placeholder until the jwks-cache bench lands.
fn main() {}
