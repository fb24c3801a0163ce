//! Real outside clients: the Python example (standard library only) and
//! schemathesis fuzzing the API from its own OpenAPI document. Where Python
//! or schemathesis is missing the test prints one line and skips, unless
//! `GENBUDGET_TEST_STRICT=1` (set by `.ci/run`, which installs them).

use std::process::Command;

use super::{NOW, Server, ledger, skip};
use crate::common;

fn python() -> Option<&'static str> {
    ["python3", "python"].into_iter().find(|p| {
        Command::new(p)
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success())
    })
}

#[test]
fn the_python_example_reserves_runs_and_settles() {
    let Some(py) = python() else {
        skip(
            "python3",
            "install Python 3 to run examples/serve_client.py",
        );
        return;
    };
    let (db, t) = ledger();
    db.ok_at(
        NOW,
        &["user", "add", "tiny", "--cap", "50", "--period", "month"],
    );
    let srv = Server::start(db);
    let run = |user: &str, key: &str| {
        let out = Command::new(py)
            .arg(common::root().join("examples/serve_client.py"))
            .arg(user)
            .env("GENBUDGET_URL", &srv.base)
            .env("GENBUDGET_TOKEN", &t.app)
            .env("GENBUDGET_JOB_KEY", key)
            .output()
            .expect("python runs");
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    // sora-2, 8 s at 720p = 8 × 0.10 USD = 80 credits held of alice's 500
    // (420 left); the fake job renders 4 s = 40 credits (500 − 40 = 460).
    let (code, out, err) = run("alice", "clip-py");
    assert_eq!(code, Some(0), "{out}{err}");
    assert_eq!(
        out,
        "reserved 80 credits for clip-py (420 left)\nsettled 40 credits for 4 s (460 left)\n"
    );
    // Run again with the same key: the service replays both answers.
    let (code, again, err) = run("alice", "clip-py");
    assert_eq!((code, again.lines().count()), (Some(0), 2), "{again}{err}");
    // tiny's cap of 50 cannot hold 80: denied, exit 1.
    let (code, out, _) = run("tiny", "clip-tiny");
    assert_eq!(code, Some(1));
    assert!(out.starts_with("denied: tiny's month cap"), "{out}");
    let (_, v) = srv.call("GET", "/v1/holds/clip-py", Some(&t.app), None);
    assert_eq!(
        (v["state"].as_str(), v["settled"].as_str()),
        (Some("settled"), Some("40"))
    );
}

/// The schemathesis command: `GENBUDGET_SCHEMATHESIS`, else `schemathesis`
/// on PATH.
fn schemathesis() -> Option<String> {
    let cmd = std::env::var("GENBUDGET_SCHEMATHESIS").unwrap_or_else(|_| "schemathesis".into());
    Command::new(&cmd)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
        .then_some(cmd)
}

#[test]
fn schemathesis_finds_no_server_error_and_no_answer_outside_the_document() {
    let Some(st) = schemathesis() else {
        skip(
            "schemathesis",
            "`pip install schemathesis` (or set GENBUDGET_SCHEMATHESIS to its path) to fuzz the API",
        );
        return;
    };
    let (db, t) = ledger();
    let srv = Server::start(db);
    let out = Command::new(&st)
        .args(["run", &format!("{}/openapi.json", srv.base)])
        .args(["--header", &format!("Authorization: Bearer {}", t.admin)])
        // Every check but `positive_data_acceptance` (a valid body may
        // still name a user who does not exist: a 404 is right then).
        .args([
            "--checks",
            "all",
            "--exclude-checks",
            "positive_data_acceptance",
        ])
        .args(["--max-examples", "40", "--seed", "1"])
        .env("NO_COLOR", "1")
        .output()
        .expect("schemathesis runs");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "schemathesis found problems:\n{text}");
    let (code, log, db) = srv.terminate();
    assert!(code.success(), "{log}");
    assert!(!log.contains(" 500 "), "{log}");
    // The fuzzing wrote through the API; the ledger is still whole.
    db.verified();
}
