//! The event-based reader of plain `[[items]]` runs.
//!
//! Reads the chunks a large plan is cut into straight from `toml_parser`'s
//! events instead of building a TOML document and deserialising it with
//! serde: on a large plan that is most of the time spent reading TOML.
//! Anything outside the plain form goes to serde. Held equal to serde by
//! `the_fast_reader_reads_plain_items_as_serde_does` and two proptests
//! (`the_fast_reader_agrees_with_serde…`) below.

use std::borrow::Cow;

use rust_decimal::Decimal;
use toml::Spanned;
use toml_parser::Raw;
use toml_parser::decoder::Encoding;

use crate::money::{decimal_from_toml_float_text, parse_decimal};
use crate::plan::raw::{RawItem, RawNumber};

/// Reads a run of `[[items]]` tables — the chunks a large plan is cut
/// into — straight from the TOML parser's events, without building a
/// document and deserialising it: on a large plan this is most of the time
/// spent reading TOML.
///
/// It reads only the plain form a generated or hand-written plan uses:
/// `[[items]]` headers and `key = value` lines whose value is a string or
/// number for a key [`RawItem`] has. Anything else — an error, a dotted key,
/// a sub-table, an inline table or array (`limits`), a key set twice, an
/// unknown key, a value of the wrong type — gives `None`, and the caller
/// reads the text with serde instead, which then says what is wrong exactly
/// as it would for the whole file. A test holds the two readers to the same
/// result on every text this one accepts.
///
/// `expected` is how many items the text likely holds (room is made for them).
pub fn items_fast(text: &str, expected: usize) -> Option<Vec<Spanned<RawItem>>> {
    use toml_parser::parser::{ValidateWhitespace, parse_document};
    let source = toml_parser::Source::new(text);
    let tokens = source.lex().into_vec();
    let mut reader = ItemsReader {
        source,
        items: Vec::with_capacity(expected),
        current: None,
        header: None,
        key: None,
        failed: false,
    };
    let mut errors = false;
    let mut sink = |_: toml_parser::ParseError| errors = true;
    parse_document(
        &tokens,
        &mut ValidateWhitespace::new(&mut reader, source),
        &mut sink,
    );
    if errors || reader.failed || reader.header.is_some() || reader.key.is_some() {
        return None;
    }
    let ItemsReader {
        mut items, current, ..
    } = reader;
    items.extend(current.map(|(span, item)| Spanned::new(span, item)));
    Some(items)
}

/// The state of [`items_fast`]'s event receiver.
struct ItemsReader<'i> {
    source: toml_parser::Source<'i>,
    items: Vec<Spanned<RawItem>>,
    /// The item being read, with its header's span.
    current: Option<(std::ops::Range<usize>, RawItem)>,
    /// Inside a `[[…]]` header: where it starts, and its key so far.
    header: Option<(usize, Option<Cow<'i, str>>)>,
    /// A key read, its value not yet.
    key: Option<Cow<'i, str>>,
    /// Something outside the plain form was met.
    failed: bool,
}

impl<'i> ItemsReader<'i> {
    /// The text at `span`, as the parser saw it (quoted or bare).
    fn raw(&self, span: toml_parser::Span, encoding: Option<Encoding>) -> Option<Raw<'i>> {
        let text = self.source.input().get(span.start()..span.end())?;
        Some(Raw::new_unchecked(text, encoding, span))
    }

    fn decode_key(
        &mut self,
        span: toml_parser::Span,
        encoding: Option<Encoding>,
    ) -> Option<Cow<'i, str>> {
        let raw = self.raw(span, encoding)?;
        let mut key = Cow::Borrowed("");
        let mut bad = false;
        raw.decode_key(&mut key, &mut |_| bad = true);
        (!bad).then_some(key)
    }

    fn key(&mut self, span: toml_parser::Span, encoding: Option<Encoding>) {
        let key = self.decode_key(span, encoding);
        match (&mut self.header, key) {
            (Some((_, slot @ None)), Some(key)) => *slot = Some(key),
            (None, Some(key)) if self.key.is_none() && self.current.is_some() => {
                self.key = Some(key)
            }
            _ => self.failed = true,
        }
    }

    fn value(&mut self, span: toml_parser::Span, encoding: Option<Encoding>) -> Option<()> {
        let key = self.key.take()?;
        let raw = self.raw(span, encoding)?;
        let mut text = Cow::Borrowed("");
        let mut bad = false;
        let kind = raw.decode_scalar(&mut text, &mut |_| bad = true);
        if bad {
            return None;
        }
        let at = span.start()..span.end();
        let (_, item) = self.current.as_mut()?;
        let value = Scalar { kind, text, at };
        match key.as_ref() {
            "name" => value.string(&mut item.name),
            "model" => value.string(&mut item.model),
            "count" => value.number(&mut item.count),
            "per_day" => value.number(&mut item.per_day),
            "days" => value.number(&mut item.days),
            "retry_rate" => value.number(&mut item.retry_rate),
            "quality" => value.string(&mut item.quality),
            "size" => value.string(&mut item.size),
            "resolution" => value.string(&mut item.resolution),
            "seconds" => value.number(&mut item.seconds),
            "input_tokens" => value.number(&mut item.input_tokens),
            "cached_input_tokens" => value.number(&mut item.cached_input_tokens),
            "output_tokens" => value.number(&mut item.output_tokens),
            "prompt_tokens" => value.number(&mut item.prompt_tokens),
            "prompt" => value.string(&mut item.prompt),
            "input_images" => value.number(&mut item.input_images),
            "input_image_size" => value.string(&mut item.input_image_size),
            "input_fidelity" => value.string(&mut item.input_fidelity),
            "notes" if item.notes.is_none() => {
                let mut notes = None;
                value.string(&mut notes)?;
                item.notes = notes.map(Spanned::into_inner);
                Some(())
            }
            _ => None,
        }
    }
}

/// A decoded TOML scalar and where it is.
struct Scalar<'t> {
    kind: toml_parser::decoder::ScalarKind,
    text: Cow<'t, str>,
    at: std::ops::Range<usize>,
}

impl Scalar<'_> {
    /// Sets a string field (unset so far) as serde would.
    fn string(self, slot: &mut Option<Spanned<String>>) -> Option<()> {
        if slot.is_some() || self.kind != toml_parser::decoder::ScalarKind::String {
            return None;
        }
        *slot = Some(Spanned::new(self.at, self.text.into_owned()));
        Some(())
    }

    /// Sets a number field (unset so far) as [`RawNumber`]'s serde visitor
    /// would, from the value the `toml` crate would hand it.
    fn number(self, slot: &mut Option<Spanned<RawNumber>>) -> Option<()> {
        use toml_parser::decoder::ScalarKind;
        if slot.is_some() {
            return None;
        }
        let text = self.text.as_ref();
        let value = match self.kind {
            ScalarKind::String => parse_decimal(text).ok()?,
            ScalarKind::Integer(radix) => {
                Decimal::from(i64::from_str_radix(text, radix.value()).ok()?)
            }
            // An infinite or NaN float is refused here and left to serde,
            // which says why.
            ScalarKind::Float => decimal_from_toml_float_text(text).ok()?,
            ScalarKind::Boolean(_) | ScalarKind::DateTime => return None,
        };
        *slot = Some(Spanned::new(self.at, RawNumber(value)));
        Some(())
    }
}

impl toml_parser::parser::EventReceiver for ItemsReader<'_> {
    fn std_table_open(&mut self, _: toml_parser::Span, _: &mut dyn toml_parser::ErrorSink) {
        self.failed = true;
    }
    fn array_table_open(&mut self, span: toml_parser::Span, _: &mut dyn toml_parser::ErrorSink) {
        if self.header.is_some() || self.key.is_some() {
            self.failed = true;
        }
        self.header = Some((span.start(), None));
    }
    fn array_table_close(&mut self, span: toml_parser::Span, _: &mut dyn toml_parser::ErrorSink) {
        match self.header.take() {
            Some((start, Some(key))) if key == "items" => {
                let done = self
                    .current
                    .replace((start..span.end(), RawItem::default()));
                self.items
                    .extend(done.map(|(span, item)| Spanned::new(span, item)));
            }
            _ => self.failed = true,
        }
    }
    fn inline_table_open(
        &mut self,
        _: toml_parser::Span,
        _: &mut dyn toml_parser::ErrorSink,
    ) -> bool {
        self.failed = true;
        false
    }
    fn array_open(&mut self, _: toml_parser::Span, _: &mut dyn toml_parser::ErrorSink) -> bool {
        self.failed = true;
        false
    }
    fn simple_key(
        &mut self,
        span: toml_parser::Span,
        encoding: Option<Encoding>,
        _: &mut dyn toml_parser::ErrorSink,
    ) {
        self.key(span, encoding);
    }
    fn key_sep(&mut self, _: toml_parser::Span, _: &mut dyn toml_parser::ErrorSink) {
        self.failed = true;
    }
    fn scalar(
        &mut self,
        span: toml_parser::Span,
        encoding: Option<Encoding>,
        _: &mut dyn toml_parser::ErrorSink,
    ) {
        if self.value(span, encoding).is_none() {
            self.failed = true;
        }
    }
    fn value_sep(&mut self, _: toml_parser::Span, _: &mut dyn toml_parser::ErrorSink) {
        self.failed = true;
    }
    fn error(&mut self, _: toml_parser::Span, _: &mut dyn toml_parser::ErrorSink) {
        self.failed = true;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::raw::RawPlan;

    /// The fast reader's result against serde's on the same text: equal when
    /// the fast reader accepts it, and never accepting what serde refuses.
    fn same_as_serde(text: &str) -> bool {
        let fast = items_fast(text, 2);
        let serde = toml::from_str::<RawPlan>(text);
        match (&fast, serde) {
            (Some(f), Ok(s)) => assert_eq!(format!("{f:?}"), format!("{:?}", s.items), "{text}"),
            (Some(_), Err(e)) => panic!("read what serde refuses ({e}):\n{text}"),
            (None, _) => {}
        }
        fast.is_some()
    }

    /// Items as `benches/gen-plan.py` and people write them.
    const PLAIN: &str = "[[items]]\nname = \"item 0\"\nmodel = \"openai/gpt-image-1\"\ncount = 1\nquality = \"low\"\nsize = \"1024x1024\"\nprompt_tokens = 0\ninput_images = 1\ninput_image_size = \"1024x1024\"\n\n[[items]] # two\n  name = 'item \u{e9}'\nmodel = \"kie/gpt-image-2\"\ncount = \"2\"\nretry_rate = 0.2\nseconds = 1e1\n\"per_day\" = 3\ndays = +30\nresolution = \"720p\"\ninput_tokens = 1_000\ncached_input_tokens = 0x10\noutput_tokens = 5\nprompt = \"Say \\\"hi\\\"\\n\"\ninput_fidelity = \"high\"\nnotes = \"n\"\n\n[[items]]\n";

    #[test]
    fn the_fast_reader_reads_plain_items_as_serde_does() {
        assert!(same_as_serde(PLAIN), "the plain form takes the fast path");
        assert_eq!(items_fast(PLAIN, 3).map(|i| i.len()), Some(3));
        // Forms it leaves to serde (which reads or refuses them).
        for text in [
            "[[items]]\nlimits = { rpm = 5 }\n",
            "[[items]]\n[items.limits]\nrpm = 5\n",
            "[[items]]\nlimits.rpm = 5\n",
            "[[items]]\nqualty = \"high\"\n",
            "[[items]]\nname = \"a\"\nname = \"b\"\n",
            "[[items]]\ncount = true\n",
            "[[items]]\nname = 5\n",
            "[[items]]\ncount = 99999999999999999999\n",
            "[[items]]\ncount = 007\n",
            "[[items]]\ncount = \"x\"\n",
            "[[items]]\nseconds = nan\n",
            "[[items]]\nname = \"a\\q\"\n",
            "name = \"head\"\n[[items]]\n",
            "[[other]]\n",
            "[[items]]\nname = \"a\" x\n",
        ] {
            assert!(!same_as_serde(text), "{text}");
        }
    }

    use proptest::prelude::*;

    /// Every item key, and some that are wrong or spelt another way.
    fn keys() -> Vec<&'static str> {
        let mut keys = crate::plan::ITEM_FIELDS.to_vec();
        keys.extend(["notes", "qualty", "\"name\"", "'count'", "limits.rpm"]);
        keys
    }
    const VALUES: [&str; 26] = [
        "0",
        "-5",
        "007",
        "1_000",
        "0x1F",
        "0o17",
        "0b11",
        "99999999999999999999",
        "+3",
        "0.1",
        "1e3",
        "-0.0",
        "inf",
        "nan",
        "1.",
        "\"a\"",
        "'b'",
        "\"t\\t\\u00e9\"",
        "\"bad\\q\"",
        "\"\"",
        "\"12.50\"",
        "true",
        "2026-01-01",
        "{ rpm = 5 }",
        "[1, 2]",
        "\"x\" y",
    ];

    proptest! {
        #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

        #[test]
        fn the_fast_reader_agrees_with_serde(
            lines in prop::collection::vec((0usize..8, prop::sample::select(keys()), prop::sample::select(VALUES.to_vec()), any::<bool>()), 0..24)
        ) {
            let mut text = String::new();
            for (what, key, value, comment) in lines {
                match what {
                    0 => text.push_str("[[items]]"),
                    1 => text.push_str("[[ items ]]"),
                    2 => text.push_str("[items.limits]"),
                    _ => text.push_str(&format!("{key} = {value}")),
                }
                if comment {
                    text.push_str("  # c");
                }
                text.push('\n');
            }
            same_as_serde(&text);
        }

        #[test]
        fn the_fast_reader_agrees_with_serde_on_mutated_items(
            edits in prop::collection::vec((0usize..PLAIN.len(), any::<u8>(), 0u8..3), 1..6)
        ) {
            if let Some(text) = crate::plan::mutated(PLAIN, edits) {
                same_as_serde(&text);
            }
        }
    }
}
