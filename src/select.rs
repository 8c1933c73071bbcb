//! Select stage, between validation and classification: which validated detections are
//! reported. Kinds chosen or left out (`--kinds`, `--exclude-kinds`), a confidence floor
//! (`--min-confidence`), inline `piiscan:allow` markers, the config file's allowlist (values or
//! fingerprints), a baseline of known findings, and, for git diffs, the lines a change added.
//! What is dropped is counted per reason, never silently: a CI gate that passes says why.
//!
//! Selection runs on detections, before positions, classes and records, so that findings,
//! counts, the exit code and the severity estimate all agree on what was reported.

use crate::finding::{Confidence, Detection, Kind};
use crate::fingerprint::{Fingerprint, Fingerprinter};
use crate::matcher::marker_starts_word;
use serde::Serialize;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::ops::Range;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// The inline marker that allows the findings on its line and the line after it.
pub const ALLOW_MARKER: &[u8] = b"piiscan:allow";

/// Why a detection is not reported. The snake_case names are part of the JSON summary.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Dropped {
    /// Its kind is not selected (`--kinds`, `--exclude-kinds`, `kinds`, `exclude_kinds`).
    ExcludedKind,
    /// Its confidence is under `--min-confidence`.
    BelowMinConfidence,
    /// A `piiscan:allow` marker on its line or the line before.
    AllowMarker,
    /// An `allow` entry of the config file names its value or fingerprint.
    Allowlist,
    /// It is in the baseline.
    Baseline,
}

impl Dropped {
    /// The name used in output.
    pub fn name(self) -> &'static str {
        match self {
            Dropped::ExcludedKind => "excluded_kind",
            Dropped::BelowMinConfidence => "below_min_confidence",
            Dropped::AllowMarker => "allow_marker",
            Dropped::Allowlist => "allowlist",
            Dropped::Baseline => "baseline",
        }
    }
}

/// Detections not reported, per reason and kind.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Suppressed(pub BTreeMap<(Dropped, Kind), u64>);

impl Suppressed {
    fn add(&mut self, why: Dropped, kind: Kind) {
        *self.0.entry((why, kind)).or_default() += 1;
    }

    /// Adds the counts of another text.
    pub fn merge(&mut self, other: &Suppressed) {
        for (key, n) in &other.0 {
            *self.0.entry(*key).or_default() += n;
        }
    }

    /// Totals per reason.
    pub fn by_reason(&self) -> BTreeMap<Dropped, u64> {
        let mut totals = BTreeMap::new();
        for ((why, _), n) in &self.0 {
            *totals.entry(*why).or_default() += n;
        }
        totals
    }

    /// Totals per kind for one reason.
    pub fn by_kind(&self, why: Dropped) -> BTreeMap<Kind, u64> {
        self.0.iter().filter(|((w, _), _)| *w == why).map(|((_, k), n)| (*k, *n)).collect()
    }
}

/// An `allow` entry of the config file: a value (of one kind, or any) or a fingerprint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Allow {
    /// A normalised value, optionally of one kind only.
    Value {
        /// The kind it applies to; `None` for any.
        kind: Option<Kind>,
        /// The value as detections normalise it (see [`normalise_allowed`]).
        value: String,
    },
    /// A fingerprint (as printed in JSON and baselines).
    Fingerprint(Fingerprint),
}

/// A value as written in an allowlist, compared the way detections normalise values: without
/// spaces and dashes (phone and card groups), lower case (e-mail), `+86`/`0086` dropped.
pub fn normalise_allowed(value: &str) -> String {
    let compact: String = value.chars().filter(|c| !c.is_whitespace() && *c != '-').collect::<String>().to_lowercase();
    let digits_only = |s: &str| s.len() == 11 && s.bytes().all(|b| b.is_ascii_digit());
    for prefix in ["+86", "0086"] {
        if let Some(rest) = compact.strip_prefix(prefix) {
            if digits_only(rest) {
                return rest.to_string();
            }
        }
    }
    compact
}

/// A baseline's entries, with which of them matched in this scan.
#[derive(Debug, Default)]
pub struct BaselineSet {
    index: HashMap<(Fingerprint, String), usize>,
    matched: Vec<AtomicBool>,
}

impl BaselineSet {
    /// A set of `(fingerprint, path)` entries.
    pub fn new(entries: impl IntoIterator<Item = (Fingerprint, String)>) -> Self {
        let mut index = HashMap::new();
        for entry in entries {
            let next = index.len();
            index.entry(entry).or_insert(next);
        }
        let matched = (0..index.len()).map(|_| AtomicBool::new(false)).collect();
        BaselineSet { index, matched }
    }

    fn contains(&self, fingerprint: Fingerprint, path: &str) -> bool {
        match self.index.get(&(fingerprint, path.to_string())) {
            Some(&i) => {
                self.matched[i].store(true, Ordering::Relaxed);
                true
            }
            None => false,
        }
    }

    /// The entries that matched no finding (`--report-stale`), sorted.
    pub fn stale(&self) -> Vec<(Fingerprint, String)> {
        let mut stale: Vec<(Fingerprint, String)> = self
            .index
            .iter()
            .filter(|(_, &i)| !self.matched[i].load(Ordering::Relaxed))
            .map(|(entry, _)| entry.clone())
            .collect();
        stale.sort();
        stale
    }
}

/// Which detections are reported.
#[derive(Debug, Clone, Default)]
pub struct Selection {
    /// Only these kinds (`None`: every kind).
    pub kinds: Option<Vec<Kind>>,
    /// Never these kinds.
    pub exclude_kinds: Vec<Kind>,
    /// The confidence floor.
    pub min_confidence: Option<Confidence>,
    /// The config file's allowlist.
    pub allow: Vec<Allow>,
    /// Known findings not to report again.
    pub baseline: Option<Arc<BaselineSet>>,
    /// Fingerprints for the allowlist, the baseline and the output.
    pub fingerprinter: Option<Fingerprinter>,
    /// The kinds of the user's rules, which allow markers may name.
    pub user_kinds: Vec<Kind>,
}

/// One text's part of the selection.
#[derive(Debug, Clone, Copy, Default)]
pub struct TextSelection<'a> {
    /// The text's name, as its findings show it.
    pub name: &'a str,
    /// For a file of a git diff: the byte ranges (in the input's own bytes) of the lines the
    /// change added; other lines are not part of the scan.
    pub added: Option<&'a [Range<u64>]>,
}

impl Selection {
    /// The selection that reports every detection (tests, benches, the library's defaults).
    pub fn everything() -> &'static Selection {
        static EVERYTHING: std::sync::OnceLock<Selection> = std::sync::OnceLock::new();
        EVERYTHING.get_or_init(Selection::default)
    }

    /// Whether every detection is reported as it is (nothing to check).
    pub fn is_everything(&self) -> bool {
        self.kinds.is_none()
            && self.exclude_kinds.is_empty()
            && self.min_confidence.is_none()
            && self.allow.is_empty()
            && self.baseline.is_none()
    }

    /// Keeps the detections to report (offsets in the text). `window` holds the scanned text
    /// from `origin` on (at least the lines of the detections and the line before each);
    /// `original` maps a text offset to the input's own bytes. `markers` are the allow markers
    /// the matcher saw in the piece that starts at the given text offset (the line before it is
    /// searched here); `None` searches the whole window for them.
    #[allow(clippy::too_many_arguments)]
    pub fn retain(
        &self,
        detections: &mut Vec<Detection>,
        window: &[u8],
        origin: usize,
        markers: Option<(&[usize], usize)>,
        text: TextSelection,
        original: &dyn Fn(usize) -> usize,
        suppressed: &mut Suppressed,
    ) {
        if detections.is_empty() {
            return;
        }
        let allowances = allowances(window, origin, markers, &self.user_kinds);
        if self.is_everything() && allowances.is_empty() && text.added.is_none() {
            return;
        }
        if allowances.is_empty() && self.only_confidence() && text.added.is_none() {
            // The common case, with millions of detections in a dense export: one comparison.
            let floor = self.min_confidence.unwrap_or(Confidence::Low);
            detections.retain(|d| {
                let keep = d.confidence >= floor;
                if !keep {
                    suppressed.add(Dropped::BelowMinConfidence, d.kind);
                }
                keep
            });
            return;
        }
        let mut allowed_values: HashMap<&str, Vec<Option<Kind>>> = HashMap::new();
        let mut allowed_fingerprints = HashSet::new();
        for allow in &self.allow {
            match allow {
                Allow::Value { kind, value } => allowed_values.entry(value.as_str()).or_default().push(*kind),
                Allow::Fingerprint(fp) => {
                    allowed_fingerprints.insert(*fp);
                }
            }
        }
        let lists = Lists { allowances: &allowances, values: &allowed_values, fingerprints: &allowed_fingerprints };
        detections.retain(|d| match self.dropped(d, &lists, text, original) {
            Ok(()) => true,
            Err(Some(why)) => {
                suppressed.add(why, d.kind);
                false
            }
            Err(None) => false,
        });
    }

    /// Whether the confidence floor is all there is to check.
    fn only_confidence(&self) -> bool {
        self.kinds.is_none() && self.exclude_kinds.is_empty() && self.allow.is_empty() && self.baseline.is_none()
    }

    /// `Ok` to report; `Err(Some(why))` to drop and count; `Err(None)` outside the scanned
    /// lines of a diff.
    fn dropped(
        &self,
        d: &Detection,
        lists: &Lists,
        text: TextSelection,
        original: &dyn Fn(usize) -> usize,
    ) -> Result<(), Option<Dropped>> {
        if let Some(added) = text.added {
            let at = original(d.start) as u64;
            let i = added.partition_point(|r| r.end <= at);
            if added.get(i).is_none_or(|r| r.start > at) {
                return Err(None);
            }
        }
        if self.kinds.as_ref().is_some_and(|kinds| !kinds.contains(&d.kind)) || self.exclude_kinds.contains(&d.kind) {
            return Err(Some(Dropped::ExcludedKind));
        }
        if self.min_confidence.is_some_and(|floor| d.confidence < floor) {
            return Err(Some(Dropped::BelowMinConfidence));
        }
        if lists.allowances.iter().any(|a| a.allows(d)) {
            return Err(Some(Dropped::AllowMarker));
        }
        if lists.values.get(d.value.as_str()).is_some_and(|kinds| kinds.iter().any(|k| k.is_none_or(|k| k == d.kind))) {
            return Err(Some(Dropped::Allowlist));
        }
        if lists.fingerprints.is_empty() && self.baseline.is_none() {
            return Ok(());
        }
        let Some(fingerprinter) = &self.fingerprinter else { return Ok(()) };
        let fp = fingerprinter.fingerprint(d.kind, &d.value, text.name);
        if lists.fingerprints.contains(&fp) {
            return Err(Some(Dropped::Allowlist));
        }
        if self.baseline.as_ref().is_some_and(|b| b.contains(fp, text.name)) {
            return Err(Some(Dropped::Baseline));
        }
        Ok(())
    }
}

/// The allowlist as looked up per detection.
struct Lists<'a> {
    allowances: &'a [Allowance],
    values: &'a HashMap<&'a str, Vec<Option<Kind>>>,
    fingerprints: &'a HashSet<Fingerprint>,
}

/// What one allow marker allows: the lines it covers (its own and the next, in the text's
/// offsets) and the kinds it names (none: every kind).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Allowance {
    lines: Range<usize>,
    kinds: Vec<String>,
}

impl Allowance {
    fn allows(&self, d: &Detection) -> bool {
        self.lines.contains(&d.start)
            && (self.kinds.is_empty() || self.kinds.iter().any(|n| *n == d.kind.name() || *n == d.kind.rule_id()))
    }
}

/// The allowances of the markers at `markers` (text offsets; see [`Selection::retain`]), or of
/// every marker in `window` when they are not known.
fn allowances(window: &[u8], origin: usize, markers: Option<(&[usize], usize)>, user_kinds: &[Kind]) -> Vec<Allowance> {
    let found: Vec<usize> = match markers {
        Some((at, piece_start)) => {
            // A marker on the line before the piece covers its first line.
            let start = piece_start - origin;
            let before = match start {
                0 => Vec::new(),
                _ => {
                    let line = memchr::memrchr(b'\n', &window[..start - 1]).map_or(0, |p| p + 1);
                    memchr::memmem::find_iter(&window[line..start], ALLOW_MARKER)
                        .map(|p| line + p)
                        .filter(|&p| marker_starts_word(window, p))
                        .collect()
                }
            };
            before.into_iter().chain(at.iter().map(|&m| m - origin)).collect()
        }
        None => memchr::memmem::find_iter(window, ALLOW_MARKER).filter(|&p| marker_starts_word(window, p)).collect(),
    };
    found.into_iter().map(|at| allowance(window, at, origin, user_kinds)).collect()
}

/// The allowance of the marker at `at` (an offset in `window`, which starts at text offset
/// `origin`). `piiscan:allow` alone allows every kind; `piiscan:allow mobile,email` (names or
/// rule ids, comma- or space-separated) only those. A word after the marker that names no kind
/// (`piiscan:allow test fixture`) is a comment: the marker then allows every kind.
fn allowance(window: &[u8], at: usize, origin: usize, user_kinds: &[Kind]) -> Allowance {
    let line_start = memchr::memrchr(b'\n', &window[..at]).map_or(0, |p| p + 1);
    let line_end = memchr::memchr(b'\n', &window[at..]).map_or(window.len(), |p| at + p);
    let next_end = match line_end {
        end if end >= window.len() => window.len(),
        end => memchr::memchr(b'\n', &window[end + 1..]).map_or(window.len(), |p| end + 1 + p),
    };
    let rest = &window[(at + ALLOW_MARKER.len()).min(line_end)..line_end];
    // The marker's arguments: kind names up to the end of the line or a character that cannot
    // be part of one (`-->`, `*/`, a quote).
    let args_end = rest
        .iter()
        .position(|&b| !(b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b',' | b' ' | b'\t' | b':' | b'=')))
        .unwrap_or(rest.len());
    let args = String::from_utf8_lossy(&rest[..args_end]);
    let kinds = args
        .trim_start_matches([':', '='])
        .split([',', ' ', '\t'])
        .filter(|n| !n.is_empty() && names_a_kind(n, user_kinds))
        .map(str::to_string)
        .collect();
    Allowance { lines: origin + line_start..origin + next_end, kinds }
}

/// Whether `name` names a kind: a built-in name or rule id, or a user's kind by name or
/// `custom.` rule id; other words after a marker are a comment.
fn names_a_kind(name: &str, user_kinds: &[Kind]) -> bool {
    Kind::from_name_or_rule_id(name).is_some() || user_kinds.iter().any(|k| k.name() == name || k.rule_id() == name)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::{DetectOptions, Detector};

    fn reported(text: &str, selection: &Selection) -> Vec<(Kind, String)> {
        let mut detections = Detector::new(DetectOptions::default()).detect(text.as_bytes());
        let mut suppressed = Suppressed::default();
        let name = TextSelection { name: "a.txt", added: None };
        selection.retain(&mut detections, text.as_bytes(), 0, None, name, &|o| o, &mut suppressed);
        detections.iter().map(|d| (d.kind, d.value.to_string())).collect()
    }

    #[test]
    fn markers_allow_their_line_and_the_next_and_only_their_kinds() {
        let all = Selection::default();
        let text = "tel 13800138000 mail zhang.san@qq.com # piiscan:allow mobile\n13900139000\n13700137000\n";
        // The marker's kind on its line and the next; another kind on its line stays, and so
        // does its kind two lines down.
        assert_eq!(
            reported(text, &all),
            [(Kind::Email, "zhang.san@qq.com".to_string()), (Kind::Mobile, "13700137000".to_string())]
        );
        let text = "# piiscan:allow\ntel 13800138000 mail zhang.san@qq.com\n13700137000\n";
        assert_eq!(reported(text, &all), [(Kind::Mobile, "13700137000".to_string())]);
        let text = "<!-- piiscan:allow cn.mobile,pii.email -->\n13800138000 zhang.san@qq.com 11010519491231002X\n";
        assert_eq!(reported(text, &all), [(Kind::IdCard, "11010519491231002X".to_string())]);
        let text = "13800138000 // piiscan:allow test fixture\n";
        assert!(reported(text, &all).is_empty(), "a comment after the marker names no kind");
        // Glued to a word it is no marker, as the candidate pass sees it: searching for it must
        // agree, or the result would depend on where pieces are cut.
        let text = "xpiiscan:allow\n13800138000\n";
        assert_eq!(reported(text, &all), [(Kind::Mobile, "13800138000".to_string())]);
    }

    #[test]
    fn allowlist_values_apply_to_their_value_and_kind_only() {
        let selection = Selection {
            allow: vec![
                Allow::Value { kind: Some(Kind::Mobile), value: normalise_allowed("+86 138-0013-8000") },
                Allow::Value { kind: None, value: normalise_allowed("8.8.8.8") },
            ],
            ..Selection::default()
        };
        let text = "13800138000 13900139000 dns 8.8.8.8\n";
        assert_eq!(reported(text, &selection), [(Kind::Mobile, "13900139000".to_string())]);
    }

    #[test]
    fn kinds_confidence_fingerprints_and_baselines() {
        let fingerprinter = Fingerprinter::new(b"a key of sixteen bytes", false);
        let text = "13800138000 13900139000 zhang.san@qq.com\n";
        let only_email = Selection { kinds: Some(vec![Kind::Email]), ..Selection::default() };
        assert_eq!(reported(text, &only_email), [(Kind::Email, "zhang.san@qq.com".to_string())]);
        let no_email = Selection { exclude_kinds: vec![Kind::Email], ..Selection::default() };
        assert_eq!(reported(text, &no_email).len(), 2);
        let fp = fingerprinter.fingerprint(Kind::Mobile, "13800138000", "a.txt");
        let by_fingerprint = Selection {
            allow: vec![Allow::Fingerprint(fp)],
            fingerprinter: Some(fingerprinter.clone()),
            ..Selection::default()
        };
        assert_eq!(reported(text, &by_fingerprint).len(), 2);
        let baseline = Arc::new(BaselineSet::new([(fp, "a.txt".to_string()), (fp, "b.txt".to_string())]));
        let with_baseline =
            Selection { baseline: Some(baseline.clone()), fingerprinter: Some(fingerprinter), ..Selection::default() };
        assert_eq!(reported(text, &with_baseline).len(), 2);
        assert_eq!(baseline.stale(), [(fp, "b.txt".to_string())]);
    }

    #[test]
    fn diff_ranges_keep_only_added_lines() {
        let text = "13800138000\n13900139000\n13700137000\n";
        let mut detections = Detector::new(DetectOptions::default()).detect(text.as_bytes());
        let added = vec![12..24u64, 100..101];
        let sel = TextSelection { name: "a", added: Some(&added) };
        Selection::default().retain(&mut detections, text.as_bytes(), 0, None, sel, &|o| o, &mut Suppressed::default());
        let values: Vec<&str> = detections.iter().map(|d| d.value.as_str()).collect();
        assert_eq!(values, ["13900139000"]);
    }
}
