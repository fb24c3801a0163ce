//! Strategies and what they cost.
//!
//! A strategy assigns one option to every usage line: a candidate model and,
//! for a credit-priced one, how its credit unit is bought (a pack, best
//! packs, a subscription). Lines paying in the same credit unit share one
//! account, so a strategy buys each unit one way: every line on the unit
//! uses the same method. [`evaluate`] runs a strategy over the horizon;
//! `search.rs` finds the cheapest ones.

use rust_decimal::Decimal;
use serde::Serialize;

use super::account::{self, Method, Run};
use super::calendar::Calendar;
use super::options::{Options, Pay};

/// One line's option: a candidate (index into the line's candidates) and,
/// when it is paid in credits, how the credits are bought.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Choice {
    pub candidate: usize,
    pub method: Option<Method>,
}

/// One choice per line, in line order.
pub type Strategy = Vec<Choice>;

/// The kind of a strategy: with any subscription, else with any pack, else
/// pay-as-you-go only.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum StrategyKind {
    PayAsYouGo,
    Packs,
    Subscription,
}

impl StrategyKind {
    /// The three kinds, in report order.
    pub const ALL: [StrategyKind; 3] = [
        StrategyKind::Packs,
        StrategyKind::Subscription,
        StrategyKind::PayAsYouGo,
    ];

    /// The name used in reports.
    pub fn as_str(&self) -> &'static str {
        match self {
            StrategyKind::PayAsYouGo => "pay-as-you-go",
            StrategyKind::Packs => "packs",
            StrategyKind::Subscription => "subscription",
        }
    }

    /// The kind of a set of choices.
    pub fn of<'a>(choices: impl IntoIterator<Item = &'a Choice>) -> StrategyKind {
        let mut kind = StrategyKind::PayAsYouGo;
        for c in choices {
            match c.method {
                Some(m) if m.is_subscription() => return StrategyKind::Subscription,
                Some(_) => kind = StrategyKind::Packs,
                None => {}
            }
        }
        kind
    }
}

/// The work priced: units of work per line per month (retries included).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Demand {
    pub units: Vec<Vec<Decimal>>,
}

impl Demand {
    /// The profile's own months scaled by `factor`.
    pub fn profile(opts: &Options, factor: Decimal) -> Demand {
        Demand {
            units: opts
                .lines
                .iter()
                .map(|l| {
                    l.base
                        .iter()
                        .map(|b| *b * l.retry_factor * factor)
                        .collect()
                })
                .collect(),
        }
    }

    /// A steady volume: the profile's average month × `factor`, every month.
    pub fn steady(opts: &Options, factor: Decimal) -> Demand {
        Demand {
            units: opts
                .lines
                .iter()
                .map(|l| {
                    let month = average(&l.base) * l.retry_factor * factor;
                    vec![month; l.base.len()]
                })
                .collect(),
        }
    }
}

/// Mean of a series (zero for an empty one).
pub fn average(series: &[Decimal]) -> Decimal {
    if series.is_empty() {
        return Decimal::ZERO;
    }
    series.iter().sum::<Decimal>() / Decimal::from(series.len())
}

/// Exact amounts per line, candidate and month: money for pay-as-you-go
/// candidates, credits for credit-priced ones.
#[derive(Debug, Clone)]
pub struct Priced {
    pub amounts: Vec<Vec<Vec<Decimal>>>,
    pub totals: Vec<Vec<Decimal>>,
}

impl Priced {
    /// Prices `demand` on every candidate.
    pub fn new(opts: &Options, demand: &Demand) -> Priced {
        let amounts: Vec<Vec<Vec<Decimal>>> = opts
            .lines
            .iter()
            .zip(&demand.units)
            .map(|(line, units)| {
                line.candidates
                    .iter()
                    .map(|c| units.iter().map(|u| *u * c.unit_price).collect())
                    .collect()
            })
            .collect();
        let totals = amounts
            .iter()
            .map(|cands| cands.iter().map(|m| m.iter().sum()).collect())
            .collect();
        Priced { amounts, totals }
    }
}

/// A strategy run over the horizon.
#[derive(Debug, Clone, Default)]
pub struct Evaluation {
    /// Money paid each month, exact.
    pub spend: Vec<Decimal>,
    /// Months (0-based) some line's work could not be paid for.
    pub infeasible: Vec<usize>,
    /// Months (0-based) that ended with unspent subscription credits.
    pub unused: Vec<usize>,
    /// Each credit account the strategy uses: unit, method, run.
    pub accounts: Vec<(usize, Method, Run)>,
}

impl Evaluation {
    /// Exact total over the horizon.
    pub fn total(&self) -> Decimal {
        self.spend.iter().sum()
    }

    /// True when every month's work is paid for.
    pub fn feasible(&self) -> bool {
        self.infeasible.is_empty()
    }
}

/// Runs `strategy` against the priced demand. `detail` keeps each
/// account's month-by-month log.
pub fn evaluate(
    opts: &Options,
    cal: &Calendar,
    priced: &Priced,
    strategy: &[Choice],
    detail: bool,
) -> Evaluation {
    let mut spend = vec![Decimal::ZERO; cal.len()];
    let mut pools: Vec<(usize, Method, Vec<Decimal>)> = Vec::new();
    for (l, choice) in strategy.iter().enumerate() {
        let amounts = &priced.amounts[l][choice.candidate];
        match (
            opts.lines[l].candidates[choice.candidate].pay,
            choice.method,
        ) {
            (Pay::Credits(u), Some(m)) => {
                let pool = match pools.iter().position(|p| p.0 == u) {
                    Some(i) => &mut pools[i].2,
                    None => {
                        pools.push((u, m, vec![Decimal::ZERO; cal.len()]));
                        &mut pools.last_mut().expect("just pushed").2
                    }
                };
                add_into(pool, amounts);
            }
            _ => add_into(&mut spend, amounts),
        }
    }
    let mut out = Evaluation::default();
    for (u, m, demand) in pools {
        let run = account::run(&opts.units[u].terms, m, &demand, cal, detail);
        add_into(&mut spend, &run.spend);
        out.infeasible.extend(&run.infeasible);
        out.unused.extend(&run.unused);
        out.accounts.push((u, m, run));
    }
    for v in [&mut out.infeasible, &mut out.unused] {
        v.sort_unstable();
        v.dedup();
    }
    out.spend = spend;
    out
}

/// Adds `b` into `a` element by element.
pub fn add_into(a: &mut [Decimal], b: &[Decimal]) {
    for (x, y) in a.iter_mut().zip(b) {
        *x += *y;
    }
}
