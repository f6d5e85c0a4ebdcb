//! Attribute macros of [rizk](https://docs.rs/rizk): `#[workflow]`, `#[task]`, `#[agent]` and
//! `#[tool]`. Use them through the `rizk` crate, which they expand to calls into.
//!
//! Each wraps a function (sync or `async`, free, method, generic, in a trait impl) in a span
//! named `<kind>.<name>`, current for the whole call including across `.await`, that records
//! the arguments and return value as the content policy allows, marks `Err` returns and panics
//! as errors, and ends when the call does.
//!
//! Arguments, all optional:
//!
//! | argument | meaning |
//! |---|---|
//! | `name = "..."` | the entity name (default: the function's name) |
//! | `organization_id = "..."`, `project_id = "..."` | inherited by descendants that set none |
//! | `version = "..."` | `rizk.entity.version` |
//! | `skip(a, b)` / `skip_all` | parameters not recorded in `input.value` |
//! | `capture_input = false`, `capture_output = false` | record no input / output at all |
//! | `crate = "path"` | where the `rizk` crate is, if renamed |

mod attr;
mod expand;

use proc_macro::TokenStream;

use expand::Kind;

fn run(kind: Kind, args: TokenStream, item: TokenStream) -> TokenStream {
    let parsed = syn::parse::<attr::Args>(args)
        .and_then(|args| {
            let function = syn::parse::<syn::ItemFn>(item.clone()).map_err(|e| {
                syn::Error::new(
                    e.span(),
                    format!(
                        "#[{}] goes on a function (fn or async fn): {e}",
                        kind.name()
                    ),
                )
            })?;
            Ok((args, function))
        })
        .and_then(|(args, item)| expand::expand(kind, args, item));
    match parsed {
        Ok(tokens) => tokens.into(),
        Err(error) => {
            // Keep the function so that one bad argument does not cascade into errors at every
            // call site.
            let mut out: TokenStream = error.to_compile_error().into();
            out.extend(item);
            out
        }
    }
}

/// Traces a function as a workflow: span `workflow.<name>`, the root of a request's tree. Its
/// name is inherited by every descendant as `rizk.workflow.name`.
///
/// ```ignore
/// #[rizk::workflow(name = "customer_chat", organization_id = "acme", project_id = "support")]
/// fn handle_customer_query(query: &str) -> String { process_query(query) }
/// ```
#[proc_macro_attribute]
pub fn workflow(args: TokenStream, item: TokenStream) -> TokenStream {
    run(Kind::Workflow, args, item)
}

/// Traces a function as a task, a step of a workflow: span `task.<name>`.
///
/// ```ignore
/// #[rizk::task(name = "inventory_check")]
/// async fn check_inventory(product_id: &str) -> Result<bool, StockError> { verify_stock(product_id).await }
/// ```
#[proc_macro_attribute]
pub fn task(args: TokenStream, item: TokenStream) -> TokenStream {
    run(Kind::Task, args, item)
}

/// Traces a function as an agent: span `agent.<name>`, OpenInference kind AGENT,
/// `gen_ai.operation.name = invoke_agent`; its tools and LLM calls inherit `agent.id`.
///
/// ```ignore
/// #[rizk::agent(name = "sales_agent")]
/// async fn sales_assistant(customer_query: String) -> String { generate_sales_response(customer_query).await }
/// ```
#[proc_macro_attribute]
pub fn agent(args: TokenStream, item: TokenStream) -> TokenStream {
    run(Kind::Agent, args, item)
}

/// Traces a function as a tool: span `tool.<name>`, OpenInference kind TOOL,
/// `gen_ai.operation.name = execute_tool`, `gen_ai.tool.name`.
///
/// ```ignore
/// #[rizk::tool(name = "price_calculator")]
/// fn calculate_price(product_id: &str, quantity: u32) -> f64 { compute_price(product_id, quantity) }
/// ```
#[proc_macro_attribute]
pub fn tool(args: TokenStream, item: TokenStream) -> TokenStream {
    run(Kind::Tool, args, item)
}

/// Records the memory, CPU time and I/O of each call on the span of the macro below it:
/// `rizk.resource.memory.rss_bytes` / `rss_delta_bytes`, `rizk.resource.cpu.user_ms` /
/// `system_ms`, `rizk.resource.io.read_bytes` / `write_bytes` / `read_chars` / `write_chars`.
/// Figures are process-wide and read from `/proc/self` (Linux); nothing is read when the span is
/// not sampled.
///
/// Put it above `#[workflow]`, `#[task]`, `#[agent]` or `#[tool]`, as in the spec:
///
/// ```ignore
/// #[rizk::track_resource_usage]
/// #[rizk::workflow(name = "data_analysis")]
/// fn analyze_large_dataset(path: &str) -> Report { /* ... */ }
/// ```
#[proc_macro_attribute]
pub fn track_resource_usage(args: TokenStream, item: TokenStream) -> TokenStream {
    let result = (|| -> syn::Result<proc_macro2::TokenStream> {
        if !args.is_empty() {
            return Err(syn::Error::new(
                proc_macro2::TokenStream::from(args)
                    .into_iter()
                    .next()
                    .map_or_else(proc_macro2::Span::call_site, |t| t.span()),
                "#[track_resource_usage] takes no arguments",
            ));
        }
        let mut function: syn::ItemFn = syn::parse(item.clone()).map_err(|e| {
            syn::Error::new(
                e.span(),
                format!("#[track_resource_usage] goes on a function: {e}"),
            )
        })?;
        let traced = function.attrs.iter().any(|attr| {
            attr.path().segments.last().is_some_and(|s| {
                ["workflow", "task", "agent", "tool"].contains(&s.ident.to_string().as_str())
            })
        });
        if !traced {
            return Err(syn::Error::new(
                function.sig.ident.span(),
                "#[track_resource_usage] records on the span of #[workflow], #[task], #[agent] or #[tool]: put it above one of them",
            ));
        }
        let usage: syn::Stmt = syn::parse_quote! {
            let __rizk_resource_usage = ::rizk::__private::ResourceUsage::start();
        };
        function.block.stmts.insert(0, usage);
        Ok(quote::quote!(#function))
    })();
    match result {
        Ok(tokens) => tokens.into(),
        Err(error) => {
            let mut out: TokenStream = error.to_compile_error().into();
            out.extend(item);
            out
        }
    }
}
