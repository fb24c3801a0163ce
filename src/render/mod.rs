//! Rendering reports: data first, then one renderer per format.
//!
//! Every command builds a serialisable report. JSON is that report through
//! `serde_json`; the other formats render the report's [`Sheet`]s — plain
//! grids of already-formatted cells — as a terminal table (comfy-table), CSV
//! (the `csv` crate) or a markdown table fit for a pull-request comment.

pub mod compare;
pub mod compare_html;
pub mod estimate;
pub mod estimate_html;
pub mod html;
pub mod ledger;
pub mod rates;

use std::io::Write;
use std::sync::atomic::{AtomicU16, Ordering};

use comfy_table::{CellAlignment, ContentArrangement, Table, TableStyle, presets};
use serde::Serialize;

/// The output formats every command accepts (`cli` maps `--format` to it).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Format {
    /// A table for people (default).
    #[default]
    Table,
    /// One JSON document with a `schema` field.
    Json,
    /// CSV of the main table, with a header row.
    Csv,
    /// Markdown tables, for pull-request comments.
    Markdown,
    /// One self-contained HTML page (estimate and compare).
    Html,
}

impl Format {
    /// The name `--format` takes.
    pub fn name(self) -> &'static str {
        match self {
            Format::Table => "table",
            Format::Json => "json",
            Format::Csv => "csv",
            Format::Markdown => "markdown",
            Format::Html => "html",
        }
    }
}

/// A grid of formatted cells with a title and notes.
#[derive(Clone, Debug, Default)]
pub struct Sheet {
    /// Shown above the table (a markdown heading in markdown).
    pub title: Option<String>,
    pub headers: Vec<String>,
    pub rows: Vec<Vec<String>>,
    /// Columns (by index) aligned right: numbers.
    pub right: Vec<usize>,
    /// Lines shown under the table (totals, verdicts); not part of CSV.
    pub notes: Vec<String>,
    /// Columns (by index) a terminal table may leave out to fit its width,
    /// least useful first; words are split only when that is not enough.
    pub optional: Vec<usize>,
}

impl Sheet {
    /// A sheet with these headers and no rows.
    pub fn new<S: Into<String>>(headers: impl IntoIterator<Item = S>) -> Sheet {
        Sheet {
            headers: headers.into_iter().map(Into::into).collect(),
            ..Sheet::default()
        }
    }

    /// Sets the title.
    pub fn titled(mut self, title: impl Into<String>) -> Sheet {
        self.title = Some(title.into());
        self
    }

    /// Aligns these columns right.
    pub fn right_aligned(mut self, cols: &[usize]) -> Sheet {
        self.right = cols.to_vec();
        self
    }

    /// Lets a narrow terminal leave out these columns, in this order.
    pub fn optional(mut self, cols: &[usize]) -> Sheet {
        self.optional = cols.to_vec();
        self
    }

    /// This sheet without column `col`.
    fn without(&self, col: usize) -> Sheet {
        let shift = |v: &[usize]| -> Vec<usize> {
            v.iter()
                .filter(|&&c| c != col)
                .map(|&c| if c > col { c - 1 } else { c })
                .collect()
        };
        let mut s = self.clone();
        if col < s.headers.len() {
            s.headers.remove(col);
        }
        for r in &mut s.rows {
            if col < r.len() {
                r.remove(col);
            }
        }
        s.right = shift(&self.right);
        s.optional = shift(&self.optional);
        s
    }

    /// Adds a row.
    pub fn row<S: Into<String>>(&mut self, cells: impl IntoIterator<Item = S>) {
        self.rows.push(cells.into_iter().map(Into::into).collect());
    }
}

/// The terminal width tables are fitted to; 0 when unknown.
static WIDTH: AtomicU16 = AtomicU16::new(0);

/// Sets the width terminal tables are fitted to (the CLI reads it from
/// `COLUMNS` or the terminal). `None` or 0 — no terminal, or one that
/// reports no width — means tables are never wrapped.
pub fn set_width(columns: Option<u16>) {
    WIDTH.store(columns.unwrap_or(0), Ordering::Relaxed);
}

fn width() -> Option<u16> {
    Some(WIDTH.load(Ordering::Relaxed)).filter(|w| *w > 0)
}

/// Renders sheets in a non-JSON format.
pub fn sheets(format: Format, sheets: &[Sheet]) -> String {
    match format {
        Format::Csv => csv_text(sheets),
        Format::Markdown => sheets.iter().map(markdown).collect::<Vec<_>>().join("\n"),
        // HTML pages are written by their own renderers (`estimate_html`,
        // `compare_html`); the CLI refuses `--format html` elsewhere.
        Format::Table | Format::Json | Format::Html => {
            sheets.iter().map(terminal).collect::<Vec<_>>().join("\n")
        }
    }
}

/// `1 table`, `2 tables`: a count with its noun in the right number.
pub fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// Pretty JSON of a report, with a trailing newline.
pub fn json<T: Serialize>(report: &T) -> String {
    let mut s =
        serde_json::to_string_pretty(report).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
    s.push('\n');
    s
}

fn grid(sheet: &Sheet, style: TableStyle, width: Option<u16>) -> Table {
    let mut t = Table::new();
    t.load_style(style);
    match width {
        Some(w) => {
            t.set_content_arrangement(ContentArrangement::Dynamic);
            t.set_width(w);
        }
        None => {
            t.set_content_arrangement(ContentArrangement::Disabled);
        }
    }
    t.set_header(sheet.headers.clone());
    for r in &sheet.rows {
        t.add_row(r.clone());
    }
    for &c in &sheet.right {
        if let Some(col) = t.column_mut(c) {
            col.set_cell_alignment(CellAlignment::Right);
        }
    }
    t
}

/// The widest line of `text`, in terminal columns.
fn text_width(text: &str) -> usize {
    text.lines()
        .map(unicode_width::UnicodeWidthStr::width)
        .max()
        .unwrap_or(0)
}

/// The grid of `sheet` fitted to the terminal: as wide as it needs without
/// a known width; with one, optional columns are left out (least useful
/// first) before any cell is wrapped, and a note names them.
fn fitted(sheet: &Sheet) -> (String, Vec<String>) {
    let style = presets::UTF8_FULL_CONDENSED;
    let Some(w) = width() else {
        return (grid(sheet, style, None).to_string(), Vec::new());
    };
    let mut current = sheet.clone();
    let mut left_out = Vec::new();
    loop {
        let text = grid(&current, style, None).to_string();
        if text_width(&text) <= usize::from(w) {
            return (text, left_out);
        }
        let Some(&col) = current.optional.first() else {
            break;
        };
        left_out.push(current.headers.get(col).cloned().unwrap_or_default());
        current = current.without(col);
    }
    (grid(&current, style, Some(w)).to_string(), left_out)
}

fn terminal(sheet: &Sheet) -> String {
    let mut out = String::new();
    if let Some(title) = &sheet.title {
        out.push_str(title);
        out.push('\n');
    }
    if sheet.headers.is_empty() {
        return out;
    }
    let (table, left_out) = fitted(sheet);
    out.push_str(&table);
    out.push('\n');
    for n in &sheet.notes {
        out.push_str(n);
        out.push('\n');
    }
    if !left_out.is_empty() {
        out.push_str(&format!(
            "(left out to fit {} columns: {}; a wider terminal, COLUMNS=0 or --format csv shows every column)\n",
            width().unwrap_or(0),
            left_out.join(", ")
        ));
    }
    out
}

fn markdown(sheet: &Sheet) -> String {
    let mut out = String::new();
    if let Some(title) = &sheet.title {
        out.push_str(&format!("### {title}\n\n"));
    }
    if sheet.headers.is_empty() {
        return out;
    }
    let escape = |s: &String| s.replace('|', "\\|");
    out.push_str(&format!(
        "| {} |\n",
        sheet
            .headers
            .iter()
            .map(escape)
            .collect::<Vec<_>>()
            .join(" | ")
    ));
    let rule: Vec<&str> = (0..sheet.headers.len())
        .map(|i| {
            if sheet.right.contains(&i) {
                "--:"
            } else {
                "---"
            }
        })
        .collect();
    out.push_str(&format!("| {} |\n", rule.join(" | ")));
    for r in &sheet.rows {
        out.push_str(&format!(
            "| {} |\n",
            r.iter().map(escape).collect::<Vec<_>>().join(" | ")
        ));
    }
    if !sheet.notes.is_empty() {
        out.push('\n');
        for n in &sheet.notes {
            out.push_str(&format!("{n}  \n"));
        }
    }
    out
}

/// CSV of the sheets: one header row per sheet, sheets separated by an empty
/// line (most commands have exactly one sheet).
fn csv_text(sheets: &[Sheet]) -> String {
    let mut parts = Vec::new();
    // A sheet with no headers is a title only, which CSV has no room for.
    for sheet in sheets.iter().filter(|s| !s.headers.is_empty()) {
        let mut w = csv::Writer::from_writer(Vec::new());
        // Writing to a Vec cannot fail.
        let _ = w.write_record(&sheet.headers);
        for r in &sheet.rows {
            let _ = w.write_record(r);
        }
        parts.push(String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default());
    }
    parts.join("\n")
}

/// A closed pipe (`genbudget … | head`) is not an error.
pub fn ignore_broken_pipe(r: std::io::Result<()>) -> std::io::Result<()> {
    match r {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => other,
    }
}

/// Writes to stdout; a closed pipe (`genbudget … | head`) is not an error.
pub fn emit(text: &str) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    ignore_broken_pipe(out.write_all(text.as_bytes()).and_then(|_| out.flush()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Sheet {
        let mut s = Sheet::new(["model", "price"]).right_aligned(&[1]);
        s.row(["a|b", "0.011"]);
        s.row(["c,d", "1.00"]);
        s
    }

    #[test]
    fn markdown_escapes_pipes_and_aligns() {
        let md = sheets(Format::Markdown, &[sample()]);
        assert!(
            md.contains("| model | price |\n| --- | --: |\n| a\\|b | 0.011 |"),
            "{md}"
        );
    }

    #[test]
    fn csv_quotes_commas() {
        let csv = sheets(Format::Csv, &[sample()]);
        assert_eq!(csv, "model,price\na|b,0.011\n\"c,d\",1.00\n");
    }
}
