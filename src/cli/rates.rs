//! `genbudget rates`: placeholder until its issue lands.

use anyhow::{Result, bail};

use super::{Context, Outcome};

/// Arguments of `genbudget rates`.
#[derive(clap::Args, Debug)]
pub struct RatesArgs {}

/// Runs `genbudget rates`.
pub fn run(_args: RatesArgs, _ctx: &Context) -> Result<Outcome> {
    bail!("`genbudget rates` is not built yet")
}
