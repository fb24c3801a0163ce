//! The ledger's operations, on any store: request → rules → event → store.
//!
//! Each operation runs inside one write transaction ([`Tx`]): it sweeps
//! expired holds, reads what it needs through [`StoreTx`], lets the pure
//! rules decide (`rules::limits` for caps and `max_holds`), and writes the
//! outcome as one [`Event`] with [`Tx::append`], which seals the journal
//! entry and books the event's effects with [`rules::apply`]. A denial
//! writes nothing.
//!
//! `reserve` (holds and charges), `settle` (settle and release), `grant`
//! and `config` (users and the org) are the operations.

pub(crate) mod config;
pub(crate) mod grant;
pub(crate) mod reserve;
pub(crate) mod settle;
pub(crate) mod token;

use chrono::{DateTime, NaiveDate, Utc};

use super::amount::Micros;
use super::error::{LedgerError, Result};
use super::event::{Ended, Event};
use super::journal::{Head, time_text};
use super::period::local_day;
use super::rules::{self, limits::OrgView, limits::UserView};
use super::settings::Settings;
use super::state::{Limits, PartyRow};
use super::store::{Read, StoreTx};

/// A write (or read) transaction in progress, as the operations see it.
pub(crate) struct Tx<'a> {
    pub st: &'a mut dyn StoreTx,
    pub settings: &'a Settings,
    head: Option<Head>,
    /// Rows (id, `limits_seq`, limits) already checked against their
    /// entries: in this transaction, or (handed over by the `Ledger`) in an
    /// earlier committed one; a row that differs in any of the three is
    /// checked again.
    pub checked: Vec<(String, i64, Limits)>,
}

impl<'a> Tx<'a> {
    pub fn new(st: &'a mut dyn StoreTx, settings: &'a Settings) -> Tx<'a> {
        Tx {
            st,
            settings,
            head: None,
            checked: Vec::new(),
        }
    }

    /// Records `event` as the next journal entry at `now` and books its
    /// effects. Returns the entry's seq.
    pub fn append(&mut self, now: DateTime<Utc>, event: Event) -> Result<i64> {
        self.append_filled(now, event, |_, _| Ok(()))
            .map(|(seq, _)| seq)
    }

    /// [`Tx::append`] for an event that records a figure only known once
    /// its effects are booked (the user's `available` after a settle or
    /// release): books `event`, lets `fill` complete it (the rules do not
    /// read the filled fields), then writes the entry. Returns the seq and
    /// the completed event.
    pub fn append_filled(
        &mut self,
        now: DateTime<Utc>,
        mut event: Event,
        fill: impl FnOnce(&mut Tx<'_>, &mut Event) -> Result<()>,
    ) -> Result<(i64, Event)> {
        let head = match self.head.take() {
            Some(h) => h,
            None => self.st.head()?,
        };
        let seq = head.seq + 1;
        rules::apply(self.st, seq, &time_text(now), &event)?;
        fill(self, &mut event)?;
        let entry = event.to_entry(seq, now).seal(&head);
        self.st.insert_entry(&entry)?;
        self.head = Some(Head {
            seq,
            hash: entry.hash,
        });
        Ok((seq, event))
    }

    /// The ledger-local date of `now`.
    pub fn day(&self, now: DateTime<Utc>) -> NaiveDate {
        local_day(self.settings.timezone, now)
    }

    /// Runs `f` as one part of a larger transaction: kept if it returns
    /// `Ok` and `keep` says so, undone (and nothing else with it) if not.
    pub fn part<T>(
        &mut self,
        keep: impl FnOnce(&T) -> bool,
        f: impl FnOnce(&mut Tx<'_>) -> Result<T>,
    ) -> Result<T> {
        self.st.savepoint()?;
        let out = f(self);
        if matches!(&out, Ok(v) if keep(v)) {
            self.st.release()?;
        } else {
            self.st.rollback_to()?;
            // What was cached about the undone writes is gone with them.
            self.head = None;
            self.checked.clear();
        }
        out
    }

    /// Records every open hold whose TTL has run out as expired (rule 5).
    /// Returns how many.
    pub fn sweep(&mut self, now: DateTime<Utc>) -> Result<usize> {
        let overdue = self.st.overdue(now)?;
        for h in &overdue {
            let e = Event::Expire {
                ended: Ended {
                    user: h.user.clone(),
                    key: h.key.clone(),
                    model: h.model.clone(),
                    day: h.day,
                    credits: Micros(h.credits),
                },
                expires_at: h.expires_at.and_then(DateTime::from_timestamp_micros),
            };
            self.append(now, e)?;
        }
        Ok(overdue.len())
    }

    /// `reads` and, with `party` (a user, the day whose period counts, and
    /// today), the reads of that user's position and, if `org`, the org's
    /// ([`Tx::user_view`], [`Tx::org_view`]): an operation announces them
    /// together (`StoreTx::prefetch`), so a server store answers them in
    /// one round trip. Each party's counters are read for its own period
    /// holding the day, as the store finds it.
    pub fn reads_with<'r>(
        &self,
        mut reads: Vec<Read<'r>>,
        party: Option<(&'r str, NaiveDate, NaiveDate)>,
        org: bool,
    ) -> Vec<Read<'r>> {
        if let Some((user, day, today)) = party {
            let known = |id: &str| -> bool { self.checked.iter().any(|(i, _, _)| i == id) };
            let (theirs, org_known) = (known(user), known(""));
            // The party reads answer the rows and the counters of each
            // one's own period holding `day`, whatever that period is.
            reads.extend([Read::UserParty(user, day), Read::UsableGrants(user, today)]);
            if !theirs {
                reads.push(Read::LimitsEntry(Some(user)));
            }
            if org {
                reads.push(Read::OrgParty(day));
                if !org_known {
                    reads.push(Read::LimitsEntry(None));
                }
            }
        }
        reads
    }

    /// A user's row, or an error for an unknown user.
    pub fn user_row(&mut self, id: &str) -> Result<PartyRow> {
        self.st
            .user(id)?
            .ok_or_else(|| LedgerError::UnknownUser(id.into()))
    }

    /// Refuses a cached user or org row whose limits are not the ones its
    /// `limits_seq` entry set: a cap changed behind the ledger's back must
    /// not decide a write (or a report).
    pub fn check_limits(&mut self, row: &PartyRow) -> Result<()> {
        if self
            .checked
            .iter()
            .any(|(id, seq, l)| *id == row.id && *seq == row.limits_seq && *l == row.limits)
        {
            return Ok(());
        }
        let who = if row.id.is_empty() {
            "the org's row".to_string()
        } else {
            format!("users row `{}`", row.id)
        };
        let set = match self.event(row.limits_seq)? {
            Event::UserAdd { user, limits } | Event::UserSet { user, limits } if user == row.id => {
                limits
            }
            Event::OrgSet { limits } if row.id.is_empty() => limits,
            Event::Init { .. } if row.id.is_empty() => Limits::default(),
            _ => {
                return Err(LedgerError::Corrupt(format!(
                    "{who} says entry {} set its limits, but that entry does not",
                    row.limits_seq
                )));
            }
        };
        if set != row.limits {
            return Err(LedgerError::Corrupt(format!(
                "{who} has {} but entry {} set {set}; the cache was changed",
                row.limits, row.limits_seq
            )));
        }
        self.checked
            .push((row.id.clone(), row.limits_seq, row.limits));
        Ok(())
    }

    /// `row`'s position in the period containing `day`, with the grants
    /// usable on `today`.
    pub fn user_view(
        &mut self,
        row: PartyRow,
        day: NaiveDate,
        today: NaiveDate,
    ) -> Result<UserView> {
        self.check_limits(&row)?;
        let bounds = row.limits.period.bounds(day);
        let period = match bounds {
            Some((s, e)) => self.st.user_days(&row.id, s, e)?,
            None => row.totals,
        };
        // Grants only matter above a cap.
        let grants = if row.limits.cap.is_some() {
            self.st.usable_grants(&row.id, today)?
        } else {
            Vec::new()
        };
        Ok(UserView {
            row,
            bounds,
            period,
            grants,
        })
    }

    /// The org's position in the period containing `day`.
    pub fn org_view(&mut self, day: NaiveDate) -> Result<OrgView> {
        let row = self.st.org()?;
        self.check_limits(&row)?;
        let bounds = row.limits.period.bounds(day);
        let period = match bounds {
            Some((s, e)) => self.st.org_days(s, e)?,
            None => row.totals,
        };
        Ok(OrgView {
            row,
            bounds,
            period,
        })
    }

    /// The event recorded as entry `seq`, read strictly.
    pub fn event(&mut self, seq: i64) -> Result<Event> {
        let e = self
            .st
            .entry(seq)?
            .ok_or_else(|| LedgerError::Corrupt(format!("journal entry {seq} is missing")))?;
        Event::from_entry(&e).map_err(|m| LedgerError::Corrupt(format!("journal entry {seq}: {m}")))
    }
}

/// A unix-microsecond time as RFC 3339 text.
pub(crate) fn micros_text(micros: i64) -> String {
    DateTime::<Utc>::from_timestamp_micros(micros)
        .map(time_text)
        .unwrap_or_default()
}
