//! Ledger benchmarks (plain `std::time`, no harness): `cargo bench --bench
//! ledger`. Never run by `cargo test`. Prints one line per figure, as
//! ratios against a baseline measured in the same run, so that the numbers
//! mean something on a shared, noisy machine:
//!
//! 1. durable ledger transactions per second (reserve, settle, each one
//!    `BEGIN IMMEDIATE … COMMIT` with `synchronous=FULL`) on one connection
//!    ÷ a raw rusqlite loop of one-row INSERT transactions with the same
//!    pragmas (goal ≥ 0.9);
//! 2. reserve latency with 1,000,000 journal entries ÷ with 1,000 (goal
//!    ≤ 1.5: no operation scans history);
//! 4. `report --by day` over 1,000,000 entries ÷ SQLite's own `GROUP BY`
//!    over the same rows, on the same file;
//! 5. (`postgres`, with `GENBUDGET_BENCH_POSTGRES` set to the URL of a
//!    database it may empty) reserve+settle pairs per second from 16
//!    threads, each with its own connection, on one PostgreSQL ledger;
//!    `benches/ledger-postgres.sh` sets it up and divides by `pgbench -N
//!    -c 16` on the same server in the same run (goal ≥ 0.3).
//!
//! The whole-process CLI figures (3. `charge` ÷ `--version`; 4. `report` ÷ the
//! `sqlite3` shell) are in `benches/ledger-cli.sh`, with hyperfine.
//!
//! Files go to `$GENBUDGET_BENCH_DIR` (default `target/bench-ledger`); the
//! 1,000,000-entry ledger is built once (about 30 s) and reused.
//! `cargo bench --bench ledger -- quick` runs fewer rounds.
#![forbid(unsafe_code)]

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use genbudget::ledger::amount::Micros;
use genbudget::ledger::period::Period;
use genbudget::ledger::{
    Cost, Decision, Durability, HoldRequest, Ledger, Limits, OpenOptions, ReportBy, ReportQuery,
    Settings,
};
use rusqlite::Connection;
use rust_decimal::Decimal;

fn start() -> DateTime<Utc> {
    "2025-01-01T00:00:00Z".parse().unwrap()
}

fn opts(durability: Durability) -> OpenOptions {
    OpenOptions {
        durability,
        ..OpenOptions::default()
    }
}

fn fresh(dir: &Path, name: &str) -> PathBuf {
    let p = dir.join(name);
    for ext in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{ext}", p.display()));
    }
    p
}

fn req(user: &str, key: String, credits: i64) -> HoldRequest {
    HoldRequest {
        user: user.into(),
        key,
        cost: Cost::Credits(Decimal::from(credits)),
        ttl: None,
    }
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

fn percentile(v: &mut [f64], p: f64) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[((v.len() - 1) as f64 * p) as usize]
}

// ------------------------------------------------------------- 1. durable

/// Raw rusqlite, WAL and `synchronous` as the ledger sets them: a table
/// of (id, key, credits) and one-row INSERT transactions.
struct Raw {
    conn: Connection,
    next: usize,
}

impl Raw {
    fn new(dir: &Path, durability: Durability) -> Raw {
        let path = fresh(dir, "raw.db");
        let c = Connection::open(&path).unwrap();
        c.pragma_update_and_check(None, "journal_mode", "WAL", |r| r.get::<_, String>(0))
            .unwrap();
        let sync = match durability {
            Durability::Full => "FULL",
            Durability::Normal => "NORMAL",
        };
        c.pragma_update(None, "synchronous", sync).unwrap();
        c.busy_timeout(Duration::from_secs(5)).unwrap();
        c.execute_batch(
            "CREATE TABLE t (id INTEGER PRIMARY KEY, key TEXT NOT NULL, credits INTEGER NOT NULL)",
        )
        .unwrap();
        Raw { conn: c, next: 0 }
    }

    /// `n` transactions of one INSERT each.
    fn run(&mut self, n: usize) -> Duration {
        let t0 = Instant::now();
        for _ in 0..n {
            let tx = self
                .conn
                .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
                .unwrap();
            tx.prepare_cached("INSERT INTO t (key, credits) VALUES (?1, ?2)")
                .unwrap()
                .execute(rusqlite::params![format!("job-{}", self.next), 40_000_000])
                .unwrap();
            tx.commit().unwrap();
            self.next += 1;
        }
        t0.elapsed()
    }
}

/// The ledger on one connection: reserve + settle pairs (2 transactions
/// each) for one user with a month cap and `max_holds`.
struct Pairs {
    ledger: Ledger,
    next: usize,
}

impl Pairs {
    fn new(dir: &Path, durability: Durability) -> Pairs {
        let path = fresh(dir, "durable.db");
        let (mut ledger, _) =
            Ledger::init(&path, &Settings::default(), start(), &opts(durability)).unwrap();
        let limits = Limits {
            cap: Some(Micros(1_000_000_000 * 1_000_000)),
            period: Period::Month,
            max_holds: Some(10),
        };
        ledger.add_user(start(), "alice", &limits).unwrap();
        Pairs { ledger, next: 0 }
    }

    /// `n` transactions: `n / 2` reserve + settle pairs.
    fn run(&mut self, n: usize) -> Duration {
        let now = start();
        let t0 = Instant::now();
        for _ in 0..n / 2 {
            let key = format!("job-{}", self.next);
            let d = self
                .ledger
                .reserve(now, &req("alice", key.clone(), 40))
                .unwrap();
            assert!(matches!(d, Decision::Granted(_)));
            self.ledger.settle(now, &key, None).unwrap();
            self.next += 1;
        }
        t0.elapsed()
    }
}

fn durable(dir: &Path, quick: bool) {
    let (blocks, per_block) = if quick { (10, 40) } else { (40, 50) };
    for (d, label) in [(Durability::Full, "FULL"), (Durability::Normal, "NORMAL")] {
        let (mut raw, mut ledger) = (Raw::new(dir, d), Pairs::new(dir, d));
        // Alternating small blocks: both sides see the same disk and load.
        let (mut tr, mut tl) = (Duration::ZERO, Duration::ZERO);
        for _ in 0..blocks {
            tr += raw.run(per_block);
            tl += ledger.run(per_block);
        }
        let n = (blocks * per_block) as f64;
        let (raw, led) = (n / tr.as_secs_f64(), n / tl.as_secs_f64());
        let goal = match d {
            Durability::Full => " (goal >= 0.9)",
            Durability::Normal => " (no fsync: the CPU and write cost alone)",
        };
        println!(
            "1. transactions/s on one connection, synchronous={label} ({} each, in alternating blocks of {per_block}): ledger {led:.0} tx/s ({:.0} reserve+settle pairs/s), raw one-row INSERT {raw:.0} tx/s; ratio {:.2}{goal}",
            blocks * per_block,
            led / 2.0,
            led / raw
        );
    }
}

// ------------------------------------------------------------- 2. latency

/// Users in the benchmark ledgers (the same in both sizes: only the
/// history differs).
const USERS: usize = 100;

/// The head's seq of a ledger file, if it is one.
fn head(path: &Path) -> Option<i64> {
    // Read-write (it only reads): a read-only connection leaves -wal/-shm behind.
    let c = Connection::open_with_flags(path, rusqlite::OpenFlags::SQLITE_OPEN_READ_WRITE).ok()?;
    c.query_row("SELECT max(seq) FROM journal", [], |r| r.get(0))
        .ok()
}

/// A ledger of exactly `entries` journal entries: init, 100 users, then
/// reserve + settle pairs one minute apart round-robin over the users
/// (1,000,000 entries are about a year of days), built in transactions of
/// 40,000 entries with `synchronous=NORMAL`. Reused if already there.
fn big(dir: &Path, entries: i64) -> PathBuf {
    let name = format!("journal-{entries}.db");
    let path = dir.join(&name);
    if head(&path) == Some(entries) {
        return path;
    }
    let path = fresh(dir, &name);
    let t0 = Instant::now();
    let (mut l, _) = Ledger::init(
        &path,
        &Settings::default(),
        start(),
        &opts(Durability::Normal),
    )
    .unwrap();
    let limits = Limits {
        cap: Some(Micros(1_000_000 * 1_000_000)),
        period: Period::Month,
        max_holds: Some(5),
    };
    let users: Vec<String> = (0..USERS).map(|u| format!("user-{u}")).collect();
    l.batch(|b| {
        for u in &users {
            b.add_user(start(), u, &limits)?;
        }
        Ok(())
    })
    .unwrap();
    let mut made = 1 + USERS as i64;
    let mut i: i64 = 0;
    while entries - made >= 2 {
        let pairs = 20_000.min((entries - made) / 2);
        l.batch(|b| {
            for _ in 0..pairs {
                let now = start() + chrono::Duration::minutes(i);
                let key = format!("k{i}");
                let d = b.reserve(
                    now,
                    &req(&users[i as usize % USERS], key.clone(), 1 + i % 50),
                )?;
                assert!(matches!(d, Decision::Granted(_)), "{d:?}");
                b.settle(now, &key, None)?;
                i += 1;
            }
            Ok(())
        })
        .unwrap();
        made += 2 * pairs;
    }
    if made < entries {
        let now = start() + chrono::Duration::minutes(i);
        l.charge(now, &req(&users[0], "last".into(), 1)).unwrap();
    }
    drop(l);
    assert_eq!(head(&path), Some(entries));
    eprintln!("   (built {} in {:.1?})", path.display(), t0.elapsed());
    path
}

/// Per-reserve latency in µs: `n` reserve + release pairs on the ledger at
/// `path`, after all its entries (so its state does not grow).
fn reserve_latency(path: &Path, n: usize, durability: Durability) -> Vec<f64> {
    let mut l = Ledger::open(path, &opts(durability), start()).unwrap();
    let now = start() + chrono::Duration::days(400);
    let mut v = Vec::with_capacity(n);
    for i in 0..n {
        let user = format!("user-{}", (i * 7) % USERS);
        let key = format!("bench-{i}");
        let t = Instant::now();
        let d = l.reserve(now, &req(&user, key.clone(), 10)).unwrap();
        v.push(t.elapsed().as_secs_f64() * 1e6);
        assert!(matches!(d, Decision::Granted(_)), "{d:?}");
        l.release(now, &key, None).unwrap();
    }
    v
}

/// A scratch copy of a built ledger (the benchmark adds entries to it).
fn scratch(dir: &Path, built: &Path, name: &str) -> PathBuf {
    let p = fresh(dir, name);
    std::fs::copy(built, &p).unwrap();
    // On disk before timing starts: otherwise the kernel writes the copy
    // back during the measurement and every fsync waits behind it.
    std::fs::File::open(&p).unwrap().sync_all().unwrap();
    p
}

fn latency(dir: &Path, quick: bool) {
    let small = big(dir, 1_000);
    let large = big(dir, 1_000_000);
    let (n, nfull) = if quick { (600, 90) } else { (3000, 600) };
    for (label, d, n) in [
        ("synchronous=NORMAL", Durability::Normal, n),
        ("synchronous=FULL", Durability::Full, nfull),
    ] {
        let (mut a, mut b) = (Vec::new(), Vec::new());
        // Alternate small and large in blocks to share the machine's noise,
        // each block on a fresh copy (keys restart).
        for _ in 0..3 {
            a.extend(reserve_latency(
                &scratch(dir, &small, "work-small.db"),
                n / 3,
                d,
            ));
            b.extend(reserve_latency(
                &scratch(dir, &large, "work-large.db"),
                n / 3,
                d,
            ));
        }
        let (ma, mb) = (median(&mut a), median(&mut b));
        println!(
            "2. reserve latency, {label}: median {ma:.0} µs at 1,000 entries, {mb:.0} µs at 1,000,000 (p90 {:.0} / {:.0} µs); ratio {:.2} (goal <= 1.5)",
            percentile(&mut a, 0.9),
            percentile(&mut b, 0.9),
            mb / ma
        );
    }
}

// -------------------------------------------------------------- 3. report

fn report(dir: &Path, quick: bool) {
    let large = big(dir, 1_000_000);
    let rounds = if quick { 3 } else { 7 };
    let mut l = Ledger::open(&large, &opts(Durability::Normal), start()).unwrap();
    let c =
        Connection::open_with_flags(&large, rusqlite::OpenFlags::SQLITE_OPEN_READ_WRITE).unwrap();
    let q = ReportQuery {
        by: ReportBy::Day,
        from: None,
        to: None,
        user: None,
    };
    let now = start() + chrono::Duration::days(400);
    let (mut ours, mut raw) = (Vec::new(), Vec::new());
    let mut groups = (0, 0);
    for _ in 0..rounds {
        let t = Instant::now();
        let doc = l.report(now, &q).unwrap();
        ours.push(t.elapsed().as_secs_f64() * 1e3);
        groups.0 = doc.rows.len();
        let t = Instant::now();
        let mut stmt = c.prepare_cached(RAW_GROUP_BY).unwrap();
        let rows: Vec<(String, i64, i64)> = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        raw.push(t.elapsed().as_secs_f64() * 1e3);
        groups.1 = rows.len();
    }
    assert_eq!(groups.0, groups.1, "the same groups");
    let (o, r) = (median(&mut ours), median(&mut raw));
    println!(
        "4. report --by day over 1,000,000 entries, in the library ({} days): ledger {o:.1} ms, SQLite GROUP BY {r:.1} ms; ratio {:.2}",
        groups.0,
        o / r
    );
}

// ------------------------------------------------------------ 5. postgres

/// Concurrent clients for the PostgreSQL figure (`GENBUDGET_BENCH_CLIENTS`
/// to try others).
fn clients() -> usize {
    std::env::var("GENBUDGET_BENCH_CLIENTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(16)
}

fn postgres(quick: bool) {
    let clients = clients();
    let Ok(url) = std::env::var("GENBUDGET_BENCH_POSTGRES") else {
        println!("5. skipped: set GENBUDGET_BENCH_POSTGRES (benches/ledger-postgres.sh does)");
        return;
    };
    let secs = if quick { 3 } else { 10 };
    let mut admin = postgres::Client::connect(&url, postgres::NoTls).unwrap();
    admin
        .batch_execute("DROP SCHEMA IF EXISTS genbudget CASCADE")
        .unwrap();
    let o = opts(Durability::Full);
    let (mut ledger, _) = Ledger::init_location(&url, &Settings::default(), start(), &o).unwrap();
    let limits = Limits {
        cap: Some(Micros(1_000_000_000 * 1_000_000)),
        period: Period::Month,
        max_holds: Some(10),
    };
    for c in 0..clients {
        ledger.add_user(start(), &format!("u{c}"), &limits).unwrap();
    }
    ledger.close().unwrap();
    let stop = std::sync::atomic::AtomicBool::new(false);
    let t0 = Instant::now();
    let pairs: usize = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..clients)
            .map(|c| {
                let (url, o, stop) = (&url, &o, &stop);
                scope.spawn(move || {
                    let mut l = Ledger::open_location(url, o, start()).unwrap();
                    let (user, mut n) = (format!("u{c}"), 0);
                    while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                        let key = format!("c{c}-{n}");
                        let d = l.reserve(start(), &req(&user, key.clone(), 40)).unwrap();
                        assert!(matches!(d, Decision::Granted(_)));
                        l.settle(start(), &key, None).unwrap();
                        n += 1;
                    }
                    n
                })
            })
            .collect();
        std::thread::sleep(Duration::from_secs(secs));
        stop.store(true, std::sync::atomic::Ordering::Relaxed);
        handles.into_iter().map(|h| h.join().unwrap()).sum()
    });
    let elapsed = t0.elapsed().as_secs_f64();
    let mut check = Ledger::open_location(&url, &o, start()).unwrap();
    assert!(check.verify().unwrap().ok);
    println!(
        "5. postgres: {clients} clients, {secs} s: {pairs} reserve+settle pairs, {:.0} pairs/s ({:.0} tx/s)",
        pairs as f64 / elapsed,
        2.0 * pairs as f64 / elapsed
    );
}

/// SQLite's own aggregate over the rows `report` counts.
pub const RAW_GROUP_BY: &str = "SELECT day, count(*), sum(credits) FROM journal WHERE kind IN ('settle', 'charge') GROUP BY day";

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let quick = args.iter().any(|a| a == "quick");
    let only: Vec<&str> = args
        .iter()
        .skip(1)
        .map(String::as_str)
        .filter(|a| ["durable", "latency", "report", "postgres"].contains(a))
        .collect();
    let run = |name: &str| (only.is_empty() && name != "postgres") || only.contains(&name);
    let dir = std::env::var_os("GENBUDGET_BENCH_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("target/bench-ledger"));
    std::fs::create_dir_all(&dir).unwrap();
    println!("ledger benchmarks in {}", dir.display());
    if run("durable") {
        durable(&dir, quick);
    }
    if run("latency") {
        latency(&dir, quick);
    }
    if run("report") {
        report(&dir, quick);
    }
    if run("postgres") {
        postgres(quick);
    }
}
