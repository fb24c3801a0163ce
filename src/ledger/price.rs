//! What a request costs in the ledger's credits: `--credits N` as given,
//! or a model request priced from the price book.
//!
//! [`price_request`] is the one road from a model request to credits, for
//! the CLI and the HTTP service alike: the model's price as of a date (a
//! credit-priced model's vendor credits valued by the same rule `estimate`
//! uses), times the number of images, divided by the ledger's credit value,
//! and rounded *up* to the ledger's precision (the ledger never
//! under-reserves). Every step is checked: a price too large to hold is an
//! error, never a panic.

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::pricing::{Kind, PriceBook, PriceUnit, RequestSpec};

use super::amount::Micros;
use super::error::{LedgerError, Result};
use super::event::RequestRecord;
use super::settings::Settings;

/// Longest clip a request may ask for, as in plan files: one day.
pub const MAX_SECONDS: u32 = 86_400;
/// Most images in one request.
pub const MAX_IMAGES: u32 = 10_000;

/// What a request costs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Cost {
    /// An amount of credits given directly (`--credits N`).
    Credits(Decimal),
    /// A model-priced request: the model's id, the request as given and its
    /// price in credits (exact; rounded up when held).
    Priced {
        model: String,
        spec: Spec,
        credits: Decimal,
    },
}

impl Cost {
    /// The amount in micro-credits (a priced amount rounded up).
    pub fn micros(&self) -> Result<Micros> {
        match self {
            Cost::Credits(d) => {
                Micros::from_decimal(*d).map_err(|m| LedgerError::input("credits", m))
            }
            Cost::Priced { credits, model, .. } => Micros::ceil_from(*credits)
                .map_err(|m| LedgerError::input("model", format!("{model} costs {m}"))),
        }
    }

    /// The model, if priced.
    pub fn model(&self) -> Option<&str> {
        match self {
            Cost::Credits(_) => None,
            Cost::Priced { model, .. } => Some(model),
        }
    }

    /// The request as the journal records it (without a TTL).
    pub fn record(&self) -> RequestRecord {
        match self {
            Cost::Credits(d) => RequestRecord {
                credits: Some(d.normalize().to_string()),
                ..RequestRecord::default()
            },
            Cost::Priced { model, spec, .. } => {
                let mut r = spec.record();
                r.model = Some(model.clone());
                r
            }
        }
    }
}

/// The fields of a model request (`--seconds`, `--resolution`, …).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Spec {
    /// Video: seconds of output.
    pub seconds: Option<Decimal>,
    /// Video: resolution (`720p`, `1280x720`).
    pub resolution: Option<String>,
    /// Image: quality.
    pub quality: Option<String>,
    /// Image: size.
    pub size: Option<String>,
    /// Image: number of images (default 1).
    pub images: Option<u32>,
    /// Text: input tokens.
    pub input_tokens: Option<u64>,
    /// Text: output tokens.
    pub output_tokens: Option<u64>,
}

impl Spec {
    /// True when no field is given.
    pub fn is_empty(&self) -> bool {
        *self == Spec::default()
    }

    /// The fields as recorded in the journal (text, as given).
    pub fn record(&self) -> RequestRecord {
        RequestRecord {
            seconds: self.seconds.map(|d| d.normalize().to_string()),
            resolution: self.resolution.clone(),
            quality: self.quality.clone(),
            size: self.size.clone(),
            images: self.images.map(|n| n.to_string()),
            input_tokens: self.input_tokens.map(|n| n.to_string()),
            output_tokens: self.output_tokens.map(|n| n.to_string()),
            ..RequestRecord::default()
        }
    }

    /// Reads the fields back from a recorded request.
    pub fn from_record(r: &RequestRecord) -> Result<Spec, String> {
        fn num<T: std::str::FromStr>(field: &str, v: &Option<String>) -> Result<Option<T>, String> {
            v.as_deref()
                .map(|t| {
                    t.parse()
                        .map_err(|_| format!("recorded {field} `{t}` is not a number"))
                })
                .transpose()
        }
        Ok(Spec {
            seconds: num("seconds", &r.seconds)?,
            resolution: r.resolution.clone(),
            quality: r.quality.clone(),
            size: r.size.clone(),
            images: num("images", &r.images)?,
            input_tokens: num("input_tokens", &r.input_tokens)?,
            output_tokens: num("output_tokens", &r.output_tokens)?,
        })
    }

    /// `self`'s fields, with those it does not give taken from `base` (a
    /// settle's request over its hold's).
    pub fn over(&self, base: &Spec) -> Spec {
        Spec {
            seconds: self.seconds.or(base.seconds),
            resolution: self.resolution.clone().or_else(|| base.resolution.clone()),
            quality: self.quality.clone().or_else(|| base.quality.clone()),
            size: self.size.clone().or_else(|| base.size.clone()),
            images: self.images.or(base.images),
            input_tokens: self.input_tokens.or(base.input_tokens),
            output_tokens: self.output_tokens.or(base.output_tokens),
        }
    }
}

/// A model request to price.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ModelRequest {
    /// `model`, an alias, or `provider/model`.
    pub model: String,
    pub spec: Spec,
}

/// A priced request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Priced {
    /// [`Cost::Priced`], ready to reserve or charge.
    pub cost: Cost,
    /// The money it costs (exact), in the ledger's currency.
    pub money: Decimal,
    /// The table that priced it (`provider@date`).
    pub table: String,
    /// Things worth saying that do not stop the price (a clip length the
    /// model does not offer, a retired model priced anyway).
    pub warnings: Vec<String>,
}

/// Prices `req` from `book` as of `as_of` in the ledger's credits. A retired
/// model is refused unless `allow_retired`.
pub fn price_request(
    book: &PriceBook,
    settings: &Settings,
    as_of: NaiveDate,
    req: &ModelRequest,
    allow_retired: bool,
) -> Result<Priced> {
    let spec = &req.spec;
    if let Some(s) = spec.seconds {
        if s <= Decimal::ZERO || s > Decimal::from(MAX_SECONDS) {
            return Err(LedgerError::input(
                "seconds",
                format!("`{s}` is out of range; seconds are more than 0 and at most {MAX_SECONDS}"),
            ));
        }
    }
    if let Some(n) = spec.images {
        if n == 0 || n > MAX_IMAGES {
            return Err(LedgerError::input(
                "images",
                format!("`{n}` is out of range; a request is for 1 to {MAX_IMAGES} images"),
            ));
        }
    }
    let r = book
        .resolve(&req.model, as_of, allow_retired)
        .map_err(|e| LedgerError::input("model", e.to_string()))?;
    let id = r.id();
    if r.table.currency != settings.currency {
        return Err(LedgerError::input(
            "model",
            format!(
                "{id} is priced in {} (table {}) but the ledger counts credits worth {} {}",
                r.table.currency,
                r.table.id(),
                settings.credit_value.normalize(),
                settings.currency
            ),
        ));
    }
    if spec.images.is_some() && r.model.kind != Kind::Image {
        return Err(LedgerError::input(
            "images",
            format!(
                "{id} is a {} model; images are for image models",
                r.model.kind
            ),
        ));
    }
    let request = RequestSpec {
        quality: spec.quality.clone(),
        size: spec.size.clone(),
        resolution: spec.resolution.clone(),
        seconds: spec.seconds,
        input_tokens: spec.input_tokens,
        output_tokens: spec.output_tokens,
        ..RequestSpec::default()
    };
    let quote = r
        .quote(&request)
        .map_err(|e| LedgerError::input("model", format!("{id}: {e}")))?;
    let mut warnings = quote.warnings.clone();
    if let Some(on) = r.retired {
        warnings.push(format!(
            "{id} was retired on {on}; priced from the last table that offered it ({})",
            r.table.id()
        ));
    }
    let too_large = || LedgerError::input("model", format!("{id}: the price is too large to hold"));
    let per_unit = match &quote.price_unit {
        PriceUnit::Money(_) => quote.unit_price,
        PriceUnit::Credits(unit) => {
            let (value, _) = r.table.credit_value(unit).ok_or_else(|| {
                LedgerError::input(
                    "model",
                    format!(
                        "{id}: its `{unit}` credits have no pack or subscription to value them"
                    ),
                )
            })?;
            quote.unit_price.checked_mul(value).ok_or_else(too_large)?
        }
    };
    let money = per_unit
        .checked_mul(Decimal::from(spec.images.unwrap_or(1)))
        .ok_or_else(too_large)?;
    let credits = money
        .checked_div(settings.credit_value)
        .ok_or_else(too_large)?;
    let cost = Cost::Priced {
        model: id,
        spec: spec.clone(),
        credits,
    };
    // Held amounts are whole micro-credits below the ledger's maximum.
    cost.micros()?;
    Ok(Priced {
        cost,
        money,
        table: r.table.id(),
        warnings,
    })
}

#[cfg(test)]
#[path = "price_tests.rs"]
mod tests;
