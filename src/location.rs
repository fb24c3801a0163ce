//! Errors about input files that point at the place to fix.
//!
//! Every file a user can get wrong (price tables, plans, profiles) is parsed
//! with `toml`; its errors carry a byte span. [`InputError`] turns that span
//! into `file:line:column`, names the field (the enclosing table header and
//! the key on that line), and keeps the message saying what would be valid.

use std::fmt;
use std::ops::Range;
use std::path::Path;

/// A problem in an input file, with where it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputError {
    /// The file as the user named it (or `builtin:pricing/…` for shipped tables).
    pub file: String,
    /// 1-based line and column, where known.
    pub line: Option<usize>,
    pub column: Option<usize>,
    /// The field, as a dotted TOML path, where known.
    pub field: Option<String>,
    /// What is wrong and what would be valid.
    pub message: String,
}

impl std::error::Error for InputError {}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
            if let Some(col) = self.column {
                write!(f, ":{col}")?;
            }
        }
        if let Some(field) = &self.field {
            write!(f, ": field `{field}`")?;
        }
        write!(f, ": {}", self.message)
    }
}

impl InputError {
    /// An error about a whole file (unreadable, empty, …).
    pub fn file(file: impl Into<String>, message: impl Into<String>) -> InputError {
        InputError {
            file: file.into(),
            line: None,
            column: None,
            field: None,
            message: message.into(),
        }
    }

    /// An error at a byte span of `source`, naming `field` if given, else the
    /// field found at that place in the text.
    pub fn at(
        file: impl Into<String>,
        source: &str,
        span: Option<Range<usize>>,
        field: Option<String>,
        message: impl Into<String>,
    ) -> InputError {
        let (line, column) = match &span {
            Some(s) => {
                let (l, c) = line_col(source, s.start);
                (Some(l), Some(c))
            }
            None => (None, None),
        };
        let field = field.or_else(|| span.and_then(|s| field_at(source, s.start)));
        InputError {
            file: file.into(),
            line,
            column,
            field,
            message: message.into(),
        }
    }

    /// Converts a `toml` parse or deserialisation error.
    pub fn from_toml(file: impl Into<String>, source: &str, err: &toml::de::Error) -> InputError {
        let message = err.message().trim().replace('\n', " ");
        // serde reports a missing key at the table that lacks it: name the
        // key itself, under that table's header (or at the top level).
        let missing = message
            .strip_prefix("missing field `")
            .and_then(|m| m.split('`').next())
            .map(|key| match err.span().map(|s| s.start) {
                Some(start) if start > 0 => match field_at(source, start) {
                    Some(table) if source[start..].trim_start().starts_with('[') => {
                        format!("{table}.{key}")
                    }
                    _ => key.to_string(),
                },
                _ => key.to_string(),
            });
        InputError::at(file, source, err.span(), missing, message)
    }
}

/// 1-based line and column (in characters) of byte offset `pos`.
pub fn line_col(source: &str, pos: usize) -> (usize, usize) {
    let pos = pos.min(source.len());
    let before = &source[..floor_char_boundary(source, pos)];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = before[line_start..].chars().count() + 1;
    (line, column)
}

fn floor_char_boundary(s: &str, mut i: usize) -> usize {
    while i > 0 && !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// The dotted path of the key written at byte offset `pos`: the last table
/// header above it, the keys of the inline tables around it on its line, and
/// the key itself (best effort; `None` when nothing names the place).
pub fn field_at(source: &str, pos: usize) -> Option<String> {
    let pos = floor_char_boundary(source, pos.min(source.len()));
    let line_start = source[..pos].rfind('\n').map_or(0, |i| i + 1);
    let line_end = source[pos..].find('\n').map_or(source.len(), |i| pos + i);
    let line = &source[line_start..line_end];
    let trimmed = line.trim_start();
    if trimmed.starts_with('[') && !line[..pos - line_start].contains('=') {
        return Some(header_name(trimmed));
    }
    let header = source[..line_start]
        .lines()
        .rev()
        .map(str::trim)
        .find(|l| l.starts_with('['))
        .map(header_name);
    let (stack, last_key) = inline_path(&line[..pos - line_start]);
    // Is `pos` at a key (its next delimiter is `=`) rather than at a value?
    let rest = &line[pos - line_start..];
    let key_here = rest
        .find(['=', ',', '}', ']'])
        .filter(|&i| rest.as_bytes()[i] == b'=')
        .map(|i| clean_key(&rest[..i]))
        .filter(|k| !k.is_empty());
    let mut parts: Vec<String> = header.into_iter().collect();
    parts.extend(stack);
    parts.extend(key_here.or(last_key));
    (!parts.is_empty()).then(|| parts.join("."))
}

fn header_name(line: &str) -> String {
    line.trim_matches(|c| c == '[' || c == ']' || c == ' ')
        .to_string()
}

fn clean_key(k: &str) -> String {
    k.trim().trim_matches('"').trim_matches('\'').to_string()
}

/// Walks a line up to a place: the keys of the inline tables open there,
/// and the last key assigned at that level.
fn inline_path(upto: &str) -> (Vec<String>, Option<String>) {
    // Each open bracket: Some(key) for an inline table, None for an array.
    let mut open: Vec<Option<String>> = Vec::new();
    let mut last_key: Option<String> = None;
    let mut token = String::new();
    let mut in_str = false;
    for c in upto.chars() {
        match c {
            '"' => {
                in_str = !in_str;
                token.push(c);
            }
            _ if in_str => token.push(c),
            '=' => {
                last_key = Some(clean_key(&token));
                token.clear();
            }
            '{' => {
                open.push(Some(last_key.take().unwrap_or_default()));
                token.clear();
            }
            '[' => {
                open.push(None);
                token.clear();
            }
            '}' | ']' => {
                open.pop();
                last_key = None;
                token.clear();
            }
            ',' => {
                if matches!(open.last(), Some(Some(_))) {
                    last_key = None;
                }
                token.clear();
            }
            _ => token.push(c),
        }
    }
    if matches!(open.last(), Some(None)) {
        // Inside an array: the array's key is the last key assigned.
        let arr_key = open.iter().rev().find_map(|o| o.clone());
        let keys: Vec<String> = open
            .iter()
            .flatten()
            .filter(|k| !k.is_empty())
            .cloned()
            .collect();
        return (keys, last_key.or(arr_key));
    }
    (
        open.into_iter()
            .flatten()
            .filter(|k| !k.is_empty())
            .collect(),
        last_key,
    )
}

/// Reads a UTF-8 text file, with errors that say which file and why.
pub fn read_text(path: &Path) -> Result<String, InputError> {
    let name = path.display().to_string();
    let meta = std::fs::metadata(path).map_err(|e| InputError::file(&name, describe_io(&e)))?;
    if meta.is_dir() {
        return Err(InputError::file(&name, "is a directory, not a file"));
    }
    let bytes = std::fs::read(path).map_err(|e| InputError::file(&name, describe_io(&e)))?;
    let text = String::from_utf8(bytes).map_err(|e| {
        let (line, column) = line_col_bytes(e.as_bytes(), e.utf8_error().valid_up_to());
        InputError {
            file: name.clone(),
            line: Some(line),
            column: Some(column),
            field: None,
            message: "is not UTF-8 text (TOML files must be UTF-8)".into(),
        }
    })?;
    if text.trim().is_empty() {
        return Err(InputError::file(&name, "is empty"));
    }
    Ok(text)
}

fn line_col_bytes(bytes: &[u8], pos: usize) -> (usize, usize) {
    let before = &bytes[..pos];
    let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
    let start = before
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |i| i + 1);
    (line, pos - start + 1)
}

/// A short, plain description of an I/O error.
pub fn describe_io(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file or directory".into(),
        std::io::ErrorKind::PermissionDenied => "permission denied".into(),
        _ => e.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_line_column_and_field() {
        let src = "schema = 1\n[models.x.image]\nlow = { \"1024x1024\" = \"-1\" }\n";
        let pos = src.find("\"-1\"").unwrap();
        assert_eq!(line_col(src, pos), (3, 23));
        assert_eq!(field_at(src, pos).unwrap(), "models.x.image.low.1024x1024");
        let pos = src.find("schema").unwrap();
        assert_eq!(field_at(src, pos).unwrap(), "schema");
    }

    #[test]
    fn display_has_all_parts() {
        let e = InputError::at("p.toml", "a = 1\nb = 2\n", Some(6..7), None, "bad");
        assert_eq!(e.to_string(), "p.toml:2:1: field `b`: bad");
    }
}
