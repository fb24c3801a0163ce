//! `compare --format html`: which way to pay and why, the ranking (the same
//! tables as the terminal's), each strategy's total as a bar, the
//! break-even chart (plotters' SVG, inline) and the warnings.

use maud::{PreEscaped, html};

use super::Format;
use super::html::{Bar, bars, list, page, table};
use crate::compare::Report;

/// The whole page. `chart` is the break-even chart's SVG, if drawn.
pub fn render(r: &Report, chart: Option<&str>) -> String {
    let cur = r.currency.code();
    let ranked: Vec<_> = r.strategies.iter().filter(|s| s.feasible).collect();
    let best = r
        .best
        .as_ref()
        .and_then(|id| r.strategies.iter().find(|s| &s.id == id));
    let runner_up = best.and_then(|b| ranked.iter().find(|s| s.id != b.id));
    let strategy_bars: Vec<Bar> = ranked
        .iter()
        .take(12)
        .map(|s| Bar {
            label: s.label.clone(),
            shown: format!("{} {cur}", s.total),
            amount: s.exact_total,
        })
        .collect();
    let body = html! {
        h1 { (r.profile) }
        p.meta {
            "Ways to pay compared over " (r.months) " months from " (r.start)
            ", prices as of " (r.as_of) ", " (r.seats) " seat(s), in " (cur) "."
        }
        @match best {
            Some(b) => {
                p.verdict.ok role="status" {
                    strong { "Best way to pay" } ": " (b.label) " — " (b.total.to_string()) " " (cur)
                    " over " (r.months) " months (" (b.average_per_month.to_string()) " " (cur) " a month)."
                    @if let Some(n) = runner_up {
                        @if let Some(d) = n.total.checked_sub(b.total) {
                            " It costs " (d.to_string()) " " (cur) " less than the next best, " (n.label) "."
                        }
                    }
                }
            }
            None => {
                p.verdict.over role="status" {
                    strong { "No way to pay covers the work" } ": every strategy runs short in some month (see the warnings)."
                }
            }
        }
        @if let Some(f) = &r.break_even.factor {
            p {
                "Break-even: " (r.break_even.subscription.as_deref().unwrap_or("the subscription"))
                " and " (r.break_even.other.as_deref().unwrap_or("the best alternative"))
                " cost the same at " (f) "× the average month"
                @if let Some(above) = &r.break_even.cheaper_above {
                    "; above it the " (above) " is cheaper"
                }
                "."
            }
        }
        h2 { "Total by strategy" }
        (bars("Total cost by strategy", &strategy_bars))
        @if let Some(svg) = chart {
            h2 { "Average monthly cost by volume" }
            // plotters' own SVG, made from this report's figures; its text
            // is escaped by plotters (tested with hostile names).
            div.chart role="img" aria-label="Average monthly cost of the main strategies as volume scales" { (PreEscaped(svg)) }
        }
        @for sheet in super::compare::sheets(r, Format::Table) {
            (table(&sheet))
        }
        @if !r.warnings.is_empty() {
            h2 { "Warnings" }
            (list("warnings", &r.warnings))
        }
        footer { "Made by genbudget " (env!("CARGO_PKG_VERSION")) " from the profile above." }
    };
    page(&format!("{} — ways to pay", r.profile), body)
}
