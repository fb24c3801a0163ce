//! `estimate --format html`: the plan's items with exact figures (the same
//! table and notes as the terminal's), where the money goes by model and by
//! kind as bars, the budget verdict in words and colour, and the warnings.

use std::collections::BTreeMap;

use maud::html;
use rust_decimal::Decimal;

use super::html::{Bar, bars, list, page, table};
use crate::money::shown_amount;
use crate::plan::Estimate;

/// The whole page.
pub fn render(e: &Estimate) -> String {
    let cur = e.currency.code();
    let money = |d: Decimal| format!("{} {cur}", shown_amount(d, e.currency));
    let sheet = super::estimate::people_sheet(e, false);
    // Where the money goes: item totals summed by model and by kind.
    let mut by_model: BTreeMap<String, Decimal> = BTreeMap::new();
    let mut by_kind: BTreeMap<&str, Decimal> = BTreeMap::new();
    for i in &e.items {
        *by_model
            .entry(format!("{}/{}", i.provider, i.model))
            .or_default() += i.total;
        *by_kind.entry(i.kind.as_str()).or_default() += i.total;
    }
    let to_bars = |m: Vec<(String, Decimal)>| -> Vec<Bar> {
        let mut v: Vec<Bar> = m
            .into_iter()
            .map(|(label, amount)| Bar {
                shown: money(amount),
                label,
                amount,
            })
            .collect();
        v.sort_by(|a, b| b.amount.cmp(&a.amount).then(a.label.cmp(&b.label)));
        v
    };
    let models = to_bars(by_model.into_iter().collect());
    let kinds = to_bars(
        by_kind
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect(),
    );
    let (class, verdict) = match &e.budget {
        Some(b) if b.within => (
            "verdict ok",
            html! { strong { "Within budget" } ": total " (money(e.total)) ", " (money(b.remaining)) " left of " (money(b.limit)) "." },
        ),
        Some(b) => (
            "verdict over",
            html! { strong { "Over budget" } ": total " (money(e.total)) " is " (money(-b.remaining)) " over the budget of " (money(b.limit)) "." },
        ),
        None => (
            "verdict none",
            html! { strong { "No budget set" } ": total " (money(e.total)) "." },
        ),
    };
    let body = html! {
        h1 { (e.plan) }
        p.meta { "Estimate with prices as of " (e.as_of.to_string()) ", in " (cur) "." }
        p class=(class) role="status" { (verdict) }
        p.totals {
            "Subtotal " (money(e.subtotal)) " + contingency " (money(e.contingency))
            " = " strong { "total " (money(e.total)) }
        }
        h2 { "Where the money goes, by model" }
        (bars("Item totals by model", &models))
        h2 { "By kind" }
        (bars("Item totals by kind", &kinds))
        h2 { "Items" }
        (table(&sheet))
        @if !e.all_warnings().is_empty() {
            h2 { "Warnings" }
            (list("warnings", &e.all_warnings()))
        }
        footer { "Made by genbudget " (env!("CARGO_PKG_VERSION")) " from the plan above; item figures are exact, the plan's total is rounded once." }
    };
    page(&format!("{} — estimate", e.plan), body)
}
