//! What a user and the org can still spend, and the checks that grant or
//! deny a hold — from plain data, with no storage in sight.
//!
//! A user's *allowance* in a period is `cap − allow_spent − allow_held` (the
//! parts of spending and holds drawn on the cap); *grants* are the user's
//! unexpired grant credits neither spent nor held. Available is
//! `max(0, allowance) + grants`. The org has no grants: its available is
//! `cap − spent − held` over its own period. Checks run in this order and
//! the first that refuses is reported: user cap, user `max_holds`, org cap,
//! org `max_holds`. The operations (`ops/`) load a [`UserView`] and an
//! [`OrgView`] from the store and ask [`check`].

use chrono::NaiveDate;

use crate::ledger::amount::Micros;
use crate::ledger::docs::Denial;
use crate::ledger::period::Period;
use crate::ledger::state::{Allocation, Counters, Grant, PartyRow};

/// A user's position in the period containing some day.
#[derive(Clone, Debug)]
pub struct UserView {
    pub row: PartyRow,
    pub bounds: Option<(NaiveDate, NaiveDate)>,
    /// Counters over the period.
    pub period: Counters,
    /// Usable grants with credits left, in spending order.
    pub grants: Vec<Grant>,
}

impl UserView {
    /// Cap left in the period (negative after an overrun); `None` = no cap.
    pub fn allowance(&self) -> Option<i64> {
        let cap = self.row.limits.cap?.0;
        Some(cap - self.period.allow_spent - self.period.allow_held)
    }

    /// Grant credits free to draw on.
    pub fn grants_free(&self) -> i64 {
        self.grants.iter().map(Grant::free).sum()
    }

    /// What the user can still be granted; `None` = no cap.
    pub fn available(&self) -> Option<i64> {
        self.allowance().map(|a| a.max(0) + self.grants_free())
    }

    /// Splits `amount` over the allowance, then grants (earliest expiry
    /// first). Returns the split and the part that fits nowhere (which the
    /// split charges to the allowance anyway).
    pub fn allocate(&self, amount: i64) -> (Allocation, i64) {
        let Some(allowance) = self.allowance() else {
            return (
                Allocation {
                    allow: amount,
                    grants: Vec::new(),
                },
                0,
            );
        };
        let mut rest = amount;
        let allow = rest.min(allowance.max(0));
        rest -= allow;
        let mut grants = Vec::new();
        for g in &self.grants {
            if rest == 0 {
                break;
            }
            let take = rest.min(g.free());
            if take > 0 {
                grants.push((g.key.clone(), take));
                rest -= take;
            }
        }
        (
            Allocation {
                allow: allow + rest,
                grants,
            },
            rest,
        )
    }
}

/// The org's position in the period containing some day.
#[derive(Clone, Debug)]
pub struct OrgView {
    pub row: PartyRow,
    pub bounds: Option<(NaiveDate, NaiveDate)>,
    pub period: Counters,
}

impl OrgView {
    /// Cap left (negative after an overrun); `None` = no cap.
    pub fn free(&self) -> Option<i64> {
        let cap = self.row.limits.cap?.0;
        Some(cap - self.period.spent - self.period.held)
    }

    /// What the org can still be granted; `None` = no cap.
    pub fn available(&self) -> Option<i64> {
        self.free().map(|f| f.max(0))
    }
}

fn cr(m: i64) -> String {
    Micros(m).to_string()
}

fn cap_name(period: Period) -> String {
    match period {
        Period::None => "cap".into(),
        p => format!("{p} cap"),
    }
}

/// Checks a request for `asked` credits; `slot` when it needs a hold slot
/// (`max_holds`). Returns the first limit that refuses.
pub fn check(user: &UserView, org: &OrgView, key: &str, asked: i64, slot: bool) -> Option<Denial> {
    let id = &user.row.id;
    let deny = |limit: &'static str, reason: String, available: Option<i64>| Denial {
        schema: "genbudget.denial/1",
        key: key.to_string(),
        user: id.clone(),
        limit,
        reason,
        asked: Micros(asked).credits(),
        available: available.map(|a| Micros(a).credits()),
    };
    let p = &user.period;
    if let (Some(cap), Some(available)) = (user.row.limits.cap, user.available()) {
        if asked <= available {
            return check_holds_and_org(user, org, asked, slot, deny);
        }
        // spent + held + asked > cap + grants, with `grants` counting the
        // grant credits this period's spending and holds already drew on.
        let from_grants = p.spent - p.allow_spent + p.held - p.allow_held;
        let grants = user.grants_free() + from_grants;
        let mut reason = format!(
            "{id}'s {}: {} spent + {} held + {} asked > {}",
            cap_name(user.row.limits.period),
            cr(p.spent),
            cr(p.held),
            cr(asked),
            cap
        );
        if grants > 0 {
            reason.push_str(&format!(" + {} in grants", cr(grants)));
        }
        return Some(deny("user.cap", reason, Some(available)));
    }
    check_holds_and_org(user, org, asked, slot, deny)
}

fn check_holds_and_org(
    user: &UserView,
    org: &OrgView,
    asked: i64,
    slot: bool,
    deny: impl Fn(&'static str, String, Option<i64>) -> Denial,
) -> Option<Denial> {
    let id = &user.row.id;
    let max = user.row.limits.max_holds.unwrap_or(i64::MAX);
    if slot && user.row.open_holds + 1 > max {
        let reason = format!(
            "{id}'s max_holds: {} open holds + 1 asked > {max}",
            user.row.open_holds
        );
        return Some(deny("user.max_holds", reason, user.available()));
    }
    let (cap, free) = (org.row.limits.cap, org.free().unwrap_or(i64::MAX));
    if let Some(cap) = cap.filter(|_| asked > free) {
        let reason = format!(
            "the org's {}: {} spent + {} held + {} asked > {}",
            cap_name(org.row.limits.period),
            cr(org.period.spent),
            cr(org.period.held),
            cr(asked),
            cap
        );
        return Some(deny("org.cap", reason, org.available()));
    }
    let max = org.row.limits.max_holds.unwrap_or(i64::MAX);
    if slot && org.row.open_holds + 1 > max {
        let reason = format!(
            "the org's max_holds: {} open holds + 1 asked > {max}",
            org.row.open_holds
        );
        return Some(deny("org.max_holds", reason, org.available()));
    }
    None
}
