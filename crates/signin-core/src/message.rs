//! What a parsed sign-in message says, whichever its grammar.

/// Which grammar a message follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum MessageKind {
    /// Sign-In with Ethereum (EIP-4361).
    Siwe,
    /// Sign In With Solana (Phantom's format).
    Siws,
}

/// The chain a message names.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ChainRef {
    /// An EIP-155 chain id (`Chain ID: 1`).
    Eip155(u64),
    /// A Solana cluster as the message names it: `mainnet`, `devnet`, `testnet`, `localnet`,
    /// or a `solana:` reference.
    Solana(String),
}

impl ChainRef {
    /// A Solana cluster: `mainnet`, `devnet`, `testnet`, `localnet`, or `solana:<reference>`;
    /// `solana:mainnet` (Phantom's example dapp writes it) is the cluster `mainnet`.
    pub fn solana(name: &str) -> ChainRef {
        let cluster = match name.strip_prefix("solana:") {
            Some(cluster @ ("mainnet" | "devnet" | "testnet" | "localnet")) => cluster,
            _ => name,
        };
        ChainRef::Solana(cluster.to_owned())
    }

    /// The CAIP-2 namespace and reference of this chain (`eip155:1`; Solana clusters map to
    /// their genesis-hash references, `solana:5eykt4UsFv8P8NJdTREpY1vzqKqZKvdp` for mainnet).
    pub fn caip2(&self) -> String {
        match self {
            ChainRef::Eip155(id) => format!("eip155:{id}"),
            ChainRef::Solana(name) => match name.as_str() {
                "mainnet" => "solana:5eykt4UsFv8P8NJdTREpY1vzqKqZKvdp".to_owned(),
                "devnet" => "solana:EtWTRABZaYq6iMfeYKouRu166VU2xqa1".to_owned(),
                "testnet" => "solana:4uhcVJyU9pJkvQyS88uRDiswHXSCkY3z".to_owned(),
                other => match other.strip_prefix("solana:") {
                    Some(reference) => format!("solana:{reference}"),
                    None => format!("solana:{other}"),
                },
            },
        }
    }
}

/// A parsed sign-in message: the fields the binding rules and the session need, and the exact
/// bytes that were signed.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SignInMessage {
    /// The grammar it followed.
    pub kind: MessageKind,
    /// The message exactly as received: what the signature covers.
    pub raw: String,
    /// The scheme before the domain (`https://app.example.com wants you…`), when present.
    pub scheme: Option<String>,
    /// The domain (RFC 3986 authority) asking for the signature.
    pub domain: String,
    /// The account: an EIP-55 (or uniform-case) `0x` address, or a base58 Solana key, as written.
    pub address: String,
    /// The statement, when present.
    pub statement: Option<String>,
    /// `URI:`.
    pub uri: Option<String>,
    /// `Version:`.
    pub version: Option<String>,
    /// `Chain ID:`.
    pub chain: Option<ChainRef>,
    /// `Nonce:`.
    pub nonce: Option<String>,
    /// `Issued At:`, seconds since the epoch (fractions dropped).
    pub issued_at: Option<i64>,
    /// `Expiration Time:`, seconds since the epoch (fractions dropped).
    pub expiration_time: Option<i64>,
    /// `Not Before:`, seconds since the epoch (fractions dropped).
    pub not_before: Option<i64>,
    /// `Request ID:`.
    pub request_id: Option<String>,
    /// `Resources:`.
    pub resources: Vec<String>,
}

impl SignInMessage {
    /// An empty message of `kind` over `raw`, for the parsers to fill.
    pub(crate) fn new(kind: MessageKind, raw: &str, domain: String, address: String) -> Self {
        SignInMessage {
            kind,
            raw: raw.to_owned(),
            scheme: None,
            domain,
            address,
            statement: None,
            uri: None,
            version: None,
            chain: None,
            nonce: None,
            issued_at: None,
            expiration_time: None,
            not_before: None,
            request_id: None,
            resources: Vec::new(),
        }
    }

    /// The CAIP-10 account id (`eip155:1:0xAb…`, `solana:<reference>:<address>`), when the
    /// message names its chain.
    pub fn caip10(&self) -> Option<String> {
        self.chain
            .as_ref()
            .map(|chain| format!("{}:{}", chain.caip2(), self.address))
    }
}

/// An RFC 3339 timestamp as seconds since the epoch.
pub(crate) fn rfc3339_secs(text: &str) -> Option<i64> {
    time::OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339)
        .ok()
        .map(|t| t.unix_timestamp())
}
