//! PostgreSQL rows as the ledger's shared decoders read them
//! ([`Cols`], decoders in `ledger/rows.rs`), the column lists in their
//! order, and the head row.

use tokio_postgres::Row;

use crate::ledger::error::{LedgerError, Result};
use crate::ledger::journal::Head;
use crate::ledger::settings::Settings;
use crate::ledger::state::PartyRow;

pub(super) use crate::ledger::rows::{
    Cols, counters_from, day, entry_from, grant_from, hold_from, org_from, settings_at, token_from,
    user_from,
};

impl Cols for Row {
    fn int(&self, i: usize) -> Result<i64> {
        Ok(self.try_get(i)?)
    }
    fn opt_int(&self, i: usize) -> Result<Option<i64>> {
        Ok(self.try_get(i)?)
    }
    fn text(&self, i: usize) -> Result<String> {
        Ok(self.try_get(i)?)
    }
    fn opt_text(&self, i: usize) -> Result<Option<String>> {
        Ok(self.try_get(i)?)
    }
    fn bytes(&self, i: usize) -> Result<Vec<u8>> {
        Ok(self.try_get(i)?)
    }
    fn flag(&self, i: usize) -> Result<bool> {
        Ok(self.try_get(i)?)
    }
    fn first(&self) -> String {
        self.try_get::<_, String>(0)
            .or_else(|_| self.try_get::<_, i64>(0).map(|i| i.to_string()))
            .unwrap_or_default()
    }
}

pub(super) fn settings_from(r: Option<&Row>) -> Result<Settings> {
    let r = r.ok_or_else(|| LedgerError::Corrupt("the settings row is missing".into()))?;
    settings_at(r, 0)
}

/// The org's row, which must be there.
pub(super) fn org_of(r: Option<&Row>) -> Result<PartyRow> {
    org_from(r.ok_or_else(|| LedgerError::Corrupt("the org's cache row is missing".into()))?)
}

/// The head row (`seq`, `hash`).
pub(super) fn head_from(r: &Row) -> Result<Head> {
    Ok(Head {
        seq: r.try_get(0)?,
        hash: r.try_get(1)?,
    })
}

pub(super) const USER_COLUMNS: &str = "id, cap, period, max_holds, open_holds, spent, held, allow_spent, allow_held, overruns, limits_seq";

pub(super) const GRANT_COLUMNS: &str = r#"key, "user", credits, expires, spent, held, seq"#;

pub(super) const HOLD_COLUMNS: &str = r#"key, kind, "user", model, day, credits, allow, grants, created_at, expires_at, state, settled, overrun, seq, end_seq"#;

pub(super) const TOKEN_COLUMNS: &str =
    r#"name, role, "user", sha256, created_at, seq, revoked_at, revoked_seq"#;

pub(super) const ENTRY_COLUMNS: &str =
    r#"seq, at, kind, "user", key, model, day, credits, over, data, prev_hash, hash"#;
