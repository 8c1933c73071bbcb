//! SQL dumps: `INSERT INTO t (columns) VALUES` heads, the `CREATE TABLE` columns that name the
//! values of an `INSERT` written without a column list (a default `mysqldump`), and PostgreSQL
//! `COPY t (columns) FROM stdin;` blocks, whose rows are tab-separated lines up to `\.`.

use memchr::memmem;
use std::collections::HashMap;
use std::ops::Range;

/// How far after its `INSERT INTO` a head's `VALUES` is looked for.
pub const INSERT_HEAD_MAX: usize = 4096;
/// How far a `CREATE TABLE` body or a `COPY` head is read.
pub const DEFINITION_MAX: usize = 64 << 10;

/// Whether a text's head looks like a SQL dump.
pub fn is_sql(head: &[u8]) -> bool {
    super::contains(head, b"INSERT INTO")
        || super::contains(head, b"insert into")
        || (super::contains(head, b"COPY ") && super::contains(head, b"FROM stdin;"))
}

/// Where an `INSERT INTO ... VALUES` statement starts and where its value tuples begin.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InsertHead {
    /// Offset of `INSERT`.
    pub start: usize,
    /// Offset just past `VALUES`.
    pub values_end: usize,
}

/// The statements that start in `range` of a text: `INSERT INTO ... VALUES` heads and
/// `CREATE TABLE` definitions, each in text order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Statements {
    /// `INSERT` heads (their `VALUES` may lie beyond the range, up to [`INSERT_HEAD_MAX`] bytes
    /// on).
    pub inserts: Vec<InsertHead>,
    /// `CREATE TABLE` definitions (their bodies may run past the range).
    pub tables: Vec<TableDef>,
    /// `COPY ... FROM stdin;` heads at a line start (their rows run past the range).
    pub copies: Vec<CopyHead>,
}

/// Every `INSERT INTO ... VALUES` head and `CREATE TABLE` definition (either case), and every
/// `COPY ... FROM stdin;` head at a line start, that starts in `range` of `text`: one pass of
/// one automaton over the range, since every stride of every file is searched.
pub fn statements_in(text: &[u8], range: Range<usize>) -> Statements {
    const KEYWORD: usize = b"CREATE TABLE".len();
    static KEYWORDS: std::sync::OnceLock<aho_corasick::AhoCorasick> = std::sync::OnceLock::new();
    // Leftmost-first (none of them overlaps another): the packed SIMD search then runs as the
    // automaton's prefilter over text that holds none of them.
    let keywords = KEYWORDS.get_or_init(|| {
        aho_corasick::AhoCorasick::builder()
            .match_kind(aho_corasick::MatchKind::LeftmostFirst)
            .build(["INSERT INTO", "insert into", "CREATE TABLE", "create table", "COPY "])
            .expect("SQL keyword automaton")
    });
    let region = &text[range.start..text.len().min(range.end + KEYWORD - 1)];
    let mut found = Statements::default();
    for m in keywords.find_iter(region) {
        let start = range.start + m.start();
        if start >= range.end {
            continue;
        }
        if m.pattern().as_usize() == 4 {
            if start == 0 || text[start - 1] == b'\n' {
                found.copies.extend(copy_head_at(text, start));
            }
        } else if m.pattern().as_usize() < 2 {
            let window = &text[start..text.len().min(start + INSERT_HEAD_MAX)];
            if let Some(values) = memmem::find(window, b"VALUES").or_else(|| memmem::find(window, b"values")) {
                found.inserts.push(InsertHead { start, values_end: start + values + 6 });
            }
        } else if let Some(table) = table_definition(text, start) {
            found.tables.push(table);
        }
    }
    found
}

/// A name as written (`` `db`.`t` ``, `"t"`, `[t]`), unquoted, without its schema, lower-cased.
pub fn bare_name(name: &str) -> String {
    let name = name.trim();
    let last = name.rsplit('.').next().unwrap_or(name);
    last.trim().trim_matches(|c| matches!(c, '`' | '"' | '[' | ']' | '\'')).to_lowercase()
}

/// The table an `INSERT INTO t ... VALUES` head writes to, and its column list if it has one.
pub fn parse_insert_head(head: &[u8]) -> (String, Vec<String>) {
    let head = String::from_utf8_lossy(head);
    let after = head.get("INSERT INTO".len()..).unwrap_or("").trim_start();
    let table_end = after.find(|c: char| c == '(' || c.is_whitespace()).unwrap_or(after.len());
    let table = bare_name(&after[..table_end]);
    let rest = &after[table_end..];
    let columns = match (rest.find('('), rest.rfind(')')) {
        (Some(open), Some(close)) if open < close => rest[open + 1..close].split(',').map(bare_name).collect(),
        _ => Vec::new(),
    };
    (table, columns)
}

/// Tables defined by `CREATE TABLE`, by bare name: their column names, each followed by the
/// words of its `COMMENT` if it has one (`diagnosis 诊断`), so that either names the column.
#[derive(Debug, Clone, Default)]
pub struct Tables(HashMap<String, Vec<String>>);

impl Tables {
    /// The columns of `table`, if it was defined.
    pub fn columns(&self, table: &str) -> Option<&[String]> {
        self.0.get(table).map(Vec::as_slice)
    }

    /// Adds the tables defined in `range` of `text` (their bodies may run past it).
    /// Adds one definition.
    pub fn insert(&mut self, name: String, columns: Vec<String>) {
        self.0.insert(name, columns);
    }
}

/// A `CREATE TABLE` definition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableDef {
    /// Offset of `CREATE`.
    pub start: usize,
    /// The table's bare name.
    pub name: String,
    /// Its columns, each with its comment's words (see [`Tables`]).
    pub columns: Vec<String>,
}

/// The `CREATE TABLE` definition that starts at `start`, with its columns.
fn table_definition(text: &[u8], start: usize) -> Option<TableDef> {
    let body = &text[start..text.len().min(start + DEFINITION_MAX)];
    let open = memchr::memchr(b'(', body)?;
    let name = String::from_utf8_lossy(&body[12..open]);
    let name = name.trim();
    let name = name.strip_prefix("IF NOT EXISTS").or_else(|| name.strip_prefix("if not exists")).unwrap_or(name);
    let columns = column_definitions(&body[open + 1..]);
    Some(TableDef { start, name: bare_name(name), columns })
}

/// The column definitions of a `CREATE TABLE` body (after its `(`) up to its closing `)`.
fn column_definitions(body: &[u8]) -> Vec<String> {
    let mut defs = Vec::new();
    let (mut depth, mut quote, mut start, mut i) = (0usize, None::<u8>, 0, 0);
    while i < body.len() {
        let b = body[i];
        match quote {
            Some(_) if b == b'\\' => i += 1,
            Some(q) if b == q => quote = None,
            Some(_) => {}
            None => match b {
                b'\'' | b'"' | b'`' => quote = Some(b),
                b'(' => depth += 1,
                b')' if depth == 0 => {
                    defs.push(&body[start..i]);
                    break;
                }
                b')' => depth -= 1,
                b',' if depth == 0 => {
                    defs.push(&body[start..i]);
                    start = i + 1;
                }
                _ => {}
            },
        }
        i += 1;
    }
    defs.into_iter().filter_map(column_name_and_comment).collect()
}

/// `` `diagnosis` varchar(64) COMMENT '诊断' `` -> `diagnosis 诊断`; keys and constraints give
/// nothing.
fn column_name_and_comment(def: &[u8]) -> Option<String> {
    let def = String::from_utf8_lossy(def);
    let def = def.trim();
    let first = def.split_whitespace().next()?;
    const NOT_COLUMNS: &[&str] =
        &["primary", "key", "unique", "index", "constraint", "foreign", "check", "fulltext", "spatial", "exclude"];
    if NOT_COLUMNS.contains(&first.to_lowercase().as_str()) {
        return None;
    }
    let mut column = bare_name(first);
    let lower = def.to_lowercase();
    if let Some(at) = lower.find(" comment ") {
        let comment = def[at + 9..].trim().trim_start_matches(['\'', '"']);
        let end = comment.find(['\'', '"']).unwrap_or(comment.len());
        column.push(' ');
        column.push_str(&comment[..end].to_lowercase());
    }
    Some(column)
}

/// A PostgreSQL `COPY t (columns) FROM stdin;` head: where its rows start, and its columns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CopyHead {
    /// Offset of `COPY`.
    pub start: usize,
    /// Offset of its first row (just past the head's line).
    pub rows_start: usize,
    /// The table.
    pub table: String,
    /// The column list (empty when the head has none).
    pub columns: Vec<String>,
}

/// The `COPY t (a, b) FROM stdin;` head at `start`, if the line is one.
fn copy_head_at(text: &[u8], start: usize) -> Option<CopyHead> {
    let line = &text[start..text.len().min(start + DEFINITION_MAX)];
    let end = memchr::memchr(b'\n', line)?;
    let line = &line[..end];
    let from = memmem::find(line, b" FROM stdin")?;
    let (table, columns) = parse_insert_head(&[b"INSERT INTO".as_slice(), &line[4..from]].concat());
    Some(CopyHead { start, rows_start: start + end + 1, table, columns })
}

/// The end of a `COPY` block's rows: the start of its `\.` line.
pub fn copy_end(text: &[u8], rows_start: usize) -> Option<usize> {
    if text[rows_start..].starts_with(b"\\.") {
        return Some(rows_start);
    }
    memmem::find(&text[rows_start..], b"\n\\.").map(|p| rows_start + p + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn create_table_columns_with_comments() {
        let text = b"CREATE TABLE `visit` (\n  `id` int NOT NULL AUTO_INCREMENT,\n  `name` varchar(32) DEFAULT NULL COMMENT '\xe5\xa7\x93\xe5\x90\x8d',\n  `dx` varchar(64) COMMENT 'diagnosis, final',\n  PRIMARY KEY (`id`),\n  KEY `k` (`name`)\n) ENGINE=InnoDB;\n";
        let tables = statements_in(text, 0..text.len()).tables;
        assert_eq!(tables.len(), 1);
        assert_eq!(tables[0].name, "visit");
        assert_eq!(tables[0].columns, ["id", "name 姓名", "dx diagnosis, final"]);
    }

    #[test]
    fn insert_heads_and_copy_heads() {
        assert_eq!(
            parse_insert_head(b"INSERT INTO `db`.`t` (`a`, `b`) VALUES"),
            ("t".into(), vec!["a".into(), "b".into()])
        );
        assert_eq!(parse_insert_head(b"INSERT INTO `t` VALUES"), ("t".into(), vec![]));
        let text =
            b"SET x;\nCOPY public.patients (id, name, diagnosis) FROM stdin;\n1\t\xe5\xbc\xa0\xe4\xb8\x89\tflu\n\\.\n";
        let heads = statements_in(text, 0..text.len()).copies;
        assert_eq!(heads[0].table, "patients");
        assert_eq!(heads[0].columns, ["id", "name", "diagnosis"]);
        assert_eq!(copy_end(text, heads[0].rows_start), Some(text.len() - 3));
    }
}
