//! Read stage: a file becomes bytes, and bytes become the UTF-8 text the detectors see.
//!
//! Large files are memory-mapped, small ones read into a buffer; neither is copied into a
//! `String`. UTF-8 (with or without BOM) is scanned in place, except that a large file scanned
//! in strides is read into memory stride by stride ([`StrideReader`]) rather than through its
//! map, which serves the whole-file checks and the rare look far back. UTF-16 (with BOM) and GBK/GB18030
//! are decoded, and an [`OffsetMap`] keeps the way back from decoded offsets to the original
//! bytes, so reported offsets, lengths and lines always refer to the file as it is on disk.

use crate::sniff::{self, Format, Utf16};
use memmap2::Mmap;

mod stream;
use rayon::prelude::*;
use std::fs::File;
use std::io::Read;
use std::ops::Range;
use std::path::Path;
pub use stream::{soft_cut, StreamDecoder, MAX_LINE};

/// Files at least this large are memory-mapped instead of read.
pub const MMAP_THRESHOLD: u64 = 4 * 1024 * 1024;

/// The encoding a file was read in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    /// UTF-8 (or plain ASCII).
    Utf8,
    /// UTF-8 with invalid sequences; scanned as bytes.
    Utf8Lossy,
    /// UTF-16 little-endian, with BOM.
    Utf16Le,
    /// UTF-16 big-endian, with BOM.
    Utf16Be,
    /// GBK / GB18030.
    Gb18030,
}

/// The raw bytes of a file.
pub enum Bytes {
    /// Read into memory.
    Owned(Vec<u8>),
    /// Memory-mapped.
    Mapped(Mmap),
}

impl std::ops::Deref for Bytes {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        match self {
            Bytes::Owned(v) => v,
            Bytes::Mapped(m) => m,
        }
    }
}

/// A run of characters that all have the same encoded width in both texts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Segment {
    decoded_start: usize,
    original_start: usize,
    decoded_width: usize,
    original_width: usize,
}

/// Maps offsets in decoded UTF-8 text back to offsets in the original bytes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OffsetMap {
    segments: Vec<Segment>,
    decoded_len: usize,
    original_len: usize,
}

impl OffsetMap {
    fn push(&mut self, decoded_width: usize, original_width: usize) {
        let same_run = self
            .segments
            .last()
            .is_some_and(|s| s.decoded_width == decoded_width && s.original_width == original_width);
        if !same_run {
            self.segments.push(Segment {
                decoded_start: self.decoded_len,
                original_start: self.original_len,
                decoded_width,
                original_width,
            });
        }
        self.decoded_len += decoded_width;
        self.original_len += original_width;
    }

    /// Appends `count` characters of the same widths.
    fn push_many(&mut self, decoded_width: usize, original_width: usize, count: usize) {
        if count == 0 {
            return;
        }
        self.push(decoded_width, original_width);
        self.decoded_len += decoded_width * (count - 1);
        self.original_len += original_width * (count - 1);
    }

    /// Appends `other`, the map of the text decoded next.
    fn append(&mut self, other: &OffsetMap) {
        for (i, s) in other.segments.iter().enumerate() {
            let next = other.segments.get(i + 1).map_or(other.decoded_len, |n| n.decoded_start);
            // A zero-width segment (a byte-order mark) stands for one character of no width.
            let count = (next - s.decoded_start).checked_div(s.decoded_width).unwrap_or(1);
            self.push_many(s.decoded_width, s.original_width, count);
        }
    }

    /// The characters that the `\uXXXX` escapes decoded in `range` (character boundaries at or
    /// after the last [`OffsetMap::forget_before`]) have in the original beyond the one each
    /// decodes to: six for an escape, twelve for a surrogate pair. Only for a map of UTF-8
    /// text, where every other character keeps its bytes (a transcoded text's widths differ
    /// for every character).
    pub fn escape_extra_chars(&self, range: Range<usize>) -> u64 {
        let first = self.segments.partition_point(|s| s.decoded_start <= range.start).saturating_sub(1);
        let mut extra = 0;
        for (i, s) in self.segments.iter().enumerate().skip(first) {
            if s.decoded_start >= range.end {
                break;
            }
            if s.original_width <= s.decoded_width || s.decoded_width == 0 {
                continue;
            }
            let next = self.segments.get(i + 1).map_or(self.decoded_len, |n| n.decoded_start);
            let (from, to) = (s.decoded_start.max(range.start), next.min(range.end));
            if to > from {
                extra += ((to - from) / s.decoded_width * (s.original_width - 1)) as u64;
            }
        }
        extra
    }

    /// Forgets the segments that end at or before decoded offset `decoded`: a stream's map
    /// only keeps what the text still held needs.
    fn forget_before(&mut self, decoded: usize) {
        let keep_from = self.segments.partition_point(|s| s.decoded_start <= decoded).saturating_sub(1);
        self.segments.drain(..keep_from);
    }

    /// The original offset of decoded offset `decoded` (a character boundary or the end).
    pub fn original(&self, decoded: usize) -> usize {
        if decoded >= self.decoded_len {
            return self.original_len;
        }
        let idx = self.segments.partition_point(|s| s.decoded_start <= decoded).saturating_sub(1);
        match self.segments.get(idx) {
            Some(s) => s.original_start + (decoded - s.decoded_start) / s.decoded_width * s.original_width,
            None => decoded,
        }
    }
}

/// A file ready to scan.
pub struct Source {
    /// The bytes on disk.
    pub raw: Bytes,
    /// Decoded UTF-8 text when the file was not UTF-8.
    pub decoded: Option<(Vec<u8>, OffsetMap)>,
    /// The detected encoding.
    pub encoding: Encoding,
    /// The whole-input checks (valid UTF-8, no `\uXXXX` escapes to decode) were deferred by
    /// [`load_deferring_checks`]: the caller checks each range with [`Source::is_plain_utf8`]
    /// before scanning it, and loads the file again with [`load`] if one fails.
    pub checks_deferred: bool,
}

impl Source {
    /// The text the detectors scan.
    pub fn text(&self) -> &[u8] {
        match &self.decoded {
            Some((text, _)) => text,
            None => &self.raw,
        }
    }

    /// Gives back the memory of `range` of a mapped, undecoded file: the pages leave this
    /// process (they stay in the page cache) and come back if read again. Nothing for files
    /// read into memory or decoded.
    pub fn release(&self, range: Range<usize>) {
        if self.decoded.is_none() {
            release(&self.raw, range);
        }
    }

    /// Gives back the memory of every page of the map that `range` touches (lookups into text
    /// already scanned, which will not be read again).
    pub fn release_touched(&self, range: Range<usize>) {
        self.release(range.start / PAGE * PAGE..range.end.div_ceil(PAGE) * PAGE);
    }

    /// Whether `range` of an undecoded text is valid UTF-8 without `\uXXXX` escapes of
    /// non-ASCII characters: what the whole-input checks establish, for one range (a character or
    /// escape cut by its edges is seen whole, as by the window checks).
    pub fn is_plain_utf8(&self, range: Range<usize>) -> bool {
        sniff_window(&self.raw, 0, &range) == (None, None)
    }

    /// The original byte offset of a text offset.
    pub fn original_offset(&self, text_offset: usize) -> usize {
        match &self.decoded {
            Some((_, map)) => map.original(text_offset),
            None => text_offset,
        }
    }
}

/// Bytes read before a stride, so that every lookup from inside it (a line's start, a column, a
/// key, an `INSERT` tuple) sees what it would see in the whole text.
pub const STRIDE_BEFORE: usize = crate::context::REACH_BEFORE + 1;
/// Bytes read after a stride: an `INSERT` head started inside it, a keyword window after a
/// candidate.
pub const STRIDE_AFTER: usize = 8 << 10;
const _: () = assert!(
    STRIDE_AFTER >= crate::layout::sql::INSERT_HEAD_MAX + b"INSERT INTO".len()
        && STRIDE_AFTER >= crate::context::REACH_AFTER
        // The record reader decides on an unclosed quote with the bytes a stride holds.
        && crate::layout::MAX_QUOTED < STRIDE_BEFORE
);
/// A stride is read this much at a time, on all cores.
const READ_PIECE: usize = 1 << 20;
/// Room a stride buffer is given beyond what it needs when it grows: enough for the strides
/// after it, which end at a different line end.
const BUFFER_SLACK: usize = 256 << 10;

/// Reads a large file stride by stride into one reused buffer, each stride with the bytes its
/// lookups need before and after it. Reading costs one copy from the page cache; scanning the
/// same bytes through a memory map cost a page fault per 64 KiB, the map's page-table entries,
/// giving the pages back, and a first read from memory instead of cache: 1 GiB digit TSV, one
/// thread, 0.65 -> 0.57 s read instead of mapped.
pub struct StrideReader {
    file: File,
    len: usize,
    /// Bytes `origin..origin + filled` of the file, then what earlier strides left: the buffer
    /// only grows, so that it is zeroed once, not per stride.
    buf: Vec<u8>,
    filled: usize,
    origin: usize,
}

impl StrideReader {
    /// A reader of the `len` bytes of the file at `path`.
    pub fn open(path: &Path, len: usize) -> std::io::Result<Self> {
        Ok(StrideReader { file: File::open(path)?, len, buf: Vec::new(), filled: 0, origin: 0 })
    }

    /// Reads the stride that starts at `start` (a line's start) and ends after the first
    /// newline at or past `start + size` (or at the end of the file), with up to
    /// [`STRIDE_BEFORE`] bytes before it and [`STRIDE_AFTER`] after it; returns the stride.
    pub fn read(&mut self, start: usize, size: usize) -> std::io::Result<Range<usize>> {
        self.origin = start.saturating_sub(STRIDE_BEFORE);
        let target = start.saturating_add(size).min(self.len);
        let mut read_to = self.len.min(target.saturating_add(STRIDE_AFTER));
        self.filled = 0;
        self.read_more(read_to)?;
        let mut searched = target;
        let end = loop {
            if target >= self.len {
                break self.len;
            }
            if let Some(p) = memchr::memchr(b'\n', &self.buf[searched - self.origin..self.filled]) {
                break searched + p + 1;
            }
            if read_to >= self.len {
                break self.len;
            }
            // A line longer than what was read: read on, as far again, until it ends.
            searched = read_to;
            read_to = self.len.min(read_to + size.max(STRIDE_AFTER));
            self.read_more(read_to)?;
        };
        self.read_more(self.len.min(end.saturating_add(STRIDE_AFTER)))?;
        Ok(start..end)
    }

    /// Makes the buffer hold the file's bytes up to `to` (the bytes it holds stay), reading
    /// what is missing in pieces on all cores.
    fn read_more(&mut self, to: usize) -> std::io::Result<()> {
        let (file, origin, filled) = (&self.file, self.origin, self.filled);
        if to <= origin + filled {
            return Ok(());
        }
        if self.buf.len() < to - origin {
            // With room to spare: strides differ in length by their last line, and growing to
            // the byte reallocated the whole buffer whenever one was a few bytes longer (1 GiB
            // digit TSV, one thread: 0.54 -> 0.53 s with the room).
            self.buf.resize((to - origin).max(self.buf.len() + self.buf.len() / 2) + BUFFER_SLACK, 0);
        }
        self.buf[filled..to - origin]
            .par_chunks_mut(READ_PIECE)
            .enumerate()
            .try_for_each(|(k, piece)| read_exact_at(file, piece, origin + filled + k * READ_PIECE))?;
        self.filled = to - origin;
        Ok(())
    }

    /// The bytes read: the file's from [`StrideReader::origin`] on.
    pub fn text(&self) -> &[u8] {
        &self.buf[..self.filled]
    }

    /// Where [`StrideReader::text`] starts in the file.
    pub fn origin(&self) -> usize {
        self.origin
    }
}

/// Whether `range` of a text is valid UTF-8 without `\uXXXX` escapes of non-ASCII characters
/// (see [`Source::is_plain_utf8`]); `window` holds the text's bytes from `origin` on, with the
/// bytes around `range` that a character or escape cut by its edges needs.
pub fn plain_utf8_in(window: &[u8], origin: usize, range: Range<usize>) -> bool {
    sniff_window(window, origin, &range) == (None, None)
}

/// Gives back the memory of `range` of mapped bytes (see [`Source::release`]).
/// The granularity of [`Source::release`].
const PAGE: usize = 4096;

fn release(raw: &Bytes, range: Range<usize>) {
    let Bytes::Mapped(map) = raw else { return };
    // Only whole pages inside the range: a page shared with the next window stays.
    let start = range.start.div_ceil(PAGE) * PAGE;
    let end = (range.end.min(map.len()) / PAGE) * PAGE;
    if start < end {
        // SAFETY: the map is read-only and never written, so dropping its pages changes
        // nothing a reader can see: the next access maps the same file bytes in again (the
        // caveat of DONTNEED, losing written private pages, cannot arise). A failure only means
        // the memory is kept, so its result is ignored.
        let _ = unsafe { map.unchecked_advise_range(memmap2::UncheckedAdvice::DontNeed, start, end - start) };
    }
}

/// Whole-input checks of bytes in memory take this much at a time, in parallel.
const CHECK_WINDOW: usize = 32 << 20;
/// Whole-file checks read this much at a time into a reused buffer: small enough for the
/// buffer to stay in cache, so a read costs one copy and no page faults.
const CHECK_READ: usize = 1 << 20;
/// Bytes read before and after each window, so that a character, an escape or the backslashes
/// before it are seen whole across the window's edges.
const CHECK_MARGIN: usize = 64;

/// What the whole-input checks found: where the first invalid UTF-8 sequence starts and where
/// the first `\uXXXX` escape of a non-ASCII character is (`None`: nowhere).
type Sniffed = (Option<usize>, Option<usize>);

/// The windows the whole-input checks cut `len` bytes into.
fn check_windows(len: usize, size: usize) -> Vec<Range<usize>> {
    (0..len.div_ceil(size)).map(|k| k * size..len.min((k + 1) * size)).collect()
}

/// The bytes a window's checks read: the window and a margin either side.
fn with_margin(window: &Range<usize>, len: usize) -> Range<usize> {
    window.start.saturating_sub(CHECK_MARGIN)..len.min(window.end + CHECK_MARGIN)
}

/// The checks of one window; `buf` holds the bytes [`with_margin`] gives, starting at `lo`.
fn sniff_window(buf: &[u8], lo: usize, w: &Range<usize>) -> Sniffed {
    let continuation = |i: usize| buf.get(i).is_some_and(|&b| (b & 0xC0) == 0x80);
    // The character cut by the window's start belongs to the window before (it reads up to
    // three bytes past its end), so validation starts after those bytes.
    let mut from = w.start - lo;
    while w.start > 0 && from < w.start - lo + 3 && continuation(from) {
        from += 1;
    }
    let mut to = w.end - lo;
    while to < w.end - lo + 3 && continuation(to) {
        to += 1;
    }
    // simdutf8 validates Chinese text about ten times as fast as `std` (20 GB/s against 2 on
    // this project's benchmark machine), and agrees with it on where the first error is.
    let invalid = simdutf8::compat::from_utf8(&buf[from..to]).err().map(|e| lo + from + e.valid_up_to());
    let region = &buf[w.start - lo..buf.len().min(w.end - lo + 1)];
    let escape = memchr::memmem::find_iter(region, b"\\u")
        .map(|p| w.start - lo + p)
        .find(|&i| lo + i < w.end && json_escape_at(buf, i).is_some())
        .map(|i| lo + i);
    (invalid, escape)
}

/// The first finding of each kind over all windows, in text order.
fn first_of(found: &[Sniffed]) -> Sniffed {
    (found.iter().find_map(|f| f.0), found.iter().find_map(|f| f.1))
}

/// The whole-input checks of bytes in memory, windows in parallel.
fn sniff_in_memory(raw: &[u8]) -> Sniffed {
    let found: Vec<Sniffed> = check_windows(raw.len(), CHECK_WINDOW)
        .par_iter()
        .map(|w| {
            let read = with_margin(w, raw.len());
            sniff_window(&raw[read.clone()], read.start, w)
        })
        .collect();
    first_of(&found)
}

/// The whole-input checks of a mapped file, done with reads into one reused buffer per worker,
/// never through the map: the buffers are the only memory they hold, and the map's pages are
/// touched only once, by the scan.
fn sniff_file(file: &File, len: usize) -> std::io::Result<Sniffed> {
    let found: Vec<Sniffed> = check_windows(len, CHECK_READ)
        .par_iter()
        .map_init(Vec::new, |buf, w| {
            let read = with_margin(w, len);
            read_at(file, read.clone(), buf)?;
            Ok(sniff_window(buf, read.start, w))
        })
        .collect::<std::io::Result<_>>()?;
    Ok(first_of(&found))
}

/// What became of a file.
pub enum Loaded {
    /// Text to scan (possibly with a warning about its encoding).
    Text(Source),
    /// Not text: a container for the container readers, or binary content to skip.
    Other {
        /// What the first bytes say it is.
        format: Format,
        /// The input's size in bytes.
        len: u64,
    },
}

/// Which inputs that are not plain text are still read as text.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TextPolicy {
    /// Compressed streams and archives are not opened (`--no-archives`): with `force`, their
    /// bytes are scanned as text; without it they are left to the caller.
    pub no_archives: bool,
    /// Binary content is scanned as text (`-a/--text`).
    pub force: bool,
}

impl TextPolicy {
    /// Whether an input of `format` is scanned as text.
    pub fn reads_as_text(self, format: Format) -> bool {
        match format {
            Format::Text => true,
            Format::Binary(_) => self.force,
            f if f.is_archive() => self.no_archives && self.force,
            _ => false,
        }
    }
}

/// Reads, sniffs and decodes one file.
pub fn load(path: &Path, policy: TextPolicy) -> std::io::Result<Loaded> {
    load_deferring_checks(path, u64::MAX, policy)
}

/// [`load`], except that the whole-input checks (valid UTF-8, JSON escapes) of a mapped file
/// longer than `above` bytes are left to the caller, who scans it stride by stride anyway: it
/// checks each stride with [`plain_utf8_in`] once it is read, instead of reading the whole file
/// once more beforehand. BOMs and NUL bytes are handled as by [`load`].
pub fn load_deferring_checks(path: &Path, above: u64, policy: TextPolicy) -> std::io::Result<Loaded> {
    let mut file = File::open(path)?;
    let len = file.metadata()?.len();
    if len < MMAP_THRESHOLD {
        let mut buf = Vec::with_capacity(len as usize);
        file.read_to_end(&mut buf)?;
        return Ok(classify(Bytes::Owned(buf), policy));
    }
    // SAFETY: the map is read-only and private to this process. Another process truncating
    // the file while it is mapped can raise SIGBUS; every mmap-based search tool (ripgrep
    // included) accepts that risk for large files, and we map only files above
    // MMAP_THRESHOLD. The bytes are never assumed to be valid UTF-8 without checking.
    let raw = Bytes::Mapped(unsafe { Mmap::map(&file)? });
    if len <= above {
        return classify_with(raw, policy, |raw| sniff_file(&file, raw.len()));
    }
    classify_with(raw, policy, |_| Ok::<_, std::io::Error>(DEFERRED)).map(|loaded| match loaded {
        Loaded::Text(source) if source.encoding == Encoding::Utf8 && source.decoded.is_none() => {
            Loaded::Text(Source { checks_deferred: true, ..source })
        }
        other => other,
    })
}

/// What [`load_deferring_checks`] takes the whole-input checks to find until a window says
/// otherwise.
const DEFERRED: Sniffed = (None, None);

/// Fills `buf` with the bytes of `file` from `offset` on.
#[cfg(unix)]
fn read_exact_at(file: &File, buf: &mut [u8], offset: usize) -> std::io::Result<()> {
    use std::os::unix::fs::FileExt;
    file.read_exact_at(buf, offset as u64)
}

/// Fills `buf` with the bytes of `file` from `offset` on.
#[cfg(windows)]
fn read_exact_at(file: &File, mut buf: &mut [u8], mut offset: usize) -> std::io::Result<()> {
    use std::os::windows::fs::FileExt;
    // Positioned reads, as on unix: pieces are read on several threads at once, and a shared
    // file position would mix them up.
    while !buf.is_empty() {
        match file.seek_read(buf, offset as u64) {
            Ok(0) => return Err(std::io::ErrorKind::UnexpectedEof.into()),
            Ok(n) => {
                buf = &mut buf[n..];
                offset += n;
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// Fills `buf` with the bytes of `file` from `offset` on. Without positioned reads, one read at
/// a time: a clone shares the original's position.
#[cfg(not(any(unix, windows)))]
fn read_exact_at(file: &File, buf: &mut [u8], offset: usize) -> std::io::Result<()> {
    use std::io::{Seek, SeekFrom};
    static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    let mut file = file.try_clone()?;
    file.seek(SeekFrom::Start(offset as u64))?;
    file.read_exact(buf)
}

/// Reads bytes `range` of `file` into `buf`.
fn read_at(file: &File, range: Range<usize>, buf: &mut Vec<u8>) -> std::io::Result<()> {
    buf.resize(range.len(), 0);
    read_exact_at(file, buf, range.start)
}

/// Sniffs format and encoding of bytes already in memory.
pub fn classify(raw: Bytes, policy: TextPolicy) -> Loaded {
    match classify_with(raw, policy, |raw| Ok::<_, std::convert::Infallible>(sniff_in_memory(raw))) {
        Ok(loaded) => loaded,
        Err(never) => match never {},
    }
}

/// [`classify`] with the whole-input checks done by `sniff_all` (in memory, or reading the file).
fn classify_with<E>(
    raw: Bytes,
    policy: TextPolicy,
    sniff_all: impl FnOnce(&Bytes) -> Result<Sniffed, E>,
) -> Result<Loaded, E> {
    if raw.starts_with(&[0xFF, 0xFE]) {
        return Ok(Loaded::Text(decode_utf16(raw, Encoding::Utf16Le, 2)));
    }
    if raw.starts_with(&[0xFE, 0xFF]) {
        return Ok(Loaded::Text(decode_utf16(raw, Encoding::Utf16Be, 2)));
    }
    let head = &raw[..raw.len().min(sniff::HEAD)];
    let format = sniff::sniff(head);
    if !policy.reads_as_text(format) {
        return Ok(Loaded::Other { format, len: raw.len() as u64 });
    }
    if memchr::memchr(0, head).is_some() {
        match sniff::utf16_without_bom(head) {
            Some(Utf16::Le) => return Ok(Loaded::Text(decode_utf16(raw, Encoding::Utf16Le, 0))),
            Some(Utf16::Be) => return Ok(Loaded::Text(decode_utf16(raw, Encoding::Utf16Be, 0))),
            // NUL bytes in text are separators like any other (see `sniff`).
            None => {}
        }
    }
    let (first_invalid, first_escape) = sniff_all(&raw)?;
    Ok(match first_invalid {
        None => {
            let decoded = first_escape.map(|first| unescape_json_unicode(&raw, first));
            Loaded::Text(Source { raw, decoded, encoding: Encoding::Utf8, checks_deferred: false })
        }
        Some(valid_up_to) => {
            let valid = &raw[..valid_up_to];
            // Plenty of well-formed multi-byte UTF-8 before the first error: a UTF-8 file with a
            // few broken bytes, not a GBK file.
            let utf8_multibyte = valid.iter().filter(|&&b| b >= 0xC0).count();
            if utf8_multibyte < 8 {
                if let Some(source) = decode_gb18030(&raw) {
                    return Ok(Loaded::Text(Source {
                        raw,
                        decoded: Some(source),
                        encoding: Encoding::Gb18030,
                        checks_deferred: false,
                    }));
                }
            }
            Loaded::Text(Source { raw, decoded: None, encoding: Encoding::Utf8Lossy, checks_deferred: false })
        }
    })
}

/// Where the first byte that is not valid UTF-8 is, if any.
fn first_invalid_utf8(bytes: &[u8]) -> Option<usize> {
    simdutf8::compat::from_utf8(bytes).err().map(|e| e.valid_up_to())
}

fn hex4(bytes: &[u8]) -> Option<u32> {
    let s = std::str::from_utf8(bytes.get(..4)?).ok()?;
    u32::from_str_radix(s, 16).ok().filter(|_| s.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// A `\uXXXX` escape at `i` (the backslash not itself escaped): its code point and length,
/// joining a surrogate pair. Only non-ASCII characters are decoded, so JSON structure
/// (`\u0022`) is never changed.
fn json_escape_at(raw: &[u8], i: usize) -> Option<(char, usize)> {
    if raw.get(i + 1) != Some(&b'u') {
        return None;
    }
    let backslashes = raw[..i].iter().rev().take_while(|&&b| b == b'\\').count();
    if backslashes % 2 == 1 {
        return None;
    }
    let unit = hex4(&raw[i + 2..])?;
    if (0xD800..0xDC00).contains(&unit) {
        if raw.get(i + 6..i + 8) != Some(b"\\u") {
            return None;
        }
        let low = hex4(&raw[i + 8..]).filter(|l| (0xDC00..0xE000).contains(l))?;
        let c = char::from_u32(0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00))?;
        return Some((c, 12));
    }
    char::from_u32(unit).filter(|c| !c.is_ascii()).map(|c| (c, 6))
}

/// JSON written with ASCII-only escaping (Python's `json.dumps` default) spells every Chinese
/// character as `\uXXXX`; addresses, names and keywords are only found in the unescaped text.
/// Returns that text with its offset map; `first` is where the first escape is.
fn unescape_json_unicode(raw: &[u8], first: usize) -> (Vec<u8>, OffsetMap) {
    let mut text = Vec::with_capacity(raw.len());
    let mut map = OffsetMap::default();
    text.extend_from_slice(&raw[..first]);
    map.push_many(1, 1, first);
    let mut i = first;
    while i < raw.len() {
        let next = memchr::memchr(b'\\', &raw[i..]).map_or(raw.len(), |p| i + p);
        text.extend_from_slice(&raw[i..next]);
        map.push_many(1, 1, next - i);
        i = next;
        if i >= raw.len() {
            break;
        }
        match json_escape_at(raw, i) {
            Some((c, len)) => {
                let mut buf = [0u8; 4];
                text.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
                map.push(c.len_utf8(), len);
                i += len;
            }
            None => {
                text.push(raw[i]);
                map.push(1, 1);
                i += 1;
            }
        }
    }
    (text, map)
}

/// Byte length of the GB18030 character starting at `bytes[0]`.
fn gb18030_char_len(bytes: &[u8]) -> usize {
    match bytes {
        [b, ..] if *b <= 0x80 || *b == 0xFF => 1,
        [_, b2, ..] if (0x30..=0x39).contains(b2) => 4,
        _ => 2,
    }
}

fn decode_gb18030(raw: &[u8]) -> Option<(Vec<u8>, OffsetMap)> {
    let text = encoding_rs::GB18030.decode_without_bom_handling_and_without_replacement(raw)?;
    let mut map = OffsetMap::default();
    let mut pos = 0;
    for c in text.chars() {
        let width = gb18030_char_len(&raw[pos..]);
        map.push(c.len_utf8(), width);
        pos += width;
    }
    // The character walk must account for every byte, or offsets would drift.
    (pos == raw.len()).then(|| (text.into_owned().into_bytes(), map))
}

fn decode_utf16(raw: Bytes, encoding: Encoding, bom_len: usize) -> Source {
    let mut map = OffsetMap::default();
    if bom_len > 0 {
        map.push(0, bom_len);
    }
    let mut decoded = Vec::with_capacity(raw.len());
    decode_utf16_into(&raw[bom_len..], encoding, &mut decoded, &mut map);
    Source { raw, decoded: Some((decoded, map)), encoding, checks_deferred: false }
}

/// Decodes UTF-16 `body` (no BOM, an even number of bytes unless it ends the input), appending
/// the text to `out` and its widths to `map`.
fn decode_utf16_into(body: &[u8], encoding: Encoding, out: &mut Vec<u8>, map: &mut OffsetMap) {
    let codec = if encoding == Encoding::Utf16Le { encoding_rs::UTF_16LE } else { encoding_rs::UTF_16BE };
    let (text, _) = codec.decode_without_bom_handling(body);
    // Replacement characters stand for one unpaired 16-bit unit each (or a last odd byte).
    let mut original = 0;
    for c in text.chars() {
        let width = if c == '\u{FFFD}' { 2.min(body.len() - original) } else { c.len_utf16() * 2 };
        map.push(c.len_utf8(), width);
        original += width;
    }
    out.extend_from_slice(text.as_bytes());
}

#[cfg(test)]
mod tests {
    use super::*;

    fn source(bytes: Vec<u8>) -> Source {
        match classify(Bytes::Owned(bytes), TextPolicy::default()) {
            Loaded::Text(s) => s,
            Loaded::Other { .. } => panic!("not text"),
        }
    }

    #[test]
    fn gbk_offsets_map_back_to_original_bytes() {
        let (gbk, _, _) = encoding_rs::GBK.encode("姓名张三,手机13800138000");
        let s = source(gbk.to_vec());
        assert_eq!(s.encoding, Encoding::Gb18030);
        let text = s.text();
        let pos = memchr::memmem::find(text, b"13800138000").expect("decoded");
        let orig = s.original_offset(pos);
        assert_eq!(&gbk[orig..orig + 11], b"13800138000");
    }

    #[test]
    fn utf16_offsets_map_back() {
        let mut bytes = vec![0xFF, 0xFE];
        for u in "电话13800138000".encode_utf16() {
            bytes.extend_from_slice(&u.to_le_bytes());
        }
        let s = source(bytes.clone());
        assert_eq!(s.encoding, Encoding::Utf16Le);
        let pos = memchr::memmem::find(s.text(), b"138").expect("decoded");
        assert_eq!(s.original_offset(pos), 2 + 2 * 2);
    }

    #[test]
    fn utf16_without_bom_is_text_not_binary() {
        let mut bytes = Vec::new();
        for u in "name,phone\n张三,13800138000\n".encode_utf16() {
            bytes.extend_from_slice(&u.to_le_bytes());
        }
        let s = source(bytes.clone());
        assert_eq!(s.encoding, Encoding::Utf16Le);
        let pos = memchr::memmem::find(s.text(), b"13800138000").expect("decoded");
        let orig = s.original_offset(pos);
        assert_eq!(&bytes[orig..orig + 2], b"1\0");
    }

    #[test]
    fn json_unicode_escapes_are_decoded_with_offsets() {
        let raw = br#"{"addr":"\u5317\u4eac\u5e02\u671d\u9633\u533a\u5efa\u56fd\u8def88\u53f7","q":"\u0022","p":"\\u5317","e":"\ud83d\ude00","m":"13800138000"}"#;
        let s = source(raw.to_vec());
        let text = std::str::from_utf8(s.text()).expect("utf8");
        assert!(text.contains("北京市朝阳区建国路88号"), "{text}");
        assert!(text.contains(r#""q":"\u0022""#) && text.contains(r#""p":"\\u5317""#) && text.contains('😀'));
        let pos = text.find("13800138000").expect("phone");
        let orig = s.original_offset(pos);
        assert_eq!(&raw[orig..orig + 11], b"13800138000");
        let addr = text.find("北京").expect("addr");
        assert_eq!(&raw[s.original_offset(addr)..s.original_offset(addr) + 6], br"\u5317");
        let end = text.find("号").expect("hao") + "号".len();
        assert_eq!(&raw[s.original_offset(end) - 6..s.original_offset(end)], br"\u53f7");
    }

    #[test]
    fn first_invalid_byte_as_std_finds_it() {
        let mut rng = piiscan_synth::Rng::new(23);
        let pieces = ["张", "a", "é", "\u{10000}", "，", "\n"];
        for _ in 0..5_000 {
            let mut bytes = Vec::new();
            // Up to about 1.5 KiB: the SIMD path reads 64-byte blocks.
            for _ in 0..rng.below(500) {
                match rng.below(40) {
                    0 => bytes.push(0x80 + rng.below(0x80) as u8),
                    _ => bytes.extend_from_slice(rng.pick(&pieces).as_bytes()),
                }
            }
            let window = 0..bytes.len();
            let expected = std::str::from_utf8(&bytes).err().map(|e| e.valid_up_to());
            assert_eq!(sniff_window(&bytes, 0, &window).0, expected, "{bytes:02X?}");
        }
    }

    #[test]
    fn binary_and_broken_utf8() {
        assert!(matches!(
            classify(Bytes::Owned(b"ab\0cd".to_vec()), TextPolicy::default()),
            Loaded::Other { format: Format::Binary(_), .. }
        ));
        let forced = TextPolicy { force: true, ..TextPolicy::default() };
        assert!(matches!(classify(Bytes::Owned(b"ab\0cd".to_vec()), forced), Loaded::Text(_)));
        let mut one_nul = b"name,phone\n\0".to_vec();
        one_nul.extend_from_slice("张三,13800138000\n".repeat(20).as_bytes());
        assert!(matches!(classify(Bytes::Owned(one_nul), TextPolicy::default()), Loaded::Text(_)));
        let mut broken = "中文内容很多很多很多很多".as_bytes().to_vec();
        broken.push(0xFF);
        assert_eq!(source(broken).encoding, Encoding::Utf8Lossy);
    }

    #[test]
    fn mmap_path_reads_the_same_bytes() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("big.txt");
        let mut content = vec![b'a'; MMAP_THRESHOLD as usize];
        content.extend_from_slice(b" 13800138000\n");
        std::fs::write(&path, &content).expect("write");
        match load(&path, TextPolicy::default()).expect("load") {
            Loaded::Text(s) => {
                assert!(matches!(s.raw, Bytes::Mapped(_)));
                assert_eq!(s.text(), &content[..]);
            }
            Loaded::Other { .. } => panic!("text expected"),
        }
    }
}
