//! The docs stay true to the code: tables are checked against the constants they describe.

#![allow(clippy::unwrap_used)] // a test fails loudly on what it did not expect

const SEMCONV: &str = include_str!("../../../docs/semantic-conventions.md");
const CONFIGURATION: &str = include_str!("../../../docs/configuration.md");

/// The rows of every Markdown table in `doc`, each as its trimmed cells.
fn rows(doc: &str) -> Vec<Vec<String>> {
    doc.lines()
        .filter(|line| line.starts_with('|'))
        .map(|line| {
            line.trim()
                .trim_matches('|')
                .split('|')
                .map(|c| c.trim().to_owned())
                .collect()
        })
        .collect()
}

fn code(key: &str) -> String {
    if key.is_empty() {
        String::new()
    } else {
        format!("`{key}`")
    }
}

fn assert_row(doc: &str, name: &str, row: Vec<String>) {
    assert!(rows(doc).contains(&row), "{name} lacks the row {row:?}");
}

#[test]
fn the_semantic_convention_table_matches_the_mapping_in_code() {
    for (concept, rizk_key, openinference, gen_ai) in rizk::semconv::MAPPING {
        let row = vec![
            concept.to_string(),
            code(rizk_key),
            code(openinference),
            code(gen_ai),
        ];
        assert_row(SEMCONV, "docs/semantic-conventions.md", row);
    }
}

#[test]
fn the_span_kind_table_matches_the_kinds_in_code() {
    use rizk::EntityKind;
    for kind in [
        EntityKind::Workflow,
        EntityKind::Task,
        EntityKind::Agent,
        EntityKind::Tool,
    ] {
        let k = kind.as_str();
        let row = vec![
            format!("`#[{k}]`"),
            format!("`{k}.<name>`"),
            format!("`{k}`"),
            format!("`{}`", kind.openinference_kind()),
            kind.gen_ai_operation().map(code).unwrap_or_default(),
        ];
        assert_row(SEMCONV, "docs/semantic-conventions.md", row);
    }
}

/// The string values of the `pub const NAME: &str = "..."` items of a Rust source file.
fn string_constants(source: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut rest = source;
    while let Some(at) = rest.find("pub const ") {
        rest = &rest[at + "pub const ".len()..];
        let Some(end) = rest.find(';') else { break };
        let item = &rest[..end];
        let (Some(colon), Some(eq)) = (item.find(':'), item.find('=')) else {
            continue;
        };
        if !item[colon..eq].contains("&str") {
            continue;
        }
        let value = item[eq + 1..].trim();
        if let Some(value) = value.strip_prefix('"').and_then(|v| v.strip_suffix('"')) {
            out.push((item[..colon].trim().to_owned(), value.to_owned()));
        }
    }
    out
}

#[test]
fn every_semconv_key_is_listed_with_its_convention_and_version() {
    let sources = [
        include_str!("../../rizk-core/src/semconv.rs"),
        include_str!("../../rizk-openai/src/semconv.rs"),
    ];
    let table: Vec<Vec<String>> = rows(SEMCONV)
        .into_iter()
        .filter(|row| row.len() == 3)
        .collect();
    let mut keys = 0;
    for (name, key) in sources.iter().flat_map(|s| string_constants(s)) {
        if matches!(name.as_str(), "SEMCONV_VERSION" | "SCHEMA_URL") {
            continue;
        }
        keys += 1;
        let row = table
            .iter()
            .find(|row| row[0] == code(&key))
            .unwrap_or_else(|| panic!("docs/semantic-conventions.md does not list {key} ({name})"));
        assert!(
            !row[1].is_empty() && !row[2].is_empty(),
            "{key}: convention and version, please: {row:?}"
        );
    }
    assert!(keys > 80, "the constants were not read: {keys}");
    // The version followed, and its schema URL, as the code has them.
    assert!(SEMCONV.contains(&format!(
        "semantic conventions {}**",
        rizk::semconv::SEMCONV_VERSION
    )));
    assert!(SEMCONV.contains(rizk::semconv::SCHEMA_URL));
}

#[test]
fn every_rizk_variable_is_documented() {
    // The facade's builder: core's variables and those of every option group compiled in.
    for var in rizk::Rizk::builder().env_vars() {
        assert!(
            CONFIGURATION.contains(&format!("`{var}`")),
            "docs/configuration.md does not mention {var}"
        );
    }
}

/// Where `opentelemetry::` starts a path of its own (not `rizk::opentelemetry::`, not part of
/// a longer name such as `tracing_opentelemetry::`).
fn bare_opentelemetry_paths(line: &str) -> bool {
    line.match_indices("opentelemetry::").any(|(at, _)| {
        let before = &line[..at];
        !before.ends_with("rizk::")
            && !before
                .chars()
                .next_back()
                .is_some_and(|c| c.is_alphanumeric() || c == '_')
    })
}

fn files_under(dir: &std::path::Path, ext: &str, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files_under(&path, ext, out);
        } else if path.extension().is_some_and(|e| e == ext) {
            out.push(path);
        }
    }
}

/// Code copied from an example or a page must build in an application whose only dependency is
/// rizk: OpenTelemetry comes through `rizk::opentelemetry`, never a bare `opentelemetry::`.
#[test]
fn examples_and_docs_import_opentelemetry_through_rizk() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut offenders = Vec::new();
    let mut check = |path: &std::path::Path, code_lines: Vec<(usize, &str)>| {
        for (n, line) in code_lines {
            if bare_opentelemetry_paths(line) {
                offenders.push(format!("{}:{}: {}", path.display(), n + 1, line.trim()));
            }
        }
    };

    let mut rust = Vec::new();
    files_under(&root.join("crates/rizk/examples"), "rs", &mut rust);
    assert!(rust.len() >= 10, "the examples were not found: {rust:?}");
    for path in &rust {
        let text = std::fs::read_to_string(path).unwrap();
        check(path, text.lines().enumerate().collect());
    }

    // The facade's doc comments (its code may use its own dependency).
    let mut facade = Vec::new();
    files_under(&root.join("crates/rizk/src"), "rs", &mut facade);
    for path in &facade {
        let text = std::fs::read_to_string(path).unwrap();
        let docs = text
            .lines()
            .enumerate()
            .filter(|(_, l)| {
                let l = l.trim_start();
                l.starts_with("///") || l.starts_with("//!")
            })
            .collect();
        check(path, docs);
    }

    // The Rust blocks of every page.
    let mut pages = vec![root.join("README.md")];
    files_under(&root.join("docs"), "md", &mut pages);
    for path in &pages {
        let text = std::fs::read_to_string(path).unwrap();
        let mut in_rust = false;
        let mut code = Vec::new();
        for (n, line) in text.lines().enumerate() {
            let fence = line.trim_start();
            if fence.starts_with("```") {
                in_rust = !in_rust && fence.trim_start_matches('`').trim().starts_with("rust");
            } else if in_rust {
                code.push((n, line));
            }
        }
        check(path, code);
    }

    assert!(
        rust.len() > 3 && pages.len() > 3,
        "the scan found too few files: {rust:?} {pages:?}"
    );
    assert!(
        offenders.is_empty(),
        "import OpenTelemetry through rizk::opentelemetry:\n{}",
        offenders.join("\n")
    );
}

#[test]
fn bare_opentelemetry_paths_are_told_apart() {
    assert!(bare_opentelemetry_paths(
        "use opentelemetry::trace::Tracer;"
    ));
    assert!(bare_opentelemetry_paths(
        "let cx = opentelemetry::Context::current();"
    ));
    assert!(!bare_opentelemetry_paths(
        "use rizk::opentelemetry::trace::Tracer;"
    ));
    assert!(!bare_opentelemetry_paths(
        "use tracing_opentelemetry::OpenTelemetryLayer;"
    ));
}
