//! Match and validate stage for user-defined rules (`--patterns FILE`): a regular expression
//! over bytes, the same boundary rule as the built-in detectors (a match glued to an ASCII
//! letter or digit is not a match), and optional context keywords.

use crate::context::Context;
use crate::finding::{Category, Confidence, Detection, Kind, Tier};
use regex::bytes::Regex;

/// One compiled user rule.
#[derive(Debug, Clone)]
pub struct CustomRule {
    /// The kind reported (the rule's `kind` name).
    pub kind: Kind,
    /// The pattern; a group named `value` selects the reported part of the match.
    pub regex: Regex,
    /// Lower-cased keywords, one of which must label the match or stand near it; empty for none.
    pub keywords: Vec<String>,
    /// Reported category.
    pub category: Category,
    /// Reported tier.
    pub tier: Tier,
}

fn glued(text: &[u8], start: usize, end: usize) -> bool {
    let before = start > 0 && text[start - 1].is_ascii_alphanumeric() && text[start].is_ascii_alphanumeric();
    let after = end < text.len() && text[end].is_ascii_alphanumeric() && text[end - 1].is_ascii_alphanumeric();
    before || after
}

impl CustomRule {
    /// Appends this rule's matches in `text`.
    pub fn find(&self, text: &[u8], ctx: &Context, out: &mut Vec<Detection>) {
        for caps in self.regex.captures_iter(text) {
            let Some(m) = caps.name("value").or_else(|| caps.get(0)) else { continue };
            let (start, end) = (m.start(), m.end());
            if start == end || glued(text, start, end) {
                continue;
            }
            if !self.keywords.is_empty() && !ctx.has_any(&self.keywords, start, end) {
                continue;
            }
            out.push(Detection {
                kind: self.kind,
                start,
                end,
                value: String::from_utf8_lossy(m.as_bytes()).into_owned(),
                confidence: Confidence::Medium,
                public_prefix_chars: 0,
                fixed_class: Some((self.category, self.tier)),
            });
        }
    }
}
