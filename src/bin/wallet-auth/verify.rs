//! `wallet-auth verify`: with a configuration, exactly as the layer would; with `--jwks` or
//! `--secret-file`, the same header rules, signature check and claim checks (see
//! [`crate::generic`]) against an explicit key set.

use std::path::Path;

use serde_json::{Map, Value, json};
use wallet_auth::claims::header::{algorithm_name, parse_algorithm};
use wallet_auth::claims::{
    Algorithm, AlgorithmFamily, DEFAULT_MAX_TOKEN_BYTES, Malformed, Part, UnverifiedToken,
    VerifyError, verify_signature,
};
use wallet_auth::jwks::{
    DEFAULT_MAX_KEYS, DiscoveryError, JwksCache, JwksSource, KeyError, parse_jwks,
};
use wallet_auth::layer::{AuthConfig, AuthError, KeySource, Verifier};

use crate::output::{Failure, print_json, refused, usage, warn};
use crate::{INSPECT_MAX_BYTES, VerifyArgs, generic, now_or, read_token, runtime};

/// HMAC algorithms accepted by `verify --secret-file` when no `--alg` is given.
const SYMMETRIC: [Algorithm; 3] = [Algorithm::HS256, Algorithm::HS384, Algorithm::HS512];

/// Run `verify`.
pub(crate) fn verify(args: VerifyArgs) -> Result<(), Failure> {
    let token = read_token(&args.token)?;
    let now = now_or(args.at);
    if let Some(path) = &args.config {
        return verify_with_config(path, &token, now);
    }
    verify_explicit(&args, &token, now)
}

fn verify_with_config(path: &Path, token: &str, now: i64) -> Result<(), Failure> {
    let config = AuthConfig::from_file(path).map_err(|e| usage(format!("config: {e}")))?;
    let verifier = config
        .build_verifier()
        .map_err(|e| usage(format!("config: {e}")))?;
    let auth = runtime()?.block_on(async {
        discover(&verifier, token).await?;
        match verifier.verify_at(token, now).await {
            Ok(auth) => Ok(auth),
            Err(error) => Err(refused(describe(&verifier, token, &error).await)),
        }
    })?;
    let identity = auth.identity();
    print_json(&json!({
        "provider": auth.provider().as_str(),
        "identity": {
            "user_id": identity.user_id,
            "email": identity.email,
            "wallets": identity.wallets,
        },
        "claims": auth.claims().to_json(),
    }))
}

/// For a token of an `[[oidc]]` issuer with `discovery = true`: fetch its discovery document
/// first, so that one naming another issuer is a configuration error (exit 2) and one that cannot
/// be fetched is named in the refusal (exit 1).
async fn discover(verifier: &Verifier, token: &str) -> Result<(), Failure> {
    let Some(discovered) = UnverifiedToken::parse(token, verifier.max_token_bytes())
        .ok()
        .and_then(
            |parsed| match &verifier.providers().route(&parsed).ok()?.entry.keys {
                KeySource::Discovered(d) => Some(d.clone()),
                _ => None,
            },
        )
    else {
        return Ok(());
    };
    match discovered.refresh().await {
        Ok(_) => Ok(()),
        Err(e @ (DiscoveryError::IssuerMismatch { .. } | DiscoveryError::JwksUri(_))) => {
            Err(usage(format!(
                "config: {} ({}): {e}",
                discovered.issuer(),
                discovered.url()
            )))
        }
        Err(e) => Err(refused(format!(
            "the issuer's keys cannot be found: {} ({e})",
            discovered.url()
        ))),
    }
}

/// The JWKS source the layer used for `token`, when its provider's keys come from one.
fn source_for(verifier: &Verifier, token: &str) -> Option<JwksSource> {
    let parsed = UnverifiedToken::parse(token, verifier.max_token_bytes()).ok()?;
    let route = verifier.providers().route(&parsed).ok()?;
    match &route.entry.keys {
        KeySource::Jwks(source) => Some(source.clone()),
        KeySource::JwksByIssuer(by_issuer) => route
            .issuer
            .as_deref()
            .and_then(|iss| by_issuer.get(iss))
            .cloned(),
        KeySource::Discovered(discovered) => discovered.jwks(),
        _ => None,
    }
}

/// A precise, human reason for a refusal by the layer's verifier.
async fn describe(verifier: &Verifier, token: &str, error: &AuthError) -> String {
    let AuthError::Key(key_error) = error else {
        return error.to_string();
    };
    let Some(source) = source_for(verifier, token) else {
        return key_error.to_string();
    };
    let url = source.url();
    match key_error {
        KeyError::KeysUnavailable => match source.refresh().await {
            Err(fetch) => format!("the keys at {url} are unavailable: {fetch}"),
            Ok(()) => format!("the keys at {url} were unavailable (a retry just succeeded)"),
        },
        other => describe_key_error(other, url, " after refresh", token),
    }
}

fn describe_key_error(error: &KeyError, location: &str, after: &str, token: &str) -> String {
    let alg = UnverifiedToken::parse(token, INSPECT_MAX_BYTES)
        .ok()
        .map(|t| t.header().alg_str().to_owned())
        .unwrap_or_default();
    match error {
        KeyError::NoMatchingKey { kid: Some(kid) } => format!(
            "no key with kid {:?} for {alg} in {location}{after}",
            wallet_auth::claims::error::shorten(kid)
        ),
        KeyError::NoMatchingKey { kid: None } => {
            format!("the token has no kid and no single {alg} key in {location} fits{after}")
        }
        KeyError::AmbiguousKey { kid, candidates } => {
            format!("{candidates} keys in {location} fit kid {kid:?} and {alg}; refusing to guess")
        }
        KeyError::UnsupportedAlgorithm(a) => format!(
            "algorithm {} is never accepted with keys from a JWKS ({location})",
            algorithm_name(*a)
        ),
        other => format!("{other} ({location})"),
    }
}

/// Where `verify --jwks` / `--secret-file` takes its key from.
enum KeyInput {
    Secret(wallet_auth::claims::VerifyingKey),
    JwksFile(String, wallet_auth::jwks::ParsedJwks),
    JwksUrl(JwksSource),
}

/// The algorithms `--alg` allows (default: every public-key algorithm with `--jwks`, every HMAC
/// one with `--secret-file`; the two never mix).
fn allowed_algorithms(args: &VerifyArgs) -> Result<Vec<Algorithm>, Failure> {
    let hmac = args.secret_file.is_some();
    if args.algs.is_empty() {
        return Ok(if hmac {
            SYMMETRIC.to_vec()
        } else {
            [
                AlgorithmFamily::Rsa,
                AlgorithmFamily::Ec,
                AlgorithmFamily::Ed,
            ]
            .iter()
            .flat_map(|f| f.algorithms().iter().copied())
            .collect()
        });
    }
    let mut out = Vec::new();
    for name in &args.algs {
        let alg =
            parse_algorithm(name).map_err(|_| usage(format!("--alg {name}: unknown algorithm")))?;
        if SYMMETRIC.contains(&alg) != hmac {
            return Err(usage(if hmac {
                format!("--alg {name}: a public-key algorithm needs --jwks, not --secret-file")
            } else {
                format!(
                    "--alg {name}: HMAC algorithms need --secret-file; a JWKS never holds shared secrets"
                )
            }));
        }
        out.push(alg);
    }
    Ok(out)
}

fn verify_explicit(args: &VerifyArgs, token: &str, now: i64) -> Result<(), Failure> {
    let allowed = allowed_algorithms(args)?;
    let policy = generic::policy(&args.issuers, &args.audiences, args.leeway)?;
    let input = load_key_input(args)?;
    let parsed = UnverifiedToken::parse(token, DEFAULT_MAX_TOKEN_BYTES).map_err(refused)?;
    let alg = parsed.header().check().map_err(refused)?;
    if !allowed.contains(&alg) {
        return Err(refused(format!(
            "algorithm {} is not accepted here (accepted: {})",
            algorithm_name(alg),
            allowed
                .iter()
                .map(|a| algorithm_name(*a))
                .collect::<Vec<_>>()
                .join(", ")
        )));
    }
    let kid = parsed.header().kid();
    match &input {
        KeyInput::Secret(key) => verify_signature(&parsed, alg, key).map_err(refused)?,
        KeyInput::JwksFile(path, set) => {
            let key = set
                .select(kid, alg)
                .map_err(|e| refused(describe_key_error(&e, path, "", token)))?;
            verify_signature(&parsed, alg, key.verifying_key()).map_err(refused)?;
        }
        KeyInput::JwksUrl(source) => {
            let key = runtime()?.block_on(async {
                match source.key(kid, alg).await {
                    Ok(key) => Ok(key),
                    Err(KeyError::KeysUnavailable) => Err(refused(match source.refresh().await {
                        Err(fetch) => {
                            format!("the keys at {} are unavailable: {fetch}", source.url())
                        }
                        Ok(()) => format!("the keys at {} were unavailable", source.url()),
                    })),
                    Err(e) => Err(refused(describe_key_error(
                        &e,
                        source.url(),
                        " after refresh",
                        token,
                    ))),
                }
            })?;
            verify_signature(&parsed, alg, key.verifying_key()).map_err(refused)?;
        }
    }

    let claims: Map<String, Value> = serde_json::from_slice(parsed.payload())
        .map_err(|_| refused(VerifyError::from(Malformed::Json(Part::Payload))))?;
    if args.signature_only {
        warn(
            "warning: --signature-only: the signature is valid, but NO claim was checked (exp, nbf, iss, aud were ignored)",
        );
        return print_json(&json!({
            "signature": "valid",
            "claims_checked": false,
            "alg": algorithm_name(alg),
            "kid": kid,
            "claims": claims,
        }));
    }
    generic::check(&policy, parsed.payload(), now).map_err(refused)?;
    print_json(&json!({
        "provider": Value::Null,
        "identity": {
            "user_id": claims.get("sub").cloned().unwrap_or(Value::Null),
            "email": claims.get("email").cloned().unwrap_or(Value::Null),
            "wallets": [],
        },
        "claims": claims,
    }))
}

fn load_key_input(args: &VerifyArgs) -> Result<KeyInput, Failure> {
    if let Some(path) = &args.secret_file {
        let secret = std::fs::read(path)
            .map_err(|e| usage(format!("--secret-file {}: {e}", path.display())))?;
        if secret.is_empty() {
            return Err(usage(format!(
                "--secret-file {}: the file is empty",
                path.display()
            )));
        }
        let key = wallet_auth::claims::VerifyingKey::hmac(&secret)
            .map_err(|e| usage(format!("--secret-file {}: {e}", path.display())))?;
        return Ok(KeyInput::Secret(key));
    }
    let Some(location) = &args.jwks else {
        return Err(usage(
            "one of --config, --jwks or --secret-file is required",
        ));
    };
    if location.starts_with("https://") || location.starts_with("http://") {
        let cache = JwksCache::builder()
            .allow_http(args.allow_http)
            .build()
            .map_err(|e| usage(format!("--jwks: {e}")))?;
        let source = cache
            .source(location)
            .map_err(|e| usage(format!("--jwks: {e}")))?;
        return Ok(KeyInput::JwksUrl(source));
    }
    let body = std::fs::read(location).map_err(|e| usage(format!("--jwks {location}: {e}")))?;
    let set = parse_jwks(&body, DEFAULT_MAX_KEYS)
        .map_err(|e| usage(format!("--jwks {location}: {e}")))?;
    for skipped in set.skipped() {
        warn(format_args!("note: {location}: skipped {skipped}"));
    }
    Ok(KeyInput::JwksFile(location.clone(), set))
}
