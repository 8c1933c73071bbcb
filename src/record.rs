//! Record stage: byte offsets -> records. One record is what one row of an export says about one
//! person: a CSV/TSV row (quoted fields may hold newlines), a JSON object (a JSON-lines row, or
//! an element of an array), a SQL `INSERT` tuple (multi-row inserts too), otherwise a line (logs,
//! prose, source). Findings in the same record belong together: a card with its holder's phone,
//! a stay with its guest.
//!
//! The layout is sniffed from the content, not the file name. Spans are computed once per file
//! and only for files with findings.

use memchr::{memchr, memchr2, memmem, memrchr};

/// A record's byte span in the scanned text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RecordSpan {
    /// First byte.
    pub start: usize,
    /// One past the last byte.
    pub end: usize,
}

/// How a file is laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// Delimited rows under a header line.
    Delimited {
        /// The delimiter byte.
        delimiter: u8,
    },
    /// JSON objects (JSON lines, an array, or pretty-printed objects).
    Json,
    /// SQL with `INSERT ... VALUES (...), (...)`.
    Sql,
    /// Anything else: one record per line.
    Lines,
}

/// The records of one text.
#[derive(Debug, Clone)]
pub struct Records<'t> {
    text: &'t [u8],
    layout: Layout,
    /// Structured record spans, sorted and disjoint; offsets outside them fall back to lines.
    spans: Vec<RecordSpan>,
    /// For SQL: the `INSERT ... VALUES` head of each statement, by the offset its tuples start.
    heads: Vec<(usize, RecordSpan)>,
}

impl<'t> Records<'t> {
    /// Sniffs the layout of `text` and computes its record spans.
    pub fn build(text: &'t [u8]) -> Self {
        let layout = sniff(text);
        let mut heads = Vec::new();
        let spans = match layout {
            Layout::Delimited { delimiter } => delimited_rows(text, delimiter),
            Layout::Json => json_objects(text),
            Layout::Sql => sql_tuples(text, &mut heads),
            Layout::Lines => Vec::new(),
        };
        Records { text, layout, spans, heads }
    }

    /// The field names that apply to a record: the header line of a delimited file, or the
    /// `INSERT INTO t (columns) VALUES` head of the record's statement. Empty otherwise (JSON keys
    /// and log labels are inside the record itself).
    pub fn header_of(&self, record: RecordSpan) -> &'t [u8] {
        match self.layout {
            Layout::Delimited { .. } => {
                let end = memchr(b'\n', self.text).unwrap_or(self.text.len());
                if record.start > end {
                    &self.text[..end]
                } else {
                    &[]
                }
            }
            Layout::Sql => {
                let idx = self.heads.partition_point(|(values_start, _)| *values_start <= record.start);
                match idx.checked_sub(1).map(|i| self.heads[i].1) {
                    Some(head) => &self.text[head.start..head.end],
                    None => &[],
                }
            }
            Layout::Json | Layout::Lines => &[],
        }
    }

    /// The detected layout.
    pub fn layout(&self) -> Layout {
        self.layout
    }

    /// The record that contains `offset`. A one-off lookup: many offsets go through one
    /// [`Records::cursor`], which keeps its place and the last line it found.
    pub fn record_of(&self, offset: usize) -> RecordSpan {
        self.cursor().record_of(offset)
    }

    /// A reader of records for offsets in ascending order (a scan's sorted detections): it
    /// walks the spans forward instead of searching all of them for each offset, which on a
    /// window of hundreds of thousands of rows misses the cache at every step of the search.
    /// Each cursor has its own position, so several threads can read one `Records` at once.
    pub fn cursor(&self) -> RecordCursor<'_, 't> {
        RecordCursor { records: self, next: 0, last_line: None }
    }
}

/// [`Records::record_of`] for ascending offsets; see [`Records::cursor`]. An offset below the
/// previous one is still answered, by a search.
#[derive(Debug)]
pub struct RecordCursor<'r, 't> {
    records: &'r Records<'t>,
    /// How many spans start at or before the last offset asked.
    next: usize,
    /// The last line span handed out: a long line holding many findings is searched once,
    /// not once per finding.
    last_line: Option<RecordSpan>,
}

impl RecordCursor<'_, '_> {
    /// The record `offset` falls in, as [`Records::record_of`] gives it.
    pub fn record_of(&mut self, offset: usize) -> RecordSpan {
        let spans = &self.records.spans;
        if self.next > 0 && spans[self.next - 1].start > offset {
            self.next = spans.partition_point(|s| s.start <= offset);
        } else {
            // A few steps forward in the common case (the next finding is in the same or the
            // next row), a search of what is left when the findings are far apart.
            const WALK: usize = 8;
            let rest = &spans[self.next..];
            self.next += match rest.get(WALK) {
                Some(far) if far.start <= offset => rest.partition_point(|s| s.start <= offset),
                _ => rest.iter().take(WALK).take_while(|s| s.start <= offset).count(),
            };
        }
        if let Some(span) = self.next.checked_sub(1).map(|i| spans[i]) {
            if offset < span.end {
                return span;
            }
        }
        if let Some(line) = self.last_line.filter(|l| l.start <= offset && offset <= l.end) {
            return line;
        }
        let line = line_span(self.records.text, offset);
        self.last_line = Some(line);
        line
    }
}

/// The line around `offset`, without its terminator.
pub fn line_span(text: &[u8], offset: usize) -> RecordSpan {
    let offset = offset.min(text.len());
    let start = memrchr(b'\n', &text[..offset]).map_or(0, |p| p + 1);
    let end = memchr(b'\n', &text[offset..]).map_or(text.len(), |p| offset + p);
    RecordSpan { start, end }
}

/// The delimiter a header-like line splits on most often (`,` `\t` `|` `;`), with its count;
/// `None` when it holds none of them.
pub fn likely_delimiter(line: &[u8]) -> Option<(u8, usize)> {
    [b',', b'\t', b'|', b';']
        .into_iter()
        .map(|d| (d, line.iter().filter(|&&b| b == d).count()))
        .max_by_key(|&(_, n)| n)
        .filter(|&(_, n)| n > 0)
}

/// Where an `INSERT INTO ... VALUES` statement starts and where its value tuples begin.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InsertHead {
    /// Offset of `INSERT`.
    pub start: usize,
    /// Offset just past `VALUES`.
    pub values_end: usize,
}

/// Every `INSERT INTO ... VALUES` head in the text (either case), in order. `VALUES` must
/// follow within 4 KiB.
pub fn insert_heads(text: &[u8]) -> Vec<InsertHead> {
    insert_heads_in(text, 0..text.len())
}

/// How far after its `INSERT INTO` a head's `VALUES` is looked for.
pub const INSERT_HEAD_MAX: usize = 4096;

/// [`insert_heads`] of the heads that start in `range` (their `VALUES` may lie beyond it).
pub fn insert_heads_in(text: &[u8], range: std::ops::Range<usize>) -> Vec<InsertHead> {
    const HEAD: usize = b"INSERT INTO".len();
    // Both spellings in one pass (a SIMD multi-literal search), found in text order.
    static HEADS: std::sync::OnceLock<Option<aho_corasick::AhoCorasick>> = std::sync::OnceLock::new();
    let Some(heads) = HEADS.get_or_init(|| aho_corasick::AhoCorasick::new(["INSERT INTO", "insert into"]).ok()) else {
        return Vec::new();
    };
    let region = &text[range.start..text.len().min(range.end + HEAD - 1)];
    let starts: Vec<usize> =
        heads.find_iter(region).map(|m| range.start + m.start()).filter(|&p| p < range.end).collect();
    starts
        .into_iter()
        .filter_map(|start| {
            let window = &text[start..text.len().min(start + INSERT_HEAD_MAX)];
            let values = memmem::find(window, b"VALUES").or_else(|| memmem::find(window, b"values"))?;
            Some(InsertHead { start, values_end: start + values + 6 })
        })
        .collect()
}

fn first_non_space(text: &[u8]) -> Option<u8> {
    let text = text.strip_prefix("\u{feff}".as_bytes()).unwrap_or(text);
    text.iter().copied().find(|b| !b.is_ascii_whitespace())
}

fn sniff(text: &[u8]) -> Layout {
    if matches!(first_non_space(text), Some(b'{' | b'[')) {
        return Layout::Json;
    }
    let head = &text[..text.len().min(1 << 20)];
    if memmem::find(head, b"INSERT INTO").is_some() || memmem::find(head, b"insert into").is_some() {
        return Layout::Sql;
    }
    // A header: the first line splits on one delimiter, and the next rows (quote-aware) split
    // at least as often.
    let first_end = memchr(b'\n', text).unwrap_or(text.len());
    let first = &text[..first_end];
    if let Some((d, n)) = likely_delimiter(first) {
        let sample = &text[..text.len().min(first_end + (64 << 10))];
        let rows: Vec<RecordSpan> = delimited_rows(sample, d).into_iter().take(5).collect();
        let alike = rows.iter().filter(|r| unquoted_count(&sample[r.start..r.end], d) >= n).count();
        if !rows.is_empty() && alike * 2 >= rows.len() {
            return Layout::Delimited { delimiter: d };
        }
    }
    Layout::Lines
}

/// Rows after the header; a field that opens with a quote may run over newlines until its
/// closing quote (RFC 4180), but never further than `MAX_QUOTED` bytes, so a stray quote cannot
/// swallow the file.
fn delimited_rows(text: &[u8], delimiter: u8) -> Vec<RecordSpan> {
    const MAX_QUOTED: usize = 1 << 20;
    let mut spans = Vec::new();
    let mut pos = memchr(b'\n', text).map_or(text.len(), |p| p + 1);
    while pos < text.len() {
        let start = pos;
        let mut end = text.len();
        let mut i = pos;
        // From quote to quote: only a quote that opens a field (at the row's start or after a
        // delimiter) can hide a line break.
        while let Some(found) = memchr2(b'"', b'\n', &text[i..]) {
            let at = i + found;
            if text[at] == b'\n' {
                (end, i) = (at, at);
                break;
            }
            let opens_field = at == start || text[at - 1] == delimiter;
            // An unclosed quote is taken literally.
            let quoted =
                opens_field.then(|| closing_quote(&text[at + 1..text.len().min(at + 1 + MAX_QUOTED)])).flatten();
            i = quoted.map_or(at + 1, |len| at + len + 2);
        }
        if end == text.len() {
            i = text.len();
        }
        let end = if end > start && text[end - 1] == b'\r' { end - 1 } else { end };
        if end > start {
            spans.push(RecordSpan { start, end });
        }
        pos = i + 1;
    }
    spans
}

/// Delimiters outside quoted fields.
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

/// Length of a quoted field's content up to its closing quote (`""` is an escaped quote).
fn closing_quote(s: &[u8]) -> Option<usize> {
    let mut i = 0;
    while let Some(p) = memchr(b'"', &s[i..]) {
        let q = i + p;
        if s.get(q + 1) == Some(&b'"') {
            i = q + 2;
        } else {
            return Some(q);
        }
    }
    None
}

/// JSON objects that are array elements (outermost such), and top-level objects that hold none.
fn json_objects(text: &[u8]) -> Vec<RecordSpan> {
    let mut stack: Vec<u8> = Vec::new();
    let mut open_record: Option<(usize, usize)> = None; // (start, depth)
    let mut elements = Vec::new();
    let mut top_level = Vec::new();
    let mut top_start = None;
    let mut i = 0;
    while i < text.len() {
        match text[i] {
            b'"' => {
                i += 1;
                while i < text.len() && text[i] != b'"' {
                    i += if text[i] == b'\\' { 2 } else { 1 };
                }
            }
            b'{' => {
                if stack.is_empty() {
                    top_start = Some(i);
                }
                if open_record.is_none() && stack.last() == Some(&b'[') {
                    open_record = Some((i, stack.len()));
                }
                stack.push(b'{');
            }
            b'[' => stack.push(b'['),
            b'}' | b']' => {
                stack.pop();
                if text[i] == b'}' {
                    if let Some((start, _)) = open_record.filter(|&(_, d)| d == stack.len()) {
                        elements.push(RecordSpan { start, end: i + 1 });
                        open_record = None;
                    }
                    if stack.is_empty() {
                        if let Some(start) = top_start.take() {
                            top_level.push(RecordSpan { start, end: i + 1 });
                        }
                    }
                }
            }
            _ => {}
        }
        i += 1;
    }
    let mut spans = elements.clone();
    for t in top_level {
        let holds_elements = elements.iter().any(|e| e.start > t.start && e.end <= t.end);
        if !holds_elements {
            spans.push(t);
        }
    }
    spans.sort();
    spans
}

/// Value tuples of `INSERT ... VALUES (...), (...);` statements.
fn sql_tuples(text: &[u8], heads: &mut Vec<(usize, RecordSpan)>) -> Vec<RecordSpan> {
    let mut spans = Vec::new();
    let mut scanned_to = 0;
    for head in insert_heads(text) {
        // `INSERT INTO` inside a string value of an earlier statement is not a statement.
        if head.start < scanned_to {
            continue;
        }
        let mut i = head.values_end;
        heads.push((i, RecordSpan { start: head.start, end: i }));
        let mut depth = 0usize;
        let mut tuple_start = 0;
        while i < text.len() {
            match text[i] {
                q @ (b'\'' | b'"') => {
                    i += 1;
                    while i < text.len() {
                        if text[i] == b'\\' {
                            i += 2;
                            continue;
                        }
                        if text[i] == q {
                            if text.get(i + 1) == Some(&q) {
                                i += 2;
                                continue;
                            }
                            break;
                        }
                        i += 1;
                    }
                }
                b'(' => {
                    if depth == 0 {
                        tuple_start = i;
                    }
                    depth += 1;
                }
                b')' => {
                    depth = depth.saturating_sub(1);
                    if depth == 0 {
                        spans.push(RecordSpan { start: tuple_start, end: i + 1 });
                    }
                }
                b';' if depth == 0 => break,
                _ => {}
            }
            i += 1;
        }
        scanned_to = i;
    }
    spans
}

#[cfg(test)]
mod tests {
    /// The rows of a delimited text read one byte at a time: the definition
    /// [`delimited_rows`] jumps through.
    fn delimited_rows_bytewise(text: &[u8], delimiter: u8) -> Vec<RecordSpan> {
        let mut spans = Vec::new();
        let mut pos = memchr(b'\n', text).map_or(text.len(), |p| p + 1);
        while pos < text.len() {
            let start = pos;
            let mut field_start = true;
            let mut end = text.len();
            let mut i = pos;
            while i < text.len() {
                let b = text[i];
                if field_start && b == b'"' {
                    if let Some(len) = closing_quote(&text[i + 1..]) {
                        i += len + 2;
                        field_start = false;
                        continue;
                    }
                }
                if b == b'\n' {
                    end = i;
                    break;
                }
                field_start = b == delimiter;
                i += 1;
            }
            let end = if end > start && text[end - 1] == b'\r' { end - 1 } else { end };
            if end > start {
                spans.push(RecordSpan { start, end });
            }
            pos = i + 1;
        }
        spans
    }

    #[test]
    fn cursor_finds_the_records_a_search_finds() {
        let mut rng = crate::synth::Rng::new(11);
        for _ in 0..2_000 {
            let text: Vec<u8> = (0..rng.below(3000)).map(|_| *rng.pick(b"ab,,\"\n\n\r")).collect();
            let records = Records::build(&text);
            // Ascending offsets with small and large gaps, then a few going back.
            let mut offsets: Vec<usize> = (0..rng.below(40)).map(|_| rng.below(text.len() + 1)).collect();
            offsets.sort_unstable();
            offsets.extend((0..3).map(|_| rng.below(text.len() + 1)));
            // The record by a search of all spans, else the line.
            let searched = |at: usize| {
                let idx = records.spans.partition_point(|s| s.start <= at);
                match idx.checked_sub(1).map(|i| records.spans[i]) {
                    Some(span) if at < span.end => span,
                    _ => line_span(&text, at),
                }
            };
            let mut cursor = records.cursor();
            for at in offsets {
                assert_eq!(cursor.record_of(at), searched(at), "{at} in {:?}", String::from_utf8_lossy(&text));
            }
        }
    }

    #[test]
    fn rows_jumped_through_as_read_byte_by_byte() {
        let mut rng = crate::synth::Rng::new(3);
        for _ in 0..20_000 {
            let text: Vec<u8> = (0..rng.below(60)).map(|_| *rng.pick(b"ab,,\"\"\n\r\\x")).collect();
            assert_eq!(
                delimited_rows(&text, b','),
                delimited_rows_bytewise(&text, b','),
                "{:?}",
                String::from_utf8_lossy(&text)
            );
        }
    }

    use super::*;

    fn record_text<'a>(text: &'a str, needle: &str) -> &'a str {
        let records = Records::build(text.as_bytes());
        let at = text.find(needle).expect("needle");
        let span = records.record_of(at);
        &text[span.start..span.end]
    }

    #[test]
    fn csv_rows_with_quoted_newlines() {
        let text = "name,addr,phone\n张三,\"北京市\n朝阳区, 建国路88号\",13800138000\n李四,\"x\"\"y\",13900139000\n";
        assert_eq!(Records::build(text.as_bytes()).layout(), Layout::Delimited { delimiter: b',' });
        assert_eq!(record_text(text, "13800138000"), "张三,\"北京市\n朝阳区, 建国路88号\",13800138000");
        assert_eq!(record_text(text, "朝阳区"), "张三,\"北京市\n朝阳区, 建国路88号\",13800138000");
        assert_eq!(record_text(text, "13900139000"), "李四,\"x\"\"y\",13900139000");
    }

    #[test]
    fn json_array_elements_and_lines() {
        let text = "[\n  {\"name\": \"张三\",\n   \"addr\": {\"city\": \"北京\"},\n   \"phone\": \"13800138000\"},\n  {\"phone\": \"13900139000\"}\n]\n";
        assert!(record_text(text, "13800138000").starts_with("{\"name\": \"张三\""));
        assert!(record_text(text, "北京").ends_with("\"13800138000\"}"));
        assert_eq!(record_text(text, "13900139000"), "{\"phone\": \"13900139000\"}");
        let lines = "{\"a\":\"13800138000\",\"s\":\"}{\"}\n{\"b\":\"13900139000\"}\n";
        assert_eq!(record_text(lines, "13900139000"), "{\"b\":\"13900139000\"}");
        let wrapped = "{\"data\": [{\"p\": \"13800138000\"}, {\"p\": \"13900139000\"}]}";
        assert_eq!(record_text(wrapped, "13900139000"), "{\"p\": \"13900139000\"}");
    }

    #[test]
    fn sql_multi_row_inserts() {
        let text =
            "-- dump\nINSERT INTO `t` (`a`,`b`) VALUES (1,'x(y)\\'z','13800138000'),\n(2,'13900139000');\nSELECT 1;\n";
        assert_eq!(record_text(text, "13800138000"), "(1,'x(y)\\'z','13800138000')");
        assert_eq!(record_text(text, "13900139000"), "(2,'13900139000')");
        assert_eq!(record_text(text, "SELECT"), "SELECT 1;");
        let records = Records::build(text.as_bytes());
        let tuple = records.record_of(text.find("13900139000").expect("needle"));
        assert_eq!(records.header_of(tuple), b"INSERT INTO `t` (`a`,`b`) VALUES");
    }

    #[test]
    fn logs_are_lines() {
        let text = "2024-01-01 a 13800138000\n2024-01-02 b 13900139000\n";
        assert_eq!(Records::build(text.as_bytes()).layout(), Layout::Lines);
        assert_eq!(record_text(text, "13900139000"), "2024-01-02 b 13900139000");
    }
}
