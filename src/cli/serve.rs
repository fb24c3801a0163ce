//! `genbudget serve`: runs the HTTP guard service (see `crate::serve`) on
//! the ledger `--db` names, with the price book `--pricing` makes.

use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::{Result, bail};
use chrono::Utc;
use clap::{Args, ValueEnum};

use crate::render::Format;
use crate::serve::{self, Config, LogFormat};

use super::{Context, Outcome};

/// Arguments of `genbudget serve`.
#[derive(Args, Debug)]
pub struct ServeArgs {
    /// Address and port to listen on (port 0: any free port)
    #[arg(long, value_name = "ADDR:PORT", default_value = "127.0.0.1:8787")]
    listen: SocketAddr,
    /// How the request log on stderr is written
    #[arg(long, value_enum, default_value = "text")]
    log_format: LogFormatArg,
    /// Connections served at once (more wait in the kernel's queue)
    #[arg(long, value_name = "N", default_value_t = 1024, value_parser = clap::value_parser!(u32).range(1..=65_536))]
    max_connections: u32,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum LogFormatArg {
    Text,
    Json,
}

/// Runs `genbudget serve` until SIGTERM or SIGINT.
pub fn run(args: ServeArgs, ctx: &Context) -> Result<Outcome> {
    if ctx.format != Format::Table {
        bail!(
            "--format {}: the service answers in JSON; leave --format out (--log-format sets the log's)",
            ctx.format.name()
        );
    }
    let book = ctx.book()?;
    let ledger = super::ledger::open_for_service(ctx)?;
    let location = ledger.location();
    // GENBUDGET_NOW freezes the service's clock too (for tests and demos).
    let frozen = std::env::var("GENBUDGET_NOW").is_ok_and(|v| !v.trim().is_empty());
    let now = ctx.now;
    let clock: serve::worker::Clock = if frozen {
        Arc::new(move || now)
    } else {
        Arc::new(Utc::now)
    };
    let config = Config {
        listen: args.listen,
        log_format: match args.log_format {
            LogFormatArg::Text => LogFormat::Text,
            LogFormatArg::Json => LogFormat::Json,
        },
        max_connections: args.max_connections as usize,
        ..Config::default()
    };
    serve::run(config, ledger, book, clock, |addr| {
        super::say!("genbudget serve: listening on http://{addr} (ledger {location})");
    })?;
    super::say!("genbudget serve: stopped");
    Ok(Outcome::Success)
}
