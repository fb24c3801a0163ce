//! `genbudget compare`: placeholder until its issue lands.

use anyhow::{Result, bail};

use super::{Context, Outcome};

/// Arguments of `genbudget compare`.
#[derive(clap::Args, Debug)]
pub struct CompareArgs {}

/// Runs `genbudget compare`.
pub fn run(_args: CompareArgs, _ctx: &Context) -> Result<Outcome> {
    bail!("`genbudget compare` is not built yet")
}
