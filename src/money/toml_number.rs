//! The one reader for numbers in TOML files (plans, price tables, usage
//! profiles).
//!
//! A number may be written bare (`30`, `0.011`, `1e3`) or as a string
//! (`"15.00"`); either way it becomes an exact `Decimal`. A bare float is
//! judged by the literal's own text, which the TOML parser keeps, not only
//! by the binary float serde hands over: `1e-400` (which underflows to 0.0)
//! and a literal with more digits than an exact decimal or a float holds
//! are refused with a clear message instead of silently becoming another
//! number. [`read_toml`] parses a document, reads every float literal this
//! way, then deserialises; [`DecimalVisitor`] is the serde side every raw
//! number type uses, so the rules (and messages) are written once.

use std::fmt;
use std::ops::Range;
use std::str::FromStr;

use rust_decimal::Decimal;
use serde::Deserialize;
use serde::de::{self, Visitor};
use toml::Spanned;
use toml::de::{DeTable, DeValue};

use super::{decimal_from_toml_number, parse_decimal};

/// A float literal's text as the TOML parser decodes it (no `_`), read as
/// an exact decimal: the value serde's float gives
/// ([`decimal_from_toml_number`]), provided the literal means exactly that
/// number. A non-zero literal that reads as zero (`1e-400`), one with more
/// digits than an exact decimal holds, or one a binary float cannot carry
/// exactly (`0.12345678901234567891`) is refused, naming the literal.
pub fn decimal_from_toml_float_text(text: &str) -> Result<Decimal, String> {
    let number: f64 = text
        .parse()
        .map_err(|_| format!("`{text}` is not a number"))?;
    if !number.is_finite() && !text.contains("inf") && !text.contains("nan") {
        return Err(format!(
            "`{text}` is out of range for an exact decimal (at most 28 digits after the point, about 28 in all)"
        ));
    }
    // Not finite, too small or too large: the float's own messages.
    let read = decimal_from_toml_number(number)?;
    // What serde cannot see: a literal that underflowed to 0.0, or has
    // digits the float dropped.
    let exact = exact_float_text(text)?;
    if read != exact {
        return Err(format!(
            "`{text}` has more digits than a bare TOML number keeps exactly (it would read as {read}); write it as a string, e.g. \"{exact}\""
        ));
    }
    Ok(read)
}

/// A finite float literal (`-1.5e-3`, `0.011`, `1E3`) as the exact decimal
/// it writes, or why it cannot be one.
fn exact_float_text(text: &str) -> Result<Decimal, String> {
    let not_a_number = || format!("`{text}` is not a number");
    let negative = text.starts_with('-');
    let unsigned = text.trim_start_matches(['+', '-']);
    let (mantissa, exponent) = match unsigned.split_once(['e', 'E']) {
        Some((m, e)) => (m, e.parse::<i64>().map_err(|_| not_a_number())?),
        None => (unsigned, 0),
    };
    let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    if !int.bytes().chain(frac.bytes()).all(|b| b.is_ascii_digit()) {
        return Err(not_a_number());
    }
    let digits = format!("{int}{frac}");
    let digits = digits.trim_start_matches('0');
    let significant = digits.trim_end_matches('0');
    if significant.is_empty() {
        return Ok(Decimal::ZERO);
    }
    // The value is `significant` × 10^power.
    let frac_len = i64::try_from(frac.len()).map_err(|_| not_a_number())?;
    let dropped = (digits.len() - significant.len()) as i64;
    let power = exponent.saturating_sub(frac_len).saturating_add(dropped);
    let leading = power.saturating_add(significant.len() as i64 - 1);
    if leading < -28 {
        return Err(format!(
            "`{text}` is not zero but reads as 0 (too small for a number); write 0, or at least 0.0000000000000000000000000001 (28 places)"
        ));
    }
    let too_many = || {
        format!(
            "`{text}` has more digits than an exact decimal holds (28 after the point, about 28 in all); write it with fewer"
        )
    };
    if power < -28 || leading > 28 {
        return Err(too_many());
    }
    let plain = if power >= 0 {
        format!("{significant}{}", "0".repeat(power as usize))
    } else {
        let places = (-power) as usize;
        let padded = format!("{significant:0>width$}", width = places + 1);
        let (whole, part) = padded.split_at(padded.len() - places);
        format!("{whole}.{part}")
    };
    let sign = if negative { "-" } else { "" };
    Decimal::from_str(&format!("{sign}{plain}")).map_err(|_| too_many())
}

/// Parses a TOML document and deserialises `T` from it, first reading
/// every float literal in it with [`decimal_from_toml_float_text`].
///
/// A bad float is reported at its own place, after the parser's first
/// error if the text is not TOML at all. When floats are refused, serde's
/// first error is kept too if it is somewhere else, so a file's problems
/// come in one go. Errors are `(span, message)`, in file order.
pub fn read_toml<'de, T: Deserialize<'de>>(source: &'de str) -> Result<T, Vec<TomlProblem>> {
    let table = DeTable::parse(source).map_err(|e| vec![TomlProblem::Toml(e)])?;
    let mut problems = Vec::new();
    check_floats_in_table(table.get_ref(), &mut problems);
    let read = T::deserialize(toml::de::Deserializer::from(table));
    match read {
        Ok(value) if problems.is_empty() => return Ok(value),
        Ok(_) => {}
        Err(e) => {
            let span = e.span();
            if !problems.iter().any(|p| p.span() == span) {
                problems.push(TomlProblem::Toml(e));
            }
        }
    }
    problems.sort_by_key(|p| p.span().map(|s| s.start));
    Err(problems)
}

/// What [`read_toml`] found wrong: the parser's or serde's error, or a
/// float literal refused by [`decimal_from_toml_float_text`].
#[derive(Debug)]
pub enum TomlProblem {
    Toml(toml::de::Error),
    Number { span: Range<usize>, message: String },
}

impl TomlProblem {
    /// Where in the text.
    pub fn span(&self) -> Option<Range<usize>> {
        match self {
            TomlProblem::Toml(e) => e.span(),
            TomlProblem::Number { span, .. } => Some(span.clone()),
        }
    }

    /// What is wrong.
    pub fn message(&self) -> &str {
        match self {
            TomlProblem::Toml(e) => e.message(),
            TomlProblem::Number { message, .. } => message,
        }
    }
}

fn check_floats_in_table(table: &DeTable<'_>, refused: &mut Vec<TomlProblem>) {
    for value in table.values() {
        check_floats(value, refused);
    }
}

fn check_floats(value: &Spanned<DeValue<'_>>, refused: &mut Vec<TomlProblem>) {
    match value.get_ref() {
        DeValue::Float(f) => {
            if let Err(message) = decimal_from_toml_float_text(f.as_str()) {
                refused.push(TomlProblem::Number {
                    span: value.span(),
                    message,
                });
            }
        }
        DeValue::Array(items) => {
            for item in items {
                check_floats(item, refused);
            }
        }
        DeValue::Table(table) => check_floats_in_table(table, refused),
        DeValue::String(_) | DeValue::Integer(_) | DeValue::Boolean(_) | DeValue::Datetime(_) => {}
    }
}

/// The serde side of a number field: a TOML integer, float or string read
/// as an exact decimal. `expecting` describes the field's numbers (serde
/// says it when given, say, a boolean); `negative`, when set, refuses a
/// negative number, finishing the message "`-5` is negative; …".
#[derive(Clone, Copy)]
pub struct DecimalVisitor {
    pub expecting: &'static str,
    pub negative: Option<&'static str>,
}

impl DecimalVisitor {
    fn sign<E: de::Error>(&self, d: Decimal, text: &str) -> Result<Decimal, E> {
        match self.negative {
            Some(rule) if d.is_sign_negative() && !d.is_zero() => {
                Err(E::custom(format!("`{text}` is negative; {rule}")))
            }
            _ => Ok(d),
        }
    }
}

impl Visitor<'_> for DecimalVisitor {
    type Value = Decimal;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.expecting)
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Decimal, E> {
        let d = parse_decimal(v).map_err(E::custom)?;
        self.sign(d, v)
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Decimal, E> {
        self.sign(Decimal::from(v), &v.to_string())
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Decimal, E> {
        Ok(Decimal::from(v))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Decimal, E> {
        // `read_toml` has read the literal's text: this float is exactly
        // what was written.
        let d = decimal_from_toml_number(v).map_err(E::custom)?;
        self.sign(d, &d.to_string())
    }
}

/// Number literals every TOML file kind must refuse, each with a piece of
/// its message: the plan, price table and profile tests read them all.
#[cfg(test)]
pub(crate) const UNREADABLE: [(&str, &str); 5] = [
    ("1e-400", "`1e-400` is not zero but reads as 0"),
    (
        "\"0.00000000000000000000000000001\"",
        "is not zero but would read as 0",
    ),
    ("0.00000000000000000000000000001", "is not zero"),
    (
        "\"0.12345678901234567890123456789\"",
        "more digits than an exact decimal holds",
    ),
    (
        "0.1234567890123456789",
        "more digits than a bare TOML number keeps exactly",
    ),
];

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    #[test]
    fn a_float_literal_is_read_from_its_text() {
        for (text, value) in [
            ("0.011", "0.011"),
            ("1e3", "1000"),
            ("1E3", "1000"),
            ("+3.5", "3.5"),
            ("-0.25", "-0.25"),
            ("1.5e-3", "0.0015"),
            ("0.0", "0"),
            ("-0.0", "0"),
            ("0e5", "0"),
            ("0.0e-9999999", "0"),
            ("1e-28", "0.0000000000000000000000000001"),
            ("12.50", "12.5"),
        ] {
            assert_eq!(
                decimal_from_toml_float_text(text).unwrap(),
                d(value),
                "{text}"
            );
        }
    }

    #[test]
    fn a_float_literal_that_cannot_be_read_exactly_is_refused() {
        let e = decimal_from_toml_float_text("1e-400").unwrap_err();
        assert!(e.contains("`1e-400` is not zero but reads as 0"), "{e}");
        let places29 = format!("0.{}1", "0".repeat(28));
        let e = decimal_from_toml_float_text(&places29).unwrap_err();
        assert!(e.contains("is not zero"), "{e}");
        let e = decimal_from_toml_float_text("5e-324").unwrap_err();
        assert!(e.contains("is not zero"), "{e}");
        let e = decimal_from_toml_float_text("0.12345678901234567890123456789").unwrap_err();
        assert!(e.contains("more digits than an exact decimal holds"), "{e}");
        let e = decimal_from_toml_float_text("0.1234567890123456789").unwrap_err();
        assert!(
            e.contains("more digits than a bare TOML number keeps"),
            "{e}"
        );
        assert!(e.contains("\"0.1234567890123456789\""), "{e}");
        let e = decimal_from_toml_float_text("1e40").unwrap_err();
        assert!(e.contains("out of range"), "{e}");
        for bad in ["inf", "-inf", "nan", "x", "1e400"] {
            assert!(decimal_from_toml_float_text(bad).is_err(), "{bad}");
        }
    }

    #[derive(Deserialize, Debug)]
    struct Doc {
        a: Option<Number>,
        #[serde(default)]
        list: Vec<Number>,
        other: Option<bool>,
    }

    #[derive(Debug)]
    struct Number(Decimal);

    impl<'de> Deserialize<'de> for Number {
        fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            d.deserialize_any(DecimalVisitor {
                expecting: "a number",
                negative: Some("numbers here are zero or more"),
            })
            .map(Number)
        }
    }

    #[test]
    fn a_document_is_read_with_every_float_checked() {
        let doc: Doc = read_toml("a = 0.1\nlist = [1, \"2.50\", 3e0]\n").unwrap();
        assert_eq!(doc.a.unwrap().0, d("0.1"));
        let list: Vec<String> = doc.list.iter().map(|n| n.0.to_string()).collect();
        assert_eq!(list, ["1", "2.50", "3"]);
        assert_eq!(doc.other, None);
        // Both bad floats, in file order, and serde's error elsewhere.
        let text = "list = [1, 1e-400]\nother = 5\na = 1e-400\n";
        let e = read_toml::<Doc>(text).unwrap_err();
        assert_eq!(e.len(), 3, "{e:?}");
        assert_eq!(e[0].span(), Some(11..17));
        assert!(e[0].message().contains("`1e-400` is not zero"), "{e:?}");
        assert!(e[1].message().contains("invalid type"), "{e:?}");
        assert!(e[2].message().contains("`1e-400` is not zero"), "{e:?}");
        let e = read_toml::<Doc>("a = -1\n").unwrap_err();
        assert_eq!(
            e[0].message(),
            "`-1` is negative; numbers here are zero or more"
        );
        let e = read_toml::<Doc>("a = \"0.00000000000000000000000000001\"\n").unwrap_err();
        assert!(
            e[0].message().contains("is not zero but would read as 0"),
            "{e:?}"
        );
        assert!(read_toml::<Doc>("a = ").is_err());
    }
}
