//! Code generation: a thin shell around calls into `rizk::__private` (rizk-core).

use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{FnArg, Ident, ItemFn, Pat, Path, ReturnType, Type};

use crate::attr::Args;

/// The entity kinds the macros create, by their `EntityKind` variant name.
#[derive(Clone, Copy)]
pub(crate) enum Kind {
    Workflow,
    Task,
    Agent,
    Tool,
}

impl Kind {
    /// The attribute's name, for error messages.
    pub(crate) fn name(self) -> &'static str {
        self.prefix()
    }

    fn prefix(self) -> &'static str {
        match self {
            Kind::Workflow => "workflow",
            Kind::Task => "task",
            Kind::Agent => "agent",
            Kind::Tool => "tool",
        }
    }

    fn variant(self) -> Ident {
        let name = match self {
            Kind::Workflow => "Workflow",
            Kind::Task => "Task",
            Kind::Agent => "Agent",
            Kind::Tool => "Tool",
        };
        format_ident!("{name}")
    }
}

pub(crate) fn expand(kind: Kind, args: Args, mut item: ItemFn) -> syn::Result<TokenStream> {
    if let Some(constness) = &item.sig.constness {
        return Err(syn::Error::new(
            constness.span(),
            format!("#[{}] cannot trace a const fn", kind.prefix()),
        ));
    }
    let params = parameters(&item)?;
    for skipped in &args.skip {
        if !params.iter().any(|p| p == skipped) {
            return Err(syn::Error::new(
                skipped.span(),
                format!("`{skipped}` is not a parameter of `{}`", item.sig.ident),
            ));
        }
    }
    let krate: Path = args
        .krate
        .clone()
        .unwrap_or_else(|| syn::parse_quote!(::rizk));
    let private = quote!(#krate::__private);

    let name = args
        .name
        .as_ref()
        .map(|l| l.value())
        .unwrap_or_else(|| item.sig.ident.to_string());
    let span_name = format!("{}.{}", kind.prefix(), name);
    let opt = |v: &Option<syn::LitStr>| match v {
        Some(lit) => quote!(::core::option::Option::Some(#lit)),
        None => quote!(::core::option::Option::None),
    };
    let (organization_id, project_id, version) = (
        opt(&args.organization_id),
        opt(&args.project_id),
        opt(&args.version),
    );
    let variant = kind.variant();
    let capture_input = args.capture_input.unwrap_or(true) && !args.skip_all;
    let capture_output = args.capture_output.unwrap_or(true);

    let recorded: Vec<&Ident> = params.iter().filter(|p| !args.skip.contains(p)).collect();
    let record_input = if capture_input && !recorded.is_empty() {
        let names = recorded.iter().map(|p| p.to_string());
        quote! {
            if __rizk_span.wants_input() {
                #[allow(unused_imports)]
                use #private::probe::{ViaDebug as _, ViaNothing as _, ViaSerialize as _};
                __rizk_span.record_input(::std::vec![
                    #( (#names, (&&&#private::probe::Probe(&#recorded)).rizk_capture()) ),*
                ]);
            }
        }
    } else {
        quote!()
    };

    let describe = describe(&item.sig.output, capture_output, &private);
    let block = &item.block;
    let body = if item.sig.asyncness.is_some() {
        quote! { __rizk_span.run_async(async move #block, #describe).await }
    } else {
        // The closure's return type is spelled out when we can, so `?` in the body converts
        // errors exactly as it did in the function.
        let ret = match &item.sig.output {
            ReturnType::Type(_, ty) if !contains_impl_trait(ty) => quote!(-> #ty),
            ReturnType::Default => quote!(-> ()),
            ReturnType::Type(..) => quote!(),
        };
        quote! {
            #[allow(clippy::redundant_closure_call)]
            __rizk_span.run(move || #ret #block, #describe)
        }
    };

    let new_block = quote_spanned! {block.span()=>
        {
            static __RIZK_META: #private::SpanMeta = #private::SpanMeta {
                kind: #private::EntityKind::#variant,
                name: #name,
                span_name: #span_name,
                organization_id: #organization_id,
                project_id: #project_id,
                version: #version,
                capture_input: #capture_input,
                capture_output: #capture_output,
            };
            let __rizk_span = #private::EntitySpan::start(&__RIZK_META);
            #record_input
            #body
        }
    };
    item.block = syn::parse2(new_block)?;
    Ok(quote!(#item))
}

/// The closure that records the outcome: `Err` as an error, anything else as the output.
fn describe(output: &ReturnType, capture_output: bool, private: &TokenStream) -> TokenStream {
    let ty = match output {
        ReturnType::Default => return quote!(|_, _| {}),
        ReturnType::Type(_, ty) => ty,
    };
    if is_unit(ty) {
        return quote!(|_, _| {});
    }
    let imports = quote! {
        #[allow(unused_imports)]
        use #private::probe::{
            ErrorViaDebug as _, ErrorViaDisplay as _, ErrorViaNothing as _,
            ViaDebug as _, ViaNothing as _, ViaSerialize as _,
        };
    };
    let record_ok = |value: TokenStream| {
        if capture_output {
            quote!(__rizk_outcome.record_output(|| (&&&#private::probe::Probe(#value)).rizk_capture()))
        } else {
            quote!({ let _ = #value; })
        }
    };
    if is_result(ty) {
        let ok = record_ok(quote!(__rizk_value));
        quote! {
            |__rizk_ret, __rizk_outcome| {
                #imports
                match __rizk_ret {
                    ::core::result::Result::Ok(__rizk_value) => #ok,
                    ::core::result::Result::Err(__rizk_error) => __rizk_outcome.record_error_with(
                        ::core::any::type_name_of_val(__rizk_error),
                        || (&&&#private::probe::Probe(__rizk_error)).rizk_error(),
                    ),
                }
            }
        }
    } else if capture_output {
        let ok = record_ok(quote!(__rizk_ret));
        quote! { |__rizk_ret, __rizk_outcome| { #imports #ok } }
    } else {
        quote!(|_, _| {})
    }
}

/// The names bound by the parameters, `self` excluded (it is rarely content and often large).
fn parameters(item: &ItemFn) -> syn::Result<Vec<Ident>> {
    let mut names = Vec::new();
    for input in &item.sig.inputs {
        if let FnArg::Typed(typed) = input {
            collect_idents(&typed.pat, &mut names);
        }
    }
    Ok(names)
}

fn collect_idents(pat: &Pat, out: &mut Vec<Ident>) {
    match pat {
        Pat::Ident(p) => {
            if p.ident != "self" && !p.ident.to_string().starts_with('_') {
                out.push(p.ident.clone());
            }
            if let Some((_, sub)) = &p.subpat {
                collect_idents(sub, out);
            }
        }
        Pat::Tuple(t) => t.elems.iter().for_each(|p| collect_idents(p, out)),
        Pat::TupleStruct(t) => t.elems.iter().for_each(|p| collect_idents(p, out)),
        Pat::Struct(s) => s.fields.iter().for_each(|f| collect_idents(&f.pat, out)),
        Pat::Reference(r) => collect_idents(&r.pat, out),
        Pat::Type(t) => collect_idents(&t.pat, out),
        Pat::Slice(s) => s.elems.iter().for_each(|p| collect_idents(p, out)),
        _ => {}
    }
}

/// `Result<..>` under any path (`std::io::Result`, `anyhow::Result`): its `Err` marks the span
/// as failed.
fn is_result(ty: &Type) -> bool {
    match ty {
        Type::Path(p) => {
            p.qself.is_none() && p.path.segments.last().is_some_and(|s| s.ident == "Result")
        }
        Type::Paren(p) => is_result(&p.elem),
        Type::Group(g) => is_result(&g.elem),
        _ => false,
    }
}

fn is_unit(ty: &Type) -> bool {
    matches!(ty, Type::Tuple(t) if t.elems.is_empty())
}

fn contains_impl_trait(ty: &Type) -> bool {
    use syn::visit::Visit;
    struct Finder(bool);
    impl<'ast> Visit<'ast> for Finder {
        fn visit_type_impl_trait(&mut self, _: &'ast syn::TypeImplTrait) {
            self.0 = true;
        }
    }
    let mut finder = Finder(false);
    finder.visit_type(ty);
    finder.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn result_detection_follows_the_last_path_segment() {
        for (ty, expected) in [
            ("Result<u8, String>", true),
            ("std::io::Result<()>", true),
            ("anyhow::Result<String>", true),
            ("Option<u8>", false),
            ("ResultSet", false),
        ] {
            let ty: Type = syn::parse_str(ty).unwrap();
            assert_eq!(is_result(&ty), expected);
        }
    }

    #[test]
    fn parameters_skip_self_underscores_and_collect_destructured_names() {
        let item: ItemFn = syn::parse_quote! {
            fn f(&self, query: &str, (a, b): (u8, u8), _ignored: u8, Point { x, .. }: Point) {}
        };
        let names: Vec<String> = parameters(&item)
            .unwrap()
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(names, ["query", "a", "b", "x"]);
    }

    #[test]
    fn impl_trait_is_found_anywhere_in_a_type() {
        let ty: Type = syn::parse_str("Box<impl Iterator<Item = u8>>").unwrap();
        assert!(contains_impl_trait(&ty));
        let ty: Type = syn::parse_str("Vec<u8>").unwrap();
        assert!(!contains_impl_trait(&ty));
    }
}
