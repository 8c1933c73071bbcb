//! Limits on what one input may unpack: decompressed bytes, compression ratio, members and
//! nesting depth. Data is streamed, so memory never grows with what is unpacked; the limits
//! bound time and disk, and stop decompression bombs early. A limit reached ends the reading
//! of the stream or member concerned with a [`LimitExceeded`] error, reported against it, and
//! makes the scan incomplete.

use crate::error::LimitExceeded;
use std::cell::Cell;
use std::io::{self, Read};

/// Limits per input named on the command line or met in a walk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Bytes decompressed from one input, over every layer and member.
    pub max_bytes: u64,
    /// Decompressed bytes per compressed byte of one stream or member, once it has produced
    /// [`RATIO_GRACE`] bytes.
    pub max_ratio: u64,
    /// Archive members in one input, over every nested archive.
    pub max_entries: u64,
    /// Containers nested in one another (a `.tar.gz` is two deep).
    pub max_depth: u32,
}

impl Default for Limits {
    /// Generous for real exports (a 20 GB `mysqldump` compresses to a few GB at ratios of
    /// 5-20), tight for bombs (deflate of zeros reaches about 1000).
    fn default() -> Self {
        Limits { max_bytes: 64 << 30, max_ratio: 200, max_entries: 100_000, max_depth: 8 }
    }
}

/// Output a stream may produce before its ratio is checked: small highly repetitive files
/// (a column of zeros) are not bombs.
pub const RATIO_GRACE: u64 = 1 << 20;

/// What one input has used of its limits so far. Reading one input is sequential, so plain
/// cells do.
#[derive(Debug)]
pub struct Budget {
    limits: Limits,
    bytes: Cell<u64>,
    entries: Cell<u64>,
    /// A limit error was already handed to the visitor: reading stops without a second report.
    reported: Cell<bool>,
}

impl Budget {
    /// A fresh budget.
    pub fn new(limits: Limits) -> Self {
        Budget { limits, bytes: Cell::new(0), entries: Cell::new(0), reported: Cell::new(false) }
    }

    /// The limits.
    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// Counts one more archive member.
    pub fn entry(&self) -> Result<(), LimitExceeded> {
        let n = self.entries.get() + 1;
        self.entries.set(n);
        if n > self.limits.max_entries {
            return Err(LimitExceeded::Entries { limit: self.limits.max_entries });
        }
        Ok(())
    }

    /// Checks that a container opened at `depth` (1 for one named on the command line) is
    /// within the depth limit.
    pub fn depth(&self, depth: u32) -> Result<(), LimitExceeded> {
        if depth > self.limits.max_depth {
            return Err(LimitExceeded::Depth { depth, limit: self.limits.max_depth });
        }
        Ok(())
    }

    fn produced(&self, n: u64) -> Result<(), LimitExceeded> {
        let total = self.bytes.get() + n;
        self.bytes.set(total);
        if total > self.limits.max_bytes {
            return Err(LimitExceeded::Bytes { read: total, limit: self.limits.max_bytes });
        }
        Ok(())
    }

    /// Whether the input's decompressed bytes are over the limit: nothing more can be read.
    pub fn exhausted(&self) -> bool {
        self.bytes.get() > self.limits.max_bytes
    }

    /// Notes that a limit error reached the visitor.
    pub fn mark_reported(&self) {
        self.reported.set(true);
    }

    /// Whether a limit error already reached the visitor (so an error that follows from it,
    /// such as the archive's next header failing to read, is not reported again).
    pub fn reported(&self) -> bool {
        self.reported.get()
    }
}

/// Whether `e` is a limit reached.
pub fn is_limit(e: &io::Error) -> bool {
    e.get_ref().is_some_and(|inner| inner.is::<LimitExceeded>())
}

/// Counts the bytes read through it: the compressed side of a decompressor.
pub struct Counting<'c, R> {
    inner: R,
    count: &'c Cell<u64>,
}

impl<'c, R: Read> Counting<'c, R> {
    /// Counts what is read from `inner` into `count`.
    pub fn new(inner: R, count: &'c Cell<u64>) -> Self {
        Counting { inner, count }
    }
}

impl<R: Read> Read for Counting<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count.set(self.count.get() + n as u64);
        Ok(n)
    }
}

/// How many compressed bytes produced what a [`Limited`] reader has read.
pub enum Compressed<'c> {
    /// Counted as a decompressor reads them.
    Counted(&'c Cell<u64>),
    /// Known beforehand (a zip member's compressed size).
    Known(u64),
}

/// The decompressed side of a stream or member: counts its bytes against the budget and its
/// ratio against the limit, and fails every read once a limit is reached.
pub struct Limited<'b, R> {
    inner: R,
    budget: &'b Budget,
    compressed: Compressed<'b>,
    produced: u64,
    failed: Option<LimitExceeded>,
}

impl<'b, R: Read> Limited<'b, R> {
    /// Limits `inner`, produced from `compressed` bytes, within `budget`.
    pub fn new(inner: R, compressed: Compressed<'b>, budget: &'b Budget) -> Self {
        Limited { inner, budget, compressed, produced: 0, failed: None }
    }

    fn check(&mut self, n: usize) -> Result<(), LimitExceeded> {
        self.produced += n as u64;
        self.budget.produced(n as u64)?;
        if self.produced > RATIO_GRACE {
            let input = match &self.compressed {
                Compressed::Counted(count) => count.get(),
                Compressed::Known(n) => *n,
            };
            let ratio = self.produced / input.max(1);
            if ratio > self.budget.limits.max_ratio {
                return Err(LimitExceeded::Ratio { ratio, limit: self.budget.limits.max_ratio });
            }
        }
        Ok(())
    }
}

impl<R: Read> Read for Limited<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if let Some(limit) = &self.failed {
            return Err(limit.clone().into_io());
        }
        let n = self.inner.read(buf)?;
        if let Err(limit) = self.check(n) {
            self.failed = Some(limit.clone());
            return Err(limit.into_io());
        }
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ratio_and_bytes() {
        let budget = Budget::new(Limits { max_ratio: 10, ..Limits::default() });
        let zeros = io::repeat(0).take(10 << 20);
        let mut limited = Limited::new(zeros, Compressed::Known(1000), &budget);
        let err = io::copy(&mut limited, &mut io::sink()).expect_err("ratio");
        assert!(is_limit(&err));
        assert!(err.to_string().contains("--max-archive-ratio"), "{err}");
        // Latched: the next read fails too.
        assert!(limited.read(&mut [0; 10]).is_err());

        let budget = Budget::new(Limits { max_bytes: 5 << 20, ..Limits::default() });
        let mut limited = Limited::new(io::repeat(1).take(6 << 20), Compressed::Known(6 << 20), &budget);
        let err = io::copy(&mut limited, &mut io::sink()).expect_err("bytes");
        assert!(err.to_string().contains("--max-archive-bytes"), "{err}");

        let budget = Budget::new(Limits { max_entries: 2, max_depth: 3, ..Limits::default() });
        assert!(budget.entry().is_ok() && budget.entry().is_ok());
        assert!(budget.entry().is_err());
        assert!(budget.depth(3).is_ok() && budget.depth(4).is_err());
    }

    #[test]
    fn grace_lets_small_repetitive_streams_through() {
        let budget = Budget::new(Limits::default());
        let mut limited = Limited::new(io::repeat(b',').take(RATIO_GRACE), Compressed::Known(1), &budget);
        assert_eq!(io::copy(&mut limited, &mut io::sink()).expect("within grace"), RATIO_GRACE);
    }
}
