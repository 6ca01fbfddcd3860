//! Step 1 (Solana): parse a Sign In With Solana message (Phantom's format).
//!
//! The grammar is the one `@solana/wallet-standard-util` writes (`createSignInMessageText` in
//! `packages/core/util/src/signIn.ts` of `anza-xyz/wallet-standard`, which Phantom's
//! specification, `phantom/sign-in-with-solana`, points to), read strictly:
//!
//! ```text
//! message   = domain " wants you to sign in with your Solana account:" LF address
//!             [ LF LF statement ] [ LF LF fields ] *LF
//! fields    = field *( LF field )            ; at least one, in this order, each at most once:
//!             "URI: " uri / "Version: " version / "Chain ID: " chain-id / "Nonce: " nonce /
//!             "Issued At: " date-time / "Expiration Time: " date-time /
//!             "Not Before: " date-time / "Request ID: " request-id /
//!             "Resources:" *( LF "- " uri )  ; last
//! ```
//!
//! Lines are separated by LF only (a CR anywhere is refused). Trailing LFs are accepted, as the
//! reference parser accepts them (its `\n*$`); they stay in the signed bytes. A single paragraph
//! after the address is read as fields when it is fields, else as the statement, as the reference
//! parser reads it.
//!
//! Values: the domain is an ASCII `host[:port]` (no scheme, user info, path or non-ASCII
//! character: a look-alike domain is refused); the address is base58 of 32 bytes; the statement
//! is one line of printable characters (no control, bidirectional or invisible formatting
//! character); URIs (`URI:`, resources) are absolute and printable ASCII; the version and the
//! request id are printable ASCII; the chain id is `mainnet`, `devnet`, `testnet`, `localnet` or
//! `solana:` and a CAIP-2 reference; the nonce is at least 8 ASCII letters and digits;
//! timestamps are RFC 3339. Every field is optional here, as in the grammar: the binding rules
//! require the URI, chain, nonce and `Issued At`.

use crate::error::SigninError;
use crate::message::{ChainRef, MessageKind, SignInMessage, rfc3339_secs};

/// What ends the first line, after the domain.
const HEADER_SUFFIX: &str = " wants you to sign in with your Solana account:";

/// The single-value fields, in the order they must appear (`Resources:` comes last).
const KEYS: [&str; 8] = [
    "URI: ",
    "Version: ",
    "Chain ID: ",
    "Nonce: ",
    "Issued At: ",
    "Expiration Time: ",
    "Not Before: ",
    "Request ID: ",
];

/// The line opening the resources list.
const RESOURCES: &str = "Resources:";

/// Parse `text` as a Sign In With Solana message. The result keeps `text` as the signed bytes.
pub fn parse_siws(text: &str) -> Result<SignInMessage, SigninError> {
    if text.contains('\r') {
        return Err(malformed("lines must be separated by LF only, not CR LF"));
    }
    let body = text.trim_end_matches('\n');
    let (header, rest) = body
        .split_once('\n')
        .ok_or_else(|| malformed("no address line"))?;
    let domain = header.strip_suffix(HEADER_SUFFIX).ok_or_else(|| {
        malformed("the first line is not `<domain> wants you to sign in with your Solana account:`")
    })?;
    check_domain(domain)?;
    let (address, after) = match rest.split_once('\n') {
        Some((address, after)) => (address, Some(after)),
        None => (rest, None),
    };
    check_address(address)?;
    let mut message = SignInMessage::new(
        MessageKind::Siws,
        text,
        domain.to_owned(),
        address.to_owned(),
    );
    let Some(after) = after else {
        return Ok(message);
    };
    let block = after
        .strip_prefix('\n')
        .ok_or_else(|| malformed("the address must be followed by a blank line"))?;

    let (statement, fields) = match block.split_once("\n\n") {
        Some((statement, fields)) => (Some(statement), Some(split_fields(fields)?)),
        None => match split_fields(block) {
            Ok(fields) => (None, Some(fields)),
            Err(_) if !block.contains('\n') => (Some(block), None),
            Err(e) => return Err(e),
        },
    };
    if let Some(statement) = statement {
        check_statement(statement)?;
        message.statement = Some(statement.to_owned());
    }
    if let Some(fields) = fields {
        fill(&mut message, &fields)?;
    }
    Ok(message)
}

fn malformed(why: &str) -> SigninError {
    SigninError::Malformed(why.to_owned())
}

/// The fields as written, before their values are checked.
#[derive(Default)]
struct RawFields<'a> {
    /// Indexed as [`KEYS`].
    values: [Option<&'a str>; 8],
    resources: Option<Vec<&'a str>>,
}

/// Split a fields paragraph into its fields: known keys only, in order, each at most once, with
/// non-empty values; after `Resources:` only `- <resource>` lines.
fn split_fields(block: &str) -> Result<RawFields<'_>, SigninError> {
    let mut raw = RawFields::default();
    let mut next = 0usize;
    for line in block.split('\n') {
        if let Some(resources) = raw.resources.as_mut() {
            let item = line
                .strip_prefix("- ")
                .filter(|item| !item.is_empty())
                .ok_or_else(|| malformed("after `Resources:` only `- <URI>` lines may follow"))?;
            resources.push(item);
            continue;
        }
        if line == RESOURCES {
            raw.resources = Some(Vec::new());
            continue;
        }
        let (index, value) = KEYS
            .iter()
            .enumerate()
            .find_map(|(index, key)| line.strip_prefix(key).map(|value| (index, value)))
            .ok_or_else(|| malformed("a line is not a known field"))?;
        if value.is_empty() {
            return Err(malformed("a field has an empty value"));
        }
        let slot = raw
            .values
            .get_mut(index)
            .ok_or_else(|| malformed("a line is not a known field"))?;
        if slot.is_some() {
            return Err(malformed("a field appears twice"));
        }
        if index < next {
            return Err(malformed("the fields are not in order"));
        }
        *slot = Some(value);
        next = index + 1;
    }
    Ok(raw)
}

/// Check the field values and set them on `message`.
fn fill(message: &mut SignInMessage, raw: &RawFields<'_>) -> Result<(), SigninError> {
    let [
        uri,
        version,
        chain_id,
        nonce,
        issued_at,
        expiration_time,
        not_before,
        request_id,
    ] = raw.values;
    if let Some(uri) = uri {
        if !is_uri(uri) {
            return Err(malformed("URI is not an absolute URI"));
        }
        message.uri = Some(uri.to_owned());
    }
    if let Some(version) = version {
        if !is_printable_ascii(version) {
            return Err(malformed("Version is not printable ASCII"));
        }
        message.version = Some(version.to_owned());
    }
    if let Some(chain_id) = chain_id {
        if !is_chain_id(chain_id) {
            return Err(malformed(
                "Chain ID is not mainnet, devnet, testnet, localnet or solana:<reference>",
            ));
        }
        message.chain = Some(ChainRef::solana(chain_id));
    }
    if let Some(nonce) = nonce {
        if nonce.len() < 8 || !nonce.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return Err(malformed(
                "Nonce is not at least 8 ASCII letters and digits",
            ));
        }
        message.nonce = Some(nonce.to_owned());
    }
    let time = |value: Option<&str>, why: &str| -> Result<Option<i64>, SigninError> {
        value
            .map(|value| rfc3339_secs(value).ok_or_else(|| malformed(why)))
            .transpose()
    };
    message.issued_at = time(issued_at, "Issued At is not an RFC 3339 date-time")?;
    message.expiration_time = time(
        expiration_time,
        "Expiration Time is not an RFC 3339 date-time",
    )?;
    message.not_before = time(not_before, "Not Before is not an RFC 3339 date-time")?;
    if let Some(request_id) = request_id {
        if !is_printable_ascii(request_id) {
            return Err(malformed("Request ID is not printable ASCII"));
        }
        message.request_id = Some(request_id.to_owned());
    }
    if let Some(resources) = &raw.resources {
        if !resources.iter().all(|r| is_uri(r)) {
            return Err(malformed("a resource is not an absolute URI"));
        }
        message.resources = resources.iter().map(|r| (*r).to_owned()).collect();
    }
    Ok(())
}

/// An ASCII `host[:port]`: a host name (letters, digits, `-`, `_`, dot-separated non-empty
/// labels) or a bracketed IPv6 literal, and an optional port of 1 to 5 digits up to 65535.
fn check_domain(domain: &str) -> Result<(), SigninError> {
    if domain.contains("://") {
        return Err(malformed(
            "a scheme before the domain is not part of Sign In With Solana",
        ));
    }
    if !domain.is_ascii() {
        return Err(malformed("the domain is not ASCII"));
    }
    let (host, port) = if let Some(literal) = domain.strip_prefix('[') {
        let (inside, after) = literal
            .split_once(']')
            .ok_or_else(|| malformed("the domain is not host[:port]"))?;
        if inside.is_empty()
            || !inside
                .bytes()
                .all(|b| b.is_ascii_hexdigit() || b == b':' || b == b'.')
        {
            return Err(malformed("the domain is not host[:port]"));
        }
        let port = match after {
            "" => None,
            _ => Some(
                after
                    .strip_prefix(':')
                    .ok_or_else(|| malformed("the domain is not host[:port]"))?,
            ),
        };
        (None, port)
    } else {
        match domain.split_once(':') {
            Some((host, port)) => (Some(host), Some(port)),
            None => (Some(domain), None),
        }
    };
    if let Some(host) = host {
        let label_ok = |label: &str| {
            !label.is_empty()
                && label.len() <= 63
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        };
        if host.len() > 253 || !host.split('.').all(label_ok) {
            return Err(malformed("the domain is not host[:port]"));
        }
    }
    if let Some(port) = port {
        let digits_ok = (1..=5).contains(&port.len()) && port.bytes().all(|b| b.is_ascii_digit());
        if !digits_ok || port.parse::<u16>().is_err() {
            return Err(malformed("the domain's port is not a number up to 65535"));
        }
    }
    Ok(())
}

/// Base58 of a 32-byte Ed25519 public key.
fn check_address(address: &str) -> Result<(), SigninError> {
    match bs58::decode(address).into_vec() {
        Ok(bytes) if bytes.len() == 32 => Ok(()),
        Ok(_) => Err(malformed("the address is not 32 bytes")),
        Err(_) => Err(malformed("the address is not base58")),
    }
}

/// One non-empty line of printable characters: no control character (LF, tab, …) and no
/// bidirectional or invisible formatting character that would show the user another text.
fn check_statement(statement: &str) -> Result<(), SigninError> {
    if statement.is_empty() {
        return Err(malformed("the statement is empty"));
    }
    if statement.contains('\n') {
        return Err(malformed("the statement spans several lines"));
    }
    if statement
        .chars()
        .any(|c| c.is_control() || is_hidden_format(c))
    {
        return Err(malformed(
            "the statement has a control or formatting character",
        ));
    }
    Ok(())
}

/// Zero-width, bidirectional and other invisible formatting characters.
fn is_hidden_format(c: char) -> bool {
    matches!(
        c,
        '\u{00AD}'
            | '\u{034F}'
            | '\u{061C}'
            | '\u{115F}'
            | '\u{1160}'
            | '\u{17B4}'
            | '\u{17B5}'
            | '\u{180B}'..='\u{180F}'
            | '\u{200B}'..='\u{200F}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2060}'..='\u{206F}'
            | '\u{3164}'
            | '\u{FE00}'..='\u{FE0F}'
            | '\u{FEFF}'
            | '\u{FFA0}'
            | '\u{FFF0}'..='\u{FFF8}'
            | '\u{E0000}'..='\u{E0FFF}'
    )
}

/// Non-empty printable ASCII without spaces.
fn is_printable_ascii(text: &str) -> bool {
    !text.is_empty() && text.bytes().all(|b| b.is_ascii_graphic())
}

/// An absolute URI: `scheme:rest`, printable ASCII without spaces.
fn is_uri(text: &str) -> bool {
    let Some((scheme, rest)) = text.split_once(':') else {
        return false;
    };
    let mut scheme_bytes = scheme.bytes();
    scheme_bytes.next().is_some_and(|b| b.is_ascii_alphabetic())
        && scheme_bytes.all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.'))
        && !rest.is_empty()
        && is_printable_ascii(text)
}

/// `mainnet`, `devnet`, `testnet`, `localnet`, or `solana:` and a CAIP-2 reference
/// (1 to 32 of `[-_a-zA-Z0-9]`).
fn is_chain_id(text: &str) -> bool {
    match text {
        "mainnet" | "devnet" | "testnet" | "localnet" => true,
        _ => text.strip_prefix("solana:").is_some_and(|reference| {
            (1..=32).contains(&reference.len())
                && reference
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        }),
    }
}
