//! Inputs that must never fail open, through the binary: standard input, FIFOs and
//! `/dev/stdin` read as streams; every compression and archive format, nested, with inner
//! paths; decompression bombs stopped within bounded time and memory; links in archives never
//! followed; spreadsheets, documents and SQLite databases read with their column names; NUL
//! bytes in text; ignore files, globs and size limits; and every input not scanned listed.

use assert_cmd::Command;
use piiscan_synth::{document, render, DocFormat, Rng};
use serde_json::Value;
use std::io::Write;
use std::path::{Path, PathBuf};

fn piiscan() -> Command {
    Command::cargo_bin("piiscan").expect("binary")
}

/// A CSV export of `rows` people (names, ID numbers, phones, cards, e-mails, addresses).
fn export(rows: usize, seed: u64) -> String {
    render(&document(DocFormat::Csv, rows, &mut Rng::new(seed)))
}

/// The findings of a JSON document, each without its path: what two ways of reading the same
/// bytes must agree on.
fn findings_without_paths(doc: &Value) -> Vec<Value> {
    doc["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| {
            let mut f = f.clone();
            f.as_object_mut().expect("object").remove("path");
            f
        })
        .collect()
}

/// Runs a scan with `--format json` and the extra `args`; the document and the exit code.
fn scan_json(args: &[&str], paths: &[&Path], stdin: Option<Vec<u8>>) -> (Value, i32, String) {
    let mut cmd = piiscan();
    cmd.args(["scan", "--format", "json", "--max-findings-per-file", "0"]).args(args).args(paths);
    if let Some(bytes) = stdin {
        cmd.write_stdin(bytes);
    }
    let out = cmd.output().expect("run");
    let doc = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!("not JSON ({e}): {}\n{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
    });
    (doc, out.status.code().expect("exit code"), String::from_utf8_lossy(&out.stderr).into_owned())
}

fn paths_of(doc: &Value) -> Vec<String> {
    let mut paths: Vec<String> = doc["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| f["path"].as_str().expect("path").to_string())
        .collect();
    paths.dedup();
    paths
}

fn skipped(doc: &Value) -> Vec<(String, String)> {
    doc["summary"]["skipped"]
        .as_array()
        .expect("skipped list")
        .iter()
        .map(|s| (s["path"].as_str().expect("path").to_string(), s["reason"].as_str().expect("reason").to_string()))
        .collect()
}

/// The plain export and what a scan of it as a file finds.
fn reference(dir: &Path, rows: usize) -> (String, Vec<Value>) {
    let text = export(rows, 7);
    let path = dir.join("users.csv");
    std::fs::write(&path, &text).expect("write");
    let (doc, code, _) = scan_json(&[], &[&path], None);
    assert_eq!(code, 1);
    let found = findings_without_paths(&doc);
    assert!(found.len() > rows, "the export is full of personal data");
    (text, found)
}

#[test]
fn stdin_is_streamed_with_every_detector_and_the_insert_columns() {
    let dir = tempfile::tempdir().expect("tempdir");
    // Longer than what a stream may hold whole: read stride by stride, as a dump piped from
    // mysqldump would be.
    let mut dump = String::new();
    let mut rng = Rng::new(3);
    while dump.len() < piiscan::scan::IN_MEMORY + (1 << 20) {
        dump.push_str(&render(&document(DocFormat::Sql, 5000, &mut rng)));
    }
    let path = dir.path().join("dump.sql");
    std::fs::write(&path, &dump).expect("write");
    let (from_file, code, _) = scan_json(&[], &[&path], None);
    assert_eq!(code, 1);
    let (from_stdin, code, stderr) = scan_json(&[], &[Path::new("-")], Some(dump.clone().into_bytes()));
    assert_eq!(code, 1, "{stderr}");
    assert_eq!(findings_without_paths(&from_stdin), findings_without_paths(&from_file));
    assert_eq!(paths_of(&from_stdin), ["<stdin>"]);
    assert_eq!(from_stdin["summary"]["bytes_scanned"], dump.len());
    // Passports are only reported under their column name, from the INSERT column list.
    assert!(from_stdin["summary"]["findings_by_kind"]["passport"].as_u64().expect("passports") > 100);
    let (named, _, _) =
        scan_json(&["--stdin-name", "dump.sql"], &[Path::new("-")], Some(b"tel 13800138000\n".to_vec()));
    assert_eq!(paths_of(&named), ["dump.sql"]);
}

#[cfg(unix)]
#[test]
fn fifos_and_dev_stdin_are_read_as_streams() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (text, expected) = reference(dir.path(), 300);
    let fifo = dir.path().join("export.pipe");
    assert!(std::process::Command::new("mkfifo").arg(&fifo).status().expect("mkfifo").success());
    let writer = {
        let (fifo, text) = (fifo.clone(), text.clone());
        std::thread::spawn(move || std::fs::write(fifo, text).expect("write to the fifo"))
    };
    let (doc, code, stderr) = scan_json(&[], &[&fifo], None);
    writer.join().expect("writer");
    assert_eq!(code, 1, "{stderr}");
    assert_eq!(findings_without_paths(&doc), expected);
    assert_eq!(paths_of(&doc), [fifo.display().to_string()]);

    let (doc, code, _) = scan_json(&[], &[Path::new("/dev/stdin")], Some(text.into_bytes()));
    assert_eq!(code, 1);
    assert_eq!(findings_without_paths(&doc), expected);
    assert_eq!(paths_of(&doc), ["/dev/stdin"]);

    // Met in a walk, a FIFO is listed, not read (it could block forever) and not an error.
    std::fs::remove_file(dir.path().join("users.csv")).expect("rm");
    let (doc, code, _) = scan_json(&[], &[dir.path()], None);
    assert_eq!(code, 0);
    assert_eq!(skipped(&doc), [(fifo.display().to_string(), "not_regular_file".to_string())]);
}

/// Compresses `bytes` in each supported format.
fn compressed(bytes: &[u8]) -> Vec<(&'static str, Vec<u8>)> {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(bytes).expect("gzip");
    let mut bz = bzip2::write::BzEncoder::new(Vec::new(), bzip2::Compression::default());
    bz.write_all(bytes).expect("bzip2");
    let mut xz = liblzma::write::XzEncoder::new(Vec::new(), 6);
    xz.write_all(bytes).expect("xz");
    vec![
        ("gz", gz.finish().expect("gzip")),
        ("bz2", bz.finish().expect("bzip2")),
        ("xz", xz.finish().expect("xz")),
        ("zst", zstd::encode_all(bytes, 3).expect("zstd")),
    ]
}

/// A tar holding `members` (path, bytes).
fn tar_of(members: &[(&str, &[u8])]) -> Vec<u8> {
    let mut builder = tar::Builder::new(Vec::new());
    for (path, bytes) in members {
        let mut header = tar::Header::new_gnu();
        header.set_size(bytes.len() as u64);
        header.set_mode(0o644);
        header.set_cksum();
        builder.append_data(&mut header, path, *bytes).expect("tar member");
    }
    builder.into_inner().expect("tar")
}

/// A zip holding `members` (path, bytes), each compressed with `method`.
fn zip_of(members: &[(&str, &[u8])], method: zip::CompressionMethod) -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default().compression_method(method);
    for (path, bytes) in members {
        zip.start_file(*path, options).expect("zip member");
        zip.write_all(bytes).expect("zip data");
    }
    zip.finish().expect("zip").into_inner()
}

#[test]
fn every_compression_and_archive_format_is_read_with_inner_paths() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (text, expected) = reference(dir.path(), 200);
    std::fs::remove_file(dir.path().join("users.csv")).expect("rm");
    let tar = tar_of(&[("2024/users.csv", text.as_bytes())]);
    let mut cases: Vec<(String, Vec<u8>, String)> = Vec::new();
    for (ext, bytes) in compressed(text.as_bytes()) {
        let name = format!("users.csv.{ext}");
        cases.push((name.clone(), bytes, name));
    }
    cases.push(("export.tar".into(), tar.clone(), "export.tar!2024/users.csv".into()));
    for (ext, bytes) in compressed(&tar) {
        let name = format!("export.tar.{ext}");
        cases.push((name.clone(), bytes, format!("{name}!2024/users.csv")));
    }
    for (label, method) in [
        ("deflate", zip::CompressionMethod::Deflated),
        ("stored", zip::CompressionMethod::Stored),
        ("bzip2", zip::CompressionMethod::Bzip2),
        ("zstd", zip::CompressionMethod::Zstd),
        ("xz", zip::CompressionMethod::Xz),
    ] {
        let name = format!("exports-{label}.zip");
        cases.push((
            name.clone(),
            zip_of(&[("2024/users.csv", text.as_bytes())], method),
            format!("{name}!2024/users.csv"),
        ));
    }
    for (name, bytes, inner) in &cases {
        let path = dir.path().join(name);
        std::fs::write(&path, bytes).expect("write");
        let (doc, code, stderr) = scan_json(&[], &[&path], None);
        assert_eq!(code, 1, "{name}: {stderr}");
        assert_eq!(paths_of(&doc), [dir.path().join(inner).display().to_string()], "{name}");
        assert_eq!(findings_without_paths(&doc), expected, "{name}");
        assert_eq!(doc["summary"]["files_scanned"], 1, "{name}");
        // The same bytes piped in: the stream is sniffed as a file is.
        let (piped, code, _) = scan_json(&[], &[Path::new("-")], Some(bytes.clone()));
        assert_eq!(code, 1, "{name} piped");
        assert_eq!(findings_without_paths(&piped), expected, "{name} piped");
        // With --no-archives the archive is listed, not read, and not an error.
        let (off, code, _) = scan_json(&["--no-archives"], &[&path], None);
        assert_eq!(code, 0, "{name} with --no-archives");
        assert_eq!(skipped(&off), [(path.display().to_string(), "archives_disabled".to_string())]);
        std::fs::remove_file(&path).expect("rm");
    }
    // Every output format names the inner path.
    let path = dir.path().join("exports.zip");
    std::fs::write(&path, zip_of(&[("2024/users.csv", text.as_bytes())], zip::CompressionMethod::Deflated))
        .expect("write");
    let inner = format!("{}!2024/users.csv:", path.display());
    let human = piiscan().args(["scan", "--color", "never"]).arg(&path).output().expect("run");
    assert!(String::from_utf8_lossy(&human.stdout).contains(&inner));
    let jsonl = piiscan().args(["scan", "--format", "jsonl"]).arg(&path).output().expect("run");
    assert!(String::from_utf8_lossy(&jsonl.stdout).contains(&format!("\"path\":\"{}!2024/users.csv\"", path.display())));
}

#[test]
fn nested_archives_name_every_layer() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (text, expected) = reference(dir.path(), 50);
    std::fs::remove_file(dir.path().join("users.csv")).expect("rm");
    let tar_gz = {
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        gz.write_all(&tar_of(&[("data/users.csv", text.as_bytes())])).expect("gzip");
        gz.finish().expect("gzip")
    };
    let inner_zip = zip_of(&[("users.csv", text.as_bytes())], zip::CompressionMethod::Deflated);
    let outer =
        zip_of(&[("backup/inner.tar.gz", &tar_gz), ("inner.zip", &inner_zip)], zip::CompressionMethod::Deflated);
    let path = dir.path().join("outer.zip");
    std::fs::write(&path, &outer).expect("write");
    let (doc, code, stderr) = scan_json(&[], &[&path], None);
    assert_eq!(code, 1, "{stderr}");
    let shown = path.display().to_string();
    assert_eq!(
        paths_of(&doc),
        [format!("{shown}!backup/inner.tar.gz!data/users.csv"), format!("{shown}!inner.zip!users.csv")]
    );
    assert_eq!(findings_without_paths(&doc).len(), 2 * expected.len());
    // Deeper than the limit: the inner archives are not opened, and the scan is incomplete.
    let (doc, code, stderr) = scan_json(&["--max-archive-depth", "1"], &[&path], None);
    assert_eq!(code, 2);
    assert!(stderr.contains("--max-archive-depth"), "{stderr}");
    assert!(skipped(&doc).iter().all(|(_, reason)| reason == "limit"), "{:?}", skipped(&doc));
}

/// A gzip file of `members` copies of one member that inflates 4 MiB of spaces: small on disk,
/// enormous decompressed, and text (so it is not dropped as binary before the limits act).
fn gzip_bomb(members: usize) -> Vec<u8> {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    gz.write_all(&vec![b' '; 4 << 20]).expect("gzip");
    let member = gz.finish().expect("gzip");
    member.repeat(members)
}

/// Runs the binary and samples its resident memory until it exits (Linux): the peak in KiB.
#[cfg(target_os = "linux")]
fn peak_rss_kib(args: &[&str], path: &Path) -> (i32, u64, std::time::Duration, String) {
    let started = std::time::Instant::now();
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("piiscan"))
        .args(args)
        .arg(path)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn");
    let status_file = format!("/proc/{}/status", child.id());
    let mut peak = 0;
    loop {
        if let Ok(status) = std::fs::read_to_string(&status_file) {
            for line in status.lines().filter(|l| l.starts_with("VmHWM:")) {
                let kib: u64 = line.split_whitespace().nth(1).and_then(|n| n.parse().ok()).unwrap_or(0);
                peak = peak.max(kib);
            }
        }
        if let Some(status) = child.try_wait().expect("wait") {
            let mut stderr = String::new();
            std::io::Read::read_to_string(child.stderr.as_mut().expect("stderr"), &mut stderr).expect("stderr");
            return (status.code().expect("code"), peak, started.elapsed(), stderr);
        }
        assert!(started.elapsed() < std::time::Duration::from_secs(60), "the bomb ran for a minute");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

#[cfg(target_os = "linux")]
#[test]
fn decompression_bombs_stop_in_bounded_time_and_memory() {
    let dir = tempfile::tempdir().expect("tempdir");
    // One member repeated: 1 GiB of text from about a megabyte.
    let bomb = gzip_bomb(256);
    assert!(bomb.len() < 2 << 20, "{} bytes on disk", bomb.len());
    let zipped =
        zip_of(&[("logs/app.log.gz", &bomb), ("users.csv", export(20, 1).as_bytes())], zip::CompressionMethod::Stored);
    let path = dir.path().join("bomb.zip");
    std::fs::write(&path, &zipped).expect("write");
    let (code, peak, took, stderr) = peak_rss_kib(&["scan", "--format", "json"], &path);
    assert_eq!(code, 2, "a bomb makes the scan incomplete: {stderr}");
    assert!(stderr.contains("bomb.zip!logs/app.log.gz") && stderr.contains("decompression bomb"), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "one line: {stderr}");
    assert!(peak < 300 << 10, "peak RSS {peak} KiB");
    assert!(took < std::time::Duration::from_secs(30), "took {took:?}");
    // The other member is still read.
    let (doc, code, _) = scan_json(&[], &[&path], None);
    assert_eq!(code, 2);
    assert_eq!(paths_of(&doc), [format!("{}!users.csv", path.display())]);
    assert_eq!(skipped(&doc), [(format!("{}!logs/app.log.gz", path.display()), "limit".to_string())]);
    // Raising the ratio leaves the byte limit, which the user can raise too.
    let (doc, code, stderr) =
        scan_json(&["--max-archive-ratio", "100000", "--max-archive-bytes", "64M"], &[&path], None);
    assert_eq!(code, 2);
    assert!(stderr.contains("--max-archive-bytes"), "{stderr}");
    assert_eq!(skipped(&doc).len(), 1);
    // Highly repetitive but small: within the grace, no bomb.
    let small = dir.path().join("commas.gz");
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    gz.write_all(&vec![b','; 1 << 20]).expect("gzip");
    std::fs::write(&small, gz.finish().expect("gzip")).expect("write");
    let (_, code, stderr) = scan_json(&[], &[&small], None);
    assert_eq!(code, 0, "{stderr}");
}

#[test]
fn links_in_archives_are_never_followed() {
    let dir = tempfile::tempdir().expect("tempdir");
    let outside = dir.path().join("secret.txt");
    std::fs::write(&outside, "手机 13800138000\n").expect("write");
    let mut builder = tar::Builder::new(Vec::new());
    let mut header = tar::Header::new_gnu();
    header.set_entry_type(tar::EntryType::Symlink);
    header.set_size(0);
    header.set_mode(0o777);
    builder.append_link(&mut header, "evil", "../secret.txt").expect("link");
    builder.append_link(&mut header, "abs", &outside).expect("link");
    let tar = builder.into_inner().expect("tar");
    let sub = dir.path().join("sub");
    std::fs::create_dir(&sub).expect("mkdir");
    let path = sub.join("links.tar");
    std::fs::write(&path, tar).expect("write");
    let (doc, code, _) = scan_json(&[], &[&path], None);
    assert_eq!(code, 0, "nothing read through the links");
    assert!(paths_of(&doc).is_empty());
    let shown = path.display().to_string();
    assert_eq!(
        skipped(&doc),
        [
            (format!("{shown}!abs"), "not_regular_file".to_string()),
            (format!("{shown}!evil"), "not_regular_file".to_string())
        ]
    );
}

#[test]
fn spreadsheets_documents_and_databases_give_column_context() {
    let dir = tempfile::tempdir().expect("tempdir");
    // A name is only reported with a label: here the sheet's header row, under its title row.
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet().set_name("客户").expect("sheet name");
    sheet.write_string(0, 0, "2024年客户信息").expect("title");
    for (col, header) in ["姓名", "身份证号", "手机"].iter().enumerate() {
        sheet.write_string(1, col as u16, *header).expect("cell");
    }
    sheet.write_string(2, 0, "陈建国").expect("cell");
    sheet.write_string(2, 1, "11010519491231002X").expect("cell");
    sheet.write_number(2, 2, 13800138000.0).expect("cell");
    let xlsx = dir.path().join("users.xlsx");
    book.save(&xlsx).expect("save");

    let db = dir.path().join("app.db");
    let conn = rusqlite::Connection::open(&db).expect("sqlite");
    conn.execute_batch(
        "CREATE TABLE customers (name TEXT, id_card TEXT, phone INTEGER);
         INSERT INTO customers VALUES ('王秀英', '11010519491231002X', 13900139000);",
    )
    .expect("table");
    drop(conn);

    let (doc, code, stderr) = scan_json(&[], &[&xlsx, &db], None);
    assert_eq!(code, 1, "{stderr}");
    let found: Vec<(String, String, u64)> = doc["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| {
            (
                f["path"].as_str().expect("path").to_string(),
                f["kind"].as_str().expect("kind").to_string(),
                f["line"].as_u64().expect("line"),
            )
        })
        .collect();
    let (db, xlsx) = (db.display().to_string(), xlsx.display().to_string());
    for expected in [
        (format!("{db}!customers"), "name", 2),
        (format!("{db}!customers"), "id_card", 2),
        (format!("{db}!customers"), "mobile", 2),
        (format!("{xlsx}!客户"), "name", 3),
        (format!("{xlsx}!客户"), "id_card", 3),
        (format!("{xlsx}!客户"), "mobile", 3),
    ] {
        assert!(found.contains(&(expected.0.clone(), expected.1.to_string(), expected.2)), "{expected:?} in {found:?}");
    }
    // A Word table with a header row reads like TSV: the name is under its column, with the
    // document's title above the table.
    let document_xml = r#"<?xml version="1.0" encoding="UTF-8"?>
<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>
<w:p><w:r><w:t>客户名单</w:t></w:r></w:p>
<w:tbl>
<w:tr><w:tc><w:p><w:r><w:t>联系人</w:t></w:r></w:p></w:tc><w:tc><w:p><w:r><w:t>电话</w:t></w:r></w:p></w:tc></w:tr>
<w:tr><w:tc><w:p><w:r><w:t>刘德明</w:t></w:r></w:p></w:tc><w:tc><w:p><w:r><w:t>13700137000</w:t></w:r></w:p></w:tc></w:tr>
</w:tbl></w:body></w:document>"#;
    let docx = dir.path().join("names.docx");
    std::fs::write(&docx, zip_of(&[("word/document.xml", document_xml.as_bytes())], zip::CompressionMethod::Deflated))
        .expect("write");
    let (doc, code, stderr) = scan_json(&[], &[&docx], None);
    assert_eq!(code, 1, "{stderr}");
    let kinds: Vec<&str> =
        doc["findings"].as_array().expect("findings").iter().map(|f| f["kind"].as_str().expect("kind")).collect();
    assert_eq!(kinds, ["name", "mobile"]);
    assert_eq!(paths_of(&doc), [format!("{}!word/document.xml", docx.display())]);

    // The same workbook inside an archive, and piped in.
    let bytes = std::fs::read(&xlsx).expect("read");
    let (piped, code, _) = scan_json(&[], &[Path::new("-")], Some(bytes.clone()));
    assert_eq!(code, 1);
    assert_eq!(paths_of(&piped), ["<stdin>!客户"]);
    let zipped = dir.path().join("book.zip");
    std::fs::write(&zipped, zip_of(&[("2024/users.xlsx", &bytes)], zip::CompressionMethod::Deflated)).expect("write");
    let (doc, _, _) = scan_json(&[], &[&zipped], None);
    assert_eq!(paths_of(&doc), [format!("{}!2024/users.xlsx!客户", zipped.display())]);
}

#[test]
fn a_nul_byte_does_not_drop_an_export_and_binaries_are_listed() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (text, expected) = reference(dir.path(), 300);
    let mut tainted = text.clone().into_bytes();
    let header_end = tainted.iter().position(|&b| b == b'\n').expect("header") + 1;
    let first_row_end = header_end + tainted[header_end..].iter().position(|&b| b == b'\n').expect("a row");
    tainted.insert(first_row_end, 0);
    let path = dir.path().join("users.csv");
    std::fs::write(&path, &tainted).expect("write");
    let (doc, code, _) = scan_json(&[], &[&path], None);
    assert_eq!(code, 1);
    assert_eq!(findings_without_paths(&doc).len(), expected.len());
    assert!(skipped(&doc).is_empty());

    let png = dir.path().join("logo.png");
    let mut bytes = b"\x89PNG\r\n\x1a\n".to_vec();
    bytes.extend_from_slice(b"tEXt 13800138000");
    std::fs::write(&png, &bytes).expect("write");
    let (doc, code, _) = scan_json(&[], &[&png], None);
    assert_eq!(code, 0);
    assert_eq!(skipped(&doc), [(png.display().to_string(), "binary".to_string())]);
    assert_eq!(doc["summary"]["binary_skipped"], 1);
    let (forced, code, _) = scan_json(&["-a"], &[&png], None);
    assert_eq!(code, 1, "-a reads it as text");
    assert_eq!(forced["summary"]["findings"], 1);
    // Listed in the human summary with -v.
    let out = piiscan().args(["scan", "-v", "--color", "never"]).arg(&png).output().expect("run");
    assert!(String::from_utf8_lossy(&out.stdout).contains(&format!("{}: binary (PNG image)", png.display())));
}

#[test]
fn ignore_files_globs_hidden_files_and_size_limits() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    let leak = "姓名,手机\n张三,13800138000\n";
    for path in ["src/users.csv", "node_modules/pkg/fixture.csv", "build/out.csv", "logs/app.log", ".cache/x.csv"] {
        let path = root.join(path);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(path, leak).expect("write");
    }
    std::fs::write(root.join(".gitignore"), "node_modules/\nbuild/\n").expect("write");
    std::fs::write(root.join("big.csv"), leak.repeat(100)).expect("write");
    let rel = |doc: &Value| -> Vec<String> {
        paths_of(doc).iter().map(|p| Path::new(p).strip_prefix(root).expect("below").display().to_string()).collect()
    };
    let (doc, _, _) = scan_json(&[], &[root], None);
    assert_eq!(rel(&doc), ["big.csv", "logs/app.log", "src/users.csv"]);
    let (doc, _, _) = scan_json(&["--no-ignore", "--hidden"], &[root], None);
    assert_eq!(
        rel(&doc),
        [".cache/x.csv", "big.csv", "build/out.csv", "logs/app.log", "node_modules/pkg/fixture.csv", "src/users.csv"]
    );
    let (doc, _, _) = scan_json(&["-g", "*.csv", "-g", "!big.csv"], &[root], None);
    assert_eq!(rel(&doc), ["src/users.csv"]);
    let (doc, code, _) = scan_json(&["--max-filesize", "1K"], &[root], None);
    assert_eq!(code, 1, "a file over the size limit is listed, not an error");
    assert_eq!(rel(&doc), ["logs/app.log", "src/users.csv"]);
    let big: PathBuf = root.join("big.csv");
    assert_eq!(skipped(&doc), [(big.display().to_string(), "too_large".to_string())]);
    let out = piiscan().args(["scan", "-g", "a{"]).arg(root).output().expect("run");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("a{"));
}

/// The progress line is drawn on a terminal only: under a pseudo-terminal (`script`), a scan
/// long enough shows it on stderr; with `-q`, or with stderr not a terminal (CI logs), never.
#[cfg(target_os = "linux")]
#[test]
fn the_progress_line_is_drawn_on_a_terminal_only() {
    if std::process::Command::new("script").arg("--version").output().is_err() {
        eprintln!("skipped: no `script` to make a pseudo-terminal");
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("big.csv");
    // Long enough for a debug build to take well over the half second before the line shows.
    let mut text = String::new();
    let mut rng = Rng::new(41);
    while text.len() < 8 << 20 {
        text.push_str(&render(&document(DocFormat::Csv, 5000, &mut rng)));
    }
    std::fs::write(&path, &text).expect("write");
    let bin = assert_cmd::cargo::cargo_bin("piiscan");
    let under_tty = |extra: &str| {
        let command = format!("{} scan -j1 --format json {extra} {} > /dev/null", bin.display(), path.display());
        let out = std::process::Command::new("script").args(["-qec", &command, "/dev/null"]).output().expect("script");
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    assert!(under_tty("").contains("scanning: 0/1 inputs"), "a progress line on a terminal");
    assert!(!under_tty("-q").contains("scanning:"), "-q turns it off");
    let out = piiscan().args(["scan", "-j1", "--format", "json"]).arg(&path).output().expect("run");
    assert!(!String::from_utf8_lossy(&out.stderr).contains("scanning:"), "never when stderr is not a terminal");
}
