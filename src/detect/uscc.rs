//! Validate stage for unified social credit codes (GB 32100-2015). They are recognised so that
//! an 18-character code is never taken for an ID number; only `92` codes (sole proprietors,
//! natural persons) are reported, as `uscc_individual`.

use crate::context::Context;
use std::sync::LazyLock;

/// Words that name a credit-code field (a key, a column, or a label shortly before the value),
/// lower-cased. An 18-digit run that is a valid card and also passes the GB 32100 check is a
/// card unless one of these says otherwise.
const CONTEXT_WORDS: &[&str] = &[
    "统一社会信用代码",
    "社会信用代码",
    "信用代码",
    "营业执照",
    "执照号",
    "纳税人识别号",
    "税号",
    "注册号",
    "uscc",
    "credit_code",
    "creditcode",
    "credit code",
    "social_credit",
    "tax_id",
    "taxid",
    "tax_no",
];

/// Whether the context of the run at `start..end` says it is a credit code.
pub fn context_says_credit_code(ctx: &Context, start: usize, end: usize) -> bool {
    static WORDS: LazyLock<Vec<String>> = LazyLock::new(|| CONTEXT_WORDS.iter().map(|w| w.to_string()).collect());
    ctx.has_any(&WORDS, start, end)
}

const ALPHABET: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
const WEIGHTS: [u32; 17] = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];
const ORG_WEIGHTS: [u32; 8] = [3, 7, 9, 10, 5, 8, 4, 2];

fn index(c: u8) -> Option<u32> {
    ALPHABET.iter().position(|&a| a == c).map(|p| p as u32)
}

/// Whether `s` (18 upper-case characters) passes the GB 32100 check character. Recognising a
/// code is enough to keep it from being read as something else, so this is deliberately the
/// weaker test: the embedded GB 11714 organisation code is not checked here.
pub fn is_valid(s: &[u8]) -> bool {
    if s.len() != 18 {
        return false;
    }
    let mut sum = 0;
    for (&c, w) in s[..17].iter().zip(WEIGHTS) {
        let Some(v) = index(c) else { return false };
        sum += v * w;
    }
    let expected = ALPHABET[((31 - sum % 31) % 31) as usize];
    s[17] == expected
}

fn organisation_code_valid(code: &[u8]) -> bool {
    let mut sum = 0;
    for (&c, w) in code[..8].iter().zip(ORG_WEIGHTS) {
        let v = match c {
            b'0'..=b'9' => u32::from(c - b'0'),
            b'A'..=b'Z' => u32::from(c - b'A') + 10,
            _ => return false,
        };
        sum += v * w;
    }
    let expected = match 11 - sum % 11 {
        10 => b'X',
        11 => b'0',
        n => b'0' + n as u8,
    };
    code[8] == expected
}

/// A code issued to an individually owned business (个体工商户). Reporting one claims a person
/// was found, so both check characters must hold: GB 32100 and the embedded GB 11714
/// organisation code (every real vector passes both).
pub fn is_individual(s: &[u8]) -> bool {
    s.starts_with(b"92") && is_valid(s) && organisation_code_valid(&s[8..17])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vectors() {
        for v in [
            "91110000600037341L",
            "121200004013590816",
            "91310115MA1K3BTP2B",
            "9144030071526726XG",
            "91620105L015101280",
            "92340602MA2PBQAH7E",
            "91350100M000100Y43",
            "N2110105MA0000001H",
            "Y1110105MA0000002F",
            "51110000500000001E",
        ] {
            assert!(is_valid(v.as_bytes()), "{v}");
        }
        for v in ["91110000600037341N", "A1110000600037341L", "9111000060003IOZSV", "12345"] {
            assert!(!is_valid(v.as_bytes()), "{v}");
        }
        assert!(is_individual(b"92340602MA2PBQAH7E"));
        assert!(!is_individual(b"91110000600037341L"));
        assert!(organisation_code_valid(b"MA2PBQAH7"));
        assert!(!organisation_code_valid(b"MA0000001"));
    }
}
