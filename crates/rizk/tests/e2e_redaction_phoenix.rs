//! End to end: a trace full of planted PII and secrets goes to a real Arize Phoenix through the
//! default redactor; reading everything back finds none of the planted values. Needs the peers:
//! `cargo xtask e2e`.

#![allow(clippy::unwrap_used, clippy::print_stdout)]

mod e2e_support;

use std::time::Duration;

use e2e_support::{get_json_until, peer, unique};
use opentelemetry::KeyValue;
use rizk::{Rizk, agent, set_span_context, tool, workflow};

const PLANTED: &[&str] = &[
    "jane.doe@example.com",
    "4111 1111 1111 1111",
    "123-45-6789",
    "+14155552671",
    "DE89370400440532013000",
    "sk-proj-AbCdEfGhIjKlMnOpQrStUvWxYz0123456789abcd",
    "AKIAIOSFODNN7EXAMPLE",
    "192.168.10.23",
];

#[workflow(name = "bank_support")]
fn bank_support(message: &str) -> Result<String, String> {
    set_span_context([KeyValue::new("customer.contact", "jane.doe@example.com")]);
    let answer = verify_identity(message)?;
    Ok(answer)
}

#[agent(name = "identity_agent")]
fn verify_identity(message: &str) -> Result<String, String> {
    rizk::current_span().set_attribute(KeyValue::new("debug.request_ip", "192.168.10.23"));
    charge_card("4111 1111 1111 1111")?;
    Ok(format!("verified: {message}"))
}

#[tool(name = "card_charge")]
fn charge_card(card: &str) -> Result<(), String> {
    Err(format!(
        "card {card} declined; key sk-proj-AbCdEfGhIjKlMnOpQrStUvWxYz0123456789abcd rejected"
    ))
}

#[test]
#[ignore = "e2e: needs peers; run with cargo xtask e2e"]
fn e2e_redaction_phoenix_finds_no_planted_value() {
    let base = peer("E2E_PHOENIX_URL");
    let project = unique("rizk-e2e-redaction");
    let rizk = Rizk::builder()
        .app_name(&project)
        .opentelemetry_endpoint(&base)
        .console_exporter(false)
        .ignore_environment()
        .init()
        .unwrap();
    let message = "My SSN is 123-45-6789, call +14155552671, IBAN DE89370400440532013000, AWS AKIAIOSFODNN7EXAMPLE";
    let outcome = bank_support(message);
    assert!(outcome.is_err(), "the card tool fails on purpose");
    rizk.shutdown();

    let url = format!("{base}/v1/projects/{project}/spans?limit=100");
    let body = get_json_until(&url, Duration::from_secs(20), |json| {
        json["data"]
            .as_array()
            .is_some_and(|spans| spans.len() >= 3)
    });
    let text = body.to_string();
    for planted in PLANTED {
        assert!(!text.contains(planted), "{planted} reached Phoenix: {text}");
    }
    assert!(
        text.contains("[REDACTED]"),
        "redaction markers are there: {text}"
    );
    let spans = body["data"].as_array().unwrap();
    let names: Vec<&str> = spans.iter().filter_map(|s| s["name"].as_str()).collect();
    for name in [
        "workflow.bank_support",
        "agent.identity_agent",
        "tool.card_charge",
    ] {
        assert!(names.contains(&name), "{name} missing: {names:?}");
    }
    println!(
        "e2e_redaction_phoenix: {} spans read back, no planted value",
        spans.len()
    );
}
