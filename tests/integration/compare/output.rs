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
        "#,strategy,kind,total,per month,per unit,unused sub. months,feasible"
    );
    assert!(
        r.stdout
            .contains("\n1,acme/still pack big,packs,24.00,8.00,0.0407,0,true\n"),
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
    let r = crate::common::run(&super::examples::on_examples_book(&[
        "compare",
        "examples/compare-daily-content-engine.toml",
        "--chart",
        &chart,
    ]));
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

#[test]
fn totals_are_exact_sums_rounded_once() {
    // 0.05 images × 0.08 = 0.004 a month: each month is 0.00 in JSON (the
    // per-month figures are rounded), but the year is 12 × 0.004 = 0.048,
    // rounded once to 0.05 — not 12 × 0.00.
    let v = report("small-months.toml", &[]);
    let s = &v["strategies"][0];
    assert_eq!(s["per_month"][0], "0.00");
    assert_eq!(s["total"], "0.05");
    // Average 0.048 / 12 = 0.004 → 0.00 (a rounded figure in JSON).
    assert_eq!(s["average_per_month"], "0.00");
    // The table shows no false zero: the total is 0.05, the average month
    // 0.004 shown as 0.0040, and with --monthly each month 0.0040, with a
    // note that the months as shown (12 × 0.0040 = 0.048) differ from the
    // total.
    let r = compare("small-months.toml", &["--monthly"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let row = r
        .stdout
        .lines()
        .find(|l| l.contains("acme/still-api pay-as-you-go"))
        .unwrap();
    assert!(row.contains(" 0.05 ") && row.contains(" 0.0040 "), "{row}");
    let may = r.stdout.lines().find(|l| l.contains("2026-05 ")).unwrap();
    assert!(may.contains("0.0040"), "{may}");
    assert!(
        r.stdout.contains(
            "note: best's months as shown are rounded and add up to 0.048 USD; its total 0.05 is the exact sum, rounded once"
        ),
        "{}",
        r.stdout
    );
}

#[test]
fn infeasible_months_are_listed_as_they_are_and_set_apart() {
    // Months 1, 3, 4 and 6 need 7 clips (700 credits) of the 600 a month:
    // not "4 months from 2026-01" but each run as it is.
    let v = report("sparse-infeasible.toml", &[]);
    let s = &v["strategies"][0];
    assert_eq!(s["feasible"], false);
    assert_eq!(
        s["infeasible_months"],
        serde_json::json!(["2026-01", "2026-03", "2026-04", "2026-06"])
    );
    let r = compare("sparse-infeasible.toml", &[]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    // 6 months × 30.00 = 180.00, in parentheses: not comparable with a
    // feasible total.
    assert!(
        r.stdout.contains("(180.00)") && r.stdout.contains("no: 2026-01, 2026-03–2026-04, 2026-06"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout
            .contains("No strategy can pay for every month's work"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout
            .contains("Totals in parentheses are infeasible strategies"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout
            .contains("1 strategy compared in 1 independent group."),
        "{}",
        r.stdout
    );
}

#[test]
fn the_chart_is_svg_or_refused_and_says_when_there_is_no_break_even() {
    let dir = tempfile::tempdir().unwrap();
    // Any other extension is refused before any work, exit 2.
    for name in ["chart.png", "chart", "chart.svg.png"] {
        let path = dir.path().join(name);
        let p = path.display().to_string();
        let r = compare("small-months.toml", &["--chart", &p]);
        assert_eq!(r.code, 2, "{name}");
        assert!(
            r.stderr
                .contains("the chart is written as SVG; give a file name ending in .svg"),
            "{}",
            r.stderr
        );
        assert!(!path.exists(), "{name}");
    }
    // Pay-as-you-go only: no subscription, so no break-even; the chart
    // says so in its legend rather than leaving the reader to look for one.
    let path = dir.path().join("chart.SVG");
    let p = path.display().to_string();
    let r = compare("small-months.toml", &["--chart", &p]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let svg = fs::read_to_string(&path).unwrap();
    assert!(
        svg.contains("no break-even: no strategy uses a subscription"),
        "{svg}"
    );
}

#[test]
fn a_profile_can_come_from_standard_input() {
    use std::io::Write;
    use std::process::Stdio;
    let text = fs::read_to_string(format!("{}/small-months.toml", super::PROFILES)).unwrap();
    let mut child = crate::common::cmd(&[
        "--no-builtin-pricing",
        "--pricing",
        "tests/fixtures/compare-book",
        "compare",
        "-",
        "--format",
        "json",
    ])
    .stdin(Stdio::piped())
    .stdout(Stdio::piped())
    .stderr(Stdio::piped())
    .spawn()
    .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(text.as_bytes())
        .unwrap();
    let r: crate::common::Run = child.wait_with_output().unwrap().into();
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    // The same report as from the file: 12 × 0.004 = 0.048 → 0.05.
    assert_eq!(v["profile"], "Small months");
    assert_eq!(v["strategies"][0]["total"], "0.05");
}
