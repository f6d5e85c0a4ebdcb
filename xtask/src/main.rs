//! Project automation for rizk, as an ordinary Rust binary (the `cargo xtask` convention):
//!
//! - `cargo xtask ci`: fmt, clippy, tests (all features, then each crate with its default
//!   features), docs, examples, `cargo package`, cargo-deny and e2e, with timings.
//! - `cargo xtask e2e [FILTER]`: end-to-end tests against real trace backends.
//! - `cargo xtask peers install|start|stop|status [PEER...]`: those backends, by hand.
//! - `cargo xtask bench [ARGS...]`: `cargo bench` over the workspace.
//! - `cargo xtask fuzz [TARGET]`: the cargo-fuzz targets (nightly; not part of `ci`).
//! - `cargo xtask soak`: a million spans through the full pipeline into a loopback receiver,
//!   release mode; fails on any loss (not part of `ci`).
//! - `cargo xtask redaction-ab --against REV`: the redaction engine of the working tree against
//!   that of REV, in one program, on the density benchmark's corpora (not part of `ci`).
//!
//! `docs/development.md` describes every command.

mod ab;
mod ci;
mod e2e;
mod fuzz;
mod peers;
mod smoke;
mod soak;
mod util;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::util::{FEATURES, Result};

/// Project automation for rizk (see docs/development.md).
#[derive(Debug, Parser)]
#[command(name = "cargo xtask", bin_name = "cargo xtask")]
struct Cli {
    /// What to do.
    #[command(subcommand)]
    command: Task,
}

/// The tasks.
#[derive(Debug, Subcommand)]
enum Task {
    /// Run every check CI runs: fmt, clippy, test, default-features, doc, examples, package,
    /// deny, e2e (in that order).
    Ci {
        /// Leave out a step (repeatable); for local use, CI runs every step.
        #[arg(long, value_enum)]
        skip: Vec<ci::Step>,
    },
    /// Start the real trace backends, run the `e2e_*` tests, stop the backends.
    E2e {
        /// Run only the e2e tests whose name contains this (default: every `e2e_` test).
        filter: Option<String>,
    },
    /// Manage the real trace backends (Arize Phoenix, Datadog test agent) by hand.
    Peers {
        /// What to do with them.
        #[command(subcommand)]
        action: PeersAction,
    },
    /// Run the benchmarks: `cargo bench --workspace --exclude xtask <features> [ARGS...]`.
    Bench {
        /// Passed to `cargo bench` exactly as given, `--` included (e.g. `-p rizk --bench compare
        /// -- --save-baseline main`).
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        args: Vec<String>,
    },
    /// Run the cargo-fuzz targets of crates/*/fuzz (needs nightly and cargo-fuzz).
    Fuzz {
        /// Run only the targets whose name contains this.
        target: Option<String>,
        /// Seconds to fuzz each target.
        #[arg(long, default_value_t = 60)]
        time: u64,
        /// Passed to libFuzzer as they are (after `--`).
        #[arg(last = true)]
        libfuzzer_args: Vec<String>,
    },
    /// Run `cargo deny check licenses bans sources` alone (installs cargo-deny if missing).
    Deny,
    /// Build and run crates/rizk/examples/soak.rs in release mode: SPANS spans from TASKS tokio tasks
    /// through redaction and tail sampling into a loopback OTLP/HTTP receiver; fails on any loss.
    Soak {
        /// Spans in all (four-span workflows).
        #[arg(long, default_value_t = 1_000_000)]
        spans: u64,
        /// Concurrent tokio tasks producing them.
        #[arg(long, default_value_t = 64)]
        tasks: u64,
        /// Spans per second, all tasks together (0: as fast as they run). The default is the
        /// rate recorded in docs/performance.md.
        #[arg(long, default_value_t = SOAK_RATE)]
        rate: u64,
    },
    /// Time the redaction engine of the working tree against that of an earlier revision, both
    /// built into one program, in interleaved rounds on the density benchmark's corpora.
    RedactionAb {
        /// The revision to compare with (checked out as a git worktree under target/ab).
        #[arg(long, default_value = "HEAD")]
        against: String,
        /// Interleaved rounds; the best of each counts.
        #[arg(long, default_value_t = 25, value_parser = clap::value_parser!(u32).range(1..))]
        rounds: u32,
        /// Compare the default redactor (built-ins alone) instead of every built-in + the
        /// spec's 3 patterns + 1,000 keywords.
        #[arg(long, conflicts_with = "keywords")]
        builtins_only: bool,
        /// How many of the benchmark's 1,000 keywords the configuration holds besides every
        /// built-in and the spec's 3 patterns.
        #[arg(long, default_value_t = 1000, value_parser = clap::value_parser!(u16).range(0..=1000))]
        keywords: u16,
    },
}

/// The soak's default production rate, spans/s: what the recorded run sustained with zero
/// loss on the project's 2-core machine (docs/performance.md).
const SOAK_RATE: u64 = 50_000;

/// What `peers` does.
#[derive(Debug, Subcommand)]
enum PeersAction {
    /// Create the pinned virtual environments under target/peers (skipped when present).
    Install {
        /// Which peers (default: all).
        #[arg(value_enum)]
        peers: Vec<peers::Peer>,
    },
    /// Install if needed, start on 127.0.0.1, wait until ready, and leave them running.
    Start {
        /// Which peers (default: all).
        #[arg(value_enum)]
        peers: Vec<peers::Peer>,
    },
    /// Stop them by PID (SIGTERM, then SIGKILL after 15 s).
    Stop {
        /// Which peers (default: all).
        #[arg(value_enum)]
        peers: Vec<peers::Peer>,
    },
    /// Show whether each is installed, running and ready (fails if one is not ready).
    Status {
        /// Which peers (default: all).
        #[arg(value_enum)]
        peers: Vec<peers::Peer>,
    },
}

/// The given peers, or all of them when none is named.
fn or_all(peers: &[peers::Peer]) -> &[peers::Peer] {
    if peers.is_empty() { peers::ALL } else { peers }
}

/// The arguments after the first `subcommand` in `argv`, exactly as given.
fn args_after(subcommand: &str, argv: impl IntoIterator<Item = String>) -> Option<Vec<String>> {
    let mut argv = argv.into_iter().skip(1);
    argv.by_ref().find(|a| a == subcommand)?;
    Some(argv.collect())
}

/// Runs the task.
fn run(cli: Cli) -> Result<()> {
    match cli.command {
        Task::Ci { skip } => ci::run(&skip),
        Task::E2e { filter } => e2e::run(filter.as_deref()).map(|_| ()),
        Task::Peers { action } => match action {
            PeersAction::Install { peers } => peers::install(or_all(&peers)),
            PeersAction::Start { peers } => {
                let guard = peers::start(or_all(&peers), peers::Mode::Detached)?;
                guard.detach();
                for (key, value) in peers::e2e_env() {
                    eprintln!("peers: {key}={value}");
                }
                eprintln!(
                    "peers: running; logs and PID files in {}; stop with `cargo xtask peers stop`",
                    peers::run_dir().display()
                );
                Ok(())
            }
            PeersAction::Stop { peers } => peers::stop(or_all(&peers)),
            PeersAction::Status { peers } => peers::status(or_all(&peers)),
        },
        Task::Bench { args } => {
            // clap drops a leading `--` (`cargo xtask bench -- --save-baseline main`), which
            // cargo needs to tell harness arguments from its own: take the raw arguments instead.
            let raw = args_after("bench", std::env::args()).unwrap_or(args);
            util::run(
                util::cargo()
                    .args(["bench", "--workspace", "--exclude", "xtask"])
                    .args(FEATURES)
                    .args(&raw),
                "see the error above; benchmarks build in release mode, so a first run takes a while",
            )
        }
        Task::Fuzz {
            target,
            time,
            libfuzzer_args,
        } => fuzz::run(target.as_deref(), time, &libfuzzer_args),
        Task::Deny => ci::deny(),
        Task::Soak { spans, tasks, rate } => soak::run(soak::Soak { spans, tasks, rate }),
        Task::RedactionAb {
            against,
            rounds,
            builtins_only,
            keywords,
        } => ab::run(&ab::Ab {
            against,
            rounds,
            builtins_only,
            keywords,
        }),
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("\nxtask error: {e}");
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::*;

    #[test]
    fn cli_is_well_formed() {
        Cli::command().debug_assert();
    }

    #[test]
    fn bench_passes_arguments_through() {
        for args in [
            &["--bench", "compare", "--", "--save-baseline", "main"][..],
            &["--", "--save-baseline", "main"],
            &["-p", "rizk"],
            &[],
        ] {
            let argv: Vec<String> = ["xtask", "bench"]
                .iter()
                .chain(args)
                .map(|a| (*a).to_owned())
                .collect();
            let cli = Cli::try_parse_from(&argv).expect("parses");
            assert!(matches!(cli.command, Task::Bench { .. }), "{cli:?}");
            assert_eq!(args_after("bench", argv).expect("found"), args);
        }
    }

    #[test]
    fn soak_defaults_to_the_recorded_run() {
        let cli = Cli::try_parse_from(["xtask", "soak"]).expect("parses");
        let Task::Soak { spans, tasks, rate } = cli.command else {
            panic!("not soak: {cli:?}");
        };
        assert_eq!((spans, tasks, rate), (1_000_000, 64, SOAK_RATE));
    }

    #[test]
    fn redaction_ab_needs_a_round() {
        let cli = Cli::try_parse_from(["xtask", "redaction-ab"]).expect("parses");
        let Task::RedactionAb {
            against, rounds, ..
        } = cli.command
        else {
            panic!("not redaction-ab: {cli:?}");
        };
        assert_eq!((against.as_str(), rounds), ("HEAD", 25));
        let zero = Cli::try_parse_from(["xtask", "redaction-ab", "--rounds", "0"]);
        let error = zero.expect_err("0 rounds is refused").to_string();
        assert!(error.contains("--rounds"), "{error}");
    }

    #[test]
    fn redaction_ab_takes_up_to_the_benchmark_s_keywords() {
        let parse = |args: &[&str]| {
            let cli = ["xtask", "redaction-ab"].iter().chain(args);
            Cli::try_parse_from(cli).map(|cli| match cli.command {
                Task::RedactionAb { keywords, .. } => keywords,
                _ => panic!("not redaction-ab"),
            })
        };
        assert_eq!(parse(&[]).expect("parses"), 1000);
        assert_eq!(parse(&["--keywords", "300"]).expect("parses"), 300);
        let error = parse(&["--keywords", "1001"])
            .expect_err("too many")
            .to_string();
        assert!(error.contains("--keywords"), "{error}");
        let both = parse(&["--keywords", "300", "--builtins-only"]).expect_err("conflict");
        assert!(both.to_string().contains("cannot be used with"), "{both}");
        // The default keyword count does not conflict with --builtins-only.
        parse(&["--builtins-only"]).expect("--builtins-only alone parses");
    }

    #[test]
    fn ci_skips_are_named_steps() {
        let cli = Cli::try_parse_from(["xtask", "ci", "--skip", "e2e", "--skip", "deny"])
            .expect("parses");
        let Task::Ci { skip } = cli.command else {
            panic!("not ci: {cli:?}");
        };
        assert_eq!(skip, [ci::Step::E2e, ci::Step::Deny]);
        let cli =
            Cli::try_parse_from(["xtask", "ci", "--skip", "default-features"]).expect("parses");
        let Task::Ci { skip } = cli.command else {
            panic!("not ci: {cli:?}");
        };
        assert_eq!(skip, [ci::Step::DefaultFeatures]);
        let cli = Cli::try_parse_from(["xtask", "ci", "--skip", "package"]).expect("parses");
        let Task::Ci { skip } = cli.command else {
            panic!("not ci: {cli:?}");
        };
        assert_eq!(skip, [ci::Step::Package]);
    }
}
