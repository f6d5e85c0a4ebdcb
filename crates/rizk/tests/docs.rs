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

#[test]
fn every_rizk_variable_is_documented() {
    for var in rizk::config::rizk_env_vars() {
        assert!(
            CONFIGURATION.contains(&format!("`{var}`")),
            "docs/configuration.md does not mention {var}"
        );
    }
}
