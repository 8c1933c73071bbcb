//! Aggregate stage: distinct counting of items under Art. 11 of the interpretation (DOMAIN.md
//! "Project defaults"). One record about one person is one item, in its highest tier.
//! Identical records count once across all files; in tier C, records about the same person
//! (keyed by ID number, else phone, else card, else e-mail) merge into one item; in tiers A and
//! B every distinct record (a stay, a call, a position, a transaction) is its own item. A
//! position becomes a tier-A track item only when its person has at least two.
//!
//! Values are kept as keyed 64-bit SipHash-1-3 fingerprints (a random key per run, or a shared
//! key file for shards), never raw: memory grows with distinct records only, 40 bytes per
//! distinct record in the map (8 key + 32 entry) plus hash-table slack.

use crate::classify::{RecordFacts, TierPolicy};
use crate::finding::{Category, Kind, Tier};
use serde::{Deserialize, Serialize};
use siphasher::sip::SipHasher13;
use std::collections::hash_map::RandomState;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::hash::{BuildHasher, Hasher};

/// Deduplicated item counts.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ItemCounts {
    /// Items per tier.
    pub by_tier: BTreeMap<Tier, u64>,
    /// Items per tier and driving category.
    pub by_tier_category: BTreeMap<(Tier, Category), u64>,
    /// Records dropped as identical to one already counted.
    pub duplicate_records: u64,
    /// Tier-C records merged into a person already counted.
    pub merged_same_person: u64,
}

impl ItemCounts {
    /// Items in one tier.
    pub fn tier(&self, tier: Tier) -> u64 {
        self.by_tier.get(&tier).copied().unwrap_or(0)
    }

    fn count(&mut self, tier: Tier, category: Category) {
        *self.by_tier.entry(tier).or_default() += 1;
        *self.by_tier_category.entry((tier, category)).or_default() += 1;
    }
}

/// A record reduced to what counting needs: fingerprints instead of values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct HashedRecord {
    /// Keyed fingerprint of the record's text.
    #[serde(rename = "f")]
    fingerprint: u64,
    /// Keyed fingerprint of the person's strongest identifier.
    #[serde(rename = "p", default, skip_serializing_if = "Option::is_none")]
    person: Option<u64>,
    #[serde(rename = "t")]
    tier: Tier,
    #[serde(rename = "c")]
    category: Category,
    #[serde(rename = "pos", default, skip_serializing_if = "std::ops::Not::not")]
    position: bool,
}

/// Keyed SipHash-1-3 fingerprints, shared by all worker threads of one run. The key is secret:
/// an 11-digit phone number behind an unkeyed hash is found by brute force in seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecordHasher {
    key: [u64; 2],
}

impl Default for RecordHasher {
    fn default() -> Self {
        RecordHasher::new()
    }
}

impl RecordHasher {
    /// A hasher with a fresh random key.
    pub fn new() -> Self {
        // RandomState is seeded from the operating system's randomness.
        let state = RandomState::new();
        RecordHasher { key: [state.hash_one(0x5049_4953_u64), state.hash_one(0x4341_4e5f_u64)] }
    }

    /// A hasher with a given key (shards of one export must share it to be merged).
    pub fn with_key(key: [u64; 2]) -> Self {
        RecordHasher { key }
    }

    /// The key, for writing a key file.
    pub fn key(&self) -> [u64; 2] {
        self.key
    }

    /// A value that identifies the key without revealing it.
    pub fn key_check(&self) -> u64 {
        self.bytes(b"piiscan key check")
    }

    fn bytes(&self, data: &[u8]) -> u64 {
        let mut h = SipHasher13::new_with_keys(self.key[0], self.key[1]);
        h.write(data);
        h.finish()
    }

    fn identifier(&self, kind: Kind, value: &str) -> u64 {
        let mut h = SipHasher13::new_with_keys(self.key[0], self.key[1]);
        h.write(kind.name().as_bytes());
        h.write(&[0xFF]);
        h.write(value.as_bytes());
        h.finish()
    }

    /// Drops a record's values, keeping keyed fingerprints of its text (`record_text`, the bytes
    /// of its span: two stays of one guest differ in their dates) and of its person.
    pub fn hash(&self, record: &RecordFacts, record_text: &[u8]) -> HashedRecord {
        HashedRecord {
            fingerprint: self.bytes(record_text.trim_ascii()),
            person: record.person.as_ref().map(|(k, v)| self.identifier(*k, v)),
            tier: record.tier,
            category: record.category,
            position: record.position,
        }
    }
}

/// The counting state: every distinct record seen, as fingerprints. Counts are computed from
/// it at the end and do not depend on the order records arrive in, so states of separate runs
/// merge into exactly the state of one run over everything.
#[derive(Debug, Clone, Default)]
pub struct Tally {
    records: HashMap<u64, HashedRecord>,
    duplicates: u64,
}

impl Tally {
    /// An empty tally.
    pub fn new() -> Self {
        Tally::default()
    }

    /// Adds one record; an identical one already present is a duplicate (Art. 11 ¶3).
    pub fn add(&mut self, record: HashedRecord) {
        match self.records.entry(record.fingerprint) {
            std::collections::hash_map::Entry::Occupied(_) => self.duplicates += 1,
            std::collections::hash_map::Entry::Vacant(v) => {
                v.insert(record);
            }
        }
    }

    /// Adds everything another tally (or a saved state) holds.
    pub fn merge(&mut self, other: Tally) {
        self.duplicates += other.duplicates;
        for record in other.records.into_values() {
            self.add(record);
        }
    }

    /// Distinct records held.
    pub fn len(&self) -> usize {
        self.records.len()
    }

    /// Whether no record is held.
    pub fn is_empty(&self) -> bool {
        self.records.is_empty()
    }

    /// The items: tracks resolved, tier-C records merged per person, A/B records each counted.
    pub fn counts(&self) -> ItemCounts {
        let mut counts = ItemCounts { duplicate_records: self.duplicates, ..ItemCounts::default() };
        let mut positions: HashMap<u64, Vec<&HashedRecord>> = HashMap::new();
        let mut rest: Vec<&HashedRecord> = Vec::with_capacity(self.records.len());
        for r in self.records.values() {
            match (r.position, r.person) {
                (true, Some(person)) => positions.entry(person).or_default().push(r),
                _ => rest.push(r),
            }
        }
        for points in positions.into_values() {
            if points.len() >= 2 {
                for _ in &points {
                    counts.count(Tier::A, Category::Whereabouts);
                }
            } else {
                rest.extend(points);
            }
        }
        // In tier C a person is one item however many records name them; which record stands
        // for the person does not matter, since all are tier C.
        let mut people = HashSet::new();
        for r in rest {
            if r.tier == Tier::C {
                if let Some(person) = r.person {
                    if !people.insert(person) {
                        counts.merged_same_person += 1;
                        continue;
                    }
                }
            }
            counts.count(r.tier, r.category);
        }
        counts
    }

    /// The state as written by `--summary-out`.
    pub fn to_state(&self, hasher: &RecordHasher, policy: TierPolicy) -> SummaryState {
        let mut records: Vec<HashedRecord> = self.records.values().copied().collect();
        records.sort_by_key(|r| r.fingerprint);
        SummaryState {
            format: STATE_FORMAT.to_string(),
            policy: policy_name(policy).to_string(),
            key_check: format!("{:016x}", hasher.key_check()),
            duplicates: self.duplicates,
            records,
        }
    }

    /// A tally from a saved state.
    pub fn from_state(state: SummaryState) -> Tally {
        let mut tally = Tally { duplicates: state.duplicates, ..Tally::default() };
        for r in state.records {
            tally.add(r);
        }
        tally
    }
}

const STATE_FORMAT: &str = "piiscan-summary-1";

fn policy_name(policy: TierPolicy) -> &'static str {
    match policy {
        TierPolicy::Textual => "textual",
        TierPolicy::Strict => "strict",
    }
}

/// The mergeable counting state of one run (`--summary-out`), read back by `piiscan merge`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SummaryState {
    /// Format tag.
    pub format: String,
    /// The tier policy the records were classified under.
    pub policy: String,
    /// Identifies the fingerprint key without revealing it.
    pub key_check: String,
    /// Duplicates already dropped in this run.
    pub duplicates: u64,
    /// Every distinct record.
    pub records: Vec<HashedRecord>,
}

/// Why saved states cannot be merged.
#[derive(Debug, thiserror::Error)]
pub enum StateError {
    /// Unreadable or not a state file.
    #[error("{path}: {cause}")]
    Read {
        /// The file.
        path: String,
        /// What went wrong.
        cause: String,
    },
    /// Fingerprints made with different keys cannot be compared.
    #[error("{path}: written with a different key than {first}; scan every shard with the same --summary-key FILE")]
    KeyMismatch {
        /// The file.
        path: String,
        /// The first file.
        first: String,
    },
    /// Records classified under different tier policies.
    #[error("{path}: tier policy {policy} differs from {first}'s")]
    PolicyMismatch {
        /// The file.
        path: String,
        /// Its policy.
        policy: String,
        /// The first file.
        first: String,
    },
}

/// Reads a state file.
pub fn read_state(path: &std::path::Path) -> Result<SummaryState, StateError> {
    let err = |cause: String| StateError::Read { path: path.display().to_string(), cause };
    let text = std::fs::read(path).map_err(|e| err(e.to_string()))?;
    let state: SummaryState =
        serde_json::from_slice(&text).map_err(|e| err(format!("not a piiscan summary state: {e}")))?;
    if state.format != STATE_FORMAT {
        return Err(err(format!("unknown format {:?} (expected {STATE_FORMAT})", state.format)));
    }
    Ok(state)
}

/// Merges state files into one tally; all must share key and policy. Returns the tally and the
/// policy.
pub fn merge_states(paths: &[std::path::PathBuf]) -> Result<(Tally, TierPolicy), StateError> {
    let mut tally = Tally::new();
    let mut first: Option<(String, String, String)> = None;
    for path in paths {
        let state = read_state(path)?;
        let name = path.display().to_string();
        match &first {
            None => first = Some((name.clone(), state.key_check.clone(), state.policy.clone())),
            Some((first_name, key, policy)) => {
                if &state.key_check != key {
                    return Err(StateError::KeyMismatch { path: name, first: first_name.clone() });
                }
                if &state.policy != policy {
                    return Err(StateError::PolicyMismatch {
                        path: name,
                        policy: state.policy,
                        first: first_name.clone(),
                    });
                }
            }
        }
        tally.merge(Tally::from_state(state));
    }
    let policy = match first.as_ref().map(|f| f.2.as_str()) {
        Some("strict") => TierPolicy::Strict,
        _ => TierPolicy::Textual,
    };
    Ok((tally, policy))
}

/// Reads a key file (32 hex digits), creating it with a random key if it does not exist.
pub fn load_or_create_key(path: &std::path::Path) -> Result<RecordHasher, StateError> {
    let err = |cause: String| StateError::Read { path: path.display().to_string(), cause };
    match std::fs::read_to_string(path) {
        Ok(text) => {
            let hex = text.trim();
            let parse = |s: &str| u64::from_str_radix(s, 16).map_err(|e| err(format!("not a key: {e}")));
            // Checked as ASCII hex before slicing: a key file is user input, and slicing a
            // multi-byte character in two panics.
            if hex.len() != 32 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
                return Err(err("not a key: expected 32 hex digits".into()));
            }
            Ok(RecordHasher::with_key([parse(&hex[..16])?, parse(&hex[16..])?]))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let hasher = RecordHasher::new();
            let [a, b] = hasher.key();
            crate::fingerprint::write_private(path, format!("{a:016x}{b:016x}\n").as_bytes())
                .map_err(|e| err(e.to_string()))?;
            Ok(hasher)
        }
        Err(e) => Err(err(e.to_string())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::RecordSpan;

    fn record(tier: Tier, category: Category, person: &str, extra: &str, position: bool) -> (RecordFacts, String) {
        let facts = RecordFacts {
            span: RecordSpan { start: 0, end: 1 },
            tier,
            category,
            position,
            person: Some((Kind::Mobile, person.into())),
            content: vec![(Kind::Mobile, person.into()), (Kind::Email, extra.into())],
        };
        (facts, format!("{person},{extra}"))
    }

    #[test]
    fn identical_records_once_same_person_once_in_c() {
        let h = RecordHasher::new();
        let mut t = Tally::new();
        let (f, text) = record(Tier::C, Category::Contact, "13800138000", "a@qq.com", false);
        t.add(h.hash(&f, text.as_bytes()));
        let (f, text) = record(Tier::C, Category::Contact, "13800138000", "a@qq.com", false);
        t.add(h.hash(&f, text.as_bytes()));
        let (f, text) = record(Tier::C, Category::Contact, "13800138000", "b@qq.com", false);
        t.add(h.hash(&f, text.as_bytes()));
        let (f, text) = record(Tier::B, Category::Accommodation, "13800138000", "stay1", false);
        t.add(h.hash(&f, text.as_bytes()));
        let (f, text) = record(Tier::B, Category::Accommodation, "13800138000", "stay2", false);
        t.add(h.hash(&f, text.as_bytes()));
        let c = t.counts();
        assert_eq!((c.tier(Tier::A), c.tier(Tier::B), c.tier(Tier::C)), (0, 2, 1));
        assert_eq!((c.duplicate_records, c.merged_same_person), (1, 1));
    }

    #[test]
    fn merged_states_equal_one_run() {
        let h = RecordHasher::new();
        let all: Vec<(RecordFacts, String)> = vec![
            record(Tier::C, Category::Contact, "13800138000", "a", false),
            record(Tier::C, Category::Contact, "13800138000", "b", false),
            record(Tier::B, Category::Accommodation, "13900139000", "stay", false),
            record(Tier::C, Category::Contact, "13700137000", "p1", true),
            record(Tier::C, Category::Contact, "13700137000", "p2", true),
        ];
        let mut whole = Tally::new();
        let (mut left, mut right) = (Tally::new(), Tally::new());
        for (i, (f, text)) in all.iter().enumerate() {
            whole.add(h.hash(f, text.as_bytes()));
            // Shards overlap: record 2 is in both.
            if i <= 2 {
                left.add(h.hash(f, text.as_bytes()));
            }
            if i >= 2 {
                right.add(h.hash(f, text.as_bytes()));
            }
        }
        let state = right.to_state(&h, TierPolicy::Textual);
        let json = serde_json::to_string(&state).expect("serialise");
        let back: SummaryState = serde_json::from_str(&json).expect("parse");
        left.merge(Tally::from_state(back));
        let (merged, one) = (left.counts(), whole.counts());
        assert_eq!(merged.by_tier_category, one.by_tier_category);
        assert_eq!(merged.duplicate_records, one.duplicate_records + 1);
        assert!(!json.contains("13800138000"));
    }

    #[test]
    fn two_positions_make_a_track() {
        let h = RecordHasher::new();
        let mut t = Tally::new();
        let (f, text) = record(Tier::C, Category::Contact, "13800138000", "p1", true);
        t.add(h.hash(&f, text.as_bytes()));
        let (f, text) = record(Tier::C, Category::Contact, "13800138000", "p2", true);
        t.add(h.hash(&f, text.as_bytes()));
        let (f, text) = record(Tier::C, Category::Contact, "13900139000", "p1", true);
        t.add(h.hash(&f, text.as_bytes()));
        let c = t.counts();
        assert_eq!((c.tier(Tier::A), c.tier(Tier::C)), (2, 1));
        assert_eq!(c.by_tier_category.get(&(Tier::A, Category::Whereabouts)), Some(&2));
    }
}
