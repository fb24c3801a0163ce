//! Raw table → validated [`Table`], collecting every problem in the file.
//!
//! The raw layer has already refused unknown keys, bad prices, dates and
//! sizes (with their positions). Here go the checks that need the whole
//! file: schema, provider = folder, effective = file name, kinds and their
//! prices, credit units, aliases, limits. Each problem names file, line,
//! column and field.

use std::collections::{BTreeMap, BTreeSet};
use std::ops::Range;

use toml::Spanned;

use super::model::*;
use super::raw::*;
use crate::location::InputError;
use crate::money::{Currency, read_toml};

/// Where a table file sits, to check its `provider` and `effective`.
pub struct Expect<'a> {
    pub folder: &'a str,
    pub stem: &'a str,
}

struct Problems<'a> {
    origin: &'a str,
    source: &'a str,
    list: Vec<InputError>,
}

impl Problems<'_> {
    fn at(&mut self, span: Range<usize>, field: impl Into<String>, message: impl Into<String>) {
        self.list.push(InputError::at(
            self.origin,
            self.source,
            Some(span),
            Some(field.into()),
            message,
        ));
    }
}

/// Parses and validates one table file's text.
pub fn parse_table(
    origin: &str,
    source: &str,
    expect: Option<Expect<'_>>,
) -> Result<Table, Vec<InputError>> {
    if source.trim().is_empty() {
        return Err(vec![InputError::file(
            origin,
            "is empty; a price table needs schema, provider, effective, currency and source",
        )]);
    }
    // Every float literal is read from its text, so `1e-400` is found even
    // where serde stops at another error.
    let raw: RawTable = read_toml(source).map_err(|problems| {
        problems
            .iter()
            .map(|p| InputError::from_toml_problem(origin, source, p))
            .collect::<Vec<_>>()
    })?;
    validate(raw, origin, source, expect)
}

fn validate(
    raw: RawTable,
    origin: &str,
    source: &str,
    expect: Option<Expect<'_>>,
) -> Result<Table, Vec<InputError>> {
    let mut p = Problems {
        origin,
        source,
        list: Vec::new(),
    };
    if *raw.schema.get_ref() != 1 {
        p.at(
            raw.schema.span(),
            "schema",
            format!(
                "schema {} is not supported; this genbudget reads schema = 1",
                raw.schema.get_ref()
            ),
        );
    }
    let provider = raw.provider.get_ref().clone();
    if !valid_name(&provider) {
        p.at(
            raw.provider.span(),
            "provider",
            format!("`{provider}` is not a provider name (letters, digits, `.`, `_`, `-`)"),
        );
    }
    let effective = raw.effective.get_ref().0;
    if let Some(e) = &expect {
        if e.folder != provider {
            p.at(
                raw.provider.span(),
                "provider",
                format!(
                    "provider `{provider}` must equal the folder the file is in, `{}`",
                    e.folder
                ),
            );
        }
        if e.stem != effective.to_string() {
            p.at(
                raw.effective.span(),
                "effective",
                format!(
                    "effective {effective} must equal the file name, `{}.toml`",
                    e.stem
                ),
            );
        }
    }
    let currency = match Currency::parse(raw.currency.get_ref()) {
        Ok(c) => c,
        Err(msg) => {
            p.at(raw.currency.span(), "currency", msg);
            Currency::USD
        }
    };

    let mut credits = BTreeMap::new();
    for (id, unit) in raw.credits {
        let field = format!("credits.{}", id.get_ref());
        if let Some(u) = credit_unit(&mut p, &id, unit, &field) {
            credits.insert(id.into_inner(), u);
        }
    }

    let mut models = BTreeMap::new();
    let mut names: BTreeSet<String> = raw.models.keys().map(|k| k.get_ref().clone()).collect();
    for (name, m) in raw.models {
        if let Some(model) = model(&mut p, &name, m, &credits, &mut names) {
            models.insert(model.name.clone(), model);
        }
    }

    if !p.list.is_empty() {
        return Err(p.list);
    }
    Ok(Table {
        provider,
        effective,
        currency,
        source: raw.source,
        retrieved: raw.retrieved.map(|d| d.0),
        notes: raw.notes,
        origin: origin.to_string(),
        models,
        credits,
    })
}

/// Letters, digits, `.`, `_`, `-`: what a provider, model id, alias or
/// credit unit id may hold (`rates import` checks names with it too).
pub(crate) fn valid_name(s: &str) -> bool {
    !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
}

fn credit_unit(
    p: &mut Problems<'_>,
    id: &Spanned<String>,
    raw: RawCreditUnit,
    field: &str,
) -> Option<CreditUnit> {
    let before = p.list.len();
    if !valid_name(id.get_ref()) {
        p.at(
            id.span(),
            field,
            format!(
                "`{}` is not a credit unit id (letters, digits, `.`, `_`, `-`)",
                id.get_ref()
            ),
        );
    }
    let mut seen = BTreeSet::new();
    let mut packs = Vec::new();
    for pack in raw.packs {
        if !seen.insert(pack.id.get_ref().clone()) {
            p.at(
                pack.id.span(),
                format!("{field}.packs.id"),
                format!("pack id `{}` is used twice", pack.id.get_ref()),
            );
        }
        if pack.credits.get_ref().0.is_zero() {
            p.at(
                pack.credits.span(),
                format!("{field}.packs.credits"),
                "a pack holds more than zero credits",
            );
        }
        packs.push(Pack {
            id: pack.id.into_inner(),
            credits: pack.credits.into_inner().0,
            price: pack.price.0,
            expires_days: pack.expires_days,
        });
    }
    let mut subscriptions = Vec::new();
    for s in raw.subscriptions {
        if !seen.insert(s.id.get_ref().clone()) {
            p.at(
                s.id.span(),
                format!("{field}.subscriptions.id"),
                format!("id `{}` is used twice in this credit unit", s.id.get_ref()),
            );
        }
        if s.credits.get_ref().0.is_zero() {
            p.at(
                s.credits.span(),
                format!("{field}.subscriptions.credits"),
                "a subscription includes more than zero credits a month",
            );
        }
        subscriptions.push(Subscription {
            id: s.id.into_inner(),
            monthly: s.monthly.0,
            credits: s.credits.into_inner().0,
            rollover: s.rollover,
            max_rollover: s.max_rollover.map(|a| a.0),
            per_seat: s.per_seat,
        });
    }
    (p.list.len() == before).then(|| CreditUnit {
        id: id.get_ref().clone(),
        name: raw.name,
        packs,
        subscriptions,
        notes: raw.notes,
    })
}

fn model(
    p: &mut Problems<'_>,
    name: &Spanned<String>,
    raw: RawModel,
    credits: &BTreeMap<String, CreditUnit>,
    names: &mut BTreeSet<String>,
) -> Option<Model> {
    let before = p.list.len();
    let field = format!("models.{}", name.get_ref());
    if !valid_name(name.get_ref()) {
        p.at(
            name.span(),
            &field,
            format!(
                "`{}` is not a model id (letters, digits, `.`, `_`, `-`; no `/`)",
                name.get_ref()
            ),
        );
    }
    let kind = match raw.kind.get_ref() {
        RawKind::Image => Kind::Image,
        RawKind::Video => Kind::Video,
        RawKind::Text => Kind::Text,
    };
    let kind_span = raw.kind.span();
    let tokens = raw
        .tokens
        .as_ref()
        .map(|t| token_prices(t.get_ref()))
        .unwrap_or_default();
    match kind {
        Kind::Image if raw.image.is_none() => {
            p.at(kind_span.clone(), format!("{field}.image"), "an image model needs `image` prices (one price, quality → price, or quality → size → price)")
        }
        Kind::Video if raw.video.is_none() => {
            p.at(kind_span.clone(), format!("{field}.video"), "a video model needs `video` prices (per second, or resolution → per-second price)")
        }
        Kind::Text if tokens.input.is_none() && tokens.output.is_none() => {
            p.at(kind_span.clone(), format!("{field}.tokens"), "a text model needs `tokens` with at least `input` or `output` (per 1M tokens)")
        }
        _ => {}
    }
    if let (Some(img), true) = (&raw.image, kind != Kind::Image) {
        p.at(
            img.span(),
            format!("{field}.image"),
            format!("`image` prices are for image models; this model is kind = \"{kind}\""),
        );
    }
    if let (Some(v), true) = (&raw.video, kind != Kind::Video) {
        p.at(
            v.span(),
            format!("{field}.video"),
            format!("`video` prices are for video models; this model is kind = \"{kind}\""),
        );
    }
    let long_context = raw.long_context.map(|lc| {
        let span = lc.span();
        let lc = lc.into_inner();
        if kind != Kind::Text {
            p.at(
                span.clone(),
                format!("{field}.long_context"),
                format!("`long_context` prices are for text models; this model is kind = \"{kind}\""),
            );
        }
        if *lc.above.get_ref() == 0 {
            p.at(
                lc.above.span(),
                format!("{field}.long_context.above"),
                "`above` is the input-token count past which the long-context prices apply; it is at least 1",
            );
        }
        if lc.input.is_none() && lc.cached_input.is_none() && lc.output.is_none() {
            p.at(
                span,
                format!("{field}.long_context"),
                "`long_context` needs at least one of `input`, `cached_input`, `output` (per 1M tokens)",
            );
        }
        LongContext {
            above: *lc.above.get_ref(),
            input: lc.input.map(|a| a.0),
            cached_input: lc.cached_input.map(|a| a.0),
            output: lc.output.map(|a| a.0),
        }
    });
    let image = raw.image.map(|i| match i.into_inner() {
        RawImage::Single(a) => ImagePrices::Single(a.0),
        RawImage::ByQuality(qs) => ImagePrices::ByQuality(
            qs.into_iter()
                .map(|(q, qp)| {
                    let qp = match qp {
                        RawQualityPrice::Any(a) => QualityPrice::Any(a.0),
                        RawQualityPrice::BySize(s) => {
                            QualityPrice::BySize(s.into_iter().map(|(k, v)| (k, v.0)).collect())
                        }
                    };
                    (q, qp)
                })
                .collect(),
        ),
    });
    if let Some(ImagePrices::ByQuality(qs)) = &image {
        let empty = qs.is_empty()
            || qs
                .iter()
                .any(|(_, qp)| matches!(qp, QualityPrice::BySize(s) if s.is_empty()));
        if empty {
            p.at(
                kind_span.clone(),
                format!("{field}.image"),
                "`image` has an empty table; give at least one price",
            );
        }
    }
    let video = raw.video.map(|v| match v.into_inner() {
        RawVideo::Single(a) => VideoPrices::Single(a.0),
        RawVideo::ByResolution(rs) => {
            VideoPrices::ByResolution(rs.into_iter().map(|(k, v)| (k, v.0)).collect())
        }
    });
    if matches!(&video, Some(VideoPrices::ByResolution(rs)) if rs.is_empty()) {
        p.at(
            kind_span.clone(),
            format!("{field}.video"),
            "`video` has an empty table; give at least one resolution",
        );
    }
    if let Some(unit) = &raw.price_unit {
        if !credits.contains_key(unit.get_ref()) {
            let defined: Vec<&str> = credits.keys().map(String::as_str).collect();
            let valid = if defined.is_empty() {
                "this file defines no [credits.<unit>] table".to_string()
            } else {
                format!("units defined in this file: {}", defined.join(", "))
            };
            p.at(
                unit.span(),
                format!("{field}.price_unit"),
                format!(
                    "price_unit `{}` is not defined in this file ({valid})",
                    unit.get_ref()
                ),
            );
        }
    }
    let mut aliases = Vec::new();
    for a in &raw.aliases {
        if !names.insert(a.get_ref().clone()) {
            p.at(a.span(), format!("{field}.aliases"), format!("alias `{}` is already a model id or alias of this provider; aliases must be unique", a.get_ref()));
        } else if !valid_name(a.get_ref()) {
            p.at(
                a.span(),
                format!("{field}.aliases"),
                format!(
                    "`{}` is not a valid alias (letters, digits, `.`, `_`, `-`)",
                    a.get_ref()
                ),
            );
        }
        aliases.push(a.get_ref().clone());
    }
    let mut durations = Vec::new();
    for d in raw.durations.unwrap_or_default() {
        if *d.get_ref() == 0 {
            p.at(
                d.span(),
                format!("{field}.durations"),
                "a clip length is a positive number of seconds",
            );
        }
        durations.push(*d.get_ref());
    }
    let limits = raw.limits.map(|l| {
        let mut out = RateLimits::default();
        if let Some(c) = l.concurrent_jobs {
            if *c.get_ref() == 0 {
                p.at(
                    c.span(),
                    format!("{field}.limits.concurrent_jobs"),
                    "concurrent_jobs is at least 1",
                );
            }
            out.concurrent_jobs = Some(*c.get_ref());
        }
        if let Some(r) = l.rpm {
            if *r.get_ref() == 0 {
                p.at(r.span(), format!("{field}.limits.rpm"), "rpm is at least 1");
            }
            out.rpm = Some(*r.get_ref());
        }
        if let Some(lat) = l.latency_seconds {
            match lat.get_ref().as_slice() {
                [lo, hi] if lo <= hi && *hi > 0 => out.latency_seconds = Some((*lo, *hi)),
                _ => p.at(
                    lat.span(),
                    format!("{field}.limits.latency_seconds"),
                    "latency_seconds is [least, most] seconds, least ≤ most, e.g. [45, 120]",
                ),
            }
        }
        out
    });
    (p.list.len() == before).then(|| Model {
        name: name.get_ref().clone(),
        kind,
        aliases,
        retired: raw.retired.map(|d| d.0),
        price_unit: raw.price_unit.map(Spanned::into_inner),
        tokens,
        long_context,
        image,
        video,
        durations,
        limits,
        notes: raw.notes,
    })
}

fn token_prices(t: &RawTokens) -> TokenPrices {
    let g = |a: &Option<RawAmount>| a.map(|a| a.0);
    TokenPrices {
        input: g(&t.input),
        cached_input: g(&t.cached_input),
        output: g(&t.output),
        text_input: g(&t.text_input),
        cached_text_input: g(&t.cached_text_input),
        image_input: g(&t.image_input),
        cached_image_input: g(&t.cached_image_input),
        image_output: g(&t.image_output),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const VALID: &str = include_str!("../../tests/fixtures/book/openai/2025-10-06.toml");

    proptest! {
        #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

        /// Arbitrary text never panics the parser.
        #[test]
        fn arbitrary_text_never_panics(text in "\\PC{0,400}") {
            let _ = parse_table("fuzz.toml", &text, Some(Expect { folder: "openai", stem: "2025-10-06" }));
        }

        /// A valid table with a slice cut out, or a byte replaced, either
        /// parses or gives located errors — never a panic, never an error
        /// without a file name.
        #[test]
        fn mutated_table_never_panics(start in 0usize..VALID.len(), len in 0usize..40, byte in any::<u8>(), cut in any::<bool>()) {
            let mut bytes = VALID.as_bytes().to_vec();
            if cut {
                let end = (start + len).min(bytes.len());
                bytes.drain(start..end);
            } else {
                bytes[start] = byte;
            }
            let text = String::from_utf8_lossy(&bytes);
            if let Err(errors) = parse_table("fuzz.toml", &text, Some(Expect { folder: "openai", stem: "2025-10-06" })) {
                prop_assert!(!errors.is_empty());
                for e in errors {
                    prop_assert!(e.to_string().starts_with("fuzz.toml"));
                }
            }
        }
    }

    #[test]
    fn the_spec_example_parses() {
        let t = parse_table(
            "x.toml",
            VALID,
            Some(Expect {
                folder: "openai",
                stem: "2025-10-06",
            }),
        )
        .unwrap();
        assert_eq!(t.models.len(), 5);
        assert_eq!(t.models["sora-2"].durations, vec![4, 8, 12]);
        assert_eq!(
            t.models["sora-2"].limits.as_ref().unwrap().latency_seconds,
            Some((45, 120))
        );
    }

    #[test]
    fn a_non_zero_price_that_reads_as_zero_is_an_error() {
        let table = |price: &str| {
            format!(
                "schema = 1\nprovider = \"acme\"\neffective = 2026-01-01\ncurrency = \"USD\"\nsource = \"x\"\n\
                 [models.m]\nkind = \"image\"\nimage = {price}\n"
            )
        };
        let parse = |price: &str| {
            parse_table(
                "t.toml",
                &table(price),
                Some(Expect {
                    folder: "acme",
                    stem: "2026-01-01",
                }),
            )
        };
        // 1e-400 underflows to 0.0 in the TOML parser; 5e-324 is the
        // smallest float; the string has 29 places (rust_decimal holds 28).
        for (price, says) in [
            ("1e-400", "`1e-400` is not zero but reads as 0"),
            ("0.0e-9999999", ""),
            ("5e-324", "`5e-324` is not zero but would read as 0"),
            (
                "\"0.00000000000000000000000000001\"",
                "is not zero but would read as 0",
            ),
        ] {
            match parse(price) {
                Ok(t) if says.is_empty() => {
                    assert!(t.models["m"].image.is_some(), "{price}");
                }
                Ok(_) => panic!("{price} was read as a price"),
                Err(e) => {
                    assert!(!says.is_empty(), "{price}: {e:?}");
                    assert_eq!(e.len(), 1, "{e:?}");
                    assert_eq!(e[0].line, Some(8), "{price}: {}", e[0]);
                    assert!(e[0].message.contains(says), "{price}: {}", e[0]);
                }
            }
        }
        // Zero written as zero is still a price of zero.
        assert!(parse("0.0").is_ok());
        assert!(parse("0e5").is_ok());
    }

    #[test]
    fn a_price_with_digits_a_number_cannot_hold_is_an_error() {
        let source = |price: &str| {
            format!(
                "schema = 1\nprovider = \"acme\"\neffective = 2026-01-01\ncurrency = \"USD\"\nsource = \"x\"\n\
                 [models.m]\nkind = \"image\"\nimage = {{ low = 1e-400, high = {price} }}\n"
            )
        };
        for (price, says) in crate::money::UNREADABLE {
            let e = parse_table("t.toml", &source(price), None).unwrap_err();
            // Both prices, in file order: the one serde reads as 0 too.
            assert_eq!(e.len(), 2, "{e:?}");
            assert!(e[0].message.contains("`1e-400` is not zero"), "{}", e[0]);
            assert_eq!(e[1].line, Some(8), "{price}: {}", e[1]);
            assert!(e[1].message.contains(says), "{price}: {}", e[1]);
        }
    }
}
