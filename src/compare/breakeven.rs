//! Break-even and steady-volume costs.
//!
//! A steady volume is the profile's average month scaled by a factor f,
//! every month of the horizon. A fixed strategy's average monthly cost at f
//! is cheap to get: its pay-as-you-go part is linear in f, and only its
//! credit accounts need running. The break-even is where the best
//! subscription strategy's and the best non-subscription strategy's costs
//! cross: a grid of 41 factors from 0.01× to 100× finds the first sign
//! change (between months where both strategies can do the work), and
//! bisection over exact decimals narrows it to one part in a million.

use rust_decimal::Decimal;
use rust_decimal_macros::dec;

use super::account::{self, Method};
use super::calendar::Calendar;
use super::options::{Options, Pay};
use super::strategy::{Choice, average};

/// A fixed strategy prepared for steady volumes.
#[derive(Debug, Clone)]
pub struct Steady<'a> {
    opts: &'a Options,
    cal: &'a Calendar,
    /// Pay-as-you-go money per month at 1×.
    money: Decimal,
    /// Credit accounts: unit, method, credits per month at 1×.
    pools: Vec<(usize, Method, Decimal)>,
}

impl<'a> Steady<'a> {
    /// Prepares `strategy`.
    pub fn new(opts: &'a Options, cal: &'a Calendar, strategy: &[Choice]) -> Steady<'a> {
        let mut money = Decimal::ZERO;
        let mut pools: Vec<(usize, Method, Decimal)> = Vec::new();
        for (line, choice) in opts.lines.iter().zip(strategy) {
            let cand = &line.candidates[choice.candidate];
            let amount = average(&line.base) * line.retry_factor * cand.unit_price;
            match (cand.pay, choice.method) {
                (Pay::Credits(u), Some(m)) => match pools.iter_mut().find(|p| p.0 == u) {
                    Some(p) => p.2 += amount,
                    None => pools.push((u, m, amount)),
                },
                _ => money += amount,
            }
        }
        Steady {
            opts,
            cal,
            money,
            pools,
        }
    }

    /// Average monthly cost (exact) at `factor` × the average month, or
    /// `None` when some month's work can't be paid for.
    pub fn monthly(&self, factor: Decimal) -> Option<Decimal> {
        let months = self.cal.len();
        let mut total = self.money * factor * Decimal::from(months);
        for &(u, m, credits) in &self.pools {
            let demand = vec![credits * factor; months];
            let run = account::run(&self.opts.units[u].terms, m, &demand, self.cal, false);
            if !run.infeasible.is_empty() {
                return None;
            }
            total += run.spend.iter().sum::<Decimal>();
        }
        Some(total / Decimal::from(months))
    }
}

/// Factors searched, 0.01× to 100×, ten a decade.
pub fn grid() -> Vec<Decimal> {
    let steps = [
        dec!(1),
        dec!(1.25),
        dec!(1.5),
        dec!(2),
        dec!(2.5),
        dec!(3),
        dec!(4),
        dec!(5),
        dec!(6),
        dec!(8),
    ];
    let mut out = Vec::new();
    let mut decade = dec!(0.01);
    for _ in 0..4 {
        out.extend(steps.iter().map(|s| s * decade));
        decade *= dec!(10);
    }
    out.push(dec!(100));
    out
}

/// Where the two strategies' monthly costs cross, and which is cheaper
/// below and above it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Crossing {
    pub factor: Decimal,
    /// True when the subscription is the cheaper one above the factor.
    pub subscription_wins_above: bool,
}

/// The first crossing of `sub` and `other` within 0.01×–100×.
pub fn crossing(sub: &Steady<'_>, other: &Steady<'_>) -> Option<Crossing> {
    let diff = |f: Decimal| Some(sub.monthly(f)? - other.monthly(f)?);
    let mut prev: Option<(Decimal, Decimal)> = None;
    for f in grid() {
        let Some(d) = diff(f) else {
            prev = None;
            continue;
        };
        if let Some((pf, pd)) = prev {
            if d.is_zero() || (sign(pd) != sign(d) && !pd.is_zero()) {
                let wins_above = d < Decimal::ZERO || (d.is_zero() && pd > Decimal::ZERO);
                return Some(Crossing {
                    factor: bisect(&diff, pf, f, pd),
                    subscription_wins_above: wins_above,
                });
            }
        }
        prev = Some((f, d));
    }
    None
}

/// The largest steady factor (within 0.01×–100×, to one part in a
/// million, never above the true limit) at which `s` can still do the work:
/// `None` when it can at 100×, zero when it can't even at 0.01×. A
/// subscription whose unit sells no packs runs out of credits here. More
/// volume never makes a month feasible again, so one boundary is all there
/// is.
pub fn ceiling(s: &Steady<'_>) -> Option<Decimal> {
    let mut prev: Option<Decimal> = None;
    for f in grid() {
        if s.monthly(f).is_some() {
            prev = Some(f);
            continue;
        }
        let Some(mut lo) = prev else {
            return Some(Decimal::ZERO);
        };
        let mut hi = f;
        for _ in 0..80 {
            if hi - lo <= hi * dec!(0.000001) {
                break;
            }
            let mid = (lo + hi) / dec!(2);
            if s.monthly(mid).is_some() {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        return Some(lo);
    }
    None
}

/// Narrows a sign change of `diff` between `lo` (where it is `d_lo`, not
/// zero) and `hi`: the smallest factor (to 1 part in a million) from which
/// the side cheaper at `lo` is no longer cheaper. A tie counts as the far
/// side, so where pack steps make the two cost the same over a stretch, the
/// stretch's start is reported.
fn bisect(
    diff: &dyn Fn(Decimal) -> Option<Decimal>,
    mut lo: Decimal,
    mut hi: Decimal,
    d_lo: Decimal,
) -> Decimal {
    for _ in 0..80 {
        if hi - lo <= hi * dec!(0.000001) {
            break;
        }
        let mid = (lo + hi) / dec!(2);
        match diff(mid) {
            Some(d) if sign(d) == sign(d_lo) => lo = mid,
            _ => hi = mid,
        }
    }
    hi
}

fn sign(d: Decimal) -> std::cmp::Ordering {
    d.cmp(&Decimal::ZERO)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grid_spans_four_decades() {
        let g = grid();
        assert_eq!(g.len(), 41);
        assert_eq!(g[0], dec!(0.01));
        assert_eq!(g[10], dec!(0.1));
        assert_eq!(g[40], dec!(100));
        assert!(g.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn bisection_finds_a_step() {
        // A step at 1.84: below it the difference is +1, from it −1.
        let diff = |f: Decimal| Some(if f < dec!(1.84) { dec!(1) } else { dec!(-1) });
        let f = bisect(&diff, dec!(1.5), dec!(2), dec!(1));
        assert!(f >= dec!(1.84) && f - dec!(1.84) < dec!(0.00001), "{f}");
    }
}
