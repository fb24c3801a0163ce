//! The budget-guard ledger (`genbudget ledger …`, spec `ledger.md`): per-user
//! and org credit caps for expensive generation, in one SQLite file that
//! many processes share.
//!
//! An app asks for a **hold** before a job ([`Ledger::reserve`]), then
//! **settles** the actual cost ([`Ledger::settle`]) or **releases** it
//! ([`Ledger::release`]). Every check and the write it guards run in one
//! `BEGIN IMMEDIATE` transaction, so no two processes can both take the last
//! credits. Every change is an entry in an append-only, SHA-256-chained
//! journal; the other tables are caches updated in the same transaction and
//! recomputed by [`Ledger::verify`].
//!
//! Layout: `store` (file, pragmas, migrations), `schema`, `journal` (the
//! chain), `state` (cache rows), `limits` (available credits and denials),
//! `reserve`/`settle`/`grant`/`config` (the operations), `tx` (one write
//! transaction and the expiry sweep), `replay`/`verify` (deriving the
//! ledger from its journal), `report` (status, holds, report), `docs`
//! (result documents) and `sheets` (their tables).

pub mod amount;
mod config;
pub mod docs;
mod error;
mod grant;
mod hold;
pub mod input;
pub mod journal;
mod limits;
pub mod period;
pub mod replay;
mod report;
mod reserve;
mod schema;
mod settle;
pub mod sheets;
mod state;
mod store;
mod tx;
mod verify;

use std::io::Write;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use rusqlite::{Connection, TransactionBehavior};

pub use config::{LimitsChange, Settings};
pub use docs::*;
pub use error::{LedgerError, Result};
pub use grant::GrantRequest;
pub use journal::Entry;
pub use report::{ReportBy, ReportQuery};
pub use reserve::{Cost, HoldRequest};
pub use schema::{APPLICATION_ID, Migration, SCHEMA_VERSION};
pub use state::{Counters, Limits};
pub use store::{Durability, OpenOptions};

use reserve::Kind;
use tx::Tx;

/// An open ledger file.
pub struct Ledger {
    conn: Connection,
    settings: Settings,
    path: PathBuf,
    timeout_ms: u64,
}

impl std::fmt::Debug for Ledger {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Ledger").field("path", &self.path).finish()
    }
}

impl Ledger {
    /// Creates a ledger at `path` with `settings`, or opens the existing one
    /// if it has the same settings (an error names the first that differs).
    pub fn init(
        path: &Path,
        settings: &Settings,
        now: DateTime<Utc>,
        opts: &OpenOptions,
    ) -> Result<(Ledger, InitDoc)> {
        settings.validate()?;
        let created = store::create(path, settings, now)?;
        let ledger = Ledger::open(path, opts)?;
        if let Some((field, ours, asked)) = ledger.settings.difference(settings) {
            return Err(LedgerError::Conflict(format!(
                "{}: a ledger already exists here with {field} {ours}, not {asked} (field `{field}`); settings are fixed at init",
                path.display()
            )));
        }
        let s = &ledger.settings;
        let doc = InitDoc {
            schema: "genbudget.ledger/1",
            path: path.display().to_string(),
            schema_version: SCHEMA_VERSION,
            credit_value: crate::money::plain(s.credit_value),
            currency: s.currency.code().into(),
            timezone: s.timezone.name().into(),
            hold_ttl: input::duration_text(s.hold_ttl),
            created,
        };
        Ok((ledger, doc))
    }

    /// Opens an existing ledger, migrating an older schema (in one
    /// transaction) and refusing files that are not ledgers or are newer.
    pub fn open(path: &Path, opts: &OpenOptions) -> Result<Ledger> {
        Ledger::open_with(path, opts, schema::MIGRATIONS, SCHEMA_VERSION)
    }

    /// [`Ledger::open`] with an explicit migration list (for tests of the
    /// migration machinery).
    #[doc(hidden)]
    pub fn open_with(
        path: &Path,
        opts: &OpenOptions,
        steps: &[Migration],
        target: i32,
    ) -> Result<Ledger> {
        let ms = u64::try_from(opts.busy_timeout.as_millis()).unwrap_or(u64::MAX);
        let inner = || -> Result<Ledger> {
            store::check_file(path, !opts.read_only, target)?;
            let mut conn = store::connect(path, opts, target)?;
            if !opts.read_only && store::version(&conn)? < target {
                store::migrate(&mut conn, steps, target, Utc::now())?;
            }
            let settings = Settings::load(&conn)?;
            Ok(Ledger {
                conn,
                settings,
                path: path.to_path_buf(),
                timeout_ms: ms,
            })
        };
        inner().map_err(|e| e.with_timeout(ms))
    }

    /// The settings fixed at `init`.
    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// The file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The schema version of the file.
    pub fn schema_version(&self) -> Result<i32> {
        store::version(&self.conn)
    }

    /// Runs `f` in one `BEGIN IMMEDIATE` transaction; commits if `keep`
    /// says so (a denial writes nothing).
    fn write<T>(
        &mut self,
        keep: fn(&T) -> bool,
        f: impl FnOnce(&mut Tx<'_>) -> Result<T>,
    ) -> Result<T> {
        let ms = self.timeout_ms;
        let run = || -> Result<T> {
            let t = self
                .conn
                .transaction_with_behavior(TransactionBehavior::Immediate)?;
            let out = f(&mut Tx::new(&t, &self.settings))?;
            if keep(&out) {
                t.commit()?;
            }
            Ok(out)
        };
        run().map_err(|e| e.with_timeout(ms))
    }

    /// Records expired holds, then runs `f` over one read snapshot.
    fn read<T>(
        &mut self,
        now: DateTime<Utc>,
        f: impl FnOnce(&Connection, &Settings) -> Result<T>,
    ) -> Result<T> {
        if hold::any_overdue(&self.conn, now)? {
            self.write(|_| true, |t| t.sweep(now))?;
        }
        let ms = self.timeout_ms;
        let run = || -> Result<T> {
            let t = self
                .conn
                .transaction_with_behavior(TransactionBehavior::Deferred)?;
            let out = f(&t, &self.settings)?;
            t.finish()?;
            Ok(out)
        };
        run().map_err(|e| e.with_timeout(ms))
    }

    /// Adds a user with limits.
    pub fn add_user(&mut self, now: DateTime<Utc>, id: &str, limits: &Limits) -> Result<UsersDoc> {
        let u = self.write(|_| true, |t| config::add_user(t, now, id, limits))?;
        Ok(UsersDoc {
            schema: "genbudget.users/1",
            users: vec![u],
        })
    }

    /// Changes a user's limits.
    pub fn set_user(
        &mut self,
        now: DateTime<Utc>,
        id: &str,
        change: &LimitsChange,
    ) -> Result<UsersDoc> {
        let u = self.write(|_| true, |t| config::set_user(t, now, id, change))?;
        Ok(UsersDoc {
            schema: "genbudget.users/1",
            users: vec![u],
        })
    }

    /// Every user's limits.
    pub fn users(&mut self, now: DateTime<Utc>) -> Result<UsersDoc> {
        self.read(now, |c, _| {
            let users = state::users(c)?
                .into_iter()
                .map(|u| UserLimits {
                    limits: config::limits_doc(&u.limits),
                    user: u.id,
                })
                .collect();
            Ok(UsersDoc {
                schema: "genbudget.users/1",
                users,
            })
        })
    }

    /// Changes the org's limits.
    pub fn set_org(&mut self, now: DateTime<Utc>, change: &LimitsChange) -> Result<OrgDoc> {
        let limits = self.write(|_| true, |t| config::set_org(t, now, change))?;
        Ok(OrgDoc {
            schema: "genbudget.org/1",
            limits,
        })
    }

    /// Gives a user extra credits.
    pub fn grant(&mut self, now: DateTime<Utc>, req: &GrantRequest) -> Result<GrantDoc> {
        self.write(|_| true, |t| grant::grant(t, now, req))
    }

    /// Asks for a hold.
    pub fn reserve(&mut self, now: DateTime<Utc>, req: &HoldRequest) -> Result<Decision> {
        self.write(keep_granted, |t| reserve::run(t, now, req, Kind::Hold))
    }

    /// Holds and settles in one step.
    pub fn charge(&mut self, now: DateTime<Utc>, req: &HoldRequest) -> Result<Decision> {
        self.write(keep_granted, |t| reserve::run(t, now, req, Kind::Charge))
    }

    /// Settles a hold for `cost` (default: the amount held).
    pub fn settle(
        &mut self,
        now: DateTime<Utc>,
        key: &str,
        cost: Option<&Cost>,
    ) -> Result<HoldDoc> {
        self.write(|_| true, |t| settle::settle(t, now, key, cost))
    }

    /// Releases a hold.
    pub fn release(
        &mut self,
        now: DateTime<Utc>,
        key: &str,
        reason: Option<&str>,
    ) -> Result<HoldDoc> {
        self.write(|_| true, |t| settle::release(t, now, key, reason))
    }

    /// Records every hold past its TTL as expired. Returns how many.
    pub fn expire(&mut self, now: DateTime<Utc>) -> Result<usize> {
        self.write(|_| true, |t| t.sweep(now))
    }

    /// The model a hold was reserved for (`None` for credits), or an error
    /// for an unknown key.
    pub fn hold_model(&mut self, key: &str) -> Result<Option<String>> {
        input::check_key(key)?;
        hold::get(&self.conn, key)?
            .map(|h| h.model)
            .ok_or_else(|| LedgerError::UnknownKey(key.into()))
    }

    /// Caps, period, spent, held, grants and available of every user (or one).
    pub fn status(&mut self, now: DateTime<Utc>, user: Option<&str>) -> Result<StatusDoc> {
        self.read(now, |c, s| report::status(c, s, now, user))
    }

    /// Open holds (all states with `all`), optionally of one user.
    pub fn holds(&mut self, now: DateTime<Utc>, user: Option<&str>, all: bool) -> Result<HoldsDoc> {
        self.read(now, |c, _| report::holds(c, user, all))
    }

    /// Settled spending grouped by user, model or date.
    pub fn report(&mut self, now: DateTime<Utc>, q: &ReportQuery) -> Result<ReportDoc> {
        self.read(now, |c, s| report::report(c, s, q))
    }

    /// Checks integrity, chain, caches and limits (never writes).
    pub fn verify(&mut self) -> Result<VerifyDoc> {
        let ms = self.timeout_ms;
        let mut run = || -> Result<VerifyDoc> {
            let t = self
                .conn
                .transaction_with_behavior(TransactionBehavior::Deferred)?;
            let doc = verify::verify(&t)?;
            t.finish()?;
            Ok(doc)
        };
        run().map_err(|e| e.with_timeout(ms))
    }

    /// Writes the whole journal as JSON lines (one entry per line, see
    /// [`Entry::export_line`]).
    pub fn export(&mut self, out: &mut dyn Write) -> Result<()> {
        let t = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Deferred)?;
        journal::for_each_after(&t, 0, |e| {
            writeln!(out, "{}", e.export_line()).map_err(|e| LedgerError::Io(e.to_string()))
        })?;
        t.finish()?;
        Ok(())
    }

    /// Entries after `seq`, in order (for tests and tools that follow the
    /// journal).
    pub fn entries_after(&self, seq: i64) -> Result<Vec<Entry>> {
        let mut v = Vec::new();
        journal::for_each_after(&self.conn, seq, |e| {
            v.push(e);
            Ok(())
        })?;
        Ok(v)
    }

    /// Runs many operations in one transaction (bulk loading, benchmarks).
    /// An error rolls all of them back; a denial inside writes nothing for
    /// that operation.
    pub fn batch<T>(&mut self, f: impl FnOnce(&mut Batch<'_, '_>) -> Result<T>) -> Result<T> {
        self.write(|_| true, |t| f(&mut Batch { tx: t }))
    }
}

fn keep_granted(d: &Decision) -> bool {
    matches!(d, Decision::Granted(_))
}

/// Operations inside one [`Ledger::batch`] transaction.
pub struct Batch<'a, 'c> {
    tx: &'a mut Tx<'c>,
}

impl Batch<'_, '_> {
    pub fn add_user(&mut self, now: DateTime<Utc>, id: &str, limits: &Limits) -> Result<()> {
        config::add_user(self.tx, now, id, limits).map(|_| ())
    }
    pub fn grant(&mut self, now: DateTime<Utc>, req: &GrantRequest) -> Result<GrantDoc> {
        grant::grant(self.tx, now, req)
    }
    pub fn reserve(&mut self, now: DateTime<Utc>, req: &HoldRequest) -> Result<Decision> {
        reserve::run(self.tx, now, req, Kind::Hold)
    }
    pub fn charge(&mut self, now: DateTime<Utc>, req: &HoldRequest) -> Result<Decision> {
        reserve::run(self.tx, now, req, Kind::Charge)
    }
    pub fn settle(
        &mut self,
        now: DateTime<Utc>,
        key: &str,
        cost: Option<&Cost>,
    ) -> Result<HoldDoc> {
        settle::settle(self.tx, now, key, cost)
    }
    pub fn release(
        &mut self,
        now: DateTime<Utc>,
        key: &str,
        reason: Option<&str>,
    ) -> Result<HoldDoc> {
        settle::release(self.tx, now, key, reason)
    }
}
