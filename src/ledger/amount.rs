//! Credit amounts as whole micro-credits.
//!
//! The contract allows at most 6 fractional digits in a credit amount, so
//! every amount the ledger stores is an exact integer number of millionths of
//! a credit (`i64`). That keeps SQLite's `SUM` exact (it raises an error on
//! integer overflow instead of going to floating point), and lets the caches
//! be plain integer counters. Amounts cross the library boundary as
//! [`Decimal`]/[`Credits`]; nothing here is ever a binary float.

use std::fmt;

use rust_decimal::Decimal;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::money::{Credits, parse_decimal};

/// Fractional digits of a credit amount.
pub const SCALE: u32 = 6;
/// Micro-credits in one credit.
pub const ONE: i64 = 1_000_000;
/// The largest amount (cap, hold, grant) the ledger accepts, in credits.
///
/// Counters add many amounts; keeping each below 10^9 credits (10^15
/// micro-credits) leaves room for thousands of maximal amounts in one
/// counter before `i64` could overflow — and every counter column has a
/// `CHECK (typeof(…) = 'integer')`, so an overflow aborts the transaction
/// rather than turning into a float.
pub const MAX_CREDITS: i64 = 1_000_000_000;

/// An exact amount of ledger credits, in millionths.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, Default)]
pub struct Micros(pub i64);

impl Micros {
    /// Zero credits.
    pub const ZERO: Micros = Micros(0);

    /// Converts a decimal amount of credits, refusing negative amounts, more
    /// than [`SCALE`] fractional digits and amounts above [`MAX_CREDITS`].
    pub fn from_decimal(d: Decimal) -> Result<Micros, String> {
        let n = d.normalize();
        if n.is_sign_negative() && !n.is_zero() {
            return Err(format!("`{n}` is negative; credit amounts are 0 or more"));
        }
        if n.scale() > SCALE {
            return Err(format!(
                "`{n}` has {} decimal places; credit amounts have at most {SCALE}",
                n.scale()
            ));
        }
        if n > Decimal::from(MAX_CREDITS) {
            return Err(format!(
                "`{n}` is too large; credit amounts are at most {MAX_CREDITS}"
            ));
        }
        let micros = n * Decimal::from(ONE);
        // In range by the checks above, and integral by the scale check.
        let v: i64 = micros
            .trunc()
            .try_into()
            .map_err(|_| format!("`{n}` is out of range"))?;
        Ok(Micros(v))
    }

    /// Parses an amount written by a person ("40", "0.5").
    pub fn parse(text: &str) -> Result<Micros, String> {
        let d = parse_decimal(text).map_err(|_| {
            format!("`{text}` is not an amount of credits (write it like 40 or 0.5)")
        })?;
        Micros::from_decimal(d)
    }

    /// The amount as an exact decimal without trailing zeros.
    pub fn to_decimal(self) -> Decimal {
        Decimal::new(self.0, SCALE).normalize()
    }

    /// The amount as [`Credits`] (for reports).
    pub fn credits(self) -> Credits {
        Credits(self.to_decimal())
    }

    /// Rounds a non-negative decimal number of credits up to the ledger's
    /// precision (model-priced requests: the ledger never under-reserves).
    pub fn ceil_from(d: Decimal) -> Result<Micros, String> {
        let too_large = || {
            format!(
                "`{}` credits, more than the ledger holds (at most {MAX_CREDITS})",
                d.normalize()
            )
        };
        if d > Decimal::from(MAX_CREDITS) {
            return Err(too_large());
        }
        let up = d
            .checked_mul(Decimal::from(ONE))
            .map(|m| m.ceil())
            .and_then(|m| m.checked_div(Decimal::from(ONE)))
            .ok_or_else(too_large)?;
        Micros::from_decimal(up)
    }
}

/// Amounts in journal data are decimal strings (`"40"`, `"0.5"`).
impl Serialize for Micros {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_string())
    }
}

impl<'de> Deserialize<'de> for Micros {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Micros, D::Error> {
        let text = String::deserialize(d)?;
        Micros::parse(&text).map_err(serde::de::Error::custom)
    }
}

impl fmt::Display for Micros {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.to_decimal())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    #[test]
    fn parses_exact_amounts() {
        assert_eq!(Micros::parse("40").unwrap(), Micros(40_000_000));
        assert_eq!(Micros::parse("0.000001").unwrap(), Micros(1));
        // Trailing zeros are not extra precision: 1.5000000 is 1.5.
        assert_eq!(Micros::parse("1.5000000").unwrap(), Micros(1_500_000));
        assert_eq!(Micros::parse("0").unwrap(), Micros::ZERO);
    }

    #[test]
    fn refuses_bad_amounts() {
        let e = Micros::parse("1.1234567").unwrap_err();
        assert!(e.contains("7 decimal places"), "{e}");
        assert!(Micros::parse("-1").unwrap_err().contains("negative"));
        assert!(Micros::parse("abc").unwrap_err().contains("not an amount"));
        assert!(Micros::parse("1e3").is_err());
        assert!(
            Micros::parse("1000000001")
                .unwrap_err()
                .contains("too large")
        );
    }

    #[test]
    fn displays_without_trailing_zeros() {
        assert_eq!(Micros(40_000_000).to_string(), "40");
        assert_eq!(Micros(1_500_000).to_string(), "1.5");
        assert_eq!(Micros(1).to_string(), "0.000001");
    }

    #[test]
    fn rounds_up_to_the_ledger_precision() {
        // 0.0000001 credits is less than one micro-credit: rounded up to 1.
        let d = Decimal::from_str("0.0000001").unwrap();
        assert_eq!(Micros::ceil_from(d).unwrap(), Micros(1));
        let d = Decimal::from_str("4.2").unwrap();
        assert_eq!(Micros::ceil_from(d).unwrap(), Micros(4_200_000));
        // Past what a Decimal times a million can hold: an error, not a panic.
        let e = Micros::ceil_from(Decimal::MAX).unwrap_err();
        assert!(e.contains("more than the ledger holds"), "{e}");
        let d = Decimal::from_str("1000000000.0000001").unwrap();
        assert!(Micros::ceil_from(d).is_err());
    }
}
