//! Aggregate stage: distinct counting of items under Art. 11 of the interpretation (DOMAIN.md
//! "Project defaults"). One record about one person is one item, in its highest tier.
//! Identical records count once across all files; in tier C, records about the same person
//! (keyed by ID number, else phone, else card, else e-mail) merge into one item; in tiers A and
//! B every distinct record (a stay, a call, a position, a transaction) is its own item. A
//! position becomes a tier-A track item only when its person has at least two.
//!
//! Values are kept as keyed 64-bit SipHash fingerprints (random key per run), never raw:
//! memory grows with distinct items only, about 16 bytes per item in the hash sets plus 24
//! per pending position.

use crate::classify::RecordFacts;
use crate::finding::{Category, Tier};
use std::collections::hash_map::RandomState;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::hash::{BuildHasher, Hash};

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

#[derive(Debug, Clone, Copy)]
struct PendingPosition {
    fallback_tier: Tier,
    fallback_category: Category,
}

/// A record reduced to what counting needs: fingerprints instead of values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HashedRecord {
    fingerprint: u64,
    person: Option<u64>,
    tier: Tier,
    category: Category,
    position: bool,
}

/// Keyed fingerprints of records, shared by all worker threads of one run.
#[derive(Debug, Clone, Default)]
pub struct RecordHasher {
    key: RandomState,
}

impl RecordHasher {
    /// A hasher with a fresh random key.
    pub fn new() -> Self {
        RecordHasher { key: RandomState::new() }
    }

    fn fingerprint(&self, value: impl Hash) -> u64 {
        self.key.hash_one(value)
    }

    /// Drops a record's values, keeping keyed fingerprints of its text (`record_text`, the bytes
    /// of its span: two stays of one guest differ in their dates) and of its person.
    pub fn hash(&self, record: &RecordFacts, record_text: &[u8]) -> HashedRecord {
        HashedRecord {
            fingerprint: self.fingerprint(record_text.trim_ascii()),
            person: record.person.as_ref().map(|(k, v)| self.fingerprint((k.name(), v.as_str()))),
            tier: record.tier,
            category: record.category,
            position: record.position,
        }
    }
}

/// The running tally. Feed records in a deterministic order (file order, then offset).
#[derive(Debug, Clone, Default)]
pub struct Tally {
    seen_records: HashSet<u64>,
    seen_people: HashSet<u64>,
    positions: HashMap<u64, Vec<PendingPosition>>,
    counts: ItemCounts,
}

impl Tally {
    /// An empty tally.
    pub fn new() -> Self {
        Tally::default()
    }

    /// Counts one record.
    pub fn add(&mut self, record: HashedRecord) {
        if !self.seen_records.insert(record.fingerprint) {
            self.counts.duplicate_records += 1;
            return;
        }
        if let (true, Some(person)) = (record.position, record.person) {
            let pending = PendingPosition { fallback_tier: record.tier, fallback_category: record.category };
            self.positions.entry(person).or_default().push(pending);
            return;
        }
        self.count_record(record.tier, record.category, record.person);
    }

    fn count_record(&mut self, tier: Tier, category: Category, person: Option<u64>) {
        if tier == Tier::C {
            if let Some(person) = person {
                if !self.seen_people.insert(person) {
                    self.counts.merged_same_person += 1;
                    return;
                }
            }
        }
        self.counts.count(tier, category);
    }

    /// Resolves tracks and returns the counts.
    pub fn finish(mut self) -> ItemCounts {
        let positions: Vec<(u64, Vec<PendingPosition>)> = self.positions.drain().collect();
        // Each person is resolved on its own, so the (random) map order cannot change a count.
        for (person, points) in positions {
            if points.len() >= 2 {
                for _ in &points {
                    self.counts.count(Tier::A, Category::Whereabouts);
                }
            } else {
                for p in points {
                    self.count_record(p.fallback_tier, p.fallback_category, Some(person));
                }
            }
        }
        self.counts
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::Kind;
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
        let c = t.finish();
        assert_eq!((c.tier(Tier::A), c.tier(Tier::B), c.tier(Tier::C)), (0, 2, 1));
        assert_eq!((c.duplicate_records, c.merged_same_person), (1, 1));
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
        let c = t.finish();
        assert_eq!((c.tier(Tier::A), c.tier(Tier::C)), (2, 1));
        assert_eq!(c.by_tier_category.get(&(Tier::A, Category::Whereabouts)), Some(&2));
    }
}
