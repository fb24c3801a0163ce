//! Rebuilding the ledger from its journal alone.
//!
//! [`Replay`] reads entries in order, checks the hash chain, derives every
//! balance (users, org, per-day counters, grants, holds) from the entries'
//! recorded amounts and allocations, and checks that no entry without an
//! overrun flag took anyone past a limit in force at the time. `verify`
//! runs it over the whole journal and compares the result with the caches;
//! the model-based test feeds it entry by entry.

use std::collections::{BTreeMap, HashMap};

use serde_json::Value;

use super::amount::Micros;
use super::config::{Settings, limits_from_json};
use super::docs::Problem;
use super::hold::{Allocation, HoldState};
use super::journal::{Entry, GENESIS, canonical_json};
use super::period::{day_text, local_day, parse_day};
use super::state::{Counters, Limits};

/// A user or the org as the journal describes it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Party {
    pub limits: Limits,
    pub open_holds: i64,
    pub totals: Counters,
    /// Counters per local day.
    pub days: BTreeMap<String, Counters>,
}

impl Party {
    /// Counters over the period (by this party's current setting) that
    /// contains `day`.
    pub fn period(&self, day: &str) -> Counters {
        let bounds = parse_day(day).and_then(|d| self.limits.period.bounds(d));
        match bounds {
            None => self.totals,
            Some((s, e)) => {
                let mut c = Counters::default();
                for (_, d) in self.days.range(day_text(s)..day_text(e)) {
                    c.add(d);
                }
                c
            }
        }
    }

    fn apply(&mut self, day: &str, c: &Counters, open: i64) {
        self.open_holds += open;
        self.totals.add(c);
        self.days.entry(day.to_string()).or_default().add(c);
    }
}

/// A grant as the journal describes it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GrantState {
    pub user: String,
    pub credits: i64,
    pub expires: Option<String>,
    pub spent: i64,
    pub held: i64,
    pub seq: i64,
}

/// A hold or charge as the journal describes it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReplayedHold {
    pub kind: String,
    pub user: String,
    pub model: Option<String>,
    pub day: String,
    pub credits: i64,
    pub alloc: Allocation,
    pub created_at: String,
    pub expires_at: Option<String>,
    pub state: HoldState,
    pub settled: Option<i64>,
    pub overrun: bool,
    pub seq: i64,
    pub end_seq: Option<i64>,
}

/// The ledger derived from its journal.
#[derive(Debug)]
pub struct Replay {
    pub settings: Option<Settings>,
    pub users: BTreeMap<String, Party>,
    pub org: Party,
    pub grants: BTreeMap<String, GrantState>,
    pub holds: HashMap<String, ReplayedHold>,
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

impl Replay {
    /// Before the first entry.
    pub fn new() -> Replay {
        Replay {
            settings: None,
            users: BTreeMap::new(),
            org: Party::default(),
            grants: BTreeMap::new(),
            holds: HashMap::new(),
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
        let data: Value = match serde_json::from_str(&e.data) {
            Ok(v) => v,
            Err(_) => {
                self.problem(e.seq, "its data is not JSON".into());
                return;
            }
        };
        if canonical_json(&data) != e.data {
            self.problem(e.seq, "its data is not in canonical form".into());
        }
        if let Err(m) = self.effects(e, &data) {
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

    fn effects(&mut self, e: &Entry, data: &Value) -> Result<(), String> {
        let user = e.user.clone().unwrap_or_default();
        let key = e.key.clone().unwrap_or_default();
        let day = e.day.clone().unwrap_or_default();
        let credits = e.credits.map_or(0, |m| m.0);
        match e.kind.as_str() {
            "init" => {
                if e.seq != 1 || self.settings.is_some() {
                    return Err("a second `init` entry".into());
                }
                self.settings = Some(Settings::from_json(data).ok_or("bad settings")?);
            }
            "migrate" => {}
            "user_add" | "user_set" => {
                let limits = limits_from_json(data).ok_or("bad limits")?;
                let exists = self.users.contains_key(&user);
                if exists == (e.kind == "user_add") {
                    return Err(format!("{} of user `{user}`", e.kind));
                }
                self.users.entry(user).or_default().limits = limits;
            }
            "org_set" => self.org.limits = limits_from_json(data).ok_or("bad limits")?,
            "grant" => {
                if !self.users.contains_key(&user) || self.grants.contains_key(&key) {
                    return Err(format!(
                        "grant `{key}` to unknown user `{user}` or repeated"
                    ));
                }
                let expires = data
                    .get("expires")
                    .and_then(Value::as_str)
                    .map(String::from);
                let g = GrantState {
                    user,
                    credits,
                    expires,
                    spent: 0,
                    held: 0,
                    seq: e.seq,
                };
                self.grants.insert(key, g);
            }
            "hold" | "charge" => self.open(e, data, user, key, day, credits)?,
            "settle" => self.settle(e, data, &key, credits)?,
            "release" | "expire" => self.close(e, &key, credits)?,
            other => return Err(format!("unknown kind `{other}`")),
        }
        Ok(())
    }

    fn open(
        &mut self,
        e: &Entry,
        data: &Value,
        user: String,
        key: String,
        day: String,
        credits: i64,
    ) -> Result<(), String> {
        let alloc = Allocation::from_json(data).ok_or("bad allocation")?;
        if alloc.total() != credits {
            return Err(format!(
                "allocation {} ≠ credits {}",
                Micros(alloc.total()),
                Micros(credits)
            ));
        }
        if !self.users.contains_key(&user) || self.holds.contains_key(&key) {
            return Err(format!("`{key}` for unknown user `{user}` or repeated key"));
        }
        if let Some(tz) = self.settings.as_ref().map(|s| s.timezone) {
            let at = chrono::DateTime::parse_from_rfc3339(&e.at).map_err(|_| "bad time")?;
            if day_text(local_day(tz, at.to_utc())) != day {
                return Err(format!("day {day} is not the local date of {}", e.at));
            }
        }
        let is_hold = e.kind == "hold";
        let (c, open) = if is_hold {
            (
                Counters {
                    held: credits,
                    allow_held: alloc.allow,
                    ..Counters::default()
                },
                1,
            )
        } else {
            (
                Counters {
                    spent: credits,
                    allow_spent: alloc.allow,
                    ..Counters::default()
                },
                0,
            )
        };
        let before = self.usage(&user, &day);
        self.book(&user, &day, &c, open, &alloc.grants, !is_hold);
        self.holds.insert(
            key.clone(),
            ReplayedHold {
                kind: e.kind.clone(),
                user: user.clone(),
                model: e.model.clone(),
                day: day.clone(),
                credits,
                alloc: alloc.clone(),
                created_at: e.at.clone(),
                expires_at: data
                    .get("expires_at")
                    .and_then(Value::as_str)
                    .map(String::from),
                state: if is_hold {
                    HoldState::Open
                } else {
                    HoldState::Settled
                },
                settled: (!is_hold).then_some(credits),
                overrun: false,
                seq: e.seq,
                end_seq: (!is_hold).then_some(e.seq),
            },
        );
        let grants_day = day.clone();
        for (g, _) in &alloc.grants {
            if let Some(gs) = self.grants.get(g) {
                if gs.expires.as_ref().is_some_and(|x| *x < grants_day) {
                    return Err(format!("`{key}` drew on grant `{g}` after it expired"));
                }
            }
        }
        self.check_limits(&user, &day, is_hold, before)
            .map_err(|m| format!("{} `{key}` {m} without an overrun flag", e.kind))
    }

    fn settle(&mut self, e: &Entry, data: &Value, key: &str, credits: i64) -> Result<(), String> {
        let h = self
            .holds
            .get(key)
            .cloned()
            .ok_or(format!("settle of unknown hold `{key}`"))?;
        let spend = Allocation::from_json(data).ok_or("bad allocation")?;
        if spend.total() != credits {
            return Err(format!(
                "allocation {} ≠ credits {}",
                Micros(spend.total()),
                Micros(credits)
            ));
        }
        let overrun = data
            .get("overrun")
            .and_then(Value::as_bool)
            .unwrap_or(false);
        let late = data.get("late").and_then(Value::as_bool).unwrap_or(false);
        if overrun != e.over.is_some() {
            return Err("overrun flag and overrun amount disagree".into());
        }
        match (h.state, late) {
            (HoldState::Open, false) => self.give_back(&h),
            (HoldState::Expired, true) => {}
            (s, _) => {
                return Err(format!(
                    "settle of `{key}` while {} (late: {late})",
                    s.as_str()
                ));
            }
        }
        if !overrun && !late && (credits > h.credits || spend != h.alloc.consume(credits)) {
            return Err(format!(
                "settle of `{key}` spends outside its hold without an overrun flag"
            ));
        }
        let c = Counters {
            spent: credits,
            allow_spent: spend.allow,
            overruns: i64::from(overrun),
            ..Counters::default()
        };
        let before = self.usage(&h.user, &h.day);
        self.book(&h.user, &h.day, &c, 0, &spend.grants, true);
        self.overruns += i64::from(overrun);
        let hs = self.holds.get_mut(key).expect("looked up above");
        hs.state = HoldState::Settled;
        hs.settled = Some(credits);
        hs.overrun = overrun;
        hs.end_seq = Some(e.seq);
        if late && !overrun {
            self.check_limits(&h.user, &h.day, false, before)
                .map_err(|m| format!("late settle of `{key}` {m} without an overrun flag"))?;
        }
        Ok(())
    }

    fn close(&mut self, e: &Entry, key: &str, credits: i64) -> Result<(), String> {
        let h = self
            .holds
            .get(key)
            .cloned()
            .ok_or(format!("{} of unknown hold `{key}`", e.kind))?;
        let returned = match h.state {
            HoldState::Open => {
                self.give_back(&h);
                h.credits
            }
            HoldState::Expired if e.kind == "release" => 0,
            s => return Err(format!("{} of `{key}` while {}", e.kind, s.as_str())),
        };
        if returned != credits {
            return Err(format!(
                "returns {} but the hold held {}",
                Micros(credits),
                Micros(returned)
            ));
        }
        let hs = self.holds.get_mut(key).expect("looked up above");
        hs.state = if e.kind == "expire" {
            HoldState::Expired
        } else {
            HoldState::Released
        };
        hs.end_seq = Some(e.seq);
        Ok(())
    }

    fn give_back(&mut self, h: &ReplayedHold) {
        let c = Counters {
            held: -h.credits,
            allow_held: -h.alloc.allow,
            ..Counters::default()
        };
        let grants: Vec<(String, i64)> = h
            .alloc
            .grants
            .iter()
            .map(|(k, a)| (k.clone(), -a))
            .collect();
        self.book(&h.user, &h.day, &c, -1, &grants, false);
    }

    fn book(
        &mut self,
        user: &str,
        day: &str,
        c: &Counters,
        open: i64,
        grants: &[(String, i64)],
        spent: bool,
    ) {
        self.users
            .entry(user.to_string())
            .or_default()
            .apply(day, c, open);
        let org = Counters {
            allow_spent: 0,
            allow_held: 0,
            ..*c
        };
        self.org.apply(day, &org, open);
        for (k, a) in grants {
            if let Some(g) = self.grants.get_mut(k) {
                if spent {
                    g.spent += a;
                } else {
                    g.held += a;
                }
            }
        }
    }

    /// What counts against the caps in the period containing `day`: the
    /// user's draw on its allowance, and the org's spent + held.
    fn usage(&self, user: &str, day: &str) -> (i64, i64) {
        let u = self.users.get(user).map_or(0, |u| {
            let p = u.period(day);
            p.allow_spent + p.allow_held
        });
        let o = self.org.period(day);
        (u, o.spent + o.held)
    }

    /// Whether the entry just booked kept the user and the org within their
    /// limits in force for the period containing `day`. `before` is
    /// [`Replay::usage`] before the entry: a period can already be past a
    /// cap without any fault (an overrun, or a cap lowered mid-period), and
    /// then only an entry that draws on the cap *further* breaks it.
    fn check_limits(
        &self,
        user: &str,
        day: &str,
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
                    Micros(p.allow_spent + p.allow_held)
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
                    Micros(p.spent + p.held)
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
