//! Development tokens of the providers whose tokens are not plain JWS: thirdweb's (an EIP-191
//! signature of the payload by the development secp256k1 key, behind thirdweb's fixed header),
//! Magic's DID tokens (`base64([proof, claim])`, signed by the same key) and Turnkey's (the
//! development P-256 key over SHA-256 of the signing input).

use aws_lc_rs::rand::SystemRandom;
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use serde_json::{Value, json};

use super::{DevError, DevIssuer, DevSignature, wallet_signer};

impl DevIssuer {
    /// `claims` signed the way `signature` says (never [`DevSignature::Jws`], which
    /// [`DevIssuer::sign`] handles).
    pub(super) fn sign_non_jws(
        &self,
        signature: DevSignature,
        claims: &Value,
    ) -> Result<String, DevError> {
        match signature {
            DevSignature::Eip191Payload => {
                let payload = claims.to_string();
                let proof = wallet_signer::dev_eip191_signature(payload.as_bytes())?;
                Ok(format!(
                    "{}.{}.{}",
                    claims_core::providers::thirdweb::HEADER_SEGMENT,
                    URL_SAFE_NO_PAD.encode(payload),
                    URL_SAFE_NO_PAD.encode(proof)
                ))
            }
            DevSignature::Eip191DidToken => {
                let claim = claims.to_string();
                let proof = wallet_signer::dev_eip191_signature(claim.as_bytes())?;
                Ok(STANDARD.encode(json!([proof, claim]).to_string()))
            }
            DevSignature::Es256OverSha256 => {
                let input = format!(
                    "{}.{}",
                    URL_SAFE_NO_PAD.encode(r#"{"alg":"ES256","typ":"JWT"}"#),
                    URL_SAFE_NO_PAD.encode(claims.to_string())
                );
                let digest =
                    aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, input.as_bytes());
                let signature = self
                    .ec
                    .sign(&SystemRandom::new(), digest.as_ref())
                    .map_err(|_| DevError::Crypto("ES256 signing"))?;
                Ok(format!(
                    "{input}.{}",
                    URL_SAFE_NO_PAD.encode(signature.as_ref())
                ))
            }
            _ => Err(DevError::Crypto("a signature this issuer cannot make")),
        }
    }
}
