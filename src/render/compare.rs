//! Sheets for `genbudget compare` (JSON is the report itself): the ranked
//! strategies, the monthly detail (with `--monthly`), the break-even and
//! the sensitivity table. Money is shown to the minor unit, never a non-zero
//! amount as `0.00`; a note says when shown months do not add up to a total.

use rust_decimal::Decimal;

use super::{Format, Sheet};
use crate::compare::Report;
use crate::money::{exact_amount, shown_amount};

/// Every sheet of a comparison, in reading order. CSV (for machines) has
/// plain figures: exact monthly amounts, empty cells for missing values.
pub fn sheets(r: &Report, format: Format) -> Vec<Sheet> {
    let csv = format == Format::Csv;
    let mut out = vec![ranked(r, csv)];
    if let Some(m) = &r.monthly {
        let mut heads = vec!["month".to_string()];
        heads.extend(m.strategies.iter().map(|c| c.role.clone()));
        heads.push("best buys".into());
        let n = m.strategies.len();
        let mut s = Sheet::new(heads)
            .titled(format!("Month by month ({})", r.currency))
            .right_aligned(&(1..=n).collect::<Vec<_>>())
            .optional(&[n + 1]);
        let mut shown_sums = vec![Decimal::ZERO; n];
        for row in &m.rows {
            let mut cells = vec![row.month.clone()];
            for (k, exact) in row.exact.iter().enumerate() {
                let shown = shown_amount(*exact, r.currency);
                shown_sums[k] += shown;
                cells.push(if csv {
                    exact_amount(*exact, r.currency).to_string()
                } else {
                    shown.to_string()
                });
            }
            cells.push(row.bought.clone());
            s.row(cells);
        }
        for c in &m.strategies {
            s.notes.push(format!("{}: {}", c.role, label_of(r, &c.id)));
        }
        for (c, sum) in m.strategies.iter().zip(&shown_sums) {
            let Some(st) = r.strategies.iter().find(|st| st.id == c.id) else {
                continue;
            };
            if *sum != st.total.amount() {
                s.notes.push(format!(
                    "note: {}'s months as shown are rounded and add up to {} {}; its total {} is the exact sum, rounded once",
                    c.role,
                    exact_amount(*sum, r.currency),
                    r.currency,
                    st.total
                ));
            }
        }
        out.push(s);
    }
    out.push(break_even(r));
    out.push(sensitivity(r));
    out
}

fn ranked(r: &Report, csv: bool) -> Sheet {
    let mut s = Sheet::new([
        "#",
        "strategy",
        "kind",
        "total",
        "per month",
        "per unit",
        "unused sub. months",
        "feasible",
    ])
    .titled(format!(
        "{}: {} from {} at prices of {}, {}, {}",
        r.profile,
        super::plural(r.months, "month", "months"),
        r.start,
        r.as_of,
        super::plural(r.seats as usize, "seat", "seats"),
        r.currency
    ))
    .right_aligned(&[0, 3, 4, 5, 6])
    .optional(&[6, 5, 4, 2]);
    for st in &r.strategies {
        s.row([
            st.rank.to_string(),
            st.label.clone(),
            st.kind.as_str().to_string(),
            if csv {
                st.total.to_string()
            } else if st.feasible {
                shown_amount(st.exact_total, r.currency).to_string()
            } else {
                // Not comparable with the feasible totals: set apart.
                format!("({})", shown_amount(st.exact_total, r.currency))
            },
            if csv {
                st.average_per_month.to_string()
            } else {
                shown_amount(st.exact_total / Decimal::from(r.months.max(1)), r.currency)
                    .to_string()
            },
            st.per_unit
                .clone()
                .unwrap_or_else(|| if csv { "" } else { "-" }.into()),
            st.unused_subscription_months.to_string(),
            if csv {
                st.feasible.to_string()
            } else {
                feasibility(&st.infeasible_months)
            },
        ]);
    }
    if let Some(best) = r.strategies.first() {
        if best.feasible {
            s.notes.push(format!(
                "Cheapest: {} — {} {} over {}.",
                best.label,
                best.total,
                r.currency,
                super::plural(r.months, "month", "months")
            ));
        } else {
            s.notes.push(
                "No strategy can pay for every month's work; the cheapest infeasible one is listed first."
                    .to_string(),
            );
        }
    }
    if !csv && r.strategies.iter().any(|st| !st.feasible) {
        s.notes.push(
            "Totals in parentheses are infeasible strategies: some months' work cannot be paid for, so they are ranked after every feasible one and are not comparable with them."
                .to_string(),
        );
    }
    s.notes.push(format!(
        "{} compared in {}{}.",
        if r.strategy_count == "1" {
            "1 strategy".to_string()
        } else {
            format!("{} strategies", r.strategy_count)
        },
        super::plural(r.groups, "independent group", "independent groups"),
        if r.exact {
            ""
        } else {
            " (search stopped early)"
        }
    ));
    s
}

fn break_even(r: &Report) -> Sheet {
    let b = &r.break_even;
    let mut heads = vec!["line", "name", "units a month now"];
    if b.factor.is_some() {
        heads.push("units a month at break-even");
    }
    if b.subscription_limit.is_some() {
        heads.push("most the subscription covers");
    }
    let right: Vec<usize> = (2..heads.len()).chain([0]).collect();
    let mut s = Sheet::new(heads)
        .titled("Break-even: best subscription vs best without one")
        .right_aligned(&right);
    let units_of = |list: &[crate::compare::report::LineUnits], line: usize| {
        list.iter()
            .find(|u| u.line == line)
            .map(|u| format!("{} {}s", u.units, u.unit))
    };
    if b.factor.is_some() || b.subscription_limit.is_some() {
        for l in &r.lines {
            let mut row = vec![
                l.line.to_string(),
                l.name.clone(),
                format!("{} {}s", l.average_per_month, l.unit),
            ];
            if b.factor.is_some() {
                row.push(units_of(&b.units_per_month, l.line).unwrap_or_default());
            }
            if b.subscription_limit.is_some() {
                row.push(units_of(&b.limit_units_per_month, l.line).unwrap_or_default());
            }
            s.row(row);
        }
    }
    if let (Some(sub), Some(other)) = (&b.subscription, &b.other) {
        s.notes.push(format!("Subscription: {}", label_of(r, sub)));
        s.notes.push(format!("Without one: {}", label_of(r, other)));
    }
    s.notes.push(format!("{}.", capitalise(&b.note)));
    s
}

fn sensitivity(r: &Report) -> Sheet {
    let mut s = Sheet::new(["scale", "winner", "kind", "total", "per month", "feasible"])
        .titled("Sensitivity: the whole profile scaled")
        .right_aligned(&[0, 3, 4])
        .optional(&[4, 2]);
    for row in &r.sensitivity {
        s.row([
            format!("{}×", row.factor),
            row.label.clone(),
            row.kind.as_str().to_string(),
            row.total.to_string(),
            row.average_per_month.to_string(),
            if row.feasible { "yes" } else { "no" }.to_string(),
        ]);
    }
    s
}

/// `yes`, or the months that can't be paid for, as they are: runs of
/// consecutive months as `first–last`, others one by one
/// (`no: 2026-11, 2027-01–2027-03`).
fn feasibility(months: &[String]) -> String {
    if months.is_empty() {
        return "yes".into();
    }
    let index = |m: &str| -> Option<i64> {
        let (y, mo) = m.split_once('-')?;
        Some(y.parse::<i64>().ok()? * 12 + mo.parse::<i64>().ok()?)
    };
    let mut runs: Vec<(usize, usize)> = Vec::new();
    for (i, m) in months.iter().enumerate() {
        match runs.last_mut() {
            Some((_, end))
                if index(&months[*end])
                    .zip(index(m))
                    .is_some_and(|(a, b)| b == a + 1) =>
            {
                *end = i;
            }
            _ => runs.push((i, i)),
        }
    }
    let parts: Vec<String> = runs
        .iter()
        .map(|&(a, b)| {
            if a == b {
                months[a].clone()
            } else {
                format!("{}–{}", months[a], months[b])
            }
        })
        .collect();
    format!("no: {}", parts.join(", "))
}

/// The table label of a listed strategy (its id if it is not listed).
fn label_of(r: &Report, id: &str) -> String {
    r.strategies
        .iter()
        .find(|s| s.id == id)
        .map_or_else(|| id.to_string(), |s| s.label.clone())
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::feasibility;

    #[test]
    fn infeasible_months_are_listed_as_they_are() {
        let m = |list: &[&str]| -> Vec<String> { list.iter().map(|s| s.to_string()).collect() };
        assert_eq!(feasibility(&[]), "yes");
        assert_eq!(feasibility(&m(&["2026-11"])), "no: 2026-11");
        // Not "5 months from 2026-11": the set is not consecutive.
        assert_eq!(
            feasibility(&m(&["2026-11", "2027-01", "2027-02", "2027-03", "2027-06"])),
            "no: 2026-11, 2027-01–2027-03, 2027-06"
        );
        // Across a year end.
        assert_eq!(
            feasibility(&m(&["2026-12", "2027-01"])),
            "no: 2026-12–2027-01"
        );
    }
}
