//! Claims are deserialized in one pass: each known member goes straight into its field, every
//! other member into the type's [`Extra`](super::Extra).
//!
//! serde's `#[serde(flatten)]` would do the same job by first buffering *every* member of the
//! object (keys and values, strings copied) into an intermediate tree and then deserializing the
//! fields from that tree: about twice the work and twice the allocations on the path every cold
//! request takes. [`ClaimsDeserialize`](crate::ClaimsDeserialize) writes the visitor instead. It
//! behaves as serde's derive does for these types: absent members take their `Default`, `null` is
//! `None` for an `Option`, a repeated known member is an error (`duplicate field`), a repeated
//! unknown member keeps its last value, and only a JSON object is accepted (serde's derived
//! visitor would also take an array, by position).
//!
//! `__private` holds what the derived code names (as `::claims_core::__private::…`); it is not
//! part of the documented API.

/// The items `#[derive(ClaimsDeserialize)]` expands to. Not part of the API: they change with
/// the derive.
#[doc(hidden)]
pub mod __private {
    use std::borrow::Cow;
    use std::fmt;
    use std::marker::PhantomData;

    use serde::de::{self, Deserialize, DeserializeSeed, Deserializer, Visitor};

    pub use serde;
    pub use serde_json;

    /// An object key, borrowed from the input when it has no escapes.
    pub struct Key<'de>(Cow<'de, str>);

    impl Key<'_> {
        /// The key.
        pub fn as_str(&self) -> &str {
            &self.0
        }

        /// The key, owned (copied only when it was borrowed).
        pub fn into_owned(self) -> String {
            self.0.into_owned()
        }
    }

    impl<'de> Deserialize<'de> for Key<'de> {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            struct V;
            impl<'de> Visitor<'de> for V {
                type Value = Key<'de>;
                fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                    f.write_str("an object key")
                }
                fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Key<'de>, E> {
                    Ok(Key(Cow::Borrowed(v)))
                }
                fn visit_str<E: de::Error>(self, v: &str) -> Result<Key<'de>, E> {
                    Ok(Key(Cow::Owned(v.to_owned())))
                }
                fn visit_string<E: de::Error>(self, v: String) -> Result<Key<'de>, E> {
                    Ok(Key(Cow::Owned(v)))
                }
            }
            d.deserialize_str(V)
        }
    }

    /// A field `#[claims(string_or_number)]` reads into: `Option<String>` or `Option<Box<str>>`.
    pub trait TextField: Sized {
        /// The field holding `text`.
        fn text(text: String) -> Self;
        /// The field holding nothing (`null`).
        fn none() -> Self;
    }

    impl TextField for Option<String> {
        fn text(text: String) -> Self {
            Some(text)
        }
        fn none() -> Self {
            None
        }
    }

    impl TextField for Option<Box<str>> {
        fn text(text: String) -> Self {
            Some(text.into_boxed_str())
        }
        fn none() -> Self {
            None
        }
    }

    /// Reads the value of member `name` (`#[claims(string_or_number)]`) into a [`TextField`]:
    /// a string as it is, a number as its decimal text (an integer without a fraction, a float
    /// as serde_json prints it), `null` as `None`. Anything else is an `invalid type` error
    /// naming the member.
    pub struct StringOrNumber<F> {
        name: &'static str,
        field: PhantomData<fn() -> F>,
    }

    impl<F> StringOrNumber<F> {
        /// The reader of member `name`.
        pub fn new(name: &'static str) -> Self {
            StringOrNumber {
                name,
                field: PhantomData,
            }
        }
    }

    impl<'de, F: TextField> DeserializeSeed<'de> for StringOrNumber<F> {
        type Value = F;
        fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<F, D::Error> {
            d.deserialize_any(self)
        }
    }

    impl<'de, F: TextField> Visitor<'de> for StringOrNumber<F> {
        type Value = F;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            write!(f, "a string or a 64-bit integer (`{}`)", self.name)
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<F, E> {
            Ok(F::text(v.to_owned()))
        }
        fn visit_string<E: de::Error>(self, v: String) -> Result<F, E> {
            Ok(F::text(v))
        }
        fn visit_u64<E: de::Error>(self, v: u64) -> Result<F, E> {
            Ok(F::text(v.to_string()))
        }
        fn visit_i64<E: de::Error>(self, v: i64) -> Result<F, E> {
            Ok(F::text(v.to_string()))
        }
        fn visit_u128<E: de::Error>(self, v: u128) -> Result<F, E> {
            Ok(F::text(v.to_string()))
        }
        fn visit_i128<E: de::Error>(self, v: i128) -> Result<F, E> {
            Ok(F::text(v.to_string()))
        }
        fn visit_f64<E: de::Error>(self, v: f64) -> Result<F, E> {
            // A fraction, or an integer too large for 64 bits (read as a float, so two ids could
            // collapse into one): never an id.
            Err(E::invalid_value(de::Unexpected::Float(v), &self))
        }
        fn visit_unit<E: de::Error>(self) -> Result<F, E> {
            Ok(F::none())
        }
        fn visit_none<E: de::Error>(self) -> Result<F, E> {
            Ok(F::none())
        }
        fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<F, D::Error> {
            self.deserialize(d)
        }
    }

    /// Drops the spare capacity of `extra` once the object has been read.
    pub fn shrink(extra: &mut crate::claims::Extra) {
        extra.shrink();
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use serde_json::{Value, json};

    use crate::claims::*;
    use crate::providers::*;

    /// Every member a type models, under its JSON name: each must land in its field (nothing in
    /// `extra`) and serialize back under the same name.
    fn all_known<C: serde::Serialize + serde::de::DeserializeOwned>(
        v: Value,
        extra: impl Fn(&C) -> &Extra,
    ) {
        let c: C = serde_json::from_value(v.clone()).unwrap();
        assert!(extra(&c).is_empty(), "not modelled: {:?}", extra(&c));
        assert_eq!(serde_json::to_value(&c).unwrap(), v);
    }

    #[test]
    fn every_modelled_member_is_read_into_its_field() {
        let para_wallet = json!({"id": "w", "type": "EVM", "address": "0x1", "publicKey": "04"});
        all_known::<ParaWallet>(para_wallet.clone(), |c| &c.extra);
        let para_data = json!({"userId": "u", "wallets": [para_wallet], "email": "e", "phone": "p",
            "telegramUserId": "t", "farcasterUsername": "f", "externalWallet": {"a": 1},
            "authType": "email", "identifier": "i", "oAuthMethod": "google"});
        all_known::<ParaData>(para_data.clone(), |c| &c.extra);
        all_known::<ParaClaims>(
            json!({"sub": "s", "iss": "i", "aud": "a", "iat": 1, "exp": 2, "nbf": 0, "data": para_data}),
            |c| &c.extra,
        );
        let w3a_wallet =
            json!({"public_key": "03", "address": "0x1", "type": "ethereum", "curve": "secp256k1"});
        all_known::<Web3AuthWallet>(w3a_wallet.clone(), |c| &c.extra);
        all_known::<Web3AuthClaims>(
            json!({"iss": "i", "aud": ["a", "b"], "sub": "s", "iat": 1, "exp": 2, "nbf": 0,
                "userId": "u", "verifierId": "v", "verifier": "w", "aggregateVerifier": "g",
                "authConnection": "c", "authConnectionId": "ci", "groupedAuthConnectionId": "gi",
                "nonce": "n", "email": "e", "name": "m", "profileImage": "p", "wallets": [w3a_wallet]}),
            |c| &c.extra,
        );
        let credential = json!({"id": "c", "format": "blockchain", "address": "0x1", "chain": "eip155",
            "wallet_name": "mm", "wallet_provider": "browserExtension", "public_identifier": "0x1",
            "email": "e", "oauth_provider": "google", "oauth_username": "u"});
        all_known::<DynamicCredential>(credential.clone(), |c| &c.extra);
        all_known::<DynamicClaims>(
            json!({"iss": "i", "aud": "a", "sub": "s", "sid": "d", "kid": "k", "environment_id": "e",
                "iat": 1, "exp": 2, "nbf": 0, "scope": "x y", "verified_credentials": [credential],
                "verified_account": credential, "last_verified_credential_id": "c", "lists": ["l"],
                "missing_fields": [{"f": 1}], "alias": "a", "email": "e", "given_name": "g",
                "family_name": "f", "first_visit": "v", "new_user": true, "metadata": {"m": 1},
                "verifiedCredentialsHashes": {"h": 1}}),
            |c| &c.extra,
        );
        all_known::<ParraGrants>(json!({"identity": "u"}), |c| &c.extra);
        all_known::<ParraClaims>(
            json!({"iss": "i", "sub": "s", "aud": "a", "iat": 1, "exp": 2, "nbf": 0, "jti": "j",
                "grants": {"identity": "u"}}),
            |c| &c.extra,
        );
        all_known::<SophonClaims>(
            json!({"iss": "i", "aud": "a", "sub": "s", "userId": "u", "iat": 1, "exp": 2, "nbf": 0,
                "scope": "x", "sid": "d", "typ": "access", "jti": "j", "c": {"k": 1}}),
            |c| &c.extra,
        );
    }

    #[test]
    fn repeated_known_member_is_refused_and_unknown_keeps_its_last_value() {
        let dup = r#"{"sub": "a", "sub": "b", "exp": 1}"#;
        let err = serde_json::from_str::<SophonClaims>(dup).unwrap_err();
        assert!(err.to_string().contains("duplicate field `sub`"), "{err}");
        let c: SophonClaims = serde_json::from_str(r#"{"x": 1, "x": 2, "exp": 1}"#).unwrap();
        assert_eq!(c.extra.get("x"), Some(&json!(2)));
        assert_eq!(c.extra.len(), 1);
    }

    #[test]
    fn only_an_object_is_claims() {
        for (bad, found) in [
            (r#"["i", null, "s"]"#, "sequence"),
            ("null", "null"),
            ("1", "integer `1`"),
            (r#""x""#, "string \"x\""),
        ] {
            let err = serde_json::from_str::<SophonClaims>(bad).unwrap_err();
            assert!(err.is_data(), "{bad}: {err}");
            assert!(
                err.to_string().starts_with(&format!(
                    "invalid type: {found}, expected a JSON object (SophonClaims)"
                )),
                "{bad}: {err}"
            );
        }
        let c: ParaClaims =
            serde_json::from_str(r#"{"exp": 1, "data": {"wallets": null, "email": null}}"#)
                .unwrap();
        assert!(c.data.wallets.is_empty() && c.data.email.is_none());
        let escaped: SophonClaims = serde_json::from_str(r#"{"s\u0075b": "x", "exp": 1}"#).unwrap();
        assert_eq!(escaped.sub.as_deref(), Some("x"));
    }

    #[test]
    fn string_or_number_reads_a_number_as_its_decimal_text() {
        let c: OidcClaims = serde_json::from_str(r#"{"sub": 6841, "exp": 1}"#).unwrap();
        assert_eq!(c.sub.as_deref(), Some("6841"));
        assert!(c.extra.is_empty());
        let c: OidcClaims = serde_json::from_str(r#"{"sub": "6841", "exp": 1}"#).unwrap();
        assert_eq!(c.sub.as_deref(), Some("6841"));
        let c: OidcClaims = serde_json::from_str(r#"{"sub": "did:privy:x", "exp": 1}"#).unwrap();
        assert_eq!(c.sub.as_deref(), Some("did:privy:x"));
        let c: OidcClaims = serde_json::from_str(r#"{"sub": -7, "exp": 1}"#).unwrap();
        assert_eq!(c.sub.as_deref(), Some("-7"));
        let c: OidcClaims =
            serde_json::from_str(r#"{"sub": 18446744073709551615, "exp": 1}"#).unwrap();
        assert_eq!(c.sub.as_deref(), Some("18446744073709551615"));
        let c: OidcClaims = serde_json::from_str(r#"{"sub": null, "exp": 1}"#).unwrap();
        assert_eq!(c.sub, None);
        let c: OidcClaims = serde_json::from_str(r#"{"exp": 1}"#).unwrap();
        assert_eq!(c.sub, None);

        let dup = serde_json::from_str::<OidcClaims>(r#"{"sub": 1, "sub": "1"}"#).unwrap_err();
        assert!(dup.to_string().contains("duplicate field `sub`"), "{dup}");
        for bad in [
            "true",
            r#"["1"]"#,
            r#"{"id": 1}"#,
            "1.5",
            "6841.0",
            "18446744073709551616",
        ] {
            let payload = format!(r#"{{"sub": {bad}, "exp": 1}}"#);
            let err = serde_json::from_str::<OidcClaims>(&payload).unwrap_err();
            assert!(err.is_data(), "{bad}: {err}");
            assert!(
                err.to_string()
                    .contains("expected a string or a 64-bit integer (`sub`)"),
                "{bad}: {err}"
            );
            assert_eq!(
                crate::token_checks::parse_claims::<OidcClaims>(payload.as_bytes()).unwrap_err(),
                crate::VerifyError::InvalidClaim {
                    path: "sub".to_owned()
                },
                "{bad}"
            );
        }
    }

    /// A claims type of one's own: the derive follows `rename_all`, `rename` (both forms), raw
    /// identifiers and the `claims` modes, and leaves every other member in `extra`.
    #[derive(Debug, Clone, PartialEq, serde::Serialize, crate::ClaimsDeserialize)]
    #[serde(rename_all = "camelCase")]
    struct Custom {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        user_id: Option<String>,
        #[serde(default, rename = "kind", skip_serializing_if = "Option::is_none")]
        r#type: Option<String>,
        #[serde(default, rename(serialize = "ids", deserialize = "ids"))]
        #[claims(null_as_default)]
        account_ids: Vec<u64>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        r#ref: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[claims(string_or_number)]
        tenant_number: Option<Box<str>>,
        #[serde(flatten)]
        rest: Extra,
    }

    #[test]
    fn derive_reads_serde_names_and_modes() {
        let c: Custom = serde_json::from_str(
            r#"{"userId": "u", "kind": "k", "ids": null, "ref": "r", "tenantNumber": 12,
                "user_id": "other", "type": "other"}"#,
        )
        .unwrap();
        assert_eq!(c.user_id.as_deref(), Some("u"));
        assert_eq!(c.r#type.as_deref(), Some("k"));
        assert!(c.account_ids.is_empty());
        assert_eq!(c.r#ref.as_deref(), Some("r"));
        assert_eq!(c.tenant_number.as_deref(), Some("12"));
        assert_eq!(
            c.rest.iter().map(|(k, _)| k).collect::<Vec<_>>(),
            ["user_id", "type"]
        );
        let v = json!({"userId": "u", "kind": "k", "ids": [1, 2], "ref": "r",
            "tenantNumber": "12", "x": {"y": 1}});
        all_known_but::<Custom>(v, |c| &c.rest, 1);
        let err = serde_json::from_str::<Custom>("[]").unwrap_err();
        assert!(
            err.to_string()
                .starts_with("invalid type: sequence, expected a JSON object (Custom)"),
            "{err}"
        );
    }

    /// Like [`all_known`], with `unknown` members left in `extra`.
    fn all_known_but<C: serde::Serialize + serde::de::DeserializeOwned>(
        v: Value,
        extra: impl Fn(&C) -> &Extra,
        unknown: usize,
    ) {
        let c: C = serde_json::from_value(v.clone()).unwrap();
        assert_eq!(extra(&c).len(), unknown, "{:?}", extra(&c));
        assert_eq!(serde_json::to_value(&c).unwrap(), v);
    }
}
