//! Records, read incrementally: one record is what one row of an export says about one
//! person: a delimited row (quoted fields may hold newlines), a JSON object (a JSON-lines row,
//! or an element of an array), a SQL `INSERT` tuple or a `COPY` row. Text outside any of them
//! (logs, prose, source, SQL between statements) is read as lines by the caller.

use super::sql::{self, Tables};
use super::{Layout, Structure};
use memchr::{memchr, memchr2};
use std::collections::HashMap;
use std::ops::Range;

/// A quoted field that has not closed this many bytes after its opening quote is taken
/// literally, so that a stray quote cannot swallow the rest of the file into one record. At
/// most what a stride read into memory holds before its start (`source::STRIDE_BEFORE`), so
/// that the decision can always be made with the bytes at hand.
pub const MAX_QUOTED: usize = 64 << 10;

/// A record's byte span in the text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RecordSpan {
    /// First byte.
    pub start: usize,
    /// One past the last byte.
    pub end: usize,
}

/// One record and the column names that apply to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Record {
    /// Where it is, in the text's offsets.
    pub span: RecordSpan,
    /// Its column names, an index into [`RecordReader::columns`]: the header row, or the
    /// statement's column list. `None` when the record names its own fields (JSON) or no names
    /// are known.
    pub columns: Option<u32>,
}

/// Reads the records of one text, fed stride by stride in order. What a record cut by a
/// stride's end needs (its start, the quote or bracket it is in, its statement) is carried to
/// the next stride, so records come out the same wherever the strides were cut.
#[derive(Debug)]
pub struct RecordReader {
    layout: Layout,
    /// Bytes before this offset have been read.
    pos: usize,
    /// The start of the record being read, if one is open.
    open: Option<usize>,
    state: State,
    columns: Vec<Vec<String>>,
    column_ids: HashMap<Vec<String>, u32>,
    tables: Tables,
}

#[derive(Debug)]
enum State {
    Delimited { delimiter: u8 },
    Json(Json),
    Sql(Sql),
    Lines,
}

#[derive(Debug, Default)]
struct Json {
    /// Open brackets, innermost last (capped: deeper ones are only counted).
    stack: Vec<u8>,
    deeper: usize,
    in_string: bool,
    /// The depth of the open array element, if one is open.
    element_depth: Option<usize>,
    /// Whether the open top-level value holds array elements (then it is no record itself).
    top_has_elements: bool,
}

const JSON_MAX_DEPTH: usize = 1024;

#[derive(Debug, Default)]
struct Sql {
    statement: Option<Statement>,
    /// Rows of a `COPY` block are being read, under these columns.
    copy: Option<Option<u32>>,
}

#[derive(Debug, Clone, Copy)]
struct Statement {
    columns: Option<u32>,
    depth: usize,
    quote: Option<u8>,
}

impl RecordReader {
    /// A reader for a text of the given structure, before its first byte.
    pub fn new(structure: &Structure) -> Self {
        let mut reader = RecordReader {
            layout: structure.layout,
            pos: 0,
            open: None,
            state: State::Lines,
            columns: Vec::new(),
            column_ids: HashMap::new(),
            tables: Tables::default(),
        };
        reader.state = match structure.layout {
            Layout::Delimited { delimiter } => {
                if let Some(header) = &structure.header {
                    reader.intern(header.cells.clone());
                    reader.pos = header.end.saturating_add(1);
                }
                State::Delimited { delimiter }
            }
            Layout::Json => State::Json(Json::default()),
            Layout::Sql => State::Sql(Sql::default()),
            Layout::Lines => State::Lines,
        };
        reader
    }

    /// The layout read.
    pub fn layout(&self) -> Layout {
        self.layout
    }

    /// The column names of a record (see [`Record::columns`]).
    pub fn columns(&self, id: u32) -> &[String] {
        &self.columns[id as usize]
    }

    /// The start of the record still open after the last stride, if any: the caller keeps its
    /// bytes and its findings for the next stride.
    pub fn open_record(&self) -> Option<usize> {
        self.open
    }

    fn intern(&mut self, names: Vec<String>) -> u32 {
        if let Some(&id) = self.column_ids.get(&names) {
            return id;
        }
        let id = self.columns.len() as u32;
        self.columns.push(names.clone());
        self.column_ids.insert(names, id);
        id
    }

    /// Reads the stride `range` of the text (its offsets), held in `window` from offset `origin`
    /// on with the bytes after it that a stride read into memory holds; appends the records that
    /// end in it (one may have started in an earlier stride). `eof`: the text ends with the
    /// window, and a record still open ends there.
    pub fn feed(&mut self, window: &[u8], origin: usize, range: Range<usize>, eof: bool, out: &mut Vec<Record>) {
        let end = range.end;
        // A record left open may have stopped before the stride (at a quote it could not yet
        // decide on): it resumes there.
        let pos = if self.open.is_some() { self.pos } else { self.pos.max(range.start) };
        let state = std::mem::replace(&mut self.state, State::Lines);
        self.state = match state {
            State::Delimited { delimiter } => {
                self.delimited(window, origin, pos, end, delimiter, eof, out);
                State::Delimited { delimiter }
            }
            State::Json(mut json) => {
                self.json(&mut json, window, origin, pos, end, out);
                State::Json(json)
            }
            State::Sql(mut sql) => {
                self.sql(&mut sql, window, origin, pos, end, out);
                State::Sql(sql)
            }
            State::Lines => {
                self.pos = end;
                State::Lines
            }
        };
        if eof {
            if let Some(start) = self.open.take() {
                let columns = match &self.state {
                    State::Delimited { .. } => self.columns.first().map(|_| 0),
                    _ => None,
                };
                push(out, start, end, columns);
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn delimited(
        &mut self,
        window: &[u8],
        origin: usize,
        mut pos: usize,
        end: usize,
        delimiter: u8,
        eof: bool,
        out: &mut Vec<Record>,
    ) {
        let columns = self.columns.first().map(|_| 0);
        let at = |p: usize| window[p - origin];
        let window_end = origin + window.len();
        loop {
            let start = match self.open {
                Some(start) => start,
                None if pos < end => {
                    self.open = Some(pos);
                    pos
                }
                None => break,
            };
            if pos >= end {
                break;
            }
            let Some(found) = memchr2(b'"', b'\n', &window[pos - origin..end - origin]) else {
                pos = end;
                break;
            };
            let p = pos + found;
            if at(p) == b'\n' {
                let stop = if p > start && at(p - 1) == b'\r' { p - 1 } else { p };
                push(out, start, stop, columns);
                self.open = None;
                pos = p + 1;
                continue;
            }
            // Only a quote that opens a field can hide a line break.
            if !(p == start || at(p - 1) == delimiter) {
                pos = p + 1;
                continue;
            }
            let limit = window_end.min(p + 1 + MAX_QUOTED);
            // Decidable once the reach is at hand, or at the end of the text.
            let decidable = limit == p + 1 + MAX_QUOTED || eof;
            match closing_quote(&window[p + 1 - origin..limit - origin], decidable) {
                Some(len) => pos = p + len + 2,
                // Unclosed within reach: taken literally.
                None if decidable => pos = p + 1,
                // Not decidable with the bytes at hand: resume at the quote next time.
                None => {
                    pos = p;
                    break;
                }
            }
        }
        self.pos = pos;
    }

    fn json(
        &mut self,
        json: &mut Json,
        window: &[u8],
        origin: usize,
        mut pos: usize,
        end: usize,
        out: &mut Vec<Record>,
    ) {
        while pos < end {
            if json.in_string {
                let Some(found) = memchr2(b'"', b'\\', &window[pos - origin..end - origin]) else {
                    pos = end;
                    break;
                };
                let p = pos + found;
                if window[p - origin] == b'\\' {
                    pos = p + 2;
                } else {
                    json.in_string = false;
                    pos = p + 1;
                }
                continue;
            }
            let b = window[pos - origin];
            match b {
                b'"' => json.in_string = true,
                b'{' | b'[' => {
                    let depth = json.stack.len() + json.deeper;
                    if b == b'{' {
                        if depth == 0 {
                            self.open = Some(pos);
                            json.top_has_elements = false;
                        } else if json.element_depth.is_none() && json.deeper == 0 && json.stack.last() == Some(&b'[') {
                            json.element_depth = Some(depth);
                            json.top_has_elements = true;
                            self.open = Some(pos);
                        }
                    }
                    if json.stack.len() < JSON_MAX_DEPTH {
                        json.stack.push(b);
                    } else {
                        json.deeper += 1;
                    }
                }
                b'}' | b']' => {
                    if json.deeper > 0 {
                        json.deeper -= 1;
                    } else {
                        json.stack.pop();
                    }
                    let depth = json.stack.len() + json.deeper;
                    if b == b'}' {
                        if json.element_depth == Some(depth) {
                            if let Some(start) = self.open.take() {
                                push(out, start, pos + 1, None);
                            }
                            json.element_depth = None;
                        } else if depth == 0 {
                            if let Some(start) = self.open.take() {
                                if !json.top_has_elements {
                                    push(out, start, pos + 1, None);
                                }
                            }
                        }
                    }
                    if depth == 0 {
                        // Between top-level values nothing is open.
                        self.open = None;
                        json.element_depth = None;
                    }
                }
                _ => {}
            }
            pos += 1;
        }
        // An open top-level value that holds elements is no record: only an element or an
        // element-free object is carried.
        self.pos = pos;
    }

    fn sql(&mut self, sql: &mut Sql, window: &[u8], origin: usize, mut pos: usize, end: usize, out: &mut Vec<Record>) {
        // Statements, definitions and COPY heads that start in the stride, in text order.
        let mut events: Option<std::collections::VecDeque<Event>> = None;
        while pos < end {
            if let Some(columns) = sql.copy {
                // One row per line, up to the `\.` line.
                let Some(nl) = memchr(b'\n', &window[pos - origin..end - origin]) else {
                    self.open = Some(self.open.unwrap_or(pos));
                    pos = end;
                    break;
                };
                let start = self.open.take().unwrap_or(pos);
                let line_end = pos + nl;
                if window[start.max(origin) - origin..].starts_with(b"\\.") {
                    sql.copy = None;
                } else {
                    push(out, start, line_end, columns);
                }
                pos = line_end + 1;
                continue;
            }
            if let Some(statement) = sql.statement.as_mut() {
                let (next, done) = statement_bytes(statement, window, origin, pos, end, &mut self.open, out);
                pos = next;
                if done {
                    sql.statement = None;
                }
                continue;
            }
            let queue = events.get_or_insert_with(|| events_in(window, origin, pos..end));
            let Some(event) = queue.pop_front() else {
                pos = end;
                break;
            };
            let at = event.start();
            if at < pos {
                continue;
            }
            match event {
                Event::Create { name, columns, .. } => {
                    self.tables.insert(name, columns);
                    pos = at + 1;
                }
                Event::Insert { head, .. } => {
                    let (table, listed) =
                        sql::parse_insert_head(&window[head.start - origin..head.values_end - 6 - origin]);
                    let names = if listed.is_empty() {
                        self.tables.columns(&table).map(<[String]>::to_vec)
                    } else {
                        Some(listed)
                    };
                    let columns = names.map(|n| self.intern(n));
                    sql.statement = Some(Statement { columns, depth: 0, quote: None });
                    pos = head.values_end;
                }
                Event::Copy(copy) => {
                    let names = if copy.columns.is_empty() {
                        self.tables.columns(&copy.table).map(<[String]>::to_vec)
                    } else {
                        Some(copy.columns.clone())
                    };
                    sql.copy = Some(names.map(|n| self.intern(n)));
                    pos = copy.rows_start;
                }
            }
        }
        self.pos = pos;
    }
}

/// Reads value tuples of an `INSERT` from `pos` up to `end`; returns where it stopped and
/// whether the statement ended (a `;` outside quotes and parentheses).
fn statement_bytes(
    s: &mut Statement,
    window: &[u8],
    origin: usize,
    mut pos: usize,
    end: usize,
    open: &mut Option<usize>,
    out: &mut Vec<Record>,
) -> (usize, bool) {
    while pos < end {
        if let Some(q) = s.quote {
            let Some(found) = memchr2(q, b'\\', &window[pos - origin..end - origin]) else {
                return (end, false);
            };
            let p = pos + found;
            // A backslash escapes the next byte; a doubled quote is a quote.
            if window[p - origin] == b'\\' || window.get(p + 1 - origin) == Some(&q) {
                pos = p + 2;
            } else {
                s.quote = None;
                pos = p + 1;
            }
            continue;
        }
        match window[pos - origin] {
            q @ (b'\'' | b'"') => s.quote = Some(q),
            b'(' => {
                if s.depth == 0 {
                    *open = Some(pos);
                }
                s.depth += 1;
            }
            b')' => {
                s.depth = s.depth.saturating_sub(1);
                if s.depth == 0 {
                    if let Some(start) = open.take() {
                        push(out, start, pos + 1, s.columns);
                    }
                }
            }
            b';' if s.depth == 0 => return (pos + 1, true),
            _ => {}
        }
        pos += 1;
    }
    (pos, false)
}

#[derive(Debug)]
enum Event {
    Insert { head: sql::InsertHead },
    Create { start: usize, name: String, columns: Vec<String> },
    Copy(sql::CopyHead),
}

impl Event {
    fn start(&self) -> usize {
        match self {
            Event::Insert { head } => head.start,
            Event::Create { start, .. } => *start,
            Event::Copy(c) => c.start,
        }
    }
}

/// The SQL events that start in `range` (text offsets) of the window, in text order.
fn events_in(window: &[u8], origin: usize, range: Range<usize>) -> std::collections::VecDeque<Event> {
    let local = range.start - origin..range.end - origin;
    let statements = sql::statements_in(window, local);
    let mut events: Vec<Event> = statements
        .inserts
        .into_iter()
        .map(|h| Event::Insert { head: sql::InsertHead { start: h.start + origin, values_end: h.values_end + origin } })
        .collect();
    for t in statements.tables {
        events.push(Event::Create { start: t.start + origin, name: t.name, columns: t.columns });
    }
    for mut copy in statements.copies {
        copy.start += origin;
        copy.rows_start += origin;
        events.push(Event::Copy(copy));
    }
    events.sort_by_key(Event::start);
    events.into()
}

fn push(out: &mut Vec<Record>, start: usize, end: usize, columns: Option<u32>) {
    if end > start {
        out.push(Record { span: RecordSpan { start, end }, columns });
    }
}

/// Length of a quoted field's content up to its closing quote (`""` is an escaped quote).
/// `whole`: `s` is all there is to read; otherwise a quote at its very end may be the first
/// of a doubled pair, and is not taken as closing.
fn closing_quote(s: &[u8], whole: bool) -> Option<usize> {
    let mut i = 0;
    while let Some(p) = memchr(b'"', &s[i..]) {
        let q = i + p;
        match s.get(q + 1) {
            Some(b'"') => i = q + 2,
            None if !whole => return None,
            _ => return Some(q),
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The records of `text` read in one pass.
    fn one_pass(text: &[u8]) -> Vec<Record> {
        let mut reader = RecordReader::new(&Structure::sniff(text));
        let mut out = Vec::new();
        reader.feed(text, 0, 0..text.len(), true, &mut out);
        out
    }

    /// The records of `text` read in strides cut at `cuts`, each stride held in a window with
    /// only the margins a stride read into memory has.
    fn in_strides(text: &[u8], cuts: &[usize]) -> Vec<Record> {
        let mut reader = RecordReader::new(&Structure::sniff(&text[..text.len().min(super::super::SNIFF_BYTES)]));
        let mut out = Vec::new();
        let mut start: usize = 0;
        for &end in cuts.iter().chain(std::iter::once(&text.len())) {
            let origin = start.saturating_sub(crate::source::STRIDE_BEFORE);
            let window = &text[origin..text.len().min(end + crate::source::STRIDE_AFTER)];
            reader.feed(window, origin, start..end, end == text.len(), &mut out);
            start = end;
        }
        out
    }

    fn texts(rng: &mut piiscan_synth::Rng) -> Vec<u8> {
        let shapes: [&[&[u8]]; 4] = [
            &[b"name,phone\n", b"a,", b"\"x\ny\",", b"\"q\"\"\",", b"13800138000\n", b"\n", b"\"", b"\r\n"],
            &[b"[", b"{\"a\":", b"\"s\\\"}\"", b"[{\"p\":1},{\"q\":\"}\"}]", b"},", b"{", b"}\n", b"]"],
            &[
                b"CREATE TABLE t (`a` int COMMENT 'x', b text);\n",
                b"INSERT INTO t VALUES (1,'a'),",
                b"('b\\'c',2),\n",
                b"(3, ')(;');\n",
                b"(4, 'it''s (x)'),",
                b"INSERT INTO `u` (`x`) VALUES ('y');\n",
                b"COPY u (x) FROM stdin;\n",
                b"1\tx\n",
                b"\\.\n",
            ],
            &[b"log line 1\n", b"x=\"", b"{", b"(", b"\n"],
        ];
        let shape = shapes[rng.below(shapes.len())];
        let mut text = shape[0].to_vec();
        for _ in 0..rng.below(200) {
            let piece: &[u8] = shape[rng.below(shape.len())];
            text.extend_from_slice(piece);
        }
        text
    }

    #[test]
    fn strides_cut_anywhere_give_the_records_of_one_pass() {
        let mut rng = piiscan_synth::Rng::new(5);
        for _ in 0..3_000 {
            let text = texts(&mut rng);
            let whole = one_pass(&text);
            let mut cuts: Vec<usize> = (0..rng.below(6)).map(|_| rng.below(text.len() + 1)).collect();
            cuts.sort_unstable();
            cuts.dedup();
            let split = in_strides(&text, &cuts);
            if split != whole {
                let at = split.iter().zip(&whole).position(|(a, b)| a != b).unwrap_or(split.len().min(whole.len()));
                panic!(
                    "cuts {cuts:?}: first difference at record {at}: {:?} vs {:?} in {:?}",
                    split.get(at),
                    whole.get(at),
                    String::from_utf8_lossy(&text)
                );
            }
        }
    }

    fn spans(text: &str) -> Vec<&str> {
        one_pass(text.as_bytes()).iter().map(|r| &text[r.span.start..r.span.end]).collect()
    }

    #[test]
    fn delimited_rows_with_quoted_newlines_and_header_below_titles() {
        let text = "客户名单\n\nname,addr,phone\n张三,\"北京市\n朝阳区, 建国路88号\",13800138000\n李四,\"x\"\"y\",13900139000\r\n";
        assert_eq!(spans(text), ["张三,\"北京市\n朝阳区, 建国路88号\",13800138000", "李四,\"x\"\"y\",13900139000"]);
        let mut reader = RecordReader::new(&Structure::sniff(text.as_bytes()));
        let mut out = Vec::new();
        reader.feed(text.as_bytes(), 0, 0..text.len(), true, &mut out);
        assert_eq!(reader.columns(out[0].columns.expect("header")), ["name", "addr", "phone"]);
    }

    #[test]
    fn json_elements_objects_and_lines() {
        let text = "[\n  {\"name\": \"张三\",\n   \"addr\": {\"city\": \"北京\"},\n   \"phone\": \"13800138000\"},\n  {\"phone\": \"13900139000\"}\n]\n";
        let found = spans(text);
        assert_eq!(found.len(), 2);
        assert!(found[0].starts_with("{\"name\": \"张三\"") && found[0].ends_with("\"13800138000\"}"));
        assert_eq!(
            spans("{\"a\":\"13800138000\",\"s\":\"}{\"}\n{\"b\":\"1\"}\n"),
            ["{\"a\":\"13800138000\",\"s\":\"}{\"}", "{\"b\":\"1\"}"]
        );
        assert_eq!(spans("{\"data\": [{\"p\": \"1\"}, {\"p\": \"2\"}]}"), ["{\"p\": \"1\"}", "{\"p\": \"2\"}"]);
    }

    #[test]
    fn sql_tuples_create_table_columns_and_copy_rows() {
        let text = "CREATE TABLE `visit` (\n `name` varchar(8) COMMENT '姓名',\n `dx` text COMMENT '疾病诊断'\n);\nINSERT INTO `visit` VALUES ('张三','x(y)\\'z'),\n('李四','b');\nSELECT 1;\nCOPY public.p (id, phone) FROM stdin;\n1\t13800138000\n\\.\n";
        let mut reader = RecordReader::new(&Structure::sniff(text.as_bytes()));
        let mut out = Vec::new();
        reader.feed(text.as_bytes(), 0, 0..text.len(), true, &mut out);
        let found: Vec<&str> = out.iter().map(|r| &text[r.span.start..r.span.end]).collect();
        assert_eq!(found, ["('张三','x(y)\\'z')", "('李四','b')", "1\t13800138000"]);
        assert_eq!(reader.columns(out[0].columns.expect("CREATE TABLE columns")), ["name 姓名", "dx 疾病诊断"]);
        assert_eq!(reader.columns(out[2].columns.expect("COPY columns")), ["id", "phone"]);
    }

    #[test]
    fn header_less_csv_is_read_as_lines() {
        // No header row: nothing names the columns, and each line is its own record (the
        // caller's line fallback), not a delimited row.
        let text = "张三,13800138000,北京\n李四,13900139000,上海\n";
        let structure = Structure::sniff(text.as_bytes());
        assert_eq!(structure.layout, Layout::Lines);
        assert!(one_pass(text.as_bytes()).is_empty());
    }

    #[test]
    fn sql_doubled_quotes_and_backslashes_both_escape() {
        let text = "INSERT INTO t (a, b) VALUES ('it''s (1)', 'x\\'y)'),('2', 'z');\n";
        assert_eq!(spans(text), ["('it''s (1)', 'x\\'y)')", "('2', 'z')"]);
    }

    #[test]
    fn a_stray_quote_swallows_no_more_than_its_reach() {
        let mut text = String::from("a,b\n\"unclosed,1\n");
        for i in 0..10_000 {
            text.push_str(&format!("row{i},x\n"));
        }
        let found = spans(&text);
        assert_eq!(found.len(), 10_001, "the quote is taken literally when it does not close within reach");
    }
}
