//! What a PostgreSQL URL says (libpq's parameters, `sslmode`, the
//! password from the URL, `PGPASSWORD` or the password file), connecting,
//! and the driver's errors as ledger errors.

use std::str::FromStr;
use std::time::Duration;

use tokio_postgres::error::SqlState;
use tokio_postgres_rustls::MakeRustlsConnect;

use super::conn::{Conn, ConnectError};
use super::pgpass;
use super::tls::{self, SslMode};
use crate::ledger::error::{LedgerError, Result};
use crate::ledger::sqlite::OpenOptions;

/// Whether `location` names a PostgreSQL database: it starts
/// `postgres:` or `postgresql:` (in any case, after any spaces), or with
/// any other `scheme://`. What looks like a URL is never taken for a
/// file name: the driver then says what is wrong with it, and messages
/// show it without its password ([`redact`]).
pub fn is_url(location: &str) -> bool {
    let t = location.trim_start().to_ascii_lowercase();
    let scheme = t.split_once("://").is_some_and(|(s, _)| {
        s.starts_with(|c: char| c.is_ascii_alphabetic())
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || "+.-".contains(c))
    });
    scheme || t.starts_with("postgres:") || t.starts_with("postgresql:")
}

/// How the driver splits what follows `scheme://`: the user info runs to
/// the first `@`, whatever it holds (a password may have `/`, `?` or `:`
/// unencoded), the host to the next `/` or `?`, the database name to `?`,
/// and each parameter's value to `&`.
enum Authority<'a> {
    /// A URL the driver reads as its writer meant: the user name, if any
    /// (without the password), and the rest from the host on.
    Plain {
        user: Option<&'a str>,
        rest: &'a str,
    },
    /// The first `@` comes after the host (in the database name or a
    /// parameter), with no user info before the host: the driver would
    /// read everything up to that `@` as the user name and password.
    AtAfterHost { host: &'a str },
    /// Another `@` after the user info's, outside a parameter's value: a
    /// password holding an unencoded `@`, whose rest the driver would read
    /// as the host, the database name or a parameter.
    SecondAt { user: &'a str },
}

fn authority(rest: &str) -> Authority<'_> {
    let Some(at) = rest.find('@') else {
        return Authority::Plain { user: None, rest };
    };
    let user = rest[..at].split(':').next().unwrap_or_default();
    if user.contains(['/', '?']) {
        let end = rest.find(['/', '?']).unwrap_or(rest.len());
        return Authority::AtAfterHost { host: &rest[..end] };
    }
    let after = &rest[at + 1..];
    let (before_query, query) = after.split_once('?').unwrap_or((after, ""));
    let stray = before_query.contains('@')
        || query.split('&').filter(|p| !p.is_empty()).any(|p| {
            p.contains('@') && p.split_once('=').is_none_or(|(name, _)| name.contains('@'))
        });
    if stray {
        return Authority::SecondAt { user };
    }
    Authority::Plain {
        user: Some(user),
        rest: after,
    }
}

/// `url` without its password (for messages and documents): the user
/// info's password (up to the first `@`, as the driver reads it) and every
/// `password` parameter (also a percent-encoded name) go. A URL the driver
/// would misread around an `@` (`Authority`) is shown cut short: only
/// its user name, or only its host.
pub fn redact(url: &str) -> String {
    let Some(scheme_end) = url.find("://") else {
        return url.to_string();
    };
    let (scheme, rest) = url.split_at(scheme_end + 3);
    let (user, rest) = match authority(rest) {
        Authority::AtAfterHost { host } => return format!("{scheme}{host}/…"),
        Authority::SecondAt { user } => return format!("{scheme}{user}@…"),
        Authority::Plain { user, rest } => (user, rest),
    };
    let rest = match rest.split_once('?') {
        Some((path, query)) => {
            let kept: Vec<&str> = query
                .split('&')
                .filter(|p| {
                    let name = p.split('=').next().unwrap_or_default();
                    decode(name).trim() != "password"
                })
                .collect();
            if kept.is_empty() {
                path.to_string()
            } else {
                format!("{path}?{}", kept.join("&"))
            }
        }
        None => rest.to_string(),
    };
    match user {
        Some(user) => format!("{scheme}{user}@{rest}"),
        None => format!("{scheme}{rest}"),
    }
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
    /// Where the password came from (the URL, `PGPASSWORD`, the password
    /// file), if one was given.
    password_from: Option<String>,
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

/// Whether `url` names a port (after a host, or `port=`): the driver
/// reads a URL without one as port 5432, where libpq takes `PGPORT`.
pub(super) fn names_port(url: &str) -> bool {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let span = hosts_span(rest);
    let (hosts, query) = (&rest[span.clone()], &rest[span.end..]);
    let in_hosts = hosts.split(',').any(|h| match h.rfind(']') {
        Some(close) => h[close..].contains(':'),
        None => h.contains(':'),
    });
    let in_query = query
        .split_once('?')
        .is_some_and(|(_, q)| q.split('&').any(|p| p.starts_with("port=")));
    in_hosts || in_query
}

/// `base` (a URL before its `?`, naming no port) with `:port` after each
/// of its hosts.
pub(super) fn with_port(base: &str, port: u16) -> String {
    let Some((scheme, rest)) = base.split_once("://") else {
        return base.to_string();
    };
    let span = hosts_span(rest);
    if span.is_empty() {
        return base.to_string();
    }
    let hosts: Vec<String> = rest[span.clone()]
        .split(',')
        .map(|h| format!("{h}:{port}"))
        .collect();
    format!(
        "{scheme}://{}{}{}",
        &rest[..span.start],
        hosts.join(","),
        &rest[span.end..]
    )
}

/// Where the host list lies in `rest` (a URL after its `scheme://`):
/// after the user info's `@` (the first, as the driver reads it), up to
/// the path or the query.
fn hosts_span(rest: &str) -> std::ops::Range<usize> {
    let start = rest.find('@').map_or(0, |at| at + 1);
    let end = rest[start..]
        .find(['/', '?'])
        .map_or(rest.len(), |i| start + i);
    start..end
}

fn decode(v: &str) -> String {
    percent_encoding::percent_decode_str(v)
        .decode_utf8_lossy()
        .into_owned()
}

impl Target {
    pub(super) fn parse(url: &str, opts: &OpenOptions) -> Result<Target> {
        let shown = redact(url);
        // An `@` the driver would read otherwise than its writer meant is
        // refused; otherwise the host begins after the user info.
        let mut host_at = 0;
        if let Some(i) = url.find("://") {
            match authority(&url[i + 3..]) {
                Authority::AtAfterHost { .. } => {
                    return Err(bad_url(
                        &shown,
                        "has an `@` after its host (in the database name or a parameter such as `password=`) and no user name before the host: the driver would read everything up to that `@` as a user name and password. Write that `@` as %40",
                    ));
                }
                Authority::SecondAt { .. } => {
                    return Err(bad_url(
                        &shown,
                        "has a second `@`: the driver ends the user's password at the first `@` and would read the rest of it as the host or the database name. Write an `@` in the password (or the database name) as %40",
                    ));
                }
                Authority::Plain { rest, .. } => host_at = url.len() - rest.len(),
            }
        }
        // The driver reads the URL but not libpq's `verify-*` modes or
        // `sslrootcert`: those are taken out and handled here.
        // The query begins at the first `?` after the host (a `?` in the
        // password is the password's).
        let (base, query) = match url[host_at..].find('?') {
            Some(q) => (&url[..host_at + q], &url[host_at + q + 1..]),
            None => (url, ""),
        };
        let mut mode = std::env::var("PGSSLMODE").ok().filter(|v| !v.is_empty());
        let mut rootcert = std::env::var("PGSSLROOTCERT")
            .ok()
            .filter(|v| !v.is_empty());
        // Whether each came from the environment (its messages name it).
        let (mut mode_env, mut root_env) = (mode.is_some(), rootcert.is_some());
        let mut kept = Vec::new();
        for p in query.split('&').filter(|p| !p.is_empty()) {
            match p.split_once('=') {
                Some(("sslmode", v)) => (mode, mode_env) = (Some(decode(v)), false),
                Some(("sslrootcert", v)) => (rootcert, root_env) = (Some(decode(v)), false),
                _ => kept.push(p),
            }
        }
        let from_env = |var: &str, yes: bool, m: String| {
            if yes { format!("{var}: {m}") } else { m }
        };
        // As libpq, PGPORT is the port of a URL that names none (the
        // driver would read it as 5432): given to each host here.
        let pgport = match std::env::var("PGPORT")
            .ok()
            .filter(|p| !p.trim().is_empty())
        {
            Some(p) if !names_port(url) => Some(
                p.trim()
                    .parse::<u16>()
                    .ok()
                    .filter(|p| *p > 0)
                    .ok_or_else(|| {
                        bad_url(
                            &shown,
                            format!("PGPORT: `{p}` is not a port number (1 to 65535, e.g. 5432)"),
                        )
                    })?,
            ),
            _ => None,
        };
        let base = match pgport {
            Some(port) => with_port(base, port),
            None => base.to_string(),
        };
        let rebuilt = if kept.is_empty() {
            base
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
            Some(m) => SslMode::parse(&m)
                .map_err(|m| bad_url(&shown, from_env("PGSSLMODE", mode_env, m)))?,
            None => SslMode::Prefer,
        };
        if config.get_user().is_none() {
            let user = std::env::var("PGUSER")
                .or_else(|_| std::env::var("USER"))
                .unwrap_or_else(|_| "postgres".into());
            config.user(&user);
        }
        if let Some(port) = pgport {
            // A URL without hosts (a `host=` parameter, or none) has no
            // port either.
            if config.get_ports().is_empty() {
                config.port(port);
            }
        }
        if config.get_dbname().is_none() {
            if let Some(d) = std::env::var("PGDATABASE").ok().filter(|d| !d.is_empty()) {
                config.dbname(&d);
            }
        }
        // As libpq, an empty password in the URL is none: PGPASSWORD or
        // the password file may give one.
        let no_password =
            |c: &tokio_postgres::Config| c.get_password().is_none_or(<[u8]>::is_empty);
        // Where the password came from, for an authentication failure.
        let mut password_from = (!no_password(&config)).then(|| "the URL".to_string());
        if no_password(&config) {
            // As libpq, an empty PGPASSWORD is no password.
            if let Some(p) = std::env::var_os("PGPASSWORD").filter(|p| !p.is_empty()) {
                config.password(p.to_string_lossy().as_bytes());
                password_from = Some("PGPASSWORD".into());
            }
        }
        if config.get_hosts().is_empty() {
            let host = std::env::var("PGHOST").unwrap_or_else(|_| "localhost".into());
            config.host(&host);
        }
        let mut note = None;
        if no_password(&config) {
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
                    password_from =
                        pgpass::path().map(|f| format!("the password file {}", f.display()));
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
        let tls = tls::client_config(mode, rootcert.as_deref()).map_err(|m| {
            let env = root_env && m.starts_with("sslrootcert");
            bad_url(&shown, from_env("PGSSLROOTCERT", env, m))
        })?;
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
        let lock_ms = opts.busy_ms().max(1);
        Ok(Target {
            config,
            lock_ms,
            read_only: opts.read_only,
            prepare: opts.prepare_statements,
            tls: (!unix).then(|| MakeRustlsConnect::new(tls)),
            shown,
            note,
            password_from,
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
            let e = match e {
                ConnectError::Driver(e) => connect_error(self, e),
                ConnectError::TimedOut(limit) => LedgerError::Backend {
                    message: format!(
                        "cannot connect to PostgreSQL: no answer within {} s (connect, TLS and authentication; `connect_timeout=SECONDS` in the URL sets the limit per host); nothing was written (try again)",
                        limit.as_secs()
                    ),
                    source: Box::new(std::io::Error::from(std::io::ErrorKind::TimedOut)),
                },
            };
            locate(&self.shown, e)
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
        // One line: a detail may run over several (a deadlock's names
        // each waiting process on a line of its own).
        let one_line = |s: &str| s.lines().map(str::trim).collect::<Vec<_>>().join(" ");
        let mut m = format!("PostgreSQL: {}", one_line(db.message()));
        if let Some(d) = db.detail() {
            m.push_str(&format!(" ({})", one_line(d)));
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

fn connect_error(target: &Target, e: tokio_postgres::Error) -> LedgerError {
    let (shown, note) = (target.shown.as_str(), target.note.as_deref());
    if let Some(rustls::Error::InvalidCertificate(why)) = tls_cause(&e) {
        let name = matches!(
            why,
            rustls::CertificateError::NotValidForName
                | rustls::CertificateError::NotValidForNameContext { .. }
        );
        let hint = if name {
            "the host name in the URL is not one the certificate names: connect by a name it lists (sslmode=verify-ca checks the CA only)"
        } else {
            "it does not verify against the trusted roots (sslrootcert=PATH, or ~/.postgresql/root.crt, or the system's store); give the server's CA with sslrootcert=PATH"
        };
        return LedgerError::Backend {
            message: format!(
                "the server's TLS certificate was refused ({why}): {hint}, or use sslmode=prefer to encrypt without verifying; nothing was written"
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
        // permission to connect. PgBouncer says its own refusals with the
        // code 08P01, which otherwise means a lost connection: they are
        // told by their text.
        let auth = code.starts_with("28") || db.message().contains("authentication failed");
        let no_db = code == "3D000" || db.message().starts_with("no such database");
        if auth || no_db || code == "42501" {
            let hint = match (auth, &target.password_from, note) {
                (true, Some(from), _) => format!(" (the password came from {from})"),
                (true, None, Some(why)) => format!(
                    " (the password comes from the URL, PGPASSWORD or the password file; {why})"
                ),
                (true, None, None) => {
                    " (the password comes from the URL, PGPASSWORD or ~/.pgpass)".to_string()
                }
                (false, ..) => String::new(),
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

/// Driver errors become ledger errors here: lock timeouts are
/// [`LedgerError::Busy`]; serialization failures and deadlocks, a lost
/// connection or a server shutting down, and anything else are
/// [`LedgerError::Backend`] with a message that says whether to repeat and
/// the driver's error as its source.
impl From<tokio_postgres::Error> for LedgerError {
    fn from(e: tokio_postgres::Error) -> LedgerError {
        if let Some(code) = e.code() {
            if *code == SqlState::LOCK_NOT_AVAILABLE {
                return LedgerError::Busy { timeout_ms: 0 };
            }
            if *code == SqlState::T_R_SERIALIZATION_FAILURE
                || *code == SqlState::T_R_DEADLOCK_DETECTED
            {
                return LedgerError::Backend {
                    message: format!(
                        "PostgreSQL stopped this transaction to let a concurrent one finish ({}); nothing was written: repeat it with the same key",
                        describe(&e)
                    ),
                    source: Box::new(e),
                };
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
        if e.code() == Some(&SqlState::UNIQUE_VIOLATION)
            && e.as_db_error().and_then(|d| d.constraint()) == Some("journal_pkey")
        {
            // The head row names an entry older than the journal's newest:
            // an entry was added behind the ledger's back.
            return LedgerError::Corrupt(format!(
                "the journal head row is behind the journal's newest entry ({})",
                describe(&e)
            ));
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
            "the connection to PostgreSQL was lost ({}); a command that was writing wrote nothing, or, if the loss came during its commit, may have committed: repeat it (a repeat with the same key, or of `ledger copy`, finds the first result)",
            describe(&e)
        ),
        source: Box::new(e),
    }
}

/// The tables a role other than the ledger's owner needs UPDATE on (every
/// table but the journal, `settings` and `schema_version`, which are only
/// read or appended to).
const UPDATED_TABLES: &str = "genbudget.head, genbudget.users, genbudget.user_days, genbudget.org, genbudget.org_days, genbudget.grants, genbudget.holds, genbudget.tokens";

/// `name` as an SQL identifier (quoted unless plain lower case).
fn ident(name: &str) -> String {
    let plain = name.starts_with(|c: char| c.is_ascii_lowercase() || c == '_')
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if plain {
        name.to_string()
    } else {
        format!("\"{}\"", name.replace('"', "\"\""))
    }
}

impl Target {
    /// A storage error located ([`locate`]), and, where PostgreSQL refused
    /// a privilege, followed by the grants that would let this role in.
    pub(super) fn fail(&self, e: LedgerError) -> LedgerError {
        locate(&self.shown, self.privilege_hint(e))
    }

    fn privilege_hint(&self, e: LedgerError) -> LedgerError {
        let LedgerError::Backend { message, source } = e else {
            return e;
        };
        let refused = source
            .downcast_ref::<tokio_postgres::Error>()
            .and_then(tokio_postgres::Error::code)
            == Some(&SqlState::INSUFFICIENT_PRIVILEGE);
        if !refused {
            return LedgerError::Backend { message, source };
        }
        let role = ident(self.config.get_user().unwrap_or("CURRENT_USER"));
        let hint = if message.contains("for database") {
            let db = ident(self.config.get_dbname().unwrap_or("postgres"));
            format!(
                "the role may not create the ledger's schema here: run the command as the database's owner, or have the owner run `GRANT CREATE ON DATABASE {db} TO {role}`"
            )
        } else {
            format!(
                "the role lacks a privilege on the ledger: run genbudget as the role that ran `ledger init`, or have that role run `GRANT USAGE ON SCHEMA genbudget TO {role}; GRANT SELECT, INSERT ON ALL TABLES IN SCHEMA genbudget TO {role}; GRANT UPDATE ON {UPDATED_TABLES} TO {role}`"
            )
        };
        LedgerError::Backend {
            message: format!("{message}; {hint}"),
            source,
        }
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
