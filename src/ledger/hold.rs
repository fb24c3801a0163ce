//! Holds and one-step charges: their stored state and where their credits
//! come from.
//!
//! A hold takes its credits from the period allowance (the cap) first, then
//! from the user's grants, earliest expiry first; that split is its
//! [`Allocation`], fixed when the hold is granted and recorded in its journal
//! entry, so settling or releasing it later returns exactly what it took.
//! `reserve.rs` creates holds and charges, `settle.rs` ends them.

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, Row, params};
use serde_json::{Value, json};

use super::amount::Micros;
use super::error::Result;

/// The life of a hold.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HoldState {
    Open,
    Settled,
    Released,
    Expired,
}

impl HoldState {
    pub fn as_str(self) -> &'static str {
        match self {
            HoldState::Open => "open",
            HoldState::Settled => "settled",
            HoldState::Released => "released",
            HoldState::Expired => "expired",
        }
    }

    pub fn parse(text: &str) -> Option<HoldState> {
        Some(match text {
            "open" => HoldState::Open,
            "settled" => HoldState::Settled,
            "released" => HoldState::Released,
            "expired" => HoldState::Expired,
            _ => return None,
        })
    }
}

/// Where a hold's (or a spend's) credits come from.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Allocation {
    /// From the period allowance (for a spend: including any overrun).
    pub allow: i64,
    /// From grants, by grant key, in the order drawn.
    pub grants: Vec<(String, i64)>,
}

impl Allocation {
    /// The whole amount.
    pub fn total(&self) -> i64 {
        self.allow + self.grants.iter().map(|(_, a)| a).sum::<i64>()
    }

    /// Takes `amount` out of this allocation in its own order (allowance
    /// first, then the grants as drawn): what a settle spends of its hold.
    pub fn consume(&self, amount: i64) -> Allocation {
        let mut rest = amount;
        let allow = rest.min(self.allow);
        rest -= allow;
        let mut grants = Vec::new();
        for (k, a) in &self.grants {
            if rest == 0 {
                break;
            }
            let take = rest.min(*a);
            grants.push((k.clone(), take));
            rest -= take;
        }
        Allocation { allow, grants }
    }

    /// JSON for the journal: `"allow"` and `"grants"` (`[[key, amount]…]`).
    pub fn to_json(&self) -> (Value, Value) {
        let grants: Vec<Value> = self
            .grants
            .iter()
            .map(|(k, a)| json!([k, Micros(*a).to_string()]))
            .collect();
        (json!(Micros(self.allow).to_string()), Value::Array(grants))
    }

    /// Reads the `"allow"`/`"grants"` fields of a journal entry's data.
    pub fn from_json(data: &Value) -> Option<Allocation> {
        let allow = Micros::parse(data.get("allow")?.as_str()?).ok()?.0;
        let grants = grants_from_json(data.get("grants")?)?;
        Some(Allocation { allow, grants })
    }

    /// The grants part as stored in `holds.grants`.
    pub fn grants_text(&self) -> String {
        super::journal::canonical_json(&self.to_json().1)
    }
}

fn grants_from_json(v: &Value) -> Option<Vec<(String, i64)>> {
    let mut grants = Vec::new();
    for g in v.as_array()? {
        let pair = g.as_array()?;
        let (k, a) = (pair.first()?.as_str()?, pair.get(1)?.as_str()?);
        grants.push((k.to_string(), Micros::parse(a).ok()?.0));
    }
    Some(grants)
}

/// A hold's (or charge's) row in `holds`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct HoldRow {
    pub key: String,
    /// `hold` or `charge`.
    pub kind: String,
    pub user: String,
    pub model: Option<String>,
    /// Local date it was granted: the period its spending belongs to.
    pub day: String,
    pub credits: i64,
    pub alloc: Allocation,
    pub created_at: String,
    /// Unix time in microseconds (holds only).
    pub expires_at: Option<i64>,
    pub state: HoldState,
    pub settled: Option<i64>,
    pub overrun: bool,
    /// The entry that created it, and the one that ended it.
    pub seq: i64,
    pub end_seq: Option<i64>,
}

const COLUMNS: &str = "key, kind, user, model, day, credits, allow, grants, created_at, expires_at, state, settled, overrun, seq, end_seq";

fn from_row(r: &Row<'_>) -> rusqlite::Result<HoldRow> {
    let grants: String = r.get(7)?;
    let state: String = r.get(10)?;
    let grants = serde_json::from_str::<Value>(&grants)
        .ok()
        .and_then(|v| grants_from_json(&v))
        .unwrap_or_default();
    Ok(HoldRow {
        key: r.get(0)?,
        kind: r.get(1)?,
        user: r.get(2)?,
        model: r.get(3)?,
        day: r.get(4)?,
        credits: r.get(5)?,
        alloc: Allocation {
            allow: r.get(6)?,
            grants,
        },
        created_at: r.get(8)?,
        expires_at: r.get(9)?,
        state: HoldState::parse(&state).unwrap_or(HoldState::Open),
        settled: r.get(11)?,
        overrun: r.get(12)?,
        seq: r.get(13)?,
        end_seq: r.get(14)?,
    })
}

pub(crate) fn get(conn: &Connection, key: &str) -> Result<Option<HoldRow>> {
    Ok(conn
        .prepare_cached(&format!("SELECT {COLUMNS} FROM holds WHERE key = ?1"))?
        .query_row([key], from_row)
        .optional()?)
}

/// Open holds whose TTL has run out at `now`.
pub(crate) fn overdue(conn: &Connection, now: DateTime<Utc>) -> Result<Vec<HoldRow>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM holds WHERE state = 'open' AND expires_at <= ?1 ORDER BY expires_at, key"
    ))?;
    let rows = stmt.query_map([now.timestamp_micros()], from_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Whether any open hold is overdue (a cheap read before a sweep).
pub(crate) fn any_overdue(conn: &Connection, now: DateTime<Utc>) -> Result<bool> {
    Ok(conn
        .prepare_cached("SELECT 1 FROM holds WHERE state = 'open' AND expires_at <= ?1 LIMIT 1")?
        .query_row([now.timestamp_micros()], |_| Ok(()))
        .optional()?
        .is_some())
}

/// Holds for listing: open ones, or all with `all`; of one user if given.
pub(crate) fn list(conn: &Connection, user: Option<&str>, all: bool) -> Result<Vec<HoldRow>> {
    let filter = match (user.is_some(), all) {
        (false, false) => "state = 'open'",
        (true, false) => "state = 'open' AND user = ?1",
        (false, true) => "kind = 'hold'",
        (true, true) => "kind = 'hold' AND user = ?1",
    };
    let sql = format!("SELECT {COLUMNS} FROM holds WHERE {filter} ORDER BY seq");
    let mut stmt = conn.prepare(&sql)?;
    let rows = match user {
        Some(u) => stmt
            .query_map([u], from_row)?
            .collect::<rusqlite::Result<Vec<_>>>(),
        None => stmt.query_map([], from_row)?.collect(),
    };
    Ok(rows?)
}

/// Every hold and charge (for `verify`).
pub(crate) fn list_all(conn: &Connection) -> Result<Vec<HoldRow>> {
    let mut stmt = conn.prepare(&format!("SELECT {COLUMNS} FROM holds"))?;
    let rows = stmt.query_map([], from_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

pub(crate) fn insert(conn: &Connection, h: &HoldRow) -> Result<()> {
    conn.prepare_cached(&format!(
        "INSERT INTO holds ({COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)"
    ))?
    .execute(params![
        h.key,
        h.kind,
        h.user,
        h.model,
        h.day,
        h.credits,
        h.alloc.allow,
        h.alloc.grants_text(),
        h.created_at,
        h.expires_at,
        h.state.as_str(),
        h.settled,
        h.overrun,
        h.seq,
        h.end_seq
    ])?;
    Ok(())
}

/// Records how a hold ended.
pub(crate) fn end(
    conn: &Connection,
    key: &str,
    state: HoldState,
    settled: Option<i64>,
    overrun: bool,
    end_seq: i64,
) -> Result<()> {
    conn.prepare_cached(
        "UPDATE holds SET state = ?2, settled = ?3, overrun = ?4, end_seq = ?5 WHERE key = ?1",
    )?
    .execute(params![key, state.as_str(), settled, overrun, end_seq])?;
    Ok(())
}

/// A unix-microsecond time as RFC 3339 text.
pub(crate) fn micros_text(micros: i64) -> String {
    DateTime::<Utc>::from_timestamp_micros(micros)
        .map(super::journal::time_text)
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn consume_takes_the_allowance_first_then_grants_in_order() {
        let a = Allocation {
            allow: 10,
            grants: vec![("g1".into(), 5), ("g2".into(), 5)],
        };
        assert_eq!(a.total(), 20);
        // 17 = 10 from the allowance + 5 from g1 + 2 from g2.
        assert_eq!(
            a.consume(17),
            Allocation {
                allow: 10,
                grants: vec![("g1".into(), 5), ("g2".into(), 2)]
            }
        );
        assert_eq!(
            a.consume(4),
            Allocation {
                allow: 4,
                grants: vec![]
            }
        );
        let (allow, grants) = a.to_json();
        let back = Allocation::from_json(&json!({"allow": allow, "grants": grants})).unwrap();
        assert_eq!(back, a);
    }
}
