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
    let mut s = Sheet::new([
        "line",
        "name",
        "units a month now",
        "units a month at break-even",
    ])
    .titled("Break-even: best subscription vs best without one")
    .right_aligned(&[0, 2, 3]);
    for u in &b.units_per_month {
        let now = r
            .lines
            .iter()
            .find(|l| l.line == u.line)
            .map_or("", |l| l.average_per_month.as_str());
        s.row([
            u.line.to_string(),
            u.name.clone(),
            format!("{now} {}s", u.unit),
            format!("{} {}s", u.units, u.unit),
        ]);
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
