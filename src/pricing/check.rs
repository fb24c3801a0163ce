//! `rates check [DIR…]`: validate tables and list every problem found, not
//! just the first, so a whole directory can be fixed in one pass.

use std::collections::BTreeMap;
use std::path::PathBuf;

use chrono::NaiveDate;
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
    /// With `--stale-after`: the age limit in days, and the providers whose
    /// newest table is older than that on `today` (warnings, not problems).
    pub stale_after_days: Option<u32>,
    pub stale: Vec<Stale>,
}

/// A provider whose newest table is older than `--stale-after`.
#[derive(Debug, Clone, Serialize)]
pub struct Stale {
    pub provider: String,
    pub newest: NaiveDate,
    pub age_days: i64,
    /// The whole line as `warning:` prints it.
    pub text: String,
}

/// Providers whose newest table (effective date) is more than `days` days
/// before `today`.
pub fn stale(tables: &[Table], today: NaiveDate, days: u32) -> Vec<Stale> {
    let mut newest: BTreeMap<&str, NaiveDate> = BTreeMap::new();
    for t in tables {
        let e = newest.entry(t.provider.as_str()).or_insert(t.effective);
        if t.effective > *e {
            *e = t.effective;
        }
    }
    newest
        .into_iter()
        .filter_map(|(p, d)| {
            let age = (today - d).num_days();
            (age > i64::from(days)).then(|| Stale {
                provider: p.to_string(),
                newest: d,
                age_days: age,
                text: format!(
                    "{p}: newest table is {d}, {age} days before {today} (--stale-after {days}d); check the vendor's prices and add a table"
                ),
            })
        })
        .collect()
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
/// found by the check. With `stale_after` = (today, days), also lists
/// providers whose newest table is older than `days` days.
pub fn check(
    dirs: &[PathBuf],
    builtin: bool,
    extra: &[PathBuf],
    stale_after: Option<(NaiveDate, u32)>,
) -> Result<CheckReport, BookError> {
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
    let stale_list = stale_after
        .map(|(today, days)| stale(&tables, today, days))
        .unwrap_or_default();
    Ok(CheckReport {
        stale_after_days: stale_after.map(|(_, d)| d),
        stale: stale_list,
        schema: "genbudget.rates.check/1",
        checked,
        tables: tables.len(),
        models,
        ok: problems.is_empty(),
        problems: problems.into_iter().map(Problem::from).collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stale_counts_days_from_the_newest_table() {
        let t = |p: &str, d: &str| {
            let text = format!(
                "schema = 1\nprovider = \"{p}\"\neffective = {d}\ncurrency = \"USD\"\nsource = \"s\"\n"
            );
            crate::pricing::parse_table("t.toml", &text, None).unwrap()
        };
        let tables = vec![
            t("a", "2026-01-01"),
            t("a", "2026-07-29"),
            t("b", "2026-07-28"),
        ];
        let today = NaiveDate::from_ymd_opt(2026, 11, 26).unwrap();
        // a: 2026-07-29 → 11-26 is 2 (Jul 30–31) + 31 + 30 + 31 + 26 = 120 days: not
        // more than 120, not stale. b: 2026-07-28 is 121 days: stale.
        let s = stale(&tables, today, 120);
        assert_eq!(s.len(), 1);
        assert_eq!(s[0].provider, "b");
        assert_eq!(s[0].age_days, 121);
    }
}
