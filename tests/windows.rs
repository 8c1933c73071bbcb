//! Large files are scanned stride by stride: the findings, their positions and the counts must
//! be those of one pass over the whole file, with windows far smaller than the file, on every
//! generated format, in memory and on files large enough to be mapped (which are read into a
//! buffer stride by stride, each stride with the bytes its lookups need around it).

use piiscan::aggregate::Counting;
use piiscan::detect::{DetectOptions, Detector};
use piiscan::scan::{scan_file_in_windows, FileOptions, FileResult, FileScan, StreamScan};
use piiscan::select::Selection;
use piiscan::source::TextPolicy;
use piiscan::TierPolicy;
use piiscan_synth::{document, render, DocFormat, Rng};
use std::io::Write;
use std::path::Path;

fn options(max_findings: Option<usize>) -> FileOptions<'static> {
    FileOptions {
        policy: TierPolicy::Textual,
        counting: None,
        max_findings,
        text: TextPolicy::default(),
        progress: None,
        selection: Selection::everything(),
        collect_fingerprints: false,
    }
}

fn scan(path: &Path, window: usize, max_findings: Option<usize>) -> FileResult {
    let detector = Detector::new(DetectOptions { include_masked: true });
    match scan_file_in_windows(path, &detector, &options(max_findings), window) {
        FileScan::Text(result) => result,
        FileScan::Other(format) => panic!("{}: not text but {format:?}", path.display()),
    }
}

/// `bytes` written into a stream scan in pieces of random sizes up to `piece`, scanned in
/// strides of `window` once it is longer than `in_memory`.
fn scan_stream(bytes: &[u8], window: usize, in_memory: usize, piece: usize, max_findings: Option<usize>) -> FileResult {
    let detector = Detector::new(DetectOptions { include_masked: true });
    let options = options(max_findings);
    let mut stream = StreamScan::with_sizes("stream", &detector, &options, window, in_memory);
    let mut rng = Rng::new(bytes.len() as u64);
    let mut at = 0;
    while at < bytes.len() {
        let n = (1 + rng.below(piece)).min(bytes.len() - at);
        stream.write_all(&bytes[at..at + n]).expect("a stream scan takes every write");
        at += n;
    }
    stream.finish()
}

fn assert_same(windowed: &FileResult, whole: &FileResult, what: &str) {
    assert_eq!(windowed.counts, whole.counts, "{what}: counts");
    assert_eq!(windowed.findings.len(), whole.findings.len(), "{what}: listed");
    for (a, b) in windowed.findings.iter().zip(&whole.findings) {
        assert_eq!(
            (a.line, a.column, a.offset, a.length, a.kind, &a.value, a.category, a.tier),
            (b.line, b.column, b.offset, b.length, b.kind, &b.value, b.category, b.tier),
            "{what}"
        );
    }
}

#[test]
fn windows_equal_one_pass_on_every_format() {
    let dir = tempfile::tempdir().expect("tempdir");
    for (i, format) in DocFormat::ALL.into_iter().enumerate() {
        let mut rng = Rng::new(500 + i as u64);
        let text = render(&document(format, 600, &mut rng));
        let path = dir.path().join(format!("doc{i}.txt"));
        std::fs::write(&path, &text).expect("write");
        let whole = scan(&path, usize::MAX, None);
        assert!(!whole.findings.is_empty(), "{format:?}");
        for window in [4096, 10_000] {
            assert_same(&scan(&path, window, None), &whole, &format!("{format:?} in windows of {window}"));
        }
        assert_same(&scan(&path, 4096, Some(7)), &scan(&path, usize::MAX, Some(7)), &format!("{format:?} capped"));
    }
}

#[test]
fn mapped_file_read_stride_by_stride() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut rng = Rng::new(77);
    let mut text = String::new();
    while text.len() < 5 << 20 {
        text.push_str(&render(&document(DocFormat::Log, 2000, &mut rng)));
    }
    let path = dir.path().join("big.log");
    std::fs::write(&path, &text).expect("write");
    let whole = scan(&path, usize::MAX, None);
    let windowed = scan(&path, 1 << 20, None);
    assert!(whole.counts.values().sum::<u64>() > 10_000);
    assert_same(&windowed, &whole, "5 MiB log in 1 MiB windows");
}

/// A mapped file read whole is sniffed 1 MiB at a time (bytes in memory, 32 MiB at a time): a
/// character, or a `\uXXXX` escape, cut by such an edge (32 MiB is one of both) is still read
/// as one.
#[test]
fn sniffing_windows_keep_characters_whole() {
    const EDGE: usize = 32 << 20;
    let dir = tempfile::tempdir().expect("tempdir");
    // Columns count the file's characters: an escape is six of them.
    for (name, piece, column) in
        [("utf8.txt", "中文 13800138000\n", 4), ("escaped.json", "\\u5f20\\u4e09 13800138000\n", 14)]
    {
        // The piece starts one byte before the edge.
        let mut text = vec![b'a'; EDGE - 2];
        text.push(b'\n');
        text.extend_from_slice(piece.as_bytes());
        let path = dir.path().join(name);
        std::fs::write(&path, &text).expect("write");
        let found = scan(&path, usize::MAX, None);
        assert!(found.problems.is_empty(), "{name}: {:?}", found.problems);
        let phones: Vec<_> = found.findings.iter().filter(|f| f.value == "13800138000").collect();
        assert_eq!(phones.len(), 1, "{name}");
        assert_eq!(phones[0].column, column, "{name}: two characters and a space before it");
    }
}

/// A file scanned in windows has its UTF-8 checked window by window as its pages come in. A
/// window that is not plain UTF-8 (a broken byte, a `\uXXXX` escape to decode) sends the scan
/// back to the whole-file checks: the result is that of one pass, warning included. A
/// character cut by a checked piece's edge is no such window.
#[test]
fn deferred_checks_fall_back_to_the_whole_file() {
    const MIB: usize = 1 << 20;
    let dir = tempfile::tempdir().expect("tempdir");
    let mut rng = Rng::new(91);
    let mut body = String::new();
    while body.len() < 5 * MIB {
        body.push_str(&render(&document(DocFormat::Csv, 500, &mut rng)));
    }
    let late = body.len() - 1000;
    let late = (late..body.len()).find(|&i| body.as_bytes()[i] == b'\n').expect("a late line") + 1;
    let cases: [(&str, &[u8]); 3] = [
        ("escaped.csv", b"\\u5f20\\u4e09,13800138000\n"),
        ("broken.csv", b"\xFF\xFE broken,13800138000\n"),
        ("plain.csv", "张三,13800138000\n".as_bytes()),
    ];
    for (name, line) in cases {
        let mut text = body.as_bytes()[..late].to_vec();
        text.extend_from_slice(line);
        text.extend_from_slice(&body.as_bytes()[late..]);
        // A character across a 1 MiB edge, where window and piece checks are cut.
        let edge = 4 * MIB;
        let cut = (0..edge - 100).rev().find(|&i| text[i] == b'\n').expect("a line before the edge") + 1;
        let mut padded = text[..cut].to_vec();
        padded.resize(edge - 2, b'x');
        padded.extend_from_slice("\n中文 13900139000\n".as_bytes());
        padded.extend_from_slice(&text[cut..]);
        let path = dir.path().join(name);
        std::fs::write(&path, &padded).expect("write");
        let whole = scan(&path, usize::MAX, None);
        let windowed = scan(&path, MIB, None);
        assert_same(&windowed, &whole, name);
        assert_eq!(
            windowed.problems.iter().map(ToString::to_string).collect::<Vec<_>>(),
            whole.problems.iter().map(ToString::to_string).collect::<Vec<_>>(),
            "{name}"
        );
        assert_eq!(whole.problems.len(), usize::from(name == "broken.csv"), "{name}: {:?}", whole.problems);
        assert!(windowed.findings.iter().any(|f| f.value == "13900139000"), "{name}: the phone across the edge");
    }
}

/// Mapped files are read stride by stride into memory, each stride with the bytes its lookups
/// need around it: on every format, with documents back to back (SQL statements running over
/// many strides and ending in others, CSV headers far behind), in windows smaller than the
/// bytes kept before a stride, the findings, positions and counts are those of one pass.
#[test]
fn read_strides_equal_one_pass_on_every_format() {
    let dir = tempfile::tempdir().expect("tempdir");
    for (i, format) in DocFormat::ALL.into_iter().enumerate() {
        let mut rng = Rng::new(900 + i as u64);
        let mut text = String::new();
        while text.len() < (4 << 20) + 300_000 {
            text.push_str(&render(&document(format, 3000, &mut rng)));
        }
        let path = dir.path().join(format!("mapped{i}.txt"));
        std::fs::write(&path, &text).expect("write");
        let whole = scan(&path, usize::MAX, None);
        assert!(whole.counts.values().sum::<u64>() > 1000, "{format:?}");
        for window in [16 << 10, 300_000] {
            assert_same(&scan(&path, window, None), &whole, &format!("{format:?} read in windows of {window}"));
        }
        assert_same(
            &scan(&path, 16 << 10, Some(50)),
            &scan(&path, usize::MAX, Some(50)),
            &format!("{format:?} capped"),
        );
    }
}

/// A line longer than a stride is read on until it ends, and a last line without a newline is
/// read to the end of the file; a finding after a long stretch without any is placed by counting
/// the lines in between.
#[test]
fn read_strides_follow_long_lines_and_the_file_end() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut text = String::from("name,phone\n");
    text.push_str("张三,13800138000\n");
    text.push_str(&"x,y\n".repeat(700_000));
    text.push_str(&"a".repeat(900_000));
    text.push_str(" 13900139000 ");
    text.push_str(&"b".repeat(400_000));
    text.push('\n');
    text.push_str(&"x,y\n".repeat(200_000));
    text.push_str("李四,13700137000");
    let path = dir.path().join("long.csv");
    std::fs::write(&path, &text).expect("write");
    let whole = scan(&path, usize::MAX, None);
    let phones: Vec<_> =
        whole.findings.iter().filter(|f| f.kind == piiscan::Kind::Mobile).map(|f| (f.value.as_str(), f.line)).collect();
    assert_eq!(phones, [("13800138000", 2), ("13900139000", 700_003), ("13700137000", 900_004)]);
    for window in [16 << 10, 100_000] {
        assert_same(&scan(&path, window, None), &whole, &format!("windows of {window}"));
    }
}

/// The lookups that reach past a line, on a mapped SQL dump read in small strides: column lists
/// written over several lines (an `INSERT` head cut by a stride's end is read on into the next
/// stride's bytes), tuples written over several lines (a value's `(` may lie in the stride
/// before), and statements that end strides after they start (a value after the `;` is in no
/// statement). Each must give what one pass gives: the passports in the `passport` column, and
/// none of the look-alikes after the statements.
#[test]
fn read_strides_see_statements_across_their_edges() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut text = String::new();
    let mut serial = 10_000_000u32;
    let mut next = || {
        serial += 7;
        format!("E{serial}")
    };
    let mut expected = 0;
    for i in 0..10_000 {
        // Heads and tuples over several lines, of varying length, so that stride ends fall in
        // every part of them.
        text.push_str(&format!(
            "INSERT INTO `t{i}` (\n  `name`,\n  `note_{}`,\n  `passport`\n) VALUES\n",
            "x".repeat(i % 301)
        ));
        let rows = 1 + i % 5;
        for r in 0..rows {
            let end = if r + 1 == rows { ";" } else { "," };
            text.push_str(&format!("('张三', '{}',\n '{}'){end}\n", "y".repeat(i % 23), next()));
            expected += 1;
        }
        text.push_str(&format!("note, (x, {})\n", next()));
        if i % 1000 == 0 {
            // A statement of many one-line tuples, over many strides.
            text.push_str("INSERT INTO `long` (`name`, `passport`) VALUES\n");
            for r in 0..3000 {
                let end = if r == 2999 { ";" } else { "," };
                text.push_str(&format!("('李四', '{}'){end}\n", next()));
                expected += 1;
            }
            text.push_str(&format!("note, (x, {})\n", next()));
        }
    }
    assert!(text.len() > 4 << 20, "large enough to be mapped: {}", text.len());
    let path = dir.path().join("dump.sql");
    std::fs::write(&path, &text).expect("write");
    let whole = scan(&path, usize::MAX, None);
    assert_eq!(whole.counts.get(&piiscan::Kind::Passport), Some(&expected));
    for window in [4 << 10, 16 << 10] {
        assert_same(&scan(&path, window, None), &whole, &format!("windows of {window}"));
    }
}

/// A stream (standard input, a pipe, an archive member) cannot be read twice: it is decoded
/// piece by piece and scanned stride by stride with only a stride and its margins held. On every
/// format, written in pieces of random sizes, in strides far smaller than the text, with the
/// stream held whole below a threshold or not, the findings, positions and counts are those of
/// the same bytes scanned as a file.
#[test]
fn streams_equal_files_on_every_format() {
    let dir = tempfile::tempdir().expect("tempdir");
    for (i, format) in DocFormat::ALL.into_iter().enumerate() {
        let mut rng = Rng::new(700 + i as u64);
        let mut text = String::new();
        while text.len() < 600_000 {
            text.push_str(&render(&document(format, 1000, &mut rng)));
        }
        let path = dir.path().join(format!("stream{i}.txt"));
        std::fs::write(&path, &text).expect("write");
        let whole = scan(&path, usize::MAX, None);
        assert!(whole.counts.values().sum::<u64>() > 100, "{format:?}");
        for (window, in_memory, piece) in [(16 << 10, 0, 70_000), (50_000, 100_000, 3000), (4096, 0, 1 << 20)] {
            let streamed = scan_stream(text.as_bytes(), window, in_memory, piece, None);
            assert_same(&streamed, &whole, &format!("{format:?} streamed in windows of {window}"));
            assert_eq!(streamed.bytes, text.len() as u64);
        }
        let capped = scan_stream(text.as_bytes(), 16 << 10, 0, 5000, Some(20));
        assert_same(&capped, &scan(&path, usize::MAX, Some(20)), &format!("{format:?} streamed, capped"));
    }
}

/// Encodings a stream is read in are decided from its first bytes: a GBK or UTF-16 export, or
/// JSON with ASCII-only escapes, streamed in strides gives the findings of the file, with
/// offsets in the stream's own bytes.
#[test]
fn streams_decode_gbk_utf16_and_escapes() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut rng = Rng::new(17);
    let mut csv = String::new();
    while csv.len() < 300_000 {
        csv.push_str(&render(&document(DocFormat::Csv, 500, &mut rng)));
    }
    let (gbk, _, unmappable) = encoding_rs::GB18030.encode(&csv);
    assert!(!unmappable);
    let mut utf16 = vec![0xFF, 0xFE];
    for unit in csv.encode_utf16() {
        utf16.extend_from_slice(&unit.to_le_bytes());
    }
    let mut escaped = String::new();
    for c in csv.chars() {
        if c.is_ascii() {
            escaped.push(c);
        } else {
            let mut units = [0u16; 2];
            for unit in c.encode_utf16(&mut units) {
                escaped.push_str(&format!("\\u{unit:04x}"));
            }
        }
    }
    for (name, bytes) in [("gbk.csv", gbk.to_vec()), ("utf16.csv", utf16), ("escaped.csv", escaped.into_bytes())] {
        let path = dir.path().join(name);
        std::fs::write(&path, &bytes).expect("write");
        let whole = scan(&path, usize::MAX, None);
        assert!(whole.counts.get(&piiscan::Kind::Name).copied().unwrap_or(0) > 50, "{name}: names found in the file");
        let streamed = scan_stream(&bytes, 16 << 10, 0, 10_000, None);
        assert_same(&streamed, &whole, name);
        for f in &streamed.findings {
            assert!(f.offset + f.length <= bytes.len() as u64, "{name}: offsets in the stream's bytes");
        }
    }
}

/// The items counted from one text scanned with `window` (a file) or written in random pieces
/// (a stream when `stream`), with a memory budget of `budget` bytes.
fn items(path: &Path, window: usize, stream: bool, budget: u64) -> piiscan::aggregate::ItemCounts {
    let detector = Detector::new(DetectOptions::default());
    let hasher = piiscan::aggregate::RecordHasher::with_key([7, 11]);
    let counting = Counting::new(&hasher, piiscan::aggregate::Tally::new(budget, None));
    let options = FileOptions { counting: Some(&counting), ..options(Some(10)) };
    if stream {
        let bytes = std::fs::read(path).expect("read");
        let mut scan = StreamScan::with_sizes("stream", &detector, &options, window, 0);
        let mut rng = Rng::new(window as u64);
        let mut at = 0;
        while at < bytes.len() {
            let n = (1 + rng.below(70_000)).min(bytes.len() - at);
            scan.write_all(&bytes[at..at + n]).expect("write");
            at += n;
        }
        scan.finish();
    } else {
        match scan_file_in_windows(path, &detector, &options, window) {
            FileScan::Text(_) => {}
            FileScan::Other(format) => panic!("not text: {format:?}"),
        }
    }
    counting.finish(None).expect("counted").counts
}

/// Splitting a text into strides at any point, reading it as a stream in pieces of any size,
/// or spilling the distinct-item sets to disk never changes the records or the assessment:
/// for every format, at random window sizes, the item counts are those of one pass.
#[test]
fn strides_streams_and_spills_count_the_items_of_one_pass() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut rng = Rng::new(2026);
    for (i, format) in DocFormat::ALL.into_iter().enumerate() {
        let mut text = String::new();
        while text.len() < 600_000 {
            text.push_str(&render(&document(format, 2000, &mut rng)));
        }
        let path = dir.path().join(format!("assess{i}.txt"));
        std::fs::write(&path, &text).expect("write");
        let whole = items(&path, usize::MAX, false, 1 << 30);
        if !matches!(format, DocFormat::Digits | DocFormat::Source | DocFormat::Prose | DocFormat::Log) {
            assert!(whole.items() > 100, "{format:?}: {whole:?}");
        }
        for _ in 0..2 {
            let window = 2048 + rng.below(200_000);
            assert_eq!(items(&path, window, false, 1 << 30), whole, "{format:?} in windows of {window}");
            assert_eq!(items(&path, window, true, 1 << 30), whole, "{format:?} as a stream, windows of {window}");
        }
        assert_eq!(items(&path, 50_000, false, 4096), whole, "{format:?} spilled");
    }
}
