//! Transcripts of the shipped examples (`examples/compare-*.toml`) on a
//! frozen copy of the shipped price tables they use
//! (`tests/fixtures/examples-book/`, copied from `pricing/` on 2026-11-26,
//! so a price update does not break them), with `GENBUDGET_NOW` fixed (the
//! profiles carry their own `as_of = 2026-04-21`, so the clock only has to
//! be still).
//!
//! Prices used, all in force on 2026-04-21 (chatgpt/sora retires
//! 2026-04-26, so the profiles are dated just before):
//!
//! - kie/gpt-image-2: 12 KIE credits an image; one pack, 1,000 credits for
//!   5.00, no expiry (so leftovers serve every later month).
//! - openai/gpt-image-2: 0.053 an image at medium 1024x1024, 0.211 at high.
//! - chatgpt/sora: 16 Sora credits a second at 1280x720 = 80 credits a 5 s
//!   clip; sold only by subscription, per seat, no rollover: plus 20.00 for
//!   1,000 credits (12.5 clips), pro 200.00 for 10,000 (125 clips).
//! - google/veo-3.1-generate-001-audio: 0.40 a second at 1280x720 = 2.00 a
//!   5 s clip.

use std::fs;

use crate::common::{Run, root, run, run_json};
use serde_json::Value;

/// The frozen copy of the price tables the examples use.
pub const EXAMPLES_BOOK: &str = "tests/fixtures/examples-book";

/// `args` after the flags that read the frozen tables only.
pub fn on_examples_book<'a>(args: &[&'a str]) -> Vec<&'a str> {
    let mut all = vec!["--no-builtin-pricing", "--pricing", EXAMPLES_BOOK];
    all.extend_from_slice(args);
    all
}

fn transcript(file: &str, extra: &[&str]) -> Run {
    let mut args = on_examples_book(&["compare", file]);
    args.extend_from_slice(extra);
    let r = run(&args);
    assert_eq!(r.code, 0, "{file}: {}", r.stderr);
    // Sora's ChatGPT credits ended 2026-04-26, before the 2026-05 horizon:
    // compare says so (and nothing else).
    assert_eq!(
        r.stderr, SORA_GONE,
        "{file}: only the Sora warning expected"
    );
    r
}

/// The one warning every example prints: chatgpt/sora retired 2026-04-26.
const SORA_GONE: &str = "warning: chatgpt/sora retires on 2026-04-26, before the horizon begins (2026-05); it is priced as if it stayed\n";

fn json(file: &str) -> Value {
    let (r, v) = run_json(&on_examples_book(&["compare", file, "--format", "json"]));
    assert_eq!(r.code, 0, "{file}: {}", r.stderr);
    v
}

/// (rank, id, total) of every listed strategy.
fn ranked(v: &Value) -> Vec<(u64, String, String)> {
    v["strategies"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["rank"].as_u64().unwrap(),
                s["id"].as_str().unwrap().to_string(),
                s["total"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn sensitivity(v: &Value) -> Vec<(String, String, String)> {
    v["sensitivity"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| {
            (
                x["factor"].as_str().unwrap().to_string(),
                x["kind"].as_str().unwrap().to_string(),
                x["total"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_str().unwrap().to_string())
        .collect()
}

fn owned(v: &[(u64, &str, &str)]) -> Vec<(u64, String, String)> {
    v.iter()
        .map(|(a, b, c)| (*a, b.to_string(), c.to_string()))
        .collect()
}

const KIE_PACKS: &str = "kie/gpt-image-2 pack pack-1000";
const OPENAI: &str = "openai/gpt-image-2 pay-as-you-go";
const VEO: &str = "google/veo-3.1-generate-001-audio pay-as-you-go";
const PRO: &str = "chatgpt/sora subscription pro";
const PLUS: &str = "chatgpt/sora subscription plus";

#[test]
fn quarterly_sprints_packs_win() {
    // Stills 145, 160, 150, 170 in May, Aug, Nov, Feb (625 images); clips
    // 12, 15, 14, 16 (57 clips); nothing in the other eight months.
    //
    // KIE packs: 1,740 credits in May → 2 packs (10.00), 260 left; Aug
    //   1,920 − 260 = 1,660 → 2 packs, 340 left; Nov 1,800 − 340 = 1,460 → 2,
    //   540 left; Feb 2,040 − 540 = 1,500 → 2, 500 left. 8 packs = 40.00.
    // OpenAI high: 145 × 0.211 = 30.595 → 30.60, 160 → 33.76, 150 → 31.65,
    //   170 → 35.87: 131.88.
    // Veo: 57 × 2.00 = 114.00 (24, 30, 28, 32).
    // Pro: 12 × 200.00 = 2,400.00. Plus: 12 × 20.00 = 240.00, but 15, 14
    //   and 16 clips need 1,200, 1,120 and 1,280 credits > 1,000: infeasible
    //   in Aug, Nov and Feb.
    let v = json("examples/compare-quarterly-sprints.toml");
    let best = format!("{KIE_PACKS} + {VEO}");
    assert_eq!(v["best"], best.as_str());
    assert_eq!(v["strategies"][0]["kind"], "packs");
    assert_eq!(
        ranked(&v),
        owned(&[
            (1, &best, "154.00"),                            // 40 + 114
            (2, &format!("{OPENAI} + {VEO}"), "245.88"),     // 131.88 + 114
            (3, &format!("{KIE_PACKS} + {PRO}"), "2440.00"), // 40 + 2,400
            (4, &format!("{OPENAI} + {PRO}"), "2531.88"),    // 131.88 + 2,400
            (5, &format!("{KIE_PACKS} + {PLUS}"), "280.00"), // infeasible
            (6, &format!("{OPENAI} + {PLUS}"), "371.88"),    // infeasible
        ])
    );
    // May: 10.00 + 24.00; Aug: 10 + 30; Nov: 10 + 28; Feb: 10 + 32.
    let months = strings(&v["strategies"][0]["per_month"]);
    assert_eq!(
        months,
        [
            "34.00", "0.00", "0.00", "40.00", "0.00", "0.00", "38.00", "0.00", "0.00", "42.00",
            "0.00", "0.00"
        ]
    );
    assert_eq!(
        strings(&v["strategies"][4]["infeasible_months"]),
        ["2026-08", "2026-11", "2027-02"]
    );
    // Break-even: both sides buy the same KIE packs, so only the clips
    // differ: Pro's 200.00 a month against 2.00 × 4.75 clips (57 / 12) × f.
    // 200 = 9.5 f → f = 21.0526 (100 clips, and 625 / 12 × f = 1,096.5
    // stills). Pro covers 10,000 / 80 = 125 clips: 125 / 4.75 = 26.3157…
    let be = &v["break_even"];
    assert_eq!(be["factor"], "21.0526");
    assert_eq!(be["units_per_month"][0]["units"], "1096.5");
    assert_eq!(be["units_per_month"][1]["units"], "100");
    assert_eq!(be["subscription_limit"], "26.3157");
    assert_eq!(be["limit_units_per_month"][1]["units"], "125");
    // Sensitivity: packs + Veo at every scale. 2×: KIE 3,480 → 4 packs (520
    // left), 3,840 − 520 → 4 (680 left), 3,600 − 680 → 3 (80 left), 4,080 −
    // 80 → 4: 15 packs = 75.00, + 228.00 of clips = 303.00. 4×: 30,000
    // credits = 30 packs = 150.00 + 456.00 = 606.00. 0.25×: 1,875 credits
    // over the year, 2 packs = 10.00, + 28.50 = 38.50.
    assert_eq!(
        sensitivity(&v),
        [
            ("0.25", "packs", "38.50"),
            ("0.5", "packs", "77.00"),
            ("1", "packs", "154.00"),
            ("2", "packs", "303.00"),
            ("4", "packs", "606.00"),
        ]
        .map(|(a, b, c)| (a.to_string(), b.to_string(), c.to_string()))
    );

    let r = transcript("examples/compare-quarterly-sprints.toml", &["--monthly"]);
    for line in [
        "Quarterly campaign sprints: 12 months from 2026-05 at prices of 2026-04-21, 1 seat, USD",
        &format!("Cheapest: {best} — 154.00 USD over 12 months."),
        "6 strategies compared in 2 independent groups.",
        "│ 2026-05 ┆ 34.00 ┆       210.00 ┆         54.60 ┆ 2× pack-1000 │",
        "│ 2026-06 ┆  0.00 ┆       200.00 ┆          0.00 ┆              │",
    ] {
        assert!(
            r.stdout.lines().any(|l| l == line),
            "missing line {line:?} in\n{}",
            r.stdout
        );
    }
}

#[test]
fn daily_content_engine_a_subscription_wins() {
    // Stills about 900 a day-month (10,810 in the year, 900.8 a month),
    // clips 117–123 a month (1,440 in the year, 120 a month).
    //
    // OpenAI medium: 10,810 × 0.053 = 572.93 (every month a multiple of 10
    //   images, so each month is exact to the cent: 900 → 47.70).
    // KIE: 10,810 × 12 = 129,720 credits → 130 packs = 650.00.
    // Pro: 200.00 × 12 = 2,400.00; its 10,000 credits cover 125 clips and
    //   the busiest month needs 123 (9,840 credits). Plus (12.5 clips) fails
    //   every month.
    // Veo: 1,440 × 2.00 = 2,880.00.
    let v = json("examples/compare-daily-content-engine.toml");
    let best = format!("{OPENAI} + {PRO}");
    assert_eq!(v["best"], best.as_str());
    assert_eq!(v["strategies"][0]["kind"], "subscription");
    assert_eq!(
        ranked(&v)[..4],
        owned(&[
            (1, &best, "2972.93"),                           // 572.93 + 2,400
            (2, &format!("{KIE_PACKS} + {PRO}"), "3050.00"), // 650 + 2,400
            (3, &format!("{OPENAI} + {VEO}"), "3452.93"),    // 572.93 + 2,880
            (4, &format!("{KIE_PACKS} + {VEO}"), "3530.00"), // 650 + 2,880
        ])[..]
    );
    let plus = &v["strategies"][4];
    assert_eq!(plus["feasible"], false);
    assert_eq!(plus["infeasible_months"].as_array().unwrap().len(), 12);
    // May: 900 × 0.053 + 200 = 247.70.
    assert_eq!(v["strategies"][0]["per_month"][0], "247.70");
    // Break-even: 200.00 = 2.00 × 120 f → f = 0.8333 (100 clips). Pro runs
    // out at 125 / 120 = 1.041666…, shown rounded down as 1.0416.
    let be = &v["break_even"];
    assert_eq!(be["factor"], "0.8333");
    assert_eq!(be["cheaper_above"], "subscription");
    assert_eq!(be["units_per_month"][1]["units"], "100");
    assert_eq!(be["subscription_limit"], "1.0416");
    assert_eq!(be["limit_units_per_month"][1]["units"], "125");
    // Sensitivity: at 0.5× the clips (60 a month, 120.00) cost less than
    // Pro's 200.00; at 2× and 4× Pro can't cover 240 or 480 clips.
    let kinds: Vec<String> = sensitivity(&v).into_iter().map(|x| x.1).collect();
    assert_eq!(
        kinds,
        [
            "pay-as-you-go",
            "pay-as-you-go",
            "subscription",
            "pay-as-you-go",
            "pay-as-you-go"
        ]
    );
    // 2×: 2 × 572.93 + 2 × 2,880.00 = 6,905.86.
    assert_eq!(v["sensitivity"][3]["total"], "6905.86");

    let r = transcript("examples/compare-daily-content-engine.toml", &[]);
    for line in [
        &format!("Cheapest: {best} — 2972.93 USD over 12 months.") as &str,
        "│    2 ┆ Daily clips  ┆         120 clips ┆                   100 clips ┆                    125 clips │",
    ] {
        assert!(
            r.stdout.lines().any(|l| l == line),
            "missing line {line:?} in\n{}",
            r.stdout
        );
    }
    assert!(
        r.stdout
            .contains("above 1.0416× the subscription's credits run out"),
        "{}",
        r.stdout
    );
}

#[test]
fn team_seats_flip_the_winner() {
    // The daily engine with three seats: Pro is per seat, 3 × 200.00 =
    // 600.00 a month (7,200.00 a year) for 30,000 credits, while the work
    // is unchanged. Pay-as-you-go wins: 572.93 + 2,880.00 = 3,452.93;
    // OpenAI + Pro = 572.93 + 7,200.00 = 7,772.93.
    let v = json("examples/compare-team-seats.toml");
    let best = format!("{OPENAI} + {VEO}");
    assert_eq!(v["best"], best.as_str());
    assert_eq!(v["strategies"][0]["kind"], "pay-as-you-go");
    assert_eq!(v["strategies"][0]["total"], "3452.93");
    let pro = v["strategies"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == format!("{OPENAI} + {PRO}").as_str())
        .unwrap();
    assert_eq!(pro["total"], "7772.93");
    assert_eq!(pro["per_month"][0], "647.70"); // 47.70 + 600.00
    // Break-even: 600.00 = 2.00 × 120 f → f = 2.5 (300 clips); three seats
    // cover 375 clips: 375 / 120 = 3.125.
    let be = &v["break_even"];
    assert_eq!(be["factor"], "2.5");
    assert_eq!(be["units_per_month"][1]["units"], "300");
    assert_eq!(be["subscription_limit"], "3.125");
    // At 0.25× three Plus seats (60.00 a month, 3,000 credits for 30 clips
    // of 80) cost exactly what Veo does (30 × 2.00 = 60.00; over the year
    // 1,440 / 4 × 2.00 = 720.00 either way): the tie goes to the smaller
    // commitment, pay-as-you-go. Its total is exact, rounded once: stills
    // 0.25 × 10,810 = 2,702.5 × 0.053 = 143.2325, clips 0.25 × 1,440 = 360
    // × 2.00 = 720.00; 863.2325 → 863.23. (Months rounded one by one, e.g.
    // May 225 × 0.053 + 60.00 = 71.925 → 71.93, would add up to 863.26.)
    let first = &v["sensitivity"][0];
    assert_eq!(first["factor"], "0.25");
    assert_eq!(first["kind"], "pay-as-you-go");
    assert_eq!(first["total"], "863.23");

    let r = transcript("examples/compare-team-seats.toml", &[]);
    assert!(
        r.stdout.lines().any(|l| l
            == "Daily content engine, three seats: 12 months from 2026-05 at prices of 2026-04-21, 3 seats, USD"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout
            .contains(&format!("Cheapest: {best} — 3452.93 USD over 12 months.")),
        "{}",
        r.stdout
    );
}

#[test]
fn every_example_runs_in_every_format() {
    let mut n = 0;
    for entry in fs::read_dir(root().join("examples")).unwrap().flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if !name.starts_with("compare-") {
            continue;
        }
        n += 1;
        let path = format!("examples/{name}");
        for format in ["table", "json", "csv", "markdown"] {
            let r = transcript(&path, &["--format", format, "--monthly"]);
            assert!(!r.stdout.is_empty(), "{name} {format}");
        }
    }
    assert!(n >= 3, "only {n} compare examples");
}

#[test]
fn a_shorter_horizon_warns_that_series_are_cut() {
    let r = run(&on_examples_book(&[
        "compare",
        "examples/compare-quarterly-sprints.toml",
        "--months",
        "6",
    ]));
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stderr.contains("cut to the 6-month horizon"),
        "{}",
        r.stderr
    );
    // Six months hold two sprints: 2 + 2 KIE packs (20.00) + 54.00 of clips.
    assert!(
        r.stdout.contains("— 74.00 USD over 6 months."),
        "{}",
        r.stdout
    );
}
