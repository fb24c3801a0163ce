//! Integration tests: `genbudget rates` — the shipped tables, table-in-force
//! rules, and every kind of bad table.

use std::fs;
use std::path::Path;

use serde_json::Value;

use crate::common::{run, run_json};

#[path = "rates/book.rs"]
mod book;
#[path = "rates/import.rs"]
mod import;

const FIXTURES: &str = "tests/fixtures/book";

fn fixture_args<'a>(rest: &[&'a str]) -> Vec<&'a str> {
    let mut v = vec!["--no-builtin-pricing", "--pricing", FIXTURES];
    v.extend_from_slice(rest);
    v
}

/// The `amount` of price point `label` in a `rates show --format json`.
fn price(show: &Value, label: &str) -> String {
    show["prices"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["price"] == label)
        .unwrap_or_else(|| panic!("no price `{label}` in {show}"))["amount"]
        .as_str()
        .unwrap()
        .to_string()
}

#[test]
fn every_shipped_table_passes_check() {
    let r = run(&["rates", "check"]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    let files = walk(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("pricing")
            .as_path(),
    );
    assert!(files >= 20, "only {files} shipped tables");
    assert!(
        r.stdout.starts_with(&format!("ok: {files} tables")),
        "{}",
        r.stdout
    );
    assert_eq!(r.stderr, "");
}

fn walk(dir: &Path) -> usize {
    fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| {
            if e.path().is_dir() {
                walk(&e.path())
            } else {
                usize::from(e.path().extension().is_some_and(|x| x == "toml"))
            }
        })
        .sum()
}

#[test]
fn spot_prices_match_their_sources() {
    // (model, as of, price label, expected) — from docs/pricing-tables.md,
    // each row checked against the sources named there.
    let spots = [
        (
            "openai/gpt-image-1",
            "2025-06-01",
            "image low 1024x1024",
            "0.011",
        ), // OAI-IMG
        (
            "openai/gpt-image-1",
            "2025-06-01",
            "image high 1024x1536",
            "0.25",
        ), // OAI-IMG
        (
            "openai/gpt-image-1",
            "2025-06-01",
            "tokens image_output /1M",
            "40",
        ), // OAI-M
        (
            "openai/gpt-image-1-mini",
            "2025-11-01",
            "image medium 1536x1024",
            "0.015",
        ),
        (
            "openai/gpt-image-1.5",
            "2026-01-10",
            "image high 1024x1024",
            "0.133",
        ),
        (
            "openai/gpt-image-2",
            "2026-05-01",
            "image medium 1024x1024",
            "0.053",
        ),
        (
            "openai/dall-e-3",
            "2025-06-01",
            "image hd 1792x1024",
            "0.12",
        ),
        (
            "openai/dall-e-2",
            "2025-06-01",
            "image standard 512x512",
            "0.018",
        ),
        ("openai/sora-2", "2025-11-01", "video 1280x720 /s", "0.1"),
        (
            "openai/sora-2-pro",
            "2026-01-01",
            "video 1792x1024 /s",
            "0.5",
        ),
        (
            "openai/sora-2-pro",
            "2026-06-01",
            "video 1920x1080 /s",
            "0.7",
        ), // PK, row added 2026-05-20
        ("openai/gpt-5", "2025-09-01", "tokens input /1M", "1.25"),
        (
            "openai/gpt-5",
            "2025-09-01",
            "tokens cached_input /1M",
            "0.125",
        ),
        ("openai/gpt-5", "2025-09-01", "tokens output /1M", "10"),
        ("openai/gpt-5.2", "2026-01-01", "tokens output /1M", "14"),
        ("openai/gpt-5.5", "2026-09-01", "tokens input /1M", "5"),
        ("kie/gpt-image-2", "2026-04-20", "image", "12"), // third-party article: 12 credits an image
        ("chatgpt/sora", "2026-05-01", "video 1280x720 /s", "16"), // 80 credits per 5 s
        (
            "google/veo-3.1-fast-generate-001",
            "2026-04-01",
            "video 1280x720 /s",
            "0.15",
        ), // before the cut
        (
            "google/veo-3.1-fast-generate-001",
            "2026-04-10",
            "video 1280x720 /s",
            "0.1",
        ), // after 2026-04-07
        (
            "google/veo-3.1-generate-001-audio",
            "2026-05-01",
            "video 3840x2160 /s",
            "0.6",
        ),
        (
            "google/gemini-3.1-flash-image",
            "2026-06-01",
            "image standard 2048x2048",
            "0.101",
        ),
        ("luma/ray-2", "2026-09-01", "video 1280x720 /s", "0.142"), // 0.71 per 5 s clip
        ("stability/sd3.5-large", "2026-08-01", "image", "0.065"),
        (
            "bytedance/seedance-2.0",
            "2026-09-10",
            "video 1280x720 /s",
            "0.151",
        ),
    ];
    for (model, date, label, want) in spots {
        let (r, v) = run_json(&["rates", "show", model, "--as-of", date, "--format", "json"]);
        assert_eq!(r.code, 0, "{model}: {}", r.stderr);
        assert_eq!(price(&v, label), want, "{model} {label} on {date}");
    }
    // The KIE pack prices a credit at 5.00 / 1000 = 0.005 USD (12 credits ≈ $0.06).
    let (_, v) = run_json(&[
        "rates",
        "show",
        "kie/gpt-image-2",
        "--as-of",
        "2026-04-20",
        "--format",
        "json",
    ]);
    assert_eq!(v["credit_unit"]["value_per_credit"], "0.005 USD");
    // 1080p was not priced before the 2026-05-20 row.
    let (_, v) = run_json(&[
        "rates",
        "show",
        "openai/sora-2-pro",
        "--as-of",
        "2026-05-19",
        "--format",
        "json",
    ]);
    assert!(
        v["prices"]
            .as_array()
            .unwrap()
            .iter()
            .all(|p| p["price"] != "video 1920x1080 /s")
    );
    // Shut down models: sora-2 on 2026-11-01 is retired.
    let (_, v) = run_json(&[
        "rates",
        "show",
        "openai/sora-2",
        "--as-of",
        "2026-11-01",
        "--format",
        "json",
    ]);
    assert_eq!(v["status"], "retired");
    assert_eq!(v["retired"], "2026-09-24");
}

#[test]
fn table_in_force_around_an_effective_date() {
    // gpt-image-1 high 1024x1024: 0.167 in openai@2025-10-06, 0.15 from 2026-01-01.
    for (date, table, want) in [
        ("2025-12-31", "openai@2025-10-06", "0.167"),
        ("2026-01-01", "openai@2026-01-01", "0.15"),
        ("2026-01-02", "openai@2026-01-01", "0.15"),
    ] {
        let (r, v) = run_json(&fixture_args(&[
            "rates",
            "show",
            "gpt-image-1-2025-04-23",
            "--as-of",
            date,
            "--format",
            "json",
        ]));
        assert_eq!(r.code, 0, "{}", r.stderr);
        assert_eq!(v["table"], table, "{date}");
        assert_eq!(price(&v, "image high 1024x1024"), want, "{date}");
        // Written as the bare number 0.011 in the fixture: exactly 0.011.
        assert_eq!(price(&v, "image low 1024x1024"), "0.011");
    }
    // Before the first table nothing is offered.
    let r = run(&fixture_args(&[
        "rates",
        "show",
        "gpt-5",
        "--as-of",
        "2025-10-05",
    ]));
    assert_eq!(r.code, 2);
    assert_eq!(
        r.stderr,
        "error: openai/gpt-5 is not offered on 2025-10-05; it first appears in the table of 2025-10-06\n"
    );
}

#[test]
fn models_come_and_go_between_versions() {
    let (_, before) = run_json(&fixture_args(&[
        "rates",
        "list",
        "--as-of",
        "2025-12-31",
        "--format",
        "json",
    ]));
    let (_, after) = run_json(&fixture_args(&[
        "rates",
        "list",
        "--as-of",
        "2026-01-01",
        "--format",
        "json",
    ]));
    let names = |v: &Value| -> Vec<String> {
        v["models"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| {
                format!(
                    "{}/{}",
                    m["provider"].as_str().unwrap(),
                    m["model"].as_str().unwrap()
                )
            })
            .collect()
    };
    let (b, a) = (names(&before), names(&after));
    assert!(b.contains(&"openai/dall-e-3".into()) && !a.contains(&"openai/dall-e-3".into()));
    assert!(!b.contains(&"openai/gpt-5-mini".into()) && a.contains(&"openai/gpt-5-mini".into()));
    // dall-e-3 dropped from 2026-01-01: an error naming the day, unless asked about earlier.
    let r = run(&fixture_args(&[
        "rates",
        "show",
        "dall-e-3",
        "--as-of",
        "2026-01-01",
        "--format",
        "json",
    ]));
    assert_eq!(
        r.code, 0,
        "rates show displays retired models: {}",
        r.stderr
    );
    let v: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(v["status"], "retired");
    assert_eq!(v["retired"], "2026-01-01");
    assert_eq!(v["table"], "openai@2025-10-06");
}

#[test]
fn ambiguous_and_unknown_names() {
    let r = run(&fixture_args(&[
        "rates",
        "show",
        "gpt-image-1",
        "--as-of",
        "2026-04-20",
    ]));
    assert_eq!(r.code, 2);
    assert_eq!(
        r.stderr,
        "error: model `gpt-image-1` is offered by several providers; write one of: kie/gpt-image-1, openai/gpt-image-1\n"
    );
    let r = run(&fixture_args(&[
        "rates",
        "show",
        "sora-3",
        "--as-of",
        "2026-04-20",
    ]));
    assert_eq!(r.code, 2);
    assert!(
        r.stderr
            .starts_with("error: unknown model `sora-3`; did you mean openai/sora-2"),
        "{}",
        r.stderr
    );
    let r = run(&fixture_args(&["rates", "list", "--provider", "acme"]));
    assert_eq!(r.code, 2);
    assert!(
        r.stderr
            .contains("unknown provider `acme`; providers in the price book: kie, openai"),
        "{}",
        r.stderr
    );
}

#[test]
fn diff_reports_added_removed_and_percentages() {
    let (r, v) = run_json(&fixture_args(&[
        "rates",
        "diff",
        "2025-10-06",
        "2026-01-01",
        "--format",
        "json",
    ]));
    assert_eq!(r.code, 0);
    assert_eq!(v["schema"], "genbudget.rates.diff/1");
    assert_eq!(v["added"][0]["model"], "gpt-5-mini");
    assert_eq!(v["removed"][0]["model"], "dall-e-3");
    let changed = v["changed"].as_array().unwrap();
    assert_eq!(changed.len(), 2, "{changed:?}");
    // gpt-5 output 10.00 → 12.00: (12 − 10) / 10 = +20.0 %.
    assert_eq!(changed[0]["model"], "gpt-5");
    assert_eq!(
        (changed[0]["old"].as_str(), changed[0]["new"].as_str()),
        (Some("10"), Some("12"))
    );
    assert_eq!(changed[0]["change_pct"], "20.0");
    // gpt-image-1 high 1024x1024 0.167 → 0.15: −0.017 / 0.167 = −10.179… % → −10.2.
    assert_eq!(changed[1]["price"], "image high 1024x1024");
    assert_eq!(changed[1]["change_pct"], "-10.2");
    let md = run(&fixture_args(&[
        "rates",
        "diff",
        "2025-10-06",
        "2026-01-01",
        "--format",
        "markdown",
    ]));
    assert!(
        md.stdout
            .contains("| openai | gpt-5 | tokens output /1M | USD | 10 | 12 | +20.0% |"),
        "{}",
        md.stdout
    );
    let csv = run(&fixture_args(&[
        "rates",
        "diff",
        "2025-10-06",
        "2026-01-01",
        "--format",
        "csv",
    ]));
    assert!(
        csv.stdout
            .contains("openai,gpt-image-1,image high 1024x1024,USD,0.167,0.15,-10.2"),
        "{}",
        csv.stdout
    );
}

/// A table file with one thing wrong, and what the error must say.
struct Bad {
    path: &'static str,
    text: &'static str,
    /// Expected start of the error after the file name.
    want: &'static str,
}

const GOOD: &str = "schema = 1\nprovider = \"acme\"\neffective = 2026-01-01\ncurrency = \"USD\"\nsource = \"test\"\n";

fn bad_tables() -> Vec<Bad> {
    vec![
        Bad {
            path: "acme/2026-01-01.toml",
            text: "schema = 1\nprovider = \"acme\"\neffective = 2026-01-01\ncurrency = \"USD\"\nsource = \"t\"\n[models.m]\nkind = \"image\"\nimage = \"0.04\"\nprize = \"1\"\n",
            want: ":9:1: field `models.m.prize`: unknown field `prize`",
        },
        Bad {
            path: "acme/2026-01-01.toml",
            text: "schema = 1\nprovider = \"acme\"\neffective = 2026-01-01\ncurrency = \"USD\"\nsource = \"t\"\n[models.m]\nkind = \"image\"\nimage = { low = \"-0.01\" }\n",
            want: ":8:17: field `models.m.image.low`: `-0.01` is negative",
        },
        Bad {
            path: "acme/2026-01-01.toml",
            text: "schema = 1\nprovider = \"acme\"\neffective = 2026-01-01\ncurrency = \"USD\"\nsource = \"t\"\n[models.m]\nkind = \"image\"\nimage = \"cheap\"\n",
            want: ":8:9: field `models.m.image`: `cheap` is not a decimal number",
        },
        Bad {
            path: "acme/2026-01-01.toml",
            text: "schema = 1\nprovider = \"acme\"\neffective = \"2026-13-01\"\ncurrency = \"USD\"\nsource = \"t\"\n",
            want: ":3:13: field `effective`: `2026-13-01` is not a date",
        },
        Bad {
            path: "other/2026-01-01.toml",
            text: GOOD,
            want: ":2:12: field `provider`: provider `acme` must equal the folder the file is in, `other`",
        },
        Bad {
            path: "acme/2026-02-01.toml",
            text: GOOD,
            want: ":3:13: field `effective`: effective 2026-01-01 must equal the file name, `2026-02-01.toml`",
        },
        Bad {
            path: "acme/2026-01-01.toml",
            text: "schema = 1\nprovider = \"acme\"\neffective = 2026-01-01\ncurrency = \"USD\"\nsource = \"t\"\n[models.m]\nkind = \"image\"\nprice_unit = \"acme-credit\"\nimage = \"12\"\n",
            want: ":8:14: field `models.m.price_unit`: price_unit `acme-credit` is not defined in this file (this file defines no [credits.<unit>] table)",
        },
        Bad {
            path: "acme/2026-01-01.toml",
            text: "schema = 1\nprovider = \"acme\"\neffective = 2026-01-01\ncurrency = \"USD\"\nsource = \"t\"\n[models.a]\nkind = \"image\"\nimage = \"1\"\naliases = [\"x\"]\n[models.b]\nkind = \"image\"\nimage = \"1\"\naliases = [\"x\"]\n",
            want: ":13:12: field `models.b.aliases`: alias `x` is already a model id or alias of this provider",
        },
        Bad {
            path: "acme/2026-01-01.toml",
            text: "schema = 1\nprovider = \"acme\"\neffective = 2026-01-01\ncurrency = \"USD\"\nsource = \"t\"\n[models.v]\nkind = \"video\"\nvideo = { \"720p\" = \"0.10\" }\n",
            want: ":8:11: field `models.v.video.720p`: `720p` is not a size; write it as WIDTHxHEIGHT",
        },
        Bad {
            path: "acme/2026-01-01.toml",
            text: "schema = 1\nprovider = \"acme\"\neffective = 2026-01-01\ncurrency = \"USD\"\nsource = \"t\"\n[models.m]\nkind = \"image\"\nimage = { low = { \"1024*1024\" = \"0.01\" } }\n",
            want: ":8:19: field `models.m.image.low.1024*1024`: `1024*1024` is not a size",
        },
        Bad {
            path: "acme/2026-01-01.toml",
            text: "schema = 1\nprovider = \"acme\"\neffective = 2026-01-01\ncurrency = \"USD\"\nsource = \"t\"\n\n[models.x]\nimage = \"0.04\"\n",
            want: ":7:1: field `models.x.kind`: missing field `kind`",
        },
        Bad {
            path: "acme/2026-01-01.toml",
            text: "schema = 1\nprovider = \"acme\"\neffective = 2026-01-01\ncurrency = \"USD\"\n",
            want: ":1:1: field `source`: missing field `source`",
        },
        Bad {
            path: "acme/2026-01-01.toml",
            text: "schema = 1\nprovider = \"acme\"\neffective = 2026-01-01\ncurrency = \"USD\"\nsource = \"t\"\n[models.y]\nkind = \"imag\"\nimage = \"0.04\"\n",
            want: ":7:8: field `models.y.kind`: unknown variant `imag`, expected one of `image`, `video`, `text`",
        },
        Bad {
            path: "acme/2026-01-01.toml",
            text: "  \n",
            want: ": is empty",
        },
        Bad {
            path: "acme/2026-01-01.toml",
            text: "schema = 1\nprovider = [\n",
            want: ":2:",
        },
    ]
}

#[test]
fn every_bad_table_is_exit_2_with_file_line_field() {
    for bad in bad_tables() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join(bad.path);
        fs::create_dir_all(file.parent().unwrap()).unwrap();
        fs::write(&file, bad.text).unwrap();
        let d = dir.path().to_str().unwrap();
        let r = run(&["--no-builtin-pricing", "--pricing", d, "rates", "list"]);
        assert_eq!(r.code, 2, "{}: {}", bad.path, r.stderr);
        let prefix = format!("error: {}{}", file.display(), bad.want);
        assert!(
            r.stderr.starts_with(&prefix),
            "want `{prefix}`\n got `{}`",
            r.stderr
        );
        assert_eq!(r.stdout, "", "no partial output");
        assert!(!r.stderr.contains("panicked"));
    }
}

#[test]
fn check_lists_every_problem_not_just_the_first() {
    let dir = tempfile::tempdir().unwrap();
    let bad = bad_tables();
    // Each bad table in its own provider folder, named as it must be, so
    // all of them are read in one run.
    let mut expected = 0;
    for (i, b) in bad.iter().enumerate() {
        let (folder, name) = b.path.split_once('/').unwrap();
        let folder = if folder == "acme" {
            format!("p{i}")
        } else {
            folder.to_string()
        };
        let text = b.text.replace("\"acme\"", &format!("\"p{i}\""));
        let file = dir.path().join(&folder).join(name);
        fs::create_dir_all(file.parent().unwrap()).unwrap();
        fs::write(file, text).unwrap();
        expected += 1;
    }
    let d = dir.path().to_str().unwrap();
    let (r, v) = run_json(&["rates", "check", d, "--format", "json"]);
    assert_eq!(r.code, 1);
    assert_eq!(v["ok"], false);
    let problems = v["problems"].as_array().unwrap();
    assert_eq!(problems.len(), expected, "{problems:#?}");
    assert_eq!(r.stderr.lines().count(), expected);
    assert!(r.stderr.lines().all(|l| l.starts_with("error: ")));
    // A file with two problems reports both.
    let two = tempfile::tempdir().unwrap();
    let f = two.path().join("zed/2026-01-01.toml");
    fs::create_dir_all(f.parent().unwrap()).unwrap();
    fs::write(&f, "schema = 2\nprovider = \"acme\"\neffective = 2026-01-01\ncurrency = \"usd\"\nsource = \"t\"\n").unwrap();
    let (r, v) = run_json(&[
        "rates",
        "check",
        two.path().to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert_eq!(r.code, 1);
    let fields: Vec<&str> = v["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["schema", "provider", "currency"]);
}

#[test]
fn missing_pricing_dir_and_bad_flags() {
    let r = run(&["--pricing", "/nonexistent/tables", "rates", "list"]);
    assert_eq!(r.code, 2);
    assert_eq!(
        r.stderr,
        "error: /nonexistent/tables: no such file or directory\n"
    );
    let r = run(&["rates", "list", "--as-of", "2026-02-30"]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr
            .contains("`2026-02-30` is not a date; write it as YYYY-MM-DD"),
        "{}",
        r.stderr
    );
    let r = run(&["rates", "list", "--kind", "audio"]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr
            .contains("`audio` is not a kind; use image, video or text"),
        "{}",
        r.stderr
    );
    let r = crate::common::cmd(&["rates", "list"])
        .env("GENBUDGET_NOW", "yesterday")
        .output()
        .unwrap();
    assert_eq!(r.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&r.stderr)
            .starts_with("error: GENBUDGET_NOW: `yesterday` is not an RFC 3339 time")
    );
}

#[test]
fn global_flags_stand_anywhere_and_env_layers_tables() {
    let a = run(&[
        "--format",
        "json",
        "rates",
        "list",
        "--no-builtin-pricing",
        "--pricing",
        FIXTURES,
    ]);
    let b = crate::common::cmd(&["rates", "list", "--format", "json", "--no-builtin-pricing"])
        .env("GENBUDGET_PRICING", FIXTURES)
        .output()
        .unwrap();
    assert_eq!(a.code, 0, "{}", a.stderr);
    assert_eq!(a.stdout, String::from_utf8_lossy(&b.stdout));
    let v: Value = serde_json::from_str(&a.stdout).unwrap();
    assert_eq!(v["schema"], "genbudget.rates.list/1");
    // GENBUDGET_NOW = 2026-04-20: both fixture versions are past, the newer is in force.
    assert_eq!(v["as_of"], "2026-04-20");
    assert!(
        v["models"]
            .as_array()
            .unwrap()
            .iter()
            .all(|m| m["table"] != "openai@2025-10-06")
    );
}

#[test]
fn layered_table_replaces_the_same_version() {
    // A --pricing table for the same provider and date replaces the built-in one.
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("kie/2026-04-20.toml");
    fs::create_dir_all(f.parent().unwrap()).unwrap();
    fs::write(&f, "schema = 1\nprovider = \"kie\"\neffective = 2026-04-20\ncurrency = \"USD\"\nsource = \"override\"\n[credits.kie-credit]\nname = \"K\"\npacks = [ { id = \"p\", credits = 100, price = \"1.00\" } ]\n[models.gpt-image-2]\nkind = \"image\"\nprice_unit = \"kie-credit\"\nimage = \"10\"\n").unwrap();
    let (r, v) = run_json(&[
        "rates",
        "show",
        "kie/gpt-image-2",
        "--pricing",
        dir.path().to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(price(&v, "image"), "10");
    assert_eq!(v["source"], "override");
}

#[test]
fn broken_pipe_is_not_an_error() {
    use std::process::Stdio;
    let mut child = crate::common::cmd(&["rates", "list", "--as-of", "2026-06-01"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take()); // the reader goes away at once
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(String::from_utf8_lossy(&out.stderr), "");
}

#[test]
fn check_on_an_unreadable_input_is_an_error_not_a_problem() {
    // A missing directory cannot be checked at all: exit 2 with an
    // `error:` line and nothing on stdout (it was exit 1 and a problem row).
    let r = run(&["rates", "check", "/nonexistent"]);
    assert_eq!(r.code, 2, "{}", r.stdout);
    assert_eq!(r.stdout, "");
    assert_eq!(r.stderr, "error: /nonexistent: no such file or directory\n");
}

#[cfg(unix)]
#[test]
fn a_table_that_is_a_device_or_fifo_is_refused_unread() {
    // A symlink to /dev/zero would be read until memory ran out; a FIFO
    // would block. Both are refused from their metadata, exit 2.
    let dir = tempfile::tempdir().unwrap();
    let acme = dir.path().join("acme");
    fs::create_dir(&acme).unwrap();
    std::os::unix::fs::symlink("/dev/zero", acme.join("2026-01-01.toml")).unwrap();
    let made = std::process::Command::new("mkfifo")
        .arg(acme.join("2026-02-01.toml"))
        .status()
        .unwrap();
    assert!(made.success());
    let d = dir.path().display().to_string();
    let started = std::time::Instant::now();
    for args in [
        vec!["rates", "check", d.as_str()],
        vec!["--pricing", d.as_str(), "rates", "list"],
    ] {
        let r = run(&args);
        assert_eq!(r.code, 2, "{args:?}: {}", r.stdout);
        assert!(
            r.stderr
                .contains("2026-01-01.toml: is a character device, not a regular file"),
            "{}",
            r.stderr
        );
        assert!(
            r.stderr
                .contains("2026-02-01.toml: is a FIFO (named pipe), not a regular file"),
            "{}",
            r.stderr
        );
    }
    assert!(started.elapsed().as_secs() < 10, "{:?}", started.elapsed());
}

#[test]
fn a_table_larger_than_the_cap_is_refused() {
    // 4 MiB is the most read from one table (the largest shipped is ~8 KB).
    let dir = tempfile::tempdir().unwrap();
    let acme = dir.path().join("acme");
    fs::create_dir(&acme).unwrap();
    let mut big = String::from("schema = 1\n");
    while big.len() <= 4 << 20 {
        big.push_str("# padding padding padding padding padding padding padding\n");
    }
    fs::write(acme.join("2026-01-01.toml"), big).unwrap();
    let r = run(&["rates", "check", &dir.path().display().to_string()]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr
            .contains("is larger than 4 MiB, the most genbudget reads for a price table"),
        "{}",
        r.stderr
    );
}

#[test]
fn non_zero_prices_that_read_as_zero_are_problems() {
    // Each would price its model at 0 if read as a float or a rounded
    // decimal: 1e-400 underflows to 0.0, 5e-324 prints as 0.000…5 (324
    // places), and the string has 29 places (an exact decimal holds 28).
    let dir = tempfile::tempdir().unwrap();
    let acme = dir.path().join("acme");
    fs::create_dir(&acme).unwrap();
    fs::write(
        acme.join("2026-01-01.toml"),
        "schema = 1\nprovider = \"acme\"\neffective = 2026-01-01\ncurrency = \"USD\"\nsource = \"test\"\n\
         [models.a]\nkind = \"video\"\nvideo = 1e-400\n\
         [models.b]\nkind = \"video\"\nvideo = 5e-324\n\
         [models.c]\nkind = \"video\"\nvideo = \"0.00000000000000000000000000001\"\n",
    )
    .unwrap();
    let d = dir.path().display().to_string();
    let r = run(&["rates", "check", &d, "--format", "json"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let v: Value = serde_json::from_str(&r.stdout).unwrap();
    let problems = v["problems"].as_array().unwrap();
    // serde stops at the first bad value it reads (5e-324 here); the scan
    // of the text finds 1e-400 all the same, and lists it first (line 8).
    let text: Vec<&str> = problems
        .iter()
        .map(|p| p["text"].as_str().unwrap())
        .collect();
    assert!(
        text[0].contains(":8:9: field `models.a.video`: `1e-400` is not zero but reads as 0"),
        "{text:?}"
    );
    assert!(
        text[1].contains(":11:9: field `models.b.video`: `5e-324` is not zero but would read as 0"),
        "{text:?}"
    );
    // Each alone is refused too.
    for (line, says) in [
        ("video = 5e-324", "`5e-324` is not zero but would read as 0"),
        (
            "video = \"0.00000000000000000000000000001\"",
            "is not zero but would read as 0",
        ),
    ] {
        fs::write(
            acme.join("2026-01-01.toml"),
            format!("schema = 1\nprovider = \"acme\"\neffective = 2026-01-01\ncurrency = \"USD\"\nsource = \"test\"\n[models.a]\nkind = \"video\"\n{line}\n"),
        )
        .unwrap();
        let r = run(&["rates", "check", &d]);
        assert_eq!(r.code, 1, "{line}: {}", r.stderr);
        assert!(r.stderr.contains(says), "{line}: {}", r.stderr);
        assert!(
            r.stderr.contains("2026-01-01.toml:8:"),
            "{line}: {}",
            r.stderr
        );
    }
}

#[test]
fn csv_is_for_machines() {
    // An ok check in CSV is its header row: an empty list, not `""`.
    let r = run(&fixture_args(&["rates", "check", "--format", "csv"]));
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(r.stdout, "file,line,column,field,problem\n");
    // A price range is two columns, low and high, not `0.011–0.25`.
    let r = run(&fixture_args(&[
        "rates",
        "list",
        "--as-of",
        "2025-11-01",
        "--format",
        "csv",
    ]));
    assert_eq!(r.code, 0, "{}", r.stderr);
    let mut lines = r.stdout.lines();
    assert_eq!(
        lines.next(),
        Some("provider,model,kind,low,high,unit,per,table,retired")
    );
    assert!(
        r.stdout
            .contains("\nopenai,gpt-image-1,image,0.011,0.25,USD,image,openai@2025-10-06,"),
        "{}",
        r.stdout
    );
    assert!(!r.stdout.contains('–'), "{}", r.stdout);
    // A diff's new price point has an empty old cell, not `—`.
    let r = run(&fixture_args(&[
        "rates",
        "diff",
        "2025-10-06",
        "2026-01-01",
        "--format",
        "csv",
    ]));
    assert!(!r.stdout.contains('—'), "{}", r.stdout);
    // The table for people keeps its words.
    let r = run(&fixture_args(&["rates", "check"]));
    assert!(
        r.stdout.starts_with("ok: 3 tables, 12 models checked"),
        "{}",
        r.stdout
    );
}
