//! The one page (served, or written with its data for `rizk view`), assets embedded.

use std::path::Path;

use serde_json::{Value as Json, json};

use crate::error::UiError;
use crate::store::{ListFilter, Retention, Store};

const CSS: &str = include_str!("../assets/app.css");
const JS: &str = include_str!("../assets/app.js");

/// The page; with `data`, the traces are embedded and the page needs no server.
pub(crate) fn page(data: Option<&Json>) -> String {
    // `<` escaped so no string in the data can close the script element.
    let data = data.map_or_else(
        || "null".to_owned(),
        |d| d.to_string().replace('<', "\\u003c"),
    );
    format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>rizk traces</title><style>{CSS}</style></head>\
         <body><header><a href=\"#/\" id=\"home\">rizk traces</a><span id=\"mode\"></span></header>\
         <main id=\"app\">Loading…</main>\
         <script>window.RIZK_DATA = {data};</script><script>{JS}</script></body></html>\n"
    )
}

/// Writes one self-contained HTML file of the traces in a JSON-lines trace file (`rizk view`).
/// Returns how many traces it holds.
///
/// ```
/// let dir = std::env::temp_dir();
/// let (input, output) = (dir.join("rizk-ui-doc-view.jsonl"), dir.join("rizk-ui-doc-view.html"));
/// std::fs::write(&input, r#"{"trace_id":"0af7651916cd43dd8448eb211c80319c","span_id":"b7ad6b7169203331","name":"chat","start_unix_nano":"1","end_unix_nano":"2"}"#).unwrap();
/// assert_eq!(rizk_ui::export_html(&input, &output).unwrap(), 1);
/// # std::fs::remove_file(input).ok(); std::fs::remove_file(output).ok();
/// ```
pub fn export_html(jsonl: impl AsRef<Path>, out: impl AsRef<Path>) -> Result<usize, UiError> {
    let spans = crate::jsonl::read_jsonl(jsonl)?;
    // The same summaries as the server's: load into a store in memory and read back.
    let mut store = Store::in_memory(Retention::default())?;
    store.insert(&spans)?;
    let list = store.list(&ListFilter {
        limit: usize::MAX,
        ..Default::default()
    })?;
    let mut details = serde_json::Map::new();
    for t in list["traces"].as_array().into_iter().flatten() {
        if let Some(id) = t["trace_id"].as_str()
            && let Some(detail) = store.trace(id)?
        {
            details.insert(id.to_owned(), detail);
        }
    }
    let count = details.len();
    let data = json!({ "list": list, "traces": details });
    let out = out.as_ref();
    std::fs::write(out, page(Some(&data))).map_err(|source| UiError::Io {
        path: out.to_owned(),
        source,
    })?;
    Ok(count)
}
