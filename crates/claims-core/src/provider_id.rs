//! Provider identifiers: strings, with the built-in providers as constants.
//!
//! A [`ProviderId`] names the provider that issued a token in [`Identity`](crate::Identity), in
//! metrics labels, logs and the command line's output. The built-in ones are constants; a
//! provider of your own (or an `[[oidc]]` issuer from the configuration) has the name you give it.

use std::borrow::Cow;
use std::sync::Arc;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The name of an identity provider: `para`, `privy`, or the name of your own.
///
/// Cheap to clone (a static string or a shared one). Compared by its text.
///
/// ```
/// use claims_core::ProviderId;
/// assert_eq!(ProviderId::SOPHON.as_str(), "sophon");
/// assert_eq!(ProviderId::new("auth0"), "auth0");
/// assert!(ProviderId::DYNAMIC.is_builtin());
/// assert_eq!("privy".parse::<ProviderId>().unwrap(), ProviderId::PRIVY);
/// ```
#[derive(Clone)]
pub struct ProviderId(Repr);

#[derive(Clone)]
enum Repr {
    Static(&'static str),
    Shared(Arc<str>),
}

impl ProviderId {
    /// Para (getpara.com).
    pub const PARA: ProviderId = ProviderId::from_static("para");
    /// Parra (parra.io).
    pub const PARRA: ProviderId = ProviderId::from_static("parra");
    /// Sophon (sophon.xyz).
    pub const SOPHON: ProviderId = ProviderId::from_static("sophon");
    /// Dynamic (dynamic.xyz).
    pub const DYNAMIC: ProviderId = ProviderId::from_static("dynamic");
    /// Web3Auth (web3auth.io).
    pub const WEB3AUTH: ProviderId = ProviderId::from_static("web3auth");
    /// Privy (privy.io).
    pub const PRIVY: ProviderId = ProviderId::from_static("privy");
    /// Sessions issued by this service's own wallet sign-in (`[signin]`).
    pub const SIGNIN: ProviderId = ProviderId::from_static("signin");
    /// Magic (magic.link): DID tokens.
    pub const MAGIC: ProviderId = ProviderId::from_static("magic");
    /// thirdweb Auth (thirdweb.com): tokens signed by the app's admin wallet.
    pub const THIRDWEB: ProviderId = ProviderId::from_static("thirdweb");
    /// Turnkey (turnkey.com): session JWTs.
    pub const TURNKEY: ProviderId = ProviderId::from_static("turnkey");
    /// Farcaster Quick Auth (Farcaster and Base mini apps).
    pub const FARCASTER: ProviderId = ProviderId::from_static("farcaster");

    /// The built-in providers, in a fixed order.
    pub const BUILTIN: [ProviderId; 11] = [
        ProviderId::PARA,
        ProviderId::PARRA,
        ProviderId::SOPHON,
        ProviderId::DYNAMIC,
        ProviderId::WEB3AUTH,
        ProviderId::PRIVY,
        ProviderId::SIGNIN,
        ProviderId::MAGIC,
        ProviderId::THIRDWEB,
        ProviderId::TURNKEY,
        ProviderId::FARCASTER,
    ];

    /// An identifier from a static string (for a provider of your own, as a constant).
    pub const fn from_static(name: &'static str) -> Self {
        ProviderId(Repr::Static(name))
    }

    /// An identifier from any string. A built-in name gives the built-in constant.
    pub fn new(name: impl AsRef<str>) -> Self {
        let name = name.as_ref();
        ProviderId::builtin(name).unwrap_or_else(|| ProviderId(Repr::Shared(Arc::from(name))))
    }

    /// The built-in provider of this name (ASCII case-insensitive), if there is one.
    pub fn builtin(name: &str) -> Option<Self> {
        ProviderId::BUILTIN
            .into_iter()
            .find(|p| p.as_str().eq_ignore_ascii_case(name))
    }

    /// True for the built-in providers.
    pub fn is_builtin(&self) -> bool {
        ProviderId::BUILTIN.iter().any(|p| p == self)
    }

    /// The name.
    pub fn as_str(&self) -> &str {
        match &self.0 {
            Repr::Static(s) => s,
            Repr::Shared(s) => s,
        }
    }

    /// The name, when it is a static string (the built-in ids, [`ProviderId::from_static`]).
    pub fn as_static(&self) -> Option<&'static str> {
        match &self.0 {
            Repr::Static(s) => Some(s),
            Repr::Shared(_) => None,
        }
    }

    /// The name as a shared string: the same allocation for every clone of a name made at run
    /// time (an `[[oidc]]` table's), a new one for a static name. With
    /// [`ProviderId::as_static`], lets a metrics label cost no allocation per request.
    pub fn to_shared(&self) -> Arc<str> {
        match &self.0 {
            Repr::Static(s) => Arc::from(*s),
            Repr::Shared(s) => Arc::clone(s),
        }
    }
}

impl PartialEq for ProviderId {
    fn eq(&self, other: &Self) -> bool {
        self.as_str() == other.as_str()
    }
}
impl Eq for ProviderId {}
impl PartialEq<str> for ProviderId {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}
impl PartialEq<&str> for ProviderId {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}
impl std::hash::Hash for ProviderId {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.as_str().hash(state);
    }
}
impl PartialOrd for ProviderId {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for ProviderId {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.as_str().cmp(other.as_str())
    }
}

impl std::fmt::Debug for ProviderId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(self.as_str(), f)
    }
}

impl std::fmt::Display for ProviderId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl AsRef<str> for ProviderId {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl From<&'static str> for ProviderId {
    fn from(name: &'static str) -> Self {
        ProviderId::builtin(name).unwrap_or(ProviderId::from_static(name))
    }
}

impl From<String> for ProviderId {
    fn from(name: String) -> Self {
        ProviderId::new(name)
    }
}

impl std::str::FromStr for ProviderId {
    type Err = UnknownProvider;
    /// Parses a provider name: any non-empty name of ASCII letters, digits, `-` and `_`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if is_valid_name(s) {
            Ok(ProviderId::new(s))
        } else {
            Err(UnknownProvider(s.to_owned()))
        }
    }
}

/// True for a usable provider name: 1 to 64 ASCII letters, digits, `-` or `_`.
pub fn is_valid_name(name: &str) -> bool {
    (1..=64).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

impl Serialize for ProviderId {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for ProviderId {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let name = Cow::<'de, str>::deserialize(d)?;
        Ok(ProviderId::new(name))
    }
}

/// A provider name that is not usable (empty, too long, or with characters other than ASCII
/// letters, digits, `-` and `_`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not a provider name (1 to 64 ASCII letters, digits, - or _)")]
pub struct UnknownProvider(pub String);
