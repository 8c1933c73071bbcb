//! The vocabulary shared by every pipeline stage: what was found ([`Kind`]), which legal
//! information type it belongs to ([`Category`]), how heavily the 2017 interpretation weighs it
//! ([`Tier`]), how sure the validator is ([`Confidence`]), and the [`Finding`] that carries them
//! from the detectors to the reports.

use serde::{Deserialize, Serialize, Serializer};
use std::fmt;

/// What a detector matched. The snake_case names are part of the output contract.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Kind {
    /// 18-character resident ID (incl. HK/Macau/Taiwan residence permits and the 2023
    /// foreigners' permanent residence card) or the old 15-digit form.
    IdCard,
    /// Mainland mobile number on an allocated prefix.
    Mobile,
    /// Payment card number on a known Chinese BIN.
    BankCard,
    /// E-mail address.
    Email,
    /// PRC, HKSAR or Macau SAR passport number (needs a passport keyword nearby).
    Passport,
    /// Mainland travel permits: 回乡证 (H/M), 往来港澳通行证 (C), 往来台湾通行证 (L), 台胞证.
    TravelPermit,
    /// Chinese postal address with an administrative level and a road or door number.
    Address,
    /// Unified social credit code of a sole proprietor (92...), which identifies a person.
    UsccIndividual,
    /// A mobile number with some digits masked out (`138****8000`); not a leak.
    MobileMasked,
    /// An ID number with some characters masked out (`110105********002X`); not a leak.
    IdCardMasked,
    /// A Chinese personal name (surname table plus a name label or column).
    Name,
    /// A mainland landline number (area code from the table).
    Landline,
    /// A vehicle licence plate (GA 36-2018, incl. 8-character new-energy plates).
    Plate,
    /// A precise latitude/longitude pair.
    Geo,
    /// A device IMEI (15 digits, Luhn) with a device label.
    Imei,
    /// A public IPv4 address.
    Ip,
    /// A Hong Kong identity card number (`A123456(3)`), with its check character.
    HkIdCard,
    /// A Macau identity card number (`1234567(8)`), under a Macau ID label or column.
    MoIdCard,
    /// A Taiwan national identity card number (`A123456789`), with its check digit.
    TwIdCard,
    /// A kind defined by a user pattern file (`--patterns`); the name is the rule's `kind`.
    Custom(&'static str),
}

impl Kind {
    /// Every kind, in output order.
    pub const ALL: [Kind; 19] = [
        Kind::IdCard,
        Kind::Mobile,
        Kind::BankCard,
        Kind::Email,
        Kind::Passport,
        Kind::TravelPermit,
        Kind::Address,
        Kind::UsccIndividual,
        Kind::MobileMasked,
        Kind::IdCardMasked,
        Kind::Name,
        Kind::Landline,
        Kind::Plate,
        Kind::Geo,
        Kind::Imei,
        Kind::Ip,
        Kind::HkIdCard,
        Kind::MoIdCard,
        Kind::TwIdCard,
    ];

    /// The stable name used in every output format and in `patterns/rules.toml`.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Custom(name) => name,
            builtin => builtin.info().name,
        }
    }

    /// The position of a built-in kind in [`Kind::ALL`]; `None` for a user's kind.
    pub fn builtin_index(self) -> Option<usize> {
        Some(match self {
            Kind::IdCard => 0,
            Kind::Mobile => 1,
            Kind::BankCard => 2,
            Kind::Email => 3,
            Kind::Passport => 4,
            Kind::TravelPermit => 5,
            Kind::Address => 6,
            Kind::UsccIndividual => 7,
            Kind::MobileMasked => 8,
            Kind::IdCardMasked => 9,
            Kind::Name => 10,
            Kind::Landline => 11,
            Kind::Plate => 12,
            Kind::Geo => 13,
            Kind::Imei => 14,
            Kind::Ip => 15,
            Kind::HkIdCard => 16,
            Kind::MoIdCard => 17,
            Kind::TwIdCard => 18,
            Kind::Custom(_) => return None,
        })
    }

    /// What is known of a built-in kind; the kinds of user pattern files share one descriptor.
    pub fn info(self) -> &'static KindInfo {
        match self.builtin_index() {
            Some(i) => &KINDS[i],
            None => &CUSTOM_KIND,
        }
    }

    /// The stable rule id used in every output format (`cn.mobile`; `custom.employee_id` for a
    /// user's kind).
    pub fn rule_id(self) -> std::borrow::Cow<'static, str> {
        match self {
            Kind::Custom(name) => format!("custom.{name}").into(),
            builtin => builtin.info().rule_id.into(),
        }
    }

    /// Parses a built-in kind by its name (`mobile`) or rule id (`cn.mobile`).
    pub fn from_name_or_rule_id(name: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.name() == name || k.info().rule_id == name)
    }

    /// Parses a built-in kind name as written in rule files and on the command line.
    pub fn from_name(name: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.name() == name)
    }

    /// Masked values are recognised so they are not mistaken for leaks; they are only reported
    /// on request and never counted.
    pub fn is_masked(self) -> bool {
        matches!(self, Kind::MobileMasked | Kind::IdCardMasked)
    }
}

/// Everything the pipeline knows of a kind, in one place: what reports say of it, how it is
/// classified, how it competes with overlapping readings, how it keys a person and how it is
/// masked. One descriptor per kind, in [`Kind::ALL`] order; `patterns/rules.toml` repeats the
/// category, tier and validation summary for its readers, and a test holds the two equal.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct KindInfo {
    /// The kind's name in output (`mobile`).
    pub name: &'static str,
    /// Its stable rule id (`cn.mobile`): `cn.` for Chinese documents and numbering plans
    /// (including those of Hong Kong, Macau and Taiwan), `pii.` for kinds that are not
    /// Chinese-specific.
    pub rule_id: &'static str,
    /// A one-line title.
    pub title: &'static str,
    /// What it is and what to do about it (SARIF help text).
    pub help: &'static str,
    /// How a value is recognised and validated (the rule's description in `patterns/rules.toml`).
    pub validation: &'static str,
    /// SARIF `security-severity` (0.0-10.0; 7 and above show as high in code scanning): how
    /// much a leak of one such value exposes its holder.
    pub security_severity: f32,
    /// The information category, before the record is looked at (a card becomes property
    /// information of tier A only next to its holder; see [`crate::classify`]).
    pub category: Category,
    /// The Art. 5 tier by the text of the interpretation (tier policy `textual`).
    pub tier: Tier,
    /// The tier under tier policy `strict` (ID numbers and home addresses in tier B, as some
    /// courts rule).
    pub strict_tier: Tier,
    /// Which reading wins when two detections overlap: higher wins, then the longer one.
    pub strength: u8,
    /// How strongly it keys a person when records about one person are merged; lower is
    /// stronger, `None` when it is no person key.
    pub identifier_rank: Option<u8>,
    /// Whether it identifies the holder of a bank card in the same record.
    pub identifies_holder: bool,
    /// How reports mask a value.
    pub mask: MaskStyle,
}

/// How a kind's values are masked in reports, in the forms Chinese systems display.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MaskStyle {
    /// Keep `head` leading and `tail` trailing characters, star the rest.
    KeepEnds {
        /// Characters kept at the start.
        head: usize,
        /// Characters kept at the end.
        tail: usize,
    },
    /// An ID number: the region code and the last four (18 characters) or three (15 digits).
    IdNumber,
    /// Only the last octet of an IP address.
    Ip,
    /// Each coordinate to one decimal (about 11 km): where, not who.
    Geo,
    /// The first character of the local part and the domain.
    Email,
    /// The administrative names (the detection's public prefix) only.
    Address,
    /// Already masked at the source: shown as found.
    AsFound,
}

/// The defaults the descriptors below start from: a tier C identity value that wins only over
/// addresses and user rules, is no person key and is fully starred.
const BASE: KindInfo = KindInfo {
    name: "",
    rule_id: "",
    title: "",
    help: "",
    validation: "",
    security_severity: 5.0,
    category: Category::Identity,
    tier: Tier::C,
    strict_tier: Tier::C,
    strength: 2,
    identifier_rank: None,
    identifies_holder: false,
    mask: MaskStyle::KeepEnds { head: 0, tail: 0 },
};

const fn keep(head: usize, tail: usize) -> MaskStyle {
    MaskStyle::KeepEnds { head, tail }
}

/// The descriptors of the built-in kinds, in [`Kind::ALL`] order (a test checks the order).
const KINDS: [KindInfo; Kind::ALL.len()] = [
    KindInfo {
        name: "id_card",
        rule_id: "cn.id_card",
        title: "Resident identity card number",
        help: "An 18-character PRC resident ID (or residence permit, or permanent residence card) with a valid check character, birth date and region code. It identifies one person for life: remove it, or mask all but the region code.",
        validation: "18-character resident ID (GB 11643 MOD 11-2, real birth date, region code that ever existed); HK/Macau/Taiwan residence permits; 2023 foreigners' permanent residence card; 15-digit form with an ID keyword",
        security_severity: 8.0,
        strict_tier: Tier::B,
        strength: 8,
        identifier_rank: Some(0),
        identifies_holder: true,
        mask: MaskStyle::IdNumber,
        ..BASE
    },
    KindInfo {
        name: "mobile",
        rule_id: "cn.mobile",
        title: "Mainland mobile number",
        help: "A mainland mobile number on an allocated MIIT prefix. Personal contact information: remove or mask it (138****8000).",
        validation: "mainland mobile number on an allocated prefix; +86/0086/86, spaces, dashes and full-width digits; 13-digit IoT numbers with a phone keyword",
        security_severity: 6.5,
        category: Category::Contact,
        strength: 4,
        identifier_rank: Some(2),
        identifies_holder: true,
        mask: keep(3, 4),
        ..BASE
    },
    KindInfo {
        name: "bank_card",
        rule_id: "cn.bank_card",
        title: "Bank card number",
        help: "A payment card number on a known bank BIN with a valid Luhn digit: property information, tier A when its holder is identified in the same record. Remove it; never keep full card numbers in files.",
        validation: "15-19 digits on a known Chinese BIN with a valid Luhn digit (also grouped by four); a known BIN that fails Luhn only with a card keyword, at low confidence",
        security_severity: 8.5,
        category: Category::Property,
        strength: 5,
        identifier_rank: Some(3),
        mask: keep(6, 4),
        ..BASE
    },
    KindInfo {
        name: "email",
        rule_id: "pii.email",
        title: "E-mail address",
        help: "A personal e-mail address. Contact information: remove or mask it.",
        validation: "e-mail address with a real top-level domain; in authorship lines (Copyright, Author, Maintainer, Signed-off-by, AUTHORS files, package metadata) at low confidence",
        category: Category::Contact,
        strength: 9,
        identifier_rank: Some(4),
        identifies_holder: true,
        mask: MaskStyle::Email,
        ..BASE
    },
    KindInfo {
        name: "passport",
        rule_id: "cn.passport",
        title: "Passport number",
        help: "A PRC, Hong Kong or Macau passport number, under a passport label or column. An identity document number: remove it.",
        validation: "PRC ordinary (G/E + 8 digits, E + letter + 7), diplomatic/service/public-affairs (DE/SE/PE + 7), HKSAR (K + 8) and Macau (MA + 7) passports, with a passport keyword or column name",
        security_severity: 7.5,
        identifier_rank: Some(5),
        identifies_holder: true,
        mask: keep(2, 2),
        ..BASE
    },
    KindInfo {
        name: "travel_permit",
        rule_id: "cn.travel_permit",
        title: "Travel permit number",
        help: "A mainland travel permit (回乡证, 往来港澳/台湾通行证, 台胞证) number under a permit label or column. An identity document number: remove it.",
        validation: "回乡证 (H/M + 8 [+2] digits), 往来港澳通行证 (C + 8 digits or C + letter + 7), 往来台湾通行证 (L + 8), with a permit keyword",
        security_severity: 7.5,
        identifier_rank: Some(5),
        identifies_holder: true,
        mask: keep(2, 2),
        ..BASE
    },
    KindInfo {
        name: "address",
        rule_id: "cn.address",
        title: "Postal address",
        help: "A Chinese postal address down to a road or door number. Where a person lives or is reached: remove it or keep only the administrative part.",
        validation: "Chinese postal address: administrative names from the gazetteer followed by a road or door number",
        security_severity: 6.0,
        category: Category::Address,
        strict_tier: Tier::B,
        // An address may legitimately contain a phone-like door number run; it never
        // suppresses or is suppressed by digit findings.
        strength: 0,
        mask: MaskStyle::Address,
        ..BASE
    },
    KindInfo {
        name: "uscc_individual",
        rule_id: "cn.uscc_individual",
        title: "Sole proprietor's credit code",
        help: "A unified social credit code of a sole proprietor (92...), which identifies the person behind the business.",
        validation: "unified social credit code of a sole proprietor (92...), which identifies a natural person; other valid codes are recognised and not reported",
        strength: 6,
        identifier_rank: Some(7),
        mask: keep(8, 2),
        ..BASE
    },
    KindInfo {
        name: "mobile_masked",
        rule_id: "cn.mobile_masked",
        title: "Masked mobile number",
        help: "A mobile number with digits masked out: not a leak, reported only with --include-masked.",
        validation: "masked mobile number; reported only with --include-masked",
        security_severity: 1.0,
        category: Category::Contact,
        strength: 3,
        mask: MaskStyle::AsFound,
        ..BASE
    },
    KindInfo {
        name: "id_card_masked",
        rule_id: "cn.id_card_masked",
        title: "Masked ID number",
        help: "An ID number with characters masked out: not a leak, reported only with --include-masked.",
        validation: "masked ID number; reported only with --include-masked",
        security_severity: 1.0,
        strength: 7,
        mask: MaskStyle::AsFound,
        ..BASE
    },
    KindInfo {
        name: "name",
        rule_id: "cn.name",
        title: "Personal name",
        help: "A Chinese personal name under a name label, key or column. With another identifier in the same record it identifies its holder.",
        validation: "Chinese personal name: 2-4 characters led by a surname from the table, under a name label, key or column",
        security_severity: 4.0,
        identifies_holder: true,
        // The surname alone does not identify anyone.
        mask: keep(1, 0),
        ..BASE
    },
    KindInfo {
        name: "landline",
        rule_id: "cn.landline",
        title: "Landline number",
        help: "A mainland landline number with a valid area code. Contact information.",
        validation: "mainland landline: 0 + area code from the table + 7-8 digit subscriber number",
        security_severity: 4.0,
        category: Category::Contact,
        strength: 3,
        // A landline names the party of a call record as a mobile does; it is the weakest
        // key (an office or a household shares one).
        identifier_rank: Some(6),
        mask: keep(4, 2),
        ..BASE
    },
    KindInfo {
        name: "plate",
        rule_id: "cn.plate",
        title: "Vehicle plate",
        help: "A vehicle licence plate. With a time or place it tracks its owner.",
        validation: "vehicle plate (GA 36-2018): province + letter + 5 characters, 4 + suffix, or 6 for new-energy plates",
        security_severity: 4.0,
        mask: keep(2, 1),
        ..BASE
    },
    KindInfo {
        name: "geo",
        rule_id: "pii.geo",
        title: "Precise coordinates",
        help: "A latitude/longitude pair precise to metres: where someone was. With a time it is whereabouts (tier A).",
        validation: "precise latitude/longitude pair (4+ decimals); outside China only with a coordinate label",
        security_severity: 6.5,
        // One position is not yet a track; see `crate::classify`.
        category: Category::Whereabouts,
        mask: MaskStyle::Geo,
        ..BASE
    },
    KindInfo {
        name: "imei",
        rule_id: "pii.imei",
        title: "Device IMEI",
        help: "A device IMEI under a device label: identifies a phone and, through it, its owner.",
        validation: "device IMEI: 15 digits with a valid Luhn digit and a device label",
        security_severity: 4.0,
        strength: 3,
        mask: keep(8, 2),
        ..BASE
    },
    KindInfo {
        name: "ip",
        rule_id: "pii.ip",
        title: "Public IP address",
        help: "A public IPv4 address. Network identifier; personal when tied to a subscriber.",
        validation: "public IPv4 address",
        security_severity: 3.0,
        mask: MaskStyle::Ip,
        ..BASE
    },
    KindInfo {
        name: "hk_id_card",
        rule_id: "cn.hk_id_card",
        title: "Hong Kong identity card number",
        help: "A Hong Kong identity card number with a valid check character. It identifies one person for life, as a resident ID does: remove it, or mask all but the first letter and the check character.",
        validation: "Hong Kong identity card: one or two letters, six digits and a check character (mod 11, A = 10), usually in parentheses (A123456(3)); under an ID label or column, or with a valid check in a record with other personal information; never alone in free text or code",
        security_severity: 8.0,
        strict_tier: Tier::B,
        strength: 8,
        identifier_rank: Some(1),
        identifies_holder: true,
        mask: keep(1, 1),
        ..BASE
    },
    KindInfo {
        name: "mo_id_card",
        rule_id: "cn.mo_id_card",
        title: "Macau identity card number",
        help: "A Macau resident identity card number under a Macau ID label or column. It identifies one person for life: remove it.",
        validation: "Macau resident identity card: seven digits, the first 1, 5 or 7, and a digit in parentheses (1234567(8)), or the eight digits together; no check algorithm is published, so only under a Macau ID label or column",
        security_severity: 8.0,
        strict_tier: Tier::B,
        strength: 8,
        identifier_rank: Some(1),
        identifies_holder: true,
        mask: keep(1, 1),
        ..BASE
    },
    KindInfo {
        name: "tw_id_card",
        rule_id: "cn.tw_id_card",
        title: "Taiwan national identity card number",
        help: "A Taiwan national identity card number (or the uniform ID of a resident certificate) with a valid check digit. It identifies one person for life: remove it, or mask all but the first letter and the last two digits.",
        validation: "Taiwan national ID: a letter, a sex digit (1 or 2; 8 or 9 on resident certificates) and eight digits, the last a check digit (mod 10); under an ID label or column, or with a valid check in a record with other personal information; never alone in free text or code",
        security_severity: 8.0,
        strict_tier: Tier::B,
        strength: 8,
        identifier_rank: Some(1),
        identifies_holder: true,
        mask: keep(1, 2),
        ..BASE
    },
];

/// The descriptor shared by the kinds of user pattern files (their rule ids are made from their
/// names by [`Kind::rule_id`]; their category and tier come with each detection).
const CUSTOM_KIND: KindInfo = KindInfo {
    name: "custom",
    rule_id: "custom",
    title: "Custom rule",
    help: "A value matched by a rule of a user pattern file.",
    validation: "a user pattern file's regex, with its keywords",
    // User rules never override a validated built-in reading.
    strength: 1,
    mask: keep(2, 2),
    ..BASE
};

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl Serialize for Kind {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.name())
    }
}

/// The information type of Art. 5 of Fa Shi \[2017\] No. 10 (tiers A and B), or, for the
/// residual tier C ("other personal information"), a descriptive sub-category.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    /// 行踪轨迹信息 (tier A).
    Whereabouts,
    /// 通信内容 (tier A).
    CommunicationContent,
    /// 征信信息 (tier A).
    Credit,
    /// 财产信息 (tier A when the holder is identified).
    Property,
    /// 住宿信息 (tier B).
    Accommodation,
    /// 通信记录 (tier B).
    CommunicationRecords,
    /// 健康生理信息 (tier B).
    Health,
    /// 交易信息 (tier B).
    Transaction,
    /// Identity documents and numbers (tier C by the text).
    Identity,
    /// Contact details: phones, e-mail (tier C).
    Contact,
    /// Home or postal address (tier C by the text).
    Address,
}

impl Category {
    /// Every category.
    pub const ALL: [Category; 11] = [
        Category::Whereabouts,
        Category::CommunicationContent,
        Category::Credit,
        Category::Property,
        Category::Accommodation,
        Category::CommunicationRecords,
        Category::Health,
        Category::Transaction,
        Category::Identity,
        Category::Contact,
        Category::Address,
    ];

    /// Parses a category name.
    pub fn from_name(name: &str) -> Option<Category> {
        Category::ALL.into_iter().find(|c| c.name() == name)
    }

    /// The stable snake_case name used in output.
    pub fn name(self) -> &'static str {
        match self {
            Category::Whereabouts => "whereabouts",
            Category::CommunicationContent => "communication_content",
            Category::Credit => "credit",
            Category::Property => "property",
            Category::Accommodation => "accommodation",
            Category::CommunicationRecords => "communication_records",
            Category::Health => "health",
            Category::Transaction => "transaction",
            Category::Identity => "identity",
            Category::Contact => "contact",
            Category::Address => "address",
        }
    }
}

/// The quantity standard of Art. 5: A = 50 items, B = 500, C = 5000.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Tier {
    /// 50 items make the circumstances serious.
    A,
    /// 500 items.
    B,
    /// 5000 items.
    C,
}

impl Tier {
    /// Parses a tier letter.
    pub fn from_name(name: &str) -> Option<Tier> {
        [Tier::A, Tier::B, Tier::C].into_iter().find(|t| t.name() == name)
    }

    /// The letter used in output.
    pub fn name(self) -> &'static str {
        match self {
            Tier::A => "A",
            Tier::B => "B",
            Tier::C => "C",
        }
    }
}

/// How sure the validators are that the value is real personal information.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Confidence {
    /// Shape, check digits and reference tables disagree somewhere, but context supports it.
    Low,
    /// Shape and context agree; no check digit exists or one check was waived.
    Medium,
    /// Every available check passed.
    High,
}

impl Confidence {
    /// The lowercase name used in output.
    pub fn name(self) -> &'static str {
        match self {
            Confidence::Low => "low",
            Confidence::Medium => "medium",
            Confidence::High => "high",
        }
    }
}

/// A detection's normalised value. Values of up to [`Value::INLINE`] bytes (every number kind:
/// phones, ID and card numbers, codes) are held inline: a digit-heavy export yields millions of
/// detections, most of them only counted, and allocating a string for each was a visible share
/// of the scan.
#[derive(Clone, PartialEq, Eq)]
pub struct Value(ValueRepr);

#[derive(Clone, PartialEq, Eq)]
enum ValueRepr {
    /// The bytes past `len` are zero, so that derived equality compares the values.
    Inline {
        len: u8,
        bytes: [u8; Value::INLINE],
    },
    Heap(Box<str>),
}

impl Value {
    /// The longest value held inline.
    pub const INLINE: usize = 22;

    /// The value as a string.
    pub fn as_str(&self) -> &str {
        match &self.0 {
            // Built only from a `&str` (below), so the bytes are valid UTF-8.
            ValueRepr::Inline { len, bytes } => std::str::from_utf8(&bytes[..usize::from(*len)]).unwrap_or_default(),
            ValueRepr::Heap(s) => s,
        }
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Self {
        match u8::try_from(s.len()) {
            Ok(len) if s.len() <= Value::INLINE => {
                let mut bytes = [0; Value::INLINE];
                bytes[..s.len()].copy_from_slice(s.as_bytes());
                Value(ValueRepr::Inline { len, bytes })
            }
            _ => Value(ValueRepr::Heap(s.into())),
        }
    }
}

impl From<String> for Value {
    fn from(s: String) -> Self {
        if s.len() <= Value::INLINE {
            Value::from(s.as_str())
        } else {
            Value(ValueRepr::Heap(s.into_boxed_str()))
        }
    }
}

impl std::ops::Deref for Value {
    type Target = str;
    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl PartialEq<str> for Value {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for Value {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl PartialEq<String> for Value {
    fn eq(&self, other: &String) -> bool {
        self.as_str() == other
    }
}

/// One validated match inside one file, before positions are resolved.
///
/// `start..end` are byte offsets into the text the detectors saw (UTF-8); the scan stage maps
/// them back to the original file bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Detection {
    /// What was matched.
    pub kind: Kind,
    /// Start offset in the scanned text.
    pub start: usize,
    /// End offset (exclusive) in the scanned text.
    pub end: usize,
    /// The normalised value (digits without separators, upper-case check characters, ...).
    pub value: Value,
    /// How sure the validator is.
    pub confidence: Confidence,
    /// For addresses: how many leading characters of `value` are administrative names that
    /// may be shown unmasked.
    pub public_prefix_chars: usize,
    /// A fixed category and tier, for kinds defined by user pattern files.
    pub fixed_class: Option<(Category, Tier)>,
}

/// A finding as reported: a detection with its position, category and tier.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// The path as given on the command line joined with the path below it (shared by all
    /// findings of a file).
    pub path: std::sync::Arc<str>,
    /// 1-based line number.
    pub line: u64,
    /// 1-based column, in characters.
    pub column: u64,
    /// Byte offset in the original file.
    pub offset: u64,
    /// Length in original file bytes.
    pub length: u64,
    /// What was matched.
    pub kind: Kind,
    /// The legal information type.
    pub category: Category,
    /// The Art. 5 quantity tier.
    pub tier: Tier,
    /// Validator confidence.
    pub confidence: Confidence,
    /// The normalised raw value; reports mask it unless asked to reveal it.
    pub value: String,
    /// See [`Detection::public_prefix_chars`].
    pub public_prefix_chars: usize,
    /// The keyed fingerprint of its kind and value (and path, where asked), when a key is set.
    pub fingerprint: Option<Fingerprint>,
    /// In a scan of git history: the commit that introduced the value.
    pub commit: Option<std::sync::Arc<Commit>>,
}

/// A finding's fingerprint: the first 128 bits of its keyed HMAC, shown as 32 hex digits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Fingerprint([u8; 16]);

impl Fingerprint {
    /// The fingerprint with these bytes (computed by [`crate::fingerprint::Fingerprinter`]).
    pub fn from_bytes(bytes: [u8; 16]) -> Self {
        Fingerprint(bytes)
    }
}

impl fmt::Display for Fingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // By hand: one formatting call per byte was a visible share of a JSON report with
        // hundreds of thousands of findings.
        const HEX: &[u8; 16] = b"0123456789abcdef";
        let mut out = [0u8; 32];
        for (i, b) in self.0.iter().enumerate() {
            out[2 * i] = HEX[usize::from(b >> 4)];
            out[2 * i + 1] = HEX[usize::from(b & 15)];
        }
        f.write_str(std::str::from_utf8(&out).map_err(|_| fmt::Error)?)
    }
}

impl std::str::FromStr for Fingerprint {
    type Err = String;
    fn from_str(text: &str) -> Result<Self, String> {
        let text = text.trim();
        if text.len() != 32 || !text.bytes().all(|b| b.is_ascii_hexdigit()) {
            // The text is not echoed: it may be the very value the user meant to allow.
            return Err(format!("not a fingerprint: {} characters, expected 32 hex digits", text.chars().count()));
        }
        let mut bytes = [0; 16];
        for (i, b) in bytes.iter_mut().enumerate() {
            *b = u8::from_str_radix(&text[2 * i..2 * i + 2], 16).map_err(|e| e.to_string())?;
        }
        Ok(Fingerprint(bytes))
    }
}

impl serde::Serialize for Fingerprint {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// The commit that introduced a blob (`--git-history`).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Commit {
    /// Its full hash.
    pub commit: String,
    /// Its author date (ISO 8601).
    pub author_date: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_index_is_the_position_in_all() {
        for (i, kind) in Kind::ALL.into_iter().enumerate() {
            assert_eq!(kind.builtin_index(), Some(i), "{kind}");
            assert_eq!(format!("{kind:?}").to_lowercase(), kind.name().replace('_', ""), "descriptor in order");
            assert!(kind.info().rule_id.ends_with(kind.name()));
            assert_eq!(Kind::from_name_or_rule_id(kind.info().rule_id), Some(kind));
        }
        assert_eq!(Kind::Custom("employee_id").rule_id(), "custom.employee_id");
        assert_eq!(Kind::Custom("employee_id").builtin_index(), None);
    }

    /// `patterns/rules.toml` repeats each kind's category, tier and validation summary for its
    /// readers: it must say what the descriptor says, one rule per kind.
    #[test]
    fn rules_toml_agrees_with_the_descriptors() {
        let rules = crate::rules::builtin();
        assert_eq!(rules.len(), Kind::ALL.len(), "one rule per built-in kind");
        for kind in Kind::ALL {
            let info = kind.info();
            let rule = rules.iter().find(|r| r.kind == info.name).unwrap_or_else(|| panic!("no rule for {kind}"));
            assert_eq!(rule.category, info.category.name(), "{kind}: category");
            assert_eq!(rule.tier, info.tier.name(), "{kind}: tier");
            assert_eq!(rule.description, info.validation, "{kind}: validation summary");
        }
    }

    #[test]
    fn descriptors_are_consistent() {
        for kind in Kind::ALL {
            let info = kind.info();
            assert!(!info.title.is_empty() && !info.help.is_empty() && !info.validation.is_empty(), "{kind}");
            assert!(info.strict_tier <= info.tier, "{kind}: the strict policy never lowers a tier");
            assert!((0.0..=10.0).contains(&info.security_severity), "{kind}");
            // Masked values are shown as found and never key a person or win over a value.
            if kind.is_masked() {
                assert_eq!(info.mask, MaskStyle::AsFound, "{kind}");
                assert_eq!(info.identifier_rank, None, "{kind}");
            }
            // A user's rule never overrides a validated built-in reading; an address never
            // competes with digit readings.
            if kind != Kind::Address {
                assert!(info.strength > CUSTOM_KIND.strength, "{kind}");
            }
        }
        assert_eq!(Kind::Address.info().strength, 0);
    }

    #[test]
    fn values_read_back_as_built_inline_or_not() {
        let long = "北京市海淀区中关村大街27号";
        for s in [
            "",
            "1",
            "13800138000",
            "11010519491231002X",
            "6222021234567890128",
            &"9".repeat(22),
            &"9".repeat(23),
            long,
        ] {
            for value in [Value::from(s), Value::from(s.to_string())] {
                assert_eq!(value.as_str(), s);
                assert_eq!(value, s);
                assert_eq!(value.to_string(), s);
                assert_eq!(format!("{value:?}"), format!("{s:?}"));
                assert_eq!(value.len(), s.len(), "derefs to the string");
            }
            assert_eq!(Value::from(s), Value::from(s.to_string()), "one representation per string");
        }
        assert!(matches!(Value::from("9".repeat(22)).0, ValueRepr::Inline { .. }));
        assert!(matches!(Value::from("9".repeat(23)).0, ValueRepr::Heap(_)));
        assert_ne!(Value::from("138"), Value::from("1380"));
        assert_eq!(std::mem::size_of::<Value>(), 24);
    }
}
