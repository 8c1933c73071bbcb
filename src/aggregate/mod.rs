//! Aggregate stage: distinct counting of items under Art. 11 of the interpretation (DOMAIN.md
//! "Project defaults"). One record about one person is one item, in its highest tier; the same
//! content counts once however and wherever it is written.
//!
//! - [`item`]: what a record contributes ([`items_of`]): keyed fingerprints of its normalised
//!   content, never of its bytes, in one of three sections (Position, Person, Record).
//! - [`Tally`] (`spill.rs`): the distinct items of a run in a memory budget; past it, sorted
//!   runs go to temporary files, and the end is one streaming k-way merge. Counts are exact.
//! - `state.rs`: the compact binary state of `--summary-out`, and [`merge_states`], which
//!   merges any number of states as one stream.
//!
//! Counting ([`ItemCounts`]) is one pass over the distinct items in key order (`hi`, section,
//! `lo`), so it does not depend on the order records arrive in, and the states of separate runs
//! merge into exactly the counts of one run over everything:
//!
//! - Record section: each distinct item, in the smallest class it was seen in.
//! - Position section, per person: two or more distinct positions are each a tier-A track item;
//!   a lone position falls back to its class (in tier C it is that person's Person item).
//! - Person section: one item per person, in the smallest class seen.

mod item;
mod merge;
mod spill;
mod state;

pub use item::{items_of, Class, Item, RecordHasher, Section};
pub use merge::merge_states;
pub use spill::{Finished, SpillInfo, Tally, DEFAULT_MEMORY_BUDGET};
pub use state::{read_header, StateHeader, StateTarget, STATE_VERSION};

use crate::classify::RecordFacts;
use crate::finding::{Category, Tier};
use item::TIERS;
use std::collections::BTreeMap;
use std::path::Path;

/// Deduplicated item counts.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ItemCounts {
    /// Items per tier.
    pub by_tier: BTreeMap<Tier, u64>,
    /// Items per tier and driving category.
    pub by_tier_category: BTreeMap<(Tier, Category), u64>,
    /// Items added, repeats included (a record with a card and its holder adds two).
    pub records_seen: u64,
    /// Items that were the same as one already counted (the same content again, or another
    /// tier-C record about a person already counted): `records_seen` minus the items.
    pub duplicates_removed: u64,
}

impl ItemCounts {
    /// Items in one tier.
    pub fn tier(&self, tier: Tier) -> u64 {
        self.by_tier.get(&tier).copied().unwrap_or(0)
    }

    /// Items in all tiers.
    pub fn items(&self) -> u64 {
        self.by_tier.values().sum()
    }
}

/// Counts distinct items streamed in ascending key order (each key once, in its smallest
/// class). Only the current person's group is held: positions are counted, not kept.
#[derive(Debug, Default)]
pub(crate) struct Counter {
    /// Items per tier and category index.
    cells: [[u64; Category::ALL.len()]; TIERS.len()],
    /// The person group being read (the `hi` of Position and Person items).
    group: Option<u64>,
    /// Distinct positions in the group.
    positions: u64,
    /// The class of the group's first position (what a lone position falls back to).
    lone: Option<Class>,
    /// The group's Person item, if any.
    person: Option<Class>,
    /// The last item pushed, to check the order.
    #[cfg(debug_assertions)]
    last: Option<Item>,
}

impl Counter {
    /// Adds the next distinct item.
    pub(crate) fn push(&mut self, item: &Item) {
        #[cfg(debug_assertions)]
        {
            debug_assert!(self.last.is_none_or(|l| l.key() < item.key()), "items out of order");
            self.last = Some(*item);
        }
        match item.section() {
            Section::Record => self.count(item.class(), 1),
            Section::Position | Section::Person => {
                if self.group != Some(item.hi()) {
                    self.close_group();
                    self.group = Some(item.hi());
                }
                if item.section() == Section::Position {
                    self.positions += 1;
                    self.lone.get_or_insert(item.class());
                } else {
                    self.person = Some(self.person.map_or(item.class(), |p| p.min(item.class())));
                }
            }
        }
    }

    fn count(&mut self, class: Class, n: u64) {
        self.cells[class.tier_index()][class.category_index()] += n;
    }

    /// Counts the finished person group: its track, or its lone position, and the person.
    fn close_group(&mut self) {
        match (self.positions, self.lone) {
            (0, _) | (_, None) => {}
            (1, Some(lone)) if lone.tier == Tier::C => {
                self.person = Some(self.person.map_or(lone, |p| p.min(lone)));
            }
            (1, Some(lone)) => self.count(lone, 1),
            (n, Some(_)) => self.count(Class::new(Tier::A, Category::Whereabouts), n),
        }
        if let Some(person) = self.person.take() {
            self.count(person, 1);
        }
        self.positions = 0;
        self.lone = None;
        self.group = None;
    }

    /// The counts, given how many items were added before deduplication.
    pub(crate) fn finish(mut self, records_seen: u64) -> ItemCounts {
        self.close_group();
        let mut counts = ItemCounts { records_seen, ..ItemCounts::default() };
        for (t, row) in self.cells.iter().enumerate() {
            for (c, &n) in row.iter().enumerate() {
                if n > 0 {
                    *counts.by_tier.entry(TIERS[t]).or_default() += n;
                    counts.by_tier_category.insert((TIERS[t], Category::ALL[c]), n);
                }
            }
        }
        counts.duplicates_removed = records_seen.saturating_sub(counts.items());
        counts
    }
}

/// What is wrong with a file that should be a state (or a spilled run).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FormatProblem {
    /// A JSON state of piiscan before format 2.
    #[error(
        "a JSON summary state from an older piiscan, which identified records by their bytes, not their \
         content; it cannot be merged with content-identified items: rescan the shard"
    )]
    OldJson,
    /// Not a piiscan state at all.
    #[error("not a piiscan summary state (bad magic bytes)")]
    BadMagic,
    /// A format this piiscan does not read.
    #[error("state format version {0} is not supported (this piiscan reads version {STATE_VERSION})")]
    UnknownVersion(u16),
    /// The file ends early.
    #[error("truncated: the file ends before {0}")]
    Truncated(&'static str),
    /// The header's item count and the entries disagree.
    #[error("the header announces {announced} items but the file holds {found}")]
    CountMismatch {
        /// From the header (or the end marker).
        announced: u64,
        /// Entries read.
        found: u64,
    },
    /// Damaged content.
    #[error("corrupt: {0}")]
    Corrupt(String),
}

/// Why a state could not be read, written or merged, or counting could not spill. Each names
/// the file and the cause, on one line.
#[derive(Debug, thiserror::Error)]
pub enum StateError {
    /// Unreadable file.
    #[error("{path}: {cause}")]
    Read {
        /// The file.
        path: String,
        /// What went wrong.
        cause: String,
    },
    /// Not a state this piiscan can read.
    #[error("{path}: {problem}")]
    Format {
        /// The file.
        path: String,
        /// What is wrong with it.
        problem: FormatProblem,
    },
    /// The state could not be written.
    #[error("{path}: cannot write the summary state: {cause}")]
    Write {
        /// The file.
        path: String,
        /// What went wrong.
        cause: String,
    },
    /// Counting went past its memory budget and a temporary run could not be written or read
    /// back: the counts would be wrong, so the run fails.
    #[error("{path}: cannot spill the distinct-item set to disk: {cause} (see --memory-budget)")]
    Spill {
        /// The temporary file, or the directory it was to be made in.
        path: String,
        /// What went wrong.
        cause: String,
    },
    /// A key file that cannot be used.
    #[error("{path}: not a summary key file: {cause}")]
    Key {
        /// The key file.
        path: String,
        /// What is wrong with it.
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

/// Reads a key file (32 hex digits), creating it with a random key if it does not exist.
pub fn load_or_create_key(path: &Path) -> Result<RecordHasher, StateError> {
    let key_error = |cause: String| StateError::Key { path: path.display().to_string(), cause };
    let read_error = |e: std::io::Error| StateError::Read { path: path.display().to_string(), cause: e.to_string() };
    match std::fs::read(path) {
        Ok(bytes) => parse_key(&bytes).map(RecordHasher::with_key).map_err(key_error),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let hasher = RecordHasher::new();
            let [a, b] = hasher.key();
            match crate::fingerprint::write_private(path, format!("{a:016x}{b:016x}\n").as_bytes()) {
                Ok(()) => Ok(hasher),
                // Another shard's scan created it first: use theirs.
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                    let bytes = std::fs::read(path).map_err(read_error)?;
                    parse_key(&bytes).map(RecordHasher::with_key).map_err(key_error)
                }
                Err(e) => Err(read_error(e)),
            }
        }
        Err(e) => Err(read_error(e)),
    }
}

/// The key in a key file's bytes; the error says what is wrong without echoing the content
/// (it may be a secret of another kind written to the wrong path).
fn parse_key(bytes: &[u8]) -> Result<[u64; 2], String> {
    const EXPECTED: &str = "expected 32 hex digits";
    let text = std::str::from_utf8(bytes).map_err(|_| format!("not UTF-8 text ({EXPECTED})"))?;
    let hex = text.trim();
    if let Some((i, c)) = hex.char_indices().find(|(_, c)| !c.is_ascii_hexdigit()) {
        let what = if c.is_ascii() { "a character that is not a hex digit" } else { "a non-ASCII character" };
        return Err(format!("{what} at byte {i} ({EXPECTED})"));
    }
    if hex.len() != 32 {
        return Err(format!("{} hex digits ({EXPECTED})", hex.len()));
    }
    // Checked as ASCII hex above, so slicing and parsing cannot fail.
    let half = |s: &str| u64::from_str_radix(s, 16).map_err(|e| format!("{e} ({EXPECTED})"));
    Ok([half(&hex[..16])?, half(&hex[16..])?])
}

/// Where a counting scan's records go: each record is reduced to the fingerprints of its
/// items with the run's key as soon as it is complete, and added to one tally shared by every
/// worker.
pub struct Counting<'a> {
    hasher: &'a RecordHasher,
    tally: std::sync::Mutex<Tally>,
    /// The first failure to spill: the counts cannot be trusted after it.
    failure: std::sync::Mutex<Option<StateError>>,
}

impl std::fmt::Debug for Counting<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Counting").finish_non_exhaustive()
    }
}

impl<'a> Counting<'a> {
    /// Counting into `tally` with the key of `hasher`.
    pub fn new(hasher: &'a RecordHasher, tally: Tally) -> Self {
        Counting { hasher, tally: std::sync::Mutex::new(tally), failure: std::sync::Mutex::new(None) }
    }

    /// Counts the items of some records.
    pub fn add(&self, facts: &[RecordFacts]) {
        if facts.is_empty() {
            return;
        }
        // Called on all cores, a slice of records at a time.
        let mut items = Vec::with_capacity(facts.len() + facts.len() / 8);
        for f in facts {
            items_of(f, self.hasher, &mut items);
        }
        let added = self.tally.lock().unwrap_or_else(std::sync::PoisonError::into_inner).add(&mut items);
        if let Err(e) = added {
            self.failure.lock().unwrap_or_else(std::sync::PoisonError::into_inner).get_or_insert(e);
        }
    }

    /// The counts, and the state written to `target` if given.
    pub fn finish(self, target: Option<StateTarget>) -> Result<Finished, StateError> {
        if let Some(e) = self.failure.into_inner().unwrap_or_else(std::sync::PoisonError::into_inner) {
            return Err(e);
        }
        self.tally.into_inner().unwrap_or_else(std::sync::PoisonError::into_inner).finish(target)
    }
}

#[cfg(test)]
mod tests {
    use super::item::tests::facts;
    use super::*;
    use crate::classify::RecordFacts;
    use crate::finding::Kind;

    fn count(records: &[RecordFacts], h: &RecordHasher) -> ItemCounts {
        let mut tally = Tally::new(DEFAULT_MEMORY_BUDGET, None);
        let mut items = Vec::new();
        for r in records {
            items_of(r, h, &mut items);
        }
        tally.add(&mut items).expect("add");
        tally.finish(None).expect("finish").counts
    }

    fn tiers(c: &ItemCounts) -> (u64, u64, u64) {
        (c.tier(Tier::A), c.tier(Tier::B), c.tier(Tier::C))
    }

    fn phone(i: u32) -> String {
        format!("138{i:08}")
    }

    #[test]
    fn identical_content_once_same_person_once_in_c() {
        let h = RecordHasher::new();
        fn contact<'a>(p: &'a str, e: &'a str) -> RecordFacts<'a> {
            facts(Tier::C, Category::Contact, &[(Kind::Mobile, p), (Kind::Email, e)])
        }
        let stay = |t: u32| {
            let mut f = facts(Tier::B, Category::Accommodation, &[(Kind::Mobile, "13800138000")]);
            f.times = vec![t, 120000];
            f
        };
        let records = [
            contact("13800138000", "a@qq.com"),
            contact("+86 13800138000", "a@qq.com"),
            contact("13800138000", "b@qq.com"),
            stay(20240501),
            stay(20240502),
            stay(20240502),
        ];
        let c = count(&records, &h);
        assert_eq!(tiers(&c), (0, 2, 1));
        assert_eq!((c.records_seen, c.duplicates_removed), (6, 3));
    }

    #[test]
    fn bank_statement_gives_one_item_per_card_and_each_transaction() {
        let h = RecordHasher::new();
        // 53 rows over 4 cards of 2 holders (ID number and name), no other context.
        let holders = ["11010519491231002X", "110105194912310021"];
        let cards = ["6222020000000001230", "6222020000000001248", "6222020000000001255", "6222020000000001263"];
        let records: Vec<RecordFacts> = (0..53)
            .map(|i| {
                let card = cards[i % 4];
                let holder = holders[i % 4 / 2];
                let mut f = facts(
                    Tier::A,
                    Category::Property,
                    &[(Kind::BankCard, card), (Kind::IdCard, holder), (Kind::Name, "张三")],
                );
                f.cards = vec![card];
                f.rest = (Tier::C, Category::Identity);
                f
            })
            .collect();
        // Without other context a holder's row is only its card.
        let c = count(&records, &h);
        assert_eq!(tiers(&c), (4, 0, 0));
        assert_eq!(c.by_tier_category.get(&(Tier::A, Category::Property)), Some(&4));
        assert_eq!((c.records_seen, c.duplicates_removed), (53, 49));
        // Under transaction columns, each row is also a transaction (its time tells them apart).
        let statement: Vec<RecordFacts> = records
            .into_iter()
            .enumerate()
            .map(|(i, mut f)| {
                f.rest = (Tier::B, Category::Transaction);
                f.times = vec![20240500 + 1 + i as u32 % 28, 100000 + 100 * (i as u32 % 60)];
                f
            })
            .collect();
        let c = count(&statement, &h);
        assert_eq!(tiers(&c), (4, 53, 0));
    }

    #[test]
    fn bare_ip_is_not_counted() {
        let h = RecordHasher::new();
        let c = count(&[facts(Tier::C, Category::Identity, &[(Kind::Ip, "8.8.8.8")])], &h);
        assert_eq!((c.items(), c.records_seen), (0, 0));
    }

    fn position(p: &str, at: u32, class: (Tier, Category)) -> RecordFacts<'_> {
        let mut f = facts(class.0, class.1, &[(Kind::Mobile, p), (Kind::Geo, "39.908823,116.397470")]);
        f.position = true;
        f.times = vec![20240501, at];
        f
    }

    #[test]
    fn two_positions_make_a_track_a_lone_one_falls_back() {
        let h = RecordHasher::new();
        let c3 = (Tier::C, Category::Contact);
        let phones: Vec<String> = (0..5).map(phone).collect();
        let phone = |i: usize| phones[i].as_str();
        let records = [
            // A track: two fixes of one person (one seen twice).
            position(phone(1), 100000, c3),
            position(phone(1), 130000, c3),
            position(phone(1), 130000, c3),
            // A lone fix in tier C, and the same person's contact record: one C item.
            position(phone(2), 100000, c3),
            facts(Tier::C, Category::Identity, &[(Kind::Mobile, phone(2)), (Kind::Name, "李四")]),
            // A lone fix in tier C of someone with nothing else: a C item of its own.
            position(phone(3), 100000, c3),
            // A lone fix in tier B (a stay record with a position): counted in B.
            position(phone(4), 100000, (Tier::B, Category::Accommodation)),
            facts(Tier::C, Category::Contact, &[(Kind::Mobile, phone(4))]),
        ];
        let c = count(&records, &h);
        assert_eq!(c.by_tier_category.get(&(Tier::A, Category::Whereabouts)), Some(&2));
        assert_eq!(tiers(&c), (2, 1, 3));
        // Person 2: the lone fix (Contact) merged with the person's record (Identity, the
        // smaller class); persons 3 and 4 are in Contact.
        assert_eq!(c.by_tier_category.get(&(Tier::C, Category::Identity)), Some(&1));
        assert_eq!(c.by_tier_category.get(&(Tier::C, Category::Contact)), Some(&2));
        assert_eq!(c.records_seen, 8);
        assert_eq!(c.duplicates_removed, 2);
    }

    #[test]
    fn equal_keys_keep_the_smallest_class() {
        let h = RecordHasher::new();
        let p = h.person(Kind::Mobile, "13800138000");
        let mut tally = Tally::new(DEFAULT_MEMORY_BUDGET, None);
        let mut items = vec![
            Item::person(p, Class::new(Tier::C, Category::Address)),
            Item::person(p, Class::new(Tier::C, Category::Identity)),
            Item::person(p, Class::new(Tier::C, Category::Contact)),
            Item::record(7, Class::new(Tier::B, Category::Health)),
            Item::record(7, Class::new(Tier::A, Category::Credit)),
            Item::record(7, Class::new(Tier::B, Category::Accommodation)),
        ];
        // In either order.
        let mut reversed = items.clone();
        reversed.reverse();
        tally.add(&mut items).expect("add");
        let c = tally.finish(None).expect("finish").counts;
        let mut tally = Tally::new(DEFAULT_MEMORY_BUDGET, None);
        tally.add(&mut reversed).expect("add");
        assert_eq!(tally.finish(None).expect("finish").counts, c);
        let expected: BTreeMap<(Tier, Category), u64> =
            [((Tier::A, Category::Credit), 1), ((Tier::C, Category::Identity), 1)].into();
        assert_eq!(c.by_tier_category, expected);
        assert_eq!((c.records_seen, c.duplicates_removed), (6, 4));
    }

    #[test]
    fn key_files_give_one_line_errors() {
        let dir = tempfile::tempdir().expect("tempdir");
        let cases: [(&str, &[u8], &str); 5] = [
            ("short", b"0123456789abcdef\n", "16 hex digits"),
            ("nonhex", b"0123456789abcdef0123456789abcdeg\n", "not a hex digit"),
            // 32 bytes, of which some are one multi-byte character: slicing at 16 would panic.
            ("multibyte", "0123456789abcde\u{e9}0123456789abcde".as_bytes(), "non-ASCII"),
            ("latin1", b"0123456789abcdef0123456789abcde\xe9", "not UTF-8"),
            ("empty", b"", "0 hex digits"),
        ];
        for (name, content, expected) in cases {
            let path = dir.path().join(name);
            std::fs::write(&path, content).expect("write");
            let err = load_or_create_key(&path).expect_err(name).to_string();
            assert!(err.contains(expected), "{name}: {err}");
            assert!(err.contains(&path.display().to_string()), "{name}: {err}");
            assert!(!err.contains('\n'), "{name}: {err}");
        }
        // A directory is unreadable as a key file.
        let err = load_or_create_key(dir.path()).expect_err("directory").to_string();
        assert!(err.contains(&dir.path().display().to_string()) && !err.contains('\n'), "{err}");
        // A missing file is created, and read back the same.
        let path = dir.path().join("new.key");
        let made = load_or_create_key(&path).expect("create");
        assert_eq!(load_or_create_key(&path).expect("read").key(), made.key());
        let text = std::fs::read_to_string(&path).expect("key file");
        assert_eq!(text.trim().len(), 32);
    }
}
