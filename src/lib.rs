//! piiscan finds leaked personal information, above all Chinese personal information, in files
//! and data dumps, says of which legal category each finding is, and (in later stages) how
//! serious a leak would be under Art. 253-1 of the PRC Criminal Law.
//!
//! The pipeline, one module per stage, arrows pointing one way:
//!
//! ```text
//! walk ──> source ──> matcher ──> detect ──> classify ──> scan (positions, order) ──> report
//! paths    bytes,     candidate   validated  category,    findings sorted by          human,
//!          decoded    chains      detections tier         path and offset             json, jsonl
//!          text
//! ```
//!
//! Reference tables and rule examples are data in `patterns/`, embedded by [`mod@reference`].

#![warn(missing_docs)]

pub mod aggregate;
pub mod classify;
pub mod config;
pub mod container;
pub mod context;
pub mod detect;
pub mod error;
pub mod finding;
pub mod matcher;
pub mod record;
pub mod reference;
pub mod report;
pub mod rules;
pub mod scan;
pub mod severity;
pub mod sniff;
pub mod source;
pub mod synth;
pub mod walk;

pub use classify::TierPolicy;
pub use config::ScanConfig;
pub use finding::{Category, Confidence, Finding, Kind, Tier};
pub use scan::{run, ScanOutcome};

/// The process exit codes, documented in README and `--help`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// Nothing found, every input read.
    Clean = 0,
    /// Findings reported, every input read.
    Findings = 1,
    /// Some input could not be read (the scan is incomplete), or the command line was wrong.
    Incomplete = 2,
}

impl Exit {
    /// The exit code for a finished scan: an incomplete scan wins over findings, because a CI
    /// gate must not pass on a scan that did not see everything.
    pub fn for_outcome(outcome: &ScanOutcome) -> Exit {
        if outcome.incomplete() {
            Exit::Incomplete
        } else if outcome.findings.is_empty() {
            Exit::Clean
        } else {
            Exit::Findings
        }
    }
}
