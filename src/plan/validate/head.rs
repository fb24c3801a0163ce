//! The plan-level rules: name, date, budget, currency, retry rate,
//! contingency and credit values, each checked with its own message.

use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use toml::Spanned;

use super::{Checker, Head, MAX_RATE, MAX_WHOLE};
use crate::location::InputError;
use crate::money::Currency;
use crate::plan::CreditValue;
use crate::plan::raw::{RawNumber, RawPlan};

impl Checker<'_> {
    /// Checks the plan-level fields (the head of the file).
    pub(in crate::plan) fn head(&mut self, raw: &RawPlan) -> Head {
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
    pub(super) fn rate(
        &mut self,
        r: Spanned<RawNumber>,
        field: String,
        what: &str,
    ) -> Option<Decimal> {
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
    pub(super) fn whole(
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
}
