//! One PostgreSQL transaction as the ledger sees it: the journal, the cache
//! tables ([`Books`]) and the reads the operations, reports and `verify`
//! need ([`StoreTx`]). The SQL mirrors the SQLite backend's statement for
//! statement; `user` is quoted (a reserved word in PostgreSQL).
//!
//! Round trips are what a PostgreSQL write costs, and every writer waits
//! for the one holding the head lock, so a transaction spends as few as it
//! can:
//!
//! - Writes wait in a queue ([`PostgresTx::exec`]) and leave with the next
//!   read or the `COMMIT`, in one pipeline; so do `BEGIN` and the head lock,
//!   and a group's `SAVEPOINT`, `RELEASE` and `ROLLBACK TO`.
//! - [`StoreTx::prefetch`] sends the reads an operation announces in one
//!   pipeline; their answers, and every other read's, are kept, and the
//!   transaction's own common writes are applied to them (`keep.rs`; a
//!   rare write drops them), so a read asked twice is asked once.
//!
//! A reserve is so two round trips (`BEGIN`, lock and reads; writes and
//! `COMMIT`), and so is a settle.
//!
//! Rows are read strictly: a period, hold kind or state outside its set, or
//! a date that does not parse is [`LedgerError::Corrupt`] naming the table
//! and row.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use tokio_postgres::Row;

use crate::ledger::error::{LedgerError, Result};
use crate::ledger::journal::{Entry, Head};
use crate::ledger::period::day_text;
use crate::ledger::rules::Books;
use crate::ledger::settings::Settings;
use crate::ledger::state::{Counters, Delta, Grant, Hold, HoldState, Limits, PartyRow, Token};
use crate::ledger::store::{DayRows, Read, SpendColumn, SpendGroup, SpendQuery, StoreTx};
use crate::money::plain;

use super::conn::{Conn, Job, Param, params};
use super::keep::{self, Kept};
use super::many::{self, Shape};
use super::reads::{Answer, Key};
use super::rows::*;
use super::schema::TRIGGERS;

/// What a queued statement's answer is for.
#[derive(Debug)]
enum Want {
    /// A statement whose answer does not matter, only its success.
    Nothing,
    /// A write that can leave with others of its kind (`many.rs`).
    Write(Shape),
    /// The head lock: its row is the journal head.
    Head,
    /// The read the caller waits for.
    Rows,
    /// A prefetched read, to keep.
    Keep(Key),
    /// Prefetched reads asked as one statement (`many::reads`).
    KeepMany(Vec<Key>),
}

/// A transaction in progress (write or read).
pub(super) struct PostgresTx<'a> {
    conn: &'a mut Conn,
    /// Statements not yet sent, in order.
    queue: Vec<(Job, Want)>,
    /// Whether the server has seen this transaction's `BEGIN`.
    sent: bool,
    /// Whether a write was queued.
    wrote: bool,
    /// The journal head as locked or last written in this transaction.
    head: Option<Head>,
    /// The open savepoint: not sent yet (where in the queue it would go;
    /// a part that ends before anything is sent needs none), or sent.
    savepoint: Option<Savepoint>,
    /// The head when the last savepoint was made.
    savepoint_head: Option<Head>,
    /// Whether a write was queued since the last savepoint (its undoing
    /// then drops the kept answers the write changed).
    wrote_since_savepoint: bool,
    /// Answers kept, brought up to date by this transaction's own common
    /// writes (`keep.rs`); a rare write drops them all.
    kept: Kept,
    /// The user, day and change of the last counters change queued (it
    /// is merged with the next one if nothing came between).
    last_count: Option<(String, NaiveDate, Delta)>,
}

/// Where a group's part stands with its savepoint.
#[derive(Clone, Copy, Debug)]
enum Savepoint {
    /// Not sent: it goes at this place in the queue if the queue is sent
    /// before the part ends. A part that ends first (its reads all kept,
    /// its writes still queued) needs none: kept, its writes stay queued;
    /// undone, they are dropped unsent.
    Pending(usize),
    /// Sent: the part ends with `RELEASE` or `ROLLBACK TO`.
    Sent,
}

/// The lock that orders writers (rule 1).
pub(super) const HEAD_LOCK: &str = "SELECT seq, hash FROM genbudget.head WHERE id = 1 FOR UPDATE";

impl<'a> PostgresTx<'a> {
    /// A transaction whose first statements are `begin` (sent with the
    /// first read); `head_lock` adds the head lock after them.
    pub fn new(conn: &'a mut Conn, begin: &[&str], head_lock: bool) -> PostgresTx<'a> {
        let mut queue: Vec<(Job, Want)> = begin
            .iter()
            .map(|s| (Job::new(*s, params![]), Want::Nothing))
            .collect();
        if head_lock {
            queue.push((Job::new(HEAD_LOCK, params![]), Want::Head));
        }
        PostgresTx {
            conn,
            queue,
            sent: false,
            wrote: false,
            head: None,
            savepoint: None,
            savepoint_head: None,
            wrote_since_savepoint: false,
            kept: HashMap::new(),
            last_count: None,
        }
    }

    /// A transaction the server has already begun.
    pub fn begun(conn: &'a mut Conn) -> PostgresTx<'a> {
        let mut t = PostgresTx::new(conn, &[], false);
        t.sent = true;
        t
    }

    /// Keeps `settings` as the answer to [`StoreTx::settings`] (read when
    /// the store opened; they never change).
    pub fn know_settings(&mut self, settings: Settings) {
        self.kept.insert(Key::Settings, Answer::Settings(settings));
    }

    /// Sends the queue; returns the rows of the read marked [`Want::Rows`].
    fn flush(&mut self) -> Result<Vec<Row>> {
        if self.queue.is_empty() {
            return Ok(Vec::new());
        }
        // A part's statements reach the server: its savepoint goes first.
        if let Some(Savepoint::Pending(at)) = self.savepoint {
            self.queue
                .insert(at, (Job::new("SAVEPOINT op", params![]), Want::Nothing));
            self.savepoint = Some(Savepoint::Sent);
        }
        let (jobs, wants): (Vec<Job>, Vec<Want>) = coalesce(std::mem::take(&mut self.queue))
            .into_iter()
            .unzip();
        self.sent = true;
        let results = self.conn.run(&jobs);
        let mut first_error = None;
        let mut out = Vec::new();
        for (want, r) in wants.into_iter().zip(results) {
            let rows = match r {
                Ok(rows) => rows,
                Err(e) => {
                    first_error.get_or_insert(e);
                    continue;
                }
            };
            match want {
                Want::Nothing | Want::Write(_) => {}
                Want::Head => {
                    let r = rows.first().ok_or_else(|| {
                        LedgerError::Corrupt("the journal head row is missing".into())
                    })?;
                    self.head = Some(head_from(r)?);
                }
                Want::Rows => out = rows,
                // An answer that does not decode is not kept: the read
                // itself asks again and reports it.
                Want::Keep(k) => {
                    if let Ok(found) = k.answers(&rows) {
                        self.kept.extend(found);
                    }
                }
                Want::KeepMany(keys) => {
                    for (k, rows) in keys.iter().zip(many::split(rows, keys.len())) {
                        if let Ok(found) = k.answers(&rows) {
                            self.kept.extend(found);
                        }
                    }
                }
            }
        }
        match first_error {
            Some(e) => Err(e.into()),
            None => Ok(out),
        }
    }

    /// Queues a write (sent with the next read, savepoint end or commit)
    /// that drops every kept answer.
    pub fn exec(&mut self, sql: impl Into<String>, params: Vec<Param>) {
        self.kept.clear();
        self.queue_write(None, sql, params);
    }

    /// Queues a write whose effect on the kept answers the caller applies
    /// (`keep.rs`); with a `shape`, one that can leave with others of its
    /// kind (`many.rs`).
    fn queue_write(&mut self, shape: Option<Shape>, sql: impl Into<String>, params: Vec<Param>) {
        self.note_write();
        let want = shape.map_or(Want::Nothing, Want::Write);
        self.queue.push((Job::new(sql, params), want));
    }

    /// Notes that this transaction (and its open part) wrote.
    fn note_write(&mut self) {
        self.wrote = true;
        self.wrote_since_savepoint = true;
    }

    /// Runs a read now (with everything queued before it).
    fn rows(&mut self, sql: impl Into<String>, params: Vec<Param>) -> Result<Vec<Row>> {
        self.queue.push((Job::new(sql, params), Want::Rows));
        self.flush()
    }

    /// A read's answer: kept, or asked now.
    fn fetch(&mut self, key: Key) -> Result<Answer> {
        if let Some(a) = self.kept.get(&key) {
            return Ok(a.clone());
        }
        let job = key.job();
        let rows = self.rows(job.sql, job.params)?;
        let mut found = key.answers(&rows)?;
        let Some((k, a)) = found.pop() else {
            return Err(LedgerError::Corrupt(format!(
                "internal: no answer for {key:?}"
            )));
        };
        self.kept.insert(k, a.clone());
        Ok(a)
    }

    /// Commits: the queue, `COMMIT` and `after` in one round trip.
    pub fn commit(mut self, after: &[&str]) -> Result<()> {
        if !self.sent && !self.wrote {
            // Nothing reached the server and nothing was written.
            return Ok(());
        }
        self.queue
            .push((Job::new("COMMIT", params![]), Want::Nothing));
        for s in after {
            self.queue.push((Job::new(*s, params![]), Want::Nothing));
        }
        self.flush().map(drop)
    }

    /// Rolls back, then runs `after` (nothing to do if the server never
    /// saw the transaction).
    pub fn rollback(mut self, after: &[&str]) -> Result<()> {
        self.queue.clear();
        if !self.sent || self.conn.is_closed() {
            return Ok(());
        }
        self.queue
            .push((Job::new("ROLLBACK", params![]), Want::Nothing));
        for s in after {
            self.queue.push((Job::new(*s, params![]), Want::Nothing));
        }
        self.flush().map(drop)
    }

    fn all<T>(
        &mut self,
        sql: &str,
        params: Vec<Param>,
        f: fn(&dyn Cols) -> Result<T>,
    ) -> Result<Vec<T>> {
        self.rows(sql, params)?.iter().map(|r| f(r)).collect()
    }
}

/// Takes the answer of the expected shape (each [`Key`] has one).
macro_rules! answer {
    ($a:expr, $v:ident) => {
        match $a {
            Answer::$v(x) => Ok(x),
            other => Err(LedgerError::Corrupt(format!(
                "internal: a {} read answered {other:?}",
                stringify!($v)
            ))),
        }
    };
}

impl Books for PostgresTx<'_> {
    fn init(&mut self, s: &Settings) -> Result<()> {
        self.exec(
            "INSERT INTO genbudget.settings (id, credit_value, currency, timezone, hold_ttl) VALUES (1, $1, $2, $3, $4)",
            params![plain(s.credit_value), s.currency.code(), s.timezone.name(), s.hold_ttl],
        );
        self.exec(
            "INSERT INTO genbudget.org (id, cap, period, max_holds, open_holds, spent, held, overruns, limits_seq)
             VALUES (1, NULL, 'none', NULL, 0, 0, 0, 0, 1)",
            params![],
        );
        Ok(())
    }

    fn add_user(&mut self, id: &str, l: &Limits, seq: i64) -> Result<()> {
        self.exec(
            "INSERT INTO genbudget.users (id, cap, period, max_holds, open_holds, spent, held, allow_spent, allow_held, overruns, limits_seq)
             VALUES ($1, $2, $3, $4, 0, 0, 0, 0, 0, 0, $5)",
            params![id, l.cap.map(|m| m.0), l.period.as_str(), l.max_holds, seq],
        );
        Ok(())
    }

    fn set_limits(&mut self, user: Option<&str>, l: &Limits, seq: i64) -> Result<()> {
        let cap = l.cap.map(|m| m.0);
        // Rare (a limits change): asked now, to see that the row is there.
        let n = match user {
            Some(id) => self.rows(
                "UPDATE genbudget.users SET cap = $2, period = $3, max_holds = $4, limits_seq = $5 WHERE id = $1 RETURNING 1",
                params![id, cap, l.period.as_str(), l.max_holds, seq],
            )?,
            None => self.rows(
                "UPDATE genbudget.org SET cap = $1, period = $2, max_holds = $3, limits_seq = $4 WHERE id = 1 RETURNING 1",
                params![cap, l.period.as_str(), l.max_holds, seq],
            )?,
        }
        .len();
        self.kept.clear();
        self.note_write();
        if n != 1 {
            return Err(LedgerError::Corrupt(format!(
                "no cache row for {}",
                user.map_or("the org".to_string(), |u| format!("user `{u}`"))
            )));
        }
        Ok(())
    }

    fn add_grant(&mut self, g: &Grant) -> Result<()> {
        self.exec(
            r#"INSERT INTO genbudget.grants (key, "user", credits, expires, spent, held, seq) VALUES ($1, $2, $3, $4, $5, $6, $7)"#,
            params![&g.key, &g.user, g.credits, g.expires.map(day_text), g.spent, g.held, g.seq],
        );
        Ok(())
    }

    fn use_grant(&mut self, key: &str, spent: i64, held: i64) -> Result<()> {
        keep::use_grant(&mut self.kept, key, spent, held);
        self.queue_write(
            Some(Shape::UseGrant),
            "UPDATE genbudget.grants SET spent = spent + $2, held = held + $3 WHERE key = $1",
            params![key, spent, held],
        );
        Ok(())
    }

    fn count(&mut self, user: &str, d: NaiveDate, delta: &Delta) -> Result<()> {
        // Two changes in a row to one user's day (a settle returns its hold
        // and spends) are one statement: the changes add up.
        let last = self.queue.last().map(|(j, _)| j);
        let merged = self
            .last_count
            .take()
            .and_then(|prev| merge_count(last, &prev, user, d, delta));
        if merged.is_some() {
            self.queue.pop();
        }
        // The kept answers take this change alone (the one merged with it
        // was applied when it was queued).
        keep::count(&mut self.kept, user, d, delta);
        let delta = merged.unwrap_or(*delta);
        self.queue_write(Some(Shape::Count), COUNT_SQL, count_params(user, d, &delta));
        self.last_count = Some((user.to_string(), d, delta));
        Ok(())
    }

    fn hold(&mut self, key: &str) -> Result<Option<Hold>> {
        answer!(self.fetch(Key::Hold(key.into()))?, Hold)
    }

    fn open_hold(&mut self, h: &Hold) -> Result<()> {
        keep::open_hold(&mut self.kept, h);
        self.queue_write(
            Some(Shape::OpenHold),
            format!(
                "INSERT INTO genbudget.holds ({HOLD_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)"
            ),
            params![
                &h.key,
                h.kind.as_str(),
                &h.user,
                &h.model,
                day_text(h.day),
                h.credits,
                h.alloc.allow,
                h.alloc.grants_text(),
                &h.created_at,
                h.expires_at,
                h.state.as_str(),
                h.settled,
                h.overrun,
                h.seq,
                h.end_seq,
            ],
        );
        Ok(())
    }

    fn token(&mut self, name: &str) -> Result<Option<Token>> {
        self.rows(
            format!("SELECT {TOKEN_COLUMNS} FROM genbudget.tokens WHERE name = $1"),
            params![name],
        )?
        .first()
        .map(|r| token_from(r))
        .transpose()
    }

    fn add_token(&mut self, t: &Token) -> Result<()> {
        self.exec(
            format!("INSERT INTO genbudget.tokens ({TOKEN_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"),
            params![
                &t.name,
                t.role.as_str(),
                &t.user,
                &t.sha256,
                &t.created_at,
                t.seq,
                &t.revoked_at,
                t.revoked_seq,
            ],
        );
        Ok(())
    }

    fn revoke_token(&mut self, name: &str, seq: i64, at: &str) -> Result<()> {
        self.exec(
            "UPDATE genbudget.tokens SET revoked_at = $2, revoked_seq = $3 WHERE name = $1",
            params![name, at, seq],
        );
        Ok(())
    }

    fn end_hold(
        &mut self,
        key: &str,
        state: HoldState,
        settled: Option<i64>,
        overrun: bool,
        end_seq: i64,
    ) -> Result<()> {
        keep::end_hold(&mut self.kept, key, state, settled, overrun, end_seq);
        self.queue_write(
            Some(Shape::EndHold),
            "UPDATE genbudget.holds SET state = $2, settled = $3, overrun = $4, end_seq = $5 WHERE key = $1",
            params![key, state.as_str(), settled, overrun, end_seq],
        );
        Ok(())
    }
}

impl StoreTx for PostgresTx<'_> {
    fn head(&mut self) -> Result<Head> {
        if self.head.is_none() && self.queue.iter().any(|(_, w)| matches!(w, Want::Head)) {
            self.flush()?;
        }
        if let Some(h) = &self.head {
            return Ok(h.clone());
        }
        let rows = self.rows(
            "SELECT seq, hash FROM genbudget.head WHERE id = 1",
            params![],
        )?;
        head_from(
            rows.first()
                .ok_or_else(|| LedgerError::Corrupt("the journal head row is missing".into()))?,
        )
    }

    fn insert_entry(&mut self, e: &Entry) -> Result<()> {
        // The entry and the head row in one statement.
        keep::entry(&mut self.kept, e);
        self.queue_write(
            Some(Shape::Entry),
            format!(
                "WITH e AS (INSERT INTO genbudget.journal ({ENTRY_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12))
                 UPDATE genbudget.head SET seq = $1, hash = $12 WHERE id = 1"
            ),
            params![
                e.seq,
                &e.at,
                &e.kind,
                &e.user,
                &e.key,
                &e.model,
                &e.day,
                e.credits.map(|m| m.0),
                e.over.map(|m| m.0),
                &e.data,
                &e.prev_hash,
                &e.hash,
            ],
        );
        self.head = Some(Head {
            seq: e.seq,
            hash: e.hash.clone(),
        });
        Ok(())
    }

    fn entry(&mut self, seq: i64) -> Result<Option<Entry>> {
        answer!(self.fetch(Key::Entry(seq))?, Entry)
    }

    fn entries(&mut self, after: i64, f: &mut dyn FnMut(Entry) -> Result<()>) -> Result<()> {
        // In pages, so a large journal is never held at once.
        const PAGE: i64 = 10_000;
        let mut after = after;
        loop {
            let rows = self.rows(
                format!("SELECT {ENTRY_COLUMNS} FROM genbudget.journal WHERE seq > $1 ORDER BY seq LIMIT $2"),
                params![after, PAGE],
            )?;
            let n = rows.len();
            for r in &rows {
                let e = entry_from(r)?;
                after = e.seq;
                f(e)?;
            }
            if (n as i64) < PAGE {
                return Ok(());
            }
        }
    }

    fn settings(&mut self) -> Result<Settings> {
        answer!(self.fetch(Key::Settings)?, Settings)
    }

    fn user(&mut self, id: &str) -> Result<Option<PartyRow>> {
        answer!(self.fetch(Key::User(id.into()))?, User)
    }

    fn users(&mut self) -> Result<Vec<PartyRow>> {
        // `COLLATE "C"`: ids sort by bytes, as SQLite sorts them.
        self.all(
            &format!(r#"SELECT {USER_COLUMNS} FROM genbudget.users ORDER BY id COLLATE "C""#),
            params![],
            user_from,
        )
    }

    fn org(&mut self) -> Result<PartyRow> {
        answer!(self.fetch(Key::Org)?, Org)
    }

    fn user_days(&mut self, user: &str, start: NaiveDate, end: NaiveDate) -> Result<Counters> {
        answer!(
            self.fetch(Key::UserDays(user.into(), start, end))?,
            Counters
        )
    }

    fn org_days(&mut self, start: NaiveDate, end: NaiveDate) -> Result<Counters> {
        answer!(self.fetch(Key::OrgDays(start, end))?, Counters)
    }

    fn grant(&mut self, key: &str) -> Result<Option<Grant>> {
        answer!(self.fetch(Key::Grant(key.into()))?, Grant)
    }

    fn usable_grants(&mut self, user: &str, today: NaiveDate) -> Result<Vec<Grant>> {
        answer!(self.fetch(Key::Usable(user.into(), today))?, Grants)
    }

    fn overdue(&mut self, now: DateTime<Utc>) -> Result<Vec<Hold>> {
        answer!(self.fetch(Key::Overdue(now.timestamp_micros()))?, Holds)
    }

    fn prefetch(&mut self, reads: &[Read<'_>]) -> Result<()> {
        let mut asked = std::collections::HashSet::new();
        let mut fresh = Vec::new();
        for r in reads {
            for k in Key::of(r) {
                if !keep::has(&self.kept, &k) && asked.insert(k.clone()) {
                    fresh.push(k);
                }
            }
        }
        for (job, mut keys) in many::reads(fresh) {
            let want = match keys.len() {
                1 => Want::Keep(keys.remove(0)),
                _ => Want::KeepMany(keys),
            };
            self.queue.push((job, want));
        }
        // Everything kept: queued writes wait for the next read or the
        // `COMMIT`, no round trip now.
        if !asked.is_empty() {
            self.flush()?;
        }
        Ok(())
    }

    fn holds(&mut self, user: Option<&str>, all: bool) -> Result<Vec<Hold>> {
        let filter = match (user.is_some(), all) {
            (false, false) => "state = 'open'",
            (true, false) => r#"state = 'open' AND "user" = $1"#,
            (false, true) => "true",
            (true, true) => r#""user" = $1"#,
        };
        let sql = format!("SELECT {HOLD_COLUMNS} FROM genbudget.holds WHERE {filter} ORDER BY seq");
        match user {
            Some(u) => self.all(&sql, params![u], hold_from),
            None => self.all(&sql, params![], hold_from),
        }
    }

    fn spending(&mut self, q: &SpendQuery) -> Result<Vec<SpendGroup>> {
        let col = match q.by {
            SpendColumn::User => r#""user""#,
            SpendColumn::Model => "model",
            SpendColumn::Day => "day",
        };
        let sql = format!(
            r#"SELECT {col}, count(*), sum(credits)::bigint, count(over), coalesce(sum(over), 0)::bigint FROM genbudget.journal
             WHERE kind IN ('settle', 'charge')
               AND ($1::text IS NULL OR day >= $1) AND ($2::text IS NULL OR day <= $2)
               AND ($3::text IS NULL OR "user" = $3)
             GROUP BY {col}"#
        );
        let rows = self.rows(
            sql,
            params![q.from.map(day_text), q.to.map(day_text), &q.user],
        )?;
        rows.iter()
            .map(|r| {
                Ok(SpendGroup {
                    key: r.try_get(0)?,
                    jobs: r.try_get(1)?,
                    credits: r.try_get(2)?,
                    overruns: r.try_get(3)?,
                    over: r.try_get(4)?,
                })
            })
            .collect()
    }

    fn check_storage(&mut self) -> Result<Vec<String>> {
        let mut problems = Vec::new();
        let version: Option<i32> = self
            .rows(
                "SELECT version FROM genbudget.schema_version WHERE id = 1",
                params![],
            )?
            .first()
            .map(|r| r.try_get(0))
            .transpose()?;
        if version != Some(crate::ledger::SCHEMA_VERSION) {
            problems.push(format!(
                "the schema_version row says {}, which this genbudget does not write on PostgreSQL: the row was changed",
                version.map_or("nothing".into(), |v| v.to_string())
            ));
        }
        let rows = self.rows(
            "SELECT tgname::text, tgenabled::text FROM pg_trigger
             WHERE tgrelid = 'genbudget.journal'::regclass AND NOT tgisinternal",
            params![],
        )?;
        let found: HashMap<String, String> = rows
            .iter()
            .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
            .collect::<Result<_>>()?;
        for t in TRIGGERS {
            match found.get(t).map(String::as_str) {
                None => problems.push(format!(
                    "the journal's append-only trigger `{t}` is missing: the journal could have been edited"
                )),
                Some("A") => {}
                Some("D") => problems.push(format!(
                    "the journal's append-only trigger `{t}` is disabled: the journal could have been edited"
                )),
                Some(state) => problems.push(format!(
                    "the journal's append-only trigger `{t}` fires only in {} sessions (it should be ENABLE ALWAYS): the journal could have been edited",
                    if state == "R" { "replica" } else { "non-replica" }
                )),
            }
        }
        let head = self.rows(
            "SELECT seq, hash FROM genbudget.head WHERE id = 1",
            params![],
        )?;
        let head = head_from(
            head.first()
                .ok_or_else(|| LedgerError::Corrupt("the journal head row is missing".into()))?,
        )?;
        let last = self
            .rows(
                "SELECT seq, hash FROM genbudget.journal ORDER BY seq DESC LIMIT 1",
                params![],
            )?
            .first()
            .map(head_from)
            .transpose()?
            .unwrap_or_else(Head::genesis);
        if head != last {
            problems.push(format!(
                "the journal head row (seq {}) is not the journal's newest entry (seq {})",
                head.seq, last.seq
            ));
        }
        Ok(problems)
    }

    fn day_rows(&mut self) -> Result<DayRows> {
        let mut out = DayRows::default();
        let rows = self.rows(
            r#"SELECT "user", day, spent, held, allow_spent, allow_held, overruns FROM genbudget.user_days"#,
            params![],
        )?;
        for r in &rows {
            let user: String = r.try_get(0)?;
            let d: String = r.try_get(1)?;
            let d = day("user_days", &format!("{user}, {d}"), &d)?;
            out.users.insert((user, d), counters_from(r, 2, true)?);
        }
        let rows = self.rows(
            "SELECT day, spent, held, overruns FROM genbudget.org_days",
            params![],
        )?;
        for r in &rows {
            let d: String = r.try_get(0)?;
            let d = day("org_days", &d, &d)?;
            out.org.insert(d, counters_from(r, 1, false)?);
        }
        Ok(out)
    }

    fn savepoint(&mut self) -> Result<()> {
        self.savepoint_head = self.head.clone();
        self.savepoint = Some(Savepoint::Pending(self.queue.len()));
        self.wrote_since_savepoint = false;
        // A counters change is never merged across a part's start: undoing
        // the part must not take the one before it along.
        self.last_count = None;
        Ok(())
    }

    fn release(&mut self) -> Result<()> {
        // Queued like a write: a statement that fails later fails the
        // whole transaction, which is what a storage error does to a group
        // anyway (`Ledger::group`), so the next part's reads carry it.
        if let Some(Savepoint::Sent) = self.savepoint.take() {
            self.queue
                .push((Job::new("RELEASE op", params![]), Want::Nothing));
        }
        self.last_count = None;
        Ok(())
    }

    fn rollback_to(&mut self) -> Result<()> {
        // Answers read since the savepoint and before any write describe
        // the state the rollback returns to (the head lock keeps every
        // other writer out): a denial keeps them for the group's next
        // operations. A write changed them: drop them all.
        if self.wrote_since_savepoint {
            self.kept.clear();
        }
        self.head = self.savepoint_head.take();
        self.last_count = None;
        match self.savepoint.take() {
            // What this part queued never reached the server: drop it.
            Some(Savepoint::Pending(at)) => self.queue.truncate(at),
            _ => {
                // Everything queued came after the savepoint (the flush
                // that sent it emptied the queue).
                self.queue.clear();
                self.queue
                    .push((Job::new("ROLLBACK TO op", params![]), Want::Nothing));
                self.queue
                    .push((Job::new("RELEASE op", params![]), Want::Nothing));
            }
        }
        Ok(())
    }

    fn tokens(&mut self) -> Result<Vec<Token>> {
        self.all(
            &format!(r#"SELECT {TOKEN_COLUMNS} FROM genbudget.tokens ORDER BY name COLLATE "C""#),
            params![],
            token_from,
        )
    }

    fn grants(&mut self) -> Result<Vec<Grant>> {
        self.all(
            &format!(r#"SELECT {GRANT_COLUMNS} FROM genbudget.grants ORDER BY key COLLATE "C""#),
            params![],
            grant_from,
        )
    }
}

/// The queue as it is sent: each run of writes between two other
/// statements as [`many::run`] takes it together.
fn coalesce(queue: Vec<(Job, Want)>) -> Vec<(Job, Want)> {
    let mut out = Vec::with_capacity(queue.len());
    let mut run: Vec<(Shape, Job)> = Vec::new();
    let end_run = |run: &mut Vec<(Shape, Job)>, out: &mut Vec<(Job, Want)>| {
        out.extend(
            many::run(std::mem::take(run))
                .into_iter()
                .map(|j| (j, Want::Nothing)),
        );
    };
    for (job, want) in queue {
        match want {
            Want::Write(shape) => run.push((shape, job)),
            other => {
                end_run(&mut run, &mut out);
                out.push((job, other));
            }
        }
    }
    end_run(&mut run, &mut out);
    out
}

/// The statement that adds a change to a user's counters on a day: one
/// statement for the four rows (the user's totals and day, the org's totals
/// and day). Its parameters are [`count_params`].
const COUNT_SQL: &str = r#"WITH u AS (
             UPDATE genbudget.users SET open_holds = open_holds + $8, spent = spent + $3, held = held + $4,
                 allow_spent = allow_spent + $5, allow_held = allow_held + $6, overruns = overruns + $7
             WHERE id = $1 RETURNING 1
         ), ud AS (
             INSERT INTO genbudget.user_days AS d ("user", day, spent, held, allow_spent, allow_held, overruns)
             VALUES ($1, $2, $3, $4, $5, $6, $7)
             ON CONFLICT ("user", day) DO UPDATE SET spent = d.spent + excluded.spent,
                 held = d.held + excluded.held, allow_spent = d.allow_spent + excluded.allow_spent,
                 allow_held = d.allow_held + excluded.allow_held, overruns = d.overruns + excluded.overruns
             RETURNING 1
         ), o AS (
             UPDATE genbudget.org SET open_holds = open_holds + $8, spent = spent + $3, held = held + $4,
                 overruns = overruns + $7 WHERE id = 1 RETURNING 1
         )
         INSERT INTO genbudget.org_days AS d (day, spent, held, overruns) VALUES ($2, $3, $4, $7)
         ON CONFLICT (day) DO UPDATE SET spent = d.spent + excluded.spent,
             held = d.held + excluded.held, overruns = d.overruns + excluded.overruns"#;

fn count_params(user: &str, d: NaiveDate, delta: &Delta) -> Vec<Param> {
    let c = &delta.c;
    params![
        user,
        day_text(d),
        c.spent,
        c.held,
        c.allow_spent,
        c.allow_held,
        c.overruns,
        delta.open_holds,
    ]
}

/// The change that replaces `prev` (the last change queued: user, day,
/// delta) and `delta`, if the two are one user's day and `prev`'s statement
/// is still the last one queued (nothing came between); `None` keeps them
/// apart.
fn merge_count(
    last: Option<&Job>,
    prev: &(String, NaiveDate, Delta),
    user: &str,
    d: NaiveDate,
    delta: &Delta,
) -> Option<Delta> {
    let (u, day, before) = prev;
    let queued = last?;
    if u != user
        || *day != d
        || queued.sql != COUNT_SQL
        || queued.params != count_params(u, *day, before)
    {
        return None;
    }
    sum(before, delta)
}

/// `a + b`, or `None` if a sum would overflow (then both stay queued and
/// the server reports the overflow as it would have).
fn sum(a: &Delta, b: &Delta) -> Option<Delta> {
    Some(Delta {
        c: Counters {
            spent: a.c.spent.checked_add(b.c.spent)?,
            held: a.c.held.checked_add(b.c.held)?,
            allow_spent: a.c.allow_spent.checked_add(b.c.allow_spent)?,
            allow_held: a.c.allow_held.checked_add(b.c.allow_held)?,
            overruns: a.c.overruns.checked_add(b.c.overruns)?,
        },
        open_holds: a.open_holds.checked_add(b.open_holds)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn delta(spent: i64, held: i64, open_holds: i64) -> Delta {
        Delta {
            c: Counters {
                spent,
                held,
                allow_spent: spent,
                allow_held: held,
                overruns: 0,
            },
            open_holds,
        }
    }

    #[test]
    fn a_settles_two_changes_add_up_and_an_overflow_keeps_them_apart() {
        // A settle of a 40-credit hold for 30: the hold's return
        // (held -40, one hold fewer), then the spend (spent +30).
        let s = sum(&delta(0, -40, -1), &delta(30, 0, 0)).unwrap();
        assert_eq!(s, delta(30, -40, -1));
        // i64::MAX + 1 does not fit: no sum, both statements stay.
        assert_eq!(sum(&delta(i64::MAX, 0, 0), &delta(1, 0, 0)), None);
    }

    #[test]
    fn a_change_merges_only_with_the_same_days_change_queued_just_before() {
        let d = NaiveDate::from_ymd_opt(2026, 4, 20).unwrap();
        let prev = ("alice".to_string(), d, delta(0, -40, -1));
        let queued = Job::new(COUNT_SQL, count_params("alice", d, &prev.2));
        // The settle's spend after its hold's return: one change.
        assert_eq!(
            merge_count(Some(&queued), &prev, "alice", d, &delta(30, 0, 0)),
            Some(delta(30, -40, -1))
        );
        // Another user, another day, nothing queued, or something queued
        // since (a savepoint; a change whose parameters differ): apart.
        let change = delta(30, 0, 0);
        assert_eq!(merge_count(Some(&queued), &prev, "bob", d, &change), None);
        let next_day = d.succ_opt().unwrap();
        assert_eq!(
            merge_count(Some(&queued), &prev, "alice", next_day, &change),
            None
        );
        assert_eq!(merge_count(None, &prev, "alice", d, &change), None);
        let savepoint = Job::new("SAVEPOINT op", params![]);
        assert_eq!(
            merge_count(Some(&savepoint), &prev, "alice", d, &change),
            None
        );
        let other = Job::new(COUNT_SQL, count_params("alice", d, &delta(1, 0, 0)));
        assert_eq!(merge_count(Some(&other), &prev, "alice", d, &change), None);
    }
}
