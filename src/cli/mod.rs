//! Command-line layer: clap definitions, the run context, and dispatch.
//!
//! This is the only part of genbudget that reads the environment, the clock
//! or the terminal. It turns arguments into plain domain values, calls the
//! library, renders the report, and maps the outcome to an exit code:
//! `0` success, `1` a negative verdict (over budget, denied, problems found),
//! `2` an error. Each subcommand lives in its own file.

pub mod compare;
pub mod estimate;
pub mod ledger;
pub mod rates;

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context as _, Result};
use chrono::{DateTime, NaiveDate, Utc};
use clap::{Args, Parser, Subcommand};

use crate::pricing::PriceBook;
use crate::render::Format;

/// What a command concluded. Errors are `Err`, not outcomes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Exit 0: within budget, granted, verified.
    Success,
    /// Exit 1: over budget, denied, problems found.
    Negative,
}

#[derive(Parser, Debug)]
#[command(
    name = "genbudget",
    version,
    about = "Estimate, guard and compare what generative-media AI work costs",
    propagate_version = true
)]
struct Cli {
    #[command(flatten)]
    global: GlobalArgs,
    #[command(subcommand)]
    command: Command,
}

/// Flags that may stand anywhere on the command line.
#[derive(Args, Debug, Clone)]
pub struct GlobalArgs {
    /// Output format
    #[arg(long, global = true, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// Extra price-table directory layered over the built-in tables (may repeat)
    #[arg(
        long = "pricing",
        global = true,
        value_name = "DIR",
        env = "GENBUDGET_PRICING",
        value_delimiter = ':'
    )]
    pub pricing: Vec<PathBuf>,
    /// Leave the built-in price tables out
    #[arg(long, global = true)]
    pub no_builtin_pricing: bool,
    /// Ledger database file
    #[arg(long, global = true, value_name = "PATH", env = "GENBUDGET_DB")]
    pub db: Option<PathBuf>,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Browse, check and diff the versioned price book
    Rates(rates::RatesArgs),
    /// Estimate what a plan file's campaign will cost
    Estimate(estimate::EstimateArgs),
    /// Guard spending with per-user and org credit caps
    Ledger(ledger::LedgerArgs),
    /// Compare packs, subscriptions and pay-as-you-go for a usage profile
    Compare(compare::CompareArgs),
}

/// Everything a command needs from outside the library.
#[derive(Debug, Clone)]
pub struct Context {
    pub format: Format,
    pub pricing_dirs: Vec<PathBuf>,
    pub builtin_pricing: bool,
    pub db: Option<PathBuf>,
    /// The clock: `GENBUDGET_NOW` when set, else the system time.
    pub now: DateTime<Utc>,
}

impl Context {
    /// Today's date in UTC (from `now`).
    pub fn today(&self) -> NaiveDate {
        self.now.date_naive()
    }

    /// Loads the price book in use: built-in tables (unless left out) with
    /// the `--pricing` directories layered over them.
    pub fn book(&self) -> Result<PriceBook> {
        let book = PriceBook::load(self.builtin_pricing, &self.pricing_dirs)?;
        Ok(book)
    }
}

fn clock() -> Result<DateTime<Utc>> {
    match std::env::var("GENBUDGET_NOW") {
        Ok(text) if !text.trim().is_empty() => DateTime::parse_from_rfc3339(text.trim())
            .map(|t| t.with_timezone(&Utc))
            .with_context(|| {
                format!(
                    "GENBUDGET_NOW: `{text}` is not an RFC 3339 time (e.g. 2026-04-20T09:00:00Z)"
                )
            }),
        _ => Ok(Utc::now()),
    }
}

/// Runs the command line and returns the process exit code.
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            // clap prints help/version to stdout (exit 0) and usage errors,
            // starting `error:`, to stderr (exit 2).
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { 2 } else { 0 });
        }
    };
    match run(cli) {
        Ok(Outcome::Success) => ExitCode::SUCCESS,
        Ok(Outcome::Negative) => ExitCode::from(1),
        Err(e) => {
            report_error(&e);
            ExitCode::from(2)
        }
    }
}

/// Prints an error as `error:` lines: one per problem when the error holds
/// several (a price book with many bad files), with its cause chain.
fn report_error(e: &anyhow::Error) {
    // The cause chain, without a cause that only repeats what is already
    // said (a storage error carries its driver's message, and the driver's
    // own error says it again: "disk is full: disk is full").
    let mut text = e.to_string();
    for cause in e.chain().skip(1) {
        let c = cause.to_string();
        let core = c.split_once(": ").map_or(c.as_str(), |(_, rest)| rest);
        if !text.contains(&c) && !text.contains(core) {
            text.push_str(": ");
            text.push_str(&c);
        }
    }
    for line in text.lines() {
        eprintln!("error: {line}");
    }
}

fn run(cli: Cli) -> Result<Outcome> {
    let ctx = Context {
        format: cli.global.format,
        pricing_dirs: cli.global.pricing,
        builtin_pricing: !cli.global.no_builtin_pricing,
        db: cli.global.db,
        now: clock()?,
    };
    match cli.command {
        Command::Rates(args) => rates::run(args, &ctx),
        Command::Estimate(args) => estimate::run(args, &ctx),
        Command::Ledger(args) => ledger::run(args, &ctx),
        Command::Compare(args) => compare::run(args, &ctx),
    }
}

/// Parses a date flag (`--as-of`, `--from`, …) as ISO 8601.
pub fn parse_date(text: &str) -> std::result::Result<NaiveDate, String> {
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .map_err(|_| format!("`{text}` is not a date; write it as YYYY-MM-DD (e.g. 2026-04-20)"))
}
