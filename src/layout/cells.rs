//! Layout stage: labelled cells. A value often sits in a cell whose label is not the word
//! right before it: an HTML table cell under its `<th>` header, or right of a label cell
//! (`<td>姓名</td><td>value</td>`); an XML element named for what it holds (`<name>`,
//! `<xm>`); a column of a fixed-width printed report under its header line; the display name
//! of a mailbox in a mail's `From:`/`To:`/`Cc:` line. [`labels_of`] says which labels the cell
//! holding a value has, so that a detector can ask whether one of them is a label of its kind.
//!
//! (Keys written before their value, `name: '…'` in a JS object or `"name": "…"` in JSON, and
//! columns of delimited exports and SQL statements are read by `context.rs` and `sql.rs`.)
//!
//! Lookups are bounded (a few KiB around the value) and only made for candidates that ask,
//! never for every byte.

use memchr::{memchr, memmem, memrchr};

/// How far before a value an HTML header row is looked for.
const HTML_REACH: usize = 16 << 10;
/// How far above a value a fixed-width report's header line is looked for.
const REPORT_REACH: usize = 8 << 10;
/// How many lines above a value a report's header line may stand.
const REPORT_LINES: usize = 40;
/// Longest tag or label read.
const TAG_MAX: usize = 256;

/// Where a cell's label comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CellShape {
    /// An HTML `<td>` under the `<th>` of its column.
    HtmlColumn,
    /// An HTML cell right of a label cell in the same row (`<td>姓名</td><td>value</td>`).
    HtmlPair,
    /// The text of an XML element, labelled by the element's name.
    XmlElement,
    /// A value of a fixed-width report, under its column's header.
    FixedWidth,
    /// The display name of a mailbox in a mail header line, labelled by the header's name.
    MailDisplayName,
}

/// "The value at this span is the value of a cell labelled `label`."
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LabelledCell {
    /// How the label was found.
    pub shape: CellShape,
    /// The label, trimmed, inner tags removed; lower-cased, except an XML element's name.
    pub label: String,
}

/// The labels of the cell whose whole value is `text[start..end]`, nearest first (an HTML cell
/// can have both a label cell on its left and a column header). `cursor` carries a table's
/// header from one call to the next: one per text, asked in text order.
pub fn labels_of(text: &[u8], start: usize, end: usize, cursor: &mut CellCursor) -> Vec<LabelledCell> {
    let mut out = Vec::new();
    if let Some(tag) = open_tag_before(text, start) {
        if close_tag_after(text, end, tag.name) {
            // An element's name keeps its case: label words are matched as identifier words,
            // and `userName` is two words where `username` is one.
            let name = String::from_utf8_lossy(tag.name).into_owned();
            if name.eq_ignore_ascii_case("td") {
                html_labels(text, tag.start, cursor, &mut out);
            } else if !name.eq_ignore_ascii_case("th") {
                // (A `<th>` is a label itself, not a value under one.)
                out.push(LabelledCell { shape: CellShape::XmlElement, label: name });
            }
        }
        return out;
    }
    if let Some(header) = mail_header(text, start, end) {
        out.push(LabelledCell { shape: CellShape::MailDisplayName, label: header });
        return out;
    }
    if let Some(label) = report_column(text, start, end, cursor) {
        out.push(LabelledCell { shape: CellShape::FixedWidth, label });
    }
    out
}

/// An opening tag: where its `<` is, and its name.
struct Tag<'t> {
    start: usize,
    name: &'t [u8],
}

/// The opening tag (`<td class="x">`, `<name>`) that ends right before `at`, spaces allowed
/// between.
fn open_tag_before(text: &[u8], at: usize) -> Option<Tag<'_>> {
    let close = skip_space_back(text, at).checked_sub(1).filter(|&p| text[p] == b'>')?;
    let floor = close.saturating_sub(TAG_MAX);
    let open = floor + memrchr(b'<', &text[floor..close])?;
    let inner = &text[open + 1..close];
    let name_len = inner.iter().position(|b| !(b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b':' | b'.')));
    let name = &inner[..name_len.unwrap_or(inner.len())];
    let rest = &inner[name.len()..];
    let well_formed = name.first().is_some_and(u8::is_ascii_alphabetic)
        && !rest.ends_with(b"/")
        && (rest.is_empty() || rest[0].is_ascii_whitespace());
    well_formed.then_some(Tag { start: open, name })
}

/// Whether `</name>` follows `at`, spaces allowed between.
fn close_tag_after(text: &[u8], at: usize, name: &[u8]) -> bool {
    let at = skip_space(text, at);
    let Some(rest) = text.get(at..).and_then(|r| r.strip_prefix(b"</")) else { return false };
    rest.len() > name.len() && rest[..name.len()].eq_ignore_ascii_case(name) && rest[name.len()] == b'>'
}

fn skip_space(text: &[u8], mut at: usize) -> usize {
    while at < text.len() && text[at].is_ascii_whitespace() {
        at += 1;
    }
    at
}

fn skip_space_back(text: &[u8], mut at: usize) -> usize {
    while at > 0 && text[at - 1].is_ascii_whitespace() {
        at -= 1;
    }
    at
}

/// The labels of the HTML cell whose opening tag starts at `cell`: the cell on its left, and
/// the header of its column.
fn html_labels(text: &[u8], cell: usize, cursor: &mut CellCursor, out: &mut Vec<LabelledCell>) {
    let floor = cell.saturating_sub(HTML_REACH);
    let before = &text[floor..cell];
    // The cell on the left: its closing tag right before this cell's opening tag.
    let left_end = skip_space_back(before, before.len());
    let left_close = &before[left_end.saturating_sub(5)..left_end];
    if left_close.eq_ignore_ascii_case(b"</td>") || left_close.eq_ignore_ascii_case(b"</th>") {
        let content_end = floor + left_end - 5;
        if let Some(open) = memrchr(b'>', &text[content_end.saturating_sub(TAG_MAX)..content_end]) {
            let content = &text[content_end.saturating_sub(TAG_MAX) + open + 1..content_end];
            out.push(LabelledCell { shape: CellShape::HtmlPair, label: cell_text(content) });
        }
    }
    // The column: the cells of this row before this one, under the header row above.
    let Some(row) = find_last_ci(before, b"<tr").map(|p| floor + p) else { return };
    let index = cell_opens(&text[row..cell]).len();
    if let Some(label) = cursor.header_before(text, row).and_then(|cells| cells.get(index)) {
        out.push(LabelledCell { shape: CellShape::HtmlColumn, label: label.clone() });
    }
}

/// The header row of the HTML table and the header line of the fixed-width report being read,
/// carried from one cell to the next: cells are asked about in text order, and a table of
/// thousands of rows has its header far above its last rows. Only the text between the last
/// row asked about and the next is searched (for a new header or the table's end), so a table
/// is read once however long it is.
#[derive(Debug, Default)]
pub struct CellCursor {
    /// The HTML header row's cells, read with [`cell_text`]; `None` outside a table with one.
    header: Option<Vec<String>>,
    /// The text before this offset has been searched for HTML; `None` before the first lookup.
    searched_to: Option<usize>,
    /// The report's header line, as words.
    report_header: Option<Vec<OwnedWord>>,
    /// The lines before this offset have been searched for a report header.
    report_searched_to: Option<usize>,
}

impl CellCursor {
    /// The cells of the header row of the table whose row starts at `row`.
    fn header_before(&mut self, text: &[u8], row: usize) -> Option<&Vec<String>> {
        match self.searched_to {
            // Carry on from the last row: a header row or a table end in between changes it.
            Some(from) if from <= row && row - from <= HTML_REACH * 64 => {
                let (header, end) = last_header_or_end(text, from, row);
                match (header, end) {
                    (Some(h), end) if end.is_none_or(|e| e < h) => self.header = Some(header_cells(text, h, row)),
                    (_, Some(_)) => self.header = None,
                    _ => {}
                }
            }
            // Afresh: the nearest header row above, not behind a table's end.
            _ => {
                let floor = row.saturating_sub(HTML_REACH);
                let (header, end) = last_header_or_end(text, floor, row);
                self.header = header.filter(|&h| end.is_none_or(|e| e < h)).map(|h| header_cells(text, h, row));
            }
        }
        self.searched_to = Some(row);
        self.header.as_ref()
    }
}

/// The last `<th` and the last `</table` in `text[from..to]`, as offsets.
fn last_header_or_end(text: &[u8], from: usize, to: usize) -> (Option<usize>, Option<usize>) {
    let (mut header, mut end) = (None, None);
    for p in memchr::memchr_iter(b'<', &text[from..to]).map(|p| from + p) {
        let tag = &text[p + 1..to.min(p + 7)];
        if tag.len() >= 3
            && tag[..2].eq_ignore_ascii_case(b"th")
            && matches!(tag[2], b'>' | b' ' | b'\t' | b'\n' | b'\r')
        {
            header = Some(p);
        } else if tag.len() >= 6 && tag.eq_ignore_ascii_case(b"/table") {
            end = Some(p);
        }
    }
    (header, end)
}

/// The cells of the header row holding the `<th` at `th` (the row ends before `limit`).
fn header_cells(text: &[u8], th: usize, limit: usize) -> Vec<String> {
    let floor = th.saturating_sub(HTML_REACH);
    let row = find_last_ci(&text[floor..th], b"<tr").map_or(th, |p| floor + p);
    let row_end = find_ci(&text[th..limit], b"</tr").map_or(limit, |p| th + p);
    let cells = cell_opens(&text[row..row_end]);
    cells
        .iter()
        .map(|&open| {
            let body = &text[row + open..row_end];
            let body = memchr(b'>', body).map_or(&body[..0], |gt| &body[gt + 1..]);
            let content_end = find_ci(body, b"</t").unwrap_or(body.len()).min(TAG_MAX);
            cell_text(&body[..content_end])
        })
        .collect()
}

/// Offsets of the `<td` and `<th` openings in `row`, in order.
fn cell_opens(row: &[u8]) -> Vec<usize> {
    (0..row.len().saturating_sub(3))
        .filter(|&i| {
            row[i] == b'<'
                && row[i + 1].eq_ignore_ascii_case(&b't')
                && matches!(row[i + 2].to_ascii_lowercase(), b'd' | b'h')
                && matches!(row[i + 3], b'>' | b' ' | b'\t' | b'\n' | b'\r')
        })
        .collect()
}

/// A cell's text: inner tags dropped, trimmed, lower-cased.
fn cell_text(content: &[u8]) -> String {
    let mut text = Vec::with_capacity(content.len());
    let mut in_tag = false;
    for &b in content {
        match b {
            b'<' => in_tag = true,
            b'>' => in_tag = false,
            _ if !in_tag => text.push(b),
            _ => {}
        }
    }
    String::from_utf8_lossy(&text).trim().to_lowercase()
}

fn find_ci(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w.eq_ignore_ascii_case(needle))
}

fn find_last_ci(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).rposition(|w| w.eq_ignore_ascii_case(needle))
}

/// Mail header lines whose mailboxes name people.
const MAIL_HEADERS: &[&str] =
    &["from", "to", "cc", "bcc", "reply-to", "sender", "发件人", "收件人", "抄送", "密送", "回复"];

/// The header's name, lower-cased, when `text[start..end]` is the display name of a mailbox in
/// a mail header line: `From: "孟建军" <a@b>`, `To: x <a@b>, 孟建军 <c@d>`.
fn mail_header(text: &[u8], start: usize, end: usize) -> Option<String> {
    // After the name: an optional closing quote, then the address in angle brackets.
    let mut after = end;
    if text.get(after) == Some(&b'"') {
        after += 1;
    }
    if text.get(skip_space(text, after)) != Some(&b'<') {
        return None;
    }
    // Before it: an optional opening quote, then the header's colon or a list comma.
    let mut before = start;
    if before > 0 && text[before - 1] == b'"' {
        before -= 1;
    }
    let line_start = memrchr(b'\n', &text[start.saturating_sub(4096)..start])
        .map_or(start.saturating_sub(4096), |p| start.saturating_sub(4096) + p + 1);
    // Not back over the line end: a name that starts its line has nothing before it.
    let line = &text[line_start..skip_space_back(text, before).max(line_start)];
    if !(line.ends_with(b":") || line.ends_with("：".as_bytes()) || line.ends_with(b",")) {
        return None;
    }
    let colon = memchr(b':', line).or_else(|| memmem::find(line, "：".as_bytes()))?;
    let header = std::str::from_utf8(&line[..colon]).ok()?.trim().to_lowercase();
    MAIL_HEADERS.contains(&header.as_str()).then_some(header)
}

/// The header of the column `text[start..end]` stands in, in a fixed-width report: a header
/// line above (blank and rule lines between allowed) whose words hold some keyword, and
/// whose word in the same position (the same index, when both lines split into as many
/// words, or else starting in the same display column) is returned.
fn report_column(text: &[u8], start: usize, end: usize, cursor: &mut CellCursor) -> Option<String> {
    let line_start = memrchr(b'\n', &text[start.saturating_sub(REPORT_REACH)..start])
        .map_or(start.saturating_sub(REPORT_REACH), |p| start.saturating_sub(REPORT_REACH) + p + 1);
    let line_end = memchr(b'\n', &text[end..]).map_or(text.len(), |p| end + p);
    let before = &text[line_start..start];
    let after = &text[end..line_end];
    // The value is a whole word of its line.
    let spaced = |b: Option<&u8>| b.is_none_or(|b| matches!(b, b' ' | b'\t' | b'\r'));
    if !spaced(before.last()) || !spaced(after.first()) {
        return None;
    }
    let line = std::str::from_utf8(&text[line_start..line_end]).ok()?;
    let words = words_of(line);
    let index = words.iter().position(|w| w.byte == start - line_start)?;
    if words.len() < 2 {
        return None;
    }
    let labels = cursor.report_header_before(text, line_start)?;
    let value = &words[index];
    let aligned = if labels.len() == words.len() {
        labels.get(index)
    } else {
        labels.iter().find(|l| l.chars == value.chars || l.width == value.width)
    };
    aligned.map(|l| l.text.clone())
}

impl CellCursor {
    /// The header line of the report whose row starts at `line_start`: the nearest line above
    /// whose words hold some keyword (data rows, blank lines and rules between allowed).
    fn report_header_before(&mut self, text: &[u8], line_start: usize) -> Option<&Vec<OwnedWord>> {
        let end = line_start.saturating_sub(1);
        match self.report_searched_to {
            // Carry on from the last row: only the lines between are read.
            Some(from) if from <= line_start && line_start - from <= REPORT_REACH * 64 => {
                let lines = String::from_utf8_lossy(&text[from..end.max(from)]);
                if let Some(header) = lines.lines().rev().find_map(report_header) {
                    self.report_header = Some(header);
                }
            }
            // Afresh: up to REPORT_LINES lines above.
            _ => {
                let floor = line_start.saturating_sub(REPORT_REACH);
                let above = String::from_utf8_lossy(&text[floor..end.max(floor)]);
                self.report_header = above.lines().rev().take(REPORT_LINES).find_map(report_header);
            }
        }
        self.report_searched_to = Some(line_start);
        self.report_header.as_ref()
    }
}

/// A report's header line: two or more words, one of them holding a keyword of some set.
fn report_header(line: &str) -> Option<Vec<OwnedWord>> {
    let words = words_of(line);
    let keywords = crate::reference::keywords();
    (words.len() >= 2 && words.iter().any(|w| keywords.sets_in(w.text.as_bytes()) != 0)).then(|| {
        words.iter().map(|w| OwnedWord { text: w.text.to_lowercase(), chars: w.chars, width: w.width }).collect()
    })
}

/// A word of a report's header line, kept between lookups.
#[derive(Debug, Clone)]
struct OwnedWord {
    text: String,
    chars: usize,
    width: usize,
}

/// A word of a report line: its text, byte offset, and start column counted in characters
/// and in display width (a Chinese character is two columns wide in a printed report).
struct Word<'a> {
    text: &'a str,
    byte: usize,
    chars: usize,
    width: usize,
}

fn words_of(line: &str) -> Vec<Word<'_>> {
    let mut words = Vec::new();
    let (mut chars, mut width, mut current): (usize, usize, Option<Word>) = (0, 0, None);
    for (byte, c) in line.char_indices() {
        if c.is_whitespace() {
            if let Some(mut w) = current.take() {
                w.text = &line[w.byte..byte];
                words.push(w);
            }
        } else if current.is_none() {
            current = Some(Word { text: "", byte, chars, width });
        }
        chars += 1;
        width += if c.is_ascii() { 1 } else { 2 };
    }
    if let Some(mut w) = current {
        w.text = &line[w.byte..];
        words.push(w);
    }
    words
}

#[cfg(test)]
mod tests {
    /// A mailbox whose name starts its line (found on real mail archives: a slice ended
    /// before it started).
    #[test]
    fn a_name_at_a_line_start_before_an_address() {
        for text in ["x\n孟建军 <a@example.cn>", "\n孟建军 <a@example.cn>", "x\n\"孟建军\" <a@example.cn>"] {
            let start = text.find('孟').expect("name");
            let end = start + "孟建军".len();
            let _ = labels_of(text.as_bytes(), start, end, &mut CellCursor::default());
            assert_eq!(mail_header(text.as_bytes(), start, end), None, "{text:?}");
        }
    }

    use super::*;

    fn labels(text: &str, value: &str) -> Vec<(CellShape, String)> {
        let start = text.find(value).expect("value in text");
        labels_of(text.as_bytes(), start, start + value.len(), &mut CellCursor::default())
            .into_iter()
            .map(|c| (c.shape, c.label))
            .collect()
    }

    #[test]
    fn html_cells_have_their_column_header_and_left_label() {
        let table = "<table>\n<tr><th>序号</th><th class=\"h\"><b>姓名</b></th></tr>\n<tr><td>1</td><td>陆敏</td></tr>\n</table>";
        assert_eq!(
            labels(table, "陆敏"),
            [(CellShape::HtmlPair, "1".to_string()), (CellShape::HtmlColumn, "姓名".to_string())]
        );
        let pairs = "<tr><TD>户名</TD> <TD> 陆敏 </TD></tr>";
        assert_eq!(labels(pairs, "陆敏"), [(CellShape::HtmlPair, "户名".to_string())]);
        // A header cell is no value: the header on its left does not label it.
        assert!(labels("<tr><th>姓名</th><th>金额</th></tr>", "金额").is_empty());
        // A cell of a table without a header row, in its first column: no label.
        assert!(labels("<tr><td>陆敏</td></tr>", "陆敏").is_empty());
    }

    #[test]
    fn a_long_table_keeps_its_header() {
        let mut text = String::from("<table><tr><th>序号</th><th>姓名</th></tr>\n");
        for i in 0..3000 {
            text.push_str(&format!("<tr><td>{i}</td><td>陆敏{i}</td></tr>\n"));
        }
        text.push_str("</table>\n<table><tr><td>1</td><td>王强</td></tr></table>\n<table><tr><th>城市</th></tr><tr><td>南京</td></tr></table>");
        let mut cursor = CellCursor::default();
        let mut label_at = |value: &str| {
            let start = text.find(value).expect("value");
            let end = start + value.trim_end_matches('<').len();
            let cells = labels_of(text.as_bytes(), start, end, &mut cursor);
            cells.into_iter().find(|c| c.shape == CellShape::HtmlColumn).map(|c| c.label)
        };
        assert_eq!(label_at("陆敏0<").as_deref(), Some("姓名"));
        assert_eq!(label_at("陆敏2999<").as_deref(), Some("姓名"), "3000 rows below the header");
        assert_eq!(label_at("王强").as_deref(), None, "a table without a header row");
        assert_eq!(label_at("南京").as_deref(), Some("城市"));
        // Asked afresh, far below the header, the bounded search finds nothing.
        let start = text.find("陆敏2999<").expect("value");
        assert!(labels_of(text.as_bytes(), start, start + "陆敏2999".len(), &mut CellCursor::default())
            .iter()
            .all(|c| c.shape != CellShape::HtmlColumn));
    }

    #[test]
    fn xml_elements_are_labelled_by_their_names() {
        assert_eq!(labels("<p><xm>陆敏</xm></p>", "陆敏"), [(CellShape::XmlElement, "xm".to_string())]);
        assert_eq!(
            labels("<realName a=\"1\">陆敏</realName>", "陆敏"),
            [(CellShape::XmlElement, "realName".to_string())]
        );
        // Not the whole text of the element, or no matching close.
        assert!(labels("<name>陆敏等人</name>", "陆敏").is_empty());
        assert!(labels("<name>陆敏</nam>", "陆敏").is_empty());
        assert!(labels("<br/>陆敏</p>", "陆敏").is_empty());
    }

    #[test]
    fn mail_display_names_are_labelled_by_their_header() {
        assert_eq!(
            labels("From: \"孟建军\" <m@example.com>\n", "孟建军"),
            [(CellShape::MailDisplayName, "from".into())]
        );
        assert_eq!(
            labels("To: a <a@example.com>, 孟建军 <m@example.com>\n", "孟建军"),
            [(CellShape::MailDisplayName, "to".into())]
        );
        assert!(labels("Subject: 孟建军 <m@example.com>\n", "孟建军").is_empty());
        assert!(labels("From: 孟建军\n", "孟建军").is_empty());
    }

    #[test]
    fn a_long_report_keeps_its_header() {
        let mut text = String::from("序号    姓名      电话\n");
        for i in 0..500 {
            text.push_str(&format!("{i:<6}  陆敏{i:<4}  13800138000\n"));
        }
        let mut cursor = CellCursor::default();
        for i in [0, 250, 499] {
            let value = format!("陆敏{i}");
            let start = text.find(&format!("{value} ")).expect("value");
            let cells = labels_of(text.as_bytes(), start, start + value.len(), &mut cursor);
            assert_eq!(cells, [LabelledCell { shape: CellShape::FixedWidth, label: "姓名".into() }], "row {i}");
        }
    }

    #[test]
    fn report_columns_under_a_header_line() {
        let report = "客户清单\n序号  姓名      电话\n----  --------  -----------\n1     孟建军    13800138000\n2     陆敏      13900139000\n";
        assert_eq!(labels(report, "陆敏"), [(CellShape::FixedWidth, "姓名".into())]);
        // Aligned by display width when a cell is empty.
        let report = "序号  姓名    备注  城市\n1     陆敏          北京\n";
        assert_eq!(labels(report, "陆敏"), [(CellShape::FixedWidth, "姓名".into())]);
        // Prose has no header line.
        assert!(labels("今天 陆敏 来了\n明天 再说\n", "陆敏").is_empty());
    }
}
