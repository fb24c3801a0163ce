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
//! earlier writer's commit (READ COMMITTED). Reads run in one REPEATABLE
//! READ, READ ONLY snapshot. A lock wait past the busy timeout, a
//! serialization failure or a deadlock is [`LedgerError::Busy`]; a lost or
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
//! `sslrootcert` into a rustls configuration, `tx` is the [`StoreTx`] over
//! one transaction.

mod conn;
mod pgpass;
pub mod schema;
mod tls;
mod tx;

use std::str::FromStr;
use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio_postgres::SimpleQueryMessage;
use tokio_postgres::error::SqlState;
use tokio_postgres_rustls::MakeRustlsConnect;

use super::error::{LedgerError, Result};
use super::journal::GENESIS;
use super::settings::Settings;
use super::sqlite::schema::SCHEMA_VERSION;
use super::sqlite::{Durability, OpenOptions};
use super::store::{Store, StoreTx};
use conn::{Conn, Job, params};
use schema::{NAMESPACE, REVOKE, SCHEMA};
use tls::SslMode;
use tx::PostgresTx;

/// Whether `location` names a PostgreSQL database (`postgres://…` or
/// `postgresql://…`).
pub fn is_url(location: &str) -> bool {
    location.starts_with("postgres://") || location.starts_with("postgresql://")
}

/// `url` without its password (for messages and documents): the user
/// info's password and any `password=` parameter are dropped.
pub fn redact(url: &str) -> String {
    let Some(scheme_end) = url.find("://") else {
        return url.to_string();
    };
    let (scheme, rest) = url.split_at(scheme_end + 3);
    let auth_end = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(auth_end);
    let authority = match authority.rfind('@') {
        Some(at) => {
            let (info, host) = authority.split_at(at);
            let user = info.split(':').next().unwrap_or_default();
            format!("{user}{host}")
        }
        None => authority.to_string(),
    };
    let tail = match tail.split_once('?') {
        Some((path, query)) => {
            let kept: Vec<&str> = query
                .split('&')
                .filter(|p| !p.starts_with("password="))
                .collect();
            if kept.is_empty() {
                path.to_string()
            } else {
                format!("{path}?{}", kept.join("&"))
            }
        }
        None => tail.to_string(),
    };
    format!("{scheme}{authority}{tail}")
}

/// What a URL says, ready to connect.
struct Target {
    config: tokio_postgres::Config,
    /// `None`: a Unix socket, never encrypted.
    tls: Option<MakeRustlsConnect>,
    /// The URL without its password.
    shown: String,
    /// Why the password file was not used, if it was not.
    note: Option<String>,
}

fn bad_url(shown: &str, message: impl std::fmt::Display) -> LedgerError {
    LedgerError::File {
        path: shown.to_string(),
        message: format!("{message}"),
    }
}

fn decode(v: &str) -> String {
    percent_encoding::percent_decode_str(v)
        .decode_utf8_lossy()
        .into_owned()
}

impl Target {
    fn parse(url: &str, opts: &OpenOptions) -> Result<Target> {
        let shown = redact(url);
        // The driver reads the URL but not libpq's `verify-*` modes or
        // `sslrootcert`: those are taken out and handled here.
        let (base, query) = url.split_once('?').unwrap_or((url, ""));
        let mut mode = std::env::var("PGSSLMODE").ok().filter(|v| !v.is_empty());
        let mut rootcert = std::env::var("PGSSLROOTCERT")
            .ok()
            .filter(|v| !v.is_empty());
        let mut kept = Vec::new();
        for p in query.split('&').filter(|p| !p.is_empty()) {
            match p.split_once('=') {
                Some(("sslmode", v)) => mode = Some(decode(v)),
                Some(("sslrootcert", v)) => rootcert = Some(decode(v)),
                _ => kept.push(p),
            }
        }
        let rebuilt = if kept.is_empty() {
            base.to_string()
        } else {
            format!("{base}?{}", kept.join("&"))
        };
        let mut config = tokio_postgres::Config::from_str(&rebuilt).map_err(|e| {
            bad_url(
                &shown,
                format!(
                    "is not a PostgreSQL URL the driver reads ({}); e.g. postgres://user@host:5432/dbname?sslmode=verify-full",
                    describe(&e)
                ),
            )
        })?;
        let mode = match mode {
            Some(m) => SslMode::parse(&m).map_err(|m| bad_url(&shown, m))?,
            None => SslMode::Prefer,
        };
        if config.get_user().is_none() {
            let user = std::env::var("PGUSER")
                .or_else(|_| std::env::var("USER"))
                .unwrap_or_else(|_| "postgres".into());
            config.user(&user);
        }
        if config.get_password().is_none() {
            // As libpq, an empty PGPASSWORD is no password.
            if let Some(p) = std::env::var_os("PGPASSWORD").filter(|p| !p.is_empty()) {
                config.password(p.to_string_lossy().as_bytes());
            }
        }
        if config.get_hosts().is_empty() {
            let host = std::env::var("PGHOST").unwrap_or_else(|_| "localhost".into());
            config.host(&host);
        }
        let mut note = None;
        if config.get_password().is_none() {
            let hosts: Vec<String> = config
                .get_hosts()
                .iter()
                .map(|h| match h {
                    tokio_postgres::config::Host::Tcp(name) => name.clone(),
                    tokio_postgres::config::Host::Unix(dir) => dir.display().to_string(),
                })
                .collect();
            let port = config.get_ports().first().copied().unwrap_or(5432);
            let user = config.get_user().unwrap_or_default().to_string();
            let db = config.get_dbname().unwrap_or(&user).to_string();
            match pgpass::lookup(&hosts, port, &db, &user) {
                pgpass::Lookup::Password(p) => {
                    config.password(p);
                }
                pgpass::Lookup::Ignored(why) => note = Some(why),
                pgpass::Lookup::Nothing => {}
            }
        }
        // As libpq: a Unix socket never leaves the machine and is never
        // encrypted, whatever sslmode says.
        let unix = config
            .get_hosts()
            .iter()
            .all(|h| !matches!(h, tokio_postgres::config::Host::Tcp(_)));
        let mode = if unix { SslMode::Disable } else { mode };
        config.ssl_mode(mode.driver());
        let tls = tls::client_config(mode, rootcert.as_deref()).map_err(|m| bad_url(&shown, m))?;
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(Duration::from_secs(10));
        }
        if config.get_tcp_user_timeout().is_none() {
            // A server that vanished (a host down, a network cut) is an
            // error after this long rather than a hang.
            config.tcp_user_timeout(Duration::from_secs(30));
        }
        if config.get_application_name().is_none() {
            config.application_name("genbudget");
        }
        // Session settings travel in the startup packet: no extra round
        // trip per command.
        let lock_ms = opts.busy_timeout.as_millis().max(1);
        let mut options = format!(
            "-c search_path={NAMESPACE} -c lock_timeout={lock_ms} -c idle_in_transaction_session_timeout=60000 -c synchronous_commit={}",
            match opts.durability {
                Durability::Full => "on",
                Durability::Normal => "off",
            }
        );
        if opts.read_only {
            options.push_str(" -c default_transaction_read_only=on -c statement_timeout=0");
        } else {
            options.push_str(" -c statement_timeout=60000");
        }
        if let Some(theirs) = config.get_options() {
            options = format!("{theirs} {options}");
        }
        config.options(&options);
        Ok(Target {
            config,
            tls: (!unix).then(|| MakeRustlsConnect::new(tls)),
            shown,
            note,
        })
    }

    fn connect(&self) -> Result<Conn> {
        Conn::connect(&self.config, self.tls.clone()).map_err(|e| {
            locate(
                &self.shown,
                connect_error(&self.shown, self.note.as_deref(), e),
            )
        })
    }
}

/// The driver's error and its causes, one text (never a password: the
/// driver's messages do not carry the connection string).
fn describe(e: &(dyn std::error::Error + 'static)) -> String {
    if let Some(db) = e
        .downcast_ref::<tokio_postgres::Error>()
        .and_then(tokio_postgres::Error::as_db_error)
    {
        let mut m = format!("PostgreSQL: {}", db.message());
        if let Some(d) = db.detail() {
            m.push_str(&format!(" ({d})"));
        }
        return m;
    }
    let mut text = e.to_string();
    let mut cause = e.source();
    while let Some(c) = cause {
        let s = c.to_string();
        if !text.contains(&s) {
            text.push_str(": ");
            text.push_str(&s);
        }
        cause = c.source();
    }
    text
}

/// The rustls error under a driver error, if the TLS handshake failed.
fn tls_cause<'e>(e: &'e (dyn std::error::Error + 'static)) -> Option<&'e rustls::Error> {
    let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(c) = cause {
        if let Some(r) = c.downcast_ref::<rustls::Error>() {
            return Some(r);
        }
        if let Some(io) = c.downcast_ref::<std::io::Error>() {
            if let Some(r) = io.get_ref().and_then(|i| i.downcast_ref::<rustls::Error>()) {
                return Some(r);
            }
        }
        cause = c.source();
    }
    None
}

fn connect_error(shown: &str, note: Option<&str>, e: tokio_postgres::Error) -> LedgerError {
    if let Some(rustls::Error::InvalidCertificate(why)) = tls_cause(&e) {
        return LedgerError::Backend {
            message: format!(
                "the server's TLS certificate was refused ({why:?}): it does not verify against the trusted roots (sslrootcert=PATH, or ~/.postgresql/root.crt, or the system's store) for this host name; give the server's CA with sslrootcert=PATH, or use sslmode=prefer to encrypt without verifying; nothing was written"
            ),
            source: Box::new(e),
        };
    }
    if e.as_db_error().is_none() && describe(&e).contains("password missing") {
        return LedgerError::File {
            path: shown.to_string(),
            message: format!(
                "cannot connect: the server asks for a password and none was given (in the URL, PGPASSWORD or ~/.pgpass){}",
                note.map(|n| format!("; {n}")).unwrap_or_default()
            ),
        };
    }
    if let Some(db) = e.as_db_error() {
        let code = db.code().code();
        // 28xxx: authentication; 3D000: no such database; 42501: no
        // permission to connect.
        if code.starts_with("28") || code == "3D000" || code == "42501" {
            let hint = match (code.starts_with("28"), note) {
                (true, Some(why)) => format!(
                    " (the password comes from the URL, PGPASSWORD or the password file; {why})"
                ),
                (true, None) => {
                    " (the password comes from the URL, PGPASSWORD or ~/.pgpass)".to_string()
                }
                (false, _) => String::new(),
            };
            return LedgerError::File {
                path: shown.to_string(),
                message: format!("cannot connect: {}{hint}", describe(&e)),
            };
        }
    }
    LedgerError::Backend {
        message: format!(
            "cannot connect to PostgreSQL ({}); nothing was written (try again)",
            describe(&e)
        ),
        source: Box::new(e),
    }
}

/// Driver errors become ledger errors here: lock timeouts, serialization
/// failures and deadlocks are [`LedgerError::Busy`], a lost connection or
/// anything else (a lost connection, a server shutting down, with a message
/// that says whether to repeat) [`LedgerError::Backend`] with the driver's
/// error as its source.
impl From<tokio_postgres::Error> for LedgerError {
    fn from(e: tokio_postgres::Error) -> LedgerError {
        if let Some(code) = e.code() {
            if *code == SqlState::LOCK_NOT_AVAILABLE
                || *code == SqlState::T_R_SERIALIZATION_FAILURE
                || *code == SqlState::T_R_DEADLOCK_DETECTED
            {
                return LedgerError::Busy { timeout_ms: 0 };
            }
            let c = code.code();
            if c.starts_with("08")
                || c.starts_with("57P")
                || *code == SqlState::IDLE_IN_TRANSACTION_SESSION_TIMEOUT
                || *code == SqlState::QUERY_CANCELED
            {
                return lost(e);
            }
        } else if e.is_closed() || e.as_db_error().is_none() && is_io(&e) {
            return lost(e);
        }
        let message = describe(&e);
        if message.starts_with("error deserializing") {
            return LedgerError::Corrupt(format!("a stored value has the wrong type ({message})"));
        }
        LedgerError::Backend {
            message,
            source: Box::new(e),
        }
    }
}

fn is_io(e: &tokio_postgres::Error) -> bool {
    let mut cause = std::error::Error::source(e);
    while let Some(c) = cause {
        if c.is::<std::io::Error>() {
            return true;
        }
        cause = c.source();
    }
    e.to_string().starts_with("error communicating")
}

fn lost(e: tokio_postgres::Error) -> LedgerError {
    LedgerError::Backend {
        message: format!(
            "the connection to PostgreSQL was lost ({}); a command that was writing wrote nothing, or, if the loss came during its commit, may have committed: repeat it with the same key (a repeat returns the first result)",
            describe(&e)
        ),
        source: Box::new(e),
    }
}

/// A ledger in a PostgreSQL database.
pub struct PostgresStore {
    target: Target,
    conn: Conn,
    timeout_ms: u64,
    /// Whether a write commits asynchronously and then waits for the log
    /// flush outside the head lock (see the module doc); otherwise it
    /// commits as the session's `synchronous_commit` says, inside the lock.
    flush_apart: bool,
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
                    to_regclass('{NAMESPACE}.schema_version') IS NOT NULL"
        ),
    )?;
    let yes = |i: usize| row.get(i).cloned().flatten().as_deref() == Some("t");
    if !yes(0) {
        return Ok(Found::Nothing);
    }
    if !yes(1) {
        return Ok(Found::NotALedger);
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

/// The schema version and the settings in one round trip, when the
/// database holds a ledger; `None` when it may not (then [`look`] says
/// what it holds).
fn open_fast(conn: &mut Conn) -> Result<Option<Opened>> {
    let job = Job::new(
        format!(
            "SELECT v.version, s.credit_value, s.currency, s.timezone, s.hold_ttl,
                    has_function_privilege('pg_catalog.pg_logical_emit_message(boolean, text, text)', 'EXECUTE')
             FROM {NAMESPACE}.schema_version v LEFT JOIN {NAMESPACE}.settings s ON s.id = 1
             WHERE v.id = 1"
        ),
        params![],
    );
    let rows = match conn.run(&[job]).pop().expect("one job, one result") {
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
        settings: tx::settings_at(r, 1).ok(),
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

/// The statement that makes a write durable (see the module doc): it
/// writes to the log and takes a transaction id, so its synchronous commit
/// flushes the log up to itself.
const FLUSH: &str = "SELECT pg_logical_emit_message(true, 'genbudget', 'flush')";

impl PostgresStore {
    /// Opens the ledger in the database `url` names, refusing a database
    /// without one, or with a newer schema.
    pub(crate) fn open(url: &str, opts: &OpenOptions) -> Result<PostgresStore> {
        let target = Target::parse(url, opts)?;
        let ms = u64::try_from(opts.busy_timeout.as_millis()).unwrap_or(u64::MAX);
        let mut conn = target.connect()?;
        let shown = target.shown.clone();
        let fail = |e: LedgerError| locate(&shown, e.with_timeout(ms));
        let (found, settings, may_flush) = match open_fast(&mut conn).map_err(fail)? {
            Some(o) => (Found::Ledger(o.version), o.settings, o.may_flush),
            None => (look(&mut conn).map_err(fail)?, None, false),
        };
        match found {
            Found::Nothing => Err(bad_url(
                &shown,
                "no ledger here (the database has no schema `genbudget`); create one with `genbudget ledger init` (or choose another --db)",
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
                    "has ledger schema version {v}, which no genbudget writes on PostgreSQL (the schema_version row was changed); nothing was written. `genbudget ledger verify` says more"
                ),
            )),
            Found::Ledger(_) => Ok(PostgresStore {
                target,
                conn,
                timeout_ms: ms,
                flush_apart: may_flush && opts.durability == Durability::Full,
                settings,
            }),
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
        let shown = target.shown.clone();
        let mut conn = target.connect()?;
        let mut run = || -> Result<bool> {
            if !matches!(look(&mut conn)?, Found::Nothing) {
                return Ok(false);
            }
            conn.simple("BEGIN")?;
            let made = conn
                .simple(&format!("CREATE SCHEMA {NAMESPACE}"))
                .and_then(|_| conn.simple(SCHEMA))
                .and_then(|_| conn.simple(REVOKE));
            if let Err(e) = made {
                let _ = conn.simple("ROLLBACK");
                // Another init got there first.
                if e.code() == Some(&SqlState::DUPLICATE_SCHEMA)
                    || e.code() == Some(&SqlState::UNIQUE_VIOLATION)
                {
                    return Ok(false);
                }
                return Err(e.into());
            }
            let mut t = PostgresTx::begun(&mut conn);
            t.exec(
                "INSERT INTO schema_version (id, version) VALUES (1, $1)",
                params![SCHEMA_VERSION],
            );
            t.exec(
                "INSERT INTO head (id, seq, hash) VALUES (1, 0, $1)",
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
        let created = run().map_err(|e| locate(&shown, e));
        conn.close();
        created
    }

    fn fail(&self, e: LedgerError) -> LedgerError {
        locate(&self.target.shown, e.with_timeout(self.timeout_ms))
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
    /// the same round trip, before it returns.
    fn after(&self) -> &'static [&'static str] {
        if self.flush_apart { &[FLUSH] } else { &[] }
    }
}

/// Puts the URL (without password) in front of a storage error.
fn locate(shown: &str, e: LedgerError) -> LedgerError {
    match e {
        LedgerError::Backend { message, source } => LedgerError::Backend {
            message: format!("{shown}: {message}"),
            source,
        },
        other => other,
    }
}

impl Store for PostgresStore {
    fn write(&mut self, f: &mut dyn FnMut(&mut dyn StoreTx) -> Result<bool>) -> Result<()> {
        let mut run = |s: &mut PostgresStore| -> Result<()> {
            s.ready()?;
            let after = s.after();
            // Rule 1: the journal head row, locked first, orders writers.
            let begin: &[&str] = if s.flush_apart {
                &["BEGIN", "SET LOCAL synchronous_commit = off"]
            } else {
                &["BEGIN"]
            };
            let mut t = PostgresTx::new(&mut s.conn, begin, true);
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
            let mut t = PostgresTx::new(
                &mut s.conn,
                &["START TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY"],
                false,
            );
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
                "SELECT 1 FROM holds WHERE state = 'open' AND expires_at <= $1 LIMIT 1",
                params![now.timestamp_micros()],
            );
            let rows = s.conn.run(&[job]).pop().expect("one job, one result")?;
            Ok(!rows.is_empty())
        };
        run(self).map_err(|e| self.fail(e))
    }

    fn schema_version(&mut self) -> Result<i32> {
        let run = |s: &mut PostgresStore| -> Result<i32> {
            s.ready()?;
            let job = Job::new("SELECT version FROM schema_version WHERE id = 1", params![]);
            let rows = s.conn.run(&[job]).pop().expect("one job, one result")?;
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
        // A password with `@` in it (percent-encoded or not).
        assert_eq!(redact("postgres://u:p@ss@h/d"), "postgres://u@h/d");
    }

    #[test]
    fn urls_are_told_from_paths() {
        assert!(is_url("postgres://h/d"));
        assert!(is_url("postgresql://h/d"));
        assert!(!is_url("ledger.db"));
        assert!(!is_url("./postgres://x"));
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
