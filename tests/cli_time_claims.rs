//! Issue #10, point 4: the CLI decides exactly as the layer does.
//!
//! One table of `exp`/`nbf`/`iat` edge cases (integers, floats, fractions, huge numbers, negative
//! numbers, strings, `null`, absent), written once. Every case is signed for real (an RSA key and an
//! HMAC secret generated here) and decided by:
//!
//! - `wallet-auth verify --jwks FILE --aud … --at BASE` (RS256, a Para-shaped token, a JWKS file);
//! - `wallet-auth verify --secret-file FILE --iss … --at BASE` (HS256, a Parra-shaped token);
//! - `wallet-auth verify --config FILE --at BASE` (both tokens; keys from a loopback JWKS server);
//! - the layer's verifier, `verify_at(BASE)`, built from the same configuration;
//! - an axum app behind `AuthLayer` (same configuration) over real HTTP, at the real time.
//!
//! Each must give the case's exact outcome: accepted (with the exact output), or refused with the
//! exact `VerifyError` (the CLI prints its text, the layer returns it; HTTP answers 401 and the
//! test's rejection handler echoes the error).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::path::PathBuf;
use std::process::{Command, Output};

use V::{Absent, At, AtFloat, AtHalf, AtString, Json};
use Want::{Accepted, Expired, Invalid, Malformed, Missing, NotYetValid};
use axum::Router;
use axum::body::Body;
use axum::http::{Response, StatusCode};
use axum::routing::get;
use serde_json::{Value, json};
use test_support::jwks_server::JwksServer;
use test_support::{Hmac, RsaKey, Signer, jwks, now, sign_raw};
use wallet_auth::claims::VerifyError;
use wallet_auth::layer::{AuthConfig, AuthError, AuthLayer, Authenticated, Rejection};

const BIN: &str = env!("CARGO_BIN_EXE_wallet-auth");

const PARA_AUD: &str = "para-api-key-id";
const PARA_USER: &str = "para-user-1";
const PARRA_KEY_ID: &str = "parra-key-1";
const PARRA_SECRET: &str = "parra-secret-0123456789abcdef0123456789abcdef";
const PARRA_TENANT: &str = "tenant-1";
const PARRA_USER: &str = "user|42";
const LEEWAY: i64 = 60;

/// A claim's value, relative to the verification time `BASE` where it says so.
#[derive(Clone, Copy, Debug)]
enum V {
    /// Exactly this JSON text.
    Json(&'static str),
    /// `BASE + n`, an integer.
    At(i64),
    /// `BASE + n` written as a float (`….0`).
    AtFloat(i64),
    /// `BASE + n + 0.5`.
    AtHalf(i64),
    /// `"BASE + n"`, a string.
    AtString(i64),
    /// The member is left out.
    Absent,
}

impl V {
    fn render(self, base: i64) -> Option<String> {
        match self {
            V::Json(text) => Some(text.to_owned()),
            V::At(n) => Some((base + n).to_string()),
            V::AtFloat(n) => Some(format!("{}.0", base + n)),
            V::AtHalf(n) => Some(format!("{}.5", base + n)),
            V::AtString(n) => Some(format!("\"{}\"", base + n)),
            V::Absent => None,
        }
    }
}

/// A time in an expected error.
#[derive(Clone, Copy, Debug)]
enum T {
    /// `BASE + n`.
    At(i64),
    /// Exactly this.
    Abs(i64),
}

impl T {
    fn at(self, base: i64) -> i64 {
        match self {
            T::At(n) => base + n,
            T::Abs(t) => t,
        }
    }
}

/// The outcome every path must give.
#[derive(Clone, Copy, Debug)]
enum Want {
    Accepted,
    Expired(T),
    NotYetValid(T),
    Invalid(&'static str),
    Missing(&'static str),
    Malformed,
}

impl Want {
    /// The exact result when verified at `now` for a token built at `base`.
    fn result(self, base: i64, now: i64) -> Result<(), VerifyError> {
        Err(match self {
            Want::Accepted => return Ok(()),
            Want::Expired(exp) => VerifyError::Expired {
                exp: exp.at(base),
                now,
                leeway: LEEWAY as u64,
            },
            Want::NotYetValid(nbf) => VerifyError::NotYetValid {
                nbf: nbf.at(base),
                now,
            },
            Want::Invalid(path) => VerifyError::InvalidClaim { path: path.into() },
            Want::Missing(claim) => VerifyError::MissingClaim(claim),
            Want::Malformed => VerifyError::Malformed(wallet_auth::claims::Malformed::Json(
                wallet_auth::claims::Part::Payload,
            )),
        })
    }
}

/// A case: overrides of the defaults `exp: BASE + 3600`, `nbf: BASE - 10`, `iat: BASE - 10`
/// (named by them in failure messages), and the outcome.
type Case = (&'static [(&'static str, V)], Want);

const U64_MAX: &str = "18446744073709551615";
const I64_MAX: &str = "9223372036854775807";
const I64_MAX_PLUS_1: &str = "9223372036854775808";
const I64_MIN: &str = "-9223372036854775808";
const L: i64 = LEEWAY;

/// The table. Every case's outcome is the same at `BASE` and at any moment of the next minutes,
/// so the HTTP run (at the real time) must agree with the `--at BASE` runs.
#[rustfmt::skip]
const CASES: &[Case] = &[
    // exp: integers and floats, fractions floored (towards negative infinity)
    (&[], Accepted),
    (&[("exp", AtFloat(3600))], Accepted),
    (&[("exp", AtHalf(3600))], Accepted),
    (&[("exp", AtHalf(-L))], Expired(T::At(-L))), // floored onto the leeway edge
    (&[("exp", Json("1700000000.5"))], Expired(T::Abs(1_700_000_000))),
    (&[("exp", Json("1.7e9"))], Expired(T::Abs(1_700_000_000))),
    // exp: huge (outside i64: refused, never saturated), i64's own extremes
    (&[("exp", Json("1e300"))], Invalid("exp")),
    (&[("exp", Json("9.3e18"))], Invalid("exp")),
    (&[("exp", Json(U64_MAX))], Invalid("exp")),
    (&[("exp", Json(I64_MAX_PLUS_1))], Invalid("exp")),
    (&[("exp", Json(I64_MAX))], Accepted),
    (&[("exp", Json("9.2e18"))], Accepted),
    (&[("exp", Json("1e400"))], Malformed), // not a number serde_json reads: the payload is bad
    // exp: negative
    (&[("exp", Json("-1"))], Expired(T::Abs(-1))),
    (&[("exp", Json("-0.5"))], Expired(T::Abs(-1))),
    (&[("exp", Json(I64_MIN))], Expired(T::Abs(i64::MIN))),
    (&[("exp", Json("-1e300"))], Invalid("exp")),
    // exp: not a number, null, absent
    (&[("exp", Json("\"1700000000\""))], Invalid("exp")),
    (&[("exp", AtString(3600))], Invalid("exp")),
    (&[("exp", Json("true"))], Invalid("exp")),
    (&[("exp", Json("null"))], Missing("exp")),
    (&[("exp", Absent)], Missing("exp")),
    // nbf
    (&[("nbf", Absent)], Accepted),
    (&[("nbf", Json("null"))], Accepted),
    (&[("nbf", AtFloat(-10))], Accepted),
    (&[("nbf", AtHalf(L))], Accepted), // floored onto the leeway edge: still valid
    (&[("nbf", At(3600))], NotYetValid(T::At(3600))),
    (&[("nbf", AtHalf(3600))], NotYetValid(T::At(3600))),
    (&[("nbf", Json("1700000000.5"))], Accepted),
    (&[("nbf", Json("1e300"))], Invalid("nbf")),
    (&[("nbf", Json("9.3e18"))], Invalid("nbf")),
    (&[("nbf", Json(U64_MAX))], Invalid("nbf")),
    (&[("nbf", Json(I64_MAX))], NotYetValid(T::Abs(i64::MAX))),
    (&[("nbf", Json("-1"))], Accepted),
    (&[("nbf", Json("-1e300"))], Invalid("nbf")),
    (&[("nbf", AtString(-10))], Invalid("nbf")),
    // iat: its time is checked only for Web3Auth (not these providers, not the CLI); its type always
    (&[("iat", Absent)], Accepted),
    (&[("iat", Json("null"))], Accepted),
    (&[("iat", At(3600))], Accepted),
    (&[("iat", AtHalf(-10))], Accepted),
    (&[("iat", Json("1700000000.5"))], Accepted),
    (&[("iat", Json("1e300"))], Invalid("iat")),
    (&[("iat", Json("9.3e18"))], Invalid("iat")),
    (&[("iat", Json(U64_MAX))], Invalid("iat")),
    (&[("iat", Json("-1"))], Accepted),
    (&[("iat", Json("\"1700000000\""))], Invalid("iat")),
    // order: every claim is read before any is checked; exp before nbf
    (&[("exp", At(-3600)), ("iat", Json("\"x\""))], Invalid("iat")),
    (&[("exp", At(-3600)), ("nbf", At(3600))], Expired(T::At(-3600))),
];

/// The claims object (JSON text) of `shape` with the case's time claims.
fn payload(shape: Shape, set: &[(&str, V)], base: i64) -> String {
    let mut members: Vec<String> = match shape {
        Shape::Para => vec![
            format!("\"sub\":\"{PARA_USER}\""),
            format!("\"aud\":\"{PARA_AUD}\""),
            format!("\"data\":{{\"userId\":\"{PARA_USER}\"}}"),
        ],
        Shape::Parra => vec![
            format!("\"iss\":\"{PARRA_KEY_ID}\""),
            format!("\"sub\":\"{PARRA_TENANT}\""),
            format!("\"grants\":{{\"identity\":\"{PARRA_USER}\"}}"),
        ],
    };
    for (name, default) in [
        ("exp", V::At(3600)),
        ("nbf", V::At(-10)),
        ("iat", V::At(-10)),
    ] {
        let value = set
            .iter()
            .find(|(n, _)| *n == name)
            .map_or(default, |(_, v)| *v);
        if let Some(text) = value.render(base) {
            members.push(format!("\"{name}\":{text}"));
        }
    }
    format!("{{{}}}", members.join(","))
}

#[derive(Clone, Copy, Debug)]
enum Shape {
    /// RS256 with the RSA key, `aud` the Para API key id: `verify --jwks FILE --aud …`.
    Para,
    /// HS256 with the Parra secret, `cty parra-fpa;v=1`: `verify --secret-file FILE --iss …`.
    Parra,
}

struct Fixture {
    rsa: RsaKey,
    parra: Hmac,
    jwks_file: String,
    secret_file: String,
    config_file: String,
    config_toml: String,
}

impl Fixture {
    fn token(&self, shape: Shape, payload: &str) -> String {
        let (signer, header): (&dyn Signer, Value) = match shape {
            Shape::Para => (
                &self.rsa,
                json!({"alg": "RS256", "typ": "JWT", "kid": self.rsa.kid}),
            ),
            Shape::Parra => (
                &self.parra,
                json!({"alg": "HS256", "typ": "JWT", "cty": "parra-fpa;v=1"}),
            ),
        };
        sign_raw(signer, header.to_string().as_bytes(), payload.as_bytes())
    }

    /// The explicit-key command line for `shape`.
    fn explicit_args(&self, shape: Shape) -> Vec<String> {
        let v: Vec<&str> = match shape {
            Shape::Para => vec!["verify", "--jwks", &self.jwks_file, "--aud", PARA_AUD],
            Shape::Parra => vec![
                "verify",
                "--secret-file",
                &self.secret_file,
                "--iss",
                PARRA_KEY_ID,
            ],
        };
        v.into_iter().map(str::to_owned).collect()
    }
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "wallet-auth-cli-time-{}-{name}",
        std::process::id()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn write(dir: &std::path::Path, name: &str, bytes: impl AsRef<[u8]>) -> String {
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path.to_str().unwrap().to_owned()
}

async fn run(args: Vec<String>) -> Output {
    tokio::task::spawn_blocking(move || Command::new(BIN).args(&args).output().unwrap())
        .await
        .unwrap()
}

/// Assert the CLI's exact answer: exit 0 and `stdout_on_success`, or exit 1 and `error: <reason>`.
fn assert_cli(what: &str, o: &Output, want: &Result<(), VerifyError>, stdout_on_success: &Value) {
    let stdout = String::from_utf8(o.stdout.clone()).unwrap();
    let stderr = String::from_utf8(o.stderr.clone()).unwrap();
    match want {
        Ok(()) => {
            assert_eq!(o.status.code(), Some(0), "{what}: stderr {stderr:?}");
            assert_eq!(stderr, "", "{what}");
            let got: Value = serde_json::from_str(&stdout).unwrap();
            assert_eq!(&got, stdout_on_success, "{what}");
        }
        Err(e) => {
            assert_eq!(o.status.code(), Some(1), "{what}: stdout {stdout:?}");
            assert_eq!(stderr, format!("error: {e}\n"), "{what}");
            assert_eq!(stdout, "", "{what}");
        }
    }
}

/// The refusal handler of the app under test: the status the default would give, and the exact
/// error (text and reason) so the test can compare it.
fn echo_rejection(rejection: &Rejection) -> Response<Body> {
    Response::builder()
        .status(rejection.status())
        .header("x-reason", rejection.error().reason())
        .body(Body::from(rejection.error().to_string()))
        .unwrap()
}

fn layer_result(r: Result<Authenticated, AuthError>) -> Result<String, VerifyError> {
    match r {
        Ok(auth) => Ok(auth.identity().user_id.clone()),
        Err(AuthError::Token(e)) => Err(e),
        Err(other) => panic!("not a token refusal: {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exp_nbf_iat_edges_decide_the_same_in_the_cli_and_the_layer() {
    let rsa = RsaKey::generate("rsa-1");
    let server = JwksServer::start(jwks(&[rsa.jwk()])).await;
    let dir = scratch("table");
    let config_toml = format!(
        "[jwks]\nallow_http = true\n\n\
         [para]\nenvironment = \"sandbox\"\njwks_url = \"{}\"\naudience = \"{PARA_AUD}\"\n\n\
         [[parra.keys]]\nid = \"{PARRA_KEY_ID}\"\nsecret = \"{PARRA_SECRET}\"\ntenant_id = \"{PARRA_TENANT}\"\n",
        server.url()
    );
    let fx = Fixture {
        jwks_file: write(&dir, "jwks.json", jwks(&[rsa.jwk()]).to_string()),
        secret_file: write(&dir, "secret", PARRA_SECRET),
        config_file: write(&dir, "auth.toml", &config_toml),
        config_toml,
        rsa,
        parra: Hmac::hs256(PARRA_SECRET.as_bytes()),
    };
    let config = AuthConfig::from_toml_str(&fx.config_toml).unwrap();
    // One layer answers `verify_at(BASE)`, another serves HTTP: neither sees the other's cache.
    let direct = AuthLayer::from_config(&config).unwrap();
    direct.verifier().prefetch().await;
    let served = AuthLayer::from_config(&config)
        .unwrap()
        .on_rejection(echo_rejection);
    served.verifier().prefetch().await;
    let app = Router::new()
        .route(
            "/me",
            get(|auth: Authenticated| async move { auth.identity().user_id.clone() }),
        )
        .layer(served);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base_url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    let client = reqwest::Client::builder().no_proxy().build().unwrap();

    let base = now();
    let at = base.to_string();
    for &(set, case_want) in CASES {
        let want = case_want.result(base, base);
        for shape in [Shape::Para, Shape::Parra] {
            let what = format!("{set:?} ({shape:?})");
            let payload = payload(shape, set, base);
            let token = fx.token(shape, &payload);
            let (provider, user) = match shape {
                Shape::Para => ("para", PARA_USER),
                Shape::Parra => ("parra", PARRA_USER),
            };

            // The CLI with an explicit key: the payload as it came, the subject as user id.
            let mut args = fx.explicit_args(shape);
            args.extend(["--at".to_owned(), at.clone(), token.clone()]);
            let o = run(args).await;
            let sub = match shape {
                Shape::Para => PARA_USER,
                Shape::Parra => PARRA_TENANT,
            };
            let claims: Value = serde_json::from_str(&payload).unwrap_or(Value::Null);
            let explicit_ok = json!({"provider": null,
                "identity": {"user_id": sub, "email": null, "wallets": []}, "claims": claims});
            assert_cli(&format!("{what}: explicit key"), &o, &want, &explicit_ok);

            // The layer's verifier, at the same time.
            let verified = direct.verifier().verify_at(&token, base).await;
            let config_ok = match &verified {
                Ok(auth) => json!({
                    "provider": auth.provider().as_str(),
                    "identity": {
                        "user_id": auth.identity().user_id,
                        "email": auth.identity().email,
                        "wallets": auth.identity().wallets,
                    },
                    "claims": auth.claims().to_json(),
                }),
                Err(_) => Value::Null,
            };
            assert_eq!(
                layer_result(verified),
                want.clone().map(|()| user.to_owned()),
                "{what}: verify_at"
            );
            if want.is_ok() {
                assert_eq!(config_ok["provider"], provider, "{what}: verify_at");
            }

            // The CLI with the layer's configuration: what the layer decided, as the layer says it.
            let o = run(vec![
                "verify".into(),
                "--config".into(),
                fx.config_file.clone(),
                "--at".into(),
                at.clone(),
                token.clone(),
            ])
            .await;
            assert_cli(&format!("{what}: config"), &o, &want, &config_ok);

            // The layer over HTTP, at the real time (bracketed).
            let before = now();
            let res = client
                .get(format!("{base_url}/me"))
                .bearer_auth(&token)
                .send()
                .await
                .unwrap();
            let after = now();
            let status = res.status();
            let reason = res
                .headers()
                .get("x-reason")
                .map(|v| v.to_str().unwrap().to_owned());
            let body = res.text().await.unwrap();
            match case_want.result(base, before) {
                Ok(()) => {
                    assert_eq!(status, StatusCode::OK, "{what}: HTTP {body}");
                    assert_eq!(body, user, "{what}: HTTP");
                }
                Err(e) => {
                    assert_eq!(status, StatusCode::UNAUTHORIZED, "{what}: HTTP {body}");
                    assert_eq!(reason.as_deref(), Some(e.reason()), "{what}: HTTP");
                    let texts: Vec<String> = (before..=after)
                        .filter_map(|t| case_want.result(base, t).err())
                        .map(|e| e.to_string())
                        .collect();
                    assert!(
                        texts.contains(&body),
                        "{what}: HTTP {body:?} not in {texts:?}"
                    );
                }
            }
        }
    }
}
