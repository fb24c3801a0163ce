//! The service on PostgreSQL: two `genbudget serve` processes on one
//! PostgreSQL ledger (as two hosts would run them), their clients racing
//! on one user cap: exactly what fits is granted across both, and `verify`
//! passes. Skips (one line) without `GENBUDGET_TEST_POSTGRES`, unless
//! `GENBUDGET_TEST_STRICT=1`.

use super::{NOW, Server, Tokens};
use crate::ledger::{Backend, Db, backend, s};

#[test]
fn two_services_on_one_postgresql_ledger_grant_exactly_what_fits() {
    if !backend::available(Backend::Postgres) {
        return;
    }
    let db = Db::empty_on(Backend::Postgres);
    db.ok_at(NOW, &["init"]);
    db.ok_at(
        NOW,
        &["user", "add", "u0", "--cap", "100", "--period", "day"],
    );
    let t = Tokens {
        admin: s(
            &db.ok_at(NOW, &["token", "add", "ops", "--role", "admin"]),
            "secret",
        ),
        app: s(
            &db.ok_at(NOW, &["token", "add", "web", "--role", "app"]),
            "secret",
        ),
        alice: String::new(),
    };
    // A second handle on the same database (the first owns and drops it).
    let shadow = Db {
        dir: tempfile::tempdir().unwrap(),
        path: std::path::PathBuf::new(),
        location: db.location.clone(),
        pg: None,
    };
    let one = Server::start(db);
    let two = Server::start(shadow);
    // 64 clients, half on each service, 3 holds of 7 credits each against a
    // cap of 100: 100 / 7 = 14 holds fit (98 credits), whichever service
    // takes them.
    let granted = super::races::race_on(
        &[&one.base, &two.base],
        &t.app,
        64,
        3,
        "7",
        1,
        "\"user.cap\"",
    );
    assert_eq!(granted, [14]);
    let (_, v) = two.call("GET", "/v1/users/u0", Some(&t.app), None);
    let u = &v["users"][0];
    assert_eq!(
        (u["held"].as_str(), u["available"].as_str()),
        (Some("98"), Some("2"))
    );
    // A token revoked by the CLI on the shared database: both refuse it.
    one.db.ok_at(NOW, &["token", "revoke", "web"]);
    assert_eq!(one.call("GET", "/v1/status", Some(&t.app), None).0, 401);
    assert_eq!(two.call("GET", "/v1/status", Some(&t.app), None).0, 401);
    let (code, log, _) = two.terminate();
    assert!(code.success(), "{log}");
    let (code, log, db) = one.terminate();
    assert!(code.success(), "{log}");
    db.verified();
}
