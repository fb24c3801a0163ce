//! The booking rules: what each event does to the ledger's state, written
//! once and used by both roads through the ledger.
//!
//! [`apply`] takes an [`Event`] and books its effects on anything that
//! implements [`Books`]: the store's cache tables inside a write
//! transaction (the write path, `ops/`), or the in-memory state that
//! `verify` rebuilds from the journal alone (`replay.rs`). Because both run
//! the same function, the caches and the replay can only disagree when a
//! cache was changed behind the ledger's back.
//!
//! Deciding *whether* to write an event (caps, `max_holds`, idempotent
//! keys) is [`limits`] and the operations in `ops/`; this module only says
//! what an event, once written, means.

pub mod limits;

use chrono::NaiveDate;

use super::amount::Micros;
use super::error::{LedgerError, Result};
use super::event::{Ended, Event, HoldKind};
use super::settings::Settings;
use super::state::{Allocation, Counters, Delta, Grant, Hold, HoldState, Limits, Role, Token};

/// The state that events change. Implemented by a store's write
/// transaction (cache tables) and by [`Replay`](super::replay::Replay)
/// (memory).
pub trait Books {
    /// The settings of a new ledger (its `init` entry).
    fn init(&mut self, settings: &Settings) -> Result<()>;
    /// A new user, whose limits entry `seq` set.
    fn add_user(&mut self, id: &str, limits: &Limits, seq: i64) -> Result<()>;
    /// New limits, set by entry `seq`, for a user, or for the org when
    /// `user` is `None`.
    fn set_limits(&mut self, user: Option<&str>, limits: &Limits, seq: i64) -> Result<()>;
    /// A new grant.
    fn add_grant(&mut self, grant: &Grant) -> Result<()>;
    /// Adds `spent` and `held` (signed) to a grant.
    fn use_grant(&mut self, key: &str, spent: i64, held: i64) -> Result<()>;
    /// Adds `delta` to a user's totals and day, and (without the allowance
    /// split) to the org's.
    fn count(&mut self, user: &str, day: NaiveDate, delta: &Delta) -> Result<()>;
    /// The hold or charge under `key`.
    fn hold(&mut self, key: &str) -> Result<Option<Hold>>;
    /// A new hold or charge.
    fn open_hold(&mut self, hold: &Hold) -> Result<()>;
    /// The token called `name`, revoked or not.
    fn token(&mut self, name: &str) -> Result<Option<Token>>;
    /// A new token.
    fn add_token(&mut self, token: &Token) -> Result<()>;
    /// Marks a token revoked by entry `seq` at `at`.
    fn revoke_token(&mut self, name: &str, seq: i64, at: &str) -> Result<()>;
    /// How a hold ended.
    fn end_hold(
        &mut self,
        key: &str,
        state: HoldState,
        settled: Option<i64>,
        overrun: bool,
        end_seq: i64,
    ) -> Result<()>;
}

fn broken(message: String) -> LedgerError {
    LedgerError::Corrupt(message)
}

/// Books the effects of `event`, recorded as entry `seq` at `at`. An event
/// that does not fit the state (settling a released hold, an allocation
/// that does not add up) is a [`LedgerError::Corrupt`].
pub fn apply<B: Books + ?Sized>(b: &mut B, seq: i64, at: &str, event: &Event) -> Result<()> {
    match event {
        Event::Init { settings, .. } => b.init(settings),
        Event::Migrate { .. } => Ok(()),
        Event::UserAdd { user, limits } => b.add_user(user, limits, seq),
        Event::UserSet { user, limits } => b.set_limits(Some(user), limits, seq),
        Event::OrgSet { limits } => b.set_limits(None, limits, seq),
        Event::Grant(g) => b.add_grant(&Grant {
            key: g.key.clone(),
            user: g.user.clone(),
            credits: g.credits.0,
            expires: g.expires,
            spent: 0,
            held: 0,
            seq,
        }),
        Event::Open(o) => {
            if o.alloc.total() != o.credits.0 {
                return Err(broken(format!(
                    "allocation {} ≠ credits {}",
                    Micros(o.alloc.total()),
                    o.credits
                )));
            }
            let charge = o.kind == HoldKind::Charge;
            b.open_hold(&Hold {
                key: o.key.clone(),
                kind: o.kind,
                user: o.user.clone(),
                model: o.model.clone(),
                day: o.day,
                credits: o.credits.0,
                alloc: o.alloc.clone(),
                created_at: at.to_string(),
                expires_at: o.expires_at.map(|t| t.timestamp_micros()),
                state: if charge {
                    HoldState::Settled
                } else {
                    HoldState::Open
                },
                settled: charge.then_some(o.credits.0),
                overrun: false,
                seq,
                end_seq: charge.then_some(seq),
            })?;
            if charge {
                spend(b, &o.user, o.day, o.credits.0, &o.alloc, false)
            } else {
                let d = Delta {
                    c: Counters {
                        held: o.credits.0,
                        allow_held: o.alloc.allow,
                        ..Counters::default()
                    },
                    open_holds: 1,
                };
                b.count(&o.user, o.day, &d)?;
                for (k, a) in &o.alloc.grants {
                    b.use_grant(k, 0, *a)?;
                }
                Ok(())
            }
        }
        Event::Settle(s) => {
            let h = existing(b, &s.key, "settle")?;
            if s.spend.total() != s.credits.0 {
                return Err(broken(format!(
                    "allocation {} ≠ credits {}",
                    Micros(s.spend.total()),
                    s.credits
                )));
            }
            if s.overrun != s.over.is_some() {
                return Err(broken("overrun flag and overrun amount disagree".into()));
            }
            match (h.state, s.late) {
                (HoldState::Open, false) => give_back(b, &h)?,
                (HoldState::Expired, true) => {}
                (state, late) => {
                    return Err(broken(format!(
                        "settle of `{}` while {} (late: {late})",
                        h.key,
                        state.as_str()
                    )));
                }
            }
            spend(b, &h.user, h.day, s.credits.0, &s.spend, s.overrun)?;
            b.end_hold(
                &h.key,
                HoldState::Settled,
                Some(s.credits.0),
                s.overrun,
                seq,
            )
        }
        Event::Release { ended, .. } => close(b, seq, ended, HoldState::Released),
        Event::Expire { ended, .. } => close(b, seq, ended, HoldState::Expired),
        Event::TokenAdd(t) => {
            if b.token(&t.name)?.is_some() {
                return Err(broken(format!("token `{}` added twice", t.name)));
            }
            if (t.role == Role::User) != t.user.is_some() {
                return Err(broken(format!(
                    "token `{}`: a user token is bound to one user, and only it",
                    t.name
                )));
            }
            b.add_token(&Token {
                name: t.name.clone(),
                role: t.role,
                user: t.user.clone(),
                sha256: t.sha256.clone(),
                created_at: at.to_string(),
                seq,
                revoked_at: None,
                revoked_seq: None,
            })
        }
        Event::TokenRevoke { name } => match b.token(name)? {
            Some(t) if t.revoked_seq.is_none() => b.revoke_token(name, seq, at),
            Some(_) => Err(broken(format!("token `{name}` revoked twice"))),
            None => Err(broken(format!("revoke of unknown token `{name}`"))),
        },
    }
}

fn existing<B: Books + ?Sized>(b: &mut B, key: &str, what: &str) -> Result<Hold> {
    b.hold(key)?
        .ok_or_else(|| broken(format!("{what} of unknown hold `{key}`")))
}

/// Releasing or expiring: an open hold gives its credits back; a release
/// after expiry gives back nothing (expiry already did).
fn close<B: Books + ?Sized>(b: &mut B, seq: i64, e: &Ended, to: HoldState) -> Result<()> {
    let verb = if to == HoldState::Expired {
        "expire"
    } else {
        "release"
    };
    let h = existing(b, &e.key, verb)?;
    let returned = match h.state {
        HoldState::Open => {
            give_back(b, &h)?;
            h.credits
        }
        HoldState::Expired if to == HoldState::Released => 0,
        s => {
            return Err(broken(format!(
                "{verb} of `{}` while {}",
                h.key,
                s.as_str()
            )));
        }
    };
    if returned != e.credits.0 {
        return Err(broken(format!(
            "returns {} but the hold held {}",
            e.credits,
            Micros(returned)
        )));
    }
    b.end_hold(&h.key, to, None, false, seq)
}

/// Returns an open hold's credits to where they came from.
pub fn give_back<B: Books + ?Sized>(b: &mut B, h: &Hold) -> Result<()> {
    let d = Delta {
        c: Counters {
            held: -h.credits,
            allow_held: -h.alloc.allow,
            ..Counters::default()
        },
        open_holds: -1,
    };
    b.count(&h.user, h.day, &d)?;
    for (k, a) in &h.alloc.grants {
        b.use_grant(k, 0, -a)?;
    }
    Ok(())
}

/// Books spending of `amount`, split as `from`, on `user` in `day`.
fn spend<B: Books + ?Sized>(
    b: &mut B,
    user: &str,
    day: NaiveDate,
    amount: i64,
    from: &Allocation,
    overrun: bool,
) -> Result<()> {
    let d = Delta {
        c: Counters {
            spent: amount,
            allow_spent: from.allow,
            overruns: i64::from(overrun),
            ..Counters::default()
        },
        open_holds: 0,
    };
    b.count(user, day, &d)?;
    for (k, a) in &from.grants {
        b.use_grant(k, *a, 0)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests;
