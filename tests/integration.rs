//! The one integration test binary (keeps builds lean on two cores). Each
//! topic is a module under `tests/integration/`.

#[path = "integration/cli.rs"]
mod cli;
#[path = "integration/common.rs"]
mod common;
#[path = "integration/compare.rs"]
mod compare;
#[cfg(unix)]
#[path = "integration/docs.rs"]
mod docs;
#[path = "integration/estimate.rs"]
mod estimate;
#[path = "integration/html.rs"]
mod html;
#[path = "integration/ledger.rs"]
mod ledger;
#[path = "integration/rates.rs"]
mod rates;
#[cfg(unix)]
#[path = "integration/serve.rs"]
mod serve;
