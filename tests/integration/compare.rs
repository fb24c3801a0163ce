//! Integration tests: `genbudget compare`. Hand-worked cases on the frozen
//! fixture tables (`tests/fixtures/compare-book/acme/`), bad profiles, output
//! formats, the chart, and transcripts of the shipped examples.

#[path = "compare/cases.rs"]
mod cases;
#[path = "compare/errors.rs"]
mod errors;
#[path = "compare/examples.rs"]
mod examples;
#[path = "compare/output.rs"]
mod output;

use serde_json::Value;

use crate::common::{Run, run, run_json};

/// Profiles of the hand-worked cases.
pub const PROFILES: &str = "tests/fixtures/profiles/compare";

/// `genbudget compare` on the fixture book only.
pub fn compare(profile: &str, extra: &[&str]) -> Run {
    let path = format!("{PROFILES}/{profile}");
    let mut args = vec![
        "--no-builtin-pricing",
        "--pricing",
        "tests/fixtures/compare-book",
        "compare",
        &path,
    ];
    args.extend_from_slice(extra);
    run(&args)
}

/// The JSON report of `genbudget compare` on the fixture book.
pub fn report(profile: &str, extra: &[&str]) -> Value {
    let path = format!("{PROFILES}/{profile}");
    let mut args = vec![
        "--no-builtin-pricing",
        "--pricing",
        "tests/fixtures/compare-book",
        "compare",
        &path,
        "--format",
        "json",
    ];
    args.extend_from_slice(extra);
    let (r, v) = run_json(&args);
    assert_eq!(r.code, 0, "{}", r.stderr);
    v
}

/// The listed strategy with this id.
pub fn strategy<'a>(report: &'a Value, id: &str) -> &'a Value {
    report["strategies"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == id)
        .unwrap_or_else(|| panic!("no strategy `{id}` in {:#}", report["strategies"]))
}

/// A strategy's total and per-month amounts, as strings.
pub fn amounts(s: &Value) -> (String, Vec<String>) {
    let months = s["per_month"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m.as_str().unwrap().to_string())
        .collect();
    (s["total"].as_str().unwrap().to_string(), months)
}
