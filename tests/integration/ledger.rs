//! Integration tests: `genbudget ledger`, through the real binary (and, for
//! the model-based test, the library) on real SQLite files in temporary
//! directories, and on a real PostgreSQL server when
//! `GENBUDGET_TEST_POSTGRES` gives one (`backend.rs`). Topics live in
//! `ledger/`.

use std::path::PathBuf;
use std::process::Command;

use serde_json::Value;

use crate::common::{self, Run};
pub use backend::Backend;

#[path = "ledger/backend.rs"]
pub mod backend;
#[path = "ledger/bad_input.rs"]
mod bad_input;
#[path = "ledger/basics.rs"]
mod basics;
#[path = "ledger/crash.rs"]
mod crash;
#[path = "ledger/fixture.rs"]
mod fixture;
#[path = "ledger/idempotency.rs"]
mod idempotency;
#[path = "ledger/model.rs"]
mod model;
#[path = "ledger/periods.rs"]
mod periods;
#[path = "ledger/postgres.rs"]
mod postgres;
#[path = "ledger/races.rs"]
mod races;
#[path = "ledger/schema.rs"]
mod schema;
#[path = "ledger/seam.rs"]
mod seam;
#[path = "ledger/storage.rs"]
mod storage;
#[path = "ledger/tamper.rs"]
mod tamper;
#[path = "ledger/tokens.rs"]
mod tokens;

/// The fixed clock of `common::cmd`.
pub const NOW: &str = "2026-04-20T09:00:00Z";

/// A ledger file in its own temporary directory, or (on
/// [`Backend::Postgres`]) a PostgreSQL database of its own.
pub struct Db {
    pub dir: tempfile::TempDir,
    /// The SQLite file (unused on PostgreSQL).
    pub path: PathBuf,
    /// What `--db` is given: the file's path or the database's URL.
    pub location: String,
    /// The PostgreSQL database, dropped with the `Db`.
    pub pg: Option<backend::PgDb>,
}

impl Db {
    /// A path for a ledger that does not exist yet.
    pub fn empty() -> Db {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("ledger.db");
        Db {
            location: path.to_str().unwrap().to_string(),
            dir,
            path,
            pg: None,
        }
    }

    /// A ledger file at `path` (its directory kept alive by `dir`).
    pub fn at(dir: tempfile::TempDir, path: PathBuf) -> Db {
        Db {
            location: path.to_str().unwrap().to_string(),
            dir,
            path,
            pg: None,
        }
    }

    /// A new ledger made with `ledger init ARGS`.
    pub fn init(args: &[&str]) -> Db {
        Db::init_on(Backend::Sqlite, args)
    }

    /// A place for a new ledger on `backend` (an empty database on
    /// PostgreSQL).
    pub fn empty_on(backend: Backend) -> Db {
        let mut db = Db::empty();
        if backend == Backend::Postgres {
            let pg = backend::PgDb::new();
            db.location = pg.url.clone();
            db.pg = Some(pg);
        }
        db
    }

    /// A new ledger on `backend` made with `ledger init ARGS`.
    pub fn init_on(backend: Backend, args: &[&str]) -> Db {
        let db = Db::empty_on(backend);
        let mut all = vec!["init"];
        all.extend_from_slice(args);
        db.ok(&all);
        db
    }

    /// Everything the ledger stores, to compare before and after a command
    /// that must write nothing: the file's bytes (and its WAL's), or every
    /// row of every table of the PostgreSQL ledger.
    pub fn state(&self) -> backend::Snapshot {
        match &self.pg {
            Some(pg) => backend::Snapshot::Rows(pg.rows()),
            None => backend::Snapshot::Bytes(self.bytes()),
        }
    }

    /// How many journal entries the ledger has.
    pub fn entries(&self) -> i64 {
        match &self.pg {
            Some(pg) => pg.count("SELECT count(*) FROM genbudget.journal"),
            None => self
                .sqlite()
                .query_row("SELECT count(*) FROM journal", [], |r| r.get(0))
                .unwrap(),
        }
    }

    /// `genbudget --db LOCATION ledger ARGS` at `now`, not yet run.
    pub fn cmd_at(&self, now: &str, args: &[&str]) -> Command {
        let mut c = common::cmd(&["--db", &self.location, "ledger"]);
        c.args(args).env("GENBUDGET_NOW", now);
        c
    }

    /// Runs `ledger ARGS` at `now`.
    pub fn run_at(&self, now: &str, args: &[&str]) -> Run {
        self.cmd_at(now, args)
            .output()
            .expect("genbudget runs")
            .into()
    }

    /// Runs `ledger ARGS` at [`NOW`].
    pub fn run(&self, args: &[&str]) -> Run {
        self.run_at(NOW, args)
    }

    /// Runs with `--format json` at `now` and parses stdout.
    pub fn json_at(&self, now: &str, args: &[&str]) -> (Run, Value) {
        let mut all = args.to_vec();
        all.extend(["--format", "json"]);
        let r = self.run_at(now, &all);
        let v = serde_json::from_str(&r.stdout).unwrap_or_else(|e| {
            panic!(
                "{args:?}: stdout is not JSON ({e}): {}\nstderr: {}",
                r.stdout, r.stderr
            )
        });
        (r, v)
    }

    /// [`Db::json_at`] at [`NOW`].
    pub fn json(&self, args: &[&str]) -> (Run, Value) {
        self.json_at(NOW, args)
    }

    /// Runs at [`NOW`] and asserts exit 0; returns the JSON document (or
    /// `Null` for commands that print none).
    pub fn ok(&self, args: &[&str]) -> Value {
        self.ok_at(NOW, args)
    }

    /// Runs at `now` and asserts exit 0.
    pub fn ok_at(&self, now: &str, args: &[&str]) -> Value {
        let (r, v) = self.json_at(now, args);
        assert_eq!(r.code, 0, "{args:?} failed: {}{}", r.stdout, r.stderr);
        v
    }

    /// The bytes of the database file and its WAL (if any).
    pub fn bytes(&self) -> (Option<Vec<u8>>, Option<Vec<u8>>) {
        let wal = PathBuf::from(format!("{}-wal", self.path.display()));
        (std::fs::read(&self.path).ok(), std::fs::read(wal).ok())
    }

    /// Asserts that `verify` passes.
    pub fn verified(&self) -> Value {
        let (r, v) = self.json(&["verify"]);
        assert_eq!(r.code, 0, "verify failed: {}{}", r.stdout, r.stderr);
        assert_eq!(v["ok"], true);
        v
    }

    /// A raw connection for looking behind the tool's back.
    pub fn sqlite(&self) -> rusqlite::Connection {
        rusqlite::Connection::open(&self.path).expect("open sqlite")
    }
}

/// `v[field]` as a string (amounts are strings in JSON).
pub fn s(v: &Value, field: &str) -> String {
    match &v[field] {
        Value::String(x) => x.clone(),
        other => other.to_string(),
    }
}
