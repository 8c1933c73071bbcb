//! Match stage: the candidate finder. One pass over the bytes splits them into *tokens*
//! (maximal runs of ASCII letters, digits, full-width digits and the mask character `*`) and
//! groups digit tokens separated by a single space or dash into *chains*, so that
//! `138 0013 8000` and `6222 0212 3456 7890 128` reach the validators as one candidate.
//!
//! This is the only stage that looks at every byte. [`CandidateScanner::scan`] is one fused
//! pass: 64-byte blocks become bitmasks (`classify.rs`: AVX2, SWAR or scalar), the token loop
//! jumps between token starts, and the same pass notes the anchors of the other detectors
//! (`@`, digit-dot, non-ASCII runs). [`CandidateScanner::scan_reference`], the byte-at-a-time
//! reader it is tested against, defines what a token and a chain are. Because tokens are
//! maximal, the boundary rule of the output contract holds by construction: a digit run glued
//! to an ASCII letter or digit (`x13800138000yy`, a 20-digit order number) is one longer token
//! and never a phone; Chinese characters and punctuation end a token (`手机13800138000`).

mod classify;

pub use classify::{BlockMasks, Engine};
use std::ops::Range;

/// The shape of one token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenClass {
    /// Only digits (ASCII or full-width).
    Digits,
    /// Digits with a trailing `X`/`x` and no other letter (ID check character).
    DigitsX,
    /// Letters and digits mixed (passports, permits, credit codes).
    Alnum,
    /// Contains the mask character `*` (or `x` used as a mask between digits).
    Masked,
}

/// One token of a chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Group {
    /// Byte span in the text.
    pub span: Range<usize>,
    /// Span of the normalised characters (full-width digits folded to ASCII) in
    /// [`Chain::normalized`].
    pub norm: Range<usize>,
    /// The token's shape.
    pub class: TokenClass,
}

/// Tokens separated by single spaces or dashes, handed to the validators together.
#[derive(Debug, Default)]
pub struct Chain {
    /// The tokens, in text order.
    pub groups: Vec<Group>,
    /// The normalised characters of every group, concatenated.
    pub normalized: String,
}

impl Chain {
    /// The normalised text of one group.
    pub fn norm(&self, g: &Group) -> &str {
        &self.normalized[g.norm.clone()]
    }

    /// Whether the validators can read anything in the chain (found in `text`): it is not one
    /// lone run of digits that no validator reads ([`lone_digits_worth_validating`]).
    #[inline]
    pub fn worth_validating(&self, text: &[u8]) -> bool {
        match self.groups.as_slice() {
            [g] if g.class == TokenClass::Digits => {
                lone_digits_worth_validating(text, g.span.start, self.norm(g).as_bytes())
            }
            _ => true,
        }
    }
}

/// Where the non-token detectors start: the byte positions the fused pass noted while it was
/// finding chains, so that e-mail, decimal and Chinese-text detectors need no pass of their own.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Anchors {
    /// Every `@`.
    pub at: Vec<usize>,
    /// Every `.` right after an ASCII digit that [`dot_worth_reading`] accepts: the dots a
    /// coordinate or an IP address can contain. Amounts (`12.50`) are not noted.
    pub dots: Vec<usize>,
    /// Maximal runs of non-ASCII bytes (Chinese text, in any export), in text order.
    pub non_ascii: Vec<Range<usize>>,
}

impl Anchors {
    fn clear(&mut self) {
        self.at.clear();
        self.dots.clear();
        self.non_ascii.clear();
    }
}

/// The candidate finder. It holds no per-scan state and can be shared between threads.
#[derive(Debug, Clone, Copy)]
pub struct CandidateScanner {
    engine: Engine,
}

impl Default for CandidateScanner {
    fn default() -> Self {
        CandidateScanner::new()
    }
}

/// Bytes classified per round: small enough that the text and its masks stay in L1 while the
/// token loop walks them.
const STRIP: usize = 4096;

const OTHER: u8 = 0;
const DIGIT: u8 = 1;
const LETTER: u8 = 2;
const STAR: u8 = 3;
const FULLWIDTH_LEAD: u8 = 4;
/// The lead byte of the full-width forms, digits among them.
const FULLWIDTH_LEAD_BYTE: u8 = 0xEF;

static CLASS: [u8; 256] = {
    let mut t = [OTHER; 256];
    let mut i = 0;
    while i < 256 {
        let b = i as u8;
        t[i] = if b.is_ascii_digit() {
            DIGIT
        } else if b.is_ascii_alphabetic() {
            LETTER
        } else if b == b'*' {
            STAR
        } else if b == FULLWIDTH_LEAD_BYTE {
            FULLWIDTH_LEAD
        } else {
            OTHER
        };
        i += 1;
    }
    t
};

/// A full-width digit `０`-`９` is U+FF10..U+FF19: EF BC 90..99 in UTF-8.
#[inline]
fn fullwidth_digit_at(text: &[u8], i: usize) -> Option<u8> {
    match text.get(i..i + 3) {
        Some([FULLWIDTH_LEAD_BYTE, 0xBC, d @ 0x90..=0x99]) => Some(b'0' + (d - 0x90)),
        _ => None,
    }
}

/// Whether a lone run of `digits` starting at `start` in `text` is something a validator reads
/// on its own: 7 digits after a closing parenthesis (the landline validator then checks the
/// area code in it), 8, and 9 starting with 14 or 15 (with a label: permit and passport
/// numbers), 10 and 12 starting with 0 (landlines), 11 starting with 0 or 1 (landlines,
/// mobiles), 13 on an allocated 13-digit IoT prefix or starting with 86 (a mobile after the
/// country code; millisecond timestamps are neither), 15 (old IDs, IMEIs, cards), 16 to 19
/// (cards, IDs). Anything else (years, amounts, accounts, 14-digit datetimes, 20-digit order
/// numbers) is never personal information alone, so the fused pass does not hand it on. This
/// must stay a necessary condition of `detect::digits_alone` finding something: the engines
/// test holds the fused pass to the reference reader filtered by this, and the detector tests
/// to the result.
#[inline(always)]
pub fn lone_digits_worth_validating(text: &[u8], start: usize, digits: &[u8]) -> bool {
    match digits.len() {
        7 => {
            let before = &text[..start];
            let before = before.strip_suffix(b" ").or_else(|| before.strip_suffix(b"-")).unwrap_or(before);
            before.ends_with(b")") || before.ends_with("）".as_bytes())
        }
        8 | 15..=19 => true,
        9 => digits.starts_with(b"14") || digits.starts_with(b"15"),
        10 | 12 => digits[0] == b'0',
        11 => digits[0] == b'0' || digits[0] == b'1',
        13 => digits.starts_with(b"86") || crate::reference::mobile_prefixes().lookup(digits).is_some(),
        _ => false,
    }
}

impl CandidateScanner {
    /// The scanner with the fastest byte classifier this CPU supports.
    pub fn new() -> Self {
        CandidateScanner { engine: Engine::best() }
    }

    /// The scanner with a chosen byte classifier (tests and benches compare them).
    pub fn with_engine(engine: Engine) -> Self {
        CandidateScanner { engine }
    }

    /// The fused pass: calls `on_chain` for every chain that contains a digit and that some
    /// validator can read, in text order, and fills `anchors` with the `@`, digit-dot and
    /// non-ASCII positions. `chain` and `anchors` are caller-owned scratch.
    ///
    /// Blocks of 64 bytes are classified into bitmasks; the loop then visits only the bytes
    /// that start a token. A lone ASCII digit run (the common case in exports) is measured
    /// with the masks and handed on, or dropped by its length, without being copied; anything
    /// else (letters, `*`, full-width digits, separators that chain groups) goes through the
    /// byte-at-a-time reader, [`CandidateScanner::scan_reference`]'s step, so both agree.
    pub fn scan(&self, text: &[u8], chain: &mut Chain, anchors: &mut Anchors, mut on_chain: impl FnMut(&Chain)) {
        anchors.clear();
        let mut masks = Vec::with_capacity(STRIP / 64);
        // `pos`: the first byte the token loop has not consumed yet.
        let mut pos: usize = 0;
        // Bit 63 of the previous block's masks, carried into the next block.
        let (mut prev_token, mut prev_digit, mut prev_high) = (0u64, 0u64, 0u64);
        let mut run_start = None;
        for (strip_index, strip) in text.chunks(STRIP).enumerate() {
            let strip_base = strip_index * STRIP;
            self.engine.classify(strip, &mut masks);
            for (k, m) in masks.iter().enumerate() {
                let base = strip_base + 64 * k;
                let mut bits = m.at;
                while bits != 0 {
                    anchors.at.push(base + bits.trailing_zeros() as usize);
                    bits &= bits - 1;
                }
                let mut bits = m.dot & ((m.digit << 1) | prev_digit);
                if bits != 0 {
                    bits = match masks.get(k + 1) {
                        Some(next) => bits & worth_reading_dots(m, next),
                        // The strip's last block: what follows is not classified yet.
                        None => filter_bits(bits, |i| dot_worth_reading(text, base + i)),
                    };
                }
                while bits != 0 {
                    anchors.dots.push(base + bits.trailing_zeros() as usize);
                    bits &= bits - 1;
                }
                // Run boundaries: a start is a high byte after a low one, an end a low byte
                // after a high one.
                let shifted_high = (m.high << 1) | prev_high;
                let mut edges = (m.high & !shifted_high) | (!m.high & shifted_high);
                while edges != 0 {
                    let at = base + edges.trailing_zeros() as usize;
                    match run_start.take() {
                        None => run_start = Some(at),
                        Some(start) => anchors.non_ascii.push(start..at.min(text.len())),
                    }
                    edges &= edges - 1;
                }
                // Every full-width lead is visited, as the byte-at-a-time reader would, and
                // an ASCII token byte after one that was not a full-width digit starts a token.
                let ascii_token = m.digit | m.letter | m.star;
                let mut starts = (ascii_token & !((ascii_token << 1) | prev_token)) | m.lead;
                let skip_below = pos.saturating_sub(base);
                if skip_below >= 64 {
                    starts = 0;
                } else {
                    starts &= u64::MAX << skip_below;
                }
                while starts != 0 {
                    let s = base + starts.trailing_zeros() as usize;
                    starts &= starts - 1;
                    if s < pos {
                        continue;
                    }
                    pos = self.token_at(text, s, &masks, strip_base, chain, &mut on_chain);
                }
                prev_token = ascii_token >> 63;
                prev_digit = m.digit >> 63;
                prev_high = m.high >> 63;
            }
        }
        if let Some(start) = run_start {
            anchors.non_ascii.push(start..text.len());
        }
    }

    /// Handles the token starting at `s`; returns the first byte after what it consumed.
    #[inline]
    fn token_at(
        &self,
        text: &[u8],
        s: usize,
        masks: &[BlockMasks],
        strip_base: usize,
        chain: &mut Chain,
        on_chain: &mut impl FnMut(&Chain),
    ) -> usize {
        let first = text[s];
        if first.is_ascii_digit() {
            let end = run_end(text, s, masks, strip_base, |m| m.digit, u8::is_ascii_digit);
            let lone = match text.get(end) {
                None => true,
                // Full-width punctuation (，。：) ends a token as any other byte would; only a
                // full-width digit continues it.
                Some(&FULLWIDTH_LEAD_BYTE) => fullwidth_digit_at(text, end).is_none(),
                Some(&b) if CLASS[b as usize] != OTHER => false,
                Some(b' ' | b'-') => {
                    !(text.get(end + 1).is_some_and(u8::is_ascii_digit) || fullwidth_digit_at(text, end + 1).is_some())
                }
                Some(_) => true,
            };
            if lone {
                if lone_digits_worth_validating(text, s, &text[s..end]) {
                    chain.groups.clear();
                    chain.normalized.clear();
                    // ASCII digits, each its own character: no UTF-8 validation needed.
                    chain.normalized.extend(text[s..end].iter().map(|&b| char::from(b)));
                    chain.groups.push(Group { span: s..end, norm: 0..end - s, class: TokenClass::Digits });
                    on_chain(chain);
                }
                return end;
            }
        } else if first.is_ascii_alphabetic() {
            // A word: letters only, ended by a byte that is in no token.
            let end = run_end(text, s, masks, strip_base, |m| m.letter, u8::is_ascii_alphabetic);
            if text.get(end).is_none_or(|&b| CLASS[b as usize] == OTHER) {
                return end;
            }
        }
        step(text, s, chain, &mut |c: &Chain| {
            if c.worth_validating(text) {
                on_chain(c)
            }
        })
    }

    /// The byte-at-a-time reference: calls `on_chain` for every chain that contains at least
    /// one digit, whatever its length. [`CandidateScanner::scan`] must hand on exactly the
    /// chains of this that some validator can read; tests hold the two together.
    pub fn scan_reference(text: &[u8], chain: &mut Chain, mut on_chain: impl FnMut(&Chain)) {
        let mut i = 0;
        while i < text.len() {
            i = step(text, i, chain, &mut on_chain);
        }
    }
}

/// The end of the run of bytes in `mask` (`is` byte by byte) that starts at `s`: with the strip's
/// masks while they last, byte by byte beyond them.
#[inline]
fn run_end(
    text: &[u8],
    s: usize,
    masks: &[BlockMasks],
    strip_base: usize,
    mask: impl Fn(&BlockMasks) -> u64,
    is: impl Fn(&u8) -> bool,
) -> usize {
    let mut k = (s - strip_base) / 64;
    let mut offset = (s - strip_base) % 64;
    while let Some(m) = masks.get(k) {
        let outside = !mask(m) >> offset;
        if outside != 0 {
            return strip_base + 64 * k + offset + outside.trailing_zeros() as usize;
        }
        k += 1;
        offset = 0;
    }
    let mut end = strip_base + 64 * masks.len();
    while end < text.len() && is(&text[end]) {
        end += 1;
    }
    end
}

/// One step of the byte-at-a-time reader at `i`: reads the token or chain there (calling
/// `on_chain` if it has a digit) and returns where the next step starts.
fn step(text: &[u8], i: usize, chain: &mut Chain, on_chain: &mut impl FnMut(&Chain)) -> usize {
    let n = text.len();
    let class = CLASS[text[i] as usize];
    if class == OTHER || (class == FULLWIDTH_LEAD && fullwidth_digit_at(text, i).is_none()) {
        return i + 1;
    }
    if class == LETTER {
        // Most tokens in text are words: skip a letters-only token without normalising it.
        let mut end = i + 1;
        while end < n && CLASS[text[end] as usize] == LETTER {
            end += 1;
        }
        let next = text.get(end).map_or(OTHER, |&b| CLASS[b as usize]);
        if next == OTHER || (next == FULLWIDTH_LEAD && fullwidth_digit_at(text, end).is_none()) {
            return end;
        }
    }
    chain.groups.clear();
    chain.normalized.clear();
    let mut any_digit = false;
    let mut pos = i;
    loop {
        let (group, end, digits) = read_token(text, pos, &mut chain.normalized);
        any_digit |= digits > 0;
        let continues = group.class == TokenClass::Digits
            && matches!(text.get(end), Some(b' ' | b'-'))
            && (text.get(end + 1).is_some_and(u8::is_ascii_digit) || fullwidth_digit_at(text, end + 1).is_some());
        chain.groups.push(group);
        pos = end;
        if !continues {
            break;
        }
        pos += 1;
    }
    if any_digit {
        on_chain(chain);
    }
    pos.max(i + 1)
}

/// Reads one maximal token starting at `start`; returns it, its end, and its digit count.
fn read_token(text: &[u8], start: usize, normalized: &mut String) -> (Group, usize, usize) {
    let norm_start = normalized.len();
    let (mut digits, mut letters, mut stars, mut x_count) = (0usize, 0usize, 0usize, 0usize);
    let mut i = start;
    while i < text.len() {
        let b = text[i];
        match CLASS[b as usize] {
            DIGIT => {
                digits += 1;
                normalized.push(b as char);
                i += 1;
            }
            LETTER => {
                letters += 1;
                if b == b'x' || b == b'X' {
                    x_count += 1;
                }
                normalized.push(b as char);
                i += 1;
            }
            STAR => {
                stars += 1;
                normalized.push('*');
                i += 1;
            }
            FULLWIDTH_LEAD => match fullwidth_digit_at(text, i) {
                Some(d) => {
                    digits += 1;
                    normalized.push(d as char);
                    i += 3;
                }
                None => break,
            },
            _ => break,
        }
    }
    let norm = norm_start..normalized.len();
    let s = &normalized.as_bytes()[norm.clone()];
    let class = if stars > 0 || (x_count >= 3 && letters == x_count && digits >= 6) {
        TokenClass::Masked
    } else if letters == 0 {
        TokenClass::Digits
    } else if letters == 1 && matches!(s.last(), Some(b'x' | b'X')) {
        TokenClass::DigitsX
    } else {
        TokenClass::Alnum
    };
    (Group { span: start..i, norm, class }, i, digits)
}

/// Calls `on_run(start, end)` for every maximal run of ASCII digits and dots that has a dot
/// between two digits (`1.2.3.4`, `39.908823`) and is not glued to an ASCII letter. The second
/// candidate stream, for IP addresses and coordinates; a trailing sentence dot is left out.
/// `dots` (ascending) must include every dot that follows a digit and that
/// [`dot_worth_reading`] accepts, as [`Anchors::dots`] does; other dots are ignored, and a run
/// none of whose dots is given (an amount) is not reported.
pub fn dotted_numbers(text: &[u8], dots: &[usize], mut on_run: impl FnMut(DottedRun)) {
    let mut covered = 0;
    for &dot in dots {
        if dot < covered
            || dot == 0
            || !text[dot - 1].is_ascii_digit()
            || !text.get(dot + 1).is_some_and(u8::is_ascii_digit)
        {
            continue;
        }
        let mut run = DottedRun { start: dot, end: dot + 1, dots: 1, first_dot: dot };
        while run.start > 0 {
            match text[run.start - 1] {
                b'0'..=b'9' => {}
                b'.' => {
                    run.dots += 1;
                    run.first_dot = run.start - 1;
                }
                _ => break,
            }
            run.start -= 1;
        }
        while let Some(&b) = text.get(run.end) {
            match b {
                b'0'..=b'9' => {}
                b'.' => run.dots += 1,
                _ => break,
            }
            run.end += 1;
        }
        covered = run.end;
        while run.start < run.end && text[run.start] == b'.' {
            run.start += 1;
            run.dots -= 1;
        }
        while run.end > run.start && text[run.end - 1] == b'.' {
            run.end -= 1;
            run.dots -= 1;
        }
        if run.first_dot < run.start {
            // The leftmost dot was a leading one, trimmed: find the first inner dot again.
            run.first_dot = memchr::memchr(b'.', &text[run.start..run.end]).map_or(run.end, |p| run.start + p);
        }
        let glued = (run.start > 0 && text[run.start - 1].is_ascii_alphabetic())
            || text.get(run.end).is_some_and(|b| b.is_ascii_alphabetic() || *b == b'_');
        if !glued {
            on_run(run);
        }
    }
}

/// Whether the `.` at `dot` (after a digit) can be part of something a dotted-number reader
/// reads: it is followed by four digits (a coordinate has at least four decimals) or by one to
/// three digits and another dot (an IPv4 address). A run with one dot and fewer decimals is an
/// amount; every dotted run that matters has at least one dot that passes.
#[inline]
pub fn dot_worth_reading(text: &[u8], dot: usize) -> bool {
    let after = &text[(dot + 1).min(text.len())..text.len().min(dot + 5)];
    let digits = after.iter().take_while(|b| b.is_ascii_digit()).count();
    digits == 4 || (digits >= 1 && after.get(digits) == Some(&b'.'))
}

/// [`dot_worth_reading`] for every bit of one block at once, with the next block's masks for
/// the bytes after its last positions.
#[inline]
fn worth_reading_dots(m: &BlockMasks, next: &BlockMasks) -> u64 {
    // Bit i of `ahead(x, k)`: byte i + k has x (1 <= k < 64).
    let ahead = |this: u64, next: u64, k: u32| (this >> k) | (next << (64 - k));
    let digit = |k| ahead(m.digit, next.digit, k);
    let dot = |k| ahead(m.dot, next.dot, k);
    let (d1, d2) = (digit(1), digit(2));
    // Most dots are amounts' (two decimals, then a non-digit): settled by the first terms.
    let two = d1 & d2;
    let with_dot_after_one = d1 & dot(2);
    if two == 0 {
        return with_dot_after_one;
    }
    let d3 = digit(3);
    with_dot_after_one | (two & (dot(3) | (d3 & (digit(4) | dot(4)))))
}

/// The bits of `bits` at whose position `keep` holds.
#[inline]
fn filter_bits(mut bits: u64, keep: impl Fn(usize) -> bool) -> u64 {
    let mut kept = 0;
    while bits != 0 {
        let i = bits.trailing_zeros();
        if keep(i as usize) {
            kept |= 1 << i;
        }
        bits &= bits - 1;
    }
    kept
}

/// A run of digits and dots from [`dotted_numbers`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DottedRun {
    /// Start of the run.
    pub start: usize,
    /// End of the run.
    pub end: usize,
    /// Dots inside it (one for a decimal number, three for an IPv4 address).
    pub dots: usize,
    /// The first of them.
    pub first_dot: usize,
}

/// The maximal runs of non-ASCII bytes in `text`, byte by byte: what [`CandidateScanner::scan`]
/// puts in [`Anchors::non_ascii`], for callers without a fused pass.
pub fn non_ascii_runs(text: &[u8]) -> Vec<Range<usize>> {
    let mut runs = Vec::new();
    let mut pos = 0;
    while let Some(start) = text[pos..].iter().position(|&b| b >= 0x80).map(|p| pos + p) {
        let end = text[start..].iter().position(|&b| b < 0x80).map_or(text.len(), |p| start + p);
        runs.push(start..end);
        pos = end;
    }
    runs
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chains(text: &str) -> Vec<Vec<(String, TokenClass)>> {
        let mut out = Vec::new();
        let mut scratch = Chain::default();
        CandidateScanner::scan_reference(text.as_bytes(), &mut scratch, |c| {
            out.push(c.groups.iter().map(|g| (c.norm(g).to_string(), g.class)).collect());
        });
        out
    }

    #[test]
    fn tokens_are_maximal_and_chinese_is_a_boundary() {
        let c = chains("x13800138000yy 手机13800138000，");
        assert_eq!(c.len(), 2);
        assert_eq!(c[0][0], ("x13800138000yy".into(), TokenClass::Alnum));
        assert_eq!(c[1][0], ("13800138000".into(), TokenClass::Digits));
    }

    #[test]
    fn groups_chain_over_single_separators() {
        let c = chains("+86 138-0013-8000; 6222 0212 3456 7890 128");
        let first: Vec<&str> = c[0].iter().map(|g| g.0.as_str()).collect();
        assert_eq!(first, ["86", "138", "0013", "8000"]);
        assert_eq!(c[1].len(), 5);
    }

    #[test]
    fn fullwidth_digits_fold_to_ascii() {
        let c = chains("电话：１３８００１３８０００");
        assert_eq!(c[0][0], ("13800138000".into(), TokenClass::Digits));
    }

    #[test]
    fn dotted_runs() {
        let mut runs = Vec::new();
        let text = "ip 1.2.3.4. v1.2.3 at 39.908823,116.397470 and 3.14x";
        let dots: Vec<usize> = memchr::memchr_iter(b'.', text.as_bytes()).collect();
        dotted_numbers(text.as_bytes(), &dots, |r| runs.push((&text[r.start..r.end], r.dots, &text[r.first_dot..])));
        let runs: Vec<&str> = runs
            .into_iter()
            .map(|(run, dots, from_first)| {
                assert_eq!(dots, run.matches('.').count(), "{run}");
                assert!(from_first.starts_with('.') && run.contains(&from_first[..1]), "{run}");
                run
            })
            .collect();
        assert_eq!(runs, ["1.2.3.4", "39.908823", "116.397470"]);
    }

    #[test]
    fn classes() {
        assert_eq!(chains("11010519491231002X")[0][0].1, TokenClass::DigitsX);
        assert_eq!(chains("138****8000")[0][0].1, TokenClass::Masked);
        assert_eq!(chains("138xxxx8000")[0][0].1, TokenClass::Masked);
        assert_eq!(chains("E12345678")[0][0].1, TokenClass::Alnum);
        assert!(chains("hello world").is_empty());
    }
}
