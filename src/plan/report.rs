//! The estimate report: what `--format json` prints, and what the other
//! renderers lay out. Field names and meanings are those documented in
//! docs/estimate.md; new fields are additions, never renamings.
//!
//! Item amounts are exact decimals (at least the currency's minor digits,
//! no trailing zeros past them); the plan's `subtotal`, `contingency` and
//! `total` are rounded once to the minor unit. All are serialised as
//! strings; counts, units and credits are exact and shown without trailing
//! zeros.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Serialize, Serializer};

use crate::money::{Currency, plain};
use crate::pricing::Kind;

/// Serialises an exact quantity without trailing zeros (`36`, `1914`).
fn exact<S: Serializer>(d: &Decimal, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&plain(*d))
}

fn exact_opt<S: Serializer>(d: &Option<Decimal>, s: S) -> Result<S::Ok, S::Error> {
    match d {
        Some(d) => s.serialize_str(&plain(*d)),
        None => s.serialize_none(),
    }
}

fn count_str<S: Serializer>(n: &u64, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(n)
}

/// `genbudget.estimate/1`.
#[derive(Debug, Clone, Serialize)]
pub struct Estimate {
    pub schema: &'static str,
    /// The plan's name.
    pub plan: String,
    pub as_of: NaiveDate,
    pub currency: Currency,
    pub items: Vec<ItemReport>,
    /// round(Σ exact item totals).
    pub subtotal: Decimal,
    /// The plan's contingency fraction (e.g. `0.1`).
    #[serde(serialize_with = "exact")]
    pub contingency_rate: Decimal,
    /// round(Σ exact item totals × contingency_rate).
    pub contingency: Decimal,
    /// subtotal + contingency.
    pub total: Decimal,
    pub budget: Option<BudgetReport>,
    /// Credits used per credit unit, and what they are worth.
    pub credits: Vec<CreditSummary>,
    /// `--swap` what-ifs applied, as `from=to` ids.
    pub swaps: Vec<String>,
    /// Plan-level warnings (item warnings are on the items).
    pub warnings: Vec<String>,
}

/// One priced item.
#[derive(Debug, Clone, Serialize)]
pub struct ItemReport {
    pub name: String,
    pub provider: String,
    pub model: String,
    pub kind: Kind,
    /// The priced variant: `high 1024x1536`, `8s 1280x720`, `500 in + 1000 out`.
    pub spec: String,
    /// `provider@effective` of the table the prices come from.
    pub table: String,
    /// Units asked for (count, or per_day × days).
    #[serde(serialize_with = "count_str")]
    pub count: u64,
    /// count × (1 + retry_rate), exact.
    #[serde(serialize_with = "exact")]
    pub units: Decimal,
    /// `image`, `clip` or `request`.
    pub unit: &'static str,
    /// The price of one unit, exact: money, or credits for credit-priced items.
    #[serde(serialize_with = "exact")]
    pub unit_price: Decimal,
    /// The currency code, or the credit unit's id.
    pub price_unit: String,
    /// units × unit_price, exact; `null` for money-priced items.
    #[serde(serialize_with = "exact_opt")]
    pub credits: Option<Decimal>,
    /// Money per credit used (`null` for money-priced items).
    #[serde(serialize_with = "exact_opt")]
    pub credit_value: Option<Decimal>,
    /// Where `credit_value` came from: `plan`, `pack` or `subscription`.
    pub credit_value_from: Option<&'static str>,
    /// Money for `count` units, exact.
    pub base: Decimal,
    /// total − base: what the expected regenerations add, exact.
    pub retries: Decimal,
    /// Money for `units`, exact (the plan's sums are rounded, not items).
    pub total: Decimal,
    #[serde(serialize_with = "exact")]
    pub retry_rate: Decimal,
    /// Units a day and days, for `per_day` items.
    pub per_day: Option<u64>,
    pub days: Option<u64>,
    /// Least and most wall-clock seconds under the rate limits (per day for
    /// `per_day` items, see `timing_scope`); `null` without limits.
    pub min_seconds: Option<u64>,
    pub max_seconds: Option<u64>,
    pub timing_scope: Option<TimingScope>,
    /// Set when the model was retired and `--allow-retired` priced it anyway.
    pub retired: Option<NaiveDate>,
    /// The model the plan named, when `--swap` replaced it.
    pub swapped_from: Option<String>,
    pub warnings: Vec<String>,
}

/// What `min_seconds`/`max_seconds` cover.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum TimingScope {
    /// All the item's units.
    Total,
    /// One day's units of a `per_day` item.
    Day,
}

/// The budget verdict.
#[derive(Debug, Clone, Serialize)]
pub struct BudgetReport {
    pub limit: Decimal,
    /// limit − total (negative when over).
    pub remaining: Decimal,
    pub within: bool,
    /// Where the limit came from: `plan` or `--budget`.
    pub from: &'static str,
}

/// Credits of one credit unit used by the plan.
#[derive(Debug, Clone, Serialize)]
pub struct CreditSummary {
    pub unit: String,
    /// Σ credits of the items priced in this unit, exact.
    #[serde(serialize_with = "exact")]
    pub credits: Decimal,
    /// Money per credit.
    #[serde(serialize_with = "exact")]
    pub value: Decimal,
    /// `plan` (`[credit_value]`), `pack` or `subscription`.
    pub value_from: &'static str,
    /// Σ exact totals of those items, rounded once.
    pub total: Decimal,
}

impl Estimate {
    /// True when a budget is set and the total exceeds it.
    pub fn over_budget(&self) -> bool {
        self.budget.as_ref().is_some_and(|b| !b.within)
    }

    /// Every warning, plan-level first, then each item's prefixed with its name.
    pub fn all_warnings(&self) -> Vec<String> {
        let mut out = self.warnings.clone();
        for i in &self.items {
            for w in &i.warnings {
                out.push(format!("item `{}`: {w}", i.name));
            }
        }
        out
    }
}
