//! The `wallet-auth` command line, for the person debugging "why is my token rejected?".
//!
//! - `wallet-auth inspect TOKEN|-`: decode without verifying (clearly labelled UNVERIFIED);
//! - `wallet-auth verify --config FILE TOKEN`: verify exactly as the layer would with that config;
//! - `wallet-auth verify --jwks FILE_OR_URL | --secret-file FILE [--alg ALG]... [--iss ISS]
//!   [--aud AUD] [--signature-only] TOKEN`: verify against an arbitrary key set, with the layer's
//!   own claim checks;
//! - `wallet-auth keys URL`: list a JWKS's keys and why any was skipped;
//! - `wallet-auth dev-token [--provider P] [--claims JSON]`: mint a token from the development issuer;
//! - `wallet-auth dev-siwe [--nonce N]` / `dev-siws`: sign a sign-in message with a development
//!   wallet and print the JSON body of `POST /signin/siwe` / `siws`;
//! - `wallet-auth serve --config FILE [--listen ADDR] [--log-format text|json]`: the forward-auth
//!   service for proxies.
//!
//! Exit codes: 0 success, 1 token refused (or keys unobtainable), 2 usage or configuration error.
//! A closed stdout (`wallet-auth inspect TOKEN | head -1`) ends the output quietly; the exit
//! status stays the command's own.

#[path = "wallet-auth/dev_signin.rs"]
mod dev_signin;
#[path = "wallet-auth/dev_token.rs"]
mod dev_token;
#[path = "wallet-auth/generic.rs"]
mod generic;
#[path = "wallet-auth/inspect.rs"]
mod inspect;
#[path = "wallet-auth/keys.rs"]
mod keys;
#[path = "wallet-auth/output.rs"]
mod output;
#[path = "wallet-auth/serve.rs"]
mod serve;
#[path = "wallet-auth/verify.rs"]
mod verify;

use std::io::Read as _;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{ArgGroup, Args, Parser, Subcommand};

use crate::output::{Failure, usage};

/// The largest token read from stdin or decoded by `inspect` (the verifier's own cap is
/// reported separately).
pub(crate) const INSPECT_MAX_BYTES: usize = 1024 * 1024;

#[derive(Parser)]
#[command(
    name = "wallet-auth",
    version,
    about = "Inspect and verify Para, Parra, Sophon, Dynamic, Web3Auth, Privy, Magic, thirdweb, Turnkey, Farcaster and OpenID Connect identity tokens.",
    long_about = "Inspect and verify Para, Parra, Sophon, Dynamic, Web3Auth, Privy, Magic, thirdweb, Turnkey, Farcaster and OpenID Connect identity tokens.\n\n\
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
        /// The provider whose token shape to mint: para, parra, sophon, dynamic, web3auth, privy, signin, magic, thirdweb, turnkey or farcaster.
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
    /// Sign a Sign-In with Ethereum message with the development wallet (local testing only) and
    /// print the JSON body of `POST /signin/siwe`.
    DevSiwe(dev_signin::DevSigninArgs),
    /// Sign a Sign In With Solana message with the development wallet (local testing only) and
    /// print the JSON body of `POST /signin/siws`.
    DevSiws(dev_signin::DevSigninArgs),
    /// Run the forward-auth service (nginx auth_request, Caddy forward_auth, Envoy ext_authz) on
    /// the configuration's providers, until SIGTERM or SIGINT.
    Serve {
        /// The auth-layer TOML configuration (its `[serve]` table names the identity headers).
        #[arg(long, value_name = "FILE")]
        config: PathBuf,
        /// The address to listen on.
        #[arg(long, value_name = "ADDR", default_value = serve::DEFAULT_LISTEN)]
        listen: String,
        /// Also serve Envoy's gRPC `envoy.service.auth.v3.Authorization/Check` on this address.
        #[arg(long, value_name = "ADDR")]
        grpc_listen: Option<String>,
        /// One line per refusal on stderr: `text` or `json`.
        #[arg(long, value_name = "FORMAT", default_value = "text")]
        log_format: String,
    },
}

/// The arguments of `verify`.
#[derive(Args)]
#[command(group(ArgGroup::new("keys").required(true).args(["config", "jwks", "secret_file"])))]
pub(crate) struct VerifyArgs {
    /// The auth-layer TOML configuration: verify exactly as the layer would.
    #[arg(long, value_name = "FILE")]
    pub(crate) config: Option<PathBuf>,
    /// A JWKS file or URL to take the key from.
    #[arg(long, value_name = "FILE_OR_URL")]
    pub(crate) jwks: Option<String>,
    /// A file whose raw bytes are the HMAC secret (no trimming, no decoding).
    #[arg(long, value_name = "FILE")]
    pub(crate) secret_file: Option<PathBuf>,
    /// An accepted algorithm (repeatable). Default: every public-key algorithm with --jwks,
    /// HS256/HS384/HS512 with --secret-file.
    #[arg(long = "alg", value_name = "ALG", conflicts_with = "config")]
    pub(crate) algs: Vec<String>,
    /// An accepted issuer (repeatable); when given, `iss` must be one of them.
    #[arg(long = "iss", value_name = "ISS", conflicts_with = "config")]
    pub(crate) issuers: Vec<String>,
    /// An accepted audience (repeatable); when given, `aud` must contain one of them.
    #[arg(long = "aud", value_name = "AUD", conflicts_with = "config")]
    pub(crate) audiences: Vec<String>,
    /// Clock leeway for exp/nbf in seconds (with --jwks or --secret-file).
    #[arg(
        long,
        value_name = "SECONDS",
        default_value_t = 60,
        conflicts_with = "config"
    )]
    pub(crate) leeway: u64,
    /// Check only the header, the key choice and the signature: NO claim is checked.
    #[arg(long, conflicts_with = "config")]
    pub(crate) signature_only: bool,
    /// Allow a plain http:// JWKS URL (local testing only).
    #[arg(long, conflicts_with = "config")]
    pub(crate) allow_http: bool,
    /// Verify as of this time (seconds since the epoch) instead of now.
    #[arg(long, value_name = "UNIX_SECONDS")]
    pub(crate) at: Option<i64>,
    /// The token, or `-` to read it from stdin.
    pub(crate) token: String,
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            // Help and version go to stdout, usage errors to stderr; a closed stream is ignored.
            let _ = e.print();
            return ExitCode::from(u8::try_from(e.exit_code()).unwrap_or(2));
        }
    };
    let result = match cli.command {
        Command::Inspect { token, at } => inspect::inspect(&token, at),
        Command::Verify(args) => verify::verify(args),
        Command::Keys { url, allow_http } => keys::keys(&url, allow_http),
        Command::DevToken {
            provider,
            claims,
            state,
        } => dev_token::dev_token(&provider, claims.as_deref(), state.as_deref()),
        Command::DevSiwe(args) => dev_signin::dev_signin(dev_signin::Wallet::Ethereum, &args),
        Command::DevSiws(args) => dev_signin::dev_signin(dev_signin::Wallet::Solana, &args),
        Command::Serve {
            config,
            listen,
            grpc_listen,
            log_format,
        } => serve::serve(&config, &listen, grpc_listen.as_deref(), &log_format),
    };
    output::exit(result)
}

/// A single-threaded async runtime for the commands that fetch keys.
pub(crate) fn runtime() -> Result<tokio::runtime::Runtime, Failure> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| usage(format!("cannot start the async runtime: {e}")))
}

/// The token from the argument, or from stdin for `-` (surrounding whitespace removed).
pub(crate) fn read_token(arg: &str) -> Result<String, Failure> {
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

/// `at`, or the current time.
pub(crate) fn now_or(at: Option<i64>) -> i64 {
    at.unwrap_or_else(wallet_auth::claims::now)
}
