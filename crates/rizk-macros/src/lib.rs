//! Attribute macros of [rizk](https://docs.rs/rizk): `#[workflow]`, `#[task]`, `#[agent]`,
//! `#[tool]` and `#[track_resource_usage]`. Use them through the `rizk` crate, which they expand
//! to calls into; this crate only parses (`attr`) and generates (`expand`) code.
//!
//! Each wraps a function (sync or `async`, free, method, generic, in a trait impl) in a span
//! named `<kind>.<name>`, current for the whole call including across `.await`, that records
//! the arguments and return value as the content policy allows, marks `Err` returns and panics
//! as errors, and ends when the call does.
//!
//! Methods of an `#[async_trait]` impl are traced over their whole future: async-trait turns
//! them into a plain `fn` returning `Box::pin(async move { .. })`, and the macros wrap that
//! async block rather than the function, as tracing's `#[instrument]` does. The same holds for
//! any plain `fn` whose value is an async block (`fn f() -> impl Future { async move { .. } }`).
//!
//! ```
//! use rizk::task;
//!
//! #[async_trait::async_trait]
//! trait Lookup {
//!     async fn price(&self, sku: &str) -> f64;
//! }
//!
//! struct Catalog;
//!
//! #[async_trait::async_trait]
//! impl Lookup for Catalog {
//!     // The span `task.price` lasts until the returned future completes.
//!     #[task(name = "price")]
//!     async fn price(&self, sku: &str) -> f64 {
//!         sku.len() as f64
//!     }
//! }
//! ```
//!
//! Arguments, all optional:
//!
//! | argument | meaning |
//! |---|---|
//! | `name = "..."` | the entity name (default: the function's name) |
//! | `organization_id = "..."`, `project_id = "..."` | inherited by descendants that set none |
//! | `version = "..."` | `rizk.entity.version` (and `gen_ai.agent.version` on an agent) |
//! | `description = "..."` | `#[agent]`, `#[tool]`: `gen_ai.agent.description`, or `gen_ai.tool.description` and `tool.description` |
//! | `id = "..."` | `#[agent]`: `gen_ai.agent.id` (default: the function's module path and the agent's name, `app::agents::planner`) |
//! | `skip(a, b)` / `skip_all` | parameters not recorded in `input.value` |
//! | `capture_input = false`, `capture_output = false` | record no input / output at all |
//! | `crate = "path"` | where the `rizk` crate is, if renamed |

mod attr;
mod expand;
mod schema;

use proc_macro::TokenStream;

use expand::Kind;

fn run(kind: Kind, args: TokenStream, item: TokenStream) -> TokenStream {
    let result = attr::parse_traced(kind, args.into(), item.clone().into())
        .and_then(|(args, function)| expand::expand(kind, args, function));
    emit(result, item)
}

/// The expansion, or the error followed by the unchanged item: one bad argument then does not
/// cascade into errors at every call site of the function.
fn emit(result: syn::Result<proc_macro2::TokenStream>, item: TokenStream) -> TokenStream {
    match result {
        Ok(tokens) => tokens.into(),
        Err(error) => {
            let mut out: TokenStream = error.to_compile_error().into();
            out.extend(item);
            out
        }
    }
}

/// Traces a function as a workflow: span `workflow.<name>`, the root of a request's tree. Its
/// name is inherited by every descendant as `rizk.workflow.name`. The span carries
/// `gen_ai.operation.name = invoke_workflow` and `gen_ai.workflow.name`: the GenAI
/// conventions' (1.41) operation for a workflow of agents, tools and model calls.
///
/// ```
/// #[rizk::workflow(name = "customer_chat", organization_id = "acme", project_id = "support")]
/// fn handle_customer_query(query: &str) -> String {
///     format!("answer to {query}")
/// }
/// # assert_eq!(handle_customer_query("refund"), "answer to refund");
/// ```
#[proc_macro_attribute]
pub fn workflow(args: TokenStream, item: TokenStream) -> TokenStream {
    run(Kind::Workflow, args, item)
}

/// Traces a function as a task, a step of a workflow: span `task.<name>`.
///
/// An `Err` return marks the span as failed and is passed on unchanged:
///
/// ```
/// #[rizk::task(name = "inventory_check")]
/// async fn check_inventory(product_id: &str) -> Result<bool, std::io::Error> {
///     Ok(!product_id.is_empty())
/// }
/// ```
#[proc_macro_attribute]
pub fn task(args: TokenStream, item: TokenStream) -> TokenStream {
    run(Kind::Task, args, item)
}

/// Traces a function as an agent: span `agent.<name>`, OpenInference kind AGENT,
/// `gen_ai.operation.name = invoke_agent`, `gen_ai.agent.name` and a unique `gen_ai.agent.id`
/// (the `id` argument, else the function's module path and the agent's name) at start,
/// `gen_ai.agent.version` from `version`, `gen_ai.agent.description` from `description`; its
/// tools and LLM calls inherit `agent.id` (the name).
///
/// ```
/// #[rizk::agent(name = "sales_agent", version = "2", description = "Answers sales questions", skip(history))]
/// async fn sales_assistant(customer_query: String, history: Vec<String>) -> String {
///     format!("{} earlier messages; re: {customer_query}", history.len())
/// }
/// ```
#[proc_macro_attribute]
pub fn agent(args: TokenStream, item: TokenStream) -> TokenStream {
    run(Kind::Agent, args, item)
}

/// Traces a function as a tool: span `tool.<name>`, OpenInference kind TOOL,
/// `gen_ai.operation.name = execute_tool`, `gen_ai.tool.name`, `gen_ai.tool.type = function`
/// and the `description` (`gen_ai.tool.description`, `tool.description`). Its arguments and
/// result are also `gen_ai.tool.call.arguments` and `gen_ai.tool.call.result`, under the content
/// policy like `input.value` and `output.value`; `rizk::current_span().set_tool_call_id(..)`
/// inside it records the model's `gen_ai.tool.call.id`.
///
/// ```
/// #[rizk::tool(name = "price_calculator", description = "Price of a quantity of a product")]
/// fn calculate_price(product_id: &str, quantity: u32) -> f64 {
///     product_id.len() as f64 * f64::from(quantity)
/// }
/// # assert_eq!(calculate_price("ab", 3), 6.0);
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
/// ```
/// #[rizk::track_resource_usage]
/// #[rizk::workflow(name = "data_analysis")]
/// fn analyze_large_dataset(rows: usize) -> u64 {
///     (0..rows as u64).sum()
/// }
/// # assert_eq!(analyze_large_dataset(4), 6);
/// ```
///
/// It takes no arguments (it follows the `crate = ".."` of the macro below it), and on its own
/// (no tracing macro below it) it is a compile error: there would be no span to record on. On an
/// `#[async_trait]` method it measures the whole future.
#[proc_macro_attribute]
pub fn track_resource_usage(args: TokenStream, item: TokenStream) -> TokenStream {
    let result = attr::parse_resource_usage(args.into(), item.clone().into())
        .and_then(expand::expand_resource_usage);
    emit(result, item)
}
