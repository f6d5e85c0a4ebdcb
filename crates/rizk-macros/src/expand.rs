//! Code generation: a thin shell around calls into `rizk::__private` (rizk-core).
//!
//! A traced function has one of three shapes, told apart by [`body_shape`]:
//!
//! - `fn`: the body runs in `EntitySpan::run`;
//! - `async fn`: the body becomes a future wrapped by `EntitySpan::run_async`;
//! - a plain `fn` whose value is an async block, bare or `Box::pin`-ed, which is what
//!   `#[async_trait]` turns an `async fn` into: that block is wrapped, so the span covers the
//!   whole future rather than the creation of the box.

use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{
    Expr, ExprAsync, FnArg, GenericArgument, Ident, ItemFn, Pat, Path, PathArguments, ReturnType,
    Stmt, Type,
};

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

/// How the body of a function runs, and so what the span must wrap.
enum Shape {
    /// A plain function: the span covers the call.
    Sync,
    /// An `async fn`: the span covers the future, from its first poll to its completion.
    AsyncFn,
    /// A plain function returning the async block at `stmt` (possibly inside `Box::pin`), as
    /// `#[async_trait]` generates: the span covers that block's future.
    AsyncBlock { stmt: usize },
}

/// Finds how `item` runs. The async-block detection follows tracing-attributes' `AsyncInfo`
/// (async-trait >= 0.1.44 emits `Box::pin(async move { .. })` as the whole body; the older
/// immediately-invoked inner `async fn` is not recognised).
fn body_shape(item: &ItemFn) -> Shape {
    if item.sig.asyncness.is_some() {
        return Shape::AsyncFn;
    }
    // The last expression statement is the function's value.
    let Some((stmt, expr)) = item
        .block
        .stmts
        .iter()
        .enumerate()
        .rev()
        .find_map(|(i, stmt)| match stmt {
            Stmt::Expr(expr, None) => Some((i, expr)),
            _ => None,
        })
    else {
        return Shape::Sync;
    };
    // One matcher for finding and rewriting: asked here on a copy of the expression.
    if async_block_of_mut(&mut expr.clone()).is_some() {
        Shape::AsyncBlock { stmt }
    } else {
        Shape::Sync
    }
}

/// The async block `expr` is, or that `expr` passes to `Box::pin`.
fn async_block_of_mut(expr: &mut Expr) -> Option<&mut ExprAsync> {
    match expr {
        Expr::Async(block) => Some(block),
        Expr::Call(call) if is_box_pin(&call.func) && call.args.len() == 1 => {
            match &mut call.args[0] {
                Expr::Async(block) => Some(block),
                _ => None,
            }
        }
        _ => None,
    }
}

/// `Box::pin`, `std::boxed::Box::pin`, `::alloc::boxed::Box::pin`...
fn is_box_pin(func: &Expr) -> bool {
    let Expr::Path(path) = func else { return false };
    let mut last_two = path.path.segments.iter().rev().take(2);
    matches!(
        (last_two.next(), last_two.next()),
        (Some(pin), Some(boxed)) if pin.ident == "pin" && boxed.ident == "Box"
    )
}

/// The async block of an [`Shape::AsyncBlock`] function, to rewrite in place.
fn async_block_mut(item: &mut ItemFn, stmt: usize) -> Option<&mut ExprAsync> {
    match item.block.stmts.get_mut(stmt) {
        Some(Stmt::Expr(expr, None)) => async_block_of_mut(expr),
        _ => None,
    }
}

/// `T` of the first `Output = T` in a return type such as
/// `Pin<Box<dyn Future<Output = T> + Send + 'async_trait>>` or `impl Future<Output = T>`.
fn future_output(output: &ReturnType) -> Option<&Type> {
    fn find(ty: &Type) -> Option<&Type> {
        match ty {
            Type::Path(p) => p.path.segments.iter().find_map(|segment| {
                let PathArguments::AngleBracketed(args) = &segment.arguments else {
                    return None;
                };
                args.args.iter().find_map(|arg| match arg {
                    GenericArgument::AssocType(assoc) if assoc.ident == "Output" => Some(&assoc.ty),
                    GenericArgument::Type(inner) => find(inner),
                    _ => None,
                })
            }),
            Type::TraitObject(t) => t.bounds.iter().find_map(bound_output),
            Type::ImplTrait(t) => t.bounds.iter().find_map(bound_output),
            Type::Paren(p) => find(&p.elem),
            Type::Group(g) => find(&g.elem),
            _ => None,
        }
    }
    fn bound_output(bound: &syn::TypeParamBound) -> Option<&Type> {
        let syn::TypeParamBound::Trait(t) = bound else {
            return None;
        };
        let last = t.path.segments.last()?;
        let PathArguments::AngleBracketed(args) = &last.arguments else {
            return None;
        };
        args.args.iter().find_map(|arg| match arg {
            GenericArgument::AssocType(assoc) if assoc.ident == "Output" => Some(&assoc.ty),
            _ => None,
        })
    }
    match output {
        ReturnType::Type(_, ty) => find(ty),
        ReturnType::Default => None,
    }
}

/// The first of `attrs` that is `#[workflow]`, `#[task]`, `#[agent]` or `#[tool]` (under any
/// path).
fn traced_by(attrs: &[syn::Attribute]) -> Option<&syn::Attribute> {
    attrs.iter().find(|attr| {
        attr.path().segments.last().is_some_and(|s| {
            ["workflow", "task", "agent", "tool"].contains(&s.ident.to_string().as_str())
        })
    })
}

/// `#[track_resource_usage]`: starts a `ResourceUsage` as the first statement of the code the
/// span below it will cover, so that it is taken and dropped (recorded) while that span is
/// current. For an `#[async_trait]` method, that is the async block, not the function.
pub(crate) fn expand_resource_usage(mut item: ItemFn) -> syn::Result<TokenStream> {
    let Some(traced) = traced_by(&item.attrs) else {
        return Err(syn::Error::new(
            item.sig.ident.span(),
            "#[track_resource_usage] records on the span of #[workflow], #[task], #[agent] or #[tool]: put it above one of them",
        ));
    };
    // The macro below says where `rizk` is (`crate = ".."`); its own errors are its to report.
    let krate: Path = match &traced.meta {
        syn::Meta::List(list) => syn::parse2::<Args>(list.tokens.clone())
            .ok()
            .and_then(|args| args.krate),
        _ => None,
    }
    .unwrap_or_else(|| syn::parse_quote!(::rizk));
    let usage: Stmt = syn::parse_quote! {
        let __rizk_resource_usage = #krate::__private::ResourceUsage::start();
    };
    match body_shape(&item) {
        Shape::AsyncBlock { stmt } => {
            if let Some(block) = async_block_mut(&mut item, stmt) {
                block.block.stmts.insert(0, usage);
            }
        }
        Shape::Sync | Shape::AsyncFn => item.block.stmts.insert(0, usage),
    }
    Ok(quote!(#item))
}

pub(crate) fn expand(kind: Kind, args: Args, mut item: ItemFn) -> syn::Result<TokenStream> {
    if let Some(constness) = &item.sig.constness {
        return Err(syn::Error::new(
            constness.span(),
            format!("#[{}] cannot trace a const fn", kind.prefix()),
        ));
    }
    let params = parameters(&item)?;
    if let (Kind::Workflow | Kind::Task, Some(lit)) = (kind, &args.description) {
        return Err(syn::Error::new(
            lit.span(),
            format!(
                "`description` describes an agent or a tool, not a {}",
                kind.prefix()
            ),
        ));
    }
    if let (Kind::Workflow | Kind::Task | Kind::Tool, Some(lit)) = (kind, &args.id) {
        return Err(syn::Error::new(
            lit.span(),
            format!("`id` is an agent's id, not a {}'s", kind.prefix()),
        ));
    }
    if let Some(lit) = &args.input {
        let named = lit.value();
        if !params.iter().any(|p| *p == named) {
            return Err(syn::Error::new(
                lit.span(),
                format!("`{named}` is not a parameter of `{}`", item.sig.ident),
            ));
        }
        if args.skip.iter().any(|p| *p == named) || args.skip_all {
            return Err(syn::Error::new(
                lit.span(),
                format!("`{named}` is the input and skipped at once; remove it from skip"),
            ));
        }
    }
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
    let the_input = args
        .input
        .as_ref()
        .and_then(|lit| params.iter().find(|p| **p == lit.value()));
    let record_input = if let (true, Some(param)) = (capture_input, the_input) {
        quote! {
            if __rizk_span.wants_input() {
                #[allow(unused_imports)]
                use #private::probe::{ViaDebug as _, ViaNothing as _, ViaSerialize as _};
                __rizk_span.record_input_value((&&&#private::probe::Probe(&#param)).rizk_capture());
            }
        }
    } else if capture_input && !recorded.is_empty() {
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

    // Agents and tools pass their details (description, the agent's unique id: its module
    // path and name unless given) as a second static, and so does any span given tags or
    // metadata.
    let tags = &args.tags;
    let metadata_names = args.metadata.iter().map(|(k, _)| k.to_string());
    let metadata_values = args.metadata.iter().map(|(_, v)| v);
    let annotated = !args.tags.is_empty() || !args.metadata.is_empty();
    let start_call = if matches!(kind, Kind::Agent | Kind::Tool) || annotated {
        {
            let description = opt(&args.description);
            let id = match (kind, &args.id) {
                (Kind::Agent, Some(lit)) => quote!(::core::option::Option::Some(#lit)),
                (Kind::Agent, None) => {
                    quote!(::core::option::Option::Some(
                        ::core::concat!(::core::module_path!(), "::", #name)
                    ))
                }
                _ => quote!(::core::option::Option::None),
            };
            let parameters = match kind {
                Kind::Tool => {
                    let schema = crate::schema::parameters(&item.sig, &args.skip);
                    quote!(::core::option::Option::Some(#schema))
                }
                _ => quote!(::core::option::Option::None),
            };
            quote! {
                static __RIZK_DETAILS: #private::SpanDetails = #private::SpanDetails {
                    description: #description,
                    id: #id,
                    parameters: #parameters,
                    tags: &[#(#tags),*],
                    metadata: &[#( (#metadata_names, #metadata_values) ),*],
                };
                let __rizk_span = #private::EntitySpan::start_with(&__RIZK_META, &__RIZK_DETAILS);
            }
        }
    } else {
        quote!(let __rizk_span = #private::EntitySpan::start(&__RIZK_META);)
    };
    let start = quote! {
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
        #start_call
        #record_input
    };

    if let Shape::AsyncBlock { stmt } = body_shape(&item) {
        // The output type decides how the outcome is described; `_` (unknown, say behind a
        // type alias) records it as a plain value.
        let infer: Type = syn::parse_quote!(_);
        let output = future_output(&item.sig.output).unwrap_or(&infer);
        let describe = describe(Some(output), capture_output, &private);
        let Some(block) = async_block_mut(&mut item, stmt) else {
            return Ok(quote!(#item));
        };
        // The original block becomes the future `run_async` wraps, inside a new block of the same
        // capture mode and attributes: the span starts at the first poll, like an `async fn`'s.
        let inner = block.clone();
        let outer = ExprAsync {
            attrs: std::mem::take(&mut block.attrs),
            async_token: block.async_token,
            capture: block.capture,
            block: syn::parse2(quote_spanned! {inner.block.span()=>
                {
                    #start
                    __rizk_span.run_async(#inner, #describe).await
                }
            })?,
        };
        *block = outer;
        return Ok(quote!(#item));
    }

    let describe = describe(
        match &item.sig.output {
            ReturnType::Default => None,
            ReturnType::Type(_, ty) => Some(ty),
        },
        capture_output,
        &private,
    );
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
            #start
            #body
        }
    };
    item.block = syn::parse2(new_block)?;
    Ok(quote!(#item))
}

/// The closure that records the outcome: `Err` as an error, anything else as the output.
/// `output` is the type of the value, `None` for a function without a return type.
fn describe(output: Option<&Type>, capture_output: bool, private: &TokenStream) -> TokenStream {
    let Some(ty) = output else {
        return quote!(|_, _| {});
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
    fn async_blocks_returned_bare_or_boxed_are_recognised() {
        let shape = |item: ItemFn| match body_shape(&item) {
            Shape::Sync => "sync".to_owned(),
            Shape::AsyncFn => "async fn".to_owned(),
            Shape::AsyncBlock { stmt } => format!("block at {stmt}"),
        };
        // What async-trait generates.
        let generated: ItemFn = syn::parse_quote! {
            fn f<'life0, 'async_trait>(&'life0 self) -> Pin<Box<dyn Future<Output = u8> + Send + 'async_trait>> {
                Box::pin(async move { let __self = self; 1 })
            }
        };
        assert_eq!(shape(generated), "block at 0");
        let bare: ItemFn = syn::parse_quote! { fn f() -> impl Future<Output = ()> { let x = 1; async move { x; } } };
        assert_eq!(shape(bare), "block at 1");
        let qualified: ItemFn =
            syn::parse_quote! { fn f() -> B { ::std::boxed::Box::pin(async {}) } };
        assert_eq!(shape(qualified), "block at 0");
        for sync in [
            syn::parse_quote! { fn f() -> u8 { 1 } },
            syn::parse_quote! { fn f() -> B { Box::pin(ready()) } },
            syn::parse_quote! { fn f() -> B { other::pin(async {}) } },
            syn::parse_quote! { fn f() { async {}; } },
        ] {
            assert_eq!(shape(sync), "sync");
        }
        assert_eq!(shape(syn::parse_quote! { async fn f() {} }), "async fn");
    }

    #[test]
    fn the_output_of_a_returned_future_type_is_found() {
        let output = |ret: &str| {
            let item: ItemFn = syn::parse_str(&format!("fn f() -> {ret} {{ todo!() }}")).unwrap();
            future_output(&item.sig.output).map(|ty| quote!(#ty).to_string())
        };
        assert_eq!(
            output("::core::pin::Pin<Box<dyn ::core::future::Future<Output = Result<u8, E>> + Send + 'async_trait>>")
                .as_deref(),
            Some("Result < u8 , E >")
        );
        assert_eq!(
            output("impl Future<Output = ()> + Send").as_deref(),
            Some("()")
        );
        assert_eq!(output("BoxFuture<'static, u8>"), None);
    }

    #[test]
    fn resource_usage_goes_where_the_span_is_current_and_follows_crate() {
        let sync: ItemFn = syn::parse_quote! {
            #[task(crate = "facade::observability")]
            fn f() -> u8 { 1 }
        };
        let out = expand_resource_usage(sync).unwrap().to_string();
        assert!(
            out.contains("{ let __rizk_resource_usage = facade :: observability :: __private"),
            "{out}"
        );
        let generated: ItemFn = syn::parse_quote! {
            #[tool]
            fn f<'life0, 'async_trait>(&'life0 self) -> Pin<Box<dyn Future<Output = u8> + Send + 'async_trait>> {
                Box::pin(async move { 1 })
            }
        };
        let out = expand_resource_usage(generated).unwrap().to_string();
        assert!(
            out.contains("Box :: pin (async move { let __rizk_resource_usage = :: rizk ::"),
            "{out}"
        );
    }

    #[test]
    fn impl_trait_is_found_anywhere_in_a_type() {
        let ty: Type = syn::parse_str("Box<impl Iterator<Item = u8>>").unwrap();
        assert!(contains_impl_trait(&ty));
        let ty: Type = syn::parse_str("Vec<u8>").unwrap();
        assert!(!contains_impl_trait(&ty));
    }
}
