//! The ordinary life of holds through the CLI: reserve, settle, release,
//! charge, grants, expiry, overruns, and what status, holds, report and
//! export show for them.

use serde_json::Value;
use sha2::{Digest, Sha256};

use super::{Backend, Db, s};

/// alice: 500 credits a month, 3 jobs at once; the org: 10 jobs at once.
fn alice(b: Backend) -> Db {
    let db = Db::init_on(b, &[]);
    db.ok(&[
        "user",
        "add",
        "alice",
        "--cap",
        "500",
        "--period",
        "month",
        "--max-holds",
        "3",
    ]);
    db.ok(&["org", "set", "--max-holds", "10"]);
    db
}

fn reserve_settle_release_and_charge(b: Backend) {
    let db = alice(b);
    let h = db.ok(&["reserve", "alice", "--key", "job-1", "--credits", "40"]);
    assert_eq!(h["schema"], "genbudget.hold/1");
    assert_eq!(h["state"], "open");
    assert_eq!(s(&h, "credits"), "40");
    assert_eq!(h["settled"], Value::Null);
    // 500 − 40 held = 460.
    assert_eq!(s(&h, "available"), "460");
    // Default TTL 15 minutes after 09:00.
    assert_eq!(h["expires_at"], "2026-04-20T09:15:00Z");
    assert_eq!(h["overrun"], false);
    assert_eq!(h["replayed"], false);

    let st = db.ok(&["settle", "job-1", "--credits", "30.5"]);
    assert_eq!(st["state"], "settled");
    assert_eq!(s(&st, "credits"), "40");
    assert_eq!(s(&st, "settled"), "30.5");
    // 500 − 30.5 spent = 469.5: the unspent 9.5 came back.
    assert_eq!(s(&st, "available"), "469.5");

    db.ok(&["reserve", "alice", "--key", "job-2", "--credits", "100"]);
    let rel = db.ok(&["release", "job-2", "--reason", "render failed"]);
    assert_eq!(rel["state"], "released");
    assert_eq!(rel["settled"], Value::Null);
    assert_eq!(s(&rel, "available"), "469.5");

    let c = db.ok(&["charge", "alice", "--key", "img-1", "--credits", "0.25"]);
    assert_eq!(c["state"], "settled");
    assert_eq!(s(&c, "settled"), "0.25");
    assert_eq!(c["expires_at"], Value::Null);
    // 469.5 − 0.25 = 469.25.
    assert_eq!(s(&c, "available"), "469.25");

    let status = db.ok(&["status", "alice"]);
    assert_eq!(status["schema"], "genbudget.status/1");
    let u = &status["users"][0];
    assert_eq!(u["user"], "alice");
    assert_eq!(s(u, "cap"), "500");
    assert_eq!(u["period"], "month");
    assert_eq!(u["period_start"], "2026-04-01");
    // 30.5 + 0.25 = 30.75 spent; nothing held.
    assert_eq!(s(u, "spent"), "30.75");
    assert_eq!(s(u, "held"), "0");
    assert_eq!(s(u, "available"), "469.25");
    assert_eq!(s(&status["org"], "spent"), "30.75");

    let holds = db.ok(&["holds", "--all"]);
    let states: Vec<(&str, &str)> = holds["holds"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| (h["key"].as_str().unwrap(), h["state"].as_str().unwrap()))
        .collect();
    // `--all` lists charges too (img-1 was charged in one step).
    assert_eq!(
        states,
        [
            ("job-1", "settled"),
            ("job-2", "released"),
            ("img-1", "settled")
        ]
    );
    assert_eq!(db.ok(&["holds"])["holds"].as_array().unwrap().len(), 0);
    db.verified();
}

fn a_denial_names_the_limit_and_the_numbers(b: Backend) {
    let db = alice(b);
    db.ok(&["charge", "alice", "--key", "c1", "--credits", "480"]);
    db.ok(&["reserve", "alice", "--key", "h1", "--credits", "10"]);
    // 480 spent + 10 held + 40 asked = 530 > 500.
    let r = db.run(&["reserve", "alice", "--key", "h2", "--credits", "40"]);
    assert_eq!(r.code, 1);
    assert_eq!(
        r.stdout,
        "denied: alice's month cap: 480 spent + 10 held + 40 asked > 500\n"
    );
    let (r, d) = db.json(&["reserve", "alice", "--key", "h2", "--credits", "40"]);
    assert_eq!(r.code, 1);
    assert_eq!(d["schema"], "genbudget.denial/1");
    assert_eq!(d["limit"], "user.cap");
    assert_eq!(d["key"], "h2");
    assert_eq!(s(&d, "asked"), "40");
    assert_eq!(s(&d, "available"), "10");
    // Nothing was written: 10 still fits, under the same key.
    let h = db.ok(&["reserve", "alice", "--key", "h2", "--credits", "10"]);
    assert_eq!(s(&h, "available"), "0");
    // A charge is checked the same way.
    let r = db.run(&["charge", "alice", "--key", "c2", "--credits", "0.000001"]);
    assert_eq!(r.code, 1, "{}", r.stdout);
    assert!(
        r.stdout
            .contains("480 spent + 20 held + 0.000001 asked > 500"),
        "{}",
        r.stdout
    );
}

fn max_holds_and_org_limits_deny(b: Backend) {
    let db = alice(b);
    for k in ["a", "b", "c"] {
        db.ok(&["reserve", "alice", "--key", k, "--credits", "1"]);
    }
    let r = db.run(&["reserve", "alice", "--key", "d", "--credits", "1"]);
    assert_eq!(
        (r.code, r.stdout.as_str()),
        (1, "denied: alice's max_holds: 3 open holds + 1 asked > 3\n")
    );
    // A charge needs no job slot.
    db.ok(&["charge", "alice", "--key", "e", "--credits", "1"]);

    db.ok(&["user", "add", "bob"]);
    db.ok(&[
        "org",
        "set",
        "--cap",
        "100",
        "--period",
        "day",
        "--max-holds",
        "4",
    ]);
    db.ok(&["reserve", "bob", "--key", "b1", "--credits", "1"]);
    let (r, d) = db.json(&["reserve", "bob", "--key", "b2", "--credits", "1"]);
    assert_eq!(r.code, 1);
    assert_eq!(d["limit"], "org.max_holds");
    assert_eq!(
        d["reason"],
        "the org's max_holds: 4 open holds + 1 asked > 4"
    );
    // Org day: 1 (charge e) spent + 4 held; 5 + 96 = 101 > 100.
    let (r, d) = db.json(&["charge", "bob", "--key", "b3", "--credits", "96"]);
    assert_eq!(r.code, 1);
    assert_eq!(d["limit"], "org.cap");
    assert_eq!(
        d["reason"],
        "the org's day cap: 1 spent + 4 held + 96 asked > 100"
    );
    assert_eq!(s(&d, "available"), "95");
    // bob has no cap of his own: his available is unlimited (null).
    let h = db.ok(&["charge", "bob", "--key", "b3", "--credits", "95"]);
    assert_eq!(h["available"], Value::Null);
    db.verified();
}

#[test]
fn grants_are_spent_after_the_cap_earliest_expiry_first() {
    let db = alice(Backend::Sqlite);
    db.ok(&[
        "grant",
        "alice",
        "30",
        "--key",
        "g-late",
        "--expires",
        "2026-06-30",
    ]);
    db.ok(&[
        "grant",
        "alice",
        "20",
        "--key",
        "g-soon",
        "--expires",
        "2026-04-25",
        "--note",
        "sorry",
    ]);
    db.ok(&["grant", "alice", "5", "--key", "g-never"]);
    let st = db.ok(&["status", "alice"]);
    // 500 + 30 + 20 + 5 = 555.
    assert_eq!(s(&st["users"][0], "available"), "555");
    // 520 = 500 of the cap + 20 of g-soon (expires first).
    db.ok(&["charge", "alice", "--key", "c1", "--credits", "520"]);
    let grants: Vec<(String, i64, i64)> = db
        .sqlite()
        .prepare("SELECT key, spent, held FROM grants ORDER BY key")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(
        grants,
        [
            ("g-late".into(), 0, 0),
            ("g-never".into(), 0, 0),
            ("g-soon".into(), 20_000_000, 0)
        ]
    );
    let r = db.run(&["reserve", "alice", "--key", "h1", "--credits", "36"]);
    // 520 spent + 0 held + 36 asked > 500 + 55 in grants (20 used + 35 left).
    assert_eq!(
        r.stdout,
        "denied: alice's month cap: 520 spent + 0 held + 36 asked > 500 + 55 in grants\n"
    );
    // A new month: the cap is back, g-soon is spent, g-late still there.
    let may = "2026-05-02T00:00:00Z";
    let st = db.ok_at(may, &["status", "alice"]);
    // 500 + 30 + 5 = 535.
    assert_eq!(s(&st["users"][0], "available"), "535");
    // After g-late's last day only g-never is left: 500 + 5.
    let st = db.ok_at("2026-07-01T00:00:00Z", &["status", "alice"]);
    assert_eq!(s(&st["users"][0], "available"), "505");
    db.verified();
}

fn settling_above_the_hold_is_recorded_and_flagged(b: Backend) {
    let db = alice(b);
    db.ok(&["reserve", "alice", "--key", "job-1", "--credits", "40"]);
    let (r, v) = db.json(&["settle", "job-1", "--credits", "55"]);
    assert_eq!(r.code, 0);
    assert_eq!(v["overrun"], true);
    assert_eq!(s(&v, "settled"), "55");
    assert!(
        r.stderr
            .starts_with("warning: hold `job-1` overran: 55 credits settled for a hold of 40"),
        "{}",
        r.stderr
    );
    let st = db.ok(&["status", "alice"]);
    assert_eq!(st["users"][0]["overruns"], 1);
    assert_eq!(s(&st["users"][0], "available"), "445");
    let rep = db.ok(&["report"]);
    assert_eq!(rep["rows"][0]["overruns"], 1);
    // 55 − 40 = 15 beyond the hold.
    assert_eq!(s(&rep["rows"][0], "overrun_credits"), "15");
    let v = db.verified();
    assert_eq!(v["overruns"], 1);
    // Spending a cap past its limit: recorded, flagged, available floors at 0.
    db.ok(&["reserve", "alice", "--key", "job-2", "--credits", "400"]);
    let (r, v) = db.json(&["settle", "job-2", "--credits", "500"]);
    assert_eq!((r.code, &v["overrun"]), (0, &Value::Bool(true)));
    // 55 + 500 = 555 > 500.
    assert_eq!(s(&v, "available"), "0");
    db.verified();
}

fn holds_expire_and_late_settles_are_judged_afresh(b: Backend) {
    let db = alice(b);
    db.ok(&[
        "reserve",
        "alice",
        "--key",
        "job-1",
        "--credits",
        "300",
        "--ttl",
        "10m",
    ]);
    // At 09:10 the hold has expired: nothing held, its credits are back.
    let later = "2026-04-20T09:10:00Z";
    let st = db.ok_at(later, &["status", "alice"]);
    assert_eq!(s(&st["users"][0], "held"), "0");
    assert_eq!(s(&st["users"][0], "available"), "500");
    let holds = db.ok_at(later, &["holds", "--all"]);
    assert_eq!(holds["holds"][0]["state"], "expired");
    // A late settle that still fits is no overrun.
    let v = db.ok_at(later, &["settle", "job-1", "--credits", "250"]);
    assert_eq!(
        (v["state"].as_str(), v["overrun"].as_bool()),
        (Some("settled"), Some(false))
    );
    // 500 − 250 = 250 left; a late settle of 300 no longer fits.
    db.ok_at(
        later,
        &[
            "reserve",
            "alice",
            "--key",
            "job-2",
            "--credits",
            "250",
            "--ttl",
            "1m",
        ],
    );
    let much_later = "2026-04-20T10:00:00Z";
    let (r, v) = db.json_at(much_later, &["settle", "job-2", "--credits", "300"]);
    assert_eq!((r.code, &v["overrun"]), (0, &Value::Bool(true)));
    assert!(r.stderr.starts_with("warning:"), "{}", r.stderr);
    // The overrun is real spending: 250 + 300 = 550 > 500, so alice can
    // hold nothing more this month (rule 1), not even 1 credit.
    let r = db.run_at(
        much_later,
        &["reserve", "alice", "--key", "job-3", "--credits", "1"],
    );
    assert_eq!(
        (r.code, r.stdout.as_str()),
        (
            1,
            "denied: alice's month cap: 550 spent + 0 held + 1 asked > 500\n"
        )
    );
    // Releasing an expired hold records the release; settling it later is
    // refused. (bob has no cap, so his hold is granted.)
    db.ok_at(much_later, &["user", "add", "bob"]);
    db.ok_at(
        much_later,
        &[
            "reserve",
            "bob",
            "--key",
            "job-3",
            "--credits",
            "1",
            "--ttl",
            "1m",
        ],
    );
    let v = db.ok_at("2026-04-20T11:00:00Z", &["release", "job-3"]);
    assert_eq!(v["state"], "released");
    let r = db.run_at("2026-04-20T11:00:00Z", &["settle", "job-3"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("was released"), "{}", r.stderr);
    db.verified();
}

fn report_groups_by_user_model_and_dates_in_every_format(b: Backend) {
    let db = alice(b);
    db.ok(&["user", "add", "bob"]);
    // Monday 20 April, Sunday 26 April (same ISO week 17), 1 May (week 18).
    db.ok_at(
        "2026-04-20T10:00:00Z",
        &["charge", "alice", "--key", "a", "--credits", "10"],
    );
    db.ok_at(
        "2026-04-26T10:00:00Z",
        &["charge", "bob", "--key", "b", "--credits", "2.5"],
    );
    db.ok_at(
        "2026-05-01T10:00:00Z",
        &["charge", "bob", "--key", "c", "--credits", "1"],
    );
    let groups = |by: &str| -> Vec<(String, String, String)> {
        let v = db.ok(&["report", "--by", by]);
        v["rows"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| (s(r, "group"), s(r, "credits"), s(r, "amount")))
            .collect()
    };
    let t = |g: &str, c: &str, a: &str| (g.to_string(), c.to_string(), a.to_string());
    // Credits × 0.01 USD: 10 → 0.10, 3.5 → 0.035 → 0.04 (half away from zero).
    assert_eq!(
        groups("user"),
        [t("alice", "10", "0.10"), t("bob", "3.5", "0.04")]
    );
    assert_eq!(groups("model"), [t("(credits)", "13.5", "0.14")]);
    assert_eq!(
        groups("day"),
        [
            t("2026-04-20", "10", "0.10"),
            t("2026-04-26", "2.5", "0.03"),
            t("2026-05-01", "1", "0.01")
        ]
    );
    assert_eq!(
        groups("week"),
        [t("2026-W17", "12.5", "0.13"), t("2026-W18", "1", "0.01")]
    );
    assert_eq!(
        groups("month"),
        [t("2026-04", "12.5", "0.13"), t("2026-05", "1", "0.01")]
    );
    let v = db.ok(&[
        "report",
        "--by",
        "day",
        "--from",
        "2026-04-21",
        "--to",
        "2026-04-30",
        "--user",
        "bob",
    ]);
    assert_eq!(v["rows"].as_array().unwrap().len(), 1);
    assert_eq!(s(&v["total"], "credits"), "2.5");

    let csv = db.run(&["report", "--by", "user", "--format", "csv"]);
    assert_eq!(
        csv.stdout,
        "user,jobs,credits,amount (USD),overruns,overrun_credits\nalice,1,10,0.10,0,0\nbob,2,3.5,0.04,0,0\ntotal,3,13.5,0.14,0,0\n"
    );
    let md = db.run(&["report", "--format", "markdown"]);
    assert!(
        md.stdout.contains("| alice | 1 | 10 | 0.10 | 0 | 0 |"),
        "{}",
        md.stdout
    );
    let table = db.run(&["report"]);
    assert!(
        table.stdout.contains("alice") && table.stdout.contains("13.5"),
        "{}",
        table.stdout
    );
    let status = db.run(&["status"]);
    assert!(
        status.stdout.contains("(org)") && status.stdout.contains("bob"),
        "{}",
        status.stdout
    );
}

fn export_lines_reproduce_the_hash_chain(b: Backend) {
    let db = alice(b);
    db.ok(&[
        "grant",
        "alice",
        "5",
        "--key",
        "g",
        "--note",
        "naïve \"quote\"",
    ]);
    db.ok(&["reserve", "alice", "--key", "job-1", "--credits", "40"]);
    db.ok(&["settle", "job-1", "--credits", "12"]);
    let out = db.run(&["export"]);
    assert_eq!(out.code, 0);
    let head = db.verified()["head_hash"].as_str().unwrap().to_string();
    let mut prev = [0u8; 32].to_vec();
    let mut n = 0;
    for line in out.stdout.lines() {
        let mut v: Value = serde_json::from_str(line).unwrap();
        let obj = v.as_object_mut().unwrap();
        assert_eq!(obj.remove("schema").unwrap(), "genbudget.entry/1");
        let hash = obj.remove("hash").unwrap();
        assert_eq!(obj.remove("prev_hash").unwrap(), hex::encode(&prev));
        // serde_json's default map is sorted: this is the canonical text.
        let canonical = serde_json::to_string(&v).unwrap();
        let mut h = Sha256::new();
        h.update(&prev);
        h.update(canonical.as_bytes());
        prev = h.finalize().to_vec();
        assert_eq!(hash, hex::encode(&prev), "{line}");
        n += 1;
    }
    // init, user_add, org_set, grant, hold, settle.
    assert_eq!(n, 6);
    assert_eq!(hex::encode(&prev), head);
}

#[test]
fn the_default_database_is_in_the_xdg_data_directory() {
    let home = tempfile::tempdir().unwrap();
    let run = |args: &[&str], xdg: bool| {
        let mut c = crate::common::cmd(args);
        c.env("HOME", home.path()).env_remove("XDG_DATA_HOME");
        if xdg {
            c.env("XDG_DATA_HOME", home.path().join("xdg"));
        }
        crate::common::Run::from(c.output().unwrap())
    };
    assert_eq!(run(&["ledger", "init"], true).code, 0);
    assert!(home.path().join("xdg/genbudget/ledger.db").is_file());
    assert_eq!(run(&["ledger", "init"], false).code, 0);
    assert!(
        home.path()
            .join(".local/share/genbudget/ledger.db")
            .is_file()
    );
    // GENBUDGET_DB wins over both.
    let other = home.path().join("other.db");
    let mut c = crate::common::cmd(&["ledger", "init"]);
    c.env("GENBUDGET_DB", &other);
    assert_eq!(c.output().unwrap().status.code(), Some(0));
    assert!(other.is_file());
}

fn init_again_with_the_same_settings_is_a_no_op(b: Backend) {
    let db = Db::init_on(b, &["--timezone", "Europe/Berlin", "--hold-ttl", "1h"]);
    let v = db.ok(&["init", "--timezone", "Europe/Berlin", "--hold-ttl", "60m"]);
    assert_eq!(v["created"], false);
    assert_eq!(v["hold_ttl"], "1h");
    let r = db.run(&["init", "--timezone", "UTC"]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr
            .contains("timezone Europe/Berlin, not UTC (field `timezone`)"),
        "{}",
        r.stderr
    );
}

fn a_cap_lowered_below_spending_leaves_only_grants_and_verify_agrees(b: Backend) {
    let db = alice(b);
    db.ok(&["charge", "alice", "--key", "c1", "--credits", "300"]);
    db.ok(&["grant", "alice", "50", "--key", "g"]);
    // The cap drops to 200 with 300 already spent: the allowance is
    // exhausted (200 − 300 < 0 counts as 0), the grant is all that is left.
    db.ok(&["user", "set", "alice", "--cap", "200"]);
    let st = db.ok(&["status", "alice"]);
    assert_eq!(s(&st["users"][0], "available"), "50");
    let r = db.run(&["reserve", "alice", "--key", "h1", "--credits", "51"]);
    assert_eq!(
        r.stdout,
        "denied: alice's month cap: 300 spent + 0 held + 51 asked > 200 + 50 in grants\n"
    );
    // 40 fits in the grant: no overrun, and verify does not count the
    // period's earlier spending against this entry.
    let h = db.ok(&["charge", "alice", "--key", "c2", "--credits", "40"]);
    assert_eq!(
        (s(&h, "available"), h["overrun"].as_bool()),
        ("10".into(), Some(false))
    );
    let v = db.verified();
    assert_eq!(v["overruns"], 0);
}

fn model_priced_holds_come_from_the_price_book_in_force(b: Backend) {
    // Shipped tables at 2026-06-01 (openai@2026-05-20, kie@2026-04-20); the
    // ledger's credit is worth 0.01 USD (the default).
    let now = "2026-06-01T12:00:00Z";
    let db = alice(b);
    // sora-2, 8 s at 720p: 8 × 0.10 = 0.80 USD = 80 credits.
    let (r, h) = db.json_at(
        now,
        &[
            "reserve",
            "alice",
            "--key",
            "clip-1",
            "--model",
            "sora-2",
            "--seconds",
            "8",
            "--resolution",
            "720p",
        ],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(s(&h, "credits"), "80");
    let holds = db.ok_at(now, &["holds"]);
    assert_eq!(holds["holds"][0]["model"], "openai/sora-2");
    // Settled with the actual request, priced again: 4 s = 40 credits;
    // 500 − 40 = 460 available.
    let st = db.ok_at(
        now,
        &["settle", "clip-1", "--seconds", "4", "--resolution", "720p"],
    );
    assert_eq!(s(&st, "settled"), "40");
    assert_eq!(s(&st, "available"), "460");
    // A credit-priced model: kie/gpt-image-2, 3 images × 12 KIE credits ×
    // 0.005 USD (the cheapest pack) = 0.18 USD = 18 ledger credits.
    let c = db.ok_at(
        now,
        &[
            "charge",
            "alice",
            "--key",
            "img-1",
            "--model",
            "kie/gpt-image-2",
            "--images",
            "3",
        ],
    );
    assert_eq!(s(&c, "settled"), "18");
    // Text: gpt-5-mini, 1000 in × 0.25/1M + 1000 out × 2.00/1M = 0.00225 USD
    // = 0.225 credits, exact at the ledger's 6 places.
    let t = db.ok_at(
        now,
        &[
            "charge",
            "alice",
            "--key",
            "txt-1",
            "--model",
            "gpt-5-mini",
            "--input-tokens",
            "1000",
            "--output-tokens",
            "1000",
        ],
    );
    assert_eq!(s(&t, "settled"), "0.225");
    // A retired model is refused, naming the date; a size not offered lists
    // the offered ones; both exit 2.
    let r = db.run_at(
        "2026-10-01T00:00:00Z",
        &[
            "reserve",
            "alice",
            "--key",
            "clip-2",
            "--model",
            "sora-2",
            "--seconds",
            "8",
            "--resolution",
            "720p",
        ],
    );
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("retired on 2026-09-24"), "{}", r.stderr);
    let r = db.run_at(
        now,
        &[
            "reserve",
            "alice",
            "--key",
            "img-2",
            "--model",
            "openai/gpt-image-1",
            "--quality",
            "high",
            "--size",
            "999x999",
        ],
    );
    assert_eq!(r.code, 2);
    assert!(
        r.stderr
            .contains("offered: 1024x1024, 1024x1536, 1536x1024"),
        "{}",
        r.stderr
    );
    db.verified();
}

crate::both!(
    reserve_settle_release_and_charge,
    a_denial_names_the_limit_and_the_numbers,
    max_holds_and_org_limits_deny,
    settling_above_the_hold_is_recorded_and_flagged,
    holds_expire_and_late_settles_are_judged_afresh,
    report_groups_by_user_model_and_dates_in_every_format,
    export_lines_reproduce_the_hash_chain,
    init_again_with_the_same_settings_is_a_no_op,
    a_cap_lowered_below_spending_leaves_only_grants_and_verify_agrees,
    model_priced_holds_come_from_the_price_book_in_force,
);
