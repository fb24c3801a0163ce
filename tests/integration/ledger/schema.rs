//! Rule 8: the file says what it is (SQLite `application_id` `GBLG`) and
//! which schema it has (`user_version`); it runs in WAL mode; a newer tool
//! migrates an older file in one transaction with a `migrate` entry; an
//! older tool refuses a newer file and leaves it untouched.

use std::time::Duration;

use genbudget::ledger::{
    APPLICATION_ID, Durability, Ledger, Migration, OpenOptions, SCHEMA_VERSION,
};

use super::Db;

fn now() -> chrono::DateTime<chrono::Utc> {
    super::NOW.parse().unwrap()
}

fn opts() -> OpenOptions {
    OpenOptions {
        busy_timeout: Duration::from_secs(5),
        durability: Durability::Full,
        ..OpenOptions::default()
    }
}

#[test]
fn a_new_ledger_records_what_it_is() {
    let db = Db::init(&[]);
    let c = db.sqlite();
    let pragma = |p: &str| -> String {
        c.query_row(&format!("PRAGMA {p}"), [], |r| {
            r.get::<_, rusqlite::types::Value>(0)
        })
        .map(|v| format!("{v:?}"))
        .unwrap()
    };
    // 0x47424C47 = "GBLG".
    assert_eq!(APPLICATION_ID, i32::from_be_bytes(*b"GBLG"));
    assert_eq!(
        pragma("application_id"),
        format!("Integer({APPLICATION_ID})")
    );
    assert_eq!(pragma("user_version"), "Integer(2)");
    assert_eq!(SCHEMA_VERSION, 2);
    assert_eq!(pragma("journal_mode"), "Text(\"wal\")");
    drop(c);
    // The bytes of the header say so too (offsets 68 and 60).
    let bytes = std::fs::read(&db.path).unwrap();
    assert_eq!(&bytes[68..72], b"GBLG");
    assert_eq!(&bytes[60..64], &2u32.to_be_bytes());
    // The first entry records the settings and the schema.
    let out = db.run(&["export"]).stdout;
    let first: serde_json::Value = serde_json::from_str(out.lines().next().unwrap()).unwrap();
    assert_eq!(first["kind"], "init");
    assert_eq!(first["data"]["schema"], 2);
    assert_eq!(first["data"]["timezone"], "UTC");
    // No temporary file is left next to it, and reading (export) left no
    // -wal or -shm file behind.
    let names: Vec<String> = std::fs::read_dir(db.dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, ["ledger.db"]);
}

#[test]
fn a_newer_file_is_refused_and_left_untouched() {
    let db = Db::init(&[]);
    db.ok(&["user", "add", "alice"]);
    db.sqlite().pragma_update(None, "user_version", 3).unwrap();
    let before = db.bytes();
    for cmd in [
        &["reserve", "alice", "--key", "k", "--credits", "1"][..],
        &["status"],
        &["verify"],
        &["export"],
        &["init"],
        &["user", "list"],
    ] {
        let r = db.run(cmd);
        assert_eq!(r.code, 2, "{cmd:?}: {}", r.stdout);
        assert_eq!(
            r.stderr,
            format!(
                "error: {}: was written by a newer genbudget (ledger schema 3; this genbudget reads up to 2); upgrade genbudget. The file was left untouched\n",
                db.path.display()
            ),
            "{cmd:?}"
        );
        assert!(db.bytes() == before, "{cmd:?} changed the file");
    }
}

const ADD_TABLE: &[Migration] = &[Migration {
    from: 2,
    sql: "CREATE TABLE extra (x INTEGER); INSERT INTO extra VALUES (42);",
}];
const SECOND_STEP_FAILS: &[Migration] = &[
    Migration {
        from: 2,
        sql: "CREATE TABLE extra (x INTEGER);",
    },
    Migration {
        from: 3,
        sql: "ALTER TABLE no_such_table ADD COLUMN y;",
    },
];

#[test]
fn an_older_file_is_migrated_in_one_transaction_with_a_journal_entry() {
    let db = Db::init(&[]);
    db.ok(&["user", "add", "alice"]);
    let mut l = Ledger::open_with(&db.path, &opts(), ADD_TABLE, 3, now()).unwrap();
    assert_eq!(l.schema_version().unwrap(), 3);
    // The journal says so, in a chained entry, and everything still verifies.
    let last = l.entries_after(2).unwrap();
    assert_eq!(last.len(), 1);
    assert_eq!(
        (last[0].kind.as_str(), last[0].data.as_str()),
        ("migrate", r#"{"from":2,"to":3}"#)
    );
    let v = l.verify().unwrap();
    assert!(v.ok, "{:?}", v.problems);
    assert_eq!(v.entries, 3);
    drop(l);
    let c = db.sqlite();
    let x: i64 = c
        .query_row("SELECT x FROM extra", [], |r| r.get(0))
        .unwrap();
    assert_eq!(x, 42);
    // Opening again with the same target migrates nothing more.
    let mut l = Ledger::open_with(&db.path, &opts(), ADD_TABLE, 3, now()).unwrap();
    assert_eq!(l.entries_after(3).unwrap().len(), 0);
}

#[test]
fn a_failed_migration_changes_nothing() {
    let db = Db::init(&[]);
    db.ok(&["user", "add", "alice"]);
    let before = db.bytes();
    let e = Ledger::open_with(&db.path, &opts(), SECOND_STEP_FAILS, 4, now()).unwrap_err();
    assert!(
        e.to_string().contains("no such table: no_such_table"),
        "{e}"
    );
    // Step 2 → 3 ran, step 3 → 4 failed: both were rolled back, version and all.
    assert!(db.bytes().0 == before.0, "the file changed");
    let c = db.sqlite();
    let version: i32 = c
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(version, 2);
    let extra: i64 = c
        .query_row(
            "SELECT count(*) FROM sqlite_master WHERE name = 'extra'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(extra, 0);
    // A missing step is refused the same way.
    let e = Ledger::open_with(&db.path, &opts(), &[], 3, now()).unwrap_err();
    assert_eq!(
        e.to_string(),
        "no migration from ledger schema 2; this genbudget cannot read this file"
    );
    db.verified();
}
