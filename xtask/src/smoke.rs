//! Promises checked on the real example binaries, as a user runs them: the quickstart pointed at
//! a collector that is not there still exits 0, and says on stderr what was lost.

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::Command;

use crate::util::{self, Error, Result};

/// Where cargo put the example binaries of the dev profile.
fn examples_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| util::root().join("target"))
        .join("debug")
        .join("examples")
}

/// A port on 127.0.0.1 that nothing listens on (bound, then released).
fn closed_port() -> Result<u16> {
    let listener = TcpListener::bind("127.0.0.1:0").map_err(|e| {
        Error::new(
            format!("could not bind a loopback port: {e}"),
            "check that 127.0.0.1 is usable on this machine",
        )
    })?;
    let port = listener
        .local_addr()
        .map_err(|e| Error::new(format!("no local address: {e}"), ""))?
        .port();
    drop(listener);
    Ok(port)
}

/// Runs the quickstart (built by the `examples` step) against a closed port: it must exit 0
/// and print one line saying how many spans were lost. Returns a note for the summary.
pub(crate) fn quickstart_with_dead_collector() -> Result<String> {
    let binary = examples_dir().join("quickstart");
    let port = closed_port()?;
    let mut cmd = Command::new(&binary);
    cmd.env(
        "OTEL_EXPORTER_OTLP_ENDPOINT",
        format!("http://127.0.0.1:{port}"),
    )
    .env_remove("RIZK_TRACE_DEBUG");
    let shown = util::display(&cmd);
    let out = cmd.output().map_err(|e| util::cannot_start(&shown, &e))?;
    let stderr = String::from_utf8_lossy(&out.stderr);
    let fix = "the README promises that a dead collector never fails the program and that \
               shutdown says what was lost: see crates/rizk-core/src/runtime.rs (RizkHandle::stop)";
    if !out.status.success() {
        return Err(Error::new(
            format!(
                "`{shown}` with no collector on port {port} exited with {}; stderr:\n{stderr}",
                util::describe(out.status)
            ),
            fix,
        ));
    }
    let Some(line) = stderr
        .lines()
        .find(|l| l.contains("spans exported") && l.contains("lost"))
    else {
        return Err(Error::new(
            format!("`{shown}` exited 0 but did not say what was lost; stderr:\n{stderr}"),
            fix,
        ));
    };
    eprintln!("ci: quickstart with a dead collector exited 0 and said: {line}");
    Ok(format!(
        "quickstart, dead collector: exit 0, \"{}\"",
        line.trim()
    ))
}
