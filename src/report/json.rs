//! The `json` and `jsonl` formats. A finding object has exactly the keys of the output contract:
//! path, line, column, offset, length, kind, rule_id, category, tier, confidence, value, and
//! `fingerprint` when a fingerprint key is set; a finding of `--git-history` adds `commit` and
//! `author_date`.

use super::{shown_value, ReportOptions};
use crate::finding::{Category, Confidence, Finding, Kind, Tier};
use crate::fingerprint::Fingerprint;
use crate::scan::{ScanOutcome, Skipped};
use crate::select::Dropped;
use crate::severity::Assessment;
use serde::Serialize;
use std::collections::BTreeMap;
use std::io::{self, Write};

#[derive(Serialize)]
struct FindingOut<'a> {
    path: &'a str,
    line: u64,
    column: u64,
    offset: u64,
    length: u64,
    kind: Kind,
    rule_id: std::borrow::Cow<'static, str>,
    category: Category,
    tier: Tier,
    confidence: Confidence,
    value: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    fingerprint: Option<Fingerprint>,
    #[serde(skip_serializing_if = "Option::is_none")]
    commit: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    author_date: Option<&'a str>,
}

fn finding_out<'a>(f: &'a Finding, options: &ReportOptions) -> FindingOut<'a> {
    FindingOut {
        path: &f.path,
        line: f.line,
        column: f.column,
        offset: f.offset,
        length: f.length,
        kind: f.kind,
        rule_id: f.kind.rule_id(),
        category: f.category,
        tier: f.tier,
        confidence: f.confidence,
        value: shown_value(f, options),
        fingerprint: f.fingerprint,
        commit: f.commit.as_deref().map(|c| c.commit.as_str()),
        author_date: f.commit.as_deref().map(|c| c.author_date.as_str()),
    }
}

/// A baseline entry that matched nothing (`--report-stale`).
#[derive(Serialize)]
struct StaleOut<'a> {
    fingerprint: Fingerprint,
    path: &'a str,
}

fn stale_out(outcome: &ScanOutcome) -> Option<Vec<StaleOut<'_>>> {
    outcome
        .stale
        .as_ref()
        .map(|s| s.iter().map(|(fingerprint, path)| StaleOut { fingerprint: *fingerprint, path }).collect())
}

/// The marker of a capped listing.
#[derive(Serialize)]
struct TruncatedOut {
    findings_not_listed: u64,
    max_findings_per_file: usize,
}

fn truncated_out(outcome: &ScanOutcome) -> Option<TruncatedOut> {
    outcome
        .listing_cap
        .map(|cap| TruncatedOut { findings_not_listed: outcome.stats.findings_not_listed, max_findings_per_file: cap })
}

#[derive(Serialize)]
struct SummaryOut<'a> {
    files_scanned: u64,
    bytes_scanned: u64,
    binary_skipped: u64,
    skipped_by_reason: BTreeMap<&'static str, u64>,
    skipped: &'a [Skipped],
    errors: u64,
    warnings: u64,
    findings: u64,
    findings_by_kind: BTreeMap<&'static str, u64>,
    findings_not_listed: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    truncated: Option<TruncatedOut>,
    suppressed: BTreeMap<&'static str, u64>,
    below_min_confidence: BTreeMap<&'static str, u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    stale_baseline_entries: Option<Vec<StaleOut<'a>>>,
}

#[derive(Serialize)]
struct AssessmentLine<'a> {
    assessment: &'a Assessment,
}

fn to_io(e: serde_json::Error) -> io::Error {
    io::Error::other(e)
}

/// One JSON document: `{"findings": [...], "summary": {...}}`, with `"assessment"` when asked.
/// Each finding is one compact line inside the array (readable, and millions of findings are
/// written without building the document in memory); summary and assessment are indented.
/// Timing is left out so that the document is identical whatever the thread count.
pub fn write_document(out: &mut dyn Write, outcome: &ScanOutcome, options: &ReportOptions) -> io::Result<()> {
    let s = &outcome.stats;
    out.write_all(b"{\n  \"findings\": [")?;
    let mut line = Vec::with_capacity(256);
    for (i, f) in outcome.findings.iter().enumerate() {
        line.clear();
        line.extend_from_slice(if i == 0 { b"\n    " } else { b",\n    " });
        serde_json::to_writer(&mut line, &finding_out(f, options)).map_err(to_io)?;
        out.write_all(&line)?;
    }
    out.write_all(if outcome.findings.is_empty() { b"],\n" } else { b"\n  ],\n" })?;
    let summary = SummaryOut {
        files_scanned: s.files_scanned,
        bytes_scanned: s.bytes_scanned,
        binary_skipped: s.binary_skipped,
        skipped_by_reason: s.skipped.iter().map(|(r, n)| (r.name(), *n)).collect(),
        skipped: &outcome.skipped,
        errors: s.errors,
        warnings: s.warnings,
        findings: s.findings(),
        findings_by_kind: s.findings_by_kind.iter().map(|(k, v)| (k.name(), *v)).collect(),
        findings_not_listed: s.findings_not_listed,
        truncated: truncated_out(outcome),
        suppressed: outcome.suppressed.by_reason().into_iter().map(|(r, n)| (r.name(), n)).collect(),
        below_min_confidence: outcome
            .suppressed
            .by_kind(Dropped::BelowMinConfidence)
            .into_iter()
            .map(|(k, n)| (k.name(), n))
            .collect(),
        stale_baseline_entries: stale_out(outcome),
    };
    out.write_all(b"  \"summary\": ")?;
    write_indented(out, &summary)?;
    if let (true, Some(assessment)) = (options.summary, &outcome.assessment) {
        out.write_all(b",\n  \"assessment\": ")?;
        write_indented(out, assessment)?;
    }
    out.write_all(b"\n}\n")
}

/// Pretty JSON nested one level deep (two spaces more than serde_json's top level).
fn write_indented(out: &mut dyn Write, value: &impl Serialize) -> io::Result<()> {
    let text = serde_json::to_string_pretty(value).map_err(to_io)?;
    out.write_all(text.replace('\n', "\n  ").as_bytes())
}

/// One finding object per line; then, when some findings were not listed, a line
/// `{"truncated": {...}}`; with `--report-stale`, a line `{"stale_baseline_entries": [...]}`;
/// with `--summary`, a last line `{"assessment": {...}}`.
pub fn write_lines(out: &mut dyn Write, outcome: &ScanOutcome, options: &ReportOptions) -> io::Result<()> {
    let mut line = Vec::with_capacity(256);
    for f in &outcome.findings {
        line.clear();
        serde_json::to_writer(&mut line, &finding_out(f, options)).map_err(to_io)?;
        line.push(b'\n');
        out.write_all(&line)?;
    }
    if let Some(truncated) = truncated_out(outcome) {
        serde_json::to_writer(&mut *out, &serde_json::json!({ "truncated": truncated })).map_err(to_io)?;
        writeln!(out)?;
    }
    if let Some(stale) = stale_out(outcome) {
        serde_json::to_writer(&mut *out, &serde_json::json!({ "stale_baseline_entries": stale })).map_err(to_io)?;
        writeln!(out)?;
    }
    if let (true, Some(assessment)) = (options.summary, &outcome.assessment) {
        serde_json::to_writer(&mut *out, &AssessmentLine { assessment }).map_err(to_io)?;
        writeln!(out)?;
    }
    Ok(())
}

/// `{"assessment": {...}}` on one line.
pub fn write_assessment(out: &mut dyn Write, assessment: &Assessment) -> io::Result<()> {
    serde_json::to_writer(&mut *out, &AssessmentLine { assessment }).map_err(to_io)?;
    writeln!(out)
}
