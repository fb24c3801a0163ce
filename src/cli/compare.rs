//! `genbudget compare PROFILE.toml`: packs, subscriptions and pay-as-you-go
//! for a usage profile. Reads the profile and the price book, picks the
//! date, runs the (pure) comparer, renders, and writes the chart.

use std::path::PathBuf;

use anyhow::{Context as _, Result};
use chrono::NaiveDate;

use super::{Context, Outcome, parse_date};
use crate::compare::{self, CompareOptions, Source};
use crate::location::{InputKind, read_input};
use crate::render::{self, Format};

/// Arguments of `genbudget compare`.
#[derive(clap::Args, Debug)]
pub struct CompareArgs {
    /// The usage profile (TOML; see docs/compare.md), or `-` to read it from standard input
    pub profile: PathBuf,
    /// Prices in force on this date, YYYY-MM-DD (default: the profile's `as_of`, else today)
    #[arg(long, value_parser = parse_date, value_name = "DATE")]
    pub as_of: Option<NaiveDate>,
    /// Horizon in months, 1 to 600 (default: the longest `per_month` series)
    #[arg(long, value_name = "N", value_parser = parse_months)]
    pub months: Option<usize>,
    /// Write a chart of monthly cost against volume to this SVG file (the name must end in .svg)
    #[arg(long, value_name = "FILE.svg")]
    pub chart: Option<PathBuf>,
    /// Show each month's cost for the best strategy and the best of each kind
    #[arg(long)]
    pub monthly: bool,
}

/// `--months N`: a whole number of months from 1 to [`compare::MAX_MONTHS`].
fn parse_months(text: &str) -> std::result::Result<usize, String> {
    let max = compare::MAX_MONTHS;
    match text.trim().parse::<u64>() {
        Ok(n) if (1..=max as u64).contains(&n) => Ok(n as usize),
        Ok(0) => Err(format!("`{text}`: give a horizon of 1 to {max} months")),
        Ok(_) => Err(format!(
            "`{text}` months is too long a horizon; give 1 to {max} months (50 years)"
        )),
        Err(_) => Err(format!(
            "`{text}` is not a number of months; give a whole number from 1 to {max}"
        )),
    }
}

/// Runs `genbudget compare`.
pub fn run(args: CompareArgs, ctx: &Context) -> Result<Outcome> {
    if let Some(path) = &args.chart {
        let svg = path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("svg"));
        if !svg {
            anyhow::bail!(
                "--chart {}: the chart is written as SVG; give a file name ending in .svg (convert it to PNG with any SVG viewer)",
                path.display()
            );
        }
    }
    let (file, text) = read_input(&args.profile, InputKind::Profile)?;
    let source = Source { file, text };
    let profile = compare::parse_profile(&source)?;
    let book = ctx.book()?;
    let settings = CompareOptions {
        as_of: args.as_of.or(profile.as_of).unwrap_or_else(|| ctx.today()),
        months: args.months,
        monthly: args.monthly,
        chart: args.chart.is_some() || ctx.format == Format::Html,
    };
    let report = compare::compare(&profile, &source, &book, &settings)?;
    for w in &report.warnings {
        crate::cli::say!("warning: {w}");
    }
    if let (Some(path), Some(data)) = (&args.chart, &report.chart) {
        let svg = compare::chart::svg(data).map_err(anyhow::Error::msg)?;
        std::fs::write(path, svg)
            .with_context(|| format!("writing the chart to {}", path.display()))?;
    }
    let text = match ctx.format {
        Format::Json => render::json(&report),
        Format::Html => {
            let svg = report
                .chart
                .as_ref()
                .map(compare::chart::svg)
                .transpose()
                .map_err(anyhow::Error::msg)?;
            render::compare_html::render(&report, svg.as_deref())
        }
        f => render::sheets(f, &render::compare::sheets(&report, f)),
    };
    render::emit(&text)?;
    Ok(Outcome::Success)
}
