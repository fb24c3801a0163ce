//! `genbudget ledger`: placeholder until its issue lands.

use anyhow::{Result, bail};

use super::{Context, Outcome};

/// Arguments of `genbudget ledger`.
#[derive(clap::Args, Debug)]
pub struct LedgerArgs {}

/// Runs `genbudget ledger`.
pub fn run(_args: LedgerArgs, _ctx: &Context) -> Result<Outcome> {
    bail!("`genbudget ledger` is not built yet")
}
