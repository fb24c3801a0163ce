//! The backends the ledger tests run on: SQLite always, PostgreSQL when
//! `GENBUDGET_TEST_POSTGRES` holds an admin URL of a server (a role that
//! may `CREATE DATABASE`; `.ci/postgres start DIR PORT` starts one and
//! prints it). Each PostgreSQL test gets a database of its own, dropped
//! afterwards. Without the variable, the PostgreSQL variants print one
//! line saying how to run them and pass, unless `GENBUDGET_TEST_STRICT=1`
//! (set by `.ci/run`) makes that a failure.
//!
//! [`both!`] turns `fn name(b: Backend)` into `sqlite::name` and
//! `postgres::name` tests, so one body serves both backends.

use std::io::Write;
use std::sync::Once;
use std::sync::atomic::{AtomicU32, Ordering};

/// Where a test's ledger lives.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// The admin URL of the test server, if there is one. Without it, prints
/// the skip line once (straight to stderr: the test harness does not
/// capture it) or, with `GENBUDGET_TEST_STRICT=1`, fails.
pub fn admin_url() -> Option<String> {
    if let Ok(url) = std::env::var("GENBUDGET_TEST_POSTGRES") {
        if !url.is_empty() {
            return Some(url);
        }
    }
    let strict = std::env::var("GENBUDGET_TEST_STRICT").is_ok_and(|v| v == "1");
    assert!(
        !strict,
        "GENBUDGET_TEST_STRICT=1 but GENBUDGET_TEST_POSTGRES is not set: the PostgreSQL ledger tests need a server"
    );
    static SAID: Once = Once::new();
    SAID.call_once(|| {
        let _ = writeln!(
            std::io::stderr(),
            "skipped: the PostgreSQL ledger tests (set GENBUDGET_TEST_POSTGRES to an admin URL, e.g. the one `.ci/postgres start /tmp/gb-pg 55432` prints, or run `bash .ci/run`)"
        );
    });
    None
}

/// Whether the PostgreSQL variant of a test should run.
pub fn available(b: Backend) -> bool {
    b == Backend::Sqlite || admin_url().is_some()
}

/// `url` with its database name replaced by `db`.
pub fn with_db(url: &str, db: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, format!("?{q}")),
        None => (url, String::new()),
    };
    let rest = &base[base.find("://").map_or(0, |i| i + 3)..];
    let cut = match rest.find('/') {
        Some(i) => base.len() - rest.len() + i,
        None => base.len(),
    };
    format!("{}/{db}{query}", &base[..cut])
}

/// A connection as the test's superuser (no TLS: the admin URL is for
/// setting up, the ledger's own connections are under test).
pub fn admin(url: &str) -> postgres::Client {
    postgres::Client::connect(url, postgres::NoTls)
        .unwrap_or_else(|e| panic!("cannot connect to GENBUDGET_TEST_POSTGRES as admin: {e}"))
}

/// A database made for one test, dropped when it goes.
pub struct PgDb {
    pub admin: String,
    pub name: String,
    /// The database's URL (the admin's role and password).
    pub url: String,
}

impl PgDb {
    /// A new empty database (panics without a server: check
    /// [`available`] first).
    pub fn new() -> PgDb {
        static N: AtomicU32 = AtomicU32::new(0);
        let admin = admin_url().expect("GENBUDGET_TEST_POSTGRES is set");
        let name = format!(
            "gbtest_{}_{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        );
        let mut c = self::admin(&admin);
        // Two statements: CREATE DATABASE cannot share a transaction.
        c.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            .expect("drop a leftover test database");
        c.batch_execute(&format!("CREATE DATABASE {name}"))
            .expect("create the test database");
        PgDb {
            url: with_db(&admin, &name),
            admin,
            name,
        }
    }

    /// A superuser connection to this database.
    pub fn client(&self) -> postgres::Client {
        admin(&self.url)
    }

    /// One `bigint` from `sql`.
    pub fn count(&self, sql: &str) -> i64 {
        self.client().query_one(sql, &[]).unwrap().get(0)
    }

    /// Every row of every table of the ledger, as text, in order.
    pub fn rows(&self) -> Vec<String> {
        let mut c = self.client();
        let tables: Vec<String> = c
            .query(
                "SELECT tablename::text FROM pg_tables WHERE schemaname = 'genbudget' ORDER BY 1",
                &[],
            )
            .unwrap()
            .iter()
            .map(|r| r.get(0))
            .collect();
        let mut out = Vec::new();
        for t in tables {
            let q = format!(
                "SELECT coalesce(string_agg(x::text, E'\\n' ORDER BY x::text), '') FROM genbudget.{t} x"
            );
            let rows: String = c.query_one(&q, &[]).unwrap().get(0);
            out.push(format!("{t}:\n{rows}"));
        }
        out
    }
}

impl Drop for PgDb {
    fn drop(&mut self) {
        if let Ok(mut c) = postgres::Client::connect(&self.admin, postgres::NoTls) {
            let _ = c.batch_execute(&format!(
                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                self.name
            ));
        }
    }
}

/// What a ledger stores, for before/after comparisons.
#[derive(Debug, PartialEq, Eq)]
pub enum Snapshot {
    Bytes((Option<Vec<u8>>, Option<Vec<u8>>)),
    Rows(Vec<String>),
}

/// `both!(a, b, …)`: for each `fn a(b: Backend)` in this module, the tests
/// `sqlite::a` and `postgres::a`.
#[macro_export]
macro_rules! both {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[test]
                fn $name() {
                    super::$name($crate::ledger::Backend::Sqlite);
                }
            )*
        }
        mod postgres {
            $(
                #[test]
                fn $name() {
                    if $crate::ledger::backend::available($crate::ledger::Backend::Postgres) {
                        super::$name($crate::ledger::Backend::Postgres);
                    }
                }
            )*
        }
    };
}

#[test]
fn with_db_replaces_only_the_database() {
    assert_eq!(
        with_db("postgres://u:p@h:5432/postgres?sslmode=disable", "t1"),
        "postgres://u:p@h:5432/t1?sslmode=disable"
    );
    assert_eq!(with_db("postgres://h", "t1"), "postgres://h/t1");
}
