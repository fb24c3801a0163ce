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

/// Chromium's path when node, Chromium and playwright-core (in `dir`) are
/// all there; else prints the skip line (or fails under strict mode).
fn browser_tools(dir: &std::path::Path) -> Option<String> {
    let ready = Command::new("node")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
        && dir.join("node_modules/playwright-core").exists();
    match (chromium(), ready) {
        (Some(c), true) => Some(c),
        _ => {
            skip(
                "node, Debian's chromium and playwright-core",
                "`apt-get install chromium nodejs npm` and `npm install` in tests/browser/",
            );
            None
        }
    }
}

#[test]
fn the_dashboard_shows_the_ledgers_figures_follows_a_reserve_and_refuses_a_revoked_token() {
    let dir = common::root().join("tests/browser");
    let Some(chromium) = browser_tools(&dir) else {
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
    // A key with quotes and right-to-left override text, for bob (no cap).
    let rtl_key = "\"quoted'\u{202e}LTR";
    db.ok_at(NOW, &["reserve", "bob", "--key", rtl_key, "--credits", "1"]);
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
    assert_eq!(keys, ["<script>alert(1)</script>", rtl_key]);
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

#[test]
fn html_reports_render_in_chromium_with_the_json_figures_and_print_on_a4_and_letter() {
    let dir = common::root().join("tests/browser");
    let Some(chromium) = browser_tools(&dir) else {
        return;
    };
    let out_dir = common::root().join("target/browser-artifacts");
    std::fs::create_dir_all(&out_dir).unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let render = |args: &[&str], name: &str| -> Value {
        let mut all = args.to_vec();
        all.extend(["--format", "html"]);
        let r = common::run(&all);
        let file = tmp.path().join(format!("{name}.html"));
        std::fs::write(&file, &r.stdout).unwrap();
        let out = Command::new("node")
            .arg(dir.join("report.mjs"))
            .args([file.to_str().unwrap(), out_dir.to_str().unwrap(), name])
            .env("CHROMIUM", &chromium)
            .output()
            .expect("node runs");
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "{stdout}{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let v: Value = serde_json::from_str(stdout.lines().last().unwrap_or("")).unwrap();
        // Only the page itself was loaded; no script error; printable on
        // both papers; no sideways scroll on a phone.
        assert_eq!(
            v["requests"].as_array().unwrap().len(),
            1,
            "{}",
            v["requests"]
        );
        assert_eq!(v["pageErrors"], serde_json::json!([]));
        assert!(v["pdfA4"].as_u64().unwrap() > 1000 && v["pdfLetter"].as_u64().unwrap() > 1000);
        assert_eq!(v["phoneOverflow"], false, "{name}");
        v
    };

    // The estimate: the verdict and total are the JSON's; one row per item.
    let (_, json) = common::run_json(&[
        "estimate",
        "examples/spring-launch.toml",
        "--format",
        "json",
    ]);
    let v = render(&["estimate", "examples/spring-launch.toml"], "estimate");
    let total = json["total"].as_str().unwrap();
    let verdict = v["verdict"].as_str().unwrap();
    assert!(
        verdict.starts_with("Within budget: total ") && verdict.contains(&format!("{total} USD")),
        "{verdict}"
    );
    // Green for within budget (#1d6b35), and the words say it too.
    assert_eq!(v["verdictColor"], "rgb(29, 107, 53)");
    let items: Vec<&str> = json["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["name"].as_str().unwrap())
        .collect();
    assert_eq!(v["firstColumn"], serde_json::json!(items));
    assert_eq!(v["bars"], serde_json::json!(["kie/gpt-image-2", "image"]));

    // Over budget: red, and said.
    let v = render(
        &["estimate", "examples/spring-launch.toml", "--budget", "10"],
        "estimate-over",
    );
    assert!(
        v["verdict"].as_str().unwrap().starts_with("Over budget"),
        "{}",
        v["verdict"]
    );
    assert_eq!(v["verdictColor"], "rgb(163, 22, 26)");

    // The comparison: the winner is the JSON's, with its chart.
    let (_, json) = common::run_json(&[
        "compare",
        "examples/compare-daily-content-engine.toml",
        "--format",
        "json",
    ]);
    let v = render(
        &["compare", "examples/compare-daily-content-engine.toml"],
        "compare",
    );
    let best = json["strategies"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == json["best"])
        .unwrap();
    assert!(
        v["verdict"]
            .as_str()
            .unwrap()
            .contains(best["label"].as_str().unwrap()),
        "{}",
        v["verdict"]
    );
    assert!(
        v["svgs"].as_u64().unwrap() > best["label"].as_str().map_or(0, |_| 1),
        "no chart"
    );
}
