//! Positions, the first step of the report side: detections (offsets in the scanned text)
//! become [`Finding`]s with a line, a column and an offset in the input's own bytes. Lines and
//! columns are counted after matching, incrementally and only for the findings listed.

use crate::finding::{Category, Detection, Finding, Kind, Tier};
use memchr::memchr_iter;
use std::collections::BTreeMap;
use std::ops::Range;

/// The text a [`FindingSink`] counts positions in, and the way back to the input's bytes.
pub trait TextPositions: Sync {
    /// The whole text, where it is at hand: positions far behind the current stride are
    /// counted in it. `None` for a stream, whose sink is advanced stride by stride instead
    /// ([`FindingSink::advance`]).
    fn whole(&self) -> Option<&[u8]>;
    /// The offset in the input's own bytes of a text offset (they differ for decoded text).
    fn original_offset(&self, text_offset: usize) -> usize;
    /// How many more characters the input's own bytes have than the text between two text
    /// offsets: a JSON `\uXXXX` escape is one character of the scanned text and six of the
    /// file, and columns count the file's characters (as `offset` counts its bytes).
    fn escape_extra_chars(&self, _text_range: Range<usize>) -> u64 {
        0
    }
}

/// The characters in UTF-8 `bytes` (bytes that are not continuation bytes).
pub fn utf8_chars(bytes: &[u8]) -> u64 {
    bytes.iter().filter(|&&b| (b & 0xC0) != 0x80).count() as u64
}

/// Detections per kind: a slot per built-in kind, a map only for the user's kinds.
pub fn count_kinds(detections: &[Detection]) -> BTreeMap<Kind, u64> {
    let mut builtin = [0u64; Kind::ALL.len()];
    let mut counts = BTreeMap::new();
    for d in detections {
        match d.kind.builtin_index() {
            Some(i) => builtin[i] += 1,
            None => *counts.entry(d.kind).or_default() += 1,
        }
    }
    counts.extend(Kind::ALL.into_iter().zip(builtin).filter(|&(_, n)| n > 0));
    counts
}

/// Turns an input's detections into findings, in offset order, stride after stride: counts
/// every one per kind, and attaches positions, categories and tiers to the first
/// `max_findings` only. Lines and columns are counted incrementally across calls, so a
/// multi-megabyte line with many findings costs one pass, not one per finding.
pub struct FindingSink {
    path: std::sync::Arc<str>,
    max_findings: usize,
    listed: Vec<Finding>,
    counts: BTreeMap<Kind, u64>,
    line: u64,
    line_start: usize,
    pos: usize,
    counted_to: usize,
    chars: u64,
    /// Whether the text starts with a UTF-8 byte-order mark (known once the start was seen).
    bom: Option<bool>,
    touched: Option<Range<usize>>,
}

impl FindingSink {
    /// A sink for the input shown as `path`, listing at most `max_findings` (`None`: all).
    pub fn new(path: &str, max_findings: Option<usize>) -> Self {
        FindingSink {
            path: path.into(),
            max_findings: max_findings.unwrap_or(usize::MAX),
            listed: Vec::new(),
            counts: BTreeMap::new(),
            line: 1,
            line_start: 0,
            pos: 0,
            counted_to: 0,
            chars: 0,
            bom: None,
            touched: None,
        }
    }

    /// Adds detections of a text held whole (sorted, after any pushed before) and their classes.
    pub fn push(
        &mut self,
        text: &[u8],
        positions: &dyn TextPositions,
        detections: &[Detection],
        classes: &[(Category, Tier)],
    ) {
        self.push_in(text, 0, positions, detections, classes);
    }

    /// [`FindingSink::push`] with the text around the detections at hand in `window`, which
    /// holds the text from `origin` on: positions are counted in it, and in
    /// [`TextPositions::whole`] only before it (see [`FindingSink::take_touched`]).
    pub fn push_in(
        &mut self,
        window: &[u8],
        origin: usize,
        positions: &dyn TextPositions,
        detections: &[Detection],
        classes: &[(Category, Tier)],
    ) {
        let whole = positions.whole();
        let text = |r: Range<usize>, touched: &mut Option<Range<usize>>| -> &[u8] {
            if r.start >= origin && r.end - origin <= window.len() {
                &window[r.start - origin..r.end - origin]
            } else if let Some(whole) = whole {
                *touched = Some(touched.as_ref().map_or(r.clone(), |t| t.start.min(r.start)..t.end.max(r.end)));
                &whole[r]
            } else {
                // A stream's sink is advanced to every stride's start, so nothing before the
                // window is ever asked for.
                debug_assert!(false, "a stream position before its window: {r:?}, origin {origin}");
                &[]
            }
        };
        if self.bom.is_none() && origin == 0 {
            self.bom = Some(window.starts_with("\u{feff}".as_bytes()));
        }
        let listing = detections.len().min(self.room());
        let (listed, counted) = detections.split_at(listing);
        // Past the listing limit only counts are kept: a dense export has millions of
        // detections, counted in an array (a map per detection cost a tenth of the scan).
        for (kind, n) in count_kinds(counted) {
            *self.counts.entry(kind).or_default() += n;
        }
        for (d, &(category, tier)) in listed.iter().zip(classes) {
            *self.counts.entry(d.kind).or_default() += 1;
            let upto = d.start.max(self.pos);
            for nl in memchr_iter(b'\n', text(self.pos..upto, &mut self.touched)) {
                self.line += 1;
                self.line_start = self.pos + nl + 1;
            }
            self.pos = upto;
            if self.counted_to < self.line_start || self.counted_to > d.start {
                (self.counted_to, self.chars) = (self.line_start, 0);
            }
            self.chars += utf8_chars(text(self.counted_to..d.start, &mut self.touched))
                + positions.escape_extra_chars(self.counted_to..d.start);
            self.counted_to = d.start;
            let mut column = 1 + self.chars;
            // A UTF-8 byte-order mark is not a character anyone sees.
            if self.line_start == 0 && self.bom == Some(true) {
                column -= 1;
            }
            let offset = positions.original_offset(d.start);
            let end = positions.original_offset(d.end);
            self.listed.push(Finding {
                path: self.path.clone(),
                line: self.line,
                column,
                offset: offset as u64,
                length: (end - offset) as u64,
                kind: d.kind,
                category,
                tier,
                confidence: d.confidence,
                value: d.value.to_string(),
                public_prefix_chars: d.public_prefix_chars,
                fingerprint: None,
                commit: None,
            });
        }
    }

    /// Counts the lines of `window` (the text from `origin` on) up to the text offset `to`,
    /// while findings are still listed: a stream, whose text before its current stride is gone,
    /// is advanced to each stride's end this way.
    pub fn advance(&mut self, window: &[u8], origin: usize, to: usize) {
        if self.room() == 0 || to <= self.pos {
            return;
        }
        let from = self.pos.max(origin);
        for nl in memchr_iter(b'\n', &window[from - origin..to - origin]) {
            self.line += 1;
            self.line_start = from + nl + 1;
        }
        self.pos = to;
    }

    /// The range of [`TextPositions::whole`] that [`FindingSink::push_in`] read since the last
    /// call (the text between a stride and the last finding listed before it): a mapped file's
    /// pages there can be given back.
    pub fn take_touched(&mut self) -> Option<Range<usize>> {
        self.touched.take()
    }

    /// How many more findings will be listed; past that, [`FindingSink::push`] only counts and
    /// reads no classes.
    pub fn room(&self) -> usize {
        self.max_findings.saturating_sub(self.listed.len())
    }

    /// The listed findings and the counts of all.
    pub fn finish(self) -> (Vec<Finding>, BTreeMap<Kind, u64>) {
        (self.listed, self.counts)
    }
}
