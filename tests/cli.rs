//! The `wallet-auth` binary, run as a process: exact output and exit codes for verify (config,
//! JWKS file, JWKS URL, secret file, signature only), keys and dev-token. JWKS URLs are served by a
//! real axum server on 127.0.0.1. `inspect` and the handling of a closed stdout are in
//! `tests/cli_output.rs`; `exp`/`nbf`/`iat` edge cases, CLI against layer, in
//! `tests/cli_time_claims.rs`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod cli_support;

use cli_support::*;
use serde_json::{Value, json};
use test_support::{Hmac, RsaKey, b64, jwks, now, sign, sign_with_header, unsigned};

// --- verify with explicit keys ------------------------------------------------------------------

#[test]
fn verify_with_a_secret_file_uses_the_raw_bytes() {
    let dir = scratch("secret");
    let exact = write(&dir, "exact", URL_SAFE_NO_PAD_decode(RFC7515_A1_K));
    let mut with_newline = URL_SAFE_NO_PAD_decode(RFC7515_A1_K);
    with_newline.push(b'\n');
    let newline = write(&dir, "newline", with_newline);

    let v = json_out(&run(&[
        "verify",
        "--secret-file",
        &exact,
        "--at",
        "1300819000",
        "--iss",
        "joe",
        RFC7515_A1,
    ]));
    assert_eq!(
        v,
        json!({"provider": null, "identity": {"user_id": null, "email": null, "wallets": []},
               "claims": {"iss": "joe", "exp": 1_300_819_380, "http://example.com/is_root": true}})
    );
    // No trimming: the same key with a trailing newline is another key.
    let o = run(&[
        "verify",
        "--secret-file",
        &newline,
        "--at",
        "1300819000",
        RFC7515_A1,
    ]);
    assert_eq!(failed(&o), (1, "error: the signature is invalid".into()));
    // Without --at the RFC token is long expired.
    let o = run(&["verify", "--secret-file", &exact, RFC7515_A1]);
    let (code, line) = failed(&o);
    assert_eq!(code, 1);
    assert!(
        line.starts_with("error: expired at 1300819380 (now "),
        "{line}"
    );
    assert!(line.ends_with(", leeway 60s)"), "{line}");
    // Wrong expectations.
    let o = run(&[
        "verify",
        "--secret-file",
        &exact,
        "--at",
        "1300819000",
        "--iss",
        "jane",
        RFC7515_A1,
    ]);
    assert_eq!(
        failed(&o),
        (1, "error: issuer Some(\"joe\") is not \"jane\"".into())
    );
    let o = run(&[
        "verify",
        "--secret-file",
        &exact,
        "--at",
        "1300819000",
        "--aud",
        "y",
        RFC7515_A1,
    ]);
    assert_eq!(failed(&o), (1, "error: audience [] is not \"y\"".into()));
    // --signature-only says plainly that no claim was checked.
    let o = run(&[
        "verify",
        "--secret-file",
        &exact,
        "--signature-only",
        RFC7515_A1,
    ]);
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(
        err(&o),
        "warning: --signature-only: the signature is valid, but NO claim was checked (exp, nbf, iss, aud were ignored)\n"
    );
    let v: Value = serde_json::from_str(&out(&o)).unwrap();
    assert_eq!(v["signature"], "valid");
    assert_eq!(v["claims_checked"], false);
    // An RS256 algorithm with a secret is a usage error.
    let o = run(&[
        "verify",
        "--secret-file",
        &exact,
        "--alg",
        "RS256",
        RFC7515_A1,
    ]);
    assert_eq!(
        failed(&o),
        (
            2,
            "error: --alg RS256: a public-key algorithm needs --jwks, not --secret-file".into()
        )
    );
    let o = run(&[
        "verify",
        "--secret-file",
        &dir.join("missing").to_string_lossy(),
        RFC7515_A1,
    ]);
    assert_eq!(failed(&o).0, 2);
}

#[test]
fn verify_with_explicit_keys_checks_claims_with_the_layers_policy() {
    let dir = scratch("explicit-policy");
    let secret = write(&dir, "secret", b"the secret");
    let hs = Hmac::hs256(b"the secret");
    let verify = |extra: &[&str], claims: &Value| {
        let token = sign(&hs, claims);
        let mut args = vec!["verify", "--secret-file", &secret, "--at", "1700000000"];
        args.extend_from_slice(extra);
        args.push(&token);
        run(&args)
    };
    let claims = json!({"iss": "joe", "aud": ["a", "b"], "exp": 1_700_000_600});
    // Several accepted issuers and audiences: the policy's wording.
    assert_eq!(
        failed(&verify(&["--iss", "ann", "--iss", "bob"], &claims)),
        (
            1,
            "error: issuer Some(\"joe\") is not one of [\"ann\", \"bob\"]".into()
        )
    );
    assert_eq!(
        failed(&verify(&["--aud", "x", "--aud", "y"], &claims)),
        (
            1,
            "error: audience [\"a\", \"b\"] is not one of [\"x\", \"y\"]".into()
        )
    );
    let v = json_out(&verify(
        &["--iss", "bob", "--iss", "joe", "--aud", "b"],
        &claims,
    ));
    assert_eq!(v["claims"], claims);
    // A registered claim of the wrong type is refused even when not asked about, as the layer
    // refuses it.
    assert_eq!(
        failed(&verify(&[], &json!({"iss": 7, "exp": 1_700_000_600}))),
        (1, "error: claim iss has the wrong type".into())
    );
    assert_eq!(
        failed(&verify(
            &[],
            &json!({"aud": ["a", 1], "exp": 1_700_000_600})
        )),
        (1, "error: claim aud[1] has the wrong type".into())
    );
    // The leeway is the policy's: expired when now >= exp + leeway.
    let c = json!({"exp": 1_700_000_000 - 10});
    assert_eq!(json_out(&verify(&["--leeway", "11"], &c))["claims"], c);
    assert_eq!(
        failed(&verify(&["--leeway", "10"], &c)),
        (
            1,
            "error: expired at 1699999990 (now 1700000000, leeway 10s)".into()
        )
    );
    // An empty issuer is a usage error.
    assert_eq!(
        failed(&verify(&["--iss", ""], &claims)),
        (2, "error: --iss: issuers must not be empty".into())
    );
}

#[test]
fn verify_with_a_jwks_file_refuses_forgeries_precisely() {
    let dir = scratch("jwks-file");
    let key = RsaKey::generate("k1");
    let file = write(&dir, "jwks.json", jwks(&[key.jwk()]).to_string());
    let token = sign(&key, &para_claims());
    let v = json_out(&run(&["verify", "--jwks", &file, &token]));
    assert_eq!(v["claims"]["sub"], "u1");
    assert_eq!(v["identity"]["user_id"], "u1");

    // Unknown kid, named with the file.
    let other = RsaKey::generate("nope");
    let o = run(&["verify", "--jwks", &file, &sign(&other, &para_claims())]);
    assert_eq!(
        failed(&o),
        (
            1,
            format!("error: no key with kid \"nope\" for RS256 in {file}")
        )
    );
    // The algorithm-confusion attack: HS256 keyed with the public key.
    let hs = Hmac {
        alg: "HS256",
        secret: key.spki_pem().into_bytes(),
    };
    let forged = sign_with_header(&hs, &json!({"alg": "HS256", "kid": "k1"}), &para_claims());
    let o = run(&["verify", "--jwks", &file, &forged]);
    assert_eq!(
        failed(&o),
        (1, "error: algorithm HS256 is not accepted here (accepted: RS256, RS384, RS512, PS256, PS384, PS512, ES256, ES384, EdDSA)".into())
    );
    let o = run(&["verify", "--jwks", &file, "--alg", "HS256", &forged]);
    assert_eq!(
        failed(&o),
        (2, "error: --alg HS256: HMAC algorithms need --secret-file; a JWKS never holds shared secrets".into())
    );
    // alg none and a key-carrying header.
    let o = run(&[
        "verify",
        "--jwks",
        &file,
        &unsigned(&json!({"alg": "none"}), &para_claims(), ""),
    ]);
    assert_eq!(
        failed(&o),
        (1, "error: unsupported algorithm \"none\"".into())
    );
    let t = sign_with_header(
        &other,
        &json!({"alg": "RS256", "kid": "k1", "jwk": other.jwk()}),
        &para_claims(),
    );
    assert_eq!(
        failed(&run(&["verify", "--jwks", &file, &t])),
        (1, "error: the jwk header is not accepted".into())
    );
    // A tampered signature.
    let (input, _) = token.rsplit_once('.').unwrap();
    let t = format!("{input}.{}", b64([0u8; 256]));
    assert_eq!(
        failed(&run(&["verify", "--jwks", &file, &t])),
        (1, "error: the signature is invalid".into())
    );
    // --alg restricts.
    let o = run(&["verify", "--jwks", &file, "--alg", "ES256", &token]);
    assert_eq!(
        failed(&o),
        (
            1,
            "error: algorithm RS256 is not accepted here (accepted: ES256)".into()
        )
    );
}

#[test]
fn verify_and_keys_with_a_jwks_url() {
    let key = RsaKey::generate("k1");
    let mut n1024 = vec![0xa5u8; 128];
    n1024[0] = 0xc1;
    let body = jwks(&[
        key.jwk(),
        json!({"kty": "oct", "kid": "hmac", "k": b64(b"secret")}),
        json!({"kty": "RSA", "kid": "small", "n": b64(&n1024), "e": "AQAB"}),
    ]);
    let addr = serve_jwks(body.to_string());
    let url = format!("http://{addr}/jwks");
    let token = sign(&key, &para_claims());

    let o = run(&["verify", "--jwks", &url, &token]);
    assert_eq!(
        failed(&o),
        (
            2,
            format!(
                "error: --jwks: JWKS URL {url:?} is not https:// (plain http is only allowed with allow_http(true))"
            )
        )
    );
    let v = json_out(&run(&["verify", "--jwks", &url, "--allow-http", &token]));
    assert_eq!(v["claims"]["sub"], "u1");
    let other = RsaKey::generate("gone");
    let o = run(&[
        "verify",
        "--jwks",
        &url,
        "--allow-http",
        &sign(&other, &para_claims()),
    ]);
    assert_eq!(
        failed(&o),
        (
            1,
            format!("error: no key with kid \"gone\" for RS256 in {url} after refresh")
        )
    );

    let o = run(&["keys", &url, "--allow-http"]);
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    assert_eq!(
        out(&o),
        format!(
            "{url}: 1 usable key(s), 2 skipped, cached for 600 s\n\
             key  kid \"k1\"  kty RSA  alg RS256  crv -  use sig  bits 2048\n\
             skipped  kid \"hmac\": symmetric (oct) keys are refused in a remote JWKS\n\
             skipped  kid \"small\": RSA modulus of 1024 bits is below the 2048-bit minimum\n"
        )
    );
    let o = run(&["keys", "http://127.0.0.1:1/jwks", "--allow-http"]);
    let (code, line) = failed(&o);
    assert_eq!(code, 1);
    assert!(
        line.starts_with("error: cannot fetch the JWKS at http://127.0.0.1:1/jwks: "),
        "{line}"
    );
}

// --- verify with a config -------------------------------------------------------------------------

#[test]
fn verify_with_a_config_matches_the_layer() {
    let key = RsaKey::generate("k1");
    let addr = serve_jwks(jwks(&[key.jwk()]).to_string());
    let dir = scratch("config");
    let config = write(
        &dir,
        "auth.toml",
        format!(
            "[jwks]\nallow_http = true\n\n[para]\nenvironment = \"sandbox\"\njwks_url = \"http://{addr}/jwks\"\n"
        ),
    );
    let token = sign(&key, &para_claims());
    let v = json_out(&run(&["verify", "--config", &config, &token]));
    assert_eq!(v["provider"], "para");
    assert_eq!(
        v["identity"],
        json!({"user_id": "u1", "email": "u1@example.com",
               "wallets": [{"chain": "evm", "address": "0xabc", "public_key": null}]})
    );
    assert_eq!(v["claims"]["data"]["userId"], "u1");

    // Expired, then the same token as of a time it was valid.
    let exp = now() - 3600;
    let mut c = para_claims();
    c["exp"] = json!(exp);
    c["iat"] = json!(exp - 600);
    let expired = sign(&key, &c);
    let o = run(&[
        "verify",
        "--config",
        &config,
        "--at",
        &(exp + 100).to_string(),
        &expired,
    ]);
    assert_eq!(
        failed(&o),
        (
            1,
            format!("error: expired at {exp} (now {}, leeway 60s)", exp + 100)
        )
    );
    let v = json_out(&run(&[
        "verify",
        "--config",
        &config,
        "--at",
        &(exp - 10).to_string(),
        &expired,
    ]));
    assert_eq!(v["identity"]["user_id"], "u1");

    // Unknown kid: which kid, which URL.
    let other = RsaKey::generate("rotated-away");
    let o = run(&["verify", "--config", &config, &sign(&other, &para_claims())]);
    assert_eq!(
        failed(&o),
        (
            1,
            format!(
                "error: no key with kid \"rotated-away\" for RS256 in http://{addr}/jwks after refresh"
            )
        )
    );
    // An issuer nobody configured.
    let t = sign(
        &key,
        &json!({"iss": "https://evil.example", "exp": now() + 60}),
    );
    assert_eq!(
        failed(&run(&["verify", "--config", &config, &t])),
        (1, "error: no configured provider issues tokens with issuer Some(\"https://evil.example\")".into())
    );

    // Configuration and usage errors exit 2.
    let bad = write(&dir, "bad.toml", "[para]\nno_such_field = 1\n");
    let (code, line) = failed(&run(&["verify", "--config", &bad, &token]));
    assert_eq!(code, 2);
    assert!(line.starts_with("error: config: "), "{line}");
    let insecure = write(
        &dir,
        "insecure.toml",
        format!("[para]\nenvironment = \"sandbox\"\njwks_url = \"http://{addr}/jwks\"\n"),
    );
    let (code, line) = failed(&run(&["verify", "--config", &insecure, &token]));
    assert_eq!(code, 2, "{line}");
    let missing = dir.join("missing.toml");
    assert_eq!(
        failed(&run(&[
            "verify",
            "--config",
            &missing.to_string_lossy(),
            &token
        ]))
        .0,
        2
    );
    let o = run(&["verify", "--config", &config, "--iss", "x", &token]);
    assert_eq!(o.status.code(), Some(2));
    let o = run(&["verify", &token]);
    assert_eq!(o.status.code(), Some(2));
}

// --- dev-token ------------------------------------------------------------------------------------

#[test]
fn dev_tokens_verify_with_the_dev_issuer_config() {
    let dir = scratch("dev");
    let state = dir.join("state.json");
    let state = state.to_str().unwrap();
    let o = run(&[
        "dev-token",
        "--provider",
        "sophon",
        "--state",
        state,
        "--claims",
        r#"{"userId":"dev-7"}"#,
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    let token = out(&o).trim().to_owned();
    assert_eq!(token.split('.').count(), 3);
    let s = out(&run(&["inspect", &token]));
    assert!(s.contains("provider: sophon"), "{s}");
    assert!(s.contains("\"userId\": \"dev-7\""), "{s}");
    // The same state mints with the same key.
    let again = out(&run(&[
        "dev-token",
        "--provider",
        "sophon",
        "--state",
        state,
    ]));
    let kid = |t: &str| {
        let s = out(&run(&["inspect", t.trim()]));
        s.lines().find(|l| l.contains("\"kid\"")).map(str::to_owned)
    };
    assert_eq!(kid(&token), kid(&again));

    assert_eq!(
        failed(&run(&[
            "dev-token",
            "--provider",
            "auth0",
            "--state",
            state
        ])),
        (
            2,
            "error: --provider \"auth0\": expected one of para, parra, sophon, dynamic, web3auth, privy, signin, magic, thirdweb, turnkey, farcaster"
                .into()
        )
    );
    assert_eq!(
        failed(&run(&["dev-token", "--claims", "[1]", "--state", state])),
        (2, "error: --claims: must be a JSON object".into())
    );
}
