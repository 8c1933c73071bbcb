//! Validate stage for the Taiwan national identity card number (`tw_id_card`): a letter for
//! the place of first household registration, a sex digit (1 or 2; 8 or 9 on the uniform ID of
//! resident certificates issued since 2021) and eight digits, the last a check digit. The
//! letter counts as a two-digit number (A = 10 .. H = 17, J = 18 .. N = 22, P = 23 .. V = 29,
//! X = 30, Y = 31, W = 32, Z = 33, I = 34, O = 35) whose digits are weighted 1 and 9, the other
//! digits 8 down to 1 and the check digit 1: the sum is a multiple of 10.

/// The two-digit number of a leading letter.
fn letter_number(letter: u8) -> Option<u32> {
    let n = match letter {
        b'A'..=b'H' => letter - b'A' + 10,
        b'J'..=b'N' => letter - b'J' + 18,
        b'P'..=b'V' => letter - b'P' + 23,
        b'X' => 30,
        b'Y' => 31,
        b'W' => 32,
        b'Z' => 33,
        b'I' => 34,
        b'O' => 35,
        _ => return None,
    };
    Some(u32::from(n))
}

/// Whether `id` (ten characters, upper-case letter first) is a valid Taiwan ID number.
pub fn is_valid(id: &[u8]) -> bool {
    let [letter, sex, rest @ ..] = id else { return false };
    if rest.len() != 8 || !matches!(sex, b'1' | b'2' | b'8' | b'9') || !id[1..].iter().all(u8::is_ascii_digit) {
        return false;
    }
    let Some(n) = letter_number(*letter) else { return false };
    let mut sum = n / 10 + (n % 10) * 9;
    for (i, &d) in id[1..].iter().enumerate() {
        let weight = if i == 8 { 1 } else { 8 - i as u32 };
        sum += u32::from(d - b'0') * weight;
    }
    sum.is_multiple_of(10)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The valid number with these first nine characters, found by trying every check digit.
    fn complete(body: &str) -> String {
        (0..10).map(|d| format!("{body}{d}")).find(|id| is_valid(id.as_bytes())).expect("one digit completes it")
    }

    #[test]
    fn published_example() {
        // The Ministry of the Interior's example.
        assert!(is_valid(b"A123456789"));
        assert!(!is_valid(b"A123456788"));
        assert!(!is_valid(b"A323456789"), "sex digit 3");
        assert!(!is_valid(b"a123456789"));
        assert!(!is_valid(b"A12345678"));
    }

    #[test]
    fn exactly_one_check_digit_per_body() {
        for letter in b'A'..=b'Z' {
            for sex in [b'1', b'2', b'8', b'9'] {
                for serial in [0u32, 1234567, 9876543, 5555555] {
                    let body = format!("{}{}{serial:07}", char::from(letter), char::from(sex));
                    let valid = (0..10).filter(|d| is_valid(format!("{body}{d}").as_bytes())).count();
                    assert_eq!(valid, 1, "{body}");
                    // Changing any one digit of a valid number breaks it.
                    let id = complete(&body).into_bytes();
                    for i in 1..10 {
                        let mut wrong = id.clone();
                        wrong[i] = if wrong[i] == b'9' { b'8' } else { wrong[i] + 1 };
                        if i == 1 && !matches!(wrong[1], b'1' | b'2' | b'8' | b'9') {
                            continue;
                        }
                        assert!(!is_valid(&wrong), "{}", String::from_utf8_lossy(&wrong));
                    }
                }
            }
        }
    }
}
