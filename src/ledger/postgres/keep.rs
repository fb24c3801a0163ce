//! Kept answers that stay true across the transaction's own writes.
//!
//! A transaction keeps what it read ([`Key`] → [`Answer`]). A write used to
//! drop them all, so a settle read its user's position again after its
//! own writes, one more round trip inside the head lock. The common writes
//! (counters, grant use, holds opened and ended, journal entries) are
//! instead applied here to the answers they change, the way the server
//! applies them to the rows; an answer that cannot be brought up to date
//! for certain (a sum that would overflow, a grant that may have become
//! usable, a hold that may now be overdue) is dropped and read again. The
//! rare writes (users, limits, grants given, tokens) still drop everything.
//!
//! The model test runs every operation on PostgreSQL against a reference
//! model, so an answer kept wrong would show there as a different result.

use std::collections::HashMap;

use chrono::NaiveDate;

use crate::ledger::journal::Entry;
use crate::ledger::state::{Counters, Delta, Grant, Hold, HoldState, PartyRow};

use super::reads::{Answer, Key};

/// The kept answers of one transaction.
pub(super) type Kept = HashMap<Key, Answer>;

/// `c + d`, or `None` on overflow (the server refuses the write then).
fn add(c: &Counters, d: &Counters) -> Option<Counters> {
    Some(Counters {
        spent: c.spent.checked_add(d.spent)?,
        held: c.held.checked_add(d.held)?,
        allow_spent: c.allow_spent.checked_add(d.allow_spent)?,
        allow_held: c.allow_held.checked_add(d.allow_held)?,
        overruns: c.overruns.checked_add(d.overruns)?,
    })
}

/// A party's row with `c` added to its totals and `holds` to its open
/// holds; `false` (the row unchanged) on overflow.
fn add_row(row: &mut PartyRow, c: &Counters, holds: i64) -> bool {
    match (add(&row.totals, c), row.open_holds.checked_add(holds)) {
        (Some(t), Some(n)) => {
            row.totals = t;
            row.open_holds = n;
            true
        }
        _ => false,
    }
}

/// A grant with `spent` and `held` added; `false` (unchanged) on overflow.
fn add_use(g: &mut Grant, spent: i64, held: i64) -> bool {
    match (g.spent.checked_add(spent), g.held.checked_add(held)) {
        (Some(s), Some(h)) => {
            g.spent = s;
            g.held = h;
            true
        }
        _ => false,
    }
}

/// Applies `f` to every kept answer; drops those it answers `false` for.
fn each(kept: &mut Kept, mut f: impl FnMut(&Key, &mut Answer) -> bool) {
    kept.retain(|k, a| f(k, a));
}

/// A counters change (`Books::count`): the user's row and the user's
/// counters over a range holding `day` take all of it; the org's row and
/// counters take it without the allowance split (as the statement does).
pub(super) fn count(kept: &mut Kept, user: &str, day: NaiveDate, delta: &Delta) {
    let org = Counters {
        allow_spent: 0,
        allow_held: 0,
        ..delta.c
    };
    let within = |s: &NaiveDate, e: &NaiveDate| *s <= day && day < *e;
    each(kept, |k, a| match (k, a) {
        (Key::User(u), Answer::User(Some(row))) if u == user => {
            add_row(row, &delta.c, delta.open_holds)
        }
        (Key::UserDays(u, s, e), Answer::Counters(c)) if u == user && within(s, e) => {
            add(c, &delta.c).map(|n| *c = n).is_some()
        }
        (Key::Org, Answer::Org(row)) => add_row(row, &org, delta.open_holds),
        (Key::OrgDays(s, e), Answer::Counters(c)) if within(s, e) => {
            add(c, &org).map(|n| *c = n).is_some()
        }
        _ => true,
    });
}

/// A grant's use (`Books::use_grant`): the grant itself and the usable
/// lists that hold it. A grant that comes free again (a hold returned)
/// may become usable: the lists that do not hold it are read again.
pub(super) fn use_grant(kept: &mut Kept, key: &str, spent: i64, held: i64) {
    let frees = spent.checked_add(held).is_none_or(|n| n < 0);
    each(kept, |k, a| match a {
        Answer::Grant(Some(g)) if g.key == key => add_use(g, spent, held),
        Answer::Grants(list) if matches!(k, Key::Usable(..)) => {
            let Some(at) = list.iter().position(|g| g.key == key) else {
                return !frees;
            };
            if !add_use(&mut list[at], spent, held) {
                return false;
            }
            // Still usable only while something is free.
            let g = &list[at];
            if g.spent.checked_add(g.held).is_none_or(|n| n >= g.credits) {
                list.remove(at);
            }
            true
        }
        _ => true,
    });
}

/// A new hold or charge (`Books::open_hold`): its key now answers it; an
/// open hold already past an overdue list's time would belong in that
/// list, which is then read again.
pub(super) fn open_hold(kept: &mut Kept, h: &Hold) {
    each(kept, |k, _| match k {
        Key::Overdue(now) => {
            !(h.state == HoldState::Open && h.expires_at.is_some_and(|at| at <= *now))
        }
        _ => true,
    });
    kept.insert(Key::Hold(h.key.clone()), Answer::Hold(Some(h.clone())));
}

/// A hold's end (`Books::end_hold`): the hold as its key answers it, and
/// off every overdue list (only open holds are overdue).
pub(super) fn end_hold(
    kept: &mut Kept,
    key: &str,
    state: HoldState,
    settled: Option<i64>,
    overrun: bool,
    end_seq: i64,
) {
    each(kept, |_, a| {
        match a {
            Answer::Hold(Some(h)) if h.key == key => {
                h.state = state;
                h.settled = settled;
                h.overrun = overrun;
                h.end_seq = Some(end_seq);
            }
            Answer::Holds(list) if state != HoldState::Open => list.retain(|h| h.key != key),
            _ => {}
        }
        true
    });
}

/// A new journal entry: its seq now answers it.
pub(super) fn entry(kept: &mut Kept, e: &Entry) {
    kept.insert(Key::Entry(e.seq), Answer::Entry(Some(e.clone())));
}

/// Whether a read announced as `k` is answered by what is kept: a party
/// read by the party's row and its counters over the party's own period
/// holding the day (the bounds the read itself gives, see `reads.rs`).
pub(super) fn has(kept: &Kept, k: &Key) -> bool {
    match k {
        Key::UserParty(u, day) => match kept.get(&Key::User(u.clone())) {
            Some(Answer::User(None)) => true,
            Some(Answer::User(Some(row))) => row
                .limits
                .period
                .bounds(*day)
                .is_none_or(|(s, e)| kept.contains_key(&Key::UserDays(u.clone(), s, e))),
            _ => false,
        },
        Key::OrgParty(day) => match kept.get(&Key::Org) {
            Some(Answer::Org(row)) => row
                .limits
                .period
                .bounds(*day)
                .is_none_or(|(s, e)| kept.contains_key(&Key::OrgDays(s, e))),
            _ => false,
        },
        // The entry that set a party's limits, by the seq its row names.
        Key::LimitsEntry(Some(u)) => match kept.get(&Key::User(u.clone())) {
            Some(Answer::User(None)) => true,
            Some(Answer::User(Some(row))) => kept.contains_key(&Key::Entry(row.limits_seq)),
            _ => false,
        },
        Key::LimitsEntry(None) => match kept.get(&Key::Org) {
            Some(Answer::Org(row)) => kept.contains_key(&Key::Entry(row.limits_seq)),
            _ => false,
        },
        // Reads by a hold's key: answered by the plain reads of the
        // party holding it, once the hold itself is kept (no such hold:
        // nothing to read).
        Key::HoldUser(key) | Key::HoldOrg(key) | Key::HoldUsable(key, _) | Key::HoldLimits(key) => {
            match kept.get(&Key::Hold(key.clone())) {
                Some(Answer::Hold(None)) => true,
                Some(Answer::Hold(Some(h))) => has(
                    kept,
                    &match k {
                        Key::HoldUser(_) => Key::UserParty(h.user.clone(), h.day),
                        Key::HoldOrg(_) => Key::OrgParty(h.day),
                        Key::HoldUsable(_, today) => Key::Usable(h.user.clone(), *today),
                        _ => Key::LimitsEntry(Some(h.user.clone())),
                    },
                ),
                _ => false,
            }
        }
        k => kept.contains_key(k),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ledger::period::Period;
    use crate::ledger::state::Limits;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn grant(key: &str, credits: i64, spent: i64, held: i64) -> Grant {
        Grant {
            key: key.into(),
            user: "alice".into(),
            credits,
            expires: None,
            spent,
            held,
            seq: 3,
        }
    }

    fn row(id: &str, period: Period) -> PartyRow {
        PartyRow {
            id: id.into(),
            limits: Limits {
                period,
                ..Limits::default()
            },
            limits_seq: 2,
            open_holds: 1,
            totals: Counters {
                spent: 10,
                held: 5,
                allow_spent: 10,
                allow_held: 5,
                overruns: 0,
            },
        }
    }

    #[test]
    fn a_count_reaches_the_rows_and_the_ranges_holding_its_day_and_no_other() {
        let mut kept = Kept::new();
        let (apr, may) = (
            Key::UserDays("alice".into(), d("2026-04-01"), d("2026-05-01")),
            Key::UserDays("alice".into(), d("2026-05-01"), d("2026-06-01")),
        );
        kept.insert(
            Key::User("alice".into()),
            Answer::User(Some(row("alice", Period::Month))),
        );
        kept.insert(
            Key::User("bob".into()),
            Answer::User(Some(row("bob", Period::Month))),
        );
        kept.insert(apr.clone(), Answer::Counters(Counters::default()));
        kept.insert(may.clone(), Answer::Counters(Counters::default()));
        kept.insert(Key::Org, Answer::Org(row("", Period::None)));
        kept.insert(
            Key::OrgDays(d("2026-04-20"), d("2026-04-21")),
            Answer::Counters(Counters::default()),
        );
        // A settle of 3 against a hold of 5, all from the allowance:
        // held −5, spent +3, one hold fewer.
        let delta = Delta {
            c: Counters {
                spent: 3,
                held: -5,
                allow_spent: 3,
                allow_held: -5,
                overruns: 0,
            },
            open_holds: -1,
        };
        count(&mut kept, "alice", d("2026-04-20"), &delta);
        let Some(Answer::User(Some(a))) = kept.get(&Key::User("alice".into())) else {
            panic!("alice's row was dropped")
        };
        // 10 + 3 spent, 5 − 5 held, 1 − 1 holds.
        assert_eq!((a.totals.spent, a.totals.held, a.open_holds), (13, 0, 0));
        assert_eq!(a.totals.allow_spent, 13);
        let Some(Answer::User(Some(b))) = kept.get(&Key::User("bob".into())) else {
            panic!()
        };
        assert_eq!(b.totals.spent, 10, "another user's row is untouched");
        let Some(Answer::Counters(c)) = kept.get(&apr) else {
            panic!()
        };
        assert_eq!((c.spent, c.held), (3, -5));
        let Some(Answer::Counters(c)) = kept.get(&may) else {
            panic!()
        };
        assert_eq!(c.spent, 0, "May does not hold 20 April");
        // The org takes spent and held, never the allowance split.
        let Some(Answer::Org(o)) = kept.get(&Key::Org) else {
            panic!()
        };
        assert_eq!((o.totals.spent, o.totals.allow_spent), (13, 10));
        let Some(Answer::Counters(c)) = kept.get(&Key::OrgDays(d("2026-04-20"), d("2026-04-21")))
        else {
            panic!()
        };
        assert_eq!((c.spent, c.held, c.allow_spent), (3, -5, 0));
    }

    #[test]
    fn a_count_that_would_overflow_drops_the_answer() {
        let mut kept = Kept::new();
        let k = Key::UserDays("alice".into(), d("2026-04-01"), d("2026-05-01"));
        kept.insert(
            k.clone(),
            Answer::Counters(Counters {
                spent: i64::MAX,
                ..Counters::default()
            }),
        );
        let delta = Delta {
            c: Counters {
                spent: 1,
                ..Counters::default()
            },
            open_holds: 0,
        };
        count(&mut kept, "alice", d("2026-04-02"), &delta);
        assert!(!kept.contains_key(&k));
    }

    #[test]
    fn a_used_up_grant_leaves_the_usable_list_and_a_freed_one_makes_it_read_again() {
        let usable = Key::Usable("alice".into(), d("2026-04-20"));
        let mut kept = Kept::new();
        kept.insert(
            usable.clone(),
            Answer::Grants(vec![grant("g1", 10, 4, 0), grant("g2", 5, 0, 0)]),
        );
        kept.insert(
            Key::Grant("g1".into()),
            Answer::Grant(Some(grant("g1", 10, 4, 0))),
        );
        // 6 more held on g1: 4 + 6 = 10 of 10, nothing free.
        use_grant(&mut kept, "g1", 0, 6);
        let Some(Answer::Grants(list)) = kept.get(&usable) else {
            panic!()
        };
        assert_eq!(
            list.iter().map(|g| g.key.as_str()).collect::<Vec<_>>(),
            ["g2"]
        );
        let Some(Answer::Grant(Some(g))) = kept.get(&Key::Grant("g1".into())) else {
            panic!()
        };
        assert_eq!((g.spent, g.held), (4, 6));
        // g1 gets 6 back: it is usable again, but the list does not hold
        // it, so the list must be read again.
        use_grant(&mut kept, "g1", 0, -6);
        assert!(!kept.contains_key(&usable));
    }

    #[test]
    fn holds_end_off_the_overdue_lists_and_a_party_read_is_answered_by_its_parts() {
        let mut kept = Kept::new();
        let h = Hold {
            key: "k".into(),
            kind: crate::ledger::event::HoldKind::Hold,
            user: "alice".into(),
            model: None,
            day: d("2026-04-20"),
            credits: 5,
            alloc: Default::default(),
            created_at: "2026-04-20T09:00:00Z".into(),
            expires_at: Some(100),
            state: HoldState::Open,
            settled: None,
            overrun: false,
            seq: 4,
            end_seq: None,
        };
        kept.insert(Key::Overdue(200), Answer::Holds(vec![h.clone()]));
        end_hold(&mut kept, "k", HoldState::Expired, None, false, 5);
        let Some(Answer::Holds(list)) = kept.get(&Key::Overdue(200)) else {
            panic!()
        };
        assert!(list.is_empty());
        // An open hold already past the list's time would belong in it.
        open_hold(&mut kept, &h);
        assert!(!kept.contains_key(&Key::Overdue(200)));
        assert!(matches!(
            kept.get(&Key::Hold("k".into())),
            Some(Answer::Hold(Some(_)))
        ));

        let party = Key::UserParty("alice".into(), d("2026-04-20"));
        assert!(!has(&kept, &party));
        kept.insert(
            Key::User("alice".into()),
            Answer::User(Some(row("alice", Period::Week))),
        );
        assert!(!has(&kept, &party), "the week's counters are missing");
        // 2026-04-20 is a Monday: its week is 20–27 April.
        kept.insert(
            Key::UserDays("alice".into(), d("2026-04-20"), d("2026-04-27")),
            Answer::Counters(Counters::default()),
        );
        assert!(has(&kept, &party));
    }
}
