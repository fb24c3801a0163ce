//! Quoting one unit of work — an image, a clip, a request — from a model's
//! prices. The estimator, the ledger and compare all price through here, so
//! one request costs the same everywhere.

use std::fmt::Write as _;

use rust_decimal::Decimal;

use super::book::Resolved;
use super::model::{ImagePrices, Kind, LongContext, Model, QualityPrice, Size, Table, VideoPrices};
use crate::money::{Currency, plain};

/// What one unit of work asks for. Fields that don't apply to the model's
/// kind are ignored here; plan validation rejects them with context.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RequestSpec {
    pub quality: Option<String>,
    pub size: Option<String>,
    pub resolution: Option<String>,
    /// Seconds per clip.
    pub seconds: Option<Decimal>,
    pub input_tokens: Option<u64>,
    pub cached_input_tokens: Option<u64>,
    pub output_tokens: Option<u64>,
    /// Text input tokens sent with each image request.
    pub prompt_tokens: Option<u64>,
    /// Image-input tokens (reference images) sent with each image request.
    pub input_image_tokens: Option<u64>,
}

/// What a price is counted in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PriceUnit {
    /// The table's currency.
    Money(Currency),
    /// A credit unit defined in the same table.
    Credits(String),
}

/// The price of one unit of work.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Quote {
    /// Exact, never rounded.
    pub unit_price: Decimal,
    pub price_unit: PriceUnit,
    /// The priced variant, e.g. `high 1024x1536`, `8s 1280x720`, `500 in + 1000 out`.
    pub spec: String,
    /// `image`, `clip` or `request`.
    pub unit: &'static str,
    /// Things worth saying that don't stop the quote (e.g. clip length not offered).
    pub warnings: Vec<String>,
}

/// Why a unit could not be priced. Messages list what would be valid.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QuoteError {
    #[error("`{field}` is missing; {model} needs it ({})", valid_list(.valid))]
    Missing {
        field: &'static str,
        model: String,
        valid: Vec<String>,
    },
    #[error("{model} does not offer {field} `{value}`; offered: {}", .valid.join(", "))]
    NotOffered {
        field: &'static str,
        value: String,
        model: String,
        valid: Vec<String>,
    },
    #[error("`{value}` matches several resolutions of {model} priced differently: {}; write one of them", .choices.join(", "))]
    Ambiguous {
        value: String,
        model: String,
        choices: Vec<String>,
    },
    #[error("{model} has no `{price}` token price, so `{field}` can't be priced")]
    NotPriced {
        field: &'static str,
        price: &'static str,
        model: String,
    },
    #[error("`{field}`: {message}")]
    Invalid {
        field: &'static str,
        message: String,
    },
    #[error("the price of one unit is too large to compute exactly")]
    Overflow,
}

fn valid_list(v: &[String]) -> String {
    if v.is_empty() {
        "no choices are priced".into()
    } else {
        format!("valid: {}", v.join(", "))
    }
}

impl Resolved<'_> {
    /// Quotes one unit of `spec` from this model's prices.
    pub fn quote(&self, spec: &RequestSpec) -> Result<Quote, QuoteError> {
        quote(self.table, self.model, spec)
    }
}

const MILLION: Decimal = Decimal::from_parts(1_000_000, 0, 0, false, 0);

/// Quotes one unit of `spec` from `model` (listed in `table`).
pub fn quote(table: &Table, model: &Model, spec: &RequestSpec) -> Result<Quote, QuoteError> {
    let price_unit = match &model.price_unit {
        Some(u) => PriceUnit::Credits(u.clone()),
        None => PriceUnit::Money(table.currency),
    };
    let (unit_price, text, unit, warnings) = match model.kind {
        Kind::Image => image(model, spec)?,
        Kind::Video => video(model, spec)?,
        Kind::Text => text(model, spec)?,
    };
    Ok(Quote {
        unit_price,
        price_unit,
        spec: text,
        unit,
        warnings,
    })
}

type Priced = (Decimal, String, &'static str, Vec<String>);

fn per_million(tokens: u64, price: Decimal) -> Result<Decimal, QuoteError> {
    Decimal::from(tokens)
        .checked_mul(price)
        .and_then(|x| x.checked_div(MILLION))
        .ok_or(QuoteError::Overflow)
}

fn add(a: Decimal, b: Decimal) -> Result<Decimal, QuoteError> {
    a.checked_add(b).ok_or(QuoteError::Overflow)
}

/// The qualities an image model distinguishes (empty for a single price).
pub fn qualities(model: &Model) -> Vec<String> {
    match &model.image {
        Some(ImagePrices::ByQuality(qs)) => qs.iter().map(|(q, _)| q.clone()).collect(),
        _ => Vec::new(),
    }
}

/// A label of words separated by single spaces.
#[derive(Default)]
struct Label {
    text: String,
    words: usize,
}

impl Label {
    fn push(&mut self, word: impl std::fmt::Display) {
        if self.words > 0 {
            self.text.push(' ');
        }
        self.words += 1;
        let _ = write!(self.text, "{word}");
    }
}

fn image(model: &Model, spec: &RequestSpec) -> Result<Priced, QuoteError> {
    let name = &model.name;
    let mut label = Label::default();
    let base = match &model.image {
        None => {
            return Err(QuoteError::Missing {
                field: "image prices",
                model: name.clone(),
                valid: vec![],
            });
        }
        Some(ImagePrices::Single(p)) => {
            for word in spec.quality.iter().chain(&spec.size) {
                label.push(word);
            }
            *p
        }
        Some(ImagePrices::ByQuality(qs)) => {
            // Listed only for an error, so built only then.
            let valid = || qs.iter().map(|(q, _)| q.clone()).collect::<Vec<String>>();
            let q = spec.quality.as_deref().ok_or_else(|| QuoteError::Missing {
                field: "quality",
                model: name.clone(),
                valid: valid(),
            })?;
            let (_, qp) =
                qs.iter()
                    .find(|(k, _)| k == q)
                    .ok_or_else(|| QuoteError::NotOffered {
                        field: "quality",
                        value: q.to_string(),
                        model: name.clone(),
                        valid: valid(),
                    })?;
            label.push(q);
            match qp {
                QualityPrice::Any(p) => {
                    if let Some(size) = &spec.size {
                        label.push(size);
                    }
                    *p
                }
                QualityPrice::BySize(sizes) => {
                    let valid = || {
                        sizes
                            .iter()
                            .map(|(s, _)| s.to_string())
                            .collect::<Vec<String>>()
                    };
                    let s = spec.size.as_deref().ok_or_else(|| QuoteError::Missing {
                        field: "size",
                        model: name.clone(),
                        valid: valid(),
                    })?;
                    let wanted = Size::parse(s).map_err(|message| QuoteError::Invalid {
                        field: "size",
                        message,
                    })?;
                    let (_, p) = sizes.iter().find(|(k, _)| *k == wanted).ok_or_else(|| {
                        QuoteError::NotOffered {
                            field: "size",
                            value: s.to_string(),
                            model: name.clone(),
                            valid: valid(),
                        }
                    })?;
                    label.push(wanted);
                    *p
                }
            }
        }
    };
    let mut total = base;
    if let Some(n) = spec.prompt_tokens.filter(|n| *n > 0) {
        if let Some(price) = model.tokens.text_input.or(model.tokens.input) {
            total = add(total, per_million(n, price)?)?;
            label.push(format_args!("+{n} prompt tokens"));
        }
    }
    if let Some(n) = spec.input_image_tokens.filter(|n| *n > 0) {
        if let Some(price) = model.tokens.image_input {
            total = add(total, per_million(n, price)?)?;
            label.push(format_args!("+{n} image-input tokens"));
        }
    }
    Ok((total, label.text, "image", Vec::new()))
}

/// Finds the resolution `wanted` names: an exact `WxH`, or `720p`/`4k` for
/// every resolution with that short side (an error if they differ in price).
pub fn match_resolution(model: &Model, wanted: &str) -> Result<(String, Decimal), QuoteError> {
    let name = &model.name;
    let res = match &model.video {
        Some(VideoPrices::ByResolution(r)) => r,
        Some(VideoPrices::Single(p)) => return Ok((wanted.to_string(), *p)),
        None => {
            return Err(QuoteError::Missing {
                field: "video prices",
                model: name.clone(),
                valid: vec![],
            });
        }
    };
    let valid = || {
        res.iter()
            .map(|(s, _)| s.to_string())
            .collect::<Vec<String>>()
    };
    let lower = wanted.trim().to_ascii_lowercase();
    let short_side = if lower == "4k" {
        Some(2160)
    } else {
        lower.strip_suffix('p').and_then(|n| n.parse::<u32>().ok())
    };
    let matches: Vec<&(Size, Decimal)> = match short_side {
        Some(n) => res.iter().filter(|(s, _)| s.short_side() == n).collect(),
        None => {
            let exact = Size::parse(&lower).map_err(|_| QuoteError::Invalid {
                field: "resolution",
                message: format!(
                    "`{wanted}` is not a resolution; write WIDTHxHEIGHT or e.g. 720p ({})",
                    valid().join(", ")
                ),
            })?;
            res.iter().filter(|(s, _)| *s == exact).collect()
        }
    };
    match matches.as_slice() {
        [] => Err(QuoteError::NotOffered {
            field: "resolution",
            value: wanted.to_string(),
            model: name.clone(),
            valid: valid(),
        }),
        [(s, p)] => Ok((s.to_string(), *p)),
        [(_, p0), rest @ ..] if rest.iter().all(|(_, p)| p == p0) => Ok((lower, *p0)),
        many => Err(QuoteError::Ambiguous {
            value: wanted.to_string(),
            model: name.clone(),
            choices: many
                .iter()
                .map(|(s, p)| format!("{s} ({}/s)", plain(*p)))
                .collect(),
        }),
    }
}

fn video(model: &Model, spec: &RequestSpec) -> Result<Priced, QuoteError> {
    let name = &model.name;
    let seconds = spec.seconds.ok_or_else(|| QuoteError::Missing {
        field: "seconds",
        model: name.clone(),
        valid: if model.durations.is_empty() {
            vec!["seconds per clip".into()]
        } else {
            model.durations.iter().map(|d| format!("{d}")).collect()
        },
    })?;
    if seconds <= Decimal::ZERO {
        return Err(QuoteError::Invalid {
            field: "seconds",
            message: format!("{seconds} is not a clip length; give seconds > 0"),
        });
    }
    let (res, per_second) = match (&model.video, spec.resolution.as_deref()) {
        (Some(VideoPrices::ByResolution(r)), None) => {
            return Err(QuoteError::Missing {
                field: "resolution",
                model: name.clone(),
                valid: r.iter().map(|(s, _)| s.to_string()).collect(),
            });
        }
        (Some(VideoPrices::Single(p)), None) => (String::new(), *p),
        (_, Some(w)) => match_resolution(model, w)?,
        (None, None) => {
            return Err(QuoteError::Missing {
                field: "video prices",
                model: name.clone(),
                valid: vec![],
            });
        }
    };
    let mut warnings = Vec::new();
    let offered = model.durations.iter().any(|d| Decimal::from(*d) == seconds);
    if !model.durations.is_empty() && !offered {
        let list: Vec<String> = model.durations.iter().map(|d| d.to_string()).collect();
        warnings.push(format!(
            "{name} offers clips of {} s, not {} s; priced per second",
            list.join(", "),
            plain(seconds)
        ));
    }
    let price = seconds
        .checked_mul(per_second)
        .ok_or(QuoteError::Overflow)?;
    let mut label = format!("{}s {res}", seconds.normalize());
    label.truncate(label.trim_end().len());
    Ok((price, label, "clip", warnings))
}

fn text(model: &Model, spec: &RequestSpec) -> Result<Priced, QuoteError> {
    let name = &model.name;
    let t = &model.tokens;
    // A request whose input (plain plus cached) passes the long-context
    // threshold is priced wholly at the tier's prices, as the vendors bill it.
    let sent = spec
        .input_tokens
        .unwrap_or(0)
        .saturating_add(spec.cached_input_tokens.unwrap_or(0));
    let tier = model.long_context.as_ref().filter(|lc| sent > lc.above);
    let pick = |base: Option<Decimal>, long: fn(&LongContext) -> Option<Decimal>| {
        tier.and_then(long).or(base)
    };
    let parts = [
        (
            "input_tokens",
            "input",
            spec.input_tokens,
            pick(t.input.or(t.text_input), |lc| lc.input),
            "in",
        ),
        (
            "cached_input_tokens",
            "cached_input",
            spec.cached_input_tokens,
            pick(t.cached_input.or(t.cached_text_input), |lc| lc.cached_input),
            "cached",
        ),
        (
            "output_tokens",
            "output",
            spec.output_tokens,
            pick(t.output, |lc| lc.output),
            "out",
        ),
    ];
    if parts.iter().all(|(_, _, n, _, _)| n.is_none()) {
        return Err(QuoteError::Missing {
            field: "input_tokens",
            model: name.clone(),
            valid: vec![
                "input_tokens".into(),
                "cached_input_tokens".into(),
                "output_tokens".into(),
                "prompt".into(),
            ],
        });
    }
    let mut total = Decimal::ZERO;
    let mut label = String::new();
    for (field, price_name, n, price, short) in parts {
        let Some(n) = n else { continue };
        if n == 0 {
            continue;
        }
        let price = price.ok_or_else(|| QuoteError::NotPriced {
            field,
            price: price_name,
            model: name.clone(),
        })?;
        total = add(total, per_million(n, price)?)?;
        if !label.is_empty() {
            label.push_str(" + ");
        }
        let _ = write!(label, "{n} {short}");
    }
    if let Some(lc) = tier {
        let _ = write!(label, " (long context, input above {})", lc.above);
    }
    Ok((total, label, "request", Vec::new()))
}

#[cfg(test)]
mod tests {
    //! Quoting one unit directly, on the frozen fixture book
    //! (tests/fixtures/book/openai/2026-01-01.toml).

    use std::str::FromStr;

    use super::*;
    use crate::pricing::fixture_book;

    fn model(name: &str) -> (&'static Table, &'static Model) {
        let t = fixture_book().versions("openai").last().unwrap();
        (t, t.model(name).unwrap())
    }

    fn dec(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    #[test]
    fn an_image_is_priced_by_quality_and_size() {
        let (t, m) = model("gpt-image-1");
        let spec = RequestSpec {
            quality: Some("high".into()),
            size: Some("1024x1536".into()),
            ..RequestSpec::default()
        };
        let q = quote(t, m, &spec).unwrap();
        assert_eq!(q.unit_price, dec("0.25"));
        assert_eq!(q.spec, "high 1024x1536");
        assert_eq!(q.unit, "image");
        assert_eq!(q.price_unit, PriceUnit::Money(Currency::USD));
        // 2,000 prompt tokens at 5.00/M add 0.01: 0.25 + 0.01 = 0.26.
        let q = quote(
            t,
            m,
            &RequestSpec {
                prompt_tokens: Some(2000),
                ..spec
            },
        )
        .unwrap();
        assert_eq!(q.unit_price, dec("0.26"));
        assert_eq!(q.spec, "high 1024x1536 +2000 prompt tokens");
    }

    #[test]
    fn a_missing_or_unoffered_choice_lists_the_valid_ones() {
        let (t, m) = model("gpt-image-1");
        let e = quote(t, m, &RequestSpec::default()).unwrap_err();
        assert_eq!(
            e.to_string(),
            "`quality` is missing; gpt-image-1 needs it (valid: high, low, medium)"
        );
        let spec = RequestSpec {
            quality: Some("ultra".into()),
            ..RequestSpec::default()
        };
        let e = quote(t, m, &spec).unwrap_err();
        assert_eq!(
            e.to_string(),
            "gpt-image-1 does not offer quality `ultra`; offered: high, low, medium"
        );
        let spec = RequestSpec {
            quality: Some("low".into()),
            size: Some("512x512".into()),
            ..RequestSpec::default()
        };
        let e = quote(t, m, &spec).unwrap_err();
        assert!(
            e.to_string()
                .contains("offered: 1024x1024, 1024x1536, 1536x1024"),
            "{e}"
        );
    }

    #[test]
    fn a_clip_is_seconds_times_the_resolution_rate() {
        let (t, m) = model("sora-2-pro");
        let spec = RequestSpec {
            seconds: Some(dec("8")),
            resolution: Some("1792x1024".into()),
            ..RequestSpec::default()
        };
        // 0.50/s × 8 s = 4.00.
        let q = quote(t, m, &spec).unwrap();
        assert_eq!(q.unit_price, dec("4.00"));
        assert_eq!(q.spec, "8s 1792x1024");
        assert!(q.warnings.is_empty());
        // `720p` names both 720x1280 and 1280x720, priced alike (0.30/s).
        assert_eq!(
            match_resolution(m, "720p").unwrap(),
            ("720p".into(), dec("0.30"))
        );
        // `1024p` names 1024x1792 and 1792x1024 (0.50/s each); `4k` none.
        assert_eq!(match_resolution(m, "1024p").unwrap().1, dec("0.50"));
        let e = match_resolution(m, "4k").unwrap_err();
        assert!(
            matches!(
                e,
                QuoteError::NotOffered {
                    field: "resolution",
                    ..
                }
            ),
            "{e}"
        );
        let e = match_resolution(m, "wide").unwrap_err();
        assert!(e.to_string().contains("is not a resolution"), "{e}");
        let e = quote(
            t,
            m,
            &RequestSpec {
                seconds: Some(dec("-1")),
                ..spec
            },
        )
        .unwrap_err();
        assert!(
            matches!(
                e,
                QuoteError::Invalid {
                    field: "seconds",
                    ..
                }
            ),
            "{e}"
        );
    }

    #[test]
    fn text_adds_each_token_part() {
        let (t, m) = model("gpt-5");
        // 2,000,000 in × 1.25 + 100,000 cached × 0.125 + 50,000 out × 12.00,
        // per million: 2.50 + 0.0125 + 0.60 = 3.1125.
        let spec = RequestSpec {
            input_tokens: Some(2_000_000),
            cached_input_tokens: Some(100_000),
            output_tokens: Some(50_000),
            ..RequestSpec::default()
        };
        let q = quote(t, m, &spec).unwrap();
        assert_eq!(q.unit_price, dec("3.1125"));
        assert_eq!(q.spec, "2000000 in + 100000 cached + 50000 out");
        assert_eq!(q.unit, "request");
        let e = quote(t, m, &RequestSpec::default()).unwrap_err();
        assert!(matches!(
            e,
            QuoteError::Missing {
                field: "input_tokens",
                ..
            }
        ));
        // u64::MAX tokens × a price overflows nothing silently.
        let huge = RequestSpec {
            input_tokens: Some(u64::MAX),
            ..RequestSpec::default()
        };
        let q = quote(t, m, &huge).unwrap();
        assert!(q.unit_price > Decimal::ZERO);
    }
}

#[cfg(test)]
mod long_context_tests {
    //! Long-context token tiers.

    use super::*;
    use crate::pricing::parse_table;
    use rust_decimal_macros::dec;

    const TABLE: &str = r#"schema = 1
provider = "acme"
effective = 2026-01-01
currency = "USD"
source = "test"

[models.t]
kind = "text"
tokens = { input = "2.50", cached_input = "0.25", output = "15.00" }
long_context = { above = 272000, input = "5.00", output = "22.50" }
"#;

    fn request(input: u64, cached: u64, output: u64) -> RequestSpec {
        RequestSpec {
            input_tokens: Some(input),
            cached_input_tokens: Some(cached),
            output_tokens: Some(output),
            ..RequestSpec::default()
        }
    }

    #[test]
    fn long_context_prices_the_whole_request_past_the_threshold() {
        let t = parse_table("t.toml", TABLE, None).unwrap();
        let m = &t.models["t"];
        // At the threshold (272,000 in all): base prices.
        // 270,000 × 2.50/1M = 0.675; 2,000 × 0.25/1M = 0.0005; 1,000 × 15/1M = 0.015
        // → 0.6905.
        let q = quote(&t, m, &request(270_000, 2_000, 1_000)).unwrap();
        assert_eq!(q.unit_price, dec!(0.6905));
        assert!(!q.spec.contains("long context"), "{}", q.spec);
        // One token more: every token at the tier. 270,001 × 5/1M = 1.350005;
        // cached has no tier price, so stays 0.25: 2,000 × 0.25/1M = 0.0005;
        // 1,000 × 22.50/1M = 0.0225 → 1.373005.
        let q = quote(&t, m, &request(270_001, 2_000, 1_000)).unwrap();
        assert_eq!(q.unit_price, dec!(1.373005));
        assert_eq!(
            q.spec,
            "270001 in + 2000 cached + 1000 out (long context, input above 272000)"
        );
    }

    #[test]
    fn long_context_is_refused_on_image_models_and_needs_a_price() {
        let bad = TABLE.replace(
            "[models.t]\nkind = \"text\"",
            "[models.t]\nkind = \"image\"\nimage = \"0.04\"",
        );
        let errs = parse_table("t.toml", &bad, None).unwrap_err();
        assert!(
            errs.iter()
                .any(|e| e.field.as_deref() == Some("models.t.long_context")
                    && e.message.contains("text models")),
            "{errs:?}"
        );
        let empty = TABLE.replace(
            "long_context = { above = 272000, input = \"5.00\", output = \"22.50\" }",
            "long_context = { above = 0 }",
        );
        let errs = parse_table("t.toml", &empty, None).unwrap_err();
        let fields: Vec<_> = errs.iter().filter_map(|e| e.field.clone()).collect();
        assert!(
            fields.contains(&"models.t.long_context.above".to_string())
                && fields.contains(&"models.t.long_context".to_string()),
            "{errs:?}"
        );
    }
}
