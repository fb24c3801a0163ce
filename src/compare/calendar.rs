//! The comparison's months and the rule for which months a pack serves.
//!
//! Month 1 is the profile's `start` (default: the month of `as_of`); month i
//! is the (i−1)th month after it. Packs and subscriptions are paid on the
//! first day of the month that needs them. A pack bought on day D with
//! `expires_days` = E expires on D + E days and serves every month that
//! *begins* before then — so a 30-day pack bought on 1 February (28 days)
//! still serves March, but one bought on 1 January does not serve February.

use chrono::{Days, Months, NaiveDate};

/// The horizon: the first day of each month.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Calendar {
    first_days: Vec<NaiveDate>,
}

impl Calendar {
    /// `months` months from `start` (a first day of a month).
    pub fn new(start: NaiveDate, months: usize) -> Calendar {
        let first_days = (0..months)
            .map(|i| {
                u32::try_from(i)
                    .ok()
                    .and_then(|i| start.checked_add_months(Months::new(i)))
                    .unwrap_or(NaiveDate::MAX)
            })
            .collect();
        Calendar { first_days }
    }

    /// Number of months.
    pub fn len(&self) -> usize {
        self.first_days.len()
    }

    /// True for an empty horizon (never built by the comparer).
    pub fn is_empty(&self) -> bool {
        self.first_days.is_empty()
    }

    /// First day of month `i` (0-based).
    pub fn first_day(&self, i: usize) -> NaiveDate {
        self.first_days[i]
    }

    /// `YYYY-MM` of month `i` (0-based).
    pub fn label(&self, i: usize) -> String {
        self.first_days[i].format("%Y-%m").to_string()
    }

    /// Every month's label.
    pub fn labels(&self) -> Vec<String> {
        (0..self.len()).map(|i| self.label(i)).collect()
    }

    /// The months (0-based, `bought..until`) served by credits bought on
    /// the first day of month `bought` that expire `days` days later
    /// (`None`: never). The month of purchase is always served.
    pub fn serves_until(&self, bought: usize, days: Option<u32>) -> usize {
        let Some(days) = days else {
            return self.len();
        };
        let expiry = self.first_days[bought]
            .checked_add_days(Days::new(u64::from(days)))
            .unwrap_or(NaiveDate::MAX);
        let after = &self.first_days[bought + 1..];
        bought + 1 + after.partition_point(|d| *d < expiry)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cal(start: &str, n: usize) -> Calendar {
        Calendar::new(start.parse().unwrap(), n)
    }

    #[test]
    fn months_and_labels() {
        let c = cal("2026-11-01", 3);
        assert_eq!(c.labels(), ["2026-11", "2026-12", "2027-01"]);
    }

    #[test]
    fn a_pack_serves_months_that_begin_before_it_expires() {
        let c = cal("2026-01-01", 12);
        // 30 days from 1 January is 31 January: February begins after it.
        assert_eq!(c.serves_until(0, Some(30)), 1);
        // 31 days from 1 January is 1 February: expired as February begins.
        assert_eq!(c.serves_until(0, Some(31)), 1);
        // 32 days: 2 February, so February is served, March is not.
        assert_eq!(c.serves_until(0, Some(32)), 2);
        // 30 days from 1 February (28 days in 2026) is 3 March: March served.
        assert_eq!(c.serves_until(1, Some(30)), 3);
        // 365 days from 1 January 2026 is 1 January 2027: all 12 months.
        assert_eq!(c.serves_until(0, Some(365)), 12);
        assert_eq!(c.serves_until(5, None), 12);
        // Even a zero-day pack serves the month it was bought for.
        assert_eq!(c.serves_until(3, Some(0)), 4);
    }
}
