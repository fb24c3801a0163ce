//! Tamper detection: change the journal behind the tool's back (dropping
//! the append-only triggers first, and putting them back afterwards to
//! cover the tracks) — edit, delete, insert or reorder a row — and
//! `verify` exits 1 naming the entry where the chain breaks. A rewrite of
//! the whole tail with fresh hashes and matching caches is invisible to the
//! chain alone; the head hash that `verify` prints, kept elsewhere, shows it.

use genbudget::ledger::amount::Micros;
use genbudget::ledger::journal::{self, Entry};
use rusqlite::{Connection, params};
use serde_json::Value;

use super::Db;

/// A ledger with 8 entries: 1 init, 2 user_add, 3 grant, 4 hold job-1,
/// 5 settle job-1, 6 charge c1, 7 hold job-2, 8 release job-2.
fn ledger() -> (Db, String) {
    let db = Db::init(&[]);
    db.ok(&["user", "add", "alice", "--cap", "500", "--period", "month"]);
    db.ok(&["grant", "alice", "20", "--key", "g1"]);
    db.ok(&["reserve", "alice", "--key", "job-1", "--credits", "40"]);
    db.ok(&["settle", "job-1", "--credits", "30"]);
    db.ok(&["charge", "alice", "--key", "c1", "--credits", "5"]);
    db.ok(&["reserve", "alice", "--key", "job-2", "--credits", "7"]);
    db.ok(&["release", "job-2"]);
    let v = db.verified();
    assert_eq!(v["entries"], 8);
    (db, v["head_hash"].as_str().unwrap().to_string())
}

/// Runs `sql` with the triggers dropped, then puts them back.
fn behind_the_back(db: &Db, f: impl FnOnce(&Connection)) {
    let c = db.sqlite();
    let triggers: Vec<String> = c
        .prepare("SELECT sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'journal'")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(triggers.len(), 2);
    c.execute_batch("DROP TRIGGER journal_no_update; DROP TRIGGER journal_no_delete;")
        .unwrap();
    f(&c);
    for t in triggers {
        c.execute_batch(&t).unwrap();
    }
}

fn entry(c: &Connection, seq: i64) -> Entry {
    c.query_row(
        &format!("SELECT {} FROM journal WHERE seq = ?1", COLUMNS),
        [seq],
        |r| {
            Ok(Entry {
                seq: r.get(0)?,
                at: r.get(1)?,
                kind: r.get(2)?,
                user: r.get(3)?,
                key: r.get(4)?,
                model: r.get(5)?,
                day: r.get(6)?,
                credits: r.get::<_, Option<i64>>(7)?.map(Micros),
                over: r.get::<_, Option<i64>>(8)?.map(Micros),
                data: r.get(9)?,
                prev_hash: r.get(10)?,
                hash: r.get(11)?,
            })
        },
    )
    .unwrap()
}

const COLUMNS: &str = "seq, at, kind, user, key, model, day, credits, over, data, prev_hash, hash";

/// Gives entry `seq` the hash its (changed) content calls for.
fn rehash(c: &Connection, seq: i64) {
    let e = entry(c, seq);
    c.execute(
        "UPDATE journal SET hash = ?2 WHERE seq = ?1",
        params![seq, &e.expected_hash()[..]],
    )
    .unwrap();
}

/// Re-links every entry from `from` on: the prev_hash of each is the hash
/// of the one before, and its own hash is recomputed.
fn rechain(c: &Connection, from: i64) {
    let last: i64 = c
        .query_row("SELECT max(seq) FROM journal", [], |r| r.get(0))
        .unwrap();
    for seq in from..=last {
        let prev = entry(c, seq - 1).hash;
        c.execute(
            "UPDATE journal SET prev_hash = ?2 WHERE seq = ?1",
            params![seq, prev],
        )
        .unwrap();
        rehash(c, seq);
    }
}

/// `verify` must exit 1; returns the JSON document and the table output.
fn refused(db: &Db) -> (Value, String) {
    let (r, v) = db.json(&["verify"]);
    assert_eq!(r.code, 1, "verify should fail: {}{}", r.stdout, r.stderr);
    assert_eq!(v["ok"], false);
    let table = db.run(&["verify"]);
    assert_eq!(table.code, 1);
    (v, table.stdout)
}

/// The first problem that names an entry.
fn first_entry(v: &Value) -> (i64, String) {
    let p = v["problems"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| !p["entry"].is_null())
        .expect("a problem naming an entry");
    (
        p["entry"].as_i64().unwrap(),
        p["message"].as_str().unwrap().to_string(),
    )
}

#[test]
fn an_edited_entry_is_named() {
    let (db, _) = ledger();
    // The charge of 5 becomes a charge of 1.
    behind_the_back(&db, |c| {
        c.execute("UPDATE journal SET credits = 1000000 WHERE seq = 6", [])
            .unwrap();
    });
    let (v, table) = refused(&db);
    assert_eq!(
        first_entry(&v),
        (
            6,
            "entry 6: its hash does not match its content (the entry was changed)".into()
        )
    );
    assert!(
        table.contains("entry 6: its hash does not match its content"),
        "{table}"
    );
}

#[test]
fn an_edited_and_rehashed_entry_breaks_the_link_to_the_next() {
    let (db, _) = ledger();
    behind_the_back(&db, |c| {
        c.execute("UPDATE journal SET credits = 1000000 WHERE seq = 6", [])
            .unwrap();
        rehash(c, 6);
    });
    let (v, _) = refused(&db);
    let named: Vec<(i64, &str)> = v["problems"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| !p["entry"].is_null())
        .map(|p| (p["entry"].as_i64().unwrap(), p["message"].as_str().unwrap()))
        .collect();
    // Entry 6 now hashes right but no longer adds up (its recorded split
    // of 5 credits ≠ 1), and entry 7 no longer links to it.
    assert_eq!(named[0], (6, "entry 6: allocation 5 ≠ credits 1"));
    assert_eq!(named[1].0, 7);
    assert!(
        named[1]
            .1
            .contains("its previous hash does not match entry 6's hash"),
        "{named:?}"
    );
}

#[test]
fn a_deleted_entry_is_named() {
    let (db, _) = ledger();
    behind_the_back(&db, |c| {
        c.execute("DELETE FROM journal WHERE seq = 5", []).unwrap();
    });
    let (v, table) = refused(&db);
    let (seq, message) = first_entry(&v);
    assert_eq!(seq, 6);
    assert!(
        message.starts_with("entry 6: follows entry 4: entries 5..5 are missing"),
        "{message}"
    );
    assert!(table.contains("entries 5..5 are missing"), "{table}");
}

#[test]
fn a_deleted_last_entry_shows_in_the_caches_and_the_head_hash() {
    let (db, head) = ledger();
    // The release of job-2 vanishes: the chain up to entry 7 is intact, but
    // the holds table still says job-2 was released.
    behind_the_back(&db, |c| {
        c.execute("DELETE FROM journal WHERE seq = 8", []).unwrap();
    });
    let (v, _) = refused(&db);
    let messages: Vec<&str> = v["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["message"].as_str().unwrap())
        .collect();
    assert!(
        messages
            .iter()
            .any(|m| m.contains("holds.job-2 differs from the journal")),
        "{messages:?}"
    );
    assert_eq!(v["head_seq"], 7);
    assert_ne!(v["head_hash"], head.as_str());
}

#[test]
fn an_inserted_entry_is_named() {
    let (db, _) = ledger();
    // A forged grant of 1000 credits slipped in as entry 5, correctly
    // chained to entry 4; the old entries 5..8 move up by one.
    behind_the_back(&db, |c| {
        c.execute_batch("UPDATE journal SET seq = -seq WHERE seq >= 5; UPDATE journal SET seq = 1 - seq WHERE seq < 0;").unwrap();
        let prev = entry(c, 4);
        let mut forged = Entry {
            seq: 5,
            at: prev.at.clone(),
            kind: "grant".into(),
            user: Some("alice".into()),
            key: Some("forged".into()),
            model: None,
            day: None,
            credits: Some(Micros(1_000_000_000)),
            over: None,
            data: journal::canonical_json(&serde_json::json!({"expires": null, "note": null})),
            prev_hash: prev.hash.clone(),
            hash: vec![],
        };
        forged.hash = forged.expected_hash().to_vec();
        c.execute(
            &format!("INSERT INTO journal ({COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)"),
            params![
                forged.seq,
                forged.at,
                forged.kind,
                forged.user,
                forged.key,
                forged.model,
                forged.day,
                forged.credits.map(|m| m.0),
                forged.over.map(|m| m.0),
                forged.data,
                forged.prev_hash,
                forged.hash
            ],
        )
        .unwrap();
    });
    let (v, _) = refused(&db);
    let (seq, message) = first_entry(&v);
    // The forged entry itself is well formed; the one after it is not:
    // its seq changed (so its hash) and its link points at entry 4.
    assert_eq!(seq, 6, "{message}");
    assert!(
        message.contains("its previous hash does not match entry 5's hash"),
        "{message}"
    );
    assert!(
        message.contains("its hash does not match its content"),
        "{message}"
    );
}

#[test]
fn reordered_entries_are_named() {
    let (db, _) = ledger();
    // The charge (6) and the hold of job-2 (7) swap places.
    behind_the_back(&db, |c| {
        c.execute_batch("UPDATE journal SET seq = -1 WHERE seq = 6; UPDATE journal SET seq = 6 WHERE seq = 7; UPDATE journal SET seq = 7 WHERE seq = -1;").unwrap();
    });
    let (v, table) = refused(&db);
    let (seq, message) = first_entry(&v);
    assert_eq!(seq, 6, "{message}");
    assert!(
        message.contains("its previous hash does not match entry 5's hash"),
        "{message}"
    );
    assert!(table.contains("entry 6:"), "{table}");
}

#[test]
fn a_rewritten_tail_is_caught_by_the_caches_or_else_by_the_kept_head_hash() {
    let (db, head) = ledger();
    // Entry 6 (charge 5) becomes a charge of 1, and every hash from there
    // is recomputed: the chain is consistent again, but the caches still
    // say alice spent 30 + 5.
    behind_the_back(&db, |c| {
        c.execute("UPDATE journal SET credits = 1000000, data = replace(data, '\"5\"', '\"1\"') WHERE seq = 6", []).unwrap();
        rechain(c, 6);
    });
    let (v, _) = refused(&db);
    assert!(
        v["problems"]
            .as_array()
            .unwrap()
            .iter()
            .all(|p| p["entry"].is_null()),
        "{v}"
    );
    let messages = v["problems"].to_string();
    assert!(messages.contains("cache users.alice"), "{messages}");
    assert_ne!(v["head_hash"], head.as_str());

    // A thorough forger fixes the caches too (30 + 1 = 31 spent): now every
    // check inside the file passes, and only the head hash kept elsewhere
    // tells the difference.
    let c = db.sqlite();
    c.execute_batch(
        "UPDATE users SET spent = spent - 4000000, allow_spent = allow_spent - 4000000;
         UPDATE user_days SET spent = spent - 4000000, allow_spent = allow_spent - 4000000;
         UPDATE org SET spent = spent - 4000000;
         UPDATE org_days SET spent = spent - 4000000;
         UPDATE holds SET credits = 1000000, allow = 1000000, settled = 1000000 WHERE key = 'c1';",
    )
    .unwrap();
    let v = db.verified();
    assert_ne!(
        v["head_hash"],
        head.as_str(),
        "the kept head hash exposes the rewrite"
    );
}

#[test]
fn the_triggers_refuse_changes_and_their_absence_is_reported() {
    let (db, _) = ledger();
    let c = db.sqlite();
    let e = c
        .execute("UPDATE journal SET credits = 1 WHERE seq = 6", [])
        .unwrap_err();
    assert!(
        e.to_string()
            .contains("append-only: entries cannot be changed"),
        "{e}"
    );
    let e = c
        .execute("DELETE FROM journal WHERE seq = 8", [])
        .unwrap_err();
    assert!(
        e.to_string()
            .contains("append-only: entries cannot be deleted"),
        "{e}"
    );
    db.verified();
    c.execute_batch("DROP TRIGGER journal_no_delete;").unwrap();
    let (v, _) = refused(&db);
    assert_eq!(
        v["problems"][0]["message"],
        "the journal's append-only trigger `journal_no_delete` is missing: the journal could have been edited"
    );
}

#[test]
fn an_edited_cache_is_reported() {
    let (db, _) = ledger();
    // Someone gives alice 100 credits back by editing the cache only.
    db.sqlite()
        .execute(
            "UPDATE user_days SET spent = spent - 100000000, allow_spent = allow_spent - 100000000",
            [],
        )
        .unwrap();
    let (v, _) = refused(&db);
    assert!(v["problems"].to_string().contains("user_days.alice"), "{v}");
}

#[test]
fn a_raised_cap_in_the_cache_is_named_by_verify_and_refused_by_writes() {
    let (db, _) = ledger();
    // Someone multiplies alice's cap (500) by 100 in the cache only.
    db.sqlite()
        .execute("UPDATE users SET cap = cap * 100", [])
        .unwrap();
    let (v, _) = refused(&db);
    let problems = v["problems"].to_string();
    // verify says which figure differs, with both values: 50000 vs 500,
    // set by entry 2 (the user_add).
    assert!(
        problems.contains("users.alice: limits are cap 50000 per month, max_holds none (set by entry 2) but the journal gives cap 500 per month, max_holds none (set by entry 2)"),
        "{problems}"
    );
    // A write does not trust the cache: a charge the forged cap would allow
    // (alice has 500 − 35 spent = 465 left) is refused, nothing written.
    let before = db.bytes();
    let r = db.run(&["charge", "alice", "--key", "big", "--credits", "1000"]);
    assert_eq!(r.code, 2, "{}{}", r.stdout, r.stderr);
    assert_eq!(
        r.stderr,
        "error: the ledger is damaged: users row `alice` has cap 50000 per month, max_holds none but entry 2 set cap 500 per month, max_holds none; the cache was changed; run `genbudget ledger verify`\n"
    );
    assert!(db.bytes() == before, "the refused charge wrote");
    // Reading commands refuse it too, rather than show a forged cap.
    assert_eq!(db.run(&["status", "alice"]).code, 2);
}

#[test]
fn a_state_outside_its_set_is_named_not_defaulted() {
    let (db, _) = ledger();
    // Schema 2's CHECK refuses it; a hand edit that drops the check (here:
    // writable_schema off, a row rewritten through a copy) is what verify
    // and every reader must still catch. Simulate with the CHECK-free way
    // SQLite allows: `PRAGMA ignore_check_constraints`.
    let c = db.sqlite();
    c.execute_batch("PRAGMA ignore_check_constraints = ON; UPDATE holds SET state = 'pending' WHERE key = 'job-2';")
        .unwrap();
    drop(c);
    let (v, _) = refused(&db);
    let problems = v["problems"].to_string();
    assert!(
        problems.contains(
            "holds row `job-2`: state `pending` is not open, settled, released or expired"
        ),
        "{problems}"
    );
    let r = db.run(&["settle", "job-2"]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("holds row `job-2`: state `pending`"),
        "{}",
        r.stderr
    );
}

#[test]
fn a_zeroed_schema_version_is_a_problem_not_ok() {
    let (db, _) = ledger();
    db.sqlite().pragma_update(None, "user_version", 0).unwrap();
    let (v, _) = refused(&db);
    assert!(
        v["problems"].to_string().contains("user_version) is 0"),
        "{v}"
    );
    // Writes are refused up front, naming the file, not failing later.
    let before = db.bytes();
    let r = db.run(&["charge", "alice", "--key", "x", "--credits", "1"]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("has ledger schema version 0"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains(db.path.to_str().unwrap()), "{}", r.stderr);
    assert!(db.bytes() == before);
}

#[test]
fn a_missing_settings_row_is_named_and_nothing_is_written() {
    let (db, _) = ledger();
    db.sqlite().execute("DELETE FROM settings", []).unwrap();
    let before = db.bytes();
    let r = db.run(&["charge", "alice", "--key", "c2", "--credits", "1"]);
    assert_eq!(r.code, 2, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stderr.contains("the settings row is missing"),
        "{}",
        r.stderr
    );
    assert!(db.bytes() == before, "the refused charge wrote");
}
