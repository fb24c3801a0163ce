//! Fuzzing the plan parser with proptest: arbitrary text, and mutations of
//! a real plan (bytes dropped, duplicated or replaced), never panic —
//! they parse or give located errors.

use crate::plan::parse;
use proptest::prelude::*;

const EXAMPLE: &str = include_str!("../../../examples/mixed-campaign.toml");

fn check(src: &str) {
    match parse("fuzz.toml", src) {
        Ok(p) => assert!(!p.items.is_empty()),
        Err(e) => {
            assert!(!e.0.is_empty());
            for problem in &e.0 {
                assert_eq!(problem.file, "fuzz.toml");
                assert!(!problem.message.is_empty());
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 3000, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_text_never_panics(src in "\\PC{0,400}") {
        check(&src);
    }

    #[test]
    fn toml_like_text_never_panics(
        src in "(name = \"[a-z]{0,5}\"\n)?((\\[\\[items\\]\\]\n)|([a-z_]{1,12} = (-?[0-9]{1,30}(\\.[0-9]{0,8})?|\"[a-z0-9x.\\-]{0,12}\"|\\[[0-9, ]{0,10}\\]|\\{[a-z_ =0-9,]{0,30}\\})\n)){0,20}"
    ) {
        check(&src);
    }

    #[test]
    fn mutated_plans_never_panic(
        edits in prop::collection::vec((0usize..EXAMPLE.len(), any::<u8>(), 0u8..3), 1..8)
    ) {
        if let Some(src) = crate::plan::mutated(EXAMPLE, edits) {
            check(&src);
        }
    }
}
