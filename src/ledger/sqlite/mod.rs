//! The SQLite backend: one file shared by any number of processes on one
//! machine. This folder is the only place in genbudget that names its
//! driver (rusqlite).
//!
//! Before SQLite touches a file, its first 100 bytes are read: anything that
//! is not a SQLite database, or is one without the genbudget
//! `application_id`, is refused and never opened, so it stays byte-for-byte
//! as it was. A file with a newer `user_version` is refused after a
//! read-only look. `init` builds a new ledger in a temporary file next to
//! the target and links it into place, so a crash during `init` never
//! leaves a half-made ledger behind. Writes run in `BEGIN IMMEDIATE`
//! transactions (rule 1) with `synchronous=FULL` in WAL mode (rule 7).
//!
//! `schema` holds the tables and migrations, `tx` the [`StoreTx`] over one
//! transaction.

pub mod schema;
mod tx;

use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OpenFlags, OptionalExtension, TransactionBehavior};

use super::error::{LedgerError, Result};
use super::store::{Store, StoreTx};
use schema::{APPLICATION_ID, Migration, SCHEMA, SCHEMA_VERSION};
use tx::SqliteTx;

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
    /// PostgreSQL: prepare a statement on its second use on a connection
    /// and reuse it (for a long-lived `Ledger`: the library, the HTTP
    /// service). Off, every statement runs unnamed: what one command per
    /// connection wants (the CLI: no round trip to prepare), and what a
    /// transaction-mode connection pooler needs (it hands a session's
    /// prepared statements to other clients). SQLite ignores it.
    pub prepare_statements: bool,
}

impl OpenOptions {
    /// The longest busy timeout a store takes (SQLite's and PostgreSQL's
    /// own limit, about 24.8 days): a longer one is taken as this.
    pub const MAX_BUSY_MS: u64 = i32::MAX as u64;

    /// `busy_timeout` in milliseconds, at most [`OpenOptions::MAX_BUSY_MS`].
    pub fn busy_ms(&self) -> u64 {
        u64::try_from(self.busy_timeout.as_millis())
            .unwrap_or(u64::MAX)
            .min(Self::MAX_BUSY_MS)
    }
}

impl Default for OpenOptions {
    fn default() -> OpenOptions {
        OpenOptions {
            busy_timeout: Duration::from_secs(5),
            durability: Durability::Full,
            read_only: false,
            prepare_statements: true,
        }
    }
}

/// Driver errors become ledger errors here: busy and locked are
/// [`LedgerError::Busy`], anything else [`LedgerError::Backend`] with the
/// driver's error as its source ([`SqliteStore`] adds the file's name).
impl From<rusqlite::Error> for LedgerError {
    fn from(e: rusqlite::Error) -> LedgerError {
        use rusqlite::ffi::ErrorCode;
        match e.sqlite_error_code() {
            Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => {
                LedgerError::Busy { timeout_ms: 0 }
            }
            Some(ErrorCode::CannotOpen) => LedgerError::Backend {
                message: "cannot be opened (SQLite: unable to open database file); the file and its directory must be readable, and writable for a command that writes (a read-only mount is not)".into(),
                source: Box::new(e),
            },
            _ => match e {
                rusqlite::Error::FromSqlConversionFailure(..)
                | rusqlite::Error::InvalidColumnType(..)
                | rusqlite::Error::IntegralValueOutOfRange(..) => {
                    LedgerError::Corrupt(format!("a stored value has the wrong type ({e})"))
                }
                e => LedgerError::Backend {
                    message: e.to_string(),
                    source: Box::new(e),
                },
            },
        }
    }
}

/// A ledger file.
pub struct SqliteStore {
    conn: Connection,
    path: PathBuf,
    timeout_ms: u64,
    read_only: bool,
    /// The file has the first schema (opened read-only, so not migrated).
    legacy: bool,
}

impl std::fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteStore")
            .field("path", &self.path)
            .finish()
    }
}

fn file_err(path: &Path, message: impl Into<String>) -> LedgerError {
    LedgerError::File {
        path: path.display().to_string(),
        message: message.into(),
    }
}

/// Puts the file's name in front of a storage error.
fn locate(path: &Path, e: LedgerError) -> LedgerError {
    match e {
        LedgerError::Backend { message, source } => LedgerError::Backend {
            message: format!("{}: {message}", path.display()),
            source,
        },
        other => other,
    }
}

impl SqliteStore {
    /// Opens an existing ledger file, migrating an older schema to
    /// `target` with `steps` (in one transaction, with a journal entry made
    /// by `record`), and refusing files that are not ledgers or are newer.
    pub(crate) fn open(
        path: &Path,
        opts: &OpenOptions,
        steps: &[Migration],
        target: i32,
        record: &mut dyn FnMut(&mut dyn StoreTx, i32, i32) -> Result<()>,
    ) -> Result<SqliteStore> {
        let ms = opts.busy_ms();
        let mut inner = || -> Result<SqliteStore> {
            check_file(path, !opts.read_only, target)?;
            let conn = connect(path, opts, target)?;
            let mut store = SqliteStore {
                conn,
                path: path.to_path_buf(),
                timeout_ms: ms,
                read_only: opts.read_only,
                legacy: false,
            };
            let mut version = store.schema_version()?;
            if !opts.read_only && version < target {
                store.migrate(steps, target, record)?;
                version = store.schema_version()?;
            }
            store.legacy = version < 2;
            Ok(store)
        };
        inner().map_err(|e| locate(path, e.with_timeout(ms)))
    }

    /// Brings the file from its version to `target` in one transaction. A
    /// no-op if another process got there first.
    fn migrate(
        &mut self,
        steps: &[Migration],
        target: i32,
        record: &mut dyn FnMut(&mut dyn StoreTx, i32, i32) -> Result<()>,
    ) -> Result<()> {
        let t = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let from: i32 = t.pragma_query_value(None, "user_version", |r| r.get(0))?;
        if from >= target {
            return Ok(());
        }
        for v in from..target {
            let step = steps.iter().find(|m| m.from == v).ok_or_else(|| {
                LedgerError::Conflict(format!(
                    "no migration from ledger schema {v}; this genbudget cannot read this file"
                ))
            })?;
            t.execute_batch(step.sql)?;
        }
        t.pragma_update(None, "user_version", target)?;
        record(&mut SqliteTx::new(&t, from < 2 && target < 2), from, target)?;
        t.commit()?;
        Ok(())
    }

    /// Creates a new ledger at `path`, with its first entries written by
    /// `fill`. Returns false (and leaves the file alone) if something
    /// already exists there.
    pub(crate) fn create(
        path: &Path,
        now: DateTime<Utc>,
        fill: &mut dyn FnMut(&mut dyn StoreTx) -> Result<()>,
    ) -> Result<bool> {
        check_dir(path)?;
        if fs::symlink_metadata(path).is_ok() {
            if fs::metadata(path).is_err() {
                let target =
                    fs::read_link(path).map_or_else(|_| "?".into(), |t| t.display().to_string());
                return Err(file_err(
                    path,
                    format!(
                        "is a symbolic link to {target}, which does not exist; init does not create a ledger through a link: remove the link, or give --db the target's path"
                    ),
                ));
            }
            return Ok(false);
        }
        let name = path
            .file_name()
            .map_or("ledger".into(), |n| n.to_string_lossy().into_owned());
        sweep_stale_inits(path, &name);
        let tmp = parent(path).join(format!(
            ".{name}.init-{}-{}",
            std::process::id(),
            now.timestamp_nanos_opt().unwrap_or_default()
        ));
        let built = build(&tmp, fill).map_err(|e| locate(path, e));
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
        let _ = fs::remove_file(format!("{}-journal", tmp.display()));
        let created = linked?;
        // Make the new directory entry durable too.
        if let Ok(dir) = fs::File::open(parent(path)) {
            let _ = dir.sync_all();
        }
        Ok(created)
    }

    /// The file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn fail(&self, e: LedgerError) -> LedgerError {
        locate(&self.path, e.with_timeout(self.timeout_ms))
    }
}

impl Store for SqliteStore {
    fn write(&mut self, f: &mut dyn FnMut(&mut dyn StoreTx) -> Result<bool>) -> Result<()> {
        let legacy = self.legacy;
        let mut run = |conn: &mut Connection| -> Result<()> {
            let t = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            if f(&mut SqliteTx::new(&t, legacy))? {
                t.commit()?;
            }
            Ok(())
        };
        run(&mut self.conn).map_err(|e| self.fail(e))
    }

    fn read(&mut self, f: &mut dyn FnMut(&mut dyn StoreTx) -> Result<()>) -> Result<()> {
        let legacy = self.legacy;
        let mut run = |conn: &mut Connection| -> Result<()> {
            let t = conn.transaction_with_behavior(TransactionBehavior::Deferred)?;
            f(&mut SqliteTx::new(&t, legacy))?;
            t.finish()?;
            Ok(())
        };
        run(&mut self.conn).map_err(|e| self.fail(e))
    }

    fn any_overdue(&mut self, now: DateTime<Utc>) -> Result<bool> {
        let found = self
            .conn
            .prepare_cached("SELECT 1 FROM holds WHERE state = 'open' AND expires_at <= ?1 LIMIT 1")
            .and_then(|mut s| s.query_row([now.timestamp_micros()], |_| Ok(())).optional())
            .map_err(|e| self.fail(e.into()))?;
        Ok(found.is_some())
    }

    fn schema_version(&mut self) -> Result<i32> {
        self.conn
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .map_err(|e| self.fail(e.into()))
    }

    fn location(&self) -> String {
        self.path.display().to_string()
    }

    /// Copies committed pages from the `-wal` file into the database file
    /// (`wal_checkpoint(PASSIVE)`; closing removes the `-wal` file) and closes. Another process reading at
    /// the same time can keep the copy from finishing; that is not an error
    /// (the last connection to close copies the rest). A failure to write
    /// (a full disk) is: the changes are safe in the `-wal` file, which must
    /// stay next to the database file until a later command copies them.
    fn close(self: Box<Self>) -> Result<()> {
        let SqliteStore {
            conn,
            path,
            read_only,
            ..
        } = *self;
        let unfinished = |e: rusqlite::Error| {
            let wal = format!("{}-wal", path.display());
            LedgerError::Backend {
                message: format!(
                    "{}: the change is committed, but copying it from {wal} into the ledger file failed ({e}); keep {wal} next to {} (together they are the ledger) until a later command completes the copy",
                    path.display(),
                    path.display()
                ),
                source: Box::new(e),
            }
        };
        if !read_only {
            conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |r| r.get::<_, i64>(0))
                .map_err(unfinished)?;
        }
        conn.close().map_err(|(_, e)| unfinished(e))
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
                "the directory {} does not exist; create it or choose another path",
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
fn check_file(path: &Path, need_write: bool, max_version: i32) -> Result<()> {
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
    if !meta.is_file() {
        return Err(file_err(
            path,
            "is not a regular file (a FIFO, socket or device), so not a genbudget ledger; it was left untouched",
        ));
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
    if version < 1 && need_write {
        return Err(file_err(
            path,
            format!(
                "has ledger schema version {version}, which no genbudget writes (its header was changed); nothing was written. `genbudget ledger verify` says more"
            ),
        ));
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
fn connect(path: &Path, opts: &OpenOptions, max_version: i32) -> Result<Connection> {
    let writable = fs::metadata(path).is_ok_and(|m| !m.permissions().readonly());
    let conn = if opts.read_only && !writable {
        read_only_connection(path)?
    } else {
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        // The first read is where a read-only mount shows: SQLite cannot make
        // its `-shm` file there. A reading command then falls back.
        let opened = Connection::open_with_flags(path, flags).and_then(|c| {
            c.pragma_query_value(None, "user_version", |r| r.get::<_, i32>(0))?;
            Ok(c)
        });
        match opened {
            Ok(c) => c,
            Err(e) if opts.read_only && cannot_write(&e) => read_only_connection(path)?,
            Err(e) => return Err(e.into()),
        }
    };
    conn.busy_timeout(Duration::from_millis(opts.busy_ms()))?;
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

/// Removes what an `init` killed half-way left behind: its temporary file
/// `.NAME.init-PID-NANOS` (and that file's `-journal`) when process PID is
/// gone. Only where `/proc` tells which processes live (Linux).
fn sweep_stale_inits(path: &Path, name: &str) {
    let dir = parent(path);
    if !Path::new("/proc/self").exists() {
        return;
    }
    let prefix = format!(".{name}.init-");
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let file = e.file_name().to_string_lossy().into_owned();
        let Some(rest) = file.strip_prefix(&prefix) else {
            continue;
        };
        let pid = rest.split('-').next().unwrap_or_default();
        if pid.parse::<u32>().is_ok() && !Path::new("/proc").join(pid).exists() {
            let _ = fs::remove_file(e.path());
        }
    }
}

/// Whether a `-wal` file with committed changes sits next to the ledger.
fn wal_pending(path: &Path) -> bool {
    fs::metadata(format!("{}-wal", path.display())).is_ok_and(|m| m.len() > 0)
}

/// Whether SQLite failed for want of somewhere to write (a read-only file,
/// directory or mount).
fn cannot_write(e: &rusqlite::Error) -> bool {
    use rusqlite::ffi::ErrorCode;
    matches!(
        e.sqlite_error_code(),
        Some(ErrorCode::CannotOpen | ErrorCode::ReadOnly)
    )
}

/// A connection for reading a ledger this process may not write: a file
/// without write permission, or one on a read-only mount. With no pending
/// `-wal` file it is opened `immutable` (SQLite then makes no `-wal` or
/// `-shm` file, which would otherwise be left behind and, owned by the
/// reader, block later writers); with one, read-only (SQLite needs to read
/// the `-wal` file, and its directory must take a `-shm` file).
fn read_only_connection(path: &Path) -> Result<Connection> {
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    if wal_pending(path) {
        return Connection::open_with_flags(path, flags).map_err(|e| {
            file_err(
                path,
                format!(
                    "cannot be read where it is ({e}): its {}-wal file holds committed changes, and SQLite needs to write a -shm file beside them; copy both files to a writable directory and read the copy",
                    path.display()
                ),
            )
        });
    }
    let uri = format!(
        "file:{}?immutable=1",
        path.display()
            .to_string()
            .replace('%', "%25")
            .replace('?', "%3f")
            .replace('#', "%23")
    );
    Ok(Connection::open_with_flags(
        uri,
        flags | OpenFlags::SQLITE_OPEN_URI,
    )?)
}

fn build(tmp: &Path, fill: &mut dyn FnMut(&mut dyn StoreTx) -> Result<()>) -> Result<()> {
    let mut conn = Connection::open(tmp)?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    let t = conn.transaction()?;
    t.pragma_update(None, "application_id", APPLICATION_ID)?;
    t.pragma_update(None, "user_version", SCHEMA_VERSION)?;
    t.execute_batch(SCHEMA)?;
    fill(&mut SqliteTx::new(&t, false))?;
    t.commit()?;
    conn.close().map_err(|(_, e)| LedgerError::from(e))
}
