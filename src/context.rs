//! Context for validators whose shape alone is too weak: is there a keyword (护照, 卡号, ...)
//! shortly before or after the candidate on its line, or does the candidate's column carry a
//! telling name (a CSV/TSV header cell, a SQL `INSERT` or `COPY` column), or its cell a telling
//! label (an HTML table header, an XML element: `layout::cells`)?
//!
//! Everything here is computed lazily: most files never ask, and those that do ask only about
//! a few candidates.

use crate::layout::{cells, detect_header, sql, Header};
use crate::reference::{keywords, KeywordSet};
use memchr::memrchr;
use std::cell::{Cell, OnceCell};

/// How far before a candidate (bytes, same line) a keyword may stand.
const WINDOW_BEFORE: usize = 160;
/// How far after a candidate a keyword may stand (`E12345678（护照）`).
const WINDOW_AFTER: usize = 48;
/// Lines longer than this before the candidate are not parsed into fields.
const FIELD_SCAN_LIMIT: usize = 64 * 1024;
/// How far before a candidate any lookup here reads (a line start is looked for one byte past
/// the column parser's reach): what a stride read into memory must hold before it.
pub const REACH_BEFORE: usize = FIELD_SCAN_LIMIT + 1;
/// How far after a candidate a lookup here reads.
pub const REACH_AFTER: usize = WINDOW_AFTER;

/// One `INSERT INTO t (a, b) VALUES` statement with its column list.
#[derive(Debug, Clone)]
pub struct Insert {
    /// Offset where the statement starts.
    start: usize,
    /// Offset where the value tuples start.
    values_start: usize,
    /// The table written to: a statement without a column list takes the columns of its
    /// `CREATE TABLE`.
    table: String,
    /// The first `;` after them: the statement's end (`usize::MAX` while none has been seen).
    /// (A `;` inside a quoted value ends it early; values after it then go without a column
    /// name, as values outside any statement.)
    values_end: usize,
    columns: Vec<String>,
    /// A PostgreSQL `COPY ... FROM stdin` block: its rows are tab-separated lines (no tuples),
    /// and it ends at its `\.` line rather than at a `;`.
    copy: bool,
}

/// The parts of a file's context that are worth computing once and sharing between the chunks
/// of a large file scanned in parallel.
#[derive(Debug, Clone)]
pub struct SharedContext {
    header: Option<Header>,
    inserts: Vec<Insert>,
    tables: sql::Tables,
}

/// The SQL a part of a text holds: tables defined and `INSERT` statements, each by offset.
#[derive(Debug, Clone, Default)]
pub struct SqlHeads {
    creates: Vec<(usize, String, Vec<String>)>,
    inserts: Vec<Insert>,
}

impl SharedContext {
    /// Computes the header and the `INSERT` column lists of `text`.
    pub fn new(text: &[u8]) -> Self {
        let mut shared = SharedContext::header_only(text);
        shared.extend_inserts(Self::inserts_in(text, 0, 0..text.len()));
        shared
    }

    /// The header of `text` and no `INSERT` list yet: a file scanned window by window adds the
    /// statements of each window with [`SharedContext::extend_inserts`] before scanning it (a
    /// value only ever looks back to the statement it is in).
    pub fn header_only(text: &[u8]) -> Self {
        SharedContext { header: detect_header(text), inserts: Vec::new(), tables: sql::Tables::default() }
    }

    /// The `INSERT` column lists that start in `range` of the text, to be added with
    /// [`SharedContext::extend_inserts`]: ranges can be searched in parallel and added in order.
    /// `window` is the part of the text from offset `origin` on (the whole text, or a stride
    /// read into memory); `range` and the lists' offsets are the text's. A statement whose end is
    /// not in `window` stays open until [`SharedContext::close_statements`] finds it in a later
    /// one.
    pub fn inserts_in(window: &[u8], origin: usize, range: std::ops::Range<usize>) -> SqlHeads {
        let statements = sql::statements_in(window, range.start - origin..range.end - origin);
        let inserts = statements
            .inserts
            .into_iter()
            .map(|h| {
                let (table, columns) = sql::parse_insert_head(&window[h.start..h.values_end - 6]);
                let values_end =
                    memchr::memchr(b';', &window[h.values_end..]).map_or(usize::MAX, |p| origin + h.values_end + p);
                Insert {
                    start: h.start + origin,
                    values_start: h.values_end + origin,
                    values_end,
                    table,
                    columns,
                    copy: false,
                }
            })
            .collect::<Vec<_>>();
        // COPY blocks name the columns of their rows as INSERT lists do.
        let copies = statements.copies.into_iter().map(|c| {
            let values_end = sql::copy_end(window, c.rows_start).map_or(usize::MAX, |e| origin + e);
            Insert {
                start: c.start + origin,
                values_start: c.rows_start + origin,
                values_end,
                table: c.table,
                columns: c.columns,
                copy: true,
            }
        });
        let mut inserts: Vec<Insert> = inserts.into_iter().chain(copies).collect();
        inserts.sort_by_key(|i| i.start);
        let creates = statements.tables.into_iter().map(|t| (t.start + origin, t.name, t.columns)).collect();
        SqlHeads { creates, inserts }
    }

    /// Ends the statements still open with the first `;` after their values in `window`, the
    /// part of the text from `origin` on that follows every part searched before.
    pub fn close_statements(&mut self, window: &[u8], origin: usize) {
        for insert in self.inserts.iter_mut().rev().take_while(|i| i.values_end == usize::MAX) {
            let from = insert.values_start.saturating_sub(origin).min(window.len());
            let end = if insert.copy {
                sql::copy_end(window, from)
            } else {
                memchr::memchr(b';', &window[from..]).map(|p| from + p)
            };
            if let Some(end) = end {
                insert.values_end = origin + end;
            }
        }
    }

    /// Adds column lists found by [`SharedContext::inserts_in`], which must follow those added
    /// before in the text.
    pub fn extend_inserts(&mut self, heads: SqlHeads) {
        let mut creates = heads.creates.into_iter().peekable();
        for mut insert in heads.inserts {
            while let Some((_, name, columns)) = creates.next_if(|(at, _, _)| *at < insert.start) {
                self.tables.insert(name, columns);
            }
            if insert.columns.is_empty() {
                insert.columns = self.tables.columns(&insert.table).map(<[String]>::to_vec).unwrap_or_default();
            }
            self.inserts.push(insert);
        }
        for (_, name, columns) in creates {
            self.tables.insert(name, columns);
        }
    }
}

/// Lazily built context of one file's text. Offsets given to its methods are relative to a
/// window of the text starting at `base` (the whole text for [`Context::new`]), while lookups
/// (lines, columns, statements) see the whole text, or the part of it held in memory.
pub struct Context<'t> {
    text: &'t [u8],
    base: usize,
    /// Where `text` starts in the file's text: the offsets of the shared header and `INSERT`
    /// lists are the file's.
    origin: usize,
    /// Header and INSERT lists computed once for all windows of a large file.
    shared: Option<&'t SharedContext>,
    header: OnceCell<Option<Header>>,
    inserts: OnceCell<Vec<Insert>>,
    /// The keyword sets named by any column (CSV header or SQL column list): a set no column
    /// names skips the per-candidate column lookup.
    sets_in_columns: OnceCell<u16>,
    /// Which keyword sets each column name matches, by the name's address (names live as long
    /// as the header and insert lists, which are never rebuilt).
    column_sets: std::cell::RefCell<Vec<(usize, u16)>>,
    /// Where the last delimited-field count stopped: candidates come in text order, so the
    /// next one on the same line resumes there instead of counting from the line start.
    field_cursor: Cell<Option<(usize, usize, FieldScan)>>,
    /// Where the last look for a value's tuple stopped, in which statement, and the tuple
    /// found: the next candidate searches only the text after it (a look of up to 64 KiB per
    /// candidate was most of the time on files that go on after their last `INSERT`).
    tuple_cursor: Cell<Option<TupleCursor>>,
    /// The header of the HTML table being read, carried from one cell to the next.
    html_cursor: std::cell::RefCell<cells::CellCursor>,
}

/// See [`Context::tuple_cursor`].
#[derive(Debug, Clone, Copy)]
struct TupleCursor {
    /// Index of the statement in the `INSERT` list.
    insert: usize,
    /// The text before this has been searched.
    searched_to: usize,
    /// The last tuple opening before `searched_to`.
    open: Option<usize>,
}

impl<'t> Context<'t> {
    /// Context over `text`; nothing is computed yet.
    pub fn new(text: &'t [u8]) -> Self {
        Context {
            text,
            base: 0,
            origin: 0,
            shared: None,
            header: OnceCell::new(),
            inserts: OnceCell::new(),
            sets_in_columns: OnceCell::new(),
            field_cursor: Cell::new(None),
            tuple_cursor: Cell::new(None),
            column_sets: std::cell::RefCell::default(),
            html_cursor: std::cell::RefCell::default(),
        }
    }

    /// Context for the window of `text` that starts at `base`, with precomputed shared parts.
    /// `text` is the part of a file's text that starts at offset `origin` (the whole text, or a
    /// stride read into memory with enough before and after it for every lookup).
    pub fn window(text: &'t [u8], origin: usize, base: usize, shared: &'t SharedContext) -> Self {
        Context {
            text,
            base,
            origin,
            shared: Some(shared),
            header: OnceCell::new(),
            inserts: OnceCell::new(),
            sets_in_columns: OnceCell::new(),
            field_cursor: Cell::new(None),
            tuple_cursor: Cell::new(None),
            column_sets: std::cell::RefCell::default(),
            html_cursor: std::cell::RefCell::default(),
        }
    }

    fn header(&self) -> &Option<Header> {
        match self.shared {
            Some(shared) => &shared.header,
            None => self.header.get_or_init(|| detect_header(self.text)),
        }
    }

    fn inserts(&self) -> &[Insert] {
        match self.shared {
            Some(shared) => &shared.inserts,
            None => self.inserts.get_or_init(|| SharedContext::new(self.text).inserts),
        }
    }

    /// Whether a keyword of `set` is near `span` on its line or names its column.
    pub fn has_keyword(&self, set: KeywordSet, start: usize, end: usize) -> bool {
        let matches = |hay: &[u8]| keywords().sets_in(hay) & set.bit() != 0;
        self.near(Words::Set(set), matches, start + self.base, end + self.base)
    }

    /// Like [`Context::has_keyword`] with a caller's lower-cased word list (user rules).
    pub fn has_any(&self, words: &[String], start: usize, end: usize) -> bool {
        let matches = |hay: &[u8]| {
            let lowered = lower(hay);
            words.iter().any(|w| lowered.contains(w.as_str()))
        };
        self.near(Words::List, matches, start + self.base, end + self.base)
    }

    fn near(&self, words: Words, matches: impl Fn(&[u8]) -> bool, start: usize, end: usize) -> bool {
        let line_start = self.line_start(start);
        let ahead = &self.text[end..self.text.len().min(end + WINDOW_AFTER)];
        let line_end = memchr::memchr(b'\n', ahead).map_or(end + ahead.len(), |p| end + p);
        // A value with a key of its own (`"sku": "E12345678"`, `护照号码：E12345678`) is judged
        // by that key alone: another field's keyword elsewhere on the line says nothing about it.
        let label = label_before(&self.text[line_start..start]);
        let may_match = match words {
            Words::Set(_) => may_hold_keyword(label.text),
            Words::List => !label.text.is_empty(),
        };
        if may_match && matches(label.text) {
            return true;
        }
        if label.is_key && !label.text.is_empty() {
            return false;
        }
        if let Some(name) = self.column_name(line_start, start) {
            return match words {
                Words::Set(set) => self.column_sets_of(name) & set.bit() != 0,
                Words::List => matches(name.as_bytes()),
            };
        }
        let from = floor_char_boundary(self.text, start.saturating_sub(WINDOW_BEFORE).max(line_start));
        let to = ceil_char_boundary(self.text, (end + WINDOW_AFTER).min(line_end));
        matches(&self.text[from..start]) || matches(&self.text[end..to])
    }

    /// The start of the line holding `offset`, looked for no further back than the column
    /// parser reaches: on a multi-megabyte line (an extended `INSERT`, minified JSON) every
    /// candidate would otherwise scan back to the line start, quadratic in the line length. When
    /// the line starts further back, the returned position is just out of the column parser's
    /// reach, so no column is guessed.
    fn line_start(&self, offset: usize) -> usize {
        let floor = offset.saturating_sub(FIELD_SCAN_LIMIT + 1);
        memrchr(b'\n', &self.text[floor..offset]).map_or(floor, |p| floor + p + 1)
    }

    /// Like [`Context::has_keyword`] but without the free-text window: only the value's own key
    /// or its column counts. For shapes as common as a two-character word.
    pub fn has_label_or_column(&self, set: KeywordSet, start: usize) -> bool {
        let start = start + self.base;
        let line_start = self.line_start(start);
        let label = label_before(&self.text[line_start..start]).text;
        if may_hold_keyword(label) && keywords().sets_in(label) & set.bit() != 0 {
            return true;
        }
        self.column_in_set(line_start, start, set)
    }

    /// The name of the column (CSV header or SQL column list) the value at `start` stands in.
    pub fn column_of(&self, start: usize) -> Option<&str> {
        let start = start + self.base;
        self.column_name(self.line_start(start), start)
    }

    /// Whether `start..end` is the whole value of a labelled cell (an HTML table cell under its
    /// header or right of a label cell, an XML element, a fixed-width report column, a mail
    /// display name: see [`cells`]) with a label of `set`. A mail display name counts as
    /// labelled by a name label.
    pub fn in_labelled_cell(&self, set: KeywordSet, start: usize, end: usize) -> bool {
        let (start, end) = (start + self.base, end + self.base);
        cells::labels_of(self.text, start, end, &mut self.html_cursor.borrow_mut()).iter().any(|cell| {
            (cell.shape == cells::CellShape::MailDisplayName && set == KeywordSet::Name)
                || keywords().sets_in(cell.label.as_bytes()) & set.bit() != 0
        })
    }

    /// Whether the column `offset` falls in has a name from `set` (cached per column).
    fn column_in_set(&self, line_start: usize, offset: usize, set: KeywordSet) -> bool {
        // When no column of the file names this set, no field parsing is needed at all.
        let any_column = *self.sets_in_columns.get_or_init(|| {
            let (header, inserts) = (self.header(), self.inserts());
            let names = header.iter().flat_map(|h| &h.cells).chain(inserts.iter().flat_map(|i| &i.columns));
            names.fold(0u16, |mask, name| mask | sets_named_by(name))
        });
        if any_column & set.bit() == 0 {
            return false;
        }
        let Some(name) = self.column_name(line_start, offset) else { return false };
        self.column_sets_of(name) & set.bit() != 0
    }

    /// The keyword sets a column name matches, cached by the name's address (names live as
    /// long as the header and insert lists, which are never rebuilt).
    fn column_sets_of(&self, name: &str) -> u16 {
        // A file has a few dozen columns at most: a short list beats hashing.
        let key = name.as_ptr() as usize;
        if let Some(&(_, mask)) = self.column_sets.borrow().iter().find(|(k, _)| *k == key) {
            return mask;
        }
        let mask = sets_named_by(name);
        self.column_sets.borrow_mut().push((key, mask));
        mask
    }

    /// Whether the candidate's own label (the key right before it, or its column name) says it
    /// is an order, trace or waybill number rather than personal information.
    pub fn has_negative_label(&self, start: usize) -> bool {
        self.has_label_or_column(KeywordSet::NotPersonal, start)
    }

    /// The name of the column `offset` (absolute) falls in, from a SQL column list or a CSV
    /// header.
    fn column_name(&self, line_start: usize, offset: usize) -> Option<&str> {
        if let Some(name) = self.sql_column(offset) {
            return Some(name);
        }
        let header = self.header().as_ref()?;
        if offset + self.origin < header.end || offset - line_start > FIELD_SCAN_LIMIT {
            return None;
        }
        let (from, mut scan) = match self.field_cursor.get() {
            Some((line, pos, scan)) if line == line_start && pos <= offset => (pos, scan),
            _ => (line_start, FieldScan::default()),
        };
        scan.feed(&self.text[from..offset], header.delimiter);
        self.field_cursor.set(Some((line_start, offset, scan)));
        header.cells.get(scan.index).map(String::as_str)
    }

    fn sql_column(&self, offset: usize) -> Option<&str> {
        let inserts = self.inserts();
        // The statements' offsets are the file's; `offset` and the cursor are `text`'s.
        let file_offset = offset + self.origin;
        let idx = inserts.partition_point(|ins| ins.values_start <= file_offset).checked_sub(1)?;
        let insert = &inserts[idx];
        if insert.columns.is_empty() || file_offset >= insert.values_end {
            return None;
        }
        let floor = insert.values_start.saturating_sub(self.origin).max(offset.saturating_sub(FIELD_SCAN_LIMIT));
        if insert.copy {
            // A COPY row is one line of tab-separated fields.
            let line_start = memrchr(b'\n', &self.text[floor..offset]).map_or(floor, |p| floor + p + 1);
            let index = memchr::memchr_iter(b'\t', &self.text[line_start..offset]).count();
            return insert.columns.get(index).map(String::as_str);
        }
        let (from, cached) = match self.tuple_cursor.get() {
            Some(c) if c.insert == idx && c.searched_to <= offset => (c.searched_to.max(floor), c.open),
            _ => (floor, None),
        };
        let open = last_tuple_open(self.text, from..offset).or(cached);
        self.tuple_cursor.set(Some(TupleCursor { insert: idx, searched_to: offset, open }));
        let open = open.filter(|&o| o >= floor)?;
        let index = field_index(&self.text[open + 1..offset], b',');
        insert.columns.get(index).map(String::as_str)
    }
}

/// The last tuple opening in `range` of `text`: a `(` that follows a `,`, the VALUES keyword or
/// nothing.
fn last_tuple_open(text: &[u8], range: std::ops::Range<usize>) -> Option<usize> {
    memchr::memrchr_iter(b'(', &text[range.clone()]).map(|i| range.start + i).find(|&open| {
        let prev = text[..open].iter().rev().find(|b| !b.is_ascii_whitespace());
        matches!(prev, None | Some(b',' | b'S' | b's'))
    })
}

/// The keyword sets whose words a column name contains, as a mask of [`KeywordSet::bit`].
fn sets_named_by(name: &str) -> u16 {
    keywords().sets_in(name.as_bytes())
}

/// Which words a lookup matches: a built-in set (whose column verdicts are cached) or a user
/// rule's list.
#[derive(Clone, Copy)]
enum Words {
    Set(KeywordSet),
    List,
}

/// What stands immediately before a value.
struct Label<'a> {
    /// The word or key, possibly empty.
    text: &'a [u8],
    /// Whether a key-value separator (`=`, `:`, `：`, a quote) stood between it and the value, so
    /// that it names this value rather than being just the previous word.
    is_key: bool,
}

/// CJK punctuation that ends a label when walking backwards.
const CJK_STOPS: &[char] = &['，', '。', '；', '、', '（', '）', '“', '”', '：', '！', '？', '【', '】', '《', '》'];

/// The key immediately before a value: skip separators (`=`, `:`, quotes, spaces), then take
/// the run of letters, digits, `_`, `-` and non-punctuation CJK characters before them (at most
/// 48 bytes).
fn label_before(prefix: &[u8]) -> Label<'_> {
    let mut end = prefix.len();
    let mut is_key = false;
    for _ in 0..8 {
        if end >= 3 && matches!(prefix[end - 3..end], [0xEF, 0xBC, 0x9A]) {
            end -= 3;
            is_key = true;
        } else if end > 0 && matches!(prefix[end - 1], b'=' | b':' | b'"' | b'\'') {
            end -= 1;
            is_key = true;
        } else if end > 0 && matches!(prefix[end - 1], b' ' | b'\t' | b'#') {
            end -= 1;
        } else {
            break;
        }
    }
    let mut start = end;
    while start > 0 && end - start < 48 {
        let b = prefix[start - 1];
        if b.is_ascii_alphanumeric() || b == b'_' || b == b'-' {
            start -= 1;
        } else if b >= 0x80 {
            let mut char_start = start - 1;
            while char_start > 0 && (prefix[char_start] & 0xC0) == 0x80 {
                char_start -= 1;
            }
            let stop = std::str::from_utf8(&prefix[char_start..start])
                .map_or(true, |s| s.chars().next().is_some_and(|c| CJK_STOPS.contains(&c)));
            if stop || end - char_start > 48 {
                break;
            }
            start = char_start;
        } else {
            break;
        }
    }
    Label { text: &prefix[start..end], is_key }
}

/// Whether `label` can contain a built-in keyword, all of which have a letter or a Chinese
/// character: in a delimited export the "label" before a value is often the previous value, a
/// number, and searching it for keywords was a visible share of the scan.
fn may_hold_keyword(label: &[u8]) -> bool {
    label.iter().any(|&b| b.is_ascii_alphabetic() || b >= 0x80)
}

/// Counts delimiters outside quotes: the 0-based field index at the end of `prefix`.
fn field_index(prefix: &[u8], delimiter: u8) -> usize {
    let mut scan = FieldScan::default();
    scan.feed(prefix, delimiter);
    scan.index
}

/// A count of delimited fields that can be fed a line in pieces.
#[derive(Debug, Clone, Copy, Default)]
struct FieldScan {
    /// Delimiters seen outside quotes.
    index: usize,
    /// The quote character of the quoted field we are in.
    quote: Option<u8>,
    /// A backslash inside quotes ended the last piece: the next byte is escaped.
    escaped: bool,
}

impl FieldScan {
    fn feed(&mut self, bytes: &[u8], delimiter: u8) {
        // Most exports quote nothing between two candidates: count the delimiters in bulk,
        // in one pass that also counts quotes (the gap between candidates is short, so a
        // separate search for quotes first cost as much as the count).
        if self.quote.is_none() && !self.escaped {
            let (mut delimiters, mut quotes) = (0usize, 0u8);
            // Byte-wide counters vectorise well; a chunk of 255 cannot overflow them.
            for chunk in bytes.chunks(255) {
                let (d, q) = chunk.iter().fold((0u8, 0u8), |(d, q), &b| {
                    (d + u8::from(b == delimiter), q | u8::from(b == b'"' || b == b'\''))
                });
                delimiters += usize::from(d);
                quotes |= q;
            }
            if quotes == 0 {
                self.index += delimiters;
                return;
            }
        }
        self.feed_jumping(bytes, delimiter);
    }

    /// `FieldScan::feed_bytes` (the definition, in the tests) from one byte that matters to the next, found by vector search:
    /// a quoted Chinese address is skipped to its closing quote in one step (byte by byte, the
    /// column lookups of a quoted export were a tenth of its scan).
    fn feed_jumping(&mut self, bytes: &[u8], delimiter: u8) {
        let mut i = 0;
        while i < bytes.len() {
            if self.escaped {
                self.escaped = false;
                i += 1;
                continue;
            }
            let rest = &bytes[i..];
            match self.quote {
                Some(q) => {
                    let Some(p) = memchr::memchr2(q, b'\\', rest) else { return };
                    if rest[p] == b'\\' {
                        self.escaped = true;
                    } else {
                        self.quote = None;
                    }
                    i += p + 1;
                }
                None => {
                    let Some(p) = memchr::memchr3(b'"', b'\'', delimiter, rest) else { return };
                    let b = rest[p];
                    if b == b'"' || b == b'\'' {
                        self.quote = Some(b);
                    } else {
                        self.index += 1;
                    }
                    i += p + 1;
                }
            }
        }
    }

    /// [`FieldScan::feed`] one byte at a time: the definition the tests hold the fast paths to.
    #[cfg(test)]
    fn feed_bytes(&mut self, bytes: &[u8], delimiter: u8) {
        for &b in bytes {
            if self.escaped {
                self.escaped = false;
                continue;
            }
            match self.quote {
                Some(_) if b == b'\\' => self.escaped = true,
                Some(q) if b == q => self.quote = None,
                Some(_) => {}
                None if b == b'"' || b == b'\'' => self.quote = Some(b),
                None if b == delimiter => self.index += 1,
                None => {}
            }
        }
    }
}

fn lower(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).to_lowercase()
}

fn floor_char_boundary(text: &[u8], mut i: usize) -> usize {
    while i > 0 && i < text.len() && (text[i] & 0xC0) == 0x80 {
        i -= 1;
    }
    i
}

fn ceil_char_boundary(text: &[u8], mut i: usize) -> usize {
    while i < text.len() && (text[i] & 0xC0) == 0x80 {
        i += 1;
    }
    i
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx_has(text: &str, needle: &str, set: KeywordSet) -> bool {
        let start = text.find(needle).expect("needle in text");
        Context::new(text.as_bytes()).has_keyword(set, start, start + needle.len())
    }

    #[test]
    fn keyword_before_on_same_line() {
        assert!(ctx_has("护照号码：E12345678", "E12345678", KeywordSet::Passport));
        assert!(ctx_has("Passport No. E12345678", "E12345678", KeywordSet::Passport));
        assert!(!ctx_has("护照\nE12345678", "E12345678", KeywordSet::Passport));
        assert!(ctx_has("我的护照E12345678", "E12345678", KeywordSet::Passport));
        assert!(ctx_has("E12345678（护照）", "E12345678", KeywordSet::Passport));
        assert!(ctx_has("his passport number E12345678.", "E12345678", KeywordSet::Passport));
        assert!(ctx_has("需要护照，护照号码：E12345678", "E12345678", KeywordSet::Passport));
        assert!(!ctx_has("护照已还，订单号：E12345678", "E12345678", KeywordSet::Passport));
        assert!(!ctx_has("{\"passportNo\":\"E1\",\"sku\":\"E12345678\"}", "E12345678", KeywordSet::Passport));
    }

    #[test]
    fn csv_header_names_the_column() {
        let text = "name,passport_no,city\n张三,\"E12345678\",北京\n";
        assert!(ctx_has(text, "E12345678", KeywordSet::Passport));
        let text = "name,sku,city\n张三,E12345678,北京\n";
        assert!(!ctx_has(text, "E12345678", KeywordSet::Passport));
    }

    #[test]
    fn a_header_below_title_rows_names_the_column() {
        // A sheet's title row (a title in its first cell) and a blank row above the header.
        let text = "2024年客户信息表\t\t\n\nname\tpassport_no\tcity\n张三\tE12345678\t北京\n";
        assert!(ctx_has(text, "E12345678", KeywordSet::Passport));
        // A document's heading above a table.
        let text = "客户名单\nname,passport_no,city\n张三,E12345678,北京\n";
        assert!(ctx_has(text, "E12345678", KeywordSet::Passport));
        // A heading above prose with a comma is no header, nor is data above a header-like line.
        let text = "客户名单\nname, passport_no\n张三, E12345678\n";
        assert!(!ctx_has(text, "E12345678", KeywordSet::Passport));
        let text = "张三,13800138000,1\nname,passport_no,city\n张三,E12345678,北京\n";
        assert!(!ctx_has(text, "E12345678", KeywordSet::Passport));
    }

    #[test]
    fn sql_column_list_names_the_column() {
        let text = "INSERT INTO t (`name`, `passport`) VALUES\n('张三', 'E12345678'),\n('李四', 'E87654321');\n";
        assert!(ctx_has(text, "E87654321", KeywordSet::Passport));
        let text = "INSERT INTO t (`name`, `sku`) VALUES\n('张三', 'E12345678');\n";
        assert!(!ctx_has(text, "E12345678", KeywordSet::Passport));
        // After the statement's end, a parenthesis after a comma opens no tuple of it.
        let text = "INSERT INTO t (`name`, `passport`) VALUES ('张三', 'E12345678');\nnote, (x, E87654321)\n";
        assert!(ctx_has(text, "E12345678", KeywordSet::Passport));
        assert!(!ctx_has(text, "E87654321", KeywordSet::Passport));
    }

    #[test]
    fn copy_columns_name_their_rows() {
        let text = "COPY public.owners (id, passport_no, city) FROM stdin;\n1\tE12345678\t北京\n2\tE87654321\t上海\n\\.\nnote\tE11111111\n";
        assert!(ctx_has(text, "E87654321", KeywordSet::Passport));
        assert!(!ctx_has(text, "北京", KeywordSet::Passport));
        // After the block's `\.` line its columns are over.
        assert!(!ctx_has(text, "E11111111", KeywordSet::Passport));
    }

    #[test]
    fn copy_blocks_close_in_a_later_window() {
        let text =
            "--\n-- PostgreSQL database dump\n--\nCOPY t (id, passport) FROM stdin;\n1\tE12345678\n\\.\n2\tE87654321\n";
        let cut = text.find("1\t").expect("row");
        let mut shared = SharedContext::header_only(text.as_bytes());
        shared.extend_inserts(SharedContext::inserts_in(&text.as_bytes()[..cut], 0, 0..cut));
        assert_eq!(shared.inserts[0].values_end, usize::MAX, "the block's end is not in the first window");
        shared.close_statements(&text.as_bytes()[cut..], cut);
        assert_eq!(shared.inserts[0].values_end, text.find("\\.").expect("end"));
        let at = |needle: &str| {
            let start = text.find(needle).expect("needle");
            Context::window(text.as_bytes(), 0, 0, &shared).has_label_or_column(KeywordSet::Passport, start)
        };
        assert!(at("E12345678"));
        assert!(!at("E87654321"));
    }

    #[test]
    fn tuple_search_resumes_as_it_started_afresh() {
        // Candidates asked in text order through one context (which resumes its search) get
        // the columns that a fresh context per candidate gives.
        let text = "INSERT INTO t (name, passport, sku) VALUES ('a', 'E1', 'E2'),\n('b',\n 'E3', 'E4'), ('c', 'E5', 'E6');\nx, (E7, E8)\nINSERT INTO u (passport) VALUES ('E9');\n";
        let shared = Context::new(text.as_bytes());
        for (offset, _) in text.match_indices('E') {
            let line_start = text[..offset].rfind('\n').map_or(0, |p| p + 1);
            let fresh = Context::new(text.as_bytes());
            assert_eq!(shared.column_name(line_start, offset), fresh.column_name(line_start, offset), "at {offset}");
        }
        let name = |needle: &str| {
            let offset = text.find(needle).expect("needle");
            Context::new(text.as_bytes()).sql_column(offset).map(str::to_string)
        };
        assert_eq!(name("E3").as_deref(), Some("passport"));
        assert_eq!(name("E6").as_deref(), Some("sku"));
        assert_eq!(name("E8"), None);
        assert_eq!(name("E9").as_deref(), Some("passport"));
    }

    #[test]
    fn negative_labels() {
        let has = |text: &str, needle: &str| {
            let start = text.find(needle).expect("needle");
            Context::new(text.as_bytes()).has_negative_label(start)
        };
        assert!(has("orderNo=6299525215064645205 x", "6299"));
        assert!(has("订单号：6299525215064645205", "6299"));
        assert!(!has("orderNo=1 card=6299525215064645205", "6299"));
        assert!(has("id,order_id\n1,6299525215064645205\n", "6299"));
    }

    #[test]
    fn field_index_respects_quotes() {
        assert_eq!(field_index(b"a,\"b,c\",", b','), 2);
        assert_eq!(field_index(b"'x\\',y',", b','), 1);
    }

    #[test]
    fn fields_counted_in_pieces_as_byte_by_byte() {
        let mut rng = piiscan_synth::Rng::new(11);
        for round in 0..20_000 {
            // Every tenth line is long, with rare quotes, in long pieces: the bulk count's
            // chunks (255 bytes) and its fall-back to the byte reading both get exercised.
            let (len, bytes, piece): (usize, &[u8], usize) = if round % 10 == 0 {
                (
                    1200,
                    b",,,aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa1111111111111111111111111111\"",
                    700,
                )
            } else {
                (40, b",\t\"'\\a1 ", 8)
            };
            let line: Vec<u8> = (0..rng.below(len)).map(|_| *rng.pick(bytes)).collect();
            let mut whole = FieldScan::default();
            whole.feed_bytes(&line, b',');
            let mut pieces = FieldScan::default();
            let mut at = 0;
            while at < line.len() {
                let to = (at + 1 + rng.below(piece)).min(line.len());
                pieces.feed(&line[at..to], b',');
                at = to;
            }
            assert_eq!(
                (pieces.index, pieces.quote, pieces.escaped),
                (whole.index, whole.quote, whole.escaped),
                "{line:?}"
            );
        }
    }
}
