//! The price book (being written).
use std::path::PathBuf;

/// The versioned price book.
#[derive(Debug)]
pub struct PriceBook;

impl PriceBook {
    /// Loads the book.
    pub fn load(_builtin: bool, _dirs: &[PathBuf]) -> anyhow::Result<PriceBook> {
        Ok(PriceBook)
    }
}
