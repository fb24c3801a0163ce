//! Integration tests: `genbudget estimate`.
//!
//! Transcripts (args → stdout, stderr, exit code) live in `tests/cmd/estimate/`
//! as trycmd cases, each with its hand working in a comment; the tests below
//! check JSON fields and meanings, and the rules the transcripts can't show
//! at a glance. Expected figures are worked by hand from the fixture tables.

use crate::common;

/// Every transcript under `tests/cmd/estimate/` (run `TRYCMD=overwrite` to
/// regenerate after a deliberate change, then review the diff).
#[test]
fn transcripts() {
    trycmd::TestCases::new()
        .register_bin("genbudget", common::bin())
        .case("tests/cmd/estimate/*.toml");
}
