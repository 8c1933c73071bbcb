//! Validate stage for `id_card`: GB 11643 resident ID numbers (18 characters, MOD 11-2 check),
//! HK/Macau/Taiwan residence permits (810000/820000/830000), the 2023 foreigners' permanent
//! residence card (leading 9) and the old 15-digit form.

use crate::reference::regions;
use std::time::{SystemTime, UNIX_EPOCH};

/// Which document an 18-character number belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdClass {
    /// A citizen's resident ID number.
    Resident,
    /// A HK, Macau or Taiwan resident's residence-permit number.
    ResidencePermit,
    /// A 2023-edition foreigner's permanent residence ID card.
    ForeignPermanentResident,
}

/// Why a candidate is not an ID number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdReject {
    /// Wrong length or a non-digit where a digit belongs.
    Format,
    /// The MOD 11-2 check character does not match.
    Checksum,
    /// Not a real date between 1880-01-01 and today.
    BirthDate,
    /// The region code never denoted a county or prefecture.
    Region,
}

const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK_CHARS: &[u8; 11] = b"10X98765432";

/// The MOD 11-2 check character for 17 ASCII digits.
pub fn check_char(body: &[u8]) -> u8 {
    let sum: u32 = body.iter().zip(WEIGHTS).map(|(&d, w)| u32::from(d - b'0') * w).sum();
    CHECK_CHARS[(sum % 11) as usize]
}

fn digits_value(s: &[u8]) -> u32 {
    s.iter().fold(0, |acc, &d| acc * 10 + u32::from(d - b'0'))
}

/// Validates an 18-character ID number (upper- or lower-case check character).
pub fn validate18(s: &[u8]) -> Result<IdClass, IdReject> {
    if s.len() != 18 || !s[..17].iter().all(u8::is_ascii_digit) {
        return Err(IdReject::Format);
    }
    let last = s[17].to_ascii_uppercase();
    if !(last.is_ascii_digit() || last == b'X') {
        return Err(IdReject::Format);
    }
    if check_char(&s[..17]) != last {
        return Err(IdReject::Checksum);
    }
    let birth = &s[6..14];
    if !is_plausible_birth_date(digits_value(&birth[..4]), digits_value(&birth[4..6]), digits_value(&birth[6..8])) {
        return Err(IdReject::BirthDate);
    }
    if s[0] == b'9' {
        // 9 + province of acceptance + 3-digit nationality code + birth date + sequence.
        let province = digits_value(&s[1..3]) as u8;
        if !regions().is_province(province) || (81..=83).contains(&province) {
            return Err(IdReject::Region);
        }
        return Ok(IdClass::ForeignPermanentResident);
    }
    let region = digits_value(&s[..6]);
    if !regions().is_person_code(region) {
        return Err(IdReject::Region);
    }
    if matches!(region, 810000 | 820000 | 830000) {
        Ok(IdClass::ResidencePermit)
    } else {
        Ok(IdClass::Resident)
    }
}

/// Validates an old 15-digit ID number (YYMMDD, century 19, no check digit).
pub fn validate15(s: &[u8]) -> Result<(), IdReject> {
    if s.len() != 15 || !s.iter().all(u8::is_ascii_digit) {
        return Err(IdReject::Format);
    }
    let year = 1900 + digits_value(&s[6..8]);
    if !is_plausible_birth_date(year, digits_value(&s[8..10]), digits_value(&s[10..12])) {
        return Err(IdReject::BirthDate);
    }
    if !regions().is_person_code(digits_value(&s[..6])) {
        return Err(IdReject::Region);
    }
    Ok(())
}

/// The 18-character form of a 15-digit number (insert 19, compute the check character).
pub fn upgrade15(s: &[u8]) -> String {
    let mut body = Vec::with_capacity(18);
    body.extend_from_slice(&s[..6]);
    body.extend_from_slice(b"19");
    body.extend_from_slice(&s[6..15]);
    let check = check_char(&body);
    body.push(check);
    String::from_utf8_lossy(&body).into_owned()
}

fn is_leap(year: u32) -> bool {
    (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400)
}

/// A real calendar date from 1880-01-01 up to today.
pub fn is_plausible_birth_date(year: u32, month: u32, day: u32) -> bool {
    if !(1..=12).contains(&month) || day == 0 {
        return false;
    }
    let days_in_month = match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    };
    if day > days_in_month || year < 1880 {
        return false;
    }
    (year, month, day) <= today()
}

/// Today's civil date (UTC), from the system clock, read once per process: every ID number
/// validated asks, and a clock read each time was measurable on dumps of millions of IDs.
pub fn today() -> (u32, u32, u32) {
    static TODAY: std::sync::OnceLock<(u32, u32, u32)> = std::sync::OnceLock::new();
    *TODAY.get_or_init(|| {
        let secs = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
        civil_from_days((secs / 86_400) as i64)
    })
}

/// Days since 1970-01-01 to (year, month, day); Howard Hinnant's algorithm.
fn civil_from_days(days: i64) -> (u32, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = (yoe + era * 400 + i64::from(month <= 2)) as u32;
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_standard_examples_and_retired_codes() {
        assert_eq!(validate18(b"11010519491231002X"), Ok(IdClass::Resident));
        assert_eq!(validate18(b"11010519491231002x"), Ok(IdClass::Resident));
        assert_eq!(validate18(b"440524188001010014"), Ok(IdClass::Resident));
        assert_eq!(validate18(b"110103198001010013"), Ok(IdClass::Resident));
    }

    #[test]
    fn classifies_permits_and_foreigners() {
        assert_eq!(validate18(b"810000199001010019"), Ok(IdClass::ResidencePermit));
        assert_eq!(validate18(b"830000200002290031"), Ok(IdClass::ResidencePermit));
        assert_eq!(validate18(b"911840198001010013"), Ok(IdClass::ForeignPermanentResident));
    }

    #[test]
    fn rejects_each_failure_for_its_reason() {
        assert_eq!(validate18(b"36042619910102009X"), Err(IdReject::Checksum));
        assert!(validate18(b"360426199113010079").is_err());
        assert_eq!(validate18(b"990426199112010074"), Err(IdReject::Region));
        assert_eq!(validate18(b"T60426199101010078"), Err(IdReject::Format));
        assert_eq!(validate18(b"110100200001010014"), Err(IdReject::Region));
        // A valid check character on an impossible date.
        let mut body = b"11010519490230001".to_vec();
        body.push(check_char(&body));
        assert_eq!(validate18(&body), Err(IdReject::BirthDate));
        let mut future = b"11010530000101001".to_vec();
        future.push(check_char(&future));
        assert_eq!(validate18(&future), Err(IdReject::BirthDate));
    }

    #[test]
    fn fifteen_digit_form_upgrades() {
        assert_eq!(validate15(b"110105491231002"), Ok(()));
        assert_eq!(upgrade15(b"110105491231002"), "11010519491231002X");
        assert_eq!(upgrade15(b"440524800101001"), "440524198001010013");
        assert_eq!(validate15(b"110105491331002"), Err(IdReject::BirthDate));
    }

    #[test]
    fn civil_dates() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(11_016), (2000, 2, 29));
        assert!(is_plausible_birth_date(2000, 2, 29));
        assert!(!is_plausible_birth_date(1900, 2, 29));
        assert!(!is_plausible_birth_date(1879, 12, 31));
    }

    /// IDs made from a seed with their check character computed here (ISO 7064 MOD 11-2),
    /// every fourth ending in X.
    fn generated_ids() -> Vec<String> {
        const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
        let mut state = 110105u64;
        let mut ids = Vec::new();
        while ids.len() < 24 {
            state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            let r = state >> 20;
            let body = format!(
                "{}{}{:02}{:02}{:03}",
                ["110105", "440305", "310115", "510107"][ids.len() % 4],
                1950 + r % 60,
                1 + (r >> 8) % 12,
                1 + (r >> 12) % 28,
                (r >> 20) % 1000
            );
            let sum: u32 = body.bytes().zip(WEIGHTS).map(|(b, w)| u32::from(b - b'0') * w).sum();
            let check = b"10X98765432"[(sum % 11) as usize] as char;
            // Enough of both kinds: keep every X, and three others in four.
            if check == 'X' || ids.len() % 4 != 3 {
                ids.push(format!("{body}{check}"));
            }
        }
        ids
    }

    /// `id` typed on a full-width keyboard, the check character as `x` (`Ｘ` or `ｘ`).
    fn full_width(id: &str, x: char) -> String {
        id.chars()
            .map(|c| if c == 'X' { x } else { char::from_u32(0xFF10 + c.to_digit(10).unwrap()).unwrap() })
            .collect()
    }

    #[test]
    fn full_width_ids_with_their_check_character() {
        let detector = crate::detect::Detector::new(crate::detect::DetectOptions::default());
        let ids = generated_ids();
        assert!(ids.iter().filter(|id| id.ends_with('X')).count() >= 4);
        for id in ids {
            for x in ['Ｘ', 'ｘ'] {
                let written = full_width(&id, x);
                let text = format!("身份证号：{written}，电话见后");
                let found = detector.detect(text.as_bytes());
                assert_eq!(found.len(), 1, "{text}: {found:?}");
                assert_eq!((found[0].kind, found[0].value.to_string()), (crate::finding::Kind::IdCard, id.clone()));
                assert_eq!(&text[found[0].start..found[0].end], written);
            }
            // A wrong check character is no ID, in either width.
            if let Some(body) = id.strip_suffix('X') {
                let text = format!("身份证号：{}", full_width(&format!("{body}0"), 'Ｘ'));
                assert!(detector.detect(text.as_bytes()).is_empty(), "{text}");
            }
        }
    }
}
