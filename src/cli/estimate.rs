//! `genbudget estimate PLAN.toml`: price a campaign plan and give a budget
//! verdict (exit 1 when the total is over the budget).

use std::path::PathBuf;

use anyhow::Result;
use chrono::NaiveDate;
use rust_decimal::Decimal;

use super::{Context, Outcome, parse_date};
use crate::location::{InputKind, read_input};
use crate::money::parse_decimal;
use crate::plan::{self, Options, Swap};
use crate::render::{self, Format};

/// Arguments of `genbudget estimate`.
#[derive(clap::Args, Debug)]
pub struct EstimateArgs {
    /// The plan file (TOML; see docs/estimate.md), or `-` to read it from standard input
    pub plan: PathBuf,
    /// The date whose prices apply (default: the plan's `as_of`, else today)
    #[arg(long, value_parser = parse_date, value_name = "DATE")]
    pub as_of: Option<NaiveDate>,
    /// The budget limit in the plan's currency; wins over the plan's `budget`
    #[arg(long, value_parser = parse_budget, value_name = "AMOUNT")]
    pub budget: Option<Decimal>,
    /// Price retired models from the last table that offered them (flagged)
    #[arg(long)]
    pub allow_retired: bool,
    /// What-if: price every item on MODEL as if it used OTHER (may repeat)
    #[arg(long = "swap", value_parser = Swap::parse, value_name = "MODEL=OTHER")]
    pub swaps: Vec<Swap>,
}

fn parse_budget(text: &str) -> std::result::Result<Decimal, String> {
    let v = parse_decimal(text)?;
    if v < Decimal::ZERO {
        return Err(format!(
            "`{text}` is negative; give an amount of 0 or more, e.g. 15.00"
        ));
    }
    Ok(v)
}

/// Runs `genbudget estimate`.
pub fn run(args: EstimateArgs, ctx: &Context) -> Result<Outcome> {
    let (file, source) = read_input(&args.plan, InputKind::Plan)?;
    let plan = plan::parse_owned(&file, source)?;
    let book = ctx.book()?;
    let opts = Options {
        as_of: args.as_of.or(plan.as_of).unwrap_or_else(|| ctx.today()),
        budget: args.budget,
        allow_retired: args.allow_retired,
        swaps: args.swaps,
    };
    let mut estimate = plan::estimate(&plan, &book, &opts)?;
    for w in estimate.all_warnings() {
        crate::cli::say!("warning: {w}");
    }
    let outcome = if estimate.over_budget() {
        Outcome::Negative
    } else {
        Outcome::Success
    };
    match ctx.format {
        Format::Json => {
            let out = std::io::BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
            render::ignore_broken_pipe(render::estimate::write_json(&mut estimate, out))?;
        }
        f => render::emit(&render::estimate::render(&estimate, f))?,
    }
    // The plan and the report can hold hundreds of thousands of items:
    // free them off this thread, so the answer is not kept waiting (the
    // process usually ends first; a long-running caller gets the memory
    // back all the same).
    std::thread::spawn(move || drop((plan, estimate)));
    Ok(outcome)
}
