//! `kill -9` and SIGTERM under load: every acknowledged hold, settle and
//! charge is in the ledger afterwards, and `verify` passes.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{Value, json};

use super::{Server, hold, ledger};
use crate::ledger::Db;

/// What the clients were told: key → `open` or `settled`.
type Acked = Arc<Mutex<BTreeMap<String, &'static str>>>;

/// One request; `None` when the connection failed (the server is gone).
fn try_call(a: &ureq::Agent, url: &str, token: &str, body: Value) -> Option<u16> {
    a.post(url)
        .header("Authorization", &format!("Bearer {token}"))
        .send_json(body)
        .ok()
        .map(|r| r.status().as_u16())
}

/// Starts `n` clients that reserve, settle and charge for bob (no cap)
/// until the server stops answering; returns their handles.
fn load(
    srv: &Server,
    token: &str,
    round: usize,
    n: usize,
    acked: &Acked,
    stop: &Arc<AtomicBool>,
) -> Vec<std::thread::JoinHandle<()>> {
    (0..n)
        .map(|c| {
            let (base, token, acked, stop) = (
                srv.base.clone(),
                token.to_string(),
                acked.clone(),
                stop.clone(),
            );
            std::thread::spawn(move || {
                let a = super::agent();
                for j in 0.. {
                    if stop.load(Ordering::Relaxed) {
                        return;
                    }
                    let key = format!("r{round}-c{c}-{j}");
                    let url = |p: &str| format!("{base}{p}");
                    match try_call(&a, &url("/v1/holds"), &token, hold("bob", &key, "2")) {
                        Some(201) => acked.lock().unwrap().insert(key.clone(), "open"),
                        Some(st) => panic!("hold {key}: {st}"),
                        None => return,
                    };
                    match try_call(
                        &a,
                        &url(&format!("/v1/holds/{key}/settle")),
                        &token,
                        json!({"credits": "1"}),
                    ) {
                        Some(200) => acked.lock().unwrap().insert(key.clone(), "settled"),
                        Some(st) => panic!("settle {key}: {st}"),
                        None => return,
                    };
                    let charge = format!("{key}-charge");
                    match try_call(&a, &url("/v1/charges"), &token, hold("bob", &charge, "1")) {
                        Some(201) => acked.lock().unwrap().insert(charge, "settled"),
                        Some(st) => panic!("charge {charge}: {st}"),
                        None => return,
                    };
                }
            })
        })
        .collect()
}

/// Asserts every acknowledged key is in the ledger in the state the client
/// was told (or further along).
fn all_there(db: &Db, acked: &Acked) -> usize {
    let v = db.ok(&["holds", "--all"]);
    let states: BTreeMap<String, String> = v["holds"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| {
            (
                h["key"].as_str().unwrap().to_string(),
                h["state"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let acked = acked.lock().unwrap();
    for (key, state) in acked.iter() {
        let now = states
            .get(key)
            .unwrap_or_else(|| panic!("acknowledged {key} is lost"));
        assert!(
            now == state || *state == "open",
            "{key}: acknowledged {state}, ledger has {now}"
        );
    }
    acked.len()
}

#[test]
fn kill_9_under_load_twenty_times_loses_nothing_acknowledged() {
    let (mut db, t) = ledger();
    let acked: Acked = Arc::default();
    let mut total = 0;
    for round in 0..20 {
        let srv = Server::start(db);
        let stop = Arc::new(AtomicBool::new(false));
        let clients = load(&srv, &t.app, round, 8, &acked, &stop);
        // Let the load run, then kill the server mid-flight.
        std::thread::sleep(Duration::from_millis(150 + 20 * round as u64));
        db = srv.kill9();
        stop.store(true, Ordering::Relaxed);
        for c in clients {
            c.join().expect("a client panicked");
        }
        total = all_there(&db, &acked);
    }
    assert!(
        total > 100,
        "too little load to mean anything: {total} acknowledged"
    );
    db.verified();
}

#[test]
fn sigterm_under_load_exits_0_and_keeps_everything_acknowledged() {
    let (db, t) = ledger();
    let acked: Acked = Arc::default();
    let srv = Server::start(db);
    let stop = Arc::new(AtomicBool::new(false));
    let clients = load(&srv, &t.app, 0, 8, &acked, &stop);
    std::thread::sleep(Duration::from_millis(400));
    let (code, log, db) = srv.terminate();
    stop.store(true, Ordering::Relaxed);
    for c in clients {
        c.join().expect("a client panicked");
    }
    assert_eq!(code.code(), Some(0), "{log}");
    assert!(log.contains("genbudget serve: stopped"), "{log}");
    assert!(all_there(&db, &acked) > 10);
    db.verified();
}
