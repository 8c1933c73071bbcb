//! The k-way merge of sorted item streams (the tally's vector, spilled runs, state files) into
//! distinct items: what `Tally::finish` and `piiscan merge` stream through the counter.

use super::item::Item;
use super::state::{open_state, policy_name, FileEntries, StateHeader, StateWriter};
use super::{Counter, ItemCounts, StateError};
use crate::classify::TierPolicy;
use std::cmp::Reverse;
use std::collections::binary_heap::{BinaryHeap, PeekMut};
use std::path::{Path, PathBuf};

/// A sorted, deduplicated stream of items.
pub(crate) enum Source {
    /// The tally's vector.
    Memory(std::vec::IntoIter<Item>),
    /// A run or a state file.
    File(FileEntries),
}

impl Source {
    fn next(&mut self) -> Result<Option<Item>, StateError> {
        match self {
            Source::Memory(items) => Ok(items.next()),
            Source::File(entries) => entries.next(),
        }
    }
}

/// A k-way merge of sorted sources into distinct items: of equal keys, the smallest class.
pub(crate) struct Merge {
    sources: Vec<Source>,
    /// The head of each unfinished source, smallest first (by key, then class).
    heap: BinaryHeap<Reverse<(Item, usize)>>,
}

impl Merge {
    pub(crate) fn new(mut sources: Vec<Source>) -> Result<Self, StateError> {
        let mut heap = BinaryHeap::with_capacity(sources.len());
        for (i, source) in sources.iter_mut().enumerate() {
            if let Some(item) = source.next()? {
                heap.push(Reverse((item, i)));
            }
        }
        Ok(Merge { sources, heap })
    }

    /// The next distinct item.
    pub(crate) fn next(&mut self) -> Result<Option<Item>, StateError> {
        let Some(&Reverse((first, _))) = self.heap.peek() else { return Ok(None) };
        // Every source holding the same key is advanced past it; the first popped has the
        // smallest class.
        while let Some(mut top) = self.heap.peek_mut() {
            let Reverse((item, i)) = *top;
            if !item.same_key(&first) {
                break;
            }
            match self.sources[i].next()? {
                Some(next) => *top = Reverse((next, i)),
                None => {
                    PeekMut::pop(top);
                }
            }
        }
        Ok(Some(first))
    }
}

/// Merges state files into one count, as one stream: every file is read at once, one
/// buffered decoder each, and only the current person's group is held, so memory does not
/// grow with the items. All must share key and policy. If `out` is given, the merged state is
/// written there too (the state one run over all the shards would have written). Returns the
/// counts and the policy.
pub fn merge_states(paths: &[PathBuf], out: Option<&Path>) -> Result<(ItemCounts, TierPolicy), StateError> {
    let mut sources = Vec::with_capacity(paths.len());
    let mut first: Option<(&Path, StateHeader)> = None;
    let mut records_seen = 0u64;
    for path in paths {
        let (header, entries) = open_state(path)?;
        match first {
            None => first = Some((path, header)),
            Some((first_path, first_header)) => {
                let name = path.display().to_string();
                let first = first_path.display().to_string();
                if header.key_check != first_header.key_check {
                    return Err(StateError::KeyMismatch { path: name, first });
                }
                if header.policy != first_header.policy {
                    let policy = policy_name(header.policy).to_string();
                    return Err(StateError::PolicyMismatch { path: name, policy, first });
                }
            }
        }
        records_seen = records_seen.saturating_add(header.records_seen);
        sources.push(Source::File(entries));
    }
    let Some((_, first)) = first else {
        return Ok((ItemCounts::default(), TierPolicy::default()));
    };
    let writer = match out {
        Some(path) => Some(StateWriter::create(path, StateHeader { records_seen, items: 0, ..first })?),
        None => None,
    };
    Ok((count_merged(sources, writer, records_seen)?, first.policy))
}

/// Streams the distinct items of `sources` through the counter, and into `writer` if given:
/// the end of both `Tally::finish` and `piiscan merge`.
pub(crate) fn count_merged(
    sources: Vec<Source>,
    mut writer: Option<StateWriter>,
    records_seen: u64,
) -> Result<ItemCounts, StateError> {
    let mut counter = Counter::default();
    let mut merge = Merge::new(sources)?;
    while let Some(item) = merge.next()? {
        counter.push(&item);
        if let Some(w) = writer.as_mut() {
            w.push(&item)?;
        }
    }
    if let Some(w) = writer {
        w.finish()?;
    }
    Ok(counter.finish(records_seen))
}
