//! The validated price-table types every other part of genbudget reads.
//!
//! A [`Table`] is one provider's complete price list from its effective date;
//! it is built only by `validate.rs`, so holding one means every price is a
//! non-negative exact decimal, every size is `WxH`, and every credit-priced
//! model names a credit unit defined beside it.

use std::collections::BTreeMap;
use std::fmt;

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::Serialize;

use crate::money::Currency;

pub use super::raw::RawSize as Size;

impl fmt::Display for Size {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}x{}", self.width, self.height)
    }
}

impl Size {
    /// The shorter side, which names a resolution class (`720p`).
    pub fn short_side(&self) -> u32 {
        self.width.min(self.height)
    }
}

/// What a model produces, which decides how it is priced.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Image,
    Video,
    Text,
}

impl Kind {
    /// The lower-case name used in files and output.
    pub fn as_str(&self) -> &'static str {
        match self {
            Kind::Image => "image",
            Kind::Video => "video",
            Kind::Text => "text",
        }
    }

    /// Parses `image`, `video` or `text`.
    pub fn parse(text: &str) -> Result<Kind, String> {
        match text {
            "image" => Ok(Kind::Image),
            "video" => Ok(Kind::Video),
            "text" => Ok(Kind::Text),
            _ => Err(format!("`{text}` is not a kind; use image, video or text")),
        }
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One provider's price list from `effective` on.
#[derive(Clone, Debug)]
pub struct Table {
    pub provider: String,
    pub effective: NaiveDate,
    pub currency: Currency,
    pub source: String,
    pub retrieved: Option<NaiveDate>,
    pub notes: Option<String>,
    /// Where the table was read: a file path, or `builtin:pricing/…`.
    pub origin: String,
    pub models: BTreeMap<String, Model>,
    pub credits: BTreeMap<String, CreditUnit>,
}

impl Table {
    /// `provider@effective`, the name reports use for a table version.
    pub fn id(&self) -> String {
        format!("{}@{}", self.provider, self.effective)
    }

    /// The money value of one credit of `unit` in this table, and where it
    /// comes from (`"pack"` or `"subscription"`): the cheapest pack's price
    /// per credit, else the cheapest subscription's. `estimate` and the
    /// ledger value vendor credits by this one rule.
    pub fn credit_value(&self, unit: &str) -> Option<(Decimal, &'static str)> {
        let cu = self.credits.get(unit)?;
        let v = cu.value_per_credit()?;
        Some((
            v,
            if cu.packs.is_empty() {
                "subscription"
            } else {
                "pack"
            },
        ))
    }

    /// The model called `name` here, by id or alias.
    pub fn model(&self, name: &str) -> Option<&Model> {
        self.models.get(name).or_else(|| {
            self.models
                .values()
                .find(|m| m.aliases.iter().any(|a| a == name))
        })
    }
}

/// One model's prices.
#[derive(Clone, Debug)]
pub struct Model {
    pub name: String,
    pub kind: Kind,
    pub aliases: Vec<String>,
    /// First day the model can no longer be used.
    pub retired: Option<NaiveDate>,
    /// The credit unit (in this table) its prices are in; `None` = money.
    pub price_unit: Option<String>,
    pub tokens: TokenPrices,
    /// Higher token prices for requests with long input, where the vendor has them.
    pub long_context: Option<LongContext>,
    pub image: Option<ImagePrices>,
    pub video: Option<VideoPrices>,
    /// Clip lengths the API offers, in seconds (empty = any).
    pub durations: Vec<u32>,
    pub limits: Option<RateLimits>,
    pub notes: Option<String>,
}

/// Prices per 1,000,000 tokens, by token kind.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TokenPrices {
    pub input: Option<Decimal>,
    pub cached_input: Option<Decimal>,
    pub output: Option<Decimal>,
    pub text_input: Option<Decimal>,
    pub cached_text_input: Option<Decimal>,
    pub image_input: Option<Decimal>,
    pub cached_image_input: Option<Decimal>,
    pub image_output: Option<Decimal>,
}

impl TokenPrices {
    /// The prices that are set, with their file key, in a fixed order.
    pub fn entries(&self) -> Vec<(&'static str, Decimal)> {
        [
            ("input", self.input),
            ("cached_input", self.cached_input),
            ("output", self.output),
            ("text_input", self.text_input),
            ("cached_text_input", self.cached_text_input),
            ("image_input", self.image_input),
            ("cached_image_input", self.cached_image_input),
            ("image_output", self.image_output),
        ]
        .into_iter()
        .filter_map(|(k, v)| v.map(|v| (k, v)))
        .collect()
    }

    /// True when no token price is set.
    pub fn is_empty(&self) -> bool {
        self.entries().is_empty()
    }
}

/// A long-context tier: a request whose input tokens (plain plus cached)
/// are more than `above` is priced wholly at these prices; a price not set
/// here stays the model's base price.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LongContext {
    pub above: u64,
    pub input: Option<Decimal>,
    pub cached_input: Option<Decimal>,
    pub output: Option<Decimal>,
}

impl LongContext {
    /// The prices that are set, with their file key, in a fixed order.
    pub fn entries(&self) -> Vec<(&'static str, Decimal)> {
        [
            ("input", self.input),
            ("cached_input", self.cached_input),
            ("output", self.output),
        ]
        .into_iter()
        .filter_map(|(k, v)| v.map(|v| (k, v)))
        .collect()
    }
}

/// Per-image prices.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ImagePrices {
    /// The same price at every quality and size.
    Single(Decimal),
    /// Quality → price (in file order).
    ByQuality(Vec<(String, QualityPrice)>),
}

/// The price of one image quality.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum QualityPrice {
    /// The same at every size.
    Any(Decimal),
    /// Size → price (in file order).
    BySize(Vec<(Size, Decimal)>),
}

/// Per-second video prices.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum VideoPrices {
    Single(Decimal),
    ByResolution(Vec<(Size, Decimal)>),
}

/// Rate limits and job timing a model's table states.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct RateLimits {
    pub concurrent_jobs: Option<u32>,
    /// Least and most seconds one job takes.
    pub latency_seconds: Option<(u32, u32)>,
    /// Requests per minute.
    pub rpm: Option<u32>,
}

/// A vendor's own credit and the ways to buy it.
#[derive(Clone, Debug)]
pub struct CreditUnit {
    pub id: String,
    pub name: String,
    pub packs: Vec<Pack>,
    pub subscriptions: Vec<Subscription>,
    pub notes: Option<String>,
}

impl CreditUnit {
    /// Money per credit: the lowest per-credit price among the packs, else
    /// among the subscriptions (monthly ÷ credits); `None` if neither exists.
    pub fn value_per_credit(&self) -> Option<Decimal> {
        let packs = self
            .packs
            .iter()
            .filter(|p| !p.credits.is_zero())
            .filter_map(|p| p.price.checked_div(p.credits))
            .min();
        packs.or_else(|| {
            self.subscriptions
                .iter()
                .filter(|s| !s.credits.is_zero())
                .filter_map(|s| s.monthly.checked_div(s.credits))
                .min()
        })
    }
}

/// A credit pack: `credits` for `price`, optionally expiring.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pack {
    pub id: String,
    pub credits: Decimal,
    pub price: Decimal,
    pub expires_days: Option<u32>,
}

/// A subscription with a monthly credit allowance.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Subscription {
    pub id: String,
    pub monthly: Decimal,
    pub credits: Decimal,
    pub rollover: bool,
    pub max_rollover: Option<Decimal>,
    pub per_seat: bool,
}

impl Model {
    /// Every price of the model as (label, price) pairs, e.g.
    /// `("image high 1024x1536", 0.25)`, `("video 1280x720 /s", 0.10)`,
    /// `("tokens input /1M", 1.25)`. Used by `rates show` and `rates diff`.
    pub fn price_points(&self) -> Vec<(String, Decimal)> {
        let mut out = Vec::new();
        match &self.image {
            Some(ImagePrices::Single(p)) => out.push(("image".to_string(), *p)),
            Some(ImagePrices::ByQuality(qs)) => {
                for (q, qp) in qs {
                    match qp {
                        QualityPrice::Any(p) => out.push((format!("image {q}"), *p)),
                        QualityPrice::BySize(sizes) => {
                            for (s, p) in sizes {
                                out.push((format!("image {q} {s}"), *p));
                            }
                        }
                    }
                }
            }
            None => {}
        }
        match &self.video {
            Some(VideoPrices::Single(p)) => out.push(("video /s".to_string(), *p)),
            Some(VideoPrices::ByResolution(rs)) => {
                for (r, p) in rs {
                    out.push((format!("video {r} /s"), *p));
                }
            }
            None => {}
        }
        for (k, p) in self.tokens.entries() {
            out.push((format!("tokens {k} /1M"), p));
        }
        if let Some(lc) = &self.long_context {
            for (k, p) in lc.entries() {
                out.push((format!("tokens {k} above {} /1M", lc.above), p));
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn value_per_credit_prefers_cheapest_pack() {
        let unit = CreditUnit {
            id: "c".into(),
            name: "C".into(),
            packs: vec![
                // 5.00 / 1000 = 0.005; 40.00 / 10000 = 0.004 (cheapest)
                Pack {
                    id: "a".into(),
                    credits: dec!(1000),
                    price: dec!(5.00),
                    expires_days: None,
                },
                Pack {
                    id: "b".into(),
                    credits: dec!(10000),
                    price: dec!(40.00),
                    expires_days: None,
                },
            ],
            subscriptions: vec![Subscription {
                id: "s".into(),
                monthly: dec!(1.00),
                credits: dec!(1000),
                rollover: false,
                max_rollover: None,
                per_seat: true,
            }],
            notes: None,
        };
        assert_eq!(unit.value_per_credit(), Some(dec!(0.004)));
        let subs_only = CreditUnit {
            packs: vec![],
            ..unit
        };
        // 1.00 / 1000 = 0.001
        assert_eq!(subs_only.value_per_credit(), Some(dec!(0.001)));
    }
}
