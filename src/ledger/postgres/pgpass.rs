//! libpq's password file, read as libpq reads it: `PGPASSFILE`, else
//! `~/.pgpass`; one `hostname:port:database:username:password` per line,
//! `*` matching anything in the first four fields, `\:` and `\\` escaping
//! a colon and a backslash, `#` starting a comment; the first line that
//! matches gives the password. A Unix-socket connection matches the host
//! `localhost` (and its socket directory written out). As libpq does, a
//! file that the group or others can read is ignored, and the connection
//! error then says so.

use std::os::unix::fs::PermissionsExt;
use std::path::PathBuf;

/// What the password file gave.
#[derive(Debug, PartialEq, Eq)]
pub enum Lookup {
    Password(String),
    /// No file, or no line for this connection.
    Nothing,
    /// The file is there but was not read (why, for the error message).
    Ignored(String),
}

/// The password file's place.
pub(super) fn path() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("PGPASSFILE").filter(|p| !p.is_empty()) {
        return Some(PathBuf::from(p));
    }
    std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".pgpass"))
}

/// The password for a connection to `hosts` (the first one that has a
/// line), `port`, `database` as `user`.
pub fn lookup(hosts: &[String], port: u16, database: &str, user: &str) -> Lookup {
    let Some(path) = path() else {
        return Lookup::Nothing;
    };
    let Ok(meta) = std::fs::metadata(&path) else {
        return Lookup::Nothing;
    };
    if !meta.is_file() {
        return Lookup::Nothing;
    }
    if meta.permissions().mode() & 0o077 != 0 {
        return Lookup::Ignored(format!(
            "the password file {} was ignored: the group or others can read it (chmod 600 it)",
            path.display()
        ));
    }
    let Ok(text) = std::fs::read_to_string(&path) else {
        return Lookup::Ignored(format!(
            "the password file {} could not be read",
            path.display()
        ));
    };
    let port = port.to_string();
    hosts
        .iter()
        .find_map(|h| find(&text, h, &port, database, user))
        .map_or(Lookup::Nothing, Lookup::Password)
}

/// The password of the first line of `text` that matches.
pub fn find(text: &str, host: &str, port: &str, database: &str, user: &str) -> Option<String> {
    let unix = host.starts_with('/');
    text.lines().find_map(|line| {
        let f = fields(line)?;
        let is = |pattern: &str, value: &str| pattern == "*" || pattern == value;
        let host_ok = is(&f[0], host) || (unix && f[0] == "localhost");
        (host_ok && is(&f[1], port) && is(&f[2], database) && is(&f[3], user)).then(|| f[4].clone())
    })
}

/// A line's five fields, unescaped (`None`: a comment, a blank line, or a
/// line with fewer fields).
fn fields(line: &str) -> Option<[String; 5]> {
    let line = line.trim_end_matches('\r');
    if line.trim().is_empty() || line.starts_with('#') {
        return None;
    }
    let mut out: Vec<String> = vec![String::new()];
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.last_mut()?.push(chars.next().unwrap_or('\\')),
            // The password is the rest of the line, colons and all.
            ':' if out.len() < 5 => out.push(String::new()),
            c => out.last_mut()?.push(c),
        }
    }
    out.try_into().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILE: &str = r"# a comment, then a blank line

db.example:5432:ledger:alice:first
*:5432:*:bob:p\:w\\d
localhost:*:*:carol:socket
*:*:*:*:fallback:with:colons
";

    #[test]
    fn the_first_matching_line_wins() {
        assert_eq!(
            find(FILE, "db.example", "5432", "ledger", "alice").as_deref(),
            Some("first")
        );
        // Another database: the catch-all line.
        assert_eq!(
            find(FILE, "db.example", "5432", "other", "alice").as_deref(),
            Some("fallback:with:colons")
        );
    }

    #[test]
    fn escapes_and_wildcards() {
        // `\:` is a colon, `\\` a backslash.
        assert_eq!(
            find(FILE, "anywhere", "5432", "x", "bob").as_deref(),
            Some(r"p:w\d")
        );
        assert_eq!(
            find(FILE, "anywhere", "5433", "x", "bob").as_deref(),
            Some("fallback:with:colons")
        );
    }

    #[test]
    fn a_unix_socket_matches_localhost() {
        assert_eq!(
            find(FILE, "/var/run/postgresql", "5432", "x", "carol").as_deref(),
            Some("socket")
        );
        // Over TCP to another host, `localhost` does not match.
        assert_eq!(
            find(FILE, "db.example", "5432", "x", "carol").as_deref(),
            Some("fallback:with:colons")
        );
    }

    #[test]
    fn short_lines_and_no_match_give_nothing() {
        assert_eq!(
            find("host:5432:db:user\n", "host", "5432", "db", "user"),
            None
        );
        assert_eq!(find("a:1:b:c:pw\n", "a", "2", "b", "c"), None);
        assert_eq!(find("", "a", "1", "b", "c"), None);
    }
}
