//! Granting holds (`reserve`) and one-step charges (`charge`), with the
//! idempotent replay of a repeated key.
//!
//! A request is checked against the user's and the org's limits in the
//! current period (`limits.rs`) inside the write transaction; if it fits,
//! its credits are split over the allowance and grants and one journal entry
//! records the hold (or the charge) with that split. A repeated key with the
//! same request returns the original document; with a different request it
//! is an error naming the first field that differs.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, Utc};
use rust_decimal::Decimal;
use serde_json::{Map, Value, json};

use super::amount::Micros;
use super::docs::{Decision, HoldDoc};
use super::error::{LedgerError, Result};
use super::hold::{self, HoldRow, HoldState};
use super::input;
use super::journal::{self, NewEntry, time_text};
use super::limits::{self, OrgView, UserView};
use super::period::day_text;
use super::state::{self, Counters, Delta};
use super::tx::Tx;

/// What a request costs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Cost {
    /// An amount of credits given directly (`--credits N`).
    Credits(Decimal),
    /// A model-priced request: the model, the request as given (`seconds`,
    /// `resolution`, …) and its price in credits, already rounded up.
    Priced {
        model: String,
        spec: BTreeMap<String, String>,
        credits: Decimal,
    },
}

impl Cost {
    /// The amount in micro-credits.
    pub(crate) fn micros(&self) -> Result<Micros> {
        match self {
            Cost::Credits(d) => {
                Micros::from_decimal(*d).map_err(|m| LedgerError::input("credits", m))
            }
            Cost::Priced { credits, model, .. } => Micros::ceil_from(*credits)
                .map_err(|m| LedgerError::input("model", format!("{model} costs {m}"))),
        }
    }

    /// The model, if priced.
    pub fn model(&self) -> Option<&str> {
        match self {
            Cost::Credits(_) => None,
            Cost::Priced { model, .. } => Some(model),
        }
    }

    /// The request's fields as recorded in the journal (for idempotency).
    fn fields(&self) -> Map<String, Value> {
        let mut m = Map::new();
        match self {
            Cost::Credits(d) => {
                m.insert("credits".into(), json!(d.normalize().to_string()));
            }
            Cost::Priced { model, spec, .. } => {
                m.insert("model".into(), json!(model));
                for (k, v) in spec {
                    m.insert(k.clone(), json!(v));
                }
            }
        }
        m
    }
}

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
    fn request_json(&self) -> Value {
        let mut m = self.cost.fields();
        if let Some(t) = self.ttl {
            m.insert("ttl".into(), json!(input::duration_text(t)));
        }
        Value::Object(m)
    }
}

/// Whether a request makes a hold or a charge.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    Hold,
    Charge,
}

impl Kind {
    fn entry(self) -> &'static str {
        match self {
            Kind::Hold => "hold",
            Kind::Charge => "charge",
        }
    }

    fn command(kind: &str) -> &'static str {
        if kind == "charge" {
            "charge"
        } else {
            "reserve"
        }
    }
}

/// Grants a hold or a charge, or says which limit denies it.
pub(crate) fn run(
    tx: &mut Tx<'_>,
    now: DateTime<Utc>,
    req: &HoldRequest,
    kind: Kind,
) -> Result<Decision> {
    input::check_user(&req.user)?;
    input::check_key(&req.key)?;
    let amount = req.cost.micros()?;
    if amount.0 == 0 && matches!(req.cost, Cost::Credits(_)) {
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
    if kind == Kind::Charge && req.ttl.is_some() {
        return Err(LedgerError::input(
            "ttl",
            "a charge has no TTL (it is settled at once)",
        ));
    }
    tx.sweep(now)?;
    if let Some(existing) = hold::get(tx.conn, &req.key)? {
        return replay(tx, &existing, req, kind).map(Decision::Granted);
    }
    if state::grant(tx.conn, &req.key)?.is_some() {
        return Err(LedgerError::Conflict(format!(
            "key `{}` names a grant, not a hold; use another key",
            req.key
        )));
    }
    let user = state::user(tx.conn, &req.user)?
        .ok_or_else(|| LedgerError::UnknownUser(req.user.clone()))?;
    let today = tx.day(now);
    let user = UserView::load(tx.conn, user, today, today)?;
    let org = OrgView::load(tx.conn, state::org(tx.conn)?, today)?;
    if let Some(denial) = limits::check(&user, &org, &req.key, amount.0, kind == Kind::Hold) {
        return Ok(Decision::Denied(denial));
    }
    let (alloc, _) = user.allocate(amount.0);
    let available = user.available().map(|a| a - amount.0);
    let ttl = req.ttl.unwrap_or(tx.settings.hold_ttl);
    let expires_at = (kind == Kind::Hold).then(|| now + Duration::seconds(ttl));
    let (allow, grants) = alloc.to_json();
    let mut data = json!({
        "allow": allow,
        "grants": grants,
        "request": req.request_json(),
        "available": available.map(|a| Micros(a).to_string()),
    });
    if let Some(t) = expires_at {
        data["expires_at"] = json!(time_text(t));
    }
    let day = day_text(today);
    let e = NewEntry {
        user: Some(&req.user),
        key: Some(&req.key),
        model: req.cost.model(),
        day: Some(&day),
        credits: Some(amount),
        ..NewEntry::new(kind.entry(), data)
    };
    let seq = tx.append(now, &e)?;
    let row = HoldRow {
        key: req.key.clone(),
        kind: kind.entry().into(),
        user: req.user.clone(),
        model: req.cost.model().map(String::from),
        day: day.clone(),
        credits: amount.0,
        alloc: alloc.clone(),
        created_at: time_text(now),
        expires_at: expires_at.map(|t| t.timestamp_micros()),
        state: if kind == Kind::Hold {
            HoldState::Open
        } else {
            HoldState::Settled
        },
        settled: (kind == Kind::Charge).then_some(amount.0),
        overrun: false,
        seq,
        end_seq: (kind == Kind::Charge).then_some(seq),
    };
    hold::insert(tx.conn, &row)?;
    match kind {
        Kind::Hold => {
            let d = Delta {
                c: Counters {
                    held: amount.0,
                    allow_held: alloc.allow,
                    ..Counters::default()
                },
                open_holds: 1,
            };
            state::apply(tx.conn, &req.user, &day, &d)?;
            for (k, a) in &alloc.grants {
                state::apply_grant(tx.conn, k, 0, *a)?;
            }
        }
        Kind::Charge => tx.book_spend(&req.user, &day, amount.0, &alloc, false)?,
    }
    Ok(Decision::Granted(doc(&row, available, false)))
}

/// The document for a hold or charge as it was created.
fn doc(row: &HoldRow, available: Option<i64>, replayed: bool) -> HoldDoc {
    HoldDoc {
        schema: "genbudget.hold/1",
        key: row.key.clone(),
        user: row.user.clone(),
        state: if row.kind == "charge" {
            "settled"
        } else {
            "open"
        },
        credits: Micros(row.credits).credits(),
        settled: (row.kind == "charge").then(|| Micros(row.credits).credits()),
        available: available.map(|a| Micros(a).credits()),
        expires_at: row.expires_at.map(hold::micros_text),
        overrun: false,
        replayed,
    }
}

/// A repeated key: the original result if the request is the same.
fn replay(tx: &Tx<'_>, existing: &HoldRow, req: &HoldRequest, kind: Kind) -> Result<HoldDoc> {
    let conflict = |field: &str, first: String, now: String| LedgerError::KeyConflict {
        key: req.key.clone(),
        field: field.into(),
        first,
        now,
    };
    if existing.kind != kind.entry() {
        return Err(conflict(
            "command",
            Kind::command(&existing.kind).into(),
            Kind::command(kind.entry()).into(),
        ));
    }
    if existing.user != req.user {
        return Err(conflict("user", existing.user.clone(), req.user.clone()));
    }
    let entry = journal::entry(tx.conn, existing.seq)?.ok_or_else(|| {
        LedgerError::Conflict(format!("journal entry {} is missing", existing.seq))
    })?;
    let data = entry.data_value().unwrap_or(Value::Null);
    let first = data.get("request").cloned().unwrap_or(Value::Null);
    let now = req.request_json();
    if let Some((field, a, b)) = first_difference(&first, &now) {
        return Err(conflict(&field, a, b));
    }
    let available = data
        .get("available")
        .and_then(Value::as_str)
        .and_then(|a| Micros::parse(a).ok())
        .map(|m| m.0);
    Ok(doc(existing, available, true))
}

/// The first field (in a fixed order: credits, model, the request's own
/// fields, ttl) whose value differs, with both values.
fn first_difference(first: &Value, now: &Value) -> Option<(String, String, String)> {
    let empty = Map::new();
    let a = first.as_object().unwrap_or(&empty);
    let b = now.as_object().unwrap_or(&empty);
    let mut keys: Vec<&String> = a.keys().chain(b.keys()).collect();
    let rank = |k: &str| match k {
        "credits" => 0,
        "model" => 1,
        "ttl" => 3,
        _ => 2,
    };
    keys.sort_by(|x, y| rank(x).cmp(&rank(y)).then(x.cmp(y)));
    keys.dedup();
    let show = |v: Option<&Value>| match v {
        None => "(not given)".to_string(),
        Some(Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
    };
    keys.into_iter()
        .find(|k| a.get(*k) != b.get(*k))
        .map(|k| (k.clone(), show(a.get(k)), show(b.get(k))))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_difference_names_the_field_in_order() {
        let a = json!({"credits": "40", "ttl": "10m"});
        let b = json!({"credits": "50", "ttl": "20m"});
        assert_eq!(
            first_difference(&a, &b),
            Some(("credits".into(), "40".into(), "50".into()))
        );
        let b = json!({"credits": "40"});
        assert_eq!(
            first_difference(&a, &b),
            Some(("ttl".into(), "10m".into(), "(not given)".into()))
        );
        assert_eq!(first_difference(&a, &a), None);
    }
}
