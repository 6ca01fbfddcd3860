//! The providers this library knows.

use serde::{Deserialize, Serialize};

/// An identity provider whose tokens this library verifies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Provider {
    /// Para (getpara.com): RS256, JWKS per environment, no `iss`.
    Para,
    /// Parra (parra.io): HS256 access tokens signed with an API key secret.
    Parra,
    /// Sophon (sophon.xyz): RS256, `iss` `https://auth.sophon.xyz`, `aud` = partner id.
    Sophon,
    /// Dynamic (dynamic.xyz): RS256, `iss` `app.dynamic(auth).xyz/<environment id>`.
    Dynamic,
    /// Web3Auth (web3auth.io): ES256 identity tokens.
    Web3Auth,
}

impl Provider {
    /// Every provider, in a fixed order.
    pub const ALL: [Provider; 5] = [
        Provider::Para,
        Provider::Parra,
        Provider::Sophon,
        Provider::Dynamic,
        Provider::Web3Auth,
    ];

    /// The lower-case name used in config files, JSON output and metrics labels.
    pub fn as_str(self) -> &'static str {
        match self {
            Provider::Para => "para",
            Provider::Parra => "parra",
            Provider::Sophon => "sophon",
            Provider::Dynamic => "dynamic",
            Provider::Web3Auth => "web3auth",
        }
    }
}

impl std::fmt::Display for Provider {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for Provider {
    type Err = UnknownProvider;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Provider::ALL
            .into_iter()
            .find(|p| p.as_str().eq_ignore_ascii_case(s))
            .ok_or_else(|| UnknownProvider(s.to_owned()))
    }
}

/// A provider name that is not one of [`Provider::ALL`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown provider {0:?} (expected para, parra, sophon, dynamic or web3auth)")]
pub struct UnknownProvider(pub String);
