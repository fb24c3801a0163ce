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
//!
//! # Examples
//!
//! Price one request from the built-in price book: resolve a model name on
//! a date, then quote what one unit of work asks for. Prices are exact.
//!
//! ```
//! use chrono::NaiveDate;
//! use genbudget::pricing::{PriceBook, RequestSpec};
//! use rust_decimal::Decimal;
//!
//! let book = PriceBook::load(true, &[]).expect("the built-in tables load");
//! let day = NaiveDate::from_ymd_opt(2026, 6, 1).unwrap();
//! let gpt5 = book.resolve("openai/gpt-5", day, false).expect("offered that day");
//! let request = RequestSpec {
//!     input_tokens: Some(500),
//!     output_tokens: Some(215),
//!     ..RequestSpec::default()
//! };
//! let quote = gpt5.quote(&request).expect("a text model prices tokens");
//! // 500 × 1.25/1M + 215 × 10.00/1M = 0.000625 + 0.00215 = 0.002775.
//! assert_eq!(quote.unit_price, Decimal::new(2775, 6));
//! assert_eq!(quote.unit, "request");
//! ```
//!
//! Estimate a plan: items are exact, the plan's total is rounded once.
//!
//! ```
//! use genbudget::plan::{self, Options};
//! use genbudget::pricing::PriceBook;
//!
//! let plan = plan::parse(
//!     "plan.toml",
//!     r#"
//! name = "Product copy"
//! as_of = 2026-06-01
//! budget = "30.00"
//!
//! [[items]]
//! name = "Descriptions"
//! model = "openai/gpt-5"
//! count = 10000
//! input_tokens = 500
//! output_tokens = 215
//! "#,
//! )
//! .expect("a valid plan");
//! let book = PriceBook::load(true, &[]).expect("the built-in tables load");
//! let options = Options {
//!     as_of: plan.as_of.expect("the plan sets as_of"),
//!     budget: None,
//!     allow_retired: false,
//!     swaps: vec![],
//! };
//! let estimate = plan::estimate(&plan, &book, &options).expect("every item prices");
//! // 10,000 requests × 0.002775 = 27.75, within the budget of 30.00.
//! assert_eq!(estimate.total.to_string(), "27.75");
//! assert!(!estimate.over_budget());
//! ```
#![forbid(unsafe_code)]

pub mod cli;
pub mod compare;
pub mod ledger;
pub mod location;
pub mod money;
pub mod plan;
pub mod pricing;
pub mod render;
pub mod serve;
