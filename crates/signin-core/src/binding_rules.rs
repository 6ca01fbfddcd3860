//! Step 2: the rules that bind a message to this relying party, always on: domain (and scheme),
//! URI, chain, version and the time window. The nonce is checked by its store, after the
//! signature.

use crate::error::SigninError;
use crate::message::{ChainRef, SignInMessage};

/// Default `max_message_age_secs`: a message issued longer ago is refused.
pub const DEFAULT_MAX_MESSAGE_AGE_SECS: u64 = 600;

/// What a message must say to sign in here.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SigninRules {
    /// Accepted `domain`s (RFC 3986 authorities, `app.example.com` or `127.0.0.1:3000`),
    /// compared exactly.
    pub domains: Vec<String>,
    /// The scheme a message may name before its domain (`https`); a message that names none is
    /// not checked for it (its `URI` is).
    pub scheme: String,
    /// The origins a `URI:` may start with (`https://app.example.com`), at a boundary.
    pub uri_prefixes: Vec<String>,
    /// Accepted chains.
    pub chains: Vec<ChainRef>,
    /// A message issued longer ago than this is refused.
    pub max_message_age_secs: u64,
    /// Clock skew allowed on `Issued At`, `Not Before` and `Expiration Time`.
    pub leeway_secs: u64,
}

impl SigninRules {
    /// Rules for `domains`, one `uri_prefix` and `chains`, with the default age and 60 s
    /// leeway. Add origins to [`SigninRules::uri_prefixes`] for more.
    pub fn new(
        domains: impl IntoIterator<Item = impl Into<String>>,
        uri_prefix: impl Into<String>,
        chains: impl IntoIterator<Item = ChainRef>,
    ) -> Self {
        let uri_prefix = uri_prefix.into();
        let scheme = uri_prefix
            .split_once("://")
            .map_or("https", |(scheme, _)| scheme)
            .to_owned();
        SigninRules {
            domains: domains.into_iter().map(Into::into).collect(),
            scheme,
            uri_prefixes: vec![uri_prefix],
            chains: chains.into_iter().collect(),
            max_message_age_secs: DEFAULT_MAX_MESSAGE_AGE_SECS,
            leeway_secs: 60,
        }
    }

    /// Check `message` at `now` (seconds since the epoch). A SIWS message must also carry
    /// the nonce, URI and `Issued At` (its grammar makes them optional; we do not).
    pub fn check(&self, message: &SignInMessage, now: i64) -> Result<(), SigninError> {
        let leeway = i64::try_from(self.leeway_secs).unwrap_or(i64::MAX);
        let max_age = i64::try_from(self.max_message_age_secs).unwrap_or(i64::MAX);

        if !self.domains.contains(&message.domain) {
            return Err(SigninError::Domain);
        }
        if let Some(scheme) = &message.scheme
            && !scheme.eq_ignore_ascii_case(&self.scheme)
        {
            return Err(SigninError::Domain);
        }
        let uri = message
            .uri
            .as_deref()
            .ok_or(SigninError::MissingField("URI"))?;
        if !self
            .uri_prefixes
            .iter()
            .any(|prefix| uri_within(uri, prefix))
        {
            return Err(SigninError::Uri);
        }
        match message.version.as_deref() {
            Some("1") | None => {}
            Some(_) => return Err(SigninError::Version),
        }
        let chain = message
            .chain
            .as_ref()
            .ok_or(SigninError::MissingField("Chain ID"))?;
        // By CAIP-2 id: `mainnet` and `solana:5eykt4…` are one chain.
        let caip2 = chain.caip2();
        if !self.chains.iter().any(|c| c.caip2() == caip2) {
            return Err(SigninError::Chain);
        }
        if message.nonce.is_none() {
            return Err(SigninError::MissingField("Nonce"));
        }
        let issued_at = message
            .issued_at
            .ok_or(SigninError::MissingField("Issued At"))?;
        if issued_at > now.saturating_add(leeway) {
            return Err(SigninError::NotYetValid);
        }
        if now.saturating_sub(issued_at) > max_age.saturating_add(leeway) {
            return Err(SigninError::Expired);
        }
        if let Some(nbf) = message.not_before
            && nbf > now.saturating_add(leeway)
        {
            return Err(SigninError::NotYetValid);
        }
        if let Some(exp) = message.expiration_time
            && now >= exp.saturating_add(leeway)
        {
            return Err(SigninError::Expired);
        }
        Ok(())
    }
}

/// `uri` starts with `prefix` at a boundary: `https://app.example.com` admits
/// `https://app.example.com/login` but not `https://app.example.com.evil.io`.
fn uri_within(uri: &str, prefix: &str) -> bool {
    let Some(rest) = uri.strip_prefix(prefix) else {
        return false;
    };
    prefix.ends_with('/') || rest.is_empty() || rest.starts_with(['/', '?', '#'])
}

#[cfg(test)]
mod tests {
    use super::uri_within;

    #[test]
    fn uri_prefix_stops_at_a_boundary() {
        assert!(uri_within("https://a.io", "https://a.io"));
        assert!(uri_within("https://a.io/login", "https://a.io"));
        assert!(uri_within("https://a.io?x", "https://a.io"));
        assert!(!uri_within("https://a.io.evil.io", "https://a.io"));
        assert!(!uri_within("https://a.io:444/", "https://a.io"));
        assert!(!uri_within("http://a.io/", "https://a.io"));
    }
}
