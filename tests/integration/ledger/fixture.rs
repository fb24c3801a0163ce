//! A ledger written by the first release (schema 1, before typed events):
//! `tests/fixtures/ledger/v1.db`, made by `make-v1.sh` with genbudget 0.1.0
//! and holding every kind of entry that release could write. Today's
//! genbudget must verify it with the same head hash without writing to it,
//! read every entry as a typed event, and migrate it to schema 2 (CHECK
//! constraints) in one transaction on the first write.

use std::path::Path;

use genbudget::ledger::{Event, Ledger, OpenOptions};

use super::{Db, s};

const FIXTURE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/ledger");

/// A copy of the fixture in its own temporary directory.
fn copy() -> Db {
    let db = Db::empty();
    std::fs::copy(Path::new(FIXTURE).join("v1.db"), &db.path).expect("copy fixture");
    db
}

fn recorded_head() -> String {
    std::fs::read_to_string(Path::new(FIXTURE).join("v1.head"))
        .expect("v1.head")
        .trim()
        .to_string()
}

#[test]
fn a_first_release_ledger_verifies_with_its_recorded_head_hash() {
    let db = copy();
    let before = std::fs::read(&db.path).unwrap();
    let v = db.verified();
    assert_eq!(s(&v, "head_hash"), recorded_head());
    assert_eq!(v["entries"], 26);
    assert_eq!(v["overruns"], 1);
    // verify does not migrate or otherwise write.
    assert_eq!(std::fs::read(&db.path).unwrap(), before);
    // export prints the very lines the first release exported.
    let r = db.run(&["export"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let old = std::fs::read_to_string(Path::new(FIXTURE).join("v1.jsonl")).unwrap();
    assert_eq!(r.stdout, old);
}

#[test]
fn every_entry_reads_as_a_typed_event_and_encodes_back_to_the_same_text() {
    let db = copy();
    let opts = OpenOptions {
        read_only: true,
        ..OpenOptions::default()
    };
    let mut l = Ledger::open(&db.path, &opts, super::NOW.parse().unwrap()).unwrap();
    let entries = l.entries_after(0).unwrap();
    let mut kinds = std::collections::BTreeSet::new();
    for e in &entries {
        let ev = Event::from_entry(e).unwrap_or_else(|m| panic!("entry {}: {m}", e.seq));
        kinds.insert(ev.kind());
        // Re-encoding the typed event gives the stored entry, hash and all.
        let again = ev.to_entry(e.seq, e.at.parse().unwrap()).canonical();
        assert_eq!(again, e.canonical(), "entry {}", e.seq);
    }
    // Every kind the first release wrote (it had no migrations).
    let want = [
        "init", "user_add", "user_set", "org_set", "grant", "hold", "charge", "settle", "release",
        "expire",
    ];
    assert_eq!(kinds, want.into_iter().collect());
}

#[test]
fn the_first_write_migrates_it_to_schema_2_with_checks() {
    let db = copy();
    // A reading command records expired holds, so it writes: it migrates.
    db.ok_at("2026-04-27T09:00:00Z", &["status"]);
    let c = db.sqlite();
    let version: i64 = c
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(version, 2);
    let (kind, data): (String, String) = c
        .query_row("SELECT kind, data FROM journal WHERE seq = 27", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .unwrap();
    assert_eq!(
        (kind.as_str(), data.as_str()),
        ("migrate", r#"{"from":1,"to":2}"#)
    );
    // Values outside their sets are refused by the database now.
    for bad in [
        "UPDATE holds SET state = 'pending' WHERE key = 'h-1'",
        "UPDATE holds SET kind = 'refund' WHERE key = 'h-1'",
        "UPDATE users SET period = 'fortnight' WHERE id = 'alice'",
        "UPDATE org SET period = 'year'",
    ] {
        let e = c.execute(bad, []).unwrap_err();
        assert!(
            e.to_string().contains("CHECK constraint failed"),
            "{bad}: {e}"
        );
    }
    drop(c);
    let v = db.verified();
    assert_eq!(v["entries"], 27);
    // The journal kept its guards through the copy.
    let c = db.sqlite();
    let e = c
        .execute("DELETE FROM journal WHERE seq = 1", [])
        .unwrap_err();
    assert!(e.to_string().contains("append-only"), "{e}");
}

#[test]
fn a_hold_remembers_its_request_across_the_upgrade() {
    let db = copy();
    // v-1 was reserved for sora-2, 8 s at 720p, and settled; a hold made
    // now under the same user keeps its model and spec for the settle:
    // sora-2 0.10 USD/s at 720p, so 8 s = 80 credits held, 4 s = 40 spent.
    let now = "2026-04-28T10:00:00Z";
    let h = db.ok_at(
        now,
        &[
            "reserve",
            "bob",
            "--key",
            "v-2",
            "--model",
            "sora-2",
            "--seconds",
            "8",
            "--resolution",
            "720p",
        ],
    );
    assert_eq!(s(&h, "credits"), "80");
    let st = db.ok_at(now, &["settle", "v-2", "--seconds", "4"]);
    assert_eq!(s(&st, "settled"), "40");
    db.verified();
}
