//! What only the PostgreSQL backend has: the journal's triggers and
//! revoked privileges against a superuser's edits, TLS with certificate
//! verification, passwords kept out of messages, the head-row lock past
//! its timeout, databases that hold something else, `ledger copy` both
//! ways, and a server restarted under running writers. Every test here
//! needs `GENBUDGET_TEST_POSTGRES` (see `backend.rs`) and returns at once
//! without it. The suite shared with SQLite runs through `both!` in the
//! other modules.

use std::collections::BTreeSet;
use std::process::Command;
use std::time::{Duration, Instant};

use serde_json::Value;

use super::backend::{self, PgDb, admin_url};
use super::{Backend, Db, NOW, s};
use crate::common::{self, Run};

/// A ledger on PostgreSQL with alice (cap 100 a month), or `None` without a
/// server.
fn ledger() -> Option<Db> {
    if !backend::available(Backend::Postgres) {
        return None;
    }
    let db = Db::init_on(Backend::Postgres, &[]);
    db.ok(&["user", "add", "alice", "--cap", "100", "--period", "month"]);
    Some(db)
}

/// `genbudget --db URL ledger ARGS` with `env`.
fn run_url(url: &str, env: &[(&str, &str)], args: &[&str]) -> Run {
    let mut c = common::cmd(&["--db", url, "ledger"]);
    c.args(args).env("GENBUDGET_NOW", NOW);
    for (k, v) in env {
        c.env(k, v);
    }
    c.output().unwrap().into()
}

/// [`run_url`] without environment, expecting exit `code`.
fn run_expecting(url: &str, args: &[&str], code: i32) -> Run {
    let r = run_url(url, &[], args);
    assert_eq!(r.code, code, "{args:?}: {}{}", r.stdout, r.stderr);
    r
}

/// `url` with its query replaced by `query`.
fn with_query(url: &str, query: &str) -> String {
    let base = url.split_once('?').map_or(url, |(b, _)| b);
    if query.is_empty() {
        base.to_string()
    } else {
        format!("{base}?{query}")
    }
}

/// The password in `url` (`postgres://user:PASSWORD@…`).
fn password(url: &str) -> String {
    let auth = url.split("://").nth(1).unwrap().split('@').next().unwrap();
    auth.split_once(':')
        .map(|(_, p)| p.to_string())
        .unwrap_or_default()
}

#[test]
fn the_journal_refuses_a_superusers_edits_and_verify_names_a_changed_entry() {
    let Some(db) = ledger() else { return };
    // Entries: 1 init, 2 user_add, 3 charge c1 (10), 4 charge c2 (20).
    db.ok(&["charge", "alice", "--key", "c1", "--credits", "10"]);
    db.ok(&["charge", "alice", "--key", "c2", "--credits", "20"]);
    let pg = db.pg.as_ref().unwrap();
    let mut c = pg.client();
    for (sql, says) in [
        (
            "UPDATE genbudget.journal SET credits = 1 WHERE seq = 3",
            "entries cannot be changed",
        ),
        (
            "DELETE FROM genbudget.journal WHERE seq = 4",
            "entries cannot be deleted",
        ),
        ("TRUNCATE genbudget.journal", "entries cannot be deleted"),
        // A session that skips ordinary triggers (as replication does)
        // still meets these: they fire ALWAYS.
        (
            "SET session_replication_role = replica;
             UPDATE genbudget.journal SET credits = 1 WHERE seq = 3",
            "entries cannot be changed",
        ),
    ] {
        let e = c.batch_execute(sql).unwrap_err();
        let m = e.as_db_error().map(|d| d.message().to_string()).unwrap();
        assert!(m.contains(says), "{sql}: {m}");
    }
    assert_eq!(db.entries(), 4);
    db.verified();

    // With the trigger disabled for the edit and enabled again, only the
    // hash chain tells: 10 credits (10,000,000 micro-credits) become 1.
    c.batch_execute(
        "ALTER TABLE genbudget.journal DISABLE TRIGGER journal_no_update;
         UPDATE genbudget.journal SET credits = 1000000 WHERE seq = 3;
         ALTER TABLE genbudget.journal ENABLE TRIGGER journal_no_update;",
    )
    .unwrap();
    let (r, v) = db.json(&["verify"]);
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert_eq!(v["ok"], false);
    let problems = v["problems"].as_array().unwrap();
    assert!(
        problems.iter().any(|p| p["entry"] == 3),
        "entry 3 is named: {v}"
    );

    // A trigger left disabled is a problem of its own, and so is one set
    // to fire only in replica sessions, or only in ordinary ones (which a
    // replica session skips).
    c.batch_execute(
        "ALTER TABLE genbudget.journal DISABLE TRIGGER journal_no_delete;
         ALTER TABLE genbudget.journal ENABLE REPLICA TRIGGER journal_no_update;
         ALTER TABLE genbudget.journal ENABLE TRIGGER journal_no_truncate;",
    )
    .unwrap();
    let (r, v) = db.json(&["verify"]);
    assert_eq!(r.code, 1);
    let said = v["problems"].to_string();
    assert!(said.contains("`journal_no_delete` is disabled"), "{v}");
    assert!(
        said.contains("`journal_no_update` fires only in replica sessions"),
        "{v}"
    );
    assert!(
        said.contains("`journal_no_truncate` fires only in non-replica sessions"),
        "{v}"
    );
}

#[test]
fn the_ledgers_own_role_may_not_update_or_delete_the_journal() {
    let Some(_) = ledger() else { return };
    let pg = PgDb::new();
    let role = format!("gb_role_{}", pg.name);
    let mut admin = backend::admin(&admin_url().unwrap());
    admin
        .batch_execute(&format!(
            "CREATE ROLE {role} LOGIN PASSWORD 'role-pw'; ALTER DATABASE {} OWNER TO {role}",
            pg.name
        ))
        .unwrap();
    let url = pg
        .url
        .replacen("postgres:genbudget-ci@", &format!("{role}:role-pw@"), 1);
    let url = if url == pg.url {
        // An admin URL with another user or password: rebuild it.
        let rest = pg.url.split_once('@').unwrap().1;
        format!("postgres://{role}:role-pw@{rest}")
    } else {
        url
    };
    let r = run_url(&url, &[], &["init"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(run_url(&url, &[], &["user", "add", "bob"]).code, 0);
    let mut c = backend::admin(&url);
    for sql in [
        "UPDATE genbudget.journal SET credits = 1",
        "DELETE FROM genbudget.journal",
    ] {
        let e = c.batch_execute(sql).unwrap_err();
        let m = e.as_db_error().unwrap().message().to_string();
        assert!(m.contains("permission denied"), "{sql}: {m}");
    }
    drop(c);
    drop(pg);
    let _ = admin.batch_execute(&format!("DROP ROLE IF EXISTS {role}"));
}

#[test]
fn tls_require_verifies_the_certificate_in_pure_rust() {
    let Some(db) = ledger() else { return };
    let Ok(ca) = std::env::var("GENBUDGET_TEST_POSTGRES_CA") else {
        let strict = std::env::var("GENBUDGET_TEST_STRICT").is_ok_and(|v| v == "1");
        assert!(!strict, "GENBUDGET_TEST_POSTGRES_CA is not set");
        return;
    };
    let pw = password(&db.location);
    // No trusted root for the server's certificate: refused, clearly,
    // before anything is read or written (HOME without ~/.postgresql).
    let home = tempfile::tempdir().unwrap();
    let home_env = [("HOME", home.path().to_str().unwrap())];
    let url = with_query(&db.location, "sslmode=require");
    let r = run_url(&url, &home_env, &["status"]);
    assert_eq!(r.code, 2, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stderr
            .contains("the server's TLS certificate was refused"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("sslrootcert=PATH"), "{}", r.stderr);
    assert!(!pw.is_empty() && !r.stderr.contains(&pw), "{}", r.stderr);
    // With the CA: require, verify-ca and verify-full (host name checked:
    // the certificate is for localhost and 127.0.0.1) all work, and write.
    for (i, mode) in ["require", "verify-ca", "verify-full"].iter().enumerate() {
        let url = with_query(&db.location, &format!("sslmode={mode}&sslrootcert={ca}"));
        let key = format!("tls-{i}");
        let r = run_url(
            &url,
            &home_env,
            &["charge", "alice", "--key", &key, "--credits", "1"],
        );
        assert_eq!(r.code, 0, "{mode}: {}", r.stderr);
    }
    // The same CA through PGSSLROOTCERT, with localhost by name.
    let by_name = db.location.replacen("127.0.0.1", "localhost", 1);
    let r = run_url(
        &with_query(&by_name, "sslmode=verify-full"),
        &[("HOME", home_env[0].1), ("PGSSLROOTCERT", &ca)],
        &["verify"],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    // 3 charges of 1 credit after user_add.
    assert_eq!(s(&db.ok(&["status", "alice"])["users"][0], "spent"), "3");
    // A name the certificate does not list (the server reached by its
    // address, `hostaddr`): refused for the name, saying so; verify-ca,
    // which checks the chain only, takes it.
    let other = db.location.replacen("127.0.0.1", "ledger.invalid", 1);
    let r = run_url(
        &with_query(
            &other,
            &format!("hostaddr=127.0.0.1&sslmode=verify-full&sslrootcert={ca}"),
        ),
        &home_env,
        &["status"],
    );
    assert_eq!(r.code, 2, "{}", r.stdout);
    assert!(
        r.stderr
            .contains("the host name in the URL is not one the certificate names"),
        "{}",
        r.stderr
    );
    let r = run_url(
        &with_query(
            &other,
            &format!("hostaddr=127.0.0.1&sslmode=verify-ca&sslrootcert={ca}"),
        ),
        &home_env,
        &["status"],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    // An unknown sslmode names the valid ones.
    let r = run_url(
        &with_query(&db.location, "sslmode=verify"),
        &[],
        &["status"],
    );
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("verify-full"), "{}", r.stderr);
}

#[test]
fn passwords_come_from_the_url_or_pgpassword_and_are_never_printed() {
    let Some(db) = ledger() else { return };
    let pw = password(&db.location);
    if pw.is_empty() {
        return;
    }
    let bare = db.location.replacen(&format!(":{pw}@"), "@", 1);
    // No password anywhere: the server refuses, and says so.
    let r = run_url(
        &bare,
        &[("PGPASSWORD", ""), ("PGPASSFILE", "/nonexistent/pgpass")],
        &["status"],
    );
    assert_eq!(r.code, 2);
    // PGPASSWORD supplies it.
    let r = run_url(
        &bare,
        &[("PGPASSWORD", &pw)],
        &["status", "--format", "json"],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    // A wrong password in the URL: exit 2, the message names the problem
    // and neither password.
    let wrong = db
        .location
        .replacen(&format!(":{pw}@"), ":not-the-pw-4711@", 1);
    let r = run_url(
        &wrong,
        &[],
        &["charge", "alice", "--key", "k", "--credits", "1"],
    );
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("password authentication failed"),
        "{}",
        r.stderr
    );
    assert!(!r.stderr.contains("not-the-pw-4711"), "{}", r.stderr);
    assert!(!r.stderr.contains(&pw), "{}", r.stderr);
    assert!(
        r.stderr.contains("(the password came from the URL)"),
        "{}",
        r.stderr
    );
    // A wrong PGPASSWORD: the message says where the password came from.
    let r = run_url(&bare, &[("PGPASSWORD", "not-the-pw-4711")], &["status"]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("(the password came from PGPASSWORD)"),
        "{}",
        r.stderr
    );
    assert!(!r.stderr.contains("not-the-pw-4711"), "{}", r.stderr);
    // `init` shows the location without the password too.
    let (_, v) = db.json(&["init"]);
    assert_eq!(v["created"], false);
    assert!(!v["path"].as_str().unwrap().contains(&pw), "{v}");
    // A wrong password given as a parameter holding `@` (the driver reads
    // a parameter's value whole): refused by the server, and neither it
    // nor anything after its `@` is shown; the rest of the URL is.
    let param = format!(
        "{}&password=not@the-pw-4711",
        bare.replacen('?', "?x=1&", 1)
    )
    .replacen("?x=1&", "?", 1);
    let r = run_url(&param, &[], &["status"]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("password authentication failed"),
        "{}",
        r.stderr
    );
    assert!(!r.stderr.contains("the-pw-4711"), "{}", r.stderr);
    assert!(
        r.stderr.starts_with(&format!("error: {bare}")),
        "{}",
        r.stderr
    );
}

#[test]
fn the_password_file_is_read_as_libpq_reads_it() {
    let Some(db) = ledger() else { return };
    let pw = password(&db.location);
    if pw.is_empty() {
        return;
    }
    let bare = db.location.replacen(&format!(":{pw}@"), "@", 1);
    // postgres://USER@HOST:PORT/DB?…
    let rest = bare.split("://").nth(1).unwrap();
    let (user, rest) = rest.split_once('@').unwrap();
    let (host, rest) = rest.split_once(':').unwrap();
    let (port, rest) = rest.split_once('/').unwrap();
    let dbname = rest.split('?').next().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("pgpass");
    let file_s = file.to_str().unwrap();
    let status = |env: &[(&str, &str)]| {
        let mut env = env.to_vec();
        env.push(("PGPASSWORD", ""));
        run_url(&bare, &env, &["status", "--format", "json"])
    };
    let chmod = |mode: u32| {
        std::fs::set_permissions(&file, std::os::unix::fs::PermissionsExt::from_mode(mode)).unwrap()
    };
    // A line for another database, then a matching one (with a comment
    // and a wildcard port): the matching line's password is used.
    std::fs::write(
        &file,
        format!("# ledger\n{host}:{port}:other_db:{user}:wrong\n{host}:*:{dbname}:{user}:{pw}\n"),
    )
    .unwrap();
    chmod(0o600);
    let r = status(&[("PGPASSFILE", file_s)]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    // The first matching line wins, even with the wrong password.
    std::fs::write(
        &file,
        format!("*:{port}:{dbname}:{user}:not-it-4711\n{host}:*:{dbname}:{user}:{pw}\n"),
    )
    .unwrap();
    let r = status(&[("PGPASSFILE", file_s)]);
    assert_eq!(r.code, 2, "{}", r.stdout);
    assert!(
        r.stderr.contains("password authentication failed"),
        "{}",
        r.stderr
    );
    assert!(!r.stderr.contains("not-it-4711"), "{}", r.stderr);
    // A file others can read is ignored, and the error says why.
    std::fs::write(&file, format!("*:*:*:*:{pw}\n")).unwrap();
    chmod(0o644);
    let r = status(&[("PGPASSFILE", file_s)]);
    assert_eq!(r.code, 2, "{}", r.stdout);
    assert!(r.stderr.contains("chmod 600"), "{}", r.stderr);
    assert!(!r.stderr.contains(&pw), "{}", r.stderr);
    // `~/.pgpass` when PGPASSFILE is not set.
    std::fs::write(dir.path().join(".pgpass"), format!("*:*:*:*:{pw}\n")).unwrap();
    std::fs::set_permissions(
        dir.path().join(".pgpass"),
        std::os::unix::fs::PermissionsExt::from_mode(0o600),
    )
    .unwrap();
    let r = status(&[("HOME", dir.path().to_str().unwrap()), ("PGPASSFILE", "")]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    // A password in the URL comes first.
    let r = run_url(
        &db.location,
        &[("PGPASSFILE", file_s)],
        &["status", "--format", "json"],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
}

/// A command started at `start` with `GENBUDGET_BUSY_TIMEOUT_MS=300`
/// that waited on a lock: busy, exit 2, naming the timeout, well within
/// 5 s.
fn assert_busy(r: &Run, start: Instant) {
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr.contains("the ledger is busy") && r.stderr.contains("300 ms"),
        "{}",
        r.stderr
    );
    assert!(start.elapsed() < Duration::from_secs(5));
}

/// Runs `f` while another session holds the journal head row, then lets
/// the row go and checks that `f` wrote nothing.
fn with_the_head_locked<T>(db: &Db, f: impl FnOnce() -> T) -> T {
    let mut c = db.pg.as_ref().unwrap().client();
    let mut t = c.transaction().unwrap();
    t.batch_execute("SELECT * FROM genbudget.head FOR UPDATE")
        .unwrap();
    let before = db.state();
    let out = f();
    t.rollback().unwrap();
    assert!(db.state() == before, "a write kept waiting wrote");
    out
}

#[test]
fn a_writer_kept_past_the_lock_timeout_is_busy_and_writes_nothing() {
    let Some(db) = ledger() else { return };
    with_the_head_locked(&db, || {
        let start = Instant::now();
        let r = db
            .cmd_at(NOW, &["charge", "alice", "--key", "k", "--credits", "5"])
            .env("GENBUDGET_BUSY_TIMEOUT_MS", "300")
            .output()
            .unwrap();
        assert_busy(&Run::from(r), start);
    });
    // Safe to retry with the same key.
    let v = db.ok(&["charge", "alice", "--key", "k", "--credits", "5"]);
    assert_eq!(v["replayed"], false);
}

#[test]
fn a_group_kept_past_the_lock_timeout_is_busy_and_writes_nothing() {
    // A group's reads of one kind travel as one statement behind the head
    // lock; when the lock times out, the whole group is busy, nothing is
    // kept of it, and the same group runs afterwards.
    use genbudget::ledger::{
        Cost, Decision, Done, HoldRequest, Ledger, LedgerError, Op, OpenOptions,
    };
    let Some(db) = ledger() else { return };
    let now = NOW.parse().unwrap();
    let opts = OpenOptions {
        busy_timeout: Duration::from_millis(300),
        ..OpenOptions::default()
    };
    let mut l = Ledger::open_location(&db.location, &opts, now).unwrap();
    let charge = |key: &str| {
        Op::Charge(HoldRequest {
            user: "alice".into(),
            key: key.into(),
            cost: Cost::Credits(5.into()),
            ttl: None,
        })
    };
    let ops = [charge("a"), charge("b"), charge("c")];
    with_the_head_locked(&db, || {
        let start = Instant::now();
        let r = l.group(now, &ops);
        assert!(matches!(r, Err(LedgerError::Busy { .. })), "{r:?}");
        assert!(start.elapsed() < Duration::from_secs(5));
    });
    // The same ledger runs the same group once the lock is free: three
    // charges of 5 against alice's cap of 100 leave 95, 90, 85.
    let out = l.group(now, &ops).unwrap();
    let left: Vec<String> = out
        .iter()
        .map(|d| match d {
            Ok(Done::Decided(Decision::Granted(h))) => h.available.as_ref().unwrap().to_string(),
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(left, ["95", "90", "85"]);
    drop(l);
    assert_eq!(db.verified()["entries"], 5);
}

#[test]
fn a_command_kept_waiting_as_it_opens_is_busy_after_the_lock_timeout() {
    // Opening reads the schema version and the settings; a migration or
    // an administrator holding those tables must not make a command hang.
    let Some(db) = ledger() else { return };
    let mut c = db.pg.as_ref().unwrap().client();
    let mut t = c.transaction().unwrap();
    t.batch_execute("LOCK TABLE genbudget.settings IN ACCESS EXCLUSIVE MODE")
        .unwrap();
    let start = Instant::now();
    let r = Run::from(
        db.cmd_at(NOW, &["status", "--format", "json"])
            .env("GENBUDGET_BUSY_TIMEOUT_MS", "300")
            .output()
            .unwrap(),
    );
    assert_busy(&r, start);
    t.rollback().unwrap();
    let v = db.ok(&["status"]);
    assert_eq!(v["users"][0]["user"], "alice");
}

#[test]
fn a_database_holding_something_else_is_refused_and_left_alone() {
    let Some(db) = ledger() else { return };
    let pg = PgDb::new();
    // No schema `genbudget` at all.
    let r = run_url(&pg.url, &[], &["status"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("no ledger here"), "{}", r.stderr);
    // A schema `genbudget` of someone else's.
    pg.client()
        .batch_execute("CREATE SCHEMA genbudget; CREATE TABLE genbudget.notes (t text)")
        .unwrap();
    for args in [
        &["status"][..],
        &["init"][..],
        &["charge", "a", "--key", "k", "--credits", "1"][..],
    ] {
        let r = run_url(&pg.url, &[], args);
        assert_eq!(r.code, 2, "{args:?}");
        assert!(
            r.stderr.contains("not a genbudget ledger"),
            "{args:?}: {}",
            r.stderr
        );
    }
    assert_eq!(pg.rows(), vec!["notes:\n".to_string()]);
    // A ledger written by a newer genbudget.
    db.pg
        .as_ref()
        .unwrap()
        .client()
        .batch_execute("UPDATE genbudget.schema_version SET version = 7")
        .unwrap();
    let before = db.state();
    let r = db.run(&["charge", "alice", "--key", "k", "--credits", "1"]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("newer genbudget (ledger schema 7"),
        "{}",
        r.stderr
    );
    assert!(db.state() == before);
    // An older version than any this genbudget writes on PostgreSQL: the
    // row was changed. Every command refuses (verify too), and the
    // message gives the statement that puts it back; after it, all works.
    db.pg
        .as_ref()
        .unwrap()
        .client()
        .batch_execute("UPDATE genbudget.schema_version SET version = 1")
        .unwrap();
    for args in [&["status"][..], &["verify"]] {
        let r = db.run(args);
        assert_eq!(r.code, 2, "{args:?}: {}", r.stderr);
        assert!(
            r.stderr.contains("has ledger schema version 1"),
            "{}",
            r.stderr
        );
    }
    let r = db.run(&["status"]);
    let start = r.stderr.find("(`UPDATE").expect("a statement to run") + 2;
    let len = r.stderr[start..].find('`').unwrap();
    db.pg
        .as_ref()
        .unwrap()
        .client()
        .batch_execute(&r.stderr[start..start + len])
        .unwrap();
    db.verified();
    db.ok(&["charge", "alice", "--key", "k", "--credits", "1"]);
}

/// Every line of `export`.
fn export(location: &str) -> String {
    let r = run_url(location, &[], &["export"]);
    assert_eq!(r.code, 0, "export {location}: {}", r.stderr);
    r.stdout
}

#[test]
fn copy_takes_a_ledger_to_postgres_and_back_with_the_same_head_hash() {
    if !backend::available(Backend::Postgres) {
        return;
    }
    // A SQLite ledger with every kind of entry the CLI writes.
    let file = Db::init(&["--timezone", "Europe/Paris", "--hold-ttl", "10m"]);
    for args in [
        &["user", "add", "alice", "--cap", "100", "--period", "month"][..],
        &["user", "add", "bob", "--max-holds", "2"],
        &["org", "set", "--cap", "500", "--period", "week"],
        &[
            "grant",
            "alice",
            "30",
            "--key",
            "g1",
            "--expires",
            "2026-05-01",
        ],
        &["reserve", "alice", "--key", "h1", "--credits", "40"],
        &["settle", "h1", "--credits", "25"],
        &["reserve", "bob", "--key", "h2", "--credits", "5"],
        &["release", "h2", "--reason", "job failed"],
        &["charge", "alice", "--key", "c1", "--credits", "90"],
        &["reserve", "bob", "--key", "h3", "--credits", "1"],
        &["token", "add", "app1", "--role", "app"],
        &["token", "revoke", "app1"],
    ] {
        file.ok(args);
    }
    // h3 expires 10 minutes later: the next write records it.
    file.ok_at(
        "2026-04-20T09:30:00Z",
        &["user", "set", "bob", "--max-holds", "3"],
    );
    let head = file.verified()["head_hash"].clone();

    let pg = Db::empty_on(Backend::Postgres);
    let v = file.ok(&["copy", "--to", &pg.location]);
    // Not onto the ledger itself (which would find this very ledger there
    // and report a copy).
    let r = run_expecting(&pg.location, &["copy", "--to", &pg.location], 2);
    assert!(
        r.stderr.contains("is the ledger being copied (--db)"),
        "{}",
        r.stderr
    );
    assert_eq!(v["schema"], "genbudget.copy/1");
    assert_eq!(v["ok"], true);
    assert_eq!(v["head_hash"], head);
    // 1 init + 12 commands + expire + user_set = 15 entries.
    assert_eq!(v["entries"], 15);
    assert_eq!(pg.verified()["head_hash"], head);
    assert_eq!(export(&pg.location), export(&file.location));
    // The copy is a working ledger: status agrees, and it takes writes.
    let at = "2026-04-20T09:30:00Z";
    assert_eq!(pg.ok_at(at, &["status"]), file.ok_at(at, &["status"]));
    pg.ok_at(at, &["charge", "bob", "--key", "c2", "--credits", "2"]);

    // And back into a new file.
    let back = Db::empty();
    let v = pg.ok(&["copy", "--to", &back.location]);
    assert_eq!(v["ok"], true);
    assert_eq!(v["entries"], 16);
    assert_eq!(back.verified()["head_hash"], pg.verified()["head_hash"]);
    assert_eq!(export(&back.location), export(&pg.location));

    // Never into a ledger, nor over a file.
    let before = pg.state();
    let r = file.run(&["copy", "--to", &pg.location]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("already holds a ledger"), "{}", r.stderr);
    assert!(pg.state() == before);
    let r = pg.run(&["copy", "--to", &file.location]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("already holds a ledger"), "{}", r.stderr);
}

/// Starts a private server with `.ci/postgres` in `dir` on `port`.
fn start_server(dir: &std::path::Path, port: u16) -> Option<String> {
    let out = Command::new("bash")
        .arg(common::root().join(".ci/postgres"))
        .args(["start", dir.to_str().unwrap(), &port.to_string()])
        .output()
        .ok()?;
    if !out.status.success() {
        eprintln!("{}", String::from_utf8_lossy(&out.stderr));
        return None;
    }
    Some(String::from_utf8_lossy(&out.stdout).trim().to_string())
}

fn stop_server(dir: &std::path::Path) {
    let _ = Command::new("bash")
        .arg(common::root().join(".ci/postgres"))
        .args(["stop", dir.to_str().unwrap()])
        .status();
}

/// Stops the private server even when the test fails.
struct Server(tempfile::TempDir);

impl Drop for Server {
    fn drop(&mut self) {
        stop_server(self.0.path());
    }
}

#[test]
fn a_server_restart_under_running_writers_loses_nothing_acknowledged() {
    // This test owns its server: a private one, started here (needs
    // PostgreSQL 15 and root, as CI has whenever it has the shared one).
    if !backend::available(Backend::Postgres) {
        return;
    }
    let dir = tempfile::Builder::new()
        .prefix("gb-pg-restart")
        .tempdir()
        .unwrap();
    std::fs::set_permissions(
        dir.path(),
        std::os::unix::fs::PermissionsExt::from_mode(0o755),
    )
    .unwrap();
    let port = 56000 + (std::process::id() % 1000) as u16;
    let Some(admin) = start_server(dir.path(), port) else {
        let strict = std::env::var("GENBUDGET_TEST_STRICT").is_ok_and(|v| v == "1");
        assert!(!strict, "could not start a private PostgreSQL server");
        return;
    };
    let server = Server(dir);
    let url = format!("{}?sslmode=disable", backend::with_db(&admin, "postgres"));
    let r = run_url(&url, &[], &["init"]);
    let log = || std::fs::read_to_string(server.0.path().join("server.log")).unwrap_or_default();
    assert_eq!(r.code, 0, "{}\nserver log:\n{}", r.stderr, log());
    assert_eq!(run_url(&url, &[], &["user", "add", "alice"]).code, 0);

    // 4 writers charge in a loop; the server restarts (an immediate stop:
    // what a crash looks like to clients) while they run.
    let stop = std::sync::atomic::AtomicBool::new(false);
    let (acked, failed) = std::thread::scope(|scope| {
        let writers: Vec<_> = (0..4)
            .map(|w| {
                let (url, stop) = (&url, &stop);
                scope.spawn(move || {
                    let (mut acked, mut failed) = (Vec::new(), Vec::new());
                    let mut i = 0;
                    while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                        i += 1;
                        let key = format!("w{w}-{i}");
                        let r = run_url(
                            url,
                            &[],
                            &["charge", "alice", "--key", &key, "--credits", "1"],
                        );
                        match r.code {
                            0 => acked.push(key),
                            2 => failed.push((key, r.stderr)),
                            c => panic!("{key}: exit {c}: {}", r.stderr),
                        }
                    }
                    (acked, failed)
                })
            })
            .collect();
        std::thread::sleep(Duration::from_millis(1500));
        stop_server(server.0.path());
        std::thread::sleep(Duration::from_millis(500));
        assert!(start_server(server.0.path(), port).is_some(), "restart");
        std::thread::sleep(Duration::from_millis(1500));
        stop.store(true, std::sync::atomic::Ordering::Relaxed);
        let mut acked = Vec::new();
        let mut failed = Vec::new();
        for h in writers {
            let (a, f) = h.join().unwrap();
            acked.extend(a);
            failed.extend(f);
        }
        (acked, failed)
    });
    // Commands in flight or started while the server was down failed with
    // exit 2 and a message about the connection; none panicked.
    assert!(!failed.is_empty(), "the restart was seen by some command");
    for (key, err) in &failed {
        assert!(
            err.contains("PostgreSQL") && !err.contains("panicked"),
            "{key}: {err}"
        );
    }
    // Later commands succeeded: some acknowledged keys come after the last
    // failure of their writer.
    let journal: BTreeSet<String> = export(&url)
        .lines()
        .filter_map(|l| {
            let v: Value = serde_json::from_str(l).unwrap();
            v["key"].as_str().map(String::from)
        })
        .collect();
    for k in &acked {
        assert!(journal.contains(k), "acknowledged {k} is lost");
    }
    let after = run_url(
        &url,
        &[],
        &["charge", "alice", "--key", "after", "--credits", "1"],
    );
    assert_eq!(after.code, 0, "{}", after.stderr);
    let r = run_url(&url, &[], &["verify"]);
    assert_eq!(r.code, 0, "{}", r.stdout);
    eprintln!(
        "restart: {} acknowledged, all present; {} failed with exit 2",
        acked.len(),
        failed.len()
    );
    drop(server);
}

/// Two network namespaces, each joined to this host by a veth pair: the
/// clients in them reach the server only over their own link, as separate
/// hosts would. Removed on drop.
struct Hosts {
    names: Vec<String>,
}

impl Hosts {
    /// `ip netns` namespaces `gbN-a`, `gbN-b` with 10.X.1.2 and 10.X.2.2;
    /// this host is 10.X.1.1 and 10.X.2.1. `None` where that is not
    /// allowed (not root, no iproute2).
    fn new() -> Option<(Hosts, Vec<String>)> {
        let id = std::process::id() % 50;
        let net = 200 + id;
        let mut hosts = Hosts { names: Vec::new() };
        let mut server_ips = Vec::new();
        for (i, side) in ["a", "b"].iter().enumerate() {
            let ns = format!("gb{id}-{side}");
            let (host_if, ns_if) = (format!("gb{id}{side}h"), format!("gb{id}{side}n"));
            let (host_ip, ns_ip) = (
                format!("10.{net}.{}.1", i + 1),
                format!("10.{net}.{}.2", i + 1),
            );
            let script = format!(
                "ip netns del {ns} 2>/dev/null; ip link del {host_if} 2>/dev/null;
                 ip netns add {ns} &&
                 ip link add {host_if} type veth peer name {ns_if} &&
                 ip link set {ns_if} netns {ns} &&
                 ip addr add {host_ip}/24 dev {host_if} && ip link set {host_if} up &&
                 ip -n {ns} addr add {ns_ip}/24 dev {ns_if} && ip -n {ns} link set {ns_if} up &&
                 ip -n {ns} link set lo up"
            );
            let ok = Command::new("sh")
                .args(["-c", &script])
                .status()
                .is_ok_and(|s| s.success());
            hosts.names.push(ns);
            if !ok {
                return None;
            }
            server_ips.push(host_ip);
        }
        Some((hosts, server_ips))
    }
}

impl Drop for Hosts {
    fn drop(&mut self) {
        for ns in &self.names {
            // Deleting the namespace deletes its veth end, and so the pair.
            let _ = Command::new("ip").args(["netns", "del", ns]).status();
        }
    }
}

#[test]
fn clients_on_two_separate_hosts_never_pass_the_cap() {
    if !backend::available(Backend::Postgres) {
        return;
    }
    let strict = std::env::var("GENBUDGET_TEST_STRICT").is_ok_and(|v| v == "1");
    let Some((hosts, ips)) = Hosts::new() else {
        assert!(
            !strict,
            "cannot make network namespaces (ip netns, veth): not root?"
        );
        return;
    };
    let db = Db::init_on(Backend::Postgres, &[]);
    // 60 credits, 0.75 a job: exactly 80 jobs fit, whoever asks.
    db.ok(&["user", "add", "alice", "--cap", "60", "--period", "month"]);
    let loopback = db.location.contains("@127.0.0.1:") || db.location.contains("@localhost:");
    assert!(loopback, "the test server is on this host: {}", db.location);
    let host = |ip: &str| {
        db.location
            .replacen("@127.0.0.1:", &format!("@{ip}:"), 1)
            .replacen("@localhost:", &format!("@{ip}:"), 1)
    };
    let urls: Vec<String> = ips.iter().map(|ip| host(ip)).collect();
    // The namespaces reach the server only through their own link.
    for (ns, url) in hosts.names.iter().zip(&urls) {
        let out = Command::new("ip")
            .args(["netns", "exec", ns])
            .arg(common::bin())
            .args(["--db", url, "ledger", "status", "--format", "json"])
            .env("GENBUDGET_NOW", NOW)
            .output()
            .unwrap();
        if !out.status.success() {
            let err = String::from_utf8_lossy(&out.stderr);
            assert!(!strict, "{ns} cannot reach the server: {err}");
            return;
        }
    }
    // 8 workers in each namespace, 20 jobs each: 320 reserve+settle tries.
    let results: Vec<(i32, String)> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..16)
            .map(|w| {
                let (ns, url) = (&hosts.names[w % 2], &urls[w % 2]);
                scope.spawn(move || {
                    let mut out = Vec::new();
                    for i in 0..20 {
                        let key = format!("{ns}-w{w}-{i}");
                        let run = |args: &[&str]| -> Run {
                            Command::new("ip")
                                .args(["netns", "exec", ns])
                                .arg(common::bin())
                                .args(["--db", url, "ledger"])
                                .args(args)
                                .env("GENBUDGET_NOW", NOW)
                                .env_remove("GENBUDGET_DB")
                                .output()
                                .unwrap()
                                .into()
                        };
                        let r = run(&["reserve", "alice", "--key", &key, "--credits", "0.75"]);
                        let code = r.code;
                        out.push((code, r.stderr));
                        if code == 0 {
                            let s = run(&["settle", &key]);
                            out.push((s.code + 10, s.stderr));
                        }
                    }
                    out
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap())
            .collect()
    });
    for (code, err) in &results {
        assert!([0, 1, 10].contains(code), "exit {code}: {err}");
        assert_eq!(err, "", "no warnings or errors");
    }
    let count = |c: i32| results.iter().filter(|(x, _)| *x == c).count();
    // 60 / 0.75 = 80 granted and settled; 320 − 80 = 240 denied.
    assert_eq!(count(0), 80);
    assert_eq!(count(10), 80);
    assert_eq!(count(1), 240);
    let st = db.ok(&["status", "alice"]);
    assert_eq!(s(&st["users"][0], "spent"), "60");
    // init, user_add, 80 holds, 80 settles.
    assert_eq!(db.verified()["entries"], 162);
    drop(hosts);
}

#[test]
fn kill_9_during_init_leaves_no_half_made_ledger() {
    // As on SQLite (crash.rs): `init` is killed at a random moment; the
    // database then holds a whole ledger or none, and a later init works
    // (the server rolled back the killed one's transaction).
    if !backend::available(Backend::Postgres) {
        return;
    }
    // Seeded: the same kill moments on every run.
    let mut rng = common::Rng(0x1badb002);
    // Kill moments spread over how long an init takes here.
    let probe = Db::empty_on(Backend::Postgres);
    let t = Instant::now();
    assert_eq!(probe.run(&["init"]).code, 0);
    let span = (t.elapsed().as_micros() as u64 * 5 / 4).max(1);
    let (mut whole, mut none) = (0, 0);
    for run in 0..12 {
        let db = Db::empty_on(Backend::Postgres);
        let mut child = common::cmd(&["--db", &db.location, "ledger", "init"])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_micros(rng.below(span)));
        let _ = child.kill();
        let _ = child.wait();
        let r = db.run(&["verify", "--format", "json"]);
        if r.code == 0 {
            // A whole ledger: its one entry, verified.
            whole += 1;
            let v: Value = serde_json::from_str(&r.stdout).unwrap();
            assert_eq!(v["entries"], 1, "run {run}: {v}");
        } else {
            // Or nothing at all: no schema `genbudget`, not half of one.
            none += 1;
            assert_eq!(r.code, 2, "run {run}: {}", r.stdout);
            assert!(
                r.stderr.contains("no ledger here"),
                "run {run}: {}",
                r.stderr
            );
        }
        let again = db.run(&["init"]);
        assert_eq!(
            again.code, 0,
            "run {run}: init after a killed init: {}",
            again.stderr
        );
        db.verified();
    }
    eprintln!("killed init on PostgreSQL: {whole} whole, {none} none of 12");
}

/// A login role (roles belong to the whole server), dropped when it goes
/// (after the databases it was given rights in or owns objects in:
/// declare it before them).
struct Role(String);

impl Role {
    /// A new role `PREFIX_PID` that logs in with `password`.
    fn new(prefix: &str, password: &str) -> Role {
        let role = Role(format!("{prefix}_{}", std::process::id()));
        backend::admin(&admin_url().unwrap())
            .batch_execute(&format!(
                "DROP ROLE IF EXISTS {r}; CREATE ROLE {r} LOGIN PASSWORD '{password}'",
                r = role.0
            ))
            .unwrap();
        role
    }

    /// `url` as this role, with `password` (postgres://ROLE:PW@HOST…).
    fn url(&self, url: &str, password: &str) -> String {
        let (scheme, rest) = url.split_once("://").unwrap();
        let host = &rest[rest.rfind('@').unwrap() + 1..];
        format!("{scheme}://{}:{password}@{host}", self.0)
    }
}

impl Drop for Role {
    fn drop(&mut self) {
        if let Some(admin) = admin_url() {
            if let Ok(mut c) = postgres::Client::connect(&admin, postgres::NoTls) {
                let _ = c.batch_execute(&format!("DROP ROLE IF EXISTS {}", self.0));
            }
        }
    }
}

#[test]
fn a_role_that_may_not_write_the_flush_message_commits_inside_the_lock() {
    // Without EXECUTE on pg_logical_emit_message, a write cannot wait for
    // the log flush outside the head lock; it must commit synchronously
    // inside it instead, and never call the function (which would fail
    // after the commit).
    if !backend::available(Backend::Postgres) {
        return;
    }
    let role = Role::new("gbplain", "plain-pw-4711");
    let pg = PgDb::new();
    let r = &role.0;
    let mut c = pg.client();
    c.batch_execute(&format!(
        "GRANT CREATE ON DATABASE {db} TO {r};
         REVOKE EXECUTE ON FUNCTION pg_catalog.pg_logical_emit_message(boolean, text, text) FROM PUBLIC;
         REVOKE EXECUTE ON FUNCTION pg_catalog.pg_logical_emit_message(boolean, text, bytea) FROM PUBLIC",
        db = pg.name
    ))
    .unwrap();
    let may: bool = c
        .query_one(
            &format!(
                "SELECT has_function_privilege('{r}', 'pg_catalog.pg_logical_emit_message(boolean, text, text)', 'EXECUTE')"
            ),
            &[],
        )
        .unwrap()
        .get(0);
    assert!(!may, "the revoke took effect");
    let url = role.url(&pg.url, "plain-pw-4711");
    assert_eq!(run_url(&url, &[], &["init"]).code, 0);
    let add = run_url(
        &url,
        &[],
        &["user", "add", "alice", "--cap", "10", "--period", "month"],
    );
    assert_eq!(add.code, 0, "{}", add.stderr);
    // A charge, a hold and its settle, and a denial (10 − 4 − 3 = 3 left,
    // 5 asked) all answer: none tried the function.
    let charge = run_url(
        &url,
        &[],
        &["charge", "alice", "--key", "c1", "--credits", "4"],
    );
    assert_eq!(charge.code, 0, "{}", charge.stderr);
    let hold = run_url(
        &url,
        &[],
        &["reserve", "alice", "--key", "h1", "--credits", "3"],
    );
    assert_eq!(hold.code, 0, "{}", hold.stderr);
    let settle = run_url(&url, &[], &["settle", "h1"]);
    assert_eq!(settle.code, 0, "{}", settle.stderr);
    let denied = run_url(
        &url,
        &[],
        &["charge", "alice", "--key", "c2", "--credits", "5"],
    );
    assert_eq!(denied.code, 1, "{}", denied.stderr);
    let v = run_url(&url, &[], &["verify", "--format", "json"]);
    assert_eq!(v.code, 0, "{}", v.stdout);
    let v: Value = serde_json::from_str(&v.stdout).unwrap();
    // init, user_add, charge, hold, settle.
    assert_eq!(v["entries"], 5, "{v}");
}

/// PgBouncer's program, if installed (Debian puts it in /usr/sbin).
fn pgbouncer() -> Option<std::path::PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain([std::path::PathBuf::from("/usr/sbin")])
        .map(|d| d.join("pgbouncer"))
        .find(|p| p.is_file())
}

/// A PgBouncer (`mode`: `session` or `transaction` pooling) in front of
/// one test database, with `pool` server connections at most (so clients
/// take turns on the same server sessions); killed on drop.
struct Pooler {
    child: std::process::Child,
    dir: tempfile::TempDir,
    /// The pooled database's URL (trust on loopback: no password).
    url: String,
}

impl Pooler {
    fn start(program: &std::path::Path, server: &str, mode: &str, pool: u32) -> Pooler {
        use std::os::unix::fs::PermissionsExt;
        // postgres://user:password@host:port/dbname?…
        let rest = server.split("://").nth(1).unwrap();
        let (auth, rest) = rest.split_once('@').unwrap();
        let (user, pass) = auth.split_once(':').unwrap_or((auth, ""));
        let (hostport, rest) = rest.split_once('/').unwrap();
        let (host, port) = hostport.split_once(':').unwrap_or((hostport, "5432"));
        let dbname = rest.split('?').next().unwrap();
        let listen = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let me = listen.local_addr().unwrap().port();
        drop(listen);
        let dir = tempfile::tempdir().unwrap();
        let p = |name: &str| dir.path().join(name);
        let ini = format!(
            "[databases]\nledger = host={host} port={port} dbname={dbname} user={user} password='{pass}'\n\
             [pgbouncer]\nlisten_addr = 127.0.0.1\nlisten_port = {me}\nunix_socket_dir =\n\
             auth_type = trust\nauth_file = {}\npool_mode = {mode}\nserver_reset_query = DISCARD ALL\n\
             default_pool_size = {pool}\nmax_client_conn = 100\nlogfile = {}\n",
            p("users.txt").display(),
            p("pgbouncer.log").display()
        );
        std::fs::write(p("pgbouncer.ini"), ini).unwrap();
        std::fs::write(p("users.txt"), format!("\"{user}\" \"\"\n")).unwrap();
        std::fs::write(p("pgbouncer.log"), "").unwrap();
        // PgBouncer refuses to run as root: there it runs as `nobody`, who
        // must read the files and write the log.
        let root = Command::new("id")
            .arg("-u")
            .output()
            .is_ok_and(|o| o.stdout.trim_ascii() == b"0");
        for (name, mode) in [(".", 0o755), ("pgbouncer.ini", 0o644), ("users.txt", 0o644)] {
            std::fs::set_permissions(p(name), std::fs::Permissions::from_mode(mode)).unwrap();
        }
        std::fs::set_permissions(p("pgbouncer.log"), std::fs::Permissions::from_mode(0o666))
            .unwrap();
        let mut c = Command::new(program);
        if root {
            c.args(["-u", "nobody"]);
        }
        let child = c
            .arg(p("pgbouncer.ini"))
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let pooler = Pooler {
            child,
            url: format!("postgres://{user}@127.0.0.1:{me}/ledger?sslmode=disable"),
            dir,
        };
        let start = Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", me)).is_err() {
            assert!(
                start.elapsed() < Duration::from_secs(10),
                "PgBouncer did not start: {}",
                pooler.log()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        pooler
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("pgbouncer.log")).unwrap_or_default()
    }
}

impl Drop for Pooler {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn commands_work_behind_pgbouncer_in_both_pooling_modes_and_keep_the_lock_timeout() {
    if !backend::available(Backend::Postgres) {
        return;
    }
    let Some(program) = pgbouncer() else {
        let strict = std::env::var("GENBUDGET_TEST_STRICT").is_ok_and(|v| v == "1");
        assert!(
            !strict,
            "GENBUDGET_TEST_STRICT=1 but pgbouncer is not installed"
        );
        eprintln!(
            "skipped: the PgBouncer test (install pgbouncer, e.g. `apt-get install pgbouncer`)"
        );
        return;
    };
    for mode in ["session", "transaction"] {
        behind_pgbouncer(&program, mode);
    }
}

/// [`commands_work_behind_pgbouncer_in_both_pooling_modes_and_keep_the_lock_timeout`]
/// in one pooling mode.
fn behind_pgbouncer(program: &std::path::Path, mode: &str) {
    let db = Db::init_on(Backend::Postgres, &[]);
    // PgBouncer refuses a startup packet's `options`, and in transaction
    // mode hands a server session to another client after every
    // transaction: every setting the ledger needs must travel with each
    // transaction, and a command must leave no prepared statement behind.
    let pooler = Pooler::start(program, &db.location, mode, 2);
    let url = pooler.url.as_str();
    let r = run_url(
        url,
        &[],
        &["user", "add", "alice", "--cap", "10", "--period", "day"],
    );
    assert_eq!(r.code, 0, "{mode}: {}\n{}", r.stderr, pooler.log());
    // 8 processes at once, 4 jobs each, 1 credit a job, on 2 server
    // sessions: exactly 10 fit the cap of 10; the other 22 are denied.
    let codes: Vec<(i32, String)> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..8)
            .map(|w| {
                scope.spawn(move || {
                    (0..4)
                        .map(|i| {
                            let key = format!("w{w}-{i}");
                            let r = run_url(
                                url,
                                &[],
                                &["charge", "alice", "--key", &key, "--credits", "1"],
                            );
                            (r.code, r.stderr)
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap())
            .collect()
    });
    for (code, err) in &codes {
        assert!([0, 1].contains(code), "{mode}: exit {code}: {err}");
    }
    assert_eq!(codes.iter().filter(|(c, _)| *c == 0).count(), 10);
    assert_eq!(codes.iter().filter(|(c, _)| *c == 1).count(), 22);
    // The lock timeout still holds through the pooler: a writer kept
    // waiting on the head row past 300 ms is busy, exit 2.
    let mut c = db.pg.as_ref().unwrap().client();
    let mut t = c.transaction().unwrap();
    t.batch_execute("SELECT * FROM genbudget.head FOR UPDATE")
        .unwrap();
    let start = Instant::now();
    let r = run_url(
        url,
        &[("GENBUDGET_BUSY_TIMEOUT_MS", "300")],
        &["charge", "alice", "--key", "late", "--credits", "1"],
    );
    assert_busy(&r, start);
    t.rollback().unwrap();
    // init, user_add and the 10 charges, verified through the pooler too.
    let v = run_url(url, &[], &["verify", "--format", "json"]);
    assert_eq!(v.code, 0, "{mode}: {}", v.stderr);
    let v: Value = serde_json::from_str(&v.stdout).unwrap();
    assert_eq!(v["entries"], 12);
    let st = run_url(url, &[], &["status", "alice", "--format", "json"]);
    assert_eq!(st.code, 0, "{mode}: {}", st.stderr);
    let st: Value = serde_json::from_str(&st.stdout).unwrap();
    assert_eq!(s(&st["users"][0], "spent"), "10");
    // A database the pooler does not know: PgBouncer says so with the
    // code of a lost connection, but it is no passing trouble.
    let r = run_url(&backend::with_db(url, "nosuch_db"), &[], &["status"]);
    assert_eq!(r.code, 2, "{mode}: {}", r.stderr);
    assert!(
        r.stderr
            .contains("cannot connect: PostgreSQL: no such database"),
        "{mode}: {}",
        r.stderr
    );
    assert!(!r.stderr.contains("try again"), "{mode}: {}", r.stderr);
}

#[test]
fn writers_are_read_committed_whatever_the_databases_default_isolation() {
    let Some(db) = ledger() else { return };
    let pg = db.pg.as_ref().unwrap();
    // A database whose transactions default to SERIALIZABLE: a writer
    // that inherited it would fail once it had waited for the head row
    // (its snapshot older than the row's last update).
    pg.client()
        .batch_execute(&format!(
            "ALTER DATABASE {} SET default_transaction_isolation = 'serializable'",
            pg.name
        ))
        .unwrap();
    // Twelve writers at once, 10 credits each, against alice's cap of
    // 100: exactly ten granted (10 × 10 = 100), two denied (exit 1), none
    // failing.
    let children: Vec<_> = (0..12)
        .map(|i| {
            db.cmd_at(
                NOW,
                &[
                    "reserve",
                    "alice",
                    "--key",
                    &format!("iso-{i}"),
                    "--credits",
                    "10",
                ],
            )
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap()
        })
        .collect();
    let mut codes = Vec::new();
    for c in children {
        let out = c.wait_with_output().unwrap();
        assert!(
            out.status.code() == Some(0) || out.status.code() == Some(1),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        codes.push(out.status.code().unwrap());
    }
    assert_eq!(codes.iter().filter(|c| **c == 0).count(), 10, "{codes:?}");
    assert_eq!(codes.iter().filter(|c| **c == 1).count(), 2, "{codes:?}");
    db.verified();
}

#[test]
fn pgport_and_pgdatabase_fill_what_the_url_leaves_out_and_an_empty_password_is_none() {
    let Some(db) = ledger() else { return };
    let pg = db.pg.as_ref().unwrap();
    let pw = password(&db.location);
    // postgres://user:pw@host:PORT/NAME?query → postgres://user@host?query
    let (base, query) = db.location.split_once('?').unwrap_or((&db.location, ""));
    let (auth_host, _) = base.rsplit_once('/').unwrap();
    let (front, port) = auth_host.rsplit_once(':').unwrap();
    let bare = format!("{}?{query}", front.replacen(&format!(":{pw}@"), "@", 1));
    let r = run_url(
        &bare,
        &[
            ("PGPORT", port),
            ("PGDATABASE", &pg.name),
            ("PGPASSWORD", &pw),
        ],
        &["status", "alice", "--format", "json"],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains("\"alice\""), "{}", r.stdout);
    // An empty password in the URL is none: PGPASSWORD gives it.
    let empty = bare.replacen("@", ":@", 1);
    let r = run_url(
        &empty,
        &[
            ("PGPORT", port),
            ("PGDATABASE", &pg.name),
            ("PGPASSWORD", &pw),
        ],
        &["status", "alice"],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    // A PGPORT that is not a port is named.
    let r = run_url(&bare, &[("PGPORT", "54x")], &["status"]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("PGPORT: `54x` is not a port"),
        "{}",
        r.stderr
    );
}

#[test]
fn a_copy_repeated_after_it_committed_finds_the_first_copy() {
    let Some(db) = ledger() else { return };
    db.ok(&["charge", "alice", "--key", "c1", "--credits", "10"]);
    let target = PgDb::new();
    let copy = |to: &str| {
        let mut c = common::cmd(&["--db", &db.location, "ledger", "copy", "--to", to]);
        c.args(["--format", "json"]).env("GENBUDGET_NOW", NOW);
        let r: Run = c.output().unwrap().into();
        r
    };
    let first = copy(&target.url);
    assert_eq!(first.code, 0, "{}", first.stderr);
    // As if the first one's answer had been lost with its connection: the
    // repeat finds the same journal and says so, with the same document.
    let again = copy(&target.url);
    assert_eq!(again.code, 0, "{}", again.stderr);
    let (a, b): (Value, Value) = (
        serde_json::from_str(&first.stdout).unwrap(),
        serde_json::from_str(&again.stdout).unwrap(),
    );
    assert_eq!(a, b);
    // Entries: 1 init, 2 user_add, 3 charge.
    assert_eq!(b["entries"], 3);
    assert_eq!(b["ok"], true);
    // Once the source has moved on, the target is another ledger: refused,
    // and left as it was.
    db.ok(&["charge", "alice", "--key", "c2", "--credits", "10"]);
    let later = copy(&target.url);
    assert_eq!(later.code, 2, "{}", later.stdout);
    assert!(
        later.stderr.contains("already holds a ledger"),
        "{}",
        later.stderr
    );
    assert_eq!(export(&target.url).lines().count(), 3);
}

#[test]
fn an_entry_added_behind_the_ledgers_back_is_damage_said_in_one_line() {
    let Some(db) = ledger() else { return };
    db.ok(&["charge", "alice", "--key", "c1", "--credits", "10"]);
    // Entries: 1 init, 2 user_add, 3 charge c1. A superuser appends a
    // copy of entry 3 as entry 4 (inserting is what the triggers allow),
    // leaving the head row at 3.
    let pg = db.pg.as_ref().unwrap();
    pg.client()
        .batch_execute(
            "INSERT INTO genbudget.journal (seq, at, kind, \"user\", key, model, day, credits, over, data, prev_hash, hash)
             SELECT 4, at, kind, \"user\", 'forged', model, day, credits, over, data, hash, hash
             FROM genbudget.journal WHERE seq = 3",
        )
        .unwrap();
    let r = db.run(&["charge", "alice", "--key", "c2", "--credits", "1"]);
    assert_eq!(r.code, 2, "{}", r.stdout);
    assert_eq!(r.stderr.lines().count(), 1, "{}", r.stderr);
    assert!(
        r.stderr.starts_with(
            "error: the ledger is damaged: the journal head row is behind the journal's newest entry"
        ),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr.ends_with("run `genbudget ledger verify`\n"),
        "{}",
        r.stderr
    );
    // Nothing of c2 was written.
    assert_eq!(db.entries(), 4);
    let (r, v) = db.json(&["verify"]);
    assert_eq!(r.code, 1);
    assert!(
        v["problems"]
            .to_string()
            .contains("not the journal's newest entry"),
        "{v}"
    );
}

#[test]
fn a_writer_chosen_to_break_a_deadlock_writes_nothing_and_says_so() {
    // Another session holds alice's counters row and then asks for the
    // journal head that a charge holds while it waits for that row: a
    // deadlock, which PostgreSQL breaks by stopping one of the two. The
    // charge's session checks first (the database's deadlock_timeout is
    // 3 s, the other session's 60 s), so the charge is the one stopped:
    // exit 2, the message says why, nothing is written, and the same key
    // works afterwards.
    let Some(db) = ledger() else { return };
    let pg = db.pg.as_ref().unwrap();
    pg.client()
        .batch_execute(&format!(
            "ALTER DATABASE {} SET deadlock_timeout = '3s'",
            pg.name
        ))
        .unwrap();
    let before = db.state();
    let mut other = pg.client();
    let mut t = other.transaction().unwrap();
    t.batch_execute(
        "SET LOCAL deadlock_timeout = '60s';
         SELECT 1 FROM genbudget.users WHERE id = 'alice' FOR UPDATE",
    )
    .unwrap();
    let charge = db
        .cmd_at(NOW, &["charge", "alice", "--key", "k", "--credits", "5"])
        .env("GENBUDGET_BUSY_TIMEOUT_MS", "30000")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Once the charge waits for alice's row (holding the head), the other
    // session asks for the head.
    let mut watch = pg.client();
    let start = Instant::now();
    while watch
        .query_one(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'genbudget' AND wait_event_type = 'Lock'",
            &[],
        )
        .unwrap()
        .get::<_, i64>(0)
        == 0
    {
        assert!(start.elapsed() < Duration::from_secs(20), "the charge never waited for the row");
        std::thread::sleep(Duration::from_millis(20));
    }
    t.batch_execute("SELECT 1 FROM genbudget.head FOR UPDATE")
        .unwrap();
    let r = Run::from(charge.wait_with_output().unwrap());
    t.rollback().unwrap();
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr
            .contains("PostgreSQL stopped this transaction to let a concurrent one finish")
            && r.stderr.contains("deadlock")
            && r.stderr.contains("repeat it with the same key"),
        "{}",
        r.stderr
    );
    assert_eq!(r.stderr.trim().lines().count(), 1, "{}", r.stderr);
    assert!(db.state() == before, "the stopped charge wrote");
    // Safe to retry with the same key: a first charge, 100 - 5 = 95 left.
    let v = db.ok(&["charge", "alice", "--key", "k", "--credits", "5"]);
    assert_eq!(v["replayed"], false);
    assert_eq!(s(&v, "available"), "95", "{v}");
    db.verified();
}

/// The statement a privilege message tells its reader to run: the text
/// between "run `" and the next "`" after `after`.
fn hinted_sql(stderr: &str, after: &str) -> String {
    let rest = &stderr[stderr
        .find(after)
        .unwrap_or_else(|| panic!("no `{after}` in {stderr}"))..];
    let start = rest.find("run `GRANT").expect("a GRANT to run") + "run `".len();
    let len = rest[start..].find('`').unwrap();
    rest[start..start + len].to_string()
}

#[test]
fn a_role_without_privileges_is_told_the_grants_and_they_are_enough() {
    if !backend::available(Backend::Postgres) {
        return;
    }
    let role = Role::new("gbsecond", "second-role-pw");
    // A ledger made by the superuser: the second role may connect but not
    // use the schema. The message names the grants, one line.
    let db = ledger().unwrap();
    let pg = db.pg.as_ref().unwrap();
    let mine = role.url(&pg.url, "second-role-pw");
    let r = run_url(
        &mine,
        &[],
        &["charge", "alice", "--key", "k", "--credits", "5"],
    );
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr.contains("permission denied for schema genbudget"),
        "{}",
        r.stderr
    );
    assert!(!r.stderr.contains("second-role-pw"), "{}", r.stderr);
    assert_eq!(r.stderr.trim().lines().count(), 1, "{}", r.stderr);
    let grants = hinted_sql(&r.stderr, "the role lacks a privilege");
    assert!(grants.contains(&format!("TO {}", role.0)), "{grants}");
    // The owner runs them; then every kind of write and read works as
    // that role: alice's cap 100, a charge of 5 and a hold of 40 settled
    // at 30 leave 100 - 5 - 30 = 65.
    pg.client().batch_execute(&grants).unwrap();
    let ok = |args: &[&str]| run_expecting(&mine, args, 0);
    ok(&["charge", "alice", "--key", "k", "--credits", "5"]);
    ok(&["grant", "--key", "g", "alice", "10"]);
    ok(&["reserve", "alice", "--key", "j", "--credits", "40"]);
    ok(&["settle", "j", "--credits", "30"]);
    ok(&["token", "add", "app", "--role", "app"]);
    ok(&["token", "revoke", "app"]);
    ok(&["user", "add", "bob", "--cap", "10", "--period", "day"]);
    let st: Value =
        serde_json::from_str(&ok(&["status", "alice", "--format", "json"]).stdout).unwrap();
    assert_eq!(s(&st["users"][0], "available"), "75", "{st}"); // 65 + 10 in grants
    let v = ok(&["verify"]);
    // init, alice, and the seven writes above.
    assert!(
        v.stdout.starts_with("ok: 9 entries verified"),
        "{}",
        v.stdout
    );
    // The journal stays closed to this role's edits.
    let mut as_role = backend::admin(&mine);
    let e = as_role
        .batch_execute("UPDATE genbudget.journal SET credits = 0")
        .unwrap_err();
    let said = e.as_db_error().map(|d| d.message().to_string());
    assert!(
        said.as_deref()
            .is_some_and(|m| m.contains("permission denied for table journal")),
        "{e:?}"
    );

    // `init` by a role that may not create a schema in the database names
    // the one grant it needs; with it, the role makes its ledger.
    let empty = PgDb::new();
    let there = role.url(&empty.url, "second-role-pw");
    let r = run_url(&there, &[], &["init"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    let grant = hinted_sql(&r.stderr, "may not create the ledger's schema");
    assert_eq!(
        grant,
        format!("GRANT CREATE ON DATABASE {} TO {}", empty.name, role.0)
    );
    empty.client().batch_execute(&grant).unwrap();
    let r = run_url(&there, &[], &["init"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(empty.count("SELECT count(*) FROM genbudget.journal"), 1);

    // Or, with no CREATE on the database at all, an administrator makes
    // the schema ahead for the role: `init` fills the empty schema (and
    // other commands before it say it is empty).
    let ahead = PgDb::new();
    ahead
        .client()
        .batch_execute(&format!("CREATE SCHEMA genbudget AUTHORIZATION {}", role.0))
        .unwrap();
    let there = role.url(&ahead.url, "second-role-pw");
    let r = run_expecting(&there, &["status"], 2);
    assert!(
        r.stderr.contains("the schema `genbudget` is empty"),
        "{}",
        r.stderr
    );
    run_expecting(&there, &["init"], 0);
    run_expecting(
        &there,
        &["user", "add", "bob", "--cap", "5", "--period", "day"],
        0,
    );
    run_expecting(
        &there,
        &["charge", "bob", "--key", "k", "--credits", "5"],
        0,
    );
    // Its cap is spent: 5 - 5 = 0, so one more credit is denied.
    run_expecting(
        &there,
        &["charge", "bob", "--key", "k2", "--credits", "1"],
        1,
    );
    run_expecting(&there, &["verify"], 0);
    // A second init finds the ledger (same settings: nothing to do).
    run_expecting(&there, &["init"], 0);
    assert_eq!(ahead.count("SELECT count(*) FROM genbudget.journal"), 3);
}
