//! `genbudget compare PROFILE.toml`: packs, subscriptions and pay-as-you-go
//! for a usage profile. Reads the profile and the price book, picks the
//! date, runs the (pure) comparer, renders, and writes the chart.

use std::path::PathBuf;

use anyhow::{Context as _, Result, bail};
use chrono::NaiveDate;

use super::{Context, Outcome, parse_date};
use crate::compare::{self, Settings, Source};
use crate::location::read_text;
use crate::render::{self, Format};

/// Arguments of `genbudget compare`.
#[derive(clap::Args, Debug)]
pub struct CompareArgs {
    /// The usage profile (TOML)
    pub profile: PathBuf,
    /// Prices in force on this date (default: the profile's `as_of`, else today)
    #[arg(long, value_parser = parse_date)]
    pub as_of: Option<NaiveDate>,
    /// Horizon in months (default: the longest `per_month` series)
    #[arg(long, value_name = "N")]
    pub months: Option<usize>,
    /// Write a chart of monthly cost against volume to this SVG file
    #[arg(long, value_name = "FILE.svg")]
    pub chart: Option<PathBuf>,
    /// Show each month's cost for the best strategy and the best of each kind
    #[arg(long)]
    pub monthly: bool,
}

/// Runs `genbudget compare`.
pub fn run(args: CompareArgs, ctx: &Context) -> Result<Outcome> {
    if args.months == Some(0) {
        bail!("--months 0: give a horizon of 1 month or more");
    }
    let text = read_text(&args.profile)?;
    let source = Source {
        file: args.profile.display().to_string(),
        text,
    };
    let profile = compare::parse_profile(&source)?;
    let book = ctx.book()?;
    let settings = Settings {
        as_of: args.as_of.or(profile.as_of).unwrap_or_else(|| ctx.today()),
        months: args.months,
        monthly: args.monthly,
        chart: args.chart.is_some(),
    };
    let report = compare::compare(&profile, &source, &book, &settings)?;
    for w in &report.warnings {
        eprintln!("warning: {w}");
    }
    if let (Some(path), Some(data)) = (&args.chart, &report.chart) {
        let svg = compare::chart::svg(data).map_err(anyhow::Error::msg)?;
        std::fs::write(path, svg)
            .with_context(|| format!("writing the chart to {}", path.display()))?;
    }
    let text = match ctx.format {
        Format::Json => render::json(&report),
        f => render::sheets(f, &render::compare::sheets(&report)),
    };
    render::emit(&text)?;
    Ok(Outcome::Success)
}
