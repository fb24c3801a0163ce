//! The raw layer: serde structs that mirror a table file exactly.
//!
//! Unknown keys are refused (`deny_unknown_fields`) so a typo never becomes a
//! silent zero. Values that can be checked alone — a price, a date, a size —
//! are checked here, inside deserialisation, so `toml` attaches the line and
//! column. Checks that need the whole file (provider = folder, price units
//! defined, aliases unique) happen in `validate.rs`.

use std::collections::BTreeMap;
use std::fmt;

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::Deserialize;
use serde::de::{self, Deserializer, MapAccess, Visitor};
use toml::Spanned;

use crate::money::DecimalVisitor;

/// One table file.
#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
pub struct RawTable {
    pub schema: Spanned<i64>,
    pub provider: Spanned<String>,
    pub effective: Spanned<RawDate>,
    pub currency: Spanned<String>,
    pub source: String,
    pub retrieved: Option<RawDate>,
    pub notes: Option<String>,
    #[serde(default)]
    pub credits: BTreeMap<Spanned<String>, RawCreditUnit>,
    #[serde(default)]
    pub models: BTreeMap<Spanned<String>, RawModel>,
}

/// `[credits.<id>]`: a vendor's own credit and the ways to buy it.
#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
pub struct RawCreditUnit {
    pub name: String,
    #[serde(default)]
    pub packs: Vec<RawPack>,
    #[serde(default)]
    pub subscriptions: Vec<RawSubscription>,
    pub notes: Option<String>,
}

#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
pub struct RawPack {
    pub id: Spanned<String>,
    pub credits: Spanned<RawAmount>,
    pub price: RawAmount,
    pub expires_days: Option<u32>,
}

#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
pub struct RawSubscription {
    pub id: Spanned<String>,
    pub monthly: RawAmount,
    pub credits: Spanned<RawAmount>,
    #[serde(default)]
    pub rollover: bool,
    pub max_rollover: Option<RawAmount>,
    #[serde(default = "yes")]
    pub per_seat: bool,
}

fn yes() -> bool {
    true
}

/// `[models.<id>]`.
#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
pub struct RawModel {
    pub kind: Spanned<RawKind>,
    #[serde(default)]
    pub aliases: Vec<Spanned<String>>,
    pub retired: Option<RawDate>,
    pub price_unit: Option<Spanned<String>>,
    pub tokens: Option<Spanned<RawTokens>>,
    pub long_context: Option<Spanned<RawLongContext>>,
    pub image: Option<Spanned<RawImage>>,
    pub video: Option<Spanned<RawVideo>>,
    pub durations: Option<Vec<Spanned<u32>>>,
    pub limits: Option<RawLimits>,
    pub notes: Option<String>,
}

#[derive(Deserialize, Debug, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum RawKind {
    Image,
    Video,
    Text,
}

/// Token prices per 1M tokens.
#[derive(Deserialize, Debug, Default)]
#[serde(deny_unknown_fields)]
pub struct RawTokens {
    pub input: Option<RawAmount>,
    pub cached_input: Option<RawAmount>,
    pub output: Option<RawAmount>,
    pub text_input: Option<RawAmount>,
    pub cached_text_input: Option<RawAmount>,
    pub image_input: Option<RawAmount>,
    pub cached_image_input: Option<RawAmount>,
    pub image_output: Option<RawAmount>,
}

/// `long_context`: the token prices of a request whose input (plain and
/// cached) is more than `above` tokens — every token of such a request is
/// priced here, as the vendors bill it.
#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
pub struct RawLongContext {
    pub above: Spanned<u64>,
    pub input: Option<RawAmount>,
    pub cached_input: Option<RawAmount>,
    pub output: Option<RawAmount>,
}

#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
pub struct RawLimits {
    pub concurrent_jobs: Option<Spanned<u32>>,
    pub latency_seconds: Option<Spanned<Vec<u32>>>,
    pub rpm: Option<Spanned<u32>>,
}

/// A non-negative exact amount written as a string or a TOML number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RawAmount(pub Decimal);

/// How a price or amount is read: money's TOML number reader, refusing a
/// negative number.
const AMOUNT: DecimalVisitor = DecimalVisitor {
    expecting: "a price: a non-negative decimal written as a string (\"0.011\") or a number",
    negative: Some("a price or amount is zero or more"),
};

impl<'de> Deserialize<'de> for RawAmount {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(AMOUNT).map(RawAmount)
    }
}

/// A calendar date written as a TOML date (`2025-10-06`) or a string.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RawDate(pub NaiveDate);

impl<'de> Deserialize<'de> for RawDate {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Repr {
            Toml(toml::value::Datetime),
            Text(String),
        }
        let bad = |text: &str| {
            de::Error::custom(format!(
                "`{text}` is not a date; write it as YYYY-MM-DD (e.g. 2026-04-20)"
            ))
        };
        match Repr::deserialize(d).map_err(|_: D::Error| bad("this value"))? {
            Repr::Toml(dt) => match (dt.date, dt.time, dt.offset) {
                (Some(date), None, None) => NaiveDate::from_ymd_opt(
                    i32::from(date.year),
                    u32::from(date.month),
                    u32::from(date.day),
                )
                .map(RawDate)
                .ok_or_else(|| bad(&dt.to_string())),
                _ => Err(bad(&dt.to_string())),
            },
            Repr::Text(s) => NaiveDate::parse_from_str(&s, "%Y-%m-%d")
                .map(RawDate)
                .map_err(|_| bad(&s)),
        }
    }
}

/// A `WxH` size or resolution key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RawSize {
    pub width: u32,
    pub height: u32,
}

impl RawSize {
    /// Parses `WxH` with positive integers.
    pub fn parse(text: &str) -> Result<RawSize, String> {
        let bad = || {
            format!(
                "`{text}` is not a size; write it as WIDTHxHEIGHT in pixels, e.g. \"1024x1536\""
            )
        };
        let (w, h) = text.split_once('x').ok_or_else(bad)?;
        let num = |s: &str| -> Result<u32, String> {
            if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) || s.starts_with('0') {
                return Err(bad());
            }
            s.parse::<u32>().map_err(|_| bad())
        };
        Ok(RawSize {
            width: num(w)?,
            height: num(h)?,
        })
    }
}

impl<'de> Deserialize<'de> for RawSize {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        RawSize::parse(&s).map_err(de::Error::custom)
    }
}

/// `image`: one price, quality → price, or quality → size → price.
#[derive(Debug)]
pub enum RawImage {
    Single(RawAmount),
    ByQuality(Vec<(String, RawQualityPrice)>),
}

/// The price of one quality: the same at every size, or per size.
#[derive(Debug)]
pub enum RawQualityPrice {
    Any(RawAmount),
    BySize(Vec<(RawSize, RawAmount)>),
}

/// `video`: one per-second price, or resolution → per-second price.
#[derive(Debug)]
pub enum RawVideo {
    Single(RawAmount),
    ByResolution(Vec<(RawSize, RawAmount)>),
}

/// Accepts a scalar price (`Scalar`) or a map (`Map`), keeping file order.
trait ScalarOrMap: Sized {
    const EXPECTING: &'static str;
    fn scalar<E: de::Error>(a: RawAmount) -> Result<Self, E>;
    fn map<'de, A: MapAccess<'de>>(m: A) -> Result<Self, A::Error>;
}

struct ScalarOrMapVisitor<T>(std::marker::PhantomData<T>);

impl<'de, T: ScalarOrMap> Visitor<'de> for ScalarOrMapVisitor<T> {
    type Value = T;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(T::EXPECTING)
    }
    // A scalar is an amount, read as [`RawAmount`] reads one.
    fn visit_str<E: de::Error>(self, v: &str) -> Result<T, E> {
        T::scalar(RawAmount(AMOUNT.visit_str(v)?))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<T, E> {
        T::scalar(RawAmount(AMOUNT.visit_i64(v)?))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<T, E> {
        T::scalar(RawAmount(AMOUNT.visit_u64(v)?))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<T, E> {
        T::scalar(RawAmount(AMOUNT.visit_f64(v)?))
    }
    fn visit_map<A: MapAccess<'de>>(self, m: A) -> Result<T, A::Error> {
        T::map(m)
    }
}

fn entries<'de, K: Deserialize<'de>, V: Deserialize<'de>, A: MapAccess<'de>>(
    mut m: A,
) -> Result<Vec<(K, V)>, A::Error> {
    let mut out = Vec::new();
    while let Some((k, v)) = m.next_entry::<K, V>()? {
        out.push((k, v));
    }
    Ok(out)
}

impl ScalarOrMap for RawImage {
    const EXPECTING: &'static str =
        "a per-image price (\"0.04\"), a table quality → price, or quality → { \"WxH\" = price }";
    fn scalar<E: de::Error>(a: RawAmount) -> Result<Self, E> {
        Ok(RawImage::Single(a))
    }
    fn map<'de, A: MapAccess<'de>>(m: A) -> Result<Self, A::Error> {
        Ok(RawImage::ByQuality(entries(m)?))
    }
}

impl ScalarOrMap for RawQualityPrice {
    const EXPECTING: &'static str = "a per-image price (\"0.04\") or a table { \"WxH\" = price }";
    fn scalar<E: de::Error>(a: RawAmount) -> Result<Self, E> {
        Ok(RawQualityPrice::Any(a))
    }
    fn map<'de, A: MapAccess<'de>>(m: A) -> Result<Self, A::Error> {
        Ok(RawQualityPrice::BySize(entries(m)?))
    }
}

impl ScalarOrMap for RawVideo {
    const EXPECTING: &'static str =
        "a per-second price (\"0.10\") or a table { \"WxH\" = per-second price }";
    fn scalar<E: de::Error>(a: RawAmount) -> Result<Self, E> {
        Ok(RawVideo::Single(a))
    }
    fn map<'de, A: MapAccess<'de>>(m: A) -> Result<Self, A::Error> {
        Ok(RawVideo::ByResolution(entries(m)?))
    }
}

macro_rules! scalar_or_map_de {
    ($t:ty) => {
        impl<'de> Deserialize<'de> for $t {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                d.deserialize_any(ScalarOrMapVisitor::<$t>(std::marker::PhantomData))
            }
        }
    };
}
scalar_or_map_de!(RawImage);
scalar_or_map_de!(RawQualityPrice);
scalar_or_map_de!(RawVideo);
