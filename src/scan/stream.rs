//! Scanning a stream (standard input, a pipe, an archive member, a sheet): its bytes are
//! written in, in pieces of any size, and scanned as they come. A stream that ends within
//! [`IN_MEMORY`] bytes is scanned exactly as a file with its bytes would be; a longer one is
//! decoded piece by piece and scanned stride by stride, holding a stride and its margins at a
//! time, with the same detectors and context (the header, `INSERT` column lists).

use super::text::{line_end_after, scan_loaded, stride_for, FileScan, StrideScan, TextId, WINDOW};
use super::{FileOptions, FileResult, Skipped};
use crate::detect::Detector;
use crate::error::{ScanError, SkipReason};
use crate::positions::TextPositions;
use crate::source::{self, Bytes, Encoding, StreamDecoder, STRIDE_AFTER, STRIDE_BEFORE};
use std::io::{self, Write};
use std::path::Path;

/// A stream that ends within this many bytes is held whole and scanned as a file would be.
pub const IN_MEMORY: usize = 8 << 20;

/// Scans a stream written into it; [`StreamScan::finish`] gives what it found.
pub struct StreamScan<'a> {
    name: String,
    detector: &'a Detector,
    options: &'a FileOptions<'a>,
    window: usize,
    /// A stream that ends within this many bytes is held whole.
    in_memory: usize,
    /// For a file of a git diff: the byte ranges of the lines the change added.
    added: Option<Vec<std::ops::Range<u64>>>,
    /// Bytes written and not decoded yet.
    raw: Vec<u8>,
    /// Bytes written in all.
    total: u64,
    /// Set once the stream is longer than [`IN_MEMORY`] and scanned as it comes.
    streaming: Option<Streaming<'a>>,
}

/// The state of a stream scanned as it comes.
struct Streaming<'a> {
    decoder: StreamDecoder,
    /// Decoded text from offset `origin` on: the stride being scanned and its margins.
    text: Vec<u8>,
    origin: usize,
    /// Where the next stride starts.
    next: usize,
    strides: StrideScan<'a>,
}

/// A stream's positions: its text before the current stride is gone, so its sink is advanced
/// stride by stride, and offsets map back through the decoder.
struct StreamPositions<'d>(&'d StreamDecoder);

impl TextPositions for StreamPositions<'_> {
    fn whole(&self) -> Option<&[u8]> {
        None
    }

    fn original_offset(&self, text_offset: usize) -> usize {
        self.0.original(text_offset)
    }

    fn escape_extra_chars(&self, text_range: std::ops::Range<usize>) -> u64 {
        self.0.escape_extra_chars(text_range)
    }
}

impl<'a> StreamScan<'a> {
    /// A scan of the stream shown as `name`.
    pub fn new(name: &str, detector: &'a Detector, options: &'a FileOptions<'a>) -> Self {
        Self::with_sizes(name, detector, options, WINDOW, IN_MEMORY)
    }

    /// [`StreamScan::new`] with a chosen window size, and streams held whole up to `in_memory`
    /// bytes (tests use small ones).
    pub fn with_sizes(
        name: &str,
        detector: &'a Detector,
        options: &'a FileOptions<'a>,
        window: usize,
        in_memory: usize,
    ) -> Self {
        StreamScan {
            name: name.to_string(),
            detector,
            options,
            window,
            in_memory,
            added: None,
            raw: Vec::new(),
            total: 0,
            streaming: None,
        }
    }

    /// Reports only what lies on the lines a change added (the byte ranges of those lines).
    pub fn only_added(mut self, added: Vec<std::ops::Range<u64>>) -> Self {
        self.added = Some(added);
        self
    }

    fn id(&self) -> TextId<'_> {
        TextId { name: &self.name, path: None, added: self.added.as_deref() }
    }

    /// Decodes what can be decoded and scans every stride that is complete (all of it at the
    /// end of the stream).
    fn pump(&mut self, eof: bool) {
        if self.streaming.is_none() {
            if self.raw.len() < self.in_memory {
                return;
            }
            self.streaming = Some(Streaming {
                decoder: StreamDecoder::for_head(&self.raw),
                text: Vec::new(),
                origin: 0,
                next: 0,
                strides: StrideScan::new(self.id(), self.detector, self.options),
            });
        }
        let Some(s) = self.streaming.as_mut() else { return };
        let ready = s.decoder.ready(&self.raw, eof);
        s.decoder.decode(&self.raw[..ready], &mut s.text);
        self.raw.drain(..ready);
        let stride = stride_for(self.window);
        loop {
            let available = s.origin + s.text.len();
            let start = s.next;
            if start >= available {
                break;
            }
            let target = start.saturating_add(stride);
            let end = if target >= available {
                if !eof {
                    break;
                }
                available
            } else {
                let end = line_end_after(&s.text, target - s.origin) + s.origin;
                if end == available && !eof && !s.text.ends_with(b"\n") {
                    // The line at the target goes on past what was written: wait for its end,
                    // or cut it where it is too long to hold.
                    match source::soft_cut(&s.text[target - s.origin..]) {
                        Some(cut) if available - target > source::MAX_LINE => target + cut,
                        _ => break,
                    }
                } else {
                    end
                }
            };
            // A lookup from the stride's end reads up to STRIDE_AFTER bytes further.
            if !eof && end.saturating_add(STRIDE_AFTER) > available {
                break;
            }
            let positions = StreamPositions(&s.decoder);
            let last = eof && end == available;
            s.strides.stride(&s.text, s.origin, start..end, false, true, last, &positions);
            s.strides.sink.advance(&s.text, s.origin, end);
            s.next = end;
            let keep_from = end.saturating_sub(STRIDE_BEFORE).max(s.origin);
            s.text.drain(..keep_from - s.origin);
            s.origin = keep_from;
            s.decoder.forget_before(keep_from);
        }
        if eof {
            // A record still open at the stream's end ends with it.
            let end = s.origin + s.text.len();
            s.strides.count_records(&s.text, s.origin, end..end, true, &[]);
        }
    }

    /// Ends the stream and gives what was found in it.
    pub fn finish(mut self) -> FileResult {
        self.pump(true);
        let shown = Path::new(&self.name);
        match self.streaming.take() {
            None => {
                let raw = std::mem::take(&mut self.raw);
                let loaded = source::classify(Bytes::Owned(raw), self.options.text);
                match scan_loaded(self.id(), Ok(loaded), self.detector, self.options, self.window) {
                    Some(FileScan::Text(result)) => result,
                    Some(FileScan::Other(format)) => FileResult {
                        skipped: vec![Skipped::new(&self.name, SkipReason::Binary, format.name())],
                        ..FileResult::default()
                    },
                    // Only a file's deferred checks fail a stride; bytes in memory are
                    // checked whole.
                    None => unreachable!("a stream's text is checked whole"),
                }
            }
            Some(s) => {
                let mut result = FileResult { bytes: self.total, ..FileResult::default() };
                if let Some(at) = s.decoder.invalid_at() {
                    let what = match s.decoder.encoding() {
                        Encoding::Gb18030 => "bytes that are not GB18030",
                        _ => "invalid UTF-8",
                    };
                    result.problems.push(ScanError::warning(
                        shown,
                        format!("{what} from byte {at} on; those parts scanned as raw bytes"),
                    ));
                }
                s.strides.finish_into(&mut result);
                result.count_text();
                result
            }
        }
    }
}

impl Write for StreamScan<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.raw.extend_from_slice(buf);
        self.total += buf.len() as u64;
        self.pump(false);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}
