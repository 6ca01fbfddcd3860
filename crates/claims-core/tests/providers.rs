//! Each provider's tokens, in the exact shape the provider issues, signed with real keys generated
//! here: valid tokens verify and give the exact `Identity`; each policy rule refuses with its exact
//! error variant.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use claims_core::*;
use serde_json::{Value, json};
use test_support::{DecodingKey, EcKey, Hmac, RsaKey, b64, sign, sign_with_header, unsigned};

use test_support::identity;

const NOW: i64 = 1_750_000_000;

/// Verify with the `jsonwebtoken` key and with the pre-parsed `VerifyingKey`: both paths must give
/// exactly the same outcome.
fn check<C: ProviderClaims + PartialEq>(
    policy: &Policy,
    token: &str,
    key: &DecodingKey,
) -> Result<Verified<C>, VerifyError> {
    let via_decoding_key = verify::<C, _>(token, policy, |_, _| Ok(key), NOW);
    let parsed = key.verifying_key().unwrap();
    let via_verifying_key = verify::<C, _>(token, policy, |_, _| Ok(&parsed), NOW);
    assert_eq!(via_decoding_key, via_verifying_key);
    via_decoding_key
}

fn para_claims() -> Value {
    json!({
        "data": {
            "userId": "d5358219-38d3-4650-91a8-e338131d1c5e",
            "wallets": [
                {"id": "de4034f1", "type": "EVM", "address": "0x9dd3824f045c77bc369485e8f1dd6b452b6be617",
                 "publicKey": "0x0465434f76c8321f"},
                {"id": "d70f64e4", "type": "SOLANA", "address": "EEp7DbBu5yvgf7Pr9W17cATPjCqUxY8K8R3dFbg53a3W",
                 "publicKey": ""}
            ],
            "email": "email@example.com",
            "authType": "email",
            "identifier": "email@example.com",
            "oAuthMethod": "google"
        },
        "iat": NOW - 60,
        "exp": NOW + 1740,
        "sub": "d5358219-38d3-4650-91a8-e338131d1c5e"
    })
}

#[test]
fn para_valid_token_gives_exact_identity() {
    let key = RsaKey::generate("thumbprint-1");
    let token = sign(&key, &para_claims());
    let v = check::<ParaClaims>(&Policy::para(), &token, &key.decoding_key()).unwrap();
    assert_eq!(
        v.identity,
        identity(
            ProviderId::PARA,
            "d5358219-38d3-4650-91a8-e338131d1c5e".into(),
            Some("email@example.com".into()),
            vec![
                Wallet {
                    chain: Some("evm".into()),
                    address: Some("0x9dd3824f045c77bc369485e8f1dd6b452b6be617".into()),
                    public_key: Some("0x0465434f76c8321f".into()),
                },
                Wallet {
                    chain: Some("solana".into()),
                    address: Some("EEp7DbBu5yvgf7Pr9W17cATPjCqUxY8K8R3dFbg53a3W".into()),
                    public_key: None,
                },
            ],
            Some(NOW - 60),
            NOW + 1740,
        )
    );
    assert_eq!(v.claims.data.oauth_method.as_deref(), Some("google"));
}

#[test]
fn para_minimal_token_with_absent_optionals_verifies() {
    let key = RsaKey::generate("k");
    let token = sign(
        &key,
        &json!({"sub": "u1", "iat": NOW, "exp": NOW + 60, "data": {"userId": "u1", "wallets": null, "phone": "+1555"}}),
    );
    let v = check::<ParaClaims>(&Policy::para(), &token, &key.decoding_key()).unwrap();
    assert_eq!(v.identity.user_id, "u1");
    assert_eq!(v.identity.email, None);
    assert!(v.identity.wallets.is_empty());
    assert_eq!(v.claims.data.phone.as_deref(), Some("+1555"));
}

#[test]
fn para_audience_checked_only_when_configured() {
    let key = RsaKey::generate("k");
    let mut c = para_claims();
    c["aud"] = json!("api-key-1");
    let token = sign(&key, &c);
    assert!(check::<ParaClaims>(&Policy::para(), &token, &key.decoding_key()).is_ok());
    let p = Policy::para().with_audiences(["api-key-1"]);
    assert!(check::<ParaClaims>(&p, &token, &key.decoding_key()).is_ok());
    let p = Policy::para().with_audiences(["api-key-2"]);
    assert_eq!(
        check::<ParaClaims>(&p, &token, &key.decoding_key()).unwrap_err(),
        VerifyError::WrongAudience {
            found: vec!["api-key-1".into()],
            expected: "\"api-key-2\"".into()
        }
    );
    // Configured audience, token without aud.
    let token = sign(&key, &para_claims());
    assert!(matches!(
        check::<ParaClaims>(&p, &token, &key.decoding_key()).unwrap_err(),
        VerifyError::WrongAudience { found, .. } if found.is_empty()
    ));
}

#[test]
fn para_token_without_user_id_is_refused() {
    let key = RsaKey::generate("k");
    let token = sign(
        &key,
        &json!({"iat": NOW, "exp": NOW + 60, "data": {"userId": ""}}),
    );
    assert_eq!(
        check::<ParaClaims>(&Policy::para(), &token, &key.decoding_key()).unwrap_err(),
        VerifyError::MissingClaim("sub")
    );
}

// ---------------------------------------------------------------- Parra

fn parra_policy() -> Policy {
    Policy::parra([("key-1", "tenant-1"), ("key-2", "tenant-2")]).unwrap()
}

#[test]
fn parra_token_minted_by_parra_issuer_verifies() {
    let issuer = ParraIssuer::new("key-1", b"super secret bytes".to_vec(), "tenant-1").unwrap();
    let token = issuer.issue("user|123", NOW - 10).unwrap();
    let key = DecodingKey::from_secret(b"super secret bytes");
    let v = check::<ParraClaims>(&parra_policy(), &token, &key).unwrap();
    assert_eq!(v.identity.user_id, "user|123");
    assert_eq!(v.identity.provider, ProviderId::PARRA);
    assert_eq!(v.claims.iss.as_deref(), Some("key-1"));
    assert_eq!(v.claims.sub.as_deref(), Some("tenant-1"));
    assert_eq!(
        v.claims.jti.as_deref(),
        Some(format!("key-1-{}", NOW - 10).as_str())
    );
    assert_eq!(v.claims.exp, Some(NumericDate(NOW - 10 + 3600)));
    assert_eq!(v.claims.iat, Some(NumericDate(NOW - 10)));
    // The header is exactly Parra's.
    let t = UnverifiedToken::parse(&token, 8192).unwrap();
    assert_eq!(t.header().alg_str(), "HS256");
    assert_eq!(t.header().typ(), Some("JWT"));
    assert_eq!(t.header().cty(), Some("parra-fpa;v=1"));
}

#[test]
fn parra_token_built_by_hand_verifies() {
    // A second, independent implementation: header + payload + HMAC-SHA256, nothing from the crate.
    let secret = b"hand rolled secret";
    let header = json!({"alg": "HS256", "typ": "JWT", "cty": "parra-fpa;v=1"});
    let claims = json!({"iss": "key-2", "sub": "tenant-2", "iat": NOW, "exp": NOW + 3600,
                        "jti": format!("key-2-{NOW}"), "grants": {"identity": "123"}});
    let token = sign_with_header(&Hmac::hs256(secret), &header, &claims);
    let v =
        check::<ParraClaims>(&parra_policy(), &token, &DecodingKey::from_secret(secret)).unwrap();
    assert_eq!(v.identity.user_id, "123");
}

#[test]
fn parra_rules() {
    let secret = b"s3cret";
    let key = DecodingKey::from_secret(secret);
    let hs = Hmac::hs256(secret);
    let good_header = json!({"alg": "HS256", "typ": "JWT", "cty": "parra-fpa;v=1"});
    let claims = json!({"iss": "key-1", "sub": "tenant-1", "iat": NOW, "exp": NOW + 3600, "grants": {"identity": "u"}});

    // cty wrong / absent
    let t = sign_with_header(
        &hs,
        &json!({"alg": "HS256", "typ": "JWT", "cty": "JWT"}),
        &claims,
    );
    assert_eq!(
        check::<ParraClaims>(&parra_policy(), &t, &key).unwrap_err(),
        VerifyError::WrongContentType {
            found: Some("JWT".into()),
            expected: "parra-fpa;v=1"
        }
    );
    let t = sign_with_header(&hs, &json!({"alg": "HS256", "typ": "JWT"}), &claims);
    assert_eq!(
        check::<ParraClaims>(&parra_policy(), &t, &key).unwrap_err(),
        VerifyError::WrongContentType {
            found: None,
            expected: "parra-fpa;v=1"
        }
    );
    // sub must be the tenant of the key named by iss.
    let mut c = claims.clone();
    c["sub"] = json!("tenant-2");
    let t = sign_with_header(&hs, &good_header, &c);
    assert_eq!(
        check::<ParraClaims>(&parra_policy(), &t, &key).unwrap_err(),
        VerifyError::WrongSubject {
            found: Some("tenant-2".into())
        }
    );
    // iss not a configured key id.
    let mut c = claims.clone();
    c["iss"] = json!("key-9");
    let t = sign_with_header(&hs, &good_header, &c);
    assert!(matches!(
        check::<ParraClaims>(&parra_policy(), &t, &key).unwrap_err(),
        VerifyError::WrongIssuer { found: Some(f), .. } if f == "key-9"
    ));
    // grants.identity absent.
    let mut c = claims.clone();
    c["grants"] = json!({});
    let t = sign_with_header(&hs, &good_header, &c);
    assert_eq!(
        check::<ParraClaims>(&parra_policy(), &t, &key).unwrap_err(),
        VerifyError::MissingClaim("grants.identity")
    );
    // HS384: refused by default, accepted when allowed.
    let hs384 = Hmac {
        alg: "HS384",
        secret: secret.to_vec(),
    };
    let t = sign_with_header(
        &hs384,
        &json!({"alg": "HS384", "typ": "JWT", "cty": "parra-fpa;v=1"}),
        &claims,
    );
    assert_eq!(
        check::<ParraClaims>(&parra_policy(), &t, &key).unwrap_err(),
        VerifyError::AlgorithmNotAllowed(Algorithm::HS384)
    );
    let p = parra_policy()
        .with_algorithms(&[Algorithm::HS256, Algorithm::HS384, Algorithm::HS512])
        .unwrap();
    assert!(check::<ParraClaims>(&p, &t, &key).is_ok());
    // Wrong secret.
    let t = sign_with_header(&Hmac::hs256(b"other"), &good_header, &claims);
    assert_eq!(
        check::<ParraClaims>(&parra_policy(), &t, &key).unwrap_err(),
        VerifyError::InvalidSignature
    );
}

#[test]
fn parra_issuer_redacts_secret_and_refuses_empty_values() {
    let issuer = ParraIssuer::new("key-1", b"do-not-print-me".to_vec(), "tenant").unwrap();
    let dbg = format!("{issuer:?}");
    assert!(!dbg.contains("do-not-print-me"), "{dbg}");
    assert!(dbg.contains("<redacted>"));
    assert_eq!(
        ParraIssuer::new("", b"s".to_vec(), "t").unwrap_err(),
        ParraError::Empty("api_key_id")
    );
    assert_eq!(
        ParraIssuer::new("k", Vec::new(), "t").unwrap_err(),
        ParraError::Empty("secret")
    );
    assert_eq!(
        issuer.issue("", NOW).unwrap_err(),
        ParraError::Empty("identity")
    );
    let r = issuer.token_response("u", NOW).unwrap();
    assert_eq!(r.expires_in, 3600);
    let body = serde_json::to_value(&r).unwrap();
    assert_eq!(body.as_object().unwrap().len(), 2);
    assert!(body["access_token"].is_string());
}

// ---------------------------------------------------------------- Sophon

fn sophon_claims() -> Value {
    json!({
        "iss": "https://auth.sophon.xyz", "aud": "partner-123",
        "sub": "0x19e7e376e7c213b7e7e7e46cc70a5dd086daff2a", "userId": "9b4f7c1e-user",
        "iat": NOW - 100, "exp": NOW + 86_400, "scope": "email x", "sid": "s1", "typ": "access",
        "c": {"email": 1_749_000_000}
    })
}

#[test]
fn sophon_valid_token_gives_exact_identity() {
    let key = RsaKey::generate("auth-key-1");
    let token = sign(&key, &sophon_claims());
    let v = check::<SophonClaims>(
        &Policy::sophon("partner-123").unwrap(),
        &token,
        &key.decoding_key(),
    )
    .unwrap();
    assert_eq!(
        v.identity,
        identity(
            ProviderId::SOPHON,
            "9b4f7c1e-user".into(),
            None,
            vec![Wallet {
                chain: Some("evm".into()),
                address: Some("0x19e7e376e7c213b7e7e7e46cc70a5dd086daff2a".into()),
                public_key: None
            }],
            Some(NOW - 100),
            NOW + 86_400,
        )
    );
    assert!(
        v.claims.has_scope("email") && v.claims.has_scope("x") && !v.claims.has_scope("google")
    );
}

#[test]
fn sophon_older_token_with_empty_scope_and_no_user_id_uses_sub() {
    let key = RsaKey::generate("auth-key-1");
    let token = sign(
        &key,
        &json!({"iss": "https://auth.sophon.xyz", "aud": "partner-123", "sub": "0xabc0000000000000000000000000000000000001",
                "iat": NOW, "exp": NOW + 3600, "scope": ""}),
    );
    let v = check::<SophonClaims>(
        &Policy::sophon("partner-123").unwrap(),
        &token,
        &key.decoding_key(),
    )
    .unwrap();
    assert_eq!(
        v.identity.user_id,
        "0xabc0000000000000000000000000000000000001"
    );
    assert_eq!(v.claims.scopes().count(), 0);
}

#[test]
fn sophon_rules() {
    let key = RsaKey::generate("auth-key-1");
    let dk = key.decoding_key();
    let policy = Policy::sophon("partner-123").unwrap();
    // Refresh tokens never pass as access tokens.
    let mut c = sophon_claims();
    c["typ"] = json!("refresh");
    c["jti"] = json!("r-1");
    assert_eq!(
        check::<SophonClaims>(&policy, &sign(&key, &c), &dk).unwrap_err(),
        VerifyError::WrongTokenType("refresh".into())
    );
    // Wrong partner.
    let mut c = sophon_claims();
    c["aud"] = json!("partner-999");
    assert!(matches!(
        check::<SophonClaims>(&policy, &sign(&key, &c), &dk).unwrap_err(),
        VerifyError::WrongAudience { .. }
    ));
    // Issuer without scheme is not the default issuer; accepted only when configured.
    let mut c = sophon_claims();
    c["iss"] = json!("auth.sophon.xyz");
    let t = sign(&key, &c);
    assert!(matches!(
        check::<SophonClaims>(&policy, &t, &dk).unwrap_err(),
        VerifyError::WrongIssuer { .. }
    ));
    let p = Policy::sophon("partner-123")
        .unwrap()
        .with_issuers(["auth.sophon.xyz"])
        .unwrap();
    assert!(check::<SophonClaims>(&p, &t, &dk).is_ok());
    // Missing iss.
    let mut c = sophon_claims();
    c.as_object_mut().unwrap().remove("iss");
    assert_eq!(
        check::<SophonClaims>(&policy, &sign(&key, &c), &dk).unwrap_err(),
        VerifyError::WrongIssuer {
            found: None,
            expected: "\"https://auth.sophon.xyz\"".into()
        }
    );
}

// ---------------------------------------------------------------- Dynamic

const ENV: &str = "fb6dd9d1-09f5-43c3-8a8c-eab6e44c37f9";

fn dynamic_claims() -> Value {
    json!({
        "kid": "5f5a8d3e-kid", "aud": "https://app.example.com",
        "iss": format!("app.dynamicauth.com/{ENV}"), "sub": "d261ee91-8ea0-4949-b8bb-b6ab4f712a49",
        "sid": "sess-1", "environment_id": ENV, "iat": NOW - 10, "exp": NOW + 7200,
        "alias": "john", "email": "john@example.com", "given_name": "jon", "family_name": "bot",
        "lists": ["Community dashboard access list"], "missing_fields": [], "new_user": false,
        "scope": "user:basic",
        "verified_credentials": [
            {"address": "0x000123aBc0000000000000000000000000000000", "chain": "eip155",
             "id": "af615228", "format": "blockchain", "wallet_name": "metamask", "wallet_provider": "browserExtension",
             "public_identifier": "0x000123aBc0000000000000000000000000000000"},
            {"id": "c2", "format": "email", "email": "john@example.com", "public_identifier": "john@example.com"},
            {"id": "c3", "format": "oauth", "oauth_provider": "google", "oauth_username": "jon"}
        ],
        "verified_account": {"address": "0x000123aBc0000000000000000000000000000000", "chain": "eip155", "id": "af615228"},
        "last_verified_credential_id": "af615228",
        "metadata": {}
    })
}

#[test]
fn dynamic_valid_token_gives_exact_identity() {
    let key = RsaKey::generate("5f5a8d3e-kid");
    let v = check::<DynamicClaims>(
        &Policy::dynamic(ENV).unwrap(),
        &sign(&key, &dynamic_claims()),
        &key.decoding_key(),
    )
    .unwrap();
    assert_eq!(
        v.identity,
        identity(
            ProviderId::DYNAMIC,
            "d261ee91-8ea0-4949-b8bb-b6ab4f712a49".into(),
            Some("john@example.com".into()),
            vec![Wallet {
                chain: Some("evm".into()),
                address: Some("0x000123aBc0000000000000000000000000000000".into()),
                public_key: None
            }],
            Some(NOW - 10),
            NOW + 7200,
        )
    );
    assert!(v.claims.in_list("Community dashboard access list"));
}

#[test]
fn dynamic_minified_token_with_nulls_verifies() {
    let key = RsaKey::generate("k");
    let claims = json!({"iss": format!("app.dynamicauth.com/{ENV}"), "sub": "u-1", "iat": NOW, "exp": NOW + 60,
        "environment_id": ENV, "verifiedCredentialsHashes": {"blockchain": "abc"}, "lists": null,
        "verified_credentials": null, "scope": "", "email": ""});
    let v = check::<DynamicClaims>(
        &Policy::dynamic(ENV).unwrap(),
        &sign(&key, &claims),
        &key.decoding_key(),
    )
    .unwrap();
    assert_eq!(v.identity.user_id, "u-1");
    assert_eq!(v.identity.email, None);
    assert!(v.identity.wallets.is_empty());
}

#[test]
fn dynamic_accepts_both_hosts_and_nothing_else() {
    let key = RsaKey::generate("k");
    let dk = key.decoding_key();
    let policy = Policy::dynamic(ENV).unwrap();
    for iss in [
        format!("app.dynamic.xyz/{ENV}"),
        format!("app.dynamicauth.com/{ENV}"),
    ] {
        let mut c = dynamic_claims();
        c["iss"] = json!(iss);
        assert!(
            check::<DynamicClaims>(&policy, &sign(&key, &c), &dk).is_ok(),
            "{iss}"
        );
    }
    for iss in [
        format!("https://app.dynamic.xyz/{ENV}"),
        format!("app.dynamicauth.com/{ENV}/"),
        "app.dynamicauth.com/other-env".to_owned(),
        format!("evil.example/{ENV}"),
        format!("app.dynamic.xyz.evil.example/{ENV}"),
        "app.dynamicauth.com".to_owned(),
    ] {
        let mut c = dynamic_claims();
        c["iss"] = json!(iss);
        assert!(
            matches!(
                check::<DynamicClaims>(&policy, &sign(&key, &c), &dk).unwrap_err(),
                VerifyError::WrongIssuer { .. }
            ),
            "{iss}"
        );
    }
}

#[test]
fn dynamic_scope_gate() {
    let key = RsaKey::generate("k");
    let dk = key.decoding_key();
    let mut c = dynamic_claims();
    c["scope"] = json!("user:basic requiresAdditionalAuth");
    let t = sign(&key, &c);
    let err = check::<DynamicClaims>(&Policy::dynamic(ENV).unwrap(), &t, &dk).unwrap_err();
    assert_eq!(
        err,
        VerifyError::InsufficientScope("requiresAdditionalAuth".into())
    );
    assert!(err.is_insufficient_scope());
    assert!(
        check::<DynamicClaims>(
            &Policy::dynamic(ENV).unwrap().allow_additional_auth(true),
            &t,
            &dk
        )
        .is_ok()
    );

    let mut c = dynamic_claims();
    c["scope"] = json!("userDataForm");
    let t = sign(&key, &c);
    assert!(check::<DynamicClaims>(&Policy::dynamic(ENV).unwrap(), &t, &dk).is_ok());
    assert_eq!(
        check::<DynamicClaims>(
            &Policy::dynamic(ENV)
                .unwrap()
                .with_required_scopes(["user:basic"]),
            &t,
            &dk
        )
        .unwrap_err(),
        VerifyError::InsufficientScope("missing user:basic".into())
    );
    // Audience when configured.
    let p = Policy::dynamic(ENV)
        .unwrap()
        .with_audiences(["https://other.example"]);
    assert!(matches!(
        check::<DynamicClaims>(&p, &t, &dk).unwrap_err(),
        VerifyError::WrongAudience { .. }
    ));
}

// ---------------------------------------------------------------- Web3Auth

fn web3auth_claims() -> Value {
    json!({
        "iat": NOW - 5, "aud": "BJp5VGbuhg_mUA-client", "nonce": "030cb3f1ab95",
        "iss": "https://api-auth.web3auth.io",
        "wallets": [
            {"public_key": "5771379329ae0f3b76aa82f17373a13d8683561aa82f17373a13d8683561aa82", "type": "web3auth_app_key", "curve": "ed25519"},
            {"public_key": "020FDA199E933B24A74aa6c9cc67a13c23d6c9cc67a13c23d6c9cc67a13c23d12", "type": "web3auth_app_key", "curve": "secp256k1"}
        ],
        "email": "shahbaz@web3auth.io", "name": "Mohammad", "profileImage": "https://lh3.example/a.png",
        "authConnection": "web3auth", "userId": "shahbaz@web3auth.io",
        "groupedAuthConnectionId": "web3auth-google-sapphire-mainnet",
        "exp": NOW + 86_400
    })
}

#[test]
fn web3auth_valid_token_gives_exact_identity_and_wallet_proof() {
    let key = EcKey::generate("w3a-thumb");
    let policy = Policy::web3auth("BJp5VGbuhg_mUA-client").unwrap();
    let v = check::<Web3AuthClaims>(
        &policy,
        &sign(&key, &web3auth_claims()),
        &key.decoding_key(),
    )
    .unwrap();
    assert_eq!(v.identity.user_id, "shahbaz@web3auth.io");
    assert_eq!(v.identity.email.as_deref(), Some("shahbaz@web3auth.io"));
    assert_eq!(
        v.identity.wallets,
        vec![
            Wallet {
                chain: Some("ed25519".into()),
                address: None,
                public_key: Some(
                    "5771379329ae0f3b76aa82f17373a13d8683561aa82f17373a13d8683561aa82".into()
                )
            },
            Wallet {
                chain: Some("secp256k1".into()),
                address: None,
                public_key: Some(
                    "020FDA199E933B24A74aa6c9cc67a13c23d6c9cc67a13c23d6c9cc67a13c23d12".into()
                )
            },
        ]
    );
    // Hex compares case-insensitively; a different key does not match.
    assert!(
        v.identity
            .has_wallet("020fda199e933b24a74AA6C9CC67A13C23D6c9cc67a13c23d6c9cc67a13c23d12")
    );
    assert!(
        !v.identity
            .has_wallet("020fda199e933b24a74aa6c9cc67a13c23d6c9cc67a13c23d6c9cc67a13c23d13")
    );
}

#[test]
fn web3auth_pii_off_and_verifier_id_fallback() {
    let key = EcKey::generate("k");
    let claims = json!({"iat": NOW, "exp": NOW + 60, "aud": "client", "iss": "https://api-auth.web3auth.io",
        "verifier": "torus", "verifierId": "user-77", "aggregateVerifier": "agg", "wallets": []});
    let v = check::<Web3AuthClaims>(
        &Policy::web3auth("client").unwrap(),
        &sign(&key, &claims),
        &key.decoding_key(),
    )
    .unwrap();
    assert_eq!(v.identity.user_id, "user-77");
    assert_eq!(v.identity.email, None);
}

#[test]
fn web3auth_rules() {
    let key = EcKey::generate("k");
    let dk = key.decoding_key();
    let policy = Policy::web3auth("BJp5VGbuhg_mUA-client").unwrap();
    // iat in the future beyond leeway.
    let mut c = web3auth_claims();
    c["iat"] = json!(NOW + 61);
    assert_eq!(
        check::<Web3AuthClaims>(&policy, &sign(&key, &c), &dk).unwrap_err(),
        VerifyError::IssuedInFuture {
            iat: NOW + 61,
            now: NOW
        }
    );
    // within leeway
    c["iat"] = json!(NOW + 59);
    assert!(check::<Web3AuthClaims>(&policy, &sign(&key, &c), &dk).is_ok());
    // iat missing
    c.as_object_mut().unwrap().remove("iat");
    assert_eq!(
        check::<Web3AuthClaims>(&policy, &sign(&key, &c), &dk).unwrap_err(),
        VerifyError::MissingClaim("iat")
    );
    // External wallet issuer only when configured.
    let mut c = web3auth_claims();
    c["iss"] = json!("https://authjs.web3auth.io");
    c["wallets"] =
        json!([{"address": "0xAbCdEf0000000000000000000000000000000001", "type": "ethereum"}]);
    let t = sign(&key, &c);
    assert!(matches!(
        check::<Web3AuthClaims>(&policy, &t, &dk).unwrap_err(),
        VerifyError::WrongIssuer { .. }
    ));
    let p = Policy::web3auth("BJp5VGbuhg_mUA-client")
        .unwrap()
        .with_issuers(["https://api-auth.web3auth.io", "https://authjs.web3auth.io"])
        .unwrap();
    let v = check::<Web3AuthClaims>(&p, &t, &dk).unwrap();
    assert_eq!(v.identity.wallets[0].chain.as_deref(), Some("evm"));
    assert!(
        v.identity
            .has_wallet("0xabcdef0000000000000000000000000000000001")
    );
    // An RS256 token is refused before any key is used.
    let rsa = RsaKey::generate("k");
    assert_eq!(
        check::<Web3AuthClaims>(
            &policy,
            &sign(&rsa, &web3auth_claims()),
            &rsa.decoding_key()
        )
        .unwrap_err(),
        VerifyError::AlgorithmNotAllowed(Algorithm::RS256)
    );
    // Wrong client id.
    let p = Policy::web3auth("someone-else").unwrap();
    assert!(matches!(
        check::<Web3AuthClaims>(&p, &sign(&key, &web3auth_claims()), &dk).unwrap_err(),
        VerifyError::WrongAudience { .. }
    ));
}

// ---------------------------------------------------------------- rules shared by every provider

#[test]
fn time_rules() {
    let key = RsaKey::generate("k");
    let dk = key.decoding_key();
    let p = Policy::para();
    let mut c = para_claims();
    c["exp"] = json!(NOW - 61);
    assert_eq!(
        check::<ParaClaims>(&p, &sign(&key, &c), &dk).unwrap_err(),
        VerifyError::Expired {
            exp: NOW - 61,
            now: NOW,
            leeway: 60
        }
    );
    c["exp"] = json!(NOW - 59);
    assert!(
        check::<ParaClaims>(&p, &sign(&key, &c), &dk).is_ok(),
        "inside the leeway"
    );
    let p0 = Policy::para().with_leeway(std::time::Duration::ZERO);
    assert!(matches!(
        check::<ParaClaims>(&p0, &sign(&key, &c), &dk).unwrap_err(),
        VerifyError::Expired { .. }
    ));
    c.as_object_mut().unwrap().remove("exp");
    assert_eq!(
        check::<ParaClaims>(&p, &sign(&key, &c), &dk).unwrap_err(),
        VerifyError::MissingClaim("exp")
    );
    let mut c = para_claims();
    c["exp"] = json!(format!("{}", NOW + 100));
    assert_eq!(
        check::<ParaClaims>(&p, &sign(&key, &c), &dk).unwrap_err(),
        VerifyError::InvalidClaim { path: "exp".into() }
    );
    let mut c = para_claims();
    c["nbf"] = json!(NOW + 120);
    assert_eq!(
        check::<ParaClaims>(&p, &sign(&key, &c), &dk).unwrap_err(),
        VerifyError::NotYetValid {
            nbf: NOW + 120,
            now: NOW
        }
    );
    let mut c = para_claims();
    c["exp"] = json!((NOW + 100) as f64 + 0.5);
    assert!(
        check::<ParaClaims>(&p, &sign(&key, &c), &dk).is_ok(),
        "fractional NumericDate"
    );
}

#[test]
fn algorithm_and_header_rules() {
    let key = RsaKey::generate("k");
    let dk = key.decoding_key();
    let p = Policy::para();
    let c = para_claims();
    for none in ["none", "None", "NONE"] {
        let t = unsigned(&json!({"alg": none, "typ": "JWT"}), &c, "");
        assert_eq!(
            check::<ParaClaims>(&p, &t, &dk).unwrap_err(),
            VerifyError::UnsupportedAlgorithm(none.into())
        );
        let t = unsigned(&json!({"alg": none}), &c, &b64(b"sig"));
        assert_eq!(
            check::<ParaClaims>(&p, &t, &dk).unwrap_err(),
            VerifyError::UnsupportedAlgorithm(none.into())
        );
    }
    // HS256 signed with the RSA public key: refused by the allow-list, whatever form the key took.
    for secret in [
        key.spki_pem().into_bytes(),
        key.spki_der(),
        key.jwk().to_string().into_bytes(),
    ] {
        let t = sign(&Hmac::hs256(&secret), &c);
        assert_eq!(
            check::<ParaClaims>(&p, &t, &dk).unwrap_err(),
            VerifyError::AlgorithmNotAllowed(Algorithm::HS256)
        );
        // Even a policy that allowed HS256 would never use an RSA key as the secret.
        let t = UnverifiedToken::parse(&t, 8192).unwrap();
        assert_eq!(
            verify_signature(&t, Algorithm::HS256, &dk).unwrap_err(),
            VerifyError::KeyMismatch(Algorithm::HS256)
        );
    }
    // Wrong key.
    let other = RsaKey::generate("k");
    assert_eq!(
        check::<ParaClaims>(&p, &sign(&other, &c), &dk).unwrap_err(),
        VerifyError::InvalidSignature
    );
    // Key-choosing headers.
    for (name, value) in [
        ("jwk", key.jwk()),
        ("jku", json!("https://attacker.example/jwks.json")),
        ("x5u", json!("https://attacker.example/cert.pem")),
        ("x5c", json!(["MIIB"])),
        ("jwk", Value::Null),
    ] {
        let mut h = test_support::header_for(&key);
        h[name] = value;
        let t = sign_with_header(&key, &h, &c);
        assert_eq!(
            check::<ParaClaims>(&p, &t, &dk).unwrap_err(),
            VerifyError::ForbiddenHeader(name),
            "{name}"
        );
    }
    let mut h = test_support::header_for(&key);
    h["b64"] = json!(false);
    h["crit"] = json!(["b64"]);
    assert_eq!(
        check::<ParaClaims>(&p, &sign_with_header(&key, &h, &c), &dk).unwrap_err(),
        VerifyError::ForbiddenHeader("b64")
    );
    let mut h = test_support::header_for(&key);
    h["crit"] = json!(["exp"]);
    assert_eq!(
        check::<ParaClaims>(&p, &sign_with_header(&key, &h, &c), &dk).unwrap_err(),
        VerifyError::UnknownCritical("exp".into())
    );
    h["crit"] = json!([]);
    assert_eq!(
        check::<ParaClaims>(&p, &sign_with_header(&key, &h, &c), &dk).unwrap_err(),
        VerifyError::Malformed(Malformed::InvalidCrit)
    );
}

#[test]
fn size_cap_applies_before_decoding() {
    let p = Policy::para().with_max_token_bytes(100);
    let garbage = "!".repeat(101);
    assert_eq!(
        verify::<ParaClaims, DecodingKey>(&garbage, &p, |_, _| panic!("no key lookup"), NOW)
            .unwrap_err(),
        VerifyError::TokenTooLarge { max: 100 }
    );
    assert_eq!(
        UnverifiedToken::parse(&"a".repeat(8193), DEFAULT_MAX_TOKEN_BYTES).unwrap_err(),
        VerifyError::TokenTooLarge { max: 8192 }
    );
}

#[test]
fn claims_round_trip_and_keep_unknown_fields() {
    fn round_trip<C: ProviderClaims + PartialEq>(mut v: Value) {
        v["future_claim"] = json!({"nested": [1, 2]});
        let c: C = serde_json::from_value(v.clone()).unwrap();
        let back = serde_json::to_value(&c).unwrap();
        assert_eq!(back["future_claim"], json!({"nested": [1, 2]}));
        let again: C = serde_json::from_value(back).unwrap();
        assert_eq!(c, again);
    }
    round_trip::<ParaClaims>(para_claims());
    round_trip::<SophonClaims>(sophon_claims());
    round_trip::<DynamicClaims>(dynamic_claims());
    round_trip::<Web3AuthClaims>(web3auth_claims());
    round_trip::<ParraClaims>(
        json!({"iss": "k", "sub": "t", "exp": 1, "grants": {"identity": "u", "chat": true}}),
    );
}

#[test]
fn router_picks_provider_by_issuer_only() {
    let policies = vec![
        Policy::para(),
        Policy::parra([("parra-key", "tenant")]).unwrap(),
        Policy::sophon("p").unwrap(),
        Policy::dynamic(ENV).unwrap(),
        Policy::web3auth("c").unwrap(),
    ];
    let router = IssuerIndex::new(&policies).unwrap();
    let key = RsaKey::generate("k");
    let route = |claims: Value| {
        let t = sign(&key, &claims);
        router.route(&UnverifiedToken::parse(&t, 8192).unwrap())
    };
    assert_eq!(route(json!({"sub": "x"})).unwrap(), 0);
    assert_eq!(route(json!({"iss": "parra-key"})).unwrap(), 1);
    assert_eq!(route(json!({"iss": "https://auth.sophon.xyz"})).unwrap(), 2);
    assert_eq!(
        route(json!({"iss": format!("app.dynamic.xyz/{ENV}")})).unwrap(),
        3
    );
    assert_eq!(
        route(json!({"iss": format!("app.dynamicauth.com/{ENV}")})).unwrap(),
        3
    );
    assert_eq!(
        route(json!({"iss": "https://api-auth.web3auth.io"})).unwrap(),
        4
    );
    assert_eq!(
        route(json!({"iss": "https://evil.example"})).unwrap_err(),
        VerifyError::UnknownIssuer(Some("https://evil.example".into()))
    );
    assert_eq!(
        route(json!({"iss": 5})).unwrap_err(),
        VerifyError::Malformed(Malformed::Json(Part::Payload))
    );
    // Without Para, an issuer-less token goes nowhere.
    let router = IssuerIndex::new(&policies[1..]).unwrap();
    assert_eq!(
        router.route_issuer(None).unwrap_err(),
        VerifyError::UnknownIssuer(None)
    );
    // With a single provider, an unknown issuer is still refused by routing (before any key).
    let router = IssuerIndex::new(&policies[3..4]).unwrap();
    assert_eq!(
        router
            .route(
                &UnverifiedToken::parse(&sign(&key, &json!({"iss": "https://evil.example"})), 8192)
                    .unwrap()
            )
            .unwrap_err(),
        VerifyError::UnknownIssuer(Some("https://evil.example".into()))
    );
    // Two providers may not share an issuer.
    let dup = [Policy::sophon("a").unwrap(), Policy::sophon("b").unwrap()];
    assert_eq!(
        IssuerIndex::new(&dup).unwrap_err(),
        PolicyError::DuplicateIssuer("https://auth.sophon.xyz".into())
    );
}

#[test]
fn policies_refuse_mixed_algorithm_families_and_empty_settings() {
    assert_eq!(
        Policy::para()
            .with_algorithms(&[Algorithm::RS256, Algorithm::HS256])
            .unwrap_err(),
        PolicyError::Algorithms
    );
    assert_eq!(
        Policy::para().with_algorithms(&[]).unwrap_err(),
        PolicyError::Algorithms
    );
    assert_eq!(
        Policy::sophon("").unwrap_err(),
        PolicyError::Empty("sophon.partner_id")
    );
    assert_eq!(
        Policy::dynamic("").unwrap_err(),
        PolicyError::Empty("dynamic.environment_id")
    );
    assert_eq!(
        Policy::web3auth("").unwrap_err(),
        PolicyError::Empty("web3auth.client_id")
    );
    assert_eq!(
        Policy::parra(Vec::<(String, String)>::new()).unwrap_err(),
        PolicyError::Empty("parra.keys")
    );
}

#[test]
fn claims_type_must_match_policy_provider() {
    let key = RsaKey::generate("k");
    let t = sign(&key, &sophon_claims());
    assert_eq!(
        check::<DynamicClaims>(
            &Policy::sophon("partner-123").unwrap(),
            &t,
            &key.decoding_key()
        )
        .unwrap_err(),
        VerifyError::ProviderMismatch {
            policy: "claims_core::providers::sophon::SophonClaims",
            claims: "claims_core::providers::dynamic::DynamicClaims"
        }
    );
}

#[test]
fn verify_parsed_any_dispatches_by_provider() {
    let key = RsaKey::generate("k");
    let t = sign(&key, &sophon_claims());
    let token = UnverifiedToken::parse(&t, 8192).unwrap();
    let p = Policy::sophon("partner-123").unwrap();
    let alg = p.check_header(&token).unwrap();
    let v = p
        .verify_parsed_any(&token, alg, &key.decoding_key(), NOW)
        .unwrap();
    assert_eq!(v.claims.provider(), &ProviderId::SOPHON);
    assert_eq!(
        v.claims.get::<SophonClaims>().unwrap().user_id.as_deref(),
        Some("9b4f7c1e-user")
    );
    assert!(v.claims.get::<ParaClaims>().is_none());
}
