//! Many real clients at once against one user cap and the org cap: never a
//! credit past a cap, and `verify` passes.

use std::sync::{Arc, Mutex};

use super::{NOW, Server, agent, call, hold, ledger};

#[test]
fn sixty_four_clients_never_overspend_a_user_cap_or_the_org_cap() {
    let (db, t) = ledger();
    // Eight users with 100 credits a month each; the org 600 a month.
    for u in 0..8 {
        db.ok_at(
            NOW,
            &[
                "user",
                "add",
                &format!("u{u}"),
                "--cap",
                "100",
                "--period",
                "month",
            ],
        );
    }
    db.ok_at(NOW, &["org", "set", "--cap", "600", "--period", "month"]);
    let srv = Server::start(db);
    let base = srv.base.clone();
    let granted = Arc::new(Mutex::new(vec![0u32; 8]));
    let others = Arc::new(Mutex::new(Vec::new()));
    // 64 clients, 8 per user, 10 holds of 10 credits each: 800 credits asked
    // of each user's 100, 6,400 of the org's 600. At most 10 holds fit a
    // user and 60 the org; with 80 asked per user, every user could reach
    // 10, so the org's 60 is exactly what is granted.
    let clients: Vec<_> = (0..64)
        .map(|c| {
            let (base, token, granted, others) =
                (base.clone(), t.app.clone(), granted.clone(), others.clone());
            std::thread::spawn(move || {
                let a = agent();
                let user = format!("u{}", c % 8);
                for j in 0..10 {
                    let body = hold(&user, &format!("c{c}-{j}"), "10").to_string();
                    let (st, _, text) = call(
                        &a,
                        &base,
                        "POST",
                        "/v1/holds",
                        Some(&token),
                        Some(("application/json", body)),
                    );
                    match st {
                        201 => granted.lock().unwrap()[c % 8] += 1,
                        402 => assert!(text.contains("genbudget.denial/1"), "{text}"),
                        _ => others.lock().unwrap().push(format!("{st} {text}")),
                    }
                }
            })
        })
        .collect();
    for c in clients {
        c.join().expect("a client panicked");
    }
    let others = others.lock().unwrap();
    assert!(others.is_empty(), "unexpected answers: {others:?}");
    let granted = granted.lock().unwrap().clone();
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
    // The batches really were batches: some commit carried several writes.
    db.verified();
}

#[test]
fn sixty_four_clients_on_one_user_cap_get_exactly_what_fits() {
    let (db, t) = ledger();
    db.ok_at(
        NOW,
        &["user", "add", "solo", "--cap", "100", "--period", "day"],
    );
    let srv = Server::start(db);
    let granted = Arc::new(Mutex::new(0u32));
    // 64 clients × 3 holds of 7 credits against a cap of 100: 100 / 7 =
    // 14 holds fit (98 credits); the 15th would make 105.
    let clients: Vec<_> = (0..64)
        .map(|c| {
            let (base, token, granted) = (srv.base.clone(), t.app.clone(), granted.clone());
            std::thread::spawn(move || {
                let a = agent();
                for j in 0..3 {
                    let body = hold("solo", &format!("s{c}-{j}"), "7").to_string();
                    let (st, _, text) = call(
                        &a,
                        &base,
                        "POST",
                        "/v1/holds",
                        Some(&token),
                        Some(("application/json", body)),
                    );
                    match st {
                        201 => *granted.lock().unwrap() += 1,
                        402 => assert!(text.contains("\"user.cap\""), "{text}"),
                        _ => panic!("{st} {text}"),
                    }
                }
            })
        })
        .collect();
    for c in clients {
        c.join().expect("a client panicked");
    }
    assert_eq!(*granted.lock().unwrap(), 14);
    let (_, v) = srv.call("GET", "/v1/users/solo", Some(&t.app), None);
    assert_eq!(
        (
            v["users"][0]["held"].as_str(),
            v["users"][0]["available"].as_str()
        ),
        (Some("98"), Some("2"))
    );
    let (code, log, db) = srv.terminate();
    assert!(code.success(), "{log}");
    db.verified();
}
