//! Per-line payment options: each usage line's candidate models (its model
//! and alternatives) resolved in the price book, quoted, and tied to the
//! credit unit they are paid in, if any.
//!
//! This is where a profile meets the price book, so its errors — unknown
//! model, an alternative that can't do the same work, a model with no way
//! to pay, mixed currencies — point back into the profile file.

use chrono::NaiveDate;
use rust_decimal::Decimal;

use super::account::{Method, Terms};
use super::calendar::Calendar;
use super::packs::PackMenu;
use super::profile::{Located, Profile, Source, UsageLine};
use super::request::request_spec;
use crate::location::InputError;
use crate::money::Currency;
use crate::pricing::{Kind, LookupError, PriceBook, PriceUnit, Resolved};

/// One model a line can run on, with the price of one unit of its work.
#[derive(Debug, Clone)]
pub struct Candidate {
    /// `provider/model`.
    pub model: String,
    /// `provider@effective` of the table the price comes from.
    pub table: String,
    /// The priced variant (e.g. `high 1024x1024`).
    pub spec: String,
    /// Exact price of one unit, in money or in the unit's credits.
    pub unit_price: Decimal,
    pub pay: Pay,
}

/// How a candidate's price is paid.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pay {
    /// Pay-as-you-go in the currency.
    Money,
    /// Credits of this unit (index into [`Options::units`]).
    Credits(usize),
}

/// A usage line ready for comparison.
#[derive(Debug, Clone)]
pub struct Line {
    pub number: usize,
    pub label: String,
    /// `image`, `clip` or `request`.
    pub unit: &'static str,
    /// Units per month as written, over the horizon (zero after a series ends).
    pub base: Vec<Decimal>,
    /// 1 + retry rate: units of work bought per unit written.
    pub retry_factor: Decimal,
    pub candidates: Vec<Candidate>,
}

/// A credit unit some candidate is paid in.
#[derive(Debug, Clone)]
pub struct Unit {
    /// `provider/unit-id`.
    pub key: String,
    pub terms: Terms,
    /// Ways to buy it.
    pub methods: Vec<Method>,
}

/// Everything the comparer needs from the profile and the book.
#[derive(Debug, Clone)]
pub struct Options {
    pub lines: Vec<Line>,
    pub units: Vec<Unit>,
    pub currency: Currency,
    pub warnings: Vec<String>,
}

/// Resolves and quotes every candidate of every line as of `as_of`.
pub fn build(
    profile: &Profile,
    source: &Source,
    book: &PriceBook,
    as_of: NaiveDate,
    cal: &Calendar,
) -> Result<Options, InputError> {
    let mut out = Options {
        lines: Vec::new(),
        units: Vec::new(),
        currency: Currency::USD,
        warnings: Vec::new(),
    };
    let mut currency: Option<Currency> = None;
    for line in &profile.lines {
        let at = |place: &Located, field: &str, msg: String| {
            source.error(
                place.span.clone(),
                field,
                format!("usage line {} (`{}`): {msg}", line.number, line.label()),
            )
        };
        let first =
            resolve(book, &line.model, as_of).map_err(|m| at(&line.model, "usage.model", m))?;
        let kind = first.model.kind;
        let spec = request_spec(&line.work, kind).map_err(|m| at(&line.model, "usage", m))?;
        let mut candidates = Vec::new();
        let places = std::iter::once((&line.model, "usage.model"))
            .chain(line.alternatives.iter().map(|a| (a, "usage.alternatives")));
        let mut unit_name = "unit";
        for (place, field) in places {
            let r = resolve(book, place, as_of).map_err(|m| at(place, field, m))?;
            let id = r.id();
            if r.model.kind != kind {
                return Err(at(
                    place,
                    field,
                    format!(
                        "`{id}` is {} model but {} is {}; an alternative must do the same work",
                        article(r.model.kind),
                        first.id(),
                        article(kind)
                    ),
                ));
            }
            if candidates.iter().any(|c: &Candidate| c.model == id) {
                return Err(at(place, field, format!("`{id}` is listed twice")));
            }
            let q = r
                .quote(&spec)
                .map_err(|e| at(place, field, format!("`{id}` can't do this work: {e}")))?;
            for w in q.warnings {
                push_unique(
                    &mut out.warnings,
                    format!("usage line {}: {w}", line.number),
                );
            }
            unit_name = q.unit;
            match currency {
                None => currency = Some(r.table.currency),
                Some(c) if c != r.table.currency => {
                    return Err(at(
                        place,
                        field,
                        format!(
                            "`{id}` is priced in {} but the profile's other models in {c}; compare needs one currency",
                            r.table.currency
                        ),
                    ));
                }
                Some(_) => {}
            }
            let pay = match q.price_unit {
                PriceUnit::Money(_) => Pay::Money,
                PriceUnit::Credits(u) => Pay::Credits(
                    unit_index(&mut out.units, &r, &u, profile.seats)
                        .map_err(|m| at(place, field, m))?,
                ),
            };
            if let Some(w) = retirement(&r, cal) {
                push_unique(&mut out.warnings, w);
            }
            candidates.push(Candidate {
                model: id,
                table: r.table.id(),
                spec: q.spec,
                unit_price: q.unit_price,
                pay,
            });
        }
        out.lines.push(Line {
            number: line.number,
            label: line.label(),
            unit: unit_name,
            base: horizon_series(line, cal.len()),
            retry_factor: Decimal::ONE + line.retry_rate,
            candidates,
        });
    }
    out.currency = currency.unwrap_or_default();
    Ok(out)
}

fn article(kind: Kind) -> &'static str {
    match kind {
        Kind::Image => "an image",
        Kind::Video => "a video",
        Kind::Text => "a text",
    }
}

fn push_unique(list: &mut Vec<String>, item: String) {
    if !list.contains(&item) {
        list.push(item);
    }
}

fn resolve<'b>(
    book: &'b PriceBook,
    name: &Located,
    as_of: NaiveDate,
) -> Result<Resolved<'b>, String> {
    book.resolve(&name.text, as_of, false).map_err(|e| match e {
        LookupError::Retired { id, on, date } => format!(
            "{id} was retired on {on} (prices as of {date}); drop it or compare as of an earlier date"
        ),
        other => other.to_string(),
    })
}

/// The index of `r`'s credit unit `id`, adding it on first use.
fn unit_index(
    units: &mut Vec<Unit>,
    r: &Resolved<'_>,
    id: &str,
    seats: u32,
) -> Result<usize, String> {
    let key = format!("{}/{id}", r.provider);
    if let Some(i) = units.iter().position(|u| u.key == key) {
        return Ok(i);
    }
    let unit = r
        .table
        .credits
        .get(id)
        .ok_or_else(|| format!("credit unit `{id}` is not defined in {}", r.table.id()))?;
    let methods = Method::all(unit);
    if methods.is_empty() {
        return Err(format!(
            "{} is priced in {} ({key}), which {} sells in no pack and no subscription: there is no way to pay for it",
            r.id(),
            unit.name,
            r.table.id()
        ));
    }
    units.push(Unit {
        key,
        terms: Terms {
            unit: unit.clone(),
            menu: PackMenu::new(&unit.packs),
            seats,
        },
        methods,
    });
    Ok(units.len() - 1)
}

/// A warning when the model retires before the horizon ends.
fn retirement(r: &Resolved<'_>, cal: &Calendar) -> Option<String> {
    let on = r.model.retired?;
    let end = cal.first_day(cal.len() - 1) + chrono::Months::new(1);
    if on >= end {
        return None;
    }
    Some(
        match (0..cal.len()).rev().find(|&i| cal.first_day(i) <= on) {
            Some(m) => format!(
                "{} retires on {on}, in month {} ({}) of the horizon; it is priced as if it stayed",
                r.id(),
                m + 1,
                cal.label(m)
            ),
            None => format!(
                "{} retires on {on}, before the horizon begins ({}); it is priced as if it stayed",
                r.id(),
                cal.label(0)
            ),
        },
    )
}

/// The line's series over `months` months: cut or padded with zeros.
fn horizon_series(line: &UsageLine, months: usize) -> Vec<Decimal> {
    (0..months)
        .map(|i| line.per_month.get(i).copied().unwrap_or(Decimal::ZERO))
        .collect()
}
