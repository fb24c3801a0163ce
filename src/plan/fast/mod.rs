//! The estimate's fast path: what makes a 100,000-item plan take a third
//! of a second instead of several. Each piece gives the same result as the
//! plain path beside it, and a test holds the two equal.
//!
//! | piece | what it buys | the plain path | held equal by |
//! |---|---|---|---|
//! | `chunks.rs` | a large plan cut at its `[[items]]` headers and read on every core, each item going straight to its place | `validate::parse_whole` (one serde parse) | `chunks_read_like_the_whole`, `chunk_errors_read_like_the_whole`, `a_toml_error_in_a_chunk_reads_like_the_whole` |
//! | `items.rs` | a run of plain `[[items]]` read from `toml_parser`'s events, with no TOML document built | serde on `raw::RawPlan` | `the_fast_reader_reads_plain_items_as_serde_does` and two proptests |
//! | `json.rs` | the JSON report's items laid out field by field, in blocks on every core, spliced into serde's text of the rest | `serde_json::to_writer_pretty` | `parallel_json_is_byte_for_byte_serde_json`, `every_item_field_is_written_as_serde_json_writes_it` |
//!
//! Counting prompts fast (loading only the o200k_base ranks a batch of
//! prompts can use) lives in `pricing::tokens`, since compare counts
//! prompts too; its tests hold its counts to tiktoken-rs's.
//! `benches/estimate.sh` measures the whole.

pub mod chunks;
pub mod items;
pub mod json;

pub use json::write_json;
