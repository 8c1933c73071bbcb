//! Walk stage for git: what a commit, a branch or a repository's history adds, as blobs to
//! scan, read through the git command line (`git diff --raw`, `git diff -U0`, `git log --raw`,
//! `git cat-file --batch`).
//!
//! - `--staged` scans the index (what `git commit` would record), not the working tree;
//! - `--since REV` and `--diff A..B` scan the new version of each changed file whole (so that a
//!   CSV header above the change still names its columns) but report only what lies on the
//!   lines the change added, with their real paths and new line numbers: a commit that deletes
//!   personal data is not blocked for it;
//! - `--git-history` scans every blob reachable from the given revisions once, in commit order,
//!   and names the commit, author date and path that introduced it.

pub use crate::finding::Commit;
use std::collections::HashSet;
use std::io::{BufRead, BufReader, Read, Write};
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::sync::Arc;

/// What of a repository to scan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GitScan {
    /// The index against HEAD.
    Staged,
    /// `REV...HEAD`.
    Since(String),
    /// `A..B` or `A...B`.
    Diff(String),
    /// Every blob reachable from these revisions (`HEAD` when empty).
    History(Vec<String>),
}

/// One blob to scan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Blob {
    /// Its object id.
    pub id: String,
    /// Its path in the repository.
    pub path: String,
    /// For a diff: the lines the change added (1-based, end exclusive); `None` to report the
    /// whole blob (binary files, history).
    pub added_lines: Option<Vec<Range<u64>>>,
    /// For history: the commit that introduced it.
    pub commit: Option<Arc<Commit>>,
    /// For history: the blob it replaced at its path in that commit, if any; only the lines
    /// not in it are reported (they were introduced by an earlier commit).
    pub base: Option<String>,
}

/// A git command that failed.
#[derive(Debug, thiserror::Error)]
#[error("git {args}: {cause}")]
pub struct GitError {
    /// The command's arguments.
    pub args: String,
    /// Why, in git's words.
    pub cause: String,
}

fn git(repo: &Path, args: &[&str]) -> Result<Vec<u8>, GitError> {
    let err = |cause: String| GitError { args: args.join(" "), cause };
    let out = Command::new("git")
        .arg("-C")
        .arg(repo)
        .args(["-c", "core.quotePath=false"])
        .args(args)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| err(format!("cannot run git: {e}")))?;
    if !out.status.success() {
        let stderr = String::from_utf8_lossy(&out.stderr);
        return Err(err(stderr.trim().lines().last().unwrap_or("failed").to_string()));
    }
    Ok(out.stdout)
}

/// The top directory of the repository that holds `path`.
pub fn toplevel(path: &Path) -> Result<PathBuf, GitError> {
    let dir = if path.is_dir() {
        path
    } else {
        path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."))
    };
    let out = git(dir, &["rev-parse", "--show-toplevel"])?;
    Ok(PathBuf::from(String::from_utf8_lossy(&out).trim()))
}

/// The blobs to scan for `scan` in the repository at `repo`.
pub fn blobs(repo: &Path, scan: &GitScan) -> Result<Vec<Blob>, GitError> {
    let range: Vec<String> = match scan {
        GitScan::Staged => vec!["--cached".into()],
        GitScan::Since(rev) => vec![format!("{rev}...HEAD")],
        GitScan::Diff(range) if range.contains("..") => vec![range.clone()],
        GitScan::Diff(range) => {
            return Err(GitError { args: format!("diff {range}"), cause: "give a range: A..B or A...B".into() })
        }
        GitScan::History(revs) => return history(repo, revs),
    };
    let range: Vec<&str> = range.iter().map(String::as_str).collect();
    let mut raw_args = vec!["diff", "--raw", "-z", "--no-abbrev", "-M", "--diff-filter=ACMRT", "--no-ext-diff"];
    raw_args.extend(&range);
    let raw = git(repo, &raw_args)?;
    let mut patch_args = vec!["diff", "-U0", "--no-color", "--no-ext-diff", "-M", "--diff-filter=ACMRT"];
    patch_args.extend(&range);
    let added = added_lines(&git(repo, &patch_args)?);
    let mut out = Vec::new();
    let mut fields = raw.split(|&b| b == 0).filter(|f| !f.is_empty());
    while let Some(meta) = fields.next() {
        let meta = String::from_utf8_lossy(meta);
        let parts: Vec<&str> = meta.trim_start_matches(':').split(' ').collect();
        let [_, new_mode, _, new_id, status] = parts[..] else { continue };
        // A rename or copy names the old path, then the new one.
        if status.starts_with('R') || status.starts_with('C') {
            fields.next();
        }
        let Some(path) = fields.next() else { break };
        let path = String::from_utf8_lossy(path).into_owned();
        // Only regular files: not links (their content is a path) nor submodules.
        if !new_mode.starts_with("100") {
            continue;
        }
        let added_lines = match added.iter().find(|(p, _)| *p == path) {
            Some((_, Some(lines))) => Some(lines.clone()),
            // Binary: no lines, the whole blob is new.
            Some((_, None)) => None,
            None => Some(Vec::new()),
        };
        out.push(Blob { id: new_id.to_string(), path, added_lines, commit: None, base: None });
    }
    Ok(out)
}

/// Per file of a `git diff -U0`, the new line ranges of its hunks (`None` for a binary file).
fn added_lines(patch: &[u8]) -> Vec<(String, Option<Vec<Range<u64>>>)> {
    let mut out: Vec<(String, Option<Vec<Range<u64>>>)> = Vec::new();
    for line in patch.split(|&b| b == b'\n') {
        if let Some(rest) = line.strip_prefix(b"diff --git ") {
            // The new path, in case no `+++` line follows (binary files).
            out.push((new_path_of_header(rest), Some(Vec::new())));
        } else if let Some(rest) = line.strip_prefix(b"+++ ") {
            if rest != b"/dev/null" {
                if let Some(last) = out.last_mut() {
                    last.0 = unquote(rest.strip_suffix(b"\t").unwrap_or(rest)).trim_start_matches("b/").to_string();
                }
            }
        } else if line.starts_with(b"Binary files ") {
            if let Some(last) = out.last_mut() {
                last.1 = None;
            }
        } else if let Some(rest) = line.strip_prefix(b"@@ ") {
            let text = String::from_utf8_lossy(rest);
            let Some(new) = text.split(' ').find(|f| f.starts_with('+')) else { continue };
            let mut parts = new.trim_start_matches('+').split(',');
            let start: u64 = parts.next().and_then(|s| s.parse().ok()).unwrap_or(0);
            let count: u64 = parts.next().map_or(Some(1), |s| s.parse().ok()).unwrap_or(0);
            if let (Some(last), true) = (out.last_mut(), count > 0) {
                if let Some(lines) = &mut last.1 {
                    lines.push(start..start + count);
                }
            }
        }
    }
    out
}

/// The `b/` path of a `diff --git a/x b/x` header (quoted paths unquoted).
fn new_path_of_header(rest: &[u8]) -> String {
    let text = String::from_utf8_lossy(rest);
    if let Some(before_quote) = text.strip_suffix('"') {
        if let Some(start) = before_quote.rfind(" \"") {
            return unquote(text[start + 1..].as_bytes()).trim_start_matches("b/").to_string();
        }
    }
    text.rsplit_once(" b/").map_or(text.to_string(), |(_, p)| p.to_string())
}

/// Undoes git's C-style quoting of a path (`"a\"b\303\251"`); a path without quotes as it is.
fn unquote(path: &[u8]) -> String {
    let Some(inner) = path.strip_prefix(b"\"").and_then(|p| p.strip_suffix(b"\"")) else {
        return String::from_utf8_lossy(path).into_owned();
    };
    let mut out = Vec::new();
    let mut i = 0;
    while i < inner.len() {
        if inner[i] == b'\\' && i + 1 < inner.len() {
            let c = inner[i + 1];
            let octal = inner.get(i + 1..i + 4).filter(|o| o.iter().all(|b| (b'0'..=b'7').contains(b)));
            if let Some(o) = octal {
                out.push((o[0] - b'0') * 64 + (o[1] - b'0') * 8 + (o[2] - b'0'));
                i += 4;
                continue;
            }
            out.push(match c {
                b'n' => b'\n',
                b't' => b'\t',
                b'r' => b'\r',
                other => other,
            });
            i += 2;
        } else {
            out.push(inner[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Every blob reachable from `revs`, each once, with the first commit (oldest first) that
/// added it under a path.
fn history(repo: &Path, revs: &[String]) -> Result<Vec<Blob>, GitError> {
    let mut args = vec![
        "log",
        "--reverse",
        "--format=%x01%H %aI",
        "--raw",
        "-z",
        "--no-abbrev",
        "-m",
        "--no-renames",
        "--diff-filter=AMT",
    ];
    if revs.is_empty() {
        args.push("HEAD");
    }
    args.extend(revs.iter().map(String::as_str));
    let out = git(repo, &args)?;
    let mut seen = HashSet::new();
    let mut blobs = Vec::new();
    let mut commit: Option<Arc<Commit>> = None;
    let mut fields = out.split(|&b| b == 0);
    while let Some(field) = fields.next() {
        let field = field.strip_prefix(b"\n").unwrap_or(field);
        if let Some(header) = field.strip_prefix(b"\x01") {
            let header = String::from_utf8_lossy(header);
            let (hash, date) = header.trim().split_once(' ').unwrap_or((header.trim(), ""));
            commit = Some(Arc::new(Commit { commit: hash.to_string(), author_date: date.to_string() }));
            continue;
        }
        if !field.starts_with(b":") {
            continue;
        }
        let meta = String::from_utf8_lossy(field);
        let parts: Vec<&str> = meta.trim_start_matches(':').split(' ').collect();
        let Some(path) = fields.next() else { break };
        let [old_mode, new_mode, old_id, new_id, _] = parts[..] else { continue };
        if !new_mode.starts_with("100") || !seen.insert(new_id.to_string()) {
            continue;
        }
        let replaced = old_mode.starts_with("100") && old_id.bytes().any(|b| b != b'0');
        blobs.push(Blob {
            id: new_id.to_string(),
            path: String::from_utf8_lossy(path).into_owned(),
            added_lines: None,
            commit: commit.clone(),
            base: replaced.then(|| old_id.to_string()),
        });
    }
    Ok(blobs)
}

/// Reads blobs through one `git cat-file --batch` process.
pub struct BlobReader {
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
}

impl BlobReader {
    /// Starts the reader for the repository at `repo`.
    pub fn new(repo: &Path) -> std::io::Result<Self> {
        let mut child = Command::new("git")
            .arg("-C")
            .arg(repo)
            .args(["cat-file", "--batch"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()?;
        let stdin = child.stdin.take().ok_or_else(|| std::io::Error::other("git cat-file: no stdin"))?;
        let stdout =
            BufReader::new(child.stdout.take().ok_or_else(|| std::io::Error::other("git cat-file: no stdout"))?);
        Ok(BlobReader { child, stdin, stdout })
    }

    /// The content of the blob `id`.
    pub fn read(&mut self, id: &str) -> std::io::Result<Vec<u8>> {
        writeln!(self.stdin, "{id}")?;
        self.stdin.flush()?;
        let mut header = String::new();
        self.stdout.read_line(&mut header)?;
        let fields: Vec<&str> = header.split_whitespace().collect();
        let [_, "blob", size] = fields[..] else {
            return Err(std::io::Error::other(format!("git cat-file: {}", header.trim())));
        };
        let size: usize =
            size.parse().map_err(|_| std::io::Error::other(format!("git cat-file: {}", header.trim())))?;
        let mut content = vec![0; size];
        self.stdout.read_exact(&mut content)?;
        let mut newline = [0; 1];
        self.stdout.read_exact(&mut newline)?;
        Ok(content)
    }
}

impl Drop for BlobReader {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The lines of `new` (1-based ranges, end exclusive) that `old` does not hold: what a commit
/// added to a file. Lines are matched as a multiset, so a line moved within the file is not
/// new, and a line that appears once more than before is.
pub fn new_lines(old: &[u8], new: &[u8]) -> Vec<Range<u64>> {
    let mut count: std::collections::HashMap<&[u8], usize> = std::collections::HashMap::new();
    for line in old.split(|&b| b == b'\n') {
        *count.entry(line.strip_suffix(b"\r").unwrap_or(line)).or_default() += 1;
    }
    let mut out: Vec<Range<u64>> = Vec::new();
    for (i, line) in new.split(|&b| b == b'\n').enumerate() {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        let known = count.get_mut(line).filter(|n| **n > 0);
        match known {
            Some(n) => *n -= 1,
            None => {
                let number = i as u64 + 1;
                match out.last_mut() {
                    Some(last) if last.end == number => last.end += 1,
                    _ => out.push(number..number + 1),
                }
            }
        }
    }
    out
}

/// The byte ranges of `lines` (1-based, end exclusive) in `content`.
pub fn line_byte_ranges(content: &[u8], lines: &[Range<u64>]) -> Vec<Range<u64>> {
    let mut starts = vec![0u64];
    starts.extend(memchr::memchr_iter(b'\n', content).map(|p| p as u64 + 1));
    let len = content.len() as u64;
    lines
        .iter()
        .filter_map(|r| {
            let start = *starts.get(usize::try_from(r.start.checked_sub(1)?).ok()?)?;
            let end = starts.get(usize::try_from(r.end - 1).ok()?).copied().unwrap_or(len);
            (start < end).then_some(start..end)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[allow(clippy::single_range_in_vec_init)]
    fn hunks_give_the_added_lines() {
        let patch = b"diff --git a/x.txt b/x.txt\nindex 1..2 100644\n--- a/x.txt\n+++ b/x.txt\n@@ -2,0 +3 @@ b\n+c\n@@ -5,2 +6,3 @@\n+d\ndiff --git \"a/we ird\\\"n.txt\" \"b/we ird\\\"n.txt\"\n--- /dev/null\n+++ \"b/we ird\\\"n.txt\"\t\n@@ -0,0 +1 @@\n+new\ndiff --git a/gone.txt b/gone.txt\n--- a/gone.txt\n+++ b/gone.txt\n@@ -3 +2,0 @@\n-x\ndiff --git a/b.xlsx b/b.xlsx\nBinary files a/b.xlsx and b/b.xlsx differ\n";
        let added = added_lines(patch);
        assert_eq!(
            added,
            [
                ("x.txt".to_string(), Some(vec![3..4, 6..9])),
                ("we ird\"n.txt".to_string(), Some(vec![1..2])),
                ("gone.txt".to_string(), Some(vec![])),
                ("b.xlsx".to_string(), None),
            ]
        );
        assert_eq!(unquote(b"\"caf\\303\\251\""), "café");
    }

    #[test]
    #[allow(clippy::single_range_in_vec_init)]
    fn new_lines_are_those_the_old_version_lacks() {
        let old = b"id,phone\n1,13800138000\n2,13900139000\n";
        let new = b"id,phone\n2,13900139000\n1,13800138000\n3,13700137000\n1,13800138000\n";
        assert_eq!(new_lines(old, new), [4..6]);
        assert_eq!(new_lines(b"", b"a\nb"), [1..3]);
    }

    #[test]
    #[allow(clippy::single_range_in_vec_init)]
    fn line_ranges_become_byte_ranges() {
        let content = b"a\nbb\nccc\nd";
        assert_eq!(line_byte_ranges(content, &[2..3, 4..5]), [2..5, 9..10]);
        assert_eq!(line_byte_ranges(content, &[1..5]), [0..10]);
        assert!(line_byte_ranges(content, &[9..10]).is_empty());
    }
}
