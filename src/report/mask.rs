//! Masking of values for output, in the forms Chinese systems themselves display
//! (`110105********002X`, `138****8000`): enough to recognise a finding, not enough to reuse it.

use crate::finding::{Kind, MaskStyle};

fn keep_ends(value: &str, head: usize, tail: usize) -> String {
    let chars: Vec<char> = value.chars().collect();
    if chars.len() <= head + tail {
        return "*".repeat(chars.len());
    }
    let mut s: String = chars[..head].iter().collect();
    s.extend(std::iter::repeat_n('*', chars.len() - head - tail));
    s.extend(&chars[chars.len() - tail..]);
    s
}

/// The masked form of a normalised value, in its kind's [`MaskStyle`].
pub fn mask(kind: Kind, value: &str, public_prefix_chars: usize) -> String {
    match kind.info().mask {
        MaskStyle::KeepEnds { head, tail } => keep_ends(value, head, tail),
        MaskStyle::IdNumber if value.len() == 18 => keep_ends(value, 6, 4),
        MaskStyle::IdNumber => keep_ends(value, 6, 3),
        MaskStyle::Ip => match value.rsplit_once('.') {
            Some((_, last)) => format!("*.*.*.{last}"),
            None => keep_ends(value, 0, 0),
        },
        MaskStyle::Geo => value
            .split(',')
            .map(|part| match part.split_once('.') {
                Some((int, frac)) => {
                    format!("{int}.{}{}", &frac[..frac.len().min(1)], "*".repeat(frac.len().saturating_sub(1)))
                }
                None => part.to_string(),
            })
            .collect::<Vec<_>>()
            .join(","),
        MaskStyle::Email => match value.split_once('@') {
            Some((local, domain)) => format!("{}***@{domain}", local.chars().next().unwrap_or('*')),
            None => keep_ends(value, 1, 0),
        },
        MaskStyle::Address => keep_ends(value, public_prefix_chars, 0),
        MaskStyle::AsFound => value.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks() {
        assert_eq!(mask(Kind::IdCard, "11010519491231002X", 0), "110105********002X");
        assert_eq!(mask(Kind::Mobile, "13800138000", 0), "138****8000");
        assert_eq!(mask(Kind::BankCard, "6222020000000001230", 0), "622202*********1230");
        assert_eq!(mask(Kind::Email, "zhangsan@qq.com", 0), "z***@qq.com");
        assert_eq!(mask(Kind::Address, "北京市朝阳区建国路88号", 6), "北京市朝阳区******");
        assert_eq!(mask(Kind::Passport, "E12345678", 0), "E1*****78");
        assert_eq!(mask(Kind::IdCard, "110105491231002", 0), "110105******002");
        assert_eq!(mask(Kind::Mobile, "13800138000", 0), "138****8000");
        assert_eq!(mask(Kind::Name, "欧阳娜娜", 0), "欧***");
        assert_eq!(mask(Kind::Ip, "203.0.113.7", 0), "*.*.*.7");
        assert_eq!(mask(Kind::Geo, "39.9087,116.3975", 0), "39.9***,116.3***");
        assert_eq!(mask(Kind::MobileMasked, "138****8000", 0), "138****8000");
        assert_eq!(mask(Kind::Custom("employee_id"), "EMP-001234", 0), "EM******34");
    }
}
