//! Helpers shared by every task: the workspace root, errors that say what to do, running commands,
//! and reading libtest's summary lines.

use std::ffi::OsString;
use std::fmt;
use std::io::{self, BufRead, BufReader, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::time::Duration;

/// The Cargo feature selection used by every build in `ci`, `e2e` and `bench`.
///
/// One selection everywhere means clippy, tests, docs, examples and e2e share one dependency
/// build. If the workspace ever gains mutually exclusive features, replace this with an explicit
/// `--features a,b` list that is valid for every crate, and keep it the only place that says so.
pub(crate) const FEATURES: &[&str] = &["--all-features"];

/// An error that says what failed and what to do about it.
#[derive(Debug)]
pub(crate) struct Error {
    /// What failed.
    what: String,
    /// What to do about it.
    fix: String,
}

impl Error {
    /// An error: `what` failed; `fix` tells the reader what to do next.
    pub(crate) fn new(what: impl Into<String>, fix: impl Into<String>) -> Self {
        Self {
            what: what.into(),
            fix: fix.into(),
        }
    }
}

impl Error {
    /// The same error seen from a larger task: `prefix` goes before what failed and `fix_suffix`
    /// after what to do.
    pub(crate) fn within(self, prefix: &str, fix_suffix: &str) -> Self {
        Self {
            what: format!("{prefix}{}", self.what),
            fix: format!("{}{fix_suffix}", self.fix),
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.what)?;
        if !self.fix.is_empty() {
            write!(f, "\n  what to do: {}", self.fix)?;
        }
        Ok(())
    }
}

/// The result of an xtask step.
pub(crate) type Result<T, E = Error> = std::result::Result<T, E>;

/// The workspace root: the parent of xtask's own manifest directory.
pub(crate) fn root() -> PathBuf {
    let xtask_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    xtask_dir
        .parent()
        .map_or_else(|| xtask_dir.to_path_buf(), Path::to_path_buf)
}

/// Every entry under `crates/` (unsorted), or an error that says where to run xtask from.
fn crate_dirs() -> Result<Vec<PathBuf>> {
    let dir = root().join("crates");
    let entries = std::fs::read_dir(&dir).map_err(|e| {
        Error::new(
            format!("cannot list {}: {e}", dir.display()),
            "run xtask from a checkout of the rizk workspace",
        )
    })?;
    Ok(entries
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .collect())
}

/// The library crates of the workspace, sorted: every `crates/<name>/` with a `Cargo.toml` and a
/// `src/lib.rs` (the workspace's `members = ["crates/*"]`, xtask left out). The directory name
/// is the package name, as everywhere in this workspace.
pub(crate) fn library_crates() -> Result<Vec<String>> {
    let dir = root().join("crates");
    let mut crates: Vec<String> = crate_dirs()?
        .into_iter()
        .filter(|path| path.join("Cargo.toml").is_file() && path.join("src/lib.rs").is_file())
        .filter_map(|path| Some(path.file_name()?.to_str()?.to_owned()))
        .collect();
    crates.sort();
    if crates.is_empty() {
        return Err(Error::new(
            format!("no library crate under {}", dir.display()),
            "run xtask from a checkout of the rizk workspace",
        ));
    }
    Ok(crates)
}

/// The workspace members (`crates/*` and `xtask`) whose `[package]` says `publish = false`, by
/// package name, sorted: xtask, and any crate kept off crates.io (test support).
pub(crate) fn unpublished_members() -> Result<Vec<String>> {
    let mut manifests: Vec<PathBuf> = crate_dirs()?
        .into_iter()
        .map(|dir| dir.join("Cargo.toml"))
        .filter(|path| path.is_file())
        .collect();
    manifests.push(root().join("xtask/Cargo.toml"));
    let mut names = Vec::new();
    for path in manifests {
        let text = std::fs::read_to_string(&path).map_err(|e| {
            Error::new(
                format!("cannot read {}: {e}", path.display()),
                "run xtask from a checkout of the rizk workspace",
            )
        })?;
        if let (Some(name), false) = package_name_and_publish(&text) {
            names.push(name);
        }
    }
    names.sort();
    Ok(names)
}

/// The `name` of a manifest's `[package]` table, and whether it may be published (anything but
/// `publish = false`). A line reader, not a TOML parser: enough for this workspace's manifests,
/// which write both keys as `key = value` lines of `[package]`.
pub(crate) fn package_name_and_publish(manifest: &str) -> (Option<String>, bool) {
    let (mut name, mut publish) = (None, true);
    let mut in_package = false;
    for line in manifest.lines().map(str::trim) {
        if line.starts_with('[') {
            in_package = line == "[package]";
            continue;
        }
        if !in_package {
            continue;
        }
        let Some((key, value)) = line.split_once('=') else {
            continue;
        };
        let value = value.split('#').next().unwrap_or_default().trim();
        match key.trim() {
            "name" => name = Some(value.trim_matches('"').to_owned()),
            "publish" => publish = value != "false",
            _ => {}
        }
    }
    (name, publish)
}

/// True when running under CI (`CI=true` or `CI=1`).
pub(crate) fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v.eq_ignore_ascii_case("true") || v == "1")
}

/// A `cargo` command run from the workspace root.
///
/// Uses the `cargo` that runs xtask (`$CARGO`), so the same toolchain builds everything. Under CI
/// it sets `CARGO_INCREMENTAL=0`: incremental caches cost time and disk on a one-shot build.
pub(crate) fn cargo() -> Command {
    let program = std::env::var_os("CARGO").unwrap_or_else(|| OsString::from("cargo"));
    let mut cmd = Command::new(program);
    cmd.current_dir(root());
    if in_ci() {
        cmd.env("CARGO_INCREMENTAL", "0");
    }
    cmd
}

/// The command line as a reader would type it (environment overrides first), for messages.
pub(crate) fn display(cmd: &Command) -> String {
    let mut parts = Vec::new();
    for (key, value) in cmd.get_envs() {
        if let Some(value) = value {
            parts.push(format!(
                "{}={}",
                key.to_string_lossy(),
                quote(&value.to_string_lossy())
            ));
        }
    }
    let program = cmd.get_program().to_string_lossy();
    // `$CARGO` is a full path into the toolchain; show it as the `cargo` the reader would type.
    let program = match Path::new(program.as_ref()).file_name() {
        Some(name) if name == "cargo" => "cargo".to_owned(),
        _ => program.into_owned(),
    };
    parts.push(program);
    parts.extend(cmd.get_args().map(|a| quote(&a.to_string_lossy())));
    parts.join(" ")
}

/// Quotes a shell word when it needs quoting.
fn quote(word: &str) -> String {
    let plain = !word.is_empty()
        && word
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./=:,+@%".contains(c));
    if plain {
        word.to_owned()
    } else {
        format!("'{}'", word.replace('\'', r"'\''"))
    }
}

/// Describes how a process ended.
pub(crate) fn describe(status: ExitStatus) -> String {
    match status.code() {
        Some(code) => format!("exit status {code}"),
        None => format!("{status}"),
    }
}

/// Runs `cmd` with inherited stdio; fails with `fix` as the advice when it does not succeed.
pub(crate) fn run(cmd: &mut Command, fix: &str) -> Result<()> {
    let shown = display(cmd);
    eprintln!("$ {shown}");
    let status = cmd.status().map_err(|e| cannot_start(&shown, &e))?;
    if status.success() {
        Ok(())
    } else {
        Err(Error::new(
            format!("`{shown}` failed ({})", describe(status)),
            fix,
        ))
    }
}

/// Runs `cmd` quietly and returns its standard output if it succeeds.
pub(crate) fn output(cmd: &mut Command) -> Option<String> {
    let out = cmd
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}

/// The error for a program that could not be started at all.
pub(crate) fn cannot_start(shown: &str, err: &io::Error) -> Error {
    Error::new(
        format!("could not start `{shown}`: {err}"),
        "check that the program is installed and on PATH",
    )
}

/// Test counts read from libtest's `test result:` lines (unit, integration and doc tests).
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub(crate) struct TestCounts {
    /// Tests that passed.
    pub(crate) passed: u64,
    /// Tests that failed.
    pub(crate) failed: u64,
    /// Tests that were ignored (not run).
    pub(crate) ignored: u64,
}

impl TestCounts {
    /// Adds the counts of one `test result: ...` line; other lines are left alone.
    pub(crate) fn add_line(&mut self, line: &str) {
        let Some(rest) = line.trim_start().strip_prefix("test result:") else {
            return;
        };
        let words: Vec<&str> = rest
            .split(|c: char| c.is_whitespace() || c == ';' || c == '.' || c == ',')
            .filter(|w| !w.is_empty())
            .collect();
        for pair in words.windows(2) {
            let Ok(n) = pair[0].parse::<u64>() else {
                continue;
            };
            match pair[1] {
                "passed" => self.passed += n,
                "failed" => self.failed += n,
                "ignored" => self.ignored += n,
                _ => {}
            }
        }
    }

    /// The sum of two counts.
    pub(crate) fn plus(self, other: Self) -> Self {
        Self {
            passed: self.passed + other.passed,
            failed: self.failed + other.failed,
            ignored: self.ignored + other.ignored,
        }
    }
}

/// Runs a `cargo test` command, echoing its output while counting the results.
///
/// `harness_args` go after `--`. When the terminal shows colours, libtest is asked to keep them
/// (it would drop them because its output is piped through xtask). Returns the counts even when
/// tests failed, together with the outcome.
pub(crate) fn run_tests(
    cmd: &mut Command,
    harness_args: &[&str],
    fix: &str,
) -> (TestCounts, Result<()>) {
    cmd.arg("--").args(harness_args);
    if io::stdout().is_terminal() {
        cmd.arg("--color=always");
    }
    let shown = display(cmd);
    eprintln!("$ {shown}");
    let mut counts = TestCounts::default();
    let mut child = match cmd.stdout(Stdio::piped()).spawn() {
        Ok(child) => child,
        Err(e) => return (counts, Err(cannot_start(&shown, &e))),
    };
    if let Some(stdout) = child.stdout.take() {
        let mut reader = BufReader::new(stdout);
        let mut out = io::stdout();
        let mut line = Vec::new();
        loop {
            line.clear();
            match reader.read_until(b'\n', &mut line) {
                Ok(0) | Err(_) => break,
                Ok(_) => {
                    // Echo failures are not worth failing the run for.
                    let _ = out.write_all(&line);
                    let _ = out.flush();
                    counts.add_line(&strip_ansi(&String::from_utf8_lossy(&line)));
                }
            }
        }
    }
    let result = match child.wait() {
        Ok(status) if status.success() => Ok(()),
        Ok(status) => Err(Error::new(
            format!("`{shown}` failed ({})", describe(status)),
            fix,
        )),
        Err(e) => Err(Error::new(
            format!("waiting for `{shown}` failed: {e}"),
            "run the command by hand to see what happens",
        )),
    };
    (counts, result)
}

/// Removes ANSI colour sequences (libtest colours "ok"/"FAILED" when asked to).
fn strip_ansi(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            // Skip `ESC [ ... letter`.
            for c in chars.by_ref() {
                if c.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// Formats a duration as seconds with one decimal, or minutes and seconds past a minute.
pub(crate) fn human(d: Duration) -> String {
    let secs = d.as_secs_f64();
    if secs < 60.0 {
        format!("{secs:.1} s")
    } else {
        let whole = d.as_secs();
        format!("{} min {:02} s", whole / 60, whole % 60)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_package_name_and_publish() {
        let manifest = r#"
[package]
name = "xtask"
publish = false # not for crates.io

[dependencies]
publish = true
"#;
        assert_eq!(
            package_name_and_publish(manifest),
            (Some("xtask".to_owned()), false)
        );
        let manifest =
            "[package]\nname = \"rizk\"\nversion.workspace = true\n\n[features]\nname = []\n";
        assert_eq!(
            package_name_and_publish(manifest),
            (Some("rizk".to_owned()), true)
        );
    }

    #[test]
    fn xtask_is_unpublished_and_the_facade_is_not() {
        let unpublished = unpublished_members().expect("lists the members");
        assert!(unpublished.iter().any(|n| n == "xtask"), "{unpublished:?}");
        assert!(!unpublished.iter().any(|n| n == "rizk"), "{unpublished:?}");
    }

    #[test]
    fn counts_libtest_summaries() {
        let mut c = TestCounts::default();
        c.add_line("test result: ok. 12 passed; 0 failed; 3 ignored; 0 measured; 0 filtered out; finished in 0.01s");
        c.add_line("test result: FAILED. 1 passed; 2 failed; 0 ignored; 0 measured; 5 filtered out; finished in 1.20s");
        c.add_line("running 3 tests");
        c.add_line("test foo ... ok");
        assert_eq!(
            c,
            TestCounts {
                passed: 13,
                failed: 2,
                ignored: 3
            }
        );
    }

    #[test]
    fn counts_coloured_summaries() {
        let mut c = TestCounts::default();
        c.add_line(&strip_ansi(
            "test result: \u{1b}[32mok\u{1b}[0m. 4 passed; 0 failed; 1 ignored; 0 measured; 0 filtered out",
        ));
        assert_eq!((c.passed, c.failed, c.ignored), (4, 0, 1));
    }

    #[test]
    fn quotes_only_when_needed() {
        assert_eq!(quote("--all-features"), "--all-features");
        assert_eq!(quote("-D warnings"), "'-D warnings'");
        assert_eq!(quote("*"), "'*'");
    }

    #[test]
    fn root_holds_the_workspace_manifest() {
        assert!(root().join("Cargo.toml").is_file());
        assert!(root().join("xtask").is_dir());
    }

    #[test]
    fn library_crates_are_the_workspace_crates_without_xtask() {
        let crates = library_crates().expect("lists crates/");
        for name in ["rizk", "rizk-core", "rizk-macros", "rizk-exporters"] {
            assert!(crates.iter().any(|c| c == name), "{name} in {crates:?}");
        }
        assert!(!crates.iter().any(|c| c == "xtask"), "{crates:?}");
        let mut sorted = crates.clone();
        sorted.sort();
        assert_eq!(crates, sorted);
    }

    #[test]
    fn human_durations() {
        assert_eq!(human(Duration::from_millis(1500)), "1.5 s");
        assert_eq!(human(Duration::from_secs(125)), "2 min 05 s");
    }
}
