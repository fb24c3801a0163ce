//! The settings fixed at `init` for the life of a ledger: what a credit is
//! worth, in which currency, where days begin, and how long a hold lasts.
//!
//! They are recorded in the `init` entry (`event.rs`) and cached by the
//! store; this module is the plain value and its checks.

use chrono_tz::Tz;
use rust_decimal::Decimal;

use crate::money::{Currency, plain};

use super::error::{LedgerError, Result};
use super::input;

/// What `init` fixes for the life of a ledger.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Settings {
    /// Money per credit (in `currency`).
    pub credit_value: Decimal,
    pub currency: Currency,
    /// Where days, weeks and months begin.
    pub timezone: Tz,
    /// Default TTL of a hold, in seconds.
    pub hold_ttl: i64,
}

impl Default for Settings {
    fn default() -> Settings {
        Settings {
            credit_value: Decimal::new(1, 2),
            currency: Currency::USD,
            timezone: Tz::UTC,
            hold_ttl: 15 * 60,
        }
    }
}

impl Settings {
    /// Checks values a caller chose.
    pub fn validate(&self) -> Result<()> {
        if self.credit_value <= Decimal::ZERO {
            return Err(LedgerError::input(
                "credit-value",
                format!(
                    "`{}` is not a credit value; it is the money one credit is worth, more than 0 (e.g. 0.01)",
                    self.credit_value
                ),
            ));
        }
        if self.hold_ttl <= 0 || self.hold_ttl > input::MAX_TTL_SECS {
            return Err(LedgerError::input(
                "hold-ttl",
                "a hold TTL is more than 0 and at most 30d",
            ));
        }
        Ok(())
    }

    /// The first setting that differs from `other`, as (field, ours, theirs).
    pub fn difference(&self, other: &Settings) -> Option<(&'static str, String, String)> {
        if self.credit_value != other.credit_value {
            return Some((
                "credit-value",
                plain(self.credit_value),
                plain(other.credit_value),
            ));
        }
        if self.currency != other.currency {
            return Some((
                "currency",
                self.currency.to_string(),
                other.currency.to_string(),
            ));
        }
        if self.timezone != other.timezone {
            return Some((
                "timezone",
                self.timezone.name().into(),
                other.timezone.name().into(),
            ));
        }
        if self.hold_ttl != other.hold_ttl {
            return Some((
                "hold-ttl",
                input::duration_text(self.hold_ttl),
                input::duration_text(other.hold_ttl),
            ));
        }
        None
    }
}
