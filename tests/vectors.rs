//! The shared test vectors (tests/data/test_vectors.json, copied from the project's DOMAIN data)
//! run through the real binary: one vector per line, then each line's findings are compared
//! with the vector's expectation.

use assert_cmd::Command;
use serde_json::Value;
use std::collections::BTreeMap;

fn vectors() -> Value {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/test_vectors.json"))
        .expect("vectors file");
    serde_json::from_str(&text).expect("vectors parse")
}

/// Scans `lines` (one per line) and returns, per 1-based line, the (kind, value) pairs found.
fn scan_lines(lines: &[String]) -> BTreeMap<u64, Vec<(String, String)>> {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("vectors.txt");
    std::fs::write(&path, lines.join("\n") + "\n").expect("write");
    let out = Command::cargo_bin("piiscan")
        .expect("binary")
        // Every detection, "maybe" findings too: the vectors test the validators, not a CI gate's
        // default floor.
        .args(["scan", "--format", "jsonl", "--reveal", "--min-confidence", "low"])
        .arg(&path)
        .output()
        .expect("run");
    let mut found: BTreeMap<u64, Vec<(String, String)>> = BTreeMap::new();
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        let v: Value = serde_json::from_str(line).expect("jsonl line");
        let n = v["line"].as_u64().expect("line");
        found
            .entry(n)
            .or_default()
            .push((v["kind"].as_str().expect("kind").to_string(), v["value"].as_str().expect("value").to_string()));
    }
    found
}

fn has(found: &BTreeMap<u64, Vec<(String, String)>>, line: usize, kind: &str) -> bool {
    found.get(&(line as u64 + 1)).is_some_and(|f| f.iter().any(|(k, _)| k == kind))
}

#[test]
fn resident_id_vectors() {
    let v = vectors();
    let entries = v["resident_id_18"].as_array().expect("array");
    let lines: Vec<String> = entries.iter().map(|e| e["value"].as_str().expect("value").to_string()).collect();
    let found = scan_lines(&lines);
    for (i, e) in entries.iter().enumerate() {
        let value = e["value"].as_str().expect("value");
        let valid = e["valid"].as_bool().expect("valid");
        assert_eq!(has(&found, i, "id_card"), valid, "{value}: {}", e["reason"]);
    }
}

#[test]
fn fifteen_digit_vectors_need_a_keyword_and_upgrade() {
    let v = vectors();
    for e in v["resident_id_15"].as_array().expect("array") {
        let value = e["value"].as_str().expect("value");
        let found = scan_lines(&[format!("身份证号 {value}"), value.to_string()]);
        assert!(has(&found, 0, "id_card"), "{value} with keyword");
        assert!(!has(&found, 1, "id_card"), "{value} without keyword");
        assert_eq!(piiscan::detect::id_card::upgrade15(value.as_bytes()), e["upgraded"].as_str().expect("upgraded"));
    }
}

#[test]
fn uscc_vectors() {
    let v = vectors();
    let entries = v["uscc"].as_array().expect("array");
    let lines: Vec<String> = entries.iter().map(|e| e["value"].as_str().expect("value").to_string()).collect();
    let found = scan_lines(&lines);
    for (i, e) in entries.iter().enumerate() {
        let value = e["value"].as_str().expect("value");
        let valid = e["valid_generic"].as_bool().expect("valid_generic");
        assert_eq!(piiscan::detect::uscc::is_valid(value.as_bytes()), valid, "{value}");
        // Only sole proprietors are reported; no credit code is ever an ID or a phone.
        let expect_individual = value.starts_with("92") && valid;
        assert_eq!(has(&found, i, "uscc_individual"), expect_individual, "{value}");
        assert!(!has(&found, i, "id_card") && !has(&found, i, "mobile"), "{value}");
    }
}

#[test]
fn bank_card_vectors() {
    let v = vectors();
    let entries = v["bank_card"].as_array().expect("array");
    let lines: Vec<String> = entries.iter().map(|e| e["value"].as_str().expect("value").to_string()).collect();
    let found = scan_lines(&lines);
    for (i, e) in entries.iter().enumerate() {
        let value = e["value"].as_str().expect("value");
        let luhn = e["luhn"].as_bool().expect("luhn");
        assert_eq!(piiscan::detect::bank_card::luhn_valid(value.as_bytes()), luhn, "{value}");
        // Chinese cards (UnionPay 62, or a BIN in the table) that pass Luhn are reported;
        // nothing that fails Luhn is reported without a card keyword.
        let chinese = piiscan::detect::bank_card::check(value).is_some();
        assert_eq!(has(&found, i, "bank_card"), luhn && chinese, "{value}");
    }
}

#[test]
fn phone_vectors() {
    let v = vectors();
    let entries = v["phone"].as_array().expect("array");
    let lines: Vec<String> =
        entries.iter().map(|e| format!("手机号 {}", e["value"].as_str().expect("value"))).collect();
    let found = scan_lines(&lines);
    for (i, e) in entries.iter().enumerate() {
        let value = e["value"].as_str().expect("value");
        let category = e["vincentsit_category"].as_str().unwrap_or("");
        let libphone = e["phonenumbers_valid"].as_bool().unwrap_or(false);
        let note = e["note"].as_str().unwrap_or("");
        let expected = if category.starts_with("reserved/") {
            // VincentSit's "reserved" blocks that MIIT has since allocated are valid
            // (phonenumbers agrees); 1441 is a 13-digit IoT block per DOMAIN.md sources B and D.
            libphone || value.starts_with("1441")
        } else if !category.is_empty() {
            true
        } else {
            // Notes: fixed lines, 400/800 and unallocated heads are not mobiles; 1610 is kept
            // at low confidence (phonenumbers metadata only).
            value.len() == 11 && value.starts_with('1') && !note.contains("INVALID") && !note.starts_with("161 ")
        };
        assert_eq!(has(&found, i, "mobile"), expected, "{value} ({category}{note})");
    }
}
