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

#[cfg(test)]
mod tests {
    use super::*;

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
}
