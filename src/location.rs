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

    /// Converts a problem [`read_toml`](crate::money::read_toml) found.
    pub fn from_toml_problem(
        file: impl Into<String>,
        source: &str,
        problem: &crate::money::TomlProblem,
    ) -> InputError {
        use crate::money::TomlProblem;
        match problem {
            TomlProblem::Toml(e) => InputError::from_toml(file, source, e),
            TomlProblem::Number { span, message } => {
                InputError::at(file, source, Some(span.clone()), None, message.as_str())
            }
        }
    }

    /// Converts a `toml` parse or deserialisation error.
    pub fn from_toml(file: impl Into<String>, source: &str, err: &toml::de::Error) -> InputError {
        let mut message = err.message().trim().replace('\n', " ");
        if let Some(best) = did_you_mean(&message) {
            // Right after the unknown key, before the list of every key.
            message = message.replacen(
                "`, expected",
                &format!("` (did you mean `{best}`?), expected"),
                1,
            );
        }
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

/// For serde's "unknown field `input_token`, expected one of `a`, `b`, …":
/// the nearest expected key (`input_tokens`), when one is close (a typo, a
/// missing, extra or swapped letter, a plural).
fn did_you_mean(message: &str) -> Option<String> {
    let rest = message.strip_prefix("unknown field `")?;
    let (unknown, rest) = rest.split_once('`')?;
    let expected = rest.split_once("expected")?.1;
    let keys: Vec<&str> = expected
        .split('`')
        .skip(1)
        .step_by(2)
        .filter(|k| !k.is_empty())
        .collect();
    let (best, distance) = keys
        .iter()
        .map(|k| (*k, strsim::osa_distance(unknown, k)))
        .min_by_key(|(_, d)| *d)?;
    let limit = (unknown.chars().count() / 3).clamp(1, 3);
    (distance <= limit && distance > 0).then(|| best.to_string())
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

/// What an input file is, for its size cap and its messages.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InputKind {
    /// A plan for `estimate` (large plans are normal: 100,000 items ≈ 13 MB).
    Plan,
    /// A usage profile for `compare`.
    Profile,
    /// A price table.
    Table,
}

impl InputKind {
    /// The most bytes read from one input of this kind; a larger input is
    /// refused rather than read until memory runs out.
    pub fn max_bytes(self) -> u64 {
        match self {
            InputKind::Plan => 512 << 20,
            InputKind::Profile => 4 << 20,
            InputKind::Table => 4 << 20,
        }
    }

    fn noun(self) -> &'static str {
        match self {
            InputKind::Plan => "a plan",
            InputKind::Profile => "a profile",
            InputKind::Table => "a price table",
        }
    }
}

/// The name standard input goes by in messages, when `-` is given.
pub const STDIN_NAME: &str = "<stdin>";

/// Reads a plan, profile or price table as UTF-8 text, with errors that say
/// which file and why. `-` reads standard input. Only regular files are
/// read: a directory, FIFO, device (`/dev/zero`) or socket — also through a
/// symlink — is refused before it is opened, so nothing hangs or reads
/// forever; and no more than [`InputKind::max_bytes`] are read.
pub fn read_input(path: &Path, kind: InputKind) -> Result<(String, String), InputError> {
    if path.as_os_str() == "-" {
        let limit = kind.max_bytes();
        let mut bytes = Vec::new();
        std::io::Read::read_to_end(
            &mut std::io::Read::take(std::io::stdin().lock(), limit + 1),
            &mut bytes,
        )
        .map_err(|e| InputError::file(STDIN_NAME, describe_io(&e)))?;
        if bytes.len() as u64 > limit {
            return Err(too_large(STDIN_NAME, kind));
        }
        return Ok((STDIN_NAME.to_string(), decode(STDIN_NAME, bytes)?));
    }
    let name = path.display().to_string();
    let text = read_text_as(path, kind)?;
    Ok((name, text))
}

/// Reads a UTF-8 text file of `kind`; see [`read_input`] (without `-`).
pub fn read_text_as(path: &Path, kind: InputKind) -> Result<String, InputError> {
    let bytes = read_bytes_as(path, kind)?;
    decode(&path.display().to_string(), bytes)
}

/// The reading half of [`read_text_as`]: the bytes of a regular file of at
/// most [`InputKind::max_bytes`]. An error here means the input could not
/// be read at all (missing, unreadable, not a regular file, too large).
pub fn read_bytes_as(path: &Path, kind: InputKind) -> Result<Vec<u8>, InputError> {
    use std::io::Read;
    let name = path.display().to_string();
    let meta = std::fs::metadata(path).map_err(|e| InputError::file(&name, describe_io(&e)))?;
    regular(&name, &meta, kind)?;
    let limit = kind.max_bytes();
    if meta.len() > limit {
        return Err(too_large(&name, kind));
    }
    let file = std::fs::File::open(path).map_err(|e| InputError::file(&name, describe_io(&e)))?;
    // Checked again on the open file: it may have been swapped since.
    let meta = file
        .metadata()
        .map_err(|e| InputError::file(&name, describe_io(&e)))?;
    regular(&name, &meta, kind)?;
    let mut bytes = Vec::with_capacity(usize::try_from(meta.len().min(limit)).unwrap_or(0));
    file.take(limit + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| InputError::file(&name, describe_io(&e)))?;
    if bytes.len() as u64 > limit {
        return Err(too_large(&name, kind));
    }
    Ok(bytes)
}

/// Reads a plan file ([`read_text_as`] with [`InputKind::Plan`]).
pub fn read_text(path: &Path) -> Result<String, InputError> {
    read_text_as(path, InputKind::Plan)
}

/// Refuses anything but a regular file, saying what it is.
fn regular(name: &str, meta: &std::fs::Metadata, kind: InputKind) -> Result<(), InputError> {
    let ft = meta.file_type();
    if ft.is_file() {
        return Ok(());
    }
    let what = if ft.is_dir() {
        "a directory"
    } else {
        special_kind(&ft)
    };
    Err(InputError::file(
        name,
        format!(
            "is {what}, not a regular file; give {} as a regular file{}",
            kind.noun(),
            if kind == InputKind::Table {
                ""
            } else {
                ", or `-` to read it from standard input"
            }
        ),
    ))
}

#[cfg(unix)]
fn special_kind(ft: &std::fs::FileType) -> &'static str {
    use std::os::unix::fs::FileTypeExt;
    if ft.is_fifo() {
        "a FIFO (named pipe)"
    } else if ft.is_char_device() {
        "a character device"
    } else if ft.is_block_device() {
        "a block device"
    } else if ft.is_socket() {
        "a socket"
    } else {
        "a special file"
    }
}

#[cfg(not(unix))]
fn special_kind(_: &std::fs::FileType) -> &'static str {
    "a special file"
}

fn too_large(name: &str, kind: InputKind) -> InputError {
    InputError::file(
        name,
        format!(
            "is larger than {} MiB, the most genbudget reads for {}; split it into smaller files",
            kind.max_bytes() >> 20,
            kind.noun()
        ),
    )
}

/// Bytes read from `name` as UTF-8 text that is not blank.
pub fn decode(name: &str, bytes: Vec<u8>) -> Result<String, InputError> {
    let text = String::from_utf8(bytes).map_err(|e| {
        let (line, column) = line_col_bytes(e.as_bytes(), e.utf8_error().valid_up_to());
        InputError {
            file: name.to_string(),
            line: Some(line),
            column: Some(column),
            field: None,
            message: "is not UTF-8 text (TOML files must be UTF-8)".into(),
        }
    })?;
    if text.trim().is_empty() {
        return Err(InputError::file(name, "is empty"));
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
    fn misspelt_keys_get_the_nearest_expected_one() {
        let hint = |m: &str| did_you_mean(m);
        assert_eq!(
            hint("unknown field `input_token`, expected one of `name`, `input_tokens`, `output_tokens`")
                .as_deref(),
            Some("input_tokens")
        );
        assert_eq!(
            hint("unknown field `qualty`, expected one of `quality`, `size`").as_deref(),
            Some("quality")
        );
        // Nothing close: no guess.
        assert_eq!(
            hint("unknown field `colour`, expected one of `quality`, `size`"),
            None
        );
        assert_eq!(hint("missing field `name`"), None);
        // Through a real parse: the hint follows the unknown key.
        #[derive(serde::Deserialize, Debug)]
        #[serde(deny_unknown_fields)]
        #[allow(dead_code)]
        struct Item {
            input_tokens: Option<u64>,
            output_tokens: Option<u64>,
        }
        let src = "input_tokns = 5\n";
        let err = toml::from_str::<Item>(src).unwrap_err();
        let e = InputError::from_toml("p.toml", src, &err);
        assert!(
            e.message.starts_with(
                "unknown field `input_tokns` (did you mean `input_tokens`?), expected"
            ),
            "{e}"
        );
        assert_eq!(e.line, Some(1));
    }

    #[test]
    fn display_has_all_parts() {
        let e = InputError::at("p.toml", "a = 1\nb = 2\n", Some(6..7), None, "bad");
        assert_eq!(e.to_string(), "p.toml:2:1: field `b`: bad");
    }
}
