//! Counting `prompt` tokens offline with the o200k_base encoding.
//!
//! OpenAI's current text and image models (gpt-4o, gpt-4.1, gpt-5.x,
//! gpt-image-*) tokenize with o200k_base. A count is exactly what
//! `tiktoken-rs`'s `CoreBPE::encode_ordinary(text).len()` gives, computed
//! from the same parts: its split pattern, its `byte_pair_encode`, and
//! o200k_base's ranks (`assets/o200k_base.tiktoken`, the file tiktoken-rs
//! ships). What differs is loading: tiktoken-rs's ready-made encoder turns
//! all 200,000 ranks into hash maps (~0.1 s and ~70 MB), while byte-pair
//! encoding a piece of text only ever looks up substrings of that piece. So
//! [`count_all`] splits the texts first, loads only the ranks of substrings
//! of their pieces (found by their base64 spelling, one hash lookup per
//! line of the file), and byte-pair merges each distinct piece once with
//! tiktoken-rs's `byte_pair_split`, or for a long piece with the same
//! heap-based merge tiktoken uses (linear-logarithmic, so a long prompt
//! without spaces is no slower than a spaced one): the same counts, in a
//! few milliseconds.
//! Tests hold the counts to tiktoken-rs's and the file to its published
//! hash. Special-token text such as `<|endoftext|>` in a prompt is counted
//! as the ordinary text it is, which is how the API treats user content.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use rayon::prelude::*;
use rustc_hash::{FxHashMap, FxHashSet};

/// o200k_base's ranks: `base64-token rank` per line.
const RANKS: &str = include_str!("../../assets/o200k_base.tiktoken");

/// The longest token in o200k_base, in bytes (a test checks it).
const MAX_TOKEN_BYTES: usize = 128;

thread_local! {
    /// o200k_base's split pattern, compiled once per thread: threads
    /// sharing one compiled pattern (or its clones) contend for its scratch
    /// space, which costs more than compiling it (~5 ms).
    static PATTERN: Option<fancy_regex::Regex> =
        fancy_regex::Regex::new(tiktoken_rs::O200K_BASE_PAT_STR).ok();
}

/// Texts to count in one task on a large batch.
const PER_TASK: usize = 512;

/// Tokens of `text` under o200k_base.
pub fn count(text: &str) -> u64 {
    count_all(&[text])[0]
}

/// Tokens of each of `texts` under o200k_base, in order. Counting many
/// texts at once loads the ranks they need once, and encodes each distinct
/// piece once.
pub fn count_all(texts: &[&str]) -> Vec<u64> {
    let split: Vec<(Vec<&str>, u64)> = texts
        .par_iter()
        .with_min_len(PER_TASK)
        .map(|t| PATTERN.with(|p| split(p.as_ref(), t)))
        .collect();
    let mut pieces: FxHashSet<&str> = FxHashSet::default();
    for (p, _) in &split {
        pieces.extend(p.iter().copied());
    }
    let ranks = ranks_for(&pieces);
    // What tiktoken-rs's `encode_ordinary` does with each piece: one token
    // when it is one, else byte-pair merges — for a short piece with its
    // `byte_pair_split`, for a piece of 100 bytes or more through a heap
    // in O(n log n), as its own encoder does ([`merged_len`]): a
    // 100,000-character prompt without spaces (one piece of 300 KB) is
    // counted in a fraction of a second, not the 27 s of a quadratic merge.
    let tokens: FxHashMap<&str, u64> = pieces
        .into_iter()
        .map(|p| {
            let b = p.as_bytes();
            let n = if b.len() < 2 || ranks.contains_key(b) {
                1
            } else if b.len() < LARGE_PIECE {
                tiktoken_rs::byte_pair_split(b, &ranks).len()
            } else {
                merged_len(b, &ranks)
            };
            (p, n as u64)
        })
        .collect();
    split
        .iter()
        .map(|(pieces, rest)| pieces.iter().map(|p| tokens[p]).sum::<u64>() + rest)
        .collect()
}

/// Pieces this long or longer are merged through a heap ([`merged_len`]),
/// where tiktoken-rs's encoder switches to its heap merge too.
const LARGE_PIECE: usize = 100;

/// Tokens of `piece` (2 bytes or more, not itself a token) after
/// byte-pair merging: the lowest-ranked adjacent pair first, the leftmost
/// among equal ranks, until no adjacent pair is a token. This is
/// tiktoken's `_byte_pair_merge_large` (which tiktoken-rs uses for pieces
/// of 100 bytes or more but does not export), counting parts instead of
/// collecting ranks: a heap of candidate merges, each invalidated when a
/// neighbour changes, so the work is O(n log n) in the piece's length.
fn merged_len(piece: &[u8], ranks: &FxHashMap<Vec<u8>, tiktoken_rs::Rank>) -> usize {
    use std::cmp::Reverse;
    use std::collections::BinaryHeap;
    const NONE: tiktoken_rs::Rank = tiktoken_rs::Rank::MAX;
    let n = piece.len();
    let rank = |a: usize, b: usize| ranks.get(&piece[a..b]).copied();
    // Each part is named by its first byte: where it ends, where the part
    // before it starts, and the rank of merging it with the part after.
    let mut end: Vec<usize> = (1..=n).collect();
    let mut prev: Vec<usize> = (0..n).map(|i| i.wrapping_sub(1)).collect();
    let mut next_rank = vec![NONE; n];
    let mut heap = BinaryHeap::with_capacity(n);
    for (i, next) in next_rank.iter_mut().enumerate().take(n - 1) {
        if let Some(r) = rank(i, i + 2) {
            *next = r;
            heap.push(Reverse((r, i)));
        }
    }
    let mut parts = n;
    while let Some(Reverse((r, left))) = heap.pop() {
        if next_rank[left] != r {
            continue; // a neighbour changed since: no longer this merge
        }
        let right = end[left];
        let right_end = end[right];
        end[left] = right_end;
        next_rank[right] = NONE;
        parts -= 1;
        if right_end < n {
            prev[right_end] = left;
        }
        // The merged part and the part after it.
        next_rank[left] = NONE;
        if right_end < n {
            if let Some(r) = rank(left, end[right_end]) {
                next_rank[left] = r;
                heap.push(Reverse((r, left)));
            }
        }
        // The part before it and the merged part.
        if left > 0 {
            let p = prev[left];
            next_rank[p] = NONE;
            if let Some(r) = rank(p, right_end) {
                next_rank[p] = r;
                heap.push(Reverse((r, p)));
            }
        }
    }
    parts
}

/// `text`'s pieces under o200k_base's pattern, exactly as tiktoken-rs
/// splits it. When the pattern gives up (its backtracking limit, on
/// pathological text, where tiktoken-rs would panic) the bytes left after
/// the last piece are counted one token each, the second value.
fn split<'t>(pattern: Option<&fancy_regex::Regex>, text: &'t str) -> (Vec<&'t str>, u64) {
    let Some(pattern) = pattern else {
        return (Vec::new(), text.len() as u64);
    };
    let mut pieces = Vec::new();
    let mut done = 0;
    for m in pattern.find_iter(text) {
        match m {
            Ok(m) => {
                pieces.push(m.as_str());
                done = m.end();
            }
            Err(_) => return (pieces, (text.len() - done) as u64),
        }
    }
    (pieces, 0)
}

/// Substrings of the pieces past which [`ranks_for`] reads every rank
/// rather than spelling each substring in base64 (a long piece has up to
/// 128 substrings a byte; reading all 200,000 ranks takes ~0.1 s).
const MOST_SUBSTRINGS: usize = 1 << 20;

/// The ranks of every token that is a substring of one of `pieces`: all
/// that byte-pair encoding them can look up. When the pieces are long,
/// simply every rank: the work stays linear in the text.
fn ranks_for(pieces: &FxHashSet<&str>) -> FxHashMap<Vec<u8>, tiktoken_rs::Rank> {
    let substrings: usize = pieces
        .iter()
        .map(|p| p.len().saturating_mul(p.len().min(MAX_TOKEN_BYTES)))
        .fold(0, usize::saturating_add);
    if substrings > MOST_SUBSTRINGS {
        return RANKS
            .par_lines()
            .filter_map(|line| {
                let (token, rank) = line.split_once(' ')?;
                Some((BASE64.decode(token).ok()?, rank.parse().ok()?))
            })
            .collect();
    }
    let mut wanted: FxHashSet<String> = FxHashSet::default();
    for p in pieces {
        let b = p.as_bytes();
        for start in 0..b.len() {
            for end in start + 1..=b.len().min(start + MAX_TOKEN_BYTES) {
                wanted.insert(BASE64.encode(&b[start..end]));
            }
        }
    }
    RANKS
        .par_lines()
        .filter_map(|line| {
            let (token, rank) = line.split_once(' ')?;
            if !wanted.contains(token) {
                return None;
            }
            Some((BASE64.decode(token).ok()?, rank.parse().ok()?))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// What tiktoken-rs itself counts.
    fn tiktoken(text: &str) -> u64 {
        tiktoken_rs::o200k_base_singleton()
            .encode_ordinary(text)
            .len() as u64
    }

    #[test]
    fn counts_with_o200k_base() {
        // "hello world" is two o200k tokens ("hello", " world"); the empty
        // prompt is none.
        assert_eq!(count("hello world"), 2);
        assert_eq!(count(""), 0);
        // Special-token text is not treated as a control token.
        assert!(count("<|endoftext|>") > 1);
    }

    #[test]
    fn the_ranks_are_o200k_base_as_published_and_as_tiktoken_rs_has_them() {
        use sha2::Digest;
        assert_eq!(
            hex::encode(sha2::Sha256::digest(RANKS.as_bytes())),
            "446a9538cb6c348e3516120d7c08b09f57c36495e2acfffe59a5bf8b0cfb1a2d"
        );
        let bpe = tiktoken_rs::o200k_base_singleton();
        let mut longest = 0;
        for line in RANKS.lines() {
            let (token, rank) = line.split_once(' ').unwrap();
            let bytes = BASE64.decode(token).unwrap();
            longest = longest.max(bytes.len());
            assert_eq!(bpe.decode_bytes(&[rank.parse().unwrap()]).unwrap(), bytes);
        }
        assert_eq!(longest, MAX_TOKEN_BYTES);
    }

    #[test]
    fn counts_are_tiktoken_rs_counts() {
        let texts = [
            "Write a product description for SKU 5, warm and concise.",
            "  leading and trailing spaces   ",
            "Numbers 1234567 and 3.14159, dates 2026-11-22!",
            "Ünïcödé — émojis 🎨🖼️ and 中文文本 and Ελληνικά",
            "can't won't I'LL they'RE\r\n\ttabs\n\n\nnewlines",
            "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
            "https://example.com/a?b=c&d=e#f <html><body>x</body></html>",
            "<|endoftext|> <|endofprompt|>",
            "",
        ];
        let batch = count_all(&texts);
        for (text, n) in texts.iter().zip(batch) {
            assert_eq!(n, tiktoken(text), "{text:?} in a batch");
            assert_eq!(count(text), tiktoken(text), "{text:?} alone");
        }
        // A piece longer than any token.
        let long = "x".repeat(1000) + &" ".repeat(300) + &"7".repeat(50);
        assert_eq!(count(&long), tiktoken(&long));
    }

    #[test]
    fn a_long_unspaced_prompt_counts_in_linear_time() {
        // 100,000 Japanese characters without a space are one piece of
        // 300,000 bytes; a quadratic merge took 27 s on it. The count is
        // still exactly tiktoken-rs's (whose own encoder merges long pieces
        // through a heap, as this one now does).
        let phrase = "生成メディアの予算を見積もり、上限の中で支出を守る。";
        let n = phrase.chars().count();
        let text: String = phrase.chars().cycle().take(100_000 / n * n).collect();
        let started = std::time::Instant::now();
        let got = count(&text);
        let took = started.elapsed();
        assert_eq!(got, tiktoken(&text));
        // Generous for a loaded 2-core machine and an unoptimised build.
        assert!(took.as_secs() < 10, "{took:?}");
        // A mix of long pieces and short ones in one batch.
        let texts = [text.as_str(), "hello world", &"z".repeat(5_000)];
        let batch = count_all(&texts);
        for (t, n) in texts.iter().zip(batch) {
            assert_eq!(n, tiktoken(t));
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 120, ..ProptestConfig::default() })]

        #[test]
        fn any_text_counts_as_tiktoken_rs_counts(texts in prop::collection::vec("\\PC{0,60}|[a-z0-9 '.,\n]{0,80}", 1..8)) {
            let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
            let batch = count_all(&refs);
            for (text, n) in texts.iter().zip(batch) {
                prop_assert_eq!(n, tiktoken(text), "{:?}", text);
            }
        }

        /// Long pieces without spaces go through the heap merge: the
        /// counts are still tiktoken-rs's.
        #[test]
        fn long_pieces_count_as_tiktoken_rs_counts(text in "[a-zé中文日本語の]{100,600}") {
            prop_assert_eq!(count(&text), tiktoken(&text), "{:?}", text);
        }
    }
}
