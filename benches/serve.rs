//! `genbudget serve` under load (plain `std::time`, no harness): `cargo
//! bench --bench serve`. Never run by `cargo test`. Figures are ratios
//! against baselines measured in the same run, so they mean something on a
//! shared, noisy machine:
//!
//! 1. reserve+settle pairs/s with 64 concurrent HTTP clients on loopback
//!    (each its own keep-alive connection, one hold then its settle, over
//!    and over; async tasks on one thread, so the load generator takes
//!    little CPU from the server) ÷ a raw rusqlite loop of single-row durable
//!    INSERT transactions (WAL, `synchronous=FULL`) on the same disk
//!    (goal ≥ 10: group commit lets one fsync serve many requests);
//! 2. p50/p99 request latency at that load (goal p99 ≤ 25 ms);
//! 3. the server's resident memory idle and its peak under load (goals
//!    ≤ 20 MB and ≤ 100 MB);
//! 4. overspend: the org's spent + held never passes its cap, and `verify`
//!    (which checks every cap) passes afterwards.
//!
//! `cargo bench --bench serve -- quick` runs for 3 s instead of 10.
//! `GENBUDGET_BENCH_DB=postgres://…` runs the service on PostgreSQL, with
//! `pgbench -N -c 16` on the same server as the baseline (goal ≥ 1).
#![forbid(unsafe_code)]

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::rt::TokioIo;
use rusqlite::Connection;
use rust_decimal::Decimal;

const CLIENTS: usize = 64;

fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_genbudget")
}

/// Raw single-row durable commits per second for `secs`.
fn raw_commits(dir: &Path, name: &str, secs: f64) -> f64 {
    let p = dir.join(name);
    let c = Connection::open(&p).unwrap();
    c.pragma_update_and_check(None, "journal_mode", "WAL", |r| r.get::<_, String>(0))
        .unwrap();
    c.pragma_update(None, "synchronous", "FULL").unwrap();
    c.execute_batch(
        "CREATE TABLE t (id INTEGER PRIMARY KEY, key TEXT NOT NULL, credits INTEGER NOT NULL)",
    )
    .unwrap();
    let t0 = Instant::now();
    let mut n = 0u64;
    while t0.elapsed().as_secs_f64() < secs {
        c.execute("BEGIN IMMEDIATE", []).unwrap();
        c.execute(
            "INSERT INTO t (key, credits) VALUES (?1, ?2)",
            rusqlite::params![format!("job-{n}"), 40_000_000],
        )
        .unwrap();
        c.execute("COMMIT", []).unwrap();
        n += 1;
    }
    n as f64 / t0.elapsed().as_secs_f64()
}

fn genbudget(db: &std::ffi::OsStr, args: &[&str]) -> String {
    let out = Command::new(bin())
        .arg("--db")
        .arg(db)
        .args(["--format", "json", "ledger"])
        .args(args)
        .env_remove("GENBUDGET_NOW")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn rss_kb(pid: u32, field: &str) -> u64 {
    let s = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    s.lines()
        .find(|l| l.starts_with(field))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|n| n.parse().ok())
        .unwrap_or(0)
}

/// `pgbench -N -c 16 -j 2 -T 5` tx/s on the database at `url` (initialised
/// with `pgbench -i -s 1` the first time).
fn pgbench(url: &str) -> f64 {
    let run = |args: &[&str]| {
        let out = Command::new("pgbench")
            .args(args)
            .arg(url)
            .output()
            .expect("pgbench runs");
        assert!(
            out.status.success(),
            "pgbench {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    static INIT: std::sync::Once = std::sync::Once::new();
    INIT.call_once(|| {
        run(&["-i", "-s", "1", "-q"]);
    });
    let out = run(&["-N", "-c", "16", "-j", "2", "-T", "5"]);
    out.lines()
        .find_map(|l| l.strip_prefix("tps = "))
        .and_then(|l| l.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .expect("pgbench printed its tps")
}

/// CPU seconds (user + system) of each of the process's threads, by name.
fn thread_cpu(pid: u32) -> std::collections::BTreeMap<String, f64> {
    let mut out = std::collections::BTreeMap::new();
    let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) else {
        return out;
    };
    for t in tasks.flatten() {
        let name = std::fs::read_to_string(t.path().join("comm")).unwrap_or_default();
        let stat = std::fs::read_to_string(t.path().join("stat")).unwrap_or_default();
        // Fields after the `(comm)`: utime and stime are the 12th and 13th.
        let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
        let f: Vec<&str> = rest.split_whitespace().collect();
        let ticks: f64 = f.get(11).and_then(|v| v.parse().ok()).unwrap_or(0.0)
            + f.get(12).and_then(|v| v.parse().ok()).unwrap_or(0.0);
        *out.entry(name.trim().to_string()).or_insert(0.0) += ticks / 100.0;
    }
    out
}

/// One client: a keep-alive connection that reserves and settles in turn.
struct Client {
    addr: String,
    auth: String,
}

impl Client {
    fn new(addr: String, token: String) -> Client {
        Client {
            addr,
            auth: format!("Bearer {token}"),
        }
    }

    async fn run(
        self,
        c: usize,
        stop: Arc<AtomicBool>,
        pairs: Arc<AtomicU64>,
        denied: Arc<AtomicU64>,
        latencies: Arc<Mutex<Vec<f64>>>,
    ) {
        let stream = tokio::net::TcpStream::connect(&self.addr).await.unwrap();
        stream.set_nodelay(true).unwrap();
        let (mut send, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
            .await
            .unwrap();
        tokio::spawn(conn);
        let mut mine = Vec::new();
        let mut j = 0u64;
        while !stop.load(Ordering::Relaxed) {
            let key = format!("c{c}-{j}");
            j += 1;
            let body = format!(r#"{{"user": "u{c}", "key": "{key}", "credits": "2"}}"#);
            let t = Instant::now();
            let st = self.post(&mut send, "/v1/holds", body).await;
            mine.push(t.elapsed().as_secs_f64());
            match st {
                201 => {}
                402 => {
                    denied.fetch_add(1, Ordering::Relaxed);
                    continue;
                }
                s => panic!("hold: {s}"),
            }
            let t = Instant::now();
            let st = self
                .post(
                    &mut send,
                    &format!("/v1/holds/{key}/settle"),
                    r#"{"credits": "1"}"#.into(),
                )
                .await;
            mine.push(t.elapsed().as_secs_f64());
            assert_eq!(st, 200);
            pairs.fetch_add(1, Ordering::Relaxed);
        }
        latencies.lock().unwrap().extend(mine);
    }

    async fn post(
        &self,
        send: &mut hyper::client::conn::http1::SendRequest<Full<Bytes>>,
        path: &str,
        body: String,
    ) -> u16 {
        let req = hyper::Request::post(path)
            .header("host", &self.addr)
            .header("authorization", &self.auth)
            .header("content-type", "application/json")
            .body(Full::new(Bytes::from(body)))
            .unwrap();
        let resp = send.send_request(req).await.unwrap();
        let status = resp.status().as_u16();
        resp.into_body().collect().await.unwrap();
        status
    }
}

fn percentile(v: &mut [f64], p: f64) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[((v.len() - 1) as f64 * p) as usize]
}

fn main() {
    let quick = std::env::args().any(|a| a == "quick");
    let secs = if quick { 3.0 } else { 10.0 };
    let dir = tempfile::Builder::new()
        .prefix("genbudget-serve-bench")
        .tempdir_in(std::env::var("GENBUDGET_BENCH_DIR").unwrap_or_else(|_| "target".into()))
        .unwrap();
    // GENBUDGET_BENCH_DB: a `postgres://` URL of an empty database to run
    // the service on PostgreSQL; the baseline is then pgbench's `-N -c 16`
    // on the same server (it needs `pgbench -i` rights in that database).
    let pg = std::env::var("GENBUDGET_BENCH_DB").ok();
    let db: std::ffi::OsString = match &pg {
        Some(url) => url.into(),
        None => dir.path().join("ledger.db").into(),
    };
    let db = db.as_os_str();
    genbudget(db, &["init"]);
    // One user per client, 1,000,000 credits a month each; the org's cap is
    // far above what the run spends unless GENBUDGET_BENCH_ORG_CAP lowers it
    // (then holds past it are denied and counted).
    for c in 0..CLIENTS {
        genbudget(
            db,
            &[
                "user",
                "add",
                &format!("u{c}"),
                "--cap",
                "1000000",
                "--period",
                "month",
            ],
        );
    }
    let org_cap: u64 = std::env::var("GENBUDGET_BENCH_ORG_CAP")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000_000);
    genbudget(
        db,
        &[
            "org",
            "set",
            "--cap",
            &org_cap.to_string(),
            "--period",
            "month",
        ],
    );
    let token: serde_json::Value =
        serde_json::from_str(&genbudget(db, &["token", "add", "bench", "--role", "app"])).unwrap();
    let token = token["secret"].as_str().unwrap().to_string();

    let baseline = |name: &str| match &pg {
        Some(url) => pgbench(url),
        None => raw_commits(dir.path(), name, 2.0),
    };
    let raw_before = baseline("raw-before.db");

    let mut child = Command::new(bin())
        .arg("--db")
        .arg(db)
        .args(["serve", "--listen", "127.0.0.1:0"])
        .env_remove("GENBUDGET_NOW")
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let addr = loop {
        let l = lines.next().unwrap().unwrap();
        if let Some(rest) = l.split("listening on http://").nth(1) {
            break rest.split_whitespace().next().unwrap().to_string();
        }
    };
    // Keep draining the request log.
    std::thread::spawn(move || for _ in lines {});
    std::thread::sleep(Duration::from_millis(500));
    let idle_kb = rss_kb(child.id(), "VmRSS:");

    let cpu_before = thread_cpu(child.id());
    let stop = Arc::new(AtomicBool::new(false));
    let pairs = Arc::new(AtomicU64::new(0));
    let denied = Arc::new(AtomicU64::new(0));
    let latencies = Arc::new(Mutex::new(Vec::<f64>::new()));
    let t0 = Instant::now();
    // The clients: 64 keep-alive HTTP/1 connections driven by async tasks
    // on one thread of their own, so that the load generator takes little
    // of the machine's CPU from the server.
    let load = {
        let (addr, token, stop, pairs, denied, latencies) = (
            addr.clone(),
            token.clone(),
            stop.clone(),
            pairs.clone(),
            denied.clone(),
            latencies.clone(),
        );
        std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async move {
                let tasks: Vec<_> = (0..CLIENTS)
                    .map(|c| {
                        let client = Client::new(addr.clone(), token.clone());
                        tokio::spawn(client.run(
                            c,
                            stop.clone(),
                            pairs.clone(),
                            denied.clone(),
                            latencies.clone(),
                        ))
                    })
                    .collect();
                for t in tasks {
                    t.await.unwrap();
                }
            });
        })
    };
    let mut peak_kb = 0;
    while t0.elapsed().as_secs_f64() < secs {
        std::thread::sleep(Duration::from_millis(100));
        peak_kb = peak_kb.max(rss_kb(child.id(), "VmRSS:"));
    }
    stop.store(true, Ordering::Relaxed);
    load.join().unwrap();
    let elapsed = t0.elapsed().as_secs_f64();
    let pairs = pairs.load(Ordering::Relaxed);
    let denied = denied.load(Ordering::Relaxed);
    let hwm_kb = rss_kb(child.id(), "VmHWM:");
    let cpu_after = thread_cpu(child.id());
    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    let code = child.wait().unwrap();
    assert!(code.success(), "the server exited with {code:?}");

    let raw_after = baseline("raw-after.db");
    let raw = (raw_before + raw_after) / 2.0;
    let mut lat = latencies.lock().unwrap().clone();
    let p50 = percentile(&mut lat, 0.50) * 1000.0;
    let p99 = percentile(&mut lat, 0.99) * 1000.0;
    let rate = pairs as f64 / elapsed;

    let status: serde_json::Value = serde_json::from_str(&genbudget(db, &["status"])).unwrap();
    let credits = |f: &str| -> Decimal { status["org"][f].as_str().unwrap().parse().unwrap() };
    let (spent, held) = (credits("spent"), credits("held"));
    let verify: serde_json::Value = serde_json::from_str(&genbudget(db, &["verify"])).unwrap();

    println!("serve bench, {CLIENTS} clients, {elapsed:.1} s:");
    println!(
        "1. reserve+settle pairs/s {rate:.0} ({pairs} pairs, {denied} holds denied by the org cap) ÷ {} {raw:.0} (before {raw_before:.0}, after {raw_after:.0}) = {:.2} (goal {})",
        if pg.is_some() {
            "pgbench -N -c 16 tx/s"
        } else {
            "raw durable one-row SQLite commits/s"
        },
        rate / raw,
        if pg.is_some() { "≥ 1" } else { "≥ 10" }
    );
    println!(
        "2. request latency p50 {p50:.1} ms, p99 {p99:.1} ms over {} requests (goal p99 ≤ 25 ms)",
        lat.len()
    );
    println!(
        "3. server RSS idle {:.1} MB, peak under load {:.1} MB (VmHWM {:.1} MB) (goals ≤ 20 / ≤ 100)",
        idle_kb as f64 / 1024.0,
        peak_kb as f64 / 1024.0,
        hwm_kb as f64 / 1024.0
    );
    let cpu: Vec<String> = cpu_after
        .iter()
        .map(|(name, t)| {
            let used = t - cpu_before.get(name).copied().unwrap_or(0.0);
            format!("{name} {:.0}%", 100.0 * used / elapsed)
        })
        .collect();
    println!(
        "   server CPU by thread during the load (100% = one core): {}",
        cpu.join(", ")
    );
    println!(
        "4. org cap {org_cap}: spent {spent} + held {held} = {} (overspend {}); verify ok: {}",
        spent + held,
        (spent + held - Decimal::from(org_cap)).max(Decimal::ZERO),
        verify["ok"]
    );
}
