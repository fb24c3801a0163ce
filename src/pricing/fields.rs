//! Which fields of one unit of work a model of each kind takes.
//!
//! A plan item (`genbudget estimate`) and a usage line (`genbudget
//! compare`) describe a unit of work with the same fields; which of them
//! apply depends only on the model's kind. Both refuse the others, by this
//! one list.

use super::Kind;

/// The work fields that apply to a model of `kind` (the others are
/// refused for it; `limits` applies to every kind).
pub fn work_fields_for(kind: Kind) -> &'static [&'static str] {
    match kind {
        Kind::Image => &[
            "quality",
            "size",
            "prompt",
            "prompt_tokens",
            "input_images",
            "input_image_size",
            "input_fidelity",
        ],
        Kind::Video => &["seconds", "resolution"],
        Kind::Text => &[
            "input_tokens",
            "cached_input_tokens",
            "output_tokens",
            "prompt",
        ],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_kind_takes_its_own_fields() {
        assert!(work_fields_for(Kind::Image).contains(&"input_images"));
        assert!(!work_fields_for(Kind::Image).contains(&"seconds"));
        assert_eq!(work_fields_for(Kind::Video), ["seconds", "resolution"]);
        // A prompt is counted as input tokens (text) or prompt tokens
        // (image); a clip takes none.
        for kind in [Kind::Image, Kind::Text] {
            assert!(work_fields_for(kind).contains(&"prompt"), "{kind}");
        }
        assert!(!work_fields_for(Kind::Text).contains(&"quality"));
    }
}
