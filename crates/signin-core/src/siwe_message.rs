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
    // The grammar's chain id is `1*DIGIT`; `u64::from_str` also takes `+1`.
    let chain_digits = text
        .split('\n')
        .find_map(|line| line.strip_prefix("Chain ID: "))
        .is_some_and(|id| !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit()));
    if !chain_digits {
        return Err(SigninError::Malformed(
            "the chain id is not decimal digits".into(),
        ));
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_chain_id_is_digits_only() {
        let message = |chain: &str| {
            format!(
                "app.example.com wants you to sign in with your Ethereum account:\n\
                 0xAb5801a7D398351b8bE11C439e05C5B3259aeC9B\n\n\nURI: https://app.example.com\n\
                 Version: 1\nChain ID: {chain}\nNonce: 12345678abc\n\
                 Issued At: 2026-12-04T12:00:00Z"
            )
        };
        assert_eq!(
            parse_siwe(&message("8453")).map(|m| m.chain),
            Ok(Some(ChainRef::Eip155(8453)))
        );
        assert_eq!(
            parse_siwe(&message("+1")),
            Err(SigninError::Malformed(
                "the chain id is not decimal digits".into()
            ))
        );
    }
}
