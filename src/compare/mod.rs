//! `genbudget compare`: credit packs, subscriptions and pay-as-you-go for a
//! usage profile.
//!
//! The pipeline, one module per step:
//!
//! - `raw` → `profile`: the profile file in two steps (serde mirror with
//!   unknown keys refused, then checked values);
//! - `options`: each line's candidate models resolved and quoted in the
//!   price book, with the credit unit each is paid in (`request` turns a
//!   line's fields into the request one unit makes);
//! - `calendar`, `packs`, `account`: the months, the expiry rule, buying
//!   packs (one pack, or the cheapest mix), and one credit unit's account
//!   month by month (subscription allowance, rollover, top-ups);
//! - `strategy`: what a strategy is and what it costs; `search` + `bound`
//!   find the cheapest strategies group by group (lines that share no credit
//!   unit are independent); `ranking` puts the groups together;
//! - `breakeven`: steady-volume costs and the subscription break-even;
//! - `report`: the serialisable result; `chart`: the SVG.
//!
//! The core is pure: the date, the price book and the profile come in as
//! arguments; `cli/compare.rs` reads files and the clock.

mod account;
mod bound;
pub mod breakeven;
mod calendar;
pub mod chart;
mod costing;
pub mod options;
mod packs;
pub mod profile;
mod ranking;
mod raw;
pub mod report;
mod request;
mod search;
pub mod strategy;

use chrono::NaiveDate;
use rust_decimal::{Decimal, RoundingStrategy};
use rust_decimal_macros::dec;

pub use account::Method;
pub use calendar::Calendar;
pub use profile::{Profile, Source, parse_profile};
pub use report::Report;

use self::breakeven::{Steady, ceiling, crossing};
use self::options::Options;
use self::ranking::{Ranking, rank};
use self::report::*;
use self::strategy::{Demand, Priced, Strategy, StrategyKind, evaluate};
use crate::location::InputError;
use crate::money::{Money, plain};

/// How many of the cheapest strategies a report lists (the best of each
/// kind is added when it is not among them).
pub const SHOWN: usize = 10;

/// The longest horizon compared, in months (50 years): `--months` and
/// every `per_month` series are refused beyond it, so the work and memory
/// stay small and linear in the horizon.
pub const MAX_MONTHS: usize = 600;

/// The profile scalings of the sensitivity table.
pub const SENSITIVITY: [Decimal; 5] = [dec!(0.25), dec!(0.5), dec!(1), dec!(2), dec!(4)];

/// What the command line decided.
#[derive(Debug, Clone)]
pub struct CompareOptions {
    /// Prices in force on this date.
    pub as_of: NaiveDate,
    /// Horizon in months (default: the longest series).
    pub months: Option<usize>,
    /// Keep month-by-month detail.
    pub monthly: bool,
    /// Compute the chart's curves.
    pub chart: bool,
}

/// Compares the ways to pay for `profile`'s work.
pub fn compare(
    profile: &Profile,
    source: &Source,
    book: &crate::pricing::PriceBook,
    settings: &CompareOptions,
) -> Result<Report, InputError> {
    let longest = profile
        .lines
        .iter()
        .map(|l| l.per_month.len())
        .max()
        .unwrap_or(1);
    let months = settings.months.unwrap_or(longest).clamp(1, MAX_MONTHS);
    let start = profile
        .start
        .unwrap_or_else(|| profile::month_of(settings.as_of));
    let cal = Calendar::new(start, months);
    let mut opts = options::build(profile, source, book, settings.as_of, &cal)?;
    for l in &profile.lines {
        if l.per_month.len() > months {
            opts.warnings.push(format!(
                "usage line {}: its {}-month series is cut to the {months}-month horizon",
                l.number,
                l.per_month.len()
            ));
        }
    }
    let priced = Priced::new(&opts, &Demand::profile(&opts, Decimal::ONE));
    let ranking = rank(&opts, &cal, &priced, SHOWN);
    if !ranking.proven {
        opts.warnings.push(
            "the search stopped at its node limit in a large group; the cheapest strategy shown may not be the cheapest there is"
                .into(),
        );
    }

    // Strategies shown: the cheapest, then each kind's best not among them.
    let mut shown: Vec<Strategy> = ranking.top.iter().map(|(_, s)| s.clone()).collect();
    for (_, _, s) in &ranking.by_kind {
        if !shown.contains(s) {
            shown.push(s.clone());
        }
    }
    let evals: Vec<_> = shown
        .iter()
        .map(|s| evaluate(&opts, &cal, &priced, s, settings.monthly))
        .collect();
    let mut order: Vec<usize> = (0..shown.len()).collect();
    let rounded: Vec<StrategyReport> = shown
        .iter()
        .zip(&evals)
        .map(|(s, e)| strategy_report(&opts, &cal, 0, s, e))
        .collect();
    order.sort_by_key(|&i| {
        (
            !rounded[i].feasible,
            rounded[i].total,
            evals[i].total(),
            rounded[i].kind,
        )
    });
    let strategies: Vec<StrategyReport> = order
        .iter()
        .enumerate()
        .map(|(r, &i)| StrategyReport {
            rank: r + 1,
            ..rounded[i].clone()
        })
        .collect();

    let best_of = |kind: StrategyKind| {
        ranking
            .by_kind
            .iter()
            .find(|(k, _, _)| *k == kind)
            .map(|(_, key, s)| (*key, s))
    };
    let best = ranking.winner().cloned();
    let monthly = settings
        .monthly
        .then(|| monthly(&opts, &cal, &ranking, &shown, &evals))
        .flatten();
    let sub = best_of(StrategyKind::Subscription);
    let other = [StrategyKind::Packs, StrategyKind::PayAsYouGo]
        .into_iter()
        .filter_map(best_of)
        .min_by_key(|(key, _)| *key);
    let break_even = break_even(&opts, &cal, sub.map(|x| x.1), other.map(|x| x.1));
    let sensitivity = sensitivity(&opts, &cal, &ranking);
    let chart = settings
        .chart
        .then(|| chart_data(profile, &opts, &cal, &ranking, &break_even));

    Ok(Report {
        schema: "genbudget.compare/1",
        profile: profile.name.clone(),
        as_of: settings.as_of.to_string(),
        start: cal.label(0),
        months,
        month_labels: cal.labels(),
        seats: profile.seats,
        currency: opts.currency,
        lines: line_reports(&opts),
        strategies,
        strategy_count: ranking.count.to_string(),
        groups: ranking.groups,
        exact: ranking.proven,
        best: best.map(|s| strategy_id(&opts, &s)),
        best_by_kind: ranking
            .by_kind
            .iter()
            .map(|(kind, _, s)| KindBest {
                kind: *kind,
                id: strategy_id(&opts, s),
            })
            .collect(),
        monthly,
        break_even,
        sensitivity,
        warnings: opts.warnings.clone(),
        chart,
    })
}

fn line_reports(opts: &Options) -> Vec<LineReport> {
    opts.lines
        .iter()
        .map(|l| {
            let units: Decimal = l.base.iter().sum();
            LineReport {
                line: l.number,
                name: l.label.clone(),
                candidates: l.candidates.iter().map(|c| c.model.clone()).collect(),
                unit: l.unit,
                units: plain(units),
                average_per_month: units_text(strategy::average(&l.base)),
            }
        })
        .collect()
}

fn monthly(
    opts: &Options,
    cal: &Calendar,
    ranking: &Ranking,
    shown: &[Strategy],
    evals: &[strategy::Evaluation],
) -> Option<Monthly> {
    let best = ranking.winner()?;
    let mut columns: Vec<(String, usize)> = Vec::new();
    let at = |s: &Strategy| shown.iter().position(|x| x == s);
    columns.push(("best".into(), at(best)?));
    for (kind, _, s) in &ranking.by_kind {
        let i = at(s)?;
        if !columns.iter().any(|c| c.1 == i) {
            columns.push((kind.as_str().into(), i));
        }
    }
    let cur = opts.currency;
    let rows = (0..cal.len())
        .map(|t| MonthRow {
            month: cal.label(t),
            amounts: columns
                .iter()
                .map(|c| Money::round(evals[c.1].spend[t], cur))
                .collect(),
            exact: columns.iter().map(|c| evals[c.1].spend[t]).collect(),
            bought: bought(opts, &evals[columns[0].1], t),
        })
        .collect();
    Some(Monthly {
        strategies: columns
            .iter()
            .map(|(role, i)| MonthlyColumn {
                role: role.clone(),
                id: strategy_id(opts, &shown[*i]),
            })
            .collect(),
        rows,
    })
}

fn break_even(
    opts: &Options,
    cal: &Calendar,
    sub: Option<&Strategy>,
    other: Option<&Strategy>,
) -> BreakEven {
    let id = |s: Option<&Strategy>| s.map(|s| strategy_id(opts, s));
    let mut out = BreakEven {
        subscription: id(sub),
        other: id(other),
        factor: None,
        units_per_month: Vec::new(),
        cheaper_above: None,
        subscription_limit: None,
        limit_units_per_month: Vec::new(),
        note: String::new(),
    };
    let (Some(sub), Some(other)) = (sub, other) else {
        out.note = match (sub, other) {
            (None, _) => "no strategy uses a subscription, so there is no break-even to find".into(),
            _ => "every strategy needs a subscription (some line has no other way to pay), so there is no break-even to find".into(),
        };
        return out;
    };
    let (s, o) = (Steady::new(opts, cal, sub), Steady::new(opts, cal, other));
    let per_line = |factor: Decimal| -> Vec<LineUnits> {
        opts.lines
            .iter()
            .map(|l| LineUnits {
                line: l.number,
                name: l.label.clone(),
                unit: l.unit,
                units: units_text(strategy::average(&l.base) * factor),
            })
            .collect()
    };
    let limit = ceiling(&s);
    // Where the subscription runs out, and what the notes say about it.
    let limit_text = limit.map(|f| {
        let shown = f.round_dp_with_strategy(4, RoundingStrategy::ToZero);
        out.subscription_limit = Some(plain(shown));
        out.limit_units_per_month = per_line(f);
        if f.is_zero() {
            "the subscription can't do the work at any steady volume tried".to_string()
        } else {
            format!(
                "above {}× the subscription's credits run out (its unit sells no packs to top up with) and only the other can do the work",
                plain(shown)
            )
        }
    });
    match crossing(&s, &o) {
        Some(c) => {
            let factor = c.factor.round_dp(4).normalize();
            out.units_per_month = per_line(c.factor);
            let (above, below) = if c.subscription_wins_above {
                ("the subscription", "the best strategy without one")
            } else {
                (
                    "the best strategy without a subscription",
                    "the subscription",
                )
            };
            out.note = format!(
                "at a steady {}× the average month the two cost the same; below it {below} is cheaper, above it {above}",
                plain(factor)
            );
            if let Some(t) = &limit_text {
                out.note = format!("{}; {t}", out.note);
            }
            out.cheaper_above = Some(
                if c.subscription_wins_above {
                    "subscription"
                } else {
                    "other"
                }
                .into(),
            );
            out.factor = Some(plain(factor));
        }
        None => {
            let lo = (s.monthly(dec!(0.01)), o.monthly(dec!(0.01)));
            let cheaper = match lo {
                (Some(a), Some(b)) if a < b => "the subscription is cheaper throughout",
                (Some(_), Some(_)) => "the strategy without a subscription is cheaper throughout",
                _ => "the two can't both do the work at any steady volume tried",
            };
            out.note = format!("never within 0.01×–100× of the average month: {cheaper}");
            if let Some(t) = &limit_text {
                out.note = format!("{}; {t}", out.note);
            }
        }
    }
    out
}

fn sensitivity(opts: &Options, cal: &Calendar, base: &Ranking) -> Vec<SensitivityRow> {
    SENSITIVITY
        .iter()
        .filter_map(|&f| {
            let priced = Priced::new(opts, &Demand::profile(opts, f));
            let best = if f == Decimal::ONE {
                base.winner()?.clone()
            } else {
                rank(opts, cal, &priced, 1).winner()?.clone()
            };
            let eval = evaluate(opts, cal, &priced, &best, false);
            let r = strategy_report(opts, cal, 1, &best, &eval);
            Some(SensitivityRow {
                factor: plain(f),
                best: r.id,
                label: r.label,
                kind: r.kind,
                total: r.total,
                average_per_month: r.average_per_month,
                feasible: r.feasible,
            })
        })
        .collect()
}

fn chart_data(
    profile: &Profile,
    opts: &Options,
    cal: &Calendar,
    ranking: &Ranking,
    be: &BreakEven,
) -> ChartData {
    let be_factor = be.factor.as_deref().and_then(|f| f.parse::<Decimal>().ok());
    // Where the subscription runs out (shown rounded down, so still
    // feasible there): its curve ends exactly at that point.
    let limit = be
        .subscription_limit
        .as_deref()
        .and_then(|f| f.parse::<Decimal>().ok())
        .filter(|f| !f.is_zero());
    let x_max = [
        Some(dec!(2)),
        be_factor.map(|f| f * dec!(1.6)),
        limit.map(|f| f * dec!(1.25)),
    ]
    .into_iter()
    .flatten()
    .max()
    .unwrap_or(dec!(2))
    .min(dec!(100));
    let steps = 80;
    let mut factors: Vec<Decimal> = (0..=steps)
        .map(|i| x_max * Decimal::from(i) / Decimal::from(steps))
        .collect();
    factors.extend(be_factor.into_iter().chain(limit).filter(|f| *f < x_max));
    factors.sort_unstable();
    factors.dedup();
    let mut leaders: Vec<(StrategyKind, &Strategy)> = Vec::new();
    for (kind, _, s) in &ranking.by_kind {
        leaders.push((*kind, s));
    }
    let curves = leaders
        .iter()
        .map(|(kind, s)| {
            let steady = Steady::new(opts, cal, s);
            Curve {
                label: format!("{} — {}", kind.as_str(), strategy_label(opts, s)),
                kind: *kind,
                points: factors.iter().map(|&f| (f, steady.monthly(f))).collect(),
            }
        })
        .collect();
    let unit = opts.lines.first().map_or("unit", |l| l.unit);
    let same_unit = opts.lines.iter().all(|l| l.unit == unit);
    let per_factor: Decimal = opts.lines.iter().map(|l| strategy::average(&l.base)).sum();
    let x_in_units = same_unit && !per_factor.is_zero();
    let (x_label, x_per_factor) = if x_in_units {
        (
            format!("Steady volume ({unit}s per month, all lines)"),
            per_factor,
        )
    } else {
        // What 1× is, unit by unit (all lines of a unit added up).
        let mut per_unit: Vec<(&str, Decimal)> = Vec::new();
        for l in &opts.lines {
            let avg = strategy::average(&l.base);
            match per_unit.iter_mut().find(|u| u.0 == l.unit) {
                Some(u) => u.1 += avg,
                None => per_unit.push((l.unit, avg)),
            }
        }
        let one = per_unit
            .iter()
            .map(|(u, n)| format!("{} {u}s", units_text(*n)))
            .collect::<Vec<_>>()
            .join(" + ");
        (
            format!("Steady volume (× your average month; 1× = {one} a month)"),
            Decimal::ONE,
        )
    };
    let marker = be_factor.map(|f| {
        let at = if x_in_units {
            format!("{} {unit}s/month", units_text(f * per_factor))
        } else {
            format!("{}× your average month", plain(f))
        };
        (f, format!("break-even: {at}"))
    });
    ChartData {
        title: format!("{} — average monthly cost by volume", profile.name),
        x_label,
        y_label: format!("Average monthly cost ({})", opts.currency),
        x_per_factor,
        x_in_units,
        curves,
        no_break_even: be
            .factor
            .is_none()
            .then(|| format!("no break-even: {}", be.note)),
        marker,
        limit,
    }
}
