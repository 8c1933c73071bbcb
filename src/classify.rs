//! Classify stage: a detection's kind, together with what else its record holds, gives its
//! legal category and its Art. 5 tier (DOMAIN.md "Project defaults").
//!
//! The record (see [`crate::record`]) is the unit of context: a card is property information
//! when the same CSV row, JSON object, SQL tuple or log line also identifies its holder.

use crate::finding::{Category, Detection, Kind, Tier};
use crate::record::{RecordSpan, Records};
use rayon::prelude::*;

/// Detections per parallel job in [`classify_window`]: enough that a job outweighs its
/// scheduling.
const PER_JOB: usize = 8192;

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
        Kind::Mobile | Kind::MobileMasked | Kind::Email | Kind::Landline => Category::Contact,
        Kind::Name | Kind::Plate | Kind::Imei | Kind::Ip => Category::Identity,
        // One position is not yet a track; see `classify_records`.
        Kind::Geo => Category::Whereabouts,
        Kind::BankCard => Category::Property,
        Kind::Address => Category::Address,
        // User kinds carry their own class on each detection; this is only a fallback.
        Kind::Custom(_) => Category::Identity,
    }
}

/// Kinds that identify the holder of a card found in the same record.
fn identifies_holder(kind: Kind) -> bool {
    matches!(kind, Kind::IdCard | Kind::Mobile | Kind::Email | Kind::Passport | Kind::TravelPermit | Kind::Name)
}

/// Category and tier for each detection (same order), given the text they were found in.
/// `detections` must be sorted by start offset.
pub fn classify(text: &[u8], detections: &[Detection], policy: TierPolicy) -> Vec<(Category, Tier)> {
    classify_window(text, 0, detections, policy)
}

/// [`classify`] for the window `text` of a larger file that starts at `base`; detection offsets
/// are the file's. Records are those of the window: a record cut by the window's edge (a
/// multi-line JSON object or quoted field across it) is read as two.
pub fn classify_window(
    text: &[u8],
    base: usize,
    detections: &[Detection],
    policy: TierPolicy,
) -> Vec<(Category, Tier)> {
    // A dense export has hundreds of thousands of detections per window, and this runs between
    // the windows' parallel scans: the per-detection steps run on all cores too.
    let mut classes: Vec<(Category, Tier)> = detections
        .par_iter()
        .with_min_len(PER_JOB)
        .map(|d| {
            d.fixed_class.unwrap_or_else(|| {
                let tier = match d.kind {
                    Kind::IdCard | Kind::Address if policy == TierPolicy::Strict => Tier::B,
                    _ => Tier::C,
                };
                (category(d.kind), tier)
            })
        })
        .collect();
    // Records only matter for the card-holder rule; most files have no card at all.
    if !detections.iter().any(|d| d.kind == Kind::BankCard) {
        return classes;
    }
    let records = Records::build(text);
    let spans: Vec<RecordSpan> = detections
        .par_chunks(PER_JOB)
        .flat_map_iter(|chunk| {
            let mut cursor = records.cursor();
            chunk.iter().map(move |d| cursor.record_of(d.start - base))
        })
        .collect();
    // Detections are sorted by start and records are disjoint, so the detections of one record
    // are consecutive: one walk over the groups finds the cards that share a record with a
    // holder.
    let mut group = 0;
    while group < detections.len() {
        let span = spans[group];
        let len = spans[group..].iter().take_while(|&&s| s == span).count();
        let members = group..group + len;
        if detections[members.clone()].iter().any(|d| identifies_holder(d.kind)) {
            for (d, class) in detections[members.clone()].iter().zip(&mut classes[members]) {
                if d.kind == Kind::BankCard && d.fixed_class.is_none() {
                    class.1 = Tier::A;
                }
            }
        }
        group += len;
    }
    classes
}

/// What one record says about one person, ready to be counted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordFacts {
    /// Where the record is.
    pub span: RecordSpan,
    /// Its tier and driving category, not counting the track rule.
    pub tier: Tier,
    /// The category that gave the tier.
    pub category: Category,
    /// A timestamped precise position of its person: part of a track (tier A) when the same
    /// person has at least two.
    pub position: bool,
    /// The person's strongest identifier: ID number, else phone, else card, else e-mail, else a
    /// travel document or sole-proprietor code.
    pub person: Option<(Kind, String)>,
    /// The record's findings, normalised and sorted: equal contents are duplicate records.
    pub content: Vec<(Kind, String)>,
}

/// How strongly a kind identifies a person; lower is stronger. `None`: not an identifier.
fn identifier_rank(kind: Kind) -> Option<u8> {
    match kind {
        Kind::IdCard => Some(0),
        Kind::Mobile => Some(1),
        Kind::BankCard => Some(2),
        Kind::Email => Some(3),
        Kind::Passport | Kind::TravelPermit => Some(4),
        Kind::UsccIndividual => Some(5),
        _ => None,
    }
}

/// One automaton over every record-context keyword: pattern index -> context index.
struct ContextMatcher {
    automaton: aho_corasick::AhoCorasick,
    context_of: Vec<usize>,
    ascii: Vec<bool>,
}

fn context_matcher() -> Option<&'static ContextMatcher> {
    static CELL: std::sync::OnceLock<Option<ContextMatcher>> = std::sync::OnceLock::new();
    CELL.get_or_init(|| {
        let mut words = Vec::new();
        let mut context_of = Vec::new();
        for (i, ctx) in crate::reference::category_contexts().iter().enumerate() {
            for w in &ctx.keywords {
                words.push(w.clone());
                context_of.push(i);
            }
        }
        let ascii = words.iter().map(|w| w.is_ascii()).collect();
        let automaton = aho_corasick::AhoCorasick::builder().ascii_case_insensitive(true).build(&words).ok()?;
        Some(ContextMatcher { automaton, context_of, ascii })
    })
    .as_ref()
}

/// Bit i set: the record-context category i has a keyword in `text`. ASCII keywords match as
/// whole tokens (`lat` is not in `translate`), CJK ones anywhere.
fn context_hits(text: &[u8]) -> u32 {
    let Some(m) = context_matcher() else { return 0 };
    let mut hits = 0u32;
    for found in m.automaton.find_overlapping_iter(text) {
        let p = found.pattern().as_usize();
        if m.ascii[p] {
            let before = found.start().checked_sub(1).map(|i| text[i]);
            let after = text.get(found.end()).copied();
            if before.is_some_and(|b| b.is_ascii_alphanumeric()) || after.is_some_and(|b| b.is_ascii_alphanumeric()) {
                continue;
            }
        }
        hits |= 1 << m.context_of[p];
    }
    hits
}

/// A date or a clock time: `2024-05-01`, `2024/5/1`, `2024年5月`, `12:30`.
fn has_time(text: &str) -> bool {
    static RE: std::sync::OnceLock<Option<regex::Regex>> = std::sync::OnceLock::new();
    RE.get_or_init(|| regex::Regex::new(r"[0-9]{4}[-/年][0-9]{1,2}|[0-9]{1,2}:[0-9]{2}").ok())
        .as_ref()
        .is_some_and(|re| re.is_match(text))
}

/// Two precise coordinates (four or more decimals, within ±180): a position fix.
fn has_position(text: &str) -> bool {
    static RE: std::sync::OnceLock<Option<regex::Regex>> = std::sync::OnceLock::new();
    RE.get_or_init(|| regex::Regex::new(r"(?:^|[^0-9.])-?(?:1[0-7][0-9]|[0-9]{1,2})\.[0-9]{4,}").ok())
        .as_ref()
        .is_some_and(|re| re.find_iter(text).count() >= 2)
}

/// Groups a file's detections into records and classifies each record (DOMAIN.md project
/// defaults): the highest tier among its findings' tiers and its context (column names, JSON
/// keys, SQL columns, words in the record), context only counting for records that identify a
/// person. Masked findings are not counted. `classes` is [`classify`]'s output for the same
/// detections.
pub fn classify_records(
    text: &[u8],
    detections: &[Detection],
    classes: &[(Category, Tier)],
    policy: TierPolicy,
) -> Vec<RecordFacts> {
    let records = Records::build(text);
    let mut header_cache: std::collections::HashMap<(usize, usize), u32> = std::collections::HashMap::new();
    let mut grouped: std::collections::BTreeMap<RecordSpan, Vec<usize>> = std::collections::BTreeMap::new();
    // One cursor for the whole file: its line cache is what keeps a long line with many
    // findings from being searched once per finding.
    let mut cursor = records.cursor();
    for (i, d) in detections.iter().enumerate() {
        if !d.kind.is_masked() {
            grouped.entry(cursor.record_of(d.start)).or_default().push(i);
        }
    }
    let mut out = Vec::with_capacity(grouped.len());
    for (span, members) in grouped {
        let mut content: Vec<(Kind, String)> =
            members.iter().map(|&i| (detections[i].kind, detections[i].value.to_string())).collect();
        content.sort();
        content.dedup();
        let person = content
            .iter()
            .filter_map(|(k, v)| identifier_rank(*k).map(|r| (r, *k, v)))
            .min_by_key(|(r, _, _)| *r)
            .map(|(_, k, v)| (k, v.clone()));
        let (mut tier, mut category) =
            members.iter().map(|&i| (classes[i].1, classes[i].0)).min().unwrap_or((Tier::C, Category::Identity));
        if policy == TierPolicy::Strict && tier > Tier::B {
            if let Some(&i) = members.iter().find(|&&i| matches!(detections[i].kind, Kind::IdCard | Kind::Address)) {
                tier = Tier::B;
                category = classes[i].0;
            }
        }
        // A name says there is a person (context applies) but is no key for merging people:
        // two 张伟 are rarely the same person.
        let has_person = person.is_some() || content.iter().any(|(k, _)| *k == Kind::Name);
        let has_geo = content.iter().any(|(k, _)| *k == Kind::Geo);
        let mut position = false;
        if has_geo && person.is_some() {
            position = has_time(&String::from_utf8_lossy(&text[span.start..span.end]));
        }
        if has_person {
            let header = records.header_of(span);
            let header_hits = match header_cache.get(&(header.as_ptr() as usize, header.len())) {
                Some(&hits) => hits,
                None => {
                    let hits = context_hits(header);
                    header_cache.insert((header.as_ptr() as usize, header.len()), hits);
                    hits
                }
            };
            let body = &text[span.start..span.end];
            let hits = header_hits | context_hits(body);
            for (i, ctx) in crate::reference::category_contexts().iter().enumerate() {
                if hits & (1 << i) == 0 {
                    continue;
                }
                if ctx.category == Category::Whereabouts {
                    let body = String::from_utf8_lossy(body);
                    position |= has_position(&body) && has_time(&body);
                } else if (ctx.tier, ctx.category) < (tier, category) {
                    tier = ctx.tier;
                    category = ctx.category;
                }
            }
        }
        out.push(RecordFacts { span, tier, category, position, person, content });
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
            value: "".into(),
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

    fn facts(text: &str) -> Vec<RecordFacts> {
        let detector = crate::detect::Detector::new(crate::detect::DetectOptions::default());
        let d = detector.detect(text.as_bytes());
        let c = classify(text.as_bytes(), &d, TierPolicy::Textual);
        classify_records(text.as_bytes(), &d, &c, TierPolicy::Textual)
    }

    #[test]
    fn record_context_sets_tiers() {
        let text = "姓名,身份证号,入住时间,房号\n张三,11010519491231002X,2024-05-01 12:00,1203\n";
        let f = facts(text);
        assert_eq!((f[0].tier, f[0].category), (Tier::B, Category::Accommodation));
        assert_eq!(f[0].person, Some((Kind::IdCard, "11010519491231002X".into())));
        let log = "2024-05-01 12:00 phone=13800138000 lat=39.908823 lng=116.397470\n";
        let f = facts(log);
        assert!(f[0].position);
        assert_eq!(f[0].tier, Tier::C);
        let plain = "name,phone,platform\n张三,13800138000,translate\n";
        assert_eq!(facts(plain)[0].tier, Tier::C, "lat/track inside longer words are not keywords");
    }

    #[test]
    fn strict_policy_moves_ids_and_addresses_to_b() {
        let d = [det(Kind::IdCard, 0), det(Kind::Address, 2), det(Kind::Mobile, 4)];
        let c = classify(b"abcdef", &d, TierPolicy::Strict);
        assert_eq!(c.iter().map(|x| x.1).collect::<Vec<_>>(), [Tier::B, Tier::B, Tier::C]);
    }
}
