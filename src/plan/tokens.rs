//! Counting a `prompt`'s tokens offline with the o200k_base encoding.
//!
//! OpenAI's current text and image models (gpt-4o, gpt-4.1, gpt-5.x,
//! gpt-image-*) tokenize with o200k_base; `tiktoken-rs` ships its ranks in
//! the crate, so counting needs no network. The encoder is built once, on
//! the first prompt, so plans without prompts never pay for loading it.
//! Special-token text such as `<|endoftext|>` in a prompt is counted as the
//! ordinary text it is, which is how the API treats user content.

use std::sync::atomic::{AtomicBool, Ordering};

/// Set once the encoder is loaded.
static LOADED: AtomicBool = AtomicBool::new(false);

/// Loads the encoder now (it takes about 0.1 s), so a later [`count`]
/// doesn't wait for it.
pub fn warm_up() {
    let _ = tiktoken_rs::o200k_base_singleton();
    LOADED.store(true, Ordering::Release);
}

/// Whether the encoder is loaded, so [`count`] will not wait for it.
pub fn loaded() -> bool {
    LOADED.load(Ordering::Acquire)
}

/// Tokens of `text` under o200k_base.
pub fn count(text: &str) -> u64 {
    if text.is_empty() {
        return 0;
    }
    let bpe = tiktoken_rs::o200k_base_singleton();
    LOADED.store(true, Ordering::Release);
    bpe.encode_ordinary(text).len() as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_with_o200k_base() {
        // "hello world" is two o200k tokens ("hello", " world"); the empty
        // prompt is none.
        assert_eq!(count("hello world"), 2);
        assert_eq!(count(""), 0);
        // Special-token text is not treated as a control token.
        assert!(count("<|endoftext|>") > 1);
    }
}
