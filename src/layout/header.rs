//! The header row of a delimited export, which may stand below a few title lines.

/// A delimited header row: its delimiter and lower-cased cell names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    /// The delimiter byte.
    pub delimiter: u8,
    /// The cells, trimmed of spaces and quotes, lower-cased.
    pub cells: Vec<String>,
    /// End of the header line (its newline); rows start after it.
    pub end: usize,
}

/// How many title lines may stand above a header row (a sheet's or a document's title, blank
/// rows, a report's print date): exports from spreadsheets and reports often open with some.
pub const TITLE_LINES: usize = 3;

/// The delimiter a header-like line splits on most often (`,` `\t` `|` `;`), with its count;
/// `None` when it holds none of them.
pub fn likely_delimiter(line: &[u8]) -> Option<(u8, usize)> {
    [b',', b'\t', b'|', b';']
        .into_iter()
        .map(|d| (d, line.iter().filter(|&&b| b == d).count()))
        .max_by_key(|&(_, n)| n)
        .filter(|&(_, n)| n > 0)
}

/// The header row: a line split by its most frequent delimiter that looks like column names
/// rather than data (no cell is a long digit run). Up to [`TITLE_LINES`] title lines may stand
/// above it: blank lines, short lines without a delimiter, or rows whose cells are mostly empty
/// (a title in the first cell of a sheet row). A header found below titles must be
/// tab-separated (a table rendered as TSV) or name at least three columns, so that a sentence
/// with a comma under a heading is no header.
pub fn detect_header(text: &[u8]) -> Option<Header> {
    let mut start = 0;
    for titles in 0..=TITLE_LINES {
        let end = memchr::memchr(b'\n', &text[start..]).map_or(text.len(), |p| start + p);
        let line = std::str::from_utf8(&text[start..end]).ok()?.trim_end_matches('\r').trim_start_matches('\u{feff}');
        if is_sql_statement(line) {
            // `COPY t (id, name) FROM stdin;` splits on `;` or `,` like a header, but a dump's
            // columns come from its statements (the layout's SQL reading).
            return None;
        }
        let split = likely_delimiter(line.as_bytes()).map(|(delimiter, _)| {
            let cells: Vec<String> = line
                .split(delimiter as char)
                .map(|c| c.trim().trim_matches(|ch| ch == '"' || ch == '\'' || ch == '`').to_lowercase())
                .collect();
            (delimiter, cells)
        });
        let title = match &split {
            None => line.trim().is_empty() || line.len() < 64,
            Some((_, cells)) => cells.iter().filter(|c| c.is_empty()).count() * 2 > cells.len(),
        };
        match split {
            Some((delimiter, cells)) if !title && (titles == 0 || cells.len() >= 3 || delimiter == b'\t') => {
                let looks_like_data = cells.iter().any(|c| c.bytes().filter(u8::is_ascii_digit).count() >= 6);
                return (!looks_like_data).then_some(Header { delimiter, cells, end });
            }
            _ if title && end < text.len() => start = end + 1,
            _ => return None,
        }
    }
    None
}

/// Whether a line starts an SQL statement of a dump.
fn is_sql_statement(line: &str) -> bool {
    const VERBS: [&str; 12] =
        ["COPY", "INSERT", "CREATE", "ALTER", "SET", "SELECT", "DROP", "UPDATE", "DELETE", "USE", "LOCK", "BEGIN"];
    let word = line.trim_start().split([' ', '\t']).next().unwrap_or("");
    VERBS.iter().any(|v| word.eq_ignore_ascii_case(v)) && line.trim_start().len() > word.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_below_title_lines() {
        let text = "某诊所就诊记录\n导出时间：2024-05-01\n\n姓名,手机号,疾病诊断\n张三,13800138000,高血压\n";
        let h = detect_header(text.as_bytes()).expect("header");
        assert_eq!(h.cells, ["姓名", "手机号", "疾病诊断"]);
        assert_eq!(&text[h.end..h.end + 1], "\n");
        assert!(detect_header(b"13800138000,1,2\nname,phone,x\n").is_none());
        // A dump's statements are no header, whatever they split on.
        assert!(detect_header(b"COPY public.members (id, name, passport) FROM stdin;\n1\t2\t3\n").is_none());
        assert!(detect_header(b"insert into t (a, b, c) values (1, 2, 3);\n").is_none());
    }
}
