//! The request bodies and queries of the HTTP API, and how each becomes a
//! ledger request.
//!
//! Bodies are read strictly (`deny_unknown_fields`: a misspelt field is a
//! `422` naming it, never silently ignored). Amounts are exact decimals
//! given as JSON strings (`"40"`, `"0.5"`) or whole JSON numbers (`40`); a
//! JSON number with a fraction or an exponent is refused, because JSON
//! parsers read those as binary floating point. Every value goes through the
//! same checks as the CLI's flags (`ledger::input`), with the same messages.

use std::fmt;

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::ledger::{
    self, LedgerError, LimitsChange, ModelRequest, ReportBy, ReportQuery, Spec, input,
};
use crate::money::parse_decimal;

/// An exact decimal read from a JSON string or a whole JSON number.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Amount(pub Decimal);

impl utoipa::PartialSchema for Amount {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{ObjectBuilder, OneOfBuilder, SchemaType, Type};
        OneOfBuilder::new()
            .item(
                ObjectBuilder::new()
                    .schema_type(SchemaType::new(Type::String))
                    .examples([serde_json::json!("40")]),
            )
            .item(ObjectBuilder::new().schema_type(SchemaType::new(Type::Integer)))
            .description(Some(
                "An exact decimal amount: a string (\"40\", \"0.5\") or a whole JSON number",
            ))
            .into()
    }
}

impl ToSchema for Amount {}

impl<'de> Deserialize<'de> for Amount {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Amount, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Amount;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a decimal amount as a string (e.g. \"40\" or \"0.5\")")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Amount, E> {
                parse_decimal(v).map(Amount).map_err(E::custom)
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Amount, E> {
                Ok(Amount(Decimal::from(v)))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Amount, E> {
                Ok(Amount(Decimal::from(v)))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Amount, E> {
                Err(E::custom(format!(
                    "{v} is a JSON number with a fraction or exponent; give exact amounts as strings (e.g. \"0.5\")"
                )))
            }
        }
        d.deserialize_any(V)
    }
}

/// `Some(value)` for a field that is present, even when it is `null`:
/// with `#[serde(default)]` an absent field stays `None`, so a body can
/// tell "leave it" (absent) from "clear it" (`null`).
fn present<'de, T: Deserialize<'de>, D: Deserializer<'de>>(d: D) -> Result<Option<T>, D::Error> {
    T::deserialize(d).map(Some)
}

/// A model request: the model and the fields that price it.
#[derive(Clone, Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RequestBody {
    /// A model id, alias or `provider/model` (see `genbudget rates list`).
    pub model: Option<String>,
    /// Video: seconds of output (more than 0, at most 86400).
    pub seconds: Option<Amount>,
    /// Video: resolution (`720p`, `1280x720`).
    pub resolution: Option<String>,
    /// Image: quality (`low`, `medium`, `high`).
    pub quality: Option<String>,
    /// Image: size (`1024x1024`).
    pub size: Option<String>,
    /// Image: number of images (1–10000, default 1).
    #[schema(minimum = 1, maximum = 10000)]
    pub images: Option<u32>,
    /// Text: input tokens.
    pub input_tokens: Option<u64>,
    /// Text: output tokens.
    pub output_tokens: Option<u64>,
}

impl RequestBody {
    /// The request's fields (checked when priced: `ledger::price_request`).
    pub fn spec(&self) -> Spec {
        Spec {
            seconds: self.seconds.map(|a| a.0),
            resolution: self.resolution.clone(),
            quality: self.quality.clone(),
            size: self.size.clone(),
            images: self.images,
            input_tokens: self.input_tokens,
            output_tokens: self.output_tokens,
        }
    }

    /// The model request (the model is required here).
    pub fn model_request(&self) -> Result<ModelRequest, LedgerError> {
        let spec = self.spec();
        let model = self.model.clone().ok_or_else(|| {
            LedgerError::input("request.model", "give the model to price (e.g. \"sora-2\")")
        })?;
        Ok(ModelRequest { model, spec })
    }
}

/// `POST /v1/holds` and `POST /v1/charges`: credits, or a request to price.
#[derive(Clone, Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HoldBody {
    /// The user the job runs for: 1–64 characters from `A-Z a-z 0-9 . _ @ -`.
    #[schema(pattern = r"^[A-Za-z0-9._@-]{1,64}$", example = "alice")]
    pub user: String,
    /// The job id (1–128 printable characters, no spaces); repeating a
    /// request with it returns the original result.
    #[schema(min_length = 1, max_length = 128, example = "clip-1")]
    pub key: String,
    /// Credits to hold (give this or `request`).
    pub credits: Option<Amount>,
    /// A request priced from the price book as of now (give this or `credits`).
    pub request: Option<RequestBody>,
    /// How long the hold lasts (`90s`, `15m`, `1h30m`; holds only; default:
    /// the ledger's hold TTL).
    pub ttl: Option<String>,
}

/// What a hold or charge asks for, checked.
#[derive(Clone, Debug)]
pub enum Asked {
    Credits(Decimal),
    Request(ModelRequest),
}

/// A checked hold or charge request.
#[derive(Clone, Debug)]
pub struct HoldAsk {
    pub user: String,
    pub key: String,
    pub asked: Asked,
    pub ttl: Option<i64>,
}

/// A user id, checked.
pub fn user_id(field: &str, id: &str) -> Result<(), LedgerError> {
    input::user_id(id).map_err(|m| LedgerError::input(field, m))
}

/// A key, checked.
pub fn key(field: &str, k: &str) -> Result<(), LedgerError> {
    input::key(k).map_err(|m| LedgerError::input(field, m))
}

fn credits(field: &str, a: Amount) -> Result<Decimal, LedgerError> {
    input::amount(&a.0.to_string())
        .map(|m| m.to_decimal())
        .map_err(|m| LedgerError::input(field, m))
}

impl HoldBody {
    /// Checks the body; `charge` refuses a `ttl` (a charge is settled at once).
    pub fn check(self, charge: bool) -> Result<HoldAsk, LedgerError> {
        user_id("user", &self.user)?;
        key("key", &self.key)?;
        let asked = match (self.credits, &self.request) {
            (Some(_), Some(_)) => {
                return Err(LedgerError::input(
                    "credits",
                    "give either `credits` or `request`, not both",
                ));
            }
            (Some(c), None) => Asked::Credits(credits("credits", c)?),
            (None, Some(r)) => Asked::Request(r.model_request()?),
            (None, None) => {
                return Err(LedgerError::input(
                    "credits",
                    "give `credits` (e.g. \"40\") or a `request` with a model to price",
                ));
            }
        };
        let ttl = match self.ttl {
            Some(_) if charge => {
                return Err(LedgerError::input(
                    "ttl",
                    "a charge is settled when it is made, so it has no TTL; leave `ttl` out",
                ));
            }
            Some(t) => Some(input::duration(&t).map_err(|m| LedgerError::input("ttl", m))?),
            None => None,
        };
        Ok(HoldAsk {
            user: self.user,
            key: self.key,
            asked,
            ttl,
        })
    }
}

/// `POST /v1/holds/{key}/settle`: nothing (the amount held), `credits`, or
/// a `request` whose missing fields are taken from the hold's request.
#[derive(Clone, Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SettleBody {
    /// The actual cost in credits.
    pub credits: Option<Amount>,
    /// The actual request, priced with the hold's model as of now.
    pub request: Option<RequestBody>,
}

/// How a settle is priced, checked.
#[derive(Clone, Debug)]
pub enum SettleBy {
    Held,
    Credits(Decimal),
    Request(Spec),
}

impl SettleBody {
    pub fn check(self) -> Result<SettleBy, LedgerError> {
        match (self.credits, self.request) {
            (Some(_), Some(_)) => Err(LedgerError::input(
                "credits",
                "give either `credits` or the actual `request`, not both",
            )),
            (Some(c), None) => Ok(SettleBy::Credits(credits("credits", c)?)),
            (None, Some(r)) => {
                if r.model.is_some() {
                    return Err(LedgerError::input(
                        "request.model",
                        "a settle is priced with its hold's model; leave `model` out",
                    ));
                }
                Ok(SettleBy::Request(r.spec()))
            }
            (None, None) => Ok(SettleBy::Held),
        }
    }
}

/// `POST /v1/holds/{key}/release`.
#[derive(Clone, Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReleaseBody {
    /// Why the job did not run.
    pub reason: Option<String>,
}

/// `POST /v1/quote`.
#[derive(Clone, Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct QuoteBody {
    pub request: RequestBody,
}

/// The answer of `POST /v1/quote`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct QuoteDoc {
    /// `genbudget.quote/1`.
    pub schema: &'static str,
    /// The model as the request named it.
    pub model: String,
    /// Credits a hold for this request takes (rounded up to the ledger's
    /// precision).
    #[schema(value_type = String, example = "80")]
    pub credits: String,
    /// What it costs in money (exact).
    #[schema(example = "0.80")]
    pub cost: String,
    pub currency: String,
    /// The price table that priced it (`provider@date`).
    pub table: String,
    /// Things worth knowing that do not stop the price.
    pub warnings: Vec<String>,
}

/// `PUT /v1/users/{user}` and `PUT /v1/org`. A field left out keeps its
/// value (a new user starts with no cap, period `none`, no `max_holds`);
/// `null` clears a cap or `max_holds`.
#[derive(Clone, Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LimitsBody {
    /// Credits per period; `null` for no cap.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<Amount>)]
    pub cap: Option<Option<Amount>>,
    /// `day`, `week` (ISO, from Monday), `month` or `none`.
    #[schema(example = "month")]
    pub period: Option<String>,
    /// Jobs at once; `null` for no limit.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<i64>, minimum = 0, maximum = 4294967295_i64)]
    pub max_holds: Option<Option<i64>>,
}

impl LimitsBody {
    pub fn check(self) -> Result<LimitsChange, LedgerError> {
        let cap = match self.cap {
            None => None,
            Some(None) => Some(None),
            Some(Some(a)) => Some(Some(
                input::amount(&a.0.to_string()).map_err(|m| LedgerError::input("cap", m))?,
            )),
        };
        let period = self
            .period
            .map(|p| ledger::period::Period::parse(&p).map_err(|m| LedgerError::input("period", m)))
            .transpose()?;
        let max_holds = match self.max_holds {
            None => None,
            Some(None) => Some(None),
            Some(Some(n)) => Some(
                input::max_holds(&n.to_string()).map_err(|m| LedgerError::input("max_holds", m))?,
            ),
        };
        Ok(LimitsChange {
            cap,
            period,
            max_holds,
        })
    }
}

/// `POST /v1/users/{user}/grants`.
#[derive(Clone, Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GrantBody {
    /// Idempotency key of this grant.
    #[schema(min_length = 1, max_length = 128, example = "bonus-1")]
    pub key: String,
    /// Credits to grant.
    pub credits: Amount,
    /// Last day (ledger timezone) the grant can be used, `YYYY-MM-DD`.
    #[schema(example = "2026-12-31")]
    pub expires: Option<String>,
    /// Why the grant was given.
    pub note: Option<String>,
}

impl GrantBody {
    pub fn check(self, user: &str) -> Result<ledger::GrantRequest, LedgerError> {
        user_id("user", user)?;
        key("key", &self.key)?;
        let expires = self.expires.map(|d| date("expires", &d)).transpose()?;
        Ok(ledger::GrantRequest {
            user: user.to_string(),
            key: self.key,
            credits: credits("credits", self.credits)?,
            expires,
            note: self.note,
        })
    }
}

fn date(field: &str, text: &str) -> Result<NaiveDate, LedgerError> {
    crate::cli::parse_date(text).map_err(|m| LedgerError::input(field, m))
}

/// `GET /v1/holds` query.
#[derive(Clone, Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct HoldsQuery {
    /// Only this user's holds.
    pub user: Option<String>,
    /// Holds in every state, and one-step charges, not only open holds.
    pub all: Option<bool>,
}

/// `GET /v1/report` query.
#[derive(Clone, Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ReportParams {
    /// `user` (default), `model`, `day`, `week` or `month`.
    pub by: Option<String>,
    /// First date (ledger timezone), `YYYY-MM-DD`.
    pub from: Option<String>,
    /// Last date (inclusive), `YYYY-MM-DD`.
    pub to: Option<String>,
    /// Only this user's spending.
    pub user: Option<String>,
}

impl ReportParams {
    pub fn check(self) -> Result<ReportQuery, LedgerError> {
        let by = match self.by.as_deref().unwrap_or("user") {
            "user" => ReportBy::User,
            "model" => ReportBy::Model,
            "day" => ReportBy::Day,
            "week" => ReportBy::Week,
            "month" => ReportBy::Month,
            other => {
                return Err(LedgerError::input(
                    "by",
                    format!("`{other}` is not a grouping; use user, model, day, week or month"),
                ));
            }
        };
        if let Some(u) = &self.user {
            user_id("user", u)?;
        }
        Ok(ReportQuery {
            by,
            from: self.from.map(|d| date("from", &d)).transpose()?,
            to: self.to.map(|d| date("to", &d)).transpose()?,
            user: self.user,
        })
    }
}
