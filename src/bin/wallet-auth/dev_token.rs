//! `wallet-auth dev-token`: mint a token from the development issuer (local testing only).

use std::path::Path;

use serde_json::Value;
use wallet_auth::claims::ProviderId;
use wallet_auth::dev::DevIssuer;

use crate::output::{Failure, Text, usage};

/// Mint a `provider` token with `claims` merged over the defaults, from the issuer in `state`.
pub(crate) fn dev_token(
    provider: &str,
    claims: Option<&str>,
    state: Option<&Path>,
) -> Result<(), Failure> {
    if ProviderId::builtin(provider).is_none() {
        let names: Vec<String> = ProviderId::BUILTIN
            .iter()
            .map(ToString::to_string)
            .collect();
        return Err(usage(format!(
            "--provider {provider:?}: expected one of {}",
            names.join(", ")
        )));
    }
    let extra: Option<Value> = claims
        .map(serde_json::from_str)
        .transpose()
        .map_err(|e| usage(format!("--claims: not JSON: {e}")))?;
    if extra.as_ref().is_some_and(|v| !v.is_object()) {
        return Err(usage("--claims: must be a JSON object"));
    }
    let path = state.map_or_else(DevIssuer::default_state_path, Path::to_path_buf);
    let issuer = DevIssuer::load_or_generate(&path).map_err(usage)?;
    let token = issuer
        .token(provider, extra.as_ref(), wallet_auth::claims::now())
        .map_err(usage)?;
    let mut out = Text::default();
    out.line(token);
    out.print()
}
