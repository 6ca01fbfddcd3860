//! Step 1 (Ethereum): parse a Sign-In with Ethereum message by the EIP-4361 grammar.
//!
//! The grammar is `signinwithethereum`'s (the official vectors' own implementation, used
//! without its RPC feature); its types stay inside this module. Lines are separated by LF only;
//! an address in mixed case must be EIP-55 checksummed (all-lower or all-upper case is
//! accepted); the nonce is at least 8 alphanumerics; timestamps are RFC 3339; the statement is
//! RFC 3986 reserved and unreserved characters and spaces, as the grammar says (the crate only
//! refuses non-printable ASCII there, so this module checks the rest).

use std::str::FromStr as _;

use crate::error::SigninError;
use crate::message::{ChainRef, MessageKind, SignInMessage};

/// Parse `text` as an EIP-4361 message. The result keeps `text` as the signed bytes.
pub fn parse_siwe(text: &str) -> Result<SignInMessage, SigninError> {
    let parsed = signinwithethereum::Message::from_str(text)
        .map_err(|e| SigninError::Malformed(e.to_string()))?;
    if let Some(statement) = &parsed.statement
        && !statement.bytes().all(is_statement_char)
    {
        return Err(SigninError::Malformed(
            "the statement has a character outside RFC 3986 reserved and unreserved characters \
             and spaces"
                .to_owned(),
        ));
    }
    let address = match &parsed.address_raw {
        Some(raw) => format!("0x{raw}"),
        None => signinwithethereum::eip55(&parsed.address),
    };
    let secs = |t: &signinwithethereum::TimeStamp| t.as_ref().unix_timestamp();
    let mut message =
        SignInMessage::new(MessageKind::Siwe, text, parsed.domain.to_string(), address);
    message.scheme = parsed.scheme.clone();
    message.statement = parsed.statement.clone();
    message.uri = Some(parsed.uri.to_string());
    message.version = Some(match parsed.version {
        signinwithethereum::Version::V1 => "1".to_owned(),
    });
    message.chain = Some(ChainRef::Eip155(parsed.chain_id));
    message.nonce = Some(parsed.nonce.clone());
    message.issued_at = Some(secs(&parsed.issued_at));
    message.expiration_time = parsed.expiration_time.as_ref().map(secs);
    message.not_before = parsed.not_before.as_ref().map(secs);
    message.request_id = parsed.request_id.clone();
    message.resources = parsed.resources.iter().map(|r| r.to_string()).collect();
    Ok(message)
}

/// EIP-4361: `statement = *( reserved / unreserved / " " )`, with RFC 3986's `reserved` and
/// `unreserved`: no `"`, `%`, `<`, `>`, `\\`, `^`, `` ` ``, `{`, `|`, `}`, nor anything outside
/// printable ASCII.
fn is_statement_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b" -._~:/?#[]@!$&'()*+,;=".contains(&b)
}
