//! Sign In With Solana: the message grammar (Phantom's format, as `@solana/wallet-standard-util`
//! writes it), the binding rules' required fields, and Ed25519 signatures over the exact bytes.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{Ed25519KeyPair, KeyPair as _};
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE_NO_PAD};
use signin_core::{
    ChainRef, MessageKind, SignInMessage, SignatureError, SigninError, SigninRules,
    decode_solana_signature, parse_siws, verify_solana,
};

/// Base58 of the bytes 1, 2, …, 32.
const ADDRESS: &str = "4wBqpZM9xaSheZzJSMawUKKwhdpChKbZ5eu5ky4Vigw";
/// Base58 of the bytes 1, 2, …, 31.
const ADDRESS_31_BYTES: &str = "thX6LZfHDZZKUs92febYZhYRcXddmzfzF2NvTkPNE";
/// Base58 of the bytes 1, 2, …, 33.
const ADDRESS_33_BYTES: &str = "JNArUumxYJcSQpbuxuroRZtcSMVLcy5WbYGt14SRm1Fv";

const HEADER: &str = "example.com wants you to sign in with your Solana account:\n";

/// 2024-01-01T00:00:00Z.
const T0: i64 = 1_704_067_200;

/// A message with every field.
fn full_text(address: &str) -> String {
    format!(
        "example.com wants you to sign in with your Solana account:\n\
         {address}\n\
         \n\
         Sign in to Example.\n\
         \n\
         URI: https://example.com/login\n\
         Version: 1\n\
         Chain ID: mainnet\n\
         Nonce: oBbLoEldZs42\n\
         Issued At: 2024-01-01T00:00:00Z\n\
         Expiration Time: 2024-01-01T00:10:00Z\n\
         Not Before: 2023-12-31T23:59:00Z\n\
         Request ID: req-7\n\
         Resources:\n\
         - https://example.com/terms\n\
         - ipfs://bafybeiemxf5abjwjbikoz4mc3a3dla6ual3jsgpdr4cjr3oz3evfyavhwq/"
    )
}

/// The header, the address, then `rest` (with its own leading LFs).
fn with(rest: &str) -> String {
    format!("{HEADER}{ADDRESS}{rest}")
}

fn parsed(text: &str) -> SignInMessage {
    match parse_siws(text) {
        Ok(message) => message,
        Err(e) => panic!("{text:?} did not parse: {e}"),
    }
}

/// The reason of a `Malformed` refusal; any other outcome fails the test.
fn malformed(text: &str) -> String {
    match parse_siws(text) {
        Err(SigninError::Malformed(why)) => why,
        other => panic!("{text:?}: expected Malformed, got {other:?}"),
    }
}

fn rules() -> SigninRules {
    SigninRules::new(
        ["example.com"],
        "https://example.com",
        [ChainRef::Solana("mainnet".to_owned())],
    )
}

fn key_pair() -> Ed25519KeyPair {
    let pkcs8 = Ed25519KeyPair::generate_pkcs8(&SystemRandom::new()).unwrap();
    Ed25519KeyPair::from_pkcs8(pkcs8.as_ref()).unwrap()
}

fn address_of(key: &Ed25519KeyPair) -> String {
    bs58::encode(key.public_key().as_ref()).into_string()
}

fn sign(key: &Ed25519KeyPair, message: &[u8]) -> [u8; 64] {
    key.sign(message).as_ref().try_into().unwrap()
}

// --- Grammar: accepted layouts -------------------------------------------------------------

#[test]
fn the_test_addresses_are_what_they_claim() {
    let bytes: Vec<u8> = (1..=32).collect();
    assert_eq!(bs58::decode(ADDRESS).into_vec().unwrap(), bytes);
    assert_eq!(bs58::decode(ADDRESS_31_BYTES).into_vec().unwrap().len(), 31);
    assert_eq!(bs58::decode(ADDRESS_33_BYTES).into_vec().unwrap().len(), 33);
}

#[test]
fn a_full_message_parses_to_its_exact_fields() {
    let text = full_text(ADDRESS);
    let m = parsed(&text);
    assert_eq!(m.kind, MessageKind::Siws);
    assert_eq!(m.raw, text);
    assert_eq!(m.scheme, None);
    assert_eq!(m.domain, "example.com");
    assert_eq!(m.address, ADDRESS);
    assert_eq!(m.statement.as_deref(), Some("Sign in to Example."));
    assert_eq!(m.uri.as_deref(), Some("https://example.com/login"));
    assert_eq!(m.version.as_deref(), Some("1"));
    assert_eq!(m.chain, Some(ChainRef::Solana("mainnet".to_owned())));
    assert_eq!(m.nonce.as_deref(), Some("oBbLoEldZs42"));
    assert_eq!(m.issued_at, Some(T0));
    assert_eq!(m.expiration_time, Some(T0 + 600));
    assert_eq!(m.not_before, Some(T0 - 60));
    assert_eq!(m.request_id.as_deref(), Some("req-7"));
    assert_eq!(
        m.resources,
        vec![
            "https://example.com/terms".to_owned(),
            "ipfs://bafybeiemxf5abjwjbikoz4mc3a3dla6ual3jsgpdr4cjr3oz3evfyavhwq/".to_owned(),
        ]
    );
    assert_eq!(rules().check(&m, T0 + 5), Ok(()));
}

#[test]
fn a_minimal_message_is_the_domain_and_the_address() {
    let text = with("");
    let m = parsed(&text);
    assert_eq!(m.raw, text);
    assert_eq!(m.domain, "example.com");
    assert_eq!(m.address, ADDRESS);
    assert_eq!(m.statement, None);
    assert_eq!(m.uri, None);
    assert_eq!(m.version, None);
    assert_eq!(m.chain, None);
    assert_eq!(m.nonce, None);
    assert_eq!(m.issued_at, None);
    assert_eq!(m.expiration_time, None);
    assert_eq!(m.not_before, None);
    assert_eq!(m.request_id, None);
    assert!(m.resources.is_empty());
    assert_eq!(m.caip10(), None);
}

#[test]
fn a_statement_without_fields() {
    let m = parsed(&with("\n\nSign in to Example."));
    assert_eq!(m.statement.as_deref(), Some("Sign in to Example."));
    assert_eq!(m.uri, None);
    assert_eq!(m.nonce, None);
    assert!(m.resources.is_empty());
}

#[test]
fn fields_without_a_statement() {
    let m = parsed(&with(
        "\n\nURI: https://example.com\nChain ID: devnet\nNonce: 12345678\nIssued At: 2024-01-01T00:00:00.123Z",
    ));
    assert_eq!(m.statement, None);
    assert_eq!(m.uri.as_deref(), Some("https://example.com"));
    assert_eq!(m.version, None);
    assert_eq!(m.chain, Some(ChainRef::Solana("devnet".to_owned())));
    assert_eq!(m.nonce.as_deref(), Some("12345678"));
    assert_eq!(m.issued_at, Some(T0));
    assert_eq!(m.expiration_time, None);
}

#[test]
fn a_single_field_line_is_a_field_and_any_other_single_line_the_statement() {
    // As the reference parser reads it: fields first, else the statement.
    let m = parsed(&with("\n\nURI: https://example.com"));
    assert_eq!(m.uri.as_deref(), Some("https://example.com"));
    assert_eq!(m.statement, None);
    let m = parsed(&with("\n\nFoo: bar"));
    assert_eq!(m.statement.as_deref(), Some("Foo: bar"));
    assert_eq!(m.uri, None);
}

#[test]
fn resources_may_be_an_empty_list() {
    // `createSignInMessageText` writes `Resources:` alone for `resources: []`.
    let m = parsed(&with("\n\nNonce: abcdefgh\nResources:"));
    assert_eq!(m.nonce.as_deref(), Some("abcdefgh"));
    assert!(m.resources.is_empty());
}

#[test]
fn trailing_line_feeds_are_accepted_as_the_reference_parser_accepts_them() {
    // parseSignInMessageText's regex ends with `\n*$`.
    let text = format!("{}\n\n", full_text(ADDRESS));
    let m = parsed(&text);
    assert_eq!(m.raw, text);
    assert_eq!(m.resources.len(), 2);
    let m = parsed(&with("\n"));
    assert_eq!(m.statement, None);
    assert_eq!(m.uri, None);
    let m = parsed(&with("\n\nHello\n"));
    assert_eq!(m.statement.as_deref(), Some("Hello"));
}

#[test]
fn chain_ids_and_their_caip10_accounts() {
    let m = parsed(&with("\n\nChain ID: mainnet"));
    assert_eq!(
        m.caip10().as_deref(),
        Some(format!("solana:5eykt4UsFv8P8NJdTREpY1vzqKqZKvdp:{ADDRESS}").as_str())
    );
    for (id, cluster) in [
        ("devnet", "devnet"),
        ("testnet", "testnet"),
        ("localnet", "localnet"),
        // Phantom's example dapp writes `solana:mainnet`: the same cluster as `mainnet`.
        ("solana:mainnet", "mainnet"),
        ("solana:devnet", "devnet"),
        (
            "solana:EtWTRABZaYq6iMfeYKouRu166VU2xqa1",
            "solana:EtWTRABZaYq6iMfeYKouRu166VU2xqa1",
        ),
    ] {
        let m = parsed(&with(&format!("\n\nChain ID: {id}")));
        assert_eq!(m.chain, Some(ChainRef::Solana(cluster.to_owned())), "{id}");
    }
    let m = parsed(&with(
        "\n\nChain ID: solana:EtWTRABZaYq6iMfeYKouRu166VU2xqa1",
    ));
    assert_eq!(
        m.caip10().as_deref(),
        Some(format!("solana:EtWTRABZaYq6iMfeYKouRu166VU2xqa1:{ADDRESS}").as_str())
    );
}

#[test]
fn domains_with_a_port_or_an_ip_literal() {
    for domain in [
        "localhost:3000",
        "127.0.0.1:8080",
        "[::1]:3000",
        "app.example-1.co.uk",
    ] {
        let m = parsed(&format!(
            "{domain} wants you to sign in with your Solana account:\n{ADDRESS}"
        ));
        assert_eq!(m.domain, domain);
    }
}

/// Written by hand exactly as `createSignInMessageText` (repository `anza-xyz/wallet-standard`,
/// formerly `solana-labs/wallet-standard`, path `packages/core/util/src/signIn.ts`) writes it
/// for the input of Phantom's example dapp (repository `phantom/sign-in-with-solana`, path
/// `example-dapp/src/utils/createSignInData.ts`), with `issuedAt` from `Date.toISOString()`:
/// header LF address, `\n\n` statement, `\n\n` then the fields joined by `\n`, no final LF.
#[test]
fn a_message_as_wallet_standard_writes_it() {
    let text = [
        "localhost:3000 wants you to sign in with your Solana account:\n",
        ADDRESS,
        "\n\n",
        "Clicking Sign or Approve only means you have proved this wallet is owned by you. \
         This request will not trigger any blockchain transaction or cost any gas fee.",
        "\n\n",
        "Version: 1\n",
        "Chain ID: mainnet\n",
        "Nonce: oBbLoEldZs\n",
        "Issued At: 2024-01-01T00:00:00.000Z\n",
        "Resources:\n",
        "- https://example.com\n",
        "- https://phantom.app/",
    ]
    .concat();
    let m = parsed(&text);
    assert_eq!(m.raw, text);
    assert_eq!(m.domain, "localhost:3000");
    assert_eq!(m.address, ADDRESS);
    assert_eq!(
        m.statement.as_deref(),
        Some(
            "Clicking Sign or Approve only means you have proved this wallet is owned by you. \
             This request will not trigger any blockchain transaction or cost any gas fee."
        )
    );
    assert_eq!(m.uri, None);
    assert_eq!(m.version.as_deref(), Some("1"));
    assert_eq!(m.chain, Some(ChainRef::Solana("mainnet".to_owned())));
    assert_eq!(m.nonce.as_deref(), Some("oBbLoEldZs"));
    assert_eq!(m.issued_at, Some(T0));
    assert_eq!(m.request_id, None);
    assert_eq!(
        m.resources,
        vec![
            "https://example.com".to_owned(),
            "https://phantom.app/".to_owned()
        ]
    );
    // Phantom's example sends no URI: this service refuses that after parsing.
    let mut rules = rules();
    rules.domains = vec!["localhost:3000".to_owned()];
    assert_eq!(rules.check(&m, T0), Err(SigninError::MissingField("URI")));
}

// --- Grammar: refusals ---------------------------------------------------------------------

#[test]
fn an_address_that_is_not_base58_is_refused() {
    // `0`, `O`, `I` and `l` are not in the base58 alphabet.
    let text = format!("{HEADER}0OIl{}", ADDRESS.get(4..).unwrap());
    assert_eq!(malformed(&text), "the address is not base58");
    assert_eq!(
        malformed(&format!("{HEADER} {ADDRESS}")),
        "the address is not base58"
    );
    assert_eq!(
        malformed(&format!("{HEADER}0x{ADDRESS}")),
        "the address is not base58"
    );
}

#[test]
fn an_address_of_31_or_33_bytes_is_refused() {
    let text = full_text(ADDRESS_31_BYTES);
    assert_eq!(malformed(&text), "the address is not 32 bytes");
    let text = full_text(ADDRESS_33_BYTES);
    assert_eq!(malformed(&text), "the address is not 32 bytes");
}

#[test]
fn an_unknown_chain_id_is_refused() {
    for id in [
        "Solana Mainnet",
        "mainnet-beta",
        "Mainnet",
        "solana:",
        "eip155:1",
        "solana:5eykt4UsFv8P8NJdTREpY1vzqKqZKvdpX",
        "solana:a/b",
    ] {
        let text = full_text(ADDRESS).replace("Chain ID: mainnet", &format!("Chain ID: {id}"));
        assert_eq!(
            malformed(&text),
            "Chain ID is not mainnet, devnet, testnet, localnet or solana:<reference>",
            "{id}"
        );
    }
}

#[test]
fn an_unparsable_timestamp_is_refused() {
    let cases = [
        (
            "Issued At: 2024-01-01T00:00:00Z",
            "Issued At: 2024-01-01 00:00:00",
            "Issued At",
        ),
        (
            "Issued At: 2024-01-01T00:00:00Z",
            "Issued At: 1704067200",
            "Issued At",
        ),
        (
            "Expiration Time: 2024-01-01T00:10:00Z",
            "Expiration Time: 2024-13-01T00:10:00Z",
            "Expiration Time",
        ),
        (
            "Not Before: 2023-12-31T23:59:00Z",
            "Not Before: yesterday",
            "Not Before",
        ),
    ];
    for (good, bad, name) in cases {
        let text = full_text(ADDRESS).replace(good, bad);
        assert_eq!(
            malformed(&text),
            format!("{name} is not an RFC 3339 date-time"),
            "{bad}"
        );
    }
}

#[test]
fn a_nonce_shorter_than_8_or_not_alphanumeric_is_refused() {
    for nonce in ["abc", "abcdefg", "abcd-efgh", "abcdefgé", "abcd efgh"] {
        let text = full_text(ADDRESS).replace("Nonce: oBbLoEldZs42", &format!("Nonce: {nonce}"));
        assert_eq!(
            malformed(&text),
            "Nonce is not at least 8 ASCII letters and digits",
            "{nonce}"
        );
    }
}

#[test]
fn fields_out_of_order_are_refused() {
    let text = with("\n\nNonce: abcdefgh\nURI: https://example.com");
    assert_eq!(malformed(&text), "the fields are not in order");
    let text = full_text(ADDRESS).replace(
        "Version: 1\nChain ID: mainnet",
        "Chain ID: mainnet\nVersion: 1",
    );
    assert_eq!(malformed(&text), "the fields are not in order");
    let text = with("\n\nResources:\n- https://a.example\nNonce: abcdefgh");
    assert_eq!(
        malformed(&text),
        "after `Resources:` only `- <URI>` lines may follow"
    );
}

#[test]
fn a_duplicated_field_is_refused() {
    let text = with("\n\nURI: https://example.com\nURI: https://evil.example");
    assert_eq!(malformed(&text), "a field appears twice");
    let text = full_text(ADDRESS).replace(
        "Nonce: oBbLoEldZs42",
        "Nonce: oBbLoEldZs42\nNonce: abcdefgh",
    );
    assert_eq!(malformed(&text), "a field appears twice");
    let text = with("\n\nResources:\n- https://a.example\nResources:");
    assert_eq!(
        malformed(&text),
        "after `Resources:` only `- <URI>` lines may follow"
    );
}

#[test]
fn an_unknown_field_is_refused() {
    let text = full_text(ADDRESS).replace("Version: 1\n", "Version: 1\nDomain: example.com\n");
    assert_eq!(malformed(&text), "a line is not a known field");
    // Known keys are case-sensitive and take exactly one space.
    let text = full_text(ADDRESS).replace("Nonce: ", "nonce: ");
    assert_eq!(malformed(&text), "a line is not a known field");
    let text = full_text(ADDRESS).replace("Nonce: ", "Nonce:");
    assert_eq!(malformed(&text), "a line is not a known field");
    let text = with("\n\nURI: https://example.com\nNonce: ");
    assert_eq!(malformed(&text), "a field has an empty value");
}

#[test]
fn cr_line_endings_are_refused() {
    let text = full_text(ADDRESS).replace('\n', "\r\n");
    assert_eq!(
        malformed(&text),
        "lines must be separated by LF only, not CR LF"
    );
    let text = full_text(ADDRESS).replace("Version: 1", "Version: 1\r");
    assert_eq!(
        malformed(&text),
        "lines must be separated by LF only, not CR LF"
    );
    assert_eq!(
        malformed(&format!("{}\r", with(""))),
        "lines must be separated by LF only, not CR LF"
    );
}

#[test]
fn a_statement_over_several_lines_is_refused() {
    // Phantom's specification: the statement MUST NOT contain `\n`. (The reference regex would
    // take `S\n\nS` as one statement; its producer never writes one from a valid input.)
    let text = with("\n\nFirst line\nsecond line\n\nURI: https://example.com");
    assert_eq!(malformed(&text), "the statement spans several lines");
    let text = with("\n\nS\n\nS\n\nURI: https://example.com");
    assert_eq!(malformed(&text), "a line is not a known field");
    let text = with("\n\nS\n\nS");
    assert_eq!(malformed(&text), "a line is not a known field");
    // Two lines and no blank line: neither a statement nor fields.
    let text = with("\n\nSign in\nURI: https://example.com");
    assert_eq!(malformed(&text), "a line is not a known field");
}

#[test]
fn blank_line_layout_is_exact() {
    // Fields or statement right after the address, without a blank line.
    assert_eq!(
        malformed(&with("\nURI: https://example.com")),
        "the address must be followed by a blank line"
    );
    assert_eq!(
        malformed(&with("\nSign in")),
        "the address must be followed by a blank line"
    );
    // Two blank lines before the fields: an empty statement.
    assert_eq!(
        malformed(&with("\n\n\nURI: https://example.com")),
        "a line is not a known field"
    );
    assert_eq!(
        malformed(&with("\n\n\n\nURI: https://example.com")),
        "the statement is empty"
    );
    // Statement then fields without the blank line between them.
    assert_eq!(
        malformed(&with("\n\nSign in\nNonce: abcdefgh")),
        "a line is not a known field"
    );
    // A blank line inside the fields.
    assert_eq!(
        malformed(&with(
            "\n\nS\n\nURI: https://example.com\n\nNonce: abcdefgh"
        )),
        "a line is not a known field"
    );
}

#[test]
fn a_statement_with_control_or_bidi_characters_is_refused() {
    for statement in [
        "tab\there",
        "nul\0",
        "bidi \u{202E}txt.exe",
        "zero\u{200B}width",
    ] {
        let text = with(&format!("\n\n{statement}\n\nURI: https://example.com"));
        assert_eq!(
            malformed(&text),
            "the statement has a control or formatting character",
            "{statement:?}"
        );
    }
    // Other printable text is accepted.
    let m = parsed(&with(
        "\n\nConnexion à Exemple ✓\n\nURI: https://example.com",
    ));
    assert_eq!(m.statement.as_deref(), Some("Connexion à Exemple ✓"));
}

#[test]
fn a_unicode_look_alike_domain_is_refused() {
    // `а` is U+0430 CYRILLIC SMALL LETTER A.
    let text = full_text(ADDRESS).replacen("example.com", "ex\u{0430}mple.com", 1);
    assert_eq!(malformed(&text), "the domain is not ASCII");
    let text = with("").replacen("example.com", "\u{FEFF}example.com", 1);
    assert_eq!(malformed(&text), "the domain is not ASCII");
}

#[test]
fn a_domain_that_is_not_host_and_port_is_refused() {
    for domain in [
        "",
        "example.com/login",
        "user@example.com",
        "exa mple.com",
        "example..com",
        ".example.com",
        "example.com:",
        "example.com:65536",
        "example.com:123456",
        "example.com:http",
        "[::1",
        "[]:80",
        "[::1]x",
        "a:1:2",
    ] {
        let text = format!("{domain} wants you to sign in with your Solana account:\n{ADDRESS}");
        let why = malformed(&text);
        assert!(
            why == "the domain is not host[:port]"
                || why == "the domain's port is not a number up to 65535",
            "{domain:?}: {why}"
        );
    }
}

#[test]
fn a_scheme_before_the_domain_is_refused() {
    // Phantom's grammar: `message-domain = authority`, no scheme (unlike EIP-4361).
    let text = full_text(ADDRESS).replacen("example.com", "https://example.com", 1);
    assert_eq!(
        malformed(&text),
        "a scheme before the domain is not part of Sign In With Solana"
    );
}

#[test]
fn another_header_is_refused() {
    let text = full_text(ADDRESS).replace("Solana account", "Ethereum account");
    assert_eq!(
        malformed(&text),
        "the first line is not `<domain> wants you to sign in with your Solana account:`"
    );
    assert_eq!(malformed(""), "no address line");
    assert_eq!(malformed(HEADER), "no address line");
    assert_eq!(
        malformed(&format!(
            "example.com  wants you to sign in with your Solana account:\n{ADDRESS}"
        )),
        "the domain is not host[:port]"
    );
}

#[test]
fn bad_uris_and_resources_are_refused() {
    for uri in [
        "/login",
        "https://example.com/a b",
        "://example.com",
        "https:",
        "1http://x",
    ] {
        let text = with(&format!("\n\nURI: {uri}"));
        assert_eq!(malformed(&text), "URI is not an absolute URI", "{uri}");
    }
    let text = with("\n\nResources:\n- not a uri");
    assert_eq!(malformed(&text), "a resource is not an absolute URI");
    let text = with("\n\nResources:\n-https://example.com");
    assert_eq!(
        malformed(&text),
        "after `Resources:` only `- <URI>` lines may follow"
    );
    let text = with("\n\nResources:\n- ");
    assert_eq!(
        malformed(&text),
        "after `Resources:` only `- <URI>` lines may follow"
    );
    let text = with("\n\nRequest ID: two words");
    assert_eq!(malformed(&text), "Request ID is not printable ASCII");
}

#[test]
fn no_input_panics() {
    // Every prefix, and every message with one byte removed or replaced, parses or is refused.
    let text = full_text(ADDRESS);
    for end in 0..=text.len() {
        if let Some(prefix) = text.get(..end) {
            let _ = parse_siws(prefix);
        }
    }
    let bytes = text.as_bytes();
    for at in 0..bytes.len() {
        let mut removed = bytes.to_vec();
        removed.remove(at);
        if let Ok(candidate) = String::from_utf8(removed) {
            let _ = parse_siws(&candidate);
        }
        for b in [b'\n', b' ', b':', b'-', b'[', b']', 0xff] {
            let mut replaced = bytes.to_vec();
            replaced[at] = b;
            if let Ok(candidate) = String::from_utf8(replaced) {
                let _ = parse_siws(&candidate);
            }
        }
    }
    for junk in [
        "\n",
        "\n\n\n",
        " wants you to sign in with your Solana account:\n",
        "é\u{0}",
    ] {
        let _ = parse_siws(junk);
    }
}

// --- The binding rules' required fields -----------------------------------------------------

#[test]
fn missing_nonce_uri_or_issued_at_parse_but_the_rules_refuse_them() {
    let full = full_text(ADDRESS);
    let rules = rules();
    let now = T0 + 5;

    let m = parsed(&full.replace("Nonce: oBbLoEldZs42\n", ""));
    assert_eq!(m.nonce, None);
    assert_eq!(
        rules.check(&m, now),
        Err(SigninError::MissingField("Nonce"))
    );

    let m = parsed(&full.replace("URI: https://example.com/login\n", ""));
    assert_eq!(m.uri, None);
    assert_eq!(rules.check(&m, now), Err(SigninError::MissingField("URI")));

    let m = parsed(&full.replace("Issued At: 2024-01-01T00:00:00Z\n", ""));
    assert_eq!(m.issued_at, None);
    assert_eq!(
        rules.check(&m, now),
        Err(SigninError::MissingField("Issued At"))
    );

    let m = parsed(&full.replace("Chain ID: mainnet\n", ""));
    assert_eq!(m.chain, None);
    assert_eq!(
        rules.check(&m, now),
        Err(SigninError::MissingField("Chain ID"))
    );

    // A minimal message misses the URI first.
    let m = parsed(&with(""));
    assert_eq!(rules.check(&m, now), Err(SigninError::MissingField("URI")));
}

#[test]
fn the_rules_see_the_parsed_chain_version_and_times() {
    let full = full_text(ADDRESS);
    let rules = rules();
    let m = parsed(&full.replace("Chain ID: mainnet", "Chain ID: devnet"));
    assert_eq!(rules.check(&m, T0), Err(SigninError::Chain));
    let m = parsed(&full.replace("Version: 1", "Version: 2"));
    assert_eq!(rules.check(&m, T0), Err(SigninError::Version));
    let m = parsed(&full);
    assert_eq!(rules.check(&m, T0 + 600 + 60), Err(SigninError::Expired));
    let m = parsed(&full.replacen("example.com", "evil.example", 1));
    assert_eq!(rules.check(&m, T0), Err(SigninError::Domain));
}

// --- Signatures ----------------------------------------------------------------------------

#[test]
fn a_signature_over_the_exact_bytes_holds_in_base58_and_base64() {
    let key = key_pair();
    let address = address_of(&key);
    let text = full_text(&address);
    let message = parsed(&text);
    assert_eq!(message.address, address);
    let signature = sign(&key, message.raw.as_bytes());

    let encodings = [
        bs58::encode(signature).into_string(),
        STANDARD.encode(signature),
        STANDARD_NO_PAD.encode(signature),
        URL_SAFE_NO_PAD.encode(signature),
        base64::engine::general_purpose::URL_SAFE.encode(signature),
    ];
    for encoded in encodings {
        let decoded = decode_solana_signature(&encoded).unwrap();
        assert_eq!(decoded, signature, "{encoded}");
        assert_eq!(
            verify_solana(message.raw.as_bytes(), &message.address, &decoded),
            Ok(())
        );
    }
}

#[test]
fn a_signature_of_another_message_does_not_hold() {
    let key = key_pair();
    let address = address_of(&key);
    let text = full_text(&address);
    let other = text.replace("Nonce: oBbLoEldZs42", "Nonce: oBbLoEldZs43");
    let signature = sign(&key, other.as_bytes());
    assert_eq!(
        verify_solana(text.as_bytes(), &address, &signature),
        Err(SignatureError::Invalid(
            "the Ed25519 signature does not hold"
        ))
    );
    // One trailing LF more is another message too.
    let signature = sign(&key, text.as_bytes());
    assert_eq!(
        verify_solana(format!("{text}\n").as_bytes(), &address, &signature),
        Err(SignatureError::Invalid(
            "the Ed25519 signature does not hold"
        ))
    );
    let mut flipped = signature;
    flipped[10] ^= 1;
    assert_eq!(
        verify_solana(text.as_bytes(), &address, &flipped),
        Err(SignatureError::Invalid(
            "the Ed25519 signature does not hold"
        ))
    );
}

#[test]
fn a_signature_by_another_account_does_not_hold() {
    let key = key_pair();
    let other = key_pair();
    let text = full_text(&address_of(&key));
    let signature = sign(&other, text.as_bytes());
    assert_eq!(
        verify_solana(text.as_bytes(), &address_of(&key), &signature),
        Err(SignatureError::Invalid(
            "the Ed25519 signature does not hold"
        ))
    );
    // The right signature checked against another (valid) address.
    let signature = sign(&key, text.as_bytes());
    assert_eq!(
        verify_solana(text.as_bytes(), ADDRESS, &signature),
        Err(SignatureError::Invalid(
            "the Ed25519 signature does not hold"
        ))
    );
    assert_eq!(
        verify_solana(text.as_bytes(), &address_of(&key), &signature),
        Ok(())
    );
}

#[test]
fn an_address_that_is_not_a_public_key_is_invalid() {
    let key = key_pair();
    let text = full_text(&address_of(&key));
    let signature = sign(&key, text.as_bytes());
    for address in [
        "",
        "0OIl",
        ADDRESS_31_BYTES,
        ADDRESS_33_BYTES,
        "not base58!",
    ] {
        assert_eq!(
            verify_solana(text.as_bytes(), address, &signature),
            Err(SignatureError::Invalid(
                "the address is not base58 of a 32-byte Ed25519 public key"
            )),
            "{address:?}"
        );
    }
}

#[test]
fn signatures_of_63_or_65_bytes_are_encoding_errors() {
    const WHY: &str = "the signature is not base58 or base64 of 64 bytes";
    for len in [0usize, 1, 32, 63, 65, 66] {
        let bytes: Vec<u8> = (0..len)
            .map(|i| (i as u8).wrapping_mul(37).wrapping_add(1))
            .collect();
        for encoded in [
            bs58::encode(&bytes).into_string(),
            STANDARD.encode(&bytes),
            STANDARD_NO_PAD.encode(&bytes),
            URL_SAFE_NO_PAD.encode(&bytes),
        ] {
            let expected = if encoded.is_empty() {
                SignatureError::Encoding("the signature is empty")
            } else {
                SignatureError::Encoding(WHY)
            };
            assert_eq!(
                decode_solana_signature(&encoded),
                Err(expected),
                "{len} {encoded}"
            );
        }
    }
}

#[test]
fn strings_in_neither_encoding_are_encoding_errors() {
    let signature = [0x5a_u8; 64];
    let b64 = STANDARD.encode(signature);
    let b58 = bs58::encode(signature).into_string();
    for text in [
        "not a signature!".to_owned(),
        format!("0x{}", hex_of(&signature[..32])),
        format!(" {b64}"),
        format!("{b64}\n"),
        format!("{b58}0"),
        b64.replace('W', "*"),
        format!("{b64}="),
        "é".repeat(44),
    ] {
        assert_eq!(
            decode_solana_signature(&text),
            Err(SignatureError::Encoding(
                "the signature is not base58 or base64 of 64 bytes"
            )),
            "{text:?}"
        );
    }
    assert_eq!(
        decode_solana_signature(&"A".repeat(129)),
        Err(SignatureError::Encoding(
            "the signature is too long for 64 bytes"
        ))
    );
    assert_eq!(
        decode_solana_signature(""),
        Err(SignatureError::Encoding("the signature is empty"))
    );
    // Mixed alphabets (standard `+` and URL-safe `_`) are neither.
    let mixed = format!("+_{}", STANDARD_NO_PAD.encode(signature).get(2..).unwrap());
    assert_eq!(
        decode_solana_signature(&mixed),
        Err(SignatureError::Encoding(
            "the signature is not base58 or base64 of 64 bytes"
        ))
    );
}

#[test]
fn signature_errors_map_to_the_sign_in_errors() {
    let e: SigninError = SignatureError::Encoding("x").into();
    assert_eq!(e.code(), "invalid_request");
    let e: SigninError = SignatureError::Invalid("the Ed25519 signature does not hold").into();
    assert_eq!(
        e,
        SigninError::BadSignature("the Ed25519 signature does not hold".to_owned())
    );
    assert_eq!(e.code(), "invalid_signature");
    assert_eq!(
        parse_siws("nonsense").map_err(|e| e.code()),
        Err("invalid_request")
    );
}

fn hex_of(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
