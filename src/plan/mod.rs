//! Plan files and the campaign estimator behind `genbudget estimate`.
//!
//! A plan is read in two steps, like a price table: `raw` mirrors the file
//! with serde (unknown keys refused, spans kept), `validate` turns it into
//! the [`Plan`] below (ranges checked, prompts counted with
//! `pricing::tokens`, input images sized with `pricing::image_input`).
//! [`estimate()`] is the pure step: given a plan, a
//! [`PriceBook`](crate::pricing::PriceBook) and [`Options`] it prices every
//! item (`estimate.rs`), times it against rate limits (`timing.rs`) and
//! returns the serialisable [`Estimate`] report (`report.rs`). No clock,
//! environment or file is touched past `parse`; the CLI supplies `as_of`.

mod estimate;
pub(crate) mod fast;
mod raw;
mod read;
mod report;
pub mod timing;
mod validate;

use std::fmt;
use std::ops::Range;

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::location::InputError;
use crate::money::Currency;
use crate::pricing::{RateLimits, RequestSpec};

pub use crate::pricing::Fidelity;
pub use estimate::{Options, Swap, estimate};
pub use read::{parse, parse_owned};
pub use report::{BudgetReport, CreditSummary, Estimate, ItemReport, TimingScope};

/// Every problem found in a plan (one `error:` line each).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanError(pub Vec<InputError>);

impl std::error::Error for PlanError {}

impl fmt::Display for PlanError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let lines: Vec<String> = self.0.iter().map(ToString::to_string).collect();
        f.write_str(&lines.join("\n"))
    }
}

impl From<InputError> for PlanError {
    fn from(e: InputError) -> PlanError {
        PlanError(vec![e])
    }
}

/// A validated plan: every number in range, every item named uniquely.
#[derive(Debug, Clone)]
pub struct Plan {
    /// The file as the user named it, for error messages.
    pub file: String,
    /// The file's text, to turn spans into lines and columns on error.
    pub source: String,
    pub name: String,
    /// The date whose prices apply; `None` = the caller's today.
    pub as_of: Option<NaiveDate>,
    pub budget: Option<Decimal>,
    pub currency: Currency,
    pub currency_span: Option<Range<usize>>,
    /// The plan's default retry rate (already applied to items without one).
    pub retry_rate: Decimal,
    /// Fraction of the subtotal added on top.
    pub contingency: Decimal,
    /// `[credit_value]`: money per credit, by credit unit id.
    pub credit_value: Vec<CreditValue>,
    pub items: Vec<Item>,
}

/// A `[credit_value]` entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreditValue {
    pub unit: String,
    pub value: Decimal,
    pub span: Range<usize>,
}

/// One line of work in a plan.
#[derive(Debug, Clone)]
pub struct Item {
    pub name: String,
    /// `model`, `alias` or `provider/model`, as written.
    pub model: String,
    pub quantity: Quantity,
    /// Expected regenerations per unit (0 to 10).
    pub retry_rate: Decimal,
    /// What one unit asks for. `prompt_tokens` and `input_image_tokens` are
    /// filled in here; a `prompt`'s count is kept apart in `prompt` because
    /// whether it is input (text) or prompt tokens (image) depends on the
    /// model's kind, known only once the model is resolved.
    pub request: RequestSpec,
    /// Tokens of the item's `prompt` text (o200k_base).
    pub prompt: Option<u64>,
    pub input_images: Option<InputImages>,
    /// The item's own rate limits, overriding the table's.
    pub limits: Option<RateLimits>,
    pub spans: Spans,
}

/// How many units an item asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Quantity {
    Count(u64),
    /// `per_day` units a day for `days` days.
    PerDay {
        per_day: u64,
        days: u64,
    },
}

impl Quantity {
    /// Units in all (`per_day × days`; validation made sure it fits).
    pub fn total(&self) -> u64 {
        match *self {
            Quantity::Count(n) => n,
            Quantity::PerDay { per_day, days } => per_day.saturating_mul(days),
        }
    }
}

/// Reference images sent with each image request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InputImages {
    pub count: u64,
    pub width: u32,
    pub height: u32,
    pub fidelity: Fidelity,
    /// Image-input tokens of one such image (see `pricing::image_input`).
    pub tokens_each: u64,
}

/// The keys an `[[items]]` table may set, in the order [`Spans`] keeps them.
pub const ITEM_FIELDS: [&str; 19] = [
    "name",
    "model",
    "count",
    "per_day",
    "days",
    "retry_rate",
    "quality",
    "size",
    "resolution",
    "seconds",
    "input_tokens",
    "cached_input_tokens",
    "output_tokens",
    "prompt_tokens",
    "prompt",
    "input_images",
    "input_image_size",
    "input_fidelity",
    "limits",
];

/// The keys that say what one unit asks for (all but name, model, the
/// quantity and retry rate): those that may or may not apply to a model.
pub const REQUEST_FIELDS: &[&str] = ITEM_FIELDS.as_slice().split_at(6).1;

/// Where an item and each of its fields are written: the item's table, and
/// the byte where each field's value starts. Kept inline and small (no heap)
/// because a plan may hold hundreds of thousands of items; only the start of
/// a field is needed to name its line and column.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Spans {
    /// The whole `[[items]]` table.
    pub item: Range<usize>,
    /// Start + 1 of each of [`ITEM_FIELDS`]' values (0: not set). Offsets
    /// are `u32`: a plan file is read whole and is far below 4 GiB.
    starts: [u32; ITEM_FIELDS.len()],
}

fn field_index(field: &str) -> Option<usize> {
    ITEM_FIELDS.iter().position(|f| *f == field)
}

impl Spans {
    /// Spans of an item at `item` with no fields yet.
    pub fn new(item: Range<usize>) -> Spans {
        Spans {
            item,
            starts: [0; ITEM_FIELDS.len()],
        }
    }

    /// Records that the item sets `field`, its value at `span`.
    pub fn set(&mut self, field: &str, span: Range<usize>) {
        if let Some(i) = field_index(field) {
            self.starts[i] = u32::try_from(span.start + 1).unwrap_or(u32::MAX);
        }
    }

    /// Moves every span `by` bytes later (a chunk's spans into the file's).
    pub fn shift(&mut self, by: usize) {
        self.item = self.item.start + by..self.item.end + by;
        let by = u32::try_from(by).unwrap_or(u32::MAX);
        for s in self.starts.iter_mut().filter(|s| **s > 0) {
            *s = s.saturating_add(by);
        }
    }

    /// Where `field`'s value starts if the item sets it (an empty range),
    /// else the item's table.
    pub fn of(&self, field: &str) -> Range<usize> {
        match field_index(field).map(|i| self.starts[i]) {
            Some(s) if s > 0 => {
                let at = s as usize - 1;
                at..at
            }
            _ => self.item.clone(),
        }
    }

    /// Whether the item sets `field`.
    pub fn has(&self, field: &str) -> bool {
        field_index(field).is_some_and(|i| self.starts[i] > 0)
    }
}

impl Plan {
    /// An error about `item`'s `field` (or the item itself), naming the item.
    pub fn item_error(&self, item: &Item, field: Option<&str>, message: &str) -> InputError {
        let span = field.map_or_else(|| item.spans.item.clone(), |f| item.spans.of(f));
        // A field the item lacks (a missing `quality`) is still named; the
        // place is then the item's table.
        let field = field.map_or_else(|| "items".to_string(), |f| format!("items.{f}"));
        InputError::at(
            &self.file,
            &self.source,
            Some(span),
            Some(field),
            format!("item `{}`: {message}", item.name),
        )
    }

    /// An error about a plan-level field at `span`.
    pub fn error_at(&self, span: Option<Range<usize>>, field: &str, message: &str) -> InputError {
        InputError::at(
            &self.file,
            &self.source,
            span,
            Some(field.to_string()),
            message,
        )
    }
}

/// `text` with `edits` applied — (place, byte, 0 drop / 1 insert / 2
/// replace) — if it is still UTF-8: the mutations the parser fuzz tests use.
#[cfg(test)]
pub(crate) fn mutated(text: &str, edits: Vec<(usize, u8, u8)>) -> Option<String> {
    let mut bytes = text.as_bytes().to_vec();
    for (at, byte, op) in edits {
        let at = at.min(bytes.len().saturating_sub(1));
        match op {
            0 => {
                bytes.remove(at);
            }
            1 => bytes.insert(at, byte),
            _ => bytes[at] = byte,
        }
    }
    String::from_utf8(bytes).ok()
}
