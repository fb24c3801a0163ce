//! `rates import litellm` on a slice of LiteLLM 1.110.2's real price file
//! (`tests/fixtures/litellm/model_prices_slice.json`, 27 entries copied
//! verbatim), `rates check --stale-after`, and estimate's warning when a
//! model retires before a `per_day` item's work ends.

use std::fs;
use std::path::Path;

use serde_json::Value;

use super::price;
use crate::common::{Run, cmd, fixture, run};

const SLICE: &str = "tests/fixtures/litellm/model_prices_slice.json";
const NOW: &str = "2026-11-26T10:00:00Z";

fn at_now(args: &[&str]) -> Run {
    cmd(args).env("GENBUDGET_NOW", NOW).output().unwrap().into()
}

fn import(out: &Path, extra: &[&str]) -> (Run, Value) {
    let mut args = vec![
        "rates",
        "import",
        "litellm",
        SLICE,
        "--out",
        out.to_str().unwrap(),
        "--format",
        "json",
    ];
    args.extend_from_slice(extra);
    let r = at_now(&args);
    let v = serde_json::from_str(&r.stdout).unwrap_or(Value::Null);
    (r, v)
}

/// `rates show` against only the imported tables.
fn show(dir: &Path, model: &str) -> Value {
    let r = at_now(&[
        "--no-builtin-pricing",
        "--pricing",
        dir.to_str().unwrap(),
        "rates",
        "show",
        model,
        "--format",
        "json",
    ]);
    assert_eq!(r.code, 0, "{model}: {}", r.stderr);
    serde_json::from_str(&r.stdout).unwrap()
}

#[test]
fn import_writes_one_checked_table_per_provider() {
    let dir = tempfile::tempdir().unwrap();
    let (r, v) = import(dir.path(), &[]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(v["schema"], "genbudget.rates.import/1");
    assert_eq!(v["entries"], 27);
    assert_eq!(v["effective"], "2026-11-26");
    let providers: Vec<&str> = v["providers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["provider"].as_str().unwrap())
        .collect();
    assert_eq!(
        providers,
        [
            "anthropic",
            "black_forest_labs",
            "fal_ai",
            "gemini",
            "minimax",
            "openai",
            "runwayml",
            "volcengine",
            "xai"
        ]
    );
    // 27 entries: the plain gpt-image-1 entry and its 4 per-size keys make one
    // model (4 entries less), one alias joins claude-haiku-5-5, and 4 are
    // skipped (embedding, no per-image price, the duplicate `sora-2`, an alias
    // of an entry not in the slice): 27 − 4 − 1 − 4 = 18 models.
    assert_eq!(v["imported"], 18);
    let why = |key: &str| -> String {
        v["skipped"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["key"] == key)
            .map(|s| s["reason"].as_str().unwrap().to_string())
            .unwrap_or_else(|| panic!("`{key}` not skipped: {}", v["skipped"]))
    };
    assert_eq!(why("text-embedding-3-small"), "mode");
    assert_eq!(why("gpt-image-2.5-flare"), "shape");
    assert_eq!(why("sora-2"), "duplicate");
    assert_eq!(why("azure/gpt-astra-latest"), "alias");
    for p in &providers {
        assert!(dir.path().join(p).join("2026-11-26.toml").is_file(), "{p}");
    }
    // The output passes `rates check`.
    let r = run(&["rates", "check", dir.path().to_str().unwrap()]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stdout.starts_with("ok: 9 tables, 18 models"),
        "{}",
        r.stdout
    );
}

#[test]
fn imported_prices_are_exact_and_price_plans() {
    let dir = tempfile::tempdir().unwrap();
    let (r, _) = import(dir.path(), &[]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    // Per-size keys → quality × size table; input_cost_per_image is the price.
    let v = show(dir.path(), "openai/gpt-image-1");
    assert_eq!(price(&v, "image high 1024x1536"), "0.25");
    assert_eq!(price(&v, "image low 1024x1024"), "0.011");
    // 4e-05 per image token × 1,000,000 = 40 per 1M.
    assert_eq!(price(&v, "tokens image_output /1M"), "40");
    assert_eq!(v["retired"], "2026-10-23");
    // gpt-5.5: 5e-06 → 5, long-context 1e-05 → 10 above 272k.
    let v = show(dir.path(), "openai/gpt-5.5");
    assert_eq!(price(&v, "tokens input /1M"), "5");
    assert_eq!(price(&v, "tokens input above 272000 /1M"), "10");
    assert_eq!(price(&v, "tokens output above 272000 /1M"), "45");
    // Veo 3.1: 0.4 by default and 0.6 at 4k; the default is written for 720p
    // and 1080p, which LiteLLM does not list.
    let v = show(dir.path(), "gemini/veo-3.1-generate-001");
    assert_eq!(price(&v, "video 1280x720 /s"), "0.4");
    assert_eq!(price(&v, "video 1920x1080 /s"), "0.4");
    assert_eq!(price(&v, "video 3840x2160 /s"), "0.6");
    // Volcano Engine Seedance 2.0 at 1080p, to LiteLLM's 9 places.
    let v = show(dir.path(), "volcengine/doubao-seedance-2-0-260128");
    assert_eq!(price(&v, "video 1920x1080 /s"), "0.354085714");
    // fal's size tiers: 1K 0.15, 4K 0.3 as square sizes.
    let v = show(dir.path(), "fal_ai/fal-ai-nano-banana-pro");
    assert_eq!(price(&v, "image standard 4096x4096"), "0.3");
    // LiteLLM's `alias_of` entry is an alias.
    let v = show(dir.path(), "anthropic/claude-haiku-latest");
    assert_eq!(v["model"], "claude-haiku-5-5");
    // claude-haiku-5-5 above 100k input tokens: 5e-07 → 0.5 per 1M.
    assert_eq!(price(&v, "tokens input above 100000 /1M"), "0.5");

    // `--pricing DIR` prices a plan with the imported tables: 10 requests of
    // 300,000 in + 1,000 out on gpt-5.5 pass 272k, so every token is at the
    // tier: 300,000 × 10/1M = 3.00 + 1,000 × 45/1M = 0.045 → 3.045 a
    // request, 30.45 for ten.
    let plans = tempfile::tempdir().unwrap();
    let plan = plans.path().join("plan.toml");
    fs::write(
        &plan,
        "name = \"long\"\nas_of = 2026-11-26\n[[items]]\nname = \"digest\"\nmodel = \"openai/gpt-5.5\"\ncount = 10\ninput_tokens = 300000\noutput_tokens = 1000\n",
    )
    .unwrap();
    let r = at_now(&[
        "--no-builtin-pricing",
        "--pricing",
        dir.path().to_str().unwrap(),
        "estimate",
        plan.to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let e: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(e["items"][0]["unit_price"], "3.045");
    assert_eq!(e["total"], "30.45");
}

#[test]
fn import_filters_providers_and_refuses_bad_input() {
    let dir = tempfile::tempdir().unwrap();
    let (r, v) = import(dir.path(), &["--provider", "xai", "--provider", "minimax"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let mut made: Vec<String> = fs::read_dir(dir.path())
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    made.sort();
    assert_eq!(made, ["minimax", "xai"]);
    // xai: grok-imagine-image, grok-imagine-video-1.5, grok-4.3; minimax: H3.
    assert_eq!(v["imported"], 4);

    // An unknown provider: exit 2, nothing written, the valid names listed.
    let empty = tempfile::tempdir().unwrap();
    let (r, _) = import(empty.path(), &["--provider", "x-ai"]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.starts_with(&format!(
            "error: {SLICE}: field `--provider`: no entry has litellm_provider `x-ai`; providers in this file: anthropic, black_forest_labs,"
        )),
        "{}",
        r.stderr
    );
    assert_eq!(fs::read_dir(empty.path()).unwrap().count(), 0);

    // Not JSON: file, line and column.
    let bad = empty.path().join("bad.json");
    fs::write(&bad, "{\n  \"a\": {\"mode\": \"chat\",}\n}\n").unwrap();
    let r = at_now(&[
        "rates",
        "import",
        "litellm",
        bad.to_str().unwrap(),
        "--out",
        empty.path().to_str().unwrap(),
    ]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr
            .starts_with(&format!("error: {}:2:", bad.display()))
            && r.stderr.contains("is not valid JSON"),
        "{}",
        r.stderr
    );
    // JSON, but not an object of entries.
    fs::write(&bad, "[1, 2]").unwrap();
    let r = at_now(&[
        "rates",
        "import",
        "litellm",
        bad.to_str().unwrap(),
        "--out",
        empty.path().to_str().unwrap(),
    ]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("is not LiteLLM's price file"),
        "{}",
        r.stderr
    );
    // --out is a file: exit 2, no partial tables.
    let r = at_now(&[
        "rates",
        "import",
        "litellm",
        SLICE,
        "--out",
        bad.to_str().unwrap(),
    ]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.starts_with("error: --out: can't create"),
        "{}",
        r.stderr
    );
    assert_eq!(
        fs::read_dir(empty.path()).unwrap().count(),
        1,
        "only bad.json is there"
    );
    // An unknown format is a usage error.
    let r = at_now(&["rates", "import", "portkey", SLICE]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("possible values: litellm"),
        "{}",
        r.stderr
    );
}

#[test]
fn stale_after_warns_about_old_providers() {
    // The fixture book's newest tables: kie 2026-04-20, openai 2026-01-01.
    // On 2026-11-26: kie is 10 + 31 + 30 + 31 + 31 + 30 + 31 + 26 = 220
    // days old (Apr 21–30, May … Oct, Nov 1–26); openai 329 days.
    let r = at_now(&[
        "rates",
        "check",
        "tests/fixtures/book",
        "--stale-after",
        "120d",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(
        r.stderr,
        "warning: kie: newest table is 2026-04-20, 220 days before 2026-11-26 (--stale-after 120d); check the vendor's prices and add a table\n\
         warning: openai: newest table is 2026-01-01, 329 days before 2026-11-26 (--stale-after 120d); check the vendor's prices and add a table\n"
    );
    assert!(
        r.stdout
            .contains("2 provider(s) with no table in the last 120 days"),
        "{}",
        r.stdout
    );
    // 220 days is not more than 220: only openai.
    let r = at_now(&[
        "rates",
        "check",
        "tests/fixtures/book",
        "--stale-after",
        "220d",
        "--format",
        "json",
    ]);
    let v: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(v["stale_after_days"], 220);
    let stale: Vec<&str> = v["stale"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["provider"].as_str().unwrap())
        .collect();
    assert_eq!(stale, ["openai"]);
    assert_eq!(v["stale"][0]["age_days"], 329);
    let r = at_now(&["rates", "check", "--stale-after", "4 months"]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr
            .contains("is not a number of days; write it like 120d"),
        "{}",
        r.stderr
    );
}

#[test]
fn estimate_warns_when_a_model_retires_before_per_day_work_ends() {
    // google/veo-3.1-generate-001 (silent, Vertex) retires 2026-11-17. Two
    // clips a day for 14 days from 2026-11-10 run to 2026-11-23, so the last
    // 7 days (11-17 … 11-23) can't run on it.
    let plan = fixture("plans/retiring-per-day.toml");
    let r = at_now(&["estimate", plan.to_str().unwrap(), "--format", "json"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v: Value = serde_json::from_str(&r.stdout).unwrap();
    let warnings: Vec<&str> = v["items"][0]["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w.as_str().unwrap())
        .collect();
    assert_eq!(
        warnings,
        [
            "google/veo-3.1-generate-001 retires on 2026-11-17, but this per_day item runs 14 days, 2026-11-10 to 2026-11-23: its last 7 day(s) can't run on it; plan a successor or fewer days"
        ]
    );
    // The second item (6 days, to 11-15) ends before it retires: no warning.
    assert_eq!(v["items"][1]["warnings"].as_array().unwrap().len(), 0);
    // A count item says nothing about days.
    assert_eq!(v["items"][2]["warnings"].as_array().unwrap().len(), 0);
}
