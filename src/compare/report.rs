//! The comparison report: plain serialisable data, rendered by
//! `render/compare.rs` (table, CSV, markdown) or straight to JSON
//! (`genbudget.compare/1`), and drawn by `chart.rs`.
//!
//! Amounts are money rounded to the currency's minor unit per month (half
//! away from zero). A strategy's total is its exact spend over the horizon
//! (the exact sum of its lines' amounts, month by month) rounded once, so
//! many small months never vanish into a total of 0.00; the exact figures
//! are kept (not serialised) so tables can show a small non-zero month as
//! such and say when the shown months do not add up to the total. Cost per
//! unit of work is the exact total over the
//! units written in the profile (retries are part of the cost, not of the
//! work delivered), shown to two more digits than the minor unit.

use rust_decimal::{Decimal, RoundingStrategy};
use serde::Serialize;

use super::account::Method;
use super::calendar::Calendar;
use super::options::{Options, Pay};
use super::strategy::{Choice, Evaluation, StrategyKind};
use crate::money::{Currency, Money, plain};

/// `genbudget compare` as data.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub schema: &'static str,
    pub profile: String,
    pub as_of: String,
    pub start: String,
    pub months: usize,
    pub month_labels: Vec<String>,
    pub seats: u32,
    pub currency: Currency,
    pub lines: Vec<LineReport>,
    /// Strategies shown: the cheapest few, then the best of each kind not
    /// among them; ranked by total (feasible first).
    pub strategies: Vec<StrategyReport>,
    /// Distinct strategies the profile allows (a decimal string: it can
    /// exceed 64 bits) and the independent groups they were searched in.
    pub strategy_count: String,
    pub groups: usize,
    /// False when a search stopped at its node limit (see warnings).
    pub exact: bool,
    /// `id` of the cheapest strategy.
    pub best: Option<String>,
    /// `id` of the cheapest strategy of each kind.
    pub best_by_kind: Vec<KindBest>,
    /// With `--monthly`: each month's cost for the leading strategies.
    pub monthly: Option<Monthly>,
    pub break_even: BreakEven,
    pub sensitivity: Vec<SensitivityRow>,
    pub warnings: Vec<String>,
    /// What `--chart` draws (not part of the JSON document).
    #[serde(skip)]
    pub chart: Option<ChartData>,
}

/// A usage line as compared.
#[derive(Debug, Clone, Serialize)]
pub struct LineReport {
    pub line: usize,
    pub name: String,
    pub candidates: Vec<String>,
    /// `image`, `clip` or `request`.
    pub unit: &'static str,
    /// Units written over the horizon, and their monthly average.
    pub units: String,
    pub average_per_month: String,
}

/// One ranked strategy.
#[derive(Debug, Clone, Serialize)]
pub struct StrategyReport {
    pub rank: usize,
    pub id: String,
    /// A shorter description for tables.
    pub label: String,
    pub kind: StrategyKind,
    pub options: Vec<OptionReport>,
    pub total: Money,
    pub average_per_month: Money,
    /// Total ÷ units of work written (`null` when there are none).
    pub per_unit: Option<String>,
    pub per_month: Vec<Money>,
    /// The exact spend behind `total` and `per_month` (for tables).
    #[serde(skip)]
    pub exact_total: Decimal,
    #[serde(skip)]
    pub exact_per_month: Vec<Decimal>,
    pub unused_subscription_months: usize,
    pub feasible: bool,
    pub infeasible_months: Vec<String>,
}

/// How one line is paid in a strategy.
#[derive(Debug, Clone, Serialize)]
pub struct OptionReport {
    pub line: usize,
    pub name: String,
    pub model: String,
    /// `pay-as-you-go`, `pack <id>`, `best packs` or `subscription <id>`.
    pub option: String,
    /// `provider/unit` for credit-priced options.
    pub credit_unit: Option<String>,
    pub unit_price: String,
    /// The currency, or the credit unit's id.
    pub price_unit: String,
}

/// The cheapest strategy of a kind.
#[derive(Debug, Clone, Serialize)]
pub struct KindBest {
    pub kind: StrategyKind,
    pub id: String,
}

/// Month-by-month costs of the leading strategies.
#[derive(Debug, Clone, Serialize)]
pub struct Monthly {
    /// Column heads: the best strategy, then the best of each other kind.
    pub strategies: Vec<MonthlyColumn>,
    pub rows: Vec<MonthRow>,
}

/// One column of the monthly detail.
#[derive(Debug, Clone, Serialize)]
pub struct MonthlyColumn {
    /// `best` or a kind.
    pub role: String,
    pub id: String,
}

/// One month of the monthly detail.
#[derive(Debug, Clone, Serialize)]
pub struct MonthRow {
    pub month: String,
    pub amounts: Vec<Money>,
    /// The exact amounts behind `amounts` (for tables).
    #[serde(skip)]
    pub exact: Vec<Decimal>,
    /// What the best strategy bought this month.
    pub bought: String,
}

/// The break-even between the best subscription and non-subscription
/// strategies.
#[derive(Debug, Clone, Serialize)]
pub struct BreakEven {
    pub subscription: Option<String>,
    pub other: Option<String>,
    /// The factor of the average month where their costs cross.
    pub factor: Option<String>,
    /// Units per month per line at the crossing.
    pub units_per_month: Vec<LineUnits>,
    /// Which is cheaper above the crossing: `subscription` or `other`.
    pub cheaper_above: Option<String>,
    /// The steady factor beyond which the subscription strategy can't do
    /// the work (its unit sells no packs to top up with); `null` when it
    /// can at 100×. Shown rounded down.
    pub subscription_limit: Option<String>,
    /// Units per month per line at that limit.
    pub limit_units_per_month: Vec<LineUnits>,
    pub note: String,
}

/// Units of work a month for one line.
#[derive(Debug, Clone, Serialize)]
pub struct LineUnits {
    pub line: usize,
    pub name: String,
    pub unit: &'static str,
    pub units: String,
}

/// The winner when the whole profile is scaled.
#[derive(Debug, Clone, Serialize)]
pub struct SensitivityRow {
    pub factor: String,
    pub best: String,
    pub label: String,
    pub kind: StrategyKind,
    pub total: Money,
    pub average_per_month: Money,
    pub feasible: bool,
}

/// Monthly cost against steady volume, for the chart.
#[derive(Debug, Clone)]
pub struct ChartData {
    pub title: String,
    /// Axis label of x (units a month, or × the average month).
    pub x_label: String,
    pub y_label: String,
    /// x at factor 1 (the profile's average month).
    pub x_per_factor: Decimal,
    /// True when x counts units a month (every line has the same unit);
    /// false when it is the factor itself.
    pub x_in_units: bool,
    pub curves: Vec<Curve>,
    /// Break-even: factor and label.
    pub marker: Option<(Decimal, String)>,
    /// Where the subscription curve ends because its credits run out.
    pub limit: Option<Decimal>,
    /// Without a break-even, the legend says so (and why) in this line.
    pub no_break_even: Option<String>,
}

/// One strategy's line on the chart.
#[derive(Debug, Clone)]
pub struct Curve {
    pub label: String,
    pub kind: StrategyKind,
    /// (factor, average monthly cost) — `None` where it can't do the work.
    pub points: Vec<(Decimal, Option<Decimal>)>,
}

/// The words for how a choice pays.
pub fn option_name(opts: &Options, line: usize, choice: &Choice) -> String {
    let cand = &opts.lines[line].candidates[choice.candidate];
    match (cand.pay, choice.method) {
        (Pay::Credits(u), Some(m)) => {
            let unit = &opts.units[u].terms.unit;
            match m {
                Method::Pack(i) => format!("pack {}", unit.packs[i].id),
                Method::BestPacks => "best packs".into(),
                Method::Subscription(i) => format!("subscription {}", unit.subscriptions[i].id),
            }
        }
        _ => "pay-as-you-go".into(),
    }
}

/// A strategy's id: each line's model and option, joined with ` + `.
pub fn strategy_id(opts: &Options, s: &[Choice]) -> String {
    s.iter()
        .enumerate()
        .map(|(l, c)| {
            format!(
                "{} {}",
                opts.lines[l].candidates[c.candidate].model,
                option_name(opts, l, c)
            )
        })
        .collect::<Vec<_>>()
        .join(" + ")
}

/// A strategy's short label: the id for up to three lines, else each
/// distinct model-and-option with its number of lines.
pub fn strategy_label(opts: &Options, s: &[Choice]) -> String {
    if s.len() <= 3 {
        return strategy_id(opts, s);
    }
    let mut parts: Vec<(String, usize)> = Vec::new();
    for (l, c) in s.iter().enumerate() {
        let p = format!(
            "{} {}",
            opts.lines[l].candidates[c.candidate].model,
            option_name(opts, l, c)
        );
        match parts.iter_mut().find(|x| x.0 == p) {
            Some(x) => x.1 += 1,
            None => parts.push((p, 1)),
        }
    }
    parts
        .into_iter()
        .map(|(p, n)| format!("{p} ×{n}"))
        .collect::<Vec<_>>()
        .join(" + ")
}

/// Rounds money to the minor unit plus two digits (costs per unit).
pub fn fine(amount: Decimal, currency: Currency) -> String {
    let mut d = amount.round_dp_with_strategy(
        currency.minor_digits() + 2,
        RoundingStrategy::MidpointAwayFromZero,
    );
    d.rescale(currency.minor_digits() + 2);
    d.to_string()
}

/// Shows a count of units: exact, at most one decimal place.
pub fn units_text(d: Decimal) -> String {
    plain(d.round_dp_with_strategy(1, RoundingStrategy::MidpointAwayFromZero))
}

/// The report row of an evaluated strategy.
pub fn strategy_report(
    opts: &Options,
    cal: &Calendar,
    rank: usize,
    s: &[Choice],
    eval: &Evaluation,
) -> StrategyReport {
    let cur = opts.currency;
    let per_month: Vec<Money> = eval.spend.iter().map(|a| Money::round(*a, cur)).collect();
    // Exact over the horizon, rounded once below.
    let total: Decimal = eval.total();
    let units: Decimal = opts.lines.iter().flat_map(|l| &l.base).sum();
    let options = s
        .iter()
        .enumerate()
        .map(|(l, c)| {
            let line = &opts.lines[l];
            let cand = &line.candidates[c.candidate];
            let (credit_unit, price_unit) = match cand.pay {
                Pay::Credits(u) => {
                    let key = opts.units[u].key.clone();
                    let id = opts.units[u].terms.unit.id.clone();
                    (Some(key), id)
                }
                Pay::Money => (None, cur.code().to_string()),
            };
            OptionReport {
                line: line.number,
                name: line.label.clone(),
                model: cand.model.clone(),
                option: option_name(opts, l, c),
                credit_unit,
                unit_price: plain(cand.unit_price),
                price_unit,
            }
        })
        .collect();
    StrategyReport {
        rank,
        id: strategy_id(opts, s),
        label: strategy_label(opts, s),
        kind: StrategyKind::of(s),
        options,
        total: Money::round(total, cur),
        average_per_month: Money::round(total / Decimal::from(cal.len().max(1)), cur),
        per_unit: (!units.is_zero()).then(|| fine(total / units, cur)),
        per_month,
        exact_total: total,
        exact_per_month: eval.spend.clone(),
        unused_subscription_months: eval.unused.len(),
        feasible: eval.feasible(),
        infeasible_months: eval.infeasible.iter().map(|&m| cal.label(m)).collect(),
    }
}

/// What the accounts bought in month `t`: packs and subscription fees.
pub fn bought(opts: &Options, eval: &Evaluation, t: usize) -> String {
    let mut parts = Vec::new();
    for (u, m, run) in &eval.accounts {
        let terms = &opts.units[*u].terms;
        if let Method::Subscription(i) = m {
            let s = &terms.unit.subscriptions[*i];
            if s.per_seat && terms.seats > 1 {
                parts.push(format!("{} ×{} seats", s.id, terms.seats));
            } else {
                parts.push(s.id.clone());
            }
        }
        if let Some(log) = run.log.get(t) {
            for (id, n) in &log.packs {
                parts.push(format!("{n}× {id}"));
            }
            if !log.short.is_zero() {
                parts.push(format!("{} {} short", plain(log.short), terms.unit.id));
            }
        }
    }
    parts.join(", ")
}
