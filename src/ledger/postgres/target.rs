//! What a PostgreSQL URL says (libpq's parameters, `sslmode`, the
//! password from the URL, `PGPASSWORD` or the password file), connecting,
//! and the driver's errors as ledger errors.

use std::str::FromStr;
use std::time::Duration;

use tokio_postgres::error::SqlState;
use tokio_postgres_rustls::MakeRustlsConnect;

use super::conn::Conn;
use super::pgpass;
use super::tls::{self, SslMode};
use crate::ledger::error::{LedgerError, Result};
use crate::ledger::sqlite::OpenOptions;

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
pub(super) struct Target {
    pub(super) config: tokio_postgres::Config,
    /// `None`: a Unix socket, never encrypted.
    pub(super) tls: Option<MakeRustlsConnect>,
    /// The URL without its password.
    pub(super) shown: String,
    /// Why the password file was not used, if it was not.
    pub(super) note: Option<String>,
    /// The lock timeout (the busy timeout), in ms.
    lock_ms: u64,
    /// Whether every transaction is read-only.
    read_only: bool,
    /// Whether connections prepare statements ([`Conn`]).
    prepare: bool,
}

pub(super) fn bad_url(shown: &str, message: impl std::fmt::Display) -> LedgerError {
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
    pub(super) fn parse(url: &str, opts: &OpenOptions) -> Result<Target> {
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
        // The settings travel with every transaction (`SET LOCAL`), never
        // in the startup packet's `options` (which connection poolers
        // refuse) nor on the session (which a transaction-mode pooler hands
        // to other clients): see [`Target::local`].
        let lock_ms = u64::try_from(opts.busy_timeout.as_millis().max(1)).unwrap_or(u64::MAX);
        Ok(Target {
            config,
            lock_ms,
            read_only: opts.read_only,
            prepare: opts.prepare_statements,
            tls: (!unix).then(|| MakeRustlsConnect::new(tls)),
            shown,
            note,
        })
    }

    /// The statement that follows every `BEGIN`: the transaction's lock
    /// and statement timeouts, how long it may sit idle, whether its
    /// `COMMIT` waits for the disk (`synchronous`), and read-only where the
    /// store was opened so. All `SET LOCAL`: nothing outlives the
    /// transaction, so a pooled server session carries nothing of ours to
    /// the next client. (Every statement names the schema `genbudget`, so
    /// no search path is needed either.)
    pub(super) fn local(&self, synchronous: bool) -> String {
        let mut set = vec![
            ("lock_timeout", self.lock_ms.to_string()),
            ("idle_in_transaction_session_timeout", "60000".to_string()),
            (
                "synchronous_commit",
                if synchronous { "on" } else { "off" }.to_string(),
            ),
        ];
        if self.read_only {
            set.push(("statement_timeout", "0".into()));
            set.push(("transaction_read_only", "on".into()));
        } else {
            set.push(("statement_timeout", "60000".into()));
        }
        format!(
            "SELECT {}",
            set.iter()
                .map(|(name, value)| format!("set_config('{name}', '{value}', true)"))
                .collect::<Vec<_>>()
                .join(", ")
        )
    }

    pub(super) fn connect(&self) -> Result<Conn> {
        Conn::connect(&self.config, self.tls.clone(), self.prepare).map_err(|e| {
            locate(
                &self.shown,
                connect_error(&self.shown, self.note.as_deref(), e),
            )
        })
    }
}

/// The driver's error and its causes, one text (never a password: the
/// driver's messages do not carry the connection string).
pub(super) fn describe(e: &(dyn std::error::Error + 'static)) -> String {
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

/// Puts the URL (without password) in front of a storage error.
pub(super) fn locate(shown: &str, e: LedgerError) -> LedgerError {
    match e {
        LedgerError::Backend { message, source } => LedgerError::Backend {
            message: format!("{shown}: {message}"),
            source,
        },
        other => other,
    }
}
