//! `genbudget estimate`: placeholder until its issue lands.

use anyhow::{Result, bail};

use super::{Context, Outcome};

/// Arguments of `genbudget estimate`.
#[derive(clap::Args, Debug)]
pub struct EstimateArgs {}

/// Runs `genbudget estimate`.
pub fn run(_args: EstimateArgs, _ctx: &Context) -> Result<Outcome> {
    bail!("`genbudget estimate` is not built yet")
}
