use super::*;
use rust_decimal_macros::dec;

fn opts() -> ImportOptions {
    ImportOptions {
        providers: vec![],
        effective: NaiveDate::from_ymd_opt(2026, 11, 26).unwrap(),
    }
}

#[test]
fn numbers_are_read_from_their_text_exactly() {
    // Read as text, 1.58945719e-07 is exact (as f64 it is not), and
    // 158945719 × 1,572,864 (= 1024 × 1536) = 249,999,999,369,216,
    // shifted 15 places: 0.249999999369216 (LiteLLM's 0.25, to 9 places).
    let json = r#"{"high/1024-x-1536/m": {"litellm_provider": "openai", "mode": "image_generation", "input_cost_per_pixel": 1.58945719e-07, "output_cost_per_pixel": 0.0}}"#;
    let (tables, _) = convert(json, "f.json", &opts()).unwrap();
    let m = &tables[0].models["m"];
    let Some(ImportedImage::BySize(q)) = &m.image else {
        panic!("{m:?}")
    };
    let size = Size::parse("1024x1536").unwrap();
    assert_eq!(q["high"][&size].to_string(), "0.249999999369216");
}

#[test]
fn every_json_number_form_is_exact() {
    // 1E-7 × 1e6 = 0.1; 2.5e+01 = 25 per token (a silly price, exactly
    // 25,000,000 per 1M); 3 = 3,000,000 per 1M; -0.0 is zero.
    let json = r#"{"a": {"litellm_provider": "p", "mode": "chat",
        "input_cost_per_token": 1E-7, "output_cost_per_token": 2.5e+01,
        "cache_read_input_token_cost": -0.0},
        "b": {"litellm_provider": "p", "mode": "chat", "input_cost_per_token": 3}}"#;
    let (tables, _) = convert(json, "f.json", &opts()).unwrap();
    let a = &tables[0].models["a"];
    assert_eq!(
        a.tokens,
        vec![
            ("input", dec!(0.1)),
            ("cached_input", dec!(0)),
            ("output", dec!(25000000))
        ]
    );
    assert_eq!(tables[0].models["b"].tokens, vec![("input", dec!(3000000))]);
}

#[test]
fn text_tokens_scale_to_per_million_with_a_long_context_tier() {
    // 1.25e-06 × 1e6 = 1.25; 2.5e-06 × 1e6 = 2.5; 1e-05 × 1e6 = 10.
    let json = r#"{"gemini/p": {"litellm_provider": "gemini", "mode": "chat",
        "input_cost_per_token": 1.25e-06, "output_cost_per_token": 1e-05,
        "cache_read_input_token_cost": 1.25e-07,
        "input_cost_per_token_above_200k_tokens": 2.5e-06,
        "output_cost_per_token_above_200k_tokens": 1.5e-05}}"#;
    let (tables, report) = convert(json, "f.json", &opts()).unwrap();
    let m = &tables[0].models["p"];
    assert_eq!(
        m.tokens,
        vec![
            ("input", dec!(1.25)),
            ("cached_input", dec!(0.125)),
            ("output", dec!(10))
        ]
    );
    assert_eq!(
        m.long_context,
        Some((200_000, vec![("input", dec!(2.5)), ("output", dec!(15))]))
    );
    assert_eq!(report.imported, 1);
}

#[test]
fn video_default_price_fills_unlisted_720p_and_1080p() {
    // veo-3.1 in LiteLLM: 0.4 by default, 0.6 at 4k → 720p and 1080p at 0.4.
    let json = r#"{"gemini/v": {"litellm_provider": "gemini", "mode": "video_generation",
        "output_cost_per_second": 0.4, "output_cost_per_second_4k": 0.6}}"#;
    let (tables, _) = convert(json, "f.json", &opts()).unwrap();
    let rows = tables[0].models["v"].video.clone().unwrap();
    let find = |s: &str| {
        rows.iter()
            .find(|(k, _)| *k == Some(Size::parse(s).unwrap()))
            .map(|(_, p)| *p)
    };
    assert_eq!(find("1280x720"), Some(dec!(0.4)));
    assert_eq!(find("1080x1920"), Some(dec!(0.4)));
    assert_eq!(find("3840x2160"), Some(dec!(0.6)));
    assert_eq!(find("854x480"), None);
}

#[test]
fn skips_say_why() {
    let json = r#"{"e": {"litellm_provider": "openai", "mode": "embedding", "input_cost_per_token": 1e-07},
        "x/t": {"litellm_provider": "x", "mode": "image_generation", "output_cost_per_image_token": 3e-05},
        "bad": {"litellm_provider": "openai", "mode": "chat", "input_cost_per_token": "cheap"},
        "neg": {"litellm_provider": "openai", "mode": "chat", "input_cost_per_token": -1}}"#;
    let (tables, report) = convert(json, "f.json", &opts()).unwrap();
    assert!(tables.is_empty());
    let why: BTreeMap<&str, &str> = report
        .skipped
        .iter()
        .map(|s| (s.key.as_str(), s.reason))
        .collect();
    assert_eq!(why["e"], "mode");
    assert_eq!(why["x/t"], "shape");
    assert_eq!(why["bad"], "bad value");
    assert_eq!(why["neg"], "bad value");
}

#[test]
fn unknown_provider_and_bad_json_are_errors() {
    let e = convert("{", "f.json", &opts()).unwrap_err();
    assert!(e.to_string().starts_with("f.json:1:"), "{e}");
    let e = convert(
        r#"{"a": {"litellm_provider": "openai", "mode": "chat"}}"#,
        "f.json",
        &ImportOptions {
            providers: vec!["opnai".into()],
            ..opts()
        },
    )
    .unwrap_err();
    assert_eq!(e.field.as_deref(), Some("--provider"));
    assert!(e.message.contains("providers in this file: openai"), "{e}");
}
