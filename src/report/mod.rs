//! Report stage: one file per output format behind [`write_report`]. Values are masked unless
//! the user asked to reveal them ([`mask::mask`]); no format prints raw personal data otherwise.

pub mod human;
pub mod json;
pub mod mask;
pub mod sarif;

use crate::scan::ScanOutcome;
use std::io::{self, Write};

/// Output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Format {
    /// Lines for people, with a summary; colored on a terminal.
    #[default]
    Human,
    /// One JSON document with `findings` and `summary`.
    Json,
    /// One JSON object per finding per line.
    Jsonl,
    /// SARIF 2.1.0.
    Sarif,
}

/// How to render a report.
#[derive(Debug, Clone, Default)]
pub struct ReportOptions {
    /// The format.
    pub format: Format,
    /// Print raw values instead of masked ones.
    pub reveal: bool,
    /// Add the severity assessment.
    pub summary: bool,
    /// Use ANSI colors (human format only).
    pub color: bool,
    /// List every input not scanned, or not fully (human format; JSON always lists them).
    pub verbose: bool,
    /// The directory SARIF URIs are relative to (the current directory).
    pub base: Option<std::path::PathBuf>,
}

/// Writes the outcome in the chosen format.
pub fn write_report(out: &mut dyn Write, outcome: &ScanOutcome, options: &ReportOptions) -> io::Result<()> {
    match options.format {
        Format::Human => human::write(out, outcome, options),
        Format::Json => json::write_document(out, outcome, options),
        Format::Jsonl => json::write_lines(out, outcome, options),
        Format::Sarif => sarif::write(out, outcome, options),
    }
}

/// Writes an assessment alone (`piiscan merge`): the human table, or `{"assessment": {...}}`.
pub fn write_assessment_only(
    out: &mut dyn Write,
    assessment: &crate::severity::Assessment,
    options: &ReportOptions,
) -> io::Result<()> {
    match options.format {
        Format::Human => human::write_assessment(out, assessment, options.color),
        Format::Json | Format::Jsonl | Format::Sarif => json::write_assessment(out, assessment),
    }
}

/// The value to print for a finding.
pub(crate) fn shown_value(f: &crate::finding::Finding, options: &ReportOptions) -> String {
    if options.reveal {
        f.value.clone()
    } else {
        mask::mask(f.kind, &f.value, f.public_prefix_chars)
    }
}
