//! Walk stage: the paths given on the command line become the list of files to scan.
//! Directories are walked recursively (`.git/` internals skipped, symlinks followed only on
//! request); problems such as unreadable directories become [`ScanError`]s and the walk goes on.

use crate::error::ScanError;
use std::path::{Path, PathBuf};
use walkdir::WalkDir;

/// A file to scan, with the path to show for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileEntry {
    /// The path as given joined with the path below it.
    pub path: PathBuf,
}

/// Walk options.
#[derive(Debug, Clone, Copy, Default)]
pub struct WalkOptions {
    /// Follow symbolic links (files and directories).
    pub follow_links: bool,
}

/// Lists the files below `roots`, sorted by path so that output order never depends on
/// directory order or thread timing.
pub fn walk(roots: &[PathBuf], options: WalkOptions) -> (Vec<FileEntry>, Vec<ScanError>) {
    let mut files = Vec::new();
    let mut errors = Vec::new();
    for root in roots {
        if let Err(e) = std::fs::metadata(root) {
            errors.push(ScanError::io(root, e));
            continue;
        }
        let walker = WalkDir::new(root).follow_links(options.follow_links).sort_by_file_name();
        let mut it = walker.into_iter();
        while let Some(entry) = it.next() {
            match entry {
                Ok(entry) => {
                    let ft = entry.file_type();
                    if ft.is_dir() {
                        if entry.depth() > 0 && entry.file_name() == ".git" {
                            it.skip_current_dir();
                        }
                        continue;
                    }
                    if ft.is_file() {
                        files.push(FileEntry { path: entry.into_path() });
                    } else if ft.is_symlink() && entry.depth() == 0 {
                        // A link named on the command line is followed, as ripgrep does.
                        if entry.path().is_file() {
                            files.push(FileEntry { path: entry.into_path() });
                        }
                    }
                }
                Err(e) => errors.push(walk_error(root, e)),
            }
        }
    }
    files.sort_by(|a, b| a.path.cmp(&b.path));
    files.dedup();
    (files, errors)
}

fn walk_error(root: &Path, e: walkdir::Error) -> ScanError {
    let path = e.path().map(Path::to_path_buf).unwrap_or_else(|| root.to_path_buf());
    match e.io_error() {
        Some(io) => ScanError::io(&path, std::io::Error::new(io.kind(), io.to_string())),
        None => ScanError::other(&path, e.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn skips_git_and_sorts() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::create_dir_all(dir.path().join(".git/objects")).expect("mkdir");
        std::fs::write(dir.path().join(".git/objects/x"), "13800138000").expect("write");
        std::fs::write(dir.path().join("b.txt"), "x").expect("write");
        std::fs::create_dir(dir.path().join("a")).expect("mkdir");
        std::fs::write(dir.path().join("a/c.txt"), "x").expect("write");
        let (files, errors) = walk(&[dir.path().to_path_buf()], WalkOptions::default());
        assert!(errors.is_empty());
        let names: Vec<String> =
            files.iter().map(|f| f.path.strip_prefix(dir.path()).expect("below").display().to_string()).collect();
        assert_eq!(names, ["a/c.txt", "b.txt"]);
    }

    #[test]
    fn missing_root_is_an_error() {
        let (files, errors) = walk(&[PathBuf::from("/nonexistent/piiscan")], WalkOptions::default());
        assert!(files.is_empty());
        assert_eq!(errors.len(), 1);
        assert!(errors[0].to_string().contains("/nonexistent/piiscan"));
    }
}
