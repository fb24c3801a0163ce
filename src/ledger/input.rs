//! Validation of the values callers pass in: user ids, keys, amounts,
//! durations, caps.
//!
//! The CLI runs these as clap value parsers (so a bad flag is refused before
//! the database is even opened), and the library runs them again on every
//! request, so a Rust caller gets the same errors.

use super::amount::Micros;
use super::error::{LedgerError, Result};

/// Longest user id.
pub const MAX_USER_LEN: usize = 64;
/// Longest key.
pub const MAX_KEY_LEN: usize = 128;
/// Longest TTL of a hold (30 days): longer is almost surely a typo.
pub const MAX_TTL_SECS: i64 = 30 * 24 * 3600;

/// Checks a user id: 1–64 characters from `A-Z a-z 0-9 . _ @ -`.
pub fn user_id(id: &str) -> Result<(), String> {
    let ok_char = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '@' | '-');
    if id.is_empty() || id.len() > MAX_USER_LEN || !id.chars().all(ok_char) {
        return Err(format!(
            "{} is not a user id; use 1–{MAX_USER_LEN} characters from A-Z a-z 0-9 . _ @ -",
            shown(id)
        ));
    }
    Ok(())
}

/// Checks a key: 1–128 printable characters without spaces.
pub fn key(key: &str) -> Result<(), String> {
    let ok_char = |c: char| !c.is_whitespace() && !c.is_control();
    if key.is_empty() || key.chars().count() > MAX_KEY_LEN || !key.chars().all(ok_char) {
        return Err(format!(
            "{} is not a key; use 1–{MAX_KEY_LEN} printable characters without spaces (e.g. a job id)",
            shown(key)
        ));
    }
    Ok(())
}

/// A value as an error quotes it: whole when short, else its start and
/// its length (a 10,000-character key is not echoed back).
fn shown(text: &str) -> String {
    const MAX: usize = 2 * MAX_KEY_LEN;
    let n = text.chars().count();
    if n <= MAX {
        format!("`{text}`")
    } else {
        let start: String = text.chars().take(24).collect();
        format!("`{start}…` ({n} characters)")
    }
}

/// Parses a duration: one or more groups of a whole number and a unit
/// `s`, `m`, `h` or `d` (`90s`, `15m`, `1h30m`, `2d`), more than zero and at
/// most 30 days. Returns seconds.
pub fn duration(text: &str) -> Result<i64, String> {
    let bad =
        || format!("`{text}` is not a duration; write it like 90s, 15m, 1h30m or 2d (at most 30d)");
    let t = text.trim();
    if t.is_empty() {
        return Err(bad());
    }
    let mut total: i64 = 0;
    let mut number = String::new();
    for c in t.chars() {
        if c.is_ascii_digit() {
            number.push(c);
            continue;
        }
        let unit = match c {
            's' => 1,
            'm' => 60,
            'h' => 3600,
            'd' => 86_400,
            _ => return Err(bad()),
        };
        let n: i64 = number.parse().map_err(|_| bad())?;
        number.clear();
        total = n
            .checked_mul(unit)
            .and_then(|v| total.checked_add(v))
            .ok_or_else(bad)?;
    }
    if !number.is_empty() || total <= 0 || total > MAX_TTL_SECS {
        return Err(bad());
    }
    Ok(total)
}

/// Writes seconds back as the shortest duration text (`900` → `15m`).
pub fn duration_text(secs: i64) -> String {
    let mut out = String::new();
    let mut rest = secs;
    for (unit, len) in [("d", 86_400), ("h", 3600), ("m", 60), ("s", 1)] {
        if rest >= len {
            out.push_str(&format!("{}{unit}", rest / len));
            rest %= len;
        }
    }
    if out.is_empty() { "0s".into() } else { out }
}

/// Parses a cap: an amount of credits, or `none` for no cap.
pub fn cap(text: &str) -> Result<Option<Micros>, String> {
    if text.trim() == "none" {
        return Ok(None);
    }
    Micros::parse(text)
        .map(Some)
        .map_err(|e| format!("{e} (or `none` for no cap)"))
}

/// Parses `max_holds`: a whole number, or `none` for no limit.
pub fn max_holds(text: &str) -> Result<Option<i64>, String> {
    if text.trim() == "none" {
        return Ok(None);
    }
    text.trim()
        .parse::<u32>()
        .map(|n| Some(i64::from(n)))
        .map_err(|_| {
            format!("`{text}` is not a number of holds; use a whole number like 10 (or `none`)")
        })
}

/// Parses an amount of credits for a request (holds, charges, grants).
pub fn amount(text: &str) -> Result<Micros, String> {
    Micros::parse(text)
}

/// Library-side check of a user id, naming the field.
pub(crate) fn check_user(id: &str) -> Result<()> {
    user_id(id).map_err(|m| LedgerError::input("user", m))
}

/// Library-side check of a key, naming the field.
pub(crate) fn check_key(k: &str) -> Result<()> {
    key(k).map_err(|m| LedgerError::input("key", m))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_ids() {
        assert!(user_id("alice@example.com").is_ok());
        assert!(user_id("a.b_c-d").is_ok());
        assert!(user_id(&"x".repeat(64)).is_ok());
        for bad in ["", "al ice", "bob/1", "é", &"x".repeat(65)] {
            assert!(user_id(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn durations() {
        assert_eq!(duration("15m"), Ok(900));
        assert_eq!(duration("1h30m"), Ok(5400));
        assert_eq!(duration("90s"), Ok(90));
        assert_eq!(duration("30d"), Ok(2_592_000));
        for bad in ["", "15", "m", "0m", "10x", "31d", "1.5h", "-5m"] {
            assert!(duration(bad).is_err(), "{bad}");
        }
        assert_eq!(duration_text(5400), "1h30m");
        assert_eq!(duration_text(900), "15m");
    }

    #[test]
    fn caps_and_holds() {
        assert_eq!(cap("none"), Ok(None));
        assert_eq!(cap("500"), Ok(Some(Micros(500_000_000))));
        assert!(cap("-1").is_err());
        assert_eq!(max_holds("10"), Ok(Some(10)));
        assert!(max_holds("-1").is_err());
        assert!(max_holds("2.5").is_err());
    }

    #[test]
    fn keys() {
        assert!(key("job-42:render/1").is_ok());
        assert!(key("").is_err());
        assert!(key("a b").is_err());
    }
}
