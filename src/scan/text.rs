//! Scanning one text: in one pass when it is small, decoded or counted for the assessment,
//! otherwise stride by stride, so that a multi-gigabyte dump needs a few strides' worth of
//! memory. [`StrideScan`] carries what one stride hands to the next (the header, open `INSERT`
//! statements, positions); files and streams feed it their strides.

use super::{FileOptions, FileResult, Found, Progress};
use crate::aggregate::Counting;
use crate::classify::{classify, classify_window, RecordClassifier, TierPolicy};
use crate::context::{SharedContext, SqlHeads};
use crate::detect::{Detector, Piece};
use crate::error::ScanError;
use crate::finding::{Confidence, Detection, Kind};
use crate::positions::{FindingSink, TextPositions};
use crate::select::{Selection, Suppressed, TextSelection};
use crate::source::{self, Bytes, Encoding, Loaded, Source, StrideReader};
use rayon::prelude::*;
use std::ops::Range;
use std::path::Path;

/// Large UTF-8 files are scanned in strides of two windows of about this size per thread, read
/// into one reused buffer (a mapped file) or scanned in place (a file read whole), so that a
/// multi-gigabyte dump needs a few windows' worth of memory, not its size. Small enough that a
/// stride's first visit (checks, `INSERT` search) leaves it in cache for the scan: 2 MiB
/// windows measured 10% faster than 32 MiB ones on the 1 GiB benchmark.
pub const WINDOW: usize = 2 << 20;

/// The stride for `window`: two windows per thread at a time, so that the pieces are scanned on
/// all cores and the serial steps between strides (classes, positions) come less often.
pub fn stride_for(window: usize) -> usize {
    window.saturating_mul(2 * rayon::current_num_threads().max(1))
}

/// What a scan of one file found: its text, or what it is instead.
pub enum FileScan {
    /// The file was text, and this is what its scan yielded.
    Text(FileResult),
    /// The file is not text (a container or binary content): the container readers take it.
    Other(crate::sniff::Format),
}

/// Scans one file; problems are part of the result.
pub fn scan_file(path: &Path, detector: &Detector, options: &FileOptions) -> FileScan {
    scan_file_in_windows(path, detector, options, WINDOW)
}

/// [`scan_file`] with a chosen window size (tests use small ones).
pub fn scan_file_in_windows(path: &Path, detector: &Detector, options: &FileOptions, window: usize) -> FileScan {
    // A file that will be scanned window by window has its UTF-8 checked window by window too.
    let loaded = source::load_deferring_checks(path, window as u64, options.text);
    let name = path.display().to_string();
    let id = TextId { name: &name, path: Some(path), added: None };
    match scan_loaded(id, loaded, detector, options, window) {
        Some(scan) => scan,
        // A window was not plain UTF-8 after all: sniff the whole file and start again.
        None => scan_loaded(id, source::load(path, options.text), detector, options, window)
            .unwrap_or_else(|| FileScan::Text(FileResult::default())),
    }
}

/// What a text is called and where its bytes come from.
#[derive(Debug, Clone, Copy)]
pub(super) struct TextId<'a> {
    /// The name its findings are shown with.
    pub name: &'a str,
    /// The file it is read from, when it is a mapped file scanned in strides.
    pub path: Option<&'a Path>,
    /// For a file of a git diff: the byte ranges of the lines the change added.
    pub added: Option<&'a [Range<u64>]>,
}

impl TextPositions for Source {
    fn whole(&self) -> Option<&[u8]> {
        Some(self.text())
    }

    fn original_offset(&self, text_offset: usize) -> usize {
        Source::original_offset(self, text_offset)
    }

    fn escape_extra_chars(&self, text_range: Range<usize>) -> u64 {
        // A transcoded file's characters are the text's; escapes only widen a UTF-8 file's.
        match &self.decoded {
            Some((_, map)) if self.encoding == Encoding::Utf8 => map.escape_extra_chars(text_range),
            _ => 0,
        }
    }
}

/// Scans a loaded input; `None` when its checks were deferred and a window failed them.
pub(super) fn scan_loaded(
    id: TextId,
    loaded: std::io::Result<Loaded>,
    detector: &Detector,
    options: &FileOptions,
    window: usize,
) -> Option<FileScan> {
    let mut result = FileResult::default();
    let shown = Path::new(id.name);
    let source = match loaded {
        Ok(Loaded::Text(source)) => source,
        Ok(Loaded::Other { format, .. }) => return Some(FileScan::Other(format)),
        Err(e) => {
            result.problems.push(ScanError::io(shown, e));
            return Some(FileScan::Text(result));
        }
    };
    result.bytes = source.raw.len() as u64;
    if source.encoding == Encoding::Utf8Lossy {
        result.problems.push(ScanError::warning(shown, "invalid UTF-8 and not GBK/GB18030; scanned as raw bytes"));
    }
    let text = source.text();
    let mut strides = StrideScan::new(id, detector, options);
    // A decoded text is already a whole copy: it takes the one-pass path.
    if source.decoded.is_some() || text.len() <= window {
        if source.checks_deferred && !source.is_plain_utf8(0..text.len()) {
            return None;
        }
        let selector = strides.selector(&source);
        let hook = |piece: &Piece, found: &mut Vec<Detection>| selector.select(piece, found);
        let detections = detector.detect_with(text, Some(&hook));
        strides.selected(selector);
        if let Some(progress) = options.progress {
            progress.bytes(text.len() as u64);
        }
        strides.count_records(text, 0, 0..text.len(), true, &detections);
        let classes = classify(text, &detections, options.policy);
        strides.sink.push(text, &source, &detections, &classes);
    } else {
        // A mapped file is read stride by stride into memory rather than scanned through its
        // map (see `StrideReader`); text already in memory is scanned where it is.
        let mut reader = match (&source.raw, id.path) {
            (Bytes::Mapped(_), Some(path)) => match StrideReader::open(path, text.len()) {
                Ok(reader) => Some(reader),
                Err(e) => {
                    result.problems.push(ScanError::io(shown, e));
                    return Some(FileScan::Text(result));
                }
            },
            _ => None,
        };
        let stride = stride_for(window);
        let reading = reader.is_some();
        let mut start = 0;
        while start < text.len() {
            // The stride, and the text it is read in: `window_text` holds the file's text from
            // `origin` on, at least everything a lookup from inside the stride reads.
            let (window_text, origin, range) = match &mut reader {
                Some(reader) => match reader.read(start, stride) {
                    Ok(range) => (reader.text(), reader.origin(), range),
                    Err(e) => {
                        result.problems.push(ScanError::io(shown, e));
                        break;
                    }
                },
                None => (text, 0, start..line_end_after(text, start.saturating_add(stride))),
            };
            let eof = range.end >= text.len();
            strides.stride(window_text, origin, range.clone(), source.checks_deferred, reading, eof, &source)?;
            // Positions before the stride were counted in the map: its pages there go back.
            if let Some(touched) = strides.sink.take_touched() {
                source.release_touched(touched);
            }
            start = range.end;
        }
    }
    strides.finish_into(&mut result);
    result.count_text();
    Some(FileScan::Text(result))
}

/// What a text scanned stride by stride carries from one stride to the next.
pub(super) struct StrideScan<'a> {
    detector: &'a Detector,
    policy: TierPolicy,
    progress: Option<&'a Progress>,
    selection: &'a Selection,
    /// The text's name and, for a diff, its added lines.
    name: std::sync::Arc<str>,
    added: Option<std::sync::Arc<[Range<u64>]>>,
    /// What the selection dropped.
    suppressed: Suppressed,
    /// Fingerprints of everything reported, for `--baseline-out`.
    found: Option<Vec<Found>>,
    /// The header (from the first stride) and the `INSERT` statements met so far.
    shared: Option<SharedContext>,
    /// Reused by every stride: a dense export has some ten megabytes of detections per
    /// stride, and a fresh buffer each time is a fresh set of page faults.
    detections: Vec<Detection>,
    /// Findings and positions.
    pub sink: FindingSink,
    /// With a counting scan: the text's records, classified stride by stride, and where their
    /// items go.
    counting: Option<(RecordClassifier, &'a Counting<'a>)>,
}

impl<'a> StrideScan<'a> {
    /// The state before the first stride of a text.
    pub fn new(id: TextId, detector: &'a Detector, options: &FileOptions<'a>) -> Self {
        StrideScan {
            detector,
            policy: options.policy,
            progress: options.progress,
            selection: options.selection,
            name: id.name.into(),
            added: id.added.map(std::sync::Arc::from),
            suppressed: Suppressed::default(),
            found: options.collect_fingerprints.then(Vec::new),
            shared: None,
            detections: Vec::new(),
            sink: FindingSink::new(id.name, options.max_findings),
            counting: options.counting.map(|c| (RecordClassifier::new(options.policy), c)),
        }
    }

    /// Classifies the records that end in the stride `range` (held in `window` from `origin`
    /// on) and counts them: each is reduced to its items' fingerprints as soon as it is
    /// complete, so nothing per record outlives its stride.
    pub fn count_records(
        &mut self,
        window: &[u8],
        origin: usize,
        range: Range<usize>,
        eof: bool,
        detections: &[Detection],
    ) {
        let Some((classifier, counting)) = &mut self.counting else { return };
        let counting: &Counting = counting;
        classifier.stride(window, origin, range, eof, detections, &|facts| counting.add(facts));
    }

    /// The select stage for this text's pieces, run by the detector on each piece as it is
    /// scanned; `positions` maps offsets back to the input's bytes.
    pub fn selector<'s>(&self, positions: &'s dyn TextPositions) -> Selector<'s>
    where
        'a: 's,
    {
        Selector {
            selection: self.selection,
            name: self.name.clone(),
            added: self.added.clone(),
            positions,
            fingerprints: self.found.is_some(),
            authorship: is_authorship_text(&self.name),
            gathered: std::sync::Mutex::default(),
        }
    }

    /// Takes in what a selector dropped and the fingerprints it kept.
    pub fn selected(&mut self, selector: Selector) {
        let (suppressed, found) = selector.finish();
        self.suppressed.merge(&suppressed);
        if let Some(all) = &mut self.found {
            all.extend(found);
        }
    }

    /// Moves what the text yielded into `result`.
    pub fn finish_into(self, result: &mut FileResult) {
        (result.findings, result.counts) = self.sink.finish();
        result.suppressed = self.suppressed;
        result.found = self.found.unwrap_or_default();
    }

    /// Scans the stride `range` (text offsets) of a text held in `window` from offset `origin`
    /// on, with at least what every lookup from inside the stride reads around it. `check`:
    /// the stride's UTF-8 checks were deferred to here (`None` if it fails them). `reading`:
    /// the window is a buffer that holds only part of the text, so statements still open may
    /// end in it. `eof`: the text ends with this stride.
    #[allow(clippy::too_many_arguments)]
    pub fn stride(
        &mut self,
        window: &[u8],
        origin: usize,
        range: Range<usize>,
        check: bool,
        reading: bool,
        eof: bool,
        positions: &dyn TextPositions,
    ) -> Option<()> {
        let selector = self.selector(positions);
        // The header is the first line, in the first stride.
        let shared = self.shared.get_or_insert_with(|| SharedContext::header_only(window));
        // Statements whose end was not in the strides before end in this one, or later.
        if reading {
            shared.close_statements(window, origin);
        }
        for heads in prepare_window(window, origin, range.clone(), check)? {
            shared.extend_inserts(heads);
        }
        let local = range.start - origin..range.end - origin;
        let hook = |piece: &Piece, found: &mut Vec<Detection>| selector.select(piece, found);
        self.detector.detect_range(window, origin, local.clone(), shared, &mut self.detections, Some(&hook));
        self.selected(selector);
        let detections = std::mem::take(&mut self.detections);
        self.count_records(window, origin, range.clone(), eof, &detections);
        self.detections = detections;
        // Classes are only read for the findings listed; once the list is full (the first
        // stride of a dense export), the detections are only counted.
        let classes = match self.sink.room() {
            0 => Vec::new(),
            _ => classify_window(&window[local], range.start, &self.detections, self.policy),
        };
        self.sink.push_in(window, origin, positions, &self.detections, &classes);
        // Emptied on all cores: most values of addresses and names are on the heap.
        self.detections.par_drain(..).for_each(drop);
        if let Some(progress) = self.progress {
            progress.bytes(range.len() as u64);
        }
        Some(())
    }
}

/// The select stage for the pieces of one text: keeps what the selection reports, on every
/// piece as the detector scans it, and gathers what it dropped and the fingerprints of what it
/// kept (for `--baseline-out`) from all the pieces.
pub(super) struct Selector<'s> {
    selection: &'s Selection,
    name: std::sync::Arc<str>,
    added: Option<std::sync::Arc<[Range<u64>]>>,
    positions: &'s dyn TextPositions,
    fingerprints: bool,
    /// The text is a list of authors (`AUTHORS`, `PKG-INFO`): its addresses are published on
    /// purpose.
    authorship: bool,
    gathered: std::sync::Mutex<(Suppressed, Vec<Found>)>,
}

/// Whether a text's name (a path, or an archive member's `archive!member`) is a list of
/// authors, by its last component.
fn is_authorship_text(name: &str) -> bool {
    let last = name.rsplit(['/', '\\', '!']).next().unwrap_or(name);
    crate::detect::authorship::is_authorship_file(last)
}

impl<'s> Selector<'s> {
    /// Keeps the detections of `piece` that the selection reports.
    fn select(&self, piece: &Piece, detections: &mut Vec<Detection>) {
        let text = TextSelection { name: &self.name, added: self.added.as_deref() };
        let original = |offset: usize| self.positions.original_offset(offset);
        let mut suppressed = Suppressed::default();
        let markers = Some((piece.markers, piece.origin + piece.range.start));
        if self.authorship {
            for d in detections.iter_mut().filter(|d| d.kind == Kind::Email) {
                d.confidence = Confidence::Low;
            }
        }
        self.selection.retain(detections, piece.window, piece.origin, markers, text, &original, &mut suppressed);
        let mut found = Vec::new();
        if let (true, Some(fingerprinter)) = (self.fingerprints, &self.selection.fingerprinter) {
            found = detections
                .iter()
                .map(|d| Found {
                    fingerprint: fingerprinter.fingerprint(d.kind, &d.value, &self.name),
                    kind: d.kind,
                    path: self.name.clone(),
                })
                .collect();
        }
        if !suppressed.0.is_empty() || !found.is_empty() {
            let mut gathered = self.gathered.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            gathered.0.merge(&suppressed);
            gathered.1.extend(found);
        }
    }

    fn finish(self) -> (Suppressed, Vec<Found>) {
        self.gathered.into_inner().unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// The first visit of a stride's bytes, in cache-sized pieces on all cores: its deferred UTF-8
/// checks if `check` (`None` if one fails) and its `INSERT` column lists, in text order.
/// `window` holds the text from `origin` on; `range` is the stride, in the text's offsets.
fn prepare_window(window: &[u8], origin: usize, range: Range<usize>, check: bool) -> Option<Vec<SqlHeads>> {
    const PIECE: usize = 1 << 20;
    let pieces: Vec<Range<usize>> =
        (range.start..range.end).step_by(PIECE).map(|s| s..range.end.min(s + PIECE)).collect();
    let found: Vec<Option<SqlHeads>> = pieces
        .into_par_iter()
        .map(|piece| {
            (!check || source::plain_utf8_in(window, origin, piece.clone()))
                .then(|| SharedContext::inserts_in(window, origin, piece))
        })
        .collect();
    found.into_iter().collect()
}

/// The end of the line that `at` falls in (just past its newline), or the end of the text.
pub(super) fn line_end_after(text: &[u8], at: usize) -> usize {
    if at >= text.len() {
        return text.len();
    }
    memchr::memchr(b'\n', &text[at..]).map_or(text.len(), |p| at + p + 1)
}
