//! Redaction throughput across densities (see docs/performance.md, "Redaction"): corpora of
//! chat-like lines of about 130 bytes where none, 1%, 10%, 50% or every line carries one
//! planted value (half real values, half look-alikes: grouped order numbers, versions, dates
//! and times, timestamps, UUIDs, hex digests, prices, ISBNs, coordinates). For each, per
//! attribute (whole lines, about 1 KB each) and per large text (about 1 MB), MB/s of:
//!
//! - `redact` with every built-in + the spec's 3 custom patterns + 1,000 keywords (case (a) of
//!   benches/redaction.rs);
//! - `redact_reference`, the one search over the whole text, same redactor;
//! - the same two with the default redactor (the built-ins alone), whose one search is far
//!   cheaper, so that it takes over at a lower density;
//! - Python `re` with the spec's three patterns, on the same corpus written to a temporary file
//!   (`benches/support/python_re.py`, run with `$PYTHON` or `python3`; skipped with a note when
//!   there is none).
//!
//! Criterion's groups are short (10 samples); after them, interleaved manual rounds print the
//! table with the ratios (best of the rounds, as the machine is shared).
//!
//! A second table shows what bounds case (a) per attribute: `redact` next to its own first
//! pass alone (`first_pass`: the walk, none of the searches after it), what that pass costs
//! per attribute more than over the same bytes as one text (what it pays per text), and the
//! field's crates doing two of its parts alone (aho-corasick over the 1,000 keywords, `regex`
//! over the spec's 3 patterns).
//!
//! `RIZK_DENSITY_KEYWORDS=100,300` adds a table for each count: every built-in + the spec's 3
//! patterns + the first 100 (then 300) of the keywords, the sizes between the two above that
//! the threshold of one search was fitted to (docs/redaction.md, "Windows or one search").
//!
//! Run: `cargo bench -p rizk-redaction --bench density -- --quick`

#![allow(clippy::print_stdout, missing_docs)]

use std::hint::black_box;
use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

use criterion::{BenchmarkId, Criterion, Throughput};
use rizk_redaction::Redactor;

#[path = "support/corpus.rs"]
mod corpus;
use corpus::{DENSITIES, SPEC_PATTERNS, density_corpus, keywords};
#[path = "support/redactors.rs"]
mod redactors;

/// The large text of each density.
const TEXT_BYTES: usize = 1 << 20;

struct Corpus {
    name: &'static str,
    text: String,
}

impl Corpus {
    /// The text cut into attributes of whole lines.
    fn attributes(&self) -> Vec<&str> {
        corpus::attributes(&self.text)
    }
}

fn redact_all(redactor: &Redactor, attributes: &[&str]) -> usize {
    attributes
        .iter()
        .map(|a| redactor.redact(black_box(a)).len())
        .sum()
}

fn reference_all(redactor: &Redactor, attributes: &[&str]) -> usize {
    attributes
        .iter()
        .map(|a| redactor.redact_reference(black_box(a)).len())
        .sum()
}

fn criterion_groups(c: &mut Criterion, redactor: &Redactor, corpora: &[Corpus]) {
    let mut group = c.benchmark_group("density");
    group.sample_size(10);
    group.warm_up_time(Duration::from_millis(500));
    group.measurement_time(Duration::from_secs(1));
    for corpus in corpora {
        let attributes = corpus.attributes();
        group.throughput(Throughput::Bytes(corpus.text.len() as u64));
        let id = |what: &str| BenchmarkId::new(what, corpus.name);
        group.bench_with_input(id("attribute_redact"), &attributes, |b, a| {
            b.iter(|| redact_all(redactor, a))
        });
        group.bench_with_input(id("attribute_reference"), &attributes, |b, a| {
            b.iter(|| reference_all(redactor, a))
        });
        let text = corpus.text.as_str();
        group.bench_with_input(id("text_redact"), text, |b, t| {
            b.iter(|| redactor.redact(black_box(t)).len())
        });
        group.bench_with_input(id("text_reference"), text, |b, t| {
            b.iter(|| redactor.redact_reference(black_box(t)).len())
        });
    }
    group.finish();
}

/// Python `re` MB/s on `text` (per attribute, per text), or why there is none.
fn python(text: &str, name: &str) -> Result<(f64, f64), String> {
    let python = std::env::var("PYTHON").unwrap_or_else(|_| "python3".to_owned());
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("benches/support/python_re.py");
    let file = std::env::temp_dir().join(format!(
        "rizk-density-{}-{}.txt",
        std::process::id(),
        name.replace(|c: char| !c.is_ascii_alphanumeric(), "_")
    ));
    std::fs::write(&file, text).map_err(|e| format!("cannot write {}: {e}", file.display()))?;
    let output = Command::new(&python).arg(&script).arg(&file).output();
    let _ = std::fs::remove_file(&file);
    let output = output.map_err(|e| format!("{python} not run: {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "{python} failed: {}",
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    let stdout = String::from_utf8_lossy(&output.stdout);
    let value = |key: &str| {
        stdout
            .lines()
            .find_map(|l| l.strip_prefix(key)?.trim().parse::<f64>().ok())
            .ok_or_else(|| format!("no `{key}` figure in {stdout:?}"))
    };
    Ok((value("attribute ")?, value("text ")?))
}

/// The best time of each of `runs` over nine interleaved rounds. Every other round runs them
/// in reverse order, so that each pair of neighbours (`redact` and the reference) goes first
/// as often as second: the second finds the text in the caches.
fn best_of_rounds<const N: usize>(runs: [&dyn Fn() -> usize; N]) -> [Duration; N] {
    let mut best = [Duration::MAX; N];
    for round in 0..9 {
        for k in 0..N {
            let i = if round % 2 == 0 { k } else { N - 1 - k };
            let t = Instant::now();
            black_box(runs[i]());
            best[i] = best[i].min(t.elapsed());
        }
    }
    best
}

/// Interleaved rounds (best of each) of redact and the reference, per attribute and per text,
/// and Python's figures (`with_python`): one table.
fn table(label: &str, redactor: &Redactor, corpora: &[Corpus], with_python: bool) {
    println!();
    println!("redaction across densities: {label}; MB/s, best of interleaved rounds");
    println!(
        "{:<14} {:>6} | {:>9} {:>9} {:>6} {:>8} {:>6} | {:>9} {:>9} {:>6} {:>8} {:>6}",
        "density",
        "val/KB",
        "attr",
        "attr ref",
        "ratio",
        "attr py",
        "x py",
        "1MB",
        "1MB ref",
        "ratio",
        "1MB py",
        "x py"
    );
    let mut notes = Vec::new();
    for corpus in corpora {
        let attributes = corpus.attributes();
        let text = corpus.text.as_str();
        let mb = text.len() as f64 / 1e6;
        // The redactor meets the corpus first, as a service meets its traffic: what it
        // learns of the density settles.
        for _ in 0..8 {
            black_box(redact_all(redactor, &attributes));
        }
        let best = best_of_rounds([
            &|| redact_all(redactor, &attributes),
            &|| reference_all(redactor, &attributes),
            &|| redactor.redact(text).len(),
            &|| redactor.redact_reference(text).len(),
        ]);
        let mbps = best.map(|t| mb / t.as_secs_f64());
        let values = redactor.find_matches(text).len() as f64 / (text.len() as f64 / 1024.0);
        let (py_attr, py_text) = match with_python.then(|| python(text, corpus.name)) {
            None => (f64::NAN, f64::NAN),
            Some(Ok(figures)) => figures,
            Some(Err(note)) => {
                notes.push(format!("{}: Python skipped ({note})", corpus.name));
                (f64::NAN, f64::NAN)
            }
        };
        // Python's columns: MB/s and rizk's ratio to it, or dashes where it did not run.
        let py = |mbps: f64, rizk: f64| {
            if mbps.is_nan() {
                format!("{:>8} {:>6}", "-", "-")
            } else {
                format!("{mbps:>8.1} {:>5.1}x", rizk / mbps)
            }
        };
        println!(
            "{:<14} {:>6.2} | {:>9.1} {:>9.1} {:>5.2}x {} | {:>9.1} {:>9.1} {:>5.2}x {}",
            corpus.name,
            values,
            mbps[0],
            mbps[1],
            mbps[0] / mbps[1],
            py(py_attr, mbps[0]),
            mbps[2],
            mbps[3],
            mbps[2] / mbps[3],
            py(py_text, mbps[2]),
        );
    }
    println!(
        "  val/KB: values redacted per KB; ratio: redact / reference; x py: redact / Python `re`"
    );
    for note in notes {
        println!("  {note}");
    }
}

/// Per attribute, what bounds case (a) at each density: `redact` next to its own first pass
/// alone (the walk, without the searches after it: no redaction runs faster), the nanoseconds
/// per attribute by which that pass over each attribute exceeds one pass over the whole text
/// (what the walk pays per text: start states, joins, end buffers, the hot loop's start and
/// end; docs/redaction.md says what was measured of each), and next to the field's crates doing
/// only two of its parts: aho-corasick's DFA (its fastest kind) over the 1,000 keywords,
/// ASCII case-insensitive, and the `regex` crate over the spec's 3 patterns with ASCII word
/// boundaries (as rizk compiles them), each finding every match, then the two one after the
/// other. Interleaved rounds, best of each.
fn bounds_table(redactor: &Redactor, keywords: &[String], corpora: &[Corpus]) {
    let words = aho_corasick::AhoCorasick::builder()
        .kind(Some(aho_corasick::AhoCorasickKind::DFA))
        .ascii_case_insensitive(true)
        .match_kind(aho_corasick::MatchKind::LeftmostFirst)
        .build(keywords)
        .expect("the keywords build");
    let patterns = SPEC_PATTERNS.join("|").replace(r"\b", r"(?-u:\b)");
    let patterns = regex::Regex::new(&patterns).expect("the spec's patterns build");
    println!();
    println!(
        "what bounds it, per attribute: built-ins + spec's 3 patterns + 1000 keywords; MB/s, \
         best of interleaved rounds"
    );
    println!(
        "{:<14} | {:>8} {:>10} {:>6} {:>10} {:>8} | {:>11} {:>11} {:>8} {:>6}",
        "density",
        "redact",
        "1st pass",
        "share",
        "pass 1MB",
        "ns/attr",
        "aho-corasi",
        "regex 3",
        "both",
        "ratio"
    );
    for corpus in corpora {
        let attributes = corpus.attributes();
        let each = |run: &dyn Fn(&str) -> usize| -> usize {
            attributes.iter().map(|a| run(black_box(a))).sum()
        };
        let text = corpus.text.as_str();
        let runs: [&dyn Fn() -> usize; 6] = [
            &|| each(&|a| redactor.redact(a).len()),
            &|| each(&|a| redactor.first_pass(a).unwrap_or_default()),
            &|| redactor.first_pass(text).unwrap_or_default(),
            &|| each(&|a| words.find_iter(a).count()),
            &|| each(&|a| patterns.find_iter(a).count()),
            &|| each(&|a| words.find_iter(a).count() + patterns.find_iter(a).count()),
        ];
        // Every run meets the corpus first (the lazy DFAs build their states).
        for run in runs {
            black_box(run());
        }
        let best = best_of_rounds(runs);
        let mbps = best.map(|t| corpus.text.len() as f64 / 1e6 / t.as_secs_f64());
        let per_attribute = best[1].saturating_sub(best[2]).as_nanos() as f64;
        println!(
            "{:<14} | {:>8.1} {:>10.1} {:>5.0}% {:>10.1} {:>8.0} | {:>11.1} {:>11.1} {:>8.1} {:>5.2}x",
            corpus.name,
            mbps[0],
            mbps[1],
            100.0 * mbps[0] / mbps[1],
            mbps[2],
            per_attribute / attributes.len() as f64,
            mbps[3],
            mbps[4],
            mbps[5],
            mbps[0] / mbps[5],
        );
    }
    println!(
        "  share: the first pass's time / redact's; pass 1MB: the first pass over the whole text \
         at once; ns/attr: what the first pass costs per attribute more than that; aho-corasi: \
         the keywords alone; regex 3: the spec's patterns alone; both: the two in turn; ratio: \
         redact (everything) / both"
    );
}

/// The environment variable naming the extra keyword counts to print tables for.
const KEYWORD_COUNTS: &str = "RIZK_DENSITY_KEYWORDS";

/// The keyword counts of `RIZK_DENSITY_KEYWORDS` (comma-separated, each at most `max`), and a
/// note for each entry that is not one.
fn keyword_counts(value: &str, max: usize) -> (Vec<usize>, Vec<String>) {
    let mut counts = Vec::new();
    let mut notes = Vec::new();
    for entry in value.split(',').map(str::trim).filter(|e| !e.is_empty()) {
        match entry.parse::<usize>() {
            Ok(count) if count <= max => counts.push(count),
            _ => notes.push(format!(
                "{KEYWORD_COUNTS}: `{entry}` skipped, expected a count of keywords from 0 to \
                 {max}, e.g. {KEYWORD_COUNTS}=100,300"
            )),
        }
    }
    (counts, notes)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let test_mode = args.iter().any(|a| a == "--test" || a == "--list");
    let bytes = if test_mode { 64 << 10 } else { TEXT_BYTES };
    let keywords = keywords();
    let redactor = redactors::redactor(&SPEC_PATTERNS, &keywords);
    let corpora: Vec<Corpus> = DENSITIES
        .iter()
        .map(|&(name, per_line)| Corpus {
            name,
            text: density_corpus(bytes, per_line, &keywords),
        })
        .collect();
    let mut criterion = Criterion::default().configure_from_args();
    criterion_groups(&mut criterion, &redactor, &corpora);
    criterion.final_summary();
    if !test_mode {
        let full = "built-ins + spec's 3 patterns + 1000 keywords";
        table(full, &redactor, &corpora, true);
        bounds_table(&redactor, &keywords, &corpora);
        let builtins = "the default redactor (built-ins alone), Python not run";
        table(builtins, &Redactor::default(), &corpora, false);
        let value = std::env::var(KEYWORD_COUNTS).unwrap_or_default();
        let (counts, notes) = keyword_counts(&value, keywords.len());
        for note in notes {
            println!("{note}");
        }
        for count in counts {
            let redactor = redactors::redactor(&SPEC_PATTERNS, &keywords[..count]);
            let label = format!("built-ins + spec's 3 patterns + {count} keywords, Python not run");
            table(&label, &redactor, &corpora, false);
        }
    }
}
