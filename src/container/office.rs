//! Office files: spreadsheets (xlsx/xlsb, xls, ods) and text documents (docx, pptx, odt).
//!
//! Spreadsheets are read with calamine and every worksheet becomes one TSV text named
//! `{file}!{sheet}`: one line per row of the sheet's used range, cells joined by tabs, so that
//! line 1 is the header row and line N is the Nth row. Text documents are streamed through
//! quick-xml member by member, each member one text named `{file}!{member path}`; tables come
//! out as TSV too (one line per table row), so column names can label the values under them.

use std::fmt::Write as _;
use std::io::{self, BufRead, BufReader, BufWriter, Read, Seek, SeekFrom, Write};

use calamine::{
    Data, DataRef, ExcelDateTime, Ods, OdsError, Reader, SheetType, Xls, XlsError, Xlsb, XlsbError, Xlsx, XlsxError,
};
use quick_xml::events::{BytesStart, Event};
use zip::ZipArchive;

use super::tsv::{push_escaped, push_float};
use super::{SkipReason, Visitor};

/// A kind of office file that this module reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Office {
    /// Office Open XML workbook (also covers binary `.xlsb` workbooks, which share its zip layout).
    Xlsx,
    /// Legacy Excel 97-2003 workbook (an OLE compound file).
    Xls,
    /// OpenDocument spreadsheet.
    Ods,
    /// Office Open XML word-processing document.
    Docx,
    /// Office Open XML presentation.
    Pptx,
    /// OpenDocument text document.
    Odt,
}

impl Office {
    /// The usual file extension of this kind, lower case and without the dot (`"xlsx"`).
    pub fn name(self) -> &'static str {
        match self {
            Office::Xlsx => "xlsx",
            Office::Xls => "xls",
            Office::Ods => "ods",
            Office::Docx => "docx",
            Office::Pptx => "pptx",
            Office::Odt => "odt",
        }
    }
}

const ODS_MIMETYPE: &[u8] = b"application/vnd.oasis.opendocument.spreadsheet";
const ODT_MIMETYPE: &[u8] = b"application/vnd.oasis.opendocument.text";
/// The `mimetype` member is a few dozen bytes; a bigger one is not an ODF mimetype, and reading
/// only this much keeps a hostile zip from making us inflate a huge member to find out.
const MIMETYPE_LIMIT: u64 = 200;

/// Tells a zip-based office file from a plain zip by its members: `xl/workbook.xml` or
/// `xl/workbook.bin` (xlsx, xlsb), `word/document.xml` (docx), `ppt/presentation.xml` (pptx), or
/// an ODF `mimetype` member naming a spreadsheet (ods) or a text document (odt).
/// Returns `None` for any other zip.
pub fn office_kind<R: Read + Seek>(zip: &mut zip::ZipArchive<R>) -> Option<Office> {
    // Raw lookups are hash lookups; the decoded-name lookup would scan every entry on a miss.
    let has = |zip: &ZipArchive<R>, member: &str| zip.index_for_name_raw(member.as_bytes()).is_some();
    if has(zip, "xl/workbook.xml") || has(zip, "xl/workbook.bin") {
        // calamine reads xlsb too; read_spreadsheet picks its xlsb reader when it has to.
        return Some(Office::Xlsx);
    }
    if has(zip, "word/document.xml") {
        return Some(Office::Docx);
    }
    if has(zip, "ppt/presentation.xml") {
        return Some(Office::Pptx);
    }
    let index = zip.index_for_name_raw(b"mimetype")?;
    let member = zip.by_index(index).ok()?;
    let mut mimetype = Vec::new();
    member.take(MIMETYPE_LIMIT + 1).read_to_end(&mut mimetype).ok()?;
    if mimetype.len() as u64 > MIMETYPE_LIMIT {
        return None;
    }
    match mimetype.trim_ascii() {
        ODS_MIMETYPE => Some(Office::Ods),
        ODT_MIMETYPE => Some(Office::Odt),
        _ => None,
    }
}

// ---------------------------------------------------------------------------------------------
// Spreadsheets
// ---------------------------------------------------------------------------------------------

/// Excel's own sheet size limits. A cell claiming to lie beyond them comes from a damaged or
/// hostile file, and laying out a used range that big would mean gigabytes of padding.
const MAX_ROWS: u32 = 1 << 20;
const MAX_COLUMNS: u32 = 1 << 14;
/// Above this many cells (rows x columns) a used range is refused rather than padded out: a
/// sheet with one cell in A1 and one in XFD1048576 would otherwise render 17 G tabs.
const MAX_LAYOUT_CELLS: u64 = 1 << 30;
/// How much rendered cell text one xlsx/xlsb sheet may hold in memory so that it is read once;
/// a bigger sheet is read twice instead (bounds first, then rows), in constant memory.
const SHEET_BUFFER_BUDGET: usize = 32 << 20;

/// Reads a workbook of kind `Xlsx` (or xlsb), `Xls` or `Ods` and hands every worksheet to
/// `visitor` as one TSV text named `{name}!{sheet name}`.
///
/// Each text has one line per row of the sheet's used range, starting at its first used row:
/// rows are never skipped (an empty row is an empty line), cells are joined by `\t`, and every
/// tab, CR or LF inside a cell becomes a space, so line N is always the Nth row. Numbers that are
/// whole (and below 2^53) are written without a decimal point (`13800138000`), other floats as
/// Rust's `{}` writes them, booleans as `true`/`false`, dates as ISO 8601 (`2024-03-01`,
/// `2024-03-01T08:30:00`, `08:30:00`, durations as `PT1H30M0S`), errors and empty cells as nothing.
///
/// A password-protected workbook is reported with [`SkipReason::Encrypted`]. A sheet that fails
/// to read is reported as an error against its own text name and the other sheets go on. The
/// returned error is for a workbook that cannot be opened at all.
pub fn read_spreadsheet<R: Read + Seek>(
    mut reader: R,
    kind: Office,
    name: &str,
    visitor: &mut dyn Visitor,
) -> io::Result<()> {
    match kind {
        Office::Xlsx => match Xlsx::new(&mut reader) {
            Ok(mut workbook) => {
                read_xlsx(&mut workbook, name, visitor, SHEET_BUFFER_BUDGET);
                Ok(())
            }
            Err(XlsxError::Password) => skip_encrypted(name, visitor),
            Err(xlsx_error) => {
                // An xlsb shares the xlsx zip layout but has a binary workbook part, which needs
                // calamine's other reader; try it before giving up.
                reader.seek(SeekFrom::Start(0))?;
                match Xlsb::new(&mut reader) {
                    Ok(mut workbook) => {
                        read_xlsb(&mut workbook, name, visitor, SHEET_BUFFER_BUDGET);
                        Ok(())
                    }
                    Err(XlsbError::Password) => skip_encrypted(name, visitor),
                    Err(_) => Err(invalid_data(format!("cannot read xlsx: {xlsx_error}"))),
                }
            }
        },
        Office::Xls => match Xls::new(&mut reader) {
            Ok(mut workbook) => {
                read_ranges(&mut workbook, name, visitor);
                Ok(())
            }
            Err(XlsError::Password) => skip_encrypted(name, visitor),
            Err(xls_error) => {
                // A password-protected xlsx (or docx) is an OLE file like an xls, holding an
                // "EncryptedPackage" stream instead of a workbook; calamine's xlsx reader looks
                // for exactly that stream before anything else.
                reader.seek(SeekFrom::Start(0))?;
                if matches!(Xlsx::new(&mut reader), Err(XlsxError::Password)) {
                    return skip_encrypted(name, visitor);
                }
                Err(invalid_data(format!("cannot read xls: {xls_error}")))
            }
        },
        Office::Ods => match Ods::new(&mut reader) {
            Ok(mut workbook) => {
                read_ranges(&mut workbook, name, visitor);
                Ok(())
            }
            Err(OdsError::Password) => skip_encrypted(name, visitor),
            Err(e) => Err(invalid_data(format!("cannot read ods: {e}"))),
        },
        Office::Docx | Office::Pptx | Office::Odt => {
            Err(io::Error::new(io::ErrorKind::InvalidInput, format!("{} is not a spreadsheet", kind.name())))
        }
    }
}

fn skip_encrypted(name: &str, visitor: &mut dyn Visitor) -> io::Result<()> {
    visitor.skip(name, SkipReason::Encrypted, "workbook is password protected".into());
    Ok(())
}

fn invalid_data(message: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, message)
}

/// The worksheets of a workbook, in workbook order. Chart, dialog and macro sheets hold no cell
/// data worth a text of their own (and calamine does not list them as worksheets).
fn worksheet_names(sheets: &[calamine::Sheet]) -> Vec<String> {
    sheets.iter().filter(|sheet| sheet.typ == SheetType::WorkSheet).map(|sheet| sheet.name.clone()).collect()
}

/// Xls and ods: calamine has already parsed the whole workbook into memory when it opens it, so
/// each sheet's range is rendered as it is.
fn read_ranges<RS: Read + Seek, W: Reader<RS>>(workbook: &mut W, name: &str, visitor: &mut dyn Visitor)
where
    W::Error: std::fmt::Display,
{
    for sheet in worksheet_names(workbook.sheets_metadata()) {
        let text_name = format!("{name}!{sheet}");
        match workbook.worksheet_range(&sheet) {
            Ok(range) => visitor.text(&text_name, &mut |w| write_range(w, &range)),
            Err(e) => report_error(visitor, &text_name, invalid_data(format!("cannot read sheet: {e}"))),
        }
    }
}

/// Reports `error` against `name` the way the visitor contract asks: as a text whose fill fails.
fn report_error(visitor: &mut dyn Visitor, name: &str, error: io::Error) {
    let mut error = Some(error);
    visitor.text(name, &mut |_| Err(error.take().unwrap_or_else(|| io::Error::other("sheet could not be read"))));
}

fn write_range(w: &mut dyn Write, range: &calamine::Range<Data>) -> io::Result<()> {
    let mut out = BufWriter::with_capacity(64 << 10, w);
    let mut line = String::new();
    for row in range.rows() {
        line.clear();
        let mut blank = true;
        for (i, cell) in row.iter().enumerate() {
            if i > 0 {
                line.push('\t');
            }
            let before = line.len();
            render_cell(view_data(cell), &mut line);
            blank &= line.len() == before;
        }
        // A row with nothing to show is an empty line, not a run of tabs.
        if blank {
            line.clear();
        }
        line.push('\n');
        out.write_all(line.as_bytes())?;
    }
    out.flush()
}

/// One cell's value, whichever calamine type it came from.
#[derive(Clone, Copy)]
enum CellView<'a> {
    Text(&'a str),
    Float(f64),
    Int(i64),
    Bool(bool),
    DateTime(ExcelDateTime),
    /// Errors render as nothing but still count for the used range, as calamine counts them.
    Nothing,
    Empty,
}

fn view_data(cell: &Data) -> CellView<'_> {
    match cell {
        Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => CellView::Text(s),
        Data::Float(f) => CellView::Float(*f),
        Data::Int(i) => CellView::Int(*i),
        Data::Bool(b) => CellView::Bool(*b),
        Data::DateTime(d) => CellView::DateTime(*d),
        Data::Error(_) => CellView::Nothing,
        Data::Empty => CellView::Empty,
    }
}

fn view_ref<'a>(cell: &'a DataRef<'_>) -> CellView<'a> {
    match cell {
        DataRef::String(s) | DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => CellView::Text(s),
        DataRef::SharedString(s) => CellView::Text(s),
        DataRef::Float(f) => CellView::Float(*f),
        DataRef::Int(i) => CellView::Int(*i),
        DataRef::Bool(b) => CellView::Bool(*b),
        DataRef::DateTime(d) => CellView::DateTime(*d),
        DataRef::Error(_) => CellView::Nothing,
        DataRef::Empty => CellView::Empty,
    }
}

/// Appends one cell's rendering to `out` (see [`read_spreadsheet`] for the rules).
fn render_cell(cell: CellView<'_>, out: &mut String) {
    match cell {
        CellView::Text(s) => push_escaped(s, out),
        CellView::Float(f) => push_float(f, out),
        CellView::Int(i) => {
            let _ = write!(out, "{i}");
        }
        CellView::Bool(b) => out.push_str(if b { "true" } else { "false" }),
        CellView::DateTime(d) => push_datetime(&d, out),
        CellView::Nothing | CellView::Empty => {}
    }
}

/// ISO 8601 without chrono, using calamine's own serial-date conversion: a date alone when the
/// time is midnight, a time alone for serials below 1 (time-only cells), both otherwise;
/// durations as `PT{h}H{m}M{s}S`.
fn push_datetime(d: &ExcelDateTime, out: &mut String) {
    let serial = d.as_f64();
    if d.is_duration() {
        let millis = (serial * 86_400_000.0).round();
        if !millis.is_finite() {
            return;
        }
        let sign = if millis < 0.0 { "-" } else { "" };
        let millis = millis.abs() as u64;
        let (h, m, s, ms) = (millis / 3_600_000, millis / 60_000 % 60, millis / 1000 % 60, millis % 1000);
        let _ = write!(out, "{sign}PT{h}H{m}M{s}");
        if ms != 0 {
            let _ = write!(out, ".{ms:03}");
        }
        out.push('S');
        return;
    }
    let (year, month, day, hour, minute, second, milli) = d.to_ymd_hms_milli();
    let time_only = (0.0..1.0).contains(&serial);
    let has_time = (hour, minute, second, milli) != (0, 0, 0, 0);
    if !time_only {
        let _ = write!(out, "{year:04}-{month:02}-{day:02}");
        if has_time {
            out.push('T');
        }
    }
    if time_only || has_time {
        let _ = write!(out, "{hour:02}:{minute:02}:{second:02}");
        if milli != 0 {
            let _ = write!(out, ".{milli:03}");
        }
    }
}

/// Receives one cell of a sheet: its (row, column) and its value.
type CellSink<'f> = dyn FnMut((u32, u32), &DataRef<'_>) -> io::Result<()> + 'f;
/// Feeds every cell of one sheet, in file order, to the sink it is given; called once per pass
/// over the sheet.
type CellScan<'s> = dyn FnMut(&mut CellSink<'_>) -> io::Result<()> + 's;

/// The xlsx and xlsb readers stream cells alike, through types of their own: one loop, written
/// once for both.
macro_rules! streamed_sheets {
    ($read:ident, $book:ident, $error:ty) => {
        fn $read<RS: Read + Seek>(workbook: &mut $book<RS>, name: &str, visitor: &mut dyn Visitor, budget: usize) {
            for sheet in worksheet_names(workbook.sheets_metadata()) {
                let mut scan = |cell: &mut CellSink<'_>| -> io::Result<()> {
                    let sheet_error = |e: $error| invalid_data(format!("cannot read sheet: {e}"));
                    let mut cells = workbook.worksheet_cells_reader(&sheet).map_err(sheet_error)?;
                    while let Some(c) = cells.next_cell().map_err(sheet_error)? {
                        cell(c.get_position(), c.get_value())?;
                    }
                    Ok(())
                };
                visitor.text(&format!("{name}!{sheet}"), &mut |w| write_streamed_sheet(w, &mut scan, budget));
            }
        }
    };
}

streamed_sheets!(read_xlsx, Xlsx, XlsxError);
streamed_sheets!(read_xlsb, Xlsb, XlsbError);

/// The used range of a sheet, as calamine defines it: the bounding box of its non-empty cells.
struct Bounds {
    rows: (u32, u32),
    columns: (u32, u32),
    /// Whether rows came in non-decreasing order, which a streamed second pass relies on.
    ordered: bool,
    last_row: u32,
}

impl Bounds {
    fn add(bounds: &mut Option<Bounds>, (row, column): (u32, u32)) -> io::Result<()> {
        if row >= MAX_ROWS || column >= MAX_COLUMNS {
            return Err(invalid_data(format!("cell at row {row}, column {column} is beyond excel's limits")));
        }
        match bounds {
            None => {
                *bounds = Some(Bounds { rows: (row, row), columns: (column, column), ordered: true, last_row: row })
            }
            Some(b) => {
                b.rows = (b.rows.0.min(row), b.rows.1.max(row));
                b.columns = (b.columns.0.min(column), b.columns.1.max(column));
                b.ordered &= row >= b.last_row;
                b.last_row = row;
            }
        }
        Ok(())
    }
}

/// Xlsx and xlsb: calamine's `worksheet_range` lays the whole used range out in memory (32 bytes
/// a cell, several copies at its peak), which a sparse or huge sheet turns into gigabytes. Here
/// the cell reader is used instead: a first pass finds the used range and keeps the rendered
/// cells while they fit in `budget` bytes; a sheet too big for that is read a second
/// time and written row by row.
fn write_streamed_sheet(w: &mut dyn Write, scan: &mut CellScan<'_>, budget: usize) -> io::Result<()> {
    let mut bounds: Option<Bounds> = None;
    let mut buffered: Option<Vec<((u32, u32), String)>> = Some(Vec::new());
    let mut buffered_bytes = 0usize;
    scan(&mut |position, value| {
        let view = view_ref(value);
        if matches!(view, CellView::Empty) {
            return Ok(());
        }
        Bounds::add(&mut bounds, position)?;
        if let Some(cells) = &mut buffered {
            let mut text = String::new();
            render_cell(view, &mut text);
            buffered_bytes += text.len() + std::mem::size_of::<((u32, u32), String)>();
            if buffered_bytes > budget {
                buffered = None;
            } else {
                cells.push((position, text));
            }
        }
        Ok(())
    })?;
    let Some(bounds) = bounds else { return Ok(()) };
    let height = u64::from(bounds.rows.1 - bounds.rows.0) + 1;
    let width = u64::from(bounds.columns.1 - bounds.columns.0) + 1;
    if height * width > MAX_LAYOUT_CELLS {
        return Err(invalid_data(format!("used range of {height} rows by {width} columns is too large to lay out")));
    }
    let mut rows = RowWriter::new(w, &bounds);
    match buffered {
        Some(mut cells) => {
            // Stable, so of two cells at one position the later wins, as in calamine's ranges.
            cells.sort_by_key(|(position, _)| *position);
            for (position, text) in &cells {
                rows.put(*position, text)?;
            }
        }
        None if bounds.ordered => {
            let mut text = String::new();
            scan(&mut |position, value| {
                let view = view_ref(value);
                if matches!(view, CellView::Empty) {
                    return Ok(());
                }
                text.clear();
                render_cell(view, &mut text);
                rows.put(position, &text)
            })?;
        }
        None => return Err(invalid_data("sheet is too large to buffer and its rows are out of order".into())),
    }
    rows.finish()
}

/// Writes cells arriving in row order as TSV lines covering the used range.
struct RowWriter<'w> {
    out: BufWriter<&'w mut dyn Write>,
    first_column: u32,
    /// Row of the line being filled; rows before it are written.
    row: u32,
    last_row: u32,
    /// Rendered cells of the current row, one slot per column of the used range.
    cells: Vec<String>,
}

impl<'w> RowWriter<'w> {
    fn new(w: &'w mut dyn Write, bounds: &Bounds) -> Self {
        let width = (bounds.columns.1 - bounds.columns.0) as usize + 1;
        RowWriter {
            out: BufWriter::with_capacity(64 << 10, w),
            first_column: bounds.columns.0,
            row: bounds.rows.0,
            last_row: bounds.rows.1,
            cells: vec![String::new(); width],
        }
    }

    fn put(&mut self, (row, column): (u32, u32), text: &str) -> io::Result<()> {
        if row < self.row || row > self.last_row {
            return Err(invalid_data("sheet changed between reads".into()));
        }
        while self.row < row {
            self.end_row()?;
        }
        let slot = column.checked_sub(self.first_column).and_then(|i| self.cells.get_mut(i as usize));
        let slot = slot.ok_or_else(|| invalid_data("sheet changed between reads".into()))?;
        slot.clear();
        slot.push_str(text);
        Ok(())
    }

    fn end_row(&mut self) -> io::Result<()> {
        if self.cells.iter().any(|c| !c.is_empty()) {
            for (i, cell) in self.cells.iter_mut().enumerate() {
                if i > 0 {
                    self.out.write_all(b"\t")?;
                }
                self.out.write_all(cell.as_bytes())?;
                cell.clear();
            }
        }
        self.out.write_all(b"\n")?;
        self.row += 1;
        Ok(())
    }

    fn finish(mut self) -> io::Result<()> {
        while self.row <= self.last_row {
            self.end_row()?;
        }
        self.out.flush()
    }
}

// ---------------------------------------------------------------------------------------------
// Text documents
// ---------------------------------------------------------------------------------------------

/// Reads a `Docx`, `Pptx` or `Odt` file and hands each text-bearing member to `visitor` as one
/// text named `{name}!{member path}`.
///
/// - docx: `word/document.xml`, the headers, the footers (each in numeric order),
///   `word/footnotes.xml`, `word/endnotes.xml` and `word/comments.xml`;
/// - pptx: the slides `ppt/slides/slideN.xml` in numeric order of N, then the notes
///   `ppt/notesSlides/notesSlideN.xml`;
/// - odt: `content.xml`.
///
/// Paragraphs and line breaks end lines and tabs stay tabs. Tables come out as TSV: each table
/// row is one line with its cells joined by `\t`; inside a cell, paragraph ends, line breaks and
/// tabs become spaces so that the row stays one line. Elements are matched by local name, so
/// any namespace prefix works. A member that is encrypted at the zip level is reported with
/// [`SkipReason::Encrypted`], as is a password-protected odt.
pub fn read_document<R: Read + Seek>(
    zip: &mut zip::ZipArchive<R>,
    kind: Office,
    name: &str,
    visitor: &mut dyn Visitor,
) -> io::Result<()> {
    let (dialect, members) = match kind {
        Office::Docx => (Dialect::Docx, docx_members(zip)),
        Office::Pptx => (Dialect::Pptx, pptx_members(zip)),
        Office::Odt => {
            if odf_is_encrypted(zip)? {
                visitor.skip(name, SkipReason::Encrypted, "document is password protected".into());
                return Ok(());
            }
            if zip.index_for_name_raw(b"content.xml").is_none() {
                return Err(invalid_data("odt has no content.xml".into()));
            }
            (Dialect::Odt, vec!["content.xml".to_string()])
        }
        Office::Xlsx | Office::Xls | Office::Ods => {
            return Err(io::Error::new(io::ErrorKind::InvalidInput, format!("{} is not a text document", kind.name())));
        }
    };
    for member in members {
        let text_name = format!("{name}!{member}");
        let Some(index) = zip.index_for_name_raw(member.as_bytes()) else { continue };
        // The raw entry can be opened without a password, so this costs no decryption attempt.
        if zip.by_index_raw(index).is_ok_and(|entry| entry.encrypted()) {
            visitor.skip(&text_name, SkipReason::Encrypted, "zip entry is encrypted".into());
            continue;
        }
        visitor.text(&text_name, &mut |w| {
            let entry = zip.by_index(index)?;
            write_document_text(BufReader::with_capacity(64 << 10, entry), dialect, w)
        });
    }
    Ok(())
}

/// The members of `zip` named `{prefix}{N}{suffix}` with N a decimal number, sorted by N
/// (so `slide2` comes before `slide10`).
fn numbered_members<R: Read + Seek>(zip: &ZipArchive<R>, prefix: &str, suffix: &str) -> Vec<String> {
    let mut found: Vec<(u64, String)> = zip
        .file_names()
        .filter_map(Result::ok)
        .filter_map(|member| {
            let number = member.strip_prefix(prefix)?.strip_suffix(suffix)?;
            if number.is_empty() || !number.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            Some((number.parse().unwrap_or(u64::MAX), member.into_owned()))
        })
        .collect();
    found.sort();
    found.into_iter().map(|(_, member)| member).collect()
}

fn docx_members<R: Read + Seek>(zip: &ZipArchive<R>) -> Vec<String> {
    let mut members = Vec::new();
    let add_if_present = |members: &mut Vec<String>, member: &str| {
        if zip.index_for_name_raw(member.as_bytes()).is_some() {
            members.push(member.to_string());
        }
    };
    add_if_present(&mut members, "word/document.xml");
    members.extend(numbered_members(zip, "word/header", ".xml"));
    members.extend(numbered_members(zip, "word/footer", ".xml"));
    for member in ["word/footnotes.xml", "word/endnotes.xml", "word/comments.xml"] {
        add_if_present(&mut members, member);
    }
    members
}

fn pptx_members<R: Read + Seek>(zip: &ZipArchive<R>) -> Vec<String> {
    let mut members = numbered_members(zip, "ppt/slides/slide", ".xml");
    members.extend(numbered_members(zip, "ppt/notesSlides/notesSlide", ".xml"));
    members
}

/// ODF encryption leaves the zip readable but encrypts the XML members; the manifest says so
/// with an `encryption-data` element, which is cheaper to find than a parse error.
fn odf_is_encrypted<R: Read + Seek>(zip: &mut ZipArchive<R>) -> io::Result<bool> {
    let Some(index) = zip.index_for_name_raw(b"META-INF/manifest.xml") else { return Ok(false) };
    let entry = zip.by_index(index)?;
    let mut reader = quick_xml::Reader::from_reader(BufReader::new(entry));
    let mut buf = Vec::new();
    loop {
        buf.clear();
        match reader.read_event_into(&mut buf) {
            Ok(Event::Start(e) | Event::Empty(e)) if e.local_name().as_ref() == "encryption-data" => return Ok(true),
            Ok(Event::Eof) => return Ok(false),
            // A broken manifest is not proof of encryption; the content will tell.
            Err(_) => return Ok(false),
            Ok(_) => {}
        }
    }
}

/// Which vocabulary a document member speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Dialect {
    Docx,
    Pptx,
    Odt,
}

/// What an element means for the text, by its local name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    /// Its character content is text (docx `w:t`, pptx `a:t`).
    Text,
    /// A paragraph: ends a line. In odt its character content is the text.
    Paragraph,
    Tab,
    Break,
    /// odt `text:s`: `text:c` spaces.
    Spaces,
    Table,
    Row,
    Cell,
    /// A subtree to leave out entirely.
    Ignore,
    Other,
}

fn role(dialect: Dialect, local: &str) -> Role {
    match (dialect, local) {
        // `delText` is deleted text of tracked changes: still in the file, still a leak.
        (Dialect::Docx, "t" | "delText") | (Dialect::Pptx, "t") => Role::Text,
        (Dialect::Docx | Dialect::Pptx, "p") | (Dialect::Odt, "p" | "h") => Role::Paragraph,
        (Dialect::Docx, "tab" | "ptab") | (Dialect::Odt, "tab") => Role::Tab,
        (Dialect::Docx, "br" | "cr") | (Dialect::Pptx, "br") | (Dialect::Odt, "line-break") => Role::Break,
        (Dialect::Odt, "s") => Role::Spaces,
        (Dialect::Docx | Dialect::Pptx, "tbl") | (Dialect::Odt, "table") => Role::Table,
        (Dialect::Docx | Dialect::Pptx, "tr") | (Dialect::Odt, "table-row") => Role::Row,
        (Dialect::Docx | Dialect::Pptx, "tc") | (Dialect::Odt, "table-cell" | "covered-table-cell") => Role::Cell,
        // `w:tabs` holds tab-stop definitions, also named `tab`; `mc:Fallback` repeats what
        // `mc:Choice` says (text boxes would come out twice).
        (Dialect::Docx, "tabs") | (Dialect::Docx | Dialect::Pptx, "Fallback") => Role::Ignore,
        _ => Role::Other,
    }
}

/// Upper bound for `text:s`'s and `table:number-columns-repeated`'s counts: enough for any real
/// document, small enough that a hostile count cannot blow up the output.
const MAX_REPEAT: u32 = 1000;

fn count_attribute(element: &BytesStart<'_>, local: &str) -> u32 {
    element
        .attributes()
        .flatten()
        .find(|a| a.key.local_name().as_ref() == local)
        .and_then(|a| a.value.trim().parse::<u32>().ok())
        .unwrap_or(1)
        .clamp(1, MAX_REPEAT)
}

/// Streams one XML member, writing its text as described in [`read_document`].
fn write_document_text<B: BufRead>(input: B, dialect: Dialect, w: &mut dyn Write) -> io::Result<()> {
    let mut out = TextOut::new(w, dialect == Dialect::Odt);
    let result = render_events(input, dialect, &mut out);
    // What was written before an error is still worth scanning.
    let flushed = out.out.flush();
    result.and(flushed)
}

fn render_events<B: BufRead>(input: B, dialect: Dialect, out: &mut TextOut<'_>) -> io::Result<()> {
    let mut reader = quick_xml::Reader::from_reader(input);
    // Be lenient: a damaged member should still yield its text.
    let config = reader.config_mut();
    config.check_end_names = false;
    config.allow_unmatched_ends = true;
    config.allow_dangling_amp = true;
    let xml_error = |e: quick_xml::Error| invalid_data(format!("malformed xml: {e}"));
    // Depth inside elements whose character content is text.
    let mut in_text = 0u32;
    // Depth inside an ignored subtree.
    let mut ignoring = 0u32;
    let mut buf = Vec::new();
    loop {
        buf.clear();
        let event = reader.read_event_into(&mut buf).map_err(xml_error)?;
        if ignoring > 0 {
            match event {
                Event::Start(_) => ignoring += 1,
                Event::End(_) => ignoring -= 1,
                Event::Eof => return Ok(()),
                _ => {}
            }
            continue;
        }
        match event {
            Event::Start(e) => match role(dialect, e.local_name().as_ref()) {
                Role::Text => in_text += 1,
                Role::Paragraph if dialect == Dialect::Odt => {
                    in_text += 1;
                    out.start_paragraph();
                }
                Role::Tab => out.tab()?,
                Role::Break => out.line_break()?,
                Role::Spaces => out.spaces(count_attribute(&e, "c"))?,
                Role::Table => out.start_table(),
                Role::Row => out.start_row(),
                Role::Cell => out.start_cell(count_attribute(&e, "number-columns-repeated"))?,
                Role::Ignore => ignoring = 1,
                Role::Paragraph | Role::Other => {}
            },
            Event::Empty(e) => match role(dialect, e.local_name().as_ref()) {
                Role::Paragraph => out.end_paragraph()?,
                Role::Tab => out.tab()?,
                Role::Break => out.line_break()?,
                Role::Spaces => out.spaces(count_attribute(&e, "c"))?,
                Role::Row => {
                    out.start_row();
                    out.end_row()?;
                }
                Role::Cell => {
                    out.start_cell(count_attribute(&e, "number-columns-repeated"))?;
                    out.end_cell()?;
                }
                Role::Text | Role::Table | Role::Ignore | Role::Other => {}
            },
            Event::End(e) => match role(dialect, e.local_name().as_ref()) {
                Role::Text => in_text = in_text.saturating_sub(1),
                Role::Paragraph => {
                    if dialect == Dialect::Odt {
                        in_text = in_text.saturating_sub(1);
                    }
                    out.end_paragraph()?;
                }
                Role::Table => out.end_table(),
                Role::Row => out.end_row()?,
                Role::Cell => out.end_cell()?,
                _ => {}
            },
            Event::Text(t) if in_text > 0 => out.text(&t.xml10_content())?,
            Event::CData(t) if in_text > 0 => out.text(&t.xml10_content())?,
            Event::GeneralRef(r) if in_text > 0 => {
                let mut utf8 = [0u8; 4];
                let resolved = match r.resolve_char_ref() {
                    Ok(Some(c)) => Some(&*c.encode_utf8(&mut utf8)),
                    Ok(None) => predefined_entity(&r),
                    Err(_) => None,
                };
                match resolved {
                    Some(s) => out.text(s)?,
                    // An entity we cannot resolve is kept as written rather than dropped.
                    None => out.text(&format!("&{};", &*r))?,
                }
            }
            Event::Eof => return Ok(()),
            _ => {}
        }
    }
}

/// The five entities XML predefines; office files declare no others.
fn predefined_entity(name: &str) -> Option<&'static str> {
    Some(match name {
        "amp" => "&",
        "lt" => "<",
        "gt" => ">",
        "quot" => "\"",
        "apos" => "'",
        _ => return None,
    })
}

/// The text being written for one member, with the table and whitespace state it needs.
struct TextOut<'w> {
    out: BufWriter<&'w mut dyn Write>,
    /// Cells begun in the current row, one entry per open table (tables nest).
    tables: Vec<u32>,
    /// A paragraph ended inside a table cell: separate it from the next text with a space.
    pending_space: bool,
    /// odt collapses runs of white space in its text into one space (ODF 1.2, 6.1.2).
    collapse_white_space: bool,
    /// For collapsing: the last thing written in this paragraph was white space (or nothing).
    after_space: bool,
    /// Empty columns still owed by the current repeated cell.
    repeated_cells: u32,
}

impl<'w> TextOut<'w> {
    fn new(w: &'w mut dyn Write, collapse_white_space: bool) -> Self {
        TextOut {
            out: BufWriter::with_capacity(64 << 10, w),
            tables: Vec::new(),
            pending_space: false,
            collapse_white_space,
            after_space: true,
            repeated_cells: 0,
        }
    }

    fn in_table(&self) -> bool {
        !self.tables.is_empty()
    }

    fn raw(&mut self, s: &str) -> io::Result<()> {
        if s.is_empty() {
            return Ok(());
        }
        if self.pending_space {
            self.pending_space = false;
            self.out.write_all(b" ")?;
        }
        self.out.write_all(s.as_bytes())
    }

    fn text(&mut self, s: &str) -> io::Result<()> {
        if self.collapse_white_space {
            let mut collapsed = String::with_capacity(s.len());
            for c in s.chars() {
                if matches!(c, ' ' | '\t' | '\r' | '\n') {
                    if !self.after_space {
                        collapsed.push(' ');
                        self.after_space = true;
                    }
                } else {
                    collapsed.push(c);
                    self.after_space = false;
                }
            }
            return self.raw(&collapsed);
        }
        if self.in_table() && s.contains(['\t', '\r', '\n']) {
            let flat: String = s.chars().map(|c| if matches!(c, '\t' | '\r' | '\n') { ' ' } else { c }).collect();
            return self.raw(&flat);
        }
        self.raw(s)
    }

    /// A tab, line break or explicit space: kept as is outside tables, a space inside them.
    fn separator(&mut self, s: &str) -> io::Result<()> {
        self.after_space = false;
        self.raw(if self.in_table() { " " } else { s })
    }

    fn tab(&mut self) -> io::Result<()> {
        self.separator("\t")
    }

    fn line_break(&mut self) -> io::Result<()> {
        self.separator("\n")
    }

    fn spaces(&mut self, count: u32) -> io::Result<()> {
        self.raw(&" ".repeat(count as usize))?;
        self.after_space = false;
        Ok(())
    }

    fn start_paragraph(&mut self) {
        self.after_space = true;
    }

    fn end_paragraph(&mut self) -> io::Result<()> {
        self.after_space = true;
        if self.in_table() {
            self.pending_space = true;
            Ok(())
        } else {
            self.out.write_all(b"\n")
        }
    }

    fn start_table(&mut self) {
        self.tables.push(0);
    }

    fn end_table(&mut self) {
        self.tables.pop();
        // A table nested in a cell: keep what follows apart from its last cell.
        self.pending_space = self.in_table();
    }

    fn start_row(&mut self) {
        if let Some(cells) = self.tables.last_mut() {
            *cells = 0;
        }
    }

    fn end_row(&mut self) -> io::Result<()> {
        self.pending_space = false;
        match self.tables.len() {
            0 => Ok(()),
            1 => self.out.write_all(b"\n"),
            // The rows of a nested table must not split the outer row's line.
            _ => {
                self.pending_space = true;
                Ok(())
            }
        }
    }

    fn start_cell(&mut self, repeat: u32) -> io::Result<()> {
        self.pending_space = false;
        self.after_space = true;
        let separator = self.cell_separator();
        let Some(cells) = self.tables.last_mut() else { return Ok(()) };
        let first = *cells == 0;
        *cells += 1;
        // A repeated cell (odt) stands for several columns: its content goes in the first, and
        // the others are written empty when it ends, to keep the columns aligned.
        self.repeated_cells = repeat - 1;
        if first {
            Ok(())
        } else {
            self.out.write_all(separator)
        }
    }

    fn end_cell(&mut self) -> io::Result<()> {
        self.pending_space = false;
        let separator = self.cell_separator();
        for _ in 0..std::mem::take(&mut self.repeated_cells) {
            self.out.write_all(separator)?;
        }
        Ok(())
    }

    /// Cells of a nested table must not look like columns of the outer one.
    fn cell_separator(&self) -> &'static [u8] {
        if self.tables.len() > 1 {
            b" "
        } else {
            b"\t"
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::container::testing::Collect;
    use std::io::Cursor;
    use zip::write::SimpleFileOptions;
    use zip::CompressionMethod;

    /// A zip with `members` in order, `mimetype` (if any) stored uncompressed as ODF requires.
    fn make_zip(members: &[(&str, &str)]) -> Vec<u8> {
        let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
        for (name, content) in members {
            let method = if *name == "mimetype" { CompressionMethod::Stored } else { CompressionMethod::Deflated };
            zip.start_file(*name, SimpleFileOptions::default().compression_method(method)).unwrap();
            zip.write_all(content.as_bytes()).unwrap();
        }
        zip.finish().unwrap().into_inner()
    }

    fn open_zip(bytes: &[u8]) -> ZipArchive<Cursor<&[u8]>> {
        ZipArchive::new(Cursor::new(bytes)).unwrap()
    }

    const MANIFEST: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">
 <manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>
 <manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>
</manifest:manifest>"#;

    fn make_xlsx() -> Vec<u8> {
        use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};
        let mut workbook = Workbook::new();
        let users = workbook.add_worksheet();
        users.set_name("Users").unwrap();
        for (col, header) in ["姓名", "身份证号", "手机", "金额", "日期"].iter().enumerate() {
            users.write_string(0, col as u16, *header).unwrap();
        }
        users.write_string(1, 0, "张三").unwrap();
        users.write_string(1, 1, "11010519491231002X").unwrap();
        users.write_number(1, 2, 13800138000.0).unwrap();
        users.write_number(1, 3, 12.5).unwrap();
        let date = Format::new().set_num_format("yyyy-mm-dd");
        users.write_datetime_with_format(1, 4, ExcelDateTime::from_ymd(2024, 3, 1).unwrap(), &date).unwrap();
        users.write_string(2, 0, "备注\t含\n换行").unwrap();
        users.write_boolean(2, 1, true).unwrap();
        let time = Format::new().set_num_format("yyyy-mm-dd hh:mm:ss");
        let stamp = ExcelDateTime::from_ymd(2024, 3, 1).unwrap().and_hms(8, 30, 5).unwrap();
        users.write_datetime_with_format(2, 4, stamp, &time).unwrap();
        // Row 3 is left empty.
        users.write_string(4, 0, "李四").unwrap();
        users.write_number(4, 3, 100.0).unwrap();

        let other = workbook.add_worksheet();
        other.set_name("Other").unwrap();
        other.write_string(2, 1, "x").unwrap();
        other.write_number(3, 2, 1e20).unwrap();
        other.write_number(3, 1, 0.1 + 0.2).unwrap();
        workbook.save_to_buffer().unwrap()
    }

    const USERS_TSV: &str = "姓名\t身份证号\t手机\t金额\t日期\n\
                             张三\t11010519491231002X\t13800138000\t12.5\t2024-03-01\n\
                             备注 含 换行\ttrue\t\t\t2024-03-01T08:30:05\n\
                             \n\
                             李四\t\t\t100\t\n";
    const OTHER_TSV: &str = "x\t\n0.30000000000000004\t100000000000000000000\n";

    #[test]
    fn xlsx_sheets_become_tsv() {
        let xlsx = make_xlsx();
        assert_eq!(office_kind(&mut open_zip(&xlsx)), Some(Office::Xlsx));
        let mut visitor = Collect::default();
        read_spreadsheet(Cursor::new(&xlsx), Office::Xlsx, "users.xlsx", &mut visitor).unwrap();
        assert_eq!(visitor.names(), ["users.xlsx!Users", "users.xlsx!Other"]);
        assert_eq!(visitor.text("users.xlsx!Users"), USERS_TSV);
        assert_eq!(visitor.text("users.xlsx!Other"), OTHER_TSV);
        assert!(visitor.skips.is_empty());

        // Too big to buffer: each sheet is read a second time, with the same result.
        let mut workbook: Xlsx<_> = Xlsx::new(Cursor::new(&xlsx)).unwrap();
        let mut visitor = Collect::default();
        read_xlsx(&mut workbook, "users.xlsx", &mut visitor, 0);
        assert_eq!(visitor.text("users.xlsx!Users"), USERS_TSV);
        assert_eq!(visitor.text("users.xlsx!Other"), OTHER_TSV);
    }

    /// Runs `write_streamed_sheet` over a fixed list of cells.
    fn stream(cells: &[((u32, u32), DataRef<'static>)], budget: usize) -> io::Result<String> {
        let mut scan = |f: &mut CellSink<'_>| -> io::Result<()> {
            for (position, value) in cells {
                f(*position, value)?;
            }
            Ok(())
        };
        let mut out = Vec::new();
        write_streamed_sheet(&mut out, &mut scan, budget)?;
        Ok(String::from_utf8(out).unwrap())
    }

    #[test]
    fn streamed_sheets_read_twice_give_the_same_text() {
        let cells = [
            ((5, 2), DataRef::SharedString("姓名")),
            ((5, 4), DataRef::String("手机".into())),
            ((5, 3), DataRef::Empty),
            ((6, 3), DataRef::Float(13800138000.0)),
            ((6, 2), DataRef::Int(-7)),
            ((8, 4), DataRef::Error(calamine::CellErrorType::NA)),
            ((9, 4), DataRef::Bool(false)),
        ];
        // Row 7 has nothing, row 8 only an error value: both are empty lines.
        let expected = "姓名\t\t手机\n-7\t13800138000\t\n\n\n\t\tfalse\n";
        // Everything buffered, then nothing buffered (a second pass).
        assert_eq!(stream(&cells, usize::MAX).unwrap(), expected);
        assert_eq!(stream(&cells, 0).unwrap(), expected);
    }

    #[test]
    fn streamed_sheets_guard_their_layout() {
        let backwards = [((3, 0), DataRef::Int(1)), ((1, 0), DataRef::Int(2)), ((1, 0), DataRef::Int(3))];
        // Buffered: sorted, and of two cells at one place the later wins.
        assert_eq!(stream(&backwards, usize::MAX).unwrap(), "3\n\n1\n");
        assert!(stream(&backwards, 0).unwrap_err().to_string().contains("out of order"));
        let beyond = [((0, 0), DataRef::Int(1)), ((u32::MAX - 1, 0), DataRef::Int(2))];
        assert!(stream(&beyond, usize::MAX).unwrap_err().to_string().contains("beyond excel's limits"));
        let sparse = [((0, 0), DataRef::Int(1)), ((MAX_ROWS - 1, MAX_COLUMNS - 1), DataRef::Int(2))];
        assert!(stream(&sparse, usize::MAX).unwrap_err().to_string().contains("too large to lay out"));
        assert_eq!(stream(&[((2, 2), DataRef::Empty)], usize::MAX).unwrap(), "");
    }

    #[test]
    fn float_and_date_rendering() {
        let render = |view: CellView<'_>| {
            let mut s = String::new();
            render_cell(view, &mut s);
            s
        };
        assert_eq!(render(CellView::Float(13800138000.0)), "13800138000");
        assert_eq!(render(CellView::Float(-3.0)), "-3");
        assert_eq!(render(CellView::Float(9_007_199_254_740_992.0)), "9007199254740992");
        assert_eq!(render(CellView::Float(12.5)), "12.5");
        assert_eq!(render(CellView::Float(f64::NAN)), "NaN");
        use calamine::ExcelDateTimeType::{DateTime, TimeDelta};
        let date = |serial, kind| render(CellView::DateTime(ExcelDateTime::new(serial, kind, false)));
        assert_eq!(date(45352.0, DateTime), "2024-03-01");
        assert_eq!(date(45352.5, DateTime), "2024-03-01T12:00:00");
        assert_eq!(date(0.75, DateTime), "18:00:00");
        assert_eq!(date(1.5625, TimeDelta), "PT37H30M0S");
    }

    #[test]
    fn ods_sheets_become_tsv() {
        let content = r#"<?xml version="1.0" encoding="UTF-8"?>
<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">
<office:body><office:spreadsheet>
<table:table table:name="名单">
<table:table-row><table:table-cell office:value-type="string"><text:p>姓名</text:p></table:table-cell><table:table-cell office:value-type="string"><text:p>手机</text:p></table:table-cell></table:table-row>
<table:table-row><table:table-cell office:value-type="string"><text:p>王五 &amp; 赵六</text:p></table:table-cell><table:table-cell office:value-type="float" office:value="13800138000"><text:p>13800138000</text:p></table:table-cell></table:table-row>
<table:table-row table:number-rows-repeated="2"><table:table-cell table:number-columns-repeated="2"/></table:table-row>
<table:table-row><table:table-cell office:value-type="date" office:date-value="2024-03-01"><text:p>2024/3/1</text:p></table:table-cell><table:table-cell office:value-type="boolean" office:boolean-value="true"><text:p>TRUE</text:p></table:table-cell></table:table-row>
</table:table>
<table:table table:name="Empty"/>
</office:spreadsheet></office:body></office:document-content>"#;
        let ods = make_zip(&[
            ("mimetype", "application/vnd.oasis.opendocument.spreadsheet"),
            ("META-INF/manifest.xml", MANIFEST),
            ("content.xml", content),
        ]);
        assert_eq!(office_kind(&mut open_zip(&ods)), Some(Office::Ods));
        let mut visitor = Collect::default();
        read_spreadsheet(Cursor::new(&ods), Office::Ods, "a.ods", &mut visitor).unwrap();
        assert_eq!(visitor.names(), ["a.ods!名单", "a.ods!Empty"]);
        assert_eq!(visitor.text("a.ods!名单"), "姓名\t手机\n王五 & 赵六\t13800138000\n\n\n2024-03-01\ttrue\n");
        assert_eq!(visitor.text("a.ods!Empty"), "");
    }

    #[test]
    fn encrypted_ods_is_skipped_and_junk_is_an_error() {
        let manifest = MANIFEST.replace(
            r#"manifest:media-type="text/xml"/>"#,
            r#"manifest:media-type="text/xml"><manifest:encryption-data manifest:checksum-type="SHA1"/></manifest:file-entry>"#,
        );
        let ods = make_zip(&[
            ("mimetype", "application/vnd.oasis.opendocument.spreadsheet"),
            ("META-INF/manifest.xml", &manifest),
            ("content.xml", "\u{1}\u{2}garbage"),
        ]);
        let mut visitor = Collect::default();
        read_spreadsheet(Cursor::new(&ods), Office::Ods, "s.ods", &mut visitor).unwrap();
        assert!(visitor.texts.is_empty());
        assert_eq!(visitor.skips, [("s.ods".into(), SkipReason::Encrypted, "workbook is password protected".into())]);

        let junk = make_zip(&[("a.txt", "hello")]);
        for kind in [Office::Xlsx, Office::Xls, Office::Ods] {
            let error = read_spreadsheet(Cursor::new(&junk), kind, "j", &mut visitor).unwrap_err();
            assert!(error.to_string().starts_with(&format!("cannot read {}", kind.name())), "{error}");
        }
        let error = read_spreadsheet(Cursor::new(&junk), Office::Docx, "j", &mut visitor).unwrap_err();
        assert_eq!(error.kind(), io::ErrorKind::InvalidInput);
    }

    const W: &str = r#"xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main""#;

    fn make_docx() -> Vec<u8> {
        let document = format!(
            r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:document {W} xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006"><w:body>
<w:p><w:pPr><w:tabs><w:tab w:val="left" w:pos="720"/></w:tabs></w:pPr><w:r><w:t>客户名单</w:t></w:r><w:r><w:tab/><w:t xml:space="preserve">A &amp; B </w:t></w:r><w:r><w:br/><w:t>第二行</w:t></w:r></w:p>
<w:tbl><w:tblPr/>
<w:tr><w:tc><w:p><w:r><w:t>姓名</w:t></w:r></w:p></w:tc><w:tc><w:p><w:r><w:t>身份证号</w:t></w:r></w:p></w:tc><w:tc><w:p><w:r><w:t>手机</w:t></w:r></w:p></w:tc></w:tr>
<w:tr><w:tc><w:p><w:r><w:t>张</w:t></w:r><w:r><w:t>三</w:t></w:r></w:p><w:p><w:r><w:t>(经理)</w:t></w:r></w:p></w:tc><w:tc><w:p><w:r><w:t>11010519491231002X</w:t></w:r></w:p></w:tc><w:tc><w:p><w:r><w:t>138</w:t></w:r><w:r><w:tab/><w:t>0013</w:t><w:br/><w:t>8000</w:t></w:r></w:p></w:tc></w:tr>
</w:tbl>
<w:p/>
<w:p><w:r><mc:AlternateContent><mc:Choice Requires="wps"><w:t>框内</w:t></mc:Choice><mc:Fallback><w:t>框内</w:t></mc:Fallback></mc:AlternateContent></w:r><w:del><w:r><w:delText>删掉的</w:delText></w:r></w:del><w:r><w:instrText>HYPERLINK "x"</w:instrText><w:t>结束&#x3002;&lt;&gt;</w:t></w:r></w:p>
</w:body></w:document>"#
        );
        // Another prefix for the same namespace: matching is by local name.
        let header = r#"<x:hdr xmlns:x="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><x:p><x:r><x:t>页眉</x:t></x:r></x:p></x:hdr>"#;
        let part = |tag: &str, text: &str| format!(r#"<w:{tag} {W}><w:p><w:r><w:t>{text}</w:t></w:r></w:p></w:{tag}>"#);
        make_zip(&[
            ("[Content_Types].xml", "<Types/>"),
            ("word/document.xml", &document),
            ("word/header10.xml", &part("hdr", "页眉十")),
            ("word/header2.xml", header),
            ("word/footer1.xml", &part("ftr", "页脚")),
            ("word/comments.xml", &part("comments", "批注 13900139000")),
            ("word/styles.xml", &part("styles", "不读")),
        ])
    }

    #[test]
    fn docx_paragraphs_and_tables() {
        let docx = make_docx();
        let mut zip = open_zip(&docx);
        assert_eq!(office_kind(&mut zip), Some(Office::Docx));
        let mut visitor = Collect::default();
        read_document(&mut zip, Office::Docx, "a.docx", &mut visitor).unwrap();
        assert_eq!(
            visitor.names(),
            [
                "a.docx!word/document.xml",
                "a.docx!word/header2.xml",
                "a.docx!word/header10.xml",
                "a.docx!word/footer1.xml",
                "a.docx!word/comments.xml"
            ]
        );
        assert_eq!(
            visitor.text("a.docx!word/document.xml"),
            "客户名单\tA & B \n第二行\n\
             姓名\t身份证号\t手机\n\
             张三 (经理)\t11010519491231002X\t138 0013 8000\n\
             \n\
             框内删掉的结束。<>\n"
        );
        assert_eq!(visitor.text("a.docx!word/header2.xml"), "页眉\n");
        assert_eq!(visitor.text("a.docx!word/header10.xml"), "页眉十\n");
        assert_eq!(visitor.text("a.docx!word/comments.xml"), "批注 13900139000\n");
        assert!(visitor.skips.is_empty());
    }

    #[test]
    fn malformed_xml_keeps_what_came_before_the_error() {
        let document =
            format!(r#"<w:document {W}><w:body><w:p><w:r><w:t>张三 13800138000</w:t></w:r></w:p><w:p><!-- cut"#);
        let docx = make_zip(&[("word/document.xml", &document)]);
        let mut visitor = Collect::default();
        read_document(&mut open_zip(&docx), Office::Docx, "b.docx", &mut visitor).unwrap();
        assert_eq!(visitor.texts.len(), 1);
        assert_eq!(visitor.texts[0].0, "b.docx!word/document.xml");
        let error = visitor.texts[0].1.as_ref().unwrap_err();
        assert!(error.starts_with("malformed xml"), "{error}");
        // The collecting visitor drops the partial text on error; check it directly.
        let mut out = Vec::new();
        let result = write_document_text(document.as_bytes(), Dialect::Docx, &mut out);
        assert!(result.is_err());
        assert_eq!(String::from_utf8(out).unwrap(), "张三 13800138000\n");
    }

    /// Sets the "encrypted" flag of `member` in both its local and its central header.
    fn flag_encrypted(zip: &mut [u8], member: &str) {
        let u16_at = |zip: &[u8], at: usize| usize::from(u16::from_le_bytes([zip[at], zip[at + 1]]));
        let mut flagged = 0;
        for at in 0..zip.len().saturating_sub(46) {
            let (flags, name_len, name_at) = match &zip[at..at + 4] {
                b"PK\x03\x04" => (at + 6, u16_at(zip, at + 26), at + 30),
                b"PK\x01\x02" => (at + 8, u16_at(zip, at + 28), at + 46),
                _ => continue,
            };
            if zip.get(name_at..name_at + name_len) == Some(member.as_bytes()) {
                zip[flags] |= 1;
                flagged += 1;
            }
        }
        assert_eq!(flagged, 2);
    }

    #[test]
    fn encrypted_members_are_skipped() {
        let mut docx = make_docx();
        flag_encrypted(&mut docx, "word/footer1.xml");
        let mut visitor = Collect::default();
        read_document(&mut open_zip(&docx), Office::Docx, "c.docx", &mut visitor).unwrap();
        assert_eq!(visitor.texts.len(), 4);
        assert!(!visitor.names().contains(&"c.docx!word/footer1.xml"));
        assert_eq!(
            visitor.skips,
            [("c.docx!word/footer1.xml".into(), SkipReason::Encrypted, "zip entry is encrypted".into())]
        );
    }

    fn slide(prefix: &str, body: &str) -> String {
        format!(
            r#"<?xml version="1.0" encoding="UTF-8"?>
<p:sld xmlns:{prefix}="http://schemas.openxmlformats.org/drawingml/2006/main" xmlns:p="http://schemas.openxmlformats.org/presentationml/2006/main"><p:cSld><p:spTree>{body}</p:spTree></p:cSld></p:sld>"#
        )
    }

    #[test]
    fn pptx_slides_in_numeric_order_with_tables() {
        let slide1 = slide(
            "a",
            r#"<p:sp><p:txBody><a:bodyPr/><a:p><a:pPr><a:tabLst><a:tab pos="0"/></a:tabLst></a:pPr><a:r><a:t>客户</a:t></a:r><a:br/><a:r><a:t>名单</a:t></a:r></a:p><a:p><a:r><a:t>第二段</a:t></a:r></a:p></p:txBody></p:sp>
<p:graphicFrame><a:graphic><a:graphicData><a:tbl><a:tblGrid/>
<a:tr h="1"><a:tc><a:txBody><a:p><a:r><a:t>姓名</a:t></a:r></a:p></a:txBody></a:tc><a:tc><a:txBody><a:p><a:r><a:t>身份证号</a:t></a:r></a:p></a:txBody></a:tc><a:tc><a:txBody><a:p><a:r><a:t>手机</a:t></a:r></a:p></a:txBody></a:tc></a:tr>
<a:tr h="1"><a:tc><a:txBody><a:p><a:r><a:t>张三</a:t></a:r></a:p></a:txBody></a:tc><a:tc><a:txBody><a:p><a:r><a:t>11010519491231002X</a:t></a:r></a:p></a:txBody></a:tc><a:tc><a:txBody><a:p><a:r><a:t>13800138000</a:t></a:r></a:p><a:p/></a:txBody></a:tc></a:tr>
</a:tbl></a:graphicData></a:graphic></p:graphicFrame>"#,
        );
        let slide2 = slide("d", "<p:sp><p:txBody><d:p><d:r><d:t>第二页</d:t></d:r></d:p></p:txBody></p:sp>");
        let slide10 = slide("a", "<p:sp><p:txBody><a:p><a:r><a:t>第十页</a:t></a:r></a:p></p:txBody></p:sp>");
        let notes = slide("a", "<p:sp><p:txBody><a:p><a:r><a:t>备注</a:t></a:r></a:p></p:txBody></p:sp>");
        let pptx = make_zip(&[
            ("ppt/presentation.xml", "<p:presentation/>"),
            ("ppt/slides/slide10.xml", &slide10),
            ("ppt/slides/slide2.xml", &slide2),
            ("ppt/slides/slide1.xml", &slide1),
            ("ppt/slides/_rels/slide1.xml.rels", "<Relationships/>"),
            ("ppt/notesSlides/notesSlide1.xml", &notes),
        ]);
        let mut zip = open_zip(&pptx);
        assert_eq!(office_kind(&mut zip), Some(Office::Pptx));
        let mut visitor = Collect::default();
        read_document(&mut zip, Office::Pptx, "p.pptx", &mut visitor).unwrap();
        assert_eq!(
            visitor.names(),
            [
                "p.pptx!ppt/slides/slide1.xml",
                "p.pptx!ppt/slides/slide2.xml",
                "p.pptx!ppt/slides/slide10.xml",
                "p.pptx!ppt/notesSlides/notesSlide1.xml"
            ]
        );
        assert_eq!(
            visitor.text("p.pptx!ppt/slides/slide1.xml"),
            "客户\n名单\n第二段\n姓名\t身份证号\t手机\n张三\t11010519491231002X\t13800138000\n"
        );
        assert_eq!(visitor.text("p.pptx!ppt/slides/slide2.xml"), "第二页\n");
        assert_eq!(visitor.text("p.pptx!ppt/notesSlides/notesSlide1.xml"), "备注\n");
    }

    fn make_odt(manifest: &str) -> Vec<u8> {
        let content = r#"<?xml version="1.0" encoding="UTF-8"?>
<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0">
<office:body>
  <office:text>
    <text:h text:outline-level="1">客户   名单</text:h>
    <text:p>姓名:<text:s text:c="3"/>张三<text:tab/>电话<text:line-break/>13800138000 &amp;
      <text:span>下一行</text:span></text:p>
    <table:table table:name="T1">
      <table:table-column table:number-columns-repeated="3"/>
      <table:table-header-rows>
      <table:table-row><table:table-cell><text:p>姓名</text:p></table:table-cell><table:table-cell><text:p>身份证号</text:p></table:table-cell><table:table-cell><text:p>手机</text:p></table:table-cell></table:table-row>
      </table:table-header-rows>
      <table:table-row><table:table-cell><text:p>张三</text:p><text:p>经理</text:p></table:table-cell><table:table-cell><text:p>11010519491231002X</text:p></table:table-cell><table:table-cell><text:p>13800138000</text:p></table:table-cell></table:table-row>
      <table:table-row><table:table-cell table:number-columns-repeated="2"><text:p>同</text:p></table:table-cell><table:table-cell/></table:table-row>
    </table:table>
    <text:p/>
  </office:text>
</office:body></office:document-content>"#;
        make_zip(&[
            ("mimetype", "application/vnd.oasis.opendocument.text"),
            ("META-INF/manifest.xml", manifest),
            ("content.xml", content),
            ("styles.xml", "<office:document-styles/>"),
        ])
    }

    #[test]
    fn odt_paragraphs_and_tables() {
        let odt = make_odt(MANIFEST);
        let mut zip = open_zip(&odt);
        assert_eq!(office_kind(&mut zip), Some(Office::Odt));
        let mut visitor = Collect::default();
        read_document(&mut zip, Office::Odt, "d.odt", &mut visitor).unwrap();
        assert_eq!(visitor.names(), ["d.odt!content.xml"]);
        assert_eq!(
            visitor.text("d.odt!content.xml"),
            "客户 名单\n\
             姓名:   张三\t电话\n13800138000 & 下一行\n\
             姓名\t身份证号\t手机\n\
             张三 经理\t11010519491231002X\t13800138000\n\
             同\t\t\n\
             \n"
        );
    }

    #[test]
    fn encrypted_odt_is_skipped() {
        let manifest = MANIFEST.replace(
            r#"manifest:media-type="text/xml"/>"#,
            r#"manifest:media-type="text/xml"><manifest:encryption-data/></manifest:file-entry>"#,
        );
        let odt = make_odt(&manifest);
        let mut visitor = Collect::default();
        read_document(&mut open_zip(&odt), Office::Odt, "e.odt", &mut visitor).unwrap();
        assert!(visitor.texts.is_empty());
        assert_eq!(visitor.skips, [("e.odt".into(), SkipReason::Encrypted, "document is password protected".into())]);
    }

    #[test]
    fn plain_zips_are_not_office_files() {
        let plain = make_zip(&[("readme.txt", "hi"), ("word/other.xml", "<x/>")]);
        assert_eq!(office_kind(&mut open_zip(&plain)), None);
        let other_odf = make_zip(&[("mimetype", "application/vnd.oasis.opendocument.presentation")]);
        assert_eq!(office_kind(&mut open_zip(&other_odf)), None);
        let padded = |n| format!("application/vnd.oasis.opendocument.text{}", " ".repeat(n));
        assert_eq!(office_kind(&mut open_zip(&make_zip(&[("mimetype", &padded(1))]))), Some(Office::Odt));
        assert_eq!(office_kind(&mut open_zip(&make_zip(&[("mimetype", &padded(300))]))), None);
        let mut visitor = Collect::default();
        let error = read_document(&mut open_zip(&plain), Office::Xlsx, "p", &mut visitor).unwrap_err();
        assert_eq!(error.kind(), io::ErrorKind::InvalidInput);
    }
}
