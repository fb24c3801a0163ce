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
        InputError::at(file, source, err.span(), None, message)
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
/// header above it joined with the key on its own line (best effort; `None`
/// when the place is not inside a `key = value` line or a header).
pub fn field_at(source: &str, pos: usize) -> Option<String> {
    let pos = floor_char_boundary(source, pos.min(source.len()));
    let line_start = source[..pos].rfind('\n').map_or(0, |i| i + 1);
    let line_end = source[pos..].find('\n').map_or(source.len(), |i| pos + i);
    let line = &source[line_start..line_end];
    let header = source[..line_start]
        .lines()
        .rev()
        .map(str::trim)
        .find(|l| l.starts_with('['))
        .map(|l| l.trim_matches(|c| c == '[' || c == ']').trim().to_string());
    let trimmed = line.trim_start();
    if trimmed.starts_with('[') {
        return Some(
            trimmed
                .trim_matches(|c| c == '[' || c == ']')
                .trim()
                .to_string(),
        );
    }
    // The key nearest before `pos` on this line: the text before the last
    // `=` that precedes `pos`, after the last `{` or `,`.
    let upto = &line[..pos - line_start];
    let key_part = match upto.rfind('=') {
        Some(eq) => &upto[..eq],
        None => upto.split('=').next().unwrap_or(""),
    };
    let key = key_part
        .rsplit(['{', ','])
        .next()
        .unwrap_or("")
        .trim()
        .trim_matches('"')
        .to_string();
    let key = if key.is_empty() {
        // `pos` points at a key itself (e.g. an unknown key).
        let rest = &line[pos - line_start..];
        rest.split(['=', ' ', ',', '}'])
            .next()
            .unwrap_or("")
            .trim_matches('"')
            .to_string()
    } else {
        key
    };
    // A key on the same line inside an inline table (`low = { "1024x1024" = … }`)
    // sits below the line's own first key.
    let outer = if key_part.contains('{') {
        line.split('=')
            .next()
            .map(|k| k.trim().trim_matches('"').to_string())
    } else {
        None
    };
    let mut parts: Vec<String> = Vec::new();
    if let Some(h) = header {
        parts.push(h);
    }
    if let Some(o) = outer.filter(|o| !o.is_empty() && *o != key) {
        parts.push(o);
    }
    if !key.is_empty() {
        parts.push(key);
    }
    (!parts.is_empty()).then(|| parts.join("."))
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
