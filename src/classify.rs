//! Classify stage: a detection's kind, together with what else its record holds, gives its
//! legal category and its Art. 5 tier (DOMAIN.md "Project defaults").
//!
//! Until record grouping lands, a record is a line.

use crate::finding::{Category, Detection, Kind, Tier};
use memchr::memchr_iter;
use std::collections::HashSet;

/// How ID numbers and home addresses are tiered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TierPolicy {
    /// By the text of the interpretation: tier C.
    #[default]
    Textual,
    /// As some courts do: tier B.
    Strict,
}

/// The information category of a kind, independent of context.
pub fn category(kind: Kind) -> Category {
    match kind {
        Kind::IdCard | Kind::IdCardMasked | Kind::Passport | Kind::TravelPermit | Kind::UsccIndividual => {
            Category::Identity
        }
        Kind::Mobile | Kind::MobileMasked | Kind::Email => Category::Contact,
        Kind::BankCard => Category::Property,
        Kind::Address => Category::Address,
        // User kinds carry their own class on each detection; this is only a fallback.
        Kind::Custom(_) => Category::Identity,
    }
}

/// Kinds that identify the holder of a card found in the same record.
fn identifies_holder(kind: Kind) -> bool {
    matches!(kind, Kind::IdCard | Kind::Mobile | Kind::Email | Kind::Passport | Kind::TravelPermit)
}

/// Category and tier for each detection (same order), given the text they were found in.
/// `detections` must be sorted by start offset.
pub fn classify(text: &[u8], detections: &[Detection], policy: TierPolicy) -> Vec<(Category, Tier)> {
    let lines = line_numbers(text, detections);
    let holder_lines: HashSet<u64> =
        detections.iter().zip(&lines).filter(|(d, _)| identifies_holder(d.kind)).map(|(_, &l)| l).collect();
    detections
        .iter()
        .zip(&lines)
        .map(|(d, line)| {
            if let Some(class) = d.fixed_class {
                return class;
            }
            let tier = match d.kind {
                Kind::BankCard if holder_lines.contains(line) => Tier::A,
                Kind::IdCard | Kind::Address if policy == TierPolicy::Strict => Tier::B,
                _ => Tier::C,
            };
            (category(d.kind), tier)
        })
        .collect()
}

/// 1-based line number of each detection's start.
fn line_numbers(text: &[u8], detections: &[Detection]) -> Vec<u64> {
    let mut out = Vec::with_capacity(detections.len());
    let (mut line, mut pos) = (1u64, 0usize);
    for d in detections {
        let upto = d.start.max(pos);
        line += memchr_iter(b'\n', &text[pos..upto]).count() as u64;
        pos = upto;
        out.push(line);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::Confidence;

    fn det(kind: Kind, start: usize) -> Detection {
        Detection {
            kind,
            start,
            end: start + 1,
            value: String::new(),
            confidence: Confidence::High,
            public_prefix_chars: 0,
            fixed_class: None,
        }
    }

    #[test]
    fn card_with_holder_is_property_tier_a() {
        let text = b"card a\ncard b phone\n";
        let d = [det(Kind::BankCard, 0), det(Kind::BankCard, 7), det(Kind::Mobile, 14)];
        let c = classify(text, &d, TierPolicy::Textual);
        assert_eq!(c[0], (Category::Property, Tier::C));
        assert_eq!(c[1], (Category::Property, Tier::A));
        assert_eq!(c[2], (Category::Contact, Tier::C));
    }

    #[test]
    fn strict_policy_moves_ids_and_addresses_to_b() {
        let d = [det(Kind::IdCard, 0), det(Kind::Address, 2), det(Kind::Mobile, 4)];
        let c = classify(b"abcdef", &d, TierPolicy::Strict);
        assert_eq!(c.iter().map(|x| x.1).collect::<Vec<_>>(), [Tier::B, Tier::B, Tier::C]);
    }
}
