//! Walk stage: the paths given on the command line become the inputs to scan.
//!
//! Directories are walked in parallel with the `ignore` crate: `.gitignore`, `.ignore` and
//! `.piiscanignore` files are honoured (also outside a git repository) unless `--no-ignore`,
//! hidden files are left out unless `--hidden`, `-g/--glob` selects and excludes, and `.git/`
//! internals are never read. What is named on the command line is always read: a file even
//! if an ignore rule or glob would leave it out, `-` as standard input, and a FIFO, device or
//! process substitution as a stream. Whatever the walk meets and does not read (a FIFO or
//! socket, a symbolic link without `-L`, a file over `--max-filesize`) is listed, never
//! dropped in silence; unreadable directories become [`ScanError`]s and the walk goes on.

use crate::error::{ScanError, SkipReason};
use ignore::overrides::OverrideBuilder;
use ignore::{WalkBuilder, WalkState};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// The name standard input is shown with unless `--stdin-name` says otherwise.
pub const STDIN_NAME: &str = "<stdin>";

/// One input to scan.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Input {
    /// A regular file.
    File {
        /// The path as given joined with the path below it.
        path: PathBuf,
        /// Its size in bytes when walked.
        len: u64,
    },
    /// A stream read once from start to end: standard input (`path` is `None`), or a FIFO,
    /// device or process substitution named on the command line.
    Stream {
        /// Where to open it.
        path: Option<PathBuf>,
        /// The name its findings are shown with.
        name: String,
    },
}

impl Input {
    /// The name the input's findings are shown with.
    pub fn name(&self) -> String {
        match self {
            Input::File { path, .. } => path.display().to_string(),
            Input::Stream { name, .. } => name.clone(),
        }
    }
}

/// Something the walk met and did not read, with why.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Unread {
    /// The path.
    pub path: PathBuf,
    /// Why it is not read.
    pub reason: SkipReason,
    /// What it is, in a few words.
    pub detail: String,
}

/// Walk options.
#[derive(Debug, Clone, Default)]
pub struct WalkOptions {
    /// Follow symbolic links (files and directories).
    pub follow_links: bool,
    /// Include hidden files and directories.
    pub hidden: bool,
    /// Do not honour `.gitignore`, `.ignore` and `.piiscanignore` files.
    pub no_ignore: bool,
    /// Globs selecting the files to read, `!glob` to leave files out (as ripgrep's `-g`).
    pub globs: Vec<String>,
    /// Files larger than this are listed instead of read.
    pub max_filesize: Option<u64>,
    /// The name standard input is shown with.
    pub stdin_name: Option<String>,
    /// Walker threads (`None`: one per core).
    pub threads: Option<usize>,
}

/// What the walk found.
#[derive(Debug, Default)]
pub struct Walked {
    /// The inputs to scan, sorted so that output order never depends on directory order or
    /// thread timing.
    pub inputs: Vec<Input>,
    /// What was met and not read.
    pub unread: Vec<Unread>,
    /// Problems: unreadable paths and directories.
    pub errors: Vec<ScanError>,
}

/// A glob that does not parse.
#[derive(Debug, thiserror::Error)]
#[error("invalid glob `{glob}`: {cause}")]
pub struct GlobError {
    /// The glob as given.
    pub glob: String,
    /// What is wrong with it.
    pub cause: String,
}

/// Lists the inputs below `roots`.
pub fn walk(roots: &[PathBuf], options: &WalkOptions) -> Result<Walked, GlobError> {
    let mut walked = Walked::default();
    let mut dirs = Vec::new();
    for root in roots {
        if root.as_os_str() == "-" {
            let name = options.stdin_name.clone().unwrap_or_else(|| STDIN_NAME.to_string());
            walked.inputs.push(Input::Stream { path: None, name });
            continue;
        }
        // A link named on the command line is followed, as ripgrep does.
        match std::fs::metadata(root) {
            Err(e) => walked.errors.push(ScanError::io(root, e)),
            Ok(meta) if meta.is_dir() => dirs.push(root.clone()),
            Ok(meta) if meta.is_file() => match too_large(meta.len(), options) {
                Some(unread) => walked.unread.push(Unread { path: root.clone(), ..unread }),
                None => walked.inputs.push(Input::File { path: root.clone(), len: meta.len() }),
            },
            // A FIFO, `/dev/stdin`, `<(zcat dump.gz)` or a device, named on purpose: read as a
            // stream to its end.
            Ok(_) => walked.inputs.push(Input::Stream { path: Some(root.clone()), name: root.display().to_string() }),
        }
    }
    if let Some((first, rest)) = dirs.split_first() {
        walk_dirs(first, rest, options, &mut walked)?;
    }
    walked.inputs.sort();
    walked.inputs.dedup();
    walked.unread.sort();
    walked.unread.dedup();
    Ok(walked)
}

/// Walks directories in parallel, adding what they hold to `walked`.
fn walk_dirs(first: &Path, rest: &[PathBuf], options: &WalkOptions, walked: &mut Walked) -> Result<(), GlobError> {
    let mut builder = WalkBuilder::new(first);
    for dir in rest {
        builder.add(dir);
    }
    let honour = !options.no_ignore;
    builder
        .hidden(!options.hidden)
        .ignore(honour)
        .git_ignore(honour)
        .git_global(honour)
        .git_exclude(honour)
        .parents(honour)
        // Ignore files say what a project does not want read, in or out of a repository.
        .require_git(false)
        .follow_links(options.follow_links)
        .threads(options.threads.unwrap_or(0))
        .filter_entry(|entry| entry.depth() == 0 || entry.file_name() != ".git");
    if honour {
        builder.add_custom_ignore_filename(".piiscanignore");
    }
    if !options.globs.is_empty() {
        // As ripgrep: globs with a slash are matched against paths relative to the current
        // directory; globs without one match a name at any depth.
        let cwd = std::env::current_dir().unwrap_or_else(|_| first.to_path_buf());
        let mut overrides = OverrideBuilder::new(cwd);
        for glob in &options.globs {
            overrides.add(glob).map_err(|e| GlobError { glob: glob.clone(), cause: glob_cause(&e) })?;
        }
        let overrides =
            overrides.build().map_err(|e| GlobError { glob: options.globs.join(" "), cause: glob_cause(&e) })?;
        builder.overrides(overrides);
    }
    let found = Mutex::new(Walked::default());
    builder.build_parallel().run(|| {
        let found = &found;
        Box::new(move |entry| {
            let visited = visit(entry, options);
            let mut found = found.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            match visited {
                Visited::Input(input) => found.inputs.push(input),
                Visited::Unread(unread) => found.unread.push(unread),
                Visited::Error(error) => found.errors.push(error),
                Visited::Nothing => {}
            }
            WalkState::Continue
        })
    });
    let found = found.into_inner().unwrap_or_else(std::sync::PoisonError::into_inner);
    walked.inputs.extend(found.inputs);
    walked.unread.extend(found.unread);
    walked.errors.extend(found.errors);
    Ok(())
}

/// `-g/--glob` patterns (`!` to exclude) as the walker matches them, against paths relative to
/// `root`.
pub fn globs(root: &Path, globs: &[String]) -> Result<ignore::overrides::Override, GlobError> {
    let mut overrides = OverrideBuilder::new(root);
    for glob in globs {
        overrides.add(glob).map_err(|e| GlobError { glob: glob.clone(), cause: glob_cause(&e) })?;
    }
    overrides.build().map_err(|e| GlobError { glob: globs.join(" "), cause: glob_cause(&e) })
}

/// What one walked entry is.
enum Visited {
    Input(Input),
    Unread(Unread),
    Error(ScanError),
    Nothing,
}

fn visit(entry: Result<ignore::DirEntry, ignore::Error>, options: &WalkOptions) -> Visited {
    let entry = match entry {
        Ok(entry) => entry,
        Err(e) => return Visited::Error(walk_error(e)),
    };
    let Some(file_type) = entry.file_type() else { return Visited::Nothing };
    if file_type.is_dir() {
        return Visited::Nothing;
    }
    let path = entry.path().to_path_buf();
    if file_type.is_file() {
        return match entry.metadata() {
            Ok(meta) => match too_large(meta.len(), options) {
                Some(unread) => Visited::Unread(Unread { path, ..unread }),
                None => Visited::Input(Input::File { path, len: meta.len() }),
            },
            Err(e) => Visited::Error(walk_error(e)),
        };
    }
    let detail = if file_type.is_symlink() {
        "symbolic link, not followed without -L/--follow"
    } else {
        special_file(&file_type)
    };
    Visited::Unread(Unread { path, reason: SkipReason::NotRegularFile, detail: detail.to_string() })
}

/// What a file that is neither regular nor a directory nor a link is.
#[cfg(unix)]
fn special_file(file_type: &std::fs::FileType) -> &'static str {
    use std::os::unix::fs::FileTypeExt;
    if file_type.is_fifo() {
        "named pipe (FIFO); name it on the command line to read it"
    } else if file_type.is_socket() {
        "socket"
    } else if file_type.is_char_device() || file_type.is_block_device() {
        "device; name it on the command line to read it"
    } else {
        "not a regular file"
    }
}

/// What a file that is neither regular nor a directory nor a link is.
#[cfg(not(unix))]
fn special_file(_: &std::fs::FileType) -> &'static str {
    "not a regular file"
}

/// The listing of a file over `--max-filesize` (its path filled in by the caller).
fn too_large(len: u64, options: &WalkOptions) -> Option<Unread> {
    let limit = options.max_filesize?;
    (len > limit).then(|| Unread {
        path: PathBuf::new(),
        reason: SkipReason::TooLarge,
        detail: format!("{len} bytes, over --max-filesize {limit}"),
    })
}

fn glob_cause(e: &ignore::Error) -> String {
    let text = e.to_string();
    // The ignore crate prefixes the glob itself; the message names it already.
    text.rsplit_once(": ").map_or(text.clone(), |(_, cause)| cause.to_string())
}

fn walk_error(e: ignore::Error) -> ScanError {
    let (path, inner) = unwrap_path(&e);
    let path = path.unwrap_or_else(|| PathBuf::from("."));
    match inner.io_error() {
        Some(io) => ScanError::io(&path, std::io::Error::new(io.kind(), io.to_string())),
        None => ScanError::other(&path, inner.to_string()),
    }
}

/// The path an `ignore` error names, and the error inside it.
fn unwrap_path(e: &ignore::Error) -> (Option<PathBuf>, &ignore::Error) {
    match e {
        ignore::Error::WithPath { path, err } => (Some(path.clone()), unwrap_path(err).1),
        ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => unwrap_path(err),
        other => (None, other),
    }
}

/// Parses a size such as `10M`, `512K`, `2G` or `1000` (bytes; K, M, G are powers of 1024), as
/// ripgrep's `--max-filesize` does.
pub fn parse_size(text: &str) -> Result<u64, String> {
    let text = text.trim();
    let (digits, unit) = match text.char_indices().find(|(_, c)| !c.is_ascii_digit()) {
        Some((i, _)) => text.split_at(i),
        None => (text, ""),
    };
    let n: u64 = digits.parse().map_err(|_| format!("`{text}` is not a size: use a number with K, M or G"))?;
    let scale: u64 = match unit.trim() {
        "" => 1,
        "K" | "k" | "KB" | "KiB" => 1 << 10,
        "M" | "m" | "MB" | "MiB" => 1 << 20,
        "G" | "g" | "GB" | "GiB" => 1 << 30,
        "T" | "t" | "TB" | "TiB" => 1 << 40,
        other => return Err(format!("`{other}` is not a size unit: use K, M, G or T")),
    };
    n.checked_mul(scale).ok_or_else(|| format!("`{text}` is too large"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(walked: &Walked, root: &Path) -> Vec<String> {
        walked
            .inputs
            .iter()
            .map(|i| match i {
                Input::File { path, .. } => path.strip_prefix(root).expect("below").display().to_string(),
                Input::Stream { name, .. } => name.clone(),
            })
            .collect()
    }

    #[test]
    fn skips_git_and_sorts() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::create_dir_all(dir.path().join(".git/objects")).expect("mkdir");
        std::fs::write(dir.path().join(".git/objects/x"), "13800138000").expect("write");
        std::fs::write(dir.path().join("b.txt"), "x").expect("write");
        std::fs::create_dir(dir.path().join("a")).expect("mkdir");
        std::fs::write(dir.path().join("a/c.txt"), "x").expect("write");
        let hidden = WalkOptions { hidden: true, ..WalkOptions::default() };
        let walked = walk(&[dir.path().to_path_buf()], &hidden).expect("walk");
        assert!(walked.errors.is_empty());
        assert_eq!(names(&walked, dir.path()), ["a/c.txt", "b.txt"]);
    }

    #[test]
    fn missing_root_is_an_error() {
        let walked = walk(&[PathBuf::from("/nonexistent/piiscan")], &WalkOptions::default()).expect("walk");
        assert!(walked.inputs.is_empty());
        assert_eq!(walked.errors.len(), 1);
        assert!(walked.errors[0].to_string().contains("/nonexistent/piiscan"));
    }

    #[test]
    fn ignore_files_hidden_files_globs_and_sizes() {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path();
        for (path, body) in [
            (".gitignore", "build/\n"),
            (".piiscanignore", "fixtures/\n"),
            ("build/out.txt", "x"),
            ("fixtures/f.txt", "x"),
            ("src/a.csv", "x"),
            ("src/b.txt", "x"),
            (".env", "x"),
            ("big.txt", "0123456789"),
        ] {
            std::fs::create_dir_all(root.join(path).parent().expect("parent")).expect("mkdir");
            std::fs::write(root.join(path), body).expect("write");
        }
        let roots = [root.to_path_buf()];
        let walked = walk(&roots, &WalkOptions::default()).expect("walk");
        assert_eq!(names(&walked, root), ["big.txt", "src/a.csv", "src/b.txt"]);
        let all = WalkOptions { hidden: true, no_ignore: true, ..WalkOptions::default() };
        let walked = walk(&roots, &all).expect("walk");
        assert_eq!(
            names(&walked, root),
            [
                ".env",
                ".gitignore",
                ".piiscanignore",
                "big.txt",
                "build/out.txt",
                "fixtures/f.txt",
                "src/a.csv",
                "src/b.txt"
            ]
        );
        let globs =
            WalkOptions { globs: vec!["*.csv".into(), "*.txt".into(), "!b.txt".into()], ..WalkOptions::default() };
        assert_eq!(names(&walk(&roots, &globs).expect("walk"), root), ["big.txt", "src/a.csv"]);
        let small = WalkOptions { max_filesize: Some(5), ..WalkOptions::default() };
        let walked = walk(&roots, &small).expect("walk");
        assert_eq!(names(&walked, root), ["src/a.csv", "src/b.txt"]);
        assert_eq!(walked.unread.len(), 1);
        assert_eq!(
            (walked.unread[0].path.as_path(), walked.unread[0].reason),
            (root.join("big.txt").as_path(), SkipReason::TooLarge)
        );
        // Named on the command line, an ignored file is read.
        let named = walk(&[root.join("build/out.txt")], &WalkOptions::default()).expect("walk");
        assert_eq!(named.inputs.len(), 1);
        let bad = WalkOptions { globs: vec!["a{".into()], ..WalkOptions::default() };
        assert!(walk(&roots, &bad).expect_err("bad glob").to_string().contains("a{"));
    }

    #[cfg(unix)]
    #[test]
    fn fifos_are_listed_in_a_walk_and_read_when_named() {
        let dir = tempfile::tempdir().expect("tempdir");
        let fifo = dir.path().join("pipe");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status().expect("mkfifo");
        assert!(made.success());
        let walked = walk(&[dir.path().to_path_buf()], &WalkOptions::default()).expect("walk");
        assert!(walked.inputs.is_empty());
        assert_eq!(walked.unread[0].reason, SkipReason::NotRegularFile);
        let named = walk(std::slice::from_ref(&fifo), &WalkOptions::default()).expect("walk");
        assert!(matches!(&named.inputs[..], [Input::Stream { path: Some(p), .. }] if *p == fifo));
    }

    #[test]
    fn sizes() {
        assert_eq!(parse_size("10M"), Ok(10 << 20));
        assert_eq!(parse_size("512K"), Ok(512 << 10));
        assert_eq!(parse_size("1000"), Ok(1000));
        assert!(parse_size("ten").is_err());
        assert!(parse_size("5X").is_err());
    }
}
