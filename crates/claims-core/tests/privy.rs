//! Privy access tokens and identity tokens, in the exact shape Privy issues them, signed with a
//! real P-256 key generated here: valid tokens verify and give the exact `Identity`; each policy
//! rule refuses with its exact error variant.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use claims_core::*;
use serde_json::{Value, json};
use test_support::{EcKey, RsaKey, sign, sign_with_header};

use test_support::identity;

const APP_ID: &str = "clpispdty00ycl80fpueukbhl";
const USER: &str = "did:privy:cm4x9t2kq00fz12lbh7y3x8qa";
const IAT: i64 = 1_736_952_000;
const EXP: i64 = 1_736_955_600;
const NOW: i64 = IAT + 100;

const EMBEDDED_EVM: &str = "0x3F1e2cA6D7b5E0d6aB5b2b63b1F6c2D4e7A9c8B1";
const EMBEDDED_SOL: &str = "5Hw2mKq7kE3fL8iVxWmSbZ9TqYcRpGtUo1nNdJhA4sBv";
const METAMASK: &str = "0x8ba1f109551bD432803012645Ac136ddd64DBA72";
const SMART_WALLET: &str = "0x5C2d1B0a9E8f7D6c5B4a3F2e1D0c9B8a7F6e5D4c";

/// An access token's payload: `sid`, no `linked_accounts`.
fn access_token() -> Value {
    json!({
        "sid": "cm4xa1b2c03gh12lb5v6w7x8y",
        "iss": "privy.io",
        "iat": IAT,
        "aud": APP_ID,
        "sub": USER,
        "exp": EXP,
    })
}

/// The accounts of the identity token below, in the compact form (`lv`) identity tokens use.
fn linked_accounts() -> Value {
    json!([
        {"type": "email", "address": "ada@example.com", "lv": 1_736_951_990},
        {"type": "wallet", "id": "x5y2k0j3m9v8c7b6n4q1w2e3", "address": EMBEDDED_EVM,
         "chain_type": "ethereum", "wallet_client_type": "privy", "lv": 1_736_951_990},
        {"type": "wallet", "address": EMBEDDED_SOL, "chain_type": "solana",
         "wallet_client_type": "privy", "lv": 1_736_951_990},
        {"type": "wallet", "address": METAMASK, "chain_type": "ethereum",
         "wallet_client_type": "metamask", "lv": 1_736_000_000},
        {"type": "google_oauth", "subject": "104857261938475610293",
         "email": "ada.lovelace@gmail.com", "name": "Ada Lovelace", "lv": 1_735_000_000},
        {"type": "farcaster", "fid": 190_000, "username": "ada", "oa": METAMASK, "lv": 1_735_000_000},
    ])
}

/// An identity token's payload as Privy issues it: `linked_accounts` and `custom_metadata` are
/// strings holding JSON; `cr` is a string; no `sid`.
fn identity_token() -> Value {
    json!({
        "cr": "1718000000",
        "linked_accounts": linked_accounts().to_string(),
        "custom_metadata": "{\"plan\":\"pro\",\"seats\":3}",
        "guest": "f",
        "iss": "privy.io",
        "iat": IAT,
        "aud": APP_ID,
        "sub": USER,
        "exp": EXP,
    })
}

fn policy() -> Policy {
    Policy::privy(APP_ID).unwrap()
}

/// Verify with the `jsonwebtoken` key and with the pre-parsed `VerifyingKey` at `now`: both paths
/// must give exactly the same outcome.
fn check_at(token: &str, key: &EcKey, now: i64) -> Result<Verified<PrivyClaims>, VerifyError> {
    let dk = key.decoding_key();
    let via_decoding_key = verify::<PrivyClaims, _>(token, &policy(), |_, _| Ok(&dk), now);
    let parsed = dk.verifying_key().unwrap();
    let via_verifying_key = verify::<PrivyClaims, _>(token, &policy(), |_, _| Ok(&parsed), now);
    assert_eq!(via_decoding_key, via_verifying_key);
    via_decoding_key
}

fn check(token: &str, key: &EcKey) -> Result<Verified<PrivyClaims>, VerifyError> {
    check_at(token, key, NOW)
}

fn wallet(chain: &str, address: &str) -> Wallet {
    Wallet {
        chain: Some(chain.into()),
        address: Some(address.into()),
        public_key: None,
    }
}

#[test]
fn access_token_verifies_with_sid_kept_and_no_accounts() {
    let key = EcKey::generate("privy-key-1");
    let v = check(&sign(&key, &access_token()), &key).unwrap();
    assert_eq!(
        v.identity,
        identity(ProviderId::PRIVY, USER.into(), None, vec![], Some(IAT), EXP,)
    );
    assert_eq!(v.claims.sid.as_deref(), Some("cm4xa1b2c03gh12lb5v6w7x8y"));
    assert_eq!(v.claims.aud, Some(Audience::One(APP_ID.into())));
    assert_eq!(v.claims.linked_accounts, None);
    assert!(v.claims.linked_accounts().is_empty());
    assert!(v.claims.extra.is_empty());
    // The claims serialize back to the payload.
    assert_eq!(serde_json::to_value(&v.claims).unwrap(), access_token());
}

#[test]
fn identity_token_gives_email_and_every_wallet_with_its_chain() {
    let key = EcKey::generate("privy-key-1");
    let v = check(&sign(&key, &identity_token()), &key).unwrap();
    assert_eq!(
        v.identity,
        identity(
            ProviderId::PRIVY,
            USER.into(),
            Some("ada@example.com".into()),
            vec![
                wallet("evm", EMBEDDED_EVM),
                wallet("solana", EMBEDDED_SOL),
                wallet("evm", METAMASK),
            ],
            Some(IAT),
            EXP,
        )
    );
    assert!(v.identity.has_wallet(&EMBEDDED_EVM.to_lowercase()));
    assert!(v.identity.has_wallet(EMBEDDED_SOL));
    // Base58 compares exactly.
    assert!(!v.identity.has_wallet(&EMBEDDED_SOL.to_lowercase()));
    assert_eq!(v.claims.sid, None);
    // The string Privy sent is kept as it came; the other members land in `extra`.
    assert_eq!(
        v.claims.linked_accounts,
        Some(Value::String(linked_accounts().to_string()))
    );
    assert_eq!(
        v.claims.extra.get("custom_metadata"),
        Some(&json!("{\"plan\":\"pro\",\"seats\":3}"))
    );
    assert_eq!(v.claims.extra.get("cr"), Some(&json!("1718000000")));
    let accounts = v.claims.linked_accounts();
    let kinds: Vec<&str> = accounts.iter().map(|a| a.kind.as_str()).collect();
    assert_eq!(
        kinds,
        [
            "email",
            "wallet",
            "wallet",
            "wallet",
            "google_oauth",
            "farcaster"
        ]
    );
    assert_eq!(accounts[2].chain_type.as_deref(), Some("solana"));
    assert_eq!(accounts[4].email.as_deref(), Some("ada.lovelace@gmail.com"));
}

#[test]
fn identity_token_without_email_account_takes_the_google_email() {
    let key = EcKey::generate("k");
    let mut c = identity_token();
    c["linked_accounts"] = json!(
        json!([
            {"type": "google_oauth", "subject": "1048", "email": "ada.lovelace@gmail.com", "lv": 1},
            {"type": "github_oauth", "subject": "77", "email": "ada@github.example", "lv": 1},
        ])
        .to_string()
    );
    let v = check(&sign(&key, &c), &key).unwrap();
    assert_eq!(v.identity.email.as_deref(), Some("ada.lovelace@gmail.com"));
    assert!(v.identity.wallets.is_empty());
}

#[test]
fn linked_accounts_as_an_array_are_accepted() {
    let key = EcKey::generate("k");
    let mut c = identity_token();
    // REST-shaped accounts forwarded as a real array: a smart wallet (no chain_type: EVM), a
    // phone, a Solana wallet with `chain_type` in capitals, and a type this crate does not know.
    c["linked_accounts"] = json!([
        {"type": "smart_wallet", "address": SMART_WALLET, "smart_wallet_type": "kernel",
         "verified_at": 1_736_951_990, "latest_verified_at": 1_736_951_990},
        {"type": "phone", "phoneNumber": "+1 555 0100", "verified_at": 1_736_951_990},
        {"type": "wallet", "address": EMBEDDED_SOL, "chain_type": "SOLANA"},
        {"type": "future_thing", "handle": "x", "lv": 1},
    ]);
    let v = check(&sign(&key, &c), &key).unwrap();
    assert_eq!(
        v.identity.wallets,
        [wallet("evm", SMART_WALLET), wallet("solana", EMBEDDED_SOL)]
    );
    assert_eq!(v.identity.email, None);
    assert_eq!(v.identity.user_id, USER);
    assert_eq!(v.claims.linked_accounts().len(), 4);
    // Kept as an array.
    assert!(v.claims.linked_accounts.as_ref().unwrap().is_array());
}

#[test]
fn malformed_linked_accounts_do_not_fail_the_token() {
    let key = EcKey::generate("k");
    for odd in [
        // Cut short: not JSON inside the string.
        json!("[{\"type\":\"wallet\",\"address\":"),
        // JSON, but an object rather than an array.
        json!("{\"type\":\"wallet\",\"address\":\"0xAB\",\"chain_type\":\"ethereum\"}"),
        json!("\"just a string\""),
        json!(7),
        json!({"type": "wallet", "address": "0xAB"}),
        json!(true),
        // Entries that are not objects are skipped.
        json!([1, "x", null, []]),
    ] {
        let mut c = identity_token();
        c["linked_accounts"] = odd.clone();
        let v = check(&sign(&key, &c), &key).unwrap_or_else(|e| panic!("{odd}: {e}"));
        assert_eq!(v.identity.user_id, USER, "{odd}");
        assert!(v.identity.wallets.is_empty(), "{odd}");
        assert_eq!(v.identity.email, None, "{odd}");
        // Kept verbatim.
        assert_eq!(v.claims.linked_accounts.as_ref(), Some(&odd));
    }
    // `null` reads as absent.
    let mut c = identity_token();
    c["linked_accounts"] = Value::Null;
    let v = check(&sign(&key, &c), &key).unwrap();
    assert_eq!(v.claims.linked_accounts, None);
    assert!(v.identity.wallets.is_empty());
}

#[test]
fn a_token_for_another_app_is_refused() {
    let key = EcKey::generate("k");
    let mut c = access_token();
    c["aud"] = json!("cm0otherapp000000000000");
    assert_eq!(
        check(&sign(&key, &c), &key).unwrap_err(),
        VerifyError::WrongAudience {
            found: vec!["cm0otherapp000000000000".into()],
            expected: format!("{APP_ID:?}"),
        }
    );
    c.as_object_mut().unwrap().remove("aud");
    assert_eq!(
        check(&sign(&key, &c), &key).unwrap_err(),
        VerifyError::WrongAudience {
            found: vec![],
            expected: format!("{APP_ID:?}"),
        }
    );
}

#[test]
fn a_token_from_another_issuer_is_refused() {
    let key = EcKey::generate("k");
    for (iss, found) in [
        (
            json!("https://privy.io"),
            Some("https://privy.io".to_owned()),
        ),
        (json!("auth.privy.io"), Some("auth.privy.io".to_owned())),
        (Value::Null, None),
    ] {
        let mut c = identity_token();
        c["iss"] = iss;
        assert_eq!(
            check(&sign(&key, &c), &key).unwrap_err(),
            VerifyError::WrongIssuer {
                found,
                expected: "\"privy.io\"".into(),
            }
        );
    }
}

#[test]
fn a_token_without_exp_or_sub_is_refused() {
    let key = EcKey::generate("k");
    let mut c = access_token();
    c.as_object_mut().unwrap().remove("exp");
    assert_eq!(
        check(&sign(&key, &c), &key).unwrap_err(),
        VerifyError::MissingClaim("exp")
    );
    let mut c = identity_token();
    c["sub"] = json!("");
    assert_eq!(
        check(&sign(&key, &c), &key).unwrap_err(),
        VerifyError::MissingClaim("sub")
    );
    let mut c = access_token();
    c["exp"] = json!("1736955600");
    assert_eq!(
        check(&sign(&key, &c), &key).unwrap_err(),
        VerifyError::InvalidClaim { path: "exp".into() }
    );
}

#[test]
fn an_expired_token_is_refused_after_the_leeway() {
    let key = EcKey::generate("k");
    let token = sign(&key, &access_token());
    // Within the 60 s leeway.
    assert_eq!(
        check_at(&token, &key, EXP + 59).unwrap().identity.user_id,
        USER
    );
    assert_eq!(
        check_at(&token, &key, EXP + 60).unwrap_err(),
        VerifyError::Expired {
            exp: EXP,
            now: EXP + 60,
            leeway: 60,
        }
    );
}

#[test]
fn only_es256_is_accepted() {
    let ec = EcKey::generate("k");
    // An RS256 token, even one whose RSA signature is valid, is refused before any key is used.
    let rsa = RsaKey::generate("rsa-1");
    let rs256 = sign(&rsa, &access_token());
    assert_eq!(
        check(&rs256, &ec).unwrap_err(),
        VerifyError::AlgorithmNotAllowed(Algorithm::RS256)
    );
    let rsa_key = rsa.decoding_key();
    assert_eq!(
        verify::<PrivyClaims, _>(&rs256, &policy(), |_, _| Ok(&rsa_key), NOW).unwrap_err(),
        VerifyError::AlgorithmNotAllowed(Algorithm::RS256)
    );
    // An ES256 header over an RSA signature is not verified with the RSA key either.
    let relabelled = sign_with_header(
        &rsa,
        &json!({"alg": "ES256", "typ": "JWT", "kid": "rsa-1"}),
        &access_token(),
    );
    assert_eq!(
        verify::<PrivyClaims, _>(&relabelled, &policy(), |_, _| Ok(&rsa_key), NOW).unwrap_err(),
        VerifyError::KeyMismatch(Algorithm::ES256)
    );
    // `none` is not an algorithm.
    let none = test_support::unsigned(&json!({"alg": "none", "typ": "JWT"}), &access_token(), "");
    assert_eq!(
        check(&none, &ec).unwrap_err(),
        VerifyError::UnsupportedAlgorithm("none".into())
    );
}

#[test]
fn a_token_signed_with_another_key_is_refused() {
    let key = EcKey::generate("k");
    let attacker = EcKey::generate("k");
    let forged = sign(&attacker, &identity_token());
    assert_eq!(
        check(&forged, &key).unwrap_err(),
        VerifyError::InvalidSignature
    );
    // A valid token with its payload changed (another user) is refused too.
    let token = sign(&key, &access_token());
    let mut parts: Vec<&str> = token.split('.').collect();
    let mut other = access_token();
    other["sub"] = json!("did:privy:someone-else");
    let payload = test_support::b64(other.to_string());
    parts[1] = &payload;
    assert_eq!(
        check(&parts.join("."), &key).unwrap_err(),
        VerifyError::InvalidSignature
    );
}

#[test]
fn the_policy_needs_an_app_id() {
    assert_eq!(
        Policy::privy("").unwrap_err(),
        PolicyError::Empty("privy.app_id")
    );
    let p = policy();
    assert_eq!(p.provider(), &ProviderId::PRIVY);
    assert_eq!(p.algorithms(), [Algorithm::ES256]);
    assert_eq!(p.issuers(), ["privy.io"]);
    assert_eq!(p.audiences(), [APP_ID]);
}

#[test]
fn the_policy_reads_only_privy_claims() {
    let key = EcKey::generate("k");
    let dk = key.decoding_key();
    let token = sign(&key, &access_token());
    assert!(matches!(
        verify::<OidcClaims, _>(&token, &policy(), |_, _| Ok(&dk), NOW).unwrap_err(),
        VerifyError::ProviderMismatch { .. }
    ));
}
