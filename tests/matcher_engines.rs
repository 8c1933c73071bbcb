//! The three byte classifiers (scalar, SWAR, AVX2 where the CPU has it) must drive the fused
//! candidate pass to exactly what the byte-at-a-time reference finds: the same chains (less the
//! lone digit runs no validator reads) and the same anchors, on random bytes, on random mixes
//! of the pieces detectors care about, and with tokens straddling the 4 KiB classification
//! strips and the parallel chunk boundaries.

use piiscan::detect::{DetectOptions, Detector};
use piiscan::matcher::{
    dot_worth_reading, lone_digits_worth_validating, non_ascii_runs, Anchors, CandidateScanner, Chain, Engine,
    TokenClass,
};
use piiscan_synth::{document, render, DocFormat, Rng};
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
        markers: memchr::memmem::find_iter(text, b"piiscan:allow").filter(|&i| starts_word(text, i)).collect(),
    };
    (chains, anchors)
}

/// Whether a word starts at `i`: the byte before it is in no token (not a letter, a digit, the
/// mask `*` or the end of a full-width digit).
fn starts_word(text: &[u8], i: usize) -> bool {
    let fullwidth_digit = |t: &[u8]| t.len() == 3 && t[0] == 0xEF && t[1] == 0xBC && (0x90..=0x99).contains(&t[2]);
    i == 0
        || !(text[i - 1].is_ascii_alphanumeric() || text[i - 1] == b'*' || (i >= 3 && fullwidth_digit(&text[i - 3..i])))
}

fn fused(scanner: CandidateScanner, text: &[u8]) -> (Chains, Anchors) {
    let mut chains = Vec::new();
    let mut anchors = Anchors::default();
    scanner.scan(text, &mut Chain::default(), &mut anchors, |c| record(c, &mut chains));
    (chains, anchors)
}

/// Every engine, as it runs and with the digit-run filter on however few numbers the text has.
fn check(text: &[u8]) {
    let expected = reference(text);
    for engine in Engine::available() {
        let scanner = CandidateScanner::with_engine(engine);
        for (scanner, filter) in [(scanner, "default"), (scanner.filtering_every_strip(), "always")] {
            assert_eq!(
                fused(scanner, text),
                expected,
                "{} (filter: {filter}) on {:?}",
                engine.name(),
                String::from_utf8_lossy(text)
            );
        }
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
    b"piiscan:allow",
    b"piiscan",
    b":allow",
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
    "\u{ff38}".as_bytes(),
    "\u{ff58}".as_bytes(),
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

/// The fused pass drops most lone digit runs by their length and opening digits, judged from
/// the masks a block at once: every length, every opening those rules look at, every kind of
/// byte before and after, across block edges, must give what the reference reader gives.
#[test]
fn lone_run_filter_matches_the_reference() {
    let before: &[&[u8]] = &[b"", b"\t", b" ", b"-", b")", "）".as_bytes(), b"a"];
    let after: &[&[u8]] = &[b"", b"\t", b"-", b" 5", b"-5", b"X", b"*", b".", "，".as_bytes(), "１".as_bytes(), b"a"];
    let mut text = Vec::new();
    for len in 1..=21 {
        // The openings the rules look at (0, 1, 8; then 0, 4, 5, 6), and one they do not.
        for first in [b'0', b'1', b'8', b'9'] {
            for second in [b'0', b'4', b'5', b'6', b'9'] {
                let mut run = vec![first, second];
                run.extend((2..len).map(|i| b"3579"[i % 4]));
                run.truncate(len);
                for (b, a) in before.iter().flat_map(|b| after.iter().map(move |a| (b, a))) {
                    // Where the run starts: at a block's start, inside one, and so that it
                    // ends on, or runs over, the block edge.
                    for start in [70, 128 - len, 127 - len] {
                        text.clear();
                        text.resize(start - b.len(), b'\n');
                        text.extend_from_slice(b);
                        text.extend_from_slice(&run);
                        text.extend_from_slice(a);
                        check(&text);
                        text.extend_from_slice(&[b'\n'; 70]);
                        check(&text);
                    }
                }
            }
        }
    }
}

/// The filter judges a lone run by its length and first two digits; the lone-run rule may look
/// further (13-digit IoT prefixes come from the prefix table). Every length and pair of first
/// digits for which any five-digit opening is accepted must reach the validators.
#[test]
fn lone_run_filter_keeps_every_opening_the_rule_accepts() {
    let mut kept = std::collections::BTreeMap::new();
    for len in 7..=19 {
        for opening in 0..100_000u32 {
            let mut text = format!("){opening:05}").into_bytes();
            text.resize(len + 1, b'7');
            if lone_digits_worth_validating(&text, 1, &text[1..]) {
                kept.entry((len, text[1], text[2])).or_insert(text);
            }
        }
    }
    assert!(kept.contains_key(&(13, b'1', b'4')) && kept.contains_key(&(11, b'1', b'3')));
    for text in kept.values() {
        for start in [60, 100] {
            let mut padded = vec![b'\n'; start];
            padded.extend_from_slice(text);
            padded.push(b'\t');
            check(&padded);
        }
    }
}

/// Runs longer than a block: they may end past what the filter sees, in a chain or a token.
#[test]
fn long_runs_across_blocks() {
    for len in [62, 63, 64, 65, 66, 126, 127, 128, 129, 130, 200] {
        for start in [64, 70, 120, 127] {
            for after in [&b""[..], b"\t", b" 5", b"-5", b"x", b"*", "１".as_bytes()] {
                let mut text = vec![b'\n'; start];
                text.extend((0..len).map(|i| b"13579"[i % 5]));
                text.extend_from_slice(after);
                check(&text);
                text.extend_from_slice(&[b'\n'; 200]);
                check(&text);
            }
        }
    }
}

/// The filter's masks are computed only after a strip with many digit runs: runs at the edge
/// between a strip classified without them and one classified with them.
#[test]
fn filter_switching_between_strips() {
    for (before, run) in [(&b")"[..], &b"1234567"[..]), ("）".as_bytes(), b"7654321"), (b"-", b"13800138000")] {
        let mut text = vec![b'\n'; 4096];
        let dense: Vec<u8> = b"12\t".iter().copied().cycle().take(4096 - before.len()).collect();
        text.extend_from_slice(&dense);
        text.extend_from_slice(before);
        text.extend_from_slice(run);
        text.extend(b"\t98\t".iter().copied().cycle().take(4096));
        check(&text);
    }
}
