//! Bad profiles: each is exit 2 with one clear `error:` line naming the
//! file, line and column where known, and the field — never a panic.

use std::fs;

use crate::common::run;

/// Runs `compare` on a profile with this text (fixture book only).
fn bad(text: &str, extra: &[&str]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("profile.toml");
    fs::write(&path, text).unwrap();
    let path = path.display().to_string();
    let mut args = vec![
        "--no-builtin-pricing",
        "--pricing",
        "tests/fixtures/compare-book",
        "compare",
        &path,
    ];
    args.extend_from_slice(extra);
    let r = run(&args);
    assert_eq!(r.code, 2, "stdout: {}\nstderr: {}", r.stdout, r.stderr);
    assert!(r.stdout.is_empty(), "{}", r.stdout);
    assert!(r.stderr.starts_with("error: "), "{}", r.stderr);
    assert!(!r.stderr.contains("panicked"), "{}", r.stderr);
    r.stderr
}

const HEAD: &str = "as_of = 2026-01-01\n[[usage]]\n";

#[test]
fn unknown_key() {
    let e = bad(
        &format!("{HEAD}model = \"acme/still\"\nper_month = [1]\ncount = 3\n"),
        &[],
    );
    assert!(e.contains("profile.toml:5:1"), "{e}");
    assert!(e.contains("unknown field `count`"), "{e}");
}

#[test]
fn unknown_model_suggests_names() {
    let e = bad(
        &format!("{HEAD}model = \"acme/stil\"\nper_month = [1]\n"),
        &[],
    );
    assert!(e.contains("profile.toml:3:9: field `usage.model`"), "{e}");
    assert!(
        e.contains("unknown model `acme/stil`; did you mean acme/still"),
        "{e}"
    );
}

#[test]
fn empty_series_and_negative_units() {
    let e = bad(
        &format!("{HEAD}model = \"acme/still\"\nper_month = []\n"),
        &[],
    );
    assert!(e.contains(":4:13: field `usage.per_month`"), "{e}");
    assert!(e.contains("`per_month` is empty"), "{e}");
    let e = bad(
        &format!("{HEAD}model = \"acme/still\"\nper_month = [1, -5]\n"),
        &[],
    );
    assert!(e.contains(":4:17"), "{e}");
    assert!(e.contains("`-5` is negative"), "{e}");
}

#[test]
fn seats_zero() {
    let e = bad(
        &format!("seats = 0\n{HEAD}model = \"acme/still\"\nper_month = [1]\n"),
        &[],
    );
    assert!(e.contains("profile.toml:1:9: field `seats`"), "{e}");
    assert!(e.contains("1 or more"), "{e}");
}

#[test]
fn alternatives_that_cannot_do_the_work() {
    let e = bad(
        &format!(
            "{HEAD}model = \"acme/still\"\nalternatives = [\"acme/reel-api\"]\nper_month = [1]\n"
        ),
        &[],
    );
    assert!(e.contains(":4:17: field `usage.alternatives`"), "{e}");
    assert!(
        e.contains("`acme/reel-api` is a video model but acme/still is an image"),
        "{e}"
    );
    let e = bad(
        &format!(
            "{HEAD}model = \"acme/still\"\nalternatives = [\"acme/still-api\"]\nquality = \"hd\"\nper_month = [1]\n"
        ),
        &[],
    );
    assert!(e.contains("`acme/still-api` can't do this work"), "{e}");
    assert!(e.contains("offered: standard"), "{e}");
    let e = bad(
        &format!("{HEAD}model = \"acme/still\"\nseconds = 5\nper_month = [1]\n"),
        &[],
    );
    assert!(
        e.contains("`seconds` does not apply to an image model"),
        "{e}"
    );
}

#[test]
fn a_model_with_no_way_to_pay() {
    let e = bad(
        &format!("{HEAD}model = \"acme/void\"\nper_month = [1]\n"),
        &[],
    );
    assert!(e.contains("no way to pay"), "{e}");
    assert!(e.contains("Void credits"), "{e}");
}

#[test]
fn not_a_profile_at_all() {
    let e = bad("this is not toml\n", &[]);
    assert!(e.contains("profile.toml:1"), "{e}");
    let e = bad("name = \"x\"\n", &[]);
    assert!(e.contains("no [[usage]] lines"), "{e}");
    let e = bad(
        &format!("start = \"May\"\n{HEAD}model = \"acme/still\"\nper_month = [1]\n"),
        &[],
    );
    assert!(e.contains("field `start`"), "{e}");
    let e = bad(
        &format!("{HEAD}model = \"acme/still\"\nper_month = [1]\n"),
        &["--months", "0"],
    );
    assert!(e.contains("'0' for '--months <N>'"), "{e}");
    assert!(e.contains("1 to 600 months"), "{e}");
}

#[test]
fn the_horizon_is_bounded_with_a_clear_error() {
    // A billion months used to be a 4 GB allocation and a kill; now the
    // flag is refused before anything is read.
    for n in ["601", "1000000000"] {
        let started = std::time::Instant::now();
        let e = bad(
            &format!("{HEAD}model = \"acme/still\"\nper_month = [1]\n"),
            &["--months", n],
        );
        assert!(e.contains(&format!("'{n}' for '--months <N>'")), "{e}");
        assert!(e.contains("1 to 600 months"), "{e}");
        assert!(
            started.elapsed().as_secs() < 5,
            "{n}: {:?}",
            started.elapsed()
        );
    }
    // A series longer than 600 months is refused at its place in the file.
    let long = vec!["1"; 601].join(", ");
    let e = bad(
        &format!("{HEAD}model = \"acme/still\"\nper_month = [{long}]\n"),
        &[],
    );
    assert!(e.contains(":4:13: field `usage.per_month`"), "{e}");
    assert!(
        e.contains("has 601 months; a profile covers at most 600 months"),
        "{e}"
    );
}

#[test]
fn missing_file() {
    let r = run(&["compare", "tests/fixtures/profiles/compare/nope.toml"]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("nope.toml: no such file or directory"),
        "{}",
        r.stderr
    );
}
