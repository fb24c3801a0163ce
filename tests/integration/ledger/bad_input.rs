//! Bad input: every case is exit 2, one `error:` line (clap's usage errors
//! add a hint after it) that names the file or the flag and says what would
//! be valid, never a panic — and the database file (and its WAL) byte for
//! byte as it was.

use std::os::unix::fs::PermissionsExt;
use std::time::{Duration, Instant};

use super::{Backend, Db, NOW};
use crate::common;

/// A ledger with alice (100 a month) and an open hold `h`.
fn ledger(b: Backend) -> Db {
    let db = Db::init_on(b, &[]);
    db.ok(&["user", "add", "alice", "--cap", "100", "--period", "month"]);
    db.ok(&["reserve", "alice", "--key", "h", "--credits", "10"]);
    db
}

/// Runs `ledger ARGS` and asserts exit 2, an `error:` line containing
/// `says`, no panic, and the file unchanged.
fn refused(db: &Db, args: &[&str], says: &str) {
    let before = db.state();
    let r = db.run(args);
    assert_eq!(r.code, 2, "{args:?}: {}{}", r.stdout, r.stderr);
    assert!(r.stderr.starts_with("error: "), "{args:?}: {}", r.stderr);
    assert!(
        r.stderr.contains(says),
        "{args:?}: expected `{says}` in: {}",
        r.stderr
    );
    assert!(
        !r.stderr.contains("panicked") && !r.stderr.contains("RUST_BACKTRACE"),
        "{}",
        r.stderr
    );
    assert_eq!(r.stdout, "", "{args:?}");
    assert!(db.state() == before, "{args:?}: the database file changed");
}

fn bad_user_ids(b: Backend) {
    let db = ledger(b);
    let valid = "is not a user id; use 1–64 characters from A-Z a-z 0-9 . _ @ -";
    let long = "x".repeat(65);
    for bad in ["al ice", "bob/1", "é", "", long.as_str()] {
        refused(
            &db,
            &["reserve", bad, "--key", "k", "--credits", "1"],
            valid,
        );
        refused(&db, &["user", "add", bad], valid);
        refused(&db, &["status", bad], valid);
    }
    refused(
        &db,
        &["reserve", "al ice", "--key", "k", "--credits", "1"],
        "invalid value 'al ice' for '<USER>'",
    );
    refused(
        &db,
        &["holds", "--user", "a/b"],
        "invalid value 'a/b' for '--user <USER>'",
    );
}

fn amounts_with_more_than_6_decimals(b: Backend) {
    let db = ledger(b);
    let says = "`1.1234567` has 7 decimal places; credit amounts have at most 6";
    refused(
        &db,
        &["reserve", "alice", "--key", "k", "--credits", "1.1234567"],
        says,
    );
    refused(
        &db,
        &["charge", "alice", "--key", "k", "--credits", "1.1234567"],
        says,
    );
    refused(&db, &["settle", "h", "--credits", "1.1234567"], says);
    refused(&db, &["grant", "alice", "1.1234567", "--key", "g"], says);
    refused(&db, &["user", "set", "alice", "--cap", "1.1234567"], says);
    refused(
        &db,
        &["reserve", "alice", "--key", "k", "--credits", "1.1234567"],
        "invalid value '1.1234567' for '--credits <N>'",
    );
}

fn negative_zero_and_non_numeric_amounts(b: Backend) {
    let db = ledger(b);
    let negative = "`-5` is negative; credit amounts are 0 or more";
    refused(
        &db,
        &["reserve", "alice", "--key", "k", "--credits", "-5"],
        negative,
    );
    refused(
        &db,
        &["reserve", "alice", "--key", "k", "--credits=-5"],
        negative,
    );
    refused(
        &db,
        &["charge", "alice", "--key", "k", "--credits", "-5"],
        negative,
    );
    refused(&db, &["settle", "h", "--credits", "-5"], negative);
    refused(&db, &["grant", "alice", "-5", "--key", "g"], negative);
    refused(&db, &["user", "set", "alice", "--cap", "-5"], negative);
    refused(
        &db,
        &["org", "set", "--cap", "-5", "--period", "day"],
        negative,
    );
    for bad in ["abc", "1e3", "1,5", "0x10", "", " "] {
        refused(
            &db,
            &["reserve", "alice", "--key", "k", "--credits", bad],
            "is not an amount of credits (write it like 40 or 0.5)",
        );
    }
    refused(
        &db,
        &["reserve", "alice", "--key", "k", "--credits", "1000000001"],
        "is too large; credit amounts are at most 1000000000",
    );
    refused(
        &db,
        &["reserve", "alice", "--key", "k", "--credits", "0"],
        "credits: `0` asks for nothing; a hold or charge is for more than 0 credits",
    );
    refused(
        &db,
        &["grant", "alice", "0", "--key", "g"],
        "credits: a grant is for more than 0 credits",
    );
    for bad in ["-1", "2.5", "many"] {
        refused(
            &db,
            &["user", "set", "alice", "--max-holds", bad],
            "is not a number of holds; use a whole number like 10 (or `none`)",
        );
    }
}

fn unknown_users_and_keys(b: Backend) {
    let db = ledger(b);
    let bob = "unknown user `bob` (add it with `genbudget ledger user add bob`)";
    refused(
        &db,
        &["reserve", "bob", "--key", "k", "--credits", "1"],
        bob,
    );
    refused(&db, &["charge", "bob", "--key", "k", "--credits", "1"], bob);
    refused(&db, &["grant", "bob", "1", "--key", "g"], bob);
    refused(&db, &["user", "set", "bob", "--cap", "5"], bob);
    refused(&db, &["status", "bob"], bob);
    refused(&db, &["holds", "--user", "bob"], bob);
    let nope = "unknown key `nope`: no hold or charge was made under it";
    refused(&db, &["settle", "nope"], nope);
    refused(&db, &["release", "nope"], nope);
    refused(
        &db,
        &["settle", "a b"],
        "`a b` is not a key; use 1–128 printable characters without spaces",
    );
    refused(
        &db,
        &["reserve", "alice", "--key", "", "--credits", "1"],
        "is not a key",
    );
    refused(
        &db,
        &["user", "add", "alice"],
        "user `alice` already exists; change its limits with `genbudget ledger user set alice`",
    );
    refused(
        &db,
        &["user", "set", "alice"],
        "user set: nothing to change; give --cap, --period or --max-holds",
    );
}

fn bad_periods_durations_dates_and_zones(b: Backend) {
    let db = ledger(b);
    refused(
        &db,
        &["user", "add", "bob", "--cap", "5", "--period", "fortnight"],
        "invalid value 'fortnight' for '--period <PERIOD>'\n  [possible values: day, week, month, none]",
    );
    refused(
        &db,
        &["org", "set", "--cap", "5", "--period", "year"],
        "[possible values: day, week, month, none]",
    );
    refused(
        &db,
        &["user", "add", "bob", "--cap", "5"],
        "the following required arguments were not provided:\n  --period <PERIOD>",
    );
    let duration = "is not a duration; write it like 90s, 15m, 1h30m or 2d (at most 30d)";
    for bad in ["10x", "0m", "31d", "15", "1.5h", "-5m"] {
        refused(
            &db,
            &[
                "reserve",
                "alice",
                "--key",
                "k",
                "--credits",
                "1",
                "--ttl",
                bad,
            ],
            duration,
        );
    }
    refused(
        &db,
        &[
            "charge",
            "alice",
            "--key",
            "k",
            "--credits",
            "1",
            "--ttl",
            "5m",
        ],
        "unexpected argument '--ttl'",
    );
    refused(
        &db,
        &[
            "grant",
            "alice",
            "1",
            "--key",
            "g",
            "--expires",
            "2026-02-30",
        ],
        "`2026-02-30` is not a date; write it as YYYY-MM-DD (e.g. 2026-04-20)",
    );
    refused(
        &db,
        &[
            "grant",
            "alice",
            "1",
            "--key",
            "g",
            "--expires",
            "2026-04-19",
        ],
        "expires: 2026-04-19 is before today (2026-04-20) in the ledger's timezone",
    );
    refused(
        &db,
        &["report", "--from", "20260420"],
        "is not a date; write it as YYYY-MM-DD",
    );
    refused(
        &db,
        &["report", "--from", "2026-04-21", "--to", "2026-04-20"],
        "from: 2026-04-21 is after --to 2026-04-20",
    );
    refused(
        &db,
        &["report", "--by", "year"],
        "[possible values: user, model, day, week, month]",
    );
    refused(
        &db,
        &["init", "--timezone", "UTC", "--hold-ttl", "30m"],
        "a ledger already exists here with hold-ttl 15m, not 30m (field `hold-ttl`)",
    );
    // A clock that is not RFC 3339.
    let before = db.state();
    let mut c = db.cmd_at("2026-04-20 09:00", &["status"]);
    let r = common::Run::from(c.output().unwrap());
    assert_eq!(r.code, 2);
    assert!(
        r.stderr
            .starts_with("error: GENBUDGET_NOW: `2026-04-20 09:00` is not an RFC 3339 time"),
        "{}",
        r.stderr
    );
    assert!(db.state() == before);
}

#[test]
fn init_with_bad_settings_creates_nothing() {
    let db = Db::empty();
    refused(
        &db,
        &["init", "--timezone", "Mars/Olympus"],
        "`Mars/Olympus` is not an IANA timezone name (e.g. UTC, Europe/Berlin, America/New_York)",
    );
    refused(&db, &["init", "--hold-ttl", "90"], "is not a duration");
    refused(
        &db,
        &["init", "--credit-value", "0"],
        "`0` must be more than 0 (e.g. 0.01)",
    );
    refused(
        &db,
        &["init", "--currency", "usd"],
        "`usd` is not an ISO 4217 currency code (three capital letters, e.g. USD)",
    );
    assert!(!db.path.exists());
}

#[test]
fn files_that_are_not_ledgers_are_refused_and_left_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let text = dir.path().join("notes.txt");
    std::fs::write(&text, "hello, this is not a database\n").unwrap();
    let empty = dir.path().join("empty.db");
    std::fs::write(&empty, "").unwrap();
    let other = dir.path().join("other.sqlite");
    {
        let c = rusqlite::Connection::open(&other).unwrap();
        c.execute_batch("CREATE TABLE photos (id INTEGER PRIMARY KEY, name TEXT); INSERT INTO photos (name) VALUES ('cat.jpg');").unwrap();
    }
    let cases = [
        (
            &text,
            "is not a SQLite database, so not a genbudget ledger; it was left untouched",
        ),
        (
            &empty,
            "is empty, so not a genbudget ledger; it was left untouched",
        ),
        (
            &other,
            "is a SQLite database but not a genbudget ledger (application id 0x00000000, a ledger's is 0x47424c47); it was left untouched",
        ),
    ];
    for (path, says) in cases {
        let db = Db::at(tempfile::tempdir().unwrap(), path.clone());
        for args in [
            &["reserve", "alice", "--key", "k", "--credits", "1"][..],
            &["status"],
            &["verify"],
            &["export"],
            &["init"],
            &["user", "add", "bob"],
        ] {
            refused(&db, args, &format!("error: {}: {says}", path.display()));
        }
    }
    // Nothing else appeared next to them (no -wal, -shm or temporary files).
    let mut names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, ["empty.db", "notes.txt", "other.sqlite"]);
}

#[test]
fn a_newer_schema_is_refused() {
    let db = ledger(Backend::Sqlite);
    db.sqlite().pragma_update(None, "user_version", 7).unwrap();
    refused(
        &db,
        &["reserve", "alice", "--key", "k", "--credits", "1"],
        "was written by a newer genbudget (ledger schema 7; this genbudget reads up to 2); upgrade genbudget",
    );
}

#[test]
fn a_read_only_file_is_refused_by_writing_commands() {
    let db = ledger(Backend::Sqlite);
    std::fs::set_permissions(&db.path, std::fs::Permissions::from_mode(0o444)).unwrap();
    let says = "is read-only; genbudget writes to its ledger (even reading commands record expired holds), so make it writable";
    refused(
        &db,
        &["reserve", "alice", "--key", "k", "--credits", "1"],
        says,
    );
    refused(&db, &["settle", "h"], says);
    refused(&db, &["status"], says);
    // Checking and exporting only read, so they work on a read-only file.
    let v = db.verified();
    assert_eq!(v["entries"], 3);
    std::fs::set_permissions(&db.path, std::fs::Permissions::from_mode(0o644)).unwrap();
}

#[test]
fn a_missing_directory_or_file_is_refused_and_nothing_is_created() {
    let base = tempfile::tempdir().unwrap();
    let gone = base.path().join("no/such/dir/ledger.db");
    let db = Db::at(tempfile::tempdir().unwrap(), gone.clone());
    let says = format!(
        "the directory {} does not exist; create it or choose another path",
        base.path().join("no/such/dir").display()
    );
    refused(&db, &["init"], &says);
    refused(
        &db,
        &["reserve", "alice", "--key", "k", "--credits", "1"],
        &says,
    );
    refused(&db, &["verify"], &says);
    assert!(!base.path().join("no").exists());
    // The directory exists but the ledger does not.
    let db = Db::at(tempfile::tempdir().unwrap(), base.path().join("ledger.db"));
    refused(
        &db,
        &["status"],
        "no ledger here; create one with `genbudget ledger init` (or choose another --db)",
    );
    assert!(!db.path.exists());
    // A directory where the file should be.
    let db = Db::at(tempfile::tempdir().unwrap(), base.path().to_path_buf());
    refused(&db, &["status"], "is a directory, not a ledger file");
}

#[test]
fn copy_to_nowhere_or_a_missing_directory_is_refused() {
    let db = ledger(Backend::Sqlite);
    refused(
        &db,
        &["copy", "--to", ""],
        "--to: empty; give a new file's path or an empty PostgreSQL database's URL",
    );
    let base = tempfile::tempdir().unwrap();
    let gone = base.path().join("no/dir/copy.db");
    refused(
        &db,
        &["copy", "--to", gone.to_str().unwrap()],
        &format!(
            "the directory {} does not exist; create it or choose another path",
            base.path().join("no/dir").display()
        ),
    );
    assert!(!base.path().join("no").exists());
    // The ledger itself, by its own path or another way to it.
    let before = std::fs::read(&db.path).unwrap();
    for to in [
        db.path.clone(),
        db.path
            .parent()
            .unwrap()
            .join(".")
            .join(db.path.file_name().unwrap()),
    ] {
        refused(
            &db,
            &["copy", "--to", to.to_str().unwrap()],
            "is the ledger being copied (--db)",
        );
    }
    assert!(std::fs::read(&db.path).unwrap() == before);
}

/// `genbudget ARGS` with `env` added to the clean environment.
fn run_env(env: &[(&str, &str)], args: &[&str]) -> common::Run {
    let mut c = common::cmd(args);
    c.envs(env.iter().copied());
    common::Run::from(c.output().unwrap())
}

/// Holds SQLite's write lock from another connection, as a long writer in
/// another process would.
fn locked<T>(db: &Db, f: impl FnOnce() -> T) -> T {
    let c = db.sqlite();
    c.execute_batch("BEGIN IMMEDIATE").unwrap();
    let out = f();
    c.execute_batch("ROLLBACK").unwrap();
    out
}

#[test]
fn busy_past_the_default_5_second_timeout() {
    let db = ledger(Backend::Sqlite);
    let (before, elapsed, r, after) = locked(&db, || {
        let before = db.bytes();
        let t = Instant::now();
        let r = db.run(&["reserve", "alice", "--key", "k", "--credits", "1"]);
        (before, t.elapsed(), r, db.bytes())
    });
    assert_eq!(r.code, 2, "{}{}", r.stdout, r.stderr);
    assert_eq!(
        r.stderr,
        "error: the ledger is busy: another process held it for more than 5000 ms; nothing was written (try again)\n"
    );
    // It waited the whole timeout (rule 7: at least 5 s) before giving up.
    assert!(elapsed >= Duration::from_secs(5), "{elapsed:?}");
    assert!(before == after, "the file changed");
    // Once the lock is gone the same request goes through.
    db.ok(&["reserve", "alice", "--key", "k", "--credits", "1"]);
}

#[test]
fn busy_past_a_shorter_timeout_for_every_writing_command() {
    let db = ledger(Backend::Sqlite);
    locked(&db, || {
        for args in [
            &["reserve", "alice", "--key", "k", "--credits", "1"][..],
            &["charge", "alice", "--key", "k", "--credits", "1"],
            &["settle", "h"],
            &["release", "h"],
            &["grant", "alice", "1", "--key", "g"],
            &["user", "add", "bob"],
            &["org", "set", "--max-holds", "3"],
            &["token", "add", "web", "--role", "app"],
        ] {
            let before = db.bytes();
            let mut c = db.cmd_at(NOW, args);
            c.env("GENBUDGET_BUSY_TIMEOUT_MS", "200");
            let r = common::Run::from(c.output().unwrap());
            assert_eq!(r.code, 2, "{args:?}: {}", r.stdout);
            assert_eq!(
                r.stderr,
                "error: the ledger is busy: another process held it for more than 200 ms; nothing was written (try again)\n",
                "{args:?}"
            );
            assert!(db.bytes() == before, "{args:?}: the file changed");
        }
        // Readers are not blocked by a writer (WAL) …
        let r = db.run(&["status"]);
        assert_eq!(r.code, 0, "{}", r.stderr);
        // … unless they have an expired hold to record (h expires at 09:15).
        let mut c = db.cmd_at("2026-04-20T10:00:00Z", &["status"]);
        c.env("GENBUDGET_BUSY_TIMEOUT_MS", "200");
        let r = common::Run::from(c.output().unwrap());
        assert_eq!(r.code, 2);
        assert!(r.stderr.contains("the ledger is busy"), "{}", r.stderr);
    });
    db.verified();
    // A bad timeout setting is itself an error.
    // So is one past what SQLite and PostgreSQL take (2^31 - 1 ms, about
    // 24.8 days): it used to stop SQLite's driver with a panic.
    for bad in ["soon", "2147483648"] {
        let mut c = db.cmd_at(NOW, &["reserve", "alice", "--key", "t", "--credits", "1"]);
        c.env("GENBUDGET_BUSY_TIMEOUT_MS", bad);
        let r = common::Run::from(c.output().unwrap());
        assert_eq!(r.code, 2, "{bad}: {}", r.stderr);
        assert_eq!(
            r.stderr,
            format!(
                "error: GENBUDGET_BUSY_TIMEOUT_MS: `{bad}` is not a number of milliseconds from 0 to 2147483647 (e.g. 5000)\n"
            )
        );
    }
    // The longest one is taken.
    let mut c = db.cmd_at(NOW, &["status"]);
    c.env("GENBUDGET_BUSY_TIMEOUT_MS", "2147483647");
    let r = common::Run::from(c.output().unwrap());
    assert_eq!(r.code, 0, "{}", r.stderr);
}

/// A clock so late that a period or a hold would end past year 9999 (the
/// last year RFC 3339 writes) is refused: such an entry could never be
/// read back by `verify`. The latest one taken still works.
fn a_clock_whose_periods_would_end_after_year_9999(b: Backend) {
    let db = ledger(b);
    let before = db.state();
    let r = db.run_at(
        "9999-12-31T23:59:59Z",
        &["reserve", "alice", "--key", "late", "--credits", "1"],
    );
    assert_eq!(r.code, 2, "{}", r.stdout);
    assert_eq!(
        r.stderr,
        "error: GENBUDGET_NOW: `9999-12-31T23:59:59Z` is too late: the ledger's periods and holds must end by 9999-12-31 (give a time before 9999-11-30T00:00:00Z)\n"
    );
    assert!(db.state() == before, "nothing was written");
    // A second before: a 30-day hold expires on 9999-12-29 (whole seconds
    // rounded up), and the ledger still verifies.
    let v = db.ok_at(
        "9999-11-29T23:59:59Z",
        &[
            "reserve",
            "alice",
            "--key",
            "late",
            "--credits",
            "1",
            "--ttl",
            "30d",
        ],
    );
    assert_eq!(v["expires_at"], "9999-12-29T23:59:59Z", "{v}");
    db.verified();
}

crate::both!(
    a_clock_whose_periods_would_end_after_year_9999,
    bad_user_ids,
    amounts_with_more_than_6_decimals,
    negative_zero_and_non_numeric_amounts,
    unknown_users_and_keys,
    bad_periods_durations_dates_and_zones,
);

/// What looks like a URL is never taken for a file name, and no message
/// shows a URL's password, however it is written.
#[test]
fn urls_the_driver_cannot_read_are_refused_without_their_password() {
    let dir = tempfile::tempdir().unwrap();
    for (url, says) in [
        // Unencoded `/` and `?` in the password (nothing listens on port 1).
        (
            "postgres://u:ab/cd?ef@127.0.0.1:1/x?sslmode=disable&connect_timeout=2",
            "postgres://u@127.0.0.1:1/x?sslmode=disable&connect_timeout=2",
        ),
        // A percent-encoded parameter name.
        (
            "postgres://127.0.0.1:1/x?user=u&pass%77ord=ab/cd?ef&sslmode=disable",
            "postgres://127.0.0.1:1/x?user=u&sslmode=disable",
        ),
        // A `password` parameter holding `@`: read whole by the driver, and
        // dropped whole here.
        (
            "postgres://u@127.0.0.1:1/x?password=ab/cd@ef&sslmode=disable&connect_timeout=2",
            "postgres://u@127.0.0.1:1/x?sslmode=disable&connect_timeout=2: cannot connect",
        ),
        // An unencoded `@` in the password: the driver would read the rest
        // as the host; refused, showing only the user.
        (
            "postgres://u:ab/cd@ef@127.0.0.1:1/x",
            "postgres://u@…: has a second `@`",
        ),
        // An `@` in a parameter with no user info before the host: the
        // driver would read up to it as a user and password; refused,
        // showing only the host. (With a port, `127.0.0.1:1/…@ef` is a
        // user `127.0.0.1` with a password on host `ef` to the driver,
        // and is shown as such, without that password.)
        (
            "postgres://127.0.0.1/x?password=ab/cd@ef",
            "postgres://127.0.0.1/…: has an `@` after its host",
        ),
        (
            "postgres://127.0.0.1:1/x?password=ab/cd@ef.invalid/x?connect_timeout=2",
            "postgres://127.0.0.1@ef.invalid/x?connect_timeout=2: cannot connect",
        ),
        // Schemes the driver does not read, and a missing `//`.
        ("POSTGRES://u:ab/cd?ef@h/x", "POSTGRES://u@h/x"),
        ("mysql://u:ab/cd?ef@h/x", "mysql://u@h/x"),
        ("postgres:billing", "postgres:billing"),
    ] {
        let r = common::Run::from(
            common::cmd(&["--db", url, "ledger", "init"])
                .current_dir(dir.path())
                .output()
                .unwrap(),
        );
        assert_eq!(r.code, 2, "{url}: {}", r.stdout);
        assert!(
            r.stderr.starts_with(&format!("error: {says}")),
            "{url}: {}",
            r.stderr
        );
        assert!(!r.stderr.contains("ab/cd"), "{url}: {}", r.stderr);
        assert!(!r.stderr.contains("panicked"), "{}", r.stderr);
    }
    // Nothing was made in the working directory (no file `postgres:billing`).
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
}

/// A server (or a proxy) that takes the connection and then says nothing
/// is an error once `connect_timeout` has passed, not a hang.
#[test]
fn a_server_that_never_answers_is_an_error_after_the_connect_timeout() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    // Accepts and holds the connections, never writing a byte.
    let held = std::thread::spawn(move || {
        let mut kept = Vec::new();
        for s in listener.incoming().take(1) {
            kept.push(s.unwrap());
        }
        std::thread::sleep(Duration::from_secs(6));
    });
    let url = format!("postgres://u:pw@127.0.0.1:{port}/x?sslmode=disable&connect_timeout=1");
    let start = Instant::now();
    let r = common::Run::from(
        common::cmd(&["--db", &url, "ledger", "status"])
            .output()
            .unwrap(),
    );
    let took = start.elapsed();
    assert_eq!(r.code, 2, "{}", r.stdout);
    assert!(
        r.stderr
            .contains("cannot connect to PostgreSQL: no answer within 1 s"),
        "{}",
        r.stderr
    );
    assert!(!r.stderr.contains(":pw@"), "{}", r.stderr);
    // 1 s and the process's own start, far below the listener's 6 s.
    assert!(took < Duration::from_secs(5), "took {took:?}");
    held.join().unwrap();
}

/// A TLS setting from the environment that is wrong is named as coming
/// from there (nothing is listening: the setting is refused first).
#[test]
fn tls_settings_from_the_environment_are_named_when_wrong() {
    let url = "postgres://u:pw@127.0.0.1:1/x";
    let run = |env: &[(&str, &str)]| run_env(env, &["--db", url, "ledger", "status"]);
    let r = run(&[("PGSSLMODE", "bogus")]);
    assert_eq!(r.code, 2);
    assert_eq!(
        r.stderr,
        "error: postgres://u@127.0.0.1:1/x: PGSSLMODE: sslmode `bogus` is not one of disable, prefer, require, verify-ca, verify-full\n"
    );
    let r = run(&[
        ("PGSSLMODE", "require"),
        ("PGSSLROOTCERT", "/nonexistent/ca.pem"),
    ]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.starts_with(
            "error: postgres://u@127.0.0.1:1/x: PGSSLROOTCERT: sslrootcert /nonexistent/ca.pem: not a readable PEM file"
        ),
        "{}",
        r.stderr
    );
    // In the URL, the same mistake names the parameter alone.
    let r = run_env(
        &[("PGSSLMODE", "require")],
        &["--db", &format!("{url}?sslmode=bogus"), "ledger", "status"],
    );
    assert!(
        r.stderr
            .starts_with("error: postgres://u@127.0.0.1:1/x?sslmode=bogus: sslmode `bogus`"),
        "{}",
        r.stderr
    );
}

/// An empty `--db` or GENBUDGET_DB is named as such (clap would call the
/// variable a `--db` without a value); `--db` given wins over an empty
/// variable, and a command without a ledger ignores it.
#[test]
fn an_empty_db_flag_or_variable_is_named() {
    let run = run_env;
    let r = run(&[("GENBUDGET_DB", "")], &["ledger", "status"]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.starts_with("error: GENBUDGET_DB is set but empty: give it a ledger file's path or a postgres:// URL, or unset it\n"),
        "{}",
        r.stderr
    );
    let r = run(&[], &["--db", "", "ledger", "status"]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr
            .starts_with("error: --db: empty; give a ledger file's path or a postgres:// URL\n"),
        "{}",
        r.stderr
    );
    let db = ledger(Backend::Sqlite);
    let r = run(
        &[("GENBUDGET_DB", ""), ("GENBUDGET_NOW", NOW)],
        &[
            "--db",
            &db.location,
            "ledger",
            "status",
            "alice",
            "--format",
            "json",
        ],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let r = run(
        &[("GENBUDGET_DB", "")],
        &[
            "estimate",
            common::root()
                .join("examples/spring-launch.toml")
                .to_str()
                .unwrap(),
        ],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
}
