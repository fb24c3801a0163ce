//! Sheets for the `rates` reports (JSON is the reports themselves).
//!
//! Tables and markdown are for people (`0.5–8`, `—`, `+5.2%`); CSV is for
//! machines: a price range is two columns, `low` and `high`, a missing
//! value is an empty cell, and a change is a plain number.

use super::{Format, Sheet};
use crate::money::plain;
use crate::pricing::check::CheckReport;
use crate::pricing::diff::DiffReport;
use crate::pricing::import::ImportReport;
use crate::pricing::listing::{ListReport, ShowReport};

/// `rates list`.
pub fn list(r: &ListReport, format: Format) -> Vec<Sheet> {
    if format == Format::Csv {
        let mut s = Sheet::new([
            "provider", "model", "kind", "low", "high", "unit", "per", "table", "retired",
        ]);
        for m in &r.models {
            s.row([
                m.provider.clone(),
                m.model.clone(),
                m.kind.to_string(),
                plain(m.low),
                plain(m.high),
                m.unit.clone(),
                m.per.to_string(),
                m.table.clone(),
                m.retired.map(|d| d.to_string()).unwrap_or_default(),
            ]);
        }
        return vec![s];
    }
    let mut s = Sheet::new([
        "provider", "model", "kind", "price", "unit", "per", "table", "retired",
    ])
    .titled(format!(
        "Models offered on {} ({})",
        r.as_of,
        super::plural(r.models.len(), "model", "models")
    ))
    .right_aligned(&[3])
    .optional(&[6, 5]);
    for m in &r.models {
        let price = if m.low == m.high {
            plain(m.low)
        } else {
            format!("{}–{}", plain(m.low), plain(m.high))
        };
        s.row([
            m.provider.clone(),
            m.model.clone(),
            m.kind.to_string(),
            price,
            m.unit.clone(),
            m.per.to_string(),
            m.table.clone(),
            m.retired.map(|d| d.to_string()).unwrap_or_default(),
        ]);
    }
    vec![s]
}

/// `rates show`.
pub fn show(r: &ShowReport) -> Vec<Sheet> {
    let unit = r.price_unit.clone().unwrap_or_else(|| r.currency.clone());
    let mut title = format!(
        "{}/{} ({}) — prices in {unit} from {} as of {}",
        r.provider, r.model, r.kind, r.table, r.as_of
    );
    if r.status == "retired" {
        title.push_str(&format!(
            " — RETIRED on {}",
            r.retired.map(|d| d.to_string()).unwrap_or_default()
        ));
    }
    let mut prices = Sheet::new(["price", "amount"])
        .titled(title)
        .right_aligned(&[1]);
    for p in &r.prices {
        prices.row([p.price.clone(), plain(p.amount)]);
    }
    if !r.aliases.is_empty() {
        prices
            .notes
            .push(format!("aliases: {}", r.aliases.join(", ")));
    }
    if !r.durations.is_empty() {
        let d: Vec<String> = r.durations.iter().map(|d| format!("{d} s")).collect();
        prices.notes.push(format!("clip lengths: {}", d.join(", ")));
    }
    if let Some(l) = &r.limits {
        let mut parts = Vec::new();
        if let Some(c) = l.concurrent_jobs {
            parts.push(format!("{c} concurrent jobs"));
        }
        if let Some((a, b)) = l.latency_seconds {
            parts.push(format!("{a}–{b} s per job"));
        }
        if let Some(rpm) = l.rpm {
            parts.push(format!("{rpm} requests/minute"));
        }
        prices.notes.push(format!("limits: {}", parts.join(", ")));
    }
    if let (Some(d), "active") = (r.retired, r.status) {
        prices.notes.push(format!("retires on {d}"));
    }
    if let Some(c) = &r.credit_unit {
        prices.notes.push(format!(
            "credit unit {} ({}): {} per credit",
            c.id,
            c.name,
            c.value_per_credit
                .clone()
                .unwrap_or_else(|| "no money value".into())
        ));
        for p in c.packs.iter().chain(&c.subscriptions) {
            prices.notes.push(format!("  {p}"));
        }
    }
    prices.notes.push(format!("source: {}", r.source));
    if let Some(n) = &r.notes {
        prices.notes.push(format!("notes: {n}"));
    }
    let mut versions = Sheet::new(["table", "effective", "change"]).titled("Versions");
    for v in &r.versions {
        versions.row([
            v.table.clone(),
            v.effective.to_string(),
            v.change.to_string(),
        ]);
    }
    vec![prices, versions]
}

/// `rates diff`.
pub fn diff(r: &DiffReport, format: Format) -> Vec<Sheet> {
    let csv = format == Format::Csv;
    let mut models = Sheet::new(["change", "provider", "model", "kind", "table"]).titled(format!(
        "Models added and removed between {} and {}",
        r.from, r.to
    ));
    for m in &r.added {
        models.row([
            "added".into(),
            m.provider.clone(),
            m.model.clone(),
            m.kind.clone(),
            m.table.clone(),
        ]);
    }
    for m in &r.removed {
        models.row([
            "removed".into(),
            m.provider.clone(),
            m.model.clone(),
            m.kind.clone(),
            m.table.clone(),
        ]);
    }
    let change = if csv { "change_pct" } else { "change" };
    let mut prices = Sheet::new(["provider", "model", "price", "unit", "old", "new", change])
        .titled(format!("Prices changed between {} and {}", r.from, r.to))
        .right_aligned(&[4, 5, 6]);
    let none = if csv { "" } else { "—" };
    let show = |d: Option<rust_decimal::Decimal>| d.map(plain).unwrap_or_else(|| none.into());
    for c in &r.changed {
        let pct = match (c.change_pct, c.old, c.new) {
            (Some(p), _, _) if csv => p.to_string(),
            _ if csv => String::new(),
            (Some(p), _, _) if p.is_sign_positive() && !p.is_zero() => format!("+{p}%"),
            (Some(p), _, _) => format!("{p}%"),
            (None, None, _) => "new".into(),
            (None, _, None) => "dropped".into(),
            _ => "—".into(),
        };
        prices.row([
            c.provider.clone(),
            c.model.clone(),
            c.price.clone(),
            c.unit.clone(),
            show(c.old),
            show(c.new),
            pct,
        ]);
    }
    for (sheet, what) in [
        (&mut models, "models added or removed"),
        (&mut prices, "prices changed"),
    ] {
        if sheet.rows.is_empty() {
            // A table of no rows is left out for people; CSV keeps its header.
            if !csv {
                sheet.headers.clear();
            }
            sheet.title = Some(format!("No {what} between {} and {}", r.from, r.to));
        }
    }
    vec![models, prices]
}

/// `rates import`: what was written per provider, and what was skipped.
pub fn import(r: &ImportReport) -> Vec<Sheet> {
    let mut written = Sheet::new(["provider", "file", "models", "image", "video", "text"])
        .titled(format!(
            "{} models imported from {} ({} entries), effective {}",
            r.imported, r.file, r.entries, r.effective
        ))
        .right_aligned(&[2, 3, 4, 5]);
    for p in &r.providers {
        written.row([
            p.provider.clone(),
            p.file.clone(),
            p.models.to_string(),
            p.image.to_string(),
            p.video.to_string(),
            p.text.to_string(),
        ]);
    }
    let mut skipped = Sheet::new(["reason", "entries", "example", "why"])
        .titled(format!("{} entries skipped", r.skipped.len()))
        .right_aligned(&[1]);
    for (reason, n) in &r.skipped_by_reason {
        let ex = r.skipped.iter().find(|s| s.reason == *reason);
        skipped.row([
            reason.to_string(),
            n.to_string(),
            ex.map(|s| s.key.clone()).unwrap_or_default(),
            ex.map(|s| s.detail.clone()).unwrap_or_default(),
        ]);
    }
    skipped
        .notes
        .push("Every skipped entry, with why: --format json (`skipped`).".into());
    vec![written, skipped]
}

/// `rates check`.
pub fn check(r: &CheckReport, format: Format) -> Vec<Sheet> {
    let mut s = Sheet::new(["file", "line", "column", "field", "problem"]).titled(if r.ok {
        format!(
            "ok: {}, {} checked in {}",
            super::plural(r.tables, "table", "tables"),
            super::plural(r.models, "model", "models"),
            r.checked.join(", ")
        )
    } else {
        format!(
            "{} in {}",
            super::plural(r.problems.len(), "problem", "problems"),
            r.checked.join(", ")
        )
    });
    if r.ok && format != Format::Csv {
        // Nothing to tabulate for people: the title line says it all. CSV
        // keeps its header row, so a machine reads an empty list.
        s.headers.clear();
    }
    for p in &r.problems {
        s.row([
            p.file.clone(),
            p.line.map(|l| l.to_string()).unwrap_or_default(),
            p.column.map(|l| l.to_string()).unwrap_or_default(),
            p.field.clone().unwrap_or_default(),
            p.message.clone(),
        ]);
    }
    let mut out = vec![s];
    if let Some(days) = r.stale_after_days {
        let mut st = Sheet::new(["provider", "newest table", "age (days)"])
            .titled(if r.stale.is_empty() {
                format!("no provider's newest table is older than {days} days")
            } else {
                format!(
                    "{} provider(s) with no table in the last {days} days",
                    r.stale.len()
                )
            })
            .right_aligned(&[2]);
        for x in &r.stale {
            st.row([
                x.provider.clone(),
                x.newest.to_string(),
                x.age_days.to_string(),
            ]);
        }
        if st.rows.is_empty() {
            st.headers.clear();
        }
        out.push(st);
    }
    out
}
