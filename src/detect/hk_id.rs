//! Validate stage for the identity cards of Hong Kong (`hk_id_card`) and Macau (`mo_id_card`)
//! residents, and the rule that keeps a checked identity number of Hong Kong or Taiwan found
//! without a label only when its record holds other personal information.
//!
//! Hong Kong: one or two letters, six digits and a check character, printed `A123456(3)`. The
//! check character makes the sum of the values (a missing first letter counts 36, letters
//! A = 10 .. Z = 35, the check character A = 10) weighted 9 down to 1 a multiple of 11.
//! Macau: `1234567(8)`, the first digit 1, 5 or 7; no check algorithm is published, so the
//! shape alone is weak and a Macau label or column is required.

use crate::context::Context;
use crate::finding::{Confidence, Detection, Kind};
use crate::matcher::TokenClass;
use crate::reference::KeywordSet;

/// The value of a character of a Hong Kong ID number: digits are themselves, letters 10..35.
fn value(b: u8) -> Option<u32> {
    match b {
        b'0'..=b'9' => Some(u32::from(b - b'0')),
        b'A'..=b'Z' => Some(u32::from(b - b'A') + 10),
        _ => None,
    }
}

/// Whether `body` is one or two upper-case letters and six digits (`A123456`, `AB123456`).
pub fn is_hk_body(body: &[u8]) -> bool {
    let letters = body.iter().take_while(|b| b.is_ascii_uppercase()).count();
    (1..=2).contains(&letters) && body.len() == letters + 6 && body[letters..].iter().all(u8::is_ascii_digit)
}

/// The check character of a Hong Kong ID body (`A123456` gives `3`), or `None` if it is not
/// one.
pub fn hk_check_char(body: &[u8]) -> Option<u8> {
    if !is_hk_body(body) {
        return None;
    }
    // A single letter is read as a space (36) and the letter.
    let padded = if body.len() == 7 { 36 * 9 } else { 0 };
    let offset = 9 - (8 - body.len() as u32);
    let mut sum = padded;
    for (i, &b) in body.iter().enumerate() {
        sum += value(b)? * (offset - i as u32);
    }
    Some(match (11 - sum % 11) % 11 {
        10 => b'A',
        d => b'0' + d as u8,
    })
}

/// Whether `id` (a body and its check character, no parentheses: `A1234563`) is a valid Hong
/// Kong ID number.
pub fn is_valid_hk(id: &[u8]) -> bool {
    match id.split_last() {
        Some((&check, body)) => hk_check_char(body) == Some(check),
        None => false,
    }
}

/// Whether `digits` has the shape of a Macau ID number without its check digit: seven digits,
/// the first 1, 5 or 7.
pub fn is_macau_body(digits: &[u8]) -> bool {
    digits.len() == 7 && matches!(digits[0], b'1' | b'5' | b'7') && digits.iter().all(u8::is_ascii_digit)
}

/// The character in parentheses right at `at` (`(3)` or full-width `（3）`), if it is a digit or
/// `A`, and where the parentheses end.
pub fn bracketed_check(text: &[u8], at: usize) -> Option<(u8, usize)> {
    const FULL_OPEN: &[u8] = "（".as_bytes();
    const FULL_CLOSE: &[u8] = "）".as_bytes();
    let rest = &text[at..];
    let (inner, after) = if rest.starts_with(b"(") {
        (1, 1)
    } else if rest.starts_with(FULL_OPEN) {
        (FULL_OPEN.len(), FULL_CLOSE.len())
    } else {
        return None;
    };
    let c = *rest.get(inner)?;
    if !(c.is_ascii_digit() || c == b'A') {
        return None;
    }
    let close = &rest[inner + 1..];
    let closed = if after == 1 { close.starts_with(b")") } else { close.starts_with(FULL_CLOSE) };
    closed.then_some((c, at + inner + 1 + after))
}

/// Reads the token `s` (normalised, at `start..end` in `text`, of shape `class`) as a Hong
/// Kong, Macau or Taiwan identity number. A checked Hong Kong or Taiwan number is high
/// confidence under its label or column and medium without one (kept only in a record with
/// other findings, see [`keep_in_records`]); a Macau number needs its label.
pub fn read(text: &[u8], s: &str, start: usize, end: usize, class: TokenClass, ctx: &Context) -> Option<Detection> {
    let b = s.as_bytes();
    let found = |kind: Kind, end: usize, value: Vec<u8>, confidence: Confidence| Detection {
        kind,
        start,
        end,
        value: String::from_utf8_lossy(&value).into_owned().into(),
        confidence,
        public_prefix_chars: 0,
        fixed_class: None,
    };
    let by_label = |set: KeywordSet, end: usize| {
        if ctx.has_keyword(set, start, end) {
            Confidence::High
        } else {
            Confidence::Medium
        }
    };
    match class {
        TokenClass::Alnum if is_hk_body(b) => {
            let (check, close) = bracketed_check(text, end)?;
            let mut id = b.to_vec();
            id.push(check);
            is_valid_hk(&id).then(|| found(Kind::HkIdCard, close, id, by_label(KeywordSet::HkIdCard, close)))
        }
        // Without parentheses (`A1234563`) the shape is a product code's as often: only under
        // a label.
        TokenClass::Alnum if b.len() >= 8 && is_hk_body(&b[..b.len() - 1]) => (is_valid_hk(b)
            && ctx.has_keyword(KeywordSet::HkIdCard, start, end))
        .then(|| found(Kind::HkIdCard, end, b.to_vec(), Confidence::High)),
        TokenClass::Alnum if b.len() == 10 && crate::detect::tw_id::is_valid(b) => {
            Some(found(Kind::TwIdCard, end, b.to_vec(), by_label(KeywordSet::TwIdCard, end)))
        }
        TokenClass::Digits if is_macau_body(b) => {
            let (check, close) = bracketed_check(text, end).filter(|(c, _)| c.is_ascii_digit())?;
            let mut id = b.to_vec();
            id.push(check);
            ctx.has_keyword(KeywordSet::MoIdCard, start, close)
                .then(|| found(Kind::MoIdCard, close, id, Confidence::Medium))
        }
        TokenClass::Digits if b.len() == 8 && is_macau_body(&b[..7]) => ctx
            .has_label_or_column(KeywordSet::MoIdCard, start)
            .then(|| found(Kind::MoIdCard, end, b.to_vec(), Confidence::Medium)),
        _ => None,
    }
}

/// Whether a detection is a checked Hong Kong or Taiwan identity number found without a label:
/// the detector reports those at medium confidence, pending [`keep_in_records`].
fn pending(d: &Detection) -> bool {
    matches!(d.kind, Kind::HkIdCard | Kind::TwIdCard) && d.confidence == Confidence::Medium
}

/// Keeps a checked Hong Kong or Taiwan identity number found without a label only when its
/// line (the record of a CSV, TSV, SQL tuple, JSON line or log) holds another finding: alone in
/// free text or code, a letter and a few digits that pass a mod-11 or mod-10 check is too
/// common a shape (one in eleven or ten of them passes by chance).
pub fn keep_in_records(text: &[u8], out: &mut Vec<Detection>) {
    if !out.iter().any(pending) {
        return;
    }
    let line_of = |pos: usize| memchr::memrchr(b'\n', &text[..pos]).map_or(0, |p| p + 1);
    let supported: std::collections::HashSet<usize> =
        out.iter().filter(|d| !pending(d) && !d.kind.is_masked()).map(|d| line_of(d.start)).collect();
    out.retain(|d| !pending(d) || supported.contains(&line_of(d.start)));
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A valid number from a body, computed the long way: the check character is the one that
    /// makes the weighted sum a multiple of 11.
    fn complete(body: &str) -> String {
        let mut chars: Vec<u32> = body.bytes().map(|b| value(b).expect("alphanumeric")).collect();
        if chars.len() == 7 {
            chars.insert(0, 36);
        }
        let sum: u32 = chars.iter().zip((2..=9).rev()).map(|(v, w)| v * w).sum();
        let check = (0..11).find(|c| (sum + c).is_multiple_of(11)).expect("a residue");
        format!("{body}{}", if check == 10 { 'A' } else { char::from_digit(check, 10).expect("digit") })
    }

    #[test]
    fn published_examples() {
        // The Immigration Department's examples.
        assert_eq!(hk_check_char(b"A123456"), Some(b'3'));
        assert_eq!(hk_check_char(b"G123456"), Some(b'A'));
        assert!(is_valid_hk(b"A1234563"));
        assert!(!is_valid_hk(b"A1234564"));
    }

    #[test]
    fn generated_numbers_validate_and_altered_ones_do_not() {
        let mut seed = 0x5EED_u64;
        let mut next = |n: u64| {
            seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            (seed >> 33) % n
        };
        for _ in 0..2000 {
            let letters = if next(3) == 0 { 2 } else { 1 };
            let mut body: String = (0..letters).map(|_| char::from(b'A' + next(26) as u8)).collect();
            body.extend((0..6).map(|_| char::from(b'0' + next(10) as u8)));
            let id = complete(&body);
            assert!(is_valid_hk(id.as_bytes()), "{id}");
            // Any other check character fails.
            let last = id.as_bytes()[id.len() - 1];
            for other in b"0123456789A".iter().filter(|&&c| c != last) {
                let mut wrong = id.clone().into_bytes();
                *wrong.last_mut().expect("non-empty") = *other;
                assert!(!is_valid_hk(&wrong), "{}", String::from_utf8_lossy(&wrong));
            }
        }
    }

    fn found(text: &str) -> Vec<(Kind, String, Confidence)> {
        let detector = crate::detect::Detector::new(crate::detect::DetectOptions::default());
        detector.detect(text.as_bytes()).into_iter().map(|d| (d.kind, d.value.to_string(), d.confidence)).collect()
    }

    #[test]
    fn labels_records_and_free_text() {
        let hk = |text: &str| found(text).into_iter().filter(|f| f.0 == Kind::HkIdCard).collect::<Vec<_>>();
        assert_eq!(hk("香港身份證：A123456(3)"), [(Kind::HkIdCard, "A1234563".into(), Confidence::High)]);
        assert_eq!(hk("HKID G123456（A）"), [(Kind::HkIdCard, "G123456A".into(), Confidence::High)]);
        // In a record with other personal information, without a label.
        assert_eq!(hk("陳大文,A123456(3),chan@qq.com"), [(Kind::HkIdCard, "A1234563".into(), Confidence::Medium)]);
        // Alone in code or free text, or with a wrong check character: nothing.
        assert!(hk("    ID = 'A123456(3)'").is_empty());
        assert!(hk("see figure A123456(3) above").is_empty());
        assert!(hk("香港身份證：A123456(4)").is_empty());
        let tw = |text: &str| found(text).into_iter().filter(|f| f.0 == Kind::TwIdCard).count();
        assert_eq!(tw("身分證字號：A123456789"), 1);
        assert_eq!(tw("王小明,A123456789,13800138000"), 1);
        assert_eq!(tw("const ref = \"A123456789\";"), 0);
        let mo = |text: &str| found(text).into_iter().filter(|f| f.0 == Kind::MoIdCard).count();
        assert_eq!(mo("澳門身份證：1234567(8)"), 1);
        assert_eq!(mo("編號 1234567(8)"), 0);
    }

    #[test]
    fn shapes() {
        assert!(is_hk_body(b"A123456") && is_hk_body(b"AB123456"));
        assert!(!is_hk_body(b"ABC12345") && !is_hk_body(b"A12345") && !is_hk_body(b"a123456"));
        assert!(is_macau_body(b"1234567") && is_macau_body(b"5215299") && is_macau_body(b"7654321"));
        assert!(!is_macau_body(b"2234567") && !is_macau_body(b"123456"));
        assert_eq!(bracketed_check(b"A123456(3) x", 7), Some((b'3', 10)));
        assert_eq!(bracketed_check("A123456（A）".as_bytes(), 7), Some((b'A', 7 + 7)));
        assert_eq!(bracketed_check(b"A123456(3", 7), None);
        assert_eq!(bracketed_check(b"A123456(B)", 7), None);
    }
}
