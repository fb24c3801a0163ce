//! The PostgreSQL schema: the same tables as the SQLite file's, in the
//! schema `genbudget` of the database, plus two that SQLite keeps in its
//! header: `schema_version` (rule 8) and `head`, the journal head row that
//! every writer locks first (rule 1).
//!
//! Amounts are `bigint` micro-credits (an overflow is an error, never a
//! wrap), dates are `YYYY-MM-DD` text as in the SQLite file, so both
//! backends compare and sort them alike. The journal refuses UPDATE, DELETE
//! and TRUNCATE by trigger; `init` also revokes those privileges where the
//! role may.

/// The PostgreSQL schema (namespace) that holds a ledger.
pub const NAMESPACE: &str = "genbudget";

/// Names of the triggers that make the journal append-only (`verify`
/// checks they are there and enabled ALWAYS).
pub const TRIGGERS: [&str; 3] = [
    "journal_no_update",
    "journal_no_delete",
    "journal_no_truncate",
];

/// The current schema, created by `init` in one transaction (after
/// `CREATE SCHEMA genbudget` and with `search_path` set to it).
pub const SCHEMA: &str = r#"
CREATE TABLE schema_version (
    id       integer PRIMARY KEY CHECK (id = 1),
    version  integer NOT NULL
);

CREATE TABLE settings (
    id            integer PRIMARY KEY CHECK (id = 1),
    credit_value  text NOT NULL,
    currency      text NOT NULL,
    timezone      text NOT NULL,
    hold_ttl      bigint NOT NULL
);

-- The append-only, hash-chained journal: the ledger's truth.
CREATE TABLE journal (
    seq        bigint PRIMARY KEY,
    at         text NOT NULL,
    kind       text NOT NULL CHECK (kind IN ('init', 'migrate', 'user_add', 'user_set', 'org_set',
                   'grant', 'hold', 'charge', 'settle', 'release', 'expire', 'token_add',
                   'token_revoke')),
    "user"     text,
    key        text,
    model      text,
    day        text,
    credits    bigint,
    over       bigint,
    data       text NOT NULL,
    prev_hash  bytea NOT NULL,
    hash       bytea NOT NULL
);
CREATE INDEX journal_spending ON journal (kind, day) WHERE kind IN ('settle', 'charge');

CREATE FUNCTION journal_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        RAISE EXCEPTION 'the genbudget journal is append-only: entries cannot be changed';
    END IF;
    RAISE EXCEPTION 'the genbudget journal is append-only: entries cannot be deleted';
END $$;
CREATE TRIGGER journal_no_update BEFORE UPDATE ON journal
    FOR EACH ROW EXECUTE FUNCTION journal_append_only();
CREATE TRIGGER journal_no_delete BEFORE DELETE ON journal
    FOR EACH ROW EXECUTE FUNCTION journal_append_only();
CREATE TRIGGER journal_no_truncate BEFORE TRUNCATE ON journal
    FOR EACH STATEMENT EXECUTE FUNCTION journal_append_only();
-- Always: also in a session whose session_replication_role is `replica`,
-- which skips ordinary triggers without a trace in the catalog.
ALTER TABLE journal ENABLE ALWAYS TRIGGER journal_no_update;
ALTER TABLE journal ENABLE ALWAYS TRIGGER journal_no_delete;
ALTER TABLE journal ENABLE ALWAYS TRIGGER journal_no_truncate;

-- The journal head row: the newest entry's seq and hash (seq 0 and the
-- genesis hash before the first). Every write transaction locks it first
-- (`SELECT … FOR UPDATE`), which orders writers as SQLite's
-- `BEGIN IMMEDIATE` does; `verify` checks it against the journal.
CREATE TABLE head (
    id    integer PRIMARY KEY CHECK (id = 1),
    seq   bigint NOT NULL,
    hash  bytea NOT NULL
);

-- Caches below. Totals over all time serve period `none`; per-day rows
-- (ledger-local dates) serve day, week and month.
CREATE TABLE users (
    id           text PRIMARY KEY,
    cap          bigint,
    period       text NOT NULL CHECK (period IN ('day', 'week', 'month', 'none')),
    max_holds    bigint,
    open_holds   bigint NOT NULL,
    spent        bigint NOT NULL,
    held         bigint NOT NULL,
    allow_spent  bigint NOT NULL,
    allow_held   bigint NOT NULL,
    overruns     bigint NOT NULL,
    limits_seq   bigint NOT NULL
);

CREATE TABLE user_days (
    "user"       text NOT NULL,
    day          text NOT NULL,
    spent        bigint NOT NULL,
    held         bigint NOT NULL,
    allow_spent  bigint NOT NULL,
    allow_held   bigint NOT NULL,
    overruns     bigint NOT NULL,
    PRIMARY KEY ("user", day)
);

CREATE TABLE org (
    id          integer PRIMARY KEY CHECK (id = 1),
    cap         bigint,
    period      text NOT NULL CHECK (period IN ('day', 'week', 'month', 'none')),
    max_holds   bigint,
    open_holds  bigint NOT NULL,
    spent       bigint NOT NULL,
    held        bigint NOT NULL,
    overruns    bigint NOT NULL,
    limits_seq  bigint NOT NULL
);

CREATE TABLE org_days (
    day       text PRIMARY KEY,
    spent     bigint NOT NULL,
    held      bigint NOT NULL,
    overruns  bigint NOT NULL
);

CREATE TABLE grants (
    key      text PRIMARY KEY,
    "user"   text NOT NULL,
    credits  bigint NOT NULL,
    expires  text,
    spent    bigint NOT NULL CHECK (spent >= 0),
    held     bigint NOT NULL CHECK (held >= 0),
    seq      bigint NOT NULL,
    CHECK (spent + held <= credits)
);
CREATE INDEX grants_by_user ON grants ("user", expires);

-- Holds and one-step charges by key: the state projection of the journal.
CREATE TABLE holds (
    key         text PRIMARY KEY,
    kind        text NOT NULL CHECK (kind IN ('hold', 'charge')),
    "user"      text NOT NULL,
    model       text,
    day         text NOT NULL,
    credits     bigint NOT NULL,
    allow       bigint NOT NULL,
    grants      text NOT NULL,
    created_at  text NOT NULL,
    expires_at  bigint,
    state       text NOT NULL CHECK (state IN ('open', 'settled', 'released', 'expired')),
    settled     bigint,
    overrun     boolean NOT NULL,
    seq         bigint NOT NULL,
    end_seq     bigint
);
CREATE INDEX holds_open ON holds (expires_at) WHERE state = 'open';
CREATE INDEX holds_by_seq ON holds (seq);

-- Service tokens (`genbudget serve`): the SHA-256 of each secret, never the
-- secret.
CREATE TABLE tokens (
    name         text PRIMARY KEY,
    role         text NOT NULL CHECK (role IN ('admin', 'app', 'user')),
    "user"       text,
    sha256       text NOT NULL,
    created_at   text NOT NULL,
    seq          bigint NOT NULL,
    revoked_at   text,
    revoked_seq  bigint,
    CHECK ((role = 'user') = ("user" IS NOT NULL))
);
"#;

/// Run after [`SCHEMA`]: takes UPDATE, DELETE and TRUNCATE on the journal
/// away from everyone, the ledger's own role included, where the role may
/// (a role that may not still has the triggers).
pub const REVOKE: &str = r#"
DO $$
BEGIN
    EXECUTE 'REVOKE UPDATE, DELETE, TRUNCATE ON journal FROM PUBLIC, CURRENT_USER';
EXCEPTION WHEN insufficient_privilege THEN
    NULL;
END $$;
"#;
