//! `wallet-auth serve`, run as a process against a real JWKS server on loopback: the forward-auth
//! answers (identity headers, the layer's refusals, per-location narrowing), header sanitising,
//! health, readiness and metrics, refusal logs, exit codes and graceful shutdown.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod gateway_support;

use std::process::Command;

use gateway_support::*;

use reqwest::StatusCode;
use serde_json::{Value, json};
use test_support::jwks_server::JwksServer;
use test_support::{EcKey, RsaKey, jwks, now, sign};

#[tokio::test]
async fn forward_auth_answers_like_the_layer() {
    let ec = EcKey::generate("privy-1");
    let rsa = RsaKey::generate("dyn-1");
    let keys = JwksServer::start_on_own_thread(jwks(&[ec.jwk(), rsa.jwk()]));
    let served = serve(&config(&keys.url(), ""), "text");
    let base = &served.base;

    // Valid: 200 and the identity headers, nothing else from the token.
    let token = sign(&ec, &privy_claims());
    for path in ["/auth", "/auth/any/sub/path"] {
        let res = auth(base, path, Some(&token)).await;
        assert_eq!(res.status(), StatusCode::OK, "{path}");
        assert_eq!(header(&res, "x-auth-provider").as_deref(), Some("privy"));
        assert_eq!(
            header(&res, "x-auth-user-id").as_deref(),
            Some("did:privy:cm3user1")
        );
        assert_eq!(
            header(&res, "x-auth-email").as_deref(),
            Some("ada@example.com")
        );
        assert_eq!(
            header(&res, "x-auth-wallets").as_deref(),
            Some("evm:0xAbC0000000000000000000000000000000000001")
        );
        assert_eq!(header(&res, "x-auth-claims"), None);
    }

    // No token: 401 with a bare challenge and the layer's body.
    let res = auth(base, "/auth", None).await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(header(&res, "www-authenticate").as_deref(), Some("Bearer"));
    assert_eq!(
        res.json::<Value>().await.unwrap(),
        json!({"error": "missing_token", "error_description": "authentication required"})
    );

    // Expired, forged: 401 invalid_token, and one log line each naming reason and provider.
    let mut expired = privy_claims();
    expired["exp"] = json!(now() - 3600);
    let res = auth(base, "/auth", Some(&sign(&ec, &expired))).await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        header(&res, "www-authenticate").as_deref(),
        Some("Bearer error=\"invalid_token\", error_description=\"the token has expired\"")
    );
    let forged = sign(&EcKey::generate("privy-1"), &privy_claims());
    let res = auth(base, "/auth", Some(&forged)).await;
    assert_eq!(
        header(&res, "www-authenticate").as_deref(),
        Some(
            "Bearer error=\"invalid_token\", error_description=\"the token's signature is invalid\""
        )
    );
    let logged: Vec<String> = served.stderr.try_iter().collect();
    assert_eq!(
        logged,
        [
            "wallet-auth serve: refused status=401 reason=missing_token provider=unknown",
            "wallet-auth serve: refused status=401 reason=expired provider=privy",
            "wallet-auth serve: refused status=401 reason=invalid_signature provider=privy",
        ]
    );
    assert!(!logged.iter().any(|l| l.contains(&forged)));

    // Per location: a scope (from `scope` or `scp`), a provider; unknown parameters are a 400.
    let res = auth(base, "/auth?scope=read:me", Some(&token)).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        header(&res, "www-authenticate").as_deref(),
        Some(
            "Bearer error=\"insufficient_scope\", error_description=\"the token does not grant this access\""
        )
    );
    let mut scoped = privy_claims();
    scoped["scp"] = json!(["read:me", "write:me"]);
    let scoped = sign(&ec, &scoped);
    let res = auth(base, "/auth?scope=read:me&scope=write:me", Some(&scoped)).await;
    assert_eq!(res.status(), StatusCode::OK);
    let res = auth(base, "/auth?provider=privy", Some(&token)).await;
    assert_eq!(res.status(), StatusCode::OK);
    let res = auth(base, "/auth?provider=dynamic", Some(&token)).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let res = auth(base, "/auth?scopes=read:me", Some(&token)).await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);

    // Health, readiness (the key set was fetched at start), metrics.
    assert_eq!(
        auth(base, "/healthz", None).await.text().await.unwrap(),
        "ok"
    );
    let res = auth(base, "/readyz", None).await;
    assert_eq!(
        (res.status(), res.text().await.unwrap()),
        (StatusCode::OK, "ready".to_owned())
    );
    let metrics = auth(base, "/metrics", None).await.text().await.unwrap();
    assert!(
        metrics.contains("wallet_auth_verifications_total{provider=\"privy\",outcome=\"accepted\",reason=\"none\"}"),
        "{metrics}"
    );
}

#[tokio::test]
async fn values_from_the_token_cannot_forge_headers() {
    let ec = EcKey::generate("privy-1");
    let keys = JwksServer::start_on_own_thread(jwks(&[ec.jwk()]));
    let served = serve(
        &config(
            &keys.url(),
            "\n[serve]\nclaims_header = true\nuser_id_header = \"X-User\"\nmax_header_bytes = 256\n",
        ),
        "json",
    );
    let base = &served.base;

    let mut claims = privy_claims();
    claims["sub"] = json!("did:privy:u\r\nX-Auth-Admin: true\u{7f}é%");
    claims["linked_accounts"] = json!("[]");
    let res = auth(base, "/auth", Some(&sign(&ec, &claims))).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(
        header(&res, "x-user").as_deref(),
        Some("did:privy:u%0D%0AX-Auth-Admin: true%7F%C3%A9%25")
    );
    assert_eq!(header(&res, "x-auth-admin"), None);
    assert_eq!(header(&res, "x-auth-user-id"), None);
    let claims_header = header(&res, "x-auth-claims").unwrap();
    let decoded = base64::Engine::decode(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD,
        &claims_header,
    )
    .unwrap();
    assert_eq!(
        serde_json::from_slice::<Value>(&decoded).unwrap()["sub"],
        claims["sub"]
    );

    // Over the limit: refused, not truncated (the claims header alone passes 256 bytes here).
    let mut long = privy_claims();
    long["note"] = json!("x".repeat(300));
    let res = auth(base, "/auth", Some(&sign(&ec, &long))).await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        header(&res, "www-authenticate").as_deref(),
        Some(
            "Bearer error=\"invalid_token\", error_description=\"the token's claims are invalid\""
        )
    );
    let line = served
        .stderr
        .recv_timeout(std::time::Duration::from_secs(5))
        .unwrap();
    assert_eq!(
        serde_json::from_str::<Value>(&line).unwrap(),
        json!({"level": "info", "message": "refused", "status": 401, "reason": "invalid_claim", "provider": "privy"})
    );
}

#[test]
fn a_bad_configuration_exits_2_with_one_line() {
    let path = config(
        "http://127.0.0.1:9/jwks",
        "\n[serve]\nuser_id_header = \"X User\"\n",
    );
    let out = Command::new(BIN)
        .args(["serve", "--config"])
        .arg(&path)
        .args(["--listen", "127.0.0.1:0"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        String::from_utf8(out.stderr).unwrap(),
        "error: config: serve.user_id_header: \"X User\" is not a header name\n"
    );
    let path = config(
        "http://127.0.0.1:9/jwks",
        "\n[serve]\nmax_header_bytes = 10\n",
    );
    let out = Command::new(BIN)
        .args(["serve", "--config"])
        .arg(&path)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        String::from_utf8(out.stderr).unwrap(),
        "error: config: serve.max_header_bytes: 10 is outside its valid range 256..=16384\n"
    );
}

#[test]
fn bad_flags_exit_2_with_one_line() {
    let path = config("http://127.0.0.1:9/jwks", "");
    for (flag, value, line) in [
        (
            "--listen",
            "nowhere",
            "error: --listen \"nowhere\": expected an address like 127.0.0.1:8089\n",
        ),
        (
            "--grpc-listen",
            "localhost",
            "error: --grpc-listen \"localhost\": expected an address like 127.0.0.1:8090\n",
        ),
        (
            "--log-format",
            "yaml",
            "error: --log-format \"yaml\": expected text or json\n",
        ),
    ] {
        let out = Command::new(BIN)
            .args(["serve", "--config"])
            .arg(&path)
            .args([flag, value])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{flag}");
        assert_eq!(String::from_utf8(out.stderr).unwrap(), line, "{flag}");
    }
}

#[cfg(unix)]
#[tokio::test]
async fn sigterm_stops_it_gracefully() {
    let ec = EcKey::generate("privy-1");
    let keys = JwksServer::start_on_own_thread(jwks(&[ec.jwk()]));
    let mut served = serve(&config(&keys.url(), ""), "text");
    assert_eq!(
        auth(&served.base, "/healthz", None).await.status(),
        StatusCode::OK
    );
    let pid = served.child.id().to_string();
    let killed = Command::new("kill").args(["-TERM", &pid]).status().unwrap();
    assert!(killed.success());
    let status = served.child.wait().unwrap();
    assert_eq!(status.code(), Some(0));
    let rest: Vec<String> = served.stderr.iter().collect();
    assert_eq!(rest, ["wallet-auth serve: stopped"]);
}
