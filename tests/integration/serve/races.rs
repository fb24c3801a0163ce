//! Many real clients at once against one user cap and the org cap: never a
//! credit past a cap, and `verify` passes.

use std::sync::{Arc, Mutex};

use super::{NOW, Server, agent, call, hold, ledger};

/// `clients` threads, each asking `holds` holds of `credits` for the user
/// `u{client % users}`; returns how many were granted per user index, and
/// asserts every other answer was a denial naming `limit`.
fn race(
    srv: &Server,
    token: &str,
    clients: usize,
    holds: usize,
    credits: &'static str,
    users: usize,
    limit: &'static str,
) -> Vec<u32> {
    race_on(&[&srv.base], token, clients, holds, credits, users, limit)
}

/// [`race`] with the clients spread over several services (`bases`).
pub fn race_on(
    bases: &[&str],
    token: &str,
    clients: usize,
    holds: usize,
    credits: &'static str,
    users: usize,
    limit: &'static str,
) -> Vec<u32> {
    let granted = Arc::new(Mutex::new(vec![0u32; users]));
    let threads: Vec<_> = (0..clients)
        .map(|c| {
            let base = bases[c % bases.len()].to_string();
            let (token, granted) = (token.to_string(), granted.clone());
            std::thread::spawn(move || {
                let a = agent();
                let u = c % users;
                for j in 0..holds {
                    let body = hold(&format!("u{u}"), &format!("c{c}-{j}"), credits).to_string();
                    let (st, _, text) = call(
                        &a,
                        &base,
                        "POST",
                        "/v1/holds",
                        Some(&token),
                        Some(("application/json", body)),
                    );
                    match st {
                        201 => granted.lock().unwrap()[u] += 1,
                        402 => assert!(text.contains(limit), "{text}"),
                        _ => panic!("unexpected answer: {st} {text}"),
                    }
                }
            })
        })
        .collect();
    for t in threads {
        t.join().expect("a client panicked");
    }
    granted.lock().unwrap().to_vec()
}

#[test]
fn sixty_four_clients_never_overspend_a_user_cap_or_the_org_cap() {
    let (db, t) = ledger();
    // Eight users with 100 credits a month each; the org 600 a month.
    for u in 0..8 {
        let user = format!("u{u}");
        db.ok_at(
            NOW,
            &["user", "add", &user, "--cap", "100", "--period", "month"],
        );
    }
    db.ok_at(NOW, &["org", "set", "--cap", "600", "--period", "month"]);
    let srv = Server::start(db);
    // 64 clients, 8 per user, 10 holds of 10 credits each: 800 credits asked
    // of each user's 100, 6,400 of the org's 600. At most 10 holds fit a
    // user and 60 the org; with 80 asked per user, every user could reach
    // 10, so the org's 60 is exactly what is granted.
    let granted = race(&srv, &t.app, 64, 10, "10", 8, "genbudget.denial/1");
    assert!(
        granted.iter().all(|n| *n <= 10),
        "a user cap was passed: {granted:?}"
    );
    assert_eq!(granted.iter().sum::<u32>(), 60, "{granted:?}");
    // The ledger agrees: 60 × 10 = 600 held by the org, no user over 100.
    let (_, v) = srv.call("GET", "/v1/status", Some(&t.app), None);
    assert_eq!(v["org"]["held"], "600");
    let (code, log, db) = srv.terminate();
    assert!(code.success(), "{log}");
    db.verified();
}

#[test]
fn sixty_four_clients_on_one_user_cap_get_exactly_what_fits() {
    let (db, t) = ledger();
    db.ok_at(
        NOW,
        &["user", "add", "u0", "--cap", "100", "--period", "day"],
    );
    let srv = Server::start(db);
    // 64 clients × 3 holds of 7 credits against a cap of 100: 100 / 7 =
    // 14 holds fit (98 credits); the 15th would make 105.
    let granted = race(&srv, &t.app, 64, 3, "7", 1, "\"user.cap\"");
    assert_eq!(granted, [14]);
    let (_, v) = srv.call("GET", "/v1/users/u0", Some(&t.app), None);
    let u = &v["users"][0];
    assert_eq!(
        (u["held"].as_str(), u["available"].as_str()),
        (Some("98"), Some("2"))
    );
    let (code, log, db) = srv.terminate();
    assert!(code.success(), "{log}");
    db.verified();
}
