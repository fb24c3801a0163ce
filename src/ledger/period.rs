//! Periods of a cap (`day`, ISO `week`, `month`, `none`) in the ledger's
//! timezone.
//!
//! Spending is counted in per-day buckets keyed by the *local* date (in the
//! ledger's timezone) on which its hold was granted. A period is then a range
//! of local dates, so a week is seven buckets and a month at most 31, whatever
//! the clocks did in between: a day across a DST change simply has 23 or 25
//! hours. `none` is the whole history and uses running totals instead.

use std::fmt;

use chrono::{DateTime, Datelike, Days, Months, NaiveDate, Utc};
use chrono_tz::Tz;
use serde::{Serialize, Serializer};

/// How often a cap resets.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum Period {
    Day,
    /// ISO week, starting Monday.
    Week,
    Month,
    /// Never resets.
    #[default]
    None,
}

impl Period {
    /// Every period, in the order the docs list them.
    pub const ALL: [Period; 4] = [Period::Day, Period::Week, Period::Month, Period::None];

    /// Reads `day`, `week`, `month` or `none`.
    pub fn parse(text: &str) -> Result<Period, String> {
        match text.trim() {
            "day" => Ok(Period::Day),
            "week" => Ok(Period::Week),
            "month" => Ok(Period::Month),
            "none" => Ok(Period::None),
            other => Err(format!(
                "`{other}` is not a period; use day, week, month or none"
            )),
        }
    }

    /// The word for this period.
    pub fn as_str(self) -> &'static str {
        match self {
            Period::Day => "day",
            Period::Week => "week",
            Period::Month => "month",
            Period::None => "none",
        }
    }

    /// The local dates `[start, end)` of the period that contains `day`;
    /// `None` for [`Period::None`] (the whole history).
    pub fn bounds(self, day: NaiveDate) -> Option<(NaiveDate, NaiveDate)> {
        let (start, end) = match self {
            Period::Day => (day, day.checked_add_days(Days::new(1))?),
            Period::Week => {
                let back = u64::from(day.weekday().num_days_from_monday());
                let start = day.checked_sub_days(Days::new(back))?;
                (start, start.checked_add_days(Days::new(7))?)
            }
            Period::Month => {
                let start = day.with_day(1)?;
                (start, start.checked_add_months(Months::new(1))?)
            }
            Period::None => return None,
        };
        Some((start, end))
    }

    /// The first local date of the period containing `day`.
    pub fn start(self, day: NaiveDate) -> Option<NaiveDate> {
        self.bounds(day).map(|(s, _)| s)
    }
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Period {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// The ledger-local date of an instant.
pub fn local_day(tz: Tz, at: DateTime<Utc>) -> NaiveDate {
    at.with_timezone(&tz).date_naive()
}

/// A date as stored in the database (`YYYY-MM-DD`, which sorts by time).
pub fn day_text(day: NaiveDate) -> String {
    day.format("%Y-%m-%d").to_string()
}

/// Reads a stored date.
pub fn parse_day(text: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").ok()
}

/// Reads an IANA timezone name (`UTC`, `Europe/Berlin`).
pub fn parse_timezone(text: &str) -> Result<Tz, String> {
    text.trim().parse::<Tz>().map_err(|_| {
        format!("`{text}` is not an IANA timezone name (e.g. UTC, Europe/Berlin, America/New_York)")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        parse_day(s).unwrap()
    }

    #[test]
    fn week_starts_on_monday() {
        // 2026-04-20 is a Monday; 2026-04-26 the Sunday of the same ISO week.
        assert_eq!(
            Period::Week.bounds(d("2026-04-26")),
            Some((d("2026-04-20"), d("2026-04-27")))
        );
        assert_eq!(Period::Week.start(d("2026-04-20")), Some(d("2026-04-20")));
        // ISO week 1 of 2026 starts on Monday 2025-12-29.
        assert_eq!(Period::Week.start(d("2026-01-01")), Some(d("2025-12-29")));
    }

    #[test]
    fn months_have_their_own_length() {
        assert_eq!(
            Period::Month.bounds(d("2028-02-29")),
            Some((d("2028-02-01"), d("2028-03-01")))
        );
        assert_eq!(
            Period::Day.bounds(d("2026-12-31")),
            Some((d("2026-12-31"), d("2027-01-01")))
        );
        assert_eq!(Period::None.bounds(d("2026-12-31")), None);
    }

    #[test]
    fn local_day_follows_the_timezone_across_dst() {
        let tz = parse_timezone("Europe/Berlin").unwrap();
        // Berlin switches to summer time at 2026-03-29 01:00 UTC.
        let t = |s: &str| DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc);
        assert_eq!(local_day(tz, t("2026-03-28T22:59:59Z")), d("2026-03-28"));
        assert_eq!(local_day(tz, t("2026-03-28T23:00:00Z")), d("2026-03-29"));
        // After the switch, local midnight is 22:00 UTC.
        assert_eq!(local_day(tz, t("2026-03-29T21:59:59Z")), d("2026-03-29"));
        assert_eq!(local_day(tz, t("2026-03-29T22:00:00Z")), d("2026-03-30"));
    }

    #[test]
    fn parses_periods_and_zones() {
        assert_eq!(Period::parse("week").unwrap(), Period::Week);
        assert!(
            Period::parse("fortnight")
                .unwrap_err()
                .contains("day, week, month or none")
        );
        assert!(parse_timezone("Mars/Olympus").is_err());
    }
}
