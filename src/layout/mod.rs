//! Layout stage: how a text is structured, sniffed once, and its records with their column
//! names. Everything that reads structure lives here: the header row of a delimited export
//! (below title lines), SQL `INSERT` column lists, `CREATE TABLE` columns for an `INSERT`
//! without a list, PostgreSQL `COPY ... FROM stdin` blocks, JSON object spans, and the
//! labelled cells of HTML tables, XML elements, fixed-width reports and mail headers
//! ([`cells`]). The match stage asks it for a value's column names and cell labels (through
//! `context.rs`), the classify and aggregate stages take its records.
//!
//! Records are read incrementally ([`RecordReader`]): a large file or a stream is fed stride
//! by stride, and a record cut by a stride's end (a quoted multi-line cell, a pretty-printed
//! JSON object, a statement) is finished in the next stride, so records do not depend on where
//! the strides were cut.

pub mod cells;
mod header;
mod records;
pub mod sql;

pub use header::{detect_header, likely_delimiter, Header, TITLE_LINES};
pub use records::{Record, RecordReader, RecordSpan, MAX_QUOTED};

use memchr::memmem;

/// How a text is laid out, sniffed from its first bytes (never from its name).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// Delimited rows under a header row (CSV, TSV, `|` or `;`), fields quoted with `"`.
    Delimited {
        /// The delimiter byte.
        delimiter: u8,
    },
    /// JSON objects: JSON lines, an array of objects, pretty-printed objects.
    Json,
    /// A SQL dump: `INSERT ... VALUES (...), (...)` tuples and `COPY ... FROM stdin` rows.
    Sql,
    /// Anything else: one record per line (logs, prose, source code).
    Lines,
}

/// What the layout stage learns from a text's head: its layout and, for a delimited export,
/// its header row.
#[derive(Debug, Clone)]
pub struct Structure {
    /// The layout.
    pub layout: Layout,
    /// The header row, for a delimited export (also found above a text that is not delimited
    /// throughout, for the columns of the values right below it).
    pub header: Option<Header>,
}

/// How much of a text's head is sniffed for its layout.
pub const SNIFF_BYTES: usize = 1 << 20;

impl Structure {
    /// Sniffs the structure of a text from its head (the first [`SNIFF_BYTES`] or more).
    pub fn sniff(head: &[u8]) -> Structure {
        let header = detect_header(head);
        Structure { layout: sniff_layout(head, header.as_ref()), header }
    }
}

fn first_non_space(text: &[u8]) -> Option<u8> {
    let text = text.strip_prefix("\u{feff}".as_bytes()).unwrap_or(text);
    text.iter().copied().find(|b| !b.is_ascii_whitespace())
}

fn sniff_layout(text: &[u8], header: Option<&Header>) -> Layout {
    if matches!(first_non_space(text), Some(b'{' | b'[')) {
        return Layout::Json;
    }
    let head = &text[..text.len().min(SNIFF_BYTES)];
    if sql::is_sql(head) {
        return Layout::Sql;
    }
    // A header, and the next rows (quote-aware) split at least as often.
    if let Some(header) = header {
        let d = header.delimiter;
        let n = header.cells.len() - 1;
        // The first rows, read as records would be (a quoted cell may hold newlines).
        let sample = &head[..head.len().min(header.end + (64 << 10))];
        let delimited = Structure { layout: Layout::Delimited { delimiter: d }, header: Some(header.clone()) };
        let mut rows = Vec::new();
        RecordReader::new(&delimited).feed(sample, 0, 0..sample.len(), true, &mut rows);
        let rows = &rows[..rows.len().min(5)];
        let alike = rows.iter().filter(|r| unquoted_count(&sample[r.span.start..r.span.end], d) >= n).count();
        if alike * 2 >= rows.len() {
            return Layout::Delimited { delimiter: d };
        }
    }
    Layout::Lines
}

/// Delimiters outside `"`-quoted fields.
fn unquoted_count(row: &[u8], delimiter: u8) -> usize {
    let mut in_quotes = false;
    row.iter()
        .filter(|&&b| {
            if b == b'"' {
                in_quotes = !in_quotes;
            }
            b == delimiter && !in_quotes
        })
        .count()
}

/// The line around `offset`, without its terminator.
pub fn line_span(text: &[u8], offset: usize) -> RecordSpan {
    let offset = offset.min(text.len());
    let start = memchr::memrchr(b'\n', &text[..offset]).map_or(0, |p| p + 1);
    let end = memchr::memchr(b'\n', &text[offset..]).map_or(text.len(), |p| offset + p);
    RecordSpan { start, end }
}

/// Whether `needle` occurs in `hay` (a helper for sniffing).
fn contains(hay: &[u8], needle: &[u8]) -> bool {
    memmem::find(hay, needle).is_some()
}
