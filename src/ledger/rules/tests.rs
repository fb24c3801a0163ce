//! Unit tests of the booking rules and the limits, on plain data (the
//! in-memory [`Replay`] is the [`Books`]). Amounts are micro-credits.

use chrono::NaiveDate;

use super::limits::{self, OrgView, UserView};
use super::*;
use crate::ledger::event::{Granted, Opened, RequestRecord, Settled};
use crate::ledger::period::Period;
use crate::ledger::replay::Replay;
use crate::ledger::state::PartyRow;

const AT: &str = "2026-04-20T09:00:00Z";

fn day() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 4, 20).unwrap()
}

/// A replayed ledger with user `alice` (cap 100 per month) and a 30-credit
/// grant `g`.
fn books() -> Replay {
    let mut r = Replay::new();
    r.init(&Settings::default()).unwrap();
    let cap = Limits {
        cap: Some(Micros(100)),
        period: Period::Month,
        max_holds: Some(2),
    };
    apply(
        &mut r,
        2,
        AT,
        &Event::UserAdd {
            user: "alice".into(),
            limits: cap,
        },
    )
    .unwrap();
    apply(
        &mut r,
        3,
        AT,
        &Event::Grant(Granted {
            user: "alice".into(),
            key: "g".into(),
            credits: Micros(30),
            expires: None,
            note: None,
        }),
    )
    .unwrap();
    r
}

fn open(kind: HoldKind, key: &str, allow: i64, from_g: i64) -> Event {
    Event::Open(Opened {
        kind,
        user: "alice".into(),
        key: key.into(),
        model: None,
        day: day(),
        credits: Micros(allow + from_g),
        alloc: Allocation {
            allow,
            grants: if from_g > 0 {
                vec![("g".into(), from_g)]
            } else {
                vec![]
            },
        },
        request: RequestRecord::default(),
        available: None,
        expires_at: None,
    })
}

fn settle(key: &str, credits: i64, spend: Allocation, late: bool) -> Event {
    Event::Settle(Settled {
        user: "alice".into(),
        key: key.into(),
        model: None,
        day: day(),
        credits: Micros(credits),
        spend,
        over: None,
        overrun: false,
        late,
        available: None,
    })
}

fn ended(key: &str, credits: i64) -> Ended {
    Ended {
        user: "alice".into(),
        key: key.into(),
        model: None,
        day: day(),
        credits: Micros(credits),
    }
}

#[test]
fn a_hold_counts_as_held_then_settling_spends_and_returns_the_rest() {
    let mut r = books();
    // 60 held: 50 from the allowance, 10 from grant g.
    apply(&mut r, 4, AT, &open(HoldKind::Hold, "h", 50, 10)).unwrap();
    let a = &r.users["alice"];
    assert_eq!(
        (a.totals.held, a.totals.allow_held, a.open_holds),
        (60, 50, 1)
    );
    assert_eq!(r.grants["g"].held, 10);
    assert_eq!(r.org.totals.held, 60);
    assert_eq!(r.holds["h"].state, HoldState::Open);
    // Settle 55: the allowance's 50 first, then 5 of the grant's 10.
    let spend = Allocation {
        allow: 50,
        grants: vec![("g".into(), 5)],
    };
    apply(&mut r, 5, AT, &settle("h", 55, spend, false)).unwrap();
    let a = &r.users["alice"];
    assert_eq!(
        (a.totals.held, a.totals.spent, a.totals.allow_spent),
        (0, 55, 50)
    );
    assert_eq!(a.open_holds, 0);
    assert_eq!((r.grants["g"].held, r.grants["g"].spent), (0, 5));
    let h = &r.holds["h"];
    assert_eq!(
        (h.state, h.settled, h.end_seq),
        (HoldState::Settled, Some(55), Some(5))
    );
    // The day bucket holds the same figures as the totals.
    assert_eq!(a.days[&day()], a.totals);
}

#[test]
fn a_charge_is_spent_at_once() {
    let mut r = books();
    apply(&mut r, 4, AT, &open(HoldKind::Charge, "c", 20, 0)).unwrap();
    let a = &r.users["alice"];
    assert_eq!((a.totals.spent, a.totals.held, a.open_holds), (20, 0, 0));
    assert_eq!(r.holds["c"].state, HoldState::Settled);
    assert_eq!(r.holds["c"].end_seq, Some(4));
    // A charge cannot be settled again.
    let all = Allocation {
        allow: 20,
        grants: vec![],
    };
    let e = apply(&mut r, 5, AT, &settle("c", 20, all, false)).unwrap_err();
    assert_eq!(
        e.to_string(),
        "the ledger is damaged: settle of `c` while settled (late: false); run `genbudget ledger verify`"
    );
}

#[test]
fn expiry_gives_back_and_a_late_release_returns_nothing() {
    let mut r = books();
    apply(&mut r, 4, AT, &open(HoldKind::Hold, "h", 40, 0)).unwrap();
    apply(
        &mut r,
        5,
        AT,
        &Event::Expire {
            ended: ended("h", 40),
            expires_at: None,
        },
    )
    .unwrap();
    assert_eq!(r.users["alice"].totals.held, 0);
    assert_eq!(r.holds["h"].state, HoldState::Expired);
    // A release after expiry must record 0 returned…
    let bad = Event::Release {
        ended: ended("h", 40),
        reason: None,
        late: true,
        available: None,
    };
    let e = apply(&mut r, 6, AT, &bad).unwrap_err();
    assert!(
        e.to_string()
            .contains("returns 0.00004 but the hold held 0"),
        "{e}"
    );
    let good = Event::Release {
        ended: ended("h", 0),
        reason: None,
        late: true,
        available: None,
    };
    apply(&mut r, 6, AT, &good).unwrap();
    assert_eq!(r.holds["h"].state, HoldState::Released);
    // …and a late settle of an expired hold spends without giving back.
    apply(&mut r, 7, AT, &open(HoldKind::Hold, "h2", 10, 0)).unwrap();
    apply(
        &mut r,
        8,
        AT,
        &Event::Expire {
            ended: ended("h2", 10),
            expires_at: None,
        },
    )
    .unwrap();
    let spend = Allocation {
        allow: 10,
        grants: vec![],
    };
    apply(&mut r, 9, AT, &settle("h2", 10, spend, true)).unwrap();
    let a = &r.users["alice"].totals;
    assert_eq!((a.held, a.spent), (0, 10));
}

#[test]
fn events_that_do_not_fit_are_refused() {
    let mut r = books();
    // Allocation 30 + 5 ≠ 40 credits.
    let mut e = open(HoldKind::Hold, "h", 30, 5);
    if let Event::Open(o) = &mut e {
        o.credits = Micros(40);
    }
    let err = apply(&mut r, 4, AT, &e).unwrap_err();
    assert!(
        err.to_string()
            .contains("allocation 0.000035 ≠ credits 0.00004"),
        "{err}"
    );
    // Settling an unknown hold.
    let err = apply(
        &mut r,
        4,
        AT,
        &settle("nope", 1, Allocation::default(), false),
    )
    .unwrap_err();
    assert!(
        err.to_string().contains("settle of unknown hold `nope`"),
        "{err}"
    );
    // An overrun flag without an amount.
    apply(&mut r, 4, AT, &open(HoldKind::Hold, "h", 10, 0)).unwrap();
    let mut s = settle(
        "h",
        10,
        Allocation {
            allow: 10,
            grants: vec![],
        },
        false,
    );
    if let Event::Settle(x) = &mut s {
        x.overrun = true;
    }
    let err = apply(&mut r, 5, AT, &s).unwrap_err();
    assert!(
        err.to_string()
            .contains("overrun flag and overrun amount disagree"),
        "{err}"
    );
}

fn view(
    cap: i64,
    allow_spent: i64,
    allow_held: i64,
    grants: &[(&str, i64)],
    open: i64,
) -> UserView {
    UserView {
        row: PartyRow {
            id: "alice".into(),
            limits: Limits {
                cap: Some(Micros(cap)),
                period: Period::Month,
                max_holds: Some(2),
            },
            open_holds: open,
            totals: Counters::default(),
            limits_seq: 2,
        },
        bounds: None,
        period: Counters {
            spent: allow_spent,
            held: allow_held,
            allow_spent,
            allow_held,
            overruns: 0,
        },
        grants: grants
            .iter()
            .enumerate()
            .map(|(i, (k, c))| Grant {
                key: (*k).into(),
                user: "alice".into(),
                credits: *c,
                expires: None,
                spent: 0,
                held: 0,
                seq: i as i64,
            })
            .collect(),
    }
}

fn org(cap: Option<i64>, spent: i64, open: i64, max_holds: Option<i64>) -> OrgView {
    OrgView {
        row: PartyRow {
            limits: Limits {
                cap: cap.map(Micros),
                period: Period::Day,
                max_holds,
            },
            open_holds: open,
            ..PartyRow::default()
        },
        bounds: None,
        period: Counters {
            spent,
            ..Counters::default()
        },
    }
}

#[test]
fn allocation_takes_the_allowance_then_grants_in_order() {
    // Cap 100, 70 spent: 30 of allowance left, then g1 (5), then g2 (20).
    let v = view(100, 70, 0, &[("g1", 5), ("g2", 20)], 0);
    assert_eq!(v.available(), Some(55)); // 30 + 5 + 20
    let (a, rest) = v.allocate(40);
    // 40 = 30 allowance + 5 from g1 + 5 from g2.
    assert_eq!(a.allow, 30);
    assert_eq!(a.grants, vec![("g1".into(), 5), ("g2".into(), 5)]);
    assert_eq!(rest, 0);
    // 60 > 55: the 5 nothing covers is charged to the allowance anyway.
    let (a, rest) = v.allocate(60);
    assert_eq!((a.allow, rest), (35, 5));
}

#[test]
fn checks_run_in_order_and_say_the_numbers() {
    let no_org = org(None, 0, 0, None);
    // Fits: 40 ≤ 30 + 20 in grants.
    let v = view(100, 60, 10, &[("g", 20)], 1);
    assert_eq!(limits::check(&v, &no_org, "k", 40, true), None);
    // Over the cap: 60 spent + 10 held + 51 asked > 100 + 20 in grants.
    let d = limits::check(&v, &no_org, "k", 51, true).unwrap();
    assert_eq!(d.limit, "user.cap");
    assert_eq!(
        d.reason,
        "alice's month cap: 0.00006 spent + 0.00001 held + 0.000051 asked > 0.0001 + 0.00002 in grants"
    );
    assert_eq!(d.available.map(|c| c.to_string()), Some("0.00005".into()));
    // The cap fits but max_holds (2) is reached; a charge needs no slot.
    let full = view(100, 0, 0, &[], 2);
    assert_eq!(
        limits::check(&full, &no_org, "k", 1, true).unwrap().limit,
        "user.max_holds"
    );
    assert_eq!(limits::check(&full, &no_org, "k", 1, false), None);
    // The org's cap comes after the user's limits, then the org's max_holds.
    let free = view(100, 0, 0, &[], 0);
    let tight = org(Some(50), 45, 0, Some(1));
    let d = limits::check(&free, &tight, "k", 6, true).unwrap();
    assert_eq!(d.limit, "org.cap");
    assert_eq!(d.available.map(|c| c.to_string()), Some("0.000005".into()));
    let busy = org(Some(50), 0, 1, Some(1));
    assert_eq!(
        limits::check(&free, &busy, "k", 6, true).unwrap().limit,
        "org.max_holds"
    );
}
