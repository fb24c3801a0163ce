//! `genbudget ledger …`: the budget-guard ledger's command line.
//!
//! Clap parses and validates every value before the database is opened (a
//! bad flag never touches the file); the subcommands then call
//! [`crate::ledger::Ledger`] and render its documents. A denial or a failed
//! `verify` is `Outcome::Negative` (exit 1); every error is exit 2.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context as _, Result, bail};
use chrono::NaiveDate;
use clap::{Args, Subcommand, ValueEnum};
use rust_decimal::Decimal;
use serde::Serialize;

use crate::ledger::{
    self, Cost, Decision, Durability, GrantRequest, HoldDoc, HoldRequest, Ledger, Limits,
    LimitsChange, Location, ModelRequest, OpenOptions, ReportBy, ReportQuery, Settings, Spec,
    input, period,
};
use crate::money::{Currency, parse_decimal};
use crate::render::ledger as sheets;
use crate::render::{self, Format, Sheet};

use super::{Context, Outcome, parse_date};

/// Arguments of `genbudget ledger`.
#[derive(Args, Debug)]
pub struct LedgerArgs {
    // Boxed: the ledger's subcommands carry many flags, and `Command`'s
    // variants should stay small.
    #[command(subcommand)]
    command: Box<LedgerCommand>,
}

#[derive(Subcommand, Debug)]
enum LedgerCommand {
    /// Create a ledger (its credit value, currency, timezone and hold TTL are fixed here)
    Init(InitArgs),
    /// Add, change and list users
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Set the whole organisation's limits
    Org {
        #[command(subcommand)]
        command: OrgCommand,
    },
    /// Give a user extra credits beyond the period cap
    Grant(GrantArgs),
    /// Hold credits for a job before it starts (exit 1 if denied)
    Reserve(ReserveArgs),
    /// Spend a hold's actual cost and return the rest
    Settle(SettleArgs),
    /// Return a hold's credits: the job failed
    Release(ReleaseArgs),
    /// Hold and settle in one step (exit 1 if denied)
    Charge(ChargeArgs),
    /// Caps, period, spent, held, grants and available credits
    Status(StatusArgs),
    /// Open holds (every hold and charge, in any state, with --all)
    Holds(HoldsArgs),
    /// Settled spending grouped by user, model, day, week or month
    Report(ReportArgs),
    /// Check integrity, the hash chain, caches and caps (exit 1 on any problem)
    Verify,
    /// The whole journal as JSON lines
    Export,
    /// Copy the whole ledger into a new file or an empty PostgreSQL database
    Copy(CopyArgs),
    /// Add, list and revoke the HTTP service's tokens
    Token {
        #[command(subcommand)]
        command: TokenCommand,
    },
}

#[derive(Args, Debug)]
struct CopyArgs {
    /// Where to: a file path that does not exist yet, or a PostgreSQL URL
    /// (postgres://user@host:5432/dbname) of a database without a ledger
    #[arg(long, value_name = "PATH|URL")]
    to: String,
}

#[derive(Subcommand, Debug)]
enum TokenCommand {
    /// Add a token and print its secret (shown once)
    Add(TokenAddArgs),
    /// List tokens (never their secrets)
    List,
    /// Revoke a token: it stops working on the next request
    Revoke {
        /// The token's name
        name: String,
    },
}

#[derive(Args, Debug)]
struct TokenAddArgs {
    /// A name for the token: 1–64 characters from A-Z a-z 0-9 . _ @ -
    name: String,
    /// What the token may do: admin (everything), app (reserve, settle,
    /// release, charge, quote, read any user), user (read one user)
    #[arg(long, value_enum)]
    role: RoleArg,
    /// The user a `user` token is bound to
    #[arg(long, value_parser = user_arg)]
    user: Option<String>,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum RoleArg {
    Admin,
    App,
    User,
}

fn credits_arg(s: &str) -> Result<Decimal, String> {
    input::amount(s).map(|m| m.to_decimal())
}

fn positive_decimal(s: &str) -> Result<Decimal, String> {
    let d = parse_decimal(s)?;
    if d <= Decimal::ZERO {
        return Err(format!("`{s}` must be more than 0 (e.g. 0.01)"));
    }
    Ok(d)
}

fn seconds_arg(s: &str) -> Result<Decimal, String> {
    let d = parse_decimal(s)?;
    if d <= Decimal::ZERO || d > Decimal::from(ledger::MAX_SECONDS) {
        return Err(format!(
            "`{s}` is out of range; seconds are more than 0 and at most {}",
            ledger::MAX_SECONDS
        ));
    }
    Ok(d)
}

fn user_arg(s: &str) -> Result<String, String> {
    input::user_id(s).map(|()| s.to_string())
}

fn key_arg(s: &str) -> Result<String, String> {
    input::key(s).map(|()| s.to_string())
}

/// A value or `none` (clears a cap or `max_holds`). A newtype, because
/// clap derive gives `Option<Option<T>>` a meaning of its own.
#[derive(Clone, Copy, Debug)]
struct OrNone<T>(Option<T>);

fn cap_arg(s: &str) -> Result<OrNone<Decimal>, String> {
    input::cap(s).map(|c| OrNone(c.map(|m| m.to_decimal())))
}

fn holds_arg(s: &str) -> Result<OrNone<i64>, String> {
    input::max_holds(s).map(OrNone)
}

#[derive(Args, Debug)]
struct InitArgs {
    /// Money one credit is worth
    #[arg(long, value_name = "MONEY", default_value = "0.01", value_parser = positive_decimal)]
    credit_value: Decimal,
    /// ISO 4217 currency of the credit value
    #[arg(long, default_value = "USD", value_parser = Currency::parse)]
    currency: Currency,
    /// IANA timezone in which days, weeks and months begin
    #[arg(long, default_value = "UTC", value_parser = period::parse_timezone)]
    timezone: chrono_tz::Tz,
    /// Default time a hold lasts (e.g. 90s, 15m, 1h30m)
    #[arg(long, value_name = "DURATION", default_value = "15m", value_parser = input::duration, allow_hyphen_values = true)]
    hold_ttl: i64,
}

#[derive(Subcommand, Debug)]
enum UserCommand {
    /// Add a user
    Add(UserAddArgs),
    /// Change a user's limits
    Set(UserSetArgs),
    /// List users and their limits
    List,
}

#[derive(Args, Debug)]
// A negative amount reaches the value parser, which says why it is refused
// (instead of clap's "unexpected argument '-5'").
#[command(allow_negative_numbers = true)]
struct UserAddArgs {
    /// User id: 1–64 characters from A-Z a-z 0-9 . _ @ -
    #[arg(value_parser = user_arg)]
    user: String,
    /// Credits per period
    #[arg(long, value_name = "N", requires = "period", value_parser = credits_arg)]
    cap: Option<Decimal>,
    /// When the cap resets
    #[arg(long, value_enum, requires = "cap")]
    period: Option<PeriodArg>,
    /// Jobs the user may run at once
    #[arg(long, value_name = "N", value_parser = holds_arg)]
    max_holds: Option<OrNone<i64>>,
}

#[derive(Args, Debug)]
// A negative amount reaches the value parser, which says why it is refused
// (instead of clap's "unexpected argument '-5'").
#[command(allow_negative_numbers = true)]
struct UserSetArgs {
    /// The user whose limits change
    #[arg(value_parser = user_arg)]
    user: String,
    #[command(flatten)]
    limits: LimitArgs,
}

/// Limits to change; `none` clears a cap or `max_holds`.
#[derive(Args, Debug)]
struct LimitArgs {
    /// Credits per period, or `none`
    #[arg(long, value_name = "N", value_parser = cap_arg)]
    cap: Option<OrNone<Decimal>>,
    /// When the cap resets
    #[arg(long, value_enum)]
    period: Option<PeriodArg>,
    /// Jobs at once, or `none`
    #[arg(long, value_name = "N", value_parser = holds_arg)]
    max_holds: Option<OrNone<i64>>,
}

#[derive(Subcommand, Debug)]
enum OrgCommand {
    /// Set the org's cap and period, and its max_holds
    Set(OrgSetArgs),
}

#[derive(Args, Debug)]
// A negative amount reaches the value parser, which says why it is refused
// (instead of clap's "unexpected argument '-5'").
#[command(allow_negative_numbers = true)]
struct OrgSetArgs {
    /// Credits per period for all users together, or `none`
    #[arg(long, value_name = "N", requires = "period", value_parser = cap_arg)]
    cap: Option<OrNone<Decimal>>,
    /// When the org cap resets
    #[arg(long, value_enum, requires = "cap")]
    period: Option<PeriodArg>,
    /// Jobs at once across the org, or `none`
    #[arg(long, value_name = "N", value_parser = holds_arg)]
    max_holds: Option<OrNone<i64>>,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum PeriodArg {
    Day,
    Week,
    Month,
    None,
}

impl From<PeriodArg> for period::Period {
    fn from(p: PeriodArg) -> period::Period {
        match p {
            PeriodArg::Day => period::Period::Day,
            PeriodArg::Week => period::Period::Week,
            PeriodArg::Month => period::Period::Month,
            PeriodArg::None => period::Period::None,
        }
    }
}

#[derive(Args, Debug)]
// A negative amount reaches the value parser, which says why it is refused
// (instead of clap's "unexpected argument '-5'").
#[command(allow_negative_numbers = true)]
struct GrantArgs {
    /// The user who gets the credits
    #[arg(value_parser = user_arg)]
    user: String,
    /// Credits to grant
    #[arg(value_parser = credits_arg)]
    credits: Decimal,
    /// Idempotency key of this grant
    #[arg(long, value_parser = key_arg)]
    key: String,
    /// Last day (ledger timezone) the grant can be used, YYYY-MM-DD
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    expires: Option<NaiveDate>,
    /// Why the grant was given
    #[arg(long, value_name = "TEXT")]
    note: Option<String>,
}

/// A request priced from the price book as of now.
#[derive(Args, Debug, Default, Clone)]
pub(crate) struct SpecArgs {
    /// Video: seconds of output (more than 0, at most 86400)
    #[arg(long, value_name = "S", value_parser = seconds_arg)]
    seconds: Option<Decimal>,
    /// Video: resolution (e.g. 720p, 1280x720)
    #[arg(long, value_name = "R")]
    resolution: Option<String>,
    /// Image: quality (e.g. low, medium, high)
    #[arg(long, value_name = "Q")]
    quality: Option<String>,
    /// Image: size (e.g. 1024x1024)
    #[arg(long, value_name = "S")]
    size: Option<String>,
    /// Image: number of images (default 1, at most 10000)
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=i64::from(ledger::MAX_IMAGES)))]
    images: Option<u32>,
    /// Text: input tokens
    #[arg(long, value_name = "N")]
    input_tokens: Option<u64>,
    /// Text: output tokens
    #[arg(long, value_name = "N")]
    output_tokens: Option<u64>,
}

impl SpecArgs {
    fn spec(&self) -> Spec {
        Spec {
            seconds: self.seconds,
            resolution: self.resolution.clone(),
            quality: self.quality.clone(),
            size: self.size.clone(),
            images: self.images,
            input_tokens: self.input_tokens,
            output_tokens: self.output_tokens,
        }
    }

    fn is_empty(&self) -> bool {
        self.spec().is_empty()
    }
}

#[derive(Args, Debug)]
// A negative amount reaches the value parser, which says why it is refused
// (instead of clap's "unexpected argument '-5'").
#[command(allow_negative_numbers = true)]
struct ReserveArgs {
    /// The user the job runs for
    #[arg(value_parser = user_arg)]
    user: String,
    /// The job id: repeating a request with it returns the original result
    #[arg(long, value_parser = key_arg)]
    key: String,
    /// Credits to hold
    #[arg(long, value_name = "N", value_parser = credits_arg, conflicts_with = "model", required_unless_present = "model")]
    credits: Option<Decimal>,
    /// Price the request from the price book as of now
    #[arg(long, value_name = "M")]
    model: Option<String>,
    #[command(flatten)]
    spec: SpecArgs,
    /// Price a retired model from the last table that offered it
    #[arg(long)]
    allow_retired: bool,
    /// How long the hold lasts (default: the ledger's hold TTL)
    #[arg(long, value_name = "DURATION", value_parser = input::duration, allow_hyphen_values = true)]
    ttl: Option<i64>,
}

#[derive(Args, Debug)]
// A negative amount reaches the value parser, which says why it is refused
// (instead of clap's "unexpected argument '-5'").
#[command(allow_negative_numbers = true)]
struct ChargeArgs {
    /// The user the job ran for
    #[arg(value_parser = user_arg)]
    user: String,
    /// The job id: repeating a request with it returns the original result
    #[arg(long, value_parser = key_arg)]
    key: String,
    /// Credits to charge
    #[arg(long, value_name = "N", value_parser = credits_arg, conflicts_with = "model", required_unless_present = "model")]
    credits: Option<Decimal>,
    /// Price the request from the price book as of now
    #[arg(long, value_name = "M")]
    model: Option<String>,
    #[command(flatten)]
    spec: SpecArgs,
    /// Price a retired model from the last table that offered it
    #[arg(long)]
    allow_retired: bool,
}

#[derive(Args, Debug)]
// A negative amount reaches the value parser, which says why it is refused
// (instead of clap's "unexpected argument '-5'").
#[command(allow_negative_numbers = true)]
struct SettleArgs {
    /// The hold's key
    #[arg(value_parser = key_arg)]
    key: String,
    /// Actual cost in credits (default: the amount held)
    #[arg(long, value_name = "N", value_parser = credits_arg)]
    credits: Option<Decimal>,
    /// Actual request, priced with the hold's model as of now; fields not
    /// given are taken from the hold's request
    #[command(flatten)]
    spec: SpecArgs,
    /// Price a retired model from the last table that offered it
    #[arg(long)]
    allow_retired: bool,
}

#[derive(Args, Debug)]
struct ReleaseArgs {
    /// The hold's key
    #[arg(value_parser = key_arg)]
    key: String,
    /// Why the job did not run
    #[arg(long, value_name = "TEXT")]
    reason: Option<String>,
}

#[derive(Args, Debug)]
struct StatusArgs {
    /// Only this user
    #[arg(value_parser = user_arg)]
    user: Option<String>,
}

#[derive(Args, Debug)]
struct HoldsArgs {
    /// Only this user's holds
    #[arg(long, value_parser = user_arg)]
    user: Option<String>,
    /// Holds in every state, and one-step charges, not only open holds
    #[arg(long)]
    all: bool,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum ByArg {
    User,
    Model,
    Day,
    Week,
    Month,
}

#[derive(Args, Debug)]
struct ReportArgs {
    /// How to group spending
    #[arg(long, value_enum, default_value = "user")]
    by: ByArg,
    /// First date (ledger timezone), YYYY-MM-DD
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    from: Option<NaiveDate>,
    /// Last date (inclusive), YYYY-MM-DD
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    to: Option<NaiveDate>,
    /// Only this user's spending
    #[arg(long, value_parser = user_arg)]
    user: Option<String>,
}

/// The ledger file: `--db`, else `GENBUDGET_DB` (both in `ctx.db`), else
/// `ledger.db` in the XDG data directory.
pub fn db_path(ctx: &Context) -> Result<(PathBuf, bool)> {
    if let Some(p) = &ctx.db {
        return Ok((p.clone(), false));
    }
    let data = match std::env::var_os("XDG_DATA_HOME").filter(|v| !v.is_empty()) {
        Some(d) if PathBuf::from(&d).is_absolute() => PathBuf::from(d),
        _ => match std::env::var_os("HOME").filter(|v| !v.is_empty()) {
            Some(home) => PathBuf::from(home).join(".local/share"),
            None => bail!("no ledger file: give --db PATH or set GENBUDGET_DB (HOME is not set)"),
        },
    };
    Ok((data.join("genbudget").join("ledger.db"), true))
}

/// The options of a command's ledger; `prepare_statements` only for the
/// HTTP service (a command makes one connection and few statements).
fn open_options(read_only: bool) -> Result<OpenOptions> {
    let max = OpenOptions::MAX_BUSY_MS;
    let ms = match std::env::var("GENBUDGET_BUSY_TIMEOUT_MS") {
        Ok(v) if !v.trim().is_empty() => v
            .trim()
            .parse::<u64>()
            .ok()
            .filter(|ms| *ms <= max)
            .with_context(|| {
                format!(
                    "GENBUDGET_BUSY_TIMEOUT_MS: `{v}` is not a number of milliseconds from 0 to {max} (e.g. 5000)"
                )
            })?,
        _ => 5000,
    };
    Ok(OpenOptions {
        busy_timeout: Duration::from_millis(ms),
        durability: Durability::Full,
        read_only,
        prepare_statements: false,
    })
}

/// Opens the ledger, runs `f`, and closes it (warning when the close could
/// not tidy up: see [`close`]).
fn with<T>(
    ctx: &Context,
    read_only: bool,
    f: impl FnOnce(&mut Ledger) -> ledger::Result<T>,
) -> Result<T> {
    let mut l = open(ctx, read_only)?;
    let out = f(&mut l)?;
    close(l);
    Ok(out)
}

/// Closes the ledger after a command. Everything is committed by then; a
/// failure here (a full disk while copying the `-wal` file into the ledger
/// file) is a warning that says which files to keep together.
fn close(l: Ledger) {
    if let Err(e) = l.close() {
        crate::cli::say!("warning: {e}");
    }
}

/// The ledger's location: `--db`/`GENBUDGET_DB` (a file path or a
/// `postgres://` URL), else the default file (see [`db_path`]).
fn location(ctx: &Context) -> Result<(Location, bool)> {
    let (path, default) = db_path(ctx)?;
    Ok((Location::from_path(&path), default))
}

/// The ledger of the HTTP service (`--db`, as [`open`]): one connection
/// for its whole life, so on PostgreSQL it keeps prepared statements.
pub(crate) fn open_for_service(ctx: &Context) -> Result<Ledger> {
    let (at, _) = location(ctx)?;
    let opts = OpenOptions {
        prepare_statements: true,
        ..open_options(false)?
    };
    Ok(Ledger::open_at(&at, &opts, ctx.now)?)
}

/// Opens the ledger `--db` names (a file or a PostgreSQL database) for one
/// command.
pub(crate) fn open(ctx: &Context, read_only: bool) -> Result<Ledger> {
    let (at, _) = location(ctx)?;
    Ok(Ledger::open_at(&at, &open_options(read_only)?, ctx.now)?)
}

/// Prints a document: JSON as is, other formats as sheets.
fn print<T: Serialize>(ctx: &Context, doc: &T, sheet: impl FnOnce() -> Sheet) -> Result<()> {
    let text = match ctx.format {
        Format::Json => render::json(doc),
        f => render::sheets(f, &[sheet()]),
    };
    render::emit(&text).context("writing to stdout")
}

/// Runs `genbudget ledger`.
pub fn run(args: LedgerArgs, ctx: &Context) -> Result<Outcome> {
    let now = ctx.now;
    match *args.command {
        LedgerCommand::Init(a) => {
            let (at, default) = location(ctx)?;
            if let (true, Location::File(path)) = (default, &at) {
                if let Some(dir) = path.parent() {
                    std::fs::create_dir_all(dir).with_context(|| {
                        format!("creating the data directory {}", dir.display())
                    })?;
                }
            }
            let settings = Settings {
                credit_value: a.credit_value,
                currency: a.currency,
                timezone: a.timezone,
                hold_ttl: a.hold_ttl,
            };
            let (_, doc) = Ledger::init_at(&at, &settings, now, &open_options(false)?)?;
            print(ctx, &doc, || sheets::init(&doc))?;
        }
        LedgerCommand::User { command } => user(command, ctx)?,
        LedgerCommand::Org {
            command: OrgCommand::Set(a),
        } => {
            let change = LimitsChange {
                cap: a.cap.map(|c| c.0.map(to_micros).transpose()).transpose()?,
                period: a.period.map(Into::into),
                max_holds: a.max_holds.map(|m| m.0),
            };
            let doc = with(ctx, false, |l| l.set_org(now, &change))?;
            print(ctx, &doc, || {
                sheets::limits(&[("(org)".into(), &doc.limits)])
            })?;
        }
        LedgerCommand::Grant(a) => {
            let req = GrantRequest {
                user: a.user,
                key: a.key,
                credits: a.credits,
                expires: a.expires,
                note: a.note,
            };
            let doc = with(ctx, false, |l| l.grant(now, &req))?;
            print(ctx, &doc, || sheets::grant(&doc))?;
        }
        LedgerCommand::Reserve(a) => {
            let mut l = open(ctx, false)?;
            let cost = cost(
                ctx,
                &l,
                a.credits,
                a.model.as_deref(),
                &a.spec,
                a.allow_retired,
            )?;
            let req = HoldRequest {
                user: a.user,
                key: a.key,
                cost,
                ttl: a.ttl,
            };
            let decision = l.reserve(now, &req)?;
            close(l);
            return decided(ctx, decision);
        }
        LedgerCommand::Charge(a) => {
            let mut l = open(ctx, false)?;
            let cost = cost(
                ctx,
                &l,
                a.credits,
                a.model.as_deref(),
                &a.spec,
                a.allow_retired,
            )?;
            let req = HoldRequest {
                user: a.user,
                key: a.key,
                cost,
                ttl: None,
            };
            let decision = l.charge(now, &req)?;
            close(l);
            return decided(ctx, decision);
        }
        LedgerCommand::Settle(a) => {
            let mut l = open(ctx, false)?;
            let cost = match (a.credits, a.spec.is_empty()) {
                (Some(_), false) => bail!(
                    "--credits: give either --credits or the request's fields (--seconds, --quality, …), not both"
                ),
                (Some(c), true) => Some(Cost::Credits(c)),
                (None, true) => None,
                (None, false) => {
                    let book = ctx.book()?;
                    let p = l.settle_request(
                        &a.key,
                        &a.spec.spec(),
                        &book,
                        ctx.today(),
                        a.allow_retired,
                    )?;
                    warn(&p.warnings);
                    Some(p.cost)
                }
            };
            let doc = l.settle(now, &a.key, cost.as_ref())?;
            close(l);
            hold_result(ctx, &doc)?;
        }
        LedgerCommand::Release(a) => {
            let doc = with(ctx, false, |l| l.release(now, &a.key, a.reason.as_deref()))?;
            hold_result(ctx, &doc)?;
        }
        LedgerCommand::Status(a) => {
            let doc = with(ctx, false, |l| l.status(now, a.user.as_deref()))?;
            print(ctx, &doc, || sheets::status(&doc))?;
        }
        LedgerCommand::Holds(a) => {
            let doc = with(ctx, false, |l| l.holds(now, a.user.as_deref(), a.all))?;
            print(ctx, &doc, || sheets::holds(&doc))?;
        }
        LedgerCommand::Report(a) => {
            let q = ReportQuery {
                by: match a.by {
                    ByArg::User => ReportBy::User,
                    ByArg::Model => ReportBy::Model,
                    ByArg::Day => ReportBy::Day,
                    ByArg::Week => ReportBy::Week,
                    ByArg::Month => ReportBy::Month,
                },
                from: a.from,
                to: a.to,
                user: a.user,
            };
            let doc = with(ctx, false, |l| l.report(now, &q))?;
            print(ctx, &doc, || sheets::report(&doc))?;
        }
        LedgerCommand::Verify => {
            let doc = with(ctx, true, |l| l.verify())?;
            let sheet = sheets::verify(&doc);
            match ctx.format {
                // Nothing to tabulate: just the verdict and the head hash.
                Format::Table | Format::Markdown if doc.problems.is_empty() => {
                    render::emit(&format!("{}\n", sheet.notes.join("\n")))?;
                }
                _ => print(ctx, &doc, || sheet)?,
            }
            if !doc.ok {
                return Ok(Outcome::Negative);
            }
        }
        LedgerCommand::Token { command } => {
            let now = ctx.now;
            match command {
                TokenCommand::Add(a) => {
                    let role = match a.role {
                        RoleArg::Admin => ledger::Role::Admin,
                        RoleArg::App => ledger::Role::App,
                        RoleArg::User => ledger::Role::User,
                    };
                    let doc = with(ctx, false, |l| {
                        l.token_add(now, &a.name, role, a.user.as_deref())
                    })?;
                    print(ctx, &doc, || sheets::token(&doc))?;
                }
                TokenCommand::List => {
                    let doc = with(ctx, false, |l| l.tokens(now))?;
                    print(ctx, &doc, || sheets::tokens(&doc.tokens))?;
                }
                TokenCommand::Revoke { name } => {
                    let doc = with(ctx, false, |l| l.token_revoke(now, &name))?;
                    print(ctx, &doc, || sheets::token(&doc))?;
                }
            }
        }
        LedgerCommand::Copy(a) => {
            if a.to.trim().is_empty() {
                bail!(
                    "--to: empty; give a new file's path or an empty PostgreSQL database's URL (postgres://…)"
                );
            }
            let to = Location::parse(&a.to);
            let (from, _) = location(ctx)?;
            let same = match (&from, &to) {
                (Location::File(f), Location::File(t)) => {
                    f == t
                        || matches!((f.canonicalize(), t.canonicalize()), (Ok(f), Ok(t)) if f == t)
                }
                (Location::Postgres(f), Location::Postgres(t)) => f == t,
                _ => false,
            };
            if same {
                bail!(
                    "--to: `{}` is the ledger being copied (--db); give a new file's path or an empty PostgreSQL database's URL",
                    to.shown()
                );
            }
            let opts = open_options(false)?;
            let doc = with(ctx, true, |l| l.copy_to(&to, now, &opts))?;
            print(ctx, &doc, || sheets::copy(&doc))?;
            if !doc.ok {
                return Ok(Outcome::Negative);
            }
        }
        LedgerCommand::Export => {
            if matches!(ctx.format, Format::Csv | Format::Markdown) {
                bail!(
                    "--format {}: export writes the journal as JSON lines; use --format json or leave --format out",
                    ctx.format.name()
                );
            }
            let mut out = Vec::new();
            with(ctx, true, |l| l.export(&mut out))?;
            render::emit(&String::from_utf8_lossy(&out)).context("writing to stdout")?;
        }
    }
    Ok(Outcome::Success)
}

fn user(command: UserCommand, ctx: &Context) -> Result<()> {
    let now = ctx.now;
    let doc = match command {
        UserCommand::Add(a) => {
            let limits = Limits {
                cap: a.cap.map(to_micros).transpose()?,
                period: a.period.map_or(period::Period::None, Into::into),
                max_holds: a.max_holds.and_then(|m| m.0),
            };
            with(ctx, false, |l| l.add_user(now, &a.user, &limits))?
        }
        UserCommand::Set(a) => {
            let change = LimitsChange {
                cap: a
                    .limits
                    .cap
                    .map(|c| c.0.map(to_micros).transpose())
                    .transpose()?,
                period: a.limits.period.map(Into::into),
                max_holds: a.limits.max_holds.map(|m| m.0),
            };
            with(ctx, false, |l| l.set_user(now, &a.user, &change))?
        }
        UserCommand::List => with(ctx, false, |l| l.users(now))?,
    };
    let rows: Vec<(String, &ledger::LimitsDoc)> = doc
        .users
        .iter()
        .map(|u| (u.user.clone(), &u.limits))
        .collect();
    print(ctx, &doc, || sheets::limits(&rows))
}

fn to_micros(d: Decimal) -> Result<ledger::amount::Micros> {
    ledger::amount::Micros::from_decimal(d).map_err(anyhow::Error::msg)
}

/// What a request costs: `--credits`, or the model's price as of now.
fn cost(
    ctx: &Context,
    ledger: &Ledger,
    credits: Option<Decimal>,
    model: Option<&str>,
    spec: &SpecArgs,
    allow_retired: bool,
) -> Result<Cost> {
    match (credits, model) {
        (Some(c), _) => {
            if !spec.is_empty() {
                bail!("--credits: give either --credits or --model with the request, not both");
            }
            Ok(Cost::Credits(c))
        }
        (None, Some(m)) => {
            let req = ModelRequest {
                model: m.to_string(),
                spec: spec.spec(),
            };
            let p = ledger.price(&ctx.book()?, ctx.today(), &req, allow_retired)?;
            warn(&p.warnings);
            Ok(p.cost)
        }
        (None, None) => bail!("give --credits N or --model M with the request"),
    }
}

fn warn(warnings: &[String]) {
    for w in warnings {
        crate::cli::say!("warning: {w}");
    }
}

/// Prints a reserve/charge decision.
fn decided(ctx: &Context, d: Decision) -> Result<Outcome> {
    match d {
        Decision::Granted(doc) => {
            hold_result(ctx, &doc)?;
            Ok(Outcome::Success)
        }
        Decision::Denied(den) => {
            match ctx.format {
                Format::Json => render::emit(&render::json(&den))?,
                Format::Csv => render::emit(&render::sheets(Format::Csv, &[sheets::denial(&den)]))?,
                _ => render::emit(&format!("denied: {}\n", den.reason))?,
            }
            Ok(Outcome::Negative)
        }
    }
}

fn hold_result(ctx: &Context, doc: &HoldDoc) -> Result<()> {
    if doc.overrun {
        crate::cli::say!(
            "warning: hold `{}` overran: {} credits settled for a hold of {} (past the hold or, after it expired, past a limit); recorded and flagged overrun",
            doc.key,
            doc.settled
                .as_ref()
                .map_or_else(|| "?".into(), ToString::to_string),
            doc.credits,
        );
    }
    print(ctx, doc, || sheets::hold(doc))
}
