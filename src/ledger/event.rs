//! The journal's events, typed: what each entry means.
//!
//! An [`Event`] is one change to the ledger. Operations decide on an event
//! (`ops/`), [`rules::apply`](super::rules::apply) books its effects, and
//! the journal stores it as an [`Entry`]: a fixed set of columns (`kind`,
//! `user`, `key`, `model`, `day`, `credits`, `over`) plus `data`, the
//! canonical JSON of the kind-specific fields. The payloads below are serde
//! structs that mirror `data` exactly (`deny_unknown_fields`), so decoding
//! a stored entry is strict: an unknown kind, a missing column or a field
//! of the wrong type is an error naming the entry, never a silent default.
//!
//! The encoding is the one the first release wrote (its entries hash the
//! same; `tests/fixtures/ledger/v1.db` holds such a ledger), so nothing
//! here may change the text of `data` for an existing kind.

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::amount::Micros;
use super::journal::{Entry, canonical_json, time_text};
use super::period::{Period, day_text, parse_day, parse_timezone};
use super::settings::Settings;
use super::state::{Allocation, Limits, Role};
use crate::money::Currency;

/// Whether an opening entry made a hold or a one-step charge.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum HoldKind {
    /// Credits set aside until settled, released or expired.
    Hold,
    /// Held and settled in one step.
    Charge,
}

impl HoldKind {
    /// The entry kind and the `holds.kind` text.
    pub fn as_str(self) -> &'static str {
        match self {
            HoldKind::Hold => "hold",
            HoldKind::Charge => "charge",
        }
    }

    /// Reads `hold` or `charge`.
    pub fn parse(text: &str) -> Option<HoldKind> {
        match text {
            "hold" => Some(HoldKind::Hold),
            "charge" => Some(HoldKind::Charge),
            _ => None,
        }
    }

    /// The command that makes this kind (for messages).
    pub fn command(self) -> &'static str {
        match self {
            HoldKind::Hold => "reserve",
            HoldKind::Charge => "charge",
        }
    }
}

/// A hold's or charge's request as the caller gave it, recorded in its
/// opening entry: what idempotent repeats are compared with, and what a
/// later `settle` takes the fields it was not given from. Every value is
/// the text that was recorded.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RequestRecord {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub credits: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seconds: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resolution: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub quality: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub size: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub images: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub input_tokens: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub output_tokens: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ttl: Option<String>,
}

impl RequestRecord {
    /// `(field, value)` pairs in the order a conflict is reported: credits,
    /// model, the request's own fields (alphabetical), ttl.
    pub fn fields(&self) -> [(&'static str, Option<&str>); 10] {
        [
            ("credits", self.credits.as_deref()),
            ("model", self.model.as_deref()),
            ("images", self.images.as_deref()),
            ("input_tokens", self.input_tokens.as_deref()),
            ("output_tokens", self.output_tokens.as_deref()),
            ("quality", self.quality.as_deref()),
            ("resolution", self.resolution.as_deref()),
            ("seconds", self.seconds.as_deref()),
            ("size", self.size.as_deref()),
            ("ttl", self.ttl.as_deref()),
        ]
    }

    /// The first field whose value differs from `other`'s, with both values
    /// (`(not given)` for an absent one).
    pub fn first_difference(&self, other: &RequestRecord) -> Option<(String, String, String)> {
        let show = |v: Option<&str>| v.map_or_else(|| "(not given)".to_string(), String::from);
        self.fields()
            .into_iter()
            .zip(other.fields())
            .find(|((_, a), (_, b))| a != b)
            .map(|((k, a), (_, b))| (k.to_string(), show(a), show(b)))
    }
}

/// A hold or charge being opened.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Opened {
    pub kind: HoldKind,
    pub user: String,
    pub key: String,
    pub model: Option<String>,
    /// The local date it was granted: the period its spending belongs to.
    pub day: NaiveDate,
    pub credits: Micros,
    /// Where the credits come from (allowance, then grants).
    pub alloc: Allocation,
    pub request: RequestRecord,
    /// The user's available credits after it (`None` without a cap).
    pub available: Option<Micros>,
    /// Holds only.
    pub expires_at: Option<DateTime<Utc>>,
}

/// A hold being settled.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Settled {
    pub user: String,
    pub key: String,
    pub model: Option<String>,
    /// The hold's day (its period).
    pub day: NaiveDate,
    pub credits: Micros,
    /// What was spent, by source.
    pub spend: Allocation,
    /// The part beyond the hold or a limit (with `overrun`).
    pub over: Option<Micros>,
    pub overrun: bool,
    /// Settled after the hold expired.
    pub late: bool,
    pub available: Option<Micros>,
}

/// A hold being released (its job failed) or expiring.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ended {
    pub user: String,
    pub key: String,
    pub model: Option<String>,
    pub day: NaiveDate,
    /// Credits given back (0 for a release after expiry).
    pub credits: Micros,
}

/// A service token being added (its secret's hash, never the secret).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TokenAdded {
    pub name: String,
    pub role: Role,
    pub user: Option<String>,
    /// Hex SHA-256 of the secret.
    pub sha256: String,
}

/// Extra credits for one user.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Granted {
    pub user: String,
    pub key: String,
    pub credits: Micros,
    /// Last local date of use.
    pub expires: Option<NaiveDate>,
    pub note: Option<String>,
}

/// One change to the ledger.
// Events are made and read one at a time, never kept in bulk, so the size
// of the largest variant (an opening hold with its request) costs nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Event {
    /// The first entry: the settings fixed for the ledger's life.
    Init {
        settings: Settings,
        schema: i32,
    },
    /// The file's schema was upgraded.
    Migrate {
        from: i32,
        to: i32,
    },
    UserAdd {
        user: String,
        limits: Limits,
    },
    UserSet {
        user: String,
        limits: Limits,
    },
    OrgSet {
        limits: Limits,
    },
    Grant(Granted),
    /// A hold or a charge.
    Open(Opened),
    Settle(Settled),
    Release {
        ended: Ended,
        reason: Option<String>,
        late: bool,
        available: Option<Micros>,
    },
    Expire {
        ended: Ended,
        expires_at: Option<DateTime<Utc>>,
    },
    TokenAdd(TokenAdded),
    TokenRevoke {
        name: String,
    },
}

// ------------------------------------------------------------- data payloads

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct InitData {
    credit_value: String,
    currency: String,
    timezone: String,
    hold_ttl: i64,
    schema: i32,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct MigrateData {
    from: i32,
    to: i32,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct LimitsData {
    cap: Option<Micros>,
    period: String,
    max_holds: Option<i64>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct GrantData {
    expires: Option<String>,
    note: Option<String>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct OpenData {
    allow: Micros,
    grants: Vec<(String, Micros)>,
    request: RequestRecord,
    available: Option<Micros>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    expires_at: Option<String>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct SettleData {
    allow: Micros,
    grants: Vec<(String, Micros)>,
    late: bool,
    overrun: bool,
    available: Option<Micros>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct ReleaseData {
    reason: Option<String>,
    late: bool,
    available: Option<Micros>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct TokenData {
    role: String,
    sha256: String,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Empty {}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct ExpireData {
    expires_at: Option<String>,
}

fn alloc_pairs(a: &Allocation) -> Vec<(String, Micros)> {
    a.grants
        .iter()
        .map(|(k, v)| (k.clone(), Micros(*v)))
        .collect()
}

fn alloc_from(allow: Micros, grants: Vec<(String, Micros)>) -> Allocation {
    Allocation {
        allow: allow.0,
        grants: grants.into_iter().map(|(k, v)| (k, v.0)).collect(),
    }
}

fn limits_data(l: &Limits) -> LimitsData {
    LimitsData {
        cap: l.cap,
        period: l.period.as_str().into(),
        max_holds: l.max_holds,
    }
}

fn limits_from(d: LimitsData) -> Result<Limits, String> {
    Ok(Limits {
        cap: d.cap,
        period: Period::parse(&d.period).map_err(|e| format!("field `period`: {e}"))?,
        max_holds: d.max_holds,
    })
}

fn time_from(text: &str) -> Result<DateTime<Utc>, String> {
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.to_utc())
        .map_err(|_| format!("`{text}` is not an RFC 3339 time"))
}

/// The columns of an entry apart from seq, time and hashes.
struct Columns<'a> {
    kind: &'static str,
    user: Option<&'a str>,
    key: Option<&'a str>,
    model: Option<&'a str>,
    day: Option<NaiveDate>,
    credits: Option<Micros>,
    over: Option<Micros>,
    data: Value,
}

impl<'a> Columns<'a> {
    fn new(kind: &'static str, data: impl Serialize) -> Columns<'a> {
        Columns {
            kind,
            user: None,
            key: None,
            model: None,
            day: None,
            credits: None,
            over: None,
            // The payloads are plain structs of strings, numbers and bools.
            data: serde_json::to_value(data).unwrap_or(Value::Null),
        }
    }
}

impl Event {
    /// The entry kind.
    pub fn kind(&self) -> &'static str {
        match self {
            Event::Init { .. } => "init",
            Event::Migrate { .. } => "migrate",
            Event::UserAdd { .. } => "user_add",
            Event::UserSet { .. } => "user_set",
            Event::OrgSet { .. } => "org_set",
            Event::Grant(_) => "grant",
            Event::Open(o) => o.kind.as_str(),
            Event::Settle(_) => "settle",
            Event::Release { .. } => "release",
            Event::Expire { .. } => "expire",
            Event::TokenAdd(_) => "token_add",
            Event::TokenRevoke { .. } => "token_revoke",
        }
    }

    fn columns(&self) -> Columns<'_> {
        match self {
            Event::Init { settings, schema } => Columns::new(
                "init",
                InitData {
                    credit_value: crate::money::plain(settings.credit_value),
                    currency: settings.currency.code().into(),
                    timezone: settings.timezone.name().into(),
                    hold_ttl: settings.hold_ttl,
                    schema: *schema,
                },
            ),
            Event::Migrate { from, to } => Columns::new(
                "migrate",
                MigrateData {
                    from: *from,
                    to: *to,
                },
            ),
            Event::UserAdd { user, limits } | Event::UserSet { user, limits } => Columns {
                user: Some(user),
                ..Columns::new(self.kind(), limits_data(limits))
            },
            Event::OrgSet { limits } => Columns::new("org_set", limits_data(limits)),
            Event::Grant(g) => Columns {
                user: Some(&g.user),
                key: Some(&g.key),
                credits: Some(g.credits),
                ..Columns::new(
                    "grant",
                    GrantData {
                        expires: g.expires.map(day_text),
                        note: g.note.clone(),
                    },
                )
            },
            Event::Open(o) => Columns {
                user: Some(&o.user),
                key: Some(&o.key),
                model: o.model.as_deref(),
                day: Some(o.day),
                credits: Some(o.credits),
                ..Columns::new(
                    o.kind.as_str(),
                    OpenData {
                        allow: Micros(o.alloc.allow),
                        grants: alloc_pairs(&o.alloc),
                        request: o.request.clone(),
                        available: o.available,
                        expires_at: o.expires_at.map(time_text),
                    },
                )
            },
            Event::Settle(s) => Columns {
                user: Some(&s.user),
                key: Some(&s.key),
                model: s.model.as_deref(),
                day: Some(s.day),
                credits: Some(s.credits),
                over: s.over,
                ..Columns::new(
                    "settle",
                    SettleData {
                        allow: Micros(s.spend.allow),
                        grants: alloc_pairs(&s.spend),
                        late: s.late,
                        overrun: s.overrun,
                        available: s.available,
                    },
                )
            },
            Event::Release {
                ended,
                reason,
                late,
                available,
            } => ended.columns(
                "release",
                ReleaseData {
                    reason: reason.clone(),
                    late: *late,
                    available: *available,
                },
            ),
            Event::Expire { ended, expires_at } => ended.columns(
                "expire",
                ExpireData {
                    expires_at: expires_at.map(time_text),
                },
            ),
            Event::TokenAdd(t) => Columns {
                user: t.user.as_deref(),
                key: Some(&t.name),
                ..Columns::new(
                    "token_add",
                    TokenData {
                        role: t.role.as_str().into(),
                        sha256: t.sha256.clone(),
                    },
                )
            },
            Event::TokenRevoke { name } => Columns {
                key: Some(name),
                ..Columns::new("token_revoke", Empty {})
            },
        }
    }

    /// The entry that records this event as entry `seq` at `at` (not yet
    /// chained: its `prev_hash` and `hash` are filled in when it is
    /// appended).
    pub fn to_entry(&self, seq: i64, at: DateTime<Utc>) -> Entry {
        let c = self.columns();
        Entry {
            seq,
            at: time_text(at),
            kind: c.kind.into(),
            user: c.user.map(String::from),
            key: c.key.map(String::from),
            model: c.model.map(String::from),
            day: c.day.map(day_text),
            credits: c.credits,
            over: c.over,
            data: canonical_json(&c.data),
            prev_hash: Vec::new(),
            hash: Vec::new(),
        }
    }

    /// Reads a stored entry. Every column and field its kind needs must be
    /// there with the right type; the message names what is wrong.
    pub fn from_entry(e: &Entry) -> Result<Event, String> {
        let need = |v: &Option<String>, col: &str| {
            v.clone()
                .ok_or_else(|| format!("a `{}` entry without a {col}", e.kind))
        };
        let day = || -> Result<NaiveDate, String> {
            let d = need(&e.day, "day")?;
            parse_day(&d).ok_or_else(|| format!("day `{d}` is not a date"))
        };
        let credits = || {
            e.credits
                .ok_or_else(|| format!("a `{}` entry without credits", e.kind))
        };
        fn data<T: for<'de> Deserialize<'de>>(e: &Entry) -> Result<T, String> {
            serde_json::from_str(&e.data).map_err(|err| format!("its data: {err}"))
        }
        let ended = || -> Result<Ended, String> {
            Ok(Ended {
                user: need(&e.user, "user")?,
                key: need(&e.key, "key")?,
                model: e.model.clone(),
                day: day()?,
                credits: credits()?,
            })
        };
        Ok(match e.kind.as_str() {
            "init" => {
                let d: InitData = data(e)?;
                let settings = Settings {
                    credit_value: d
                        .credit_value
                        .parse::<Decimal>()
                        .map_err(|_| format!("credit_value `{}`", d.credit_value))?,
                    currency: Currency::parse(&d.currency)?,
                    timezone: parse_timezone(&d.timezone)?,
                    hold_ttl: d.hold_ttl,
                };
                Event::Init {
                    settings,
                    schema: d.schema,
                }
            }
            "migrate" => {
                let d: MigrateData = data(e)?;
                Event::Migrate {
                    from: d.from,
                    to: d.to,
                }
            }
            "user_add" | "user_set" => {
                let user = need(&e.user, "user")?;
                let limits = limits_from(data(e)?)?;
                if e.kind == "user_add" {
                    Event::UserAdd { user, limits }
                } else {
                    Event::UserSet { user, limits }
                }
            }
            "org_set" => Event::OrgSet {
                limits: limits_from(data(e)?)?,
            },
            "grant" => {
                let d: GrantData = data(e)?;
                let expires = match d.expires {
                    None => None,
                    Some(t) => {
                        Some(parse_day(&t).ok_or_else(|| format!("expires `{t}` is not a date"))?)
                    }
                };
                Event::Grant(Granted {
                    user: need(&e.user, "user")?,
                    key: need(&e.key, "key")?,
                    credits: credits()?,
                    expires,
                    note: d.note,
                })
            }
            "hold" | "charge" => {
                let d: OpenData = data(e)?;
                let kind = HoldKind::parse(&e.kind).unwrap_or(HoldKind::Hold);
                Event::Open(Opened {
                    kind,
                    user: need(&e.user, "user")?,
                    key: need(&e.key, "key")?,
                    model: e.model.clone(),
                    day: day()?,
                    credits: credits()?,
                    alloc: alloc_from(d.allow, d.grants),
                    request: d.request,
                    available: d.available,
                    expires_at: d.expires_at.as_deref().map(time_from).transpose()?,
                })
            }
            "settle" => {
                let d: SettleData = data(e)?;
                Event::Settle(Settled {
                    user: need(&e.user, "user")?,
                    key: need(&e.key, "key")?,
                    model: e.model.clone(),
                    day: day()?,
                    credits: credits()?,
                    spend: alloc_from(d.allow, d.grants),
                    over: e.over,
                    overrun: d.overrun,
                    late: d.late,
                    available: d.available,
                })
            }
            "release" => {
                let d: ReleaseData = data(e)?;
                Event::Release {
                    ended: ended()?,
                    reason: d.reason,
                    late: d.late,
                    available: d.available,
                }
            }
            "expire" => {
                let d: ExpireData = data(e)?;
                Event::Expire {
                    ended: ended()?,
                    expires_at: d.expires_at.as_deref().map(time_from).transpose()?,
                }
            }
            "token_add" => {
                let d: TokenData = data(e)?;
                let role = Role::parse(&d.role)
                    .ok_or_else(|| format!("role `{}` is not admin, app or user", d.role))?;
                if d.sha256.len() != 64 || !d.sha256.bytes().all(|b| b.is_ascii_hexdigit()) {
                    return Err(format!("sha256 `{}` is not a hex SHA-256", d.sha256));
                }
                Event::TokenAdd(TokenAdded {
                    name: need(&e.key, "key")?,
                    role,
                    user: e.user.clone(),
                    sha256: d.sha256,
                })
            }
            "token_revoke" => {
                let _: Empty = data(e)?;
                Event::TokenRevoke {
                    name: need(&e.key, "key")?,
                }
            }
            other => return Err(format!("unknown kind `{other}`")),
        })
    }
}

impl Ended {
    fn columns<'a>(&'a self, kind: &'static str, data: impl Serialize) -> Columns<'a> {
        Columns {
            user: Some(&self.user),
            key: Some(&self.key),
            model: self.model.as_deref(),
            day: Some(self.day),
            credits: Some(self.credits),
            ..Columns::new(kind, data)
        }
    }
}

/// Every entry kind, in the order the docs list them.
pub const KINDS: [&str; 13] = [
    "init",
    "migrate",
    "user_add",
    "user_set",
    "org_set",
    "grant",
    "hold",
    "charge",
    "settle",
    "release",
    "expire",
    "token_add",
    "token_revoke",
];

#[cfg(test)]
mod tests {
    use super::*;

    fn at() -> DateTime<Utc> {
        "2026-04-20T09:00:00Z".parse().unwrap()
    }

    #[test]
    fn a_hold_encodes_as_the_first_release_wrote_it() {
        let e = Event::Open(Opened {
            kind: HoldKind::Hold,
            user: "alice".into(),
            key: "job-1".into(),
            model: Some("sora-2".into()),
            day: NaiveDate::from_ymd_opt(2026, 4, 20).unwrap(),
            credits: Micros(40_000_000),
            alloc: Allocation {
                allow: 35_000_000,
                grants: vec![("g-1".into(), 5_000_000)],
            },
            request: RequestRecord {
                model: Some("sora-2".into()),
                seconds: Some("8".into()),
                resolution: Some("720p".into()),
                ..RequestRecord::default()
            },
            available: Some(Micros(1_500_000)),
            expires_at: Some("2026-04-20T09:15:00Z".parse().unwrap()),
        });
        let entry = e.to_entry(9, at());
        assert_eq!(
            entry.data,
            r#"{"allow":"35","available":"1.5","expires_at":"2026-04-20T09:15:00Z","grants":[["g-1","5"]],"request":{"model":"sora-2","resolution":"720p","seconds":"8"}}"#
        );
        assert_eq!(entry.kind, "hold");
        assert_eq!(entry.day.as_deref(), Some("2026-04-20"));
        assert_eq!(Event::from_entry(&entry), Ok(e));
    }

    #[test]
    fn every_kind_round_trips() {
        let day = NaiveDate::from_ymd_opt(2026, 4, 20).unwrap();
        let ended = Ended {
            user: "bob".into(),
            key: "k".into(),
            model: None,
            day,
            credits: Micros(7),
        };
        let events = [
            Event::Init {
                settings: Settings::default(),
                schema: 1,
            },
            Event::Migrate { from: 1, to: 2 },
            Event::UserAdd {
                user: "bob".into(),
                limits: Limits::default(),
            },
            Event::OrgSet {
                limits: Limits {
                    cap: Some(Micros(5)),
                    period: Period::Week,
                    max_holds: Some(3),
                },
            },
            Event::Grant(Granted {
                user: "bob".into(),
                key: "g".into(),
                credits: Micros(1),
                expires: Some(day),
                note: Some("é \"quoted\"".into()),
            }),
            Event::Release {
                ended: ended.clone(),
                reason: None,
                late: true,
                available: None,
            },
            Event::Expire {
                ended,
                expires_at: Some(at()),
            },
            Event::TokenAdd(TokenAdded {
                name: "web".into(),
                role: Role::User,
                user: Some("bob".into()),
                sha256: "ab".repeat(32),
            }),
            Event::TokenRevoke { name: "web".into() },
        ];
        for e in events {
            let entry = e.to_entry(2, at());
            assert_eq!(Event::from_entry(&entry), Ok(e.clone()), "{}", entry.data);
        }
    }

    #[test]
    fn decoding_is_strict() {
        let good = Event::OrgSet {
            limits: Limits::default(),
        }
        .to_entry(3, at());
        let bad_kind = Entry {
            kind: "refund".into(),
            ..good.clone()
        };
        assert_eq!(
            Event::from_entry(&bad_kind),
            Err("unknown kind `refund`".into())
        );
        let bad_period = Entry {
            data: r#"{"cap":null,"max_holds":null,"period":"fortnight"}"#.into(),
            ..good.clone()
        };
        assert!(
            Event::from_entry(&bad_period)
                .unwrap_err()
                .contains("`fortnight` is not a period")
        );
        let extra = Entry {
            data: r#"{"cap":null,"max_holds":null,"period":"day","x":1}"#.into(),
            ..good.clone()
        };
        assert!(
            Event::from_entry(&extra)
                .unwrap_err()
                .contains("unknown field `x`")
        );
        let no_user = Entry {
            kind: "user_add".into(),
            ..good
        };
        assert_eq!(
            Event::from_entry(&no_user),
            Err("a `user_add` entry without a user".into())
        );
    }

    #[test]
    fn request_differences_are_named_in_order() {
        let a = RequestRecord {
            credits: Some("40".into()),
            ttl: Some("10m".into()),
            ..RequestRecord::default()
        };
        let b = RequestRecord {
            credits: Some("50".into()),
            ttl: Some("20m".into()),
            ..RequestRecord::default()
        };
        assert_eq!(
            a.first_difference(&b),
            Some(("credits".into(), "40".into(), "50".into()))
        );
        let c = RequestRecord {
            credits: Some("40".into()),
            ..RequestRecord::default()
        };
        assert_eq!(
            a.first_difference(&c),
            Some(("ttl".into(), "10m".into(), "(not given)".into()))
        );
        assert_eq!(a.first_difference(&a), None);
    }
}
