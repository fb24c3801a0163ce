//! From a raw plan to a checked [`Plan`]: every rule that needs no price book.
//!
//! All problems in a file are collected and reported together, each naming
//! the file, line, column, field and item, and saying what would be valid.
//! What depends on the model (its kind, qualities, sizes, resolutions) is
//! checked later, in `estimate.rs`, once the model is resolved.
//!
//! Here: reading a whole file and putting checked items together (the
//! duplicate-name check, problems in file order); `head.rs` has the
//! plan-level rules, `item.rs` an item's. The fast path for large plans
//! (`plan/fast/`) cuts the file into chunks and runs the same
//! [`Checker`] on each; `plan/read.rs` chooses between the two.

mod head;
mod item;

use std::ops::Range;

use rust_decimal::Decimal;
use toml::Spanned;

use super::raw::{RawItem, RawPlan};
use super::{CreditValue, Item, Plan, PlanError};
use crate::location::InputError;
use crate::money::{Currency, read_toml};
use crate::pricing::tokens;

/// The largest count or token number accepted: far above any real campaign,
/// and small enough that `count × (1 + retry_rate) × price` stays inside
/// `rust_decimal`'s 96-bit range for every realistic price (overflow past it
/// is still caught and reported, never wrapped).
pub const MAX_WHOLE: u64 = 1_000_000_000_000_000; // 10^15

/// The largest retry rate or contingency fraction.
const MAX_RATE: Decimal = Decimal::from_parts(10, 0, 0, false, 0);

/// Parses the whole file at once (small plans, and the fallback).
pub(in crate::plan) fn parse_whole(file: &str, source: &str) -> Result<Plan, PlanError> {
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
pub(in crate::plan) fn empty_slots(items: usize) -> Vec<Option<Item>> {
    let mut slots = Vec::with_capacity(items);
    slots.resize_with(items, || None);
    slots
}

/// Counts every item's `prompt` in one batch (which loads the tokens they
/// can use once) and puts the counts on the items.
pub(in crate::plan) fn count_prompts(runs: &mut [Checked], slots: &mut [Option<Item>]) {
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
pub(in crate::plan) struct Head {
    name: String,
    as_of: Option<chrono::NaiveDate>,
    budget: Option<Decimal>,
    currency: Currency,
    currency_span: Option<Range<usize>>,
    pub(in crate::plan) retry_rate: Decimal,
    contingency: Decimal,
    credit_value: Vec<CreditValue>,
}

/// What checking a run of items found besides the items themselves (which
/// go to their slots): the names of items that failed their checks (for
/// the duplicate check across runs; good items carry their own), and the
/// problems found.
#[derive(Default)]
pub(in crate::plan) struct Checked {
    /// (index in the file's items, name, span of the name, start of the
    /// item), in file order.
    bad_names: Vec<(usize, String, Range<usize>, usize)>,
    pub(in crate::plan) problems: Vec<InputError>,
    /// Items in the run, good or bad.
    count: usize,
    /// `prompt` texts not yet counted: (index in the file's items, text).
    prompts: Vec<(usize, String)>,
}

pub(in crate::plan) struct Checker<'a> {
    file: &'a str,
    source: &'a str,
    /// Where the text this checker's spans count from starts in `source`.
    base: usize,
    pub(in crate::plan) problems: Vec<InputError>,
    /// The `prompt` of the item just checked, to be counted later.
    prompt_text: Option<String>,
}

impl<'a> Checker<'a> {
    pub(in crate::plan) fn new(file: &'a str, source: &'a str, base: usize) -> Checker<'a> {
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
    pub(in crate::plan) fn items(
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
    pub(in crate::plan) fn finish(
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
}

#[cfg(test)]
mod tests;

#[cfg(test)]
mod fuzz;
