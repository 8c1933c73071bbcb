//! The distinct items of a run in bounded memory, counted exactly.
//!
//! Items go into one vector of at most the budget. When it is full it is sorted and
//! deduplicated in place; if that leaves it more than half full (the items are mostly
//! distinct), it is written as a sorted run to a temporary file and emptied. At the end the runs
//! and the vector are merged as one stream (k-way, a heap of one reader per run) into the
//! counter, and into the state file if one is asked for. Memory is the budget plus a buffer and
//! a zstd decoder per run; runs are merged in groups of [`FAN_IN`] as they accumulate, so the
//! number open at once stays bounded however small the budget.

use super::item::Item;
use super::merge::{count_merged, Merge, Source};
use super::state::{EntryWriter, FileEntries, Origin, StateHeader, StateTarget, StateWriter, FILE_BUFFER};
use super::{ItemCounts, StateError};
use std::fs::File;
use std::io::{BufReader, BufWriter};
use std::path::{Path, PathBuf};

/// Memory the distinct-item set may use before it spills (`--memory-budget`): 96 MiB, about
/// 4.2 million items of 24 bytes: with what a scan at two threads holds besides, a counting scan
/// of any size stays within 256 MiB.
pub const DEFAULT_MEMORY_BUDGET: u64 = 96 << 20;

/// The fewest items the vector holds, whatever the budget: below this runs would be mostly
/// file overhead.
const MIN_ITEMS: usize = 64;

/// Runs merged at once: each costs a file descriptor, a read buffer and a zstd decoder
/// (about 0.4 MiB), so 64 stay well within the default descriptor limit and 30 MiB.
pub(crate) const FAN_IN: usize = 64;

/// zstd level of spilled runs: they are read back once, speed matters more than size.
const RUN_LEVEL: i32 = 1;

/// How much counting spilled to disk.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct SpillInfo {
    /// Sorted runs written from memory.
    pub runs: usize,
    /// Bytes written to temporary files, runs merged along the way included.
    pub bytes: u64,
}

/// What [`Tally::finish`] gives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finished {
    /// The counts.
    pub counts: ItemCounts,
    /// Whether (and how much) counting spilled; `None` when everything fit in memory.
    pub spill: Option<SpillInfo>,
}

/// One sorted, deduplicated run in a temporary file (deleted when dropped).
#[derive(Debug)]
struct Run {
    path: tempfile::TempPath,
    items: u64,
    /// How many merges of runs made it (0: written from memory).
    level: u32,
}

impl Run {
    fn open(&self) -> Result<FileEntries, StateError> {
        let file = File::open(&self.path).map_err(|e| spill_error(&self.path, e))?;
        FileEntries::new(BufReader::with_capacity(FILE_BUFFER, file), &self.path, Origin::Spill, Some(self.items))
    }
}

fn spill_error(path: &Path, e: std::io::Error) -> StateError {
    StateError::Spill { path: path.display().to_string(), cause: e.to_string() }
}

/// The counting state of a run: every distinct item, within a memory budget. Counts do not
/// depend on the order items arrive in, so the states of separate runs merge into exactly the
/// counts of one run over everything.
///
/// One tally is shared by the scan's workers behind a mutex; each adds a batch at a time.
#[derive(Debug)]
pub struct Tally {
    /// Items the vector may hold.
    limit: usize,
    items: Vec<Item>,
    records_seen: u64,
    spill_dir: Option<PathBuf>,
    runs: Vec<Run>,
    spilled: SpillInfo,
}

impl Default for Tally {
    fn default() -> Self {
        Tally::new(DEFAULT_MEMORY_BUDGET, None)
    }
}

impl Tally {
    /// An empty tally that holds at most `budget_bytes` of items in memory, and spills sorted
    /// runs to `spill_dir` (the system's temporary directory when `None`) past it.
    pub fn new(budget_bytes: u64, spill_dir: Option<PathBuf>) -> Self {
        let per_item = std::mem::size_of::<Item>() as u64;
        let limit = usize::try_from(budget_bytes / per_item).unwrap_or(usize::MAX).max(MIN_ITEMS);
        Tally { limit, items: Vec::new(), records_seen: 0, spill_dir, runs: Vec::new(), spilled: SpillInfo::default() }
    }

    /// Items added so far, repeats included.
    pub fn records_seen(&self) -> u64 {
        self.records_seen
    }

    /// Adds a batch of items, leaving `batch` empty. Fails only if a spill to disk fails; the
    /// counts cannot be trusted after that (the rest of the batch is not added).
    pub fn add(&mut self, batch: &mut Vec<Item>) -> Result<(), StateError> {
        self.records_seen += batch.len() as u64;
        let mut rest = &batch[..];
        while !rest.is_empty() {
            if self.items.len() == self.items.capacity() {
                self.make_room()?;
            }
            let take = rest.len().min(self.items.capacity() - self.items.len());
            self.items.extend_from_slice(&rest[..take]);
            rest = &rest[take..];
        }
        batch.clear();
        Ok(())
    }

    /// Room in a full vector: the whole budget at first (untouched pages cost nothing, and
    /// growing by doubling would hold the old and new buffers at once, 1.5 times the budget),
    /// then what deduplication frees, or all of it after a spill.
    fn make_room(&mut self) -> Result<(), StateError> {
        if self.items.capacity() < self.limit {
            self.items.reserve_exact(self.limit - self.items.len());
            return Ok(());
        }
        compact(&mut self.items);
        if self.items.len() > self.limit / 2 {
            self.spill()?;
        }
        Ok(())
    }

    fn spill_dir(&self) -> PathBuf {
        self.spill_dir.clone().unwrap_or_else(std::env::temp_dir)
    }

    /// Writes the (sorted, deduplicated) vector as a run and empties it.
    fn spill(&mut self) -> Result<(), StateError> {
        let dir = self.spill_dir();
        let run = write_run(&dir, &mut self.items.drain(..).map(Ok), 0, &mut self.spilled)?;
        self.runs.push(run);
        self.spilled.runs += 1;
        // Runs form a stack of non-increasing levels; FAN_IN runs of one level on top become
        // one run of the next level, so each item is rewritten log_FAN_IN(runs) times at most.
        while let Some(top) = self.runs.len().checked_sub(FAN_IN) {
            let level = self.runs[self.runs.len() - 1].level;
            if self.runs[top..].iter().any(|r| r.level != level) {
                break;
            }
            self.merge_top(FAN_IN, level + 1)?;
        }
        Ok(())
    }

    /// Merges the `n` newest runs into one run of `level`.
    fn merge_top(&mut self, n: usize, level: u32) -> Result<(), StateError> {
        let group = self.runs.split_off(self.runs.len() - n);
        let sources = group.iter().map(|r| r.open().map(Source::File)).collect::<Result<Vec<_>, _>>()?;
        let mut merge = Merge::new(sources)?;
        let mut items = std::iter::from_fn(|| merge.next().transpose());
        let run = write_run(&self.spill_dir(), &mut items, level, &mut self.spilled)?;
        self.runs.push(run);
        // `group` is dropped here: its files are deleted.
        Ok(())
    }

    /// The counts, streaming every distinct item once; writes the state to `target` on the
    /// way if given.
    pub fn finish(mut self, target: Option<StateTarget>) -> Result<Finished, StateError> {
        compact(&mut self.items);
        // The runs and the vector are read at once: at most FAN_IN sources.
        while self.runs.len() >= FAN_IN {
            let level = self.runs.iter().map(|r| r.level).max().unwrap_or(0) + 1;
            self.merge_top(FAN_IN, level)?;
        }
        let mut sources = self.runs.iter().map(|r| r.open().map(Source::File)).collect::<Result<Vec<_>, _>>()?;
        let items = std::mem::take(&mut self.items);
        let distinct = items.len() as u64;
        sources.push(Source::Memory(items.into_iter()));
        let writer = match target {
            Some(t) => {
                let header = StateHeader {
                    key_check: t.hasher.key_check(),
                    policy: t.policy,
                    records_seen: self.records_seen,
                    items: distinct,
                };
                Some(StateWriter::create(t.path, header)?)
            }
            None => None,
        };
        let counts = count_merged(sources, writer, self.records_seen)?;
        let spill = (self.spilled.runs > 0).then_some(self.spilled);
        Ok(Finished { counts, spill })
    }
}

/// Sorts and deduplicates in place; of equal keys the smallest class is kept (it sorts first).
fn compact(items: &mut Vec<Item>) {
    items.sort_unstable();
    items.dedup_by(|next, kept| next.same_key(kept));
}

/// Writes sorted, distinct items as a run in `dir`.
fn write_run(
    dir: &Path,
    items: &mut dyn Iterator<Item = Result<Item, StateError>>,
    level: u32,
    spilled: &mut SpillInfo,
) -> Result<Run, StateError> {
    let (file, path) = tempfile::Builder::new()
        .prefix("piiscan-spill-")
        .suffix(".run")
        .tempfile_in(dir)
        .map_err(|e| spill_error(dir, e))?
        .into_parts();
    let error = |e: std::io::Error| spill_error(&path, e);
    let mut out = EntryWriter::new(BufWriter::with_capacity(FILE_BUFFER, file), RUN_LEVEL).map_err(error)?;
    for item in items {
        out.push(&item?).map_err(error)?;
    }
    let items = out.count();
    let file = out.finish().map_err(error)?.into_inner().map_err(|e| error(e.into_error()))?;
    spilled.bytes += file.metadata().map_err(error)?.len();
    Ok(Run { path, items, level })
}
