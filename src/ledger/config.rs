//! The ledger's settings (fixed at `init`) and the limits of users and the
//! org (`user add`, `user set`, `org set`).
//!
//! Settings live in the `settings` table, a cache of the `init` entry. Each
//! change of limits is a journal entry carrying the complete new limits, so
//! `verify` can replay which cap was in force when each hold was granted.

use std::str::FromStr;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use rusqlite::{Connection, params};
use rust_decimal::Decimal;
use serde_json::{Value, json};

use crate::money::{Currency, plain};

use super::amount::Micros;
use super::docs::{LimitsDoc, UserLimits};
use super::error::{LedgerError, Result};
use super::input;
use super::journal::NewEntry;
use super::period::{Period, parse_timezone};
use super::state::{self, Limits};
use super::tx::Tx;

/// What `init` fixes for the life of a ledger.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Settings {
    /// Money per credit (in `currency`).
    pub credit_value: Decimal,
    pub currency: Currency,
    /// Where days, weeks and months begin.
    pub timezone: Tz,
    /// Default TTL of a hold, in seconds.
    pub hold_ttl: i64,
}

impl Default for Settings {
    fn default() -> Settings {
        Settings {
            credit_value: Decimal::new(1, 2),
            currency: Currency::USD,
            timezone: Tz::UTC,
            hold_ttl: 15 * 60,
        }
    }
}

impl Settings {
    /// Checks values a caller chose.
    pub fn validate(&self) -> Result<()> {
        if self.credit_value <= Decimal::ZERO {
            return Err(LedgerError::input(
                "credit-value",
                format!(
                    "`{}` is not a credit value; it is the money one credit is worth, more than 0 (e.g. 0.01)",
                    self.credit_value
                ),
            ));
        }
        if self.hold_ttl <= 0 || self.hold_ttl > input::MAX_TTL_SECS {
            return Err(LedgerError::input(
                "hold-ttl",
                "a hold TTL is more than 0 and at most 30d",
            ));
        }
        Ok(())
    }

    /// The settings as a JSON object (the `init` entry's data).
    pub fn to_json(&self) -> Value {
        json!({
            "credit_value": plain(self.credit_value),
            "currency": self.currency.code(),
            "timezone": self.timezone.name(),
            "hold_ttl": self.hold_ttl,
        })
    }

    /// Reads settings from the `init` entry's data.
    pub fn from_json(v: &Value) -> Option<Settings> {
        Some(Settings {
            credit_value: Decimal::from_str(v.get("credit_value")?.as_str()?).ok()?,
            currency: Currency::parse(v.get("currency")?.as_str()?).ok()?,
            timezone: parse_timezone(v.get("timezone")?.as_str()?).ok()?,
            hold_ttl: v.get("hold_ttl")?.as_i64()?,
        })
    }

    pub(crate) fn load(conn: &Connection) -> Result<Settings> {
        let (value, currency, tz, ttl): (String, String, String, i64) = conn
            .prepare_cached(
                "SELECT credit_value, currency, timezone, hold_ttl FROM settings WHERE id = 1",
            )?
            .query_row([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?;
        let bad = |what: &str| {
            LedgerError::Conflict(format!("the ledger's settings table has a bad {what}"))
        };
        Ok(Settings {
            credit_value: Decimal::from_str(&value).map_err(|_| bad("credit_value"))?,
            currency: Currency::parse(&currency).map_err(|_| bad("currency"))?,
            timezone: parse_timezone(&tz).map_err(|_| bad("timezone"))?,
            hold_ttl: ttl,
        })
    }

    pub(crate) fn store(&self, conn: &Connection) -> Result<()> {
        conn.execute(
            "INSERT INTO settings (id, credit_value, currency, timezone, hold_ttl) VALUES (1, ?1, ?2, ?3, ?4)",
            params![
                plain(self.credit_value),
                self.currency.code(),
                self.timezone.name(),
                self.hold_ttl
            ],
        )?;
        Ok(())
    }

    /// The first setting that differs from `other`, as (field, ours, theirs).
    pub fn difference(&self, other: &Settings) -> Option<(&'static str, String, String)> {
        if self.credit_value != other.credit_value {
            return Some((
                "credit-value",
                plain(self.credit_value),
                plain(other.credit_value),
            ));
        }
        if self.currency != other.currency {
            return Some((
                "currency",
                self.currency.to_string(),
                other.currency.to_string(),
            ));
        }
        if self.timezone != other.timezone {
            return Some((
                "timezone",
                self.timezone.name().into(),
                other.timezone.name().into(),
            ));
        }
        if self.hold_ttl != other.hold_ttl {
            return Some((
                "hold-ttl",
                input::duration_text(self.hold_ttl),
                input::duration_text(other.hold_ttl),
            ));
        }
        None
    }
}

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

/// Limits as the journal records them.
pub(crate) fn limits_json(l: &Limits) -> Value {
    json!({
        "cap": l.cap.map(|c| c.to_string()),
        "period": l.period.as_str(),
        "max_holds": l.max_holds,
    })
}

/// Reads limits from a journal entry's data.
pub(crate) fn limits_from_json(v: &Value) -> Option<Limits> {
    let cap = match v.get("cap")? {
        Value::Null => None,
        c => Some(Micros::parse(c.as_str()?).ok()?),
    };
    let max_holds = match v.get("max_holds")? {
        Value::Null => None,
        m => Some(m.as_i64()?),
    };
    Some(Limits {
        cap,
        period: Period::parse(v.get("period")?.as_str()?).ok()?,
        max_holds,
    })
}

/// Limits as a document.
pub(crate) fn limits_doc(l: &Limits) -> LimitsDoc {
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
    if state::user(tx.conn, id)?.is_some() {
        return Err(LedgerError::Conflict(format!(
            "user `{id}` already exists; change its limits with `genbudget ledger user set {id}`"
        )));
    }
    let e = NewEntry {
        user: Some(id),
        ..NewEntry::new("user_add", limits_json(l))
    };
    tx.append(now, &e)?;
    state::insert_user(tx.conn, id, l)?;
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
    let row = state::user(tx.conn, id)?.ok_or_else(|| LedgerError::UnknownUser(id.into()))?;
    let l = change.apply(row.limits);
    let e = NewEntry {
        user: Some(id),
        ..NewEntry::new("user_set", limits_json(&l))
    };
    tx.append(now, &e)?;
    state::set_user_limits(tx.conn, id, &l)?;
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
    let l = change.apply(state::org(tx.conn)?.limits);
    tx.append(now, &NewEntry::new("org_set", limits_json(&l)))?;
    state::set_org_limits(tx.conn, &l)?;
    Ok(limits_doc(&l))
}
