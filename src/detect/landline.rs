//! Validate stage for `landline`: trunk 0, an area code from the table (010, 02x, 0xxx), then a
//! 7- or 8-digit subscriber number that does not start with 0 or 1. 400/800 service numbers
//! have no area code and are not personal.

use crate::reference::area_codes;

/// Splits `0` + area code + subscriber (digits only) into its parts.
pub fn split(digits: &str) -> Option<(&str, &str)> {
    [4usize, 3].into_iter().find_map(|n| {
        let (area, subscriber) = (digits.get(..n)?, digits.get(n..)?);
        is_landline(area, subscriber).then_some((area, subscriber))
    })
}

/// Whether an area code (with its 0) and subscriber number form a landline.
pub fn is_landline(area: &str, subscriber: &str) -> bool {
    (7..=8).contains(&subscriber.len())
        && !subscriber.starts_with(['0', '1'])
        && subscriber.bytes().all(|b| b.is_ascii_digit())
        && area_codes().contains(area)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::test_support::{digits, found, with_luhn};
    use crate::finding::Kind;

    #[test]
    fn landlines() {
        assert_eq!(split("01062751234"), Some(("010", "62751234")));
        assert_eq!(split("075586013388"), Some(("0755", "86013388")));
        assert_eq!(split("02112345678"), None, "subscriber numbers do not start with 1");
        assert!(is_landline("0755", "86013388"));
        assert!(!is_landline("0400", "8208820"));
        assert!(!is_landline("010", "1234567"));
    }

    #[test]
    fn card_and_iban_groups_are_not_landlines() {
        let mut state = 16;
        for i in 0..40 {
            // A 0-led second group is where a landline was read: `6232-0730-4632-7047`. Half
            // are valid cards, half fail Luhn (then nothing at all may be read there).
            let head = format!("62320730{}", digits(&mut state, 7));
            let number = if i % 2 == 0 { with_luhn(&head) } else { format!("{head}{}", digits(&mut state, 1)) };
            let (a, b, c, d) = (&number[..4], &number[4..8], &number[8..12], &number[12..]);
            let iban = format!("CN{} 0755 {} {} {}", &digits(&mut state, 2), &c, &d, &digits(&mut state, 3));
            for text in [format!("卡号 {a}-{b}-{c}-{d}"), format!("{a} {b} {c} {d}"), format!("账户 {iban}")] {
                let got = found(&text);
                assert!(got.iter().all(|f| f.0 != Kind::Landline), "{text}: {got:?}");
            }
        }
    }

    #[test]
    fn split_subscriber_numbers() {
        let mut state = 7;
        for _ in 0..20 {
            let eight = format!("8{}", digits(&mut state, 7));
            let seven = format!("6{}", digits(&mut state, 6));
            for (text, value, outside) in [
                (format!("电话 0755-{}-{}", &eight[..4], &eight[4..]), format!("0755{eight}"), ""),
                (format!("tel (021) {} {}", &eight[..4], &eight[4..]), format!("021{eight}"), ""),
                (format!("tel （021）{}-{}", &eight[..4], &eight[4..]), format!("021{eight}"), ""),
                (format!("座机 010 {} {}", &eight[..4], &eight[4..]), format!("010{eight}"), ""),
                (format!("电话 0571-{}-{}", &seven[..3], &seven[3..]), format!("0571{seven}"), ""),
                (format!("电话 0755-{eight}"), format!("0755{eight}"), ""),
                (format!("电话 +86 755 {} {}", &eight[..4], &eight[4..]), format!("0755{eight}"), ""),
                (format!("电话 +86 0755 {} {}", &eight[..4], &eight[4..]), format!("0755{eight}"), "+86 "),
                (format!("电话 0086 0755 {} {}", &eight[..4], &eight[4..]), format!("0755{eight}"), "0086 "),
            ] {
                let got = found(&text);
                assert_eq!(got.len(), 1, "{text}: {got:?}");
                assert_eq!((got[0].0, got[0].1.as_str()), (Kind::Landline, value.as_str()), "{text}");
                // The span is what follows the label, but for a country code the reading leaves out.
                let span = text.split_once(' ').unwrap().1.strip_prefix(outside).unwrap();
                assert_eq!(got[0].2, span, "{text}");
            }
            // Areas with a three-digit code have eight-digit subscriber numbers only.
            let text = format!("电话 010-{}-{}", &seven[..3], &seven[3..]);
            assert!(found(&text).iter().all(|f| f.0 != Kind::Landline), "{text}");
        }
    }
}
