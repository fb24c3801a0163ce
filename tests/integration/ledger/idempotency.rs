//! Rule 4 (idempotent keys) and the life of a hold, as matrices through the
//! CLI: the same key with the same request returns the original result,
//! writes nothing and exits as the original did; the same key with a
//! different request is exit 2 naming the field; and every way of ending a
//! hold (settle for less, the same or more, release, expiry) followed by
//! every second action.

use serde_json::Value;

use super::{Backend, Db, NOW, s};

/// alice: 100 credits a month. The org has no limits.
fn alice(b: Backend) -> Db {
    let db = Db::init_on(b, &[]);
    db.ok(&["user", "add", "alice", "--cap", "100", "--period", "month"]);
    db.ok(&["user", "add", "bob"]);
    db
}

fn entries(db: &Db) -> i64 {
    db.entries()
}

/// The document without `replayed`.
fn without_replayed(v: &Value) -> Value {
    let mut v = v.clone();
    v.as_object_mut().unwrap().remove("replayed");
    v
}

fn args(line: &str) -> Vec<&str> {
    line.split_whitespace().collect()
}

fn the_same_key_and_request_returns_the_original_result_and_writes_nothing(b: Backend) {
    // (steps before, the command repeated)
    let cases: &[(&[&str], &str)] = &[
        (&[], "reserve alice --key k --credits 40"),
        (&[], "reserve alice --key k --credits 40 --ttl 10m"),
        (&[], "charge alice --key k --credits 12.5"),
        (
            &[],
            "grant alice 10 --key k --expires 2026-05-31 --note thanks",
        ),
        (
            &["reserve alice --key k --credits 40"],
            "settle k --credits 30",
        ),
        (&["reserve alice --key k --credits 40"], "settle k"),
        (&["reserve alice --key k --credits 40"], "release k"),
        (
            &["reserve alice --key k --credits 40"],
            "release k --reason failed",
        ),
        (
            &["reserve alice --key k --credits 40"],
            "settle k --credits 55",
        ),
    ];
    for (before, line) in cases {
        let db = alice(b);
        for b in *before {
            db.ok(&args(b));
        }
        let first = db.ok(&args(line));
        assert_eq!(first["replayed"], false, "{line}");
        let n = entries(&db);
        // A repeat later in the day (the hold has not expired yet) …
        let (r, again) = db.json_at("2026-04-20T09:05:00Z", &args(line));
        assert_eq!(r.code, 0, "{line}: {}", r.stderr);
        // … is the original document, marked as a repeat, and nothing new.
        assert_eq!(again["replayed"], true, "{line}");
        assert_eq!(without_replayed(&again), without_replayed(&first), "{line}");
        assert_eq!(entries(&db), n, "{line}: a repeat wrote an entry");
        db.verified();
    }
}

fn a_repeat_after_the_hold_moved_on_still_returns_the_original_result(b: Backend) {
    let db = alice(b);
    let first = db.ok(&["reserve", "alice", "--key", "k", "--credits", "40"]);
    db.ok(&["settle", "k", "--credits", "10"]);
    // The reserve's own result: open, 100 − 40 = 60 available then.
    let again = db.ok(&["reserve", "alice", "--key", "k", "--credits", "40"]);
    assert_eq!(
        (again["state"].as_str(), again["replayed"].as_bool()),
        (Some("open"), Some(true))
    );
    assert_eq!(without_replayed(&again), without_replayed(&first));
    assert_eq!(s(&again, "available"), "60");
    // The settle's repeat: 100 − 10 = 90 available after it.
    let settled = db.ok(&["settle", "k", "--credits", "10"]);
    assert_eq!(
        (s(&settled, "available"), settled["replayed"].as_bool()),
        ("90".into(), Some(true))
    );
}

fn a_denied_request_is_judged_afresh_on_every_repeat(b: Backend) {
    let db = alice(b);
    db.ok(&["charge", "alice", "--key", "c", "--credits", "90"]);
    let n = entries(&db);
    // 90 spent + 20 asked > 100: denied, twice, writing nothing.
    for _ in 0..2 {
        let r = db.run(&["reserve", "alice", "--key", "k", "--credits", "20"]);
        assert_eq!(
            (r.code, r.stdout.as_str()),
            (
                1,
                "denied: alice's month cap: 90 spent + 0 held + 20 asked > 100\n"
            )
        );
    }
    assert_eq!(entries(&db), n);
    // A grant of 10 makes room: 10 left of the cap + 10 granted = 20.
    db.ok(&["grant", "alice", "10", "--key", "g"]);
    let h = db.ok(&["reserve", "alice", "--key", "k", "--credits", "20"]);
    assert_eq!(
        (h["replayed"].as_bool(), s(&h, "available")),
        (Some(false), "0".into())
    );
}

fn the_same_key_with_a_different_request_is_an_error_naming_the_field(b: Backend) {
    // (steps before, command, what stderr must say)
    let cases: &[(&[&str], &str, &str)] = &[
        (
            &["reserve alice --key k --credits 40"],
            "reserve alice --key k --credits 41",
            "error: key `k` was first used with credits 40, not 41; a key names one request (field `credits`)",
        ),
        (
            &["reserve alice --key k --credits 40 --ttl 10m"],
            "reserve alice --key k --credits 40",
            "error: key `k` was first used with ttl 10m, not (not given); a key names one request (field `ttl`)",
        ),
        (
            &["reserve alice --key k --credits 40"],
            "reserve bob --key k --credits 40",
            "error: key `k` was first used with user alice, not bob; a key names one request (field `user`)",
        ),
        (
            &["reserve alice --key k --credits 40"],
            "charge alice --key k --credits 40",
            "error: key `k` was first used with command reserve, not charge; a key names one request (field `command`)",
        ),
        (
            &["charge alice --key k --credits 40"],
            "reserve alice --key k --credits 40",
            "error: key `k` was first used with command charge, not reserve",
        ),
        (
            &["charge alice --key k --credits 40"],
            "charge alice --key k --credits 40.000001",
            "(field `credits`)",
        ),
        (
            &["grant alice 10 --key g"],
            "grant alice 11 --key g",
            "error: key `g` was first used with credits 10, not 11; a key names one request (field `credits`)",
        ),
        (
            &["grant alice 10 --key g"],
            "grant bob 10 --key g",
            "(field `user`)",
        ),
        (
            &["grant alice 10 --key g --expires 2026-05-01"],
            "grant alice 10 --key g --expires 2026-05-02",
            "first used with expires 2026-05-01, not 2026-05-02",
        ),
        (
            &["grant alice 10 --key g --note a"],
            "grant alice 10 --key g",
            "first used with note a, not (not given); a key names one request (field `note`)",
        ),
        (
            &["grant alice 10 --key g"],
            "reserve alice --key g --credits 1",
            "error: key `g` names a grant, not a hold; use another key",
        ),
        (
            &["reserve alice --key k --credits 1"],
            "grant alice 10 --key k",
            "error: key `k` names a hold or charge, not a grant; use another key",
        ),
        (
            &[
                "reserve alice --key k --credits 40",
                "settle k --credits 30",
            ],
            "settle k --credits 31",
            "error: key `k` was first used with credits 30 (already settled), not 31; a key names one request (field `credits`)",
        ),
        (
            &[
                "reserve alice --key k --credits 40",
                "settle k --credits 30",
            ],
            "settle k",
            "first used with credits 30 (already settled), not 40",
        ),
        (
            &[
                "reserve alice --key k --credits 40",
                "release k --reason failed",
            ],
            "release k --reason oops",
            "error: key `k` was first used with reason `failed`, not `oops`; a key names one request (field `reason`)",
        ),
    ];
    for (before, line, says) in cases {
        let db = alice(b);
        for b in *before {
            db.ok(&args(b));
        }
        let bytes = db.state();
        let r = db.run(&args(line));
        assert_eq!(r.code, 2, "{line}: {}{}", r.stdout, r.stderr);
        assert!(r.stderr.contains(says), "{line}: {}", r.stderr);
        assert_eq!(
            r.stderr.lines().count(),
            1,
            "{line}: one error line: {}",
            r.stderr
        );
        assert_eq!(r.stdout, "", "{line}");
        assert!(db.state() == bytes, "{line}: the file changed");
    }
}

/// One row of the hold-resolution matrix.
struct Case {
    /// Steps after `reserve alice --key k --credits 40 --ttl 10m` at 09:00.
    before: &'static [(&'static str, &'static str)],
    /// The action and when it happens.
    at: &'static str,
    action: &'static str,
    code: i32,
    /// state, settled, overrun, available (or the error text for exit 2).
    expect: (&'static str, Option<&'static str>, bool, &'static str),
}

const T0: &str = NOW;
const LATE: &str = "2026-04-20T09:20:00Z";

fn hold_resolution_matrix(b: Backend) {
    let cases = [
        // Settle for less: the rest comes back. 100 − 30 = 70.
        Case {
            before: &[],
            at: T0,
            action: "settle k --credits 30",
            code: 0,
            expect: ("settled", Some("30"), false, "70"),
        },
        // Settle with no amount: the amount held. 100 − 40 = 60.
        Case {
            before: &[],
            at: T0,
            action: "settle k",
            code: 0,
            expect: ("settled", Some("40"), false, "60"),
        },
        // Settle for exactly the hold.
        Case {
            before: &[],
            at: T0,
            action: "settle k --credits 40",
            code: 0,
            expect: ("settled", Some("40"), false, "60"),
        },
        // Settle for more: recorded, flagged. 100 − 55 = 45.
        Case {
            before: &[],
            at: T0,
            action: "settle k --credits 55",
            code: 0,
            expect: ("settled", Some("55"), true, "45"),
        },
        // Settle for 0: the job cost nothing; all 40 come back.
        Case {
            before: &[],
            at: T0,
            action: "settle k --credits 0",
            code: 0,
            expect: ("settled", Some("0"), false, "100"),
        },
        Case {
            before: &[],
            at: T0,
            action: "release k",
            code: 0,
            expect: ("released", None, false, "100"),
        },
        // Settle twice: the first outcome (70 was available after it).
        Case {
            before: &[(T0, "settle k --credits 30")],
            at: T0,
            action: "settle k --credits 30",
            code: 0,
            expect: ("settled", Some("30"), false, "70"),
        },
        Case {
            before: &[(T0, "settle k --credits 30")],
            at: T0,
            action: "settle k --credits 35",
            code: 2,
            expect: (
                "first used with credits 30 (already settled), not 35",
                None,
                false,
                "",
            ),
        },
        Case {
            before: &[(T0, "release k")],
            at: T0,
            action: "release k",
            code: 0,
            expect: ("released", None, false, "100"),
        },
        Case {
            before: &[(T0, "release k")],
            at: T0,
            action: "settle k --credits 10",
            code: 2,
            expect: (
                "hold `k` was released; a released hold cannot be settled",
                None,
                false,
                "",
            ),
        },
        Case {
            before: &[(T0, "settle k")],
            at: T0,
            action: "release k",
            code: 2,
            expect: (
                "hold `k` was settled; a settled hold cannot be released",
                None,
                false,
                "",
            ),
        },
        // Settle after expiry (TTL 10m, now 09:20) that still fits: judged
        // afresh, no overrun. 100 − 40 = 60.
        Case {
            before: &[],
            at: LATE,
            action: "settle k --credits 40",
            code: 0,
            expect: ("settled", Some("40"), false, "60"),
        },
        // After expiry, with 70 charged meanwhile: 70 + 40 > 100, so the
        // settle is recorded but flagged. 100 − 110 → available 0.
        Case {
            before: &[(LATE, "charge alice --key c --credits 70")],
            at: LATE,
            action: "settle k --credits 40",
            code: 0,
            expect: ("settled", Some("40"), true, "0"),
        },
        // Releasing an expired hold: nothing was held any more.
        Case {
            before: &[],
            at: LATE,
            action: "release k",
            code: 0,
            expect: ("released", None, false, "100"),
        },
        // A one-step charge has no hold to settle or release.
        Case {
            before: &[(T0, "charge alice --key k2 --credits 1")],
            at: T0,
            action: "settle k2",
            code: 2,
            expect: (
                "key `k2` is a one-step charge, settled when it was made; there is no hold to settle",
                None,
                false,
                "",
            ),
        },
        Case {
            before: &[(T0, "charge alice --key k2 --credits 1")],
            at: T0,
            action: "release k2",
            code: 2,
            expect: ("there is no hold to release", None, false, ""),
        },
        Case {
            before: &[],
            at: T0,
            action: "settle nope",
            code: 2,
            expect: (
                "unknown key `nope`: no hold or charge was made under it",
                None,
                false,
                "",
            ),
        },
        Case {
            before: &[],
            at: T0,
            action: "release nope",
            code: 2,
            expect: ("unknown key `nope`", None, false, ""),
        },
    ];
    for c in &cases {
        let db = alice(b);
        db.ok(&[
            "reserve",
            "alice",
            "--key",
            "k",
            "--credits",
            "40",
            "--ttl",
            "10m",
        ]);
        for (at, step) in c.before {
            db.ok_at(at, &args(step));
        }
        let n = entries(&db);
        let (r, v) = if c.code == 2 {
            let r = db.run_at(c.at, &args(c.action));
            (r, Value::Null)
        } else {
            db.json_at(c.at, &args(c.action))
        };
        let name = format!("{:?} then {}", c.before, c.action);
        assert_eq!(r.code, c.code, "{name}: {}{}", r.stdout, r.stderr);
        if c.code == 2 {
            assert!(
                r.stderr.starts_with("error: ") && r.stderr.contains(c.expect.0),
                "{name}: {}",
                r.stderr
            );
            assert_eq!(entries(&db), n, "{name}");
            continue;
        }
        let (state, settled, overrun, available) = c.expect;
        assert_eq!(v["state"], state, "{name}");
        assert_eq!(v["settled"].as_str(), settled, "{name}");
        assert_eq!(v["overrun"], overrun, "{name}");
        assert_eq!(s(&v, "available"), available, "{name}");
        assert_eq!(
            r.stderr.starts_with("warning: hold `k` overran"),
            overrun,
            "{name}: {}",
            r.stderr
        );
        db.verified();
    }
}

crate::both!(
    the_same_key_and_request_returns_the_original_result_and_writes_nothing,
    a_repeat_after_the_hold_moved_on_still_returns_the_original_result,
    a_denied_request_is_judged_afresh_on_every_repeat,
    the_same_key_with_a_different_request_is_an_error_naming_the_field,
    hold_resolution_matrix,
);
