//! Match and validate stage for `plate`: GA 36-2018 plates. Province abbreviation + issuing
//! letter (A-Z without I; O is used by traffic police) + 5 serial characters (digits and letters
//! without I and O, at least two digits), optionally 学/警/挂/港/澳/领/试/超; new-energy plates
//! have 6 serial characters (D/F... then a letter or digit and 4 digits, or 5 digits then D/F...).
//! A separator (`·`, space, dash) may follow the issuing letter.

use std::ops::Range;

const PROVINCES: &str = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼";
const SUFFIXES: &str = "学警挂港澳领试超";
const NEV_CLASS: &[u8] = b"ABCDEFGHJK";

fn serial_char(b: u8) -> bool {
    b.is_ascii_digit() || (b.is_ascii_uppercase() && b != b'I' && b != b'O')
}

/// Finds plates; returns (start, end, normalised value without separator). A plate starts with
/// the last character of a non-ASCII run (`non_ascii`, ascending) and goes on in ASCII.
pub fn find(text: &[u8], non_ascii: &[Range<usize>], out: &mut Vec<(usize, usize, String)>) {
    let mut covered = 0;
    for run in non_ascii {
        let i = run.end;
        if i < covered || i - run.start < 3 {
            continue;
        }
        let Some(&letter) = text.get(i) else { continue };
        if !letter.is_ascii_uppercase() || letter == b'I' || text[i - 3] < 0xE4 {
            continue;
        }
        let Some(province) = std::str::from_utf8(&text[i - 3..i]).ok().filter(|p| PROVINCES.contains(*p)) else {
            continue;
        };
        let mut j = i + 1;
        if text.get(j..j + 2) == Some("·".as_bytes()) {
            j += 2;
        } else if matches!(text.get(j), Some(b' ' | b'-')) {
            j += 1;
        }
        let serial_start = j;
        while j < text.len() && serial_char(text[j]) {
            j += 1;
        }
        let serial = &text[serial_start..j];
        let digits = serial.iter().filter(|b| b.is_ascii_digit()).count();
        let nev = serial.len() == 6
            && ((NEV_CLASS.contains(&serial[0]) && serial[2..].iter().all(u8::is_ascii_digit))
                || (serial[..5].iter().all(u8::is_ascii_digit) && NEV_CLASS.contains(&serial[5])));
        let suffix = std::str::from_utf8(text.get(j..j + 3).unwrap_or(&[])).ok().filter(|s| SUFFIXES.contains(*s));
        let ordinary = serial.len() == 5 && digits >= 2;
        // Learner, police, trailer, HK/Macau, consulate, test and oversize plates: 4 + suffix.
        let suffixed = serial.len() == 4 && digits >= 2 && suffix.is_some();
        let glued = !suffixed && text.get(j).is_some_and(|b| b.is_ascii_alphanumeric());
        if (ordinary || nev || suffixed) && !glued {
            let mut value = format!("{province}{}{}", letter as char, String::from_utf8_lossy(serial));
            let mut end = j;
            if let (false, Some(suffix)) = (nev, suffix) {
                end += 3;
                value.push_str(suffix);
            }
            out.push((i - 3, end, value));
            covered = end;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plates(text: &str) -> Vec<String> {
        let mut out = Vec::new();
        find(text.as_bytes(), &crate::matcher::non_ascii_runs(text.as_bytes()), &mut out);
        out.into_iter().map(|(_, _, v)| v).collect()
    }

    #[test]
    fn plate_shapes() {
        assert_eq!(plates("车牌京A12345，"), ["京A12345"]);
        assert_eq!(plates("粤B·D12345 and 沪A12345D"), ["粤BD12345", "沪A12345D"]);
        assert_eq!(plates("冀O12345 教练车粤A1234学"), ["冀O12345", "粤A1234学"]);
    }

    #[test]
    fn not_plates() {
        assert!(plates("京AB1234567 京A1234 京ABCDEF 京I12345 京A12345x").is_empty());
    }
}
