//! Match stage: the candidate finder. One pass over the bytes splits them into *tokens*
//! (maximal runs of ASCII letters, digits, full-width digits and the mask character `*`) and
//! groups digit tokens separated by a single space or dash into *chains*, so that
//! `138 0013 8000` and `6222 0212 3456 7890 128` reach the validators as one candidate.
//!
//! This is the only stage that looks at every byte. [`CandidateScanner::scan`] is one fused
//! pass: 64-byte blocks become bitmasks (`classify.rs`: AVX2, SWAR or scalar), a plan computed
//! from the masks for 4 KiB at a time drops the lone digit runs no validator reads, the token
//! loop jumps between the remaining token starts, and the same pass notes the anchors of the
//! other detectors (`@`, digit-dot, non-ASCII runs). [`CandidateScanner::scan_reference`], the byte-at-a-time
//! reader it is tested against, defines what a token and a chain are. Because tokens are
//! maximal, the boundary rule of the output contract holds by construction: a digit run glued
//! to an ASCII letter or digit (`x13800138000yy`, a 20-digit order number) is one longer token
//! and never a phone; Chinese characters and punctuation end a token (`手机13800138000`).

mod classify;

pub use classify::{BlockMasks, Engine, MaskSet, StripMasks};
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
    /// Every `piiscan:allow` marker (the offset of its `p`), seen as the word it starts: the
    /// select stage reads the markers from here instead of searching every stride for them.
    pub markers: Vec<usize>,
}

impl Anchors {
    fn clear(&mut self) {
        self.at.clear();
        self.dots.clear();
        self.non_ascii.clear();
        self.markers.clear();
    }
}

/// The word an allow marker starts with, and what follows it.
const MARKER_WORD: &[u8] = b"piiscan";
const MARKER_REST: &[u8] = b":allow";

/// Whether the `piiscan:allow` at `i` is a marker as the candidate pass sees one: its `p`
/// starts a word (the byte before is no ASCII letter or digit, no mask `*`, and not the end
/// of a full-width digit). Whoever finds markers by searching (the line before a piece) must
/// hold them to the same rule, or what is allowed would depend on where pieces are cut.
pub fn marker_starts_word(text: &[u8], i: usize) -> bool {
    i == 0
        || !(text[i - 1].is_ascii_alphanumeric()
            || text[i - 1] == b'*'
            || (i >= 3 && fullwidth_digit_at(text, i - 3).is_some()))
}

/// The candidate finder. It holds no per-scan state and can be shared between threads.
#[derive(Debug, Clone, Copy)]
pub struct CandidateScanner {
    engine: Engine,
    /// Digit-run starts a strip needs for the digit-run filter to run on the next one.
    filter_from: u32,
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

/// A full-width `Ｘ` (U+FF38, EF BC B8) or `ｘ` (U+FF58, EF BD 98): the check character of an
/// ID number typed on a full-width keyboard. It ends a token when it follows a digit, as the
/// last character of an ID does, and is no token character anywhere else.
#[inline]
fn fullwidth_x_at(text: &[u8], i: usize) -> bool {
    matches!(text.get(i..i + 3), Some([FULLWIDTH_LEAD_BYTE, 0xBC, 0xB8] | [FULLWIDTH_LEAD_BYTE, 0xBD, 0x98]))
}

/// Whether a lone run of `digits` starting at `start` in `text` is something a validator reads
/// on its own: 7 digits after a closing parenthesis (the landline validator then checks the
/// area code in it) or, starting with 1, 5 or 7, before an opening one (a Macau ID number and
/// its check digit, `1234567(8)`), 8, and 9 starting with 14 or 15 (with a label: permit and passport
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
            let after = &text[start + 7..];
            before.ends_with(b")")
                || before.ends_with("）".as_bytes())
                || (matches!(digits[0], b'1' | b'5' | b'7')
                    && (after.starts_with(b"(") || after.starts_with("（".as_bytes())))
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
        CandidateScanner::with_engine(Engine::best())
    }

    /// The scanner with a chosen byte classifier (tests and benches compare them).
    pub fn with_engine(engine: Engine) -> Self {
        // Without AVX2 the filter's masks and arithmetic cost more than the visits they spare
        // (SWAR fused pass on the digit-heavy TSV measured at half the speed with it).
        let filter_from = if matches!(engine, Engine::Avx2 | Engine::Avx512) { FILTER_FROM_STARTS } else { u32::MAX };
        CandidateScanner { engine, filter_from }
    }

    /// The same scanner with the digit-run filter on every strip, however few numbers it has
    /// (tests hold the filter to the reference on short texts this way).
    pub fn filtering_every_strip(self) -> Self {
        CandidateScanner { filter_from: 0, ..self }
    }

    /// The fused pass: calls `on_chain` for every chain that contains a digit and that some
    /// validator can read, in text order, and fills `anchors` with the `@`, digit-dot and
    /// non-ASCII positions. `chain` and `anchors` are caller-owned scratch.
    ///
    /// Blocks of 64 bytes are classified into bitmasks, and `plan_strip_generic` picks the
    /// token starts to visit: lone digit runs that no validator reads (most numbers in an
    /// export) are dropped there, a block at a time. A lone ASCII digit run that is visited is
    /// measured with the masks and handed on, or dropped by its length, without being copied; anything
    /// else (letters, `*`, full-width digits, separators that chain groups) goes through the
    /// byte-at-a-time reader, [`CandidateScanner::scan_reference`]'s step, so both agree.
    pub fn scan(&self, text: &[u8], chain: &mut Chain, anchors: &mut Anchors, mut on_chain: impl FnMut(&Chain)) {
        anchors.clear();
        let mut masks = StripMasks::default();
        let mut plan = StripPlan::default();
        // `pos`: the first byte the token loop has not consumed yet.
        let mut pos: usize = 0;
        // The previous block's masks, carried into the next block.
        let mut carry = Carry::default();
        let mut run_start = None;
        // Digit-run starts in the strip before (the first strip is judged as if it had many).
        let mut digit_starts = self.filter_from;
        for strip_base in (0..text.len()).step_by(STRIP) {
            let strip_end = (strip_base + STRIP).min(text.len());
            let blocks = (strip_end - strip_base).div_ceil(64);
            // The filter's masks cost half again as much as the rest: they are computed where
            // the strip before had enough digit runs for the filter to pay.
            let filter = self.filter_from != u32::MAX && digit_starts >= self.filter_from;
            let set = if filter { MaskSet::All } else { MaskSet::Tokens };
            // One block more than the strip: what follows its last block, for the digit-run
            // filter and the dots. At the end of the text that block is empty.
            self.engine.classify_masks(&text[strip_base..(strip_end + 64).min(text.len())], &mut masks, set);
            if masks.len() == blocks {
                masks.push(BlockMasks::default());
            }
            (carry, digit_starts) = plan_strip(self.engine, &masks, self.filter_from, carry, &mut plan);
            // Only the blocks with something in them: most blocks of an export have nothing to
            // visit, and a test per block was a branch mispredicted about as often as taken.
            let mut busy = plan.busy;
            while busy != 0 {
                let k = busy.trailing_zeros() as usize;
                busy &= busy - 1;
                let (mut starts, mut dots, mut at) = (plan.visit[k], plan.dots[k], masks.at[k]);
                let mut edges = plan.edges[k];
                let base = strip_base + 64 * k;
                while at != 0 {
                    anchors.at.push(base + at.trailing_zeros() as usize);
                    at &= at - 1;
                }
                while dots != 0 {
                    anchors.dots.push(base + dots.trailing_zeros() as usize);
                    dots &= dots - 1;
                }
                while edges != 0 {
                    let at = base + edges.trailing_zeros() as usize;
                    match run_start.take() {
                        None => run_start = Some(at),
                        Some(start) => anchors.non_ascii.push(start..at.min(text.len())),
                    }
                    edges &= edges - 1;
                }
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
                    pos = self.token_at(text, s, &masks, strip_base, chain, &mut anchors.markers, &mut on_chain);
                }
            }
        }
        if let Some(start) = run_start {
            anchors.non_ascii.push(start..text.len());
        }
    }

    /// Handles the token starting at `s`; returns the first byte after what it consumed.
    // The hot loop's state, passed as is rather than bundled: this is inlined into it.
    #[allow(clippy::too_many_arguments)]
    #[inline]
    fn token_at(
        &self,
        text: &[u8],
        s: usize,
        masks: &StripMasks,
        strip_base: usize,
        chain: &mut Chain,
        markers: &mut Vec<usize>,
        on_chain: &mut impl FnMut(&Chain),
    ) -> usize {
        let first = text[s];
        if first.is_ascii_digit() {
            let end = run_end(text, s, &masks.digit, strip_base, u8::is_ascii_digit);
            let lone = match text.get(end) {
                None => true,
                // Full-width punctuation (，。：) ends a token as any other byte would; only a
                // full-width digit or check character `Ｘ` continues it.
                Some(&FULLWIDTH_LEAD_BYTE) => fullwidth_digit_at(text, end).is_none() && !fullwidth_x_at(text, end),
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
                    push_ascii(&mut chain.normalized, &text[s..end]);
                    chain.groups.push(Group { span: s..end, norm: 0..end - s, class: TokenClass::Digits });
                    on_chain(chain);
                }
                return end;
            }
        } else if first.is_ascii_alphabetic() {
            // A word: letters only, ended by a byte that is in no token.
            let end = run_end(text, s, &masks.letter, strip_base, u8::is_ascii_alphabetic);
            // One length comparison per word: allow markers come with the pass for free.
            if end - s == MARKER_WORD.len() && &text[s..end] == MARKER_WORD && text[end..].starts_with(MARKER_REST) {
                markers.push(s);
            }
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

/// Appends `bytes` to `s`: as they are when all are ASCII (the digit runs the token loop hands
/// on), else as the characters they decode to.
#[inline]
fn push_ascii(s: &mut String, bytes: &[u8]) {
    if bytes.is_ascii() {
        // SAFETY: every byte is below 0x80 (checked just above), and such a byte is a whole
        // UTF-8 character on its own, so `s` stays valid UTF-8. The safe ways, pushing the
        // characters one by one or `std::str::from_utf8` first, measured 20% of the fused pass
        // on a digit-heavy export.
        unsafe { s.as_mut_vec() }.extend_from_slice(bytes);
    } else {
        s.push_str(&String::from_utf8_lossy(bytes));
    }
}

/// The end of the run of bytes in `mask` (`is` byte by byte) that starts at `s`: with the strip's
/// masks while they last, byte by byte beyond them.
#[inline]
fn run_end(text: &[u8], s: usize, mask: &[u64], strip_base: usize, is: impl Fn(&u8) -> bool) -> usize {
    let mut k = (s - strip_base) / 64;
    let mut offset = (s - strip_base) % 64;
    while let Some(m) = mask.get(k) {
        let outside = !m >> offset;
        if outside != 0 {
            return strip_base + 64 * k + offset + outside.trailing_zeros() as usize;
        }
        k += 1;
        offset = 0;
    }
    let mut end = strip_base + 64 * mask.len();
    while end < text.len() && is(&text[end]) {
        end += 1;
    }
    end
}

/// What the token loop visits in each block of a strip, planned for the whole strip at once
/// with arithmetic the compiler spreads over four blocks per instruction: most blocks of an
/// export then need nothing more.
#[derive(Debug, Default)]
struct StripPlan {
    /// The token starts to visit: every full-width lead, every token that starts with a letter
    /// or `*`, and the digit runs the digit-run filter keeps.
    visit: Vec<u64>,
    /// The dots [`Anchors::dots`] gets (those [`dot_worth_reading`] accepts).
    dots: Vec<u64>,
    /// Where runs of non-ASCII bytes start and end: a high byte after a low one, a low byte
    /// after a high one.
    edges: Vec<u64>,
    /// Bit `k`: block `k` has a token start, dot, `@` or edge (a strip has 64 blocks).
    busy: u64,
    /// Scratch of the digit-run filter: the ends of dropped runs that are not lone, whether one
    /// ends past the block, and the dropped starts.
    unsettled: Vec<u64>,
    unsettled_past: Vec<u64>,
    dropped_starts: Vec<u64>,
}

/// The masks of the block before a strip that its first block looks back at.
#[derive(Debug, Default, Clone, Copy)]
struct Carry {
    token: u64,
    digit: u64,
    high: u64,
    opener: u64,
}

/// Plans the strip classified in `masks` (all blocks but the last, which only follows the
/// others) into `plan`; `before` is the block before the strip. Returns the strip's last block,
/// for the next strip, and how many digit runs start in the strip. When `masks` hold every mask
/// and at least `filter_from` digit runs start in the strip, the digit-run filter runs;
/// otherwise every digit run is visited.
///
/// The digit-run filter: a token that starts with an ASCII digit is visited unless it is a lone
/// run that [`lone_digits_worth_validating`] would turn down. In an export most digit runs are
/// amounts, timestamps, account and order numbers, and visiting each cost as much as the rest of
/// the pass together. A run is judged by its length and opening digits: bit `i` of `ge[n]` says
/// that bytes `i..i + n` are all digits, so a run starting at `i` is exactly `n` long when
/// `ge[n]` holds there and `ge[n + 1]` does not; which digit a byte is comes from the nibble
/// masks. The seven-digit case needs a space, dash, `)` or non-ASCII byte before it (what can
/// close an area code), or a first digit 1, 5 or 7 (a Macau ID number). A run is dropped only when it is also lone: the byte that ends it (found
/// by adding its start bit to the digit mask, which carries through the run to its end) is in
/// no token, is not a full-width lead, and is not a separator followed by a digit. A run not
/// settled that way (it continues into a letter, a separator and a digit, or past the next
/// block) is visited: its start is found again from its end. Every condition is a
/// necessary one of `lone_digits_worth_validating`, so nothing it would accept is dropped: the
/// engine tests hold the fused pass to the reference reader, try every length and opening, and
/// runs longer than a block.
#[inline(always)]
fn plan_strip_generic(masks: &StripMasks, filter_from: u32, before: Carry, plan: &mut StripPlan) -> (Carry, u32) {
    let blocks = masks.len() - 1;
    // The count decides whether the next strip gets the filter's masks; with a threshold no
    // count reaches, it is not kept (without a popcount instruction it costs a dozen steps).
    let counting = filter_from != u32::MAX;
    assert!(blocks <= 64, "a strip has at most 64 blocks, one bit each in the busy mask");
    let StripPlan { visit, dots, edges, busy, unsettled, unsettled_past, dropped_starts } = plan;
    // Every element is written before it is read: no zeroing (which cost as much as a pass).
    for array in [&mut *visit, &mut *dots, &mut *edges, &mut *unsettled, &mut *unsettled_past, &mut *dropped_starts] {
        array.resize(blocks, 0);
    }
    // Slices of known length, so that the loops below need no bounds checks and vectorise.
    let (visit, dots, edges) = (&mut visit[..blocks], &mut dots[..blocks], &mut edges[..blocks]);
    let (unsettled, unsettled_past, dropped_starts) =
        (&mut unsettled[..blocks], &mut unsettled_past[..blocks], &mut dropped_starts[..blocks]);
    let (digit, letter, star, lead) =
        (&masks.digit[..=blocks], &masks.letter[..=blocks], &masks.star[..=blocks], &masks.lead[..=blocks]);
    let (high, dot, at) = (&masks.high[..=blocks], &masks.dot[..=blocks], &masks.at[..blocks]);
    let token = |j: usize| digit[j] | letter[j] | star[j];

    // Token starts, dots and edges; digit-run starts counted.
    let (mut prev_token, mut prev_digit, mut prev_high) = (before.token, before.digit, before.high);
    let mut digit_starts = 0;
    for j in 0..blocks {
        let this = token(j);
        let starts = this & !((this << 1) | (prev_token >> 63));
        if counting {
            digit_starts += (starts & digit[j]).count_ones();
        }
        visit[j] = starts | lead[j];
        dots[j] = dot[j]
            & ((digit[j] << 1) | (prev_digit >> 63))
            & worth_reading_dots((digit[j], digit[j + 1]), (dot[j], dot[j + 1]));
        edges[j] = high[j] ^ ((high[j] << 1) | (prev_high >> 63));
        (prev_token, prev_digit, prev_high) = (this, digit[j], high[j]);
    }
    // Without the filter's masks, any byte may open a seven-digit number.
    let mut last =
        Carry { token: token(blocks - 1), digit: digit[blocks - 1], high: high[blocks - 1], opener: u64::MAX };
    'filter: {
        if masks.mask_set() != MaskSet::All {
            break 'filter;
        }
        let (sep, paren) = (&masks.sep[..=blocks], &masks.paren[..=blocks]);
        let nibble = [
            &masks.nibble[0][..=blocks],
            &masks.nibble[1][..=blocks],
            &masks.nibble[2][..=blocks],
            &masks.nibble[3][..=blocks],
        ];
        let opener = |j: usize| sep[j] | paren[j] | high[j];
        last.opener = opener(blocks - 1);
        // In text with few numbers, visiting each costs less than judging the blocks.
        if digit_starts < filter_from {
            break 'filter;
        }
        for j in 0..blocks {
            let prev_opener = if j == 0 { before.opener } else { opener(j - 1) };
            let starts = visit[j] & digit[j];
            let opened = (opener(j) << 1) | (prev_opener >> 63);
            let d = (digit[j], digit[j + 1]);
            let both = |x: (u64, u64), k: u32| (x.0 & ahead(x, k), x.1 & (x.1 >> k));
            let run2 = both(d, 1);
            let run4 = both(run2, 2);
            let run8 = both(run4, 4);
            let ge = |x: (u64, u64), k: u32| run8.0 & ahead(x, k);
            let (ge7, ge8, ge9, ge10) = (run4.0 & ahead(run4, 3), run8.0, ge(d, 8), ge(run2, 8));
            let (ge11, ge12, ge13, ge14) = (ge(run4, 7), ge(run4, 8), ge(run8, 5), ge(run8, 6));
            let (ge15, ge16) = (ge(run8, 7), ge(run8, 8));
            let ge20 = ge16 & ahead(run4, 16);

            // The first digit, and the second (bit i: byte i + 1), by their bits.
            let [b0, b1, b2, b3] = nibble.map(|n| n[j]);
            let [s0, s1, s2, s3] = nibble.map(|n| ahead((n[j], n[j + 1]), 1));
            let low_zero = !b1 & !b2 & !b3;
            let (zero, one, eight) = (!b0 & low_zero, b0 & low_zero, !b0 & !b1 & !b2 & b3);
            // 5 and 7 (with 1): the first digits of a Macau ID number, which a parenthesis may
            // follow; the token loop looks at what follows.
            let five_or_seven = b0 & b2 & !b3;
            let second_4_or_5 = !s1 & s2 & !s3;
            let second_0_or_4 = !s0 & !s1 & !s3;
            let second_6 = !s0 & s1 & s2 & !s3;
            let worth = (ge8 & !ge9)
                | (ge15 & !ge20)
                | (ge7 & !ge8 & (opened | one | five_or_seven))
                | (ge9 & !ge10 & one & second_4_or_5)
                | (ge10 & !ge13 & zero)
                | (ge11 & !ge12 & one)
                | (ge13 & !ge14 & ((one & second_0_or_4) | (eight & second_6)));

            let dropped = starts & !worth;
            let sum = d.0.wrapping_add(dropped);
            let carry = u64::from(sum < d.0);
            let ends = (sum & !d.0, d.1.wrapping_add(carry) & !d.1);
            let chains_on = (d.0 | lead[j], d.1 | lead[j + 1]);
            let not_lone = (
                token(j) | lead[j] | (sep[j] & ahead(chains_on, 1)),
                // The follower of the next block's last byte is not classified: not lone. A run
                // through the whole next block leaves no end bit and is caught the same way.
                token(j + 1) | lead[j + 1] | (sep[j + 1] & (chains_on.1 >> 1)) | 1 << 63,
            );
            visit[j] &= !dropped;
            unsettled[j] = ends.0 & not_lone.0;
            unsettled_past[j] = u64::from((ends.1 & not_lone.1) != 0 || d.1 == u64::MAX);
            dropped_starts[j] = dropped;
        }
        // A run that does not end lone is visited: its start is the last dropped start before its
        // end (runs do not overlap), or the block's last dropped start if it ends past the block.
        for j in 0..blocks {
            let (mut ends, past) = (unsettled[j], unsettled_past[j]);
            if ends | past == 0 {
                continue;
            }
            let last_start_below = |limit: u64| match dropped_starts[j] & limit {
                0 => 0,
                starts => 1u64 << (63 - starts.leading_zeros()),
            };
            while ends != 0 {
                visit[j] |= last_start_below((ends & ends.wrapping_neg()) - 1);
                ends &= ends - 1;
            }
            if past != 0 {
                visit[j] |= last_start_below(u64::MAX);
            }
        }
    }
    *busy = (0..blocks).fold(0, |busy, j| busy | u64::from(visit[j] | dots[j] | at[j] | edges[j] != 0) << j);
    (last, digit_starts)
}

/// How many digit-run starts a strip needs for the filter to judge its blocks, and the strip
/// before for its masks to be computed: below this the filter and its masks cost more than the
/// visits they spare (fused pass measured at 48, 128, 200 and 256 on prose, a log, SQL, JSON
/// lines, a CSV dump and a digit-heavy TSV; a digit-heavy export has some 400 per strip).
const FILTER_FROM_STARTS: u32 = 128;

/// [`plan_strip_generic`], compiled for AVX2 when the engine is and the CPU has it.
fn plan_strip(
    engine: Engine,
    masks: &StripMasks,
    filter_from: u32,
    before: Carry,
    plan: &mut StripPlan,
) -> (Carry, u32) {
    #[cfg(target_arch = "x86_64")]
    if engine == Engine::Avx512 && classify::avx512_available() {
        // SAFETY: the CPU supports AVX-512F and AVX-512BW (checked just above), which is all
        // the function requires of its caller.
        return unsafe { plan_strip_avx512(masks, filter_from, before, plan) };
    }
    #[cfg(target_arch = "x86_64")]
    if engine == Engine::Avx2 && std::is_x86_feature_detected!("avx2") {
        // SAFETY: the CPU supports AVX2 (checked just above), which is all the function
        // requires of its caller.
        return unsafe { plan_strip_avx2(masks, filter_from, before, plan) };
    }
    let _ = engine;
    plan_strip_generic(masks, filter_from, before, plan)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn plan_strip_avx2(masks: &StripMasks, filter_from: u32, before: Carry, plan: &mut StripPlan) -> (Carry, u32) {
    plan_strip_generic(masks, filter_from, before, plan)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512bw")]
fn plan_strip_avx512(masks: &StripMasks, filter_from: u32, before: Carry, plan: &mut StripPlan) -> (Carry, u32) {
    plan_strip_generic(masks, filter_from, before, plan)
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
                None if fullwidth_x_at(text, i)
                    && normalized.as_bytes()[norm_start..].last().is_some_and(u8::is_ascii_digit) =>
                {
                    letters += 1;
                    x_count += 1;
                    normalized.push('X');
                    i += 3;
                    // A check character is the last of its number: what follows starts anew.
                    break;
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

/// Bit `i` of the result: bit `i + k` of a block's mask `x.0` followed by the next block's `x.1`
/// (`1 <= k < 64`), that is, whether byte `i + k` has the mask's class.
#[inline(always)]
fn ahead(x: (u64, u64), k: u32) -> u64 {
    (x.0 >> k) | (x.1 << (64 - k))
}

/// [`dot_worth_reading`] for every bit of one block at once, from the digit and dot masks of
/// the block and the next one (for the bytes after its last positions).
#[inline]
fn worth_reading_dots(digits: (u64, u64), dots: (u64, u64)) -> u64 {
    let digit = |k| ahead(digits, k);
    let dot = |k| ahead(dots, k);
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
    fn push_ascii_keeps_the_string_valid() {
        let mut s = String::from("前");
        push_ascii(&mut s, b"13800138000");
        assert_eq!(s, "前13800138000");
        // Not reachable from the token loop (its runs are digits), but never invalid UTF-8.
        push_ascii(&mut s, b"1\xE6\x89\x8B\xFF");
        assert_eq!(s, "前138001380001手\u{FFFD}");
        assert!(std::str::from_utf8(s.as_bytes()).is_ok());
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
    fn fullwidth_check_character_ends_a_token() {
        for id in
            ["１１０１０５１９４９１２３１００２Ｘ", "１１０１０５１９４９１２３１００２ｘ", "11010519491231002Ｘ"]
        {
            let c = chains(&format!("身份证：{id}，"));
            assert_eq!(c[0], [("11010519491231002X".into(), TokenClass::DigitsX)], "{id}");
        }
        // Not after a digit, it is no token character; after one, it ends the token.
        assert!(chains("ＸＸ１").iter().all(|c| c[0].0 == "1"));
        assert_eq!(chains("１２Ｘ３４")[1], [("34".into(), TokenClass::Digits)]);
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
