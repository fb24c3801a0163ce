//! The raw layer of a usage profile: serde structs that mirror the file
//! exactly.
//!
//! Unknown keys are refused (`deny_unknown_fields`), so a typo is an error
//! with its line and column rather than a silently ignored setting. Values
//! that can be checked alone — a count, a date — are checked here, inside
//! deserialisation, so `toml` attaches the position. Checks that need the
//! whole profile or the price book live in `profile.rs` and `options.rs`.

use rust_decimal::Decimal;
use serde::Deserialize;
use serde::de::Deserializer;
use toml::Spanned;

use crate::pricing::RawDate;

use crate::money::DecimalVisitor;

/// A whole profile file.
#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
pub struct RawProfile {
    pub name: Option<String>,
    pub as_of: Option<Spanned<RawDate>>,
    pub start: Option<Spanned<String>>,
    pub seats: Option<Spanned<i64>>,
    #[serde(default)]
    pub usage: Vec<Spanned<RawUsage>>,
}

/// One `[[usage]]` line: a plan item's fields, with `per_month` instead of
/// a count.
#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
pub struct RawUsage {
    pub name: Option<Spanned<String>>,
    pub model: Spanned<String>,
    #[serde(default)]
    pub alternatives: Vec<Spanned<String>>,
    pub per_month: Spanned<Vec<Spanned<RawCount>>>,
    pub retry_rate: Option<Spanned<RawCount>>,
    pub quality: Option<String>,
    pub size: Option<String>,
    pub resolution: Option<String>,
    pub seconds: Option<Spanned<RawCount>>,
    pub input_tokens: Option<Spanned<RawCount>>,
    pub cached_input_tokens: Option<Spanned<RawCount>>,
    pub output_tokens: Option<Spanned<RawCount>>,
    pub prompt: Option<String>,
    pub prompt_tokens: Option<Spanned<RawCount>>,
    pub input_images: Option<Spanned<RawCount>>,
    pub input_image_size: Option<Spanned<String>>,
}

/// A non-negative exact number written as a TOML number or a string.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RawCount(pub Decimal);

impl RawCount {
    /// The value as a whole number, if it is one.
    pub fn whole(&self) -> Option<u64> {
        (self.0.fract().is_zero())
            .then(|| u64::try_from(self.0.trunc()).ok())
            .flatten()
    }
}

impl<'de> Deserialize<'de> for RawCount {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(DecimalVisitor {
            expecting: "a number that is zero or more (e.g. 145 or 2.5)",
            negative: Some("counts, rates and token numbers are zero or more"),
        })
        .map(|d| RawCount(d.normalize()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_are_exact_and_non_negative() {
        #[derive(Deserialize)]
        struct T {
            a: Vec<RawCount>,
        }
        let t: T = toml::from_str("a = [145, 0.1, \"2.50\"]").unwrap();
        let got: Vec<String> = t.a.iter().map(|c| c.0.to_string()).collect();
        assert_eq!(got, ["145", "0.1", "2.5"]);
        assert_eq!(t.a[0].whole(), Some(145));
        assert_eq!(t.a[1].whole(), None);
        let e = toml::from_str::<T>("a = [1, -5]").err().unwrap();
        assert!(e.message().contains("`-5` is negative"), "{e}");
    }

    #[test]
    fn unknown_keys_are_refused() {
        let e =
            toml::from_str::<RawProfile>("[[usage]]\nmodel = \"m\"\nper_month = [1]\ncount = 3\n")
                .err()
                .unwrap();
        assert!(e.message().contains("unknown field `count`"), "{e}");
    }
}
