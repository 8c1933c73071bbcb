//! Check characters, written from their standards and independent of piiscan's validators.

/// The GB 11643-1999 check character of the first 17 digits of a resident ID: weights
/// 2^(17-i) mod 11, ISO 7064 MOD 11-2, 10 written `X`.
pub fn id_check_char(body17: &str) -> char {
    let sum: u32 = body17.bytes().take(17).enumerate().map(|(i, b)| u32::from(b - b'0') * (1 << (17 - i)) % 11).sum();
    match (12 - sum % 11) % 11 {
        10 => 'X',
        d => char::from(b'0' + d as u8),
    }
}

/// The Luhn digit that completes `body` (the digits before it).
pub fn luhn_check_digit(body: &str) -> char {
    // Doubling starts from the digit next to the check digit, that is from the right of `body`.
    let sum: u32 = body
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, b)| {
            let d = u32::from(b - b'0');
            if i % 2 == 0 {
                let x = d * 2;
                if x > 9 {
                    x - 9
                } else {
                    x
                }
            } else {
                d
            }
        })
        .sum();
    char::from(b'0' + ((10 - sum % 10) % 10) as u8)
}

/// The code characters of GB 32100-2015 (no I, O, S, V, Z).
const USCC_CHARS: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";

/// The GB 32100-2015 check character of a credit code's first 17 characters: weights 3^i mod
/// 31, check value 31 - sum mod 31.
pub fn gb32100_check(body17: &str) -> char {
    let mut weight = 1u32;
    let mut sum = 0u32;
    for b in body17.bytes().take(17) {
        let v = USCC_CHARS.iter().position(|&c| c == b).expect("a GB 32100 character") as u32;
        sum += v * weight;
        weight = weight * 3 % 31;
    }
    char::from(USCC_CHARS[((31 - sum % 31) % 31) as usize])
}

/// The GB 11714-1997 check character of an organisation code's first 8 characters (digits, and
/// letters counting A = 10): weights 3 7 9 10 5 8 4 2, check 11 - sum mod 11, 10 written `X`
/// and 11 written `0`.
pub fn gb11714_check(body8: &str) -> char {
    const WEIGHTS: [u32; 8] = [3, 7, 9, 10, 5, 8, 4, 2];
    let sum: u32 = body8.chars().zip(WEIGHTS).map(|(c, w)| c.to_digit(36).expect("alphanumeric") * w).sum();
    match 11 - sum % 11 {
        10 => 'X',
        11 => '0',
        d => char::from_digit(d, 10).expect("a digit"),
    }
}

/// The check character of a Hong Kong identity card number (`A123456`, `AB123456`): a single
/// letter is preceded by a space worth 36; letters count A = 10; weights 9 down to 2; check
/// 11 - sum mod 11, 10 written `A` and 11 written `0`.
pub fn hk_id_check(body: &str) -> char {
    let mut values: Vec<u32> = body.chars().map(|c| c.to_digit(36).expect("alphanumeric")).collect();
    if values.len() == 7 {
        values.insert(0, 36);
    }
    let sum: u32 = values.iter().zip((2..=9).rev()).map(|(v, w)| v * w).sum();
    match 11 - sum % 11 {
        10 => 'A',
        11 => '0',
        d => char::from_digit(d, 10).expect("a digit"),
    }
}

/// The check digit of a Taiwan national ID (`A12345678` + check): the letter stands for a
/// two-digit number (A = 10 ... in the order of the household registration offices), weighted
/// 1 and 9; then weights 8 down to 1; the total with the check digit is a multiple of 10.
pub fn tw_id_check(body: &str) -> char {
    let letter = body.as_bytes()[0];
    let code = tw_letter_code(letter);
    let mut sum = code / 10 + code % 10 * 9;
    for (b, w) in body.bytes().skip(1).zip((1..=8).rev()) {
        sum += u32::from(b - b'0') * w;
    }
    char::from(b'0' + ((10 - sum % 10) % 10) as u8)
}

/// The two-digit number of a Taiwan ID's leading letter: A-H are 10-17, then J-N 18-22, P-V
/// 23-29, X-Y 30-31, and the letters added later: W 32, Z 33, I 34, O 35.
fn tw_letter_code(letter: u8) -> u32 {
    const ORDER: &[u8; 26] = b"ABCDEFGHJKLMNPQRSTUVXYWZIO";
    10 + ORDER.iter().position(|&c| c == letter).expect("an upper-case letter") as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn published_examples_check() {
        // GB 11643 appendix example and DOMAIN.md vectors.
        assert_eq!(id_check_char("11010519491231002"), 'X');
        assert_eq!(id_check_char("44030519850612341"), '9');
        assert_eq!(luhn_check_digit("7992739871"), '3');
        assert_eq!(luhn_check_digit("622202000000000123"), '0');
        // A company's code (DOMAIN.md) and its embedded organisation code.
        assert_eq!(gb32100_check("91110000600037341"), 'L');
        assert_eq!(gb11714_check("60003734"), '1');
        // The Hong Kong Immigration Department's examples.
        assert_eq!(hk_id_check("A123456"), '3');
        assert_eq!(hk_id_check("G123456"), 'A');
        // The Ministry of the Interior's example.
        assert_eq!(tw_id_check("A12345678"), '9');
    }
}
