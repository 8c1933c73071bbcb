//! The three byte classifiers (scalar, SWAR, AVX2 where the CPU has it) must drive the fused
//! candidate pass to exactly what the byte-at-a-time reference finds: the same chains (less the
//! lone digit runs no validator reads) and the same anchors, on random bytes, on random mixes
//! of the pieces detectors care about, and with tokens straddling the 4 KiB classification
//! strips and the parallel chunk boundaries.

use piiscan::detect::{DetectOptions, Detector};
use piiscan::matcher::{dot_worth_reading, non_ascii_runs, Anchors, CandidateScanner, Chain, Engine, TokenClass};
use piiscan::synth::{document, render, DocFormat, Rng};
use std::ops::Range;

type Chains = Vec<Vec<(Range<usize>, String, TokenClass)>>;

fn record(c: &Chain, out: &mut Chains) {
    out.push(c.groups.iter().map(|g| (g.span.clone(), c.norm(g).to_string(), g.class)).collect());
}

fn reference(text: &[u8]) -> (Chains, Anchors) {
    let mut chains = Vec::new();
    CandidateScanner::scan_reference(text, &mut Chain::default(), |c| {
        if c.worth_validating(text) {
            record(c, &mut chains)
        }
    });
    let anchors = Anchors {
        at: (0..text.len()).filter(|&i| text[i] == b'@').collect(),
        dots: (1..text.len())
            .filter(|&i| text[i] == b'.' && text[i - 1].is_ascii_digit() && dot_worth_reading(text, i))
            .collect(),
        non_ascii: non_ascii_runs(text),
    };
    (chains, anchors)
}

fn fused(engine: Engine, text: &[u8]) -> (Chains, Anchors) {
    let mut chains = Vec::new();
    let mut anchors = Anchors::default();
    CandidateScanner::with_engine(engine).scan(text, &mut Chain::default(), &mut anchors, |c| record(c, &mut chains));
    (chains, anchors)
}

fn check(text: &[u8]) {
    let expected = reference(text);
    for engine in Engine::available() {
        assert_eq!(fused(engine, text), expected, "{} on {:?}", engine.name(), String::from_utf8_lossy(text));
    }
}

const PIECES: &[&[u8]] = &[
    b"1",
    b"3",
    b"8",
    b"0",
    b"9",
    b"13800138000",
    b"110105194912310021",
    b"6222021234567890128",
    b"X",
    b"x",
    b"E",
    b"a",
    b"Z",
    b"word",
    b" ",
    b"-",
    b".",
    b",",
    b"\n",
    b"\t",
    b"\"",
    b"@",
    b"*",
    b"****",
    b"(",
    b")",
    b"+86",
    "\u{ff11}".as_bytes(),
    "\u{ff18}".as_bytes(),
    "\u{ff0c}".as_bytes(),
    "：".as_bytes(),
    "北京市".as_bytes(),
    "号".as_bytes(),
    &[0xEF],
    &[0xEF, 0xBC],
    &[0xE5],
    &[0xBC, 0x9A],
    &[0x80],
    &[0xFF],
    &[0x00],
    b"qq.com",
    b"39.908823",
    b"116.3974",
    b"12.50",
    b"10.2.3.4",
];

fn piece_text(rng: &mut Rng, pieces: usize) -> Vec<u8> {
    let mut text = Vec::new();
    for _ in 0..pieces {
        text.extend_from_slice(PIECES[rng.below(PIECES.len())]);
    }
    text
}

#[test]
fn random_bytes() {
    let mut rng = Rng::new(1);
    for _ in 0..20_000 {
        let len = rng.below(300);
        let text: Vec<u8> = (0..len).map(|_| rng.below(256) as u8).collect();
        check(&text);
    }
}

#[test]
fn random_pieces() {
    let mut rng = Rng::new(2);
    for _ in 0..20_000 {
        let pieces = rng.below(200);
        check(&piece_text(&mut rng, pieces));
    }
}

/// Tokens of every shape placed across the 4 KiB strip edge and the 64-byte block edges.
#[test]
fn tokens_straddle_strip_and_block_edges() {
    let mut rng = Rng::new(3);
    let tokens: &[&[u8]] = &[
        b"13800138000",
        b"138 0013 8000",
        b"11010519491231002X",
        b"E12345678",
        b"138****8000",
        "１３８００１３８０００".as_bytes(),
        b"12345678901234567890123",
        "北京市朝阳区".as_bytes(),
        b"a@b.cn 39.908823",
    ];
    for edge in [64usize, 4096, 8192] {
        for token in tokens {
            for shift in 0..=token.len() + 1 {
                let mut text = vec![b' '; edge + 64];
                let at = edge - shift.min(edge);
                text[at..at + token.len()].copy_from_slice(token);
                check(&text);
            }
        }
    }
    for _ in 0..40 {
        let pieces = 1500 + rng.below(1500);
        check(&piece_text(&mut rng, pieces));
    }
}

/// Whole detection is the same with every engine and in chunks (the parallel split) as in one
/// pass, on generated documents of every format.
#[test]
fn detection_agrees_across_engines_and_chunks() {
    for (i, format) in DocFormat::ALL.into_iter().enumerate() {
        let mut rng = Rng::new(40 + i as u64);
        let text = render(&document(format, 300, &mut rng));
        let base = Detector::new(DetectOptions { include_masked: true });
        let expected = base.clone().with_engine(Engine::Scalar).detect_in_chunks(text.as_bytes(), usize::MAX);
        assert!(!expected.is_empty(), "{format:?}");
        for engine in Engine::available() {
            let detector = base.clone().with_engine(engine);
            for chunk in [usize::MAX, 4096, 333] {
                let found = detector.detect_in_chunks(text.as_bytes(), chunk);
                assert_eq!(found, expected, "{format:?} with {} in chunks of {chunk}", engine.name());
            }
        }
    }
}
