//! Many processes at once: 8 workers (16 on PostgreSQL, over TCP), each
//! running the real binary 40 times in a row (so 8 or 16 `genbudget`
//! processes race for the write lock the whole time), against one user cap
//! and against an org `max_holds`. Every check and its write share one
//! `BEGIN IMMEDIATE` transaction (PostgreSQL: one transaction that first
//! locks the journal head row), so the
//! number of grants is exactly what the limit allows, whatever the
//! interleaving; nobody sees an error (the 5 s busy timeout covers the
//! queue); and `verify` passes afterwards.

use std::collections::BTreeMap;

use rust_decimal::Decimal;
use serde_json::Value;

use super::{Backend, Db, s};

/// Processes racing at once.
fn workers(b: Backend) -> usize {
    match b {
        Backend::Sqlite => 8,
        Backend::Postgres => 16,
    }
}
const PER_WORKER: usize = 40;

/// One run of the binary by a worker.
struct Attempt {
    command: String,
    code: i32,
    doc: Value,
    stderr: String,
}

/// Runs `ledger ARGS` and records it.
fn attempt(db: &Db, args: &[&str]) -> Attempt {
    let (r, doc) = db.json(args);
    Attempt {
        command: args[0].to_string(),
        code: r.code,
        doc,
        stderr: r.stderr,
    }
}

/// Runs `job(worker, i)` for `i` in `0..PER_WORKER` from `workers(b)` threads
/// at once; each job runs one or more processes and returns them.
fn race(b: Backend, job: impl Fn(usize, usize) -> Vec<Attempt> + Sync) -> Vec<Attempt> {
    std::thread::scope(|scope| {
        let handles: Vec<_> = (0..workers(b))
            .map(|w| {
                let job = &job;
                scope.spawn(move || (0..PER_WORKER).flat_map(|i| job(w, i)).collect::<Vec<_>>())
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap())
            .collect()
    })
}

/// Counts attempts by command and outcome (`reserve granted`, `reserve
/// denied user.cap`, …); asserts that nothing failed or warned.
fn outcomes(attempts: &[Attempt]) -> BTreeMap<String, usize> {
    let mut m = BTreeMap::new();
    for a in attempts {
        assert!(
            a.code == 0 || a.code == 1,
            "{} exit {}: {}",
            a.command,
            a.code,
            a.stderr
        );
        assert_eq!(a.stderr, "", "no warnings or errors while racing");
        let what = if a.code == 0 {
            "ok".to_string()
        } else {
            format!("denied {}", a.doc["limit"].as_str().unwrap())
        };
        *m.entry(format!("{} {what}", a.command)).or_default() += 1;
    }
    m
}

fn n(m: &BTreeMap<String, usize>, k: &str) -> usize {
    m.get(k).copied().unwrap_or(0)
}

fn dec(v: &Value) -> Decimal {
    v.as_str().unwrap().parse().unwrap()
}

fn racing_reservations_stop_exactly_at_the_cap(b: Backend) {
    let db = Db::init_on(b, &[]);
    db.ok(&["user", "add", "alice", "--cap", "60", "--period", "month"]);
    // Each worker settles its hold before asking again, so at most one
    // hold per worker is open: an org max_holds of one per worker never
    // refuses unless slots leak.
    let slots = workers(b).to_string();
    db.ok(&["org", "set", "--max-holds", &slots]);
    let attempts = race(b, |w, i| {
        let key = format!("w{w}-{i}");
        let r = attempt(
            &db,
            &["reserve", "alice", "--key", &key, "--credits", "0.75"],
        );
        if r.code != 0 {
            return vec![r];
        }
        let settle = attempt(&db, &["settle", &key]);
        assert_eq!(s(&settle.doc, "settled"), "0.75");
        vec![r, settle]
    });
    let m = outcomes(&attempts);
    // 60 / 0.75 = 80 jobs fit: each hold is 0.75 and is settled for 0.75,
    // so spent + held reaches 60 after exactly 80 grants, in any order.
    assert_eq!(n(&m, "reserve ok"), 80, "{m:?}");
    assert_eq!(n(&m, "settle ok"), 80, "{m:?}");
    assert_eq!(
        n(&m, "reserve denied user.cap"),
        workers(b) * PER_WORKER - 80,
        "{m:?}"
    );
    assert_eq!(m.len(), 3, "{m:?}");
    let st = db.ok(&["status", "alice"]);
    assert_eq!(s(&st["users"][0], "spent"), "60");
    assert_eq!(s(&st["users"][0], "held"), "0");
    assert_eq!(s(&st["users"][0], "available"), "0");
    // The journal: init, user_add, org_set, then 80 holds and 80 settles.
    let v = db.verified();
    assert_eq!(v["entries"], 3 + 80 + 80);
}

fn racing_reservations_stop_exactly_at_org_max_holds(b: Backend) {
    let db = Db::init_on(b, &["--hold-ttl", "1h"]);
    for w in 0..workers(b) {
        db.ok(&[
            "user",
            "add",
            &format!("u{w}"),
            "--cap",
            "1000",
            "--period",
            "day",
        ]);
    }
    db.ok(&[
        "org",
        "set",
        "--cap",
        "500",
        "--period",
        "day",
        "--max-holds",
        "12",
    ]);
    let attempts = race(b, |w, i| {
        let (u, key) = (format!("u{w}"), format!("w{w}-{i}"));
        vec![attempt(
            &db,
            &["reserve", &u, "--key", &key, "--credits", "1.5"],
        )]
    });
    let m = outcomes(&attempts);
    // Nothing is settled: the first 12 holds (18 credits, well inside
    // both caps) take every org slot, and the other 8 × 40 − 12 = 308
    // (PostgreSQL: 16 × 40 − 12 = 628) are refused.
    assert_eq!(n(&m, "reserve ok"), 12, "{m:?}");
    assert_eq!(
        n(&m, "reserve denied org.max_holds"),
        workers(b) * PER_WORKER - 12,
        "{m:?}"
    );
    assert_eq!(m.len(), 2, "{m:?}");
    let st = db.ok(&["status"]);
    assert_eq!(st["org"]["open_holds"], 12);
    // 12 × 1.5 = 18 held.
    assert_eq!(s(&st["org"], "held"), "18");
    assert_eq!(db.ok(&["holds"])["holds"].as_array().unwrap().len(), 12);
    let v = db.verified();
    // init, 8 user_add, org_set, 12 holds.
    assert_eq!(v["entries"], 1 + workers(b) + 1 + 12);
}

fn racing_charges_settles_and_releases_never_pass_the_caps(b: Backend) {
    let db = Db::init_on(b, &[]);
    for w in 0..workers(b) {
        db.ok(&[
            "user",
            "add",
            &format!("u{w}"),
            "--cap",
            "40",
            "--period",
            "week",
        ]);
    }
    db.ok(&[
        "org",
        "set",
        "--cap",
        "100",
        "--period",
        "week",
        "--max-holds",
        "3",
    ]);
    // Even workers charge 2.5 at a time; odd workers reserve 2.5, then
    // settle every other hold and release the rest.
    let attempts = race(b, |w, i| {
        let (u, key) = (format!("u{w}"), format!("w{w}-{i}"));
        if w % 2 == 0 {
            return vec![attempt(
                &db,
                &["charge", &u, "--key", &key, "--credits", "2.5"],
            )];
        }
        let r = attempt(&db, &["reserve", &u, "--key", &key, "--credits", "2.5"]);
        if r.code != 0 {
            return vec![r];
        }
        let end = attempt(&db, &[if i % 2 == 0 { "settle" } else { "release" }, &key]);
        vec![r, end]
    });
    let m = outcomes(&attempts);
    let spent_jobs = n(&m, "charge ok") + n(&m, "settle ok");
    assert!(n(&m, "reserve ok") > 0 && n(&m, "charge ok") > 0, "{m:?}");
    assert_eq!(
        n(&m, "reserve ok"),
        n(&m, "settle ok") + n(&m, "release ok"),
        "{m:?}"
    );
    let st = db.ok(&["status"]);
    // Every acknowledged charge or settle spent exactly 2.5, nothing else did.
    let spent = dec(&st["org"]["spent"]);
    assert_eq!(
        spent,
        Decimal::new(25, 1) * Decimal::from(spent_jobs as u64),
        "{m:?}"
    );
    assert!(spent <= Decimal::from(100), "org spent {spent}");
    assert_eq!(s(&st["org"], "held"), "0");
    for u in st["users"].as_array().unwrap() {
        assert!(dec(&u["spent"]) <= Decimal::from(40), "{u}");
    }
    db.verified();
}

crate::both!(
    racing_reservations_stop_exactly_at_the_cap,
    racing_reservations_stop_exactly_at_org_max_holds,
    racing_charges_settles_and_releases_never_pass_the_caps,
);
