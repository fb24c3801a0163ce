//! The reads a PostgreSQL transaction keeps: each [`Key`] is one read the
//! ledger makes (or a read by a hold's key that answers several), with the
//! statement that answers it and how its rows become [`Answer`]s.

use chrono::NaiveDate;
use tokio_postgres::Row;

use crate::ledger::error::{LedgerError, Result};
use crate::ledger::journal::Entry;
use crate::ledger::period::{Period, day_text, parse_day};
use crate::ledger::settings::Settings;
use crate::ledger::state::{Counters, Grant, Hold, PartyRow};
use crate::ledger::store::Read;

use super::conn::{Job, Param, params};
use super::rows::*;

/// A read whose answer the transaction keeps (see `keep.rs`).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(super) enum Key {
    Settings,
    Overdue(i64),
    Hold(String),
    Grant(String),
    User(String),
    Org,
    UserDays(String, NaiveDate, NaiveDate),
    OrgDays(NaiveDate, NaiveDate),
    Usable(String, NaiveDate),
    Entry(i64),
    /// The entry that set a user's limits (`None`: the org's); its answer
    /// is kept as that entry's [`Key::Entry`].
    LimitsEntry(Option<String>),
    /// Reads by a hold's key, kept under the keys of the plain reads they
    /// answer ([`Read::HoldParty`], [`Read::HoldLimits`]). The period
    /// bounds are worked out by the server; if they ever differed from the
    /// ledger's own, the answers would be kept under keys nobody asks for,
    /// and the plain reads would ask again.
    HoldUser(String),
    HoldOrg(String),
    HoldUsable(String, NaiveDate),
    HoldLimits(String),
    /// A user's row and counters in the user's period holding the day
    /// (kept as [`Key::User`] and [`Key::UserDays`]; bounds as above).
    UserParty(String, NaiveDate),
    /// The org's row and counters in its period holding the day.
    OrgParty(NaiveDate),
}

/// SQL for the period containing the text date `day` of a party whose
/// period is `period`: a lateral row `b(s, e)`, both `NULL` for `none`.
fn bounds_sql(period: &str, day: &str) -> String {
    format!(
        "CROSS JOIN LATERAL (SELECT to_char(x.s, 'YYYY-MM-DD') AS s,
             to_char(CASE {period} WHEN 'day' THEN x.s + 1 WHEN 'week' THEN x.s + 7
                 WHEN 'month' THEN (x.s + interval '1 month')::date END, 'YYYY-MM-DD') AS e
           FROM (SELECT CASE {period} WHEN 'day' THEN {day}::date
                 WHEN 'week' THEN date_trunc('week', {day}::date)::date
                 WHEN 'month' THEN date_trunc('month', {day}::date)::date END AS s) x) b"
    )
}

/// SQL for a lateral row `b(s, e)` as [`bounds_sql`] gives it, picked
/// from the bounds the ledger worked out for each period ([`given`]), the
/// parameters from `$first` on: cheaper for the server to plan than the
/// date arithmetic, which matters to a statement run unnamed.
fn given_bounds_sql(period: &str, first: usize) -> String {
    let p = |i: usize| format!("${}", first + i);
    format!(
        "CROSS JOIN LATERAL (SELECT CASE {period} WHEN 'day' THEN {} WHEN 'week' THEN {}
                 WHEN 'month' THEN {} END AS s,
             CASE {period} WHEN 'day' THEN {} WHEN 'week' THEN {} WHEN 'month' THEN {} END AS e) b",
        p(0),
        p(2),
        p(4),
        p(1),
        p(3),
        p(5)
    )
}

/// The parameters [`given_bounds_sql`] reads: the start and end of the
/// day, the week and the month holding `day` (`NULL` past the calendar's
/// end, as `bounds_sql` would fail to give them).
fn given(day: NaiveDate) -> Vec<Param> {
    [Period::Day, Period::Week, Period::Month]
        .into_iter()
        .flat_map(|p| {
            let b = p.bounds(day);
            [b.map(|b| day_text(b.0)), b.map(|b| day_text(b.1))]
        })
        .map(Param::from)
        .collect()
}

/// A user's row (`u`, from `from`, picked by `filter`), the bounds `b` of
/// the user's period (`bounds`: [`bounds_sql`] or [`given_bounds_sql`]),
/// and the user's counters in it.
fn user_party(from: &str, bounds: &str, filter: &str) -> String {
    format!(
        r#"SELECT {}, b.s, b.e, t.* {from}
         {}
         LEFT JOIN LATERAL (SELECT coalesce(sum(spent),0)::bigint, coalesce(sum(held),0)::bigint,
             coalesce(sum(allow_spent),0)::bigint, coalesce(sum(allow_held),0)::bigint,
             coalesce(sum(overruns),0)::bigint
           FROM genbudget.user_days d WHERE d."user" = u.id AND d.day >= b.s AND d.day < b.e) t ON true
         {filter}"#,
        of("u", USER_COLUMNS),
        bounds
    )
}

/// The org's row (`o`, from `from`, picked by `filter`), the bounds `b` of
/// its period (as [`user_party`]), and its counters in it.
fn org_party(from: &str, bounds: &str, filter: &str) -> String {
    format!(
        "SELECT o.cap, o.period, o.max_holds, o.open_holds, o.spent, o.held, o.overruns, o.limits_seq,
             b.s, b.e, t.*
         {from}
         {}
         LEFT JOIN LATERAL (SELECT coalesce(sum(spent),0)::bigint, coalesce(sum(held),0)::bigint,
             coalesce(sum(overruns),0)::bigint
           FROM genbudget.org_days d WHERE d.day >= b.s AND d.day < b.e) t ON true
         {filter}",
        bounds
    )
}

/// `columns` with each name prefixed by `table.`.
fn of(table: &str, columns: &str) -> String {
    columns
        .split(", ")
        .map(|c| format!("{table}.{c}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Period bounds read back from a row (`None` for period `none`, or a
/// text that is not a date).
fn bounds_at(r: &Row, at: usize) -> Result<Option<(NaiveDate, NaiveDate)>> {
    let (s, e): (Option<String>, Option<String>) = (r.try_get(at)?, r.try_get(at + 1)?);
    Ok(
        match (
            s.as_deref().and_then(parse_day),
            e.as_deref().and_then(parse_day),
        ) {
            (Some(s), Some(e)) => Some((s, e)),
            _ => None,
        },
    )
}

/// A kept answer.
#[derive(Clone, Debug)]
pub(super) enum Answer {
    Settings(Settings),
    Holds(Vec<Hold>),
    Hold(Option<Hold>),
    Grant(Option<Grant>),
    User(Option<PartyRow>),
    Org(PartyRow),
    Counters(Counters),
    Grants(Vec<Grant>),
    Entry(Option<Entry>),
}

impl Key {
    /// The reads that answer an announced one (a hold's party takes
    /// three).
    pub(super) fn of(r: &Read<'_>) -> Vec<Key> {
        vec![match *r {
            Read::Overdue(now) => Key::Overdue(now.timestamp_micros()),
            Read::Hold(k) => Key::Hold(k.into()),
            Read::Grant(k) => Key::Grant(k.into()),
            Read::LimitsEntry(u) => Key::LimitsEntry(u.map(String::from)),
            Read::UsableGrants(u, d) => Key::Usable(u.into(), d),
            Read::HoldLimits(k) => Key::HoldLimits(k.into()),
            Read::UserParty(u, day) => Key::UserParty(u.into(), day),
            Read::OrgParty(day) => Key::OrgParty(day),
            Read::HoldParty(k, today) => {
                return vec![
                    Key::HoldUser(k.into()),
                    Key::HoldOrg(k.into()),
                    Key::HoldUsable(k.into(), today),
                ];
            }
        }]
    }

    /// The statement that answers this read.
    pub(super) fn job(&self) -> Job {
        match self {
            Key::Settings => Job::new(
                "SELECT credit_value, currency, timezone, hold_ttl FROM genbudget.settings WHERE id = 1",
                params![],
            ),
            Key::Overdue(now) => Job::new(
                format!(
                    "SELECT {HOLD_COLUMNS} FROM genbudget.holds WHERE state = 'open' AND expires_at <= $1"
                ),
                params![*now],
            ),
            Key::Hold(k) => Job::new(
                format!("SELECT {HOLD_COLUMNS} FROM genbudget.holds WHERE key = $1"),
                params![k],
            ),
            Key::Grant(k) => Job::new(
                format!("SELECT {GRANT_COLUMNS} FROM genbudget.grants WHERE key = $1"),
                params![k],
            ),
            Key::User(u) => Job::new(
                format!("SELECT {USER_COLUMNS} FROM genbudget.users WHERE id = $1"),
                params![u],
            ),
            Key::Org => Job::new(
                "SELECT cap, period, max_holds, open_holds, spent, held, overruns, limits_seq FROM genbudget.org WHERE id = 1",
                params![],
            ),
            Key::UserDays(u, s, e) => Job::new(
                r#"SELECT coalesce(sum(spent),0)::bigint, coalesce(sum(held),0)::bigint,
                    coalesce(sum(allow_spent),0)::bigint, coalesce(sum(allow_held),0)::bigint,
                    coalesce(sum(overruns),0)::bigint
                 FROM genbudget.user_days WHERE "user" = $1 AND day >= $2 AND day < $3"#,
                params![u, day_text(*s), day_text(*e)],
            ),
            Key::OrgDays(s, e) => Job::new(
                "SELECT coalesce(sum(spent),0)::bigint, coalesce(sum(held),0)::bigint,
                    coalesce(sum(overruns),0)::bigint
                 FROM genbudget.org_days WHERE day >= $1 AND day < $2",
                params![day_text(*s), day_text(*e)],
            ),
            Key::Usable(u, today) => Job::new(
                format!(
                    r#"SELECT {GRANT_COLUMNS} FROM genbudget.grants
                     WHERE "user" = $1 AND (expires IS NULL OR expires >= $2) AND spent + held < credits"#
                ),
                params![u, day_text(*today)],
            ),
            Key::Entry(seq) => Job::new(
                format!("SELECT {ENTRY_COLUMNS} FROM genbudget.journal WHERE seq = $1"),
                params![*seq],
            ),
            Key::LimitsEntry(Some(u)) => Job::new(
                format!(
                    "SELECT {ENTRY_COLUMNS} FROM genbudget.journal WHERE seq = (SELECT limits_seq FROM genbudget.users WHERE id = $1)"
                ),
                params![u],
            ),
            Key::LimitsEntry(None) => Job::new(
                format!(
                    "SELECT {ENTRY_COLUMNS} FROM genbudget.journal WHERE seq = (SELECT limits_seq FROM genbudget.org WHERE id = 1)"
                ),
                params![],
            ),
            Key::HoldUser(k) => Job::new(
                user_party(
                    r#"FROM genbudget.holds h JOIN genbudget.users u ON u.id = h."user""#,
                    &bounds_sql("u.period", "h.day"),
                    "WHERE h.key = $1",
                ),
                params![k],
            ),
            Key::HoldOrg(k) => Job::new(
                org_party(
                    "FROM genbudget.holds h JOIN genbudget.org o ON o.id = 1",
                    &bounds_sql("o.period", "h.day"),
                    "WHERE h.key = $1",
                ),
                params![k],
            ),
            Key::UserParty(u, day) => Job::new(
                user_party(
                    "FROM genbudget.users u",
                    &given_bounds_sql("u.period", 2),
                    "WHERE u.id = $1",
                ),
                [params![u], given(*day)].concat(),
            ),
            Key::OrgParty(day) => Job::new(
                org_party(
                    "FROM genbudget.org o",
                    &given_bounds_sql("o.period", 1),
                    "WHERE o.id = 1",
                ),
                given(*day),
            ),
            Key::HoldUsable(k, today) => Job::new(
                format!(
                    r#"SELECT {}, h."user" FROM genbudget.holds h
                     LEFT JOIN genbudget.grants g ON g."user" = h."user" AND (g.expires IS NULL OR g.expires >= $2)
                         AND g.spent + g.held < g.credits
                     WHERE h.key = $1"#,
                    of("g", GRANT_COLUMNS)
                ),
                params![k, day_text(*today)],
            ),
            Key::HoldLimits(k) => Job::new(
                format!(
                    r#"SELECT {} FROM genbudget.holds h JOIN genbudget.users u ON u.id = h."user" JOIN genbudget.journal j ON j.seq = u.limits_seq
                     WHERE h.key = $1"#,
                    of("j", ENTRY_COLUMNS)
                ),
                params![k],
            ),
        }
    }

    /// The answers in `rows`, and the keys they are kept under.
    pub(super) fn answers(&self, rows: &[Row]) -> Result<Vec<(Key, Answer)>> {
        let first = rows.first();
        let a = match self {
            Key::Settings => Answer::Settings(settings_from(first)?),
            Key::Overdue(_) => {
                let mut holds = rows
                    .iter()
                    .map(|r| hold_from(r))
                    .collect::<Result<Vec<_>>>()?;
                // Keys sort by bytes, as SQLite sorts them.
                holds.sort_by(|a, b| (a.expires_at, &a.key).cmp(&(b.expires_at, &b.key)));
                Answer::Holds(holds)
            }
            Key::Hold(_) => Answer::Hold(first.map(|r| hold_from(r)).transpose()?),
            Key::Grant(_) => Answer::Grant(first.map(|r| grant_from(r)).transpose()?),
            Key::User(_) => Answer::User(first.map(|r| user_from(r)).transpose()?),
            Key::Org => Answer::Org(org_of(first)?),
            Key::UserDays(..) => Answer::Counters(counters_from(one_row(first)?, 0, true)?),
            Key::OrgDays(..) => Answer::Counters(counters_from(one_row(first)?, 0, false)?),
            Key::Usable(..) => {
                let mut grants = rows
                    .iter()
                    .map(|r| grant_from(r))
                    .collect::<Result<Vec<_>>>()?;
                grants.sort_by_key(|g| (g.expires.is_none(), g.expires, g.seq));
                Answer::Grants(grants)
            }
            Key::Entry(_) => Answer::Entry(first.map(|r| entry_from(r)).transpose()?),
            Key::LimitsEntry(_) | Key::HoldLimits(_) => {
                // No such entry: the read of the seq itself says so.
                return Ok(match first.map(|r| entry_from(r)).transpose()? {
                    Some(e) => vec![(Key::Entry(e.seq), Answer::Entry(Some(e)))],
                    None => Vec::new(),
                });
            }
            Key::HoldUser(_) | Key::UserParty(..) => {
                let Some(r) = first else {
                    // No such user: the plain read says so.
                    return Ok(match self {
                        Key::UserParty(u, _) => vec![(Key::User(u.clone()), Answer::User(None))],
                        _ => Vec::new(),
                    });
                };
                let row = user_from(r)?;
                let mut out = Vec::new();
                if let Some((s, e)) = bounds_at(r, 11)? {
                    out.push((
                        Key::UserDays(row.id.clone(), s, e),
                        Answer::Counters(counters_from(r, 13, true)?),
                    ));
                }
                out.push((Key::User(row.id.clone()), Answer::User(Some(row))));
                return Ok(out);
            }
            Key::HoldOrg(_) | Key::OrgParty(_) => {
                let Some(r) = first else {
                    return Ok(Vec::new());
                };
                let mut out = vec![(Key::Org, Answer::Org(org_from(r)?))];
                if let Some((s, e)) = bounds_at(r, 8)? {
                    out.push((
                        Key::OrgDays(s, e),
                        Answer::Counters(counters_from(r, 10, false)?),
                    ));
                }
                return Ok(out);
            }
            Key::HoldUsable(_, today) => {
                let Some(r) = first else {
                    return Ok(Vec::new());
                };
                let owner: String = r.try_get(7)?;
                let mut grants = Vec::new();
                for r in rows {
                    // No usable grant: one row of NULLs.
                    if r.try_get::<_, Option<String>>(0)?.is_some() {
                        grants.push(grant_from(r)?);
                    }
                }
                grants.sort_by_key(|g| (g.expires.is_none(), g.expires, g.seq));
                return Ok(vec![(Key::Usable(owner, *today), Answer::Grants(grants))]);
            }
        };
        Ok(vec![(self.clone(), a)])
    }
}

fn one_row(r: Option<&Row>) -> Result<&Row> {
    r.ok_or_else(|| LedgerError::Corrupt("an aggregate returned no row".into()))
}
