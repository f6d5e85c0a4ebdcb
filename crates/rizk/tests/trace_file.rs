//! The JSON-lines file: one parseable object per span, with ids that link children to parents.

#![allow(clippy::unwrap_used)] // a test fails loudly on what it did not expect

use rizk::{Rizk, RizkError, task, workflow};

#[workflow(name = "file_export")]
fn file_export() -> u8 {
    step() + 1
}

#[task]
fn step() -> u8 {
    1
}

#[test]
fn spans_are_appended_as_json_lines_and_a_bad_path_is_refused() {
    let err = Rizk::builder()
        .app_name("jsonl")
        .console_exporter(false)
        .ignore_environment()
        .trace_file("/nonexistent-dir/spans.jsonl")
        .init()
        .unwrap_err();
    assert!(
        matches!(err, RizkError::InvalidConfig { ref field, .. } if field == "trace_file"),
        "{err}"
    );

    let path = std::env::temp_dir().join(format!("rizk-spans-{}.jsonl", std::process::id()));
    let handle = Rizk::builder()
        .app_name("jsonl")
        .console_exporter(false)
        .ignore_environment()
        .trace_file(&path)
        .init()
        .unwrap();
    file_export();
    handle.shutdown();

    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::remove_file(&path).unwrap();
    let spans: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(spans.len(), 2);
    let root = spans
        .iter()
        .find(|s| s["name"] == "workflow.file_export")
        .unwrap();
    let child = spans.iter().find(|s| s["name"] == "task.step").unwrap();
    assert_eq!(child["parent_span_id"], root["span_id"]);
    assert_eq!(child["trace_id"], root["trace_id"]);
    assert!(root["parent_span_id"].is_null());
    assert_eq!(root["service"], "jsonl");
    assert_eq!(root["attributes"]["rizk.span.kind"], "workflow");
    assert_eq!(root["attributes"]["output.value"], "2");
    assert_eq!(root["status"], "unset");
}
