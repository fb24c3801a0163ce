//! Exact money and credit amounts.
//!
//! Every amount in genbudget is a `rust_decimal::Decimal`; nothing on a money
//! path is ever a binary float. [`Money`] carries its [`Currency`] and has one
//! rounding policy — half away from zero to the currency's minor unit — applied
//! only where the contract says so. [`Credits`] are a vendor's or the ledger's
//! own units and are shown exactly, never rounded. The one reader for
//! numbers in TOML files ([`read_toml`], [`DecimalVisitor`]) is here too.

use std::fmt;
use std::ops::{Add, Sub};
use std::str::FromStr;

use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Serialize, Serializer};

mod toml_number;

#[cfg(test)]
pub(crate) use toml_number::UNREADABLE;
pub use toml_number::{DecimalVisitor, TomlProblem, decimal_from_toml_float_text, read_toml};

/// An ISO 4217 currency code with its number of minor-unit digits.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Currency {
    code: [u8; 3],
    minor_digits: u32,
}

impl Currency {
    /// US dollars, the default everywhere.
    pub const USD: Currency = Currency {
        code: *b"USD",
        minor_digits: 2,
    };

    /// Reads a three-letter ISO 4217 code (upper case).
    pub fn parse(code: &str) -> Result<Currency, String> {
        let bytes = code.as_bytes();
        if bytes.len() != 3 || !bytes.iter().all(u8::is_ascii_uppercase) {
            return Err(format!(
                "`{code}` is not an ISO 4217 currency code (three capital letters, e.g. USD)"
            ));
        }
        // ISO 4217 minor units; the few currencies without 2 digits that an AI
        // vendor might plausibly bill in.
        let minor_digits = match code {
            "JPY" | "KRW" | "VND" | "CLP" | "ISK" | "UGX" | "PYG" => 0,
            "BHD" | "KWD" | "OMR" | "JOD" | "TND" | "LYD" | "IQD" => 3,
            _ => 2,
        };
        Ok(Currency {
            code: [bytes[0], bytes[1], bytes[2]],
            minor_digits,
        })
    }

    /// The three-letter code.
    pub fn code(&self) -> &str {
        std::str::from_utf8(&self.code).unwrap_or("???")
    }

    /// Digits after the decimal point in this currency's minor unit.
    pub fn minor_digits(&self) -> u32 {
        self.minor_digits
    }

    /// Rounds `amount` to the minor unit, half away from zero — the only
    /// rounding policy for money in genbudget.
    pub fn round(&self, amount: Decimal) -> Decimal {
        let mut r = amount
            .round_dp_with_strategy(self.minor_digits, RoundingStrategy::MidpointAwayFromZero);
        // Always show the full number of minor digits ("8.70", not "8.7").
        r.rescale(self.minor_digits);
        r
    }
}

impl Default for Currency {
    fn default() -> Self {
        Currency::USD
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl fmt::Debug for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl Serialize for Currency {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.code())
    }
}

/// An amount of money, already rounded to its currency's minor unit.
///
/// The only way to make one from an arbitrary decimal is [`Money::round`], so
/// a `Money` is never rounded twice and always displays with the currency's
/// minor digits.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub struct Money {
    amount: Decimal,
    currency: Currency,
}

impl Money {
    /// Rounds an exact amount to a `Money` (half away from zero).
    pub fn round(amount: Decimal, currency: Currency) -> Money {
        Money {
            amount: currency.round(amount),
            currency,
        }
    }

    /// Zero in `currency`.
    pub fn zero(currency: Currency) -> Money {
        Money::round(Decimal::ZERO, currency)
    }

    /// The rounded amount.
    pub fn amount(&self) -> Decimal {
        self.amount
    }

    /// The currency.
    pub fn currency(&self) -> Currency {
        self.currency
    }

    /// Checked addition (None on overflow or a currency mismatch).
    pub fn checked_add(self, other: Money) -> Option<Money> {
        (self.currency == other.currency).then_some(())?;
        Some(Money::round(
            self.amount.checked_add(other.amount)?,
            self.currency,
        ))
    }

    /// Checked subtraction (None on overflow or a currency mismatch).
    pub fn checked_sub(self, other: Money) -> Option<Money> {
        (self.currency == other.currency).then_some(())?;
        Some(Money::round(
            self.amount.checked_sub(other.amount)?,
            self.currency,
        ))
    }
}

/// Adding money of two currencies is a bug in the caller, in release builds
/// too: it panics rather than return a meaningless sum (use
/// [`Money::checked_add`] where the currencies come from input).
impl Add for Money {
    type Output = Money;
    fn add(self, other: Money) -> Money {
        assert_eq!(
            self.currency, other.currency,
            "adding {} to {}",
            other.currency, self.currency
        );
        Money::round(self.amount + other.amount, self.currency)
    }
}

/// As for [`Add`], the currencies must agree.
impl Sub for Money {
    type Output = Money;
    fn sub(self, other: Money) -> Money {
        assert_eq!(
            self.currency, other.currency,
            "subtracting {} from {}",
            other.currency, self.currency
        );
        Money::round(self.amount - other.amount, self.currency)
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.amount)
    }
}

impl Serialize for Money {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// An exact number of credits (a vendor's or the ledger's own unit).
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, Default)]
pub struct Credits(pub Decimal);

impl fmt::Display for Credits {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0.normalize())
    }
}

impl Serialize for Credits {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// An exact amount of money as JSON and CSV carry it: not rounded, without
/// trailing zeros past the currency's minor unit, and with at least its
/// minor digits (`9.0000` → `9.00`, `0.002775` stays `0.002775`).
pub fn exact_amount(amount: Decimal, currency: Currency) -> Decimal {
    let mut d = amount.normalize();
    if d.scale() < currency.minor_digits() {
        d.rescale(currency.minor_digits());
    }
    d
}

/// An amount of money as a table shows it: rounded to the minor unit, half
/// away from zero — except that a non-zero amount is never shown as zero:
/// one that rounds to zero keeps two significant digits (`0.002775` →
/// `0.0028`). Returns the shown figure, so callers can add up what they show.
pub fn shown_amount(amount: Decimal, currency: Currency) -> Decimal {
    let r = currency.round(amount);
    if !r.is_zero() || amount.is_zero() {
        return r;
    }
    // |amount| is under half a minor unit: find its first significant
    // digit (k places after the point) and keep one more.
    let mut x = amount.abs();
    let mut k = 0u32;
    while x < Decimal::ONE && k < 28 {
        x *= Decimal::TEN;
        k += 1;
    }
    let digits = (k + 1).min(28);
    let mut d = amount.round_dp_with_strategy(digits, RoundingStrategy::MidpointAwayFromZero);
    d.rescale(digits);
    d
}

/// Shows an exact decimal without trailing zeros ("36", "0.011").
pub fn plain(d: Decimal) -> String {
    d.normalize().to_string()
}

/// Parses a decimal written by a person: digits with an optional sign and
/// point, no exponent, no `NaN`. Used for prices, amounts and flags. A
/// number with more digits than an exact decimal holds (28 after the point,
/// about 28 in all) is refused rather than rounded, so a non-zero price
/// such as `"0.00000000000000000000000000001"` never reads as zero.
pub fn parse_decimal(text: &str) -> Result<Decimal, String> {
    let t = text.trim();
    let valid = !t.is_empty()
        && t.chars()
            .enumerate()
            .all(|(i, c)| c.is_ascii_digit() || c == '.' || (i == 0 && (c == '-' || c == '+')))
        && t.chars().any(|c| c.is_ascii_digit())
        && t.matches('.').count() <= 1;
    if !valid {
        return Err(format!(
            "`{text}` is not a decimal number (write it like \"0.011\")"
        ));
    }
    let d = Decimal::from_str(t)
        .map_err(|e| format!("`{text}` is not a usable decimal number: {e}"))?;
    if significant(t) != significant(&d.to_string()) {
        return Err(if d.is_zero() {
            format!(
                "`{text}` is not zero but would read as 0: an exact decimal holds at most 28 digits after the point"
            )
        } else {
            format!(
                "`{text}` has more digits than an exact decimal holds (28 after the point, about 28 in all); write it with fewer"
            )
        });
    }
    Ok(d)
}

/// A plain decimal's value as text with no sign, leading or trailing
/// zeros (`"-0012.50"` → `"12.5"`, `"0.000"` → `""`), to compare two
/// spellings of one number.
fn significant(text: &str) -> String {
    let t = text.trim_start_matches(['+', '-']);
    let (int, frac) = t.split_once('.').unwrap_or((t, ""));
    let int = int.trim_start_matches('0');
    let frac = frac.trim_end_matches('0');
    if frac.is_empty() {
        int.to_string()
    } else {
        format!("{int}.{frac}")
    }
}

/// Reads a TOML float through its shortest decimal form, so `0.011` written
/// as a bare number means exactly 0.011 (the contract's rule). What the
/// float cannot tell (a literal that underflowed to 0.0, digits it dropped)
/// is checked from the literal's text by [`decimal_from_toml_float_text`].
pub fn decimal_from_toml_number(number: f64) -> Result<Decimal, String> {
    if !number.is_finite() {
        return Err(format!("`{number}` is not a finite number"));
    }
    // Rust's `Display` for binary floats prints the shortest text that reads
    // back to the same value; that text is what the author wrote.
    let text = format!("{number}");
    match Decimal::from_str(&text) {
        Ok(d) if significant(&text) == significant(&d.to_string()) => Ok(d),
        _ if number != 0.0 && number.abs() < 1e-28 => Err(format!(
            "`{number:e}` is not zero but would read as 0: an exact decimal holds at most 28 digits after the point"
        )),
        _ => Err(format!(
            "`{number:e}` is out of range for an exact decimal (at most 28 digits after the point, about 28 in all)"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    #[test]
    fn rounds_half_away_from_zero() {
        // 0.125 is exactly half a cent above 0.12: away from zero gives 0.13;
        // banker's rounding would give 0.12.
        assert_eq!(Currency::USD.round(d("0.125")).to_string(), "0.13");
        assert_eq!(Currency::USD.round(d("-0.125")).to_string(), "-0.13");
        assert_eq!(Currency::USD.round(d("0.124999")).to_string(), "0.12");
        assert_eq!(Currency::USD.round(d("8.7")).to_string(), "8.70");
        let jpy = Currency::parse("JPY").unwrap();
        assert_eq!(jpy.round(d("10.5")).to_string(), "11");
    }

    #[test]
    fn money_of_two_currencies_does_not_add() {
        let usd = Money::round(d("1.50"), Currency::USD);
        let eur = Money::round(d("2"), Currency::parse("EUR").unwrap());
        assert_eq!(
            usd.checked_add(usd).map(|m| m.to_string()),
            Some("3.00".into())
        );
        assert_eq!(usd.checked_add(eur), None);
        // The operator refuses it in release builds too (this test runs
        // under `cargo test --release`).
        let sum = std::panic::catch_unwind(|| usd + eur);
        assert!(sum.is_err());
    }

    #[test]
    fn toml_number_is_read_exactly() {
        assert_eq!(decimal_from_toml_number(0.011).unwrap(), d("0.011"));
        assert_eq!(decimal_from_toml_number(0.1).unwrap(), d("0.1"));
        assert!(decimal_from_toml_number(f64::NAN).is_err());
        // The same from the float's text, exponents included.
        assert_eq!(decimal_from_toml_float_text("0.011").unwrap(), d("0.011"));
        assert_eq!(decimal_from_toml_float_text("1e3").unwrap(), d("1000"));
        for bad in ["inf", "-inf", "nan", "1e400", "x"] {
            assert!(decimal_from_toml_float_text(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn parses_only_plain_decimals() {
        assert_eq!(parse_decimal("12.50").unwrap(), d("12.50"));
        assert_eq!(parse_decimal("+0012.50").unwrap(), d("12.50"));
        assert_eq!(parse_decimal("-0.000").unwrap(), d("0"));
        // 28 places is the most an exact decimal holds: still exact.
        let places28 = format!("0.{}1", "0".repeat(27));
        assert_eq!(parse_decimal(&places28).unwrap(), Decimal::new(1, 28));
        // Trailing zeros past 28 places change nothing, so are fine.
        assert_eq!(
            parse_decimal(&format!("1.{}", "0".repeat(40))).unwrap(),
            d("1")
        );
        for bad in ["", "abc", "1e3", "NaN", "1.2.3", "-", "."] {
            assert!(parse_decimal(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_non_zero_literal_never_reads_as_zero() {
        // 29 places: rust_decimal would round it to 0.
        let e = parse_decimal("0.00000000000000000000000000001").unwrap_err();
        assert!(e.contains("is not zero but would read as 0"), "{e}");
        // Too many digits to hold, though not zero: refused, not rounded.
        let e = parse_decimal("0.12345678901234567890123456789").unwrap_err();
        assert!(e.contains("more digits than an exact decimal holds"), "{e}");
        // The smallest float there is prints as 0.000…5 (324 places).
        let e = decimal_from_toml_number(5e-324).unwrap_err();
        assert!(
            e.contains("`5e-324` is not zero but would read as 0"),
            "{e}"
        );
        let e = decimal_from_toml_number(1e-29).unwrap_err();
        assert!(e.contains("is not zero"), "{e}");
        assert_eq!(decimal_from_toml_number(0.0).unwrap(), Decimal::ZERO);
        assert_eq!(
            decimal_from_toml_number(1e-28).unwrap(),
            Decimal::new(1, 28)
        );
    }

    #[test]
    fn exact_amounts_keep_every_digit_and_at_least_the_minor_ones() {
        // 36 × 0.25 computed exactly is 9.0000: shown as 9.00.
        assert_eq!(exact_amount(d("9.0000"), Currency::USD).to_string(), "9.00");
        assert_eq!(
            exact_amount(d("0.002775"), Currency::USD).to_string(),
            "0.002775"
        );
        assert_eq!(exact_amount(d("12.5"), Currency::USD).to_string(), "12.50");
        let jpy = Currency::parse("JPY").unwrap();
        assert_eq!(exact_amount(d("150.00"), jpy).to_string(), "150");
    }

    #[test]
    fn shown_amounts_are_never_a_false_zero() {
        // Rounds like any amount when the result is not zero…
        assert_eq!(shown_amount(d("1.985"), Currency::USD).to_string(), "1.99");
        assert_eq!(shown_amount(d("0.005"), Currency::USD).to_string(), "0.01");
        assert_eq!(shown_amount(d("0"), Currency::USD).to_string(), "0.00");
        // …but 0.002775 would be 0.00: two significant digits instead,
        // 0.002775 → 0.0028 (half away from zero at the 4th place).
        assert_eq!(
            shown_amount(d("0.002775"), Currency::USD).to_string(),
            "0.0028"
        );
        assert_eq!(
            shown_amount(d("0.0049"), Currency::USD).to_string(),
            "0.0049"
        );
        assert_eq!(
            shown_amount(d("-0.00001234"), Currency::USD).to_string(),
            "-0.000012"
        );
        let tiny = Decimal::new(1, 28);
        assert!(!shown_amount(tiny, Currency::USD).is_zero());
        let jpy = Currency::parse("JPY").unwrap();
        assert_eq!(shown_amount(d("0.3"), jpy).to_string(), "0.30");
    }

    #[test]
    fn currency_codes() {
        assert!(Currency::parse("usd").is_err());
        assert!(Currency::parse("EURO").is_err());
        assert_eq!(Currency::parse("EUR").unwrap().code(), "EUR");
    }
}
