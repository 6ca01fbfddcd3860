//! The `siwe_message` and `siws_message` targets: wallet sign-in messages (Sign-In with Ethereum,
//! Sign In With Solana) through `signin-core`'s parser, binding rules and signature checks.
//!
//! Input: UTF-8 text (anything else is skipped). Up to the first NUL byte it is the message; after
//! it, when present, the signature string as a client sends it (`0x` and hex for SIWE, base58 or
//! base64 for SIWS). A message therefore never contains a NUL byte, which both grammars refuse
//! anyway (SIWE: printable ASCII only in the statement and line by line tags; SIWS: no control
//! characters in the statement, a NUL elsewhere breaks a tag or a value).
//!
//! For each input [`run`] parses the message with its grammar ([`signin_core::parse_siwe`] or
//! [`signin_core::parse_siws`]) and with the other one, then, when it parses, checks it against
//! several [`SigninRules`] at several times, and, when the input carries one, decodes the
//! signature ([`EvmSignature::from_hex`] / [`decode_solana_signature`]) and checks it over the
//! message's exact bytes ([`recover_eip191`] / [`verify_solana`]). A signature is decoded even
//! when the message does not parse (the decoders see every signature string), and checked only
//! when it does.
//!
//! Invariants (what the library documents): nothing panics; a refusal by the grammar is
//! `Malformed` with a reason (a bad request); no text parses under both grammars; a parsed message
//! keeps the input as its signed bytes (`raw == text`), its first line is the domain (after the
//! scheme, SIWE only) and the grammar's preamble and its second line is the address, as written;
//! `caip10()` is the chain's CAIP-2 id and the address. SIWE: the address is `0x` and 40 hex
//! digits ([`parse_address`] accepts it), EIP-55 checksummed or in one case; URI, version `1`,
//! an EIP-155 chain, a nonce of at least 8 alphanumerics and `Issued At` are present; the
//! statement is RFC 3986 reserved and unreserved characters and spaces. SIWS: no CR, no scheme,
//! an ASCII domain; the address is base58 of 32 bytes; a chain is a Solana chain; a nonce is at
//! least 8 alphanumerics; a statement is one line without control characters.
//!
//! Binding rules: [`SigninRules::check`] returns `Ok` only when every rule holds (domain in the
//! list and, when the message names a scheme, the rules' scheme; URI present and under one of the
//! prefixes at a boundary; version absent or `1`; chain present and allowed, that is listed or
//! with the CAIP-2 id of a listed chain (`mainnet` is `solana:5eykt4UsFv8P8NJdTREpY1vzqKqZKvdp`);
//! nonce present; `Issued At` present, not after `now + leeway` and not older than
//! `max age + leeway`; `Not Before` not after `now + leeway`; `now` before
//! `Expiration Time + leeway`), computed here without overflow. For rules with realistic settings
//! (leeway and maximum age far below `i64::MAX`) the converse holds as well (every rule holds with
//! the chain listed as written ⇒ `Ok`) and a refusal names a rule the message breaks (`Chain`: the
//! chain is not listed as written). With `u64::MAX` leeway and age only the first direction is
//! asserted: the library clamps them to `i64::MAX`, which may refuse more at absurd times, never
//! accept more.
//!
//! Signatures: [`EvmSignature::from_hex`] accepts exactly `0x` and a non-empty even number of hex
//! digits; [`recover_eip191`] succeeds only for 65 bytes with `v` in {0, 1, 27, 28};
//! [`decode_solana_signature`] returns the base58 decoding when the text is base58 of 64 bytes,
//! else the standard then URL-safe base64 decoding (padding optional) when that is 64 bytes, and
//! refuses everything else as an encoding error; [`verify_solana`] fails only as `Invalid`.

use std::sync::OnceLock;

use base64::Engine as _;
use base64::alphabet;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use signin_core::evm_signature::parse_address;
use signin_core::{
    ChainRef, EvmSignature, MessageKind, SignInMessage, SignatureError, SigninError, SigninRules,
    decode_solana_signature, eip55, parse_siwe, parse_siws, recover_eip191, verify_solana,
};

/// The SIWE preamble, after `[scheme://]domain`.
pub const SIWE_PREAMBLE: &str = " wants you to sign in with your Ethereum account:";
/// The SIWS preamble, after the domain.
pub const SIWS_PREAMBLE: &str = " wants you to sign in with your Solana account:";
/// The time used when a message has no `Issued At` (2024-01-01T00:00:00Z).
pub const DEFAULT_NOW: i64 = 1_704_067_200;
/// A distance in seconds far beyond any window (about 34,800 years).
const BIG: i64 = 1 << 40;

/// Which target, which grammar.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Sign-In with Ethereum (`siwe_message`).
    Siwe,
    /// Sign In With Solana (`siws_message`).
    Siws,
}

/// What one input gave, after every invariant was checked.
#[derive(Debug)]
pub struct Outcome {
    /// The parse of the message part.
    pub message: Result<SignInMessage, SigninError>,
    /// When the message parsed and the input has a signature part: `Ok` when the signature holds
    /// for the message's account over its exact bytes (SIWE: the recovered address is the
    /// message's), else why not.
    pub signature: Option<Result<(), SignatureError>>,
}

/// Split an input into the message and the signature string (after the first NUL, if any).
pub fn split_input(text: &str) -> (&str, Option<&str>) {
    match text.split_once('\0') {
        Some((message, signature)) => (message, Some(signature)),
        None => (text, None),
    }
}

/// Run one input: `None` when it is not UTF-8, else the outcome (a broken invariant panics).
pub fn run(kind: Kind, data: &[u8]) -> Option<Outcome> {
    let text = std::str::from_utf8(data).ok()?;
    let (text, signature) = split_input(text);
    let (parsed, other) = match kind {
        Kind::Siwe => (parse_siwe(text), parse_siws(text)),
        Kind::Siws => (parse_siws(text), parse_siwe(text)),
    };
    assert!(
        parsed.is_err() || other.is_err(),
        "a text parses under both grammars"
    );
    for result in [&parsed, &other] {
        if let Err(e) = result {
            refused_by_grammar(e);
        }
    }
    let checked = match &parsed {
        Ok(message) => {
            check_message(kind, text, message);
            for rules in rule_sets() {
                for now in nows(message) {
                    check_rules(rules, message, now);
                }
            }
            signature.map(|sig| match kind {
                Kind::Siwe => siwe_signature(message, sig),
                Kind::Siws => siws_signature(message, sig),
            })
        }
        Err(_) => {
            // The decoders still see every signature string.
            if let Some(sig) = signature {
                let _ = match kind {
                    Kind::Siwe => evm_decode(sig).err(),
                    Kind::Siws => solana_decode(sig).err(),
                };
            }
            None
        }
    };
    Some(Outcome {
        message: parsed,
        signature: checked,
    })
}

/// A grammar's refusal: `Malformed`, with a reason, a bad request.
#[allow(clippy::panic)]
fn refused_by_grammar(e: &SigninError) {
    match e {
        SigninError::Malformed(why) => assert!(!why.is_empty(), "a refusal without a reason"),
        other => panic!("a parser refused with {other:?}, not Malformed"),
    }
    assert!(e.is_bad_request());
    assert_eq!(e.code(), "invalid_request");
    assert!(!e.to_string().is_empty());
}

/// The invariants of a parsed message, whatever the rules.
#[allow(clippy::expect_used)]
fn check_message(kind: Kind, text: &str, m: &SignInMessage) {
    assert_eq!(m.raw, text, "the signed bytes are not the input");
    let mut lines = text.split('\n');
    let (first, second) = (lines.next(), lines.next());
    assert_eq!(second, Some(m.address.as_str()), "the address as written");
    let caip2 = m.chain.as_ref().map(ChainRef::caip2);
    assert_eq!(
        m.caip10(),
        caip2.as_ref().map(|c| format!("{c}:{}", m.address))
    );
    if let Some(n) = &m.nonce {
        assert!(n.len() >= 8 && n.bytes().all(|b| b.is_ascii_alphanumeric()));
    }
    match kind {
        Kind::Siwe => {
            assert_eq!(m.kind, MessageKind::Siwe);
            let scheme = m.scheme.as_ref().map(|s| format!("{s}://"));
            let header = format!("{}{}{SIWE_PREAMBLE}", scheme.unwrap_or_default(), m.domain);
            assert_eq!(first, Some(header.as_str()));
            let bytes = parse_address(&m.address).expect("a SIWE address is 0x and 40 hex digits");
            let digits = m.address.get(2..).unwrap_or_default();
            assert!(
                m.address == eip55(&bytes)
                    || digits == digits.to_ascii_lowercase()
                    || digits == digits.to_ascii_uppercase(),
                "a mixed-case address that is not EIP-55"
            );
            assert!(matches!(m.chain, Some(ChainRef::Eip155(_))));
            assert!(caip2.is_some_and(|c| c.starts_with("eip155:")));
            assert!(m.uri.is_some() && m.nonce.is_some() && m.issued_at.is_some());
            assert_eq!(m.version.as_deref(), Some("1"));
            if let Some(s) = &m.statement {
                assert!(s.bytes().all(is_statement_char), "statement {s:?}");
            }
        }
        Kind::Siws => {
            assert_eq!(m.kind, MessageKind::Siws);
            assert_eq!(first, Some(format!("{}{SIWS_PREAMBLE}", m.domain).as_str()));
            assert!(!text.contains('\r'));
            assert!(m.scheme.is_none());
            assert!(m.domain.is_ascii() && !m.domain.contains("://"));
            let key = bs58::decode(&m.address)
                .into_vec()
                .expect("a SIWS address is base58");
            assert_eq!(key.len(), 32, "a SIWS address is 32 bytes");
            if let Some(chain) = &m.chain {
                assert!(matches!(chain, ChainRef::Solana(_)));
                assert!(chain.caip2().starts_with("solana:"));
            }
            if let Some(s) = &m.statement {
                assert!(!s.is_empty() && !s.chars().any(char::is_control));
            }
        }
    }
}

/// EIP-4361 statement characters: RFC 3986 reserved and unreserved, and space.
fn is_statement_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b" -._~:/?#[]@!$&'()*+,;=".contains(&b)
}

/// A rule set, and whether its settings are realistic (see the module documentation).
struct RuleSet {
    rules: SigninRules,
    realistic: bool,
}

fn rule_sets() -> &'static [RuleSet] {
    static SETS: OnceLock<Vec<RuleSet>> = OnceLock::new();
    SETS.get_or_init(|| {
        let solana = |name: &str| ChainRef::Solana(name.to_owned());
        let mut main = SigninRules::new(
            ["service.org", "siwe.xyz", "example.com", "localhost:3000"],
            "https://service.org",
            [ChainRef::Eip155(1), solana("mainnet")],
        );
        main.uri_prefixes.extend(
            ["https://siwe.xyz", "https://example.com", "http://localhost:3000"].map(String::from),
        );
        let mut local = SigninRules::new(
            ["127.0.0.1:8080", "localhost:8080", "[::cafe]", "[::1]:8080"],
            "http://localhost:8080",
            [
                ChainRef::Eip155(137),
                ChainRef::Eip155(5),
                solana("devnet"),
                solana("5eykt4UsFv8P8NJdTREpY1vzqKqZKvdp"),
            ],
        );
        local.uri_prefixes.push("https://service.org/".to_owned());
        local.leeway_secs = 0;
        local.max_message_age_secs = 30;
        let nothing = SigninRules::new(Vec::<String>::new(), "https://example.com", []);
        let mut unbounded = main.clone();
        unbounded.leeway_secs = u64::MAX;
        unbounded.max_message_age_secs = u64::MAX;
        vec![
            RuleSet {
                rules: main,
                realistic: true,
            },
            RuleSet {
                rules: local,
                realistic: true,
            },
            RuleSet {
                rules: nothing,
                realistic: true,
            },
            RuleSet {
                rules: unbounded,
                realistic: false,
            },
        ]
    })
}

/// The times a message is checked at: the extremes, and around its own timestamps.
fn nows(m: &SignInMessage) -> Vec<i64> {
    let t = m.issued_at.unwrap_or(DEFAULT_NOW);
    let mut out = vec![0, i64::MAX, i64::MIN];
    for d in [0, 1, -1, -60, -61, 30, 31, 660, 661, BIG, -BIG] {
        out.push(t.saturating_add(d));
    }
    for edge in [m.expiration_time, m.not_before].into_iter().flatten() {
        for d in [-61, -60, -1, 0] {
            out.push(edge.saturating_add(d));
        }
    }
    out
}

/// The rules `m` breaks at `now`, each as the error that names it, in exact arithmetic. The chain
/// rule is the strict one here (the rules list the chain as written), so that every rule holding
/// means `Ok` whether the library compares chains as written or by CAIP-2 id; an accepted message
/// is checked against the CAIP-2 comparison ([`chain_allowed`]).
fn broken(rules: &SigninRules, m: &SignInMessage, now: i64) -> Vec<SigninError> {
    let mut out = Vec::new();
    let scheme_ok = m
        .scheme
        .as_ref()
        .is_none_or(|s| s.eq_ignore_ascii_case(&rules.scheme));
    if !rules.domains.contains(&m.domain) || !scheme_ok {
        out.push(SigninError::Domain);
    }
    match &m.uri {
        None => out.push(SigninError::MissingField("URI")),
        Some(uri) if !rules.uri_prefixes.iter().any(|p| uri_within(uri, p)) => {
            out.push(SigninError::Uri);
        }
        Some(_) => {}
    }
    if m.version.as_deref().is_some_and(|v| v != "1") {
        out.push(SigninError::Version);
    }
    match &m.chain {
        None => out.push(SigninError::MissingField("Chain ID")),
        Some(chain) if !rules.chains.contains(chain) => out.push(SigninError::Chain),
        Some(_) => {}
    }
    if m.nonce.is_none() {
        out.push(SigninError::MissingField("Nonce"));
    }
    let leeway = i128::from(rules.leeway_secs);
    let max_age = i128::from(rules.max_message_age_secs);
    let now = i128::from(now);
    match m.issued_at.map(i128::from) {
        None => out.push(SigninError::MissingField("Issued At")),
        Some(iat) => {
            if iat > now + leeway {
                out.push(SigninError::NotYetValid);
            }
            if now - iat > max_age + leeway {
                out.push(SigninError::Expired);
            }
        }
    }
    if m.not_before.is_some_and(|nbf| i128::from(nbf) > now + leeway) {
        out.push(SigninError::NotYetValid);
    }
    if m.expiration_time
        .is_some_and(|exp| now >= i128::from(exp) + leeway)
    {
        out.push(SigninError::Expired);
    }
    out
}

/// The rules allow `chain`: they list it, or a chain with the same CAIP-2 id (`mainnet` and
/// `solana:5eykt4UsFv8P8NJdTREpY1vzqKqZKvdp` are one chain).
fn chain_allowed(rules: &SigninRules, chain: &ChainRef) -> bool {
    let caip2 = chain.caip2();
    rules.chains.iter().any(|c| c == chain || c.caip2() == caip2)
}

/// `uri` starts with `prefix` at a boundary (the end, `/`, `?` or `#`; any prefix ending in `/`).
fn uri_within(uri: &str, prefix: &str) -> bool {
    uri.strip_prefix(prefix).is_some_and(|rest| {
        prefix.ends_with('/') || rest.is_empty() || rest.starts_with(['/', '?', '#'])
    })
}

/// One [`SigninRules::check`] call and its invariants.
#[allow(clippy::expect_used)]
fn check_rules(set: &RuleSet, m: &SignInMessage, now: i64) {
    let rules = &set.rules;
    let result = rules.check(m, now);
    let broken = broken(rules, m, now);
    match &result {
        Ok(()) => {
            assert!(rules.domains.contains(&m.domain), "accepted another domain");
            let chain = m.chain.as_ref().expect("accepted without a chain");
            assert!(chain_allowed(rules, chain), "accepted another chain");
            // `broken` names a chain the rules do not list as written: allowed by its CAIP-2 id.
            assert!(
                broken.iter().all(|e| *e == SigninError::Chain),
                "accepted at {now} but breaks {broken:?}"
            );
        }
        Err(e) => {
            assert!(!e.is_bad_request(), "a rule refusal is not a bad request");
            let _ = (e.code(), e.to_string());
            if set.realistic {
                assert!(broken.contains(e), "refused at {now} with {e:?}, breaks {broken:?}");
            }
        }
    }
    if set.realistic && broken.is_empty() {
        assert_eq!(result, Ok(()), "every rule holds at {now}");
    }
}

/// [`EvmSignature::from_hex`], with its documented contract.
fn evm_decode(sig: &str) -> Result<EvmSignature, SignatureError> {
    let decoded = EvmSignature::from_hex(sig);
    let well_formed = sig.strip_prefix("0x").is_some_and(|d| {
        !d.is_empty() && d.len() % 2 == 0 && d.bytes().all(|b| b.is_ascii_hexdigit())
    });
    match &decoded {
        Ok(s) => {
            assert!(well_formed, "{sig:?} decoded");
            assert_eq!(s.as_bytes().len() * 2 + 2, sig.len());
        }
        Err(e) => {
            assert!(!well_formed, "{sig:?} refused");
            assert!(matches!(e, SignatureError::Encoding(_)), "{e:?}");
        }
    }
    decoded
}

/// SIWE: decode, recover over the exact bytes, compare with the message's address.
#[allow(clippy::expect_used)]
fn siwe_signature(m: &SignInMessage, sig: &str) -> Result<(), SignatureError> {
    let sig = evm_decode(sig)?;
    let bytes = sig.as_bytes();
    let recovered = recover_eip191(m.raw.as_bytes(), bytes);
    match &recovered {
        Ok(_) => {
            assert_eq!(bytes.len(), 65, "recovered from a non-65-byte signature");
            assert!(matches!(bytes.last(), Some(0 | 1 | 27 | 28)), "v");
        }
        Err(e) => assert!(matches!(e, SignatureError::Invalid(_)), "{e:?}"),
    }
    let address = parse_address(&m.address).expect("a parsed SIWE address");
    if recovered? == address {
        Ok(())
    } else {
        Err(SignatureError::Invalid("another account signed"))
    }
}

/// Decoding config: padding optional (as the library documents).
const PADDING_OPTIONAL: GeneralPurposeConfig =
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent);
const STANDARD: GeneralPurpose = GeneralPurpose::new(&alphabet::STANDARD, PADDING_OPTIONAL);
const URL_SAFE: GeneralPurpose = GeneralPurpose::new(&alphabet::URL_SAFE, PADDING_OPTIONAL);

/// [`decode_solana_signature`], with its documented contract: base58 of 64 bytes first, then
/// standard and URL-safe base64 of 64 bytes, anything else an encoding error.
fn solana_decode(sig: &str) -> Result<[u8; 64], SignatureError> {
    let decoded = decode_solana_signature(sig);
    let sixty_four = |bytes: Vec<u8>| <[u8; 64]>::try_from(bytes).ok();
    let expected = bs58::decode(sig)
        .into_vec()
        .ok()
        .and_then(sixty_four)
        .or_else(|| STANDARD.decode(sig).ok().and_then(sixty_four))
        .or_else(|| URL_SAFE.decode(sig).ok().and_then(sixty_four));
    match &decoded {
        Ok(bytes) => assert_eq!(Some(bytes), expected.as_ref(), "{sig:?}"),
        Err(e) => {
            assert_eq!(expected, None, "{sig:?} refused");
            assert!(matches!(e, SignatureError::Encoding(_)), "{e:?}");
        }
    }
    decoded
}

/// SIWS: decode, verify over the exact bytes with the message's address.
fn siws_signature(m: &SignInMessage, sig: &str) -> Result<(), SignatureError> {
    let sig = solana_decode(sig)?;
    let verified = verify_solana(m.raw.as_bytes(), &m.address, &sig);
    if let Err(e) = &verified {
        assert!(matches!(e, SignatureError::Invalid(_)), "{e:?}");
    }
    verified
}
