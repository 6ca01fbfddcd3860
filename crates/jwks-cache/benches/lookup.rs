//! Hit path (kid lookup on a warm cache) and parse-once cost of a 5-key set.
#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::hint::black_box;
use std::sync::Arc;

use aws_lc_rs::signature::{
    ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, Ed25519KeyPair, KeyPair as _, RsaKeyPair,
    RsaPublicKeyComponents,
};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use criterion::{Criterion, criterion_group, criterion_main};
use futures_util::FutureExt as _;
use futures_util::future::BoxFuture;
use jwks_cache::Algorithm;
use jwks_cache::{FetchError, FetchedJwks, JwksCache, JwksFetcher, parse_jwks};
use serde_json::json;

/// Three RSA-2048 keys, one P-256 key, one Ed25519 key.
fn five_key_set() -> String {
    let mut keys = Vec::new();
    for i in 0..3 {
        let kp = RsaKeyPair::generate(aws_lc_rs::rsa::KeySize::Rsa2048).unwrap();
        let c = RsaPublicKeyComponents::<Vec<u8>>::from(kp.public_key());
        keys.push(json!({"kty": "RSA", "kid": format!("rsa-{i}"), "use": "sig", "alg": "RS256", "n": B64.encode(&c.n), "e": B64.encode(&c.e)}));
    }
    let ec = EcdsaKeyPair::generate(&ECDSA_P256_SHA256_FIXED_SIGNING).unwrap();
    let p = ec.public_key().as_ref();
    keys.push(json!({"kty": "EC", "crv": "P-256", "kid": "ec", "x": B64.encode(&p[1..33]), "y": B64.encode(&p[33..])}));
    let ed = Ed25519KeyPair::generate().unwrap();
    keys.push(json!({"kty": "OKP", "crv": "Ed25519", "kid": "ed", "x": B64.encode(ed.public_key().as_ref())}));
    json!({ "keys": keys }).to_string()
}

struct Static(Vec<u8>);

impl JwksFetcher for Static {
    fn fetch<'a>(&'a self, _url: &'a str) -> BoxFuture<'a, Result<FetchedJwks, FetchError>> {
        Box::pin(async move {
            Ok(FetchedJwks {
                body: self.0.clone(),
                max_age: None,
            })
        })
    }
}

fn benches(c: &mut Criterion) {
    let set = five_key_set();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let _guard = rt.enter();
    let cache = JwksCache::builder()
        .fetcher(Arc::new(Static(set.clone().into_bytes())))
        .build()
        .unwrap();
    let source = cache.source("https://issuer.example/jwks.json").unwrap();
    rt.block_on(source.refresh()).unwrap();

    c.bench_function("warm_lookup/kid", |b| {
        b.iter(|| {
            source
                .key(black_box(Some("rsa-2")), black_box(Algorithm::RS256))
                .now_or_never()
                .unwrap()
                .unwrap()
        })
    });
    c.bench_function("warm_lookup/no_kid_5_keys", |b| {
        b.iter(|| {
            source
                .key(black_box(None), black_box(Algorithm::EdDSA))
                .now_or_never()
                .unwrap()
                .unwrap()
        })
    });
    c.bench_function("warm_lookup/kid_block_on", |b| {
        b.iter(|| {
            rt.block_on(source.key(black_box(Some("ec")), black_box(Algorithm::ES256)))
                .unwrap()
        })
    });
    c.bench_function("parse_once/5_keys", |b| {
        b.iter(|| parse_jwks(black_box(set.as_bytes()), 100).unwrap())
    });
    c.bench_function("refresh/5_keys_unchanged_reused", |b| {
        b.iter(|| rt.block_on(source.refresh()).unwrap())
    });
}

criterion_group!(lookup, benches);
criterion_main!(lookup);
