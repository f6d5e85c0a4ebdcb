//! `cargo xtask e2e`: the end-to-end tests against real trace backends.
//!
//! Convention (see `docs/development.md`): an e2e test is an ordinary integration test in
//! `crates/*/tests/`, its function name starts with `e2e_`, it is marked
//! `#[ignore = "e2e: needs peers; run with cargo xtask e2e"]`, and it finds the peers through the
//! `E2E_*` environment variables that this task sets (no `RIZK_` prefix: those are the library's
//! configuration variables).

use std::fs;
use std::path::{Path, PathBuf};
use std::time::Instant;

use crate::peers;
use crate::util::{self, Error, FEATURES, Result, TestCounts};

/// The prefix every e2e test function name starts with; also the default test-name filter.
pub(crate) const PREFIX: &str = "e2e_";

/// What an e2e run did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// There is no e2e test in the workspace yet; nothing was installed or started.
    NoTests,
    /// The tests ran and passed.
    Ran(TestCounts),
}

/// One e2e test function found in the sources.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Found {
    /// The file, relative to the workspace root.
    file: PathBuf,
    /// The 1-based line of `fn e2e_...`.
    line: usize,
    /// The function name.
    name: String,
    /// Whether an `#[ignore` attribute precedes it.
    ignored: bool,
}

/// Runs the e2e tests whose names contain `filter` (default: every `e2e_` test).
///
/// Installs and starts the peers (reusing ones already started by `cargo xtask peers start`),
/// runs the ignored integration tests, and stops the peers it started by PID even when the tests
/// fail or panic.
pub(crate) fn run(filter: Option<&str>) -> Result<Outcome> {
    let root = util::root();
    let found = find_tests(&root);
    if found.is_empty() {
        eprintln!(
            "e2e: no e2e tests yet (no `fn {PREFIX}` in crates/*/tests/); nothing to run, peers \
             not installed"
        );
        return Ok(Outcome::NoTests);
    }
    eprintln!("e2e: {} e2e test(s) found", found.len());
    for f in found.iter().filter(|f| !f.ignored) {
        eprintln!(
            "e2e: warning: {}:{} `{}` has no #[ignore]: plain `cargo test` runs it without peers; \
             add #[ignore = \"e2e: needs peers; run with cargo xtask e2e\"]",
            f.file.display(),
            f.line,
            f.name
        );
    }

    let started = Instant::now();
    let guard = peers::start(peers::ALL, peers::Mode::Attached)?;
    eprintln!("e2e: peers ready in {}", util::human(started.elapsed()));

    let filter = filter.unwrap_or(PREFIX);
    let mut cmd = util::cargo();
    cmd.args(["test", "--workspace"])
        .args(FEATURES)
        // Integration tests only: e2e tests live in crates/*/tests/, and this skips doc tests.
        .args(["--test", "*"]);
    for (key, value) in peers::e2e_env() {
        cmd.env(key, value);
    }
    let (counts, tests_result) = util::run_tests(
        &mut cmd,
        &["--ignored", filter],
        &format!(
            "see the failing e2e tests above; the peers' logs are in {}; rerun one by hand as \
             docs/development.md shows",
            peers::run_dir().display()
        ),
    );
    // Stop the peers before reporting, whatever the tests did (the guard also stops on panic).
    let stop_result = guard.stop();
    tests_result?;
    stop_result?;
    if counts.passed + counts.failed == 0 {
        return Err(Error::new(
            format!(
                "found {} `fn {PREFIX}*` test(s) in crates/*/tests/ but no test matching `{filter}` ran",
                found.len()
            ),
            format!(
                "e2e tests must be #[ignore]d integration tests in crates/*/tests/ whose names \
                 start with `{PREFIX}` (first found: {}:{})",
                found[0].file.display(),
                found[0].line
            ),
        ));
    }
    eprintln!(
        "e2e: {} passed, {} failed in {}",
        counts.passed,
        counts.failed,
        util::human(started.elapsed())
    );
    Ok(Outcome::Ran(counts))
}

/// Finds `fn e2e_*` in every `.rs` file under `crates/*/tests/`.
fn find_tests(root: &Path) -> Vec<Found> {
    let mut files = Vec::new();
    if let Ok(crates) = fs::read_dir(root.join("crates")) {
        let mut crates: Vec<PathBuf> = crates.filter_map(|e| Some(e.ok()?.path())).collect();
        crates.sort();
        for krate in crates {
            collect_rs(&krate.join("tests"), &mut files);
        }
    }
    let mut found = Vec::new();
    for file in files {
        let Ok(text) = fs::read_to_string(&file) else {
            continue;
        };
        let rel = file.strip_prefix(root).unwrap_or(&file).to_path_buf();
        found.extend(scan(&text).into_iter().map(|(line, name, ignored)| Found {
            file: rel.clone(),
            line,
            name,
            ignored,
        }));
    }
    found
}

/// Collects `.rs` files under `dir`, recursively, in a stable order.
fn collect_rs(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    let mut paths: Vec<PathBuf> = entries.filter_map(|e| Some(e.ok()?.path())).collect();
    paths.sort();
    for path in paths {
        if path.is_dir() {
            collect_rs(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// Finds `fn e2e_...` in a source text: (1-based line, name, preceded by `#[ignore`).
fn scan(text: &str) -> Vec<(usize, String, bool)> {
    let lines: Vec<&str> = text.lines().collect();
    let mut found = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let code = line.split("//").next().unwrap_or_default();
        let Some(at) = code.find(&format!("fn {PREFIX}")) else {
            continue;
        };
        let name: String = code[at + 3..]
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect();
        // Look back over the attributes above the function (up to the previous item).
        let mut ignored = false;
        for prev in lines[..i].iter().rev().take(12) {
            let prev = prev.trim();
            if prev.starts_with("#[ignore") {
                ignored = true;
                break;
            }
            if prev.is_empty() || prev.ends_with('}') || prev.ends_with(';') {
                break;
            }
        }
        found.push((i + 1, name, ignored));
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scans_e2e_functions() {
        let src = r#"
#[test]
#[ignore = "e2e: needs peers; run with cargo xtask e2e"]
fn e2e_phoenix_http() {}

#[tokio::test]
async fn e2e_ddagent() {}

// fn e2e_commented_out() {}
fn helper() {}
"#;
        let found = scan(src);
        assert_eq!(
            found,
            vec![
                (4, "e2e_phoenix_http".to_owned(), true),
                (7, "e2e_ddagent".to_owned(), false),
            ]
        );
    }
}
