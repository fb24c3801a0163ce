//! Reading and updating the cache tables inside a write transaction.
//!
//! The journal is the truth; these rows are what an operation reads to decide
//! without scanning history: the user and org rows (limits, open holds and
//! all-time totals), per-local-day counters (at most 31 of them make a
//! period), grants, and the state of each hold. Every write here happens in
//! the same transaction as the journal entry that explains it, and `verify`
//! rebuilds all of it from the journal.

use chrono::NaiveDate;
use rusqlite::{Connection, OptionalExtension, Row, params};

use super::amount::Micros;
use super::error::Result;
use super::period::{Period, day_text, parse_day};

/// Spending counters of a user (or the org) over some range of days.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counters {
    /// Settled spend, all sources.
    pub spent: i64,
    /// Open holds, all sources.
    pub held: i64,
    /// The parts of `spent` and `held` taken from the period allowance
    /// (the cap); the rest came from grants. Always 0 for the org.
    pub allow_spent: i64,
    pub allow_held: i64,
    /// Number of overrun settles.
    pub overruns: i64,
}

/// A change to counters (signed), plus a change in open holds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Delta {
    pub c: Counters,
    pub open_holds: i64,
}

impl Counters {
    /// `self + d`.
    pub fn add(&mut self, d: &Counters) {
        self.spent += d.spent;
        self.held += d.held;
        self.allow_spent += d.allow_spent;
        self.allow_held += d.allow_held;
        self.overruns += d.overruns;
    }
}

/// Limits of a user or the org.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Limits {
    pub cap: Option<Micros>,
    pub period: Period,
    pub max_holds: Option<i64>,
}

/// A user's row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct UserRow {
    pub id: String,
    pub limits: Limits,
    pub open_holds: i64,
    pub totals: Counters,
}

/// The org's row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct OrgRow {
    pub limits: Limits,
    pub open_holds: i64,
    pub totals: Counters,
}

fn limits_from(row: &Row<'_>, at: usize) -> rusqlite::Result<Limits> {
    let period: String = row.get(at + 1)?;
    Ok(Limits {
        cap: row.get::<_, Option<i64>>(at)?.map(Micros),
        period: Period::parse(&period).unwrap_or(Period::None),
        max_holds: row.get(at + 2)?,
    })
}

fn user_from(row: &Row<'_>) -> rusqlite::Result<UserRow> {
    Ok(UserRow {
        id: row.get(0)?,
        limits: limits_from(row, 1)?,
        open_holds: row.get(4)?,
        totals: Counters {
            spent: row.get(5)?,
            held: row.get(6)?,
            allow_spent: row.get(7)?,
            allow_held: row.get(8)?,
            overruns: row.get(9)?,
        },
    })
}

const USER_COLUMNS: &str =
    "id, cap, period, max_holds, open_holds, spent, held, allow_spent, allow_held, overruns";

pub(crate) fn user(conn: &Connection, id: &str) -> Result<Option<UserRow>> {
    Ok(conn
        .prepare_cached(&format!("SELECT {USER_COLUMNS} FROM users WHERE id = ?1"))?
        .query_row([id], user_from)
        .optional()?)
}

pub(crate) fn users(conn: &Connection) -> Result<Vec<UserRow>> {
    let mut stmt = conn.prepare(&format!("SELECT {USER_COLUMNS} FROM users ORDER BY id"))?;
    let rows = stmt.query_map([], user_from)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

pub(crate) fn insert_user(conn: &Connection, id: &str, l: &Limits) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO users (id, cap, period, max_holds, open_holds, spent, held, allow_spent, allow_held, overruns)
         VALUES (?1, ?2, ?3, ?4, 0, 0, 0, 0, 0, 0)",
    )?
    .execute(params![id, l.cap.map(|m| m.0), l.period.as_str(), l.max_holds])?;
    Ok(())
}

pub(crate) fn set_user_limits(conn: &Connection, id: &str, l: &Limits) -> Result<()> {
    conn.prepare_cached("UPDATE users SET cap = ?2, period = ?3, max_holds = ?4 WHERE id = ?1")?
        .execute(params![
            id,
            l.cap.map(|m| m.0),
            l.period.as_str(),
            l.max_holds
        ])?;
    Ok(())
}

pub(crate) fn org(conn: &Connection) -> Result<OrgRow> {
    Ok(conn
        .prepare_cached(
            "SELECT cap, period, max_holds, open_holds, spent, held, overruns FROM org WHERE id = 1",
        )?
        .query_row([], |r| {
            Ok(OrgRow {
                limits: limits_from(r, 0)?,
                open_holds: r.get(3)?,
                totals: Counters {
                    spent: r.get(4)?,
                    held: r.get(5)?,
                    overruns: r.get(6)?,
                    ..Counters::default()
                },
            })
        })?)
}

pub(crate) fn set_org_limits(conn: &Connection, l: &Limits) -> Result<()> {
    conn.prepare_cached("UPDATE org SET cap = ?1, period = ?2, max_holds = ?3 WHERE id = 1")?
        .execute(params![l.cap.map(|m| m.0), l.period.as_str(), l.max_holds])?;
    Ok(())
}

/// Sums a user's day counters over `[start, end)`.
pub(crate) fn user_days(
    conn: &Connection,
    user: &str,
    start: NaiveDate,
    end: NaiveDate,
) -> Result<Counters> {
    Ok(conn
        .prepare_cached(
            "SELECT coalesce(sum(spent),0), coalesce(sum(held),0), coalesce(sum(allow_spent),0),
                    coalesce(sum(allow_held),0), coalesce(sum(overruns),0)
             FROM user_days WHERE user = ?1 AND day >= ?2 AND day < ?3",
        )?
        .query_row(params![user, day_text(start), day_text(end)], |r| {
            Ok(Counters {
                spent: r.get(0)?,
                held: r.get(1)?,
                allow_spent: r.get(2)?,
                allow_held: r.get(3)?,
                overruns: r.get(4)?,
            })
        })?)
}

/// Sums the org's day counters over `[start, end)`.
pub(crate) fn org_days(conn: &Connection, start: NaiveDate, end: NaiveDate) -> Result<Counters> {
    Ok(conn
        .prepare_cached(
            "SELECT coalesce(sum(spent),0), coalesce(sum(held),0), coalesce(sum(overruns),0)
             FROM org_days WHERE day >= ?1 AND day < ?2",
        )?
        .query_row(params![day_text(start), day_text(end)], |r| {
            Ok(Counters {
                spent: r.get(0)?,
                held: r.get(1)?,
                overruns: r.get(2)?,
                ..Counters::default()
            })
        })?)
}

/// Applies a delta to a user's totals and day row, and the same amounts
/// (without the allowance split) to the org's totals and day row.
pub(crate) fn apply(conn: &Connection, user: &str, day: &str, d: &Delta) -> Result<()> {
    let c = &d.c;
    conn.prepare_cached(
        "UPDATE users SET open_holds = open_holds + ?2, spent = spent + ?3, held = held + ?4,
             allow_spent = allow_spent + ?5, allow_held = allow_held + ?6, overruns = overruns + ?7
         WHERE id = ?1",
    )?
    .execute(params![
        user,
        d.open_holds,
        c.spent,
        c.held,
        c.allow_spent,
        c.allow_held,
        c.overruns
    ])?;
    conn.prepare_cached(
        "INSERT INTO user_days (user, day, spent, held, allow_spent, allow_held, overruns)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
         ON CONFLICT (user, day) DO UPDATE SET spent = spent + excluded.spent,
             held = held + excluded.held, allow_spent = allow_spent + excluded.allow_spent,
             allow_held = allow_held + excluded.allow_held, overruns = overruns + excluded.overruns",
    )?
    .execute(params![
        user,
        day,
        c.spent,
        c.held,
        c.allow_spent,
        c.allow_held,
        c.overruns
    ])?;
    conn.prepare_cached(
        "UPDATE org SET open_holds = open_holds + ?1, spent = spent + ?2, held = held + ?3,
             overruns = overruns + ?4 WHERE id = 1",
    )?
    .execute(params![d.open_holds, c.spent, c.held, c.overruns])?;
    conn.prepare_cached(
        "INSERT INTO org_days (day, spent, held, overruns) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (day) DO UPDATE SET spent = spent + excluded.spent,
             held = held + excluded.held, overruns = overruns + excluded.overruns",
    )?
    .execute(params![day, c.spent, c.held, c.overruns])?;
    Ok(())
}

/// A grant's row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct GrantRow {
    pub key: String,
    pub user: String,
    pub credits: i64,
    /// Last local date on which the grant can be used.
    pub expires: Option<NaiveDate>,
    pub spent: i64,
    pub held: i64,
    pub seq: i64,
}

impl GrantRow {
    /// Credits neither spent nor held.
    pub fn free(&self) -> i64 {
        self.credits - self.spent - self.held
    }
}

fn grant_from(r: &Row<'_>) -> rusqlite::Result<GrantRow> {
    let expires: Option<String> = r.get(3)?;
    Ok(GrantRow {
        key: r.get(0)?,
        user: r.get(1)?,
        credits: r.get(2)?,
        expires: expires.as_deref().and_then(parse_day),
        spent: r.get(4)?,
        held: r.get(5)?,
        seq: r.get(6)?,
    })
}

const GRANT_COLUMNS: &str = "key, user, credits, expires, spent, held, seq";

pub(crate) fn grant(conn: &Connection, key: &str) -> Result<Option<GrantRow>> {
    Ok(conn
        .prepare_cached(&format!(
            "SELECT {GRANT_COLUMNS} FROM grants WHERE key = ?1"
        ))?
        .query_row([key], grant_from)
        .optional()?)
}

/// A user's grants usable on `today` with credits left, in the order they
/// are spent: earliest expiry first, grants without expiry last, then in
/// the order they were given.
pub(crate) fn usable_grants(
    conn: &Connection,
    user: &str,
    today: NaiveDate,
) -> Result<Vec<GrantRow>> {
    // Sorted here rather than by `ORDER BY expires IS NULL, …`: with that
    // clause SQLite re-prepares the statement on every run (the planner
    // ties the ordering to the bound date), which cost a third of a
    // reserve's CPU time.
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {GRANT_COLUMNS} FROM grants
         WHERE user = ?1 AND (expires IS NULL OR expires >= ?2) AND spent + held < credits"
    ))?;
    let rows = stmt.query_map(params![user, day_text(today)], grant_from)?;
    let mut grants: Vec<GrantRow> = rows.collect::<rusqlite::Result<_>>()?;
    grants.sort_by_key(|g| (g.expires.is_none(), g.expires, g.seq));
    Ok(grants)
}

pub(crate) fn insert_grant(conn: &Connection, g: &GrantRow) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO grants (key, user, credits, expires, spent, held, seq) VALUES (?1, ?2, ?3, ?4, 0, 0, ?5)",
    )?
    .execute(params![g.key, g.user, g.credits, g.expires.map(day_text), g.seq])?;
    Ok(())
}

pub(crate) fn apply_grant(conn: &Connection, key: &str, spent: i64, held: i64) -> Result<()> {
    conn.prepare_cached("UPDATE grants SET spent = spent + ?2, held = held + ?3 WHERE key = ?1")?
        .execute(params![key, spent, held])?;
    Ok(())
}
