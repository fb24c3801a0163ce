//! The raw layer: serde structs that mirror a plan file exactly.
//!
//! Unknown keys are refused (`deny_unknown_fields`), so a misspelt `qualty`
//! is an error with its line and column, never a silently ignored field.
//! Every value keeps its span (`toml::Spanned`) so `validate.rs` can point at
//! the very key that is out of range. Numbers are read exactly by money's
//! one TOML number reader ([`DecimalVisitor`]), so no binary float survives
//! this file. (`fast/items.rs` reads runs of plain items the same way,
//! faster.)

use std::collections::BTreeMap;

use rust_decimal::Decimal;
use serde::Deserialize;
use serde::de::Deserializer;
use toml::Spanned;

use crate::pricing::RawDate;

use crate::money::DecimalVisitor;

/// A whole plan file.
#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
pub struct RawPlan {
    pub name: Option<Spanned<String>>,
    pub as_of: Option<Spanned<RawDate>>,
    pub budget: Option<Spanned<RawNumber>>,
    pub currency: Option<Spanned<String>>,
    pub retry_rate: Option<Spanned<RawNumber>>,
    pub contingency: Option<Spanned<RawNumber>>,
    #[serde(default)]
    pub credit_value: BTreeMap<Spanned<String>, Spanned<RawNumber>>,
    /// Free text for people; accepted and ignored.
    #[allow(dead_code)]
    pub notes: Option<String>,
    #[serde(default)]
    pub items: Vec<Spanned<RawItem>>,
}

/// One `[[items]]` table.
#[derive(Deserialize, Debug, Default)]
#[serde(deny_unknown_fields)]
pub struct RawItem {
    pub name: Option<Spanned<String>>,
    pub model: Option<Spanned<String>>,
    pub count: Option<Spanned<RawNumber>>,
    pub per_day: Option<Spanned<RawNumber>>,
    pub days: Option<Spanned<RawNumber>>,
    pub retry_rate: Option<Spanned<RawNumber>>,
    pub quality: Option<Spanned<String>>,
    pub size: Option<Spanned<String>>,
    pub resolution: Option<Spanned<String>>,
    pub seconds: Option<Spanned<RawNumber>>,
    pub input_tokens: Option<Spanned<RawNumber>>,
    pub cached_input_tokens: Option<Spanned<RawNumber>>,
    pub output_tokens: Option<Spanned<RawNumber>>,
    pub prompt_tokens: Option<Spanned<RawNumber>>,
    pub prompt: Option<Spanned<String>>,
    pub input_images: Option<Spanned<RawNumber>>,
    pub input_image_size: Option<Spanned<String>>,
    pub input_fidelity: Option<Spanned<String>>,
    pub limits: Option<Spanned<RawLimits>>,
    /// Free text for people; accepted and ignored.
    #[allow(dead_code)]
    pub notes: Option<String>,
}

/// An item's own rate limits (an account's tier), overriding the table's.
#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
pub struct RawLimits {
    pub concurrent_jobs: Option<Spanned<RawNumber>>,
    pub latency_seconds: Option<Spanned<Vec<RawNumber>>>,
    pub rpm: Option<Spanned<RawNumber>>,
}

/// An exact number written as a TOML integer, float or string. Its range
/// (whole, non-negative, ≤ 10, …) depends on the field and is checked in
/// `validate.rs`, where the message can say which field and why.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RawNumber(pub Decimal);

impl<'de> Deserialize<'de> for RawNumber {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(DecimalVisitor {
            expecting: "a number, written bare (30, 0.10) or as a string (\"15.00\")",
            negative: None,
        })
        .map(RawNumber)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_exact_whatever_their_spelling() {
        let p: RawPlan = toml::from_str(
            "retry_rate = 0.1\ncontingency = \"0.10\"\nbudget = 15\n[[items]]\nname = \"a\"\n",
        )
        .unwrap();
        assert_eq!(p.retry_rate.unwrap().into_inner().0.to_string(), "0.1");
        assert_eq!(p.contingency.unwrap().into_inner().0.to_string(), "0.10");
        assert_eq!(p.budget.unwrap().into_inner().0.to_string(), "15");
    }

    #[test]
    fn item_spans_point_at_their_table() {
        let src = "name = \"p\"\n\n[[items]]\nname = \"a\"\n\n[[items]]\nmodel = \"m\"\n";
        let p: RawPlan = toml::from_str(src).unwrap();
        let second = p.items[1].span();
        // serde's span of an array-of-tables entry is its `[[items]]` header.
        assert_eq!(second.start, src.rfind("[[items]]").unwrap(), "{second:?}");
    }

    #[test]
    fn unknown_keys_are_refused() {
        let e = toml::from_str::<RawPlan>("[[items]]\nqualty = \"high\"\n").unwrap_err();
        assert!(e.message().contains("qualty"), "{}", e.message());
    }
}
