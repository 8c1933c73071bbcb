//! piiscan in a CI pipeline, through the binary, on temporary trees and git repositories made
//! here: the config file, kinds and confidence, rule ids, keyed fingerprints, allow markers and
//! allowlists, baselines, `-o`, git staged/diff/history, closed pipes, and the subcommands'
//! shared defaults.

use assert_cmd::Command;
use serde_json::Value;
use std::path::Path;
use std::process::Stdio;

const KEY: &str = "a fingerprint key for the tests";

fn piiscan() -> Command {
    let mut cmd = Command::cargo_bin("piiscan").expect("binary");
    cmd.env("PIISCAN_FINGERPRINT_KEY", KEY);
    cmd
}

fn write(root: &Path, path: &str, text: &str) {
    let path = root.join(path);
    std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
    std::fs::write(path, text).expect("write");
}

/// `piiscan scan --format json ARGS` in `dir`: the document, the exit code, stderr.
fn scan(dir: &Path, args: &[&str]) -> (Value, i32, String) {
    let out = piiscan().current_dir(dir).args(["scan", "--format", "json"]).args(args).output().expect("run");
    let doc = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
    (doc, out.status.code().expect("code"), String::from_utf8_lossy(&out.stderr).into_owned())
}

/// (path, line, kind) of every finding.
fn found(doc: &Value) -> Vec<(String, u64, String)> {
    doc["findings"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|f| {
                    let path = f["path"].as_str().expect("path").trim_start_matches("./").to_string();
                    (path, f["line"].as_u64().expect("line"), f["kind"].as_str().expect("kind").to_string())
                })
                .collect()
        })
        .unwrap_or_default()
}

fn row(path: &str, line: u64, kind: &str) -> (String, u64, String) {
    (path.to_string(), line, kind.to_string())
}

#[test]
fn the_config_file_is_found_upward_validated_and_applied() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    write(
        root,
        ".piiscan.toml",
        r#"
exclude_kinds = ["email"]
exclude_paths = ["fixtures/**"]
fail_on = "any"

[[allow]]
value = "13800138000"
kind = "mobile"
reason = "the MIIT sample number our docs use"

[[rules]]
kind = "employee_id"
category = "identity"
tier = "C"
description = "staff numbers"
regex = 'EMP[0-9]{6}'
examples = [{ text = "EMP123456", value = "EMP123456" }]
negative_examples = [{ text = "xEMP123456", why = "glued to a letter" }]

[limits]
max_archive_depth = 3
"#,
    );
    write(root, "src/app/users.txt", "13800138000 13900139000 a.b@qq.com EMP123456\n");
    write(root, "fixtures/f.txt", "13700137000\n");
    // Found from a directory below it.
    let (doc, code, stderr) = scan(&root.join("src"), &["."]);
    assert_eq!(code, 1, "{stderr}");
    assert_eq!(found(&doc), [row("app/users.txt", 1, "mobile"), row("app/users.txt", 1, "employee_id")]);
    assert_eq!(doc["summary"]["suppressed"]["allowlist"], 1);
    assert_eq!(doc["summary"]["suppressed"]["excluded_kind"], 1);
    // From the root: the excluded path is not read.
    let (doc, _, _) = scan(root, &["."]);
    assert!(!found(&doc).iter().any(|(p, _, _)| p.starts_with("fixtures")));
    // --no-config: everything.
    let (doc, _, _) = scan(root, &["--no-config", "."]);
    assert_eq!(found(&doc).len(), 4, "{:?}", found(&doc));
    // --config names another file; flags win over it.
    write(root, "other.toml", "kinds = [\"email\"]\n");
    let (doc, _, _) = scan(root, &["--config", "other.toml", "src"]);
    assert_eq!(found(&doc), [row("src/app/users.txt", 1, "email")]);
    let (doc, _, _) = scan(root, &["--config", "other.toml", "--kinds", "cn.mobile", "src"]);
    assert_eq!(found(&doc).len(), 2);

    // Every problem of a bad file, each with its line and key, and exit 2.
    write(root, "bad.toml", "kinds = [\"phone\"]\nmin_confidence = \"sure\"\n[[allow]]\nvalue = \"x\"\n");
    let (_, code, stderr) = scan(root, &["--config", "bad.toml", "."]);
    assert_eq!(code, 2);
    assert!(stderr.contains("bad.toml:1: kinds: unknown kind `phone`; valid: id_card, mobile"), "{stderr}");
    assert!(stderr.contains("bad.toml:2: min_confidence: unknown value `sure`; valid: low, medium, high"), "{stderr}");
    assert!(stderr.contains("bad.toml:3: allow[0]: needs a `reason`"), "{stderr}");
    let check = piiscan().current_dir(root).args(["config", "check", "bad.toml"]).output().expect("run");
    assert_eq!(check.status.code(), Some(2));
    assert_eq!(String::from_utf8_lossy(&check.stderr).lines().count(), 3);
    let check = piiscan().current_dir(root.join("src")).args(["config", "check"]).output().expect("run");
    assert_eq!(check.status.code(), Some(0), "{}", String::from_utf8_lossy(&check.stderr));
    assert!(String::from_utf8_lossy(&check.stdout).contains("valid (1 allow entries, 1 rules, 1 excluded paths)"));
}

#[test]
fn kinds_confidence_and_rule_ids() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    // A known BIN failing Luhn next to a card label: a "maybe" (low confidence).
    write(root, "a.txt", "卡号 6222020000000001231 手机 13800138000 zhang@qq.com\n");
    let (doc, code, _) = scan(root, &["a.txt"]);
    assert_eq!(code, 1);
    let kinds: Vec<String> = found(&doc).into_iter().map(|(_, _, k)| k).collect();
    assert_eq!(kinds, ["mobile", "email"], "a maybe does not block a merge by default");
    assert_eq!(doc["summary"]["below_min_confidence"]["bank_card"], 1, "but it is counted");
    let (doc, _, _) = scan(root, &["--min-confidence", "low", "a.txt"]);
    let card = &doc["findings"][0];
    assert_eq!(
        (card["kind"].as_str(), card["confidence"].as_str(), card["rule_id"].as_str()),
        (Some("bank_card"), Some("low"), Some("cn.bank_card"))
    );
    let (doc, _, _) = scan(root, &["--kinds", "email", "a.txt"]);
    assert_eq!(found(&doc), [row("a.txt", 1, "email")]);
    assert_eq!(doc["findings"][0]["rule_id"], "pii.email");
    let (doc, _, _) = scan(root, &["--exclude-kinds", "cn.mobile,email", "a.txt"]);
    assert!(found(&doc).is_empty());
    // An unknown kind lists the valid ones and never suggests another flag.
    let (_, code, stderr) = scan(root, &["--kinds", "phone", "a.txt"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("--kinds: unknown kind `phone`; valid: id_card, mobile, bank_card"), "{stderr}");
    assert!(!stderr.contains("insider"));
}

#[test]
fn fingerprints_are_keyed_and_ignore_lines() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    write(root, "a.txt", "13800138000\n");
    let fp = |doc: &Value| doc["findings"][0]["fingerprint"].as_str().expect("fingerprint").to_string();
    let (first, _, _) = scan(root, &["a.txt"]);
    write(root, "a.txt", "\n\nmoved down: 13800138000\n");
    let (moved, _, _) = scan(root, &["a.txt"]);
    assert_eq!(fp(&first), fp(&moved), "line numbers never enter a fingerprint");
    let other = piiscan()
        .current_dir(root)
        .env("PIISCAN_FINGERPRINT_KEY", "another key, also long enough")
        .args(["scan", "--format", "json", "a.txt"])
        .output()
        .expect("run");
    let other: Value = serde_json::from_slice(&other.stdout).expect("json");
    assert_ne!(fp(&first), fp(&other), "another key, another fingerprint");
    // No plain digest of the value anywhere: the fingerprint is not a hash of it alone.
    for unkeyed in [sha256_hex(b"13800138000"), sha256_hex(b"cn.mobile\x0013800138000")] {
        assert!(!fp(&first).starts_with(&unkeyed[..32]));
    }
    // A key file works as the environment does, and is created outside the tree.
    let key_file = dir.path().join("keys/fp.key");
    let out = Command::cargo_bin("piiscan")
        .expect("binary")
        .env_remove("PIISCAN_FINGERPRINT_KEY")
        .current_dir(root)
        .args(["scan", "--format", "jsonl", "--fingerprint-key"])
        .arg(&key_file)
        .arg("a.txt")
        .output()
        .expect("run");
    assert!(key_file.exists());
    assert!(String::from_utf8_lossy(&out.stdout).contains("\"fingerprint\":"));
}

fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

#[test]
fn allow_markers_hide_only_their_kind_on_their_lines() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    write(
        root,
        "docs.md",
        "示例 13800138000 联系 zhang@qq.com <!-- piiscan:allow mobile -->\n\
         13900139000\n\
         13700137000\n\
         # piiscan:allow\n\
         11010519491231002X 13600136000\n\
         11010519491231002X\n",
    );
    let (doc, code, _) = scan(root, &["docs.md"]);
    assert_eq!(code, 1);
    assert_eq!(
        found(&doc),
        [row("docs.md", 1, "email"), row("docs.md", 3, "mobile"), row("docs.md", 6, "id_card")],
        "another kind on the marker's line, the same kind two lines down, the same value after the line it covers"
    );
    assert_eq!(doc["summary"]["suppressed"]["allow_marker"], 4);
}

#[test]
fn baselines_report_only_what_is_new_and_list_what_is_stale() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    write(root, "a.csv", "name,phone\n张三,13800138000\n李四,13900139000\n");
    let (_, code, _) = scan(root, &["--baseline-out", "baseline.json", "a.csv"]);
    assert_eq!(code, 1);
    let baseline = std::fs::read_to_string(root.join("baseline.json")).expect("baseline");
    for raw in ["13800138000", "13900139000", "张三", "李四"] {
        assert!(!baseline.contains(raw), "no value in the baseline: {baseline}");
    }
    assert!(baseline.contains("cn.mobile") && baseline.contains("\"path\": \"a.csv\""), "{baseline}");
    let leftovers: Vec<_> = std::fs::read_dir(root).expect("dir").map(|e| e.expect("entry").file_name()).collect();
    assert_eq!(leftovers.len(), 2, "no temporary file left: {leftovers:?}");
    // Nothing new: clean.
    let (doc, code, _) = scan(root, &["--baseline", "baseline.json", "a.csv"]);
    assert_eq!(code, 0, "{doc}");
    assert_eq!(doc["summary"]["suppressed"]["baseline"], 4);
    // A new row is reported; a removed one is stale.
    write(root, "a.csv", "name,phone\n张三,13800138000\n王五,13700137000\n");
    let (doc, code, _) = scan(root, &["--baseline", "baseline.json", "--report-stale", "a.csv"]);
    assert_eq!(code, 1);
    assert_eq!(found(&doc), [row("a.csv", 3, "name"), row("a.csv", 3, "mobile")]);
    assert_eq!(doc["summary"]["stale_baseline_entries"].as_array().expect("stale").len(), 2);
    // Made with another key: refused, not silently matching nothing.
    let out = piiscan()
        .current_dir(root)
        .env("PIISCAN_FINGERPRINT_KEY", "a different key, long enough")
        .args(["scan", "--baseline", "baseline.json", "a.csv"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("made with another fingerprint key"));
}

#[test]
fn output_files_are_written_whole() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    write(root, "a.txt", "13800138000\n");
    for format in ["human", "json", "jsonl", "sarif"] {
        let out = piiscan()
            .current_dir(root)
            .args(["scan", "--format", format, "-o", "out/report", "a.txt"])
            .output()
            .expect("run");
        // The directory must exist: the temporary file is made beside the target.
        assert_eq!(out.status.code(), Some(2), "{format}: no such directory");
        std::fs::create_dir_all(root.join("out")).expect("mkdir");
        let out = piiscan()
            .current_dir(root)
            .args(["scan", "--format", format, "-o", "out/report", "a.txt"])
            .output()
            .expect("run");
        assert_eq!(out.status.code(), Some(1), "{format}");
        assert!(out.stdout.is_empty(), "{format}: nothing on stdout");
        let report = std::fs::read_to_string(root.join("out/report")).expect("report");
        assert!(report.contains("138****8000"), "{format}: {report}");
        assert_eq!(std::fs::read_dir(root.join("out")).expect("dir").count(), 1, "{format}: no temporary file left");
        std::fs::remove_dir_all(root.join("out")).expect("rm");
    }
}

/// A git repository in `root` with one commit of `files`.
fn repo(root: &Path, files: &[(&str, &str)]) {
    git(root, &["init", "-q"]);
    git(root, &["config", "user.email", "dev@example.com"]);
    git(root, &["config", "user.name", "dev"]);
    for (path, text) in files {
        write(root, path, text);
    }
    git(root, &["add", "-A"]);
    git(root, &["commit", "-qm", "first", "--date", "2024-01-02T03:04:05+08:00"]);
}

fn git(root: &Path, args: &[&str]) -> String {
    let out = std::process::Command::new("git").current_dir(root).args(args).output().expect("git");
    assert!(out.status.success(), "git {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

#[test]
fn staged_scans_the_index_and_only_added_lines() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    repo(root, &[("users.csv", "姓名,手机\n张三,13800138000\n")]);
    // Staged: a new row. Then the working tree changes again, unstaged.
    write(root, "users.csv", "姓名,手机\n张三,13800138000\n李四,13900139000\n");
    git(root, &["add", "users.csv"]);
    write(root, "users.csv", "姓名,手机\n张三,13800138000\n李四,13900139000\n王五,13700137000\n");
    let (doc, code, stderr) = scan(root, &["--staged"]);
    assert_eq!(code, 1, "{stderr}");
    // The staged row, with its column name from the header the change did not touch; neither
    // the committed row nor the unstaged one.
    assert_eq!(found(&doc), [row("users.csv", 3, "name"), row("users.csv", 3, "mobile")]);
    // Nothing staged: clean.
    git(root, &["reset", "-q"]);
    let (doc, code, _) = scan(root, &["--staged"]);
    assert_eq!((code, found(&doc).len()), (0, 0));
}

#[test]
fn diffs_scan_added_lines_with_new_line_numbers_and_history_names_commits() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    repo(root, &[("users.csv", "姓名,手机\n张三,13800138000\n"), ("README.md", "hello\n")]);
    let base = git(root, &["rev-parse", "HEAD"]);
    git(root, &["checkout", "-qb", "feature"]);
    write(root, "users.csv", "姓名,手机\n李四,13900139000\n张三,13800138000\n");
    write(root, "notes/new.txt", "call 13700137000\n");
    git(root, &["add", "-A"]);
    git(root, &["commit", "-qm", "second", "--date", "2024-02-03T04:05:06+08:00"]);
    let second = git(root, &["rev-parse", "HEAD"]);
    let expected = [row("notes/new.txt", 1, "mobile"), row("users.csv", 2, "name"), row("users.csv", 2, "mobile")];
    let (doc, code, stderr) = scan(root, &["--since", &base]);
    assert_eq!(code, 1, "{stderr}");
    assert_eq!(found(&doc), expected);
    let (doc, _, _) = scan(root, &["--diff", &format!("{base}..{second}")]);
    assert_eq!(found(&doc), expected);
    // A commit that removes personal data is not blocked for it.
    write(root, "users.csv", "姓名,手机\n");
    git(root, &["commit", "-qam", "remove the rows"]);
    let (doc, code, _) = scan(root, &["--diff", "HEAD~1..HEAD"]);
    assert_eq!((code, found(&doc).len()), (0, 0), "{doc}");

    // History: every value once, at the commit that introduced it.
    let (doc, code, _) = scan(root, &["--git-history"]);
    assert_eq!(code, 1);
    let introduced: Vec<(String, u64, String, String, String)> = doc["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| {
            (
                f["path"].as_str().expect("path").to_string(),
                f["line"].as_u64().expect("line"),
                f["kind"].as_str().expect("kind").to_string(),
                f["commit"].as_str().expect("commit").to_string(),
                f["author_date"].as_str().expect("date").to_string(),
            )
        })
        .collect();
    let first = git(root, &["rev-list", "--max-parents=0", "HEAD"]);
    let at = |path: &str, line, kind: &str, commit: &str, date: &str| {
        (path.to_string(), line, kind.to_string(), commit.to_string(), date.to_string())
    };
    assert_eq!(
        introduced,
        [
            at("notes/new.txt", 1, "mobile", &second, "2024-02-03T04:05:06+08:00"),
            // Sorted by path and offset, then in commit order.
            at("users.csv", 2, "name", &first, "2024-01-02T03:04:05+08:00"),
            at("users.csv", 2, "name", &second, "2024-02-03T04:05:06+08:00"),
            at("users.csv", 2, "mobile", &first, "2024-01-02T03:04:05+08:00"),
            at("users.csv", 2, "mobile", &second, "2024-02-03T04:05:06+08:00"),
        ]
    );
    let human = piiscan().current_dir(root).args(["scan", "--git-history", "--color", "never"]).output().expect("run");
    assert!(String::from_utf8_lossy(&human.stdout).contains(&format!("introduced in {}", &second[..12])));
    // Outside a repository: a clear error.
    let elsewhere = tempfile::tempdir().expect("tempdir");
    let (_, code, stderr) = scan(elsewhere.path(), &["--staged"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("git rev-parse"), "{stderr}");
}

/// Runs piiscan with its stdout closed before it writes: a normal stop, never a panic.
#[cfg(unix)]
fn closed_pipe(args: &[&str], cwd: &Path) -> (Option<i32>, String) {
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("piiscan"))
        .current_dir(cwd)
        .env("PIISCAN_FINGERPRINT_KEY", KEY)
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    drop(child.stdout.take());
    let out = child.wait_with_output().expect("wait");
    (out.status.code(), String::from_utf8_lossy(&out.stderr).into_owned())
}

#[cfg(unix)]
#[test]
fn every_subcommand_stops_cleanly_on_a_closed_pipe() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    let rows: String = (0..20_000).map(|i| format!("{i},139{i:08}\n")).collect();
    write(root, "a.csv", &format!("id,phone\n{rows}"));
    write(root, ".piiscan.toml", "fail_on = \"any\"\n");
    let (_, _, _) = scan(root, &["--summary-out", "state.json", "a.csv"]);
    for args in [
        &["rules"][..],
        &["rules", "--check"],
        &["scan", "--max-findings-per-file", "0", "a.csv"],
        &["scan", "--format", "jsonl", "--max-findings-per-file", "0", "a.csv"],
        &["scan", "--format", "sarif", "a.csv"],
        &["merge", "state.json"],
        &["config", "check"],
    ] {
        let (code, stderr) = closed_pipe(args, root);
        assert_ne!(code, Some(101), "{args:?} panicked: {stderr}");
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
        assert!(!stderr.contains("Broken pipe"), "{args:?}: {stderr}");
    }
}

#[test]
fn scan_and_merge_share_their_defaults() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    write(root, "a.txt", "13800138000\n");
    let (_, code, _) = scan(root, &["--summary-out", "state.json", "--summary-key", "k.key", "a.txt"]);
    assert_eq!(code, 1, "scan: any finding");
    let merged = piiscan().current_dir(root).args(["merge", "state.json"]).output().expect("run");
    assert_eq!(merged.status.code(), Some(1), "merge: any item, as scan");
    let merged =
        piiscan().current_dir(root).args(["merge", "--fail-on", "serious", "state.json"]).output().expect("run");
    assert_eq!(merged.status.code(), Some(0), "one item is not serious");
    // The generator is not part of the product.
    let help = piiscan().arg("--help").output().expect("run");
    assert!(!String::from_utf8_lossy(&help.stdout).contains("generate"));
    assert_eq!(piiscan().arg("generate").output().expect("run").status.code(), Some(2));
}
