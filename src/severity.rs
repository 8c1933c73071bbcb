//! Severity stage: deduplicated item counts -> an estimate of how serious the leak would be under
//! Art. 253-1 of the Criminal Law and Art. 5 of Fa Shi \[2017\] No. 10 (DOMAIN.md §1.7).
//!
//! R = n_A/50 + n_B/500 + n_C/5000 (the proportional combination of Art. 5 ¶1 item 6);
//! serious at R >= 1, especially serious at R >= 10 (¶2 item 3). Insiders (item 8): half the
//! standards, so 0.5 and 5. The comparison is done in whole tier-C units (1 A = 100 C,
//! 1 B = 10 C) so that no rounding can move a verdict.

use crate::aggregate::ItemCounts;
use crate::classify::TierPolicy;
use crate::finding::Tier;
use serde::Serialize;
use std::collections::BTreeMap;

/// The estimated legal characterisation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// Below the quantity standards.
    None,
    /// 情节严重.
    Serious,
    /// 情节特别严重.
    EspeciallySerious,
}

impl Verdict {
    /// The snake_case name used in output and by `--fail-on`.
    pub fn name(self) -> &'static str {
        match self {
            Verdict::None => "none",
            Verdict::Serious => "serious",
            Verdict::EspeciallySerious => "especially_serious",
        }
    }
}

/// Items per tier, as reported.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TierCounts {
    /// Tier A items (standard 50).
    #[serde(rename = "A")]
    pub a: u64,
    /// Tier B items (standard 500).
    #[serde(rename = "B")]
    pub b: u64,
    /// Tier C items (standard 5000).
    #[serde(rename = "C")]
    pub c: u64,
    /// Items per driving category.
    pub by_category: BTreeMap<&'static str, u64>,
}

/// The assessment of one scan (or of merged scans).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Assessment {
    /// Deduplicated items per tier and per category.
    pub counts: TierCounts,
    /// R = n_A/50 + n_B/500 + n_C/5000.
    pub r: f64,
    /// The estimate.
    pub verdict: Verdict,
    /// `textual` or `strict`.
    pub policy: &'static str,
    /// Whether the insider standards (half) were applied.
    pub insider: bool,
    /// Items that were the same as one already counted (Art. 11): the same content again, or
    /// another tier-C record about a person already counted.
    pub duplicates_removed: u64,
    /// Whether counting went past its memory budget and spilled sorted runs to disk (counts
    /// are exact either way).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub spilled: Option<crate::aggregate::SpillInfo>,
    /// What drove the verdict, largest share first.
    pub drivers: Vec<String>,
    /// What the estimate cannot know.
    pub caveats: Vec<&'static str>,
}

/// Tier-C-equivalent units of one item of each tier.
fn units(tier: Tier) -> u64 {
    match tier {
        Tier::A => 100,
        Tier::B => 10,
        Tier::C => 1,
    }
}

const SERIOUS_UNITS: u64 = 5_000;

const CAVEATS: &[&str] = &[
    "an estimate for triage, not legal advice",
    "tier A and B items must be verified one by one; the batch presumption of Art. 11 para. 3 suits tier C only",
    "masked and irreversibly anonymised values are excluded (Art. 3 para. 2)",
    "duplicates are removed only within what was scanned; selling the same data to several buyers counts once per buyer (Art. 11 para. 2)",
    "a buyer of tier C data for lawful business is judged by profit (50,000 yuan, Art. 6), not by count",
    "illegal gains (5,000 yuan, Art. 5 item 7) and the other circumstances of Art. 5 are not assessed",
];

/// Assesses deduplicated counts.
pub fn assess(counts: &ItemCounts, policy: TierPolicy, insider: bool) -> Assessment {
    let (a, b, c) = (counts.tier(Tier::A), counts.tier(Tier::B), counts.tier(Tier::C));
    let total_units = a * units(Tier::A) + b * units(Tier::B) + c * units(Tier::C);
    // Insiders meet the standard at half the count: compare twice the units.
    let effective = if insider { total_units * 2 } else { total_units };
    let verdict = if effective >= SERIOUS_UNITS * 10 {
        Verdict::EspeciallySerious
    } else if effective >= SERIOUS_UNITS {
        Verdict::Serious
    } else {
        Verdict::None
    };
    let r = total_units as f64 / SERIOUS_UNITS as f64;
    let mut drivers: Vec<(u64, String)> = counts
        .by_tier_category
        .iter()
        .map(|(&(tier, category), &n)| {
            let share = (n * units(tier)) as f64 / SERIOUS_UNITS as f64;
            (
                n * units(tier),
                format!("{n} {} item(s), tier {}: {share:.3} of the standard", category.name(), tier.name()),
            )
        })
        .collect();
    drivers.sort_by(|x, y| y.0.cmp(&x.0).then_with(|| x.1.cmp(&y.1)));
    Assessment {
        counts: TierCounts {
            a,
            b,
            c,
            by_category: counts.by_tier_category.iter().fold(BTreeMap::new(), |mut m, (&(_, c), &n)| {
                *m.entry(c.name()).or_default() += n;
                m
            }),
        },
        r,
        verdict,
        policy: match policy {
            TierPolicy::Textual => "textual",
            TierPolicy::Strict => "strict",
        },
        insider,
        duplicates_removed: counts.duplicates_removed,
        spilled: None,
        drivers: drivers.into_iter().map(|(_, s)| s).collect(),
        caveats: CAVEATS.to_vec(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn counts(a: u64, b: u64, c: u64) -> ItemCounts {
        let mut k = ItemCounts::default();
        k.by_tier.insert(Tier::A, a);
        k.by_tier.insert(Tier::B, b);
        k.by_tier.insert(Tier::C, c);
        k
    }

    fn verdict(a: u64, b: u64, c: u64, insider: bool) -> Verdict {
        assess(&counts(a, b, c), TierPolicy::Textual, insider).verdict
    }

    #[test]
    fn single_tier_thresholds() {
        assert_eq!(verdict(49, 0, 0, false), Verdict::None);
        assert_eq!(verdict(50, 0, 0, false), Verdict::Serious);
        assert_eq!(verdict(0, 499, 0, false), Verdict::None);
        assert_eq!(verdict(0, 500, 0, false), Verdict::Serious);
        assert_eq!(verdict(0, 0, 4999, false), Verdict::None);
        assert_eq!(verdict(0, 0, 5000, false), Verdict::Serious);
    }

    #[test]
    fn proportional_combinations_and_ten_times() {
        assert_eq!(verdict(30, 200, 0, false), Verdict::Serious);
        assert_eq!(verdict(20, 100, 2000, false), Verdict::Serious);
        assert_eq!(verdict(499, 0, 0, false), Verdict::Serious);
        assert_eq!(verdict(500, 0, 0, false), Verdict::EspeciallySerious);
        assert_eq!(verdict(0, 0, 49_999, false), Verdict::Serious);
        assert_eq!(verdict(0, 0, 50_000, false), Verdict::EspeciallySerious);
        assert!((assess(&counts(30, 200, 0), TierPolicy::Textual, false).r - 1.0).abs() < 1e-12);
    }

    #[test]
    fn insiders_meet_half_the_standards() {
        assert_eq!(verdict(25, 0, 0, true), Verdict::Serious);
        assert_eq!(verdict(24, 0, 0, true), Verdict::None);
        assert_eq!(verdict(300, 0, 0, true), Verdict::EspeciallySerious);
        assert_eq!(verdict(300, 0, 0, false), Verdict::Serious);
    }
}
