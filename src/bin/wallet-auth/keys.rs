//! `wallet-auth keys URL`: fetch a JWKS and list its keys, and why any key was skipped.

use wallet_auth::jwks::JwksCache;

use crate::output::{Failure, Text, refused, usage};
use crate::runtime;

/// Fetch the key set at `url` and list it.
pub(crate) fn keys(url: &str, allow_http: bool) -> Result<(), Failure> {
    let cache = JwksCache::builder()
        .allow_http(allow_http)
        .build()
        .map_err(usage)?;
    let source = cache.source(url).map_err(usage)?;
    runtime()?.block_on(async {
        source
            .refresh()
            .await
            .map_err(|e| refused(format!("cannot fetch the JWKS at {url}: {e}")))
    })?;
    let Some(set) = source.current() else {
        return Err(refused(format!("no key set was stored for {url}")));
    };
    let mut out = Text::default();
    out.line(format_args!(
        "{url}: {} usable key(s), {} skipped, cached for {} s",
        set.keys().len(),
        set.skipped().len(),
        set.ttl().as_secs()
    ));
    let dash = |v: Option<&str>| v.map_or_else(|| "-".to_owned(), |s| format!("{s:?}"));
    for key in set.keys() {
        out.line(format_args!(
            "key  kid {}  kty {}  alg {}  crv {}  use {}  bits {}{}",
            dash(key.kid()),
            key.kty(),
            key.alg().unwrap_or("-"),
            key.crv().map_or("-", |c| c.as_str()),
            key.key_use().unwrap_or("-"),
            key.rsa_bits()
                .map_or_else(|| "-".to_owned(), |b| b.to_string()),
            key.key_ops()
                .map(|ops| format!("  key_ops {}", ops.join(",")))
                .unwrap_or_default()
        ));
    }
    for skipped in set.skipped() {
        out.line(format_args!(
            "skipped  kid {}: {}",
            dash(skipped.kid.as_deref()),
            skipped.reason
        ));
    }
    out.print()
}
