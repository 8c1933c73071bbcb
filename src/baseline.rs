//! Baselines: the findings a repository already has, by keyed fingerprint, kind and path, never
//! by value, so that CI reports only what is new (`--baseline FILE`), and entries that no
//! longer match can be listed (`--report-stale`). Files are written atomically (a temporary
//! file beside the target, then a rename), so an interrupted run never leaves half a baseline.

use crate::finding::Kind;
use crate::fingerprint::{Fingerprint, Fingerprinter};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use std::io::Write;
use std::path::Path;

/// The format version written in baselines.
pub const VERSION: u32 = 1;

/// One known finding.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Entry {
    /// The finding's fingerprint.
    pub fingerprint: String,
    /// The rule id (`cn.mobile`).
    pub rule_id: String,
    /// The kind's name.
    pub kind: String,
    /// The path (or inner path) it was found at.
    pub path: String,
}

/// A baseline file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Baseline {
    /// [`VERSION`].
    pub version: u32,
    /// Names the key the fingerprints were made with ([`Fingerprinter::key_id`]).
    pub key_id: String,
    /// Whether paths entered the fingerprints.
    pub fingerprints_include_path: bool,
    /// The known findings, sorted.
    pub findings: Vec<Entry>,
}

/// A baseline that cannot be used.
#[derive(Debug, thiserror::Error)]
#[error("baseline {path}: {cause}")]
pub struct BaselineError {
    /// The file.
    pub path: String,
    /// Why.
    pub cause: String,
}

impl Baseline {
    /// A baseline of `found` (fingerprint, kind, path) made with `fingerprinter`.
    pub fn new(fingerprinter: &Fingerprinter, found: impl IntoIterator<Item = (Fingerprint, Kind, String)>) -> Self {
        let findings: BTreeSet<Entry> = found
            .into_iter()
            .map(|(fp, kind, path)| Entry {
                fingerprint: fp.to_string(),
                rule_id: kind.rule_id().into_owned(),
                kind: kind.name().to_string(),
                path,
            })
            .collect();
        Baseline {
            version: VERSION,
            key_id: fingerprinter.key_id(),
            fingerprints_include_path: fingerprinter.with_path(),
            findings: findings.into_iter().collect(),
        }
    }

    /// Reads a baseline made with the same key as `fingerprinter`.
    pub fn read(path: &Path, fingerprinter: &Fingerprinter) -> Result<Self, BaselineError> {
        let err = |cause: String| BaselineError { path: path.display().to_string(), cause };
        let text = std::fs::read(path).map_err(|e| err(e.to_string()))?;
        let baseline: Baseline = serde_json::from_slice(&text).map_err(|e| err(format!("not a baseline: {e}")))?;
        if baseline.version != VERSION {
            return Err(err(format!("version {} is not supported (expected {VERSION})", baseline.version)));
        }
        if baseline.key_id != fingerprinter.key_id() {
            return Err(err(
                "made with another fingerprint key: use the key it was made with (PIISCAN_FINGERPRINT_KEY or --fingerprint-key), or write a new baseline".into(),
            ));
        }
        if baseline.fingerprints_include_path != fingerprinter.with_path() {
            return Err(err("made with fingerprint_includes_path set otherwise: write a new baseline".into()));
        }
        for entry in &baseline.findings {
            entry.fingerprint.parse::<Fingerprint>().map_err(|e| err(format!("entry for {}: {e}", entry.path)))?;
        }
        Ok(baseline)
    }

    /// The `(fingerprint, path)` pairs, for matching.
    pub fn entries(&self) -> impl Iterator<Item = (Fingerprint, String)> + '_ {
        // Checked when read or made.
        self.findings.iter().filter_map(|e| Some((e.fingerprint.parse().ok()?, e.path.clone())))
    }

    /// Writes the baseline to `path` atomically.
    pub fn write(&self, path: &Path) -> Result<(), BaselineError> {
        let mut text = serde_json::to_vec_pretty(self)
            .map_err(|e| BaselineError { path: path.display().to_string(), cause: e.to_string() })?;
        text.push(b'\n');
        write_atomically(path, &text)
            .map_err(|e| BaselineError { path: path.display().to_string(), cause: e.to_string() })
    }
}

/// Writes `bytes` to `path` through a temporary file in the same directory and a rename, so
/// that readers see the old file or the new one, never a part.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let mut file = tempfile::NamedTempFile::new_in(dir)?;
    file.write_all(bytes)?;
    file.as_file().sync_all()?;
    file.persist(path).map_err(|e| e.error)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn written_atomically_read_back_and_keyed() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("baseline.json");
        let fingerprinter = Fingerprinter::new(b"sixteen bytes or more", false);
        let fp = fingerprinter.fingerprint(Kind::Mobile, "13800138000", "a.csv");
        let baseline = Baseline::new(&fingerprinter, [(fp, Kind::Mobile, "a.csv".to_string())]);
        baseline.write(&path).expect("write");
        let text = std::fs::read_to_string(&path).expect("read");
        assert!(!text.contains("13800138000") && text.contains("cn.mobile"), "{text}");
        assert_eq!(Baseline::read(&path, &fingerprinter).expect("read"), baseline);
        assert_eq!(baseline.entries().collect::<Vec<_>>(), [(fp, "a.csv".to_string())]);
        let other = Fingerprinter::new(b"another key of 16 bytes", false);
        assert!(Baseline::read(&path, &other).expect_err("other key").to_string().contains("another fingerprint key"));
        std::fs::write(&path, "{").expect("write");
        assert!(Baseline::read(&path, &fingerprinter).is_err());
        // Nothing else was left in the directory.
        assert_eq!(std::fs::read_dir(dir.path()).expect("dir").count(), 1);
    }
}
