//! Command-line arguments become a validated [`ScanConfig`]; the engine never sees clap types.

use crate::classify::TierPolicy;
use std::path::PathBuf;

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
    /// Follow symbolic links while walking.
    pub follow_links: bool,
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
