//! The identity headers of an accepted request, made safe to forward.
//!
//! Every value taken from a token is checked before it becomes a header value: bytes other than
//! visible ASCII and space (so CR, LF, NUL, DEL and every non-ASCII byte) are percent-encoded,
//! as is `%` itself, so the value cannot end a header or start another; a value longer than
//! `[serve] max_header_bytes` after that refuses the request: it is never truncated.
//!
//! The headers are built once per verification and kept with it
//! ([`Authenticated::derived`]): a token the verified-token cache answers again gets the same
//! headers without encoding anything again.

use std::borrow::Cow;
use std::sync::Arc;

use auth_layer::config::{ConfigError, ServeConfig};
use auth_layer::{AuthError, Authenticated, DerivedKey};
use axum::http::{HeaderMap, HeaderName, HeaderValue};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use percent_encoding::{AsciiSet, CONTROLS, utf8_percent_encode};

use crate::claims::VerifyError;

/// Bytes percent-encoded in a header value: controls (CR, LF, NUL, DEL…), `%`, and (by
/// `utf8_percent_encode`) every non-ASCII byte.
const NOT_VISIBLE: &AsciiSet = &CONTROLS.add(b'%');

/// The configured header names and value limit.
#[derive(Debug, Clone)]
pub struct IdentityHeaders {
    provider: HeaderName,
    user_id: HeaderName,
    email: HeaderName,
    wallets: HeaderName,
    claims: Option<HeaderName>,
    max_bytes: usize,
    /// Whose headers are kept with each verification (these names, this limit).
    kept: Arc<DerivedKey>,
}

impl IdentityHeaders {
    /// The headers of `[serve]`.
    ///
    /// # Errors
    ///
    /// A header name that is not a valid HTTP header name, naming its key.
    pub fn from_config(c: &ServeConfig) -> Result<Self, ConfigError> {
        let name = |key: &str, value: &str| {
            HeaderName::from_bytes(value.as_bytes()).map_err(|_| {
                ConfigError::new(
                    format!("serve.{key}"),
                    format!("{value:?} is not a header name"),
                )
            })
        };
        Ok(IdentityHeaders {
            provider: name("provider_header", &c.provider_header)?,
            user_id: name("user_id_header", &c.user_id_header)?,
            email: name("email_header", &c.email_header)?,
            wallets: name("wallets_header", &c.wallets_header)?,
            claims: if c.claims_header {
                Some(name("claims_header_name", &c.claims_header_name)?)
            } else {
                None
            },
            max_bytes: c.max_header_bytes,
            kept: Arc::new(DerivedKey::new()),
        })
    }

    /// Every identity header name this service may send.
    pub fn names(&self) -> impl Iterator<Item = &HeaderName> {
        [&self.provider, &self.user_id, &self.email, &self.wallets]
            .into_iter()
            .chain(&self.claims)
    }

    /// The headers for an accepted token: provider, user id, email (when present), wallets
    /// (`chain:address`, comma-separated, when any), claims (when configured).
    ///
    /// # Errors
    ///
    /// A value longer than the limit (`the token's claims are invalid`, 401).
    pub fn for_identity(&self, auth: &Authenticated) -> Result<HeaderMap, AuthError> {
        auth.derived(&self.kept, |auth| self.build(auth))
            .into_owned()
            .map_err(|name| too_long(&name))
    }

    /// The headers for `auth`, or the name of the first one too long to send.
    fn build(&self, auth: &Authenticated) -> Result<HeaderMap, HeaderName> {
        let id = auth.identity();
        let mut headers = HeaderMap::with_capacity(5);
        self.insert(&mut headers, &self.provider, id.provider.as_str())?;
        self.insert(&mut headers, &self.user_id, &id.user_id)?;
        if let Some(email) = &id.email {
            self.insert(&mut headers, &self.email, email)?;
        }
        let mut wallets = String::new();
        for w in &id.wallets {
            let Some(at) = w.address.as_deref().or(w.public_key.as_deref()) else {
                continue;
            };
            if !wallets.is_empty() {
                wallets.push(',');
            }
            wallets.push_str(w.chain.as_deref().unwrap_or("unknown"));
            wallets.push(':');
            wallets.push_str(at);
        }
        if !wallets.is_empty() {
            self.insert(&mut headers, &self.wallets, &wallets)?;
        }
        if let Some(name) = &self.claims {
            let json = auth.claims().to_json().to_string();
            self.insert(&mut headers, name, &URL_SAFE_NO_PAD.encode(json))?;
        }
        Ok(headers)
    }

    /// `value` made safe (copied once, or encoded once when it needs it), under the limit.
    fn insert(
        &self,
        headers: &mut HeaderMap,
        name: &HeaderName,
        value: &str,
    ) -> Result<(), HeaderName> {
        let safe: Cow<'_, str> = utf8_percent_encode(value, NOT_VISIBLE).into();
        if safe.len() > self.max_bytes {
            return Err(name.clone());
        }
        let value = match safe {
            Cow::Borrowed(value) => HeaderValue::from_str(value),
            Cow::Owned(value) => HeaderValue::try_from(value),
        }
        .map_err(|_| name.clone())?;
        headers.insert(name.clone(), value);
        Ok(())
    }
}

/// The refusal for a value that cannot be forwarded whole.
fn too_long(name: &HeaderName) -> AuthError {
    VerifyError::InvalidClaim {
        path: format!("{name} (longer than serve.max_header_bytes)"),
    }
    .into()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

    use super::*;
    use crate::claims::{AnyClaims, ProviderId, SophonClaims};

    fn verified(user: &str) -> Authenticated {
        let claims: SophonClaims =
            serde_json::from_value(serde_json::json!({"sub": user, "exp": 2})).unwrap();
        let identity = claims_core::ProviderClaims::identity(&claims).unwrap();
        Authenticated::new(AnyClaims::new(ProviderId::SOPHON, claims), identity)
    }

    fn headers(user_id_header: &str, max_header_bytes: usize) -> IdentityHeaders {
        let mut config = ServeConfig::default();
        config.user_id_header = user_id_header.to_owned();
        config.max_header_bytes = max_header_bytes;
        IdentityHeaders::from_config(&config).unwrap()
    }

    /// The headers kept with a verification are this service's own: a second service with other
    /// names (or limits) sharing the same verification gets its own, every time.
    #[test]
    fn kept_headers_belong_to_the_service_that_built_them() {
        let auth = verified("0xabc");
        let first = headers("X-User", 4096);
        let second = headers("X-Other-User", 4096);
        for _ in 0..2 {
            let a = first.for_identity(&auth).unwrap();
            assert_eq!(a["x-user"], "0xabc");
            assert!(a.get("x-other-user").is_none());
            let b = second.for_identity(&auth).unwrap();
            assert_eq!(b["x-other-user"], "0xabc");
            assert!(b.get("x-user").is_none());
            assert_eq!(a["x-auth-provider"], "sophon");
        }
        // A value over the limit is refused each time, kept or not.
        let auth = verified(&"u".repeat(40));
        let tight = headers("X-User", 32);
        for _ in 0..2 {
            assert_eq!(
                tight.for_identity(&auth).unwrap_err(),
                AuthError::from(VerifyError::InvalidClaim {
                    path: "x-user (longer than serve.max_header_bytes)".to_owned()
                })
            );
        }
    }
}
