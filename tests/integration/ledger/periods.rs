//! Caps by period at their boundaries: the last second of a day, ISO week
//! and month, and the first second of the next, in UTC and in zones with a
//! DST change in between (Europe/Berlin: 2026-03-29 has 23 hours and
//! 2026-10-25 has 25; America/New_York: 2026-03-08 has 23). Spending counts
//! in the period its hold was granted in, by the ledger-local date.

use super::{Backend, Db, s};

/// One user `u` with `cap` per `period` in `tz`.
fn ledger(b: Backend, tz: &str, cap: &str, period: &str) -> Db {
    let db = Db::init_on(b, &["--timezone", tz]);
    db.ok(&["user", "add", "u", "--cap", cap, "--period", period]);
    db
}

/// Asserts u's period start and available credits at `at`.
fn at(db: &Db, at: &str, period_start: &str, available: &str) {
    let st = db.ok_at(at, &["status", "u"]);
    let u = &st["users"][0];
    assert_eq!(
        (s(u, "period_start"), s(u, "available")),
        (period_start.into(), available.into()),
        "at {at}"
    );
}

fn charge(db: &Db, when: &str, key: &str, credits: &str) {
    db.ok_at(when, &["charge", "u", "--key", key, "--credits", credits]);
}

fn a_utc_day_ends_at_midnight(b: Backend) {
    let db = ledger(b, "UTC", "10", "day");
    charge(&db, "2026-04-20T23:59:59Z", "a", "10");
    at(&db, "2026-04-20T23:59:59Z", "2026-04-20", "0");
    let r = db.run_at(
        "2026-04-20T23:59:59Z",
        &["reserve", "u", "--key", "b", "--credits", "1"],
    );
    assert_eq!(r.code, 1, "{}", r.stdout);
    // One second later it is a new day with the whole cap.
    at(&db, "2026-04-21T00:00:00Z", "2026-04-21", "10");
    let h = db.ok_at(
        "2026-04-21T00:00:00Z",
        &["reserve", "u", "--key", "b", "--credits", "1"],
    );
    assert_eq!(s(&h, "available"), "9");
    db.verified();
}

fn an_iso_week_runs_monday_to_sunday_even_across_new_year(b: Backend) {
    let db = ledger(b, "UTC", "10", "week");
    // Sunday 26 April, last second of ISO week 17 (from Monday 20 April).
    charge(&db, "2026-04-26T23:59:59Z", "a", "10");
    at(&db, "2026-04-26T23:59:59Z", "2026-04-20", "0");
    at(&db, "2026-04-27T00:00:00Z", "2026-04-27", "10");
    // Thursday 31 December 2026 is in the week from Monday 28 December,
    // which runs to Sunday 3 January 2027.
    charge(&db, "2026-12-31T12:00:00Z", "b", "4");
    at(&db, "2027-01-03T23:59:59Z", "2026-12-28", "6");
    at(&db, "2027-01-04T00:00:00Z", "2027-01-04", "10");
    db.verified();
}

fn a_month_ends_on_its_own_last_day(b: Backend) {
    let db = ledger(b, "UTC", "10", "month");
    charge(&db, "2026-04-30T23:59:59Z", "a", "7.5");
    at(&db, "2026-04-30T23:59:59Z", "2026-04-01", "2.5");
    at(&db, "2026-05-01T00:00:00Z", "2026-05-01", "10");
    // February of a leap year: the 29th is still February.
    charge(&db, "2028-02-01T00:00:00Z", "b", "3");
    at(&db, "2028-02-29T23:59:59Z", "2028-02-01", "7");
    at(&db, "2028-03-01T00:00:00Z", "2028-03-01", "10");
    db.verified();
}

fn a_berlin_day_across_the_spring_dst_change_has_23_hours(b: Backend) {
    let db = ledger(b, "Europe/Berlin", "10", "day");
    // 22:59:59 UTC on 28 March is 23:59:59 CET: still the 28th.
    charge(&db, "2026-03-28T22:59:59Z", "a", "10");
    at(&db, "2026-03-28T22:59:59Z", "2026-03-28", "0");
    // 23:00 UTC is midnight in Berlin: the 29th, with the whole cap.
    at(&db, "2026-03-28T23:00:00Z", "2026-03-29", "10");
    charge(&db, "2026-03-28T23:00:00Z", "b", "10");
    // Clocks jump from 02:00 CET to 03:00 CEST at 01:00 UTC, so the 29th
    // ends at 22:00 UTC, 23 hours after it began.
    at(&db, "2026-03-29T21:59:59Z", "2026-03-29", "0");
    at(&db, "2026-03-29T22:00:00Z", "2026-03-30", "10");
    let rep = db.ok_at("2026-03-30T12:00:00Z", &["report", "--by", "day"]);
    let days: Vec<String> = rep["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| s(r, "group"))
        .collect();
    assert_eq!(days, ["2026-03-28", "2026-03-29"]);
    db.verified();
}

fn a_berlin_day_across_the_autumn_dst_change_has_25_hours(b: Backend) {
    let db = ledger(b, "Europe/Berlin", "10", "day");
    // Midnight CEST on 25 October is 22:00 UTC on the 24th.
    charge(&db, "2026-10-24T22:00:00Z", "a", "10");
    at(&db, "2026-10-24T21:59:59Z", "2026-10-24", "10");
    at(&db, "2026-10-24T22:00:00Z", "2026-10-25", "0");
    // Clocks go back from 03:00 CEST to 02:00 CET at 01:00 UTC: the 25th
    // ends at 23:00 UTC, 25 hours after it began.
    at(&db, "2026-10-25T22:59:59Z", "2026-10-25", "0");
    at(&db, "2026-10-25T23:00:00Z", "2026-10-26", "10");
    db.verified();
}

fn a_berlin_week_and_month_begin_at_local_midnight(b: Backend) {
    let db = ledger(b, "Europe/Berlin", "10", "week");
    // Monday 30 March begins at 22:00 UTC on Sunday the 29th (CEST).
    charge(&db, "2026-03-29T21:59:59Z", "a", "6");
    at(&db, "2026-03-29T21:59:59Z", "2026-03-23", "4");
    at(&db, "2026-03-29T22:00:00Z", "2026-03-30", "10");

    let db = ledger(b, "Europe/Berlin", "10", "month");
    // 1 April begins at 22:00 UTC on 31 March.
    charge(&db, "2026-03-31T21:59:59Z", "a", "6");
    at(&db, "2026-03-31T21:59:59Z", "2026-03-01", "4");
    at(&db, "2026-03-31T22:00:00Z", "2026-04-01", "10");
    // … and 1 March began at 23:00 UTC on 28 February (CET).
    charge(&db, "2026-02-28T22:59:59Z", "b", "1");
    at(&db, "2026-03-31T21:00:00Z", "2026-03-01", "4");
    db.verified();
}

fn a_new_york_day_across_the_spring_dst_change(b: Backend) {
    let db = ledger(b, "America/New_York", "10", "day");
    // 8 March begins at 05:00 UTC (EST) and, after 02:00 EST → 03:00 EDT
    // at 07:00 UTC, ends at 04:00 UTC on the 9th (EDT).
    charge(&db, "2026-03-08T05:00:00Z", "a", "10");
    at(&db, "2026-03-08T04:59:59Z", "2026-03-07", "10");
    at(&db, "2026-03-09T03:59:59Z", "2026-03-08", "0");
    at(&db, "2026-03-09T04:00:00Z", "2026-03-09", "10");
    db.verified();
}

fn a_hold_across_midnight_spends_in_the_period_it_was_granted(b: Backend) {
    let db = ledger(b, "Europe/Berlin", "10", "day");
    // Reserved at 23:55 local on the 28th, settled at 00:05 on the 29th
    // (after midnight, before the DST jump).
    db.ok_at(
        "2026-03-28T22:55:00Z",
        &["reserve", "u", "--key", "job", "--credits", "8"],
    );
    let v = db.ok_at("2026-03-28T23:05:00Z", &["settle", "job", "--credits", "6"]);
    // The settle reports today's available: the 29th is untouched.
    assert_eq!(s(&v, "available"), "10");
    let st = db.ok_at("2026-03-28T23:05:00Z", &["status", "u"]);
    assert_eq!(s(&st["users"][0], "spent"), "0");
    // The 28th carries the 6 credits.
    let rep = db.ok_at("2026-03-28T23:05:00Z", &["report", "--by", "day"]);
    assert_eq!(
        (s(&rep["rows"][0], "group"), s(&rep["rows"][0], "credits")),
        ("2026-03-28".into(), "6".into())
    );
    db.verified();
}

fn a_grant_lasts_to_the_end_of_its_local_day(b: Backend) {
    let db = ledger(b, "Europe/Berlin", "10", "month");
    db.ok_at(
        "2026-03-29T10:00:00Z",
        &["grant", "u", "5", "--key", "g", "--expires", "2026-03-29"],
    );
    // The 29th ends at 22:00 UTC in Berlin (CEST): 10 + 5 until then.
    at(&db, "2026-03-29T21:59:59Z", "2026-03-01", "15");
    at(&db, "2026-03-29T22:00:00Z", "2026-03-01", "10");
    // A grant that expired yesterday (local) cannot be given.
    let r = db.run_at(
        "2026-03-29T22:00:00Z",
        &["grant", "u", "5", "--key", "g2", "--expires", "2026-03-29"],
    );
    assert_eq!(r.code, 2);
    assert!(
        r.stderr
            .contains("expires: 2026-03-29 is before today (2026-03-30) in the ledger's timezone"),
        "{}",
        r.stderr
    );
}

fn changing_the_period_recounts_the_current_one(b: Backend) {
    let db = ledger(b, "UTC", "10", "day");
    charge(&db, "2026-04-20T10:00:00Z", "a", "10");
    charge(&db, "2026-04-21T10:00:00Z", "b", "4");
    at(&db, "2026-04-21T10:00:00Z", "2026-04-21", "6");
    // As a week cap of 20, both days count: 20 − 10 − 4 = 6 … from Monday.
    db.ok_at(
        "2026-04-21T10:00:00Z",
        &["user", "set", "u", "--cap", "20", "--period", "week"],
    );
    at(&db, "2026-04-21T10:00:00Z", "2026-04-20", "6");
    // As no period at all, everything ever spent counts: 30 − 14 = 16.
    db.ok_at(
        "2026-04-21T10:00:00Z",
        &["user", "set", "u", "--cap", "30", "--period", "none"],
    );
    let st = db.ok_at("2026-04-21T10:00:00Z", &["status", "u"]);
    assert_eq!(
        (
            st["users"][0]["period_start"].clone(),
            s(&st["users"][0], "available")
        ),
        (serde_json::Value::Null, "16".into())
    );
    db.verified();
}

crate::both!(
    a_utc_day_ends_at_midnight,
    an_iso_week_runs_monday_to_sunday_even_across_new_year,
    a_month_ends_on_its_own_last_day,
    a_berlin_day_across_the_spring_dst_change_has_23_hours,
    a_berlin_day_across_the_autumn_dst_change_has_25_hours,
    a_berlin_week_and_month_begin_at_local_midnight,
    a_new_york_day_across_the_spring_dst_change,
    a_hold_across_midnight_spends_in_the_period_it_was_granted,
    a_grant_lasts_to_the_end_of_its_local_day,
    changing_the_period_recounts_the_current_one,
);
