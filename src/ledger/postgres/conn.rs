//! One connection to PostgreSQL: the driver's async client driven by a
//! private single-thread runtime, the connection's prepared statements, and
//! the pipeline that sends several statements in one round trip.
//!
//! A [`Job`] is one statement with owned parameters ([`Param`]), so writes
//! can wait in a queue and travel with the next read (or the `COMMIT`).
//! [`Conn::run`] sends a list of jobs back to back, in order, before it
//! reads any answer (the server still runs them one after another, each in
//! its own extended-protocol exchange), and returns one result per job.
//!
//! A statement seen for the first time runs unnamed, with its parameter
//! types given (parse, bind and execute in the same round trip); from its
//! second use on it is prepared once per connection and reused, so a
//! long-lived connection (the library, the HTTP service) never parses the
//! same text twice. A connection opened with `prepare` off (the CLI's: one
//! command, few statements) runs everything unnamed: it never pays a round
//! trip to prepare, and leaves no named statement on a pooled session.

use std::collections::{HashMap, HashSet};
use std::future::Future;
use std::pin::Pin;
use std::task::Poll;

use tokio::runtime::Runtime;
use tokio_postgres::types::{ToSql, Type};
use tokio_postgres::{Client, Config, NoTls, Row, SimpleQueryMessage, Statement};
use tokio_postgres_rustls::MakeRustlsConnect;

/// Why [`Conn::connect`] made no connection.
#[derive(Debug)]
pub enum ConnectError {
    /// The driver's error (refused, TLS, authentication, …).
    Driver(tokio_postgres::Error),
    /// No answer within this long: connect, TLS, startup and
    /// authentication together.
    TimedOut(std::time::Duration),
}

/// `f`, or [`ConnectError::TimedOut`] once `limit` has passed.
async fn within<T>(
    limit: std::time::Duration,
    f: impl Future<Output = std::result::Result<T, tokio_postgres::Error>>,
) -> std::result::Result<T, ConnectError> {
    tokio::time::timeout(limit, f)
        .await
        .map_err(|_| ConnectError::TimedOut(limit))?
        .map_err(ConnectError::Driver)
}

/// An owned statement parameter (a queued write outlives its caller's
/// borrows).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Param {
    Int8(Option<i64>),
    Int4(Option<i32>),
    Text(Option<String>),
    Bytea(Vec<u8>),
    Bool(bool),
    /// Columns of many rows (`many.rs`).
    Int8s(Vec<Option<i64>>),
    Int4s(Vec<Option<i32>>),
    Texts(Vec<Option<String>>),
    Byteas(Vec<Vec<u8>>),
    Bools(Vec<bool>),
}

impl Param {
    fn sql(&self) -> &(dyn ToSql + Sync) {
        match self {
            Param::Int8(v) => v,
            Param::Int4(v) => v,
            Param::Text(v) => v,
            Param::Bytea(v) => v,
            Param::Bool(v) => v,
            Param::Int8s(v) => v,
            Param::Int4s(v) => v,
            Param::Texts(v) => v,
            Param::Byteas(v) => v,
            Param::Bools(v) => v,
        }
    }

    fn ty(&self) -> Type {
        match self {
            Param::Int8(_) => Type::INT8,
            Param::Int4(_) => Type::INT4,
            Param::Text(_) => Type::TEXT,
            Param::Bytea(_) => Type::BYTEA,
            Param::Bool(_) => Type::BOOL,
            Param::Int8s(_) => Type::INT8_ARRAY,
            Param::Int4s(_) => Type::INT4_ARRAY,
            Param::Texts(_) => Type::TEXT_ARRAY,
            Param::Byteas(_) => Type::BYTEA_ARRAY,
            Param::Bools(_) => Type::BOOL_ARRAY,
        }
    }
}

impl From<i64> for Param {
    fn from(v: i64) -> Param {
        Param::Int8(Some(v))
    }
}
impl From<Option<i64>> for Param {
    fn from(v: Option<i64>) -> Param {
        Param::Int8(v)
    }
}
impl From<i32> for Param {
    fn from(v: i32) -> Param {
        Param::Int4(Some(v))
    }
}
impl From<&str> for Param {
    fn from(v: &str) -> Param {
        Param::Text(Some(v.to_string()))
    }
}
impl From<String> for Param {
    fn from(v: String) -> Param {
        Param::Text(Some(v))
    }
}
impl From<&String> for Param {
    fn from(v: &String) -> Param {
        Param::Text(Some(v.clone()))
    }
}
impl From<Option<String>> for Param {
    fn from(v: Option<String>) -> Param {
        Param::Text(v)
    }
}
impl From<Option<&str>> for Param {
    fn from(v: Option<&str>) -> Param {
        Param::Text(v.map(String::from))
    }
}
impl From<&Option<String>> for Param {
    fn from(v: &Option<String>) -> Param {
        Param::Text(v.clone())
    }
}
impl From<&[u8]> for Param {
    fn from(v: &[u8]) -> Param {
        Param::Bytea(v.to_vec())
    }
}
impl From<&Vec<u8>> for Param {
    fn from(v: &Vec<u8>) -> Param {
        Param::Bytea(v.clone())
    }
}
impl From<bool> for Param {
    fn from(v: bool) -> Param {
        Param::Bool(v)
    }
}

/// `params![a, b]`: the owned parameters of a statement.
macro_rules! params {
    ($($e:expr),* $(,)?) => { vec![$($crate::ledger::postgres::conn::Param::from($e)),*] };
}
pub(super) use params;

/// One statement and its parameters.
#[derive(Clone, Debug)]
pub struct Job {
    pub sql: String,
    pub params: Vec<Param>,
}

impl Job {
    pub fn new(sql: impl Into<String>, params: Vec<Param>) -> Job {
        Job {
            sql: sql.into(),
            params,
        }
    }
}

/// A connection and what it has prepared.
pub struct Conn {
    rt: Runtime,
    client: Client,
    /// The connection task (it ends once the client is gone).
    done: tokio::task::JoinHandle<()>,
    stmts: HashMap<String, Statement>,
    /// Texts run once (unnamed): prepared on their next use.
    seen: HashSet<String>,
    /// Whether texts are prepared on their second use.
    prepare: bool,
}

type Boxed<'f, T> = Pin<Box<dyn Future<Output = T> + 'f>>;

/// Runs `futs` together, polling them in order (so the requests they send
/// leave in order: one pipeline), and returns their outputs in order.
async fn in_order<T>(mut futs: Vec<Boxed<'_, T>>) -> Vec<T> {
    let mut out: Vec<Option<T>> = futs.iter().map(|_| None).collect();
    std::future::poll_fn(|cx| {
        let mut waiting = false;
        for (f, o) in futs.iter_mut().zip(out.iter_mut()) {
            if o.is_none() {
                match f.as_mut().poll(cx) {
                    Poll::Ready(v) => *o = Some(v),
                    Poll::Pending => waiting = true,
                }
            }
        }
        if waiting {
            Poll::Pending
        } else {
            Poll::Ready(())
        }
    })
    .await;
    out.into_iter().flatten().collect()
}

impl Conn {
    /// Connects (TCP with TLS as `tls` says, or a Unix socket without
    /// TLS when `tls` is `None`), and authenticates, all within the
    /// config's `connect_timeout` per host: the driver's own timeout covers
    /// only the TCP connect, and a server (or a proxy) that accepts and
    /// then says nothing would otherwise hold the command for ever.
    pub fn connect(
        config: &Config,
        tls: Option<MakeRustlsConnect>,
        prepare: bool,
    ) -> std::result::Result<Conn, ConnectError> {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a single-thread runtime builds (no threads, no files)");
        let limit = config
            .get_connect_timeout()
            .copied()
            .unwrap_or(std::time::Duration::from_secs(10))
            * u32::try_from(config.get_hosts().len().max(1)).unwrap_or(u32::MAX);
        // The connection task runs whenever this connection waits on the
        // runtime (every call below), and ends when the client is dropped.
        let (client, done) = match tls {
            Some(tls) => {
                let (client, connection) = rt.block_on(within(limit, config.connect(tls)))?;
                (client, rt.spawn(async move { drop(connection.await) }))
            }
            None => {
                let (client, connection) = rt.block_on(within(limit, config.connect(NoTls)))?;
                (client, rt.spawn(async move { drop(connection.await) }))
            }
        };
        Ok(Conn {
            rt,
            client,
            done,
            stmts: HashMap::new(),
            seen: HashSet::new(),
            prepare,
        })
    }

    /// Whether the connection was lost (the next call would fail at once).
    pub fn is_closed(&self) -> bool {
        self.client.is_closed()
    }

    /// Runs a query in the simple protocol (text results, no parameters).
    pub fn simple(
        &mut self,
        sql: &str,
    ) -> std::result::Result<Vec<SimpleQueryMessage>, tokio_postgres::Error> {
        self.rt.block_on(self.client.simple_query(sql))
    }

    /// Runs `jobs` as one pipeline: one round trip for all of them. Each
    /// result is that job's rows (none for a write) or its error; after an
    /// error inside a transaction the later jobs fail too (the server
    /// refuses statements until a rollback).
    pub fn run(
        &mut self,
        jobs: &[Job],
    ) -> Vec<std::result::Result<Vec<Row>, tokio_postgres::Error>> {
        // Texts on their second use are prepared first (one round trip for
        // all of them); a text that fails to prepare runs unnamed, where its
        // error is reported.
        let mut fresh: Vec<&Job> = Vec::new();
        for j in jobs {
            if !self.stmts.contains_key(&j.sql)
                && self.seen.contains(&j.sql)
                && !fresh.iter().any(|f| f.sql == j.sql)
            {
                fresh.push(j);
            }
        }
        if !fresh.is_empty() {
            let client = &self.client;
            let futs: Vec<Boxed<'_, _>> = fresh
                .iter()
                .map(|j| {
                    let types: Vec<Type> = j.params.iter().map(Param::ty).collect();
                    Box::pin(async move { client.prepare_typed(&j.sql, &types).await })
                        as Boxed<'_, _>
                })
                .collect();
            for (j, s) in fresh.iter().zip(self.rt.block_on(in_order(futs))) {
                if let Ok(s) = s {
                    self.stmts.insert(j.sql.clone(), s);
                }
            }
        }
        let client = &self.client;
        let stmts = &self.stmts;
        let futs: Vec<Boxed<'_, _>> = jobs
            .iter()
            .map(|j| {
                let prepared = stmts.get(&j.sql).cloned();
                Box::pin(async move {
                    match prepared {
                        Some(s) => {
                            let refs: Vec<&(dyn ToSql + Sync)> =
                                j.params.iter().map(Param::sql).collect();
                            client.query(&s, &refs).await
                        }
                        None => {
                            let typed: Vec<(&(dyn ToSql + Sync), Type)> =
                                j.params.iter().map(|p| (p.sql(), p.ty())).collect();
                            client.query_typed(&j.sql, &typed).await
                        }
                    }
                }) as Boxed<'_, _>
            })
            .collect();
        let out = self.rt.block_on(in_order(futs));
        if self.prepare {
            for j in jobs {
                if !self.stmts.contains_key(&j.sql) && !self.seen.contains(&j.sql) {
                    self.seen.insert(j.sql.clone());
                }
            }
        }
        out
    }

    /// Closes the connection (the server is told; errors are moot: every
    /// transaction has ended).
    pub fn close(self) {
        let Conn {
            rt, client, done, ..
        } = self;
        drop(client);
        let _ = rt.block_on(async {
            tokio::time::timeout(std::time::Duration::from_secs(1), done).await
        });
    }
}
