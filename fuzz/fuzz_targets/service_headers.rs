//! The whole service called with arbitrary headers: `AuthLayer` over a trivial tower service, with
//! a verifier over static keys (Para RS256 with the RFC 7515 A.2 key, Parra HS256), driven on a
//! current-thread tokio runtime. Every request must get an answer (never a panic), and no request
//! the inner service sees may lack a verified identity.
#![no_main]

use std::convert::Infallible;
use std::sync::{Arc, OnceLock};

use auth_layer::{AuthLayer, Authenticated, KeySource, Verifier};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use bytes::Bytes;
use claims_core::{ParraKeyring, Policy, VerifyingKey};
use http::{HeaderName, HeaderValue, Request, Response};
use http_body_util::Full;
use libfuzzer_sys::fuzz_target;
use tower::{Layer as _, Service as _, ServiceExt as _, service_fn};

const A2_N: &str = "ofgWCuLjybRlzo0tZWJjNiuSfb4p4fAkd_wWJcyQoTbji9k0l8W26mPddxHmfHQp-Vaw-4qPCJrcS2mJPMEzP1Pt0Bm4d4QlL-yRT-SFd2lZS-pCgNMsD1W_YpRPEwOWvG6b32690r2jZ47soMZo9wGzjb_7OMg0LOL-bSf63kpaSHSXndS5z5rexMdbBYUsLA9e-KXBdQOS-UTo7WTBEMa2R2CapHg665xsmtdVMTBQY4uDZlxvb3qCo5ZwKh9kG4LT6_I5IhlJH7aGhyxXFvUK-DWNmoudF8NAco9_h9iaGNj8q2ethFkMLs91kzk2PAcDTW9gb54h4FRWyuXpoQ";

struct World {
    rt: tokio::runtime::Runtime,
    layer: AuthLayer,
}

fn world() -> &'static World {
    static WORLD: OnceLock<World> = OnceLock::new();
    WORLD.get_or_init(|| {
        let n = URL_SAFE_NO_PAD.decode(A2_N).expect("A.2 modulus");
        let rsa = VerifyingKey::rsa(&n, &[1, 0, 1]).expect("A.2 key");
        let mut keyring = ParraKeyring::new();
        keyring.insert("key-1", b"parra secret").expect("keyring");
        let verifier = Verifier::builder()
            .provider(Policy::para(), KeySource::Static(Arc::new(rsa)))
            .provider(
                Policy::parra([("key-1", "tenant-1")]).expect("parra policy"),
                KeySource::Parra(Arc::new(keyring)),
            )
            .build()
            .expect("verifier");
        let layer = AuthLayer::new(verifier)
            .with_cookie("DYNAMIC_JWT_TOKEN")
            .with_header(HeaderName::from_static("x-auth-token"));
        World {
            rt: wallet_auth_fuzz::runtime(),
            layer,
        }
    })
}

fuzz_target!(|data: &[u8]| {
    let w = world();
    // The input is a list of `name: value` lines; names are mapped onto the headers the layer
    // reads so the fuzzer spends its time there.
    let mut builder = Request::builder().uri("/");
    for line in data.split(|b| *b == b'\n') {
        let (name, value) = match line.iter().position(|b| *b == b':') {
            Some(i) => (&line[..i], &line[i + 1..]),
            None => (&b"authorization"[..], line),
        };
        let name = match name.first() {
            Some(b'a') => HeaderName::from_static("authorization"),
            Some(b'c') => HeaderName::from_static("cookie"),
            Some(b'x') => HeaderName::from_static("x-auth-token"),
            Some(b'g') => HeaderName::from_static("content-type"),
            _ => match HeaderName::from_bytes(name) {
                Ok(n) => n,
                Err(_) => continue,
            },
        };
        if let Ok(value) = HeaderValue::from_bytes(value) {
            builder = builder.header(name, value);
        }
    }
    let Ok(request) = builder.body(Full::<Bytes>::default()) else {
        return;
    };
    let inner = service_fn(|req: Request<Full<Bytes>>| async move {
        // Only verified requests get here.
        assert!(req.extensions().get::<Authenticated>().is_some());
        Ok::<_, Infallible>(Response::new(Full::<Bytes>::default()))
    });
    let mut service = w.layer.layer(inner);
    let response = w.rt.block_on(async {
        let svc = service.ready().await.expect("ready");
        svc.call(request).await
    });
    let response = response.expect("infallible");
    assert!(matches!(
        response.status().as_u16(),
        200 | 400 | 401 | 403 | 503
    ));
});
