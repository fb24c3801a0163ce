//! One credit unit's account over the horizon: credits come in (packs,
//! a subscription's monthly allowance) and go out (the demand of every line
//! that pays in this unit — they share one account).
//!
//! Each month, in this order:
//! 1. a subscription's fee is paid and its allowance (× seats when per
//!    seat) joins any rolled-over balance;
//! 2. subscription credits are spent first — they are the ones the month's
//!    end takes away (vendors deduct the plan's credits before purchased
//!    ones);
//! 3. then unexpired pack credits, earliest expiry first;
//! 4. a remaining shortfall buys packs (as few of the one pack as cover it,
//!    or the cheapest mix); with no packs to buy, the month is infeasible;
//! 5. at the month's end, unspent subscription credits roll over when the
//!    subscription says so, up to `max_rollover` (× seats), else lapse.

use rust_decimal::Decimal;
use serde::Serialize;

use super::calendar::Calendar;
use super::packs::{Mix, PackMenu};
use crate::pricing::{CreditUnit, Subscription};

/// How a strategy buys a credit unit's credits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Method {
    /// Only this pack (index into the unit's packs), bought as needed.
    Pack(usize),
    /// The cheapest mix of the unit's packs for each month's shortfall.
    BestPacks,
    /// This subscription (index), topped up with the cheapest mix of packs.
    Subscription(usize),
}

impl Method {
    /// Every way to buy `unit`'s credits: each pack, best packs (when there
    /// are two or more packs to mix), each subscription.
    pub fn all(unit: &CreditUnit) -> Vec<Method> {
        let mut v: Vec<Method> = (0..unit.packs.len()).map(Method::Pack).collect();
        if unit.packs.len() > 1 {
            v.push(Method::BestPacks);
        }
        v.extend((0..unit.subscriptions.len()).map(Method::Subscription));
        v
    }

    /// True for a subscription.
    pub fn is_subscription(&self) -> bool {
        matches!(self, Method::Subscription(_))
    }
}

/// A unit's terms as a strategy meets them.
#[derive(Debug, Clone)]
pub struct Terms {
    pub unit: CreditUnit,
    pub menu: PackMenu,
    pub seats: u32,
}

/// What a subscription costs and includes each month for the seats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Seated {
    pub fee: Decimal,
    pub credits: Decimal,
    /// Most credits carried into the next month (`None`: no limit).
    pub cap: Option<Decimal>,
    pub rollover: bool,
}

impl Seated {
    /// `s` for `seats` people: fee, credits and rollover cap × seats when
    /// the subscription is per seat.
    pub fn new(s: &Subscription, seats: u32) -> Seated {
        let n = if s.per_seat {
            Decimal::from(seats)
        } else {
            Decimal::ONE
        };
        Seated {
            fee: s.monthly * n,
            credits: s.credits * n,
            cap: s.max_rollover.map(|m| m * n),
            rollover: s.rollover,
        }
    }
}

/// One month of an account, kept when detail is asked for.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct MonthLog {
    /// Packs bought: (pack id, count).
    pub packs: Vec<(String, u64)>,
    /// Credits spent from the subscription, then from packs.
    pub from_subscription: Decimal,
    pub from_packs: Decimal,
    /// Subscription credits left at the month's end, and how many roll over.
    pub unused: Decimal,
    pub carried: Decimal,
    /// Credits the month needed but could not buy.
    pub short: Decimal,
}

/// An account run over the horizon.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Run {
    /// Money paid each month (exact).
    pub spend: Vec<Decimal>,
    /// Months (0-based) whose demand could not be met.
    pub infeasible: Vec<usize>,
    /// Months (0-based) that ended with unspent subscription credits.
    pub unused: Vec<usize>,
    /// Per month, when asked for.
    pub log: Vec<MonthLog>,
}

#[derive(Debug, Clone, Copy)]
struct Lot {
    left: Decimal,
    /// First month (0-based) the lot no longer serves.
    until: usize,
}

/// Runs `terms` bought by `method` against `demand` (credits per month).
pub fn run(terms: &Terms, method: Method, demand: &[Decimal], cal: &Calendar, detail: bool) -> Run {
    let sub = match method {
        Method::Subscription(i) => Some(Seated::new(&terms.unit.subscriptions[i], terms.seats)),
        _ => None,
    };
    let mut out = Run {
        spend: Vec::with_capacity(demand.len()),
        ..Run::default()
    };
    let mut lots: Vec<Lot> = Vec::new();
    let mut carry = Decimal::ZERO;
    for (t, &need) in demand.iter().enumerate() {
        let mut log = MonthLog::default();
        let mut need = need;
        let mut spend = Decimal::ZERO;
        let mut balance = Decimal::ZERO;
        if let Some(s) = &sub {
            spend += s.fee;
            balance = carry + s.credits;
            let used = need.min(balance);
            need -= used;
            balance -= used;
            log.from_subscription = used;
        }
        lots.retain(|l| l.until > t && !l.left.is_zero());
        let before = need;
        need = draw(&mut lots, need);
        if !need.is_zero() {
            let mix = match method {
                Method::Pack(i) => Some(terms.menu.single(i, need)),
                _ if terms.menu.is_empty() => None,
                _ => Some(terms.menu.cover(need)),
            };
            match mix {
                Some(mix) => {
                    spend += mix.price;
                    buy(&mut lots, &mix, terms, t, cal, detail.then_some(&mut log));
                    need = draw(&mut lots, need);
                }
                None => {
                    out.infeasible.push(t);
                    log.short = need;
                }
            }
        }
        log.from_packs = before - need;
        if let Some(s) = &sub {
            if !balance.is_zero() {
                out.unused.push(t);
            }
            carry = match (s.rollover, s.cap) {
                (false, _) => Decimal::ZERO,
                (true, None) => balance,
                (true, Some(cap)) => balance.min(cap),
            };
            log.unused = balance;
            log.carried = carry;
        }
        out.spend.push(spend);
        if detail {
            out.log.push(log);
        }
    }
    out
}

/// Spends lots, earliest expiry first; returns what is still needed.
fn draw(lots: &mut [Lot], mut need: Decimal) -> Decimal {
    for lot in lots.iter_mut() {
        if need.is_zero() {
            break;
        }
        let used = need.min(lot.left);
        lot.left -= used;
        need -= used;
    }
    need
}

fn buy(
    lots: &mut Vec<Lot>,
    mix: &Mix,
    terms: &Terms,
    t: usize,
    cal: &Calendar,
    mut log: Option<&mut MonthLog>,
) {
    for (pack, &n) in terms.menu.packs().iter().zip(&mix.counts) {
        if n == 0 {
            continue;
        }
        let lot = Lot {
            left: pack.credits * Decimal::from(n),
            until: cal.serves_until(t, pack.expires_days),
        };
        let at = lots.partition_point(|l| l.until <= lot.until);
        lots.insert(at, lot);
        if let Some(log) = log.as_deref_mut() {
            log.packs.push((pack.id.clone(), n));
        }
    }
}

#[cfg(test)]
mod tests;
