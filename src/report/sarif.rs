//! The `sarif` format: SARIF 2.1.0, as GitHub and GitLab code scanning read it. One rule per
//! kind (name, help, `security-severity`, tags for the legal category), one result per finding
//! listed, with a masked message, a URI relative to the scan root (inner archive paths after a
//! `!`), a region and `partialFingerprints`; what was not scanned becomes tool notifications.
//! `tests/report.rs` validates the output against the official schema.

use super::{shown_value, ReportOptions};
use crate::classify::category;
use crate::finding::{Finding, Kind};
use crate::scan::ScanOutcome;
use serde_json::{json, Value};
use std::collections::BTreeSet;
use std::io::{self, Write};
use std::path::{Component, Path};

/// The key of piiscan's fingerprints in `partialFingerprints`.
pub const FINGERPRINT_KEY: &str = "piiscan/v1";

/// Writes the SARIF log.
pub fn write(out: &mut dyn Write, outcome: &ScanOutcome, options: &ReportOptions) -> io::Result<()> {
    let mut kinds: BTreeSet<Kind> = Kind::ALL.into_iter().collect();
    kinds.extend(outcome.findings.iter().map(|f| f.kind));
    let kinds: Vec<Kind> = kinds.into_iter().collect();
    let rules: Vec<Value> = kinds.iter().map(|&k| rule(k)).collect();
    let results: Vec<Value> = outcome
        .findings
        .iter()
        .map(|f| result(f, kinds.iter().position(|&k| k == f.kind).unwrap_or(0), options))
        .collect();
    let mut notifications: Vec<Value> = outcome
        .problems
        .iter()
        .map(|p| {
            json!({
                "level": if p.incomplete { "error" } else { "warning" },
                "message": { "text": p.to_string() },
            })
        })
        .collect();
    notifications.extend(outcome.skipped.iter().filter(|s| !s.reason.makes_incomplete()).map(|s| {
        json!({
            "level": "note",
            "message": { "text": format!("not scanned: {}: {} ({})", s.path, s.reason, s.detail) },
        })
    }));
    let mut run = json!({
        "tool": {
            "driver": {
                "name": "piiscan",
                "version": env!("CARGO_PKG_VERSION"),
                "rules": rules,
            }
        },
        "columnKind": "unicodeCodePoints",
        "results": results,
        "invocations": [{
            "executionSuccessful": !outcome.incomplete(),
            "toolExecutionNotifications": notifications,
        }],
    });
    if let Some(base) = &options.base {
        let mut uri = file_uri(base);
        if !uri.ends_with('/') {
            uri.push('/');
        }
        run["originalUriBaseIds"] = json!({ "SRCROOT": { "uri": uri } });
    }
    let log = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [run],
    });
    serde_json::to_writer_pretty(&mut *out, &log).map_err(io::Error::other)?;
    writeln!(out)
}

fn rule(kind: Kind) -> Value {
    let info = kind.info();
    let title = match kind {
        Kind::Custom(name) => format!("Custom rule {name}"),
        _ => info.title.to_string(),
    };
    let level = if info.security_severity >= 7.0 { "error" } else { "warning" };
    json!({
        "id": kind.rule_id(),
        "name": kind.name(),
        "shortDescription": { "text": title },
        "fullDescription": { "text": info.help },
        "help": { "text": info.help },
        "defaultConfiguration": { "level": level },
        "properties": {
            "security-severity": format!("{:.1}", info.security_severity),
            "tags": ["privacy", "pii", format!("category:{}", category(kind).name())],
        },
    })
}

fn result(f: &Finding, rule_index: usize, options: &ReportOptions) -> Value {
    let (uri, base) = artifact_uri(&f.path, options.base.as_deref());
    let mut location = json!({ "uri": uri });
    if base {
        location["uriBaseId"] = json!("SRCROOT");
    }
    let level = match (f.tier, f.confidence) {
        (_, crate::finding::Confidence::Low) => "note",
        (crate::finding::Tier::A | crate::finding::Tier::B, _) => "error",
        _ => "warning",
    };
    let mut result = json!({
        "ruleId": f.kind.rule_id(),
        "ruleIndex": rule_index,
        "level": level,
        "message": {
            "text": format!(
                "{} {} ({}, tier {}, {} confidence)",
                f.kind.name(),
                shown_value(f, options),
                f.category.name(),
                f.tier.name(),
                f.confidence.name()
            ),
        },
        "locations": [{
            "physicalLocation": {
                "artifactLocation": location,
                "region": {
                    "startLine": f.line,
                    "startColumn": f.column,
                    "byteOffset": f.offset,
                    "byteLength": f.length,
                },
            },
        }],
        "properties": {
            "kind": f.kind.name(),
            "category": f.category.name(),
            "tier": f.tier.name(),
            "confidence": f.confidence.name(),
            "tags": [format!("category:{}", f.category.name()), format!("tier:{}", f.tier.name())],
        },
    });
    if let Some(fp) = f.fingerprint {
        result["partialFingerprints"] = json!({ FINGERPRINT_KEY: fp.to_string() });
    }
    if let Some(commit) = &f.commit {
        result["properties"]["commit"] = json!(commit.commit);
        result["properties"]["author_date"] = json!(commit.author_date);
    }
    result
}

/// The URI of a finding's path, and whether it is relative to the scan root (`SRCROOT`). An
/// inner path (`exports.zip!2024/users.csv`) keeps its `!`: the file's URI, `!`, the member's.
fn artifact_uri(path: &str, base: Option<&Path>) -> (String, bool) {
    let (file, inner) = match path.split_once('!') {
        Some((file, inner)) => (file, Some(inner)),
        None => (path, None),
    };
    let file_path = Path::new(file);
    let relative = match base {
        Some(base) if file_path.is_absolute() => file_path.strip_prefix(base).ok().map(Path::to_path_buf),
        _ if file_path.is_absolute() => None,
        _ => Some(file_path.components().filter(|c| !matches!(c, Component::CurDir)).collect()),
    };
    let mut uri = match &relative {
        Some(rel) => encode(&rel.to_string_lossy()),
        None => file_uri(file_path),
    };
    if let Some(inner) = inner {
        uri.push('!');
        uri.push_str(&encode(inner));
    }
    (uri, relative.is_some())
}

/// A `file://` URI for an absolute path.
fn file_uri(path: &Path) -> String {
    let text = path.to_string_lossy().replace('\\', "/");
    let text = if text.starts_with('/') { text } else { format!("/{text}") };
    format!("file://{}", encode(&text))
}

/// Percent-encodes what a URI path cannot hold as it is (RFC 3986 `pchar` plus `/`).
fn encode(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for b in path.bytes() {
        let keep = b.is_ascii_alphanumeric() || b"-._~/!$&'()*+,;=:@".contains(&b);
        if keep {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris_are_relative_to_the_root_and_keep_inner_paths() {
        let base = Path::new("/repo");
        assert_eq!(artifact_uri("./src/a b.csv", Some(base)), ("src/a%20b.csv".to_string(), true));
        assert_eq!(
            artifact_uri("/repo/exports.zip!2024/用户.csv", Some(base)).0,
            "exports.zip!2024/%E7%94%A8%E6%88%B7.csv"
        );
        assert_eq!(artifact_uri("/elsewhere/x#1.txt", Some(base)), ("file:///elsewhere/x%231.txt".to_string(), false));
        assert_eq!(artifact_uri("<stdin>", Some(base)).0, "%3Cstdin%3E");
    }
}
