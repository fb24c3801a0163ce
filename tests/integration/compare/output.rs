//! Output: every format, the monthly detail and the chart as SVG.

use std::fs;

use super::{compare, report};

#[test]
fn table_markdown_and_csv() {
    let r = compare("rollover.toml", &["--monthly"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    for want in [
        "Rollover: 3 months from 2026-01 at prices of 2026-01-01, 1 seat, USD",
        "acme/still pack big",
        "Month by month (USD)",
        "Break-even",
        "Sensitivity",
    ] {
        assert!(r.stdout.contains(want), "{want}\n{}", r.stdout);
    }
    let r = compare("rollover.toml", &["--format", "markdown"]);
    assert!(
        r.stdout
            .contains("| 1 | acme/still pack big | packs | 24.00 | 8.00 | 0.0407 | 0 | yes |"),
        "{}",
        r.stdout
    );
    let r = compare("rollover.toml", &["--format", "csv"]);
    let first = r.stdout.lines().next().unwrap();
    assert_eq!(
        first,
        "#,strategy,kind,total,per month,per unit,months with unused sub. credits,feasible"
    );
    assert!(
        r.stdout
            .contains("\n1,acme/still pack big,packs,24.00,8.00,0.0407,0,yes\n"),
        "{}",
        r.stdout
    );
}

#[test]
fn json_document() {
    let r = report("rollover.toml", &["--monthly"]);
    assert_eq!(r["schema"], "genbudget.compare/1");
    assert_eq!(r["currency"], "USD");
    assert_eq!(r["months"], 3);
    assert_eq!(r["month_labels"][2], "2026-03");
    let s = &r["strategies"][0];
    for field in [
        "id",
        "options",
        "total",
        "per_month",
        "feasible",
        "infeasible_months",
    ] {
        assert!(!s[field].is_null(), "{field}");
    }
    assert_eq!(s["options"][0]["unit_price"], "10");
    assert_eq!(s["options"][0]["price_unit"], "acme-credit");
    let monthly = &r["monthly"];
    assert_eq!(monthly["strategies"][0]["role"], "best");
    assert_eq!(monthly["rows"][0]["amounts"][0], "12.00");
    assert_eq!(monthly["rows"][0]["bought"], "1× big");
    assert_eq!(r["sensitivity"].as_array().unwrap().len(), 5);
    assert!(r["best_by_kind"].as_array().unwrap().len() == 3);
}

#[test]
fn chart_is_svg_with_a_line_per_leading_strategy_and_labelled_axes() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("chart.svg");
    let chart = path.display().to_string();
    let r = compare("rollover.toml", &["--chart", &chart]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let text = fs::read_to_string(&path).unwrap();
    let doc = roxmltree::Document::parse(&text).expect("the chart is well-formed XML");
    assert_eq!(doc.root_element().tag_name().name(), "svg");
    // Strategy lines are the thick polylines; each strategy has one colour
    // (its curve and its legend swatch).
    let mut colours: Vec<&str> = doc
        .descendants()
        .filter(|n| n.has_tag_name("polyline") && n.attribute("stroke-width") == Some("3"))
        .filter_map(|n| n.attribute("stroke"))
        .collect();
    colours.sort_unstable();
    colours.dedup();
    // rollover.toml's leaders: best packs-kind, subscription and pay-as-you-go.
    assert_eq!(colours.len(), 3, "{colours:?}");
    let texts: Vec<String> = doc
        .descendants()
        .filter(|n| n.has_tag_name("text"))
        .map(|n| n.text().unwrap_or("").trim().to_string())
        .collect();
    for want in [
        "Average monthly cost (USD)",
        "Steady volume (images per month, all lines)",
        "packs — acme/still pack big",
        "subscription — acme/still subscription basic",
        "pay-as-you-go — acme/still-api pay-as-you-go",
    ] {
        assert!(texts.iter().any(|t| t == want), "{want} not in {texts:?}");
    }
    assert!(
        texts.iter().any(|t| t.starts_with("break-even: ")),
        "{texts:?}"
    );
}

#[test]
fn chart_of_mixed_units_shows_the_factor_and_where_credits_run_out() {
    // The daily engine's lines count images and clips, so x is the factor
    // of the average month (10,810 / 12 = 900.8 images, 1,440 / 12 = 120
    // clips); Pro's curve ends at 125 / 120 = 1.0416× with a note, and the
    // break-even sits at 0.8333× (see examples.rs for the working).
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("daily.svg");
    let chart = path.display().to_string();
    let r = crate::common::run(&[
        "compare",
        "examples/compare-daily-content-engine.toml",
        "--chart",
        &chart,
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let text = fs::read_to_string(&path).unwrap();
    let doc = roxmltree::Document::parse(&text).expect("well-formed XML");
    let root = doc.root_element();
    // The legend sits below the plot, so the picture is taller than 600.
    assert_eq!(root.attribute("width"), Some("1000"));
    assert!(root.attribute("height").unwrap().parse::<u32>().unwrap() > 600);
    let texts: Vec<String> = doc
        .descendants()
        .filter(|n| n.has_tag_name("text"))
        .map(|n| n.text().unwrap_or("").trim().to_string())
        .collect();
    for want in [
        "Steady volume (× your average month; 1× = 900.8 images + 120 clips a month)",
        "Average monthly cost (USD)",
        "credits run out",
        "break-even",
        "break-even: 0.8333× your average month",
        "your average month",
        "1×",
        "subscription — openai/gpt-image-2 pay-as-you-go + chatgpt/sora subscription pro",
    ] {
        assert!(texts.iter().any(|t| t == want), "{want} not in {texts:?}");
    }
}
