//! Integration tests: `genbudget estimate`.
//!
//! Transcripts (args → stdout, stderr, exit code) live in `tests/cmd/estimate/`
//! as trycmd cases, each with its hand working in a comment; the tests below
//! check JSON fields and meanings, and the rules the transcripts can't show
//! at a glance. Expected figures are worked by hand from the fixture tables.

use crate::common;

/// Every transcript under `tests/cmd/estimate/` (run `TRYCMD=overwrite` to
/// regenerate after a deliberate change, then review the diff).
#[test]
fn transcripts() {
    trycmd::TestCases::new()
        .register_bin("genbudget", common::bin())
        .case("tests/cmd/estimate/*.toml");
}

use std::fs;

use serde_json::Value;

const FIXTURES: [&str; 5] = [
    "--no-builtin-pricing",
    "--pricing",
    "tests/fixtures/book",
    "--pricing",
    "tests/fixtures/estimate-book",
];

/// Writes `plan` to a temporary file and runs `estimate` on the fixture
/// tables with `extra` flags; returns the run and (if stdout is JSON) it.
fn estimate(plan: &str, extra: &[&str]) -> (common::Run, Value) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("plan.toml");
    fs::write(&path, plan).unwrap();
    let mut args: Vec<&str> = FIXTURES.to_vec();
    let p = path.to_str().unwrap();
    args.extend(["estimate", p, "--format", "json"]);
    args.extend_from_slice(extra);
    let r = common::run(&args);
    let v = serde_json::from_str(&r.stdout).unwrap_or(Value::Null);
    (r, v)
}

fn s(v: &Value) -> &str {
    v.as_str()
        .unwrap_or_else(|| panic!("{v} is not a string (amounts are strings)"))
}

#[test]
fn json_fields_keep_their_names_and_meanings() {
    let (r, v) = common::run_json(&[
        "estimate",
        "examples/mixed-campaign.toml",
        "--format",
        "json",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(v["schema"], "genbudget.estimate/1");
    assert_eq!(v["plan"], "Summer campaign");
    assert_eq!(v["as_of"], "2026-06-01");
    assert_eq!(v["currency"], "USD");
    let items = v["items"].as_array().unwrap();
    let names: Vec<&str> = items.iter().map(|i| s(&i["name"])).collect();
    assert_eq!(
        names,
        ["Key visuals", "Social variants", "Teaser clips", "Ad copy"]
    );
    for i in items {
        for key in [
            "name",
            "provider",
            "model",
            "kind",
            "spec",
            "table",
            "count",
            "units",
            "unit",
            "unit_price",
            "credits",
            "base",
            "retries",
            "total",
            "min_seconds",
            "max_seconds",
            "warnings",
        ] {
            assert!(i.get(key).is_some(), "item lacks `{key}`: {i}");
        }
    }
    // Key visuals: 0.25 + 21 prompt tokens × 5.00/1M (0.000105) + 194 image-input
    // tokens × 10.00/1M (0.00194) = 0.252045 an image; 40 × 1.25 = 50 units;
    // item amounts are exact: total 50 × 0.252045 = 12.60225, base 40 ×
    // 0.252045 = 10.0818, retries 12.60225 − 10.0818 = 2.52045.
    let kv = &items[0];
    assert_eq!(
        (
            s(&kv["unit_price"]),
            s(&kv["units"]),
            s(&kv["base"]),
            s(&kv["retries"]),
            s(&kv["total"])
        ),
        ("0.252045", "50", "10.0818", "2.52045", "12.60225")
    );
    assert_eq!(kv["credits"], Value::Null);
    assert_eq!(kv["table"], "openai@2026-05-20");
    // Social variants: 200 × 1.1 = 220 units × 12 = 2640 credits at the plan's
    // 0.005 = 13.20; base 200 × 12 × 0.005 = 12.00.
    let sv = &items[1];
    assert_eq!(
        (s(&sv["credits"]), s(&sv["total"]), s(&sv["base"])),
        ("2640", "13.20", "12.00")
    );
    assert_eq!(sv["credit_value_from"], "plan");
    assert_eq!(sv["kind"], "image");
    // Teaser clips: 8 s × 0.10 = 0.8 a clip; 24 × 1.1 = 26.4 units: 21.12.
    assert_eq!(
        (s(&items[2]["spec"]), s(&items[2]["total"])),
        ("8s 1280x720", "21.12")
    );
    // Ad copy: 800 × 1.25/1M + 2000 × 0.125/1M + 400 × 10/1M = 0.00525; 2200 units: 11.55.
    assert_eq!(
        (s(&items[3]["unit_price"]), s(&items[3]["total"])),
        ("0.00525", "11.55")
    );
    // Exact sum 12.60225 + 13.20 + 21.12 + 11.55 = 58.47225, rounded once:
    // 58.47; contingency round(58.47225 × 0.15 = 8.7708375) = 8.77.
    assert_eq!(
        (s(&v["subtotal"]), s(&v["contingency"]), s(&v["total"])),
        ("58.47", "8.77", "67.24")
    );
    // 250.00 − 67.24 = 182.76.
    assert_eq!(s(&v["budget"]["limit"]), "250.00");
    assert_eq!(s(&v["budget"]["remaining"]), "182.76");
    assert_eq!(v["budget"]["within"], true);
    assert_eq!(s(&v["credits"][0]["credits"]), "2640");
}

#[test]
fn budget_is_null_without_one_and_the_flag_wins() {
    let plan = "name = \"p\"\nas_of = 2026-04-20\nbudget = \"1.00\"\n[[items]]\nname = \"a\"\nmodel = \"gpt-5\"\ncount = 1000\noutput_tokens = 1000\n";
    // 1000 × 1000 × 12.00/1M (openai@2026-01-01 fixture) = 12.00.
    let (r, v) = estimate(plan, &[]);
    assert_eq!(r.code, 1, "over the plan's 1.00: {}", r.stdout);
    assert_eq!(s(&v["budget"]["remaining"]), "-11.00");
    assert_eq!(v["budget"]["from"], "plan");
    // Exactly at the budget is within it: 12.00 ≤ 12.00.
    let (r, v) = estimate(plan, &["--budget", "12"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(
        (s(&v["budget"]["limit"]), s(&v["budget"]["remaining"])),
        ("12.00", "0.00")
    );
    assert_eq!(v["budget"]["from"], "--budget");
    let (r, v) = estimate(&plan.replace("budget = \"1.00\"\n", ""), &[]);
    assert_eq!(r.code, 0);
    assert_eq!(v["budget"], Value::Null);
}

#[test]
fn over_budget_says_by_how_much_in_every_format() {
    for format in ["table", "markdown"] {
        let r = common::run(&[
            "estimate",
            "examples/spring-launch.toml",
            "--budget",
            "10",
            "--format",
            format,
        ]);
        // total 10.53 − 10.00 = 0.53 over.
        assert_eq!(r.code, 1);
        assert!(
            r.stdout.contains("0.53 USD over the budget of 10.00 USD"),
            "{}",
            r.stdout
        );
    }
}

#[test]
fn credit_value_falls_back_to_the_cheapest_subscription() {
    // sub-credit has no packs: min(20.00/1000 = 0.02, 200.00/12500 = 0.016) = 0.016.
    // 10 clips × 5 s × 16 credits/s = 800 credits × 0.016 = 12.80.
    let plan = "name = \"p\"\nas_of = 2026-04-20\n[[items]]\nname = \"a\"\nmodel = \"sub-video\"\ncount = 10\nseconds = 5\nresolution = \"720p\"\n";
    let (r, v) = estimate(plan, &[]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let i = &v["items"][0];
    assert_eq!(
        (s(&i["credits"]), s(&i["credit_value"]), s(&i["total"])),
        ("800", "0.016", "12.80")
    );
    assert_eq!(i["credit_value_from"], "subscription");
}

#[test]
fn rate_limits_time_the_work_and_flag_days_that_cannot_fit() {
    // sora-2 (fixture): 10 concurrent × 45–120 s. 20,000 clips a day → 2000
    // batches: 90,000 s (25.0 h) at best > 24 h → cannot run daily.
    let plan = "name = \"p\"\nas_of = 2026-04-20\n[[items]]\nname = \"a\"\nmodel = \"sora-2\"\nper_day = 20000\ndays = 2\nseconds = 4\nresolution = \"1280x720\"\n";
    let (r, v) = estimate(plan, &[]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let i = &v["items"][0];
    assert_eq!(
        (i["min_seconds"].as_u64(), i["max_seconds"].as_u64()),
        (Some(90_000), Some(240_000))
    );
    assert_eq!(i["timing_scope"], "day");
    assert!(
        r.stderr.contains("20000 jobs a day need at least 25.0 h"),
        "{}",
        r.stderr
    );
    // gpt-5 at 5000 rpm, a counted item: 12,000 requests × 60 / 5000 = 144 s in all.
    let plan = "name = \"p\"\nas_of = 2026-04-20\n[[items]]\nname = \"a\"\nmodel = \"gpt-5\"\ncount = 12000\ninput_tokens = 10\n";
    let (_, v) = estimate(plan, &[]);
    assert_eq!(v["items"][0]["min_seconds"].as_u64(), Some(144));
    assert_eq!(v["items"][0]["timing_scope"], "total");
}

#[test]
fn swaps_keep_the_spec_and_unused_swaps_warn() {
    // gpt-image-1 high 1024x1024 → kie/gpt-image-1 (10 credits, value 0.005):
    // 4 × 10 × 0.005 = 0.20.
    let plan = "name = \"p\"\nas_of = 2026-04-20\n[[items]]\nname = \"a\"\nmodel = \"openai/gpt-image-1\"\ncount = 4\nquality = \"high\"\nsize = \"1024x1024\"\n";
    let (r, v) = estimate(plan, &["--swap", "openai/gpt-image-1=kie/gpt-image-1"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(v["items"][0]["swapped_from"], "openai/gpt-image-1");
    assert_eq!(v["items"][0]["provider"], "kie");
    assert_eq!(s(&v["items"][0]["total"]), "0.20");
    assert_eq!(v["swaps"][0], "openai/gpt-image-1=kie/gpt-image-1");
    let (r, v) = estimate(plan, &["--swap", "gpt-5=gpt-5-mini"]);
    assert_eq!(r.code, 0);
    // Unchanged: 4 × 0.15 = 0.60, and a warning that the swap did nothing.
    assert_eq!(s(&v["total"]), "0.60");
    assert!(
        r.stderr.contains("no item uses openai/gpt-5"),
        "{}",
        r.stderr
    );
    // Swapping an image model for a text model cannot keep the spec.
    let (r, _) = estimate(plan, &["--swap", "openai/gpt-image-1=gpt-5"]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains(
            "`quality` does not apply to openai/gpt-5 (swapped in for openai/gpt-image-1 by --swap)"
        ),
        "{}",
        r.stderr
    );
}

#[test]
fn every_problem_in_a_plan_is_reported_at_once() {
    let plan = "name = \"p\"\nas_of = 2026-04-20\n[[items]]\nname = \"a\"\nmodel = \"nope\"\ncount = 1\n[[items]]\nname = \"b\"\nmodel = \"gpt-5\"\ncount = 1\nquality = \"high\"\n";
    let (r, _) = estimate(plan, &[]);
    assert_eq!(r.code, 2);
    let lines: Vec<&str> = r.stderr.lines().collect();
    assert_eq!(lines.len(), 2, "{}", r.stderr);
    assert!(
        lines[0].contains(":5:9: field `items.model`: item `a`: unknown model `nope`"),
        "{}",
        lines[0]
    );
    assert!(
        lines[1].contains(":11:11: field `items.quality`: item `b`"),
        "{}",
        lines[1]
    );
    assert!(r.stdout.is_empty());
}

#[test]
fn prompts_are_counted_with_the_models_tokenizer() {
    // "hello world" is 2 o200k_base tokens: 1000 requests × 2 × 1.25/1M = 0.0025
    // → round = 0.00; with 1,000,000 requests it is 2.50.
    let plan = "name = \"p\"\nas_of = 2026-04-20\n[[items]]\nname = \"a\"\nmodel = \"gpt-5\"\ncount = 1000000\nprompt = \"hello world\"\n";
    let (r, v) = estimate(plan, &[]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(s(&v["items"][0]["spec"]), "2 in");
    assert_eq!(s(&v["items"][0]["total"]), "2.50");
}

/// The README shows what its first command prints; keep it true.
#[test]
fn the_readme_shows_what_the_first_command_prints() {
    let readme = fs::read_to_string(common::root().join("README.md")).unwrap();
    assert!(readme.contains("cargo run --release -- estimate examples/spring-launch.toml"));
    let r = common::run(&["estimate", "examples/spring-launch.toml"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        readme.contains(r.stdout.trim_end()),
        "README.md's sample output differs from:\n{}",
        r.stdout
    );
}

#[test]
fn a_credit_value_for_an_unknown_unit_is_refused() {
    // A typo in [credit_value] must not silently fall back to the pack price.
    let plan = "name = \"p\"\nas_of = 2026-04-20\n[credit_value]\nkie-credits = \"0.004\"\n[[items]]\nname = \"a\"\nmodel = \"kie/gpt-image-2\"\ncount = 1\n";
    let (r, _) = estimate(plan, &[]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains(":4:15: field `credit_value.kie-credits`: no price table defines a credit unit `kie-credits`; defined: kie-credit"),
        "{}",
        r.stderr
    );
    assert!(r.stdout.is_empty());
}

/// A plan of `n` one-request items on the built-in gpt-5 (1.25 input and
/// 10.00 output per 1M tokens on 2026-06-01), 500 input + 215 output tokens
/// each: 500 × 1.25/1M = 0.000625 + 215 × 10/1M = 0.00215 → 0.002775.
fn tiny_items(n: usize) -> String {
    let mut plan = String::from("name = \"Many small requests\"\nas_of = 2026-06-01\n");
    for i in 0..n {
        plan.push_str(&format!(
            "[[items]]\nname = \"r{i}\"\nmodel = \"openai/gpt-5\"\ncount = 1\ninput_tokens = 500\noutput_tokens = 215\n"
        ));
    }
    plan
}

fn write_plan(text: &str) -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("plan.toml");
    fs::write(&path, text).unwrap();
    let p = path.display().to_string();
    (dir, p)
}

#[test]
fn many_small_items_add_up_exactly() {
    // 10,000 × 0.002775 = 27.75 exactly. Rounding each item first gave
    // 10,000 × 0.00 = 0.00.
    let (_dir, plan) = write_plan(&tiny_items(10_000));
    let (r, v) = common::run_json(&["estimate", &plan, "--format", "json"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(s(&v["items"][0]["total"]), "0.002775");
    assert_eq!(s(&v["items"][0]["base"]), "0.002775");
    assert_eq!(s(&v["items"][0]["retries"]), "0.00");
    assert_eq!(s(&v["subtotal"]), "27.75");
    assert_eq!(s(&v["total"]), "27.75");

    // The table never shows 0.002775 as 0.00: two significant digits,
    // 0.0028. Shown that way the items add up to 10,000 × 0.0028 = 28.00,
    // not the subtotal, and a note under the table says so.
    let r = common::run(&["estimate", &plan]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let row = r.stdout.lines().find(|l| l.contains(" r0 ")).unwrap();
    assert!(row.contains("0.0028"), "{row}");
    assert!(!row.contains(" 0.00 ┆ 0.00"), "{row}");
    assert!(
        r.stdout
            .contains("base 27.75 + retries 0.00 = subtotal 27.75 USD"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout.contains(
            "note: the item totals shown are rounded and add up to 28.00 USD; the subtotal is their exact sum, 27.75, rounded once"
        ),
        "{}",
        r.stdout
    );
    // CSV carries the exact amounts for machines.
    let r = common::run(&["estimate", &plan, "--format", "csv"]);
    assert!(
        r.stdout.contains(",0.002775,0.00,0.002775,"),
        "{}",
        r.stdout
    );
}

#[test]
fn the_note_is_absent_when_shown_figures_add_up() {
    // One request of 0 input and 125,000 output tokens = 125,000 × 10/1M =
    // 1.25: shown 1.25 = subtotal 1.25, no note. Four items of 0.002775:
    // shown 4 × 0.0028 = 0.0112 against a subtotal of round(0.0111) = 0.01,
    // a note.
    let plan = "name = \"one\"\nas_of = 2026-06-01\n[[items]]\nname = \"a\"\nmodel = \"openai/gpt-5\"\ncount = 1\ninput_tokens = 0\noutput_tokens = 125000\n";
    let (_dir, plan) = write_plan(plan);
    let r = common::run(&["estimate", &plan]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains("subtotal 1.25 USD"), "{}", r.stdout);
    assert!(!r.stdout.contains("note:"), "{}", r.stdout);
    let (_dir4, plan4) = write_plan(&tiny_items(4));
    let r = common::run(&["estimate", &plan4]);
    assert!(r.stdout.contains("subtotal 0.01 USD"), "{}", r.stdout);
    assert!(r.stdout.contains("add up to 0.0112 USD"), "{}", r.stdout);
}

#[test]
fn a_plan_can_come_from_standard_input() {
    use std::io::Write;
    use std::process::Stdio;
    let mut child = common::cmd(&["estimate", "-", "--format", "json"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(tiny_items(2).as_bytes())
        .unwrap();
    let r: common::Run = child.wait_with_output().unwrap().into();
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v: Value = serde_json::from_str(&r.stdout).unwrap();
    // 2 × 0.002775 = 0.00555 → 0.01.
    assert_eq!(s(&v["subtotal"]), "0.01");
    // Errors in it name `<stdin>`.
    let mut child = common::cmd(&["estimate", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"name = \"x\"\n[[items]]\nname = \"a\"\nmodle = \"gpt-5\"\n")
        .unwrap();
    let r: common::Run = child.wait_with_output().unwrap().into();
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.starts_with(
            "error: <stdin>:4:1: field `items.modle`: unknown field `modle` (did you mean `model`?)"
        ),
        "{}",
        r.stderr
    );
}

#[cfg(unix)]
#[test]
fn special_files_are_refused_unread() {
    // A FIFO with no writer would block an open() forever, and /dev/zero
    // never ends: both are refused from their metadata, exit 2, at once.
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("plan.toml");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(made.success());
    let zero = dir.path().join("zero.toml");
    std::os::unix::fs::symlink("/dev/zero", &zero).unwrap();
    for (path, what) in [
        (&fifo, "is a FIFO (named pipe), not a regular file"),
        (&zero, "is a character device, not a regular file"),
    ] {
        let p = path.display().to_string();
        let started = std::time::Instant::now();
        for cmd in ["estimate", "compare"] {
            let r = common::run(&[cmd, &p]);
            assert_eq!(r.code, 2, "{cmd} {p}: {}", r.stderr);
            assert!(r.stderr.contains(&format!("{p}: {what}")), "{}", r.stderr);
            assert!(
                r.stderr.contains("`-` to read it from standard input"),
                "{}",
                r.stderr
            );
        }
        assert!(started.elapsed().as_secs() < 10, "{:?}", started.elapsed());
    }
}

#[test]
fn model_names_are_suggested_by_prefix_and_substring() {
    let plan = |model: &str| {
        format!(
            "name = \"x\"\nas_of = 2026-06-01\n[[items]]\nname = \"a\"\nmodel = \"{model}\"\ncount = 1\nseconds = 8\nresolution = \"720p\"\n"
        )
    };
    // A prefix: the full id starts with it.
    let (_d, p) = write_plan(&plan("veo-3.1-fast"));
    let r = common::run(&["estimate", &p]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains(
            "unknown model `veo-3.1-fast`; did you mean google/veo-3.1-fast-generate-001"
        ),
        "{}",
        r.stderr
    );
    // A substring from the middle of the name.
    let (_d, p) = write_plan(&plan("fast-generate"));
    let r = common::run(&["estimate", &p]);
    assert!(
        r.stderr.contains("did you mean google/veo-"),
        "{}",
        r.stderr
    );
}
