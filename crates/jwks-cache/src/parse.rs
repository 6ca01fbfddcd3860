//! JWKS JSON → parsed verification keys, once per fetch.
//!
//! Every JWK is checked and turned into a [`JwksKey`] (the crypto library's key object, built once, plus the
//! metadata selection needs). A JWK that is unusable is *skipped* with a [`SkipReason`]; it never takes the rest of the set down.

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use base64::Engine as _;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use claims_core::{EcCurve, VerifyingKey};
use serde_json::{Map, Value};

use crate::error::ParseError;

/// base64url, with or without padding (some providers pad).
const B64URL: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::URL_SAFE,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// Members that only a private (or symmetric) key has. A remote set containing them is a leak, never a key to use.
const PRIVATE_MEMBERS: [&str; 8] = ["d", "p", "q", "dp", "dq", "qi", "oth", "k"];

/// Smallest RSA modulus accepted, in bits.
pub const MIN_RSA_BITS: u32 = 2048;
/// Largest RSA modulus accepted, in bits (the verifier's limit).
pub const MAX_RSA_BITS: u32 = 8192;

static NEXT_KEY_ID: AtomicU64 = AtomicU64::new(1);

/// The JWK key type (`kty`) of a usable key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum KeyType {
    /// `RSA`
    Rsa,
    /// `EC`
    Ec,
    /// `OKP`
    Okp,
}

impl KeyType {
    /// The JWK spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Rsa => "RSA",
            Self::Ec => "EC",
            Self::Okp => "OKP",
        }
    }
}

impl fmt::Display for KeyType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The curve (`crv`) of a usable EC or OKP key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Curve {
    /// `P-256` (ES256)
    P256,
    /// `P-384` (ES384)
    P384,
    /// `Ed25519` (EdDSA)
    Ed25519,
}

impl Curve {
    /// The JWK spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::P256 => "P-256",
            Self::P384 => "P-384",
            Self::Ed25519 => "Ed25519",
        }
    }

    /// Length in bytes of one coordinate (EC) or of the public key (OKP).
    fn coordinate_len(self) -> usize {
        match self {
            Self::P256 | Self::Ed25519 => 32,
            Self::P384 => 48,
        }
    }
}

impl fmt::Display for Curve {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The public key material, decoded, used to recognise "the same key" across fetches.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Material {
    Rsa { n: Vec<u8>, e: Vec<u8> },
    Ec { crv: Curve, x: Vec<u8>, y: Vec<u8> },
    Okp { crv: Curve, x: Vec<u8> },
}

/// One usable public key from a JWKS, parsed once per fetch and shared (`Arc`) by every request that uses it.
///
/// # Retirement
///
/// When a later successful fetch of the same source still contains a JWK with the same `kid`, the same key material
/// and the same `alg`/`use`/`key_ops`, the existing `Arc<JwksKey>` is reused as is (not parsed again, same
/// [`id`](Self::id), not retired). Every key of the previous set that is *not* carried over this way is marked
/// [retired](Self::is_retired): caches of tokens verified with it must drop them.
pub struct JwksKey {
    id: u64,
    kid: Option<String>,
    kty: KeyType,
    crv: Option<Curve>,
    alg: Option<String>,
    key_use: Option<String>,
    key_ops: Option<Vec<String>>,
    rsa_bits: Option<u32>,
    material: Material,
    verifying_key: Arc<VerifyingKey>,
    retired: AtomicBool,
}

impl JwksKey {
    /// A process-unique id of this parsed key object (a reused key keeps its id across fetches).
    pub fn id(&self) -> u64 {
        self.id
    }
    /// The JWK `kid`, if any.
    pub fn kid(&self) -> Option<&str> {
        self.kid.as_deref()
    }
    /// The key type.
    pub fn kty(&self) -> KeyType {
        self.kty
    }
    /// The curve of an EC or OKP key.
    pub fn crv(&self) -> Option<Curve> {
        self.crv
    }
    /// The JWK `alg`, if the JWK pins one.
    pub fn alg(&self) -> Option<&str> {
        self.alg.as_deref()
    }
    /// The JWK `use`, if present.
    pub fn key_use(&self) -> Option<&str> {
        self.key_use.as_deref()
    }
    /// The JWK `key_ops`, if present.
    pub fn key_ops(&self) -> Option<&[String]> {
        self.key_ops.as_deref()
    }
    /// The RSA modulus size in bits (RSA keys only).
    pub fn rsa_bits(&self) -> Option<u32> {
        self.rsa_bits
    }
    /// The key prepared for verification (the crypto library's key object, built once when the
    /// set was fetched): what the request path verifies with.
    pub fn verifying_key(&self) -> &VerifyingKey {
        &self.verifying_key
    }
    /// `true` once a later successful fetch of the same source no longer contains this key.
    pub fn is_retired(&self) -> bool {
        self.retired.load(Ordering::Acquire)
    }
    pub(crate) fn retire(&self) {
        self.retired.store(true, Ordering::Release);
    }
    fn same_key_as(&self, other: &Candidate) -> bool {
        self.kid == other.kid
            && self.material == other.material
            && self.alg == other.alg
            && self.key_use == other.key_use
            && self.key_ops == other.key_ops
    }
}

impl fmt::Debug for JwksKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JwksKey")
            .field("id", &self.id)
            .field("kid", &self.kid)
            .field("kty", &self.kty)
            .field("crv", &self.crv)
            .field("alg", &self.alg)
            .field("use", &self.key_use)
            .field("key_ops", &self.key_ops)
            .field("rsa_bits", &self.rsa_bits)
            .field("retired", &self.is_retired())
            .finish_non_exhaustive()
    }
}

/// Why a JWK was left out of the set.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum SkipReason {
    /// The entry is not a JSON object, or a member has the wrong JSON type.
    Malformed(String),
    /// `kty` is `oct`: symmetric keys are never accepted from a remote set.
    SymmetricKey,
    /// The JWK carries private key members (`d`, `p`, `q`, `dp`, `dq`, `qi`, `oth`, `k`).
    PrivateKeyMaterial(&'static str),
    /// `kty` is missing or not RSA, EC or OKP.
    UnsupportedKeyType(String),
    /// The curve is missing or not P-256, P-384 or Ed25519.
    UnsupportedCurve(String),
    /// A required member is missing.
    MissingMember(&'static str),
    /// A member is not valid base64url.
    InvalidBase64(&'static str),
    /// The RSA modulus is smaller than 2048 bits.
    RsaKeyTooSmall {
        /// Modulus size in bits.
        bits: u32,
    },
    /// The RSA modulus is larger than 8192 bits.
    RsaKeyTooLarge {
        /// Modulus size in bits.
        bits: u32,
    },
    /// The RSA public exponent is 0, 1, even or absurdly large.
    RsaBadExponent,
    /// The EC point is not on the curve, or the coordinates have the wrong length.
    InvalidEcPoint,
    /// The OKP public key is invalid (wrong length or rejected by the crypto library).
    InvalidOkpKey,
    /// The set has more than `max_keys` entries; this one came after the limit.
    TooManyKeys {
        /// The limit.
        max_keys: usize,
    },
}

impl fmt::Display for SkipReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Malformed(why) => write!(f, "malformed JWK: {why}"),
            Self::SymmetricKey => f.write_str("symmetric (oct) keys are refused in a remote JWKS"),
            Self::PrivateKeyMaterial(m) => write!(f, "JWK contains private key member {m:?}"),
            Self::UnsupportedKeyType(k) => write!(f, "unsupported kty {k:?}"),
            Self::UnsupportedCurve(c) => write!(f, "unsupported crv {c:?}"),
            Self::MissingMember(m) => write!(f, "missing member {m:?}"),
            Self::InvalidBase64(m) => write!(f, "member {m:?} is not valid base64url"),
            Self::RsaKeyTooSmall { bits } => {
                write!(
                    f,
                    "RSA modulus of {bits} bits is below the {MIN_RSA_BITS}-bit minimum"
                )
            }
            Self::RsaKeyTooLarge { bits } => {
                write!(
                    f,
                    "RSA modulus of {bits} bits is above the {MAX_RSA_BITS}-bit maximum"
                )
            }
            Self::RsaBadExponent => f.write_str("RSA public exponent is 0, 1, even or too large"),
            Self::InvalidEcPoint => f.write_str("EC point is not on the curve"),
            Self::InvalidOkpKey => f.write_str("invalid OKP public key"),
            Self::TooManyKeys { max_keys } => {
                write!(f, "set has more than {max_keys} keys; rest ignored")
            }
        }
    }
}

/// A JWK that was not loaded, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SkippedKey {
    /// The JWK's `kid`, if it had a string one.
    pub kid: Option<String>,
    /// Why it was skipped.
    pub reason: SkipReason,
}

impl fmt::Display for SkippedKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kid {
            Some(kid) => write!(f, "kid {kid:?}: {}", self.reason),
            None => write!(f, "(no kid): {}", self.reason),
        }
    }
}

/// The keys of one JWKS document: the usable ones, indexed by `kid`, and the skipped ones with reasons.
///
/// ```
/// let jwks = br#"{"keys":[
///   {"kty":"oct","kid":"hmac","k":"c2VjcmV0"},
///   {"kty":"OKP","crv":"Ed25519","kid":"ed","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}
/// ]}"#;
/// let parsed = jwks_cache::parse_jwks(jwks, 100)?;
/// assert_eq!(parsed.keys().len(), 1);
/// assert_eq!(parsed.keys()[0].kid(), Some("ed"));
/// assert_eq!(parsed.skipped().len(), 1);
/// assert_eq!(parsed.skipped()[0].to_string(), r#"kid "hmac": symmetric (oct) keys are refused in a remote JWKS"#);
/// let key = parsed.select(Some("ed"), jwks_cache::Algorithm::EdDSA)?;
/// assert_eq!(key.kid(), Some("ed"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Default)]
pub struct ParsedJwks {
    pub(crate) keys: Vec<Arc<JwksKey>>,
    pub(crate) by_kid: HashMap<String, Vec<Arc<JwksKey>>>,
    pub(crate) skipped: Vec<SkippedKey>,
}

impl ParsedJwks {
    /// The usable keys, in document order.
    pub fn keys(&self) -> &[Arc<JwksKey>] {
        &self.keys
    }
    /// The JWKs that were skipped, in document order.
    pub fn skipped(&self) -> &[SkippedKey] {
        &self.skipped
    }
    /// The usable keys with this exact `kid` (several when the set repeats a `kid`).
    pub fn by_kid(&self, kid: &str) -> &[Arc<JwksKey>] {
        self.by_kid.get(kid).map_or(&[], Vec::as_slice)
    }
}

/// Parses a JWKS document into usable keys and skipped entries. Pure: no I/O, no clock.
///
/// At most `max_keys` entries are considered; later ones are skipped with [`SkipReason::TooManyKeys`].
///
/// # Errors
///
/// [`ParseError`] when the body is not JSON or has no `keys` array. Individual bad keys are not errors.
pub fn parse_jwks(json: &[u8], max_keys: usize) -> Result<ParsedJwks, ParseError> {
    parse_jwks_reusing(json, max_keys, None)
}

/// Like [`parse_jwks`], but a JWK identical to a key of `previous` reuses that `Arc` (see
/// [retirement](JwksKey#retirement)).
pub(crate) fn parse_jwks_reusing(
    json: &[u8],
    max_keys: usize,
    previous: Option<&ParsedJwks>,
) -> Result<ParsedJwks, ParseError> {
    let doc: Value =
        serde_json::from_slice(json).map_err(|e| ParseError::InvalidJson(e.to_string()))?;
    let entries = match doc.get("keys") {
        Some(Value::Array(entries)) => entries,
        _ => return Err(ParseError::MissingKeys),
    };
    let mut out = ParsedJwks::default();
    for (index, entry) in entries.iter().enumerate() {
        let kid = entry.get("kid").and_then(Value::as_str).map(str::to_owned);
        if index >= max_keys {
            out.skipped.push(SkippedKey {
                kid,
                reason: SkipReason::TooManyKeys { max_keys },
            });
            continue;
        }
        match check_jwk(entry) {
            Ok(candidate) => {
                let reused = candidate
                    .kid
                    .as_deref()
                    .zip(previous)
                    .and_then(|(kid, prev)| {
                        prev.by_kid(kid)
                            .iter()
                            .find(|k| k.same_key_as(&candidate))
                            .cloned()
                    });
                let key = match reused {
                    Some(key) => key,
                    None => match build_key(candidate) {
                        Ok(key) => Arc::new(key),
                        Err(reason) => {
                            out.skipped.push(SkippedKey { kid, reason });
                            continue;
                        }
                    },
                };
                out.push(key);
            }
            Err(reason) => out.skipped.push(SkippedKey { kid, reason }),
        }
    }
    // The same JWK listed twice must not be the same Arc twice (it still counts as two candidates).
    let mut seen = HashSet::new();
    for key in &mut out.keys {
        if !seen.insert(key.id) {
            *key = Arc::new(rebuild(key));
        }
    }
    out.by_kid.clear();
    for key in &out.keys {
        if let Some(kid) = &key.kid {
            out.by_kid
                .entry(kid.clone())
                .or_default()
                .push(Arc::clone(key));
        }
    }
    Ok(out)
}

impl ParsedJwks {
    fn push(&mut self, key: Arc<JwksKey>) {
        self.keys.push(key);
    }
}

fn rebuild(key: &JwksKey) -> JwksKey {
    JwksKey {
        id: NEXT_KEY_ID.fetch_add(1, Ordering::Relaxed),
        kid: key.kid.clone(),
        kty: key.kty,
        crv: key.crv,
        alg: key.alg.clone(),
        key_use: key.key_use.clone(),
        key_ops: key.key_ops.clone(),
        rsa_bits: key.rsa_bits,
        material: key.material.clone(),
        verifying_key: Arc::clone(&key.verifying_key),
        retired: AtomicBool::new(false),
    }
}

/// A JWK that passed the structural checks, not yet turned into a key object.
struct Candidate {
    kid: Option<String>,
    alg: Option<String>,
    key_use: Option<String>,
    key_ops: Option<Vec<String>>,
    material: Material,
}

fn opt_str(obj: &Map<String, Value>, name: &'static str) -> Result<Option<String>, SkipReason> {
    match obj.get(name) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(SkipReason::Malformed(format!("{name:?} is not a string"))),
    }
}

fn b64(obj: &Map<String, Value>, name: &'static str) -> Result<Vec<u8>, SkipReason> {
    match obj.get(name) {
        None => Err(SkipReason::MissingMember(name)),
        Some(Value::String(s)) => B64URL
            .decode(s)
            .map_err(|_| SkipReason::InvalidBase64(name)),
        Some(_) => Err(SkipReason::Malformed(format!("{name:?} is not a string"))),
    }
}

fn strip_leading_zeros(bytes: &[u8]) -> &[u8] {
    let start = bytes.iter().position(|b| *b != 0).unwrap_or(bytes.len());
    bytes.get(start..).unwrap_or_default()
}

fn check_jwk(entry: &Value) -> Result<Candidate, SkipReason> {
    let obj = entry
        .as_object()
        .ok_or_else(|| SkipReason::Malformed("entry is not an object".into()))?;
    let kty = opt_str(obj, "kty")?.ok_or(SkipReason::MissingMember("kty"))?;
    if kty == "oct" {
        return Err(SkipReason::SymmetricKey);
    }
    if let Some(member) = PRIVATE_MEMBERS.iter().find(|m| obj.contains_key(**m)) {
        return Err(SkipReason::PrivateKeyMaterial(member));
    }
    let kid = opt_str(obj, "kid")?;
    let alg = opt_str(obj, "alg")?;
    let key_use = opt_str(obj, "use")?;
    let key_ops = match obj.get("key_ops") {
        None => None,
        Some(Value::Array(ops)) => Some(
            ops.iter()
                .map(|op| op.as_str().map(str::to_owned))
                .collect::<Option<Vec<_>>>()
                .ok_or_else(|| {
                    SkipReason::Malformed("\"key_ops\" has a non-string entry".into())
                })?,
        ),
        Some(_) => return Err(SkipReason::Malformed("\"key_ops\" is not an array".into())),
    };
    let material = match kty.as_str() {
        "RSA" => {
            let n = strip_leading_zeros(&b64(obj, "n")?).to_vec();
            let e = strip_leading_zeros(&b64(obj, "e")?).to_vec();
            Material::Rsa { n, e }
        }
        "EC" => {
            let crv = match opt_str(obj, "crv")?.as_deref() {
                Some("P-256") => Curve::P256,
                Some("P-384") => Curve::P384,
                other => {
                    return Err(SkipReason::UnsupportedCurve(
                        other.unwrap_or_default().to_owned(),
                    ));
                }
            };
            Material::Ec {
                crv,
                x: b64(obj, "x")?,
                y: b64(obj, "y")?,
            }
        }
        "OKP" => {
            let crv = match opt_str(obj, "crv")?.as_deref() {
                Some("Ed25519") => Curve::Ed25519,
                other => {
                    return Err(SkipReason::UnsupportedCurve(
                        other.unwrap_or_default().to_owned(),
                    ));
                }
            };
            Material::Okp {
                crv,
                x: b64(obj, "x")?,
            }
        }
        _ => return Err(SkipReason::UnsupportedKeyType(kty)),
    };
    Ok(Candidate {
        kid,
        alg,
        key_use,
        key_ops,
        material,
    })
}

fn rsa_bits(n: &[u8]) -> u32 {
    match n.first() {
        None => 0,
        Some(first) => {
            let len = u32::try_from(n.len()).unwrap_or(u32::MAX / 8);
            (len - 1)
                .saturating_mul(8)
                .saturating_add(8 - first.leading_zeros())
        }
    }
}

/// Validates the key material and builds the key object (the expensive, once-per-fetch part).
fn build_key(c: Candidate) -> Result<JwksKey, SkipReason> {
    let (kty, crv, bits, verifying_key) = match &c.material {
        Material::Rsa { n, e } => {
            let bits = rsa_bits(n);
            if bits < MIN_RSA_BITS {
                return Err(SkipReason::RsaKeyTooSmall { bits });
            }
            if bits > MAX_RSA_BITS {
                return Err(SkipReason::RsaKeyTooLarge { bits });
            }
            // e must be odd, > 1 and at most 33 bits (the verifier's limit).
            let odd = e.last().is_some_and(|b| b & 1 == 1);
            if !odd || e.as_slice() == [1] || rsa_bits(e) > 33 {
                return Err(SkipReason::RsaBadExponent);
            }
            let verifying = VerifyingKey::rsa(n, e).map_err(|_| SkipReason::RsaBadExponent)?;
            (KeyType::Rsa, None, Some(bits), verifying)
        }
        Material::Ec { crv, x, y } => {
            let len = crv.coordinate_len();
            if x.len() != len || y.len() != len {
                return Err(SkipReason::InvalidEcPoint);
            }
            let mut point = Vec::with_capacity(1 + 2 * len);
            point.push(0x04);
            point.extend_from_slice(x);
            point.extend_from_slice(y);
            let curve = if *crv == Curve::P384 {
                EcCurve::P384
            } else {
                EcCurve::P256
            };
            // Parsing validates the point (on the curve, not the identity).
            let verifying = VerifyingKey::ec_from_bytes(curve, &point)
                .map_err(|_| SkipReason::InvalidEcPoint)?;
            (KeyType::Ec, Some(*crv), None, verifying)
        }
        Material::Okp { crv, x } => {
            if x.len() != crv.coordinate_len() {
                return Err(SkipReason::InvalidOkpKey);
            }
            let verifying = VerifyingKey::ed25519(x).map_err(|_| SkipReason::InvalidOkpKey)?;
            (KeyType::Okp, Some(*crv), None, verifying)
        }
    };
    Ok(JwksKey {
        id: NEXT_KEY_ID.fetch_add(1, Ordering::Relaxed),
        kid: c.kid,
        kty,
        crv,
        alg: c.alg,
        key_use: c.key_use,
        key_ops: c.key_ops,
        rsa_bits: bits,
        material: c.material,
        verifying_key: Arc::new(verifying_key),
        retired: AtomicBool::new(false),
    })
}
