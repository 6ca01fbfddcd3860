//! Raw `jsonwebtoken::decode` against our full verification, per algorithm, cold (no token cache)
//! and warm (token cache hit) — and a wallet sign-in session (`SESSION`, ES256 with revocations),
//! to compare with the ES256 provider token; then the layer's own overhead over a bare service.
//!
//! Tokens that are not plain JWTs are compared with the bare signature check on the same bytes:
//! `MAGIC` and `THIRDWEB` against k256's own EIP-191 recovery of the signer (hash and recover),
//! `TURNKEY` against aws-lc-rs's P-256 verification of SHA-256 of the signing input.
//!
//! ```sh
//! cargo bench -p wallet-auth-layer --bench verify -- --warm-up-time 1 --measurement-time 3
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
    /// What `raw` is (`jsonwebtoken::decode`, or the bare signature check).
    baseline: &'static str,
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
        baseline: "jsonwebtoken::decode",
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
        baseline: "jsonwebtoken::decode",
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
        baseline: "jsonwebtoken::decode",
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
        baseline: "jsonwebtoken::decode",
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
        baseline: "jsonwebtoken::decode",
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
    cases.extend(non_jwt_cases(now));
    cases
}

/// A secp256k1 key from fixed bytes (the bench's admin / Magic wallet).
fn secp_key() -> k256::ecdsa::SigningKey {
    k256::ecdsa::SigningKey::from_bytes(&[0x42; 32].into()).unwrap()
}

/// `0x` hex of the EIP-191 signature of `message` by `key`, and the signature bytes.
fn eip191(key: &k256::ecdsa::SigningKey, message: &[u8]) -> (String, Vec<u8>) {
    let (sig, rec) = key
        .sign_prehash_recoverable(&signin_core::eip191_hash(message))
        .unwrap();
    let mut bytes = sig.to_bytes().to_vec();
    bytes.push(27 + rec.to_byte());
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    (format!("0x{hex}"), bytes)
}

/// k256's own recovery of the signer of `message`: the baseline of the EIP-191 providers.
fn k256_recover(message: Vec<u8>, rsv: Vec<u8>) -> Box<dyn Fn(&str) -> bool> {
    Box::new(move |_| {
        let sig = k256::ecdsa::Signature::from_slice(&rsv[..64]).unwrap();
        let id = k256::ecdsa::RecoveryId::from_byte(rsv[64] - 27).unwrap();
        let hash = signin_core::eip191_hash(black_box(&message));
        k256::ecdsa::VerifyingKey::recover_from_prehash(&hash, &sig, id).is_ok()
    })
}

fn non_jwt_cases(now: i64) -> Vec<Case> {
    use base64::Engine as _;
    use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
    let key = secp_key();
    let address = signin_core::eip55(&signin_core::evm_signature::address_of(key.verifying_key()));
    let mut cases = Vec::new();

    let claim = json!({"iat": now, "ext": now + 900, "nbf": now,
        "iss": format!("did:ethr:{address}"), "sub": "MjlysmG3-aIRyElzFMbuSiXYu7dN3qOLrCpjyb6wbVM=",
        "aud": "did:magic:f54168e9-9ce9-47f2-81c8-7cb2a96b26ba", "tid": "2ddf5983-983b-487d-b464-bc5e283a03c5",
        "add": "none"})
    .to_string();
    let (proof, rsv) = eip191(&key, claim.as_bytes());
    let (cold, warm) = verifiers(
        Policy::magic("did:magic:f54168e9-9ce9-47f2-81c8-7cb2a96b26ba").unwrap(),
        KeySource::InScheme,
    );
    cases.push(Case {
        name: "MAGIC",
        baseline: "k256 recover",
        token: STANDARD.encode(json!([proof, claim]).to_string()),
        cold,
        warm,
        raw: k256_recover(claim.into_bytes(), rsv),
    });

    let payload = json!({"iss": address, "sub": "0xAb8483F64d9C6d1EcF9b849Ae677dD3315835cb2",
        "aud": "example.com", "exp": now + 86_400, "nbf": now - 600, "iat": now,
        "jti": "0b5d1c3e-4f6a-4b7c-8d9e-0f1a2b3c4d5e", "ctx": {}})
    .to_string();
    let (signature, rsv) = eip191(&key, payload.as_bytes());
    let (cold, warm) = verifiers(
        Policy::thirdweb(&address, "example.com").unwrap(),
        KeySource::InScheme,
    );
    cases.push(Case {
        name: "THIRDWEB",
        baseline: "k256 recover",
        token: format!(
            "{}.{}.{}",
            claims_core::providers::thirdweb::HEADER_SEGMENT,
            URL_SAFE_NO_PAD.encode(&payload),
            URL_SAFE_NO_PAD.encode(signature)
        ),
        cold,
        warm,
        raw: k256_recover(payload.into_bytes(), rsv),
    });

    use aws_lc_rs::signature::{
        ECDSA_P256_SHA256_FIXED, ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, KeyPair as _,
        UnparsedPublicKey,
    };
    let pair = EcdsaKeyPair::generate(&ECDSA_P256_SHA256_FIXED_SIGNING).unwrap();
    let public = pair.public_key().as_ref().to_vec();
    let hex: String = public.iter().map(|b| format!("{b:02x}")).collect();
    let claims = json!({"exp": now + 900,
        "public_key": "0399fe2ace6208af0adf848f44bc48210b594b7e69ecd91ec968fd75b3bb448336",
        "session_type": "SESSION_TYPE_READ_WRITE", "user_id": "6912b819-f4df-40f4-a192-20ee43090974",
        "organization_id": "c75ecb07-c84a-4dd5-932c-539dfafc6864"});
    let input = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(r#"{"alg":"ES256","typ":"JWT"}"#),
        URL_SAFE_NO_PAD.encode(claims.to_string())
    );
    let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, input.as_bytes());
    let sig = pair
        .sign(&aws_lc_rs::rand::SystemRandom::new(), digest.as_ref())
        .unwrap();
    let (cold, warm) = verifiers(
        Policy::turnkey(["c75ecb07-c84a-4dd5-932c-539dfafc6864"], &hex).unwrap(),
        KeySource::InScheme,
    );
    let sig_bytes = sig.as_ref().to_vec();
    let signed = input.clone();
    cases.push(Case {
        name: "TURNKEY",
        baseline: "aws-lc-rs P-256 verify",
        token: format!("{input}.{}", URL_SAFE_NO_PAD.encode(&sig_bytes)),
        cold,
        warm,
        raw: Box::new(move |_| {
            let digest =
                aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, black_box(signed.as_bytes()));
            UnparsedPublicKey::new(&ECDSA_P256_SHA256_FIXED, &public)
                .verify(digest.as_ref(), &sig_bytes)
                .is_ok()
        }),
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
            "{}: the baseline ({}) refused the token",
            case.name,
            case.baseline
        );
        ready(case.cold.verify_at(&case.token, now)).unwrap();
        let a = ready(case.warm.verify_at(&case.token, now)).unwrap();
        let b = ready(case.warm.verify_at(&case.token, now)).unwrap();
        assert!(a.ptr_eq(&b), "{}: the warm verifier did not hit", case.name);

        let mut g = c.benchmark_group(case.name);
        g.bench_function("baseline", |b| {
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
            ns(case.name, "baseline"),
            ns(case.name, "ours_cold"),
            ns(case.name, "ours_warm"),
        ) else {
            continue;
        };
        println!(
            "{:<8} {} {:>9.0} ns | ours cold {:>9.0} ns = {:.3}x baseline (target <= 1.10x) | ours warm {:>6.0} ns = {:.4}x baseline",
            case.name,
            case.baseline,
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
