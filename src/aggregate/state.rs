//! The compact binary state written by `--summary-out` and read by `piiscan merge`, and the
//! entry codec that spilled runs share with it.
//!
//! ```text
//! header, uncompressed (35 bytes, integers little-endian):
//!   magic      8  b"PIISCANS"
//!   version    2  u16 = 2
//!   key id     8  u64, RecordHasher::key_check (states of different keys do not merge)
//!   policy     1  0 textual, 1 strict
//!   records    8  u64, items added before deduplication (ItemCounts::records_seen)
//!   items      8  u64, distinct items that follow (written last: the file is made under a
//!                 temporary name, patched, synced and renamed, so a reader never sees half)
//! one zstd frame (window at most 2^18; 2^14 as written; content checksum) of:
//!   entries in ascending key order (hi, section, lo), each
//!     class byte  tier << 6 | category << 2 | section   (0xFF, never a class, ends the list)
//!     LEB128      hi minus the previous entry's hi (the first entry's is absolute; keys
//!                 ascend, so hi never goes back and the difference is never negative)
//!     LEB128      Position entries only: lo, minus the previous entry's lo when that entry
//!                 is a Position of the same hi (the same person's next fix), else absolute
//!   end         0xFF, b"END!", u64 item count: a file cut anywhere is detected
//! ```
//!
//! Fingerprints of distinct items are uniformly random 64-bit values, so consecutive keys of a
//! sorted state differ by about 2^64 / n: a delta takes 64 - log2(n) bits instead of 64. A
//! million items cost about 7 bytes each (see `tests/state.rs`, which prints the measure).

use super::item::{Class, Item, RecordHasher, Section, TIERS};
use super::{FormatProblem, StateError};
use crate::classify::TierPolicy;
use crate::finding::Category;
use std::fs::File;
use std::io::{self, BufRead, BufReader, BufWriter, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

/// The state format this piiscan writes and reads.
pub const STATE_VERSION: u16 = 2;

const MAGIC: &[u8; 8] = b"PIISCANS";
const END_MARK: u8 = 0xFF;
const END_MAGIC: &[u8; 4] = b"END!";
/// magic, version, key id, policy, records, items.
const HEADER_LEN: usize = 8 + 2 + 8 + 1 + 8 + 8;
/// Where the item count sits in the header.
const ITEMS_AT: u64 = (HEADER_LEN - 8) as u64;
/// zstd window of the files written: `piiscan merge` holds one decoder per state, and a
/// decoder's memory is about its window (and blocks are at most the window). Random fingerprints
/// have no long matches to find, only entropy to code: 2^14 costs 0.2% in size against 2^18,
/// and merging 100 states of a million items peaks at 28 MiB instead of 89 MiB.
const WINDOW_LOG: u32 = 14;
/// The largest window a reader accepts: a state is user input, and a frame asking for more is
/// refused rather than allocated.
const MAX_WINDOW_LOG: u32 = 18;
/// Class byte, hi and lo: 1 + 10 + 10.
const MAX_ENTRY: usize = 21;
/// Bytes encoded before they are handed to zstd, and decoded bytes read at once.
const CHUNK: usize = 32 << 10;
/// Read buffer of each state or run file.
pub(crate) const FILE_BUFFER: usize = 32 << 10;

/// What a state file says of itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StateHeader {
    /// Identifies the fingerprint key ([`RecordHasher::key_check`]).
    pub key_check: u64,
    /// The tier policy the records were classified under.
    pub policy: TierPolicy,
    /// Items added before deduplication.
    pub records_seen: u64,
    /// Distinct items in the file.
    pub items: u64,
}

impl StateHeader {
    fn encode(&self) -> [u8; HEADER_LEN] {
        let mut out = [0u8; HEADER_LEN];
        out[..8].copy_from_slice(MAGIC);
        out[8..10].copy_from_slice(&STATE_VERSION.to_le_bytes());
        out[10..18].copy_from_slice(&self.key_check.to_le_bytes());
        out[18] = policy_byte(self.policy);
        out[19..27].copy_from_slice(&self.records_seen.to_le_bytes());
        out[27..35].copy_from_slice(&self.items.to_le_bytes());
        out
    }

    /// The header from a file's first bytes (fewer than [`HEADER_LEN`] if the file is shorter).
    fn decode(bytes: &[u8]) -> Result<StateHeader, FormatProblem> {
        if bytes.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{') {
            return Err(FormatProblem::OldJson);
        }
        if bytes.len() < MAGIC.len() && MAGIC.starts_with(bytes) {
            return Err(FormatProblem::Truncated("the header"));
        }
        if !bytes.starts_with(MAGIC) {
            return Err(FormatProblem::BadMagic);
        }
        let u64_at = |at: usize| u64::from_le_bytes(bytes[at..at + 8].try_into().unwrap_or_default());
        let version = match bytes.get(8..10) {
            Some(v) => u16::from_le_bytes([v[0], v[1]]),
            None => return Err(FormatProblem::Truncated("the header")),
        };
        if version != STATE_VERSION {
            return Err(FormatProblem::UnknownVersion(version));
        }
        if bytes.len() < HEADER_LEN {
            return Err(FormatProblem::Truncated("the header"));
        }
        let policy = match bytes[18] {
            0 => TierPolicy::Textual,
            1 => TierPolicy::Strict,
            other => return Err(FormatProblem::Corrupt(format!("unknown tier policy {other}"))),
        };
        Ok(StateHeader { key_check: u64_at(10), policy, records_seen: u64_at(19), items: u64_at(27) })
    }
}

fn policy_byte(policy: TierPolicy) -> u8 {
    match policy {
        TierPolicy::Textual => 0,
        TierPolicy::Strict => 1,
    }
}

pub(crate) fn policy_name(policy: TierPolicy) -> &'static str {
    match policy {
        TierPolicy::Textual => "textual",
        TierPolicy::Strict => "strict",
    }
}

/// Where and how a run's state is written (`--summary-out`).
#[derive(Debug, Clone, Copy)]
pub struct StateTarget<'a> {
    /// The state file (replaced atomically if it exists).
    pub path: &'a Path,
    /// The run's fingerprint key: its key id goes in the header.
    pub hasher: &'a RecordHasher,
    /// The tier policy the records were classified under.
    pub policy: TierPolicy,
}

/// The class byte of an item.
fn class_byte(item: &Item) -> u8 {
    let class = item.class();
    (class.tier_index() as u8) << 6 | (class.category_index() as u8) << 2 | item.section().bits()
}

/// The class and section a class byte stands for.
fn parse_class_byte(b: u8) -> Option<(Class, Section)> {
    let tier = *TIERS.get(usize::from(b >> 6))?;
    let category = *Category::ALL.get(usize::from((b >> 2) & 0xF))?;
    Some((Class::new(tier, category), Section::from_bits(b & 3)?))
}

fn put_varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push(v as u8 | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

/// Why a stream of entries could not be read; the caller names the file.
#[derive(Debug)]
pub(crate) enum CodecError {
    Io(io::Error),
    Format(FormatProblem),
}

impl From<FormatProblem> for CodecError {
    fn from(p: FormatProblem) -> Self {
        CodecError::Format(p)
    }
}

/// What a stream of entries is, for error messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Origin {
    /// A state file given by the user.
    State,
    /// A temporary run of a tally that went past its budget.
    Spill,
}

impl CodecError {
    /// The error, naming the file.
    pub(crate) fn at(self, path: &Path, origin: Origin) -> StateError {
        let path = path.display().to_string();
        match (origin, self) {
            (Origin::Spill, CodecError::Io(e)) => StateError::Spill { path, cause: e.to_string() },
            (Origin::Spill, CodecError::Format(p)) => StateError::Spill { path, cause: p.to_string() },
            (Origin::State, CodecError::Io(e)) => StateError::Read { path, cause: e.to_string() },
            (Origin::State, CodecError::Format(problem)) => StateError::Format { path, problem },
        }
    }
}

/// Writes entries in ascending key order as one zstd frame.
pub(crate) struct EntryWriter<W: Write> {
    zstd: zstd::stream::write::Encoder<'static, W>,
    buf: Vec<u8>,
    prev: Option<Item>,
    count: u64,
}

impl<W: Write> EntryWriter<W> {
    /// A writer at zstd `level` (runs use a fast level, states a tighter one).
    pub(crate) fn new(inner: W, level: i32) -> io::Result<Self> {
        let mut zstd = zstd::stream::write::Encoder::new(inner, level)?;
        zstd.window_log(WINDOW_LOG)?;
        zstd.include_checksum(true)?;
        Ok(EntryWriter { zstd, buf: Vec::with_capacity(CHUNK + MAX_ENTRY), prev: None, count: 0 })
    }

    /// Appends the next item; items must come in strictly ascending key order.
    pub(crate) fn push(&mut self, item: &Item) -> io::Result<()> {
        let prev = self.prev.unwrap_or(Item::record(0, item.class()));
        debug_assert!(self.prev.is_none() || prev.key() < item.key(), "entries out of order");
        self.buf.push(class_byte(item));
        put_varint(&mut self.buf, item.hi() - prev.hi());
        if item.section() == Section::Position {
            let same_person = self.prev.is_some() && prev.section() == Section::Position && prev.hi() == item.hi();
            put_varint(&mut self.buf, if same_person { item.lo() - prev.lo() } else { item.lo() });
        }
        self.prev = Some(*item);
        self.count += 1;
        if self.buf.len() >= CHUNK {
            self.zstd.write_all(&self.buf)?;
            self.buf.clear();
        }
        Ok(())
    }

    /// Entries written so far.
    pub(crate) fn count(&self) -> u64 {
        self.count
    }

    /// Writes the end marker and ends the frame; returns the inner writer.
    pub(crate) fn finish(mut self) -> io::Result<W> {
        self.buf.push(END_MARK);
        self.buf.extend_from_slice(END_MAGIC);
        self.buf.extend_from_slice(&self.count.to_le_bytes());
        self.zstd.write_all(&self.buf)?;
        self.zstd.finish()
    }
}

/// Reads entries back, checking everything a damaged or cut file would break: the class
/// bytes, the order, the end marker and the count.
pub(crate) struct EntryReader<R: BufRead> {
    zstd: zstd::stream::read::Decoder<'static, R>,
    buf: Box<[u8]>,
    pos: usize,
    end: usize,
    /// The decompressed stream has ended.
    eof: bool,
    /// The end marker has been read.
    done: bool,
    prev: Option<Item>,
    count: u64,
    /// The count the header announced, if there is a header.
    expected: Option<u64>,
}

impl<R: BufRead> EntryReader<R> {
    /// A reader of the frame that starts at `inner`'s position.
    pub(crate) fn new(inner: R, expected: Option<u64>) -> io::Result<Self> {
        let mut zstd = zstd::stream::read::Decoder::with_buffer(inner)?.single_frame();
        zstd.window_log_max(MAX_WINDOW_LOG)?;
        Ok(EntryReader {
            zstd,
            buf: vec![0u8; CHUNK].into_boxed_slice(),
            pos: 0,
            end: 0,
            eof: false,
            done: false,
            prev: None,
            count: 0,
            expected,
        })
    }

    /// Makes at least `n` bytes available unless the stream ends first.
    fn fill(&mut self, n: usize) -> Result<(), CodecError> {
        if self.end - self.pos >= n || self.eof {
            return Ok(());
        }
        self.buf.copy_within(self.pos..self.end, 0);
        self.end -= self.pos;
        self.pos = 0;
        while self.end < n {
            match self.zstd.read(&mut self.buf[self.end..]) {
                Ok(0) => {
                    self.eof = true;
                    break;
                }
                Ok(k) => self.end += k,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(decode_error(e)),
            }
        }
        Ok(())
    }

    fn byte(&mut self) -> Result<u8, CodecError> {
        let b = *self.buf[..self.end].get(self.pos).ok_or(FormatProblem::Truncated("the end marker"))?;
        self.pos += 1;
        Ok(b)
    }

    fn varint(&mut self) -> Result<u64, CodecError> {
        let mut v = 0u64;
        for shift in (0..64).step_by(7) {
            let b = self.byte()?;
            if shift == 63 && b > 1 {
                return Err(FormatProblem::Corrupt("a number longer than 64 bits".into()).into());
            }
            v |= u64::from(b & 0x7F) << shift;
            if b < 0x80 {
                return Ok(v);
            }
        }
        Err(FormatProblem::Corrupt("a number longer than 64 bits".into()).into())
    }

    /// The next item, or `None` after the end marker.
    pub(crate) fn next(&mut self) -> Result<Option<Item>, CodecError> {
        if self.done {
            return Ok(None);
        }
        self.fill(MAX_ENTRY)?;
        let tag = self.byte()?;
        if tag == END_MARK {
            self.read_end()?;
            return Ok(None);
        }
        let (class, section) =
            parse_class_byte(tag).ok_or_else(|| FormatProblem::Corrupt(format!("bad entry tag {tag:#04x}")))?;
        let prev = self.prev;
        let overflow = || FormatProblem::Corrupt("a fingerprint past 2^64".into());
        let hi = prev.map_or(0, |p| p.hi()).checked_add(self.varint()?).ok_or_else(overflow)?;
        let item = match section {
            Section::Position => {
                let lo = self.varint()?;
                let lo = match prev {
                    Some(p) if p.section() == Section::Position && p.hi() == hi => {
                        p.lo().checked_add(lo).ok_or_else(overflow)?
                    }
                    _ => lo,
                };
                Item::position(hi, lo, class)
            }
            Section::Person => Item::person(hi, class),
            Section::Record => Item::record(hi, class),
        };
        if prev.is_some_and(|p| p.key() >= item.key()) {
            return Err(FormatProblem::Corrupt("entries out of order".into()).into());
        }
        self.prev = Some(item);
        self.count += 1;
        Ok(Some(item))
    }

    /// The end marker: its magic and count, and nothing after it.
    fn read_end(&mut self) -> Result<(), CodecError> {
        self.fill(END_MAGIC.len() + 8)?;
        if self.end - self.pos < END_MAGIC.len() + 8 {
            return Err(FormatProblem::Truncated("the end marker").into());
        }
        if &self.buf[self.pos..self.pos + 4] != END_MAGIC {
            return Err(FormatProblem::Corrupt("bad end marker".into()).into());
        }
        let mut count = [0u8; 8];
        count.copy_from_slice(&self.buf[self.pos + 4..self.pos + 12]);
        self.pos += 12;
        let announced = u64::from_le_bytes(count);
        for announced in std::iter::once(announced).chain(self.expected) {
            if announced != self.count {
                return Err(FormatProblem::CountMismatch { announced, found: self.count }.into());
            }
        }
        // Reading on to the frame's end checks its content checksum.
        self.fill(1)?;
        if self.pos < self.end {
            return Err(FormatProblem::Corrupt("data after the end marker".into()).into());
        }
        self.done = true;
        Ok(())
    }
}

/// A decoder error: a cut file shows as an unexpected end, anything else is damage.
fn decode_error(e: io::Error) -> CodecError {
    if e.kind() == io::ErrorKind::UnexpectedEof || e.to_string().contains("incomplete") {
        CodecError::Format(FormatProblem::Truncated("the end of its compressed stream"))
    } else if e.kind() == io::ErrorKind::Other || e.kind() == io::ErrorKind::InvalidData {
        CodecError::Format(FormatProblem::Corrupt(format!("compressed stream: {e}")))
    } else {
        CodecError::Io(e)
    }
}

/// The entries of one file, with the file's name for errors.
pub(crate) struct FileEntries {
    entries: EntryReader<BufReader<File>>,
    path: PathBuf,
    origin: Origin,
}

impl FileEntries {
    /// Reads the entries of `file` from its current position.
    pub(crate) fn new(
        file: BufReader<File>,
        path: &Path,
        origin: Origin,
        expected: Option<u64>,
    ) -> Result<Self, StateError> {
        let entries = EntryReader::new(file, expected).map_err(|e| CodecError::Io(e).at(path, origin))?;
        Ok(FileEntries { entries, path: path.to_path_buf(), origin })
    }

    /// The next item; at the end, checks that nothing follows the frame.
    pub(crate) fn next(&mut self) -> Result<Option<Item>, StateError> {
        let was_done = self.entries.done;
        let item = self.entries.next().map_err(|e| e.at(&self.path, self.origin))?;
        if item.is_none() && !was_done {
            self.check_trailing()?;
        }
        Ok(item)
    }

    fn check_trailing(&mut self) -> Result<(), StateError> {
        let inner = self.entries.zstd.get_mut();
        let rest = inner.fill_buf().map_err(|e| CodecError::Io(e).at(&self.path, self.origin))?;
        if rest.is_empty() {
            Ok(())
        } else {
            Err(CodecError::Format(FormatProblem::Corrupt("bytes after the compressed stream".into()))
                .at(&self.path, self.origin))
        }
    }
}

/// Opens a state file: its header, and a reader of its entries.
pub(crate) fn open_state(path: &Path) -> Result<(StateHeader, FileEntries), StateError> {
    let read_error = |e: io::Error| CodecError::Io(e).at(path, Origin::State);
    let file = File::open(path).map_err(read_error)?;
    let mut reader = BufReader::with_capacity(FILE_BUFFER, file);
    let mut head = [0u8; HEADER_LEN];
    let mut got = 0;
    while got < HEADER_LEN {
        match reader.read(&mut head[got..]) {
            Ok(0) => break,
            Ok(n) => got += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(read_error(e)),
        }
    }
    let header = StateHeader::decode(&head[..got]).map_err(|p| CodecError::Format(p).at(path, Origin::State))?;
    let entries = FileEntries::new(reader, path, Origin::State, Some(header.items))?;
    Ok((header, entries))
}

/// Reads a state file's header (cheap: the entries are not read).
pub fn read_header(path: &Path) -> Result<StateHeader, StateError> {
    open_state(path).map(|(header, _)| header)
}

/// Writes a state under a temporary name in the target's directory; [`StateWriter::finish`]
/// patches the item count, syncs and renames it over the target.
pub(crate) struct StateWriter {
    target: PathBuf,
    temp: tempfile::TempPath,
    entries: EntryWriter<BufWriter<File>>,
}

/// zstd level of state files: on random fingerprints the levels differ little, and 3 is fast.
const STATE_LEVEL: i32 = 3;

impl StateWriter {
    /// Starts a state at `target` with `header` (its item count is filled in at the end).
    pub(crate) fn create(target: &Path, header: StateHeader) -> Result<Self, StateError> {
        let error = |e: io::Error| StateError::Write { path: target.display().to_string(), cause: e.to_string() };
        let dir = match target.parent() {
            Some(dir) if !dir.as_os_str().is_empty() => dir,
            _ => Path::new("."),
        };
        let name = target.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let temp =
            tempfile::Builder::new().prefix(&format!(".{name}.")).suffix(".tmp").tempfile_in(dir).map_err(error)?;
        let (file, temp) = temp.into_parts();
        let mut out = BufWriter::with_capacity(FILE_BUFFER, file);
        out.write_all(&StateHeader { items: 0, ..header }.encode()).map_err(error)?;
        let entries = EntryWriter::new(out, STATE_LEVEL).map_err(error)?;
        Ok(StateWriter { target: target.to_path_buf(), temp, entries })
    }

    fn error(&self, e: io::Error) -> StateError {
        StateError::Write { path: self.target.display().to_string(), cause: e.to_string() }
    }

    /// Appends the next distinct item.
    pub(crate) fn push(&mut self, item: &Item) -> Result<(), StateError> {
        self.entries.push(item).map_err(|e| self.error(e))
    }

    /// Ends the state and puts it in place; returns its size in bytes.
    pub(crate) fn finish(self) -> Result<u64, StateError> {
        let StateWriter { target, temp, entries } = self;
        let error = |e: io::Error| StateError::Write { path: target.display().to_string(), cause: e.to_string() };
        let items = entries.count();
        let out = entries.finish().map_err(error)?;
        let mut file = out.into_inner().map_err(|e| error(e.into_error()))?;
        file.seek(SeekFrom::Start(ITEMS_AT)).map_err(error)?;
        file.write_all(&items.to_le_bytes()).map_err(error)?;
        file.sync_all().map_err(error)?;
        let size = file.metadata().map_err(error)?.len();
        drop(file);
        temp.persist(&target).map_err(|e| error(e.error))?;
        Ok(size)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::{Category, Tier};

    fn encode(items: &[Item]) -> Vec<u8> {
        let mut w = EntryWriter::new(Vec::new(), 3).expect("writer");
        for i in items {
            w.push(i).expect("push");
        }
        w.finish().expect("finish")
    }

    fn decode(bytes: &[u8], expected: Option<u64>) -> Result<Vec<Item>, CodecError> {
        let mut r = EntryReader::new(bytes, expected).map_err(CodecError::Io)?;
        let mut out = Vec::new();
        while let Some(i) = r.next()? {
            out.push(i);
        }
        Ok(out)
    }

    #[test]
    fn entries_round_trip() {
        let c = |t, k| Class::new(t, k);
        let mut items = vec![
            Item::position(5, 9, c(Tier::C, Category::Contact)),
            Item::position(5, u64::MAX, c(Tier::B, Category::Accommodation)),
            Item::person(5, c(Tier::C, Category::Identity)),
            Item::record(5, c(Tier::A, Category::Property)),
            Item::position(6, 1, c(Tier::C, Category::Address)),
            Item::record(u64::MAX, c(Tier::B, Category::Transaction)),
            Item::person(0, c(Tier::C, Category::Contact)),
            Item::position(u64::MAX, 0, c(Tier::A, Category::Whereabouts)),
        ];
        items.sort();
        let bytes = encode(&items);
        assert_eq!(decode(&bytes, Some(items.len() as u64)).expect("decode"), items);
        assert!(matches!(
            decode(&bytes, Some(3)),
            Err(CodecError::Format(FormatProblem::CountMismatch { announced: 3, found: 8 }))
        ));
        assert!(decode(&encode(&[]), Some(0)).expect("empty").is_empty());
    }

    #[test]
    fn every_class_byte_round_trips_and_the_end_mark_is_none() {
        for t in TIERS {
            for k in Category::ALL {
                for item in [Item::record(1, Class::new(t, k)), Item::person(1, Class::new(t, k))] {
                    assert_eq!(parse_class_byte(class_byte(&item)), Some((item.class(), item.section())));
                }
            }
        }
        assert_eq!(parse_class_byte(END_MARK), None);
    }

    #[test]
    fn a_cut_stream_is_truncated() {
        let items: Vec<Item> =
            (1..2000u64).map(|i| Item::record(i * 7919, Class::new(Tier::C, Category::Contact))).collect();
        let bytes = encode(&items);
        for cut in [bytes.len() - 1, bytes.len() / 2, 10] {
            match decode(&bytes[..cut], None) {
                Err(CodecError::Format(FormatProblem::Truncated(_))) => {}
                other => panic!("cut at {cut}: {:?}", other.map(|v| v.len())),
            }
        }
    }
}
