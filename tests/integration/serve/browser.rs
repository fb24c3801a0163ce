//! The dashboard in a real browser: Debian's `chromium`, headless, driven by
//! playwright-core (npm) through `tests/browser/dashboard.mjs`. Screenshots
//! at desktop and phone widths are kept in `target/browser-artifacts/`.
//! Without node, chromium or `npm install` in `tests/browser/` the test
//! prints one line and skips, unless `GENBUDGET_TEST_STRICT=1`.

use std::process::Command;

use serde_json::Value;

use super::{NOW, Server, ledger, skip};
use crate::common;
use crate::ledger::s;

fn chromium() -> Option<String> {
    let c = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    std::path::Path::new(&c).exists().then_some(c)
}

#[test]
fn the_dashboard_shows_the_ledgers_figures_follows_a_reserve_and_refuses_a_revoked_token() {
    let dir = common::root().join("tests/browser");
    let ready = Command::new("node")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
        && dir.join("node_modules/playwright-core").exists();
    let (Some(chromium), true) = (chromium(), ready) else {
        skip(
            "node, Debian's chromium and playwright-core",
            "`apt-get install chromium nodejs npm` and `npm install` in tests/browser/",
        );
        return;
    };
    let (db, t) = ledger();
    // alice: cap 500 a month; 120 spent (a settled hold) and 30 held.
    db.ok_at(
        NOW,
        &["reserve", "alice", "--key", "done", "--credits", "150"],
    );
    db.ok_at(NOW, &["settle", "done", "--credits", "120"]);
    db.ok_at(
        NOW,
        &[
            "reserve",
            "alice",
            "--key",
            "<script>alert(1)</script>",
            "--credits",
            "30",
        ],
    );
    let revoked = s(
        &db.ok_at(NOW, &["token", "add", "gone", "--role", "app"]),
        "secret",
    );
    db.ok_at(NOW, &["token", "revoke", "gone"]);
    let srv = Server::start(db);
    let (_, status) = srv.call("GET", "/v1/users/alice", Some(&t.app), None);
    let u = &status["users"][0];
    let out_dir = common::root().join("target/browser-artifacts");
    std::fs::create_dir_all(&out_dir).unwrap();
    let out = Command::new("node")
        .arg(dir.join("dashboard.mjs"))
        .args([&srv.base, &t.app, &revoked, out_dir.to_str().unwrap()])
        .env("CHROMIUM", &chromium)
        .output()
        .expect("node runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_str(stdout.lines().last().unwrap_or(""))
        .unwrap_or_else(|e| panic!("{e}: {stdout}"));

    // The figures shown are the status document's as the page first read
    // it: alice 120 spent + 30 held of 500 → 350 available.
    assert_eq!(
        (s(u, "spent"), s(u, "held"), s(u, "available")),
        ("120".into(), "30".into(), "350".into())
    );
    let alice = |doc: &Value| {
        doc.as_array()
            .unwrap()
            .iter()
            .find(|p| p["name"] == "alice")
            .unwrap()["figures"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let before = alice(&v["before"]);
    let shown = format!(
        "cap {} a month, spent {}, held {}",
        s(u, "cap"),
        s(u, "spent"),
        s(u, "held")
    );
    assert!(before.contains(&shown), "{before} lacks {shown}");
    assert!(
        before.contains(&format!("available {}", s(u, "available"))),
        "{before}"
    );
    // The hostile key is shown as text, not run.
    let keys: Vec<&str> = v["holdsBefore"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r[0].as_str().unwrap())
        .collect();
    assert_eq!(keys, ["<script>alert(1)</script>"]);
    // After a hold of 70 made through the API: 100 held, 280 available.
    assert_eq!(v["reserveStatus"], 201);
    let after = alice(&v["after"]);
    assert!(
        after.contains("held 100") && after.contains("available 280"),
        "{after}"
    );
    // The day chart: 120 spent on NOW's day.
    assert_eq!(v["chart"], "Credits spent by day: 2026-06-01 120");
    // Nothing left the page's origin; no script error; no sideways scroll on a phone.
    assert_eq!(v["foreign"], serde_json::json!([]), "{}", v["requests"]);
    assert_eq!(v["pageErrors"], serde_json::json!([]));
    assert_eq!(v["phoneOverflow"], false);
    // A revoked token: signed out, with the message.
    assert!(
        v["revokedMessage"]
            .as_str()
            .unwrap()
            .contains("not valid (unknown or revoked)"),
        "{}",
        v["revokedMessage"]
    );
    assert_eq!(v["boardHiddenAfterRevoked"], true);
    for shot in ["dashboard-desktop.png", "dashboard-phone.png"] {
        let bytes = std::fs::read(out_dir.join(shot)).unwrap();
        assert!(bytes.starts_with(b"\x89PNG"), "{shot}");
    }
}
