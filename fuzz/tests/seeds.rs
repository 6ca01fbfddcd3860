//! The committed seed corpus still means what its file names say (`cargo test` in `fuzz/`, stable
//! toolchain, no libFuzzer): `claims_verify` seeds named `accept-*` verify and `reject-*` are
//! refused; `config_toml` seeds named `built-*` build a layer, `build-error-*` parse but do not
//! build, `parse-error-*` do not parse; `siwe_message` and `siws_message` seeds named `accept-*`
//! parse and `reject-*` do not, and among the accepted ones `accept-signed-*` carry a signature
//! that holds for the message's account and `accept-badsig-*` one that does not. Every invariant
//! of the targets is checked on the way.
//!
//! The signed seeds: SIWE, two cases of the official `verification_positive.json` vectors
//! (`example message`, `recovery byte starting at 0`), rendered as the library's
//! `tests/siwe_vectors.rs` renders them; SIWS, signed once (reproducibly: Ed25519 is
//! deterministic) with the key whose 32-byte seed is 0x00, 0x01, …, 0x1f (address
//! `FAe4sisG95oZ42w7buUn5qEE4TAnfTTFPiguZUHmhiF`).
//!
//! `provider_schemes` seeds named `accept-<provider>-*` verify at the provider's pinned time and
//! `reject-<reason>-<provider>-*` are refused there with that `VerifyError::reason()`
//! (`<provider>`: `magic` for modes 0 and 3, `thirdweb`, `turnkey`). They are written by
//! [`write_provider_schemes_seeds`] (`cargo test -- --ignored write_provider_schemes_seeds`),
//! reproducibly: the test key signs with RFC 6979, and the published vectors are read from
//! `tests/vectors/` of the main workspace.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use serde_json::{Value, json};
use wallet_auth_fuzz::config_toml::Outcome;
use wallet_auth_fuzz::provider_schemes::{
    self as schemes, MAGIC_CLIENT, MAGIC_NOW, Mode, TEST_ADDRESS, THIRDWEB_DOMAIN, THIRDWEB_NOW,
    did_token, eip191_proof, thirdweb_token,
};
use wallet_auth_fuzz::signin_messages::{self, Kind};

fn seeds(target: &str) -> Vec<(String, Vec<u8>)> {
    let dir: PathBuf = [env!("CARGO_MANIFEST_DIR"), "seeds", target]
        .iter()
        .collect();
    let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| {
            let path = entry.unwrap().path();
            let name = Path::new(&path)
                .file_name()
                .unwrap()
                .to_string_lossy()
                .into_owned();
            (name, std::fs::read(&path).unwrap())
        })
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no seeds in {}", dir.display());
    files
}

#[test]
fn claims_verify_seeds() {
    for (name, data) in seeds("claims_verify") {
        let outcome = wallet_auth_fuzz::claims_verify::run(&data).expect("non-empty seed");
        if name.starts_with("accept-") {
            let identity = outcome.unwrap_or_else(|e| panic!("{name}: {e}"));
            assert!(!identity.user_id.is_empty(), "{name}");
        } else {
            assert!(name.starts_with("reject-"), "{name}: unexpected name");
            assert!(outcome.is_err(), "{name}: accepted");
        }
    }
}

#[test]
fn config_toml_seeds() {
    for (name, data) in seeds("config_toml") {
        let expected = if name.starts_with("built-") {
            Outcome::Built
        } else if name.starts_with("build-error-") {
            Outcome::BuildError
        } else if name.starts_with("parse-error-") {
            Outcome::ParseError
        } else {
            panic!("{name}: unexpected name")
        };
        assert_eq!(
            wallet_auth_fuzz::config_toml::run(&data),
            expected,
            "{name}"
        );
    }
}

fn signin_seeds(kind: Kind, target: &str) {
    let (mut accepted, mut signed) = (0, 0);
    for (name, data) in seeds(target) {
        let outcome = signin_messages::run(kind, &data).expect("UTF-8 seed");
        if name.starts_with("accept-") {
            let message = outcome.message.unwrap_or_else(|e| panic!("{name}: {e}"));
            accepted += 1;
            if name.starts_with("accept-signed-") {
                let signature = outcome.signature.expect("a signature part");
                signature.unwrap_or_else(|e| panic!("{name}: {e}"));
                signed += 1;
            } else if name.starts_with("accept-badsig-") {
                let signature = outcome.signature.expect("a signature part");
                assert!(signature.is_err(), "{name}: the signature holds");
            } else {
                assert!(outcome.signature.is_none(), "{name}: unexpected signature part");
            }
            let chain = message.chain.as_ref().map(|c| c.caip2());
            assert!(chain.is_none_or(|c| !c.is_empty()), "{name}");
        } else {
            assert!(name.starts_with("reject-"), "{name}: unexpected name");
            assert!(outcome.message.is_err(), "{name}: parsed");
        }
    }
    assert!(accepted > 0 && signed > 0, "{target}: no accepted or no signed seed");
}

#[test]
fn siwe_message_seeds() {
    signin_seeds(Kind::Siwe, "siwe_message");
}

#[test]
fn siws_message_seeds() {
    signin_seeds(Kind::Siws, "siws_message");
}

#[test]
fn provider_schemes_seeds() {
    let mut seen = std::collections::BTreeSet::new();
    for (name, data) in seeds("provider_schemes") {
        let outcome = schemes::run(&data).expect("a mode byte and UTF-8");
        let (accept, rest) = if let Some(rest) = name.strip_prefix("accept-") {
            outcome
                .pinned
                .as_ref()
                .unwrap_or_else(|e| panic!("{name}: {e:?}"));
            (true, rest)
        } else {
            let rest = name.strip_prefix("reject-").expect("accept-* or reject-*");
            let e = outcome.pinned.as_ref().expect_err(&name);
            let rest = rest
                .strip_prefix(e.reason())
                .and_then(|r| r.strip_prefix('-'))
                .unwrap_or_else(|| panic!("{name}: refused as {} ({e:?})", e.reason()));
            (false, rest)
        };
        let provider = match outcome.mode {
            Mode::MagicToken | Mode::MagicParts => "magic-",
            Mode::Thirdweb => "thirdweb-",
            Mode::Turnkey => "turnkey-",
        };
        assert!(
            rest.starts_with(provider),
            "{name}: mode {:?}",
            outcome.mode
        );
        seen.insert((format!("{:?}", outcome.mode), accept));
    }
    for mode in ["MagicToken", "MagicParts", "Thirdweb", "Turnkey"] {
        for accept in [true, false] {
            assert!(
                seen.contains(&(mode.to_owned(), accept)),
                "{mode}: accept {accept}"
            );
        }
    }
}

/// Writes `seeds/provider_schemes/` (see the module documentation). Run it after changing the
/// seeds, then `cargo test`.
#[test]
#[ignore = "writes the provider_schemes seeds"]
fn write_provider_schemes_seeds() {
    let dir: PathBuf = [env!("CARGO_MANIFEST_DIR"), "seeds", "provider_schemes"]
        .iter()
        .collect();
    std::fs::create_dir_all(&dir).unwrap();
    let write = |name: &str, mode: u8, text: &str| {
        let mut data = vec![mode];
        data.extend_from_slice(text.as_bytes());
        std::fs::write(dir.join(name), data).unwrap();
    };
    let vectors = |file: &str| -> Value {
        let path = format!("{}/../tests/vectors/{file}", env!("CARGO_MANIFEST_DIR"));
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
    };

    // Magic (mode 0: tokens; mode 3: `proof NUL claim`, an empty proof signed by the target).
    let magic = vectors("magic_admin_js.json");
    let magic_vector = |name: &str| -> String {
        magic["tokens"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["name"] == name)
            .and_then(|t| t["token"].as_str())
            .unwrap()
            .to_owned()
    };
    let claim = |edit: &dyn Fn(&mut serde_json::Map<String, Value>)| -> String {
        let mut c = json!({"iat": MAGIC_NOW - 60, "ext": MAGIC_NOW + 900,
            "iss": format!("did:ethr:{TEST_ADDRESS}"), "sub": "user-1", "aud": MAGIC_CLIENT,
            "nbf": MAGIC_NOW - 60, "tid": "t-1", "add": "none"});
        edit(c.as_object_mut().unwrap());
        c.to_string()
    };
    let signed = |claim: &str| did_token(&eip191_proof(claim.as_bytes(), None), claim);
    let c0 = claim(&|_| {});
    write("accept-magic-signed", 0, &signed(&c0));
    let url_safe = signed(&c0)
        .replace('+', "-")
        .replace('/', "_")
        .replace('=', "");
    write("accept-magic-signed-url-safe-unpadded", 0, &url_safe);
    let lower = claim(&|c| {
        c.insert(
            "iss".into(),
            format!("DID:ETHR:{}", TEST_ADDRESS.to_lowercase()).into(),
        );
    });
    write("accept-magic-signed-lowercase-iss", 0, &signed(&lower));
    write(
        "accept-magic-vector-valid-didt",
        0,
        &magic_vector("VALID_DIDT"),
    );
    write(
        "accept-magic-vector-attachment-float-ext-unpadded",
        0,
        &magic_vector("VALID_ATTACHMENT_DIDT"),
    );
    write("reject-malformed-magic-bad-base64", 0, "not base64!");
    let proof = eip191_proof(c0.as_bytes(), None);
    let three = STANDARD.encode(json!([proof, c0, "third"]).to_string());
    write("reject-malformed-magic-three-elements", 0, &three);
    let object: Value = serde_json::from_str(&c0).unwrap();
    let not_string = STANDARD.encode(json!([proof, object]).to_string());
    write("reject-malformed-magic-claim-not-string", 0, &not_string);
    let v29 = did_token(&eip191_proof(c0.as_bytes(), Some(29)), &c0);
    write("reject-invalid_signature-magic-v29", 0, &v29);
    write(
        "reject-invalid_signature-magic-vector-recovery-bit-35",
        0,
        &magic_vector("VALID_DIDT_WITH_INVALID_RECOVERY_BIT"),
    );
    write(
        "reject-expired-magic-vector-expired-didt",
        0,
        &magic_vector("EXPIRED_DIDT"),
    );
    write(
        "reject-not_yet_valid-magic-vector-future-nbf",
        0,
        &magic_vector("VALID_FUTURE_MARKED_DIDT"),
    );
    write(
        "reject-wrong_issuer-magic-vector-quoted-iss",
        0,
        &magic_vector("INVALID_SIGNER_DIDT"),
    );
    write(
        "reject-missing_claim-magic-vector-malformed-claim",
        0,
        &magic_vector("INVALID_DIDT_MALFORMED_CLAIM"),
    );
    let other = claim(&|c| {
        c.insert("aud".into(), "did:magic:someone-else".into());
    });
    write(
        "reject-wrong_audience-magic-other-client",
        0,
        &signed(&other),
    );

    write("accept-magic-parts-target-signed", 3, &c0);
    let floats = claim(&|c| {
        c.insert("ext".into(), json!(1.000_000_000_001_688_1e21));
        c.insert("iat".into(), json!(1_699_999_999.5));
        c.insert("nbf".into(), json!(1.7e9));
    });
    // 15: URL-safe alphabet, no padding.
    write(
        "accept-magic-parts-float-times-url-safe-unpadded",
        15,
        &format!("\0{floats}"),
    );
    let times = |ext: &str| {
        c0.replace(
            &format!("\"ext\":{}", MAGIC_NOW + 900),
            &format!("\"ext\":{ext}"),
        )
    };
    write("reject-malformed-magic-parts-ext-1e400", 3, &times("1e400"));
    write(
        "reject-expired-magic-parts-ext-minus-1.5e300",
        3,
        &times("-1.5e300"),
    );
    let no_tid = claim(&|c| {
        c.remove("tid");
    });
    write("reject-missing_claim-magic-parts-no-tid", 3, &no_tid);
    let spaced = c0.replace(',', ", ");
    write(
        "reject-invalid_signature-magic-parts-proof-of-other-bytes",
        3,
        &format!("{proof}\0{spaced}"),
    );

    // thirdweb (mode 1; `header.payload.` is signed by the target).
    let payload = |edit: &dyn Fn(&mut serde_json::Map<String, Value>)| -> String {
        let mut p = json!({"iss": TEST_ADDRESS, "sub": "0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
            "aud": THIRDWEB_DOMAIN, "exp": THIRDWEB_NOW + 86_400, "nbf": THIRDWEB_NOW - 600,
            "iat": THIRDWEB_NOW, "jti": "j-1", "ctx": {}});
        edit(p.as_object_mut().unwrap());
        p.to_string()
    };
    let unsigned =
        |header: &str, payload: &str| format!("{header}.{}.", URL_SAFE_NO_PAD.encode(payload));
    let header = claims_core::providers::thirdweb::HEADER_SEGMENT;
    let p0 = payload(&|_| {});
    write(
        "accept-thirdweb-signed",
        1,
        &thirdweb_token(header, &p0, None),
    );
    let lower = payload(&|p| {
        p.insert("iss".into(), TEST_ADDRESS.to_lowercase().into());
    });
    write(
        "accept-thirdweb-target-signed-lowercase-iss",
        1,
        &unsigned(header, &lower),
    );
    let es256_only = URL_SAFE_NO_PAD.encode(r#"{"alg":"ES256"}"#);
    write(
        "reject-malformed-thirdweb-other-header",
        1,
        &unsigned(&es256_only, &p0),
    );
    write(
        "reject-invalid_signature-thirdweb-v29",
        1,
        &thirdweb_token(header, &p0, Some(29)),
    );
    let p1 = payload(&|p| {
        p.insert(
            "sub".into(),
            "0x0000000000000000000000000000000000000001".into(),
        );
    });
    let signature_of_p0 = thirdweb_token(header, &p0, None)
        .rsplit('.')
        .next()
        .unwrap()
        .to_owned();
    write(
        "reject-invalid_signature-thirdweb-signature-of-other-payload",
        1,
        &format!("{}{signature_of_p0}", unsigned(header, &p1)),
    );
    let other_domain = payload(&|p| {
        p.insert("aud".into(), "other.example".into());
    });
    write(
        "reject-wrong_audience-thirdweb-other-domain",
        1,
        &unsigned(header, &other_domain),
    );
    let expired = payload(&|p| {
        p.insert("exp".into(), json!(THIRDWEB_NOW - 1_000));
    });
    write(
        "reject-expired-thirdweb-exp-in-the-past",
        1,
        &unsigned(header, &expired),
    );
    let other_iss = payload(&|p| {
        p.insert(
            "iss".into(),
            "0x70997970C51812dc3A010C7d01b50e0d17dc79C8".into(),
        );
    });
    write(
        "reject-wrong_issuer-thirdweb-other-iss",
        1,
        &unsigned(header, &other_iss),
    );

    // Turnkey (mode 2): the published session JWT.
    let turnkey = vectors("turnkey_session_jwt.json");
    let jwt = turnkey["tokens"][0]["token"].as_str().unwrap();
    write("accept-turnkey-vector", 2, jwt);
    let mut parts: Vec<String> = jwt.split('.').map(str::to_owned).collect();
    let payload = String::from_utf8(URL_SAFE_NO_PAD.decode(&parts[1]).unwrap()).unwrap();
    parts[1] = URL_SAFE_NO_PAD.encode(payload.replace("6912b819", "6912b81a"));
    write(
        "reject-invalid_signature-turnkey-vector-other-user",
        2,
        &parts.join("."),
    );
    write(
        "reject-malformed-turnkey-two-segments",
        2,
        jwt.rsplit_once('.').unwrap().0,
    );
}
