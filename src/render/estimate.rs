//! Laying out an [`Estimate`] for people (table, markdown) and spreadsheets
//! (CSV). JSON is the report itself.
//!
//! The table reads at a glance: one row per item with its unit price, units
//! with retries, base, retries and total in money; a credits column when any
//! item is credit-priced and a time column when any item has rate limits;
//! then the subtotal, contingency and total, the credits used, the budget
//! verdict and every warning. Item amounts are exact; the table shows them
//! to the minor unit (never a non-zero amount as `0.00`) and says when the
//! shown item totals do not add up to the subtotal. CSV has one row per
//! item with every figure exact, then `subtotal`, `contingency` and `total`
//! rows.

use rust_decimal::Decimal;

use super::{Format, Sheet, sheets};
use crate::money::{exact_amount, plain, shown_amount};
pub use crate::plan::fast::write_json;
use crate::plan::{Estimate, ItemReport, TimingScope, timing};

/// Renders an estimate as table, markdown or CSV.
pub fn render(e: &Estimate, format: Format) -> String {
    match format {
        Format::Csv => sheets(Format::Csv, &[csv_sheet(e)]),
        Format::Markdown => sheets(Format::Markdown, &[people_sheet(e, true)]),
        Format::Html => super::estimate_html::render(e),
        _ => sheets(Format::Table, &[people_sheet(e, false)]),
    }
}

/// An item amount as a table shows it: to the minor unit, never a
/// non-zero amount as `0.00`.
fn money(d: Decimal, e: &Estimate) -> String {
    shown_amount(d, e.currency).to_string()
}

fn count(i: &ItemReport) -> String {
    match (i.per_day, i.days) {
        (Some(p), Some(d)) => format!("{} ({p}/day × {d})", i.count),
        _ => i.count.to_string(),
    }
}

fn unit_price(i: &ItemReport) -> String {
    match i.credits {
        Some(_) => format!("{} cr", plain(i.unit_price)),
        None => plain(i.unit_price),
    }
}

fn time(i: &ItemReport) -> String {
    let (Some(lo), Some(hi)) = (i.min_seconds, i.max_seconds) else {
        return String::new();
    };
    let span = if lo == hi {
        timing::human(lo)
    } else {
        format!("{}–{}", timing::human(lo), timing::human(hi))
    };
    match i.timing_scope {
        Some(TimingScope::Day) => format!("{span} /day"),
        _ => span,
    }
}

fn percent(rate: Decimal) -> String {
    format!("{}%", plain(rate * Decimal::ONE_HUNDRED))
}

pub(crate) fn people_sheet(e: &Estimate, markdown: bool) -> Sheet {
    let cur = e.currency.code();
    let with_credits = e.items.iter().any(|i| i.credits.is_some());
    let with_time = e.items.iter().any(|i| i.min_seconds.is_some());
    let mut headers: Vec<String> = [
        "item",
        "model",
        "spec",
        "unit price",
        "count",
        "units",
        "base",
        "retries",
        "total",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    headers[8] = format!("total ({cur})");
    if with_credits {
        headers.push("credits".into());
    }
    if with_time {
        headers.push("time".into());
    }
    let mut right = vec![3, 4, 5, 6, 7, 8];
    if with_credits {
        right.push(9);
    }
    // Left out first on a narrow terminal: figures the others imply.
    // (headers: 0 item, 1 model, 2 spec, 3 unit price, 4 count, 5 units,
    // 6 base, 7 retries, 8 total, then credits and time.)
    let mut optional = vec![7, 6, 5, 3];
    if with_time {
        optional.push(if with_credits { 10 } else { 9 });
    }
    optional.extend([4, 2]);
    let mut sheet = Sheet::new(headers)
        .right_aligned(&right)
        .optional(&optional)
        .titled(format!("{} — prices as of {}, {cur}", e.plan, e.as_of));
    for i in &e.items {
        let mut model = format!("{}/{}", i.provider, i.model);
        if let Some(f) = &i.swapped_from {
            model.push_str(&format!(" (for {f})"));
        }
        if i.retired.is_some() {
            model.push_str(" (retired)");
        }
        let mut row = vec![
            i.name.clone(),
            model,
            i.spec.clone(),
            unit_price(i),
            count(i),
            plain(i.units),
            money(i.base, e),
            money(i.retries, e),
            money(i.total, e),
        ];
        if with_credits {
            row.push(i.credits.map(plain).unwrap_or_default());
        }
        if with_time {
            row.push(time(i));
        }
        sheet.row(row);
    }
    let bold = |s: String| if markdown { format!("**{s}**") } else { s };
    // Item figures are exact; the plan's are rounded once. The base shown
    // under the table is the exact base rounded, and the retries are what
    // is left of the subtotal, so the line adds up.
    let (base_exact, shown_sum) = e
        .items
        .iter()
        .fold((Decimal::ZERO, Decimal::ZERO), |(b, t), i| {
            (b + i.base, t + shown_amount(i.total, e.currency))
        });
    let base = e.currency.round(base_exact).min(e.subtotal);
    let retries = e.subtotal - base;
    let mut notes = vec![format!(
        "base {base} + retries {retries} = subtotal {} {cur}; + contingency {} {} = {}",
        e.subtotal,
        percent(e.contingency_rate),
        e.contingency,
        bold(format!("total {} {cur}", e.total))
    )];
    if shown_sum != e.subtotal {
        notes.push(format!(
            "note: the item totals shown are rounded and add up to {} {cur}; the subtotal is their exact sum, {}, rounded once",
            exact_amount(shown_sum, e.currency),
            plain_exact(e)
        ));
    }
    for c in &e.credits {
        let from = match c.value_from {
            "plan" => "the plan's [credit_value]",
            "pack" => "the cheapest pack",
            _ => "the cheapest subscription",
        };
        notes.push(format!(
            "credits: {} {} at {} {cur} each ({from}) = {} {cur}",
            plain(c.credits),
            c.unit,
            plain(c.value),
            c.total
        ));
    }
    if let Some(b) = &e.budget {
        let from = if b.from == "plan" { "" } else { " (--budget)" };
        notes.push(if b.within {
            format!(
                "{}: {} {cur} left of {} {cur}{from}",
                bold("within budget".into()),
                b.remaining,
                b.limit
            )
        } else {
            format!(
                "{}: total {} {cur} is {} {cur} over the budget of {} {cur}{from}",
                bold("OVER BUDGET".into()),
                e.total,
                -b.remaining,
                b.limit
            )
        });
    }
    if !e.swaps.is_empty() {
        notes.push(format!("what-if: --swap {}", e.swaps.join(", --swap ")));
    }
    for w in e.all_warnings() {
        notes.push(format!("warning: {w}"));
    }
    sheet.notes = notes;
    sheet
}

/// The exact sum of the item totals, at least to the minor unit.
fn plain_exact(e: &Estimate) -> Decimal {
    exact_amount(e.items.iter().map(|i| i.total).sum(), e.currency)
}

fn csv_sheet(e: &Estimate) -> Sheet {
    let mut sheet = Sheet::new([
        "name",
        "provider",
        "model",
        "kind",
        "spec",
        "table",
        "count",
        "units",
        "unit",
        "unit_price",
        "price_unit",
        "credits",
        "credit_value",
        "base",
        "retries",
        "total",
        "min_seconds",
        "max_seconds",
        "warnings",
    ]);
    let opt = |v: Option<u64>| v.map(|v| v.to_string()).unwrap_or_default();
    for i in &e.items {
        sheet.row([
            i.name.clone(),
            i.provider.clone(),
            i.model.clone(),
            i.kind.to_string(),
            i.spec.clone(),
            i.table.clone(),
            i.count.to_string(),
            plain(i.units),
            i.unit.to_string(),
            plain(i.unit_price),
            i.price_unit.clone(),
            i.credits.map(plain).unwrap_or_default(),
            i.credit_value.map(plain).unwrap_or_default(),
            i.base.to_string(),
            i.retries.to_string(),
            i.total.to_string(),
            opt(i.min_seconds),
            opt(i.max_seconds),
            i.warnings.join("; "),
        ]);
    }
    for (name, amount) in [
        ("subtotal", e.subtotal),
        ("contingency", e.contingency),
        ("total", e.total),
    ] {
        let mut row = vec![String::new(); 19];
        row[0] = name.to_string();
        row[10] = e.currency.code().to_string();
        row[15] = amount.to_string();
        sheet.row(row);
    }
    sheet
}
