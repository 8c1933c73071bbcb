//! Byte classification for the candidate finder: each 64-byte block of text becomes a handful
//! of bitmasks (bit `i` describes byte `i` of the block), so that the token loop can jump from
//! one interesting byte to the next with `trailing_zeros` instead of looking at every byte.
//!
//! Three engines compute the same masks:
//! - [`Engine::Avx2`], 32 bytes per instruction, used when the CPU has AVX2 (runtime detection);
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
        engines
    }

    /// The engine's name, as benches and tests print it.
    pub fn name(self) -> &'static str {
        match self {
            Engine::Scalar => "scalar",
            Engine::Swar => "swar",
            Engine::Avx2 => "avx2",
        }
    }

    /// Classifies `text` block by block into `out` (cleared first); the last block may be short.
    pub fn classify(self, text: &[u8], out: &mut Vec<BlockMasks>) {
        out.clear();
        out.reserve(text.len().div_ceil(64));
        let mut blocks = text.chunks_exact(64);
        match self {
            Engine::Scalar => out.extend(blocks.by_ref().map(scalar)),
            Engine::Swar => out.extend(blocks.by_ref().map(|b| swar(to_block(b)))),
            Engine::Avx2 => avx2::classify_blocks(&mut blocks, out),
        }
        let tail = blocks.remainder();
        if !tail.is_empty() {
            // Padding with 0x00 sets no bit in any mask.
            let mut padded = [0u8; 64];
            padded[..tail.len()].copy_from_slice(tail);
            out.push(match self {
                Engine::Scalar => scalar(&padded),
                Engine::Swar | Engine::Avx2 => swar(&padded),
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

fn swar(block: &[u8; 64]) -> BlockMasks {
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
    }
    m
}

#[cfg(target_arch = "x86_64")]
mod avx2 {
    use super::BlockMasks;
    use std::arch::x86_64::*;
    use std::slice::ChunksExact;

    /// Classifies every full block of `blocks` with AVX2 when the CPU has it, else with SWAR.
    pub(super) fn classify_blocks(blocks: &mut ChunksExact<'_, u8>, out: &mut Vec<BlockMasks>) {
        if super::avx2_available() {
            // SAFETY: the CPU supports AVX2 (checked just above), which is all `blocks_avx2`
            // requires of its caller.
            unsafe { blocks_avx2(blocks, out) }
        } else {
            out.extend(blocks.map(|b| super::swar(super::to_block(b))));
        }
    }

    #[target_feature(enable = "avx2")]
    fn blocks_avx2(blocks: &mut ChunksExact<'_, u8>, out: &mut Vec<BlockMasks>) {
        for block in blocks {
            let (lo, hi) = block.split_at(32);
            let a = half(lo);
            let b = half(hi);
            out.push(BlockMasks {
                digit: a.digit | (b.digit << 32),
                letter: a.letter | (b.letter << 32),
                star: a.star | (b.star << 32),
                lead: a.lead | (b.lead << 32),
                high: a.high | (b.high << 32),
                at: a.at | (b.at << 32),
                dot: a.dot | (b.dot << 32),
            });
        }
    }

    #[target_feature(enable = "avx2")]
    fn half(bytes: &[u8]) -> BlockMasks {
        assert!(bytes.len() >= 32);
        // SAFETY: `bytes` holds at least 32 bytes (asserted), and `loadu` has no alignment
        // requirement, so the load reads only memory the slice owns.
        let v = unsafe { _mm256_loadu_si256(bytes.as_ptr().cast::<__m256i>()) };
        let mask = |m: __m256i| u64::from(_mm256_movemask_epi8(m) as u32);
        let in_range = |v: __m256i, low: u8, width: u8| {
            // Unsigned `v - low <= width - 1`, as min(d, width - 1) == d.
            let d = _mm256_sub_epi8(v, _mm256_set1_epi8(low as i8));
            _mm256_cmpeq_epi8(_mm256_min_epu8(d, _mm256_set1_epi8((width - 1) as i8)), d)
        };
        let eq = |c: u8| _mm256_cmpeq_epi8(v, _mm256_set1_epi8(c as i8));
        let folded = _mm256_or_si256(v, _mm256_set1_epi8(0x20));
        BlockMasks {
            digit: mask(in_range(v, b'0', 10)),
            letter: mask(in_range(folded, b'a', 26)),
            star: mask(eq(b'*')),
            lead: mask(eq(0xEF)),
            high: mask(v),
            at: mask(eq(b'@')),
            dot: mask(eq(b'.')),
        }
    }
}

#[cfg(not(target_arch = "x86_64"))]
mod avx2 {
    use super::BlockMasks;
    use std::slice::ChunksExact;

    pub(super) fn classify_blocks(blocks: &mut ChunksExact<'_, u8>, out: &mut Vec<BlockMasks>) {
        out.extend(blocks.map(|b| super::swar(super::to_block(b))));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all_engines_agree(text: &[u8]) {
        let mut reference = Vec::new();
        Engine::Scalar.classify(text, &mut reference);
        for engine in Engine::available() {
            let mut masks = Vec::new();
            engine.classify(text, &mut masks);
            assert_eq!(masks, reference, "{} on {:?}", engine.name(), String::from_utf8_lossy(text));
        }
    }

    #[test]
    fn every_byte_value_in_every_lane() {
        // Each byte value at every position of a block, next to every neighbour class, so
        // that a carry or a borrow leaking between lanes would show.
        for value in 0..=255u8 {
            for neighbour in [0u8, b'0', b'9', b'@', 0x7F, 0x80, 0xEF, 0xFF] {
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
        let text = "a1*.@\u{ff11}Z9 中".as_bytes();
        let mut masks = Vec::new();
        Engine::best().classify(text, &mut masks);
        let m = masks[0];
        assert_eq!(m.letter, 0b1 | (1 << 8));
        assert_eq!(m.digit, 0b10 | (1 << 9));
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
