//! Hand-worked comparisons on the fixture tables. Working in comments; the
//! tables are `tests/fixtures/compare-book/acme/2026-01-01.toml`:
//!
//! - acme/still costs 10 Acme credits an image; packs `small` 1,000 credits
//!   for 5.00 and `big` 3,000 for 12.00, both expiring 45 days after
//!   purchase (bought on 1 January they serve February, not March);
//!   subscriptions `basic` 10.00 a month for 2,000 credits (no rollover) and
//!   `saver` 12.00 for 2,000 with rollover capped at 1,000. acme/still-api is
//!   0.08 an image, pay-as-you-go.
//! - acme/reel costs 20 Reel credits a second, sold only by the `studio`
//!   subscription (30.00 a seat for 600 credits); acme/reel-api 0.50 a second.
//! - acme/flat costs 1 Flat credit an image: pack `thousand` 1,000 for 10.00
//!   (never expires) or `unlimited-ish` 25.00 a month for 5,000 credits.

use super::{amounts, report, strategy};

fn s(v: &[&str]) -> Vec<String> {
    v.iter().map(ToString::to_string).collect()
}

#[test]
fn pack_leftover_serves_the_next_month_but_not_after_it_expires() {
    // 60, 30, 30 images = 600, 300, 300 credits from January 2026.
    // pack small: Jan buys 1 (5.00), 400 left, expiring 15 Feb;
    //   Feb spends 300 of them (0.00), 100 left;
    //   Mar begins after 15 Feb: the 100 are gone, buy 1 (5.00). Total 10.00.
    // pack big: Jan 12.00 (2,400 left), Feb 0.00, Mar 12.00 again. 24.00.
    // basic: 10.00 × 3 = 30.00, credits unused every month.
    let r = report("expiry.toml", &[]);
    let small = strategy(&r, "acme/still pack small");
    assert_eq!(
        amounts(small),
        ("10.00".into(), s(&["5.00", "0.00", "5.00"]))
    );
    assert_eq!(
        amounts(strategy(&r, "acme/still pack big")),
        ("24.00".into(), s(&["12.00", "0.00", "12.00"]))
    );
    let basic = strategy(&r, "acme/still subscription basic");
    assert_eq!(basic["total"], "30.00");
    assert_eq!(basic["unused_subscription_months"], 3);
    assert_eq!(r["best"], "acme/still pack small");
    assert_eq!(r["strategies"][0]["rank"], 1);
    assert_eq!(r["strategy_count"], "5");
}

#[test]
fn rollover_cap_top_ups_and_a_mix_of_packs() {
    // 50, 250, 290 images = 500, 2,500, 2,900 credits.
    // basic (no rollover): Jan 10.00, 1,500 lapse; Feb 10.00 + 500 short →
    //   1 small (5.00), 500 left till 18 Mar; Mar 10.00, 2,000 + the 500 →
    //   400 short → 1 small (5.00). 10 + 15 + 15 = 40.00; unused in Jan only.
    // saver (rollover ≤ 1,000): Jan 12.00, 1,500 left, 1,000 carried; Feb
    //   12.00, 3,000 − 2,500 = 500 carried; Mar 12.00, 2,500 < 2,900 → 1 small.
    //   12 + 12 + 17 = 41.00 (without the cap Mar would need no top-up).
    // best packs: Jan 500 → small 5.00 (500 left); Feb 2,000 short → 2 small
    //   10.00 (one big is 12.00); Mar 2,900 → 1 big 12.00 (3 small: 15.00,
    //   a mix can't beat it here). 27.00.
    // pack big: Jan 12.00 (2,500 left, serves Feb), Feb 0.00, Mar 12.00: 24.00.
    // pay-as-you-go: 590 × 0.08 = 47.20.
    let r = report("rollover.toml", &[]);
    let basic = strategy(&r, "acme/still subscription basic");
    assert_eq!(
        amounts(basic),
        ("40.00".into(), s(&["10.00", "15.00", "15.00"]))
    );
    assert_eq!(basic["unused_subscription_months"], 1);
    let saver = strategy(&r, "acme/still subscription saver");
    assert_eq!(
        amounts(saver),
        ("41.00".into(), s(&["12.00", "12.00", "17.00"]))
    );
    assert_eq!(saver["unused_subscription_months"], 2);
    assert_eq!(
        amounts(strategy(&r, "acme/still best packs")),
        ("27.00".into(), s(&["5.00", "10.00", "12.00"]))
    );
    assert_eq!(r["best"], "acme/still pack big");
    assert_eq!(
        strategy(&r, "acme/still-api pay-as-you-go")["total"],
        "47.20"
    );
    let ranked: Vec<&str> = r["strategies"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["total"].as_str().unwrap())
        .collect();
    assert_eq!(
        ranked,
        ["24.00", "27.00", "30.00", "40.00", "41.00", "47.20"]
    );
}

#[test]
fn a_mix_of_packs_beats_any_single_pack_in_a_month() {
    // 400 images in one month = 4,000 credits: 4 small = 20.00, 2 big =
    // 24.00, 1 big + 1 small = 17.00.
    let r = report("mix.toml", &[]);
    assert_eq!(r["best"], "acme/still best packs");
    assert_eq!(strategy(&r, "acme/still best packs")["total"], "17.00");
    assert_eq!(strategy(&r, "acme/still pack small")["total"], "20.00");
    assert_eq!(strategy(&r, "acme/still pack big")["total"], "24.00");
    let r = report("mix.toml", &["--monthly"]);
    assert_eq!(r["monthly"]["rows"][0]["bought"], "1× small, 1× big");
}

#[test]
fn seats_multiply_fee_and_credits_and_short_months_are_infeasible() {
    // 5, 5, 8 clips of 5 s = 500, 500, 800 Reel credits.
    // One seat: 30.00 a month for 600 credits; March needs 800 and the unit
    // sells no packs → infeasible in 2026-03, ranked after feasible ones.
    let r = report("seats.toml", &[]);
    let studio = strategy(&r, "acme/reel subscription studio");
    assert_eq!(studio["feasible"], false);
    assert_eq!(studio["infeasible_months"][0], "2026-03");
    assert_eq!(studio["total"], "90.00");
    assert_eq!(r["best"], "acme/reel-api pay-as-you-go");
    // 18 clips × 2.50 = 45.00.
    assert_eq!(
        strategy(&r, "acme/reel-api pay-as-you-go")["total"],
        "45.00"
    );
    // Steady volumes: the average month is 18 / 3 = 6 clips = 600 credits,
    // exactly what one seat includes, so the subscription can do the work
    // up to 1× and no further. Costs would cross at 30.00 / 2.50 = 12 clips
    // (2×), beyond that limit: no break-even.
    let be = &r["break_even"];
    assert_eq!(be["subscription_limit"], "1");
    assert_eq!(be["limit_units_per_month"][0]["units"], "6");
    assert!(be["factor"].is_null(), "{be}");
    let note = be["note"].as_str().unwrap();
    assert!(note.contains("cheaper throughout"), "{note}");
    assert!(
        note.contains("above 1× the subscription's credits run out"),
        "{note}"
    );
    // Two seats: 60.00 a month for 1,200 credits: feasible, 180.00, credits
    // left over every month.
    let r = report("seats-two.toml", &[]);
    let studio = strategy(&r, "acme/reel subscription studio");
    assert_eq!(
        amounts(studio),
        ("180.00".into(), s(&["60.00", "60.00", "60.00"]))
    );
    assert_eq!(studio["feasible"], true);
    assert_eq!(studio["unused_subscription_months"], 3);
    // Two seats include 1,200 credits: 12 clips a month, 2× the average.
    assert_eq!(r["break_even"]["subscription_limit"], "2");
}

#[test]
fn break_even_factor_and_sensitivity_rows() {
    // 1,000 Flat credits a month for 12 months. Packs never expire, so V
    // credits a month cost 10.00 × ⌈12V / 1,000⌉ over the year; the
    // subscription costs 25.00 × 12 = 300.00 up to 5,000 a month. Packs reach
    // 300.00 at the 30th pack, needed once 12V > 29,000: V > 2,416.67, a
    // factor of 2.41667 on the average month.
    let r = report("breakeven.toml", &[]);
    let be = &r["break_even"];
    assert_eq!(be["subscription"], "acme/flat subscription unlimited-ish");
    assert_eq!(be["other"], "acme/flat pack thousand");
    assert_eq!(be["factor"], "2.4167");
    assert_eq!(be["units_per_month"][0]["units"], "2416.7");
    assert_eq!(be["cheaper_above"], "subscription");
    // The unit sells packs to top up with: no volume is out of its reach.
    assert!(be["subscription_limit"].is_null(), "{be}");
    // Sensitivity: 0.25× = 3,000 credits → 3 packs = 30.00; 1× → 120.00;
    // 2× → 240.00; 4× = 48,000 credits → 480.00 in packs, so the 300.00
    // subscription wins.
    let rows: Vec<(String, String, String)> = r["sensitivity"]
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
        .collect();
    let want = [
        ("0.25", "packs", "30.00"),
        ("0.5", "packs", "60.00"),
        ("1", "packs", "120.00"),
        ("2", "packs", "240.00"),
        ("4", "subscription", "300.00"),
    ];
    let want: Vec<(String, String, String)> = want
        .iter()
        .map(|(a, b, c)| (a.to_string(), b.to_string(), c.to_string()))
        .collect();
    assert_eq!(rows, want);
}

#[test]
fn no_break_even_without_a_subscription() {
    let r = report("payg.toml", &[]);
    assert!(r["break_even"]["factor"].is_null());
    assert!(
        r["break_even"]["note"]
            .as_str()
            .unwrap()
            .contains("no strategy uses a subscription"),
        "{}",
        r["break_even"]
    );
}

#[test]
fn lines_in_one_credit_unit_share_its_credits() {
    // Two lines on acme/still: 40 + 50 images = 900 credits in January —
    // one small pack (5.00) for both, not one each. The reel line shares no
    // unit with them: a second, independent group (2 clips × 2.50 = 5.00).
    let r = report("shared.toml", &[]);
    assert_eq!(r["groups"], 2);
    assert_eq!(
        r["best"],
        "acme/still pack small + acme/still pack small + acme/reel-api pay-as-you-go"
    );
    assert_eq!(r["strategies"][0]["total"], "10.00");
    // Group 1: line 1 must use the unit (5 ways to buy it), line 2 either
    // joins it or pays as it goes: 10 ways; group 2: 1 way.
    assert_eq!(r["strategy_count"], "10");
    // A strategy that buys one unit two ways is never offered.
    for s in r["strategies"].as_array().unwrap() {
        let o = &s["options"];
        if o[0]["credit_unit"] == o[1]["credit_unit"] {
            assert_eq!(o[0]["option"], o[1]["option"], "{s}");
        }
    }
}
