//! The redactors the benchmarks build (kept apart from corpus.rs, which `cargo xtask
//! redaction-ab` copies next to a program that links two versions of the crate).

use rizk_redaction::{RedactionConfig, Redactor};

/// Every built-in + the `custom` patterns + `keywords`, the rest of the configuration default.
pub(crate) fn redactor(custom: &[&str], keywords: &[String]) -> Redactor {
    Redactor::new(RedactionConfig {
        custom_patterns: custom.iter().map(|p| (*p).to_owned()).collect(),
        keywords: keywords.to_vec(),
        ..RedactionConfig::default()
    })
    .expect("benchmark configuration builds")
}
