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
pub mod baseline;
pub mod classify;
pub mod config;
pub mod container;
pub mod context;
pub mod detect;
pub mod error;
pub mod finding;
pub mod fingerprint;
pub mod git;
pub mod layout;
pub mod matcher;
pub mod positions;
pub mod progress;
pub mod reference;
pub mod report;
pub mod rules;
pub mod scan;
pub mod select;
pub mod severity;
pub mod sniff;
pub mod source;
pub mod user_toml;
pub mod walk;

pub use classify::TierPolicy;
pub use config::ScanConfig;
pub use finding::{Category, Confidence, Finding, Kind, Tier};
pub use scan::{run, ScanOutcome};

/// The process exit codes, documented in README and `--help`; `tests/cli.rs` checks each.
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
        Exit::for_outcome_at(outcome, config::FailOn::Any)
    }

    /// The exit code for a finished scan with `--fail-on LEVEL`: 1 only once the findings (or
    /// their severity estimate) reach the level; an incomplete scan is 2 whatever it found.
    pub fn for_outcome_at(outcome: &ScanOutcome, level: config::FailOn) -> Exit {
        if outcome.incomplete() {
            return Exit::Incomplete;
        }
        let any = outcome.stats.findings() > 0;
        let verdict = outcome.assessment.as_ref().map(|a| a.verdict);
        Exit::for_verdict(level, verdict, any)
    }

    /// The exit code for a severity estimate (`piiscan merge`) at `level`.
    pub fn for_verdict(level: config::FailOn, verdict: Option<severity::Verdict>, any: bool) -> Exit {
        let reached = match level {
            config::FailOn::Any => any,
            config::FailOn::Serious => verdict.is_some_and(|v| v >= severity::Verdict::Serious),
            config::FailOn::EspeciallySerious => verdict == Some(severity::Verdict::EspeciallySerious),
        };
        if reached {
            Exit::Findings
        } else {
            Exit::Clean
        }
    }
}
