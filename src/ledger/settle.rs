//! Ending holds: `settle` (spend the actual cost, return the rest) and
//! `release` (return everything); expiry lives in `tx.rs`.
//!
//! Settling spends the hold's own credits in its allocation's order. A cost
//! above the hold is recorded in full and flagged `overrun`: the excess is
//! drawn on whatever allowance and grants are free, and the part nothing
//! covers is charged to the allowance anyway (the money was spent). A settle
//! after the hold expired is judged afresh against the hold's period and is
//! an overrun only if the cost no longer fits. Settling or releasing twice
//! returns the first outcome.

use chrono::{DateTime, NaiveDate, Utc};
use serde_json::{Value, json};

use super::amount::Micros;
use super::docs::HoldDoc;
use super::error::{LedgerError, Result};
use super::hold::{self, Allocation, HoldRow, HoldState};
use super::input;
use super::journal::{self, NewEntry};
use super::limits::{OrgView, UserView};
use super::period::parse_day;
use super::reserve::Cost;
use super::state;
use super::tx::Tx;

fn find(tx: &Tx<'_>, key: &str, verb: &str) -> Result<HoldRow> {
    let row = hold::get(tx.conn, key)?.ok_or_else(|| LedgerError::UnknownKey(key.into()))?;
    if row.kind == "charge" {
        return Err(LedgerError::Conflict(format!(
            "key `{key}` is a one-step charge, settled when it was made; there is no hold to {verb}"
        )));
    }
    Ok(row)
}

fn views(tx: &Tx<'_>, row: &HoldRow, now: DateTime<Utc>) -> Result<(UserView, OrgView)> {
    let day = parse_day(&row.day).unwrap_or_else(|| tx.day(now));
    let user = state::user(tx.conn, &row.user)?
        .ok_or_else(|| LedgerError::UnknownUser(row.user.clone()))?;
    let user = UserView::load(tx.conn, user, day, tx.day(now))?;
    let org = OrgView::load(tx.conn, state::org(tx.conn)?, day)?;
    Ok((user, org))
}

/// The user's available credits in the current period.
fn available_now(tx: &Tx<'_>, user: &str, now: DateTime<Utc>) -> Result<Option<i64>> {
    let today: NaiveDate = tx.day(now);
    let row = state::user(tx.conn, user)?.ok_or_else(|| LedgerError::UnknownUser(user.into()))?;
    Ok(UserView::load(tx.conn, row, today, today)?.available())
}

fn merge(mut a: Allocation, b: Allocation) -> Allocation {
    a.allow += b.allow;
    for (k, v) in b.grants {
        match a.grants.iter_mut().find(|(g, _)| *g == k) {
            Some((_, total)) => *total += v,
            None => a.grants.push((k, v)),
        }
    }
    a
}

/// The data of the entry that ended a hold.
fn end_data(tx: &Tx<'_>, row: &HoldRow) -> Result<Value> {
    Ok(row
        .end_seq
        .map(|s| journal::entry(tx.conn, s))
        .transpose()?
        .flatten()
        .and_then(|e| e.data_value())
        .unwrap_or(Value::Null))
}

/// The original document of an ended hold, for a repeat.
fn replay_doc(tx: &Tx<'_>, row: &HoldRow) -> Result<HoldDoc> {
    let available = end_data(tx, row)?
        .get("available")
        .and_then(Value::as_str)
        .and_then(|a| Micros::parse(a).ok())
        .map(|m| m.0);
    Ok(end_doc(row, available, true))
}

/// The document for an ended hold.
fn end_doc(row: &HoldRow, available: Option<i64>, replayed: bool) -> HoldDoc {
    HoldDoc {
        schema: "genbudget.hold/1",
        key: row.key.clone(),
        user: row.user.clone(),
        state: row.state.as_str(),
        credits: Micros(row.credits).credits(),
        settled: row.settled.map(|s| Micros(s).credits()),
        available: available.map(|a| Micros(a).credits()),
        expires_at: row.expires_at.map(hold::micros_text),
        overrun: row.overrun,
        replayed,
    }
}

/// Settles a hold for `cost` (default: the amount held).
pub(crate) fn settle(
    tx: &mut Tx<'_>,
    now: DateTime<Utc>,
    key: &str,
    cost: Option<&Cost>,
) -> Result<HoldDoc> {
    input::check_key(key)?;
    tx.sweep(now)?;
    let row = find(tx, key, "settle")?;
    if let Some(Cost::Priced { model, .. }) = cost {
        if row.model.as_deref() != Some(model.as_str()) {
            return Err(LedgerError::input(
                "model",
                format!(
                    "hold `{key}` was reserved {}; settle it with --credits or the same model",
                    row.model
                        .as_ref()
                        .map_or("by credits".to_string(), |m| format!("for {m}"))
                ),
            ));
        }
    }
    let amount = match cost {
        Some(c) => c.micros()?.0,
        None => row.credits,
    };
    match row.state {
        HoldState::Settled => {
            let first = row.settled.unwrap_or_default();
            if first != amount {
                return Err(LedgerError::KeyConflict {
                    key: key.into(),
                    field: "credits".into(),
                    first: format!("{} (already settled)", Micros(first)),
                    now: Micros(amount).to_string(),
                });
            }
            return replay_doc(tx, &row);
        }
        HoldState::Released => {
            return Err(LedgerError::Conflict(format!(
                "hold `{key}` was released; a released hold cannot be settled"
            )));
        }
        HoldState::Open | HoldState::Expired => {}
    }
    let late = row.state == HoldState::Expired;
    let (user, org) = views(tx, &row, now)?;
    let (spend, over) = if late {
        let (spend, rest) = user.allocate(amount);
        let org_short = org.available().map_or(0, |free| (amount - free).max(0));
        (spend, rest.max(org_short))
    } else if amount <= row.credits {
        (row.alloc.consume(amount), 0)
    } else {
        // The hold's own credits, then the excess from what is still free.
        let excess = amount - row.credits;
        let (extra, _) = user.allocate(excess);
        (merge(row.alloc.clone(), extra), excess)
    };
    let overrun = over > 0;
    if !late {
        tx.give_back(&row)?;
    }
    tx.book_spend(&row.user, &row.day, amount, &spend, overrun)?;
    let available = available_now(tx, &row.user, now)?;
    let (allow, grants) = spend.to_json();
    let data = json!({
        "allow": allow,
        "grants": grants,
        "late": late,
        "overrun": overrun,
        "available": available.map(|a| Micros(a).to_string()),
    });
    let e = NewEntry {
        user: Some(&row.user),
        key: Some(key),
        model: row.model.as_deref(),
        day: Some(&row.day),
        credits: Some(Micros(amount)),
        over: overrun.then_some(Micros(over)),
        ..NewEntry::new("settle", data)
    };
    let seq = tx.append(now, &e)?;
    hold::end(tx.conn, key, HoldState::Settled, Some(amount), overrun, seq)?;
    let ended = HoldRow {
        state: HoldState::Settled,
        settled: Some(amount),
        overrun,
        end_seq: Some(seq),
        ..row
    };
    Ok(end_doc(&ended, available, false))
}

/// Releases a hold: its job failed, nothing was spent.
pub(crate) fn release(
    tx: &mut Tx<'_>,
    now: DateTime<Utc>,
    key: &str,
    reason: Option<&str>,
) -> Result<HoldDoc> {
    input::check_key(key)?;
    tx.sweep(now)?;
    let row = find(tx, key, "release")?;
    match row.state {
        HoldState::Settled => {
            return Err(LedgerError::Conflict(format!(
                "hold `{key}` was settled; a settled hold cannot be released"
            )));
        }
        HoldState::Released => {
            let first = end_data(tx, &row)?
                .get("reason")
                .and_then(Value::as_str)
                .map(String::from);
            if first.as_deref() != reason {
                let show =
                    |r: Option<&str>| r.map_or("(not given)".to_string(), |r| format!("`{r}`"));
                return Err(LedgerError::KeyConflict {
                    key: key.into(),
                    field: "reason".into(),
                    first: show(first.as_deref()),
                    now: show(reason),
                });
            }
            return replay_doc(tx, &row);
        }
        HoldState::Open | HoldState::Expired => {}
    }
    let late = row.state == HoldState::Expired;
    if !late {
        tx.give_back(&row)?;
    }
    let available = available_now(tx, &row.user, now)?;
    let returned = if late { 0 } else { row.credits };
    let data = json!({
        "reason": reason,
        "late": late,
        "available": available.map(|a| Micros(a).to_string()),
    });
    let e = NewEntry {
        user: Some(&row.user),
        key: Some(key),
        model: row.model.as_deref(),
        day: Some(&row.day),
        credits: Some(Micros(returned)),
        ..NewEntry::new("release", data)
    };
    let seq = tx.append(now, &e)?;
    hold::end(tx.conn, key, HoldState::Released, None, false, seq)?;
    let ended = HoldRow {
        state: HoldState::Released,
        end_seq: Some(seq),
        ..row
    };
    Ok(end_doc(&ended, available, false))
}
