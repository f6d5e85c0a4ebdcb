//! `cargo xtask fuzz`: runs the cargo-fuzz targets of every `crates/*/fuzz/` project, each for a
//! bounded time. Needs a nightly toolchain and cargo-fuzz; not part of `ci`.

use std::fs;
use std::path::PathBuf;
use std::process::Command;

use crate::util::{self, Error, Result};

/// A `cargo +nightly ...` command in `dir`, free of the stable toolchain's overrides.
fn nightly_cargo(dir: &std::path::Path) -> Command {
    // The rustup proxy (`cargo`, not `$CARGO`) understands `+nightly`.
    let mut cmd = Command::new("cargo");
    cmd.arg("+nightly")
        .current_dir(dir)
        .env_remove("RUSTUP_TOOLCHAIN")
        .env_remove("RUSTC")
        .env_remove("RUSTDOC")
        .env_remove("CARGO");
    cmd
}

/// Fuzz projects: `crates/*/fuzz/Cargo.toml`; returns the crate directories holding them.
fn fuzz_crates() -> Vec<PathBuf> {
    let Ok(entries) = fs::read_dir(util::root().join("crates")) else {
        return Vec::new();
    };
    let mut dirs: Vec<PathBuf> = entries
        .filter_map(|e| Some(e.ok()?.path()))
        .filter(|dir| dir.join("fuzz").join("Cargo.toml").is_file())
        .collect();
    dirs.sort();
    dirs
}

/// Runs every fuzz target (or those whose name contains `only`) for `seconds` each.
pub(crate) fn run(only: Option<&str>, seconds: u64, extra: &[String]) -> Result<()> {
    let crates = fuzz_crates();
    if crates.is_empty() {
        eprintln!(
            "fuzz: no fuzz projects yet (none of crates/*/fuzz/Cargo.toml exists; create one with \
             `cargo fuzz init` inside a crate)"
        );
        return Ok(());
    }
    let root = util::root();
    let mut missing = Vec::new();
    if util::output(nightly_cargo(&root).arg("--version")).is_none() {
        missing.push("a nightly toolchain: `rustup toolchain install nightly`");
    }
    if util::output(Command::new("cargo").args(["fuzz", "--version"])).is_none() {
        missing.push("cargo-fuzz: `cargo install cargo-fuzz --locked`");
    }
    if !missing.is_empty() {
        return Err(Error::new(
            format!("cannot fuzz: missing {}", missing.join(" and ")),
            "install what is missing with the commands named, then run `cargo xtask fuzz` again",
        ));
    }
    let mut ran = 0;
    for krate in crates {
        let listed = util::output(nightly_cargo(&krate).args(["fuzz", "list"])).ok_or_else(|| {
            Error::new(
                format!("`cargo +nightly fuzz list` failed in {}", krate.display()),
                "run it there by hand to see why (the fuzz/Cargo.toml needs its own `[workspace]`, \
                 as `cargo fuzz init` writes it)",
            )
        })?;
        for target in listed.lines().map(str::trim).filter(|t| !t.is_empty()) {
            if only.is_some_and(|o| !target.contains(o)) {
                continue;
            }
            ran += 1;
            util::run(
                nightly_cargo(&krate)
                    .args(["fuzz", "run", target, "--"])
                    .arg(format!("-max_total_time={seconds}"))
                    .args(extra),
                &format!(
                    "the fuzzer found a failing input (see above; it is saved under {}/fuzz/artifacts/{target}/): \
                     reproduce with `cargo +nightly fuzz run {target} <artifact>` in that crate, fix, \
                     and add the input as a regression test",
                    krate.display()
                ),
            )?;
        }
    }
    if ran == 0 {
        return Err(Error::new(
            format!("no fuzz target matches `{}`", only.unwrap_or_default()),
            "list them with `cargo +nightly fuzz list` inside crates/<crate>",
        ));
    }
    eprintln!("fuzz: {ran} target(s) ran for {seconds} s each without a failure");
    Ok(())
}
