//! Item identity: what one record contributes to the count, reduced to keyed fingerprints of
//! its normalised content. Art. 11 ¶3 counts the same information once however it is written,
//! so an item's identity never comes from the bytes of its record (a CSV row and an SQL tuple
//! with the same content are one item; `+86 138-0013-8000` and `13800138000` are one phone).

use crate::classify::RecordFacts;
use crate::finding::{Category, Kind, Tier};
use siphasher::sip::SipHasher13;
use std::borrow::Cow;
use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};

/// Which counting rule an item falls under; the order is the sort order of the state file, so
/// that a person's positions come right before the person's tier-C item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Section {
    /// A timestamped precise position of a person: a track item (tier A) when the person has
    /// two or more, else it falls back to its own class.
    Position = 0,
    /// A person in tier C: every tier-C record naming the person is the same item.
    Person = 1,
    /// A record counted on its own (tier A/B records, a card with its holder, tier-C records
    /// without a person key).
    Record = 2,
}

impl Section {
    /// The two bits the state file stores.
    pub(crate) fn bits(self) -> u8 {
        self as u8
    }

    /// The section stored in two bits; `None` for the unused value.
    pub(crate) fn from_bits(bits: u8) -> Option<Section> {
        match bits {
            0 => Some(Section::Position),
            1 => Some(Section::Person),
            2 => Some(Section::Record),
            _ => None,
        }
    }
}

/// An item's tier and driving category. Ordered by tier, then category: when the same item is
/// seen in several classes the smallest one (the highest tier) is kept, so the result does not
/// depend on which copy came first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Class {
    /// The Art. 5 tier.
    pub tier: Tier,
    /// The category that gave the tier.
    pub category: Category,
}

/// Tiers in declaration order.
pub(crate) const TIERS: [Tier; 3] = [Tier::A, Tier::B, Tier::C];

impl Class {
    /// A class.
    pub fn new(tier: Tier, category: Category) -> Self {
        Class { tier, category }
    }

    /// Index of the tier (0..3).
    pub(crate) fn tier_index(self) -> usize {
        self.tier as usize
    }

    /// Index of the category (0..11).
    pub(crate) fn category_index(self) -> usize {
        self.category as usize
    }
}

/// One countable unit, as keyed fingerprints. Its key is (`hi`, `section`, `lo`); two items
/// with equal keys are the same item, whatever class each copy was seen in.
///
/// Fields are private so that the invariants the state file relies on hold: `lo` is zero
/// outside the Position section.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Item {
    // Field order is the sort order: key first, then the class, so that sorting puts the
    // smallest class first among equal keys.
    hi: u64,
    section: Section,
    lo: u64,
    class: Class,
}

impl Item {
    /// A position of the person `person` (their fingerprint); `position` identifies the fix.
    pub fn position(person: u64, position: u64, class: Class) -> Self {
        Item { hi: person, section: Section::Position, lo: position, class }
    }

    /// A person in tier C (their fingerprint).
    pub fn person(person: u64, class: Class) -> Self {
        Item { hi: person, section: Section::Person, lo: 0, class }
    }

    /// A record counted on its own (the fingerprint of its content).
    pub fn record(fingerprint: u64, class: Class) -> Self {
        Item { hi: fingerprint, section: Section::Record, lo: 0, class }
    }

    /// The person (Position, Person) or content (Record) fingerprint.
    pub fn hi(&self) -> u64 {
        self.hi
    }

    /// The position fingerprint (zero outside the Position section).
    pub fn lo(&self) -> u64 {
        self.lo
    }

    /// The counting rule.
    pub fn section(&self) -> Section {
        self.section
    }

    /// The class this copy was seen in.
    pub fn class(&self) -> Class {
        self.class
    }

    /// What makes two items the same.
    pub fn key(&self) -> (u64, Section, u64) {
        (self.hi, self.section, self.lo)
    }

    /// Whether two items are the same item.
    pub(crate) fn same_key(&self, other: &Item) -> bool {
        self.hi == other.hi && self.section == other.section && self.lo == other.lo
    }
}

/// Keyed SipHash-1-3 fingerprints, shared by all worker threads of one run. The key is secret:
/// an 11-digit phone number behind an unkeyed hash is found by brute force in seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecordHasher {
    key: [u64; 2],
}

impl Default for RecordHasher {
    fn default() -> Self {
        RecordHasher::new()
    }
}

impl RecordHasher {
    /// A hasher with a fresh random key.
    pub fn new() -> Self {
        // RandomState is seeded from the operating system's randomness.
        let state = RandomState::new();
        RecordHasher { key: [state.hash_one(0x5049_4953_u64), state.hash_one(0x4341_4e5f_u64)] }
    }

    /// A hasher with a given key (shards of one export must share it to be merged).
    pub fn with_key(key: [u64; 2]) -> Self {
        RecordHasher { key }
    }

    /// The key, for writing a key file.
    pub fn key(&self) -> [u64; 2] {
        self.key
    }

    /// A value that identifies the key without revealing it (written in state files, so that
    /// states fingerprinted with different keys are not merged).
    pub fn key_check(&self) -> u64 {
        let mut h = SipHasher13::new_with_keys(self.key[0], self.key[1]);
        h.write(b"piiscan key check");
        h.finish()
    }

    /// The keyed hash of the fields `fill` writes under a domain tag, gathered in a buffer
    /// each thread reuses.
    fn hashed(&self, domain: &[u8], fill: impl FnOnce(&mut Fields)) -> u64 {
        thread_local! {
            static BUFFER: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
        }
        BUFFER.with(|buffer| {
            let mut buffer = buffer.borrow_mut();
            buffer.clear();
            let mut fields = Fields { buf: &mut buffer };
            fields.field(domain);
            fill(&mut fields);
            let mut h = SipHasher13::new_with_keys(self.key[0], self.key[1]);
            h.write(&buffer);
            h.finish()
        })
    }

    /// The fingerprint of a person's identifier.
    pub fn person(&self, kind: Kind, value: &str) -> u64 {
        self.hashed(b"person", |h| {
            h.field(kind.name().as_bytes());
            h.field(normalise(kind, value).as_bytes());
        })
    }

    /// The fingerprint of a bank card (an item of its own when it sits with its holder).
    pub fn card(&self, number: &str) -> u64 {
        self.hashed(b"card", |h| h.field(normalise(Kind::BankCard, number).as_bytes()))
    }

    /// The fingerprint of one position fix: its content and its times.
    fn position(&self, content: &[Normalised], times: &[u32]) -> u64 {
        self.hashed(b"position", |h| {
            h.content(content);
            h.times(times);
        })
    }

    /// The fingerprint of a record counted on its own: its class and content, and for tiers A
    /// and B its times (two stays of one guest differ only in them).
    fn record(&self, class: Class, content: &[Normalised], times: Option<&[u32]>) -> u64 {
        self.hashed(b"record", |h| {
            h.field(class.tier.name().as_bytes());
            h.field(class.category.name().as_bytes());
            h.content(content);
            h.times(times.unwrap_or_default());
        })
    }
}

/// A SipHash over length-prefixed fields: ("ab", "c") and ("a", "bc") differ. The fields are
/// gathered in a buffer and hashed in one call: SipHash's per-call tail handling cost more
/// than the hashing itself on records of a few short fields.
struct Fields<'b> {
    buf: &'b mut Vec<u8>,
}

impl Fields<'_> {
    fn field(&mut self, bytes: &[u8]) {
        self.buf.extend_from_slice(&(bytes.len() as u64).to_le_bytes());
        self.buf.extend_from_slice(bytes);
    }

    /// A list's length first, so that a list cannot run into what follows it.
    fn len(&mut self, n: usize) {
        self.buf.extend_from_slice(&(n as u64).to_le_bytes());
    }

    fn content(&mut self, content: &[Normalised]) {
        self.len(content.len());
        for (kind, value) in content {
            self.field(kind.as_bytes());
            self.field(value.as_bytes());
        }
    }

    fn times(&mut self, times: &[u32]) {
        self.len(times.len());
        for t in times {
            self.buf.extend_from_slice(&t.to_le_bytes());
        }
    }
}

/// A finding as identity sees it: the kind's stable name and the normalised value. Sorted by
/// the name rather than by `Kind`'s declaration order, so that fingerprints do not change when
/// kinds are reordered in the source.
type Normalised<'a> = (&'static str, Cow<'a, str>);

/// Folds full-width ASCII (U+FF01..U+FF5E) and the ideographic space to ASCII: an ID number or
/// a name typed with a Chinese input method is the same value.
fn fold_width(c: char) -> char {
    match c {
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        '\u{3000}' => ' ',
        _ => c,
    }
}

/// A value as identity compares it (see the module docs and DOMAIN.md): separators, width and
/// case do not make a different item. Borrowed when the value is already in that form, as the
/// validators' values mostly are.
pub(crate) fn normalise(kind: Kind, value: &str) -> Cow<'_, str> {
    let bytes = value.as_bytes();
    match kind {
        Kind::Mobile | Kind::MobileMasked => {
            if bytes.len() == 11 && bytes.iter().all(u8::is_ascii_digit) {
                return Cow::Borrowed(value);
            }
            let digits: String = value.chars().map(fold_width).filter(char::is_ascii_digit).collect();
            Cow::Owned(strip_country_code(digits))
        }
        Kind::Landline | Kind::BankCard | Kind::Imei => {
            if bytes.iter().all(u8::is_ascii_digit) {
                return Cow::Borrowed(value);
            }
            Cow::Owned(value.chars().map(fold_width).filter(char::is_ascii_digit).collect())
        }
        Kind::IdCard
        | Kind::IdCardMasked
        | Kind::Passport
        | Kind::TravelPermit
        | Kind::UsccIndividual
        | Kind::HkIdCard
        | Kind::MoIdCard
        | Kind::TwIdCard => {
            if bytes.iter().all(|b| b.is_ascii_digit() || b.is_ascii_uppercase()) {
                return Cow::Borrowed(value);
            }
            Cow::Owned(
                value
                    .chars()
                    .map(fold_width)
                    .filter(char::is_ascii_alphanumeric)
                    .map(|c| c.to_ascii_uppercase())
                    .collect(),
            )
        }
        Kind::Email => {
            let trimmed = value.trim();
            if trimmed.bytes().all(|b| !b.is_ascii_uppercase()) && trimmed.is_ascii() {
                return Cow::Borrowed(trimmed);
            }
            Cow::Owned(trimmed.to_lowercase())
        }
        Kind::Name | Kind::Address | Kind::Plate | Kind::Geo | Kind::Ip | Kind::Custom(_) => {
            // Full-width forms (U+FF01..U+FF5E) start with EF, the ideographic space with E3,
            // the other non-ASCII spaces with C2, E1 or E2: a value without those bytes and
            // without ASCII spaces is as is.
            static FOLDED: [bool; 256] = {
                let mut table = [false; 256];
                let mut b = 0;
                while b < 256 {
                    table[b] = (b as u8).is_ascii_whitespace() || matches!(b, 0xC2 | 0xE1 | 0xE2 | 0xE3 | 0xEF);
                    b += 1;
                }
                table
            };
            let plain = !bytes.iter().any(|&b| FOLDED[usize::from(b)]);
            if plain {
                return Cow::Borrowed(value);
            }
            Cow::Owned(value.chars().map(fold_width).filter(|c| !c.is_whitespace()).collect())
        }
    }
}

/// A mainland mobile written with its country code (`+86`, `0086`) is the same number.
fn strip_country_code(digits: String) -> String {
    let national = |rest: &str| rest.len() == 11 && rest.starts_with('1');
    for prefix in ["0086", "86"] {
        if let Some(rest) = digits.strip_prefix(prefix) {
            if national(rest) {
                return rest.to_string();
            }
        }
    }
    digits
}

/// The record's content normalised, sorted and without repeats.
fn normalised_content<'a>(facts: &RecordFacts<'a>) -> Vec<Normalised<'a>> {
    let mut content: Vec<Normalised> = facts.content.iter().map(|(k, v)| (k.name(), normalise(*k, v))).collect();
    content.sort_unstable();
    content.dedup();
    content
}

/// Whether a record says anything about a person: a bare IP address or coordinate with nothing
/// that links it to someone is not personal information to count.
fn is_countable(facts: &RecordFacts) -> bool {
    facts.position || !facts.content.iter().all(|(k, _)| matches!(k, Kind::Ip | Kind::Geo))
}

/// The items of one record, appended to `out` (0, 1 or 2 + one per card):
///
/// - a bare IP or coordinate (content only of those kinds, not a position): nothing;
/// - each bank card that sits with its holder: a Record item `H("card", card)` in (A,
///   Property), and the record itself is then counted in its class without the cards (`rest`)
///   when that is tier A or B (a statement row is also a transaction) or it is a position;
/// - a position of a known person: a Position item (person, `H(content, times)`) in the
///   record's class, which becomes a track item when the person has two or more;
/// - else a tier-C record with a person key: that person's Person item;
/// - else a Record item `H(tier, category, content, times for A/B)`.
pub fn items_of(facts: &RecordFacts, hasher: &RecordHasher, out: &mut Vec<Item>) {
    if !is_countable(facts) {
        return;
    }
    let class = if facts.cards.is_empty() {
        Class::new(facts.tier, facts.category)
    } else {
        Class::new(facts.rest.0, facts.rest.1)
    };
    for card in &facts.cards {
        out.push(Item::record(hasher.card(card), Class::new(Tier::A, Category::Property)));
    }
    // A holder's row that is tier C without its card is only its card: one record is never
    // counted in two tiers. A statement row is also a transaction (tier B), and a position
    // still joins its person's track.
    if !facts.cards.is_empty() && class.tier == Tier::C && !facts.position {
        return;
    }
    let person = facts.person.as_ref().map(|(kind, value)| hasher.person(*kind, value));
    let item = match person {
        Some(person) if facts.position => {
            Item::position(person, hasher.position(&normalised_content(facts), &facts.times), class)
        }
        Some(person) if class.tier == Tier::C => Item::person(person, class),
        _ => {
            let times = (class.tier < Tier::C).then_some(facts.times.as_slice());
            Item::record(hasher.record(class, &normalised_content(facts), times), class)
        }
    };
    out.push(item);
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use crate::layout::RecordSpan;

    /// A record as the classify stage gives it.
    pub(crate) fn facts<'a>(tier: Tier, category: Category, content: &[(Kind, &'a str)]) -> RecordFacts<'a> {
        let mut content: Vec<(Kind, &'a str)> = content.to_vec();
        content.sort();
        let person = content
            .iter()
            .filter(|(k, _)| matches!(k, Kind::IdCard | Kind::Mobile | Kind::BankCard | Kind::Email))
            .min_by_key(|(k, _)| match k {
                Kind::IdCard => 0,
                Kind::Mobile => 1,
                Kind::BankCard => 2,
                _ => 3,
            })
            .cloned();
        RecordFacts {
            span: RecordSpan { start: 0, end: 1 },
            tier,
            category,
            position: false,
            person,
            content,
            times: Vec::new(),
            cards: Vec::new(),
            rest: (tier, category),
        }
    }

    fn items(f: &RecordFacts, h: &RecordHasher) -> Vec<Item> {
        let mut out = Vec::new();
        items_of(f, h, &mut out);
        out
    }

    #[test]
    fn values_are_normalised_per_kind() {
        assert_eq!(normalise(Kind::Mobile, "+86 138-0013-8000"), "13800138000");
        assert_eq!(normalise(Kind::Mobile, "0086 13800138000"), "13800138000");
        assert_eq!(normalise(Kind::Mobile, "８６１３８００１３８０００"), "13800138000");
        // 13 digits that are not +86 and an 11-digit mobile: kept as they are.
        assert_eq!(normalise(Kind::Mobile, "8613800138"), "8613800138");
        assert_eq!(normalise(Kind::Landline, "(010) 6552-9988"), "01065529988");
        assert_eq!(normalise(Kind::BankCard, "6222 0200 0000 0001 230"), "6222020000000001230");
        assert_eq!(normalise(Kind::IdCard, "１１０１０５ 19491231002x"), "11010519491231002X");
        assert_eq!(normalise(Kind::Passport, "e1234567"), "E1234567");
        assert_eq!(normalise(Kind::Email, "  Zhang.San@QQ.com "), "zhang.san@qq.com");
        assert_eq!(normalise(Kind::Name, "张　三"), "张三");
        assert_eq!(normalise(Kind::Address, "北京市 朝阳区 １号"), "北京市朝阳区1号");
    }

    #[test]
    fn the_same_person_in_any_format_is_one_fingerprint() {
        let h = RecordHasher::new();
        assert_eq!(h.person(Kind::Mobile, "+86 138-0013-8000"), h.person(Kind::Mobile, "13800138000"));
        assert_ne!(h.person(Kind::Mobile, "13800138000"), h.person(Kind::Mobile, "13800138001"));
        // The kind is part of the identity.
        assert_ne!(h.person(Kind::Mobile, "13800138000"), h.person(Kind::Landline, "13800138000"));
        let plain = facts(Tier::C, Category::Contact, &[(Kind::Mobile, "13800138000"), (Kind::Email, "a@qq.com")]);
        let intl = facts(Tier::C, Category::Contact, &[(Kind::Mobile, "+86 138 0013 8000"), (Kind::Email, "A@QQ.com")]);
        assert_eq!(items(&plain, &h), items(&intl, &h));
        assert_eq!(items(&plain, &h)[0].section(), Section::Person);
    }

    #[test]
    fn csv_and_sql_like_content_is_one_item() {
        let h = RecordHasher::new();
        // The same stay, from a CSV row and from an SQL tuple with other spacing and width.
        let mut csv = facts(
            Tier::B,
            Category::Accommodation,
            &[(Kind::IdCard, "11010519491231002X"), (Kind::Name, "张三"), (Kind::Mobile, "13800138000")],
        );
        csv.times = vec![20240501, 120000];
        let mut sql = facts(
            Tier::B,
            Category::Accommodation,
            &[(Kind::IdCard, "11010519491231002x"), (Kind::Name, "张 三"), (Kind::Mobile, "+8613800138000")],
        );
        sql.span = RecordSpan { start: 900, end: 1000 };
        sql.times = vec![20240501, 120000];
        let (a, b) = (items(&csv, &h), items(&sql, &h));
        assert_eq!(a, b);
        assert_eq!(a.len(), 1);
        assert_eq!(a[0].section(), Section::Record);
        // Another stay of the same guest is another item.
        let mut later = sql.clone();
        later.times = vec![20240601, 120000];
        assert_ne!(items(&later, &h), a);
    }

    #[test]
    fn fields_are_separated() {
        let h = RecordHasher::new();
        let class = Class::new(Tier::B, Category::Health);
        let ab_c: Vec<Normalised> = vec![("name", "ab".into()), ("plate", "c".into())];
        let a_bc: Vec<Normalised> = vec![("name", "a".into()), ("plate", "bc".into())];
        assert_ne!(h.record(class, &ab_c, None), h.record(class, &a_bc, None));
        // Times cannot stand in for content.
        let one: Vec<Normalised> = vec![("name", "a".into())];
        assert_ne!(h.record(class, &one, Some(&[1])), h.record(class, &one, None));
        // Another key, another fingerprint.
        assert_ne!(RecordHasher::new().person(Kind::Mobile, "13800138000"), h.person(Kind::Mobile, "13800138000"));
    }

    #[test]
    fn bare_ip_or_coordinate_is_not_an_item() {
        let h = RecordHasher::new();
        assert!(items(&facts(Tier::C, Category::Identity, &[(Kind::Ip, "1.2.3.4")]), &h).is_empty());
        let geo = facts(Tier::C, Category::Whereabouts, &[(Kind::Ip, "1.2.3.4"), (Kind::Geo, "39.9,116.3")]);
        assert!(items(&geo, &h).is_empty());
        // With a phone it is about someone.
        let linked = facts(Tier::C, Category::Identity, &[(Kind::Ip, "1.2.3.4"), (Kind::Mobile, "13800138000")]);
        assert_eq!(items(&linked, &h).len(), 1);
    }

    #[test]
    fn a_card_with_its_holder_is_an_item_of_its_own() {
        let h = RecordHasher::new();
        let mut f = facts(
            Tier::A,
            Category::Property,
            &[(Kind::BankCard, "6222020000000001230"), (Kind::IdCard, "11010519491231002X")],
        );
        f.cards = vec!["6222 0200 0000 0001 230"];
        f.rest = (Tier::C, Category::Identity);
        let got = items(&f, &h);
        assert_eq!(got, [Item::record(h.card("6222020000000001230"), Class::new(Tier::A, Category::Property))]);
        // A statement row is its card and a transaction.
        f.rest = (Tier::B, Category::Transaction);
        let got = items(&f, &h);
        assert_eq!(got.len(), 2);
        assert_eq!(got[1].class(), Class::new(Tier::B, Category::Transaction));
    }

    #[test]
    fn a_position_is_keyed_by_its_person() {
        let h = RecordHasher::new();
        let mut f =
            facts(Tier::C, Category::Contact, &[(Kind::Mobile, "13800138000"), (Kind::Geo, "39.908823,116.397470")]);
        f.position = true;
        f.times = vec![20240501, 120000];
        let got = items(&f, &h);
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].section(), Section::Position);
        assert_eq!(got[0].hi(), h.person(Kind::Mobile, "13800138000"));
        assert_eq!(got[0].class(), Class::new(Tier::C, Category::Contact));
        let mut later = f.clone();
        later.times = vec![20240501, 130000];
        let other = items(&later, &h);
        assert_eq!(other[0].hi(), got[0].hi());
        assert_ne!(other[0].lo(), got[0].lo());
    }

    #[test]
    fn an_item_is_24_bytes() {
        // The memory budget's documentation and the spill arithmetic count on it.
        assert_eq!(std::mem::size_of::<Item>(), 24);
    }

    #[test]
    fn categories_are_in_declaration_order() {
        // `Category::ALL` indexes the state file's class byte: it must follow the declaration.
        for (i, c) in Category::ALL.iter().enumerate() {
            assert_eq!(*c as usize, i);
        }
        for (i, t) in TIERS.iter().enumerate() {
            assert_eq!(*t as usize, i);
        }
    }
}
