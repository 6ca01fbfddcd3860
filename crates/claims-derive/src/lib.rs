//! `#[derive(ClaimsDeserialize)]`: a one-pass `serde::Deserialize` for a claims struct of
//! [`claims_core`](https://docs.rs/wallet-auth-claims) (package `wallet-auth-claims`), re-exported
//! there as `claims_core::ClaimsDeserialize`.
//!
//! The struct is declared once, with the same `#[serde(...)]` attributes its `Serialize` derive
//! reads; the generated visitor reads each known member straight into its field, refuses a
//! repeated known member (`duplicate field`), and puts every other member into the field marked
//! `#[serde(flatten)]` (a `claims_core::Extra`), without serde's buffering of flattened structs.
//! The generated code names `claims_core`'s items by the absolute path `::claims_core::…`, so the
//! crate using the derive must depend on `wallet-auth-claims` without renaming it (its library
//! name is `claims_core`).

use proc_macro::TokenStream;
use proc_macro2::TokenStream as TokenStream2;
use quote::{format_ident, quote, quote_spanned};
use syn::ext::IdentExt as _;
use syn::spanned::Spanned as _;
use syn::{Data, DeriveInput, Fields, Ident, Type};

mod attributes;

use attributes::{container_attrs, field_attrs};

/// Derives `serde::Deserialize` for a claims struct with named fields, in one pass.
///
/// * Every named field is read from the JSON member of its serde name: `#[serde(rename =
///   "...")]` (or `rename(deserialize = "...")`) when present, else the field's name as the
///   container's `#[serde(rename_all = "...")]` spells it, else the field's name.
/// * Exactly one field carries `#[serde(flatten)]`; its type is `claims_core::Extra` and it
///   receives every member that no other field names (a repeated unknown member keeps its last
///   value).
/// * An absent member leaves its field at `Default::default()` (so every field type implements
///   `Default`), `null` reads as `None` for an `Option`, a repeated known member is an error
///   (`duplicate field`), and only a JSON object is accepted (`expected a JSON object (Type)`).
/// * `#[claims(null_as_default)]` on a field reads `null` as the field type's default (for
///   example an empty `Vec`).
/// * `#[claims(string_or_number)]` on an `Option<String>` or `Option<Box<str>>` field accepts a JSON string, or a JSON
///   number whose decimal text is kept (`6841` is `"6841"`); `null` is `None`; any other value
///   is an `invalid type` error naming the member.
///
/// serde attributes that would change how a field is read and that this derive does not follow
/// (`alias`, `with`, `deserialize_with`, `skip`, `skip_deserializing`, `default = "..."`,
/// `deny_unknown_fields`, …) are refused at compile time rather than ignored. Generic structs
/// are refused too.
#[proc_macro_derive(ClaimsDeserialize, attributes(claims, serde))]
pub fn derive_claims_deserialize(input: TokenStream) -> TokenStream {
    let input = syn::parse_macro_input!(input as DeriveInput);
    expand(&input)
        .unwrap_or_else(syn::Error::into_compile_error)
        .into()
}

/// How one field's value is read.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// As the field's type.
    Plain,
    /// As `Option<T>`, `None` (`null`) read as `T::default()`.
    NullAsDefault,
    /// A JSON string, or a JSON number as its decimal text, into `Option<String>`.
    StringOrNumber,
}

/// A field read from its own JSON member.
struct Member<'a> {
    /// The field.
    ident: &'a Ident,
    /// Its type.
    ty: &'a Type,
    /// The JSON member's name.
    name: String,
    /// How its value is read.
    mode: Mode,
}

/// The whole expansion, or the first problem found.
fn expand(input: &DeriveInput) -> syn::Result<TokenStream2> {
    let ty = &input.ident;
    if !input.generics.params.is_empty() || input.generics.where_clause.is_some() {
        return Err(syn::Error::new(
            input.generics.span(),
            "ClaimsDeserialize does not support generic parameters",
        ));
    }
    let fields = match &input.data {
        Data::Struct(data) => match &data.fields {
            Fields::Named(named) => &named.named,
            _ => {
                return Err(syn::Error::new(
                    ty.span(),
                    "ClaimsDeserialize needs a struct with named fields",
                ));
            }
        },
        _ => {
            return Err(syn::Error::new(
                ty.span(),
                "ClaimsDeserialize needs a struct with named fields",
            ));
        }
    };
    let rename_all = container_attrs(&input.attrs)?;

    let mut members: Vec<Member<'_>> = Vec::new();
    let mut extra: Option<&Ident> = None;
    for field in fields {
        let Some(ident) = field.ident.as_ref() else {
            return Err(syn::Error::new(field.span(), "a named field is required"));
        };
        let attrs = field_attrs(&field.attrs)?;
        if attrs.flatten {
            if let Some((_, span)) = attrs.mode {
                return Err(syn::Error::new(
                    span,
                    "#[claims(...)] does not apply to the #[serde(flatten)] field",
                ));
            }
            if extra.is_some() {
                return Err(syn::Error::new(
                    ident.span(),
                    "ClaimsDeserialize takes exactly one #[serde(flatten)] field (the Extra)",
                ));
            }
            extra = Some(ident);
            continue;
        }
        let name = match attrs.rename {
            Some(name) => name,
            None => {
                let plain = ident.unraw().to_string();
                match rename_all {
                    Some(rule) => rule.apply(&plain),
                    None => plain,
                }
            }
        };
        if members.iter().any(|m| m.name == name) {
            return Err(syn::Error::new(
                ident.span(),
                format!("two fields read the JSON member {name:?}"),
            ));
        }
        members.push(Member {
            ident,
            ty: &field.ty,
            name,
            mode: attrs.mode.map_or(Mode::Plain, |(mode, _)| mode),
        });
    }
    let Some(extra) = extra else {
        return Err(syn::Error::new(
            ty.span(),
            "ClaimsDeserialize needs one field `#[serde(flatten)] extra: claims_core::Extra` \
             for the members the struct does not model",
        ));
    };

    let expecting = format!("a JSON object ({ty})");
    let slots: Vec<Ident> = (0..members.len())
        .map(|i| format_ident!("__field{}", i))
        .collect();
    let declare = members.iter().zip(&slots).map(|(m, slot)| {
        let fty = m.ty;
        quote! { let mut #slot: ::core::option::Option<#fty> = ::core::option::Option::None; }
    });
    let arms = members.iter().zip(&slots).map(|(m, slot)| {
        let name = &m.name;
        let read = read_value(m);
        quote! {
            #name => {
                if ::core::option::Option::is_some(&#slot) {
                    return ::core::result::Result::Err(
                        <__A::Error as ::claims_core::__private::serde::de::Error>::duplicate_field(#name),
                    );
                }
                #slot = ::core::option::Option::Some(#read);
            }
        }
    });
    let build = members.iter().zip(&slots).map(|(m, slot)| {
        let ident = m.ident;
        if is_vec(m.ty) {
            // Read one element at a time, a `Vec` has grown to 4 or more: drop the spare
            // capacity, since verified claims may stay cached for their whole lifetime.
            quote! { #ident: {
                let mut __v = ::core::option::Option::unwrap_or_default(#slot);
                __v.shrink_to_fit();
                __v
            }, }
        } else {
            quote! { #ident: ::core::option::Option::unwrap_or_default(#slot), }
        }
    });

    Ok(quote! {
        #[automatically_derived]
        impl<'de> ::claims_core::__private::serde::Deserialize<'de> for #ty {
            fn deserialize<__D: ::claims_core::__private::serde::Deserializer<'de>>(
                __deserializer: __D,
            ) -> ::core::result::Result<Self, __D::Error> {
                struct __Visitor;
                impl<'de> ::claims_core::__private::serde::de::Visitor<'de> for __Visitor {
                    type Value = #ty;
                    fn expecting(
                        &self,
                        __f: &mut ::core::fmt::Formatter<'_>,
                    ) -> ::core::fmt::Result {
                        __f.write_str(#expecting)
                    }
                    fn visit_map<__A: ::claims_core::__private::serde::de::MapAccess<'de>>(
                        self,
                        mut __map: __A,
                    ) -> ::core::result::Result<#ty, __A::Error> {
                        #(#declare)*
                        let mut __extra: ::claims_core::Extra =
                            ::core::default::Default::default();
                        while let ::core::option::Option::Some(__key) =
                            ::claims_core::__private::serde::de::MapAccess::next_key::<
                                ::claims_core::__private::Key<'de>,
                            >(&mut __map)?
                        {
                            match __key.as_str() {
                                #(#arms)*
                                _ => {
                                    let __value: ::claims_core::__private::serde_json::Value =
                                        ::claims_core::__private::serde::de::MapAccess::next_value(
                                            &mut __map,
                                        )?;
                                    __extra.insert(__key.into_owned(), __value);
                                }
                            }
                        }
                        ::claims_core::__private::shrink(&mut __extra);
                        ::core::result::Result::Ok(#ty {
                            #(#build)*
                            #extra: __extra,
                        })
                    }
                }
                ::claims_core::__private::serde::Deserializer::deserialize_map(
                    __deserializer,
                    __Visitor,
                )
            }
        }
    })
}

/// True when `ty` is written `Vec<…>` (or a path ending in `Vec`).
fn is_vec(ty: &Type) -> bool {
    matches!(ty, Type::Path(p) if p.qself.is_none()
        && p.path.segments.last().is_some_and(|s| s.ident == "Vec"))
}

/// The expression reading one member's value from `__map` (spanned at the field's type, so a
/// type that does not fit the mode is reported there).
fn read_value(m: &Member<'_>) -> TokenStream2 {
    let fty = m.ty;
    let span = fty.span();
    match m.mode {
        Mode::Plain => quote_spanned! {span=>
            ::claims_core::__private::serde::de::MapAccess::next_value::<#fty>(&mut __map)?
        },
        Mode::NullAsDefault => quote_spanned! {span=>
            ::core::option::Option::unwrap_or_default(
                ::claims_core::__private::serde::de::MapAccess::next_value::<
                    ::core::option::Option<#fty>,
                >(&mut __map)?,
            )
        },
        Mode::StringOrNumber => {
            let name = &m.name;
            quote_spanned! {span=>
                ::claims_core::__private::serde::de::MapAccess::next_value_seed(
                    &mut __map,
                    ::claims_core::__private::StringOrNumber::<#fty>::new(#name),
                )?
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use super::expand;

    /// The error `expand` gives for `input`.
    fn error(input: syn::DeriveInput) -> String {
        match expand(&input) {
            Ok(tokens) => panic!("expanded: {tokens}"),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn names_follow_serde_and_modes_pick_the_reader() {
        let out = expand(&syn::parse_quote! {
            #[serde(rename_all = "camelCase")]
            struct C {
                user_id: Option<String>,
                #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
                wallet_type: Option<String>,
                #[serde(rename(serialize = "x", deserialize = "y"))]
                r#ref: Option<String>,
                #[claims(null_as_default)]
                wallets: Vec<String>,
                #[claims(string_or_number)]
                sub: Option<String>,
                #[serde(flatten)]
                rest: Extra,
            }
        })
        .unwrap()
        .to_string();
        for name in ["\"userId\"", "\"type\"", "\"y\"", "\"wallets\"", "\"sub\""] {
            assert!(out.contains(&format!("{name} =>")), "{name}: {out}");
        }
        assert!(out.contains("\"a JSON object (C)\""), "{out}");
        assert!(
            out.contains("StringOrNumber :: < Option < String > > :: new (\"sub\")"),
            "{out}"
        );
        assert!(out.contains("rest : __extra"), "{out}");
        assert!(out.contains("unwrap_or_default"), "{out}");
        assert!(out.contains("__v . shrink_to_fit ()"), "{out}");
    }

    #[test]
    fn what_the_derive_cannot_read_is_refused() {
        let cases: [(syn::DeriveInput, &str); 9] = [
            (
                syn::parse_quote! { struct C { a: Option<String> } },
                "#[serde(flatten)]",
            ),
            (
                syn::parse_quote! { struct C { #[serde(flatten)] a: Extra, #[serde(flatten)] b: Extra } },
                "exactly one",
            ),
            (syn::parse_quote! { struct C(Extra); }, "named fields"),
            (syn::parse_quote! { enum C { A } }, "named fields"),
            (
                syn::parse_quote! { struct C<T> { a: T, #[serde(flatten)] e: Extra } },
                "generic",
            ),
            (
                syn::parse_quote! { struct C { #[claims(nope)] a: u8, #[serde(flatten)] e: Extra } },
                "unknown claims attribute",
            ),
            (
                syn::parse_quote! { struct C { #[serde(alias = "b")] a: u8, #[serde(flatten)] e: Extra } },
                "does not support",
            ),
            (
                syn::parse_quote! {
                    struct C { a: u8, #[serde(rename = "a")] b: u8, #[serde(flatten)] e: Extra }
                },
                "two fields read the JSON member \"a\"",
            ),
            (
                syn::parse_quote! {
                    #[serde(rename_all = "Title Case")]
                    struct C { a: u8, #[serde(flatten)] e: Extra }
                },
                "unknown rename rule",
            ),
        ];
        for (input, expected) in cases {
            let err = error(input);
            assert!(err.contains(expected), "{expected:?} not in {err:?}");
        }
    }

    #[test]
    fn rename_rules_spell_as_serde() {
        use super::attributes::RenameAll;
        for (rule, out) in [
            (RenameAll::AsIs, "grouped_auth_id"),
            (RenameAll::Upper, "GROUPED_AUTH_ID"),
            (RenameAll::Pascal, "GroupedAuthId"),
            (RenameAll::Camel, "groupedAuthId"),
            (RenameAll::Kebab, "grouped-auth-id"),
            (RenameAll::ScreamingKebab, "GROUPED-AUTH-ID"),
        ] {
            assert_eq!(rule.apply("grouped_auth_id"), out);
        }
    }
}
