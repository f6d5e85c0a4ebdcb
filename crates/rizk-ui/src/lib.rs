//! A local LLM trace viewer: an OTLP/HTTP receiver on 127.0.0.1, SQLite storage, and pages for
//! the traces list, a trace's waterfall and tree, and a span's attributes, chat messages,
//! tokens and cost. The `rizk` binary runs it (`rizk ui`) or writes a static page from a
//! JSON-lines trace file (`rizk view FILE.jsonl -o trace.html`).
//!
//! It receives any OTLP (not only rizk's): point any OpenTelemetry SDK at
//! `http://127.0.0.1:4318`.
//!
//! ```no_run
//! use rizk_ui::{BackgroundServer, Retention, Store};
//!
//! let store = Store::open("traces.sqlite", Retention { max_spans: Some(1_000_000), max_age: None })?;
//! let server = BackgroundServer::start(store, "127.0.0.1:4318".parse().unwrap(), Default::default())?;
//! println!("open {}", server.url());
//! # Ok::<(), rizk_ui::UiError>(())
//! ```

mod error;
mod html;
mod jsonl;
mod model;
mod otlp;
mod server;
mod store;

pub use error::{IngestError, UiError};
pub use html::export_html;
pub use jsonl::read_jsonl;
pub use model::SpanRecord;
pub use otlp::spans_from_request;
pub use server::{BackgroundServer, ServerConfig, SharedStore, router};
pub use store::{ListFilter, Retention, Store, parse_duration};
