//! `wallet-auth dev-siwe` / `dev-siws`: a sign-in message signed by a development wallet, as the
//! JSON body of `POST /signin/siwe` / `siws` (local testing only).

use clap::Args;
use wallet_auth::dev::{DevMessage, dev_siwe_body, dev_siws_body};

use crate::output::{Failure, Text, usage};

/// The arguments of `dev-siwe` and `dev-siws`.
#[derive(Args)]
pub(crate) struct DevSigninArgs {
    /// The nonce from `GET /signin/nonce` (default: a made-up one, which the server refuses
    /// with `invalid_nonce`).
    #[arg(long)]
    nonce: Option<String>,
    /// The domain the message names (the example server's development domain by default).
    #[arg(long, default_value = "127.0.0.1:3000")]
    domain: String,
    /// The message's URI (default: `http://` and the domain).
    #[arg(long)]
    uri: Option<String>,
    /// The chain: an EIP-155 id (default 1) or a Solana cluster (default mainnet).
    #[arg(long)]
    chain: Option<String>,
    /// Issued at this time (seconds since the epoch) instead of now.
    #[arg(long, value_name = "UNIX_SECONDS")]
    at: Option<i64>,
}

/// Which development wallet signs.
pub(crate) enum Wallet {
    Ethereum,
    Solana,
}

/// Print the signed body.
pub(crate) fn dev_signin(wallet: Wallet, args: &DevSigninArgs) -> Result<(), Failure> {
    let uri = args
        .uri
        .clone()
        .unwrap_or_else(|| format!("http://{}", args.domain));
    let chain = args.chain.clone().unwrap_or_else(|| match wallet {
        Wallet::Ethereum => "1".to_owned(),
        Wallet::Solana => "mainnet".to_owned(),
    });
    let nonce = args
        .nonce
        .clone()
        .unwrap_or_else(|| "devnonce00000000".to_owned());
    if nonce.len() < 8 || !nonce.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Err(usage(format!(
            "--nonce {nonce:?}: a nonce is at least 8 ASCII letters or digits"
        )));
    }
    let message = DevMessage::new(&args.domain, &uri, &chain, &nonce, crate::now_or(args.at));
    let body = match wallet {
        Wallet::Ethereum => dev_siwe_body(&message),
        Wallet::Solana => dev_siws_body(&message),
    }
    .map_err(usage)?;
    let mut out = Text::default();
    out.line(body.to_string());
    out.print()
}
