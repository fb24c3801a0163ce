//! The validated usage profile: raw file → checked domain values.
//!
//! `raw.rs` mirrors the file; here go the rules that need more than one
//! value (a non-empty series, seats ≥ 1, unique line names, a `YYYY-MM`
//! start). Checks that need the price book — does the model exist, can the
//! alternatives do the same work — happen in `options.rs`, which reports
//! through the same [`Source`] so every error names file, line and column.

use std::ops::Range;

use chrono::{Datelike, NaiveDate};
use rust_decimal::Decimal;
use rust_decimal_macros::dec;
use toml::Spanned;

use super::raw::{RawCount, RawProfile, RawUsage};
use crate::location::InputError;
use crate::money::read_toml;
use crate::pricing::RequestSpec;

/// The profile's file name and text, for errors that point into it.
#[derive(Debug, Clone)]
pub struct Source {
    pub file: String,
    pub text: String,
}

impl Source {
    /// An error at `span`, naming `field`.
    pub fn error(&self, span: Range<usize>, field: &str, message: impl Into<String>) -> InputError {
        InputError::at(
            &self.file,
            &self.text,
            Some(span),
            Some(field.to_string()),
            message,
        )
    }
}

/// A string from the file with where it was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Located {
    pub text: String,
    pub span: Range<usize>,
}

impl From<Spanned<String>> for Located {
    fn from(s: Spanned<String>) -> Located {
        let span = s.span();
        Located {
            text: s.into_inner(),
            span,
        }
    }
}

/// A checked profile.
#[derive(Debug, Clone)]
pub struct Profile {
    pub name: String,
    /// Prices in force on this date (the command line or today when absent).
    pub as_of: Option<NaiveDate>,
    /// First day of month 1 (the month of `as_of` when absent).
    pub start: Option<NaiveDate>,
    pub seats: u32,
    pub lines: Vec<UsageLine>,
}

/// One usage line: what work, on which models, how much each month.
#[derive(Debug, Clone)]
pub struct UsageLine {
    /// 1-based position in the file.
    pub number: usize,
    pub name: Option<String>,
    pub model: Located,
    pub alternatives: Vec<Located>,
    /// Units of work per month, as written.
    pub per_month: Vec<Decimal>,
    /// Expected regenerations per unit (0–10).
    pub retry_rate: Decimal,
    pub work: Work,
    /// The whole `[[usage]]` table, for errors about the line.
    pub span: Range<usize>,
}

impl UsageLine {
    /// How the line is named in messages and reports.
    pub fn label(&self) -> String {
        match &self.name {
            Some(n) => n.clone(),
            None => self.model.text.clone(),
        }
    }
}

/// What one unit of a usage line's work asks for: the quote's own request
/// fields as written, and the fields that become its tokens once the
/// model's kind is known.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Work {
    /// The request fields as written. `input_image_tokens` is never set
    /// here (it comes from `input_images`); `input_tokens` or
    /// `prompt_tokens` may still take `prompt`'s count.
    pub request: RequestSpec,
    /// Text counted as input tokens (text model) or prompt tokens (image).
    pub prompt: Option<String>,
    /// Reference images per request, of `input_image_size`.
    pub input_images: Option<u64>,
    pub input_image_size: Option<Located>,
}

/// Parses and checks a profile's text.
pub fn parse_profile(source: &Source) -> Result<Profile, InputError> {
    let raw: RawProfile = read_toml(&source.text).map_err(|problems| {
        // The first problem, as for any other problem in a profile.
        InputError::from_toml_problem(&source.file, &source.text, &problems[0])
    })?;
    if raw.usage.is_empty() {
        return Err(InputError::file(
            &source.file,
            "has no [[usage]] lines; add one with `model` and `per_month` (units per month)",
        ));
    }
    let seats = match raw.seats {
        None => 1,
        Some(s) => {
            let n = *s.get_ref();
            u32::try_from(n).ok().filter(|n| *n >= 1).ok_or_else(|| {
                source.error(
                    s.span(),
                    "seats",
                    format!("seats = {n}: give the number of people who need a seat, 1 or more"),
                )
            })?
        }
    };
    let start = raw
        .start
        .map(|s| {
            parse_month(s.get_ref()).ok_or_else(|| {
                source.error(
                    s.span(),
                    "start",
                    format!(
                        "`{}` is not a month; write it as \"YYYY-MM\" (e.g. \"2026-05\")",
                        s.get_ref()
                    ),
                )
            })
        })
        .transpose()?;
    let mut lines = Vec::with_capacity(raw.usage.len());
    for (i, u) in raw.usage.into_iter().enumerate() {
        let span = u.span();
        let line = usage_line(source, i + 1, u.into_inner(), span)?;
        if let Some(name) = &line.name {
            if lines
                .iter()
                .any(|l: &UsageLine| l.name.as_ref() == Some(name))
            {
                return Err(source.error(
                    line.span.clone(),
                    "usage.name",
                    format!(
                        "usage line {}: the name `{name}` is used twice",
                        line.number
                    ),
                ));
            }
        }
        lines.push(line);
    }
    Ok(Profile {
        name: raw.name.unwrap_or_else(|| stem(&source.file)),
        as_of: raw.as_of.map(|d| d.into_inner().0),
        start,
        seats,
        lines,
    })
}

/// Reads `YYYY-MM` as the first day of that month.
pub fn parse_month(text: &str) -> Option<NaiveDate> {
    let (y, m) = text.trim().split_once('-')?;
    if y.len() != 4 || m.len() != 2 {
        return None;
    }
    NaiveDate::from_ymd_opt(y.parse().ok()?, m.parse().ok()?, 1)
}

/// The first day of `date`'s month.
pub fn month_of(date: NaiveDate) -> NaiveDate {
    date.with_day(1).unwrap_or(date)
}

fn stem(file: &str) -> String {
    std::path::Path::new(file)
        .file_stem()
        .map_or_else(|| file.to_string(), |s| s.to_string_lossy().into_owned())
}

fn usage_line(
    source: &Source,
    number: usize,
    raw: RawUsage,
    span: Range<usize>,
) -> Result<UsageLine, InputError> {
    let at = |s: Range<usize>, field: &str, msg: String| {
        source.error(s, field, format!("usage line {number}: {msg}"))
    };
    if raw.model.get_ref().trim().is_empty() {
        return Err(at(
            raw.model.span(),
            "usage.model",
            "`model` is empty; name a model (e.g. \"kie/gpt-image-2\")".into(),
        ));
    }
    let series_span = raw.per_month.span();
    let per_month: Vec<Decimal> = raw
        .per_month
        .into_inner()
        .iter()
        .map(|c| c.get_ref().0)
        .collect();
    if per_month.is_empty() {
        return Err(at(
            series_span,
            "usage.per_month",
            "`per_month` is empty; give the units of work for each month, e.g. [145, 0, 0, 160]"
                .into(),
        ));
    }
    if per_month.len() > super::MAX_MONTHS {
        return Err(at(
            series_span,
            "usage.per_month",
            format!(
                "`per_month` has {} months; a profile covers at most {} months (50 years)",
                per_month.len(),
                super::MAX_MONTHS
            ),
        ));
    }
    let retry_rate = match &raw.retry_rate {
        None => Decimal::ZERO,
        Some(r) if r.get_ref().0 <= dec!(10) => r.get_ref().0,
        Some(r) => {
            return Err(at(
                r.span(),
                "usage.retry_rate",
                format!(
                    "retry_rate {} is out of range; expected regenerations per unit, 0 to 10",
                    r.get_ref().0
                ),
            ));
        }
    };
    let whole = |v: &Option<Spanned<RawCount>>, field: &str| -> Result<Option<u64>, InputError> {
        v.as_ref()
            .map(|c| {
                c.get_ref().whole().ok_or_else(|| {
                    at(
                        c.span(),
                        &format!("usage.{field}"),
                        format!("`{field}` = {} is not a whole number", c.get_ref().0),
                    )
                })
            })
            .transpose()
    };
    let work = Work {
        request: RequestSpec {
            quality: raw.quality,
            size: raw.size,
            resolution: raw.resolution,
            seconds: raw.seconds.as_ref().map(|s| s.get_ref().0),
            input_tokens: whole(&raw.input_tokens, "input_tokens")?,
            cached_input_tokens: whole(&raw.cached_input_tokens, "cached_input_tokens")?,
            output_tokens: whole(&raw.output_tokens, "output_tokens")?,
            prompt_tokens: whole(&raw.prompt_tokens, "prompt_tokens")?,
            input_image_tokens: None,
        },
        prompt: raw.prompt,
        input_images: whole(&raw.input_images, "input_images")?,
        input_image_size: raw.input_image_size.map(Located::from),
    };
    Ok(UsageLine {
        number,
        name: raw.name.map(Spanned::into_inner),
        model: raw.model.into(),
        alternatives: raw.alternatives.into_iter().map(Located::from).collect(),
        per_month,
        retry_rate,
        work,
        span,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Profile, InputError> {
        parse_profile(&Source {
            file: "p.toml".into(),
            text: text.into(),
        })
    }

    #[test]
    fn reads_a_profile() {
        let p = parse(
            "name = \"x\"\nas_of = 2026-04-20\nstart = \"2026-05\"\nseats = 2\n\
             [[usage]]\nmodel = \"kie/gpt-image-2\"\nalternatives = [\"openai/gpt-image-2\"]\n\
             per_month = [145, 0, 0.5]\nquality = \"high\"\n",
        )
        .unwrap();
        assert_eq!(p.seats, 2);
        assert_eq!(p.start, NaiveDate::from_ymd_opt(2026, 5, 1));
        assert_eq!(p.lines[0].per_month, vec![dec!(145), dec!(0), dec!(0.5)]);
        assert_eq!(p.lines[0].alternatives[0].text, "openai/gpt-image-2");
        assert_eq!(p.lines[0].label(), "kie/gpt-image-2");
    }

    #[test]
    fn a_number_that_cannot_be_read_exactly_is_refused() {
        for (value, says) in crate::money::UNREADABLE {
            let e = parse(&format!(
                "[[usage]]\nmodel = \"m\"\nper_month = [1, {value}]\n"
            ))
            .unwrap_err();
            assert_eq!((e.line, e.column), (Some(3), Some(17)), "{value}: {e}");
            assert!(e.message.contains(says), "{value}: {e}");
        }
    }

    #[test]
    fn refuses_bad_values_with_positions() {
        let e = parse("seats = 0\n[[usage]]\nmodel = \"m\"\nper_month = [1]\n").unwrap_err();
        assert_eq!(e.line, Some(1));
        assert!(e.message.contains("seats = 0"), "{e}");
        let e = parse("[[usage]]\nmodel = \"m\"\nper_month = []\n").unwrap_err();
        assert_eq!(
            (e.line, e.field.as_deref()),
            (Some(3), Some("usage.per_month"))
        );
        let long = vec!["1"; 601].join(", ");
        let e = parse(&format!("[[usage]]\nmodel = \"m\"\nper_month = [{long}]\n")).unwrap_err();
        assert_eq!(
            (e.line, e.field.as_deref()),
            (Some(3), Some("usage.per_month"))
        );
        assert!(
            e.message
                .contains("has 601 months; a profile covers at most 600"),
            "{e}"
        );
        let e = parse("start = \"May\"\n[[usage]]\nmodel = \"m\"\nper_month = [1]\n").unwrap_err();
        assert!(e.message.contains("YYYY-MM"), "{e}");
        let e = parse("name = \"x\"\n").unwrap_err();
        assert!(e.message.contains("no [[usage]] lines"), "{e}");
        let e = parse(
            "[[usage]]\nname = \"a\"\nmodel = \"m\"\nper_month = [1]\n\
             [[usage]]\nname = \"a\"\nmodel = \"m\"\nper_month = [1]\n",
        )
        .unwrap_err();
        assert!(e.message.contains("used twice"), "{e}");
        let e =
            parse("[[usage]]\nmodel = \"m\"\nper_month = [1]\noutput_tokens = 1.5\n").unwrap_err();
        assert!(e.message.contains("not a whole number"), "{e}");
    }
}
