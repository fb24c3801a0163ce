//! Service tokens for `genbudget serve`: `ledger token add|list|revoke`.
//!
//! A token's secret is 256 random bits from the operating system, written
//! `gbt_` + base64url, shown once by `add`. The journal and the cache keep
//! only its SHA-256; [`authenticate`] hashes a presented secret and
//! compares it with every active token's hash in constant time. Adding and
//! revoking are journal entries, so `verify` covers tokens too; a revoked
//! token stops working on the next request, and its name is never reused.

use base64::Engine as _;
use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::ledger::docs::{TokenDoc, TokensDoc};
use crate::ledger::error::{LedgerError, Result};
use crate::ledger::event::{Event, TokenAdded};
use crate::ledger::input;
use crate::ledger::state::{Role, Token};

use super::Tx;

/// The prefix of every secret.
pub const SECRET_PREFIX: &str = "gbt_";

/// A fresh secret: `gbt_` + 32 random bytes in base64url (43 characters).
pub(crate) fn new_secret() -> Result<String> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes)
        .map_err(|e| LedgerError::Io(format!("no random bytes for a token secret: {e}")))?;
    Ok(format!(
        "{SECRET_PREFIX}{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
    ))
}

/// Hex SHA-256 of a secret, as stored.
pub fn secret_hash(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

fn doc(t: &Token, secret: Option<String>) -> TokenDoc {
    TokenDoc {
        schema: "genbudget.token/1",
        name: t.name.clone(),
        role: t.role.as_str(),
        user: t.user.clone(),
        created_at: t.created_at.clone(),
        revoked_at: t.revoked_at.clone(),
        secret,
    }
}

/// Adds a token; returns its document with the secret (shown once).
pub(crate) fn add(
    tx: &mut Tx<'_>,
    now: DateTime<Utc>,
    name: &str,
    role: Role,
    user: Option<&str>,
) -> Result<TokenDoc> {
    input::user_id(name).map_err(|m| {
        LedgerError::input("name", m.replace("is not a user id", "is not a token name"))
    })?;
    match (role, user) {
        (Role::User, None) => {
            return Err(LedgerError::input(
                "user",
                "a `user` token is bound to one user; give the user",
            ));
        }
        (Role::Admin | Role::App, Some(_)) => {
            return Err(LedgerError::input(
                "user",
                format!(
                    "an `{}` token is not bound to a user; give a user only with role `user`",
                    role.as_str()
                ),
            ));
        }
        (_, Some(u)) => {
            input::check_user(u)?;
            tx.user_row(u)?;
        }
        (_, None) => {}
    }
    tx.sweep(now)?;
    if let Some(t) = tx.st.token(name)? {
        let state = if t.revoked_seq.is_some() {
            "a revoked token (names are not reused)"
        } else {
            "a token"
        };
        return Err(LedgerError::Conflict(format!(
            "`{name}` already names {state}; choose another name"
        )));
    }
    let secret = new_secret()?;
    let e = Event::TokenAdd(TokenAdded {
        name: name.into(),
        role,
        user: user.map(String::from),
        sha256: secret_hash(&secret),
    });
    tx.append(now, e)?;
    let t = tx
        .st
        .token(name)?
        .ok_or_else(|| LedgerError::Corrupt(format!("token `{name}` was not stored")))?;
    Ok(doc(&t, Some(secret)))
}

/// Revokes a token; revoking it again returns the same document.
pub(crate) fn revoke(tx: &mut Tx<'_>, now: DateTime<Utc>, name: &str) -> Result<TokenDoc> {
    tx.sweep(now)?;
    let t = tx
        .st
        .token(name)?
        .ok_or_else(|| LedgerError::input("name", format!("no token is called `{name}`")))?;
    if t.revoked_seq.is_some() {
        return Ok(doc(&t, None));
    }
    tx.append(now, Event::TokenRevoke { name: name.into() })?;
    let t = tx
        .st
        .token(name)?
        .ok_or_else(|| LedgerError::Corrupt(format!("token `{name}` vanished")))?;
    Ok(doc(&t, None))
}

/// Every token, revoked ones too (no secrets).
pub(crate) fn list(tx: &mut Tx<'_>) -> Result<TokensDoc> {
    Ok(TokensDoc {
        schema: "genbudget.tokens/1",
        tokens: tx.st.tokens()?.iter().map(|t| doc(t, None)).collect(),
    })
}

/// The active token whose secret this is, if any. Every active token's
/// hash is compared, each in constant time, so the time taken says nothing
/// about which (if any) matched or how closely.
pub(crate) fn authenticate(tx: &mut Tx<'_>, secret: &str) -> Result<Option<Token>> {
    Ok(matching(active(tx)?, secret))
}

/// Every token not revoked.
pub(crate) fn active(tx: &mut Tx<'_>) -> Result<Vec<Token>> {
    let mut all = tx.st.tokens()?;
    all.retain(|t| t.revoked_seq.is_none());
    Ok(all)
}

/// The token among `tokens` whose secret `secret` is, compared in constant
/// time against every one (as `Ledger::authenticate` does).
pub fn matching(tokens: impl IntoIterator<Item = Token>, secret: &str) -> Option<Token> {
    let presented = Sha256::digest(secret.as_bytes());
    let mut found = None;
    for t in tokens {
        let Ok(stored) = hex::decode(&t.sha256) else {
            continue;
        };
        let same: bool = stored.ct_eq(presented.as_slice()).into();
        if same && t.revoked_seq.is_none() {
            found = Some(t);
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_256_bits_and_differ() {
        let a = new_secret().unwrap();
        let b = new_secret().unwrap();
        assert!(a.starts_with("gbt_"));
        // 32 bytes in unpadded base64 are 43 characters.
        assert_eq!(a.len(), 4 + 43);
        assert_ne!(a, b);
        // The stored form is the hex SHA-256 (of "gbt_x" here, known).
        assert_eq!(
            secret_hash("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
