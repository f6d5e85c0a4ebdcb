//! A bridge from [`tracing`] into [rizk](https://docs.rs/rizk): `tracing` spans become spans
//! of rizk's OpenTelemetry pipeline, in the same trace as `#[workflow]`, `#[task]`, `#[agent]`
//! and `#[tool]`.
//!
//! Many Rust crates are instrumented with `tracing` (rig, database drivers, your own libraries).
//! Add [`RizkLayer`] to the subscriber and their spans join the request's trace: a `tracing`
//! span inside a `#[task]` is the task's child, and a `#[tool]` called inside a `tracing` span
//! is that span's child. Spans carrying GenAI fields, as rig emits them, become agent, tool and
//! LLM spans with the attributes backends read (see [`RizkLayer`]).
//!
//! ```
//! use rizk_core::export::InMemoryExporter;
//! use tracing_subscriber::layer::SubscriberExt;
//!
//! let spans = InMemoryExporter::default();
//! let rizk = rizk_core::install(
//!     rizk_core::RizkBuilder::new()
//!         .app_name("bridge-doc")
//!         .console_exporter(false)
//!         .ignore_environment()
//!         .with_exporter("memory", spans.clone()),
//! )
//! .unwrap();
//! let subscriber = tracing_subscriber::registry().with(rizk_tracing::layer());
//! tracing::subscriber::with_default(subscriber, || {
//!     let _outer = tracing::info_span!("handle_request").entered();
//!     let _inner = tracing::info_span!("load_profile", user.id = 42).entered();
//! });
//! rizk.flush().unwrap();
//! let inner = spans.find("load_profile").unwrap();
//! let outer = spans.find("handle_request").unwrap();
//! assert_eq!(inner.parent_span_id, outer.span_context.span_id());
//! ```
//!
//! Without rizk initialised (or with tracing disabled) bridged spans are no-op spans.

mod genai;
mod layer;
mod visit;

pub use genai::{CONTENT_KEY_PREFIXES, CONTENT_KEYS};
pub use layer::RizkLayer;

/// The bridge layer with its defaults: spans of every level, events from `INFO` up. The same as
/// [`RizkLayer::new`].
///
/// ```
/// use tracing_subscriber::layer::SubscriberExt;
/// use tracing_subscriber::util::SubscriberInitExt;
///
/// // Next to a formatting layer, a filter, ...: it is an ordinary layer.
/// let _ = tracing_subscriber::registry().with(rizk_tracing::layer()).try_init();
/// ```
pub fn layer() -> RizkLayer {
    RizkLayer::new()
}

/// Installs a global `tracing` subscriber that only bridges into rizk: for programs that have
/// no subscriber of their own. Fails if a global subscriber is already set.
///
/// ```
/// if let Err(e) = rizk_tracing::try_init() {
///     eprintln!("a tracing subscriber was already installed: {e}");
/// }
/// ```
pub fn try_init() -> Result<(), tracing_subscriber::util::TryInitError> {
    use tracing_subscriber::layer::SubscriberExt as _;
    use tracing_subscriber::util::SubscriberInitExt as _;
    tracing_subscriber::registry().with(layer()).try_init()
}
