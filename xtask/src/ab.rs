//! `cargo xtask redaction-ab --against REV`: the redaction engine of the working tree against
//! the one of REV, built into one program and timed in interleaved rounds on the density
//! benchmark's corpora (`xtask/ab/main.rs`). On a machine whose speed jumps from minute to
//! minute, two builds run in turn cannot tell a 5% change; one process running both mostly can
//! (compared with itself it stayed within about 5% per attribute in three runs of four).
//!
//! REV is checked out as a git worktree under `target/ab/old`, its `rizk-core` and
//! `rizk-redaction` renamed `*-old` so that Cargo can build both versions in one program; the
//! worktree is removed afterwards.

use std::fs;
use std::path::Path;
use std::process::Command;

use crate::util::{self, Error, Result};

/// What to compare.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Ab {
    /// The revision to compare the working tree with.
    pub(crate) against: String,
    /// Interleaved rounds (the best of each counts).
    pub(crate) rounds: u32,
    /// The default redactor instead of the benchmark's configuration (a).
    pub(crate) builtins_only: bool,
    /// The keywords of configuration (a), the first of the benchmark's 1,000.
    pub(crate) keywords: u16,
}

/// The packages renamed in the old worktree: `(name, new name)`.
const RENAMED: [(&str, &str); 2] = [
    ("rizk-core", "rizk-core-old"),
    ("rizk-redaction", "rizk-redaction-old"),
];

/// Checks out the old revision, builds the program and runs it.
pub(crate) fn run(ab: &Ab) -> Result<()> {
    let root = util::root();
    let dir = root.join("target").join("ab");
    let old = dir.join("old");
    remove_worktree(&root, &old);
    util::run(
        Command::new("git")
            .current_dir(&root)
            .args(["worktree", "add", "--detach", "--force"])
            .arg(&old)
            .arg(&ab.against),
        "check that --against names a commit of this repository (`git log --oneline`)",
    )?;
    let result = build_and_run(ab, &root, &dir, &old);
    remove_worktree(&root, &old);
    result
}

fn build_and_run(ab: &Ab, root: &Path, dir: &Path, old: &Path) -> Result<()> {
    for (name, renamed) in RENAMED {
        let manifest = old.join("crates").join(name).join("Cargo.toml");
        edit(&manifest, |text| renamed_package(text, name, renamed))?;
        edit(&old.join("Cargo.toml"), |text| {
            renamed_dependency(text, name, renamed)
        })?;
    }
    let program = dir.join("program");
    let source = program.join("src");
    fs::create_dir_all(&source).map_err(|e| write_error(&source, &e))?;
    let new_crate = root.join("crates").join("rizk-redaction");
    let old_crate = old.join("crates").join("rizk-redaction");
    write(
        &program.join("Cargo.toml"),
        &program_manifest(&new_crate, &old_crate),
    )?;
    write(&source.join("main.rs"), include_str!("../ab/main.rs"))?;
    let corpus = new_crate.join("benches").join("support").join("corpus.rs");
    fs::copy(&corpus, source.join("corpus.rs")).map_err(|e| {
        Error::new(
            format!("cannot copy {}: {e}", corpus.display()),
            "run xtask from a checkout of the repository",
        )
    })?;
    let mut cargo = util::cargo();
    cargo
        .env("CARGO_TARGET_DIR", dir.join("target"))
        .args(["run", "--release", "--manifest-path"])
        .arg(program.join("Cargo.toml"))
        .args(["--", "--rounds", &ab.rounds.to_string()]);
    if ab.builtins_only {
        cargo.arg("--builtins-only");
    } else {
        cargo.args(["--keywords", &ab.keywords.to_string()]);
    }
    util::run(
        &mut cargo,
        "a build error in the old revision's crates means --against is older than this \
         harness supports (it needs rizk-redaction's RedactionConfig and the density corpus)",
    )
}

/// Removes the worktree at `path`, if any (a failed earlier run may have left it).
fn remove_worktree(root: &Path, path: &Path) {
    let _ = Command::new("git")
        .current_dir(root)
        .args(["worktree", "remove", "--force"])
        .arg(path)
        .output();
    let _ = fs::remove_dir_all(path);
    let _ = Command::new("git")
        .current_dir(root)
        .args(["worktree", "prune"])
        .output();
}

/// Rewrites the file at `path` with `change`, which returns `None` when the text is not as
/// expected.
fn edit(path: &Path, change: impl FnOnce(&str) -> Option<String>) -> Result<()> {
    let text = fs::read_to_string(path).map_err(|e| {
        Error::new(
            format!("cannot read {}: {e}", path.display()),
            "check that --against is a revision with this crate layout",
        )
    })?;
    let changed = change(&text).ok_or_else(|| {
        Error::new(
            format!("{} is not laid out as this harness expects", path.display()),
            "compare against a revision whose manifests name rizk-core and rizk-redaction as \
             today's do",
        )
    })?;
    write(path, &changed)
}

fn write(path: &Path, text: &str) -> Result<()> {
    fs::write(path, text).map_err(|e| write_error(path, &e))
}

fn write_error(path: &Path, e: &std::io::Error) -> Error {
    Error::new(
        format!("cannot write {}: {e}", path.display()),
        "check that target/ is writable",
    )
}

/// `manifest` with its package's `name = "from"` line naming `to` (the first such line: the
/// `[package]` table comes first).
fn renamed_package(manifest: &str, from: &str, to: &str) -> Option<String> {
    let line = format!("name = \"{from}\"\n");
    let at = manifest.find(&line)?;
    Some(format!(
        "{}name = \"{to}\"\n{}",
        &manifest[..at],
        &manifest[at + line.len()..]
    ))
}

/// The workspace `manifest` with its `name = { ... }` dependency taken from package `package`
/// (the dependency keeps its name, so the crates that use it need no change).
fn renamed_dependency(manifest: &str, name: &str, package: &str) -> Option<String> {
    let start = format!("\n{name} = {{ ");
    let at = manifest.find(&start)? + start.len();
    Some(format!(
        "{}package = \"{package}\", {}",
        &manifest[..at],
        &manifest[at..]
    ))
}

/// The program's manifest: both engines under the names `new` and `old`, and a `[workspace]`
/// table of its own so that it stays out of ours.
fn program_manifest(new_crate: &Path, old_crate: &Path) -> String {
    format!(
        "[package]\nname = \"redaction-ab\"\nversion = \"0.0.0\"\nedition = \"2024\"\n\
         publish = false\n\n[dependencies]\n\
         new = {{ path = \"{}\", package = \"rizk-redaction\" }}\n\
         old = {{ path = \"{}\", package = \"rizk-redaction-old\" }}\n\n\
         [profile.release]\ndebug = false\n\n[workspace]\n",
        new_crate.display(),
        old_crate.display(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_package_line_is_renamed_and_nothing_else() {
        let manifest = "[package]\nname = \"rizk-core\"\ndescription = \"rizk-core\"\n\n\
                        [dependencies]\nname = \"x\"\n";
        let renamed = renamed_package(manifest, "rizk-core", "rizk-core-old").expect("renamed");
        assert_eq!(
            renamed,
            "[package]\nname = \"rizk-core-old\"\ndescription = \"rizk-core\"\n\n\
             [dependencies]\nname = \"x\"\n"
        );
        assert_eq!(renamed_package(manifest, "rizk", "x"), None);
    }

    #[test]
    fn the_workspace_dependency_takes_the_renamed_package() {
        let manifest = "[workspace.dependencies]\n\
                        rizk-core = { path = \"crates/rizk-core\", version = \"0.1.0\" }\n\
                        rizk-core-extra = { path = \"x\" }\n";
        let renamed = renamed_dependency(manifest, "rizk-core", "rizk-core-old").expect("renamed");
        assert_eq!(
            renamed,
            "[workspace.dependencies]\n\
             rizk-core = { package = \"rizk-core-old\", path = \"crates/rizk-core\", \
             version = \"0.1.0\" }\nrizk-core-extra = { path = \"x\" }\n"
        );
        assert_eq!(renamed_dependency(manifest, "rizk-ui", "x"), None);
    }

    #[test]
    fn today_s_manifests_have_the_expected_layout() {
        let root = util::root();
        let workspace = fs::read_to_string(root.join("Cargo.toml")).expect("workspace manifest");
        for (name, renamed) in RENAMED {
            let manifest = root.join("crates").join(name).join("Cargo.toml");
            let text = fs::read_to_string(&manifest).expect("crate manifest");
            assert!(renamed_package(&text, name, renamed).is_some(), "{name}");
            assert!(
                renamed_dependency(&workspace, name, renamed).is_some(),
                "{name}"
            );
        }
    }

    #[test]
    fn the_program_depends_on_both_engines_under_their_own_workspace() {
        let manifest = program_manifest(Path::new("/a/new"), Path::new("/b/old"));
        assert!(manifest.contains("new = { path = \"/a/new\", package = \"rizk-redaction\" }"));
        assert!(manifest.contains("old = { path = \"/b/old\", package = \"rizk-redaction-old\" }"));
        assert!(manifest.ends_with("[workspace]\n"));
    }
}
