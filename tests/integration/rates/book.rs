//! The shipped book's corrections (each figure and date pinned) and its
//! coverage on 2026-11-26. Sources are named in docs/pricing-tables.md.

use std::collections::BTreeSet;
use std::fs;

use serde_json::Value;

use super::price;
use crate::common::{root, run, run_json};

fn show(model: &str, date: &str) -> Value {
    let (r, v) = run_json(&["rates", "show", model, "--as-of", date, "--format", "json"]);
    assert_eq!(r.code, 0, "{model} on {date}: {}", r.stderr);
    v
}

#[test]
fn chatgpt_sora_credits_end_on_2026_04_26() {
    // OpenAI Help Center, "What to know about the Sora discontinuation".
    let v = show("chatgpt/sora", "2026-04-25");
    assert_eq!(v["status"], "active");
    assert_eq!(v["retired"], "2026-04-26");
    let v = show("chatgpt/sora", "2026-04-26");
    assert_eq!(v["status"], "retired");
    // Plus: 1,000 credits ÷ 4 credits a second (480x480) = 250 s ≈ 4.2 min,
    // and the old "4-8 minutes" is gone from the notes.
    assert_eq!(price(&v, "video 480x480 /s"), "4");
    let text = fs::read_to_string(root().join("pricing/chatgpt/2026-04-20.toml")).unwrap();
    assert!(text.contains("1,000 / 4 = 250 s, about 4.2 minutes"));
    assert!(!text.contains("4-8 minutes of video a month"));
    assert!(!text.contains("seeds/"));
    // The article without Sora credit figures is no longer cited for them.
    assert!(text.contains("no longer cites the GPT Image 2 vs Sora article for credit figures"));
}

#[test]
fn google_veo_and_flash_image_dates() {
    // veo-3.1-lite-generate-preview: retired 2026-10-22 (LiteLLM gemini/, citing
    // Google's deprecations page); in force the day before.
    let v = show("google/veo-3.1-lite-generate-preview", "2026-10-21");
    assert_eq!(v["status"], "active");
    assert_eq!(v["retired"], "2026-10-22");
    assert_eq!(
        show("google/veo-3.1-lite-generate-preview", "2026-10-22")["status"],
        "retired"
    );
    // Its GA id, same prices: 0.05 at 720p, 0.08 at 1080p per second.
    let v = show("google/veo-3.1-lite-generate-001", "2026-11-26");
    assert_eq!(price(&v, "video 1280x720 /s"), "0.05");
    assert_eq!(price(&v, "video 1920x1080 /s"), "0.08");
    // The Vertex-only silent veo-3.1-generate-001 retires 2026-11-17 with the
    // Vertex GA ids; the Gemini API audio price stays (0.40 at 720p).
    assert_eq!(
        show("google/veo-3.1-generate-001", "2026-11-16")["status"],
        "active"
    );
    let v = show("google/veo-3.1-generate-001", "2026-11-17");
    assert_eq!(v["status"], "retired");
    assert_eq!(v["retired"], "2026-11-17");
    let v = show("google/veo-3.1-generate-001-audio", "2026-11-26");
    assert_eq!(v["status"], "active");
    assert_eq!(price(&v, "video 1280x720 /s"), "0.4");
    // gemini-2.5-flash-image: 2027-03-15 (LiteLLM 1.110.2) over 2026-10-02
    // (older sources); offered after 2026-10-02 at 1,290 tokens × $30/M = 0.0387 ≈ 0.039.
    let v = show("google/gemini-2.5-flash-image", "2026-10-15");
    assert_eq!(v["status"], "active");
    assert_eq!(v["retired"], "2027-03-15");
    assert_eq!(v["table"], "google@2026-10-02");
    assert_eq!(price(&v, "image"), "0.039");
}

#[test]
fn openai_launch_dates_and_added_minis() {
    // gpt-5.2 from 2025-12-11 (dated id gpt-5.2-2025-12-11); not the day before.
    let v = show("openai/gpt-5.2", "2025-12-11");
    assert_eq!(v["table"], "openai@2025-12-11");
    assert_eq!(price(&v, "tokens output /1M"), "14");
    let r = run(&["rates", "show", "openai/gpt-5.2", "--as-of", "2025-12-10"]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr
            .contains("first appears in the table of 2025-12-11"),
        "{}",
        r.stderr
    );
    // gpt-5.4 from 2026-03-05; above 272k input tokens: 2 × 2.50 = 5.00 input,
    // 1.5 × 15.00 = 22.50 output.
    let v = show("gpt-5.4-2026-03-05", "2026-03-05");
    assert_eq!(v["table"], "openai@2026-03-05");
    assert_eq!(price(&v, "tokens input /1M"), "2.5");
    assert_eq!(price(&v, "tokens input above 272000 /1M"), "5");
    assert_eq!(price(&v, "tokens output above 272000 /1M"), "22.5");
    // gpt-5.5 from 2026-04-23: 5 / 0.50 / 30; above 272k 10 / 1.00 / 45.
    let v = show("openai/gpt-5.5", "2026-04-23");
    assert_eq!(v["table"], "openai@2026-04-23");
    assert_eq!(price(&v, "tokens input /1M"), "5");
    assert_eq!(price(&v, "tokens output above 272000 /1M"), "45");
    let r = run(&["rates", "show", "openai/gpt-5.5", "--as-of", "2026-04-22"]);
    assert_eq!(r.code, 2, "{}", r.stdout);
    // gpt-4o-mini 0.15/0.075/0.60, gpt-4.1-mini 0.40/0.10/1.60, gpt-4.1-nano
    // 0.10/0.025/0.40 (LiteLLM, citing OpenAI's pricing page).
    let v = show("openai/gpt-4o-mini", "2025-06-01");
    assert_eq!(price(&v, "tokens input /1M"), "0.15");
    assert_eq!(price(&v, "tokens cached_input /1M"), "0.075");
    assert_eq!(price(&v, "tokens output /1M"), "0.6");
    assert_eq!(
        price(
            &show("openai/gpt-4.1-mini", "2025-06-01"),
            "tokens output /1M"
        ),
        "1.6"
    );
    assert_eq!(
        price(
            &show("openai/gpt-4.1-nano", "2025-06-01"),
            "tokens cached_input /1M"
        ),
        "0.025"
    );
    let v = show("openai/gpt-4.1-nano", "2026-10-23");
    assert_eq!(v["status"], "retired");
    for f in fs::read_dir(root().join("pricing/openai"))
        .unwrap()
        .flatten()
    {
        let text = fs::read_to_string(f.path()).unwrap();
        assert!(
            !text.contains("state no price for them"),
            "{}",
            f.path().display()
        );
    }
}

#[test]
fn seedance_1080p_and_list_price_notes() {
    // 1920 × 1080 × 24 / 1024 = 48,600 video tokens a second × $7 / 1M = 0.3402
    // (the table used to say 0.374, against its own formula).
    let v = show("bytedance/seedance-2.0", "2026-09-10");
    assert_eq!(price(&v, "video 1920x1080 /s"), "0.3402");
    assert_eq!(price(&v, "video 1080x1920 /s"), "0.3402");
    // Ideogram's and Luma's prices are no longer called a reseller's markup.
    for p in ["ideogram/2026-08-18.toml", "luma/2026-08-18.toml"] {
        let text = fs::read_to_string(root().join("pricing").join(p)).unwrap();
        assert!(!text.contains("Comfy price, ~1.43x list"), "{p}");
    }
    let v = show("ideogram/ideogram-v3", "2026-09-01");
    assert_eq!(price(&v, "image quality"), "0.09");
}

#[test]
fn coverage_on_2026_11_26() {
    let (r, v) = run_json(&["rates", "list", "--as-of", "2026-11-26", "--format", "json"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let in_force = |m: &&Value| m["retired"].as_str().is_none_or(|d| d > "2026-11-26");
    let models: Vec<&Value> = v["models"]
        .as_array()
        .unwrap()
        .iter()
        .filter(in_force)
        .collect();
    let media: Vec<&&Value> = models
        .iter()
        .filter(|m| m["kind"] == "image" || m["kind"] == "video")
        .collect();
    let providers: BTreeSet<&str> = media
        .iter()
        .map(|m| m["provider"].as_str().unwrap())
        .collect();
    assert!(media.len() >= 75, "{} image/video models", media.len());
    assert!(providers.len() >= 15, "{providers:?}");
    // Text for copy and prompts: OpenAI, Google, Anthropic, xAI, each with
    // input, cached input and output prices.
    let text: Vec<&&Value> = models
        .iter()
        .filter(|m| {
            m["kind"] == "text"
                && ["openai", "google", "anthropic", "xai"]
                    .contains(&m["provider"].as_str().unwrap())
        })
        .collect();
    assert!(text.len() >= 40, "{} text models", text.len());
    let mut tiers = 0;
    for m in &text {
        let id = format!(
            "{}/{}",
            m["provider"].as_str().unwrap(),
            m["model"].as_str().unwrap()
        );
        let s = show(&id, "2026-11-26");
        let labels: Vec<&str> = s["prices"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["price"].as_str().unwrap())
            .collect();
        for want in ["tokens input /1M", "tokens output /1M"] {
            assert!(labels.contains(&want), "{id}: {labels:?}");
        }
        let cached = labels.contains(&"tokens cached_input /1M");
        // Only the pro/reasoning tiers LiteLLM prices with no cache discount lack it.
        assert!(cached || id.ends_with("-pro"), "{id}: {labels:?}");
        tiers += usize::from(labels.iter().any(|l| l.contains(" above ")));
    }
    // Long-context tiers where they exist: gpt-5.4/5.5(-pro), Gemini 2.5/3.1 Pro,
    // Grok 4.x, Claude Haiku 5.5 …
    assert!(tiers >= 10, "{tiers} text models with a long-context tier");
    // Grok 4.3 above 200k input tokens: 2.5e-06 × 1e6 = 2.50 input.
    let v = show("xai/grok-4.3", "2026-11-26");
    assert_eq!(price(&v, "tokens input above 200000 /1M"), "2.5");
}

#[test]
fn no_table_or_pricing_doc_points_outside_the_repository() {
    let mut files = vec![
        root().join("docs/pricing.md"),
        root().join("docs/pricing-tables.md"),
        root().join("README.md"),
    ];
    for dir in ["pricing", "examples"] {
        let mut stack = vec![root().join(dir)];
        while let Some(d) = stack.pop() {
            for e in fs::read_dir(&d).unwrap().flatten() {
                if e.path().is_dir() {
                    stack.push(e.path());
                } else {
                    files.push(e.path());
                }
            }
        }
    }
    for f in files {
        let text = fs::read_to_string(&f).unwrap();
        for bad in [
            "../shared",
            "shared/",
            "spec/",
            "seeds/",
            "seed 0",
            "pricing-sources.md",
        ] {
            assert!(!text.contains(bad), "{} mentions `{bad}`", f.display());
        }
    }
}

#[test]
fn the_documented_whole_table_passes_check_and_prices() {
    // docs/pricing-tables.md says a table can be written from it alone: its
    // "A whole table" example must be a valid table.
    let doc = fs::read_to_string(root().join("docs/pricing-tables.md")).unwrap();
    let from = doc.find("### A whole table").expect("section");
    let body = &doc[from..];
    let start = body.find("```toml\n").unwrap() + "```toml\n".len();
    let end = body[start..].find("```").unwrap();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("acme/2026-11-26.toml");
    fs::create_dir_all(file.parent().unwrap()).unwrap();
    fs::write(&file, &body[start..start + end]).unwrap();
    let r = run(&["rates", "check", dir.path().to_str().unwrap()]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stdout.starts_with("ok: 1 table, 3 models"),
        "{}",
        r.stdout
    );
    // Its text model above 200k input tokens: 250,000 × 2.50/1M = 0.625.
    let plans = tempfile::tempdir().unwrap();
    let plan = plans.path().join("p.toml");
    fs::write(
        &plan,
        "name = \"p\"\nas_of = 2026-11-26\n[[items]]\nname = \"long\"\nmodel = \"acme-text-1.5-2026-11-01\"\ncount = 1\ninput_tokens = 250000\n",
    )
    .unwrap();
    let (r, v) = run_json(&[
        "--pricing",
        dir.path().to_str().unwrap(),
        "estimate",
        plan.to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(v["items"][0]["unit_price"], "0.625");
}
