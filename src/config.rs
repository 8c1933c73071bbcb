//! Command-line arguments become a validated [`ScanConfig`]; the engine never sees clap types.

use crate::classify::TierPolicy;
use crate::container::Limits;
use crate::scan::Progress;
use crate::source::TextPolicy;
use crate::walk::WalkOptions;
use std::path::PathBuf;
use std::sync::Arc;

/// Everything the engine needs to run a scan.
#[derive(Debug, Clone, Default)]
pub struct ScanConfig {
    /// Files and directories to scan.
    pub paths: Vec<PathBuf>,
    /// Worker threads; `None` for one per core.
    pub threads: Option<usize>,
    /// List at most this many findings per file (the first by position); counts stay exact.
    /// `None` lists all.
    pub max_findings_per_file: Option<usize>,
    /// How paths are walked: ignore files, hidden files, globs, links, size limit, the name of
    /// standard input.
    pub walk: WalkOptions,
    /// Which inputs are read as text: binary content with `-a/--text`, archives not opened with
    /// `--no-archives`.
    pub text: TextPolicy,
    /// Limits on what each input may unpack.
    pub limits: Limits,
    /// Counters for a progress line, when one is drawn.
    pub progress: Option<Arc<Progress>>,
    /// Report masked values as `*_masked` kinds.
    pub include_masked: bool,
    /// How ID numbers and addresses are tiered.
    pub tier_policy: TierPolicy,
    /// User pattern files that add kinds.
    pub pattern_files: Vec<PathBuf>,
    /// The data was obtained in the course of duties or services (Art. 5 item 8): half the
    /// quantity standards apply.
    pub insider: bool,
    /// Group findings into records and count items (needed for `--summary`, `--summary-out` and
    /// `--fail-on serious`); a plain scan skips that work.
    pub assess: bool,
    /// Write the mergeable counting state here.
    pub summary_out: Option<PathBuf>,
    /// Fingerprint key file shared by the shards of one export (created if missing).
    pub summary_key: Option<PathBuf>,
}
