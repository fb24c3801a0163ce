//! The ledger file on storage that misbehaves: a read-only file, a
//! read-only mount, and a full disk. The mounts are real (tmpfs in a mount
//! namespace made by `unshare`, root inside a user namespace); where
//! `unshare` is not allowed the test prints one line and skips, unless
//! `GENBUDGET_TEST_STRICT=1` (set by `.ci/run`) makes that a failure.

use std::os::unix::fs::PermissionsExt;
use std::process::Command;

use super::{Db, NOW};
use crate::common;

fn names(db: &Db) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(db.dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

#[test]
fn reading_a_read_only_file_leaves_nothing_behind() {
    let db = Db::init(&[]);
    db.ok(&["user", "add", "alice"]);
    db.ok(&["charge", "alice", "--key", "c", "--credits", "2"]);
    std::fs::set_permissions(&db.path, std::fs::Permissions::from_mode(0o444)).unwrap();
    let v = db.verified();
    assert_eq!(v["entries"], 3);
    let r = db.run(&["export"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(r.stdout.lines().count(), 3);
    // No -wal or -shm file owned by the reader is left to block writers.
    assert_eq!(names(&db), ["ledger.db"]);
    // A write is refused before SQLite opens the file.
    let r = db.run(&["charge", "alice", "--key", "d", "--credits", "1"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("is read-only"), "{}", r.stderr);
}

/// Runs `script` (sh) as root in new user and mount namespaces, with `GB`
/// set to the binary; `None` when this machine does not allow that.
fn in_namespace(script: &str) -> Option<common::Run> {
    let probe = Command::new("unshare")
        .args(["--user", "--map-root-user", "--mount", "true"])
        .output();
    if !probe.is_ok_and(|o| o.status.success()) {
        let strict = std::env::var("GENBUDGET_TEST_STRICT").is_ok_and(|v| v == "1");
        assert!(
            !strict,
            "unshare is not allowed here, and GENBUDGET_TEST_STRICT=1"
        );
        println!(
            "skipped: needs `unshare --user --map-root-user --mount` (util-linux, user namespaces enabled); run `cargo test --release` where that works"
        );
        return None;
    }
    let out = Command::new("unshare")
        .args(["--user", "--map-root-user", "--mount", "sh", "-euc", script])
        .env("GB", common::bin())
        .env("GENBUDGET_NOW", NOW)
        .env_remove("GENBUDGET_DB")
        .output()
        .expect("unshare runs");
    Some(out.into())
}

#[test]
fn a_ledger_on_a_read_only_mount_verifies_and_exports() {
    let dir = tempfile::tempdir().unwrap();
    let m = dir.path().display();
    let script = format!(
        r#"
        mount -t tmpfs -o size=4m tmpfs {m}
        "$GB" --db {m}/l.db ledger init >/dev/null
        "$GB" --db {m}/l.db ledger user add alice >/dev/null
        "$GB" --db {m}/l.db ledger charge alice --key c --credits 2 >/dev/null
        mount -o remount,ro {m}
        echo "== verify"; "$GB" --db {m}/l.db ledger verify 2>&1; echo "exit $?"
        echo "== export"; "$GB" --db {m}/l.db ledger export 2>&1 | wc -l; echo "== files"; ls {m}
        echo "== write"; "$GB" --db {m}/l.db ledger charge alice --key d --credits 1 2>&1 || echo "exit $?"
        "#
    );
    let Some(r) = in_namespace(&script) else {
        return;
    };
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    let out = r.stdout;
    // init, user_add, charge.
    assert!(out.contains("ok: 3 entries verified"), "{out}");
    assert!(out.contains("== export\n3\n"), "{out}");
    // Nothing but the ledger on the mount (nothing could be written).
    assert!(out.contains("== files\nl.db\n== write"), "{out}");
    // The refused write names the file.
    let write = &out[out.find("== write").unwrap()..];
    assert!(
        write.contains("error: ") && write.contains("/l.db"),
        "{write}"
    );
    assert!(write.contains("exit 2"), "{write}");
}

#[test]
fn a_full_disk_never_loses_an_acknowledged_charge() {
    // A 512 KiB tmpfs filled to within N KiB of full, for N from 64 down to
    // 0: each charge either fails (exit 2, nothing written) or succeeds; a
    // success whose copy into the ledger file failed says so on stderr and
    // names the -wal file to keep. After each step, with the disk freed,
    // `verify` passes and every acknowledged key is in the journal.
    let dir = tempfile::tempdir().unwrap();
    let m = dir.path().display();
    // stderr goes off the full disk (a full disk would fail it too).
    let logs = tempfile::tempdir().unwrap();
    let err = logs.path().join("err");
    let err = err.display();
    let script = format!(
        r#"
        mount -t tmpfs -o size=512k tmpfs {m}
        "$GB" --db {m}/l.db ledger init >/dev/null
        "$GB" --db {m}/l.db ledger user add alice >/dev/null
        for n in $(seq 64 -4 0); do
          free=$(df -k --output=avail {m} | tail -1)
          fill=$((free - n))
          if [ "$fill" -gt 0 ]; then dd if=/dev/zero of={m}/fill bs=1k count=$fill 2>/dev/null || true; fi
          key=k$n
          if "$GB" --db {m}/l.db ledger charge alice --key $key --credits 1 --format json >/dev/null 2>{err}; then
            echo "ok $key $(grep -c 'keep .*-wal' {err} || true)"
          else
            echo "refused $key $?"
          fi
          rm -f {m}/fill
          "$GB" --db {m}/l.db ledger verify >/dev/null || echo "VERIFY FAILED after $key"
        done
        echo "== journal"; "$GB" --db {m}/l.db ledger export | grep -o '"key":"k[0-9]*"' | sort -u
        "#
    );
    let Some(r) = in_namespace(&script) else {
        return;
    };
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    let out = r.stdout;
    assert!(!out.contains("VERIFY FAILED"), "{out}");
    let (runs, journal) = out.split_once("== journal\n").expect("journal section");
    let acknowledged: Vec<&str> = runs
        .lines()
        .filter_map(|l| l.strip_prefix("ok "))
        .map(|l| l.split(' ').next().unwrap())
        .collect();
    // Some charges went through and some were refused: the disk really
    // filled up during the run.
    assert!(!acknowledged.is_empty(), "{out}");
    assert!(runs.lines().any(|l| l.starts_with("refused ")), "{out}");
    for k in &acknowledged {
        assert!(
            journal.contains(&format!("\"key\":\"{k}\"")),
            "{k} lost: {out}"
        );
    }
    // When a charge committed but its copy into l.db failed, it said so
    // (the count after `ok KEY`); whether that moment comes depends on how
    // the pages fall, so it is reported, not required.
    let warned = runs
        .lines()
        .filter(|l| l.starts_with("ok ") && !l.ends_with(" 0"))
        .count();
    println!(
        "full disk: {} acknowledged, {warned} with the keep-the--wal warning",
        acknowledged.len()
    );
    // Refusals are exit 2, never a crash.
    for l in runs.lines().filter(|l| l.starts_with("refused ")) {
        assert!(l.ends_with(" 2"), "{l}");
    }
}

#[test]
fn special_files_links_and_leftovers_are_handled() {
    // A FIFO as --db is refused unread (reading it would wait forever).
    let db = Db::empty();
    let fifo = db.dir.path().join("pipe.db");
    let made = Command::new("mkfifo").arg(&fifo).status();
    assert!(
        made.is_ok_and(|s| s.success()),
        "mkfifo (coreutils) makes a FIFO"
    );
    {
        let r: common::Run = common::cmd(&["--db", fifo.to_str().unwrap(), "ledger", "status"])
            .output()
            .unwrap()
            .into();
        assert_eq!(r.code, 2);
        assert!(r.stderr.contains("is not a regular file"), "{}", r.stderr);
    }
    // init through a dangling symbolic link says so.
    let link = db.dir.path().join("link.db");
    std::os::unix::fs::symlink(db.dir.path().join("missing/target.db"), &link).unwrap();
    let r: common::Run = common::cmd(&["--db", link.to_str().unwrap(), "ledger", "init"])
        .output()
        .unwrap()
        .into();
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("is a symbolic link to"), "{}", r.stderr);
    assert!(r.stderr.contains("which does not exist"), "{}", r.stderr);
    // What a killed init left behind (its process is gone: PID 4194304 is
    // above Linux's pid_max) is removed by the next init.
    let stale = db.dir.path().join(".ledger.db.init-4194304-1");
    let stale_journal = db.dir.path().join(".ledger.db.init-4194304-1-journal");
    std::fs::write(&stale, b"half").unwrap();
    std::fs::write(&stale_journal, b"half").unwrap();
    db.ok(&["init"]);
    assert!(
        !stale.exists() && !stale_journal.exists(),
        "{:?}",
        names(&db)
    );
    // export writes JSON lines; a table format is refused, not ignored.
    let r = db.run(&["export", "--format", "csv"]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("export writes the journal as JSON lines"),
        "{}",
        r.stderr
    );
    assert_eq!(db.run(&["export", "--format", "json"]).code, 0);
}

#[test]
fn a_hold_expires_on_a_whole_second() {
    let db = Db::init(&["--hold-ttl", "15m"]);
    db.ok(&["user", "add", "alice"]);
    // 09:00:00.250 + 15 min = 09:15:00.250, rounded up to 09:15:01.
    let h = db.ok_at(
        "2026-04-20T09:00:00.250Z",
        &["reserve", "alice", "--key", "k", "--credits", "1"],
    );
    assert_eq!(h["expires_at"], "2026-04-20T09:15:01Z");
    // Still open at 09:15:00.9, expired at 09:15:01.
    let open = db.ok_at("2026-04-20T09:15:00.900Z", &["holds"]);
    assert_eq!(open["holds"].as_array().unwrap().len(), 1);
    let gone = db.ok_at("2026-04-20T09:15:01Z", &["holds"]);
    assert_eq!(gone["holds"].as_array().unwrap().len(), 0);
    db.verified();
}
