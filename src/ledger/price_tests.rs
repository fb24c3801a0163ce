//! Unit tests of pricing a request in credits, on the frozen fixture book
//! (tests/fixtures/book): openai@2026-01-01 and kie@2026-04-20.

use std::str::FromStr;

use super::*;
use crate::money::Currency;
use crate::pricing::fixture_book;

fn day(s: &str) -> NaiveDate {
    NaiveDate::from_str(s).unwrap()
}

fn cents() -> Settings {
    Settings::default() // 1 credit = 0.01 USD
}

fn req(model: &str, spec: Spec) -> ModelRequest {
    ModelRequest {
        model: model.into(),
        spec,
    }
}

fn video(seconds: &str, resolution: &str) -> Spec {
    Spec {
        seconds: Some(Decimal::from_str(seconds).unwrap()),
        resolution: Some(resolution.into()),
        ..Spec::default()
    }
}

fn credits(p: &Priced) -> Decimal {
    match &p.cost {
        Cost::Priced { credits, .. } => *credits,
        Cost::Credits(c) => *c,
    }
}

#[test]
fn a_video_request_is_its_seconds_times_the_rate_in_credits() {
    // sora-2-pro 1280x720: 0.30 USD/s × 4 s = 1.20 USD ÷ 0.01 = 120 credits.
    let p = price_request(
        fixture_book(),
        &cents(),
        day("2026-05-01"),
        &req("sora-2-pro", video("4", "720p")),
        false,
    )
    .unwrap();
    assert_eq!(credits(&p), Decimal::from(120));
    assert_eq!(p.money, Decimal::from_str("1.20").unwrap());
    assert_eq!(p.table, "openai@2026-01-01");
    assert_eq!(p.cost.model(), Some("openai/sora-2-pro"));
    assert_eq!(p.cost.micros().unwrap(), Micros(120_000_000));
    // 5 s is not a clip length it offers: priced per second, with a warning.
    let p = price_request(
        fixture_book(),
        &cents(),
        day("2026-05-01"),
        &req("sora-2-pro", video("5", "1280x720")),
        false,
    )
    .unwrap();
    assert_eq!(credits(&p), Decimal::from(150)); // 0.30 × 5 = 1.50 USD
    assert_eq!(p.warnings.len(), 1, "{:?}", p.warnings);
}

#[test]
fn vendor_credits_are_valued_by_the_cheapest_pack() {
    // kie/gpt-image-2: 12 kie-credits per image; the pack is 1000 for 5.00
    // USD, so 0.005 USD each: 12 × 0.005 = 0.06 USD per image, × 2 images
    // = 0.12 USD ÷ 0.01 = 12 ledger credits.
    let spec = Spec {
        images: Some(2),
        ..Spec::default()
    };
    let p = price_request(
        fixture_book(),
        &cents(),
        day("2026-05-01"),
        &req("kie/gpt-image-2", spec),
        false,
    )
    .unwrap();
    assert_eq!(credits(&p), Decimal::from(12));
    // The same rule as `estimate`'s.
    let kie = fixture_book().versions("kie").last().unwrap();
    assert_eq!(
        kie.credit_value("kie-credit"),
        Some((Decimal::from_str("0.005").unwrap(), "pack"))
    );
}

#[test]
fn text_is_priced_per_token_and_rounded_up_when_held() {
    // gpt-5: 1000 in × 1.25/M + 500 out × 12.00/M = 0.00125 + 0.006 =
    // 0.00725 USD ÷ 0.01 = 0.725 credits.
    let spec = Spec {
        input_tokens: Some(1000),
        output_tokens: Some(500),
        ..Spec::default()
    };
    let p = price_request(
        fixture_book(),
        &cents(),
        day("2026-05-01"),
        &req("gpt-5", spec.clone()),
        false,
    )
    .unwrap();
    assert_eq!(credits(&p), Decimal::from_str("0.725").unwrap());
    // With a credit worth 0.03 USD: 0.00725 ÷ 0.03 = 0.241666… credits,
    // held as 0.241667 (rounded up to the ledger's 6 places).
    let s = Settings {
        credit_value: Decimal::from_str("0.03").unwrap(),
        ..cents()
    };
    let p = price_request(
        fixture_book(),
        &s,
        day("2026-05-01"),
        &req("gpt-5", spec),
        false,
    )
    .unwrap();
    assert_eq!(p.cost.micros().unwrap(), Micros(241_667));
}

#[test]
fn a_retired_model_needs_allow_retired() {
    // sora-2 retired on 2026-09-24.
    let r = req("sora-2", video("8", "720p"));
    let e = price_request(fixture_book(), &cents(), day("2026-11-26"), &r, false).unwrap_err();
    assert_eq!(e.field(), Some("model"));
    assert!(e.to_string().contains("retired on 2026-09-24"), "{e}");
    let p = price_request(fixture_book(), &cents(), day("2026-11-26"), &r, true).unwrap();
    // 0.10 USD/s × 8 s = 0.80 USD = 80 credits, with a warning.
    assert_eq!(credits(&p), Decimal::from(80));
    assert!(
        p.warnings
            .iter()
            .any(|w| w.contains("retired on 2026-09-24")),
        "{:?}",
        p.warnings
    );
}

#[test]
fn absurd_requests_are_errors_not_panics() {
    let book = fixture_book();
    let on = day("2026-05-01");
    for seconds in ["1000000000000000000000000", "86401", "0"] {
        let e = price_request(
            book,
            &cents(),
            on,
            &req("sora-2-pro", video(seconds, "720p")),
            false,
        )
        .unwrap_err();
        assert_eq!(e.field(), Some("seconds"), "{seconds}: {e}");
    }
    // A credit worth 1e-28 USD: 4 s × 0.30 = 1.20 USD is 1.2e28 credits,
    // past what the ledger holds.
    let tiny = Settings {
        credit_value: Decimal::from_str("0.0000000000000000000000000001").unwrap(),
        ..cents()
    };
    let e = price_request(
        book,
        &tiny,
        on,
        &req("sora-2-pro", video("4", "720p")),
        false,
    )
    .unwrap_err();
    assert!(e.to_string().contains("more than the ledger holds"), "{e}");
    // Images on a video model, and a ledger in another currency.
    let spec = Spec {
        images: Some(2),
        ..video("4", "720p")
    };
    let e = price_request(book, &cents(), on, &req("sora-2-pro", spec), false).unwrap_err();
    assert_eq!(e.field(), Some("images"));
    let eur = Settings {
        currency: Currency::parse("EUR").unwrap(),
        ..cents()
    };
    let e = price_request(
        book,
        &eur,
        on,
        &req("sora-2-pro", video("4", "720p")),
        false,
    )
    .unwrap_err();
    assert!(e.to_string().contains("priced in USD"), "{e}");
}

#[test]
fn a_settle_request_takes_missing_fields_from_the_hold() {
    let held = video("8", "720p");
    let given = Spec {
        seconds: Some(Decimal::from(4)),
        ..Spec::default()
    };
    let both = given.over(&held);
    assert_eq!(both, video("4", "720p"));
    // Recorded and read back as the journal keeps it.
    let r = both.record();
    assert_eq!(r.seconds.as_deref(), Some("4"));
    assert_eq!(Spec::from_record(&r), Ok(both));
}
