//! Reading commands: `status`, `holds` and `report`.
//!
//! `status` shows each party in its current period from the caches (no
//! history is scanned); `report` aggregates settled spending straight from
//! the journal's `settle` and `charge` entries (the store groups them, e.g.
//! with one SQL `GROUP BY`), folding days into ISO weeks or months
//! afterwards.

use std::collections::BTreeMap;

use crate::money::{Money, plain};
use chrono::{DateTime, Datelike, NaiveDate, Utc};

use super::amount::Micros;
use super::docs::{HoldLine, HoldsDoc, PartyStatus, ReportDoc, ReportRow, StatusDoc};
use super::error::{LedgerError, Result};
use super::journal::time_text;
use super::ops::{Tx, micros_text};
use super::period::{day_text, local_day, parse_day};
use super::rules::limits::UserView;
use super::store::{SpendColumn, SpendQuery};

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
pub(crate) fn status(tx: &mut Tx<'_>, now: DateTime<Utc>, user: Option<&str>) -> Result<StatusDoc> {
    let settings = tx.settings;
    let today = local_day(settings.timezone, now);
    let rows = match user {
        Some(id) => vec![tx.user_row(id)?],
        None => tx.st.users()?,
    };
    let mut users = Vec::with_capacity(rows.len());
    for row in rows {
        users.push(user_status(&tx.user_view(row, today, today)?));
    }
    let org = tx.org_view(today)?;
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
pub(crate) fn holds(tx: &mut Tx<'_>, user: Option<&str>, all: bool) -> Result<HoldsDoc> {
    if let Some(id) = user {
        tx.user_row(id)?;
    }
    let holds = tx
        .st
        .holds(user, all)?
        .into_iter()
        .map(|h| HoldLine {
            state: h.state.as_str(),
            credits: cr(h.credits),
            settled: h.settled.map(cr),
            expires_at: h.expires_at.map(micros_text),
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
pub(crate) fn report(tx: &mut Tx<'_>, q: &ReportQuery) -> Result<ReportDoc> {
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
    let by = match q.by {
        ReportBy::User => SpendColumn::User,
        ReportBy::Model => SpendColumn::Model,
        _ => SpendColumn::Day,
    };
    let spend = tx.st.spending(&SpendQuery {
        by,
        from: q.from,
        to: q.to,
        user: q.user.clone(),
    })?;
    let mut groups: BTreeMap<String, Sums> = BTreeMap::new();
    let mut total = Sums::default();
    for g in spend {
        let s = groups.entry(group_of(q.by, g.key)).or_default();
        for t in [&mut *s, &mut total] {
            t.jobs += g.jobs;
            t.credits += g.credits;
            t.overruns += g.overruns;
            t.over += g.over;
        }
    }
    let settings = tx.settings;
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
