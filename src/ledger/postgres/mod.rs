//! The PostgreSQL backend: one ledger shared by any number of processes on
//! any number of hosts. This folder is the only place in genbudget that
//! names its driver (the synchronous `postgres` crate over
//! `tokio-postgres`, with rustls for TLS).
//!
//! The ledger lives in the schema `genbudget` of the database the URL
//! names (`schema` holds its tables); other schemas are left alone. Every
//! write transaction first locks the journal head row (`SELECT … FOR
//! UPDATE` on `head`), so writers are ordered exactly as SQLite's `BEGIN
//! IMMEDIATE` orders them, and each statement after the lock sees every
//! earlier writer's commit (READ COMMITTED, named in the `BEGIN`, whatever
//! the database's default isolation). Reads run in one REPEATABLE READ,
//! READ ONLY snapshot. A lock wait past the busy timeout is
//! [`LedgerError::Busy`]; a serialization failure, a deadlock, or a lost or
//! refused connection is [`LedgerError::Backend`] saying so (the HTTP
//! service answers 503 to both); either way the
//! transaction wrote nothing (or, for a connection lost during `COMMIT`,
//! may have: a repeat with the same key then returns the first result).
//! A store whose connection was lost connects again on its next call.
//!
//! Durability (rule 7) is PostgreSQL's own, with the fsync taken out of
//! the head lock: a write transaction commits with `synchronous_commit`
//! off, which ends it (and frees the lock) at once, and in the same round
//! trip one more tiny transaction writes a transactional logical message
//! (`pg_logical_emit_message`, nothing else) and commits synchronously: it
//! returns only once the write-ahead log is on disk up to it, and so up to
//! the write before it. Only then does the write (or a denial, which may
//! have read another writer's commit) return. Writers so share fsyncs as
//! PostgreSQL's group commit shares them, instead of taking turns at the
//! disk while the next one waits for the lock. A read may see a commit
//! whose flush is still under way (as on a standby); a crash loses such a
//! commit only if its writer was not yet answered. Where the role may not
//! call that function, writes commit synchronously inside the lock.
//!
//! The driver's client runs on a private single-threaded tokio runtime
//! (`conn`): call the store from an ordinary thread (the HTTP service gives
//! it one), never from inside an async task.
//!
//! `conn` is the connection and its pipeline, `tls` turns `sslmode` and
//! `sslrootcert` into a rustls configuration, `pgpass` reads libpq's
//! password file, `tx` is the [`StoreTx`] over one transaction, `reads` the
//! reads it keeps and `rows` how rows become the ledger's types.

mod conn;
mod keep;
mod many;
mod pgpass;
mod reads;
mod rows;
pub mod schema;
mod target;
mod tls;
mod tx;

use chrono::{DateTime, Utc};
use tokio_postgres::SimpleQueryMessage;
use tokio_postgres::error::SqlState;

use super::error::{LedgerError, Result};
use super::journal::GENESIS;
use super::settings::Settings;
use super::sqlite::schema::SCHEMA_VERSION;
use super::sqlite::{Durability, OpenOptions};
use super::store::{Store, StoreTx};
use conn::{Conn, Job, params};
use schema::{NAMESPACE, REVOKE, SCHEMA};
use target::{Target, bad_url};
pub use target::{is_url, redact};
use tx::PostgresTx;

/// A ledger in a PostgreSQL database.
pub struct PostgresStore {
    target: Target,
    conn: Conn,
    timeout_ms: u64,
    /// Whether a write commits asynchronously and then waits for the log
    /// flush outside the head lock (see the module doc); otherwise it
    /// commits as the durability says, inside the lock.
    flush_apart: bool,
    /// The statement after a write's and a read's `BEGIN` ([`Target::local`]).
    local_write: String,
    local_read: String,
    /// The settings read when the store opened, for the first transaction
    /// (they never change, so `Ledger::on` reads them without a round trip).
    settings: Option<Settings>,
}

impl std::fmt::Debug for PostgresStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PostgresStore")
            .field("location", &self.target.shown)
            .finish()
    }
}

/// What the database holds.
enum Found {
    Nothing,
    /// The schema `genbudget` exists and holds nothing (made ahead of
    /// `init`, e.g. by an administrator for a role that may not create
    /// schemas): `init` fills it.
    EmptySchema,
    NotALedger,
    Ledger(i32),
}

/// One row of a simple query, as text.
fn simple_row(conn: &mut Conn, sql: &str) -> Result<Vec<Option<String>>> {
    for m in conn.simple(sql)? {
        if let SimpleQueryMessage::Row(r) = m {
            return Ok((0..r.len()).map(|i| r.get(i).map(String::from)).collect());
        }
    }
    Ok(Vec::new())
}

fn look(conn: &mut Conn) -> Result<Found> {
    let row = simple_row(
        conn,
        &format!(
            "SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = '{NAMESPACE}'),
                    to_regclass('{NAMESPACE}.schema_version') IS NOT NULL,
                    EXISTS (SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = '{NAMESPACE}')
                    OR EXISTS (SELECT 1 FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = '{NAMESPACE}')
                    OR EXISTS (SELECT 1 FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace WHERE n.nspname = '{NAMESPACE}')"
        ),
    )?;
    let yes = |i: usize| row.get(i).cloned().flatten().as_deref() == Some("t");
    if !yes(0) {
        return Ok(Found::Nothing);
    }
    if !yes(1) {
        return Ok(if yes(2) {
            Found::NotALedger
        } else {
            Found::EmptySchema
        });
    }
    let v = simple_row(
        conn,
        &format!("SELECT version FROM {NAMESPACE}.schema_version WHERE id = 1"),
    )?;
    version_of(v.first().cloned().flatten())
}

fn version_of(text: Option<String>) -> Result<Found> {
    match text {
        None => Ok(Found::NotALedger),
        Some(t) => t
            .parse()
            .map(Found::Ledger)
            .map_err(|_| LedgerError::Corrupt(format!("schema_version `{t}` is not a number"))),
    }
}

/// Runs one read in a transaction of its own that begins with `local`
/// (the timeouts: a lock wait past the busy timeout is busy here too), in
/// one round trip; returns the read's rows.
fn alone(
    conn: &mut Conn,
    local: &str,
    job: Job,
) -> std::result::Result<Vec<tokio_postgres::Row>, tokio_postgres::Error> {
    let jobs = [
        Job::new("BEGIN", params![]),
        Job::new(local, params![]),
        job,
        Job::new("COMMIT", params![]),
    ];
    conn.run(&jobs).swap_remove(2)
}

/// The schema version and the settings in one round trip, when the
/// database holds a ledger; `None` when it may not (then [`look`] says
/// what it holds).
fn open_fast(conn: &mut Conn, local: &str) -> Result<Option<Opened>> {
    let job = Job::new(
        format!(
            "SELECT v.version, s.credit_value, s.currency, s.timezone, s.hold_ttl,
                    has_function_privilege('pg_catalog.pg_logical_emit_message(boolean, text, text)', 'EXECUTE')
             FROM {NAMESPACE}.schema_version v LEFT JOIN {NAMESPACE}.settings s ON s.id = 1
             WHERE v.id = 1"
        ),
        params![],
    );
    let rows = match alone(conn, local, job) {
        Ok(rows) => rows,
        Err(e)
            if e.code() == Some(&SqlState::INVALID_SCHEMA_NAME)
                || e.code() == Some(&SqlState::UNDEFINED_TABLE)
                || e.code() == Some(&SqlState::UNDEFINED_COLUMN) =>
        {
            return Ok(None);
        }
        Err(e) => return Err(e.into()),
    };
    let Some(r) = rows.first() else {
        return Ok(None);
    };
    Ok(Some(Opened {
        version: r.try_get(0)?,
        // A settings row that does not read is reported by the first read.
        settings: rows::settings_at(r, 1).ok(),
        may_flush: r.try_get(5)?,
    }))
}

/// What [`open_fast`] learns.
struct Opened {
    version: i32,
    settings: Option<Settings>,
    /// Whether the role may write the flush message ([`FLUSH`]).
    may_flush: bool,
}

/// The driver's SQLSTATE under a ledger error, if there is one.
fn code_of(e: &LedgerError) -> Option<&SqlState> {
    match e {
        LedgerError::Backend { source, .. } => source
            .downcast_ref::<tokio_postgres::Error>()
            .and_then(tokio_postgres::Error::code),
        _ => None,
    }
}

/// How a write transaction begins: READ COMMITTED, whatever the database's
/// or the role's `default_transaction_isolation` says (rule 1's design
/// needs it: after the head row's lock each statement sees every earlier
/// writer's commit; under REPEATABLE READ or SERIALIZABLE a writer that
/// waited for the lock would fail instead).
const WRITE_BEGIN: &str = "BEGIN ISOLATION LEVEL READ COMMITTED";

/// How a read transaction begins: one snapshot, nothing written.
const READ_BEGIN: &str = "START TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY";

/// The statement that makes a write durable (see the module doc): it
/// writes to the log and takes a transaction id, so its synchronous commit
/// flushes the log up to itself.
const FLUSH: &str = "SELECT pg_logical_emit_message(true, 'genbudget', 'flush')";

impl PostgresStore {
    /// Opens the ledger in the database `url` names, refusing a database
    /// without one, or with a newer schema.
    pub(crate) fn open(url: &str, opts: &OpenOptions) -> Result<PostgresStore> {
        let target = Target::parse(url, opts)?;
        let ms = opts.busy_ms();
        let mut conn = target.connect()?;
        let shown = target.shown.clone();
        let fail = |e: LedgerError| target.fail(e.with_timeout(ms));
        let (found, settings, may_flush) =
            match open_fast(&mut conn, &target.local(false)).map_err(fail)? {
                Some(o) => (Found::Ledger(o.version), o.settings, o.may_flush),
                None => (look(&mut conn).map_err(fail)?, None, false),
            };
        match found {
            Found::Nothing => Err(bad_url(
                &shown,
                "no ledger here (the database has no schema `genbudget`); create one with `genbudget ledger init` (or choose another --db)",
            )),
            Found::EmptySchema => Err(bad_url(
                &shown,
                "no ledger here (the schema `genbudget` is empty); create one in it with `genbudget ledger init` (or choose another --db)",
            )),
            Found::NotALedger => Err(bad_url(
                &shown,
                "has a schema `genbudget` that is not a genbudget ledger (no schema_version row); it was left untouched",
            )),
            Found::Ledger(v) if v > SCHEMA_VERSION => Err(bad_url(
                &shown,
                format!(
                    "was written by a newer genbudget (ledger schema {v}; this genbudget reads up to {SCHEMA_VERSION}); upgrade genbudget. The database was left untouched"
                ),
            )),
            Found::Ledger(v) if v < SCHEMA_VERSION => Err(bad_url(
                &shown,
                format!(
                    "has ledger schema version {v}, which no genbudget writes on PostgreSQL (the schema_version row was changed); nothing was written. Put the row back (`UPDATE genbudget.schema_version SET version = {SCHEMA_VERSION}`; then `genbudget ledger verify` checks the rest) or restore the database from a backup"
                ),
            )),
            Found::Ledger(_) => {
                let flush_apart = may_flush && opts.durability == Durability::Full;
                let synchronous = opts.durability == Durability::Full && !flush_apart;
                Ok(PostgresStore {
                    local_write: target.local(synchronous),
                    local_read: target.local(false),
                    target,
                    conn,
                    timeout_ms: ms,
                    flush_apart,
                    settings,
                })
            }
        }
    }

    /// Creates a ledger in the database `url` names, with its first entries
    /// written by `fill`, in one transaction. Returns false (and changes
    /// nothing) if the database already has a schema `genbudget`.
    pub(crate) fn create(
        url: &str,
        opts: &OpenOptions,
        fill: &mut dyn FnMut(&mut dyn StoreTx) -> Result<()>,
    ) -> Result<bool> {
        let target = Target::parse(url, opts)?;
        let mut conn = target.connect()?;
        let mut run = || -> Result<bool> {
            // A schema made ahead and left empty is filled; any other
            // schema `genbudget` is not ours to touch.
            let make_schema = match look(&mut conn)? {
                Found::Nothing => true,
                Found::EmptySchema => false,
                _ => return Ok(false),
            };
            conn.simple("BEGIN")?;
            conn.simple(&target.local(true))?;
            // The schema's statements name their tables plainly.
            conn.simple(&format!("SET LOCAL search_path = {NAMESPACE}"))?;
            let made = if make_schema {
                conn.simple(&format!("CREATE SCHEMA {NAMESPACE}")).map(drop)
            } else {
                Ok(())
            }
            .and_then(|()| conn.simple(SCHEMA))
            .and_then(|_| conn.simple(REVOKE));
            if let Err(e) = made {
                let _ = conn.simple("ROLLBACK");
                // Another init got there first.
                let first = [
                    SqlState::DUPLICATE_SCHEMA,
                    SqlState::DUPLICATE_TABLE,
                    SqlState::DUPLICATE_FUNCTION,
                    SqlState::DUPLICATE_OBJECT,
                    SqlState::UNIQUE_VIOLATION,
                ];
                if e.code().is_some_and(|c| first.contains(c)) {
                    return Ok(false);
                }
                return Err(e.into());
            }
            let mut t = PostgresTx::begun(&mut conn);
            t.exec(
                "INSERT INTO genbudget.schema_version (id, version) VALUES (1, $1)",
                params![SCHEMA_VERSION],
            );
            t.exec(
                "INSERT INTO genbudget.head (id, seq, hash) VALUES (1, 0, $1)",
                params![GENESIS.as_slice()],
            );
            if let Err(e) = fill(&mut t) {
                let _ = t.rollback(&[]);
                return Err(e);
            }
            match t.commit(&[]) {
                Ok(()) => Ok(true),
                Err(e) if code_of(&e) == Some(&SqlState::UNIQUE_VIOLATION) => Ok(false),
                Err(e) => Err(e),
            }
        };
        let created = run().map_err(|e| target.fail(e));
        conn.close();
        created
    }

    fn fail(&self, e: LedgerError) -> LedgerError {
        self.target.fail(e.with_timeout(self.timeout_ms))
    }

    /// Connects again if the connection was lost (a server restart): the
    /// next command works once the server is back.
    fn ready(&mut self) -> Result<()> {
        if self.conn.is_closed() {
            self.conn = self.target.connect()?;
        }
        Ok(())
    }

    /// What runs after a write's `COMMIT` (or a denial's `ROLLBACK`), in
    /// the same round trip, before it returns: the flush, in a transaction
    /// of its own whose commit waits for the disk.
    fn after(&self) -> &'static [&'static str] {
        if self.flush_apart {
            &[
                "BEGIN",
                "SET LOCAL synchronous_commit = on",
                FLUSH,
                "COMMIT",
            ]
        } else {
            &[]
        }
    }
}

impl Store for PostgresStore {
    fn write(&mut self, f: &mut dyn FnMut(&mut dyn StoreTx) -> Result<bool>) -> Result<()> {
        let mut run = |s: &mut PostgresStore| -> Result<()> {
            s.ready()?;
            let after = s.after();
            // Rule 1: the journal head row, locked first, orders writers.
            let mut t = PostgresTx::new(&mut s.conn, &[WRITE_BEGIN, &s.local_write], true);
            match f(&mut t) {
                Ok(true) => t.commit(after),
                Ok(false) => t.rollback(after),
                Err(e) => {
                    let _ = t.rollback(&[]);
                    Err(e)
                }
            }
        };
        run(self).map_err(|e| self.fail(e))
    }

    fn read(&mut self, f: &mut dyn FnMut(&mut dyn StoreTx) -> Result<()>) -> Result<()> {
        let mut run = |s: &mut PostgresStore| -> Result<()> {
            s.ready()?;
            let known = s.settings.take();
            let mut t = PostgresTx::new(&mut s.conn, &[READ_BEGIN, &s.local_read], false);
            if let Some(settings) = known {
                t.know_settings(settings);
            }
            match f(&mut t) {
                Ok(()) => t.commit(&[]),
                Err(e) => {
                    let _ = t.rollback(&[]);
                    Err(e)
                }
            }
        };
        run(self).map_err(|e| self.fail(e))
    }

    fn any_overdue(&mut self, now: DateTime<Utc>) -> Result<bool> {
        let run = |s: &mut PostgresStore| -> Result<bool> {
            s.ready()?;
            let job = Job::new(
                "SELECT 1 FROM genbudget.holds WHERE state = 'open' AND expires_at <= $1 LIMIT 1",
                params![now.timestamp_micros()],
            );
            let rows = alone(&mut s.conn, &s.local_read, job)?;
            Ok(!rows.is_empty())
        };
        run(self).map_err(|e| self.fail(e))
    }

    fn schema_version(&mut self) -> Result<i32> {
        let run = |s: &mut PostgresStore| -> Result<i32> {
            s.ready()?;
            let job = Job::new(
                "SELECT version FROM genbudget.schema_version WHERE id = 1",
                params![],
            );
            let rows = alone(&mut s.conn, &s.local_read, job)?;
            let r = rows
                .first()
                .ok_or_else(|| LedgerError::Corrupt("the schema_version row is missing".into()))?;
            Ok(r.try_get(0)?)
        };
        run(self).map_err(|e| self.fail(e))
    }

    fn location(&self) -> String {
        self.target.shown.clone()
    }

    fn close(self: Box<Self>) -> Result<()> {
        self.conn.close();
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redact_drops_every_password() {
        assert_eq!(
            redact("postgres://alice:s3cret@db.example:5432/ledger?sslmode=require"),
            "postgres://alice@db.example:5432/ledger?sslmode=require"
        );
        assert_eq!(
            redact("postgresql://bob@h/d?password=s3cret&sslmode=disable"),
            "postgresql://bob@h/d?sslmode=disable"
        );
        assert_eq!(redact("postgres://h/d?password=x"), "postgres://h/d");
        // A password with `@` in it: encoded, it is read and dropped; not,
        // the driver would misread the URL (refused), and only the user
        // name is shown.
        assert_eq!(redact("postgres://u:p%40ss@h/d"), "postgres://u@h/d");
        assert_eq!(redact("postgres://u:p@ss@h/d"), "postgres://u@…");
        // Unencoded `/`, `?` and `:` in a password (the driver reads the
        // user info up to an `@`, whatever it holds).
        assert_eq!(
            redact("postgres://u:ab/cd@127.0.0.1:5432/d?sslmode=disable"),
            "postgres://u@127.0.0.1:5432/d?sslmode=disable"
        );
        assert_eq!(
            redact("postgres://u:p/ss:w?rd@h:5432/d"),
            "postgres://u@h:5432/d"
        );
        assert_eq!(
            redact("postgres://u:p@ss:w/rd?x@h:5432/d"),
            "postgres://u@…"
        );
        // A parameter's name percent-encoded, or a password holding `@`.
        assert_eq!(
            redact("postgres://h/d?user=u&pass%77ord=s3cret"),
            "postgres://h/d?user=u"
        );
        assert_eq!(
            redact("postgres://u@h:5432/d?password=ab@SECRET&sslmode=disable"),
            "postgres://u@h:5432/d?sslmode=disable"
        );
        // An `@` in a parameter with no user info before the host: the
        // driver would read it as the user info's end; only the host shows.
        assert_eq!(
            redact("postgres://h/d?password=a:b@c&sslmode=disable"),
            "postgres://h/…"
        );
        // Not a scheme the driver reads: still no password shown.
        assert_eq!(redact("POSTGRES://u:pw@h/d"), "POSTGRES://u@h/d");
    }

    #[test]
    fn a_port_is_named_after_a_host_or_as_a_parameter() {
        assert!(target::names_port("postgres://u:p@h:5433/d"));
        assert!(target::names_port("postgres://h1,h2:5433/d"));
        assert!(target::names_port("postgres://[::1]:5433/d"));
        assert!(target::names_port("postgres://h/d?port=5433"));
        assert!(!target::names_port("postgres://u:p:x@h/d"));
        assert!(!target::names_port("postgres://[::1]/d?sslmode=disable"));
        assert!(!target::names_port("postgres://h"));
        assert!(!target::names_port("postgres:///d?host=/tmp"));
        // The user info ends at the first `@` (as the driver reads it): a
        // `?` in the password, or an `@` in a parameter, moves nothing.
        assert!(target::names_port("postgres://u@h:5433/d?password=a@b"));
        assert!(!target::names_port("postgres://u@h/d?password=a@b:1"));
        assert!(!target::names_port("postgres://u:p?q@h/d"));
        assert_eq!(
            target::with_port("postgres://u:p?q:r@h1,h2/d", 5433),
            "postgres://u:p?q:r@h1:5433,h2:5433/d"
        );
    }

    #[test]
    fn pgport_goes_after_each_host() {
        assert_eq!(
            target::with_port("postgres://u:p@h1,[::1]/d", 5433),
            "postgres://u:p@h1:5433,[::1]:5433/d"
        );
        assert_eq!(target::with_port("postgres://h", 5433), "postgres://h:5433");
        assert_eq!(target::with_port("postgres:///d", 5433), "postgres:///d");
    }

    #[test]
    fn urls_are_told_from_paths() {
        assert!(is_url("postgres://h/d"));
        assert!(is_url("postgresql://h/d"));
        assert!(!is_url("ledger.db"));
        assert!(!is_url("./postgres://x"));
        assert!(!is_url("data/ledger.db"));
        // What looks like a URL is never a file name: the driver then says
        // what is wrong with it.
        assert!(is_url("POSTGRES://h/d"));
        assert!(is_url(" postgres://h/d"));
        assert!(is_url("postgres:billing"));
        assert!(is_url("mysql://u:pw@h/d"));
    }

    #[test]
    fn bad_sslmode_names_the_valid_ones() {
        let e = Target::parse("postgres://h/d?sslmode=verify", &OpenOptions::default())
            .err()
            .expect("refused");
        let m = e.to_string();
        assert!(m.contains("sslmode `verify`"), "{m}");
        assert!(m.contains("verify-full"), "{m}");
        assert!(m.starts_with("postgres://h/d?sslmode=verify:"), "{m}");
    }

    #[test]
    fn the_password_never_reaches_a_message() {
        let e = Target::parse(
            "postgres://u:hunter2@h/d?port=notaport",
            &OpenOptions::default(),
        )
        .err()
        .expect("refused");
        assert!(!e.to_string().contains("hunter2"), "{e}");
    }
}
