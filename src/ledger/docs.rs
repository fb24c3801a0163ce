//! The documents the ledger returns: plain serialisable data, rendered as
//! JSON by `serde` and as tables/CSV/markdown by `render::ledger`.
//!
//! Field names and `schema` strings are part of the contract
//! (docs/ledger.md, "JSON"); amounts of credits serialise as exact decimal
//! strings, money as strings with the currency's minor digits.

use serde::Serialize;
use utoipa::ToSchema;

use crate::money::{Credits, Money};

use super::period::Period;

/// The result of `reserve`, `settle`, `release` and `charge`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct HoldDoc {
    pub schema: &'static str,
    pub key: String,
    pub user: String,
    /// `open`, `settled`, `released` or `expired`.
    pub state: &'static str,
    /// Credits held (or charged).
    pub credits: Credits,
    /// Credits spent; `null` while open.
    pub settled: Option<Credits>,
    /// The user's available credits after the command; `null` without a cap.
    pub available: Option<Credits>,
    pub expires_at: Option<String>,
    pub overrun: bool,
    /// True when an idempotent repeat returned the original result.
    pub replayed: bool,
}

/// Why a hold or charge was refused (exit 1).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct Denial {
    pub schema: &'static str,
    pub key: String,
    pub user: String,
    /// `user.cap`, `user.max_holds`, `org.cap` or `org.max_holds`.
    pub limit: &'static str,
    /// The limit and the numbers, e.g. `alice's month cap: 480 spent + 10
    /// held + 40 asked > 500`.
    pub reason: String,
    pub asked: Credits,
    /// Available credits of the party whose limit refused (`null` without a cap).
    pub available: Option<Credits>,
}

/// A reservation or charge either goes through or is denied.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Decision {
    Granted(HoldDoc),
    Denied(Denial),
}

impl Decision {
    /// The hold document, if granted.
    pub fn granted(&self) -> Option<&HoldDoc> {
        match self {
            Decision::Granted(d) => Some(d),
            Decision::Denied(_) => None,
        }
    }
}

/// The result of `grant`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct GrantDoc {
    pub schema: &'static str,
    pub key: String,
    pub user: String,
    pub credits: Credits,
    /// Last date (ledger timezone) the grant can be used.
    pub expires: Option<String>,
    pub note: Option<String>,
    pub replayed: bool,
}

/// A user's or the org's limits.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct LimitsDoc {
    pub cap: Option<Credits>,
    pub period: Period,
    pub max_holds: Option<i64>,
}

/// The result of `user add`/`user set` (one user) and `user list`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct UsersDoc {
    pub schema: &'static str,
    pub users: Vec<UserLimits>,
}

/// One user's limits.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct UserLimits {
    pub user: String,
    #[serde(flatten)]
    pub limits: LimitsDoc,
}

/// The result of `org set`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct OrgDoc {
    pub schema: &'static str,
    #[serde(flatten)]
    pub limits: LimitsDoc,
}

/// The result of `init`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct InitDoc {
    pub schema: &'static str,
    pub path: String,
    pub schema_version: i32,
    pub credit_value: String,
    pub currency: String,
    pub timezone: String,
    pub hold_ttl: String,
    /// False when the ledger already existed with these settings.
    pub created: bool,
}

/// `status`: the org and each user in their current period.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct StatusDoc {
    pub schema: &'static str,
    pub as_of: String,
    pub timezone: String,
    pub currency: String,
    pub credit_value: String,
    pub org: PartyStatus,
    pub users: Vec<PartyStatus>,
}

/// Where a user (or the org) stands in its current period.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct PartyStatus {
    /// The user id; `null` for the org.
    pub user: Option<String>,
    pub cap: Option<Credits>,
    pub period: Period,
    /// First local date of the current period (`null` for `none`).
    pub period_start: Option<String>,
    /// Settled this period, from any source.
    pub spent: Credits,
    /// Held by open holds granted this period.
    pub held: Credits,
    /// The part of `spent` + `held` drawn on grants.
    pub from_grants: Credits,
    /// Unexpired grant credits neither spent nor held (users only).
    pub grants: Credits,
    /// `max(0, cap − (spent + held − from_grants)) + grants`; `null` without a cap.
    pub available: Option<Credits>,
    pub open_holds: i64,
    pub max_holds: Option<i64>,
    /// Overrun settles this period.
    pub overruns: i64,
}

/// `holds`: holds and their states.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct HoldsDoc {
    pub schema: &'static str,
    pub holds: Vec<HoldLine>,
}

/// One hold in `holds`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct HoldLine {
    pub key: String,
    pub user: String,
    pub model: Option<String>,
    pub state: &'static str,
    pub credits: Credits,
    pub settled: Option<Credits>,
    pub created_at: String,
    pub expires_at: Option<String>,
    pub overrun: bool,
}

/// `report`: settled spending grouped by user, model or date.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct ReportDoc {
    pub schema: &'static str,
    pub by: &'static str,
    pub from: Option<String>,
    pub to: Option<String>,
    pub user: Option<String>,
    pub currency: String,
    pub credit_value: String,
    pub rows: Vec<ReportRow>,
    pub total: ReportRow,
}

/// One group of a report.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct ReportRow {
    /// The user, model (`(credits)` for amounts given as credits), date,
    /// ISO week (`2026-W17`) or month (`2026-04`).
    pub group: String,
    /// Settles and charges.
    pub jobs: i64,
    pub credits: Credits,
    /// `credits × credit_value`, rounded to the currency's minor unit.
    pub amount: Money,
    pub overruns: i64,
    /// Credits settled beyond a hold or a limit.
    pub overrun_credits: Credits,
}

/// `verify`: what was checked and every problem found.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct VerifyDoc {
    pub schema: &'static str,
    pub ok: bool,
    pub entries: i64,
    pub head_seq: i64,
    /// Hex SHA-256 of the newest entry: keep it elsewhere to detect a
    /// rewritten tail later.
    pub head_hash: String,
    pub overruns: i64,
    pub problems: Vec<Problem>,
}

/// The result of `ledger copy`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CopyDoc {
    pub schema: &'static str,
    /// The source (a file path, or a URL without its password).
    pub from: String,
    pub to: String,
    /// Journal entries copied.
    pub entries: i64,
    /// The copy's head hash, as `verify` prints it: the same as the
    /// source's.
    pub head_hash: String,
    /// The copy verified and its head hash is the source's.
    pub ok: bool,
}

/// One problem `verify` found.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Problem {
    /// The journal entry involved, where there is one.
    pub entry: Option<i64>,
    pub message: String,
}

/// A service token (`ledger token add|revoke`); `secret` only when added.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TokenDoc {
    pub schema: &'static str,
    pub name: String,
    /// `admin`, `app` or `user`.
    pub role: &'static str,
    /// The user a `user` token is bound to.
    pub user: Option<String>,
    pub created_at: String,
    pub revoked_at: Option<String>,
    /// The secret, shown once when the token is added; the ledger keeps
    /// only its SHA-256.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
}

/// `ledger token list`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TokensDoc {
    pub schema: &'static str,
    pub tokens: Vec<TokenDoc>,
}
