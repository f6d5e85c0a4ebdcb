//! Reading criterion's saved estimates, so that the workspace's benchmarks can print ratios of
//! cases measured in the same run.

/// Mean time of benchmark `group/bench` from criterion's saved estimates, in nanoseconds
/// (`None` before that benchmark has run). Estimates are read from `$CARGO_TARGET_DIR/criterion`,
/// else from the workspace's `target/criterion`.
///
/// ```
/// // Nothing of that name has run: no estimate, rather than a made-up number.
/// assert_eq!(rizk_test_support::mean_ns("no_such_group", "no_such_bench"), None);
/// ```
pub fn mean_ns(group: &str, bench: &str) -> Option<f64> {
    let dir = std::env::var("CARGO_TARGET_DIR")
        .unwrap_or_else(|_| concat!(env!("CARGO_MANIFEST_DIR"), "/../../target").to_owned());
    let path = format!("{dir}/criterion/{group}/{bench}/new/estimates.json");
    let text = std::fs::read_to_string(path).ok()?;
    let json: serde_json::Value = serde_json::from_str(&text).ok()?;
    json["mean"]["point_estimate"].as_f64()
}
