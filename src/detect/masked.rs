//! Validate stage for masked values (`138****8000`, `110105********002X`). They are not leaks
//! (Art. 3 ¶2 of the interpretation, PIPL Art. 73) and are reported only on request, as
//! `mobile_masked` / `id_card_masked`; recognising them also keeps their digit fragments from
//! being read as something else.

use crate::finding::Kind;

fn is_mask(b: u8) -> bool {
    matches!(b, b'*' | b'x' | b'X')
}

/// The masked kind of a token, if its shape is a masked mobile or ID number.
pub fn classify(token: &[u8]) -> Option<Kind> {
    let masks = token.iter().filter(|&&b| is_mask(b)).count();
    let digits = token.iter().filter(|b| b.is_ascii_digit()).count();
    if masks == 0 || masks + digits != token.len() {
        return None;
    }
    match token.len() {
        11 if token[0] == b'1'
            && token[1].is_ascii_digit()
            && (b'3'..=b'9').contains(&token[1])
            && masks >= 3
            && digits >= 4
            && contiguous_masks(token) =>
        {
            Some(Kind::MobileMasked)
        }
        18 if token[..2].iter().all(u8::is_ascii_digit) && masks >= 4 && digits >= 6 => {
            // A trailing X is a check character, not a mask, when the rest is masked with '*'.
            Some(Kind::IdCardMasked)
        }
        _ => None,
    }
}

fn contiguous_masks(token: &[u8]) -> bool {
    let first = token.iter().position(|&b| is_mask(b));
    let last = token.iter().rposition(|&b| is_mask(b));
    match (first, last) {
        (Some(f), Some(l)) => token[f..=l].iter().all(|&b| is_mask(b)),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masked_shapes() {
        assert_eq!(classify(b"138****8000"), Some(Kind::MobileMasked));
        assert_eq!(classify(b"138xxxx8000"), Some(Kind::MobileMasked));
        assert_eq!(classify(b"110105********002X"), Some(Kind::IdCardMasked));
        assert_eq!(classify(b"1101**1949****002X"), Some(Kind::IdCardMasked));
    }

    #[test]
    fn not_masked() {
        assert_eq!(classify(b"13800138000"), None);
        assert_eq!(classify(b"2*13800138000"), None);
        assert_eq!(classify(b"a*b"), None);
        assert_eq!(classify(b"***********"), None);
    }
}
