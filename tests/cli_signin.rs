//! `wallet-auth dev-siwe` / `dev-siws` / `dev-token --provider signin`, run as processes: their
//! output signs in at a real sign-in server on 127.0.0.1 (nonce issued by the server first), bad
//! arguments exit 2 with the usage line, and a development session token verifies against the
//! development issuer's configuration.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod cli_support;
mod signin_support;

use std::process::Output;

use cli_support::{err, failed, out, run, scratch};
use reqwest::StatusCode;
use serde_json::{Value, json};
use signin_support::{SOLANA_MAINNET, Server, Setup, code, decode_jwt, expect, now, refusal};
use wallet_auth::claims::ProviderId;
use wallet_auth::dev::{
    DEV_SIGNIN_ISSUER, DEV_WALLET_ADDRESS, DevIssuer, dev_siwe_address, dev_siws_address,
};
use wallet_auth::layer::AuthLayer;
use wallet_auth::signin::{ChainRef, MessageKind};

/// Run the CLI off the runtime's threads (the server answers on them meanwhile).
async fn cli(args: &[&str]) -> Output {
    let args: Vec<String> = args.iter().map(|a| (*a).to_owned()).collect();
    tokio::task::spawn_blocking(move || {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        run(&args)
    })
    .await
    .unwrap()
}

/// The one JSON line a successful dev-siwe / dev-siws prints: exactly `message` and `signature`.
fn body_of(o: &Output) -> Value {
    assert_eq!(o.status.code(), Some(0), "stderr: {}", err(o));
    assert_eq!(err(o), "");
    let stdout = out(o);
    assert_eq!(stdout.lines().count(), 1, "{stdout:?}");
    assert!(stdout.ends_with('\n'));
    let body: Value = serde_json::from_str(stdout.trim_end()).unwrap();
    let object = body.as_object().unwrap();
    assert_eq!(
        object.keys().collect::<Vec<_>>(),
        ["message", "signature"],
        "{body}"
    );
    body
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dev_siwe_output_signs_in_at_a_running_server() {
    let s = Server::start(Setup::default()).await;
    let address = dev_siwe_address().unwrap();

    let nonce = s.nonce().await;
    let body = body_of(&cli(&["dev-siwe", "--nonce", &nonce, "--domain", &s.domain]).await);
    let message = body["message"].as_str().unwrap();
    let parsed = wallet_auth::signin::parse_siwe(message).unwrap();
    assert_eq!(parsed.kind, MessageKind::Siwe);
    assert_eq!(parsed.domain, s.domain);
    assert_eq!(parsed.address, address);
    assert_eq!(parsed.uri.as_deref(), Some(s.base.as_str()));
    assert_eq!(parsed.version.as_deref(), Some("1"));
    assert_eq!(parsed.chain, Some(ChainRef::Eip155(1)));
    assert_eq!(parsed.nonce.as_deref(), Some(nonce.as_str()));
    assert!((parsed.issued_at.unwrap() - now()).abs() <= 5);
    let signature = body["signature"].as_str().unwrap();
    assert_eq!(signature.len(), 2 + 130);
    assert!(signature.starts_with("0x"));

    let res = s.post("/signin/siwe", &body).await;
    assert_eq!(res.status(), StatusCode::OK);
    let session: Value = res.json().await.unwrap();
    let account = format!("eip155:1:{address}");
    assert_eq!(session["account"], account);
    let token = session["token"].as_str().unwrap();
    let me: Value = s.me(token).await.json().await.unwrap();
    assert_eq!(me["provider"], "signin");
    assert_eq!(me["user_id"], account);
    assert_eq!(
        me["wallets"],
        json!([{"chain": "evm", "address": address, "public_key": null}])
    );
    // The same output again: its nonce is spent.
    assert_eq!(
        code(s.post("/signin/siwe", &body).await).await,
        expect(StatusCode::UNAUTHORIZED, "invalid_nonce")
    );

    // --chain and --at, with a fresh nonce.
    let nonce = s.nonce().await;
    let at = (now() - 30).to_string();
    let body = body_of(
        &cli(&[
            "dev-siwe", "--nonce", &nonce, "--domain", &s.domain, "--chain", "8453", "--at", &at,
        ])
        .await,
    );
    let parsed = wallet_auth::signin::parse_siwe(body["message"].as_str().unwrap()).unwrap();
    assert_eq!(parsed.issued_at, Some(at.parse::<i64>().unwrap()));
    assert_eq!(parsed.chain, Some(ChainRef::Eip155(8453)));
    let res = s.post("/signin/siwe", &body).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(
        res.json::<Value>().await.unwrap()["account"],
        format!("eip155:8453:{address}")
    );

    // Without --nonce the made-up nonce is refused, as documented.
    let body = body_of(&cli(&["dev-siwe", "--domain", &s.domain]).await);
    assert_eq!(
        code(s.post("/signin/siwe", &body).await).await,
        expect(StatusCode::UNAUTHORIZED, "invalid_nonce")
    );
    // The default domain (127.0.0.1:3000) is not this server's.
    let nonce = s.nonce().await;
    let body = body_of(&cli(&["dev-siwe", "--nonce", &nonce]).await);
    assert_eq!(
        code(s.post("/signin/siwe", &body).await).await,
        expect(StatusCode::UNAUTHORIZED, "domain_mismatch")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dev_siws_output_signs_in_at_a_running_server() {
    let s = Server::start(Setup::default()).await;
    let address = dev_siws_address().unwrap();
    let nonce = s.nonce().await;
    let body = body_of(&cli(&["dev-siws", "--nonce", &nonce, "--domain", &s.domain]).await);
    let parsed = wallet_auth::signin::parse_siws(body["message"].as_str().unwrap()).unwrap();
    assert_eq!(parsed.kind, MessageKind::Siws);
    assert_eq!(parsed.domain, s.domain);
    assert_eq!(parsed.address, address);
    assert_eq!(parsed.uri.as_deref(), Some(s.base.as_str()));
    assert_eq!(parsed.chain, Some(ChainRef::Solana("mainnet".into())));
    assert_eq!(parsed.nonce.as_deref(), Some(nonce.as_str()));
    let signature = bs58::decode(body["signature"].as_str().unwrap())
        .into_vec()
        .unwrap();
    assert_eq!(signature.len(), 64);

    let res = s.post("/signin/siws", &body).await;
    assert_eq!(res.status(), StatusCode::OK);
    let session: Value = res.json().await.unwrap();
    let account = format!("{SOLANA_MAINNET}:{address}");
    assert_eq!(session["account"], account);
    let (_, claims) = decode_jwt(session["token"].as_str().unwrap());
    assert_eq!(
        (&claims["sub"], &claims["address"], &claims["chain"]),
        (&json!(account), &json!(address), &json!(SOLANA_MAINNET))
    );
    let me: Value = s
        .me(session["token"].as_str().unwrap())
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        me["wallets"],
        json!([{"chain": "solana", "address": address, "public_key": null}])
    );
    // A dev-siws body at the SIWE route is not an EIP-4361 message.
    let nonce = s.nonce().await;
    let body = body_of(&cli(&["dev-siws", "--nonce", &nonce, "--domain", &s.domain]).await);
    let (status, code, description) = refusal(s.post("/signin/siwe", &body).await).await;
    assert_eq!(
        (status, code.as_str()),
        (StatusCode::BAD_REQUEST, "invalid_request")
    );
    assert!(
        description.starts_with("the message is not a valid sign-in message: "),
        "{description}"
    );
}

#[test]
fn dev_signin_refuses_a_bad_nonce_with_the_usage_line() {
    for command in ["dev-siwe", "dev-siws"] {
        for nonce in ["short", "abcdefg", "abcdefgh-12", "abcdéfgh12", ""] {
            let o = run(&[command, "--nonce", nonce, "--domain", "127.0.0.1:3000"]);
            assert_eq!(out(&o), "", "{command} {nonce}");
            assert_eq!(
                failed(&o),
                (
                    2,
                    format!(
                        "error: --nonce {nonce:?}: a nonce is at least 8 ASCII letters or digits"
                    )
                ),
                "{command} {nonce}"
            );
        }
    }
}

#[tokio::test]
async fn dev_token_for_signin_verifies_against_the_dev_issuer_config() {
    let dir = scratch("cli-dev-signin");
    let state = dir.join("state.json");
    let _ = std::fs::remove_file(&state);
    let state = state.to_str().unwrap().to_owned();
    let o = run(&["dev-token", "--provider", "signin", "--state", &state]);
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    assert_eq!(err(&o), "");
    let stdout = out(&o);
    assert_eq!(stdout.lines().count(), 1);
    let token = stdout.trim_end().to_owned();

    let issuer = DevIssuer::load(std::path::Path::new(&state)).unwrap();
    let (header, claims) = decode_jwt(&token);
    assert_eq!(
        header,
        json!({"alg": "ES256", "typ": "JWT", "kid": issuer.ec_kid()})
    );
    let iat = claims["iat"].as_i64().unwrap();
    assert!((iat - now()).abs() <= 5);
    assert_eq!(
        claims,
        json!({
            "iss": DEV_SIGNIN_ISSUER,
            "aud": DEV_SIGNIN_ISSUER,
            "sub": format!("eip155:1:{DEV_WALLET_ADDRESS}"),
            "iat": iat,
            "exp": iat + 3600,
            "sid": "dev-session",
            "address": DEV_WALLET_ADDRESS,
            "chain": "eip155:1",
        })
    );

    // The development configuration (any base URL) accepts it as the provider `signin`.
    let config = issuer.config("http://127.0.0.1:3000").unwrap();
    let service = config.signin_service().unwrap().unwrap();
    assert_eq!(service.keys().signing_kid(), issuer.ec_kid());
    let layer = AuthLayer::from_config(&config).unwrap();
    let auth = layer.verifier().verify(&token).await.unwrap();
    assert_eq!(auth.provider(), &ProviderId::SIGNIN);
    assert_eq!(
        auth.to_json(),
        json!({
            "provider": "signin",
            "user_id": format!("eip155:1:{DEV_WALLET_ADDRESS}"),
            "email": null,
            "wallets": [{"chain": "evm", "address": DEV_WALLET_ADDRESS, "public_key": null}],
            "claims": claims,
        })
    );
    assert_eq!(
        service.verify_session(&token).await.unwrap().sid.as_deref(),
        Some("dev-session")
    );

    // Another development issuer's configuration does not know the key.
    let other = DevIssuer::generate()
        .config("http://127.0.0.1:3000")
        .unwrap();
    let e = AuthLayer::from_config(&other)
        .unwrap()
        .verifier()
        .verify(&token)
        .await
        .unwrap_err();
    assert_eq!(e.public_description(), "no key for this token");

    // The same state file mints again with the same key.
    let again = out(&run(&[
        "dev-token",
        "--provider",
        "signin",
        "--state",
        &state,
    ]));
    assert_eq!(decode_jwt(again.trim_end()).0["kid"], issuer.ec_kid());
}
