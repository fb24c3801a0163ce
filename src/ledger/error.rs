//! The ledger's typed errors.
//!
//! Every variant is an error in the contract's sense (exit 2); a denial is
//! not an error but a [`Decision`](super::Decision). Messages say what is
//! wrong and what would be valid, and name the flag or field involved.

/// What went wrong in a ledger operation. Nothing was written.
#[derive(Debug, thiserror::Error)]
pub enum LedgerError {
    /// A value given by the caller is not valid (names the field).
    #[error("{field}: {message}")]
    Input { field: String, message: String },
    /// The database file cannot be used as a ledger (not ours, newer,
    /// read-only, missing); it was left untouched.
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
    /// Another process held the write lock past the busy timeout.
    #[error(
        "the ledger is busy: another process held it for more than {timeout_ms} ms; nothing was written (try again)"
    )]
    Busy { timeout_ms: u64 },
    /// SQLite failed in a way the ledger does not expect.
    #[error("database error: {0}")]
    Sqlite(#[source] rusqlite::Error),
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

    /// Sets the timeout that a busy error reports.
    pub(crate) fn with_timeout(self, ms: u64) -> LedgerError {
        match self {
            LedgerError::Busy { .. } => LedgerError::Busy { timeout_ms: ms },
            other => other,
        }
    }
}

impl From<rusqlite::Error> for LedgerError {
    fn from(e: rusqlite::Error) -> LedgerError {
        use rusqlite::ffi::ErrorCode;
        match e.sqlite_error_code() {
            Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => {
                LedgerError::Busy { timeout_ms: 0 }
            }
            _ => LedgerError::Sqlite(e),
        }
    }
}

/// Results of ledger operations.
pub type Result<T, E = LedgerError> = std::result::Result<T, E>;
