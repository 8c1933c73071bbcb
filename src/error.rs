//! Errors with context: every problem names the path it happened on and the cause, and is
//! reported as one line while the scan goes on.

use std::fmt;
use std::path::{Path, PathBuf};

/// Why an input, or a member of one, was not scanned, or not fully. The snake_case names are
/// part of the JSON output (`summary.skipped[].reason`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SkipReason {
    /// Binary content (an image, an executable, mostly control bytes).
    Binary,
    /// A format piiscan does not read (7z, RAR, a PDF without a text layer, ...).
    Unsupported,
    /// Larger than `--max-filesize`.
    TooLarge,
    /// A FIFO, socket or device met while walking a directory.
    NotRegularFile,
    /// A compressed file or archive, with `--no-archives`.
    ArchivesDisabled,
    /// Encrypted content.
    Encrypted,
    /// An archive limit was reached (decompressed bytes, ratio, entries, depth): the input was
    /// read only in part. Makes the scan incomplete.
    Limit,
    /// The input could not be read, or not to its end. Makes the scan incomplete.
    Unreadable,
}

impl SkipReason {
    /// Every reason, in output order.
    pub const ALL: [SkipReason; 8] = [
        SkipReason::Binary,
        SkipReason::Unsupported,
        SkipReason::TooLarge,
        SkipReason::NotRegularFile,
        SkipReason::ArchivesDisabled,
        SkipReason::Encrypted,
        SkipReason::Limit,
        SkipReason::Unreadable,
    ];

    /// The name used in output.
    pub fn name(self) -> &'static str {
        match self {
            SkipReason::Binary => "binary",
            SkipReason::Unsupported => "unsupported",
            SkipReason::TooLarge => "too_large",
            SkipReason::NotRegularFile => "not_regular_file",
            SkipReason::ArchivesDisabled => "archives_disabled",
            SkipReason::Encrypted => "encrypted",
            SkipReason::Limit => "limit",
            SkipReason::Unreadable => "unreadable",
        }
    }

    /// Whether an input skipped for this reason makes the scan incomplete (exit 2): it may
    /// hold personal data that was not read, and the user did not choose to leave it out.
    pub fn makes_incomplete(self) -> bool {
        matches!(self, SkipReason::Limit | SkipReason::Unreadable)
    }
}

impl fmt::Display for SkipReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A problem with one input.
#[derive(Debug, thiserror::Error)]
pub struct ScanError {
    /// The input concerned: a path, or an inner path such as `exports.zip!users.csv`.
    pub path: PathBuf,
    /// What went wrong, in lower case.
    pub cause: String,
    /// Whether the input was left unscanned or read only in part (an error), or scanned with a
    /// caveat (a warning).
    pub incomplete: bool,
    /// For an error, why the input counts as skipped.
    pub reason: Option<SkipReason>,
}

impl ScanError {
    /// An I/O error: the input could not be read. An archive limit reached while reading
    /// ([`LimitExceeded`] inside the error) is told apart.
    pub fn io(path: &Path, e: std::io::Error) -> Self {
        if let Some(limit) = e.get_ref().and_then(|inner| inner.downcast_ref::<LimitExceeded>()) {
            return ScanError::limit(path, limit);
        }
        let cause = match e.kind() {
            std::io::ErrorKind::NotFound => "no such file or directory".to_string(),
            std::io::ErrorKind::PermissionDenied => "permission denied".to_string(),
            _ => e.to_string(),
        };
        ScanError { path: path.to_path_buf(), cause, incomplete: true, reason: Some(SkipReason::Unreadable) }
    }

    /// Any other failure that left the input unscanned.
    pub fn other(path: &Path, cause: impl Into<String>) -> Self {
        ScanError {
            path: path.to_path_buf(),
            cause: cause.into(),
            incomplete: true,
            reason: Some(SkipReason::Unreadable),
        }
    }

    /// An archive limit that stopped the reading of an input.
    pub fn limit(path: &Path, limit: &LimitExceeded) -> Self {
        ScanError {
            path: path.to_path_buf(),
            cause: limit.to_string(),
            incomplete: true,
            reason: Some(SkipReason::Limit),
        }
    }

    /// A caveat about an input that was still scanned.
    pub fn warning(path: &Path, cause: impl Into<String>) -> Self {
        ScanError { path: path.to_path_buf(), cause: cause.into(), incomplete: false, reason: None }
    }
}

/// An archive limit reached while reading an input: it says which limit, the value reached,
/// and the option that raises it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LimitExceeded {
    /// More decompressed bytes than `--max-archive-bytes` from one input.
    #[error("stopped after {read} decompressed bytes: over the limit of {limit} per input (raise it with --max-archive-bytes)")]
    Bytes {
        /// Bytes decompressed when reading stopped.
        read: u64,
        /// The limit.
        limit: u64,
    },
    /// A compression ratio above `--max-archive-ratio` (a decompression bomb, most likely).
    #[error("decompresses {ratio}x its compressed size, over the limit of {limit}x: likely a decompression bomb (raise it with --max-archive-ratio)")]
    Ratio {
        /// The ratio reached.
        ratio: u64,
        /// The limit.
        limit: u64,
    },
    /// More members than `--max-archive-entries` in one input.
    #[error("more than {limit} archive members (raise it with --max-archive-entries)")]
    Entries {
        /// The limit.
        limit: u64,
    },
    /// Archives nested deeper than `--max-archive-depth`.
    #[error("nested {depth} archives deep, over the limit of {limit} (raise it with --max-archive-depth)")]
    Depth {
        /// The depth reached.
        depth: u32,
        /// The limit.
        limit: u32,
    },
}

impl LimitExceeded {
    /// The limit as an I/O error, so that it travels through `Read` implementations.
    pub fn into_io(self) -> std::io::Error {
        std::io::Error::other(self)
    }
}

impl fmt::Display for ScanError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let level = if self.incomplete { "error" } else { "warning" };
        write!(f, "{level}: {}: {}", self.path.display(), self.cause)
    }
}

/// A problem in a file the user wrote (a config or pattern file): where it is, which key or
/// rule, and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The file, as given.
    pub file: String,
    /// The 1-based line, where known.
    pub line: Option<usize>,
    /// The key or rule concerned (`allow[2].reason`, `rule employee_id: regex`); may be empty.
    pub key: String,
    /// What is wrong, in lower case.
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
        }
        if !self.key.is_empty() {
            write!(f, ": {}", self.key)?;
        }
        write!(f, ": {}", self.message)
    }
}

/// Problems of a file, one per line when shown.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct Problems(pub Vec<Problem>);

impl fmt::Display for Problems {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, p) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{p}")?;
        }
        Ok(())
    }
}

/// A configuration problem (bad flag value, unreadable pattern file).
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// A config or pattern file is unreadable or wrong: every problem found.
    #[error("{0}")]
    Problems(#[from] Problems),
    /// Counting for the assessment failed: its key file, a spill to disk, or the state file.
    #[error("{0}")]
    Counting(#[from] crate::aggregate::StateError),
    /// The fingerprint key cannot be read or made.
    #[error("{0}")]
    Key(#[from] crate::fingerprint::KeyError),
    /// A baseline cannot be read or written.
    #[error("{0}")]
    Baseline(#[from] crate::baseline::BaselineError),
    /// A baseline was asked for, but no fingerprint key is available.
    #[error("{0} needs a fingerprint key: set PIISCAN_FINGERPRINT_KEY or give --fingerprint-key FILE")]
    NoKey(&'static str),
    /// A git command failed (not a repository, an unknown revision).
    #[error("{0}")]
    Git(String),
    /// A `-g/--glob` that does not parse.
    #[error("{0}")]
    Glob(String),
    /// The thread pool could not be built.
    #[error("cannot start worker threads: {0}")]
    ThreadPool(String),
}
