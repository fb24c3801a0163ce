//! The database file: recognising it, opening it with the right pragmas,
//! creating it, and migrating older schemas.
//!
//! Before SQLite touches a file, its first 100 bytes are read: anything that
//! is not a SQLite database, or is one without the genbudget
//! `application_id`, is refused and never opened, so it stays byte-for-byte
//! as it was. A file with a newer `user_version` is refused after a
//! read-only look. `init` builds a new ledger in a temporary file next to
//! the target and links it into place, so a crash during `init` never
//! leaves a half-made ledger behind.

use std::fs;
use std::io::Read;
use std::path::Path;
use std::time::Duration;

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OpenFlags, TransactionBehavior};
use serde_json::json;

use super::config::Settings;
use super::error::{LedgerError, Result};
use super::journal::{self, GENESIS, Head, NewEntry};
use super::schema::{APPLICATION_ID, Migration, SCHEMA, SCHEMA_VERSION};

/// How many fsyncs a commit costs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Durability {
    /// `synchronous=FULL`: a commit is on disk when it returns (the
    /// contract's rule 7; always used by the CLI).
    #[default]
    Full,
    /// `synchronous=NORMAL`: a commit can be lost on power failure (never
    /// on a process crash). Only for tests that check logic rather than
    /// durability, and for building large benchmark ledgers quickly.
    Normal,
}

/// How to open a ledger.
#[derive(Clone, Debug)]
pub struct OpenOptions {
    /// How long to wait for another process's write lock (at least 5 s in
    /// the CLI unless `GENBUDGET_BUSY_TIMEOUT_MS` says otherwise).
    pub busy_timeout: Duration,
    pub durability: Durability,
    /// Open without writing (verify, export).
    pub read_only: bool,
}

impl Default for OpenOptions {
    fn default() -> OpenOptions {
        OpenOptions {
            busy_timeout: Duration::from_secs(5),
            durability: Durability::Full,
            read_only: false,
        }
    }
}

fn file_err(path: &Path, message: impl Into<String>) -> LedgerError {
    LedgerError::File {
        path: path.display().to_string(),
        message: message.into(),
    }
}

fn parent(path: &Path) -> &Path {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    }
}

fn check_dir(path: &Path) -> Result<()> {
    let dir = parent(path);
    if !dir.is_dir() {
        return Err(file_err(
            path,
            format!(
                "the directory {} does not exist; create it or choose another --db",
                dir.display()
            ),
        ));
    }
    Ok(())
}

fn newer(path: &Path, version: i64, max_version: i32) -> LedgerError {
    file_err(
        path,
        format!(
            "was written by a newer genbudget (ledger schema {version}; this genbudget reads up to {max_version}); upgrade genbudget. The file was left untouched"
        ),
    )
}

/// Checks that `path` is a genbudget ledger of a schema up to
/// `max_version` without letting SQLite open it.
pub(crate) fn check_file(path: &Path, need_write: bool, max_version: i32) -> Result<()> {
    check_dir(path)?;
    let meta = match fs::metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(file_err(
                path,
                "no ledger here; create one with `genbudget ledger init` (or choose another --db)",
            ));
        }
        Err(e) => return Err(file_err(path, crate::location::describe_io(&e))),
    };
    if meta.is_dir() {
        return Err(file_err(path, "is a directory, not a ledger file"));
    }
    let mut header = Vec::with_capacity(100);
    fs::File::open(path)
        .and_then(|f| f.take(100).read_to_end(&mut header))
        .map_err(|e| file_err(path, crate::location::describe_io(&e)))?;
    let untouched = "; it was left untouched";
    if header.len() < 100 || !header.starts_with(b"SQLite format 3\0") {
        let what = if header.is_empty() {
            "is empty"
        } else {
            "is not a SQLite database"
        };
        return Err(file_err(
            path,
            format!("{what}, so not a genbudget ledger{untouched}"),
        ));
    }
    let app_id = i32::from_be_bytes([header[68], header[69], header[70], header[71]]);
    if app_id != APPLICATION_ID {
        return Err(file_err(
            path,
            format!(
                "is a SQLite database but not a genbudget ledger (application id {app_id:#010x}, a ledger's is {APPLICATION_ID:#010x}){untouched}"
            ),
        ));
    }
    // `user_version` (offset 60). A change still in the WAL is caught again
    // after opening; this catches the usual case before SQLite touches
    // anything (a read-only open would leave -wal and -shm files behind).
    let version = i64::from(u32::from_be_bytes([
        header[60], header[61], header[62], header[63],
    ]));
    if version > i64::from(max_version) {
        return Err(newer(path, version, max_version));
    }
    if need_write && meta.permissions().readonly() {
        return Err(file_err(
            path,
            "is read-only; genbudget writes to its ledger (even reading commands record expired holds), so make it writable",
        ));
    }
    Ok(())
}

/// Opens a checked ledger file and sets the connection up.
///
/// A read-only request still opens a writable file read-write (and then
/// only reads): when the last connection to a WAL database closes, SQLite
/// removes the `-wal` and `-shm` files only if it could write, so `verify`
/// would otherwise leave them behind. A file without write permission is
/// opened read-only.
pub(crate) fn connect(path: &Path, opts: &OpenOptions, max_version: i32) -> Result<Connection> {
    let writable = fs::metadata(path).is_ok_and(|m| !m.permissions().readonly());
    let flags = if opts.read_only && !writable {
        OpenFlags::SQLITE_OPEN_READ_ONLY
    } else {
        OpenFlags::SQLITE_OPEN_READ_WRITE
    } | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = Connection::open_with_flags(path, flags)?;
    conn.busy_timeout(opts.busy_timeout)?;
    // An operation runs some 20 distinct cached statements; rusqlite keeps
    // 16 by default, and a miss means parsing SQL again on every write.
    conn.set_prepared_statement_cache_capacity(64);
    let version: i32 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    if version > max_version {
        return Err(newer(path, i64::from(version), max_version));
    }
    if !opts.read_only {
        let mode: String = conn.pragma_query_value(None, "journal_mode", |r| r.get(0))?;
        if !mode.eq_ignore_ascii_case("wal") {
            conn.pragma_update_and_check(None, "journal_mode", "WAL", |r| r.get::<_, String>(0))?;
        }
        let sync = match opts.durability {
            Durability::Full => "FULL",
            Durability::Normal => "NORMAL",
        };
        conn.pragma_update(None, "synchronous", sync)?;
    }
    Ok(conn)
}

/// The file's schema version.
pub(crate) fn version(conn: &Connection) -> Result<i32> {
    Ok(conn.pragma_query_value(None, "user_version", |r| r.get(0))?)
}

/// Creates a new ledger at `path`. Returns false (and leaves the file
/// alone) if something already exists there.
pub(crate) fn create(path: &Path, settings: &Settings, now: DateTime<Utc>) -> Result<bool> {
    check_dir(path)?;
    if fs::symlink_metadata(path).is_ok() {
        return Ok(false);
    }
    let name = path
        .file_name()
        .map_or("ledger".into(), |n| n.to_string_lossy().into_owned());
    let tmp = parent(path).join(format!(
        ".{name}.init-{}-{}",
        std::process::id(),
        now.timestamp_nanos_opt().unwrap_or_default()
    ));
    let built = build(&tmp, settings, now);
    let linked = built.and_then(|()| match fs::hard_link(&tmp, path) {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(false),
        Err(e) => Err(LedgerError::Io(format!(
            "{}: cannot create the ledger: {}",
            path.display(),
            crate::location::describe_io(&e)
        ))),
    });
    let _ = fs::remove_file(&tmp);
    let _ = fs::remove_file(tmp.with_extension("init-journal"));
    let created = linked?;
    // Make the new directory entry durable too.
    if let Ok(dir) = fs::File::open(parent(path)) {
        let _ = dir.sync_all();
    }
    Ok(created)
}

fn build(tmp: &Path, settings: &Settings, now: DateTime<Utc>) -> Result<()> {
    let mut conn = Connection::open(tmp)?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    let tx = conn.transaction()?;
    tx.pragma_update(None, "application_id", APPLICATION_ID)?;
    tx.pragma_update(None, "user_version", SCHEMA_VERSION)?;
    tx.execute_batch(SCHEMA)?;
    settings.store(&tx)?;
    tx.execute(
        "INSERT INTO org (id, cap, period, max_holds, open_holds, spent, held, overruns)
         VALUES (1, NULL, 'none', NULL, 0, 0, 0, 0)",
        [],
    )?;
    let mut data = settings.to_json();
    data["schema"] = json!(SCHEMA_VERSION);
    let mut head = Head {
        seq: 0,
        hash: GENESIS.to_vec(),
    };
    journal::append(&tx, &mut head, now, &NewEntry::new("init", data))?;
    tx.commit()?;
    conn.close().map_err(|(_, e)| LedgerError::from(e))
}

/// Brings the file from its version to `target` in one transaction, with a
/// `migrate` journal entry. A no-op if another process got there first.
pub(crate) fn migrate(
    conn: &mut Connection,
    steps: &[Migration],
    target: i32,
    now: DateTime<Utc>,
) -> Result<()> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let from = version(&tx)?;
    if from >= target {
        return Ok(());
    }
    for v in from..target {
        let step = steps.iter().find(|m| m.from == v).ok_or_else(|| {
            LedgerError::Conflict(format!(
                "no migration from ledger schema {v}; this genbudget cannot read this file"
            ))
        })?;
        tx.execute_batch(step.sql)?;
    }
    tx.pragma_update(None, "user_version", target)?;
    let mut head = journal::head(&tx)?;
    journal::append(
        &tx,
        &mut head,
        now,
        &NewEntry::new("migrate", json!({"from": from, "to": target})),
    )?;
    tx.commit()?;
    Ok(())
}
