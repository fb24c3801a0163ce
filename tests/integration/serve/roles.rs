//! The role matrix: each role (and no token, and a revoked one) against
//! each endpoint — allowed, 401, 403, or 404 for another user's data.

use serde_json::{Value, json};

use super::{NOW, Server, error, hold, ledger};
use crate::ledger::s;

#[test]
fn each_role_may_do_what_the_spec_says_and_nothing_else() {
    let (db, t) = ledger();
    // A revoked app token, and holds to read, settle and release.
    let old = s(
        &db.ok_at(NOW, &["token", "add", "old", "--role", "app"]),
        "secret",
    );
    db.ok_at(NOW, &["token", "revoke", "old"]);
    db.ok_at(
        NOW,
        &["reserve", "bob", "--key", "bob-hold", "--credits", "5"],
    );
    db.ok_at(
        NOW,
        &["reserve", "alice", "--key", "alice-hold", "--credits", "5"],
    );
    for r in ["admin", "app", "user"] {
        for verb in ["settle", "release"] {
            db.ok_at(
                NOW,
                &[
                    "reserve",
                    "alice",
                    "--key",
                    &format!("{verb}-{r}"),
                    "--credits",
                    "1",
                ],
            );
        }
    }
    let srv = Server::start(db);

    // (method, path with {r} for the role's own keys, body, admin, app, user)
    type Case = (&'static str, &'static str, Option<Value>, u16, u16, u16);
    let quote = json!({"request": {"model": "sora-2", "seconds": "4", "resolution": "720p"}});
    let cases: Vec<Case> = vec![
        ("GET", "/v1/status", None, 200, 200, 200),
        ("GET", "/v1/users/alice", None, 200, 200, 200),
        ("GET", "/v1/users/bob", None, 200, 200, 404),
        ("GET", "/v1/holds", None, 200, 200, 200),
        ("GET", "/v1/holds?user=alice&all=true", None, 200, 200, 200),
        ("GET", "/v1/holds?user=bob", None, 200, 200, 404),
        ("GET", "/v1/holds/alice-hold", None, 200, 200, 200),
        ("GET", "/v1/holds/bob-hold", None, 200, 200, 404),
        (
            "POST",
            "/v1/holds",
            Some(hold("alice", "h-{r}", "1")),
            201,
            201,
            403,
        ),
        (
            "POST",
            "/v1/charges",
            Some(hold("alice", "c-{r}", "1")),
            201,
            201,
            403,
        ),
        (
            "POST",
            "/v1/holds/settle-{r}/settle",
            Some(json!({})),
            200,
            200,
            403,
        ),
        ("POST", "/v1/holds/release-{r}/release", None, 200, 200, 403),
        ("POST", "/v1/quote", Some(quote), 200, 200, 403),
        ("GET", "/v1/report", None, 200, 200, 403),
        ("GET", "/metrics", None, 200, 200, 403),
        (
            "PUT",
            "/v1/users/dave-{r}",
            Some(json!({"cap": "10", "period": "week"})),
            200,
            403,
            403,
        ),
        (
            "PUT",
            "/v1/org",
            Some(json!({"max_holds": 50})),
            200,
            403,
            403,
        ),
        (
            "POST",
            "/v1/users/alice/grants",
            Some(json!({"key": "g-{r}", "credits": "5"})),
            201,
            403,
            403,
        ),
    ];
    let roles = [("admin", &t.admin), ("app", &t.app), ("user", &t.alice)];
    for (method, path, body, want_admin, want_app, want_user) in &cases {
        for ((role, token), want) in roles.iter().zip([want_admin, want_app, want_user]) {
            let path = path.replace("{r}", role);
            let body = body
                .as_ref()
                .map(|b| serde_json::from_str(&b.to_string().replace("{r}", role)).unwrap());
            let (st, v) = srv.call(method, &path, Some(token.as_str()), body);
            assert_eq!(st, *want, "{role} {method} {path}: {v}");
            match st {
                403 => assert_eq!(error(&v).0, "forbidden"),
                404 => assert!(
                    matches!(error(&v).0.as_str(), "unknown_user" | "unknown_key"),
                    "{v}"
                ),
                _ => {}
            }
        }
        // No token, a malformed header, a revoked token: 401 with a challenge.
        let path = path.replace("{r}", "none");
        for token in [None, Some(old.as_str()), Some("gbt_not-a-token")] {
            let (st, headers, text) = srv.call_raw(
                method,
                &path,
                token,
                body.as_ref().map(|b| ("application/json", b.to_string())),
            );
            assert_eq!(st, 401, "{token:?} {method} {path}: {text}");
            assert!(
                headers
                    .iter()
                    .any(|(k, v)| k == "www-authenticate" && v == "Bearer"),
                "{headers:?}"
            );
            let v: Value = serde_json::from_str(&text).unwrap();
            assert_eq!(error(&v).0, "unauthorized");
        }
    }
    // A user token's status holds only its own user.
    let (_, v) = srv.call("GET", "/v1/status", Some(&t.alice), None);
    let users: Vec<&str> = v["users"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["user"].as_str().unwrap())
        .collect();
    assert_eq!(users, ["alice"]);
    let (_, v) = srv.call("GET", "/v1/holds?all=true", Some(&t.alice), None);
    assert!(
        v["holds"]
            .as_array()
            .unwrap()
            .iter()
            .all(|h| h["user"] == "alice"),
        "{v}"
    );
    // Health and the document need no token.
    for p in ["/v1/health", "/openapi.json"] {
        assert_eq!(srv.call("GET", p, None, None).0, 200, "{p}");
    }
    let (code, log, db) = srv.terminate();
    assert!(code.success(), "{log}");
    db.verified();
}

#[test]
fn a_token_revoked_while_the_service_runs_stops_on_the_next_request() {
    let (db, t) = ledger();
    let srv = Server::start(db);
    assert_eq!(srv.call("GET", "/v1/status", Some(&t.app), None).0, 200);
    // Revoked by the CLI, in another process, on the same ledger.
    srv.db.ok_at(NOW, &["token", "revoke", "web"]);
    assert_eq!(srv.call("GET", "/v1/status", Some(&t.app), None).0, 401);
    // A token added meanwhile works at once.
    let fresh = s(
        &srv.db
            .ok_at(NOW, &["token", "add", "web2", "--role", "app"]),
        "secret",
    );
    assert_eq!(srv.call("GET", "/v1/status", Some(&fresh), None).0, 200);
}
