//! Names, hierarchy, attributes, status and events of macro spans, on every kind of function.

#![allow(clippy::unwrap_used)] // a test fails loudly on what it did not expect

mod common;

use common::{attr, attr_str, harness, is_child_of, is_root, span};
use opentelemetry::KeyValue;
use opentelemetry::trace::{Status, TraceContextExt, Tracer};
use rizk::{agent, task, tool, workflow};

#[workflow(
    name = "order_processing",
    organization_id = "ecommerce",
    project_id = "backend",
    version = "2"
)]
fn process_order(order_id: u32) -> Result<String, String> {
    let stock = check_inventory("sku-1")?;
    let price = sales_agent("how much?");
    Ok(format!("{order_id}:{stock}:{price}"))
}

#[task(name = "inventory_check")]
fn check_inventory(product_id: &str) -> Result<bool, String> {
    Ok(!product_id.is_empty())
}

#[agent(name = "sales_agent", project_id = "sales")]
fn sales_agent(customer_query: &str) -> f64 {
    let _ = customer_query;
    calculate_price("sku-1", 3)
}

#[tool(name = "price_calculator")]
fn calculate_price(product_id: &str, quantity: u32) -> f64 {
    let _ = product_id;
    2.5 * f64::from(quantity)
}

#[test]
fn spans_form_the_spec_hierarchy_with_its_names_and_attributes() {
    let h = harness();
    assert_eq!(process_order(7).unwrap(), "7:true:7.5");
    let spans = h.trace_of("workflow.order_processing");
    assert_eq!(
        spans.len(),
        4,
        "{:?}",
        spans.iter().map(|s| &s.name).collect::<Vec<_>>()
    );

    let workflow = span(&spans, "workflow.order_processing");
    let task = span(&spans, "task.inventory_check");
    let agent = span(&spans, "agent.sales_agent");
    let tool = span(&spans, "tool.price_calculator");
    assert!(is_root(workflow));
    assert!(is_child_of(task, workflow));
    assert!(is_child_of(agent, workflow));
    assert!(is_child_of(tool, agent));

    assert_eq!(
        attr_str(workflow, "rizk.span.kind").as_deref(),
        Some("workflow")
    );
    assert_eq!(
        attr_str(workflow, "rizk.entity.name").as_deref(),
        Some("order_processing")
    );
    assert_eq!(
        attr_str(workflow, "rizk.entity.version").as_deref(),
        Some("2")
    );
    assert_eq!(
        attr_str(workflow, "openinference.span.kind").as_deref(),
        Some("CHAIN")
    );
    assert_eq!(
        attr_str(task, "openinference.span.kind").as_deref(),
        Some("CHAIN")
    );
    assert_eq!(
        attr_str(agent, "openinference.span.kind").as_deref(),
        Some("AGENT")
    );
    assert_eq!(
        attr_str(agent, "gen_ai.operation.name").as_deref(),
        Some("invoke_agent")
    );
    assert_eq!(
        attr_str(agent, "gen_ai.agent.name").as_deref(),
        Some("sales_agent")
    );
    assert_eq!(
        attr_str(tool, "openinference.span.kind").as_deref(),
        Some("TOOL")
    );
    assert_eq!(
        attr_str(tool, "gen_ai.operation.name").as_deref(),
        Some("execute_tool")
    );
    assert_eq!(
        attr_str(tool, "gen_ai.tool.name").as_deref(),
        Some("price_calculator")
    );

    // Organization and project are inherited where a span sets none; the agent's own project
    // wins and passes on to its tool; the workflow's name and the agent reach every descendant.
    assert_eq!(
        attr_str(task, "organization.id").as_deref(),
        Some("ecommerce")
    );
    assert_eq!(attr_str(task, "project.id").as_deref(), Some("backend"));
    assert_eq!(attr_str(agent, "project.id").as_deref(), Some("sales"));
    assert_eq!(attr_str(tool, "project.id").as_deref(), Some("sales"));
    assert_eq!(
        attr_str(tool, "organization.id").as_deref(),
        Some("ecommerce")
    );
    assert_eq!(
        attr_str(tool, "rizk.workflow.name").as_deref(),
        Some("order_processing")
    );
    assert_eq!(attr_str(tool, "agent.id").as_deref(), Some("sales_agent"));
    assert_eq!(
        attr_str(task, "agent.id"),
        None,
        "agent.id only below the agent"
    );

    assert_eq!(
        attr_str(tool, "input.value").as_deref(),
        Some(r#"{"product_id":"sku-1","quantity":3}"#)
    );
    assert_eq!(attr_str(tool, "output.value").as_deref(), Some("7.5"));
    assert_eq!(
        attr_str(tool, "output.mime_type").as_deref(),
        Some("application/json")
    );
    assert_eq!(
        attr_str(workflow, "output.value").as_deref(),
        Some("7:true:7.5")
    );
    assert_eq!(
        attr_str(workflow, "output.mime_type").as_deref(),
        Some("text/plain")
    );
    assert_eq!(workflow.status, Status::Unset);
}

#[derive(Debug)]
struct PaymentError {
    code: u16,
}

impl std::fmt::Display for PaymentError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "card declined ({})", self.code)
    }
}

#[workflow]
fn payment_processing() -> Result<(), PaymentError> {
    charge()?;
    Ok(())
}

#[task]
fn charge() -> Result<(), PaymentError> {
    Err(PaymentError { code: 402 })
}

#[test]
fn err_returns_set_status_error_with_an_exception_event_and_propagate() {
    let h = harness();
    let err = payment_processing().unwrap_err();
    assert_eq!(err.code, 402);
    let spans = h.trace_of("workflow.payment_processing");
    for name in ["workflow.payment_processing", "task.charge"] {
        let s = span(&spans, name);
        assert_eq!(s.status, Status::error("card declined (402)"), "{name}");
        let event = s
            .events
            .iter()
            .find(|e| e.name == "exception")
            .expect("exception event");
        let get = |k: &str| {
            event
                .attributes
                .iter()
                .find(|kv| kv.key.as_str() == k)
                .map(|kv| kv.value.to_string())
        };
        assert!(get("exception.type").unwrap().ends_with("PaymentError"));
        assert_eq!(
            get("exception.message").as_deref(),
            Some("card declined (402)")
        );
        assert_eq!(attr(s, "output.value"), None, "an Err is not an output");
    }
}

#[workflow]
fn panicking_workflow() {
    exploding_tool();
}

#[tool]
fn exploding_tool() {
    panic!("tool blew up");
}

#[test]
fn panics_mark_spans_as_errors_and_keep_unwinding() {
    let h = harness();
    let caught = std::panic::catch_unwind(panicking_workflow);
    assert!(caught.is_err(), "the panic reached the caller");
    let spans = h.trace_of("workflow.panicking_workflow");
    assert_eq!(spans.len(), 2);
    for s in &spans {
        assert_eq!(s.status, Status::error("tool blew up"));
        let event = s
            .events
            .iter()
            .find(|e| e.name == "exception")
            .expect("exception event");
        assert!(
            event
                .attributes
                .iter()
                .any(|kv| kv.key.as_str() == "exception.type" && kv.value.as_str() == "panic")
        );
    }
    // The context was left cleanly: a new workflow is a new root.
    assert!(!rizk::current_span().span_context().is_valid());
}

struct Catalog {
    discount: f64,
    lookups: u32,
}

trait Pricing {
    fn quote(&self, quantity: u32) -> f64;
}

impl Catalog {
    #[workflow(name = "catalog_session")]
    fn session(&mut self) -> f64 {
        self.remember();
        let items = self.items(3).count() as u32;
        let boxed = self.largest(vec![3, 9, 4]);
        self.quote(items) + f64::from(boxed)
    }

    #[task]
    fn remember(&mut self) {
        self.lookups += 1;
    }

    #[task(skip_all)]
    fn items(&self, n: usize) -> impl Iterator<Item = usize> + '_ {
        (0..n).map(move |i| i + self.lookups as usize)
    }

    #[tool]
    fn largest<T: Ord + Copy + std::fmt::Debug>(&self, values: Vec<T>) -> T {
        values.into_iter().max().expect("values")
    }
}

impl Pricing for Catalog {
    #[tool(name = "quote")]
    fn quote(&self, quantity: u32) -> f64 {
        f64::from(quantity) * (1.0 - self.discount)
    }
}

#[test]
fn methods_generics_impl_trait_and_trait_impls_are_traced() {
    let h = harness();
    let mut catalog = Catalog {
        discount: 0.5,
        lookups: 0,
    };
    assert_eq!(catalog.session(), 10.5);
    assert_eq!(catalog.lookups, 1);
    let spans = h.trace_of("workflow.catalog_session");
    let root = span(&spans, "workflow.catalog_session");
    for name in ["task.remember", "task.items", "tool.largest", "tool.quote"] {
        assert!(is_child_of(span(&spans, name), root), "{name}");
    }
    // The generic's bounds decide the capture: `T: Debug` without `Serialize` records Debug text.
    assert_eq!(
        attr_str(span(&spans, "tool.largest"), "input.value").as_deref(),
        Some(r#"{"values":"[3, 9, 4]"}"#)
    );
    assert_eq!(
        attr_str(span(&spans, "tool.largest"), "output.value").as_deref(),
        Some("9")
    );
    assert_eq!(
        attr(span(&spans, "task.items"), "input.value"),
        None,
        "skip_all"
    );
    assert_eq!(
        attr(span(&spans, "task.remember"), "output.value"),
        None,
        "unit output"
    );
}

#[derive(Debug)]
struct ApiClient;

#[task(skip(client))]
fn fetch_profile(client: &ApiClient, user_id: &str) -> String {
    let _ = client;
    format!("profile:{user_id}")
}

#[task(capture_output = false)]
fn secret_token(user_id: &str) -> String {
    format!("token-for-{user_id}")
}

#[task(capture_input = false)]
fn secret_input(password: &str) -> usize {
    password.len()
}

struct NotDebug;

#[task]
fn opaque_argument(value: NotDebug, n: u8) -> u8 {
    let NotDebug = value;
    n
}

#[workflow]
fn capture_controls() {
    fetch_profile(&ApiClient, "u1");
    secret_token("u1");
    secret_input("hunter2");
    opaque_argument(NotDebug, 4);
}

#[test]
fn skip_and_capture_switches_control_what_is_recorded() {
    let h = harness();
    capture_controls();
    let spans = h.trace_of("workflow.capture_controls");
    assert_eq!(
        attr_str(span(&spans, "task.fetch_profile"), "input.value").as_deref(),
        Some(r#"{"user_id":"u1"}"#)
    );
    let token = span(&spans, "task.secret_token");
    assert!(attr(token, "input.value").is_some());
    assert_eq!(attr(token, "output.value"), None);
    let input = span(&spans, "task.secret_input");
    assert_eq!(attr(input, "input.value"), None);
    assert_eq!(attr_str(input, "output.value").as_deref(), Some("7"));
    let opaque = attr_str(span(&spans, "task.opaque_argument"), "input.value").unwrap();
    assert!(
        opaque.contains(r#""n":4"#) && opaque.contains("NotDebug"),
        "{opaque}"
    );
}

#[workflow(name = "custom_spans")]
fn with_custom_spans() {
    let tracer = rizk::get_tracer("tests");
    tracer.in_span("business_logic.complex_operation", |cx| {
        cx.span()
            .set_attribute(KeyValue::new("operation.type", "data_processing"));
        inner_task();
    });
}

#[task]
fn inner_task() {
    rizk::current_span().set_attribute(KeyValue::new("extraction.method", "ocr"));
}

#[test]
fn custom_spans_nest_under_macro_spans_and_macro_spans_under_them() {
    let h = harness();
    with_custom_spans();
    let spans = h.trace_of("workflow.custom_spans");
    let root = span(&spans, "workflow.custom_spans");
    let custom = span(&spans, "business_logic.complex_operation");
    let inner = span(&spans, "task.inner_task");
    assert!(is_child_of(custom, root));
    assert!(is_child_of(inner, custom));
    assert_eq!(
        attr_str(custom, "operation.type").as_deref(),
        Some("data_processing")
    );
    assert_eq!(
        attr_str(custom, "rizk.workflow.name").as_deref(),
        Some("custom_spans"),
        "custom spans inherit"
    );
    assert_eq!(attr_str(inner, "extraction.method").as_deref(), Some("ocr"));
}

#[test]
fn spans_carry_the_service_and_phoenix_project_resource() {
    let h = harness();
    check_inventory("resource-check").unwrap();
    h.handle.flush().unwrap();
    let resource = h
        .spans
        .resource()
        .expect("the exporter was given the resource");
    let get = |k: &str| {
        resource
            .get(&opentelemetry::Key::new(k.to_owned()))
            .map(|v| v.to_string())
    };
    assert_eq!(get("service.name").as_deref(), Some("rizk-tests"));
    assert_eq!(
        get("openinference.project.name").as_deref(),
        Some("rizk-tests")
    );
}
