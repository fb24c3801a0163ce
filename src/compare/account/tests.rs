//! Hand-worked account runs: pack expiry, subscriptions with and without
//! rollover, seats, top-ups and infeasible months.

use rust_decimal::Decimal;
use rust_decimal_macros::dec;

use super::*;
use crate::pricing::Pack;

fn terms(packs: Vec<Pack>, subs: Vec<Subscription>, seats: u32) -> Terms {
    Terms {
        menu: PackMenu::new(&packs),
        unit: CreditUnit {
            id: "c".into(),
            name: "C".into(),
            packs,
            subscriptions: subs,
            notes: None,
        },
        seats,
    }
}

fn pack(id: &str, credits: Decimal, price: Decimal, days: Option<u32>) -> Pack {
    Pack {
        id: id.into(),
        credits,
        price,
        expires_days: days,
    }
}

fn sub(monthly: Decimal, credits: Decimal, rollover: bool, cap: Option<Decimal>) -> Subscription {
    Subscription {
        id: "s".into(),
        monthly,
        credits,
        rollover,
        max_rollover: cap,
        per_seat: true,
    }
}

fn cal(n: usize) -> Calendar {
    Calendar::new("2026-01-01".parse().unwrap(), n)
}

#[test]
fn leftover_serves_a_later_month_until_it_expires() {
    // 1,000 credits for 5.00, expiring 45 days after purchase.
    let t = terms(vec![pack("p", dec!(1000), dec!(5.00), Some(45))], vec![], 1);
    // Jan: buy 1, spend 600, 400 left (expires 15 Feb, so it serves Feb).
    // Feb: spend 300 of the 400; 100 left, but March begins after 15 Feb.
    // Mar: the 100 have expired; buy 1 for the 300.
    let r = run(
        &t,
        Method::Pack(0),
        &[dec!(600), dec!(300), dec!(300)],
        &cal(3),
        true,
    );
    assert_eq!(r.spend, [dec!(5.00), dec!(0), dec!(5.00)]);
    assert_eq!(r.log[1].from_packs, dec!(300));
    assert_eq!(r.log[2].packs, [("p".to_string(), 1)]);
    assert!(r.infeasible.is_empty() && r.unused.is_empty());
}

#[test]
fn subscription_without_rollover_lapses_and_tops_up() {
    // 10.00 a month for 2,000 credits, no rollover; top-ups: 1,000 for 5.00.
    let t = terms(
        vec![pack("p", dec!(1000), dec!(5.00), None)],
        vec![sub(dec!(10.00), dec!(2000), false, None)],
        1,
    );
    // Jan: 500 of 2,000 spent, 1,500 lapse.
    // Feb: 2,000 spent, 500 short → one pack (5.00), 500 left over.
    // Mar: 2,000 included covers 300; the pack's 500 wait (sub credits go first).
    let r = run(
        &t,
        Method::Subscription(0),
        &[dec!(500), dec!(2500), dec!(300)],
        &cal(3),
        true,
    );
    assert_eq!(r.spend, [dec!(10.00), dec!(15.00), dec!(10.00)]);
    assert_eq!(r.unused, [0, 2]);
    assert_eq!(r.log[0].carried, dec!(0));
    assert_eq!(r.log[2].from_packs, dec!(0));
}

#[test]
fn max_rollover_caps_the_carried_balance() {
    // 2,000 credits a month, rollover capped at 1,000; no packs.
    let t = terms(
        vec![],
        vec![sub(dec!(10.00), dec!(2000), true, Some(dec!(1000)))],
        1,
    );
    // Jan: 2,000 − 500 = 1,500 left, 1,000 carried.
    // Feb: 1,000 + 2,000 = 3,000 − 2,500 = 500 carried.
    // Mar: 500 + 2,000 = 2,500 covers 2,500 exactly.
    // Apr: 2,000 cannot cover 2,100 and there are no packs: infeasible.
    let r = run(
        &t,
        Method::Subscription(0),
        &[dec!(500), dec!(2500), dec!(2500), dec!(2100)],
        &cal(4),
        true,
    );
    assert_eq!(r.log[0].carried, dec!(1000));
    assert_eq!(r.log[1].carried, dec!(500));
    assert_eq!(r.log[2].unused, dec!(0));
    assert_eq!(r.infeasible, [3]);
    assert_eq!(r.log[3].short, dec!(100));
    assert_eq!(r.spend, [dec!(10.00); 4]);
}

#[test]
fn seats_multiply_fee_credits_and_cap() {
    let t = terms(
        vec![],
        vec![sub(dec!(20.00), dec!(1000), true, Some(dec!(100)))],
        3,
    );
    // 3 seats: 60.00 for 3,000 credits a month, up to 300 carried.
    let r = run(
        &t,
        Method::Subscription(0),
        &[dec!(2500), dec!(3200)],
        &cal(2),
        true,
    );
    assert_eq!(r.spend, [dec!(60.00), dec!(60.00)]);
    assert_eq!(r.log[0].carried, dec!(300));
    assert_eq!(r.log[1].from_subscription, dec!(3200));
    assert!(r.infeasible.is_empty());
}

#[test]
fn best_packs_mix_per_month() {
    let t = terms(
        vec![
            pack("small", dec!(1000), dec!(5.00), None),
            pack("big", dec!(3000), dec!(12.00), None),
        ],
        vec![],
        1,
    );
    // Jan: 4,000 → big + small (17.00), nothing left. Feb: 900 → small (5.00).
    let r = run(
        &t,
        Method::BestPacks,
        &[dec!(4000), dec!(900)],
        &cal(2),
        false,
    );
    assert_eq!(r.spend, [dec!(17.00), dec!(5.00)]);
    // Only the big pack: 2 in Jan (24.00) leaves 2,000 for Feb.
    let r = run(
        &t,
        Method::Pack(1),
        &[dec!(4000), dec!(900)],
        &cal(2),
        false,
    );
    assert_eq!(r.spend, [dec!(24.00), dec!(0)]);
}
