//! From a raw plan to a checked [`Plan`]: every rule that needs no price book.
//!
//! All problems in a file are collected and reported together, each naming
//! the file, line, column, field and item, and saying what would be valid.
//! What depends on the model (its kind, qualities, sizes, resolutions) is
//! checked later, in `estimate.rs`, once the model is resolved.

use std::ops::Range;

use rayon::prelude::*;
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use toml::Spanned;

use super::raw::{self, RawItem, RawLimits, RawNumber, RawPlan};
use super::{CreditValue, InputImages, Item, Plan, PlanError, Quantity, Spans};
use crate::location::InputError;
use crate::money::{Currency, read_toml};
use crate::pricing::{Fidelity, Limits, RequestSpec, Size, image_input, tokens};

/// The largest count or token number accepted: far above any real campaign,
/// and small enough that `count × (1 + retry_rate) × price` stays inside
/// `rust_decimal`'s 96-bit range for every realistic price (overflow past it
/// is still caught and reported, never wrapped).
pub const MAX_WHOLE: u64 = 1_000_000_000_000_000; // 10^15

/// The largest retry rate or contingency fraction.
const MAX_RATE: Decimal = Decimal::from_parts(10, 0, 0, false, 0);

/// Items per chunk when a large plan is parsed in pieces (see [`chunks`]).
const CHUNK_ITEMS: usize = 1000;

/// Parses and checks a plan file's text. `file` names it in messages.
/// (See [`parse_owned`] to hand over the text instead of copying it.)
///
/// A large plan is cut at its `[[items]]` headers into chunks of
/// 1,000 items (`CHUNK_ITEMS`), parsed and checked on all cores; small chunks also
/// keep the TOML parser's buffers in cache. Spans are shifted back to the
/// whole file, so messages are the same as for a single parse; a TOML error
/// in any chunk re-parses the whole file to report it exactly as written.
pub fn parse(file: &str, source: &str) -> Result<Plan, PlanError> {
    let mut plan = parse_text(file, source)?;
    plan.source = source.to_string();
    Ok(plan)
}

/// [`parse`], keeping `source` in the plan without copying it.
pub fn parse_owned(file: &str, source: String) -> Result<Plan, PlanError> {
    let mut plan = parse_text(file, &source)?;
    plan.source = source;
    Ok(plan)
}

/// Parses `source`; the plan's `source` is left empty for the caller to set.
fn parse_text(file: &str, source: &str) -> Result<Plan, PlanError> {
    if source.trim().is_empty() {
        return Err(InputError::file(
            file,
            "the plan is empty; it needs `name = \"…\"` and at least one [[items]] table",
        )
        .into());
    }
    if let Some((head_end, items, bounds)) = chunks(source) {
        if let Some(result) = parse_chunked(file, source, head_end, items, &bounds) {
            return result;
        }
    }
    parse_whole(file, source)
}

/// Parses the whole file at once (small plans, and the fallback).
fn parse_whole(file: &str, source: &str) -> Result<Plan, PlanError> {
    let raw: RawPlan = read_toml(source).map_err(|problems| {
        PlanError(
            problems
                .iter()
                .map(|p| InputError::from_toml_problem(file, source, p))
                .collect(),
        )
    })?;
    let mut c = Checker::new(file, source, 0);
    let head = c.head(&raw);
    let mut slots = empty_slots(raw.items.len());
    let mut run = Checked::default();
    c.items(raw.items, 0, head.retry_rate, 0, &mut slots, &mut run);
    let mut runs = vec![run];
    count_prompts(&mut runs, &mut slots);
    c.finish(head, runs, slots)
}

/// One place per item of the file, filled with the item once it is checked
/// (and left empty when it has problems).
fn empty_slots(items: usize) -> Vec<Option<Item>> {
    // Filled on every core: on a large plan this is tens of MB.
    (0..items)
        .into_par_iter()
        .with_min_len(CHUNK_ITEMS)
        .map(|_| None)
        .collect()
}

/// Where a plan can be cut: the end of its head (everything before the
/// first `[[items]]`), how many items it has and the start of every
/// [`CHUNK_ITEMS`]-th item, or
/// `None` when cutting could change the meaning — multi-line strings, or a
/// table other than `[[items]]` (and its `[items.…]` sub-tables) after the
/// first item — or the plan is too small to gain.
fn chunks(source: &str) -> Option<(usize, usize, Vec<usize>)> {
    let has = |needle: &str| memchr::memmem::find(source.as_bytes(), needle.as_bytes()).is_some();
    if source.len() < 256 * 1024 || has("\"\"\"") || has("'''") {
        return None;
    }
    // Header lines start (after optional blanks) with `[`: look only at
    // each `[` and the blanks before it, not at every line.
    let bytes = source.as_bytes();
    let mut starts = Vec::new();
    let mut from = 0;
    while let Some(i) = source[from..].find('[').map(|i| i + from) {
        let line_start = bytes[..i]
            .iter()
            .rposition(|&b| b != b' ' && b != b'\t')
            .map_or(0, |p| p + 1);
        let at_line_start = line_start == 0 || bytes[line_start - 1] == b'\n';
        let line_end = source[i..].find('\n').map_or(source.len(), |e| i + e);
        if at_line_start {
            let header = source[i..line_end]
                .split('#')
                .next()
                .unwrap_or("")
                .trim_end();
            if header == "[[items]]" {
                starts.push(line_start);
            } else if !starts.is_empty() && !header.starts_with("[items.") {
                return None;
            }
        }
        from = line_end.max(i + 1);
    }
    let head_end = *starts.first()?;
    let items = starts.len();
    let mut bounds: Vec<usize> = starts.into_iter().step_by(CHUNK_ITEMS).collect();
    bounds.push(source.len());
    (bounds.len() > 2).then_some((head_end, items, bounds))
}

/// Parses the head and each chunk on its own, on every core, each chunk's
/// items going straight to their places in the plan. `None` when a piece is
/// not valid TOML on its own, or holds other than its share of `items`
/// (the caller then parses the whole).
fn parse_chunked(
    file: &str,
    source: &str,
    head_end: usize,
    items: usize,
    bounds: &[usize],
) -> Option<Result<Plan, PlanError>> {
    let raw_head: RawPlan = read_toml(&source[..head_end]).ok()?;
    if !raw_head.items.is_empty() {
        return None;
    }
    let mut c = Checker::new(file, source, 0);
    let head = c.head(&raw_head);
    let retry = head.retry_rate;
    let mut slots = empty_slots(items);
    let mut runs: Vec<Checked> = slots
        .par_chunks_mut(CHUNK_ITEMS)
        .zip(bounds.par_windows(2))
        .enumerate()
        .map(|(k, (slots, w))| {
            let (start, end) = (w[0], w[1]);
            let text = &source[start..end];
            let items = match raw::items_fast(text, slots.len()) {
                Some(items) => items,
                None => read_toml::<RawPlan>(text).ok()?.items,
            };
            if items.len() != slots.len() {
                return None;
            }
            let mut c = Checker::new(file, source, start);
            let mut run = Checked::default();
            c.items(items, start, retry, k * CHUNK_ITEMS, slots, &mut run);
            run.problems.extend(c.problems);
            Some(run)
        })
        .collect::<Option<Vec<Checked>>>()?;
    count_prompts(&mut runs, &mut slots);
    Some(c.finish(head, runs, slots))
}

/// Counts every item's `prompt` in one batch (which loads the tokens they
/// can use once) and puts the counts on the items.
fn count_prompts(runs: &mut [Checked], slots: &mut [Option<Item>]) {
    let texts: Vec<&str> = runs
        .iter()
        .flat_map(|r| r.prompts.iter().map(|(_, text)| text.as_str()))
        .collect();
    if texts.is_empty() {
        return;
    }
    let mut counts = tokens::count_all(&texts).into_iter();
    for (at, _) in runs.iter_mut().flat_map(|r| r.prompts.drain(..)) {
        if let (Some(n), Some(item)) = (counts.next(), &mut slots[at]) {
            item.prompt = Some(n);
        }
    }
}

/// The plan-level fields, checked.
struct Head {
    name: String,
    as_of: Option<chrono::NaiveDate>,
    budget: Option<Decimal>,
    currency: Currency,
    currency_span: Option<Range<usize>>,
    retry_rate: Decimal,
    contingency: Decimal,
    credit_value: Vec<CreditValue>,
}

/// What checking a run of items found besides the items themselves (which
/// go to their slots): the names of items that failed their checks (for
/// the duplicate check across runs; good items carry their own), and the
/// problems found.
#[derive(Default)]
struct Checked {
    /// (index in the file's items, name, span of the name, start of the
    /// item), in file order.
    bad_names: Vec<(usize, String, Range<usize>, usize)>,
    problems: Vec<InputError>,
    /// Items in the run, good or bad.
    count: usize,
    /// `prompt` texts not yet counted: (index in the file's items, text).
    prompts: Vec<(usize, String)>,
}

struct Checker<'a> {
    file: &'a str,
    source: &'a str,
    /// Where the text this checker's spans count from starts in `source`.
    base: usize,
    problems: Vec<InputError>,
    /// The `prompt` of the item just checked, to be counted later.
    prompt_text: Option<String>,
}

impl<'a> Checker<'a> {
    fn new(file: &'a str, source: &'a str, base: usize) -> Checker<'a> {
        Checker {
            file,
            source,
            base,
            problems: Vec::new(),
            prompt_text: None,
        }
    }

    /// Records a problem at `span` (relative to `base`).
    fn push(&mut self, span: Range<usize>, field: String, message: String) {
        let span = span.start + self.base..span.end + self.base;
        self.problems.push(InputError::at(
            self.file,
            self.source,
            Some(span),
            Some(field),
            message,
        ));
    }

    /// Checks a run of items whose spans count from `base`, each into its
    /// slot (as many as there are items).
    fn items(
        &mut self,
        raw: Vec<Spanned<RawItem>>,
        base: usize,
        retry_rate: Decimal,
        first_index: usize,
        slots: &mut [Option<Item>],
        out: &mut Checked,
    ) {
        out.count += raw.len();
        for (index, item) in raw.into_iter().enumerate() {
            let at = first_index + index;
            let start = item.span().start + base;
            let name = item
                .get_ref()
                .name
                .as_ref()
                .map(|n| (n.get_ref().clone(), n.span()));
            match self.item(at, item, retry_rate) {
                Some(mut item) => {
                    item.spans.shift(base);
                    if let Some(text) = self.prompt_text.take() {
                        out.prompts.push((at, text));
                    }
                    slots[index] = Some(item);
                }
                None => {
                    if let Some((name, s)) = name {
                        out.bad_names
                            .push((at, name, s.start + base..s.end + base, start));
                    }
                }
            }
            self.prompt_text = None;
        }
    }

    /// Puts the head and the checked runs together: the duplicate-name check
    /// across all items, then every problem in file order, or the plan.
    fn finish(
        mut self,
        head: Head,
        runs: Vec<Checked>,
        slots: Vec<Option<Item>>,
    ) -> Result<Plan, PlanError> {
        let total = slots.len();
        let mut problems = std::mem::take(&mut self.problems);
        // name → where the first item using it starts (its line is worked
        // out only for the error: counting lines per item would be quadratic).
        let mut seen: rustc_hash::FxHashMap<&str, usize> = rustc_hash::FxHashMap::default();
        seen.reserve(total);
        // Every named item in file order: good ones from their slots, the
        // others from the runs' lists.
        let mut bad = runs.iter().flat_map(|r| &r.bad_names).peekable();
        let named = slots
            .iter()
            .enumerate()
            .filter_map(|(at, slot)| match slot {
                Some(item) => Some((
                    item.name.as_str(),
                    item.spans.of("name"),
                    item.spans.item.start,
                )),
                None => bad
                    .next_if(|b| b.0 == at)
                    .map(|(_, name, span, start)| (name.as_str(), span.clone(), *start)),
            });
        for (name, span, start) in named {
            if let Some(&first) = seen.get(name) {
                let line = crate::location::line_col(self.source, first).0;
                problems.push(InputError::at(
                    self.file,
                    self.source,
                    Some(span),
                    Some("items.name".into()),
                    format!(
                        "item name `{name}` is used twice (first by the item on line {line}); item names must be unique"
                    ),
                ));
            } else {
                seen.insert(name, start);
            }
        }
        drop(seen);
        let any = runs.iter().any(|r| r.count > 0);
        for run in runs {
            problems.extend(run.problems);
        }
        if !any {
            problems.push(InputError::file(
                self.file,
                "the plan has no [[items]]; add at least one (name, model and count)",
            ));
        }
        if !problems.is_empty() {
            problems.sort_by_key(|p| (p.line.unwrap_or(0), p.column.unwrap_or(0)));
            return Err(PlanError(problems));
        }
        // Every slot is filled when there are no problems; `filter_map`
        // (unlike `flatten`) reuses the slots' memory for the items.
        #[allow(clippy::filter_map_identity)]
        let items = slots.into_iter().filter_map(|item| item).collect();
        Ok(Plan {
            file: self.file.to_string(),
            source: String::new(),
            name: head.name,
            as_of: head.as_of,
            budget: head.budget,
            currency: head.currency,
            currency_span: head.currency_span,
            retry_rate: head.retry_rate,
            contingency: head.contingency,
            credit_value: head.credit_value,
            items,
        })
    }

    /// Checks the plan-level fields (the head of the file).
    fn head(&mut self, raw: &RawPlan) -> Head {
        let name = match &raw.name {
            Some(n) if !n.get_ref().trim().is_empty() => n.get_ref().clone(),
            Some(n) => {
                self.push(
                    n.span(),
                    "name".into(),
                    "the plan's name is empty; give it a name".into(),
                );
                String::new()
            }
            None => {
                self.problems.push(InputError::at(
                    self.file,
                    self.source,
                    Some(0..0),
                    Some("name".into()),
                    "the plan has no `name`; add e.g. `name = \"Spring launch\"` at the top",
                ));
                String::new()
            }
        };
        let budget = raw.budget.clone().and_then(|b| {
            let span = b.span();
            let v = b.into_inner().0;
            if v < Decimal::ZERO {
                self.push(
                    span,
                    "budget".into(),
                    format!("budget {v} is negative; give an amount of 0 or more, e.g. \"15.00\""),
                );
                None
            } else {
                Some(v)
            }
        });
        let (currency, currency_span) = match &raw.currency {
            Some(c) => {
                let span = c.span();
                match Currency::parse(c.get_ref()) {
                    Ok(cur) => (cur, Some(span)),
                    Err(m) => {
                        self.push(span.clone(), "currency".into(), m);
                        (Currency::default(), Some(span))
                    }
                }
            }
            None => (Currency::default(), None),
        };
        let retry_rate = raw
            .retry_rate
            .clone()
            .and_then(|r| self.rate(r, "retry_rate".into(), "expected regenerations per unit"))
            .unwrap_or(Decimal::ZERO);
        let contingency = raw
            .contingency
            .clone()
            .and_then(|r| self.rate(r, "contingency".into(), "a fraction of the subtotal"))
            .unwrap_or(Decimal::ZERO);
        let mut credit_value = Vec::new();
        for (unit, value) in &raw.credit_value {
            let span = value.span();
            let v = value.get_ref().0;
            let field = format!("credit_value.{}", unit.get_ref());
            if v <= Decimal::ZERO {
                self.push(
                    span,
                    field,
                    format!("a credit's value must be more than 0 (money per credit, e.g. \"0.005\"), not {v}"),
                );
            } else {
                credit_value.push(CreditValue {
                    unit: unit.get_ref().clone(),
                    value: v,
                    span,
                });
            }
        }
        Head {
            name,
            as_of: raw.as_of.as_ref().map(|d| d.get_ref().0),
            budget,
            currency,
            currency_span,
            retry_rate,
            contingency,
            credit_value,
        }
    }

    /// A rate between 0 and 10.
    fn rate(&mut self, r: Spanned<RawNumber>, field: String, what: &str) -> Option<Decimal> {
        let span = r.span();
        let v = r.into_inner().0;
        if v < Decimal::ZERO || v > MAX_RATE {
            self.push(
                span,
                field.clone(),
                format!("{field} {v} is out of range; it is {what}, from 0 to 10 (e.g. 0.10)"),
            );
            None
        } else {
            Some(v)
        }
    }

    /// A whole number from 0 to [`MAX_WHOLE`] (from 1 when `positive`).
    fn whole(
        &mut self,
        n: Spanned<RawNumber>,
        field: &str,
        who: &str,
        positive: bool,
    ) -> Option<u64> {
        let span = n.span();
        let v = n.into_inner().0;
        let least = if positive { 1 } else { 0 };
        let message = if v.fract() != Decimal::ZERO {
            format!("{who}: {field} must be a whole number, not {v}")
        } else if v < Decimal::from(least) {
            format!("{who}: {field} must be {least} or more, not {v}")
        } else if v > Decimal::from(MAX_WHOLE) {
            format!("{who}: {field} {v} is too large to price; the most accepted is {MAX_WHOLE}")
        } else {
            return v.to_u64();
        };
        self.push(span, format!("items.{field}"), message);
        None
    }

    fn item(
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

    fn limits(&mut self, l: Spanned<RawLimits>, who: &str) -> Option<Limits> {
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
        Some(Limits {
            concurrent_jobs,
            latency_seconds,
            rpm,
        })
    }
}

/// Records the span of each field the item sets.
fn record_spans(raw: &RawItem, spans: &mut Spans) {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(src: &str) -> Plan {
        parse("p.toml", src).unwrap_or_else(|e| panic!("{e}"))
    }

    fn errors(src: &str) -> String {
        parse("p.toml", src).unwrap_err().to_string()
    }

    const ITEM: &str = "[[items]]\nname = \"a\"\nmodel = \"m\"\n";

    #[test]
    fn defaults_and_quantities() {
        let p = ok(&format!(
            "name = \"p\"\nretry_rate = 0.1\n{ITEM}count = 30\n[[items]]\nname = \"b\"\nmodel = \"m\"\nper_day = 20\ndays = 30\nretry_rate = \"0.2\"\n"
        ));
        assert_eq!(p.items[0].quantity, Quantity::Count(30));
        assert_eq!(p.items[0].retry_rate.to_string(), "0.1");
        // 20 a day for 30 days = 600 units.
        assert_eq!(p.items[1].quantity.total(), 600);
        assert_eq!(p.items[1].retry_rate.to_string(), "0.2");
        assert_eq!(p.contingency, Decimal::ZERO);
    }

    #[test]
    fn a_number_that_cannot_be_read_exactly_is_refused() {
        for (value, says) in [
            ("1e-400", "`1e-400` is not zero but reads as 0"),
            (
                "\"0.00000000000000000000000000001\"",
                "is not zero but would read as 0",
            ),
            ("0.00000000000000000000000000001", "is not zero"),
            (
                "\"0.12345678901234567890123456789\"",
                "more digits than an exact decimal holds",
            ),
            (
                "0.1234567890123456789",
                "more digits than a bare TOML number keeps exactly",
            ),
        ] {
            let e = errors(&format!("name = \"p\"\n{ITEM}retry_rate = {value}\n"));
            assert!(
                e.starts_with("p.toml:5:14: field `items.retry_rate`: "),
                "{value}: {e}"
            );
            assert!(e.contains(says), "{value}: {e}");
        }
        // The same at the plan's top level, and zero written as zero.
        let e = errors(&format!("name = \"p\"\nbudget = 1e-400\n{ITEM}"));
        assert!(
            e.contains("p.toml:2:10: field `budget`: `1e-400` is not zero"),
            "{e}"
        );
        assert_eq!(
            ok(&format!(
                "name = \"p\"\n{ITEM}count = 1\nretry_rate = 0e-400\n"
            ))
            .items[0]
                .retry_rate,
            Decimal::ZERO
        );
    }

    #[test]
    fn every_problem_is_reported_with_its_line() {
        let e = errors(&format!(
            "name = \"p\"\ncontingency = 11\n{ITEM}count = -1\n[[items]]\nname = \"a\"\nmodel = \"m\"\ncount = 1.5\n"
        ));
        assert!(e.contains("p.toml:2:15: field `contingency`"), "{e}");
        assert!(
            e.contains(
                "p.toml:6:9: field `items.count`: item `a`: count must be 0 or more, not -1"
            ),
            "{e}"
        );
        assert!(e.contains("count must be a whole number, not 1.5"), "{e}");
        assert!(
            e.contains("item name `a` is used twice (first by the item on line 3)"),
            "{e}"
        );
    }

    #[test]
    fn duplicate_names_are_found_between_good_and_bad_items() {
        // Item `a` on line 3 is bad (count -1), the one on line 7 good, the
        // one on line 11 bad again: the second and third are duplicates of
        // the first, whichever of them passed their other checks.
        let item =
            |count: &str| format!("[[items]]\nname = \"a\"\nmodel = \"m\"\ncount = {count}\n");
        let e = errors(&format!(
            "name = \"p\"\n\n{}{}{}",
            item("-1"),
            item("1"),
            item("-2")
        ));
        assert_eq!(e.matches("(first by the item on line 3)").count(), 2, "{e}");
        assert!(
            e.contains("p.toml:8:8: field `items.name`: item name `a` is used twice"),
            "{e}"
        );
        assert!(
            e.contains("p.toml:12:8: field `items.name`: item name `a` is used twice"),
            "{e}"
        );
    }

    #[test]
    fn huge_counts_are_refused_not_wrapped() {
        let e = errors(&format!(
            "name = \"p\"\n{ITEM}count = \"100000000000000000000000000\"\n"
        ));
        assert!(e.contains("too large to price"), "{e}");
        let e = errors(&format!(
            "name = \"p\"\n{ITEM}per_day = 1000000000000\ndays = 100000\n"
        ));
        assert!(e.contains("per_day × days"), "{e}");
    }

    #[test]
    fn item_rules_each_name_the_item_and_field() {
        // One bad item per rule; each message names the item and the field.
        let cases = [
            ("per_day = 3\n", "items.days", "has `per_day` but no `days`"),
            ("days = 3\n", "items.per_day", "has `days` but no `per_day`"),
            (
                "count = 1\nper_day = 1\ndays = 1\n",
                "items.count",
                "gives both `count` and `per_day`/`days`",
            ),
            (
                "count = 1\nprompt = \"hi\"\ninput_tokens = 3\n",
                "items.prompt",
                "gives both `prompt` and `input_tokens`",
            ),
            (
                "count = 1\ninput_images = 2\n",
                "items.input_image_size",
                "no `input_image_size`",
            ),
            (
                "count = 1\ninput_image_size = \"1024x1024\"\n",
                "items.input_images",
                "but not how many",
            ),
            (
                "count = 1\ninput_images = 1\ninput_image_size = \"big\"\n",
                "items.input_image_size",
                "is not a size",
            ),
            (
                "count = 1\ninput_images = 1\ninput_image_size = \"1x1\"\ninput_fidelity = \"max\"\n",
                "items.input_fidelity",
                "valid: low, high",
            ),
            ("count = 1\nseconds = 0\n", "items.seconds", "more than 0"),
            (
                "count = 1\nretry_rate = -1\n",
                "items.retry_rate",
                "from 0 to 10",
            ),
            (
                "count = 1\nlimits = { latency_seconds = [120, 45] }\n",
                "items.limits.latency_seconds",
                "least ≤ most",
            ),
            (
                "count = 1\nlimits = { rpm = 0 }\n",
                "items.limits.rpm",
                "from 1",
            ),
            (
                "count = 1\nname = \"\"\n",
                "items.name",
                "has an empty name",
            ),
        ];
        for (body, field, says) in cases {
            let src = format!("name = \"p\"\n[[items]]\nmodel = \"m\"\n{body}");
            let src = if body.contains("name =") {
                src
            } else {
                src.replace("[[items]]\n", "[[items]]\nname = \"a\"\n")
            };
            let e = errors(&src);
            assert!(e.contains(&format!("field `{field}`")), "{body}: {e}");
            assert!(e.contains(says), "{body}: {e}");
        }
    }

    #[test]
    fn request_fields_are_the_item_fields_after_the_quantity() {
        assert_eq!(crate::plan::REQUEST_FIELDS.first(), Some(&"quality"));
        assert_eq!(crate::plan::REQUEST_FIELDS.last(), Some(&"limits"));
        assert!(!crate::plan::REQUEST_FIELDS.contains(&"count"));
    }

    #[test]
    fn every_item_key_has_a_span() {
        let src = "[[items]]\nname = \"a\"\nmodel = \"m\"\ncount = 1\nper_day = 1\ndays = 1\nretry_rate = 0\nquality = \"q\"\nsize = \"s\"\nresolution = \"r\"\nseconds = 1\ninput_tokens = 1\ncached_input_tokens = 1\noutput_tokens = 1\nprompt_tokens = 1\nprompt = \"p\"\ninput_images = 1\ninput_image_size = \"1x1\"\ninput_fidelity = \"low\"\nlimits = { rpm = 1 }\n";
        let raw: RawPlan = toml::from_str(src).unwrap();
        let mut spans = Spans::new(raw.items[0].span());
        record_spans(raw.items[0].get_ref(), &mut spans);
        for field in crate::plan::ITEM_FIELDS {
            assert!(spans.has(field), "{field}");
            // The span starts at the value, just after `field = `.
            let at = spans.of(field).start;
            assert!(src[..at].ends_with(&format!("{field} = ")), "{field}");
        }
    }

    #[test]
    fn input_images_are_tokenised() {
        let p = ok(&format!(
            "name = \"p\"\n{ITEM}count = 1\ninput_images = 2\ninput_image_size = \"1024x1536\"\ninput_fidelity = \"high\"\n"
        ));
        let im = p.items[0].input_images.unwrap();
        // 1024x1536: 2 tiles -> 65 + 258 = 323, + 6240 at high fidelity = 6563.
        assert_eq!((im.count, im.tokens_each), (2, 6563));
    }
}

#[cfg(test)]
mod chunked {
    //! A large plan parsed in chunks on several threads must read exactly as
    //! it does in one piece: same items, same spans, same messages.

    use super::*;

    fn big(bad: bool) -> String {
        let mut s = String::from(
            "name = \"big\"\nretry_rate = 0.1\n[credit_value]\nkie-credit = \"0.004\"\n",
        );
        for i in 0..3500 {
            s.push_str(&format!(
                "[[items]]\nname = \"item {i}\"\nmodel = \"gpt-5\"\ncount = {i}\ninput_tokens = 10\n"
            ));
            if i % 700 == 0 {
                s.push_str("[items.limits]\nrpm = 60\n");
            }
            if bad && (i == 5 || i == 2500) {
                s.push_str("retry_rate = 12\n");
            }
            if bad && i == 2600 {
                // An item without a name, numbered by its place in the file.
                s.push_str("[[items]]\nmodel = \"gpt-5\"\ncount = 1\n");
            }
            if bad && i == 3100 {
                // The name of item 10 again, in another chunk.
                s.push_str("[[items]]\nname = \"item 10\"\nmodel = \"gpt-5\"\ncount = 1\n");
            }
        }
        s
    }

    #[test]
    fn chunks_read_like_the_whole() {
        let src = big(false);
        assert!(
            chunks(&src).is_some_and(|(_, _, b)| b.len() == 5),
            "4 chunks of ≤1000 items"
        );
        let (a, b) = (
            parse("p.toml", &src).unwrap(),
            parse_whole("p.toml", &src).unwrap(),
        );
        assert_eq!(a.items.len(), 3500);
        assert_eq!(a.items.len(), b.items.len());
        for (x, y) in a.items.iter().zip(&b.items) {
            assert_eq!(
                (&x.name, &x.spans, x.quantity, x.limits.clone()),
                (&y.name, &y.spans, y.quantity, y.limits.clone())
            );
        }
        assert_eq!(a.credit_value, b.credit_value);
        assert_eq!(a.retry_rate, b.retry_rate);
    }

    #[test]
    fn chunk_errors_read_like_the_whole() {
        let src = big(true);
        let a = parse("p.toml", &src).unwrap_err().to_string();
        let b = parse_whole("p.toml", &src).unwrap_err().to_string();
        assert_eq!(a, b);
        assert_eq!(a.lines().count(), 4, "{a}");
        assert!(a.contains("item name `item 10` is used twice"), "{a}");
        // Items 0..=2600 come before it: it is the 2602nd item.
        assert!(a.contains("item 2602 has no `name`"), "{a}");
    }

    #[test]
    fn a_toml_error_in_a_chunk_reads_like_the_whole() {
        // Line 3 of item 2000 is `count = = 1`: not TOML. The chunk holding
        // it fails both readers, and the message is the whole file's.
        let src = big(false).replacen("count = 2000\n", "count = = 1\n", 1);
        let a = parse("p.toml", &src).unwrap_err().to_string();
        let b = parse_whole("p.toml", &src).unwrap_err().to_string();
        assert_eq!(a, b);
        let line = src[..src.find("count = = 1").unwrap()].lines().count() + 1;
        assert!(a.starts_with(&format!("p.toml:{line}:")), "{a}");
    }

    #[test]
    fn a_number_that_cannot_be_read_exactly_is_refused_in_a_chunk() {
        // Item 2000's count underflows to 0.0 in the TOML parser: the fast
        // reader and the chunk's serde reader both refuse it, and the
        // message is the whole file's.
        let src = big(false).replacen("count = 2000\n", "count = 1e-400\n", 1);
        let a = parse("p.toml", &src).unwrap_err().to_string();
        let b = parse_whole("p.toml", &src).unwrap_err().to_string();
        assert_eq!(a, b);
        assert!(a.contains("`1e-400` is not zero but reads as 0"), "{a}");
    }

    #[test]
    fn plans_that_cutting_could_change_are_read_whole() {
        let src = big(false);
        assert!(chunks(&format!("{src}[credit_value]\nx = 1\n")).is_none());
        assert!(
            chunks(&format!(
                "{src}[[items]]\nname = \"\"\"a\n[[items]]\"\"\"\n"
            ))
            .is_none()
        );
        assert!(chunks("name = \"small\"\n[[items]]\n").is_none());
    }
}

#[cfg(test)]
mod fuzz {
    //! Fuzzing the plan parser with proptest: arbitrary text, and mutations of
    //! a real plan (bytes dropped, duplicated or replaced), never panic —
    //! they parse or give located errors.

    use super::*;
    use proptest::prelude::*;

    const EXAMPLE: &str = include_str!("../../examples/mixed-campaign.toml");

    fn check(src: &str) {
        match parse("fuzz.toml", src) {
            Ok(p) => assert!(!p.items.is_empty()),
            Err(e) => {
                assert!(!e.0.is_empty());
                for problem in &e.0 {
                    assert_eq!(problem.file, "fuzz.toml");
                    assert!(!problem.message.is_empty());
                }
            }
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 3000, ..ProptestConfig::default() })]

        #[test]
        fn arbitrary_text_never_panics(src in "\\PC{0,400}") {
            check(&src);
        }

        #[test]
        fn toml_like_text_never_panics(
            src in "(name = \"[a-z]{0,5}\"\n)?((\\[\\[items\\]\\]\n)|([a-z_]{1,12} = (-?[0-9]{1,30}(\\.[0-9]{0,8})?|\"[a-z0-9x.\\-]{0,12}\"|\\[[0-9, ]{0,10}\\]|\\{[a-z_ =0-9,]{0,30}\\})\n)){0,20}"
        ) {
            check(&src);
        }

        #[test]
        fn mutated_plans_never_panic(
            edits in prop::collection::vec((0usize..EXAMPLE.len(), any::<u8>(), 0u8..3), 1..8)
        ) {
            if let Some(src) = crate::plan::mutated(EXAMPLE, edits) {
                check(&src);
            }
        }
    }
}
