//! Rows into the ledger's types, strictly: a period, hold kind or state
//! outside its set, or a date that does not parse, is
//! [`LedgerError::Corrupt`] naming the table and row. The column lists
//! here are the order the decoders read.

use chrono::NaiveDate;
use tokio_postgres::Row;

use crate::ledger::amount::Micros;
use crate::ledger::error::{LedgerError, Result};
use crate::ledger::event::HoldKind;
use crate::ledger::journal::{Entry, Head};
use crate::ledger::period::{Period, parse_day, parse_timezone};
use crate::ledger::settings::Settings;
use crate::ledger::state::{
    Allocation, Counters, Grant, Hold, HoldState, Limits, PartyRow, Role, Token,
};
use crate::money::Currency;

pub(super) fn settings_from(r: Option<&Row>) -> Result<Settings> {
    let r = r.ok_or_else(|| LedgerError::Corrupt("the settings row is missing".into()))?;
    settings_at(r, 0)
}

/// The settings in `r`'s columns from `at` (credit value, currency,
/// timezone, hold TTL).
pub(super) fn settings_at(r: &Row, at: usize) -> Result<Settings> {
    let (value, currency, tz, ttl): (Option<String>, Option<String>, Option<String>, Option<i64>) = (
        r.try_get(at)?,
        r.try_get(at + 1)?,
        r.try_get(at + 2)?,
        r.try_get(at + 3)?,
    );
    let (Some(value), Some(currency), Some(tz), Some(ttl)) = (value, currency, tz, ttl) else {
        return Err(LedgerError::Corrupt("the settings row is missing".into()));
    };
    let bad = |what: &str, v: &str| corrupt("settings", "1", format!("{what} `{v}`"));
    Ok(Settings {
        credit_value: value.parse().map_err(|_| bad("credit_value", &value))?,
        currency: Currency::parse(&currency).map_err(|_| bad("currency", &currency))?,
        timezone: parse_timezone(&tz).map_err(|_| bad("timezone", &tz))?,
        hold_ttl: ttl,
    })
}

pub(super) fn org_from(r: Option<&Row>) -> Result<PartyRow> {
    let r = r.ok_or_else(|| LedgerError::Corrupt("the org's cache row is missing".into()))?;
    let p: String = r.try_get(1)?;
    Ok(PartyRow {
        id: String::new(),
        limits: Limits {
            cap: r.try_get::<_, Option<i64>>(0)?.map(Micros),
            period: period("org", "1", &p)?,
            max_holds: r.try_get(2)?,
        },
        open_holds: r.try_get(3)?,
        totals: counters_from(r, 4, false)?,
        limits_seq: r.try_get(7)?,
    })
}

/// The head row (`seq`, `hash`).
pub(super) fn head_from(r: &Row) -> Result<Head> {
    Ok(Head {
        seq: r.try_get(0)?,
        hash: r.try_get(1)?,
    })
}

/// A corrupt value in `table`'s row `row`.
pub(super) fn corrupt(table: &str, row: &str, what: String) -> LedgerError {
    LedgerError::Corrupt(format!("{table} row `{row}`: {what}"))
}

/// Reads a row with `f`, naming the row in a type error.
pub(super) fn strict<T>(table: &str, r: &Row, f: impl FnOnce(&Row) -> Result<T>) -> Result<T> {
    f(r).map_err(|e| match e {
        LedgerError::Corrupt(m) if !m.contains(" row `") => {
            let id = r
                .try_get::<_, String>(0)
                .or_else(|_| r.try_get::<_, i64>(0).map(|i| i.to_string()))
                .unwrap_or_default();
            corrupt(table, &id, m)
        }
        other => other,
    })
}

pub(super) fn period(table: &str, id: &str, text: &str) -> Result<Period> {
    Period::parse(text).map_err(|m| corrupt(table, id, format!("period: {m}")))
}

pub(super) fn day(table: &str, id: &str, text: &str) -> Result<NaiveDate> {
    parse_day(text).ok_or_else(|| corrupt(table, id, format!("`{text}` is not a date")))
}

pub(super) const USER_COLUMNS: &str = "id, cap, period, max_holds, open_holds, spent, held, allow_spent, allow_held, overruns, limits_seq";

pub(super) fn user_from(r: &Row) -> Result<PartyRow> {
    strict("users", r, |r| {
        let id: String = r.try_get(0)?;
        let p: String = r.try_get(2)?;
        Ok(PartyRow {
            limits: Limits {
                cap: r.try_get::<_, Option<i64>>(1)?.map(Micros),
                period: period("users", &id, &p)?,
                max_holds: r.try_get(3)?,
            },
            open_holds: r.try_get(4)?,
            totals: counters_from(r, 5, true)?,
            limits_seq: r.try_get(10)?,
            id,
        })
    })
}

pub(super) const GRANT_COLUMNS: &str = r#"key, "user", credits, expires, spent, held, seq"#;

pub(super) fn grant_from(r: &Row) -> Result<Grant> {
    strict("grants", r, |r| {
        let key: String = r.try_get(0)?;
        let expires: Option<String> = r.try_get(3)?;
        Ok(Grant {
            expires: expires.map(|t| day("grants", &key, &t)).transpose()?,
            user: r.try_get(1)?,
            credits: r.try_get(2)?,
            spent: r.try_get(4)?,
            held: r.try_get(5)?,
            seq: r.try_get(6)?,
            key,
        })
    })
}

pub(super) const HOLD_COLUMNS: &str = r#"key, kind, "user", model, day, credits, allow, grants, created_at, expires_at, state, settled, overrun, seq, end_seq"#;

pub(super) fn hold_from(r: &Row) -> Result<Hold> {
    strict("holds", r, |r| {
        let key: String = r.try_get(0)?;
        let kind: String = r.try_get(1)?;
        let d: String = r.try_get(4)?;
        let grants: String = r.try_get(7)?;
        let state: String = r.try_get(10)?;
        let bad = |what: String| corrupt("holds", &key, what);
        Ok(Hold {
            kind: HoldKind::parse(&kind)
                .ok_or_else(|| bad(format!("kind `{kind}` is not hold or charge")))?,
            user: r.try_get(2)?,
            model: r.try_get(3)?,
            day: day("holds", &key, &d)?,
            credits: r.try_get(5)?,
            alloc: Allocation {
                allow: r.try_get(6)?,
                grants: Allocation::grants_from_text(&grants).ok_or_else(|| {
                    bad(format!("grants `{grants}` is not a list of [key, amount]"))
                })?,
            },
            created_at: r.try_get(8)?,
            expires_at: r.try_get(9)?,
            state: HoldState::parse(&state).ok_or_else(|| {
                bad(format!(
                    "state `{state}` is not open, settled, released or expired"
                ))
            })?,
            settled: r.try_get(11)?,
            overrun: r.try_get(12)?,
            seq: r.try_get(13)?,
            end_seq: r.try_get(14)?,
            key,
        })
    })
}

pub(super) const TOKEN_COLUMNS: &str =
    r#"name, role, "user", sha256, created_at, seq, revoked_at, revoked_seq"#;

pub(super) fn token_from(r: &Row) -> Result<Token> {
    strict("tokens", r, |r| {
        let name: String = r.try_get(0)?;
        let role: String = r.try_get(1)?;
        Ok(Token {
            role: Role::parse(&role).ok_or_else(|| {
                corrupt(
                    "tokens",
                    &name,
                    format!("role `{role}` is not admin, app or user"),
                )
            })?,
            user: r.try_get(2)?,
            sha256: r.try_get(3)?,
            created_at: r.try_get(4)?,
            seq: r.try_get(5)?,
            revoked_at: r.try_get(6)?,
            revoked_seq: r.try_get(7)?,
            name,
        })
    })
}

pub(super) const ENTRY_COLUMNS: &str =
    r#"seq, at, kind, "user", key, model, day, credits, over, data, prev_hash, hash"#;

pub(super) fn entry_from(r: &Row) -> Result<Entry> {
    strict("journal", r, |r| {
        Ok(Entry {
            seq: r.try_get(0)?,
            at: r.try_get(1)?,
            kind: r.try_get(2)?,
            user: r.try_get(3)?,
            key: r.try_get(4)?,
            model: r.try_get(5)?,
            day: r.try_get(6)?,
            credits: r.try_get::<_, Option<i64>>(7)?.map(Micros),
            over: r.try_get::<_, Option<i64>>(8)?.map(Micros),
            data: r.try_get(9)?,
            prev_hash: r.try_get(10)?,
            hash: r.try_get(11)?,
        })
    })
}

pub(super) fn counters_from(r: &Row, at: usize, allowance: bool) -> Result<Counters> {
    Ok(if allowance {
        Counters {
            spent: r.try_get(at)?,
            held: r.try_get(at + 1)?,
            allow_spent: r.try_get(at + 2)?,
            allow_held: r.try_get(at + 3)?,
            overruns: r.try_get(at + 4)?,
        }
    } else {
        Counters {
            spent: r.try_get(at)?,
            held: r.try_get(at + 1)?,
            overruns: r.try_get(at + 2)?,
            ..Counters::default()
        }
    })
}
