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
pub mod serve;

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context as _, Result};
use chrono::{DateTime, NaiveDate, Utc};
use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::pricing::PriceBook;
use crate::render::Format;

/// Writes one line to stderr, ignoring a closed or full stderr (a warning
/// that cannot be shown is no reason to panic: the command's work is done).
macro_rules! say {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr(), $($arg)*);
    }};
}
pub(crate) use say;

/// What a command concluded. Errors are `Err`, not outcomes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Exit 0: within budget, granted, verified.
    Success,
    /// Exit 1: over budget, denied, problems found.
    Negative,
}

/// Shown under the top-level help: what every command shares.
const AFTER_HELP: &str = "\
Exit codes:
  0  success (within budget, granted, verified, no problems)
  1  a negative verdict (over budget, denied, problems found)
  2  an error (bad input, unreadable file, unknown model, unusable database)

Environment:
  GENBUDGET_NOW      an RFC 3339 time that replaces the clock, e.g. 2026-04-20T09:00:00Z
  GENBUDGET_PRICING  extra price-table directories, `:`-separated (as --pricing)
  GENBUDGET_DB       the ledger database (as --db)
  COLUMNS            the width tables fit (0: never wrap; default: the terminal's)
  NO_COLOR           no colour in tables

Plans and profiles may be given as `-` to read them from standard input.
Documentation: README.md and docs/ in the source (docs/reference.md lists
every file format, JSON document and exit code); `genbudget man` prints the
man page, `genbudget completions SHELL` a shell completion script.";

#[derive(Parser, Debug)]
#[command(
    name = "genbudget",
    version,
    about = "Estimate, guard and compare what generative-media AI work costs",
    after_help = AFTER_HELP,
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
    /// Output format (a command refuses one it cannot write, with exit 2)
    #[arg(long, global = true, value_enum, default_value_t = FormatArg::Table)]
    pub format: FormatArg,
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
    /// Ledger: a SQLite file or a postgres:// URL (ledger commands and serve; default: ledger.db in the user's data directory)
    #[arg(long, global = true, value_name = "PATH|URL", env = "GENBUDGET_DB",
          value_parser = clap::builder::TypedValueParser::map(clap::builder::OsStringValueParser::new(), PathBuf::from))]
    pub db: Option<PathBuf>,
}

/// `--format`'s values: [`Format`] as clap reads it (the library's type
/// knows nothing of clap).
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum FormatArg {
    /// A table for people (default).
    Table,
    /// One JSON document with a `schema` field.
    Json,
    /// CSV of the main table, with a header row.
    Csv,
    /// Markdown tables, for pull-request comments.
    Markdown,
    /// One self-contained HTML page (estimate and compare)
    Html,
}

impl From<FormatArg> for Format {
    fn from(arg: FormatArg) -> Format {
        match arg {
            FormatArg::Table => Format::Table,
            FormatArg::Json => Format::Json,
            FormatArg::Csv => Format::Csv,
            FormatArg::Markdown => Format::Markdown,
            FormatArg::Html => Format::Html,
        }
    }
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
    /// Serve the ledger over HTTP for web apps (tokens, group commit, OpenAPI)
    Serve(serve::ServeArgs),
    /// Print a shell completion script to standard output
    #[command(after_help = "Install, e.g.:\n  \
        genbudget completions bash > ~/.local/share/bash-completion/completions/genbudget\n  \
        genbudget completions zsh > ~/.zfunc/_genbudget\n  \
        genbudget completions fish > ~/.config/fish/completions/genbudget.fish")]
    Completions {
        /// The shell to complete in
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff) to standard output
    #[command(after_help = "Read it with: genbudget man | man -l -")]
    Man,
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

/// The latest clock the ledger takes (exclusive): every period it counts
/// in (a day, an ISO week, a month, in any timezone) and every hold's
/// expiry (at most 30 days on) then ends by 9999-12-31, the last day an
/// RFC 3339 time or date can name.
const LATEST_CLOCK: &str = "9999-11-30T00:00:00Z";

fn clock() -> Result<DateTime<Utc>> {
    match std::env::var("GENBUDGET_NOW") {
        Ok(text) if !text.trim().is_empty() => {
            let t = DateTime::parse_from_rfc3339(text.trim())
                .map(|t| t.with_timezone(&Utc))
                .with_context(|| {
                    format!(
                        "GENBUDGET_NOW: `{text}` is not an RFC 3339 time (e.g. 2026-04-20T09:00:00Z)"
                    )
                })?;
            let latest = DateTime::parse_from_rfc3339(LATEST_CLOCK).expect("a valid time");
            if t >= latest {
                anyhow::bail!(
                    "GENBUDGET_NOW: `{text}` is too late: the ledger's periods and holds must end by 9999-12-31 (give a time before {LATEST_CLOCK})"
                );
            }
            Ok(t)
        }
        _ => Ok(Utc::now()),
    }
}

/// The clap command, for completions, the man page and tests.
pub fn command() -> clap::Command {
    <Cli as clap::CommandFactory>::command()
}

/// Global flags that take one value: given twice anywhere on the command
/// line (`genbudget --db a ledger status --db b`) is an error, never a
/// silent choice of the last.
const SINGLE_GLOBALS: [&str; 2] = ["db", "format"];

/// Parses the command line, refusing a single-value global flag given more
/// than once across the command and its subcommands.
fn parse(args: Vec<std::ffi::OsString>) -> std::result::Result<Cli, clap::Error> {
    use clap::FromArgMatches as _;
    let mut cmd = command();
    let matches = cmd.try_get_matches_from_mut(&args)?;
    // An empty `--db` is a mistake; an empty GENBUDGET_DB is one for the
    // commands that open a ledger (named as the variable: clap would call
    // it a `--db` without a value) and nothing for the others.
    if matches
        .get_one::<PathBuf>("db")
        .is_some_and(|p| p.as_os_str().is_empty())
    {
        if times_given(&args, "--db") > 0 {
            return Err(cmd.error(
                clap::error::ErrorKind::InvalidValue,
                "--db: empty; give a ledger file's path or a postgres:// URL",
            ));
        }
        if matches!(matches.subcommand_name(), Some("ledger" | "serve")) {
            return Err(cmd.error(
                clap::error::ErrorKind::InvalidValue,
                "GENBUDGET_DB is set but empty: give it a ledger file's path or a postgres:// URL, or unset it",
            ));
        }
    }
    // clap keeps only the last of a global flag given at two levels
    // (`--db a ledger --db b`), so the occurrences are counted on the
    // command line itself; clap has already checked that each is the flag
    // (a value that looks like a flag is refused), up to a bare `--`.
    for id in SINGLE_GLOBALS {
        let flag = format!("--{id}");
        let given = times_given(&args, &flag);
        if given > 1 {
            return Err(cmd.error(
                clap::error::ErrorKind::ArgumentConflict,
                format!("{flag} is given {given} times; give it once"),
            ));
        }
    }
    let mut cli = Cli::from_arg_matches(&matches).map_err(|e| e.format(&mut cmd))?;
    cli.global.db = cli.global.db.filter(|p| !p.as_os_str().is_empty());
    Ok(cli)
}

/// How often `flag` (`--db`, also as `--db=…`) is on the command line,
/// up to a bare `--`.
fn times_given(args: &[std::ffi::OsString], flag: &str) -> usize {
    let with_value = format!("{flag}=");
    args.iter()
        .skip(1)
        .map(|a| a.to_string_lossy())
        .take_while(|a| a != "--")
        .filter(|a| a == flag || a.starts_with(&with_value))
        .count()
}

/// Runs the command line and returns the process exit code.
pub fn main() -> ExitCode {
    let cli = match parse(std::env::args_os().collect()) {
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
    for line in error_text(e).lines() {
        crate::cli::say!("error: {line}");
    }
}

/// An error with its cause chain, without a cause that only repeats what
/// is already said (a storage error carries its driver's message, and the
/// driver's own error says it again: "disk is full: disk is full").
pub(crate) fn error_text(e: &anyhow::Error) -> String {
    let mut text = String::new();
    for cause in e.chain() {
        let c = cause.to_string();
        let core = c.split_once(": ").map_or(c.as_str(), |(_, rest)| rest);
        if text.is_empty() {
            text = c;
        } else if !text.contains(&c) && !text.contains(core) {
            text.push_str(": ");
            text.push_str(&c);
        }
        // A storage error's message already says what its driver said, in
        // one line: the driver's own error (a server's "db error", or its
        // DETAIL on a line of its own) adds nothing.
        if matches!(
            cause.downcast_ref::<crate::ledger::LedgerError>(),
            Some(crate::ledger::LedgerError::Backend { .. })
        ) {
            break;
        }
    }
    text
}

/// The width terminal tables are fitted to: `COLUMNS` when set (0 = do not
/// fit), else the terminal's when stdout is one, else none (no wrapping).
fn table_width() -> Option<u16> {
    use std::io::IsTerminal;
    if let Ok(text) = std::env::var("COLUMNS") {
        if let Ok(n) = text.trim().parse::<u16>() {
            return Some(n).filter(|n| *n > 0);
        }
    }
    if std::io::stdout().is_terminal() {
        return comfy_table::Table::new().width().filter(|n| *n > 0);
    }
    None
}

fn run(cli: Cli) -> Result<Outcome> {
    crate::render::set_width(table_width());
    let ctx = Context {
        format: cli.global.format.into(),
        pricing_dirs: cli.global.pricing,
        builtin_pricing: !cli.global.no_builtin_pricing,
        db: cli.global.db,
        now: clock()?,
    };
    if ctx.format == Format::Html
        && !matches!(cli.command, Command::Estimate(_) | Command::Compare(_))
    {
        anyhow::bail!(
            "--format html: only `estimate` and `compare` write an HTML page; use --format table, json, csv or markdown here"
        );
    }
    match cli.command {
        Command::Rates(args) => rates::run(args, &ctx),
        Command::Estimate(args) => estimate::run(args, &ctx),
        Command::Ledger(args) => ledger::run(args, &ctx),
        Command::Compare(args) => compare::run(args, &ctx),
        Command::Serve(args) => serve::run(args, &ctx),
        Command::Completions { .. } | Command::Man if ctx.format != Format::Table => {
            anyhow::bail!(
                "--format {}: completion scripts and the man page are written in their own formats; leave --format out",
                ctx.format.name()
            )
        }
        Command::Completions { shell } => {
            let mut out = Vec::new();
            clap_complete::generate(shell, &mut command(), "genbudget", &mut out);
            crate::render::emit(&String::from_utf8_lossy(&out))?;
            Ok(Outcome::Success)
        }
        Command::Man => {
            let mut out = Vec::new();
            clap_mangen::Man::new(command()).render(&mut out)?;
            crate::render::emit(&String::from_utf8_lossy(&out))?;
            Ok(Outcome::Success)
        }
    }
}

/// Parses a date flag (`--as-of`, `--from`, …) as ISO 8601.
pub fn parse_date(text: &str) -> std::result::Result<NaiveDate, String> {
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .map_err(|_| format!("`{text}` is not a date; write it as YYYY-MM-DD (e.g. 2026-04-20)"))
}

#[cfg(test)]
mod tests {
    use super::parse;

    #[test]
    fn every_format_flag_value_is_the_format_of_that_name() {
        use super::{Format, FormatArg, ValueEnum};
        for arg in FormatArg::value_variants() {
            let value = arg.to_possible_value().expect("every value is shown");
            assert_eq!(value.get_name(), Format::from(*arg).name());
        }
        // table, json, csv, markdown, html.
        assert_eq!(FormatArg::value_variants().len(), 5);
    }

    fn args(list: &[&str]) -> Vec<std::ffi::OsString> {
        std::iter::once("genbudget")
            .chain(list.iter().copied())
            .map(Into::into)
            .collect()
    }

    #[test]
    fn a_single_value_global_flag_given_twice_is_an_error() {
        // At two levels clap itself would keep the last one silently.
        for bad in [
            &["--db", "a.db", "ledger", "--db", "b.db", "status"][..],
            &["--db=a.db", "ledger", "status", "--db", "b.db"],
            &["--format", "json", "rates", "list", "--format", "csv"],
        ] {
            let e = parse(args(bad)).unwrap_err();
            assert_eq!(
                e.kind(),
                clap::error::ErrorKind::ArgumentConflict,
                "{bad:?}"
            );
            assert!(
                e.to_string().contains("is given 2 times; give it once"),
                "{e}"
            );
        }
        // Once, anywhere, is fine; so is `--db` after `--` (not a flag there).
        assert!(parse(args(&["rates", "list", "--format", "csv"])).is_ok());
        assert!(parse(args(&["--db", "a.db", "ledger", "status"])).is_ok());
    }
}
