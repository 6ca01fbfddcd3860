//! Contract wallets signing in, on a real chain: anvil (npm `@foundry-rs/anvil`) started by the
//! test, with the test contracts of `tests/contracts/` deployed through JSON-RPC. EIP-1271
//! wallets (deployed), ERC-6492 signatures of wallets not deployed yet (one deployless
//! `eth_call`), reverting wallets, plain accounts on a chain with an RPC, the node going away
//! (503, never "invalid"), and an endpoint on the wrong chain (start-up refused, naming the key).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod anvil_support;
mod signin_support;

use anvil_support::*;
use reqwest::StatusCode;
use serde_json::Value;
use signin_support::*;
use wallet_auth::layer::AuthConfig;

const CHAIN: u64 = 8453;
const OWNER: [u8; 32] = [0x0a; 32];
const STRANGER: [u8; 32] = [0x0b; 32];

async fn server_on(anvil: &Anvil) -> Server {
    Server::start(Setup {
        tables: "[jwks]\nallow_http = true\n".into(),
        ethereum_rpc: vec![(CHAIN, anvil.url.clone())],
        ..Setup::default()
    })
    .await
}

/// A SIWE message by `address` on chain 8453, with a fresh nonce of `server`.
async fn message(server: &Server, address: &str) -> Siwe {
    let nonce = server.nonce().await;
    let mut m = Siwe::new(server, address, &nonce);
    m.chain_id = CHAIN.to_string();
    m
}

async fn post(server: &Server, text: &str, signature: &[u8]) -> (StatusCode, Value) {
    let body = serde_json::json!({"message": text, "signature": hex0x(signature)});
    let res = server.post("/signin/siwe", &body).await;
    let status = res.status();
    (status, res.json().await.unwrap())
}

fn eip55(address: &[u8; 20]) -> String {
    wallet_auth::signin::eip55(address)
}

/// `abi.encode(factory, factoryCalldata, inner) ‖ magic`: ERC-6492's wrapper.
fn erc6492(factory: &[u8; 20], calldata: &[u8], inner: &[u8]) -> Vec<u8> {
    let mut out = encode_address_bytes_bytes(factory, calldata, inner);
    out.extend_from_slice(&wallet_auth::signin::contract_signature::ERC6492_SUFFIX);
    out
}

#[tokio::test]
async fn contract_wallets_sign_in_on_a_real_chain() {
    let Some(bin) = anvil_binary() else { return };
    let anvil = Anvil::start(&bin, CHAIN, None).await;
    let server = server_on(&anvil).await;
    let owner = EvmWallet::from_scalar(OWNER);
    let stranger = EvmWallet::from_scalar(STRANGER);
    let owner_address = address(&owner.address());

    // A deployed EIP-1271 wallet, signed by its owner: 200, the account is the wallet's.
    let wallet = anvil
        .deploy(&contract("OwnerWallet"), &address_word(&owner_address))
        .await;
    let m = message(&server, &eip55(&wallet)).await;
    let (status, body) = post(&server, &m.text(), &owner.sign(&m.text())).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        body["account"],
        format!("eip155:{CHAIN}:{}", eip55(&wallet))
    );
    let me: Value = server
        .me(body["token"].as_str().unwrap())
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(me["wallets"][0]["address"], eip55(&wallet));

    // Signed by another key: the wallet says no → 401, and the nonce is still usable.
    let m = message(&server, &eip55(&wallet)).await;
    let (status, body) = post(&server, &m.text(), &stranger.sign(&m.text())).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["error"], "invalid_signature");
    assert_eq!(
        body["error_description"],
        "the signature does not match the message's account: the contract wallet does not accept this signature"
    );
    let (status, _) = post(&server, &m.text(), &owner.sign(&m.text())).await;
    assert_eq!(status, StatusCode::OK);

    // ecrecover never runs before EIP-1271: the owner's plain signature over a message naming
    // the owner's own address still signs in as the owner (an account, no code) ...
    let m = message(&server, &owner.address()).await;
    let (status, body) = post(&server, &m.text(), &owner.sign(&m.text())).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        body["account"],
        format!("eip155:{CHAIN}:{}", owner.address())
    );

    // A wallet that reverts: invalid (401), not an outage.
    let reverting = anvil.deploy(&contract("RevertingWallet"), &[]).await;
    let m = message(&server, &eip55(&reverting)).await;
    let (status, body) = post(&server, &m.text(), &owner.sign(&m.text())).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["error"], "invalid_signature");

    // ERC-6492: a wallet not deployed yet, its factory deployed.
    let factory = anvil.deploy(&contract("WalletFactory"), &[]).await;
    let salt = [0x77; 32];
    let counterfactual: [u8; 20] = anvil
        .call(&factory, &factory_address_of_call(&owner_address, salt))
        .await[12..]
        .try_into()
        .unwrap();
    assert!(!anvil.has_code(&counterfactual).await);
    let deploy = factory_deploy_call(&owner_address, salt);
    let m = message(&server, &eip55(&counterfactual)).await;
    let wrapped = erc6492(&factory, &deploy, &owner.sign(&m.text()));
    let (status, body) = post(&server, &m.text(), &wrapped).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        body["account"],
        format!("eip155:{CHAIN}:{}", eip55(&counterfactual))
    );
    // Checked in an eth_call: nothing was deployed.
    assert!(!anvil.has_code(&counterfactual).await);

    // The same wrapper around a stranger's signature: 401.
    let m = message(&server, &eip55(&counterfactual)).await;
    let wrapped = erc6492(&factory, &deploy, &stranger.sign(&m.text()));
    let (status, body) = post(&server, &m.text(), &wrapped).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["error"], "invalid_signature");

    // A wrapper whose factory call deploys another wallet (another salt): 401.
    let m = message(&server, &eip55(&counterfactual)).await;
    let other = factory_deploy_call(&owner_address, [0x78; 32]);
    let wrapped = erc6492(&factory, &other, &owner.sign(&m.text()));
    let (status, _) = post(&server, &m.text(), &wrapped).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    // A chain without an RPC (chain 1): only ecrecover; a contract wallet's refusal says so.
    let nonce = server.nonce().await;
    let m = Siwe::new(&server, &eip55(&wallet), &nonce);
    let (status, body) = post(&server, &m.text(), &owner.sign(&m.text())).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        body["error_description"],
        "the signature does not match the message's account: signed by another account (a contract wallet needs an RPC for its chain)"
    );

    // The node goes away: 503 with Retry-After, never "invalid"; the nonce survives.
    let m = message(&server, &eip55(&wallet)).await;
    drop(anvil);
    let body = serde_json::json!({"message": m.text(), "signature": hex0x(&owner.sign(&m.text()))});
    let res = server.post("/signin/siwe", &body).await;
    assert_eq!(res.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(res.headers()["retry-after"], "5");
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["error"], "temporarily_unavailable");
    // Never the endpoint (its URL may carry an API key).
    assert_eq!(
        body["error_description"],
        "the chain's RPC is unavailable; try again later"
    );
}

#[tokio::test]
async fn an_rpc_on_another_chain_stops_the_start_up() {
    let Some(bin) = anvil_binary() else { return };
    let anvil = Anvil::start(&bin, 1, None).await;
    let text = format!(
        "[jwks]\nallow_http = true\n[signin]\ndomain = \"app.example.com\"\n\
         uri = \"https://app.example.com\"\nissuer = \"https://api.example.com\"\n\
         [signin.ethereum]\nchain_ids = [{CHAIN}]\n[signin.ethereum.rpc]\n\"{CHAIN}\" = \"{}\"\n",
        anvil.url
    );
    let mut config = AuthConfig::from_toml_str(&text).unwrap();
    config.signin = config
        .signin
        .take()
        .map(|s| s.with_session_keys(wallet_auth::layer::signin::SessionKeys::generate().unwrap()));
    let err = config.signin_service_connect().await.unwrap_err();
    assert_eq!(
        err.to_string(),
        format!("signin.ethereum.rpc.{CHAIN}: the endpoint is on chain 1, not {CHAIN}")
    );
    // The synchronous constructor cannot ask, and says so rather than skipping the check.
    let err = config.signin_service().unwrap_err();
    assert_eq!(err.field, format!("signin.ethereum.rpc.{CHAIN}"));

    // No node at all at start-up: refused too, naming the key.
    drop(anvil);
    let err = config.signin_service_connect().await.unwrap_err();
    assert_eq!(err.field, format!("signin.ethereum.rpc.{CHAIN}"));
    assert!(
        err.message.starts_with("the chain's RPC is unavailable: "),
        "{err}"
    );
}
