//! Step 1: take the token from the request.
//!
//! Sources are tried in the configured order; every configured source is read, and a request that
//! carries two *different* tokens is refused (RFC 6750 §2: one method per request). The same token
//! in two places (a browser sending both the header and the cookie) is accepted.

use http::HeaderMap;
use http::header::{AUTHORIZATION, COOKIE, HeaderName};

use crate::error::AuthError;

/// Where the layer looks for the token.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum TokenSource {
    /// `Authorization: Bearer <token>` (scheme matched case-insensitively, RFC 6750 §2.1). For
    /// gRPC this is the `authorization` metadata.
    Bearer,
    /// A cookie with this name (Dynamic's HTTP-only cookie mode).
    Cookie(String),
    /// A custom header whose whole value is the token.
    Header(HeaderName),
}

/// Find the token in `headers`. `Ok(None)` when no source holds one.
pub fn find_token<'h>(
    headers: &'h HeaderMap,
    sources: &[TokenSource],
) -> Result<Option<&'h str>, AuthError> {
    let mut found: Option<&'h str> = None;
    let mut add = |token: &'h str| -> Result<(), AuthError> {
        match found {
            Some(prev) if prev != token => Err(AuthError::ConflictingTokens),
            _ => {
                found = Some(token);
                Ok(())
            }
        }
    };
    for source in sources {
        match source {
            TokenSource::Bearer => {
                for value in headers.get_all(AUTHORIZATION) {
                    let value = value.to_str().map_err(|_| AuthError::Unreadable)?;
                    if let Some(token) = bearer(value)? {
                        add(token)?;
                    }
                }
            }
            TokenSource::Cookie(name) => {
                for value in headers.get_all(COOKIE) {
                    // Cookie headers that are not ASCII cannot hold our cookie; skip them.
                    let Ok(value) = value.to_str() else { continue };
                    for pair in value.split(';') {
                        if let Some((k, v)) = pair.trim().split_once('=')
                            && k == name
                        {
                            let v = v.trim_matches('"');
                            if !v.is_empty() {
                                add(v)?;
                            }
                        }
                    }
                }
            }
            TokenSource::Header(name) => {
                for value in headers.get_all(name) {
                    let value = value.to_str().map_err(|_| AuthError::Unreadable)?.trim();
                    if value.is_empty() {
                        return Err(AuthError::Unreadable);
                    }
                    add(value)?;
                }
            }
        }
    }
    Ok(found)
}

/// The token of a `Bearer` credential; `Ok(None)` for other schemes (`Basic …`).
fn bearer(value: &str) -> Result<Option<&str>, AuthError> {
    let value = value.trim();
    let (scheme, rest) = value.split_once(' ').unwrap_or((value, ""));
    if !scheme.eq_ignore_ascii_case("bearer") {
        return Ok(None);
    }
    let token = rest.trim_start_matches(' ');
    if token.is_empty() || token.contains(' ') {
        return Err(AuthError::Unreadable);
    }
    Ok(Some(token))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use http::HeaderValue;

    fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(
                HeaderName::from_bytes(k.as_bytes()).unwrap(),
                HeaderValue::from_str(v).unwrap(),
            );
        }
        h
    }

    #[test]
    fn bearer_scheme_is_case_insensitive() {
        for v in ["Bearer abc", "bearer abc", "BEARER abc", "Bearer   abc"] {
            let h = headers(&[("authorization", v)]);
            assert_eq!(
                find_token(&h, &[TokenSource::Bearer]).unwrap(),
                Some("abc"),
                "{v}"
            );
        }
    }

    #[test]
    fn other_schemes_are_not_tokens() {
        let h = headers(&[("authorization", "Basic dXNlcjpwYXNz")]);
        assert_eq!(find_token(&h, &[TokenSource::Bearer]).unwrap(), None);
        let h = headers(&[("authorization", "Bearer")]);
        assert_eq!(
            find_token(&h, &[TokenSource::Bearer]).unwrap_err(),
            AuthError::Unreadable
        );
        let h = headers(&[("authorization", "Bearer a b")]);
        assert_eq!(
            find_token(&h, &[TokenSource::Bearer]).unwrap_err(),
            AuthError::Unreadable
        );
    }

    #[test]
    fn cookie_and_custom_header() {
        let sources = [
            TokenSource::Bearer,
            TokenSource::Cookie("DYNAMIC_JWT_TOKEN".into()),
            TokenSource::Header(HeaderName::from_static("x-auth-token")),
        ];
        let h = headers(&[("cookie", "a=1; DYNAMIC_JWT_TOKEN=tok; b=2")]);
        assert_eq!(find_token(&h, &sources).unwrap(), Some("tok"));
        let h = headers(&[("x-auth-token", "tok2")]);
        assert_eq!(find_token(&h, &sources).unwrap(), Some("tok2"));
        // The same token twice is fine; two different tokens are not.
        let h = headers(&[
            ("authorization", "Bearer tok"),
            ("cookie", "DYNAMIC_JWT_TOKEN=tok"),
        ]);
        assert_eq!(find_token(&h, &sources).unwrap(), Some("tok"));
        let h = headers(&[
            ("authorization", "Bearer tok"),
            ("cookie", "DYNAMIC_JWT_TOKEN=other"),
        ]);
        assert_eq!(
            find_token(&h, &sources).unwrap_err(),
            AuthError::ConflictingTokens
        );
        let h = headers(&[("authorization", "Bearer a"), ("authorization", "Bearer b")]);
        assert_eq!(
            find_token(&h, &sources).unwrap_err(),
            AuthError::ConflictingTokens
        );
        // A cookie source that is not configured is ignored.
        let h = headers(&[("cookie", "DYNAMIC_JWT_TOKEN=tok")]);
        assert_eq!(find_token(&h, &[TokenSource::Bearer]).unwrap(), None);
    }
}
