//! The model-based test: random sequences of reserve, charge, settle,
//! release, expire, grant, cap changes and clock moves (period rollovers,
//! DST changes) run against the real ledger (the library, on a real SQLite
//! file) and against a small in-memory reference model written straight
//! from the contract. After every operation the two must agree on the
//! outcome (granted or which limit denied, with the numbers; which error),
//! on every user's and the org's spent, held, available and open holds, and
//! on the balances derived by replaying the journal; and no grant may leave
//! anyone past a limit in force. The same seeds run on PostgreSQL when the
//! tests have a server (`backend.rs`).
//!
//! The model is deliberately naive: it keeps a flat list of holds and
//! grants and recomputes every total by scanning them, so it shares no code
//! or data structure with the ledger's caches. Amounts are integers of
//! micro-credits (the contract's 6 decimals), so both sides are exact.
//!
//! `SEEDS_PER_TEST × OPS_PER_SEED × TESTS` ≥ 100,000 operations; a failure
//! prints the seed and step, and `GENBUDGET_MODEL_SEED=N` reruns one seed.

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use chrono_tz::Tz;
use genbudget::ledger::amount::Micros;
use genbudget::ledger::period::Period;
use genbudget::ledger::replay::Replay;
use genbudget::ledger::{
    Cost, Decision, Done, Durability, GrantRequest, HoldDoc, HoldRequest, Ledger, LedgerError,
    Limits, LimitsChange, Op, OpenOptions, Settings,
};
use genbudget::money::Credits;

use super::Backend;
use super::backend::{self, PgDb};
use crate::common::Rng;

/// Ledger operations (not counting clock moves) per seed.
const OPS_PER_SEED: usize = 420;
/// Seeds per test function; there are [`TESTS`] of them, run in parallel.
const SEEDS_PER_TEST: u64 = 60;
const TESTS: u64 = 4;
const _: () = assert!(OPS_PER_SEED as u64 * SEEDS_PER_TEST * TESTS >= 100_000);

// ---------------------------------------------------------------- the model

const ONE: i64 = 1_000_000;

#[derive(Clone, Copy, Debug, PartialEq)]
enum MPeriod {
    Day,
    Week,
    Month,
    None,
}

impl MPeriod {
    /// `[start, end)` of the period containing `d`, written independently
    /// of the ledger's own `Period::bounds`.
    fn bounds(self, d: NaiveDate) -> Option<(NaiveDate, NaiveDate)> {
        match self {
            MPeriod::Day => Some((d, d + Duration::days(1))),
            MPeriod::Week => {
                let start = d - Duration::days(i64::from(d.weekday().num_days_from_monday()));
                Some((start, start + Duration::days(7)))
            }
            MPeriod::Month => {
                let start = NaiveDate::from_ymd_opt(d.year(), d.month(), 1).unwrap();
                let (y, m) = if d.month() == 12 {
                    (d.year() + 1, 1)
                } else {
                    (d.year(), d.month() + 1)
                };
                Some((start, NaiveDate::from_ymd_opt(y, m, 1).unwrap()))
            }
            MPeriod::None => None,
        }
    }
    fn contains(self, around: NaiveDate, d: NaiveDate) -> bool {
        self.bounds(around).is_none_or(|(s, e)| s <= d && d < e)
    }
    fn real(self) -> Period {
        match self {
            MPeriod::Day => Period::Day,
            MPeriod::Week => Period::Week,
            MPeriod::Month => Period::Month,
            MPeriod::None => Period::None,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq)]
struct MLimits {
    cap: Option<i64>,
    period: MPeriod,
    max_holds: Option<i64>,
}

#[derive(Clone, Debug, Default, PartialEq)]
struct Alloc {
    allow: i64,
    /// (grant index, amount)
    grants: Vec<(usize, i64)>,
}

impl Alloc {
    fn grant_part(&self, g: usize) -> i64 {
        self.grants
            .iter()
            .filter(|(i, _)| *i == g)
            .map(|(_, a)| a)
            .sum()
    }
    /// Spends `amount` of a hold's allocation, allowance first, then its
    /// grants in the order drawn.
    fn consume(&self, amount: i64) -> Alloc {
        let allow = amount.min(self.allow);
        let mut rest = amount - allow;
        let mut grants = Vec::new();
        for &(g, a) in &self.grants {
            let take = rest.min(a);
            if take > 0 {
                grants.push((g, take));
                rest -= take;
            }
        }
        Alloc { allow, grants }
    }
    fn plus(&self, other: &Alloc) -> Alloc {
        let mut grants = self.grants.clone();
        grants.extend(other.grants.iter().cloned());
        Alloc {
            allow: self.allow + other.allow,
            grants,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum MState {
    Open,
    Settled,
    Released,
    Expired,
}

impl MState {
    fn text(self) -> &'static str {
        match self {
            MState::Open => "open",
            MState::Settled => "settled",
            MState::Released => "released",
            MState::Expired => "expired",
        }
    }
}

#[derive(Clone, Debug)]
struct MHold {
    key: String,
    charge: bool,
    user: String,
    day: NaiveDate,
    credits: i64,
    ttl: Option<i64>,
    alloc: Alloc,
    expires_at: Option<DateTime<Utc>>,
    state: MState,
    settled: Option<i64>,
    spend: Alloc,
    overrun: bool,
    available_at_start: Option<i64>,
    available_at_end: Option<i64>,
    reason: Option<String>,
}

#[derive(Clone, Debug)]
struct MGrant {
    key: String,
    user: String,
    credits: i64,
    expires: Option<NaiveDate>,
    note: Option<String>,
}

/// What an operation came to, in terms both sides can produce.
#[derive(Clone, Debug, PartialEq)]
enum Outcome {
    Hold {
        state: &'static str,
        credits: i64,
        settled: Option<i64>,
        available: Option<i64>,
        expires_at: Option<String>,
        overrun: bool,
        replayed: bool,
    },
    Denied {
        limit: &'static str,
        asked: i64,
        available: Option<i64>,
    },
    Grant {
        credits: i64,
        replayed: bool,
    },
    Done,
    Expired(usize),
    /// An error, by kind and the field it names.
    Error(String),
}

fn err(kind: &str, field: &str) -> Outcome {
    Outcome::Error(format!("{kind}:{field}"))
}

struct Model {
    tz: Tz,
    ttl: i64,
    users: BTreeMap<String, MLimits>,
    org: MLimits,
    holds: Vec<MHold>,
    grants: Vec<MGrant>,
}

/// Counters over a period.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
struct Sums {
    spent: i64,
    held: i64,
    allow_spent: i64,
    allow_held: i64,
    overruns: i64,
}

impl Model {
    fn today(&self, now: DateTime<Utc>) -> NaiveDate {
        now.with_timezone(&self.tz).date_naive()
    }

    fn find(&self, key: &str) -> Option<usize> {
        self.holds.iter().position(|h| h.key == key)
    }

    /// Rule 5: every open hold at or past its TTL is expired.
    fn sweep(&mut self, now: DateTime<Utc>) -> usize {
        let mut n = 0;
        for h in &mut self.holds {
            if h.state == MState::Open && h.expires_at.is_some_and(|e| e <= now) {
                h.state = MState::Expired;
                n += 1;
            }
        }
        n
    }

    /// A user's (or, with `None`, the org's) counters over the period of
    /// `period` that contains `around`.
    fn sums(&self, user: Option<&str>, period: MPeriod, around: NaiveDate) -> Sums {
        let mut s = Sums::default();
        for h in &self.holds {
            if user.is_some_and(|u| u != h.user) || !period.contains(around, h.day) {
                continue;
            }
            match h.state {
                MState::Open => {
                    s.held += h.credits;
                    s.allow_held += h.alloc.allow;
                }
                MState::Settled => {
                    s.spent += h.settled.unwrap();
                    s.allow_spent += h.spend.allow;
                    s.overruns += i64::from(h.overrun);
                }
                _ => {}
            }
        }
        s
    }

    /// (spent, held) of grant `g`, over all time.
    fn grant_use(&self, g: usize) -> (i64, i64) {
        let (mut spent, mut held) = (0, 0);
        for h in &self.holds {
            match h.state {
                MState::Open => held += h.alloc.grant_part(g),
                MState::Settled => spent += h.spend.grant_part(g),
                _ => {}
            }
        }
        (spent, held)
    }

    /// A user's grants usable on `today` with credits left, in spending
    /// order (earliest expiry first, no expiry last, then as given), with
    /// what is free in each.
    fn usable_grants(&self, user: &str, today: NaiveDate) -> Vec<(usize, i64)> {
        let mut v: Vec<(usize, i64)> = self
            .grants
            .iter()
            .enumerate()
            .filter(|(_, g)| g.user == user && g.expires.is_none_or(|e| e >= today))
            .map(|(i, g)| {
                let (s, h) = self.grant_use(i);
                (i, g.credits - s - h)
            })
            .filter(|(_, free)| *free > 0)
            .collect();
        v.sort_by_key(|(i, _)| {
            (
                self.grants[*i].expires.is_none(),
                self.grants[*i].expires,
                *i,
            )
        });
        v
    }

    fn open_holds(&self, user: Option<&str>) -> i64 {
        self.holds
            .iter()
            .filter(|h| h.state == MState::Open && user.is_none_or(|u| u == h.user))
            .count() as i64
    }

    /// (allowance left, free grants) for `user` in the period containing
    /// `day`, grants usable `today`; `None` without a cap.
    fn allowance(
        &self,
        user: &str,
        day: NaiveDate,
        today: NaiveDate,
    ) -> Option<(i64, Vec<(usize, i64)>)> {
        let l = self.users[user];
        let cap = l.cap?;
        let s = self.sums(Some(user), l.period, day);
        Some((
            cap - s.allow_spent - s.allow_held,
            self.usable_grants(user, today),
        ))
    }

    fn available(&self, user: &str, day: NaiveDate, today: NaiveDate) -> Option<i64> {
        self.allowance(user, day, today)
            .map(|(a, g)| a.max(0) + g.iter().map(|(_, f)| f).sum::<i64>())
    }

    /// Splits `amount`: the allowance, then grants; returns the split and
    /// the part that fits nowhere (charged to the allowance anyway).
    fn allocate(&self, user: &str, day: NaiveDate, today: NaiveDate, amount: i64) -> (Alloc, i64) {
        let Some((allowance, grants)) = self.allowance(user, day, today) else {
            return (
                Alloc {
                    allow: amount,
                    grants: vec![],
                },
                0,
            );
        };
        let allow = amount.min(allowance.max(0));
        let mut rest = amount - allow;
        let mut parts = Vec::new();
        for (g, free) in grants {
            let take = rest.min(free);
            if take > 0 {
                parts.push((g, take));
                rest -= take;
            }
        }
        (
            Alloc {
                allow: allow + rest,
                grants: parts,
            },
            rest,
        )
    }

    fn org_free(&self, day: NaiveDate) -> Option<i64> {
        let cap = self.org.cap?;
        let s = self.sums(None, self.org.period, day);
        Some(cap - s.spent - s.held)
    }

    fn hold_doc(&self, i: usize, replayed: bool) -> Outcome {
        let h = &self.holds[i];
        Outcome::Hold {
            state: h.state.text(),
            credits: h.credits,
            settled: h.settled,
            available: h.available_at_end,
            expires_at: h.expires_at.map(time_text),
            overrun: h.overrun,
            replayed,
        }
    }

    fn reserve(
        &mut self,
        now: DateTime<Utc>,
        user: &str,
        key: &str,
        credits: i64,
        ttl: Option<i64>,
        charge: bool,
    ) -> Outcome {
        if credits == 0 {
            return err("input", "credits");
        }
        self.sweep(now);
        if let Some(i) = self.find(key) {
            let h = &self.holds[i];
            if h.charge != charge {
                return err("key", "command");
            }
            if h.user != user {
                return err("key", "user");
            }
            if h.credits != credits {
                return err("key", "credits");
            }
            if h.ttl != ttl {
                return err("key", "ttl");
            }
            return Outcome::Hold {
                state: if charge { "settled" } else { "open" },
                credits,
                settled: charge.then_some(credits),
                available: h.available_at_start,
                expires_at: h.expires_at.map(time_text),
                overrun: false,
                replayed: true,
            };
        }
        if self.grants.iter().any(|g| g.key == key) {
            return err("conflict", "");
        }
        let Some(limits) = self.users.get(user).copied() else {
            return err("unknown_user", "");
        };
        let today = self.today(now);
        let available = self.available(user, today, today);
        // The contract's order: user cap, user max_holds, org cap, org max_holds.
        if let (Some(_), Some(a)) = (limits.cap, available) {
            if credits > a {
                return Outcome::Denied {
                    limit: "user.cap",
                    asked: credits,
                    available: Some(a),
                };
            }
        }
        if !charge
            && limits
                .max_holds
                .is_some_and(|m| self.open_holds(Some(user)) + 1 > m)
        {
            return Outcome::Denied {
                limit: "user.max_holds",
                asked: credits,
                available,
            };
        }
        let org_free = self.org_free(today);
        if org_free.is_some_and(|f| credits > f) {
            return Outcome::Denied {
                limit: "org.cap",
                asked: credits,
                available: org_free.map(|f| f.max(0)),
            };
        }
        if !charge
            && self
                .org
                .max_holds
                .is_some_and(|m| self.open_holds(None) + 1 > m)
        {
            return Outcome::Denied {
                limit: "org.max_holds",
                asked: credits,
                available: org_free.map(|f| f.max(0)),
            };
        }
        let (alloc, rest) = self.allocate(user, today, today, credits);
        assert_eq!(rest, 0, "a granted request fits");
        let after = available.map(|a| a - credits);
        let expires_at = (!charge).then(|| now + Duration::seconds(ttl.unwrap_or(self.ttl)));
        self.holds.push(MHold {
            key: key.into(),
            charge,
            user: user.into(),
            day: today,
            credits,
            ttl,
            spend: if charge {
                alloc.clone()
            } else {
                Alloc::default()
            },
            alloc: if charge { Alloc::default() } else { alloc },
            expires_at,
            state: if charge {
                MState::Settled
            } else {
                MState::Open
            },
            settled: charge.then_some(credits),
            overrun: false,
            available_at_start: after,
            available_at_end: None,
            reason: None,
        });
        Outcome::Hold {
            state: if charge { "settled" } else { "open" },
            credits,
            settled: charge.then_some(credits),
            available: after,
            expires_at: expires_at.map(time_text),
            overrun: false,
            replayed: false,
        }
    }

    fn settle(&mut self, now: DateTime<Utc>, key: &str, cost: Option<i64>) -> Outcome {
        self.sweep(now);
        let Some(i) = self.find(key) else {
            return err("unknown_key", "");
        };
        if self.holds[i].charge {
            return err("conflict", "");
        }
        let h = self.holds[i].clone();
        let amount = cost.unwrap_or(h.credits);
        match h.state {
            MState::Settled if h.settled == Some(amount) => return self.hold_doc(i, true),
            MState::Settled => return err("key", "credits"),
            MState::Released => return err("conflict", ""),
            MState::Open | MState::Expired => {}
        }
        let today = self.today(now);
        let late = h.state == MState::Expired;
        let (spend, over) = if late {
            // Judged afresh against the hold's period.
            let (spend, rest) = self.allocate(&h.user, h.day, today, amount);
            let org_short = self
                .org_free(h.day)
                .map_or(0, |f| (amount - f.max(0)).max(0));
            (spend, rest.max(org_short))
        } else if amount <= h.credits {
            (h.alloc.consume(amount), 0)
        } else {
            let excess = amount - h.credits;
            let (extra, _) = self.allocate(&h.user, h.day, today, excess);
            (h.alloc.plus(&extra), excess)
        };
        let hm = &mut self.holds[i];
        hm.state = MState::Settled;
        hm.settled = Some(amount);
        hm.spend = spend;
        hm.overrun = over > 0;
        let user = hm.user.clone();
        self.holds[i].available_at_end = self.available(&user, today, today);
        self.hold_doc(i, false)
    }

    fn release(&mut self, now: DateTime<Utc>, key: &str, reason: Option<&str>) -> Outcome {
        self.sweep(now);
        let Some(i) = self.find(key) else {
            return err("unknown_key", "");
        };
        let h = &self.holds[i];
        if h.charge {
            return err("conflict", "");
        }
        match h.state {
            MState::Settled => return err("conflict", ""),
            MState::Released if h.reason.as_deref() == reason => return self.hold_doc(i, true),
            MState::Released => return err("key", "reason"),
            MState::Open | MState::Expired => {}
        }
        let today = self.today(now);
        let user = h.user.clone();
        self.holds[i].state = MState::Released;
        self.holds[i].reason = reason.map(String::from);
        self.holds[i].available_at_end = self.available(&user, today, today);
        self.hold_doc(i, false)
    }

    fn grant(&mut self, now: DateTime<Utc>, g: MGrant) -> Outcome {
        if g.credits == 0 {
            return err("input", "credits");
        }
        self.sweep(now);
        if let Some(old) = self.grants.iter().find(|x| x.key == g.key) {
            for (field, same) in [
                ("user", old.user == g.user),
                ("credits", old.credits == g.credits),
                ("expires", old.expires == g.expires),
                ("note", old.note == g.note),
            ] {
                if !same {
                    return err("key", field);
                }
            }
            return Outcome::Grant {
                credits: g.credits,
                replayed: true,
            };
        }
        if self.find(&g.key).is_some() {
            return err("conflict", "");
        }
        if !self.users.contains_key(&g.user) {
            return err("unknown_user", "");
        }
        if g.expires.is_some_and(|e| e < self.today(now)) {
            return err("input", "expires");
        }
        let credits = g.credits;
        self.grants.push(g);
        Outcome::Grant {
            credits,
            replayed: false,
        }
    }

    /// The "no overspend" invariant after a granted request: the user's
    /// allowance, every grant and the org's cap hold, and so do the job
    /// slots.
    ///
    /// A period may already be past a cap (an overrun, a cap lowered
    /// mid-period); then the request must not have drawn on the cap at all.
    fn assert_within_limits(
        &self,
        user: &str,
        day: NaiveDate,
        before: (i64, i64),
        slot: bool,
        ctx: &str,
    ) {
        let l = self.users[user];
        let (allow, org) = self.usage(user, day);
        if let Some(cap) = l.cap {
            assert!(
                allow <= cap.max(before.0),
                "{ctx}: {user} past the cap: {allow} > {cap} (was {})",
                before.0
            );
        }
        for (i, g) in self.grants.iter().enumerate() {
            let (s, h) = self.grant_use(i);
            assert!(s + h <= g.credits, "{ctx}: grant {} overdrawn", g.key);
        }
        if let Some(cap) = self.org.cap {
            assert!(
                org <= cap,
                "{ctx}: org past its cap: {org} > {cap} (was {})",
                before.1
            );
        }
        if slot {
            if let Some(m) = l.max_holds {
                assert!(
                    self.open_holds(Some(user)) <= m,
                    "{ctx}: {user} past max_holds"
                );
            }
            if let Some(m) = self.org.max_holds {
                assert!(self.open_holds(None) <= m, "{ctx}: org past max_holds");
            }
        }
    }

    /// The user's draw on its allowance and the org's spent + held, in
    /// their periods containing `day` (for users not in the ledger: 0).
    fn usage(&self, user: &str, day: NaiveDate) -> (i64, i64) {
        let allow = self.users.get(user).map_or(0, |l| {
            let s = self.sums(Some(user), l.period, day);
            s.allow_spent + s.allow_held
        });
        let o = self.sums(None, self.org.period, day);
        (allow, o.spent + o.held)
    }
}

fn time_text(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)
}

// ------------------------------------------------------- the real ledger side

fn micros(c: &Credits) -> i64 {
    Micros::from_decimal(c.0)
        .expect("an amount the ledger printed")
        .0
}

fn real_doc(d: &HoldDoc) -> Outcome {
    Outcome::Hold {
        state: d.state,
        credits: micros(&d.credits),
        settled: d.settled.as_ref().map(micros),
        available: d.available.as_ref().map(micros),
        expires_at: d.expires_at.clone(),
        overrun: d.overrun,
        replayed: d.replayed,
    }
}

fn real_err(e: LedgerError) -> Outcome {
    match e {
        LedgerError::Input { field, .. } => err("input", &field),
        LedgerError::UnknownUser(_) => err("unknown_user", ""),
        LedgerError::UnknownKey(_) => err("unknown_key", ""),
        LedgerError::KeyConflict { field, .. } => err("key", &field),
        LedgerError::Conflict(_) => err("conflict", ""),
        other => panic!("unexpected ledger error: {other}"),
    }
}

fn decided(r: Result<Decision, LedgerError>) -> Outcome {
    match r {
        Ok(Decision::Granted(d)) => real_doc(&d),
        Ok(Decision::Denied(d)) => Outcome::Denied {
            limit: d.limit,
            asked: micros(&d.asked),
            available: d.available.as_ref().map(micros),
        },
        Err(e) => real_err(e),
    }
}

fn dec(m: i64) -> rust_decimal::Decimal {
    Micros(m).to_decimal()
}

// ------------------------------------------------------------ the generator

const USERS: [&str; 3] = ["ana", "bo", "cy"];

fn amount(rng: &mut Rng) -> i64 {
    match rng.range(0, 9) {
        0..=5 => rng.range(1, 60) * ONE,
        6 | 7 => rng.range(1, 60 * ONE),
        8 => rng.range(1, 1000),
        _ => rng.range(60, 200) * ONE,
    }
}

fn limits(rng: &mut Rng, org: bool) -> MLimits {
    let cap = if rng.pct(20) {
        None
    } else if rng.pct(70) {
        Some(rng.range(if org { 200 } else { 20 }, if org { 1500 } else { 400 }) * ONE)
    } else {
        Some(rng.range(ONE, 300 * ONE))
    };
    let period = *rng.pick(&[MPeriod::Day, MPeriod::Week, MPeriod::Month, MPeriod::None]);
    let max_holds = if rng.pct(50) {
        None
    } else {
        Some(rng.range(if org { 2 } else { 1 }, if org { 8 } else { 4 }))
    };
    MLimits {
        cap,
        period,
        max_holds,
    }
}

fn real_limits(l: &MLimits) -> Limits {
    Limits {
        cap: l.cap.map(Micros),
        period: l.period.real(),
        max_holds: l.max_holds,
    }
}

/// Where each seed's clock starts: month and year ends, the DST changes of
/// 2026 in Europe and America, an ISO week 53.
const STARTS: [&str; 7] = [
    "2026-04-20T09:00:00Z",
    "2026-03-28T20:00:00Z",
    "2026-10-24T21:30:00Z",
    "2026-03-08T05:00:00Z",
    "2026-12-31T20:00:00Z",
    "2026-02-27T23:00:00Z",
    "2026-11-01T04:30:00Z",
];
const ZONES: [&str; 5] = [
    "UTC",
    "Europe/Berlin",
    "America/New_York",
    "Asia/Kolkata",
    "Pacific/Chatham",
];

/// How often each kind of outcome came up (so that a run that never
/// denies, overruns or replays cannot pass for a thorough one).
type Stats = BTreeMap<String, usize>;

fn tally(stats: &mut Stats, o: &Outcome) {
    let name = match o {
        Outcome::Hold { replayed: true, .. } => "replayed".to_string(),
        Outcome::Hold { overrun: true, .. } => "overrun".to_string(),
        Outcome::Hold { state, .. } => format!("hold {state}"),
        Outcome::Denied { limit, .. } => format!("denied {limit}"),
        Outcome::Grant { replayed, .. } => format!("grant (replayed: {replayed})"),
        Outcome::Done => "limits changed".into(),
        Outcome::Expired(n) => format!("expire ({})", if *n > 0 { "some" } else { "none" }),
        Outcome::Error(e) => format!("error {e}"),
    };
    *stats.entry(name).or_default() += 1;
}

/// Runs one seed; returns the number of ledger operations made.
/// How the ledger runs the writes: one call each, or (`Grouped`) reserves,
/// charges, settles and releases gathered into [`Ledger::group`]s of up to
/// 12, each group sent before any other step (a clock move, a grant, a
/// limits change, a sweep), every outcome still checked against the
/// model's, which runs them one by one.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Mode {
    Alone,
    Grouped,
}

/// A write waiting for its group: the op, what the model says it comes to,
/// and the step it was asked at.
type Waiting = Vec<(Op, Outcome, String)>;

/// Runs the waiting writes as one group and checks each outcome.
fn send_group(
    ledger: &mut Ledger,
    now: DateTime<Utc>,
    waiting: &mut Waiting,
    stats: &mut Stats,
) -> bool {
    if waiting.is_empty() {
        return false;
    }
    let ops: Vec<Op> = waiting.iter().map(|(op, _, _)| op.clone()).collect();
    let out = ledger.group(now, &ops).unwrap();
    assert_eq!(out.len(), ops.len());
    for ((_, expected, ctx), done) in waiting.drain(..).zip(out) {
        let actual = match done {
            Ok(Done::Decided(d)) => decided(Ok(d)),
            Ok(Done::Ended(h)) => real_doc(&h),
            Ok(Done::Granted(_)) => unreachable!("no grants in a group here"),
            Err(e) => real_err(e),
        };
        assert_eq!(
            actual,
            expected,
            "{ctx} (in a group of {}): the ledger and the model disagree",
            ops.len()
        );
        tally(stats, &actual);
    }
    if ops.len() > 1 {
        *stats.entry("groups of several".into()).or_default() += 1;
    }
    true
}

fn run_seed(seed: u64, stats: &mut Stats, pg: Option<&PgDb>, mode: Mode) -> usize {
    let mut rng = Rng(seed.wrapping_mul(0x2545_F491_4F6C_DD1D) ^ 0xA5A5);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("model.db");
    // One database per test function; each seed starts from an empty one.
    let location = match pg {
        Some(pg) => {
            pg.client()
                .batch_execute("DROP SCHEMA IF EXISTS genbudget CASCADE")
                .unwrap();
            pg.url.clone()
        }
        None => path.to_str().unwrap().to_string(),
    };
    let tz: Tz = rng.pick(&ZONES).parse().unwrap();
    let ttl = rng.range(60, 3600);
    let mut now: DateTime<Utc> = rng.pick(&STARTS).parse().unwrap();
    let settings = Settings {
        timezone: tz,
        hold_ttl: ttl,
        ..Settings::default()
    };
    // synchronous=NORMAL (PostgreSQL: synchronous_commit=off): this test
    // checks logic, not fsync (crash.rs does).
    let opts = OpenOptions {
        durability: Durability::Normal,
        ..OpenOptions::default()
    };
    let (mut ledger, _) = Ledger::init_location(&location, &settings, now, &opts).unwrap();
    let mut model = Model {
        tz,
        ttl,
        users: BTreeMap::new(),
        org: MLimits {
            cap: None,
            period: MPeriod::None,
            max_holds: None,
        },
        holds: vec![],
        grants: vec![],
    };
    for u in USERS {
        let l = limits(&mut rng, false);
        ledger.add_user(now, u, &real_limits(&l)).unwrap();
        model.users.insert(u.into(), l);
    }
    let mut replay = Replay::new();
    let mut seen = 0;
    let mut ops = 0;
    let mut step = 0;
    let mut next_key = 0;
    let mut waiting: Waiting = Vec::new();
    let mut group_size = 1;
    while ops < OPS_PER_SEED {
        step += 1;
        let ctx = format!("seed {seed} step {step} at {now}");
        let roll = rng.range(0, 99);
        // A group leaves when it is full or before any other kind of step.
        if (!(12..=81).contains(&roll) || waiting.len() >= group_size)
            && send_group(&mut ledger, now, &mut waiting, stats)
        {
            compare_state(&mut ledger, &model, now, &mut replay, &mut seen, &ctx);
            group_size = rng.range(1, 12) as usize;
        }
        let grouped = mode == Mode::Grouped;
        let user = if rng.pct(2) {
            "ghost"
        } else {
            *rng.pick(&USERS)
        };
        let (expected, actual) = match roll {
            // Move the clock: mostly seconds, sometimes past a TTL, a day, a month.
            0..=11 => {
                let secs = match rng.range(0, 99) {
                    0..=59 => rng.range(1, 300),
                    60..=84 => rng.range(300, 3 * 3600),
                    85..=96 => rng.range(6 * 3600, 3 * 86_400),
                    _ => rng.range(7 * 86_400, 40 * 86_400),
                };
                now += Duration::seconds(secs);
                continue;
            }
            // reserve or charge (new key, or a repeat of an old one)
            12..=53 => {
                let charge = roll >= 46;
                let repeat = rng.pct(8) && !model.holds.is_empty();
                let (key, credits, ttl, user) = if repeat {
                    let h = rng.pick(&model.holds).clone();
                    // Mostly the same request; sometimes one field differs.
                    let credits = if rng.pct(20) {
                        h.credits + 1
                    } else {
                        h.credits
                    };
                    let ttl = if rng.pct(10) {
                        Some(rng.range(60, 3600))
                    } else {
                        h.ttl
                    };
                    (
                        h.key,
                        credits,
                        if charge { None } else { ttl },
                        if rng.pct(10) { "cy".into() } else { h.user },
                    )
                } else {
                    next_key += 1;
                    let ttl = (!charge && rng.pct(50)).then(|| rng.range(30, 3600));
                    (
                        format!("k{next_key}"),
                        amount(&mut rng),
                        ttl,
                        user.to_string(),
                    )
                };
                let req = HoldRequest {
                    user: user.clone(),
                    key: key.clone(),
                    cost: Cost::Credits(dec(credits)),
                    ttl,
                };
                let actual = if grouped {
                    None
                } else {
                    Some(decided(if charge {
                        ledger.charge(now, &req)
                    } else {
                        ledger.reserve(now, &req)
                    }))
                };
                let op = if charge {
                    Op::Charge(req)
                } else {
                    Op::Reserve(req)
                };
                let today = model.today(now);
                let before = model.usage(&user, today);
                let expected = model.reserve(now, &user, &key, credits, ttl, charge);
                if matches!(
                    expected,
                    Outcome::Hold {
                        replayed: false,
                        ..
                    }
                ) {
                    model.assert_within_limits(&user, today, before, !charge, &ctx);
                }
                match actual {
                    Some(actual) => (expected, actual),
                    None => {
                        waiting.push((op, expected, ctx));
                        ops += 1;
                        continue;
                    }
                }
            }
            // settle: the amount held, less, more, or an unknown key
            54..=73 => {
                let key = if model.holds.is_empty() || rng.pct(3) {
                    "nope".to_string()
                } else {
                    rng.pick(&model.holds).key.clone()
                };
                let held = model.find(&key).map_or(ONE, |i| model.holds[i].credits);
                let cost = match rng.range(0, 9) {
                    0..=2 => None,
                    3..=5 => Some(rng.range(0, held)),
                    6 => Some(held),
                    _ => Some(held + amount(&mut rng)),
                };
                model.sweep(now);
                if model
                    .find(&key)
                    .is_some_and(|i| model.holds[i].state == MState::Expired)
                {
                    *stats.entry("late settle".into()).or_default() += 1;
                }
                let cost_asked = cost.map(|c| Cost::Credits(dec(c)));
                let expected = model.settle(now, &key, cost);
                if grouped {
                    let op = Op::Settle {
                        key,
                        cost: cost_asked,
                    };
                    waiting.push((op, expected, ctx));
                    ops += 1;
                    continue;
                }
                let actual = match ledger.settle(now, &key, cost_asked.as_ref()) {
                    Ok(d) => real_doc(&d),
                    Err(e) => real_err(e),
                };
                (expected, actual)
            }
            74..=81 => {
                let key = if model.holds.is_empty() || rng.pct(3) {
                    "nope".to_string()
                } else {
                    rng.pick(&model.holds).key.clone()
                };
                let reason = match rng.range(0, 2) {
                    0 => None,
                    1 => Some("failed"),
                    _ => Some("cancelled"),
                };
                if grouped {
                    let expected = model.release(now, &key, reason);
                    let op = Op::Release {
                        key,
                        reason: reason.map(String::from),
                    };
                    waiting.push((op, expected, ctx));
                    ops += 1;
                    continue;
                }
                let actual = match ledger.release(now, &key, reason) {
                    Ok(d) => real_doc(&d),
                    Err(e) => real_err(e),
                };
                (model.release(now, &key, reason), actual)
            }
            82..=87 => {
                let today = model.today(now);
                let g = if rng.pct(15) && !model.grants.is_empty() {
                    let mut g = rng.pick(&model.grants).clone();
                    if rng.pct(30) {
                        g.note = Some("changed".into());
                    }
                    g
                } else {
                    next_key += 1;
                    // Now and then a hold's key, which a grant may not reuse.
                    let key = if rng.pct(3) && !model.holds.is_empty() {
                        rng.pick(&model.holds).key.clone()
                    } else {
                        format!("g{next_key}")
                    };
                    MGrant {
                        key,
                        user: user.into(),
                        credits: amount(&mut rng),
                        expires: match rng.range(0, 9) {
                            0..=3 => None,
                            4 => Some(today - Duration::days(1)),
                            _ => Some(today + Duration::days(rng.range(0, 40))),
                        },
                        note: rng.pct(30).then(|| "sorry".into()),
                    }
                };
                let req = GrantRequest {
                    user: g.user.clone(),
                    key: g.key.clone(),
                    credits: dec(g.credits),
                    expires: g.expires,
                    note: g.note.clone(),
                };
                let actual = match ledger.grant(now, &req) {
                    Ok(d) => Outcome::Grant {
                        credits: micros(&d.credits),
                        replayed: d.replayed,
                    },
                    Err(e) => real_err(e),
                };
                (model.grant(now, g), actual)
            }
            88..=91 => {
                let l = limits(&mut rng, false);
                let change = LimitsChange {
                    cap: Some(l.cap.map(Micros)),
                    period: Some(l.period.real()),
                    max_holds: Some(l.max_holds),
                };
                let actual = match ledger.set_user(now, user, &change) {
                    Ok(_) => Outcome::Done,
                    Err(e) => real_err(e),
                };
                model.sweep(now);
                let expected = if model.users.contains_key(user) {
                    model.users.insert(user.into(), l);
                    Outcome::Done
                } else {
                    err("unknown_user", "")
                };
                (expected, actual)
            }
            92..=94 => {
                let l = limits(&mut rng, true);
                let change = LimitsChange {
                    cap: Some(l.cap.map(Micros)),
                    period: Some(l.period.real()),
                    max_holds: Some(l.max_holds),
                };
                let actual = match ledger.set_org(now, &change) {
                    Ok(_) => Outcome::Done,
                    Err(e) => real_err(e),
                };
                model.sweep(now);
                model.org = l;
                (Outcome::Done, actual)
            }
            _ => {
                let actual = Outcome::Expired(ledger.expire(now).unwrap());
                (Outcome::Expired(model.sweep(now)), actual)
            }
        };
        ops += 1;
        assert_eq!(actual, expected, "{ctx}: the ledger and the model disagree");
        tally(stats, &actual);
        compare_state(&mut ledger, &model, now, &mut replay, &mut seen, &ctx);
    }
    if send_group(&mut ledger, now, &mut waiting, stats) {
        let ctx = format!("seed {seed} after the last group");
        compare_state(&mut ledger, &model, now, &mut replay, &mut seen, &ctx);
    }
    let v = ledger.verify().unwrap();
    assert!(v.ok, "seed {seed}: verify: {:?}", v.problems);
    assert_eq!(v.entries, replay.entries, "seed {seed}");
    assert_eq!(v.head_hash, hex::encode(&replay.head_hash), "seed {seed}");
    ops
}

/// After every step: status (which records expiries) against the model, and
/// the journal's new entries replayed against both.
fn compare_state(
    ledger: &mut Ledger,
    model: &Model,
    now: DateTime<Utc>,
    replay: &mut Replay,
    seen: &mut i64,
    ctx: &str,
) {
    let status = ledger.status(now, None).unwrap();
    let today = model.today(now);
    for p in &status.users {
        let u = p.user.as_deref().unwrap();
        let l = model.users[u];
        let s = model.sums(Some(u), l.period, today);
        let got = (
            micros(&p.spent),
            micros(&p.held),
            p.available.as_ref().map(micros),
            p.open_holds,
            p.overruns,
        );
        let want = (
            s.spent,
            s.held,
            model.available(u, today, today),
            model.open_holds(Some(u)),
            s.overruns,
        );
        assert_eq!(
            got, want,
            "{ctx}: status of {u} (spent, held, available, open holds, overruns)"
        );
    }
    let s = model.sums(None, model.org.period, today);
    let org = &status.org;
    let got = (
        micros(&org.spent),
        micros(&org.held),
        org.available.as_ref().map(micros),
        org.open_holds,
    );
    let want = (
        s.spent,
        s.held,
        model.org_free(today).map(|f| f.max(0)),
        model.open_holds(None),
    );
    assert_eq!(got, want, "{ctx}: status of the org");

    for e in ledger.entries_after(*seen).unwrap() {
        replay.apply(&e);
        *seen = e.seq;
    }
    assert!(
        replay.problems.is_empty(),
        "{ctx}: replay found {:?}",
        replay.problems
    );
    // Balances derived from the journal alone equal the model's.
    for (u, l) in &model.users {
        let p = replay.users[u].period(today);
        let s = model.sums(Some(u), l.period, today);
        assert_eq!(
            (p.spent, p.held, p.allow_spent, p.allow_held, p.overruns),
            (s.spent, s.held, s.allow_spent, s.allow_held, s.overruns),
            "{ctx}: journal replay of {u}"
        );
        assert_eq!(
            replay.users[u].open_holds,
            model.open_holds(Some(u)),
            "{ctx}: replayed open holds of {u}"
        );
    }
    for (i, g) in model.grants.iter().enumerate() {
        let r = &replay.grants[&g.key];
        assert_eq!(
            (r.spent, r.held),
            model.grant_use(i),
            "{ctx}: journal replay of grant {}",
            g.key
        );
    }
}

fn run_seeds(test: u64) {
    run_seeds_on(test, Backend::Sqlite);
}

fn run_seeds_on(test: u64, b: Backend) {
    run_seeds_as(test, b, Mode::Alone);
}

/// Seeds of the grouped runs (their own, after the others').
const GROUPED_SEEDS: u64 = 12;

fn run_seeds_as(test: u64, b: Backend, mode: Mode) {
    if !backend::available(b) {
        return;
    }
    let pg = (b == Backend::Postgres).then(PgDb::new);
    let mut stats = Stats::new();
    if let Ok(one) = std::env::var("GENBUDGET_MODEL_SEED") {
        if test == 0 {
            run_seed(
                one.parse().expect("GENBUDGET_MODEL_SEED is a number"),
                &mut stats,
                pg.as_ref(),
                mode,
            );
        }
        return;
    }
    let mut ops = 0;
    let seeds = match mode {
        Mode::Alone => test * SEEDS_PER_TEST..(test + 1) * SEEDS_PER_TEST,
        Mode::Grouped => TESTS * SEEDS_PER_TEST..TESTS * SEEDS_PER_TEST + GROUPED_SEEDS,
    };
    let n = seeds.end - seeds.start;
    for seed in seeds {
        ops += run_seed(seed, &mut stats, pg.as_ref(), mode);
    }
    assert_eq!(ops, OPS_PER_SEED * n as usize);
    eprintln!("model test {test} ({b:?}, {mode:?}): {ops} operations: {stats:?}");
    if mode == Mode::Grouped {
        // Groups of several writes came up, and in them every outcome.
        for kind in [
            "groups of several",
            "hold open",
            "hold settled",
            "hold released",
            "overrun",
            "replayed",
            "denied user.cap",
            "denied org.cap",
            "late settle",
            "error unknown_user:",
            "error unknown_key:",
            "error conflict:",
        ] {
            let n = stats.get(kind).copied().unwrap_or(0);
            assert!(
                n >= 5,
                "grouped model test: `{kind}` came up only {n} times: {stats:?}"
            );
        }
        return;
    }
    // Every path the contract describes came up, many times over.
    for kind in [
        "hold open",
        "hold settled",
        "hold released",
        "overrun",
        "replayed",
        "denied user.cap",
        "denied user.max_holds",
        "denied org.cap",
        "denied org.max_holds",
        "grant (replayed: false)",
        "grant (replayed: true)",
        "expire (some)",
        "late settle",
        "limits changed",
        "error unknown_user:",
        "error unknown_key:",
        "error conflict:",
        "error key:credits",
        "error key:command",
        "error key:user",
        "error key:reason",
        "error input:expires",
    ] {
        let n = stats.get(kind).copied().unwrap_or(0);
        assert!(
            n >= 5,
            "model test {test}: `{kind}` came up only {n} times: {stats:?}"
        );
    }
}

#[test]
fn random_operations_agree_with_the_reference_model_seeds_0() {
    run_seeds(0);
}

#[test]
fn random_operations_agree_with_the_reference_model_seeds_1() {
    run_seeds(1);
}

#[test]
fn random_operations_agree_with_the_reference_model_seeds_2() {
    run_seeds(2);
}

#[test]
fn random_operations_agree_with_the_reference_model_seeds_3() {
    run_seeds(3);
}

// The same seeds on PostgreSQL: another 100,800 operations.

#[test]
fn on_postgres_random_operations_agree_with_the_reference_model_seeds_0() {
    run_seeds_on(0, Backend::Postgres);
}

#[test]
fn on_postgres_random_operations_agree_with_the_reference_model_seeds_1() {
    run_seeds_on(1, Backend::Postgres);
}

#[test]
fn on_postgres_random_operations_agree_with_the_reference_model_seeds_2() {
    run_seeds_on(2, Backend::Postgres);
}

#[test]
fn on_postgres_random_operations_agree_with_the_reference_model_seeds_3() {
    run_seeds_on(3, Backend::Postgres);
}

/// The model's own period arithmetic, by hand, so that agreement with the
/// ledger means something.
#[test]
fn random_operations_in_groups_agree_with_the_reference_model() {
    run_seeds_as(0, Backend::Sqlite, Mode::Grouped);
}

#[test]
fn on_postgres_random_operations_in_groups_agree_with_the_reference_model() {
    run_seeds_as(0, Backend::Postgres, Mode::Grouped);
}

#[test]
fn the_models_periods_are_right() {
    let d = |s: &str| s.parse::<NaiveDate>().unwrap();
    // 2026-04-26 is a Sunday: its ISO week began Monday the 20th.
    assert_eq!(
        MPeriod::Week.bounds(d("2026-04-26")),
        Some((d("2026-04-20"), d("2026-04-27")))
    );
    // December rolls into January.
    assert_eq!(
        MPeriod::Month.bounds(d("2026-12-31")),
        Some((d("2026-12-01"), d("2027-01-01")))
    );
    assert!(MPeriod::None.contains(d("2026-01-01"), d("1999-01-01")));
}
