//! Reading commands: `status`, `holds` and `report`.
//!
//! `status` shows each party in its current period from the caches (no
//! history is scanned); `report` aggregates settled spending straight from
//! the journal's `settle` and `charge` entries with one SQL `GROUP BY`,
//! folding days into ISO weeks or months afterwards.

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use rusqlite::{Connection, params};

use crate::money::{Money, plain};

use super::amount::Micros;
use super::config::Settings;
use super::docs::{HoldLine, HoldsDoc, PartyStatus, ReportDoc, ReportRow, StatusDoc};
use super::error::{LedgerError, Result};
use super::hold;
use super::journal::time_text;
use super::limits::{OrgView, UserView};
use super::period::{day_text, local_day, parse_day};
use super::state;

fn cr(m: i64) -> crate::money::Credits {
    Micros(m).credits()
}

fn user_status(v: &UserView) -> PartyStatus {
    let p = &v.period;
    PartyStatus {
        user: Some(v.row.id.clone()),
        cap: v.row.limits.cap.map(Micros::credits),
        period: v.row.limits.period,
        period_start: v.bounds.map(|(s, _)| day_text(s)),
        spent: cr(p.spent),
        held: cr(p.held),
        from_grants: cr(p.spent - p.allow_spent + p.held - p.allow_held),
        grants: cr(v.grants_free()),
        available: v.available().map(cr),
        open_holds: v.row.open_holds,
        max_holds: v.row.limits.max_holds,
        overruns: p.overruns,
    }
}

/// `status [USER]`.
pub(crate) fn status(
    conn: &Connection,
    settings: &Settings,
    now: DateTime<Utc>,
    user: Option<&str>,
) -> Result<StatusDoc> {
    let today = local_day(settings.timezone, now);
    let rows = match user {
        Some(id) => {
            vec![state::user(conn, id)?.ok_or_else(|| LedgerError::UnknownUser(id.into()))?]
        }
        None => state::users(conn)?,
    };
    let mut users = Vec::with_capacity(rows.len());
    for row in rows {
        users.push(user_status(&UserView::load(conn, row, today, today)?));
    }
    let org = OrgView::load(conn, state::org(conn)?, today)?;
    let o = &org.period;
    Ok(StatusDoc {
        schema: "genbudget.status/1",
        as_of: time_text(now),
        timezone: settings.timezone.name().into(),
        currency: settings.currency.code().into(),
        credit_value: plain(settings.credit_value),
        org: PartyStatus {
            user: None,
            cap: org.row.limits.cap.map(Micros::credits),
            period: org.row.limits.period,
            period_start: org.bounds.map(|(s, _)| day_text(s)),
            spent: cr(o.spent),
            held: cr(o.held),
            from_grants: cr(0),
            grants: cr(0),
            available: org.available().map(cr),
            open_holds: org.row.open_holds,
            max_holds: org.row.limits.max_holds,
            overruns: o.overruns,
        },
        users,
    })
}

/// `holds [--user U] [--all]`.
pub(crate) fn holds(conn: &Connection, user: Option<&str>, all: bool) -> Result<HoldsDoc> {
    if let Some(id) = user {
        if state::user(conn, id)?.is_none() {
            return Err(LedgerError::UnknownUser(id.into()));
        }
    }
    let holds = hold::list(conn, user, all)?
        .into_iter()
        .map(|h| HoldLine {
            state: h.state.as_str(),
            credits: cr(h.credits),
            settled: h.settled.map(cr),
            expires_at: h.expires_at.map(hold::micros_text),
            key: h.key,
            user: h.user,
            model: h.model,
            created_at: h.created_at,
            overrun: h.overrun,
        })
        .collect();
    Ok(HoldsDoc {
        schema: "genbudget.holds/1",
        holds,
    })
}

/// How `report` groups spending.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReportBy {
    User,
    Model,
    Day,
    Week,
    Month,
}

impl ReportBy {
    pub fn as_str(self) -> &'static str {
        match self {
            ReportBy::User => "user",
            ReportBy::Model => "model",
            ReportBy::Day => "day",
            ReportBy::Week => "week",
            ReportBy::Month => "month",
        }
    }
}

/// What `report` covers. Dates are ledger-local and inclusive; spending
/// counts on the date its hold was granted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReportQuery {
    pub by: ReportBy,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    pub user: Option<String>,
}

#[derive(Default)]
struct Sums {
    jobs: i64,
    credits: i64,
    overruns: i64,
    over: i64,
}

fn group_of(by: ReportBy, key: Option<String>) -> String {
    let key = key.unwrap_or_else(|| "(credits)".into());
    let day = || parse_day(&key);
    match by {
        ReportBy::Week => day().map_or(key.clone(), |d| {
            let w = d.iso_week();
            format!("{}-W{:02}", w.year(), w.week())
        }),
        ReportBy::Month => day().map_or(key.clone(), |d| format!("{}-{:02}", d.year(), d.month())),
        _ => key,
    }
}

/// `report`.
pub(crate) fn report(conn: &Connection, settings: &Settings, q: &ReportQuery) -> Result<ReportDoc> {
    if let (Some(f), Some(t)) = (q.from, q.to) {
        if f > t {
            return Err(LedgerError::input(
                "from",
                format!(
                    "{} is after --to {}; give a range that starts before it ends",
                    day_text(f),
                    day_text(t)
                ),
            ));
        }
    }
    let col = match q.by {
        ReportBy::User => "user",
        ReportBy::Model => "model",
        _ => "day",
    };
    let sql = format!(
        "SELECT {col}, count(*), sum(credits), count(over), coalesce(sum(over), 0) FROM journal
         WHERE kind IN ('settle', 'charge')
           AND (?1 IS NULL OR day >= ?1) AND (?2 IS NULL OR day <= ?2) AND (?3 IS NULL OR user = ?3)
         GROUP BY {col}"
    );
    let mut stmt = conn.prepare(&sql)?;
    let mut rows = stmt.query(params![q.from.map(day_text), q.to.map(day_text), q.user])?;
    let mut groups: BTreeMap<String, Sums> = BTreeMap::new();
    let mut total = Sums::default();
    while let Some(r) = rows.next()? {
        let s = groups.entry(group_of(q.by, r.get(0)?)).or_default();
        let (jobs, credits, overruns, over): (i64, i64, i64, i64) =
            (r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?);
        for t in [&mut *s, &mut total] {
            t.jobs += jobs;
            t.credits += credits;
            t.overruns += overruns;
            t.over += over;
        }
    }
    let row = |group: String, s: &Sums| ReportRow {
        group,
        jobs: s.jobs,
        credits: cr(s.credits),
        amount: Money::round(
            Micros(s.credits).to_decimal() * settings.credit_value,
            settings.currency,
        ),
        overruns: s.overruns,
        overrun_credits: cr(s.over),
    };
    let rows = groups.iter().map(|(g, s)| row(g.clone(), s)).collect();
    Ok(ReportDoc {
        schema: "genbudget.report/1",
        by: q.by.as_str(),
        from: q.from.map(day_text),
        to: q.to.map(day_text),
        user: q.user.clone(),
        currency: settings.currency.code().into(),
        credit_value: plain(settings.credit_value),
        rows,
        total: row("total".into(), &total),
    })
}
