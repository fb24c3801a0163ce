//! Rows into the ledger's types, the same for both backends: each backend
//! gives its rows typed columns ([`Cols`]) and these decoders read them
//! strictly. A period, hold kind, state or role outside its set, or a date
//! that does not parse, is [`LedgerError::Corrupt`] naming the table and
//! row; a value of the wrong type is the backend's own error, named the
//! same way. The column lists (each backend's `*_COLUMNS`) are in the
//! order these decoders read.

use chrono::NaiveDate;

use crate::ledger::amount::Micros;
use crate::ledger::error::{LedgerError, Result};
use crate::ledger::event::HoldKind;
use crate::ledger::journal::Entry;
use crate::ledger::period::{Period, parse_day, parse_timezone};
use crate::ledger::settings::Settings;
use crate::ledger::state::{
    Allocation, Counters, Grant, Hold, HoldState, Limits, PartyRow, Role, Token,
};
use crate::money::Currency;

/// A row's columns, typed (a backend reads them with its driver).
pub(crate) trait Cols {
    fn int(&self, i: usize) -> Result<i64>;
    fn opt_int(&self, i: usize) -> Result<Option<i64>>;
    fn text(&self, i: usize) -> Result<String>;
    fn opt_text(&self, i: usize) -> Result<Option<String>>;
    fn bytes(&self, i: usize) -> Result<Vec<u8>>;
    fn flag(&self, i: usize) -> Result<bool>;
    /// The first column as text, to name the row in an error.
    fn first(&self) -> String;
}

/// A corrupt value in `table`'s row `row`.
pub(crate) fn corrupt(table: &str, row: &str, what: String) -> LedgerError {
    LedgerError::Corrupt(format!("{table} row `{row}`: {what}"))
}

/// Reads a row with `f`, naming the row in a type error.
pub(crate) fn strict<T>(
    table: &str,
    r: &dyn Cols,
    f: impl FnOnce(&dyn Cols) -> Result<T>,
) -> Result<T> {
    f(r).map_err(|e| match e {
        LedgerError::Corrupt(m) if !m.contains(" row `") => corrupt(table, &r.first(), m),
        other => other,
    })
}

pub(crate) fn period(table: &str, id: &str, text: &str) -> Result<Period> {
    Period::parse(text).map_err(|m| corrupt(table, id, format!("period: {m}")))
}

pub(crate) fn day(table: &str, id: &str, text: &str) -> Result<NaiveDate> {
    parse_day(text).ok_or_else(|| corrupt(table, id, format!("`{text}` is not a date")))
}

/// The settings in `r`'s columns from `at` (credit value, currency,
/// timezone, hold TTL); a missing row reads as NULLs.
pub(crate) fn settings_at(r: &dyn Cols, at: usize) -> Result<Settings> {
    let (value, currency, tz, ttl) = (
        r.opt_text(at)?,
        r.opt_text(at + 1)?,
        r.opt_text(at + 2)?,
        r.opt_int(at + 3)?,
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

/// The org's row: cap, period, max_holds, open_holds, spent, held,
/// overruns, limits_seq.
pub(crate) fn org_from(r: &dyn Cols) -> Result<PartyRow> {
    let p = r.text(1)?;
    Ok(PartyRow {
        id: String::new(),
        limits: Limits {
            cap: r.opt_int(0)?.map(Micros),
            period: period("org", "1", &p)?,
            max_holds: r.opt_int(2)?,
        },
        open_holds: r.int(3)?,
        totals: counters_from(r, 4, false)?,
        limits_seq: r.int(7)?,
    })
}

/// A user's row: id, cap, period, max_holds, open_holds, spent, held,
/// allow_spent, allow_held, overruns, limits_seq.
pub(crate) fn user_from(r: &dyn Cols) -> Result<PartyRow> {
    strict("users", r, |r| {
        let id = r.text(0)?;
        let p = r.text(2)?;
        Ok(PartyRow {
            limits: Limits {
                cap: r.opt_int(1)?.map(Micros),
                period: period("users", &id, &p)?,
                max_holds: r.opt_int(3)?,
            },
            open_holds: r.int(4)?,
            totals: counters_from(r, 5, true)?,
            limits_seq: r.int(10)?,
            id,
        })
    })
}

/// A grant: key, user, credits, expires, spent, held, seq.
pub(crate) fn grant_from(r: &dyn Cols) -> Result<Grant> {
    strict("grants", r, |r| {
        let key = r.text(0)?;
        let expires = r.opt_text(3)?;
        Ok(Grant {
            expires: expires.map(|t| day("grants", &key, &t)).transpose()?,
            user: r.text(1)?,
            credits: r.int(2)?,
            spent: r.int(4)?,
            held: r.int(5)?,
            seq: r.int(6)?,
            key,
        })
    })
}

/// A hold: key, kind, user, model, day, credits, allow, grants,
/// created_at, expires_at, state, settled, overrun, seq, end_seq.
pub(crate) fn hold_from(r: &dyn Cols) -> Result<Hold> {
    strict("holds", r, |r| {
        let key = r.text(0)?;
        let kind = r.text(1)?;
        let d = r.text(4)?;
        let grants = r.text(7)?;
        let state = r.text(10)?;
        let bad = |what: String| corrupt("holds", &key, what);
        Ok(Hold {
            kind: HoldKind::parse(&kind)
                .ok_or_else(|| bad(format!("kind `{kind}` is not hold or charge")))?,
            user: r.text(2)?,
            model: r.opt_text(3)?,
            day: day("holds", &key, &d)?,
            credits: r.int(5)?,
            alloc: Allocation {
                allow: r.int(6)?,
                grants: Allocation::grants_from_text(&grants).ok_or_else(|| {
                    bad(format!("grants `{grants}` is not a list of [key, amount]"))
                })?,
            },
            created_at: r.text(8)?,
            expires_at: r.opt_int(9)?,
            state: HoldState::parse(&state).ok_or_else(|| {
                bad(format!(
                    "state `{state}` is not open, settled, released or expired"
                ))
            })?,
            settled: r.opt_int(11)?,
            overrun: r.flag(12)?,
            seq: r.int(13)?,
            end_seq: r.opt_int(14)?,
            key,
        })
    })
}

/// A service token: name, role, user, sha256, created_at, seq,
/// revoked_at, revoked_seq.
pub(crate) fn token_from(r: &dyn Cols) -> Result<Token> {
    strict("tokens", r, |r| {
        let name = r.text(0)?;
        let role = r.text(1)?;
        Ok(Token {
            role: Role::parse(&role).ok_or_else(|| {
                corrupt(
                    "tokens",
                    &name,
                    format!("role `{role}` is not admin, app or user"),
                )
            })?,
            user: r.opt_text(2)?,
            sha256: r.text(3)?,
            created_at: r.text(4)?,
            seq: r.int(5)?,
            revoked_at: r.opt_text(6)?,
            revoked_seq: r.opt_int(7)?,
            name,
        })
    })
}

/// A journal entry: seq, at, kind, user, key, model, day, credits, over,
/// data, prev_hash, hash.
pub(crate) fn entry_from(r: &dyn Cols) -> Result<Entry> {
    strict("journal", r, |r| {
        Ok(Entry {
            seq: r.int(0)?,
            at: r.text(1)?,
            kind: r.text(2)?,
            user: r.opt_text(3)?,
            key: r.opt_text(4)?,
            model: r.opt_text(5)?,
            day: r.opt_text(6)?,
            credits: r.opt_int(7)?.map(Micros),
            over: r.opt_int(8)?.map(Micros),
            data: r.text(9)?,
            prev_hash: r.bytes(10)?,
            hash: r.bytes(11)?,
        })
    })
}

/// Counters from column `at`: spent, held, then allow_spent and
/// allow_held if `allowance`, then overruns.
pub(crate) fn counters_from(r: &dyn Cols, at: usize, allowance: bool) -> Result<Counters> {
    Ok(if allowance {
        Counters {
            spent: r.int(at)?,
            held: r.int(at + 1)?,
            allow_spent: r.int(at + 2)?,
            allow_held: r.int(at + 3)?,
            overruns: r.int(at + 4)?,
        }
    } else {
        Counters {
            spent: r.int(at)?,
            held: r.int(at + 1)?,
            overruns: r.int(at + 2)?,
            ..Counters::default()
        }
    })
}
