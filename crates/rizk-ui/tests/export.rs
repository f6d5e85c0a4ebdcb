//! `rizk view`: a real rizk trace file (JsonLinesExporter) into one self-contained HTML page.

#![allow(clippy::unwrap_used)] // a test fails loudly on what it did not expect

use std::process::Command;

use rizk::opentelemetry::trace::TraceContextExt as _;
use rizk::{Rizk, task, workflow};

#[workflow(name = "export_me")]
fn export_me() -> usize {
    risky().len()
}

#[task(name = "risky")]
fn risky() -> String {
    let cx = rizk::opentelemetry::Context::current();
    // A value that would end the script element if it were embedded unescaped.
    cx.span().set_attributes([
        rizk::KeyValue::new("input.value", "</script><script>alert(1)</script>"),
        rizk::KeyValue::new("llm.token_count.total", 77i64),
    ]);
    "ok".into()
}

#[test]
fn a_trace_file_becomes_one_self_contained_page() {
    let dir = std::env::temp_dir();
    let pid = std::process::id();
    let jsonl = dir.join(format!("rizk-ui-export-{pid}.jsonl"));
    let html = dir.join(format!("rizk-ui-export-{pid}.html"));
    let handle = Rizk::builder()
        .app_name("exported")
        .console_exporter(false)
        .ignore_environment()
        .trace_file(&jsonl)
        .init()
        .unwrap();
    export_me();
    handle.shutdown();

    let out = Command::new(env!("CARGO_BIN_EXE_rizk"))
        .args([
            "view",
            jsonl.to_str().unwrap(),
            "-o",
            html.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("(1 traces)"));

    let page = std::fs::read_to_string(&html).unwrap();
    assert!(page.starts_with("<!doctype html>"));
    assert!(page.contains("window.RIZK_DATA = {"));
    assert!(page.contains("workflow.export_me") && page.contains("task.risky"));
    assert!(page.contains("\"service\":\"exported\""));
    assert!(page.contains("\"tokens\":77"));
    assert!(
        !page.contains("alert(1)</script>"),
        "data cannot close the script element"
    );
    assert!(page.contains("\\u003c/script>\\u003cscript>alert(1)"));
    // One file: no stylesheet, script or image fetched from anywhere.
    assert!(!page.contains("src=") && !page.contains("href=\"http"));
    assert_eq!(page.matches("<script>").count(), 2);

    // The embedded data is the JSON the server's API answers.
    let start = page.find("window.RIZK_DATA = ").unwrap() + "window.RIZK_DATA = ".len();
    let end = start + page[start..].find(";</script>").unwrap();
    let data: serde_json::Value = serde_json::from_str(&page[start..end]).unwrap();
    let id = data["list"]["traces"][0]["trace_id"].as_str().unwrap();
    assert_eq!(data["traces"][id]["spans"].as_array().unwrap().len(), 2);
    std::fs::remove_file(&jsonl).unwrap();
    std::fs::remove_file(&html).unwrap();
}

#[test]
fn a_bad_line_or_a_bad_flag_is_refused_with_the_fix() {
    let jsonl = std::env::temp_dir().join(format!("rizk-ui-bad-{}.jsonl", std::process::id()));
    std::fs::write(&jsonl, "\n{\"trace_id\": 5}\n").unwrap();
    let err = rizk_ui::export_html(&jsonl, "/nonexistent/x.html").unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains("line 2") && text.contains("JsonLinesExporter"),
        "{text}"
    );
    std::fs::remove_file(&jsonl).unwrap();

    let out = Command::new(env!("CARGO_BIN_EXE_rizk"))
        .args([
            "ui",
            "--retention",
            "forever",
            "--db",
            "/nonexistent/db.sqlite",
        ])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("like 30m, 12h or 7d"), "{stderr}");

    let out = Command::new(env!("CARGO_BIN_EXE_rizk"))
        .args(["view", "/nonexistent/trace.jsonl"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("/nonexistent/trace.jsonl"));
}
