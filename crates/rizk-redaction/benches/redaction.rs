//! Redaction throughput, compared in one run (see docs/redaction.md, "Performance"):
//!
//! - (a) rizk: every built-in detector + 3 custom patterns (the spec's, as written, with
//!   Unicode `\d`) + 1,000 keywords, one pass;
//! - (a2) the same with the 3 custom patterns written with `[0-9]` instead of `\d`;
//! - (a') the built-ins and custom patterns of (a), with the keywords in a separate
//!   aho-corasick pass instead (the alternative to folding them into the automaton);
//! - (b) the spec's three patterns applied one after another with `regex::Regex::replace_all`;
//! - (c) a plain copy of the text (`to_owned`);
//! - (d) rizk with the default configuration (built-ins only);
//! - (e) a one-pattern lazy DFA scan (`[a-z]\x00[0-9]`, never matches): what one search that
//!   waits on a table load at every byte reaches on this machine;
//! - (f) (a) by one search over the whole text (`redact_reference`, the engine before the
//!   window scan);
//! - the cost of redacting one 1 KB and one 100 KB attribute with (a) and (b);
//! - an adversarial chain of phone numbers that replacing completes one by one (linear time).
//!
//! The corpus (about 20 MB of chat-like text, ASCII with some non-ASCII words, look-alikes such
//! as order numbers, versions and timestamps, and sparse planted PII) is generated in code
//! before anything is timed. After criterion's groups, interleaved manual timing rounds print
//! MB/s and ratios of the same cases (best of the rounds, as the machine is shared).
//!
//! Run: `cargo bench -p rizk-redaction --bench redaction -- --quick`

#![allow(clippy::print_stdout, missing_docs)]

use std::borrow::Cow;
use std::hint::black_box;
use std::time::{Duration, Instant};

use aho_corasick::{AhoCorasick, MatchKind};
use criterion::{BenchmarkId, Criterion, Throughput};
use regex_automata::hybrid::dfa::DFA;
use rizk_redaction::Redactor;

#[path = "support/corpus.rs"]
mod corpus;
use corpus::{SPEC_PATTERNS, corpus, keywords};
#[path = "support/redactors.rs"]
mod redactors;
use redactors::redactor;

/// The same, with ASCII digit classes.
const ASCII_PATTERNS: [&str; 3] = [
    r"\b[0-9]{4}-[0-9]{4}-[0-9]{4}-[0-9]{4}\b",
    r"\b[0-9]{3}-[0-9]{2}-[0-9]{4}\b",
    r"\b[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Z|a-z]{2,}\b",
];

const CORPUS_BYTES: usize = 20 << 20;

struct Cases {
    text: String,
    a: Redactor,
    a2: Redactor,
    a_no_keywords: Redactor,
    keywords_ac: AhoCorasick,
    spec: Vec<regex::Regex>,
    d: Redactor,
    one_pattern: DFA,
}

impl Cases {
    fn new(bytes: usize) -> Cases {
        let keywords = keywords();
        let text = corpus(bytes, &keywords);
        let keywords_ac = AhoCorasick::builder()
            .ascii_case_insensitive(true)
            .match_kind(MatchKind::LeftmostLongest)
            .build(&keywords)
            .expect("aho-corasick builds");
        Cases {
            a: redactor(&SPEC_PATTERNS, &keywords),
            a2: redactor(&ASCII_PATTERNS, &keywords),
            a_no_keywords: redactor(&SPEC_PATTERNS, &[]),
            keywords_ac,
            spec: SPEC_PATTERNS
                .iter()
                .map(|p| regex::Regex::new(p).expect("spec pattern"))
                .collect(),
            d: Redactor::default(),
            one_pattern: DFA::new(r"[a-z]\x00[0-9]").expect("one-pattern DFA"),
            text,
        }
    }

    fn a(&self, text: &str) -> usize {
        self.a.redact(text).len()
    }

    fn a2(&self, text: &str) -> usize {
        self.a2.redact(text).len()
    }

    fn a_prime(&self, text: &str) -> usize {
        let first = self.a_no_keywords.redact(text);
        // The second pass: keyword spans replaced the same way.
        let mut out = String::new();
        let mut last = 0;
        for m in self.keywords_ac.find_iter(first.as_ref()) {
            out.push_str(&first[last..m.start()]);
            out.push_str("[REDACTED]");
            last = m.end();
        }
        if last == 0 {
            return first.len();
        }
        out.push_str(&first[last..]);
        out.len()
    }

    fn b(&self, text: &str) -> usize {
        let mut cur: Cow<'_, str> = Cow::Borrowed(text);
        for re in &self.spec {
            if let Cow::Owned(s) = re.replace_all(&cur, "[REDACTED]") {
                cur = Cow::Owned(s);
            }
        }
        cur.len()
    }

    fn c(&self, text: &str) -> usize {
        black_box(text.to_owned()).len()
    }

    fn d(&self, text: &str) -> usize {
        self.d.redact(text).len()
    }

    fn f(&self, text: &str) -> usize {
        self.a.redact_reference(text).len()
    }

    fn e(&self, text: &str) -> usize {
        let mut cache = self.one_pattern.create_cache();
        let input = regex_automata::Input::new(text);
        let found = self
            .one_pattern
            .try_search_fwd(&mut cache, &input)
            .ok()
            .flatten();
        found.map_or(0, |m| m.offset())
    }
}

fn throughput(c: &mut Criterion, cases: &Cases) {
    let mut group = c.benchmark_group("redaction_20MB");
    group.throughput(Throughput::Bytes(cases.text.len() as u64));
    group.sample_size(10);
    group.warm_up_time(Duration::from_secs(1));
    group.measurement_time(Duration::from_secs(4));
    let text = cases.text.as_str();
    group.bench_function("a_rizk_builtins_3custom_1000keywords", |b| {
        b.iter(|| cases.a(black_box(text)))
    });
    group.bench_function("a2_rizk_custom_patterns_with_ascii_digits", |b| {
        b.iter(|| cases.a2(black_box(text)))
    });
    group.bench_function("a_prime_rizk_plus_separate_aho_corasick", |b| {
        b.iter(|| cases.a_prime(black_box(text)))
    });
    group.bench_function("b_spec_3_regex_replace_all", |b| {
        b.iter(|| cases.b(black_box(text)))
    });
    group.bench_function("c_copy", |b| b.iter(|| cases.c(black_box(text))));
    group.bench_function("d_rizk_default_builtins_only", |b| {
        b.iter(|| cases.d(black_box(text)))
    });
    group.bench_function("e_lazy_dfa_one_pattern", |b| {
        b.iter(|| cases.e(black_box(text)))
    });
    group.bench_function("f_rizk_a_one_search_reference", |b| {
        b.iter(|| cases.f(black_box(text)))
    });
    group.finish();

    let mut group = c.benchmark_group("redaction_attribute");
    for size in [1024usize, 100 * 1024] {
        let attr = slice(text, size);
        group.throughput(Throughput::Bytes(attr.len() as u64));
        group.bench_with_input(BenchmarkId::new("a_rizk", size), attr, |b, attr| {
            b.iter(|| cases.a(black_box(attr)))
        });
        group.bench_with_input(BenchmarkId::new("b_spec_regex", size), attr, |b, attr| {
            b.iter(|| cases.b(black_box(attr)))
        });
    }
    group.finish();
}

/// A slice of about `size` bytes on char boundaries, from a spot that holds planted PII.
fn slice(text: &str, size: usize) -> &str {
    let mut start = text
        .find("4111 1111 1111 1111")
        .unwrap_or(0)
        .saturating_sub(size / 2);
    while !text.is_char_boundary(start) {
        start -= 1;
    }
    let mut end = (start + size).min(text.len());
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[start..end]
}

fn ratios(cases: &Cases) {
    let text = cases.text.as_str();
    let mb = text.len() as f64 / 1e6;
    // Interleaved rounds, best of each: the machine is shared, so the minimum is the most
    // stable estimate and every case sees the same conditions.
    let mut best = [Duration::MAX; 8];
    for round in 0..5 {
        let mut time = |i: usize, f: &dyn Fn() -> usize| {
            let t = Instant::now();
            black_box(f());
            best[i] = best[i].min(t.elapsed());
        };
        time(0, &|| cases.a(text));
        time(1, &|| cases.a2(text));
        time(2, &|| cases.a_prime(text));
        if round < 2 {
            time(3, &|| cases.b(text));
        }
        time(4, &|| cases.c(text));
        time(5, &|| cases.d(text));
        time(6, &|| cases.e(text));
        time(7, &|| cases.f(text));
    }
    let [a, a2, a_prime, b, c, d, e, f] = best;
    let mbps = |t: Duration| mb / t.as_secs_f64();
    let x = |slow: Duration, fast: Duration| slow.as_secs_f64() / fast.as_secs_f64();
    println!();
    println!("redaction summary: {mb:.1} MB corpus, best of interleaved rounds, same run");
    println!(
        "  (a)  built-ins + spec's 3 custom (\\d) + 1000 keywords, one pass: {:7.1} MB/s",
        mbps(a)
    );
    println!(
        "  (a2) same, custom patterns with [0-9] instead of \\d:           {:7.1} MB/s",
        mbps(a2)
    );
    println!(
        "  (a') (a) with the keywords in a separate aho-corasick pass:    {:7.1} MB/s",
        mbps(a_prime)
    );
    println!(
        "  (b)  spec's 3 patterns, regex replace_all one after another:   {:7.1} MB/s",
        mbps(b)
    );
    println!(
        "  (c)  plain copy (to_owned):                                    {:7.1} MB/s",
        mbps(c)
    );
    println!(
        "  (d)  rizk default config (built-ins only):                     {:7.1} MB/s",
        mbps(d)
    );
    println!(
        "  (e)  one-pattern lazy DFA scan, every byte:                    {:7.1} MB/s",
        mbps(e)
    );
    println!(
        "  (f)  (a) by one search over the whole text (reference):       {:7.1} MB/s",
        mbps(f)
    );
    println!(
        "  ratios: (a) = {:.1}x (b); (a) = {:.2}x (f), the window scan; (a) = {:.2}x (a'), so keywords stay folded; (a) = {:.2}x, (d) = {:.2}x (e); (c) = {:.0}x (a)",
        x(b, a),
        x(f, a),
        x(a_prime, a),
        x(e, a),
        x(e, d),
        x(a, c),
    );
    let t = Instant::now();
    black_box(Redactor::default());
    let build_d = t.elapsed();
    let keywords = keywords();
    let t = Instant::now();
    black_box(redactor(&SPEC_PATTERNS, &keywords));
    println!(
        "  building the redactor: (d) {build_d:?}, (a) {:?}",
        t.elapsed()
    );
    for size in [1024usize, 100 * 1024] {
        let attr = slice(text, size);
        let reps: u32 = if size <= 1024 { 20_000 } else { 200 };
        let mut per = [Duration::MAX; 2];
        for _ in 0..3 {
            let t = Instant::now();
            for _ in 0..reps {
                black_box(cases.a(black_box(attr)));
            }
            per[0] = per[0].min(t.elapsed() / reps);
            let t = Instant::now();
            for _ in 0..reps {
                black_box(cases.b(black_box(attr)));
            }
            per[1] = per[1].min(t.elapsed() / reps);
        }
        println!(
            "  one {size}-byte attribute with (a): {:?} ({:.0} MB/s); with (b): {:?}",
            per[0],
            attr.len() as f64 / 1e6 / per[0].as_secs_f64(),
            per[1]
        );
    }
    short_texts(cases);
    chain(cases);
}

/// Short texts (most attribute values): below 512 bytes `redact` searches once (no walk), so it
/// costs what the one-search reference costs; above, the walk pays. Default configuration.
fn short_texts(cases: &Cases) {
    for size in [32usize, 256, 512, 2048] {
        let texts: Vec<&str> = (0..500)
            .map(|i| slice_at(&cases.text, i * (cases.text.len() / 500), size))
            .collect();
        let per_text = |f: &dyn Fn(&str) -> usize| {
            (0..3)
                .map(|_| {
                    let t = Instant::now();
                    for text in &texts {
                        black_box(f(black_box(text)));
                    }
                    t.elapsed() / texts.len() as u32
                })
                .min()
                .unwrap_or_default()
        };
        let redact = per_text(&|t| cases.d.redact(t).len());
        let reference = per_text(&|t| cases.d.redact_reference(t).len());
        println!(
            "  {size}-byte texts, default config: redact {redact:?}, one search (reference) {reference:?}"
        );
    }
}

/// About `size` bytes of `text` from `start`, on char boundaries.
fn slice_at(text: &str, mut start: usize, size: usize) -> &str {
    while !text.is_char_boundary(start) {
        start -= 1;
    }
    let mut end = (start + size).min(text.len());
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[start..end]
}

/// Adversarial input: phone numbers each after `0-`, so each reads as the tail of a longer number
/// until the one before it is replaced. `redact` completes one link per extra search and must stay
/// linear; the one-search reference's first search is quadratic here (shown on a shorter chain).
fn chain(cases: &Cases) {
    let best = |f: &dyn Fn() -> usize| {
        (0..2)
            .map(|_| {
                let t = Instant::now();
                black_box(f());
                t.elapsed()
            })
            .min()
            .unwrap_or_default()
    };
    for links in [8_000usize, 32_000] {
        let text = format!("start {} end", "+40001-00-000-0-".repeat(links));
        let find = best(&|| cases.d.find_matches(&text).len());
        let redact = best(&|| cases.d.redact(&text).len());
        println!(
            "  chain of {links} completed phone numbers ({} KB), default config: find_matches {find:?}, redact {redact:?}",
            text.len() / 1000
        );
    }
    let text = format!("start {} end", "+40001-00-000-0-".repeat(8_000));
    let reference = best(&|| cases.d.find_matches_reference(&text).len());
    println!("  the same 8000-link chain by one search over the whole text: {reference:?}");
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let test_mode = args.iter().any(|a| a == "--test" || a == "--list");
    // In `cargo test --benches` mode a small corpus is enough to check that every case runs.
    let cases = Cases::new(if test_mode { 256 << 10 } else { CORPUS_BYTES });
    let mut criterion = Criterion::default().configure_from_args();
    throughput(&mut criterion, &cases);
    criterion.final_summary();
    if !test_mode {
        ratios(&cases);
    }
}
