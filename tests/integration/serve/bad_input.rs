//! Bad input over HTTP: the status the spec gives and an error document,
//! never a 500, never a crash; nothing written.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use serde_json::{Value, json};

use super::{Server, error, hold, ledger};

#[test]
fn bad_requests_get_their_status_and_an_error_document() {
    let (db, t) = ledger();
    let srv = Server::start(db);
    let app = Some(t.app.as_str());
    let before = srv.db.run(&["export"]).stdout;
    let raw = |ct: &str, body: String| srv.call_raw("POST", "/v1/holds", app, Some((ct, body)));

    // Malformed JSON: 400.
    for text in ["{", "{\"user\": \"alice\",}", "nul", "\u{feff}{}", ""] {
        let (st, _, body) = raw("application/json", text.to_string());
        let v: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(
            (st, error(&v).0.as_str()),
            (400, "malformed_json"),
            "{text:?}: {body}"
        );
    }
    // Not JSON: 415.
    let (st, _, body) = raw("text/plain", hold("alice", "k", "1").to_string());
    assert_eq!(st, 415, "{body}");
    // Over 64 KiB: 413.
    let mut huge = hold("alice", "k", "1");
    huge["user"] = json!("a".repeat(70 * 1024));
    let (st, _, body) = raw("application/json", huge.to_string());
    assert_eq!(st, 413, "{body}");

    // Valid JSON, bad values: 422 naming the field, with the CLI's words.
    let cases: Vec<(Value, &str, &str)> = vec![
        (
            json!({"user": "alice", "key": "k", "credits": true}),
            "credits",
            "decimal amount",
        ),
        (
            json!({"user": 7, "key": "k", "credits": "1"}),
            "user",
            "string",
        ),
        (
            json!({"user": "alice", "key": "k", "credits": "-5"}),
            "credits",
            "",
        ),
        (
            json!({"user": "alice", "key": "k", "credits": "1e30"}),
            "credits",
            "not a decimal",
        ),
        (
            json!({"user": "alice", "key": "k", "credits": 1e30}),
            "credits",
            "as strings",
        ),
        (
            json!({"user": "alice", "key": "k", "credits": "0.1234567"}),
            "credits",
            "",
        ),
        (
            json!({"user": "alice", "key": "k", "credits": "1", "request": {"model": "sora-2"}}),
            "credits",
            "not both",
        ),
        (
            json!({"user": "alice", "key": "k"}),
            "credits",
            "give `credits`",
        ),
        (
            json!({"user": "alice", "key": "k", "credits": "1", "colour": "red"}),
            "colour",
            "unknown field",
        ),
        (
            json!({"user": "ålice", "key": "k", "credits": "1"}),
            "user",
            "A-Z a-z 0-9",
        ),
        (
            json!({"user": "alice", "key": "k".repeat(10_000), "credits": "1"}),
            "key",
            "1–128",
        ),
        (
            json!({"user": "alice", "key": "k", "credits": "1", "ttl": "forever"}),
            "ttl",
            "",
        ),
        (
            json!({"user": "alice", "key": "k", "request": {"model": "no-such-model", "seconds": 4}}),
            "model",
            "no-such-model",
        ),
        (
            json!({"user": "alice", "key": "k", "request": {"model": "sora-2", "seconds": "1e30", "resolution": "720p"}}),
            "request.seconds",
            "not a decimal",
        ),
        (
            json!({"user": "alice", "key": "k", "request": {"model": "sora-2", "seconds": 100000, "resolution": "720p"}}),
            "seconds",
            "at most 86400",
        ),
        (
            json!({"user": "alice", "key": "k", "request": {"model": "sora-2", "seconds": 4, "resolution": "9000p"}}),
            "",
            "9000p",
        ),
        (
            json!({"user": "alice", "key": "k", "request": {"model": "gpt-image-1", "images": 0}}),
            "images",
            "1 to 10000",
        ),
        (
            json!({"user": "alice", "key": "k", "request": {"model": "gpt-image-1", "images": -1}}),
            "request.images",
            "",
        ),
    ];
    for (body, field, words) in cases {
        let (st, _, text) = raw("application/json", body.to_string());
        let v: Value =
            serde_json::from_str(&text).unwrap_or_else(|_| panic!("{body}: not JSON: {text}"));
        assert_eq!(st, 422, "{body}: {text}");
        let (code, f) = error(&v);
        assert_eq!(code, "invalid_input", "{body}: {text}");
        if !field.is_empty() {
            assert_eq!(f, json!(field), "{body}: {text}");
        }
        let msg = v["errors"][0]["message"].as_str().unwrap();
        assert!(msg.contains(words), "{body}: `{msg}` lacks `{words}`");
        assert!(
            msg.len() < 1000,
            "the message echoes too much: {} bytes",
            msg.len()
        );
    }

    // A list where an object belongs: serde would read `[null, null]` as a
    // struct's fields in order; the service refuses it.
    let (st, v) = srv.call("PUT", "/v1/org", Some(&t.admin), Some(json!([null, null])));
    assert_eq!((st, error(&v).0.as_str()), (422, "invalid_input"), "{v}");
    let (st, v) = srv.call(
        "POST",
        "/v1/holds",
        app,
        Some(json!({"user": "alice", "key": "k", "request": ["sora-2", 8]})),
    );
    assert_eq!(
        (st, error(&v)),
        (422, ("invalid_input".into(), json!("request"))),
        "{v}"
    );

    // Bad queries and paths.
    let (st, v) = srv.call("GET", "/v1/report?by=planet", app, None);
    assert_eq!(
        (st, error(&v)),
        (422, ("invalid_input".into(), json!("by")))
    );
    let (st, v) = srv.call("GET", "/v1/holds?all=maybe", app, None);
    assert_eq!((st, error(&v).0.as_str()), (422, "invalid_input"), "{v}");
    let (st, v) = srv.call("GET", "/v1/report?from=2026-13-01", app, None);
    assert_eq!(
        (st, error(&v)),
        (422, ("invalid_input".into(), json!("from")))
    );
    let (st, v) = srv.call(
        "PUT",
        "/v1/users/%C3%A5lice",
        Some(&t.admin),
        Some(json!({"cap": "1", "period": "day"})),
    );
    assert_eq!(
        (st, error(&v)),
        (422, ("invalid_input".into(), json!("user")))
    );
    let (st, v) = srv.call(
        "PUT",
        "/v1/users/zed",
        Some(&t.admin),
        Some(json!({"cap": "1"})),
    );
    assert_eq!(
        (st, error(&v)),
        (422, ("invalid_input".into(), json!("period"))),
        "{v}"
    );
    let (st, v) = srv.call(
        "PUT",
        "/v1/org",
        Some(&t.admin),
        Some(json!({"period": "fortnight"})),
    );
    assert_eq!(
        (st, error(&v)),
        (422, ("invalid_input".into(), json!("period")))
    );
    let (st, v) = srv.call(
        "POST",
        "/v1/holds/k/settle",
        app,
        Some(json!({"credits": "1", "request": {"seconds": 1}})),
    );
    assert_eq!(st, 422, "{v}");

    // Garbage on the socket: hyper answers 400 and the server lives on.
    let addr = srv.base.trim_start_matches("http://").to_string();
    for junk in [
        &b"\x00\x01\x02 garbage\r\n\r\n"[..],
        b"GET / HTTP/9.9\r\n\r\n",
        b"POST /v1/holds HTTP/1.1\r\nContent-Length: -1\r\n\r\n",
    ] {
        let mut s = TcpStream::connect(&addr).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        s.write_all(junk).unwrap();
        let mut out = Vec::new();
        let _ = s.read_to_end(&mut out);
        let text = String::from_utf8_lossy(&out);
        assert!(text.is_empty() || text.starts_with("HTTP/1.1 4"), "{text}");
    }

    // Nothing was written by any of it, and the server still answers.
    assert_eq!(srv.call("GET", "/v1/health", None, None).0, 200);
    assert_eq!(srv.db.run(&["export"]).stdout, before);
    let (code, log, _) = srv.terminate();
    assert!(code.success(), "{log}");
    assert!(!log.contains(" 500 "), "a 500 was sent:\n{log}");
    assert!(!log.contains("panicked"), "{log}");
}
