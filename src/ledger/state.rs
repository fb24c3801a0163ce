//! The ledger's derived state, as plain data: counters, limits, the rows of
//! users and the org, grants, holds and where their credits come from.
//!
//! The journal is the truth; these values are what it adds up to. A store
//! keeps them as cache tables updated in the same transaction as the entry
//! that explains them (`sqlite/`), and `verify` rebuilds them in memory
//! from the journal alone (`replay.rs`). Both change them only through
//! [`rules::apply`](super::rules::apply).

use chrono::NaiveDate;

use super::amount::Micros;
use super::event::HoldKind;
use super::period::Period;

/// Spending counters of a user (or the org) over some range of days.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counters {
    /// Settled spend, all sources.
    pub spent: i64,
    /// Open holds, all sources.
    pub held: i64,
    /// The parts of `spent` and `held` taken from the period allowance
    /// (the cap); the rest came from grants. Always 0 for the org.
    pub allow_spent: i64,
    pub allow_held: i64,
    /// Number of overrun settles.
    pub overruns: i64,
}

impl Counters {
    /// `self + d`.
    pub fn add(&mut self, d: &Counters) {
        self.spent += d.spent;
        self.held += d.held;
        self.allow_spent += d.allow_spent;
        self.allow_held += d.allow_held;
        self.overruns += d.overruns;
    }

    /// The same counters without the allowance split (what the org keeps).
    pub fn for_org(&self) -> Counters {
        Counters {
            allow_spent: 0,
            allow_held: 0,
            ..*self
        }
    }
}

/// A change to counters (signed), plus a change in open holds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Delta {
    pub c: Counters,
    pub open_holds: i64,
}

/// Spending limits of a user or the org.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Limits {
    pub cap: Option<Micros>,
    pub period: Period,
    pub max_holds: Option<i64>,
}

/// As a person reads them: `cap 500 per month, max_holds none`.
impl std::fmt::Display for Limits {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.cap {
            Some(c) => write!(f, "cap {c} per {}", self.period)?,
            None => write!(f, "cap none per {}", self.period)?,
        }
        match self.max_holds {
            Some(m) => write!(f, ", max_holds {m}"),
            None => write!(f, ", max_holds none"),
        }
    }
}

/// A user (`id` set) or the org (`id` empty): limits, open holds and
/// all-time totals.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PartyRow {
    pub id: String,
    pub limits: Limits,
    /// The entry that set `limits` (`user_add`, `user_set`, `org_set`, or
    /// `init` for the org's first limits): a write checks the row against
    /// it, so a cache changed behind the ledger's back is refused.
    pub limits_seq: i64,
    pub open_holds: i64,
    pub totals: Counters,
}

/// A grant: extra credits for one user.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Grant {
    pub key: String,
    pub user: String,
    pub credits: i64,
    /// Last local date on which the grant can be used.
    pub expires: Option<NaiveDate>,
    pub spent: i64,
    pub held: i64,
    /// The entry that gave it.
    pub seq: i64,
}

impl Grant {
    /// Credits neither spent nor held.
    pub fn free(&self) -> i64 {
        self.credits - self.spent - self.held
    }
}

/// What a service token may do (see `genbudget serve`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Role {
    /// Everything, including users, org limits and grants.
    Admin,
    /// Reserve, settle, release, charge, quote, and read any user.
    App,
    /// Read one user's status and holds.
    User,
}

impl Role {
    /// Every role.
    pub const ALL: [Role; 3] = [Role::Admin, Role::App, Role::User];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::App => "app",
            Role::User => "user",
        }
    }

    pub fn parse(text: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == text)
    }
}

/// A service token: its name, role, bound user, and the SHA-256 of its
/// secret (the secret itself is never stored).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Token {
    pub name: String,
    pub role: Role,
    /// The user a `user` token is bound to.
    pub user: Option<String>,
    /// Hex SHA-256 of the secret.
    pub sha256: String,
    /// RFC 3339 time and seq of the entry that added it.
    pub created_at: String,
    pub seq: i64,
    /// RFC 3339 time and seq of the entry that revoked it.
    pub revoked_at: Option<String>,
    pub revoked_seq: Option<i64>,
}

/// The life of a hold.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HoldState {
    Open,
    Settled,
    Released,
    Expired,
}

impl HoldState {
    /// Every state.
    pub const ALL: [HoldState; 4] = [
        HoldState::Open,
        HoldState::Settled,
        HoldState::Released,
        HoldState::Expired,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            HoldState::Open => "open",
            HoldState::Settled => "settled",
            HoldState::Released => "released",
            HoldState::Expired => "expired",
        }
    }

    pub fn parse(text: &str) -> Option<HoldState> {
        HoldState::ALL.into_iter().find(|s| s.as_str() == text)
    }
}

/// Where a hold's (or a spend's) credits come from.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Allocation {
    /// From the period allowance (for a spend: including any overrun).
    pub allow: i64,
    /// From grants, by grant key, in the order drawn.
    pub grants: Vec<(String, i64)>,
}

impl Allocation {
    /// The whole amount.
    pub fn total(&self) -> i64 {
        self.allow + self.grants.iter().map(|(_, a)| a).sum::<i64>()
    }

    /// The grants part as a store keeps it (`holds.grants`):
    /// `[[key, "amount"], …]`, canonical JSON.
    pub fn grants_text(&self) -> String {
        let v: Vec<serde_json::Value> = self
            .grants
            .iter()
            .map(|(k, m)| serde_json::json!([k, Micros(*m).to_string()]))
            .collect();
        super::journal::canonical_json(&serde_json::Value::Array(v))
    }

    /// Reads [`Allocation::grants_text`] back (`None`: not such a list).
    pub fn grants_from_text(text: &str) -> Option<Vec<(String, i64)>> {
        let pairs: Vec<(String, String)> = serde_json::from_str(text).ok()?;
        pairs
            .into_iter()
            .map(|(k, a)| Some((k, Micros::parse(&a).ok()?.0)))
            .collect()
    }

    /// Takes `amount` out of this allocation in its own order (allowance
    /// first, then the grants as drawn): what a settle spends of its hold.
    pub fn consume(&self, amount: i64) -> Allocation {
        let mut rest = amount;
        let allow = rest.min(self.allow);
        rest -= allow;
        let mut grants = Vec::new();
        for (k, a) in &self.grants {
            if rest == 0 {
                break;
            }
            let take = rest.min(*a);
            grants.push((k.clone(), take));
            rest -= take;
        }
        Allocation { allow, grants }
    }

    /// `self` followed by `more` (amounts of the same grant added up).
    pub fn merge(mut self, more: Allocation) -> Allocation {
        self.allow += more.allow;
        for (k, v) in more.grants {
            match self.grants.iter_mut().find(|(g, _)| *g == k) {
                Some((_, total)) => *total += v,
                None => self.grants.push((k, v)),
            }
        }
        self
    }
}

/// A hold or one-step charge, by its key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Hold {
    pub key: String,
    pub kind: HoldKind,
    pub user: String,
    pub model: Option<String>,
    /// Local date it was granted: the period its spending belongs to.
    pub day: NaiveDate,
    pub credits: i64,
    pub alloc: Allocation,
    /// RFC 3339 time of its opening entry.
    pub created_at: String,
    /// Unix time in microseconds (holds only).
    pub expires_at: Option<i64>,
    pub state: HoldState,
    pub settled: Option<i64>,
    pub overrun: bool,
    /// The entry that opened it, and the one that ended it.
    pub seq: i64,
    pub end_seq: Option<i64>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn consume_takes_the_allowance_first_then_grants_in_order() {
        let a = Allocation {
            allow: 10,
            grants: vec![("g1".into(), 5), ("g2".into(), 5)],
        };
        assert_eq!(a.total(), 20);
        // 17 = 10 from the allowance + 5 from g1 + 2 from g2.
        assert_eq!(
            a.consume(17),
            Allocation {
                allow: 10,
                grants: vec![("g1".into(), 5), ("g2".into(), 2)]
            }
        );
        assert_eq!(
            a.consume(4),
            Allocation {
                allow: 4,
                grants: vec![]
            }
        );
    }

    #[test]
    fn merge_adds_amounts_of_the_same_grant() {
        let a = Allocation {
            allow: 3,
            grants: vec![("g1".into(), 2)],
        };
        let b = Allocation {
            allow: 1,
            grants: vec![("g2".into(), 4), ("g1".into(), 1)],
        };
        // allow 3 + 1; g1 2 + 1; g2 new.
        assert_eq!(
            a.merge(b),
            Allocation {
                allow: 4,
                grants: vec![("g1".into(), 3), ("g2".into(), 4)]
            }
        );
    }

    #[test]
    fn hold_states_read_back() {
        for s in HoldState::ALL {
            assert_eq!(HoldState::parse(s.as_str()), Some(s));
        }
        assert_eq!(HoldState::parse("pending"), None);
    }
}
