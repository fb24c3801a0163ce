//! One SQLite transaction as the ledger sees it: the journal, the cache
//! tables ([`Books`]) and the reads the operations, reports and `verify`
//! need ([`StoreTx`]).
//!
//! Rows are read strictly: a period, hold kind or state outside its set, a
//! date that does not parse, or a value of the wrong type is
//! [`LedgerError::Corrupt`] naming the table and row.

use chrono::{DateTime, NaiveDate, Utc};
use rusqlite::{Connection, OptionalExtension, Row, params};

use crate::ledger::error::{LedgerError, Result};
use crate::ledger::journal::{Entry, Head};
use crate::ledger::period::day_text;
use crate::ledger::rules::Books;
use crate::ledger::settings::Settings;
use crate::ledger::state::{Counters, Delta, Grant, Hold, HoldState, Limits, PartyRow, Token};
use crate::ledger::store::{DayRows, SpendColumn, SpendGroup, SpendQuery, StoreTx};
use crate::money::plain;

use super::schema::TRIGGERS;
use crate::ledger::rows::{
    Cols, counters_from, day, entry_from, grant_from, hold_from, org_from, settings_at, token_from,
    user_from,
};

/// A transaction in progress (write or read).
pub(super) struct SqliteTx<'c> {
    conn: &'c Connection,
    /// A schema-1 file (read only: writes migrate first), whose `users`
    /// and `org` rows have no `limits_seq`; it is derived from the journal
    /// as the 1 → 2 migration does.
    legacy: bool,
}

impl<'c> SqliteTx<'c> {
    pub fn new(conn: &'c Connection, legacy: bool) -> SqliteTx<'c> {
        SqliteTx { conn, legacy }
    }

    fn user_columns(&self) -> &'static str {
        if self.legacy {
            "id, cap, period, max_holds, open_holds, spent, held, allow_spent, allow_held, overruns,
             (SELECT max(seq) FROM journal WHERE kind IN ('user_add', 'user_set') AND journal.user = users.id)"
        } else {
            USER_COLUMNS
        }
    }
}

impl Cols for Row<'_> {
    fn int(&self, i: usize) -> Result<i64> {
        Ok(self.get(i)?)
    }
    fn opt_int(&self, i: usize) -> Result<Option<i64>> {
        Ok(self.get(i)?)
    }
    fn text(&self, i: usize) -> Result<String> {
        Ok(self.get(i)?)
    }
    fn opt_text(&self, i: usize) -> Result<Option<String>> {
        Ok(self.get(i)?)
    }
    fn bytes(&self, i: usize) -> Result<Vec<u8>> {
        Ok(self.get(i)?)
    }
    fn flag(&self, i: usize) -> Result<bool> {
        Ok(self.get(i)?)
    }
    fn first(&self) -> String {
        self.get_ref(0)
            .map(|v| match v {
                rusqlite::types::ValueRef::Text(t) => String::from_utf8_lossy(t).into_owned(),
                rusqlite::types::ValueRef::Integer(i) => i.to_string(),
                other => format!("{other:?}"),
            })
            .unwrap_or_default()
    }
}

const USER_COLUMNS: &str = "id, cap, period, max_holds, open_holds, spent, held, allow_spent, allow_held, overruns, limits_seq";

const GRANT_COLUMNS: &str = "key, user, credits, expires, spent, held, seq";

const HOLD_COLUMNS: &str = "key, kind, user, model, day, credits, allow, grants, created_at, expires_at, state, settled, overrun, seq, end_seq";

const TOKEN_COLUMNS: &str = "name, role, user, sha256, created_at, seq, revoked_at, revoked_seq";

const ENTRY_COLUMNS: &str =
    "seq, at, kind, user, key, model, day, credits, over, data, prev_hash, hash";

impl Books for SqliteTx<'_> {
    fn init(&mut self, s: &Settings) -> Result<()> {
        self.conn.execute(
            "INSERT INTO settings (id, credit_value, currency, timezone, hold_ttl) VALUES (1, ?1, ?2, ?3, ?4)",
            params![plain(s.credit_value), s.currency.code(), s.timezone.name(), s.hold_ttl],
        )?;
        self.conn.execute(
            "INSERT INTO org (id, cap, period, max_holds, open_holds, spent, held, overruns, limits_seq)
             VALUES (1, NULL, 'none', NULL, 0, 0, 0, 0, 1)",
            [],
        )?;
        Ok(())
    }

    fn add_user(&mut self, id: &str, l: &Limits, seq: i64) -> Result<()> {
        self.conn
            .prepare_cached(
                "INSERT INTO users (id, cap, period, max_holds, open_holds, spent, held, allow_spent, allow_held, overruns, limits_seq)
                 VALUES (?1, ?2, ?3, ?4, 0, 0, 0, 0, 0, 0, ?5)",
            )?
            .execute(params![id, l.cap.map(|m| m.0), l.period.as_str(), l.max_holds, seq])?;
        Ok(())
    }

    fn set_limits(&mut self, user: Option<&str>, l: &Limits, seq: i64) -> Result<()> {
        let cap = l.cap.map(|m| m.0);
        let n = match user {
            Some(id) => self
                .conn
                .prepare_cached(
                    "UPDATE users SET cap = ?2, period = ?3, max_holds = ?4, limits_seq = ?5 WHERE id = ?1",
                )?
                .execute(params![id, cap, l.period.as_str(), l.max_holds, seq])?,
            None => self
                .conn
                .prepare_cached(
                    "UPDATE org SET cap = ?1, period = ?2, max_holds = ?3, limits_seq = ?4 WHERE id = 1",
                )?
                .execute(params![cap, l.period.as_str(), l.max_holds, seq])?,
        };
        if n != 1 {
            return Err(LedgerError::Corrupt(format!(
                "no cache row for {}",
                user.map_or("the org".to_string(), |u| format!("user `{u}`"))
            )));
        }
        Ok(())
    }

    fn add_grant(&mut self, g: &Grant) -> Result<()> {
        self.conn
            .prepare_cached(
                "INSERT INTO grants (key, user, credits, expires, spent, held, seq) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            )?
            .execute(params![g.key, g.user, g.credits, g.expires.map(day_text), g.spent, g.held, g.seq])?;
        Ok(())
    }

    fn use_grant(&mut self, key: &str, spent: i64, held: i64) -> Result<()> {
        self.conn
            .prepare_cached(
                "UPDATE grants SET spent = spent + ?2, held = held + ?3 WHERE key = ?1",
            )?
            .execute(params![key, spent, held])?;
        Ok(())
    }

    fn count(&mut self, user: &str, d: NaiveDate, delta: &Delta) -> Result<()> {
        let c = &delta.c;
        let day = day_text(d);
        self.conn
            .prepare_cached(
                "UPDATE users SET open_holds = open_holds + ?2, spent = spent + ?3, held = held + ?4,
                     allow_spent = allow_spent + ?5, allow_held = allow_held + ?6, overruns = overruns + ?7
                 WHERE id = ?1",
            )?
            .execute(params![user, delta.open_holds, c.spent, c.held, c.allow_spent, c.allow_held, c.overruns])?;
        self.conn
            .prepare_cached(
                "INSERT INTO user_days (user, day, spent, held, allow_spent, allow_held, overruns)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
                 ON CONFLICT (user, day) DO UPDATE SET spent = spent + excluded.spent,
                     held = held + excluded.held, allow_spent = allow_spent + excluded.allow_spent,
                     allow_held = allow_held + excluded.allow_held, overruns = overruns + excluded.overruns",
            )?
            .execute(params![user, day, c.spent, c.held, c.allow_spent, c.allow_held, c.overruns])?;
        self.conn
            .prepare_cached(
                "UPDATE org SET open_holds = open_holds + ?1, spent = spent + ?2, held = held + ?3,
                     overruns = overruns + ?4 WHERE id = 1",
            )?
            .execute(params![delta.open_holds, c.spent, c.held, c.overruns])?;
        self.conn
            .prepare_cached(
                "INSERT INTO org_days (day, spent, held, overruns) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (day) DO UPDATE SET spent = spent + excluded.spent,
                     held = held + excluded.held, overruns = overruns + excluded.overruns",
            )?
            .execute(params![day, c.spent, c.held, c.overruns])?;
        Ok(())
    }

    fn hold(&mut self, key: &str) -> Result<Option<Hold>> {
        let mut stmt = self
            .conn
            .prepare_cached(&format!("SELECT {HOLD_COLUMNS} FROM holds WHERE key = ?1"))?;
        let mut rows = stmt.query([key])?;
        rows.next()?.map(|r| hold_from(r)).transpose()
    }

    fn open_hold(&mut self, h: &Hold) -> Result<()> {
        self.conn
            .prepare_cached(&format!(
                "INSERT INTO holds ({HOLD_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)"
            ))?
            .execute(params![
                h.key,
                h.kind.as_str(),
                h.user,
                h.model,
                day_text(h.day),
                h.credits,
                h.alloc.allow,
                h.alloc.grants_text(),
                h.created_at,
                h.expires_at,
                h.state.as_str(),
                h.settled,
                h.overrun,
                h.seq,
                h.end_seq
            ])?;
        Ok(())
    }

    fn token(&mut self, name: &str) -> Result<Option<Token>> {
        if self.legacy {
            return Ok(None);
        }
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {TOKEN_COLUMNS} FROM tokens WHERE name = ?1"
        ))?;
        let mut rows = stmt.query([name])?;
        rows.next()?.map(|r| token_from(r)).transpose()
    }

    fn add_token(&mut self, t: &Token) -> Result<()> {
        self.conn
            .prepare_cached(&format!(
                "INSERT INTO tokens ({TOKEN_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"
            ))?
            .execute(params![
                t.name,
                t.role.as_str(),
                t.user,
                t.sha256,
                t.created_at,
                t.seq,
                t.revoked_at,
                t.revoked_seq
            ])?;
        Ok(())
    }

    fn revoke_token(&mut self, name: &str, seq: i64, at: &str) -> Result<()> {
        self.conn
            .prepare_cached("UPDATE tokens SET revoked_at = ?2, revoked_seq = ?3 WHERE name = ?1")?
            .execute(params![name, at, seq])?;
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
        self.conn
            .prepare_cached(
                "UPDATE holds SET state = ?2, settled = ?3, overrun = ?4, end_seq = ?5 WHERE key = ?1",
            )?
            .execute(params![key, state.as_str(), settled, overrun, end_seq])?;
        Ok(())
    }
}

/// An aggregate's one row was not there.
fn no_row() -> LedgerError {
    LedgerError::Corrupt("an aggregate returned no row".into())
}

fn collect<T>(
    conn: &Connection,
    sql: &str,
    args: impl rusqlite::Params,
    f: fn(&dyn Cols) -> Result<T>,
) -> Result<Vec<T>> {
    let mut stmt = conn.prepare_cached(sql)?;
    let mut rows = stmt.query(args)?;
    let mut out = Vec::new();
    while let Some(r) = rows.next()? {
        out.push(f(r)?);
    }
    Ok(out)
}

impl StoreTx for SqliteTx<'_> {
    fn head(&mut self) -> Result<Head> {
        let head = self
            .conn
            .prepare_cached("SELECT seq, hash FROM journal ORDER BY seq DESC LIMIT 1")?
            .query_row([], |r| {
                Ok(Head {
                    seq: r.get(0)?,
                    hash: r.get(1)?,
                })
            })
            .optional()?;
        Ok(head.unwrap_or_else(Head::genesis))
    }

    fn insert_entry(&mut self, e: &Entry) -> Result<()> {
        self.conn
            .prepare_cached(&format!(
                "INSERT INTO journal ({ENTRY_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)"
            ))?
            .execute(params![
                e.seq,
                e.at,
                e.kind,
                e.user,
                e.key,
                e.model,
                e.day,
                e.credits.map(|m| m.0),
                e.over.map(|m| m.0),
                e.data,
                e.prev_hash,
                e.hash,
            ])?;
        Ok(())
    }

    fn entry(&mut self, seq: i64) -> Result<Option<Entry>> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {ENTRY_COLUMNS} FROM journal WHERE seq = ?1"
        ))?;
        let mut rows = stmt.query([seq])?;
        rows.next()?.map(|r| entry_from(r)).transpose()
    }

    fn entries(&mut self, after: i64, f: &mut dyn FnMut(Entry) -> Result<()>) -> Result<()> {
        let mut stmt = self.conn.prepare(&format!(
            "SELECT {ENTRY_COLUMNS} FROM journal WHERE seq > ?1 ORDER BY seq"
        ))?;
        let mut rows = stmt.query([after])?;
        while let Some(row) = rows.next()? {
            f(entry_from(row)?)?;
        }
        Ok(())
    }

    fn settings(&mut self) -> Result<Settings> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT credit_value, currency, timezone, hold_ttl FROM settings WHERE id = 1",
        )?;
        let mut rows = stmt.query([])?;
        match rows.next()? {
            Some(r) => settings_at(r, 0),
            None => Err(LedgerError::Corrupt("the settings row is missing".into())),
        }
    }

    fn user(&mut self, id: &str) -> Result<Option<PartyRow>> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {} FROM users WHERE id = ?1",
            self.user_columns()
        ))?;
        let mut rows = stmt.query([id])?;
        rows.next()?.map(|r| user_from(r)).transpose()
    }

    fn users(&mut self) -> Result<Vec<PartyRow>> {
        collect(
            self.conn,
            &format!("SELECT {} FROM users ORDER BY id", self.user_columns()),
            [],
            user_from,
        )
    }

    fn org(&mut self) -> Result<PartyRow> {
        let mut stmt = self.conn.prepare_cached(if self.legacy {
            "SELECT cap, period, max_holds, open_holds, spent, held, overruns,
                 coalesce((SELECT max(seq) FROM journal WHERE kind = 'org_set'), 1) FROM org WHERE id = 1"
        } else {
            "SELECT cap, period, max_holds, open_holds, spent, held, overruns, limits_seq FROM org WHERE id = 1"
        })?;
        let mut rows = stmt.query([])?;
        let r = rows
            .next()?
            .ok_or_else(|| LedgerError::Corrupt("the org's cache row is missing".into()))?;
        org_from(r)
    }

    fn user_days(&mut self, user: &str, start: NaiveDate, end: NaiveDate) -> Result<Counters> {
        self
            .conn
            .prepare_cached(
                "SELECT coalesce(sum(spent),0), coalesce(sum(held),0), coalesce(sum(allow_spent),0),
                        coalesce(sum(allow_held),0), coalesce(sum(overruns),0)
                 FROM user_days WHERE user = ?1 AND day >= ?2 AND day < ?3",
            )?
            .query(params![user, day_text(start), day_text(end)])?
            .next()?
            .map_or_else(|| Err(no_row()), |r| counters_from(r, 0, true))
    }

    fn org_days(&mut self, start: NaiveDate, end: NaiveDate) -> Result<Counters> {
        self.conn
            .prepare_cached(
                "SELECT coalesce(sum(spent),0), coalesce(sum(held),0), coalesce(sum(overruns),0)
                 FROM org_days WHERE day >= ?1 AND day < ?2",
            )?
            .query(params![day_text(start), day_text(end)])?
            .next()?
            .map_or_else(|| Err(no_row()), |r| counters_from(r, 0, false))
    }

    fn grant(&mut self, key: &str) -> Result<Option<Grant>> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {GRANT_COLUMNS} FROM grants WHERE key = ?1"
        ))?;
        let mut rows = stmt.query([key])?;
        rows.next()?.map(|r| grant_from(r)).transpose()
    }

    fn usable_grants(&mut self, user: &str, today: NaiveDate) -> Result<Vec<Grant>> {
        // Sorted here rather than by `ORDER BY expires IS NULL, …`: with that
        // clause SQLite re-prepares the statement on every run (the planner
        // ties the ordering to the bound date), which cost a third of a
        // reserve's CPU time.
        let mut grants = collect(
            self.conn,
            &format!(
                "SELECT {GRANT_COLUMNS} FROM grants
                 WHERE user = ?1 AND (expires IS NULL OR expires >= ?2) AND spent + held < credits"
            ),
            params![user, day_text(today)],
            grant_from,
        )?;
        grants.sort_by_key(|g| (g.expires.is_none(), g.expires, g.seq));
        Ok(grants)
    }

    fn overdue(&mut self, now: DateTime<Utc>) -> Result<Vec<Hold>> {
        collect(
            self.conn,
            &format!(
                "SELECT {HOLD_COLUMNS} FROM holds WHERE state = 'open' AND expires_at <= ?1 ORDER BY expires_at, key"
            ),
            [now.timestamp_micros()],
            hold_from,
        )
    }

    fn holds(&mut self, user: Option<&str>, all: bool) -> Result<Vec<Hold>> {
        let filter = match (user.is_some(), all) {
            (false, false) => "state = 'open'",
            (true, false) => "state = 'open' AND user = ?1",
            (false, true) => "1",
            (true, true) => "user = ?1",
        };
        let sql = format!("SELECT {HOLD_COLUMNS} FROM holds WHERE {filter} ORDER BY seq");
        match user {
            Some(u) => collect(self.conn, &sql, [u], hold_from),
            None => collect(self.conn, &sql, [], hold_from),
        }
    }

    fn spending(&mut self, q: &SpendQuery) -> Result<Vec<SpendGroup>> {
        let col = match q.by {
            SpendColumn::User => "user",
            SpendColumn::Model => "model",
            SpendColumn::Day => "day",
        };
        let sql = format!(
            "SELECT {col}, count(*), sum(credits), count(over), coalesce(sum(over), 0) FROM journal
             WHERE kind IN ('settle', 'charge')
               AND (?1 IS NULL OR day >= ?1) AND (?2 IS NULL OR day <= ?2) AND (?3 IS NULL OR user = ?3)
             GROUP BY {col}"
        );
        let mut stmt = self.conn.prepare(&sql)?;
        let mut rows = stmt.query(params![q.from.map(day_text), q.to.map(day_text), q.user])?;
        let mut out = Vec::new();
        while let Some(r) = rows.next()? {
            out.push(SpendGroup {
                key: r.get(0)?,
                jobs: r.get(1)?,
                credits: r.get(2)?,
                overruns: r.get(3)?,
                over: r.get(4)?,
            });
        }
        Ok(out)
    }

    fn check_storage(&mut self) -> Result<Vec<String>> {
        let mut problems = Vec::new();
        let version: i64 = self
            .conn
            .pragma_query_value(None, "user_version", |r| r.get(0))?;
        if version < 1 {
            problems.push(format!(
                "the file's schema version (SQLite user_version) is {version}, which no genbudget writes: the header was changed"
            ));
        }
        let mut stmt = self.conn.prepare("PRAGMA integrity_check")?;
        let lines: Vec<String> = stmt
            .query_map([], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        if lines != ["ok"] {
            for l in lines {
                problems.push(format!("SQLite integrity check: {l}"));
            }
        }
        for t in TRIGGERS {
            let n: i64 = self.conn.query_row(
                "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND name = ?1 AND tbl_name = 'journal'",
                [t],
                |r| r.get(0),
            )?;
            if n == 0 {
                problems.push(format!(
                    "the journal's append-only trigger `{t}` is missing: the journal could have been edited"
                ));
            }
        }
        Ok(problems)
    }

    fn day_rows(&mut self) -> Result<DayRows> {
        let mut out = DayRows::default();
        let mut stmt = self.conn.prepare(
            "SELECT user, day, spent, held, allow_spent, allow_held, overruns FROM user_days",
        )?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            let user: String = r.get(0)?;
            let d: String = r.get(1)?;
            let d = day("user_days", &format!("{user}, {d}"), &d)?;
            out.users.insert((user, d), counters_from(r, 2, true)?);
        }
        let mut stmt = self
            .conn
            .prepare("SELECT day, spent, held, overruns FROM org_days")?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            let d: String = r.get(0)?;
            let d = day("org_days", &d, &d)?;
            out.org.insert(d, counters_from(r, 1, false)?);
        }
        Ok(out)
    }

    fn savepoint(&mut self) -> Result<()> {
        self.conn.execute_batch("SAVEPOINT op")?;
        Ok(())
    }

    fn release(&mut self) -> Result<()> {
        self.conn.execute_batch("RELEASE op")?;
        Ok(())
    }

    fn rollback_to(&mut self) -> Result<()> {
        self.conn.execute_batch("ROLLBACK TO op; RELEASE op")?;
        Ok(())
    }

    fn tokens(&mut self) -> Result<Vec<Token>> {
        if self.legacy {
            return Ok(Vec::new());
        }
        collect(
            self.conn,
            &format!("SELECT {TOKEN_COLUMNS} FROM tokens ORDER BY name"),
            [],
            token_from,
        )
    }

    fn grants(&mut self) -> Result<Vec<Grant>> {
        collect(
            self.conn,
            &format!("SELECT {GRANT_COLUMNS} FROM grants ORDER BY key"),
            [],
            grant_from,
        )
    }
}
