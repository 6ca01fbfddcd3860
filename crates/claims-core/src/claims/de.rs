//! Claims are deserialized in one pass: each known member goes straight into its field, every
//! other member into the type's [`Extra`](super::Extra).
//!
//! serde's `#[serde(flatten)]` would do the same job by first buffering *every* member of the
//! object (keys and values, strings copied) into an intermediate tree and then deserializing the
//! fields from that tree: about twice the work and twice the allocations on the path every cold
//! request takes. [`claims_deserialize!`] writes the visitor instead. It behaves as serde's derive
//! does for these types: absent members take their `Default`, `null` is `None` for an `Option`,
//! a repeated known member is an error (`duplicate field`), a repeated unknown member keeps its
//! last value, and only a JSON object is accepted (serde's derived visitor would also take an
//! array, by position).

use std::borrow::Cow;

use serde::de::{self, Deserialize, Deserializer, Visitor};

/// An object key, borrowed from the input when it has no escapes.
pub(crate) struct Key<'de>(Cow<'de, str>);

impl Key<'_> {
    pub(crate) fn as_str(&self) -> &str {
        &self.0
    }

    pub(crate) fn into_owned(self) -> String {
        self.0.into_owned()
    }
}

impl<'de> Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
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

/// Reads one member's value: as its type, or (`null_as_default`) with `null` read as the
/// type's default (an empty list).
macro_rules! claims_read_value {
    ($map:ident, $fty:ty) => {
        ::serde::de::MapAccess::next_value::<$fty>(&mut $map)?
    };
    ($map:ident, $fty:ty, null_as_default) => {
        ::serde::de::MapAccess::next_value::<Option<$fty>>(&mut $map)?.unwrap_or_default()
    };
}
pub(crate) use claims_read_value;

/// `impl Deserialize` for a claims struct whose every field but `extra` is listed with its JSON
/// name and type; `extra: Extra` receives the rest.
macro_rules! claims_deserialize {
    ($ty:ident { $($name:literal => $field:ident: $fty:ty $(; $how:ident)?,)* }) => {
        impl<'de> ::serde::Deserialize<'de> for $ty {
            fn deserialize<D: ::serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                struct V;
                impl<'de> ::serde::de::Visitor<'de> for V {
                    type Value = $ty;
                    fn expecting(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                        f.write_str(concat!("a JSON object (", stringify!($ty), ")"))
                    }
                    fn visit_map<A: ::serde::de::MapAccess<'de>>(
                        self,
                        mut map: A,
                    ) -> Result<$ty, A::Error> {
                        $(let mut $field: Option<$fty> = None;)*
                        let mut extra = $crate::claims::Extra::default();
                        while let Some(key) =
                            map.next_key::<$crate::claims::de::Key<'de>>()?
                        {
                            match key.as_str() {
                                $($name => {
                                    if $field.is_some() {
                                        return Err(<A::Error as ::serde::de::Error>::duplicate_field($name));
                                    }
                                    $field = Some($crate::claims::de::claims_read_value!(map, $fty $(, $how)?));
                                })*
                                _ => {
                                    let value: ::serde_json::Value = map.next_value()?;
                                    extra.insert(key.into_owned(), value);
                                }
                            }
                        }
                        extra.shrink();
                        Ok($ty {
                            $($field: $field.unwrap_or_default(),)*
                            extra,
                        })
                    }
                }
                d.deserialize_map(V)
            }
        }
    };
}
pub(crate) use claims_deserialize;

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
}
