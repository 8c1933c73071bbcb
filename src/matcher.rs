//! Match stage: the candidate finder. One pass over the bytes splits them into *tokens*
//! (maximal runs of ASCII letters, digits, full-width digits and the mask character `*`) and
//! groups digit tokens separated by a single space or dash into *chains*, so that
//! `138 0013 8000` and `6222 0212 3456 7890 128` reach the validators as one candidate.
//!
//! This is the only stage that looks at every byte, so it is kept behind one small interface
//! ([`CandidateScanner::scan`]) that a faster implementation can replace. Because tokens are
//! maximal, the boundary rule of the output contract holds by construction: a digit run glued
//! to an ASCII letter or digit (`x13800138000yy`, a 20-digit order number) is one longer token
//! and never a phone; Chinese characters and punctuation end a token (`手机13800138000`).

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
}

/// The candidate finder. It holds no per-scan state and can be shared between threads.
#[derive(Debug, Default, Clone, Copy)]
pub struct CandidateScanner;

const OTHER: u8 = 0;
const DIGIT: u8 = 1;
const LETTER: u8 = 2;
const STAR: u8 = 3;
const FULLWIDTH_LEAD: u8 = 4;

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
        } else if b == 0xEF {
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
        Some([0xEF, 0xBC, d @ 0x90..=0x99]) => Some(b'0' + (d - 0x90)),
        _ => None,
    }
}

impl CandidateScanner {
    /// Creates the scanner.
    pub fn new() -> Self {
        CandidateScanner
    }

    /// Calls `on_chain` for every chain that contains at least one digit, in text order.
    /// `chain` is caller-owned scratch, reused between calls.
    pub fn scan(&self, text: &[u8], chain: &mut Chain, mut on_chain: impl FnMut(&Chain)) {
        let mut i = 0;
        let n = text.len();
        while i < n {
            let class = CLASS[text[i] as usize];
            if class == OTHER || (class == FULLWIDTH_LEAD && fullwidth_digit_at(text, i).is_none()) {
                i += 1;
                continue;
            }
            if class == LETTER {
                // Most tokens in text are words: skip a letters-only token without normalising it.
                let mut end = i + 1;
                while end < n && CLASS[text[end] as usize] == LETTER {
                    end += 1;
                }
                let next = text.get(end).map_or(OTHER, |&b| CLASS[b as usize]);
                if next == OTHER || (next == FULLWIDTH_LEAD && fullwidth_digit_at(text, end).is_none()) {
                    i = end;
                    continue;
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
                    && (text.get(end + 1).is_some_and(u8::is_ascii_digit)
                        || fullwidth_digit_at(text, end + 1).is_some());
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
            i = pos.max(i + 1);
        }
    }
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
pub fn dotted_numbers(text: &[u8], mut on_run: impl FnMut(usize, usize)) {
    let mut covered = 0;
    for dot in memchr::memchr_iter(b'.', text) {
        if dot < covered
            || dot == 0
            || !text[dot - 1].is_ascii_digit()
            || !text.get(dot + 1).is_some_and(u8::is_ascii_digit)
        {
            continue;
        }
        let mut start = dot;
        while start > 0 && (text[start - 1].is_ascii_digit() || text[start - 1] == b'.') {
            start -= 1;
        }
        let mut end = dot + 1;
        while end < text.len() && (text[end].is_ascii_digit() || text[end] == b'.') {
            end += 1;
        }
        covered = end;
        while start < end && text[start] == b'.' {
            start += 1;
        }
        while end > start && text[end - 1] == b'.' {
            end -= 1;
        }
        let glued = (start > 0 && text[start - 1].is_ascii_alphabetic())
            || text.get(end).is_some_and(|b| b.is_ascii_alphabetic() || *b == b'_');
        if !glued {
            on_run(start, end);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chains(text: &str) -> Vec<Vec<(String, TokenClass)>> {
        let mut out = Vec::new();
        let mut scratch = Chain::default();
        CandidateScanner::new().scan(text.as_bytes(), &mut scratch, |c| {
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
        dotted_numbers(text.as_bytes(), |s, e| runs.push(&text[s..e]));
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
