//! The hand-laid JSON writer of a large estimate.
//!
//! An estimate of 100,000 items is ~70 MB of pretty JSON. [`write_json`]
//! writes the document without its items through serde, splits it at the
//! `"items": []` marker (JSON strings cannot hold the raw newline it
//! starts with), and writes the items between, in blocks laid out on every
//! core, field by field. Held byte for byte to `serde_json`'s pretty
//! output by `parallel_json_is_byte_for_byte_serde_json` and
//! `every_item_field_is_written_as_serde_json_writes_it` below.

use std::io::Write;

use rayon::prelude::*;
use rust_decimal::Decimal;

use crate::plan::{Estimate, ItemReport};

/// Writes the estimate as pretty JSON — byte for byte what
/// `serde_json::to_writer_pretty` writes, with a final newline — serialising
/// the items on every core. An estimate of 100,000 items is ~70 MB of JSON;
/// this halves the time to write it on two cores.
pub fn write_json<W: Write>(e: &mut Estimate, mut out: W) -> std::io::Result<()> {
    if e.items.len() < BLOCK || rayon::current_num_threads() == 1 {
        serde_json::to_writer_pretty(&mut out, &*e).map_err(std::io::Error::from)?;
        out.write_all(b"\n")?;
        return out.flush();
    }
    let items = std::mem::take(&mut e.items);
    let written = write_json_parts(e, &items, out);
    e.items = items;
    written
}

/// Items per block in [`write_json`].
const BLOCK: usize = 2048;

/// The document with `e`'s (taken out) `items` laid out on every core.
fn write_json_parts<W: Write>(
    e: &Estimate,
    items: &[ItemReport],
    mut out: W,
) -> std::io::Result<()> {
    let head = serde_json::to_string_pretty(e).map_err(std::io::Error::from)?;
    // Strings in JSON cannot hold a raw newline, so this marks the key.
    let marker = "\n  \"items\": []";
    let at = head
        .find(marker)
        .map(|i| i + marker.len() - 1)
        .ok_or_else(|| std::io::Error::other("the estimate document has no `items` key"))?;
    out.write_all(&head.as_bytes()[..at])?;
    out.write_all(b"\n")?;
    // Blocks of BLOCK items laid out on every core a batch at a time, then
    // written in order: memory stays a few MB however long the plan.
    let batch = BLOCK * 2 * rayon::current_num_threads();
    for (b, batch) in items.chunks(batch).enumerate() {
        let blocks: Vec<std::io::Result<Vec<u8>>> = batch
            .par_chunks(BLOCK)
            .map(|mine| {
                let mut buf = Vec::with_capacity(mine.len() * 1024);
                pretty_items(mine, &mut buf).map(|()| buf)
            })
            .collect();
        for (n, buf) in blocks.into_iter().enumerate() {
            if b > 0 || n > 0 {
                out.write_all(b",\n")?;
            }
            out.write_all(&buf?)?;
        }
    }
    out.write_all(b"\n  ")?;
    out.write_all(&head.as_bytes()[at..])?;
    out.write_all(b"\n")?;
    out.flush()
}

/// Items as they sit in the pretty document: each indented by two levels,
/// separated by `,\n`.
fn pretty_items(items: &[ItemReport], out: &mut Vec<u8>) -> std::io::Result<()> {
    for (n, item) in items.iter().enumerate() {
        if n > 0 {
            out.extend_from_slice(b",\n");
        }
        pretty_item(item, out)?;
    }
    Ok(())
}

/// One item as `serde_json::to_writer_pretty` lays it out two levels deep,
/// byte for byte (a test holds the two together), written field by field:
/// the keys are fixed text, so only values are formatted. This is most of
/// the JSON writer's time on a large plan. Destructuring without `..` makes
/// a new report field a compile error here until it is written.
fn pretty_item(item: &ItemReport, out: &mut Vec<u8>) -> std::io::Result<()> {
    let ItemReport {
        name,
        provider,
        model,
        kind,
        spec,
        table,
        count,
        units,
        unit,
        unit_price,
        price_unit,
        credits,
        credit_value,
        credit_value_from,
        base,
        retries,
        total,
        retry_rate,
        per_day,
        days,
        min_seconds,
        max_seconds,
        timing_scope,
        retired,
        swapped_from,
        warnings,
    } = item;
    out.extend_from_slice(b"    {\n      \"name\": ");
    json_str(out, name)?;
    key(out, "provider");
    json_str(out, provider)?;
    key(out, "model");
    json_str(out, model)?;
    key(out, "kind");
    json_str(out, kind.as_str())?;
    key(out, "spec");
    json_str(out, spec)?;
    key(out, "table");
    json_str(out, table)?;
    key(out, "count");
    write!(out, "\"{count}\"")?;
    key(out, "units");
    write!(out, "\"{}\"", units.normalize())?;
    key(out, "unit");
    json_str(out, unit)?;
    key(out, "unit_price");
    write!(out, "\"{}\"", unit_price.normalize())?;
    key(out, "price_unit");
    json_str(out, price_unit)?;
    key(out, "credits");
    json_or_null(out, credits.map(|d| d.normalize()))?;
    key(out, "credit_value");
    json_or_null(out, credit_value.map(|d| d.normalize()))?;
    key(out, "credit_value_from");
    match credit_value_from {
        Some(s) => json_str(out, s)?,
        None => out.extend_from_slice(b"null"),
    }
    key(out, "base");
    write!(out, "\"{base}\"")?;
    key(out, "retries");
    write!(out, "\"{retries}\"")?;
    key(out, "total");
    write!(out, "\"{total}\"")?;
    key(out, "retry_rate");
    write!(out, "\"{}\"", retry_rate.normalize())?;
    for (field, value) in [
        ("per_day", per_day),
        ("days", days),
        ("min_seconds", min_seconds),
        ("max_seconds", max_seconds),
    ] {
        key(out, field);
        match value {
            Some(n) => write!(out, "{n}")?,
            None => out.extend_from_slice(b"null"),
        }
    }
    // The rarely set fields go through serde itself.
    key(out, "timing_scope");
    serde_json::to_writer(&mut *out, timing_scope)?;
    key(out, "retired");
    serde_json::to_writer(&mut *out, retired)?;
    key(out, "swapped_from");
    serde_json::to_writer(&mut *out, swapped_from)?;
    key(out, "warnings");
    if warnings.is_empty() {
        out.extend_from_slice(b"[]");
    } else {
        out.extend_from_slice(b"[");
        for (n, w) in warnings.iter().enumerate() {
            out.extend_from_slice(if n == 0 {
                b"\n        "
            } else {
                b",\n        "
            });
            json_str(out, w)?;
        }
        out.extend_from_slice(b"\n      ]");
    }
    out.extend_from_slice(b"\n    }");
    Ok(())
}

/// `,\n` and a key at the item's field depth.
fn key(out: &mut Vec<u8>, key: &str) {
    out.extend_from_slice(b",\n      \"");
    out.extend_from_slice(key.as_bytes());
    out.extend_from_slice(b"\": ");
}

/// A JSON string: copied as is when nothing in it needs escaping (the usual
/// case), else escaped by serde_json.
fn json_str(out: &mut Vec<u8>, s: &str) -> std::io::Result<()> {
    if s.bytes().any(|b| b < 0x20 || b == b'"' || b == b'\\') {
        serde_json::to_writer(&mut *out, s)?;
    } else {
        out.push(b'"');
        out.extend_from_slice(s.as_bytes());
        out.push(b'"');
    }
    Ok(())
}

fn json_or_null(out: &mut Vec<u8>, d: Option<Decimal>) -> std::io::Result<()> {
    match d {
        Some(d) => write!(out, "\"{d}\""),
        None => {
            out.extend_from_slice(b"null");
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::{self, Options, TimingScope};
    use crate::pricing::fixture_book;

    fn estimate(items: usize) -> Estimate {
        let mut src = String::from("name = \"json \\\"items\\\": []\"\nbudget = 5\n");
        for i in 0..items {
            src.push_str(&format!(
                "[[items]]\nname = \"item {i}\"\nmodel = \"kie/gpt-image-2\"\ncount = {i}\n"
            ));
        }
        let plan = plan::parse("p.toml", &src).unwrap();
        let opts = Options {
            as_of: chrono::NaiveDate::from_ymd_opt(2026, 4, 20).unwrap(),
            budget: None,
            allow_retired: false,
            swaps: vec![],
        };
        plan::estimate(&plan, fixture_book(), &opts).unwrap()
    }

    #[test]
    fn parallel_json_is_byte_for_byte_serde_json() {
        for n in [1, 3, 5000] {
            let mut e = estimate(n);
            let expected = format!("{}\n", serde_json::to_string_pretty(&e).unwrap());
            let mut got = Vec::new();
            write_json(&mut e, &mut got).unwrap();
            assert_eq!(e.items.len(), n, "the items are given back");
            assert_eq!(String::from_utf8(got).unwrap(), expected, "{n} items");
        }
    }

    #[test]
    fn every_item_field_is_written_as_serde_json_writes_it() {
        // The hand-laid item writer against serde on items that set every
        // optional field, in turn, with text that needs escaping.
        let mut e = estimate(BLOCK + 3);
        for (n, i) in e.items.iter_mut().enumerate() {
            if n % 2 == 0 {
                i.name = format!("say \"hi\" \\ tab\t é {n}");
                i.credits = None;
                i.credit_value = None;
                i.credit_value_from = None;
                i.kind = crate::pricing::Kind::Video;
                i.per_day = Some(n as u64);
                i.days = Some(30);
                i.min_seconds = Some(0);
                i.max_seconds = Some(u64::MAX);
                i.timing_scope = Some(if n % 4 == 0 {
                    TimingScope::Day
                } else {
                    TimingScope::Total
                });
                i.retired = chrono::NaiveDate::from_ymd_opt(2026, 9, 24);
                i.swapped_from = Some("openai/sora-2\n".into());
                i.warnings = vec!["one \u{1}".into(), "two".into()];
                i.units = Decimal::new(-1_500, 3);
                i.total = Decimal::new(1_200, 2);
            } else if n % 3 == 0 {
                i.warnings = vec!["only".into()];
            }
        }
        let expected = format!("{}\n", serde_json::to_string_pretty(&e).unwrap());
        let mut got = Vec::new();
        write_json(&mut e, &mut got).unwrap();
        assert_eq!(String::from_utf8(got).unwrap(), expected);
    }
}
