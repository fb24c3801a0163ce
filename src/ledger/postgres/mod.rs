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
//! The driver's `Client` runs its own single-threaded tokio runtime: call
//! the store from an ordinary thread (the HTTP service gives it one), never
//! from inside an async task.
//!
//! `tls` turns `sslmode` and `sslrootcert` into a rustls configuration,
//! `tx` is the [`StoreTx`] over one transaction.

pub mod schema;
mod tls;
mod tx;

use std::collections::HashMap;
use std::str::FromStr;
use std::time::Duration;

use chrono::{DateTime, Utc};
use postgres::error::SqlState;
use postgres::{Client, IsolationLevel, Statement};
use tokio_postgres_rustls::MakeRustlsConnect;

use super::error::{LedgerError, Result};
use super::journal::GENESIS;
use super::sqlite::schema::SCHEMA_VERSION;
use super::sqlite::{Durability, OpenOptions};
use super::store::{Store, StoreTx};
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
    config: postgres::Config,
    tls: MakeRustlsConnect,
    /// The URL without its password.
    shown: String,
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
        let mut config = postgres::Config::from_str(&rebuilt).map_err(|e| {
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
        config.ssl_mode(mode.driver());
        let tls = tls::client_config(mode, rootcert.as_deref()).map_err(|m| bad_url(&shown, m))?;
        if config.get_user().is_none() {
            let user = std::env::var("PGUSER")
                .or_else(|_| std::env::var("USER"))
                .unwrap_or_else(|_| "postgres".into());
            config.user(&user);
        }
        if config.get_password().is_none() {
            if let Some(p) = std::env::var_os("PGPASSWORD") {
                config.password(p.to_string_lossy().as_bytes());
            }
        }
        if config.get_hosts().is_empty() {
            let host = std::env::var("PGHOST").unwrap_or_else(|_| "localhost".into());
            config.host(&host);
        }
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
            tls: MakeRustlsConnect::new(tls),
            shown,
        })
    }

    fn connect(&self) -> Result<Client> {
        self.config
            .connect(self.tls.clone())
            .map_err(|e| locate(&self.shown, connect_error(&self.shown, e)))
    }
}

/// The driver's error and its causes, one text (never a password: the
/// driver's messages do not carry the connection string).
fn describe(e: &(dyn std::error::Error + 'static)) -> String {
    if let Some(db) = e
        .downcast_ref::<postgres::Error>()
        .and_then(postgres::Error::as_db_error)
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

fn connect_error(shown: &str, e: postgres::Error) -> LedgerError {
    if let Some(rustls::Error::InvalidCertificate(why)) = tls_cause(&e) {
        return LedgerError::Backend {
            message: format!(
                "the server's TLS certificate was refused ({why:?}): it does not verify against the trusted roots (sslrootcert=PATH, or ~/.postgresql/root.crt, or the system's store) for this host name; give the server's CA with sslrootcert=PATH, or use sslmode=prefer to encrypt without verifying; nothing was written"
            ),
            source: Box::new(e),
        };
    }
    if let Some(db) = e.as_db_error() {
        let code = db.code().code();
        // 28xxx: authentication; 3D000: no such database; 42501: no
        // permission to connect.
        if code.starts_with("28") || code == "3D000" || code == "42501" {
            let hint = if code.starts_with("28") {
                " (the password comes from the URL or PGPASSWORD)"
            } else {
                ""
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
impl From<postgres::Error> for LedgerError {
    fn from(e: postgres::Error) -> LedgerError {
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

fn is_io(e: &postgres::Error) -> bool {
    let mut cause = std::error::Error::source(e);
    while let Some(c) = cause {
        if c.is::<std::io::Error>() {
            return true;
        }
        cause = c.source();
    }
    e.to_string().starts_with("error communicating")
}

fn lost(e: postgres::Error) -> LedgerError {
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
    client: Client,
    /// Prepared statements of this connection, by SQL.
    stmts: HashMap<String, Statement>,
    timeout_ms: u64,
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

/// One row of a simple (unprepared, one round trip) query, as text.
fn simple_row(client: &mut Client, sql: &str) -> Result<Vec<Option<String>>> {
    for m in client.simple_query(sql)? {
        if let postgres::SimpleQueryMessage::Row(r) = m {
            return Ok((0..r.len()).map(|i| r.get(i).map(String::from)).collect());
        }
    }
    Ok(Vec::new())
}

fn look(client: &mut Client) -> Result<Found> {
    let row = simple_row(
        client,
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
        client,
        &format!("SELECT version FROM {NAMESPACE}.schema_version WHERE id = 1"),
    )?;
    match v.first().cloned().flatten() {
        None => Ok(Found::NotALedger),
        Some(t) => t
            .parse()
            .map(Found::Ledger)
            .map_err(|_| LedgerError::Corrupt(format!("schema_version `{t}` is not a number"))),
    }
}

impl PostgresStore {
    /// Opens the ledger in the database `url` names, refusing a database
    /// without one, or with a newer schema.
    pub(crate) fn open(url: &str, opts: &OpenOptions) -> Result<PostgresStore> {
        let target = Target::parse(url, opts)?;
        let ms = u64::try_from(opts.busy_timeout.as_millis()).unwrap_or(u64::MAX);
        let mut client = target.connect()?;
        let shown = target.shown.clone();
        let fail = |e: LedgerError| locate(&shown, e.with_timeout(ms));
        match look(&mut client).map_err(fail)? {
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
                client,
                stmts: HashMap::new(),
                timeout_ms: ms,
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
        let mut client = target.connect()?;
        let mut stmts = HashMap::new();
        let mut run = || -> Result<bool> {
            if !matches!(look(&mut client)?, Found::Nothing) {
                return Ok(false);
            }
            let mut t = client.transaction()?;
            match t.batch_execute(&format!("CREATE SCHEMA {NAMESPACE}")) {
                Ok(()) => {}
                // Another init got there first.
                Err(e) if e.code() == Some(&SqlState::DUPLICATE_SCHEMA) => return Ok(false),
                Err(e) if e.code() == Some(&SqlState::UNIQUE_VIOLATION) => return Ok(false),
                Err(e) => return Err(e.into()),
            }
            t.batch_execute(SCHEMA)?;
            t.batch_execute(REVOKE)?;
            t.execute(
                "INSERT INTO schema_version (id, version) VALUES (1, $1)",
                &[&SCHEMA_VERSION],
            )?;
            t.execute(
                "INSERT INTO head (id, seq, hash) VALUES (1, 0, $1)",
                &[&GENESIS.as_slice()],
            )?;
            let mut ptx = PostgresTx::new(t, &mut stmts, None);
            fill(&mut ptx)?;
            match ptx.into_inner().commit() {
                Ok(()) => Ok(true),
                Err(e) if e.code() == Some(&SqlState::UNIQUE_VIOLATION) => Ok(false),
                Err(e) => Err(e.into()),
            }
        };
        let created = run().map_err(|e| locate(&shown, e))?;
        let _ = client.close();
        Ok(created)
    }

    fn fail(&self, e: LedgerError) -> LedgerError {
        locate(&self.target.shown, e.with_timeout(self.timeout_ms))
    }

    /// Connects again if the connection was lost (a server restart): the
    /// next command works once the server is back.
    fn ready(&mut self) -> Result<()> {
        if self.client.is_closed() {
            self.client = self.target.connect()?;
            self.stmts.clear();
        }
        Ok(())
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
            let mut t = s.client.transaction()?;
            // Rule 1: the journal head row, locked first, orders writers.
            let lock = cached(
                &mut s.stmts,
                &mut t,
                "SELECT seq, hash FROM head WHERE id = 1 FOR UPDATE",
            )?;
            let row = t.query_one(&lock, &[])?;
            let head = tx::head_from(&row)?;
            let mut ptx = PostgresTx::new(t, &mut s.stmts, Some(head));
            if f(&mut ptx)? {
                ptx.into_inner().commit()?;
            } else {
                ptx.into_inner().rollback()?;
            }
            Ok(())
        };
        run(self).map_err(|e| self.fail(e))
    }

    fn read(&mut self, f: &mut dyn FnMut(&mut dyn StoreTx) -> Result<()>) -> Result<()> {
        let mut run = |s: &mut PostgresStore| -> Result<()> {
            s.ready()?;
            let t = s
                .client
                .build_transaction()
                .isolation_level(IsolationLevel::RepeatableRead)
                .read_only(true)
                .start()?;
            let mut ptx = PostgresTx::new(t, &mut s.stmts, None);
            f(&mut ptx)?;
            ptx.into_inner().commit()?;
            Ok(())
        };
        run(self).map_err(|e| self.fail(e))
    }

    fn any_overdue(&mut self, now: DateTime<Utc>) -> Result<bool> {
        let run = |s: &mut PostgresStore| -> Result<bool> {
            s.ready()?;
            let sql = "SELECT 1 FROM holds WHERE state = 'open' AND expires_at <= $1 LIMIT 1";
            if !s.stmts.contains_key(sql) {
                let st = s.client.prepare(sql)?;
                s.stmts.insert(sql.to_string(), st);
            }
            let st = s.stmts[sql].clone();
            Ok(s.client
                .query_opt(&st, &[&now.timestamp_micros()])?
                .is_some())
        };
        run(self).map_err(|e| self.fail(e))
    }

    fn schema_version(&mut self) -> Result<i32> {
        let run = |s: &mut PostgresStore| -> Result<i32> {
            s.ready()?;
            Ok(s.client
                .query_one("SELECT version FROM schema_version WHERE id = 1", &[])?
                .try_get(0)?)
        };
        run(self).map_err(|e| self.fail(e))
    }

    fn location(&self) -> String {
        self.target.shown.clone()
    }

    fn close(self: Box<Self>) -> Result<()> {
        let PostgresStore { client, target, .. } = *self;
        client
            .close()
            .map_err(|e| locate(&target.shown, LedgerError::from(e)))
    }
}

/// A prepared statement of this connection, prepared on first use.
fn cached(
    stmts: &mut HashMap<String, Statement>,
    t: &mut postgres::Transaction<'_>,
    sql: &str,
) -> Result<Statement> {
    if let Some(s) = stmts.get(sql) {
        return Ok(s.clone());
    }
    let s = t.prepare(sql)?;
    stmts.insert(sql.to_string(), s.clone());
    Ok(s)
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
