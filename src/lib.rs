//! genbudget: what generative-media AI work will cost, how to keep it inside
//! caps while it happens, and which way of paying is cheapest.
//!
//! The crate is one library with a thin binary. Its parts:
//!
//! - [`money`]: exact money and credit amounts over `rust_decimal`, one rounding policy;
//! - [`pricing`]: the versioned price book (rate tables in force by date) and quoting;
//! - [`plan`]: plan files and the campaign estimator (`genbudget estimate`);
//! - [`ledger`]: the SQLite budget-guard ledger (`genbudget ledger …`);
//! - [`compare`]: packs vs subscriptions vs pay-as-you-go (`genbudget compare`);
//! - [`render`]: one renderer per output format;
//! - [`cli`]: argument parsing and dispatch; the only place that reads the
//!   environment and the clock.
#![forbid(unsafe_code)]

pub mod cli;
pub mod compare;
pub mod ledger;
pub mod location;
pub mod money;
pub mod plan;
pub mod pricing;
pub mod render;
