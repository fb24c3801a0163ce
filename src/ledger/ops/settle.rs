//! Ending holds: `settle` (spend the actual cost, return the rest) and
//! `release` (return everything); expiry is the sweep in `ops/mod.rs`.
//!
//! Settling spends the hold's own credits in its allocation's order. A cost
//! above the hold is recorded in full and flagged `overrun`: the excess is
//! drawn on whatever allowance and grants are free, and the part nothing
//! covers is charged to the allowance anyway (the money was spent). A settle
//! after the hold expired is judged afresh against the hold's period and is
//! an overrun only if the cost no longer fits. Settling or releasing twice
//! returns the first outcome.

use chrono::{DateTime, Utc};

use crate::ledger::amount::Micros;
use crate::ledger::docs::HoldDoc;
use crate::ledger::error::{LedgerError, Result};
use crate::ledger::event::{Ended, Event, HoldKind, Settled};
use crate::ledger::input;
use crate::ledger::price::Cost;
use crate::ledger::state::{Hold, HoldState};
use crate::ledger::store::Read;

use super::{Tx, micros_text};

fn find(tx: &mut Tx<'_>, key: &str, verb: &str) -> Result<Hold> {
    let h = tx
        .st
        .hold(key)?
        .ok_or_else(|| LedgerError::UnknownKey(key.into()))?;
    if h.kind == HoldKind::Charge {
        return Err(LedgerError::Conflict(format!(
            "key `{key}` is a one-step charge, settled when it was made; there is no hold to {verb}"
        )));
    }
    Ok(h)
}

/// The user's available credits in the current period.
fn available_now(tx: &mut Tx<'_>, user: &str, now: DateTime<Utc>) -> Result<Option<Micros>> {
    let today = tx.day(now);
    let announced = tx.reads_with(Vec::new(), Some((user, today, today)), false);
    tx.st.prefetch(&announced)?;
    let row = tx.user_row(user)?;
    Ok(tx.user_view(row, today, today)?.available().map(Micros))
}

/// The `available` an ended hold's last entry recorded, for a repeat.
fn recorded_available(tx: &mut Tx<'_>, h: &Hold) -> Result<Option<Micros>> {
    let Some(seq) = h.end_seq else {
        return Ok(None);
    };
    Ok(match tx.event(seq)? {
        Event::Settle(s) => s.available,
        Event::Release { available, .. } => available,
        _ => None,
    })
}

/// The document for an ended hold.
fn end_doc(h: &Hold, available: Option<Micros>, replayed: bool) -> HoldDoc {
    HoldDoc {
        schema: "genbudget.hold/1",
        key: h.key.clone(),
        user: h.user.clone(),
        state: h.state.as_str(),
        credits: Micros(h.credits).credits(),
        settled: h.settled.map(|s| Micros(s).credits()),
        available: available.map(Micros::credits),
        expires_at: h.expires_at.map(micros_text),
        overrun: h.overrun,
        replayed,
    }
}

/// A hold or charge as it stands now: its state, and its user's available
/// credits in the current period (for `GET /v1/holds/{key}`).
pub(crate) fn show(tx: &mut Tx<'_>, now: DateTime<Utc>, key: &str) -> Result<HoldDoc> {
    input::check_key(key)?;
    let h = tx
        .st
        .hold(key)?
        .ok_or_else(|| LedgerError::UnknownKey(key.into()))?;
    let available = available_now(tx, &h.user, now)?;
    Ok(end_doc(&h, available, false))
}

/// The reads a settle of `key` makes first, announced at once: the sweep,
/// the hold, and (by its key) its user's and the org's position; the
/// limits entries while no row has been checked.
pub(crate) fn settle_reads<'r>(tx: &Tx<'_>, now: DateTime<Utc>, key: &'r str) -> Vec<Read<'r>> {
    let mut reads = vec![
        Read::Overdue(now),
        Read::Hold(key),
        Read::HoldParty(key, tx.day(now)),
    ];
    if tx.checked.is_empty() {
        reads.extend([Read::HoldLimits(key), Read::LimitsEntry(None)]);
    }
    reads
}

/// The reads a release of `key` makes first: the sweep and the hold (its
/// user's position is read once the hold names the user).
pub(crate) fn release_reads(now: DateTime<Utc>, key: &str) -> Vec<Read<'_>> {
    vec![Read::Overdue(now), Read::Hold(key)]
}

/// Settles a hold for `cost` (default: the amount held).
pub(crate) fn settle(
    tx: &mut Tx<'_>,
    now: DateTime<Utc>,
    key: &str,
    cost: Option<&Cost>,
) -> Result<HoldDoc> {
    input::check_key(key)?;
    let today = tx.day(now);
    let announced = settle_reads(tx, now, key);
    tx.st.prefetch(&announced)?;
    tx.sweep(now)?;
    let h = find(tx, key, "settle")?;
    if let Some(Cost::Priced { model, .. }) = cost {
        if h.model.as_deref() != Some(model.as_str()) {
            return Err(LedgerError::input(
                "model",
                format!(
                    "hold `{key}` was reserved {}; settle it with credits or the same model",
                    h.model
                        .as_ref()
                        .map_or("by credits".to_string(), |m| format!("for {m}"))
                ),
            ));
        }
    }
    let amount = match cost {
        Some(c) => c.micros()?.0,
        None => h.credits,
    };
    match h.state {
        HoldState::Settled => {
            let first = h.settled.unwrap_or_default();
            if first != amount {
                return Err(LedgerError::KeyConflict {
                    key: key.into(),
                    field: "credits".into(),
                    first: format!("{} (already settled)", Micros(first)),
                    now: Micros(amount).to_string(),
                });
            }
            let available = recorded_available(tx, &h)?;
            return Ok(end_doc(&h, available, true));
        }
        HoldState::Released => {
            return Err(LedgerError::Conflict(format!(
                "hold `{key}` was released; a released hold cannot be settled"
            )));
        }
        HoldState::Open | HoldState::Expired => {}
    }
    let late = h.state == HoldState::Expired;
    // The reads below were announced with the hold (`HoldParty`).
    let row = tx.user_row(&h.user)?;
    let user = tx.user_view(row, h.day, today)?;
    let org = tx.org_view(h.day)?;
    let (spend, over) = if late {
        let (spend, rest) = user.allocate(amount);
        let org_short = org.available().map_or(0, |free| (amount - free).max(0));
        (spend, rest.max(org_short))
    } else if amount <= h.credits {
        (h.alloc.consume(amount), 0)
    } else {
        // The hold's own credits, then the excess from what is still free.
        let excess = amount - h.credits;
        let (extra, _) = user.allocate(excess);
        (h.alloc.clone().merge(extra), excess)
    };
    let overrun = over > 0;
    let s = Settled {
        user: h.user.clone(),
        key: key.into(),
        model: h.model.clone(),
        day: h.day,
        credits: Micros(amount),
        spend,
        over: overrun.then_some(Micros(over)),
        overrun,
        late,
        available: None,
    };
    let (seq, event) = tx.append_filled(now, Event::Settle(s), |tx, e| {
        if let Event::Settle(s) = e {
            s.available = available_now(tx, &h.user, now)?;
        }
        Ok(())
    })?;
    let available = match event {
        Event::Settle(s) => s.available,
        _ => None,
    };
    let ended = Hold {
        state: HoldState::Settled,
        settled: Some(amount),
        overrun,
        end_seq: Some(seq),
        ..h
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
    tx.st.prefetch(&release_reads(now, key))?;
    tx.sweep(now)?;
    let h = find(tx, key, "release")?;
    match h.state {
        HoldState::Settled => {
            return Err(LedgerError::Conflict(format!(
                "hold `{key}` was settled; a settled hold cannot be released"
            )));
        }
        HoldState::Released => {
            let (first, available) = match tx.event(h.end_seq.unwrap_or_default())? {
                Event::Release {
                    reason, available, ..
                } => (reason, available),
                _ => (None, None),
            };
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
            return Ok(end_doc(&h, available, true));
        }
        HoldState::Open | HoldState::Expired => {}
    }
    let late = h.state == HoldState::Expired;
    let ended = Ended {
        user: h.user.clone(),
        key: key.into(),
        model: h.model.clone(),
        day: h.day,
        credits: Micros(if late { 0 } else { h.credits }),
    };
    let e = Event::Release {
        ended,
        reason: reason.map(String::from),
        late,
        available: None,
    };
    let user = h.user.clone();
    let (seq, event) = tx.append_filled(now, e, |tx, e| {
        if let Event::Release { available, .. } = e {
            *available = available_now(tx, &user, now)?;
        }
        Ok(())
    })?;
    let available = match event {
        Event::Release { available, .. } => available,
        _ => None,
    };
    let ended = Hold {
        state: HoldState::Released,
        end_seq: Some(seq),
        ..h
    };
    Ok(end_doc(&ended, available, false))
}
