//! Reading the `#[serde(...)]` and `#[claims(...)]` attributes the derive follows, and refusing
//! the ones it does not.

use proc_macro2::{Span, TokenTree};
use syn::meta::ParseNestedMeta;
use syn::spanned::Spanned as _;
use syn::{Attribute, LitStr};

use crate::Mode;

/// What the attributes of one field say.
pub(crate) struct FieldAttrs {
    /// `#[serde(flatten)]`.
    pub(crate) flatten: bool,
    /// `#[serde(rename = "...")]` or `#[serde(rename(deserialize = "..."))]`.
    pub(crate) rename: Option<String>,
    /// `#[claims(...)]`, with the span of the attribute that set it.
    pub(crate) mode: Option<(Mode, Span)>,
}

/// The container's rename rule (`#[serde(rename_all = "...")]`).
#[derive(Clone, Copy)]
pub(crate) enum RenameAll {
    /// `lowercase` and `snake_case`: the field name as written.
    AsIs,
    /// `UPPERCASE` and `SCREAMING_SNAKE_CASE`.
    Upper,
    /// `PascalCase`.
    Pascal,
    /// `camelCase`.
    Camel,
    /// `kebab-case`.
    Kebab,
    /// `SCREAMING-KEBAB-CASE`.
    ScreamingKebab,
}

impl RenameAll {
    /// The rule named `name` (serde's spelling).
    fn parse(lit: &LitStr) -> syn::Result<Self> {
        Ok(match lit.value().as_str() {
            "lowercase" | "snake_case" => RenameAll::AsIs,
            "UPPERCASE" | "SCREAMING_SNAKE_CASE" => RenameAll::Upper,
            "PascalCase" => RenameAll::Pascal,
            "camelCase" => RenameAll::Camel,
            "kebab-case" => RenameAll::Kebab,
            "SCREAMING-KEBAB-CASE" => RenameAll::ScreamingKebab,
            other => {
                return Err(syn::Error::new(
                    lit.span(),
                    format!("unknown rename rule `rename_all = {other:?}`"),
                ));
            }
        })
    }

    /// The JSON name of the field `field` (a snake_case Rust name), as serde spells it.
    pub(crate) fn apply(self, field: &str) -> String {
        match self {
            RenameAll::AsIs => field.to_owned(),
            RenameAll::Upper => field.to_ascii_uppercase(),
            RenameAll::Pascal => pascal(field),
            RenameAll::Camel => {
                let pascal = pascal(field);
                let mut chars = pascal.chars();
                chars
                    .next()
                    .map(|first| first.to_ascii_lowercase().to_string() + chars.as_str())
                    .unwrap_or_default()
            }
            RenameAll::Kebab => field.replace('_', "-"),
            RenameAll::ScreamingKebab => field.to_ascii_uppercase().replace('_', "-"),
        }
    }
}

/// `snake_case` to `PascalCase`, as serde does it.
fn pascal(field: &str) -> String {
    let mut out = String::with_capacity(field.len());
    let mut capitalize = true;
    for ch in field.chars() {
        if ch == '_' {
            capitalize = true;
        } else if capitalize {
            out.push(ch.to_ascii_uppercase());
            capitalize = false;
        } else {
            out.push(ch);
        }
    }
    out
}

/// The container's `#[serde(rename_all = "...")]`; refuses container attributes that would
/// change how the struct is read.
pub(crate) fn container_attrs(attrs: &[Attribute]) -> syn::Result<Option<RenameAll>> {
    let mut rename_all = None;
    for attr in attrs {
        if attr.path().is_ident("claims") {
            return Err(syn::Error::new(
                attr.span(),
                "#[claims(...)] goes on fields (null_as_default, string_or_number)",
            ));
        }
        if !attr.path().is_ident("serde") {
            continue;
        }
        attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("rename_all") {
                if let Some(lit) = deserialize_name(&meta)? {
                    rename_all = Some(RenameAll::parse(&lit)?);
                }
                Ok(())
            } else if [
                "deny_unknown_fields",
                "default",
                "from",
                "try_from",
                "transparent",
                "remote",
            ]
            .iter()
            .any(|name| meta.path.is_ident(name))
            {
                Err(meta.error("ClaimsDeserialize does not support this serde attribute"))
            } else {
                skip_value(&meta)
            }
        })?;
    }
    Ok(rename_all)
}

/// What one field's `#[serde(...)]` and `#[claims(...)]` attributes say.
pub(crate) fn field_attrs(attrs: &[Attribute]) -> syn::Result<FieldAttrs> {
    let mut out = FieldAttrs {
        flatten: false,
        rename: None,
        mode: None,
    };
    for attr in attrs {
        if attr.path().is_ident("claims") {
            attr.parse_nested_meta(|meta| {
                let mode = if meta.path.is_ident("null_as_default") {
                    Mode::NullAsDefault
                } else if meta.path.is_ident("string_or_number") {
                    Mode::StringOrNumber
                } else {
                    return Err(meta.error(
                        "unknown claims attribute (expected null_as_default or string_or_number)",
                    ));
                };
                if out.mode.is_some() {
                    return Err(meta.error("a field takes one #[claims(...)] mode"));
                }
                out.mode = Some((mode, meta.path.span()));
                Ok(())
            })?;
        } else if attr.path().is_ident("serde") {
            attr.parse_nested_meta(|meta| {
                if meta.path.is_ident("flatten") {
                    out.flatten = true;
                    Ok(())
                } else if meta.path.is_ident("rename") {
                    if let Some(lit) = deserialize_name(&meta)? {
                        out.rename = Some(lit.value());
                    }
                    Ok(())
                } else if meta.path.is_ident("default") {
                    if meta.input.peek(syn::Token![=]) {
                        Err(meta.error(
                            "ClaimsDeserialize does not support `default = \"...\"`: an absent \
                             member is the type's Default",
                        ))
                    } else {
                        Ok(())
                    }
                } else if [
                    "alias",
                    "with",
                    "deserialize_with",
                    "skip",
                    "skip_deserializing",
                ]
                .iter()
                .any(|name| meta.path.is_ident(name))
                {
                    Err(meta.error("ClaimsDeserialize does not support this serde attribute"))
                } else {
                    skip_value(&meta)
                }
            })?;
        }
    }
    Ok(out)
}

/// The name `rename = "x"` / `rename_all = "x"` gives, or the `deserialize = "x"` of
/// `rename(serialize = "...", deserialize = "x")`; `None` when only `serialize` is given.
fn deserialize_name(meta: &ParseNestedMeta<'_>) -> syn::Result<Option<LitStr>> {
    if meta.input.peek(syn::Token![=]) {
        return Ok(Some(meta.value()?.parse()?));
    }
    let mut name = None;
    meta.parse_nested_meta(|inner| {
        if inner.path.is_ident("deserialize") {
            name = Some(inner.value()?.parse()?);
            Ok(())
        } else if inner.path.is_ident("serialize") {
            inner.value()?.parse::<LitStr>().map(drop)
        } else {
            Err(inner.error("expected `serialize` or `deserialize`"))
        }
    })?;
    Ok(name)
}

/// Consumes the value of a serde attribute this derive has no use for (`= "..."` or `(...)`).
fn skip_value(meta: &ParseNestedMeta<'_>) -> syn::Result<()> {
    if meta.input.peek(syn::Token![=]) {
        meta.value()?.parse::<syn::Lit>().map(drop)
    } else if meta.input.peek(syn::token::Paren) {
        meta.input.parse::<TokenTree>().map(drop)
    } else {
        Ok(())
    }
}
