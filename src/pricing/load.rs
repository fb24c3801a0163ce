//! Reading tables: the built-in ones compiled into the binary and `--pricing`
//! directories layered over them.
//!
//! A directory holds `<provider>/<effective-date>.toml` files. Layering: a
//! later source's file for the same provider and date replaces the earlier
//! one whole; other files add versions. Every problem in every file is
//! collected, so `rates check` can list them all.

use std::path::Path;

use super::model::Table;
use super::validate::{Expect, parse_table};
use crate::location::{InputError, InputKind, decode, describe_io, read_bytes_as};

include!(concat!(env!("OUT_DIR"), "/builtin_tables.rs"));

/// The built-in tables, parsed. Problems here are bugs in a release, but are
/// still reported, never panicked on.
pub fn builtin_tables() -> (Vec<Table>, Vec<InputError>) {
    let mut tables = Vec::new();
    let mut problems = Vec::new();
    for (rel, text) in BUILTIN {
        let origin = format!("builtin:pricing/{rel}");
        match parse_at(&origin, text, rel) {
            Ok(t) => tables.push(t),
            Err(mut e) => problems.append(&mut e),
        }
    }
    (tables, problems)
}

fn parse_at(origin: &str, text: &str, rel: &str) -> Result<Table, Vec<InputError>> {
    let mut parts = rel.rsplitn(2, '/');
    let file = parts.next().unwrap_or("");
    let folder = parts.next().unwrap_or("");
    let stem = file.strip_suffix(".toml").unwrap_or(file);
    parse_table(origin, text, Some(Expect { folder, stem }))
}

/// What a directory of tables held.
#[derive(Debug, Default)]
pub struct DirTables {
    pub tables: Vec<Table>,
    /// Problems in the tables' text.
    pub problems: Vec<InputError>,
    /// The directory, or a table file in it, that could not be read at all
    /// (missing, unreadable, not a regular file, too large).
    pub unreadable: Vec<InputError>,
}

/// Reads every table under `dir` (`<provider>/<date>.toml`).
pub fn dir_tables(dir: &Path) -> DirTables {
    let name = dir.display().to_string();
    let mut out = DirTables::default();
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) => {
            let why = if dir.is_file() {
                "is a file; --pricing takes a directory of <provider>/<date>.toml tables"
                    .to_string()
            } else {
                describe_io(&e)
            };
            out.unreadable.push(InputError::file(name, why));
            return out;
        }
    };
    let mut providers: Vec<_> = entries.flatten().map(|e| e.path()).collect();
    providers.sort();
    for path in providers {
        if path.is_dir() {
            let mut files: Vec<_> = std::fs::read_dir(&path)
                .into_iter()
                .flatten()
                .flatten()
                .map(|e| e.path())
                .collect();
            files.sort();
            for file in files
                .into_iter()
                .filter(|f| f.extension().is_some_and(|x| x == "toml"))
            {
                match read_bytes_as(&file, InputKind::Table) {
                    Ok(bytes) => match parse_file(&file, bytes) {
                        Ok(t) => out.tables.push(t),
                        Err(mut e) => out.problems.append(&mut e),
                    },
                    Err(e) => out.unreadable.push(e),
                }
            }
        } else if path.extension().is_some_and(|x| x == "toml") {
            out.problems.push(InputError::file(
                path.display().to_string(),
                "a table must sit in its provider's folder: <dir>/<provider>/<effective-date>.toml",
            ));
        }
    }
    out
}

/// Reads one table file, checking it against its folder and file name.
pub fn read_file(path: &Path) -> Result<Table, Vec<InputError>> {
    let bytes = read_bytes_as(path, InputKind::Table).map_err(|e| vec![e])?;
    parse_file(path, bytes)
}

fn parse_file(path: &Path, bytes: Vec<u8>) -> Result<Table, Vec<InputError>> {
    let origin = path.display().to_string();
    let text = decode(&origin, bytes).map_err(|e| vec![e])?;
    let folder = path
        .parent()
        .and_then(|p| p.file_name())
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    parse_table(
        &origin,
        &text,
        Some(Expect {
            folder: &folder,
            stem: &stem,
        }),
    )
}
