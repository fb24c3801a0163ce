//! The ledger's own thread: every request that touches the ledger becomes a
//! [`Job`] on one queue, and this thread works through it in batches.
//!
//! A batch is every job waiting when the thread comes round (up to
//! [`MAX_BATCH`]). For the batch it reads the active tokens once (so a
//! token revoked before a request arrived is refused), authenticates and
//! authorises each job, answers reads at once, and runs all the batch's
//! holds, charges, settles and releases as one [`Ledger::group`]: one
//! transaction, one commit, one fsync, each write in a savepoint of its own
//! so that a denial or a bad request changes nothing for the others. Replies
//! go out only after the commit returns, so a `2xx` is never sent for a
//! change that is not durable.
//!
//! The thread is an ordinary OS thread, not a task of the async runtime:
//! the ledger's storage calls block, and a database driver that runs its own
//! runtime (PostgreSQL's) must not be called from inside another.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use tokio::sync::{mpsc, oneshot};

use crate::ledger::{
    Cost, Decision, Denial, Done, GrantDoc, GrantRequest, HoldDoc, HoldsDoc, Ledger, LedgerError,
    Limits, LimitsChange, ModelRequest, Op, ReportDoc, ReportQuery, Role, StatusDoc, period,
    state::Token,
};
use crate::money::plain;
use crate::pricing::PriceBook;

use super::api::{Asked, HoldAsk, QuoteDoc, SettleBy};
use super::metrics::Metrics;
use super::reply::ApiError;

/// Most jobs one batch takes from the queue.
pub const MAX_BATCH: usize = 256;

/// The clock the service runs on.
pub type Clock = Arc<dyn Fn() -> DateTime<Utc> + Send + Sync>;

/// What a request asks the ledger to do.
#[derive(Debug)]
pub enum Action {
    Hold {
        ask: HoldAsk,
        charge: bool,
    },
    Settle {
        key: String,
        by: SettleBy,
    },
    Release {
        key: String,
        reason: Option<String>,
    },
    ShowHold {
        key: String,
    },
    ListHolds {
        user: Option<String>,
        all: bool,
    },
    /// `None`: everyone the token may see.
    Status {
        user: Option<String>,
    },
    SetUser {
        user: String,
        change: LimitsChange,
    },
    SetOrg {
        change: LimitsChange,
    },
    Grant(GrantRequest),
    Report(ReportQuery),
    Quote(ModelRequest),
    /// Only the authorisation (`/metrics`).
    Metrics,
}

/// The role an endpoint needs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Need {
    /// `admin` or `app`.
    App,
    /// `admin` only.
    Admin,
    /// Any role; a `user` token reads only its own user (checked per action).
    Reader,
}

impl Need {
    fn permits(self, role: Role) -> bool {
        match self {
            Need::App => matches!(role, Role::Admin | Role::App),
            Need::Admin => role == Role::Admin,
            Need::Reader => true,
        }
    }
}

impl Action {
    /// Whether the action writes (and so joins the batch's group).
    fn writes(&self) -> bool {
        matches!(
            self,
            Action::Hold { .. } | Action::Settle { .. } | Action::Release { .. }
        )
    }
}

/// What the ledger answered.
#[derive(Debug)]
pub enum Answer {
    /// A hold or charge made (or replayed), or a hold settled, released or shown.
    Hold(HoldDoc),
    Denied(Denial),
    Status(StatusDoc),
    Holds(HoldsDoc),
    Report(ReportDoc),
    Grant(GrantDoc),
    Quote(QuoteDoc),
    /// The token may do it (`/metrics`).
    Allowed,
}

/// The answer to one job, with the name of the token that asked (for the log).
#[derive(Debug)]
pub struct Reply {
    pub token: Option<String>,
    pub result: Result<Answer, ApiError>,
}

/// One request for the ledger thread.
#[derive(Debug)]
// Nearly every job is a request: boxing it would cost an allocation each
// to save space only on the rare `Expire`.
#[allow(clippy::large_enum_variant)]
pub enum Job {
    Request {
        secret: String,
        need: Need,
        /// The request, or what was wrong with it (answered once the token
        /// is known to be good, so a bad token is always a `401`).
        action: Result<Action, ApiError>,
        reply: oneshot::Sender<Reply>,
    },
    /// Record the holds past their TTL as expired.
    Expire,
}

/// The ledger thread's state.
pub struct Worker {
    pub ledger: Ledger,
    pub book: PriceBook,
    pub clock: Clock,
    pub metrics: Arc<Metrics>,
}

/// A job waiting for the batch's group commit.
struct Pending {
    token: String,
    reply: oneshot::Sender<Reply>,
}

impl Worker {
    /// Works through the queue until every sender is gone, then closes the
    /// ledger.
    pub fn run(mut self, mut rx: mpsc::Receiver<Job>) {
        let mut batch = Vec::with_capacity(MAX_BATCH);
        while let Some(first) = rx.blocking_recv() {
            batch.push(first);
            while batch.len() < MAX_BATCH {
                match rx.try_recv() {
                    Ok(job) => batch.push(job),
                    Err(_) => break,
                }
            }
            self.batch(std::mem::take(&mut batch));
        }
        if let Err(e) = self.ledger.close() {
            crate::cli::say!("warning: {e}");
        }
    }

    fn batch(&mut self, jobs: Vec<Job>) {
        let now = (self.clock)();
        let mut tokens = None;
        let mut pending: Vec<Pending> = Vec::new();
        let mut ops: Vec<Op> = Vec::new();
        for job in jobs {
            let (secret, need, action, reply) = match job {
                Job::Expire => {
                    if let Err(e) = self.ledger.expire(now) {
                        crate::cli::say!("warning: expiring holds: {e}");
                    }
                    continue;
                }
                Job::Request {
                    secret,
                    need,
                    action,
                    reply,
                } => (secret, need, action, reply),
            };
            // The tokens are read once per batch, when the first request needs them.
            let tokens = match &tokens {
                Some(t) => t,
                None => match self.ledger.active_tokens() {
                    Ok(t) => tokens.insert(t),
                    Err(e) => {
                        let _ = reply.send(Reply {
                            token: None,
                            result: Err(e.into()),
                        });
                        continue;
                    }
                },
            };
            let Some(token) = crate::ledger::matching_token(tokens.iter().cloned(), &secret) else {
                let _ = reply.send(Reply {
                    token: None,
                    result: Err(ApiError::unauthorized()),
                });
                continue;
            };
            if !need.permits(token.role) {
                let _ = reply.send(Reply {
                    token: Some(token.name),
                    result: Err(ApiError::forbidden(forbidden_text(token.role))),
                });
                continue;
            }
            let action = match action {
                Ok(a) => a,
                Err(e) => {
                    let _ = reply.send(Reply {
                        token: Some(token.name),
                        result: Err(e),
                    });
                    continue;
                }
            };
            if action.writes() {
                match self.prepare(now, action) {
                    Ok(op) => {
                        ops.push(op);
                        pending.push(Pending {
                            token: token.name,
                            reply,
                        });
                    }
                    Err(e) => {
                        let _ = reply.send(Reply {
                            token: Some(token.name),
                            result: Err(e.into()),
                        });
                    }
                }
                continue;
            }
            let result = self.answer(now, &token, action);
            let _ = reply.send(Reply {
                token: Some(token.name),
                result,
            });
        }
        if !pending.is_empty() {
            self.commit(now, &ops, pending);
        }
    }

    /// Turns a write into its ledger operation (pricing a request).
    fn prepare(&mut self, now: DateTime<Utc>, action: Action) -> Result<Op, LedgerError> {
        let today = now.date_naive();
        Ok(match action {
            Action::Hold { ask, charge } => {
                let cost = match ask.asked {
                    Asked::Credits(c) => Cost::Credits(c),
                    Asked::Request(r) => self.ledger.price(&self.book, today, &r, false)?.cost,
                };
                let req = crate::ledger::HoldRequest {
                    user: ask.user,
                    key: ask.key,
                    cost,
                    ttl: ask.ttl,
                };
                if charge {
                    Op::Charge(req)
                } else {
                    Op::Reserve(req)
                }
            }
            Action::Settle { key, by } => {
                let cost = match by {
                    SettleBy::Held => None,
                    SettleBy::Credits(c) => Some(Cost::Credits(c)),
                    SettleBy::Request(spec) => Some(
                        self.ledger
                            .settle_request(&key, &spec, &self.book, today, false)?
                            .cost,
                    ),
                };
                Op::Settle { key, cost }
            }
            Action::Release { key, reason } => Op::Release { key, reason },
            other => unreachable!("{other:?} is not a write"),
        })
    }

    /// Runs the batch's writes as one group commit and answers each.
    fn commit(&mut self, now: DateTime<Utc>, ops: &[Op], pending: Vec<Pending>) {
        self.metrics.batch(ops.len());
        match self.ledger.group(now, ops) {
            Ok(outcomes) => {
                for (p, done) in pending.into_iter().zip(outcomes) {
                    let result = match done {
                        Ok(Done::Decided(Decision::Granted(h))) => {
                            self.metrics.decision(None);
                            Ok(Answer::Hold(h))
                        }
                        Ok(Done::Decided(Decision::Denied(d))) => {
                            self.metrics.decision(Some(d.limit));
                            Ok(Answer::Denied(d))
                        }
                        Ok(Done::Ended(h)) => Ok(Answer::Hold(h)),
                        Ok(Done::Granted(g)) => Ok(Answer::Grant(g)),
                        Err(e) => Err(e.into()),
                    };
                    let _ = p.reply.send(Reply {
                        token: Some(p.token),
                        result,
                    });
                }
            }
            Err(e) => {
                // Nothing in the group was committed: every one of them
                // gets the storage's error (a 503: safe to retry).
                let err = ApiError::from(e);
                for p in pending {
                    let _ = p.reply.send(Reply {
                        token: Some(p.token),
                        result: Err(err.clone()),
                    });
                }
            }
        }
    }

    /// Answers a read or an admin change.
    fn answer(
        &mut self,
        now: DateTime<Utc>,
        token: &Token,
        action: Action,
    ) -> Result<Answer, ApiError> {
        // A `user` token sees only its own user; asking about another is
        // "unknown" (404), so it cannot learn who exists.
        let own = token.user.as_deref().filter(|_| token.role == Role::User);
        let mine = |asked: Option<String>| -> Result<Option<String>, ApiError> {
            match (own, asked) {
                (Some(me), Some(u)) if u != me => Err(LedgerError::UnknownUser(u).into()),
                (Some(me), _) => Ok(Some(me.to_string())),
                (None, asked) => Ok(asked),
            }
        };
        let l = &mut self.ledger;
        Ok(match action {
            Action::ShowHold { key } => {
                let doc = l.hold(now, &key)?;
                if own.is_some_and(|me| me != doc.user) {
                    return Err(LedgerError::UnknownKey(key).into());
                }
                Answer::Hold(doc)
            }
            Action::ListHolds { user, all } => {
                let user = mine(user)?;
                Answer::Holds(l.holds(now, user.as_deref(), all)?)
            }
            Action::Status { user } => {
                let user = mine(user)?;
                Answer::Status(l.status(now, user.as_deref())?)
            }
            Action::SetUser { user, change } => {
                match l.set_user(now, &user, &change) {
                    Err(LedgerError::UnknownUser(_)) => {
                        let limits = new_user_limits(&change)?;
                        l.add_user(now, &user, &limits)?;
                    }
                    other => {
                        other?;
                    }
                }
                Answer::Status(l.status(now, Some(&user))?)
            }
            Action::SetOrg { change } => {
                l.set_org(now, &change)?;
                Answer::Status(l.status(now, None)?)
            }
            Action::Grant(g) => Answer::Grant(l.grant(now, &g)?),
            Action::Report(q) => Answer::Report(l.report(now, &q)?),
            Action::Quote(r) => {
                let p = l.price(&self.book, now.date_naive(), &r, false)?;
                let credits = p.cost.micros()?.credits();
                let settings = l.settings();
                Answer::Quote(QuoteDoc {
                    schema: "genbudget.quote/1",
                    model: r.model,
                    credits: credits.to_string(),
                    cost: plain(p.money),
                    currency: settings.currency.code().to_string(),
                    table: p.table,
                    warnings: p.warnings,
                })
            }
            Action::Metrics => Answer::Allowed,
            Action::Hold { .. } | Action::Settle { .. } | Action::Release { .. } => {
                unreachable!("writes go through the group")
            }
        })
    }
}

/// A new user's limits from a `PUT`: what it gives, the rest unset. A cap
/// needs its period, as with `ledger user add`.
fn new_user_limits(change: &LimitsChange) -> Result<Limits, LedgerError> {
    let cap = change.cap.flatten();
    if cap.is_some() && change.period.is_none() {
        return Err(LedgerError::input(
            "period",
            "a new user's cap needs its period: give `period` (day, week, month or none)",
        ));
    }
    Ok(Limits {
        cap,
        period: change.period.unwrap_or(period::Period::None),
        max_holds: change.max_holds.flatten(),
    })
}

fn forbidden_text(role: Role) -> &'static str {
    match role {
        Role::User => "a `user` token may only read its own user's status and holds",
        Role::App => {
            "an `app` token may not change users, org limits or grants; use an `admin` token"
        }
        Role::Admin => "not allowed",
    }
}
