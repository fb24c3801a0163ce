//! `--format html` of `estimate` and `compare`: one self-contained page
//! (nothing from another origin, no script), the report's figures, the
//! verdict in words, a print stylesheet, and every user-supplied string
//! escaped. The pages are also rendered in a real browser
//! (`serve::browser`'s sibling test `html_reports_render_in_chromium`).

use crate::common;

/// The page `genbudget ARGS --format html` writes (asserting exit `code`).
fn page(args: &[&str], code: i32) -> String {
    let mut all = args.to_vec();
    all.extend(["--format", "html"]);
    let r = common::run(&all);
    assert_eq!(r.code, code, "{args:?}: {}", r.stderr);
    r.stdout
}

/// Nothing is fetched from anywhere: no script, no external address (the
/// SVG namespace is a name, not a request).
fn self_contained(html: &str) {
    assert!(html.starts_with("<!DOCTYPE html>"), "{}", &html[..40]);
    assert!(
        !html.to_lowercase().contains("<script"),
        "a script in the page"
    );
    let outside = html.replace("http://www.w3.org/2000/svg", "");
    // (maud always quotes attributes, so an attribute reads `src="`.)
    for bad in [
        "http://", "https://", "src=\"", "href=\"", "@import", "url(",
    ] {
        assert!(!outside.contains(bad), "the page holds `{bad}`");
    }
    assert!(
        html.contains("@media print") && html.contains("@page"),
        "no print stylesheet"
    );
}

#[test]
fn an_estimate_page_holds_its_figures_and_verdict_and_nothing_from_outside() {
    // spring-launch: 1,914 kie credits × 0.005 = 9.57 USD; + 10% = 10.53 of
    // a 15.00 budget: 4.47 left.
    let html = page(&["estimate", "examples/spring-launch.toml"], 0);
    self_contained(&html);
    assert!(html.contains("<title>Spring collection launch (10 SKUs) — estimate</title>"));
    assert!(html.contains(r#"<p class="verdict ok" role="status"><strong>Within budget</strong>: total 10.53 USD, 4.47 USD left of 15.00 USD.</p>"#), "{html}");
    for item in ["Hero shots", "Lifestyle scenes", "Banners", "Thumbnails"] {
        assert!(html.contains(&format!("<td>{item}</td>")), "{item}");
    }
    // The bar by model: all 9.57 USD on kie/gpt-image-2, a full-length bar.
    assert!(html.contains(r#"<span class="label" role="listitem">kie/gpt-image-2</span>"#));
    assert!(html.contains(r#"width="100.00""#) && html.contains("9.57 USD"));

    // Over budget: the verdict says so in words, with its class.
    let over = page(
        &["estimate", "examples/spring-launch.toml", "--budget", "10"],
        1,
    );
    assert!(over.contains(r#"<p class="verdict over" role="status"><strong>Over budget</strong>: total 10.53 USD is 0.53 USD over the budget of 10.00 USD.</p>"#), "{over}");
}

#[test]
fn hostile_names_are_shown_as_text_never_as_markup() {
    let dir = tempfile::tempdir().unwrap();
    let plan = dir.path().join("hostile.toml");
    // The plan's name ends in right-to-left override text (U+202E … U+202C),
    // written as TOML escapes.
    std::fs::write(
        &plan,
        r#"name = "<script>alert('plan')</script> & \"quotes\" \u202ERTL\u202C"
as_of = 2026-04-20
budget = "1000"

[[items]]
name = "<img src=x onerror=alert(1)>"
model = "kie/gpt-image-2"
count = 2
quality = "low"
size = "1024x1024"
"#,
    )
    .unwrap();
    let html = page(&["estimate", plan.to_str().unwrap()], 0);
    self_contained(&html);
    assert!(html.contains("&lt;script&gt;alert('plan')&lt;/script&gt; &amp; &quot;quotes&quot; \u{202e}RTL\u{202c}"), "{html}");
    assert!(
        html.contains("<td>&lt;img src=x onerror=alert(1)&gt;</td>"),
        "{html}"
    );
    assert!(!html.contains("<img"), "an element was injected");

    let profile = dir.path().join("hostile-profile.toml");
    std::fs::write(
        &profile,
        r#"name = "<b>bold</b> & <script>x</script>"
as_of = 2026-04-21
start = "2026-05"

[[usage]]
name = "</td><script>alert(2)</script>"
model = "kie/gpt-image-2"
quality = "medium"
size = "1024x1024"
per_month = [100, 100]
"#,
    )
    .unwrap();
    let html = page(&["compare", profile.to_str().unwrap()], 0);
    self_contained(&html);
    assert!(
        html.contains("&lt;b&gt;bold&lt;/b&gt; &amp; &lt;script&gt;x&lt;/script&gt;"),
        "{html}"
    );
    assert!(
        !html.contains("<b>bold"),
        "markup from the profile got through"
    );
}

#[test]
fn a_compare_page_says_which_way_to_pay_and_why_with_its_chart() {
    let html = page(
        &["compare", "examples/compare-daily-content-engine.toml"],
        0,
    );
    self_contained(&html);
    // The same winner and totals as the JSON report.
    let (_, json) = common::run_json(&[
        "compare",
        "examples/compare-daily-content-engine.toml",
        "--format",
        "json",
    ]);
    let best_id = json["best"].as_str().unwrap();
    let strategies = json["strategies"].as_array().unwrap();
    let best = strategies.iter().find(|s| s["id"] == best_id).unwrap();
    let second = strategies
        .iter()
        .filter(|s| s["feasible"] == true)
        .nth(1)
        .unwrap();
    let (b, n) = (
        best["total"].as_str().unwrap(),
        second["total"].as_str().unwrap(),
    );
    let less: rust_decimal::Decimal =
        n.parse::<rust_decimal::Decimal>().unwrap() - b.parse::<rust_decimal::Decimal>().unwrap();
    let label = best["label"].as_str().unwrap();
    let words = format!("<strong>Best way to pay</strong>: {label} — {b} USD over 12 months");
    assert!(html.contains(&words), "lacks `{words}`");
    assert!(
        html.contains(&format!(
            "It costs {less} USD less than the next best, {}.",
            second["label"].as_str().unwrap()
        )),
        "{html}"
    );
    // The break-even chart is inline SVG.
    assert!(
        html.contains("<svg") && html.contains("break-even"),
        "no chart"
    );
    // Refused elsewhere, with exit 2.
    let r = common::run(&["rates", "list", "--format", "html"]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr
            .contains("only `estimate` and `compare` write an HTML page"),
        "{}",
        r.stderr
    );
}
