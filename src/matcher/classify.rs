//! Byte classification for the candidate finder: each 64-byte block of text becomes a handful
//! of bitmasks (bit `i` describes byte `i` of the block), so that the token loop can jump from
//! one interesting byte to the next with `trailing_zeros` instead of looking at every byte.
//!
//! Four engines compute the same masks:
//! - [`Engine::Avx512`], a whole block per instruction, each class compared straight into a
//!   mask register, used when the CPU has AVX-512BW (runtime detection);
//! - [`Engine::Avx2`], 32 bytes per instruction, used when the CPU has AVX2 but not AVX-512BW;
//! - [`Engine::Swar`], eight bytes per `u64` with carry-free byte arithmetic, for every other CPU;
//! - [`Engine::Scalar`], one table lookup per byte: the reference the other two are tested
//!   against (unit tests here and property tests in `tests/matcher_engines.rs`).

/// What the bytes of one 64-byte block are. Bytes past the end of the text are in no mask.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct BlockMasks {
    /// ASCII digits `0`-`9`.
    pub digit: u64,
    /// ASCII letters.
    pub letter: u64,
    /// The mask character `*`.
    pub star: u64,
    /// `0xEF`, the lead byte of a full-width digit (and of other full-width forms).
    pub lead: u64,
    /// Bytes `0x80` and above: everything that is not ASCII.
    pub high: u64,
    /// `@`, the e-mail anchor.
    pub at: u64,
    /// `.`, for decimal numbers and IP addresses.
    pub dot: u64,
    /// A space or a dash: the separators that chain digit groups.
    pub sep: u64,
    /// `)`, which may close an area code before a seven-digit subscriber number.
    pub paren: u64,
    /// Bit `k` (`k` = 0..4) of each ASCII digit's value (no bit for other bytes): which digit a
    /// byte is, so that the token loop can judge a run's opening digits without reading the text.
    pub nibble: [u64; 4],
}

/// The masks of consecutive blocks, one array per class (element `k` describes block `k`):
/// the layout lets the token loop's per-block arithmetic run on several blocks per instruction.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StripMasks {
    /// See [`BlockMasks::digit`].
    pub digit: Vec<u64>,
    /// See [`BlockMasks::letter`].
    pub letter: Vec<u64>,
    /// See [`BlockMasks::star`].
    pub star: Vec<u64>,
    /// See [`BlockMasks::lead`].
    pub lead: Vec<u64>,
    /// See [`BlockMasks::high`].
    pub high: Vec<u64>,
    /// See [`BlockMasks::at`].
    pub at: Vec<u64>,
    /// See [`BlockMasks::dot`].
    pub dot: Vec<u64>,
    /// See [`BlockMasks::sep`].
    pub sep: Vec<u64>,
    /// See [`BlockMasks::paren`].
    pub paren: Vec<u64>,
    /// See [`BlockMasks::nibble`].
    pub nibble: [Vec<u64>; 4],
    /// The masks computed: the arrays of the others are empty.
    set: MaskSet,
}

impl StripMasks {
    /// How many blocks are classified.
    pub fn len(&self) -> usize {
        self.digit.len()
    }

    /// Whether no block is.
    pub fn is_empty(&self) -> bool {
        self.digit.is_empty()
    }

    /// Which masks were computed.
    pub fn mask_set(&self) -> MaskSet {
        self.set
    }

    /// The masks of block `k` (those not computed are zero).
    #[inline]
    pub fn block(&self, k: usize) -> BlockMasks {
        let filter = |array: &Vec<u64>| array.get(k).copied().unwrap_or(0);
        BlockMasks {
            digit: self.digit[k],
            letter: self.letter[k],
            star: self.star[k],
            lead: self.lead[k],
            high: self.high[k],
            at: self.at[k],
            dot: self.dot[k],
            sep: filter(&self.sep),
            paren: filter(&self.paren),
            nibble: [
                filter(&self.nibble[0]),
                filter(&self.nibble[1]),
                filter(&self.nibble[2]),
                filter(&self.nibble[3]),
            ],
        }
    }

    /// The arrays of `set`, in [`StripMasks::push`]'s order.
    fn arrays(&mut self, set: MaskSet) -> impl Iterator<Item = &mut Vec<u64>> {
        let [n0, n1, n2, n3] = &mut self.nibble;
        let tokens = [
            &mut self.digit,
            &mut self.letter,
            &mut self.star,
            &mut self.lead,
            &mut self.high,
            &mut self.at,
            &mut self.dot,
        ];
        let filter = [&mut self.sep, &mut self.paren, n0, n1, n2, n3];
        tokens.into_iter().chain(filter.into_iter().filter(move |_| set == MaskSet::All))
    }

    /// Appends the masks of one block (those of the set last classified).
    pub fn push(&mut self, m: BlockMasks) {
        let values = [
            m.digit,
            m.letter,
            m.star,
            m.lead,
            m.high,
            m.at,
            m.dot,
            m.sep,
            m.paren,
            m.nibble[0],
            m.nibble[1],
            m.nibble[2],
            m.nibble[3],
        ];
        for (array, value) in self.arrays(self.set).zip(values) {
            array.push(value);
        }
    }

    /// Overwrites the masks of block `k` (those of the set last classified).
    #[inline(always)]
    fn write(&mut self, k: usize, m: BlockMasks) {
        (self.digit[k], self.letter[k], self.star[k], self.lead[k]) = (m.digit, m.letter, m.star, m.lead);
        (self.high[k], self.at[k], self.dot[k]) = (m.high, m.at, m.dot);
        if self.set == MaskSet::All {
            (self.sep[k], self.paren[k]) = (m.sep, m.paren);
            for (array, value) in self.nibble.iter_mut().zip(m.nibble) {
                array[k] = value;
            }
        }
    }

    /// Gives the arrays of `set` `blocks` elements, to be overwritten, and empties the others.
    /// Arrays already that long keep their old values: zeroing them first cost as much as
    /// classifying.
    fn resize_for(&mut self, set: MaskSet, blocks: usize) {
        self.set = set;
        for array in self.arrays(set) {
            array.resize(blocks, 0);
        }
        if set == MaskSet::Tokens {
            self.sep.clear();
            self.paren.clear();
            self.nibble.iter_mut().for_each(Vec::clear);
        }
    }
}

/// Which masks to compute.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum MaskSet {
    /// Every mask.
    #[default]
    All,
    /// Only what the token loop needs without the digit-run filter: not `sep`, `paren` or
    /// `nibble`, which cost half again as much to compute.
    Tokens,
}

/// A block-classification implementation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    /// One table lookup per byte.
    Scalar,
    /// Eight bytes at a time in a `u64`.
    Swar,
    /// 32 bytes at a time with AVX2; only constructed when the CPU supports it.
    Avx2,
    /// 64 bytes at a time with AVX-512BW; only constructed when the CPU supports it.
    Avx512,
}

impl Engine {
    /// The fastest engine this CPU supports.
    pub fn best() -> Engine {
        Engine::available().into_iter().last().unwrap_or(Engine::Swar)
    }

    /// Every engine this CPU supports, slowest first.
    pub fn available() -> Vec<Engine> {
        let mut engines = vec![Engine::Scalar, Engine::Swar];
        if avx2_available() {
            engines.push(Engine::Avx2);
        }
        if avx512_available() {
            engines.push(Engine::Avx512);
        }
        engines
    }

    /// The engine's name, as benches and tests print it.
    pub fn name(self) -> &'static str {
        match self {
            Engine::Scalar => "scalar",
            Engine::Swar => "swar",
            Engine::Avx2 => "avx2",
            Engine::Avx512 => "avx512",
        }
    }

    /// Classifies `text` block by block into `out` (cleared first); the last block may be short.
    pub fn classify(self, text: &[u8], out: &mut StripMasks) {
        self.classify_masks(text, out, MaskSet::All);
    }

    /// [`Engine::classify`], computing only the masks of `set` (the arrays of the others are
    /// left empty, and [`StripMasks::block`] reads them as zero).
    pub fn classify_masks(self, text: &[u8], out: &mut StripMasks, set: MaskSet) {
        let mut blocks = text.chunks_exact(64);
        out.resize_for(set, blocks.len());
        match self {
            Engine::Avx512 if avx512_available() => {
                // SAFETY: the CPU supports AVX-512F and AVX-512BW (the guard above).
                unsafe { avx512::classify_blocks(&mut blocks, out, set) };
            }
            Engine::Avx2 if avx2_available() => {
                // SAFETY: the CPU supports AVX2 (the guard above).
                unsafe { avx2::classify_blocks(&mut blocks, out, set) };
            }
            Engine::Scalar => blocks.by_ref().enumerate().for_each(|(k, b)| out.write(k, scalar(b))),
            Engine::Swar | Engine::Avx2 | Engine::Avx512 => match set {
                MaskSet::All => blocks.by_ref().enumerate().for_each(|(k, b)| out.write(k, swar::<true>(to_block(b)))),
                MaskSet::Tokens => {
                    blocks.by_ref().enumerate().for_each(|(k, b)| out.write(k, swar::<false>(to_block(b))))
                }
            },
        }
        let tail = blocks.remainder();
        if !tail.is_empty() {
            // Padding with 0x00 sets no bit in any mask.
            let mut padded = [0u8; 64];
            padded[..tail.len()].copy_from_slice(tail);
            out.push(match self {
                Engine::Scalar => scalar(&padded),
                Engine::Swar | Engine::Avx2 | Engine::Avx512 => swar::<true>(&padded),
            });
        }
    }
}

fn to_block(b: &[u8]) -> &[u8; 64] {
    b.try_into().unwrap_or(&[0; 64])
}

#[cfg(target_arch = "x86_64")]
fn avx2_available() -> bool {
    std::is_x86_feature_detected!("avx2")
}

#[cfg(not(target_arch = "x86_64"))]
fn avx2_available() -> bool {
    false
}

/// Whether the CPU has what [`Engine::Avx512`] uses: byte-wise compares into mask registers
/// (AVX-512BW, on top of AVX-512F).
#[cfg(target_arch = "x86_64")]
pub(crate) fn avx512_available() -> bool {
    std::is_x86_feature_detected!("avx512f") && std::is_x86_feature_detected!("avx512bw")
}

#[cfg(not(target_arch = "x86_64"))]
pub(crate) fn avx512_available() -> bool {
    false
}

/// The reference: one byte at a time.
fn scalar(block: &[u8]) -> BlockMasks {
    let mut m = BlockMasks::default();
    for (i, &b) in block.iter().enumerate() {
        let bit = 1u64 << i;
        match b {
            b'0'..=b'9' => m.digit |= bit,
            b'a'..=b'z' | b'A'..=b'Z' => m.letter |= bit,
            b'*' => m.star |= bit,
            b'@' => m.at |= bit,
            b'.' => m.dot |= bit,
            _ => {}
        }
        if b == 0xEF {
            m.lead |= bit;
        }
        if b >= 0x80 {
            m.high |= bit;
        }
        match b {
            b' ' | b'-' => m.sep |= bit,
            b')' => m.paren |= bit,
            _ => {}
        }
        for (k, nibble) in m.nibble.iter_mut().enumerate() {
            if b.is_ascii_digit() && b & (1 << k) != 0 {
                *nibble |= bit;
            }
        }
    }
    m
}

const ONES: u64 = 0x0101_0101_0101_0101;
const HIGH: u64 = 0x8080_8080_8080_8080;
const LOW7: u64 = 0x7F7F_7F7F_7F7F_7F7F;

/// Per byte of `y` (all bytes below 0x80): high bit set where the byte is `>= c` (`c <= 0x80`).
/// No byte sum exceeds 0xFF, so no carry crosses into the next byte.
#[inline]
fn at_least(y: u64, c: u8) -> u64 {
    (y + ONES * u64::from(0x80 - c)) & HIGH
}

/// Per byte: high bit set exactly where the byte equals `c`. Masking to seven bits before the
/// add keeps every byte's sum below 0x100, so unlike the short zero-byte trick this has no
/// false positives after a matching byte.
#[inline]
fn equal(x: u64, c: u8) -> u64 {
    let t = x ^ (ONES * u64::from(c));
    !(((t & LOW7) + LOW7) | t) & HIGH
}

/// Gathers the high bit of each byte of `m` into the low eight bits (byte `k` -> bit `k`).
/// The multiplier places byte k's bit at 56 + k; no two partial products share a bit position,
/// so there are no carries.
#[inline]
fn gather(m: u64) -> u64 {
    ((m >> 7).wrapping_mul(0x0102_0408_1020_4080)) >> 56
}

/// `ALL`: every mask, else only [`MaskSet::Tokens`]' (the others are left zero).
#[inline]
fn swar<const ALL: bool>(block: &[u8; 64]) -> BlockMasks {
    let mut m = BlockMasks::default();
    for (k, word) in block.chunks_exact(8).enumerate() {
        let x = u64::from_le_bytes(word.try_into().unwrap_or([0; 8]));
        let high = x & HIGH;
        let ascii = !high & HIGH;
        let y = x & LOW7;
        let digit = at_least(y, b'0') & !at_least(y, b'9' + 1) & ascii;
        // `| 0x20` folds upper case onto lower case; only letters land in 'a'..='z'.
        let folded = y | (ONES * 0x20);
        let letter = at_least(folded, b'a') & !at_least(folded, b'z' + 1) & ascii;
        let shift = 8 * k;
        // Gathering costs a multiplication; most classes are absent from most words.
        let put = |mask: &mut u64, flags: u64| {
            if flags != 0 {
                *mask |= gather(flags) << shift;
            }
        };
        put(&mut m.digit, digit);
        put(&mut m.letter, letter);
        put(&mut m.high, high);
        put(&mut m.dot, equal(x, b'.'));
        if high != 0 {
            put(&mut m.lead, equal(x, 0xEF));
        }
        put(&mut m.star, equal(x, b'*'));
        put(&mut m.at, equal(x, b'@'));
        if !ALL {
            continue;
        }
        put(&mut m.sep, equal(x, b' ') | equal(x, b'-'));
        put(&mut m.paren, equal(x, b')'));
        // Shifting the word moves bit k of each byte to that byte's high bit; only the digits'
        // high bits are kept, so nothing from the neighbouring byte survives.
        if digit != 0 {
            put(&mut m.nibble[0], (x << 7) & digit);
            put(&mut m.nibble[1], (x << 6) & digit);
            put(&mut m.nibble[2], (x << 5) & digit);
            put(&mut m.nibble[3], (x << 4) & digit);
        }
    }
    m
}

#[cfg(target_arch = "x86_64")]
mod avx2 {
    use super::{MaskSet, StripMasks};
    use std::arch::x86_64::*;
    use std::slice::ChunksExact;

    /// Classifies every full block of `blocks` into `out`, whose arrays of `set` have a place
    /// for each.
    ///
    /// # Safety
    /// The CPU must support AVX2.
    pub(super) unsafe fn classify_blocks(blocks: &mut ChunksExact<'_, u8>, out: &mut StripMasks, set: MaskSet) {
        // SAFETY: the caller guarantees AVX2, which is all the two functions require.
        unsafe {
            match set {
                MaskSet::All => blocks_avx2::<true>(blocks, out),
                MaskSet::Tokens => blocks_avx2::<false>(blocks, out),
            }
        }
    }

    /// `ALL`: every mask, else only [`MaskSet::Tokens`]'. One copy of the loop each, so that
    /// neither has a branch in it: with a branch per block (tried, to skip absent classes) the
    /// compiler rebuilt every mask byte by byte, and classifying got several times slower.
    #[target_feature(enable = "avx2")]
    fn blocks_avx2<const ALL: bool>(blocks: &mut ChunksExact<'_, u8>, out: &mut StripMasks) {
        let digit_bit = |k: u8| {
            // 0x80 where the low nibble has bit k: with `digit`, bit k of the digit's value.
            let lut: [u8; 16] = std::array::from_fn(|i| if i & (1 << k) != 0 { 0x80 } else { 0 });
            // SAFETY: `lut` holds 16 bytes, and `loadu` has no alignment requirement.
            _mm256_broadcastsi128_si256(unsafe { _mm_loadu_si128(lut.as_ptr().cast()) })
        };
        let luts = [digit_bit(0), digit_bit(1), digit_bit(2), digit_bit(3)];
        for (k, block) in blocks.enumerate() {
            assert!(block.len() >= 64);
            // SAFETY: `block` holds at least 64 bytes (asserted), and `loadu` has no alignment
            // requirement, so both loads read only memory the slice owns.
            let (a, b) = unsafe {
                let p = block.as_ptr().cast::<__m256i>();
                (_mm256_loadu_si256(p), _mm256_loadu_si256(p.add(1)))
            };
            // The two 32-bit movemasks of the halves make one 64-bit mask.
            let mask = |f: &dyn Fn(__m256i) -> __m256i| {
                u64::from(_mm256_movemask_epi8(f(a)) as u32) | (u64::from(_mm256_movemask_epi8(f(b)) as u32) << 32)
            };
            let in_range = |v: __m256i, low: u8, width: u8| {
                // Unsigned `v - low <= width - 1`, as min(d, width - 1) == d.
                let d = _mm256_sub_epi8(v, _mm256_set1_epi8(low as i8));
                _mm256_cmpeq_epi8(_mm256_min_epu8(d, _mm256_set1_epi8((width - 1) as i8)), d)
            };
            let eq = |v: __m256i, c: u8| _mm256_cmpeq_epi8(v, _mm256_set1_epi8(c as i8));
            let digit = |v: __m256i| in_range(v, b'0', 10);
            let nibble = |v: __m256i, k: usize| _mm256_and_si256(_mm256_shuffle_epi8(luts[k], v), digit(v));
            out.digit[k] = mask(&digit);
            out.letter[k] = mask(&|v| in_range(_mm256_or_si256(v, _mm256_set1_epi8(0x20)), b'a', 26));
            out.star[k] = mask(&|v| eq(v, b'*'));
            out.lead[k] = mask(&|v| eq(v, 0xEF));
            out.high[k] = mask(&|v| v);
            out.at[k] = mask(&|v| eq(v, b'@'));
            out.dot[k] = mask(&|v| eq(v, b'.'));
            if ALL {
                out.sep[k] = mask(&|v| _mm256_or_si256(eq(v, b' '), eq(v, b'-')));
                out.paren[k] = mask(&|v| eq(v, b')'));
                out.nibble[0][k] = mask(&|v| nibble(v, 0));
                out.nibble[1][k] = mask(&|v| nibble(v, 1));
                out.nibble[2][k] = mask(&|v| nibble(v, 2));
                out.nibble[3][k] = mask(&|v| nibble(v, 3));
            }
        }
    }
}

#[cfg(target_arch = "x86_64")]
mod avx512 {
    use super::{MaskSet, StripMasks};
    use std::arch::x86_64::*;
    use std::slice::ChunksExact;

    /// Classifies every full block of `blocks` into `out`, whose arrays of `set` have a place
    /// for each.
    ///
    /// # Safety
    /// The CPU must support AVX-512F and AVX-512BW.
    pub(super) unsafe fn classify_blocks(blocks: &mut ChunksExact<'_, u8>, out: &mut StripMasks, set: MaskSet) {
        // SAFETY: the caller guarantees AVX-512F and AVX-512BW, all the two functions require.
        unsafe {
            match set {
                MaskSet::All => blocks_avx512::<true>(blocks, out),
                MaskSet::Tokens => blocks_avx512::<false>(blocks, out),
            }
        }
    }

    /// `ALL`: every mask, else only [`MaskSet::Tokens`]'. A block is one register and each
    /// class one compare into a mask register, which is the block's mask as it is: no
    /// movemask of halves to join, as with AVX2.
    #[target_feature(enable = "avx512f,avx512bw")]
    fn blocks_avx512<const ALL: bool>(blocks: &mut ChunksExact<'_, u8>, out: &mut StripMasks) {
        let splat = |c: u8| _mm512_set1_epi8(c as i8);
        for (k, block) in blocks.enumerate() {
            assert!(block.len() >= 64);
            // SAFETY: `block` holds at least 64 bytes (asserted), and `loadu` has no alignment
            // requirement, so the load reads only memory the slice owns.
            let v = unsafe { _mm512_loadu_si512(block.as_ptr().cast()) };
            // Unsigned `v - low < width`: one compare for a range.
            let in_range =
                |v: __m512i, low: u8, width: u8| _mm512_cmplt_epu8_mask(_mm512_sub_epi8(v, splat(low)), splat(width));
            let eq = |c: u8| _mm512_cmpeq_epi8_mask(v, splat(c));
            let digit = in_range(v, b'0', 10);
            out.digit[k] = digit;
            // `| 0x20` folds upper case onto lower case; only letters land in 'a'..='z'.
            out.letter[k] = in_range(_mm512_or_si512(v, splat(0x20)), b'a', 26);
            out.star[k] = eq(b'*');
            out.lead[k] = eq(0xEF);
            out.high[k] = _mm512_movepi8_mask(v);
            out.at[k] = eq(b'@');
            out.dot[k] = eq(b'.');
            if ALL {
                out.sep[k] = eq(b' ') | eq(b'-');
                out.paren[k] = eq(b')');
                // A digit's low four bits are its value: bit n of the byte is bit n of the digit.
                for (n, nibble) in out.nibble.iter_mut().enumerate() {
                    nibble[k] = _mm512_mask_test_epi8_mask(digit, v, splat(1 << n));
                }
            }
        }
    }
}

#[cfg(not(target_arch = "x86_64"))]
mod avx512 {
    use super::{MaskSet, StripMasks};
    use std::slice::ChunksExact;

    /// Never called: no CPU of this architecture has AVX-512.
    ///
    /// # Safety
    /// None needed; it does nothing.
    pub(super) unsafe fn classify_blocks(_: &mut ChunksExact<'_, u8>, _: &mut StripMasks, _: MaskSet) {}
}

#[cfg(not(target_arch = "x86_64"))]
mod avx2 {
    use super::{MaskSet, StripMasks};
    use std::slice::ChunksExact;

    /// Never called: no CPU of this architecture has AVX2.
    ///
    /// # Safety
    /// None needed; it does nothing.
    pub(super) unsafe fn classify_blocks(_: &mut ChunksExact<'_, u8>, _: &mut StripMasks, _: MaskSet) {}
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all_engines_agree(text: &[u8]) {
        for set in [MaskSet::All, MaskSet::Tokens] {
            let mut reference = StripMasks::default();
            Engine::Scalar.classify_masks(text, &mut reference, set);
            for engine in Engine::available() {
                // Reused, as the scanner reuses it: what a longer text left must not show.
                let mut masks = StripMasks::default();
                engine.classify_masks(&[b'7'; 300], &mut masks, MaskSet::All);
                engine.classify_masks(text, &mut masks, set);
                assert_eq!(masks, reference, "{} {set:?} on {:?}", engine.name(), String::from_utf8_lossy(text));
            }
        }
    }

    #[test]
    fn every_byte_value_in_every_lane() {
        // Each byte value at every position of a block, next to every neighbour class, so
        // that a carry or a borrow leaking between lanes would show.
        for value in 0..=255u8 {
            for neighbour in [0u8, b'0', b'9', b'@', b' ', b')', 0x7F, 0x80, 0xEF, 0xFF] {
                let mut text = vec![neighbour; 130];
                for i in (value as usize % 7..130).step_by(7) {
                    text[i] = value;
                }
                all_engines_agree(&text);
            }
        }
    }

    #[test]
    fn masks_mean_what_they_say() {
        let text = "a1*.@\u{ff11}Z9 中-)6".as_bytes();
        let mut masks = StripMasks::default();
        Engine::best().classify(text, &mut masks);
        let m = masks.block(0);
        assert_eq!(m.sep, 1 << 10 | 1 << 14);
        assert_eq!(m.paren, 1 << 15);
        // '1', '9' and '6' at 1, 9 and 16: bits 0 and 3 of 9, 1 and 2 of 6.
        assert_eq!(m.nibble, [0b10 | 1 << 9, 1 << 16, 1 << 16, 1 << 9]);
        assert_eq!(m.letter, 0b1 | (1 << 8));
        assert_eq!(m.digit, 0b10 | (1 << 9) | (1 << 16));
        assert_eq!(m.star, 1 << 2);
        assert_eq!(m.dot, 1 << 3);
        assert_eq!(m.at, 1 << 4);
        assert_eq!(m.lead, 1 << 5);
        assert_eq!(m.high, 0b111 << 5 | 0b111 << 11);
    }

    #[test]
    fn lengths_around_block_edges() {
        let base: Vec<u8> = (0..300u32).map(|i| b"0a*.@\xEF\x80 9Z"[(i * 7 % 10) as usize]).collect();
        for len in 0..base.len() {
            all_engines_agree(&base[..len]);
        }
    }
}
