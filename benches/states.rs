//! Writes shard states (`--summary-out` files) of random items with one key, through the
//! library, to measure their size and what merging them costs. Not part of the product binary:
//!
//! ```sh
//! cargo run --release --example states -- --shards 100 --items 1000000 --dir /tmp/states
//! # the merge's peak memory ("Maximum resident set size") and time:
//! /usr/bin/time -v target/release/piiscan merge /tmp/states/*.state
//! # or the same merge in this process (no report, the counts only):
//! /usr/bin/time -v target/release/examples/states --merge --dir /tmp/states
//! ```
//!
//! Items are shaped like an export's: distinct people (tier C) and records (tier B or C) with
//! uniformly random 64-bit fingerprints, a few people with a track of positions, and a share of
//! each shard (`--overlap`, percent) drawn from people every shard may name, so that the merge
//! removes duplicates across shards.

use piiscan::aggregate::{merge_states, read_header, Class, Item, RecordHasher, StateTarget, Tally};
use piiscan::{Category, Tier, TierPolicy};
use rayon::prelude::*;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

/// What to do.
#[derive(Debug)]
struct Options {
    shards: usize,
    items: usize,
    overlap: u64,
    dir: PathBuf,
    seed: u64,
    /// Merge the states in `dir` instead of writing them.
    merge: bool,
}

fn usage() -> ExitCode {
    eprintln!("usage: states --dir DIR [--shards N] [--items N] [--overlap PERCENT] [--seed N] | --merge --dir DIR");
    ExitCode::from(2)
}

fn options() -> Option<Options> {
    let mut o = Options { shards: 100, items: 1_000_000, overlap: 10, dir: PathBuf::new(), seed: 1, merge: false };
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        if flag == "--merge" {
            o.merge = true;
            continue;
        }
        let value = args.next()?;
        match flag.as_str() {
            "--shards" => o.shards = value.parse().ok()?,
            "--items" => o.items = value.parse().ok()?,
            "--overlap" => o.overlap = value.parse().ok().filter(|p| *p <= 100)?,
            "--seed" => o.seed = value.parse().ok()?,
            "--dir" => o.dir = PathBuf::from(value),
            _ => return None,
        }
    }
    (!o.dir.as_os_str().is_empty()).then_some(o)
}

/// splitmix64.
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
}

/// The items of one shard (before deduplication).
fn shard_items(o: &Options, shard: usize) -> Vec<Item> {
    let mut rng = Rng(o.seed ^ (shard as u64 + 1).wrapping_mul(0xA076_1D64_78BD_642F));
    // People every shard may name: a pool as large as one shard's share of them.
    let shared_people = (o.items as u64 * o.overlap / 100).max(1);
    let shared = |rng: &mut Rng| Rng(o.seed.wrapping_add(rng.below(shared_people))).next();
    let mut items = Vec::with_capacity(o.items + 1);
    while items.len() < o.items {
        let roll = rng.below(100);
        if roll < o.overlap {
            items.push(Item::person(shared(&mut rng), Class::new(Tier::C, Category::Contact)));
        } else if roll < 60 {
            let category = if rng.below(2) == 0 { Category::Identity } else { Category::Contact };
            items.push(Item::person(rng.next(), Class::new(Tier::C, category)));
        } else if roll < 95 {
            let class = if rng.below(3) == 0 {
                Class::new(Tier::B, Category::Accommodation)
            } else {
                Class::new(Tier::C, Category::Address)
            };
            items.push(Item::record(rng.next(), class));
        } else {
            // A track of two fixes.
            let person = rng.next();
            for _ in 0..2 {
                items.push(Item::position(person, rng.next(), Class::new(Tier::C, Category::Contact)));
            }
        }
    }
    items
}

fn state_path(dir: &Path, shard: usize) -> PathBuf {
    dir.join(format!("shard{shard:03}.state"))
}

fn write(o: &Options) -> Result<(), String> {
    std::fs::create_dir_all(&o.dir).map_err(|e| format!("{}: {e}", o.dir.display()))?;
    let hasher = RecordHasher::with_key([o.seed, !o.seed]);
    let started = Instant::now();
    let written: Result<Vec<(u64, u64)>, String> = (0..o.shards)
        .into_par_iter()
        .map(|shard| {
            let mut items = shard_items(o, shard);
            let mut tally = Tally::default();
            tally.add(&mut items).map_err(|e| e.to_string())?;
            let path = state_path(&o.dir, shard);
            let target = StateTarget { path: &path, hasher: &hasher, policy: TierPolicy::Textual };
            tally.finish(Some(target)).map_err(|e| e.to_string())?;
            let header = read_header(&path).map_err(|e| e.to_string())?;
            let size = std::fs::metadata(&path).map_err(|e| e.to_string())?.len();
            Ok((size, header.items))
        })
        .collect();
    let written = written?;
    let (bytes, items): (u64, u64) = written.iter().fold((0, 0), |(b, i), (sb, si)| (b + sb, i + si));
    println!(
        "{} states in {}: {bytes} bytes, {items} distinct items, {:.2} bytes per item ({:.1} s)",
        o.shards,
        o.dir.display(),
        bytes as f64 / items.max(1) as f64,
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

fn merge(o: &Options) -> Result<(), String> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&o.dir)
        .map_err(|e| format!("{}: {e}", o.dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "state"))
        .collect();
    paths.sort();
    let started = Instant::now();
    let (counts, _) = merge_states(&paths, None).map_err(|e| e.to_string())?;
    println!(
        "merged {} states: {} items (A {} B {} C {}), {} seen, {} duplicates removed ({:.1} s)",
        paths.len(),
        counts.items(),
        counts.tier(Tier::A),
        counts.tier(Tier::B),
        counts.tier(Tier::C),
        counts.records_seen,
        counts.duplicates_removed,
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

fn main() -> ExitCode {
    let Some(o) = options() else { return usage() };
    let done = if o.merge { merge(&o) } else { write(&o) };
    match done {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("states: {e}");
            ExitCode::FAILURE
        }
    }
}
