//! Masking of values for output, in the forms Chinese systems themselves display
//! (`110105********002X`, `138****8000`): enough to recognise a finding, not enough to reuse it.

use crate::finding::Kind;

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

/// The masked form of a normalised value.
pub fn mask(kind: Kind, value: &str, public_prefix_chars: usize) -> String {
    match kind {
        Kind::IdCard if value.len() == 18 => keep_ends(value, 6, 4),
        Kind::IdCard => keep_ends(value, 6, 3),
        Kind::Mobile => keep_ends(value, 3, 4),
        Kind::BankCard => keep_ends(value, 6, 4),
        Kind::Passport | Kind::TravelPermit | Kind::Custom(_) => keep_ends(value, 2, 2),
        Kind::Landline => keep_ends(value, 4, 2),
        Kind::Imei => keep_ends(value, 8, 2),
        // The surname alone does not identify anyone.
        Kind::Name => keep_ends(value, 1, 0),
        Kind::Plate => keep_ends(value, 2, 1),
        Kind::Ip => match value.rsplit_once('.') {
            Some((_, last)) => format!("*.*.*.{last}"),
            None => keep_ends(value, 0, 0),
        },
        // Coordinates to one decimal (about 11 km) say where, not who.
        Kind::Geo => value
            .split(',')
            .map(|part| match part.split_once('.') {
                Some((int, frac)) => {
                    format!("{int}.{}{}", &frac[..frac.len().min(1)], "*".repeat(frac.len().saturating_sub(1)))
                }
                None => part.to_string(),
            })
            .collect::<Vec<_>>()
            .join(","),
        Kind::UsccIndividual => keep_ends(value, 8, 2),
        Kind::Email => match value.split_once('@') {
            Some((local, domain)) => format!("{}***@{domain}", local.chars().next().unwrap_or('*')),
            None => keep_ends(value, 1, 0),
        },
        Kind::Address => keep_ends(value, public_prefix_chars, 0),
        // Already masked at the source.
        Kind::MobileMasked | Kind::IdCardMasked => value.to_string(),
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
    }
}
