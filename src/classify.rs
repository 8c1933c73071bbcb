//! Classify stage: a detection's kind, together with what else its record holds, gives its
//! legal category and its Art. 5 tier (DOMAIN.md "Project defaults").
//!
//! The record (see [`crate::record`]) is the unit of context: a card is property information
//! when the same CSV row, JSON object, SQL tuple or log line also identifies its holder.

use crate::finding::{Category, Detection, Kind, Tier};
use crate::record::{RecordSpan, Records};
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
    if detections.is_empty() {
        return Vec::new();
    }
    let records = Records::build(text);
    let spans: Vec<RecordSpan> = detections.iter().map(|d| records.record_of(d.start)).collect();
    let holder_records: HashSet<RecordSpan> =
        detections.iter().zip(&spans).filter(|(d, _)| identifies_holder(d.kind)).map(|(_, &s)| s).collect();
    detections
        .iter()
        .zip(&spans)
        .map(|(d, span)| {
            if let Some(class) = d.fixed_class {
                return class;
            }
            let tier = match d.kind {
                Kind::BankCard if holder_records.contains(span) => Tier::A,
                Kind::IdCard | Kind::Address if policy == TierPolicy::Strict => Tier::B,
                _ => Tier::C,
            };
            (category(d.kind), tier)
        })
        .collect()
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
    fn holder_in_the_same_csv_row_across_a_quoted_newline() {
        let text = "card,note,phone\n6222020000000001230,\"two\nlines\",13800138000\n6222020000000001230,x,\n";
        let d = [det(Kind::BankCard, 16), det(Kind::Mobile, 48), det(Kind::BankCard, 60)];
        let c = classify(text.as_bytes(), &d, TierPolicy::Textual);
        assert_eq!(c.iter().map(|x| x.1).collect::<Vec<_>>(), [Tier::A, Tier::C, Tier::C]);
    }

    #[test]
    fn strict_policy_moves_ids_and_addresses_to_b() {
        let d = [det(Kind::IdCard, 0), det(Kind::Address, 2), det(Kind::Mobile, 4)];
        let c = classify(b"abcdef", &d, TierPolicy::Strict);
        assert_eq!(c.iter().map(|x| x.1).collect::<Vec<_>>(), [Tier::B, Tier::B, Tier::C]);
    }
}
