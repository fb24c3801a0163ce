//! `rates diff FROM TO`: what changed in the price book between two dates —
//! models added and removed, and every changed price with its % change.

use chrono::NaiveDate;
use rust_decimal::{Decimal, RoundingStrategy};
use serde::Serialize;

use super::book::PriceBook;
use super::model::Table;

/// The whole diff, ready to render.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct DiffReport {
    pub schema: &'static str,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub added: Vec<ModelRef>,
    pub removed: Vec<ModelRef>,
    pub changed: Vec<PriceChange>,
}

/// A model and the table it is listed in.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct ModelRef {
    pub provider: String,
    pub model: String,
    pub kind: String,
    /// `provider@date` of the table that lists it (TO for added, FROM for removed).
    pub table: String,
}

/// One price that differs between the two dates.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct PriceChange {
    pub provider: String,
    pub model: String,
    /// E.g. `image high 1024x1024`, `tokens output /1M`.
    pub price: String,
    /// The price unit: the table currency or a credit unit.
    pub unit: String,
    /// `null` when the price point is new.
    #[serde(with = "opt_str")]
    pub old: Option<Decimal>,
    /// `null` when the price point was dropped.
    #[serde(with = "opt_str")]
    pub new: Option<Decimal>,
    /// (new − old) ÷ old × 100, rounded to 1 place half away from zero;
    /// `null` when either side is missing or old is zero.
    #[serde(with = "opt_pct")]
    pub change_pct: Option<Decimal>,
    pub from_table: Option<String>,
    pub to_table: Option<String>,
}

mod opt_pct {
    use rust_decimal::Decimal;
    use serde::Serializer;

    /// Keeps the one decimal place (`"20.0"`).
    pub fn serialize<S: Serializer>(v: &Option<Decimal>, s: S) -> Result<S::Ok, S::Error> {
        match v {
            Some(d) => s.collect_str(d),
            None => s.serialize_none(),
        }
    }
}

mod opt_str {
    use rust_decimal::Decimal;
    use serde::Serializer;

    pub fn serialize<S: Serializer>(v: &Option<Decimal>, s: S) -> Result<S::Ok, S::Error> {
        match v {
            Some(d) => s.collect_str(&d.normalize()),
            None => s.serialize_none(),
        }
    }
}

/// Percentage change, 1 decimal place, half away from zero.
pub fn percent_change(old: Decimal, new: Decimal) -> Option<Decimal> {
    if old.is_zero() {
        return None;
    }
    let pct = (new - old)
        .checked_mul(Decimal::ONE_HUNDRED)?
        .checked_div(old)?;
    let mut r = pct.round_dp_with_strategy(1, RoundingStrategy::MidpointAwayFromZero);
    r.rescale(1);
    Some(r)
}

fn unit_of(table: &Table, model: &super::model::Model) -> String {
    model
        .price_unit
        .clone()
        .unwrap_or_else(|| table.currency.to_string())
}

/// Compares the tables in force on `from` and on `to`, per provider.
pub fn diff(
    book: &PriceBook,
    from: NaiveDate,
    to: NaiveDate,
    provider: Option<&str>,
) -> DiffReport {
    let mut report = DiffReport {
        schema: "genbudget.rates.diff/1",
        from,
        to,
        added: Vec::new(),
        removed: Vec::new(),
        changed: Vec::new(),
    };
    for p in book
        .providers()
        .filter(|p| provider.is_none_or(|want| want == *p))
    {
        let a = book.in_force(p, from);
        let b = book.in_force(p, to);
        let names = |t: Option<&Table>| -> Vec<String> {
            t.map(|t| t.models.keys().cloned().collect())
                .unwrap_or_default()
        };
        let (in_a, in_b) = (names(a), names(b));
        for name in in_b.iter().filter(|n| !in_a.contains(n)) {
            let (t, m) = (b.expect("listed"), &b.expect("listed").models[name]);
            report.added.push(ModelRef {
                provider: p.into(),
                model: name.clone(),
                kind: m.kind.to_string(),
                table: t.id(),
            });
        }
        for name in in_a.iter().filter(|n| !in_b.contains(n)) {
            let (t, m) = (a.expect("listed"), &a.expect("listed").models[name]);
            report.removed.push(ModelRef {
                provider: p.into(),
                model: name.clone(),
                kind: m.kind.to_string(),
                table: t.id(),
            });
        }
        let (Some(ta), Some(tb)) = (a, b) else {
            continue;
        };
        for name in in_a.iter().filter(|n| in_b.contains(n)) {
            let (ma, mb) = (&ta.models[name], &tb.models[name]);
            let (ua, ub) = (unit_of(ta, ma), unit_of(tb, mb));
            let pa = ma.price_points();
            let pb = mb.price_points();
            let mut labels: Vec<&String> = pa.iter().map(|(l, _)| l).collect();
            labels.extend(
                pb.iter()
                    .map(|(l, _)| l)
                    .filter(|l| !pa.iter().any(|(x, _)| x == *l)),
            );
            for label in labels {
                let old = pa.iter().find(|(l, _)| l == label).map(|(_, v)| *v);
                let new = pb.iter().find(|(l, _)| l == label).map(|(_, v)| *v);
                if old == new && ua == ub {
                    continue;
                }
                report.changed.push(PriceChange {
                    provider: p.into(),
                    model: name.clone(),
                    price: label.clone(),
                    unit: if ua == ub {
                        ub.clone()
                    } else {
                        format!("{ua} → {ub}")
                    },
                    old,
                    new,
                    change_pct: match (old, new) {
                        (Some(o), Some(n)) if ua == ub => percent_change(o, n),
                        _ => None,
                    },
                    from_table: Some(ta.id()),
                    to_table: Some(tb.id()),
                });
            }
        }
    }
    report
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn percent_change_rounds_half_away() {
        // 10.00 → 12.00: +2.00 / 10.00 = +20.0 %
        assert_eq!(percent_change(dec!(10.00), dec!(12.00)), Some(dec!(20.0)));
        // 0.167 → 0.15: −0.017 / 0.167 = −10.17964… % → −10.2
        assert_eq!(percent_change(dec!(0.167), dec!(0.15)), Some(dec!(-10.2)));
        // 0.08 → 0.0801: +0.125 % → 0.1 (half away from zero)
        assert_eq!(percent_change(dec!(0.08), dec!(0.0801)), Some(dec!(0.1)));
        assert_eq!(percent_change(dec!(0), dec!(1)), None);
    }
}
