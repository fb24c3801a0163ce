use super::item::record_spans;
use super::*;
use crate::plan::{Quantity, Spans, parse};

fn ok(src: &str) -> Plan {
    parse("p.toml", src).unwrap_or_else(|e| panic!("{e}"))
}

fn errors(src: &str) -> String {
    parse("p.toml", src).unwrap_err().to_string()
}

const ITEM: &str = "[[items]]\nname = \"a\"\nmodel = \"m\"\n";

#[test]
fn defaults_and_quantities() {
    let p = ok(&format!(
        "name = \"p\"\nretry_rate = 0.1\n{ITEM}count = 30\n[[items]]\nname = \"b\"\nmodel = \"m\"\nper_day = 20\ndays = 30\nretry_rate = \"0.2\"\n"
    ));
    assert_eq!(p.items[0].quantity, Quantity::Count(30));
    assert_eq!(p.items[0].retry_rate.to_string(), "0.1");
    // 20 a day for 30 days = 600 units.
    assert_eq!(p.items[1].quantity.total(), 600);
    assert_eq!(p.items[1].retry_rate.to_string(), "0.2");
    assert_eq!(p.contingency, Decimal::ZERO);
}

#[test]
fn a_number_that_cannot_be_read_exactly_is_refused() {
    for (value, says) in crate::money::UNREADABLE {
        let e = errors(&format!("name = \"p\"\n{ITEM}retry_rate = {value}\n"));
        assert!(
            e.starts_with("p.toml:5:14: field `items.retry_rate`: "),
            "{value}: {e}"
        );
        assert!(e.contains(says), "{value}: {e}");
    }
    // The same at the plan's top level, and zero written as zero.
    let e = errors(&format!("name = \"p\"\nbudget = 1e-400\n{ITEM}"));
    assert!(
        e.contains("p.toml:2:10: field `budget`: `1e-400` is not zero"),
        "{e}"
    );
    assert_eq!(
        ok(&format!(
            "name = \"p\"\n{ITEM}count = 1\nretry_rate = 0e-400\n"
        ))
        .items[0]
            .retry_rate,
        Decimal::ZERO
    );
}

#[test]
fn every_problem_is_reported_with_its_line() {
    let e = errors(&format!(
        "name = \"p\"\ncontingency = 11\n{ITEM}count = -1\n[[items]]\nname = \"a\"\nmodel = \"m\"\ncount = 1.5\n"
    ));
    assert!(e.contains("p.toml:2:15: field `contingency`"), "{e}");
    assert!(
        e.contains("p.toml:6:9: field `items.count`: item `a`: count must be 0 or more, not -1"),
        "{e}"
    );
    assert!(e.contains("count must be a whole number, not 1.5"), "{e}");
    assert!(
        e.contains("item name `a` is used twice (first by the item on line 3)"),
        "{e}"
    );
}

#[test]
fn duplicate_names_are_found_between_good_and_bad_items() {
    // Item `a` on line 3 is bad (count -1), the one on line 7 good, the
    // one on line 11 bad again: the second and third are duplicates of
    // the first, whichever of them passed their other checks.
    let item = |count: &str| format!("[[items]]\nname = \"a\"\nmodel = \"m\"\ncount = {count}\n");
    let e = errors(&format!(
        "name = \"p\"\n\n{}{}{}",
        item("-1"),
        item("1"),
        item("-2")
    ));
    assert_eq!(e.matches("(first by the item on line 3)").count(), 2, "{e}");
    assert!(
        e.contains("p.toml:8:8: field `items.name`: item name `a` is used twice"),
        "{e}"
    );
    assert!(
        e.contains("p.toml:12:8: field `items.name`: item name `a` is used twice"),
        "{e}"
    );
}

#[test]
fn huge_counts_are_refused_not_wrapped() {
    let e = errors(&format!(
        "name = \"p\"\n{ITEM}count = \"100000000000000000000000000\"\n"
    ));
    assert!(e.contains("too large to price"), "{e}");
    let e = errors(&format!(
        "name = \"p\"\n{ITEM}per_day = 1000000000000\ndays = 100000\n"
    ));
    assert!(e.contains("per_day × days"), "{e}");
}

#[test]
fn item_rules_each_name_the_item_and_field() {
    // One bad item per rule; each message names the item and the field.
    let cases = [
        ("per_day = 3\n", "items.days", "has `per_day` but no `days`"),
        ("days = 3\n", "items.per_day", "has `days` but no `per_day`"),
        (
            "count = 1\nper_day = 1\ndays = 1\n",
            "items.count",
            "gives both `count` and `per_day`/`days`",
        ),
        (
            "count = 1\nprompt = \"hi\"\ninput_tokens = 3\n",
            "items.prompt",
            "gives both `prompt` and `input_tokens`",
        ),
        (
            "count = 1\ninput_images = 2\n",
            "items.input_image_size",
            "no `input_image_size`",
        ),
        (
            "count = 1\ninput_image_size = \"1024x1024\"\n",
            "items.input_images",
            "but not how many",
        ),
        (
            "count = 1\ninput_images = 1\ninput_image_size = \"big\"\n",
            "items.input_image_size",
            "is not a size",
        ),
        (
            "count = 1\ninput_images = 1\ninput_image_size = \"1x1\"\ninput_fidelity = \"max\"\n",
            "items.input_fidelity",
            "valid: low, high",
        ),
        ("count = 1\nseconds = 0\n", "items.seconds", "more than 0"),
        (
            "count = 1\nretry_rate = -1\n",
            "items.retry_rate",
            "from 0 to 10",
        ),
        (
            "count = 1\nlimits = { latency_seconds = [120, 45] }\n",
            "items.limits.latency_seconds",
            "least ≤ most",
        ),
        (
            "count = 1\nlimits = { rpm = 0 }\n",
            "items.limits.rpm",
            "from 1",
        ),
        (
            "count = 1\nname = \"\"\n",
            "items.name",
            "has an empty name",
        ),
    ];
    for (body, field, says) in cases {
        let src = format!("name = \"p\"\n[[items]]\nmodel = \"m\"\n{body}");
        let src = if body.contains("name =") {
            src
        } else {
            src.replace("[[items]]\n", "[[items]]\nname = \"a\"\n")
        };
        let e = errors(&src);
        assert!(e.contains(&format!("field `{field}`")), "{body}: {e}");
        assert!(e.contains(says), "{body}: {e}");
    }
}

#[test]
fn request_fields_are_the_item_fields_after_the_quantity() {
    assert_eq!(crate::plan::REQUEST_FIELDS.first(), Some(&"quality"));
    assert_eq!(crate::plan::REQUEST_FIELDS.last(), Some(&"limits"));
    assert!(!crate::plan::REQUEST_FIELDS.contains(&"count"));
}

#[test]
fn every_item_key_has_a_span() {
    let src = "[[items]]\nname = \"a\"\nmodel = \"m\"\ncount = 1\nper_day = 1\ndays = 1\nretry_rate = 0\nquality = \"q\"\nsize = \"s\"\nresolution = \"r\"\nseconds = 1\ninput_tokens = 1\ncached_input_tokens = 1\noutput_tokens = 1\nprompt_tokens = 1\nprompt = \"p\"\ninput_images = 1\ninput_image_size = \"1x1\"\ninput_fidelity = \"low\"\nlimits = { rpm = 1 }\n";
    let raw: RawPlan = toml::from_str(src).unwrap();
    let mut spans = Spans::new(raw.items[0].span());
    record_spans(raw.items[0].get_ref(), &mut spans);
    for field in crate::plan::ITEM_FIELDS {
        assert!(spans.has(field), "{field}");
        // The span starts at the value, just after `field = `.
        let at = spans.of(field).start;
        assert!(src[..at].ends_with(&format!("{field} = ")), "{field}");
    }
}

#[test]
fn input_images_are_tokenised() {
    let p = ok(&format!(
        "name = \"p\"\n{ITEM}count = 1\ninput_images = 2\ninput_image_size = \"1024x1536\"\ninput_fidelity = \"high\"\n"
    ));
    let im = p.items[0].input_images.unwrap();
    // 1024x1536: 2 tiles -> 65 + 258 = 323, + 6240 at high fidelity = 6563.
    assert_eq!((im.count, im.tokens_each), (2, 6563));
}
