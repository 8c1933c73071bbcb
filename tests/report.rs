//! The four report formats pinned as snapshots on one fixture tree (`tests/data/ci-tree`), the
//! SARIF output validated against the official 2.1.0 schema, and every output, file and message
//! piiscan writes searched for the fixtures' raw values: none may appear without `--reveal`.

use assert_cmd::Command;
use serde_json::Value;
use std::path::{Path, PathBuf};

const KEY: &str = "the snapshot tests' fingerprint key";

fn tree() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/ci-tree")
}

/// Runs piiscan in the fixture tree: stdout and stderr.
fn run(args: &[&str]) -> (String, String, i32) {
    let out = Command::cargo_bin("piiscan")
        .expect("binary")
        .current_dir(tree())
        .env("PIISCAN_FINGERPRINT_KEY", KEY)
        .args(args)
        .output()
        .expect("run");
    (
        String::from_utf8(out.stdout).expect("utf-8"),
        String::from_utf8(out.stderr).expect("utf-8"),
        out.status.code().expect("code"),
    )
}

/// What changes from run to run or machine to machine: the time taken, the tree's place.
fn stable(text: &str) -> String {
    let root = tree().display().to_string();
    let text = text.replace(&format!("file://{root}"), "file://[tree]");
    text.lines()
        .map(|l| if l.trim_start().starts_with("elapsed:") { "  elapsed: [time]" } else { l })
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn snapshots_of_every_format() {
    for format in ["human", "json", "jsonl", "sarif"] {
        let (stdout, stderr, code) = run(&["scan", "--format", format, "--color", "never", "--summary", "."]);
        assert_eq!(code, 1, "{format}: {stderr}");
        insta::assert_snapshot!(format!("report_{format}"), stable(&stdout));
    }
}

#[test]
fn sarif_validates_against_the_official_schema() {
    let schema: Value = serde_json::from_str(
        &std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/sarif-schema-2.1.0.json"))
            .expect("schema"),
    )
    .expect("schema is JSON");
    let validator = jsonschema::validator_for(&schema).expect("a valid schema");
    // The validator bites: a log with a result missing its message, or runs of the wrong type.
    assert!(!validator.is_valid(&serde_json::json!({ "version": "2.1.0", "runs": "none" })));
    let no_message = serde_json::json!({
        "version": "2.1.0",
        "runs": [{ "tool": { "driver": { "name": "x" } }, "results": [{ "ruleId": "r" }] }],
    });
    assert!(!validator.is_valid(&no_message));
    // With findings, problems and skipped inputs, and from a git history scan (commits).
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("logo.png"), b"\x89PNG\r\n\x1a\n\0\0").expect("write");
    std::fs::write(dir.path().join("broken.zip"), b"PK\x03\x04junk").expect("write");
    let extra = dir.path().display().to_string();
    for args in [vec!["scan", "--format", "sarif", "."], vec!["scan", "--format", "sarif", ".", &extra]] {
        let (stdout, _, _) = run(&args);
        let log: Value = serde_json::from_str(&stdout).expect("SARIF is JSON");
        let errors: Vec<String> =
            validator.iter_errors(&log).map(|e| format!("{} at {}", e, e.instance_path())).collect();
        assert!(errors.is_empty(), "{}", errors.join("\n"));
        let run = &log["runs"][0];
        let rules = run["tool"]["driver"]["rules"].as_array().expect("rules");
        assert!(rules.iter().any(|r| r["id"] == "cn.id_card" && r["properties"]["security-severity"] == "8.0"));
        let result = &run["results"][0];
        assert!(result["partialFingerprints"]["piiscan/v1"].as_str().is_some_and(|f| f.len() == 32));
        assert_eq!(result["locations"][0]["physicalLocation"]["artifactLocation"]["uriBaseId"], "SRCROOT");
        assert_eq!(result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"], "config/app.json");
    }
}

/// Every raw value planted in the fixture tree (and the config's allowed one).
const RAW: &[&str] = &[
    "11010519491231002X",
    "110105198001010016",
    "13800138000",
    "13900139000",
    "13700137000",
    "13600136000",
    "13300133000",
    "6222020000000001230",
    "6212260200012345670",
    "zhang.san@qq.com",
    "lisi@163.com",
    "wang.wu@example.com.cn",
    "E12345678",
    "G87654321",
    "张三",
    "李四",
    "王五",
    "赵六",
    "建国路88号",
];

fn assert_no_raw(what: &str, text: &str) {
    for raw in RAW {
        assert!(!text.contains(raw), "{what} holds the raw value {raw}:\n{text}");
    }
}

#[test]
fn no_output_file_or_message_holds_a_raw_value_without_reveal() {
    let out = tempfile::tempdir().expect("tempdir");
    let file = |name: &str| out.path().join(name).display().to_string();
    for format in ["human", "json", "jsonl", "sarif"] {
        let (stdout, stderr, _) = run(&["scan", "--format", format, "--summary", "-v", "--min-confidence", "low", "."]);
        assert_no_raw(&format!("{format} output"), &stdout);
        assert_no_raw(&format!("{format} messages"), &stderr);
        // Capped listings, written to a file.
        let report = file(&format!("report.{format}"));
        run(&["scan", "--format", format, "--max-findings-per-file", "1", "-o", &report, "."]);
        assert_no_raw(&format!("{format} file"), &std::fs::read_to_string(&report).expect("report"));
    }
    // Baselines, summary states, stale entries.
    let (baseline, state, key) = (file("baseline.json"), file("summary.state"), file("summary.key"));
    run(&["scan", "--baseline-out", &baseline, "--summary-out", &state, "--summary-key", &key, "."]);
    assert_no_raw("the baseline", &std::fs::read_to_string(&baseline).expect("baseline"));
    // The state is binary: searched as bytes.
    assert_no_raw("the summary state", &String::from_utf8_lossy(&std::fs::read(&state).expect("state")));
    let (stdout, stderr, _) =
        run(&["scan", "--format", "json", "--baseline", &baseline, "--report-stale", "users.csv"]);
    assert_no_raw("stale entries", &stdout);
    assert_no_raw("stale messages", &stderr);
    let (stdout, _, _) = run(&["merge", "--format", "json", &state]);
    assert_no_raw("merge", &stdout);
    // Error messages about bad config entries do not echo what they were given.
    let config = out.path().join("bad.toml");
    std::fs::write(&config, "[[allow]]\nfingerprint = \"13800138000\"\nreason = \"x\"\n").expect("write");
    let (_, stderr, code) = run(&["scan", "--config", &config.display().to_string(), "."]);
    assert_eq!(code, 2);
    assert_no_raw("config errors", &stderr);
    // With --reveal the values are there (the search above can find them).
    let (stdout, _, _) = run(&["scan", "--format", "jsonl", "--reveal", "."]);
    assert!(stdout.contains("11010519491231002X") && stdout.contains("13800138000"));
}
