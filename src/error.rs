//! Errors with context: every problem names the path it happened on and the cause, and is
//! reported as one line while the scan goes on.

use std::fmt;
use std::path::{Path, PathBuf};

/// A problem with one input.
#[derive(Debug, thiserror::Error)]
pub struct ScanError {
    /// The file or directory concerned.
    pub path: PathBuf,
    /// What went wrong, in lower case.
    pub cause: String,
    /// Whether the input was left unscanned (an error) or scanned with a caveat (a warning).
    pub incomplete: bool,
}

impl ScanError {
    /// An I/O error: the input could not be read.
    pub fn io(path: &Path, e: std::io::Error) -> Self {
        let cause = match e.kind() {
            std::io::ErrorKind::NotFound => "no such file or directory".to_string(),
            std::io::ErrorKind::PermissionDenied => "permission denied".to_string(),
            _ => e.to_string(),
        };
        ScanError { path: path.to_path_buf(), cause, incomplete: true }
    }

    /// Any other failure that left the input unscanned.
    pub fn other(path: &Path, cause: impl Into<String>) -> Self {
        ScanError { path: path.to_path_buf(), cause: cause.into(), incomplete: true }
    }

    /// A caveat about an input that was still scanned.
    pub fn warning(path: &Path, cause: impl Into<String>) -> Self {
        ScanError { path: path.to_path_buf(), cause: cause.into(), incomplete: false }
    }
}

impl fmt::Display for ScanError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let level = if self.incomplete { "error" } else { "warning" };
        write!(f, "{level}: {}: {}", self.path.display(), self.cause)
    }
}

/// A configuration problem (bad flag value, unreadable pattern file).
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// A user pattern file is unreadable or wrong.
    #[error("{0}")]
    Rules(#[from] crate::rules::RuleError),
    /// The counting state or its key file could not be written or read.
    #[error("summary state: {0}")]
    SummaryOut(String),
    /// The thread pool could not be built.
    #[error("cannot start worker threads: {0}")]
    ThreadPool(String),
}
