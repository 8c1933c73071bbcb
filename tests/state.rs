//! The counting state through the library: spilling, merging shards, the state file and its
//! errors. Items are random fingerprints shaped like an export's (mostly persons and records,
//! some positions), checked against a plain in-memory model of the counting rules.

use piiscan::aggregate::{
    merge_states, read_header, Class, FormatProblem, Item, ItemCounts, RecordHasher, Section, StateError, StateTarget,
    Tally, DEFAULT_MEMORY_BUDGET,
};
use piiscan::{Category, Tier, TierPolicy};
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

/// splitmix64: deterministic, no dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    fn shuffle<T>(&mut self, v: &mut [T]) {
        for i in (1..v.len()).rev() {
            v.swap(i, self.below(i as u64 + 1) as usize);
        }
    }
}

/// Random items with repeats: people named again, the same record twice, tracks and lone fixes,
/// the same key in several classes.
fn random_items(rng: &mut Rng, n: usize) -> Vec<Item> {
    let people: Vec<u64> = (0..n / 3).map(|_| rng.next()).collect();
    let records: Vec<u64> = (0..n / 2).map(|_| rng.next()).collect();
    let c_classes = [Category::Identity, Category::Contact, Category::Address];
    let classes = [
        Class::new(Tier::A, Category::Property),
        Class::new(Tier::B, Category::Accommodation),
        Class::new(Tier::B, Category::Transaction),
        Class::new(Tier::C, Category::Identity),
        Class::new(Tier::C, Category::Contact),
    ];
    (0..n)
        .map(|_| {
            let roll = rng.below(100);
            if roll < 50 {
                let p = people[rng.below(people.len() as u64) as usize];
                Item::person(p, Class::new(Tier::C, c_classes[rng.below(3) as usize]))
            } else if roll < 85 {
                let r = records[rng.below(records.len() as u64) as usize];
                Item::record(r, classes[rng.below(classes.len() as u64) as usize])
            } else {
                // Positions of a tenth of the people, 1 to 3 fixes each.
                let p = people[rng.below(people.len() as u64 / 10 + 1) as usize];
                let class = if rng.below(4) == 0 {
                    Class::new(Tier::B, Category::Accommodation)
                } else {
                    Class::new(Tier::C, Category::Contact)
                };
                Item::position(p, p.rotate_left(7) ^ rng.below(3), class)
            }
        })
        .collect()
}

/// The counting rules, written plainly over a map of everything.
fn model(items: &[Item]) -> ItemCounts {
    let mut distinct: BTreeMap<(u64, Section, u64), Class> = BTreeMap::new();
    for i in items {
        let c = distinct.entry(i.key()).or_insert(i.class());
        *c = (*c).min(i.class());
    }
    let mut counted: Vec<Class> = Vec::new();
    let mut positions: HashMap<u64, Vec<Class>> = HashMap::new();
    let mut persons: HashMap<u64, Class> = HashMap::new();
    for ((hi, section, _), class) in distinct {
        match section {
            Section::Record => counted.push(class),
            Section::Position => positions.entry(hi).or_default().push(class),
            Section::Person => {
                persons.insert(hi, class);
            }
        }
    }
    for (person, fixes) in positions {
        match fixes[..] {
            [lone] if lone.tier == Tier::C => {
                let c = persons.entry(person).or_insert(lone);
                *c = (*c).min(lone);
            }
            [lone] => counted.push(lone),
            _ => counted.extend(fixes.iter().map(|_| Class::new(Tier::A, Category::Whereabouts))),
        }
    }
    counted.extend(persons.into_values());
    let mut counts = ItemCounts { records_seen: items.len() as u64, ..ItemCounts::default() };
    for c in &counted {
        *counts.by_tier.entry(c.tier).or_default() += 1;
        *counts.by_tier_category.entry((c.tier, c.category)).or_default() += 1;
    }
    counts.duplicates_removed = counts.records_seen - counted.len() as u64;
    counts
}

fn tally(items: &[Item], budget: u64, dir: Option<&Path>) -> Tally {
    let mut t = Tally::new(budget, dir.map(Path::to_path_buf));
    // In batches, as the scan's workers add them.
    for chunk in items.chunks(1000) {
        t.add(&mut chunk.to_vec()).expect("add");
    }
    t
}

fn count(items: &[Item]) -> ItemCounts {
    tally(items, DEFAULT_MEMORY_BUDGET, None).finish(None).expect("finish").counts
}

fn write_state(items: &[Item], budget: u64, path: &Path, hasher: &RecordHasher, policy: TierPolicy) -> ItemCounts {
    let spill = path.parent().map(Path::to_path_buf);
    let t = tally(items, budget, spill.as_deref());
    t.finish(Some(StateTarget { path, hasher, policy })).expect("write state").counts
}

#[test]
fn a_spilled_tally_counts_exactly_as_one_in_memory() {
    let mut rng = Rng(1);
    let items = random_items(&mut rng, 200_000);
    let memory = tally(&items, DEFAULT_MEMORY_BUDGET, None).finish(None).expect("finish");
    assert_eq!(memory.spill, None);
    let dir = tempfile::tempdir().expect("tempdir");
    let spilled = tally(&items, 4 << 10, Some(dir.path())).finish(None).expect("finish");
    let info = spilled.spill.expect("a 4 KiB budget spills");
    assert!(info.runs > 100 && info.bytes > 0, "{info:?}");
    assert_eq!(spilled.counts, memory.counts);
    assert_eq!(memory.counts, model(&items));
    assert!(memory.counts.tier(Tier::A) > 0 && memory.counts.tier(Tier::B) > 0 && memory.counts.tier(Tier::C) > 0);
    assert!(memory.counts.by_tier_category.contains_key(&(Tier::A, Category::Whereabouts)));
    // The runs are gone once finished.
    assert_eq!(std::fs::read_dir(dir.path()).expect("dir").count(), 0);
}

#[test]
fn merged_shards_equal_one_run() {
    let mut rng = Rng(2);
    let items = random_items(&mut rng, 60_000);
    let hasher = RecordHasher::with_key([rng.next(), rng.next()]);
    let dir = tempfile::tempdir().expect("tempdir");
    // Each item in one to three of seven shards, each shard in its own order.
    let mut shards: Vec<Vec<Item>> = vec![Vec::new(); 7];
    for item in &items {
        for _ in 0..=rng.below(3) {
            shards[rng.below(7) as usize].push(*item);
        }
    }
    let mut everything = Vec::new();
    let mut paths = Vec::new();
    for (i, shard) in shards.iter_mut().enumerate() {
        rng.shuffle(shard);
        everything.extend_from_slice(shard);
        let path = dir.path().join(format!("shard{i}.state"));
        // Some shards spill, some do not.
        let budget = if i % 2 == 0 { 4 << 10 } else { DEFAULT_MEMORY_BUDGET };
        write_state(shard, budget, &path, &hasher, TierPolicy::Strict);
        paths.push(path);
    }
    rng.shuffle(&mut paths);
    let one = count(&everything);
    assert_eq!(one, model(&everything));
    let merged_path = dir.path().join("merged.state");
    let (merged, policy) = merge_states(&paths, Some(&merged_path)).expect("merge");
    assert_eq!(policy, TierPolicy::Strict);
    assert_eq!(merged, one);
    // The merged state is the state of one run over everything, and merges the same.
    let whole_path = dir.path().join("whole.state");
    write_state(&everything, DEFAULT_MEMORY_BUDGET, &whole_path, &hasher, TierPolicy::Strict);
    assert_eq!(std::fs::read(&merged_path).expect("merged"), std::fs::read(&whole_path).expect("whole"));
    assert_eq!(merge_states(&[merged_path], None).expect("merge merged").0, one);
    // A shard given twice counts its items once more as seen, never as items.
    let mut twice = paths.clone();
    twice.push(paths[0].clone());
    let (again, _) = merge_states(&twice, None).expect("merge");
    assert_eq!(again.by_tier_category, one.by_tier_category);
    assert!(again.records_seen > one.records_seen);
}

#[test]
fn a_state_round_trips() {
    let mut rng = Rng(3);
    let items = random_items(&mut rng, 20_000);
    let hasher = RecordHasher::with_key([1, 2]);
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("one.state");
    let written = write_state(&items, DEFAULT_MEMORY_BUDGET, &path, &hasher, TierPolicy::Textual);
    let header = read_header(&path).expect("header");
    assert_eq!(header.key_check, hasher.key_check());
    assert_eq!(header.policy, TierPolicy::Textual);
    assert_eq!(header.records_seen, 20_000);
    let mut keys: Vec<_> = items.iter().map(Item::key).collect();
    keys.sort();
    keys.dedup();
    assert_eq!(header.items, keys.len() as u64);
    let (read, policy) = merge_states(std::slice::from_ref(&path), None).expect("read");
    assert_eq!((read, policy), (written, TierPolicy::Textual));
    // Written again over the old one: replaced whole, no temporary file left.
    write_state(&items[..10], DEFAULT_MEMORY_BUDGET, &path, &hasher, TierPolicy::Textual);
    assert_eq!(read_header(&path).expect("header").records_seen, 10);
    assert_eq!(std::fs::read_dir(dir.path()).expect("dir").count(), 1);
    // An empty state.
    let empty = dir.path().join("empty.state");
    write_state(&[], DEFAULT_MEMORY_BUDGET, &empty, &hasher, TierPolicy::Textual);
    assert_eq!(merge_states(&[empty], None).expect("empty").0, ItemCounts::default());
}

/// The error of merging `path` alone, as text, after checking it names the file on one line.
fn error_of(paths: &[PathBuf]) -> StateError {
    let err = merge_states(paths, None).expect_err("must fail");
    let text = err.to_string();
    assert!(text.contains(&paths.last().expect("path").display().to_string()), "{text}");
    assert!(!text.contains('\n'), "{text}");
    err
}

fn problem(err: StateError) -> FormatProblem {
    match err {
        StateError::Format { problem, .. } => problem,
        other => panic!("not a format error: {other}"),
    }
}

#[test]
fn damaged_foreign_and_old_states_are_refused_with_a_reason() {
    let mut rng = Rng(4);
    let items = random_items(&mut rng, 5_000);
    let hasher = RecordHasher::with_key([3, 4]);
    let dir = tempfile::tempdir().expect("tempdir");
    let good = dir.path().join("good.state");
    write_state(&items, DEFAULT_MEMORY_BUDGET, &good, &hasher, TierPolicy::Textual);
    let bytes = std::fs::read(&good).expect("state");
    let variant = |name: &str, content: &[u8]| {
        let path = dir.path().join(name);
        std::fs::write(&path, content).expect("write");
        path
    };

    // Cut anywhere: in the header, in the stream, just before the end.
    for cut in [0, 5, 20, 40, bytes.len() / 2, bytes.len() - 1] {
        let path = variant(&format!("cut{cut}.state"), &bytes[..cut]);
        let p = problem(error_of(&[path]));
        assert!(matches!(p, FormatProblem::Truncated(_)), "cut at {cut}: {p}");
        assert!(p.to_string().contains("truncated"));
    }

    let mut wrong = bytes.clone();
    wrong[..8].copy_from_slice(b"NOTSTATE");
    assert_eq!(problem(error_of(&[variant("magic.state", &wrong)])), FormatProblem::BadMagic);

    let mut wrong = bytes.clone();
    wrong[8..10].copy_from_slice(&3u16.to_le_bytes());
    let err = error_of(&[variant("version.state", &wrong)]);
    assert!(err.to_string().contains("version 3"), "{err}");
    assert_eq!(problem(err), FormatProblem::UnknownVersion(3));

    let mut wrong = bytes.clone();
    wrong[27..35].copy_from_slice(&7u64.to_le_bytes());
    let p = problem(error_of(&[variant("count.state", &wrong)]));
    assert!(matches!(p, FormatProblem::CountMismatch { announced: 7, .. }), "{p}");

    // A flipped byte inside the compressed stream: the frame checksum or the entries catch it.
    let mut wrong = bytes.clone();
    let at = bytes.len() * 2 / 3;
    wrong[at] ^= 0x55;
    let p = problem(error_of(&[variant("flipped.state", &wrong)]));
    assert!(matches!(p, FormatProblem::Corrupt(_) | FormatProblem::Truncated(_)), "{p}");

    let mut wrong = bytes.clone();
    wrong.extend_from_slice(b"junk");
    assert!(matches!(problem(error_of(&[variant("junk.state", &wrong)])), FormatProblem::Corrupt(_)));

    let old = variant(
        "old.json",
        br#"  {"format":"piiscan-summary-1","policy":"textual","key_check":"0011223344556677","duplicates":0,"records":[]}"#,
    );
    let err = error_of(&[old]);
    let text = err.to_string();
    assert!(text.contains("older piiscan") && text.contains("content") && text.contains("rescan"), "{text}");
    assert_eq!(problem(err), FormatProblem::OldJson);

    // Another key, another policy.
    let stranger = dir.path().join("stranger.state");
    write_state(&items, DEFAULT_MEMORY_BUDGET, &stranger, &RecordHasher::with_key([5, 6]), TierPolicy::Textual);
    let err = error_of(&[good.clone(), stranger]);
    assert!(matches!(err, StateError::KeyMismatch { .. }), "{err}");
    assert!(err.to_string().contains("different key"));
    let strict = dir.path().join("strict.state");
    write_state(&items, DEFAULT_MEMORY_BUDGET, &strict, &hasher, TierPolicy::Strict);
    let err = error_of(&[good.clone(), strict]);
    assert!(matches!(err, StateError::PolicyMismatch { .. }), "{err}");

    // A file that is not there.
    let err = error_of(&[good, dir.path().join("missing.state")]);
    assert!(matches!(err, StateError::Read { .. }), "{err}");
}

#[test]
fn an_unwritable_spill_directory_is_an_error_naming_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    let missing = dir.path().join("no").join("such");
    let mut t = Tally::new(4 << 10, Some(missing.clone()));
    let mut rng = Rng(5);
    let mut items = random_items(&mut rng, 5_000);
    let err = t.add(&mut items).expect_err("cannot spill");
    assert!(matches!(err, StateError::Spill { .. }), "{err}");
    assert!(err.to_string().contains(&missing.display().to_string()), "{err}");
}

#[test]
fn a_million_items_take_a_few_bytes_each() {
    let mut rng = Rng(6);
    let n = 1_000_000u64;
    // An export's shape: distinct people and records, some people with a track.
    let mut items: Vec<Item> = Vec::with_capacity(n as usize);
    while (items.len() as u64) < n {
        let roll = rng.below(100);
        let item = if roll < 60 {
            Item::person(
                rng.next(),
                Class::new(Tier::C, [Category::Identity, Category::Contact][rng.below(2) as usize]),
            )
        } else if roll < 95 {
            let class = [Class::new(Tier::B, Category::Accommodation), Class::new(Tier::C, Category::Address)];
            Item::record(rng.next(), class[rng.below(2) as usize])
        } else {
            let p = rng.next();
            items.push(Item::position(p, rng.next(), Class::new(Tier::C, Category::Contact)));
            Item::position(p, rng.next(), Class::new(Tier::C, Category::Contact))
        };
        items.push(item);
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("million.state");
    let hasher = RecordHasher::with_key([7, 8]);
    let counts = write_state(&items, DEFAULT_MEMORY_BUDGET, &path, &hasher, TierPolicy::Textual);
    let size = std::fs::metadata(&path).expect("state").len();
    let per_item = size as f64 / counts.items() as f64;
    println!("state of {} distinct items: {size} bytes, {per_item:.2} bytes per item", counts.items());
    assert!(per_item <= 12.0, "{per_item:.2} bytes per item");
}
