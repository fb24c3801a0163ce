//! `genbudget rates …`: browse, check and diff the versioned price book, and
//! import tables from LiteLLM's price file.

use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result};
use chrono::NaiveDate;
use clap::{Args, Subcommand};

use super::{Context, Outcome, parse_date};
use crate::location::read_text;
use crate::pricing::{Expect, Kind, check, diff, import, listing, parse_table, table_text};
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
        /// Warn about providers whose newest table is older than this many
        /// days on today's date (e.g. 120d)
        #[arg(long, value_name = "DAYS", value_parser = parse_days)]
        stale_after: Option<u32>,
    },
    /// Convert another tool's price file into tables (one per provider)
    Import {
        /// Whose price file it is: litellm (model_prices_and_context_window.json)
        #[arg(value_enum, value_name = "FROM")]
        from: ImportFormat,
        /// The price file
        file: PathBuf,
        /// Only this provider, as the file names it (may repeat)
        #[arg(long = "provider", value_name = "P")]
        providers: Vec<String>,
        /// Where to write <provider>/<today>.toml
        #[arg(long, value_name = "DIR", default_value = "pricing-import")]
        out: PathBuf,
    },
}

/// Price-file formats `rates import` reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
enum ImportFormat {
    /// LiteLLM's model_prices_and_context_window.json
    Litellm,
}

/// Parses `120d` (or `120`) as a number of days.
fn parse_days(text: &str) -> std::result::Result<u32, String> {
    let digits = text.strip_suffix('d').unwrap_or(text);
    digits
        .parse::<u32>()
        .ok()
        .filter(|d| *d > 0)
        .ok_or_else(|| format!("`{text}` is not a number of days; write it like 120d"))
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
        RatesCommand::Check { dirs, stale_after } => {
            let report = check::check(
                &dirs,
                ctx.builtin_pricing,
                &ctx.pricing_dirs,
                stale_after.map(|d| (ctx.today(), d)),
            )?;
            out(render::json(&report), render::rates::check(&report, fmt))?;
            for s in &report.stale {
                crate::cli::say!("warning: {}", s.text);
            }
            if !report.ok {
                for p in &report.problems {
                    crate::cli::say!("error: {}", p.text);
                }
                return Ok(Outcome::Negative);
            }
        }
        RatesCommand::Import {
            from: ImportFormat::Litellm,
            file,
            providers,
            out: dir,
        } => {
            let report = import_litellm(&file, providers, &dir, ctx.today())?;
            out(render::json(&report), render::rates::import(&report))?;
        }
    }
    Ok(Outcome::Success)
}

/// Converts, checks every table, then writes them all (each to a temporary
/// file renamed into place, so a failed run leaves no half-written table).
fn import_litellm(
    file: &Path,
    providers: Vec<String>,
    dir: &Path,
    today: NaiveDate,
) -> Result<import::ImportReport> {
    let name = file.display().to_string();
    let text = read_text(file)?;
    let opts = import::ImportOptions {
        providers,
        effective: today,
    };
    let (tables, report) = import::convert(&text, &name, &opts)?;
    let base = file
        .file_name()
        .map(|f| f.to_string_lossy().into_owned())
        .unwrap_or_else(|| name.clone());
    let mut files = Vec::new();
    for t in &tables {
        let body = table_text::render(t, today, &base);
        let stem = today.to_string();
        let rel = format!("{}/{stem}.toml", t.provider);
        parse_table(
            &rel,
            &body,
            Some(Expect {
                folder: &t.provider,
                stem: &stem,
            }),
        )
        .map_err(|errs| {
            let lines: Vec<String> = errs.iter().map(ToString::to_string).collect();
            anyhow::anyhow!(
                "the table converted for `{}` does not pass `rates check` (a bug; nothing was written):\n{}",
                t.provider,
                lines.join("\n")
            )
        })?;
        files.push((dir.join(&t.provider), format!("{stem}.toml"), body));
    }
    let mut written: Vec<PathBuf> = Vec::new();
    let result = (|| -> Result<()> {
        for (folder, fname, body) in &files {
            std::fs::create_dir_all(folder)
                .with_context(|| format!("--out: can't create {}", folder.display()))?;
            let tmp = folder.join(format!(".{fname}.tmp"));
            std::fs::write(&tmp, body)
                .with_context(|| format!("--out: can't write {}", tmp.display()))?;
            written.push(tmp);
        }
        for (folder, fname, _) in &files {
            let tmp = folder.join(format!(".{fname}.tmp"));
            std::fs::rename(&tmp, folder.join(fname))
                .with_context(|| format!("--out: can't write {}", folder.join(fname).display()))?;
        }
        Ok(())
    })();
    if let Err(e) = result {
        for tmp in &written {
            let _ = std::fs::remove_file(tmp);
        }
        return Err(e);
    }
    Ok(report)
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
