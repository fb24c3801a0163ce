//! The storage seam: what the ledger needs from a database, and nothing
//! about how a database provides it.
//!
//! A backend implements [`Store`] (transactions) and [`StoreTx`] (what one
//! transaction can read and append, plus the [`Books`] that
//! [`rules::apply`](super::rules::apply) updates). The operations in `ops/`,
//! `report.rs` and `verify.rs` are written against these two traits only;
//! the SQLite backend (`sqlite/`) is the one place that names its driver.
//!
//! What a second backend must guarantee:
//!
//! - [`Store::write`] runs its closure in one transaction that is ordered
//!   after every other writer's (SQLite: `BEGIN IMMEDIATE`; a server
//!   database: a lock on the journal head row taken first), commits only
//!   when the closure returns `Ok(true)`, and reports success only once the
//!   commit is durable. A writer kept waiting past the timeout is
//!   [`LedgerError::Busy`](super::LedgerError::Busy) with nothing written.
//! - [`Store::read`] sees one consistent snapshot.
//! - Journal rows are never updated or deleted (the database refuses it),
//!   and every cache row changes only in the transaction of the entry that
//!   explains it.
//! - Rows are read strictly: a value outside its set (a hold state, a
//!   period, an entry kind) is [`LedgerError::Corrupt`](super::LedgerError::Corrupt)
//!   naming the row, never a default.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};

use super::error::Result;
use super::journal::{Entry, Head};
use super::rules::Books;
use super::settings::Settings;
use super::state::{Counters, Grant, Hold, PartyRow, Token};

/// How `report` groups settled spending in the store.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SpendColumn {
    User,
    Model,
    Day,
}

/// A query for settled spending (settles and charges), dates inclusive.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SpendQuery {
    pub by: SpendColumn,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    pub user: Option<String>,
}

/// Settled spending of one group.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SpendGroup {
    /// The user, model or day (`None`: spending without a model).
    pub key: Option<String>,
    pub jobs: i64,
    pub credits: i64,
    pub overruns: i64,
    pub over: i64,
}

/// Every per-day counter row (for `verify`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DayRows {
    pub users: BTreeMap<(String, NaiveDate), Counters>,
    pub org: BTreeMap<NaiveDate, Counters>,
}

/// A read an operation is about to make, announced with
/// [`StoreTx::prefetch`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Read<'r> {
    Overdue(DateTime<Utc>),
    Hold(&'r str),
    Grant(&'r str),
    /// The entry that set a user's limits (`None`: the org's), which
    /// [`StoreTx::entry`] then reads by its seq.
    LimitsEntry(Option<&'r str>),
    UsableGrants(&'r str, NaiveDate),
    /// The position of the user who holds `key`: that user's row and the
    /// org's, their counters in the periods holding the hold's day, and
    /// the user's grants usable on the given day (today).
    HoldParty(&'r str, NaiveDate),
    /// The entry that set the limits of the user who holds `key`.
    HoldLimits(&'r str),
    /// A user's row and counters in the user's own period holding the
    /// day ([`StoreTx::user`] and the one [`StoreTx::user_days`] that the
    /// user's period makes of that day), in one read.
    UserParty(&'r str, NaiveDate),
    /// The org's row and counters in its period holding the day
    /// ([`StoreTx::org`], [`StoreTx::org_days`]).
    OrgParty(NaiveDate),
}

/// What one transaction can read and append.
pub trait StoreTx: Books {
    /// The newest entry (the genesis head for an empty journal).
    fn head(&mut self) -> Result<Head>;
    /// Appends a sealed entry; its `seq` follows the head.
    fn insert_entry(&mut self, entry: &Entry) -> Result<()>;
    /// One entry by seq.
    fn entry(&mut self, seq: i64) -> Result<Option<Entry>>;
    /// Every entry after `after`, in order, streaming.
    fn entries(&mut self, after: i64, f: &mut dyn FnMut(Entry) -> Result<()>) -> Result<()>;

    /// The settings cached from the `init` entry.
    fn settings(&mut self) -> Result<Settings>;
    fn user(&mut self, id: &str) -> Result<Option<PartyRow>>;
    /// Every user, by id.
    fn users(&mut self) -> Result<Vec<PartyRow>>;
    fn org(&mut self) -> Result<PartyRow>;
    /// A user's day counters summed over `[start, end)`.
    fn user_days(&mut self, user: &str, start: NaiveDate, end: NaiveDate) -> Result<Counters>;
    /// The org's day counters summed over `[start, end)`.
    fn org_days(&mut self, start: NaiveDate, end: NaiveDate) -> Result<Counters>;
    fn grant(&mut self, key: &str) -> Result<Option<Grant>>;
    /// A user's grants usable on `today` with credits left, in the order
    /// they are spent: earliest expiry first, grants without expiry last,
    /// then in the order they were given.
    fn usable_grants(&mut self, user: &str, today: NaiveDate) -> Result<Vec<Grant>>;
    /// Open holds whose TTL has run out at `now`, by expiry then key.
    fn overdue(&mut self, now: DateTime<Utc>) -> Result<Vec<Hold>>;
    /// Open holds (every hold and charge with `all`), of one user if
    /// given, in the order they were made.
    fn holds(&mut self, user: Option<&str>, all: bool) -> Result<Vec<Hold>>;
    /// Settled spending grouped by a column.
    fn spending(&mut self, q: &SpendQuery) -> Result<Vec<SpendGroup>>;

    /// Problems the database itself finds (integrity check, missing
    /// append-only guards), as messages.
    fn check_storage(&mut self) -> Result<Vec<String>>;
    /// Every per-day counter row.
    fn day_rows(&mut self) -> Result<DayRows>;
    /// Every grant.
    fn grants(&mut self) -> Result<Vec<Grant>>;
    /// Every service token, revoked ones too, by name.
    fn tokens(&mut self) -> Result<Vec<Token>>;

    /// Announces reads the caller is about to make, so a server database
    /// can answer them all in one round trip (and keep the answers for the
    /// rest of the transaction). A hint: a read not announced, or
    /// announced but never made, is still correct. SQLite, in-process,
    /// ignores it.
    fn prefetch(&mut self, reads: &[Read<'_>]) -> Result<()> {
        let _ = reads;
        Ok(())
    }

    /// Marks a point inside the transaction that [`StoreTx::rollback_to`]
    /// can return to (group commit: one request's failure must not undo
    /// the others in its batch).
    fn savepoint(&mut self) -> Result<()>;
    /// Keeps everything since the last savepoint.
    fn release(&mut self) -> Result<()>;
    /// Undoes everything since the last savepoint.
    fn rollback_to(&mut self) -> Result<()>;
}

/// A ledger's database.
pub trait Store: Send {
    /// Runs `f` in one write transaction (see the module doc); commits when
    /// it returns `Ok(true)`, rolls back on `Ok(false)` (a denial) or an
    /// error.
    fn write(&mut self, f: &mut dyn FnMut(&mut dyn StoreTx) -> Result<bool>) -> Result<()>;
    /// Runs `f` over one consistent read snapshot.
    fn read(&mut self, f: &mut dyn FnMut(&mut dyn StoreTx) -> Result<()>) -> Result<()>;
    /// Whether any open hold is past its TTL (a cheap look before a sweep).
    fn any_overdue(&mut self, now: DateTime<Utc>) -> Result<bool>;
    /// The schema version of the database.
    fn schema_version(&mut self) -> Result<i32>;
    /// The file or URL, for messages.
    fn location(&self) -> String;
    /// Closes the store, making sure committed changes are where a user
    /// expects them (SQLite: copied from the `-wal` file into the database
    /// file). An error here means the changes are committed but not yet
    /// self-contained; the caller warns.
    fn close(self: Box<Self>) -> Result<()>;
}
