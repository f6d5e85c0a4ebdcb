//! #[track_resource_usage]: the figures move when the function allocates, computes and writes.

#![allow(clippy::unwrap_used)] // a test fails loudly on what it did not expect

mod common;

use std::io::Write;

use common::{attr, harness, span};
use opentelemetry::Value;
use rizk::{task, track_resource_usage, workflow};

// The 16 MB result is not recorded: formatting and redacting it (as JSON, about 60 MB in a
// debug build) measured the redactor, not the resource figures, and overran flush's bound on
// a busy machine.
#[track_resource_usage]
#[workflow(name = "data_analysis", capture_output = false)]
fn analyze_large_dataset(megabytes: usize) -> Vec<u8> {
    let data = load_dataset(megabytes);
    let checksum = crunch(&data);
    write_report(checksum);
    data
}

#[task(capture_output = false)]
fn load_dataset(megabytes: usize) -> Vec<u8> {
    // Touch every page so it is resident.
    (0..megabytes << 20).map(|i| (i % 251) as u8).collect()
}

#[task(skip_all)]
fn crunch(data: &[u8]) -> u64 {
    let mut acc = 0u64;
    let started = std::time::Instant::now();
    while started.elapsed() < std::time::Duration::from_millis(150) {
        acc = data
            .iter()
            .step_by(4096)
            .fold(acc, |a, b| a.wrapping_mul(31).wrapping_add(u64::from(*b)));
    }
    acc
}

#[task]
fn write_report(checksum: u64) {
    let path = std::env::temp_dir().join(format!("rizk-report-{}.bin", std::process::id()));
    let mut file = std::fs::File::create(&path).unwrap();
    for _ in 0..64 {
        file.write_all(&[checksum as u8; 16 << 10]).unwrap();
    }
    file.sync_all().unwrap();
    std::fs::remove_file(path).unwrap();
}

fn int(v: Option<Value>) -> i64 {
    match v {
        Some(Value::I64(n)) => n,
        other => panic!("expected an integer, got {other:?}"),
    }
}

fn float(v: Option<Value>) -> f64 {
    match v {
        Some(Value::F64(n)) => n,
        other => panic!("expected a float, got {other:?}"),
    }
}

#[test]
fn resource_figures_move_when_the_function_allocates_computes_and_writes() {
    let h = harness();
    let data = analyze_large_dataset(16);
    assert_eq!(data.len(), 16 << 20);
    let spans = h.trace_of("workflow.data_analysis");
    let root = span(&spans, "workflow.data_analysis");
    assert!(
        int(attr(root, "rizk.resource.memory.rss_delta_bytes")) > 8 << 20,
        "16 MiB stayed resident"
    );
    assert!(int(attr(root, "rizk.resource.memory.rss_bytes")) > 16 << 20);
    let cpu = float(attr(root, "rizk.resource.cpu.user_ms"))
        + float(attr(root, "rizk.resource.cpu.system_ms"));
    assert!(cpu >= 100.0, "150 ms of computing shows as CPU time: {cpu}");
    assert!(
        int(attr(root, "rizk.resource.io.write_chars")) >= 1 << 20,
        "1 MiB written"
    );
    let note = attr(root, "rizk.resource.unavailable").unwrap().to_string();
    assert!(note.contains("network"), "{note}");
    // Only the decorated span carries the figures.
    assert!(attr(span(&spans, "task.crunch"), "rizk.resource.cpu.user_ms").is_none());
}
