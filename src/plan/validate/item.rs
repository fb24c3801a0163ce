//! An item's rules: quantity, retry rate, the request fields, prompts,
//! reference images and rate limits. Each problem names the item and field.

use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use toml::Spanned;

use super::{Checker, MAX_WHOLE};
use crate::plan::raw::{RawItem, RawLimits, RawNumber};
use crate::plan::{InputImages, Item, Quantity, Spans};
use crate::pricing::{Fidelity, RateLimits, RequestSpec, Size, image_input};

impl Checker<'_> {
    pub(super) fn item(
        &mut self,
        index: usize,
        item: Spanned<RawItem>,
        default_retry: Decimal,
    ) -> Option<Item> {
        let item_span = item.span();
        let raw = item.into_inner();
        let before = self.problems.len();
        let mut spans = Spans::new(item_span.clone());
        record_spans(&raw, &mut spans);

        let name = match &raw.name {
            Some(n) if !n.get_ref().trim().is_empty() => n.get_ref().clone(),
            Some(n) => {
                self.push(
                    n.span(),
                    "items.name".into(),
                    format!(
                        "item {} has an empty name; give every item a unique name",
                        index + 1
                    ),
                );
                String::new()
            }
            None => {
                self.push(
                    item_span.clone(),
                    "items.name".into(),
                    format!(
                        "item {} has no `name`; every item needs a unique name",
                        index + 1
                    ),
                );
                String::new()
            }
        };
        let who = if name.is_empty() {
            format!("item {}", index + 1)
        } else {
            format!("item `{name}`")
        };
        let model = match &raw.model {
            Some(m) if !m.get_ref().trim().is_empty() => m.get_ref().trim().to_string(),
            other => {
                self.push(
                    other.as_ref().map_or(item_span.clone(), Spanned::span),
                    "items.model".into(),
                    format!(
                        "{who} has no `model`; name one as `model`, `alias` or `provider/model` (`genbudget rates list` shows them)"
                    ),
                );
                String::new()
            }
        };

        let count = raw.count.map(|c| self.whole(c, "count", &who, false));
        let per_day = raw.per_day.map(|c| self.whole(c, "per_day", &who, false));
        let days = raw.days.map(|c| self.whole(c, "days", &who, true));
        let quantity = match (count, per_day, days) {
            (Some(c), None, None) => c.map(Quantity::Count),
            (None, Some(p), Some(d)) => match (p, d) {
                (Some(per_day), Some(days)) => match per_day.checked_mul(days) {
                    Some(t) if t <= MAX_WHOLE => Some(Quantity::PerDay { per_day, days }),
                    _ => {
                        self.push(
                            spans.of("per_day"),
                            "items.per_day".into(),
                            format!(
                                "{who}: per_day × days = {per_day} × {days} is too large to price; the most accepted is {MAX_WHOLE} units"
                            ),
                        );
                        None
                    }
                },
                _ => None,
            },
            (None, Some(_), None) => {
                self.push(
                    spans.of("per_day"),
                    "items.days".into(),
                    format!("{who} has `per_day` but no `days`; give both (e.g. days = 30)"),
                );
                None
            }
            (None, None, Some(_)) => {
                self.push(
                    spans.of("days"),
                    "items.per_day".into(),
                    format!("{who} has `days` but no `per_day`; give both, or a `count`"),
                );
                None
            }
            (None, None, None) => {
                self.push(
                    item_span.clone(),
                    "items.count".into(),
                    format!("{who} says neither how many: give `count`, or `per_day` and `days`"),
                );
                None
            }
            (Some(_), _, _) => {
                self.push(
                    spans.of("count"),
                    "items.count".into(),
                    format!("{who} gives both `count` and `per_day`/`days`; keep one of them"),
                );
                None
            }
        };

        let retry_rate = match raw.retry_rate {
            Some(r) => self.rate(
                r,
                "items.retry_rate".into(),
                "expected regenerations per unit",
            ),
            None => Some(default_retry),
        };

        let input_images = self.input_images(
            raw.input_images,
            raw.input_image_size,
            raw.input_fidelity,
            &spans,
            &who,
        );
        let mut request = RequestSpec {
            quality: raw.quality.map(Spanned::into_inner),
            size: raw.size.map(Spanned::into_inner),
            resolution: raw.resolution.map(Spanned::into_inner),
            ..RequestSpec::default()
        };
        if let Some(s) = raw.seconds {
            let span = s.span();
            let v = s.into_inner().0;
            if v <= Decimal::ZERO || v > Decimal::from(86_400) {
                self.push(
                    span,
                    "items.seconds".into(),
                    format!(
                        "{who}: seconds per clip must be more than 0 and at most 86400, not {v}"
                    ),
                );
            } else {
                request.seconds = Some(v);
            }
        }
        request.input_tokens = raw
            .input_tokens
            .and_then(|n| self.whole(n, "input_tokens", &who, false));
        request.cached_input_tokens = raw
            .cached_input_tokens
            .and_then(|n| self.whole(n, "cached_input_tokens", &who, false));
        request.output_tokens = raw
            .output_tokens
            .and_then(|n| self.whole(n, "output_tokens", &who, false));
        request.prompt_tokens = raw
            .prompt_tokens
            .and_then(|n| self.whole(n, "prompt_tokens", &who, false));
        // Counted later, in `count_prompts`, so chunk workers never wait
        // for the tokenizer to load.
        let prompt = None;
        self.prompt_text = raw.prompt.as_ref().map(|p| p.get_ref().clone());
        if raw.prompt.is_some() && (spans.has("input_tokens") || spans.has("prompt_tokens")) {
            let other = if spans.has("input_tokens") {
                "input_tokens"
            } else {
                "prompt_tokens"
            };
            self.push(
                spans.of("prompt"),
                "items.prompt".into(),
                format!("{who} gives both `prompt` and `{other}`; the prompt's tokens are counted for you, so keep one"),
            );
        }

        let limits = raw.limits.and_then(|l| self.limits(l, &who));

        if self.problems.len() > before {
            return None;
        }
        Some(Item {
            name,
            model,
            quantity: quantity?,
            retry_rate: retry_rate?,
            request,
            prompt,
            input_images,
            limits,
            spans,
        })
    }

    fn input_images(
        &mut self,
        count: Option<Spanned<RawNumber>>,
        size: Option<Spanned<String>>,
        fidelity: Option<Spanned<String>>,
        spans: &Spans,
        who: &str,
    ) -> Option<InputImages> {
        let count = count.and_then(|n| self.whole(n, "input_images", who, false));
        let fidelity = match &fidelity {
            Some(f) => match Fidelity::parse(f.get_ref()) {
                Ok(f) => f,
                Err(m) => {
                    self.push(
                        f.span(),
                        "items.input_fidelity".into(),
                        format!("{who}: {m}"),
                    );
                    Fidelity::Low
                }
            },
            None => Fidelity::Low,
        };
        let size = match &size {
            Some(s) => match Size::parse(s.get_ref()) {
                Ok(size) => Some(size),
                Err(m) => {
                    self.push(
                        s.span(),
                        "items.input_image_size".into(),
                        format!("{who}: {m}"),
                    );
                    None
                }
            },
            None => None,
        };
        match (count, size) {
            (Some(count), Some(size)) => Some(InputImages {
                count,
                width: size.width,
                height: size.height,
                fidelity,
                tokens_each: image_input::tokens(size.width, size.height, fidelity),
            }),
            (Some(count), None) if count > 0 && !spans.has("input_image_size") => {
                self.push(
                    spans.of("input_images"),
                    "items.input_image_size".into(),
                    format!(
                        "{who} sends {} but no `input_image_size`; give it as WIDTHxHEIGHT, e.g. \"1024x1024\"",
                        if count == 1 {
                            "1 input image".to_string()
                        } else {
                            format!("{count} input images")
                        }
                    ),
                );
                None
            }
            (None, Some(_)) if !spans.has("input_images") => {
                self.push(
                    spans.of("input_image_size"),
                    "items.input_images".into(),
                    format!(
                        "{who} gives `input_image_size` but not how many: add `input_images = 1`"
                    ),
                );
                None
            }
            _ => {
                if spans.has("input_fidelity") && !spans.has("input_images") {
                    self.push(
                        spans.of("input_fidelity"),
                        "items.input_images".into(),
                        format!("{who} gives `input_fidelity` but no `input_images`"),
                    );
                }
                None
            }
        }
    }

    fn limits(&mut self, l: Spanned<RawLimits>, who: &str) -> Option<RateLimits> {
        let l = l.into_inner();
        let before = self.problems.len();
        let small = |c: &mut Self, n: Option<Spanned<RawNumber>>, field: &str| -> Option<u32> {
            let n = n?;
            let span = n.span();
            let v = n.into_inner().0;
            if v.fract() != Decimal::ZERO || v < Decimal::ONE || v > Decimal::from(u32::MAX) {
                c.push(
                    span,
                    format!("items.limits.{field}"),
                    format!(
                        "{who}: limits.{field} must be a whole number from 1 to {}, not {v}",
                        u32::MAX
                    ),
                );
                None
            } else {
                v.to_u32()
            }
        };
        let concurrent_jobs = small(self, l.concurrent_jobs, "concurrent_jobs");
        let rpm = small(self, l.rpm, "rpm");
        let latency_seconds = match l.latency_seconds {
            None => None,
            Some(lat) => {
                let span = lat.span();
                let values = lat.into_inner();
                let whole: Vec<Option<u32>> = values
                    .iter()
                    .map(|v| {
                        let v = v.0;
                        (v.fract() == Decimal::ZERO
                            && v >= Decimal::ONE
                            && v <= Decimal::from(u32::MAX))
                        .then(|| v.to_u32())
                        .flatten()
                    })
                    .collect();
                match whole.as_slice() {
                    [Some(lo), Some(hi)] if lo <= hi => Some((*lo, *hi)),
                    _ => {
                        self.push(
                            span,
                            "items.limits.latency_seconds".into(),
                            format!("{who}: limits.latency_seconds must be [least, most] whole seconds per job, least ≤ most, e.g. [45, 120]"),
                        );
                        None
                    }
                }
            }
        };
        if self.problems.len() > before {
            return None;
        }
        Some(RateLimits {
            concurrent_jobs,
            latency_seconds,
            rpm,
        })
    }
}

/// Records the span of each field the item sets.
pub(super) fn record_spans(raw: &RawItem, spans: &mut Spans) {
    macro_rules! field {
        ($($f:ident),*) => {
            $( if let Some(v) = &raw.$f { spans.set(stringify!($f), v.span()); } )*
        };
    }
    field!(
        name,
        model,
        count,
        per_day,
        days,
        retry_rate,
        quality,
        size,
        resolution,
        seconds,
        input_tokens,
        cached_input_tokens,
        output_tokens,
        prompt_tokens,
        prompt,
        input_images,
        input_image_size,
        input_fidelity,
        limits
    );
}
