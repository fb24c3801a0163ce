//! `--format html`: one self-contained page per report (estimate and
//! compare), built with maud templates, so every value is escaped on its way
//! into the markup. Inline CSS (with a print stylesheet: A4 and Letter both
//! fit, tables and charts are not split across pages) and inline SVG; no
//! script, font or image from anywhere else, so the file works offline and
//! when mailed.
//!
//! The verdict is said in words and in colour (and the colour never carries
//! meaning alone). Bars are sized with `f64` shares of exact amounts; the
//! amounts shown beside them are the exact decimals.

use maud::{DOCTYPE, Markup, PreEscaped, html};
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

use super::Sheet;

/// The page's stylesheet.
const CSS: &str = include_str!("html.css");

/// A whole page: `title` in the head, `body` in `<main>`.
pub fn page(title: &str, body: Markup) -> String {
    let mut s = html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                meta name="generator" content=(concat!("genbudget ", env!("CARGO_PKG_VERSION")));
                title { (title) }
                style { (PreEscaped(CSS)) }
            }
            body {
                main { (body) }
            }
        }
    }
    .into_string();
    s.push('\n');
    s
}

/// A sheet as a table: its title as the caption, its right-aligned columns
/// marked as numbers, its notes below.
pub fn table(sheet: &Sheet) -> Markup {
    let num = |c: usize| sheet.right.contains(&c);
    html! {
        // A wide table scrolls inside its box on a narrow screen.
        div.wide { table {
            @if let Some(t) = &sheet.title { caption { (t) } }
            thead {
                tr {
                    @for (c, h) in sheet.headers.iter().enumerate() {
                        th scope="col" class=[num(c).then_some("num")] { (h) }
                    }
                }
            }
            tbody {
                @for row in &sheet.rows {
                    tr {
                        @for (c, cell) in row.iter().enumerate() {
                            td class=[num(c).then_some("num")] { (cell) }
                        }
                    }
                }
            }
        } }
        @if !sheet.notes.is_empty() {
            ul.notes {
                @for n in &sheet.notes { li { (n) } }
            }
        }
    }
}

/// One bar of a [`bars`] chart: a label, the amount as shown, and the
/// exact amount that sizes it.
pub struct Bar {
    pub label: String,
    pub shown: String,
    pub amount: Decimal,
}

/// Horizontal bars, each as long as its share of the largest.
pub fn bars(caption: &str, rows: &[Bar]) -> Markup {
    let max = rows
        .iter()
        .map(|r| r.amount)
        .max()
        .filter(|m| *m > Decimal::ZERO)
        .unwrap_or(Decimal::ONE);
    html! {
        div.bars role="list" aria-label=(caption) {
            @for r in rows {
                @let share = (r.amount / max).to_f64().unwrap_or(0.0).clamp(0.0, 1.0);
                span.label role="listitem" { (r.label) }
                span.track {
                    svg viewBox="0 0 100 10" preserveAspectRatio="none" aria-hidden="true" {
                        rect x="0" y="0" width=(format!("{:.2}", share * 100.0)) height="10" fill="#1f5fbf" {}
                    }
                }
                span.amount { (r.shown) }
            }
        }
    }
}

/// A block of text lines as a list with a class (`warnings`, `notes`).
pub fn list(class: &str, lines: &[String]) -> Markup {
    html! {
        @if !lines.is_empty() {
            ul class=(class) {
                @for l in lines { li { (l) } }
            }
        }
    }
}
