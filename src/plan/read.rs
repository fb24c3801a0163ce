//! Reading a plan file's text: the fast path (`fast/chunks.rs`) when the
//! plan is large and plain enough to cut, the whole-file parse
//! (`validate.rs`) otherwise. Both give the same plan and the same
//! messages.

use super::{Plan, PlanError, fast, validate};
use crate::location::InputError;

/// Parses and checks a plan file's text. `file` names it in messages.
/// (See [`parse_owned`] to hand over the text instead of copying it.)
///
/// A large plan is cut into chunks of items read on every core
/// (`plan/fast/chunks.rs`); messages are the same as for a single parse.
pub fn parse(file: &str, source: &str) -> Result<Plan, PlanError> {
    let mut plan = parse_text(file, source)?;
    plan.source = source.to_string();
    Ok(plan)
}

/// [`parse`], keeping `source` in the plan without copying it.
pub fn parse_owned(file: &str, source: String) -> Result<Plan, PlanError> {
    let mut plan = parse_text(file, &source)?;
    plan.source = source;
    Ok(plan)
}

/// Parses `source`; the plan's `source` is left empty for the caller to set.
fn parse_text(file: &str, source: &str) -> Result<Plan, PlanError> {
    if source.trim().is_empty() {
        return Err(InputError::file(
            file,
            "the plan is empty; it needs `name = \"…\"` and at least one [[items]] table",
        )
        .into());
    }
    if let Some(result) = fast::chunks::parse(file, source) {
        return result;
    }
    validate::parse_whole(file, source)
}
