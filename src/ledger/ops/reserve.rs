//! Granting holds (`reserve`) and one-step charges (`charge`), with the
//! idempotent replay of a repeated key.
//!
//! A request is checked against the user's and the org's limits in the
//! current period ([`limits::check`]) inside the write transaction; if it
//! fits, its credits are split over the allowance and grants and one event
//! records the hold (or the charge) with that split. A repeated key with
//! the same request returns the original document; with a different
//! request it is an error naming the first field that differs.

use chrono::{DateTime, Datelike, Duration, Utc};

use crate::ledger::amount::Micros;
use crate::ledger::docs::{Decision, HoldDoc};
use crate::ledger::error::{LedgerError, Result};
use crate::ledger::event::{Event, HoldKind, Opened, RequestRecord};
use crate::ledger::input;
use crate::ledger::price::Cost;
use crate::ledger::rules::limits;
use crate::ledger::state::Hold;
use crate::ledger::store::Read;

use super::{Tx, micros_text};

/// A request for a hold (`reserve`) or a one-step charge (`charge`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HoldRequest {
    pub user: String,
    /// The client's job id; repeating it repeats the request.
    pub key: String,
    pub cost: Cost,
    /// TTL in seconds (holds only); default: the ledger's.
    pub ttl: Option<i64>,
}

impl HoldRequest {
    /// The request as its opening entry records it.
    pub fn record(&self) -> RequestRecord {
        let mut r = self.cost.record();
        r.ttl = self.ttl.map(input::duration_text);
        r
    }
}

/// The reads a reserve or charge of `req` makes first, announced at once:
/// the sweep, the key, and the user's and the org's position today.
pub(crate) fn reads<'r>(tx: &Tx<'_>, now: DateTime<Utc>, req: &'r HoldRequest) -> Vec<Read<'r>> {
    let today = tx.day(now);
    tx.reads_with(
        vec![
            Read::Overdue(now),
            Read::Hold(&req.key),
            Read::Grant(&req.key),
        ],
        Some((&req.user, today, today)),
        true,
    )
}

/// Grants a hold or a charge, or says which limit denies it.
pub(crate) fn run(
    tx: &mut Tx<'_>,
    now: DateTime<Utc>,
    req: &HoldRequest,
    kind: HoldKind,
) -> Result<Decision> {
    input::check_user(&req.user)?;
    input::check_key(&req.key)?;
    let amount = req.cost.micros()?;
    if amount.0 == 0 && req.cost.model().is_none() {
        return Err(LedgerError::input(
            "credits",
            "`0` asks for nothing; a hold or charge is for more than 0 credits",
        ));
    }
    if let Some(t) = req.ttl {
        if t <= 0 || t > input::MAX_TTL_SECS {
            return Err(LedgerError::input(
                "ttl",
                "a TTL is more than 0 and at most 30d",
            ));
        }
    }
    if kind == HoldKind::Charge && req.ttl.is_some() {
        return Err(LedgerError::input(
            "ttl",
            "a charge has no TTL (it is settled at once)",
        ));
    }
    let today = tx.day(now);
    let announced = reads(tx, now, req);
    tx.st.prefetch(&announced)?;
    tx.sweep(now)?;
    if let Some(existing) = tx.st.hold(&req.key)? {
        return replay(tx, &existing, req, kind).map(Decision::Granted);
    }
    if tx.st.grant(&req.key)?.is_some() {
        return Err(LedgerError::Conflict(format!(
            "key `{}` names a grant, not a hold; use another key",
            req.key
        )));
    }
    let row = tx.user_row(&req.user)?;
    let user = tx.user_view(row, today, today)?;
    let org = tx.org_view(today)?;
    if let Some(denial) = limits::check(&user, &org, &req.key, amount.0, kind == HoldKind::Hold) {
        return Ok(Decision::Denied(denial));
    }
    let (alloc, _) = user.allocate(amount.0);
    let available = user.available().map(|a| Micros(a - amount.0));
    let ttl = req.ttl.unwrap_or(tx.settings.hold_ttl);
    let expires_at =
        (kind == HoldKind::Hold).then(|| whole_second_up(now + Duration::seconds(ttl)));
    if expires_at.is_some_and(|t| t.year() > 9999) {
        // The journal writes times as RFC 3339, which stops at year 9999.
        return Err(LedgerError::input(
            "now",
            format!(
                "the clock reads {}: a hold granted now would expire after 9999-12-31T23:59:59Z, the last time the ledger can write",
                now.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
            ),
        ));
    }
    let opened = Opened {
        kind,
        user: req.user.clone(),
        key: req.key.clone(),
        model: req.cost.model().map(String::from),
        day: today,
        credits: amount,
        alloc,
        request: req.record(),
        available,
        // Whole seconds, rounded up: a hold never lasts less than its TTL,
        // and its expiry reads without a fraction.
        expires_at,
    };
    tx.append(now, Event::Open(opened.clone()))?;
    Ok(Decision::Granted(doc(&opened, false)))
}

/// `t` rounded up to a whole second.
fn whole_second_up(t: DateTime<Utc>) -> DateTime<Utc> {
    let secs = t.timestamp() + i64::from(t.timestamp_subsec_nanos() > 0);
    DateTime::from_timestamp(secs, 0).unwrap_or(t)
}

/// The document for a hold or charge as it was created.
fn doc(o: &Opened, replayed: bool) -> HoldDoc {
    let charge = o.kind == HoldKind::Charge;
    HoldDoc {
        schema: "genbudget.hold/1",
        key: o.key.clone(),
        user: o.user.clone(),
        state: if charge { "settled" } else { "open" },
        credits: o.credits.credits(),
        settled: charge.then(|| o.credits.credits()),
        available: o.available.map(Micros::credits),
        expires_at: o.expires_at.map(|t| micros_text(t.timestamp_micros())),
        overrun: false,
        replayed,
    }
}

/// A repeated key: the original result if the request is the same.
fn replay(tx: &mut Tx<'_>, existing: &Hold, req: &HoldRequest, kind: HoldKind) -> Result<HoldDoc> {
    let conflict = |field: &str, first: String, now: String| LedgerError::KeyConflict {
        key: req.key.clone(),
        field: field.into(),
        first,
        now,
    };
    if existing.kind != kind {
        return Err(conflict(
            "command",
            existing.kind.command().into(),
            kind.command().into(),
        ));
    }
    if existing.user != req.user {
        return Err(conflict("user", existing.user.clone(), req.user.clone()));
    }
    let Event::Open(first) = tx.event(existing.seq)? else {
        return Err(LedgerError::Corrupt(format!(
            "journal entry {} does not open hold `{}`",
            existing.seq, req.key
        )));
    };
    if let Some((field, a, b)) = first.request.first_difference(&req.record()) {
        return Err(conflict(&field, a, b));
    }
    Ok(doc(&first, true))
}
