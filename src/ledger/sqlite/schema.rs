//! The SQLite schema, its version, and the migrations between versions.
//!
//! The file is marked as a genbudget ledger by SQLite's `application_id`
//! (bytes 68–71 of the header: `GBLG`) and records its schema version in
//! `user_version`. The journal is the only source of truth; every other
//! table is a cache (or, for `holds`, a state projection) that the same
//! transaction updates and that `verify` recomputes from the journal.
//!
//! Amounts are integers of micro-credits. Every counter column carries
//! `CHECK (typeof(x) = 'integer')`: SQLite turns an integer overflow in
//! `x + ?` into a float, and the check turns that into an aborted
//! transaction instead. Since version 2, every column with a fixed set of
//! values (entry kinds, periods, hold kinds and states) checks it too.

/// `application_id` of a genbudget ledger: the ASCII bytes `GBLG`.
pub const APPLICATION_ID: i32 = 0x4742_4C47;

/// The schema version this build writes and reads.
pub const SCHEMA_VERSION: i32 = 2;

/// One step from `from` to `from + 1`, run in the same transaction as the
/// others and the `user_version` update.
pub struct Migration {
    pub from: i32,
    pub sql: &'static str,
}

/// Migrations from older schema versions, oldest first.
///
/// 1 → 2 adds `CHECK` constraints on the columns with a fixed set of values,
/// the `tokens` table of the HTTP service,
/// and `limits_seq` to `users` and `org`: the entry that set their limits,
/// which every write checks the cached limits against.
/// SQLite cannot add a constraint to a table, so each such table is copied
/// into a new one and renamed; a file whose rows break a constraint (it was
/// edited by hand) fails the migration, which then changes nothing.
pub const MIGRATIONS: &[Migration] = &[Migration {
    from: 1,
    sql: MIGRATE_1_TO_2,
}];

// The tables are spelled out again here on purpose: a migration is a frozen
// copy of the schema it moves to, and must not change when `SCHEMA` does.
const MIGRATE_1_TO_2: &str = r#"
DROP TRIGGER journal_no_update;
DROP TRIGGER journal_no_delete;
CREATE TABLE journal_v2 (
    seq        INTEGER PRIMARY KEY,
    at         TEXT NOT NULL,
    kind       TEXT NOT NULL CHECK (kind IN ('init', 'migrate', 'user_add', 'user_set', 'org_set',
                   'grant', 'hold', 'charge', 'settle', 'release', 'expire', 'token_add',
                   'token_revoke')),
    user       TEXT,
    key        TEXT,
    model      TEXT,
    day        TEXT,
    credits    INTEGER CHECK (credits IS NULL OR typeof(credits) = 'integer'),
    over       INTEGER CHECK (over IS NULL OR typeof(over) = 'integer'),
    data       TEXT NOT NULL,
    prev_hash  BLOB NOT NULL,
    hash       BLOB NOT NULL
);
INSERT INTO journal_v2 SELECT * FROM journal;
DROP TABLE journal;
ALTER TABLE journal_v2 RENAME TO journal;
CREATE TABLE users_v2 (
    id           TEXT PRIMARY KEY,
    cap          INTEGER,
    period       TEXT NOT NULL CHECK (period IN ('day', 'week', 'month', 'none')),
    max_holds    INTEGER,
    open_holds   INTEGER NOT NULL CHECK (typeof(open_holds) = 'integer'),
    spent        INTEGER NOT NULL CHECK (typeof(spent) = 'integer'),
    held         INTEGER NOT NULL CHECK (typeof(held) = 'integer'),
    allow_spent  INTEGER NOT NULL CHECK (typeof(allow_spent) = 'integer'),
    allow_held   INTEGER NOT NULL CHECK (typeof(allow_held) = 'integer'),
    overruns     INTEGER NOT NULL CHECK (typeof(overruns) = 'integer'),
    limits_seq   INTEGER NOT NULL CHECK (typeof(limits_seq) = 'integer')
) WITHOUT ROWID;
INSERT INTO users_v2 SELECT *,
    (SELECT max(seq) FROM journal WHERE kind IN ('user_add', 'user_set') AND journal.user = users.id)
    FROM users;
DROP TABLE users;
ALTER TABLE users_v2 RENAME TO users;
CREATE TABLE org_v2 (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    cap         INTEGER,
    period      TEXT NOT NULL CHECK (period IN ('day', 'week', 'month', 'none')),
    max_holds   INTEGER,
    open_holds  INTEGER NOT NULL CHECK (typeof(open_holds) = 'integer'),
    spent       INTEGER NOT NULL CHECK (typeof(spent) = 'integer'),
    held        INTEGER NOT NULL CHECK (typeof(held) = 'integer'),
    overruns    INTEGER NOT NULL CHECK (typeof(overruns) = 'integer'),
    limits_seq  INTEGER NOT NULL CHECK (typeof(limits_seq) = 'integer')
);
INSERT INTO org_v2 SELECT *,
    coalesce((SELECT max(seq) FROM journal WHERE kind = 'org_set'), 1) FROM org;
DROP TABLE org;
ALTER TABLE org_v2 RENAME TO org;
CREATE TABLE holds_v2 (
    key         TEXT PRIMARY KEY,
    kind        TEXT NOT NULL CHECK (kind IN ('hold', 'charge')),
    user        TEXT NOT NULL,
    model       TEXT,
    day         TEXT NOT NULL,
    credits     INTEGER NOT NULL,
    allow       INTEGER NOT NULL,
    grants      TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    expires_at  INTEGER,
    state       TEXT NOT NULL CHECK (state IN ('open', 'settled', 'released', 'expired')),
    settled     INTEGER,
    overrun     INTEGER NOT NULL,
    seq         INTEGER NOT NULL,
    end_seq     INTEGER
) WITHOUT ROWID;
INSERT INTO holds_v2 SELECT * FROM holds;
DROP TABLE holds;
ALTER TABLE holds_v2 RENAME TO holds;
CREATE TRIGGER journal_no_update BEFORE UPDATE ON journal
BEGIN SELECT RAISE(ABORT, 'the genbudget journal is append-only: entries cannot be changed'); END;
CREATE TRIGGER journal_no_delete BEFORE DELETE ON journal
BEGIN SELECT RAISE(ABORT, 'the genbudget journal is append-only: entries cannot be deleted'); END;
CREATE INDEX holds_open ON holds (expires_at) WHERE state = 'open';

-- Service tokens (`genbudget serve`): the SHA-256 of each secret, never the
-- secret.
CREATE TABLE tokens (
    name         TEXT PRIMARY KEY,
    role         TEXT NOT NULL CHECK (role IN ('admin', 'app', 'user')),
    user         TEXT,
    sha256       TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    seq          INTEGER NOT NULL,
    revoked_at   TEXT,
    revoked_seq  INTEGER,
    CHECK ((role = 'user') = (user IS NOT NULL))
) WITHOUT ROWID;
"#;

/// The current schema, created by `init` in one transaction.
pub const SCHEMA: &str = r#"
CREATE TABLE settings (
    id            INTEGER PRIMARY KEY CHECK (id = 1),
    credit_value  TEXT NOT NULL,
    currency      TEXT NOT NULL,
    timezone      TEXT NOT NULL,
    hold_ttl      INTEGER NOT NULL
);

-- The append-only, hash-chained journal: the ledger's truth.
CREATE TABLE journal (
    seq        INTEGER PRIMARY KEY,
    at         TEXT NOT NULL,
    kind       TEXT NOT NULL CHECK (kind IN ('init', 'migrate', 'user_add', 'user_set', 'org_set',
                   'grant', 'hold', 'charge', 'settle', 'release', 'expire', 'token_add',
                   'token_revoke')),
    user       TEXT,
    key        TEXT,
    model      TEXT,
    day        TEXT,
    credits    INTEGER CHECK (credits IS NULL OR typeof(credits) = 'integer'),
    over       INTEGER CHECK (over IS NULL OR typeof(over) = 'integer'),
    data       TEXT NOT NULL,
    prev_hash  BLOB NOT NULL,
    hash       BLOB NOT NULL
);
CREATE TRIGGER journal_no_update BEFORE UPDATE ON journal
BEGIN SELECT RAISE(ABORT, 'the genbudget journal is append-only: entries cannot be changed'); END;
CREATE TRIGGER journal_no_delete BEFORE DELETE ON journal
BEGIN SELECT RAISE(ABORT, 'the genbudget journal is append-only: entries cannot be deleted'); END;

-- Caches below. Totals over all time serve period `none`; per-day rows
-- (ledger-local dates) serve day, week and month.
CREATE TABLE users (
    id           TEXT PRIMARY KEY,
    cap          INTEGER,
    period       TEXT NOT NULL CHECK (period IN ('day', 'week', 'month', 'none')),
    max_holds    INTEGER,
    open_holds   INTEGER NOT NULL CHECK (typeof(open_holds) = 'integer'),
    spent        INTEGER NOT NULL CHECK (typeof(spent) = 'integer'),
    held         INTEGER NOT NULL CHECK (typeof(held) = 'integer'),
    allow_spent  INTEGER NOT NULL CHECK (typeof(allow_spent) = 'integer'),
    allow_held   INTEGER NOT NULL CHECK (typeof(allow_held) = 'integer'),
    overruns     INTEGER NOT NULL CHECK (typeof(overruns) = 'integer'),
    limits_seq   INTEGER NOT NULL CHECK (typeof(limits_seq) = 'integer')
) WITHOUT ROWID;

CREATE TABLE user_days (
    user         TEXT NOT NULL,
    day          TEXT NOT NULL,
    spent        INTEGER NOT NULL CHECK (typeof(spent) = 'integer'),
    held         INTEGER NOT NULL CHECK (typeof(held) = 'integer'),
    allow_spent  INTEGER NOT NULL CHECK (typeof(allow_spent) = 'integer'),
    allow_held   INTEGER NOT NULL CHECK (typeof(allow_held) = 'integer'),
    overruns     INTEGER NOT NULL CHECK (typeof(overruns) = 'integer'),
    PRIMARY KEY (user, day)
) WITHOUT ROWID;

CREATE TABLE org (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    cap         INTEGER,
    period      TEXT NOT NULL CHECK (period IN ('day', 'week', 'month', 'none')),
    max_holds   INTEGER,
    open_holds  INTEGER NOT NULL CHECK (typeof(open_holds) = 'integer'),
    spent       INTEGER NOT NULL CHECK (typeof(spent) = 'integer'),
    held        INTEGER NOT NULL CHECK (typeof(held) = 'integer'),
    overruns    INTEGER NOT NULL CHECK (typeof(overruns) = 'integer'),
    limits_seq  INTEGER NOT NULL CHECK (typeof(limits_seq) = 'integer')
);

CREATE TABLE org_days (
    day       TEXT PRIMARY KEY,
    spent     INTEGER NOT NULL CHECK (typeof(spent) = 'integer'),
    held      INTEGER NOT NULL CHECK (typeof(held) = 'integer'),
    overruns  INTEGER NOT NULL CHECK (typeof(overruns) = 'integer')
) WITHOUT ROWID;

CREATE TABLE grants (
    key      TEXT PRIMARY KEY,
    user     TEXT NOT NULL,
    credits  INTEGER NOT NULL,
    expires  TEXT,
    spent    INTEGER NOT NULL CHECK (typeof(spent) = 'integer' AND spent >= 0),
    held     INTEGER NOT NULL CHECK (typeof(held) = 'integer' AND held >= 0),
    seq      INTEGER NOT NULL,
    CHECK (spent + held <= credits)
) WITHOUT ROWID;
CREATE INDEX grants_by_user ON grants (user, expires);

-- Holds and one-step charges by key: the state projection of the journal.
CREATE TABLE holds (
    key         TEXT PRIMARY KEY,
    kind        TEXT NOT NULL CHECK (kind IN ('hold', 'charge')),
    user        TEXT NOT NULL,
    model       TEXT,
    day         TEXT NOT NULL,
    credits     INTEGER NOT NULL,
    allow       INTEGER NOT NULL,
    grants      TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    expires_at  INTEGER,
    state       TEXT NOT NULL CHECK (state IN ('open', 'settled', 'released', 'expired')),
    settled     INTEGER,
    overrun     INTEGER NOT NULL,
    seq         INTEGER NOT NULL,
    end_seq     INTEGER
) WITHOUT ROWID;
CREATE INDEX holds_open ON holds (expires_at) WHERE state = 'open';

-- Service tokens (`genbudget serve`): the SHA-256 of each secret, never the
-- secret.
CREATE TABLE tokens (
    name         TEXT PRIMARY KEY,
    role         TEXT NOT NULL CHECK (role IN ('admin', 'app', 'user')),
    user         TEXT,
    sha256       TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    seq          INTEGER NOT NULL,
    revoked_at   TEXT,
    revoked_seq  INTEGER,
    CHECK ((role = 'user') = (user IS NOT NULL))
) WITHOUT ROWID;
"#;

/// Names of the triggers that make the journal append-only (`verify`
/// checks they are still there).
pub const TRIGGERS: [&str; 2] = ["journal_no_update", "journal_no_delete"];
