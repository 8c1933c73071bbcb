//! Worked examples of Art. 5 and Art. 11 (DOMAIN.md §1.7), each a small generated dump run
//! through the binary with `--summary --format json`: single-tier thresholds, proportional
//! combinations, the ten-times line, insiders, duplicates across files, the same person in
//! several rows, masked rows, and the strict tier policy.

use assert_cmd::Command;
use piiscan::detect::id_card::check_char;
use serde_json::Value;
use std::path::Path;

/// A distinct valid ID number for each `i` (region 110105, birth date and sequence from `i`).
fn id(i: usize) -> String {
    let day = i / 999;
    let (year, month, dom) = (1960 + day / 336, 1 + (day / 28) % 12, 1 + day % 28);
    let body = format!("110105{year:04}{month:02}{dom:02}{:03}", i % 999 + 1);
    format!("{body}{}", check_char(body.as_bytes()) as char)
}

/// A distinct valid mobile number for each `i`.
fn phone(i: usize) -> String {
    format!("139{i:08}")
}

fn write(dir: &Path, name: &str, header: &str, rows: impl Iterator<Item = String>) {
    let mut text = String::from(header);
    text.push('\n');
    for r in rows {
        text.push_str(&r);
        text.push('\n');
    }
    std::fs::write(dir.join(name), text).expect("write dump");
}

fn assess(dir: &Path, extra: &[&str]) -> Value {
    let out = Command::cargo_bin("piiscan")
        .expect("binary")
        .args(["scan", "--summary", "--format", "json"])
        .args(extra)
        .arg(dir)
        .output()
        .expect("run");
    let doc: Value = serde_json::from_slice(&out.stdout).expect("json document");
    doc["assessment"].clone()
}

fn counts(a: &Value) -> (u64, u64, u64) {
    let c = &a["counts"];
    (c["A"].as_u64().unwrap_or(0), c["B"].as_u64().unwrap_or(0), c["C"].as_u64().unwrap_or(0))
}

/// Tier A: credit-report rows (征信), one person each.
fn credit(dir: &Path, name: &str, range: std::ops::Range<usize>) {
    write(dir, name, "姓名,身份证号,征信报告", range.map(|i| format!("用户{i},{},逾期{}次", id(i), i % 3)));
}

/// Tier B: hotel stays, one person each.
fn lodging(dir: &Path, name: &str, range: std::ops::Range<usize>) {
    write(
        dir,
        name,
        "身份证号,入住时间,退房时间,房号",
        range.map(|i| format!("{},2024-05-01 14:00,2024-05-02 12:00,{}", id(i), 100 + i % 900)),
    );
}

/// Tier C: contact rows.
fn contacts(dir: &Path, name: &str, range: std::ops::Range<usize>) {
    write(dir, name, "name,mobile", range.map(|i| format!("user{i},{}", phone(i))));
}

fn case(build: impl FnOnce(&Path), extra: &[&str]) -> Value {
    let dir = tempfile::tempdir().expect("tempdir");
    build(dir.path());
    assess(dir.path(), extra)
}

#[test]
fn single_tier_thresholds() {
    for (n, verdict) in [(49, "none"), (50, "serious")] {
        let a = case(|d| credit(d, "credit.csv", 0..n), &[]);
        assert_eq!(counts(&a), (n as u64, 0, 0));
        assert_eq!(a["verdict"], verdict, "{n} tier A");
    }
    for (n, verdict) in [(499, "none"), (500, "serious")] {
        let a = case(|d| lodging(d, "stays.csv", 0..n), &[]);
        assert_eq!(counts(&a), (0, n as u64, 0));
        assert_eq!(a["verdict"], verdict, "{n} tier B");
    }
    for (n, verdict) in [(4999, "none"), (5000, "serious")] {
        let a = case(|d| contacts(d, "contacts.csv", 0..n), &[]);
        assert_eq!(counts(&a), (0, 0, n as u64));
        assert_eq!(a["verdict"], verdict, "{n} tier C");
    }
}

#[test]
fn tracks_and_lodging_combine_in_proportion() {
    // 15 people with two timestamped positions each = 30 track items; plus 200 stays.
    let a = case(
        |d| {
            let mut log = String::new();
            for p in 0..15 {
                for k in 0..2 {
                    log.push_str(&format!(
                        "2024-05-01 1{k}:00:00 gps phone={} lat=39.{:06} lng=116.{:06}\n",
                        phone(p),
                        100_000 + p * 7 + k,
                        300_000 + p * 11 + k
                    ));
                }
            }
            std::fs::write(d.join("track.log"), log).expect("write");
            lodging(d, "stays.csv", 1000..1200);
        },
        &[],
    );
    assert_eq!(counts(&a), (30, 200, 0));
    assert_eq!(a["verdict"], "serious");
    assert!((a["r"].as_f64().expect("r") - 1.0).abs() < 1e-9);
}

#[test]
fn one_position_alone_is_not_a_track() {
    let a = case(
        |d| {
            std::fs::write(
                d.join("one.log"),
                format!("2024-05-01 10:00 phone={} lat=39.908823 lng=116.397470\n", phone(1)),
            )
            .expect("write")
        },
        &[],
    );
    assert_eq!(counts(&a), (0, 0, 1));
}

#[test]
fn ten_times_line() {
    let a = case(|d| credit(d, "credit.csv", 0..499), &[]);
    assert_eq!(a["verdict"], "serious", "499 tier A is serious, not especially serious");
    let a = case(|d| credit(d, "credit.csv", 0..500), &[]);
    assert_eq!(a["verdict"], "especially_serious");
}

#[test]
fn insiders_meet_half_the_standards() {
    let a = case(|d| credit(d, "credit.csv", 0..25), &["--insider"]);
    assert_eq!((a["verdict"].as_str(), a["insider"].as_bool()), (Some("serious"), Some(true)));
    let a = case(|d| credit(d, "credit.csv", 0..24), &["--insider"]);
    assert_eq!(a["verdict"], "none");
    let a = case(|d| credit(d, "credit.csv", 0..250), &["--insider"]);
    assert_eq!(a["verdict"], "especially_serious");
}

#[test]
fn duplicates_across_files_count_once() {
    let a = case(
        |d| {
            credit(d, "a.csv", 0..30);
            credit(d, "b.csv", 0..30);
        },
        &[],
    );
    assert_eq!(counts(&a), (30, 0, 0));
    assert_eq!(a["verdict"], "none");
    assert_eq!(a["duplicates_removed"], 30);
}

#[test]
fn the_same_person_in_several_rows_is_one_tier_c_item() {
    let a = case(
        |d| {
            write(
                d,
                "people.csv",
                "name,mobile,email",
                (0..6000).map(|i| format!("u{i},{},u{i}@qq.com", phone(i % 3000))),
            )
        },
        &[],
    );
    assert_eq!(counts(&a), (0, 0, 3000));
    assert_eq!(a["verdict"], "none");
}

#[test]
fn masked_rows_are_not_counted() {
    let a = case(
        |d| write(d, "masked.csv", "name,mobile", (0..6000).map(|i| format!("u{i},139****{:04}", i % 10_000))),
        &["--include-masked"],
    );
    assert_eq!(counts(&a), (0, 0, 0));
    assert_eq!(a["verdict"], "none");
}

#[test]
fn strict_policy_moves_ids_to_tier_b() {
    let build = |d: &Path| write(d, "ids.csv", "name,id_no", (0..500).map(|i| format!("u{i},{}", id(i))));
    let textual = case(build, &[]);
    assert_eq!((counts(&textual), textual["verdict"].as_str()), ((0, 0, 500), Some("none")));
    let strict = case(build, &["--tier-policy", "strict"]);
    assert_eq!(
        (counts(&strict), strict["verdict"].as_str(), strict["policy"].as_str()),
        ((0, 500, 0), Some("serious"), Some("strict"))
    );
}

#[test]
fn fail_on_sets_the_exit_code() {
    let dir = tempfile::tempdir().expect("tempdir");
    contacts(dir.path(), "c.csv", 0..10);
    let run = |level: &str| {
        Command::cargo_bin("piiscan")
            .expect("binary")
            .args(["scan", "--fail-on", level])
            .arg(dir.path())
            .output()
            .expect("run")
            .status
            .code()
    };
    assert_eq!(run("any"), Some(1));
    assert_eq!(run("serious"), Some(0));
    credit(dir.path(), "a.csv", 0..50);
    assert_eq!(run("serious"), Some(1));
    assert_eq!(run("especially_serious"), Some(0));
    assert_eq!(run("especially-serious"), Some(0));
}

#[test]
fn merged_shards_equal_one_scan_of_everything() {
    let whole = tempfile::tempdir().expect("tempdir");
    let shards = [tempfile::tempdir().expect("tempdir"), tempfile::tempdir().expect("tempdir")];
    // Shard 1: stays 0..300 and contacts 0..3000; shard 2: stays 200..450 (overlapping 100) and
    // contacts 2000..5500 (the same people again in 1000 rows).
    lodging(shards[0].path(), "stays.csv", 0..300);
    contacts(shards[0].path(), "contacts.csv", 0..3000);
    lodging(shards[1].path(), "stays.csv", 200..450);
    contacts(shards[1].path(), "contacts.csv", 2000..5500);
    for (i, shard) in shards.iter().enumerate() {
        for name in ["stays.csv", "contacts.csv"] {
            std::fs::copy(shard.path().join(name), whole.path().join(format!("{i}_{name}"))).expect("copy");
        }
    }
    let one = assess(whole.path(), &[]);
    let states = tempfile::tempdir().expect("tempdir");
    let key = states.path().join("case.key");
    let mut files = Vec::new();
    for (i, shard) in shards.iter().enumerate() {
        let out = states.path().join(format!("shard{i}.state"));
        Command::cargo_bin("piiscan")
            .expect("binary")
            .args(["scan", "--summary-key"])
            .arg(&key)
            .arg("--summary-out")
            .arg(&out)
            .arg(shard.path())
            .assert()
            .code(1);
        let bytes = std::fs::read(&out).expect("state");
        let has = |v: &str| bytes.windows(v.len()).any(|w| w == v.as_bytes());
        assert!(bytes.starts_with(b"PIISCANS"), "a binary state");
        assert!(!has(&phone(1)) && !has(&id(1)), "raw values in the state file");
        files.push(out);
    }
    let merged = Command::cargo_bin("piiscan")
        .expect("binary")
        .args(["merge", "--format", "json"])
        .args(&files)
        .output()
        .expect("run");
    let line: Value = serde_json::from_slice(&merged.stdout).expect("json");
    let m = &line["assessment"];
    assert_eq!(counts(m), counts(&one));
    assert_eq!(counts(m), (0, 450, 5500));
    assert_eq!((m["verdict"].as_str(), one["verdict"].as_str()), (Some("serious"), Some("serious")));
    assert_eq!(merged.status.code(), Some(1), "merge exits 1 from serious on");

    // A shard fingerprinted with another key cannot be merged.
    let stranger = states.path().join("stranger.state");
    Command::cargo_bin("piiscan")
        .expect("binary")
        .args(["scan", "--summary-out"])
        .arg(&stranger)
        .arg(shards[0].path())
        .assert()
        .code(1);
    Command::cargo_bin("piiscan")
        .expect("binary")
        .arg("merge")
        .arg(&files[0])
        .arg(&stranger)
        .assert()
        .code(2)
        .stderr(predicates::str::contains("different key"));
}

/// A valid 19-digit card on an ICBC BIN for each `i` (its Luhn digit from the generator's own
/// check code, not the validator's).
fn card(i: usize) -> String {
    let body = format!("622202{i:012}");
    format!("{body}{}", piiscan_synth::luhn_check_digit(&body))
}

#[test]
fn same_people_in_csv_and_sql_count_once() {
    // Art. 11: the same 30 card holders, exported once as CSV and once as a SQL dump.
    let a = case(
        |d| {
            write(
                d,
                "holders.csv",
                "姓名,身份证号,手机号,银行卡号",
                (0..30).map(|i| format!("用户{i},{},{},{}", id(i), phone(i), card(i))),
            );
            let mut sql = String::from("INSERT INTO `holders` (`name`, `id_no`, `mobile`, `card_no`) VALUES\n");
            let rows: Vec<String> =
                (0..30).map(|i| format!("('用户{i}','{}','{}','{}')", id(i), phone(i), card(i))).collect();
            sql.push_str(&rows.join(",\n"));
            sql.push_str(";\n");
            std::fs::write(d.join("holders.sql"), sql).expect("write");
        },
        &[],
    );
    assert_eq!(counts(&a), (30, 0, 0), "{a}");
    assert_eq!(a["verdict"], "none");
}

#[test]
fn stays_are_items_by_their_content() {
    // The same stay as CSV and as JSON lines is one item; the guest's second stay is another.
    let a = case(
        |d| {
            write(
                d,
                "hotel.csv",
                "身份证号,入住时间,房号",
                ["2024-05-01 14:00", "2024-06-09 20:30"].iter().map(|t| format!("{},{t},1203", id(7))),
            );
            let json = format!("{{\"身份证号\":\"{}\",\"入住时间\":\"2024/05/01 14:00\",\"房号\":\"1203\"}}\n", id(7));
            std::fs::write(d.join("hotel.jsonl"), json).expect("write");
        },
        &[],
    );
    assert_eq!(counts(&a), (0, 2, 0), "{a}");
}

#[test]
fn a_bank_statement_counts_each_card_once() {
    // 53 rows over the 4 cards of one holder: 4 property items and 53 transactions.
    let a = case(
        |d| {
            write(
                d,
                "statement.csv",
                "户名,身份证号,卡号,交易时间,交易金额",
                (0..53).map(|i| {
                    format!("张三,{},{},2024-05-{:02} 10:{:02},{}.00", id(3), card(i % 4), 1 + i % 28, i % 60, 10 + i)
                }),
            )
        },
        &[],
    );
    assert_eq!(counts(&a), (4, 53, 0), "{a}");
    assert_eq!(a["verdict"], "none");
}

#[test]
fn bare_ips_are_not_items() {
    let a = case(
        |d| {
            write(
                d,
                "access.log",
                "log",
                (0..100).map(|i| format!("2024-05-01 GET / from 61.135.{}.{}", i / 250, 1 + i % 250)),
            )
        },
        &[],
    );
    assert_eq!(counts(&a), (0, 0, 0), "{a}");
}

#[test]
fn clinic_export_with_title_rows() {
    // A spreadsheet export: a title and an export date above the header row.
    let a = case(
        |d| {
            write(
                d,
                "clinic.csv",
                "某某诊所就诊记录\n导出时间：2024-05-01\n\n姓名,手机号,就诊日期,疾病诊断",
                (0..516).map(|i| format!("病人{i},{},2024-04-{:02},高血压", phone(i), 1 + i % 28)),
            )
        },
        &[],
    );
    assert_eq!(counts(&a), (0, 516, 0), "{a}");
    assert_eq!(a["verdict"], "serious");
}

#[test]
fn bad_key_files_are_one_line_errors() {
    let dir = tempfile::tempdir().expect("tempdir");
    contacts(dir.path(), "c.csv", 0..3);
    let keys = tempfile::tempdir().expect("tempdir");
    let cases: [(&str, &[u8]); 5] = [
        ("short.key", b"0123456789abcdef\n"),
        ("not-hex.key", b"0123456789abcdef0123456789abcdeg\n"),
        // 32 bytes, one of them part of a multi-byte character.
        ("multibyte.key", "0123456789abcdef0123456789abcd\u{e9}".as_bytes()),
        ("not-utf8.key", b"0123456789abcdef0123456789abcd\xff\xfe"),
        ("dir.key", b""),
    ];
    for (name, bytes) in cases {
        let path = keys.path().join(name);
        if name == "dir.key" {
            std::fs::create_dir(&path).expect("dir");
        } else {
            std::fs::write(&path, bytes).expect("key");
        }
        let out = Command::cargo_bin("piiscan")
            .expect("binary")
            .args(["scan", "--summary", "--summary-key"])
            .arg(&path)
            .arg(dir.path())
            .output()
            .expect("run");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{name}: {stderr}");
        assert_eq!(stderr.trim_end().lines().count(), 1, "{name}: one line: {stderr}");
        assert!(stderr.contains(name), "{name}: the message names the file: {stderr}");
    }
}
