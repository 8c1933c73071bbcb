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

    #[test]
    fn landlines() {
        assert_eq!(split("01062751234"), Some(("010", "62751234")));
        assert_eq!(split("075586013388"), Some(("0755", "86013388")));
        assert_eq!(split("02112345678"), None, "subscriber numbers do not start with 1");
        assert!(is_landline("0755", "86013388"));
        assert!(!is_landline("0400", "8208820"));
        assert!(!is_landline("010", "1234567"));
    }
}
