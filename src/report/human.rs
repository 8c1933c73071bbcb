//! The human format: `path:line:column: kind value (category, tier, confidence) rule_id` per finding,
//! then a summary with totals, findings per kind, elapsed time and throughput.

use super::{shown_value, ReportOptions};
use crate::finding::Tier;
use crate::scan::ScanOutcome;
use crate::severity::{Assessment, Verdict};
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
        write!(
            out,
            "{}:{}:{}: {} {}  ({}, tier {}, {}) {}",
            style.paint("35", &f.path),
            style.paint("32", &f.line.to_string()),
            f.column,
            style.paint(tier_color, f.kind.name()),
            style.paint("1", &shown_value(f, options)),
            f.category.name(),
            f.tier.name(),
            f.confidence.name(),
            style.paint("2", &f.kind.rule_id()),
        )?;
        match &f.commit {
            Some(c) => writeln!(out, "  introduced in {} ({})", &c.commit[..c.commit.len().min(12)], c.author_date)?,
            None => writeln!(out)?,
        }
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
    if !outcome.skipped.is_empty() {
        let per_reason: Vec<String> = s.skipped.iter().map(|(r, n)| format!("{r} {n}")).collect();
        let hint = if options.verbose { "" } else { "; -v lists them" };
        writeln!(out, "  not scanned or not fully: {} ({}){hint}", outcome.skipped.len(), per_reason.join(", "))?;
        if options.verbose {
            for skipped in &outcome.skipped {
                writeln!(out, "    {}: {} ({})", skipped.path, skipped.reason, skipped.detail)?;
            }
        }
    }
    let per_kind: Vec<String> = s.findings_by_kind.iter().map(|(k, n)| format!("{k} {n}")).collect();
    let per_kind = if per_kind.is_empty() { "none".to_string() } else { per_kind.join(", ") };
    writeln!(out, "  findings: {} ({per_kind})", s.findings())?;
    if s.findings_not_listed > 0 {
        writeln!(out, "  not listed: {} (over --max-findings-per-file in some files)", s.findings_not_listed)?;
    }
    let suppressed = outcome.suppressed.by_reason();
    if !suppressed.is_empty() {
        let per_reason: Vec<String> = suppressed.iter().map(|(r, n)| format!("{} {n}", r.name())).collect();
        writeln!(out, "  not reported: {} ({})", suppressed.values().sum::<u64>(), per_reason.join(", "))?;
    }
    if let Some(stale) = &outcome.stale {
        writeln!(out, "  stale baseline entries: {}", stale.len())?;
        for (fp, path) in stale {
            writeln!(out, "    {fp} {path}")?;
        }
    }
    writeln!(out, "  elapsed: {secs:.3} s ({mbps:.1} MB/s)")?;
    if let (true, Some(a)) = (options.summary, &outcome.assessment) {
        write_assessment(out, a, options.color)?;
    }
    Ok(())
}

/// The assessment table.
pub fn write_assessment(out: &mut dyn Write, a: &Assessment, color: bool) -> io::Result<()> {
    let style = &Style { on: color };
    let verdict = match a.verdict {
        Verdict::None => style.paint("32", "none (below the quantity standards)"),
        Verdict::Serious => style.paint("1;33", "serious (情节严重)"),
        Verdict::EspeciallySerious => style.paint("1;31", "especially serious (情节特别严重)"),
    };
    writeln!(out)?;
    writeln!(out, "{}", style.paint("1", "assessment (Criminal Law Art. 253-1, Fa Shi [2017] No. 10 Art. 5)"))?;
    writeln!(out, "  tier   items  standard  share")?;
    for (tier, n, standard) in [("A", a.counts.a, 50u64), ("B", a.counts.b, 500), ("C", a.counts.c, 5000)] {
        writeln!(out, "  {tier:<5} {n:>6}  {standard:>8}  {:.3}", n as f64 / standard as f64)?;
    }
    writeln!(out, "  R = {:.3}   policy: {}   insider: {}", a.r, a.policy, if a.insider { "yes" } else { "no" })?;
    writeln!(out, "  verdict: {verdict}")?;
    writeln!(out, "  duplicates removed (Art. 11): {}", a.duplicates_removed)?;
    if let Some(spill) = &a.spilled {
        writeln!(
            out,
            "  counted past the memory budget: {} sorted runs ({} MiB) spilled to disk and merged; counts are exact",
            spill.runs,
            spill.bytes >> 20
        )?;
    }
    if !a.drivers.is_empty() {
        writeln!(out, "  driven by:")?;
        for d in &a.drivers {
            writeln!(out, "    {d}")?;
        }
    }
    writeln!(out, "  caveats:")?;
    for c in &a.caveats {
        writeln!(out, "    - {c}")?;
    }
    Ok(())
}
