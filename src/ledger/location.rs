//! Where a ledger lives: a SQLite file, or a PostgreSQL database named by
//! a `postgres://` (or `postgresql://`) URL. [`Location::parse`] tells them
//! apart the same way for `--db`, `GENBUDGET_DB` and the library.

use std::path::{Path, PathBuf};

/// A ledger's storage.
#[derive(Clone, PartialEq, Eq)]
pub enum Location {
    /// A SQLite file.
    File(PathBuf),
    /// A PostgreSQL URL (it may carry a password: show it with
    /// [`Location::shown`], never with `{:?}` of the string).
    Postgres(String),
}

impl Location {
    /// A URL starting `postgres://` or `postgresql://` is a PostgreSQL
    /// database; anything else is a file path.
    pub fn parse(text: &str) -> Location {
        if super::postgres::is_url(text) {
            Location::Postgres(text.to_string())
        } else {
            Location::File(PathBuf::from(text))
        }
    }

    /// [`Location::parse`] for a path that may hold a URL (`--db`).
    pub fn from_path(path: &Path) -> Location {
        match path.to_str() {
            Some(s) if super::postgres::is_url(s) => Location::Postgres(s.to_string()),
            _ => Location::File(path.to_path_buf()),
        }
    }

    /// For messages and documents: the path, or the URL without its
    /// password.
    pub fn shown(&self) -> String {
        match self {
            Location::File(p) => p.display().to_string(),
            Location::Postgres(url) => super::postgres::redact(url),
        }
    }
}

/// Never prints a password.
impl std::fmt::Debug for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Location::File(p) => f.debug_tuple("File").field(p).finish(),
            Location::Postgres(_) => f.debug_tuple("Postgres").field(&self.shown()).finish(),
        }
    }
}

impl std::fmt::Display for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.shown())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_and_paths() {
        assert!(matches!(
            Location::parse("postgres://h/d"),
            Location::Postgres(_)
        ));
        assert!(matches!(
            Location::parse("postgresql://h/d"),
            Location::Postgres(_)
        ));
        assert_eq!(
            Location::parse("ledger.db"),
            Location::File("ledger.db".into())
        );
        let l = Location::parse("postgres://u:pw@h/d");
        assert_eq!(l.to_string(), "postgres://u@h/d");
        assert!(!format!("{l:?}").contains("pw"));
    }
}
