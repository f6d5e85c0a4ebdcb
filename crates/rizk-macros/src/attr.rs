//! Parsing: the arguments and item of `#[workflow]`, `#[task]`, `#[agent]`, `#[tool]`
//! (`name`, `organization_id`, `project_id`, `version`, `description`, `id`, `tags(..)`,
//! `metadata(..)`, `input`, `skip(..)`, `skip_all`, `capture_input`, `capture_output`, `crate`)
//! and of `#[track_resource_usage]` (none).
//!
//! Everything here works on `proc_macro2` tokens, so that it can be unit-tested outside a
//! macro invocation.

use proc_macro2::{Span, TokenStream};
use syn::parse::{Parse, ParseStream};
use syn::punctuated::Punctuated;
use syn::{Ident, ItemFn, LitBool, LitStr, Path, Token};

use crate::expand::Kind;

/// Parses the arguments and the function of a `#[workflow]`-style attribute of `kind`.
pub(crate) fn parse_traced(
    kind: Kind,
    args: TokenStream,
    item: TokenStream,
) -> syn::Result<(Args, ItemFn)> {
    let args = syn::parse2::<Args>(args)?;
    let function = parse_function(item, &format!("#[{}]", kind.name()), "(fn or async fn)")?;
    Ok((args, function))
}

/// Parses `#[track_resource_usage]`: it takes no arguments and goes on a function.
pub(crate) fn parse_resource_usage(args: TokenStream, item: TokenStream) -> syn::Result<ItemFn> {
    if let Some(first) = args.into_iter().next() {
        return Err(syn::Error::new(
            first.span(),
            "#[track_resource_usage] takes no arguments",
        ));
    }
    parse_function(item, "#[track_resource_usage]", "")
}

fn parse_function(item: TokenStream, attribute: &str, hint: &str) -> syn::Result<ItemFn> {
    syn::parse2::<ItemFn>(item).map_err(|e| {
        let hint = if hint.is_empty() {
            String::new()
        } else {
            format!(" {hint}")
        };
        syn::Error::new(
            e.span(),
            format!("{attribute} goes on a function{hint}: {e}"),
        )
    })
}

/// The arguments of one `#[workflow(...)]`-style attribute.
#[derive(Default)]
pub(crate) struct Args {
    pub(crate) name: Option<LitStr>,
    pub(crate) organization_id: Option<LitStr>,
    pub(crate) project_id: Option<LitStr>,
    pub(crate) version: Option<LitStr>,
    /// `#[agent]` and `#[tool]` only.
    pub(crate) description: Option<LitStr>,
    /// `#[agent]` only: `gen_ai.agent.id`.
    pub(crate) id: Option<LitStr>,
    /// `tags("vip", "beta")`: `tag.tags`, inherited and added up.
    pub(crate) tags: Vec<LitStr>,
    /// `metadata(tier = "gold")`: `metadata` entries, inherited and merged.
    pub(crate) metadata: Vec<(Ident, LitStr)>,
    /// `input = "ticket"`: the parameter recorded alone as the span's input (the user-facing
    /// input a session view shows), instead of every parameter.
    pub(crate) input: Option<LitStr>,
    pub(crate) skip: Vec<Ident>,
    pub(crate) skip_all: bool,
    pub(crate) capture_input: Option<bool>,
    pub(crate) capture_output: Option<bool>,
    pub(crate) krate: Option<Path>,
}

const KNOWN: &str = "name, organization_id, project_id, version, description, id, tags(..), metadata(..), input, skip(..), skip_all, capture_input, capture_output, crate";

impl Parse for Args {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let mut args = Args::default();
        let mut seen: Vec<String> = Vec::new();
        while !input.is_empty() {
            let key: Ident = if input.peek(Token![crate]) {
                let token: Token![crate] = input.parse()?;
                Ident::new("crate", token.span)
            } else {
                input.parse().map_err(|e| {
                    syn::Error::new(e.span(), format!("expected an argument: one of {KNOWN}"))
                })?
            };
            let name = key.to_string();
            if seen.contains(&name) {
                return Err(syn::Error::new(
                    key.span(),
                    format!("`{name}` is given twice"),
                ));
            }
            seen.push(name.clone());
            match name.as_str() {
                "name" => args.name = Some(non_empty(string_value(input, &key)?)?),
                "organization_id" => {
                    args.organization_id = Some(non_empty(string_value(input, &key)?)?)
                }
                "project_id" => args.project_id = Some(non_empty(string_value(input, &key)?)?),
                "version" => args.version = Some(non_empty(string_value(input, &key)?)?),
                "description" => args.description = Some(non_empty(string_value(input, &key)?)?),
                "id" => args.id = Some(non_empty(string_value(input, &key)?)?),
                "capture_input" => args.capture_input = Some(bool_value(input, &key)?),
                "capture_output" => args.capture_output = Some(bool_value(input, &key)?),
                "input" => args.input = Some(non_empty(string_value(input, &key)?)?),
                "tags" => {
                    let content;
                    syn::parenthesized!(content in input);
                    let tags = Punctuated::<LitStr, Token![,]>::parse_terminated(&content)
                        .map_err(|e| {
                            syn::Error::new(
                                e.span(),
                                "`tags` takes string literals, such as tags(\"vip\", \"beta\")",
                            )
                        })?;
                    if tags.is_empty() {
                        return Err(syn::Error::new(
                            key.span(),
                            "`tags` needs at least one tag, such as tags(\"vip\")",
                        ));
                    }
                    args.tags = tags
                        .into_iter()
                        .map(non_empty)
                        .collect::<syn::Result<_>>()?;
                }
                "metadata" => {
                    let content;
                    syn::parenthesized!(content in input);
                    let mut entries = Vec::new();
                    while !content.is_empty() {
                        let name: Ident = content.parse().map_err(|e| {
                            syn::Error::new(
                                e.span(),
                                "`metadata` takes entries such as metadata(tier = \"gold\", region = \"eu\")",
                            )
                        })?;
                        entries.push((name.clone(), string_value(&content, &name)?));
                        if content.is_empty() {
                            break;
                        }
                        content.parse::<Token![,]>()?;
                    }
                    if entries.is_empty() {
                        return Err(syn::Error::new(
                            key.span(),
                            "`metadata` needs at least one entry, such as metadata(tier = \"gold\")",
                        ));
                    }
                    args.metadata = entries;
                }
                "skip_all" => args.skip_all = true,
                "skip" => {
                    let content;
                    syn::parenthesized!(content in input);
                    let idents = Punctuated::<Ident, Token![,]>::parse_terminated(&content)?;
                    if idents.is_empty() {
                        return Err(syn::Error::new(
                            key.span(),
                            "`skip` needs at least one parameter name, such as skip(client)",
                        ));
                    }
                    args.skip = idents.into_iter().collect();
                }
                "crate" => {
                    let lit = string_value(input, &key)?;
                    args.krate = Some(lit.parse().map_err(|_| {
                        syn::Error::new(lit.span(), "`crate` must be a path such as \"::rizk\"")
                    })?);
                }
                _ => {
                    return Err(syn::Error::new(
                        key.span(),
                        format!("unknown argument `{name}`; expected one of {KNOWN}"),
                    ));
                }
            }
            if input.is_empty() {
                break;
            }
            input.parse::<Token![,]>()?;
        }
        if args.skip_all && !args.skip.is_empty() {
            return Err(syn::Error::new(
                Span::call_site(),
                "use either `skip(..)` or `skip_all`, not both",
            ));
        }
        Ok(args)
    }
}

fn string_value(input: ParseStream<'_>, key: &Ident) -> syn::Result<LitStr> {
    if !input.peek(Token![=]) {
        return Err(syn::Error::new(
            key.span(),
            format!("`{key}` needs a value: {key} = \"...\""),
        ));
    }
    input.parse::<Token![=]>()?;
    input.parse::<LitStr>().map_err(|e| {
        syn::Error::new(
            e.span(),
            format!("`{key}` must be a string literal, such as {key} = \"support\""),
        )
    })
}

fn bool_value(input: ParseStream<'_>, key: &Ident) -> syn::Result<bool> {
    if !input.peek(Token![=]) {
        return Err(syn::Error::new(
            key.span(),
            format!("`{key}` needs a value: {key} = true or {key} = false"),
        ));
    }
    input.parse::<Token![=]>()?;
    let lit = input
        .parse::<LitBool>()
        .map_err(|e| syn::Error::new(e.span(), format!("`{key}` must be `true` or `false`")))?;
    Ok(lit.value)
}

fn non_empty(lit: LitStr) -> syn::Result<LitStr> {
    if lit.value().trim().is_empty() {
        Err(syn::Error::new(lit.span(), "this value must not be empty"))
    } else {
        Ok(lit)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use quote::quote;

    #[test]
    fn every_argument_is_read() {
        let (args, function) = parse_traced(
            Kind::Task,
            quote!(
                name = "n",
                organization_id = "o",
                project_id = "p",
                version = "1",
                description = "d",
                id = "i",
                tags("vip", "beta"),
                metadata(tier = "gold", region = "eu"),
                input = "a",
                skip(a),
                capture_input = false,
                capture_output = true,
                crate = "::x"
            ),
            quote!(
                fn f(a: u8) {}
            ),
        )
        .unwrap();
        assert_eq!(args.name.unwrap().value(), "n");
        assert_eq!(args.organization_id.unwrap().value(), "o");
        assert_eq!(args.project_id.unwrap().value(), "p");
        assert_eq!(args.version.unwrap().value(), "1");
        assert_eq!(args.description.unwrap().value(), "d");
        assert_eq!(args.id.unwrap().value(), "i");
        assert_eq!(args.skip.len(), 1);
        let tags: Vec<String> = args.tags.iter().map(LitStr::value).collect();
        assert_eq!(tags, ["vip", "beta"]);
        let metadata: Vec<(String, String)> = args
            .metadata
            .iter()
            .map(|(k, v)| (k.to_string(), v.value()))
            .collect();
        assert_eq!(
            metadata,
            [
                ("tier".to_owned(), "gold".to_owned()),
                ("region".to_owned(), "eu".to_owned())
            ]
        );
        assert_eq!(args.input.unwrap().value(), "a");
        assert_eq!(
            (args.capture_input, args.capture_output),
            (Some(false), Some(true))
        );
        assert!(args.krate.is_some());
        assert_eq!(function.sig.ident, "f");
    }

    #[test]
    fn resource_usage_takes_no_arguments_and_needs_a_function() {
        assert!(
            parse_resource_usage(
                quote!(),
                quote!(
                    fn f() {}
                )
            )
            .is_ok()
        );
        let error = parse_resource_usage(
            quote!(memory),
            quote!(
                fn f() {}
            ),
        )
        .unwrap_err();
        assert_eq!(
            error.to_string(),
            "#[track_resource_usage] takes no arguments"
        );
        let error = parse_resource_usage(
            quote!(),
            quote!(
                struct S;
            ),
        )
        .unwrap_err();
        assert!(
            error
                .to_string()
                .starts_with("#[track_resource_usage] goes on a function: ")
        );
    }
}
