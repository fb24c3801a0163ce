//! One PostgreSQL transaction as the ledger sees it: the journal, the cache
//! tables ([`Books`]) and the reads the operations, reports and `verify`
//! need ([`StoreTx`]). The SQL mirrors the SQLite backend's statement for
//! statement; `user` is quoted (a reserved word in PostgreSQL).
//!
//! Rows are read strictly: a period, hold kind or state outside its set, or
//! a date that does not parse is [`LedgerError::Corrupt`] naming the table
//! and row.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use postgres::fallible_iterator::FallibleIterator;
use postgres::types::ToSql;
use postgres::{Row, Statement, Transaction};

use crate::ledger::amount::Micros;
use crate::ledger::error::{LedgerError, Result};
use crate::ledger::event::HoldKind;
use crate::ledger::journal::{Entry, Head};
use crate::ledger::period::{Period, day_text, parse_day, parse_timezone};
use crate::ledger::rules::Books;
use crate::ledger::settings::Settings;
use crate::ledger::state::{
    Allocation, Counters, Delta, Grant, Hold, HoldState, Limits, PartyRow, Role, Token,
};
use crate::ledger::store::{DayRows, SpendColumn, SpendGroup, SpendQuery, StoreTx};
use crate::money::{Currency, plain};

use super::schema::TRIGGERS;

type Params<'p> = &'p [&'p (dyn ToSql + Sync)];

/// A transaction in progress (write or read).
pub(super) struct PostgresTx<'a> {
    t: Transaction<'a>,
    stmts: &'a mut HashMap<String, Statement>,
    /// The journal head as locked or last written in this transaction.
    head: Option<Head>,
}

impl<'a> PostgresTx<'a> {
    pub fn new(
        t: Transaction<'a>,
        stmts: &'a mut HashMap<String, Statement>,
        head: Option<Head>,
    ) -> PostgresTx<'a> {
        PostgresTx { t, stmts, head }
    }

    pub fn into_inner(self) -> Transaction<'a> {
        self.t
    }

    fn st(&mut self, sql: &str) -> Result<Statement> {
        super::cached(self.stmts, &mut self.t, sql)
    }

    fn rows(&mut self, sql: &str, params: Params<'_>) -> Result<Vec<Row>> {
        let s = self.st(sql)?;
        Ok(self.t.query(&s, params)?)
    }

    fn opt(&mut self, sql: &str, params: Params<'_>) -> Result<Option<Row>> {
        let s = self.st(sql)?;
        Ok(self.t.query_opt(&s, params)?)
    }

    fn one(&mut self, sql: &str, params: Params<'_>) -> Result<Row> {
        let s = self.st(sql)?;
        Ok(self.t.query_one(&s, params)?)
    }

    fn exec(&mut self, sql: &str, params: Params<'_>) -> Result<u64> {
        let s = self.st(sql)?;
        Ok(self.t.execute(&s, params)?)
    }

    fn all<T>(
        &mut self,
        sql: &str,
        params: Params<'_>,
        f: fn(&Row) -> Result<T>,
    ) -> Result<Vec<T>> {
        self.rows(sql, params)?.iter().map(f).collect()
    }
}

/// The head row (`seq`, `hash`).
pub(super) fn head_from(r: &Row) -> Result<Head> {
    Ok(Head {
        seq: r.try_get(0)?,
        hash: r.try_get(1)?,
    })
}

/// A corrupt value in `table`'s row `row`.
fn corrupt(table: &str, row: &str, what: String) -> LedgerError {
    LedgerError::Corrupt(format!("{table} row `{row}`: {what}"))
}

/// Reads a row with `f`, naming the row in a type error.
fn strict<T>(table: &str, r: &Row, f: impl FnOnce(&Row) -> Result<T>) -> Result<T> {
    f(r).map_err(|e| match e {
        LedgerError::Corrupt(m) if !m.contains(" row `") => {
            let id = r
                .try_get::<_, String>(0)
                .or_else(|_| r.try_get::<_, i64>(0).map(|i| i.to_string()))
                .unwrap_or_default();
            corrupt(table, &id, m)
        }
        other => other,
    })
}

fn period(table: &str, id: &str, text: &str) -> Result<Period> {
    Period::parse(text).map_err(|m| corrupt(table, id, format!("period: {m}")))
}

fn day(table: &str, id: &str, text: &str) -> Result<NaiveDate> {
    parse_day(text).ok_or_else(|| corrupt(table, id, format!("`{text}` is not a date")))
}

const USER_COLUMNS: &str = "id, cap, period, max_holds, open_holds, spent, held, allow_spent, allow_held, overruns, limits_seq";

fn user_from(r: &Row) -> Result<PartyRow> {
    strict("users", r, |r| {
        let id: String = r.try_get(0)?;
        let p: String = r.try_get(2)?;
        Ok(PartyRow {
            limits: Limits {
                cap: r.try_get::<_, Option<i64>>(1)?.map(Micros),
                period: period("users", &id, &p)?,
                max_holds: r.try_get(3)?,
            },
            open_holds: r.try_get(4)?,
            totals: counters_from(r, 5, true)?,
            limits_seq: r.try_get(10)?,
            id,
        })
    })
}

const GRANT_COLUMNS: &str = r#"key, "user", credits, expires, spent, held, seq"#;

fn grant_from(r: &Row) -> Result<Grant> {
    strict("grants", r, |r| {
        let key: String = r.try_get(0)?;
        let expires: Option<String> = r.try_get(3)?;
        Ok(Grant {
            expires: expires.map(|t| day("grants", &key, &t)).transpose()?,
            user: r.try_get(1)?,
            credits: r.try_get(2)?,
            spent: r.try_get(4)?,
            held: r.try_get(5)?,
            seq: r.try_get(6)?,
            key,
        })
    })
}

const HOLD_COLUMNS: &str = r#"key, kind, "user", model, day, credits, allow, grants, created_at, expires_at, state, settled, overrun, seq, end_seq"#;

fn hold_from(r: &Row) -> Result<Hold> {
    strict("holds", r, |r| {
        let key: String = r.try_get(0)?;
        let kind: String = r.try_get(1)?;
        let d: String = r.try_get(4)?;
        let grants: String = r.try_get(7)?;
        let state: String = r.try_get(10)?;
        let bad = |what: String| corrupt("holds", &key, what);
        Ok(Hold {
            kind: HoldKind::parse(&kind)
                .ok_or_else(|| bad(format!("kind `{kind}` is not hold or charge")))?,
            user: r.try_get(2)?,
            model: r.try_get(3)?,
            day: day("holds", &key, &d)?,
            credits: r.try_get(5)?,
            alloc: Allocation {
                allow: r.try_get(6)?,
                grants: Allocation::grants_from_text(&grants).ok_or_else(|| {
                    bad(format!("grants `{grants}` is not a list of [key, amount]"))
                })?,
            },
            created_at: r.try_get(8)?,
            expires_at: r.try_get(9)?,
            state: HoldState::parse(&state).ok_or_else(|| {
                bad(format!(
                    "state `{state}` is not open, settled, released or expired"
                ))
            })?,
            settled: r.try_get(11)?,
            overrun: r.try_get(12)?,
            seq: r.try_get(13)?,
            end_seq: r.try_get(14)?,
            key,
        })
    })
}

const TOKEN_COLUMNS: &str =
    r#"name, role, "user", sha256, created_at, seq, revoked_at, revoked_seq"#;

fn token_from(r: &Row) -> Result<Token> {
    strict("tokens", r, |r| {
        let name: String = r.try_get(0)?;
        let role: String = r.try_get(1)?;
        Ok(Token {
            role: Role::parse(&role).ok_or_else(|| {
                corrupt(
                    "tokens",
                    &name,
                    format!("role `{role}` is not admin, app or user"),
                )
            })?,
            user: r.try_get(2)?,
            sha256: r.try_get(3)?,
            created_at: r.try_get(4)?,
            seq: r.try_get(5)?,
            revoked_at: r.try_get(6)?,
            revoked_seq: r.try_get(7)?,
            name,
        })
    })
}

const ENTRY_COLUMNS: &str =
    r#"seq, at, kind, "user", key, model, day, credits, over, data, prev_hash, hash"#;

fn entry_from(r: &Row) -> Result<Entry> {
    strict("journal", r, |r| {
        Ok(Entry {
            seq: r.try_get(0)?,
            at: r.try_get(1)?,
            kind: r.try_get(2)?,
            user: r.try_get(3)?,
            key: r.try_get(4)?,
            model: r.try_get(5)?,
            day: r.try_get(6)?,
            credits: r.try_get::<_, Option<i64>>(7)?.map(Micros),
            over: r.try_get::<_, Option<i64>>(8)?.map(Micros),
            data: r.try_get(9)?,
            prev_hash: r.try_get(10)?,
            hash: r.try_get(11)?,
        })
    })
}

fn counters_from(r: &Row, at: usize, allowance: bool) -> Result<Counters> {
    Ok(if allowance {
        Counters {
            spent: r.try_get(at)?,
            held: r.try_get(at + 1)?,
            allow_spent: r.try_get(at + 2)?,
            allow_held: r.try_get(at + 3)?,
            overruns: r.try_get(at + 4)?,
        }
    } else {
        Counters {
            spent: r.try_get(at)?,
            held: r.try_get(at + 1)?,
            overruns: r.try_get(at + 2)?,
            ..Counters::default()
        }
    })
}

impl Books for PostgresTx<'_> {
    fn init(&mut self, s: &Settings) -> Result<()> {
        self.exec(
            "INSERT INTO settings (id, credit_value, currency, timezone, hold_ttl) VALUES (1, $1, $2, $3, $4)",
            &[&plain(s.credit_value), &s.currency.code(), &s.timezone.name(), &s.hold_ttl],
        )?;
        self.exec(
            "INSERT INTO org (id, cap, period, max_holds, open_holds, spent, held, overruns, limits_seq)
             VALUES (1, NULL, 'none', NULL, 0, 0, 0, 0, 1)",
            &[],
        )?;
        Ok(())
    }

    fn add_user(&mut self, id: &str, l: &Limits, seq: i64) -> Result<()> {
        self.exec(
            "INSERT INTO users (id, cap, period, max_holds, open_holds, spent, held, allow_spent, allow_held, overruns, limits_seq)
             VALUES ($1, $2, $3, $4, 0, 0, 0, 0, 0, 0, $5)",
            &[&id, &l.cap.map(|m| m.0), &l.period.as_str(), &l.max_holds, &seq],
        )?;
        Ok(())
    }

    fn set_limits(&mut self, user: Option<&str>, l: &Limits, seq: i64) -> Result<()> {
        let cap = l.cap.map(|m| m.0);
        let n = match user {
            Some(id) => self.exec(
                "UPDATE users SET cap = $2, period = $3, max_holds = $4, limits_seq = $5 WHERE id = $1",
                &[&id, &cap, &l.period.as_str(), &l.max_holds, &seq],
            )?,
            None => self.exec(
                "UPDATE org SET cap = $1, period = $2, max_holds = $3, limits_seq = $4 WHERE id = 1",
                &[&cap, &l.period.as_str(), &l.max_holds, &seq],
            )?,
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
        self.exec(
            r#"INSERT INTO grants (key, "user", credits, expires, spent, held, seq) VALUES ($1, $2, $3, $4, $5, $6, $7)"#,
            &[&g.key, &g.user, &g.credits, &g.expires.map(day_text), &g.spent, &g.held, &g.seq],
        )?;
        Ok(())
    }

    fn use_grant(&mut self, key: &str, spent: i64, held: i64) -> Result<()> {
        self.exec(
            "UPDATE grants SET spent = spent + $2, held = held + $3 WHERE key = $1",
            &[&key, &spent, &held],
        )?;
        Ok(())
    }

    fn count(&mut self, user: &str, d: NaiveDate, delta: &Delta) -> Result<()> {
        let c = &delta.c;
        let day = day_text(d);
        // One statement (one round trip) for the four rows: the user's
        // totals and day, the org's totals and day.
        self.exec(
            r#"WITH u AS (
                 UPDATE users SET open_holds = open_holds + $8, spent = spent + $3, held = held + $4,
                     allow_spent = allow_spent + $5, allow_held = allow_held + $6, overruns = overruns + $7
                 WHERE id = $1 RETURNING 1
             ), ud AS (
                 INSERT INTO user_days AS d ("user", day, spent, held, allow_spent, allow_held, overruns)
                 VALUES ($1, $2, $3, $4, $5, $6, $7)
                 ON CONFLICT ("user", day) DO UPDATE SET spent = d.spent + excluded.spent,
                     held = d.held + excluded.held, allow_spent = d.allow_spent + excluded.allow_spent,
                     allow_held = d.allow_held + excluded.allow_held, overruns = d.overruns + excluded.overruns
                 RETURNING 1
             ), o AS (
                 UPDATE org SET open_holds = open_holds + $8, spent = spent + $3, held = held + $4,
                     overruns = overruns + $7 WHERE id = 1 RETURNING 1
             )
             INSERT INTO org_days AS d (day, spent, held, overruns) VALUES ($2, $3, $4, $7)
             ON CONFLICT (day) DO UPDATE SET spent = d.spent + excluded.spent,
                 held = d.held + excluded.held, overruns = d.overruns + excluded.overruns"#,
            &[
                &user,
                &day,
                &c.spent,
                &c.held,
                &c.allow_spent,
                &c.allow_held,
                &c.overruns,
                &delta.open_holds,
            ],
        )?;
        Ok(())
    }

    fn hold(&mut self, key: &str) -> Result<Option<Hold>> {
        self.opt(
            &format!("SELECT {HOLD_COLUMNS} FROM holds WHERE key = $1"),
            &[&key],
        )?
        .as_ref()
        .map(hold_from)
        .transpose()
    }

    fn open_hold(&mut self, h: &Hold) -> Result<()> {
        self.exec(
            &format!(
                "INSERT INTO holds ({HOLD_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)"
            ),
            &[
                &h.key,
                &h.kind.as_str(),
                &h.user,
                &h.model,
                &day_text(h.day),
                &h.credits,
                &h.alloc.allow,
                &h.alloc.grants_text(),
                &h.created_at,
                &h.expires_at,
                &h.state.as_str(),
                &h.settled,
                &h.overrun,
                &h.seq,
                &h.end_seq,
            ],
        )?;
        Ok(())
    }

    fn token(&mut self, name: &str) -> Result<Option<Token>> {
        self.opt(
            &format!("SELECT {TOKEN_COLUMNS} FROM tokens WHERE name = $1"),
            &[&name],
        )?
        .as_ref()
        .map(token_from)
        .transpose()
    }

    fn add_token(&mut self, t: &Token) -> Result<()> {
        self.exec(
            &format!(
                "INSERT INTO tokens ({TOKEN_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
            ),
            &[
                &t.name,
                &t.role.as_str(),
                &t.user,
                &t.sha256,
                &t.created_at,
                &t.seq,
                &t.revoked_at,
                &t.revoked_seq,
            ],
        )?;
        Ok(())
    }

    fn revoke_token(&mut self, name: &str, seq: i64, at: &str) -> Result<()> {
        self.exec(
            "UPDATE tokens SET revoked_at = $2, revoked_seq = $3 WHERE name = $1",
            &[&name, &at, &seq],
        )?;
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
        self.exec(
            "UPDATE holds SET state = $2, settled = $3, overrun = $4, end_seq = $5 WHERE key = $1",
            &[&key, &state.as_str(), &settled, &overrun, &end_seq],
        )?;
        Ok(())
    }
}

impl StoreTx for PostgresTx<'_> {
    fn head(&mut self) -> Result<Head> {
        if let Some(h) = &self.head {
            return Ok(h.clone());
        }
        let r = self.one("SELECT seq, hash FROM head WHERE id = 1", &[])?;
        head_from(&r)
    }

    fn insert_entry(&mut self, e: &Entry) -> Result<()> {
        // The entry and the head row in one statement (one round trip).
        self.exec(
            &format!(
                "WITH e AS (INSERT INTO journal ({ENTRY_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12))
                 UPDATE head SET seq = $1, hash = $12 WHERE id = 1"
            ),
            &[
                &e.seq,
                &e.at,
                &e.kind,
                &e.user,
                &e.key,
                &e.model,
                &e.day,
                &e.credits.map(|m| m.0),
                &e.over.map(|m| m.0),
                &e.data,
                &e.prev_hash,
                &e.hash,
            ],
        )?;
        self.head = Some(Head {
            seq: e.seq,
            hash: e.hash.clone(),
        });
        Ok(())
    }

    fn entry(&mut self, seq: i64) -> Result<Option<Entry>> {
        self.opt(
            &format!("SELECT {ENTRY_COLUMNS} FROM journal WHERE seq = $1"),
            &[&seq],
        )?
        .as_ref()
        .map(entry_from)
        .transpose()
    }

    fn entries(&mut self, after: i64, f: &mut dyn FnMut(Entry) -> Result<()>) -> Result<()> {
        // Streamed: the rows arrive as they are read, never all at once.
        let sql = format!("SELECT {ENTRY_COLUMNS} FROM journal WHERE seq > $1 ORDER BY seq");
        let s = self.st(&sql)?;
        let mut rows = self.t.query_raw(&s, [after])?;
        while let Some(row) = rows.next()? {
            f(entry_from(&row)?)?;
        }
        Ok(())
    }

    fn settings(&mut self) -> Result<Settings> {
        let r = self.opt(
            "SELECT credit_value, currency, timezone, hold_ttl FROM settings WHERE id = 1",
            &[],
        )?;
        let r = r.ok_or_else(|| LedgerError::Corrupt("the settings row is missing".into()))?;
        let (value, currency, tz, ttl): (String, String, String, i64) =
            (r.try_get(0)?, r.try_get(1)?, r.try_get(2)?, r.try_get(3)?);
        let bad = |what: &str, v: &str| corrupt("settings", "1", format!("{what} `{v}`"));
        Ok(Settings {
            credit_value: value.parse().map_err(|_| bad("credit_value", &value))?,
            currency: Currency::parse(&currency).map_err(|_| bad("currency", &currency))?,
            timezone: parse_timezone(&tz).map_err(|_| bad("timezone", &tz))?,
            hold_ttl: ttl,
        })
    }

    fn user(&mut self, id: &str) -> Result<Option<PartyRow>> {
        self.opt(
            &format!("SELECT {USER_COLUMNS} FROM users WHERE id = $1"),
            &[&id],
        )?
        .as_ref()
        .map(user_from)
        .transpose()
    }

    fn users(&mut self) -> Result<Vec<PartyRow>> {
        // `COLLATE "C"`: ids sort by bytes, as SQLite sorts them.
        self.all(
            &format!(r#"SELECT {USER_COLUMNS} FROM users ORDER BY id COLLATE "C""#),
            &[],
            user_from,
        )
    }

    fn org(&mut self) -> Result<PartyRow> {
        let r = self
            .opt(
                "SELECT cap, period, max_holds, open_holds, spent, held, overruns, limits_seq FROM org WHERE id = 1",
                &[],
            )?
            .ok_or_else(|| LedgerError::Corrupt("the org's cache row is missing".into()))?;
        let p: String = r.try_get(1)?;
        Ok(PartyRow {
            id: String::new(),
            limits: Limits {
                cap: r.try_get::<_, Option<i64>>(0)?.map(Micros),
                period: period("org", "1", &p)?,
                max_holds: r.try_get(2)?,
            },
            open_holds: r.try_get(3)?,
            totals: counters_from(&r, 4, false)?,
            limits_seq: r.try_get(7)?,
        })
    }

    fn user_days(&mut self, user: &str, start: NaiveDate, end: NaiveDate) -> Result<Counters> {
        let r = self.one(
            r#"SELECT coalesce(sum(spent),0)::bigint, coalesce(sum(held),0)::bigint,
                    coalesce(sum(allow_spent),0)::bigint, coalesce(sum(allow_held),0)::bigint,
                    coalesce(sum(overruns),0)::bigint
             FROM user_days WHERE "user" = $1 AND day >= $2 AND day < $3"#,
            &[&user, &day_text(start), &day_text(end)],
        )?;
        counters_from(&r, 0, true)
    }

    fn org_days(&mut self, start: NaiveDate, end: NaiveDate) -> Result<Counters> {
        let r = self.one(
            "SELECT coalesce(sum(spent),0)::bigint, coalesce(sum(held),0)::bigint,
                    coalesce(sum(overruns),0)::bigint
             FROM org_days WHERE day >= $1 AND day < $2",
            &[&day_text(start), &day_text(end)],
        )?;
        counters_from(&r, 0, false)
    }

    fn grant(&mut self, key: &str) -> Result<Option<Grant>> {
        self.opt(
            &format!("SELECT {GRANT_COLUMNS} FROM grants WHERE key = $1"),
            &[&key],
        )?
        .as_ref()
        .map(grant_from)
        .transpose()
    }

    fn usable_grants(&mut self, user: &str, today: NaiveDate) -> Result<Vec<Grant>> {
        let mut grants = self.all(
            &format!(
                r#"SELECT {GRANT_COLUMNS} FROM grants
                 WHERE "user" = $1 AND (expires IS NULL OR expires >= $2) AND spent + held < credits"#
            ),
            &[&user, &day_text(today)],
            grant_from,
        )?;
        grants.sort_by_key(|g| (g.expires.is_none(), g.expires, g.seq));
        Ok(grants)
    }

    fn overdue(&mut self, now: DateTime<Utc>) -> Result<Vec<Hold>> {
        let mut holds = self.all(
            &format!("SELECT {HOLD_COLUMNS} FROM holds WHERE state = 'open' AND expires_at <= $1"),
            &[&now.timestamp_micros()],
            hold_from,
        )?;
        // Keys sort by bytes, as SQLite sorts them.
        holds.sort_by(|a, b| (a.expires_at, &a.key).cmp(&(b.expires_at, &b.key)));
        Ok(holds)
    }

    fn holds(&mut self, user: Option<&str>, all: bool) -> Result<Vec<Hold>> {
        let filter = match (user.is_some(), all) {
            (false, false) => "state = 'open'",
            (true, false) => r#"state = 'open' AND "user" = $1"#,
            (false, true) => "true",
            (true, true) => r#""user" = $1"#,
        };
        let sql = format!("SELECT {HOLD_COLUMNS} FROM holds WHERE {filter} ORDER BY seq");
        match user {
            Some(u) => self.all(&sql, &[&u], hold_from),
            None => self.all(&sql, &[], hold_from),
        }
    }

    fn spending(&mut self, q: &SpendQuery) -> Result<Vec<SpendGroup>> {
        let col = match q.by {
            SpendColumn::User => r#""user""#,
            SpendColumn::Model => "model",
            SpendColumn::Day => "day",
        };
        let sql = format!(
            r#"SELECT {col}, count(*), sum(credits)::bigint, count(over), coalesce(sum(over), 0)::bigint FROM journal
             WHERE kind IN ('settle', 'charge')
               AND ($1::text IS NULL OR day >= $1) AND ($2::text IS NULL OR day <= $2)
               AND ($3::text IS NULL OR "user" = $3)
             GROUP BY {col}"#
        );
        let (from, to) = (q.from.map(day_text), q.to.map(day_text));
        let rows = self.rows(&sql, &[&from, &to, &q.user])?;
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
            .opt("SELECT version FROM schema_version WHERE id = 1", &[])?
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
             WHERE tgrelid = 'journal'::regclass AND NOT tgisinternal",
            &[],
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
                Some("D") => problems.push(format!(
                    "the journal's append-only trigger `{t}` is disabled: the journal could have been edited"
                )),
                Some(_) => {}
            }
        }
        let head = self.one("SELECT seq, hash FROM head WHERE id = 1", &[])?;
        let head = head_from(&head)?;
        let last = self
            .opt(
                "SELECT seq, hash FROM journal ORDER BY seq DESC LIMIT 1",
                &[],
            )?
            .as_ref()
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
            r#"SELECT "user", day, spent, held, allow_spent, allow_held, overruns FROM user_days"#,
            &[],
        )?;
        for r in &rows {
            let user: String = r.try_get(0)?;
            let d: String = r.try_get(1)?;
            let d = day("user_days", &format!("{user}, {d}"), &d)?;
            out.users.insert((user, d), counters_from(r, 2, true)?);
        }
        let rows = self.rows("SELECT day, spent, held, overruns FROM org_days", &[])?;
        for r in &rows {
            let d: String = r.try_get(0)?;
            let d = day("org_days", &d, &d)?;
            out.org.insert(d, counters_from(r, 1, false)?);
        }
        Ok(out)
    }

    fn savepoint(&mut self) -> Result<()> {
        self.t.batch_execute("SAVEPOINT op")?;
        Ok(())
    }

    fn release(&mut self) -> Result<()> {
        self.t.batch_execute("RELEASE op")?;
        Ok(())
    }

    fn rollback_to(&mut self) -> Result<()> {
        self.t.batch_execute("ROLLBACK TO op; RELEASE op")?;
        // The head may have moved inside the undone part.
        self.head = None;
        Ok(())
    }

    fn tokens(&mut self) -> Result<Vec<Token>> {
        self.all(
            &format!(r#"SELECT {TOKEN_COLUMNS} FROM tokens ORDER BY name COLLATE "C""#),
            &[],
            token_from,
        )
    }

    fn grants(&mut self) -> Result<Vec<Grant>> {
        self.all(
            &format!(r#"SELECT {GRANT_COLUMNS} FROM grants ORDER BY key COLLATE "C""#),
            &[],
            grant_from,
        )
    }
}
