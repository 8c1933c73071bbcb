//! The human format: `path:line:column: kind value (category, tier, confidence)` per finding,
//! then a summary with totals, findings per kind, elapsed time and throughput.

use super::{shown_value, ReportOptions};
use crate::finding::Tier;
use crate::scan::ScanOutcome;
use std::io::{self, Write};

struct Style {
    on: bool,
}

impl Style {
    fn paint(&self, code: &str, s: &str) -> String {
        if self.on {
            format!("\x1b[{code}m{s}\x1b[0m")
        } else {
            s.to_string()
        }
    }
}

/// Writes findings and the summary.
pub fn write(out: &mut dyn Write, outcome: &ScanOutcome, options: &ReportOptions) -> io::Result<()> {
    let style = Style { on: options.color };
    for f in &outcome.findings {
        let tier_color = match f.tier {
            Tier::A => "1;31",
            Tier::B => "31",
            Tier::C => "33",
        };
        writeln!(
            out,
            "{}:{}:{}: {} {}  ({}, tier {}, {})",
            style.paint("35", &f.path),
            style.paint("32", &f.line.to_string()),
            f.column,
            style.paint(tier_color, f.kind.name()),
            style.paint("1", &shown_value(f, options)),
            f.category.name(),
            f.tier.name(),
            f.confidence.name(),
        )?;
    }
    let s = &outcome.stats;
    let secs = outcome.elapsed.as_secs_f64();
    let mbps = if secs > 0.0 { s.bytes_scanned as f64 / 1e6 / secs } else { 0.0 };
    if !outcome.findings.is_empty() {
        writeln!(out)?;
    }
    writeln!(out, "{}", style.paint("1", "summary"))?;
    writeln!(
        out,
        "  files scanned: {} ({} bytes), binary skipped: {}, errors: {}, warnings: {}",
        s.files_scanned, s.bytes_scanned, s.binary_skipped, s.errors, s.warnings
    )?;
    let per_kind: Vec<String> = s.findings_by_kind.iter().map(|(k, n)| format!("{k} {n}")).collect();
    let per_kind = if per_kind.is_empty() { "none".to_string() } else { per_kind.join(", ") };
    writeln!(out, "  findings: {} ({per_kind})", s.findings())?;
    writeln!(out, "  elapsed: {secs:.3} s ({mbps:.1} MB/s)")
}
