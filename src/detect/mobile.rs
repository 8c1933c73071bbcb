//! Validate stage for `mobile`: mainland numbers on an allocated prefix (MIIT 2023-03 table),
//! 11 digits, or 13 digits for IoT ranges.

use crate::finding::Confidence;
use crate::reference::{mobile_prefixes, PrefixUse};

/// Checks an ASCII digit string (country code already removed). Returns the confidence, or
/// `None` when the prefix was never allocated. 13-digit IoT numbers need context: the caller
/// decides, since they collide with millisecond timestamps.
pub fn validate(digits: &str) -> Option<Confidence> {
    if !(digits.len() == 11 || digits.len() == 13) || !digits.starts_with('1') {
        return None;
    }
    match mobile_prefixes().lookup(digits)? {
        PrefixUse::Allocated if digits.len() == 11 => Some(Confidence::High),
        PrefixUse::Allocated => Some(Confidence::Medium),
        PrefixUse::Unverified => Some(Confidence::Low),
    }
}

/// Strips a leading `86` or `0086` from a 13- or 15-digit run when what remains is an
/// 11-digit mobile number.
pub fn strip_country_code(digits: &str) -> Option<&str> {
    let rest = match digits.len() {
        13 => digits.strip_prefix("86")?,
        15 => digits.strip_prefix("0086")?,
        _ => return None,
    };
    (rest.len() == 11 && validate(rest).is_some()).then_some(rest)
}

/// Whether the digit run ending at `end` is written as a float with a zero fraction
/// (`13318107952.0`): how pandas and spreadsheets export a phone column read as numbers. Only
/// exactly `.0` counts; `.5` or `.00` is some other decimal number, and `.0_f32` or `.0e3` a
/// literal in code.
pub fn float_export(text: &[u8], start: usize, end: usize) -> bool {
    let fraction_zero = text.get(end..end + 2) == Some(b".0")
        && !text.get(end + 2).is_some_and(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_'));
    let decimal_before = start >= 2 && text[start - 1] == b'.' && text[start - 2].is_ascii_digit();
    fraction_zero && !decimal_before
}

/// A mobile written with dots between its groups (`133.1810.7952`, `133.181.07952`): `run`
/// is a run of digits and exactly two dots, not glued to a letter, digit or dot. Its groups
/// are read as one number when the first has three digits (the network code), none has fewer,
/// and together they are eleven: an IP address or version has more dots or shorter groups.
pub fn dotted(run: &[u8]) -> Option<String> {
    let mut groups = run.split(|&b| b == b'.');
    let (first, second, third) = (groups.next()?, groups.next()?, groups.next()?);
    if groups.next().is_some() || first.len() != 3 || second.len() < 3 || third.len() < 3 {
        return None;
    }
    let digits: String = [first, second, third].concat().into_iter().map(char::from).collect();
    (digits.len() == 11 && validate(&digits).is_some()).then_some(digits)
}

/// A URL-encoded international number at `percent`, the `%` of `%2B86`: `%2B8613318107952`,
/// `%2B86%2013318107952` (an encoded space), `%2B86-13318107952`. Returns the end of the number
/// and its eleven digits.
pub fn url_encoded(text: &[u8], percent: usize) -> Option<(usize, &str)> {
    let rest = text.get(percent..)?;
    let head = rest.get(..5)?;
    if !head.eq_ignore_ascii_case(b"%2B86") {
        return None;
    }
    let mut from = percent + 5;
    for separator in [&b"%20"[..], b"-", b"+"] {
        if text[from..].starts_with(separator) {
            from += separator.len();
            break;
        }
    }
    let digits = text.get(from..from + 11)?;
    let end = from + 11;
    if !digits.iter().all(u8::is_ascii_digit) || text.get(end).is_some_and(u8::is_ascii_alphanumeric) {
        return None;
    }
    let digits = std::str::from_utf8(digits).ok()?;
    validate(digits).filter(|_| digits.len() == 11).map(|_| (end, digits))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::test_support::found;
    use crate::finding::Kind;

    #[test]
    fn allocated_prefixes() {
        for n in ["13408408311", "14970914502", "17498003379", "17406626070", "19029089087", "16240231027"] {
            assert_eq!(validate(n), Some(Confidence::High), "{n}");
        }
        assert_eq!(validate("1440892359525"), Some(Confidence::Medium));
        assert_eq!(validate("16101234567"), Some(Confidence::Low));
    }

    #[test]
    fn unallocated_prefixes() {
        for n in ["15456196441", "19485570831", "16136037786", "12345678901", "1012345678"] {
            assert_eq!(validate(n), None, "{n}");
        }
    }

    #[test]
    fn country_codes() {
        assert_eq!(strip_country_code("8613800138000"), Some("13800138000"));
        assert_eq!(strip_country_code("008613800138000"), Some("13800138000"));
        assert_eq!(strip_country_code("8612345678901"), None);
    }

    #[test]
    fn pandas_floats() {
        let text = b"a,13318107952.0,b 13318107952.5 13318107952.00 0.13318107952.0 13318107952.0e3 13318107952.0_f32";
        let at = |n: &str| text.windows(n.len()).position(|w| w == n.as_bytes()).unwrap();
        assert!(float_export(text, 2, 13));
        let cases = [(at(" 13318107952.5") + 1, false), (at(" 13318107952.00") + 1, false)];
        for (start, expected) in cases {
            assert_eq!(float_export(text, start, start + 11), expected, "{start}");
        }
        let decimal = at("0.13318107952.0") + 2;
        assert!(!float_export(text, decimal, decimal + 11), "the fraction of a decimal");
        let exponent = at("13318107952.0e3");
        assert!(!float_export(text, exponent, exponent + 11), "glued to a letter");
        let suffixed = at("13318107952.0_f32");
        assert!(!float_export(text, suffixed, suffixed + 11), "a typed literal in code");
    }

    #[test]
    fn dotted_groups() {
        assert_eq!(dotted(b"133.1810.7952").as_deref(), Some("13318107952"));
        assert_eq!(dotted(b"133.181.07952").as_deref(), Some("13318107952"));
        assert_eq!(dotted(b"150.0012.3456").as_deref(), Some("15000123456"));
        for no in ["13.31810.7952", "133.18.107952", "133.1810.795", "154.5619.6441", "1.3318.1079"] {
            assert_eq!(dotted(no.as_bytes()), None, "{no}");
        }
    }

    #[test]
    fn url_encoded_country_code() {
        for (text, digits) in [
            ("tel=%2B8613318107952&x", "13318107952"),
            ("tel=%2b86%2015000123456", "15000123456"),
            ("%2B86-18912345678", "18912345678"),
        ] {
            let (end, got) = url_encoded(text.as_bytes(), text.find('%').unwrap()).unwrap();
            assert_eq!(got, digits);
            assert_eq!(&text[end - 11..end], digits);
        }
        for text in ["%2B86133181079520", "%2B8615456196441", "%2B851331810795", "%2B86%2"] {
            assert_eq!(url_encoded(text.as_bytes(), 0), None, "{text}");
        }
    }

    /// Numbers on allocated prefixes, made from a seed: the shapes below hold for any of them.
    fn numbers() -> Vec<String> {
        let prefixes = ["133", "150", "189", "139", "177", "199"];
        let mut state = 0x2545_f491_u64;
        prefixes
            .iter()
            .map(|p| {
                state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                let n = format!("{p}{:08}", (state >> 33) % 100_000_000);
                assert!(validate(&n).is_some(), "{n}");
                n
            })
            .collect()
    }

    #[test]
    fn export_shapes_are_found() {
        for n in numbers() {
            let (a, b, c) = (&n[..3], &n[3..7], &n[7..]);
            let dotted_335 = format!("{a}.{}.{}", &n[3..6], &n[6..]);
            for (text, span) in [
                (format!("phone\n{n}.0\n"), n.clone()),
                (format!("id,phone\n1,{n}.0\n"), n.clone()),
                (format!("{{\"phone\": {n}.0}}"), n.clone()),
                (format!("电话 {a}.{b}.{c}"), format!("{a}.{b}.{c}")),
                (format!("电话：{dotted_335}。"), dotted_335.clone()),
                (format!("tel=%2B86{n}&x=1"), format!("%2B86{n}")),
                (format!("tel=%2B86%20{n}"), format!("%2B86%20{n}")),
                (format!("+86 {n}"), format!("+86 {n}")),
                (format!("+86{n}"), format!("+86{n}")),
                (format!("0086{n}"), format!("0086{n}")),
                (format!("86-{n}"), format!("86-{n}")),
                (format!("+86 {a} {b} {c}"), format!("+86 {a} {b} {c}")),
            ] {
                let got = found(&text);
                assert_eq!(got.len(), 1, "{text}: {got:?}");
                assert_eq!(
                    (got[0].0, got[0].1.as_str(), got[0].2),
                    (Kind::Mobile, n.as_str(), span.as_str()),
                    "{text}"
                );
            }
        }
    }

    #[test]
    fn other_decimals_and_dotted_runs_are_not_mobiles() {
        for n in numbers() {
            for text in [
                format!("{n}.5"),
                format!("{n}.00"),
                format!("{n}.05"),
                format!("0.{n}.0"),
                format!("{}.{}.{}.{}", &n[..3], &n[3..6], &n[6..9], &n[9..]),
                format!("v{}.{}.{}", &n[..3], &n[3..7], &n[7..]),
                format!("Chrome/{}.{}.{}", &n[..3], &n[3..7], &n[7..]),
                format!("%2B86{n}0"),
                format!("%2B85{n}"),
            ] {
                let got = found(&text);
                assert!(got.iter().all(|f| f.0 != Kind::Mobile), "{text}: {got:?}");
            }
        }
    }
}
