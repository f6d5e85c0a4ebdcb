//! `tool.parameters`: a JSON Schema of a `#[tool]` function's parameters, read from its
//! signature at compile time (names and the types as written), so that a backend can show the
//! tool's inputs the way it shows those of a tool given to a model.
//!
//! A macro sees syntax, not types: `String`, `&str`, integers, floats, `bool`, sequences,
//! maps with string keys and `Option` are recognised by name; anything else (a struct of the
//! application, a type alias) is described as any JSON value (`{}`) rather than guessed.

use serde_json::{Map, Value, json};
use syn::{FnArg, GenericArgument, Pat, PathArguments, Signature, Type};

/// The schema of `sig`'s typed parameters (receivers and those in `skip(..)`, such as a client
/// handle, left out), as compact JSON: an object with one property per parameter, every
/// parameter that is not an `Option` required.
pub(crate) fn parameters(sig: &Signature, skip: &[syn::Ident]) -> String {
    let mut properties = Map::new();
    let mut required = Vec::new();
    for input in &sig.inputs {
        let FnArg::Typed(typed) = input else { continue };
        let Pat::Ident(ident) = typed.pat.as_ref() else {
            continue;
        };
        if skip.contains(&ident.ident) {
            continue;
        }
        let name = ident.ident.to_string();
        let name = name.strip_prefix("r#").unwrap_or(&name).to_owned();
        let (schema, optional) = match option_inner(&typed.ty) {
            Some(inner) => (of(inner), true),
            None => (of(&typed.ty), false),
        };
        if !optional {
            required.push(Value::String(name.clone()));
        }
        properties.insert(name, schema);
    }
    let mut schema = json!({ "type": "object", "properties": properties });
    if !required.is_empty() {
        schema["required"] = Value::Array(required);
    }
    sorted(schema).to_string()
}

/// `value` with every object's keys in sorted order, inserted in that order: the text is then
/// the same whether or not a crate in the build turns on serde_json's `preserve_order` (which
/// keeps insertion order), so snapshots of the spans stay stable.
fn sorted(value: Value) -> Value {
    match value {
        Value::Object(map) => {
            let mut entries: Vec<(String, Value)> = map.into_iter().collect();
            entries.sort_by(|a, b| a.0.cmp(&b.0));
            Value::Object(entries.into_iter().map(|(k, v)| (k, sorted(v))).collect())
        }
        Value::Array(items) => Value::Array(items.into_iter().map(sorted).collect()),
        other => other,
    }
}

/// The schema of one type.
fn of(ty: &Type) -> Value {
    match ty {
        Type::Reference(r) => of(&r.elem),
        Type::Paren(p) => of(&p.elem),
        Type::Group(g) => of(&g.elem),
        Type::Slice(s) => json!({ "type": "array", "items": of(&s.elem) }),
        Type::Array(a) => json!({ "type": "array", "items": of(&a.elem) }),
        Type::Path(path) if path.qself.is_none() => {
            let Some(last) = path.path.segments.last() else {
                return json!({});
            };
            let args = generic_types(&last.arguments);
            match (last.ident.to_string().as_str(), args.as_slice()) {
                ("String" | "str" | "char" | "Cow" | "PathBuf" | "Path", _) => {
                    json!({ "type": "string" })
                }
                (
                    "i8" | "i16" | "i32" | "i64" | "i128" | "isize" | "u8" | "u16" | "u32" | "u64"
                    | "u128" | "usize",
                    _,
                ) => json!({ "type": "integer" }),
                ("f32" | "f64", _) => json!({ "type": "number" }),
                ("bool", _) => json!({ "type": "boolean" }),
                ("Vec" | "VecDeque" | "HashSet" | "BTreeSet", [item]) => {
                    json!({ "type": "array", "items": of(item) })
                }
                ("HashMap" | "BTreeMap", [_, value]) => {
                    json!({ "type": "object", "additionalProperties": of(value) })
                }
                ("Box" | "Arc" | "Rc" | "Option", [inner]) => of(inner),
                _ => json!({}),
            }
        }
        _ => json!({}),
    }
}

/// `T` when `ty` is `Option<T>`.
fn option_inner(ty: &Type) -> Option<&Type> {
    let Type::Path(path) = ty else { return None };
    let last = path.path.segments.last()?;
    if last.ident != "Option" {
        return None;
    }
    match generic_types(&last.arguments).as_slice() {
        [inner] => Some(inner),
        _ => None,
    }
}

/// The type arguments of `<...>` (lifetimes and constants left out).
fn generic_types(arguments: &PathArguments) -> Vec<&Type> {
    match arguments {
        PathArguments::AngleBracketed(args) => args
            .args
            .iter()
            .filter_map(|a| match a {
                GenericArgument::Type(t) => Some(t),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn schema(sig: Signature) -> Value {
        serde_json::from_str(&parameters(&sig, &[])).unwrap()
    }

    #[test]
    fn primitive_parameters_are_typed_and_required() {
        let s = schema(syn::parse_quote!(fn search(query: &str, limit: u32, exact: bool, t: f64)));
        assert_eq!(
            s,
            json!({
                "type": "object",
                "properties": {
                    "query": { "type": "string" },
                    "limit": { "type": "integer" },
                    "exact": { "type": "boolean" },
                    "t": { "type": "number" },
                },
                "required": ["query", "limit", "exact", "t"],
            })
        );
    }

    #[test]
    fn options_are_not_required_and_containers_have_items() {
        let s = schema(syn::parse_quote!(
            fn f(
                tags: Vec<String>,
                ids: &[u64],
                by_name: std::collections::HashMap<String, f32>,
                page: Option<usize>,
                r#type: Box<str>,
            )
        ));
        assert_eq!(
            s["properties"]["tags"],
            json!({"type": "array", "items": {"type": "string"}})
        );
        assert_eq!(
            s["properties"]["ids"],
            json!({"type": "array", "items": {"type": "integer"}})
        );
        assert_eq!(
            s["properties"]["by_name"],
            json!({"type": "object", "additionalProperties": {"type": "number"}})
        );
        assert_eq!(s["properties"]["page"], json!({"type": "integer"}));
        assert_eq!(s["properties"]["type"], json!({"type": "string"}));
        assert_eq!(s["required"], json!(["tags", "ids", "by_name", "type"]));
    }

    #[test]
    fn skipped_parameters_are_left_out() {
        let sig: Signature = syn::parse_quote!(fn f(client: &Client, query: &str));
        let s: Value =
            serde_json::from_str(&parameters(&sig, &[syn::parse_quote!(client)])).unwrap();
        assert_eq!(s["properties"], json!({ "query": { "type": "string" } }));
        assert_eq!(s["required"], json!(["query"]));
    }

    #[test]
    fn keys_are_sorted_in_the_text() {
        let text = parameters(
            &syn::parse_quote!(fn f(zeta: Vec<u8>, alpha: Option<bool>)),
            &[],
        );
        assert_eq!(
            text,
            r#"{"properties":{"alpha":{"type":"boolean"},"zeta":{"items":{"type":"integer"},"type":"array"}},"required":["zeta"],"type":"object"}"#
        );
    }

    #[test]
    fn unknown_types_are_any_value_and_receivers_are_left_out() {
        let s = schema(syn::parse_quote!(fn f(&self, order: Order, (a, b): (u8, u8))));
        assert_eq!(s["properties"], json!({ "order": {} }));
        let none = schema(syn::parse_quote!(fn f()));
        assert_eq!(none, json!({"type": "object", "properties": {}}));
    }
}
