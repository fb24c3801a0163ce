//! Sheets for `genbudget compare` (JSON is the report itself): the ranked
//! strategies, the monthly detail (with `--monthly`), the break-even and
//! the sensitivity table.

use super::Sheet;
use crate::compare::Report;

/// Every sheet of a comparison, in reading order.
pub fn sheets(r: &Report) -> Vec<Sheet> {
    let mut out = vec![ranked(r)];
    if let Some(m) = &r.monthly {
        let mut heads = vec!["month".to_string()];
        heads.extend(m.strategies.iter().map(|c| c.role.clone()));
        heads.push("best buys".into());
        let n = m.strategies.len();
        let mut s = Sheet::new(heads)
            .titled(format!("Month by month ({})", r.currency))
            .right_aligned(&(1..=n).collect::<Vec<_>>());
        for row in &m.rows {
            let mut cells = vec![row.month.clone()];
            cells.extend(row.amounts.iter().map(ToString::to_string));
            cells.push(row.bought.clone());
            s.row(cells);
        }
        for c in &m.strategies {
            s.notes.push(format!("{}: {}", c.role, label_of(r, &c.id)));
        }
        out.push(s);
    }
    out.push(break_even(r));
    out.push(sensitivity(r));
    out
}

fn ranked(r: &Report) -> Sheet {
    let mut s = Sheet::new([
        "#",
        "strategy",
        "kind",
        "total",
        "per month",
        "per unit",
        "months with unused sub. credits",
        "feasible",
    ])
    .titled(format!(
        "{}: {} months from {} at prices of {}, {} seat{}, {}",
        r.profile,
        r.months,
        r.start,
        r.as_of,
        r.seats,
        if r.seats == 1 { "" } else { "s" },
        r.currency
    ))
    .right_aligned(&[0, 3, 4, 5, 6]);
    for st in &r.strategies {
        s.row([
            st.rank.to_string(),
            st.label.clone(),
            st.kind.as_str().to_string(),
            st.total.to_string(),
            st.average_per_month.to_string(),
            st.per_unit.clone().unwrap_or_else(|| "-".into()),
            st.unused_subscription_months.to_string(),
            feasibility(&st.infeasible_months),
        ]);
    }
    if let Some(best) = r.strategies.first() {
        s.notes.push(format!(
            "Cheapest: {} — {} {} over {} months.",
            best.label, best.total, r.currency, r.months
        ));
    }
    s.notes.push(format!(
        "{} strategies compared in {} independent group{}{}.",
        r.strategy_count,
        r.groups,
        if r.groups == 1 { "" } else { "s" },
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
        .right_aligned(&[0, 3, 4]);
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

/// `yes`, or the months that can't be paid for (the first few).
fn feasibility(months: &[String]) -> String {
    match months.len() {
        0 => "yes".into(),
        1..=3 => format!("no: {}", months.join(", ")),
        n => format!("no: {n} months from {}", months[0]),
    }
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
