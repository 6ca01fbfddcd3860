//! One module per provider: its claims type, its policy constructor and its constants.
//!
//! Nothing outside this folder names a provider. A provider of your own needs no module here:
//! a claims type implementing [`ProviderClaims`](crate::ProviderClaims) (or
//! [`OidcClaims`]) and a [`Policy::new`](crate::Policy::new).

pub mod dynamic;
pub mod farcaster;
pub mod magic;
pub mod oidc;
pub mod para;
pub mod parra;
pub mod privy;
pub mod signin;
pub mod sophon;
pub mod thirdweb;
pub mod turnkey;
pub mod web3auth;

pub use dynamic::{DynamicClaims, DynamicCredential};
pub use farcaster::FarcasterClaims;
pub use magic::MagicClaims;
pub use oidc::OidcClaims;
pub use para::{ParaClaims, ParaData, ParaWallet};
pub use parra::{ParraClaims, ParraGrants};
pub use privy::{PrivyClaims, PrivyLinkedAccount};
pub use signin::SessionClaims;
pub use sophon::SophonClaims;
pub use thirdweb::ThirdwebClaims;
pub use turnkey::TurnkeyClaims;
pub use web3auth::{Web3AuthClaims, Web3AuthWallet};

use crate::ProviderId;

/// Recognises a built-in provider's token from its unverified `iss` and header `cty`.
type Recogniser = fn(Option<&str>, Option<&str>) -> Option<String>;

/// Every built-in provider that can be recognised from a token alone, Parra (by `cty`) first.
const RECOGNISERS: [(ProviderId, Recogniser); 8] = [
    (ProviderId::PARRA, parra::recognise),
    (ProviderId::FARCASTER, farcaster::recognise),
    (ProviderId::THIRDWEB, thirdweb::recognise),
    (ProviderId::SOPHON, sophon::recognise),
    (ProviderId::DYNAMIC, dynamic::recognise),
    (ProviderId::WEB3AUTH, web3auth::recognise),
    (ProviderId::PRIVY, privy::recognise),
    (ProviderId::PARA, para::recognise),
];

/// The built-in provider a token looks like, judged from its unverified `iss` and `cty` only,
/// with the reason (`iss "privy.io"`). For display (`wallet-auth inspect`), never for routing.
///
/// ```
/// use claims_core::{ProviderId, providers::recognise};
/// assert_eq!(recognise(Some("privy.io"), None).unwrap().0, ProviderId::PRIVY);
/// assert!(recognise(Some("https://example.eu.auth0.com/"), None).is_none());
/// ```
pub fn recognise(iss: Option<&str>, cty: Option<&str>) -> Option<(ProviderId, String)> {
    RECOGNISERS
        .iter()
        .find_map(|(id, recognise)| Some((id.clone(), recognise(iss, cty)?)))
}
