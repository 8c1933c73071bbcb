//! Progress of a running scan, on the report side: counted by the scan's workers in atomics
//! and read by whoever draws a progress line (the binary, on a terminal). Counting costs an
//! atomic add per stride or text.

use crate::walk::Input;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// Counters of a running scan.
#[derive(Debug, Default)]
pub struct Progress {
    inputs_total: AtomicU64,
    inputs_done: AtomicU64,
    /// Sizes of the files to scan; unknown when a stream is among the inputs.
    bytes_total: AtomicU64,
    total_known: AtomicBool,
    bytes_done: AtomicU64,
    started: OnceLock<Instant>,
}

/// What [`Progress::snapshot`] reads.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Snapshot {
    /// Inputs finished.
    pub inputs_done: u64,
    /// Inputs to scan.
    pub inputs_total: u64,
    /// Bytes scanned.
    pub bytes_done: u64,
    /// Bytes to scan, when known (no stream among the inputs).
    pub bytes_total: Option<u64>,
    /// Time since the scan started.
    pub elapsed: Duration,
}

impl Progress {
    /// Counters at zero.
    pub fn new() -> Self {
        Progress::default()
    }

    /// The walk is done: these are the inputs.
    pub fn start(&self, inputs: &[Input]) {
        let _ = self.started.set(Instant::now());
        self.inputs_total.store(inputs.len() as u64, Ordering::Relaxed);
        let mut total = 0;
        let mut known = true;
        for input in inputs {
            match input {
                Input::File { len, .. } => total += len,
                Input::Stream { .. } => known = false,
            }
        }
        self.bytes_total.store(total, Ordering::Relaxed);
        self.total_known.store(known, Ordering::Relaxed);
    }

    /// One more input finished.
    pub fn input_done(&self, _input: &Input) {
        self.inputs_done.fetch_add(1, Ordering::Relaxed);
    }

    /// `n` more bytes scanned.
    pub fn bytes(&self, n: u64) {
        self.bytes_done.fetch_add(n, Ordering::Relaxed);
    }

    /// The counters now.
    pub fn snapshot(&self) -> Snapshot {
        let known = self.total_known.load(Ordering::Relaxed);
        Snapshot {
            inputs_done: self.inputs_done.load(Ordering::Relaxed),
            inputs_total: self.inputs_total.load(Ordering::Relaxed),
            bytes_done: self.bytes_done.load(Ordering::Relaxed),
            bytes_total: known.then(|| self.bytes_total.load(Ordering::Relaxed)),
            elapsed: self.started.get().map_or(Duration::ZERO, Instant::elapsed),
        }
    }
}

impl Snapshot {
    /// Megabytes (10^6 bytes) scanned per second so far.
    pub fn mb_per_s(&self) -> f64 {
        let secs = self.elapsed.as_secs_f64();
        if secs > 0.0 {
            self.bytes_done as f64 / 1e6 / secs
        } else {
            0.0
        }
    }

    /// The time left at the rate so far, when the total is known and some bytes are done.
    /// Decompressed containers can scan more bytes than their size on disk: the estimate
    /// never goes below zero.
    pub fn eta(&self) -> Option<Duration> {
        let total = self.bytes_total?;
        if self.bytes_done == 0 {
            return None;
        }
        let left = total.saturating_sub(self.bytes_done) as f64;
        Some(Duration::from_secs_f64(left * self.elapsed.as_secs_f64() / self.bytes_done as f64))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_and_estimates() {
        let progress = Progress::new();
        let inputs = [Input::File { path: "a".into(), len: 100 }, Input::File { path: "b".into(), len: 300 }];
        progress.start(&inputs);
        progress.bytes(100);
        progress.input_done(&inputs[0]);
        let s = progress.snapshot();
        assert_eq!((s.inputs_done, s.inputs_total, s.bytes_done, s.bytes_total), (1, 2, 100, Some(400)));
        let with_stream = [Input::Stream { path: None, name: "<stdin>".into() }];
        progress.start(&with_stream);
        assert_eq!(progress.snapshot().bytes_total, None);
        assert_eq!(progress.snapshot().eta(), None);
    }
}
