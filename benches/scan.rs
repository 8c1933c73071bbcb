//! Throughput benches on corpora generated from a fixed seed at bench time (never committed):
//! a PII-dense CSV dump, an application log, Chinese prose, a digit-heavy TSV export, and a
//! tree of many small source files. One group per layer: byte classification and the fused
//! candidate pass per engine (scalar, SWAR, AVX2), the byte-at-a-time reference reader, the
//! full detector, a regex baseline with the ASCII ID-or-mobile pattern ripgrep users would
//! write, and whole-tree scanning.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use piiscan::detect::{DetectOptions, Detector};
use piiscan::matcher::{Anchors, CandidateScanner, Chain, Engine, StripMasks};
use piiscan_synth::{document, render, DocFormat, Rng};
use std::hint::black_box;
use std::time::Duration;

// The allocator the binary ships with, so that allocation-heavy layers measure what users run.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn corpus(format: DocFormat, rows: usize) -> Vec<u8> {
    let mut rng = Rng::new(20_261_126);
    render(&document(format, rows, &mut rng)).into_bytes()
}

fn corpora() -> Vec<(&'static str, Vec<u8>)> {
    vec![
        ("csv_dump", corpus(DocFormat::Csv, 40_000)),
        ("log", corpus(DocFormat::Log, 60_000)),
        ("prose", corpus(DocFormat::Prose, 60_000)),
        ("digits_tsv", corpus(DocFormat::Digits, 60_000)),
    ]
}

fn configure(c: &mut Criterion) -> criterion::BenchmarkGroup<'_, criterion::measurement::WallTime> {
    let mut g = c.benchmark_group("layers");
    g.sample_size(10).measurement_time(Duration::from_secs(3)).warm_up_time(Duration::from_millis(500));
    g
}

/// One bench per matcher layer: byte classification alone per engine, the fused candidate pass
/// per engine, the byte-at-a-time reference reader, full detection, and the regex a ripgrep
/// user would write.
fn layers(c: &mut Criterion) {
    let corpora = corpora();
    let detector = Detector::new(DetectOptions::default());
    let baseline = regex::bytes::Regex::new(
        r"(?-u)(?:^|[^0-9A-Za-z])([1-9][0-9]{5}(?:18|19|20)[0-9]{2}(?:0[1-9]|1[0-2])[0-9]{5}[0-9Xx]|1[3-9][0-9]{9})(?:[^0-9A-Za-z]|$)",
    )
    .expect("baseline regex");
    let mut g = configure(c);
    for (name, text) in &corpora {
        g.throughput(Throughput::Bytes(text.len() as u64));
        for engine in Engine::available() {
            g.bench_with_input(BenchmarkId::new(format!("classify_{}", engine.name()), name), text, |b, text| {
                let mut masks = StripMasks::default();
                b.iter(|| {
                    let mut digits = 0u32;
                    for strip in black_box(text).chunks(4096) {
                        engine.classify(strip, &mut masks);
                        digits += masks.digit.iter().map(|m| m.count_ones()).sum::<u32>();
                    }
                    digits
                })
            });
            g.bench_with_input(BenchmarkId::new(format!("candidates_{}", engine.name()), name), text, |b, text| {
                let scanner = CandidateScanner::with_engine(engine);
                let mut chain = Chain::default();
                let mut anchors = Anchors::default();
                b.iter(|| {
                    let mut n = 0usize;
                    scanner.scan(black_box(text), &mut chain, &mut anchors, |c: &Chain| n += c.groups.len());
                    n + anchors.at.len() + anchors.dots.len() + anchors.non_ascii.len()
                })
            });
        }
        g.bench_with_input(BenchmarkId::new("candidates_reference", name), text, |b, text| {
            let mut chain = Chain::default();
            b.iter(|| {
                let mut n = 0usize;
                CandidateScanner::scan_reference(black_box(text), &mut chain, |c: &Chain| n += c.groups.len());
                n
            })
        });
        g.bench_with_input(BenchmarkId::new("detect", name), text, |b, text| {
            // One piece: one thread, like every other layer here (`detect` alone would split
            // the corpus into parallel pieces).
            b.iter(|| detector.detect_in_chunks(black_box(text), usize::MAX).len())
        });
        g.bench_with_input(BenchmarkId::new("regex_baseline", name), text, |b, text| {
            b.iter(|| baseline.find_iter(black_box(text)).count())
        });
    }
    g.finish();
}

fn small_files(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut rng = Rng::new(7);
    let mut total = 0u64;
    for i in 0..400 {
        let text = render(&document(DocFormat::Source, 40, &mut rng));
        total += text.len() as u64;
        std::fs::write(dir.path().join(format!("m{i:03}.py")), text).expect("write");
    }
    let config = piiscan::ScanConfig { paths: vec![dir.path().to_path_buf()], threads: Some(1), ..Default::default() };
    let mut g = c.benchmark_group("tree");
    g.sample_size(10).measurement_time(Duration::from_secs(3));
    g.throughput(Throughput::Bytes(total));
    g.bench_function("source_tree_400_files_j1", |b| b.iter(|| piiscan::run(&config).map(|o| o.findings.len())));
    g.finish();
}

/// Records of a Chinese export: the layout stage's reader (quote and newline positions, with
/// SIMD searches) against the `csv` crate's core (a byte-at-a-time state machine that also
/// splits and unquotes every field), on the same bytes. Both must find the same rows.
fn records(c: &mut Criterion) {
    let text = corpus(DocFormat::Export, 50_000);
    let mut g = c.benchmark_group("records");
    g.sample_size(10).measurement_time(Duration::from_secs(3)).warm_up_time(Duration::from_millis(500));
    g.throughput(Throughput::Bytes(text.len() as u64));
    let layout = |text: &[u8]| {
        let mut reader = piiscan::layout::RecordReader::new(&piiscan::layout::Structure::sniff(text));
        let mut out = Vec::new();
        reader.feed(text, 0, 0..text.len(), true, &mut out);
        out.len()
    };
    let csv_core = |text: &[u8]| {
        let mut reader = csv_core::Reader::new();
        let (mut fields, mut ends) = (vec![0u8; 1 << 16], vec![0usize; 64]);
        let (mut input, mut rows) = (text, 0usize);
        loop {
            let (result, read, _, _) = reader.read_record(input, &mut fields, &mut ends);
            input = &input[read..];
            match result {
                csv_core::ReadRecordResult::Record => rows += 1,
                csv_core::ReadRecordResult::End => break rows,
                _ if input.is_empty() => {
                    let (last, _, _, _) = reader.read_record(&[], &mut fields, &mut ends);
                    break rows + usize::from(matches!(last, csv_core::ReadRecordResult::Record));
                }
                _ => {}
            }
        }
    };
    // The header row is a record to csv-core, not to the layout stage.
    assert_eq!(layout(&text) + 1, csv_core(&text), "both read the same rows");
    g.bench_function("layout_reader/export", |b| b.iter(|| layout(black_box(&text))));
    g.bench_function("csv_core/export", |b| b.iter(|| csv_core(black_box(&text))));
    g.finish();
}

criterion_group!(benches, layers, small_files, records);
criterion_main!(benches);
