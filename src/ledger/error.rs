//! The ledger's typed errors, with stable codes.
//!
//! Every variant is an error in the contract's sense (exit 2); a denial is
//! not an error but a [`Decision`](super::Decision). Messages say what is
//! wrong and what would be valid, and name the field involved. No variant
//! names a database driver's type: a storage backend turns its driver's
//! errors into [`LedgerError::Busy`] or [`LedgerError::Backend`] (which
//! keeps the driver's error as its `source`).

/// What went wrong in a ledger operation. Nothing was written.
#[derive(Debug, thiserror::Error)]
pub enum LedgerError {
    /// A value given by the caller is not valid (names the field).
    #[error("{field}: {message}")]
    Input { field: String, message: String },
    /// The database cannot be used as a ledger (not ours, newer, read-only,
    /// missing); it was left untouched.
    #[error("{path}: {message}")]
    File { path: String, message: String },
    /// No such user.
    #[error("unknown user `{0}` (add it with `genbudget ledger user add {0}`)")]
    UnknownUser(String),
    /// No hold or charge under this key.
    #[error("unknown key `{0}`: no hold or charge was made under it")]
    UnknownKey(String),
    /// A key repeated with a different request.
    #[error(
        "key `{key}` was first used with {field} {first}, not {now}; a key names one request (field `{field}`)"
    )]
    KeyConflict {
        key: String,
        field: String,
        first: String,
        now: String,
    },
    /// The request does not fit the state it finds (settling a released
    /// hold, adding a user twice, …).
    #[error("{0}")]
    Conflict(String),
    /// Another writer held the ledger past the busy timeout.
    #[error(
        "the ledger is busy: another process held it for more than {timeout_ms} ms; nothing was written (try again)"
    )]
    Busy { timeout_ms: u64 },
    /// A stored row or entry does not read as the ledger writes it (a value
    /// outside its set, a missing field): the database was changed behind
    /// the ledger's back. `verify` says more.
    #[error("the ledger is damaged: {0}; run `genbudget ledger verify`")]
    Corrupt(String),
    /// The storage failed in a way the ledger does not expect; `source` is
    /// the driver's own error.
    #[error("{message}")]
    Backend {
        message: String,
        #[source]
        source: Box<dyn std::error::Error + Send + Sync + 'static>,
    },
    /// A file-system operation failed.
    #[error("{0}")]
    Io(String),
}

impl LedgerError {
    /// An input error about `field`.
    pub fn input(field: impl Into<String>, message: impl Into<String>) -> LedgerError {
        LedgerError::Input {
            field: field.into(),
            message: message.into(),
        }
    }

    /// A stable, machine-readable code for the kind of error (the HTTP
    /// service's `code`; scripts may branch on it).
    pub fn code(&self) -> &'static str {
        match self {
            LedgerError::Input { .. } => "invalid_input",
            LedgerError::File { .. } => "unusable_file",
            LedgerError::UnknownUser(_) => "unknown_user",
            LedgerError::UnknownKey(_) => "unknown_key",
            LedgerError::KeyConflict { .. } => "key_conflict",
            LedgerError::Conflict(_) => "conflict",
            LedgerError::Busy { .. } => "busy",
            LedgerError::Corrupt(_) => "corrupt",
            LedgerError::Backend { .. } => "storage",
            LedgerError::Io(_) => "io",
        }
    }

    /// The field a caller got wrong, where there is one.
    pub fn field(&self) -> Option<&str> {
        match self {
            LedgerError::Input { field, .. } | LedgerError::KeyConflict { field, .. } => {
                Some(field)
            }
            LedgerError::UnknownUser(_) => Some("user"),
            LedgerError::UnknownKey(_) => Some("key"),
            _ => None,
        }
    }

    /// Sets the timeout that a busy error reports.
    pub(crate) fn with_timeout(self, ms: u64) -> LedgerError {
        match self {
            LedgerError::Busy { .. } => LedgerError::Busy { timeout_ms: ms },
            other => other,
        }
    }
}

/// Results of ledger operations.
pub type Result<T, E = LedgerError> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_stable_and_distinct() {
        let all = [
            LedgerError::input("credits", "x"),
            LedgerError::File {
                path: "p".into(),
                message: "m".into(),
            },
            LedgerError::UnknownUser("u".into()),
            LedgerError::UnknownKey("k".into()),
            LedgerError::KeyConflict {
                key: "k".into(),
                field: "f".into(),
                first: "1".into(),
                now: "2".into(),
            },
            LedgerError::Conflict("c".into()),
            LedgerError::Busy { timeout_ms: 5 },
            LedgerError::Corrupt("x".into()),
            LedgerError::Backend {
                message: "m".into(),
                source: "driver".into(),
            },
            LedgerError::Io("io".into()),
        ];
        let codes: std::collections::BTreeSet<&str> = all.iter().map(LedgerError::code).collect();
        assert_eq!(codes.len(), all.len());
        assert_eq!(all[0].code(), "invalid_input");
        assert_eq!(all[0].field(), Some("credits"));
        assert_eq!(all[6].code(), "busy");
        // The driver's error stays reachable as the source.
        let src = std::error::Error::source(&all[8]).map(ToString::to_string);
        assert_eq!(src.as_deref(), Some("driver"));
    }
}
