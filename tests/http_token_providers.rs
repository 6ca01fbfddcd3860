//! Magic, thirdweb, Turnkey and Farcaster end to end, through real processes on loopback:
//!
//! - the example server started with `--config` on a file holding only one of these providers:
//!   a valid development token answers 200 on `/me` with the exact identity, and each refusal
//!   answers 401 with the layer's exact body, its `WWW-Authenticate`, and the refusal's reason in
//!   `/metrics` (`wallet_auth_verifications_total`, the only place the example server names it);
//! - `wallet-auth serve` with all four at once: each provider's token answered 200 on `/auth`
//!   with the identity headers, and refusals answered 401 and logged with their reason.
//!
//! Tokens come from the development issuer (`DevIssuer::token`: the development secp256k1 wallet
//! signs Magic and thirdweb tokens, its P-256 key is the Turnkey notarizer, its RSA key signs
//! Farcaster's, published by a loopback JWKS server), or are built here by hand with keys the
//! issuer does not hold.
#![cfg(all(feature = "dev", feature = "cli"))]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod gateway_support;
mod token_providers_support;

use std::time::Duration;

use k256::ecdsa::SigningKey;
use reqwest::StatusCode;
use serde_json::{Value, json};
use test_support::jwks_server::JwksServer;
use test_support::now;
use token_providers_support::{
    ExampleServer, address, claims_of, dev_p256_public_hex, evm_wallet, generate_secp256k1,
    thirdweb_token, verifications,
};
use wallet_auth::dev::{
    DEV_MAGIC_CLIENT_ID, DEV_SIWE_PRIVATE_KEY, DEV_TURNKEY_ORGANIZATION_ID, DEV_USER_ID,
    DEV_WALLET_ADDRESS, DevIssuer, dev_siwe_address,
};

/// `[thirdweb] domain`.
const THIRDWEB_DOMAIN: &str = "app.example.com";
/// `[farcaster] domain`.
const FARCASTER_DOMAIN: &str = "miniapp.example.com";
/// The FID of the development Farcaster token.
const DEV_FID: &str = "6841";
/// Another organization of ours, beside the development one (`[turnkey] organization_ids`).
const OUR_OTHER_ORGANIZATION: &str = "0b000000-0000-4000-8000-0000000000ff";

const NOT_FOR_THIS_SERVICE: &str = "the token is not meant for this service";
const ISSUER_NOT_ACCEPTED: &str = "the token's issuer is not accepted";
const SIGNATURE_INVALID: &str = "the token's signature is invalid";
const CLAIMS_NOT_ACCEPTED: &str = "the token's claims are not accepted here";
const MALFORMED: &str = "the token is malformed";

fn magic_toml() -> String {
    format!("[magic]\nclient_id = \"{DEV_MAGIC_CLIENT_ID}\"\n")
}

fn thirdweb_toml() -> String {
    format!(
        "[thirdweb]\nadmin_address = \"{}\"\ndomain = \"{THIRDWEB_DOMAIN}\"\n",
        dev_siwe_address().unwrap()
    )
}

fn turnkey_toml(dev: &DevIssuer) -> String {
    format!(
        "[turnkey]\norganization_ids = [\"{DEV_TURNKEY_ORGANIZATION_ID}\", \"{OUR_OTHER_ORGANIZATION}\"]\n\
         notarizer_public_key = \"{}\"\n",
        dev_p256_public_hex(dev)
    )
}

fn farcaster_toml(jwks_url: &str) -> String {
    format!("[farcaster]\ndomain = \"{FARCASTER_DOMAIN}\"\njwks_url = \"{jwks_url}\"\n")
}

/// `[jwks] allow_http` for the loopback key set.
const JWKS_HTTP: &str = "[jwks]\nallow_http = true\n\n";

/// A thirdweb payload (as the development issuer shapes it) issued now by `iss`.
fn thirdweb_claims(iss: &str) -> Value {
    let now = now();
    json!({
        "iss": iss,
        "sub": DEV_WALLET_ADDRESS,
        "aud": THIRDWEB_DOMAIN,
        "exp": now + 3600,
        "nbf": now,
        "iat": now,
        "jti": format!("test-{now}"),
        "ctx": {},
    })
}

/// The development admin wallet (the issuer's secp256k1 key), for hand-built tokens.
fn dev_admin_key() -> SigningKey {
    SigningKey::from_bytes(&DEV_SIWE_PRIVATE_KEY.into()).unwrap()
}

/// The exact 401 of the layer for an invalid token, with `description`.
async fn assert_refused(server: &ExampleServer, token: &str, description: &str) {
    let (status, body, www) = server.me(token).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{description}: {body}");
    assert_eq!(
        body,
        json!({"error": "invalid_token", "error_description": description})
    );
    assert_eq!(
        www.as_deref(),
        Some(
            format!("Bearer error=\"invalid_token\", error_description=\"{description}\"").as_str()
        )
    );
}

/// The exact 200 of `/me` for `token`.
async fn assert_me(server: &ExampleServer, token: &str, expected: Value) {
    let (status, body, _) = server.me(token).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body, expected);
}

#[tokio::test]
async fn example_server_with_magic_only() {
    let dev = DevIssuer::generate();
    let server = ExampleServer::start(&magic_toml());

    // Valid: the user is `iss` (the DID the signature proves; `sub` is self-asserted), the
    // wallet its address (the development wallet, EIP-55).
    let token = dev.token("magic", None, now()).unwrap();
    assert!(!token.contains('.'), "a DID token is not a compact JWS");
    let wallet = dev_siwe_address().unwrap();
    assert_eq!(
        claims_of(&token)["iss"],
        json!(format!("did:ethr:{wallet}"))
    );
    assert_me(
        &server,
        &token,
        json!({
            "provider": "magic",
            "user_id": format!("did:ethr:{wallet}"),
            "email": null,
            "wallets": [evm_wallet(&wallet)],
            "claims": claims_of(&token),
        }),
    )
    .await;

    // Another Magic app's client id: wrong_audience.
    let other_app = dev
        .token(
            "magic",
            Some(&json!({"aud": "did:magic:0b000000-0000-4000-8000-000000000001"})),
            now(),
        )
        .unwrap();
    assert_refused(&server, &other_app, NOT_FOR_THIS_SERVICE).await;

    assert_eq!(
        server.verifications().await,
        [
            "provider=magic outcome=accepted reason=none 1",
            "provider=magic outcome=refused reason=wrong_audience 1",
        ]
    );
}

#[tokio::test]
async fn example_server_with_thirdweb_only() {
    let dev = DevIssuer::generate();
    let server = ExampleServer::start(&thirdweb_toml());
    let admin = dev_siwe_address().unwrap();

    // Valid (the development issuer's token, then one built here with the admin key): the user
    // and the wallet are `sub`.
    let expected = |token: &str| {
        json!({
            "provider": "thirdweb",
            "user_id": DEV_WALLET_ADDRESS,
            "email": null,
            "wallets": [evm_wallet(DEV_WALLET_ADDRESS)],
            "claims": claims_of(token),
        })
    };
    let token = dev
        .token("thirdweb", Some(&json!({"aud": THIRDWEB_DOMAIN})), now())
        .unwrap();
    assert_eq!(claims_of(&token)["iss"], json!(admin));
    assert_me(&server, &token, expected(&token)).await;
    let by_hand = thirdweb_token(&dev_admin_key(), &thirdweb_claims(&admin));
    assert_me(&server, &by_hand, expected(&by_hand)).await;

    // Another app's admin wallet signing its own tokens (iss = its address): unknown_issuer.
    let other = generate_secp256k1();
    let other_app = thirdweb_token(&other, &thirdweb_claims(&address(&other)));
    assert_refused(&server, &other_app, ISSUER_NOT_ACCEPTED).await;

    // iss = our admin, signed by another wallet: invalid_signature.
    let forged = thirdweb_token(&other, &thirdweb_claims(&admin));
    assert_refused(&server, &forged, SIGNATURE_INVALID).await;

    // A Magic DID token where only thirdweb is configured: malformed (not a compact JWS).
    let magic = dev.token("magic", None, now()).unwrap();
    assert_refused(&server, &magic, MALFORMED).await;

    assert_eq!(
        server.verifications().await,
        [
            "provider=thirdweb outcome=accepted reason=none 2",
            "provider=thirdweb outcome=refused reason=invalid_signature 1",
            "provider=unknown outcome=refused reason=malformed 1",
            "provider=unknown outcome=refused reason=unknown_issuer 1",
        ]
    );
}

#[tokio::test]
async fn example_server_with_turnkey_only() {
    let dev = DevIssuer::generate();
    let server = ExampleServer::start(&turnkey_toml(&dev));

    // Valid: no iss, routed by `organization_id`; the user is `user_id`, no wallet.
    let token = dev.token("turnkey", None, now()).unwrap();
    let claims = claims_of(&token);
    assert_eq!(claims.get("iss"), None);
    assert_eq!(claims["organization_id"], DEV_TURNKEY_ORGANIZATION_ID);
    assert_me(
        &server,
        &token,
        json!({
            "provider": "turnkey",
            "user_id": DEV_USER_ID,
            "email": null,
            "wallets": [],
            "claims": claims,
        }),
    )
    .await;

    // The same notarizer, an organization that is not ours: claim_not_accepted.
    let foreign = dev
        .token(
            "turnkey",
            Some(&json!({"organization_id": "0c000000-0000-4000-8000-000000000001"})),
            now(),
        )
        .unwrap();
    assert_refused(&server, &foreign, CLAIMS_NOT_ACCEPTED).await;

    assert_eq!(
        server.verifications().await,
        [
            "provider=turnkey outcome=accepted reason=none 1",
            "provider=turnkey outcome=refused reason=claim_not_accepted 1",
        ]
    );
}

#[tokio::test]
async fn example_server_with_farcaster_only() {
    let dev = DevIssuer::generate();
    let keys = JwksServer::start_on_own_thread(dev.jwks());
    let server = ExampleServer::start(&format!("{JWKS_HTTP}{}", farcaster_toml(&keys.url())));

    // Valid: the user is the FID (`sub`, a JSON number in the token).
    let token = dev
        .token("farcaster", Some(&json!({"aud": FARCASTER_DOMAIN})), now())
        .unwrap();
    let mut claims = claims_of(&token);
    assert_eq!(claims["sub"], json!(6841));
    assert_eq!(claims["iss"], "https://auth.farcaster.xyz");
    // `/me` shows the claims as the provider reads them: `FarcasterClaims::sub` is the FID as
    // decimal text (documented there), so the number comes back as a string.
    claims["sub"] = json!(DEV_FID);
    assert_me(
        &server,
        &token,
        json!({
            "provider": "farcaster",
            "user_id": DEV_FID,
            "email": null,
            "wallets": [],
            "claims": claims,
        }),
    )
    .await;

    // Another mini app's domain: wrong_audience.
    let other_app = dev
        .token(
            "farcaster",
            Some(&json!({"aud": "other-miniapp.example.com"})),
            now(),
        )
        .unwrap();
    assert_refused(&server, &other_app, NOT_FOR_THIS_SERVICE).await;

    assert_eq!(
        server.verifications().await,
        [
            "provider=farcaster outcome=accepted reason=none 1",
            "provider=farcaster outcome=refused reason=wrong_audience 1",
        ]
    );
}

#[tokio::test]
async fn serve_answers_all_four_providers_with_identity_headers() {
    use gateway_support::{auth, header, serve};

    let dev = DevIssuer::generate();
    let keys = JwksServer::start_on_own_thread(dev.jwks());
    let path = test_support::temp_dir("serve-token-providers").join("auth.toml");
    std::fs::write(
        &path,
        format!(
            "{JWKS_HTTP}{}\n{}\n{}\n{}",
            magic_toml(),
            thirdweb_toml(),
            turnkey_toml(&dev),
            farcaster_toml(&keys.url())
        ),
    )
    .unwrap();
    let served = serve(&path, "text");
    let base = &served.base;
    let wallet = dev_siwe_address().unwrap();
    let magic_user = format!("did:ethr:{wallet}");

    let valid = [
        (
            "magic",
            dev.token("magic", None, now()).unwrap(),
            magic_user.as_str(),
            Some(format!("evm:{wallet}")),
        ),
        (
            "thirdweb",
            dev.token("thirdweb", Some(&json!({"aud": THIRDWEB_DOMAIN})), now())
                .unwrap(),
            DEV_WALLET_ADDRESS,
            Some(format!("evm:{DEV_WALLET_ADDRESS}")),
        ),
        (
            "turnkey",
            dev.token("turnkey", None, now()).unwrap(),
            DEV_USER_ID,
            None,
        ),
        (
            "farcaster",
            dev.token("farcaster", Some(&json!({"aud": FARCASTER_DOMAIN})), now())
                .unwrap(),
            DEV_FID,
            None,
        ),
    ];
    for (provider, token, user_id, wallets) in &valid {
        let res = auth(base, "/auth", Some(token)).await;
        assert_eq!(res.status(), StatusCode::OK, "{provider}");
        assert_eq!(
            header(&res, "x-auth-provider").as_deref(),
            Some(*provider),
            "{provider}"
        );
        assert_eq!(
            header(&res, "x-auth-user-id").as_deref(),
            Some(*user_id),
            "{provider}"
        );
        assert_eq!(header(&res, "x-auth-wallets"), *wallets, "{provider}");
        assert_eq!(header(&res, "x-auth-email"), None, "{provider}");
        assert_eq!(header(&res, "x-auth-claims"), None, "{provider}");
    }

    // One refusal per provider: 401, the layer's challenge, one log line with the reason.
    let other = generate_secp256k1();
    let refused = [
        (
            dev.token(
                "magic",
                Some(&json!({"aud": "did:magic:0b000000-0000-4000-8000-000000000001"})),
                now(),
            )
            .unwrap(),
            NOT_FOR_THIS_SERVICE,
            // The log routes the DID token as the verifier does (by its shape), like the metrics.
            "reason=wrong_audience provider=magic",
        ),
        (
            thirdweb_token(&other, &thirdweb_claims(&dev_siwe_address().unwrap())),
            SIGNATURE_INVALID,
            "reason=invalid_signature provider=thirdweb",
        ),
        (
            dev.token(
                "turnkey",
                Some(&json!({"organization_id": "0c000000-0000-4000-8000-000000000001"})),
                now(),
            )
            .unwrap(),
            CLAIMS_NOT_ACCEPTED,
            "reason=claim_not_accepted provider=turnkey",
        ),
        (
            dev.token(
                "farcaster",
                Some(&json!({"aud": "other-miniapp.example.com"})),
                now(),
            )
            .unwrap(),
            NOT_FOR_THIS_SERVICE,
            "reason=wrong_audience provider=farcaster",
        ),
    ];
    for (token, description, logged) in &refused {
        let res = auth(base, "/auth", Some(token)).await;
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED, "{logged}");
        assert_eq!(
            header(&res, "www-authenticate"),
            Some(format!(
                "Bearer error=\"invalid_token\", error_description=\"{description}\""
            )),
            "{logged}"
        );
        assert_eq!(header(&res, "x-auth-user-id"), None, "{logged}");
        assert_eq!(
            res.json::<Value>().await.unwrap(),
            json!({"error": "invalid_token", "error_description": description}),
            "{logged}"
        );
        let line = served.stderr.recv_timeout(Duration::from_secs(5)).unwrap();
        assert_eq!(
            line,
            format!("wallet-auth serve: refused status=401 {logged}")
        );
        assert!(!line.contains(token.as_str()));
    }

    // Each valid token verified once (no cache hit), each refusal counted under its provider.
    assert_eq!(
        verifications(base).await,
        [
            "provider=farcaster outcome=accepted reason=none 1",
            "provider=farcaster outcome=refused reason=wrong_audience 1",
            "provider=magic outcome=accepted reason=none 1",
            "provider=magic outcome=refused reason=wrong_audience 1",
            "provider=thirdweb outcome=accepted reason=none 1",
            "provider=thirdweb outcome=refused reason=invalid_signature 1",
            "provider=turnkey outcome=accepted reason=none 1",
            "provider=turnkey outcome=refused reason=claim_not_accepted 1",
        ]
    );
}
