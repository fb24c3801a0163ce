//! Grants: extra credits for one user beyond the period cap, with an
//! optional last day of use and a note.
//!
//! A grant is drawn on only after the period allowance is used up, earliest
//! expiry first (`rules::limits`); the part a hold takes stays reserved for
//! that hold even if the grant expires before the hold is settled. Grants
//! are keyed like holds, so repeating a grant is idempotent.

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;

use crate::ledger::amount::Micros;
use crate::ledger::docs::GrantDoc;
use crate::ledger::error::{LedgerError, Result};
use crate::ledger::event::{Event, Granted};
use crate::ledger::input;
use crate::ledger::period::day_text;
use crate::ledger::state::Grant;

use super::Tx;

/// Longest note on a grant.
pub const MAX_NOTE_LEN: usize = 500;

/// A request for a grant.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GrantRequest {
    pub user: String,
    pub key: String,
    pub credits: Decimal,
    /// Last local date the grant can be used (inclusive).
    pub expires: Option<NaiveDate>,
    pub note: Option<String>,
}

fn doc(req: &GrantRequest, credits: Micros, replayed: bool) -> GrantDoc {
    GrantDoc {
        schema: "genbudget.grant/1",
        key: req.key.clone(),
        user: req.user.clone(),
        credits: credits.credits(),
        expires: req.expires.map(day_text),
        note: req.note.clone(),
        replayed,
    }
}

pub(crate) fn grant(tx: &mut Tx<'_>, now: DateTime<Utc>, req: &GrantRequest) -> Result<GrantDoc> {
    input::check_user(&req.user)?;
    input::check_key(&req.key)?;
    let credits =
        Micros::from_decimal(req.credits).map_err(|m| LedgerError::input("credits", m))?;
    if credits.0 == 0 {
        return Err(LedgerError::input(
            "credits",
            "a grant is for more than 0 credits",
        ));
    }
    if req
        .note
        .as_ref()
        .is_some_and(|n| n.chars().count() > MAX_NOTE_LEN)
    {
        return Err(LedgerError::input(
            "note",
            format!("a note has at most {MAX_NOTE_LEN} characters"),
        ));
    }
    tx.sweep(now)?;
    if let Some(existing) = tx.st.grant(&req.key)? {
        return replay(tx, &existing, req, credits);
    }
    if tx.st.hold(&req.key)?.is_some() {
        return Err(LedgerError::Conflict(format!(
            "key `{}` names a hold or charge, not a grant; use another key",
            req.key
        )));
    }
    tx.user_row(&req.user)?;
    let today = tx.day(now);
    if let Some(e) = req.expires {
        if e < today {
            return Err(LedgerError::input(
                "expires",
                format!(
                    "{} is before today ({}) in the ledger's timezone; a grant's expiry is its last day of use",
                    day_text(e),
                    day_text(today)
                ),
            ));
        }
    }
    let e = Event::Grant(Granted {
        user: req.user.clone(),
        key: req.key.clone(),
        credits,
        expires: req.expires,
        note: req.note.clone(),
    });
    tx.append(now, e)?;
    Ok(doc(req, credits, false))
}

fn replay(tx: &mut Tx<'_>, g: &Grant, req: &GrantRequest, credits: Micros) -> Result<GrantDoc> {
    let note = match tx.event(g.seq)? {
        Event::Grant(first) => first.note,
        _ => None,
    };
    let show = |v: Option<String>| v.unwrap_or_else(|| "(not given)".into());
    let diffs = [
        ("user", Some(g.user.clone()), Some(req.user.clone())),
        (
            "credits",
            Some(Micros(g.credits).to_string()),
            Some(credits.to_string()),
        ),
        (
            "expires",
            g.expires.map(day_text),
            req.expires.map(day_text),
        ),
        ("note", note, req.note.clone()),
    ];
    for (field, first, now) in diffs {
        if first != now {
            return Err(LedgerError::KeyConflict {
                key: req.key.clone(),
                field: field.into(),
                first: show(first),
                now: show(now),
            });
        }
    }
    Ok(doc(req, credits, true))
}
