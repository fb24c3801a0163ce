//! Reports for `rates list` and `rates show`: the models in force on a date,
//! and one model's prices, versions and retirement.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::Serialize;

use super::book::{LookupError, PriceBook};
use super::model::{CreditUnit, Kind, Model, RateLimits, Table};

/// `rates list`.
#[derive(Debug, Clone, Serialize)]
pub struct ListReport {
    pub schema: &'static str,
    pub as_of: NaiveDate,
    pub models: Vec<ListedModel>,
}

/// One model in force.
#[derive(Debug, Clone, Serialize)]
pub struct ListedModel {
    pub provider: String,
    pub model: String,
    pub kind: Kind,
    pub table: String,
    /// The table currency, or the credit unit the model is priced in.
    pub unit: String,
    /// What one price buys: `image`, `second`, or `1M tokens`.
    pub per: &'static str,
    /// Lowest and highest price the model lists.
    #[serde(with = "rust_decimal::serde::str")]
    pub low: Decimal,
    #[serde(with = "rust_decimal::serde::str")]
    pub high: Decimal,
    pub aliases: Vec<String>,
    pub retired: Option<NaiveDate>,
}

fn per(kind: Kind) -> &'static str {
    match kind {
        Kind::Image => "image",
        Kind::Video => "second",
        Kind::Text => "1M tokens",
    }
}

fn unit(table: &Table, model: &Model) -> String {
    model
        .price_unit
        .clone()
        .unwrap_or_else(|| table.currency.to_string())
}

/// The models in force on `as_of`, optionally one provider or kind.
pub fn list(
    book: &PriceBook,
    as_of: NaiveDate,
    provider: Option<&str>,
    kind: Option<Kind>,
) -> ListReport {
    let mut models = Vec::new();
    for p in book
        .providers()
        .filter(|p| provider.is_none_or(|want| want == *p))
    {
        let Some(t) = book.in_force(p, as_of) else {
            continue;
        };
        for m in t
            .models
            .values()
            .filter(|m| kind.is_none_or(|k| k == m.kind))
        {
            // For an image model, its per-image prices (token prices are extras).
            let points: Vec<Decimal> = m
                .price_points()
                .into_iter()
                .filter(|(l, _)| m.kind == Kind::Text || !l.starts_with("tokens"))
                .map(|(_, v)| v)
                .collect();
            models.push(ListedModel {
                provider: p.to_string(),
                model: m.name.clone(),
                kind: m.kind,
                table: t.id(),
                unit: unit(t, m),
                per: per(m.kind),
                low: points.iter().copied().min().unwrap_or_default().normalize(),
                high: points.iter().copied().max().unwrap_or_default().normalize(),
                aliases: m.aliases.clone(),
                retired: m.retired,
            });
        }
    }
    ListReport {
        schema: "genbudget.rates.list/1",
        as_of,
        models,
    }
}

/// `rates show`.
#[derive(Debug, Clone, Serialize)]
pub struct ShowReport {
    pub schema: &'static str,
    pub provider: String,
    pub model: String,
    pub kind: Kind,
    pub aliases: Vec<String>,
    pub as_of: NaiveDate,
    /// The table the prices come from.
    pub table: String,
    pub currency: String,
    pub price_unit: Option<String>,
    /// `active`, or `retired` when the model is retired on `as_of`.
    pub status: &'static str,
    pub retired: Option<NaiveDate>,
    pub prices: Vec<PricePoint>,
    pub durations: Vec<u32>,
    pub limits: Option<RateLimits>,
    pub credit_unit: Option<CreditUnitView>,
    pub versions: Vec<Version>,
    pub source: String,
    pub notes: Option<String>,
}

/// One price of a model.
#[derive(Debug, Clone, Serialize)]
pub struct PricePoint {
    pub price: String,
    #[serde(with = "rust_decimal::serde::str")]
    pub amount: Decimal,
}

/// A credit unit's packs and subscriptions, as `rates show` prints them.
#[derive(Debug, Clone, Serialize)]
pub struct CreditUnitView {
    pub id: String,
    pub name: String,
    /// Money per credit under the credit-value rule.
    pub value_per_credit: Option<String>,
    pub packs: Vec<String>,
    pub subscriptions: Vec<String>,
}

/// A table version listing the model.
#[derive(Debug, Clone, Serialize)]
pub struct Version {
    pub table: String,
    pub effective: NaiveDate,
    /// `first listed`, `prices changed`, or `same prices`.
    pub change: &'static str,
}

fn credit_view(c: &CreditUnit, currency: &str) -> CreditUnitView {
    CreditUnitView {
        id: c.id.clone(),
        name: c.name.clone(),
        value_per_credit: c
            .value_per_credit()
            .map(|v| format!("{} {currency}", v.normalize())),
        packs: c
            .packs
            .iter()
            .map(|p| {
                let exp = p
                    .expires_days
                    .map(|d| format!(", expires after {d} days"))
                    .unwrap_or_default();
                format!(
                    "{}: {} credits for {} {currency}{exp}",
                    p.id,
                    p.credits.normalize(),
                    p.price
                )
            })
            .collect(),
        subscriptions: c
            .subscriptions
            .iter()
            .map(|s| {
                let roll = match (s.rollover, s.max_rollover) {
                    (false, _) => "no rollover".to_string(),
                    (true, None) => "rollover".to_string(),
                    (true, Some(m)) => format!("rollover up to {}", m.normalize()),
                };
                let seat = if s.per_seat { " per seat" } else { "" };
                format!(
                    "{}: {} {currency}/month{seat}, {} credits a month, {roll}",
                    s.id,
                    s.monthly,
                    s.credits.normalize()
                )
            })
            .collect(),
    }
}

/// One model's prices in force on `as_of` (retired models included,
/// flagged), its versions and its credit unit.
pub fn show(book: &PriceBook, name: &str, as_of: NaiveDate) -> Result<ShowReport, LookupError> {
    let r = book.resolve(name, as_of, true)?;
    let (t, m) = (r.table, r.model);
    let mut versions = Vec::new();
    let mut prev: Option<Vec<(String, Decimal)>> = None;
    for (vt, vm) in book.history(r.provider, &m.name) {
        let points = vm.price_points();
        let change = match &prev {
            None => "first listed",
            Some(p) if *p == points => "same prices",
            Some(_) => "prices changed",
        };
        versions.push(Version {
            table: vt.id(),
            effective: vt.effective,
            change,
        });
        prev = Some(points);
    }
    Ok(ShowReport {
        schema: "genbudget.rates.show/1",
        provider: r.provider.to_string(),
        model: m.name.clone(),
        kind: m.kind,
        aliases: m.aliases.clone(),
        as_of,
        table: t.id(),
        currency: t.currency.to_string(),
        price_unit: m.price_unit.clone(),
        status: if r.retired.is_some() {
            "retired"
        } else {
            "active"
        },
        retired: r.retired.or(m.retired),
        prices: m
            .price_points()
            .into_iter()
            .map(|(price, amount)| PricePoint {
                price,
                amount: amount.normalize(),
            })
            .collect(),
        durations: m.durations.clone(),
        limits: m.limits.clone(),
        credit_unit: m
            .price_unit
            .as_ref()
            .and_then(|u| t.credits.get(u))
            .map(|c| credit_view(c, t.currency.code())),
        versions,
        source: t.source.clone(),
        notes: m.notes.clone().or_else(|| t.notes.clone()),
    })
}
