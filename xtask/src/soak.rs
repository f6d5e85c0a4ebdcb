//! `cargo xtask soak`: builds and runs `crates/rizk/examples/soak.rs` in release mode: a million spans
//! through the full pipeline (redaction and tail sampling on) into a loopback OTLP/HTTP
//! receiver, failing if a span is lost. Not part of `ci` (it takes minutes on 2 cores).

use crate::util::{self, Result};

/// What to run: the example's arguments.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Soak {
    /// Spans in all (four per workflow).
    pub(crate) spans: u64,
    /// Concurrent tokio tasks producing them.
    pub(crate) tasks: u64,
    /// Production rate in spans per second, all tasks together; 0: as fast as they run.
    pub(crate) rate: u64,
}

/// Builds the example in release mode and runs it; fails when it reports a loss.
pub(crate) fn run(soak: Soak) -> Result<()> {
    let Soak { spans, tasks, rate } = soak;
    util::run(
        util::cargo()
            .args(["run", "--release", "-p", "rizk", "--example", "soak", "--"])
            .args(["--spans", &spans.to_string()])
            .args(["--tasks", &tasks.to_string()])
            .args(["--rate", &rate.to_string()]),
        "the lines above say what failed: spans lost at the memory budget mean production \
         outran export (lower --rate, or see docs/performance.md for the rate this machine \
         sustains); a count that differs or an unredacted email is a bug to report; a build \
         error is fixed as for any build",
    )
}
