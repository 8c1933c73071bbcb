//! Validate stage for `passport` and `travel_permit`: shapes from DOMAIN.md §3.3-3.4. None of
//! these numbers carries a visible check digit and `E` + 8 digits collides with product codes,
//! so the caller reports them only with a passport or permit keyword nearby.

use crate::finding::Kind;

fn all_digits(s: &[u8]) -> bool {
    !s.is_empty() && s.iter().all(u8::is_ascii_digit)
}

/// A serial letter: A-Z except I and O.
fn serial_letter(b: u8) -> bool {
    b.is_ascii_uppercase() && b != b'I' && b != b'O'
}

/// The document kind a token's shape belongs to, if any.
pub fn classify(token: &[u8]) -> Option<Kind> {
    match token {
        // Ordinary passports: G/E + 8 digits; E + letter + 7 digits (2017+).
        [b'G' | b'E', rest @ ..] if rest.len() == 8 && all_digits(rest) => Some(Kind::Passport),
        [b'E', l, rest @ ..] if serial_letter(*l) && rest.len() == 7 && all_digits(rest) => Some(Kind::Passport),
        // Diplomatic, service and public-affairs passports; Macau SAR passports.
        [b'D' | b'S' | b'P', b'E', rest @ ..] | [b'M', b'A', rest @ ..] if rest.len() == 7 && all_digits(rest) => {
            Some(Kind::Passport)
        }
        // Older service passports (S + 8), HKSAR passports (K + 8).
        [b'S' | b'K', rest @ ..] if rest.len() == 8 && all_digits(rest) => Some(Kind::Passport),
        // 回乡证: H/M + 8-digit lifetime number, optionally + 2-digit renewal count.
        [b'H' | b'M', rest @ ..] if (rest.len() == 8 || rest.len() == 10) && all_digits(rest) => {
            Some(Kind::TravelPermit)
        }
        // 往来港澳通行证: C + 8 digits, or C + letter + 7 digits; 往来台湾通行证: L + 8 digits;
        // older booklets: W + 8 digits.
        [b'C' | b'L' | b'W', rest @ ..] if rest.len() == 8 && all_digits(rest) => Some(Kind::TravelPermit),
        [b'C', l, rest @ ..] if serial_letter(*l) && rest.len() == 7 && all_digits(rest) => Some(Kind::TravelPermit),
        _ => None,
    }
}

/// Digit-only document numbers: very old passports (14/15 + 7 digits) and the 8-digit
/// 台胞证 lifetime number. Both are hopeless without context.
pub fn classify_digits(digits: &[u8]) -> Option<Kind> {
    match digits {
        [b'1', b'4' | b'5', rest @ ..] if rest.len() == 7 => Some(Kind::Passport),
        _ if digits.len() == 8 => Some(Kind::TravelPermit),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passport_shapes() {
        for p in
            ["G12345678", "E12345678", "EF1260892", "DE1234567", "SE1234567", "PE1234567", "K12345678", "MA1234567"]
        {
            assert_eq!(classify(p.as_bytes()), Some(Kind::Passport), "{p}");
        }
    }

    #[test]
    fn permit_shapes() {
        for p in ["H12345678", "M1234567801", "C12345678", "CA1234567", "L12345678"] {
            assert_eq!(classify(p.as_bytes()), Some(Kind::TravelPermit), "{p}");
        }
    }

    #[test]
    fn non_shapes() {
        for p in ["EI1234567", "E1234567", "E123456789", "e12345678", "X12345678", "EO1234567", "ABC123"] {
            assert_eq!(classify(p.as_bytes()), None, "{p}");
        }
    }
}
