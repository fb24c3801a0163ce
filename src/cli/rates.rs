//! `genbudget rates …`: browse, check and diff the versioned price book.

use std::path::PathBuf;

use anyhow::Result;
use chrono::NaiveDate;
use clap::{Args, Subcommand};

use super::{Context, Outcome, parse_date};
use crate::pricing::{Kind, check, diff, listing};
use crate::render::{self, Format};

/// Arguments of `genbudget rates`.
#[derive(Args, Debug)]
pub struct RatesArgs {
    #[command(subcommand)]
    command: RatesCommand,
}

#[derive(Subcommand, Debug)]
enum RatesCommand {
    /// List the models offered on a date, with their price range
    List {
        /// The date whose tables apply, YYYY-MM-DD (default: today)
        #[arg(long, value_parser = parse_date, value_name = "DATE")]
        as_of: Option<NaiveDate>,
        /// Only this provider (e.g. openai)
        #[arg(long, value_name = "PROVIDER")]
        provider: Option<String>,
        /// Only this kind: image, video or text
        #[arg(long, value_parser = Kind::parse, value_name = "KIND")]
        kind: Option<Kind>,
    },
    /// Show a model's prices in force, its versions and retirement
    Show {
        /// `model`, `alias` or `provider/model`
        model: String,
        /// The date whose tables apply, YYYY-MM-DD (default: today)
        #[arg(long, value_parser = parse_date, value_name = "DATE")]
        as_of: Option<NaiveDate>,
    },
    /// Models added and removed, and every changed price, between two dates
    Diff {
        /// The earlier date (YYYY-MM-DD): the tables in force then
        #[arg(value_parser = parse_date, value_name = "FROM")]
        from: NaiveDate,
        /// The later date (YYYY-MM-DD): the tables in force then
        #[arg(value_parser = parse_date, value_name = "TO")]
        to: NaiveDate,
        /// Only this provider (e.g. openai)
        #[arg(long, value_name = "PROVIDER")]
        provider: Option<String>,
    },
    /// Validate tables (default: the whole book in use); exit 1 on problems
    Check {
        /// Directories of <provider>/<date>.toml tables (default: the book in use); an unreadable one is exit 2
        #[arg(value_name = "DIR")]
        dirs: Vec<PathBuf>,
    },
}

/// Runs `genbudget rates`.
pub fn run(args: RatesArgs, ctx: &Context) -> Result<Outcome> {
    let fmt = ctx.format;
    let out = |json: String, sheets: Vec<render::Sheet>| -> Result<()> {
        let text = if fmt == Format::Json {
            json
        } else {
            render::sheets(fmt, &sheets)
        };
        render::emit(&text)?;
        Ok(())
    };
    match args.command {
        RatesCommand::List {
            as_of,
            provider,
            kind,
        } => {
            let book = ctx.book()?;
            if let Some(p) = &provider {
                known_provider(&book, p)?;
            }
            let report = listing::list(
                &book,
                as_of.unwrap_or(ctx.today()),
                provider.as_deref(),
                kind,
            );
            out(render::json(&report), render::rates::list(&report, fmt))?;
        }
        RatesCommand::Show { model, as_of } => {
            let book = ctx.book()?;
            let report = listing::show(&book, &model, as_of.unwrap_or(ctx.today()))?;
            out(render::json(&report), render::rates::show(&report))?;
        }
        RatesCommand::Diff { from, to, provider } => {
            let book = ctx.book()?;
            if let Some(p) = &provider {
                known_provider(&book, p)?;
            }
            let report = diff::diff(&book, from, to, provider.as_deref());
            out(render::json(&report), render::rates::diff(&report, fmt))?;
        }
        RatesCommand::Check { dirs } => {
            let report = check::check(&dirs, ctx.builtin_pricing, &ctx.pricing_dirs)?;
            out(render::json(&report), render::rates::check(&report, fmt))?;
            if !report.ok {
                for p in &report.problems {
                    eprintln!("error: {}", p.text);
                }
                return Ok(Outcome::Negative);
            }
        }
    }
    Ok(Outcome::Success)
}

fn known_provider(book: &crate::pricing::PriceBook, p: &str) -> Result<()> {
    if book.providers().any(|x| x == p) {
        Ok(())
    } else {
        let all: Vec<&str> = book.providers().collect();
        anyhow::bail!(
            "--provider: unknown provider `{p}`; providers in the price book: {}",
            all.join(", ")
        )
    }
}
