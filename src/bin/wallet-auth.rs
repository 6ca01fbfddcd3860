//! The `wallet-auth` command line, for the person debugging "why is my token rejected?".
//!
//! - `wallet-auth inspect TOKEN|-`: decode without verifying (clearly labelled UNVERIFIED);
//! - `wallet-auth verify --config FILE TOKEN`: verify exactly as the layer would with that config;
//! - `wallet-auth verify --jwks FILE_OR_URL | --secret-file FILE [--alg ALG]... [--iss ISS]
//!   [--aud AUD] [--signature-only] TOKEN`: verify against an arbitrary key set;
//! - `wallet-auth keys URL`: list a JWKS's keys and why any was skipped;
//! - `wallet-auth dev-token [--provider P] [--claims JSON]`: mint a token from the development issuer.
//!
//! Exit codes: 0 success, 1 token refused (or keys unobtainable), 2 usage or configuration error.

use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use clap::{ArgGroup, Args, Parser, Subcommand};
use serde_json::{Map, Value, json};
use wallet_auth::claims::header::{algorithm_name, parse_algorithm};
use wallet_auth::claims::policy::{
    DYNAMIC_ISSUER_HOSTS, PARRA_CONTENT_TYPE, SOPHON_ISSUER, WEB3AUTH_EXTERNAL_WALLET_ISSUER,
    WEB3AUTH_ISSUER,
};
use wallet_auth::claims::{
    Algorithm, AlgorithmFamily, DEFAULT_MAX_TOKEN_BYTES, DecodingKey, Malformed, Part,
    UnverifiedToken, VerifyError, verify_signature,
};
use wallet_auth::jwks::{DEFAULT_MAX_KEYS, JwksCache, JwksSource, KeyError, parse_jwks};
use wallet_auth::layer::{AuthConfig, AuthError, KeySource, Verifier};

/// The largest token `inspect` decodes (the verifier's own cap is reported separately).
const INSPECT_MAX_BYTES: usize = 1024 * 1024;

/// HMAC algorithms accepted by `verify --secret-file` when no `--alg` is given.
const SYMMETRIC: [Algorithm; 3] = [Algorithm::HS256, Algorithm::HS384, Algorithm::HS512];

#[derive(Parser)]
#[command(
    name = "wallet-auth",
    version,
    about = "Inspect and verify Para, Parra, Sophon, Dynamic and Web3Auth identity tokens.",
    long_about = "Inspect and verify Para, Parra, Sophon, Dynamic and Web3Auth identity tokens.\n\n\
                  Exit codes: 0 success, 1 token refused (or keys could not be fetched), 2 usage or configuration error."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Decode a token WITHOUT verifying it: header, claims, provider, human times.
    Inspect {
        /// The token, or `-` to read it from stdin.
        token: String,
        /// Show times relative to this moment (seconds since the epoch) instead of now.
        #[arg(long, value_name = "UNIX_SECONDS")]
        at: Option<i64>,
    },
    /// Verify a token with a configuration file (exactly as the layer would) or an explicit key set.
    Verify(VerifyArgs),
    /// Fetch a JWKS and list its keys, and why any key was skipped.
    Keys {
        /// The JWKS URL (https://; http:// only with --allow-http).
        url: String,
        /// Allow a plain http:// URL (local testing only).
        #[arg(long)]
        allow_http: bool,
    },
    /// Mint a token from the development issuer (local testing only; never trusted in production).
    DevToken {
        /// The provider whose token shape to mint: para, parra, sophon, dynamic or web3auth.
        #[arg(long, default_value = "para")]
        provider: String,
        /// Extra claims as a JSON object, merged over the defaults (a null member removes one).
        #[arg(long, value_name = "JSON")]
        claims: Option<String>,
        /// The development issuer's state file (default: the one the example server uses, in the
        /// temporary directory; created when missing).
        #[arg(long, value_name = "FILE")]
        state: Option<PathBuf>,
    },
}

#[derive(Args)]
#[command(group(ArgGroup::new("keys").required(true).args(["config", "jwks", "secret_file"])))]
struct VerifyArgs {
    /// The auth-layer TOML configuration: verify exactly as the layer would.
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// A JWKS file or URL to take the key from.
    #[arg(long, value_name = "FILE_OR_URL")]
    jwks: Option<String>,
    /// A file whose raw bytes are the HMAC secret (no trimming, no decoding).
    #[arg(long, value_name = "FILE")]
    secret_file: Option<PathBuf>,
    /// An accepted algorithm (repeatable). Default: every public-key algorithm with --jwks,
    /// HS256/HS384/HS512 with --secret-file.
    #[arg(long = "alg", value_name = "ALG", conflicts_with = "config")]
    algs: Vec<String>,
    /// An accepted issuer (repeatable); when given, `iss` must be one of them.
    #[arg(long = "iss", value_name = "ISS", conflicts_with = "config")]
    issuers: Vec<String>,
    /// An accepted audience (repeatable); when given, `aud` must contain one of them.
    #[arg(long = "aud", value_name = "AUD", conflicts_with = "config")]
    audiences: Vec<String>,
    /// Clock leeway for exp/nbf in seconds (with --jwks or --secret-file).
    #[arg(
        long,
        value_name = "SECONDS",
        default_value_t = 60,
        conflicts_with = "config"
    )]
    leeway: u64,
    /// Check only the header, the key choice and the signature: NO claim is checked.
    #[arg(long, conflicts_with = "config")]
    signature_only: bool,
    /// Allow a plain http:// JWKS URL (local testing only).
    #[arg(long, conflicts_with = "config")]
    allow_http: bool,
    /// Verify as of this time (seconds since the epoch) instead of now.
    #[arg(long, value_name = "UNIX_SECONDS")]
    at: Option<i64>,
    /// The token, or `-` to read it from stdin.
    token: String,
}

/// Why a command did not succeed.
enum Failure {
    /// The token was refused, or could not be verified (exit 1).
    Refused(String),
    /// Bad usage or configuration (exit 2).
    Usage(String),
}

fn usage(message: impl std::fmt::Display) -> Failure {
    Failure::Usage(message.to_string())
}

fn refused(message: impl std::fmt::Display) -> Failure {
    Failure::Refused(message.to_string())
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Inspect { token, at } => inspect(&token, at),
        Command::Verify(args) => verify(args),
        Command::Keys { url, allow_http } => keys(&url, allow_http),
        Command::DevToken {
            provider,
            claims,
            state,
        } => dev_token(&provider, claims.as_deref(), state.as_deref()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Refused(message)) => {
            eprintln!("error: {}", one_line(&message));
            ExitCode::from(1)
        }
        Err(Failure::Usage(message)) => {
            eprintln!("error: {}", one_line(&message));
            ExitCode::from(2)
        }
    }
}

fn one_line(message: &str) -> String {
    message.replace(['\n', '\r'], " ")
}

fn runtime() -> Result<tokio::runtime::Runtime, Failure> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| usage(format!("cannot start the async runtime: {e}")))
}

/// The token from the argument, or from stdin for `-` (surrounding whitespace removed).
fn read_token(arg: &str) -> Result<String, Failure> {
    if arg != "-" {
        return Ok(arg.to_owned());
    }
    let mut text = String::new();
    std::io::stdin()
        .take(INSPECT_MAX_BYTES as u64 + 1)
        .read_to_string(&mut text)
        .map_err(|e| usage(format!("cannot read the token from stdin: {e}")))?;
    let token = text.trim();
    if token.is_empty() {
        return Err(usage("no token on stdin"));
    }
    Ok(token.to_owned())
}

fn now_or(at: Option<i64>) -> i64 {
    at.unwrap_or_else(wallet_auth::claims::now)
}

fn print_json(value: &Value) {
    println!(
        "{}",
        serde_json::to_string_pretty(value).unwrap_or_else(|_| value.to_string())
    );
}

// ---------------------------------------------------------------------------------------------
// inspect

fn inspect(arg: &str, at: Option<i64>) -> Result<(), Failure> {
    let raw = read_token(arg)?;
    let now = now_or(at);
    let token = UnverifiedToken::parse(&raw, INSPECT_MAX_BYTES)
        .map_err(|e| refused(format!("cannot decode the token: {e}")))?;
    let header: Value = raw
        .split('.')
        .next()
        .and_then(|h| URL_SAFE_NO_PAD.decode(h).ok())
        .and_then(|h| serde_json::from_slice(&h).ok())
        .unwrap_or(Value::Null);
    let claims: Option<Value> = serde_json::from_slice(token.payload()).ok();

    println!("UNVERIFIED: decoded only. The signature and the claims have NOT been checked.");
    println!();
    println!("header:");
    print_json(&header);
    println!();
    println!("claims:");
    match &claims {
        Some(c) => print_json(c),
        None => println!(
            "(not JSON) {:?}",
            String::from_utf8_lossy(token.payload())
                .chars()
                .take(200)
                .collect::<String>()
        ),
    }
    println!();
    let obj = claims.as_ref().and_then(Value::as_object);
    println!("provider: {}", guess_provider(&token, obj));
    match token.header().check() {
        Ok(alg) => println!("header rules: pass (alg {})", algorithm_name(alg)),
        Err(e) => println!("header rules: would be refused: {e}"),
    }
    if raw.len() > DEFAULT_MAX_TOKEN_BYTES {
        println!(
            "size: {} bytes; would be refused by the default {DEFAULT_MAX_TOKEN_BYTES}-byte cap",
            raw.len()
        );
    } else {
        println!("size: {} bytes", raw.len());
    }
    println!("now: {now} ({})", utc(now));
    for (name, label) in [("iat", "issued"), ("nbf", "valid from"), ("exp", "expires")] {
        match obj.and_then(|o| o.get(name)) {
            None => {
                if name == "exp" {
                    println!("exp: missing (every provider requires it)");
                }
            }
            Some(v) => match v.as_i64() {
                Some(t) => println!("{name}: {t} ({}, {})", utc(t), relative(label, t, now)),
                None => println!("{name}: {v} (not a number: would be refused)"),
            },
        }
    }
    Ok(())
}

/// Which provider the token would be routed to, judged from the unverified header and `iss`.
fn guess_provider(token: &UnverifiedToken<'_>, claims: Option<&Map<String, Value>>) -> String {
    if token.header().cty() == Some(PARRA_CONTENT_TYPE) {
        return format!("parra (cty {PARRA_CONTENT_TYPE:?})");
    }
    let Some(claims) = claims else {
        return "unknown (the payload is not a JSON object)".into();
    };
    match claims.get("iss") {
        None => "para (no iss; para is the issuer-less provider)".into(),
        Some(Value::String(iss)) => {
            if iss == SOPHON_ISSUER {
                format!("sophon (iss {iss:?})")
            } else if iss == WEB3AUTH_ISSUER || iss == WEB3AUTH_EXTERNAL_WALLET_ISSUER {
                format!("web3auth (iss {iss:?})")
            } else if let Some(env) = DYNAMIC_ISSUER_HOSTS.iter().find_map(|host| {
                iss.strip_prefix(host)
                    .and_then(|rest| rest.strip_prefix('/'))
            }) {
                format!("dynamic (environment {env:?})")
            } else {
                format!(
                    "unknown (iss {:?} matches no preset; a parra API key id or a custom issuer?)",
                    wallet_auth::claims::error::shorten(iss)
                )
            }
        }
        Some(other) => format!("unknown (iss is not a string: {other})"),
    }
}

fn span(seconds: i64) -> String {
    let s = seconds.unsigned_abs();
    match s {
        0..60 => format!("{s} s"),
        60..3600 => format!("{} min", s / 60),
        3600..172_800 => format!("{} h {} min", s / 3600, (s % 3600) / 60),
        _ => format!("{} days", s / 86_400),
    }
}

fn relative(label: &str, t: i64, now: i64) -> String {
    let d = t.saturating_sub(now);
    match (label, d >= 0) {
        ("expires", false) => format!("expired {} ago", span(d)),
        ("expires", true) => format!("expires in {}", span(d)),
        ("issued", true) if d > 0 => format!("issued in the future, in {}", span(d)),
        ("issued", _) => format!("issued {} ago", span(d)),
        (_, true) if d > 0 => format!("not valid yet, valid in {}", span(d)),
        (_, _) => format!("valid since {} ago", span(d)),
    }
}

/// `YYYY-MM-DDTHH:MM:SSZ` for seconds since the epoch (proleptic Gregorian, UTC).
fn utc(t: i64) -> String {
    let days = t.div_euclid(86_400);
    let secs = t.rem_euclid(86_400);
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        secs / 3600,
        (secs % 3600) / 60,
        secs % 60
    )
}

// ---------------------------------------------------------------------------------------------
// verify

fn verify(args: VerifyArgs) -> Result<(), Failure> {
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
    runtime()?.block_on(async {
        match verifier.verify_at(token, now).await {
            Ok(auth) => {
                let identity = auth.identity();
                print_json(&json!({
                    "provider": auth.provider().as_str(),
                    "identity": {
                        "user_id": identity.user_id,
                        "email": identity.email,
                        "wallets": identity.wallets,
                    },
                    "claims": auth.claims().to_json(),
                }));
                Ok(())
            }
            Err(error) => Err(refused(describe(&verifier, token, &error).await)),
        }
    })
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
    Secret(DecodingKey),
    JwksFile(String, wallet_auth::jwks::ParsedJwks),
    JwksUrl(JwksSource),
}

fn verify_explicit(args: &VerifyArgs, token: &str, now: i64) -> Result<(), Failure> {
    let hmac = args.secret_file.is_some();
    let allowed: Vec<Algorithm> = if args.algs.is_empty() {
        if hmac {
            SYMMETRIC.to_vec()
        } else {
            // Every public-key algorithm (RSA, EC, Ed); HMAC never mixes in.
            [
                AlgorithmFamily::Rsa,
                AlgorithmFamily::Ec,
                AlgorithmFamily::Ed,
            ]
            .iter()
            .flat_map(|f| f.algorithms().iter().copied())
            .collect()
        }
    } else {
        let mut out = Vec::new();
        for name in &args.algs {
            let alg = parse_algorithm(name)
                .map_err(|_| usage(format!("--alg {name}: unknown algorithm")))?;
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
        out
    };

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
            let rt = runtime()?;
            let key = rt.block_on(async {
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
        eprintln!(
            "warning: --signature-only: the signature is valid, but NO claim was checked (exp, nbf, iss, aud were ignored)"
        );
        print_json(&json!({
            "signature": "valid",
            "claims_checked": false,
            "alg": algorithm_name(alg),
            "kid": kid,
            "claims": claims,
        }));
        return Ok(());
    }
    check_claims(&claims, args, now).map_err(refused)?;
    print_json(&json!({
        "provider": Value::Null,
        "identity": {
            "user_id": claims.get("sub").cloned().unwrap_or(Value::Null),
            "email": claims.get("email").cloned().unwrap_or(Value::Null),
            "wallets": [],
        },
        "claims": claims,
    }));
    Ok(())
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
        return Ok(KeyInput::Secret(DecodingKey::from_secret(&secret)));
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
        eprintln!("note: {location}: skipped {skipped}");
    }
    Ok(KeyInput::JwksFile(location.clone(), set))
}

/// A numeric date claim: absent, a number (fractions truncated), or the wrong type.
fn numeric(claims: &Map<String, Value>, name: &'static str) -> Result<Option<i64>, VerifyError> {
    match claims.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => n
            .as_i64()
            .or_else(|| n.as_f64().filter(|f| f.is_finite()).map(|f| f as i64))
            .map(Some)
            .ok_or(VerifyError::InvalidClaim { path: name.into() }),
        Some(_) => Err(VerifyError::InvalidClaim { path: name.into() }),
    }
}

fn one_of(values: &[String]) -> String {
    match values {
        [one] => format!("{one:?}"),
        many => format!(
            "one of {}",
            many.iter()
                .map(|v| format!("{v:?}"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// The claim checks of `verify --jwks` / `--secret-file`: `exp` required, `nbf`, then `iss` and
/// `aud` when expected values were given.
fn check_claims(
    claims: &Map<String, Value>,
    args: &VerifyArgs,
    now: i64,
) -> Result<(), VerifyError> {
    use wallet_auth::claims::error::shorten;
    let leeway = i64::try_from(args.leeway).unwrap_or(i64::MAX);
    let exp = numeric(claims, "exp")?.ok_or(VerifyError::MissingClaim("exp"))?;
    if now >= exp.saturating_add(leeway) {
        return Err(VerifyError::Expired {
            exp,
            now,
            leeway: args.leeway,
        });
    }
    if let Some(nbf) = numeric(claims, "nbf")?
        && nbf > now.saturating_add(leeway)
    {
        return Err(VerifyError::NotYetValid { nbf, now });
    }
    numeric(claims, "iat")?;
    if !args.issuers.is_empty() {
        let iss = match claims.get("iss") {
            None => None,
            Some(Value::String(s)) => Some(s.as_str()),
            Some(_) => return Err(VerifyError::InvalidClaim { path: "iss".into() }),
        };
        if !iss.is_some_and(|iss| args.issuers.iter().any(|i| i == iss)) {
            return Err(VerifyError::WrongIssuer {
                found: iss.map(shorten),
                expected: one_of(&args.issuers),
            });
        }
    }
    if !args.audiences.is_empty() {
        let found: Vec<String> = match claims.get("aud") {
            None => Vec::new(),
            Some(Value::String(s)) => vec![s.clone()],
            Some(Value::Array(items)) => {
                let mut out = Vec::new();
                for item in items {
                    match item {
                        Value::String(s) => out.push(s.clone()),
                        _ => return Err(VerifyError::InvalidClaim { path: "aud".into() }),
                    }
                }
                out
            }
            Some(_) => return Err(VerifyError::InvalidClaim { path: "aud".into() }),
        };
        if !found.iter().any(|a| args.audiences.contains(a)) {
            return Err(VerifyError::WrongAudience {
                found: found.iter().take(4).map(|a| shorten(a)).collect(),
                expected: one_of(&args.audiences),
            });
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// keys

fn keys(url: &str, allow_http: bool) -> Result<(), Failure> {
    let cache = JwksCache::builder()
        .allow_http(allow_http)
        .build()
        .map_err(usage)?;
    let source = cache.source(url).map_err(usage)?;
    runtime()?.block_on(async {
        source
            .refresh()
            .await
            .map_err(|e| refused(format!("cannot fetch the JWKS at {url}: {e}")))
    })?;
    let Some(set) = source.current() else {
        return Err(refused(format!("no key set was stored for {url}")));
    };
    println!(
        "{url}: {} usable key(s), {} skipped, cached for {} s",
        set.keys().len(),
        set.skipped().len(),
        set.ttl().as_secs()
    );
    for key in set.keys() {
        let dash = |v: Option<&str>| v.map_or_else(|| "-".to_owned(), |s| format!("{s:?}"));
        println!(
            "key  kid {}  kty {}  alg {}  crv {}  use {}  bits {}{}",
            dash(key.kid()),
            key.kty(),
            key.alg().unwrap_or("-"),
            key.crv().map_or("-", |c| c.as_str()),
            key.key_use().unwrap_or("-"),
            key.rsa_bits()
                .map_or_else(|| "-".to_owned(), |b| b.to_string()),
            key.key_ops()
                .map(|ops| format!("  key_ops {}", ops.join(",")))
                .unwrap_or_default()
        );
    }
    for skipped in set.skipped() {
        println!(
            "skipped  kid {}: {}",
            skipped
                .kid
                .as_deref()
                .map_or_else(|| "-".to_owned(), |k| format!("{k:?}")),
            skipped.reason
        );
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// dev-token

fn dev_token(provider: &str, claims: Option<&str>, state: Option<&Path>) -> Result<(), Failure> {
    use wallet_auth::dev::DevIssuer;
    let provider: wallet_auth::claims::Provider = provider.parse().map_err(|_| {
        usage(format!(
            "--provider {provider:?}: expected one of para, parra, sophon, dynamic, web3auth"
        ))
    })?;
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
    println!("{token}");
    Ok(())
}
