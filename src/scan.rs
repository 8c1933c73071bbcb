//! The per-file pipeline and the parallel driver: walk -> read -> match/validate -> classify ->
//! positions, for every file on all cores, with results sorted so that the output never depends
//! on thread timing.

use crate::aggregate::{HashedRecord, ItemCounts, RecordHasher, Tally};
use crate::classify::{classify, classify_records, classify_window, TierPolicy};
use crate::config::ScanConfig;
use crate::context::SharedContext;
use crate::detect::{DetectOptions, Detector};
use crate::error::{ConfigError, ScanError};
use crate::finding::{Category, Tier};
use crate::finding::{Detection, Finding, Kind};
use crate::severity::{assess, Assessment};
use crate::source::{self, Encoding, Loaded, Source, StrideReader};
use crate::walk::{walk, WalkOptions};
use memchr::memchr_iter;
use rayon::prelude::*;
use std::collections::BTreeMap;
use std::path::Path;
use std::time::{Duration, Instant};

/// Totals over one scan.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Stats {
    /// Text files scanned.
    pub files_scanned: u64,
    /// Bytes of the files scanned (on disk).
    pub bytes_scanned: u64,
    /// Files skipped as binary.
    pub binary_skipped: u64,
    /// Inputs that could not be read.
    pub errors: u64,
    /// Inputs scanned with a caveat (encoding).
    pub warnings: u64,
    /// Findings per kind, all of them, listed or not.
    pub findings_by_kind: BTreeMap<Kind, u64>,
    /// Findings counted but not listed because of the per-file cap.
    pub findings_not_listed: u64,
}

impl Stats {
    /// All findings.
    pub fn findings(&self) -> u64 {
        self.findings_by_kind.values().sum()
    }
}

/// The result of a scan.
#[derive(Debug, Default)]
pub struct ScanOutcome {
    /// Findings sorted by path, then offset.
    pub findings: Vec<Finding>,
    /// Problems met, sorted by path.
    pub problems: Vec<ScanError>,
    /// Totals.
    pub stats: Stats,
    /// Wall-clock time.
    pub elapsed: Duration,
    /// Deduplicated items (Art. 11) over everything scanned.
    pub items: ItemCounts,
    /// The legal severity estimate from `items`.
    pub assessment: Option<Assessment>,
}

impl ScanOutcome {
    /// Whether some input could not be read.
    pub fn incomplete(&self) -> bool {
        self.problems.iter().any(|p| p.incomplete)
    }
}

/// What one file yielded.
#[derive(Debug, Default)]
pub struct FileResult {
    /// Findings listed, sorted by offset (at most the per-file cap).
    pub findings: Vec<Finding>,
    /// Every finding, listed or not, per kind.
    pub counts: BTreeMap<Kind, u64>,
    /// Problems met.
    pub problems: Vec<ScanError>,
    /// Bytes on disk.
    pub bytes: u64,
    /// Skipped as binary.
    pub binary: bool,
    /// The file's records about people, as fingerprints for counting.
    pub records: Vec<HashedRecord>,
}

/// Runs a whole scan as configured.
pub fn run(config: &ScanConfig) -> Result<ScanOutcome, ConfigError> {
    let started = Instant::now();
    let (files, walk_errors) = walk(&config.paths, WalkOptions { follow_links: config.follow_links });
    let mut custom = Vec::new();
    for path in &config.pattern_files {
        custom.extend(crate::rules::load_user_file(path)?.compiled);
    }
    let detector = Detector::with_custom_rules(DetectOptions { include_masked: config.include_masked }, custom);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(config.threads.unwrap_or(0))
        .build()
        .map_err(|e| ConfigError::ThreadPool(e.to_string()))?;
    let hasher = match &config.summary_key {
        Some(path) => crate::aggregate::load_or_create_key(path).map_err(|e| ConfigError::SummaryOut(e.to_string()))?,
        None => RecordHasher::new(),
    };
    let counting = (config.assess || config.summary_out.is_some()).then_some(&hasher);
    let options =
        FileOptions { policy: config.tier_policy, hasher: counting, max_findings: config.max_findings_per_file };
    let results: Vec<FileResult> =
        pool.install(|| files.par_iter().map(|f| scan_file(&f.path, &detector, &options)).collect());

    let mut outcome = ScanOutcome { problems: walk_errors, ..ScanOutcome::default() };
    let mut tally = Tally::new();
    for r in results {
        for record in &r.records {
            tally.add(*record);
        }
        if r.binary {
            outcome.stats.binary_skipped += 1;
        } else if r.problems.iter().all(|p| !p.incomplete) {
            outcome.stats.files_scanned += 1;
            outcome.stats.bytes_scanned += r.bytes;
        }
        let listed = r.findings.len() as u64;
        for (kind, n) in &r.counts {
            *outcome.stats.findings_by_kind.entry(*kind).or_default() += n;
        }
        outcome.stats.findings_not_listed += r.counts.values().sum::<u64>() - listed;
        outcome.findings.extend(r.findings);
        outcome.problems.extend(r.problems);
    }
    outcome.findings.sort_by(|a, b| (&*a.path, a.offset, a.kind).cmp(&(&*b.path, b.offset, b.kind)));
    outcome.problems.sort_by(|a, b| a.path.cmp(&b.path));
    outcome.stats.errors = outcome.problems.iter().filter(|p| p.incomplete).count() as u64;
    outcome.stats.warnings = outcome.problems.len() as u64 - outcome.stats.errors;
    outcome.items = tally.counts();
    if let Some(path) = &config.summary_out {
        write_state(path, &tally.to_state(&hasher, config.tier_policy))
            .map_err(|e| ConfigError::SummaryOut(format!("{}: {e}", path.display())))?;
    }
    if config.assess || config.summary_out.is_some() {
        outcome.assessment = Some(assess(&outcome.items, config.tier_policy, config.insider));
    }
    outcome.elapsed = started.elapsed();
    Ok(outcome)
}

fn write_state(path: &Path, state: &crate::aggregate::SummaryState) -> std::io::Result<()> {
    let file = std::fs::File::create(path)?;
    let mut out = std::io::BufWriter::new(file);
    serde_json::to_writer(&mut out, state).map_err(std::io::Error::other)?;
    std::io::Write::flush(&mut out)
}

/// How each file is scanned.
#[derive(Debug, Clone, Copy)]
pub struct FileOptions<'a> {
    /// How ID numbers and addresses are tiered.
    pub policy: TierPolicy,
    /// With a hasher, the file's records are also classified and fingerprinted for counting.
    pub hasher: Option<&'a RecordHasher>,
    /// List at most this many findings (the first by position); `None` for all.
    pub max_findings: Option<usize>,
}

/// Large UTF-8 files are scanned in strides of two windows of about this size per thread, read
/// into one reused buffer (a mapped file) or scanned in place (a file read whole), so that a
/// multi-gigabyte dump needs a few windows' worth of memory, not its size. Small enough that a
/// stride's first visit (checks, `INSERT` search) leaves it in cache for the scan: 2 MiB
/// windows measured 10% faster than 32 MiB ones on the 1 GiB benchmark.
pub const WINDOW: usize = 2 << 20;

/// Scans one file; never fails, problems are part of the result.
pub fn scan_file(path: &Path, detector: &Detector, options: &FileOptions) -> FileResult {
    scan_file_in_windows(path, detector, options, WINDOW)
}

/// [`scan_file`] with a chosen window size (tests use small ones).
pub fn scan_file_in_windows(path: &Path, detector: &Detector, options: &FileOptions, window: usize) -> FileResult {
    // A file that will be scanned window by window has its UTF-8 checked window by window too.
    let loaded = match options.hasher {
        None => source::load_deferring_checks(path, window as u64),
        Some(_) => source::load(path),
    };
    match scan_loaded(path, loaded, detector, options, window) {
        Some(result) => result,
        // A window was not plain UTF-8 after all: sniff the whole file and start again.
        None => scan_loaded(path, source::load(path), detector, options, window).unwrap_or_default(),
    }
}

/// Scans a loaded file; `None` when its checks were deferred and a window failed them.
fn scan_loaded(
    path: &Path,
    loaded: std::io::Result<Loaded>,
    detector: &Detector,
    options: &FileOptions,
    window: usize,
) -> Option<FileResult> {
    let mut result = FileResult::default();
    let source = match loaded {
        Ok(Loaded::Text(source)) => source,
        Ok(Loaded::Binary { len }) => {
            result.binary = true;
            result.bytes = len;
            return Some(result);
        }
        Err(e) => {
            result.problems.push(ScanError::io(path, e));
            return Some(result);
        }
    };
    result.bytes = source.raw.len() as u64;
    if source.encoding == Encoding::Utf8Lossy {
        result.problems.push(ScanError::warning(path, "invalid UTF-8 and not GBK/GB18030; scanned as raw bytes"));
    }
    let text = source.text();
    let mut sink = FindingSink::new(&path.display().to_string(), options.max_findings);
    // Counting people needs every record of the file at once, and a decoded text is already a
    // whole copy: both take the one-pass path.
    if options.hasher.is_some() || source.decoded.is_some() || text.len() <= window {
        if source.checks_deferred && !source.is_plain_utf8(0..text.len()) {
            return None;
        }
        let detections = detector.detect(text);
        let classes = classify(text, &detections, options.policy);
        if let Some(hasher) = options.hasher {
            let records = classify_records(text, &detections, &classes, options.policy);
            result.records = records.iter().map(|r| hasher.hash(r, &text[r.span.start..r.span.end])).collect();
        }
        sink.push(&source, &detections, &classes);
    } else {
        // A mapped file is read stride by stride into memory rather than scanned through its
        // map (see `StrideReader`); text already in memory is scanned where it is.
        let mut reader = match &source.raw {
            source::Bytes::Mapped(_) => match StrideReader::open(path, text.len()) {
                Ok(reader) => Some(reader),
                Err(e) => {
                    result.problems.push(ScanError::io(path, e));
                    return Some(result);
                }
            },
            source::Bytes::Owned(_) => None,
        };
        let mut shared: Option<SharedContext> = None;
        // Two windows per thread at a time: the pieces are scanned on all cores, and the
        // serial steps between strides (classes, positions) come less often.
        let stride = window.saturating_mul(2 * rayon::current_num_threads().max(1));
        // Reused by every stride: a dense export has some ten megabytes of detections per
        // stride, and a fresh buffer each time is a fresh set of page faults.
        let mut detections = Vec::new();
        let reading = reader.is_some();
        let mut start = 0;
        while start < text.len() {
            // The stride, and the text it is read in: `window_text` holds the file's text from
            // `origin` on, at least everything a lookup from inside the stride reads.
            let (window_text, origin, range) = match &mut reader {
                Some(reader) => match reader.read(start, stride) {
                    Ok(range) => (reader.text(), reader.origin(), range),
                    Err(e) => {
                        result.problems.push(ScanError::io(path, e));
                        break;
                    }
                },
                None => (text, 0, start..line_end_after(text, start.saturating_add(stride))),
            };
            // The header is the first line, in the first stride.
            let shared = shared.get_or_insert_with(|| SharedContext::header_only(window_text));
            // Statements whose end was not in the strides before end in this one, or later.
            if reading {
                shared.close_statements(window_text, origin);
            }
            shared.extend_inserts(prepare_window(window_text, origin, range.clone(), source.checks_deferred)?);
            let local = range.start - origin..range.end - origin;
            detector.detect_range(window_text, origin, local.clone(), shared, &mut detections);
            // Classes are only read for the findings listed; once the list is full (the first
            // stride of a dense export), the detections are only counted.
            let classes = match sink.room() {
                0 => Vec::new(),
                _ => classify_window(&window_text[local], range.start, &detections, options.policy),
            };
            sink.push_in(&source, window_text, origin, &detections, &classes);
            // Positions before the stride were counted in the map: its pages there go back.
            if let Some(touched) = sink.take_touched() {
                const PAGE: usize = 4096;
                source.release(touched.start / PAGE * PAGE..touched.end.div_ceil(PAGE) * PAGE);
            }
            // Emptied on all cores: most values of addresses and names are on the heap.
            detections.par_drain(..).for_each(drop);
            start = range.end;
        }
    }
    (result.findings, result.counts) = sink.finish();
    Some(result)
}

/// The first visit of a stride's bytes, in cache-sized pieces on all cores: its deferred UTF-8
/// checks if `check` (`None` if one fails) and its `INSERT` column lists, in text order.
/// `window` holds the text from `origin` on; `range` is the stride, in the text's offsets.
fn prepare_window(
    window: &[u8],
    origin: usize,
    range: std::ops::Range<usize>,
    check: bool,
) -> Option<Vec<crate::context::Insert>> {
    const PIECE: usize = 1 << 20;
    let pieces: Vec<std::ops::Range<usize>> =
        (range.start..range.end).step_by(PIECE).map(|s| s..range.end.min(s + PIECE)).collect();
    let found: Vec<Option<Vec<crate::context::Insert>>> = pieces
        .into_par_iter()
        .map(|piece| {
            (!check || source::plain_utf8_in(window, origin, piece.clone()))
                .then(|| SharedContext::inserts_in(window, origin, piece))
        })
        .collect();
    found.into_iter().try_fold(Vec::new(), |mut all, inserts| {
        all.extend(inserts?);
        Some(all)
    })
}

/// The end of the line that `at` falls in (just past its newline), or the end of the text.
fn line_end_after(text: &[u8], at: usize) -> usize {
    if at >= text.len() {
        return text.len();
    }
    memchr::memchr(b'\n', &text[at..]).map_or(text.len(), |p| at + p + 1)
}

/// Detections per kind: a slot per built-in kind, a map only for the user's kinds.
fn count_kinds(detections: &[Detection]) -> BTreeMap<Kind, u64> {
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

/// Turns a file's detections into findings, in offset order, window after window: counts
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
    touched: Option<std::ops::Range<usize>>,
}

impl FindingSink {
    /// A sink for the file at `path`, listing at most `max_findings` (`None`: all).
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
            touched: None,
        }
    }

    /// Adds detections (sorted, after any pushed before) and their classes.
    pub fn push(&mut self, source: &Source, detections: &[Detection], classes: &[(Category, Tier)]) {
        self.push_in(source, source.text(), 0, detections, classes);
    }

    /// [`FindingSink::push`] with the text around the detections at hand in `window`, which
    /// holds the source text from `origin` on: positions are counted in it, and in the source's
    /// own bytes only before it (see [`FindingSink::take_touched`]).
    pub fn push_in(
        &mut self,
        source: &Source,
        window: &[u8],
        origin: usize,
        detections: &[Detection],
        classes: &[(Category, Tier)],
    ) {
        let whole = source.text();
        let text = |r: std::ops::Range<usize>, touched: &mut Option<std::ops::Range<usize>>| {
            if r.start >= origin && r.end - origin <= window.len() {
                &window[r.start - origin..r.end - origin]
            } else {
                *touched = Some(touched.as_ref().map_or(r.clone(), |t| t.start.min(r.start)..t.end.max(r.end)));
                &whole[r]
            }
        };
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
            let line = text(self.counted_to..d.start, &mut self.touched);
            self.chars += line.iter().filter(|&&b| (b & 0xC0) != 0x80).count() as u64;
            self.counted_to = d.start;
            let mut column = 1 + self.chars;
            // A UTF-8 byte-order mark is not a character anyone sees.
            let bom = "\u{feff}".as_bytes();
            if self.line_start == 0 && text(0..bom.len().min(whole.len()), &mut self.touched) == bom {
                column -= 1;
            }
            let offset = source.original_offset(d.start);
            let end = source.original_offset(d.end);
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
            });
        }
    }

    /// The range of the source's own bytes that [`FindingSink::push_in`] read since the last
    /// call (the text between a stride and the last finding listed before it): a mapped file's
    /// pages there can be given back.
    pub fn take_touched(&mut self) -> Option<std::ops::Range<usize>> {
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
