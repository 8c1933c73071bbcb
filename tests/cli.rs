//! The binary's contract: exit codes, output formats and their exact keys, masking, determinism,
//! error handling, and the sample tree shipped in `examples/`.

use assert_cmd::Command;
use predicates::prelude::*;
use serde_json::Value;
use std::path::Path;

fn piiscan() -> Command {
    Command::cargo_bin("piiscan").expect("binary")
}

const RAW_VALUES: &[&str] =
    &["11010519491231002X", "13800138000", "6222020000000001230", "zhang.san@qq.com", "E12345678"];

fn leaky_tree() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        dir.path().join("users.csv"),
        "name,id,phone,card,email,passport\n张三,11010519491231002X,13800138000,6222020000000001230,zhang.san@qq.com,E12345678\n",
    )
    .expect("write");
    std::fs::write(dir.path().join("note.txt"), "住址：北京市朝阳区建国路88号\n").expect("write");
    dir
}

fn jsonl(out: &[u8]) -> Vec<Value> {
    String::from_utf8_lossy(out).lines().map(|l| serde_json::from_str(l).expect("json line")).collect()
}

#[test]
fn exit_code_zero_when_clean() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("a.txt"), "nothing personal here: order 20240101000000000001\n").expect("write");
    piiscan().arg("scan").arg(dir.path()).assert().code(0);
}

#[test]
fn exit_code_one_when_findings() {
    let dir = leaky_tree();
    piiscan().arg("scan").arg(dir.path()).assert().code(1);
}

#[test]
fn exit_code_two_on_usage_error_and_unreadable_input() {
    piiscan().args(["scan", "--format", "xml"]).assert().code(2);
    piiscan().args(["scan", "-j", "0", "."]).assert().code(2).stderr(predicate::str::contains("--threads"));
    let dir = leaky_tree();
    let missing = dir.path().join("missing.csv");
    // The scan goes on: findings in the readable files are still reported.
    piiscan()
        .args(["scan", "--format", "jsonl"])
        .arg(dir.path())
        .arg(&missing)
        .assert()
        .code(2)
        .stdout(predicate::str::contains("\"kind\":\"mobile\""))
        .stderr(predicate::str::contains(missing.display().to_string()).and(predicate::str::contains("no such file")));
}

#[test]
fn help_documents_exit_codes() {
    piiscan().args(["scan", "--help"]).assert().success().stdout(predicate::str::contains("scan incomplete"));
}

#[test]
fn jsonl_has_exactly_the_contract_keys() {
    let dir = leaky_tree();
    let out = piiscan()
        .args(["scan", "--format", "jsonl"])
        .env("PIISCAN_FINGERPRINT_KEY", "a key of sixteen bytes or more")
        .arg(dir.path())
        .output()
        .expect("run");
    let rows = jsonl(&out.stdout);
    assert!(rows.len() >= 6);
    let expected = [
        "category",
        "column",
        "confidence",
        "fingerprint",
        "kind",
        "length",
        "line",
        "offset",
        "path",
        "rule_id",
        "tier",
        "value",
    ];
    for row in &rows {
        let mut keys: Vec<&str> = row.as_object().expect("object").keys().map(String::as_str).collect();
        keys.sort_unstable();
        assert_eq!(keys, expected);
        assert!(["A", "B", "C"].contains(&row["tier"].as_str().expect("tier")));
        assert!(["high", "medium", "low"].contains(&row["confidence"].as_str().expect("confidence")));
    }
    let kinds: Vec<&str> = rows.iter().map(|r| r["kind"].as_str().expect("kind")).collect();
    for kind in ["id_card", "mobile", "bank_card", "email", "passport", "address"] {
        assert!(kinds.contains(&kind), "{kind} missing from {kinds:?}");
    }
}

#[test]
fn positions_refer_to_original_bytes_and_characters() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("p.txt");
    let content = "第一行\n电话：13800138000\n";
    std::fs::write(&path, content).expect("write");
    let out = piiscan().args(["scan", "--format", "jsonl"]).arg(&path).output().expect("run");
    let rows = jsonl(&out.stdout);
    assert_eq!(rows.len(), 1);
    let r = &rows[0];
    assert_eq!(r["line"], 2);
    assert_eq!(r["column"], 4); // 电 话 ： then the number, counted in characters
    let offset = r["offset"].as_u64().expect("offset") as usize;
    assert_eq!(&content.as_bytes()[offset..offset + 11], b"13800138000");
    assert_eq!(r["length"], 11);
    assert_eq!(r["path"], path.display().to_string());
}

#[test]
fn byte_order_mark_is_not_a_column() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("bom.csv");
    std::fs::write(&path, "\u{feff}手机13800138000\r\n").expect("write");
    let out = piiscan().args(["scan", "--format", "jsonl"]).arg(&path).output().expect("run");
    let rows = jsonl(&out.stdout);
    assert_eq!(rows[0]["column"], 3);
    assert_eq!(rows[0]["offset"], 9);
}

#[test]
fn gbk_offsets_point_into_the_file_on_disk() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("old.csv");
    let (bytes, _, _) = encoding_rs::GBK.encode("姓名,住址,电话\n张三,北京市朝阳区建国路88号,13800138000\n");
    std::fs::write(&path, &bytes).expect("write");
    let out = piiscan().args(["scan", "--format", "jsonl", "--reveal"]).arg(&path).output().expect("run");
    let rows = jsonl(&out.stdout);
    let kinds: Vec<&str> = rows.iter().map(|r| r["kind"].as_str().expect("kind")).collect();
    assert_eq!(kinds, ["name", "address", "mobile"]);
    let m = &rows[2];
    let offset = m["offset"].as_u64().expect("offset") as usize;
    assert_eq!(&bytes[offset..offset + 11], b"13800138000");
    let a = &rows[1];
    let (start, len) = (a["offset"].as_u64().expect("o") as usize, a["length"].as_u64().expect("l") as usize);
    let (decoded, _, _) = encoding_rs::GBK.decode(&bytes[start..start + len]);
    assert_eq!(decoded, "北京市朝阳区建国路88号");
    assert_eq!(m["column"], 17);
}

#[test]
fn no_format_prints_raw_values_without_reveal() {
    let dir = leaky_tree();
    for format in ["human", "json", "jsonl"] {
        let out =
            piiscan().args(["scan", "--color", "never", "--format", format]).arg(dir.path()).output().expect("run");
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        for raw in RAW_VALUES.iter().chain(["建国路88号"].iter()) {
            assert!(!stdout.contains(raw) && !stderr.contains(raw), "{format} leaks {raw}");
        }
        assert!(stdout.contains("138****8000"), "{format} shows masked values");
    }
    let out = piiscan().args(["scan", "--format", "jsonl", "--reveal"]).arg(dir.path()).output().expect("run");
    let stdout = String::from_utf8_lossy(&out.stdout);
    for raw in RAW_VALUES {
        assert!(stdout.contains(raw), "--reveal shows {raw}");
    }
}

#[test]
fn json_document_has_findings_and_summary() {
    let dir = leaky_tree();
    std::fs::write(dir.path().join("blob.bin"), b"\x00\x01\x0213800138000").expect("write");
    let out = piiscan().args(["scan", "--format", "json"]).arg(dir.path()).output().expect("run");
    let doc: Value = serde_json::from_slice(&out.stdout).expect("json");
    let findings = doc["findings"].as_array().expect("findings");
    let summary = &doc["summary"];
    assert_eq!(summary["findings"].as_u64(), Some(findings.len() as u64));
    assert_eq!(summary["files_scanned"], 2);
    assert_eq!(summary["binary_skipped"], 1);
    assert_eq!(summary["findings_by_kind"]["mobile"], 1);
}

#[test]
fn output_is_identical_across_thread_counts() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut rng = piiscan_synth::Rng::new(42);
    for (i, format) in piiscan_synth::DocFormat::ALL.into_iter().cycle().take(24).enumerate() {
        let lines = piiscan_synth::document(format, 60, &mut rng);
        std::fs::write(dir.path().join(format!("f{i:02}.{}", format.extension())), piiscan_synth::render(&lines))
            .expect("write");
    }
    let run = |threads: &str, format: &str| {
        piiscan().args(["scan", "-j", threads, "--format", format]).arg(dir.path()).output().expect("run").stdout
    };
    for format in ["jsonl", "json"] {
        let one = run("1", format);
        assert!(!one.is_empty());
        assert_eq!(one, run("8", format), "{format}");
    }
}

#[test]
fn binary_files_are_skipped_and_counted() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("x.bin"), b"\x7fELF\x02\x01\x01\x00\x0013800138000").expect("write");
    piiscan()
        .args(["scan", "--color", "never"])
        .arg(dir.path())
        .assert()
        .code(0)
        .stdout(predicate::str::contains("binary skipped: 1"));
    // A broken archive is not binary to skip but an input that could not be read.
    std::fs::write(dir.path().join("x.zip"), b"PK\x03\x04\x00\x0013800138000").expect("write");
    piiscan()
        .args(["scan", "--color", "never"])
        .arg(dir.path())
        .assert()
        .code(2)
        .stderr(predicate::str::contains("x.zip: not a readable zip archive"));
}

#[cfg(unix)]
#[test]
fn symlinks_are_followed_only_when_asked() {
    let dir = tempfile::tempdir().expect("tempdir");
    let outside = tempfile::tempdir().expect("tempdir");
    std::fs::write(outside.path().join("leak.txt"), "13800138000\n").expect("write");
    std::os::unix::fs::symlink(outside.path(), dir.path().join("link")).expect("symlink");
    piiscan().arg("scan").arg(dir.path()).assert().code(0);
    piiscan().args(["scan", "-L"]).arg(dir.path()).assert().code(1);
}

#[test]
fn masked_values_only_on_request() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("m.txt"), "手机 138****8000 身份证 110105********002X\n").expect("write");
    piiscan().arg("scan").arg(dir.path()).assert().code(0);
    let out = piiscan().args(["scan", "--include-masked", "--format", "jsonl"]).arg(dir.path()).output().expect("run");
    let kinds: Vec<String> = jsonl(&out.stdout).iter().map(|r| r["kind"].as_str().expect("k").to_string()).collect();
    assert_eq!(kinds, ["mobile_masked", "id_card_masked"]);
}

#[test]
fn broken_encoding_warns_and_still_scans() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut bytes = "中文内容中文内容中文内容 13800138000 ".as_bytes().to_vec();
    bytes.extend_from_slice(&[0xFF, 0xFE, 0xFD, b'\n']);
    std::fs::write(dir.path().join("broken.txt"), &bytes).expect("write");
    piiscan()
        .arg("scan")
        .arg(dir.path())
        .assert()
        .code(1)
        .stderr(predicate::str::contains("broken.txt").and(predicate::str::contains("invalid UTF-8")));
}

#[test]
fn huge_single_line_is_scanned() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut line = "x,".repeat(3_000_000);
    line.push_str("13800138000");
    std::fs::write(dir.path().join("wide.csv"), &line).expect("write");
    let out = piiscan().args(["scan", "--format", "jsonl"]).arg(dir.path()).output().expect("run");
    let rows = jsonl(&out.stdout);
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["column"], 6_000_001);
}

#[test]
fn many_findings_on_one_long_line_keep_exact_columns() {
    // An extended INSERT as mysqldump writes it: every row on one line.
    let dir = tempfile::tempdir().expect("tempdir");
    let rows: Vec<String> = (0..20_000).map(|i| format!("({i},'139{i:08}')")).collect();
    let line = format!("INSERT INTO t (id,phone) VALUES {};\n", rows.join(","));
    std::fs::write(dir.path().join("dump.sql"), &line).expect("write");
    let out = piiscan()
        .args(["scan", "--format", "jsonl", "--reveal", "--max-findings-per-file", "0"])
        .arg(dir.path())
        .output()
        .expect("run");
    let found = jsonl(&out.stdout);
    assert_eq!(found.len(), 20_000);
    for r in [&found[0], &found[19_999]] {
        let value = r["value"].as_str().expect("value");
        let col = r["column"].as_u64().expect("column") as usize;
        assert_eq!(&line[col - 1..col - 1 + 11], value, "column is a character index (ASCII line)");
    }
}

#[cfg(unix)]
#[test]
fn unreadable_file_is_reported_by_name() {
    // CI runs as root, which reads everything regardless of permission bits, so a file whose
    // read fails for every user (/proc/self/mem at offset 0 is unmapped) stands in.
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("ok.txt"), "13800138000\n").expect("write");
    let bad = Path::new("/proc/self/mem");
    piiscan().arg("scan").arg(dir.path()).arg(bad).assert().code(2).stderr(predicate::str::contains("/proc/self/mem"));
}

#[test]
fn examples_tree_reports_the_planted_values_only() {
    let examples = concat!(env!("CARGO_MANIFEST_DIR"), "/examples");
    let out = piiscan().args(["scan", "--format", "json"]).arg(examples).output().expect("run");
    assert_eq!(out.status.code(), Some(1));
    let doc: Value = serde_json::from_slice(&out.stdout).expect("json");
    let by_kind = &doc["summary"]["findings_by_kind"];
    assert_eq!(by_kind["id_card"], 9);
    assert_eq!(by_kind["mobile"], 10);
    assert_eq!(by_kind["bank_card"], 3);
    assert_eq!(by_kind["email"], 3);
    assert_eq!(by_kind["passport"], 3);
    assert_eq!(by_kind["address"], 6);
    assert_eq!(by_kind["name"], 9);
    assert_eq!(doc["summary"]["binary_skipped"], 1);
}

#[test]
fn rules_check_passes() {
    piiscan().args(["rules", "--check"]).assert().success().stdout(predicate::str::contains("0 failed"));
}

const USER_RULES: &str = r#"
[[rule]]
kind = "employee_id"
category = "identity"
tier = "C"
description = "staff numbers in our HR exports"
regex = 'EMP[0-9]{6}'
keywords = ["工号", "employee"]
examples = [{ text = "工号 EMP123456", value = "EMP123456" }]
negative_examples = [{ text = "EMP123456", why = "no keyword" }]

[[rule]]
kind = "medical_record_no"
category = "health"
tier = "B"
description = "病案号 with its label"
regex = '病案号[：:]\s*(?P<value>[0-9]{8})'
examples = [{ text = "病案号：20240001", value = "20240001" }]
negative_examples = [{ text = "编号：20240001", why = "not a medical record number" }]
"#;

#[test]
fn user_pattern_files_add_kinds() {
    let dir = tempfile::tempdir().expect("tempdir");
    let rules = dir.path().join("mine.toml");
    std::fs::write(&rules, USER_RULES).expect("write");
    let data = dir.path().join("hr.txt");
    std::fs::write(&data, "工号 EMP123456 手机 13800138000\n病案号：20240001\nEMP999999\n").expect("write");
    let out = piiscan().args(["scan", "--format", "jsonl", "--patterns"]).arg(&rules).arg(&data).output().expect("run");
    assert_eq!(out.status.code(), Some(1));
    let rows = jsonl(&out.stdout);
    let got: Vec<(String, String, String, String)> = rows
        .iter()
        .map(|r| {
            let s = |k: &str| r[k].as_str().expect("string").to_string();
            (s("kind"), s("category"), s("tier"), s("value"))
        })
        .collect();
    assert_eq!(
        got,
        [
            ("employee_id".into(), "identity".into(), "C".into(), "EM*****56".into()),
            ("mobile".into(), "contact".into(), "C".into(), "138****8000".into()),
            ("medical_record_no".into(), "health".into(), "B".into(), "20****01".into()),
        ]
    );
    piiscan().args(["rules", "--check", "--patterns"]).arg(&rules).assert().success();
}

#[test]
fn bad_pattern_file_is_a_one_line_usage_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    let rules = dir.path().join("broken.toml");
    std::fs::write(&rules, USER_RULES.replace("EMP[0-9]{6}", "EMP[0-9")).expect("write");
    let out = piiscan().args(["scan", "--patterns"]).arg(&rules).arg(dir.path()).output().expect("run");
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains("broken.toml") && stderr.contains("employee_id") && stderr.contains("bad regex"),
        "{stderr}"
    );
    piiscan()
        .args(["scan", "--patterns", "/nonexistent/rules.toml", "."])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("cannot read"));
}

#[test]
fn findings_per_file_are_capped_but_counted_exactly() {
    let dir = tempfile::tempdir().expect("tempdir");
    let rows: String = (0..2500).map(|i| format!("{i},139{i:08}\n")).collect();
    std::fs::write(dir.path().join("a.csv"), format!("id,phone\n{rows}")).expect("write");
    std::fs::write(dir.path().join("b.txt"), "call 13800138000\n").expect("write");

    let out = piiscan().args(["scan", "--format", "json"]).arg(dir.path()).output().expect("run");
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let listed = doc["findings"].as_array().expect("findings");
    assert_eq!(listed.len(), 1001, "the first 1000 of a.csv and the one of b.txt");
    assert_eq!(listed[999]["line"], 1001, "the first ones by position");
    assert_eq!(doc["summary"]["findings"], 2501);
    assert_eq!(doc["summary"]["findings_by_kind"]["mobile"], 2501);
    assert_eq!(doc["summary"]["findings_not_listed"], 1500);

    let out = piiscan().args(["scan", "--format", "jsonl", "--max-findings-per-file", "3"]).arg(dir.path()).output();
    let out = out.expect("run");
    let lines = jsonl(&out.stdout);
    assert_eq!(lines.len(), 5, "four findings and the truncation marker");
    assert_eq!(lines[4]["truncated"]["findings_not_listed"], 2497);
    assert_eq!(lines[4]["truncated"]["max_findings_per_file"], 3);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("2497 findings not listed: over --max-findings-per-file 3"), "{stderr}");
    let out = piiscan().args(["scan", "--color", "never", "--max-findings-per-file", "3"]).arg(dir.path()).output();
    let text = String::from_utf8(out.expect("run").stdout).expect("utf8");
    let summary = text.split("summary").nth(1).unwrap_or_default();
    assert!(summary.contains("findings: 2501"), "{summary}");
    assert!(summary.contains("not listed: 2497"), "{summary}");
}
