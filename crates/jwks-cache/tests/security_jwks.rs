//! The security suite, JWKS side: hostile or broken key sets served by a real JWKS server on
//! 127.0.0.1, fetched through `JwksCache`, and the exact `KeyError` / `SkipReason` each one gets.
//! No key that should not verify a token is ever handed out.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod support;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jwks_cache::Algorithm;
use jwks_cache::{JwksCache, JwksSource, KeyError, SkipReason, SkippedKey};
use serde_json::{Value, json};
use support::{JwksServer, TestKey, jwks};

/// A cache and source for a server serving `keys`, with the source's first fetch done.
async fn serve(keys: &[&Value]) -> (JwksServer, JwksSource) {
    let server = JwksServer::start(jwks(keys));
    let cache = JwksCache::builder().allow_http(true).build().unwrap();
    let source = cache.source(&server.url()).unwrap();
    source.refresh().await.unwrap();
    (server, source)
}

fn skipped(source: &JwksSource) -> Vec<SkippedKey> {
    source.current().unwrap().skipped().to_vec()
}

fn no_match(kid: &str) -> KeyError {
    KeyError::NoMatchingKey {
        kid: Some(kid.into()),
    }
}

fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 1)]
async fn symmetric_keys_in_a_remote_set_are_never_handed_out() {
    let good = TestKey::rsa("good");
    let oct = json!({"kty": "oct", "kid": "hmac", "k": b64(b"the provider's shared secret"), "alg": "HS256"});
    let (_server, source) = serve(&[&oct, &good.jwk]).await;
    assert_eq!(
        skipped(&source),
        vec![SkippedKey {
            kid: Some("hmac".into()),
            reason: SkipReason::SymmetricKey
        }]
    );
    for alg in [Algorithm::HS256, Algorithm::HS384, Algorithm::HS512] {
        assert_eq!(
            source.key(Some("hmac"), alg).await.unwrap_err(),
            KeyError::UnsupportedAlgorithm(alg)
        );
        // Not even the good RSA key is handed out for an HMAC algorithm.
        assert_eq!(
            source.key(Some("good"), alg).await.unwrap_err(),
            KeyError::UnsupportedAlgorithm(alg)
        );
    }
    assert_eq!(
        source
            .key(Some("hmac"), Algorithm::RS256)
            .await
            .unwrap_err(),
        no_match("hmac")
    );
    assert_eq!(
        source
            .key(Some("good"), Algorithm::RS256)
            .await
            .unwrap()
            .kid(),
        Some("good")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 1)]
async fn weak_and_broken_keys_are_skipped_with_their_reason() {
    let rsa = TestKey::rsa("r");
    let ec = TestKey::ec("e");
    // RSA-1024 (a well-formed 1024-bit modulus), e = 1, an EC point off the curve, and a public
    // JWK that leaks private members.
    let mut n1024 = vec![0xa5u8; 128];
    n1024[0] = 0xc1;
    let rsa1024 = json!({"kty": "RSA", "kid": "rsa1024", "n": b64(&n1024), "e": "AQAB"});
    let e1 = rsa.jwk_with(json!({"kid": "e1", "e": "AQ"}));
    let mut y = URL_SAFE_NO_PAD
        .decode(ec.jwk["y"].as_str().unwrap())
        .unwrap();
    y[31] ^= 1;
    let off_curve = ec.jwk_with(json!({"kid": "off-curve", "y": b64(&y)}));
    let private = ec.jwk_with(json!({"kid": "private", "d": b64(&[7u8; 32])}));
    // One good key keeps the set loadable (a set with no usable key at all is a fetch failure).
    let good = rsa.jwk_with(json!({"kid": "good"}));
    let (_server, source) = serve(&[&rsa1024, &e1, &off_curve, &private, &good]).await;
    let reasons: Vec<(Option<String>, SkipReason)> = skipped(&source)
        .into_iter()
        .map(|s| (s.kid, s.reason))
        .collect();
    assert_eq!(
        reasons,
        vec![
            (
                Some("rsa1024".into()),
                SkipReason::RsaKeyTooSmall { bits: 1024 }
            ),
            (Some("e1".into()), SkipReason::RsaBadExponent),
            (Some("off-curve".into()), SkipReason::InvalidEcPoint),
            (Some("private".into()), SkipReason::PrivateKeyMaterial("d")),
        ]
    );
    assert_eq!(source.current().unwrap().keys().len(), 1);
    for (kid, alg) in [
        ("rsa1024", Algorithm::RS256),
        ("e1", Algorithm::RS256),
        ("off-curve", Algorithm::ES256),
        ("private", Algorithm::ES256),
    ] {
        assert_eq!(
            source.key(Some(kid), alg).await.unwrap_err(),
            no_match(kid),
            "{kid}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 1)]
async fn keys_for_encryption_or_another_algorithm_are_not_chosen() {
    let rsa = TestKey::rsa("r");
    let enc = rsa.jwk_with(json!({"kid": "enc", "use": "enc"}));
    let encrypt_ops = rsa.jwk_with(json!({"kid": "ops", "key_ops": ["encrypt", "wrapKey"]}));
    let ps_only = rsa.jwk_with(json!({"kid": "ps", "alg": "PS256"}));
    let ec = TestKey::ec("ec");
    let (_server, source) = serve(&[&enc, &encrypt_ops, &ps_only, &ec.jwk]).await;
    assert!(skipped(&source).is_empty());
    assert_eq!(
        source.key(Some("enc"), Algorithm::RS256).await.unwrap_err(),
        no_match("enc")
    );
    assert_eq!(
        source.key(Some("ops"), Algorithm::RS256).await.unwrap_err(),
        no_match("ops")
    );
    // The JWK pins PS256: an RS256 token may not use it.
    assert_eq!(
        source.key(Some("ps"), Algorithm::RS256).await.unwrap_err(),
        no_match("ps")
    );
    assert_eq!(
        source
            .key(Some("ps"), Algorithm::PS256)
            .await
            .unwrap()
            .kid(),
        Some("ps")
    );
    // An EC key is never handed out for an RSA algorithm (nor the reverse).
    assert_eq!(
        source.key(Some("ec"), Algorithm::RS256).await.unwrap_err(),
        no_match("ec")
    );
    assert_eq!(
        source.key(Some("ps"), Algorithm::ES256).await.unwrap_err(),
        no_match("ps")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 1)]
async fn duplicate_kids_are_ambiguous_not_first_wins() {
    let a = TestKey::rsa("dup");
    let b = TestKey::rsa("dup");
    let (_server, source) = serve(&[&a.jwk, &b.jwk]).await;
    assert_eq!(
        source.key(Some("dup"), Algorithm::RS256).await.unwrap_err(),
        KeyError::AmbiguousKey {
            kid: Some("dup".into()),
            candidates: 2
        }
    );
    // Without a kid, two RSA keys are two candidates too.
    assert_eq!(
        source.key(None, Algorithm::RS256).await.unwrap_err(),
        KeyError::AmbiguousKey {
            kid: None,
            candidates: 2
        }
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 1)]
async fn hostile_kids_match_nothing_and_cause_no_refetch_flood() {
    let rsa = TestKey::rsa("k1");
    let (server, source) = serve(&[&rsa.jwk]).await;
    assert_eq!(server.hits(), 1);
    let kids = [
        "../../../../etc/passwd",
        "k1' OR '1'='1",
        "k1; DROP TABLE keys;--",
        "k1\u{0}",
        "K1",
        " k1",
        "%6b1",
    ];
    for kid in kids {
        assert_eq!(
            source.key(Some(kid), Algorithm::RS256).await.unwrap_err(),
            no_match(kid),
            "{kid:?}"
        );
    }
    // All of them fell within the cooldown of the initial fetch: not one refetch.
    assert_eq!(server.hits(), 1);
    assert_eq!(
        source
            .key(Some("k1"), Algorithm::RS256)
            .await
            .unwrap()
            .kid(),
        Some("k1")
    );
}
