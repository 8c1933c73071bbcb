//! Read stage for containers: compressed streams (gzip, bzip2, xz, zstd), archives (zip, tar
//! and its compressed forms, nested), office files (xlsx, xls, ods, docx, pptx, odt), SQLite
//! databases and PDFs. Each yields texts named by their inner path (`exports.zip!2024/users.csv`,
//! `users.xlsx!Sheet1`, `app.db!users`), handed to a [`Visitor`] that scans them; what cannot
//! be read is handed over as skipped, with why. Members are streamed, never extracted to the
//! file system, within the [`Limits`] of the input they came from; a compression layer keeps
//! its stream's name (`dump.sql.gz` holds the findings of the SQL inside it).
//!
//! Only formats that need random access (zip, office files, SQLite, PDF) are copied to a
//! temporary file when they are met inside a stream, within the same limits.

pub mod archive;
pub mod limits;
pub mod office;
pub mod pdf;
pub mod sqlite;
mod tsv;

pub use crate::error::SkipReason;
pub use limits::{Budget, Limits};

use crate::sniff::{self, Compression, Format};
use crate::source::TextPolicy;
use limits::{is_limit, Compressed, Counting, Limited};
use std::cell::Cell;
use std::io::{self, Read, Seek, Write};
use std::path::Path;

/// Receives what the container readers find.
pub trait Visitor {
    /// One text to scan, shown as `name` (for example `users.xlsx!Sheet1`): `fill` writes its
    /// bytes (UTF-8) into the writer it is given. An error returned by `fill` is reported against
    /// `name` and makes the scan incomplete; what was written before it is still scanned.
    fn text(&mut self, name: &str, fill: &mut dyn FnMut(&mut dyn Write) -> io::Result<()>);
    /// A member left unscanned, with why (one line, lower case, no trailing period).
    fn skip(&mut self, name: &str, reason: SkipReason, detail: String);
    /// An input or member that could not be read: reported against `name` as an incomplete
    /// text.
    fn fail(&mut self, name: &str, error: io::Error) {
        let mut error = Some(error);
        self.text(name, &mut |_| Err(error.take().unwrap_or_else(|| io::Error::other("cannot read"))));
    }
}

/// How containers are read.
#[derive(Debug, Clone, Copy, Default)]
pub struct Options {
    /// Which inputs are read as text (`--no-archives`, `-a/--text`).
    pub policy: TextPolicy,
    /// The limits of each input.
    pub limits: Limits,
}

/// A PDF larger than this is not read: text extraction holds the whole document, and much
/// more, in memory.
pub const MAX_PDF: u64 = 512 << 20;

/// Reads a file whose first bytes say it is `format` (anything but text), handing its texts
/// to `visitor`.
pub fn read_file(path: &Path, name: &str, format: Format, options: &Options, visitor: &mut dyn Visitor) {
    let budget = Budget::new(options.limits);
    let unpack = Unpack { options, budget: &budget };
    unpack.container(name, path, format, 1, visitor);
}

/// Reads a stream (standard input, a pipe): text is scanned as it comes, containers are
/// opened as they would be in a file.
pub fn read_stream(name: &str, reader: &mut dyn Read, options: &Options, visitor: &mut dyn Visitor) {
    let budget = Budget::new(options.limits);
    let unpack = Unpack { options, budget: &budget };
    unpack.stream(name, reader, 0, visitor);
}

/// Reading one input: its options and what it has used of its limits.
struct Unpack<'a> {
    options: &'a Options,
    budget: &'a Budget,
}

impl Unpack<'_> {
    /// A stream shown as `name`, inside `depth` containers: sniffed, then scanned or opened.
    fn stream(&self, name: &str, reader: &mut dyn Read, depth: u32, visitor: &mut dyn Visitor) {
        let head = match read_head(reader) {
            Ok(head) => head,
            Err(e) => return self.fail(name, e, visitor),
        };
        let format = sniff::sniff(&head);
        let mut rest = io::Cursor::new(head).chain(reader);
        if self.options.policy.reads_as_text(format) {
            let budget = self.budget;
            visitor.text(name, &mut |out| {
                let copied = copy(&mut rest, out);
                if copied.as_ref().is_err_and(is_limit) {
                    budget.mark_reported();
                }
                copied
            });
            return;
        }
        if self.archives_disabled(name, format, visitor) {
            return;
        }
        match format {
            Format::Compressed(compression) => self.decompress(name, compression, &mut rest, depth + 1, visitor),
            Format::Tar => archive::read_tar(self, name, &mut rest, depth + 1, visitor),
            Format::Zip | Format::Sqlite | Format::Pdf | Format::Ole => {
                // These need random access: copied to a temporary file first.
                let spooled = tempfile::NamedTempFile::new().and_then(|mut file| {
                    copy(&mut rest, file.as_file_mut())?;
                    file.as_file_mut().flush()?;
                    Ok(file)
                });
                match spooled {
                    Ok(file) => self.container(name, file.path(), format, depth + 1, visitor),
                    Err(e) => self.fail(name, e, visitor),
                }
            }
            Format::Binary(what) => visitor.skip(name, SkipReason::Binary, what.to_string()),
            Format::Text => unreachable!("text is scanned above"),
        }
    }

    /// A container at `path`, shown as `name`, opened at `depth`.
    fn container(&self, name: &str, path: &Path, format: Format, depth: u32, visitor: &mut dyn Visitor) {
        if let Err(limit) = self.budget.depth(depth) {
            return self.fail(name, limit.into_io(), visitor);
        }
        if self.archives_disabled(name, format, visitor) {
            return;
        }
        let open = || std::fs::File::open(path);
        match format {
            Format::Compressed(compression) => match open() {
                Ok(mut file) => self.decompress(name, compression, &mut file, depth, visitor),
                Err(e) => self.fail(name, e, visitor),
            },
            Format::Tar => match open() {
                Ok(mut file) => archive::read_tar(self, name, &mut file, depth, visitor),
                Err(e) => self.fail(name, e, visitor),
            },
            Format::Zip => match open() {
                Ok(file) => archive::read_zip(self, name, file, depth, visitor),
                Err(e) => self.fail(name, e, visitor),
            },
            Format::Sqlite => {
                if let Err(e) = sqlite::read_sqlite(path, name, visitor) {
                    self.fail(name, e, visitor);
                }
            }
            Format::Pdf => match std::fs::metadata(path) {
                Ok(meta) if meta.len() > MAX_PDF => visitor.skip(
                    name,
                    SkipReason::Unsupported,
                    format!("PDF of {} bytes, over {MAX_PDF}: extract its text first", meta.len()),
                ),
                Ok(_) => match std::fs::read(path) {
                    Ok(bytes) => {
                        if let Err(e) = pdf::read_pdf(&bytes, name, visitor) {
                            self.fail(name, e, visitor);
                        }
                    }
                    Err(e) => self.fail(name, e, visitor),
                },
                Err(e) => self.fail(name, e, visitor),
            },
            Format::Ole => match open() {
                Ok(file) => {
                    if let Err(e) =
                        office::read_spreadsheet(io::BufReader::new(file), office::Office::Xls, name, visitor)
                    {
                        // Legacy Word and PowerPoint files are OLE compound files too.
                        visitor.skip(
                            name,
                            SkipReason::Unsupported,
                            format!("OLE compound file that is not a readable workbook ({e})"),
                        );
                    }
                }
                Err(e) => self.fail(name, e, visitor),
            },
            Format::Binary(what) => visitor.skip(name, SkipReason::Binary, what.to_string()),
            Format::Text => unreachable!("text files are scanned by the caller"),
        }
    }

    /// A compressed stream opened at `depth`: its content keeps the stream's name.
    fn decompress(
        &self,
        name: &str,
        compression: Compression,
        reader: &mut dyn Read,
        depth: u32,
        visitor: &mut dyn Visitor,
    ) {
        if let Err(limit) = self.budget.depth(depth) {
            return self.fail(name, limit.into_io(), visitor);
        }
        let count = Cell::new(0);
        let compressed = io::BufReader::with_capacity(64 << 10, Counting::new(reader, &count));
        // Every format reads all its members, streams or frames: `cat a.gz b.gz` is one gzip file.
        let decoder: Box<dyn Read + '_> = match compression {
            Compression::Gzip => Box::new(flate2::bufread::MultiGzDecoder::new(compressed)),
            Compression::Bzip2 => Box::new(bzip2::bufread::MultiBzDecoder::new(compressed)),
            Compression::Xz => Box::new(liblzma::bufread::XzDecoder::new_multi_decoder(compressed)),
            Compression::Zstd => match zstd::stream::read::Decoder::with_buffer(compressed) {
                Ok(decoder) => Box::new(decoder),
                Err(e) => return self.fail(name, e, visitor),
            },
        };
        let mut limited = Limited::new(decoder, Compressed::Counted(&count), self.budget);
        self.stream(name, &mut limited, depth, visitor);
    }

    /// Lists a compressed stream or tar archive as not opened, with `--no-archives` (zips are
    /// opened to tell office files from archives, and listed by the zip reader).
    fn archives_disabled(&self, name: &str, format: Format, visitor: &mut dyn Visitor) -> bool {
        let disabled = self.options.policy.no_archives && matches!(format, Format::Compressed(_) | Format::Tar);
        if disabled {
            visitor.skip(
                name,
                SkipReason::ArchivesDisabled,
                format!("{}, not opened with --no-archives", format.name()),
            );
        }
        disabled
    }

    /// Reports an error against `name`, unless it is a limit already reported by the member
    /// that reached it.
    fn fail(&self, name: &str, error: io::Error, visitor: &mut dyn Visitor) {
        if is_limit(&error) {
            if self.budget.reported() {
                return;
            }
            self.budget.mark_reported();
        }
        visitor.fail(name, error);
    }

    /// Counts one more member; `false` (reported) once the entry limit is passed.
    fn entry(&self, name: &str, visitor: &mut dyn Visitor) -> bool {
        match self.budget.entry() {
            Ok(()) => true,
            Err(limit) => {
                self.fail(name, limit.into_io(), visitor);
                false
            }
        }
    }

    /// Whether reading should stop: a limit that ends the whole input was reported.
    fn stopped(&self) -> bool {
        self.budget.reported() && self.budget.exhausted()
    }
}

/// Reads the first [`sniff::HEAD`] bytes of a stream (fewer if it is shorter).
fn read_head(reader: &mut dyn Read) -> io::Result<Vec<u8>> {
    let mut head = vec![0; sniff::HEAD];
    let mut filled = 0;
    while filled < head.len() {
        match reader.read(&mut head[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    head.truncate(filled);
    Ok(head)
}

/// Copies a stream to its end in large pieces (a stream scan decodes and scans per piece).
fn copy(reader: &mut dyn Read, out: &mut dyn Write) -> io::Result<()> {
    let mut buf = vec![0; 256 << 10];
    loop {
        match reader.read(&mut buf) {
            Ok(0) => return Ok(()),
            Ok(n) => out.write_all(&buf[..n])?,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
}

/// Rewinds a reader that was read before.
fn rewind<R: Seek>(mut reader: R) -> io::Result<R> {
    reader.rewind()?;
    Ok(reader)
}

/// A visitor for tests: keeps every text (or its error) and every skip.
#[cfg(test)]
pub(crate) mod testing {
    use super::{SkipReason, Visitor};
    use std::io::{self, Write};

    /// What the readers handed over.
    #[derive(Default)]
    pub struct Collect {
        /// Each text's name and its bytes as UTF-8, or the error that ended it.
        pub texts: Vec<(String, Result<String, String>)>,
        /// Each skip.
        pub skips: Vec<(String, SkipReason, String)>,
    }

    impl Visitor for Collect {
        fn text(&mut self, name: &str, fill: &mut dyn FnMut(&mut dyn Write) -> io::Result<()>) {
            let mut bytes = Vec::new();
            let result = fill(&mut bytes);
            let text = String::from_utf8(bytes).expect("utf-8 text");
            self.texts.push((name.to_string(), result.map(|()| text).map_err(|e| e.to_string())));
        }

        fn skip(&mut self, name: &str, reason: SkipReason, detail: String) {
            self.skips.push((name.to_string(), reason, detail));
        }
    }

    impl Collect {
        /// The names of the texts, in order.
        pub fn names(&self) -> Vec<&str> {
            self.texts.iter().map(|(name, _)| name.as_str()).collect()
        }

        /// The text named `name`, which must have been read without error.
        pub fn text(&self, name: &str) -> &str {
            let (_, result) = self.texts.iter().find(|(n, _)| n == name).unwrap_or_else(|| panic!("no text {name}"));
            result.as_ref().unwrap_or_else(|e| panic!("{name} failed: {e}"))
        }
    }
}
