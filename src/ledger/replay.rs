//! Rebuilding the ledger from its journal alone.
//!
//! [`Replay`] reads entries in order, checks the hash chain, decodes each
//! entry strictly into an [`Event`], books it with the same
//! [`rules::apply`] the write path uses (on in-memory state: [`Replay`]
//! implements [`Books`]), and checks what only a reader of the whole
//! history can: that entries refer to users, holds and grants that exist,
//! that days are the local dates of their times, and that no entry without
//! an overrun flag took anyone past a limit in force at the time. `verify`
//! runs it over the whole journal and compares the result with the caches;
//! the model-based test feeds it entry by entry.

use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDate;

use super::amount::Micros;
use super::docs::Problem;
use super::error::{LedgerError, Result};
use super::event::{Event, HoldKind};
use super::journal::{Entry, GENESIS, canonical_json};
use super::period::local_day;
use super::rules::{self, Books};
use super::settings::Settings;
use super::state::{Counters, Delta, Grant, Hold, HoldState, Limits, Token};

/// A user or the org as the journal describes it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Party {
    pub limits: Limits,
    /// The entry that set `limits`.
    pub limits_seq: i64,
    pub open_holds: i64,
    pub totals: Counters,
    /// Counters per local day.
    pub days: BTreeMap<NaiveDate, Counters>,
}

impl Party {
    /// Counters over the period (by this party's current setting) that
    /// contains `day`.
    pub fn period(&self, day: NaiveDate) -> Counters {
        match self.limits.period.bounds(day) {
            None => self.totals,
            Some((s, e)) => {
                let mut c = Counters::default();
                for (_, d) in self.days.range(s..e) {
                    c.add(d);
                }
                c
            }
        }
    }

    fn add(&mut self, day: NaiveDate, c: &Counters, open: i64) {
        self.open_holds += open;
        self.totals.add(c);
        self.days.entry(day).or_default().add(c);
    }
}

/// The ledger derived from its journal.
#[derive(Debug)]
pub struct Replay {
    pub settings: Option<Settings>,
    pub users: BTreeMap<String, Party>,
    pub org: Party,
    pub grants: BTreeMap<String, Grant>,
    pub holds: HashMap<String, Hold>,
    pub tokens: BTreeMap<String, Token>,
    pub entries: i64,
    pub head_seq: i64,
    pub head_hash: Vec<u8>,
    pub overruns: i64,
    pub problems: Vec<Problem>,
}

impl Default for Replay {
    fn default() -> Replay {
        Replay::new()
    }
}

impl Books for Replay {
    fn init(&mut self, settings: &Settings) -> Result<()> {
        if self.settings.is_some() {
            return Err(LedgerError::Corrupt("a second `init` entry".into()));
        }
        self.settings = Some(settings.clone());
        self.org.limits_seq = 1;
        Ok(())
    }

    fn add_user(&mut self, id: &str, limits: &Limits, seq: i64) -> Result<()> {
        if self.users.contains_key(id) {
            return Err(LedgerError::Corrupt(format!("user_add of user `{id}`")));
        }
        self.users.insert(
            id.to_string(),
            Party {
                limits: *limits,
                limits_seq: seq,
                ..Party::default()
            },
        );
        Ok(())
    }

    fn set_limits(&mut self, user: Option<&str>, limits: &Limits, seq: i64) -> Result<()> {
        let party = match user {
            None => &mut self.org,
            Some(id) => self
                .users
                .get_mut(id)
                .ok_or_else(|| LedgerError::Corrupt(format!("user_set of user `{id}`")))?,
        };
        party.limits = *limits;
        party.limits_seq = seq;
        Ok(())
    }

    fn add_grant(&mut self, g: &Grant) -> Result<()> {
        if !self.users.contains_key(&g.user) || self.grants.contains_key(&g.key) {
            return Err(LedgerError::Corrupt(format!(
                "grant `{}` to unknown user `{}` or repeated",
                g.key, g.user
            )));
        }
        self.grants.insert(g.key.clone(), g.clone());
        Ok(())
    }

    fn use_grant(&mut self, key: &str, spent: i64, held: i64) -> Result<()> {
        if let Some(g) = self.grants.get_mut(key) {
            g.spent += spent;
            g.held += held;
        }
        Ok(())
    }

    fn count(&mut self, user: &str, day: NaiveDate, d: &Delta) -> Result<()> {
        self.users
            .entry(user.to_string())
            .or_default()
            .add(day, &d.c, d.open_holds);
        self.org.add(day, &d.c.for_org(), d.open_holds);
        Ok(())
    }

    fn hold(&mut self, key: &str) -> Result<Option<Hold>> {
        Ok(self.holds.get(key).cloned())
    }

    fn open_hold(&mut self, h: &Hold) -> Result<()> {
        if !self.users.contains_key(&h.user) || self.holds.contains_key(&h.key) {
            return Err(LedgerError::Corrupt(format!(
                "`{}` for unknown user `{}` or repeated key",
                h.key, h.user
            )));
        }
        self.holds.insert(h.key.clone(), h.clone());
        Ok(())
    }

    fn token(&mut self, name: &str) -> Result<Option<Token>> {
        Ok(self.tokens.get(name).cloned())
    }

    fn add_token(&mut self, token: &Token) -> Result<()> {
        if let Some(u) = &token.user {
            if !self.users.contains_key(u) {
                return Err(LedgerError::Corrupt(format!(
                    "token `{}` for unknown user `{u}`",
                    token.name
                )));
            }
        }
        self.tokens.insert(token.name.clone(), token.clone());
        Ok(())
    }

    fn revoke_token(&mut self, name: &str, seq: i64, at: &str) -> Result<()> {
        if let Some(t) = self.tokens.get_mut(name) {
            t.revoked_seq = Some(seq);
            t.revoked_at = Some(at.to_string());
        }
        Ok(())
    }

    fn end_hold(
        &mut self,
        key: &str,
        state: HoldState,
        settled: Option<i64>,
        overrun: bool,
        end_seq: i64,
    ) -> Result<()> {
        if let Some(h) = self.holds.get_mut(key) {
            h.state = state;
            if state == HoldState::Settled {
                h.settled = settled;
                h.overrun = overrun;
            }
            h.end_seq = Some(end_seq);
        }
        Ok(())
    }
}

impl Replay {
    /// Before the first entry.
    pub fn new() -> Replay {
        Replay {
            settings: None,
            users: BTreeMap::new(),
            org: Party::default(),
            grants: BTreeMap::new(),
            holds: HashMap::new(),
            tokens: BTreeMap::new(),
            entries: 0,
            head_seq: 0,
            head_hash: GENESIS.to_vec(),
            overruns: 0,
            problems: Vec::new(),
        }
    }

    fn problem(&mut self, seq: i64, message: String) {
        self.problems.push(Problem {
            entry: Some(seq),
            message: format!("entry {seq}: {message}"),
        });
    }

    /// Applies the next entry: chain, effects, limits.
    pub fn apply(&mut self, e: &Entry) {
        self.entries += 1;
        self.check_chain(e);
        match serde_json::from_str::<serde_json::Value>(&e.data) {
            Ok(v) if canonical_json(&v) != e.data => {
                self.problem(e.seq, "its data is not in canonical form".into());
            }
            Ok(_) => {}
            Err(_) => {
                self.problem(e.seq, "its data is not JSON".into());
                return;
            }
        }
        let event = match Event::from_entry(e) {
            Ok(ev) => ev,
            Err(m) => {
                self.problem(e.seq, m);
                return;
            }
        };
        if let Err(m) = self.effects(e, &event) {
            self.problem(e.seq, m);
        }
    }

    fn check_chain(&mut self, e: &Entry) {
        let expected = self.head_seq + 1;
        let mut wrong = Vec::new();
        if e.seq != expected {
            wrong.push(if e.seq > expected {
                format!(
                    "follows entry {}: entries {expected}..{} are missing",
                    self.head_seq,
                    e.seq - 1
                )
            } else {
                format!("is out of order (expected entry {expected})")
            });
        }
        if e.prev_hash != self.head_hash {
            wrong.push(format!(
                "its previous hash does not match entry {}'s hash (an entry before it was changed, removed, inserted or reordered)",
                self.head_seq
            ));
        }
        if e.expected_hash()[..] != e.hash[..] {
            wrong.push("its hash does not match its content (the entry was changed)".into());
        }
        if !wrong.is_empty() {
            self.problem(e.seq, wrong.join("; "));
        }
        self.head_seq = e.seq;
        self.head_hash = e.hash.clone();
    }

    /// Checks what the rules cannot see, books the event, then checks the
    /// limits it may have crossed.
    fn effects(&mut self, e: &Entry, event: &Event) -> Result<(), String> {
        let corrupt = |err: LedgerError| match err {
            LedgerError::Corrupt(m) => m,
            other => other.to_string(),
        };
        match event {
            Event::Init { .. } if e.seq != 1 => return Err("a second `init` entry".into()),
            Event::Open(o) => {
                if let Some(tz) = self.settings.as_ref().map(|s| s.timezone) {
                    let at = chrono::DateTime::parse_from_rfc3339(&e.at).map_err(|_| "bad time")?;
                    if local_day(tz, at.to_utc()) != o.day {
                        return Err(format!("day {} is not the local date of {}", o.day, e.at));
                    }
                }
                let before = self.usage(&o.user, o.day);
                rules::apply(self, e.seq, &e.at, event).map_err(corrupt)?;
                for (g, _) in &o.alloc.grants {
                    if let Some(gs) = self.grants.get(g) {
                        if gs.expires.is_some_and(|x| x < o.day) {
                            return Err(format!(
                                "`{}` drew on grant `{g}` after it expired",
                                o.key
                            ));
                        }
                    }
                }
                let is_hold = o.kind == HoldKind::Hold;
                return self
                    .check_limits(&o.user, o.day, is_hold, before)
                    .map_err(|m| {
                        format!(
                            "{} `{}` {m} without an overrun flag",
                            o.kind.as_str(),
                            o.key
                        )
                    });
            }
            Event::Settle(s) => {
                let h = self
                    .holds
                    .get(&s.key)
                    .cloned()
                    .ok_or(format!("settle of unknown hold `{}`", s.key))?;
                let before = self.usage(&h.user, h.day);
                rules::apply(self, e.seq, &e.at, event).map_err(corrupt)?;
                if !s.overrun
                    && !s.late
                    && (s.credits.0 > h.credits || s.spend != h.alloc.consume(s.credits.0))
                {
                    return Err(format!(
                        "settle of `{}` spends outside its hold without an overrun flag",
                        s.key
                    ));
                }
                self.overruns += i64::from(s.overrun);
                if s.late && !s.overrun {
                    self.check_limits(&h.user, h.day, false, before)
                        .map_err(|m| {
                            format!("late settle of `{}` {m} without an overrun flag", s.key)
                        })?;
                }
                return Ok(());
            }
            _ => {}
        }
        rules::apply(self, e.seq, &e.at, event).map_err(corrupt)
    }

    /// What counts against the caps in the period containing `day`: the
    /// user's draw on its allowance, and the org's spent + held.
    fn usage(&self, user: &str, day: NaiveDate) -> (i64, i64) {
        let u = self.users.get(user).map_or(0, |u| {
            let p = u.period(day);
            p.allow_spent + p.allow_held
        });
        let p = self.org.period(day);
        (u, p.spent + p.held)
    }

    fn check_limits(
        &self,
        user: &str,
        day: NaiveDate,
        slot: bool,
        before: (i64, i64),
    ) -> Result<(), String> {
        let u = &self.users[user];
        if let Some(cap) = u.limits.cap {
            let p = u.period(day);
            let now = p.allow_spent + p.allow_held;
            if now > cap.0 && now > before.0 {
                return Err(format!(
                    "took {user} past the {} cap ({} > {cap})",
                    u.limits.period,
                    Micros(now)
                ));
            }
        }
        for (k, g) in &self.grants {
            if g.user == user && g.spent + g.held > g.credits {
                return Err(format!("overdrew grant `{k}`"));
            }
        }
        if let Some(cap) = self.org.limits.cap {
            let p = self.org.period(day);
            let now = p.spent + p.held;
            if now > cap.0 && now > before.1 {
                return Err(format!(
                    "took the org past its {} cap ({} > {cap})",
                    self.org.limits.period,
                    Micros(now)
                ));
            }
        }
        if slot {
            if u.limits.max_holds.is_some_and(|m| u.open_holds > m) {
                return Err(format!("took {user} past max_holds"));
            }
            if self
                .org
                .limits
                .max_holds
                .is_some_and(|m| self.org.open_holds > m)
            {
                return Err("took the org past max_holds".into());
            }
        }
        Ok(())
    }
}
