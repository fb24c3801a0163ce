//! Every endpoint of the service and its success and error statuses,
//! through HTTP; the documents are the CLI's.

use serde_json::{Value, json};

use super::{NOW, Server, error, hold, ledger};
use crate::ledger::s;

#[test]
fn every_endpoint_answers_as_documented() {
    let (db, t) = ledger();
    let srv = Server::start(db);
    let (admin, app) = (Some(t.admin.as_str()), Some(t.app.as_str()));

    // Health and the OpenAPI document need no token.
    let (st, v) = srv.call("GET", "/v1/health", None, None);
    assert_eq!((st, v), (200, json!({"status": "ok"})));
    let (st, doc) = srv.call("GET", "/openapi.json", None, None);
    assert_eq!(st, 200);
    assert!(
        doc["openapi"].as_str().unwrap().starts_with("3.1"),
        "{}",
        doc["openapi"]
    );
    for p in [
        "/v1/health",
        "/openapi.json",
        "/metrics",
        "/v1/holds",
        "/v1/holds/{key}",
        "/v1/holds/{key}/settle",
        "/v1/holds/{key}/release",
        "/v1/charges",
        "/v1/quote",
        "/v1/status",
        "/v1/users/{user}",
        "/v1/users/{user}/grants",
        "/v1/org",
        "/v1/report",
    ] {
        assert!(
            doc["paths"].get(p).is_some(),
            "{p} is not in the OpenAPI document"
        );
    }

    // Admin: the org's limits (cap 1000 a month, 5 jobs at once).
    let (st, v) = srv.call(
        "PUT",
        "/v1/org",
        admin,
        Some(json!({"cap": "1000", "period": "month", "max_holds": 5})),
    );
    assert_eq!(st, 200, "{v}");
    assert_eq!(v["schema"], "genbudget.status/1");
    assert_eq!(
        (s(&v["org"], "cap"), v["org"]["max_holds"].clone()),
        ("1000".into(), json!(5))
    );
    // A new user by PUT (cap 100 a day); then changed (cap 200, same period).
    let (st, v) = srv.call(
        "PUT",
        "/v1/users/carol",
        admin,
        Some(json!({"cap": "100", "period": "day"})),
    );
    assert_eq!(st, 200, "{v}");
    assert_eq!(v["users"][0]["user"], "carol");
    assert_eq!(
        (s(&v["users"][0], "cap"), v["users"][0]["period"].clone()),
        ("100".into(), json!("day"))
    );
    let (st, v) = srv.call("PUT", "/v1/users/carol", admin, Some(json!({"cap": "200"})));
    assert_eq!(st, 200, "{v}");
    assert_eq!(
        (s(&v["users"][0], "cap"), v["users"][0]["period"].clone()),
        ("200".into(), json!("day"))
    );

    // A hold of 40 credits: 201; alice has 500 − 40 = 460 left.
    let (st, h) = srv.call("POST", "/v1/holds", app, Some(hold("alice", "job-1", "40")));
    assert_eq!(st, 201, "{h}");
    assert_eq!(h["schema"], "genbudget.hold/1");
    assert_eq!(
        (s(&h, "state"), s(&h, "credits"), s(&h, "available")),
        ("open".into(), "40".into(), "460".into())
    );
    assert_eq!(h["replayed"], false);
    // The same request again (a client that timed out): 200, replayed.
    let (st, again) = srv.call("POST", "/v1/holds", app, Some(hold("alice", "job-1", "40")));
    assert_eq!(
        (st, again["replayed"].clone()),
        (200, json!(true)),
        "{again}"
    );
    // The key with another amount: 409 naming the field.
    let (st, v) = srv.call("POST", "/v1/holds", app, Some(hold("alice", "job-1", "41")));
    assert_eq!(st, 409, "{v}");
    assert_eq!(error(&v), ("key_conflict".into(), json!("credits")));
    // Read it back, alone and in the list.
    let (st, v) = srv.call("GET", "/v1/holds/job-1", app, None);
    assert_eq!(
        (st, s(&v, "state"), s(&v, "available")),
        (200, "open".into(), "460".into())
    );
    let (st, v) = srv.call("GET", "/v1/holds", app, None);
    assert_eq!(st, 200);
    assert_eq!(v["schema"], "genbudget.holds/1");
    assert_eq!(v["holds"].as_array().unwrap().len(), 1);
    // Settle 25: 500 − 25 = 475.
    let (st, v) = srv.call(
        "POST",
        "/v1/holds/job-1/settle",
        app,
        Some(json!({"credits": "25"})),
    );
    assert_eq!(st, 200, "{v}");
    assert_eq!(
        (s(&v, "state"), s(&v, "settled"), s(&v, "available")),
        ("settled".into(), "25".into(), "475".into())
    );
    // Releasing a settled hold is a conflict.
    let (st, v) = srv.call("POST", "/v1/holds/job-1/release", app, None);
    assert_eq!(st, 409, "{v}");
    assert_eq!(error(&v).0, "conflict");

    // A priced hold: sora-2, 8 s at 720p = 8 × 0.10 USD = 0.80 USD = 80
    // credits; settled with the actual 4 s (resolution from the hold):
    // 40 credits. alice: 500 − 25 − 40 = 435.
    let clip = json!({"user": "alice", "key": "clip-1",
        "request": {"model": "sora-2", "seconds": "8", "resolution": "720p"}, "ttl": "10m"});
    let (st, h) = srv.call("POST", "/v1/holds", app, Some(clip));
    assert_eq!((st, s(&h, "credits")), (201, "80".into()), "{h}");
    // The TTL of 10 minutes: NOW + 600 s.
    assert_eq!(s(&h, "expires_at"), "2026-06-01T12:10:00Z");
    let (st, v) = srv.call(
        "POST",
        "/v1/holds/clip-1/settle",
        app,
        Some(json!({"request": {"seconds": 4}})),
    );
    assert_eq!(st, 200, "{v}");
    assert_eq!(
        (s(&v, "settled"), s(&v, "available")),
        ("40".into(), "435".into())
    );

    // Quote writes nothing: the same 80 credits, 0.8 USD.
    let (st, q) = srv.call(
        "POST",
        "/v1/quote",
        app,
        Some(json!({"request": {"model": "sora-2", "seconds": 8, "resolution": "720p"}})),
    );
    assert_eq!(st, 200, "{q}");
    assert_eq!(q["schema"], "genbudget.quote/1");
    assert_eq!(
        (s(&q, "credits"), s(&q, "currency"), s(&q, "table")),
        ("80".into(), "USD".into(), "openai@2026-05-20".into())
    );
    assert_eq!(
        s(&q, "cost").parse::<rust_decimal::Decimal>().unwrap(),
        rust_decimal::Decimal::new(8, 1)
    );

    // A charge of 10: settled at once; 435 − 10 = 425.
    let (st, c) = srv.call(
        "POST",
        "/v1/charges",
        app,
        Some(hold("alice", "img-1", "10")),
    );
    assert_eq!(st, 201, "{c}");
    assert_eq!(
        (s(&c, "state"), s(&c, "settled"), s(&c, "available")),
        ("settled".into(), "10".into(), "425".into())
    );

    // Past the cap: 402 with the denial document (which limit, the numbers).
    let (st, d) = srv.call("POST", "/v1/holds", app, Some(hold("alice", "big", "426")));
    assert_eq!(st, 402, "{d}");
    assert_eq!(d["schema"], "genbudget.denial/1");
    assert_eq!(
        (s(&d, "limit"), s(&d, "asked"), s(&d, "available")),
        ("user.cap".into(), "426".into(), "425".into())
    );
    // An unknown user or key: 404.
    let (st, v) = srv.call("POST", "/v1/holds", app, Some(hold("nobody", "k", "1")));
    assert_eq!(
        (st, error(&v)),
        (404, ("unknown_user".into(), json!("user")))
    );
    let (st, v) = srv.call("POST", "/v1/holds/none/settle", app, Some(json!({})));
    assert_eq!((st, error(&v)), (404, ("unknown_key".into(), json!("key"))));

    // A grant of 100: 201, then 200 replayed; alice can now take 426.
    let g =
        json!({"key": "bonus-1", "credits": "100", "expires": "2026-06-30", "note": "launch week"});
    let (st, v) = srv.call("POST", "/v1/users/alice/grants", admin, Some(g.clone()));
    assert_eq!(st, 201, "{v}");
    assert_eq!(
        (v["schema"].clone(), s(&v, "credits")),
        (json!("genbudget.grant/1"), "100".into())
    );
    let (st, v) = srv.call("POST", "/v1/users/alice/grants", admin, Some(g));
    assert_eq!((st, v["replayed"].clone()), (200, json!(true)));
    let (st, v) = srv.call("POST", "/v1/holds", app, Some(hold("alice", "big", "426")));
    assert_eq!(st, 201, "{v}");
    // Release it: all 426 come back.
    let (st, v) = srv.call(
        "POST",
        "/v1/holds/big/release",
        app,
        Some(json!({"reason": "job failed"})),
    );
    assert_eq!((st, s(&v, "state")), (200, "released".into()), "{v}");

    // Status, one user, report.
    let (st, all) = srv.call("GET", "/v1/status", app, None);
    assert_eq!(st, 200);
    let users: Vec<&str> = all["users"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["user"].as_str().unwrap())
        .collect();
    assert_eq!(users, ["alice", "bob", "carol"]);
    // alice spent 25 + 40 + 10 = 75.
    let (st, one) = srv.call("GET", "/v1/users/alice", app, None);
    assert_eq!(st, 200);
    assert_eq!(
        (
            one["users"].as_array().unwrap().len(),
            s(&one["users"][0], "spent")
        ),
        (1, "75".into())
    );
    let (st, r) = srv.call("GET", "/v1/report?by=user", app, None);
    assert_eq!(st, 200, "{r}");
    assert_eq!(r["schema"], "genbudget.report/1");
    assert_eq!(
        (s(&r["total"], "credits"), r["total"]["jobs"].clone()),
        ("75".into(), json!(3))
    );
    let (st, r) = srv.call(
        "GET",
        "/v1/report?by=model&user=alice&from=2026-06-01&to=2026-06-30",
        app,
        None,
    );
    assert_eq!(st, 200, "{r}");
    assert_eq!(r["by"], "model");

    // Metrics: requests by route and status, holds by outcome and limit,
    // batch sizes.
    let (st, _, text) = srv.call_raw("GET", "/metrics", app, None);
    assert_eq!(st, 200);
    assert!(
        text.contains(r#"genbudget_http_requests_total{route="/v1/holds",status="201"}"#),
        "{text}"
    );
    assert!(
        text.contains(r#"genbudget_holds_total{outcome="denied",limit="user.cap"} 1"#),
        "{text}"
    );
    assert!(text.contains("genbudget_write_batch_size_count"), "{text}");
    assert!(
        text.contains("genbudget_http_request_duration_seconds_bucket"),
        "{text}"
    );

    // No such route: 404; a route with another method: 405; both documents.
    let (st, v) = srv.call("GET", "/v2/nothing", app, None);
    assert_eq!((st, error(&v).0), (404, "not_found".into()));
    let (st, v) = srv.call("DELETE", "/v1/holds", app, None);
    assert_eq!((st, error(&v).0), (405, "method_not_allowed".into()));

    // One log line per request, naming the token, never the secret.
    let (code, log, db) = srv.terminate();
    assert!(code.success(), "{code:?}\n{log}");
    assert!(log.contains("POST /v1/holds 201 "), "{log}");
    assert!(log.contains("token=web"), "{log}");
    assert!(
        !log.contains(&t.app) && !log.contains(&t.admin),
        "a secret is in the log"
    );
    db.verified();
}

#[test]
fn the_service_documents_equal_the_clis() {
    let (db, t) = ledger();
    db.ok_at(NOW, &["reserve", "alice", "--key", "a", "--credits", "30"]);
    db.ok_at(NOW, &["charge", "bob", "--key", "b", "--credits", "12.5"]);
    let cli = |args: &[&str]| db.ok_at(NOW, args);
    let (status, holds, report) = (
        cli(&["status"]),
        cli(&["holds", "--all"]),
        cli(&["report", "--by", "day"]),
    );
    let one = cli(&["status", "alice"]);
    let srv = Server::start(db);
    let app = Some(t.app.as_str());
    let get = |p: &str| {
        let (st, v) = srv.call("GET", p, app, None);
        assert_eq!(st, 200, "{p}: {v}");
        v
    };
    // The clock is frozen at NOW in both, so even `as_of` agrees.
    assert_eq!(get("/v1/status"), status);
    assert_eq!(get("/v1/users/alice"), one);
    assert_eq!(get("/v1/holds?all=true"), holds);
    assert_eq!(get("/v1/report?by=day"), report);
    let cli_hold = srv.db.ok_at(NOW, &["holds", "--user", "alice"]);
    assert_eq!(get("/v1/holds?user=alice"), cli_hold);
}

#[test]
fn holds_expire_in_the_background() {
    // The real clock: a hold with a 1 s TTL is expired by the server's own
    // sweep, with no request touching it.
    let (db, t) = ledger();
    let srv = Server::start_with(db, None, &[], &[]);
    let app = Some(t.app.as_str());
    let mut h = hold("alice", "short", "40");
    h["ttl"] = json!("1s");
    let (st, v) = srv.call("POST", "/v1/holds", app, Some(h));
    assert_eq!(st, 201, "{v}");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    let db = loop {
        std::thread::sleep(std::time::Duration::from_millis(500));
        // Read the journal behind the server's back: an `expire` entry.
        let export = srv.db.run(&["export"]).stdout;
        if export.contains("\"kind\":\"expire\"") {
            break srv.kill9();
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no expiry after 10 s: {export}"
        );
    };
    let v: Value = db.ok(&["holds", "--all"]);
    assert_eq!(v["holds"][0]["state"], "expired");
}

#[test]
fn a_busy_store_is_a_503_with_retry_after_and_the_same_request_then_succeeds() {
    let (db, t) = ledger();
    // The service waits 200 ms for another writer's lock, then gives up.
    let srv = Server::start_with(db, Some(NOW), &[], &[("GENBUDGET_BUSY_TIMEOUT_MS", "200")]);
    // Another process (here: this test, through SQLite itself) holds the
    // write lock.
    let lock = srv.db.sqlite();
    lock.execute_batch("BEGIN IMMEDIATE").unwrap();
    let (st, headers, text) = srv.call_raw(
        "POST",
        "/v1/holds",
        Some(&t.app),
        Some(("application/json", hold("alice", "job-1", "40").to_string())),
    );
    assert_eq!(st, 503, "{text}");
    assert!(
        headers.iter().any(|(k, v)| k == "retry-after" && v == "1"),
        "{headers:?}"
    );
    let v: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(error(&v).0, "busy");
    assert!(
        v["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("nothing was written"),
        "{v}"
    );
    // Reads still answer (WAL: a reader never waits for a writer).
    assert_eq!(srv.call("GET", "/v1/status", Some(&t.app), None).0, 200);
    lock.execute_batch("ROLLBACK").unwrap();
    // The client retries with the same key: granted once.
    let (st, v) = srv.call(
        "POST",
        "/v1/holds",
        Some(&t.app),
        Some(hold("alice", "job-1", "40")),
    );
    assert_eq!((st, s(&v, "available")), (201, "460".into()), "{v}");
}

#[test]
fn the_json_log_is_one_object_a_line_with_the_token_name_and_never_the_secret() {
    let (db, t) = ledger();
    let srv = Server::start_with(db, Some(NOW), &["--log-format", "json"], &[]);
    assert_eq!(
        srv.call(
            "POST",
            "/v1/holds",
            Some(&t.app),
            Some(hold("alice", "j", "5"))
        )
        .0,
        201
    );
    assert_eq!(srv.call("GET", "/v1/status", None, None).0, 401);
    let (code, log, _) = srv.terminate();
    assert!(code.success(), "{log}");
    let lines: Vec<Value> = log
        .lines()
        .filter(|l| l.starts_with('{'))
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    assert_eq!(lines.len(), 2, "{log}");
    assert_eq!(
        (lines[0]["method"].as_str(), lines[0]["path"].as_str()),
        (Some("POST"), Some("/v1/holds"))
    );
    assert_eq!(
        (lines[0]["status"].as_u64(), lines[0]["token"].as_str()),
        (Some(201), Some("web"))
    );
    assert!(lines[0]["ms"].as_f64().is_some_and(|ms| ms >= 0.0));
    assert_eq!(
        (lines[1]["status"].as_u64(), lines[1]["token"].clone()),
        (Some(401), Value::Null)
    );
    assert!(!log.contains(&t.app));
}
