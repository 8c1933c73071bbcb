//! The parallel driver: walk -> read (files, streams, containers) -> match/validate ->
//! classify -> positions, for every input on all cores, with results sorted so that the
//! output never depends on thread timing. It wires the stages; how one text is scanned is in
//! [`text`] and [`stream`], how containers are opened in [`crate::container`].

mod stream;
mod text;

pub use crate::progress::Progress;
pub use stream::{StreamScan, IN_MEMORY};
pub use text::{scan_file, scan_file_in_windows, FileScan, WINDOW};

use crate::aggregate::{Counting, ItemCounts, RecordHasher, StateTarget, Tally};
use crate::baseline::Baseline;
use crate::classify::TierPolicy;
use crate::config::ScanConfig;
use crate::container::{self, Visitor};
use crate::detect::{DetectOptions, Detector};
use crate::error::{ConfigError, ScanError, SkipReason};
use crate::finding::{Finding, Kind};
use crate::fingerprint::Fingerprint;
use crate::git;
use crate::select::{BaselineSet, Selection, Suppressed};
use crate::severity::{assess, Assessment};
use crate::source::TextPolicy;
use crate::walk::{walk, Input, WalkOptions};
use rayon::prelude::*;
use std::collections::BTreeMap;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Totals over one scan.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Stats {
    /// Texts scanned to their end: files, streams, archive members, sheets, tables.
    pub files_scanned: u64,
    /// Bytes of the texts scanned (as read: decompressed, before decoding).
    pub bytes_scanned: u64,
    /// Inputs skipped as binary.
    pub binary_skipped: u64,
    /// Inputs not scanned, or not fully, per reason (binary included).
    pub skipped: BTreeMap<SkipReason, u64>,
    /// Inputs that could not be read, or not fully.
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

/// An input, or a member of one, that was not scanned or not fully, with why.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
pub struct Skipped {
    /// The path, or inner path (`exports.zip!users.csv`).
    pub path: String,
    /// Why.
    pub reason: SkipReason,
    /// What it is or what happened, in a few words.
    pub detail: String,
}

impl Skipped {
    /// A skipped input.
    pub fn new(path: &str, reason: SkipReason, detail: impl Into<String>) -> Self {
        Skipped { path: path.to_string(), reason, detail: detail.into() }
    }
}

/// The result of a scan.
#[derive(Debug, Default)]
pub struct ScanOutcome {
    /// Findings sorted by path, then offset.
    pub findings: Vec<Finding>,
    /// Problems met, sorted by path.
    pub problems: Vec<ScanError>,
    /// Everything not scanned or not fully, sorted by path: what the walk met and left,
    /// binary and unsupported inputs, inputs that failed or hit a limit.
    pub skipped: Vec<Skipped>,
    /// Totals.
    pub stats: Stats,
    /// Wall-clock time.
    pub elapsed: Duration,
    /// Deduplicated items (Art. 11) over everything scanned.
    pub items: ItemCounts,
    /// The legal severity estimate from `items`.
    pub assessment: Option<Assessment>,
    /// What the selection dropped (allow markers, allowlist, baseline, kinds, confidence).
    pub suppressed: Suppressed,
    /// Baseline entries that matched no finding, when asked (`--report-stale`).
    pub stale: Option<Vec<(Fingerprint, String)>>,
    /// The listing cap that left findings unlisted, if any did.
    pub listing_cap: Option<usize>,
}

impl ScanOutcome {
    /// Whether some input could not be read, or not fully.
    pub fn incomplete(&self) -> bool {
        self.problems.iter().any(|p| p.incomplete)
    }
}

/// What one input yielded: a file, a stream, or every member of a container.
#[derive(Debug, Default)]
pub struct FileResult {
    /// Findings listed, sorted by offset within each text (at most the per-text cap each).
    pub findings: Vec<Finding>,
    /// Every finding, listed or not, per kind.
    pub counts: BTreeMap<Kind, u64>,
    /// Problems met.
    pub problems: Vec<ScanError>,
    /// Bytes of the texts scanned to their end.
    pub bytes: u64,
    /// Texts scanned to their end.
    pub texts_scanned: u64,
    /// What was not scanned, or not fully, other than the problems.
    pub skipped: Vec<Skipped>,
    /// What the selection dropped.
    pub suppressed: Suppressed,
    /// Every finding reported, by fingerprint, when a baseline is being written.
    pub found: Vec<Found>,
}

/// A reported finding by keyed fingerprint, for a baseline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    /// Its fingerprint.
    pub fingerprint: Fingerprint,
    /// Its kind.
    pub kind: Kind,
    /// The text it was found in.
    pub path: std::sync::Arc<str>,
}

impl FileResult {
    /// Settles the counts of a result that holds one text: scanned to its end unless a
    /// problem says otherwise.
    fn count_text(&mut self) {
        let complete = self.problems.iter().all(|p| !p.incomplete);
        self.texts_scanned = u64::from(complete);
        if !complete {
            self.bytes = 0;
        }
    }

    /// Adds what another text of the same input yielded.
    fn merge(&mut self, other: FileResult) {
        self.findings.extend(other.findings);
        for (kind, n) in other.counts {
            *self.counts.entry(kind).or_default() += n;
        }
        self.problems.extend(other.problems);
        self.bytes += other.bytes;
        self.texts_scanned += other.texts_scanned;
        self.skipped.extend(other.skipped);
        self.suppressed.merge(&other.suppressed);
        self.found.extend(other.found);
    }
}

/// How each text is scanned.
#[derive(Debug, Clone, Copy)]
pub struct FileOptions<'a> {
    /// How ID numbers and addresses are tiered.
    pub policy: TierPolicy,
    /// With counting, the text's records are also classified and counted as items.
    pub counting: Option<&'a Counting<'a>>,
    /// List at most this many findings per text (the first by position); `None` for all.
    pub max_findings: Option<usize>,
    /// Which inputs are read as text.
    pub text: TextPolicy,
    /// Where bytes scanned are counted for the progress line.
    pub progress: Option<&'a Progress>,
    /// Which detections are reported.
    pub selection: &'a Selection,
    /// Keep the fingerprint of every finding reported (`--baseline-out`).
    pub collect_fingerprints: bool,
}

/// Runs a whole scan as configured.
pub fn run(config: &ScanConfig) -> Result<ScanOutcome, ConfigError> {
    let started = Instant::now();
    let walk_options = WalkOptions { threads: config.threads, ..config.walk.clone() };
    let detector =
        Detector::with_custom_rules(DetectOptions { include_masked: config.include_masked }, config.rules.clone());
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(config.threads.unwrap_or(0))
        .build()
        .map_err(|e| ConfigError::ThreadPool(e.to_string()))?;
    let hasher = match &config.summary_key {
        Some(path) => crate::aggregate::load_or_create_key(path)?,
        None => RecordHasher::new(),
    };
    let mut selection = config.selection.clone();
    if let Some(path) = &config.baseline {
        let fingerprinter = selection.fingerprinter.as_ref().ok_or(ConfigError::NoKey("--baseline"))?;
        let baseline = Baseline::read(path, fingerprinter)?;
        selection.baseline = Some(Arc::new(BaselineSet::new(baseline.entries())));
    }
    if config.baseline_out.is_some() && selection.fingerprinter.is_none() {
        return Err(ConfigError::NoKey("--baseline-out"));
    }
    let progress = config.progress.as_deref();
    let counting = (config.assess || config.summary_out.is_some())
        .then(|| Counting::new(&hasher, Tally::new(config.memory_budget.0, config.spill_dir.clone())));
    let text = config.text;
    let options = FileOptions {
        policy: config.tier_policy,
        counting: counting.as_ref(),
        max_findings: config.max_findings_per_file,
        text,
        progress,
        selection: &selection,
        collect_fingerprints: config.baseline_out.is_some(),
    };
    let containers = container::Options { policy: text, limits: config.limits };
    let mut outcome = ScanOutcome::default();
    let results: Vec<FileResult> = match &config.git {
        Some(scan) => {
            let root = config.paths.first().map_or(Path::new("."), PathBuf::as_path);
            let repo = git::toplevel(root).map_err(|e| ConfigError::Git(e.to_string()))?;
            let mut blobs = git::blobs(&repo, scan).map_err(|e| ConfigError::Git(e.to_string()))?;
            if !walk_options.globs.is_empty() {
                let globs =
                    crate::walk::globs(&repo, &walk_options.globs).map_err(|e| ConfigError::Glob(e.to_string()))?;
                blobs.retain(|b| !globs.matched(&b.path, false).is_ignore());
            }
            pool.install(|| {
                blobs
                    .par_iter()
                    .map_init(
                        || git::BlobReader::new(&repo),
                        |reader, blob| scan_blob(reader, blob, &detector, &options, &containers),
                    )
                    .collect()
            })
        }
        None => {
            let walked = walk(&config.paths, &walk_options).map_err(|e| ConfigError::Glob(e.to_string()))?;
            if let Some(progress) = progress {
                progress.start(&walked.inputs);
            }
            outcome.problems = walked.errors;
            outcome.skipped = walked
                .unread
                .into_iter()
                .map(|u| Skipped::new(&u.path.display().to_string(), u.reason, u.detail))
                .collect();
            pool.install(|| {
                walked
                    .inputs
                    .par_iter()
                    .map(|input| {
                        let result = scan_input(input, &detector, &options, &containers);
                        if let Some(progress) = progress {
                            progress.input_done(input);
                        }
                        result
                    })
                    .collect()
            })
        }
    };
    let mut found = Vec::new();
    // One allocation for every finding listed: growing the list by doubling copied it and
    // faulted in fresh pages at each step (a fifth of a scan of 10,000 small files).
    outcome.findings.reserve_exact(results.iter().map(|r| r.findings.len()).sum());
    for r in results {
        outcome.stats.files_scanned += r.texts_scanned;
        outcome.stats.bytes_scanned += r.bytes;
        let listed = r.findings.len() as u64;
        for (kind, n) in &r.counts {
            *outcome.stats.findings_by_kind.entry(*kind).or_default() += n;
        }
        outcome.stats.findings_not_listed += r.counts.values().sum::<u64>() - listed;
        outcome.findings.extend(r.findings);
        outcome.problems.extend(r.problems);
        outcome.skipped.extend(r.skipped);
        outcome.suppressed.merge(&r.suppressed);
        found.extend(r.found);
    }
    if outcome.stats.findings_not_listed > 0 {
        outcome.listing_cap = config.max_findings_per_file;
    }
    if let Some(fingerprinter) = &selection.fingerprinter {
        pool.install(|| {
            outcome.findings.par_iter_mut().for_each(|f| {
                f.fingerprint = Some(fingerprinter.fingerprint(f.kind, &f.value, &f.path));
            })
        });
        if let Some(path) = &config.baseline_out {
            let found = found.into_iter().map(|f| (f.fingerprint, f.kind, f.path.to_string()));
            Baseline::new(fingerprinter, found).write(path)?;
        }
    }
    if config.report_stale {
        outcome.stale = Some(selection.baseline.as_ref().map(|b| b.stale()).unwrap_or_default());
    }
    // Every input that failed or hit a limit is listed among the skipped too.
    for p in outcome.problems.iter().filter(|p| p.incomplete) {
        let reason = p.reason.unwrap_or(SkipReason::Unreadable);
        outcome.skipped.push(Skipped::new(&p.path.display().to_string(), reason, p.cause.clone()));
    }
    outcome.findings.sort_by(|a, b| (&*a.path, a.offset, a.kind).cmp(&(&*b.path, b.offset, b.kind)));
    outcome.problems.sort_by(|a, b| a.path.cmp(&b.path));
    outcome.skipped.sort();
    for s in &outcome.skipped {
        *outcome.stats.skipped.entry(s.reason).or_default() += 1;
    }
    outcome.stats.binary_skipped = outcome.stats.skipped.get(&SkipReason::Binary).copied().unwrap_or(0);
    outcome.stats.errors = outcome.problems.iter().filter(|p| p.incomplete).count() as u64;
    outcome.stats.warnings = outcome.problems.len() as u64 - outcome.stats.errors;
    if let Some(counting) = counting {
        let target =
            config.summary_out.as_deref().map(|path| StateTarget { path, hasher: &hasher, policy: config.tier_policy });
        let finished = counting.finish(target)?;
        outcome.items = finished.counts;
        let mut assessment = assess(&outcome.items, config.tier_policy, config.insider);
        assessment.spilled = finished.spill;
        outcome.assessment = Some(assessment);
    }
    outcome.elapsed = started.elapsed();
    Ok(outcome)
}

/// Scans one git blob (read through `reader`, one `git cat-file` per worker): through the
/// container readers, as a stream, reporting only its added lines for a diff, and naming the
/// commit that introduced it for history.
fn scan_blob(
    reader: &mut std::io::Result<git::BlobReader>,
    blob: &git::Blob,
    detector: &Detector,
    options: &FileOptions,
    containers: &container::Options,
) -> FileResult {
    let mut collect = Collect { detector, options, result: FileResult::default(), added: None };
    let content = match reader {
        Ok(reader) => reader.read(&blob.id),
        Err(e) => Err(std::io::Error::new(e.kind(), format!("cannot run git cat-file: {e}"))),
    };
    let content = match content {
        Ok(content) => content,
        Err(e) => {
            collect.result.problems.push(ScanError::io(Path::new(&blob.path), e));
            return collect.result;
        }
    };
    // A blob of history reports what its commit added to the version it replaced.
    let base_lines = match (&blob.base, reader) {
        (Some(base), Ok(reader)) => match reader.read(base) {
            Ok(old) => Some(git::new_lines(&old, &content)),
            Err(e) => {
                collect.result.problems.push(ScanError::io(Path::new(&blob.path), e));
                return collect.result;
            }
        },
        _ => None,
    };
    if let Some(lines) = blob.added_lines.as_ref().or(base_lines.as_ref()) {
        let ranges = git::line_byte_ranges(&content, lines);
        if ranges.is_empty() {
            // Nothing added (lines removed, a mode changed): nothing of this file is scanned.
            return collect.result;
        }
        collect.added = Some((blob.path.clone(), ranges));
    }
    container::read_stream(&blob.path, &mut content.as_slice(), containers, &mut collect);
    if let Some(commit) = &blob.commit {
        for f in &mut collect.result.findings {
            f.commit = Some(commit.clone());
        }
    }
    collect.result
}

/// Scans one input: a text file directly, anything else through the container readers.
fn scan_input(
    input: &Input,
    detector: &Detector,
    options: &FileOptions,
    containers: &container::Options,
) -> FileResult {
    let mut collect = Collect { detector, options, result: FileResult::default(), added: None };
    match input {
        Input::File { path, .. } => match scan_file(path, detector, options) {
            FileScan::Text(result) => return result,
            FileScan::Other(format) => {
                container::read_file(path, &input.name(), format, containers, &mut collect);
            }
        },
        Input::Stream { path: None, name } => {
            container::read_stream(name, &mut io::stdin().lock(), containers, &mut collect);
        }
        Input::Stream { path: Some(path), name } => match std::fs::File::open(path) {
            Ok(mut file) => container::read_stream(name, &mut file, containers, &mut collect),
            Err(e) => collect.result.problems.push(ScanError::io(path, e)),
        },
    }
    collect.result
}

/// Scans the texts the container readers hand over, and keeps what they skip.
struct Collect<'a> {
    detector: &'a Detector,
    options: &'a FileOptions<'a>,
    result: FileResult,
    /// For a file of a git diff: its name and the byte ranges of the lines the change added
    /// (texts inside it, if it is an archive, are new as a whole).
    added: Option<(String, Vec<std::ops::Range<u64>>)>,
}

impl Visitor for Collect<'_> {
    fn text(&mut self, name: &str, fill: &mut dyn FnMut(&mut dyn Write) -> io::Result<()>) {
        let mut scan = StreamScan::new(name, self.detector, self.options);
        if let Some((_, added)) = self.added.as_ref().filter(|(added_to, _)| added_to == name) {
            scan = scan.only_added(added.clone());
        }
        let filled = fill(&mut scan);
        let mut result = scan.finish();
        if let Err(e) = filled {
            result.problems.push(ScanError::io(Path::new(name), e));
            result.count_text();
        }
        self.result.merge(result);
    }

    fn skip(&mut self, name: &str, reason: SkipReason, detail: String) {
        if reason.makes_incomplete() {
            // Listed among the skipped with the other problems.
            self.result.problems.push(ScanError {
                path: name.into(),
                cause: detail,
                incomplete: true,
                reason: Some(reason),
            });
        } else {
            self.result.skipped.push(Skipped::new(name, reason, detail));
        }
    }
}
