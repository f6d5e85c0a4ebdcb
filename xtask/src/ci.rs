//! `cargo xtask ci`: every check, in order, failing fast, with a timing summary.
//!
//! Every cargo step uses the same profile (dev/test) and the same [`FEATURES`], so clippy, tests,
//! docs, examples and e2e share one build of the dependencies. No release builds. The one
//! exception is `default-features`, which tests each library crate with its own default
//! features, the way a user of that crate alone builds it.

use std::time::{Duration, Instant};

use crate::util::{self, FEATURES, Result, TestCounts};
use crate::{e2e, smoke};

/// The cargo-deny version that `deny.toml` is written for.
const CARGO_DENY_VERSION: &str = "0.20.2";

/// The steps of `cargo xtask ci`, in the order they run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum Step {
    /// `cargo fmt --all -- --check`.
    Fmt,
    /// `cargo clippy --workspace --all-targets <features> -- -D warnings`.
    Clippy,
    /// `cargo test --workspace <features>` (unit, integration and doc tests).
    Test,
    /// `cargo test -p <crate>` for each library crate in turn, with its default features.
    DefaultFeatures,
    /// `cargo doc --workspace --no-deps <features>` with `RUSTDOCFLAGS=-D warnings`.
    Doc,
    /// `cargo build --workspace --examples <features>`, then the quickstart against a dead
    /// collector (it must exit 0 and say what was lost).
    Examples,
    /// `cargo package --workspace --locked --no-verify --allow-dirty`, leaving out the
    /// `publish = false` members: every publishable crate packages (manifest, metadata, files).
    Package,
    /// `cargo deny check licenses bans sources` (installs cargo-deny if missing).
    Deny,
    /// `cargo xtask e2e`: end-to-end tests against real backends.
    E2e,
}

impl Step {
    /// Every step, in order.
    const ALL: [Self; 9] = [
        Self::Fmt,
        Self::Clippy,
        Self::Test,
        Self::DefaultFeatures,
        Self::Doc,
        Self::Examples,
        Self::Package,
        Self::Deny,
        Self::E2e,
    ];

    /// The step's name in messages and in `--skip`.
    fn name(self) -> &'static str {
        match self {
            Self::Fmt => "fmt",
            Self::Clippy => "clippy",
            Self::Test => "test",
            Self::DefaultFeatures => "default-features",
            Self::Doc => "doc",
            Self::Examples => "examples",
            Self::Package => "package",
            Self::Deny => "deny",
            Self::E2e => "e2e",
        }
    }
}

/// How a step ended, for the summary.
#[derive(Debug)]
enum Outcome {
    /// Passed, with a note (may be empty).
    Ok(String),
    /// Failed.
    Failed,
    /// Skipped with `--skip`.
    Skipped,
    /// Not reached because an earlier step failed.
    NotRun,
}

/// Runs every step except `skip`, in order, stopping at the first failure; prints a timing summary
/// and, last, the total test count as `ci: N passed, M failed`.
pub(crate) fn run(skip: &[Step]) -> Result<()> {
    if util::in_ci() {
        eprintln!("ci: CI=true: CARGO_INCREMENTAL=0 for every cargo command");
    }
    let total = Instant::now();
    let mut rows: Vec<(Step, Duration, Outcome)> = Vec::new();
    let mut tests = TestCounts::default();
    let mut failure = None;
    for step in Step::ALL {
        if failure.is_some() {
            rows.push((step, Duration::ZERO, Outcome::NotRun));
            continue;
        }
        if skip.contains(&step) {
            eprintln!("\nci: skipping `{}` (--skip)", step.name());
            rows.push((step, Duration::ZERO, Outcome::Skipped));
            continue;
        }
        eprintln!("\nci: ==> {}", step.name());
        let started = Instant::now();
        let (counts, result) = run_step(step);
        let took = started.elapsed();
        tests = tests.plus(counts);
        match result {
            Ok(note) => rows.push((step, took, Outcome::Ok(note))),
            Err(e) => {
                rows.push((step, took, Outcome::Failed));
                failure = Some((step, e));
            }
        }
    }
    print_summary(&rows, total.elapsed());
    let ran_tests = tests.passed + tests.failed > 0;
    match failure {
        Some((step, e)) => {
            if ran_tests {
                print_totals(tests);
            }
            Err(e.within(
                &format!("ci step `{}` failed: ", step.name()),
                "; then run `cargo xtask ci` again (`--skip <step>` leaves a step out locally)",
            ))
        }
        None => {
            if ran_tests {
                print_totals(tests);
            }
            Ok(())
        }
    }
}

/// Runs one step; returns the tests it counted and a note for the summary.
fn run_step(step: Step) -> (TestCounts, Result<String>) {
    let none = TestCounts::default();
    match step {
        Step::Fmt => (
            none,
            util::run(
                util::cargo().args(["fmt", "--all", "--", "--check"]),
                "run `cargo fmt --all` to format the code (if cargo-fmt is missing: `rustup \
                 component add rustfmt`)",
            )
            .map(|()| String::new()),
        ),
        Step::Clippy => (
            none,
            util::run(
                util::cargo()
                    .args(["clippy", "--workspace", "--all-targets"])
                    .args(FEATURES)
                    .args(["--", "-D", "warnings"]),
                "fix the lints above, then rerun the command shown (if cargo-clippy is missing: \
                 `rustup component add clippy`)",
            )
            .map(|()| String::new()),
        ),
        Step::Test => {
            let mut cmd = util::cargo();
            cmd.args(["test", "--workspace"]).args(FEATURES);
            let (counts, result) = util::run_tests(
                &mut cmd,
                &[],
                "see the failing tests above; rerun one with `cargo test -p <crate> --all-features \
                 <name>`",
            );
            let note = format!(
                "{} passed, {} failed, {} ignored",
                counts.passed, counts.failed, counts.ignored
            );
            (counts, result.map(|()| note))
        }
        Step::DefaultFeatures => default_feature_tests(),
        Step::Doc => {
            let mut flags = std::env::var("RUSTDOCFLAGS").unwrap_or_default();
            if !flags.is_empty() {
                flags.push(' ');
            }
            flags.push_str("-D warnings");
            (
                none,
                util::run(
                    util::cargo()
                        .args(["doc", "--workspace", "--no-deps"])
                        .args(FEATURES)
                        .env("RUSTDOCFLAGS", flags),
                    "fix the rustdoc warnings above (missing docs, broken intra-doc links, bad \
                     code blocks), then rerun the command shown",
                )
                .map(|()| String::new()),
            )
        }
        Step::Examples => (
            none,
            util::run(
                util::cargo()
                    .args(["build", "--workspace", "--examples"])
                    .args(FEATURES),
                "fix the example that does not build (see above)",
            )
            .and_then(|()| smoke::quickstart_with_dead_collector()),
        ),
        Step::Package => (none, package()),
        Step::Deny => (none, deny().map(|()| String::new())),
        Step::E2e => match e2e::run(None) {
            Ok(e2e::Outcome::NoTests) => (none, Ok("no e2e tests yet".to_owned())),
            Ok(e2e::Outcome::Ran(counts)) => (counts, Ok(format!("{} passed", counts.passed))),
            Err(e) => (none, Err(e)),
        },
    }
}

/// Runs `cargo test -p <crate>` for every library crate, one invocation per crate.
///
/// One invocation per crate on purpose: `cargo test -p a -p b` unifies the features of a and b
/// (and of their dev-dependencies), so a crate's tests could lean on a feature only the other
/// crate turns on, which is the very thing this step is there to catch. Every crate runs even
/// after one fails, so a single run names all of them.
fn default_feature_tests() -> (TestCounts, Result<String>) {
    let crates = match util::library_crates() {
        Ok(crates) => crates,
        Err(e) => return (TestCounts::default(), Err(e)),
    };
    let mut total = TestCounts::default();
    let mut failed = Vec::new();
    for name in &crates {
        eprintln!("\nci: default features of {name}");
        let mut cmd = util::cargo();
        cmd.args(["test", "-p", name]);
        let (counts, result) = util::run_tests(&mut cmd, &[], "");
        total = total.plus(counts);
        if result.is_err() {
            failed.push(name.as_str());
        }
    }
    let note = format!(
        "{} crates: {} passed, {} failed, {} ignored",
        crates.len(),
        total.passed,
        total.failed,
        total.ignored
    );
    if failed.is_empty() {
        return (total, Ok(note));
    }
    let err = util::Error::new(
        format!(
            "the tests of {} fail with their default features",
            failed.join(", ")
        ),
        format!(
            "rerun one with `cargo test -p {}`; a test that needs a feature gets \
             `required-features` in its crate's `[[test]]` entry, or `#![cfg(feature = \"...\")]`",
            failed[0]
        ),
    );
    (total, Err(err))
}

/// Runs `cargo package --workspace --locked --no-verify --allow-dirty` over the publishable
/// crates; the note names the members left out.
///
/// cargo packages the workspace's unpublished path dependencies against a local overlay of the
/// `.crate` files it has just made, so the crates are checked in dependency order without
/// anything on crates.io (it reads the crates.io index). `cargo package --workspace` does not
/// skip `publish = false` members: each is `--exclude`d.
///
/// `--no-verify` because verifying costs far more than it adds here. It builds every `.crate`
/// alone with its default features in a fresh workspace: measured on the project's 2-core
/// machine, 18 min wall (8 min 41 s of CPU; a dependency build per crate's feature set, rig and
/// async-openai among them), against about 25 s without. What it would catch is covered
/// elsewhere: the `default-features` step builds and tests each crate alone with its default
/// features, and no library reads a file from outside its crate (`include_str!`, `#[path]`), so
/// the `.crate` holds everything a build needs. Run the full check once before a release
/// (`cargo package --workspace --exclude xtask --locked`, see docs/development.md).
fn package() -> Result<String> {
    let excluded = util::unpublished_members()?;
    let mut cmd = util::cargo();
    // `--allow-dirty`: `cargo xtask ci` runs before a commit too; the step checks what the
    // crates would package, not whether the checkout is committed.
    cmd.args([
        "package",
        "--workspace",
        "--locked",
        "--no-verify",
        "--allow-dirty",
    ]);
    for name in &excluded {
        cmd.args(["--exclude", name]);
    }
    util::run(
        &mut cmd,
        "fix what cargo reports above (a missing `description`, `license` or `repository` in \
         the crate's `[package]`, a path dependency without a `version`, a `Cargo.lock` out of \
         date); a crate that is not meant for crates.io gets `publish = false`",
    )?;
    Ok(format!(
        "{} excluded (publish = false)",
        excluded.join(", ")
    ))
}

/// Runs `cargo deny check licenses bans sources`, installing cargo-deny first if it is missing.
/// (Advisories are left out: their database cannot be fetched on these machines.)
pub(crate) fn deny() -> Result<()> {
    ensure_cargo_deny()?;
    util::run(
        util::cargo().args(["deny", "check", "licenses", "bans", "sources"]),
        "a dependency brings a license deny.toml does not allow, a banned crate (e.g. OpenSSL via \
         native-tls: pick the crate's rustls feature) or a source other than crates.io; change the \
         dependency, or if it is acceptable, extend deny.toml with a comment saying why",
    )
}

/// Installs cargo-deny at the pinned version when `cargo deny --version` fails.
fn ensure_cargo_deny() -> Result<()> {
    if let Some(out) = util::output(util::cargo().args(["deny", "--version"])) {
        let found = out.split_whitespace().nth(1).unwrap_or_default();
        if found != CARGO_DENY_VERSION {
            eprintln!(
                "ci: warning: cargo-deny {found} is installed, deny.toml is written for \
                 {CARGO_DENY_VERSION}; if it rejects deny.toml, run `cargo install cargo-deny \
                 --locked --version {CARGO_DENY_VERSION} --force`"
            );
        }
        return Ok(());
    }
    eprintln!(
        "ci: cargo-deny is missing: installing {CARGO_DENY_VERSION} (about 2 min on 2 cores)"
    );
    let started = Instant::now();
    util::run(
        util::cargo().args([
            "install",
            "cargo-deny",
            "--locked",
            "--version",
            CARGO_DENY_VERSION,
        ]),
        &format!(
            "install it by hand: `cargo install cargo-deny --locked --version \
             {CARGO_DENY_VERSION}` (needs crates.io)"
        ),
    )?;
    eprintln!(
        "ci: installed cargo-deny in {}",
        util::human(started.elapsed())
    );
    Ok(())
}

/// Prints the test totals as the plain closing line that test-result readers understand
/// (`ci: N passed, M failed`, alone on a line, on stdout beside libtest's own lines).
fn print_totals(tests: TestCounts) {
    #[expect(
        clippy::print_stdout,
        reason = "the closing test line belongs with libtest's output"
    )]
    {
        println!("ci: {} passed, {} failed", tests.passed, tests.failed);
    }
}

/// Prints the per-step timing table.
fn print_summary(rows: &[(Step, Duration, Outcome)], total: Duration) {
    eprintln!("\nci summary:");
    for (step, took, outcome) in rows {
        let (time, what) = match outcome {
            Outcome::Ok(note) if note.is_empty() => (util::human(*took), "ok".to_owned()),
            Outcome::Ok(note) => (util::human(*took), format!("ok ({note})")),
            Outcome::Failed => (util::human(*took), "FAILED".to_owned()),
            Outcome::Skipped => ("-".to_owned(), "skipped".to_owned()),
            Outcome::NotRun => ("-".to_owned(), "not run".to_owned()),
        };
        eprintln!("  {:<9} {:>12}  {what}", step.name(), time);
    }
    eprintln!("  {:<9} {:>12}", "total", util::human(total));
}

#[cfg(test)]
mod tests {
    use clap::ValueEnum as _;

    use super::*;

    #[test]
    fn every_step_runs_is_skippable_by_its_name_and_is_documented() {
        assert_eq!(Step::value_variants(), Step::ALL);
        let path = util::root().join("docs/development.md");
        let docs = std::fs::read_to_string(&path).expect("docs/development.md is readable");
        for step in Step::ALL {
            let value = step.to_possible_value().expect("every step is a value");
            assert_eq!(value.get_name(), step.name());
            assert!(
                docs.contains(&format!("| `{}` |", step.name())),
                "the step table of {} lacks `{}`",
                path.display(),
                step.name()
            );
        }
    }
}
