//! Service tokens (`ledger token add|list|revoke`, for `genbudget serve`):
//! the secret is shown once and never stored or journaled (only its
//! SHA-256), adding and revoking are journal entries that `verify` covers,
//! and authentication finds only active tokens.

use genbudget::ledger::{Ledger, OpenOptions, Role, secret_hash};

use super::{Db, NOW, s};

#[test]
fn a_token_secret_is_shown_once_and_only_its_hash_is_kept() {
    let db = Db::init(&[]);
    db.ok(&["user", "add", "alice"]);
    let t = db.ok(&["token", "add", "web", "--role", "app"]);
    let secret = s(&t, "secret");
    assert!(secret.starts_with("gbt_") && secret.len() == 47, "{secret}");
    assert_eq!((s(&t, "role"), s(&t, "name")), ("app".into(), "web".into()));
    assert!(t["user"].is_null());
    // The list never shows a secret.
    let list = db.ok(&["token", "list"]);
    assert_eq!(list["schema"], "genbudget.tokens/1");
    assert_eq!(list["tokens"][0]["name"], "web");
    assert!(list["tokens"][0].get("secret").is_none(), "{list}");
    // Neither the journal nor the file holds the secret; the journal holds
    // its SHA-256.
    let export = db.run(&["export"]).stdout;
    assert!(!export.contains(&secret));
    assert!(export.contains(&secret_hash(&secret)), "{export}");
    let bytes = std::fs::read(&db.path).unwrap();
    assert!(!bytes.windows(secret.len()).any(|w| w == secret.as_bytes()));
    // A second token gets a different secret.
    let t2 = db.ok(&[
        "token",
        "add",
        "alice-view",
        "--role",
        "user",
        "--user",
        "alice",
    ]);
    assert_ne!(s(&t2, "secret"), secret);
    assert_eq!(s(&t2, "user"), "alice");
    db.verified();

    // Authentication: the right secret finds its token; a wrong or revoked
    // one finds nothing.
    let now = NOW.parse().unwrap();
    let mut l = Ledger::open(&db.path, &OpenOptions::default(), now).unwrap();
    let found = l.authenticate(&secret).unwrap().expect("the token");
    assert_eq!((found.name.as_str(), found.role), ("web", Role::App));
    let mut wrong = secret.clone();
    wrong.pop();
    wrong.push(if secret.ends_with('A') { 'B' } else { 'A' });
    assert!(l.authenticate(&wrong).unwrap().is_none());
    drop(l);
    let r = db.ok(&["token", "revoke", "web"]);
    assert!(!r["revoked_at"].is_null());
    let mut l = Ledger::open(&db.path, &OpenOptions::default(), now).unwrap();
    assert!(l.authenticate(&secret).unwrap().is_none());
    assert!(l.authenticate(&s(&t2, "secret")).unwrap().is_some());
    drop(l);
    // Revoking again changes nothing and says the same.
    let again = db.ok(&["token", "revoke", "web"]);
    assert_eq!(again["revoked_at"], r["revoked_at"]);
    let v = db.verified();
    // init, user_add, 2 token_add, 1 token_revoke.
    assert_eq!(v["entries"], 5);
}

#[test]
fn bad_token_requests_say_what_is_valid() {
    let db = Db::init(&[]);
    db.ok(&["user", "add", "alice"]);
    db.ok(&["token", "add", "web", "--role", "app"]);
    let before = db.bytes();
    for (args, says) in [
        (
            &["token", "add", "v", "--role", "user"][..],
            "a `user` token is bound to one user",
        ),
        (
            &["token", "add", "v", "--role", "app", "--user", "alice"],
            "not bound to a user",
        ),
        (
            &["token", "add", "v", "--role", "user", "--user", "bob"],
            "unknown user `bob`",
        ),
        (
            &["token", "add", "web", "--role", "admin"],
            "`web` already names a token",
        ),
        (
            &["token", "add", "a b", "--role", "admin"],
            "is not a token name",
        ),
        (&["token", "revoke", "nope"], "no token is called `nope`"),
    ] {
        let r = db.run(args);
        assert_eq!(r.code, 2, "{args:?}: {}", r.stdout);
        assert!(r.stderr.contains(says), "{args:?}: {}", r.stderr);
    }
    let r = db.run(&["token", "add", "v", "--role", "owner"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("admin, app, user"), "{}", r.stderr);
    assert!(db.bytes() == before, "a refused request wrote");
    // A revoked token's name is not reused.
    db.ok(&["token", "revoke", "web"]);
    let r = db.run(&["token", "add", "web", "--role", "app"]);
    assert!(
        r.stderr.contains("a revoked token (names are not reused)"),
        "{}",
        r.stderr
    );
}

#[test]
fn an_edited_token_row_is_reported_by_verify() {
    let db = Db::init(&[]);
    db.ok(&["token", "add", "web", "--role", "app"]);
    db.sqlite()
        .execute("UPDATE tokens SET role = 'admin'", [])
        .unwrap();
    let (r, v) = db.json(&["verify"]);
    assert_eq!(r.code, 1);
    assert!(
        v["problems"].to_string().contains("tokens.web differs"),
        "{v}"
    );
}
