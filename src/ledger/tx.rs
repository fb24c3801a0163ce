//! One write transaction: the journal head, the ledger's settings, and the
//! expiry sweep that every write starts with.
//!
//! Every check and the writes it guards run inside one `BEGIN IMMEDIATE`
//! transaction (taken in `mod.rs`), so no other process can change the
//! counters between a check and its write. Rule 5 of the contract — a hold
//! past its TTL stops counting at once and is recorded as expired by the
//! next write — is the [`Tx::sweep`] at the start of each operation.

use chrono::{DateTime, NaiveDate, Utc};
use rusqlite::Connection;
use serde_json::json;

use super::amount::Micros;
use super::config::Settings;
use super::error::Result;
use super::hold::{self, Allocation, HoldRow, HoldState};
use super::journal::{self, Head, NewEntry};
use super::period::local_day;
use super::state::{self, Counters, Delta};

/// A write transaction in progress.
pub(crate) struct Tx<'c> {
    pub conn: &'c Connection,
    pub settings: &'c Settings,
    head: Option<Head>,
}

impl<'c> Tx<'c> {
    pub fn new(conn: &'c Connection, settings: &'c Settings) -> Tx<'c> {
        Tx {
            conn,
            settings,
            head: None,
        }
    }

    /// Appends a journal entry at `now`; returns its seq.
    pub fn append(&mut self, now: DateTime<Utc>, e: &NewEntry<'_>) -> Result<i64> {
        if self.head.is_none() {
            self.head = Some(journal::head(self.conn)?);
        }
        let head = self.head.as_mut().expect("head loaded above");
        journal::append(self.conn, head, now, e)
    }

    /// The ledger-local date of `now`.
    pub fn day(&self, now: DateTime<Utc>) -> NaiveDate {
        local_day(self.settings.timezone, now)
    }

    /// Records every open hold whose TTL has run out as expired and gives
    /// its credits back. Returns how many.
    pub fn sweep(&mut self, now: DateTime<Utc>) -> Result<usize> {
        let overdue = hold::overdue(self.conn, now)?;
        for h in &overdue {
            let data = json!({"expires_at": h.expires_at.map(hold::micros_text)});
            let e = NewEntry {
                user: Some(&h.user),
                key: Some(&h.key),
                model: h.model.as_deref(),
                day: Some(&h.day),
                credits: Some(Micros(h.credits)),
                ..NewEntry::new("expire", data)
            };
            let seq = self.append(now, &e)?;
            self.give_back(h)?;
            hold::end(self.conn, &h.key, HoldState::Expired, None, false, seq)?;
        }
        Ok(overdue.len())
    }

    /// Returns an open hold's credits to where they came from.
    pub fn give_back(&self, h: &HoldRow) -> Result<()> {
        let d = Delta {
            c: Counters {
                held: -h.credits,
                allow_held: -h.alloc.allow,
                ..Counters::default()
            },
            open_holds: -1,
        };
        state::apply(self.conn, &h.user, &h.day, &d)?;
        for (k, a) in &h.alloc.grants {
            state::apply_grant(self.conn, k, 0, -a)?;
        }
        Ok(())
    }

    /// Books spending of `amount` split as `spend` on `user` in `day`.
    pub fn book_spend(
        &self,
        user: &str,
        day: &str,
        amount: i64,
        spend: &Allocation,
        overrun: bool,
    ) -> Result<()> {
        let d = Delta {
            c: Counters {
                spent: amount,
                allow_spent: spend.allow,
                overruns: i64::from(overrun),
                ..Counters::default()
            },
            open_holds: 0,
        };
        state::apply(self.conn, user, day, &d)?;
        for (k, a) in &spend.grants {
            state::apply_grant(self.conn, k, *a, 0)?;
        }
        Ok(())
    }
}
