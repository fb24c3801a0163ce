//! The price book: versioned rate tables and quoting from them.
//!
//! `pricing/<provider>/<effective-date>.toml` files are read in two steps —
//! `raw` (serde mirrors of the file, unknown keys refused) then `validate`
//! (whole-file rules) — into [`Table`]s. A [`PriceBook`] holds every version
//! and answers which table is in force on a date and which model a name
//! means; [`quote`] prices one unit of work. `diff` and `check` back the
//! `rates` commands; `import` and `table_text` turn LiteLLM's price
//! file into tables (`rates import litellm`).

mod book;
pub mod check;
pub mod diff;
mod fields;
pub mod image_input;
pub mod import;
pub mod listing;
mod load;
mod model;
mod quote;
mod raw;
pub mod table_text;
pub mod tokens;
mod validate;

pub use book::{BookError, LookupError, PriceBook, Resolved};
pub use fields::work_fields_for;
pub use image_input::Fidelity;
pub use load::{DirTables, builtin_tables, dir_tables, read_file};
pub use model::*;
pub use quote::{PriceUnit, Quote, QuoteError, RequestSpec, match_resolution, qualities, quote};
pub use raw::RawDate;
pub use validate::{Expect, parse_table};

/// The frozen fixture tables (`tests/fixtures/book/openai/2026-01-01.toml`
/// and `kie/2026-04-20.toml`) as a book, built once, for unit tests.
#[cfg(test)]
pub(crate) fn fixture_book() -> &'static PriceBook {
    static BOOK: std::sync::LazyLock<PriceBook> = std::sync::LazyLock::new(|| {
        let openai = include_str!("../../tests/fixtures/book/openai/2026-01-01.toml");
        let kie = include_str!("../../tests/fixtures/book/kie/2026-04-20.toml");
        PriceBook::from_tables(vec![
            parse_table("openai.toml", openai, None).expect("fixture table"),
            parse_table("kie.toml", kie, None).expect("fixture table"),
        ])
    });
    &BOOK
}
