//! The budget-guard ledger (`genbudget ledger …`): per-user and org credit
//! caps for expensive generation, on a store that many processes share.
//!
//! An app asks for a **hold** before a job ([`Ledger::reserve`]), then
//! **settles** the actual cost ([`Ledger::settle`]) or **releases** it
//! ([`Ledger::release`]). Every check and the write it guards run in one
//! write transaction ordered after every other writer, so no two processes
//! can both take the last credits. Every change is an entry in an
//! append-only, SHA-256-chained journal; the other tables are caches updated
//! in the same transaction and recomputed by [`Ledger::verify`].
//!
//! The data takes one road: a request ([`HoldRequest`], priced by
//! [`price_request`] when it names a model) → the operations in `ops/`,
//! which read the store and let the pure rules decide (`rules::limits`) →
//! one typed [`Event`] → the store, which appends its journal entry and
//! books its effects with [`rules::apply`] — the same function `verify`'s
//! [`replay::Replay`] runs over the journal alone.
//!
//! Layout: `event` (typed journal events), `journal` (entries, canonical
//! form, chain hash), `state` (derived state as plain data), `rules`
//! (booking and limits, pure), `ops` (the operations), `price` (a request
//! in credits), `store` (the storage seam), `sqlite` and `postgres` (the
//! backends; [`Location`] says which a `--db` names),
//! `replay`/`verify` (deriving the ledger from its journal), `report`
//! (status, holds, report) and `docs` (result documents; their tables are
//! in `render::ledger`).
//!
//! ```
//! use genbudget::ledger::{Cost, Decision, HoldRequest, Ledger, Limits, OpenOptions, Settings};
//! use genbudget::ledger::{amount::Micros, period::Period};
//! use rust_decimal::Decimal;
//!
//! let dir = tempfile::tempdir().unwrap();
//! let now = "2026-11-26T09:00:00Z".parse().unwrap();
//! let path = dir.path().join("ledger.db");
//! let (mut ledger, _) = Ledger::init(&path, &Settings::default(), now, &OpenOptions::default()).unwrap();
//! let cap = Limits { cap: Some(Micros::parse("500").unwrap()), period: Period::Month, max_holds: None };
//! ledger.add_user(now, "alice", &cap).unwrap();
//!
//! // Hold 40 credits for a job, then settle its actual cost of 25.
//! let req = HoldRequest {
//!     user: "alice".into(),
//!     key: "job-1".into(),
//!     cost: Cost::Credits(Decimal::from(40)),
//!     ttl: None,
//! };
//! let Decision::Granted(hold) = ledger.reserve(now, &req).unwrap() else { panic!("denied") };
//! assert_eq!(hold.available.unwrap().to_string(), "460"); // 500 − 40 held
//! let done = ledger.settle(now, "job-1", Some(&Cost::Credits(Decimal::from(25)))).unwrap();
//! assert_eq!(done.available.unwrap().to_string(), "475"); // 500 − 25 spent
//! assert!(ledger.verify().unwrap().ok);
//! ```

pub mod amount;
pub mod docs;
mod error;
pub mod event;
pub mod input;
pub mod journal;
mod location;
mod ops;
pub mod period;
pub mod postgres;
mod price;
pub mod replay;
mod report;
mod rows;
pub mod rules;
mod settings;
pub mod sqlite;
pub mod state;
pub mod store;
mod verify;

use std::io::Write;
use std::path::Path;

use chrono::{DateTime, NaiveDate, Utc};

use crate::pricing::PriceBook;

pub use docs::*;
pub use error::{LedgerError, Result};
pub use event::{Event, HoldKind};
pub use journal::Entry;
pub use location::Location;
pub use ops::config::LimitsChange;
pub use ops::grant::{GrantRequest, MAX_NOTE_LEN};
pub use ops::reserve::HoldRequest;
pub use ops::token::{SECRET_PREFIX, matching as matching_token, secret_hash};
pub use price::{Cost, MAX_IMAGES, MAX_SECONDS, ModelRequest, Priced, Spec, price_request};
pub use report::{ReportBy, ReportQuery};
pub use settings::Settings;
pub use sqlite::schema::{APPLICATION_ID, Migration, SCHEMA_VERSION};
pub use sqlite::{Durability, OpenOptions};
pub use state::{Counters, Limits, Role};

use ops::Tx;
use store::{Read, Store};

/// An open ledger.
pub struct Ledger {
    store: Box<dyn Store>,
    settings: Settings,
    /// Rows whose limits committed transactions checked against the
    /// entries that set them (see `Tx::check_limits`): a row read again
    /// with the same entry and limits needs no second look.
    checked: Vec<(String, i64, Limits)>,
}

impl std::fmt::Debug for Ledger {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Ledger")
            .field("location", &self.store.location())
            .finish()
    }
}

/// Entry times have microsecond precision, as the caches keep them.
fn micros(now: DateTime<Utc>) -> DateTime<Utc> {
    DateTime::from_timestamp_micros(now.timestamp_micros()).unwrap_or(now)
}

/// Writes the `migrate` entry of a schema upgrade.
fn record_migration(
    now: DateTime<Utc>,
) -> impl FnMut(&mut dyn store::StoreTx, i32, i32) -> Result<()> {
    move |st, from, to| {
        let settings = st.settings()?;
        Tx::new(st, &settings)
            .append(now, Event::Migrate { from, to })
            .map(|_| ())
    }
}

impl Ledger {
    /// Creates a ledger file at `path` with `settings`, or opens the
    /// existing one if it has the same settings (an error names the first
    /// that differs).
    pub fn init(
        path: &Path,
        settings: &Settings,
        now: DateTime<Utc>,
        opts: &OpenOptions,
    ) -> Result<(Ledger, InitDoc)> {
        Ledger::init_at(&Location::File(path.to_path_buf()), settings, now, opts)
    }

    /// [`Ledger::init`] at a location string: a `postgres://` or
    /// `postgresql://` URL, or a file path (see [`Location::parse`]).
    pub fn init_location(
        location: &str,
        settings: &Settings,
        now: DateTime<Utc>,
        opts: &OpenOptions,
    ) -> Result<(Ledger, InitDoc)> {
        Ledger::init_at(&Location::parse(location), settings, now, opts)
    }

    /// [`Ledger::init`] at a file or in a PostgreSQL database (tables in
    /// its schema `genbudget`).
    pub fn init_at(
        location: &Location,
        settings: &Settings,
        now: DateTime<Utc>,
        opts: &OpenOptions,
    ) -> Result<(Ledger, InitDoc)> {
        let now = micros(now);
        settings.validate()?;
        let mut fill = |st: &mut dyn store::StoreTx| {
            Tx::new(st, settings)
                .append(
                    now,
                    Event::Init {
                        settings: settings.clone(),
                        schema: SCHEMA_VERSION,
                    },
                )
                .map(|_| ())
        };
        let created = create(location, now, opts, &mut fill)?;
        let ledger = Ledger::open_at(location, opts, now)?;
        if let Some((field, ours, asked)) = ledger.settings.difference(settings) {
            return Err(LedgerError::Conflict(format!(
                "{location}: a ledger already exists here with {field} {ours}, not {asked} (field `{field}`); settings are fixed at init"
            )));
        }
        let s = &ledger.settings;
        let doc = InitDoc {
            schema: "genbudget.ledger/1",
            path: location.shown(),
            schema_version: SCHEMA_VERSION,
            credit_value: crate::money::plain(s.credit_value),
            currency: s.currency.code().into(),
            timezone: s.timezone.name().into(),
            hold_ttl: input::duration_text(s.hold_ttl),
            created,
        };
        Ok((ledger, doc))
    }

    /// Opens an existing ledger at a location string: a `postgres://` or
    /// `postgresql://` URL, or a file path (see [`Location::parse`]). The
    /// one call for a program that takes `--db` or `GENBUDGET_DB`.
    pub fn open_location(location: &str, opts: &OpenOptions, now: DateTime<Utc>) -> Result<Ledger> {
        Ledger::open_at(&Location::parse(location), opts, now)
    }

    /// Opens an existing ledger file or PostgreSQL ledger.
    pub fn open_at(location: &Location, opts: &OpenOptions, now: DateTime<Utc>) -> Result<Ledger> {
        match location {
            Location::File(path) => Ledger::open(path, opts, now),
            Location::Postgres(url) => {
                Ledger::on(Box::new(postgres::PostgresStore::open(url, opts)?))
            }
        }
    }

    /// Copies the whole ledger, entry by entry, into a new ledger at `to`
    /// (a file that does not exist yet, or a PostgreSQL database without a
    /// ledger), in one transaction: the same journal and hashes, with the
    /// caches rebuilt by the same rules. Then verifies the copy. Refuses a
    /// target that already holds a ledger.
    pub fn copy_to(
        &mut self,
        to: &Location,
        now: DateTime<Utc>,
        opts: &OpenOptions,
    ) -> Result<CopyDoc> {
        let now = micros(now);
        let mut entries = 0i64;
        let mut fill = |target: &mut dyn store::StoreTx| {
            entries = 0;
            self.store.read(&mut |source| {
                source.entries(0, &mut |e| {
                    let event = Event::from_entry(&e).map_err(|m| {
                        LedgerError::Corrupt(format!("journal entry {}: {m}", e.seq))
                    })?;
                    rules::apply(target, e.seq, &e.at, &event)?;
                    target.insert_entry(&e)?;
                    entries += 1;
                    Ok(())
                })
            })
        };
        if !create(to, now, opts, &mut fill)? {
            // A copy repeated because its commit was cut off (a lost
            // connection: the command could not tell whether it committed)
            // finds the first one: the same journal up to the same head is
            // the copy it asked for.
            if let Some(done) = self.copied_before(to, now, opts)? {
                return Ok(done);
            }
            return Err(LedgerError::File {
                path: to.shown(),
                message: "already holds a ledger (or something else); `ledger copy` only copies into a new file or a database without a schema `genbudget`".into(),
            });
        }
        let from = self.verify()?;
        let mut copy = Ledger::open_at(to, opts, now)?;
        let check = copy.verify()?;
        copy.close()?;
        Ok(CopyDoc {
            schema: "genbudget.copy/1",
            from: self.location(),
            to: to.shown(),
            entries,
            head_hash: check.head_hash.clone(),
            ok: check.ok && from.head_hash == check.head_hash,
        })
    }

    /// The copy's document when `to` already holds this very ledger (it
    /// verifies, with the same entries and head hash), read without
    /// writing; `None` when it holds anything else.
    fn copied_before(
        &mut self,
        to: &Location,
        now: DateTime<Utc>,
        opts: &OpenOptions,
    ) -> Result<Option<CopyDoc>> {
        let read_only = OpenOptions {
            read_only: true,
            ..opts.clone()
        };
        let Ok(mut copy) = Ledger::open_at(to, &read_only, now) else {
            return Ok(None);
        };
        let check = copy.verify()?;
        copy.close()?;
        let from = self.verify()?;
        let same = check.ok && check.head_hash == from.head_hash && check.entries == from.entries;
        Ok(same.then(|| CopyDoc {
            schema: "genbudget.copy/1",
            from: self.location(),
            to: to.shown(),
            entries: check.entries,
            head_hash: check.head_hash,
            ok: true,
        }))
    }

    /// Opens an existing ledger file, migrating an older schema (in one
    /// transaction, with a `migrate` entry at `now`) and refusing files
    /// that are not ledgers or are newer.
    pub fn open(path: &Path, opts: &OpenOptions, now: DateTime<Utc>) -> Result<Ledger> {
        Ledger::open_with(path, opts, sqlite::schema::MIGRATIONS, SCHEMA_VERSION, now)
    }

    /// [`Ledger::open`] with an explicit migration list (for tests of the
    /// migration machinery).
    #[doc(hidden)]
    pub fn open_with(
        path: &Path,
        opts: &OpenOptions,
        steps: &[Migration],
        target: i32,
        now: DateTime<Utc>,
    ) -> Result<Ledger> {
        let mut record = record_migration(micros(now));
        let store = sqlite::SqliteStore::open(path, opts, steps, target, &mut record)?;
        Ledger::on(Box::new(store))
    }

    /// A ledger on any store.
    pub fn on(mut store: Box<dyn Store>) -> Result<Ledger> {
        let mut settings = None;
        store.read(&mut |st| {
            settings = Some(st.settings()?);
            Ok(())
        })?;
        let settings =
            settings.ok_or_else(|| LedgerError::Corrupt("the settings row is missing".into()))?;
        Ok(Ledger {
            store,
            settings,
            checked: Vec::new(),
        })
    }

    /// The settings fixed at `init`.
    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// The file or URL.
    pub fn location(&self) -> String {
        self.store.location()
    }

    /// Closes the ledger. An error means every change is committed but the
    /// store could not tidy up (SQLite: the `-wal` file still holds changes
    /// that belong with the database file); report it as a warning.
    pub fn close(self) -> Result<()> {
        self.store.close()
    }

    /// The schema version of the database.
    pub fn schema_version(&mut self) -> Result<i32> {
        self.store.schema_version()
    }

    /// Runs `f` in one write transaction; commits if `keep` says so (a
    /// denial writes nothing).
    fn write<T>(
        &mut self,
        keep: fn(&T) -> bool,
        f: impl FnOnce(&mut Tx<'_>) -> Result<T>,
    ) -> Result<T> {
        let settings = &self.settings;
        let mut f = Some(f);
        let mut out = None;
        // Taken for the transaction and given back only if it commits: what
        // a rolled-back transaction checked may not hold afterwards.
        let mut checked = std::mem::take(&mut self.checked);
        self.store.write(&mut |st| {
            let f = f.take().expect("a store runs a transaction's body once");
            let mut tx = Tx::new(st, settings);
            tx.checked = std::mem::take(&mut checked);
            let v = f(&mut tx)?;
            let k = keep(&v);
            if k {
                checked = std::mem::take(&mut tx.checked);
            }
            out = Some(v);
            Ok(k)
        })?;
        self.checked = checked;
        Ok(out.expect("the body ran"))
    }

    /// Records expired holds, then runs `f` over one read snapshot.
    fn read<T>(
        &mut self,
        now: DateTime<Utc>,
        f: impl FnOnce(&mut Tx<'_>) -> Result<T>,
    ) -> Result<T> {
        if self.store.any_overdue(now)? {
            self.write(|_| true, |t| t.sweep(now))?;
        }
        self.snapshot(f)
    }

    /// Runs `f` over one read snapshot, as it is (no expiry sweep).
    fn snapshot<T>(&mut self, f: impl FnOnce(&mut Tx<'_>) -> Result<T>) -> Result<T> {
        let settings = &self.settings;
        let mut f = Some(f);
        let mut out = None;
        self.store.read(&mut |st| {
            let f = f.take().expect("a store runs a transaction's body once");
            out = Some(f(&mut Tx::new(st, settings))?);
            Ok(())
        })?;
        Ok(out.expect("the body ran"))
    }

    /// Adds a user with limits.
    pub fn add_user(&mut self, now: DateTime<Utc>, id: &str, limits: &Limits) -> Result<UsersDoc> {
        let now = micros(now);
        let u = self.write(|_| true, |t| ops::config::add_user(t, now, id, limits))?;
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
        let now = micros(now);
        let u = self.write(|_| true, |t| ops::config::set_user(t, now, id, change))?;
        Ok(UsersDoc {
            schema: "genbudget.users/1",
            users: vec![u],
        })
    }

    /// Every user's limits.
    pub fn users(&mut self, now: DateTime<Utc>) -> Result<UsersDoc> {
        let now = micros(now);
        self.read(now, |t| {
            let users =
                t.st.users()?
                    .into_iter()
                    .map(|u| UserLimits {
                        limits: ops::config::limits_doc(&u.limits),
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
        let now = micros(now);
        let limits = self.write(|_| true, |t| ops::config::set_org(t, now, change))?;
        Ok(OrgDoc {
            schema: "genbudget.org/1",
            limits,
        })
    }

    /// Gives a user extra credits.
    pub fn grant(&mut self, now: DateTime<Utc>, req: &GrantRequest) -> Result<GrantDoc> {
        let now = micros(now);
        self.write(|_| true, |t| ops::grant::grant(t, now, req))
    }

    /// Asks for a hold.
    pub fn reserve(&mut self, now: DateTime<Utc>, req: &HoldRequest) -> Result<Decision> {
        let now = micros(now);
        self.write(keep_granted, |t| {
            ops::reserve::run(t, now, req, HoldKind::Hold)
        })
    }

    /// Holds and settles in one step.
    pub fn charge(&mut self, now: DateTime<Utc>, req: &HoldRequest) -> Result<Decision> {
        let now = micros(now);
        self.write(keep_granted, |t| {
            ops::reserve::run(t, now, req, HoldKind::Charge)
        })
    }

    /// Settles a hold for `cost` (default: the amount held).
    pub fn settle(
        &mut self,
        now: DateTime<Utc>,
        key: &str,
        cost: Option<&Cost>,
    ) -> Result<HoldDoc> {
        let now = micros(now);
        self.write(|_| true, |t| ops::settle::settle(t, now, key, cost))
    }

    /// Prices `req` in this ledger's credits (see [`price_request`]).
    pub fn price(
        &self,
        book: &PriceBook,
        as_of: NaiveDate,
        req: &ModelRequest,
        allow_retired: bool,
    ) -> Result<Priced> {
        price_request(book, &self.settings, as_of, req, allow_retired)
    }

    /// The model and request a hold was reserved with (`None` for a hold of
    /// credits), or an error for an unknown key. A settle by request takes
    /// the fields it is not given from here.
    pub fn hold_request(&mut self, key: &str) -> Result<Option<ModelRequest>> {
        input::check_key(key)?;
        self.snapshot(|t| {
            let h =
                t.st.hold(key)?
                    .ok_or_else(|| LedgerError::UnknownKey(key.into()))?;
            let Event::Open(o) = t.event(h.seq)? else {
                return Err(LedgerError::Corrupt(format!(
                    "journal entry {} does not open hold `{key}`",
                    h.seq
                )));
            };
            let Some(model) = o.request.model.clone() else {
                return Ok(None);
            };
            // `from_record` reads the spec's fields; the model is apart.
            let spec = Spec::from_record(&o.request)
                .map_err(|m| LedgerError::Corrupt(format!("journal entry {}: {m}", h.seq)))?;
            Ok(Some(ModelRequest { model, spec }))
        })
    }

    /// Prices a settle's request with its hold's model, taking the fields
    /// `given` leaves out from the hold's own request (`--seconds 4` on an
    /// 8-second 720p hold prices 4 s at 720p).
    pub fn settle_request(
        &mut self,
        key: &str,
        given: &Spec,
        book: &PriceBook,
        as_of: NaiveDate,
        allow_retired: bool,
    ) -> Result<Priced> {
        let Some(held) = self.hold_request(key)? else {
            return Err(LedgerError::input(
                "credits",
                format!(
                    "hold `{key}` was reserved by credits, so there is no model to price a request with; settle it with credits"
                ),
            ));
        };
        let req = ModelRequest {
            spec: given.over(&held.spec),
            model: held.model,
        };
        self.price(book, as_of, &req, allow_retired)
    }

    /// Releases a hold.
    pub fn release(
        &mut self,
        now: DateTime<Utc>,
        key: &str,
        reason: Option<&str>,
    ) -> Result<HoldDoc> {
        let now = micros(now);
        self.write(|_| true, |t| ops::settle::release(t, now, key, reason))
    }

    /// Records every hold past its TTL as expired. Returns how many.
    pub fn expire(&mut self, now: DateTime<Utc>) -> Result<usize> {
        let now = micros(now);
        // A read first: most calls (the service's background sweep) find
        // nothing overdue and need not take the write lock.
        if !self.store.any_overdue(now)? {
            return Ok(0);
        }
        self.write(|_| true, |t| t.sweep(now))
    }

    /// Caps, period, spent, held, grants and available of every user (or one).
    pub fn status(&mut self, now: DateTime<Utc>, user: Option<&str>) -> Result<StatusDoc> {
        let now = micros(now);
        self.read(now, |t| report::status(t, now, user))
    }

    /// Open holds (every hold and charge with `all`), optionally of one user.
    pub fn holds(&mut self, now: DateTime<Utc>, user: Option<&str>, all: bool) -> Result<HoldsDoc> {
        let now = micros(now);
        self.read(now, |t| report::holds(t, user, all))
    }

    /// Settled spending grouped by user, model or date.
    pub fn report(&mut self, now: DateTime<Utc>, q: &ReportQuery) -> Result<ReportDoc> {
        let now = micros(now);
        self.read(now, |t| report::report(t, q))
    }

    /// Adds a service token with `role` (bound to `user` for role `user`).
    /// The returned document carries the secret: it is shown this once.
    pub fn token_add(
        &mut self,
        now: DateTime<Utc>,
        name: &str,
        role: Role,
        user: Option<&str>,
    ) -> Result<TokenDoc> {
        let now = micros(now);
        self.write(|_| true, |t| ops::token::add(t, now, name, role, user))
    }

    /// Revokes a token: it stops working on the next request.
    pub fn token_revoke(&mut self, now: DateTime<Utc>, name: &str) -> Result<TokenDoc> {
        let now = micros(now);
        self.write(|_| true, |t| ops::token::revoke(t, now, name))
    }

    /// Every token, revoked ones too (never a secret).
    pub fn tokens(&mut self, now: DateTime<Utc>) -> Result<TokensDoc> {
        let now = micros(now);
        self.read(now, ops::token::list)
    }

    /// The active token whose secret `secret` is, if any (compared in
    /// constant time; see `ops/token.rs`).
    pub fn authenticate(&mut self, secret: &str) -> Result<Option<state::Token>> {
        self.snapshot(|t| ops::token::authenticate(t, secret))
    }

    /// Every token not revoked, read afresh (the HTTP service reads them once
    /// per batch of requests and matches each with [`matching_token`]).
    pub fn active_tokens(&mut self) -> Result<Vec<state::Token>> {
        self.snapshot(ops::token::active)
    }

    /// One hold or charge as it stands now, with its user's available
    /// credits in the current period.
    pub fn hold(&mut self, now: DateTime<Utc>, key: &str) -> Result<HoldDoc> {
        let now = micros(now);
        self.read(now, |t| ops::settle::show(t, now, key))
    }

    /// Checks integrity, chain, caches and limits (never writes).
    pub fn verify(&mut self) -> Result<VerifyDoc> {
        self.snapshot(|t| verify::verify(t.st))
    }

    /// Writes the whole journal as JSON lines (one entry per line, see
    /// [`Entry::export_line`]).
    pub fn export(&mut self, out: &mut dyn Write) -> Result<()> {
        self.snapshot(|t| {
            t.st.entries(0, &mut |e| {
                writeln!(out, "{}", e.export_line()).map_err(|e| LedgerError::Io(e.to_string()))
            })
        })
    }

    /// Entries after `seq`, in order (for tests and tools that follow the
    /// journal).
    pub fn entries_after(&mut self, seq: i64) -> Result<Vec<Entry>> {
        self.snapshot(|t| {
            let mut v = Vec::new();
            t.st.entries(seq, &mut |e| {
                v.push(e);
                Ok(())
            })?;
            Ok(v)
        })
    }

    /// Runs many operations in one transaction (bulk loading, benchmarks).
    /// An error rolls all of them back; a denial inside writes nothing for
    /// that operation.
    pub fn batch<T>(&mut self, f: impl FnOnce(&mut Batch<'_, '_>) -> Result<T>) -> Result<T> {
        self.write(|_| true, |t| f(&mut Batch { tx: t }))
    }
}

/// Creates a new ledger at `location` with its first entries written by
/// `fill`; false if one (or something else) is already there.
fn create(
    location: &Location,
    now: DateTime<Utc>,
    opts: &OpenOptions,
    fill: &mut dyn FnMut(&mut dyn store::StoreTx) -> Result<()>,
) -> Result<bool> {
    match location {
        Location::File(path) => sqlite::SqliteStore::create(path, now, fill),
        Location::Postgres(url) => postgres::PostgresStore::create(url, opts, fill),
    }
}

fn keep_granted(d: &Decision) -> bool {
    matches!(d, Decision::Granted(_))
}

/// One write in a [`Ledger::group`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Op {
    Reserve(HoldRequest),
    Charge(HoldRequest),
    Settle { key: String, cost: Option<Cost> },
    Release { key: String, reason: Option<String> },
    Grant(GrantRequest),
}

/// What one write in a group came to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Done {
    /// A reserve or charge: granted or denied.
    Decided(Decision),
    /// A settle or release.
    Ended(HoldDoc),
    Granted(GrantDoc),
}

impl Ledger {
    /// Group commit: runs `ops` in one write transaction with one commit
    /// (one fsync), each in a savepoint of its own, so each keeps its own
    /// outcome: a denial or an error undoes that operation only, exactly
    /// as if it had run alone at that point. The outer error is the commit
    /// failing, which undoes them all (nothing was acknowledged).
    pub fn group(&mut self, now: DateTime<Utc>, ops: &[Op]) -> Result<Vec<Result<Done>>> {
        let now = micros(now);
        self.write(
            |_| true,
            |t| {
                if ops.len() > 1 {
                    announce_group(t, now, ops)?;
                }
                let mut out = Vec::with_capacity(ops.len());
                for op in ops {
                    let done = match op {
                        Op::Reserve(r) => t
                            .part(keep_granted, |t| {
                                ops::reserve::run(t, now, r, HoldKind::Hold)
                            })
                            .map(Done::Decided),
                        Op::Charge(r) => t
                            .part(keep_granted, |t| {
                                ops::reserve::run(t, now, r, HoldKind::Charge)
                            })
                            .map(Done::Decided),
                        Op::Settle { key, cost } => t
                            .part(
                                |_| true,
                                |t| ops::settle::settle(t, now, key, cost.as_ref()),
                            )
                            .map(Done::Ended),
                        Op::Release { key, reason } => t
                            .part(
                                |_| true,
                                |t| ops::settle::release(t, now, key, reason.as_deref()),
                            )
                            .map(Done::Ended),
                        Op::Grant(g) => t
                            .part(|_| true, |t| ops::grant::grant(t, now, g))
                            .map(Done::Granted),
                    };
                    // A storage failure is not one operation's outcome: it
                    // ends the group.
                    if let Err(e @ (LedgerError::Backend { .. } | LedgerError::Busy { .. })) = done
                    {
                        return Err(e);
                    }
                    out.push(done);
                }
                Ok(out)
            },
        )
    }
}

/// Announces the first reads of every operation in a group at once (each
/// operation's own list), so a server store answers the whole group's
/// reads in one round trip; each operation then finds its reads kept,
/// brought up to date by the writes of those before it.
fn announce_group(t: &mut Tx<'_>, now: DateTime<Utc>, ops: &[Op]) -> Result<()> {
    let today = t.day(now);
    let mut reads = Vec::new();
    for op in ops {
        match op {
            Op::Reserve(r) | Op::Charge(r) => reads.extend(ops::reserve::reads(t, now, r)),
            Op::Settle { key, .. } => reads.extend(ops::settle::settle_reads(t, now, key)),
            Op::Release { key, .. } => {
                reads.extend(ops::settle::release_reads(now, key));
                // What the release reads once it has the hold: its user's
                // position, by the hold's key.
                reads.push(Read::HoldParty(key, today));
            }
            Op::Grant(_) => {}
        }
    }
    t.st.prefetch(&reads)
}

/// Operations inside one [`Ledger::batch`] transaction.
pub struct Batch<'a, 'c> {
    tx: &'a mut Tx<'c>,
}

impl Batch<'_, '_> {
    pub fn add_user(&mut self, now: DateTime<Utc>, id: &str, limits: &Limits) -> Result<()> {
        ops::config::add_user(self.tx, micros(now), id, limits).map(|_| ())
    }
    pub fn grant(&mut self, now: DateTime<Utc>, req: &GrantRequest) -> Result<GrantDoc> {
        ops::grant::grant(self.tx, micros(now), req)
    }
    pub fn reserve(&mut self, now: DateTime<Utc>, req: &HoldRequest) -> Result<Decision> {
        ops::reserve::run(self.tx, micros(now), req, HoldKind::Hold)
    }
    pub fn charge(&mut self, now: DateTime<Utc>, req: &HoldRequest) -> Result<Decision> {
        ops::reserve::run(self.tx, micros(now), req, HoldKind::Charge)
    }
    pub fn settle(
        &mut self,
        now: DateTime<Utc>,
        key: &str,
        cost: Option<&Cost>,
    ) -> Result<HoldDoc> {
        ops::settle::settle(self.tx, micros(now), key, cost)
    }
    pub fn release(
        &mut self,
        now: DateTime<Utc>,
        key: &str,
        reason: Option<&str>,
    ) -> Result<HoldDoc> {
        ops::settle::release(self.tx, micros(now), key, reason)
    }
}
