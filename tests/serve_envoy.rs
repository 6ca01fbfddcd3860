//! Envoy's `ext_authz` against `wallet-auth serve`: the gRPC `Check` service, driven by a tonic
//! client sending the request shape Envoy sends (`attributes.request.http` with headers, path,
//! method), and the HTTP service mode (Envoy's path prefix: the original path under `/auth`).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod gateway_support;

use std::collections::HashMap;

use envoy_types::pb::envoy::service::auth::v3::authorization_client::AuthorizationClient;
use envoy_types::pb::envoy::service::auth::v3::check_response::HttpResponse;
use envoy_types::pb::envoy::service::auth::v3::{
    AttributeContext, CheckRequest, attribute_context,
};
use gateway_support::*;
use reqwest::StatusCode;
use serde_json::{Value, json};
use test_support::jwks_server::{JwksServer, closed_url};
use test_support::{EcKey, jwks, now, sign};

/// The request Envoy sends for `GET path` with `headers`.
fn envoy_request(path: &str, headers: &[(&str, &str)]) -> CheckRequest {
    let mut map: HashMap<String, String> = headers
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    map.insert(":path".into(), path.into());
    map.insert(":method".into(), "GET".into());
    map.insert(":authority".into(), "app.example.com".into());
    CheckRequest {
        attributes: Some(AttributeContext {
            request: Some(attribute_context::Request {
                http: Some(attribute_context::HttpRequest {
                    method: "GET".into(),
                    path: path.into(),
                    host: "app.example.com".into(),
                    headers: map,
                    ..Default::default()
                }),
                ..Default::default()
            }),
            ..Default::default()
        }),
    }
}

/// The key → value of Envoy header options.
fn header_map(
    options: &[envoy_types::pb::envoy::config::core::v3::HeaderValueOption],
) -> HashMap<String, String> {
    options
        .iter()
        .map(|o| {
            let h = o.header.clone().unwrap();
            (h.key, h.value)
        })
        .collect()
}

#[tokio::test]
async fn grpc_check_allows_and_denies_like_auth() {
    let ec = EcKey::generate("privy-1");
    let keys = JwksServer::start_on_own_thread(jwks(&[ec.jwk()]));
    let served = serve_with(
        &config(&keys.url(), ""),
        "text",
        &["--grpc-listen", "127.0.0.1:0"],
    );
    let grpc = served.grpc.clone().expect("the gRPC address");
    let mut client = AuthorizationClient::connect(format!("http://{grpc}"))
        .await
        .unwrap();
    let bearer = format!("Bearer {}", sign(&ec, &privy_claims()));

    // Allowed: OK, the identity headers set (replacing the client's), the others removed.
    let res = client
        .check(envoy_request(
            "/app",
            &[("authorization", &bearer), ("x-auth-user-id", "admin")],
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(res.status.unwrap().code, 0);
    let Some(HttpResponse::OkResponse(ok)) = res.http_response else {
        panic!("not an OkHttpResponse");
    };
    let set = header_map(&ok.headers);
    assert_eq!(
        set,
        HashMap::from([
            ("x-auth-provider".to_owned(), "privy".to_owned()),
            ("x-auth-user-id".to_owned(), "did:privy:cm3user1".to_owned()),
            ("x-auth-email".to_owned(), "ada@example.com".to_owned()),
            (
                "x-auth-wallets".to_owned(),
                "evm:0xAbC0000000000000000000000000000000000001".to_owned()
            ),
        ])
    );
    // OVERWRITE_IF_EXISTS_OR_ADD: a client's own X-Auth-User-Id is replaced, not kept beside.
    assert!(ok.headers.iter().all(|h| h.append_action == 2));

    // Denied: UNAUTHENTICATED and the layer's 401 (challenge and body) for the client.
    let mut expired = privy_claims();
    expired["exp"] = json!(now() - 3600);
    let bearer_expired = format!("Bearer {}", sign(&ec, &expired));
    for (request, grpc_code, http, challenge, body) in [
        (
            envoy_request("/app", &[]),
            16,
            401,
            Some("Bearer"),
            json!({"error": "missing_token", "error_description": "authentication required"}),
        ),
        (
            envoy_request("/app", &[("authorization", &bearer_expired)]),
            16,
            401,
            Some("Bearer error=\"invalid_token\", error_description=\"the token has expired\""),
            json!({"error": "invalid_token", "error_description": "the token has expired"}),
        ),
        (
            envoy_request("/app?scope=read:me", &[("authorization", &bearer)]),
            7,
            403,
            Some(
                "Bearer error=\"insufficient_scope\", error_description=\"the token does not grant this access\"",
            ),
            json!({"error": "insufficient_scope", "error_description": "the token does not grant this access"}),
        ),
    ] {
        let res = client.check(request).await.unwrap().into_inner();
        assert_eq!(res.status.unwrap().code, grpc_code, "{challenge:?}");
        let Some(HttpResponse::DeniedResponse(denied)) = res.http_response else {
            panic!("not a DeniedHttpResponse");
        };
        assert_eq!(denied.status.unwrap().code, http);
        let headers = header_map(&denied.headers);
        assert_eq!(
            headers.get("www-authenticate").map(String::as_str),
            challenge
        );
        assert_eq!(serde_json::from_str::<Value>(&denied.body).unwrap(), body);
    }
}

#[tokio::test]
async fn grpc_check_is_unavailable_when_keys_are() {
    let ec = EcKey::generate("privy-1");
    let served = serve_with(
        &config(&closed_url().await, ""),
        "text",
        &["--grpc-listen", "127.0.0.1:0"],
    );
    let mut client =
        AuthorizationClient::connect(format!("http://{}", served.grpc.clone().unwrap()))
            .await
            .unwrap();
    let bearer = format!("Bearer {}", sign(&ec, &privy_claims()));
    let res = client
        .check(envoy_request("/app", &[("authorization", &bearer)]))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(res.status.unwrap().code, 14);
    let Some(HttpResponse::DeniedResponse(denied)) = res.http_response else {
        panic!("not a DeniedHttpResponse");
    };
    assert_eq!(denied.status.unwrap().code, 503);
    assert_eq!(header_map(&denied.headers)["retry-after"], "5");
}

#[tokio::test]
async fn http_service_mode_takes_the_original_path_under_auth() {
    let ec = EcKey::generate("privy-1");
    let keys = JwksServer::start_on_own_thread(jwks(&[ec.jwk()]));
    let served = serve(&config(&keys.url(), ""), "text");
    let token = sign(&ec, &privy_claims());
    let res = reqwest::Client::builder()
        .no_proxy()
        .build()
        .unwrap()
        .post(format!("{}/auth/app/orders/42", served.base))
        .bearer_auth(&token)
        .header("x-envoy-original-path", "/app/orders/42")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["x-auth-user-id"], "did:privy:cm3user1");
}
