//! Raw `jsonwebtoken::decode` against our full verification, per algorithm, cold (no token cache)
//! and warm (token cache hit) — and a wallet sign-in session (`SESSION`, ES256 with revocations),
//! to compare with the ES256 provider token; then the layer's own overhead over a bare service.
//!
//! ```sh
//! cargo bench -p auth-layer --bench verify -- --warm-up-time 1 --measurement-time 3
//! ```
//!
//! Both sides do the same work on the same token: `jsonwebtoken::decode` into the provider's
//! claims type with a `Validation` carrying the same algorithm, issuer, audience and leeway;
//! ours is `Verifier::verify_at` (size cap, strict parsing, routing, header rules, key lookup,
//! signature, typed claims, provider rules, identity). After the runs, the ratios are printed.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    missing_docs
)]

use std::convert::Infallible;
use std::future::Future;
use std::hint::black_box;
use std::pin::pin;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};

use auth_layer::{AuthLayer, KeySource, Verifier};
use axum::body::Body;
use claims_core::{
    Algorithm, ParaClaims, ParraClaims, ParraIssuer, ParraKeyring, Policy, Web3AuthClaims,
};
use criterion::Criterion;
use http::{Request, Response, header};
use jsonwebtoken::{DecodingKey, Validation};
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use test_support::jwt_algorithm;
use test_support::{EcKey, EdKey, RsaKey, sign};
use tower_layer::Layer as _;
use tower_service::Service as _;

/// Poll a future that never waits (static keys, warm caches) to completion, without a runtime.
fn ready<F: Future>(f: F) -> F::Output {
    let mut f = pin!(f);
    match f.as_mut().poll(&mut Context::from_waker(Waker::noop())) {
        Poll::Ready(v) => v,
        Poll::Pending => panic!("the benchmarked future waited"),
    }
}

struct Case {
    name: &'static str,
    token: String,
    cold: Verifier,
    warm: Verifier,
    raw: Box<dyn Fn(&str) -> bool>,
}

fn raw<C: DeserializeOwned + 'static>(
    key: DecodingKey,
    validation: Validation,
) -> Box<dyn Fn(&str) -> bool> {
    Box::new(move |token| jsonwebtoken::decode::<C>(token, &key, &validation).is_ok())
}

fn validation(alg: Algorithm, iss: Option<&str>, aud: Option<&str>) -> Validation {
    let mut v = Validation::new(jwt_algorithm(alg));
    v.leeway = 60;
    v.set_required_spec_claims(&["exp"]);
    match iss {
        Some(iss) => v.set_issuer(&[iss]),
        None => v.iss = None,
    }
    match aud {
        Some(aud) => v.set_audience(&[aud]),
        None => v.validate_aud = false,
    }
    v
}

fn verifiers(policy: Policy, keys: KeySource) -> (Verifier, Verifier) {
    let build = |cache: bool| {
        Verifier::builder()
            .provider(policy.clone(), keys.clone())
            .token_cache(cache)
            .build()
            .unwrap()
    };
    (build(false), build(true))
}

fn para_claims(now: i64) -> Value {
    json!({
        "sub": "6d1f0f1e-8a5c-4a53-9a59-1c1f3f0b2a77",
        "iat": now,
        "exp": now + 1800,
        "data": {
            "userId": "6d1f0f1e-8a5c-4a53-9a59-1c1f3f0b2a77",
            "email": "alice@example.com",
            "authType": "email",
            "identifier": "alice@example.com",
            "wallets": [{"id": "8f8e0a51-1d2c-4f9a-b6a5-0f4f0e2d2e11", "type": "EVM",
                         "address": "0x71C7656EC7ab88b098defB751B7401B5f6d8976F", "publicKey": "0x04a1b2"}]
        }
    })
}

fn cases(now: i64) -> Vec<Case> {
    let mut cases = Vec::new();

    let rsa = RsaKey::generate("rsa-1");
    let token = sign(&rsa, &para_claims(now));
    let (cold, warm) = verifiers(
        Policy::para(),
        KeySource::Static(std::sync::Arc::new(
            rsa.decoding_key().verifying_key().unwrap(),
        )),
    );
    cases.push(Case {
        name: "RS256",
        token,
        cold,
        warm,
        raw: raw::<ParaClaims>(
            rsa.decoding_key().0,
            validation(Algorithm::RS256, None, None),
        ),
    });

    let ec = EcKey::generate("ec-1");
    let claims = json!({
        "iat": now, "exp": now + 1800, "aud": "BPi5PB_UiIZ-cPz1GtV5i1I2iOSOHuimiXBI0e-Oe_u6X3oVAbCiAZOTEBtTXw4tsluTITPqA8zMsfxIKMjiqNQ",
        "iss": "https://api-auth.web3auth.io", "nonce": "03b3c1a3fbdc0e3ff8cb5d1e1f7a2bb4e0f4ad1f8d0b2ee7a3c3b4b1f1ce8b7a11",
        "wallets": [{"public_key": "035143318b83eb5d31611f8c03582ab1200494f66f5e11a67c34f5581f48c1b70b",
                     "type": "web3auth_app_key", "curve": "secp256k1"}],
        "email": "alice@example.com", "name": "Alice", "profileImage": "https://example.com/a.png",
        "verifier": "web3auth", "verifierId": "alice@example.com", "aggregateVerifier": "w3a-google", "typeOfLogin": "google"
    });
    let aud = claims["aud"].as_str().unwrap().to_owned();
    let token = sign(&ec, &claims);
    let (cold, warm) = verifiers(
        Policy::web3auth(aud.clone()).unwrap(),
        KeySource::Static(std::sync::Arc::new(
            ec.decoding_key().verifying_key().unwrap(),
        )),
    );
    cases.push(Case {
        name: "ES256",
        token,
        cold,
        warm,
        raw: raw::<Web3AuthClaims>(
            ec.decoding_key().0,
            validation(
                Algorithm::ES256,
                Some("https://api-auth.web3auth.io"),
                Some(&aud),
            ),
        ),
    });

    let ed = EdKey::generate("ed-1");
    let token = sign(&ed, &para_claims(now));
    let (cold, warm) = verifiers(
        Policy::para().with_algorithms(&[Algorithm::EdDSA]).unwrap(),
        KeySource::Static(std::sync::Arc::new(
            ed.decoding_key().verifying_key().unwrap(),
        )),
    );
    cases.push(Case {
        name: "EdDSA",
        token,
        cold,
        warm,
        raw: raw::<ParaClaims>(
            ed.decoding_key().0,
            validation(Algorithm::EdDSA, None, None),
        ),
    });

    let secret = b"a long and random API key secret, 32+ bytes".to_vec();
    let token = ParraIssuer::new("key-1", secret.clone(), "tenant-1")
        .unwrap()
        .issue("user|7", now)
        .unwrap();
    let mut keyring = ParraKeyring::new();
    keyring.insert("key-1", &secret).unwrap();
    let (cold, warm) = verifiers(
        Policy::parra([("key-1", "tenant-1")]).unwrap(),
        KeySource::Parra(Arc::new(keyring)),
    );
    let mut v = validation(Algorithm::HS256, Some("key-1"), None);
    v.sub = Some("tenant-1".into());
    cases.push(Case {
        name: "HS256",
        token,
        cold,
        warm,
        raw: raw::<ParraClaims>(DecodingKey::from_secret(&secret).unwrap(), v),
    });
    // A wallet sign-in session (ES256, this service's own key, revocations checked on every
    // verification): it should cost what the ES256 provider token costs.
    let keys = auth_layer::signin::SessionKeys::generate().unwrap();
    let session = json!({
        "iss": "https://api.example.com", "aud": "https://api.example.com",
        "sub": "eip155:1:0xAb5801a7D398351b8bE11C439e05C5B3259aeC9B", "iat": now, "exp": now + 1800,
        "sid": "3f9a8b7c6d5e4f3021a0b9c8d7e6f501",
        "address": "0xAb5801a7D398351b8bE11C439e05C5B3259aeC9B", "chain": "eip155:1"
    });
    let token = keys.sign(&session).unwrap();
    let jwk = &keys.jwks()["keys"][0];
    let build = |cache: bool| {
        let entry = auth_layer::ProviderEntry::new(
            Policy::signin("https://api.example.com", "https://api.example.com").unwrap(),
            KeySource::ByKid(keys.verifying_keys()),
        )
        .with_revocations(Arc::new(auth_layer::signin::RevocationList::new()));
        Verifier::builder()
            .entry(entry)
            .token_cache(cache)
            .build()
            .unwrap()
    };
    cases.push(Case {
        name: "SESSION",
        token,
        cold: build(false),
        warm: build(true),
        raw: raw::<claims_core::SessionClaims>(
            DecodingKey::from_ec_components(jwk["x"].as_str().unwrap(), jwk["y"].as_str().unwrap())
                .unwrap(),
            validation(
                Algorithm::ES256,
                Some("https://api.example.com"),
                Some("https://api.example.com"),
            ),
        ),
    });
    cases
}

fn main() {
    let mut c = Criterion::default().configure_from_args();
    let now = claims_core::now();
    let cases = cases(now);
    for case in &cases {
        assert!(
            (case.raw)(&case.token),
            "{}: jsonwebtoken refused the token",
            case.name
        );
        ready(case.cold.verify_at(&case.token, now)).unwrap();
        let a = ready(case.warm.verify_at(&case.token, now)).unwrap();
        let b = ready(case.warm.verify_at(&case.token, now)).unwrap();
        assert!(a.ptr_eq(&b), "{}: the warm verifier did not hit", case.name);

        let mut g = c.benchmark_group(case.name);
        g.bench_function("jsonwebtoken_decode", |b| {
            b.iter(|| assert!((case.raw)(black_box(&case.token))))
        });
        g.bench_function("ours_cold", |b| {
            b.iter(|| ready(case.cold.verify_at(black_box(&case.token), now)).unwrap())
        });
        g.bench_function("ours_warm", |b| {
            b.iter(|| ready(case.warm.verify_at(black_box(&case.token), now)).unwrap())
        });
        g.finish();
    }

    // The layer's own overhead: the same request through a bare service and through the layer.
    let rs = &cases[0];
    let bare = tower::service_fn(|_req: Request<Body>| async {
        Ok::<_, Infallible>(Response::new(Body::empty()))
    });
    let request = |token: &str| {
        Request::get("/me")
            .header(header::AUTHORIZATION, format!("Bearer {token}"))
            .body(Body::empty())
            .unwrap()
    };
    let mut g = c.benchmark_group("layer");
    g.bench_function("bare_service", |b| {
        let mut svc = bare;
        b.iter(|| ready(svc.call(request(&rs.token))).unwrap())
    });
    g.bench_function("layer_warm_hit", |b| {
        let mut svc = AuthLayer::new(rs.warm.clone()).layer(bare);
        b.iter(|| {
            let r = ready(svc.call(request(&rs.token))).unwrap();
            assert_eq!(r.status(), 200);
        })
    });
    g.bench_function("layer_cold_RS256", |b| {
        let mut svc = AuthLayer::new(rs.cold.clone()).layer(bare);
        b.iter(|| {
            let r = ready(svc.call(request(&rs.token))).unwrap();
            assert_eq!(r.status(), 200);
        })
    });
    g.finish();
    c.final_summary();

    // The ratios of this run, from criterion's own estimates (medians).
    let ns = test_support::criterion_median_ns;
    println!("\n== ratios (median times of this run) ==");
    for case in &cases {
        let (Some(raw), Some(cold), Some(warm)) = (
            ns(case.name, "jsonwebtoken_decode"),
            ns(case.name, "ours_cold"),
            ns(case.name, "ours_warm"),
        ) else {
            continue;
        };
        println!(
            "{:<6} jsonwebtoken::decode {:>9.0} ns | ours cold {:>9.0} ns = {:.3}x decode (target <= 1.10x) | ours warm {:>6.0} ns = {:.4}x decode",
            case.name,
            raw,
            cold,
            cold / raw,
            warm,
            warm / raw
        );
    }
    if let (Some(bare), Some(warm), Some(cold)) = (
        ns("layer", "bare_service"),
        ns("layer", "layer_warm_hit"),
        ns("layer", "layer_cold_RS256"),
    ) {
        println!(
            "layer  bare {bare:.0} ns | warm hit {warm:.0} ns (+{:.0} ns) | cold RS256 {cold:.0} ns (+{:.0} ns)",
            warm - bare,
            cold - bare
        );
    }
}
