//! Integration tests: `genbudget serve`, the real server on loopback with
//! real HTTP clients (ureq, raw TCP, Python's urllib, schemathesis), on real
//! SQLite ledgers. Topics live in `serve/`.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::common;
use crate::ledger::{Db, s};

#[path = "serve/bad_input.rs"]
mod bad_input;
#[path = "serve/browser.rs"]
mod browser;
#[path = "serve/crash.rs"]
mod crash;
#[path = "serve/dashboard.rs"]
mod dashboard;
#[path = "serve/endpoints.rs"]
mod endpoints;
#[path = "serve/external.rs"]
mod external;
#[path = "serve/postgres.rs"]
mod postgres;
#[path = "serve/races.rs"]
pub mod races;
#[path = "serve/roles.rs"]
mod roles;

/// The service's frozen clock in these tests: the shipped tables price
/// sora-2 at 0.10 USD a second at 720p on this date (openai@2026-05-20).
pub const NOW: &str = "2026-06-01T12:00:00Z";

/// A running `genbudget serve` and its ledger.
pub struct Server {
    pub child: Child,
    pub base: String,
    pub db: Db,
    log: Arc<Mutex<String>>,
}

/// Tokens of each role (alice's for `user`).
pub struct Tokens {
    pub admin: String,
    pub app: String,
    pub alice: String,
}

/// A ledger at [`NOW`] with alice (cap 500 a month), bob (no cap) and a
/// token of each role.
pub fn ledger() -> (Db, Tokens) {
    let db = Db::empty();
    db.ok_at(NOW, &["init"]);
    db.ok_at(
        NOW,
        &["user", "add", "alice", "--cap", "500", "--period", "month"],
    );
    db.ok_at(NOW, &["user", "add", "bob"]);
    let token = |args: &[&str]| {
        let mut all = vec!["token", "add"];
        all.extend_from_slice(args);
        s(&db.ok_at(NOW, &all), "secret")
    };
    let tokens = Tokens {
        admin: token(&["ops", "--role", "admin"]),
        app: token(&["web", "--role", "app"]),
        alice: token(&["alice-view", "--role", "user", "--user", "alice"]),
    };
    (db, tokens)
}

impl Server {
    /// Starts `genbudget serve` on a free loopback port with the clock
    /// frozen at [`NOW`].
    pub fn start(db: Db) -> Server {
        Server::start_with(db, Some(NOW), &[], &[])
    }

    /// Starts it with the clock frozen at `now` (`None`: the real clock),
    /// extra arguments and environment.
    pub fn start_with(db: Db, now: Option<&str>, args: &[&str], env: &[(&str, &str)]) -> Server {
        let mut c = common::cmd(&["--db", &db.location, "serve", "--listen", "127.0.0.1:0"]);
        c.args(args)
            .envs(env.iter().copied())
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        match now {
            Some(t) => c.env("GENBUDGET_NOW", t),
            None => c.env_remove("GENBUDGET_NOW"),
        };
        let mut child = c.spawn().expect("genbudget serve starts");
        let stderr = child.stderr.take().unwrap();
        let log = Arc::new(Mutex::new(String::new()));
        let (tx, rx) = std::sync::mpsc::channel();
        {
            let log = log.clone();
            std::thread::spawn(move || {
                let mut tx = Some(tx);
                for line in BufReader::new(stderr).lines() {
                    let Ok(line) = line else { break };
                    if let Some(rest) = line.split("listening on http://").nth(1) {
                        if let Some(tx) = tx.take() {
                            let addr = rest.split_whitespace().next().unwrap_or("").to_string();
                            let _ = tx.send(addr);
                        }
                    }
                    let mut l = log.lock().unwrap();
                    l.push_str(&line);
                    l.push('\n');
                }
            });
        }
        let addr = match rx.recv_timeout(Duration::from_secs(20)) {
            Ok(a) => a,
            Err(_) => {
                let _ = child.kill();
                panic!("the server did not start: {}", log.lock().unwrap());
            }
        };
        Server {
            child,
            base: format!("http://{addr}"),
            db,
            log,
        }
    }

    /// The request log so far.
    pub fn log(&self) -> String {
        self.log.lock().unwrap().clone()
    }

    /// `METHOD PATH` with `token` and a JSON `body`; the status and the
    /// parsed body (`Null` when it is not JSON).
    pub fn call(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> (u16, Value) {
        let (status, _, text) = self.call_raw(
            method,
            path,
            token,
            body.map(|b| ("application/json", b.to_string())),
        );
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    /// The same, with the body's content type and text given, returning the
    /// headers and raw text too.
    pub fn call_raw(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<(&str, String)>,
    ) -> (u16, Vec<(String, String)>, String) {
        call(&agent(), &self.base, method, path, token, body)
    }

    /// Sends SIGTERM and waits for the exit (at most 60 s).
    pub fn terminate(mut self) -> (ExitStatus, String, Db) {
        signal(&self.child, "TERM");
        let status = wait(&mut self.child, Duration::from_secs(60));
        // Let the log reader take the last lines.
        std::thread::sleep(Duration::from_millis(100));
        let log = self.log();
        let db = std::mem::replace(&mut self.db, Db::empty());
        (status, log, db)
    }

    /// `kill -9`, then the ledger.
    pub fn kill9(mut self) -> Db {
        signal(&self.child, "KILL");
        wait(&mut self.child, Duration::from_secs(30));
        std::mem::replace(&mut self.db, Db::empty())
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn signal(child: &Child, sig: &str) {
    let ok = Command::new("kill")
        .args([format!("-{sig}"), child.id().to_string()])
        .status()
        .expect("kill runs")
        .success();
    assert!(ok, "kill -{sig} failed");
}

fn wait(child: &mut Child, limit: Duration) -> ExitStatus {
    let start = Instant::now();
    loop {
        if let Some(st) = child.try_wait().expect("wait") {
            return st;
        }
        assert!(
            start.elapsed() < limit,
            "the server did not exit within {limit:?}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// An HTTP client that returns every status as a response.
pub fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(60)))
        .build()
        .into()
}

/// One request with `agent`.
pub fn call(
    agent: &ureq::Agent,
    base: &str,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Option<(&str, String)>,
) -> (u16, Vec<(String, String)>, String) {
    let url = format!("{base}{path}");
    let mut req = ureq::http::Request::builder().method(method).uri(&url);
    if let Some(t) = token {
        req = req.header("Authorization", format!("Bearer {t}"));
    }
    let req = match &body {
        Some((ct, _)) => req.header("Content-Type", *ct),
        None => req,
    };
    let req = req
        .body(body.map(|(_, b)| b).unwrap_or_default())
        .expect("a request");
    let mut resp = agent
        .run(req)
        .unwrap_or_else(|e| panic!("{method} {path}: {e}"));
    let status = resp.status().as_u16();
    let headers = resp
        .headers()
        .iter()
        .map(|(k, v)| (k.as_str().to_string(), v.to_str().unwrap_or("").to_string()))
        .collect();
    let text = resp
        .body_mut()
        .with_config()
        .limit(64 * 1024 * 1024)
        .read_to_string()
        .unwrap_or_default();
    (status, headers, text)
}

/// A hold body of `credits` for `user` under `key`.
pub fn hold(user: &str, key: &str, credits: &str) -> Value {
    json!({"user": user, "key": key, "credits": credits})
}

/// The first error's code and field of an error document.
pub fn error(v: &Value) -> (String, Value) {
    assert_eq!(v["schema"], "genbudget.error/1", "{v}");
    (
        v["errors"][0]["code"].as_str().unwrap_or("").to_string(),
        v["errors"][0]["field"].clone(),
    )
}

/// Whether a test that needs an outside tool may skip: prints one line and
/// returns true, unless `GENBUDGET_TEST_STRICT=1` makes it a failure.
pub fn skip(what: &str, how: &str) -> bool {
    let strict = std::env::var("GENBUDGET_TEST_STRICT").is_ok_and(|v| v == "1");
    assert!(
        !strict,
        "{what} is missing, and GENBUDGET_TEST_STRICT=1: {how}"
    );
    println!("skipped: needs {what}; {how}");
    true
}
