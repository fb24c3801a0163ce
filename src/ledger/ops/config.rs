//! Users and the org: `user add`, `user set` and `org set`.
//!
//! Each change of limits is one event carrying the complete new limits, so
//! `verify` can replay which cap was in force when each hold was granted.

use chrono::{DateTime, Utc};

use crate::ledger::amount::Micros;
use crate::ledger::docs::{LimitsDoc, UserLimits};
use crate::ledger::error::{LedgerError, Result};
use crate::ledger::event::Event;
use crate::ledger::input;
use crate::ledger::period::Period;
use crate::ledger::state::Limits;

use super::Tx;

/// A change to limits: `None` leaves a field as it is; `Some(None)` clears
/// a cap or `max_holds`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LimitsChange {
    pub cap: Option<Option<Micros>>,
    pub period: Option<Period>,
    pub max_holds: Option<Option<i64>>,
}

impl LimitsChange {
    fn is_empty(&self) -> bool {
        self.cap.is_none() && self.period.is_none() && self.max_holds.is_none()
    }

    fn apply(&self, mut l: Limits) -> Limits {
        if let Some(cap) = self.cap {
            l.cap = cap;
        }
        if let Some(p) = self.period {
            l.period = p;
        }
        if let Some(m) = self.max_holds {
            l.max_holds = m;
        }
        l
    }
}

/// Limits as a document.
pub fn limits_doc(l: &Limits) -> LimitsDoc {
    LimitsDoc {
        cap: l.cap.map(Micros::credits),
        period: l.period,
        max_holds: l.max_holds,
    }
}

pub(crate) fn add_user(
    tx: &mut Tx<'_>,
    now: DateTime<Utc>,
    id: &str,
    l: &Limits,
) -> Result<UserLimits> {
    input::check_user(id)?;
    tx.sweep(now)?;
    if tx.st.user(id)?.is_some() {
        return Err(LedgerError::Conflict(format!(
            "user `{id}` already exists; change its limits with `genbudget ledger user set {id}`"
        )));
    }
    let e = Event::UserAdd {
        user: id.into(),
        limits: *l,
    };
    tx.append(now, e)?;
    Ok(UserLimits {
        user: id.to_string(),
        limits: limits_doc(l),
    })
}

pub(crate) fn set_user(
    tx: &mut Tx<'_>,
    now: DateTime<Utc>,
    id: &str,
    change: &LimitsChange,
) -> Result<UserLimits> {
    input::check_user(id)?;
    if change.is_empty() {
        return Err(LedgerError::input(
            "user set",
            "nothing to change; give --cap, --period or --max-holds",
        ));
    }
    tx.sweep(now)?;
    let row = tx.user_row(id)?;
    tx.check_limits(&row)?;
    let l = change.apply(row.limits);
    let e = Event::UserSet {
        user: id.into(),
        limits: l,
    };
    tx.append(now, e)?;
    Ok(UserLimits {
        user: id.to_string(),
        limits: limits_doc(&l),
    })
}

pub(crate) fn set_org(
    tx: &mut Tx<'_>,
    now: DateTime<Utc>,
    change: &LimitsChange,
) -> Result<LimitsDoc> {
    if change.is_empty() {
        return Err(LedgerError::input(
            "org set",
            "nothing to change; give --cap, --period or --max-holds",
        ));
    }
    tx.sweep(now)?;
    let org = tx.st.org()?;
    tx.check_limits(&org)?;
    let l = change.apply(org.limits);
    tx.append(now, Event::OrgSet { limits: l })?;
    Ok(limits_doc(&l))
}
