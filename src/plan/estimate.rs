//! The pure estimation step: a validated plan, a price book and options in;
//! a priced [`Estimate`] out. No clock, environment or file is touched.
//!
//! Arithmetic follows the plan contract (docs/estimate.md, "Arithmetic"):
//! every product is computed exactly with checked `rust_decimal` operations,
//! and only the plan's figures are rounded, **once**, to the currency's
//! minor unit, half away from zero:
//!
//! - money item: `total = units × unit_price`, `base = count × unit_price`,
//!   `retries = total − base`, all exact;
//! - credit item: `credits = units × unit_price`, `total = credits × value`,
//!   `base = count × unit_price × value`, all exact;
//! - plan: `subtotal = round(Σ exact totals)`,
//!   `contingency = round(Σ exact totals × rate)`,
//!   `total = subtotal + contingency`.
//!
//! So 10,000 items of $0.002775 each cost $27.75, not 10,000 × $0.00.

use std::collections::HashMap;

use chrono::NaiveDate;
use rayon::prelude::*;
use rust_decimal::Decimal;

use super::report::{BudgetReport, CreditSummary, Estimate, ItemReport, TimingScope};
use super::timing::{self, DAY};
use super::{Item, Plan, PlanError, Quantity, REQUEST_FIELDS};
use crate::location::InputError;
use crate::money::{Currency, exact_amount, plain};
use crate::pricing::{Kind, LookupError, PriceBook, PriceUnit, QuoteError, Resolved};

/// How to price a plan.
#[derive(Debug, Clone)]
pub struct Options {
    /// The date whose prices apply (the CLI resolves `--as-of`, the plan's
    /// `as_of`, then today).
    pub as_of: NaiveDate,
    /// `--budget`, which wins over the plan's.
    pub budget: Option<Decimal>,
    /// Price retired models from the last table that offered them.
    pub allow_retired: bool,
    /// `--swap A=B` what-ifs.
    pub swaps: Vec<Swap>,
}

/// `--swap FROM=TO`: price every item on model FROM as if it used TO.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Swap {
    pub from: String,
    pub to: String,
}

impl Swap {
    /// Parses `FROM=TO`.
    pub fn parse(text: &str) -> Result<Swap, String> {
        match text.split_once('=') {
            Some((a, b)) if !a.trim().is_empty() && !b.trim().is_empty() => Ok(Swap {
                from: a.trim().to_string(),
                to: b.trim().to_string(),
            }),
            _ => Err(format!(
                "`{text}` is not a swap; write MODEL=OTHER, e.g. gpt-image-1=gpt-image-1-mini"
            )),
        }
    }
}

/// A resolved swap.
struct SwapTo<'b> {
    from_id: String,
    to: Resolved<'b>,
    used: bool,
    text: String,
}

/// Prices `plan` from `book`. Every problem is reported, not just the first.
pub fn estimate<'b>(
    plan: &'b Plan,
    book: &'b PriceBook,
    opts: &Options,
) -> Result<Estimate, PlanError> {
    let mut problems = Vec::new();
    let mut swaps = resolve_swaps(book, opts, &mut problems);
    for cv in &plan.credit_value {
        if !book.tables().any(|t| t.credits.contains_key(&cv.unit)) {
            let mut known: Vec<&str> = book
                .tables()
                .flat_map(|t| t.credits.keys().map(String::as_str))
                .collect();
            known.sort_unstable();
            known.dedup();
            problems.push(plan.error_at(
                Some(cv.span.clone()),
                &format!("credit_value.{}", cv.unit),
                &format!(
                    "no price table defines a credit unit `{}`; defined: {}",
                    cv.unit,
                    known.join(", ")
                ),
            ));
        }
    }

    // Items are priced independently, on every core for a large plan, each
    // task with its own cache of resolved model names. A report goes
    // straight to its place in the vector; a problem is kept with its index.
    let bad = std::sync::Mutex::new(Vec::new());
    let price = |cache: &mut Cache<'b>, (n, item): (usize, &'b Item)| {
        price_cached(plan, item, book, opts, &swaps, cache)
            .map_err(|e| bad.lock().unwrap_or_else(|p| p.into_inner()).push((n, e)))
            .ok()
    };
    let priced: Vec<Option<ItemReport>> = if plan.items.len() < 4096 {
        let mut cache = Cache::new();
        plan.items
            .iter()
            .enumerate()
            .map(|i| price(&mut cache, i))
            .collect()
    } else {
        plan.items
            .par_iter()
            .enumerate()
            .with_min_len(512)
            .map_init(Cache::new, price)
            .collect()
    };
    let mut bad = bad.into_inner().unwrap_or_else(|p| p.into_inner());
    bad.sort_by_key(|(n, _)| *n);
    problems.extend(bad.into_iter().map(|(_, e)| e));
    // `filter_map` (unlike `flatten`) reuses the vector's memory.
    #[allow(clippy::filter_map_identity)]
    let items: Vec<ItemReport> = priced.into_iter().filter_map(|r| r).collect();
    for s in &mut swaps {
        s.used = items
            .iter()
            .any(|i| i.swapped_from.as_deref() == Some(s.from_id.as_str()));
    }
    if !problems.is_empty() {
        return Err(PlanError(problems));
    }

    let cur = plan.currency;
    let overflow = |what: &str| {
        PlanError(vec![InputError::file(
            &plan.file,
            format!("the plan's {what} is too large to compute exactly"),
        )])
    };
    // The exact sum, rounded once; the contingency is on the exact sum too.
    let mut exact_sum = Decimal::ZERO;
    for i in &items {
        exact_sum = exact_sum
            .checked_add(i.total)
            .ok_or_else(|| overflow("subtotal"))?;
    }
    let subtotal = cur.round(exact_sum);
    let contingency = cur.round(
        exact_sum
            .checked_mul(plan.contingency)
            .ok_or_else(|| overflow("contingency"))?,
    );
    let total = subtotal
        .checked_add(contingency)
        .ok_or_else(|| overflow("total"))?;
    let budget = match (opts.budget, plan.budget) {
        (Some(limit), _) => Some((limit, "--budget")),
        (None, Some(limit)) => Some((limit, "plan")),
        _ => None,
    }
    .map(|(limit, from)| BudgetReport {
        limit: cur.round(limit),
        remaining: cur.round(limit) - total,
        within: total <= cur.round(limit),
        from,
    });

    let mut warnings = Vec::new();
    for s in &swaps {
        if !s.used {
            warnings.push(format!(
                "--swap {}: no item uses {}, so it changes nothing",
                s.text, s.from_id
            ));
        }
    }
    Ok(Estimate {
        schema: "genbudget.estimate/1",
        plan: plan.name.clone(),
        as_of: opts.as_of,
        currency: cur,
        credits: credit_summary(&items, cur),
        items,
        subtotal,
        contingency_rate: plan.contingency,
        contingency,
        total,
        budget,
        swaps: swaps
            .iter()
            .map(|s| format!("{}={}", s.from_id, s.to.id()))
            .collect(),
        warnings,
    })
}

fn resolve_swaps<'b>(
    book: &'b PriceBook,
    opts: &Options,
    problems: &mut Vec<InputError>,
) -> Vec<SwapTo<'b>> {
    let mut out = Vec::new();
    for s in &opts.swaps {
        let text = format!("{}={}", s.from, s.to);
        // The model swapped away may be retired: that is often why.
        let from = book.resolve(&s.from, opts.as_of, true);
        let to = book.resolve(&s.to, opts.as_of, opts.allow_retired);
        match (from, to) {
            (Ok(from), Ok(to)) => out.push(SwapTo {
                from_id: from.id(),
                to,
                used: false,
                text,
            }),
            (Err(e), _) | (_, Err(e)) => {
                problems.push(InputError::file("--swap", format!("`{text}`: {e}")));
            }
        }
    }
    out
}

/// Model names resolved so far, as written in the plan.
type Cache<'b> = HashMap<&'b str, Result<Resolved<'b>, LookupError>>;

/// Prices `item`, resolving its model name once per cache.
fn price_cached<'b>(
    plan: &Plan,
    item: &'b Item,
    book: &'b PriceBook,
    opts: &Options,
    swaps: &[SwapTo<'b>],
    cache: &mut Cache<'b>,
) -> Result<ItemReport, InputError> {
    let resolved = cache
        .entry(item.model.as_str())
        .or_insert_with(|| book.resolve(&item.model, opts.as_of, opts.allow_retired))
        .clone();
    match resolved {
        Ok(r) => price_item(plan, item, r, swaps, opts.as_of),
        Err(e) => Err(plan.item_error(item, Some("model"), &e.to_string())),
    }
}

fn price_item<'b>(
    plan: &Plan,
    item: &Item,
    mut r: Resolved<'b>,
    swaps: &[SwapTo<'b>],
    as_of: NaiveDate,
) -> Result<ItemReport, InputError> {
    let err = |field: Option<&str>, msg: String| plan.item_error(item, field, &msg);
    let mut swapped_from = None;
    if !swaps.is_empty() {
        let id = r.id();
        if let Some(s) = swaps.iter().find(|s| s.from_id == id) {
            swapped_from = Some(id);
            r = s.to;
        }
    }
    let model = r.model;
    let via = swapped_from
        .as_ref()
        .map(|f| format!(" (swapped in for {f} by --swap)"))
        .unwrap_or_default();

    // Fields that don't apply to this kind of model.
    let allowed = crate::pricing::work_fields_for(model.kind);
    if let Some(f) = REQUEST_FIELDS
        .iter()
        .find(|f| **f != "limits" && item.spans.has(f) && !allowed.contains(f))
    {
        return Err(err(
            Some(f),
            format!(
                "`{f}` does not apply to {}{via}, which makes {}; its fields are: {}",
                r.id(),
                match model.kind {
                    Kind::Image => "images",
                    Kind::Video => "video",
                    Kind::Text => "text",
                },
                allowed.join(", ")
            ),
        ));
    }
    if r.table.currency != plan.currency {
        return Err(err(
            Some("model"),
            format!(
                "{} is priced in {} (table {}) but the plan's currency is {}; set `currency = \"{}\"` or use a model priced in {}",
                r.id(),
                r.table.currency,
                r.table.id(),
                plan.currency,
                r.table.currency,
                plan.currency
            ),
        ));
    }

    let mut warnings = Vec::new();
    // The request as written, with the counted tokens filled in (copied
    // only when there are any).
    let mut spec = std::borrow::Cow::Borrowed(&item.request);
    match model.kind {
        Kind::Text => {
            if let Some(n) = item.prompt {
                spec.to_mut().input_tokens = Some(n);
            }
        }
        Kind::Image => {
            if let Some(n) = item.prompt {
                spec.to_mut().prompt_tokens = Some(n);
            }
            if let Some(im) = item.input_images {
                let n = im.count.checked_mul(im.tokens_each).ok_or_else(|| {
                    err(
                        Some("input_images"),
                        "input_images × tokens per image is too large to price".into(),
                    )
                })?;
                spec.to_mut().input_image_tokens = Some(n);
            }
            let t = &model.tokens;
            if spec.prompt_tokens.is_some_and(|n| n > 0) && t.text_input.or(t.input).is_none() {
                warnings.push(format!(
                    "{} has no text-input token price; the prompt's tokens are not priced",
                    r.id()
                ));
            }
            if spec.input_image_tokens.is_some_and(|n| n > 0) && t.image_input.is_none() {
                warnings.push(format!(
                    "{} has no image-input token price; the input images are not priced",
                    r.id()
                ));
            }
        }
        Kind::Video => {}
    }

    let mut quote = r.quote(&spec).map_err(|e| {
        let field = match &e {
            QuoteError::Missing { field, .. }
            | QuoteError::NotOffered { field, .. }
            | QuoteError::NotPriced { field, .. }
            | QuoteError::Invalid { field, .. } => Some(*field),
            QuoteError::Ambiguous { .. } => Some("resolution"),
            QuoteError::Overflow => Some("count"),
        };
        let field = field.filter(|f| REQUEST_FIELDS.contains(f));
        err(field, format!("{e}{via}"))
    })?;
    warnings.append(&mut quote.warnings);
    if let Some(on) = r.retired {
        warnings.push(format!(
            "{} was retired on {on}; priced from its last table {} (--allow-retired)",
            r.id(),
            r.table.id()
        ));
    }

    let cur = plan.currency;
    let count = Decimal::from(item.quantity.total());
    let too_large = || {
        err(
            Some("count"),
            format!(
                "count × (1 + retry_rate) × unit price ({} per {}) is too large to compute exactly; use a smaller count",
                plain(quote.unit_price),
                quote.unit
            ),
        )
    };
    let units = count
        .checked_mul(Decimal::ONE + item.retry_rate)
        .ok_or_else(too_large)?;
    let (credits, credit_value, price_unit, base_exact, total_exact) = match &quote.price_unit {
        PriceUnit::Money(c) => (
            None,
            None::<(Decimal, &'static str)>,
            c.code().to_string(),
            count.checked_mul(quote.unit_price).ok_or_else(too_large)?,
            units.checked_mul(quote.unit_price).ok_or_else(too_large)?,
        ),
        PriceUnit::Credits(unit) => {
            let (value, from) = credit_value(plan, &r, unit).ok_or_else(|| {
                err(
                    Some("model"),
                    format!(
                        "{} is priced in `{unit}` credits, which have no pack or subscription to value them; add `[credit_value]` with `{unit} = \"0.005\"` (money per credit)",
                        r.id()
                    ),
                )
            })?;
            let credits = units.checked_mul(quote.unit_price).ok_or_else(too_large)?;
            let base_credits = count.checked_mul(quote.unit_price).ok_or_else(too_large)?;
            (
                Some(credits),
                Some((value, from)),
                unit.clone(),
                base_credits.checked_mul(value).ok_or_else(too_large)?,
                credits.checked_mul(value).ok_or_else(too_large)?,
            )
        }
    };
    // Exact, never rounded per item: only the plan's sums are rounded.
    let total = exact_amount(total_exact, cur);
    let base = exact_amount(base_exact, cur);

    let (per_day, days) = match item.quantity {
        Quantity::PerDay { per_day, days } => (Some(per_day), Some(days)),
        Quantity::Count(_) => (None, None),
    };
    if let (Some(d), None, Some(off)) = (days, r.retired, model.retired) {
        if let Some(w) = retires_during(as_of, d, off) {
            warnings.push(format!("{}{}", r.id(), w));
        }
    }
    let limits = item.limits.as_ref().or(model.limits.as_ref());
    let mut timing_out = (None, None, None);
    if let Some(limits) = limits {
        let (jobs, scope) = match per_day {
            Some(pd) => (
                jobs_for(Decimal::from(pd), item.retry_rate),
                TimingScope::Day,
            ),
            None => (jobs_for(count, item.retry_rate), TimingScope::Total),
        };
        if let Some(t) = timing::least_time(jobs, limits) {
            timing_out = (Some(t.min_seconds), Some(t.max_seconds), Some(scope));
            if scope == TimingScope::Day {
                if t.min_seconds > DAY {
                    warnings.push(format!(
                        "{jobs} jobs a day need at least {} under the rate limits ({}); a day has 24 h, so this cannot run daily",
                        timing::hours(t.min_seconds),
                        describe(limits)
                    ));
                } else if t.max_seconds > DAY {
                    warnings.push(format!(
                        "{jobs} jobs a day take {} to {} under the rate limits ({}); at the slow end they do not fit in 24 h",
                        timing::hours(t.min_seconds),
                        timing::hours(t.max_seconds),
                        describe(limits)
                    ));
                }
            }
        }
    }

    Ok(ItemReport {
        name: item.name.clone(),
        provider: r.provider.to_string(),
        model: model.name.clone(),
        kind: model.kind,
        spec: std::mem::take(&mut quote.spec),
        table: r.table.id(),
        count: item.quantity.total(),
        units,
        unit: quote.unit,
        unit_price: quote.unit_price,
        price_unit,
        credits,
        credit_value: credit_value.map(|(v, _)| v),
        credit_value_from: credit_value.map(|(_, f)| f),
        base,
        retries: exact_amount(total - base, cur),
        total,
        retry_rate: item.retry_rate,
        per_day,
        days,
        min_seconds: timing_out.0,
        max_seconds: timing_out.1,
        timing_scope: timing_out.2,
        retired: r.retired,
        swapped_from,
        warnings,
    })
}

/// A `per_day` item's work runs `days` days from `as_of` (the last day is
/// `as_of + days − 1`). When the model is retired (`off`, its first day
/// gone) before that, says how many of those days it can't run.
fn retires_during(as_of: NaiveDate, days: u64, off: NaiveDate) -> Option<String> {
    let days_i = i64::try_from(days).ok()?;
    let last = as_of.checked_add_signed(chrono::Duration::try_days(days_i - 1)?)?;
    if off > last || off <= as_of {
        return None;
    }
    let lost = (last - off).num_days() + 1;
    Some(format!(
        " retires on {off}, but this per_day item runs {days} days, {as_of} to {last}: its last {lost} day(s) can't run on it; plan a successor or fewer days"
    ))
}

/// Whole jobs for `n` units with retries: ceil(n × (1 + retry_rate)).
fn jobs_for(n: Decimal, retry_rate: Decimal) -> u64 {
    use rust_decimal::prelude::ToPrimitive;
    n.checked_mul(Decimal::ONE + retry_rate)
        .map(|u| u.ceil())
        .and_then(|u| u.to_u64())
        .unwrap_or(u64::MAX)
}

fn describe(l: &crate::pricing::RateLimits) -> String {
    let mut parts = Vec::new();
    if let (Some(c), Some((lo, hi))) = (l.concurrent_jobs, l.latency_seconds) {
        parts.push(format!("{c} concurrent jobs × {lo}–{hi} s each"));
    }
    if let Some(rpm) = l.rpm {
        parts.push(format!("{rpm} requests a minute"));
    }
    parts.join(", ")
}

/// The money value of one credit of `unit`, and where it came from.
fn credit_value(plan: &Plan, r: &Resolved<'_>, unit: &str) -> Option<(Decimal, &'static str)> {
    if let Some(cv) = plan.credit_value.iter().find(|c| c.unit == unit) {
        return Some((cv.value, "plan"));
    }
    r.table.credit_value(unit)
}

/// Credits and money per credit unit; each money total is the exact sum of
/// its items, rounded once.
fn credit_summary(items: &[ItemReport], cur: Currency) -> Vec<CreditSummary> {
    let mut out: Vec<CreditSummary> = Vec::new();
    for i in items {
        let (Some(c), Some(v), Some(from)) = (i.credits, i.credit_value, i.credit_value_from)
        else {
            continue;
        };
        match out.iter_mut().find(|s| s.unit == i.price_unit) {
            // Items are already checked to fit; Σ of them fits as the subtotal did.
            Some(s) => {
                s.credits = s.credits.checked_add(c).unwrap_or(Decimal::MAX);
                s.total = s.total.checked_add(i.total).unwrap_or(Decimal::MAX);
            }
            None => out.push(CreditSummary {
                unit: i.price_unit.clone(),
                credits: c,
                value: v,
                value_from: from,
                total: i.total,
            }),
        }
    }
    for s in &mut out {
        s.total = cur.round(s.total);
    }
    out
}

#[cfg(test)]
mod tests {
    //! The property that item figures are exact and the plan's are rounded
    //! once, over random plans priced from the fixture tables.

    use super::*;
    use crate::money::Currency;
    use crate::pricing::fixture_book;
    use proptest::prelude::*;
    use std::str::FromStr;

    /// A decimal with `scale` places from an integer.
    fn dec(n: u64, scale: u32) -> Decimal {
        Decimal::new(n as i64, scale)
    }

    /// One random `[[items]]` table body (after its name).
    fn item() -> impl Strategy<Value = String> {
        let count = prop_oneof![0u64..50, 0u64..1_000_000];
        let retry = (0u64..300).prop_map(|n| dec(n, 2).to_string());
        let body = prop_oneof![
            (
                prop::sample::select(vec!["low", "medium", "high"]),
                prop::sample::select(vec!["1024x1024", "1024x1536", "1536x1024"]),
                0u64..500,
            )
                .prop_map(|(q, s, p)| format!(
                    "model = \"openai/gpt-image-1\"\nquality = \"{q}\"\nsize = \"{s}\"\nprompt_tokens = {p}\n"
                )),
            (1u64..200, prop::sample::select(vec!["720p", "1280x720"])).prop_map(|(tenths, r)| {
                format!(
                    "model = \"sora-2\"\nseconds = \"{}\"\nresolution = \"{r}\"\n",
                    dec(tenths, 1)
                )
            }),
            (0u64..100_000, 0u64..100_000, 0u64..100_000).prop_map(|(i, c, o)| format!(
                "model = \"gpt-5\"\ninput_tokens = {i}\ncached_input_tokens = {c}\noutput_tokens = {o}\n"
            )),
            prop::sample::select(vec!["kie/gpt-image-2", "kie/gpt-image-1"])
                .prop_map(|m| format!("model = \"{m}\"\n")),
        ];
        (count, retry, body).prop_map(|(c, r, b)| format!("count = {c}\nretry_rate = {r}\n{b}"))
    }

    fn plan() -> impl Strategy<Value = String> {
        (
            prop::collection::vec(item(), 1..12),
            0u64..1000,
            prop::option::of(1u64..100_000),
        )
            .prop_map(|(items, contingency, credit)| {
                let mut s = format!(
                    "name = \"random\"\ncontingency = \"{}\"\n",
                    dec(contingency, 3)
                );
                if let Some(c) = credit {
                    s.push_str(&format!("[credit_value]\nkie-credit = \"{}\"\n", dec(c, 6)));
                }
                for (n, body) in items.iter().enumerate() {
                    s.push_str(&format!("[[items]]\nname = \"item {n}\"\n{body}"));
                }
                s
            })
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

        #[test]
        fn items_are_exact_and_the_plan_is_rounded_once(src in plan()) {
            let plan = crate::plan::parse("p.toml", &src).unwrap();
            let opts = Options {
                as_of: NaiveDate::from_ymd_opt(2026, 4, 20).unwrap(),
                budget: None,
                allow_retired: false,
                swaps: vec![],
            };
            let e = estimate(&plan, fixture_book(), &opts).unwrap();
            let usd = Currency::USD;
            let mut sum = Decimal::ZERO;
            for (i, item) in e.items.iter().zip(&plan.items) {
                // Each item figure is exact (at least the minor digits, no
                // trailing zeros past them), and base + retries = total.
                for amount in [i.base, i.retries, i.total] {
                    prop_assert!(amount.scale() >= 2, "{} in {:?}", amount, i.name);
                    prop_assert_eq!(amount, amount.normalize());
                }
                prop_assert_eq!(i.base + i.retries, i.total);
                // Recompute from the exact products: never rounded per item.
                let count = Decimal::from(item.quantity.total());
                let units = count * (Decimal::ONE + item.retry_rate);
                prop_assert_eq!(i.units, units);
                let per_unit = match i.credit_value {
                    Some(v) => {
                        prop_assert_eq!(i.credits, Some(units * i.unit_price));
                        i.unit_price * v
                    }
                    None => i.unit_price,
                };
                prop_assert_eq!(i.total, units * per_unit);
                prop_assert_eq!(i.base, count * per_unit);
                sum += i.total;
            }
            // The plan rounds once: the exact sum, and the contingency on it.
            prop_assert_eq!(e.subtotal, usd.round(sum));
            prop_assert_eq!(e.subtotal.scale(), 2);
            prop_assert_eq!(e.contingency, usd.round(sum * plan.contingency));
            prop_assert_eq!(e.subtotal + e.contingency, e.total);
            // The JSON carries the same exact figures.
            let json: serde_json::Value = serde_json::from_str(&crate::render::json(&e)).unwrap();
            prop_assert_eq!(json["total"].as_str().unwrap(), e.total.to_string());
            let exact: Decimal = json["items"].as_array().unwrap().iter()
                .map(|i| Decimal::from_str(i["total"].as_str().unwrap()).unwrap())
                .sum();
            prop_assert_eq!(exact, sum);
        }
    }

    #[test]
    fn retires_during_counts_the_days_a_per_day_item_loses() {
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        // 14 days from 2026-11-10 end on 2026-11-23; retired 2026-11-17 loses
        // 11-17 … 11-23 = 7 days.
        let w = retires_during(d("2026-11-10"), 14, d("2026-11-17")).unwrap();
        assert!(w.contains("its last 7 day(s)"), "{w}");
        assert!(w.contains("2026-11-10 to 2026-11-23"), "{w}");
        // Retiring the day after the last day costs nothing.
        assert_eq!(retires_during(d("2026-11-10"), 14, d("2026-11-24")), None);
        // Retiring on the last day loses one day.
        let w = retires_during(d("2026-11-10"), 14, d("2026-11-23")).unwrap();
        assert!(w.contains("its last 1 day(s)"), "{w}");
    }
}
