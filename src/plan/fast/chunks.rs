//! Cutting a large plan at its `[[items]]` headers and reading the chunks
//! on every core.
//!
//! A plan of more than 256 KiB whose items are only `[[items]]` tables (and
//! their `[items.…]` sub-tables) is cut into chunks of [`CHUNK_ITEMS`]
//! items. The head and each chunk are parsed on their own (each chunk
//! through the event reader of `items.rs`, or serde when it is not plain),
//! checked by the same [`Checker`] as a whole file, and each item goes
//! straight to its place in the plan; spans are shifted back to the whole
//! file, so messages are the same as for one parse. A piece that is not
//! valid TOML alone, or anything that cutting could change, falls back to
//! the whole-file parse, which then reports the problem as written.

use rayon::prelude::*;

use super::items::items_fast;
use crate::money::read_toml;
use crate::plan::raw::RawPlan;
use crate::plan::validate::{Checked, Checker, count_prompts, empty_slots};
use crate::plan::{Plan, PlanError};

/// Items per chunk when a large plan is parsed in pieces (see [`chunks`]):
/// small chunks also keep the TOML parser's buffers in cache.
const CHUNK_ITEMS: usize = 1000;

/// Reads `source` in chunks on every core; `None` when it is too small or
/// cutting could change it, or a chunk is not plain (the caller then
/// parses the whole file).
pub(in crate::plan) fn parse(file: &str, source: &str) -> Option<Result<Plan, PlanError>> {
    let (head_end, items, bounds) = chunks(source)?;
    parse_chunked(file, source, head_end, items, &bounds)
}

/// Where a plan can be cut: the end of its head (everything before the
/// first `[[items]]`), how many items it has and the start of every
/// [`CHUNK_ITEMS`]-th item, or
/// `None` when cutting could change the meaning — multi-line strings, or a
/// table other than `[[items]]` (and its `[items.…]` sub-tables) after the
/// first item — or the plan is too small to gain.
fn chunks(source: &str) -> Option<(usize, usize, Vec<usize>)> {
    let has = |needle: &str| memchr::memmem::find(source.as_bytes(), needle.as_bytes()).is_some();
    if source.len() < 256 * 1024 || has("\"\"\"") || has("'''") {
        return None;
    }
    // Header lines start (after optional blanks) with `[`: look only at
    // each `[` and the blanks before it, not at every line.
    let bytes = source.as_bytes();
    let mut starts = Vec::new();
    let mut from = 0;
    while let Some(i) = source[from..].find('[').map(|i| i + from) {
        let line_start = bytes[..i]
            .iter()
            .rposition(|&b| b != b' ' && b != b'\t')
            .map_or(0, |p| p + 1);
        let at_line_start = line_start == 0 || bytes[line_start - 1] == b'\n';
        let line_end = source[i..].find('\n').map_or(source.len(), |e| i + e);
        if at_line_start {
            let header = source[i..line_end]
                .split('#')
                .next()
                .unwrap_or("")
                .trim_end();
            if header == "[[items]]" {
                starts.push(line_start);
            } else if !starts.is_empty() && !header.starts_with("[items.") {
                return None;
            }
        }
        from = line_end.max(i + 1);
    }
    let head_end = *starts.first()?;
    let items = starts.len();
    let mut bounds: Vec<usize> = starts.into_iter().step_by(CHUNK_ITEMS).collect();
    bounds.push(source.len());
    (bounds.len() > 2).then_some((head_end, items, bounds))
}

/// Parses the head and each chunk on its own, on every core, each chunk's
/// items going straight to their places in the plan. `None` when a piece is
/// not valid TOML on its own, or holds other than its share of `items`
/// (the caller then parses the whole).
fn parse_chunked(
    file: &str,
    source: &str,
    head_end: usize,
    items: usize,
    bounds: &[usize],
) -> Option<Result<Plan, PlanError>> {
    let raw_head: RawPlan = read_toml(&source[..head_end]).ok()?;
    if !raw_head.items.is_empty() {
        return None;
    }
    let mut c = Checker::new(file, source, 0);
    let head = c.head(&raw_head);
    let retry = head.retry_rate;
    let mut slots = empty_slots(items);
    let mut runs: Vec<Checked> = slots
        .par_chunks_mut(CHUNK_ITEMS)
        .zip(bounds.par_windows(2))
        .enumerate()
        .map(|(k, (slots, w))| {
            let (start, end) = (w[0], w[1]);
            let text = &source[start..end];
            let items = match items_fast(text, slots.len()) {
                Some(items) => items,
                None => read_toml::<RawPlan>(text).ok()?.items,
            };
            if items.len() != slots.len() {
                return None;
            }
            let mut c = Checker::new(file, source, start);
            let mut run = Checked::default();
            c.items(items, start, retry, k * CHUNK_ITEMS, slots, &mut run);
            run.problems.extend(c.problems);
            Some(run)
        })
        .collect::<Option<Vec<Checked>>>()?;
    count_prompts(&mut runs, &mut slots);
    Some(c.finish(head, runs, slots))
}

#[cfg(test)]
mod tests {
    //! A large plan parsed in chunks on several threads must read exactly as
    //! it does in one piece: same items, same spans, same messages.

    use super::*;
    use crate::plan::parse;
    use crate::plan::validate::parse_whole;

    fn big(bad: bool) -> String {
        let mut s = String::from(
            "name = \"big\"\nretry_rate = 0.1\n[credit_value]\nkie-credit = \"0.004\"\n",
        );
        for i in 0..3500 {
            s.push_str(&format!(
                "[[items]]\nname = \"item {i}\"\nmodel = \"gpt-5\"\ncount = {i}\ninput_tokens = 10\n"
            ));
            if i % 700 == 0 {
                s.push_str("[items.limits]\nrpm = 60\n");
            }
            if bad && (i == 5 || i == 2500) {
                s.push_str("retry_rate = 12\n");
            }
            if bad && i == 2600 {
                // An item without a name, numbered by its place in the file.
                s.push_str("[[items]]\nmodel = \"gpt-5\"\ncount = 1\n");
            }
            if bad && i == 3100 {
                // The name of item 10 again, in another chunk.
                s.push_str("[[items]]\nname = \"item 10\"\nmodel = \"gpt-5\"\ncount = 1\n");
            }
        }
        s
    }

    #[test]
    fn chunks_read_like_the_whole() {
        let src = big(false);
        assert!(
            chunks(&src).is_some_and(|(_, _, b)| b.len() == 5),
            "4 chunks of ≤1000 items"
        );
        let (a, b) = (
            parse("p.toml", &src).unwrap(),
            parse_whole("p.toml", &src).unwrap(),
        );
        assert_eq!(a.items.len(), 3500);
        assert_eq!(a.items.len(), b.items.len());
        for (x, y) in a.items.iter().zip(&b.items) {
            assert_eq!(
                (&x.name, &x.spans, x.quantity, x.limits.clone()),
                (&y.name, &y.spans, y.quantity, y.limits.clone())
            );
        }
        assert_eq!(a.credit_value, b.credit_value);
        assert_eq!(a.retry_rate, b.retry_rate);
    }

    #[test]
    fn chunk_errors_read_like_the_whole() {
        let src = big(true);
        let a = parse("p.toml", &src).unwrap_err().to_string();
        let b = parse_whole("p.toml", &src).unwrap_err().to_string();
        assert_eq!(a, b);
        assert_eq!(a.lines().count(), 4, "{a}");
        assert!(a.contains("item name `item 10` is used twice"), "{a}");
        // Items 0..=2600 come before it: it is the 2602nd item.
        assert!(a.contains("item 2602 has no `name`"), "{a}");
    }

    #[test]
    fn a_toml_error_in_a_chunk_reads_like_the_whole() {
        // Line 3 of item 2000 is `count = = 1`: not TOML. The chunk holding
        // it fails both readers, and the message is the whole file's.
        let src = big(false).replacen("count = 2000\n", "count = = 1\n", 1);
        let a = parse("p.toml", &src).unwrap_err().to_string();
        let b = parse_whole("p.toml", &src).unwrap_err().to_string();
        assert_eq!(a, b);
        let line = src[..src.find("count = = 1").unwrap()].lines().count() + 1;
        assert!(a.starts_with(&format!("p.toml:{line}:")), "{a}");
    }

    #[test]
    fn a_number_that_cannot_be_read_exactly_is_refused_in_a_chunk() {
        // Item 2000's count underflows to 0.0 in the TOML parser: the fast
        // reader and the chunk's serde reader both refuse it, and the
        // message is the whole file's.
        let src = big(false).replacen("count = 2000\n", "count = 1e-400\n", 1);
        let a = parse("p.toml", &src).unwrap_err().to_string();
        let b = parse_whole("p.toml", &src).unwrap_err().to_string();
        assert_eq!(a, b);
        assert!(a.contains("`1e-400` is not zero but reads as 0"), "{a}");
    }

    #[test]
    fn plans_that_cutting_could_change_are_read_whole() {
        let src = big(false);
        assert!(chunks(&format!("{src}[credit_value]\nx = 1\n")).is_none());
        assert!(
            chunks(&format!(
                "{src}[[items]]\nname = \"\"\"a\n[[items]]\"\"\"\n"
            ))
            .is_none()
        );
        assert!(chunks("name = \"small\"\n[[items]]\n").is_none());
    }
}
