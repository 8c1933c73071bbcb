//! Validate stage for `bank_card`: 15-19 digits on a known Chinese BIN, with the Luhn digit.
//!
//! The BIN table (bcbc, 1,709 BINs) is far from every BIN in use: DOMAIN.md's own vectors use
//! 625802 and 620058, which it lacks. The whole IIN range 62 belongs to China UnionPay, so a
//! 16-19 digit number in it with a valid Luhn digit is accepted at medium confidence.

use crate::reference::bins;

/// The result of checking a digit run against the BIN table and Luhn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CardCheck {
    /// The Luhn check digit matches.
    pub luhn: bool,
    /// The BIN table's card length for this BIN equals the run's length.
    pub length_matches_bin: bool,
    /// The BIN is in the table (not only in the UnionPay IIN range).
    pub known_bin: bool,
}

/// Checks an ASCII digit string; `None` when it is not 15-19 digits on a known BIN.
pub fn check(digits: &str) -> Option<CardCheck> {
    if !(15..=19).contains(&digits.len()) {
        return None;
    }
    // The Luhn sum only for numbers on a BIN: most runs reaching here (IDs that failed their
    // check, account numbers) are on none.
    let luhn = || luhn_valid(digits.as_bytes());
    match bins().lookup(digits) {
        // Legacy proprietary BINs outside the ISO 7812 card ranges (103 ABC, 18572 KMRCU, 9558
        // ICBC) issue one length only; any other length there is some other number.
        Some(bin) if bin.length != digits.len() && !matches!(digits.as_bytes()[0], b'3'..=b'6') => None,
        Some(bin) => Some(CardCheck { luhn: luhn(), length_matches_bin: bin.length == digits.len(), known_bin: true }),
        None if digits.starts_with("62") && digits.len() >= 16 => {
            Some(CardCheck { luhn: luhn(), length_matches_bin: false, known_bin: false })
        }
        None => None,
    }
}

/// ISO/IEC 7812 Luhn check over ASCII digits.
pub fn luhn_valid(digits: &[u8]) -> bool {
    let mut sum = 0u32;
    for (i, &d) in digits.iter().rev().enumerate() {
        let mut v = u32::from(d.wrapping_sub(b'0'));
        if v > 9 {
            return false;
        }
        if i % 2 == 1 {
            v *= 2;
            if v > 9 {
                v -= 9;
            }
        }
        sum += v;
    }
    sum.is_multiple_of(10)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn luhn_vectors() {
        assert!(luhn_valid(b"490154203237518"));
        assert!(luhn_valid(b"49927398716"));
        assert!(!luhn_valid(b"4992739871"));
        assert!(!luhn_valid(b"6225881414207431"));
    }

    #[test]
    fn known_bins() {
        let c = check("6222020000000001230").expect("ICBC BIN");
        assert!(c.luhn && c.length_matches_bin);
        assert!(!check("6222021234567890123").expect("BIN known").luhn);
        assert_eq!(check("1234567890123456"), None);
        assert_eq!(check("185726412521178"), None, "18572 cards are 18 digits long");
        let unionpay = check("6258020000001234").expect("UnionPay range");
        assert!(unionpay.luhn && !unionpay.known_bin);
        assert_eq!(check("62220200000000012301"), None);
    }
}
