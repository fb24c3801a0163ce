//! Writing a table file's text from imported models (`rates import`).
//!
//! The text follows the format in docs/pricing-tables.md: prices as quoted
//! exact decimal strings, model ids quoted as TOML keys, one
//! `[models."<id>"]` section per model. Whatever is written here is parsed
//! back by `validate.rs` before it reaches the disk.

use std::fmt::Write as _;

use chrono::NaiveDate;
use rust_decimal::Decimal;

use super::import::{ImportedImage, ImportedTable};

/// The whole table file for `t`, effective `effective`.
pub fn render(t: &ImportedTable, effective: NaiveDate, file: &str) -> String {
    let mut out = String::new();
    let mut sources = vec![
        "LiteLLM model_prices_and_context_window.json (https://github.com/BerriAI/litellm)"
            .to_string(),
    ];
    sources.extend(t.sources.iter().cloned());
    let _ = writeln!(out, "schema = 1");
    let _ = writeln!(out, "provider = {}", quote(&t.provider));
    let _ = writeln!(out, "effective = {effective}");
    let _ = writeln!(out, "currency = \"USD\"");
    let _ = writeln!(out, "source = {}", quote(&sources.join(", ")));
    let _ = writeln!(out, "retrieved = {effective}");
    let _ = writeln!(
        out,
        "notes = {}",
        quote(&format!(
            "Imported by `genbudget rates import litellm` from {file} (LiteLLM provider `{}`). LiteLLM gives no date a price began, so the table is effective on the day of the import. Check prices against the vendor's page before relying on them.",
            t.provider
        ))
    );
    for (id, m) in &t.models {
        let _ = writeln!(out, "\n[models.{}]", quote(id));
        let _ = writeln!(out, "kind = \"{}\"", m.kind);
        if !m.aliases.is_empty() {
            let names: Vec<String> = m.aliases.iter().map(|a| quote(a)).collect();
            let _ = writeln!(out, "aliases = [{}]", names.join(", "));
        }
        if let Some(r) = m.retired {
            let _ = writeln!(out, "retired = {r}");
        }
        if !m.tokens.is_empty() {
            let _ = writeln!(out, "tokens = {}", inline(&m.tokens));
        }
        if let Some((above, prices)) = &m.long_context {
            let mut body = format!("{{ above = {above}");
            for (k, p) in prices {
                let _ = write!(body, ", {k} = {}", price(*p));
            }
            body.push_str(" }");
            let _ = writeln!(out, "long_context = {body}");
        }
        match &m.image {
            Some(ImportedImage::Single(p)) => {
                let _ = writeln!(out, "image = {}", price(*p));
            }
            Some(ImportedImage::BySize(_)) | None => {}
        }
        if let Some(rows) = &m.video {
            match rows.as_slice() {
                [(None, p)] => {
                    let _ = writeln!(out, "video = {}", price(*p));
                }
                _ => {
                    let cells: Vec<String> = rows
                        .iter()
                        .filter_map(|(s, p)| s.map(|s| format!("\"{s}\" = {}", price(*p))))
                        .collect();
                    let _ = writeln!(out, "video = {{ {} }}", cells.join(", "));
                }
            }
        }
        if !m.notes.is_empty() {
            let _ = writeln!(out, "notes = {}", quote(&m.notes.join(" ")));
        }
        if let Some(ImportedImage::BySize(qualities)) = &m.image {
            let _ = writeln!(out, "\n[models.{}.image]", quote(id));
            for (q, sizes) in qualities {
                let cells: Vec<String> = sizes
                    .iter()
                    .map(|(s, p)| format!("\"{s}\" = {}", price(*p)))
                    .collect();
                let _ = writeln!(out, "{} = {{ {} }}", quote(q), cells.join(", "));
            }
        }
    }
    out
}

fn inline(prices: &[(&str, Decimal)]) -> String {
    let cells: Vec<String> = prices
        .iter()
        .map(|(k, p)| format!("{k} = {}", price(*p)))
        .collect();
    format!("{{ {} }}", cells.join(", "))
}

fn price(d: Decimal) -> String {
    format!("\"{}\"", d.normalize())
}

/// A TOML basic string.
fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{:04X}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pricing::import::ImportedModel;
    use crate::pricing::{Expect, ImagePrices, QualityPrice, parse_table};
    use rust_decimal_macros::dec;
    use std::collections::BTreeMap;

    #[test]
    fn written_text_reads_back_as_the_same_prices() {
        let size = crate::pricing::Size::parse("1024x1536").unwrap();
        let mut models = BTreeMap::new();
        models.insert(
            "img.1".to_string(),
            ImportedModel {
                kind: "image",
                retired: NaiveDate::from_ymd_opt(2027, 1, 2),
                tokens: vec![("text_input", dec!(5))],
                image: Some(ImportedImage::BySize(BTreeMap::from([(
                    "high".to_string(),
                    BTreeMap::from([(size, dec!(0.249999999369216))]),
                )]))),
                notes: vec!["a \"quoted\" note\\".into()],
                ..ImportedModel::default()
            },
        );
        let t = ImportedTable {
            provider: "acme".into(),
            models,
            sources: vec!["https://example.com/p".into()],
        };
        let day = NaiveDate::from_ymd_opt(2026, 11, 26).unwrap();
        let text = render(&t, day, "prices.json");
        let table = parse_table(
            "x.toml",
            &text,
            Some(Expect {
                folder: "acme",
                stem: "2026-11-26",
            }),
        )
        .unwrap();
        let m = &table.models["img.1"];
        assert_eq!(m.retired, NaiveDate::from_ymd_opt(2027, 1, 2));
        assert_eq!(m.notes.as_deref(), Some("a \"quoted\" note\\"));
        assert_eq!(
            m.image,
            Some(ImagePrices::ByQuality(vec![(
                "high".into(),
                QualityPrice::BySize(vec![(size, dec!(0.249999999369216))])
            )]))
        );
        assert!(table.source.contains("https://example.com/p"));
    }
}
