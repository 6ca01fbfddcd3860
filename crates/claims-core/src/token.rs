//! Step 1: take the compact token apart, once.
//!
//! [`UnverifiedToken::parse`] checks the size cap before touching the bytes, splits the three
//! segments, decodes the header and the payload from strict base64url (no padding, no `+`/`/`, no
//! whitespace, no non-zero trailing bits) and parses the header. The payload is decoded to bytes
//! once and kept: routing and the typed claims both read those bytes, so nothing is decoded twice.
//! Nothing here is trusted until [`crate::Policy::verify_parsed`] has checked the signature.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Deserialize;

use crate::error::{Malformed, Part, VerifyError};
use crate::header::Header;

/// The default cap on a token's size: 8 KiB.
pub const DEFAULT_MAX_TOKEN_BYTES: usize = 8 * 1024;

/// A compact JWS split into its parts, with the header parsed and the payload decoded, but with
/// nothing verified yet.
///
/// ```
/// use claims_core::UnverifiedToken;
/// // {"alg":"RS256","kid":"k1"} . {"iss":"https://auth.sophon.xyz"} . (signature)
/// let token = "eyJhbGciOiJSUzI1NiIsImtpZCI6ImsxIn0.eyJpc3MiOiJodHRwczovL2F1dGguc29waG9uLnh5eiJ9.c2ln";
/// let t = UnverifiedToken::parse(token, 8192).unwrap();
/// assert_eq!(t.header().kid(), Some("k1"));
/// assert_eq!(t.issuer().unwrap().as_deref(), Some("https://auth.sophon.xyz"));
/// ```
#[derive(Debug)]
pub struct UnverifiedToken<'a> {
    signing_input: &'a str,
    signature: &'a str,
    header: Header,
    payload: Vec<u8>,
}

impl<'a> UnverifiedToken<'a> {
    /// Take `token` apart. Refuses tokens over `max_bytes` before decoding anything.
    pub fn parse(token: &'a str, max_bytes: usize) -> Result<Self, VerifyError> {
        if token.len() > max_bytes {
            return Err(VerifyError::TokenTooLarge { max: max_bytes });
        }
        if token.is_empty() {
            return Err(Malformed::Empty.into());
        }
        let mut parts = token.splitn(4, '.');
        let (Some(header_b64), Some(payload_b64), Some(signature), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(Malformed::SegmentCount.into());
        };
        let signing_input = token
            .get(..header_b64.len() + 1 + payload_b64.len())
            .ok_or(Malformed::SegmentCount)?;

        let header_json = decode_segment(header_b64, Part::Header)?;
        let header = Header::from_json(&header_json)?;
        let payload = decode_segment(payload_b64, Part::Payload)?;
        if !is_strict_b64url(signature) {
            return Err(Malformed::Base64(Part::Signature).into());
        }
        Ok(UnverifiedToken {
            signing_input,
            signature,
            header,
            payload,
        })
    }

    /// The parsed JOSE header.
    pub fn header(&self) -> &Header {
        &self.header
    }

    /// The decoded payload bytes (JSON, not yet verified).
    pub fn payload(&self) -> &[u8] {
        &self.payload
    }

    /// `base64url(header) "." base64url(payload)`: the bytes the signature covers.
    pub fn signing_input(&self) -> &'a str {
        self.signing_input
    }

    /// The signature segment, still base64url-encoded.
    pub fn signature(&self) -> &'a str {
        self.signature
    }

    /// The unverified `iss` claim, for routing. Reads only `iss` from the payload; fails when the
    /// payload is not a JSON object or `iss` is not a string.
    pub fn issuer(&self) -> Result<Option<std::borrow::Cow<'_, str>>, VerifyError> {
        #[derive(Deserialize)]
        struct Routing<'p> {
            #[serde(borrow, default)]
            iss: Option<std::borrow::Cow<'p, str>>,
        }
        serde_json::from_slice::<Routing<'_>>(&self.payload)
            .map(|r| r.iss)
            .map_err(|_| Malformed::Json(Part::Payload).into())
    }
}

impl UnverifiedToken<'_> {
    /// True when the unverified payload has a member named `name` (any value, even `null`).
    /// Fails when the payload is not a JSON object.
    pub fn has_member(&self, name: &str) -> Result<bool, VerifyError> {
        let members: std::collections::HashMap<std::borrow::Cow<'_, str>, serde::de::IgnoredAny> =
            serde_json::from_slice(&self.payload).map_err(|_| Malformed::Json(Part::Payload))?;
        Ok(members.contains_key(name))
    }
}

fn decode_segment(segment: &str, part: Part) -> Result<Vec<u8>, VerifyError> {
    // The engine refuses padding, characters outside the URL-safe alphabet (including `+`, `/` and
    // whitespace) and non-zero trailing bits.
    URL_SAFE_NO_PAD
        .decode(segment)
        .map_err(|_| Malformed::Base64(part).into())
}

/// The signature is decoded by the crypto backend; check its alphabet and trailing bits here so
/// that a signature in a non-canonical encoding is refused as malformed, not as invalid.
fn is_strict_b64url(segment: &str) -> bool {
    // A base64 length of 1 mod 4 can never be valid; the decoder enforces trailing bits.
    let mut scratch = [0u8; 1024];
    match URL_SAFE_NO_PAD.decode_slice(segment, &mut scratch) {
        Ok(_) => true,
        Err(base64::DecodeSliceError::OutputSliceTooSmall) => {
            URL_SAFE_NO_PAD.decode(segment).is_ok()
        }
        Err(_) => false,
    }
}
