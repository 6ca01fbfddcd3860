//! The provider-neutral view of a verified user: [`Identity`] and its [`Wallet`]s.

use serde::{Deserialize, Serialize};

use crate::ProviderId;

/// Who the verified token speaks for, whatever the provider.
///
/// ```
/// use claims_core::{Identity, ProviderId, Wallet};
/// let mut id = Identity::new(ProviderId::DYNAMIC, "d261ee91", 2);
/// id.wallets.push(Wallet::new(Some("eip155"), Some("0xAbC1"), None));
/// assert!(id.has_wallet("0xabc1"));
/// assert_eq!(id.wallets[0].chain.as_deref(), Some("evm"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Identity {
    /// The provider that issued the token.
    pub provider: ProviderId,
    /// The user id, by the provider's rule (Para `data.userId`/`sub`, Parra `grants.identity`,
    /// Sophon `userId`/`sub`, Dynamic `sub`, Web3Auth `userId`/`verifierId`).
    pub user_id: String,
    /// The user's email, when the token carries one.
    pub email: Option<String>,
    /// The wallets the token lists.
    pub wallets: Vec<Wallet>,
    /// `iat`, when present.
    pub issued_at: Option<i64>,
    /// `exp`.
    pub expires_at: i64,
}

impl Identity {
    /// An identity with no email, no wallets and no `iat`; set those members as needed (for a
    /// claims type of your own: [`crate::ProviderClaims::identity`]).
    pub fn new(provider: ProviderId, user_id: impl Into<String>, expires_at: i64) -> Self {
        Identity {
            provider,
            user_id: user_id.into(),
            email: None,
            wallets: Vec::new(),
            issued_at: None,
            expires_at,
        }
    }
}

/// One wallet of an [`Identity`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Wallet {
    /// The chain family, normalized: `evm`, `solana`, `cosmos`, or the provider's own word in lower
    /// case (Web3Auth app keys: the key's curve, `secp256k1` or `ed25519`).
    pub chain: Option<String>,
    /// The address, when known.
    pub address: Option<String>,
    /// The public key, when known (hex as the provider sends it).
    pub public_key: Option<String>,
}

impl Wallet {
    /// A wallet from the provider's words; empty strings count as absent and the chain is
    /// normalized (`EVM`, `eip155`, `ethereum` → `evm`; `SOLANA`, `sol` → `solana`).
    pub fn new(chain: Option<&str>, address: Option<&str>, public_key: Option<&str>) -> Self {
        Wallet {
            chain: non_empty(chain).map(normalize_chain),
            address: non_empty(address).map(str::to_owned),
            public_key: non_empty(public_key).map(str::to_owned),
        }
    }

    /// True when `value` is this wallet's address or public key (see [`wallet_value_eq`]).
    pub fn matches(&self, value: &str) -> bool {
        [&self.address, &self.public_key]
            .into_iter()
            .flatten()
            .any(|mine| wallet_value_eq(mine, value))
    }
}

impl Identity {
    /// True when the token lists `value` as one of its wallets' address or public key: hex values
    /// compare case-insensitively (with or without `0x`), anything else (base58) exactly.
    pub fn has_wallet(&self, value: &str) -> bool {
        self.wallets.iter().any(|w| w.matches(value))
    }
}

/// Compare two wallet addresses or public keys: hex case-insensitively, ignoring one leading `0x`;
/// anything that is not hex (base58 Solana addresses, for example) exactly.
pub fn wallet_value_eq(a: &str, b: &str) -> bool {
    match (as_hex(a), as_hex(b)) {
        (Some(a), Some(b)) => a.eq_ignore_ascii_case(b),
        _ => !a.is_empty() && a == b,
    }
}

fn as_hex(s: &str) -> Option<&str> {
    let digits = s
        .strip_prefix("0x")
        .or_else(|| s.strip_prefix("0X"))
        .unwrap_or(s);
    // A base58 string can be all hex digits only by accident; only treat a value as hex when it has
    // an explicit 0x prefix or is long enough to be a key or an address and contains no letters
    // outside a-f.
    let explicit = digits.len() != s.len();
    (!digits.is_empty()
        && digits.bytes().all(|c| c.is_ascii_hexdigit())
        && (explicit || digits.len() >= 40))
        .then_some(digits)
}

pub(crate) fn non_empty(s: Option<&str>) -> Option<&str> {
    s.filter(|s| !s.is_empty())
}

fn normalize_chain(chain: &str) -> String {
    let lower = chain.to_ascii_lowercase();
    match lower.as_str() {
        "evm" | "eip155" | "ethereum" | "eth" => "evm".to_owned(),
        "solana" | "sol" => "solana".to_owned(),
        "cosmos" => "cosmos".to_owned(),
        _ => lower,
    }
}
