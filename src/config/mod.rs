//! Command-line arguments and the config file become a validated [`ScanConfig`]; the engine
//! never sees clap types. [`file`] reads `.piiscan.toml` (through [`crate::user_toml`], which
//! collects every problem).

pub mod file;

use crate::classify::TierPolicy;
use crate::container::Limits;
use crate::progress::Progress;
use crate::select::Selection;
use crate::source::TextPolicy;
use crate::walk::WalkOptions;
use std::path::PathBuf;
use std::sync::Arc;

/// When a scan's exit code is 1 (findings) rather than 0.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum FailOn {
    /// Any finding reported.
    #[default]
    Any,
    /// The severity estimate is at least 情节严重.
    Serious,
    /// The severity estimate is 情节特别严重.
    EspeciallySerious,
}

impl FailOn {
    /// Whether the level needs the severity estimate.
    pub fn needs_assessment(self) -> bool {
        self != FailOn::Any
    }
}

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
    /// Which detections are reported: kinds, confidence floor, allowlist, fingerprints.
    pub selection: Selection,
    /// Report only findings not in this baseline (`--baseline`).
    pub baseline: Option<PathBuf>,
    /// Write a baseline of every finding reported (`--baseline-out`).
    pub baseline_out: Option<PathBuf>,
    /// List the baseline entries that matched nothing (`--report-stale`).
    pub report_stale: bool,
    /// Scan git changes or history instead of paths.
    pub git: Option<crate::git::GitScan>,
    /// User rules: the config file's and the pattern files'.
    pub rules: Vec<crate::detect::CustomRule>,
    /// Report masked values as `*_masked` kinds.
    pub include_masked: bool,
    /// How ID numbers and addresses are tiered.
    pub tier_policy: TierPolicy,
    /// The data was obtained in the course of duties or services (Art. 5 item 8): half the
    /// quantity standards apply.
    pub insider: bool,
    /// Group findings into records and count items (needed for `--summary`, `--summary-out` and
    /// `--fail-on serious`); a plain scan skips that work.
    pub assess: bool,
    /// Write the mergeable counting state here.
    pub summary_out: Option<PathBuf>,
    /// When the exit code is 1.
    pub fail_on: FailOn,
    /// Fingerprint key file shared by the shards of one export (created if missing).
    pub summary_key: Option<PathBuf>,
    /// What the assessment's distinct-item sets may hold in memory before they spill.
    pub memory_budget: MemoryBudget,
    /// Where spilled runs go (the system's temporary directory when `None`).
    pub spill_dir: Option<PathBuf>,
}

/// Bytes the assessment's distinct-item sets may hold in memory before they spill to disk
/// (`--memory-budget`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MemoryBudget(pub u64);

impl Default for MemoryBudget {
    fn default() -> Self {
        MemoryBudget(crate::aggregate::DEFAULT_MEMORY_BUDGET)
    }
}
