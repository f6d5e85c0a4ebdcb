//! The program `cargo xtask redaction-ab` builds: the redaction engine of the working tree
//! (`new`) against the one of an earlier revision (`old`), in one process, on the density
//! benchmark's corpora. Interleaved rounds, best of each: both engines meet the same moments of
//! a noisy machine, so their ratio holds where absolute figures jump.
//!
//! Arguments: `--rounds N` (default 25), `--builtins-only` (the default redactor instead of
//! every built-in + the spec's 3 patterns + 1,000 keywords), `--keywords N` (the first N of
//! those keywords instead of 1,000).

use std::hint::black_box;
use std::time::{Duration, Instant};

mod corpus;
use corpus::{DENSITIES, density_corpus, keywords, spec_patterns};

/// The number after `--name` in `args` (xtask has checked it already).
fn number(args: &[String], name: &str) -> Option<usize> {
    let at = args.iter().position(|a| a == name)?;
    args.get(at + 1)?.parse().ok()
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let rounds = number(&args, "--rounds").unwrap_or(25);
    let builtins_only = args.iter().any(|a| a == "--builtins-only");
    let words = keywords();
    let count = number(&args, "--keywords")
        .unwrap_or(words.len())
        .min(words.len());
    let (patterns, keywords): (Vec<String>, Vec<String>) = if builtins_only {
        (Vec::new(), Vec::new())
    } else {
        (spec_patterns(), words[..count].to_vec())
    };
    let new = new::Redactor::new(new::RedactionConfig {
        custom_patterns: patterns.clone(),
        keywords: keywords.clone(),
        ..Default::default()
    })
    .expect("the working tree's redactor builds");
    let old = old::Redactor::new(old::RedactionConfig {
        custom_patterns: patterns,
        keywords,
        ..Default::default()
    })
    .expect("the old revision's redactor builds");
    let label = if builtins_only {
        "the default redactor".to_owned()
    } else {
        format!("every built-in + the spec's 3 patterns + {count} keywords")
    };
    println!("redaction A/B, {label}: MB/s, best of {rounds} interleaved rounds");
    println!(
        "{:<14} {:>9} {:>9} {:>6} | {:>9} {:>9} {:>6}",
        "density", "attr old", "attr new", "new/old", "1MB old", "1MB new", "new/old"
    );
    for &(name, per_line) in DENSITIES {
        let text = density_corpus(1 << 20, per_line, &words);
        let attributes = corpus::attributes(&text);
        // Both meet the corpus first (what they learn of its density settles), in turn.
        for _ in 0..8 {
            for a in &attributes {
                black_box(old.redact(a));
                black_box(new.redact(a));
            }
        }
        let mut best = [Duration::MAX; 4];
        for round in 0..rounds {
            let mut time = |i: usize, f: &dyn Fn() -> usize| {
                let start = Instant::now();
                black_box(f());
                best[i] = best[i].min(start.elapsed());
            };
            let old_attributes = || attributes.iter().map(|a| old.redact(a).len()).sum();
            let new_attributes = || attributes.iter().map(|a| new.redact(a).len()).sum();
            // Each goes first every other round: the second finds the text in the caches.
            if round % 2 == 0 {
                time(0, &old_attributes);
                time(1, &new_attributes);
                time(2, &|| old.redact(&text).len());
                time(3, &|| new.redact(&text).len());
            } else {
                time(1, &new_attributes);
                time(0, &old_attributes);
                time(3, &|| new.redact(&text).len());
                time(2, &|| old.redact(&text).len());
            }
        }
        let mb = text.len() as f64 / 1e6;
        let r = best.map(|t| mb / t.as_secs_f64());
        println!(
            "{name:<14} {:>9.0} {:>9.0} {:>6.2}x | {:>9.0} {:>9.0} {:>6.2}x",
            r[0],
            r[1],
            r[1] / r[0],
            r[2],
            r[3],
            r[3] / r[2]
        );
    }
}
