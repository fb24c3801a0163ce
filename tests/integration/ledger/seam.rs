//! The ledger core's promises that are not about one operation: requests
//! priced by the library from a hold's own request, `--allow-retired`,
//! bounds instead of panics, entry times from the real clock, and the
//! storage seam (only `src/ledger/sqlite` names the SQLite driver, only
//! `src/ledger/postgres` the PostgreSQL one, only `src/cli` reads the
//! clock), and group commit with savepoints on both backends.

use std::path::Path;

use super::{Backend, Db, s};
use crate::common;

fn alice() -> Db {
    alice_on(Backend::Sqlite)
}

fn alice_on(b: Backend) -> Db {
    let db = Db::init_on(b, &[]);
    db.ok(&["user", "add", "alice", "--cap", "500", "--period", "month"]);
    db
}

#[test]
fn a_settle_takes_the_fields_it_is_not_given_from_its_hold() {
    let db = alice();
    // sora-2 at 720p is 0.10 USD/s (openai@2026-03-05, in force 2026-06-01):
    // 8 s = 0.80 USD = 80 credits held.
    let now = "2026-06-01T12:00:00Z";
    let h = db.ok_at(
        now,
        &[
            "reserve",
            "alice",
            "--key",
            "clip",
            "--model",
            "sora-2",
            "--seconds",
            "8",
            "--resolution",
            "720p",
        ],
    );
    assert_eq!(s(&h, "credits"), "80");
    // Only --seconds: 4 s at the hold's 720p = 0.40 USD = 40 credits.
    let st = db.ok_at(now, &["settle", "clip", "--seconds", "4"]);
    assert_eq!(s(&st, "settled"), "40");
    assert_eq!(s(&st, "available"), "460");
    // A hold of credits has no request to take fields from; the message
    // names no flag the user did not pass.
    db.ok_at(
        now,
        &["reserve", "alice", "--key", "plain", "--credits", "5"],
    );
    let r = db.run_at(now, &["settle", "plain", "--seconds", "4"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("reserved by credits"), "{}", r.stderr);
    assert!(!r.stderr.contains("--model"), "{}", r.stderr);
    assert!(!r.stderr.contains("--resolution"), "{}", r.stderr);
    db.verified();
}

#[test]
fn allow_retired_prices_a_retired_model_from_its_last_table() {
    let db = alice();
    // sora-2 retired on 2026-09-24.
    let now = "2026-11-26T12:00:00Z";
    let args = [
        "charge",
        "alice",
        "--key",
        "late",
        "--model",
        "sora-2",
        "--seconds",
        "8",
        "--resolution",
        "720p",
    ];
    let r = db.run_at(now, &args);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("retired on 2026-09-24"), "{}", r.stderr);
    assert!(r.stderr.contains("--allow-retired"), "{}", r.stderr);
    let mut with = args.to_vec();
    with.push("--allow-retired");
    let (r, c) = db.json_at(now, &with);
    assert_eq!(r.code, 0, "{}", r.stderr);
    // Its last table's price: 8 s × 0.10 = 0.80 USD = 80 credits.
    assert_eq!(s(&c, "settled"), "80");
    assert!(r.stderr.starts_with("warning: "), "{}", r.stderr);
    assert!(r.stderr.contains("retired on 2026-09-24"), "{}", r.stderr);
    // reserve takes it too.
    let mut hold = with.clone();
    hold[0] = "reserve";
    hold[3] = "late-hold";
    let (r, _) = db.json_at(now, &hold);
    assert_eq!(r.code, 0, "{}", r.stderr);
    db.verified();
}

#[test]
fn absurd_amounts_are_errors_not_panics() {
    let db = alice();
    let now = "2026-06-01T12:00:00Z";
    for seconds in ["1000000000000000000000000", "86401", "0", "-1"] {
        let r = db.run_at(
            now,
            &[
                "charge",
                "alice",
                "--key",
                "a",
                "--model",
                "sora-2",
                "--seconds",
                seconds,
                "--resolution",
                "720p",
            ],
        );
        assert_eq!(r.code, 2, "{seconds}: {}{}", r.stdout, r.stderr);
        assert!(r.stderr.starts_with("error: "), "{seconds}: {}", r.stderr);
        assert!(!r.stderr.contains("panicked"), "{seconds}: {}", r.stderr);
    }
    // A credit worth 1e-28 USD: 0.80 USD is 8e27 credits, past the ledger's
    // 10^9 limit.
    let tiny = Db::init(&["--credit-value", "0.0000000000000000000000000001"]);
    tiny.ok(&["user", "add", "bob"]);
    let r = tiny.run_at(
        now,
        &[
            "charge",
            "bob",
            "--key",
            "a",
            "--model",
            "sora-2",
            "--seconds",
            "8",
            "--resolution",
            "720p",
        ],
    );
    assert_eq!(r.code, 2, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stderr.contains("more than the ledger holds"),
        "{}",
        r.stderr
    );
    assert!(!r.stderr.contains("panicked"), "{}", r.stderr);
    tiny.verified();
}

#[test]
fn the_real_clock_gives_entries_that_verify() {
    // No GENBUDGET_NOW: the system clock, with sub-microsecond digits.
    let db = Db::empty();
    let run = |args: &[&str]| {
        let mut c = common::cmd(&["--db", db.path.to_str().unwrap(), "ledger"]);
        c.args(args).env_remove("GENBUDGET_NOW");
        let r: common::Run = c.output().expect("runs").into();
        assert_eq!(r.code, 0, "{args:?}: {}", r.stderr);
    };
    run(&["init"]);
    run(&["user", "add", "alice"]);
    run(&["reserve", "alice", "--key", "k", "--credits", "1"]);
    run(&["settle", "k"]);
    db.verified();
}

/// Files under `dir` (recursively) whose text contains `needle`.
fn files_naming(dir: &Path, needle: &str) -> Vec<String> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(files_naming(&p, needle));
        } else if std::fs::read_to_string(&p).is_ok_and(|t| t.contains(needle)) {
            out.push(
                p.strip_prefix(common::root())
                    .unwrap()
                    .display()
                    .to_string(),
            );
        }
    }
    out
}

#[test]
fn only_the_backends_name_their_drivers_and_only_the_cli_reads_the_clock() {
    let src = common::root().join("src");
    for f in files_naming(&src, "rusqlite") {
        assert!(f.starts_with("src/ledger/sqlite/"), "{f} names rusqlite");
    }
    // The PostgreSQL driver and its TLS: the crates `postgres`,
    // `tokio_postgres`, `tokio_postgres_rustls`, `rustls*`.
    for name in [
        "use postgres::",
        "postgres::Error",
        "tokio_postgres",
        "rustls",
    ] {
        for f in files_naming(&src, name) {
            assert!(f.starts_with("src/ledger/postgres/"), "{f} names {name}");
        }
    }
    assert!(!files_naming(&src.join("ledger/postgres"), "use tokio_postgres::").is_empty());
    for f in files_naming(&src, "Utc::now") {
        assert!(f.starts_with("src/cli/"), "{f} reads the clock");
    }
    // And the backend folder does exist (the check above is not vacuous).
    assert!(!files_naming(&src.join("ledger/sqlite"), "rusqlite").is_empty());
}

fn a_group_commits_once_and_each_write_keeps_its_own_outcome(b: Backend) {
    use genbudget::ledger::{
        Cost, Decision, Done, HoldRequest, Ledger, LedgerError, Op, OpenOptions,
    };
    use rust_decimal::Decimal;
    let db = alice_on(b); // alice: cap 500 per month
    let now = super::NOW.parse().unwrap();
    let mut l = Ledger::open_location(&db.location, &OpenOptions::default(), now).unwrap();
    let hold = |key: &str, user: &str, credits: i64| HoldRequest {
        user: user.into(),
        key: key.into(),
        cost: Cost::Credits(Decimal::from(credits)),
        ttl: None,
    };
    let ops = [
        Op::Reserve(hold("a", "alice", 300)),
        // Unknown user: an error for this one only.
        Op::Reserve(hold("b", "nobody", 1)),
        // 300 held + 250 > 500: denied, nothing written.
        Op::Reserve(hold("c", "alice", 250)),
        // Settling the first one inside the same batch sees it.
        Op::Settle {
            key: "a".into(),
            cost: Some(Cost::Credits(Decimal::from(100))),
        },
        // Now 100 spent + 250 fits.
        Op::Charge(hold("c", "alice", 250)),
    ];
    let out = l.group(now, &ops).unwrap();
    assert!(
        matches!(&out[0], Ok(Done::Decided(Decision::Granted(_)))),
        "{:?}",
        out[0]
    );
    assert!(
        matches!(&out[1], Err(LedgerError::UnknownUser(u)) if u == "nobody"),
        "{:?}",
        out[1]
    );
    match &out[2] {
        Ok(Done::Decided(Decision::Denied(d))) => assert_eq!(d.limit, "user.cap"),
        other => panic!("{other:?}"),
    }
    match &out[3] {
        Ok(Done::Ended(h)) => assert_eq!(h.available.as_ref().unwrap().to_string(), "400"),
        other => panic!("{other:?}"),
    }
    // 500 − 100 − 250 = 150 left.
    match &out[4] {
        Ok(Done::Decided(Decision::Granted(h))) => {
            assert_eq!(h.available.as_ref().unwrap().to_string(), "150")
        }
        other => panic!("{other:?}"),
    }
    drop(l);
    // Only the three kept writes are in the journal (init, user_add, then
    // hold a, settle a, charge c), and everything verifies.
    let v = db.verified();
    assert_eq!(v["entries"], 5);
    let st = db.ok(&["status", "alice"]);
    assert_eq!(s(&st["users"][0], "spent"), "350");
}

#[test]
fn a_warning_on_a_closed_stderr_does_not_panic() {
    // sora-2 priced after its retirement warns on stderr; with stderr
    // closed the charge still completes (exit 0, its document on stdout).
    let db = alice();
    let script = format!(
        "\"$GB\" --db {} ledger charge alice --key w --model sora-2 --seconds 8 --resolution 720p --allow-retired --format json 2>&-",
        db.path.display()
    );
    let out = std::process::Command::new("sh")
        .args(["-c", &script])
        .env("GB", common::bin())
        .env("GENBUDGET_NOW", "2026-11-26T12:00:00Z")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["settled"], "80");
    db.verified();
}

crate::both!(a_group_commits_once_and_each_write_keeps_its_own_outcome);
