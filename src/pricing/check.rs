//! `rates check [DIR…]`: validate tables and list every problem found, not
//! just the first, so a whole directory can be fixed in one pass.

use std::path::PathBuf;

use serde::Serialize;

use super::book::BookError;
use super::load::{DirTables, builtin_tables, dir_tables};
use super::model::Table;
use crate::location::InputError;

/// What `rates check` found.
#[derive(Debug, Clone, Serialize)]
pub struct CheckReport {
    pub schema: &'static str,
    /// The directories checked (`builtin` for the built-in tables).
    pub checked: Vec<String>,
    pub tables: usize,
    pub models: usize,
    pub ok: bool,
    pub problems: Vec<Problem>,
}

/// One problem, located.
#[derive(Debug, Clone, Serialize)]
pub struct Problem {
    pub file: String,
    pub line: Option<usize>,
    pub column: Option<usize>,
    pub field: Option<String>,
    pub message: String,
    /// The whole line as `error:` would print it.
    pub text: String,
}

impl From<InputError> for Problem {
    fn from(e: InputError) -> Problem {
        Problem {
            text: e.to_string(),
            file: e.file,
            line: e.line,
            column: e.column,
            field: e.field,
            message: e.message,
        }
    }
}

/// Checks `dirs`, or (when empty) the book in use: the built-in tables
/// (if `builtin`) and `extra` directories. A directory or table file that
/// cannot be read at all is an error (every one is listed), not a problem
/// found by the check.
pub fn check(dirs: &[PathBuf], builtin: bool, extra: &[PathBuf]) -> Result<CheckReport, BookError> {
    let mut tables: Vec<Table> = Vec::new();
    let mut problems: Vec<InputError> = Vec::new();
    let mut checked = Vec::new();
    let targets: &[PathBuf] = if dirs.is_empty() { extra } else { dirs };
    if dirs.is_empty() && builtin {
        let (t, p) = builtin_tables();
        tables.extend(t);
        problems.extend(p);
        checked.push("builtin".to_string());
    }
    let mut unreadable = Vec::new();
    for d in targets {
        let DirTables {
            tables: t,
            problems: p,
            unreadable: mut u,
        } = dir_tables(d);
        if t.is_empty() && p.is_empty() && u.is_empty() {
            problems.push(InputError::file(
                d.display().to_string(),
                "holds no <provider>/<date>.toml tables",
            ));
        }
        tables.extend(t);
        problems.extend(p);
        unreadable.append(&mut u);
        checked.push(d.display().to_string());
    }
    if !unreadable.is_empty() {
        return Err(BookError(unreadable));
    }
    for t in &tables {
        if t.source.trim().is_empty() {
            problems.push(InputError::file(
                &t.origin,
                "field `source` is empty; every table cites where its prices were read",
            ));
        }
    }
    let models = tables.iter().map(|t| t.models.len()).sum();
    Ok(CheckReport {
        schema: "genbudget.rates.check/1",
        checked,
        tables: tables.len(),
        models,
        ok: problems.is_empty(),
        problems: problems.into_iter().map(Problem::from).collect(),
    })
}
