//! Leak shapes of issue 16 read through the binary: positions on lines with JSON escapes.
//! The detector shapes themselves are unit-tested next to their validators (src/detect/).

use assert_cmd::Command;
use serde_json::Value;

fn piiscan() -> Command {
    Command::cargo_bin("piiscan").expect("binary")
}

fn jsonl(out: &[u8]) -> Vec<Value> {
    String::from_utf8_lossy(out).lines().map(|l| serde_json::from_str(l).expect("json line")).collect()
}

/// A `\uXXXX` escape of every character of `s` that is not ASCII.
fn escaped(s: &str) -> String {
    s.chars().map(|c| if c.is_ascii() { c.to_string() } else { format!("\\u{:04x}", c as u32) }).collect()
}

/// Findings before, between and after several escaped strings on one line: each one's column
/// is the character index of its offset in the file's own bytes.
#[test]
fn columns_agree_with_offsets_after_json_escapes() {
    let mobiles = ["13318107952", "15000123456", "18912345678", "13912345678"];
    let line = format!(
        "{{\"tel\":\"{}\",\"name\":\"{}\",\"phone\":\"{}\",\"city\":\"{}\",\"备注\":\"{}\",\"mobile\":\"{}\"}}",
        mobiles[0],
        escaped("张伟"),
        mobiles[1],
        escaped("深圳市南山区"),
        mobiles[2],
        mobiles[3],
    );
    let content = format!("{{\"first\":\"line\"}}\n{line}\n");
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("escaped.json");
    std::fs::write(&path, &content).expect("write");
    let from_file = piiscan().args(["scan", "--format", "jsonl", "--reveal"]).arg(&path).output().expect("run");
    // The same bytes from standard input: a stream, decoded piece by piece.
    let from_stream = piiscan()
        .args(["scan", "--format", "jsonl", "--reveal", "-"])
        .write_stdin(content.clone())
        .output()
        .expect("run");
    for (what, out) in [("file", from_file), ("stream", from_stream)] {
        let rows: Vec<Value> = jsonl(&out.stdout).into_iter().filter(|r| r["kind"] == "mobile").collect();
        assert_eq!(rows.len(), mobiles.len(), "{what}: {rows:?}");
        let line_start = content.find('\n').unwrap() + 1;
        for (r, mobile) in rows.iter().zip(mobiles) {
            let offset = r["offset"].as_u64().expect("offset") as usize;
            assert_eq!(&content[offset..offset + 11], mobile, "{what}");
            assert_eq!(r["line"], 2, "{what}");
            let column = content[line_start..offset].chars().count() as u64 + 1;
            assert_eq!(r["column"].as_u64(), Some(column), "{what}: {mobile}");
        }
    }
}

/// A list of authors publishes its addresses on purpose: reported only at low confidence,
/// while the same addresses in another file are reported.
#[test]
fn author_lists_give_low_confidence_addresses() {
    let dir = tempfile::tempdir().expect("tempdir");
    let list = "Zhang Wei <zhang.wei@example.org>\nLi Na <lina1990@mail.example.cn>\n";
    std::fs::write(dir.path().join("AUTHORS"), list).expect("write");
    std::fs::write(dir.path().join("customers.txt"), list).expect("write");
    let scan = |extra: &[&str]| {
        let out = piiscan().args(["scan", "--format", "jsonl"]).args(extra).arg(dir.path()).output().expect("run");
        jsonl(&out.stdout)
            .into_iter()
            .filter(|f| f["kind"] == "email")
            .map(|f| {
                (
                    f["path"].as_str().unwrap_or_default().rsplit('/').next().unwrap_or_default().to_string(),
                    f["confidence"].as_str().unwrap_or_default().to_string(),
                )
            })
            .collect::<Vec<_>>()
    };
    let default = scan(&[]);
    assert!(default.iter().all(|(file, _)| file == "customers.txt"), "{default:?}");
    assert_eq!(default.len(), 2, "{default:?}");
    let all = scan(&["--min-confidence", "low"]);
    let authors: Vec<_> = all.iter().filter(|(file, _)| file == "AUTHORS").collect();
    assert_eq!(authors.len(), 2, "{all:?}");
    assert!(authors.iter().all(|(_, confidence)| confidence == "low"), "{all:?}");
}
