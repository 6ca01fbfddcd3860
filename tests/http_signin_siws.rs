//! Sign In With Solana over HTTP: Phantom-format messages signed with real Ed25519 keys, base58
//! and base64 signatures, refusals, clusters by name or CAIP-2 id, and the 404 of an
//! unconfigured kind.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod signin_support;

use reqwest::StatusCode;
use serde_json::{Value, json};
use signin_support::http_asserts::*;
use signin_support::*;

#[tokio::test]
async fn siws_happy_path_in_base58_and_base64() {
    let s = Server::start(Setup::default()).await;
    let sol = SolanaWallet::from_seed(SOL_SEED);
    let address = sol.address();
    let account = format!("{SOLANA_MAINNET}:{address}");

    let nonce = s.nonce().await;
    let (token, header, claims) = session_of(
        s.post("/signin/siws", &Siws::new(&s, &address, &nonce).body(&sol))
            .await,
        &account,
        86_400,
    )
    .await;
    assert_eq!(header["alg"], "ES256");
    assert_eq!(
        (&claims["address"], &claims["chain"], &claims["sub"]),
        (&json!(address), &json!(SOLANA_MAINNET), &json!(account))
    );
    let res = s.me(&token).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(
        res.json::<Value>().await.unwrap(),
        expected_me(&claims, "solana")
    );

    // Base64, standard and URL-safe without padding.
    for encode in [
        |sol: &SolanaWallet, text: &str| sol.sign_base64(text),
        |sol: &SolanaWallet, text: &str| {
            use base64::Engine as _;
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(sol.sign(text))
        },
    ] {
        let nonce = s.nonce().await;
        let text = Siws::new(&s, &address, &nonce).text();
        let body = json!({"message": text, "signature": encode(&sol, &text)});
        session_of(s.post("/signin/siws", &body).await, &account, 86_400).await;
    }
}

#[tokio::test]
async fn siws_refusals() {
    let s = Server::start(Setup::default()).await;
    let sol = SolanaWallet::from_seed(SOL_SEED);
    let other = SolanaWallet::from_seed([10; 32]);
    let nonce = s.nonce().await;
    let message = Siws::new(&s, &sol.address(), &nonce);

    // Signed by another key: 401, nonce kept.
    assert_refused(
        s.post("/signin/siws", &message.body(&other)).await,
        StatusCode::UNAUTHORIZED,
        "invalid_signature",
        "the signature does not match the message's account: the Ed25519 signature does not hold",
    )
    .await;
    // No Nonce line: the grammar allows it, the service does not.
    let mut no_nonce = message.clone();
    no_nonce.nonce = None;
    assert_refused(
        s.post("/signin/siws", &no_nonce.body(&sol)).await,
        StatusCode::UNAUTHORIZED,
        "missing_field",
        "the message has no Nonce, which this service requires",
    )
    .await;
    let mut no_uri = message.clone();
    no_uri.uri = None;
    assert_refused(
        s.post("/signin/siws", &no_uri.body(&sol)).await,
        StatusCode::UNAUTHORIZED,
        "missing_field",
        "the message has no URI, which this service requires",
    )
    .await;
    let mut devnet = message.clone();
    devnet.chain_id = Some("devnet".into());
    assert_eq!(
        code(s.post("/signin/siws", &devnet.body(&sol)).await).await,
        expect(StatusCode::UNAUTHORIZED, "chain_not_allowed")
    );
    // Bad signature encodings: 400.
    let text = message.text();
    for signature in [
        String::new(),
        "not a signature!".to_owned(),
        bs58::encode([1u8; 63]).into_string(),
        "A".repeat(200),
        hex0x(&sol.sign(&text)),
    ] {
        assert_refused(
            s.post(
                "/signin/siws",
                &json!({"message": text, "signature": signature}),
            )
            .await,
            StatusCode::BAD_REQUEST,
            "invalid_request",
            if signature.is_empty() {
                "signature encoding: the signature is empty"
            } else if signature.len() > 128 {
                "signature encoding: the signature is too long for 64 bytes"
            } else {
                "signature encoding: the signature is not base58 or base64 of 64 bytes"
            },
        )
        .await;
    }
    // A statement broken by LF, and a look-alike domain, in a SIWS message.
    let mut broken = message.clone();
    broken.statement = Some("Sign in\nto the tests".into());
    assert_refused(
        s.post("/signin/siws", &broken.body(&sol)).await,
        StatusCode::BAD_REQUEST,
        "invalid_request",
        "the message is not a valid sign-in message: the statement spans several lines",
    )
    .await;
    let mut lookalike = message.clone();
    lookalike.domain = "exаmple.com".into();
    assert_eq!(
        code(s.post("/signin/siws", &lookalike.body(&sol)).await).await,
        expect(StatusCode::BAD_REQUEST, "invalid_request")
    );
    // The nonce survived every refusal.
    session_of(
        s.post("/signin/siws", &message.body(&sol)).await,
        &format!("{SOLANA_MAINNET}:{}", sol.address()),
        86_400,
    )
    .await;
}

#[tokio::test]
async fn unconfigured_kinds_are_404_not_configured() {
    let s = Server::start(Setup {
        solana: false,
        ..Setup::default()
    })
    .await;
    let sol = SolanaWallet::from_seed(SOL_SEED);
    let nonce = s.nonce().await;
    assert_refused(
        s.post(
            "/signin/siws",
            &Siws::new(&s, &sol.address(), &nonce).body(&sol),
        )
        .await,
        StatusCode::NOT_FOUND,
        "not_configured",
        "Solana sign-in is not configured",
    )
    .await;

    let s = Server::start(Setup {
        ethereum: false,
        ..Setup::default()
    })
    .await;
    let alice = EvmWallet::from_scalar(ALICE);
    let nonce = s.nonce().await;
    assert_refused(
        s.post(
            "/signin/siwe",
            &Siwe::new(&s, &alice.address(), &nonce).body(&alice),
        )
        .await,
        StatusCode::NOT_FOUND,
        "not_configured",
        "Ethereum sign-in is not configured",
    )
    .await;
}

#[tokio::test]
async fn siws_solana_mainnet_names_the_mainnet_cluster() {
    let s = Server::start(Setup::default()).await;
    let sol = SolanaWallet::from_seed(SOL_SEED);
    let nonce = s.nonce().await;
    let mut message = Siws::new(&s, &sol.address(), &nonce);
    message.chain_id = Some("solana:mainnet".into());
    let (_, _, claims) = session_of(
        s.post("/signin/siws", &message.body(&sol)).await,
        &format!("{SOLANA_MAINNET}:{}", sol.address()),
        86_400,
    )
    .await;
    assert_eq!(claims["chain"], SOLANA_MAINNET);
}

/// One cluster, two spellings: `mainnet` and its CAIP-2 id `solana:5eykt4Us…` are the same chain
/// (the session's `chain` claim is the CAIP-2 id either way), so the allow-list should accept
/// either spelling for either configuration.
#[tokio::test]
async fn siws_cluster_name_and_caip2_id_are_the_same_chain() {
    for (configured, written) in [
        ("mainnet", SOLANA_MAINNET),
        (SOLANA_MAINNET, "mainnet"),
        ("solana:mainnet", "mainnet"),
        ("solana:mainnet", SOLANA_MAINNET),
    ] {
        let s = Server::start(Setup {
            solana_chain_ids: format!("{configured:?}"),
            ..Setup::default()
        })
        .await;
        let sol = SolanaWallet::from_seed(SOL_SEED);
        let nonce = s.nonce().await;
        let mut message = Siws::new(&s, &sol.address(), &nonce);
        message.chain_id = Some(written.into());
        let res = s.post("/signin/siws", &message.body(&sol)).await;
        assert_eq!(
            res.status(),
            StatusCode::OK,
            "configured {configured}, message says {written}: {}",
            res.text().await.unwrap()
        );
    }
}
