//! The per-file pipeline and the parallel driver: walk -> read -> match/validate -> classify ->
//! positions, for every file on all cores, with results sorted so that the output never depends
//! on thread timing.

use crate::aggregate::{HashedRecord, ItemCounts, RecordHasher, Tally};
use crate::classify::{classify, classify_records, TierPolicy};
use crate::config::ScanConfig;
use crate::detect::{DetectOptions, Detector};
use crate::error::{ConfigError, ScanError};
use crate::finding::{Category, Tier};
use crate::finding::{Detection, Finding, Kind};
use crate::severity::{assess, Assessment};
use crate::source::{self, Encoding, Loaded, Source};
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
    /// Findings per kind.
    pub findings_by_kind: BTreeMap<Kind, u64>,
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
    /// Findings, sorted by offset.
    pub findings: Vec<Finding>,
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
    let results: Vec<FileResult> = pool
        .install(|| files.par_iter().map(|f| scan_file(&f.path, &detector, config.tier_policy, counting)).collect());

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
        for f in &r.findings {
            *outcome.stats.findings_by_kind.entry(f.kind).or_default() += 1;
        }
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

/// Scans one file; never fails, problems are part of the result.
/// With a `hasher`, the file's records are also classified and fingerprinted for counting.
pub fn scan_file(path: &Path, detector: &Detector, policy: TierPolicy, hasher: Option<&RecordHasher>) -> FileResult {
    let mut result = FileResult::default();
    let source = match source::load(path) {
        Ok(Loaded::Text(source)) => source,
        Ok(Loaded::Binary { len }) => {
            result.binary = true;
            result.bytes = len;
            return result;
        }
        Err(e) => {
            result.problems.push(ScanError::io(path, e));
            return result;
        }
    };
    result.bytes = source.raw.len() as u64;
    if source.encoding == Encoding::Utf8Lossy {
        result.problems.push(ScanError::warning(path, "invalid UTF-8 and not GBK/GB18030; scanned as raw bytes"));
    }
    let detections = detector.detect(source.text());
    let classes = classify(source.text(), &detections, policy);
    if let Some(hasher) = hasher {
        let records = classify_records(source.text(), &detections, &classes, policy);
        result.records = records.iter().map(|r| hasher.hash(r, &source.text()[r.span.start..r.span.end])).collect();
    }
    result.findings = findings(&path.display().to_string(), &source, detections, &classes);
    result
}

/// Attaches positions, categories and tiers to a file's detections.
/// Takes the detections by value: their values move into the findings instead of being copied.
pub fn findings(path: &str, source: &Source, detections: Vec<Detection>, classes: &[(Category, Tier)]) -> Vec<Finding> {
    let path: std::sync::Arc<str> = path.into();
    let text = source.text();
    let mut out = Vec::with_capacity(detections.len());
    let (mut line, mut line_start, mut pos) = (1u64, 0usize, 0usize);
    // Characters counted so far on the current line, up to `counted_to`: columns are counted
    // incrementally, so a multi-megabyte line with many findings costs one pass, not one per
    // finding.
    let (mut counted_to, mut chars) = (0usize, 0u64);
    for (d, &(category, tier)) in detections.into_iter().zip(classes) {
        let upto = d.start.max(pos);
        for nl in memchr_iter(b'\n', &text[pos..upto]) {
            line += 1;
            line_start = pos + nl + 1;
        }
        pos = upto;
        if counted_to < line_start || counted_to > d.start {
            (counted_to, chars) = (line_start, 0);
        }
        chars += text[counted_to..d.start].iter().filter(|&&b| (b & 0xC0) != 0x80).count() as u64;
        counted_to = d.start;
        let mut column = 1 + chars;
        // A UTF-8 byte-order mark is not a character anyone sees.
        if line_start == 0 && text.starts_with("\u{feff}".as_bytes()) {
            column -= 1;
        }
        let offset = source.original_offset(d.start);
        let end = source.original_offset(d.end);
        out.push(Finding {
            path: path.clone(),
            line,
            column,
            offset: offset as u64,
            length: (end - offset) as u64,
            kind: d.kind,
            category,
            tier,
            confidence: d.confidence,
            value: d.value,
            public_prefix_chars: d.public_prefix_chars,
        });
    }
    out
}
